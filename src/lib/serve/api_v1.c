/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/api_v1.c -- the platform's part of /api/v1: the error answer in
 * the request's kind (JSON error object for the API, a page otherwise),
 * GET /api/v1/me (who the session is, and its CSRF token for the
 * X-CSRF-Token header of state-changing calls), and the JSON twins of the
 * dashboard and the dataset list (GET /api/v1/dashboard,
 * GET /api/v1/datasets: cursor-paginated on the dataset id). Same rules
 * as the pages: a client user sees only its granted clients. Described in
 * docs/api/openapi.yaml.
 */
#include "serve/serve_int.h"
#include "store/datasets.h"
#include "store/serve.h"
#include "store/serve_plat.h"

#include "azukari/audit.h"

#include <jansson.h>
#include <string.h>

azk_status azk_serve__fail(struct azk_serve_req *rq, struct azk_serve_resp *rs, unsigned status,
                           const char *code, const char *msg)
{
    if (rq->api)
        return azk_serve__api_error(rs, status, code, msg);
    return azk_serve__error_page(rq, rs, status, msg);
}

static azk_status grant_list(const char *client, void *payload)
{
    return json_array_append_new(payload, json_string(client)) == 0 ? AZK_OK : azk_error_nomem();
}

azk_status azk_serve__h_api_me(struct azk_server *srv, struct azk_serve_req *rq,
                               struct azk_serve_resp *rs)
{
    const char *role = azk_serve__role_name(rq->who.role);
    json_t *grants = json_array();
    azk_status rc;
    if (grants == NULL)
        return azk_error_nomem();
    /* a client user's clients; staff see every client (an empty list here) */
    rc = rq->who.role == AZK_ROLE_CLIENT
             ? azk_store__grants_each(srv->h, rq->who.name, grant_list, grants)
             : AZK_OK;
    if (rc != AZK_OK) {
        json_decref(grants);
        return rc;
    }
    return azk_serve__json(rs, 200,
                           json_pack("{s:s, s:s, s:s, s:s, s:o}", "name", rq->who.name, "role",
                                     role != NULL ? role : "", "csrf", rq->who.csrf, "lang",
                                     rq->lang, "clients", grants));
}

/* POST /api/v1/logout: the session ends (the JSON twin of POST /logout). */
azk_status azk_serve__h_api_logout(struct azk_server *srv, struct azk_serve_req *rq,
                                   struct azk_serve_resp *rs)
{
    azk_status rc = azk_serve__h_logout(srv, rq, rs); /* ledger serve.logout, cookie cleared */
    if (rc != AZK_OK)
        return rc;
    rs->location[0] = '\0';
    return azk_serve__json(rs, 200, json_pack("{s:b}", "ok", 1));
}

/* ---- dashboard --------------------------------------------------------- */

struct counts {
    json_t *list;
    json_int_t held, overdue;
    const char *after; /* the page: clients after this one (NULL: from the first) */
    size_t limit;
    bool more;
};

/* Every client adds to the totals; only one page of them is listed (in client order). */
static azk_status count_cb(const struct azk_store_client_counts *c, void *payload)
{
    struct counts *t = payload;
    const char *client = c->client != NULL ? c->client : "";
    json_t *row;
    t->held += c->held;
    t->overdue += c->overdue;
    if (t->after != NULL && strcmp(client, t->after) <= 0)
        return AZK_OK;
    if (json_array_size(t->list) >= t->limit) {
        t->more = true;
        return AZK_OK;
    }
    row = json_pack("{s:s, s:I, s:I, s:I}", "client", client, "held", (json_int_t)c->held,
                    "overdue", (json_int_t)c->overdue, "on_hold", (json_int_t)c->on_hold);
    if (row == NULL || json_array_append_new(t->list, row) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

azk_status azk_serve__h_api_dashboard(struct azk_server *srv, struct azk_serve_req *rq,
                                      struct azk_serve_resp *rs)
{
    struct counts c = {0};
    char today[16];
    json_t *doc;
    const json_t *last;
    azk_status rc;
    azk_store__today(today);
    rc = azk_serve__page_args(rq, &c.limit, &c.after);
    if (rc != AZK_OK)
        return azk_serve__bad_arg(rq, rs, true);
    c.list = json_array();
    if (c.list == NULL)
        return azk_error_nomem();
    /* one aggregate query; a client user: its granted clients only */
    rc = azk_store__dataset_counts(
        srv->h, today, rq->who.role == AZK_ROLE_CLIENT ? rq->who.name : NULL, count_cb, &c);
    if (rc != AZK_OK) {
        json_decref(c.list);
        return rc;
    }
    last = json_array_get(c.list, json_array_size(c.list) - 1);
    doc = json_pack("{s:s, s:I, s:I, s:o, s:s?}", "today", today, "held", c.held, "overdue",
                    c.overdue, "clients", c.list, "next",
                    c.more ? json_string_value(json_object_get(last, "client")) : NULL);
    if (doc != NULL) { /* open incidents the principal may see (pages_incidents.c) */
        int64_t inc = 0;
        rc = azk_serve__incidents_open(srv, rq, &inc);
        if (rc != AZK_OK) {
            json_decref(doc);
            return rc;
        }
        (void)json_object_set_new(doc, "open_incidents", json_integer((json_int_t)inc));
    }
    if (doc != NULL) { /* the agents' findings by state, staff only (view_dash_summary.c) */
        json_t *zf = NULL;
        rc = azk_serve__dashboard_findings_json(srv, rq, &zf);
        if (rc != AZK_OK) {
            json_decref(doc);
            return rc;
        }
        if (zf != NULL)
            (void)json_object_set_new(doc, "zone_findings", zf);
    }
    if (doc != NULL && rq->who.role != AZK_ROLE_CLIENT) {
        /* the ledger's size: staff only (it covers every client) */
        azk_audit *a = NULL;
        if (azk_audit_open(&a, srv->h->path, 0, NULL) == AZK_OK) {
            (void)json_object_set_new(doc, "ledger_entries",
                                      json_integer((json_int_t)azk_audit_size(a)));
            azk_audit_close(a);
        } else {
            azk_error_clear();
            (void)json_object_set_new(doc, "ledger_entries", json_null());
        }
    }
    return azk_serve__json(rs, 200, doc);
}

/* ---- datasets ---------------------------------------------------------- */

struct page {
    json_t *items;
    char last[72];
};

static azk_status page_cb(const struct azk_store_deadline *d, void *payload)
{
    struct page *p = payload;
    json_t *it = json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", d->dataset, "client", d->client,
                           "retain_until", d->retain_until != NULL ? d->retain_until : "", "state",
                           d->state != NULL ? d->state : "", "on_hold", d->held ? 1 : 0);
    if (it == NULL)
        return azk_error_nomem();
    if (d->ret_state != NULL)
        (void)json_object_set_new(it, "retention", json_string(d->ret_state));
    if (json_array_append_new(p->items, it) != 0)
        return azk_error_nomem();
    (void)snprintf(p->last, sizeof(p->last), "%s", d->dataset);
    return AZK_OK;
}

azk_status azk_serve__h_api_datasets(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs)
{
    const char *client = azk_serve__query(rq, "client");
    const char *after = NULL;
    size_t limit = 0;
    struct page p;
    bool more = false, answered = false;
    azk_status rc;
    rc = azk_serve__page_args(rq, &limit, &after);
    if (rc == AZK_ERR_ARG) {
        char msg[160];
        (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
        azk_error_clear();
        return azk_serve__api_error(rs, 400, "bad_argument", msg);
    }
    if (rc != AZK_OK)
        return rc;
    /* the cursor is a dataset id: anything else is not one of ours */
    if (after != NULL && !azk_store__valid_id(after))
        return azk_serve__api_error(rs, 400, "bad_argument",
                                    "after must be a cursor from a previous page");
    if (client != NULL && !azk_store__valid_id(client))
        return azk_serve__api_error(rs, 400, "bad_argument", "client is not a client id");
    rc = azk_serve__require_client(srv, rq, rs, true, client, &answered);
    if (rc != AZK_OK || answered)
        return rc;
    memset(&p, 0, sizeof(p));
    p.items = json_array();
    if (p.items == NULL)
        return azk_error_nomem();
    rc = azk_store__datasets_page(srv->h, client,
                                  rq->who.role == AZK_ROLE_CLIENT ? rq->who.name : NULL,
                                  after != NULL ? after : "", limit, page_cb, &p, &more);
    if (rc != AZK_OK) {
        json_decref(p.items);
        return rc;
    }
    return azk_serve__json(rs, 200,
                           json_pack("{s:o, s:o}", "items", p.items, "next",
                                     more ? json_string(p.last) : json_null()));
}
