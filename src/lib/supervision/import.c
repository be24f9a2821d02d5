/* SPDX-License-Identifier: Apache-2.0 */
/*
 * supervision/import.c -- a bank imports a vendor's monthly report
 * (azk_vendor_report_import), offline: the shape (azk_monthly_report_check),
 * the signature by the vendor's key (retention/sign.h, the certificates'
 * one signing), the client, the month-end checkpoint signed by the vendor's
 * ledger key, the RFC 9162 consistency proofs from every earlier month's
 * end, and consistency with every checkpoint imported before from that
 * vendor, as C2SP witnesses do: a report whose ledger does not extend one
 * imported before (or is extended by one imported before, for an older
 * month) is a fork: a ledger alarm, nothing stored. Then the deletion
 * certificates listed, against the vendor's certificate key. The report is
 * stored whole (vendor_reports) only when all of this passed.
 */
#include "supervision/sup_int.h"
#include "retention/ret_int.h"
#include "retention/sign.h"
#include "store/supervision.h"
#include "azukari/audit.h"
#include "azukari/retention.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- shape ----------------------------------------------------------------- */

static bool is_month(const char *m)
{
    int64_t s = 0, e = 0;
    if (m == NULL || azk_sup__month(m, &s, &e) != AZK_OK) {
        azk_error_clear();
        return false;
    }
    return true;
}

static azk_status bad(const char *what)
{
    return azk_error_set(AZK_ERR_FORMAT, "not a monthly report: %s", what);
}

static azk_status check_body(json_t *r)
{
    json_t *led, *ends;
    const char *c = azk_sup__str(r, "client");
    if (!json_is_object(r))
        return bad("no report object");
    if (azk_sup__str(r, "type") == NULL || strcmp(azk_sup__str(r, "type"), REPORT_TYPE) != 0)
        return bad("wrong type");
    if (json_integer_value(json_object_get(r, "version")) != 1)
        return bad("unknown version");
    if (c == NULL || !azk_store__valid_id(c))
        return bad("bad client id");
    if (!is_month(azk_sup__str(r, "month")))
        return bad("bad month");
    if (!json_is_object(json_object_get(r, "summary")) ||
        !json_is_array(json_object_get(r, "certificates")) ||
        !json_is_array(json_object_get(r, "deleted")) ||
        !json_is_array(json_object_get(r, "overdue")) ||
        !json_is_array(json_object_get(r, "training")) ||
        !json_is_array(json_object_get(r, "control_findings")))
        return bad("a section is missing");
    led = json_object_get(r, "ledger");
    ends = json_object_get(led, "month_ends");
    if (azk_sup__str(led, "checkpoint") == NULL || azk_sup__str(led, "vkey") == NULL ||
        !json_is_integer(json_object_get(led, "size")) || !json_is_array(ends))
        return bad("ledger section incomplete");
    for (size_t i = 0; i < json_array_size(ends); i++) {
        json_t *e = json_array_get(ends, i), *p = json_object_get(e, "proof");
        if (!is_month(azk_sup__str(e, "month")) || !json_is_integer(json_object_get(e, "size")) ||
            azk_sup__str(e, "root") == NULL || !json_is_array(p) ||
            json_array_size(p) > AZK_AUDIT_HASH_LEN * 4)
            return bad("month end entry malformed");
    }
    return AZK_OK;
}

azk_status azk_monthly_report_check(const char *json, size_t len)
{
    json_error_t jerr;
    json_t *doc;
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(json != NULL);
    if (len > REPORT_MAX)
        return azk_error_set(AZK_ERR_LIMIT, "report larger than %u bytes", REPORT_MAX);
    doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL)
        return azk_error_set(AZK_ERR_FORMAT,
                             "not a monthly report: not JSON (truncated or damaged) at line %d",
                             jerr.line);
    if (!json_is_object(json_object_get(doc, "signature")))
        rc = bad("no signature");
    else
        rc = check_body(json_object_get(doc, REPORT_BODY));
    json_decref(doc);
    return rc;
}

/* ---- verification ------------------------------------------------------------ */

static azk_status hash_b64(const char *s, uint8_t out[AZK_AUDIT_HASH_LEN])
{
    size_t n = 0;
    if (s == NULL ||
        sodium_base642bin(out, AZK_AUDIT_HASH_LEN, s, strlen(s), NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        n != AZK_AUDIT_HASH_LEN)
        return azk_error_set(AZK_ERR_FORMAT, "not a monthly report: bad hash");
    return AZK_OK;
}

/* Check every month end's consistency proof to the checkpoint; build {"month": [size, root]}. */
static azk_status check_ends(json_t *led, const azk_audit_checkpoint_info *cp, const char *month,
                             json_t *ends_out)
{
    json_t *ends = json_object_get(led, "month_ends");
    char b[AZK_AUDIT_HASH_B64_LEN];
    for (size_t i = 0; i < json_array_size(ends); i++) {
        json_t *e = json_array_get(ends, i), *pa = json_object_get(e, "proof");
        uint8_t root[AZK_AUDIT_HASH_LEN], proof[AZK_AUDIT_HASH_LEN * 128];
        json_int_t sz = json_integer_value(json_object_get(e, "size"));
        size_t pn = json_array_size(pa);
        azk_status rc = hash_b64(azk_sup__str(e, "root"), root);
        if (rc != AZK_OK)
            return rc;
        if (sz <= 0 || (uint64_t)sz > cp->size || pn > 128)
            return azk_error_set(AZK_ERR_INTEGRITY, "month end %s: size out of range",
                                 azk_sup__str(e, "month"));
        for (size_t j = 0; j < pn; j++) {
            rc = hash_b64(json_string_value(json_array_get(pa, j)), proof + j * AZK_AUDIT_HASH_LEN);
            if (rc != AZK_OK)
                return rc;
        }
        if (azk_audit_verify_consistency((uint64_t)sz, cp->size, proof, pn, root, cp->root) !=
            AZK_OK)
            return azk_error_set(AZK_ERR_INTEGRITY,
                                 "the consistency proof from the end of %s to the report's "
                                 "checkpoint fails",
                                 azk_sup__str(e, "month"));
        if (azk_sup__set(ends_out, azk_sup__str(e, "month"),
                         json_pack("[I,s]", sz, azk_sup__str(e, "root"))) != AZK_OK)
            return AZK_ERR_NOMEM;
    }
    azk_audit_hash_b64(cp->root, b);
    return azk_sup__set(ends_out, month, json_pack("[I,s]", (json_int_t)cp->size, b));
}

struct prior {
    const char *client, *month, *sha256;
    json_t *ends;     /* this report's month ends (incl. its own month) */
    const char *vkey; /* this report's ledger key */
    uint64_t checked;
    bool already, other_content;
    char old_sha[72];
    char fork[256];
    char pinned_client[72];
    char vkey_changed;
};

/* (size, root) of `month` in an ends object, or false. */
static bool end_of(json_t *ends, const char *month, json_int_t *size, const char **root)
{
    json_t *e = json_object_get(ends, month);
    if (!json_is_array(e))
        return false;
    *size = json_integer_value(json_array_get(e, 0));
    *root = json_string_value(json_array_get(e, 1));
    return *root != NULL;
}

static azk_status prior_cb(const struct azk_store_vreport *r, void *p)
{
    struct prior *x = p;
    json_error_t jerr;
    json_t *stored = json_loads(r->month_ends, 0, &jerr);
    json_t *sends = json_object_get(stored, "ends");
    const char *svkey = azk_sup__str(stored, "vkey");
    const char *root_a = NULL, *root_b = NULL;
    json_int_t sa = 0, sb = 0;
    if (x->pinned_client[0] == '\0')
        (void)snprintf(x->pinned_client, sizeof(x->pinned_client), "%s", r->client);
    if (stored == NULL) {
        (void)snprintf(x->fork, sizeof(x->fork), "stored report of %s is unreadable", r->month);
        return AZK_OK;
    }
    if (svkey == NULL || strcmp(svkey, x->vkey) != 0)
        x->vkey_changed = 1;
    if (strcmp(r->month, x->month) == 0 && strcmp(r->client, x->client) == 0) {
        if (strcmp(r->sha256, x->sha256) == 0)
            x->already = true;
        else {
            x->other_content = true;
            (void)snprintf(x->old_sha, sizeof(x->old_sha), "%s", r->sha256);
        }
    }
    /* the month both know: the earlier of the two reports' months */
    {
        const char *m = strcmp(r->month, x->month) <= 0 ? r->month : x->month;
        bool a = end_of(x->ends, m, &sa, &root_a), b = end_of(sends, m, &sb, &root_b);
        if (!a || !b || sa != sb || strcmp(root_a, root_b) != 0)
            (void)snprintf(x->fork, sizeof(x->fork),
                           "the vendor's ledger at the end of %s differs between the report "
                           "for %s imported before (%lld entries) and this one for %s (%lld "
                           "entries)",
                           m, r->month, (long long)(b ? sb : -1), x->month,
                           (long long)(a ? sa : -1));
    }
    x->checked++;
    json_decref(stored);
    return AZK_OK;
}

static azk_status refuse(azk_home *h, const char *action, const char *outcome, const char *client,
                         const char *reason, azk_status code, azk_vendor_import_result *res)
{
    struct azk_store_event ev = {0};
    azk_status rc;
    char msg[256];
    /* The reason may be longer than either buffer: cut, said so by the precision. */
    (void)snprintf(msg, sizeof(msg), "%.*s", (int)sizeof(msg) - 1, reason);
    (void)snprintf(res->problem, sizeof(res->problem), "%.*s", (int)sizeof(res->problem) - 1,
                   reason);
    ev.action = action;
    ev.object = client;
    ev.outcome = outcome;
    ev.reason = msg;
    rc = azk_store__event(h, &ev, NULL);
    if (rc != AZK_OK)
        return rc;
    return azk_error_set(code, "%s: nothing imported", msg);
}

static azk_status read_file(const char *path, azk_buf *out)
{
    return azk_file__read(path, REPORT_MAX, false, "report file", out);
}

/* Every certificate listed verifies with the certificate key and the vendor's ledger key. */
static azk_status check_certs(json_t *r, const char *cert_key, const char *vkey, uint64_t *count,
                              char *problem, size_t cap)
{
    json_t *certs = json_object_get(r, "certificates"), *del = json_object_get(r, "deleted");
    for (size_t i = 0; i < json_array_size(certs); i++) {
        json_t *c = json_array_get(certs, i);
        char *text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
        azk_certificate_report rep;
        const char *id = azk_sup__str(json_object_get(c, "certificate"), "certificate_id");
        bool listed = false;
        azk_status rc;
        if (text == NULL)
            return azk_error_set(AZK_ERR_NOMEM, "out of memory");
        if (json_object_get(json_object_get(json_object_get(c, "certificate"), "dataset"),
                            "source_name") != NULL) {
            free(text); /* jansson's allocator; checksrc: ok */
            (void)snprintf(problem, cap,
                           "certificate %s carries the received file's name in clear (a "
                           "personal value; issued before certificates hashed it): the vendor "
                           "must list it as withheld",
                           id != NULL ? id : "?");
            return AZK_ERR_INTEGRITY;
        }
        rc = azk_certificate_verify(text, strlen(text), cert_key, vkey, &rep);
        free(text); /* jansson's allocator; checksrc: ok */
        if (rc != AZK_OK) {
            (void)snprintf(problem, cap, "certificate %s does not verify: %s",
                           id != NULL ? id : "?", rep.problem);
            return AZK_ERR_INTEGRITY;
        }
        for (size_t j = 0; id != NULL && j < json_array_size(del); j++) {
            const char *d = azk_sup__str(json_array_get(del, j), "certificate_id");
            if (d != NULL && strcmp(d, id) == 0)
                listed = true;
        }
        if (!listed) {
            (void)snprintf(problem, cap, "certificate %s is not one of the month's deletions",
                           id != NULL ? id : "?");
            return AZK_ERR_INTEGRITY;
        }
        (*count)++;
    }
    for (size_t j = 0; j < json_array_size(del); j++) {
        const char *d = azk_sup__str(json_array_get(del, j), "certificate_id");
        bool found = false;
        for (size_t i = 0; d != NULL && i < json_array_size(certs); i++) {
            const char *id = azk_sup__str(json_object_get(json_array_get(certs, i), "certificate"),
                                          "certificate_id");
            if (id != NULL && strcmp(id, d) == 0)
                found = true;
        }
        if (d != NULL && !found) {
            (void)snprintf(problem, cap, "certificate %s is listed but not included", d);
            return AZK_ERR_INTEGRITY;
        }
    }
    return AZK_OK;
}

azk_status azk_vendor_report_import(azk_home *h, const char *path,
                                    const azk_vendor_import_options *in,
                                    azk_vendor_import_result *res)
{
    static const azk_vendor_import_options defs = AZK_VENDOR_IMPORT_OPTIONS_INIT;
    azk_vendor_import_options o;
    azk_buf file = AZK_BUF_INIT;
    json_t *doc = NULL, *r, *led, *ends = NULL, *stored = NULL;
    azk_audit_checkpoint_info cp;
    struct prior px;
    struct azk_store_vreport row;
    struct azk_store_event ev = {0};
    char problem[256] = "", sha[2 * crypto_hash_sha256_BYTES + 1], vk[512], pub[256];
    char *ends_text = NULL, *flags_text = NULL, extra[400];
    const char *client = NULL, *month = NULL;
    uint8_t md[crypto_hash_sha256_BYTES];
    azk_status rc;
    bool res_supersedes = false;

    if (azk__options_in(&o, sizeof(o), &defs, in, true, "azk_vendor_import_options") != AZK_OK)
        return azk_error_last()->code;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && path != NULL && res != NULL);
    memset(res, 0, sizeof(*res));
    memset(&px, 0, sizeof(px));
    if (o.pubkey == NULL)
        return azk_error_set(AZK_ERR_ARG, "the vendor's public key is required");
    (void)snprintf(pub, sizeof(pub), "%.*s", (int)strcspn(o.pubkey, "\r\n"), o.pubkey);
    rc = read_file(path, &file);
    if (rc != AZK_OK)
        goto done;
    rc = azk_monthly_report_check((const char *)file.data, file.len);
    if (rc != AZK_OK) {
        rc = refuse(h, "vendor.report.import", "refused", NULL, azk_error_last()->message, rc, res);
        goto done;
    }
    rc = azk_sign__verify((const char *)file.data, file.len, REPORT_MAX, REPORT_BODY, pub, &doc,
                          problem, sizeof(problem));
    if (rc != AZK_OK) {
        char why[300];
        (void)snprintf(why, sizeof(why), "report signature: %s", problem);
        rc = refuse(h, "vendor.report.import", "refused", NULL, why, rc, res);
        goto done;
    }
    r = json_object_get(doc, REPORT_BODY);
    client = azk_sup__str(r, "client");
    month = azk_sup__str(r, "month");
    (void)snprintf(res->client, sizeof(res->client), "%s", client);
    (void)snprintf(res->month, sizeof(res->month), "%s", month);
    if (o.client != NULL && strcmp(o.client, client) != 0) {
        char why[256];
        (void)snprintf(why, sizeof(why), "the report is for client %s, not %.64s", client,
                       o.client);
        rc = refuse(h, "vendor.report.import", "refused", client, why, AZK_ERR_ARG, res);
        goto done;
    }
    /* the month-end checkpoint, signed by the vendor's ledger key named in the signed report */
    led = json_object_get(r, "ledger");
    (void)snprintf(vk, sizeof(vk), "%.*s", (int)strcspn(azk_sup__str(led, "vkey"), "\r\n"),
                   azk_sup__str(led, "vkey"));
    rc = azk_audit_checkpoint_open(azk_sup__str(led, "checkpoint"),
                                   strlen(azk_sup__str(led, "checkpoint")), vk, &cp);
    if (rc == AZK_OK && cp.size != (uint64_t)json_integer_value(json_object_get(led, "size")))
        rc = azk_error_set(AZK_ERR_INTEGRITY, "checkpoint size differs from the report's");
    ends = json_object();
    if (rc == AZK_OK && ends == NULL)
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
    if (rc == AZK_OK)
        rc = check_ends(led, &cp, month, ends);
    if (rc == AZK_OK && json_is_object(json_object_get(led, "previous"))) {
        json_t *pv = json_object_get(led, "previous");
        const char *pn = azk_sup__str(pv, "checkpoint");
        azk_audit_checkpoint_info pcp;
        json_int_t es = 0;
        const char *er = NULL;
        char b[AZK_AUDIT_HASH_B64_LEN];
        rc = pn != NULL ? azk_audit_checkpoint_open(pn, strlen(pn), vk, &pcp)
                        : azk_error_set(AZK_ERR_FORMAT, "previous checkpoint missing");
        if (rc == AZK_OK) {
            azk_audit_hash_b64(pcp.root, b);
            if (!end_of(ends, azk_sup__str(pv, "month") != NULL ? azk_sup__str(pv, "month") : "",
                        &es, &er) ||
                (uint64_t)es != pcp.size || strcmp(er, b) != 0)
                rc = azk_error_set(AZK_ERR_INTEGRITY,
                                   "previous month's checkpoint differs from its month end");
        }
    }
    if (rc != AZK_OK) {
        char why[300];
        (void)snprintf(why, sizeof(why), "ledger of the report: %s", azk_error_last()->message);
        rc = refuse(h, "vendor.report.import", "refused", client, why,
                    rc == AZK_ERR_NOMEM ? rc : AZK_ERR_INTEGRITY, res);
        goto done;
    }
    res->tree_size = cp.size;
    /* every report imported before from this vendor */
    crypto_hash_sha256(md, file.data, file.len);
    sodium_bin2hex(sha, sizeof(sha), md, sizeof(md));
    px.client = client;
    px.month = month;
    px.sha256 = sha;
    px.ends = ends;
    px.vkey = vk;
    rc = azk_store__vreports(h, pub, prior_cb, &px);
    if (rc != AZK_OK)
        goto done;
    res->checked = px.checked;
    if (px.already) {
        res->already = true;
        goto done;
    }
    if (px.other_content) {
        /* a superseding revision (supersede.c) or a refusal */
        char why[320] = "";
        azk_buf old = AZK_BUF_INIT;
        bool found = false;
        json_t *od = NULL;
        rc = azk_store__vreport_doc(h, pub, client, month, &old, &found);
        if (rc == AZK_OK && found) {
            json_error_t jerr;
            od = json_loadb((const char *)old.data, old.len, 0, &jerr);
        }
        azk_buf_dispose(&old);
        if (rc != AZK_OK)
            goto done;
        if (od == NULL)
            (void)snprintf(why, sizeof(why), "the stored report of %s is unreadable", month);
        else if (azk_sup__supersedes(json_object_get(od, REPORT_BODY), r, why, sizeof(why)) ==
                 AZK_ERR_NOMEM)
            rc = AZK_ERR_NOMEM;
        json_decref(od);
        if (rc != AZK_OK)
            goto done;
        if (why[0] != '\0') {
            rc = refuse(h, "vendor.report.import", "refused", client, why, AZK_ERR_INTEGRITY, res);
            goto done;
        }
        res_supersedes = true;
    }
    if (o.client == NULL && px.pinned_client[0] != '\0' && strcmp(px.pinned_client, client) != 0) {
        char why[256];
        (void)snprintf(why, sizeof(why),
                       "the report is for client %s; earlier reports of this vendor were for %s",
                       client, px.pinned_client);
        rc = refuse(h, "vendor.report.import", "refused", client, why, AZK_ERR_ARG, res);
        goto done;
    }
    if (px.vkey_changed || px.fork[0] != '\0') {
        char why[300];
        (void)snprintf(why, sizeof(why), "FORK: %s",
                       px.fork[0] != '\0' ? px.fork : "the vendor's ledger key changed");
        rc = refuse(h, "vendor.report.fork", "alarm", client, why, AZK_ERR_INTEGRITY, res);
        goto done;
    }
    rc = check_certs(r, o.cert_pubkey != NULL ? o.cert_pubkey : pub, vk, &res->certificates,
                     problem, sizeof(problem));
    if (rc != AZK_OK) {
        rc = refuse(h, "vendor.report.import", "refused", client, problem, rc, res);
        goto done;
    }
    /* flags for the bank's review */
    res->overdue = json_array_size(json_object_get(r, "overdue"));
    res->lapsed = (uint64_t)json_integer_value(
        json_object_get(json_object_get(r, "summary"), "lapsed_training"));
    res->findings = json_array_size(json_object_get(r, "control_findings"));
    stored = json_pack("{s:s,s:O}", "vkey", vk, "ends", ends);
    ends_text = stored != NULL ? json_dumps(stored, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    (void)snprintf(extra, sizeof(extra),
                   "{\"month\":\"%s\",\"sha256\":\"%s\",\"tree_size\":%llu,\"overdue\":%llu,"
                   "\"lapsed_training\":%llu,\"open_findings\":%llu}",
                   month, sha, (unsigned long long)cp.size, (unsigned long long)res->overdue,
                   (unsigned long long)res->lapsed, (unsigned long long)res->findings);
    flags_text = azk_strdup(extra);
    if (ends_text == NULL || flags_text == NULL) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    memset(&row, 0, sizeof(row));
    row.vendor_key = pub;
    row.client = client;
    row.month = month;
    row.sha256 = sha;
    row.tree_size = (int64_t)cp.size;
    {
        char b[AZK_AUDIT_HASH_B64_LEN];
        azk_audit_hash_b64(cp.root, b);
        row.root = b;
        row.month_ends = ends_text;
        row.flags = flags_text;
        row.doc = (const char *)file.data;
        ev.action = "vendor.report.import";
        ev.object = client;
        ev.extra_json = extra;
        if (res_supersedes) {
            char sx[560];
            (void)snprintf(sx, sizeof(sx), "%.*s,\"supersedes\":\"%s\"}", (int)strlen(extra) - 1,
                           extra, px.old_sha);
            ev.action = "vendor.report.supersede";
            ev.extra_json = sx;
            rc = azk_store__vreport_supersede(h, &row, px.old_sha, &ev);
            res->superseded = rc == AZK_OK;
        } else {
            rc = azk_store__vreport_insert(h, &row, &ev);
        }
    }
done:
    azk_buf_dispose(&file);
    json_decref(doc);
    json_decref(ends);
    json_decref(stored);
    free(ends_text); /* jansson's allocator; checksrc: ok */
    azk_free(flags_text);
    return rc;
}
