/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/schema_v6.c -- the tables and indexes of schema version 6 (Wave 2,
 * second round: agents' ingest at scale and closed-zone metadata, the
 * serve pages of incidents and supervision, the monthly report's sources).
 * The rules of store/schema_v5.c hold: each part is one idempotent
 * statement ("CREATE TABLE ..." or "CREATE INDEX IF NOT EXISTS ...") in
 * the DDL dialect of store/schema.c, with a probe for SQLite; a new
 * catalog runs them all after version 5's parts, a migration from 5 runs
 * each one that is missing. A part never changes an existing table's data.
 */
#include "store/schema_int.h"

const struct azk_schema_part azk_schema__v6_parts[] = {
    /* ---- agents (issue 14) ----------------------------------------------- */
    /* an agent's objects and cases listed per agent, cases by state, without a scan */
    {NULL, "CREATE INDEX IF NOT EXISTS agent_objects_agent ON agent_objects(agent_id, batch_id)"},
    {NULL, "CREATE INDEX IF NOT EXISTS agent_cases_state ON agent_cases(state, opened_at)"},
    {NULL,
     "CREATE INDEX IF NOT EXISTS agent_batches_agent ON agent_batches(agent_id, received_at)"},
    /* ---- end agents ------------------------------------------------------ */

    /* ---- closed-zone metadata (issue 14) --------------------------------- */
    /* each metadata report of a closed-zone host, kept once (its id) */
    {"SELECT id FROM agent_cz_reports LIMIT 0",
     "CREATE TABLE agent_cz_reports(id TEXT PRIMARY KEY, agent_id TEXT NOT NULL,"
     " created_at INT64 NOT NULL, received_at INT64 NOT NULL, datasets INT64 NOT NULL,"
     " guard_items INT64 NOT NULL)"},
    /* the datasets a closed-zone host holds, as its latest report says (no names, no values) */
    {"SELECT dataset FROM agent_cz_datasets LIMIT 0",
     "CREATE TABLE agent_cz_datasets(dataset TEXT PRIMARY KEY, agent_id TEXT NOT NULL,"
     " client TEXT NOT NULL, retain_until TEXT NOT NULL, state TEXT NOT NULL, retention TEXT,"
     " held INT64 NOT NULL, certificate TEXT, report_id TEXT NOT NULL)"},
    /* its guard decisions (item id, state, verdict; never the file's name) */
    {"SELECT item FROM agent_cz_guard LIMIT 0",
     "CREATE TABLE agent_cz_guard(agent_id TEXT NOT NULL, item TEXT NOT NULL,"
     " state TEXT NOT NULL, verdict TEXT, requested INT64 NOT NULL, approved INT64 NOT NULL,"
     " updated_at TEXT, report_id TEXT NOT NULL, PRIMARY KEY(agent_id, item))"},
    /* a bank user's list: the datasets of its clients */
    {NULL, "CREATE INDEX IF NOT EXISTS agent_cz_datasets_client ON agent_cz_datasets(client,"
           " dataset)"},
    {NULL, "CREATE INDEX IF NOT EXISTS agent_cz_datasets_agent ON agent_cz_datasets(agent_id)"},
    /* ---- end closed-zone metadata ---------------------------------------- */

    /* ---- serve (issue 13) ------------------------------------------------ */
    /* ---- end serve ------------------------------------------------------- */

    /* ---- supervision (issue 15) ------------------------------------------ */
    /* the monthly reports a contractor generated, kept whole (serve shows them again);
     * seq orders generations (two may share a second) */
    {"SELECT client FROM monthly_reports LIMIT 0",
     "CREATE TABLE monthly_reports(client TEXT NOT NULL, month TEXT NOT NULL,"
     " sha256 TEXT NOT NULL, seq INT64 NOT NULL, generated_at TEXT NOT NULL,"
     " generated_by TEXT NOT NULL, doc TEXT NOT NULL, PRIMARY KEY(client, month, sha256))"},
    /* monthly reports replaced by a superseding revision (supervision/import.c): kept whole */
    {"SELECT vendor_key FROM vendor_reports_superseded LIMIT 0",
     "CREATE TABLE vendor_reports_superseded(vendor_key TEXT NOT NULL, client TEXT NOT NULL,"
     " month TEXT NOT NULL, sha256 TEXT NOT NULL, doc TEXT NOT NULL, imported_at TEXT NOT NULL,"
     " imported_by TEXT NOT NULL, superseded_at TEXT NOT NULL,"
     " PRIMARY KEY(vendor_key, client, month, sha256))"},
    /* ---- end supervision ------------------------------------------------- */
};

const size_t azk_schema__v6_count = sizeof(azk_schema__v6_parts) / sizeof(azk_schema__v6_parts[0]);
