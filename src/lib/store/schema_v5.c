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
    /* keys every serve process of the catalog shares (the pre-login CSRF key) */
    {"SELECT name FROM serve_keys LIMIT 0",
     "CREATE TABLE serve_keys(name TEXT PRIMARY KEY, k BYTES NOT NULL)"},
    /* the dashboard's counts of active datasets per client, from the index alone */
    {NULL, "CREATE INDEX IF NOT EXISTS datasets_state_client"
           " ON datasets(state, client, retain_until, id)"},
    /* serve UI: who made an administrator's enrolment link (store/serve_views.h) */
    {"SELECT token_hash FROM enrol_links LIMIT 0",
     "CREATE TABLE enrol_links(token_hash TEXT PRIMARY KEY, created_by TEXT NOT NULL)"},
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
    /* the register (vendor/register.c): locations is a JSON array of strings */
    {"SELECT id FROM vendors LIMIT 0",
     "CREATE TABLE vendors(id TEXT PRIMARY KEY, name TEXT NOT NULL, corporate_number TEXT NOT NULL,"
     " criticality TEXT NOT NULL, locations TEXT NOT NULL, risk TEXT NOT NULL, risk_reason TEXT,"
     " created_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_at TEXT NOT NULL)"},
    {"SELECT vendor FROM vendor_keys LIMIT 0",
     "CREATE TABLE vendor_keys(vendor TEXT NOT NULL, purpose TEXT NOT NULL, pubkey TEXT NOT NULL,"
     " fingerprint TEXT NOT NULL, added_at TEXT NOT NULL, PRIMARY KEY(vendor, purpose))"},
    {"SELECT vendor FROM vendor_subs LIMIT 0",
     "CREATE TABLE vendor_subs(vendor TEXT NOT NULL, sub TEXT NOT NULL, scope TEXT NOT NULL,"
     " added_at TEXT NOT NULL, PRIMARY KEY(vendor, sub))"},
    /* contracts and their required clauses (vendor/register.c) */
    {"SELECT vendor FROM vendor_contracts LIMIT 0",
     "CREATE TABLE vendor_contracts(vendor TEXT PRIMARY KEY, ref TEXT NOT NULL, signed_on TEXT,"
     " expires_on TEXT, updated_at TEXT NOT NULL)"},
    {"SELECT vendor FROM vendor_clauses LIMIT 0",
     "CREATE TABLE vendor_clauses(vendor TEXT NOT NULL, clause TEXT NOT NULL, status TEXT NOT NULL,"
     " on_date TEXT, note TEXT, updated_at TEXT NOT NULL, PRIMARY KEY(vendor, clause))"},
    /* questionnaires (vendor/quest.c): templates, sent questionnaires and their answers */
    {"SELECT id FROM vendor_templates LIMIT 0",
     "CREATE TABLE vendor_templates(id TEXT NOT NULL, revision INT64 NOT NULL, title TEXT NOT NULL,"
     " body TEXT NOT NULL, sha256 TEXT NOT NULL, imported_at TEXT NOT NULL,"
     " PRIMARY KEY(id, revision))"},
    {"SELECT id FROM vendor_questionnaires LIMIT 0",
     "CREATE TABLE vendor_questionnaires(id TEXT PRIMARY KEY, vendor TEXT NOT NULL,"
     " template TEXT NOT NULL, revision INT64 NOT NULL, sent_at TEXT NOT NULL, due TEXT,"
     " state TEXT NOT NULL, answers TEXT, answers_sha256 TEXT, received_at TEXT, score INT64,"
     " reviewer TEXT, review_comment TEXT, reviewed_at TEXT)"},
    /* files received from a vendor (evidence, certificates, disclosures), kept by hash in
     * <home>/vendor/files/ */
    {"SELECT sha256 FROM vendor_files LIMIT 0",
     "CREATE TABLE vendor_files(vendor TEXT NOT NULL, kind TEXT NOT NULL, ref TEXT NOT NULL,"
     " sha256 TEXT NOT NULL, label TEXT NOT NULL, size INT64 NOT NULL, effective TEXT,"
     " expires TEXT, added_at TEXT NOT NULL, PRIMARY KEY(vendor, kind, ref, sha256))"},
    /* audits and on-site inspections, findings, certifications and documents (vendor/audit.c) */
    {"SELECT vendor FROM vendor_audit_plans LIMIT 0",
     "CREATE TABLE vendor_audit_plans(vendor TEXT NOT NULL, kind TEXT NOT NULL,"
     " interval_months INT64 NOT NULL, start_on TEXT NOT NULL, PRIMARY KEY(vendor, kind))"},
    {"SELECT id FROM vendor_audits LIMIT 0",
     "CREATE TABLE vendor_audits(id TEXT PRIMARY KEY, vendor TEXT NOT NULL, kind TEXT NOT NULL,"
     " adhoc INT64 NOT NULL, done_on TEXT NOT NULL, summary TEXT NOT NULL,"
     " recorded_at TEXT NOT NULL)"},
    {"SELECT id FROM vendor_findings LIMIT 0",
     "CREATE TABLE vendor_findings(id TEXT PRIMARY KEY, vendor TEXT NOT NULL, audit TEXT,"
     " title TEXT NOT NULL, severity TEXT NOT NULL, owner TEXT NOT NULL, due TEXT NOT NULL,"
     " status TEXT NOT NULL, closed_on TEXT, updated_at TEXT NOT NULL)"},
    {"SELECT id FROM vendor_docs LIMIT 0",
     "CREATE TABLE vendor_docs(id TEXT PRIMARY KEY, vendor TEXT NOT NULL, class TEXT NOT NULL,"
     " kind TEXT NOT NULL, ref TEXT NOT NULL, issued_on TEXT, expires_on TEXT,"
     " received_on TEXT NOT NULL, sha256 TEXT)"},
    /* the ledger entries about each vendor (for the examiner export) */
    {"SELECT vendor FROM vendor_events LIMIT 0",
     "CREATE TABLE vendor_events(vendor TEXT NOT NULL, ledger_index INT64 NOT NULL,"
     " action TEXT NOT NULL, at TEXT NOT NULL, PRIMARY KEY(vendor, ledger_index))"},
    /* ---- end vendor ------------------------------------------------------ */
};

const size_t azk_schema__v5_count = sizeof(azk_schema__v5_parts) / sizeof(azk_schema__v5_parts[0]);
