/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/pages_certs.c -- deletion certificates in azukari serve: the
 * certificates of a month (per client; the client role sees only its
 * granted clients'), one certificate as the library's printable A4 page
 * (azk_certificate_html, its print style linked as /static/certificate.css
 * because the Content-Security-Policy forbids inline style), the signed
 * JSON document, and the public keys a client needs to verify them
 * offline (the certificate key and the ledger's checkpoint key).
 * Certificates name datasets, dates, counts, hashes and signatures, never
 * a personal value: they are downloaded without step-up (docs/serve.md).
 */
#include "serve/serve_int.h"
#include "retention/cert_int.h"
#include "store/datasets.h"
#include "store/retention_state.h"
#include "store/serve_lists.h"
#include "store/serve_views.h"

#include "azukari/audit.h"
#include "azukari/retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct azk_serve_col cert_cols[] = {
    {"dataset", N_("Dataset"), 0},
    {"client", N_("Client"), 0},
    {"deleted_at", N_("Deleted at"), 0},
    {"operator", N_("Operator"), 0},
};

/* A certificate row (store/serve_lists.h columns: dataset, client, deleted_at, operator,
 * ledger index, cursor) as an item; the row after `limit` only says a next page exists. */
struct cert_page {
    json_t *items;
    size_t limit;
    bool more;
    char next[600];
};

static azk_status cert_row(const char *const *cols, size_t n, void *payload)
{
    struct cert_page *p = payload;
    json_t *o;
    if (n < 6 || cols[0] == NULL || cols[1] == NULL)
        return AZK_OK;
    if (json_array_size(p->items) >= p->limit) {
        p->more = true;
        return AZK_OK;
    }
    o = json_pack("{s:s, s:s, s:s?, s:s?, s:I}", "dataset", cols[0], "client", cols[1],
                  "deleted_at", cols[2], "operator", cols[3], "ledger_index",
                  (json_int_t)(cols[4] != NULL ? strtoll(cols[4], NULL, 10) : 0));
    if (o == NULL || json_array_append_new(p->items, o) != 0)
        return azk_error_nomem();
    (void)snprintf(p->next, sizeof(p->next), "%s", cols[5] != NULL ? cols[5] : "");
    return AZK_OK;
}

/* The certificates of ?month= (default: this month) and ?client= (optional), one page
 * (?limit=, ?after=): {"month", "items", "next"}. A client user's grants filter the query
 * itself (store/serve_lists.c), so a page is full whenever another follows. */
static azk_status view_certs(struct azk_server *srv, struct azk_serve_req *rq, json_t **out,
                             bool *denied)
{
    const char *month = azk_serve__query(rq, "month");
    const char *client = azk_serve__query(rq, "client");
    const char *after = NULL;
    char today[16], m[8];
    struct cert_page p;
    azk_status rc;
    memset(&p, 0, sizeof(p));
    *out = NULL;
    *denied = false;
    azk_store__today(today);
    rc = azk_serve__page_args(rq, &p.limit, &after);
    if (rc != AZK_OK)
        return rc;
    if (month == NULL || month[0] == '\0') {
        (void)snprintf(m, sizeof(m), "%.7s", today);
        month = m;
    }
    if (client != NULL && client[0] == '\0')
        client = NULL;
    if (client != NULL) {
        bool yes = false;
        rc = azk_serve__may_see_client(srv->h, &rq->who, client, &yes);
        if (rc != AZK_OK)
            return rc;
        if (!yes) {
            *denied = true;
            return AZK_OK;
        }
    }
    p.items = json_array();
    if (p.items == NULL)
        return azk_error_nomem();
    rc = azk_store__certified_page(srv->h, month, client,
                                   rq->who.role == AZK_ROLE_CLIENT ? rq->who.name : NULL, after,
                                   p.limit, cert_row, &p);
    if (rc != AZK_OK) {
        json_decref(p.items);
        return rc;
    }
    {
        int64_t total = 0; /* the month's (and client's) certificates, every page */
        rc = azk_store__certified_count(
            srv->h, month, client, rq->who.role == AZK_ROLE_CLIENT ? rq->who.name : NULL, &total);
        if (rc != AZK_OK) {
            json_decref(p.items);
            return rc;
        }
        *out = json_pack("{s:s, s:o, s:s?, s:I}", "month", month, "items", p.items, "next",
                         p.more ? p.next : NULL, "total", (json_int_t)total);
    }
    return *out != NULL ? AZK_OK : azk_error_nomem();
}

azk_status azk_serve__h_api_certificates(struct azk_server *srv, struct azk_serve_req *rq,
                                         struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    bool denied = false;
    azk_status rc = view_certs(srv, rq, &doc, &denied);
    if (rc == AZK_ERR_ARG)
        return azk_serve__bad_arg(rq, rs, true);
    if (rc != AZK_OK)
        return rc;
    if (denied)
        return azk_serve__deny(srv, rq, rs, true, "client not granted");
    return azk_serve__json(rs, 200, doc);
}

/* The next page's link: the month, the client and the limit asked, each URL-encoded. */
static azk_status next_link(azk_buf *b, struct azk_serve_req *rq, const json_t *doc)
{
    const char *client = azk_serve__query(rq, "client");
    const char *limit = azk_serve__query(rq, "limit");
    azk_buf path = AZK_BUF_INIT;
    azk_status rc;
    if (json_is_null(json_object_get(doc, "next")))
        return AZK_OK;
    rc = azk_buf_puts(&path, "/certificates?month=");
    if (rc == AZK_OK)
        rc = azk_serve__url(&path, json_string_value(json_object_get(doc, "month")));
    if (rc == AZK_OK && client != NULL && client[0] != '\0') {
        rc = azk_buf_puts(&path, "&amp;client=");
        if (rc == AZK_OK)
            rc = azk_serve__url(&path, client);
    }
    if (rc == AZK_OK && limit != NULL) { /* checked by azk_serve__page_args: digits */
        rc = azk_buf_puts(&path, "&amp;limit=");
        if (rc == AZK_OK)
            rc = azk_serve__url(&path, limit);
    }
    if (rc == AZK_OK)
        rc = azk_buf_put(&path, "", 1);
    if (rc == AZK_OK)
        rc = azk_serve__html_next(b, (const char *)path.data, doc);
    azk_buf_dispose(&path);
    return rc;
}

azk_status azk_serve__h_certificates(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs)
{
    json_t *doc = NULL, *items;
    azk_buf b = AZK_BUF_INIT;
    bool denied = false;
    size_t i;
    json_t *row;
    azk_status rc = view_certs(srv, rq, &doc, &denied);
    if (rc == AZK_ERR_ARG)
        return azk_serve__bad_arg(rq, rs, false);
    if (rc != AZK_OK)
        return rc;
    if (denied)
        return azk_serve__deny(srv, rq, rs, false, "client not granted");
    items = json_object_get(doc, "items");
    rc = azk_buf_printf(&b,
                        "<form method=\"get\" action=\"/certificates\"><label>%s <input "
                        "type=\"month\" name=\"month\" value=\"%s\"></label><button "
                        "type=\"submit\">%s</button></form><p><a href=\"/keys\">%s</a></p>",
                        T_("Month"), json_string_value(json_object_get(doc, "month")), T_("Show"),
                        T_("Public keys to verify certificates"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<p id=\"cert-count\">%s: %lld</p>", T_("Certificates"),
                            (long long)json_integer_value(json_object_get(doc, "total")));
    if (rc == AZK_OK)
        rc = azk_serve__html_table(&b, "certificates", cert_cols,
                                   sizeof(cert_cols) / sizeof(cert_cols[0]), items);
    /* each row: the printable page and the JSON document */
    if (rc == AZK_OK && json_array_size(items) > 0)
        rc = azk_buf_printf(&b, "<h2>%s</h2><ul id=\"cert-links\">", T_("Open a certificate"));
    json_array_foreach(items, i, row)
    {
        const char *ds = json_string_value(json_object_get(row, "dataset"));
        if (rc != AZK_OK)
            break;
        rc = azk_buf_puts(&b, "<li>");
        if (rc == AZK_OK)
            rc = azk_serve__html(&b, ds);
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, ": <a href=\"/certificate?dataset=");
        if (rc == AZK_OK)
            rc = azk_serve__url(&b, ds);
        if (rc == AZK_OK)
            rc = azk_buf_printf(
                &b, "\">%s</a> | <a href=\"/api/v1/certificate?dataset=", T_("Printable page"));
        if (rc == AZK_OK)
            rc = azk_serve__url(&b, ds);
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "\">JSON</a></li>");
    }
    if (rc == AZK_OK && json_array_size(items) > 0)
        rc = azk_buf_puts(&b, "</ul>");
    if (rc == AZK_OK)
        rc = next_link(&b, rq, doc);
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Deletion certificates"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

static azk_status client_cb(const char *const *cols, size_t n, void *payload)
{
    (void)n;
    (void)snprintf(payload, 72, "%s", cols[1] != NULL ? cols[1] : "");
    return AZK_OK;
}

/* The stored certificate of ?dataset= when the principal may see its client. *json NULL
 * and *visible false when not (the client role: also when there is no such dataset). */
static azk_status cert_of(struct azk_server *srv, struct azk_serve_req *rq, char **json,
                          bool *visible)
{
    const char *ds = azk_serve__query(rq, "dataset");
    char client[72] = "";
    bool yes = false, found = false;
    azk_status rc;
    *json = NULL;
    *visible = rq->who.role != AZK_ROLE_CLIENT;
    if (ds == NULL || !azk_store__valid_id(ds))
        return AZK_OK;
    /* whose it is: the catalog says (not the document) */
    rc = azk_store__dataset_detail(srv->h, ds, client_cb, client, &found);
    if (rc != AZK_OK || !found)
        return rc;
    rc = azk_certificate_get(srv->h, ds, json);
    if (rc == AZK_ERR_NOTFOUND || rc == AZK_ERR_IO || rc == AZK_ERR_ARG) {
        azk_error_clear();
        *json = NULL;
        rc = AZK_OK;
    }
    if (rc != AZK_OK)
        return rc;
    rc = azk_serve__may_see_client(srv->h, &rq->who, client, &yes);
    if (rc != AZK_OK || !yes) {
        azk_retention_free(*json);
        *json = NULL;
        *visible = false;
        return rc;
    }
    *visible = true;
    return AZK_OK;
}

azk_status azk_serve__h_api_certificate(struct azk_server *srv, struct azk_serve_req *rq,
                                        struct azk_serve_resp *rs)
{
    char *json = NULL;
    bool visible = false;
    json_t *doc;
    azk_status rc = cert_of(srv, rq, &json, &visible);
    if (rc != AZK_OK)
        return rc;
    if (!visible)
        return azk_serve__deny(srv, rq, rs, true, "certificate of a client not granted");
    if (json == NULL)
        return azk_serve__api_error(rs, 404, "not_found", "No certificate for this dataset.");
    doc = json_loads(json, 0, NULL);
    azk_retention_free(json);
    return azk_serve__json(rs, 200, doc);
}

azk_status azk_serve__h_certificate(struct azk_server *srv, struct azk_serve_req *rq,
                                    struct azk_serve_resp *rs)
{
    char *json = NULL, *html = NULL, *s, *e;
    bool visible = false;
    azk_status rc = cert_of(srv, rq, &json, &visible);
    if (rc != AZK_OK)
        return rc;
    if (!visible)
        return azk_serve__deny(srv, rq, rs, false, "certificate of a client not granted");
    if (json == NULL)
        return azk_serve__error_page(rq, rs, 404, T_("No certificate for this dataset."));
    rc = azk_certificate_html(json, strlen(json), &html);
    azk_retention_free(json);
    if (rc != AZK_OK)
        return rc;
    /* the inline <style> becomes a link to the same sheet (CSP: style-src 'self') */
    s = strstr(html, "<style>");
    e = s != NULL ? strstr(s, "</style>") : NULL;
    if (s != NULL && e != NULL) {
        rc = azk_buf_put(&rs->body, html, (size_t)(s - html));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&rs->body,
                              "<link rel=\"stylesheet\" href=\"/static/certificate.css\">");
        if (rc == AZK_OK)
            rc = azk_buf_puts(&rs->body, e + strlen("</style>"));
    } else {
        rc = azk_buf_puts(&rs->body, html);
    }
    azk_retention_free(html);
    return rc;
}

azk_status azk_serve__h_cert_css(struct azk_server *srv, struct azk_serve_req *rq,
                                 struct azk_serve_resp *rs)
{
    (void)srv;
    (void)rq;
    rs->content_type = "text/css; charset=utf-8";
    return azk_buf_puts(&rs->body, azk_ret__certificate_css());
}

/* The keys: {"certificate_key": "azukari-cert+...", "ledger_key": "..."} */
static azk_status view_keys(struct azk_server *srv, json_t **out)
{
    char *ck = NULL;
    azk_audit *a = NULL;
    azk_status rc = azk_certificate_pubkey(srv->h, &ck);
    *out = NULL;
    if (rc != AZK_OK)
        return rc;
    rc = azk_audit_open(&a, srv->h->path, 0, NULL);
    if (rc == AZK_OK) {
        const char *vk = azk_audit_vkey(a);
        *out = json_pack("{s:s, s:s?, s:s?}", "certificate_key", ck, "ledger_key", vk, "origin",
                         azk_audit_origin(a));
        if (*out == NULL)
            rc = azk_error_nomem();
    }
    azk_audit_close(a);
    azk_retention_free(ck);
    return rc;
}

azk_status azk_serve__h_api_keys(struct azk_server *srv, struct azk_serve_req *rq,
                                 struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = view_keys(srv, &doc);
    (void)rq;
    return rc != AZK_OK ? rc : azk_serve__json(rs, 200, doc);
}

azk_status azk_serve__h_keys(struct azk_server *srv, struct azk_serve_req *rq,
                             struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_buf b = AZK_BUF_INIT;
    azk_status rc = view_keys(srv, &doc);
    if (rc != AZK_OK)
        return rc;
    rc = azk_buf_printf(&b, "<p>%s</p><h2>%s</h2><p class=\"secret\" id=\"cert-key\">",
                        T_("Give these keys to clients: with them a client verifies a deletion "
                           "certificate offline (azukari certificate verify)."),
                        T_("Certificate signing key"));
    if (rc == AZK_OK)
        rc = azk_serve__html(&b, json_string_value(json_object_get(doc, "certificate_key")));
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "</p><h2>%s</h2><p class=\"secret\" id=\"ledger-key\">",
                            T_("Ledger checkpoint key"));
    if (rc == AZK_OK)
        rc = azk_serve__html(&b, json_string_value(json_object_get(doc, "ledger_key")));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</p>");
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Public keys"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}
