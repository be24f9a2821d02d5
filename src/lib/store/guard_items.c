/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/guard_items.c -- the guard watcher's journal (store/guard_items.h),
 * in the SQL common to SQLite and PostgreSQL; spool keys in the keystore.
 */
#include "store/guard_items.h"
#include "store/keystore.h"

#include <stdio.h>
#include <string.h>

azk_status azk_store__guard_claim(azk_home *h, const char *id, const char *rel, const char *outbox,
                                  const char *release_dir)
{
    char now[32];
    const char *t[6];
    AZK_ASSERT_ARG(h != NULL && id != NULL && rel != NULL && outbox != NULL && release_dir != NULL);
    azk_store__now(now);
    t[0] = id;
    t[1] = rel;
    t[2] = outbox;
    t[3] = release_dir;
    t[4] = now;
    t[5] = now;
    return azk_store__run_texts(h, "guard journal: claim",
                                "INSERT INTO guard_items(id, rel_path, state, outbox, release_dir,"
                                " created_at, updated_at) VALUES(?, ?, 'claimed', ?, ?, ?, ?)",
                                t, 6, NULL);
}

azk_status azk_store__guard_forget(azk_home *h, const char *id)
{
    const char *t[] = {id};
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    return azk_store__run_texts(h, "guard journal: forget",
                                "DELETE FROM guard_items WHERE id = ? AND state = 'claimed'", t, 1,
                                NULL);
}

azk_status azk_store__guard_set_state(azk_home *h, const char *id, const char *state)
{
    char now[32];
    const char *t[3];
    AZK_ASSERT_ARG(h != NULL && id != NULL && state != NULL);
    azk_store__now(now);
    t[0] = state;
    t[1] = now;
    t[2] = id;
    return azk_store__run_texts(h, "guard journal: update",
                                "UPDATE guard_items SET state = ?, updated_at = ? WHERE id = ?", t,
                                3, NULL);
}

azk_status azk_store__guard_releasing(azk_home *h, const char *id, const char *dest)
{
    char now[32];
    const char *t[3];
    AZK_ASSERT_ARG(h != NULL && id != NULL && dest != NULL);
    azk_store__now(now);
    t[0] = dest;
    t[1] = now;
    t[2] = id;
    return azk_store__run_texts(h, "guard journal: releasing",
                                "UPDATE guard_items SET state = 'releasing', dest = ?,"
                                " updated_at = ? WHERE id = ?",
                                t, 3, NULL);
}

azk_status azk_store__guard_claimed_rel(azk_home *h, const char *id, azk_buf *rel, bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && id != NULL && rel != NULL && found != NULL);
    azk_buf_clear(rel);
    *found = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT rel_path FROM guard_items WHERE id = ? AND state = 'claimed'",
                        "guard journal: read");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, id);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        rc = azk_buf_puts(rel, azk_db_col_text(st, 0));
        *found = rc == AZK_OK;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__guard_quarantined(azk_home *h, const char *id, const char *uuid,
                                        const uint8_t *wrapped, size_t wrapped_len, uint64_t size,
                                        const char *decision_json)
{
    azk_db_stmt *st = NULL;
    char now[32];
    azk_status rc;
    int64_t n = 0;
    AZK_ASSERT_ARG(h != NULL && id != NULL && uuid != NULL && wrapped != NULL &&
                   decision_json != NULL);
    rc = azk_store__key_put(h, AZK_KEY_GUARD, id, wrapped, wrapped_len);
    if (rc == AZK_ERR_ARG) {
        /* left by an attempt stopped before its row was written: that copy is abandoned */
        rc = azk_store__key_destroy(h, AZK_KEY_GUARD, id, NULL);
        if (rc == AZK_OK)
            rc = azk_store__key_put(h, AZK_KEY_GUARD, id, wrapped, wrapped_len);
    }
    if (rc != AZK_OK)
        return rc;
    azk_store__now(now);
    rc = azk_db_prepare(h->cat, &st,
                        "UPDATE guard_items SET state = 'quarantined', uuid = ?, size = ?,"
                        " decision = ?, updated_at = ? WHERE id = ? AND state = 'claimed'",
                        "guard journal: quarantine");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, uuid);
        azk_db_bind_int64(st, 2, (int64_t)size);
        azk_db_bind_text(st, 3, decision_json);
        azk_db_bind_text(st, 4, now);
        azk_db_bind_text(st, 5, id);
        rc = azk_db_run(st);
        if (rc == AZK_OK)
            n = azk_db_changes(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK && n != 1)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "guard journal: item %.40s is not claimed", id);
    if (rc != AZK_OK) {
        char msg[512];
        azk_status code = rc;
        (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
        if (azk_store__key_destroy(h, AZK_KEY_GUARD, id, NULL) != AZK_OK)
            azk_log(AZK_LOG_ERROR, "guard journal: key of %.40s kept (%s)", id,
                    azk_error_last()->message);
        rc = azk_error_set(code, "%s", msg);
    }
    return rc;
}

struct pending_row {
    char *id, *state, *dest;
};

azk_status azk_store__guard_pending(azk_home *h, const char *outbox, azk_store_guard_pending_cb cb,
                                    void *payload)
{
    azk_db_stmt *st = NULL;
    struct pending_row *rows = NULL;
    size_t n = 0, cap = 0;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && outbox != NULL && cb != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT id, state, dest FROM guard_items WHERE outbox = ?"
                        " AND state IN ('claimed', 'releasing', 'quarantined', 'requested')"
                        " ORDER BY id",
                        "guard journal: recover");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, outbox);
    while ((s = azk_db_step(st)) == AZK_DB_ROW) {
        const char *dest = azk_db_col_text(st, 2);
        rc = azk_array_reserve(&rows, &cap, n, sizeof(*rows), 16);
        if (rc != AZK_OK)
            break;
        rows[n].id = azk_strdup(azk_db_col_text(st, 0));
        rows[n].state = azk_strdup(azk_db_col_text(st, 1));
        rows[n].dest = dest != NULL ? azk_strdup(dest) : NULL;
        n++;
        if (rows[n - 1].id == NULL || rows[n - 1].state == NULL ||
            (dest != NULL && rows[n - 1].dest == NULL)) {
            rc = azk_error_nomem();
            break;
        }
    }
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    for (size_t i = 0; i < n; i++) {
        if (rc == AZK_OK)
            cb(rows[i].id, rows[i].state, rows[i].dest, payload);
        azk_free(rows[i].id);
        azk_free(rows[i].state);
        azk_free(rows[i].dest);
    }
    azk_free(rows);
    return rc;
}

azk_status azk_store__guard_list(azk_home *h, azk_guard_item_cb cb, void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT id, state, rel_path, decision, requested_by, request_reason,"
                        " approved_by, updated_at FROM guard_items ORDER BY created_at DESC, id",
                        "guard journal: list");
    if (rc != AZK_OK)
        return rc;
    while ((s = azk_db_step(st)) == AZK_DB_ROW) {
        azk_guard_item it;
        it.id = azk_db_col_text(st, 0);
        it.state = azk_db_col_text(st, 1);
        it.path = azk_db_col_text(st, 2);
        it.decision = azk_db_col_text(st, 3);
        it.requested_by = azk_db_col_text(st, 4);
        it.reason = azk_db_col_text(st, 5);
        it.approved_by = azk_db_col_text(st, 6);
        it.updated_at = azk_db_col_text(st, 7);
        rc = cb(&it, payload);
        if (rc != AZK_OK)
            break;
    }
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__guard_request(azk_home *h, const char *id, const char *user,
                                    const char *reason, const struct azk_store_event *ev)
{
    char now[32];
    int64_t n = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && user != NULL && reason != NULL && ev != NULL);
    azk_store__now(now);
    rc = azk_store__tx_begin(h);
    if (rc == AZK_OK) {
        const char *t[] = {user, reason, now, id};
        rc = azk_store__run_texts(h, "guard journal: request",
                                  "UPDATE guard_items SET state = 'requested', requested_by = ?,"
                                  " request_reason = ?, updated_at = ?"
                                  " WHERE id = ? AND state = 'quarantined'",
                                  t, 4, &n);
        if (rc == AZK_OK && n != 1)
            rc = azk_error_set(AZK_ERR_NOTFOUND, "guard request: no quarantined item %.40s", id);
        if (rc == AZK_OK)
            rc = azk_store__event(h, ev, NULL);
        rc = azk_store__tx_end(h, rc);
    }
    return rc;
}

azk_status azk_store__guard_get(azk_home *h, const char *id, struct azk_store_guard_release *out,
                                char state[16], bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && id != NULL && out != NULL && state != NULL && found != NULL);
    memset(out, 0, sizeof(*out));
    state[0] = '\0';
    *found = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT rel_path, release_dir, uuid, requested_by, state, approved_by"
                        " FROM guard_items WHERE id = ?",
                        "guard journal: read");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, id);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        azk_store__col_copy(st, 0, out->rel, sizeof(out->rel));
        azk_store__col_copy(st, 1, out->release_dir, sizeof(out->release_dir));
        azk_store__col_copy(st, 2, out->uuid, sizeof(out->uuid));
        azk_store__col_copy(st, 3, out->requested_by, sizeof(out->requested_by));
        azk_store__col_copy(st, 4, state, 16);
        *found = true;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__guard_approve_take(azk_home *h, const char *id, const char *approver,
                                         const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    char state[16] = "", by[72] = "", appr[72] = "", now[32];
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && id != NULL && approver != NULL && ev != NULL);
    azk_store__now(now);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT state, requested_by, approved_by FROM guard_items WHERE id = ?",
                        "guard journal: read");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, id);
        s = azk_db_step(st);
        if (s == AZK_DB_ROW) {
            azk_store__col_copy(st, 0, state, sizeof(state));
            azk_store__col_copy(st, 1, by, sizeof(by));
            azk_store__col_copy(st, 2, appr, sizeof(appr));
        } else if (s == AZK_DB_DONE) {
            rc = azk_error_set(AZK_ERR_NOTFOUND, "guard approve: no item %.40s", id);
        } else {
            rc = AZK_ERR_DB;
        }
        azk_db_finalize(st);
    }
    if (rc == AZK_OK && strcmp(state, "requested") != 0 &&
        !(strcmp(state, "approving") == 0 && strcmp(appr, approver) == 0))
        rc = azk_error_set(AZK_ERR_ARG, "guard approve: item %.40s is not requested", id);
    if (rc == AZK_OK && strcmp(by, approver) == 0)
        rc = azk_error_set(AZK_ERR_PERM,
                           "%s made the request: a different person must approve it (two-person "
                           "rule)",
                           approver);
    if (rc == AZK_OK) {
        const char *t[] = {approver, now, id};
        rc = azk_store__run_texts(h, "guard journal: approve",
                                  "UPDATE guard_items SET state = 'approving', approved_by = ?,"
                                  " updated_at = ? WHERE id = ?",
                                  t, 3, NULL);
    }
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__guard_approve_giveback(azk_home *h, const char *id)
{
    char now[32];
    const char *t[2];
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    azk_store__now(now);
    t[0] = now;
    t[1] = id;
    return azk_store__run_texts(h, "guard journal: give back",
                                "UPDATE guard_items SET state = 'requested', approved_by = NULL,"
                                " updated_at = ? WHERE id = ? AND state = 'approving'",
                                t, 2, NULL);
}

azk_status azk_store__guard_approved(azk_home *h, const char *id, const char *dest,
                                     const struct azk_store_event *ev)
{
    char now[32];
    int64_t n = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && dest != NULL && ev != NULL);
    azk_store__now(now);
    rc = azk_store__tx_begin(h);
    if (rc == AZK_OK) {
        const char *t[] = {dest, now, id};
        rc = azk_store__run_texts(h, "guard journal: released",
                                  "UPDATE guard_items SET state = 'released', dest = ?,"
                                  " updated_at = ? WHERE id = ? AND state = 'approving'",
                                  t, 3, &n);
        if (rc == AZK_OK && n != 1)
            rc = azk_error_set(AZK_ERR_ARG, "guard approve: item %.40s is not being approved", id);
        if (rc == AZK_OK)
            rc = azk_store__event(h, ev, NULL);
        rc = azk_store__tx_end(h, rc);
    }
    return rc;
}
