/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vendor/export_reports.c -- the monthly reports in an examiner bundle
 * (vendor/export.c, docs/vendor.md "Examiner bundle"): every report the bank
 * imported (`vendor import-report`, table vendor_reports) under one of the
 * vendor's registered report or certificate keys, for the months of the
 * period, as the exact bytes imported; and their offline check when the
 * bundle is verified: the bytes match their SHA-256, the key is one the
 * bundle's records register for the vendor, the vendor's signature, client
 * and month, the month-end checkpoint signed by the vendor's ledger key
 * (the registered ledger key when there is one) and every certificate
 * carried. The import's consistency checks across months were made at the
 * import (ledger vendor.report.import); the bundle carries what they
 * accepted.
 */
#include "vendor/vendor_int.h"
#include "retention/sign.h"
#include "store/supervision.h"
#include "azukari/audit.h"
#include "azukari/retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPORT_DOC_MAX (64u * 1024u * 1024u)

/* The vendor's registered key of `purpose` in the bundle's records, or NULL. */
static const char *key_of(json_t *records, const char *purpose)
{
    json_t *k;
    size_t i;
    json_array_foreach(json_object_get(records, "keys"), i, k)
    {
        const char *p = json_string_value(json_object_get(k, "purpose"));
        if (p != NULL && strcmp(p, purpose) == 0)
            return json_string_value(json_object_get(k, "pubkey"));
    }
    return NULL;
}

static bool key_registered(json_t *records, const char *key)
{
    const char *r = key_of(records, "report"), *c = key_of(records, "certificate");
    return key != NULL &&
           ((r != NULL && strcmp(r, key) == 0) || (c != NULL && strcmp(c, key) == 0));
}

struct coll {
    const char *key;
    json_t *arr;
};

static azk_status report_cb(const struct azk_store_vreport *r, void *p)
{
    struct coll *c = p;
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "key", c->key, "client", r->client, "month",
                          r->month, "sha256", r->sha256, "document", r->doc);
    if (o == NULL || json_array_append_new(c->arr, o) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

azk_status azk_vendor__bundle_reports(azk_home *h, json_t *records, const char *from,
                                      const char *to, json_t **out)
{
    static const char *const purposes[] = {"report", "certificate"};
    struct coll c = {NULL, json_array()};
    char fm[8], tm[8];
    azk_status rc = AZK_OK;
    *out = NULL;
    if (c.arr == NULL)
        return azk_error_nomem();
    (void)snprintf(fm, sizeof(fm), "%.7s", from);
    (void)snprintf(tm, sizeof(tm), "%.7s", to);
    for (size_t i = 0; rc == AZK_OK && i < 2; i++) {
        c.key = key_of(records, purposes[i]);
        if (c.key == NULL || (i == 1 && key_of(records, "report") != NULL &&
                              strcmp(key_of(records, "report"), c.key) == 0))
            continue; /* none, or the same key as the report key */
        rc = azk_store__vreport_docs(h, c.key, fm, tm, report_cb, &c);
    }
    if (rc != AZK_OK) {
        json_decref(c.arr);
        return rc;
    }
    *out = c.arr;
    return AZK_OK;
}

static azk_status rfail(azk_status code, const char *what, const char *month, const char *detail)
{
    return azk_error_set(code, "bundle: monthly report %s: %s%s%s", month != NULL ? month : "?",
                         what, detail != NULL ? ": " : "", detail != NULL ? detail : "");
}

/* The certificates a report carries, against the vendor's certificate key. */
static azk_status check_certs(json_t *body, const char *cert_key, const char *vk, const char *m,
                              uint64_t *n)
{
    json_t *c;
    size_t i;
    json_array_foreach(json_object_get(body, "certificates"), i, c)
    {
        azk_certificate_report rep;
        char *t = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
        azk_status rc;
        if (t == NULL)
            return azk_error_nomem();
        rc = azk_certificate_verify(t, strlen(t), cert_key, vk, &rep);
        free(t); /* jansson's allocator; checksrc: ok */
        if (rc == AZK_ERR_NOMEM)
            return rc;
        if (rc != AZK_OK)
            return rfail(AZK_ERR_INTEGRITY, "a certificate does not verify", m, rep.problem);
        (*n)++;
    }
    return AZK_OK;
}

static azk_status check_one(json_t *r, json_t *records, const char *from, const char *to,
                            uint64_t *certs)
{
    const char *doc = json_string_value(json_object_get(r, "document"));
    const char *want = json_string_value(json_object_get(r, "sha256"));
    const char *key = json_string_value(json_object_get(r, "key"));
    const char *m = json_string_value(json_object_get(r, "month"));
    const char *cl = json_string_value(json_object_get(r, "client"));
    const char *note, *vkey, *lk, *bm, *bc;
    json_t *d = NULL, *body, *led;
    char sha[65], problem[160], vk[512];
    azk_audit_checkpoint_info cp;
    azk_status rc;
    if (doc == NULL || want == NULL || key == NULL || m == NULL || cl == NULL)
        return rfail(AZK_ERR_FORMAT, "entry incomplete", m, NULL);
    azk_vendor__sha256_hex(doc, strlen(doc), sha);
    if (strcmp(sha, want) != 0)
        return rfail(AZK_ERR_INTEGRITY, "its bytes differ from their SHA-256", m, NULL);
    if (!key_registered(records, key))
        return rfail(AZK_ERR_INTEGRITY, "signed by a key not registered for the vendor", m, NULL);
    if (strncmp(m, from, 7) < 0 || strncmp(m, to, 7) > 0)
        return rfail(AZK_ERR_INTEGRITY, "outside the bundle's period", m, NULL);
    rc = azk_sign__verify(doc, strlen(doc), REPORT_DOC_MAX, "report", key, &d, problem,
                          sizeof(problem));
    if (rc != AZK_OK)
        return rfail(rc, "the vendor's signature", m, problem);
    body = json_object_get(d, "report");
    bm = json_string_value(json_object_get(body, "month"));
    bc = json_string_value(json_object_get(body, "client"));
    led = json_object_get(body, "ledger");
    note = json_string_value(json_object_get(led, "checkpoint"));
    vkey = json_string_value(json_object_get(led, "vkey"));
    lk = key_of(records, "ledger");
    if (bm == NULL || bc == NULL || strcmp(bm, m) != 0 || strcmp(bc, cl) != 0)
        rc = rfail(AZK_ERR_INTEGRITY, "client or month differ from the entry", m, NULL);
    else if (note == NULL || vkey == NULL)
        rc = rfail(AZK_ERR_FORMAT, "ledger section incomplete", m, NULL);
    if (rc == AZK_OK) {
        (void)snprintf(vk, sizeof(vk), "%.*s", (int)strcspn(lk != NULL ? lk : vkey, "\r\n"),
                       lk != NULL ? lk : vkey);
        if (azk_audit_checkpoint_open(note, strlen(note), vk, &cp) != AZK_OK)
            rc = rfail(AZK_ERR_CRYPTO, "the month-end checkpoint's signature does not verify", m,
                       NULL);
        else if (cp.size != (uint64_t)json_integer_value(json_object_get(led, "size")))
            rc = rfail(AZK_ERR_INTEGRITY, "checkpoint size differs from the report's", m, NULL);
    }
    if (rc == AZK_OK)
        rc = check_certs(
            body, key_of(records, "certificate") != NULL ? key_of(records, "certificate") : key, vk,
            m, certs);
    json_decref(d);
    return rc;
}

azk_status azk_vendor__verify_reports(json_t *reports, json_t *records, const char *from,
                                      const char *to, uint64_t *count, uint64_t *certs)
{
    json_t *r;
    size_t i;
    *count = 0;
    *certs = 0;
    if (!json_is_array(reports))
        return azk_error_set(AZK_ERR_FORMAT, "bundle: no monthly reports section");
    json_array_foreach(reports, i, r)
    {
        azk_status rc = check_one(r, records, from, to, certs);
        if (rc != AZK_OK)
            return rc;
        (*count)++;
    }
    return AZK_OK;
}
