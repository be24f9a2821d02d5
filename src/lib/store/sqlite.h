/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/sqlite.h -- the only way library code includes <sqlite3.h>. Every
 * sqlite3_bind_* result is checked, in one place: a bind that fails
 * (SQLITE_TOOBIG, SQLITE_RANGE, SQLITE_NOMEM, SQLITE_MISUSE) leaves its
 * parameter NULL, and a statement run with it would silently match
 * nothing, or everything ("?1 IS NULL OR client = ?1"), or store a NULL.
 * So the wrappers below remember a failed bind per statement, and the
 * statement's next sqlite3_step returns that error instead of running;
 * callers already treat any step result but SQLITE_ROW/SQLITE_DONE as a
 * database error (azk_db reports SQLite's message, which names
 * the failure, never a value; see azk_sqlite__errmsg). Marks are per
 * thread, cleared by sqlite3_clear_bindings and sqlite3_finalize.
 * tools/checksrc.sh rejects <sqlite3.h> anywhere else in src/lib.
 */
#ifndef AZK_STORE_SQLITE_H
#define AZK_STORE_SQLITE_H

#include <sqlite3.h>

int azk_sqlite__bind_text(sqlite3_stmt *st, int i, const char *v, int n, void (*d)(void *));
int azk_sqlite__bind_blob(sqlite3_stmt *st, int i, const void *v, int n, void (*d)(void *));
int azk_sqlite__bind_text64(sqlite3_stmt *st, int i, const char *v, sqlite3_uint64 n,
                            void (*d)(void *), unsigned char enc);
int azk_sqlite__bind_blob64(sqlite3_stmt *st, int i, const void *v, sqlite3_uint64 n,
                            void (*d)(void *));
int azk_sqlite__bind_zeroblob(sqlite3_stmt *st, int i, int n);
int azk_sqlite__bind_value(sqlite3_stmt *st, int i, const sqlite3_value *v);
int azk_sqlite__bind_int(sqlite3_stmt *st, int i, int v);
int azk_sqlite__bind_int64(sqlite3_stmt *st, int i, sqlite3_int64 v);
int azk_sqlite__bind_double(sqlite3_stmt *st, int i, double v);
int azk_sqlite__bind_null(sqlite3_stmt *st, int i);
int azk_sqlite__step(sqlite3_stmt *st);
int azk_sqlite__clear_bindings(sqlite3_stmt *st);
int azk_sqlite__finalize(sqlite3_stmt *st);
/* The error text for db after a failed step: names a refused bind (the connection's own
 * message says "not an error" then), else sqlite3_errmsg(db). */
const char *azk_sqlite__errmsg(sqlite3 *db);

#ifndef AZK_SQLITE_IMPL
#define sqlite3_bind_text      azk_sqlite__bind_text
#define sqlite3_bind_blob      azk_sqlite__bind_blob
#define sqlite3_bind_text64    azk_sqlite__bind_text64
#define sqlite3_bind_blob64    azk_sqlite__bind_blob64
#define sqlite3_bind_zeroblob  azk_sqlite__bind_zeroblob
#define sqlite3_bind_value     azk_sqlite__bind_value
#define sqlite3_bind_int       azk_sqlite__bind_int
#define sqlite3_bind_int64     azk_sqlite__bind_int64
#define sqlite3_bind_double    azk_sqlite__bind_double
#define sqlite3_bind_null      azk_sqlite__bind_null
#define sqlite3_step           azk_sqlite__step
#define sqlite3_clear_bindings azk_sqlite__clear_bindings
#define sqlite3_finalize       azk_sqlite__finalize
#endif

#endif
