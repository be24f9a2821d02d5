/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/pages_admin.c -- administration in azukari serve: the users (with
 * their role, state and client grants), a one-time enrolment link for a
 * new user of a given role, the approval of a pending enrolment by a
 * second person (the library's azk_user_approve), role changes, client
 * grants, and the live sessions, which an administrator can revoke (the
 * session row is deleted: its next request is anonymous). Every act asks
 * the TOTP code again (step-up) and writes its ledger entry in the same
 * store transaction as the change. The auditor reads these pages and
 * changes nothing.
 */
#include "serve/serve_int.h"
#include "store/serve.h"
#include "store/serve_views.h"

#include "azukari/retention.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char *const user_keys[] = {"name",       "role",        "state", "created_at",
                                        "created_by", "approved_by", "web"};
static const struct azk_serve_col user_cols[] = {
    {"name", N_("User"), 0},
    {"role_label", N_("Role"), 0},
    {"state_label", N_("State"), 0},
    {"grants_text", N_("Clients"), 0},
    {"created_by", N_("Enrolled by"), 0},
    {"approved_by", N_("Approved by"), 0},
    {"created_at", N_("Enrolled at"), 0},
};

static const char *const session_keys[] = {"id", "user", "created_at", "seen_at"};
static const struct azk_serve_col session_cols[] = {
    {"id", N_("Session"), 0},
    {"user", N_("User"), 0},
    {"created_at", N_("Logged in"), AZK_COL_TIME},
    {"seen_at", N_("Last request"), AZK_COL_TIME},
};

static const char *const roles[] = {"administrator", "operator", "approver", "auditor", "client"};

static const char *role_text(const char *r)
{
    unsigned bit = azk_serve__role_bit(r != NULL ? r : "");
    switch (bit) {
        case AZK_ROLE_ADMIN:
            return T_("administrator");
        case AZK_ROLE_OPERATOR:
            return T_("operator");
        case AZK_ROLE_APPROVER:
            return T_("approver");
        case AZK_ROLE_AUDITOR:
            return T_("auditor");
        case AZK_ROLE_CLIENT:
            return T_("client");
        default:
            return "-";
    }
}

/* ---- views ------------------------------------------------------------- */

/* Users, one page, each with its grants. */
static azk_status view_users(struct azk_server *srv, struct azk_serve_req *rq, json_t **out)
{
    const char *after;
    size_t limit, i;
    json_t *u;
    struct azk_serve_list l;
    azk_status rc;
    *out = NULL;
    rc = azk_serve__page_args(rq, &limit, &after);
    if (rc != AZK_OK)
        return rc;
    rc = azk_serve__list_init(&l, user_keys, 7, 0, limit);
    if (rc == AZK_OK)
        rc = azk_store__users_page(srv->h, after, limit + 1, azk_serve__list_row, &l);
    json_array_foreach(l.items, i, u)
    {
        if (rc != AZK_OK)
            break;
        /* the first grants and the cursor of the rest (serve/view_grants.c) */
        rc = azk_serve__user_grants_head(srv, u);
        /* "web": a boolean in the view */
        if (rc == AZK_OK)
            rc =
                json_object_set_new(
                    u, "web",
                    json_boolean(json_string_value(json_object_get(u, "web")) != NULL &&
                                 strcmp(json_string_value(json_object_get(u, "web")), "1") == 0)) ==
                        0
                    ? AZK_OK
                    : azk_error_nomem();
    }
    return azk_serve__list_finish(&l, rc, out);
}

/* Sessions, one page; a session is named by the hash of its id (the id itself is never
 * stored, so it cannot be shown). */
static azk_status view_sessions(struct azk_server *srv, struct azk_serve_req *rq, json_t **out)
{
    const char *after;
    size_t limit;
    struct azk_serve_list l;
    azk_status rc;
    *out = NULL;
    rc = azk_serve__page_args(rq, &limit, &after);
    if (rc != AZK_OK)
        return rc;
    rc = azk_serve__list_init(&l, session_keys, 4, 0, limit);
    if (rc == AZK_OK)
        rc = azk_store__sessions_page(srv->h, after, limit + 1, azk_serve__list_row, &l);
    return azk_serve__list_finish(&l, rc, out);
}

azk_status azk_serve__h_api_users(struct azk_server *srv, struct azk_serve_req *rq,
                                  struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = view_users(srv, rq, &doc);
    return azk_serve__api_answer(rq, rs, rc, doc);
}

azk_status azk_serve__h_api_sessions(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = view_sessions(srv, rq, &doc);
    return azk_serve__api_answer(rq, rs, rc, doc);
}

/* ---- pages ------------------------------------------------------------- */

static azk_status role_select(azk_buf *b, const char *id)
{
    azk_status rc = azk_buf_printf(b, "<label>%s <select name=\"role\" id=\"%s\">", T_("Role"), id);
    for (size_t i = 0; rc == AZK_OK && i < sizeof(roles) / sizeof(roles[0]); i++)
        rc = azk_buf_printf(b, "<option value=\"%s\">%s</option>", roles[i], role_text(roles[i]));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</select></label>");
    return rc;
}

static azk_status text_field(azk_buf *b, const char *label, const char *name, const char *id)
{
    return azk_buf_printf(b,
                          "<label>%s <input name=\"%s\" id=\"%s\" required maxlength=\"64\">"
                          "</label>",
                          label, name, id);
}

/* The display fields of each user row: role label, grants as text. */
static azk_status decorate_users(json_t *items)
{
    size_t i, j;
    json_t *u, *g;
    json_array_foreach(items, i, u)
    {
        azk_buf t = AZK_BUF_INIT;
        azk_status rc = AZK_OK;
        json_array_foreach(json_object_get(u, "grants"), j, g)
        {
            if (rc == AZK_OK && j > 0)
                rc = azk_buf_puts(&t, ", ");
            if (rc == AZK_OK)
                rc = azk_buf_puts(&t, json_string_value(g));
        }
        if (rc == AZK_OK && json_is_string(json_object_get(u, "grants_next")))
            rc = azk_buf_puts(&t, ", …");
        const char *st = json_string_value(json_object_get(u, "state"));
        if (rc == AZK_OK &&
            (json_object_set_new(u, "state_label",
                                 json_string(st != NULL && strcmp(st, "active") == 0
                                                 ? T_("enabled")
                                                 : T_("awaiting approval"))) != 0 ||
             json_object_set_new(u, "grants_text",
                                 json_string(t.data != NULL ? (const char *)t.data : "")) != 0 ||
             json_object_set_new(
                 u, "role_label",
                 json_string(role_text(json_string_value(json_object_get(u, "role"))))) != 0))
            rc = azk_error_nomem();
        azk_buf_dispose(&t);
        if (rc != AZK_OK)
            return rc;
    }
    return AZK_OK;
}

azk_status azk_serve__h_users(struct azk_server *srv, struct azk_serve_req *rq,
                              struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_buf b = AZK_BUF_INIT;
    bool admin = rq->who.role == AZK_ROLE_ADMIN;
    azk_status rc = view_users(srv, rq, &doc);
    if (rc == AZK_ERR_ARG) {
        char msg[256];
        (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
        azk_error_clear();
        return azk_serve__error_page(rq, rs, 400, msg);
    }
    if (rc == AZK_OK)
        rc = decorate_users(json_object_get(doc, "items"));
    if (rc == AZK_OK && (admin || rq->who.role == AZK_ROLE_AUDITOR))
        rc = azk_buf_printf(&b, "<p><a href=\"/admin/sessions\">%s</a></p>", T_("Sessions"));
    if (rc == AZK_OK)
        rc = azk_serve__html_table(&b, "users", user_cols, sizeof(user_cols) / sizeof(user_cols[0]),
                                   json_object_get(doc, "items"));
    if (rc == AZK_OK)
        rc = azk_serve__html_next(&b, "/admin/users", doc);
    if (rc == AZK_OK) /* every grant of one user, paged (serve/view_grants.c) */
        rc = azk_buf_printf(&b,
                            "<form method=\"get\" action=\"/admin/user/grants\"><label>%s "
                            "<input name=\"name\" required></label><button type=\"submit\">"
                            "%s</button></form>",
                            T_("User"), T_("Clients granted to a user"));
    if (rc == AZK_OK && admin) {
        rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Enrol a new user"));
        if (rc == AZK_OK)
            rc = azk_serve__form_head(&b, rq, "/admin/users/link", true);
        if (rc == AZK_OK)
            rc = role_select(&b, "link-role");
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "<button type=\"submit\" id=\"link\">%s</button></form>",
                                T_("Make a one-time enrolment link"));
    }
    if (rc == AZK_OK && rq->who.role != AZK_ROLE_AUDITOR) {
        rc = azk_buf_printf(&b, "<h2>%s</h2><p>%s</p>", T_("Approve an enrolment"),
                            T_("A user enrolled through a link waits for a second person: not "
                               "the one who made the link."));
        if (rc == AZK_OK)
            rc = azk_serve__form_head(&b, rq, "/admin/users/approve", true);
        if (rc == AZK_OK)
            rc = text_field(&b, T_("User"), "user", "approve-user");
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b,
                                "<button type=\"submit\" id=\"approve-user-go\">%s</button>"
                                "</form>",
                                T_("Approve"));
    }
    if (rc == AZK_OK && admin) {
        rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Change a role"));
        if (rc == AZK_OK)
            rc = azk_serve__form_head(&b, rq, "/admin/users/role", true);
        if (rc == AZK_OK)
            rc = text_field(&b, T_("User"), "user", "role-user");
        if (rc == AZK_OK)
            rc = role_select(&b, "role-role");
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "<button type=\"submit\" id=\"role-go\">%s</button></form>",
                                T_("Change"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Client grants"));
        if (rc == AZK_OK)
            rc = azk_serve__form_head(&b, rq, "/admin/grants/add", true);
        if (rc == AZK_OK)
            rc = text_field(&b, T_("User"), "user", "grant-user");
        if (rc == AZK_OK)
            rc = text_field(&b, T_("Client"), "client", "grant-client");
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b,
                                "<button type=\"submit\" id=\"grant-add\">%s</button> <button "
                                "type=\"submit\" id=\"grant-remove\" "
                                "formaction=\"/admin/grants/remove\">%s</button></form>",
                                T_("Grant"), T_("Remove grant"));
    }
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Users"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

azk_status azk_serve__h_sessions(struct azk_server *srv, struct azk_serve_req *rq,
                                 struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_buf b = AZK_BUF_INIT;
    azk_status rc = view_sessions(srv, rq, &doc);
    if (rc == AZK_ERR_ARG) {
        char msg[256];
        (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
        azk_error_clear();
        return azk_serve__error_page(rq, rs, 400, msg);
    }
    if (rc == AZK_OK)
        rc = azk_serve__html_table(&b, "sessions", session_cols,
                                   sizeof(session_cols) / sizeof(session_cols[0]),
                                   json_object_get(doc, "items"));
    if (rc == AZK_OK)
        rc = azk_serve__html_next(&b, "/admin/sessions", doc);
    if (rc == AZK_OK && rq->who.role == AZK_ROLE_ADMIN) {
        rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Revoke a session"));
        if (rc == AZK_OK)
            rc = azk_serve__form_head(&b, rq, "/admin/sessions/revoke", true);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b,
                                "<label>%s <input name=\"id\" id=\"revoke-id\" "
                                "maxlength=\"64\"></label><label>%s <input name=\"user\" "
                                "id=\"revoke-user\" maxlength=\"64\"></label><button "
                                "type=\"submit\" id=\"revoke\">%s</button></form>",
                                T_("Session"), T_("or every session of the user"), T_("Revoke"));
    }
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Sessions"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

/* ---- acts -------------------------------------------------------------- */

/* Step-up with the form's code; false (and the answer made in *rc) when refused. */
static bool stepped_up(struct azk_server *srv, struct azk_serve_req *rq, struct azk_serve_resp *rs,
                       const char *back, azk_status *rc)
{
    *rc = azk_serve__step_up(srv, rq, azk_serve__form(rq, "code"));
    if (*rc == AZK_OK)
        return true;
    azk_serve__step_up_end(srv);
    if (*rc == AZK_ERR_PERM) {
        azk_error_clear();
        *rc = azk_serve__result_page(
            rq, rs, 403, T_("Refused"),
            T_("The authenticator code was wrong or already used: nothing was changed."), back);
    }
    return false;
}

static azk_status done(struct azk_server *srv, struct azk_serve_req *rq, struct azk_serve_resp *rs,
                       azk_status rc, const char *msg, const char *back)
{
    unsigned st = azk_serve__status_of(rc);
    azk_serve__step_up_end(srv);
    if (rc == AZK_OK)
        return azk_serve__result_page(rq, rs, 200, T_("Done"), msg, back);
    if (st == 0)
        return rc;
    {
        char m[512];
        (void)snprintf(m, sizeof(m), "%s", azk_error_last()->message);
        azk_error_clear();
        return azk_serve__result_page(rq, rs, st, T_("Refused"), m, back);
    }
}

static azk_status bad(struct azk_serve_req *rq, struct azk_serve_resp *rs, const char *msg,
                      const char *back)
{
    return azk_serve__result_page(rq, rs, 400, T_("Refused"), msg, back);
}

azk_status azk_serve__h_user_link(struct azk_server *srv, struct azk_serve_req *rq,
                                  struct azk_serve_resp *rs)
{
    const char *role = azk_serve__form(rq, "role");
    struct azk_store_event ev = {0};
    char tok[65], hash[65], url[512], extra[64];
    azk_buf b = AZK_BUF_INIT;
    azk_status rc;
    if (role == NULL || azk_serve__role_bit(role) == 0)
        return bad(rq, rs, T_("Choose a role."), "/admin/users");
    if (!stepped_up(srv, rq, rs, "/admin/users", &rc))
        return rc;
    azk_serve__step_up_end(srv);
    azk_serve__token_new(tok);
    azk_serve__token_hash(tok, hash);
    (void)snprintf(extra, sizeof(extra), "{\"role\":\"%s\"}", role);
    ev.action = "serve.enrol.link";
    ev.extra_json = extra;
    rc = azk_store__enrol_link_insert(srv->h, hash, role,
                                      (int64_t)time(NULL) + (int64_t)srv->opts.enrol_valid_s,
                                      rq->who.name, &ev);
    if (rc == AZK_OK)
        (void)snprintf(url, sizeof(url), "https://%s:%u/enrol?token=%s", srv->opts.host_name,
                       srv->port, tok);
    sodium_memzero(tok, sizeof(tok));
    if (rc != AZK_OK)
        return rc;
    rc = azk_buf_printf(&b,
                        "<p>%s</p><p class=\"secret\" id=\"enrol-link\">%s</p><p><a "
                        "href=\"/admin/users\">%s</a></p>",
                        T_("Give this one-time link to the new user (good once, for one hour). "
                           "The user chooses a name and password; a second person approves "
                           "the enrolment."),
                        url, T_("Back"));
    sodium_memzero(url, sizeof(url));
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Enrolment link"), (const char *)b.data);
    azk_buf_dispose_secret(&b);
    return rc;
}

azk_status azk_serve__h_user_approve(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs)
{
    const char *user = azk_serve__form(rq, "user");
    azk_status rc;
    if (user == NULL || !azk_store__valid_id(user))
        return bad(rq, rs, T_("No such user."), "/admin/users");
    if (!stepped_up(srv, rq, rs, "/admin/users", &rc))
        return rc;
    rc = azk_user_approve(srv->h, user); /* not the enroller, not the user: the library's rule */
    return done(srv, rq, rs, rc, T_("Enrolment approved."), "/admin/users");
}

azk_status azk_serve__h_user_role(struct azk_server *srv, struct azk_serve_req *rq,
                                  struct azk_serve_resp *rs)
{
    const char *user = azk_serve__form(rq, "user");
    const char *role = azk_serve__form(rq, "role");
    struct azk_store_login l;
    struct azk_store_event ev = {0};
    char extra[64];
    int64_t admins = 0;
    bool found = false;
    azk_status rc;
    if (user == NULL || !azk_store__valid_id(user) || role == NULL ||
        azk_serve__role_bit(role) == 0)
        return bad(rq, rs, T_("Give a user and a role."), "/admin/users");
    /* what can be checked is checked before the code is asked (a refused act uses none) */
    rc = azk_store__login_get(srv->h, user, &l, &found);
    sodium_memzero(l.pw_hash, sizeof(l.pw_hash));
    if (rc == AZK_OK && !found)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no user %s", user);
    if (rc == AZK_OK)
        rc = azk_store__role_count(srv->h, "administrator", &admins);
    if (rc == AZK_OK && strcmp(l.role, "administrator") == 0 &&
        strcmp(role, "administrator") != 0 && admins <= 1)
        rc = azk_error_set(AZK_ERR_ARG, "%s", T_("The last administrator keeps the role."));
    if (rc == AZK_OK && !stepped_up(srv, rq, rs, "/admin/users", &rc))
        return rc;
    if (rc == AZK_OK) {
        (void)snprintf(extra, sizeof(extra), "{\"role\":\"%s\"}", role);
        ev.action = "serve.role";
        ev.object = user;
        ev.extra_json = extra;
        rc = azk_store__role_set(srv->h, user, role, &ev);
    }
    return done(srv, rq, rs, rc, T_("Role changed; it applies from the user's next request."),
                "/admin/users");
}

static azk_status grant_act(struct azk_server *srv, struct azk_serve_req *rq,
                            struct azk_serve_resp *rs, bool add)
{
    const char *user = azk_serve__form(rq, "user");
    const char *client = azk_serve__form(rq, "client");
    struct azk_store_login l;
    struct azk_store_event ev = {0};
    char extra[128];
    bool found = false, known = false;
    azk_status rc;
    if (user == NULL || !azk_store__valid_id(user) || client == NULL ||
        !azk_store__valid_id(client))
        return bad(rq, rs, T_("Give a user and a client."), "/admin/users");
    rc = azk_store__login_get(srv->h, user, &l, &found);
    sodium_memzero(l.pw_hash, sizeof(l.pw_hash));
    if (rc == AZK_OK && !found)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no user %s", user);
    if (rc == AZK_OK)
        rc = azk_store__client_exists(srv->h, client, &known);
    if (rc == AZK_OK && !known)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no client %s", client);
    if (rc == AZK_OK && !stepped_up(srv, rq, rs, "/admin/users", &rc))
        return rc;
    if (rc == AZK_OK) {
        (void)snprintf(extra, sizeof(extra), "{\"client\":\"%s\"}", client);
        ev.action = add ? "serve.grant.add" : "serve.grant.remove";
        ev.object = user;
        ev.extra_json = extra;
        rc = add ? azk_store__grant_add(srv->h, user, client, &ev)
                 : azk_store__grant_remove(srv->h, user, client, &ev);
    }
    return done(srv, rq, rs, rc, add ? T_("Grant added.") : T_("Grant removed."), "/admin/users");
}

azk_status azk_serve__h_grant_add(struct azk_server *srv, struct azk_serve_req *rq,
                                  struct azk_serve_resp *rs)
{
    return grant_act(srv, rq, rs, true);
}

azk_status azk_serve__h_grant_remove(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs)
{
    return grant_act(srv, rq, rs, false);
}

azk_status azk_serve__h_session_revoke(struct azk_server *srv, struct azk_serve_req *rq,
                                       struct azk_serve_resp *rs)
{
    const char *id = azk_serve__form(rq, "id");
    const char *user = azk_serve__form(rq, "user");
    struct azk_store_session s;
    struct azk_store_event ev = {0};
    int64_t n = 0;
    bool found = false;
    azk_status rc = AZK_OK;
    if (id != NULL && id[0] == '\0')
        id = NULL;
    if (user != NULL && user[0] == '\0')
        user = NULL;
    if ((id == NULL) == (user == NULL) ||
        (id != NULL && (strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64)) ||
        (user != NULL && !azk_store__valid_id(user)))
        return bad(rq, rs, T_("Give one session, or one user whose sessions all end."),
                   "/admin/sessions");
    if (id != NULL) {
        rc = azk_store__session_get(srv->h, id, &s, &found);
        if (rc == AZK_OK && !found)
            rc = azk_error_set(AZK_ERR_NOTFOUND, "%s", T_("No such session."));
    }
    if (rc == AZK_OK && !stepped_up(srv, rq, rs, "/admin/sessions", &rc))
        return rc;
    if (rc == AZK_OK) {
        ev.action = "serve.session.revoke";
        ev.object = id != NULL ? s.name : user;
        rc = id != NULL ? azk_store__session_delete(srv->h, id, &ev)
                        : azk_store__sessions_delete_user(srv->h, user, &ev, &n);
    }
    return done(srv, rq, rs, rc, T_("Revoked: those sessions' next requests are refused."),
                "/admin/sessions");
}
