/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/detect_lits -- the byte screen in front of the literal matcher
 * (detect_lits.c): a field skips hs_scan when the screen says no literal can
 * occur in it, so the screen must say "maybe" for every field in which
 * Vectorscan reports a hit. Checked against hs_scan of the engine's own
 * database on random fields built from literal pieces, kanji, kana, '@' and
 * stray bytes (lengths 0..100: the 16-byte vector blocks, their tails and a
 * literal cut at the field end), every literal at every offset 0..40 of
 * several fillers, and the findings of whole records with the screen on and
 * off. The screen must also reject ordinary Japanese text (else it would
 * save nothing). The AVX2 nibble screen (runtime dispatch) must answer as
 * the plain one (azk_detect__lit_vec_off) on every field: random ones of
 * 0..100 bytes, every first character and its near misses at every offset
 * of every length 0..72, '@' at every offset; the checks against the
 * matcher run with both. Every value is synthetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect.h"
#include "detect/detect_scan.h"
#define MAXF 32 /* before detect_run.h */
#include "detect_run.h"

static azk_detect_engine *g_eng;

static int setup(void **state)
{
    azk_detect_options o = AZK_DETECT_OPTIONS_INIT;
    (void)state;
    o.types = ((1u << AZK_PII__COUNT) - 1) & ~(1u << AZK_PII_PERSON_NAME);
    return azk_detect__engine_new(&g_eng, &o) == AZK_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    azk_detect__engine_free(g_eng);
    return 0;
}

static uint64_t rng = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static int count_hit(unsigned int id, unsigned long long from, unsigned long long to,
                     unsigned int flags, void *payload)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    (*(size_t *)payload)++;
    return 1; /* one is enough */
}

/* Does Vectorscan report a literal in p[0..n)? */
static bool matcher_hits(const unsigned char *p, size_t n)
{
    hs_scratch_t *scratch = NULL;
    size_t hits = 0;
    hs_error_t e;
    assert_int_equal(hs_alloc_scratch(g_eng->db, &scratch), HS_SUCCESS);
    e = hs_scan(g_eng->db, (const char *)p, (unsigned)n, 0, scratch, count_hit, &hits);
    assert_true(e == HS_SUCCESS || e == HS_SCAN_TERMINATED);
    hs_free_scratch(scratch);
    return hits > 0;
}

/* The screen on an exact-size heap copy (ASan sees any read past the end). */
static bool screen(const unsigned char *p, size_t n)
{
    unsigned char *q = malloc(n ? n : 1);
    bool r;
    assert_non_null(q);
    if (n)
        memcpy(q, p, n);
    r = azk_detect__lit_may_hit(&g_eng->lits, q, n);
    free(q);
    return r;
}

static void check_field(const unsigned char *p, size_t n)
{
    if (matcher_hits(p, n) && !screen(p, n)) {
        print_error("screen says no, matcher hits, field of %zu bytes:", n);
        for (size_t i = 0; i < n; i++)
            print_error(" %02x", p[i]);
        print_error("\n");
        fail();
    }
}

static const char *const pieces[] = {
    "a",  "0",  " ",  "-",    ",",        "@",        "＠",   "日",   "本",       "語",       "の",
    "テ", "キ", "ス", "ト",   "東",       "京",       "都",   "大",   "阪",       "府",       "番",
    "地", "丁", "目", "電",   "話",       "〒",       "℡",    "生",   "年",       "月",       "日",
    "明", "治", "カ", "ー",   "ド",       "Ｔ",       "Ｅ",   "Ｌ",   "所",       "在",       "鹿",
    "児", "島", "県", "\xe6", "\xe6\x9d", "\xe7\x95", "\x80", "\xff", "\xef\xbc", "\xe3\x80",
};
#define N_PIECES (sizeof(pieces) / sizeof(pieces[0]))

/* Random fields of literal pieces, their characters and stray bytes, with
 * the vector screen (when the CPU has it) and the plain one. */
static void test_lits__random_fields(void **state)
{
    unsigned char buf[256];
    size_t agree_no = 0;
    (void)state;
    for (int k = 0; k < 60000; k++) {
        azk_detect__lit_vec_off = k % 2 == 1;
        size_t n = 0, want = rnd(101);
        while (n < want) {
            const char *s;
            size_t l;
            switch (rnd(8)) {
                case 0:
                    s = azk_detect__lits[rnd(N_LITS)].s;
                    break;
                case 1:
                    s = azk_detect__prefs[rnd(47)];
                    break;
                default:
                    s = pieces[rnd(N_PIECES)];
                    break;
            }
            l = strlen(s);
            if (n + l > want)
                l = want - n; /* a piece cut at the field end */
            memcpy(buf + n, s, l);
            n += l;
        }
        check_field(buf, n);
        if (!matcher_hits(buf, n) && !screen(buf, n))
            agree_no++;
    }
    azk_detect__lit_vec_off = false;
    /* many random fields hold no literal: the screen must say so for some */
    assert_true(agree_no > 1000);
}

/* Every literal at every offset 0..40 of fillers, alone and cut short. */
static void test_lits__every_offset(void **state)
{
    static const char *const fill[] = {"x", "あ", "日本", "\xe6", "0-"};
    unsigned char buf[128];
    (void)state;
    for (size_t f = 0; f < 2 * (sizeof(fill) / sizeof(fill[0])); f++) {
        azk_detect__lit_vec_off = f >= sizeof(fill) / sizeof(fill[0]);
        for (size_t L = 0; L < N_LITS + 47; L++) {
            const char *lit = L < N_LITS ? azk_detect__lits[L].s : azk_detect__prefs[L - N_LITS];
            const char *fs = fill[f % (sizeof(fill) / sizeof(fill[0]))];
            size_t ll = strlen(lit), fl = strlen(fs);
            for (size_t off = 0; off <= 40; off++) {
                size_t n = 0;
                while (n + fl <= off) {
                    memcpy(buf + n, fs, fl);
                    n += fl;
                }
                while (n < off)
                    buf[n++] = 'x';
                memcpy(buf + n, lit, ll);
                n += ll;
                assert_true(screen(buf, n)); /* the literal ends the field */
                check_field(buf, n);
                for (size_t t = 0; t < 20; t++)
                    buf[n + t] = (unsigned char)fs[t % fl];
                assert_true(screen(buf, n + 20));
                check_field(buf, n + 20);
                check_field(buf, n - 1); /* cut: maybe, but never a hit missed */
            }
        }
    }
    azk_detect__lit_vec_off = false;
}

/* The answer of the plain screen (vec_off) or of the one the CPU runs. */
static bool screen_by(const unsigned char *p, size_t n, bool vec_off)
{
    bool r;
    azk_detect__lit_vec_off = vec_off;
    r = screen(p, n);
    azk_detect__lit_vec_off = false;
    return r;
}

static size_t n_same, n_yes;

static void check_same(const unsigned char *p, size_t n)
{
    bool plain = screen_by(p, n, true), vec = screen_by(p, n, false);
    if (plain != vec) {
        print_error("plain screen %d, vector screen %d, field of %zu bytes:", plain, vec, n);
        for (size_t i = 0; i < n; i++)
            print_error(" %02x", p[i]);
        print_error("\n");
        fail();
    }
    n_same++;
    n_yes += vec;
}

/* The first characters of the literals, and near misses: one nibble the
 * nibble tables look at changed, a lead byte 0xF0..0xFF (the plain screen
 * takes every byte >= 0xE0), the next bytes with other top bits (both
 * screens read the low six bits only). */
static size_t first_chars(unsigned char out[][3], size_t cap)
{
    size_t k = 0;
    for (size_t L = 0; L < N_LITS + 47; L++) {
        const unsigned char *c =
            (const unsigned char *)(L < N_LITS ? azk_detect__lits[L].s
                                               : azk_detect__prefs[L - N_LITS]);
        unsigned char v[8][3];
        if (c[0] < 0xE0)
            continue;
        for (int j = 0; j < 8; j++)
            memcpy(v[j], c, 3);
        v[1][0] ^= 0x01;                  /* b0's low nibble */
        v[2][1] ^= 0x10;                  /* b1's bits 4-5 */
        v[3][2] ^= 0x20;                  /* b2's bits 4-5 */
        v[4][1] ^= 0x04;                  /* b1's low nibble */
        v[5][2] ^= 0x08;                  /* b2's low nibble */
        v[6][0] |= 0x10;                  /* lead 0xF_ */
        v[7][1] = (uint8_t)(c[1] & 0x3F); /* an ASCII byte with b1's low bits */
        for (int j = 0; j < 8 && k < cap; j++)
            memcpy(out[k++], v[j], 3);
    }
    return k;
}

/* The vector screen says what the plain screen says (the CPU must have
 * AVX2 for this to test anything: reported, not failed, without it). */
static void test_lits__vector_is_plain(void **state)
{
    static const char *const fill[] = {"x", "あ", "日本", "\xe6", "0-", "\xe6\x9d"};
    static unsigned char fc[1024][3];
    unsigned char buf[160];
    size_t nfc = first_chars(fc, sizeof(fc) / sizeof(fc[0]));
    (void)state;
    if (!g_eng->lits.vec)
        print_message("no AVX2: only the plain screen runs here\n");
    n_same = n_yes = 0;
    /* every first character and near miss at every offset of every length */
    for (size_t c = 0; c < nfc; c++) {
        const char *fl = fill[c % (sizeof(fill) / sizeof(fill[0]))];
        size_t fll = strlen(fl);
        for (size_t n = 0; n <= 72; n++) {
            for (size_t o = 0; o < n; o++) {
                for (size_t i = 0; i < n; i++)
                    buf[i] = (unsigned char)fl[i % fll];
                for (size_t i = 0; i < 3 && o + i < n; i++)
                    buf[o + i] = fc[c][i];
                check_same(buf, n);
            }
        }
    }
    /* '@' at every offset of kanji and ASCII fields of every length 1..100 */
    for (size_t n = 1; n <= 100; n++) {
        for (size_t o = 0; o < n; o++) {
            for (size_t f = 0; f < 2; f++) {
                for (size_t i = 0; i < n; i++)
                    buf[i] =
                        f == 0 ? (unsigned char)"日本語"[i % 9] : (unsigned char)('a' + i % 26);
                buf[o] = '@';
                check_same(buf, n);
            }
        }
    }
    /* random fields: first characters, near misses, pieces, random bytes */
    for (int k = 0; k < 200000; k++) {
        size_t n = 0, want = rnd(101);
        while (n < want) {
            unsigned char tmp[16];
            const unsigned char *src = tmp;
            size_t l;
            switch (rnd(6)) {
                case 0:
                    src = fc[rnd((uint32_t)nfc)];
                    l = 3;
                    break;
                case 1:
                    tmp[0] = (unsigned char)(0xE0 + rnd(32));
                    tmp[1] = (unsigned char)rnd(256);
                    tmp[2] = (unsigned char)rnd(256);
                    l = 3;
                    break;
                case 2:
                    tmp[0] = (unsigned char)rnd(256);
                    l = 1;
                    break;
                default:
                    src = (const unsigned char *)pieces[rnd(N_PIECES)];
                    l = strlen((const char *)src);
                    break;
            }
            if (n + l > want)
                l = want - n;
            memcpy(buf + n, src, l);
            n += l;
        }
        check_same(buf, n);
    }
    /* both answers are common */
    assert_true(n_yes > 10000 && n_same - n_yes > 10000);
}

/* Ordinary text without a literal's first character is rejected; '@' and
 * a first character anywhere are not. */
static void test_lits__rejects(void **state)
{
    static const char *const no[] = {
        "",
        "日本語のテキスト",
        "2026-12-06 12:00:00 INFO 処理を開始しました job=42 ステータス=正常",
        "商品コード",
        "在庫あり",
        "\xe6\x9d", /* cut lead + one byte: no three bytes to match */
    };
    static const char *const yes[] = {"x@y", "在庫あり東", "＠", "〒", "大阪", "abcdefghijklmnop@"};
    (void)state;
    for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
        assert_false(screen((const unsigned char *)no[i], strlen(no[i])));
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_true(screen((const unsigned char *)yes[i], strlen(yes[i])));
}

static struct got run_text(const char *text, size_t len)
{
    return detect_run_text(g_eng, text, len);
}

/* Whole lines: the findings with the screen are the findings without it. */
static void test_lits__findings_same(void **state)
{
    static const char *const vals[] = {
        "電話 090-1234-5678",
        "〒100-0001",
        "東京都千代田区千代田1丁目1番地",
        "taro@example.jp",
        "生年月日 昭和50年1月2日",
        "口座 普通 1234567",
        "個人番号 123456789018",
        "大阪府大阪市北区1-2-3",
        "ＴＥＬ０３－１２３４－５６７８",
        "令和3年4月5日生まれ",
    };
    static const char *const fill[] = {"処理", " ", "ok ", "日本語", "id=7 ", "あ"};
    char buf[512];
    (void)state;
    for (int k = 0; k < 3000; k++) {
        size_t n = 0;
        struct got a, b;
        int parts = 1 + (int)rnd(6);
        for (int p = 0; p < parts; p++) {
            const char *s = rnd(3) == 0 ? vals[rnd(sizeof(vals) / sizeof(vals[0]))]
                                        : fill[rnd(sizeof(fill) / sizeof(fill[0]))];
            size_t l = strlen(s);
            if (n + l >= sizeof(buf))
                break;
            memcpy(buf + n, s, l);
            n += l;
        }
        azk_detect__lit_screen_off = true;
        a = run_text(buf, n);
        azk_detect__lit_screen_off = false;
        b = run_text(buf, n);
        assert_int_equal(a.n, b.n);
        for (size_t i = 0; i < a.n; i++) {
            assert_int_equal(a.f[i].type, b.f[i].type);
            assert_int_equal(a.f[i].start, b.f[i].start);
            assert_int_equal(a.f[i].len, b.f[i].len);
            assert_true(a.f[i].confidence == b.f[i].confidence);
            assert_string_equal(a.f[i].masked, b.f[i].masked);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lits__random_fields), cmocka_unit_test(test_lits__every_offset),
        cmocka_unit_test(test_lits__rejects),       cmocka_unit_test(test_lits__vector_is_plain),
        cmocka_unit_test(test_lits__findings_same),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
