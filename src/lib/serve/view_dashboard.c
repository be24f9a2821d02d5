/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/view_dashboard.c -- what the dashboard adds for azukari serve's
 * pages: what waits for a person (pending requests, quarantined files;
 * staff), certificates of this month, and an SVG bar chart drawn by the
 * server of the active datasets by deadline month (no script; the
 * Content-Security-Policy allows none). The client role's numbers cover
 * only its granted clients (the grants are part of each count's query).
 */
#include "serve/serve_int.h"
#include "store/dash_summary.h"
#include "store/retention_state.h"
#include "store/serve_lists.h"
#include "store/serve_views.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BARS_MAX 36

struct months {
    char month[BARS_MAX][8];
    long long count[BARS_MAX];
    size_t n;
};

static azk_status month_cb(const char *const *cols, size_t n, void *payload)
{
    struct months *m = payload;
    (void)n;
    if (m->n >= BARS_MAX || cols[0] == NULL)
        return AZK_OK;
    (void)snprintf(m->month[m->n], sizeof(m->month[m->n]), "%.7s", cols[0]);
    m->count[m->n] = cols[1] != NULL ? strtoll(cols[1], NULL, 10) : 0;
    m->n++;
    return AZK_OK;
}

/* The bar chart: one bar per month, the count above it, the month below; past months red. */
static azk_status chart(azk_buf *b, const struct months *m, const char *today)
{
    const int w = 1100, h = 220, top = 20, bottom = 40;
    long long max = 1;
    int bw;
    azk_status rc;
    for (size_t i = 0; i < m->n; i++)
        if (m->count[i] > max)
            max = m->count[i];
    bw = m->n > 0 ? (w - 20) / (int)m->n : w;
    if (bw > 80)
        bw = 80;
    rc = azk_buf_printf(b,
                        "<svg class=\"chart\" id=\"deadline-chart\" xmlns=\"http://www.w3.org/2000/"
                        "svg\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\" role=\"img\" "
                        "aria-label=\"%s\">",
                        w, h, w, h, T_("Active datasets by deadline month"));
    for (size_t i = 0; rc == AZK_OK && i < m->n; i++) {
        int bh = (int)((h - top - bottom) * m->count[i] / max);
        int x = 10 + (int)i * bw;
        bool past = strncmp(m->month[i], today, 7) <= 0;
        rc = azk_buf_printf(b,
                            "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"/>"
                            "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"middle\">%lld"
                            "</text><text x=\"%d\" y=\"%d\" font-size=\"11\" "
                            "text-anchor=\"middle\">%s</text>",
                            x + 2, h - bottom - bh, bw - 4, bh, past ? "#b00020" : "#23395d",
                            x + bw / 2, h - bottom - bh - 4, m->count[i], x + bw / 2, h - 22,
                            m->month[i]);
    }
    if (rc == AZK_OK && m->n == 0)
        rc = azk_buf_printf(b, "<text x=\"10\" y=\"30\" font-size=\"14\">%s</text>", T_("None."));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</svg>");
    return rc;
}

azk_status azk_serve__dashboard_more(struct azk_server *srv, struct azk_serve_req *rq, azk_buf *b)
{
    struct months m;
    int64_t certs = 0;
    char today[16], month[8];
    int64_t reqs = 0, guard = 0;
    azk_status rc = AZK_OK;
    memset(&m, 0, sizeof(m));
    azk_store__today(today);
    (void)snprintf(month, sizeof(month), "%.7s", today);
    if (rq->who.role != AZK_ROLE_CLIENT) {
        rc = azk_store__pending_counts(srv->h, &reqs, &guard);
        if (rc == AZK_OK)
            rc =
                azk_buf_printf(b,
                               "<p class=\"%s\" id=\"waiting\"><a href=\"/requests?state=pending\">"
                               "%s: %lld</a> · <a href=\"/guard\">%s: %lld</a></p>",
                               reqs + guard > 0 ? "err" : "ok", T_("Requests waiting for approval"),
                               (long long)reqs, T_("Quarantined files waiting"), (long long)guard);
    }
    if (rc == AZK_OK)
        rc = azk_serve__incidents_line(srv, rq, b); /* open incidents (pages_incidents.c) */
    if (rc == AZK_OK)
        rc = azk_store__certified_count(
            srv->h, month, NULL, rq->who.role == AZK_ROLE_CLIENT ? rq->who.name : NULL, &certs);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b,
                            "<p id=\"certs-month\"><a href=\"/certificates\">%s (%s): %lld</a></p>",
                            T_("Deletion certificates this month"), month, (long long)certs);
    if (rc == AZK_OK)
        rc = azk_store__deadline_months(
            srv->h, rq->who.role == AZK_ROLE_CLIENT ? rq->who.name : NULL, month_cb, &m);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<h2>%s</h2>", T_("Active datasets by deadline month"));
    if (rc == AZK_OK)
        rc = chart(b, &m, today);
    return rc;
}
