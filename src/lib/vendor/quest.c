/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vendor/quest.c -- questionnaires between a bank and its vendor, as
 * signed files (docs/vendor.md): templates imported at the bank; a
 * request (template + questionnaire id + due date) signed by the bank;
 * the vendor's response (answers, comments, evidence files with SHA-256,
 * effective and expiry dates) signed with the vendor's deployment key in
 * its own azukari; the bank's receipt, which checks everything before it
 * stores anything; the review and score, kept apart from the risk rating.
 * Signatures: retention/sign.h (the certificates' canonical JSON and
 * Ed25519).
 */
#include "vendor/vendor_int.h"
#include "retention/sign.h"

#include <sodium.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REQ_FORMAT  "azukari-vendor-request"
#define RESP_FORMAT "azukari-vendor-response"

static azk_status dump_write(json_t *doc, const char *path)
{
    char *s = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    azk_status rc;
    if (s == NULL)
        return azk_error_nomem();
    rc = azk_outfile__write(path, s, strlen(s), 0644, 0, NULL);
    free(s); /* jansson's allocator; checksrc: ok */
    return rc;
}

static azk_status canon_sha(json_t *o, char sha[65])
{
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    if (s == NULL)
        return azk_error_nomem();
    azk_vendor__sha256_hex(s, strlen(s), sha);
    free(s); /* jansson's allocator; checksrc: ok */
    return AZK_OK;
}

/* ---- templates -------------------------------------------------------------- */

struct tmpl_row {
    char *body;
    char sha[65];
    long long revision;
    bool found;
};

static azk_status tmpl_cb(const char *const *cols, size_t ncols, void *payload)
{
    struct tmpl_row *t = payload;
    (void)ncols;
    t->found = true;
    if (ncols == 1) { /* TEMPLATE_LAST */
        t->found = cols[0] != NULL;
        t->revision = cols[0] != NULL ? strtoll(cols[0], NULL, 10) : 0;
        return AZK_OK;
    }
    t->body = azk_strdup(cols[1]);
    (void)snprintf(t->sha, sizeof(t->sha), "%s", cols[2]);
    return t->body == NULL ? azk_error_nomem() : AZK_OK;
}

azk_status azk_vendor_template_import(azk_home *h, const char *path, char *id_out)
{
    azk_status rc;
    azk_buf data = AZK_BUF_INIT;
    json_t *t = NULL;
    char sha[65], rev[24], now[32], ref[96];
    char *body = NULL;
    struct tmpl_row old = {NULL, "", 0, false};
    const char *id;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && path != NULL);
    rc = azk_vendor__read_file(path, AZK_VENDOR_DOC_MAX, &data);
    if (rc == AZK_OK)
        rc = azk_vendor__template_parse((const char *)data.data, data.len, &t);
    if (rc != AZK_OK)
        goto done;
    id = json_string_value(json_object_get(t, "id"));
    (void)snprintf(rev, sizeof(rev), "%lld",
                   (long long)json_integer_value(json_object_get(t, "revision")));
    (void)snprintf(ref, sizeof(ref), "%s@%s", id, rev);
    rc = canon_sha(t, sha);
    body = json_dumps(t, JSON_COMPACT | JSON_SORT_KEYS);
    if (rc == AZK_OK && body == NULL)
        rc = azk_error_nomem();
    if (rc != AZK_OK)
        goto done;
    azk_store__now(now);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        goto done;
    {
        const char *p[] = {id, rev};
        rc = azk_store__vendor_rows(h, AZK_VSQL_TEMPLATE_GET, p, 2, tmpl_cb, &old);
    }
    if (rc == AZK_OK && old.found)
        rc = azk_error_set(AZK_ERR_ARG,
                           strcmp(old.sha, sha) == 0
                               ? "template %s is already imported"
                               : "template %s was imported with other content: give the "
                                 "changed template a new revision",
                           ref);
    if (rc == AZK_OK) {
        const char *p[] = {id, rev, json_string_value(json_object_get(t, "title")), body, sha, now};
        rc = azk_store__vendor_run(h, AZK_VSQL_TEMPLATE_ADD, p, 6, NULL);
    }
    if (rc == AZK_OK) {
        struct azk_store_event ev = {"vendor.template.import", ref, NULL, NULL, NULL};
        char extra[128];
        (void)snprintf(extra, sizeof(extra), "{\"sha256\":\"%s\"}", sha);
        ev.extra_json = extra;
        rc = azk_store__event(h, &ev, NULL);
    }
    rc = azk_store__tx_end(h, rc);
    if (rc == AZK_OK && id_out != NULL)
        (void)snprintf(id_out, 96, "%s", ref);
done:
    json_decref(t);
    free(body); /* jansson's allocator; checksrc: ok */
    azk_free(old.body);
    azk_buf_dispose(&data);
    return rc;
}

/* The template of ref "ID" (latest) or "ID@REV": parsed object, revision, sha. */
static azk_status template_get(azk_home *h, const char *ref, json_t **out, long long *rev,
                               char sha[65])
{
    char id[72], revs[24];
    const char *at = strchr(ref, '@');
    struct tmpl_row t = {NULL, "", 0, false};
    azk_status rc;
    *out = NULL;
    (void)snprintf(id, sizeof(id), "%.*s", (int)(at != NULL ? (size_t)(at - ref) : strlen(ref)),
                   ref);
    if (!azk_store__valid_id(id))
        return azk_error_set(AZK_ERR_ARG, "template: ID or ID@REVISION expected");
    if (at != NULL) {
        char *end = NULL;
        t.revision = strtoll(at + 1, &end, 10);
        if (end == at + 1 || *end != '\0' || t.revision < 1)
            return azk_error_set(AZK_ERR_ARG, "template: ID or ID@REVISION expected");
    } else {
        const char *p[] = {id};
        rc = azk_store__vendor_rows(h, AZK_VSQL_TEMPLATE_LAST, p, 1, tmpl_cb, &t);
        if (rc != AZK_OK)
            return rc;
        if (!t.found)
            return azk_error_set(AZK_ERR_NOTFOUND, "no template %s imported", id);
        t.found = false;
    }
    (void)snprintf(revs, sizeof(revs), "%lld", t.revision);
    {
        const char *p[] = {id, revs};
        rc = azk_store__vendor_rows(h, AZK_VSQL_TEMPLATE_GET, p, 2, tmpl_cb, &t);
    }
    if (rc == AZK_OK && !t.found)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no template %s@%s imported", id, revs);
    if (rc == AZK_OK) {
        *out = json_loads(t.body, 0, NULL);
        if (*out == NULL)
            rc = azk_error_set(AZK_ERR_INTEGRITY, "template %s@%s: stored text is not JSON", id,
                               revs);
        *rev = t.revision;
        memcpy(sha, t.sha, 65);
    }
    azk_free(t.body);
    return rc;
}

/* ---- send ------------------------------------------------------------------- */

azk_status azk_vendor_questionnaire_send(azk_home *h, const char *id, const char *template_ref,
                                         const char *due, const char *out_path, char qid[37])
{
    azk_status rc;
    json_t *t = NULL, *body = NULL, *sig = NULL, *doc = NULL, *extra = NULL;
    long long rev = 0;
    char sha[65], pub[96], now[32], uuid[37], revs[24];
    bool written = false;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL && template_ref != NULL && out_path != NULL);
    rc = azk_vendor__must_exist(h, id);
    if (rc == AZK_OK)
        rc = azk_vendor__check_date(due, "due date", true);
    if (rc == AZK_OK)
        rc = template_get(h, template_ref, &t, &rev, sha);
    if (rc == AZK_OK)
        rc = azk_sign__pubkey(h, pub);
    if (rc != AZK_OK)
        goto done;
    azk_store__uuid(uuid);
    azk_store__now(now);
    body = json_pack("{s:s,s:i,s:s,s:s,s:s,s:O,s:s,s:s?,s:s}", "format", REQ_FORMAT,
                     "format_version", 1, "questionnaire", uuid, "vendor", id, "bank_key", pub,
                     "template", t, "template_sha256", sha, "due", due, "sent_at", now);
    if (body == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    rc = azk_sign__json(h, body, &sig);
    if (rc != AZK_OK)
        goto done;
    doc = json_pack("{s:O,s:O}", "request", body, "signature", sig);
    if (doc == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    rc = dump_write(doc, out_path);
    if (rc != AZK_OK)
        goto done;
    written = true;
    (void)snprintf(revs, sizeof(revs), "%lld", rev);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        goto done;
    {
        const char *p[] = {uuid, id, json_string_value(json_object_get(t, "id")), revs, now, due};
        rc = azk_store__vendor_run(h, AZK_VSQL_Q_ADD, p, 6, NULL);
    }
    extra = json_pack("{s:s,s:s,s:s}", "questionnaire", uuid, "template",
                      json_string_value(json_object_get(t, "id")), "template_sha256", sha);
    rc = azk_vendor__end(h, rc, id, "vendor.questionnaire.send", extra);
    if (rc == AZK_OK && qid != NULL)
        memcpy(qid, uuid, 37);
done:
    if (rc != AZK_OK && written)
        (void)unlink(out_path); /* not sent: no request file without its record */
    json_decref(t);
    json_decref(body);
    json_decref(sig);
    json_decref(doc);
    json_decref(extra);
    return rc;
}

/* ---- answer (at the vendor) --------------------------------------------------- */

static azk_status load_signed(const char *path, const char *top, json_t **doc, json_t **body,
                              json_t **sig)
{
    azk_buf data = AZK_BUF_INIT;
    json_error_t jerr;
    azk_status rc = azk_vendor__read_file(path, AZK_VENDOR_DOC_MAX * 2, &data);
    *doc = *body = *sig = NULL;
    if (rc != AZK_OK)
        goto done;
    *doc = json_loadb((const char *)data.data, data.len, JSON_REJECT_DUPLICATES, &jerr);
    if (*doc == NULL) {
        rc = azk_error_set(AZK_ERR_FORMAT, "%s file: line %d column %d: not JSON (truncated?)", top,
                           jerr.line, jerr.column);
        goto done;
    }
    *body = json_object_get(*doc, top);
    *sig = json_object_get(*doc, "signature");
    if (!json_is_object(*body) || !json_is_object(*sig) || json_object_size(*doc) != 2) {
        rc = azk_error_set(AZK_ERR_FORMAT,
                           "%s file: {\"%s\": {...}, \"signature\": {...}} expected", top, top);
        goto done;
    }
done:
    azk_buf_dispose(&data);
    return rc;
}

/* Replace each evidence entry's "file" (relative to dir) by name, sha256, size, content. */
static azk_status embed_evidence(json_t *answers, const char *dir)
{
    json_t *x, *e;
    size_t i, k;
    azk_status rc = AZK_OK;
    json_array_foreach(json_object_get(answers, "answers"), i, x)
    {
        json_array_foreach(json_object_get(x, "evidence"), k, e)
        {
            azk_buf path = AZK_BUF_INIT, data = AZK_BUF_INIT;
            const char *file = json_string_value(json_object_get(e, "file"));
            char sha[65], *b64 = NULL;
            size_t blen;
            rc = azk_buf_printf(&path, "%s/%s", dir, file);
            if (rc == AZK_OK)
                rc = azk_vendor__read_file((const char *)path.data, AZK_VENDOR_FILE_MAX, &data);
            if (rc == AZK_OK) {
                azk_vendor__sha256_hex(data.data, data.len, sha);
                blen = sodium_base64_ENCODED_LEN(data.len, sodium_base64_VARIANT_ORIGINAL);
                b64 = azk_malloc(blen);
                if (b64 == NULL)
                    rc = azk_error_nomem();
            }
            if (rc == AZK_OK) {
                sodium_bin2base64(b64, blen, data.data, data.len, sodium_base64_VARIANT_ORIGINAL);
                if (json_object_set_new(e, "file", json_string(azk_vendor__base(file))) != 0 ||
                    json_object_set_new(e, "sha256", json_string(sha)) != 0 ||
                    json_object_set_new(e, "size", json_integer((json_int_t)data.len)) != 0 ||
                    json_object_set_new(e, "content", json_string(b64)) != 0)
                    rc = azk_error_nomem();
            }
            azk_free(b64);
            azk_buf_dispose(&path);
            azk_buf_dispose(&data);
            if (rc != AZK_OK)
                return rc;
        }
    }
    return rc;
}

azk_status azk_vendor_questionnaire_answer(azk_home *h, const char *request_path,
                                           const char *answers_path, const char *bank_pubkey,
                                           const char *out_path)
{
    azk_status rc;
    json_t *doc = NULL, *req, *sig, *answers = NULL, *resp = NULL, *rsig = NULL, *out = NULL;
    azk_buf data = AZK_BUF_INIT, dir = AZK_BUF_INIT;
    const char *qid, *tsha, *slash;
    char now[32];
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && request_path != NULL && answers_path != NULL && out_path != NULL);
    rc = load_signed(request_path, "request", &doc, &req, &sig);
    if (rc != AZK_OK)
        goto done;
    /* the bank's key given decides; else the embedded one (the request is then only
     * checked for integrity, not for who sent it) */
    rc = azk_sign__verify_json(
        req, sig,
        bank_pubkey != NULL ? bank_pubkey : json_string_value(json_object_get(req, "bank_key")),
        "request");
    if (rc != AZK_OK)
        goto done;
    if (json_string_value(json_object_get(req, "format")) == NULL ||
        strcmp(json_string_value(json_object_get(req, "format")), REQ_FORMAT) != 0) {
        rc = azk_error_set(AZK_ERR_FORMAT, "request: not an " REQ_FORMAT " file");
        goto done;
    }
    rc = azk_vendor__template_check(json_object_get(req, "template"));
    if (rc != AZK_OK)
        goto done;
    rc = azk_vendor__read_file(answers_path, AZK_VENDOR_DOC_MAX, &data);
    if (rc == AZK_OK)
        rc = azk_vendor__answers_parse((const char *)data.data, data.len,
                                       json_object_get(req, "template"), &answers);
    if (rc != AZK_OK)
        goto done;
    qid = json_string_value(json_object_get(req, "questionnaire"));
    if (qid == NULL ||
        strcmp(qid, json_string_value(json_object_get(answers, "questionnaire"))) != 0) {
        rc = azk_error_set(AZK_ERR_ARG, "answers: \"questionnaire\" is not the request's (%s)",
                           qid != NULL ? qid : "?");
        goto done;
    }
    slash = strrchr(answers_path, '/');
    rc = slash != NULL ? azk_buf_printf(&dir, "%.*s", (int)(slash - answers_path), answers_path)
                       : azk_buf_puts(&dir, ".");
    if (rc == AZK_OK)
        rc = embed_evidence(answers, (const char *)dir.data);
    if (rc != AZK_OK)
        goto done;
    tsha = json_string_value(json_object_get(req, "template_sha256"));
    azk_store__now(now);
    resp = json_pack(
        "{s:s,s:i,s:s,s:s?,s:s?,s:I,s:s?,s:O,s:s}", "format", RESP_FORMAT, "format_version", 1,
        "questionnaire", qid, "vendor", json_string_value(json_object_get(req, "vendor")),
        "template", json_string_value(json_object_get(json_object_get(req, "template"), "id")),
        "template_revision",
        json_integer_value(json_object_get(json_object_get(req, "template"), "revision")),
        "template_sha256", tsha, "answers", answers, "answered_at", now);
    if (resp == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    rc = azk_sign__json(h, resp, &rsig);
    if (rc != AZK_OK)
        goto done;
    out = json_pack("{s:O,s:O}", "response", resp, "signature", rsig);
    rc = out != NULL ? dump_write(out, out_path) : azk_error_nomem();
    if (rc == AZK_OK) {
        struct azk_store_event ev = {"vendor.questionnaire.answer", qid, NULL, NULL, NULL};
        rc = azk_store__event(h, &ev, NULL);
    }
done:
    json_decref(doc);
    json_decref(answers);
    json_decref(resp);
    json_decref(rsig);
    json_decref(out);
    azk_buf_dispose(&data);
    azk_buf_dispose(&dir);
    return rc;
}

/* ---- receive (at the bank) ----------------------------------------------------- */

struct qrow {
    char vendor[72], template_id[72], state[16];
    long long revision;
    bool found;
};

static azk_status q_cb(const char *const *cols, size_t ncols, void *payload)
{
    struct qrow *q = payload;
    (void)ncols;
    (void)snprintf(q->vendor, sizeof(q->vendor), "%s", cols[1]);
    (void)snprintf(q->template_id, sizeof(q->template_id), "%s", cols[2]);
    q->revision = strtoll(cols[3], NULL, 10);
    (void)snprintf(q->state, sizeof(q->state), "%s", cols[6]);
    q->found = true;
    return AZK_OK;
}

struct keyrow {
    char pub[420];
    bool found;
};

static azk_status key_cb(const char *const *cols, size_t ncols, void *payload)
{
    struct keyrow *k = payload;
    (void)ncols;
    (void)snprintf(k->pub, sizeof(k->pub), "%s", cols[0]);
    k->found = true;
    return AZK_OK;
}

/* Decode and check every evidence content; keep the files; strip contents from answers. */
static azk_status take_evidence(azk_home *h, json_t *answers, bool keep)
{
    json_t *x, *e;
    size_t i, k;
    json_array_foreach(json_object_get(answers, "answers"), i, x)
    {
        json_array_foreach(json_object_get(x, "evidence"), k, e)
        {
            const char *b64 = json_string_value(json_object_get(e, "content"));
            const char *want = json_string_value(json_object_get(e, "sha256"));
            size_t cap = strlen(b64) / 4 * 3 + 3, n = 0;
            uint8_t *bin = azk_malloc(cap + 1);
            char sha[65];
            azk_status rc = AZK_OK;
            if (bin == NULL)
                return azk_error_nomem();
            if (sodium_base642bin(bin, cap, b64, strlen(b64), NULL, &n, NULL,
                                  sodium_base64_VARIANT_ORIGINAL) != 0)
                rc = azk_error_set(AZK_ERR_FORMAT,
                                   "response: answer %zu evidence %zu: content is not base64",
                                   i + 1, k + 1);
            if (rc == AZK_OK) {
                azk_vendor__sha256_hex(bin, n, sha);
                if (strcmp(sha, want) != 0 ||
                    (json_int_t)n != json_integer_value(json_object_get(e, "size")))
                    rc = azk_error_set(AZK_ERR_INTEGRITY,
                                       "response: answer %zu evidence %zu: the file differs "
                                       "from its SHA-256",
                                       i + 1, k + 1);
            }
            if (rc == AZK_OK && keep)
                rc = azk_vendor__keep(h, bin, n, sha);
            azk_free(bin);
            if (rc != AZK_OK)
                return rc;
            if (keep)
                (void)json_object_del(e, "content");
        }
    }
    return AZK_OK;
}

azk_status azk_vendor_questionnaire_receive(azk_home *h, const char *path, char *qid_out)
{
    static const char *const resp_fields[] = {"format",          "format_version",
                                              "questionnaire",   "vendor",
                                              "template",        "template_revision",
                                              "template_sha256", "answers",
                                              "answered_at",     NULL};
    azk_status rc;
    json_t *doc = NULL, *resp, *sig, *t = NULL, *answers, *extra = NULL;
    struct qrow q = {"", "", "", 0, false};
    struct keyrow key = {"", false};
    const char *qid, *vendor, *tsha, *k;
    char sha[65], asha[65], now[32], rev[100], *atext = NULL;
    long long trev = 0;
    json_t *v;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && path != NULL);
    rc = load_signed(path, "response", &doc, &resp, &sig);
    if (rc != AZK_OK)
        goto done;
    json_object_foreach(resp, k, v)
    {
        (void)v;
        if (!azk_vendor__one_of(k, resp_fields)) {
            rc = azk_error_set(AZK_ERR_FORMAT, "response: $: unknown field \"%.60s\"", k);
            goto done;
        }
    }
    qid = json_string_value(json_object_get(resp, "questionnaire"));
    vendor = json_string_value(json_object_get(resp, "vendor"));
    if (qid == NULL || vendor == NULL || strlen(qid) != 36) {
        rc = azk_error_set(AZK_ERR_FORMAT, "response: questionnaire or vendor missing");
        goto done;
    }
    rc = azk_store__vendor_rows(h, AZK_VSQL_Q_GET, &qid, 1, q_cb, &q);
    if (rc == AZK_OK && !q.found)
        rc = azk_error_set(AZK_ERR_ARG, "response: questionnaire %s was not sent from here", qid);
    if (rc == AZK_OK && strcmp(q.vendor, vendor) != 0)
        rc = azk_error_set(AZK_ERR_ARG, "response: questionnaire %s was sent to %s, not %s", qid,
                           q.vendor, vendor);
    if (rc == AZK_OK && strcmp(q.state, "sent") != 0)
        rc = azk_error_set(AZK_ERR_ARG, "response: questionnaire %s is already answered", qid);
    if (rc != AZK_OK)
        goto done;
    {
        const char *p[] = {vendor, "certificate"};
        rc = azk_store__vendor_rows(h, AZK_VSQL_KEY_GET, p, 2, key_cb, &key);
    }
    if (rc == AZK_OK && !key.found)
        rc = azk_error_set(AZK_ERR_ARG,
                           "response: no certificate key of vendor %s is recorded (vendor key "
                           "%s certificate azukari-cert+...)",
                           vendor, vendor);
    if (rc == AZK_OK)
        rc = azk_sign__verify_json(resp, sig, key.pub, "response");
    if (rc != AZK_OK)
        goto done;
    (void)snprintf(rev, sizeof(rev), "%s@%lld", q.template_id, q.revision);
    rc = template_get(h, rev, &t, &trev, sha);
    if (rc != AZK_OK)
        goto done;
    tsha = json_string_value(json_object_get(resp, "template_sha256"));
    if (tsha == NULL || strcmp(tsha, sha) != 0) {
        rc = azk_error_set(AZK_ERR_INTEGRITY,
                           "response: answers a template other than the one sent (%s)", rev);
        goto done;
    }
    answers = json_object_get(resp, "answers");
    rc = azk_vendor__answers_check(answers, t, true);
    if (rc == AZK_OK &&
        strcmp(json_string_value(json_object_get(answers, "questionnaire")), qid) != 0)
        rc = azk_error_set(AZK_ERR_FORMAT, "response: answers of another questionnaire");
    /* every evidence file checked first, then kept: nothing is stored for a response
     * that fails */
    if (rc == AZK_OK)
        rc = take_evidence(h, answers, false);
    if (rc == AZK_OK)
        rc = take_evidence(h, answers, true);
    if (rc != AZK_OK)
        goto done;
    atext = json_dumps(answers, JSON_COMPACT | JSON_SORT_KEYS);
    if (atext == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    azk_vendor__sha256_hex(atext, strlen(atext), asha);
    azk_store__now(now);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        goto done;
    {
        const char *p[] = {atext, asha, now, qid};
        int64_t ch = 0;
        rc = azk_store__vendor_run(h, AZK_VSQL_Q_ANSWER, p, 4, &ch);
        if (rc == AZK_OK && ch != 1)
            rc = azk_error_set(AZK_ERR_ARG, "response: questionnaire %s is already answered", qid);
    }
    {
        json_t *x, *e;
        size_t i, j;
        json_array_foreach(json_object_get(answers, "answers"), i, x)
        {
            json_array_foreach(json_object_get(x, "evidence"), j, e)
            {
                char ref[120], size[24];
                const char *p[9];
                if (rc != AZK_OK)
                    break;
                (void)snprintf(ref, sizeof(ref), "%s/%s", qid,
                               json_string_value(json_object_get(x, "question")));
                (void)snprintf(size, sizeof(size), "%lld",
                               (long long)json_integer_value(json_object_get(e, "size")));
                p[0] = vendor;
                p[1] = "evidence";
                p[2] = ref;
                p[3] = json_string_value(json_object_get(e, "sha256"));
                p[4] = json_string_value(json_object_get(e, "file"));
                p[5] = size;
                p[6] = json_string_value(json_object_get(e, "effective"));
                p[7] = json_string_value(json_object_get(e, "expires"));
                p[8] = now;
                rc = azk_store__vendor_run(h, AZK_VSQL_FILE_ADD, p, 9, NULL);
            }
        }
    }
    extra = json_pack("{s:s,s:s}", "questionnaire", qid, "answers_sha256", asha);
    rc = azk_vendor__end(h, rc, vendor, "vendor.questionnaire.receive", extra);
    if (rc == AZK_OK && qid_out != NULL)
        (void)snprintf(qid_out, 37, "%s", qid);
done:
    free(atext); /* jansson's allocator; checksrc: ok */
    json_decref(extra);
    json_decref(t);
    json_decref(doc);
    return rc;
}

azk_status azk_vendor_questionnaire_review(azk_home *h, const char *id, const char *qid, int score,
                                           const char *comment)
{
    azk_status rc;
    char now[32], num[16];
    int64_t ch = 0;
    json_t *extra;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL && qid != NULL);
    if (score < 0 || score > 100)
        return azk_error_set(AZK_ERR_ARG, "score: 0-100");
    if (comment == NULL || comment[0] == '\0' || strlen(comment) > 8000 ||
        !azk_utf8_valid((const uint8_t *)comment, strlen(comment)))
        return azk_error_set(AZK_ERR_ARG, "review comment: 1-8000 bytes of text expected");
    rc = azk_vendor__must_exist(h, id);
    if (rc != AZK_OK)
        return rc;
    azk_store__now(now);
    (void)snprintf(num, sizeof(num), "%d", score);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const char *p[] = {num, azk_store__actor(h), comment, now, qid, id};
        rc = azk_store__vendor_run(h, AZK_VSQL_Q_REVIEW, p, 6, &ch);
    }
    if (rc == AZK_OK && ch == 0)
        rc = azk_error_set(
            AZK_ERR_ARG, "questionnaire %s of vendor %s is not answered yet (or unknown)", qid, id);
    extra = json_pack("{s:s,s:i}", "questionnaire", qid, "score", score);
    rc = azk_vendor__end(h, rc, id, "vendor.questionnaire.review", extra);
    json_decref(extra);
    return rc;
}
