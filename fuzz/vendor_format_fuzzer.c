/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/vendor_format_fuzzer.c -- libFuzzer harness for the questionnaire
 * file formats of vendor management (vendor/format.c; untrusted input: a
 * bank reads what a vendor writes and the reverse). The input is parsed as
 * a template and as plain answers to a fixed template; answers that parse
 * are then checked again in their embedded form. Invariants: what parses
 * parses again after a dump (the checks see the same object); a refusal
 * always leaves a message; nothing leaks or crashes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vendor/vendor_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char tmpl_text[] =
    "{\"format\":\"azukari-vendor-template\",\"format_version\":1,\"id\":\"f\",\"revision\":1,"
    "\"title\":\"F\",\"sections\":[{\"id\":\"s\",\"category\":\"technical\",\"title\":\"S\","
    "\"questions\":[{\"id\":\"q1\",\"text\":\"x\",\"kind\":\"yesno\",\"evidence\":\"required\"},"
    "{\"id\":\"q2\",\"text\":\"x\",\"kind\":\"choice\",\"choices\":[\"a\",\"b\"]},"
    "{\"id\":\"q3\",\"text\":\"x\",\"kind\":\"date\"},{\"id\":\"q4\",\"text\":\"x\","
    "\"kind\":\"text\",\"evidence\":\"optional\"}]}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static json_t *fixed;
    json_t *t = NULL, *a = NULL;
    const char *s = (const char *)data;
    if (fixed == NULL && azk_vendor__template_parse(tmpl_text, strlen(tmpl_text), &fixed) != AZK_OK)
        abort();
    if (azk_vendor__template_parse(s, size, &t) == AZK_OK) {
        char *d = json_dumps(t, JSON_COMPACT);
        json_t *t2 = NULL;
        if (d == NULL || azk_vendor__template_parse(d, strlen(d), &t2) != AZK_OK)
            abort();
        json_decref(t2);
        free(d);
    } else if (azk_error_last()->message[0] == '\0') {
        abort();
    }
    if (azk_vendor__answers_parse(s, size, fixed, &a) == AZK_OK) {
        if (azk_vendor__answers_check(a, fixed, false) != AZK_OK)
            abort();
        azk_status emb = azk_vendor__answers_check(a, fixed, true); /* any verdict, no crash */
        (void)emb;
    } else if (azk_error_last()->message[0] == '\0') {
        abort();
    }
    if (t != NULL) {
        json_t *a2 = NULL;
        if (azk_vendor__answers_parse(s, size, t, &a2) == AZK_OK && a2 == NULL)
            abort();
        json_decref(a2);
    }
    json_decref(t);
    json_decref(a);
    return 0;
}
