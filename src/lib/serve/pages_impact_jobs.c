/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/pages_impact_jobs.c -- impact runs asked for in azukari serve
 * (issue 13, "Incidents: run or view impact results"): /impact/jobs lists
 * them; an operator asks for a run over an evidence folder of the home's
 * impact inbox (a label, never a path), an approver -- another person --
 * approves or refuses it, each with a step-up TOTP; `azukari impact
 * worker`, a process of its own, runs the approved ones and records their
 * incidents (the web server never decrypts a dataset nor parses the
 * evidence). The rules (two persons, labels, states, ledger) are the
 * library's: azukari/incident.h "impact jobs". /api/v1 twins answer JSON.
 */
#include "serve/serve_int.h"

#include "azukari/incident.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A job id as the library makes them ("JOB-" and [0-9A-Za-z-]), else not a cursor/id. */
static bool valid_job_id(const char *id)
{
    size_t n = id != NULL ? strlen(id) : 0;
    if (n < 5 || n >= AZK_IMPACT_JOB_ID_MAX || strncmp(id, "JOB-", 4) != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'A' && id[i] <= 'Z') ||
              (id[i] >= 'a' && id[i] <= 'z') || id[i] == '-'))
            return false;
    return true;
}

static const char *job_state_label(const char *s)
{
    if (strcmp(s, "pending") == 0)
        return T_("waiting for approval");
    if (strcmp(s, "queued") == 0)
        return T_("approved, waiting for the worker");
    if (strcmp(s, "refused") == 0)
        return T_("refused");
    if (strcmp(s, "running") == 0)
        return T_("running");
    if (strcmp(s, "done") == 0)
        return T_("done");
    if (strcmp(s, "failed") == 0)
        return T_("failed");
    return s;
}

struct jobs_view {
    json_t *items;
    size_t limit, n;
    bool more;
    char last[AZK_IMPACT_JOB_ID_MAX];
};

static json_t *str_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static azk_status job_item(const azk_impact_job *j, void *payload)
{
    struct jobs_view *v = payload;
    json_t *o;
    if (v->n == v->limit) {
        v->more = true;
        return AZK_OK;
    }
    o = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:I, s:o, s:I, s:I, s:I, s:o, s:o, s:I, s:I}",
                  "id", j->id, "label", j->label, "known_date", str_or_null(j->known_date), "cause",
                  j->cause, "state", j->state, "requested_by", j->requested_by, "requested_at",
                  (json_int_t)j->requested_at, "decided_by", str_or_null(j->decided_by),
                  "decided_at", (json_int_t)j->decided_at, "started_at", (json_int_t)j->started_at,
                  "finished_at", (json_int_t)j->finished_at, "incident", str_or_null(j->incident),
                  "error", str_or_null(j->error), "records", (json_int_t)j->records, "probable",
                  (json_int_t)j->probable);
    if (o != NULL && json_object_set_new(o, "population",
                                         j->population > 0 ? json_integer((json_int_t)j->population)
                                                           : json_null()) != 0) {
        json_decref(o);
        o = NULL;
    }
    if (o != NULL && json_object_set_new(o, "strict",
                                         j->strict_known ? json_integer((json_int_t)j->strict)
                                                         : json_null()) != 0) {
        json_decref(o);
        o = NULL;
    }
    if (o == NULL || json_array_append_new(v->items, o) != 0)
        return azk_error_nomem();
    v->n++;
    (void)snprintf(v->last, sizeof(v->last), "%s", j->id);
    return AZK_OK;
}

static azk_status view_jobs(struct azk_server *srv, struct azk_serve_req *rq, json_t **out)
{
    struct jobs_view v;
    const char *after = NULL;
    azk_status rc;
    *out = NULL;
    memset(&v, 0, sizeof(v));
    rc = azk_serve__page_args(rq, &v.limit, &after);
    if (rc != AZK_OK)
        return rc;
    if (after != NULL && !valid_job_id(after))
        return azk_error_set(AZK_ERR_ARG, "after is not a cursor of this list");
    v.items = json_array();
    if (v.items == NULL)
        return azk_error_nomem();
    rc = azk_impact_job_list(srv->h, after, v.limit + 1, job_item, &v);
    if (rc == AZK_OK) {
        *out = json_pack("{s:o, s:o}", "items", v.items, "next",
                         v.more ? json_string(v.last) : json_null());
        v.items = NULL;
        if (*out == NULL)
            rc = azk_error_nomem();
    }
    json_decref(v.items);
    return rc;
}

azk_status azk_serve__h_api_impact_jobs(struct azk_server *srv, struct azk_serve_req *rq,
                                        struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = view_jobs(srv, rq, &doc);
    return azk_serve__api_answer(rq, rs, rc, doc);
}

/* ---- the page ------------------------------------------------------------ */

static const char *jstr(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL ? s : "";
}

static azk_status request_form(azk_buf *b, const struct azk_serve_req *rq)
{
    azk_status rc = azk_buf_printf(b, "<h2>%s</h2><p>", T_("Ask for an impact run"));
    if (rc == AZK_OK)
        rc = azk_serve__html(
            b, T_("Put the files to analyse in a folder of the impact inbox of the closed-zone "
                  "host (<home>/impact-inbox/LABEL) and give its label. A second person approves "
                  "the run; azukari impact worker then runs it and records the incident. The "
                  "server itself never reads the files."));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</p>");
    if (rc == AZK_OK)
        rc = azk_serve__form_head(b, rq, "/impact/jobs/request", true);
    if (rc == AZK_OK)
        rc = azk_buf_printf(
            b,
            "<label>%s <input name=\"label\" required maxlength=\"64\" "
            "pattern=\"[A-Za-z0-9_][A-Za-z0-9._\\-]{0,63}\"></label> "
            "<label>%s <input name=\"known_date\" type=\"date\"></label> "
            "<label>%s <select name=\"cause\"><option value=\"unknown\">%s</option>"
            "<option value=\"unauthorized-access\">%s</option><option value=\"theft\">%s"
            "</option><option value=\"error\">%s</option><option value=\"other\">%s</option>"
            "</select></label> <label>%s <input name=\"population\" id=\"population\" "
            "type=\"number\" min=\"1000000\" max=\"10000000000\" step=\"1\"></label> "
            "<button type=\"submit\">%s</button></form>",
            T_("Folder label"), T_("Date the leak became known"), T_("Cause"), T_("not given"),
            T_("unauthorized access"), T_("theft or taking out"),
            T_("error (misdelivery, misoperation)"), T_("other"),
            T_("People the files may mention (optional; default: the worker's)"),
            T_("Ask for the run"));
    return rc;
}

static azk_status decide_forms(azk_buf *b, const struct azk_serve_req *rq, const char *id)
{
    static const char *const acts[2] = {"approve", "refuse"};
    azk_status rc = AZK_OK;
    for (int i = 0; rc == AZK_OK && i < 2; i++) {
        char action[40];
        if (i == 0 && rq->who.role != AZK_ROLE_APPROVER)
            continue;
        (void)snprintf(action, sizeof(action), "/impact/jobs/%s", acts[i]);
        rc = azk_serve__form_head(b, rq, action, true);
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "<input type=\"hidden\" name=\"id\" value=\"%s\">", id);
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "<button type=\"submit\">%s</button></form>",
                                i == 0 ? T_("Approve the run") : T_("Refuse"));
    }
    return rc;
}

static azk_status job_row_html(azk_buf *b, const struct azk_serve_req *rq, const json_t *it)
{
    const char *state = jstr(it, "state");
    azk_status rc = azk_buf_puts(b, "<tr><td>");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, jstr(it, "id"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td><td>");
    if (rc == AZK_OK)
        rc = azk_serve__html_time(b,
                                  (int64_t)json_integer_value(json_object_get(it, "requested_at")));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td><td>");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, jstr(it, "requested_by"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td><td>");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, jstr(it, "label"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "</td><td class=\"%s\">",
                            strcmp(state, "failed") == 0 || strcmp(state, "refused") == 0 ? "err"
                                                                                          : "ok");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, job_state_label(state));
    if (rc == AZK_OK && json_is_string(json_object_get(it, "error"))) {
        rc = azk_buf_puts(b, "<br>");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, jstr(it, "error"));
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td><td>");
    if (rc == AZK_OK)
        rc = azk_serve__html(
            b, json_is_string(json_object_get(it, "decided_by")) ? jstr(it, "decided_by") : "-");
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td><td>");
    if (rc == AZK_OK && json_is_string(json_object_get(it, "incident"))) {
        rc = azk_buf_puts(b, "<a href=\"/incident?id=");
        if (rc == AZK_OK)
            rc = azk_serve__url(b, jstr(it, "incident"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "\">");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, jstr(it, "incident"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</a>");
    } else if (rc == AZK_OK) {
        rc = azk_buf_puts(b, "-");
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td><td class=\"records\">");
    /* the strict count (the headline) with the total beside it, never a lone total */
    if (rc == AZK_OK && json_is_integer(json_object_get(it, "strict")))
        rc = azk_buf_printf(b, "<strong>%lld</strong> (%s %lld)",
                            (long long)json_integer_value(json_object_get(it, "strict")),
                            T_("total"),
                            (long long)json_integer_value(json_object_get(it, "records")));
    else if (rc == AZK_OK && json_is_string(json_object_get(it, "incident")))
        rc = azk_buf_printf(b, "- (%s %lld; %s)", T_("total"),
                            (long long)json_integer_value(json_object_get(it, "records")),
                            T_("split not recorded"));
    else if (rc == AZK_OK)
        rc = azk_buf_printf(b, "%lld",
                            (long long)json_integer_value(json_object_get(it, "records")));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "</td><td>%lld</td><td>",
                            (long long)json_integer_value(json_object_get(it, "probable")));
    if (rc == AZK_OK && strcmp(state, "pending") == 0 &&
        (rq->who.role == AZK_ROLE_OPERATOR || rq->who.role == AZK_ROLE_APPROVER))
        rc = decide_forms(b, rq, jstr(it, "id"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td></tr>");
    return rc;
}

azk_status azk_serve__h_impact_jobs(struct azk_server *srv, struct azk_serve_req *rq,
                                    struct azk_serve_resp *rs)
{
    json_t *doc = NULL, *items;
    azk_buf b = AZK_BUF_INIT;
    azk_status rc = view_jobs(srv, rq, &doc);
    if (rc == AZK_ERR_ARG)
        return azk_serve__bad_arg(rq, rs, false);
    if (rc != AZK_OK)
        return rc;
    items = json_object_get(doc, "items");
    rc = azk_buf_printf(&b, "<p><a href=\"/incidents\">%s</a></p>", T_("Incidents"));
    if (rc == AZK_OK && rq->who.role == AZK_ROLE_OPERATOR)
        rc = request_form(&b, rq);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b,
                            "<h2>%s</h2><table id=\"impact-jobs\"><thead><tr><th>%s</th>"
                            "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
                            "<th>%s</th><th>%s</th><th></th></tr></thead><tbody>",
                            T_("Runs asked for"), T_("Run"), T_("Asked at"), T_("Asked by"),
                            T_("Folder label"), T_("State"), T_("Decided by"), T_("Incident"),
                            T_("Records, strict (total)"), T_("Probable"));
    for (size_t i = 0; rc == AZK_OK && i < json_array_size(items); i++)
        rc = job_row_html(&b, rq, json_array_get(items, i));
    if (rc == AZK_OK && json_array_size(items) == 0)
        rc = azk_buf_printf(&b, "<tr><td colspan=\"10\">%s</td></tr>", T_("None."));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</tbody></table>");
    if (rc == AZK_OK)
        rc = azk_serve__html_next(&b, "/impact/jobs", doc);
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Impact runs"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

/* ---- acts ------------------------------------------------------------------ */

/* The end of an act: 200 with {"id","state"} or the result page; a library refusal as its
 * HTTP status with the library's message (ids and labels only); another error up. */
static azk_status act_answer(struct azk_server *srv, struct azk_serve_req *rq,
                             struct azk_serve_resp *rs, azk_status rc, const char *id,
                             const char *state, const char *done)
{
    unsigned st = azk_serve__status_of(rc);
    char msg[256];
    azk_serve__step_up_end(srv);
    if (rc == AZK_OK) {
        if (rq->api)
            return azk_serve__json(rs, 200, json_pack("{s:s, s:s}", "id", id, "state", state));
        return azk_serve__result_page(rq, rs, 200, T_("Done"), done, "/impact/jobs");
    }
    if (st == 0)
        return rc;
    (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
    azk_error_clear();
    return azk_serve__fail(rq, rs, st,
                           rc == AZK_ERR_NOTFOUND ? "not_found"
                           : rc == AZK_ERR_PERM   ? "forbidden"
                                                  : "bad_request",
                           msg);
}

/* Step-up with the request's code; false (the answer made in *rc) when refused. */
static bool step_up(struct azk_server *srv, struct azk_serve_req *rq, struct azk_serve_resp *rs,
                    azk_status *rc)
{
    *rc = azk_serve__step_up(srv, rq, azk_serve__form(rq, "code"));
    if (*rc == AZK_OK)
        return true;
    azk_serve__step_up_end(srv);
    if (*rc == AZK_ERR_PERM) {
        azk_error_clear();
        *rc = azk_serve__fail(
            rq, rs, 403, "step_up_failed",
            T_("The authenticator code was wrong or already used: nothing was changed."));
    }
    return false;
}

azk_status azk_serve__h_impact_job_request(struct azk_server *srv, struct azk_serve_req *rq,
                                           struct azk_serve_resp *rs)
{
    azk_incident_options io = AZK_INCIDENT_OPTIONS_INIT;
    const char *label = azk_serve__form(rq, "label");
    const char *date = azk_serve__form(rq, "known_date");
    const char *cause = azk_serve__form(rq, "cause");
    char id[AZK_IMPACT_JOB_ID_MAX];
    azk_status rc;
    const json_t *pj = rq->json != NULL ? json_object_get(rq->json, "population") : NULL;
    const char *pop = azk_serve__form(rq, "population");
    char *end = NULL;
    io.known_date = date != NULL && date[0] != '\0' ? date : NULL;
    /* the population: a number (JSON) or its text (form); empty = the worker's */
    if (json_is_number(pj))
        io.population = json_number_value(pj);
    else if (pop != NULL && pop[0] != '\0')
        io.population = strtod(pop, &end);
    if ((end != NULL && *end != '\0') ||
        (pj != NULL && !json_is_number(pj) && !json_is_string(pj) && !json_is_null(pj)) ||
        (io.population != 0 && !(io.population >= 1e6 && io.population <= 1e10)))
        return azk_serve__fail(rq, rs, 400, "bad_request",
                               T_("The population is a number of people from 1,000,000 to "
                                  "10,000,000,000, or empty."));
    /* what can be checked before the code is asked is checked first: a refusal uses no code */
    if (!azk_impact_job_label_valid(label))
        return azk_serve__fail(rq, rs, 400, "bad_request",
                               T_("The folder label is 1 to 64 ASCII letters, digits, '.', '_' "
                                  "or '-', not a path."));
    if (label == NULL || (cause != NULL && cause[0] != '\0' && strcmp(cause, "unknown") != 0 &&
                          !azk_impact_cause_parse(cause, &io.cause)))
        return azk_serve__fail(rq, rs, 400, "bad_request",
                               T_("A run needs the folder label; the cause is one of the list."));
    if (!step_up(srv, rq, rs, &rc))
        return rc;
    rc = azk_impact_job_request(srv->h, label, &io, id); /* the library's rules and ledger */
    return act_answer(srv, rq, rs, rc, id, "pending",
                      T_("The run was asked for; a second person approves it."));
}

static azk_status decide(struct azk_server *srv, struct azk_serve_req *rq,
                         struct azk_serve_resp *rs, bool approve)
{
    const char *id = azk_serve__form(rq, "id");
    azk_status rc;
    if (!valid_job_id(id))
        return azk_serve__fail(rq, rs, 400, "bad_request", T_("No such impact run."));
    if (!step_up(srv, rq, rs, &rc))
        return rc;
    rc = azk_impact_job_decide(srv->h, id, approve);
    return act_answer(srv, rq, rs, rc, id, approve ? "queued" : "refused",
                      approve ? T_("Approved: the worker runs it next.") : T_("Refused."));
}

azk_status azk_serve__h_impact_job_approve(struct azk_server *srv, struct azk_serve_req *rq,
                                           struct azk_serve_resp *rs)
{
    return decide(srv, rq, rs, true);
}

azk_status azk_serve__h_impact_job_refuse(struct azk_server *srv, struct azk_serve_req *rq,
                                          struct azk_serve_resp *rs)
{
    return decide(srv, rq, rs, false);
}
