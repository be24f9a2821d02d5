/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/agents_cz_api.c -- what closed-zone hosts report, in /api/v1
 * (docs/agent.md "Closed-zone metadata"):
 *
 *   GET /api/v1/agents/closed-zone/datasets  [?client=&after=&limit=]
 *       each reported dataset: host, client, deadline, state, retention
 *       step, legal hold, the SHA-256 of its deletion certificate, when
 *       reported. A bank user (client role) sees only its granted
 *       clients; asking for another client is refused (403, ledger).
 *   GET /api/v1/agents/closed-zone/guard     [?after=&limit=]
 *       each reported guard decision: item id, state, verdict, requested,
 *       approved (staff only).
 *
 * The report itself arrives on the agent listener (serve/agents_meta.c).
 */
#include "serve/serve_int.h"
#include "store/closedzone.h"

#include <jansson.h>
#include <string.h>

struct cz_page {
    json_t *items;
    char last[160];
};

static azk_status ds_item(const struct azk_store_cz_dataset *d, void *payload)
{
    struct cz_page *p = payload;
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:b, s:o, s:I}", "dataset", d->dataset, "client",
        d->client, "agent_id", d->agent_id, "host", d->host != NULL ? d->host : "", "retain_until",
        d->retain_until, "state", d->state, "retention",
        d->retention != NULL ? json_string(d->retention) : json_null(), "held", d->held,
        "certificate", d->certificate != NULL ? json_string(d->certificate) : json_null(),
        "reported_at", (json_int_t)d->reported_at);
    if (o == NULL || json_array_append_new(p->items, o) != 0)
        return azk_error_nomem();
    (void)snprintf(p->last, sizeof(p->last), "%s", d->dataset);
    return AZK_OK;
}

azk_status azk_serve__h_agents_cz_datasets(struct azk_server *srv, struct azk_serve_req *rq,
                                           struct azk_serve_resp *rs)
{
    const char *client = azk_serve__query(rq, "client"), *after = NULL;
    struct cz_page p;
    size_t limit = 0;
    bool more = false, answered = false;
    azk_status rc = azk_serve__page_args(rq, &limit, &after);
    if (rc == AZK_OK && after != NULL && !azk_store__valid_id(after))
        rc = azk_error_set(AZK_ERR_ARG, "after must be a cursor from a previous page");
    if (rc == AZK_OK && client != NULL && !azk_store__valid_id(client))
        rc = azk_error_set(AZK_ERR_ARG, "client is not a client id");
    if (rc != AZK_OK)
        return azk_serve__api_answer(rq, rs, rc, NULL);
    rc = azk_serve__require_client(srv, rq, rs, true, client, &answered);
    if (rc != AZK_OK || answered)
        return rc;
    memset(&p, 0, sizeof(p));
    p.items = json_array();
    if (p.items == NULL)
        return azk_error_nomem();
    rc = azk_store__cz_datasets_page(srv->h, client,
                                     rq->who.role == AZK_ROLE_CLIENT ? rq->who.name : NULL,
                                     after != NULL ? after : "", limit, ds_item, &p, &more);
    if (rc != AZK_OK) {
        json_decref(p.items);
        return rc;
    }
    return azk_serve__json(rs, 200,
                           json_pack("{s:o, s:o}", "items", p.items, "next",
                                     more ? json_string(p.last) : json_null()));
}

static azk_status guard_item(const struct azk_store_cz_guard *g, void *payload)
{
    struct cz_page *p = payload;
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:b, s:o, s:I}", "item", g->item, "agent_id",
                  g->agent_id, "host", g->host != NULL ? g->host : "", "state", g->state, "verdict",
                  g->verdict != NULL ? json_string(g->verdict) : json_null(), "requested",
                  g->requested, "approved", g->approved, "updated_at",
                  g->updated_at != NULL ? json_string(g->updated_at) : json_null(), "reported_at",
                  (json_int_t)g->reported_at);
    if (o == NULL || json_array_append_new(p->items, o) != 0)
        return azk_error_nomem();
    (void)snprintf(p->last, sizeof(p->last), "%s", g->item);
    return AZK_OK;
}

azk_status azk_serve__h_agents_cz_guard(struct azk_server *srv, struct azk_serve_req *rq,
                                        struct azk_serve_resp *rs)
{
    const char *after = NULL;
    struct cz_page p;
    size_t limit = 0;
    bool more = false;
    azk_status rc = azk_serve__page_args(rq, &limit, &after);
    if (rc == AZK_OK && after != NULL && !azk_store__valid_id(after))
        rc = azk_error_set(AZK_ERR_ARG, "after must be a cursor from a previous page");
    if (rc != AZK_OK)
        return azk_serve__api_answer(rq, rs, rc, NULL);
    memset(&p, 0, sizeof(p));
    p.items = json_array();
    if (p.items == NULL)
        return azk_error_nomem();
    rc = azk_store__cz_guard_page(srv->h, after != NULL ? after : "", limit, guard_item, &p, &more);
    if (rc != AZK_OK) {
        json_decref(p.items);
        return rc;
    }
    return azk_serve__json(rs, 200,
                           json_pack("{s:o, s:o}", "items", p.items, "next",
                                     more ? json_string(p.last) : json_null()));
}
