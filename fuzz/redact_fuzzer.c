/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/redact_fuzzer.c -- libFuzzer harness for the redaction filter
 * (azukari/redact.h) without --encoding: each input is one stream whose
 * encoding is sniffed from its first non-ASCII line, then redacted line by
 * line. Every output line must be valid UTF-8 ending in one '\n', and the
 * default mask must leave nothing: redacting an output line again replaces
 * nothing.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "azukari/redact.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct out {
    char buf[1 << 16];
    size_t len;
};

static int on_write(const char *p, size_t n, void *payload)
{
    struct out *o = payload;
    size_t i = 0;
    if (n == 0 || p[n - 1] != '\n' || memchr(p, '\n', n - 1) != NULL)
        abort();
    while (i < n) {
        uint32_t cp;
        size_t l = azk_utf8_decode((const uint8_t *)p + i, n - i, &cp);
        if (cp == 0xFFFD && l == 1)
            abort(); /* invalid UTF-8 in the output */
        i += l;
    }
    o->len = n - 1 < sizeof(o->buf) ? n - 1 : 0;
    memcpy(o->buf, p, o->len);
    return 0;
}

static int sink(const char *p, size_t n, void *payload)
{
    (void)p;
    (void)n;
    (void)payload;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static azk_redactor *r, *again;
    static struct out o;
    size_t start = 0;
    if (r == NULL) {
        azk_redact_options opt = AZK_REDACT_OPTIONS_INIT;
        azk_redact_options u8 = AZK_REDACT_OPTIONS_INIT;
        u8.encoding = "utf-8";
        if (azk_redactor_new(&r, &opt) != AZK_OK || azk_redactor_new(&again, &u8) != AZK_OK)
            abort();
    }
    if (size > 1 << 14)
        return 0;
    azk_redactor_begin(r);
    while (start <= size) {
        const uint8_t *nl = memchr(data + start, '\n', size - start);
        size_t end = nl != NULL ? (size_t)(nl - data) : size;
        size_t replaced = 0;
        o.len = 0;
        if (azk_redactor_line(r, (const char *)data + start, end - start, on_write, &o, NULL) !=
            AZK_OK)
            return 0;
        if (o.len > 0 && azk_redactor_line(again, o.buf, o.len, sink, NULL, &replaced) == AZK_OK &&
            replaced != 0)
            abort(); /* the default mask left a finding behind */
        if (nl == NULL)
            break;
        start = end + 1;
    }
    return 0;
}
