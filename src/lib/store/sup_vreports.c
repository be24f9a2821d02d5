/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/sup_vreports.c -- monthly reports imported at a bank, beyond the
 * import itself (store/supervision.c): the stored document of a month, its
 * replacement by a superseding revision (the replaced one kept whole in
 * vendor_reports_superseded, schema_v6.c) and the documents of a period for
 * the examiner bundle (vendor/export.c).
 */
#include "store/supervision.h"

#include <stdio.h>
#include <string.h>

azk_status azk_store__vreport_doc(azk_home *h, const char *vendor_key, const char *client,
                                  const char *month, azk_buf *doc, bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && vendor_key != NULL && client != NULL && month != NULL &&
                   doc != NULL && found != NULL);
    *found = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT doc FROM vendor_reports WHERE vendor_key = ? AND client = ?"
                        " AND month = ?",
                        "read vendor report");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, vendor_key);
    azk_db_bind_text(st, 2, client);
    azk_db_bind_text(st, 3, month);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        const char *t = azk_db_col_text(st, 0);
        rc = azk_buf_puts(doc, t != NULL ? t : "");
        *found = rc == AZK_OK;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__vreport_supersede(azk_home *h, const struct azk_store_vreport *r,
                                        const char *old_sha256, const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    char now[32];
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && r != NULL && old_sha256 != NULL && ev != NULL);
    azk_store__now(now);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    /* the replaced report, whole; only the one the caller compared against */
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO vendor_reports_superseded(vendor_key, client, month, sha256,"
                        " doc, imported_at, imported_by, superseded_at) SELECT vendor_key, client,"
                        " month, sha256, doc, imported_at, imported_by, ? FROM vendor_reports"
                        " WHERE vendor_key = ? AND client = ? AND month = ? AND sha256 = ?",
                        "keep superseded vendor report");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, now);
        azk_db_bind_text(st, 2, r->vendor_key);
        azk_db_bind_text(st, 3, r->client);
        azk_db_bind_text(st, 4, r->month);
        azk_db_bind_text(st, 5, old_sha256);
        rc = azk_db_run(st);
        if (rc == AZK_OK && azk_db_changes(st) != 1)
            rc = azk_error_set(AZK_ERR_INTEGRITY,
                               "the stored report of %s changed during the import", r->month);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st,
                            "UPDATE vendor_reports SET sha256 = ?, tree_size = ?, root = ?,"
                            " month_ends = ?, flags = ?, doc = ?, imported_at = ?,"
                            " imported_by = ? WHERE vendor_key = ? AND client = ? AND month = ?",
                            "store superseding vendor report");
    if (rc != AZK_OK)
        return azk_store__tx_end(h, rc);
    azk_db_bind_text(st, 1, r->sha256);
    azk_db_bind_int64(st, 2, r->tree_size);
    azk_db_bind_text(st, 3, r->root);
    azk_db_bind_text(st, 4, r->month_ends);
    azk_db_bind_text(st, 5, r->flags);
    azk_db_bind_text(st, 6, r->doc);
    azk_db_bind_text(st, 7, now);
    azk_db_bind_text(st, 8, azk_store__actor(h));
    azk_db_bind_text(st, 9, r->vendor_key);
    azk_db_bind_text(st, 10, r->client);
    azk_db_bind_text(st, 11, r->month);
    rc = azk_db_run(st);
    azk_db_finalize(st);
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__vreport_docs(azk_home *h, const char *vendor_key, const char *from_month,
                                   const char *to_month, azk_store_vreport_cb cb, void *p)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && vendor_key != NULL && from_month != NULL && to_month != NULL &&
                   cb != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT client, month, sha256, tree_size, root, doc FROM vendor_reports"
                        " WHERE vendor_key = ? AND month >= ? AND month <= ?"
                        " ORDER BY month, client",
                        "read vendor reports of a period");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, vendor_key);
    azk_db_bind_text(st, 2, from_month);
    azk_db_bind_text(st, 3, to_month);
    while ((s = azk_db_step(st)) == AZK_DB_ROW) {
        struct azk_store_vreport r;
        memset(&r, 0, sizeof(r));
        r.vendor_key = vendor_key;
        r.client = azk_db_col_text(st, 0);
        r.month = azk_db_col_text(st, 1);
        r.sha256 = azk_db_col_text(st, 2);
        r.tree_size = azk_db_col_int64(st, 3);
        r.root = azk_db_col_text(st, 4);
        r.doc = azk_db_col_text(st, 5);
        if (r.client == NULL || r.month == NULL || r.sha256 == NULL || r.root == NULL ||
            r.doc == NULL) {
            rc = azk_error_set(AZK_ERR_DB, "vendor report row incomplete");
            break;
        }
        rc = cb(&r, p);
        if (rc != AZK_OK)
            break;
    }
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}
