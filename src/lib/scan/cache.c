/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan/cache.c -- the incremental-sweep cache (--cache FILE): SQLite table
 * (device, inode, size, mtime, ctime, engine id) -> the file's results as
 * JSON (the scan output contract minus the path; masked values only, never
 * a raw personal value). A nightly re-sweep of an unchanged share reads
 * only what changed. One connection shared by the workers under a mutex;
 * writes are batched in transactions.
 */
#include "scan/scan_int.h"

#include <pthread.h>
#include "store/sqlite.h"
#include <string.h>

#define BATCH 256

struct azk_scan_cache {
    sqlite3 *db;
    sqlite3_stmt *get, *put;
    pthread_mutex_t mu;
    char engine_id[65];
    unsigned pending;
};

static azk_status db_err(sqlite3 *db, const char *what)
{
    return azk_error_set(AZK_ERR_DB, "scan cache: %s: %s", what,
                         db != NULL ? azk_sqlite__errmsg(db) : "open failed");
}

azk_status azk_scan__cache_open(struct azk_scan_cache **out, const char *path,
                                const char *engine_id)
{
    struct azk_scan_cache *c = azk_calloc(1, sizeof(*c));
    azk_status rc = AZK_OK;
    static const char schema[] =
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
        "CREATE TABLE IF NOT EXISTS results (dev INTEGER, ino INTEGER, size INTEGER,"
        " mtime INTEGER, ctime INTEGER, engine TEXT, json TEXT,"
        " PRIMARY KEY (dev, ino));";
    if (c == NULL)
        return azk_error_nomem();
    pthread_mutex_init(&c->mu, NULL);
    snprintf(c->engine_id, sizeof(c->engine_id), "%s", engine_id);
    if (sqlite3_open_v2(path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = db_err(c->db, "open");
        goto done;
    }
    sqlite3_busy_timeout(c->db, 10000);
    if (sqlite3_exec(c->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_err(c->db, "schema");
        goto done;
    }
    if (sqlite3_prepare_v2(c->db,
                           "SELECT json FROM results WHERE dev=?1 AND ino=?2 AND size=?3 AND"
                           " mtime=?4 AND ctime=?5 AND engine=?6",
                           -1, &c->get, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO results VALUES (?1,?2,?3,?4,?5,?6,?7)",
                           -1, &c->put, NULL) != SQLITE_OK) {
        rc = db_err(c->db, "prepare");
        goto done;
    }
    *out = c;
    c = NULL;
done:
    azk_scan__cache_close(c);
    return rc;
}

void azk_scan__cache_close(struct azk_scan_cache *c)
{
    if (c == NULL)
        return;
    if (c->pending > 0)
        sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
    sqlite3_finalize(c->get);
    sqlite3_finalize(c->put);
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->mu);
    azk_free(c);
}

static void bind_key(sqlite3_stmt *st, const struct azk_file_key *k, const char *engine)
{
    sqlite3_bind_int64(st, 1, (sqlite3_int64)k->dev);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)k->ino);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)k->size);
    sqlite3_bind_int64(st, 4, k->mtime_ns);
    sqlite3_bind_int64(st, 5, k->ctime_ns);
    sqlite3_bind_text(st, 6, engine, -1, SQLITE_STATIC);
}

azk_status azk_scan__cache_get(struct azk_scan_cache *c, const struct azk_file_key *k,
                               json_t **out_json)
{
    azk_status rc = AZK_OK;
    *out_json = NULL;
    pthread_mutex_lock(&c->mu);
    bind_key(c->get, k, c->engine_id);
    if (sqlite3_step(c->get) == SQLITE_ROW) {
        const char *txt = (const char *)sqlite3_column_text(c->get, 0);
        json_t *j = txt != NULL ? json_loads(txt, 0, NULL) : NULL;
        if (j != NULL && json_is_array(j))
            *out_json = j;
        else if (j != NULL)
            json_decref(j);
    }
    sqlite3_reset(c->get);
    pthread_mutex_unlock(&c->mu);
    return rc;
}

azk_status azk_scan__cache_put(struct azk_scan_cache *c, const struct azk_file_key *k,
                               json_t *results)
{
    azk_status rc = AZK_OK;
    char *txt = json_dumps(results, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(results);
    if (txt == NULL)
        return azk_error_nomem();
    pthread_mutex_lock(&c->mu);
    if (c->pending == 0 && sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        rc = db_err(c->db, "begin");
        goto done;
    }
    c->pending++;
    bind_key(c->put, k, c->engine_id);
    sqlite3_bind_text(c->put, 7, txt, -1, SQLITE_STATIC);
    if (sqlite3_step(c->put) != SQLITE_DONE)
        rc = db_err(c->db, "insert");
    sqlite3_reset(c->put);
    sqlite3_clear_bindings(c->put);
    if (c->pending >= BATCH) {
        if (sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK && rc == AZK_OK)
            rc = db_err(c->db, "commit");
        c->pending = 0;
    }
done:
    pthread_mutex_unlock(&c->mu);
    azk_free(txt); /* jansson allocates through azk_malloc (azk__lib_init) */
    return rc;
}
