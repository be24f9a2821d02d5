/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/schema.c -- every table of the catalog, in one place, for both
 * backends; the schema version (meta('schema')); the forward migrations
 * applied when a home is opened. See store/schema.h for the versions and
 * docs/catalog.md for backups and what lives where.
 *
 * The DDL is written once with two type words that differ per backend:
 * INT64 (SQLite INTEGER, PostgreSQL BIGINT) and BYTES (BLOB, BYTEA);
 * everything else is the common subset of store/db.h.
 *
 * Migrations run in one write transaction (both backends have
 * transactional DDL), after a backup of an SQLite catalog. The step to
 * version 2 moves wrapped keys into the keystore: each key is stored there
 * and read back equal before the catalog's copy is dropped in the same
 * transaction as the version change, so a key is never in neither place;
 * then the catalog file is rebuilt (secure_delete, VACUUM, WAL truncated)
 * and searched for every moved key. The backup of that step is taken
 * without the keys (docs/catalog.md, "Backups"): a copy of a key must
 * never outlive its destruction. The backup, the rebuild and the search
 * (what is done to the SQLite files) are in store/schema_backup.c.
 */
#include "store/schema.h"
#include "store/schema_int.h"
#include "store/keystore.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- the current schema (version 8; the parts of 5, 6, 7 and 8 in schema_v5.c, schema_v6.c,
 * schema_v8.c)
 * ---------------------------------- */

/* Tables of azukari serve (store/serve.h), created by version 4 and by a new catalog. */
#define SERVE_DDL_GRANTS                                                                           \
    "CREATE TABLE user_grants(name TEXT NOT NULL, client TEXT NOT NULL, PRIMARY KEY(name, "        \
    "client))"
#define SERVE_DDL_SESSIONS                                                                         \
    "CREATE TABLE sessions(id_hash TEXT PRIMARY KEY, name TEXT NOT NULL, csrf TEXT NOT NULL,"      \
    " created_at INT64 NOT NULL, seen_at INT64 NOT NULL)"
#define SERVE_DDL_ENROL                                                                            \
    "CREATE TABLE enrol_tokens(token_hash TEXT PRIMARY KEY, role TEXT NOT NULL,"                   \
    " expires_at INT64 NOT NULL, used_at INT64)"

static const char *const current_ddl[] = {
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    "CREATE TABLE clients(id TEXT PRIMARY KEY, name TEXT NOT NULL DEFAULT '',"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL)",
    "CREATE TABLE datasets(id TEXT PRIMARY KEY, client TEXT NOT NULL REFERENCES clients(id),"
    " uuid TEXT NOT NULL UNIQUE, purpose TEXT NOT NULL, retain_until TEXT NOT NULL,"
    " schema_json TEXT NOT NULL, source_name TEXT NOT NULL, format TEXT NOT NULL,"
    " encoding TEXT NOT NULL, records INT64 NOT NULL, bytes INT64 NOT NULL,"
    " created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'active')",
    "CREATE TABLE opens(dataset TEXT NOT NULL REFERENCES datasets(id), at TEXT NOT NULL,"
    " by TEXT NOT NULL, reason TEXT NOT NULL)",
    "CREATE TABLE fingerprints(dataset TEXT PRIMARY KEY REFERENCES datasets(id),"
    " fields TEXT NOT NULL, nonce BYTES NOT NULL, data BYTES NOT NULL)",
    /* retention */
    "CREATE TABLE ret_artifacts(dataset TEXT NOT NULL, path TEXT NOT NULL,"
    " dev INT64 NOT NULL, ino INT64 NOT NULL, deadline TEXT NOT NULL,"
    " added_at TEXT NOT NULL, added_by TEXT NOT NULL, disposition TEXT,"
    " size INT64, mtime_ns INT64, ctime_ns INT64, hash TEXT,"
    " PRIMARY KEY(dataset, path))",
    "CREATE TABLE ret_state(dataset TEXT PRIMARY KEY, state TEXT NOT NULL,"
    " key_id TEXT, key_commit TEXT, shred_index INT64, shred_at TEXT, operator TEXT,"
    " drill INT64 NOT NULL DEFAULT 0, vault_disp TEXT, sweep_json TEXT,"
    " residuals INT64 NOT NULL DEFAULT 0, updated_at TEXT, fp_file TEXT)",
    "CREATE TABLE ret_holds(dataset TEXT PRIMARY KEY, reason TEXT NOT NULL,"
    " by TEXT NOT NULL, at TEXT NOT NULL)",
    "CREATE TABLE ret_requests(id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " dataset TEXT NOT NULL, until TEXT, reason TEXT NOT NULL, requested_by TEXT NOT NULL,"
    " requested_at TEXT NOT NULL, approved_by TEXT, approved_at TEXT,"
    " state TEXT NOT NULL DEFAULT 'pending')",
    "CREATE TABLE ret_early(dataset TEXT PRIMARY KEY, request TEXT NOT NULL)",
    "CREATE TABLE ret_residuals(dataset TEXT NOT NULL, path TEXT NOT NULL,"
    " member TEXT NOT NULL, rows INT64 NOT NULL)",
    "CREATE TABLE ret_meta(key TEXT PRIMARY KEY, value INT64 NOT NULL)",
    /* people (retention/identity.c) */
    "CREATE TABLE users(name TEXT PRIMARY KEY, nonce BYTES NOT NULL,"
    " secret BYTES NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
    " state TEXT, approved_by TEXT, pw_hash TEXT, role TEXT)",
    "CREATE TABLE totp_used(name TEXT NOT NULL, step INT64 NOT NULL, PRIMARY KEY(name, step))",
    "CREATE TABLE auth_failures(name TEXT NOT NULL, at INT64 NOT NULL)",
    /* guard watch journal */
    "CREATE TABLE guard_items(id TEXT PRIMARY KEY, rel_path TEXT NOT NULL,"
    " state TEXT NOT NULL, outbox TEXT NOT NULL, release_dir TEXT NOT NULL, dest TEXT,"
    " uuid TEXT, size INT64, decision TEXT, requested_by TEXT,"
    " request_reason TEXT, approved_by TEXT, created_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL)",
    /* azukari serve (version 4): grants, sessions, enrolment links */
    SERVE_DDL_GRANTS, SERVE_DDL_SESSIONS, SERVE_DDL_ENROL,
    /* indexes of version 3 (v3_indexes below) follow in azk_schema__create */
};

/*
 * Version 3: the indexes of the catalog queries the server asks
 * (store/datasets.h, store/retention_state.h): the datasets of a client by
 * deadline, the certificates of a month. The overdue list has none on
 * purpose: most datasets past their deadline are certified, and walking
 * datasets(retain_until) to join each with ret_state was 7 times slower on
 * SQLite than one scan of datasets (bench/README.md, "Catalog").
 */
static const char *const v3_indexes[] = {
    "CREATE INDEX IF NOT EXISTS datasets_client_deadline ON datasets(client, retain_until, id)",
    "CREATE INDEX IF NOT EXISTS ret_state_certified ON ret_state(state, shred_at)",
};

/* ---- version 1, as earlier releases left it (SQLite only) --------------- */

/* Tables version 1 created lazily: a version-1 catalog may lack any of them. */
static const char v1_lazy_sql[] =
    "CREATE TABLE IF NOT EXISTS ret_artifacts(dataset TEXT NOT NULL, path TEXT NOT NULL,"
    " dev INTEGER NOT NULL, ino INTEGER NOT NULL, deadline TEXT NOT NULL,"
    " added_at TEXT NOT NULL, added_by TEXT NOT NULL, disposition TEXT,"
    " size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, hash TEXT,"
    " PRIMARY KEY(dataset, path));"
    "CREATE TABLE IF NOT EXISTS ret_state(dataset TEXT PRIMARY KEY, state TEXT NOT NULL,"
    " key_id TEXT, key_commit TEXT, shred_index INTEGER, shred_at TEXT, operator TEXT,"
    " drill INTEGER NOT NULL DEFAULT 0, vault_disp TEXT, sweep_json TEXT,"
    " residuals INTEGER NOT NULL DEFAULT 0, updated_at TEXT, fp_file TEXT);"
    "CREATE TABLE IF NOT EXISTS ret_holds(dataset TEXT PRIMARY KEY, reason TEXT NOT NULL,"
    " by TEXT NOT NULL, at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ret_requests(id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " dataset TEXT NOT NULL, until TEXT, reason TEXT NOT NULL, requested_by TEXT NOT NULL,"
    " requested_at TEXT NOT NULL, approved_by TEXT, approved_at TEXT,"
    " state TEXT NOT NULL DEFAULT 'pending');"
    "CREATE TABLE IF NOT EXISTS ret_early(dataset TEXT PRIMARY KEY, request TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ret_residuals(dataset TEXT NOT NULL, path TEXT NOT NULL,"
    " member TEXT NOT NULL, rows INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ret_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, nonce BLOB NOT NULL,"
    " secret BLOB NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
    " state TEXT, approved_by TEXT);"
    "CREATE TABLE IF NOT EXISTS totp_used(name TEXT NOT NULL, step INTEGER NOT NULL,"
    " PRIMARY KEY(name, step));"
    "CREATE TABLE IF NOT EXISTS auth_failures(name TEXT NOT NULL, at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS guard_items(id TEXT PRIMARY KEY, rel_path TEXT NOT NULL,"
    " state TEXT NOT NULL, outbox TEXT NOT NULL, release_dir TEXT NOT NULL, dest TEXT,"
    " uuid TEXT, wrapped BLOB, size INTEGER, decision TEXT, requested_by TEXT,"
    " request_reason TEXT, approved_by TEXT, created_at TEXT NOT NULL,"
    " updated_at TEXT NOT NULL);";

/* Columns releases of version 1 added after their table first shipped
 * (ret_state.fp_file without an ALTER: catalogs of the first retention
 * release lack it). */
static const struct {
    const char *table, *column, *decl;
} v1_added[] = {
    {"ret_artifacts", "size", "INTEGER"},     {"ret_artifacts", "mtime_ns", "INTEGER"},
    {"ret_artifacts", "ctime_ns", "INTEGER"}, {"ret_artifacts", "hash", "TEXT"},
    {"ret_state", "fp_file", "TEXT"},         {"users", "state", "TEXT"},
    {"users", "approved_by", "TEXT"},
};

/* ---- helpers ---------------------------------------------------------- */

/* sql with the type words of the backend, into out. */
static azk_status ddl_for(azk_buf *out, azk_db_backend kind, const char *sql)
{
    azk_status rc = AZK_OK;
    const char *p = sql;
    azk_buf_clear(out);
    while (rc == AZK_OK && *p != '\0') {
        if (strncmp(p, "INT64", 5) == 0) {
            rc = azk_buf_puts(out, kind == AZK_DB_POSTGRES ? "BIGINT" : "INTEGER");
            p += 5;
        } else if (strncmp(p, "BYTES", 5) == 0) {
            rc = azk_buf_puts(out, kind == AZK_DB_POSTGRES ? "BYTEA" : "BLOB");
            p += 5;
        } else {
            rc = azk_buf_put(out, p, 1);
            p++;
        }
    }
    return rc;
}

static azk_status meta_set(azk_db *db, const char *k, const char *v)
{
    azk_status rc;
    azk_db_stmt *st = NULL;
    rc = azk_db_prepare(db, &st,
                        "INSERT INTO meta(key, value) VALUES(?, ?)"
                        " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                        "write meta");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, k);
    azk_db_bind_text(st, 2, v);
    rc = azk_db_run(st);
    azk_db_finalize(st);
    return rc;
}

/* meta(k) into out ("" when absent); *found says whether the row exists. */
static azk_status meta_get(azk_db *db, const char *k, char *out, size_t cap, bool *found)
{
    azk_status rc = AZK_OK;
    azk_db_stmt *st = NULL;
    int r;
    out[0] = '\0';
    *found = false;
    rc = azk_db_prepare(db, &st, "SELECT value FROM meta WHERE key = ?", "read meta");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, k);
    r = azk_db_step(st);
    if (r == AZK_DB_ROW) {
        const char *v = azk_db_col_text(st, 0);
        *found = true;
        (void)snprintf(out, cap, "%s", v != NULL ? v : "");
    } else if (r != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

/*
 * Does sql prepare (are the tables and columns it names there)? *ok says;
 * the status is AZK_OK or an allocation failure, which must never pass for
 * "not there" (a catalog called no catalog, a backup left unscrubbed).
 */
static azk_status prepares(azk_db *db, const char *sql, bool *ok)
{
    azk_db_stmt *st = NULL;
    azk_status rc = azk_db_prepare(db, &st, sql, "probe");
    *ok = rc == AZK_OK;
    if (rc == AZK_ERR_NOMEM)
        return rc;
    if (rc != AZK_OK)
        azk_error_clear();
    azk_db_finalize(st);
    return AZK_OK;
}

azk_status azk_schema__has_column(azk_db *db, const char *table, const char *column, bool *ok)
{
    char sql[160];
    (void)snprintf(sql, sizeof(sql), "SELECT %s FROM %s LIMIT 0", column, table);
    return prepares(db, sql, ok);
}

/* ---- create, version -------------------------------------------------- */

azk_status azk_schema__create(azk_db *db, const char *const *meta, size_t meta_count)
{
    azk_status rc = AZK_OK;
    azk_buf sql = AZK_BUF_INIT;
    char v[16];
    AZK_ASSERT_ARG(db != NULL && (meta_count % 2) == 0);
    if (azk_db_kind(db) == AZK_DB_SQLITE) {
        rc = azk_db_exec(db, "PRAGMA journal_mode=WAL", "create schema");
        if (rc != AZK_OK)
            return rc;
    }
    rc = azk_db_begin(db);
    if (rc != AZK_OK)
        return rc;
    for (size_t i = 0; rc == AZK_OK && i < sizeof(current_ddl) / sizeof(current_ddl[0]); i++) {
        rc = ddl_for(&sql, azk_db_kind(db), current_ddl[i]);
        if (rc == AZK_OK)
            rc = azk_db_exec(db, (const char *)sql.data, "create schema");
    }
    for (size_t i = 0; rc == AZK_OK && i < sizeof(v3_indexes) / sizeof(v3_indexes[0]); i++)
        rc = azk_db_exec(db, v3_indexes[i], "create schema");
    for (size_t i = 0; rc == AZK_OK && i < azk_schema__v5_count; i++) {
        rc = ddl_for(&sql, azk_db_kind(db), azk_schema__v5_parts[i].ddl);
        if (rc == AZK_OK)
            rc = azk_db_exec(db, (const char *)sql.data, "create schema");
    }
    for (size_t i = 0; rc == AZK_OK && i < azk_schema__v6_count; i++) {
        rc = ddl_for(&sql, azk_db_kind(db), azk_schema__v6_parts[i].ddl);
        if (rc == AZK_OK)
            rc = azk_db_exec(db, (const char *)sql.data, "create schema");
    }
    for (size_t i = 0; rc == AZK_OK && i < azk_schema__v8_count; i++) {
        rc = ddl_for(&sql, azk_db_kind(db), azk_schema__v8_parts[i].ddl);
        if (rc == AZK_OK)
            rc = azk_db_exec(db, (const char *)sql.data, "create schema");
    }
    (void)snprintf(v, sizeof(v), "%d", AZK_SCHEMA_CURRENT);
    if (rc == AZK_OK)
        rc = meta_set(db, "schema", v);
    for (size_t i = 0; rc == AZK_OK && i + 1 < meta_count; i += 2)
        rc = meta_set(db, meta[i], meta[i + 1]);
    if (rc == AZK_OK)
        rc = azk_db_commit(db);
    else
        azk_db_rollback(db);
    azk_buf_dispose(&sql);
    return rc;
}

azk_status azk_schema__check_file(const char *path)
{
    /*
     * Read the header through SQLite, never with open()/close() of our
     * own: POSIX locks belong to the process, and closing any descriptor
     * of the file drops the locks every connection of this process holds
     * on it (sqlite.org "How To Corrupt", 2.2.1). A second home handle
     * opened while a first is in use (serve and its agent listener) then
     * let another process delete the live WAL file. SQLite's own VFS
     * defers such closes.
     */
    struct stat sb;
    azk_db *db = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(path != NULL);
    if (azk_db_is_url(path))
        return AZK_OK; /* PostgreSQL: azk_schema__version tells */
    if (stat(path, &sb) != 0) {
        char eb[128];
        int e = errno;
        return azk_error_set(e == ENOENT ? AZK_ERR_NOTFOUND : AZK_ERR_IO,
                             "catalog %s: cannot open: %s", path, azk_strerror(e, eb, sizeof(eb)));
    }
    if (!S_ISREG(sb.st_mode) || sb.st_size < 100)
        return azk_error_set(AZK_ERR_FORMAT,
                             "catalog %s: not an azukari catalog (not an SQLite database)", path);
    rc = azk_db_open(&db, path, AZK_DB_READONLY);
    if (rc == AZK_OK)
        rc = azk_db_exec(db, "PRAGMA schema_version", "read the header");
    azk_db_close(db);
    if (rc == AZK_ERR_NOMEM)
        return rc;
    if (rc != AZK_OK) {
        azk_error_clear();
        return azk_error_set(AZK_ERR_FORMAT,
                             "catalog %s: not an azukari catalog (not an SQLite database)", path);
    }
    return AZK_OK;
}

azk_status azk_schema__version(azk_db *db, int *version)
{
    azk_status rc;
    char v[32];
    char *end = NULL;
    bool found = false;
    long n;
    AZK_ASSERT_ARG(db != NULL && version != NULL);
    *version = 0;
    rc = prepares(db, "SELECT key, value FROM meta LIMIT 0", &found);
    if (rc != AZK_OK)
        return rc;
    if (!found)
        return azk_error_set(AZK_ERR_FORMAT, "catalog %s: not an azukari catalog (no meta table)",
                             azk_db_name(db));
    rc = meta_get(db, "schema", v, sizeof(v), &found);
    if (rc != AZK_OK)
        return rc;
    errno = 0;
    n = found ? strtol(v, &end, 10) : 0;
    if (!found || errno != 0 || end == v || *end != '\0' || n < 1 || n > 1000000)
        return azk_error_set(AZK_ERR_FORMAT,
                             "catalog %s: not an azukari catalog (no schema version in meta)",
                             azk_db_name(db));
    *version = (int)n;
    return AZK_OK;
}

azk_status azk_schema__check(azk_db *db, int *version)
{
    azk_status rc = azk_schema__version(db, version);
    if (rc != AZK_OK)
        return rc;
    if (*version > AZK_SCHEMA_CURRENT)
        return azk_error_set(AZK_ERR_UNSUPPORTED,
                             "catalog %s: schema version %d is newer than this azukari knows (%d); "
                             "use a newer azukari",
                             azk_db_name(db), *version, AZK_SCHEMA_CURRENT);
    return AZK_OK;
}

/* ---- keys moved out of the catalog ------------------------------------ */

/* Put (kind, id) -> bytes in the keystore, or find it there already, equal. */
static azk_status move_key(struct azk_schema_mig *m, const char *kind, const char *id,
                           const uint8_t *b, size_t n)
{
    azk_status rc;
    uint8_t *have = NULL;
    size_t have_len = 0;
    rc = azk_store__key_get(m->h, kind, id, &have, &have_len);
    if (rc == AZK_ERR_NOTFOUND) {
        azk_error_clear();
        rc = azk_store__key_put(m->h, kind, id, b, n);
        if (rc == AZK_OK)
            rc = azk_store__key_get(m->h, kind, id, &have, &have_len);
    }
    if (rc == AZK_OK && (have_len != n || memcmp(have, b, n) != 0))
        rc = azk_error_set(AZK_ERR_INTEGRITY,
                           "catalog %s: the keystore holds a different key for %s %s; "
                           "nothing migrated",
                           azk_db_name(m->db), kind, id);
    azk_free_secret(have, have_len);
    if (rc == AZK_OK)
        rc = azk_schema__remember_key(m, b, n);
    if (rc == AZK_OK)
        m->rep->keys_moved++;
    return rc;
}

/* Move every non-NULL key of `sql` (columns: owner id, key bytes). */
static azk_status move_keys(struct azk_schema_mig *m, const char *kind, const char *sql)
{
    azk_status rc;
    azk_db_stmt *st = NULL;
    int r = AZK_DB_DONE;
    rc = azk_db_prepare(m->db, &st, sql, "read wrapped keys");
    if (rc != AZK_OK)
        return rc;
    while (rc == AZK_OK && (r = azk_db_step(st)) == AZK_DB_ROW) {
        size_t n = 0;
        const char *id = azk_db_col_text(st, 0);
        const void *b = azk_db_col_blob(st, 1, &n);
        if (id == NULL || b == NULL || n == 0)
            continue;
        rc = move_key(m, kind, id, b, n);
    }
    if (rc == AZK_OK && r != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

/* ---- the steps -------------------------------------------------------- */

/* Version 1 as the last release of it left a catalog: lazy tables, added columns. */
static azk_status complete_v1(struct azk_schema_mig *m)
{
    azk_status rc = azk_db_exec(m->db, v1_lazy_sql, "migrate 1: complete version 1");
    for (size_t i = 0; rc == AZK_OK && i < sizeof(v1_added) / sizeof(v1_added[0]); i++) {
        char sql[160];
        bool there = false;
        rc = azk_schema__has_column(m->db, v1_added[i].table, v1_added[i].column, &there);
        if (rc != AZK_OK)
            break;
        if (there)
            continue;
        (void)snprintf(sql, sizeof(sql), "ALTER TABLE %s ADD COLUMN %s %s", v1_added[i].table,
                       v1_added[i].column, v1_added[i].decl);
        rc = azk_db_exec(m->db, sql, "migrate 1: complete version 1");
    }
    return rc;
}

/* 1 -> 2: wrapped keys to the keystore, their columns dropped. */
static azk_status step_1_to_2(struct azk_schema_mig *m)
{
    azk_status rc;
    if (azk_db_kind(m->db) != AZK_DB_SQLITE)
        return azk_error_set(AZK_ERR_UNSUPPORTED,
                             "catalog %s: a PostgreSQL catalog of schema 1 cannot exist "
                             "(PostgreSQL catalogs start at 2)",
                             azk_db_name(m->db));
    rc = complete_v1(m);
    if (rc == AZK_OK)
        rc = move_keys(m, AZK_KEY_DATASET,
                       "SELECT uuid, wrapped_key FROM datasets WHERE wrapped_key IS NOT NULL"
                       " ORDER BY uuid");
    if (rc == AZK_OK)
        rc = move_keys(m, AZK_KEY_GUARD,
                       "SELECT id, wrapped FROM guard_items WHERE wrapped IS NOT NULL ORDER BY id");
    if (rc == AZK_OK)
        rc = azk_db_exec(m->db, "ALTER TABLE datasets DROP COLUMN wrapped_key",
                         "migrate 2: drop datasets.wrapped_key");
    if (rc == AZK_OK)
        rc = azk_db_exec(m->db, "ALTER TABLE guard_items DROP COLUMN wrapped",
                         "migrate 2: drop guard_items.wrapped");
    return rc;
}

/* 2 -> 3: the indexes of the server's catalog queries (both backends). */
static azk_status step_2_to_3(struct azk_schema_mig *m)
{
    azk_status rc = AZK_OK;
    for (size_t i = 0; rc == AZK_OK && i < sizeof(v3_indexes) / sizeof(v3_indexes[0]); i++)
        rc = azk_db_exec(m->db, v3_indexes[i], "migrate 3: create index");
    return rc;
}

/* PostgreSQL's idempotent forms of "ALTER TABLE t ADD COLUMN" and "CREATE TABLE" (SQLite has
 * no ADD COLUMN IF NOT EXISTS; it probes instead). */
static azk_status if_not_exists(azk_buf *sql)
{
    static const struct {
        const char *from, *to;
    } forms[] = {{"ADD COLUMN ", "ADD COLUMN IF NOT EXISTS "},
                 {"CREATE TABLE ", "CREATE TABLE IF NOT EXISTS "}};
    const char *s = (const char *)sql->data;
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        const char *at = strstr(s, forms[i].from);
        if (at != NULL) {
            azk_buf out = AZK_BUF_INIT;
            azk_status rc = azk_buf_put(&out, s, (size_t)(at - s));
            if (rc == AZK_OK)
                rc = azk_buf_puts(&out, forms[i].to);
            if (rc == AZK_OK)
                rc = azk_buf_puts(&out, at + strlen(forms[i].from));
            if (rc != AZK_OK) {
                azk_buf_dispose(&out);
                return rc;
            }
            azk_buf_dispose(sql);
            *sql = out;
            return AZK_OK;
        }
    }
    return AZK_OK;
}

/*
 * 3 -> 4: azukari serve. users gets a password hash (Argon2id) and a role;
 * tables for per-client grants, server-side sessions and one-time
 * enrolment links.
 */
static azk_status apply_parts(struct azk_schema_mig *m, const struct azk_schema_part *parts,
                              size_t n, const char *what)
{
    azk_status rc = AZK_OK;
    azk_buf sql = AZK_BUF_INIT;
    for (size_t i = 0; rc == AZK_OK && i < n; i++) {
        bool there = false;
        /* PostgreSQL: a failed probe would abort the transaction; its catalogs of
         * version 2 or 3 were made by this file's DDL of then, without these parts */
        if (azk_db_kind(m->db) == AZK_DB_SQLITE && parts[i].probe != NULL)
            rc = prepares(m->db, parts[i].probe, &there);
        if (rc != AZK_OK || there)
            continue;
        rc = ddl_for(&sql, azk_db_kind(m->db), parts[i].ddl);
        /* PostgreSQL: no probe, so each part says "if not there" itself */
        if (rc == AZK_OK && azk_db_kind(m->db) == AZK_DB_POSTGRES)
            rc = if_not_exists(&sql);
        if (rc == AZK_OK)
            rc = azk_db_exec(m->db, (const char *)sql.data, what);
    }
    azk_buf_dispose(&sql);
    return rc;
}

static azk_status step_3_to_4(struct azk_schema_mig *m)
{
    /* each part only when missing: a catalog made from a newer one may have it already */
    static const struct azk_schema_part parts[] = {
        {"SELECT pw_hash FROM users LIMIT 0", "ALTER TABLE users ADD COLUMN pw_hash TEXT"},
        {"SELECT role FROM users LIMIT 0", "ALTER TABLE users ADD COLUMN role TEXT"},
        {"SELECT name FROM user_grants LIMIT 0", SERVE_DDL_GRANTS},
        {"SELECT id_hash FROM sessions LIMIT 0", SERVE_DDL_SESSIONS},
        {"SELECT token_hash FROM enrol_tokens LIMIT 0", SERVE_DDL_ENROL},
    };
    return apply_parts(m, parts, sizeof(parts) / sizeof(parts[0]), "migrate 4: serve tables");
}

/* 4 -> 5: Wave 2 tables (store/schema_v5.c). */
static azk_status step_4_to_5(struct azk_schema_mig *m)
{
    return apply_parts(m, azk_schema__v5_parts, azk_schema__v5_count, "migrate 5: wave 2 tables");
}

/* 5 -> 6: Wave 2, second round (store/schema_v6.c). */
static azk_status step_5_to_6(struct azk_schema_mig *m)
{
    return apply_parts(m, azk_schema__v6_parts, azk_schema__v6_count, "migrate 6: wave 2 tables");
}

/*
 * 6 -> 7: the second round's parts of session 6 (impact jobs, vendor register, dashboard
 * index, ...) were added to schema_v6.c after catalogs of version 6 existed: every part
 * is idempotent (probed on SQLite, IF NOT EXISTS on PostgreSQL), so applying them all
 * again creates exactly the ones a version-6 catalog lacks. A later part goes into a new
 * version, never into one that catalogs already have.
 */
static azk_status step_6_to_7(struct azk_schema_mig *m)
{
    return apply_parts(m, azk_schema__v6_parts, azk_schema__v6_count, "migrate 7: wave 2 tables");
}

/* 7 -> 8: what an incident's confirmed records rest on (store/schema_v8.c). */
static azk_status step_7_to_8(struct azk_schema_mig *m)
{
    return apply_parts(m, azk_schema__v8_parts, azk_schema__v8_count,
                       "migrate 8: incident record bases");
}

/*
 * Migrations, in order: a step runs when the catalog's version is at most
 * `from` (steps[i] takes a catalog from `from` to the next version that
 * has a step).
 */
static const struct {
    int from;
    azk_status (*run)(struct azk_schema_mig *m);
} steps[] = {
    {1, step_1_to_2}, {2, step_2_to_3}, {3, step_3_to_4}, {4, step_4_to_5},
    {5, step_5_to_6}, {6, step_6_to_7}, {7, step_7_to_8},
};

static azk_status collect_keystore_key(const char *kind, const char *id, const uint8_t *w, size_t n,
                                       void *payload)
{
    (void)kind;
    (void)id;
    return azk_schema__remember_key(payload, w, n);
}

/* ---- migrate ---------------------------------------------------------- */

static azk_status ledger_event(struct azk_schema_mig *m, const char *action)
{
    azk_buf x = AZK_BUF_INIT;
    azk_status rc;
    const char *bk = strrchr(m->rep->backup, '/');
    static const char *const objs[] = {"catalog"};
    bk = bk != NULL ? bk + 1 : m->rep->backup;
    rc = azk_buf_printf(&x,
                        "{\"from\":%d,\"to\":%d,\"backend\":\"%s\",\"backup\":\"%s\","
                        "\"keys_moved\":%lld,\"wal_truncated\":%s,\"key_bytes_in_catalog\":%s}",
                        m->rep->from, m->rep->to,
                        azk_db_kind(m->db) == AZK_DB_SQLITE ? "sqlite" : "postgresql", bk,
                        (long long)m->rep->keys_moved, m->rep->wal_truncated ? "true" : "false",
                        m->rep->key_bytes_absent ? "false" : "true");
    if (rc == AZK_OK)
        rc = azk_store__audit(m->h, action, objs, 1, NULL, (const char *)x.data);
    azk_buf_dispose(&x);
    return rc;
}

/* The ledger event; a scrub failure (keep) stays the result and the message. */
static azk_status finish(struct azk_schema_mig *m, const char *action, azk_status keep)
{
    char msg[512];
    azk_status rc;
    (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
    rc = ledger_event(m, action);
    if (keep == AZK_OK)
        return rc;
    return azk_error_set(keep, "%s", msg);
}

azk_status azk_schema__migrate(azk_home *h, azk_schema_report *rep)
{
    azk_status rc, keep;
    struct azk_schema_mig m;
    int ver = 0;
    char v[16];
    bool found = false;
    bool sqlite;
    AZK_ASSERT_ARG(h != NULL && h->cat != NULL && rep != NULL);
    memset(rep, 0, sizeof(*rep));
    memset(&m, 0, sizeof(m));
    m.h = h;
    m.db = h->cat;
    m.rep = rep;
    sqlite = azk_db_kind(m.db) == AZK_DB_SQLITE;
    rc = azk_schema__check(m.db, &ver);
    if (rc != AZK_OK)
        return rc;
    rep->from = rep->to = ver;
    if (ver == AZK_SCHEMA_CURRENT) {
        /* an earlier migration's scrub that did not finish */
        if (sqlite)
            rc = meta_get(m.db, "key_scrub", v, sizeof(v), &found);
        if (rc != AZK_OK || !found)
            return rc;
        rep->scrub_retried = true;
        rc = azk_store__key_each(h, collect_keystore_key, &m);
        if (rc == AZK_OK)
            rc = azk_schema__scrub_catalog(&m);
        rc = finish(&m, "catalog.scrub", rc);
        azk_schema__forget_keys(&m);
        return rc;
    }
    if (sqlite) {
        rc = azk_schema__take_backup(&m, ver);
        if (rc == AZK_OK)
            rc = azk_db_exec(m.db, "PRAGMA secure_delete=ON", "migrate");
        if (rc != AZK_OK)
            goto done;
    }
    rc = azk_db_begin(m.db);
    if (rc != AZK_OK)
        goto done;
    /* another process may have migrated while this one waited for the lock */
    rc = azk_schema__check(m.db, &ver);
    if (rc == AZK_OK && ver == AZK_SCHEMA_CURRENT) {
        azk_db_rollback(m.db);
        if (rep->backup[0] != '\0')
            (void)unlink(rep->backup); /* made of a catalog without keys, or of none */
        rep->backup[0] = '\0';
        rep->from = rep->to = ver;
        goto done;
    }
    for (size_t i = 0; rc == AZK_OK && i < sizeof(steps) / sizeof(steps[0]); i++)
        if (steps[i].from >= ver)
            rc = steps[i].run(&m);
    (void)snprintf(v, sizeof(v), "%d", AZK_SCHEMA_CURRENT);
    if (rc == AZK_OK)
        rc = meta_set(m.db, "schema", v);
    if (rc == AZK_OK && sqlite && m.nkeys > 0)
        rc = meta_set(m.db, "key_scrub", "pending");
    if (rc == AZK_OK)
        azk_store__test_pause("migrate.keys"); /* keys in the keystore and the catalog */
    if (rc == AZK_OK)
        rc = azk_db_commit(m.db);
    if (rc != AZK_OK) {
        azk_db_rollback(m.db);
        rep->to = rep->from;
        goto done;
    }
    rep->to = AZK_SCHEMA_CURRENT;
    azk_store__test_pause("migrate.scrub"); /* committed, old pages not yet scrubbed */
    if (sqlite && m.nkeys > 0) {
        keep = azk_schema__scrub_catalog(&m);
    } else {
        keep = AZK_OK;
        rep->key_bytes_absent = true;
        rep->wal_truncated = sqlite && azk_schema__checkpoint_truncate(m.db);
    }
    rc = finish(&m, "catalog.migrate", keep);
done:
    azk_schema__forget_keys(&m);
    return rc;
}
