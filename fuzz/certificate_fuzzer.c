/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/certificate_fuzzer.c -- libFuzzer harness for deletion certificates
 * (untrusted input: a client verifies what a contractor sends). The input is
 * verified with the key of the seed certificate, with the embedded and with
 * a given ledger key, and rendered as HTML. Invariants: a certificate that
 * verifies passed every check; a rendering never fails on a document that
 * parsed as a certificate except for lack of memory; matching a file name
 * (azk_certificate_source_matches) says yes or no, or refuses the format.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "azukari/retention.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the public key of fuzz/corpus/certificate/valid.json (a generated test home) */
static const char pub[] = "azukari-cert+mc9XNcGBC67XI4zygBe3tdrF9r5+T6qCT3vJ+XVEYE0=";
static const char lkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    azk_certificate_report rep;
    char *html = NULL;
    const char *t = (const char *)data;
    if (azk_certificate_verify(t, size, pub, NULL, &rep) == AZK_OK) {
        if (!rep.signature || !rep.checkpoint || !rep.inclusion || !rep.entry_matches ||
            rep.problem[0] != '\0')
            abort();
    }
    if (azk_certificate_verify(t, size, pub, lkey, &rep) == AZK_OK) {
        /* the seed's checkpoint is not signed by this ledger key */
        if (!rep.ledger_pinned)
            abort();
    }
    if (azk_certificate_html(t, size, &html) == AZK_OK) {
        if (html == NULL || strstr(html, "</html>") == NULL)
            abort();
    }
    azk_retention_free(html);
    {
        bool yes = true;
        azk_status rc = azk_certificate_source_matches(t, size, "a.csv", &yes);
        if (rc != AZK_OK && (rc != AZK_ERR_FORMAT || yes))
            abort();
    }
    return 0;
}
