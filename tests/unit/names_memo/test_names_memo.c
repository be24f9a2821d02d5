/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/names_memo -- the person-name detector's memos (names.c,
 * names_field.c): what they key by must decide the result. The MeCab and
 * field memos read ASCII digits as '0' (except after 第 or inside what
 * MeCab reads as one character) with IPAdic 2.7.0: MeCab's own tokens do
 * not change with the digits, windows and fields that differ only in
 * digits share one entry, and results equal a fresh context's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/names.h"
#include "detect/names_scan.h"
#include "names_run.h"

static azk_names *names;

static int setup(void **state)
{
    (void)state;
    return azk_names__new(&names, NULL) == AZK_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    azk_names__free(names);
    return 0;
}

/* MeCab's tokens of text, as "start-end:feature|..." (a fresh lattice). */
static void tokens_of(const char *text, char *out, size_t cap)
{
    mecab_t *tagger = mecab_model_new_tagger(names->model);
    mecab_lattice_t *lat = mecab_model_new_lattice(names->model);
    size_t used = 0;
    assert_non_null(tagger);
    assert_non_null(lat);
    mecab_lattice_set_sentence2(lat, text, strlen(text));
    assert_true(mecab_parse_lattice(tagger, lat));
    out[0] = 0;
    for (const mecab_node_t *n = mecab_lattice_get_bos_node(lat); n != NULL; n = n->next) {
        int w;
        if (n->stat == MECAB_BOS_NODE || n->stat == MECAB_EOS_NODE)
            continue;
        w = snprintf(out + used, cap - used, "%td-%u:%d:%s|", n->surface - text,
                     (unsigned)n->length, (int)n->stat, n->feature);
        assert_true(w > 0 && (size_t)w < cap - used);
        used += (size_t)w;
    }
    mecab_lattice_destroy(lat);
    mecab_destroy(tagger);
}

/* text with every ASCII digit not right after 第 replaced: by '0', or at random. */
static void redigit(const char *text, char *out, bool zero)
{
    size_t i;
    for (i = 0; text[i] != 0; i++) {
        char b = text[i];
        if (b >= '0' && b <= '9' && !(i >= 3 && memcmp(text + i - 3, "第", 3) == 0))
            b = zero ? '0' : (char)('0' + rand() % 10);
        out[i] = b;
    }
    out[i] = 0;
}

/* Windows like the ones names.c hands MeCab: names, labels, numbers of every shape. */
static const char *const digit_texts[] = {
    "2024-03-05 12:34:56 INFO 受付 山田太郎様 id=48213",
    "注文番号12345の佐藤花子様、合計3,980円",
    "第3四半期 売上 1.5倍 高橋さん 第1期線",
    "TEL 03-1234-5678 鈴木 一郎 殿 内線27",
    "ver2.0.1で氏名：田中 陽子 (39歳)",
    "〒100-0001 東京都千代田区1-1 担当 伊藤",
    "第2期線と第7期線の渡辺様 9時",
    "1万2千円 山本さん 3F 4号室 5人",
};

static void test_names_memo__mecab_digit_blind(void **state)
{
    static char a[8192], b[8192];
    char x[256], z[256];
    (void)state;
    assert_true(names->digit_blind); /* the system dictionary is IPAdic 2.7.0 */
    srand(4417);
    for (size_t t = 0; t < sizeof(digit_texts) / sizeof(digit_texts[0]); t++) {
        assert_true(strlen(digit_texts[t]) < sizeof(x));
        redigit(digit_texts[t], z, true);
        tokens_of(z, a, sizeof(a));
        for (int r = 0; r < 40; r++) {
            redigit(digit_texts[t], x, false);
            tokens_of(x, b, sizeof(b));
            assert_string_equal(a, b);
        }
    }
    /* the digits after 第 do matter: 第1期線 is one IPAdic entry, 第3期線 is not */
    tokens_of("第1期線の山田太郎様", a, sizeof(a));
    tokens_of("第3期線の山田太郎様", b, sizeof(b));
    assert_string_not_equal(a, b);
}

static void test_names_memo__digit_windows(void **state)
{
    static const char *const lines[] = {
        "2024-03-05 12:34:56 INFO 受付 山田太郎様 id=48213",
        "2025-11-27 08:19:43 INFO 受付 山田太郎様 id=90675",
        "2031-07-14 23:05:18 INFO 受付 山田太郎様 id=11111",
        "注文12345 担当の佐藤花子様に連絡済み 3件",
        "注文98765 担当の佐藤花子様に連絡済み 7件",
        "氏名：田中 陽子 (39歳) 会員番号 004512",
        "氏名：田中 陽子 (58歳) 会員番号 730981",
    };
    azk_names_ctx *c = NULL;
    unsigned long calls;
    struct hits hs;
    (void)state;
    assert_int_equal(azk_names__ctx_new(&c, names), AZK_OK);
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        azk_names_ctx *fresh = NULL;
        struct hits ref;
        assert_int_equal(azk_names__ctx_new(&fresh, names), AZK_OK);
        ref = names_run(fresh, lines[i], AZK_COL_NONE);
        azk_names__ctx_free(fresh);
        assert_int_equal(ref.count, 1);
        calls = azk_names__ctx_mecab_calls(c);
        hs = names_run(c, lines[i], AZK_COL_NONE);
        hits_equal(&hs, &ref);
        if (i == 1 || i == 2 || i == 4 || i == 6)
            assert_int_equal(azk_names__ctx_mecab_calls(c), calls); /* only digits changed */
        else
            assert_true(azk_names__ctx_mecab_calls(c) > calls);
    }
    /* after 第 a digit is part of the key: 第3期線 is parsed on its own */
    hs = names_run(c, "第1期線の山田太郎様", AZK_COL_NONE);
    assert_int_equal(hs.count, 1);
    calls = azk_names__ctx_mecab_calls(c);
    hs = names_run(c, "第3期線の山田太郎様", AZK_COL_NONE);
    assert_int_equal(hs.count, 1);
    assert_true(azk_names__ctx_mecab_calls(c) > calls);
    calls = azk_names__ctx_mecab_calls(c);
    hs = names_run(c, "第3期線の山田太郎様", AZK_COL_NONE);
    assert_int_equal(azk_names__ctx_mecab_calls(c), calls);
    azk_names__ctx_free(c);
}

/*
 * A window that is not valid UTF-8 (s9 attack): MeCab reads a lead byte
 * with the bytes after it as one character whatever they are, so ASCII
 * digits after a stray lead byte pick that character's class: C8 30 is
 * U+0230 (ALPHA in IPAdic's char.def, 0x0180..0x0236), C8 37 is U+0237
 * (DEFAULT); E1 38 30 is U+1E30 (ALPHA), E1 30 30 U+1C30 (DEFAULT). The
 * tokens then change with the digits, and "\xC8" "7林様" has a mention where
 * "\xC8" "0林様" has none. Results must still equal a fresh context's.
 * (The scanner's decoders put U+FFFD for invalid UTF-8 before names sees a
 * field -- checked for text, carve, base64 reveal -- so this is names'
 * own contract.)
 */
static void test_names_memo__digits_after_broken_utf8(void **state)
{
    static const char *const lines[] = {"\xc8"
                                        "0林様",
                                        "\xc8"
                                        "7林様",
                                        "受付 \xc8"
                                        "9林様",
                                        "\xe1"
                                        "00山田太郎様",
                                        "\xe1"
                                        "80山田太郎様",
                                        "\xe1"
                                        "4佐藤花子さん",
                                        "\xe1"
                                        "8佐藤花子さん"};
    azk_names_ctx *c = NULL;
    (void)state;
    assert_int_equal(azk_names__ctx_new(&c, names), AZK_OK);
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        azk_names_ctx *fresh = NULL;
        struct hits ref, hs;
        assert_int_equal(azk_names__ctx_new(&fresh, names), AZK_OK);
        ref = names_run(fresh, lines[i], AZK_COL_NONE);
        azk_names__ctx_free(fresh);
        hs = names_run(c, lines[i], AZK_COL_NONE);
        hits_equal(&hs, &ref);
    }
    azk_names__ctx_free(c);
}

/*
 * The digit-blind key, written out from MeCab's reading of UTF-8 (ucs.h,
 * utf8_to_ucs2: a byte C0..DF takes 2 bytes, E0..EF 3, F0..F7 4, F8..FB 5,
 * FC..FD 6, without looking at them): a digit stays when a character MeCab
 * starts before it could reach it, or right after 第; every other ASCII
 * digit reads '0'. A byte-by-byte reference of names_scan.h's loads.
 */
static void ref_blind(const uint8_t *t, size_t len, uint8_t *out)
{
    for (size_t d = 0; d < len; d++) {
        bool kept = d >= 3 && t[d - 3] == 0xE7 && t[d - 2] == 0xAC && t[d - 1] == 0xAC;
        for (size_t p = d >= 5 ? d - 5 : 0; p < d; p++) {
            size_t mb = t[p] >= 0xFC   ? 6
                        : t[p] >= 0xF8 ? 5
                        : t[p] >= 0xF0 ? 4
                        : t[p] >= 0xE0 ? 3
                        : t[p] >= 0xC0 ? 2
                                       : 1;
            kept = kept || p + mb > d;
        }
        out[d] = t[d] >= '0' && t[d] <= '9' && !kept ? '0' : t[d];
    }
}

/* pieces of keys: digits, ASCII, kanji, kana, 第, 々, half-width kana, stray bytes */
static const char *const pieces[] = {
    "0123456789abcdef",
    "12",
    ":",
    "-",
    "a",
    "a",
    "a",
    "a",
    "a",
    "a",
    "a",
    "a",
    "a",
    "0",
    "7",
    "42",
    "2024-03-05",
    " ",
    "=",
    "a",
    "件数",
    "第",
    "第",
    "々",
    "山田",
    "様",
    "さん",
    "ｶﾞ",
    "ﾀﾛｳ",
    "　",
    "\xc8",
    "\xe1",
    "\xe7\xac",
    "\xac",
    "\xf0",
    "\xf8",
    "\xfc",
    "\xfe",
    "\x80",
    "\xbf",
    "№",
    "𠮷",
    "9",
};

/* t filled with random pieces up to want bytes (stops before a piece that would pass
 * it); the length made */
static size_t fill_pieces(uint8_t *t, size_t want)
{
    size_t len = 0;
    while (len < want) {
        const char *p = pieces[(size_t)rand() % (sizeof(pieces) / sizeof(pieces[0]))];
        size_t pl = strlen(p);
        if (len + pl > want)
            break;
        memcpy(t + len, p, pl);
        len += pl;
    }
    return len;
}

/*
 * The field and MeCab memos' key (azk_names__memo_hash_blind): the SSE2
 * loads give the hash of the reference's bytes for random texts of every
 * length up to MEMO_KEY_LEN, digits at every offset of a 16-byte block and
 * across blocks, after kanji, after 第 and after stray lead bytes.
 */
static void test_names_memo__blind_key(void **state)
{
    azk_names_ctx *c = NULL;
    uint8_t t[MEMO_KEY_LEN + 8], z[MEMO_KEY_LEN + 8];
    (void)state;
    assert_int_equal(azk_names__ctx_new(&c, names), AZK_OK);
    srand(7121);
    for (int r = 0; r < 20000; r++) {
        size_t len;
        size_t want = 1 + (size_t)rand() % MEMO_KEY_LEN;
        struct memo_key k, ref;
        len = fill_pieces(t, want);
        if (len == 0)
            continue;
        ref_blind(t, len, z);
        k = azk_names__memo_hash_blind(c, t, len, (uint32_t)(r & 3));
        ref = azk_names__memo_hash_ref(c, z, len, (uint32_t)(r & 3));
        assert_true(k.a == ref.a && k.b == ref.b);
        {
            /* the field memo's key says from the same loads whether a byte >= 0x80 is there */
            bool wide = false, any = false;
            struct memo_key f = azk_names__field_key(c, t, len, (uint32_t)(r & 3), &wide);
            for (size_t d = 0; d < len; d++)
                any = any || t[d] >= 0x80;
            assert_true(f.a == k.a && f.b == k.b);
            assert_true(wide == any);
        }
        /* another digit where the key reads '0': the same key */
        for (size_t d = 0; d < len; d++) {
            if (z[d] == '0' && t[d] != '0' && t[d] != '5') { /* a digit the key reads '0' */
                uint8_t was = t[d];
                t[d] = '5';
                ref = azk_names__memo_hash_blind(c, t, len, (uint32_t)(r & 3));
                assert_true(k.a == ref.a && k.b == ref.b);
                t[d] = was;
                break;
            }
        }
    }
    /* every lead byte and 第 at every distance before a digit, at every offset of a block */
    {
        static const char *const leads[] = {"\xc8", "\xe1", "\xf0", "\xf8", "\xfc", "\xfe",
                                            "第",   "件",   "\xbf", "\xc0", "\xdf", "\xe0",
                                            "\xe6", "\xe7", "\xef", "\xf7", "\xfb"};
        for (size_t o = 0; o < 40; o++) {
            for (size_t l = 0; l < sizeof(leads) / sizeof(leads[0]); l++) {
                for (size_t g = 0; g < 7; g++) {
                    size_t len = 0;
                    struct memo_key k, ref;
                    memset(t, 'x', o);
                    len = o;
                    memcpy(t + len, leads[l], strlen(leads[l]));
                    len += strlen(leads[l]);
                    memset(t + len, 'a', g);
                    len += g;
                    /* then a whole block after it */
                    memcpy(t + len, "73 件数12 abcdefghijklmnop",
                           strlen("73 件数12 abcdefghijklmnop"));
                    len += strlen("73 件数12 abcdefghijklmnop");
                    ref_blind(t, len, z);
                    k = azk_names__memo_hash_blind(c, t, len, 0);
                    ref = azk_names__memo_hash_ref(c, z, len, 0);
                    assert_true(k.a == ref.a && k.b == ref.b);
                }
            }
        }
    }
    /*
     * a kept digit first (第, stray lead bytes), at every offset, then runs
     * of digits after kanji in the same and later blocks: kept and blind
     * digits mixed in one key
     */
    {
        static const char *const heads[] = {"第", "\xfc", "\xf8", "\xf0", "\xe1", "\xc8"};
        static const char *const tails[] = {
            "1234567件数12 件数3456 第9 山田7606様 \xfc"
            "12345 第0 件1",
            "12件3第45\xe1"
            "6789件数0123456789012345",
            "9",
        };
        for (size_t o = 0; o < 40; o++) {
            for (size_t h = 0; h < sizeof(heads) / sizeof(heads[0]); h++) {
                for (size_t u = 0; u < sizeof(tails) / sizeof(tails[0]); u++) {
                    size_t len = o;
                    struct memo_key k, ref;
                    memset(t, 'x', o);
                    memcpy(t + len, heads[h], strlen(heads[h]));
                    len += strlen(heads[h]);
                    memcpy(t + len, tails[u], strlen(tails[u]));
                    len += strlen(tails[u]);
                    ref_blind(t, len, z);
                    k = azk_names__memo_hash_blind(c, t, len, 1);
                    ref = azk_names__memo_hash_ref(c, z, len, 1);
                    assert_true(k.a == ref.a && k.b == ref.b);
                }
            }
        }
    }
    /* kept digits are part of the key */
    {
        static const char *const pairs[][2] = {
            {"第1期線の山田太郎様", "第3期線の山田太郎様"},
            {"\xc8"
             "0林様",
             "\xc8"
             "7林様"},
            {"\xe1"
             "a4佐藤さん",
             "\xe1"
             "a8佐藤さん"},
            {"x\xfc"
             "abcd1",
             "x\xfc"
             "abcd2"},
        };
        for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
            struct memo_key a =
                azk_names__memo_hash_blind(c, (const uint8_t *)pairs[i][0], strlen(pairs[i][0]), 0);
            struct memo_key b =
                azk_names__memo_hash_blind(c, (const uint8_t *)pairs[i][1], strlen(pairs[i][1]), 0);
            assert_false(a.a == b.a && a.b == b.b);
        }
    }
    azk_names__ctx_free(c);
}

/*
 * azk_names__digit_kept (a word-wide test from 8 bytes on, byte by byte
 * before) against ref_blind's byte-by-byte reading, for a digit at every
 * offset 0..12 after every mix of bytes that can reach it or not: each
 * lead byte class at its limit and past it, continuation bytes, 第's
 * bytes, ASCII.
 */
static void test_names_memo__digit_kept(void **state)
{
    static const uint8_t bytes[] = {'a',  '0',  0x7F, 0x80, 0xAC, 0xBF, 0xC0, 0xDF, 0xE0,
                                    0xE7, 0xEF, 0xF0, 0xF7, 0xF8, 0xFB, 0xFC, 0xFF};
    enum { NB = sizeof(bytes) };
    uint8_t t[16], z[16];
    (void)state;
    srand(5309);
    for (size_t d = 0; d <= 12; d++) {
        /* every byte at every distance 1..5 (the rest ASCII), then random mixes */
        for (size_t k = 1; k <= 5 && k <= d; k++) {
            for (size_t b = 0; b < NB; b++) {
                memset(t, 'x', sizeof(t));
                t[d] = '7';
                t[d - k] = bytes[b];
                ref_blind(t, d + 1, z);
                assert_int_equal(azk_names__digit_kept(t, d), z[d] == '7');
            }
        }
        for (int r = 0; r < 20000; r++) {
            for (size_t j = 0; j < d; j++)
                t[j] = bytes[(size_t)rand() % NB];
            if (d >= 3 && rand() % 4 == 0)
                memcpy(t + d - 3, "第", 3);
            t[d] = '7';
            ref_blind(t, d + 1, z);
            assert_int_equal(azk_names__digit_kept(t, d), z[d] == '7');
        }
    }
}

/*
 * The one-block key of fields of 1..16 bytes (azk_names__field_key_short,
 * azk_names__scan's path for short cells) against the byte-by-byte
 * reference and the loop's key: random bytes of every class (digits,
 * ASCII, lead bytes C0..FF, continuation bytes, 第's bytes) at every
 * length, and a lead byte or 第 at every distance before a digit run at
 * every offset; whether the field holds a byte >= 0x80 from the same load.
 */
static void test_names_memo__short_key(void **state)
{
#ifdef AZK_NAMES_KEY_SHORT
    static const uint8_t alphabet[] = {'0',  '1',  '5',  '9',  'a',  ' ',  ':',  '-',  0x80,
                                       0xAC, 0xBF, 0xC0, 0xC8, 0xDF, 0xE0, 0xE1, 0xE7, 0xEF,
                                       0xF0, 0xF7, 0xF8, 0xFB, 0xFC, 0xFE, 0xFF, '7'};
    static const char *const leads[] = {"第",   "件",   "\xc8", "\xe1", "\xf0", "\xf8",
                                        "\xfc", "\xbf", "\xc0", "\xdf", "\xe0", "\xe7",
                                        "\xef", "\xf7", "\xfb", "ｶ"};
    azk_names_ctx *c = NULL;
    uint8_t t[32], z[32];
    unsigned made = 0, ascii = 0, kept = 0;
    (void)state;
    assert_int_equal(azk_names__ctx_new(&c, names), AZK_OK);
    srand(16016);
    for (int r = 0; r < 200000; r++) {
        size_t len = 1 + (size_t)rand() % 16;
        uint32_t col = (uint32_t)(r & 7);
        struct memo_key k = {0, 0}, ref, loop;
        bool any = false, wide = false, got;
        for (size_t d = 0; d < len; d++) {
            /* mostly ASCII and digits now and then, to reach the ASCII-only answer too */
            t[d] = r % 3 == 0 ? (uint8_t) "0123456789abc "[rand() % 14]
                              : alphabet[(size_t)rand() % sizeof(alphabet)];
            any = any || t[d] >= 0x80;
        }
        got = azk_names__field_key_short(c, t, len, col, &k);
        assert_true(got == any);
        if (!got) {
            ascii++;
            continue;
        }
        made++;
        ref_blind(t, len, z);
        ref = azk_names__memo_hash_ref(c, z, len, col);
        loop = azk_names__field_key(c, t, len, col, &wide);
        assert_true(wide);
        assert_true(k.a == ref.a && k.b == ref.b);
        assert_true(k.a == loop.a && k.b == loop.b);
        for (size_t d = 0; d < len; d++) {
            if (z[d] >= '1' && z[d] <= '9') { /* a digit the key keeps */
                kept++;
                break;
            }
        }
    }
    for (size_t o = 0; o < 14; o++) {
        for (size_t l = 0; l < sizeof(leads) / sizeof(leads[0]); l++) {
            for (size_t g = 0; g < 6; g++) {
                for (size_t n = 1; n <= 3; n++) {
                    size_t len = o, ll = strlen(leads[l]);
                    struct memo_key k = {0, 0}, ref;
                    memset(t, 'x', o);
                    if (len + ll + g + n > 16)
                        continue;
                    memcpy(t + len, leads[l], ll);
                    len += ll;
                    memset(t + len, 'a', g);
                    len += g;
                    memcpy(t + len, "5926", n);
                    len += n;
                    assert_true(azk_names__field_key_short(c, t, len, 2, &k));
                    ref_blind(t, len, z);
                    ref = azk_names__memo_hash_ref(c, z, len, 2);
                    assert_true(k.a == ref.a && k.b == ref.b);
                }
            }
        }
    }
    /* both answers and kept digits were reached */
    assert_true(made > 1000 && ascii > 1000 && kept > 100);
    azk_names__ctx_free(c);
#else
    (void)state;
    skip();
#endif
}

/*
 * The AVX2 key of fields of 17..FIELD_MAX_LEN bytes (azk_names__field_key_avx2,
 * azk_names__scan's path on CPUs with AVX2) against the byte-by-byte
 * reference: random texts of the pieces above at every length up to
 * FIELD_MAX_LEN (the last vector with one block or two), random bytes of
 * every class, and a lead byte or 第 at every distance before a digit run
 * at every offset of a 32-byte vector and across vectors (the reach of
 * the bytes before a vector's edge carried into the next), after a kept
 * digit too.
 */
static void test_names_memo__avx2_key(void **state)
{
#ifdef AZK_NAMES_KEY_AVX2
    static const char *const leads[] = {"第",   "件",   "\xc8", "\xe1", "\xf0", "\xf8",
                                        "\xfc", "\xfe", "\xbf", "\xc0", "\xdf", "\xe0",
                                        "\xe6", "\xe7", "\xef", "\xf7", "\xfb"};
    static const char *const after[] = {"73 件数12 abcdefghijklmnop", "5",
                                        "12件3第45\xe1"
                                        "6789件数0123456789012345 第6 7"};
    static const uint8_t alphabet[] = {'0',  '1',  '5',  '9',  'a',  ' ',  0x80,
                                       0xAC, 0xBF, 0xC0, 0xC8, 0xDF, 0xE0, 0xE1,
                                       0xE7, 0xEF, 0xF0, 0xF8, 0xFC, 0xFF, '7'};
    azk_names_ctx *c = NULL;
    uint8_t t[FIELD_MAX_LEN + 64], z[FIELD_MAX_LEN + 64];
    unsigned kept = 0;
    (void)state;
    if (!__builtin_cpu_supports("avx2"))
        skip();
    assert_int_equal(azk_names__ctx_new(&c, names), AZK_OK);
    srand(3232);
    for (int r = 0; r < 40000; r++) {
        size_t len = 0;
        size_t want = 1 + (size_t)rand() % FIELD_MAX_LEN;
        uint32_t col = (uint32_t)(r & 3);
        struct memo_key k, ref;
        bool wide = false, any = false;
        if (r % 2 == 0) {
            len = fill_pieces(t, want);
        } else {
            for (; len < want; len++)
                t[len] = r % 4 == 1 ? (uint8_t) "0123456789ab "[rand() % 13]
                                    : alphabet[(size_t)rand() % sizeof(alphabet)];
        }
        if (len == 0)
            continue;
        for (size_t d = 0; d < len; d++)
            any = any || t[d] >= 0x80;
        k = azk_names__field_key_avx2(c, t, len, col, &wide);
        assert_true(wide == any);
        ref_blind(t, len, z);
        ref = azk_names__memo_hash_ref(c, z, len, col);
        assert_true(k.a == ref.a && k.b == ref.b);
        for (size_t d = 0; d < len; d++) {
            if (z[d] >= '1' && z[d] <= '9') {
                kept++;
                break;
            }
        }
    }
    /* a lead byte or 第 at every distance before digits at every offset, then more */
    for (size_t o = 0; o < 70; o++) {
        for (size_t l = 0; l < sizeof(leads) / sizeof(leads[0]); l++) {
            for (size_t g = 0; g < 7; g++) {
                for (size_t e = 0; e < sizeof(after) / sizeof(after[0]); e++) {
                    size_t len = o;
                    bool wide = false;
                    struct memo_key k, ref;
                    memset(t, o % 3 == 0 ? '7' : 'x', o); /* digits before the lead too */
                    memcpy(t + len, leads[l], strlen(leads[l]));
                    len += strlen(leads[l]);
                    memset(t + len, 'a', g);
                    len += g;
                    memcpy(t + len, after[e], strlen(after[e]));
                    len += strlen(after[e]);
                    ref_blind(t, len, z);
                    k = azk_names__field_key_avx2(c, t, len, 1, &wide);
                    ref = azk_names__memo_hash_ref(c, z, len, 1);
                    assert_true(wide);
                    assert_true(k.a == ref.a && k.b == ref.b);
                }
            }
        }
    }
    assert_true(kept > 500);
    azk_names__ctx_free(c);
#else
    (void)state;
    skip();
#endif
}

/*
 * The field memo (azk_names__scan, fields up to FIELD_MAX_LEN bytes): one
 * context scanning lines that differ in their digits, and the same lines
 * with other digits, finds on each what a fresh context finds -- kanji and
 * kana boundaries, half-width kana, 々, honorifics, names at the start and
 * end of a field, labels, invalid UTF-8 around digits, fields of 255, 256
 * and 257 bytes and a long run past the memo's reach, in every column kind
 * that takes free text.
 */
static void test_names_memo__field_memo(void **state)
{
    static const char *const lines[] = {
        "山田太郎様 受付 12",
        "受付 42 件 山田太郎様",
        "2024-03-05 12:34:56 INFO 送付先 佐々木花子さん 3件",
        "ﾔﾏﾀﾞ ﾀﾛｳ様 1234",
        "ﾔﾏﾀﾞﾀﾛｳ 55 ｻﾏ",
        "氏名：田中 陽子 (39歳)",
        "name=小野さくら id=77",
        "件数7606 処理完了 トレイ9",
        "件数7606 処理完了 ジョブ受付",
        "第3工場 鈴木 一郎 殿 内線27",
        "第7工場 出荷 12 件",
        "高橋 基信 <user1@example.jp> 2",
        "\xc8"
        "0林様",
        "\xc8"
        "7林様",
        "\xe1"
        "a8佐藤花子さん",
        "ヤマダ タロウ 12 ｶﾞ",
        "担当：経理部 3",
        "髙橋 99 様",
        "様式3 殿堂1 氏名欄 5",
        "12345",
        "山田",
    };
    static const azk_column_kind cols[] = {AZK_COL_NONE, AZK_COL_ADDRESS, AZK_COL_NAME};
    azk_names_ctx *c = NULL;
    char x[1200], y[1200];
    (void)state;
    assert_int_equal(azk_names__ctx_new(&c, names), AZK_OK);
    srand(991);
    for (size_t pass = 0; pass < 3; pass++) {
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
            for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
                for (int r = 0; r < 4; r++) {
                    azk_names_ctx *fresh = NULL;
                    struct hits ref, hs;
                    size_t n = strlen(lines[i]);
                    memcpy(x, lines[i], n + 1);
                    for (size_t d = 0; d < n; d++) {
                        if (x[d] >= '0' && x[d] <= '9')
                            x[d] = (char)('0' + rand() % 10);
                    }
                    /* pad to the memo's edge and past it: 255, 256, 257, 1100 bytes */
                    if (pass > 0) {
                        size_t to = pass == 1 ? (size_t)(255 + r % 3) : 1100;
                        size_t m = n;
                        while (m < to) {
                            x[m] = (char)(m % 7 == 0 ? ' ' : '0' + rand() % 10);
                            m++;
                        }
                        x[m] = 0;
                        if (r == 3) {
                            /* the names at the end of the field */
                            memmove(y, x + n, m - n);
                            memcpy(y + (m - n), lines[i], n + 1);
                            memcpy(x, y, m + 1);
                        }
                    }
                    assert_int_equal(azk_names__ctx_new(&fresh, names), AZK_OK);
                    ref = names_run(fresh, x, cols[k]);
                    azk_names__ctx_free(fresh);
                    hs = names_run(c, x, cols[k]);
                    hits_equal(&hs, &ref);
                    hs = names_run(c, x, cols[k]); /* now remembered when it found nothing */
                    hits_equal(&hs, &ref);
                }
            }
        }
    }
    azk_names__ctx_free(c);
}

/* A collector that stops the scan at its stop-th mention with an error. */
struct stopping {
    struct hits hs;
    size_t stop;
};

static azk_status collect_stop(const azk_name_hit *hit, void *payload)
{
    struct stopping *st = payload;
    (void)collect(hit, &st->hs);
    return st->hs.count == st->stop ? AZK_ERR_LIMIT : AZK_OK;
}

/*
 * The hit memo (azk_names__scan, fields up to FIELD_MAX_LEN bytes with 1..
 * HIT_MAX mentions): a remembering context reports for a field with the
 * key of one seen before (the same line with other digits) the mentions a
 * fresh context finds -- one to five names (five is past HIT_MAX: never
 * remembered), kana readings, folded half-width kana and variant kanji,
 * names at the field's end, every column kind -- and a callback that
 * stops the scan at its n-th mention sees the same mentions and status.
 */
static void test_names_memo__hit_memo(void **state)
{
    static const char *const lines[] = {
        "受付 42 件 山田太郎様",
        "2024-03-05 12:34:56 INFO 送付先 佐々木花子さん 3件 担当 鈴木一郎様",
        "ﾔﾏﾀﾞ ﾀﾛｳ様 1234 髙橋 99 様",
        "氏名：田中 陽子 (39歳) 連絡先 090-1234-5678",
        "name=小野さくら id=77 name=中村 健 id=8",
        "山田太郎様 12 佐藤花子様 3 鈴木一郎様 45 高橋次郎様 6 伊藤三郎様 7",
        "第3工場 鈴木 一郎 殿 内線27",
        "ヤマダ タロウ 12 様 田中 陽子 3",
        "\xc8"
        "0林様 山本一郎様 1",
        "山田",
    };
    static const azk_column_kind cols[] = {AZK_COL_NONE, AZK_COL_ADDRESS, AZK_COL_NAME};
    azk_names_ctx *c = NULL;
    char x[300];
    (void)state;
    assert_int_equal(azk_names__ctx_new(&c, names), AZK_OK);
    srand(4242);
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        for (size_t k = 0; k < sizeof(cols) / sizeof(cols[0]); k++) {
            for (int r = 0; r < 6; r++) {
                azk_names_ctx *fresh = NULL;
                struct hits ref, hs;
                size_t n = strlen(lines[i]);
                memcpy(x, lines[i], n + 1);
                for (size_t d = 0; d < n; d++) {
                    if (x[d] >= '0' && x[d] <= '9')
                        x[d] = (char)('0' + rand() % 10);
                }
                assert_int_equal(azk_names__ctx_new(&fresh, names), AZK_OK);
                ref = names_run(fresh, x, cols[k]);
                hs = names_run(c, x, cols[k]);
                hits_equal(&hs, &ref);
                hs = names_run(c, x, cols[k]); /* remembered, with its mentions */
                hits_equal(&hs, &ref);
                for (size_t stop = 1; stop <= ref.count && stop <= 3; stop++) {
                    struct stopping a, b;
                    azk_status ra, rb;
                    azk_names_ctx *plain = NULL;
                    memset(&a, 0, sizeof(a));
                    memset(&b, 0, sizeof(b));
                    a.stop = b.stop = stop;
                    ra = azk_names__scan(c, x, n, cols[k], collect_stop, &a);
                    assert_int_equal(azk_names__ctx_new(&plain, names), AZK_OK);
                    rb = azk_names__scan(plain, x, n, cols[k], collect_stop, &b);
                    azk_names__ctx_free(plain);
                    assert_int_equal(ra, rb);
                    assert_int_equal(ra, AZK_ERR_LIMIT);
                    hits_equal(&a.hs, &b.hs);
                    assert_int_equal(a.hs.count, stop);
                }
                azk_names__ctx_free(fresh);
            }
        }
    }
    azk_names__ctx_free(c);
}

/*
 * The two memo tests through azk_names__scan's path without AVX2
 * (scan_long's SSE2 loop) as well: on a CPU with AVX2 the tests above take
 * scan_long_avx2 for fields longer than 16 bytes.
 */
static void test_names_memo__memos_without_avx2(void **state)
{
    bool was = names->avx2;
    names->avx2 = false;
    test_names_memo__field_memo(state);
    test_names_memo__hit_memo(state);
    names->avx2 = was;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_memo__mecab_digit_blind),
        cmocka_unit_test(test_names_memo__digit_windows),
        cmocka_unit_test(test_names_memo__digits_after_broken_utf8),
        cmocka_unit_test(test_names_memo__blind_key),
        cmocka_unit_test(test_names_memo__digit_kept),
        cmocka_unit_test(test_names_memo__short_key),
        cmocka_unit_test(test_names_memo__avx2_key),
        cmocka_unit_test(test_names_memo__field_memo),
        cmocka_unit_test(test_names_memo__hit_memo),
        cmocka_unit_test(test_names_memo__memos_without_avx2),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
