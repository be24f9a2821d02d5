/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/decode_evasion_check.h -- the sink shared by the decoders' harnesses
 * (text, reveal, base64, quoted-printable, sniffing): every record is valid
 * UTF-8 (and, when max_len is set, no line of text longer than it), formats
 * come before records, object_begin / object_end balance, a failure carries
 * a message. Header-only, for fuzz/ only.
 */
#ifndef AZK_FUZZ_DECODE_EVASION_CHECK_H
#define AZK_FUZZ_DECODE_EVASION_CHECK_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"

struct evasion_check {
    int depth;
    bool formatted;
    size_t records;
    size_t max_len; /* 0: no bound on a text line's length */
};

static azk_status ev_begin(void *p, const azk_object_info *info)
{
    struct evasion_check *c = p;
    if (info->member_count == 0)
        abort();
    c->depth++;
    return AZK_OK;
}

static void ev_format(void *p, const char *format, const char *encoding)
{
    struct evasion_check *c = p;
    (void)encoding;
    if (format == NULL)
        abort();
    c->formatted = true;
}

static azk_status ev_record(void *p, const azk_record *r)
{
    struct evasion_check *c = p;
    size_t i;
    if (!c->formatted)
        abort();
    for (i = 0; i < r->field_count; i++) {
        if (!azk_utf8_valid((const uint8_t *)r->fields[i].ptr, r->fields[i].len))
            abort();
        if (c->max_len != 0 && !r->tabular && r->fields[i].len > c->max_len)
            abort();
    }
    c->records++;
    return AZK_OK;
}

static void ev_end(void *p, azk_status st, const azk_error *err)
{
    struct evasion_check *c = p;
    if (st != AZK_OK && (err == NULL || err->message == NULL))
        abort();
    c->depth--;
}

/* Decode p[0..n) as one top-level object with options o and check the contract; max_len
 * bounds a text line's length (0: no bound). */
static void ev_run(const uint8_t *p, size_t n, const azk_decode_options *o, size_t max_len)
{
    struct evasion_check c = {0, false, 0, max_len};
    azk_decode_sink sink = {ev_begin, ev_format, ev_record, ev_end, &c};
    struct azk_mem_source ms;
    azk_source src;
    azk_status rc;
    azk_decode__source_mem(&src, &ms, p, n);
    rc = azk_decode__object(&src, o, &sink);
    if (c.depth != 0)
        abort();
    if (rc != AZK_OK && azk_error_last()->code != rc && rc != AZK_ERR_NOMEM)
        abort();
}

/* The evasion decoders' run: nesting up to 4. */
static void ev_decode(const uint8_t *p, size_t n, const char *force_encoding, size_t max_line)
{
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    o.force_encoding = force_encoding;
    o.max_line = max_line;
    o.max_depth = 4;
    ev_run(p, n, &o, 0);
}

#endif
