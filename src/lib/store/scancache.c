/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/scancache.c -- the scan's incremental-sweep cache file
 * (store/scancache.h): one SQLite file through store/db.h, table results,
 * reads by primary key, writes batched in transactions.
 */
#include "store/scancache.h"
#include "store/db.h"

#include <stdio.h>

#define BATCH 256

struct azk_scancache {
    azk_db *db;
    azk_db_stmt *get, *put;
    unsigned pending;
};

azk_status azk_store__scancache_open(struct azk_scancache **out, const char *path)
{
    struct azk_scancache *c;
    azk_status rc;
    static const char schema[] =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        "CREATE TABLE IF NOT EXISTS results (dev INTEGER, ino INTEGER, size INTEGER,"
        " mtime INTEGER, ctime INTEGER, engine TEXT, json TEXT,"
        " PRIMARY KEY (dev, ino));";
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
    if (c->pending > 0 && azk_db_commit(c->db) != AZK_OK)
        azk_log(AZK_LOG_WARN, "scan cache: last results not kept (%s)", azk_error_last()->message);
    azk_db_finalize(c->get);
    azk_db_finalize(c->put);
    azk_db_close(c->db);
    azk_free(c);
}

static void bind_key(azk_db_stmt *st, const struct azk_scancache_key *k)
{
    azk_db_bind_int64(st, 1, (int64_t)k->dev);
    azk_db_bind_int64(st, 2, (int64_t)k->ino);
    azk_db_bind_int64(st, 3, (int64_t)k->size);
    azk_db_bind_int64(st, 4, k->mtime_ns);
    azk_db_bind_int64(st, 5, k->ctime_ns);
    azk_db_bind_text(st, 6, k->engine);
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

azk_status azk_store__scancache_put(struct azk_scancache *c, const struct azk_scancache_key *k,
                                    const char *json)
{
    azk_status rc;
    AZK_ASSERT_ARG(c != NULL && k != NULL && json != NULL);
    if (c->pending == 0) {
        rc = azk_db_begin(c->db);
        if (rc != AZK_OK)
            return rc;
    }
    c->pending++;
    bind_key(c->put, k);
    azk_db_bind_text(c->put, 7, json);
    rc = azk_db_run(c->put);
    azk_db_reset(c->put);
    if (c->pending >= BATCH) {
        azk_status crc = azk_db_commit(c->db);
        c->pending = 0;
        if (rc == AZK_OK)
            rc = crc;
    }
    return rc;
}
