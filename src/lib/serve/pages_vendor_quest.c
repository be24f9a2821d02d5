/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/pages_vendor_quest.c -- a bank's questionnaires in azukari serve
 * (issue 15), pages and /api/v1 twins over the library's functions
 * (src/lib/vendor/quest.c): the imported templates and their revisions,
 * a template uploaded (unknown fields refused, the library's rule), a
 * questionnaire sent (the signed request file downloaded), the vendor's
 * signed answers taken in (signature, questionnaire, answers and evidence
 * hashes checked by the library before anything is stored), a review
 * and score (never the risk rating), and the files kept for the vendor
 * re-hashed on every view (a file changed after upload is shown).
 * Staff read; administrators and operators write. The handlers pass
 * fields and files; every rule and the ledger event are the library's.
 */
#include "serve/serve_int.h"
#include "azukari/vendor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The vendor's record (SHOW) and the templates, as JSON; ARG/NOTFOUND for an unknown vendor. */
static azk_status lib_json(struct azk_server *srv, azk_vendor_view_kind kind, const char *id,
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

static azk_status problem_cb(const char *vendor, const char *kind, const char *ref,
                             const char *label, const char *problem, void *payload)
{
    (void)vendor;
    return json_array_append_new(payload, json_pack("{s:s, s:s, s:s, s:s}", "kind", kind, "ref",
                                                    ref, "label", label != NULL ? label : "",
                                                    "problem", problem)) == 0
               ? AZK_OK
               : azk_error_nomem();
}

/* {"vendor", "templates", "questionnaires", "files", "file_problems"} of one vendor. */
static azk_status quest_view(struct azk_server *srv, const char *id, json_t **out)
{
    json_t *v = NULL, *t = NULL, *probs = json_array(), *doc = NULL;
    uint64_t bad = 0;
    azk_status rc = probs != NULL ? lib_json(srv, AZK_VENDOR_VIEW_SHOW, id, &v) : azk_error_nomem();
    if (rc == AZK_OK)
        rc = lib_json(srv, AZK_VENDOR_VIEW_TEMPLATES, NULL, &t);
    if (rc == AZK_OK) /* every kept file hashed again: changed or missing since upload */
        rc = azk_vendor_files_verify(srv->h, id, problem_cb, probs, &bad);
    if (rc == AZK_OK) {
        doc = json_pack("{s:s, s:O, s:O?, s:O?, s:O}", "vendor", id, "templates", t,
                        "questionnaires", json_object_get(v, "questionnaires"), "files",
                        json_object_get(v, "files"), "file_problems", probs);
        if (doc == NULL)
            rc = azk_error_nomem();
    }
    json_decref(v);
    json_decref(t);
    json_decref(probs);
    *out = doc;
    return rc;
}

/* ?id= / the form's vendor: a refusal answered (404 unknown vendor), else rc up. */
static bool vendor_ok(struct azk_serve_req *rq, struct azk_serve_resp *rs, azk_status rc,
                      azk_status *out)
{
    if (rc == AZK_OK)
        return true;
    if (rc == AZK_ERR_NOTFOUND || rc == AZK_ERR_ARG) {
        azk_error_clear();
        *out = azk_serve__fail(rq, rs, 404, "not_found", T_("No such vendor."));
    } else {
        *out = rc;
    }
    return false;
}

static const char *js(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s != NULL ? s : "";
}

static bool may_write(const struct azk_serve_req *rq)
{
    return rq->who.role == AZK_ROLE_ADMIN || rq->who.role == AZK_ROLE_OPERATOR;
}

azk_status azk_serve__h_api_vquest(struct azk_server *srv, struct azk_serve_req *rq,
                                   struct azk_serve_resp *rs)
{
    const char *id = azk_serve__query(rq, "id");
    json_t *doc = NULL;
    azk_status rc = id != NULL ? quest_view(srv, id, &doc) : AZK_ERR_NOTFOUND;
    if (!vendor_ok(rq, rs, rc, &rc))
        return rc;
    return azk_serve__json(rs, 200, doc);
}

/* ---- the page ---------------------------------------------------------------------- */

static azk_status put_cells(azk_buf *b, const json_t *o, const char *const *keys)
{
    azk_status rc = AZK_OK;
    for (size_t i = 0; rc == AZK_OK && keys[i] != NULL; i++) {
        const json_t *x = json_object_get(o, keys[i]);
        rc = azk_buf_puts(b, "<td>");
        if (rc == AZK_OK && json_is_integer(x))
            rc = azk_buf_printf(b, "%lld", (long long)json_integer_value(x));
        else if (rc == AZK_OK)
            rc = azk_serve__html(b, js(o, keys[i]));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</td>");
    }
    return rc;
}

static azk_status table(azk_buf *b, const char *title, const json_t *rows, const char *const *keys,
                        const char *const *heads, const char *cls)
{
    const json_t *x;
    size_t i;
    azk_status rc = azk_buf_printf(b, "<h2>%s</h2>", title);
    if (rc == AZK_OK && json_array_size(rows) == 0)
        return azk_buf_printf(b, "<p>%s</p>", T_("None."));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<table class=\"%s\"><thead><tr>", cls);
    for (i = 0; rc == AZK_OK && heads[i] != NULL; i++)
        rc = azk_buf_printf(b, "<th>%s</th>", T_(heads[i]));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tr></thead><tbody>");
    json_array_foreach(rows, i, x)
    {
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "<tr>");
        if (rc == AZK_OK)
            rc = put_cells(b, x, keys);
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</tr>");
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tbody></table>");
    return rc;
}

/* The answers of one questionnaire: question, answer, comment, evidence (hash, dates). */
static azk_status answers_html(azk_buf *b, const json_t *q)
{
    const json_t *x, *e;
    size_t i, k;
    azk_status rc = azk_buf_puts(b, "<h3>");
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "%s ", T_("Answers of questionnaire"));
    if (rc == AZK_OK)
        rc = azk_serve__html(b, js(q, "id"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b,
                            "</h3><table class=\"answers\"><thead><tr><th>%s</th><th>%s</th>"
                            "<th>%s</th><th>%s</th></tr></thead><tbody>",
                            T_("Question"), T_("Answer"), T_("Comment"), T_("Evidence"));
    json_array_foreach(json_object_get(json_object_get(q, "answers"), "answers"), i, x)
    {
        static const char *const keys[] = {"question", "answer", "comment", NULL};
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "<tr>");
        if (rc == AZK_OK)
            rc = put_cells(b, x, keys);
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "<td>");
        json_array_foreach(json_object_get(x, "evidence"), k, e)
        {
            if (rc == AZK_OK)
                rc = azk_serve__html(b, js(e, "file"));
            if (rc == AZK_OK)
                rc = azk_buf_printf(b, " <code>%.16s</code> %s ", js(e, "sha256"), T_("effective"));
            if (rc == AZK_OK)
                rc = azk_serve__html(b, js(e, "effective"));
            if (rc == AZK_OK)
                rc = azk_buf_printf(b, " %s ", T_("expires"));
            if (rc == AZK_OK)
                rc = azk_serve__html(b, js(e, "expires")[0] != '\0' ? js(e, "expires") : "-");
            if (rc == AZK_OK)
                rc = azk_buf_puts(b, "<br>");
        }
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</td></tr>");
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tbody></table>");
    return rc;
}

static azk_status hidden_vendor(azk_buf *b, const char *id)
{
    azk_status rc = azk_buf_puts(b, "<input type=\"hidden\" name=\"vendor\" value=\"");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, id);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "\">");
    return rc;
}

/* The forms of the administrators and operators. */
static azk_status forms_html(azk_buf *b, const struct azk_serve_req *rq, const char *id,
                             const json_t *doc)
{
    const json_t *x;
    size_t i;
    azk_status rc = azk_buf_printf(b, "<h2>%s</h2><p>%s</p>", T_("Upload a template"),
                                   T_("An azukari-vendor-template JSON file (docs/vendor.md); a "
                                      "field the format does not know is refused."));
    if (rc == AZK_OK)
        rc = azk_serve__upload_form_head(b, rq, "/vendor/quest/template");
    if (rc == AZK_OK)
        rc = hidden_vendor(b, id);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b,
                            "<label>%s <input type=\"file\" name=\"template\" accept=\".json,"
                            "application/json\" required></label> <button type=\"submit\">%s"
                            "</button></form>",
                            T_("Template file"), T_("Upload"));
    if (rc == AZK_OK && json_array_size(json_object_get(doc, "templates")) > 0) {
        rc = azk_buf_printf(b, "<h2>%s</h2><p>%s</p>", T_("Send a questionnaire"),
                            T_("The signed request file is downloaded; send it to the vendor."));
        if (rc == AZK_OK)
            rc = azk_serve__form_head(b, rq, "/vendor/quest/send", false);
        if (rc == AZK_OK)
            rc = hidden_vendor(b, id);
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "<label>%s <select name=\"template\">", T_("Template"));
        json_array_foreach(json_object_get(doc, "templates"), i, x)
        {
            if (rc == AZK_OK)
                rc = azk_buf_puts(b, "<option value=\"");
            if (rc == AZK_OK)
                rc = azk_serve__html(b, js(x, "id"));
            if (rc == AZK_OK)
                rc = azk_buf_printf(b, "@%lld\">",
                                    (long long)json_integer_value(json_object_get(x, "revision")));
            if (rc == AZK_OK)
                rc = azk_serve__html(b, js(x, "id"));
            if (rc == AZK_OK)
                rc = azk_buf_printf(b, "@%lld</option>",
                                    (long long)json_integer_value(json_object_get(x, "revision")));
        }
        if (rc == AZK_OK)
            rc = azk_buf_printf(b,
                                "</select></label> <label>%s <input type=\"date\" name=\"due\" "
                                "required></label> <button type=\"submit\">%s</button></form>",
                                T_("Due date"), T_("Send (download the request)"));
    }
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<h2>%s</h2><p>%s</p>", T_("Receive the vendor's answers"),
                            T_("The signed response file: its signature (the vendor's "
                               "certificate key), the questionnaire, every answer and every "
                               "evidence file's hash are checked; nothing is stored unless all "
                               "pass."));
    if (rc == AZK_OK)
        rc = azk_serve__upload_form_head(b, rq, "/vendor/quest/receive");
    if (rc == AZK_OK)
        rc = hidden_vendor(b, id);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b,
                            "<label>%s <input type=\"file\" name=\"response\" accept=\".json,"
                            "application/json\" required></label> <button type=\"submit\">%s"
                            "</button></form>",
                            T_("Response file"), T_("Verify and receive"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<h2>%s</h2><p>%s</p>", T_("Review and score"),
                            T_("A score informs the risk rating; it never sets it."));
    if (rc == AZK_OK)
        rc = azk_serve__form_head(b, rq, "/vendor/quest/review", false);
    if (rc == AZK_OK)
        rc = hidden_vendor(b, id);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<label>%s <select name=\"questionnaire\">", T_("Questionnaire"));
    json_array_foreach(json_object_get(doc, "questionnaires"), i, x)
    {
        if (rc == AZK_OK && strcmp(js(x, "state"), "sent") != 0) {
            rc = azk_buf_puts(b, "<option>");
            if (rc == AZK_OK)
                rc = azk_serve__html(b, js(x, "id"));
            if (rc == AZK_OK)
                rc = azk_buf_puts(b, "</option>");
        }
    }
    if (rc == AZK_OK)
        rc = azk_buf_printf(b,
                            "</select></label> <label>%s <input name=\"score\" type=\"number\" "
                            "min=\"0\" max=\"100\" required></label><br><label>%s <textarea "
                            "name=\"comment\" rows=\"3\" cols=\"60\" required></textarea>"
                            "</label><br><button type=\"submit\">%s</button></form>",
                            T_("Score (0-100)"), T_("Comment"), T_("Record the review"));
    return rc;
}

azk_status azk_serve__h_vquest(struct azk_server *srv, struct azk_serve_req *rq,
                               struct azk_serve_resp *rs)
{
    static const char *const tkeys[] = {"id", "revision", "title", "imported_at", NULL};
    static const char *const theads[] = {N_("Template"), N_("Revision"), N_("Title"),
                                         N_("Imported"), NULL};
    static const char *const qkeys[] = {"id",          "template", "revision", "due", "state",
                                        "received_at", "score",    "reviewer", NULL};
    static const char *const qheads[] = {N_("Questionnaire"), N_("Template"), N_("Revision"),
                                         N_("Due"),           N_("State"),    N_("Received"),
                                         N_("Score"),         N_("Reviewer"), NULL};
    static const char *const fkeys[] = {"kind",      "ref",     "label", "sha256",
                                        "effective", "expires", NULL};
    static const char *const fheads[] = {N_("Kind"),    N_("Reference"), N_("File"),
                                         N_("SHA-256"), N_("Effective"), N_("Expires"),
                                         NULL};
    static const char *const pkeys[] = {"kind", "ref", "label", "problem", NULL};
    static const char *const pheads[] = {N_("Kind"), N_("Reference"), N_("File"), N_("Problem"),
                                         NULL};
    const char *id = azk_serve__query(rq, "id");
    json_t *doc = NULL, *x;
    azk_buf b = AZK_BUF_INIT;
    size_t i;
    azk_status rc = id != NULL ? quest_view(srv, id, &doc) : AZK_ERR_NOTFOUND;
    if (!vendor_ok(rq, rs, rc, &rc))
        return rc;
    rc = azk_buf_puts(&b, "<p><a href=\"/vendor?id=");
    if (rc == AZK_OK)
        rc = azk_serve__url(&b, id);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "\">%s</a></p>", T_("Back to the vendor"));
    if (rc == AZK_OK && json_array_size(json_object_get(doc, "file_problems")) > 0) {
        rc = azk_buf_printf(&b, "<p class=\"err\" id=\"files-changed\">%s</p>",
                            T_("A file kept for this vendor changed or is missing since it "
                               "was uploaded."));
        if (rc == AZK_OK)
            rc = table(&b, T_("Files changed since upload"), json_object_get(doc, "file_problems"),
                       pkeys, pheads, "problems");
    }
    if (rc == AZK_OK)
        rc = table(&b, T_("Questionnaire templates"), json_object_get(doc, "templates"), tkeys,
                   theads, "templates");
    if (rc == AZK_OK)
        rc = table(&b, T_("Questionnaires"), json_object_get(doc, "questionnaires"), qkeys, qheads,
                   "questionnaires");
    json_array_foreach(json_object_get(doc, "questionnaires"), i, x)
    {
        if (rc == AZK_OK && json_is_object(json_object_get(x, "answers")))
            rc = answers_html(&b, x);
    }
    if (rc == AZK_OK)
        rc = table(&b, T_("Evidence and documents kept"), json_object_get(doc, "files"), fkeys,
                   fheads, "files");
    if (rc == AZK_OK && may_write(rq))
        rc = forms_html(&b, rq, id, doc);
    if (rc == AZK_OK) {
        char title[160];
        (void)snprintf(title, sizeof(title), "%s: %.64s", T_("Questionnaires"), id);
        rc = azk_serve__page(rq, rs, title, (const char *)b.data);
    }
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

/* ---- acts ------------------------------------------------------------------------- */

/* A library act's answer: done (page 200 / API 201 with `doc`), or its refusal with the
 * library's reason (400 bad input, 409 signature or integrity, 404 unknown), nothing
 * written. */
static azk_status act_answer(struct azk_serve_req *rq, struct azk_serve_resp *rs, azk_status rc,
                             const char *vendor, const char *done, json_t *doc)
{
    char msg[600], back[128];
    unsigned st;
    (void)snprintf(back, sizeof(back), "/vendor/quest?id=%s", vendor);
    if (rc == AZK_OK) {
        if (rq->api)
            return azk_serve__json(rs, 201, doc);
        json_decref(doc);
        return azk_serve__result_page(rq, rs, 200, T_("Done"), done, back);
    }
    json_decref(doc);
    switch (rc) {
        case AZK_ERR_CRYPTO:
        case AZK_ERR_INTEGRITY:
            st = 409;
            break;
        case AZK_ERR_NOTFOUND:
            st = 404;
            break;
        case AZK_ERR_FORMAT:
        case AZK_ERR_ARG:
        case AZK_ERR_LIMIT:
            st = 400;
            break;
        default:
            return rc;
    }
    (void)snprintf(msg, sizeof(msg), "%s: %s", T_("Refused, nothing recorded"),
                   azk_error_last()->message);
    azk_error_clear();
    if (rq->api)
        return azk_serve__api_error(rs, st, "refused", msg);
    return azk_serve__result_page(rq, rs, st, T_("Refused"), msg, back);
}

/* The vendor named by the form, registered; else the answer made (400 / 404). */
static bool form_vendor(struct azk_server *srv, struct azk_serve_req *rq, struct azk_serve_resp *rs,
                        const char **id, azk_status *rc)
{
    json_t *v = NULL;
    *id = azk_serve__form(rq, "vendor");
    if (*id == NULL || (*id)[0] == '\0') {
        *rc = azk_serve__fail(rq, rs, 400, "bad_argument", T_("A vendor is required."));
        return false;
    }
    *rc = lib_json(srv, AZK_VENDOR_VIEW_SHOW, *id, &v);
    json_decref(v);
    return vendor_ok(rq, rs, *rc, rc);
}

/* An uploaded file (page) or JSON string (API) as a private file for the library. */
static bool upload_path(struct azk_server *srv, struct azk_serve_req *rq, struct azk_serve_resp *rs,
                        const char *field, azk_buf *path, azk_status *rc)
{
    const uint8_t *data;
    size_t len;
    if (!azk_serve__upload_text(rq, field, &data, &len)) {
        *rc = azk_serve__fail(rq, rs, 400, "bad_argument", T_("The file is required."));
        return false;
    }
    *rc = azk_serve__upload_tmp(srv, data, len, path);
    return *rc == AZK_OK;
}

AZK_SERVE_UI_HANDLER(azk_serve__h_vquest_template)
{
    const char *id;
    char ref[96] = "";
    azk_buf path = AZK_BUF_INIT;
    azk_status rc;
    if (!form_vendor(srv, rq, rs, &id, &rc) || !upload_path(srv, rq, rs, "template", &path, &rc))
        return rc;
    rc = azk_vendor_template_import(srv->h, (const char *)path.data, ref);
    azk_serve__upload_tmp_done(&path);
    {
        char done[200];
        (void)snprintf(done, sizeof(done), "%s: %s", T_("Template imported"), ref);
        return act_answer(rq, rs, rc, id, done,
                          rc == AZK_OK ? json_pack("{s:s}", "template", ref) : NULL);
    }
}

AZK_SERVE_UI_HANDLER(azk_serve__h_vquest_send)
{
    const char *id, *tmpl = azk_serve__form(rq, "template"), *due = azk_serve__form(rq, "due");
    char qid[37] = "";
    azk_buf path = AZK_BUF_INIT;
    azk_status rc;
    json_t *req = NULL;
    if (!form_vendor(srv, rq, rs, &id, &rc))
        return rc;
    if (tmpl == NULL || tmpl[0] == '\0' || due == NULL || due[0] == '\0')
        return azk_serve__fail(rq, rs, 400, "bad_argument",
                               T_("A template and a due date are required."));
    /* the library writes the signed request to a file: a private one, read back */
    rc = azk_serve__upload_tmp(srv, (const uint8_t *)"", 0, &path);
    if (rc != AZK_OK)
        return rc;
    rc = azk_vendor_questionnaire_send(srv->h, id, tmpl, due, (const char *)path.data, qid);
    if (rc == AZK_OK) {
        json_error_t jerr;
        req = json_load_file((const char *)path.data, 0, &jerr);
        if (req == NULL)
            rc = azk_error_set(AZK_ERR_IO, "cannot read the request file back");
    }
    azk_serve__upload_tmp_done(&path);
    if (rc != AZK_OK)
        return act_answer(rq, rs, rc, id, "", NULL);
    if (rq->api)
        return azk_serve__json(rs, 201,
                               json_pack("{s:s, s:o}", "questionnaire", qid, "request", req));
    /* the page: the signed file itself, downloaded */
    {
        char *s = json_dumps(req, JSON_INDENT(2) | JSON_SORT_KEYS);
        json_decref(req);
        if (s == NULL)
            return azk_error_nomem();
        rs->content_type = "application/json; charset=utf-8";
        (void)snprintf(rs->attachment, sizeof(rs->attachment),
                       "attachment; filename=\"questionnaire-%s.json\"", qid);
        rc = azk_buf_puts(&rs->body, s);
        free(s); /* jansson's allocator; checksrc: ok */
        return rc;
    }
}

AZK_SERVE_UI_HANDLER(azk_serve__h_vquest_receive)
{
    const char *id;
    char qid[37] = "";
    azk_buf path = AZK_BUF_INIT;
    azk_status rc;
    if (!form_vendor(srv, rq, rs, &id, &rc) || !upload_path(srv, rq, rs, "response", &path, &rc))
        return rc;
    rc = azk_vendor_questionnaire_receive(srv->h, (const char *)path.data, qid);
    azk_serve__upload_tmp_done(&path);
    {
        char done[200];
        (void)snprintf(done, sizeof(done), "%s: %s", T_("Answers verified and received"), qid);
        return act_answer(rq, rs, rc, id, done,
                          rc == AZK_OK ? json_pack("{s:s}", "questionnaire", qid) : NULL);
    }
}

AZK_SERVE_UI_HANDLER(azk_serve__h_vquest_review)
{
    const char *id, *qid = azk_serve__form(rq, "questionnaire");
    const char *score = azk_serve__form(rq, "score"), *comment = azk_serve__form(rq, "comment");
    char *end = NULL;
    long n;
    azk_status rc;
    if (!form_vendor(srv, rq, rs, &id, &rc))
        return rc;
    n = score != NULL ? strtol(score, &end, 10) : -1;
    if (score == NULL && json_is_integer(json_object_get(rq->json, "score"))) {
        /* /api/v1: a JSON number */
        json_int_t v = json_integer_value(json_object_get(rq->json, "score"));
        n = v >= 0 && v <= 100 ? (long)v : -1;
        score = end = "";
    }
    if (qid == NULL || score == NULL || (end == score && score[0] != '\0') || *end != '\0' ||
        n < 0 || n > 100 || comment == NULL || comment[0] == '\0')
        return azk_serve__fail(rq, rs, 400, "bad_argument",
                               T_("A questionnaire, a score 0-100 and a comment are required."));
    rc = azk_vendor_questionnaire_review(srv->h, id, qid, (int)n, comment);
    return act_answer(rq, rs, rc, id, T_("Review recorded"),
                      rc == AZK_OK ? json_pack("{s:s, s:i}", "questionnaire", qid, "score", (int)n)
                                   : NULL);
}
