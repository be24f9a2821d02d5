/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/agents_api.c -- the people's side of agents in azukari serve's
 * JSON API (main listener, session + role + CSRF like every route of
 * serve/routes.c): the list of agents, the findings they reported (the
 * server must say where a file is: paths are shown to operators and
 * approvers only, azk_serve__agents_may_see_path),
 * one-time enrolment tokens and revocation (administrators). The rules
 * and ledger entries are the library's (serve/agents_admin.c). The lists
 * are built once as views (azk_serve__agents_*_view) that the HTML pages
 * of serve/agents_pages.c render too; the case acts are shared the same
 * way.
 */
#include "serve/agents_int.h"
#include "serve/serve_int.h"
#include "store/agents_read.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct list {
    json_t *items;
    char last[80];
    size_t n;
    azk_home *h;
};

static azk_status agent_item(const struct azk_store_agent_row *a, void *payload)
{
    struct list *l = payload;
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "id", a->id, "host", a->host,
                  "group", a->grp, "zone", a->zone, "state", a->state, "enrolled_at",
                  (json_int_t)a->enrolled_at, "seen_at", (json_int_t)a->seen_at, "objects",
                  (json_int_t)a->objects, "objects_with_entrusted", (json_int_t)a->edm_objects);
    int64_t expiry = 0;
    azk_status rc = azk_store__agent_cert_expiry(l->h, a->id, &expiry);
    if (rc != AZK_OK) {
        json_decref(o);
        return rc;
    }
    if (o == NULL || json_object_set_new(o, "cert_expires_at", json_integer(expiry)) != 0) {
        json_decref(o);
        return azk_error_nomem();
    }
    if (json_array_append_new(l->items, o) != 0)
        return azk_error_nomem();
    (void)snprintf(l->last, sizeof(l->last), "%s", a->id);
    l->n++;
    return AZK_OK;
}

/* The list's document {"items", "next"} (l->items moved into it), or the error of rc. */
static azk_status list_doc(struct list *l, size_t limit, azk_status rc, json_t **out)
{
    json_t *next;
    *out = NULL;
    if (rc != AZK_OK) {
        json_decref(l->items);
        return rc;
    }
    next = l->n == limit ? json_string(l->last) : json_null();
    *out = json_pack("{s:o, s:o}", "items", l->items, "next", next);
    return *out != NULL ? AZK_OK : azk_error_nomem();
}

azk_status azk_serve__agents_view(struct azk_server *srv, struct azk_serve_req *rq, json_t **out)
{
    struct list l = {NULL, "", 0, srv->h};
    const char *after = NULL;
    size_t limit = 0;
    azk_status rc = azk_serve__page_args(rq, &limit, &after);
    *out = NULL;
    if (rc != AZK_OK)
        return rc;
    l.items = json_array();
    if (l.items == NULL)
        return azk_error_nomem();
    rc = azk_store__agents_each(srv->h, after != NULL ? after : "", limit, agent_item, &l);
    return list_doc(&l, limit, rc, out);
}

azk_status azk_serve__h_agents_list(struct azk_server *srv, struct azk_serve_req *rq,
                                    struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = azk_serve__agents_view(srv, rq, &doc);
    return azk_serve__api_answer(rq, rs, rc, doc);
}

static json_t *parsed(const char *text)
{
    json_error_t je;
    json_t *v = text != NULL ? json_loads(text, JSON_DECODE_ANY, &je) : NULL;
    return v != NULL ? v : json_null();
}

static azk_status finding_item(const struct azk_store_agent_finding *f, void *payload)
{
    struct list *l = payload;
    json_t *o =
        json_pack("{s:s, s:I, s:s, s:s, s:s, s:I, s:I, s:s?, s:o, s:o, s:o, s:I, s:f}", "batch_id",
                  f->batch_id, "seq", (json_int_t)f->seq, "agent_id", f->agent_id, "host", f->host,
                  "path", f->path != NULL ? f->path : "", "size", (json_int_t)f->size, "mtime",
                  (json_int_t)f->mtime, "format", f->format, "counts", parsed(f->counts),
                  "examples", parsed(f->examples), "entrusted", parsed(f->edm), "entrusted_records",
                  (json_int_t)f->edm_records, "score", (double)f->score_milli / 1000.0);
    if (o == NULL || json_array_append_new(l->items, o) != 0)
        return azk_error_nomem();
    (void)snprintf(l->last, sizeof(l->last), "%s:%lld", f->batch_id, (long long)f->seq);
    l->n++;
    return AZK_OK;
}

azk_status azk_serve__agents_findings_view(struct azk_server *srv, struct azk_serve_req *rq,
                                           json_t **out)
{
    struct list l = {NULL, "", 0, NULL};
    const char *after = NULL, *only = azk_serve__query(rq, "entrusted");
    char batch[40] = "";
    long long seq = -1;
    size_t limit = 0;
    azk_status rc = azk_serve__page_args(rq, &limit, &after);
    if (rc == AZK_OK && after != NULL) {
        const char *colon = strchr(after, ':');
        char *end = NULL;
        if (colon == NULL || colon - after != AZK_AGENT_BATCH_ID_HEXLEN)
            rc = azk_error_set(AZK_ERR_ARG, "after must be a cursor from a previous page");
        else {
            memcpy(batch, after, AZK_AGENT_BATCH_ID_HEXLEN);
            seq = strtoll(colon + 1, &end, 10);
            if (end == NULL || *end != '\0' || seq < 0)
                rc = azk_error_set(AZK_ERR_ARG, "after must be a cursor from a previous page");
        }
    }
    *out = NULL;
    if (rc != AZK_OK)
        return rc;
    l.items = json_array();
    if (l.items == NULL)
        return azk_error_nomem();
    rc = azk_store__agent_findings_each(srv->h, batch, seq, only != NULL && strcmp(only, "1") == 0,
                                        limit, finding_item, &l);
    if (rc == AZK_OK)
        rc = azk_serve__agents_hide_paths(rq, l.items);
    return list_doc(&l, limit, rc, out);
}

azk_status azk_serve__h_agents_findings(struct azk_server *srv, struct azk_serve_req *rq,
                                        struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = azk_serve__agents_findings_view(srv, rq, &doc);
    return azk_serve__api_answer(rq, rs, rc, doc);
}

azk_status azk_serve__h_agents_token(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs)
{
    const char *group = azk_serve__form(rq, "group"), *zone = azk_serve__form(rq, "zone");
    const char *valid = azk_serve__form(rq, "valid");
    unsigned long v = 0;
    char tok[80];
    azk_status rc;
    if (valid != NULL) {
        char *end = NULL;
        v = strtoul(valid, &end, 10);
        if (end == NULL || *end != '\0' || v == 0 || v > 30ul * 86400)
            return azk_serve__api_error(rs, 400, "bad_request", "valid: 1-2592000 seconds");
    }
    rc = azk_agent_token_create(srv->h, group != NULL ? group : "", zone != NULL ? zone : "general",
                                (unsigned)v, tok, sizeof(tok));
    if (rc == AZK_ERR_ARG) {
        char msg[160];
        (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
        azk_error_clear();
        return azk_serve__api_error(rs, 400, "bad_request", msg);
    }
    if (rc != AZK_OK)
        return rc;
    rc = azk_serve__json(rs, 201, json_pack("{s:s}", "token", tok));
    memset(tok, 0, sizeof(tok));
    return rc;
}

azk_status azk_serve__h_agents_revoke(struct azk_server *srv, struct azk_serve_req *rq,
                                      struct azk_serve_resp *rs)
{
    const char *id = azk_serve__form(rq, "agent_id"), *why = azk_serve__form(rq, "reason");
    const char *code = azk_serve__form(rq, "code");
    azk_status rc;
    if (id == NULL || id[0] == '\0' || strlen(id) > 64 || code == NULL)
        return azk_serve__api_error(rs, 400, "bad_request", "agent_id and code are required");
    /* the same step-up as the page's revocation (agents_pages.c) */
    rc = azk_serve__step_up(srv, rq, code);
    if (rc == AZK_ERR_PERM) {
        azk_error_clear();
        return azk_serve__api_error(rs, 403, "step_up_failed",
                                    "step-up authentication failed (wrong or used TOTP code)");
    }
    if (rc != AZK_OK)
        return rc;
    rc = azk_agent_revoke(srv->h, id, why);
    if (rc == AZK_ERR_NOTFOUND) {
        azk_error_clear();
        return azk_serve__api_error(rs, 404, "not_found", "no such agent");
    }
    if (rc != AZK_OK)
        return rc;
    return azk_serve__json(rs, 200, json_pack("{s:s, s:s}", "agent_id", id, "state", "revoked"));
}

/* ---- cases: the whole story, and the two-person quarantine ----------------- */

static json_t *str_or_null(const char *s)
{
    return s != NULL ? json_string(s) : json_null();
}

static azk_status step_item(int64_t at, const char *actor, const char *step, const char *detail,
                            void *payload)
{
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:o}", "at", (json_int_t)at, "by", actor != NULL ? actor : "",
                  "step", step != NULL ? step : "", "detail", str_or_null(detail));
    if (o == NULL || json_array_append_new((json_t *)payload, o) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

json_t *azk_serve__agent_case_json(const struct azk_store_agent_case *c)
{
    return json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:I, s:o, s:I, s:I, s:I, s:{s:I, s:o, s:I, s:o, "
        "s:o, s:I, s:o, s:I, s:o}}",
        "id", c->id, "agent_id", c->agent_id, "host", c->host != NULL ? c->host : "", "path",
        c->path != NULL ? c->path : "", "state", c->state, "records", (json_int_t)c->records,
        "entrusted", parsed(c->edm), "size", (json_int_t)c->size, "mtime", (json_int_t)c->mtime,
        "opened_at", (json_int_t)c->opened_at, "story", "opened_at", (json_int_t)c->opened_at,
        "requested_by", str_or_null(c->requested_by), "requested_at", (json_int_t)c->requested_at,
        "reason", str_or_null(c->reason), "approved_by", str_or_null(c->approved_by), "approved_at",
        (json_int_t)c->approved_at, "outcome", str_or_null(c->outcome), "done_at",
        (json_int_t)c->done_at, "done", c->done_at != 0 ? json_true() : json_false());
}

static azk_status case_item(const struct azk_store_agent_case *c, void *payload)
{
    struct list *l = payload;
    json_t *o = azk_serve__agent_case_json(c), *steps = json_array();
    azk_status rc;
    if (o == NULL || steps == NULL || json_object_set_new(o, "steps", steps) != 0 ||
        json_object_set_new(o, "action",
                            json_string(c->action != NULL ? c->action : "quarantine")) != 0 ||
        json_array_append_new(l->items, o) != 0)
        return azk_error_nomem();
    rc = azk_store__agent_case_steps_each(l->h, c->id, step_item, steps);
    if (rc != AZK_OK)
        return rc;
    (void)snprintf(l->last, sizeof(l->last), "%s", c->id);
    l->n++;
    return AZK_OK;
}

azk_status azk_serve__agents_cases_view(struct azk_server *srv, struct azk_serve_req *rq,
                                        json_t **out)
{
    struct list l = {NULL, "", 0, srv->h};
    const char *after = NULL;
    size_t limit = 0;
    azk_status rc = azk_serve__page_args(rq, &limit, &after);
    *out = NULL;
    if (rc != AZK_OK)
        return rc;
    l.items = json_array();
    if (l.items == NULL)
        return azk_error_nomem();
    rc =
        azk_store__agent_cases_each(srv->h, after != NULL ? after : "", limit, NULL, case_item, &l);
    if (rc == AZK_OK)
        rc = azk_serve__agents_hide_paths(rq, l.items);
    return list_doc(&l, limit, rc, out);
}

azk_status azk_serve__h_agents_cases(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = azk_serve__agents_cases_view(srv, rq, &doc);
    return azk_serve__api_answer(rq, rs, rc, doc);
}

azk_status azk_serve__agents_case_view(struct azk_server *srv, struct azk_serve_req *rq,
                                       const char *id, json_t **out)
{
    struct list l = {NULL, "", 0, srv->h};
    bool found = false;
    azk_status rc;
    *out = NULL;
    l.items = json_array();
    if (l.items == NULL)
        return azk_error_nomem();
    rc = azk_store__agent_case_get(srv->h, id, case_item, &l, &found);
    if (rc == AZK_OK && !found)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no such case");
    if (rc == AZK_OK)
        rc = azk_serve__agents_hide_paths(rq, l.items);
    if (rc == AZK_OK) {
        *out = json_incref(json_array_get(l.items, 0));
        if (*out == NULL)
            rc = azk_error_nomem();
    }
    json_decref(l.items);
    return rc;
}

/* A library refusal as the stable error object (no value is in these messages). */
static azk_status case_refusal(struct azk_serve_resp *rs, azk_status rc)
{
    char msg[200];
    unsigned status = rc == AZK_ERR_NOTFOUND ? 404 : rc == AZK_ERR_PERM ? 403 : 409;
    const char *code = rc == AZK_ERR_NOTFOUND ? "not_found"
                       : rc == AZK_ERR_PERM   ? "two_person_rule"
                                              : "wrong_state";
    (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
    azk_error_clear();
    return azk_serve__api_error(rs, status, code, msg);
}

azk_status azk_serve__agents_case_ask(struct azk_server *srv, const struct azk_serve_req *rq,
                                      const char *id, const char *action, const char *why)
{
    struct azk_store_event ev = {0};
    ev.action = "agent.case.request";
    ev.object = id;
    ev.outcome = NULL;
    ev.reason = action; /* the reason text stays in the catalog: it may name a file */
    return azk_store__agent_case_request(srv->h, id, rq->who.name, action, why, (int64_t)time(NULL),
                                         &ev);
}

azk_status azk_serve__agents_case_agree(struct azk_server *srv, const struct azk_serve_req *rq,
                                        const char *id)
{
    struct azk_store_event ev = {0};
    ev.action = "agent.case.approve";
    ev.object = id;
    /* requester != approver: checked by the store inside the transaction */
    return azk_store__agent_case_approve(srv->h, id, rq->who.name, (int64_t)time(NULL), &ev);
}

azk_status azk_serve__h_agents_case_request(struct azk_server *srv, struct azk_serve_req *rq,
                                            struct azk_serve_resp *rs)
{
    const char *id = azk_serve__form(rq, "case_id"), *why = azk_serve__form(rq, "reason");
    const char *action = azk_serve__form(rq, "action");
    azk_status rc;
    if (id == NULL || id[0] == '\0' || why == NULL || why[0] == '\0' || strlen(why) > 500)
        return azk_serve__api_error(rs, 400, "bad_request", "case_id and a reason are required");
    if (action == NULL)
        action = "quarantine";
    rc = azk_serve__agents_case_ask(srv, rq, id, action, why);
    if (rc == AZK_ERR_NOTFOUND || rc == AZK_ERR_ARG)
        return case_refusal(rs, rc);
    if (rc != AZK_OK)
        return rc;
    return azk_serve__json(rs, 200, json_pack("{s:s, s:s}", "id", id, "state", "requested"));
}

azk_status azk_serve__h_agents_case_approve(struct azk_server *srv, struct azk_serve_req *rq,
                                            struct azk_serve_resp *rs)
{
    const char *id = azk_serve__form(rq, "case_id"), *code = azk_serve__form(rq, "code");
    azk_status rc;
    if (id == NULL || id[0] == '\0' || code == NULL)
        return azk_serve__api_error(rs, 400, "bad_request", "case_id and code are required");
    rc = azk_serve__step_up(srv, rq, code);
    if (rc == AZK_ERR_PERM) {
        azk_error_clear();
        return azk_serve__api_error(rs, 403, "step_up_failed",
                                    "step-up authentication failed (wrong or used TOTP code)");
    }
    if (rc != AZK_OK)
        return rc;
    rc = azk_serve__agents_case_agree(srv, rq, id);
    if (rc == AZK_ERR_NOTFOUND || rc == AZK_ERR_ARG || rc == AZK_ERR_PERM)
        return case_refusal(rs, rc);
    if (rc != AZK_OK)
        return rc;
    return azk_serve__json(rs, 200, json_pack("{s:s, s:s}", "id", id, "state", "approved"));
}

/* ---- the witness of closed-zone ledgers -------------------------------------- */

static azk_status witness_item(const char *agent_id, const char *host,
                               const struct azk_store_witness *w, void *payload)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:I, s:o}", "agent_id", agent_id, "host",
                          host != NULL ? host : "", "vkey", w->vkey, "size", (json_int_t)w->size,
                          "root", w->root, "checkpoints", (json_int_t)w->checkpoints, "alarm",
                          w->alarm[0] != '\0' ? json_string(w->alarm) : json_null());
    if (o == NULL || json_array_append_new((json_t *)payload, o) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

static azk_status checkpoint_item(const struct azk_store_checkpoint *c, void *payload)
{
    json_t *o = json_pack("{s:I, s:s, s:I, s:b}", "size", (json_int_t)c->size, "root",
                          c->root != NULL ? c->root : "", "received_at", (json_int_t)c->received_at,
                          "consistent", c->consistent);
    if (o == NULL || json_array_append_new((json_t *)payload, o) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

azk_status azk_serve__agents_witness_view(struct azk_server *srv, struct azk_serve_req *rq,
                                          json_t **out)
{
    json_t *items, *it;
    const char *after;
    size_t i, limit;
    bool more = false;
    azk_status rc;
    *out = NULL;
    rc = azk_serve__page_args(rq, &limit, &after);
    if (rc != AZK_OK)
        return rc;
    items = json_array();
    if (items == NULL)
        return azk_error_nomem();
    rc = azk_store__witness_page(srv->h, after != NULL ? after : "", limit, witness_item, items,
                                 &more);
    /* each host's last checkpoints, newest first, the inconsistent ones included */
    json_array_foreach(items, i, it)
    {
        json_t *recent = json_array();
        if (rc != AZK_OK)
            break;
        if (recent == NULL || json_object_set_new(it, "recent", recent) != 0)
            rc = azk_error_nomem();
        else
            rc = azk_store__witness_checkpoints_each(
                srv->h, json_string_value(json_object_get(it, "agent_id")),
                AZK_SERVE_WITNESS_RECENT, checkpoint_item, recent);
    }
    if (rc == AZK_OK) {
        const json_t *last = json_array_get(items, json_array_size(items) - 1);
        const char *cur = more ? json_string_value(json_object_get(last, "agent_id")) : NULL;
        *out = json_pack("{s:o, s:s?}", "items", items, "next", cur);
        return *out != NULL ? AZK_OK : azk_error_nomem();
    }
    json_decref(items);
    return rc;
}

azk_status azk_serve__h_agents_witness(struct azk_server *srv, struct azk_serve_req *rq,
                                       struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = azk_serve__agents_witness_view(srv, rq, &doc);
    return azk_serve__api_answer(rq, rs, rc, doc);
}
