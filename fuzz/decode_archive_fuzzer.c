/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/decode_archive_fuzzer.c -- libFuzzer harness for the whole decode
 * dispatcher on arbitrary bytes: sniffing, libarchive containers (zip, tar,
 * gzip, ...), nested members, OOXML and text. Limits are small so bombs
 * stay cheap. Checks: balanced object_begin/object_end, member paths as
 * deep as the nesting, valid UTF-8 records, an error message for every
 * failed object. Odd first byte: the source cannot seek (member path).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct check {
    int depth;
};

static azk_status on_begin(void *p, const azk_object_info *info)
{
    struct check *c = p;
    size_t i;
    c->depth++;
    if (info->member_count == 0 || info->member_count > 64)
        abort();
    for (i = 0; i < info->member_count; i++) {
        if (info->member[i] == NULL)
            abort();
    }
    return AZK_OK;
}

static void on_format(void *p, const char *format, const char *encoding)
{
    (void)p;
    (void)encoding;
    if (format == NULL)
        abort();
}

static azk_status on_record(void *p, const azk_record *r)
{
    size_t i;
    (void)p;
    for (i = 0; i < r->field_count; i++) {
        if (!azk_utf8_valid((const uint8_t *)r->fields[i].ptr, r->fields[i].len))
            abort();
        if (r->fields[i].header != NULL &&
            !azk_utf8_valid((const uint8_t *)r->fields[i].header, r->fields[i].header_len))
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
    if (c->depth < 0)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    struct check c = {0};
    azk_decode_sink sink = {on_begin, on_format, on_record, on_end, &c};
    struct azk_mem_source ms;
    azk_source src;
    o.max_depth = 4;
    o.max_member_size = 8u << 20;
    o.max_total_expanded = 16u << 20;
    o.max_entries = 256;
    o.max_line = 4096;
    o.max_cell = 4096;
    azk_decode__source_mem(&src, &ms, data, size);
    if (size > 0 && (data[0] & 1))
        src.seek = NULL;
    if (azk_decode__object(&src, &o, &sink) != AZK_OK && azk_error_last()->message[0] == '\0')
        abort(); /* every failure says why */
    if (c.depth != 0)
        abort();
    return 0;
}
