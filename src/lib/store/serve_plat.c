/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/serve_plat.c -- the serve platform's catalog rows
 * (store/serve_plat.h): rate-limit counters, shared keys, the dataset page
 * of the JSON API. SQL common to SQLite and PostgreSQL (store/db.h).
 */
#include "store/serve_plat.h"

#include <string.h>

azk_status azk_store__rate_hits(azk_home *h, const char *const *keys, size_t count,
                                int64_t window_start, int64_t prune_before, int64_t *hits,
                                int64_t *prev_hits)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    bool fresh = false;
    AZK_ASSERT_ARG(h != NULL && (keys != NULL || count == 0) && (hits != NULL || count == 0));
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO rate_limits(k, window_start, hits) VALUES(?, ?, 1)"
                        " ON CONFLICT(k, window_start) DO UPDATE SET hits = rate_limits.hits + 1"
                        " RETURNING hits",
                        "count a request");
    for (size_t i = 0; rc == AZK_OK && i < count; i++) {
        azk_db_bind_text(st, 1, keys[i]);
        azk_db_bind_int64(st, 2, window_start);
        if (azk_db_step(st) == AZK_DB_ROW)
            hits[i] = azk_db_col_int64(st, 0);
        else
            rc = AZK_ERR_DB;
        if (rc == AZK_OK && hits[i] == 1)
            fresh = true;
        azk_db_reset(st);
    }
    azk_db_finalize(st);
    st = NULL;
    if (rc == AZK_OK && prev_hits != NULL) {
        /* the window before (kept by the pruning below): its final counts */
        rc = azk_db_prepare(h->cat, &st,
                            "SELECT hits FROM rate_limits WHERE k = ? AND window_start = ?",
                            "read the previous window's counts");
        for (size_t i = 0; rc == AZK_OK && i < count; i++) {
            int step;
            azk_db_bind_text(st, 1, keys[i]);
            azk_db_bind_int64(st, 2, prune_before);
            step = azk_db_step(st);
            prev_hits[i] = step == AZK_DB_ROW ? azk_db_col_int64(st, 0) : 0;
            if (step != AZK_DB_ROW && step != AZK_DB_DONE)
                rc = AZK_ERR_DB;
            azk_db_reset(st);
        }
        azk_db_finalize(st);
        st = NULL;
    }
    if (rc == AZK_OK && fresh) {
        rc = azk_db_prepare(h->cat, &st, "DELETE FROM rate_limits WHERE window_start < ?",
                            "forget old request counts");
        if (rc == AZK_OK) {
            azk_db_bind_int64(st, 1, prune_before);
            rc = azk_db_run(st);
            azk_db_finalize(st);
        }
    }
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__serve_key(azk_home *h, const char *name, const uint8_t candidate[32],
                                uint8_t out[32])
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && name != NULL && candidate != NULL && out != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO serve_keys(name, k) VALUES(?, ?) ON CONFLICT(name) DO NOTHING",
                        "store a shared key");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, name);
        azk_db_bind_blob(st, 2, candidate, 32);
        rc = azk_db_run(st);
        azk_db_finalize(st);
        st = NULL;
    }
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st, "SELECT k FROM serve_keys WHERE name = ?",
                            "read a shared key");
    if (rc == AZK_OK) {
        size_t len = 0;
        const void *k;
        azk_db_bind_text(st, 1, name);
        if (azk_db_step(st) != AZK_DB_ROW) {
            rc = AZK_ERR_DB;
        } else {
            k = azk_db_col_blob(st, 0, &len);
            if (k == NULL || len != 32)
                rc = azk_error_set(AZK_ERR_INTEGRITY, "catalog: shared key %s is not 32 bytes",
                                   name);
            else
                memcpy(out, k, 32);
        }
        azk_db_finalize(st);
    }
    return azk_store__tx_end(h, rc);
}

#define PAGE_SELECT                                                                                \
    "SELECT d.id, d.client, d.retain_until, d.state, s.state,"                                     \
    " (SELECT count(*) FROM ret_holds x WHERE x.dataset = d.id)"                                   \
    " FROM datasets d LEFT JOIN ret_state s ON s.dataset = d.id WHERE d.id > ?"

/* A PAGE_SELECT row to a deadline callback. */
struct deadline_walk {
    azk_store_deadline_cb cb;
    void *payload;
};

static azk_status deadline_row(azk_db_stmt *st, void *payload)
{
    const struct deadline_walk *w = payload;
    struct azk_store_deadline d;
    d.dataset = azk_db_col_text(st, 0);
    d.client = azk_db_col_text(st, 1);
    d.retain_until = azk_db_col_text(st, 2);
    d.state = azk_db_col_text(st, 3);
    d.ret_state = azk_db_col_text(st, 4);
    d.held = azk_db_col_int64(st, 5) != 0;
    return w->cb(&d, w->payload);
}

static azk_status page_walk(azk_db_stmt *st, size_t limit, azk_store_deadline_cb cb, void *payload,
                            bool *more)
{
    struct deadline_walk w = {cb, payload};
    return azk_db_page(st, limit, deadline_row, &w, more);
}

azk_status azk_store__datasets_page(azk_home *h, const char *client, const char *grantee,
                                    const char *after, size_t limit, azk_store_deadline_cb cb,
                                    void *payload, bool *more)
{
    static const char *const sql[4] = {
        PAGE_SELECT " ORDER BY d.id LIMIT ?",
        PAGE_SELECT " AND d.client = ? ORDER BY d.id LIMIT ?",
        PAGE_SELECT " AND d.client IN (SELECT g.client FROM user_grants g WHERE g.name = ?)"
                    " ORDER BY d.id LIMIT ?",
        PAGE_SELECT " AND d.client = ? AND d.client IN (SELECT g.client FROM user_grants g"
                    " WHERE g.name = ?) ORDER BY d.id LIMIT ?",
    };
    azk_db_stmt *st = NULL;
    azk_status rc;
    int col = 1;
    AZK_ASSERT_ARG(h != NULL && after != NULL && cb != NULL && more != NULL && limit > 0);
    *more = false;
    rc = azk_db_prepare(h->cat, &st, sql[(client != NULL ? 1 : 0) + (grantee != NULL ? 2 : 0)],
                        "dataset page");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, col++, after);
    if (client != NULL)
        azk_db_bind_text(st, col++, client);
    if (grantee != NULL)
        azk_db_bind_text(st, col++, grantee);
    azk_db_bind_int64(st, col, (int64_t)limit + 1); /* one more: is there a next page? */
    return page_walk(st, limit, cb, payload, more);
}

#define NEXT_SELECT                                                                                \
    "SELECT d.id, d.client, d.retain_until, d.state, s.state,"                                     \
    " (SELECT count(*) FROM ret_holds x WHERE x.dataset = d.id)"                                   \
    " FROM datasets d LEFT JOIN ret_state s ON s.dataset = d.id WHERE d.state = 'active'"

azk_status azk_store__datasets_next_deadlines(azk_home *h, const char *grantee, size_t limit,
                                              azk_store_deadline_cb cb, void *payload, bool *more)
{
    /* index datasets_state_deadline (schema v6, serve): read in order, stop after limit + 1 */
    static const char *const sql[2] = {
        NEXT_SELECT " ORDER BY d.retain_until, d.id LIMIT ?",
        NEXT_SELECT " AND d.client IN (SELECT g.client FROM user_grants g WHERE g.name = ?)"
                    " ORDER BY d.retain_until, d.id LIMIT ?",
    };
    azk_db_stmt *st = NULL;
    azk_status rc;
    int col = 1;
    AZK_ASSERT_ARG(h != NULL && cb != NULL && more != NULL && limit > 0);
    *more = false;
    rc = azk_db_prepare(h->cat, &st, sql[grantee != NULL ? 1 : 0], "next deadlines");
    if (rc != AZK_OK)
        return rc;
    if (grantee != NULL)
        azk_db_bind_text(st, col++, grantee);
    azk_db_bind_int64(st, col, (int64_t)limit + 1);
    return page_walk(st, limit, cb, payload, more);
}

bool azk_store__catalog_lost(azk_home *h)
{
    return h != NULL && azk_db_lost(h->cat);
}
