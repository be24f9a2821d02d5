/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/schema_v5.c -- the tables of schema version 5 (Wave 2: the
 * server's API and rate limits, agents, supervision, vendor management).
 * Each part is one idempotent statement in the DDL dialect of
 * store/schema.c (INT64, BYTES; translated per backend): a new catalog
 * runs them all after the version-4 tables; a migration from 4 runs each
 * one whose probe fails (SQLite) or in its IF NOT EXISTS form
 * (PostgreSQL). Only "CREATE TABLE ..." and "CREATE INDEX IF NOT EXISTS
 * ..." belong here; a part never changes an existing table's data.
 */
#include "store/schema_int.h"

const struct azk_schema_part azk_schema__v5_parts[] = {
    /* ---- serve: API, rate limits, witness -------------------------------- */
    {"SELECT k FROM rate_limits LIMIT 0",
     "CREATE TABLE rate_limits(k TEXT NOT NULL, window_start INT64 NOT NULL,"
     " hits INT64 NOT NULL, PRIMARY KEY(k, window_start))"},
    /* serve UI: who made an administrator's enrolment link (store/serve_views.h) */
    {"SELECT token_hash FROM enrol_links LIMIT 0",
     "CREATE TABLE enrol_links(token_hash TEXT PRIMARY KEY, created_by TEXT NOT NULL)"},
    /* ---- end serve ------------------------------------------------------- */

    /* ---- agents (issue 14) ----------------------------------------------- */
    /* ---- end agents ------------------------------------------------------ */

    /* ---- supervision: monthly reports, training, internal control -------- */
    /* ---- end supervision ------------------------------------------------- */

    /* ---- vendor management (bank side) ----------------------------------- */
    /* ---- end vendor ------------------------------------------------------ */
};

const size_t azk_schema__v5_count = sizeof(azk_schema__v5_parts) / sizeof(azk_schema__v5_parts[0]);
