/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/pages_requests.c -- requests and approvals in azukari serve:
 * retention requests (early deletion, extension) made by an operator and
 * approved or refused by an approver, and the release of files the guard
 * quarantined (requested by an operator, approved by an approver). Every
 * act asks the user's TOTP code again (step-up, serve/api.c) and then
 * calls the library's own two-person functions (retention/, guard/), which
 * refuse self-approval and write the ledger; nothing here decides who may
 * approve. The lists and their /api/v1 twins share one view each.
 */
#include "serve/serve_int.h"
#include "retention/identity.h"
#include "store/requests.h"
#include "store/serve_views.h"

#include "azukari/guard.h"
#include "azukari/retention.h"

#include <stdio.h>
#include <string.h>

#define REASON_MAX 1000

static const char *const req_keys[] = {"id",          "kind",        "dataset",      "client",
                                       "until",       "reason",      "requested_by", "requested_at",
                                       "approved_by", "approved_at", "state"};
static const struct azk_serve_col req_cols[] = {
    {"id", N_("Request"), 0},
    {"kind", N_("Kind"), AZK_COL_STATE},
    {"dataset", N_("Dataset"), AZK_COL_DATASET},
    {"client", N_("Client"), 0},
    {"until", N_("New deadline"), 0},
    {"reason", N_("Reason"), 0},
    {"requested_by", N_("Requested by"), 0},
    {"requested_at", N_("Requested at"), 0},
    {"approved_by", N_("Decided by"), 0},
    {"state", N_("State"), AZK_COL_STATE},
};

static const char *const guard_keys[] = {"id",     "state",       "path",      "requested_by",
                                         "reason", "approved_by", "updated_at"};
static const struct azk_serve_col guard_cols[] = {
    {"id", N_("Item"), 0},
    {"state", N_("State"), AZK_COL_STATE},
    {"path", N_("File"), 0},
    {"requested_by", N_("Requested by"), 0},
    {"reason", N_("Reason"), 0},
    {"approved_by", N_("Approved by"), 0},
    {"updated_at", N_("Updated at"), 0},
};

/* ---- views ------------------------------------------------------------- */

/* The requests (state filter: NULL or pending/approved/refused), one page. */
static azk_status view_requests(struct azk_server *srv, struct azk_serve_req *rq, json_t **out)
{
    const char *state = azk_serve__query(rq, "state");
    const char *after;
    size_t limit;
    struct azk_serve_list l;
    azk_status rc;
    *out = NULL;
    rc = azk_serve__page_args(rq, &limit, &after);
    if (rc != AZK_OK)
        return rc;
    if (state != NULL && state[0] == '\0')
        state = NULL;
    if (state != NULL && strcmp(state, "pending") != 0 && strcmp(state, "approved") != 0 &&
        strcmp(state, "refused") != 0)
        return azk_error_set(AZK_ERR_ARG, "state must be pending, approved or refused");
    rc = azk_serve__list_init(&l, req_keys, 11, 0, limit);
    if (rc == AZK_OK)
        rc = azk_store__requests_page(srv->h, state, after, limit + 1, azk_serve__list_row, &l);
    return azk_serve__list_finish(&l, rc, out);
}

/* The guard journal's items (all=1: also released ones), one page. */
static azk_status view_guard(struct azk_server *srv, struct azk_serve_req *rq, json_t **out)
{
    const char *all = azk_serve__query(rq, "all");
    const char *after;
    size_t limit;
    struct azk_serve_list l;
    azk_status rc;
    *out = NULL;
    rc = azk_serve__page_args(rq, &limit, &after);
    if (rc != AZK_OK)
        return rc;
    rc = azk_serve__list_init(&l, guard_keys, 7, 0, limit);
    if (rc == AZK_OK)
        rc = azk_store__guard_page(srv->h, all == NULL || strcmp(all, "1") != 0, after, limit + 1,
                                   azk_serve__list_row, &l);
    return azk_serve__list_finish(&l, rc, out);
}

azk_status azk_serve__h_api_requests(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = view_requests(srv, rq, &doc);
    return azk_serve__api_answer(rq, rs, rc, doc);
}

azk_status azk_serve__h_api_guard(struct azk_server *srv, struct azk_serve_req *rq,
                                  struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = view_guard(srv, rq, &doc);
    return azk_serve__api_answer(rq, rs, rc, doc);
}

/* ---- pages ------------------------------------------------------------- */

/* <option>s of the ids of items whose `key` equals `want`. */
static azk_status id_options(azk_buf *b, const json_t *items, const char *key, const char *want,
                             size_t *count)
{
    size_t i;
    const json_t *row;
    azk_status rc = AZK_OK;
    *count = 0;
    json_array_foreach(items, i, row)
    {
        const char *v = json_string_value(json_object_get(row, key));
        const char *id = json_string_value(json_object_get(row, "id"));
        if (rc != AZK_OK || v == NULL || id == NULL || strcmp(v, want) != 0)
            continue;
        rc = azk_buf_puts(b, "<option>");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, id);
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</option>");
        (*count)++;
    }
    return rc;
}

/* The head of a form that picks one item by id: <h2>heading</h2>, the form to `action` and an
 * open <label>label <select name="id" id="select_id"> with opts; the caller ends it. */
static azk_status pick_form_head(azk_buf *b, const struct azk_serve_req *rq, const char *heading,
                                 const char *action, const char *label, const char *select_id,
                                 const azk_buf *opts)
{
    azk_status rc = azk_buf_printf(b, "<h2>%s</h2>", heading);
    if (rc == AZK_OK)
        rc = azk_serve__form_head(b, rq, action, true);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<label>%s <select name=\"id\" id=\"%s\">", label, select_id);
    if (rc == AZK_OK)
        rc = azk_buf_put(b, opts->data, opts->len);
    return rc;
}

static azk_status bad_args_page(struct azk_serve_req *rq, struct azk_serve_resp *rs)
{
    char msg[256];
    (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
    azk_error_clear();
    return azk_serve__error_page(rq, rs, 400, msg);
}

azk_status azk_serve__h_requests(struct azk_server *srv, struct azk_serve_req *rq,
                                 struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_buf b = AZK_BUF_INIT;
    size_t n = 0;
    azk_status rc = view_requests(srv, rq, &doc);
    if (rc == AZK_ERR_ARG)
        return bad_args_page(rq, rs);
    if (rc != AZK_OK)
        return rc;
    rc = azk_buf_printf(&b,
                        "<p><a href=\"/requests?state=pending\">%s</a> | <a href=\"/requests\">%s"
                        "</a> | <a href=\"/guard\">%s</a></p>",
                        T_("Pending"), T_("All"), T_("Guard releases"));
    if (rc == AZK_OK && rq->who.role == AZK_ROLE_OPERATOR) {
        rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("New request"));
        if (rc == AZK_OK)
            rc = azk_serve__form_head(&b, rq, "/requests/new", true);
        if (rc == AZK_OK)
            rc = azk_buf_printf(
                &b,
                "<label>%s <select name=\"kind\" id=\"kind\"><option value=\"delete\">%s</option>"
                "<option value=\"extend\">%s</option></select></label><label>%s <input "
                "name=\"dataset\" id=\"req-dataset\" required maxlength=\"64\"></label><label>%s "
                "<input type=\"date\" name=\"until\" id=\"req-until\"></label><label>%s <input "
                "name=\"reason\" id=\"req-reason\" required maxlength=\"%d\"></label><button "
                "type=\"submit\" id=\"req-submit\">%s</button></form>",
                T_("Kind"), T_("early deletion"), T_("extension"), T_("Dataset"),
                T_("New deadline (extension only)"), T_("Reason"), REASON_MAX, T_("Request"));
    }
    if (rc == AZK_OK && rq->who.role == AZK_ROLE_APPROVER) {
        azk_buf opts = AZK_BUF_INIT;
        rc = id_options(&opts, json_object_get(doc, "items"), "state", "pending", &n);
        if (rc == AZK_OK && n > 0) {
            rc = pick_form_head(&b, rq, T_("Approve or refuse"), "/requests/approve", T_("Request"),
                                "approve-id", &opts);
            if (rc == AZK_OK)
                rc = azk_buf_printf(
                    &b,
                    "</select></label><button type=\"submit\" id=\"approve\">%s</button> "
                    "<button type=\"submit\" id=\"refuse\" formaction=\"/requests/refuse\">%s"
                    "</button></form>",
                    T_("Approve"), T_("Refuse"));
        }
        azk_buf_dispose(&opts);
    }
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Requests"));
    if (rc == AZK_OK)
        rc = azk_serve__html_table(&b, "requests", req_cols, sizeof(req_cols) / sizeof(req_cols[0]),
                                   json_object_get(doc, "items"));
    if (rc == AZK_OK)
        rc = azk_serve__html_next(&b,
                                  azk_serve__query(rq, "state") != NULL &&
                                          strcmp(azk_serve__query(rq, "state"), "pending") == 0
                                      ? "/requests?state=pending"
                                      : "/requests",
                                  doc);
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Requests and approvals"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

azk_status azk_serve__h_guard(struct azk_server *srv, struct azk_serve_req *rq,
                              struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_buf b = AZK_BUF_INIT, opts = AZK_BUF_INIT;
    size_t n = 0;
    azk_status rc = view_guard(srv, rq, &doc);
    if (rc == AZK_ERR_ARG)
        return bad_args_page(rq, rs);
    if (rc != AZK_OK)
        return rc;
    rc = azk_buf_printf(&b, "<p><a href=\"/guard\">%s</a> | <a href=\"/guard?all=1\">%s</a></p>",
                        T_("Open items"), T_("All"));
    if (rc == AZK_OK && rq->who.role == AZK_ROLE_OPERATOR) {
        rc = id_options(&opts, json_object_get(doc, "items"), "state", "quarantined", &n);
        if (rc == AZK_OK && n > 0) {
            rc = pick_form_head(&b, rq, T_("Ask for a release"), "/guard/request", T_("Item"),
                                "guard-id", &opts);
            if (rc == AZK_OK)
                rc = azk_buf_printf(&b,
                                    "</select></label><label>%s <input name=\"reason\" "
                                    "required maxlength=\"%d\"></label><button type=\"submit\" "
                                    "id=\"guard-request\">%s</button></form>",
                                    T_("Reason"), REASON_MAX, T_("Request"));
        }
    }
    if (rc == AZK_OK && rq->who.role == AZK_ROLE_APPROVER) {
        rc = id_options(&opts, json_object_get(doc, "items"), "state", "requested", &n);
        if (rc == AZK_OK && n > 0) {
            rc = pick_form_head(&b, rq, T_("Approve a release"), "/guard/approve", T_("Item"),
                                "guard-id", &opts);
            if (rc == AZK_OK)
                rc = azk_buf_printf(&b,
                                    "</select></label><button type=\"submit\" "
                                    "id=\"guard-approve\">%s</button></form>",
                                    T_("Approve"));
        }
    }
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Quarantined files"));
    if (rc == AZK_OK)
        rc = azk_serve__html_table(&b, "guard", guard_cols,
                                   sizeof(guard_cols) / sizeof(guard_cols[0]),
                                   json_object_get(doc, "items"));
    if (rc == AZK_OK)
        rc = azk_serve__html_next(
            &b, azk_serve__query(rq, "all") != NULL ? "/guard?all=1" : "/guard", doc);
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Guard releases"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&opts);
    azk_buf_dispose(&b);
    return rc;
}

/* ---- acts -------------------------------------------------------------- */

/* The outcome of a library act: done (200 page) or its error as a page (4xx); other
 * errors go up (500). */
static azk_status act_result(struct azk_server *srv, struct azk_serve_req *rq,
                             struct azk_serve_resp *rs, azk_status rc, const char *done,
                             const char *back)
{
    unsigned st = azk_serve__status_of(rc);
    azk_serve__step_up_end(srv);
    if (rc == AZK_OK)
        return azk_serve__result_page(rq, rs, 200, T_("Done"), done, back);
    if (st == 0)
        return rc;
    {
        char msg[512];
        (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
        azk_error_clear();
        return azk_serve__result_page(rq, rs, st, T_("Refused"), msg, back);
    }
}

/* Step-up with the form's code; false (and the answer made) when refused. */
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

/* The two above, for the other pages' acts (serve_int.h). */
bool azk_serve__stepped_up(struct azk_server *srv, struct azk_serve_req *rq,
                           struct azk_serve_resp *rs, const char *back, azk_status *rc)
{
    return stepped_up(srv, rq, rs, back, rc);
}

azk_status azk_serve__act_result(struct azk_server *srv, struct azk_serve_req *rq,
                                 struct azk_serve_resp *rs, azk_status rc, const char *done,
                                 const char *back)
{
    return act_result(srv, rq, rs, rc, done, back);
}

static bool valid_reason(const char *r)
{
    return r != NULL && r[0] != '\0' && strlen(r) <= REASON_MAX;
}

azk_status azk_serve__h_request_new(struct azk_server *srv, struct azk_serve_req *rq,
                                    struct azk_serve_resp *rs)
{
    const char *kind = azk_serve__form(rq, "kind");
    const char *ds = azk_serve__form(rq, "dataset");
    const char *until = azk_serve__form(rq, "until");
    const char *reason = azk_serve__form(rq, "reason");
    bool extend = kind != NULL && strcmp(kind, "extend") == 0;
    char id[16], msg[128];
    azk_status rc;
    if (kind == NULL || (!extend && strcmp(kind, "delete") != 0) || ds == NULL ||
        !azk_store__valid_id(ds) || !valid_reason(reason) ||
        (extend && (until == NULL || strlen(until) != 10)))
        return azk_serve__result_page(rq, rs, 400, T_("Refused"),
                                      T_("A request needs a kind, a dataset id, a reason and, "
                                         "for an extension, a new deadline (YYYY-MM-DD)."),
                                      "/requests");
    if (!stepped_up(srv, rq, rs, "/requests", &rc))
        return rc;
    rc = azk_retention_request(srv->h, ds, extend ? until : NULL, reason, id);
    if (rc == AZK_OK)
        (void)snprintf(msg, sizeof(msg), "%s: %s", T_("Request made; a second person approves it"),
                       id);
    return act_result(srv, rq, rs, rc, msg, "/requests?state=pending");
}

azk_status azk_serve__h_request_approve(struct azk_server *srv, struct azk_serve_req *rq,
                                        struct azk_serve_resp *rs)
{
    const char *id = azk_serve__form(rq, "id");
    azk_status rc;
    if (id == NULL || strlen(id) >= 16)
        return azk_serve__result_page(rq, rs, 400, T_("Refused"), T_("No such request."),
                                      "/requests?state=pending");
    if (!stepped_up(srv, rq, rs, "/requests?state=pending", &rc))
        return rc;
    rc = azk_retention_approve(srv->h, id); /* requester != approver: the library's rule */
    return act_result(srv, rq, rs, rc, T_("Request approved."), "/requests?state=pending");
}

azk_status azk_serve__h_request_refuse(struct azk_server *srv, struct azk_serve_req *rq,
                                       struct azk_serve_resp *rs)
{
    const char *id = azk_serve__form(rq, "id");
    struct azk_store_request r;
    struct azk_store_event ev = {0};
    const char *me = NULL;
    bool found = false;
    azk_status rc;
    if (id == NULL || strlen(id) >= 16)
        return azk_serve__result_page(rq, rs, 400, T_("Refused"), T_("No such request."),
                                      "/requests?state=pending");
    if (!stepped_up(srv, rq, rs, "/requests?state=pending", &rc))
        return rc;
    rc = azk_store__request_get(srv->h, id, &r, &found);
    if (rc == AZK_OK && !found)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no request %s", id);
    /* the second person of the request decides, as for an approval */
    if (rc == AZK_OK)
        rc = azk_identity__approver(srv->h, "retention.refuse", id, r.requested_by, NULL, &me);
    if (rc == AZK_OK) {
        ev.action = "retention.refuse";
        ev.object = id;
        rc = azk_store__request_refuse(srv->h, id, me, &ev);
    }
    return act_result(srv, rq, rs, rc, T_("Request refused."), "/requests?state=pending");
}

azk_status azk_serve__h_guard_request(struct azk_server *srv, struct azk_serve_req *rq,
                                      struct azk_serve_resp *rs)
{
    const char *id = azk_serve__form(rq, "id");
    const char *reason = azk_serve__form(rq, "reason");
    azk_status rc;
    if (id == NULL || strlen(id) > 64 || !valid_reason(reason))
        return azk_serve__result_page(rq, rs, 400, T_("Refused"),
                                      T_("A release request needs an item and a reason."),
                                      "/guard");
    if (!stepped_up(srv, rq, rs, "/guard", &rc))
        return rc;
    rc = azk_guard_request(srv->h, id, reason);
    return act_result(srv, rq, rs, rc, T_("Release requested; a second person approves it."),
                      "/guard");
}

azk_status azk_serve__h_guard_approve(struct azk_server *srv, struct azk_serve_req *rq,
                                      struct azk_serve_resp *rs)
{
    const char *id = azk_serve__form(rq, "id");
    char *dest = NULL;
    azk_status rc;
    if (id == NULL || strlen(id) > 64)
        return azk_serve__result_page(rq, rs, 400, T_("Refused"), T_("No such item."), "/guard");
    if (!stepped_up(srv, rq, rs, "/guard", &rc))
        return rc;
    rc = azk_guard_approve(srv->h, id, &dest); /* requester != approver: the library's rule */
    azk_guard_mem_free(dest);                  /* the file's name is not shown */
    return act_result(srv, rq, rs, rc, T_("Release approved: the file is in the release folder."),
                      "/guard");
}
