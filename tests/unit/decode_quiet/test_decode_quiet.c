/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/decode_quiet -- reveal's pre-test for fields worth a look by
 * their base64 / hex runs alone (reveal.c quiet_runs: an app log line's
 * trace id that decodes to nothing is not revealed) against the full
 * reveal of the same fields (azk_decode__reveal_quiet_off): lines and CSV
 * rows of log-like text with runs of every kind -- hex of every length,
 * odd and even, lower / upper / mixed case, of random bytes, of UTF-8,
 * ASCII and CP932 text holding a name and a phone number, of 48+ bytes
 * (an object: random bytes, a zip); base64 standard and URL-safe, padded
 * and not, of the same; next to %HH, =HH=HH, escapes, entities, control
 * bytes, spaced-out singles, '<', non-ASCII and full-width text, quoted-
 * printable right after padding, more runs than the look lists, a long
 * JSON line -- decoded with the pre-test and without: the records must be
 * the same. Any difference fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "decode/decode_int.h"
#include "decode/reveal_int.h"
#include "decode_collect.h"

static unsigned seed = 20261207;

static unsigned rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) & 0xFFFFFF;
}

/* ---- payloads ----------------------------------------------------------------------- */

/* A stored zip with one member "a.txt" = "TEL 090-1234-5678\n" (53 bytes: an object). */
static const uint8_t zip[] = {0x50, 0x4b, 0x03, 0x04, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                              0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00,
                              0x12, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 'a',  '.',  't',
                              'x',  't',  'T',  'E',  'L',  ' ',  '0',  '9',  '0',  '-',  '1',
                              '2',  '3',  '4',  '-',  '5',  '6',  '7',  '8',  '\n'};

/* Texts a run may decode to: UTF-8 Japanese, ASCII, CP932 (each with a name / a number). */
static const char *const texts[] = {
    "\xe4\xbd\x90\xe8\x97\xa4\xe8\x8a\xb1\xe5\xad\x90 090-1234-5678", /* 佐藤花子 */
    "TEL 090-1234-5678 taro@example.com",
    "\x8e\x81\x96\xbc \x8e\x52\x93\x63\x91\xbe\x98\x59 090-1111-2222", /* CP932 */
    "\xe5\xb1\xb1\xe7\x94\xb0",                                        /* 山田: 6 bytes */
    "abcd",
    "aaaaaaaaaaaaaaaaaaaaaaaa",
};

/* The bytes a run encodes, into b (cap 256); their count. */
static size_t payload(uint8_t *b)
{
    unsigned r = rnd() % 10;
    size_t n, i;
    if (r < 4) { /* random bytes of 1..70 (>= 48: decoded as an object if not text) */
        n = 1 + rnd() % 70;
        for (i = 0; i < n; i++)
            b[i] = (uint8_t)rnd();
        return n;
    }
    if (r < 9) {
        const char *t = texts[rnd() % (sizeof(texts) / sizeof(texts[0]))];
        n = strlen(t);
        memcpy(b, t, n);
        return n;
    }
    memcpy(b, zip, sizeof(zip));
    return sizeof(zip);
}

static size_t put_hex(uint8_t *o, const uint8_t *b, size_t n, int cs)
{
    static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
    size_t i, k = 0;
    for (i = 0; i < n; i++) {
        const char *d = cs == 0 ? lo : cs == 1 ? up : (rnd() & 1) ? up : lo;
        o[k++] = (uint8_t)d[b[i] >> 4];
        o[k++] = (uint8_t)d[b[i] & 15];
    }
    return k;
}

static size_t put_b64(uint8_t *o, const uint8_t *b, size_t n, bool url, bool pad)
{
    static const char std[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, k = 0;
    for (i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)b[i] << 16 | (i + 1 < n ? (uint32_t)b[i + 1] << 8 : 0) |
                     (i + 2 < n ? b[i + 2] : 0);
        size_t m = n - i >= 3 ? 4 : n - i + 1, j;
        for (j = 0; j < m; j++) {
            char c = std[(v >> (18 - 6 * j)) & 63];
            if (url && c == '+')
                c = '-';
            if (url && c == '/')
                c = '_';
            o[k++] = (uint8_t)c;
        }
        for (; pad && j < 4; j++)
            o[k++] = '=';
    }
    return k;
}

/* A run of some kind into o (cap 600); its length. */
static size_t put_run(uint8_t *o)
{
    uint8_t b[256];
    size_t n = payload(b), k;
    unsigned r = rnd() % 8;
    if (r < 4) {
        k = put_hex(o, b, n, (int)(rnd() % 3));
        if (r == 3 && k > 1)
            k--; /* odd length: not hex, maybe base64 */
        return k;
    }
    return put_b64(o, b, n, r == 6, r != 5);
}

/* Pieces around the runs: log text, and every other trigger of reveal. */
static const char *const plain[] = {
    "2026-07-23T13:50:54.867+09:00 ",
    "INFO  ",
    "DEBUG ",
    "[order-api] ",
    "cache miss ",
    "trace_id=",
    " span=",
    " job=686182",
    " elapsed_ms=4803",
    " rows=57140",
    " ",
    "  ",
    "=",
    "==",
    "-",
    "_",
    "/",
    "+",
    ".",
    ":",
    "x",
    "Go-http-client/1.1",
    "GET /api/v2/users/29058 ",
    "\t",
    "k=v ",
    "50%OFF ",
    "a=10 ",
};
static const char *const other[] = {
    "%E5%B1%B1",    "%41",      "%4",           "=E5=B1=B1",    "=41",
    "=E5",          "=E5=",     "&amp;",        "&#x5C71;",     "&",
    "\\u5C71",      "\\x41",    "\\n",          "\\\\",         "c:\\temp",
    "a b c d ",     "x y z ",   "0 9 0 - 1 ",   "<b>",          "<<<<<<",
    "\x01",         "\x7f",     "\xe3\x81\x82", "\xef\xbc\x88", "\xef\xbc\x91",
    "\xe3\x80\x80", "\xc2\xa0", "\xe2\x80\x8b", "\xcc\x81",     " z ",
};

/* A field of log-like text with runs into o (cap >= 4000); its length. `busy`:
 * other triggers too; `cell`: no CSV delimiters. */
static size_t field(uint8_t *o, bool busy, bool cell)
{
    size_t n = 0, parts = 1 + rnd() % 12, i;
    for (i = 0; i < parts; i++) {
        unsigned r = rnd() % 10;
        const char *s;
        if (r < 4) {
            n += put_run(o + n);
            continue;
        }
        s = busy && r == 9 ? other[rnd() % (sizeof(other) / sizeof(other[0]))]
                           : plain[rnd() % (sizeof(plain) / sizeof(plain[0]))];
        memcpy(o + n, s, strlen(s));
        n += strlen(s);
    }
    if (cell) {
        for (i = 0; i < n; i++)
            if (o[i] == ',' || o[i] == '"' || o[i] == '\n' || o[i] == '\r')
                o[i] = ';';
    } else {
        for (i = 0; i < n; i++)
            if (o[i] == '\n' || o[i] == '\r')
                o[i] = ' ';
    }
    return n;
}

/* ---- decodes with the pre-test and without ------------------------------------------ */

/* struct collect, decode_to(): tests/unit/decode_collect.h */

/* Decode with the pre-test and without: the same records; false (and the
 * first line that differs printed) if not. */
static bool same_quiet(const uint8_t *data, size_t len, const char *enc)
{
    struct collect a, b;
    bool same;
    decode_to(&a, data, len, enc);
    azk_decode__reveal_quiet_off = true;
    decode_to(&b, data, len, enc);
    azk_decode__reveal_quiet_off = false;
    same = a.text.len == b.text.len && memcmp(a.text.data, b.text.data, a.text.len) == 0;
    if (!same) {
        size_t k = 0, ls = 0;
        while (k < a.text.len && k < b.text.len && a.text.data[k] == b.text.data[k])
            if (a.text.data[k++] == '\n')
                ls = k;
        fprintf(stderr, "with the pre-test: %.300s\nwithout:           %.300s\n",
                (const char *)a.text.data + ls, (const char *)b.text.data + ls);
    }
    azk_buf_dispose(&a.text);
    azk_buf_dispose(&b.text);
    return same;
}

/* How many of p[0..n)'s lines the look finds worth a look by their runs alone. */
static size_t runs_only_lines(const uint8_t *p, size_t n)
{
    size_t i = 0, count = 0;
    while (i < n) {
        const uint8_t *nl = memchr(p + i, '\n', n - i);
        size_t e = nl != NULL ? (size_t)(nl - p) : n;
        struct look_runs lr;
        (void)azk_decode__reveal_worth(p + i, e - i); /* the byte classes built */
        if (azk_decode__reveal_look(p + i, e - i, &lr) == LOOK_RUNS)
            count++;
        i = e + 1;
    }
    return count;
}

/* Log lines: each alone (errors are per line), then many in one object. */
static void test_decode_quiet__lines(void **state)
{
    size_t cap = 120000, n = 0, t, bad = 0, quiet;
    uint8_t *buf = malloc(cap + 8000);
    (void)state;
    assert_non_null(buf);
    for (t = 0; t < 3000; t++) {
        size_t l = field(buf, t % 3 == 0, false);
        buf[l++] = '\n';
        if (!same_quiet(buf, l, "utf-8"))
            bad++;
    }
    assert_int_equal(bad, 0);
    while (n < cap) {
        n += field(buf + n, rnd() % 3 == 0, false);
        buf[n++] = '\n';
    }
    quiet = runs_only_lines(buf, n);
    assert_true(quiet > 100); /* the pre-test was asked */
    assert_true(same_quiet(buf, n, "utf-8"));
    assert_true(same_quiet(buf, n, NULL));
    free(buf);
}

/* CSV rows (tabular: an object only for an archive; several fields a row). */
static void test_decode_quiet__rows(void **state)
{
    size_t cap = 150000, n, t;
    uint8_t *buf = malloc(cap + 20000);
    (void)state;
    assert_non_null(buf);
    for (t = 0; t < 2; t++) {
        memcpy(buf, "id,trace,note\n", 14);
        n = 14;
        while (n < cap) {
            size_t i;
            for (i = 0; i < 3; i++) {
                n += field(buf + n, t == 1 && rnd() % 3 == 0, true);
                buf[n++] = i < 2 ? ',' : '\n';
            }
        }
        assert_true(same_quiet(buf, n, "utf-8"));
    }
    free(buf);
}

/* Lines with more runs than the look lists, and long JSON lines: a quiet run
 * in a line of JSON elements does not make it split. */
static void test_decode_quiet__many_runs_and_json(void **state)
{
    static const char hx[] = "d4bfd092a39ca938f93b786d6d374c79";
    uint8_t buf[8000];
    size_t k, n, runs;
    (void)state;
    for (runs = 1; runs <= LOOK_RUNS_MAX + 2; runs++) {
        n = 0;
        for (k = 0; k < runs; k++) {
            memcpy(buf + n, "id=", 3);
            n += 3;
            memcpy(buf + n, hx, 32);
            buf[n + (k % 32)] = '0' + (uint8_t)(k % 10);
            n += 32;
            buf[n++] = ' ';
        }
        buf[n++] = '\n';
        assert_true(same_quiet(buf, n, "utf-8"));
    }
    for (k = 0; k < 3; k++) {
        /* a first line of text: the object is not taken for JSON */
        n = (size_t)sprintf((char *)buf, "log start\n");
        buf[n++] = '[';
        while (n < 700) {
            n += (size_t)sprintf((char *)buf + n, "[\"%s\",%zu],", n < 100 ? hx : "x", n);
            if (k == 1)
                n += (size_t)sprintf((char *)buf + n, "[\"a b c d e\"],");
        }
        buf[n - 1] = ']';
        buf[n++] = '\n';
        assert_true(same_quiet(buf, n, "utf-8"));
    }
    /* text split by tags around a run: six '<' make it worth more than its runs */
    for (k = 4; k <= 8; k++) {
        size_t j;
        n = 0;
        for (j = 0; j < k; j++)
            n += (size_t)sprintf((char *)buf + n, "<r>%.*s</r>", j == 0 ? 16 : 2, hx + 2 * j);
        buf[n++] = '\n';
        assert_true(same_quiet(buf, n, "utf-8"));
    }
}

/* The look by bit masks (SSE2) against look_at byte by byte (simd off). */
static bool runs_same(enum look la, const struct look_runs *a, enum look lb,
                      const struct look_runs *b)
{
    return la == lb &&
           (la != LOOK_RUNS ||
            (a->count == b->count && memcmp(a->at, b->at, a->count * sizeof(a->at[0])) == 0 &&
             memcmp(a->end, b->end, a->count * sizeof(a->end[0])) == 0));
}

/* The look with AVX2 masks (where the CPU has them), with SSE2 masks, and byte by byte. */
static bool look_same(const uint8_t *p, size_t n)
{
    struct look_runs a, b, c;
    enum look la, lb, lc;
    size_t k;
    (void)azk_decode__reveal_worth(p, n); /* the byte classes built */
    la = azk_decode__reveal_look(p, n, &a);
    azk_decode__reveal_look_avx2_off = true;
    lc = azk_decode__reveal_look(p, n, &c);
    azk_decode__reveal_look_avx2_off = false;
    azk_decode__simd_off = true;
    lb = azk_decode__reveal_look(p, n, &b);
    azk_decode__simd_off = false;
    if (runs_same(la, &a, lb, &b) && runs_same(lc, &c, lb, &b))
        return true;
    fprintf(stderr, "look %d (%zu runs), SSE2 masks %d (%zu runs), byte by byte %d (%zu runs): \"",
            (int)la, a.count, (int)lc, c.count, (int)lb, b.count);
    for (k = 0; k < n; k++)
        fprintf(stderr, p[k] >= 0x20 && p[k] < 0x7f ? "%c" : "\\x%02x", p[k]);
    fprintf(stderr, "\"\n");
    return false;
}

/*
 * Lines of 0..600 bytes (across the masks' 16- and 64-byte steps and the
 * 512-byte limit): log text with runs and every trigger, ASCII bytes near
 * the triggers, spaced singles and '<' at the end, runs ending at a word's
 * last bit and the line's last byte, one & \ or byte >= 0x80 anywhere.
 * Where the CPU has AVX2 the masks are built both ways (the AVX2 path, with
 * the runs' mix by table, and the SSE2 one, with the mix byte by byte),
 * each compared with look_at.
 */
static void test_decode_quiet__look_same(void **state)
{
    static const char near[] = "ab0 9-=%<&\\_+/Fg ";
    uint8_t buf[8000];
    size_t t, bad = 0;
    (void)state;
    if (!azk_decode__reveal_screen_available())
        print_message("no AVX2 here: the SSE2 masks only\n");
    for (t = 0; t < 60000 && bad < 10; t++) {
        size_t n, want = rnd() % 601, k;
        unsigned r = rnd() % 4;
        if (r == 0) {
            n = field(buf, rnd() % 2 == 0, false);
        } else {
            for (n = 0; n < want; n++)
                buf[n] = r == 1   ? (uint8_t)near[rnd() % (sizeof(near) - 1)]
                         : r == 2 ? (uint8_t)(0x20 + rnd() % 0x5f)
                                  : (uint8_t) "0123456789abcdefABCDEF"[rnd() % 22];
            for (k = rnd() % 4; k > 0 && n > 0; k--)
                buf[rnd() % n] = (uint8_t)(rnd() % 5 == 0 ? ' ' : near[rnd() % 9]);
        }
        if (rnd() % 8 == 0 && n + 8 < sizeof(buf)) { /* singles at the end */
            memcpy(buf + n, rnd() % 2 ? " a b c " : " a b c", 7);
            n += 6 + (buf[n + 6] == ' ' ? 1 : 0);
        }
        if (n > 600)
            n = 600;
        if (rnd() % 6 == 0 && n > 0) /* one byte that ends the masks, anywhere (often late) */
            buf[n - 1 - rnd() % (rnd() % 2 ? n : (n < 70 ? n : 70))] =
                (uint8_t) "&\\\x80\xff\xc3\xe3"[rnd() % 6];
        if (!look_same(buf, n))
            bad++;
    }
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_quiet__lines),
        cmocka_unit_test(test_decode_quiet__rows),
        cmocka_unit_test(test_decode_quiet__many_runs_and_json),
        cmocka_unit_test(test_decode_quiet__look_same),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
