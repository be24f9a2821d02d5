/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/agents_cases.c -- the writes of the agents' cases (store/agents.h,
 * "cases"): a case found -> requested -> approved by a second person ->
 * done by the agent, each step in one transaction with its ledger event and
 * a row of the case's story (agent_case_steps), and the story read back.
 * The cases themselves are opened by the batch ingest (store/agents.c) and
 * listed by store/agents_read.c.
 */
#include "store/agents.h"

#include <stdio.h>
#include <string.h>

/* Append a step to a case's story (inside the caller's transaction). */
static azk_status case_step(azk_home *h, const char *id, int64_t at, const char *actor,
                            const char *step, const char *detail)
{
    azk_db_stmt *st = NULL;
    /* n: the next step number of the case (writers are serialised, store/db.h) */
    azk_status rc = azk_db_prepare(h->cat, &st,
                                   "INSERT INTO agent_case_steps(case_id, n, at, actor, step,"
                                   " detail) SELECT ?, COALESCE(MAX(n), 0) + 1, ?, ?, ?, ?"
                                   " FROM agent_case_steps WHERE case_id = ?",
                                   "add case step");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, id);
    azk_db_bind_int64(st, 2, at);
    azk_db_bind_text(st, 3, actor);
    azk_db_bind_text(st, 4, step);
    azk_db_bind_text(st, 5, detail);
    azk_db_bind_text(st, 6, id);
    rc = azk_db_run(st);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__agent_case_steps_each(azk_home *h, const char *id, azk_store_step_cb cb,
                                            void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s = AZK_DB_DONE;
    AZK_ASSERT_ARG(h != NULL && id != NULL && cb != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT at, actor, step, detail FROM agent_case_steps WHERE case_id = ?"
                        " ORDER BY n",
                        "read case steps");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, id);
    while (rc == AZK_OK && (s = azk_db_step(st)) == AZK_DB_ROW)
        rc = cb(azk_db_col_int64(st, 0), azk_db_col_text(st, 1), azk_db_col_text(st, 2),
                azk_db_col_text(st, 3), payload);
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

/* The state and requester of a case, inside the caller's transaction. */
static azk_status case_get(azk_home *h, const char *id, char state[24], char requester[72],
                           bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    *found = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT state, COALESCE(requested_by, '') FROM agent_cases WHERE id = ?",
                        "read agent case");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, id);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        azk_store__col_copy(st, 0, state, 24);
        azk_store__col_copy(st, 1, requester, 72);
        *found = true;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__agent_case_request(azk_home *h, const char *id, const char *user,
                                         const char *action, const char *reason, int64_t now,
                                         const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    char state[24], req[72];
    const char *need;
    bool found = false;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && user != NULL && action != NULL && reason != NULL &&
                   ev != NULL);
    if (strcmp(action, "quarantine") == 0)
        need = "open";
    else if (strcmp(action, "release") == 0 || strcmp(action, "destroy") == 0)
        need = "quarantined";
    else
        return azk_error_set(AZK_ERR_ARG, "action is quarantine, release or destroy");
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = case_get(h, id, state, req, &found);
    if (rc == AZK_OK && !found)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no case %s", id);
    if (rc == AZK_OK && strcmp(state, need) != 0)
        rc = azk_error_set(AZK_ERR_ARG, "case %s is %s; %s needs %s", id, state, action, need);
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st,
                            "UPDATE agent_cases SET state = 'requested', action = ?,"
                            " requested_by = ?, requested_at = ?, reason = ?, approved_by = NULL,"
                            " approved_at = NULL WHERE id = ? AND state = ?",
                            "request case action");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, action);
        azk_db_bind_text(st, 2, user);
        azk_db_bind_int64(st, 3, now);
        azk_db_bind_text(st, 4, reason);
        azk_db_bind_text(st, 5, id);
        azk_db_bind_text(st, 6, need);
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK) {
        char step[48];
        (void)snprintf(step, sizeof(step), "%s requested", action);
        rc = case_step(h, id, now, user, step, reason);
    }
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__agent_case_approve(azk_home *h, const char *id, const char *user, int64_t now,
                                         const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    char state[24], req[72];
    bool found = false;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && user != NULL && ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = case_get(h, id, state, req, &found);
    if (rc == AZK_OK && !found)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no case %s", id);
    if (rc == AZK_OK && strcmp(state, "requested") != 0)
        rc = azk_error_set(AZK_ERR_ARG, "case %s is %s, not requested", id, state);
    if (rc == AZK_OK && strcmp(req, user) == 0)
        rc = azk_error_set(AZK_ERR_PERM, "the requester cannot approve (two-person rule)");
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st,
                            "UPDATE agent_cases SET state = 'approved', approved_by = ?,"
                            " approved_at = ? WHERE id = ? AND state = 'requested'",
                            "approve case action");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, user);
        azk_db_bind_int64(st, 2, now);
        azk_db_bind_text(st, 3, id);
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        rc = case_step(h, id, now, user, "approved", NULL);
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__agent_case_done(azk_home *h, const char *id, const char *agent_id,
                                      const char *outcome, int64_t now,
                                      const struct azk_store_event *ev, bool *changed)
{
    azk_db_stmt *st = NULL;
    char actor[96];
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && agent_id != NULL && outcome != NULL && ev != NULL);
    *changed = false;
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    /* done: quarantined / released / destroyed; failed: back where the action started */
    rc = azk_db_prepare(h->cat, &st,
                        "UPDATE agent_cases SET state = CASE WHEN ? = 'done' THEN"
                        " (CASE COALESCE(action, 'quarantine') WHEN 'quarantine' THEN 'quarantined'"
                        " WHEN 'release' THEN 'released' ELSE 'destroyed' END)"
                        " ELSE (CASE COALESCE(action, 'quarantine') WHEN 'quarantine' THEN 'open'"
                        " ELSE 'quarantined' END) END, outcome = ?, done_at = ?"
                        " WHERE id = ? AND agent_id = ? AND state = 'approved'",
                        "close case action");
    if (rc == AZK_OK) {
        bool ok = strcmp(outcome, "quarantined") == 0 || strcmp(outcome, "released") == 0 ||
                  strcmp(outcome, "destroyed") == 0;
        azk_db_bind_text(st, 1, ok ? "done" : "failed");
        azk_db_bind_text(st, 2, outcome);
        azk_db_bind_int64(st, 3, now);
        azk_db_bind_text(st, 4, id);
        azk_db_bind_text(st, 5, agent_id);
        rc = azk_db_run(st);
        if (rc == AZK_OK)
            *changed = azk_db_changes(st) == 1;
        azk_db_finalize(st);
    }
    (void)snprintf(actor, sizeof(actor), "agent:%s", agent_id);
    if (rc == AZK_OK && *changed)
        rc = case_step(h, id, now, actor, outcome, NULL);
    if (rc == AZK_OK && *changed)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}
