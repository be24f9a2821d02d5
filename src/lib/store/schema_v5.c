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
    /* ---- end serve ------------------------------------------------------- */

    /* ---- agents (issue 14) ----------------------------------------------- */
    /* ---- end agents ------------------------------------------------------ */

    /* ---- supervision: monthly reports, training, internal control -------- */
    {"SELECT id FROM training_courses LIMIT 0",
     "CREATE TABLE training_courses(id TEXT PRIMARY KEY, title TEXT NOT NULL,"
     " validity_days INT64 NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL)"},
    {"SELECT user_name FROM training_completions LIMIT 0",
     "CREATE TABLE training_completions(user_name TEXT NOT NULL, course TEXT NOT NULL,"
     " completed_on TEXT NOT NULL, evidence TEXT NOT NULL, recorded_at TEXT NOT NULL,"
     " recorded_by TEXT NOT NULL, PRIMARY KEY(user_name, course, completed_on))"},
    {"SELECT version FROM control_criteria LIMIT 0",
     "CREATE TABLE control_criteria(version INT64 PRIMARY KEY, sha256 TEXT NOT NULL,"
     " body TEXT NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL)"},
    {"SELECT id FROM control_items LIMIT 0",
     "CREATE TABLE control_items(id TEXT PRIMARY KEY, kind TEXT NOT NULL, title TEXT NOT NULL,"
     " client TEXT, owner TEXT NOT NULL, due TEXT NOT NULL, status TEXT NOT NULL,"
     " requested_by TEXT NOT NULL, approved_by TEXT, criteria INT64 NOT NULL,"
     " created_at TEXT NOT NULL, updated_at TEXT NOT NULL)"},
    {"SELECT vendor_key FROM vendor_reports LIMIT 0",
     "CREATE TABLE vendor_reports(vendor_key TEXT NOT NULL, client TEXT NOT NULL,"
     " month TEXT NOT NULL, sha256 TEXT NOT NULL, tree_size INT64 NOT NULL, root TEXT NOT NULL,"
     " month_ends TEXT NOT NULL, flags TEXT NOT NULL, doc TEXT NOT NULL,"
     " imported_at TEXT NOT NULL, imported_by TEXT NOT NULL,"
     " PRIMARY KEY(vendor_key, client, month))"},
    /* ---- end supervision ------------------------------------------------- */

    /* ---- vendor management (bank side) ----------------------------------- */
    /* ---- end vendor ------------------------------------------------------ */
};

const size_t azk_schema__v5_count = sizeof(azk_schema__v5_parts) / sizeof(azk_schema__v5_parts[0]);
