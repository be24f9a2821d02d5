/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/retention/cert_v1.c -- a certificate issued before certificates
 * hashed the received file's name (tests/data/certificates/v1-source-name.*,
 * issued by the session-4 code in the e2e month of test_supervision.py, file
 * "a.csv"): it still verifies, matches its name, and its printable page shows
 * the hash, not the name. Run by test_retention.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azukari/retention.h"
#include "cert_v1.h"

static char *slurp(const char *name)
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
    while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r'))
        b[--n] = '\0';
    return b;
}

void test_retention__certificate_v1_source_name(void **state)
{
    char *cert = slurp("v1-source-name.json"), *pub = slurp("v1-source-name.pub"), *html = NULL;
    azk_certificate_report rep;
    char sh[AZK_CERT_SOURCE_HASH_LEN];
    bool yes = false;
    (void)state;
    assert_non_null(strstr(cert, "\"source_name\": \"a.csv\""));
    assert_int_equal(azk_certificate_verify(cert, strlen(cert), pub, NULL, &rep), AZK_OK);
    assert_true(rep.signature && rep.checkpoint && rep.inclusion && rep.entry_matches);
    assert_int_equal(azk_certificate_source_matches(cert, strlen(cert), "a.csv", &yes), AZK_OK);
    assert_true(yes);
    assert_int_equal(azk_certificate_source_matches(cert, strlen(cert), "b.csv", &yes), AZK_OK);
    assert_false(yes);
    assert_int_equal(azk_certificate_html(cert, strlen(cert), &html), AZK_OK);
    assert_null(strstr(html, "a.csv"));
    assert_int_equal(azk_certificate_source_hash("a-dm1", "a.csv", sh), AZK_OK);
    assert_non_null(strstr(html, sh));
    /* no name, no hash: a format error, not a match */
    assert_int_equal(azk_certificate_source_matches("{}", 2, "a.csv", &yes), AZK_ERR_FORMAT);
    assert_false(yes);
    azk_retention_free(html);
    free(cert);
    free(pub);
}
