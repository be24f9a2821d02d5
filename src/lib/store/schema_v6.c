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
    /* an agent's objects with entrusted records counted without reading its other objects */
    {NULL, "CREATE INDEX IF NOT EXISTS agent_objects_edm ON agent_objects(agent_id)"
           " WHERE edm_records > 0"},
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
    /* incidents: one row per recorded impact run (store/incidents.h); counts, ids and dates
     * only, the paths scanned as keyed name hashes (azk_guard_name_id), never a value */
    {"SELECT id FROM incidents LIMIT 0",
     "CREATE TABLE incidents(id TEXT PRIMARY KEY, created_at INT64 NOT NULL,"
     " created_by TEXT NOT NULL, as_of TEXT NOT NULL, known_date TEXT, cause TEXT NOT NULL,"
     " contractor TEXT, files INT64 NOT NULL, objects INT64 NOT NULL,"
     " objects_hit INT64 NOT NULL, errors INT64 NOT NULL, datasets_all INT64 NOT NULL,"
     " records INT64 NOT NULL, persons INT64 NOT NULL, persons_by_client INT64 NOT NULL,"
     " unusable INT64 NOT NULL, candidates INT64 NOT NULL, probable INT64 NOT NULL,"
     " kinds INT64 NOT NULL, kinds_seen INT64 NOT NULL, paths TEXT NOT NULL,"
     " state TEXT NOT NULL, state_by TEXT, state_at INT64)"},
    /* an incident's part of each client (名寄せ within the client) */
    {"SELECT incident_id FROM incident_clients LIMIT 0",
     "CREATE TABLE incident_clients(incident_id TEXT NOT NULL, client TEXT NOT NULL,"
     " name TEXT NOT NULL, records INT64 NOT NULL, persons INT64 NOT NULL,"
     " kinds INT64 NOT NULL, kinds_seen INT64 NOT NULL, datasets INT64 NOT NULL,"
     " past_deadline INT64 NOT NULL, list_rows INT64 NOT NULL,"
     " PRIMARY KEY(incident_id, client))"},
    /* per dataset: confirmed records, probable ones (namesakes), persons, deadline */
    {"SELECT incident_id FROM incident_datasets LIMIT 0",
     "CREATE TABLE incident_datasets(incident_id TEXT NOT NULL, client TEXT NOT NULL,"
     " dataset TEXT NOT NULL, purpose TEXT NOT NULL, received_at TEXT, total INT64 NOT NULL,"
     " records INT64 NOT NULL, persons INT64 NOT NULL, candidates INT64 NOT NULL,"
     " probable INT64 NOT NULL, objects INT64 NOT NULL, kinds INT64 NOT NULL,"
     " kinds_seen INT64 NOT NULL, retain_until TEXT NOT NULL, past_deadline INT64 NOT NULL,"
     " days_overdue INT64 NOT NULL, PRIMARY KEY(incident_id, client, dataset))"},
    /* every state change (created, reported, closed) with who, when and the note */
    {"SELECT incident_id FROM incident_steps LIMIT 0",
     "CREATE TABLE incident_steps(incident_id TEXT NOT NULL, n INT64 NOT NULL,"
     " at INT64 NOT NULL, actor TEXT NOT NULL, state TEXT NOT NULL, note TEXT,"
     " PRIMARY KEY(incident_id, n))"},
    /* a client's incidents (client portal, monthly report) and the open ones (dashboard) */
    {NULL, "CREATE INDEX IF NOT EXISTS incident_clients_client"
           " ON incident_clients(client, incident_id)"},
    {NULL, "CREATE INDEX IF NOT EXISTS incidents_state ON incidents(state, id)"},
    /* the dashboard's next deadlines across clients, in order (store/serve_plat.h) */
    {NULL, "CREATE INDEX IF NOT EXISTS datasets_state_deadline"
           " ON datasets(state, retain_until, id)"},
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

    /* ---- vendor register in serve (issue 15) ----------------------------- */
    /* every risk rating given to a vendor, with its reason, who and when (vendor/register.c;
     * vendors.risk stays the current one; seq orders two ratings of one second) */
    {"SELECT seq FROM vendor_ratings LIMIT 0",
     "CREATE TABLE vendor_ratings(vendor TEXT NOT NULL, seq INT64 NOT NULL, risk TEXT NOT NULL,"
     " reason TEXT NOT NULL, rated_at TEXT NOT NULL, rated_by TEXT NOT NULL,"
     " PRIMARY KEY(vendor, seq))"},
    /* a vendor's keys no longer trusted (retired, or replaced by a newer key of the purpose):
     * kept for the record; such a key is never registered again for that purpose */
    {"SELECT vendor FROM vendor_keys_retired LIMIT 0",
     "CREATE TABLE vendor_keys_retired(vendor TEXT NOT NULL, purpose TEXT NOT NULL,"
     " pubkey TEXT NOT NULL, fingerprint TEXT NOT NULL, added_at TEXT NOT NULL,"
     " retired_at TEXT NOT NULL, retired_by TEXT NOT NULL, why TEXT NOT NULL,"
     " PRIMARY KEY(vendor, purpose, fingerprint))"},
    /* one-off (ad hoc) audits planned for a date, apart from the periodic schedules; met by
     * the first audit of that kind recorded after it was planned (vendor/audit.c, view.c) */
    {"SELECT due_on FROM vendor_audits_planned LIMIT 0",
     "CREATE TABLE vendor_audits_planned(vendor TEXT NOT NULL, kind TEXT NOT NULL,"
     " due_on TEXT NOT NULL, summary TEXT NOT NULL, planned_at TEXT NOT NULL,"
     " planned_by TEXT NOT NULL, PRIMARY KEY(vendor, kind, due_on))"},
    /* ---- end vendor register in serve ------------------------------------ */

    /* ---- vendor files and questionnaires (issue 15) ---------------------- */
    /* ---- end vendor files and questionnaires ----------------------------- */

    /* ---- dashboard summary (issue 13) ------------------------------------ */
    /* active datasets per client counted from a narrow index alone (store/dash_summary.c):
     * a third of the time of datasets_state_client's wide entries at 100k datasets */
    {NULL, "CREATE INDEX IF NOT EXISTS datasets_active_client ON datasets(client)"
           " WHERE state = 'active'"},
    /* ---- end dashboard summary ------------------------------------------- */

    /* ---- agent sweep and witness (issue 14) ------------------------------ */
    /* a closed-zone host's other ledger key (offered with a checkpoint that verifies under
     * it) and its acceptance by two people: requested by one, approved by another */
    {"SELECT agent_id FROM agent_witness_keys LIMIT 0",
     "CREATE TABLE agent_witness_keys(agent_id TEXT PRIMARY KEY, vkey TEXT NOT NULL,"
     " state TEXT NOT NULL, offered_at INT64 NOT NULL, reason TEXT, requested_by TEXT,"
     " requested_at INT64, approved_by TEXT, approved_at INT64)"},
    /* ---- end agent sweep and witness ------------------------------------- */

    /* ---- impact jobs (issue 13) ------------------------------------------ */
    /* runs of impact asked for in serve: requested, approved by a second person, run by
     * `azukari impact worker` (impact/impact_job.c); a label, never a path or a file name */
    {"SELECT id FROM impact_jobs LIMIT 0",
     "CREATE TABLE impact_jobs(id TEXT PRIMARY KEY, label TEXT NOT NULL, known_date TEXT,"
     " cause TEXT NOT NULL, state TEXT NOT NULL, requested_by TEXT NOT NULL,"
     " requested_at INT64 NOT NULL, decided_by TEXT, decided_at INT64, started_at INT64,"
     " finished_at INT64, incident TEXT, error TEXT, records INT64, probable INT64)"},
    /* ---- end impact jobs ------------------------------------------------- */
};

const size_t azk_schema__v6_count = sizeof(azk_schema__v6_parts) / sizeof(azk_schema__v6_parts[0]);
