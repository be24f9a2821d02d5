/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/names -- Japanese person-name detection (detect/names.h):
 * lexicon lookups, honorific / label / kana / column cues, negatives that
 * share characters with surnames, one finding per mention, byte spans on
 * multibyte text, allocation failures. All names are synthetic: common
 * IPAdic surname and given-name entries combined at random, checked
 * against the lexicon before use.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/names.h"
#include "detect/names_scan.h"
#include "names_run.h"

static azk_names *names;
static azk_names_ctx *ctx;

static int setup(void **state)
{
    (void)state;
    if (azk_names__new(&names, NULL) != AZK_OK)
        return -1;
    if (azk_names__ctx_new(&ctx, names) != AZK_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    azk_names__ctx_free(ctx);
    azk_names__free(names);
    return 0;
}

static struct hits scan_col(const char *text, azk_column_kind col)
{
    return names_run(ctx, text, col);
}

static struct hits scan(const char *text)
{
    return scan_col(text, AZK_COL_NONE);
}

/* Number of hits at or above the default reporting threshold (0.5). */
static size_t reported(const struct hits *hs)
{
    size_t n = 0;
    for (size_t i = 0; i < hs->count && i < MAX_HITS; i++)
        n += hs->h[i].confidence >= 0.5;
    return n;
}

/* Exactly one hit covering `name` (first occurrence in text). */
static const azk_name_hit *expect_one(const struct hits *hs, const char *text, const char *name,
                                      const char *family)
{
    const char *at = strstr(text, name);
    assert_non_null(at);
    assert_int_equal(hs->count, 1);
    assert_int_equal(hs->h[0].start, (size_t)(at - text));
    assert_int_equal(hs->h[0].len, strlen(name));
    assert_int_equal(hs->h[0].family_len, family != NULL ? strlen(family) : 0);
    assert_true(hs->h[0].confidence > 0.0 && hs->h[0].confidence <= 1.0);
    return &hs->h[0];
}

static void test_names__lexicon(void **state)
{
    (void)state;
    assert_true(azk_names__is_family(names, "山田", strlen("山田")));
    assert_true(azk_names__is_family(names, "佐藤", strlen("佐藤")));
    assert_true(azk_names__is_given(names, "太郎", strlen("太郎")));
    assert_true(azk_names__is_given(names, "花子", strlen("花子")));
    assert_false(azk_names__is_given(names, "山田", strlen("山田")));
    assert_false(azk_names__is_family(names, "太郎", strlen("太郎")));
    /* readings: katakana, hiragana and half-width katakana spellings */
    assert_true(azk_names__is_family(names, "ヤマダ", strlen("ヤマダ")));
    assert_true(azk_names__is_given(names, "たろう", strlen("たろう")));
    assert_true(azk_names__is_family(names, "ｽｽﾞｷ", strlen("ｽｽﾞｷ")));
    assert_false(azk_names__is_family(names, "東京", strlen("東京")));
    assert_false(azk_names__is_family(names, "", 0));
    assert_false(azk_names__is_family(names, "abc", 3));
}

static void test_names__honorific(void **state)
{
    const azk_name_hit *h;
    struct hits hs;
    (void)state;
    hs = scan("山田 太郎様");
    h = expect_one(&hs, "山田 太郎様", "山田 太郎", "山田");
    assert_true(h->confidence >= 0.9);
    assert_false(h->kana);
    hs = scan("佐藤花子さん");
    expect_one(&hs, "佐藤花子さん", "佐藤花子", "佐藤");
    hs = scan("昨日、田中さんは上野駅で降りた。");
    h = expect_one(&hs, "昨日、田中さんは上野駅で降りた。", "田中", "田中");
    assert_true(h->confidence >= 0.8);
    hs = scan("高橋　健二殿");
    expect_one(&hs, "高橋　健二殿", "高橋　健二", "高橋");
    hs = scan("報告者は中村氏である");
    expect_one(&hs, "報告者は中村氏である", "中村", "中村");
}

static void test_names__label(void **state)
{
    struct hits hs;
    const azk_name_hit *h;
    (void)state;
    hs = scan("氏名：鈴木 一郎");
    h = expect_one(&hs, "氏名：鈴木 一郎", "鈴木 一郎", "鈴木");
    assert_true(h->confidence >= 0.85);
    hs = scan("お名前: 山本");
    expect_one(&hs, "お名前: 山本", "山本", "山本");
    hs = scan("ご契約者　伊藤 美咲 様");
    expect_one(&hs, "ご契約者　伊藤 美咲 様", "伊藤 美咲", "伊藤");
    hs = scan("フリガナ：ヤマダ ハナコ");
    h = expect_one(&hs, "フリガナ：ヤマダ ハナコ", "ヤマダ ハナコ", "ヤマダ");
    assert_true(h->kana);
    /* a label whose value is not a name */
    hs = scan("担当：経理部");
    assert_int_equal(hs.count, 0);
    hs = scan("名前を入力してください");
    assert_int_equal(hs.count, 0);
    hs = scan("氏名：八ヶ代 翔太");
    expect_one(&hs, "氏名：八ヶ代 翔太", "八ヶ代 翔太", "八ヶ代");
    hs = scan("氏名：全角で入力");
    assert_int_equal(hs.count, 0);
    hs = scan("氏名：不明");
    assert_int_equal(hs.count, 0);
    /* a surname MeCab reads as a place is still a name after a label */
    hs = scan("氏名: 堺 錦　電話：03-1234-5678");
    expect_one(&hs, "氏名: 堺 錦　電話：03-1234-5678", "堺 錦", "堺");
    /* a whole name, then the next field */
    hs = scan("契約者名=小山万由子　電話：03");
    expect_one(&hs, "契約者名=小山万由子　電話：03", "小山万由子", "小山");
    /* katakana given name after a kanji surname */
    hs = scan("氏名：前田　ヒラリー");
    expect_one(&hs, "氏名：前田　ヒラリー", "前田　ヒラリー", "前田");
}

static void test_names__kana(void **state)
{
    struct hits hs;
    const azk_name_hit *h;
    (void)state;
    hs = scan_col("ヤマダ タロウ", AZK_COL_NAME_KANA);
    h = expect_one(&hs, "ヤマダ タロウ", "ヤマダ タロウ", "ヤマダ");
    assert_true(h->kana);
    assert_true(h->confidence >= 0.9);
    /* half-width katakana: spans stay on the input bytes */
    hs = scan_col("ｽｽﾞｷ ｲﾁﾛｳ", AZK_COL_NAME_KANA);
    h = expect_one(&hs, "ｽｽﾞｷ ｲﾁﾛｳ", "ｽｽﾞｷ ｲﾁﾛｳ", "ｽｽﾞｷ");
    assert_true(h->kana);
    /* no space: split by the reading lexicon; hiragana too */
    hs = scan_col("やまだはなこ", AZK_COL_NAME_KANA);
    expect_one(&hs, "やまだはなこ", "やまだはなこ", "やまだ");
    /* free text: reading pair, with and without honorific */
    hs = scan("宛先 ヤマダ タロウ 確認済");
    expect_one(&hs, "宛先 ヤマダ タロウ 確認済", "ヤマダ タロウ", "ヤマダ");
    hs = scan("ﾀﾅｶ ｲﾁﾛｳ様");
    expect_one(&hs, "ﾀﾅｶ ｲﾁﾛｳ様", "ﾀﾅｶ ｲﾁﾛｳ", "ﾀﾅｶ");
    hs = scan("担当のジョン・スミス様");
    expect_one(&hs, "担当のジョン・スミス様", "ジョン・スミス", NULL);
    hs = scan("データ ベース サーバ ログイン");
    assert_int_equal(hs.count, 0);
    /* a kana column holding kanji is not a kana name */
    hs = scan_col("山田", AZK_COL_NAME_KANA);
    assert_int_equal(reported(&hs), 0);
}

/*
 * Name-column cells with an organisation word anywhere (names_field.c
 * looks the words up only when a code point of the cell starts one):
 * never a name; cells whose names start like one (大野, 会田) still are.
 */
static void test_names__column_org_words(void **state)
{
    static const char *const org[] = {
        "株式会社", "有限会社", "合同会社", "会社", "銀行",   "支店",
        "協会",     "組合",     "法人",     "病院", "大学",   "学校",
        "事務所",   "商店",     "信用金庫", "御中", "営業所", "センター",
    };
    char cell[128];
    struct hits hs;
    (void)state;
    for (size_t k = 0; k < sizeof(org) / sizeof(org[0]); k++) {
        /* before, after, as the second part, inside; 鬮鬯 is in no lexicon
         * entry, so free text (the fallback) finds nothing there */
        static const char *const forms[][2] = {
            {"鬮鬯", ""}, {"", "鬮鬯"}, {"鬮鬯 ", ""}, {"", " 鬮鬯"}, {"鬮", "鬯様"}};
        for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
            snprintf(cell, sizeof(cell), "%s%s%s", forms[f][0], org[k], forms[f][1]);
            hs = scan_col(cell, AZK_COL_NAME);
            assert_int_equal(hs.count, 0);
        }
    }
    hs = scan_col("鬮鬯 センター", AZK_COL_NAME_KANA);
    assert_int_equal(hs.count, 0);
    hs = scan_col("鬮鬯 鬲", AZK_COL_NAME);
    assert_int_equal(hs.count, 1);
    hs = scan_col("大野 太郎", AZK_COL_NAME);
    expect_one(&hs, "大野 太郎", "大野 太郎", "大野");
    hs = scan_col("会田花子様", AZK_COL_NAME);
    expect_one(&hs, "会田花子様", "会田花子", "会田");
    hs = scan_col("セイコ", AZK_COL_NAME_KANA);
    assert_int_equal(reported(&hs), 1);
}

static void test_names__columns(void **state)
{
    struct hits hs;
    const azk_name_hit *h;
    (void)state;
    hs = scan_col("山田太郎", AZK_COL_NAME);
    h = expect_one(&hs, "山田太郎", "山田太郎", "山田");
    assert_true(h->confidence >= 0.9);
    hs = scan_col("　佐藤 花子 ", AZK_COL_NAME);
    expect_one(&hs, "　佐藤 花子 ", "佐藤 花子", "佐藤");
    hs = scan_col("鈴木一郎様", AZK_COL_NAME);
    expect_one(&hs, "鈴木一郎様", "鈴木一郎", "鈴木");
    hs = scan_col("田中", AZK_COL_FAMILY_NAME);
    expect_one(&hs, "田中", "田中", "田中");
    hs = scan_col("花子", AZK_COL_GIVEN_NAME);
    expect_one(&hs, "花子", "花子", NULL);
    /* unknown to the lexicon but shaped like a name: reported, lower */
    hs = scan_col("鬮鬯 鬲", AZK_COL_NAME);
    h = expect_one(&hs, "鬮鬯 鬲", "鬮鬯 鬲", "鬮鬯");
    assert_true(h->confidence < 0.95);
    /* not names */
    hs = scan_col("不明", AZK_COL_NAME);
    assert_int_equal(hs.count, 0);
    hs = scan_col("株式会社山田商事", AZK_COL_NAME);
    assert_int_equal(reported(&hs), 0);
    hs = scan_col("12345", AZK_COL_NAME);
    assert_int_equal(hs.count, 0);
    hs = scan_col("", AZK_COL_NAME);
    assert_int_equal(hs.count, 0);
    /* a name column with two names falls back to free text */
    hs = scan_col("山田太郎様、佐藤花子様", AZK_COL_NAME);
    assert_int_equal(hs.count, 2);
}

/* The per-context memo of cells without a mention: keyed on the column
 * kind too, and never on a cell that held a mention. */
static void test_names__memo(void **state)
{
    struct hits hs;
    (void)state;
    for (int k = 0; k < 3; k++) {
        hs = scan("田中");
        assert_int_equal(hs.count, 0); /* a surname alone in free text */
        hs = scan_col("田中", AZK_COL_FAMILY_NAME);
        expect_one(&hs, "田中", "田中", "田中");
        hs = scan("山田太郎様");
        expect_one(&hs, "山田太郎様", "山田太郎", "山田");
        hs = scan_col("圧着ハガキ", AZK_COL_NAME_KANA);
        assert_int_equal(hs.count, 0);
        hs = scan("圧着ハガキ");
        assert_int_equal(hs.count, 0);
    }
    /* free-text words are remembered with what follows one space */
    for (int k = 0; k < 3; k++) {
        hs = scan("ID 山田 OK 所要 1分");
        assert_int_equal(hs.count, 0);
        hs = scan("ID 山田 太郎様 OK 所要 2分");
        expect_one(&hs, "ID 山田 太郎様 OK 所要 2分", "山田 太郎", "山田");
        hs = scan("ID 山田\t花子さん");
        expect_one(&hs, "ID 山田\t花子さん", "山田\t花子", "山田");
    }
    /* a remembered cell inside a longer field is scanned again */
    hs = scan("田中様");
    expect_one(&hs, "田中様", "田中", "田中");
}

static void test_names__negatives(void **state)
{
    static const char *const neg[] = {
        "東京都中央区",
        "本田技研工業株式会社",
        "様式第1号",
        "田中駅",
        "日本銀行",
        "上野駅前支店",
        "大和市役所",
        "皆様へ。お客様各位。お母さんと王様。",
        "様子を見る",
        "氏名欄は必須です",
        "2024-01-01 12:00:00 INFO job=4411 status=ok user=batch",
        "ERROR: connection refused (errno=111)",
        "本日、山田が来社しました。",
        "山田の件は後で",
        "明治安田生命様",
        "小林製薬様",
        "イオン様",
        "ニトリ様",
        "ローソン様",
        "トヨタ様",
        "三菱UFJ銀行 渋谷支店",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(neg) / sizeof(neg[0]); i++) {
        struct hits hs = scan(neg[i]);
        if (reported(&hs) != 0)
            fail_msg("negative case %zu reported", i);
    }
}

static void test_names__ascii_fast_path(void **state)
{
    char line[4096];
    unsigned long before = azk_names__ctx_mecab_calls(ctx);
    struct hits hs;
    (void)state;
    memset(line, 'a', sizeof(line) - 1);
    line[sizeof(line) - 1] = 0;
    for (size_t i = 0; i < sizeof(line) - 1; i += 17)
        line[i] = ' ';
    hs = scan(line);
    assert_int_equal(hs.count, 0);
    /* a lone surname with no cue costs no MeCab call either */
    hs = scan("log: 山田 ok");
    assert_int_equal(hs.count, 0);
    assert_int_equal(azk_names__ctx_mecab_calls(ctx), before);
}

static void test_names__one_per_mention(void **state)
{
    struct hits hs;
    const char *t = "山田太郎様、山田太郎様、佐藤様";
    (void)state;
    hs = scan(t);
    assert_int_equal(hs.count, 3);
    assert_int_equal(hs.h[0].start, 0);
    assert_int_equal(hs.h[0].len, strlen("山田太郎"));
    assert_int_equal(hs.h[1].start, strlen("山田太郎様、"));
    assert_int_equal(hs.h[2].start, strlen("山田太郎様、山田太郎様、"));
    assert_int_equal(hs.h[2].len, strlen("佐藤"));
    /* a label and an honorific on the same mention: one finding */
    hs = scan("氏名：山田太郎様");
    expect_one(&hs, "氏名：山田太郎様", "山田太郎", "山田");
    for (size_t i = 1; i < hs.count && i < MAX_HITS; i++)
        assert_true(hs.h[i].start >= hs.h[i - 1].start + hs.h[i - 1].len);
}

/* Known surname + a given name IPAdic does not list + honorific. */
static void test_names__unlisted_given(void **state)
{
    static const char *const neg[] = {"山田三名様",   "佐藤二人様",         "山田部長様",
                                      "鈴木社長様",   "山田電機様",         "中村屋さん",
                                      "山田工務店様", "田中歯科さん",       "佐藤薬局様",
                                      "高橋医院様",   "山田 陽翔からの連絡"};
    struct hits hs;
    const azk_name_hit *h;
    (void)state;
    assert_false(azk_names__is_given(names, "陽翔", strlen("陽翔")));
    hs = scan("山田 陽翔様");
    h = expect_one(&hs, "山田 陽翔様", "山田 陽翔", "山田");
    assert_true(h->confidence >= 0.8);
    hs = scan("佐藤結愛さんより入金");
    expect_one(&hs, "佐藤結愛さんより入金", "佐藤結愛", "佐藤");
    /* the surname is a place name too (佐賀) and MeCab reads it so */
    hs = scan("本日、佐賀　結愛さんが来店。");
    expect_one(&hs, "本日、佐賀　結愛さんが来店。", "佐賀　結愛", "佐賀");
    hs = scan("田中大翔君");
    expect_one(&hs, "田中大翔君", "田中大翔", "田中");
    /* hiragana given names */
    hs = scan("山田さくら様");
    expect_one(&hs, "山田さくら様", "山田さくら", "山田");
    hs = scan("佐藤 ひなたさん");
    expect_one(&hs, "佐藤 ひなたさん", "佐藤 ひなた", "佐藤");
    hs = scan("鈴木からさんへ");
    assert_int_equal(reported(&hs), 0);
    for (size_t i = 0; i < sizeof(neg) / sizeof(neg[0]); i++) {
        hs = scan(neg[i]);
        if (reported(&hs) != 0)
            fail_msg("title/business case %zu reported", i);
    }
}

/* Variant kanji (異体字) in names fold before lookups; spans stay on input bytes. */
static void test_names__variant_kanji(void **state)
{
    struct hits hs;
    (void)state;
    assert_true(azk_names__is_family(names, "髙橋", strlen("髙橋")));
    assert_true(azk_names__is_family(names, "渡邊", strlen("渡邊")));
    hs = scan("髙橋 一郎様");
    expect_one(&hs, "髙橋 一郎様", "髙橋 一郎", "髙橋");
    hs = scan("担当の﨑山花子さん");
    expect_one(&hs, "担当の﨑山花子さん", "﨑山花子", "﨑山");
    /* U+20BB7 (4 bytes) folds to 吉 (3 bytes) */
    hs = scan("宛先：𠮷田 太郎様");
    expect_one(&hs, "宛先：𠮷田 太郎様", "𠮷田 太郎", "𠮷田");
    hs = scan_col("濵田　直美", AZK_COL_NAME);
    expect_one(&hs, "濵田　直美", "濵田　直美", "濵田");
}

static void test_names__spans_multibyte(void **state)
{
    const char *t = "2024/01/02 発送: ａｂｃ ① 宛先＝小林 真一様（再送）";
    struct hits hs;
    (void)state;
    hs = scan(t);
    expect_one(&hs, t, "小林 真一", "小林");
    /* half-width kana before the name shifts normalised offsets */
    t = "ｶﾅ ﾃｽﾄ 加藤 健一さん ｵﾜﾘ";
    hs = scan(t);
    expect_one(&hs, t, "加藤 健一", "加藤");
}

/*
 * Free text is folded only when the scan reaches a word the word memo does
 * not know (remembered words never hold a code point that folds): a
 * half-width or variant-kanji name after remembered words and ASCII is
 * still folded, found, and reported on the input bytes.
 */
static void test_names__fold_after_memo(void **state)
{
    static const char *const lines[] = {
        "処理完了 OK ﾀﾅｶ ｲﾁﾛｳ様",
        "処理完了 OK 髙橋 一郎様",
        "処理完了 OK name=ﾔﾏﾀﾞ ﾀﾛｳ",
        "処理完了 OK 送付先 ﾔﾏﾀﾞ ﾀﾛｳ",
        "処理完了 OK 宛先：𠮷田 太郎様",
        /* no fold at all: the scan goes on over the caller's bytes */
        "処理完了 OK 高橋 基信 <user@example.jp>",
        "処理完了 OK 顧客名=坂本 さくら 様",
        "処理完了 OK 林 誠様",
        "山田 太郎様 処理完了 OK",
    };
    static const char *const names_in[] = {
        "ﾀﾅｶ ｲﾁﾛｳ",  "髙橋 一郎",   "ﾔﾏﾀﾞ ﾀﾛｳ", "ﾔﾏﾀﾞ ﾀﾛｳ",  "𠮷田 太郎",
        "高橋 基信", "坂本 さくら", "林 誠",    "山田 太郎",
    };
    static const char *const families[] = {"ﾀﾅｶ",  "髙橋", "ﾔﾏﾀﾞ", "ﾔﾏﾀﾞ", "𠮷田",
                                           "高橋", "坂本", "林",   "山田"};
    (void)state;
    for (int k = 0; k < 3; k++) {
        struct hits hs = scan("処理完了 OK 所要 1分");
        assert_int_equal(hs.count, 0);
        for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
            hs = scan(lines[i]);
            expect_one(&hs, lines[i], names_in[i], families[i]);
        }
    }
    /* a word first seen half-width is remembered folded: the full-width
     * spelling is skipped, the half-width one still folds and finds */
    for (int k = 0; k < 2; k++) {
        struct hits hs = scan("ｶﾅ ﾃｽﾄ OK");
        assert_int_equal(hs.count, 0);
        hs = scan("カナ テスト OK 加藤 健一さん");
        expect_one(&hs, "カナ テスト OK 加藤 健一さん", "加藤 健一", "加藤");
        hs = scan("ｶﾅ ﾃｽﾄ OK ﾀﾅｶ ｲﾁﾛｳ様");
        expect_one(&hs, "ｶﾅ ﾃｽﾄ OK ﾀﾅｶ ｲﾁﾛｳ様", "ﾀﾅｶ ｲﾁﾛｳ", "ﾀﾅｶ");
    }
}

/*
 * Every label, at the start of the field and after remembered words, with
 * the name at the end: the first-code-point screen in front of the label
 * comparison must let each of them through.
 */
static void test_names__every_label(void **state)
{
    static const char *const labels[] = {
        "ご契約者名",   "ご契約者",   "契約者氏名", "契約者名", "契約者",   "氏名カナ",
        "氏名（カナ）", "氏名(カナ)", "カナ氏名",   "フリガナ", "ふりがな", "お名前",
        "氏名",         "名前",       "宛名",       "担当者名", "担当者",   "担当",
        "受取人名",     "受取人",     "申込者名",   "申込者",   "依頼人",   "代表者名",
        "代表者",       "名義人",     "名義",       "顧客氏名", "顧客名",   "お客様名",
    };
    (void)state;
    for (size_t k = 0; k < sizeof(labels) / sizeof(labels[0]); k++) {
        bool kana = strstr(labels[k], "カナ") != NULL || strstr(labels[k], "ふりがな") != NULL ||
                    strstr(labels[k], "フリガナ") != NULL;
        const char *value = kana ? "ヤマダ タロウ" : "山田 太郎";
        const char *family = kana ? "ヤマダ" : "山田";
        for (int pre = 0; pre < 2; pre++) {
            char text[256];
            struct hits hs;
            snprintf(text, sizeof(text), "%s%s：%s", pre ? "処理完了 OK " : "", labels[k], value);
            hs = scan(text);
            if (hs.count != 1)
                fail_msg("label %zu (%s): %zu hits", k, pre ? "after words" : "at start", hs.count);
            expect_one(&hs, text, value, family);
        }
    }
}

/* Names assembled from common lexicon entries in every combination. */
/*
 * The memo hash (names_scan.h): the SSE2 path gives the scalar NH's value
 * for every length, every byte of a word reaches the key, the column kind
 * too, and a word at the very end of its allocation is hashed from its own
 * bytes only (the tail is read with overlapping loads; ASan checks them).
 */
static void test_names__memo_hash(void **state)
{
    uint8_t buf[MEMO_KEY_LEN];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    (void)state;
    for (size_t i = 0; i < sizeof(buf); i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        buf[i] = (uint8_t)(x >> 56);
    }
    for (size_t len = 1; len <= MEMO_KEY_LEN; len++) {
        struct memo_key k = azk_names__memo_hash(ctx, buf, len, 0);
        struct memo_key r = azk_names__memo_hash_ref(ctx, buf, len, 0);
        struct memo_key c = azk_names__memo_hash(ctx, buf, len, AZK_COL_NAME);
        uint8_t *own = malloc(len);
        assert_non_null(own);
        memcpy(own, buf, len);
        assert_true(k.a == r.a && k.b == r.b);
        assert_false(c.a == k.a && c.b == k.b);
        r = azk_names__memo_hash(ctx, own, len, 0);
        assert_true(k.a == r.a && k.b == r.b);
        for (size_t j = 0; j < len; j++) {
            struct memo_key f, fr;
            own[j] ^= 0x41;
            f = azk_names__memo_hash(ctx, own, len, 0);
            fr = azk_names__memo_hash_ref(ctx, own, len, 0);
            assert_true(f.a == fr.a && f.b == fr.b);
            assert_false(f.a == k.a || f.b == k.b);
            own[j] ^= 0x41;
        }
        free(own);
    }
}

/*
 * MeCab parses are remembered by window: a repeated sentence is parsed
 * once, the same window at another offset of another field gives the same
 * mentions at the new offsets, and a window differing in one byte is
 * parsed again. Every result equals a fresh context's (no memo at all).
 */
static void test_names__parse_memo(void **state)
{
    static const char *const texts[] = {
        "担当の山田太郎様に連絡済み",
        "一二三四五六七八九十 山田太郎様に連絡済み",
        "〇一二三四五六七八九十 山田太郎様に連絡済み",
        "一二三四五六七八九十 山田太郎様に連絡済む",
        "担当の佐藤花子様に連絡済み",
        "宛名 鈴木 一郎 殿",
        "氏名：高橋 陽子",
        "氏名：高橋 陽一",
        "担当の東京都様に連絡済み",
        "担当の山田さんに連絡",
    };
    struct hits ref[sizeof(texts) / sizeof(texts[0])];
    unsigned long calls;
    (void)state;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        azk_names_ctx *fresh = NULL;
        assert_int_equal(azk_names__ctx_new(&fresh, names), AZK_OK);
        memset(&ref[i], 0, sizeof(ref[i]));
        assert_int_equal(
            azk_names__scan(fresh, texts[i], strlen(texts[i]), AZK_COL_NONE, collect, &ref[i]),
            AZK_OK);
        assert_true(azk_names__ctx_mecab_calls(fresh) > 0);
        azk_names__ctx_free(fresh);
    }
    assert_int_equal(ref[1].count, 1);
    assert_int_equal(ref[2].count, 1);
    assert_int_equal(ref[2].h[0].start, ref[1].h[0].start + strlen("〇"));
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
            struct hits hs;
            calls = azk_names__ctx_mecab_calls(ctx);
            hs = scan(texts[i]);
            hits_equal(&hs, &ref[i]);
            if (round > 0)
                assert_int_equal(azk_names__ctx_mecab_calls(ctx), calls); /* remembered */
        }
    }
}

static void test_names__generated(void **state)
{
    static const char *const fam[] = {"佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺",
                                      "山本", "中村", "小林", "加藤", "吉田", "山口"};
    static const char *const giv[] = {"太郎", "花子", "一郎", "健二", "美咲",
                                      "翔太", "陽子", "大輔", "直美", "誠"};
    static const char *const tmpl[][2] = {
        {"", "様"}, {"担当の", "さんに連絡"}, {"氏名：", ""}, {"宛名 ", " 殿"}, {"", "様宛"}};
    size_t found = 0;
    size_t total = 0;
    (void)state;
    for (size_t f = 0; f < sizeof(fam) / sizeof(fam[0]); f++) {
        assert_true(azk_names__is_family(names, fam[f], strlen(fam[f])));
        for (size_t g = 0; g < sizeof(giv) / sizeof(giv[0]); g++) {
            assert_true(azk_names__is_given(names, giv[g], strlen(giv[g])));
            for (size_t k = 0; k < sizeof(tmpl) / sizeof(tmpl[0]); k++) {
                char text[256];
                char name[64];
                struct hits hs;
                int sp = (int)((f + g + k) % 3);
                const char *sep = sp == 0 ? "" : sp == 1 ? " " : "　";
                snprintf(name, sizeof(name), "%s%s%s", fam[f], sep, giv[g]);
                snprintf(text, sizeof(text), "%s%s%s", tmpl[k][0], name, tmpl[k][1]);
                hs = scan(text);
                total++;
                if (hs.count == 1 && hs.h[0].start == strlen(tmpl[k][0]) &&
                    hs.h[0].len == strlen(name) && hs.h[0].family_len == strlen(fam[f]) &&
                    hs.h[0].confidence >= 0.5)
                    found++;
            }
        }
    }
    /* MeCab may read a rare combination differently; nearly all must pass */
    if (found * 100 < total * 97)
        fail_msg("generated names: %zu of %zu found exactly", found, total);
}

static azk_status refuse(const azk_name_hit *hit, void *payload)
{
    (void)hit;
    (void)payload;
    return AZK_ERR_LIMIT;
}

/* issue 18 item 1: a strong label and a known surname open the given name */
static void test_names__label_open_given(void **state)
{
    struct hits hs;
    (void)state;
    hs = scan("宛名=中野 優見 様 〒961-0013 福島県白河市");
    expect_one(&hs, "宛名=中野 優見 様 〒961-0013 福島県白河市", "中野 優見", "中野");
    assert_true(hs.h[0].confidence >= 0.5);
    hs = scan("代表者 鈴木 優見");
    expect_one(&hs, "代表者 鈴木 優見", "鈴木 優見", "鈴木");
    hs = scan("名義：中野 優見");
    expect_one(&hs, "名義：中野 優見", "中野 優見", "中野");
    /* no known surname: the label alone does not open a given name */
    hs = scan("担当：経理部");
    assert_int_equal(reported(&hs), 0);
    /* a surname alone in running text is still no name */
    hs = scan("本日は中野で会議");
    assert_int_equal(reported(&hs), 0);
}

/* issue 18 item 8: labels and headers are no values; credit lines; spans */
static void test_names__headers_not_values(void **state)
{
    struct hits hs;
    (void)state;
    hs = scan("名前 番号 アクション 説明");
    assert_int_equal(reported(&hs), 0);
    hs = scan("名前:目的:説明");
    assert_int_equal(reported(&hs), 0);
    hs = scan("名前=値");
    assert_int_equal(reported(&hs), 0);
    /* a surname that looks like a date header (春日 ends in 日) is a value */
    hs = scan("氏名：春日 優見");
    expect_one(&hs, "氏名：春日 優見", "春日 優見", "春日");
    hs = scan("コール・グラフ を表示");
    assert_int_equal(reported(&hs), 0);
    hs = scan("ツール・バー と メニュー・バー");
    assert_int_equal(reported(&hs), 0);
    /* with an honorific a ・ pair is still a (foreign) name */
    hs = scan("ジョン・スミス様");
    assert_int_equal(reported(&hs), 1);
    /* a name label followed by a real value stays a name */
    hs = scan("名前: 山田 太郎");
    expect_one(&hs, "名前: 山田 太郎", "山田 太郎", "山田");
    for (size_t i = 0; i < hs.count && i < MAX_HITS; i++)
        assert_true(hs.h[i].len > 0);
}

static void test_names__credit_line(void **state)
{
    struct hits hs;
    (void)state;
    hs = scan("高橋 基信 <user@example.jp>");
    expect_one(&hs, "高橋 基信 <user@example.jp>", "高橋 基信", "高橋");
    assert_true(hs.h[0].confidence >= 0.5);
    /* the memo must not hide the cue: the same words first without it */
    hs = scan("高橋 基信");
    assert_int_equal(reported(&hs), 0);
    hs = scan("高橋 基信 <user@example.jp>");
    assert_int_equal(reported(&hs), 1);
    hs = scan("差込レコード #6384 米澤 さくら <m.tanaka@example.co.jp>");
    assert_int_equal(reported(&hs), 1);
    hs = scan("宛名=三浦　さくら様 | 生年月日");
    expect_one(&hs, "宛名=三浦　さくら様 | 生年月日", "三浦　さくら", "三浦");
    /* no address in the brackets: no cue */
    hs = scan("高橋 基信 <none>");
    assert_int_equal(reported(&hs), 0);
}

static void test_names__span_whole_name(void **state)
{
    struct hits hs;
    (void)state;
    hs = scan("翻訳: 倉澤 望");
    expect_one(&hs, "翻訳: 倉澤 望", "倉澤 望", "倉澤");
}

/* issue 18 item 1: open given names in hiragana, ASCII name keys, 顧客名 */
static void test_names__open_given_forms(void **state)
{
    struct hits hs;
    (void)state;
    hs = scan("顧客名=坂本 さくら 様\t連絡先");
    expect_one(&hs, "顧客名=坂本 さくら 様\t連絡先", "坂本 さくら", "坂本");
    hs = scan("出力 name=小野さくら\tzip=045");
    expect_one(&hs, "出力 name=小野さくら\tzip=045", "小野さくら", "小野");
    hs = scan("{\"customer\": {\"name\": \"宮崎 悠真\", \"zip\": \"804-9222\"}}");
    assert_int_equal(reported(&hs), 1);
    assert_int_equal(hs.h[0].len, strlen("宮崎 悠真"));
    hs = scan("照合結果 顧客名=酒井　陽菜 様 | 〒296");
    expect_one(&hs, "照合結果 顧客名=酒井　陽菜 様 | 〒296", "酒井　陽菜", "酒井");
    /* a sentence after a label: the copula and particles are no name */
    hs = scan("氏名：山田です");
    expect_one(&hs, "氏名：山田です", "山田", "山田");
    hs = scan("name=山田が担当");
    expect_one(&hs, "name=山田が担当", "山田", "山田");
    /* not a name key: filename=, hostname= */
    hs = scan("hostname=中野 srv");
    assert_int_equal(reported(&hs), 0);
    hs = scan("filename=中野 さくら");
    assert_int_equal(reported(&hs), 0);
}

static void test_names__callback_error(void **state)
{
    const char *t = "山田太郎様";
    (void)state;
    assert_int_equal(azk_names__scan(ctx, t, strlen(t), AZK_COL_NONE, refuse, NULL), AZK_ERR_LIMIT);
    assert_int_equal(azk_names__scan(ctx, t, strlen(t), AZK_COL_NAME, refuse, NULL), AZK_ERR_LIMIT);
}

/* azk_names__cp_before as it reads without its ASCII and 3-byte shortcuts */
static uint32_t ref_cp_before(const uint8_t *t, size_t i)
{
    size_t j = i;
    uint32_t cp = 0;
    if (i == 0)
        return 0;
    do {
        j--;
    } while (j > 0 && i - j < 4 && (t[j] & 0xC0) == 0x80);
    (void)azk_utf8_decode(t + j, i - j, &cp);
    return cp;
}

/*
 * The code point before every offset of texts of ASCII, kanji, kana, 2-
 * and 4-byte sequences, overlong and surrogate 3-byte forms, stray
 * continuation and lead bytes, NUL: the same as the byte-by-byte reading.
 */
static void test_names__cp_before(void **state)
{
    static const char *const pieces[] = {"a",
                                         "\x00",
                                         "9",
                                         "山",
                                         "田",
                                         "様",
                                         "ア",
                                         "ｱ",
                                         "々",
                                         "é",
                                         "𠮷",
                                         "\xe0\x80\x80",
                                         "\xe0\xa0\x80",
                                         "\xed\xa0\x80",
                                         "\xed\x9f\xbf",
                                         "\xef\xbf\xbf",
                                         "\x80",
                                         "\xbf",
                                         "\xe3",
                                         "\xe3\x81",
                                         "\xc8",
                                         "\xf0\x9f",
                                         "\xf8\x88\x80\x80\x80",
                                         "\xff"};
    uint8_t t[64];
    struct scan s;
    (void)state;
    memset(&s, 0, sizeof(s));
    s.t = t;
    srand(4242);
    for (int r = 0; r < 20000; r++) {
        size_t len = 0;
        for (;;) {
            const char *p = pieces[(size_t)rand() % (sizeof(pieces) / sizeof(pieces[0]))];
            size_t pl = p[0] == 0 ? 1 : strlen(p);
            if (len + pl > sizeof(t))
                break;
            memcpy(t + len, p, pl);
            len += pl;
        }
        s.len = len;
        for (size_t i = 0; i <= len; i++)
            assert_int_equal(azk_names__cp_before(&s, i), ref_cp_before(t, i));
    }
}

static void test_names__invalid_utf8(void **state)
{
    const char t[] = "\xff\xfe\x82\xa0\xe5\xb1\x20\xe5\xb1\xb1\xe7\x94\xb0\xe6\xa7\x98\xef\xbd";
    struct hits hs;
    (void)state;
    memset(&hs, 0, sizeof(hs));
    assert_int_equal(azk_names__scan(ctx, t, sizeof(t) - 1, AZK_COL_NONE, collect, &hs), AZK_OK);
    for (size_t i = 0; i < hs.count && i < MAX_HITS; i++)
        assert_true(hs.h[i].start + hs.h[i].len <= sizeof(t) - 1);
    memset(&hs, 0, sizeof(hs));
    assert_int_equal(azk_names__scan(ctx, t, sizeof(t) - 1, AZK_COL_NAME_KANA, collect, &hs),
                     AZK_OK);
}

static void test_names__alloc_failures(void **state)
{
    const char *t = "ｽｽﾞｷ ｲﾁﾛｳ様";
    bool succeeded = false;
    (void)state;
    for (long n = 0; n < 64 && !succeeded; n++) {
        azk_names *nm = NULL;
        azk_names_ctx *c = NULL;
        struct hits hs;
        azk_status rc;
        memset(&hs, 0, sizeof(hs));
        azk__alloc_fail_after(n);
        rc = azk_names__new(&nm, NULL);
        if (rc == AZK_OK)
            rc = azk_names__ctx_new(&c, nm);
        if (rc == AZK_OK)
            rc = azk_names__scan(c, t, strlen(t), AZK_COL_NONE, collect, &hs);
        azk__alloc_fail_after(-1);
        assert_true(rc == AZK_OK || rc == AZK_ERR_NOMEM);
        if (rc == AZK_OK) {
            assert_int_equal(hs.count, 1);
            succeeded = true;
        }
        azk_names__ctx_free(c);
        azk_names__free(nm);
    }
    assert_true(succeeded);
}

struct worker {
    const char *text;
    size_t found;
    azk_status rc;
};

static void *worker_run(void *arg)
{
    struct worker *w = arg;
    azk_names_ctx *c = NULL;
    w->rc = azk_names__ctx_new(&c, names);
    for (int i = 0; i < 200 && w->rc == AZK_OK; i++) {
        struct hits hs;
        memset(&hs, 0, sizeof(hs));
        w->rc = azk_names__scan(c, w->text, strlen(w->text), AZK_COL_NONE, collect, &hs);
        w->found += hs.count;
    }
    azk_names__ctx_free(c);
    return NULL;
}

/* One shared azk_names, one context per thread. */
static void test_names__threads(void **state)
{
    pthread_t th[4];
    struct worker w[4];
    const char *texts[] = {"山田太郎様と佐藤花子さん", "氏名：鈴木 一郎", "ヤマダ タロウ様",
                           "東京都中央区"};
    (void)state;
    for (int i = 0; i < 4; i++) {
        w[i].text = texts[i];
        w[i].found = 0;
        w[i].rc = AZK_ERR_ARG;
        assert_int_equal(pthread_create(&th[i], NULL, worker_run, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_join(th[i], NULL), 0);
    assert_int_equal(w[0].rc, AZK_OK);
    assert_int_equal(w[0].found, 400);
    assert_int_equal(w[1].found, 200);
    assert_int_equal(w[2].found, 200);
    assert_int_equal(w[3].found, 0);
}

/* The rules of azk_names__tok_class one by one, with strncmp (the code before session 12). */
static enum tok_class ref_tok_class(const char *f, bool unknown)
{
    static const struct {
        const char *prefix;
        enum tok_class cls;
    } rules[] = {
        {"名詞,固有名詞,人名,姓", TK_FAMILY},
        {"名詞,固有名詞,人名,名", TK_GIVEN},
        {"名詞,固有名詞,人名", TK_PERSON},
        {"名詞,固有名詞,組織", TK_ORG},
        {"名詞,固有名詞,地域", TK_PLACE},
        {"名詞,接尾,人名", TK_HONOR},
        {"名詞,接尾,地域", TK_PLACE_SUFFIX},
        {NULL, TK_UNKNOWN},
        {"名詞,数", TK_NUM},
        {"名詞,サ変接続", TK_NOUN_FUNC},
        {"名詞,形容動詞語幹", TK_NOUN_FUNC},
        {"名詞,副詞可能", TK_NOUN_FUNC},
        {"名詞,代名詞", TK_NOUN_FUNC},
        {"名詞,非自立", TK_NOUN_FUNC},
        {"名詞,", TK_NOUN},
        {"記号,空白", TK_SPACE},
        {"接頭詞,", TK_PREFIX},
        {"記号,", TK_SYMBOL},
    };
    if (f == NULL)
        return TK_OTHER;
    for (size_t k = 0; k < sizeof(rules) / sizeof(rules[0]); k++) {
        if (rules[k].prefix == NULL) {
            if (unknown)
                return TK_UNKNOWN;
        } else if (strncmp(f, rules[k].prefix, strlen(rules[k].prefix)) == 0) {
            return rules[k].cls;
        }
    }
    return TK_OTHER;
}

static void tok_class_check(const char *f)
{
    char cut[256];
    size_t n = strlen(f);
    for (size_t l = 0; l <= n && l < sizeof(cut); l++) {
        memcpy(cut, f, l); /* every prefix, cut anywhere (inside a character too) */
        cut[l] = 0;
        assert_int_equal(azk_names__tok_class(cut, false), ref_tok_class(cut, false));
        assert_int_equal(azk_names__tok_class(cut, true), ref_tok_class(cut, true));
    }
}

/*
 * MeCab tokens' classes (azk_names__tok_class, shared prefixes compared
 * once) against the rules one by one: every rule's feature and its near
 * misses cut at every byte, known and unknown words, and the features of
 * MeCab's own tokens of a few sentences.
 */
static void test_names__tok_class(void **state)
{
    static const char *const features[] = {
        "名詞,固有名詞,人名,姓,*,*,山田,ヤマダ,ヤマダ",
        "名詞,固有名詞,人名,名,*,*,太郎,タロウ,タロー",
        "名詞,固有名詞,人名,一般,*,*,*",
        "名詞,固有名詞,人名姓",
        "名詞,固有名詞,組織,*,*,*,*",
        "名詞,固有名詞,地域,一般,*,*,*",
        "名詞,固有名詞,一般,*,*,*,*",
        "名詞,固有名詞",
        "名詞,接尾,人名,*,*,*,様,サマ,サマ",
        "名詞,接尾,地域,*,*,*,区,ク,ク",
        "名詞,接尾,一般,*,*,*",
        "名詞,接尾,助数詞,*,*,*",
        "名詞,数,*,*,*,*,*",
        "名詞,サ変接続,*,*,*,*,*",
        "名詞,形容動詞語幹,*,*,*,*",
        "名詞,副詞可能,*,*,*,*",
        "名詞,代名詞,一般,*,*,*",
        "名詞,非自立,一般,*,*,*",
        "名詞,一般,*,*,*,*,*",
        "名詞,",
        "名詞",
        "記号,空白,*,*,*,*,*",
        "記号,一般,*,*,*,*,*",
        "記号,括弧開,*,*,*,*",
        "接頭詞,名詞接続,*,*,*,*,お,オ,オ",
        "接頭詞",
        "動詞,自立,*,*,一段,基本形",
        "助詞,格助詞,一般,*,*,*,の,ノ,ノ",
        "BOS/EOS,*,*,*,*,*,*,*,*",
        "",
    };
    static const char *const sentences[] = {
        "山田太郎様の住所は東京都千代田区丸の内1-2-3です。",
        "お問い合わせは佐々木花子さんまで（内線42）　ヤマダ　タロウ",
        "第3工場 出荷 12 件 ｶﾞｽﾄﾛ 𠮷野家 株式会社サンプル",
    };
    mecab_t *tagger;
    mecab_lattice_t *la;
    (void)state;
    assert_int_equal(azk_names__tok_class(NULL, false), TK_OTHER);
    for (size_t i = 0; i < sizeof(features) / sizeof(features[0]); i++)
        tok_class_check(features[i]);
    tagger = mecab_model_new_tagger(names->model);
    la = mecab_model_new_lattice(names->model);
    assert_non_null(tagger);
    assert_non_null(la);
    for (size_t i = 0; i < sizeof(sentences) / sizeof(sentences[0]); i++) {
        size_t seen = 0;
        mecab_lattice_set_sentence(la, sentences[i]);
        assert_true(mecab_parse_lattice(tagger, la));
        for (const mecab_node_t *nd = mecab_lattice_get_bos_node(la); nd != NULL; nd = nd->next) {
            bool unk = nd->stat == MECAB_UNK_NODE;
            assert_int_equal(azk_names__tok_class(nd->feature, unk),
                             ref_tok_class(nd->feature, unk));
            if (nd->feature != NULL)
                tok_class_check(nd->feature);
            seen++;
        }
        assert_true(seen > 3);
    }
    mecab_lattice_destroy(la);
    mecab_destroy(tagger);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names__lexicon),
        cmocka_unit_test(test_names__honorific),
        cmocka_unit_test(test_names__label),
        cmocka_unit_test(test_names__kana),
        cmocka_unit_test(test_names__columns),
        cmocka_unit_test(test_names__column_org_words),
        cmocka_unit_test(test_names__memo),
        cmocka_unit_test(test_names__memo_hash),
        cmocka_unit_test(test_names__tok_class),
        cmocka_unit_test(test_names__parse_memo),
        cmocka_unit_test(test_names__negatives),
        cmocka_unit_test(test_names__ascii_fast_path),
        cmocka_unit_test(test_names__one_per_mention),
        cmocka_unit_test(test_names__unlisted_given),
        cmocka_unit_test(test_names__variant_kanji),
        cmocka_unit_test(test_names__spans_multibyte),
        cmocka_unit_test(test_names__fold_after_memo),
        cmocka_unit_test(test_names__every_label),
        cmocka_unit_test(test_names__generated),
        cmocka_unit_test(test_names__label_open_given),
        cmocka_unit_test(test_names__headers_not_values),
        cmocka_unit_test(test_names__credit_line),
        cmocka_unit_test(test_names__span_whole_name),
        cmocka_unit_test(test_names__open_given_forms),
        cmocka_unit_test(test_names__callback_error),
        cmocka_unit_test(test_names__invalid_utf8),
        cmocka_unit_test(test_names__cp_before),
        cmocka_unit_test(test_names__alloc_failures),
        cmocka_unit_test(test_names__threads),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
