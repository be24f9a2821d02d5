/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/norm_ref/test_norm_ref.c -- the normalisers' fast paths against
 * their plain versions (ref_norm.c, the code before session 16): the
 * variant-kanji filter on every code point, azk_norm_text (one decode per
 * code point, staged output) and azk_norm_address (prefecture compared as
 * bytes, block numbers without printf) on generated text of kana, kanji,
 * half- and full-width forms, variant kanji, separators, invalid UTF-8, NUL
 * and long runs, under every flag set the library uses and random ones.
 * The outputs must be the same bytes (norm is shared by the vault, the
 * link and the matcher). All values synthetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "norm/norm.h"
#include "norm_ref/ref_norm.h"

static uint64_t rng = 0x243F6A8885A308D3ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)((rng >> 11) % n);
}

/* Pieces of text: ASCII, kana of every folding rule, half- and full-width forms,
 * kanji (numerals, address marks, names), separators, compatibility forms,
 * combining marks, invalid and cut UTF-8, NUL. */
static const char *const pieces[] = {
    "a",
    "Z",
    "q",
    "0",
    "7",
    "9",
    " ",
    "  ",
    "-",
    "~",
    "@",
    ".",
    "\t",
    "\n",
    ",",
    "|",
    "\0",
    "あ",
    "う",
    "お",
    "ぁ",
    "ゔ",
    "ゝ",
    "ゞ",
    "ゖ",
    "さん",
    "さま",
    "が",
    "の",
    "ア",
    "ウ",
    "オ",
    "コ",
    "ト",
    "ユ",
    "ク",
    "ァ",
    "ィ",
    "ェ",
    "ォ",
    "ッ",
    "ャ",
    "ヮ",
    "ヵ",
    "ヶ",
    "ヴ",
    "ヷ",
    "ヺ",
    "ガ",
    "パ",
    "ヽ",
    "ヾ",
    "ー",
    "・",
    "ノ",
    "ケ",
    "サン",
    "ｶ",
    "ﾞ",
    "ﾟ",
    "ﾊ",
    "ｰ",
    "･",
    "ｳ",
    "ｧ",
    "ﾔﾏﾀﾞ",
    "０",
    "９",
    "Ａ",
    "ｚ",
    "－",
    "～",
    "　",
    "＠",
    "山",
    "田",
    "髙",
    "﨑",
    "邊",
    "齋",
    "澤",
    "𠮷",
    "𠮟",
    "中",
    "野",
    "様",
    "殿",
    "々",
    "御中",
    "一",
    "二",
    "三",
    "十",
    "百",
    "千",
    "〇",
    "壱",
    "丁目",
    "番地",
    "番",
    "号",
    "之",
    "市",
    "区",
    "町",
    "村",
    "郡",
    "都",
    "道",
    "府",
    "県",
    "東京都",
    "北海道",
    "和歌山県",
    "‐",
    "−",
    "─",
    "〜",
    "〒",
    "、",
    "。",
    "\xC2\xB7",
    "\xE2\x80\x8B",
    "\xEF\xBB\xBF",
    "é",
    "\xE3\x82\x99",
    "\xE3\x82\x9A",
    "㈱",
    "①",
    "ﬁ",
    "Ⅻ",
    "㍻",
    "\xFF",
    "\xE3\x81",
    "\x80",
    "\xF0\xA0\xAE",
    "\xED\xA0\x80",
};

/* A code point the variant table folds (its source), as UTF-8 into out. */
static size_t variant_piece(char *out)
{
    size_t count;
    const uint32_t(*tab)[2] = azk_norm_kanji_variant_table(&count);
    assert_true(count > 0);
    return azk_utf8_encode(tab[rnd((uint32_t)count)][rnd(2)], (uint8_t *)out);
}

/* Random text of up to max_pieces pieces into buf (cap >= max_pieces * 8); returns its length. */
static size_t gen_text(char *buf, size_t max_pieces)
{
    size_t n = 0;
    size_t k = rnd((uint32_t)max_pieces + 1);
    for (size_t i = 0; i < k; i++) {
        if (rnd(6) == 0) {
            n += variant_piece(buf + n);
        } else {
            const char *p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];
            size_t l = p[0] == '\0' ? 1 : strlen(p); /* the "\0" piece is one NUL byte */
            memcpy(buf + n, p, l);
            n += l;
        }
    }
    return n;
}

static void expect_same_text(const char *s, size_t n, unsigned flags)
{
    azk_buf a = AZK_BUF_INIT;
    azk_buf b = AZK_BUF_INIT;
    azk_status ra = azk_norm_text(&a, s, n, flags);
    azk_status rb = ref_norm_text(&b, s, n, flags);
    azk_error_clear();
    assert_int_equal(ra, rb);
    if (ra == AZK_OK) {
        if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) {
            fprintf(stderr, "flags 0x%x: %zu bytes in, %zu != %zu bytes out\n", flags, n, a.len,
                    b.len);
            fail();
        }
        assert_int_equal(a.data[a.len], 0);
    }
    azk_buf_dispose(&a);
    azk_buf_dispose(&b);
}

/* The filter in front of the table: every code point up to U+30000, and a few beyond. */
static void test_norm_ref__kanji_variant(void **state)
{
    size_t folded = 0;
    (void)state;
    for (uint32_t cp = 0; cp < 0x30000; cp++) {
        uint32_t want = ref_norm_kanji_variant(cp);
        assert_int_equal(azk_norm_kanji_variant(cp), want);
        folded += want != cp;
    }
    assert_int_equal(azk_norm_kanji_variant(0x10FFFF), ref_norm_kanji_variant(0x10FFFF));
    assert_int_equal(azk_norm_kanji_variant(UINT32_MAX), ref_norm_kanji_variant(UINT32_MAX));
    /* the table folds: the comparison saw its entries */
    assert_true(folded >= 200);
}

static const unsigned text_flags[] = {
    AZK_NORM_NAME,
    AZK_NORM_READING,
    AZK_NORM_NFKC | AZK_NORM_CASE | AZK_NORM_SPACES_REMOVE,
    AZK_NORM_NFKC | AZK_NORM_SPACES_REMOVE,
    AZK_NORM_NFKC | AZK_NORM_SPACES_REMOVE | AZK_NORM_VARIANT_KANJI,
    AZK_NORM_NFKC | AZK_NORM_SPACES_COLLAPSE,
    AZK_NORM_KATAKANA | AZK_NORM_VOICED | AZK_NORM_LONG_VOWEL,
    0,
};

static void test_norm_ref__text(void **state)
{
    static char buf[8 * 600];
    (void)state;
    /* edge cases: empty, one piece each, a long run past the output stage and ICU's stack */
    for (size_t f = 0; f < sizeof(text_flags) / sizeof(text_flags[0]); f++) {
        expect_same_text("", 0, text_flags[f]);
        for (size_t p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++)
            expect_same_text(pieces[p], pieces[p][0] == '\0' ? 1 : strlen(pieces[p]),
                             text_flags[f]);
    }
    {
        size_t n = 0;
        for (size_t i = 0; i < 500; i++) {
            memcpy(buf + n, i % 7 == 6 ? "ｶﾞ" : "山田ウ", i % 7 == 6 ? 6 : 9);
            n += i % 7 == 6 ? 6 : 9;
        }
        for (size_t f = 0; f < sizeof(text_flags) / sizeof(text_flags[0]); f++)
            expect_same_text(buf, n, text_flags[f]);
    }
    for (int round = 0; round < 30000; round++) {
        size_t n = gen_text(buf, round % 10 == 0 ? 500 : 40);
        unsigned flags = round % 4 == 3
                             ? rnd(1u << 11)
                             : text_flags[rnd(sizeof(text_flags) / sizeof(text_flags[0]))];
        expect_same_text(buf, n, flags);
    }
}

/* ---- addresses ------------------------------------------------------------ */

static const char *const pref_parts[] = {
    "",         "",        "",         "東京都",       "北海道", "神奈川県", "和歌山県",
    "鹿児島県", "京都府",  "沖縄県",   "大阪府",       "東京",   "京都",     "神奈川",
    "北海",     " 東京都", "　大阪府", "東京都東京都", "ヶ崎県", "山",
};
static const char *const muni_parts[] = {
    "",       "新宿区",     "横浜市中区", "四日市市",     "西多摩郡奥多摩町", "白河市",
    "札幌市", "竜ヶ崎市",   "市",         "港区",         "大和郡山市",       "北葛城郡",
    "中央",   "あいうえ町", "ABC市",      "川崎市川崎区",
};
static const char *const num_parts[] = {
    "1",
    "12",
    "3",
    "３",
    "１２",
    "二十三",
    "一〇",
    "十",
    "百一",
    "千二百",
    "壱",
    "0",
    "999999999999999",
    "1234567890123",
    "18446744073709551615",
    "4294967296",
    "",
};
static const char *const sep_parts[] = {
    "丁目", "番地", "番地の", "番", "号", "-", "－", "ー",
    "の",   "ノ",   "之",     "‐",  "−",  "",  " ",  "番町",
};
static const char *const bldg_parts[] = {
    "", "", "ハイツ101", " ABCビル2F", ",5F", "-302", "号室", "ヶ丘", "　サンシャイン",
};

#define PICK(a) (a)[rnd(sizeof(a) / sizeof((a)[0]))]

static size_t put_str(char *buf, size_t n, const char *s)
{
    size_t l = strlen(s);
    memcpy(buf + n, s, l);
    return n + l;
}

static size_t gen_address(char *buf)
{
    size_t n = 0;
    if (rnd(5) == 0)
        return gen_text(buf, 30); /* anything */
    n = put_str(buf, n, PICK(pref_parts));
    n = put_str(buf, n, PICK(muni_parts));
    if (rnd(3) == 0)
        n = put_str(buf, n, PICK(pieces)); /* a stray piece */
    for (uint32_t k = rnd(5); k > 0; k--) {
        n = put_str(buf, n, PICK(num_parts));
        n = put_str(buf, n, PICK(sep_parts));
    }
    n = put_str(buf, n, PICK(bldg_parts));
    return n;
}

static void expect_same_buf(const azk_buf *a, const azk_buf *b)
{
    assert_int_equal(a->len, b->len);
    if (a->len > 0)
        assert_memory_equal(a->data, b->data, a->len);
}

static void expect_same_address(const char *s, size_t n)
{
    for (unsigned flags = 0; flags <= AZK_NORM_ADDR_KEEP_BUILDING; flags++) {
        azk_address a;
        azk_address b;
        azk_status ra;
        azk_status rb;
        azk_address_init(&a);
        azk_address_init(&b);
        ra = azk_norm_address(&a, s, n, flags);
        rb = ref_norm_address(&b, s, n, flags);
        azk_error_clear();
        assert_int_equal(ra, rb);
        if (ra == AZK_OK) {
            expect_same_buf(&a.prefecture, &b.prefecture);
            expect_same_buf(&a.municipality, &b.municipality);
            expect_same_buf(&a.rest, &b.rest);
            expect_same_buf(&a.building, &b.building);
        }
        azk_address_dispose(&a);
        azk_address_dispose(&b);
    }
    {
        azk_buf a = AZK_BUF_INIT;
        azk_buf b = AZK_BUF_INIT;
        azk_status ra = azk_norm_address_key(&a, s, n);
        azk_status rb = ref_norm_address_key(&b, s, n);
        azk_error_clear();
        assert_int_equal(ra, rb);
        if (ra == AZK_OK)
            expect_same_buf(&a, &b);
        azk_buf_dispose(&a);
        azk_buf_dispose(&b);
    }
}

static void test_norm_ref__address(void **state)
{
    static char buf[8 * 600];
    size_t with_pref = 0;
    size_t with_numbers = 0;
    (void)state;
    expect_same_address("", 0);
    for (size_t p = 0; p < sizeof(pref_parts) / sizeof(pref_parts[0]); p++)
        expect_same_address(pref_parts[p], strlen(pref_parts[p]));
    for (int round = 0; round < 20000; round++) {
        size_t n = gen_address(buf);
        azk_address a;
        expect_same_address(buf, n);
        azk_address_init(&a);
        if (azk_norm_address(&a, buf, n, 0) == AZK_OK) {
            with_pref += a.prefecture.len > 0;
            with_numbers += a.rest.len > 0 && memchr(a.rest.data, '-', a.rest.len) != NULL;
        }
        azk_error_clear();
        azk_address_dispose(&a);
    }
    /* the generator reaches the paths that changed */
    assert_true(with_pref > 2000);
    assert_true(with_numbers > 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norm_ref__kanji_variant),
        cmocka_unit_test(test_norm_ref__text),
        cmocka_unit_test(test_norm_ref__address),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
