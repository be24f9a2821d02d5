/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/detect_fuzzer.c -- libFuzzer harness for the detect stage
 * (detect/detect.h). The engine (all ten types, a small allow-list) and a
 * context are created once. The input is made valid UTF-8 (invalid
 * sequences become U+FFFD, as the decode stage guarantees); the first byte
 * picks the shape: a text line, or a tabular object whose rows are the
 * input's lines and cells its tab-separated parts (first row marked as
 * header, unmarked, or headers given per field). Every finding must lie in
 * its field on code-point boundaries, in span order without overlaps, with
 * a NUL-terminated masked form and a confidence in 0..1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_FIELDS 32

struct check {
    const azk_record *rec;
    uint32_t last_field;
    size_t last_end;
};

static azk_status on_finding(const azk_finding *f, void *payload)
{
    struct check *c = payload;
    const azk_field *fd;
    const uint8_t *t;
    if (f->field >= c->rec->field_count || f->type >= AZK_PII__COUNT)
        abort();
    fd = &c->rec->fields[f->field];
    t = (const uint8_t *)fd->ptr;
    if (f->len == 0 || f->start > fd->len || f->len > fd->len - f->start)
        abort();
    if ((f->start < fd->len && (t[f->start] & 0xC0) == 0x80) ||
        (f->start + f->len < fd->len && (t[f->start + f->len] & 0xC0) == 0x80))
        abort();
    if (f->field < c->last_field || (f->field == c->last_field && f->start < c->last_end))
        abort();
    if (memchr(f->masked, '\0', sizeof(f->masked)) == NULL)
        abort();
    if (!(f->confidence >= 0.0 && f->confidence <= 1.0))
        abort();
    c->last_field = f->field;
    c->last_end = f->start + f->len;
    return AZK_OK;
}

/* Copy in to out as valid UTF-8; returns the length (out has 3x room). */
static size_t make_utf8(const uint8_t *in, size_t n, uint8_t *out)
{
    size_t i = 0, o = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = azk_utf8_decode(in + i, n - i, &cp);
        if (cp == 0xFFFD && !(l == 3 && memcmp(in + i, "\xEF\xBF\xBD", 3) == 0)) {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i += 1;
            continue;
        }
        memcpy(out + o, in + i, l);
        o += l;
        i += l;
    }
    return o;
}

static void run(azk_detect_ctx *ctx, azk_record *rec)
{
    struct check c = {rec, 0, 0};
    size_t excluded = 0;
    if (azk_detect__record(ctx, rec, on_finding, &c, &excluded) != AZK_OK &&
        azk_error_last()->code != AZK_ERR_NOMEM)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static azk_detect_engine *eng;
    static azk_detect_ctx *ctx;
    static const char *const allow[] = {"03-2345-6789", "info@example.jp"};
    static const char *const allow_re[] = {"[0-9]{3}-0000"};
    uint8_t *text;
    size_t len, pos, line = 0;
    unsigned mode;
    azk_field fields[MAX_FIELDS];
    azk_record rec;
    if (eng == NULL) {
        azk_detect_options o = AZK_DETECT_OPTIONS_INIT;
        o.allow_values = allow;
        o.allow_value_count = 2;
        o.allow_patterns = allow_re;
        o.allow_pattern_count = 1;
        o.min_confidence = 0.2;
        if (azk_detect__engine_new(&eng, &o) != AZK_OK || azk_detect__ctx_new(&ctx, eng) != AZK_OK)
            abort();
    }
    if (size == 0 || size > (1u << 20))
        return 0;
    mode = data[0] % 4;
    text = malloc(size * 3);
    if (text == NULL)
        return 0;
    len = make_utf8(data + 1, size - 1, text);
    memset(&rec, 0, sizeof(rec));
    if (mode == 0) {
        /* one text line */
        memset(fields, 0, sizeof(fields));
        fields[0].ptr = (const char *)text;
        fields[0].len = len;
        rec.fields = fields;
        rec.field_count = 1;
        rec.line = 1;
        azk_detect__object_begin(ctx, "text");
        run(ctx, &rec);
        free(text);
        return 0;
    }
    azk_detect__object_begin(ctx, "csv");
    pos = 0;
    while (pos <= len) {
        const uint8_t *nl = memchr(text + pos, '\n', len - pos);
        size_t end = nl ? (size_t)(nl - text) : len, p = pos, n = 0;
        memset(fields, 0, sizeof(fields));
        while (n < MAX_FIELDS) {
            const uint8_t *tab = memchr(text + p, '\t', end - p);
            size_t e = tab ? (size_t)(tab - text) : end;
            fields[n].ptr = (const char *)text + p;
            fields[n].len = e - p;
            fields[n].col = (uint32_t)n;
            if (mode == 3) {
                /* headers given per field by the decoder */
                fields[n].header = n % 2 ? "電話番号" : "氏名";
                fields[n].header_len = strlen(fields[n].header);
            }
            n++;
            if (tab == NULL)
                break;
            p = e + 1;
        }
        rec.fields = fields;
        rec.field_count = n;
        rec.tabular = 1;
        rec.is_header = mode == 1 && line == 0;
        rec.line = ++line;
        rec.row = line - 1;
        run(ctx, &rec);
        if (nl == NULL)
            break;
        pos = end + 1;
    }
    free(text);
    return 0;
}
