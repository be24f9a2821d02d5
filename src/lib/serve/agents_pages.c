/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/agents_pages.c -- the agents in azukari serve's HTML pages: the
 * list of agents (host, group, zone, state, last call, certificate
 * expiry) with enrolment tokens and revocation for administrators (the
 * token is shown once; revocation asks the TOTP code again), the findings
 * the agents reported (masked examples only; the path only to the roles
 * that may see it), the witness of closed-zone hosts' ledgers (each host's
 * checkpoints, alarms shown loudly), and the dashboard's line about them.
 * The data are the views the /api/v1/agents* routes send
 * (serve/agents_api.c); the acts are the library's (azukari/agent.h).
 * Cases are in serve/agents_cases_pages.c.
 */
#include "serve/agents_int.h"
#include "serve/serve_int.h"
#include "store/agents_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define REVOKE_REASON_MAX 500

/* ---- shared by the agents' pages ------------------------------------------ */

bool azk_serve__agents_may_see_path(unsigned role)
{
    return role == AZK_ROLE_OPERATOR || role == AZK_ROLE_APPROVER;
}

azk_status azk_serve__agents_hide_paths(const struct azk_serve_req *rq, json_t *items)
{
    size_t i;
    json_t *it;
    if (azk_serve__agents_may_see_path(rq->who.role))
        return AZK_OK;
    json_array_foreach(items, i, it)
    {
        if (json_object_set_new(it, "path", json_string("")) != 0 ||
            json_object_set_new(it, "path_hidden", json_true()) != 0)
            return azk_error_nomem();
    }
    return AZK_OK;
}

azk_status azk_serve__html_time(azk_buf *b, int64_t secs)
{
    char t[32];
    time_t tt = (time_t)secs;
    struct tm tm;
    if (secs <= 0)
        return azk_buf_puts(b, "-");
    if (gmtime_r(&tt, &tm) != NULL && strftime(t, sizeof(t), "%Y-%m-%d %H:%M UTC", &tm) > 0)
        return azk_buf_puts(b, t);
    return azk_buf_printf(b, "%lld", (long long)secs);
}

const char *azk_serve__agents_word(const char *s)
{
    static const struct {
        const char *word, *label;
    } words[] = {
        /* agents ("active" has a dataset's meaning elsewhere) */
        {"active", N_("enrolled, active")},
        {"revoked", N_("revoked")},
        {"general", N_("general zone")},
        {"closed", N_("closed zone")},
        /* cases and their steps */
        {"open", N_("found, waiting for a request")},
        {"requested", N_("action requested")},
        {"approved", N_("approved, waiting for the agent")},
        {"quarantined", N_("quarantined (a note file left in its place)")},
        {"released", N_("released")},
        {"destroyed", N_("destroyed")},
        {"found", N_("found")},
        {"quarantine", N_("quarantine")},
        {"release", N_("release")},
        {"destroy", N_("destroy")},
        {"quarantine requested", N_("quarantine requested")},
        {"release requested", N_("release requested")},
        {"destroy requested", N_("destruction requested")},
    };
    if (s == NULL || s[0] == '\0')
        return "-";
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcmp(words[i].word, s) == 0)
            return T_(words[i].label);
    return s; /* an unknown word (a failure code of the agent): shown as it is, escaped */
}

azk_status azk_serve__agents_subnav(azk_buf *b)
{
    return azk_buf_printf(b,
                          "<p class=\"subnav\"><a href=\"/agents\">%s</a> | <a "
                          "href=\"/agents/findings\">%s</a> | <a href=\"/agents/cases\">%s</a> | "
                          "<a href=\"/agents/witness\">%s</a></p>",
                          T_("Agents"), T_("Findings"), T_("Cases"), T_("Ledger witness"));
}

/* <td>escaped s</td> */
static azk_status td(azk_buf *b, const char *s)
{
    azk_status rc = azk_buf_puts(b, "<td>");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, s != NULL ? s : "-");
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td>");
    return rc;
}

static azk_status td_time(azk_buf *b, const json_t *o, const char *key)
{
    azk_status rc = azk_buf_puts(b, "<td>");
    if (rc == AZK_OK)
        rc = azk_serve__html_time(b, (int64_t)json_integer_value(json_object_get(o, key)));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td>");
    return rc;
}

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long num(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

azk_status azk_serve__agents_path_cell(azk_buf *b, const json_t *item)
{
    if (json_is_true(json_object_get(item, "path_hidden")))
        return azk_buf_printf(b, "<td class=\"hidden-path\">%s</td>",
                              T_("(not shown to your role)"));
    return td(b, str(item, "path"));
}

/* ---- the agents ------------------------------------------------------------ */

static azk_status agents_table(azk_buf *b, const json_t *items, int64_t now)
{
    size_t i;
    const json_t *a;
    azk_status rc = azk_buf_printf(
        b,
        "<table id=\"agents\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
        "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
        T_("Host"), T_("Agent"), T_("Group"), T_("Zone"), T_("State"), T_("Last call"),
        T_("Certificate expires"), T_("Objects"), T_("With entrusted records"));
    json_array_foreach(items, i, a)
    {
        long long exp = num(a, "cert_expires_at");
        bool revoked = strcmp(str(a, "state") != NULL ? str(a, "state") : "", "revoked") == 0;
        if (rc != AZK_OK)
            break;
        rc = azk_buf_printf(b, "<tr%s>", revoked ? " class=\"revoked\"" : "");
        if (rc == AZK_OK)
            rc = td(b, str(a, "host"));
        if (rc == AZK_OK)
            rc = td(b, str(a, "id"));
        if (rc == AZK_OK)
            rc = td(b, str(a, "group"));
        if (rc == AZK_OK)
            rc = td(b, azk_serve__agents_word(str(a, "zone")));
        if (rc == AZK_OK)
            rc = td(b, azk_serve__agents_word(str(a, "state")));
        if (rc == AZK_OK)
            rc = td_time(b, a, "seen_at");
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, exp > 0 && exp < now ? "<td class=\"err\">" : "<td>");
        if (rc == AZK_OK)
            rc = azk_serve__html_time(b, exp);
        if (rc == AZK_OK && exp > 0 && exp < now)
            rc = azk_buf_printf(b, " (%s)", T_("expired"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "</td><td>%lld</td><td>%lld</td></tr>", num(a, "objects"),
                                num(a, "objects_with_entrusted"));
    }
    if (rc == AZK_OK && json_array_size(items) == 0)
        rc = azk_buf_printf(b, "<tr><td colspan=\"9\">%s</td></tr>", T_("None."));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tbody></table>");
    return rc;
}

/* The administrator's forms: a new enrolment token, the revocation of an active agent. */
static azk_status admin_forms(azk_buf *b, struct azk_serve_req *rq, const json_t *items)
{
    size_t i, n = 0;
    const json_t *a;
    azk_buf opts = AZK_BUF_INIT;
    azk_status rc = azk_buf_printf(b, "<h2>%s</h2>", T_("New enrolment token"));
    if (rc == AZK_OK)
        rc = azk_serve__form_head(b, rq, "/agents/token", false);
    if (rc == AZK_OK)
        rc = azk_buf_printf(
            b,
            "<label>%s <input name=\"group\" id=\"token-group\" required maxlength=\"63\" "
            "pattern=\"[a-z0-9._\\-]+\"></label><label>%s <select name=\"zone\" "
            "id=\"token-zone\"><option value=\"general\">%s</option><option value=\"closed\">%s"
            "</option></select></label><label>%s <input name=\"hours\" id=\"token-hours\" "
            "type=\"number\" min=\"1\" max=\"720\" value=\"24\"></label><button type=\"submit\" "
            "id=\"token-create\">%s</button></form>",
            T_("Host group"), T_("Zone"), T_("general zone"), T_("closed zone"),
            T_("Valid for (hours)"), T_("Create a token"));
    json_array_foreach(items, i, a)
    {
        if (rc != AZK_OK)
            break;
        if (strcmp(str(a, "state") != NULL ? str(a, "state") : "", "active") != 0)
            continue;
        rc = azk_buf_puts(&opts, "<option value=\"");
        if (rc == AZK_OK)
            rc = azk_serve__html(&opts, str(a, "id"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&opts, "\">");
        if (rc == AZK_OK)
            rc = azk_serve__html(&opts, str(a, "host"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&opts, " (");
        if (rc == AZK_OK)
            rc = azk_serve__html(&opts, str(a, "id"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&opts, ")</option>");
        n++;
    }
    if (rc == AZK_OK && n > 0) {
        rc = azk_buf_printf(b, "<h2>%s</h2>", T_("Revoke an agent"));
        if (rc == AZK_OK)
            rc = azk_serve__form_head(b, rq, "/agents/revoke", true);
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "<label>%s <select name=\"agent_id\" id=\"revoke-id\">",
                                T_("Agent"));
        if (rc == AZK_OK)
            rc = azk_buf_put(b, opts.data, opts.len);
        if (rc == AZK_OK)
            rc = azk_buf_printf(b,
                                "</select></label><label>%s <input name=\"reason\" "
                                "id=\"revoke-reason\" required maxlength=\"%d\"></label>"
                                "<button type=\"submit\" id=\"revoke\">%s</button></form>",
                                T_("Reason"), REVOKE_REASON_MAX, T_("Revoke"));
    }
    azk_buf_dispose(&opts);
    return rc;
}

AZK_SERVE_UI_HANDLER(azk_serve__h_agents_page)
{
    json_t *doc = NULL;
    azk_buf b = AZK_BUF_INIT;
    azk_status rc = azk_serve__agents_view(srv, rq, &doc);
    if (rc == AZK_ERR_ARG)
        return azk_serve__bad_arg(rq, rs, false);
    if (rc != AZK_OK)
        return rc;
    rc = azk_serve__agents_subnav(&b);
    if (rc == AZK_OK && rq->who.role == AZK_ROLE_ADMIN)
        rc = azk_buf_puts(&b, "<section class=\"acts\">");
    if (rc == AZK_OK && rq->who.role == AZK_ROLE_ADMIN)
        rc = admin_forms(&b, rq, json_object_get(doc, "items"));
    if (rc == AZK_OK && rq->who.role == AZK_ROLE_ADMIN)
        rc = azk_buf_puts(&b, "</section>");
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Enrolled agents"));
    if (rc == AZK_OK)
        rc = agents_table(&b, json_object_get(doc, "items"), (int64_t)time(NULL));
    if (rc == AZK_OK)
        rc = azk_serve__html_next(&b, "/agents", doc);
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Agents"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

AZK_SERVE_UI_HANDLER(azk_serve__h_agents_token_page)
{
    const char *group = azk_serve__form(rq, "group"), *zone = azk_serve__form(rq, "zone");
    const char *hours = azk_serve__form(rq, "hours");
    char tok[80];
    unsigned long h = 24;
    azk_buf b = AZK_BUF_INIT;
    azk_status rc;
    if (hours != NULL && hours[0] != '\0') {
        char *end = NULL;
        h = strtoul(hours, &end, 10);
        if (end == NULL || *end != '\0' || h == 0 || h > 720)
            return azk_serve__result_page(rq, rs, 400, T_("Refused"),
                                          T_("A token is valid for 1 to 720 hours."), "/agents");
    }
    rc = azk_agent_token_create(srv->h, group != NULL ? group : "", zone != NULL ? zone : "general",
                                (unsigned)(h * 3600), tok, sizeof(tok));
    if (rc == AZK_ERR_ARG) {
        char msg[200];
        (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
        azk_error_clear();
        return azk_serve__result_page(rq, rs, 400, T_("Refused"), msg, "/agents");
    }
    if (rc != AZK_OK)
        return rc;
    rc = azk_buf_printf(&b,
                        "<p class=\"ok\">%s</p><p class=\"secret\" id=\"token\">%s</p>"
                        "<p>%s</p><p><a href=\"/agents\">%s</a></p>",
                        T_("Give this token to the person installing the agent on the host "
                           "(azukari agent enroll). It is shown only now and works once."),
                        tok, T_("The server keeps only its hash."), T_("Back"));
    memset(tok, 0, sizeof(tok));
    rs->status = 201;
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Enrolment token"), (const char *)b.data);
    if (b.data != NULL)
        memset(b.data, 0, b.len); /* the token is in the response body only */
    azk_buf_dispose(&b);
    return rc;
}

AZK_SERVE_UI_HANDLER(azk_serve__h_agents_revoke_page)
{
    const char *id = azk_serve__form(rq, "agent_id"), *why = azk_serve__form(rq, "reason");
    azk_status rc;
    if (id == NULL || id[0] == '\0' || strlen(id) > 64 || why == NULL || why[0] == '\0' ||
        strlen(why) > REVOKE_REASON_MAX)
        return azk_serve__result_page(rq, rs, 400, T_("Refused"),
                                      T_("A revocation needs an agent and a reason."), "/agents");
    if (!azk_serve__stepped_up(srv, rq, rs, "/agents", &rc))
        return rc;
    rc = azk_agent_revoke(srv->h, id, why);
    return azk_serve__act_result(srv, rq, rs, rc,
                                 T_("Agent revoked: its next call is refused. Its certificate "
                                    "is no longer accepted."),
                                 "/agents");
}

/* ---- findings -------------------------------------------------------------- */

/* "type: n, ..." of the counts object; the masked examples, one per line. */
static azk_status counts_cell(azk_buf *b, json_t *counts)
{
    const char *k;
    const json_t *v;
    bool first = true;
    azk_status rc = azk_buf_puts(b, "<td>");
    json_object_foreach(counts, k, v)
    {
        if (rc != AZK_OK)
            break;
        rc = azk_buf_puts(b, first ? "" : ", ");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, k);
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, ": %lld", (long long)json_integer_value(v));
        first = false;
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td><td class=\"examples\">");
    return rc;
}

static azk_status examples_and_entrusted(azk_buf *b, const json_t *f)
{
    size_t i;
    const json_t *v;
    azk_status rc = AZK_OK;
    json_array_foreach(json_object_get(f, "examples"), i, v)
    {
        if (rc != AZK_OK || !json_is_string(v))
            continue;
        if (i > 0)
            rc = azk_buf_puts(b, "<br>");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, json_string_value(v));
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td><td>");
    json_array_foreach(json_object_get(f, "entrusted"), i, v)
    {
        if (rc != AZK_OK)
            continue;
        if (i > 0)
            rc = azk_buf_puts(b, "<br>");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, str(v, "client") != NULL ? str(v, "client") : "-");
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, " / ");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, str(v, "dataset") != NULL ? str(v, "dataset") : "-");
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, ": %lld", num(v, "records"));
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td>");
    return rc;
}

AZK_SERVE_UI_HANDLER(azk_serve__h_agents_findings_page)
{
    json_t *doc = NULL;
    const json_t *f;
    size_t i;
    azk_buf b = AZK_BUF_INIT;
    const char *only = azk_serve__query(rq, "entrusted");
    bool edm = only != NULL && strcmp(only, "1") == 0;
    azk_status rc = azk_serve__agents_findings_view(srv, rq, &doc);
    if (rc == AZK_ERR_ARG)
        return azk_serve__bad_arg(rq, rs, false);
    if (rc != AZK_OK)
        return rc;
    rc = azk_serve__agents_subnav(&b);
    if (rc == AZK_OK)
        rc = azk_buf_printf(
            &b,
            "<p><a href=\"/agents/findings\">%s</a> | <a href=\"/agents/findings?entrusted=1\">"
            "%s</a></p><p>%s</p>",
            T_("All findings"), T_("Only entrusted records"),
            T_("Examples are masked by the agent; the server never receives a clear value."));
    if (rc == AZK_OK && !azk_serve__agents_may_see_path(rq->who.role))
        rc = azk_buf_printf(&b, "<p id=\"path-note\">%s</p>",
                            T_("File paths are shown only to operators and approvers (a file "
                               "name can be a personal value)."));
    if (rc == AZK_OK)
        rc = azk_buf_printf(
            &b,
            "<table id=\"findings\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
            "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
            T_("Host"), T_("File"), T_("Size"), T_("Modified"), T_("Counts"), T_("Masked examples"),
            T_("Entrusted records"), T_("Total"), T_("Score"));
    json_array_foreach(json_object_get(doc, "items"), i, f)
    {
        if (rc != AZK_OK)
            break;
        rc = azk_buf_printf(&b, "<tr%s>", num(f, "entrusted_records") > 0 ? " class=\"hit\"" : "");
        if (rc == AZK_OK)
            rc = td(&b, str(f, "host"));
        if (rc == AZK_OK)
            rc = azk_serve__agents_path_cell(&b, f);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "<td>%lld</td>", num(f, "size"));
        if (rc == AZK_OK)
            rc = td_time(&b, f, "mtime");
        if (rc == AZK_OK)
            rc = counts_cell(&b, json_object_get(f, "counts"));
        if (rc == AZK_OK)
            rc = examples_and_entrusted(&b, f);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "<td>%lld</td><td>%.3f</td></tr>", num(f, "entrusted_records"),
                                json_number_value(json_object_get(f, "score")));
    }
    if (rc == AZK_OK && json_array_size(json_object_get(doc, "items")) == 0)
        rc = azk_buf_printf(&b, "<tr><td colspan=\"9\">%s</td></tr>", T_("None."));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</tbody></table>");
    if (rc == AZK_OK)
        rc = azk_serve__html_next(&b, edm ? "/agents/findings?entrusted=1" : "/agents/findings",
                                  doc);
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Findings reported by agents"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

/* ---- the witness --------------------------------------------------------------- */

static azk_status witness_host(azk_buf *b, const json_t *w, size_t n)
{
    size_t i;
    const json_t *c;
    const char *alarm = str(w, "alarm");
    azk_status rc = azk_buf_puts(b, "<section class=\"host\"><h2>");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, str(w, "host"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, " <small>");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, str(w, "agent_id"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</small></h2>");
    if (rc == AZK_OK && alarm != NULL) {
        rc = azk_buf_printf(b, "<p class=\"overdue\" id=\"alarm-%zu\">%s: ", n,
                            T_("ALARM: this host's ledger is not consistent with what it "
                               "reported before"));
        if (rc == AZK_OK)
            rc = azk_serve__html(b, alarm);
        /* a key change may be legitimate: two people accept it (agents_witness.c) */
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, " <a href=\"/agents/witness/keys\">%s</a>",
                                T_("Ledger keys offered"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</p>");
    } else if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<p class=\"ok\">%s</p>",
                            T_("Consistent: every checkpoint extends the previous one."));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b,
                            "<dl class=\"detail\"><dt>%s</dt><dd>%lld</dd><dt>%s</dt><dd "
                            "class=\"secret\">",
                            T_("Last consistent size"), num(w, "size"), T_("Root"));
    if (rc == AZK_OK)
        rc = azk_serve__html(b, str(w, "root"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "</dd><dt>%s</dt><dd class=\"secret\">", T_("Verifier key"));
    if (rc == AZK_OK)
        rc = azk_serve__html(b, str(w, "vkey"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "</dd><dt>%s</dt><dd>%lld</dd></dl>", T_("Checkpoints kept"),
                            num(w, "checkpoints"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b,
                            "<table class=\"checkpoints\"><thead><tr><th>%s</th><th>%s</th>"
                            "<th>%s</th><th>%s</th></tr></thead><tbody>",
                            T_("Received at"), T_("Size"), T_("Root"), T_("Consistent"));
    json_array_foreach(json_object_get(w, "recent"), i, c)
    {
        bool ok = json_is_true(json_object_get(c, "consistent"));
        if (rc != AZK_OK)
            break;
        rc = azk_buf_puts(b, ok ? "<tr>" : "<tr class=\"overdue\">");
        if (rc == AZK_OK)
            rc = td_time(b, c, "received_at");
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "<td>%lld</td><td class=\"secret\">", num(c, "size"));
        if (rc == AZK_OK)
            rc = azk_serve__html(b, str(c, "root"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "</td><td>%s</td></tr>", ok ? T_("yes") : T_("NO"));
    }
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "</tbody></table><p>%s</p></section>",
                            T_("The newest checkpoints are shown, at most 20."));
    return rc;
}

AZK_SERVE_UI_HANDLER(azk_serve__h_agents_witness_page)
{
    json_t *doc = NULL;
    const json_t *w;
    size_t i;
    int64_t open = 0, alarms = 0;
    azk_buf b = AZK_BUF_INIT;
    azk_status rc = azk_serve__agents_witness_view(srv, rq, &doc);
    if (rc == AZK_ERR_ARG)
        return azk_serve__bad_arg(rq, rs, false);
    if (rc != AZK_OK)
        return rc;
    /* the alarms of every host, not only of this page (one count) */
    rc = azk_store__agents_summary(srv->h, &open, &alarms);
    if (rc == AZK_OK)
        rc = azk_serve__agents_subnav(&b);
    if (rc == AZK_OK && alarms > 0)
        rc = azk_buf_printf(&b, "<p class=\"overdue\" id=\"alarms\">%s: %lld</p>",
                            T_("Hosts whose ledger history was rewritten or forked"),
                            (long long)alarms);
    else if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<p class=\"ok\" id=\"alarms\">%s</p>",
                            T_("No alarm: every closed-zone host's ledger is consistent."));
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<p>%s</p>",
                            T_("Each closed-zone host reports its ledger's signed checkpoints; "
                               "the server keeps every one and checks that each extends the "
                               "previous one."));
    json_array_foreach(json_object_get(doc, "items"), i, w)
    {
        if (rc != AZK_OK)
            break;
        rc = witness_host(&b, w, i);
    }
    if (rc == AZK_OK && json_array_size(json_object_get(doc, "items")) == 0)
        rc = azk_buf_printf(&b, "<p>%s</p>", T_("No host has reported a checkpoint yet."));
    if (rc == AZK_OK)
        rc = azk_serve__html_next(&b, "/agents/witness", doc);
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Ledger witness"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

/* ---- the dashboard's line ------------------------------------------------------ */

azk_status azk_serve__agents_dashboard(struct azk_server *srv, const struct azk_serve_req *rq,
                                       azk_buf *b)
{
    int64_t open = 0, alarms = 0;
    azk_status rc;
    if (rq->who.role == AZK_ROLE_CLIENT)
        return AZK_OK; /* staff only: agents see every client's leftovers */
    rc = azk_store__agents_summary(srv->h, &open, &alarms);
    if (rc != AZK_OK)
        return rc;
    rc = azk_buf_printf(b, "<h2>%s</h2>", T_("Agents"));
    if (rc == AZK_OK && alarms > 0)
        rc = azk_buf_printf(b,
                            "<p class=\"overdue\" id=\"witness-alarms\"><a "
                            "href=\"/agents/witness\">%s: %lld</a></p>",
                            T_("Ledger witness alarms"), (long long)alarms);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b,
                            "<p class=\"%s\" id=\"agent-cases\"><a href=\"/agents/cases\">%s: "
                            "%lld</a></p>",
                            open > 0 ? "err" : "ok",
                            T_("Cases of entrusted records outside the closed zone not closed"),
                            (long long)open);
    return rc;
}
