/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/pages_vendor_forms.c -- what a bank's staff change in vendor
 * management through azukari serve (issue 15), each a page form with its
 * /api/v1 twin: register a vendor, record a contract clause's status,
 * record an audit, add a finding and update (close) it, record a
 * certification or document received. Administrators and operators write
 * (the route table; CSRF checked by http.c); every rule (ids, dates,
 * corporate-number check digit, clause and status names, one transaction,
 * the ledger event) is the library's (include/azukari/vendor.h): these
 * handlers only pass the fields on and answer its verdict. GET
 * /vendor/edit is the page holding the forms for one vendor.
 */
#include "serve/serve_int.h"

#include "azukari/vendor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A field of the form or JSON body; NULL when absent or empty. */
static const char *field(const struct azk_serve_req *rq, const char *name)
{
    const char *v = azk_serve__form(rq, name);
    return v != NULL && v[0] != '\0' ? v : NULL;
}

/* answer() once the link back is built (st: the HTTP status of a refusal). */
static azk_status answer_with(struct azk_serve_req *rq, struct azk_serve_resp *rs, azk_status rc,
                              unsigned st, const char *what, const char *new_id, char *msg,
                              size_t cap, const char *back)
{
    if (rc == AZK_OK) {
        if (rq->api)
            return azk_serve__json(rs, 201,
                                   json_pack("{s:s, s:s?}", "done", what, "id",
                                             new_id != NULL && new_id[0] != '\0' ? new_id : NULL));
        (void)snprintf(msg, cap, "%s%s%s", what, new_id != NULL ? ": " : "",
                       new_id != NULL ? new_id : "");
        return azk_serve__result_page(rq, rs, 200, T_("Done"), msg, back);
    }
    (void)snprintf(msg, cap, "%s: %s", T_("Refused, nothing recorded"), azk_error_last()->message);
    azk_error_clear();
    if (rq->api)
        return azk_serve__api_error(rs, st,
                                    st == 404   ? "not_found"
                                    : st == 403 ? "forbidden"
                                                : "bad_argument",
                                    msg);
    return azk_serve__result_page(rq, rs, st, T_("Refused"), msg, back);
}

/*
 * The library's verdict as the answer: done (a page with a link back to the
 * vendor's forms, or 201 with the new id), refused (400 bad input, 404 an
 * unknown vendor or finding: the library's message, which names no personal
 * value; nothing was written), anything else the caller's 500.
 */
azk_status azk_serve__vendor_answer(struct azk_serve_req *rq, struct azk_serve_resp *rs,
                                    const char *page, const char *vendor, azk_status rc,
                                    const char *what, const char *new_id)
{
    char msg[512];
    azk_buf back = AZK_BUF_INIT;
    azk_status out;
    unsigned st = azk_serve__status_of(rc);
    if (rc != AZK_OK && st == 0)
        return rc;
    /* the link back: the vendor as typed (maybe unknown, maybe hostile), percent-encoded */
    out = azk_buf_puts(&back, vendor != NULL ? page : "/vendors");
    if (out == AZK_OK && vendor != NULL)
        out = azk_serve__url(&back, vendor);
    if (out != AZK_OK) {
        azk_buf_dispose(&back);
        return out;
    }
    out = answer_with(rq, rs, rc, st, what, new_id, msg, sizeof(msg), (const char *)back.data);
    azk_buf_dispose(&back);
    return out;
}

static azk_status answer(struct azk_serve_req *rq, struct azk_serve_resp *rs, const char *vendor,
                         azk_status rc, const char *what, const char *new_id)
{
    return azk_serve__vendor_answer(rq, rs, "/vendor/edit?id=", vendor, rc, what, new_id);
}

/* A required field missing: 400 before the library is asked. */
static azk_status missing(struct azk_serve_req *rq, struct azk_serve_resp *rs)
{
    return azk_serve__fail(rq, rs, 400, "bad_argument",
                           T_("A required field is missing; nothing was recorded."));
}

/* POST id, name, corporate_number, criticality (optional) */
azk_status azk_serve__h_vendor_add(struct azk_server *srv, struct azk_serve_req *rq,
                                   struct azk_serve_resp *rs)
{
    azk_vendor_fields f = AZK_VENDOR_FIELDS_INIT;
    const char *id = field(rq, "id");
    f.name = field(rq, "name");
    f.corporate_number = field(rq, "corporate_number");
    f.criticality = field(rq, "criticality");
    if (id == NULL || f.name == NULL || f.corporate_number == NULL)
        return missing(rq, rs);
    return answer(rq, rs, NULL, azk_vendor_add(srv->h, id, &f), T_("Vendor registered"), id);
}

/* POST vendor, clause, status, date (optional), note (optional) */
azk_status azk_serve__h_vendor_clause(struct azk_server *srv, struct azk_serve_req *rq,
                                      struct azk_serve_resp *rs)
{
    const char *v = field(rq, "vendor"), *clause = field(rq, "clause");
    const char *status = field(rq, "status");
    if (v == NULL || clause == NULL || status == NULL)
        return missing(rq, rs);
    return answer(
        rq, rs, v,
        azk_vendor_clause_set(srv->h, v, clause, status, field(rq, "date"), field(rq, "note")),
        T_("Contract clause recorded"), NULL);
}

/* POST vendor, kind (audit|onsite), done_on, summary (optional), adhoc ("1": outside plan) */
azk_status azk_serve__h_vendor_audit(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs)
{
    const char *v = field(rq, "vendor"), *kind = field(rq, "kind"), *on = field(rq, "done_on");
    const char *adhoc = field(rq, "adhoc");
    char aid[37] = "";
    azk_status rc;
    if (v == NULL || kind == NULL || on == NULL)
        return missing(rq, rs);
    rc = azk_vendor_audit_record(srv->h, v, kind, adhoc != NULL && strcmp(adhoc, "1") == 0, on,
                                 field(rq, "summary"), aid);
    return answer(rq, rs, v, rc, T_("Audit recorded"), aid);
}

/* POST vendor, audit (optional), title, severity, owner, due */
azk_status azk_serve__h_vendor_finding(struct azk_server *srv, struct azk_serve_req *rq,
                                       struct azk_serve_resp *rs)
{
    const char *v = field(rq, "vendor"), *title = field(rq, "title");
    const char *sev = field(rq, "severity"), *owner = field(rq, "owner"), *due = field(rq, "due");
    char fid[37] = "";
    azk_status rc;
    if (v == NULL || title == NULL || sev == NULL || owner == NULL || due == NULL)
        return missing(rq, rs);
    rc = azk_vendor_finding_add(srv->h, v, field(rq, "audit"), title, sev, owner, due, fid);
    return answer(rq, rs, v, rc, T_("Finding recorded"), fid);
}

/* POST finding, status (open|in-progress|closed), closed_on, owner, due (optional each) */
azk_status azk_serve__h_vendor_finding_update(struct azk_server *srv, struct azk_serve_req *rq,
                                              struct azk_serve_resp *rs)
{
    const char *fid = field(rq, "finding");
    if (fid == NULL)
        return missing(rq, rs);
    return answer(rq, rs, field(rq, "vendor"),
                  azk_vendor_finding_update(srv->h, fid, field(rq, "status"), field(rq, "owner"),
                                            field(rq, "due"), field(rq, "closed_on")),
                  T_("Finding updated"), NULL);
}

/* POST vendor, class (cert|doc), kind, received_on, ref, issued_on, expires_on (no file) */
azk_status azk_serve__h_vendor_doc(struct azk_server *srv, struct azk_serve_req *rq,
                                   struct azk_serve_resp *rs)
{
    const char *v = field(rq, "vendor"), *cls = field(rq, "class"), *kind = field(rq, "kind");
    const char *received = field(rq, "received_on");
    char did[37] = "";
    azk_status rc;
    size_t len = 0;
    const uint8_t *file = azk_serve__upload_file(rq, "file", &len); /* the page's, optional */
    azk_buf path = AZK_BUF_INIT;
    if (v == NULL || cls == NULL || kind == NULL || received == NULL)
        return missing(rq, rs);
    /* a "file" part that came as text (its file name unreadable to MHD: a NUL, filename*=):
     * refused, never recorded as a document without its file */
    if (file == NULL && field(rq, "file") != NULL)
        return azk_serve__fail(rq, rs, 400, "bad_form", T_("The form could not be read."));
    if (file != NULL) { /* kept by the library under its SHA-256 (upload.c: a private copy) */
        rc = azk_serve__upload_tmp(srv, file, len, &path);
        if (rc != AZK_OK)
            return rc;
    }
    rc = azk_vendor_doc_add(srv->h, v, cls, kind, field(rq, "ref"), field(rq, "issued_on"),
                            field(rq, "expires_on"), received,
                            file != NULL ? (const char *)path.data : NULL, did);
    azk_serve__upload_tmp_done(&path);
    return answer(rq, rs, v, rc, T_("Certification or document recorded"), did);
}

/* ---- the forms ------------------------------------------------------------ */

/* <select name=...> of fixed choices (the library's names). */
static azk_status choice(azk_buf *b, const char *label, const char *name, const char *const *opts)
{
    azk_status rc = azk_buf_printf(b, "<label>%s <select name=\"%s\">", label, name);
    for (size_t i = 0; rc == AZK_OK && opts[i] != NULL; i++)
        rc = azk_buf_printf(b, "<option>%s</option>", opts[i]);
    return rc == AZK_OK ? azk_buf_puts(b, "</select></label> ") : rc;
}

static azk_status input(azk_buf *b, const char *label, const char *name, const char *type,
                        bool required)
{
    return azk_buf_printf(b, "<label>%s <input name=\"%s\" type=\"%s\"%s></label> ", label, name,
                          type, required ? " required" : "");
}

/* The form head and the vendor's id as a hidden field. */
static azk_status head(azk_buf *b, const struct azk_serve_req *rq, const char *title,
                       const char *action, const char *id)
{
    azk_status rc = azk_buf_printf(b, "<h2>%s</h2>", title);
    /* a route that takes a file (routes.c big_bodies): multipart, CSRF field first */
    if (rc == AZK_OK)
        rc = azk_serve__route_body_max("POST", action) > AZK_SERVE_BODY_MAX
                 ? azk_serve__upload_form_head(b, rq, action)
                 : azk_serve__form_head(b, rq, action, false);
    if (rc == AZK_OK && id != NULL) {
        rc = azk_buf_puts(b, "<input type=\"hidden\" name=\"vendor\" value=\"");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, id);
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "\">");
    }
    return rc;
}

static azk_status tail(azk_buf *b, const char *button)
{
    return azk_buf_printf(b, "<button type=\"submit\">%s</button></form>", button);
}

azk_status azk_serve__vendor_add_form(azk_buf *b, const struct azk_serve_req *rq)
{
    static const char *const crit[] = {"medium", "high", "low", NULL};
    azk_status rc;
    if (rq->who.role != AZK_ROLE_ADMIN && rq->who.role != AZK_ROLE_OPERATOR)
        return AZK_OK;
    rc = head(b, rq, T_("Register a vendor"), "/vendors/add", NULL);
    if (rc == AZK_OK)
        rc = input(b, "ID", "id", "text", true);
    if (rc == AZK_OK)
        rc = input(b, T_("Name"), "name", "text", true);
    if (rc == AZK_OK)
        rc = input(b, T_("Corporate number"), "corporate_number", "text", true);
    if (rc == AZK_OK)
        rc = choice(b, T_("Criticality"), "criticality", crit);
    return rc == AZK_OK ? tail(b, T_("Register")) : rc;
}

/* GET ?id=: the forms that change one vendor's records (administrators and operators). */
azk_status azk_serve__h_vendor_edit(struct azk_server *srv, struct azk_serve_req *rq,
                                    struct azk_serve_resp *rs)
{
    static const char *const clauses[] = {"purpose-limitation",
                                          "named-handlers",
                                          "re-entrustment",
                                          "incident-reporting",
                                          "audit-rights",
                                          "deletion-certificate",
                                          NULL};
    static const char *const cstat[] = {"agreed", "partial", "missing", "n/a", NULL};
    static const char *const akind[] = {"audit", "onsite", NULL};
    static const char *const sev[] = {"high", "medium", "low", NULL};
    static const char *const fstat[] = {"closed", "in-progress", "open", NULL};
    static const char *const dclass[] = {"cert", "doc", NULL};
    static const char *const dkind[] = {"isms",      "pmark", "soc1", "soc2",
                                        "financial", "other", NULL};
    const char *id = azk_serve__query(rq, "id");
    char *s = NULL;
    azk_buf b = AZK_BUF_INIT;
    azk_status rc = id != NULL ? azk_vendor_view(srv->h, AZK_VENDOR_VIEW_SHOW, id, NULL, 0,
                                                 AZK_VENDOR_FMT_JSON, &s)
                               : azk_error_set(AZK_ERR_NOTFOUND, "which vendor?");
    azk_vendor_free(s);
    if (rc != AZK_OK) {
        if (azk_serve__status_of(rc) == 0)
            return rc;
        azk_error_clear();
        return azk_serve__fail(rq, rs, 404, "not_found", T_("No such vendor."));
    }
    rc = azk_buf_puts(&b, "<p><a href=\"/vendor?id=");
    if (rc == AZK_OK)
        rc = azk_serve__url(&b, id);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "\">%s</a> | <a href=\"/vendor/register?id=", T_("Status sheet"));
    if (rc == AZK_OK)
        rc = azk_serve__url(&b, id);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "\">%s</a></p>", T_("Register entries, keys, rating, schedules"));
    /* a contract clause */
    if (rc == AZK_OK)
        rc = head(&b, rq, T_("Record a contract clause"), "/vendor/clause", id);
    if (rc == AZK_OK)
        rc = choice(&b, T_("Clause"), "clause", clauses);
    if (rc == AZK_OK)
        rc = choice(&b, T_("Status"), "status", cstat);
    if (rc == AZK_OK)
        rc = input(&b, T_("Agreed on"), "date", "date", false);
    if (rc == AZK_OK)
        rc = input(&b, T_("Note"), "note", "text", false);
    if (rc == AZK_OK)
        rc = tail(&b, T_("Record"));
    /* an audit done */
    if (rc == AZK_OK)
        rc = head(&b, rq, T_("Record an audit"), "/vendor/audit", id);
    if (rc == AZK_OK)
        rc = choice(&b, T_("Kind"), "kind", akind);
    if (rc == AZK_OK)
        rc = input(&b, T_("Done on"), "done_on", "date", true);
    if (rc == AZK_OK)
        rc = input(&b, T_("Audit summary"), "summary", "text", false);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b,
                            "<label><input type=\"checkbox\" name=\"adhoc\" value=\"1\"> %s"
                            "</label> ",
                            T_("Outside the schedule"));
    if (rc == AZK_OK)
        rc = tail(&b, T_("Record"));
    /* a finding */
    if (rc == AZK_OK)
        rc = head(&b, rq, T_("Record a finding"), "/vendor/finding", id);
    if (rc == AZK_OK)
        rc = input(&b, T_("Audit ID (optional)"), "audit", "text", false);
    if (rc == AZK_OK)
        rc = input(&b, T_("Title"), "title", "text", true);
    if (rc == AZK_OK)
        rc = choice(&b, T_("Severity"), "severity", sev);
    if (rc == AZK_OK)
        rc = input(&b, T_("Owner"), "owner", "text", true);
    if (rc == AZK_OK)
        rc = input(&b, T_("Due"), "due", "date", true);
    if (rc == AZK_OK)
        rc = tail(&b, T_("Record"));
    /* a finding's status */
    if (rc == AZK_OK)
        rc = head(&b, rq, T_("Update or close a finding"), "/vendor/finding/update", id);
    if (rc == AZK_OK)
        rc = input(&b, T_("Finding ID"), "finding", "text", true);
    if (rc == AZK_OK)
        rc = choice(&b, T_("Status"), "status", fstat);
    if (rc == AZK_OK)
        rc = input(&b, T_("Closed on"), "closed_on", "date", false);
    if (rc == AZK_OK)
        rc = tail(&b, T_("Record"));
    /* a certification or document */
    if (rc == AZK_OK)
        rc = head(&b, rq, T_("Record a certification or document"), "/vendor/doc", id);
    if (rc == AZK_OK)
        rc = choice(&b, T_("Class"), "class", dclass);
    if (rc == AZK_OK)
        rc = choice(&b, T_("Kind"), "kind", dkind);
    if (rc == AZK_OK)
        rc = input(&b, T_("Reference"), "ref", "text", false);
    if (rc == AZK_OK)
        rc = input(&b, T_("Issued on"), "issued_on", "date", false);
    if (rc == AZK_OK)
        rc = input(&b, T_("Expires on"), "expires_on", "date", false);
    if (rc == AZK_OK)
        rc = input(&b, T_("Received on"), "received_on", "date", true);
    if (rc == AZK_OK) /* kept by its SHA-256; a change after upload is flagged */
        rc = input(&b, T_("File (optional)"), "file", "file", false);
    if (rc == AZK_OK)
        rc = tail(&b, T_("Record"));
    if (rc == AZK_OK) {
        char title[160];
        (void)snprintf(title, sizeof(title), "%s: %.64s", T_("Change vendor records"), id);
        rc = azk_serve__page(rq, rs, title, (const char *)b.data);
    }
    azk_buf_dispose(&b);
    return rc;
}

/* ---- shared with the register's forms (pages_vendor_register.c) ------------ */

const char *azk_serve__vendor_field(const struct azk_serve_req *rq, const char *name)
{
    return field(rq, name);
}

azk_status azk_serve__vendor_missing(struct azk_serve_req *rq, struct azk_serve_resp *rs)
{
    return missing(rq, rs);
}

azk_status azk_serve__vendor_choice(azk_buf *b, const char *label, const char *name,
                                    const char *const *opts)
{
    return choice(b, label, name, opts);
}

azk_status azk_serve__vendor_input(azk_buf *b, const char *label, const char *name,
                                   const char *type, bool required)
{
    return input(b, label, name, type, required);
}

azk_status azk_serve__vendor_form(azk_buf *b, const struct azk_serve_req *rq, const char *title,
                                  const char *action, const char *id)
{
    return head(b, rq, title, action, id);
}

azk_status azk_serve__vendor_submit(azk_buf *b, const char *button)
{
    return tail(b, button);
}
