/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/db.h -- the catalog connection, one interface over two backends:
 * SQLite (a file in the home; the embedded default) and PostgreSQL (libpq,
 * "postgresql://..." URLs). Only src/lib/store/ includes this; every other
 * module asks store/ for typed operations (store/catalog.h and friends).
 *
 * SQL dialect: the common subset of SQLite 3.40 and PostgreSQL 15.
 *  - parameters are '?' (positional, bound from 1); the PostgreSQL backend
 *    rewrites them to $1..$N outside quoted text;
 *  - no INSERT OR IGNORE/REPLACE (use ON CONFLICT ... DO NOTHING/UPDATE),
 *    no rowid, no strftime/julianday, no IFNULL (COALESCE); RETURNING is
 *    fine in both; integers are 64-bit (BIGINT), booleans are 0/1;
 *  - DDL differs and lives only in store/schema.c, per backend.
 *
 * Writes: azk_db_begin starts a write transaction that is serialised with
 * every other writer of the catalog, on both backends (SQLite: BEGIN
 * IMMEDIATE, the database's one RESERVED lock; PostgreSQL: a
 * transaction-scoped advisory lock taken first). So two approvals of one
 * request, two retention runs or two intakes of one dataset id never
 * interleave, and nothing needs a retry loop. Reads outside a transaction
 * see committed data.
 *
 * Errors: a failed bind is remembered and makes the statement's next step
 * fail (a statement never runs with a parameter missing). Every failure
 * sets the azukari error (AZK_ERR_DB) to "catalog <name>: <what>: <backend
 * message>"; messages name no value (SQLite's and PostgreSQL's messages
 * quote none for the statements we run; PostgreSQL's DETAIL, which may, is
 * never copied).
 */
#ifndef AZK_STORE_DB_H
#define AZK_STORE_DB_H

#include "util/util.h"

#include <stdint.h>

typedef struct azk_db azk_db;
typedef struct azk_db_stmt azk_db_stmt;

typedef enum {
    AZK_DB_SQLITE = 1,
    AZK_DB_POSTGRES = 2,
} azk_db_backend;

/* azk_db_open flags */
#define AZK_DB_CREATE   0x1u /* SQLite: create the file if absent */
#define AZK_DB_READONLY 0x2u /* no writes (SQLite: opened read-only) */

/* azk_db_step results */
#define AZK_DB_ROW        1
#define AZK_DB_DONE       0
#define AZK_DB_CONSTRAINT (-1) /* unique, primary-key, foreign-key or check violation */
#define AZK_DB_ERROR      (-2)

/* Is `target` a PostgreSQL URL ("postgresql://" or "postgres://")? */
bool azk_db_is_url(const char *target);

/*
 * Open a catalog: a file path (SQLite) or a PostgreSQL URL. The printable
 * name (for messages) is the path, or the URL without its password.
 * Error: AZK_ERR_DB naming the catalog (cannot connect, wrong
 * credentials, not a database).
 */
AZK_NODISCARD azk_status azk_db_open(azk_db **out, const char *target, unsigned flags);
void azk_db_close(azk_db *db);

azk_db_backend azk_db_kind(const azk_db *db);
/* The catalog's printable name (never a password). */
const char *azk_db_name(const azk_db *db);

/*
 * Is the connection to the catalog's server lost (PostgreSQL stopped or
 * unreachable)? A lost connection is tried again, once, before the next
 * statement or transaction that starts outside a transaction; so a server
 * that comes back is used again without a restart.
 */
bool azk_db_lost(const azk_db *db);

/* Run SQL without parameters or results (may hold several ';'-separated statements). */
AZK_NODISCARD azk_status azk_db_exec(azk_db *db, const char *sql, const char *what);

/* Write transaction, serialised with every other writer (see above). */
AZK_NODISCARD azk_status azk_db_begin(azk_db *db);
/* Read transaction: one consistent snapshot for several queries. */
AZK_NODISCARD azk_status azk_db_begin_read(azk_db *db);
AZK_NODISCARD azk_status azk_db_commit(azk_db *db);
/* Roll back the open transaction, if any; keeps the current error. */
void azk_db_rollback(azk_db *db);
bool azk_db_in_tx(const azk_db *db);

/* Prepare one statement; `what` names the operation in error messages (static string). */
AZK_NODISCARD azk_status azk_db_prepare(azk_db *db, azk_db_stmt **out, const char *sql,
                                        const char *what);
/* Binds: i from 1; values are copied (callers' buffers may go away). */
void azk_db_bind_text(azk_db_stmt *st, int i, const char *v); /* NULL binds NULL */
void azk_db_bind_textn(azk_db_stmt *st, int i, const char *v, size_t n);
void azk_db_bind_blob(azk_db_stmt *st, int i, const void *v, size_t n);
void azk_db_bind_int64(azk_db_stmt *st, int i, int64_t v);
void azk_db_bind_null(azk_db_stmt *st, int i);

/*
 * Step: AZK_DB_ROW (a row to read), AZK_DB_DONE, AZK_DB_CONSTRAINT or
 * AZK_DB_ERROR (both set the error, "catalog <name>: <what>: ...").
 */
int azk_db_step(azk_db_stmt *st);
/* Step a statement that returns no row: AZK_OK, or the error (a constraint is AZK_ERR_DB too). */
AZK_NODISCARD azk_status azk_db_run(azk_db_stmt *st);
/* Rows changed by the last INSERT/UPDATE/DELETE run with this statement. */
int64_t azk_db_changes(azk_db_stmt *st);

/* Columns of the current row, from 0. Text is NUL-terminated and valid until the next step. */
bool azk_db_col_null(azk_db_stmt *st, int col);
int64_t azk_db_col_int64(azk_db_stmt *st, int col);
const char *azk_db_col_text(azk_db_stmt *st, int col); /* NULL for NULL */
const char *azk_db_col_str(azk_db_stmt *st, int col);  /* "" for NULL */
const void *azk_db_col_blob(azk_db_stmt *st, int col, size_t *len);

/*
 * Another connection to the same catalog (a worker thread's own; the
 * original and the twin are used from one thread each).
 */
AZK_NODISCARD azk_status azk_db_twin(azk_db *db, azk_db **out);

/*
 * Bulk load (PostgreSQL's COPY FROM STDIN, text format): `into` is
 * "table(col, ...)" (static text, never a value), `data` rows of
 * tab-separated columns ending in '\n', '\N' for NULL, and '\\', '\t',
 * '\n', '\r' escaped in values (store/ builds them). All rows or none:
 * inside a write transaction it runs under a savepoint like every write.
 * AZK_ERR_UNSUPPORTED on a backend without COPY (azk_db_can_copy: SQLite),
 * where the caller inserts with multi-row INSERTs instead.
 */
bool azk_db_can_copy(const azk_db *db);
AZK_NODISCARD azk_status azk_db_copy(azk_db *db, const char *into, const char *data, size_t len);

/*
 * One page of a keyset-paged list: the statement asks for limit + 1 rows;
 * each of the first `limit` is handed to row (which reads its columns), and
 * *more tells whether another followed. Stops at row's first error.
 * Finalizes st.
 */
typedef azk_status (*azk_db_row_fn)(azk_db_stmt *st, void *payload);
AZK_NODISCARD azk_status azk_db_page(azk_db_stmt *st, size_t limit, azk_db_row_fn row,
                                     void *payload, bool *more);

/* Ready to run again with new bindings (bindings cleared). */
void azk_db_reset(azk_db_stmt *st);
void azk_db_finalize(azk_db_stmt *st);

#endif
