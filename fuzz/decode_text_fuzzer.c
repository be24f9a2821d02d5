/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/decode_text_fuzzer.c -- libFuzzer harness for text decoding:
 * encoding detection, conversion to UTF-8 and the line splitter. The first
 * byte picks a forced encoding (or detection) and a small line limit; the
 * rest is decoded as a plain object. Every record must be valid UTF-8,
 * within max_line, and every object_begin must be matched by object_end.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct check {
    size_t max_len;
    int depth;
    bool formatted;
};

static azk_status on_begin(void *p, const azk_object_info *info)
{
    struct check *c = p;
    if (info->member_count == 0)
        abort();
    c->depth++;
    return AZK_OK;
}

static void on_format(void *p, const char *format, const char *encoding)
{
    struct check *c = p;
    (void)encoding;
    if (format == NULL)
        abort();
    c->formatted = true;
}

static azk_status on_record(void *p, const azk_record *r)
{
    struct check *c = p;
    size_t i;
    if (!c->formatted)
        abort();
    for (i = 0; i < r->field_count; i++) {
        if (!azk_utf8_valid((const uint8_t *)r->fields[i].ptr, r->fields[i].len))
            abort();
        if (!r->tabular && r->fields[i].len > c->max_len)
            abort();
    }
    return AZK_OK;
}

static void on_end(void *p, azk_status st, const azk_error *err)
{
    struct check *c = p;
    if (st != AZK_OK && (err == NULL || err->message == NULL))
        abort();
    c->depth--;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const encs[] = {NULL,       "cp932",    "euc-jp", "iso-2022-jp",
                                       "utf-16le", "utf-16be", "utf-8",  NULL};
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    struct check c = {0, 0, false};
    azk_decode_sink sink = {on_begin, on_format, on_record, on_end, &c};
    struct azk_mem_source ms;
    azk_source src;
    azk_status rc;
    if (size < 1)
        return 0;
    o.force_encoding = encs[data[0] & 7];
    o.max_line = (data[0] & 0x80) ? 7 : 64 * 1024;
    o.max_cell = (data[0] & 0x40) ? 5 : 64 * 1024;
    c.max_len = o.max_line;
    azk_decode__source_mem(&src, &ms, data + 1, size - 1);
    rc = azk_decode__object(&src, &o, &sink);
    if (c.depth != 0)
        abort();
    if (rc != AZK_OK && azk_error_last()->code != rc && rc != AZK_ERR_NOMEM)
        abort();
    return 0;
}
