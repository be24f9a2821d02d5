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

azk_status azk_serve__dashboard_findings(struct azk_server *srv, const struct azk_serve_req *rq,
                                         azk_buf *b)
{
    struct azk_store_case_counts c;
    azk_status rc;
    if (rq->who.role == AZK_ROLE_CLIENT)
        return AZK_OK; /* staff only: the agents' findings cover every client */
    rc = azk_store__case_counts(srv->h, &c);
    if (rc != AZK_OK)
        return rc;
    /* not resolved (open, waiting for a decision) is said loudly, as overdue datasets are */
    return azk_buf_printf(
        b,
        "<h2>%s</h2><table id=\"zone-findings\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
        "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody><tr><td%s>"
        "<a href=\"/agents/cases\">%lld</a></td><td%s>%lld</td><td>%lld</td><td>%lld</td>"
        "<td>%lld</td><td>%lld</td></tr></tbody></table>",
        T_("Entrusted records found outside the closed zone"), T_("Open cases"),
        T_("Waiting for a decision"), T_("Quarantined"), T_("Released"), T_("Destroyed"),
        T_("All findings"), c.open > 0 ? " class=\"overdue\"" : "", (long long)c.open,
        c.waiting > 0 ? " class=\"overdue\"" : "", (long long)c.waiting, (long long)c.quarantined,
        (long long)c.released, (long long)c.destroyed, (long long)c.total);
}

azk_status azk_serve__dashboard_findings_json(struct azk_server *srv,
                                              const struct azk_serve_req *rq, json_t **out)
{
    struct azk_store_case_counts c;
    azk_status rc;
    *out = NULL;
    if (rq->who.role == AZK_ROLE_CLIENT)
        return AZK_OK;
    rc = azk_store__case_counts(srv->h, &c);
    if (rc != AZK_OK)
        return rc;
    *out = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "open", (json_int_t)c.open, "waiting",
                     (json_int_t)c.waiting, "quarantined", (json_int_t)c.quarantined, "released",
                     (json_int_t)c.released, "destroyed", (json_int_t)c.destroyed, "total",
                     (json_int_t)c.total);
    return *out != NULL ? AZK_OK : azk_error_nomem();
}
