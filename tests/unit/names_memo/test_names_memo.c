/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/names_memo -- the person-name detector's memos (names.c,
 * names_field.c): what they key by must decide the result. The MeCab memo
 * reads ASCII digits as '0' (except after 第) with IPAdic 2.7.0: MeCab's
 * own tokens do not change with the digits, windows that differ only in
 * digits share one parse, and results equal a fresh context's.
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_memo__mecab_digit_blind),
        cmocka_unit_test(test_names_memo__digit_windows),
        cmocka_unit_test(test_names_memo__digits_after_broken_utf8),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
