/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/pages.c -- azukari serve's server-rendered pages (Japanese first,
 * English by the language switch; messages through gettext): layout,
 * login, enrolment form, dashboard (a summary: counts per client, overdue
 * shown loudly, the next deadlines, ledger size; never every dataset), the
 * dataset list one page at a time (the client role sees only its granted
 * clients), error pages, the one CSS file.
 * No script at all: the Content-Security-Policy forbids it. Every value
 * from the catalog or a request is HTML-escaped.
 */
#include "serve/serve_int.h"
#include "store/datasets.h"
#include "store/serve.h"
#include "store/serve_plat.h"

#include "azukari/audit.h"

#include <stdio.h>
#include <string.h>

static const char css[] =
    "body{font-family:'Noto Sans CJK JP','Noto Sans JP',sans-serif;margin:0;color:#1b1b1b;"
    "background:#f6f6f4}\n"
    "header{background:#23395d;color:#fff;padding:.6em 1em;display:flex;gap:1em;"
    "align-items:center}\n"
    "header a{color:#fff}header .who{margin-left:auto}\n"
    "main{max-width:1200px;margin:1em auto;padding:0 1em}\n"
    "table{border-collapse:collapse;width:100%;background:#fff}\n"
    "th,td{border:1px solid #ccc;padding:.3em .5em;text-align:left}\n"
    ".overdue{background:#b00020;color:#fff;font-weight:bold;padding:.6em;font-size:1.2em}\n"
    ".ok{background:#e6f4ea;padding:.6em}\n"
    ".err{background:#fde7e9;border:1px solid #b00020;padding:.6em}\n"
    ".secret{font-family:monospace;word-break:break-all}\n"
    "form.inline{display:inline}\n"
    "label{display:block;margin:.5em 0}\n"
    "header{flex-wrap:wrap}td{word-break:break-word}\n"
    "dl.detail{display:grid;grid-template-columns:max-content auto;gap:.2em 1em;"
    "background:#fff;padding:.6em}dl.detail dd{margin:0}\n"
    "form{background:#fff;border:1px solid #ccc;padding:.4em .8em;margin:.5em 0}\n"
    "form.inline{background:none;border:0;padding:0;margin:0}\n"
    "label{display:inline-block;margin:.3em 1em .3em 0}\n"
    "svg.chart{background:#fff;border:1px solid #ccc}\n"
    "tr.lapsed td{background:#fde7e9}tr.due td{background:#fff4ce}\n" /* supervision */
    "@media print{header form.inline,header .lang{display:none}main "
    "form,.subnav,.acts{display:none}}"
    "\n";

azk_status azk_serve__h_css(struct azk_server *srv, struct azk_serve_req *rq,
                            struct azk_serve_resp *rs)
{
    (void)srv;
    (void)rq;
    rs->content_type = "text/css; charset=utf-8";
    return azk_buf_puts(&rs->body, css);
}

azk_status azk_serve__h_healthz(struct azk_server *srv, struct azk_serve_req *rq,
                                struct azk_serve_resp *rs)
{
    (void)srv;
    (void)rq;
    rs->content_type = "text/plain; charset=utf-8";
    return azk_buf_puts(&rs->body, "ok\n");
}

azk_status azk_serve__h_root(struct azk_server *srv, struct azk_serve_req *rq,
                             struct azk_serve_resp *rs)
{
    (void)srv;
    (void)rq;
    rs->status = 303;
    (void)snprintf(rs->location, sizeof(rs->location), "/dashboard");
    return AZK_OK;
}

azk_status azk_serve__h_lang(struct azk_server *srv, struct azk_serve_req *rq,
                             struct azk_serve_resp *rs)
{
    const char *l = azk_serve__query(rq, "l");
    (void)srv;
    rs->status = 303;
    (void)snprintf(rs->location, sizeof(rs->location), "%s",
                   rq->who.authenticated ? "/dashboard" : "/login");
    (void)snprintf(rs->cookies[0], sizeof(rs->cookies[0]),
                   "lang=%s; Path=/; Secure; SameSite=Strict; Max-Age=31536000",
                   l != NULL && strcmp(l, "en") == 0 ? "en" : "ja");
    return AZK_OK;
}

/* The role's name in the page's language. */
static const char *role_label(unsigned role)
{
    switch (role) {
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

azk_status azk_serve__page(struct azk_serve_req *rq, struct azk_serve_resp *rs, const char *title,
                           const char *body_html)
{
    azk_buf *b = &rs->body;
    azk_status rc;
    azk_buf_clear(b);
    rc = azk_buf_printf(b,
                        "<!DOCTYPE html>\n<html lang=\"%s\"><head><meta charset=\"utf-8\">"
                        "<meta name=\"viewport\" content=\"width=device-width\">"
                        "<link rel=\"stylesheet\" href=\"/static/azukari.css\"><title>",
                        rq->lang);
    if (rc == AZK_OK)
        rc = azk_serve__html(b, title);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, " — azukari</title></head><body><header><strong>azukari</strong>");
    if (rc == AZK_OK && rq->who.authenticated) {
        rc = azk_buf_printf(b,
                            "<a href=\"/dashboard\">%s</a><a href=\"/datasets\">%s</a>"
                            "<a href=\"/certificates\">%s</a><a href=\"/reports\">%s</a>"
                            "<a href=\"/incidents\">%s</a>",
                            T_("Dashboard"), T_("Datasets"), T_("Certificates"),
                            T_("Monthly reports"), T_("Incidents"));
        if (rc == AZK_OK && rq->who.role != AZK_ROLE_CLIENT)
            rc = azk_buf_printf(b,
                                "<a href=\"/requests\">%s</a><a href=\"/guard\">%s</a>"
                                "<a href=\"/audit\">%s</a><a href=\"/admin/users\">%s</a>"
                                "<a href=\"/agents\">%s</a>",
                                T_("Requests"), T_("Guard releases"), T_("Ledger"), T_("Users"),
                                T_("Agents"));
        if (rc == AZK_OK && rq->who.role != AZK_ROLE_CLIENT) /* supervision, vendor management */
            rc = azk_buf_printf(b,
                                "<a href=\"/training\">%s</a><a href=\"/control\">%s</a>"
                                "<a href=\"/vendors\">%s</a>",
                                T_("Training"), T_("Internal control"), T_("Vendors"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "<span class=\"who\">");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, rq->who.name);
        if (rc == AZK_OK)
            rc = azk_buf_printf(b,
                                " (%s)</span><form class=\"inline\" method=\"post\" "
                                "action=\"/logout\"><input type=\"hidden\" name=\"csrf\" "
                                "value=\"%s\"><button type=\"submit\">%s</button></form>",
                                role_label(rq->who.role), rq->who.csrf, T_("Log out"));
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(
            b, "<span class=\"lang\"><a href=\"/lang?l=ja\" lang=\"ja\">日本語</a> | "
               "<a href=\"/lang?l=en\" lang=\"en\">English</a></span></header><main><h1>");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, title);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</h1>");
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, body_html);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</main></body></html>\n");
    return rc;
}

azk_status azk_serve__error_page(struct azk_serve_req *rq, struct azk_serve_resp *rs,
                                 unsigned status, const char *msg)
{
    azk_buf b = AZK_BUF_INIT;
    azk_status rc = azk_buf_puts(&b, "<p class=\"err\">");
    if (rc == AZK_OK)
        rc = azk_serve__html(&b, msg);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</p>");
    rs->status = status;
    rs->content_type = NULL;
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Error"), (const char *)b.data);
    azk_buf_dispose(&b);
    return rc;
}

azk_status azk_serve__login_page(struct azk_server *srv, struct azk_serve_req *rq,
                                 struct azk_serve_resp *rs, unsigned status, const char *err)
{
    const char *pre = azk_serve__cookie(rq, "__Host-azkpre");
    char fresh[65], csrf[65];
    azk_buf b = AZK_BUF_INIT;
    azk_status rc = AZK_OK;
    if (pre == NULL || strlen(pre) != 64 || strspn(pre, "0123456789abcdef") != 64) {
        azk_serve__token_new(fresh);
        pre = fresh;
        (void)snprintf(rs->cookies[1], sizeof(rs->cookies[1]),
                       "__Host-azkpre=%s; Path=/; Secure; HttpOnly; SameSite=Strict", fresh);
    }
    azk_serve__pre_csrf(srv, pre, csrf);
    if (err != NULL) {
        rc = azk_buf_puts(&b, "<p class=\"err\">");
        if (rc == AZK_OK)
            rc = azk_serve__html(&b, err);
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</p>");
    }
    if (rc == AZK_OK)
        rc = azk_buf_printf(
            &b,
            "<form method=\"post\" action=\"/login\"><input type=\"hidden\" name=\"csrf\" "
            "value=\"%s\"><label>%s <input name=\"user\" id=\"user\" autocomplete=\"username\" "
            "required></label><label>%s <input type=\"password\" name=\"password\" "
            "id=\"password\" autocomplete=\"current-password\" required></label><label>%s "
            "<input name=\"code\" id=\"code\" inputmode=\"numeric\" pattern=\"[0-9]{6}\" "
            "autocomplete=\"one-time-code\" required></label><button type=\"submit\" "
            "id=\"login\">%s</button></form>",
            csrf, T_("User name"), T_("Password"), T_("Authenticator code (6 digits)"),
            T_("Log in"));
    rs->status = status;
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Log in"), (const char *)b.data);
    azk_buf_dispose(&b);
    return rc;
}

azk_status azk_serve__h_login_get(struct azk_server *srv, struct azk_serve_req *rq,
                                  struct azk_serve_resp *rs)
{
    if (rq->who.authenticated) {
        rs->status = 303;
        (void)snprintf(rs->location, sizeof(rs->location), "/dashboard");
        return AZK_OK;
    }
    return azk_serve__login_page(srv, rq, rs, 200, NULL);
}

azk_status azk_serve__h_enrol_get(struct azk_server *srv, struct azk_serve_req *rq,
                                  struct azk_serve_resp *rs)
{
    const char *tok = azk_serve__query(rq, "token");
    azk_buf b = AZK_BUF_INIT;
    azk_status rc;
    (void)srv;
    if (tok == NULL || strlen(tok) != 64 || strspn(tok, "0123456789abcdef") != 64)
        return azk_serve__error_page(rq, rs, 403,
                                     T_("This enrolment link is not valid (used, expired or "
                                        "mistyped)."));
    rc = azk_buf_printf(
        &b,
        "<p>%s</p><form method=\"post\" action=\"/enrol\"><input type=\"hidden\" "
        "name=\"token\" value=\"%s\"><label>%s <input name=\"user\" id=\"user\" "
        "required></label><label>%s <input type=\"password\" name=\"password\" id=\"password\" "
        "autocomplete=\"new-password\" minlength=\"12\" required></label><label>%s <input "
        "type=\"password\" name=\"password2\" id=\"password2\" autocomplete=\"new-password\" "
        "minlength=\"12\" required></label><button type=\"submit\" id=\"enrol\">%s</button></form>",
        T_("Enrol: choose a user name and a password of at least 12 characters. A TOTP "
           "secret for your authenticator app is shown next."),
        tok, T_("User name"), T_("Password"), T_("Password again"), T_("Enrol"));
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Enrolment"), (const char *)b.data);
    azk_buf_dispose(&b);
    return rc;
}

/* ---- dashboard and datasets -------------------------------------------- */

struct listing {
    azk_home *h;
    const struct azk_serve_principal *who;
    azk_buf *b;
    const char *today;
    int64_t rows, overdue;
    char last[72]; /* the last dataset id written: the next page's cursor */
};

static azk_status row_cb(const struct azk_store_deadline *d, void *payload)
{
    struct listing *l = payload;
    bool late = d->retain_until != NULL && strcmp(d->retain_until, l->today) < 0 &&
                strcmp(d->state, "active") == 0;
    azk_status rc = azk_buf_printf(l->b, "<tr%s><td>", late ? " class=\"overdue\"" : "");
    const char *cells[4] = {d->client, d->dataset, d->retain_until,
                            azk_serve__state_label(d->state)};
    for (size_t i = 0; rc == AZK_OK && i < 4; i++) {
        if (i > 0)
            rc = azk_buf_puts(l->b, "</td><td>");
        if (rc == AZK_OK && i == 1) { /* the dataset's page */
            rc = azk_buf_puts(l->b, "<a href=\"/dataset?id=");
            if (rc == AZK_OK)
                rc = azk_serve__url(l->b, cells[i]);
            if (rc == AZK_OK)
                rc = azk_buf_puts(l->b, "\">");
        }
        if (rc == AZK_OK)
            rc = azk_serve__html(l->b, cells[i]);
        if (rc == AZK_OK && i == 1)
            rc = azk_buf_puts(l->b, "</a>");
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(l->b, "</td><td>");
    if (rc == AZK_OK && d->held)
        rc = azk_buf_puts(l->b, T_("on hold"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(l->b, "</td></tr>");
    l->rows++;
    (void)snprintf(l->last, sizeof(l->last), "%s", d->dataset);
    if (late)
        l->overdue++;
    return rc;
}

#define DASH_NEXT 20 /* the dashboard's next deadlines */

static azk_status table_head(azk_buf *b)
{
    return azk_buf_printf(b,
                          "<table id=\"datasets\"><thead><tr><th>%s</th><th>%s</th>"
                          "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
                          T_("Client"), T_("Dataset"), T_("Retain until"), T_("State"), T_("Hold"));
}

azk_status azk_serve__h_dashboard(struct azk_server *srv, struct azk_serve_req *rq,
                                  struct azk_serve_resp *rs)
{
    azk_buf b = AZK_BUF_INIT;
    struct listing l = {0};
    char today[16];
    bool more = false;
    azk_audit *a = NULL;
    const char *grantee = rq->who.role == AZK_ROLE_CLIENT ? rq->who.name : NULL;
    azk_status rc;
    azk_store__today(today);
    l.today = today;
    l.h = srv->h;
    l.who = &rq->who;
    l.b = &b;
    /* counts per client in one aggregate (overdue said loudly), the clients needing
     * attention first; never a list of every dataset (serve/view_dash_summary.c) */
    rc = azk_serve__dashboard_summary(srv, rq, &b, today);
    if (rc == AZK_OK)
        rc = azk_serve__dashboard_more(srv, rq, &b);
    if (rc == AZK_OK)
        rc = azk_serve__agents_dashboard(srv, rq, &b);
    if (rc == AZK_OK) /* the agents' findings by state (serve/view_dash_summary.c) */
        rc = azk_serve__dashboard_findings(srv, rq, &b);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Next deadlines"));
    if (rc == AZK_OK)
        rc = table_head(&b);
    if (rc == AZK_OK)
        rc = azk_store__datasets_next_deadlines(srv->h, grantee, DASH_NEXT, row_cb, &l, &more);
    if (rc == AZK_OK)
        rc =
            azk_buf_printf(&b, "</tbody></table><p class=\"next\"><a href=\"/datasets\">%s</a></p>",
                           T_("All datasets"));
    if (rc == AZK_OK && rq->who.role != AZK_ROLE_CLIENT) {
        /* the ledger's state (staff only: it covers every client) */
        azk_status orc = azk_audit_open(&a, srv->h->path, 0, NULL);
        if (orc == AZK_OK)
            rc = azk_buf_printf(&b, "<h2>%s</h2><p id=\"ledger\">%s: %llu</p>", T_("Ledger"),
                                T_("Entries"), (unsigned long long)azk_audit_size(a));
        else {
            azk_error_clear();
            rc =
                azk_buf_printf(&b, "<h2>%s</h2><p class=\"err\" id=\"ledger\">%s</p>", T_("Ledger"),
                               T_("The ledger could not be opened: run azukari audit verify."));
        }
    }
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Dashboard"), (const char *)b.data);
    azk_audit_close(a);
    azk_buf_dispose(&b);
    return rc;
}

/* The dataset list, one page at a time in id order (?limit=, ?after=; a client's with
 * ?client=): the client role sees only its granted clients. */
azk_status azk_serve__h_datasets(struct azk_server *srv, struct azk_serve_req *rq,
                                 struct azk_serve_resp *rs)
{
    const char *client = azk_serve__query(rq, "client");
    const char *after = NULL;
    size_t limit = 0;
    azk_buf b = AZK_BUF_INIT, path = AZK_BUF_INIT;
    struct listing l = {0};
    char today[16];
    bool more = false, answered = false;
    json_t *next = NULL;
    azk_status rc;
    azk_store__today(today);
    l.today = today;
    rc = azk_serve__page_args(rq, &limit, &after);
    if (rc == AZK_OK && after != NULL && !azk_store__valid_id(after))
        rc = azk_error_set(AZK_ERR_ARG, "after must be a cursor from a previous page");
    if (rc == AZK_OK && client != NULL && !azk_store__valid_id(client))
        rc = azk_error_set(AZK_ERR_ARG, "client is not a client id");
    if (rc == AZK_ERR_ARG)
        return azk_serve__bad_arg(rq, rs, false);
    if (rc != AZK_OK)
        return rc;
    rc = azk_serve__require_client(srv, rq, rs, false, client, &answered);
    if (rc != AZK_OK || answered)
        return rc;
    l.h = srv->h;
    l.who = &rq->who;
    l.b = &b;
    rc = table_head(&b);
    if (rc == AZK_OK)
        rc = azk_store__datasets_page(srv->h, client,
                                      rq->who.role == AZK_ROLE_CLIENT ? rq->who.name : NULL,
                                      after != NULL ? after : "", limit, row_cb, &l, &more);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</tbody></table>");
    if (rc == AZK_OK && more) {
        /* the next page's link: the last id shown is the cursor (ids are [A-Za-z0-9._-]) */
        next = json_pack("{s:s}", "next", l.last);
        rc = next != NULL ? azk_buf_puts(&path, "/datasets") : azk_error_nomem();
        if (rc == AZK_OK && client != NULL)
            rc = azk_buf_printf(&path, "?client=%s", client);
        if (rc == AZK_OK && limit != AZK_SERVE_PAGE_DEFAULT)
            rc = azk_buf_printf(&path, "%climit=%zu", client != NULL ? '&' : '?', limit);
        if (rc == AZK_OK)
            rc = azk_buf_put(&path, "", 1);
        if (rc == AZK_OK)
            rc = azk_serve__html_next(&b, (const char *)path.data, next);
    }
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Datasets"), (const char *)b.data);
    json_decref(next);
    azk_buf_dispose(&path);
    azk_buf_dispose(&b);
    return rc;
}
