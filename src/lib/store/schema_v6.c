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
    /* ---- end closed-zone metadata ---------------------------------------- */

    /* ---- serve (issue 13) ------------------------------------------------ */
    /* the dashboard's next deadlines across clients, in order (store/serve_plat.h) */
    {NULL, "CREATE INDEX IF NOT EXISTS datasets_state_deadline"
           " ON datasets(state, retain_until, id)"},
    /* ---- end serve ------------------------------------------------------- */

    /* ---- supervision (issue 15) ------------------------------------------ */
    /* ---- end supervision ------------------------------------------------- */
};

const size_t azk_schema__v6_count = sizeof(azk_schema__v6_parts) / sizeof(azk_schema__v6_parts[0]);
