/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/names_lex -- the person-name lexicon's index
 * (detect/names_lex.h), generated at build time by
 * tools/gen_names_lexicon.py: rebuilt here in C from the generated table
 * (a test-only reference of what names_lex.c built at start-up until
 * session 11) and compared array by array -- FNV-1a slots with linear
 * probing, longest entry per first code point, the code points used, the
 * one-code-point entries, the hashed first pairs -- so the Python hashes
 * must be the C ones; every entry is found by azk_names__lex_find; and the
 * fold bitmap made from norm's variant table equals the one made by
 * asking azk_norm_kanji_variant about every code point.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "detect/names_lex.h"
#include "norm/norm.h"

#define BMP 0x10000u

static uint32_t ref_fnv1a(const uint8_t *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= 16777619u;
    }
    return h;
}

static bool ref_bit(const uint8_t *map, uint32_t cp)
{
    return ((map[cp >> 3] >> (cp & 7)) & 1u) != 0;
}

static void test_names_lex__generated_index(void **state)
{
    struct azk_names_lex lx;
    size_t nslots = 1;
    uint32_t *slots;
    uint8_t *first, *inlex, *one, *pair, *fold;
    uint8_t max_chars = 0;
    (void)state;
    assert_int_equal(azk_names__lex_init(&lx), AZK_OK);
    assert_true(azk_names__lex_count > 40000 && azk_names__lex_count < 0xFFFFu);
    while (nslots < azk_names__lex_count * 2u)
        nslots <<= 1;
    assert_int_equal(lx.mask, nslots - 1);
    slots = calloc(nslots, sizeof(*slots));
    first = calloc(BMP, 1);
    inlex = calloc(BMP / 8, 1);
    one = calloc(BMP / 8, 1);
    pair = calloc((size_t)1 << (AZK_NAMES_LEX_PAIR_BITS - 3), 1);
    fold = calloc(BMP / 8, 1);
    assert_non_null(slots);
    assert_non_null(first);
    assert_non_null(inlex);
    assert_non_null(one);
    assert_non_null(pair);
    assert_non_null(fold);
    for (size_t i = 0; i < azk_names__lex_count; i++) {
        const struct azk_names_lex_entry *e = &azk_names__lex[i];
        const uint8_t *s = azk_names__lex_blob + e->off;
        uint32_t fh = ref_fnv1a(s, e->len);
        size_t h = fh & (nslots - 1);
        size_t chars = 0;
        uint32_t cp0 = 0, cp1 = 0;
        while (slots[h] != 0)
            h = (h + 1) & (nslots - 1);
        slots[h] = (fh & 0xFFFF0000u) | ((uint32_t)i + 1u);
        for (size_t k = 0; k < e->len;) {
            uint32_t cp;
            size_t n = azk_utf8_decode(s + k, e->len - k, &cp);
            assert_true(n > 0);
            k += n;
            if (chars == 0)
                cp0 = cp;
            else if (chars == 1)
                cp1 = cp;
            chars++;
            if (cp < BMP)
                inlex[cp >> 3] |= (uint8_t)(1u << (cp & 7));
        }
        if (chars == 1 && cp0 < BMP)
            one[cp0 >> 3] |= (uint8_t)(1u << (cp0 & 7));
        if (chars >= 2) {
            uint32_t ph = azk_names__lex_pair_bit(cp0, cp1);
            pair[ph >> 3] |= (uint8_t)(1u << (ph & 7));
        }
        if (chars > 255)
            chars = 255;
        if (cp0 < BMP && first[cp0] < chars)
            first[cp0] = (uint8_t)chars;
        if (max_chars < chars)
            max_chars = (uint8_t)chars;
        /* and the look-up finds it */
        assert_ptr_equal(azk_names__lex_find(&lx, s, e->len), e);
    }
    for (uint32_t cp = 0xFF61; cp <= 0xFF9F; cp++)
        fold[cp >> 3] |= (uint8_t)(1u << (cp & 7));
    for (uint32_t cp = 0x3400; cp < BMP; cp++) {
        uint32_t to = azk_norm_kanji_variant(cp);
        if (to != cp && !ref_bit(inlex, cp) && to < BMP && ref_bit(inlex, to))
            fold[cp >> 3] |= (uint8_t)(1u << (cp & 7));
    }
    assert_memory_equal(lx.slots, slots, nslots * sizeof(*slots));
    assert_memory_equal(lx.first, first, BMP);
    assert_memory_equal(lx.inlex, inlex, BMP / 8);
    assert_memory_equal(lx.one, one, BMP / 8);
    assert_memory_equal(lx.pair, pair, (size_t)1 << (AZK_NAMES_LEX_PAIR_BITS - 3));
    assert_memory_equal(lx.fold, fold, BMP / 8);
    assert_int_equal(lx.max_chars, max_chars);
    /* a variant kanji that folds is there (髙 -> 高), and surfaces not in it are not found */
    assert_true(ref_bit(lx.fold, 0x9AD9));
    assert_null(azk_names__lex_find(&lx, (const uint8_t *)"\xe9\xab\x99", 3));
    assert_null(azk_names__lex_find(&lx, (const uint8_t *)"abc", 3));
    free(slots);
    free(first);
    free(inlex);
    free(one);
    free(pair);
    free(fold);
    azk_names__lex_dispose(&lx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_lex__generated_index),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
