/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/users.c -- the catalog's people (store/users.h): tables users,
 * totp_used and auth_failures, in the SQL common to SQLite and PostgreSQL
 * (store/db.h).
 */
#include "store/users.h"

#include <stdio.h>
#include <string.h>

static azk_status count1(azk_home *h, const char *what, const char *sql, const char *name,
                         int64_t since, bool with_since, int64_t *out)
{
    azk_db_stmt *st = NULL;
    azk_status rc = azk_db_prepare(h->cat, &st, sql, what);
    int s;
    *out = 0;
    if (rc != AZK_OK)
        return rc;
    if (name != NULL)
        azk_db_bind_text(st, 1, name);
    if (with_since)
        azk_db_bind_int64(st, 2, since);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW)
        *out = azk_db_col_int64(st, 0);
    else
        rc = AZK_ERR_DB; /* error set by the step */
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__users_active(azk_home *h, int64_t *out)
{
    AZK_ASSERT_ARG(h != NULL && out != NULL);
    return count1(h, "count users",
                  "SELECT count(*) FROM users WHERE state IS NULL OR state = 'active'", NULL, 0,
                  false, out);
}

azk_status azk_store__user_insert(azk_home *h, const char *name, const uint8_t *nonce,
                                  size_t nonce_len, const uint8_t *sealed, size_t sealed_len,
                                  const char *created_by, const char *state, int64_t bootstrap_max,
                                  const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    char now[32];
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && name != NULL && nonce != NULL && sealed != NULL &&
                   created_by != NULL && state != NULL && ev != NULL);
    azk_store__now(now);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    if (bootstrap_max > 0) {
        int64_t active = 0;
        rc = azk_store__users_active(h, &active);
        if (rc == AZK_OK && active >= bootstrap_max)
            rc = azk_error_set(AZK_ERR_PERM,
                               "enrolling a user needs an enrolled user authenticated with "
                               "TOTP (--user NAME --totp CODE); a second one approves it");
        if (rc != AZK_OK)
            return azk_store__tx_end(h, rc);
    }
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO users(name,nonce,secret,created_at,created_by,state)"
                        " VALUES(?,?,?,?,?,?)",
                        "add user");
    if (rc != AZK_OK)
        return azk_store__tx_end(h, rc);
    azk_db_bind_text(st, 1, name);
    azk_db_bind_blob(st, 2, nonce, nonce_len);
    azk_db_bind_blob(st, 3, sealed, sealed_len);
    azk_db_bind_text(st, 4, now);
    azk_db_bind_text(st, 5, created_by);
    azk_db_bind_text(st, 6, state);
    s = azk_db_step(st);
    azk_db_finalize(st);
    if (s == AZK_DB_CONSTRAINT)
        rc = azk_error_set(AZK_ERR_ARG, "user %s already exists", name);
    else if (s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__user_get(azk_home *h, const char *name, struct azk_store_user *out,
                               bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && name != NULL && out != NULL && found != NULL);
    memset(out, 0, sizeof(*out));
    *found = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT nonce, secret, COALESCE(state, 'active'), created_by FROM users"
                        " WHERE name = ?",
                        "read user");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, name);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        size_t nl = 0, sl = 0;
        const void *n = azk_db_col_blob(st, 0, &nl);
        const void *sec = azk_db_col_blob(st, 1, &sl);
        if (n != NULL && nl <= sizeof(out->nonce)) {
            memcpy(out->nonce, n, nl);
            out->nonce_len = nl;
        }
        if (sec != NULL && sl <= sizeof(out->sealed)) {
            memcpy(out->sealed, sec, sl);
            out->sealed_len = sl;
        }
        (void)snprintf(out->state, sizeof(out->state), "%s", azk_db_col_text(st, 2));
        (void)snprintf(out->created_by, sizeof(out->created_by), "%s",
                       azk_db_col_text(st, 3) != NULL ? azk_db_col_text(st, 3) : "");
        *found = true;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__user_approve(azk_home *h, const char *name, const char *approver,
                                   const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    char by[72] = "";
    int s;
    AZK_ASSERT_ARG(h != NULL && name != NULL && approver != NULL && ev != NULL);
    rc = azk_store__tx_prepare(
        h, &st, "SELECT created_by FROM users WHERE name = ? AND state = 'pending'", "read user");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, name);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW)
        (void)snprintf(by, sizeof(by), "%s", azk_db_col_text(st, 0));
    azk_db_finalize(st);
    if (s == AZK_DB_DONE)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no pending enrolment of user %s", name);
    else if (s != AZK_DB_ROW)
        rc = AZK_ERR_DB;
    else if (strcmp(by, approver) == 0 || strcmp(name, approver) == 0)
        rc = azk_error_set(AZK_ERR_PERM,
                           "%s cannot approve this enrolment: a different person "
                           "must (two-person rule)",
                           approver);
    if (rc == AZK_OK) {
        const char *t[] = {approver, name};
        int64_t n = 0;
        rc = azk_store__run_texts(h, "approve user",
                                  "UPDATE users SET state = 'active', approved_by = ?"
                                  " WHERE name = ? AND state = 'pending'",
                                  t, 2, &n);
        if (rc == AZK_OK && n != 1)
            rc = azk_error_set(AZK_ERR_NOTFOUND, "no pending enrolment of user %s", name);
    }
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__totp_use(azk_home *h, const char *name, int64_t step, bool *fresh)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && name != NULL && fresh != NULL);
    *fresh = false;
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(h->cat, &st, "DELETE FROM totp_used WHERE name = ? AND step < ?",
                        "prune used TOTP steps");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, name);
        azk_db_bind_int64(st, 2, step - 2);
        rc = azk_db_run(st);
        azk_db_finalize(st);
        st = NULL;
    }
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st,
                            "INSERT INTO totp_used(name, step) VALUES(?, ?)"
                            " ON CONFLICT (name, step) DO NOTHING",
                            "record used TOTP step");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, name);
        azk_db_bind_int64(st, 2, step);
        rc = azk_db_run(st);
        if (rc == AZK_OK)
            *fresh = azk_db_changes(st) == 1;
        azk_db_finalize(st);
    }
    rc = azk_store__tx_end(h, rc);
    if (rc != AZK_OK)
        *fresh = false;
    return rc;
}

azk_status azk_store__auth_failures(azk_home *h, const char *name, int64_t since, int64_t *out)
{
    AZK_ASSERT_ARG(h != NULL && name != NULL && out != NULL);
    return count1(h, "count failed attempts",
                  "SELECT count(*) FROM auth_failures WHERE name = ? AND at > ?", name, since, true,
                  out);
}

azk_status azk_store__auth_failure_note(azk_home *h, const char *name, int64_t at,
                                        int64_t prune_before)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && name != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(h->cat, &st, "INSERT INTO auth_failures(name, at) VALUES(?, ?)",
                        "record failed attempt");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, name);
        azk_db_bind_int64(st, 2, at);
        rc = azk_db_run(st);
        azk_db_finalize(st);
        st = NULL;
    }
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st, "DELETE FROM auth_failures WHERE at < ?",
                            "prune failed attempts");
    if (rc == AZK_OK) {
        azk_db_bind_int64(st, 1, prune_before);
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__auth_failures_clear(azk_home *h, const char *name)
{
    const char *t[] = {name};
    AZK_ASSERT_ARG(h != NULL && name != NULL);
    return azk_store__run_texts(h, "clear failed attempts",
                                "DELETE FROM auth_failures WHERE name = ?", t, 1, NULL);
}
