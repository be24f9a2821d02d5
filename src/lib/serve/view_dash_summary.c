/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/view_dash_summary.c -- the summary at the top of azukari serve's
 * dashboard: datasets held and past their deadline over the principal's
 * clients (one aggregate query, store/serve_plat.h), and the clients
 * needing attention most (overdue first, then the most held), each linked
 * to its paged dataset list. The page stays small at any number of
 * datasets: no list of every dataset or every client. Also the agents'
 * cases of entrusted records found outside the closed zone, by state
 * (issue 13 section 3; staff only). Every count is an index range
 * (store/dash_summary.h).
 */
#include "serve/serve_int.h"
#include "store/dash_summary.h"
#include "store/serve_plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct top_client {
    char client[72];
    int64_t held, overdue, on_hold;
};

struct summary {
    struct top_client top[AZK_SERVE_DASH_CLIENTS];
    size_t n;
    int64_t clients, held, overdue, on_hold;
};

static bool before(const struct azk_store_client_counts *c, const struct top_client *t)
{
    if (c->overdue != t->overdue)
        return c->overdue > t->overdue;
    return c->held > t->held; /* ties keep client order (the query's) */
}

static azk_status count_cb(const struct azk_store_client_counts *c, void *payload)
{
    struct summary *s = payload;
    size_t at;
    s->clients++;
    s->held += c->held;
    s->overdue += c->overdue;
    s->on_hold += c->on_hold;
    for (at = 0; at < s->n && !before(c, &s->top[at]); at++)
        ;
    if (at >= AZK_SERVE_DASH_CLIENTS)
        return AZK_OK;
    if (s->n < AZK_SERVE_DASH_CLIENTS)
        s->n++;
    memmove(&s->top[at + 1], &s->top[at], (s->n - 1 - at) * sizeof(s->top[0]));
    (void)snprintf(s->top[at].client, sizeof(s->top[at].client), "%s",
                   c->client != NULL ? c->client : "");
    s->top[at].held = c->held;
    s->top[at].overdue = c->overdue;
    s->top[at].on_hold = c->on_hold;
    return AZK_OK;
}

static azk_status client_rows(azk_buf *b, const struct summary *s)
{
    azk_status rc =
        azk_buf_printf(b,
                       "<table id=\"clients\"><thead><tr><th>%s</th><th>%s</th>"
                       "<th>%s</th><th>%s</th></tr></thead><tbody>",
                       T_("Client"), T_("Datasets held"), T_("Past their deadline"), T_("On hold"));
    for (size_t i = 0; rc == AZK_OK && i < s->n; i++) {
        const struct top_client *t = &s->top[i];
        rc = azk_buf_puts(b, "<tr><td><a href=\"/datasets?client=");
        if (rc == AZK_OK)
            rc = azk_serve__url(b, t->client);
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "\">");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, t->client);
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "</a></td><td>%lld</td><td%s>%lld</td><td>%lld</td></tr>",
                                (long long)t->held, t->overdue > 0 ? " class=\"overdue\"" : "",
                                (long long)t->overdue, (long long)t->on_hold);
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tbody></table>");
    if (rc == AZK_OK && s->clients > (int64_t)s->n)
        rc = azk_buf_printf(b, "<p id=\"clients-more\">%s: %lld · <a href=\"/datasets\">%s</a></p>",
                            T_("More clients"), (long long)(s->clients - (int64_t)s->n),
                            T_("All datasets"));
    return rc;
}

azk_status azk_serve__dashboard_summary(struct azk_server *srv, struct azk_serve_req *rq,
                                        azk_buf *b, const char *today)
{
    struct summary s;
    azk_status rc;
    memset(&s, 0, sizeof(s));
    rc = azk_store__dataset_counts(
        srv->h, today, rq->who.role == AZK_ROLE_CLIENT ? rq->who.name : NULL, count_cb, &s);
    if (rc != AZK_OK)
        return rc;
    if (s.overdue > 0)
        rc = azk_buf_printf(b, "<p class=\"overdue\" id=\"overdue\">%s: %lld</p>",
                            T_("Datasets past their deadline and not deleted"),
                            (long long)s.overdue);
    else
        rc = azk_buf_printf(b, "<p class=\"ok\" id=\"overdue\">%s</p>",
                            T_("No dataset is past its deadline."));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<p id=\"held\">%s: %lld · %s: %lld · %s: %lld</p><h2>%s</h2>",
                            T_("Datasets held"), (long long)s.held, T_("Clients"),
                            (long long)s.clients, T_("On hold"), (long long)s.on_hold,
                            T_("Clients needing attention"));
    if (rc == AZK_OK)
        rc = client_rows(b, &s);
    return rc;
}

/* ---- entrusted records outside the closed zone ---------------------------------- */

#define ZONE_CLIENTS 20 /* clients listed with their unresolved cases */

/* An unresolved case's object: each client it names gets the case once and its records. */
static azk_status edm_cb(const char *state, const char *edm, void *payload)
{
    json_t *map = payload, *a, *seen, *v;
    size_t i;
    azk_status rc = AZK_OK;
    (void)state;
    a = edm != NULL ? json_loads(edm, 0, NULL) : NULL;
    if (!json_is_array(a)) { /* checked at ingest; nothing to count if it ever is not */
        json_decref(a);
        return AZK_OK;
    }
    seen = json_object();
    if (seen == NULL)
        rc = azk_error_nomem();
    json_array_foreach(a, i, v)
    {
        const char *c = json_string_value(json_object_get(v, "client"));
        json_int_t r = json_integer_value(json_object_get(v, "records"));
        json_t *t;
        if (rc != AZK_OK)
            break;
        if (c == NULL)
            continue;
        t = json_object_get(map, c);
        if (t == NULL) {
            t = json_pack("{s:s, s:I, s:I}", "client", c, "cases", (json_int_t)0, "records",
                          (json_int_t)0);
            if (t == NULL || json_object_set_new(map, c, t) != 0) {
                rc = azk_error_nomem();
                break;
            }
        }
        if (json_object_get(seen, c) == NULL &&
            (json_object_set_new(seen, c, json_true()) != 0 ||
             json_object_set_new(
                 t, "cases", json_integer(json_integer_value(json_object_get(t, "cases")) + 1)) !=
                 0))
            rc = azk_error_nomem();
        if (rc == AZK_OK && r > 0 &&
            json_object_set_new(
                t, "records",
                json_integer(json_integer_value(json_object_get(t, "records")) + r)) != 0)
            rc = azk_error_nomem();
    }
    json_decref(seen);
    json_decref(a);
    return rc;
}

static int zone_cmp(const void *a, const void *b)
{
    const json_t *x = *(const json_t *const *)a, *y = *(const json_t *const *)b;
    json_int_t cx = json_integer_value(json_object_get(x, "cases"));
    json_int_t cy = json_integer_value(json_object_get(y, "cases"));
    if (cx != cy)
        return cx > cy ? -1 : 1;
    return strcmp(json_string_value(json_object_get(x, "client")),
                  json_string_value(json_object_get(y, "client")));
}

/* The clients named by unresolved cases, most cases first (ties: client order), at most
 * ZONE_CLIENTS of them in *list; *more = how many further clients. */
static azk_status zone_clients(struct azk_server *srv, json_t **list, size_t *more)
{
    json_t *map = json_object(), *v, **all = NULL;
    const char *k;
    size_t n = 0;
    azk_status rc;
    *list = NULL;
    *more = 0;
    if (map == NULL)
        return azk_error_nomem();
    rc = azk_store__unresolved_case_edm(srv->h, edm_cb, map);
    if (rc == AZK_OK && json_object_size(map) > 0) {
        all = azk_calloc(json_object_size(map), sizeof(*all));
        if (all == NULL)
            rc = azk_error_nomem();
    }
    if (rc == AZK_OK) {
        json_object_foreach(map, k, v) all[n++] = v;
        if (n > 1)
            qsort(all, n, sizeof(*all), zone_cmp);
        *list = json_array();
        if (*list == NULL)
            rc = azk_error_nomem();
    }
    for (size_t i = 0; rc == AZK_OK && i < n && i < ZONE_CLIENTS; i++)
        if (json_array_append(*list, all[i]) != 0)
            rc = azk_error_nomem();
    if (rc == AZK_OK && n > ZONE_CLIENTS)
        *more = n - ZONE_CLIENTS;
    if (rc != AZK_OK) {
        json_decref(*list);
        *list = NULL;
    }
    azk_free(all);
    json_decref(map);
    return rc;
}

azk_status azk_serve__dashboard_findings(struct azk_server *srv, const struct azk_serve_req *rq,
                                         azk_buf *b)
{
    struct azk_store_case_counts c;
    json_t *list = NULL, *v;
    size_t more = 0, i;
    azk_status rc;
    if (rq->who.role == AZK_ROLE_CLIENT)
        return AZK_OK; /* staff only: the agents' findings cover every client */
    rc = azk_store__case_counts(srv->h, &c);
    if (rc == AZK_OK)
        rc = zone_clients(srv, &list, &more);
    if (rc != AZK_OK)
        return rc;
    /* not resolved (open, waiting for a decision) is said loudly, as overdue datasets are */
    rc = azk_buf_printf(
        b,
        "<h2>%s</h2><table id=\"zone-findings\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
        "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody><tr><td%s>%lld</td><td%s>%lld"
        "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td></tr></tbody></table>"
        "<p><a href=\"/agents/cases\">%s</a></p>",
        T_("Entrusted records found outside the closed zone"), T_("Open cases"),
        T_("Waiting for a decision"), T_("Quarantined"), T_("Released"), T_("Destroyed"),
        T_("All findings"), c.open > 0 ? " class=\"overdue\"" : "", (long long)c.open,
        c.waiting > 0 ? " class=\"overdue\"" : "", (long long)c.waiting, (long long)c.quarantined,
        (long long)c.released, (long long)c.destroyed, (long long)c.total, T_("Cases"));
    /* whose entrusted records the unresolved cases hold */
    if (rc == AZK_OK && json_array_size(list) > 0)
        rc = azk_buf_printf(b,
                            "<table id=\"zone-clients\"><thead><tr><th>%s</th><th>%s</th>"
                            "<th>%s</th></tr></thead><tbody>",
                            T_("Client"), T_("Unresolved cases"), T_("Records"));
    json_array_foreach(list, i, v)
    {
        if (rc != AZK_OK)
            break;
        rc = azk_buf_puts(b, "<tr><td>");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, json_string_value(json_object_get(v, "client")));
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "</td><td class=\"overdue\">%lld</td><td>%lld</td></tr>",
                                (long long)json_integer_value(json_object_get(v, "cases")),
                                (long long)json_integer_value(json_object_get(v, "records")));
    }
    if (rc == AZK_OK && json_array_size(list) > 0)
        rc = azk_buf_puts(b, "</tbody></table>");
    if (rc == AZK_OK && more > 0)
        rc = azk_buf_printf(b, "<p id=\"zone-clients-more\">%s: %zu</p>", T_("More clients"), more);
    json_decref(list);
    return rc;
}

azk_status azk_serve__dashboard_findings_json(struct azk_server *srv,
                                              const struct azk_serve_req *rq, json_t **out)
{
    struct azk_store_case_counts c;
    json_t *list = NULL;
    size_t more = 0;
    azk_status rc;
    *out = NULL;
    if (rq->who.role == AZK_ROLE_CLIENT)
        return AZK_OK;
    rc = azk_store__case_counts(srv->h, &c);
    if (rc == AZK_OK)
        rc = zone_clients(srv, &list, &more);
    if (rc != AZK_OK)
        return rc;
    /* "o": the list is stolen by the document, even when packing fails */
    *out =
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:I}", "open", (json_int_t)c.open, "waiting",
                  (json_int_t)c.waiting, "quarantined", (json_int_t)c.quarantined, "released",
                  (json_int_t)c.released, "destroyed", (json_int_t)c.destroyed, "total",
                  (json_int_t)c.total, "clients", list, "clients_more", (json_int_t)more);
    return *out != NULL ? AZK_OK : azk_error_nomem();
}
