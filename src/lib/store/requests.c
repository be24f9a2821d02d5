/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/requests.c -- two-person requests and holds in the catalog
 * (store/requests.h), in the SQL common to SQLite and PostgreSQL.
 */
#include "store/requests.h"

#include <stdio.h>
#include <string.h>

azk_status azk_store__request_insert(azk_home *h, const struct azk_store_request *r,
                                     const char *reason, const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    char now[32];
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && r != NULL && reason != NULL && ev != NULL);
    azk_store__now(now);
    rc = azk_store__tx_prepare(h, &st,
                               "INSERT INTO ret_requests(id,kind,dataset,until,reason,requested_by,"
                               "requested_at,state) VALUES(?,?,?,?,?,?,?,'pending')",
                               "add request");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, r->id);
    azk_db_bind_text(st, 2, r->kind);
    azk_db_bind_text(st, 3, r->dataset);
    azk_db_bind_text(st, 4, r->until[0] != '\0' ? r->until : NULL);
    azk_db_bind_text(st, 5, reason);
    azk_db_bind_text(st, 6, r->requested_by);
    azk_db_bind_text(st, 7, now);
    return azk_store__tx_write(h, st, ev, NULL);
}

azk_status azk_store__request_get(azk_home *h, const char *id, struct azk_store_request *out,
                                  bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && id != NULL && out != NULL && found != NULL);
    memset(out, 0, sizeof(*out));
    *found = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT id, kind, dataset, COALESCE(until, ''), requested_by, state"
                        " FROM ret_requests WHERE id = ?",
                        "read request");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, id);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        azk_store__col_copy(st, 0, out->id, sizeof(out->id));
        azk_store__col_copy(st, 1, out->kind, sizeof(out->kind));
        azk_store__col_copy(st, 2, out->dataset, sizeof(out->dataset));
        azk_store__col_copy(st, 3, out->until, sizeof(out->until));
        azk_store__col_copy(st, 4, out->requested_by, sizeof(out->requested_by));
        azk_store__col_copy(st, 5, out->state, sizeof(out->state));
        *found = true;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__request_approve(azk_home *h, const char *id, const char *approver,
                                      const struct azk_store_event *ev, size_t ev_count,
                                      struct azk_store_request *out)
{
    struct azk_store_request r;
    char now[32];
    bool found = false;
    int64_t n = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && approver != NULL && (ev != NULL || ev_count == 0));
    azk_store__now(now);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    /* read and check under the writers' lock: a concurrent approval has committed or waits */
    rc = azk_store__request_get(h, id, &r, &found);
    if (rc == AZK_OK && !found)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no request %s", id);
    if (rc == AZK_OK && strcmp(r.state, "pending") != 0)
        rc = azk_error_set(AZK_ERR_ARG, "request %s is not pending (%s)", id, r.state);
    if (rc == AZK_OK && strcmp(r.requested_by, approver) == 0)
        rc = azk_error_set(AZK_ERR_PERM,
                           "%s made the request: a different person must approve it (two-person "
                           "rule)",
                           approver);
    if (rc == AZK_OK) {
        const char *t[] = {approver, now, id};
        rc = azk_store__run_texts(h, "approve request",
                                  "UPDATE ret_requests SET state = 'approved', approved_by = ?,"
                                  " approved_at = ? WHERE id = ? AND state = 'pending'",
                                  t, 3, &n);
        if (rc == AZK_OK && n != 1)
            rc = azk_error_set(AZK_ERR_ARG, "request %s is not pending", id);
    }
    if (rc == AZK_OK && strcmp(r.kind, "delete") == 0) {
        const char *t[] = {r.dataset, id};
        rc = azk_store__run_texts(h, "mark early deletion",
                                  "INSERT INTO ret_early(dataset, request) VALUES(?, ?)"
                                  " ON CONFLICT (dataset) DO UPDATE SET request = excluded.request",
                                  t, 2, NULL);
    } else if (rc == AZK_OK && strcmp(r.kind, "extend") == 0) {
        const char *t[] = {r.until, r.dataset};
        rc = azk_store__run_texts(h, "extend deadline",
                                  "UPDATE datasets SET retain_until = ? WHERE id = ?"
                                  " AND state = 'active'",
                                  t, 2, &n);
        if (rc == AZK_OK && n != 1)
            rc = azk_error_set(AZK_ERR_ARG, "dataset %s of request %s is no longer active",
                               r.dataset, id);
    } else if (rc == AZK_OK) {
        rc = azk_error_set(AZK_ERR_FORMAT, "request %s has an unknown kind", id);
    }
    for (size_t i = 0; rc == AZK_OK && i < ev_count; i++)
        rc = azk_store__event(h, &ev[i], NULL);
    rc = azk_store__tx_end(h, rc);
    if (rc == AZK_OK && out != NULL) {
        *out = r;
        (void)snprintf(out->state, sizeof(out->state), "approved");
    }
    return rc;
}

azk_status azk_store__hold_set(azk_home *h, const char *dataset, const char *reason, const char *by,
                               const struct azk_store_event *ev)
{
    char now[32];
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && reason != NULL && by != NULL && ev != NULL);
    azk_store__now(now);
    rc = azk_store__tx_begin(h);
    if (rc == AZK_OK) {
        const char *t[] = {dataset, reason, by, now};
        rc = azk_store__run_texts(h, "hold",
                                  "INSERT INTO ret_holds(dataset, reason, by, at)"
                                  " VALUES(?, ?, ?, ?) ON CONFLICT (dataset) DO UPDATE SET"
                                  " reason = excluded.reason, by = excluded.by, at = excluded.at",
                                  t, 4, NULL);
        if (rc == AZK_OK)
            rc = azk_store__event(h, ev, NULL);
        rc = azk_store__tx_end(h, rc);
    }
    return rc;
}

azk_status azk_store__hold_release(azk_home *h, const char *dataset,
                                   const struct azk_store_event *ev)
{
    int64_t n = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc == AZK_OK) {
        const char *t[] = {dataset};
        rc = azk_store__run_texts(h, "release hold", "DELETE FROM ret_holds WHERE dataset = ?", t,
                                  1, &n);
        if (rc == AZK_OK && n == 0)
            rc = azk_error_set(AZK_ERR_NOTFOUND, "dataset %s is not on hold", dataset);
        if (rc == AZK_OK)
            rc = azk_store__event(h, ev, NULL);
        rc = azk_store__tx_end(h, rc);
    }
    return rc;
}
