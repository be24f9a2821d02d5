/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/scancache.c -- the scan's incremental-sweep cache file
 * (store/scancache.h): one SQLite file through store/db.h, table results
 * (per file version), table paths (per path hash: the version last
 * answered there) and the path-hash key in meta; reads by primary key,
 * writes batched in transactions.
 */
#include "store/scancache.h"
#include "store/db.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define BATCH 256

struct azk_scancache {
    azk_db *db;
    azk_db_stmt *get, *put, *pget, *pput;
    unsigned pending;
    bool manual; /* writes kept only by azk_store__scancache_commit */
};

azk_status azk_store__scancache_open(struct azk_scancache **out, const char *path)
{
    struct azk_scancache *c;
    azk_status rc;
    static const char schema[] =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        "CREATE TABLE IF NOT EXISTS results (dev INTEGER, ino INTEGER, size INTEGER,"
        " mtime INTEGER, ctime INTEGER, engine TEXT, json TEXT,"
        " PRIMARY KEY (dev, ino));"
        "CREATE TABLE IF NOT EXISTS paths (h BLOB PRIMARY KEY, dev INTEGER, ino INTEGER,"
        " size INTEGER, mtime INTEGER, ctime INTEGER, engine TEXT) WITHOUT ROWID;"
        "CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v BLOB);";
    AZK_ASSERT_ARG(out != NULL && path != NULL);
    *out = NULL;
    if (azk_db_is_url(path))
        return azk_error_set(AZK_ERR_ARG, "scan cache: a local file, not a database URL");
    c = azk_calloc(1, sizeof(*c));
    if (c == NULL)
        return azk_error_nomem();
    rc = azk_db_open(&c->db, path, AZK_DB_CREATE);
    if (rc == AZK_OK)
        rc = azk_db_exec(c->db, schema, "scan cache schema");
    if (rc == AZK_OK)
        rc = azk_db_prepare(c->db, &c->get,
                            "SELECT json FROM results WHERE dev = ? AND ino = ? AND size = ? AND"
                            " mtime = ? AND ctime = ? AND engine = ?",
                            "scan cache read");
    if (rc == AZK_OK)
        rc = azk_db_prepare(c->db, &c->put,
                            "INSERT INTO results VALUES (?, ?, ?, ?, ?, ?, ?)"
                            " ON CONFLICT (dev, ino) DO UPDATE SET size = excluded.size,"
                            " mtime = excluded.mtime, ctime = excluded.ctime,"
                            " engine = excluded.engine, json = excluded.json",
                            "scan cache write");
    if (rc == AZK_OK)
        rc = azk_db_prepare(c->db, &c->pget,
                            "SELECT 1 FROM paths WHERE h = ? AND dev = ? AND ino = ? AND size = ?"
                            " AND mtime = ? AND ctime = ? AND engine = ?",
                            "scan cache path read");
    if (rc == AZK_OK)
        rc = azk_db_prepare(c->db, &c->pput,
                            "INSERT INTO paths VALUES (?, ?, ?, ?, ?, ?, ?)"
                            " ON CONFLICT (h) DO UPDATE SET dev = excluded.dev,"
                            " ino = excluded.ino, size = excluded.size, mtime = excluded.mtime,"
                            " ctime = excluded.ctime, engine = excluded.engine",
                            "scan cache path write");
    if (rc != AZK_OK) {
        /* db.h names the file a catalog: say which file this is */
        char msg[512];
        (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
        azk_store__scancache_close(c);
        return azk_error_set(rc, "scan cache: %s", msg);
    }
    *out = c;
    return AZK_OK;
}

void azk_store__scancache_close(struct azk_scancache *c)
{
    if (c == NULL)
        return;
    if (c->pending > 0 && c->manual)
        azk_db_rollback(c->db); /* the caller did not keep what it was given */
    else if (c->pending > 0 && azk_db_commit(c->db) != AZK_OK)
        azk_log(AZK_LOG_WARN, "scan cache: last results not kept (%s)", azk_error_last()->message);
    azk_db_finalize(c->get);
    azk_db_finalize(c->put);
    azk_db_finalize(c->pget);
    azk_db_finalize(c->pput);
    azk_db_close(c->db);
    azk_free(c);
}

/* The key's six values from parameter `at` on. */
static void bind_key_at(azk_db_stmt *st, int at, const struct azk_scancache_key *k)
{
    azk_db_bind_int64(st, at, (int64_t)k->dev);
    azk_db_bind_int64(st, at + 1, (int64_t)k->ino);
    azk_db_bind_int64(st, at + 2, (int64_t)k->size);
    azk_db_bind_int64(st, at + 3, k->mtime_ns);
    azk_db_bind_int64(st, at + 4, k->ctime_ns);
    azk_db_bind_text(st, at + 5, k->engine);
}

static void bind_key(azk_db_stmt *st, const struct azk_scancache_key *k)
{
    bind_key_at(st, 1, k);
}

azk_status azk_store__scancache_get(struct azk_scancache *c, const struct azk_scancache_key *k,
                                    azk_buf *out, bool *found)
{
    azk_status rc = AZK_OK;
    int s;
    AZK_ASSERT_ARG(c != NULL && k != NULL && out != NULL && found != NULL);
    azk_buf_clear(out);
    *found = false;
    bind_key(c->get, k);
    s = azk_db_step(c->get);
    if (s == AZK_DB_ROW && !azk_db_col_null(c->get, 0)) {
        rc = azk_buf_puts(out, azk_db_col_text(c->get, 0));
        *found = rc == AZK_OK;
    } else if (s != AZK_DB_ROW && s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_reset(c->get);
    return rc;
}

/* A write joins the pending transaction (begun here), committed every BATCH writes. */
static azk_status write_begin(struct azk_scancache *c)
{
    azk_status rc = AZK_OK;
    if (c->pending == 0)
        rc = azk_db_begin(c->db);
    if (rc == AZK_OK)
        c->pending++;
    return rc;
}

static azk_status write_end(struct azk_scancache *c, azk_status rc)
{
    if (c->pending >= BATCH && !c->manual) {
        azk_status crc = azk_db_commit(c->db);
        c->pending = 0;
        if (rc == AZK_OK)
            rc = crc;
    }
    return rc;
}

azk_status azk_store__scancache_put(struct azk_scancache *c, const struct azk_scancache_key *k,
                                    const char *json)
{
    azk_status rc;
    AZK_ASSERT_ARG(c != NULL && k != NULL && json != NULL);
    rc = write_begin(c);
    if (rc != AZK_OK)
        return rc;
    bind_key(c->put, k);
    azk_db_bind_text(c->put, 7, json);
    rc = azk_db_run(c->put);
    azk_db_reset(c->put);
    return write_end(c, rc);
}

/* The stored key into key; *have false when there is none (or it is not 32 bytes). */
static azk_status path_key_read(struct azk_scancache *c, uint8_t key[32], bool *have)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    *have = false;
    rc = azk_db_prepare(c->db, &st, "SELECT v FROM meta WHERE k = 'path_key'",
                        "scan cache key read");
    if (rc != AZK_OK)
        return rc;
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        size_t len = 0;
        const void *v = azk_db_col_blob(st, 0, &len);
        if (v != NULL && len == 32) {
            memcpy(key, v, 32);
            *have = true;
        }
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__scancache_path_key(struct azk_scancache *c, uint8_t key[32])
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    bool have = false;
    AZK_ASSERT_ARG(c != NULL && key != NULL);
    rc = path_key_read(c, key, &have);
    if (rc != AZK_OK || have)
        return rc;
    /* a damaged key is replaced (the paths are then new once); two scanners opening a
     * new cache at once keep the first key written */
    randombytes_buf(key, 32);
    rc = azk_db_prepare(c->db, &st,
                        "INSERT INTO meta VALUES ('path_key', ?) ON CONFLICT (k) DO UPDATE SET"
                        " v = excluded.v WHERE length(meta.v) <> 32",
                        "scan cache key write");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_blob(st, 1, key, 32);
    rc = azk_db_run(st);
    azk_db_finalize(st);
    if (rc == AZK_OK)
        rc = path_key_read(c, key, &have);
    if (rc == AZK_OK && !have)
        rc = azk_error_set(AZK_ERR_DB, "scan cache: the path key cannot be kept");
    return rc;
}

azk_status azk_store__scancache_path_same(struct azk_scancache *c, const uint8_t h[32],
                                          const struct azk_scancache_key *k, bool *same)
{
    azk_status rc = AZK_OK;
    int s;
    AZK_ASSERT_ARG(c != NULL && h != NULL && k != NULL && same != NULL);
    azk_db_bind_blob(c->pget, 1, h, 32);
    bind_key_at(c->pget, 2, k);
    s = azk_db_step(c->pget);
    *same = s == AZK_DB_ROW;
    if (s != AZK_DB_ROW && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_reset(c->pget);
    return rc;
}

azk_status azk_store__scancache_path_put(struct azk_scancache *c, const uint8_t h[32],
                                         const struct azk_scancache_key *k)
{
    azk_status rc;
    AZK_ASSERT_ARG(c != NULL && h != NULL && k != NULL);
    rc = write_begin(c);
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_blob(c->pput, 1, h, 32);
    bind_key_at(c->pput, 2, k);
    rc = azk_db_run(c->pput);
    azk_db_reset(c->pput);
    return write_end(c, rc);
}

void azk_store__scancache_set_manual(struct azk_scancache *c)
{
    c->manual = true;
}

azk_status azk_store__scancache_commit(struct azk_scancache *c)
{
    azk_status rc;
    AZK_ASSERT_ARG(c != NULL);
    if (c->pending == 0)
        return AZK_OK;
    rc = azk_db_commit(c->db);
    c->pending = 0;
    return rc;
}
