/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/sup_reports.c -- the SQL of the contractor's kept monthly reports
 * (store/sup_reports.h), in the SQL common to SQLite and PostgreSQL.
 */
#include "store/sup_reports.h"
#include "store/event.h"

#include <string.h>

azk_status azk_store__kept_report_add(azk_home *h, const struct azk_store_kept_report *r,
                                      const char *doc)
{
    azk_db_stmt *st = NULL;
    azk_status rc =
        azk_db_prepare(h->cat, &st,
                       "INSERT INTO monthly_reports(seq, client, month, sha256, generated_at,"
                       " generated_by, doc) SELECT COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ?, ?"
                       " FROM monthly_reports",
                       "keep monthly report");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, r->client);
    azk_db_bind_text(st, 2, r->month);
    azk_db_bind_text(st, 3, r->sha256);
    azk_db_bind_text(st, 4, r->generated_at);
    azk_db_bind_text(st, 5, r->generated_by);
    azk_db_bind_text(st, 6, doc);
    rc = azk_db_run(st);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__kept_reports(azk_home *h, const char *client, const char *month,
                                   azk_store_kept_report_cb cb, void *p)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT client, month, sha256, generated_at, generated_by"
                        " FROM monthly_reports WHERE (? = '' OR client = ?)"
                        " AND (? = '' OR month = ?)"
                        " ORDER BY month DESC, client, seq DESC",
                        "read monthly reports");
    if (rc != AZK_OK)
        return rc;
    /* '' rather than NULL for "any": PostgreSQL cannot type "? IS NULL" */
    azk_db_bind_text(st, 1, client != NULL ? client : "");
    azk_db_bind_text(st, 2, client != NULL ? client : "");
    azk_db_bind_text(st, 3, month != NULL ? month : "");
    azk_db_bind_text(st, 4, month != NULL ? month : "");
    while ((s = azk_db_step(st)) == AZK_DB_ROW) {
        struct azk_store_kept_report r;
        r.client = azk_db_col_str(st, 0);
        r.month = azk_db_col_str(st, 1);
        r.sha256 = azk_db_col_str(st, 2);
        r.generated_at = azk_db_col_str(st, 3);
        r.generated_by = azk_db_col_str(st, 4);
        rc = cb(&r, p);
        if (rc != AZK_OK)
            break;
    }
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__kept_report_get(azk_home *h, const char *client, const char *month,
                                      char **doc)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    *doc = NULL;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT doc FROM monthly_reports WHERE client = ? AND month = ?"
                        " ORDER BY seq DESC LIMIT 1",
                        "read monthly report");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, client);
    azk_db_bind_text(st, 2, month);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        *doc = azk_strdup(azk_db_col_str(st, 0));
        if (*doc == NULL)
            rc = azk_error_nomem();
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}
