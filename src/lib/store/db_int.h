/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/db_int.h -- what a catalog backend provides to store/db.c: one
 * table of operations per backend (db_sqlite.c, db_pg.c). db.c does the
 * argument checks, the remembered bind failures and the error messages;
 * a backend only talks to its database.
 */
#ifndef AZK_STORE_DB_INT_H
#define AZK_STORE_DB_INT_H

#include "store/db.h"

struct azk_db_ops {
    azk_db_backend kind;
    /* open: fill db->impl; on failure set the error (naming db->name) */
    azk_status (*open)(azk_db *db, const char *target, unsigned flags);
    void (*close)(azk_db *db);
    /* exec: several statements, no parameters; return backend message on failure */
    int (*exec)(azk_db *db, const char *sql);
    const char *begin_sql;      /* write transaction */
    const char *begin_read_sql; /* read transaction */
    /* run after begin_sql succeeded (PostgreSQL: take the writers' lock); may be NULL */
    int (*after_begin)(azk_db *db);
    azk_status (*prepare)(azk_db *db, azk_db_stmt *st, const char *sql);
    void (*finalize)(azk_db_stmt *st);
    /* binds return 0 or nonzero (failure, remembered by db.c) */
    int (*bind_text)(azk_db_stmt *st, int i, const char *v, size_t n);
    int (*bind_blob)(azk_db_stmt *st, int i, const void *v, size_t n);
    int (*bind_int64)(azk_db_stmt *st, int i, int64_t v);
    int (*bind_null)(azk_db_stmt *st, int i);
    int (*step)(azk_db_stmt *st); /* AZK_DB_ROW, AZK_DB_DONE, AZK_DB_CONSTRAINT, AZK_DB_ERROR */
    int64_t (*changes)(azk_db_stmt *st);
    void (*reset)(azk_db_stmt *st);
    bool (*col_null)(azk_db_stmt *st, int col);
    int64_t (*col_int64)(azk_db_stmt *st, int col);
    const char *(*col_text)(azk_db_stmt *st, int col);
    const void *(*col_blob)(azk_db_stmt *st, int col, size_t *len);
    /* the backend's last error message (no values) */
    const char *(*errmsg)(azk_db *db, azk_db_stmt *st);
    /* a server backend: is the connection lost? (NULL: never) */
    bool (*lost)(const azk_db *db);
    /* reconnect a lost connection, outside a transaction; 0 = connected (NULL: nothing) */
    int (*revive)(azk_db *db);
    /* COPY rows into a table (see azk_db_copy); NULL: the backend has no COPY */
    azk_status (*copy)(azk_db *db, const char *into, const char *data, size_t len);
};

struct azk_db {
    const struct azk_db_ops *ops;
    char *name;   /* path, or URL without password */
    char *target; /* what it was opened with (a URL may hold a password): azk_db_twin */
    void *impl;   /* sqlite3 *, or the PostgreSQL connection state */
    bool in_tx;
    unsigned flags;
};

struct azk_db_stmt {
    azk_db *db;
    const char *what;
    void *impl;
    int bind_failed; /* first failed bind's parameter index, 0 = none */
};

extern const struct azk_db_ops azk_db__sqlite_ops;
extern const struct azk_db_ops azk_db__pg_ops; /* NULL-kind when built without libpq */

/* SQLite only (false / nothing on another backend): wal_checkpoint(TRUNCATE)
 * succeeded (schema.c's scrub after a migration). */
bool azk_db__sqlite_checkpoint_truncate(azk_db *db);
/* SQLite only: the longest string or blob the connection accepts (tests of
 * a bind that does not fit). */
void azk_db__sqlite_limit_length(azk_db *db, int n);

#endif
