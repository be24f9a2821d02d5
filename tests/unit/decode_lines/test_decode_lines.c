/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/decode_lines -- the line splitter's quick reject
 * (azk_decode__line_may, text_lines.c: one AVX2 load of a line's first 32
 * bytes instead of the calls to azk_decode__hex_line and
 * azk_decode__b64_line) against those calls: a line it rules out must be
 * one they are false on (every byte value at every offset of dump, base64,
 * log and Japanese lines, lines led by blanks, lengths around 32 and 34,
 * random lines), and whole decodes with it on and off
 * (azk_decode__simd_off) must give the same records (line_out emits a line
 * straight away only when line_gather would: quoted-printable soft breaks,
 * dump and base64 runs among the lines; a line of a chunk without NUL is
 * not looked through for one again, of a chunk with one it is).
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

static uint64_t rs = 0x2545F4914F6CDD1Dull;

static unsigned rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (unsigned)(rs >> 11);
}

static size_t rejected_dump, rejected_b64;

/* What line_may rules out, hex_line (either `more`) and b64_line are false on. */
static void may_holds(const uint8_t *p, size_t n)
{
    unsigned may = azk_decode__line_may(p, n);
    azk_buf out;
    memset(&out, 0, sizeof(out));
    if ((may & AZK_LINE_MAY_DUMP) == 0) {
        bool a = azk_decode__hex_line(p, n, false, &out),
             b = azk_decode__hex_line(p, n, true, &out);
        if (a || b) {
            size_t i;
            fprintf(stderr, "ruled out as a dump line, hex_line %d %d on %zu bytes:", a, b, n);
            for (i = 0; i < n; i++)
                fprintf(stderr, " %02x", p[i]);
            fprintf(stderr, "\n");
        }
        assert_false(a);
        assert_false(b);
        rejected_dump++;
    }
    if ((may & AZK_LINE_MAY_B64) == 0) {
        bool a = azk_decode__b64_line(p, n);
        if (a) {
            size_t i;
            fprintf(stderr, "ruled out as a base64 line, b64_line true on %zu bytes:", n);
            for (i = 0; i < n; i++)
                fprintf(stderr, " %02x", p[i]);
            fprintf(stderr, "\n");
        }
        assert_false(a);
        rejected_b64++;
    }
    azk_buf_dispose(&out);
    /* the plain path: every line asked */
    azk_decode__simd_off = true;
    assert_int_equal(azk_decode__line_may(p, n), AZK_LINE_MAY_DUMP | AZK_LINE_MAY_B64);
    azk_decode__simd_off = false;
}

static const char *const lines[] = {
    "00000010: e8a9 a6e9 a893 e381 ae20 e5b1 b1e7 94b0  ................",
    "00000010  e8 a9 a6 e9 a8 93 e3 81  ae 20 e5 b1 b1 e7 94 b0  |................|",
    " e8 a9 a6 e9 a8 93 e3 81 ae 20 e5 b1 b1 e7 94 b0 e8 a9 a6",
    "\t 0x0a 0X0B ab cd ef 01 23 45 67 89 ab cd ef 01 23 45 67 89",
    "\te8 a9 a6 e9 a8 93 e3 81 ae 20 e5 b1 b1 e7 94 b0 e8 a9 a6",
    "0xe8, 0xa9, 0xa6, 0xe9, 0xa8, 0x93, 0xe3, 0x81, 0xae,",
    "E8:A9:A6:E9:A8:93:E3:81:AE:20:E5:B1:B1:E7:94:B0:E8:A9",
    "e8-a9-a6-e9-a8-93-e3-81-ae-20-e5-b1-b1-e7-94-b0-e8-a9",
    "5L2Q6Jek6Iqx5a2Q44GV44KTIOmbu+ipsSAwMy0xMjM0LTU2Nzg/QUJDREVGR0hJSktMTU5P==",
    "5L2Q6Jek6Iqx5a2Q44GV44KTIOmbu+ipsSAwMy0xMjM0LTU2Nzg/QUJDREVGR0hJSktMTU5P",
    "5L2Q6Jek6Iqx5a2Q44GV44KTIOmbu+ipsSAw=",
    "5L2Q6Jek6Iqx5a2Q44GV44KTIOmbu+ipsS==",
    "2026-12-06 10:11:12.345 INFO  [job=DM4174-9224] done",
    "Subject: =E4=BD=90=E8=97=A4=E3=81=95=E3=82=93 and a soft break =",
    "name=3D=E4=BD=90=E8=97=A4 090-1234-5678 phone=3D0312345678=",
    "\xe9\xa1\xa7\xe5\xae\xa2\xe7\x95\xaa\xe5\x8f\xb7 \xe5\xa2\x97\xe7\x94\xb0 "
    "\xe4\xb8\x80\xe9\x83\x8e 090-1234-5678 member1925@example.jp",
};

/* Every byte value at every offset of the first 40 bytes of each line, whole and cut to 30..36
 * bytes (either side of 32 and 34); random lines of dump and base64 bytes with a few others. */
static void test_decode_lines__line_may_rules_out_only_what_the_calls_do(void **state)
{
    static const char ab[] = "0123456789abcdefABCDEFxX ,:-|\t+/=ghzGHZ.;_";
    uint8_t b[160];
    size_t d, k, n, it;
    unsigned v;
    (void)state;
    rejected_dump = rejected_b64 = 0;
    for (d = 0; d < sizeof(lines) / sizeof(lines[0]); d++) {
        size_t l = strlen(lines[d]);
        for (k = 0; k < l && k < 40; k++) {
            for (v = 0; v < 256; v++) {
                memcpy(b, lines[d], l);
                b[k] = (uint8_t)v;
                may_holds(b, l);
                for (n = 30; n <= 36 && n <= l; n++)
                    may_holds(b, n);
            }
        }
    }
    for (it = 0; it < 200000; it++) {
        n = rnd() % 90;
        for (k = 0; k < n; k++) {
            unsigned r = rnd();
            b[k] = r % 97 == 0 ? (uint8_t)(r >> 8) : (uint8_t)ab[(r >> 8) % (sizeof(ab) - 1)];
        }
        may_holds(b, n);
    }
    if (azk_decode__reveal_screen_available()) {
        /* both answers were tested (without AVX2 nothing is ruled out) */
        assert_true(rejected_dump > 10000);
        assert_true(rejected_b64 > 10000);
    }
}

/* Log, Japanese, dump (led by blanks too) and base64 lines, random lines of those bytes:
 * the same records with the quick reject and without. */
static void test_decode_lines__same_records(void **state)
{
    /* past cap: at most 4 repeats of a line of < 250 bytes, or 101 random bytes */
    size_t cap = 200000, n = 0, t;
    uint8_t *buf = malloc(cap + 1024);
    (void)state;
    assert_non_null(buf);
    for (t = 0; t < 2; t++) {
        struct collect a, c;
        n = 0;
        while (n < cap) {
            unsigned r = rnd();
            if (r % 4 != 0 || t == 1) {
                /* a run of one kind of line: dumps and base64 blocks are gathered */
                const char *s = lines[(r >> 2) % (sizeof(lines) / sizeof(lines[0]))];
                size_t l = strlen(s), reps = 1 + (r >> 8) % 4, i;
                assert_true(l < 250);
                for (i = 0; i < reps; i++) {
                    memcpy(buf + n, s, l);
                    if (t == 1 && l > 0)
                        buf[n + rnd() % l] = (uint8_t)rnd(); /* one byte changed */
                    n += l;
                    buf[n++] = '\n';
                }
            } else {
                size_t l = rnd() % 100, i;
                for (i = 0; i < l; i++) {
                    uint8_t c8 = (uint8_t)("0123456789abcdef +/=\t:"[rnd() % 22]);
                    /* NULs (spaces in the records) in one stretch: chunks with and without */
                    if (n > cap / 2 && n < cap / 2 + 5000 && rnd() % 40 == 0)
                        c8 = 0;
                    buf[n++] = c8;
                }
                buf[n++] = '\n';
            }
        }
        decode_to(&a, buf, n, "utf-8");
        azk_decode__simd_off = true;
        decode_to(&c, buf, n, "utf-8");
        azk_decode__simd_off = false;
        assert_int_equal(a.records, c.records);
        assert_int_equal(a.text.len, c.text.len);
        assert_memory_equal(a.text.data, c.text.data, a.text.len);
        azk_buf_dispose(&a.text);
        azk_buf_dispose(&c.text);
    }
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_lines__line_may_rules_out_only_what_the_calls_do),
        cmocka_unit_test(test_decode_lines__same_records),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
