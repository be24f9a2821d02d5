/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/db_sqlite.c -- the SQLite catalog backend of store/db.h: a file
 * in WAL mode, foreign keys on, writers waiting up to 10 s for the
 * database's one write lock (BEGIN IMMEDIATE).
 */
#define AZK_SQLITE_IMPL
#include "store/db_int.h"
#include "store/sqlite.h"

#include <string.h>

#define SDB(db) ((sqlite3 *)(db)->impl)
#define SST(st) ((sqlite3_stmt *)(st)->impl)

static bool is_sqlite(const azk_db *db)
{
    return db != NULL && db->ops == &azk_db__sqlite_ops && db->impl != NULL;
}

bool azk_db__sqlite_checkpoint_truncate(azk_db *db)
{
    int logn = 0, ckpt = 0;
    return is_sqlite(db) && sqlite3_wal_checkpoint_v2(SDB(db), NULL, SQLITE_CHECKPOINT_TRUNCATE,
                                                      &logn, &ckpt) == SQLITE_OK;
}

void azk_db__sqlite_limit_length(azk_db *db, int n)
{
    if (is_sqlite(db))
        (void)sqlite3_limit(SDB(db), SQLITE_LIMIT_LENGTH, n);
}

static azk_status s_open(azk_db *db, const char *target, unsigned flags)
{
    sqlite3 *h = NULL;
    int fl = SQLITE_OPEN_FULLMUTEX;
    if (flags & AZK_DB_READONLY)
        fl |= SQLITE_OPEN_READONLY;
    else
        fl |= SQLITE_OPEN_READWRITE | ((flags & AZK_DB_CREATE) ? SQLITE_OPEN_CREATE : 0);
    if (sqlite3_open_v2(target, &h, fl, NULL) != SQLITE_OK) {
        azk_status rc = azk_error_set(AZK_ERR_DB, "catalog %s: open: %s", db->name,
                                      h != NULL ? sqlite3_errmsg(h) : "out of memory");
        sqlite3_close(h);
        return rc;
    }
    sqlite3_busy_timeout(h, 10000);
    (void)sqlite3_exec(h, "PRAGMA foreign_keys=ON", NULL, NULL, NULL);
    db->impl = h;
    return AZK_OK;
}

static void s_close(azk_db *db)
{
    sqlite3_close(SDB(db));
    db->impl = NULL;
}

static int s_exec(azk_db *db, const char *sql)
{
    return sqlite3_exec(SDB(db), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static azk_status s_prepare(azk_db *db, azk_db_stmt *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(SDB(db), sql, -1, &s, NULL) != SQLITE_OK)
        return azk_error_set(AZK_ERR_DB, "catalog %s: %s: %s", db->name, st->what,
                             sqlite3_errmsg(SDB(db)));
    st->impl = s;
    return AZK_OK;
}

static void s_finalize(azk_db_stmt *st)
{
    sqlite3_finalize(SST(st));
}

static int s_bind_text(azk_db_stmt *st, int i, const char *v, size_t n)
{
    return sqlite3_bind_text64(SST(st), i, v, n, SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK;
}

static int s_bind_blob(azk_db_stmt *st, int i, const void *v, size_t n)
{
    /* a NULL pointer would bind NULL; an empty blob stays an empty blob */
    return sqlite3_bind_blob64(SST(st), i, v != NULL ? v : "", n, SQLITE_TRANSIENT) != SQLITE_OK;
}

static int s_bind_int64(azk_db_stmt *st, int i, int64_t v)
{
    return sqlite3_bind_int64(SST(st), i, (sqlite3_int64)v) != SQLITE_OK;
}

static int s_bind_null(azk_db_stmt *st, int i)
{
    return sqlite3_bind_null(SST(st), i) != SQLITE_OK;
}

static int s_step(azk_db_stmt *st)
{
    int r = sqlite3_step(SST(st));
    if (r == SQLITE_ROW)
        return AZK_DB_ROW;
    if (r == SQLITE_DONE)
        return AZK_DB_DONE;
    if ((r & 0xff) == SQLITE_CONSTRAINT)
        return AZK_DB_CONSTRAINT;
    return AZK_DB_ERROR;
}

static int64_t s_changes(azk_db_stmt *st)
{
    return (int64_t)sqlite3_changes64(SDB(st->db));
}

static void s_reset(azk_db_stmt *st)
{
    sqlite3_reset(SST(st));
    sqlite3_clear_bindings(SST(st));
}

static bool s_col_null(azk_db_stmt *st, int col)
{
    return sqlite3_column_type(SST(st), col) == SQLITE_NULL;
}

static int64_t s_col_int64(azk_db_stmt *st, int col)
{
    return (int64_t)sqlite3_column_int64(SST(st), col);
}

static const char *s_col_text(azk_db_stmt *st, int col)
{
    if (sqlite3_column_type(SST(st), col) == SQLITE_NULL)
        return NULL;
    return (const char *)sqlite3_column_text(SST(st), col);
}

static const void *s_col_blob(azk_db_stmt *st, int col, size_t *len)
{
    const void *p = sqlite3_column_blob(SST(st), col);
    if (len != NULL)
        *len = (size_t)sqlite3_column_bytes(SST(st), col);
    return p;
}

static const char *s_errmsg(azk_db *db, azk_db_stmt *st)
{
    (void)st;
    return azk_sqlite__errmsg(SDB(db));
}

const struct azk_db_ops azk_db__sqlite_ops = {
    .kind = AZK_DB_SQLITE,
    .open = s_open,
    .close = s_close,
    .exec = s_exec,
    .begin_sql = "BEGIN IMMEDIATE",
    .begin_read_sql = "BEGIN DEFERRED",
    .after_begin = NULL,
    .prepare = s_prepare,
    .finalize = s_finalize,
    .bind_text = s_bind_text,
    .bind_blob = s_bind_blob,
    .bind_int64 = s_bind_int64,
    .bind_null = s_bind_null,
    .step = s_step,
    .changes = s_changes,
    .reset = s_reset,
    .col_null = s_col_null,
    .col_int64 = s_col_int64,
    .col_text = s_col_text,
    .col_blob = s_col_blob,
    .errmsg = s_errmsg,
};
