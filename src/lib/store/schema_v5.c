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
    /* one-time enrolment tokens (hash only), per host group and zone */
    {"SELECT token_hash FROM agent_tokens LIMIT 0",
     "CREATE TABLE agent_tokens(token_hash TEXT PRIMARY KEY, grp TEXT NOT NULL,"
     " zone TEXT NOT NULL, created_at INT64 NOT NULL, expires_at INT64 NOT NULL,"
     " used_at INT64, created_by TEXT)"},
    {"SELECT id FROM agents LIMIT 0",
     "CREATE TABLE agents(id TEXT PRIMARY KEY, host TEXT NOT NULL, grp TEXT NOT NULL,"
     " zone TEXT NOT NULL, state TEXT NOT NULL, enrolled_at INT64 NOT NULL,"
     " seen_at INT64, revoked_at INT64)"},
    /* client certificates issued by the server's CA (serial hex) */
    {"SELECT serial FROM agent_certs LIMIT 0",
     "CREATE TABLE agent_certs(serial TEXT PRIMARY KEY, agent_id TEXT NOT NULL,"
     " not_before INT64 NOT NULL, not_after INT64 NOT NULL, issued_at INT64 NOT NULL,"
     " revoked_at INT64)"},
    {"SELECT grp FROM agent_policies LIMIT 0",
     "CREATE TABLE agent_policies(grp TEXT PRIMARY KEY, body TEXT NOT NULL,"
     " updated_at INT64 NOT NULL)"},
    /* one row per batch ever ingested: the batch id is unique, a resend is a no-op */
    {"SELECT batch_id FROM agent_batches LIMIT 0",
     "CREATE TABLE agent_batches(batch_id TEXT PRIMARY KEY, agent_id TEXT NOT NULL,"
     " received_at INT64 NOT NULL, sent_at INT64 NOT NULL, object_count INT64 NOT NULL,"
     " lost_objects INT64 NOT NULL)"},
    /* per object results: the path is kept (the server must say where), never logged */
    {"SELECT batch_id FROM agent_objects LIMIT 0",
     "CREATE TABLE agent_objects(batch_id TEXT NOT NULL, seq INT64 NOT NULL,"
     " agent_id TEXT NOT NULL, path TEXT NOT NULL, size INT64 NOT NULL, mtime INT64 NOT NULL,"
     " format TEXT, counts TEXT NOT NULL, examples TEXT NOT NULL, edm TEXT NOT NULL,"
     " edm_records INT64 NOT NULL, score_milli INT64 NOT NULL, error TEXT,"
     " PRIMARY KEY(batch_id, seq))"},
    /* the fingerprint exports closed-zone hosts publish (signed by the server when served) */
    {"SELECT id FROM agent_fingerprints LIMIT 0",
     "CREATE TABLE agent_fingerprints(id TEXT PRIMARY KEY, agent_id TEXT NOT NULL,"
     " created_at INT64 NOT NULL, file BYTES NOT NULL, fkey BYTES NOT NULL)"},
    /* a case per object with entrusted records found outside the closed zone */
    {"SELECT id FROM agent_cases LIMIT 0",
     "CREATE TABLE agent_cases(id TEXT PRIMARY KEY, agent_id TEXT NOT NULL,"
     " batch_id TEXT NOT NULL, seq INT64 NOT NULL, records INT64 NOT NULL,"
     " state TEXT NOT NULL, action TEXT, opened_at INT64 NOT NULL, requested_by TEXT,"
     " requested_at INT64,"
     " reason TEXT, approved_by TEXT, approved_at INT64, done_at INT64, outcome TEXT,"
     " UNIQUE(batch_id, seq))"},
    /* every step of a case (found, requested, approved, done), for its whole story */
    {"SELECT case_id FROM agent_case_steps LIMIT 0",
     "CREATE TABLE agent_case_steps(case_id TEXT NOT NULL, n INT64 NOT NULL, at INT64 NOT NULL,"
     " actor TEXT NOT NULL, step TEXT NOT NULL, detail TEXT, PRIMARY KEY(case_id, n))"},
    /* the witness: every signed ledger checkpoint a closed-zone host reports */
    {"SELECT agent_id FROM agent_checkpoints LIMIT 0",
     "CREATE TABLE agent_checkpoints(agent_id TEXT NOT NULL, size INT64 NOT NULL,"
     " root TEXT NOT NULL, note TEXT NOT NULL, received_at INT64 NOT NULL,"
     " consistent INT64 NOT NULL, PRIMARY KEY(agent_id, size, root))"},
    {"SELECT agent_id FROM agent_witness LIMIT 0",
     "CREATE TABLE agent_witness(agent_id TEXT PRIMARY KEY, vkey TEXT NOT NULL,"
     " size INT64 NOT NULL, root TEXT NOT NULL, alarm TEXT, updated_at INT64 NOT NULL)"},
    /* ---- end agents ------------------------------------------------------ */

    /* ---- supervision: monthly reports, training, internal control -------- */
    /* ---- end supervision ------------------------------------------------- */

    /* ---- vendor management (bank side) ----------------------------------- */
    /* ---- end vendor ------------------------------------------------------ */
};

const size_t azk_schema__v5_count = sizeof(azk_schema__v5_parts) / sizeof(azk_schema__v5_parts[0]);
