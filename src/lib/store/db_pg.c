/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/db_pg.c -- the PostgreSQL catalog backend of store/db.h (libpq).
 *
 * Statements: '?' placeholders are rewritten to $1..$N outside quoted
 * text, comments and dollar quotes at prepare; each step-first runs the
 * statement with PQexecParams (unnamed, nothing left on the server, so a
 * statement that is never finalised leaks no server state and a pooler in
 * transaction mode works). Text and integer parameters are sent as text
 * (integers typed int8 so arithmetic never falls back to int4), blobs in
 * binary format typed bytea. Results come back in text format; bytea
 * columns are decoded (PQunescapeBytea) when read as blobs.
 *
 * Nesting: a result is fetched whole at the first step, so a SELECT can
 * be iterated while UPDATEs run on the same connection (as SQLite allows).
 * Memory bound: one statement holds its whole result set in client memory
 * until its next reset/finalize; a typed store function whose result can
 * grow without bound pages with LIMIT/keyset conditions.
 *
 * Errors: the server's primary message only (never DETAIL, which may
 * quote values); data exceptions (SQLSTATE class 22, whose primary
 * message quotes the offending input) get a fixed wording instead.
 * SQLSTATE class 23 is AZK_DB_CONSTRAINT. Inside a transaction, each
 * write runs under a savepoint, so a constraint violation fails only that
 * statement and the transaction goes on, as on SQLite (PostgreSQL would
 * otherwise abort the whole transaction).
 *
 * Transactions: writers BEGIN READ COMMITTED and take a transaction-scoped
 * advisory lock with a fixed key (waiting up to 60 s), which serialises
 * them across processes and machines; every statement after the lock sees
 * what the previous writer committed. Readers use REPEATABLE READ READ
 * ONLY: one snapshot for the whole read. A server that goes away in the
 * middle of a transaction rolls it back (PostgreSQL never applies half a
 * transaction); the connection then reports the loss on every call.
 */
#include "store/db_int.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BYTEAOID 17
#define INT8OID  20

/* "azukari\0" as a big-endian integer: the writers' advisory lock key */
#define WRITER_LOCK_KEY "7024055672894548224"

struct pg_conn {
    PGconn *conn;
    char err[512]; /* last error message, value-free */
    bool lost;     /* a statement failed for the connection (libpq may still say OK) */
};

struct pg_param {
    char *val; /* owned; NULL = SQL NULL */
    int len;
    int binary;
    unsigned oid;
};

struct pg_stmt {
    char *sql; /* with $1..$N */
    int nparams;
    struct pg_param *params;
    bool write; /* not a SELECT/WITH ... SELECT: runs under a savepoint in a transaction */
    PGresult *res;
    int row;   /* current row, -1 before the first step */
    int nrows; /* rows of res */
    int64_t changes;
    /* decoded bytea of the current row, per column (NULL = not decoded) */
    unsigned char **blob;
    size_t *blob_len;
    int ncols;
};

#define PC(db) ((struct pg_conn *)(db)->impl)
#define PS(st) ((struct pg_stmt *)(st)->impl)

/* Keep the first line of a libpq message (no trailing newline), bounded. */
static void set_err(struct pg_conn *c, const char *msg)
{
    size_t n;
    if (msg == NULL || *msg == '\0')
        msg = "unknown error";
    n = strcspn(msg, "\n");
    if (n >= sizeof(c->err))
        n = sizeof(c->err) - 1;
    memcpy(c->err, msg, n);
    c->err[n] = '\0';
    while (n > 0 && (c->err[n - 1] == ' ' || c->err[n - 1] == '\t' || c->err[n - 1] == '\r'))
        c->err[--n] = '\0';
}

/* The error of a failed result: primary message only, class 22 reworded. */
static void set_result_err(struct pg_conn *c, const PGresult *r)
{
    const char *state = r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    const char *prim = r != NULL ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (state != NULL && strncmp(state, "22", 2) == 0) {
        snprintf(c->err, sizeof(c->err), "a value is invalid for its column (SQLSTATE %s)", state);
        return;
    }
    if (prim == NULL) {
        /* client-side (lost connection and the like): libpq's text, without "FATAL:  " */
        prim = PQerrorMessage(c->conn);
        if (strncmp(prim, "FATAL:  ", 8) == 0 || strncmp(prim, "ERROR:  ", 8) == 0)
            prim += 8;
    }
    /* no SQLSTATE: libpq's own error (the socket); 08: connection; 57P0x: server shut down */
    if (PQstatus(c->conn) == CONNECTION_BAD || state == NULL || strncmp(state, "08", 2) == 0 ||
        strncmp(state, "57P0", 4) == 0) {
        char tmp[sizeof(c->err)];
        set_err(c, prim);
        memcpy(tmp, c->err, sizeof(tmp));
        snprintf(c->err, sizeof(c->err), "connection to the server lost: %.400s", tmp);
        c->lost = true;
        return;
    }
    set_err(c, prim);
}

/* The library never prints: server notices and warnings are dropped. */
static void no_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message;
}

static azk_status p_open(azk_db *db, const char *target, unsigned flags)
{
    /*
     * Defaults first, the URL (dbname, expanded) next so it overrides
     * them, client_encoding last so text is always UTF-8.
     */
    const char *kw[] = {"connect_timeout", "fallback_application_name", "dbname", "client_encoding",
                        NULL};
    const char *val[] = {"10", "azukari", target, "UTF8", NULL};
    struct pg_conn *c;
    PQconninfoOption *opts;
    char *perr = NULL;
    (void)flags;

    /* a malformed URL: libpq's message may quote part of it (the password), so say only that */
    opts = PQconninfoParse(target, &perr);
    if (opts == NULL) {
        PQfreemem(perr);
        return azk_error_set(AZK_ERR_DB, "catalog %s: not a valid PostgreSQL URL", db->name);
    }
    PQconninfoFree(opts);
    c = azk_calloc(1, sizeof(*c));
    if (c == NULL)
        return azk_error_nomem();
    c->conn = PQconnectdbParams(kw, val, 1);
    if (c->conn == NULL || PQstatus(c->conn) != CONNECTION_OK) {
        azk_status rc;
        set_err(c, c->conn != NULL ? PQerrorMessage(c->conn) : "out of memory");
        rc = azk_error_set(AZK_ERR_DB, "catalog %s: cannot connect: %s", db->name, c->err);
        PQfinish(c->conn);
        azk_free(c);
        return rc;
    }
    (void)PQsetNoticeProcessor(c->conn, no_notice, NULL);
    db->impl = c;
    return AZK_OK;
}

static void p_close(azk_db *db)
{
    struct pg_conn *c = PC(db);
    if (c == NULL)
        return;
    PQfinish(c->conn);
    azk_free(c);
    db->impl = NULL;
}

/* Run SQL with the simple protocol (several statements allowed); 0 or -1. */
static int run_simple(struct pg_conn *c, const char *sql)
{
    PGresult *r = PQexec(c->conn, sql);
    ExecStatusType s = PQresultStatus(r);
    int ok = s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK || s == PGRES_EMPTY_QUERY;
    if (!ok)
        set_result_err(c, r);
    PQclear(r);
    return ok ? 0 : -1;
}

static int p_exec(azk_db *db, const char *sql)
{
    return run_simple(PC(db), sql);
}

static int p_after_begin(azk_db *db)
{
    return run_simple(PC(db), "SET LOCAL lock_timeout = '60s';"
                              "SELECT pg_advisory_xact_lock(" WRITER_LOCK_KEY ");"
                              "SET LOCAL lock_timeout = 0");
}

/*
 * Rewrite '?' to $n outside '...', "...", E'...' (backslash escapes),
 * $tag$...$tag$, -- and C-style comments. out: the new text (owned),
 * *count: placeholders.
 */
static azk_status rewrite(const char *sql, char **out, int *count)
{
    size_t n = strlen(sql), cap, o = 0, i = 0;
    char *s;
    int k = 0;
    /* each '?' grows by at most 5 bytes ("$99999"); count them first */
    size_t q = 0;
    for (size_t j = 0; j < n; j++)
        q += sql[j] == '?';
    if (azk_mul_overflow(&cap, q, 6) || azk_add_overflow(&cap, cap, n + 1))
        return azk_error_set(AZK_ERR_LIMIT, "catalog: statement too long");
    s = azk_malloc(cap);
    if (s == NULL)
        return azk_error_nomem();
    while (i < n) {
        char ch = sql[i];
        if (ch == '\'' || ch == '"') {
            bool esc = ch == '\'' && i > 0 && (sql[i - 1] == 'E' || sql[i - 1] == 'e');
            s[o++] = sql[i++];
            while (i < n) {
                if (esc && sql[i] == '\\' && i + 1 < n) {
                    s[o++] = sql[i++];
                    s[o++] = sql[i++];
                    continue;
                }
                if (sql[i] == ch) {
                    s[o++] = sql[i++];
                    if (i < n && sql[i] == ch) { /* doubled quote: still inside */
                        s[o++] = sql[i++];
                        continue;
                    }
                    break;
                }
                s[o++] = sql[i++];
            }
        } else if (ch == '-' && i + 1 < n && sql[i + 1] == '-') {
            while (i < n && sql[i] != '\n')
                s[o++] = sql[i++];
        } else if (ch == '/' && i + 1 < n && sql[i + 1] == '*') {
            const char *end = strstr(sql + i + 2, "*/");
            size_t stop = end != NULL ? (size_t)(end - sql) + 2 : n;
            while (i < stop)
                s[o++] = sql[i++];
        } else if (ch == '$' &&
                   (i == 0 || !(sql[i - 1] == '_' || (sql[i - 1] >= 'a' && sql[i - 1] <= 'z') ||
                                (sql[i - 1] >= 'A' && sql[i - 1] <= 'Z') ||
                                (sql[i - 1] >= '0' && sql[i - 1] <= '9')))) {
            /* $tag$ ... $tag$ (tag may be empty); $1 is left alone */
            size_t t = i + 1;
            while (t < n && (sql[t] == '_' || (sql[t] >= 'a' && sql[t] <= 'z') ||
                             (sql[t] >= 'A' && sql[t] <= 'Z') ||
                             (t > i + 1 && sql[t] >= '0' && sql[t] <= '9')))
                t++;
            if (t < n && sql[t] == '$') {
                size_t tag_len = t - i + 1;
                const char *end = NULL;
                const char *p = sql + t + 1;
                while ((p = strchr(p, '$')) != NULL) {
                    if (strncmp(p, sql + i, tag_len) == 0) {
                        end = p;
                        break;
                    }
                    p++;
                }
                size_t stop = end != NULL ? (size_t)(end - sql) + tag_len : n;
                while (i < stop)
                    s[o++] = sql[i++];
            } else {
                s[o++] = sql[i++];
            }
        } else if (ch == '?') {
            int w;
            k++;
            w = snprintf(s + o, cap - o, "$%d", k);
            o += (size_t)w;
            i++;
        } else {
            s[o++] = sql[i++];
        }
    }
    s[o] = '\0';
    *out = s;
    *count = k;
    return AZK_OK;
}

/* A statement that may write (anything but SELECT/VALUES/SHOW/TABLE). */
static bool is_write(const char *sql)
{
    static const char *const ro[] = {"select", "values", "show", "table", "explain"};
    while (*sql == ' ' || *sql == '\t' || *sql == '\n' || *sql == '\r' || *sql == '(')
        sql++;
    for (size_t i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
        size_t l = strlen(ro[i]);
        if (strncasecmp(sql, ro[i], l) == 0 && !(sql[l] >= 'a' && sql[l] <= 'z') &&
            !(sql[l] >= 'A' && sql[l] <= 'Z') && sql[l] != '_')
            return false;
    }
    /* WITH ...: a data-modifying CTE is a write; treat every WITH as one (safe) */
    return true;
}

static void clear_row(struct pg_stmt *s)
{
    for (int i = 0; i < s->ncols; i++) {
        PQfreemem(s->blob[i]);
        s->blob[i] = NULL;
    }
}

static void clear_result(struct pg_stmt *s)
{
    clear_row(s);
    azk_free(s->blob);
    azk_free(s->blob_len);
    s->blob = NULL;
    s->blob_len = NULL;
    s->ncols = 0;
    PQclear(s->res);
    s->res = NULL;
    s->row = -1;
    s->nrows = 0;
}

static void clear_params(struct pg_stmt *s)
{
    for (int i = 0; i < s->nparams; i++) {
        azk_free(s->params[i].val);
        memset(&s->params[i], 0, sizeof(s->params[i]));
    }
}

static azk_status p_prepare(azk_db *db, azk_db_stmt *st, const char *sql)
{
    struct pg_stmt *s;
    azk_status rc;
    (void)db;
    s = azk_calloc(1, sizeof(*s));
    if (s == NULL)
        return azk_error_nomem();
    s->row = -1;
    rc = rewrite(sql, &s->sql, &s->nparams);
    if (rc != AZK_OK) {
        azk_free(s);
        return rc;
    }
    if (s->nparams > 0) {
        s->params = azk_calloc((size_t)s->nparams, sizeof(*s->params));
        if (s->params == NULL) {
            azk_free(s->sql);
            azk_free(s);
            return azk_error_nomem();
        }
    }
    s->write = is_write(sql);
    st->impl = s;
    return AZK_OK;
}

static void p_finalize(azk_db_stmt *st)
{
    struct pg_stmt *s = PS(st);
    if (s == NULL)
        return;
    clear_result(s);
    clear_params(s);
    azk_free(s->params);
    azk_free(s->sql);
    azk_free(s);
    st->impl = NULL;
}

/* Store parameter i (from 1); v copied (NUL added); 0 or -1. */
static int put(azk_db_stmt *st, int i, const void *v, size_t n, int binary, unsigned oid)
{
    struct pg_stmt *s = PS(st);
    struct pg_param *p;
    char *copy;
    if (i < 1 || i > s->nparams || n > (size_t)0x7fffffff - 1)
        return -1;
    copy = azk_malloc(n + 1);
    if (copy == NULL)
        return -1;
    if (n > 0)
        memcpy(copy, v, n);
    copy[n] = '\0';
    p = &s->params[i - 1];
    azk_free(p->val);
    p->val = copy;
    p->len = (int)n;
    p->binary = binary;
    p->oid = oid;
    return 0;
}

static int p_bind_text(azk_db_stmt *st, int i, const char *v, size_t n)
{
    /* PostgreSQL text holds no NUL byte: refuse rather than truncate */
    if (n > 0 && memchr(v, '\0', n) != NULL)
        return -1;
    return put(st, i, v, n, 0, 0);
}

static int p_bind_blob(azk_db_stmt *st, int i, const void *v, size_t n)
{
    return put(st, i, v, n, 1, BYTEAOID);
}

static int p_bind_int64(azk_db_stmt *st, int i, int64_t v)
{
    char b[24];
    int w = snprintf(b, sizeof(b), "%lld", (long long)v);
    return put(st, i, b, (size_t)w, 0, INT8OID);
}

static int p_bind_null(azk_db_stmt *st, int i)
{
    struct pg_stmt *s = PS(st);
    if (i < 1 || i > s->nparams)
        return -1;
    azk_free(s->params[i - 1].val);
    memset(&s->params[i - 1], 0, sizeof(s->params[i - 1]));
    return 0;
}

/* Run the statement; AZK_DB_ROW/DONE/CONSTRAINT/ERROR. */
static int run_stmt(azk_db_stmt *st)
{
    struct pg_stmt *s = PS(st);
    struct pg_conn *c = PC(st->db);
    const char **vals = NULL;
    int *lens = NULL, *fmts = NULL;
    Oid *types = NULL;
    PGresult *r;
    ExecStatusType es;
    bool sp = s->write && st->db->in_tx;
    int ret = AZK_DB_ERROR;

    if (s->nparams > 0) {
        vals = azk_calloc((size_t)s->nparams, sizeof(*vals));
        lens = azk_calloc((size_t)s->nparams, sizeof(*lens));
        fmts = azk_calloc((size_t)s->nparams, sizeof(*fmts));
        types = azk_calloc((size_t)s->nparams, sizeof(*types));
        if (vals == NULL || lens == NULL || fmts == NULL || types == NULL) {
            set_err(c, "out of memory");
            goto done;
        }
        for (int i = 0; i < s->nparams; i++) {
            vals[i] = s->params[i].val;
            lens[i] = s->params[i].len;
            fmts[i] = s->params[i].binary;
            types[i] = s->params[i].oid;
        }
    }
    if (sp && run_simple(c, "SAVEPOINT azk_stmt") != 0)
        goto done;
    r = PQexecParams(c->conn, s->sql, s->nparams, types, vals, lens, fmts, 0);
    es = PQresultStatus(r);
    if (es == PGRES_TUPLES_OK || es == PGRES_COMMAND_OK) {
        const char *ct = PQcmdTuples(r);
        s->changes = ct != NULL && *ct != '\0' ? strtoll(ct, NULL, 10) : 0;
        s->res = r;
        s->nrows = es == PGRES_TUPLES_OK ? PQntuples(r) : 0;
        s->ncols = es == PGRES_TUPLES_OK ? PQnfields(r) : 0;
        if (s->ncols > 0) {
            s->blob = azk_calloc((size_t)s->ncols, sizeof(*s->blob));
            s->blob_len = azk_calloc((size_t)s->ncols, sizeof(*s->blob_len));
            if (s->blob == NULL || s->blob_len == NULL) {
                set_err(c, "out of memory");
                clear_result(s);
                if (sp)
                    (void)run_simple(c, "ROLLBACK TO SAVEPOINT azk_stmt; RELEASE azk_stmt");
                goto done;
            }
        }
        if (sp && run_simple(c, "RELEASE SAVEPOINT azk_stmt") != 0) {
            clear_result(s);
            goto done;
        }
        s->row = 0;
        ret = s->nrows > 0 ? AZK_DB_ROW : AZK_DB_DONE;
    } else {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        set_result_err(c, r);
        ret = state != NULL && strncmp(state, "23", 2) == 0 ? AZK_DB_CONSTRAINT : AZK_DB_ERROR;
        PQclear(r);
        if (sp && PQstatus(c->conn) == CONNECTION_OK) {
            char keep[sizeof(c->err)];
            memcpy(keep, c->err, sizeof(keep));
            (void)run_simple(c, "ROLLBACK TO SAVEPOINT azk_stmt; RELEASE SAVEPOINT azk_stmt");
            memcpy(c->err, keep, sizeof(keep));
        }
    }
done:
    azk_free(vals);
    azk_free(lens);
    azk_free(fmts);
    azk_free(types);
    return ret;
}

static int p_step(azk_db_stmt *st)
{
    struct pg_stmt *s = PS(st);
    if (s->res == NULL)
        return run_stmt(st);
    clear_row(s);
    if (s->row < s->nrows)
        s->row++;
    return s->row < s->nrows ? AZK_DB_ROW : AZK_DB_DONE;
}

static int64_t p_changes(azk_db_stmt *st)
{
    return PS(st)->changes;
}

static void p_reset(azk_db_stmt *st)
{
    struct pg_stmt *s = PS(st);
    clear_result(s);
    clear_params(s);
    s->changes = 0;
}

static bool valid_cell(struct pg_stmt *s, int col)
{
    return s->res != NULL && s->row >= 0 && s->row < s->nrows && col >= 0 && col < s->ncols;
}

static bool p_col_null(azk_db_stmt *st, int col)
{
    struct pg_stmt *s = PS(st);
    return !valid_cell(s, col) || PQgetisnull(s->res, s->row, col);
}

static int64_t p_col_int64(azk_db_stmt *st, int col)
{
    struct pg_stmt *s = PS(st);
    const char *v;
    if (p_col_null(st, col))
        return 0;
    v = PQgetvalue(s->res, s->row, col);
    if (v[0] == 't' && v[1] == '\0') /* boolean */
        return 1;
    return (int64_t)strtoll(v, NULL, 10);
}

/* Decode a bytea cell of the current row once; NULL on failure. */
static const unsigned char *decoded(struct pg_stmt *s, int col, size_t *len)
{
    if (s->blob[col] == NULL) {
        size_t n = 0;
        unsigned char *b =
            PQunescapeBytea((const unsigned char *)PQgetvalue(s->res, s->row, col), &n);
        if (b == NULL)
            return NULL;
        s->blob[col] = b;
        s->blob_len[col] = n;
    }
    *len = s->blob_len[col];
    return s->blob[col];
}

static const char *p_col_text(azk_db_stmt *st, int col)
{
    struct pg_stmt *s = PS(st);
    if (p_col_null(st, col))
        return NULL;
    return PQgetvalue(s->res, s->row, col);
}

static const void *p_col_blob(azk_db_stmt *st, int col, size_t *len)
{
    struct pg_stmt *s = PS(st);
    size_t n = 0;
    const void *p = NULL;
    if (!p_col_null(st, col)) {
        if (PQftype(s->res, col) == BYTEAOID) {
            p = decoded(s, col, &n);
        } else {
            p = PQgetvalue(s->res, s->row, col);
            n = (size_t)PQgetlength(s->res, s->row, col);
        }
    }
    if (len != NULL)
        *len = p != NULL ? n : 0;
    return p;
}

static const char *p_errmsg(azk_db *db, azk_db_stmt *st)
{
    (void)st;
    return PC(db)->err;
}

static bool p_lost(const azk_db *db)
{
    const struct pg_conn *c = db->impl;
    return c == NULL || c->lost || PQstatus(c->conn) != CONNECTION_OK;
}

/* libpq keeps a broken connection broken: PQreset connects again with the same parameters. */
static int p_revive(azk_db *db)
{
    struct pg_conn *c = PC(db);
    if (c == NULL || (!c->lost && PQstatus(c->conn) == CONNECTION_OK))
        return 0;
    PQreset(c->conn);
    c->lost = PQstatus(c->conn) != CONNECTION_OK;
    return c->lost ? -1 : 0;
}

/*
 * COPY <into> FROM STDIN (text format) with `data` in one piece, under a
 * savepoint inside a transaction (a failure fails this load only, as a
 * statement would). AZK_OK or AZK_ERR_DB with the server's message.
 */
static azk_status p_copy(azk_db *db, const char *into, const char *data, size_t len)
{
    struct pg_conn *c = PC(db);
    bool sp = db->in_tx;
    char *sql = NULL;
    size_t n = strlen(into) + 32;
    PGresult *r;
    bool ok = false;

    if (len > INT32_MAX) {
        set_err(c, "too much data for one COPY");
        return AZK_ERR_DB;
    }
    sql = azk_malloc(n);
    if (sql == NULL) {
        set_err(c, "out of memory");
        return AZK_ERR_DB;
    }
    (void)snprintf(sql, n, "COPY %s FROM STDIN", into);
    if (sp && run_simple(c, "SAVEPOINT azk_stmt") != 0) {
        azk_free(sql);
        return AZK_ERR_DB;
    }
    r = PQexec(c->conn, sql);
    azk_free(sql);
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        set_result_err(c, r);
        PQclear(r);
    } else {
        PQclear(r);
        if (PQputCopyData(c->conn, data, (int)len) == 1 && PQputCopyEnd(c->conn, NULL) == 1) {
            ok = true;
        } else {
            set_err(c, PQerrorMessage(c->conn));
            (void)PQputCopyEnd(c->conn, "azukari: copy aborted");
        }
        /* the COPY's own result, then the end of results */
        while ((r = PQgetResult(c->conn)) != NULL) {
            if (PQresultStatus(r) != PGRES_COMMAND_OK) {
                if (ok)
                    set_result_err(c, r);
                ok = false;
            }
            PQclear(r);
        }
    }
    if (sp && PQstatus(c->conn) == CONNECTION_OK) {
        char keep[sizeof(c->err)];
        memcpy(keep, c->err, sizeof(keep));
        if (ok)
            ok = run_simple(c, "RELEASE SAVEPOINT azk_stmt") == 0;
        else
            (void)run_simple(c, "ROLLBACK TO SAVEPOINT azk_stmt; RELEASE SAVEPOINT azk_stmt");
        if (!ok)
            memcpy(c->err, keep, sizeof(keep));
    }
    if (PQstatus(c->conn) != CONNECTION_OK)
        c->lost = true;
    return ok ? AZK_OK : AZK_ERR_DB;
}

const struct azk_db_ops azk_db__pg_ops = {
    .kind = AZK_DB_POSTGRES,
    .open = p_open,
    .close = p_close,
    .exec = p_exec,
    .begin_sql = "BEGIN ISOLATION LEVEL READ COMMITTED",
    .begin_read_sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    .after_begin = p_after_begin,
    .prepare = p_prepare,
    .finalize = p_finalize,
    .bind_text = p_bind_text,
    .bind_blob = p_bind_blob,
    .bind_int64 = p_bind_int64,
    .bind_null = p_bind_null,
    .step = p_step,
    .changes = p_changes,
    .reset = p_reset,
    .col_null = p_col_null,
    .col_int64 = p_col_int64,
    .col_text = p_col_text,
    .col_blob = p_col_blob,
    .errmsg = p_errmsg,
    .lost = p_lost,
    .revive = p_revive,
    .copy = p_copy,
};
