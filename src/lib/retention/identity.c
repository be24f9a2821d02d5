/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/identity.c -- people: users enrolled with a TOTP secret (RFC 6238
 * via liboath, 30 s steps, one step of drift; the secret sealed with the
 * master key), authentication on a handle, and the two-person rule that
 * every approval of the library goes through (identity.h).
 *
 * Enrolment is itself a two-person act once the deployment has its first
 * two users (enrolled by whoever installs it, recorded as "bootstrap"): a
 * new user is enrolled by an authenticated user and stays pending, unable
 * to authenticate, until a different authenticated user approves it. So
 * one person cannot give themselves a second identity to approve with.
 *
 * A code is good once: the time step it was accepted for is recorded per
 * user (table totp_used) and a second use of the same step is refused, as
 * RFC 6238 section 5.2 asks. Steps older than the drift window are pruned.
 * Guessing is limited: after 5 wrong codes for a user within 15 minutes
 * every attempt is refused until the oldest ages out (table auth_failures).
 */
#include "retention/identity.h"
#include "retention/ret_int.h"

#include <liboath/oath.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOTP_SECRET_LEN 20
#define TOTP_STEP       30

/* The first users of a deployment are enrolled without a second person
 * (there is none yet); every later one needs two. */
#define BOOTSTRAP_USERS 2

static azk_status active_users(azk_home *h, int64_t *n)
{
    sqlite3_stmt *st = NULL;
    azk_status rc = azk_store__prepare(
        h, &st, "SELECT count(*) FROM users WHERE state IS NULL OR state = 'active'");
    *n = 0;
    if (rc != AZK_OK)
        return rc;
    if (sqlite3_step(st) == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    else
        rc = azk_store__dberr(h->db, "count users");
    sqlite3_finalize(st);
    return rc;
}

azk_status azk_user_add(azk_home *h, const char *name, char out_b32[64])
{
    azk_status rc = AZK_OK;
    sqlite3_stmt *st = NULL;
    uint8_t secret[TOTP_SECRET_LEN];
    uint8_t nonce[crypto_secretbox_NONCEBYTES];
    uint8_t sealed[TOTP_SECRET_LEN + crypto_secretbox_MACBYTES];
    char now[32];
    char *b32 = NULL;
    size_t b32_len = 0;
    int step;

    int64_t active = 0;
    const char *by = NULL;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && name != NULL && out_b32 != NULL);
    if (!azk_store__valid_id(name))
        return azk_error_set(AZK_ERR_ARG, "user name must be 1-64 of [A-Za-z0-9._-]");
    rc = azk_ret__schema(h);
    if (rc != AZK_OK)
        return rc;
    rc = active_users(h, &active);
    if (rc != AZK_OK)
        return rc;
    if (active >= BOOTSTRAP_USERS) {
        /* after the bootstrap: enrolled by a person, approved by another */
        rc = azk_identity__requester(h, "user.add", name, &by);
        if (rc != AZK_OK && rc != AZK_ERR_PERM)
            return rc;
        if (rc != AZK_OK)
            return azk_error_set(AZK_ERR_PERM,
                                 "enrolling a user needs an enrolled user authenticated with "
                                 "TOTP (--user NAME --totp CODE); a second one approves it");
    }
    randombytes_buf(secret, sizeof(secret));
    randombytes_buf(nonce, sizeof(nonce));
    crypto_secretbox_easy(sealed, secret, sizeof(secret), nonce, h->key);
    if (oath_init() != OATH_OK ||
        oath_base32_encode((const char *)secret, sizeof(secret), &b32, &b32_len) != OATH_OK ||
        b32_len >= 64) {
        rc = azk_error_set(AZK_ERR_CRYPTO, "base32 encoding of the TOTP secret failed");
        goto done;
    }
    azk_store__now(now);
    rc = azk_store__begin(h);
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__prepare(h, &st,
                            "INSERT INTO users(name,nonce,secret,created_at,created_by,state)"
                            " VALUES(?,?,?,?,?,?)");
    if (rc != AZK_OK)
        goto rollback;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_blob(st, 2, nonce, sizeof(nonce), SQLITE_STATIC);
    sqlite3_bind_blob(st, 3, sealed, sizeof(sealed), SQLITE_STATIC);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, by != NULL ? by : azk_store__actor(h), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, by != NULL ? "pending" : "active", -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_CONSTRAINT) {
        rc = azk_error_set(AZK_ERR_ARG, "user %s already exists", name);
        goto rollback;
    }
    if (step != SQLITE_DONE) {
        rc = azk_store__dberr(h->db, "add user");
        goto rollback;
    }
    rc = azk_ret__audit(h, "user.add", name, NULL, NULL,
                        by != NULL ? "{\"state\":\"pending\"}" : "{\"bootstrap\":true}", NULL);
    if (rc != AZK_OK)
        goto rollback;
    rc = azk_store__commit(h);
    if (rc != AZK_OK)
        goto rollback;
    memcpy(out_b32, b32, b32_len);
    out_b32[b32_len] = '\0';
    goto done;
rollback:
    azk_store__rollback(h);
done:
    sqlite3_finalize(st);
    sodium_memzero(secret, sizeof(secret));
    if (b32 != NULL) {
        sodium_memzero(b32, b32_len);
        free(b32); /* allocated by liboath; checksrc: ok */
    }
    return rc;
}

static azk_status auth_fail(azk_home *h, const char *name, const char *why)
{
    azk_status rc;
    char extra[160];
    (void)snprintf(extra, sizeof(extra), "{\"why\":\"%s\"}", why);
    rc = azk_ret__audit(h, "auth.fail", name, "fail", NULL, extra, NULL);
    if (rc != AZK_OK)
        return rc;
    return azk_error_set(AZK_ERR_PERM, "authentication failed for user %s (%s)", name, why);
}

/* Record that `name` used the code of time step `step`; *fresh = false when
 * that step was used before (a replayed code). */
static azk_status consume_step(azk_home *h, const char *name, int64_t step, bool *fresh)
{
    sqlite3_stmt *st = NULL;
    azk_status rc;
    int s;
    *fresh = false;
    rc = azk_store__prepare(h, &st, "DELETE FROM totp_used WHERE name = ?1 AND step < ?2");
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)(step - 2));
    s = sqlite3_step(st);
    sqlite3_finalize(st);
    if (s != SQLITE_DONE)
        return azk_store__dberr(h->db, "prune used TOTP steps");
    rc = azk_store__prepare(h, &st, "INSERT OR IGNORE INTO totp_used(name, step) VALUES(?1, ?2)");
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)step);
    s = sqlite3_step(st);
    if (s == SQLITE_DONE)
        *fresh = sqlite3_changes(h->db) == 1;
    sqlite3_finalize(st);
    return s == SQLITE_DONE ? AZK_OK : azk_store__dberr(h->db, "record used TOTP step");
}

/* Wrong codes per user in the last AUTH_WINDOW seconds; at AUTH_MAX_FAILS
 * further attempts are refused without looking at the code. */
#define AUTH_MAX_FAILS 5
#define AUTH_WINDOW    900

static azk_status recent_failures(azk_home *h, const char *name, int64_t now, int64_t *n)
{
    sqlite3_stmt *st = NULL;
    azk_status rc = azk_store__prepare(
        h, &st, "SELECT count(*) FROM auth_failures WHERE name = ?1 AND at > ?2");
    *n = 0;
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)(now - AUTH_WINDOW));
    if (sqlite3_step(st) == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    else
        rc = azk_store__dberr(h->db, "count failed attempts");
    sqlite3_finalize(st);
    return rc;
}

static azk_status note_failure(azk_home *h, const char *name, int64_t now)
{
    sqlite3_stmt *st = NULL;
    azk_status rc =
        azk_store__prepare(h, &st, "INSERT INTO auth_failures(name, at) VALUES(?1, ?2)");
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, (sqlite3_int64)now);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = azk_store__dberr(h->db, "record failed attempt");
    sqlite3_finalize(st);
    if (rc == AZK_OK)
        rc = azk_store__prepare(h, &st, "DELETE FROM auth_failures WHERE at < ?1");
    if (rc == AZK_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)(now - AUTH_WINDOW));
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = azk_store__dberr(h->db, "prune failed attempts");
        sqlite3_finalize(st);
    }
    return rc;
}

azk_status azk_user_auth(azk_home *h, const char *name, const char *code)
{
    azk_status rc = AZK_OK;
    sqlite3_stmt *st = NULL;
    uint8_t secret[TOTP_SECRET_LEN];
    int step, v, pos = 0;
    int64_t fails = 0;
    bool have = false, fresh = false, pending = false;
    time_t now;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && name != NULL);
    h->auth_user[0] = '\0'; /* a failed attempt leaves nobody authenticated */
    rc = azk_ret__schema(h);
    if (rc != AZK_OK)
        return rc;
    if (!azk_store__valid_id(name)) {
        /* not echoed into the ledger or the message: it may be anything typed */
        rc = azk_ret__audit(h, "auth.fail", NULL, "fail", NULL, "{\"why\":\"not a user name\"}",
                            NULL);
        return rc != AZK_OK
                   ? rc
                   : azk_error_set(AZK_ERR_PERM, "authentication failed (not a user name)");
    }
    rc = azk_store__prepare(h, &st,
                            "SELECT nonce, secret, coalesce(state, 'active') FROM users"
                            " WHERE name = ?1");
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_bytes(st, 0) == crypto_secretbox_NONCEBYTES &&
        sqlite3_column_bytes(st, 1) == TOTP_SECRET_LEN + crypto_secretbox_MACBYTES) {
        have = crypto_secretbox_open_easy(secret, sqlite3_column_blob(st, 1),
                                          TOTP_SECRET_LEN + crypto_secretbox_MACBYTES,
                                          sqlite3_column_blob(st, 0), h->key) == 0;
        pending = strcmp((const char *)sqlite3_column_text(st, 2), "active") != 0;
    } else if (step != SQLITE_ROW && step != SQLITE_DONE) {
        rc = azk_store__dberr(h->db, "read user");
        goto done;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (!have) {
        rc = auth_fail(h, name, "unknown user");
        goto done;
    }
    if (pending) {
        rc = auth_fail(h, name, "enrolment not yet approved by a second person");
        goto done;
    }
    if (code == NULL || strlen(code) != 6 || strspn(code, "0123456789") != 6) {
        rc = auth_fail(h, name, "no 6-digit TOTP code");
        goto done;
    }
    if (oath_init() != OATH_OK) {
        rc = azk_error_set(AZK_ERR_CRYPTO, "liboath initialisation failed");
        goto done;
    }
    now = time(NULL);
    rc = recent_failures(h, name, (int64_t)now, &fails);
    if (rc != AZK_OK)
        goto done;
    if (fails >= AUTH_MAX_FAILS) {
        /* a 6-digit code is guessable by volume: no more guesses for a while */
        rc = auth_fail(h, name, "too many wrong codes; wait 15 minutes");
        goto done;
    }
    v = oath_totp_validate2((const char *)secret, sizeof(secret), now, TOTP_STEP, 0, 1, &pos, code);
    if (v < 0) {
        rc = note_failure(h, name, (int64_t)now);
        if (rc == AZK_OK)
            rc = auth_fail(h, name, "wrong TOTP code");
        goto done;
    }
    rc = consume_step(h, name, (int64_t)now / TOTP_STEP + pos, &fresh);
    if (rc != AZK_OK)
        goto done;
    if (!fresh) {
        rc = auth_fail(h, name, "TOTP code already used; wait for the next one");
        goto done;
    }
    rc = azk_home_set_actor(h, name);
    if (rc != AZK_OK)
        goto done;
    (void)snprintf(h->auth_user, sizeof(h->auth_user), "%s", name);
    rc = azk_store__prepare(h, &st, "DELETE FROM auth_failures WHERE name = ?1");
    if (rc == AZK_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = azk_store__dberr(h->db, "clear failed attempts");
    }
    if (rc != AZK_OK)
        h->auth_user[0] = '\0';
done:
    sqlite3_finalize(st);
    sodium_memzero(secret, sizeof(secret));
    return rc;
}

azk_status azk_user_approve(azk_home *h, const char *name)
{
    azk_status rc;
    sqlite3_stmt *st = NULL;
    char by[80] = "", extra[160];
    const char *me = NULL;
    int step;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && name != NULL);
    rc = azk_ret__schema(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__prepare(h, &st,
                            "SELECT created_by FROM users WHERE name = ?1 AND state = 'pending'");
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        (void)snprintf(by, sizeof(by), "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    st = NULL;
    if (step == SQLITE_DONE)
        return azk_error_set(AZK_ERR_NOTFOUND, "no pending enrolment of user %s", name);
    if (step != SQLITE_ROW)
        return azk_store__dberr(h->db, "read user");
    rc = azk_identity__approver(h, "user.approve", name, by, name, &me);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__prepare(h, &st,
                            "UPDATE users SET state = 'active', approved_by = ?2"
                            " WHERE name = ?1 AND state = 'pending'");
    if (rc == AZK_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, me, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = azk_store__dberr(h->db, "approve user");
        sqlite3_finalize(st);
    }
    (void)snprintf(extra, sizeof(extra), "{\"enrolled_by\":\"%s\"}", by);
    if (rc == AZK_OK)
        rc = azk_ret__audit(h, "user.approve", name, NULL, NULL, extra, NULL);
    if (rc == AZK_OK)
        rc = azk_store__commit(h);
    if (rc != AZK_OK)
        azk_store__rollback(h);
    return rc;
}

/* ---- the two-person rule ---------------------------------------------------------- */

const char *azk_identity__user(const azk_home *h)
{
    if (h == NULL || h->auth_user[0] == '\0')
        return NULL;
    /* the actor was changed after authentication: nobody is authenticated */
    if (strcmp(azk_store__actor(h), h->auth_user) != 0)
        return NULL;
    return h->auth_user;
}

static azk_status refuse(azk_home *h, const char *action, const char *object, const char *why,
                         const char *msg)
{
    azk_status rc = azk_ret__audit(h, action, object, "refused", why, NULL, NULL);
    if (rc != AZK_OK)
        return rc;
    return azk_error_set(AZK_ERR_PERM, "%s", msg);
}

azk_status azk_identity__requester(azk_home *h, const char *action, const char *object,
                                   const char **out)
{
    const char *me;
    AZK_ASSERT_ARG(h != NULL && action != NULL && out != NULL);
    *out = NULL;
    me = azk_identity__user(h);
    if (me == NULL)
        return refuse(h, action, object, "requester not authenticated (two-person rule)",
                      "a request needs an enrolled user authenticated with TOTP "
                      "(--user NAME --totp CODE)");
    *out = me;
    return AZK_OK;
}

azk_status azk_identity__approver(azk_home *h, const char *action, const char *object,
                                  const char *requester, const char *operator_, const char **out)
{
    const char *me;
    char msg[256];
    AZK_ASSERT_ARG(h != NULL && action != NULL && out != NULL);
    *out = NULL;
    me = azk_identity__user(h);
    if (me == NULL)
        return refuse(h, action, object, "approver not authenticated (two-person rule)",
                      "an approval needs an enrolled user authenticated with TOTP "
                      "(--user NAME --totp CODE), a different person from the requester");
    if (requester != NULL && strcmp(me, requester) == 0) {
        (void)snprintf(msg, sizeof(msg),
                       "%s made the request: a different person must approve it (two-person "
                       "rule)",
                       me);
        return refuse(h, action, object, "approver is the requester (two-person rule)", msg);
    }
    if (operator_ != NULL && strcmp(me, operator_) == 0) {
        (void)snprintf(msg, sizeof(msg),
                       "%s carried out the act: a different person must verify it (two-person "
                       "rule)",
                       me);
        return refuse(h, action, object, "approver is the operator (two-person rule)", msg);
    }
    *out = me;
    return AZK_OK;
}
