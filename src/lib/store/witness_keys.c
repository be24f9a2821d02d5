/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/witness_keys.c -- a closed-zone host's new ledger key accepted by
 * two people (store/witness_keys.h): table agent_witness_keys, one row per
 * agent, next to agent_witness (store/agents.c).
 */
#include "store/witness_keys.h"
#include "store/db_int.h"
#include "store/store.h"

#include <string.h>

#define KEY_COLS                                                                                   \
    "k.agent_id, COALESCE(a.host, ''), COALESCE(w.vkey, ''), k.vkey, k.state,"                     \
    " COALESCE(w.alarm, ''), COALESCE(k.reason, ''), COALESCE(k.requested_by, ''),"                \
    " COALESCE(k.approved_by, ''), k.offered_at, COALESCE(k.requested_at, 0),"                     \
    " COALESCE(k.approved_at, 0)"
#define KEY_FROM                                                                                   \
    " FROM agent_witness_keys k LEFT JOIN agents a ON a.id = k.agent_id"                           \
    " LEFT JOIN agent_witness w ON w.agent_id = k.agent_id"

static void key_row(azk_db_stmt *st, struct azk_store_witness_key *k)
{
    memset(k, 0, sizeof(*k));
    azk_store__col_copy(st, 0, k->agent_id, sizeof(k->agent_id));
    azk_store__col_copy(st, 1, k->host, sizeof(k->host));
    azk_store__col_copy(st, 2, k->pinned, sizeof(k->pinned));
    azk_store__col_copy(st, 3, k->vkey, sizeof(k->vkey));
    azk_store__col_copy(st, 4, k->state, sizeof(k->state));
    azk_store__col_copy(st, 5, k->alarm, sizeof(k->alarm));
    azk_store__col_copy(st, 6, k->reason, sizeof(k->reason));
    azk_store__col_copy(st, 7, k->requested_by, sizeof(k->requested_by));
    azk_store__col_copy(st, 8, k->approved_by, sizeof(k->approved_by));
    k->offered_at = azk_db_col_int64(st, 9);
    k->requested_at = azk_db_col_int64(st, 10);
    k->approved_at = azk_db_col_int64(st, 11);
}

azk_status azk_store__witness_key_offer(azk_home *h, const char *agent_id, const char *vkey,
                                        int64_t now)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && agent_id != NULL && vkey != NULL);
    rc =
        azk_db_prepare(h->cat, &st,
                       "INSERT INTO agent_witness_keys(agent_id, vkey, state, offered_at)"
                       " VALUES(?, ?, 'offered', ?) ON CONFLICT(agent_id) DO UPDATE SET"
                       " vkey = excluded.vkey, state = 'offered', offered_at = excluded.offered_at,"
                       " reason = NULL, requested_by = NULL, requested_at = NULL,"
                       " approved_by = NULL, approved_at = NULL"
                       " WHERE agent_witness_keys.vkey <> excluded.vkey",
                       "offer witness key");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, agent_id);
    azk_db_bind_text(st, 2, vkey);
    azk_db_bind_int64(st, 3, now);
    rc = azk_db_run(st);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__witness_key_get(azk_home *h, const char *agent_id,
                                      struct azk_store_witness_key *out, bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && agent_id != NULL && out != NULL && found != NULL);
    *found = false;
    memset(out, 0, sizeof(*out));
    rc = azk_db_prepare(h->cat, &st, "SELECT " KEY_COLS KEY_FROM " WHERE k.agent_id = ?",
                        "read witness key");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, agent_id);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        key_row(st, out);
        *found = true;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__witness_key_page(azk_home *h, const char *after, size_t limit,
                                       azk_store_witness_key_cb cb, void *payload, bool *more)
{
    azk_db_stmt *st = NULL;
    struct azk_store_witness_key k;
    size_t n = 0;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && after != NULL && cb != NULL && more != NULL);
    *more = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT " KEY_COLS KEY_FROM " WHERE k.agent_id > ? ORDER BY k.agent_id"
                        " LIMIT ?",
                        "list witness keys");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, after);
    azk_db_bind_int64(st, 2, (int64_t)limit + 1);
    while (rc == AZK_OK && (s = azk_db_step(st)) == AZK_DB_ROW) {
        if (n++ == limit) {
            *more = true;
            break;
        }
        key_row(st, &k);
        rc = cb(&k, payload);
    }
    if (rc == AZK_OK && !*more && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

/* Inside the caller's transaction: the offer, which must be in state `need`, with a key alarm. */
static azk_status offer_in(azk_home *h, const char *agent_id, const char *need,
                           struct azk_store_witness_key *k)
{
    bool found = false;
    azk_status rc = azk_store__witness_key_get(h, agent_id, k, &found);
    if (rc == AZK_OK && !found)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "agent %s offered no other ledger key", agent_id);
    if (rc == AZK_OK && strcmp(k->state, need) != 0)
        rc = azk_error_set(AZK_ERR_ARG, "the offered key of %s is %s, not %s", agent_id, k->state,
                           need);
    if (rc == AZK_OK && k->alarm[0] == '\0')
        rc = azk_error_set(AZK_ERR_ARG, "the witness of %s raises no alarm", agent_id);
    return rc;
}

azk_status azk_store__witness_key_request(azk_home *h, const char *agent_id, const char *vkey,
                                          const char *user, const char *reason, int64_t now,
                                          const struct azk_store_event *ev)
{
    struct azk_store_witness_key k;
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && agent_id != NULL && vkey != NULL && user != NULL &&
                   reason != NULL && ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = offer_in(h, agent_id, "offered", &k);
    if (rc == AZK_OK && strcmp(k.vkey, vkey) != 0)
        rc = azk_error_set(AZK_ERR_ARG, "the host now offers another key than the one named");
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st,
                            "UPDATE agent_witness_keys SET state = 'requested', reason = ?,"
                            " requested_by = ?, requested_at = ? WHERE agent_id = ?"
                            " AND state = 'offered'",
                            "request witness key");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, reason);
        azk_db_bind_text(st, 2, user);
        azk_db_bind_int64(st, 3, now);
        azk_db_bind_text(st, 4, agent_id);
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__witness_key_approve(azk_home *h, const char *agent_id, const char *user,
                                          const char *empty_root, int64_t now,
                                          const struct azk_store_event *ev)
{
    struct azk_store_witness_key k;
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && agent_id != NULL && user != NULL && empty_root != NULL &&
                   ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = offer_in(h, agent_id, "requested", &k);
    if (rc == AZK_OK && strcmp(k.requested_by, user) == 0)
        rc = azk_error_set(AZK_ERR_PERM, "the requester cannot approve (two-person rule)");
    /* the key is pinned; the next checkpoint starts its history; the old ones stay */
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st,
                            "UPDATE agent_witness SET vkey = ?, size = 0, root = ?, alarm = NULL,"
                            " updated_at = ? WHERE agent_id = ?",
                            "accept witness key");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, k.vkey);
        azk_db_bind_text(st, 2, empty_root);
        azk_db_bind_int64(st, 3, now);
        azk_db_bind_text(st, 4, agent_id);
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st,
                            "UPDATE agent_witness_keys SET state = 'accepted', approved_by = ?,"
                            " approved_at = ? WHERE agent_id = ? AND state = 'requested'",
                            "approve witness key");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, user);
        azk_db_bind_int64(st, 2, now);
        azk_db_bind_text(st, 3, agent_id);
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}
