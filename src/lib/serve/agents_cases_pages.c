/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/agents_cases_pages.c -- the cases of entrusted records found
 * outside the closed zone, in azukari serve's HTML pages: the list, and
 * the case page telling the whole story (found, requested by whom,
 * approved by whom with step-up, quarantined with a note file left in
 * place, released or destroyed, each with who and when), with the
 * operator's request form and the approver's form (TOTP again). The
 * requester may not approve: the store refuses it inside the transaction
 * (serve/agents_api.c's acts, the same as the JSON API's). The data are
 * the views /api/v1/agents/cases sends.
 */
#include "serve/serve_int.h"

#include <stdio.h>
#include <string.h>

#define CASE_REASON_MAX 500
#define CASE_ID_MAX     96

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static long long num(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static azk_status td(azk_buf *b, const char *s)
{
    azk_status rc = azk_buf_puts(b, "<td>");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, s != NULL ? s : "-");
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td>");
    return rc;
}

/* <a href="/agents/case?id=...">id</a> */
static azk_status case_link(azk_buf *b, const char *id)
{
    azk_status rc = azk_buf_puts(b, "<a href=\"/agents/case?id=");
    if (rc == AZK_OK)
        rc = azk_serve__url(b, id);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "\">");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, id);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</a>");
    return rc;
}

/* ---- the list ---------------------------------------------------------------- */

AZK_SERVE_UI_HANDLER(azk_serve__h_agents_cases_page)
{
    json_t *doc = NULL;
    const json_t *c;
    size_t i;
    azk_buf b = AZK_BUF_INIT;
    azk_status rc = azk_serve__agents_cases_view(srv, rq, &doc);
    if (rc == AZK_ERR_ARG)
        return azk_serve__bad_arg(rq, rs, false);
    if (rc != AZK_OK)
        return rc;
    rc = azk_serve__agents_subnav(&b);
    if (rc == AZK_OK)
        rc = azk_buf_printf(
            &b,
            "<table id=\"cases\"><thead><tr><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
            "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
            T_("Case"), T_("Host"), T_("File"), T_("Entrusted records"), T_("State"),
            T_("Found at"), T_("Requested by"), T_("Approved by"));
    json_array_foreach(json_object_get(doc, "items"), i, c)
    {
        const json_t *story = json_object_get(c, "story");
        if (rc != AZK_OK)
            break;
        rc = azk_buf_puts(&b, "<tr><td>");
        if (rc == AZK_OK)
            rc = case_link(&b, str(c, "id"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</td>");
        if (rc == AZK_OK)
            rc = td(&b, str(c, "host"));
        if (rc == AZK_OK)
            rc = azk_serve__agents_path_cell(&b, c);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "<td>%lld</td>", num(c, "records"));
        if (rc == AZK_OK)
            rc = td(&b, azk_serve__agents_word(str(c, "state")));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "<td>");
        if (rc == AZK_OK)
            rc = azk_serve__html_time(&b, num(c, "opened_at"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</td>");
        if (rc == AZK_OK)
            rc = td(&b, str(story, "requested_by"));
        if (rc == AZK_OK)
            rc = td(&b, str(story, "approved_by"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</tr>");
    }
    if (rc == AZK_OK && json_array_size(json_object_get(doc, "items")) == 0)
        rc = azk_buf_printf(&b, "<tr><td colspan=\"8\">%s</td></tr>", T_("None."));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</tbody></table>");
    if (rc == AZK_OK)
        rc = azk_serve__html_next(&b, "/agents/cases", doc);
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Cases: entrusted records outside the closed zone"),
                             (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

/* ---- the case page ----------------------------------------------------------- */

/* The object: where, what, how many records of which client's dataset. */
static azk_status case_facts(azk_buf *b, const json_t *c)
{
    size_t i;
    const json_t *e;
    azk_status rc =
        azk_buf_printf(b, "<dl class=\"detail\" id=\"facts\"><dt>%s</dt><dd>", T_("State"));
    if (rc == AZK_OK)
        rc = azk_serve__html(b, azk_serve__agents_word(str(c, "state")));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "</dd><dt>%s</dt><dd>", T_("Host"));
    if (rc == AZK_OK)
        rc = azk_serve__html(b, str(c, "host"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, " (");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, str(c, "agent_id"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, ")</dd><dt>%s</dt>", T_("File"));
    if (rc == AZK_OK && json_is_true(json_object_get(c, "path_hidden")))
        rc = azk_buf_printf(b, "<dd class=\"hidden-path\">%s</dd>", T_("(not shown to your role)"));
    else if (rc == AZK_OK) {
        rc = azk_buf_puts(b, "<dd id=\"path\">");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, str(c, "path"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</dd>");
    }
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<dt>%s</dt><dd>%lld</dd><dt>%s</dt><dd>", T_("Size"),
                            num(c, "size"), T_("Modified"));
    if (rc == AZK_OK)
        rc = azk_serve__html_time(b, num(c, "mtime"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "</dd><dt>%s</dt><dd>%lld", T_("Entrusted records"),
                            num(c, "records"));
    json_array_foreach(json_object_get(c, "entrusted"), i, e)
    {
        if (rc != AZK_OK)
            break;
        rc = azk_buf_puts(b, i == 0 ? " (" : ", ");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, str(e, "client") != NULL ? str(e, "client") : "-");
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, " / ");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, str(e, "dataset") != NULL ? str(e, "dataset") : "-");
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, ": %lld", num(e, "records"));
    }
    if (rc == AZK_OK && json_array_size(json_object_get(c, "entrusted")) > 0)
        rc = azk_buf_puts(b, ")");
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</dd></dl>");
    return rc;
}

/* The story, oldest first: when, what, by whom, the reason given. */
static azk_status case_story(azk_buf *b, const json_t *c)
{
    size_t i;
    const json_t *s;
    azk_status rc = azk_buf_printf(
        b,
        "<h2>%s</h2><table id=\"story\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
        "<th>%s</th></tr></thead><tbody>",
        T_("The whole story"), T_("When"), T_("What"), T_("By whom"), T_("Reason or detail"));
    json_array_foreach(json_object_get(c, "steps"), i, s)
    {
        const char *step = str(s, "step");
        const char *by = str(s, "by");
        if (rc != AZK_OK)
            break;
        rc = azk_buf_puts(b, "<tr><td>");
        if (rc == AZK_OK)
            rc = azk_serve__html_time(b, num(s, "at"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</td><td>");
        /* "approved" is a step here, not the state of the same name */
        if (rc == AZK_OK && step != NULL && strcmp(step, "approved") == 0)
            rc = azk_buf_printf(b, "%s (%s)", T_("approved"),
                                T_("second person, authenticator code again"));
        else if (rc == AZK_OK)
            rc = azk_serve__html(b, azk_serve__agents_word(step));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</td>");
        if (rc == AZK_OK)
            rc = td(b, by != NULL && by[0] != '\0' ? by : NULL);
        if (rc == AZK_OK)
            rc = td(b, str(s, "detail"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</tr>");
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tbody></table>");
    return rc;
}

/* The operator's request (quarantine an open case; release or destroy a quarantined one)
 * and the approver's agreement to a requested one. */
static azk_status case_forms(azk_buf *b, struct azk_serve_req *rq, const json_t *c)
{
    const char *state = str(c, "state"), *id = str(c, "id");
    azk_status rc = AZK_OK;
    bool open = state != NULL && strcmp(state, "open") == 0;
    bool quarantined = state != NULL && strcmp(state, "quarantined") == 0;
    bool requested = state != NULL && strcmp(state, "requested") == 0;
    if (rq->who.role == AZK_ROLE_OPERATOR && (open || quarantined)) {
        rc = azk_buf_printf(b, "<h2>%s</h2>", T_("Request an action"));
        if (rc == AZK_OK)
            rc = azk_serve__form_head(b, rq, "/agents/case/request", false);
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "<input type=\"hidden\" name=\"case_id\" value=\"");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, id);
        if (rc == AZK_OK && open)
            rc = azk_buf_printf(b,
                                "\"><label>%s <select name=\"action\" id=\"case-action\">"
                                "<option value=\"quarantine\">%s</option></select></label>",
                                T_("Action"), T_("quarantine"));
        else if (rc == AZK_OK)
            rc = azk_buf_printf(b,
                                "\"><label>%s <select name=\"action\" id=\"case-action\">"
                                "<option value=\"release\">%s</option><option "
                                "value=\"destroy\">%s</option></select></label>",
                                T_("Action"), T_("release"), T_("destroy"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(b,
                                "<label>%s <input name=\"reason\" id=\"case-reason\" required "
                                "maxlength=\"%d\"></label><button type=\"submit\" "
                                "id=\"case-request\">%s</button></form><p>%s</p>",
                                T_("Reason"), CASE_REASON_MAX, T_("Request"),
                                T_("An approver (another person) must agree before the agent "
                                   "acts."));
    }
    if (rc == AZK_OK && rq->who.role == AZK_ROLE_APPROVER && requested) {
        rc = azk_buf_printf(b, "<h2>%s</h2>", T_("Approve the requested action"));
        if (rc == AZK_OK)
            rc = azk_serve__form_head(b, rq, "/agents/case/approve", true);
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "<input type=\"hidden\" name=\"case_id\" value=\"");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, id);
        if (rc == AZK_OK)
            rc = azk_buf_printf(
                b, "\"><button type=\"submit\" id=\"case-approve\">%s: ", T_("Approve"));
        if (rc == AZK_OK)
            rc = azk_serve__html(b, azk_serve__agents_word(str(c, "action")));
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "</button></form><p>%s</p>",
                                T_("The person who asked cannot approve; the server refuses "
                                   "it."));
    }
    return rc;
}

AZK_SERVE_UI_HANDLER(azk_serve__h_agents_case_page)
{
    const char *id = azk_serve__query(rq, "id");
    json_t *c = NULL;
    azk_buf b = AZK_BUF_INIT;
    char title[160];
    azk_status rc;
    if (id == NULL || id[0] == '\0' || strlen(id) > CASE_ID_MAX)
        return azk_serve__error_page(rq, rs, 400, T_("Which case? (?id=)"));
    rc = azk_serve__agents_case_view(srv, rq, id, &c);
    if (rc == AZK_ERR_NOTFOUND) {
        azk_error_clear();
        return azk_serve__error_page(rq, rs, 404, T_("No such case."));
    }
    if (rc != AZK_OK)
        return rc;
    rc = azk_serve__agents_subnav(&b);
    if (rc == AZK_OK)
        rc = case_facts(&b, c);
    if (rc == AZK_OK)
        rc = case_story(&b, c);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "<section class=\"acts\">");
    if (rc == AZK_OK)
        rc = case_forms(&b, rq, c);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</section>");
    (void)snprintf(title, sizeof(title), "%s %s", T_("Case"), id);
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, title, (const char *)b.data);
    json_decref(c);
    azk_buf_dispose(&b);
    return rc;
}

/* ---- the acts ------------------------------------------------------------------ */

/* /agents/case?id=<id> (cap: CASE_ID_MAX + the prefix) */
static void back_to(char *out, size_t cap, const char *id)
{
    azk_buf u = AZK_BUF_INIT;
    if (azk_buf_puts(&u, "/agents/case?id=") == AZK_OK && azk_serve__url(&u, id) == AZK_OK &&
        u.len < cap)
        (void)snprintf(out, cap, "%s", (const char *)u.data);
    else
        (void)snprintf(out, cap, "/agents/cases");
    azk_buf_dispose(&u);
}

AZK_SERVE_UI_HANDLER(azk_serve__h_agents_case_request_page)
{
    const char *id = azk_serve__form(rq, "case_id"), *why = azk_serve__form(rq, "reason");
    const char *action = azk_serve__form(rq, "action");
    char back[3 * CASE_ID_MAX + 32];
    azk_status rc;
    if (id == NULL || id[0] == '\0' || strlen(id) > CASE_ID_MAX || why == NULL || why[0] == '\0' ||
        strlen(why) > CASE_REASON_MAX || action == NULL)
        return azk_serve__result_page(rq, rs, 400, T_("Refused"),
                                      T_("A request needs a case, an action and a reason."),
                                      "/agents/cases");
    back_to(back, sizeof(back), id);
    rc = azk_serve__agents_case_ask(srv, rq, id, action, why);
    return azk_serve__act_result(srv, rq, rs, rc,
                                 T_("Requested; an approver (another person) must agree."), back);
}

AZK_SERVE_UI_HANDLER(azk_serve__h_agents_case_approve_page)
{
    const char *id = azk_serve__form(rq, "case_id");
    char back[3 * CASE_ID_MAX + 32];
    azk_status rc;
    if (id == NULL || id[0] == '\0' || strlen(id) > CASE_ID_MAX)
        return azk_serve__result_page(rq, rs, 400, T_("Refused"), T_("No such case."),
                                      "/agents/cases");
    back_to(back, sizeof(back), id);
    if (!azk_serve__stepped_up(srv, rq, rs, back, &rc))
        return rc;
    rc = azk_serve__agents_case_agree(srv, rq, id); /* requester != approver: the store's rule */
    return azk_serve__act_result(
        srv, rq, rs, rc, T_("Approved: the agent acts on its next call and reports."), back);
}
