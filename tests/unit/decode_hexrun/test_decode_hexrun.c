/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/decode_hexrun -- the hex run decoder's AVX2 steps
 * (azk_decode__reveal_hex_steps, reveal_screen.c, used by run_kind in
 * reveal_runs.c) against the byte loop (azk_hexval): runs of 0..100 hex
 * digits of both cases with every byte value at every position (the
 * neighbours of '0'..'9', 'A'..'F', 'a'..'f' and bytes >= 0x80 among
 * them), and random runs; whole decodes of lines holding hex runs (text
 * encoded as hex, IDs, runs cut at every length around 32 and 64) with
 * the fast paths on and off give the same records.
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

/* The byte loop over the digits hex_steps reads (32, then 16 at a time): how many, and their
 * values, or SIZE_MAX when one is no hex digit. */
static size_t steps_ref(const uint8_t *p, size_t n, uint8_t *out)
{
    size_t k = n / 32 * 32 + (n % 32 >= 16 ? 16 : 0), i;
    for (i = 0; i < k; i += 2) {
        int hi = azk_hexval(p[i]), lo = azk_hexval(p[i + 1]);
        if (hi < 0 || lo < 0)
            return SIZE_MAX;
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    return k;
}

static void check_steps(const uint8_t *p, size_t n)
{
    uint8_t a[64], b[64];
    size_t r = azk_decode__reveal_hex_steps(p, n, a), want = steps_ref(p, n, b);
    if (!azk_decode__reveal_screen_available()) {
        assert_int_equal(r, 0); /* the byte loop decides */
        return;
    }
    assert_int_equal(r, want);
    if (want != SIZE_MAX)
        assert_memory_equal(a, b, want / 2);
}

static void test_decode_hexrun__every_byte(void **state)
{
    static const char digits[] = "0123456789abcdefABCDEF";
    uint8_t b[100];
    size_t pos, n;
    int v, t;
    (void)state;
    for (t = 0; t < 60; t++) {
        for (pos = 0; pos < sizeof(b); pos++)
            b[pos] = (uint8_t)digits[rnd() % 22];
        for (n = 0; n <= 100; n++) {
            check_steps(b, n);
            if (n % 16 != 0)
                continue;
            for (pos = 0; pos < n; pos++) {
                uint8_t keep = b[pos];
                for (v = 0; v < 256; v++) {
                    b[pos] = (uint8_t)v;
                    check_steps(b, n);
                }
                b[pos] = keep;
            }
        }
    }
}

static void test_decode_hexrun__random(void **state)
{
    static const char near[] = "0123456789abcdefABCDEF/:@G`g\x80\xc1\xe6\xff";
    uint8_t b[80];
    size_t pos, t;
    (void)state;
    for (t = 0; t < 200000; t++) {
        size_t n = rnd() % 81;
        for (pos = 0; pos < n; pos++)
            b[pos] = (uint8_t)(rnd() % 64 == 0 ? near[rnd() % 32] : near[rnd() % 22]);
        check_steps(b, n);
    }
}

/* Lines with hex runs: text as hex (UTF-8 of 山 and ASCII), IDs, of every length around
 * the 32-digit steps; whole decodes with the fast paths on and off are the same. */
static void test_decode_hexrun__decodes(void **state)
{
    static const char *const runs[] = {
        "e5b1b1e5b1b1e5b1b1",       "E5B1B1E5B1B1E5B1B1",
        "48656c6c6f20776f726c6421", "d4bfd092a39ca938f93b786d6d374c79",
        "0123456789abcdef",         "e38182e38184e38186e38188e3818a"};
    static char text[16384];
    size_t t, revealed = 0;
    (void)state;
    for (t = 0; t < 400; t++) {
        struct collect on, off;
        size_t n = 0, k;
        for (k = 0; k < 20; k++) {
            size_t len = 16 + rnd() % 90, j;
            n += (size_t)snprintf(text + n, sizeof(text) - n, "id=");
            for (j = 0; j < len; j++) {
                const char *r = runs[(t + k) % 6];
                char c = r[j % strlen(r)];
                if (rnd() % 97 == 0)
                    c = "g:/ "[rnd() % 4];
                text[n++] = c;
            }
            text[n++] = '\n';
        }
        azk_decode__simd_off = false;
        decode_to(&on, (const uint8_t *)text, n, "UTF-8");
        azk_decode__simd_off = true;
        decode_to(&off, (const uint8_t *)text, n, "UTF-8");
        azk_decode__simd_off = false;
        assert_int_equal(on.text.len, off.text.len);
        assert_memory_equal(on.text.data, off.text.data, on.text.len);
        if (memmem(on.text.data, on.text.len, "\xe5\xb1\xb1", 3) != NULL ||
            memmem(on.text.data, on.text.len, "Hello", 5) != NULL)
            revealed++;
        azk_buf_dispose(&on.text);
        azk_buf_dispose(&off.text);
    }
    assert_true(revealed > 50); /* the runs were decoded, not only looked at */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_hexrun__every_byte),
        cmocka_unit_test(test_decode_hexrun__random),
        cmocka_unit_test(test_decode_hexrun__decodes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
