/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/agents_read.c -- reads of the agents' cases, certificates and
 * witness for azukari serve (store/agents_read.h, store/agents.h): the
 * cases (a page of them, or one with its whole row), a certificate's
 * expiry, a host's checkpoints. Writes are in store/agents.c and
 * store/agents_cases.c.
 */
#include "store/agents_read.h"

#include <string.h>

/* A case with its object and host: the columns case_row reads, in its order. */
#define CASE_SELECT                                                                                \
    "SELECT c.id, c.agent_id, a.host, o.path, c.state, c.requested_by, c.reason,"                  \
    " c.approved_by, c.outcome, o.edm, c.records, c.opened_at, COALESCE(c.requested_at, 0),"       \
    " COALESCE(c.approved_at, 0), COALESCE(c.done_at, 0), o.size, o.mtime,"                        \
    " COALESCE(c.action, 'quarantine')"                                                            \
    " FROM agent_cases c JOIN agent_objects o ON o.batch_id = c.batch_id AND o.seq = c.seq"        \
    " JOIN agents a ON a.id = c.agent_id"

static void case_row(azk_db_stmt *st, struct azk_store_agent_case *c)
{
    memset(c, 0, sizeof(*c));
    c->id = azk_db_col_text(st, 0);
    c->agent_id = azk_db_col_text(st, 1);
    c->host = azk_db_col_text(st, 2);
    c->path = azk_db_col_text(st, 3);
    c->state = azk_db_col_text(st, 4);
    c->requested_by = azk_db_col_text(st, 5);
    c->reason = azk_db_col_text(st, 6);
    c->approved_by = azk_db_col_text(st, 7);
    c->outcome = azk_db_col_text(st, 8);
    c->edm = azk_db_col_text(st, 9);
    c->records = azk_db_col_int64(st, 10);
    c->opened_at = azk_db_col_int64(st, 11);
    c->requested_at = azk_db_col_int64(st, 12);
    c->approved_at = azk_db_col_int64(st, 13);
    c->done_at = azk_db_col_int64(st, 14);
    c->size = azk_db_col_int64(st, 15);
    c->mtime = azk_db_col_int64(st, 16);
    c->action = azk_db_col_text(st, 17);
}

azk_status azk_store__agent_case_get(azk_home *h, const char *id, azk_store_case_cb cb,
                                     void *payload, bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && id != NULL && cb != NULL && found != NULL);
    *found = false;
    rc = azk_db_prepare(h->cat, &st, CASE_SELECT " WHERE c.id = ?", "read agent case");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, id);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        struct azk_store_agent_case c;
        case_row(st, &c);
        *found = true;
        rc = cb(&c, payload);
    } else if (s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__agent_cases_each(azk_home *h, const char *after, size_t limit,
                                       const char *agent_id, azk_store_case_cb cb, void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s = AZK_DB_DONE;
    AZK_ASSERT_ARG(h != NULL && after != NULL && cb != NULL);
    rc = azk_db_prepare(
        h->cat, &st,
        CASE_SELECT
        " WHERE c.id > ?"
        " AND (? = '' OR (c.agent_id = ? AND c.state = 'approved')) ORDER BY c.id LIMIT ?",
        "list agent cases");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, after);
    azk_db_bind_text(st, 2, agent_id != NULL ? agent_id : "");
    azk_db_bind_text(st, 3, agent_id != NULL ? agent_id : "");
    azk_db_bind_int64(st, 4, (int64_t)limit);
    while (rc == AZK_OK && (s = azk_db_step(st)) == AZK_DB_ROW) {
        struct azk_store_agent_case c;
        case_row(st, &c);
        rc = cb(&c, payload);
    }
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__agent_cert_expiry(azk_home *h, const char *agent_id, int64_t *not_after)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && agent_id != NULL && not_after != NULL);
    *not_after = 0;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT COALESCE(MAX(not_after), 0) FROM agent_certs"
                        " WHERE agent_id = ? AND revoked_at IS NULL",
                        "read certificate expiry");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, agent_id);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW)
        *not_after = azk_db_col_int64(st, 0);
    else
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__witness_checkpoints_each(azk_home *h, const char *agent_id, size_t limit,
                                               azk_store_checkpoint_cb cb, void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s = AZK_DB_DONE;
    AZK_ASSERT_ARG(h != NULL && agent_id != NULL && cb != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT size, root, received_at, consistent FROM agent_checkpoints"
                        " WHERE agent_id = ? ORDER BY received_at DESC, size DESC LIMIT ?",
                        "list checkpoints");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, agent_id);
    azk_db_bind_int64(st, 2, (int64_t)limit);
    while (rc == AZK_OK && (s = azk_db_step(st)) == AZK_DB_ROW) {
        struct azk_store_checkpoint c;
        c.size = azk_db_col_int64(st, 0);
        c.root = azk_db_col_text(st, 1);
        c.received_at = azk_db_col_int64(st, 2);
        c.consistent = azk_db_col_int64(st, 3) != 0;
        rc = cb(&c, payload);
    }
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__agents_summary(azk_home *h, int64_t *open_cases, int64_t *alarms)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && open_cases != NULL && alarms != NULL);
    *open_cases = 0;
    *alarms = 0;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT (SELECT count(*) FROM agent_cases"
                        " WHERE state IN ('open', 'requested', 'approved')),"
                        " (SELECT count(*) FROM agent_witness WHERE alarm IS NOT NULL)",
                        "count agent cases and alarms");
    if (rc != AZK_OK)
        return rc;
    if (azk_db_step(st) == AZK_DB_ROW) {
        *open_cases = azk_db_col_int64(st, 0);
        *alarms = azk_db_col_int64(st, 1);
    } else
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}
