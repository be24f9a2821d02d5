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
#include "retention/training.h"
#include "store/users.h"

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

/* Enrol `name`; link_by: the person who made the enrolment link it comes through (NULL for
 * azk_user_add). */
static azk_status user_add(azk_home *h, const char *name, const char *link_by, char out_b32[64])
{
    azk_status rc = AZK_OK;
    struct azk_store_event ev = {0};
    uint8_t secret[TOTP_SECRET_LEN];
    uint8_t nonce[crypto_secretbox_NONCEBYTES];
    uint8_t sealed[TOTP_SECRET_LEN + crypto_secretbox_MACBYTES];
    char *b32 = NULL;
    size_t b32_len = 0;

    int64_t active = 0;
    const char *by = NULL;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && name != NULL && out_b32 != NULL);
    if (!azk_store__valid_id(name))
        return azk_error_set(AZK_ERR_ARG, "user name must be 1-64 of [A-Za-z0-9._-]");
    rc = azk_store__users_active(h, &active);
    if (rc != AZK_OK)
        return rc;
    if (active >= BOOTSTRAP_USERS && link_by != NULL) {
        /* through a link made by an authenticated person: pending, a second person approves */
        by = link_by;
    } else if (active >= BOOTSTRAP_USERS) {
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
    ev.action = "user.add";
    ev.object = name;
    ev.extra_json = by != NULL ? "{\"state\":\"pending\"}" : "{\"bootstrap\":true}";
    rc = azk_store__user_insert(h, name, nonce, sizeof(nonce), sealed, sizeof(sealed),
                                by != NULL ? by : azk_store__actor(h),
                                by != NULL ? "pending" : "active", by != NULL ? 0 : BOOTSTRAP_USERS,
                                &ev);
    if (rc != AZK_OK)
        goto done;
    memcpy(out_b32, b32, b32_len);
    out_b32[b32_len] = '\0';
done:
    sodium_memzero(secret, sizeof(secret));
    if (b32 != NULL) {
        sodium_memzero(b32, b32_len);
        free(b32); /* allocated by liboath; checksrc: ok */
    }
    return rc;
}

azk_status azk_user_add(azk_home *h, const char *name, char out_b32[64])
{
    return user_add(h, name, NULL, out_b32);
}

azk_status azk_identity__enrol_by_link(azk_home *h, const char *name, const char *link_by,
                                       char out_b32[64])
{
    AZK_ASSERT_ARG(link_by != NULL && link_by[0] != '\0');
    return user_add(h, name, link_by, out_b32);
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

/* Wrong codes per user in the last AUTH_WINDOW seconds; at AUTH_MAX_FAILS
 * further attempts are refused without looking at the code. */
#define AUTH_MAX_FAILS 5
#define AUTH_WINDOW    900

azk_status azk_user_auth(azk_home *h, const char *name, const char *code)
{
    azk_status rc = AZK_OK;
    struct azk_store_user u;
    uint8_t secret[TOTP_SECRET_LEN];
    int v, pos = 0;
    int64_t fails = 0;
    bool have = false, fresh = false, pending = false;
    time_t now;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && name != NULL);
    h->auth_user[0] = '\0'; /* a failed attempt leaves nobody authenticated */
    if (!azk_store__valid_id(name)) {
        /* not echoed into the ledger or the message: it may be anything typed */
        rc = azk_ret__audit(h, "auth.fail", NULL, "fail", NULL, "{\"why\":\"not a user name\"}",
                            NULL);
        return rc != AZK_OK
                   ? rc
                   : azk_error_set(AZK_ERR_PERM, "authentication failed (not a user name)");
    }
    rc = azk_store__user_get(h, name, &u, &have);
    if (rc != AZK_OK)
        goto done;
    if (have && u.nonce_len == crypto_secretbox_NONCEBYTES &&
        u.sealed_len == TOTP_SECRET_LEN + crypto_secretbox_MACBYTES) {
        have = crypto_secretbox_open_easy(secret, u.sealed, u.sealed_len, u.nonce, h->key) == 0;
        pending = strcmp(u.state, "active") != 0;
    } else {
        have = false;
    }
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
    rc = azk_store__auth_failures(h, name, (int64_t)now - AUTH_WINDOW, &fails);
    if (rc != AZK_OK)
        goto done;
    if (fails >= AUTH_MAX_FAILS) {
        /* a 6-digit code is guessable by volume: no more guesses for a while */
        rc = auth_fail(h, name, "too many wrong codes; wait 15 minutes");
        goto done;
    }
    v = oath_totp_validate2((const char *)secret, sizeof(secret), now, TOTP_STEP, 0, 1, &pos, code);
    if (v < 0) {
        rc = azk_store__auth_failure_note(h, name, (int64_t)now, (int64_t)now - AUTH_WINDOW);
        if (rc == AZK_OK)
            rc = auth_fail(h, name, "wrong TOTP code");
        goto done;
    }
    rc = azk_store__totp_use(h, name, (int64_t)now / TOTP_STEP + pos, &fresh);
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
    rc = azk_store__auth_failures_clear(h, name);
    if (rc != AZK_OK)
        h->auth_user[0] = '\0';
done:
    sodium_memzero(secret, sizeof(secret));
    sodium_memzero(&u, sizeof(u));
    return rc;
}

azk_status azk_user_approve(azk_home *h, const char *name)
{
    azk_status rc;
    struct azk_store_user u;
    struct azk_store_event ev = {0};
    char extra[160];
    const char *me = NULL;
    bool found = false;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && name != NULL);
    rc = azk_store__user_get(h, name, &u, &found);
    sodium_memzero(u.sealed, sizeof(u.sealed));
    if (rc != AZK_OK)
        return rc;
    if (!found || strcmp(u.state, "pending") != 0)
        return azk_error_set(AZK_ERR_NOTFOUND, "no pending enrolment of user %s", name);
    rc = azk_identity__approver(h, "user.approve", name, u.created_by, name, &me);
    if (rc != AZK_OK)
        return rc;
    (void)snprintf(extra, sizeof(extra), "{\"enrolled_by\":\"%s\"}", u.created_by);
    ev.action = "user.approve";
    ev.object = name;
    ev.extra_json = extra;
    /* the store checks again, in its transaction, that the enrolment is still pending */
    return azk_store__user_approve(h, name, me, &ev);
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
    {
        /* training (教育): an approver whose required training lapsed is refused */
        const char *keys[3] = {"approve", action, "guard.release"};
        azk_status rc = azk_training__gate(
            h, me, keys, strcmp(action, "guard.approve") == 0 ? 3 : 2, action, object);
        if (rc != AZK_OK)
            return rc;
    }
    *out = me;
    return AZK_OK;
}
