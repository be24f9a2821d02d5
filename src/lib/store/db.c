/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/db.c -- the backend-neutral side of the catalog connection
 * (store/db.h): picks the backend from the target, checks arguments,
 * remembers failed binds so a statement never runs with a parameter
 * missing, tracks the transaction, and words every error the same way
 * for both backends.
 */
#include "store/db_int.h"

#include <stdlib.h>
#include <string.h>

bool azk_db_is_url(const char *t)
{
    return t != NULL &&
           (strncmp(t, "postgresql://", 13) == 0 || strncmp(t, "postgres://", 11) == 0);
}

/* Does the URL query parameter at p (length n) name a password? Keys may be %-encoded. */
static bool secret_param(const char *p, size_t n)
{
    char key[32];
    size_t k = 0;
    for (size_t i = 0; i < n && p[i] != '='; i++) {
        char c = p[i];
        if (c == '%' && i + 2 < n) {
            char hex[3] = {p[i + 1], p[i + 2], '\0'};
            c = (char)strtol(hex, NULL, 16);
            i += 2;
        }
        if (k + 1 >= sizeof(key))
            return false;
        key[k++] = (char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    key[k] = '\0';
    return strcmp(key, "password") == 0 || strcmp(key, "sslpassword") == 0;
}

/*
 * The URL without its password: "user:password@" -> "user@", and the
 * query parameters password= and sslpassword= left out; a path as is.
 */
static char *printable_name(const char *t)
{
    const char *s, *end, *at, *colon, *q;
    char *out;
    size_t o = 0;
    if (!azk_db_is_url(t))
        return azk_strdup(t);
    out = azk_malloc(strlen(t) + 1);
    if (out == NULL)
        return NULL;
    s = strstr(t, "://") + 3;
    end = s + strcspn(s, "/"); /* as libpq: user info ends at the first "@" before a "/" */
    at = memchr(s, '@', (size_t)(end - s));
    colon = at != NULL ? memchr(s, ':', (size_t)(at - s)) : NULL;
    if (colon != NULL) {
        memcpy(out, t, (size_t)(colon - t));
        o = (size_t)(colon - t);
        s = at;
    } else {
        s = t;
    }
    q = strchr(s, '?');
    if (q == NULL)
        q = s + strlen(s);
    memcpy(out + o, s, (size_t)(q - s));
    o += (size_t)(q - s);
    if (*q == '?') {
        char sep = '?';
        q++;
        while (*q != '\0') {
            size_t n = strcspn(q, "&");
            if (n > 0 && !secret_param(q, n)) {
                out[o++] = sep;
                memcpy(out + o, q, n);
                o += n;
                sep = '&';
            }
            q += n;
            if (*q == '&')
                q++;
        }
    }
    out[o] = '\0';
    return out;
}

static azk_status fail(azk_db *db, azk_db_stmt *st, const char *what)
{
    return azk_error_set(AZK_ERR_DB, "catalog %s: %s: %s", db->name, what, db->ops->errmsg(db, st));
}

azk_status azk_db_open(azk_db **out, const char *target, unsigned flags)
{
    azk_db *db;
    azk_status rc;
    AZK_ASSERT_ARG(out != NULL && target != NULL);
    *out = NULL;
    db = azk_calloc(1, sizeof(*db));
    if (db == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "catalog: out of memory");
    db->flags = flags;
    db->ops = azk_db_is_url(target) ? &azk_db__pg_ops : &azk_db__sqlite_ops;
    db->name = printable_name(target);
    if (db->name == NULL) {
        azk_free(db);
        return azk_error_set(AZK_ERR_NOMEM, "catalog: out of memory");
    }
    db->target = azk_strdup(target);
    if (db->target == NULL) {
        azk_free(db->name);
        azk_free(db);
        return azk_error_set(AZK_ERR_NOMEM, "catalog: out of memory");
    }
    rc = db->ops->open(db, target, flags);
    if (rc != AZK_OK) {
        azk_free_secret(db->target, strlen(db->target));
        azk_free(db->name);
        azk_free(db);
        return rc;
    }
    *out = db;
    return AZK_OK;
}

void azk_db_close(azk_db *db)
{
    if (db == NULL)
        return;
    if (db->in_tx)
        azk_db_rollback(db);
    db->ops->close(db);
    azk_free_secret(db->target, strlen(db->target));
    azk_free(db->name);
    azk_free(db);
}

bool azk_db_lost(const azk_db *db)
{
    return db != NULL && db->ops->lost != NULL && db->ops->lost(db);
}

/* A lost connection, outside a transaction: reconnect before the next statement. */
static void revive(azk_db *db)
{
    if (!db->in_tx && db->ops->revive != NULL)
        (void)db->ops->revive(db);
}

azk_db_backend azk_db_kind(const azk_db *db)
{
    return db->ops->kind;
}

const char *azk_db_name(const azk_db *db)
{
    return db->name;
}

azk_status azk_db_exec(azk_db *db, const char *sql, const char *what)
{
    AZK_ASSERT_ARG(db != NULL && sql != NULL);
    if (db->ops->exec(db, sql) != 0)
        return fail(db, NULL, what != NULL ? what : "exec");
    return AZK_OK;
}

static azk_status begin(azk_db *db, const char *sql, bool write)
{
    AZK_ASSERT_ARG(db != NULL);
    if (db->in_tx)
        return azk_error_set(AZK_ERR_DB, "catalog %s: a transaction is already open", db->name);
    revive(db);
    if (db->ops->exec(db, sql) != 0)
        return fail(db, NULL, "begin");
    db->in_tx = true;
    if (write && db->ops->after_begin != NULL && db->ops->after_begin(db) != 0) {
        azk_status rc = fail(db, NULL, "begin");
        azk_db_rollback(db);
        return rc;
    }
    return AZK_OK;
}

azk_status azk_db_begin(azk_db *db)
{
    return begin(db, db->ops->begin_sql, true);
}

azk_status azk_db_begin_read(azk_db *db)
{
    return begin(db, db->ops->begin_read_sql, false);
}

azk_status azk_db_commit(azk_db *db)
{
    AZK_ASSERT_ARG(db != NULL);
    if (!db->in_tx)
        return azk_error_set(AZK_ERR_DB, "catalog %s: commit without a transaction", db->name);
    if (db->ops->exec(db, "COMMIT") != 0) {
        azk_status rc = fail(db, NULL, "commit");
        azk_db_rollback(db);
        return rc;
    }
    db->in_tx = false;
    return AZK_OK;
}

void azk_db_rollback(azk_db *db)
{
    if (db == NULL || !db->in_tx)
        return;
    (void)db->ops->exec(db, "ROLLBACK");
    db->in_tx = false;
}

bool azk_db_in_tx(const azk_db *db)
{
    return db != NULL && db->in_tx;
}

azk_status azk_db_prepare(azk_db *db, azk_db_stmt **out, const char *sql, const char *what)
{
    azk_db_stmt *st;
    azk_status rc;
    AZK_ASSERT_ARG(db != NULL && out != NULL && sql != NULL);
    *out = NULL;
    st = azk_calloc(1, sizeof(*st));
    if (st == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "catalog: out of memory");
    st->db = db;
    st->what = what != NULL ? what : "query";
    revive(db);
    rc = db->ops->prepare(db, st, sql);
    if (rc != AZK_OK) {
        azk_free(st);
        return rc;
    }
    *out = st;
    return AZK_OK;
}

static void bound(azk_db_stmt *st, int i, int r)
{
    if (r != 0 && st->bind_failed == 0)
        st->bind_failed = i > 0 ? i : -1;
}

void azk_db_bind_text(azk_db_stmt *st, int i, const char *v)
{
    if (v == NULL)
        bound(st, i, st->db->ops->bind_null(st, i));
    else
        bound(st, i, st->db->ops->bind_text(st, i, v, strlen(v)));
}

void azk_db_bind_textn(azk_db_stmt *st, int i, const char *v, size_t n)
{
    bound(st, i, st->db->ops->bind_text(st, i, v != NULL ? v : "", v != NULL ? n : 0));
}

void azk_db_bind_blob(azk_db_stmt *st, int i, const void *v, size_t n)
{
    bound(st, i, st->db->ops->bind_blob(st, i, v, n));
}

void azk_db_bind_int64(azk_db_stmt *st, int i, int64_t v)
{
    bound(st, i, st->db->ops->bind_int64(st, i, v));
}

void azk_db_bind_null(azk_db_stmt *st, int i)
{
    bound(st, i, st->db->ops->bind_null(st, i));
}

int azk_db_step(azk_db_stmt *st)
{
    int r;
    if (st == NULL)
        return AZK_DB_ERROR;
    if (st->bind_failed != 0) {
        azk_error_set(AZK_ERR_DB, "catalog %s: %s: parameter %d could not be bound; not run",
                      st->db->name, st->what, st->bind_failed);
        return AZK_DB_ERROR;
    }
    r = st->db->ops->step(st);
    if (r == AZK_DB_ERROR || r == AZK_DB_CONSTRAINT)
        (void)fail(st->db, st, st->what);
    return r;
}

azk_status azk_db_run(azk_db_stmt *st)
{
    int r = azk_db_step(st);
    if (r == AZK_DB_DONE || r == AZK_DB_ROW)
        return AZK_OK;
    return azk_error_last()->code != AZK_OK ? azk_error_last()->code : AZK_ERR_DB;
}

int64_t azk_db_changes(azk_db_stmt *st)
{
    return st->db->ops->changes(st);
}

bool azk_db_col_null(azk_db_stmt *st, int col)
{
    return st->db->ops->col_null(st, col);
}

int64_t azk_db_col_int64(azk_db_stmt *st, int col)
{
    return st->db->ops->col_int64(st, col);
}

const char *azk_db_col_text(azk_db_stmt *st, int col)
{
    return st->db->ops->col_text(st, col);
}

const char *azk_db_col_str(azk_db_stmt *st, int col)
{
    const char *v = azk_db_col_text(st, col);
    return v != NULL ? v : "";
}

const void *azk_db_col_blob(azk_db_stmt *st, int col, size_t *len)
{
    return st->db->ops->col_blob(st, col, len);
}

azk_status azk_db_page(azk_db_stmt *st, size_t limit, azk_db_row_fn row, void *payload, bool *more)
{
    azk_status rc = AZK_OK;
    size_t rows = 0;
    int step;
    *more = false;
    while ((step = azk_db_step(st)) == AZK_DB_ROW) {
        if (rows == limit) {
            *more = true;
            break;
        }
        rc = row(st, payload);
        if (rc != AZK_OK)
            break;
        rows++;
    }
    if (rc == AZK_OK && step != AZK_DB_ROW && step != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

void azk_db_reset(azk_db_stmt *st)
{
    if (st == NULL)
        return;
    st->db->ops->reset(st);
    st->bind_failed = 0;
}

void azk_db_finalize(azk_db_stmt *st)
{
    if (st == NULL)
        return;
    st->db->ops->finalize(st);
    azk_free(st);
}

azk_status azk_db_twin(azk_db *db, azk_db **out)
{
    AZK_ASSERT_ARG(db != NULL && out != NULL);
    return azk_db_open(out, db->target, db->flags & ~AZK_DB_CREATE);
}

bool azk_db_can_copy(const azk_db *db)
{
    return db != NULL && db->ops->copy != NULL;
}

azk_status azk_db_copy(azk_db *db, const char *into, const char *data, size_t len)
{
    azk_status rc;
    AZK_ASSERT_ARG(db != NULL && into != NULL && (data != NULL || len == 0));
    if (db->ops->copy == NULL)
        return azk_error_set(AZK_ERR_UNSUPPORTED, "catalog %s: no COPY on this backend", db->name);
    revive(db);
    rc = db->ops->copy(db, into, data, len);
    if (rc != AZK_OK)
        return azk_error_set(AZK_ERR_DB, "catalog %s: copy rows: %s", db->name,
                             db->ops->errmsg(db, NULL));
    return AZK_OK;
}
