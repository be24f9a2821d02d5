/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/serve.c -- azukari serve's catalog tables (store/serve.h): the
 * password hash and role columns of users, user_grants, sessions and
 * enrol_tokens, in the SQL common to SQLite and PostgreSQL (store/db.h).
 */
#include "store/serve.h"

#include <stdio.h>
#include <string.h>

azk_status azk_store__login_get(azk_home *h, const char *name, struct azk_store_login *out,
                                bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && name != NULL && out != NULL && found != NULL);
    memset(out, 0, sizeof(*out));
    *found = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT pw_hash, role, COALESCE(state, 'active') FROM users WHERE name = ?",
                        "read login");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, name);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        azk_store__col_copy(st, 0, out->pw_hash, sizeof(out->pw_hash));
        azk_store__col_copy(st, 1, out->role, sizeof(out->role));
        azk_store__col_copy(st, 2, out->state, sizeof(out->state));
        *found = true;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__login_set(azk_home *h, const char *name, const char *pw_hash,
                                const char *role, const struct azk_store_event *ev)
{
    const char *t[] = {pw_hash, role, name};
    int64_t n = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && name != NULL && pw_hash != NULL && role != NULL && ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__run_texts(h, "set login",
                              "UPDATE users SET pw_hash = ?, role = ? WHERE name = ?", t, 3, &n);
    if (rc == AZK_OK && n != 1)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no user %s", name);
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__role_count(azk_home *h, const char *role, int64_t *out)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && role != NULL && out != NULL);
    *out = 0;
    rc = azk_db_prepare(h->cat, &st, "SELECT count(*) FROM users WHERE role = ?", "count roles");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, role);
    if (azk_db_step(st) == AZK_DB_ROW)
        *out = azk_db_col_int64(st, 0);
    else
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__grant_add(azk_home *h, const char *name, const char *client,
                                const struct azk_store_event *ev)
{
    const char *t[] = {name, client};
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && name != NULL && client != NULL && ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__run_texts(h, "add grant",
                              "INSERT INTO user_grants(name, client) VALUES(?, ?)"
                              " ON CONFLICT(name, client) DO NOTHING",
                              t, 2, NULL);
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__grants_each(azk_home *h, const char *name, azk_store_grant_cb cb,
                                  void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && name != NULL && cb != NULL);
    rc =
        azk_db_prepare(h->cat, &st, "SELECT client FROM user_grants WHERE name = ? ORDER BY client",
                       "read grants");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, name);
    while (rc == AZK_OK && (s = azk_db_step(st)) == AZK_DB_ROW)
        rc = cb(azk_db_col_text(st, 0), payload);
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__session_insert(azk_home *h, const char *id_hash, const char *name,
                                     const char *csrf, int64_t now,
                                     const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id_hash != NULL && name != NULL && csrf != NULL && ev != NULL);
    rc = azk_store__tx_prepare(h, &st,
                               "INSERT INTO sessions(id_hash, name, csrf, created_at, seen_at)"
                               " VALUES(?, ?, ?, ?, ?)",
                               "add session");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, id_hash);
    azk_db_bind_text(st, 2, name);
    azk_db_bind_text(st, 3, csrf);
    azk_db_bind_int64(st, 4, now);
    azk_db_bind_int64(st, 5, now);
    return azk_store__tx_write(h, st, ev, NULL);
}

azk_status azk_store__session_get(azk_home *h, const char *id_hash, struct azk_store_session *out,
                                  bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && id_hash != NULL && out != NULL && found != NULL);
    memset(out, 0, sizeof(*out));
    *found = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT name, csrf, created_at, seen_at FROM sessions WHERE id_hash = ?",
                        "read session");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, id_hash);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        azk_store__col_copy(st, 0, out->name, sizeof(out->name));
        azk_store__col_copy(st, 1, out->csrf, sizeof(out->csrf));
        out->created_at = azk_db_col_int64(st, 2);
        out->seen_at = azk_db_col_int64(st, 3);
        *found = true;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__session_touch(azk_home *h, const char *id_hash, int64_t now)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id_hash != NULL);
    rc = azk_db_prepare(h->cat, &st, "UPDATE sessions SET seen_at = ? WHERE id_hash = ?",
                        "touch session");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_int64(st, 1, now);
    azk_db_bind_text(st, 2, id_hash);
    rc = azk_db_run(st);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__session_delete(azk_home *h, const char *id_hash,
                                     const struct azk_store_event *ev)
{
    const char *t[] = {id_hash};
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id_hash != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__run_texts(h, "delete session", "DELETE FROM sessions WHERE id_hash = ?", t, 1,
                              NULL);
    if (rc == AZK_OK && ev != NULL)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__sessions_prune(azk_home *h, int64_t created_before, int64_t seen_before)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL);
    rc = azk_db_prepare(h->cat, &st, "DELETE FROM sessions WHERE created_at < ? OR seen_at < ?",
                        "prune sessions");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_int64(st, 1, created_before);
    azk_db_bind_int64(st, 2, seen_before);
    rc = azk_db_run(st);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__enrol_insert(azk_home *h, const char *token_hash, const char *role,
                                   int64_t expires_at)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && token_hash != NULL && role != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO enrol_tokens(token_hash, role, expires_at) VALUES(?, ?, ?)",
                        "add enrolment link");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, token_hash);
    azk_db_bind_text(st, 2, role);
    azk_db_bind_int64(st, 3, expires_at);
    rc = azk_db_run(st);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__enrol_peek(azk_home *h, const char *token_hash, int64_t now, char role[24],
                                 bool *usable)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && token_hash != NULL && role != NULL && usable != NULL);
    *usable = false;
    role[0] = '\0';
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT role FROM enrol_tokens WHERE token_hash = ? AND used_at IS NULL"
                        " AND expires_at > ?",
                        "read enrolment link");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, token_hash);
    azk_db_bind_int64(st, 2, now);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        azk_store__col_copy(st, 0, role, 24);
        *usable = true;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__enrol_take(azk_home *h, const char *token_hash, int64_t now, bool *taken)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && token_hash != NULL && taken != NULL);
    *taken = false;
    rc = azk_db_prepare(h->cat, &st,
                        "UPDATE enrol_tokens SET used_at = ? WHERE token_hash = ?"
                        " AND used_at IS NULL AND expires_at > ?",
                        "use enrolment link");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_int64(st, 1, now);
    azk_db_bind_text(st, 2, token_hash);
    azk_db_bind_int64(st, 3, now);
    rc = azk_db_run(st);
    if (rc == AZK_OK)
        *taken = azk_db_changes(st) == 1;
    azk_db_finalize(st);
    return rc;
}
