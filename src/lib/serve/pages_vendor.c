/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/pages_vendor.c -- vendor management in azukari serve, for a bank's
 * own install (issue 15): the vendor register (azk_vendor_view LIST), one
 * vendor's status sheet as the library's printable page (contracts and
 * their clause checklist, questionnaires with scores apart from the risk
 * rating, audits and findings with next-due/overdue, certifications and
 * disclosures with expiry, flags first: azk_vendor_view SHOW, HTML; the
 * /api/v1 twin sends the same view as JSON), the monthly reports imported
 * from the vendor with what their verification found, and the import of a
 * report through the page (azk_vendor_report_import: verified offline
 * against the vendor's registered keys; nothing stored unless everything
 * verified). Administrators and operators import; every staff role reads.
 */
#include "serve/serve_int.h"
#include "store/supervision.h"

#include "azukari/supervision.h"
#include "azukari/vendor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* a monthly report pasted into the import form: at most the body limit of a form */
#define REPORT_FIELD "report"

/* The view of `kind` as JSON (*out: the caller's). */
static azk_status vendor_json(struct azk_server *srv, azk_vendor_view_kind kind, const char *id,
                              json_t **out)
{
    char *s = NULL;
    azk_status rc = azk_vendor_view(srv->h, kind, id, NULL, 0, AZK_VENDOR_FMT_JSON, &s);
    *out = NULL;
    if (rc != AZK_OK)
        return rc;
    *out = json_loads(s, 0, NULL);
    azk_vendor_free(s);
    return *out != NULL ? AZK_OK : azk_error_set(AZK_ERR_FORMAT, "vendor view is not JSON");
}

/* The register, one row per vendor: {"items": [...], "next": null}. */
static azk_status view_vendors(struct azk_server *srv, json_t **out)
{
    json_t *all = NULL, *items, *v;
    size_t i;
    azk_status rc = vendor_json(srv, AZK_VENDOR_VIEW_LIST, NULL, &all);
    *out = NULL;
    if (rc != AZK_OK)
        return rc;
    items = json_array();
    if (items == NULL) {
        json_decref(all);
        return azk_error_nomem();
    }
    json_array_foreach(all, i, v)
    {
        const char *next = NULL, *audit = azk_serve__vendor_audit_state(v, &next);
        json_t *o =
            json_pack("{s:O?, s:O?, s:O?, s:O?, s:O?, s:I, s:s?, s:s?}", "id",
                      json_object_get(v, "id"), "name", json_object_get(v, "name"),
                      "corporate_number", json_object_get(v, "corporate_number"), "criticality",
                      json_object_get(v, "criticality"), "risk", json_object_get(v, "risk"),
                      "flags", (json_int_t)json_array_size(json_object_get(v, "flags")),
                      "next_audit", next, "audit", audit);
        if (o == NULL || json_array_append_new(items, o) != 0) {
            json_decref(items);
            json_decref(all);
            return azk_error_nomem();
        }
    }
    json_decref(all);
    *out = json_pack("{s:o, s:n}", "items", items, "next");
    return *out != NULL ? AZK_OK : azk_error_nomem();
}

azk_status azk_serve__h_api_vendors(struct azk_server *srv, struct azk_serve_req *rq,
                                    struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = view_vendors(srv, &doc);
    (void)rq;
    return rc != AZK_OK ? rc : azk_serve__json(rs, 200, doc);
}

azk_status azk_serve__h_vendors(struct azk_server *srv, struct azk_serve_req *rq,
                                struct azk_serve_resp *rs)
{
    json_t *doc = NULL, *row;
    azk_buf b = AZK_BUF_INIT;
    size_t i;
    azk_status rc = view_vendors(srv, &doc);
    if (rc != AZK_OK)
        return rc;
    rc = azk_buf_printf(&b,
                        "<table id=\"vendors\"><thead><tr><th>ID</th><th>%s</th><th>%s</th>"
                        "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>"
                        "<tbody>",
                        T_("Name"), T_("Corporate number"), T_("Criticality"), T_("Risk rating"),
                        T_("Next audit"), T_("Flags"), T_("Pages"));
    json_array_foreach(json_object_get(doc, "items"), i, row)
    {
        static const char *const keys[] = {"id", "name", "corporate_number", "criticality", "risk"};
        json_int_t flags = json_integer_value(json_object_get(row, "flags"));
        const char *id = json_string_value(json_object_get(row, "id"));
        if (rc != AZK_OK)
            break;
        rc = azk_buf_printf(&b, "<tr class=\"%s\">", flags > 0 ? "due" : "valid");
        for (size_t k = 0; rc == AZK_OK && k < sizeof(keys) / sizeof(keys[0]); k++) {
            const char *v = json_string_value(json_object_get(row, keys[k]));
            rc = azk_buf_puts(&b, "<td>");
            if (rc == AZK_OK)
                rc = azk_serve__html(&b, v != NULL ? v : "-");
            if (rc == AZK_OK)
                rc = azk_buf_puts(&b, "</td>");
        }
        if (rc == AZK_OK)
            rc = azk_serve__vendor_audit_cell(&b, row);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "<td>%lld</td><td><a href=\"/vendor?id=", (long long)flags);
        if (rc == AZK_OK)
            rc = azk_serve__url(&b, id);
        if (rc == AZK_OK)
            rc =
                azk_buf_printf(&b, "\">%s</a> | <a href=\"/vendor/reports?id=", T_("Status sheet"));
        if (rc == AZK_OK)
            rc = azk_serve__url(&b, id);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b,
                                "\">%s</a> | <a href=\"/vendor/quest?id=", T_("Monthly reports"));
        if (rc == AZK_OK) /* pages_vendor_quest.c */
            rc = azk_serve__url(&b, id);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "\">%s</a>", T_("Questionnaires"));
        if (rc == AZK_OK && (rq->who.role == AZK_ROLE_ADMIN || rq->who.role == AZK_ROLE_OPERATOR)) {
            rc = azk_buf_puts(&b, " | <a href=\"/vendor/edit?id=");
            if (rc == AZK_OK)
                rc = azk_serve__url(&b, id);
            if (rc == AZK_OK)
                rc = azk_buf_printf(&b, "\">%s</a>", T_("Change records"));
            if (rc == AZK_OK)
                rc = azk_buf_puts(&b, " | <a href=\"/vendor/register?id=");
            if (rc == AZK_OK)
                rc = azk_serve__url(&b, id);
            if (rc == AZK_OK)
                rc = azk_buf_printf(&b, "\">%s</a>", T_("Vendor register"));
        }
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</td></tr>");
    }
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "</tbody></table><p>%s</p>",
                            T_("A vendor's questionnaires are changed on that vendor's pages."));
    if (rc == AZK_OK)
        rc = azk_serve__vendor_add_form(&b, rq);
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Vendors"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

/* ?id= of a registered vendor: AZK_ERR_NOTFOUND / AZK_ERR_ARG answered as 404 / 400. */
static bool vendor_arg(struct azk_serve_req *rq, struct azk_serve_resp *rs, azk_status rc,
                       azk_status *out)
{
    unsigned st = azk_serve__status_of(rc);
    if (rc == AZK_OK)
        return true;
    if (st == 0) {
        *out = rc;
        return false;
    }
    azk_error_clear();
    *out = azk_serve__fail(rq, rs, st == 400 ? 404 : st, "not_found", T_("No such vendor."));
    return false;
}

azk_status azk_serve__h_api_vendor(struct azk_server *srv, struct azk_serve_req *rq,
                                   struct azk_serve_resp *rs)
{
    const char *id = azk_serve__query(rq, "id");
    json_t *doc = NULL;
    azk_status rc = id != NULL ? vendor_json(srv, AZK_VENDOR_VIEW_SHOW, id, &doc)
                               : azk_error_set(AZK_ERR_NOTFOUND, "which vendor?");
    if (!vendor_arg(rq, rs, rc, &rc))
        return rc;
    return azk_serve__json(rs, 200, doc);
}

azk_status azk_serve__h_vendor(struct azk_server *srv, struct azk_serve_req *rq,
                               struct azk_serve_resp *rs)
{
    const char *id = azk_serve__query(rq, "id");
    char *html = NULL;
    azk_status rc = id != NULL ? azk_vendor_view(srv->h, AZK_VENDOR_VIEW_SHOW, id, NULL, 0,
                                                 AZK_VENDOR_FMT_HTML, &html)
                               : azk_error_set(AZK_ERR_NOTFOUND, "which vendor?");
    if (!vendor_arg(rq, rs, rc, &rc))
        return rc;
    rc = azk_serve__lib_page(rs, html, "/static/vendor.css");
    azk_vendor_free(html);
    return rc;
}

azk_status azk_serve__h_vendor_css(struct azk_server *srv, struct azk_serve_req *rq,
                                   struct azk_serve_resp *rs)
{
    /* the style is the renderer's own, in every sheet: take it from the first vendor's */
    json_t *all = NULL;
    char *html = NULL;
    const char *id;
    azk_status rc = vendor_json(srv, AZK_VENDOR_VIEW_LIST, NULL, &all);
    (void)rq;
    if (rc != AZK_OK)
        return rc;
    id = json_string_value(json_object_get(json_array_get(all, 0), "id"));
    if (id != NULL)
        rc = azk_vendor_view(srv->h, AZK_VENDOR_VIEW_SHOW, id, NULL, 0, AZK_VENDOR_FMT_HTML, &html);
    json_decref(all);
    if (rc == AZK_OK)
        rc = azk_serve__lib_css(rs, html);
    azk_vendor_free(html);
    return rc;
}

/* ---- imported monthly reports -------------------------------------------- */

/* The vendor's registered key of `purpose` (borrowed from v), or NULL. */
static const char *vendor_key(json_t *v, const char *purpose)
{
    json_t *k;
    size_t i;
    json_array_foreach(json_object_get(v, "keys"), i, k)
    {
        const char *p = json_string_value(json_object_get(k, "purpose"));
        if (p != NULL && strcmp(p, purpose) == 0)
            return json_string_value(json_object_get(k, "pubkey"));
    }
    return NULL;
}

static azk_status vreport_cb(const struct azk_store_vreport *r, void *payload)
{
    json_t *f = json_loads(r->flags, 0, NULL);
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:s, s:{s:I, s:I, s:I}}", "client", r->client,
                          "month", r->month, "sha256", r->sha256, "tree_size",
                          (json_int_t)r->tree_size, "verification", "verified", "flags", "overdue",
                          json_integer_value(json_object_get(f, "overdue")), "lapsed_training",
                          json_integer_value(json_object_get(f, "lapsed_training")),
                          "open_findings", json_integer_value(json_object_get(f, "open_findings")));
    json_decref(f);
    return o != NULL && json_array_append_new(payload, o) == 0 ? AZK_OK : azk_error_nomem();
}

/* The reports imported with the vendor's report key, newest month first. */
static azk_status view_vreports(struct azk_server *srv, const char *id, json_t **out)
{
    json_t *v = NULL, *items;
    const char *key;
    azk_status rc = vendor_json(srv, AZK_VENDOR_VIEW_SHOW, id, &v);
    *out = NULL;
    if (rc != AZK_OK)
        return rc;
    items = json_array();
    key = vendor_key(v, "report");
    if (items == NULL)
        rc = azk_error_nomem();
    else if (key != NULL)
        rc = azk_store__vreports(srv->h, key, vreport_cb, items);
    if (rc == AZK_OK) {
        /* the store answers oldest first */
        json_t *rev = json_array();
        for (size_t i = json_array_size(items); rev != NULL && i > 0; i--)
            json_array_append(rev, json_array_get(items, i - 1));
        *out = json_pack("{s:s, s:b, s:o?, s:n}", "vendor", id, "report_key", key != NULL, "items",
                         rev, "next");
        if (*out == NULL)
            rc = azk_error_nomem();
    }
    json_decref(items);
    json_decref(v);
    return rc;
}

azk_status azk_serve__h_api_vreports(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs)
{
    const char *id = azk_serve__query(rq, "id");
    json_t *doc = NULL;
    azk_status rc = id != NULL ? view_vreports(srv, id, &doc)
                               : azk_error_set(AZK_ERR_NOTFOUND, "which vendor?");
    if (!vendor_arg(rq, rs, rc, &rc))
        return rc;
    return azk_serve__json(rs, 200, doc);
}

static const struct azk_serve_col vr_cols[] = {
    {"month", N_("Month"), 0},
    {"client", N_("Client"), 0},
    {"verification", N_("Verification"), 0},
    {"tree_size", N_("Vendor ledger size at month end"), 0},
    {"sha256", N_("SHA-256"), 0},
};

azk_status azk_serve__h_vreports(struct azk_server *srv, struct azk_serve_req *rq,
                                 struct azk_serve_resp *rs)
{
    const char *id = azk_serve__query(rq, "id");
    json_t *doc = NULL, *row;
    azk_buf b = AZK_BUF_INIT;
    size_t i;
    azk_status rc = id != NULL ? view_vreports(srv, id, &doc)
                               : azk_error_set(AZK_ERR_NOTFOUND, "which vendor?");
    if (!vendor_arg(rq, rs, rc, &rc))
        return rc;
    rc = azk_buf_puts(&b, "<p><a href=\"/vendor?id=");
    if (rc == AZK_OK)
        rc = azk_serve__url(&b, id);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "\">%s</a></p>", T_("Status sheet"));
    if (rc == AZK_OK && !json_is_true(json_object_get(doc, "report_key")))
        rc = azk_buf_printf(&b, "<p class=\"err\">%s</p>",
                            T_("No report key of this vendor is registered (the vendor "
                               "register page, or azukari vendor key ID report KEY): reports "
                               "cannot be imported."));
    if (rc == AZK_OK)
        rc = azk_serve__html_table(&b, "vreports", vr_cols, sizeof(vr_cols) / sizeof(vr_cols[0]),
                                   json_object_get(doc, "items"));
    /* what each report flags for review */
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b,
                            "<h2>%s</h2><table id=\"vreport-flags\"><thead><tr><th>%s</th>"
                            "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
                            T_("Flags for review"), T_("Month"), T_("Client"),
                            T_("Overdue deletions"), T_("Lapsed training"),
                            T_("Unresolved findings"));
    json_array_foreach(json_object_get(doc, "items"), i, row)
    {
        json_t *f = json_object_get(row, "flags");
        json_int_t n[3];
        static const char *const fk[] = {"overdue", "lapsed_training", "open_findings"};
        for (size_t k = 0; k < 3; k++)
            n[k] = json_integer_value(json_object_get(f, fk[k]));
        if (rc != AZK_OK)
            break;
        rc = azk_buf_printf(&b, "<tr class=\"%s\"><td>%s</td><td>",
                            n[0] + n[1] + n[2] > 0 ? "due" : "valid",
                            json_string_value(json_object_get(row, "month")));
        if (rc == AZK_OK)
            rc = azk_serve__html(&b, json_string_value(json_object_get(row, "client")));
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "</td><td>%lld</td><td>%lld</td><td>%lld</td></tr>",
                                (long long)n[0], (long long)n[1], (long long)n[2]);
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</tbody></table>");
    if (rc == AZK_OK && (rq->who.role == AZK_ROLE_ADMIN || rq->who.role == AZK_ROLE_OPERATOR)) {
        rc = azk_buf_printf(&b, "<h2>%s</h2><p>%s</p>", T_("Import a monthly report"),
                            T_("Choose the report file (JSON, up to 4 MiB). It is verified "
                               "offline against this vendor's registered keys; nothing is "
                               "stored unless every check passes."));
        if (rc == AZK_OK)
            rc = azk_serve__upload_form_head(&b, rq, "/vendor/reports/import");
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "<input type=\"hidden\" name=\"vendor\" value=\"");
        if (rc == AZK_OK)
            rc = azk_serve__html(&b, id);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b,
                                "\"><label>%s <input name=\"client\"></label><br><label>%s "
                                "<input type=\"file\" name=\"" REPORT_FIELD "\" "
                                "accept=\".json,application/json\" required></label><br>"
                                "<button type=\"submit\">%s</button></form>",
                                T_("Client (empty: as earlier reports)"), T_("Report file"),
                                T_("Verify and import"));
    }
    if (rc == AZK_OK) {
        char title[160];
        (void)snprintf(title, sizeof(title), "%s: %.64s", T_("Imported monthly reports"), id);
        rc = azk_serve__page(rq, rs, title, (const char *)b.data);
    }
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

/* The import's answer: a page or the API's JSON; refusals name the library's reason. */
static azk_status import_answer(struct azk_serve_req *rq, struct azk_serve_resp *rs,
                                const char *vendor, azk_status rc,
                                const azk_vendor_import_result *res)
{
    char msg[512], back[160];
    unsigned st;
    (void)snprintf(back, sizeof(back), "/vendor/reports?id=%s", vendor);
    if (rc == AZK_OK) {
        if (rq->api)
            return azk_serve__json(
                rs, res->already ? 200 : 201,
                json_pack("{s:s, s:s, s:b, s:I, s:I, s:{s:I, s:I, s:I}}", "client", res->client,
                          "month", res->month, "already", res->already, "checked",
                          (json_int_t)res->checked, "certificates", (json_int_t)res->certificates,
                          "flags", "overdue", (json_int_t)res->overdue, "lapsed_training",
                          (json_int_t)res->lapsed, "open_findings", (json_int_t)res->findings));
        (void)snprintf(msg, sizeof(msg), "%s: %.72s %s (%s %llu / %s %llu / %s %llu)",
                       res->already ? T_("This report was imported before; nothing changed")
                                    : T_("Monthly report verified and imported"),
                       res->client, res->month, T_("overdue deletions"),
                       (unsigned long long)res->overdue, T_("lapsed training"),
                       (unsigned long long)res->lapsed, T_("unresolved findings"),
                       (unsigned long long)res->findings);
        return azk_serve__result_page(rq, rs, 200, T_("Done"), msg, back);
    }
    switch (rc) {
        case AZK_ERR_CRYPTO:
        case AZK_ERR_INTEGRITY:
            st = 409;
            break;
        case AZK_ERR_FORMAT:
        case AZK_ERR_ARG:
        case AZK_ERR_IO:
        case AZK_ERR_LIMIT:
            st = 400;
            break;
        default:
            return rc;
    }
    (void)snprintf(msg, sizeof(msg), "%s: %s", T_("Refused, nothing imported"),
                   res->problem[0] != '\0' ? res->problem : azk_error_last()->message);
    azk_error_clear();
    if (rq->api)
        return azk_serve__api_error(rs, st, "refused", msg);
    return azk_serve__result_page(rq, rs, st, T_("Refused"), msg, back);
}

/* POST vendor, report (the file's text), client (optional): verify and import. */
azk_status azk_serve__h_vreport_import(struct azk_server *srv, struct azk_serve_req *rq,
                                       struct azk_serve_resp *rs)
{
    const char *id = azk_serve__form(rq, "vendor");
    const uint8_t *text = NULL;
    size_t len = 0;
    const char *client = azk_serve__form(rq, "client");
    azk_vendor_import_options o = AZK_VENDOR_IMPORT_OPTIONS_INIT;
    azk_vendor_import_result res;
    json_t *v = NULL;
    char path[64];
    int fd = -1;
    azk_status rc;
    memset(&res, 0, sizeof(res));
    /* the page: the uploaded file (upload.c); the API: the JSON body's string */
    if (id == NULL || !azk_serve__upload_text(rq, REPORT_FIELD, &text, &len))
        return azk_serve__fail(rq, rs, 400, "bad_argument",
                               T_("A vendor and the report file are required."));
    rc = vendor_json(srv, AZK_VENDOR_VIEW_SHOW, id, &v);
    if (!vendor_arg(rq, rs, rc, &rc))
        return rc;
    o.pubkey = vendor_key(v, "report");
    o.cert_pubkey = vendor_key(v, "certificate");
    o.client = client != NULL && client[0] != '\0' ? client : NULL;
    if (o.pubkey == NULL) {
        json_decref(v);
        return azk_serve__fail(rq, rs, 409, "refused",
                               T_("No report key of this vendor is registered: nothing imported."));
    }
    /* the library reads a file: an anonymous one in memory, never on disk */
    fd = memfd_create("azk-report", MFD_CLOEXEC);
    if (fd < 0) {
        json_decref(v);
        return azk_error_set(AZK_ERR_IO, "cannot hold the uploaded report");
    }
    {
        size_t off = 0;
        while (off < len) {
            ssize_t n = write(fd, text + off, len - off);
            if (n <= 0)
                break;
            off += (size_t)n;
        }
        if (off != len) {
            (void)close(fd);
            json_decref(v);
            return azk_error_set(AZK_ERR_IO, "cannot hold the uploaded report");
        }
    }
    (void)snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    rc = azk_vendor_report_import(srv->h, path, &o, &res);
    (void)close(fd);
    rc = import_answer(rq, rs, id, rc, &res);
    json_decref(v);
    return rc;
}
