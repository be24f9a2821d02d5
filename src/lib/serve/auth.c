/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/auth.c -- people on azukari serve: the one-time enrolment link of
 * the first administrator, enrolment (password hashed with Argon2id by
 * libsodium, TOTP secret from retention/identity.c's azk_user_add: the
 * same users as the CLI's two-person rule), login with password + TOTP
 * (azk_user_auth: replayed codes refused), lockout per user and per
 * source address (table auth_failures; the source is recorded as
 * "@<address>"), server-side sessions (256-bit random ids, only their
 * hash stored; idle and absolute timeouts), CSRF tokens, logout. Every
 * login, failure, lockout, denial and state change is a ledger entry
 * written here, not by a front end.
 */
#include "serve/serve_int.h"
#include "store/serve.h"
#include "store/serve_views.h"
#include "retention/identity.h"
#include "store/users.h"

#include "azukari/retention.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define SESSION_COOKIE AZK_SERVE_SESSION_COOKIE
#define PRE_COOKIE     "__Host-azkpre"
#define FAIL_WINDOW    900
#define PW_MIN         12
#define PW_MAX         256

static void hex(const uint8_t *b, size_t n, char *out)
{
    (void)sodium_bin2hex(out, n * 2 + 1, b, n);
}

void azk_serve__token_new(char out[65])
{
    uint8_t b[32];
    randombytes_buf(b, sizeof(b));
    hex(b, sizeof(b), out);
    sodium_memzero(b, sizeof(b));
}

void azk_serve__token_hash(const char *token, char out[65])
{
    uint8_t d[32];
    crypto_generichash(d, sizeof(d), (const uint8_t *)token, strlen(token), NULL, 0);
    hex(d, sizeof(d), out);
}

void azk_serve__pre_csrf(const struct azk_server *srv, const char *pre, char out[65])
{
    uint8_t d[32];
    crypto_generichash(d, sizeof(d), (const uint8_t *)pre, strlen(pre), srv->form_key,
                       sizeof(srv->form_key));
    hex(d, sizeof(d), out);
}

bool azk_serve__same(const char *a, const char *b)
{
    size_t n = strlen(a);
    if (n != strlen(b) || n == 0)
        return false;
    return sodium_memcmp(a, b, n) == 0;
}

static bool is_token(const char *s)
{
    return s != NULL && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

azk_status azk_serve__ledger(struct azk_server *srv, const struct azk_serve_req *rq,
                             const char *action, const char *object, const char *outcome,
                             const char *why)
{
    struct azk_store_event ev = {0};
    azk_buf x = AZK_BUF_INIT;
    azk_status rc = azk_buf_puts(&x, "{\"source\":");
    if (rc == AZK_OK)
        rc = azk_buf_put_json_string(&x, rq != NULL ? rq->source : "",
                                     rq != NULL ? strlen(rq->source) : 0);
    if (rc == AZK_OK && why != NULL) {
        rc = azk_buf_puts(&x, ",\"why\":");
        if (rc == AZK_OK)
            rc = azk_buf_put_json_string(&x, why, strlen(why));
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(&x, "}");
    ev.action = action;
    ev.object = object;
    ev.outcome = outcome;
    ev.extra_json = (const char *)x.data;
    if (rc == AZK_OK)
        rc = azk_store__event(srv->h, &ev, NULL);
    azk_buf_dispose(&x);
    return rc;
}

azk_status azk_serve__session_load(struct azk_server *srv, struct azk_serve_req *rq)
{
    const char *id = azk_serve__cookie(rq, SESSION_COOKIE);
    struct azk_store_session s;
    struct azk_store_login l;
    char hash[65];
    bool found = false;
    azk_status rc;
    int64_t now = (int64_t)time(NULL);
    memset(&rq->who, 0, sizeof(rq->who));
    if (!is_token(id))
        return AZK_OK; /* none, or forged: anonymous */
    azk_serve__token_hash(id, hash);
    rc = azk_store__session_get(srv->h, hash, &s, &found);
    if (rc != AZK_OK || !found)
        return rc;
    if (now - s.created_at >= (int64_t)srv->opts.absolute_timeout_s ||
        now - s.seen_at >= (int64_t)srv->opts.idle_timeout_s) {
        struct azk_store_event ev = {0};
        ev.action = "serve.session.expire";
        ev.object = s.name;
        ev.extra_json = now - s.created_at >= (int64_t)srv->opts.absolute_timeout_s
                            ? "{\"why\":\"absolute\"}"
                            : "{\"why\":\"idle\"}";
        return azk_store__session_delete(srv->h, hash, &ev);
    }
    rc = azk_store__login_get(srv->h, s.name, &l, &found);
    if (rc != AZK_OK || !found || strcmp(l.state, "active") != 0)
        return rc;
    rq->who.authenticated = true;
    (void)snprintf(rq->who.name, sizeof(rq->who.name), "%s", s.name);
    rq->who.role = azk_serve__role_bit(l.role);
    (void)snprintf(rq->who.csrf, sizeof(rq->who.csrf), "%s", s.csrf);
    (void)snprintf(rq->who.session_hash, sizeof(rq->who.session_hash), "%s", hash);
    rc = azk_home_set_actor(srv->h, s.name);
    if (rc == AZK_OK)
        rc = azk_store__session_touch(srv->h, hash, now);
    return rc;
}

azk_status azk_serve__first_admin_link(struct azk_server *srv, char *url, size_t cap)
{
    int64_t admins = 0;
    char tok[65], hash[65];
    azk_status rc = azk_store__role_count(srv->h, "administrator", &admins);
    url[0] = '\0';
    if (rc != AZK_OK || admins > 0)
        return rc;
    azk_serve__token_new(tok);
    azk_serve__token_hash(tok, hash);
    rc = azk_store__enrol_insert(srv->h, hash, "administrator",
                                 (int64_t)time(NULL) + (int64_t)srv->opts.enrol_valid_s);
    if (rc == AZK_OK && snprintf(url, cap, "https://%s:%u/enrol?token=%s", srv->opts.host_name,
                                 srv->port, tok) >= (int)cap)
        rc = azk_error_set(AZK_ERR_LIMIT, "serve: enrolment link longer than its buffer");
    if (rc == AZK_OK)
        rc = azk_serve__ledger(srv, NULL, "serve.enrol.link", NULL, NULL, "first administrator");
    sodium_memzero(tok, sizeof(tok));
    return rc;
}

/* ---- login ------------------------------------------------------------- */

static azk_status note_failure(struct azk_server *srv, const char *key, int64_t now)
{
    return azk_store__auth_failure_note(srv->h, key, now, now - FAIL_WINDOW);
}

/* A refused login: ledger entry, failures noted for the user (when a name) and the source. */
static azk_status login_refused(struct azk_server *srv, struct azk_serve_req *rq,
                                struct azk_serve_resp *rs, const char *name, const char *src_key,
                                const char *outcome, const char *why, bool note_user, int64_t now)
{
    azk_status rc = AZK_OK;
    bool locked = strcmp(outcome, "locked") == 0;
    if (!locked) {
        rc = note_failure(srv, src_key, now);
        if (rc == AZK_OK && note_user && name != NULL)
            rc = note_failure(srv, name, now);
    }
    if (rc == AZK_OK)
        rc = azk_serve__ledger(srv, rq, "serve.login", name, outcome, why);
    if (rc != AZK_OK)
        return rc;
    return azk_serve__login_page(
        srv, rq, rs, locked ? 429 : 401,
        locked ? T_("Too many failed logins: this account or address is locked for 15 minutes.")
               : T_("Wrong user name, password or code."));
}

azk_status azk_serve__h_login_post(struct azk_server *srv, struct azk_serve_req *rq,
                                   struct azk_serve_resp *rs)
{
    const char *pre = azk_serve__cookie(rq, PRE_COOKIE);
    const char *tok = azk_serve__form(rq, "csrf");
    const char *name = azk_serve__form(rq, "user");
    const char *pw = azk_serve__form(rq, "password");
    const char *code = azk_serve__form(rq, "code");
    int64_t now = (int64_t)time(NULL), fails = 0;
    char src_key[80], want[65], id[65], idh[65], csrf[65];
    struct azk_store_login l;
    struct azk_store_event ev = {0};
    bool found = false;
    azk_status rc;

    if (!is_token(pre) || tok == NULL) {
        rc = azk_serve__ledger(srv, rq, "serve.csrf", NULL, "refused", rq->path);
        return rc != AZK_OK ? rc
                            : azk_serve__error_page(rq, rs, 403,
                                                    T_("The form is stale or forged (no valid "
                                                       "CSRF token). Reload the page and try "
                                                       "again."));
    }
    azk_serve__pre_csrf(srv, pre, want);
    if (!azk_serve__same(tok, want)) {
        rc = azk_serve__ledger(srv, rq, "serve.csrf", NULL, "refused", rq->path);
        return rc != AZK_OK ? rc
                            : azk_serve__error_page(rq, rs, 403,
                                                    T_("The form is stale or forged (no valid "
                                                       "CSRF token). Reload the page and try "
                                                       "again."));
    }
    (void)snprintf(src_key, sizeof(src_key), "@%s", rq->source);
    rc = azk_store__auth_failures(srv->h, src_key, now - FAIL_WINDOW, &fails);
    if (rc != AZK_OK)
        return rc;
    if (fails >= (int64_t)srv->opts.source_max_failures)
        return login_refused(srv, rq, rs, NULL, src_key, "locked", "source locked", false, now);
    if (name == NULL || !azk_store__valid_id(name))
        return login_refused(srv, rq, rs, NULL, src_key, "fail", "not a user name", false, now);
    rc = azk_store__auth_failures(srv->h, name, now - FAIL_WINDOW, &fails);
    if (rc != AZK_OK)
        return rc;
    if (fails >= (int64_t)srv->opts.user_max_failures)
        return login_refused(srv, rq, rs, name, src_key, "locked", "user locked", false, now);
    rc = azk_store__login_get(srv->h, name, &l, &found);
    if (rc != AZK_OK)
        return rc;
    if (!found || l.pw_hash[0] == '\0' || azk_serve__role_bit(l.role) == 0 || pw == NULL ||
        strlen(pw) > PW_MAX || crypto_pwhash_str_verify(l.pw_hash, pw, strlen(pw)) != 0) {
        sodium_memzero(&l, sizeof(l));
        return login_refused(srv, rq, rs, name, src_key, "fail", "password", true, now);
    }
    sodium_memzero(&l, sizeof(l));
    rc = azk_user_auth(srv->h, name, code); /* TOTP: replay refused, ledger auth.fail */
    if (rc == AZK_ERR_PERM) {
        azk_error_clear();
        /* identity.c noted a wrong code for the user; note the source here */
        return login_refused(srv, rq, rs, name, src_key, "fail", "TOTP", false, now);
    }
    if (rc != AZK_OK)
        return rc;
    /* sessions nobody presented again: gone once past their timeouts */
    rc = azk_store__sessions_prune(srv->h, now - (int64_t)srv->opts.absolute_timeout_s,
                                   now - (int64_t)srv->opts.idle_timeout_s);
    if (rc != AZK_OK)
        return rc;
    azk_serve__token_new(id);
    azk_serve__token_new(csrf);
    azk_serve__token_hash(id, idh);
    ev.action = "serve.login";
    ev.object = name;
    rc = azk_store__session_insert(srv->h, idh, name, csrf, now, &ev);
    if (rc == AZK_OK) {
        rs->status = 303;
        (void)snprintf(rs->location, sizeof(rs->location), "/dashboard");
        (void)snprintf(rs->cookies[0], sizeof(rs->cookies[0]),
                       SESSION_COOKIE "=%s; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=%u",
                       id, srv->opts.absolute_timeout_s);
        (void)snprintf(rs->cookies[1], sizeof(rs->cookies[1]),
                       PRE_COOKIE "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
    }
    sodium_memzero(id, sizeof(id));
    return rc;
}

azk_status azk_serve__h_logout(struct azk_server *srv, struct azk_serve_req *rq,
                               struct azk_serve_resp *rs)
{
    struct azk_store_event ev = {0};
    azk_status rc;
    ev.action = "serve.logout";
    ev.object = rq->who.name;
    rc = azk_store__session_delete(srv->h, rq->who.session_hash, &ev);
    if (rc != AZK_OK)
        return rc;
    rs->status = 303;
    (void)snprintf(rs->location, sizeof(rs->location), "/login");
    (void)snprintf(rs->cookies[0], sizeof(rs->cookies[0]),
                   SESSION_COOKIE "=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0");
    return AZK_OK;
}

/* ---- enrolment --------------------------------------------------------- */

static azk_status enrol_done_page(struct azk_serve_req *rq, struct azk_serve_resp *rs,
                                  const char *name, const char *b32, bool pending)
{
    azk_buf b = AZK_BUF_INIT;
    azk_status rc =
        azk_buf_printf(&b, "<p>%s</p><dl><dt>%s</dt><dd class=\"secret\" id=\"totp-secret\">",
                       T_("Enrolled. Add this TOTP secret to your authenticator app "
                          "(30-second, 6-digit codes), then log in with your password "
                          "and a code. It is shown only once."),
                       T_("TOTP secret"));
    if (rc == AZK_OK)
        rc = azk_serve__html(&b, b32);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "</dd><dt>%s</dt><dd class=\"secret\">otpauth://totp/azukari:",
                            T_("Authenticator URI"));
    if (rc == AZK_OK)
        rc = azk_serve__html(&b, name);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "?secret=");
    if (rc == AZK_OK)
        rc = azk_serve__html(&b, b32);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "&amp;issuer=azukari&amp;digits=6&amp;period=30</dd></dl>");
    if (rc == AZK_OK && pending)
        rc = azk_buf_printf(&b, "<p class=\"err\" id=\"pending\">%s</p>",
                            T_("Your enrolment waits for a second person's approval: you can "
                               "log in once it is approved."));
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<p><a href=\"/login\">%s</a></p>", T_("Log in"));
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Enrolment"), (const char *)b.data);
    azk_buf_dispose_secret(&b);
    return rc;
}

azk_status azk_serve__h_enrol_post(struct azk_server *srv, struct azk_serve_req *rq,
                                   struct azk_serve_resp *rs)
{
    const char *tok = azk_serve__form(rq, "token");
    const char *name = azk_serve__form(rq, "user");
    const char *pw = azk_serve__form(rq, "password");
    const char *pw2 = azk_serve__form(rq, "password2");
    char hash[65], role[24], pwh[crypto_pwhash_STRBYTES], b32[64], link_by[72];
    struct azk_store_event ev = {0};
    struct azk_store_login l;
    int64_t now = (int64_t)time(NULL);
    bool usable = false, taken = false, by_admin = false, found = false;
    azk_status rc;

    if (!is_token(tok)) {
        rc = azk_serve__ledger(srv, rq, "serve.enrol", NULL, "refused", "no token");
        return rc != AZK_OK ? rc
                            : azk_serve__error_page(rq, rs, 403,
                                                    T_("This enrolment link is not valid (used, "
                                                       "expired or mistyped)."));
    }
    azk_serve__token_hash(tok, hash);
    rc = azk_store__enrol_peek(srv->h, hash, now, role, &usable);
    if (rc != AZK_OK)
        return rc;
    if (!usable || azk_serve__role_bit(role) == 0) {
        rc = azk_serve__ledger(srv, rq, "serve.enrol", NULL, "refused", "link not usable");
        return rc != AZK_OK ? rc
                            : azk_serve__error_page(rq, rs, 403,
                                                    T_("This enrolment link is not valid (used, "
                                                       "expired or mistyped)."));
    }
    if (name == NULL || !azk_store__valid_id(name))
        return azk_serve__error_page(rq, rs, 400,
                                     T_("The user name must be 1-64 of A-Z a-z 0-9 . _ -."));
    if (pw == NULL || pw2 == NULL || strlen(pw) < PW_MIN || strlen(pw) > PW_MAX ||
        strcmp(pw, pw2) != 0)
        return azk_serve__error_page(
            rq, rs, 400, T_("The password must be 12 to 256 bytes, typed the same twice."));
    /* the link is used up first: a failure below leaves it used (start the server again) */
    rc = azk_store__enrol_take(srv->h, hash, now, &taken);
    if (rc != AZK_OK)
        return rc;
    if (!taken)
        return azk_serve__error_page(rq, rs, 403,
                                     T_("This enrolment link is not valid (used, expired or "
                                        "mistyped)."));
    if (crypto_pwhash_str(pwh, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                          crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
        return azk_error_set(AZK_ERR_NOMEM, "serve: Argon2id needs more memory than there is");
    /* enrolled through the link of the administrator who made it, or of the server (the
     * first administrator's link): pending until a second person approves, once the
     * deployment has its first two users (retention/identity.h) */
    rc = azk_store__enrol_link_by(srv->h, hash, link_by, &by_admin);
    if (rc == AZK_OK)
        rc = azk_identity__enrol_by_link(srv->h, name, by_admin ? link_by : "serve", b32);
    if (rc == AZK_ERR_ARG || rc == AZK_ERR_PERM) {
        char msg[256];
        (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
        rc = azk_serve__ledger(srv, rq, "serve.enrol", name, "fail", "user not added");
        return rc != AZK_OK ? rc : azk_serve__error_page(rq, rs, 400, msg);
    }
    if (rc != AZK_OK)
        return rc;
    ev.action = "serve.enrol";
    ev.object = name;
    ev.extra_json = strcmp(role, "administrator") == 0 ? "{\"role\":\"administrator\"}"
                                                       : "{\"role\":\"other\"}";
    rc = azk_store__login_set(srv->h, name, pwh, role, &ev);
    sodium_memzero(pwh, sizeof(pwh));
    if (rc == AZK_OK)
        rc = azk_store__login_get(srv->h, name, &l, &found);
    if (rc == AZK_OK)
        rc = enrol_done_page(rq, rs, name, b32, found && strcmp(l.state, "active") != 0);
    sodium_memzero(&l, sizeof(l));
    sodium_memzero(b32, sizeof(b32));
    return rc;
}
