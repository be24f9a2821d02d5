/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/serve_lists.c -- paged lists of azukari serve (store/serve_lists.h):
 * the certificates of a month and a user's grants, with the certificates'
 * count for the dashboard. SQL common to SQLite and PostgreSQL (store/db.h).
 */
#include "store/serve_lists.h"

#include <stdio.h>
#include <string.h>

/* The month's bounds for shred_at: [from, to) as "YYYY-MM" texts. */
static azk_status month_bounds(const char *month, char from[24], char to[24])
{
    int y = 0, m = 0;
    if (month == NULL || strlen(month) != 7 || month[4] != '-' ||
        sscanf(month, "%4d-%2d", &y, &m) != 2 || y < 1 || y > 9999 || m < 1 || m > 12)
        return azk_error_set(AZK_ERR_ARG, "month: expected YYYY-MM");
    (void)snprintf(from, 24, "%04d-%02d", y, m);
    (void)snprintf(to, 24, "%04d-%02d", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    return AZK_OK;
}

/* Each row to cb as texts (NULL for SQL NULL); binds done by the caller. */
static azk_status walk(azk_db_stmt *st, size_t ncols, azk_store_row_cb cb, void *payload)
{
    azk_status rc = AZK_OK;
    int step;
    while ((step = azk_db_step(st)) == AZK_DB_ROW) {
        const char *cols[6];
        for (size_t c = 0; c < ncols && c < 6; c++)
            cols[c] = azk_db_col_text(st, (int)c);
        rc = cb(cols, ncols, payload);
        if (rc != AZK_OK)
            break;
    }
    if (rc == AZK_OK && step != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

#define CERT_FROM                                                                                  \
    " FROM ret_state s JOIN datasets d ON d.id = s.dataset WHERE s.state = 'certified'"            \
    " AND s.shred_at >= ? AND s.shred_at < ?"                                                      \
    " AND (CAST(? AS TEXT) IS NULL OR d.client = ?)"                                               \
    " AND (CAST(? AS TEXT) IS NULL OR d.client IN"                                                 \
    " (SELECT g.client FROM user_grants g WHERE g.name = ?))"

azk_status azk_store__certified_page(azk_home *h, const char *month, const char *client,
                                     const char *grantee, const char *after, size_t limit,
                                     azk_store_row_cb cb, void *payload)
{
    /* the cursor: "<shred_at>|<dataset>" (shred_at, a UTC time, has no '|') */
    azk_db_stmt *st = NULL;
    char from[24], to[24], at[64] = "";
    const char *ds = "";
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && cb != NULL && limit > 0);
    rc = month_bounds(month, from, to);
    if (rc != AZK_OK)
        return rc;
    if (after != NULL) {
        const char *bar = strchr(after, '|');
        if (bar == NULL || bar == after || (size_t)(bar - after) >= sizeof(at))
            return azk_error_set(AZK_ERR_ARG, "after must be a cursor from a previous page");
        (void)snprintf(at, sizeof(at), "%.*s", (int)(bar - after), after);
        ds = bar + 1;
    }
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT s.dataset, d.client, s.shred_at, s.operator, s.shred_index,"
                        " s.shred_at || '|' || s.dataset" CERT_FROM
                        " AND (CAST(? AS TEXT) IS NULL OR s.shred_at > ?"
                        " OR (s.shred_at = ? AND s.dataset > ?))"
                        " ORDER BY s.shred_at, s.dataset LIMIT ?",
                        "certificates of a month, a page");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, from);
    azk_db_bind_text(st, 2, to);
    azk_db_bind_text(st, 3, client);
    azk_db_bind_text(st, 4, client);
    azk_db_bind_text(st, 5, grantee);
    azk_db_bind_text(st, 6, grantee);
    azk_db_bind_text(st, 7, after != NULL ? at : NULL);
    azk_db_bind_text(st, 8, at);
    azk_db_bind_text(st, 9, at);
    azk_db_bind_text(st, 10, ds);
    azk_db_bind_int64(st, 11, (int64_t)limit + 1);
    return walk(st, 6, cb, payload);
}

azk_status azk_store__certified_count(azk_home *h, const char *month, const char *client,
                                      const char *grantee, int64_t *n)
{
    azk_db_stmt *st = NULL;
    char from[24], to[24];
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && n != NULL);
    *n = 0;
    rc = month_bounds(month, from, to);
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st, "SELECT count(*)" CERT_FROM, "count certificates");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, from);
    azk_db_bind_text(st, 2, to);
    azk_db_bind_text(st, 3, client);
    azk_db_bind_text(st, 4, client);
    azk_db_bind_text(st, 5, grantee);
    azk_db_bind_text(st, 6, grantee);
    if (azk_db_step(st) == AZK_DB_ROW)
        *n = azk_db_col_int64(st, 0);
    else
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__grants_page(azk_home *h, const char *name, const char *after, size_t limit,
                                  azk_store_row_cb cb, void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && name != NULL && cb != NULL && limit > 0);
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT client FROM user_grants WHERE name = ?"
                        " AND (CAST(? AS TEXT) IS NULL OR client > ?) ORDER BY client LIMIT ?",
                        "read grants, a page");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, name);
    azk_db_bind_text(st, 2, after);
    azk_db_bind_text(st, 3, after);
    azk_db_bind_int64(st, 4, (int64_t)limit + 1);
    return walk(st, 1, cb, payload);
}
