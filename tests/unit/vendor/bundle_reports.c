/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/vendor/bundle_reports.c -- the check of the monthly reports an
 * examiner bundle carries (vendor/export_reports.c), on a real signed report
 * (tests/data/certificates/v1-report-bank-a.json, January 2031, one
 * certificate): it passes as imported; changed bytes, a key the vendor's
 * records do not register, a month outside the period, a document signed by
 * nobody each fail with a message. Run by test_vendor.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vendor/vendor_int.h"
#include "azukari/common.h"
#include "bundle_reports.h"

static char *slurp(const char *name, bool trim)
{
    char p[512];
    FILE *f;
    char *b = calloc(1, 1 << 16);
    size_t n;
    snprintf(p, sizeof(p), "%s/tests/data/certificates/%s", getenv("AZK_SRCDIR"), name);
    f = fopen(p, "rb");
    assert_non_null(f);
    n = fread(b, 1, (1 << 16) - 1, f);
    fclose(f);
    b[n] = '\0';
    while (trim && n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r'))
        b[--n] = '\0';
    return b;
}

static json_t *entry(const char *key, const char *month, const char *doc)
{
    char sha[65];
    azk_vendor__sha256_hex(doc, strlen(doc), sha);
    return json_pack("[{s:s,s:s,s:s,s:s,s:s}]", "key", key, "client", "bank-a", "month", month,
                     "sha256", sha, "document", doc);
}

static azk_status check(json_t *reports, const char *key, uint64_t *n, uint64_t *c)
{
    json_t *records = json_pack("{s:[{s:s,s:s}]}", "keys", "purpose", "report", "pubkey", key);
    azk_status rc = azk_vendor__verify_reports(reports, records, "2031-01-01", "2031-03-31", n, c);
    json_decref(records);
    json_decref(reports);
    return rc;
}

void test_vendor__bundle_reports(void **state)
{
    char *doc = slurp("v1-report-bank-a.json", false), *pub = slurp("v1-source-name.pub", true);
    char *bad = strdup(doc), *p;
    uint64_t n = 0, c = 0;
    json_t *r;
    (void)state;
    assert_int_equal(check(entry(pub, "2031-01", doc), pub, &n, &c), AZK_OK);
    assert_int_equal(n, 1);
    assert_int_equal(c, 1);
    /* bytes changed after the bundle recorded their hash */
    r = entry(pub, "2031-01", doc);
    json_object_set_new(json_array_get(r, 0), "document", json_string(bad + 1));
    assert_int_equal(check(r, pub, &n, &c), AZK_ERR_INTEGRITY);
    assert_non_null(strstr(azk_error_last()->message, "differ from their SHA-256"));
    /* the vendor's records register another key */
    assert_int_equal(check(entry(pub, "2031-01", doc),
                           "azukari-cert+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", &n, &c),
                     AZK_ERR_INTEGRITY);
    assert_non_null(strstr(azk_error_last()->message, "not registered"));
    /* outside the period */
    assert_int_equal(check(entry(pub, "2030-12", doc), pub, &n, &c), AZK_ERR_INTEGRITY);
    /* a number changed and the hash recomputed: the vendor's signature fails */
    p = strstr(bad, "\"records\": 30");
    assert_non_null(p);
    p[12] = '1';
    assert_int_not_equal(check(entry(pub, "2031-01", bad), pub, &n, &c), AZK_OK);
    assert_non_null(strstr(azk_error_last()->message, "signature"));
    /* not an array */
    assert_int_equal(check(json_object(), pub, &n, &c), AZK_ERR_FORMAT);
    free(bad);
    free(doc);
    free(pub);
}
