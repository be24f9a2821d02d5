/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/sqlite.c -- the checked binds of store/sqlite.h. A failed bind
 * marks its statement in a small per-thread table; the next step of a
 * marked statement returns the bind's error without running it. A table
 * that is full (more statements with failed binds alive at once than any
 * code path keeps) makes every later step of this thread fail until a
 * mark is cleared: failing closed, never running a statement unbound.
 */
#define AZK_SQLITE_IMPL
#include "store/sqlite.h"

#include <stdbool.h>
#include <stddef.h>

#define MARKS 16

static _Thread_local struct {
    sqlite3_stmt *st;
    int rc;
} marks[MARKS];
static _Thread_local int overflow; /* a mark was lost: every later step fails (sticky) */
static _Thread_local int refused;  /* the last step of this thread was refused with this */

static int mark(sqlite3_stmt *st, int rc)
{
    if (rc == SQLITE_OK || st == NULL)
        return rc;
    for (size_t i = 0; i < MARKS; i++) {
        if (marks[i].st == st || marks[i].st == NULL) {
            if (marks[i].st == NULL)
                marks[i].rc = rc; /* the first failure of the statement is kept */
            marks[i].st = st;
            return rc;
        }
    }
    overflow = rc;
    return rc;
}

static int take(sqlite3_stmt *st, bool clear)
{
    for (size_t i = 0; i < MARKS; i++) {
        if (marks[i].st == st && st != NULL) {
            int rc = marks[i].rc;
            if (clear) {
                marks[i].st = NULL;
                marks[i].rc = SQLITE_OK;
            }
            return rc;
        }
    }
    return SQLITE_OK;
}

int azk_sqlite__bind_text(sqlite3_stmt *st, int i, const char *v, int n, void (*d)(void *))
{
    return mark(st, sqlite3_bind_text(st, i, v, n, d));
}

int azk_sqlite__bind_blob(sqlite3_stmt *st, int i, const void *v, int n, void (*d)(void *))
{
    return mark(st, sqlite3_bind_blob(st, i, v, n, d));
}

int azk_sqlite__bind_text64(sqlite3_stmt *st, int i, const char *v, sqlite3_uint64 n,
                            void (*d)(void *), unsigned char enc)
{
    return mark(st, sqlite3_bind_text64(st, i, v, n, d, enc));
}

int azk_sqlite__bind_blob64(sqlite3_stmt *st, int i, const void *v, sqlite3_uint64 n,
                            void (*d)(void *))
{
    return mark(st, sqlite3_bind_blob64(st, i, v, n, d));
}

int azk_sqlite__bind_zeroblob(sqlite3_stmt *st, int i, int n)
{
    return mark(st, sqlite3_bind_zeroblob(st, i, n));
}

int azk_sqlite__bind_value(sqlite3_stmt *st, int i, const sqlite3_value *v)
{
    return mark(st, sqlite3_bind_value(st, i, v));
}

int azk_sqlite__bind_int(sqlite3_stmt *st, int i, int v)
{
    return mark(st, sqlite3_bind_int(st, i, v));
}

int azk_sqlite__bind_int64(sqlite3_stmt *st, int i, sqlite3_int64 v)
{
    return mark(st, sqlite3_bind_int64(st, i, v));
}

int azk_sqlite__bind_double(sqlite3_stmt *st, int i, double v)
{
    return mark(st, sqlite3_bind_double(st, i, v));
}

int azk_sqlite__bind_null(sqlite3_stmt *st, int i)
{
    return mark(st, sqlite3_bind_null(st, i));
}

int azk_sqlite__step(sqlite3_stmt *st)
{
    /* the mark stays until the bindings are cleared or the statement finalized:
     * a reset and a second step would still run with the parameter NULL */
    int rc = take(st, false);
    if (rc == SQLITE_OK)
        rc = overflow;
    refused = rc;
    if (rc != SQLITE_OK)
        return rc;
    return sqlite3_step(st);
}

const char *azk_sqlite__errmsg(sqlite3 *db)
{
    if (refused != SQLITE_OK)
        return refused == SQLITE_TOOBIG ? "a parameter could not be bound: string or blob too big"
                                        : "a parameter could not be bound";
    return db != NULL ? sqlite3_errmsg(db) : "cannot open";
}

int azk_sqlite__clear_bindings(sqlite3_stmt *st)
{
    (void)take(st, true);
    return sqlite3_clear_bindings(st);
}

int azk_sqlite__finalize(sqlite3_stmt *st)
{
    (void)take(st, true);
    refused = SQLITE_OK;
    return sqlite3_finalize(st);
}
