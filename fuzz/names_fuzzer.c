/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/names_fuzzer.c -- libFuzzer harness for the person-name detector
 * (detect/names.h). The first input byte picks the column kind; the rest is
 * made valid UTF-8 (invalid sequences become U+FFFD) and scanned, then the
 * raw bytes are scanned too. Every hit must lie inside the text, start and
 * end on code-point boundaries (valid input), not overlap the previous one,
 * have family_len <= len and a confidence in 0..1.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "detect/names.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct check {
    const uint8_t *text;
    size_t len;
    size_t last_end;
    bool valid;
};

static azk_status on_hit(const azk_name_hit *h, void *payload)
{
    struct check *c = payload;
    if (h->start < c->last_end || h->len == 0 || h->start + h->len > c->len ||
        h->family_len > h->len || !(h->confidence >= 0.0 && h->confidence <= 1.0))
        abort();
    if (c->valid) {
        if (h->start < c->len && (c->text[h->start] & 0xC0) == 0x80)
            abort();
        if (h->start + h->len < c->len && (c->text[h->start + h->len] & 0xC0) == 0x80)
            abort();
        if (h->family_len > 0 && h->start + h->family_len < c->len &&
            (c->text[h->start + h->family_len] & 0xC0) == 0x80)
            abort();
    }
    c->last_end = h->start + h->len;
    return AZK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static azk_names *names;
    static azk_names_ctx *ctx;
    static const azk_column_kind cols[] = {AZK_COL_NONE,       AZK_COL_NAME,
                                           AZK_COL_NAME_KANA,  AZK_COL_FAMILY_NAME,
                                           AZK_COL_GIVEN_NAME, AZK_COL_ADDRESS};
    azk_column_kind col;
    uint8_t *buf;
    size_t n = 0;
    struct check c;

    if (names == NULL) {
        if (azk_names__new(&names, NULL) != AZK_OK || azk_names__ctx_new(&ctx, names) != AZK_OK)
            abort();
    }
    if (size == 0 || size > 65536)
        return 0;
    col = cols[data[0] % (sizeof(cols) / sizeof(cols[0]))];
    data++;
    size--;
    buf = malloc(size * 3 + 1);
    if (buf == NULL)
        return 0;
    for (size_t i = 0; i < size;) {
        uint32_t cp;
        size_t l = azk_utf8_decode(data + i, size - i, &cp);
        if (cp == 0xFFFD && !(l == 3 && data[i] == 0xEF))
            n += azk_utf8_encode(0xFFFD, buf + n);
        else {
            memcpy(buf + n, data + i, l);
            n += l;
        }
        i += l;
    }
    memset(&c, 0, sizeof(c));
    c.text = buf;
    c.len = n;
    c.valid = true;
    if (azk_names__scan(ctx, (const char *)buf, n, col, on_hit, &c) != AZK_OK)
        abort();
    memset(&c, 0, sizeof(c));
    c.text = data;
    c.len = size;
    if (azk_names__scan(ctx, (const char *)data, size, col, on_hit, &c) != AZK_OK)
        abort();
    free(buf);
    return 0;
}
