/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/redact_fuzzer.c -- libFuzzer harness for the streaming redactor
 * (azk_redactor_begin/write/finish, azk_redactor_line). The first byte
 * picks the input encoding (bits 0-1: UTF-8, CP932, EUC-JP, or none given:
 * sniffed), the mode (bits 2-3: mask, partial, type, pseudonym) and
 * whether the input is repeated into one line longer than the 1 MiB window
 * (bits 4-7 are 1100), so cuts, overlap and left context run; the second
 * byte seeds the chunk sizes, so characters, a byte order mark and line
 * ends are split between calls anywhere. Checks: the output is valid
 * UTF-8; for UTF-8 input (given, or valid UTF-8 sniffed), one output line
 * per input line (a long line stays one line); the default mask leaves
 * nothing behind (redacting an output line again replaces nothing); and
 * the same input after azk_redactor_begin, in one chunk, gives the same
 * output (the encoding is sniffed again, nothing of the last input stays).
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

static int discard(const char *d, size_t n, void *payload)
{
    (void)d;
    (void)n;
    (void)payload;
    return 0;
}

/* Redact buf[0..n) as one input in chunks from seed (0: one chunk); false on an error. */
static bool run(azk_redactor *r, const uint8_t *buf, size_t n, uint32_t seed, bool lng,
                struct sink *out)
{
    size_t off = 0;
    azk_redactor_begin(r);
    while (off < n) {
        size_t k = n - off;
        if (seed != 0) {
            seed = seed * 1103515245u + 12345u;
            k = lng ? 1 + (seed >> 8) % 100000 : 1 + (seed >> 8) % 7;
            if (k > n - off)
                k = n - off;
        }
        if (azk_redactor_write(r, (const char *)buf + off, k, on_write, out) != AZK_OK)
            return false; /* a conversion error is a clear error, not a crash */
        off += k;
    }
    return azk_redactor_finish(r, on_write, out) == AZK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const encs[] = {"utf-8", "cp932", "euc-jp", NULL};
    static const azk_redact_mode modes[] = {AZK_REDACT_MASK, AZK_REDACT_PARTIAL, AZK_REDACT_TYPE,
                                            AZK_REDACT_PSEUDONYM};
    static const unsigned char key[32] = {1, 2, 3};
    static azk_redactor *again; /* UTF-8, default mask: checks the output */
    azk_redact_options o = AZK_REDACT_OPTIONS_INIT;
    azk_redactor *r = NULL;
    struct sink out = {NULL, 0, 0}, out2 = {NULL, 0, 0};
    uint8_t *buf = NULL;
    size_t n, lines = 0;
    uint32_t seed;
    bool lng, ok;
    if (size < 2 || size > ((size_t)1 << 16))
        return 0;
    if (again == NULL) {
        azk_redact_options u8 = AZK_REDACT_OPTIONS_INIT;
        u8.encoding = "utf-8";
        if (azk_redactor_new(&again, &u8) != AZK_OK)
            abort();
    }
    o.encoding = encs[data[0] & 3];
    o.mode = modes[(data[0] >> 2) & 3];
    o.key = key;
    lng = (data[0] & 0xF0) == 0xC0 && size > 2; /* slow: a 16th of the inputs */
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
    if (!run(r, buf, n, seed | 1u, lng, &out))
        goto done;
    if (out.len > 0 && !azk_utf8_valid(out.p, out.len))
        abort();
    if (o.encoding == encs[0] || (o.encoding == NULL && azk_utf8_valid(buf, n))) {
        for (size_t i = 0; i < n; i++)
            lines += buf[i] == '\n';
        if (n > 0 && buf[n - 1] != '\n')
            lines++;
        for (size_t i = 0; i < out.len; i++)
            lines -= out.p[i] == '\n';
        if (lines != 0)
            abort();
    }
    if (lng)
        goto done;
    if (o.mode == AZK_REDACT_MASK) {
        size_t start = 0;
        while (start < out.len) {
            const uint8_t *nl = memchr(out.p + start, '\n', out.len - start);
            size_t end = nl != NULL ? (size_t)(nl - out.p) : out.len, replaced = 0;
            if (azk_redactor_line(again, (const char *)out.p + start, end - start, discard, NULL,
                                  &replaced) == AZK_OK &&
                replaced != 0)
                abort(); /* the default mask left a finding behind */
            start = end + 1;
        }
    }
    ok = run(r, buf, n, 0, false, &out2);
    if (!ok || out2.len != out.len || (out.len > 0 && memcmp(out.p, out2.p, out.len) != 0))
        abort(); /* begin did not start the input afresh */
done:
    azk_redactor_free(r);
    free(out.p);
    free(out2.p);
    free(buf);
    return 0;
}
