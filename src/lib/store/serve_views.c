/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/serve_views.c -- the catalog queries and writes behind azukari
 * serve's pages (store/serve_views.h), in the SQL common to SQLite and
 * PostgreSQL (store/db.h): pages of rows read with LIMIT and a cursor on
 * the key, and the administration writes, each with its ledger event in
 * one transaction.
 */
#include "store/serve_views.h"

#include <stdio.h>
#include <string.h>

#define MAX_COLS 20

/* Bind texts 1..n, then the limit as n+1 (when limit > 0); hand each row to cb. */
static azk_status rows(azk_home *h, const char *what, const char *sql, const char *const *texts,
                       size_t n, size_t limit, size_t ncols, azk_store_row_cb cb, void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    rc = azk_db_prepare(h->cat, &st, sql, what);
    if (rc != AZK_OK)
        return rc;
    for (size_t i = 0; i < n; i++)
        azk_db_bind_text(st, (int)i + 1, texts[i]);
    if (limit > 0)
        azk_db_bind_int64(st, (int)n + 1, (int64_t)limit);
    while ((s = azk_db_step(st)) == AZK_DB_ROW) {
        const char *cols[MAX_COLS];
        for (size_t c = 0; c < ncols && c < MAX_COLS; c++)
            cols[c] = azk_db_col_text(st, (int)c);
        rc = cb(cols, ncols, payload);
        if (rc != AZK_OK)
            break;
    }
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__requests_page(azk_home *h, const char *state, const char *after, size_t limit,
                                    azk_store_row_cb cb, void *payload)
{
    const char *t[4] = {after, after, state, state};
    AZK_ASSERT_ARG(h != NULL && cb != NULL && limit > 0);
    return rows(
        h, "list requests",
        "SELECT r.id, r.kind, r.dataset, d.client, r.until, r.reason, r.requested_by,"
        " r.requested_at, r.approved_by, r.approved_at, r.state"
        " FROM ret_requests r LEFT JOIN datasets d ON d.id = r.dataset"
        " WHERE (CAST(? AS TEXT) IS NULL OR r.id > ?) AND (CAST(? AS TEXT) IS NULL OR r.state = ?)"
        " ORDER BY r.id LIMIT ?",
        t, 4, limit, 11, cb, payload);
}

azk_status azk_store__request_refuse(azk_home *h, const char *id, const char *by,
                                     const struct azk_store_event *ev)
{
    char now[32];
    const char *t[3];
    bool there = false;
    int64_t n = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && by != NULL && ev != NULL);
    azk_store__now(now);
    t[0] = by;
    t[1] = now;
    t[2] = id;
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc =
        azk_store__exists(h, "find request", "SELECT 1 FROM ret_requests WHERE id = ?", id, &there);
    if (rc == AZK_OK && !there)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no request %s", id);
    if (rc == AZK_OK)
        rc = azk_store__run_texts(h, "refuse request",
                                  "UPDATE ret_requests SET state = 'refused', approved_by = ?,"
                                  " approved_at = ? WHERE id = ? AND state = 'pending'",
                                  t, 3, &n);
    if (rc == AZK_OK && n != 1)
        rc = azk_error_set(AZK_ERR_ARG, "request %s is not pending", id);
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__guard_page(azk_home *h, bool only_open, const char *after, size_t limit,
                                 azk_store_row_cb cb, void *payload)
{
    const char *t[3] = {after, after, only_open ? "1" : NULL};
    AZK_ASSERT_ARG(h != NULL && cb != NULL && limit > 0);
    return rows(h, "guard journal: page",
                "SELECT id, state, rel_path, requested_by, request_reason, approved_by, updated_at"
                " FROM guard_items WHERE (CAST(? AS TEXT) IS NULL OR id > ?) AND (CAST(? AS TEXT) "
                "IS NULL OR state IN"
                " ('quarantined', 'requested', 'approving')) ORDER BY id LIMIT ?",
                t, 3, limit, 7, cb, payload);
}

azk_status azk_store__users_page(azk_home *h, const char *after, size_t limit, azk_store_row_cb cb,
                                 void *payload)
{
    const char *t[2] = {after, after};
    AZK_ASSERT_ARG(h != NULL && cb != NULL && limit > 0);
    return rows(h, "list users",
                "SELECT name, COALESCE(role, ''), COALESCE(state, 'active'), created_at,"
                " created_by, approved_by,"
                " CASE WHEN pw_hash IS NULL OR pw_hash = '' THEN '0' ELSE '1' END"
                " FROM users WHERE (CAST(? AS TEXT) IS NULL OR name > ?) ORDER BY name LIMIT ?",
                t, 2, limit, 7, cb, payload);
}

azk_status azk_store__sessions_page(azk_home *h, const char *after, size_t limit,
                                    azk_store_row_cb cb, void *payload)
{
    const char *t[2] = {after, after};
    AZK_ASSERT_ARG(h != NULL && cb != NULL && limit > 0);
    return rows(h, "list sessions",
                "SELECT id_hash, name, created_at, seen_at FROM sessions"
                " WHERE (CAST(? AS TEXT) IS NULL OR id_hash > ?) ORDER BY id_hash LIMIT ?",
                t, 2, limit, 4, cb, payload);
}

azk_status azk_store__sessions_delete_user(azk_home *h, const char *name,
                                           const struct azk_store_event *ev, int64_t *n)
{
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && name != NULL && ev != NULL && n != NULL);
    *n = 0;
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__run_texts(h, "revoke sessions", "DELETE FROM sessions WHERE name = ?", &name, 1,
                              n);
    if (rc == AZK_OK && *n > 0)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__role_set(azk_home *h, const char *name, const char *role,
                               const struct azk_store_event *ev)
{
    const char *t[2] = {role, name};
    int64_t n = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && name != NULL && role != NULL && ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__run_texts(h, "set role", "UPDATE users SET role = ? WHERE name = ?", t, 2, &n);
    if (rc == AZK_OK && n != 1)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no user %s", name);
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__grant_remove(azk_home *h, const char *name, const char *client,
                                   const struct azk_store_event *ev)
{
    const char *t[2] = {name, client};
    int64_t n = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && name != NULL && client != NULL && ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__run_texts(h, "remove grant",
                              "DELETE FROM user_grants WHERE name = ? AND client = ?", t, 2, &n);
    if (rc == AZK_OK && n != 1)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "user %s has no grant for client %s", name, client);
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__client_exists(azk_home *h, const char *client, bool *yes)
{
    AZK_ASSERT_ARG(h != NULL && client != NULL && yes != NULL);
    return azk_store__exists(h, "find client", "SELECT 1 FROM clients WHERE id = ?", client, yes);
}

azk_status azk_store__enrol_link_insert(azk_home *h, const char *token_hash, const char *role,
                                        int64_t expires_at, const char *by,
                                        const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    const char *t[2] = {token_hash, by};
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && token_hash != NULL && role != NULL && by != NULL && ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO enrol_tokens(token_hash, role, expires_at) VALUES(?, ?, ?)",
                        "add enrolment link");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, token_hash);
        azk_db_bind_text(st, 2, role);
        azk_db_bind_int64(st, 3, expires_at);
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        rc = azk_store__run_texts(h, "add enrolment link",
                                  "INSERT INTO enrol_links(token_hash, created_by) VALUES(?, ?)", t,
                                  2, NULL);
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

struct one_text {
    char *out;
    size_t cap;
    bool found;
};

static azk_status one_text_cb(const char *const *cols, size_t n, void *payload)
{
    struct one_text *o = payload;
    (void)n;
    (void)snprintf(o->out, o->cap, "%s", cols[0] != NULL ? cols[0] : "");
    o->found = true;
    return AZK_OK;
}

azk_status azk_store__enrol_link_by(azk_home *h, const char *token_hash, char by[72], bool *found)
{
    struct one_text o = {by, 72, false};
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && token_hash != NULL && by != NULL && found != NULL);
    by[0] = '\0';
    rc = rows(h, "read enrolment link", "SELECT created_by FROM enrol_links WHERE token_hash = ?",
              &token_hash, 1, 0, 1, one_text_cb, &o);
    *found = o.found;
    return rc;
}

struct counted {
    azk_store_row_cb cb;
    void *payload;
    bool found;
};

static azk_status counted_cb(const char *const *cols, size_t n, void *payload)
{
    struct counted *c = payload;
    c->found = true;
    return c->cb(cols, n, c->payload);
}

azk_status azk_store__dataset_detail(azk_home *h, const char *id, azk_store_row_cb cb,
                                     void *payload, bool *found)
{
    struct counted c = {cb, payload, false};
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && cb != NULL && found != NULL);
    rc = rows(h, "read dataset",
              "SELECT d.id, d.client, d.purpose, d.retain_until, d.state, d.schema_json,"
              " d.records, d.bytes, d.format, d.encoding, d.created_at, d.created_by,"
              " COALESCE(s.state, ''), hd.reason, hd.by, hd.at"
              " FROM datasets d LEFT JOIN ret_state s ON s.dataset = d.id"
              " LEFT JOIN ret_holds hd ON hd.dataset = d.id WHERE d.id = ?",
              &id, 1, 0, 16, counted_cb, &c);
    *found = c.found;
    return rc;
}

azk_status azk_store__opens_page(azk_home *h, const char *dataset, const char *after, size_t limit,
                                 azk_store_row_cb cb, void *payload)
{
    const char *t[3] = {dataset, after, after};
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && cb != NULL && limit > 0);
    return rows(
        h, "list opens",
        "SELECT at, by, reason FROM opens WHERE dataset = ? AND (CAST(? AS TEXT) IS NULL OR at > ?)"
        " ORDER BY at LIMIT ?",
        t, 3, limit, 3, cb, payload);
}

static azk_status count_of(azk_home *h, const char *what, const char *sql, int64_t *out)
{
    azk_db_stmt *st = NULL;
    azk_status rc = azk_db_prepare(h->cat, &st, sql, what);
    *out = 0;
    if (rc != AZK_OK)
        return rc;
    if (azk_db_step(st) == AZK_DB_ROW)
        *out = azk_db_col_int64(st, 0);
    else
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__pending_counts(azk_home *h, int64_t *requests, int64_t *guard_items)
{
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && requests != NULL && guard_items != NULL);
    rc = count_of(h, "count pending requests",
                  "SELECT count(*) FROM ret_requests WHERE state = 'pending'", requests);
    if (rc == AZK_OK)
        rc =
            count_of(h, "count guard items",
                     "SELECT count(*) FROM guard_items WHERE state IN ('quarantined', 'requested')",
                     guard_items);
    return rc;
}
