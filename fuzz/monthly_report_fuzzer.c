/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/monthly_report_fuzzer.c -- libFuzzer harness for the monthly report
 * parser a bank runs on what a vendor sends (supervision/import.c): the
 * shape check, the signature check of the one signing (retention/sign.h)
 * with the key of the seed report, and the printable rendering in both
 * languages. Invariants: a document that passes the shape check renders
 * (unless memory runs out); a signature check that succeeds returns the
 * parsed document.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "retention/sign.h"
#include "azukari/supervision.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* the report key of fuzz/corpus/monthly_report/valid.json (a generated test home) */
static const char pub[] = "azukari-cert+CTe6sRm1S9O48IvWEWacaaNo2UgCY+E97pD0BgwcJD8=";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;
    char *html = NULL, problem[160];
    json_t *doc = NULL;
    azk_status rc = azk_monthly_report_check(t, size);
    for (int i = 0; i < 2; i++) {
        azk_status hr = azk_monthly_report_html(t, size, i == 0 ? "ja" : "en", &html);
        if (rc == AZK_OK && hr != AZK_OK && hr != AZK_ERR_NOMEM)
            abort();
        if (hr == AZK_OK && (html == NULL || strstr(html, "</html>") == NULL))
            abort();
        azk_supervision_free(html);
        html = NULL;
    }
    if (azk_sign__verify(t, size, 1u << 24, "report", pub, &doc, problem, sizeof(problem)) ==
        AZK_OK) {
        if (!json_is_object(json_object_get(doc, "report")))
            abort();
    }
    json_decref(doc);
    return 0;
}
