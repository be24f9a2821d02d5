/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/match_windows/test_match_windows.c -- the name windows' walk
 * of a line (src/lib/match/match_windows.c) against its plain form: the
 * test of a name code point (ranges tested from the low code points up)
 * against the test as it was written before (kanji, ext. A, compatibility
 * and ext. B..F kanji, 々, katakana and ー, half-width kana; not 様 殿) on
 * every code point and beyond; its decoder (an ASCII byte inline) against
 * azk_utf8_decode on every byte value and on generated 1..5-byte
 * sequences, well formed or not (overlong, surrogates, cut, above
 * U+10FFFF).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "match/match_ctx.h"

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)((rng >> 11) % n);
}

/* The test as it was written before session 16 (the plain path). */
static bool ref_name_cp(uint32_t cp)
{
    if (cp == 0x69D8 || cp == 0x6BBF)
        return false; /* 様 殿: honorifics end a name */
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x2FFFF) || cp == 0x3005 ||
           (cp >= 0x30A1 && cp <= 0x30FA) || cp == 0x30FC || (cp >= 0xFF66 && cp <= 0xFF9F);
}

static void test_match_windows__name_cp(void **state)
{
    size_t names = 0;
    (void)state;
    for (uint32_t cp = 0; cp <= 0x110000; cp++) {
        bool want = ref_name_cp(cp);
        if (azk_match__name_cp(cp) != want) {
            fprintf(stderr, "U+%04X: %d, want %d\n", (unsigned)cp, !want, want);
            fail();
        }
        names += want;
    }
    for (uint32_t cp = 0x110001; cp < 0x120000; cp += 7)
        assert_int_equal(azk_match__name_cp(cp), ref_name_cp(cp));
    assert_int_equal(azk_match__name_cp(UINT32_MAX), ref_name_cp(UINT32_MAX));
    assert_true(names > 90000); /* the ranges were seen */
}

static void expect_same_decode(const char *s, size_t n)
{
    uint32_t a = 0x12345678;
    uint32_t b = 0x12345678;
    size_t la = azk_match__decode_cp(s, n, &a);
    size_t lb = azk_utf8_decode((const uint8_t *)s, n, &b);
    assert_int_equal(la, lb);
    assert_int_equal(a, b);
}

static void test_match_windows__decode(void **state)
{
    char s[8];
    (void)state;
    for (unsigned b = 0; b < 256; b++) {
        s[0] = (char)b;
        for (size_t n = 1; n <= 4; n++) {
            memset(s + 1, 0x80 | (int)(b & 0x3F), 4);
            expect_same_decode(s, n);
        }
    }
    for (int round = 0; round < 200000; round++) {
        size_t n = 1 + rnd(5);
        for (size_t i = 0; i < n; i++) {
            /* lead bytes of every length and continuation bytes, often */
            uint32_t k = rnd(4);
            s[i] = (char)(k == 0   ? rnd(256)
                          : k == 1 ? 0x80 | rnd(64)
                          : k == 2 ? 0xE0 | rnd(16)
                                   : 0xF0 | rnd(8));
        }
        expect_same_decode(s, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_windows__name_cp),
        cmocka_unit_test(test_match_windows__decode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
