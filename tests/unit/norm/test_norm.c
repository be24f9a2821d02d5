/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/norm/test_norm.c -- the normalisation module: NFKC and width,
 * kana folding, spaces, every documented variant-kanji fold, names,
 * readings, addresses, e-mail, ids and postal codes. All values synthetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "norm/norm.h"
#include "norm/norm_internal.h"
#include "norm/datetime.h"
#include "norm/digits.h"

static void expect_text(const char *in, unsigned flags, const char *want)
{
    azk_buf b = AZK_BUF_INIT;
    assert_int_equal(azk_norm_text(&b, in, strlen(in), flags), AZK_OK);
    assert_string_equal((const char *)b.data, want);
    azk_buf_dispose(&b);
}

static void expect_name_eq(const char *a, const char *b)
{
    azk_buf x = AZK_BUF_INIT;
    azk_buf y = AZK_BUF_INIT;
    assert_int_equal(azk_norm_name(&x, a, strlen(a)), AZK_OK);
    assert_int_equal(azk_norm_name(&y, b, strlen(b)), AZK_OK);
    assert_string_equal((const char *)x.data, (const char *)y.data);
    azk_buf_dispose(&x);
    azk_buf_dispose(&y);
}

static void expect_name_ne(const char *a, const char *b)
{
    azk_buf x = AZK_BUF_INIT;
    azk_buf y = AZK_BUF_INIT;
    assert_int_equal(azk_norm_name(&x, a, strlen(a)), AZK_OK);
    assert_int_equal(azk_norm_name(&y, b, strlen(b)), AZK_OK);
    assert_string_not_equal((const char *)x.data, (const char *)y.data);
    azk_buf_dispose(&x);
    azk_buf_dispose(&y);
}

static void test_norm__nfkc_width(void **state)
{
    (void)state;
    expect_text("ＡＢＣ１２３", AZK_NORM_NFKC, "ABC123");
    expect_text("ﾔﾏﾀﾞ ﾀﾛｳ", AZK_NORM_NFKC, "ヤマダ タロウ");
    expect_text("ｶﾞｷﾞﾊﾟ", AZK_NORM_NFKC, "ガギパ");
    expect_text("plain ascii", AZK_NORM_NFKC, "plain ascii");
    expect_text("", AZK_NORM_NFKC, "");
    expect_text("ＡＢＣ", AZK_NORM_NFKC | AZK_NORM_CASE, "abc");
    expect_text("ABC", AZK_NORM_CASE, "abc");
}

static void test_norm__kana_folding(void **state)
{
    (void)state;
    expect_text("やまだ", AZK_NORM_KATAKANA, "ヤマダ");
    expect_text("ゝゞ", AZK_NORM_KATAKANA, "ヽヾ");
    expect_text("ァィゥェォッャュョヮヵヶ", AZK_NORM_SMALL_KANA, "アイウエオツヤユヨワカケ");
    expect_text("きゃっと", AZK_NORM_SMALL_KANA, "きやつと"); /* stays hiragana */
    expect_text("きゃっと", AZK_NORM_SMALL_KANA | AZK_NORM_KATAKANA, "キヤツト");
    expect_text("ヴァイオリン", AZK_NORM_VU, "バイオリン");
    expect_text("ヴィヴェヴォヴ", AZK_NORM_VU, "ビベボブ");
    expect_text("ゔぁ", AZK_NORM_VU | AZK_NORM_KATAKANA, "バ");
    expect_text("ガパヅ", AZK_NORM_VOICED, "カハツ");
    expect_text("ヴ", AZK_NORM_VOICED, "ウ");
}

static void test_norm__long_vowel(void **state)
{
    (void)state;
    unsigned f = AZK_NORM_NFKC | AZK_NORM_KATAKANA | AZK_NORM_LONG_VOWEL;
    expect_text("サトー", f, "サト");
    expect_text("サトウ", f, "サト");
    expect_text("さとう", f, "サト");
    expect_text("サトオ", f, "サト");
    expect_text("ﾕｳｺ", f, "ユコ");
    expect_text("ユーコ", f, "ユコ");
    expect_text("コ－ジ", f, "コジ"); /* full-width hyphen after kana */
    expect_text("コ〜ジ", f, "コジ");
    /* not a long vowel: ウィ, and marks outside kana context stay */
    expect_text("ホウィ", f, "ホウィ");
    expect_text("1-2", f, "1-2");
}

static void test_norm__spaces(void **state)
{
    (void)state;
    expect_text(" a\t b　c ", AZK_NORM_NFKC | AZK_NORM_SPACES_REMOVE, "abc");
    expect_text("  a \t b　　c  ", AZK_NORM_NFKC | AZK_NORM_SPACES_COLLAPSE, "a b c");
    expect_text("ヤマダ・タロウ", AZK_NORM_MIDDLE_DOT, "ヤマダタロウ");
}

/* Every fold of tools/kanji_variants_names.txt and those the issue lists. */
static void test_norm__variant_kanji(void **state)
{
    (void)state;
    static const char *const pairs[][2] = {
        {"髙", "高"},
        {"﨑", "崎"},
        {"嵜", "崎"},
        {"碕", "崎"},
        {"齋", "斎"},
        {"齊", "斎"},
        {"斉", "斎"},
        {"邊", "辺"},
        {"邉", "辺"},
        {"濵", "浜"},
        {"濱", "浜"},
        {"澤", "沢"},
        {"廣", "広"},
        {"國", "国"},
        {"櫻", "桜"},
        {"眞", "真"},
        {"德", "徳"},
        {"惠", "恵"},
        {"嶋", "島"},
        {"嶌", "島"},
        {"峯", "峰"},
        {"冨", "富"},
        {"槇", "槙"},
        {"桒", "桑"},
        {"舘", "館"},
        {"瀨", "瀬"},
        {"曻", "昇"},
        {"𠮷", "吉"},
        {"籔", "薮"},
        {"藪", "薮"},
        /* from Unihan kJinmeiyoKanji / kJoyoKanji / kZVariant */
        {"亞", "亜"},
        {"穗", "穂"},
        {"禮", "礼"},
        {"剝", "剥"},
        {"戶", "戸"},
        {"說", "説"},
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
        expect_text(pairs[i][0], AZK_NORM_VARIANT_KANJI, pairs[i][1]);
    /* the target of a fold is a fixed point */
    expect_text("高崎斎辺浜沢", AZK_NORM_VARIANT_KANJI, "高崎斎辺浜沢");
    /* no folding without the flag */
    expect_text("髙", AZK_NORM_NFKC, "髙");
    assert_int_equal(azk_norm_kanji_variant(0x9AD9), 0x9AD8);
    assert_int_equal(azk_norm_kanji_variant('A'), 'A');
}

static void test_norm__names(void **state)
{
    (void)state;
    expect_name_eq("髙橋　眞一 様", "高橋真一");
    expect_name_eq("渡邊 花子", "渡辺花子");
    expect_name_eq("渡邉花子さん", "渡辺 花子");
    expect_name_eq("齋藤　一郎", "斉藤一郎");
    expect_name_eq("ﾀｶﾊｼ ｼﾝｲﾁ", "たかはし　しんいち");
    expect_name_eq("TAKAHASHI Shinichi", "takahashi shinichi");
    expect_name_ne("高橋真一", "高橋真二");
    expect_name_ne("山田太郎", "山田次郎");
}

static void test_norm__kana_reading(void **state)
{
    (void)state;
    azk_buf a = AZK_BUF_INIT;
    azk_buf b = AZK_BUF_INIT;
    const char *x = "ｻﾄｳ ｷｮｳｺ";
    const char *y = "さとう・きょーこ";
    assert_int_equal(azk_norm_kana_reading(&a, x, strlen(x)), AZK_OK);
    assert_int_equal(azk_norm_kana_reading(&b, y, strlen(y)), AZK_OK);
    assert_string_equal((const char *)a.data, (const char *)b.data);
    assert_string_equal((const char *)a.data, "サトキヨコ");
    azk_buf_dispose(&a);
    azk_buf_dispose(&b);
}

static void expect_addr(const char *in, const char *pref, const char *muni, const char *rest,
                        const char *bldg)
{
    azk_address a;
    azk_address_init(&a);
    assert_int_equal(azk_norm_address(&a, in, strlen(in), 0), AZK_OK);
    assert_string_equal((const char *)a.prefecture.data, pref);
    assert_string_equal((const char *)a.municipality.data, muni);
    assert_string_equal((const char *)a.rest.data, rest);
    assert_string_equal((const char *)a.building.data, bldg);
    azk_address_dispose(&a);
}

static void expect_addr_key_eq(const char *x, const char *y)
{
    azk_buf a = AZK_BUF_INIT;
    azk_buf b = AZK_BUF_INIT;
    assert_int_equal(azk_norm_address_key(&a, x, strlen(x)), AZK_OK);
    assert_int_equal(azk_norm_address_key(&b, y, strlen(y)), AZK_OK);
    assert_string_equal((const char *)a.data, (const char *)b.data);
    azk_buf_dispose(&a);
    azk_buf_dispose(&b);
}

static void test_norm__address(void **state)
{
    (void)state;
    expect_addr("東京都千代田区大手町1丁目2番3号", "東京都", "千代田区", "大手町1-2-3", "");
    expect_addr("千代田区大手町一丁目2-3", "", "千代田区", "大手町1-2-3", "");
    expect_addr("東京都千代田区大手町１－２－３　サンハイツ１０１", "東京都", "千代田区",
                "大手町1-2-3", "サンハイツ101");
    expect_addr("神奈川県横浜市中区本町二丁目3番地の4", "神奈川県", "横浜市中区", "本町2-3-4", "");
    expect_addr("三重県四日市市諏訪町1-5", "三重県", "四日市市", "諏訪町1-5", "");
    expect_addr("埼玉県北足立郡伊奈町小室1234番地", "埼玉県", "北足立郡伊奈町", "小室1234", "");
    expect_addr("東京都千代田区二番町5番", "東京都", "千代田区", "二番町5", "");
    expect_addr("大阪府大阪市北区梅田三丁目1ー1コーポ梅田202号室", "大阪府", "大阪市北区",
                "梅田3-1-1", "コーポ梅田202号室");
    expect_addr_key_eq("東京都千代田区大手町1丁目2番3号", "千代田区大手町一丁目2-3");
    expect_addr_key_eq("千代田区大手町１－２－３", "東京都千代田区大手町1の2の3 メゾン大手町5F");
    expect_addr_key_eq("東京都千代田区霞ヶ関1-1", "東京都千代田区霞が関一丁目1番");
    expect_addr_key_eq("東京都千代田区霞ケ関1‐1", "東京都千代田区霞ヶ関1−1");
}

static void test_norm__kanji_number(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        uint64_t v;
    } cases[] = {{"一", 1},     {"十", 10},      {"十一", 11},           {"二十三", 23},
                 {"百五", 105}, {"一〇五", 105}, {"千二百三十四", 1234}, {"三千", 3000},
                 {"弐拾", 20}};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint64_t v = 0;
        assert_true(azk_norm__kanji_number(cases[i].s, strlen(cases[i].s), &v));
        assert_int_equal(v, cases[i].v);
    }
    uint64_t v;
    assert_false(azk_norm__kanji_number("三田", strlen("三田"), &v));
    assert_false(azk_norm__kanji_number("", 0, &v));
}

static void test_norm__email_id_postal(void **state)
{
    (void)state;
    azk_buf b = AZK_BUF_INIT;
    const char *e = " Ｔａｒｏ.Test@Example.JP ";
    assert_int_equal(azk_norm_email(&b, e, strlen(e)), AZK_OK);
    assert_string_equal((const char *)b.data, "taro.test@example.jp");
    assert_int_equal(azk_norm_email(&b, "nope", 4), AZK_ERR_FORMAT);
    const char *id = "ＡＢ－００１２３";
    assert_int_equal(azk_norm_id(&b, id, strlen(id)), AZK_OK);
    assert_string_equal((const char *)b.data, "ab00123");
    const char *pc = "〒１２３－４５６７";
    assert_int_equal(azk_norm_postal(&b, pc, strlen(pc)), AZK_OK);
    assert_string_equal((const char *)b.data, "1234567");
    assert_int_equal(azk_norm_postal(&b, "123-456", 7), AZK_ERR_FORMAT);
    assert_int_equal(azk_norm_postal(&b, "12a4567", 7), AZK_ERR_FORMAT);
    azk_buf_dispose(&b);
}

static void expect_phone(const char *in, const char *want)
{
    azk_buf b = AZK_BUF_INIT;
    assert_int_equal(azk_norm_phone(&b, in, strlen(in)), AZK_OK);
    assert_string_equal((const char *)b.data, want);
    azk_buf_dispose(&b);
}

static void test_norm__phone(void **state)
{
    (void)state;
    azk_buf b = AZK_BUF_INIT;
    expect_phone("090-1234-5678", "09012345678");
    expect_phone("０９０－１２３４－５６７８", "09012345678");
    expect_phone("+81 90 1234 5678", "09012345678");
    expect_phone("(03) 1234-5678", "0312345678");
    expect_phone("03ー1234ー5678", "0312345678");
    assert_int_equal(azk_norm_phone(&b, "12345", 5), AZK_ERR_FORMAT);
    assert_int_equal(azk_norm_phone(&b, "090-1234-567a", 13), AZK_ERR_FORMAT);
    azk_buf_dispose(&b);
}

static void expect_date(const char *in, const char *want)
{
    azk_buf b = AZK_BUF_INIT;
    assert_int_equal(azk_norm_date(&b, in, strlen(in)), AZK_OK);
    assert_string_equal((const char *)b.data, want);
    azk_buf_dispose(&b);
}

/* The one set of Japanese character classes (detect, names and address use it). */
static void test_norm__char_classes(void **state)
{
    (void)state;
    assert_true(azk_norm__is_kanji(0x5C71));  /* 山 */
    assert_true(azk_norm__is_kanji(0x3400));  /* extension A */
    assert_true(azk_norm__is_kanji(0x20B9F)); /* 𠮟, extension B */
    assert_true(azk_norm__is_kanji(0xFA11));  /* compatibility 﨑 */
    assert_true(azk_norm__is_kanji(0x3005));  /* 々 */
    assert_false(azk_norm__is_kanji(0x30F6)); /* ヶ: a name adds it itself */
    assert_false(azk_norm__is_kanji(0x3042));
    assert_true(azk_norm__is_katakana(0x30A2));  /* ア */
    assert_true(azk_norm__is_katakana(0x30FA));  /* ヺ */
    assert_false(azk_norm__is_katakana(0x30FC)); /* ー */
    assert_false(azk_norm__is_katakana(0x30FB)); /* ・ */
    assert_true(azk_norm__is_hiragana(0x3041));
    assert_true(azk_norm__is_hiragana(0x3096));
    assert_false(azk_norm__is_hiragana(0x309D)); /* ゝ */
    assert_false(azk_norm__is_hiragana(0x30A2));
    /* the digit test of the address walks without the fold, on every code
     * point (and a few past the last one) */
    for (uint32_t cp = 0; cp <= 0x110010; cp++)
        assert_true(azk_digits__is_digit_cp(cp) == azk_digits__isdigit(azk_digits__ascii(cp)));
}

/* The one rule for dates given as arguments (retention --now/--until,
 * impact --as-of/--known-date, deadlines): a real day, ISO form only. */
static void test_norm__date_argument(void **state)
{
    int64_t d = -1;
    int64_t t = -1;
    char s[11];
    (void)state;
    assert_true(azk_date__parse_day("1970-01-01", &d));
    assert_int_equal(d, 0);
    assert_true(azk_date__parse_day("2028-02-29", &d)); /* leap year */
    azk_date__format_day(d, s);
    assert_string_equal(s, "2028-02-29");
    azk_date__format_day(d + 1, s);
    assert_string_equal(s, "2028-03-01");
    assert_true(azk_date__parse_day("2000-02-29", &d)); /* 400 */
    d = 7;
    assert_false(azk_date__parse_day("2026-02-30", &d));
    assert_false(azk_date__parse_day("2026-02-29", &d)); /* not a leap year */
    assert_false(azk_date__parse_day("2100-02-29", &d)); /* 100 */
    assert_false(azk_date__parse_day("2026-04-31", &d));
    assert_false(azk_date__parse_day("2026-13-01", &d));
    assert_false(azk_date__parse_day("2026-00-10", &d));
    assert_false(azk_date__parse_day("2026-01-00", &d));
    assert_false(azk_date__parse_day("2026-1-01", &d));
    assert_false(azk_date__parse_day("2026/01/01", &d));
    assert_false(azk_date__parse_day("+026-01-01", &d));
    assert_false(azk_date__parse_day("2026-01-01 ", &d));
    assert_false(azk_date__parse_day("1899-12-31", &d));
    assert_false(azk_date__parse_day("", &d));
    assert_false(azk_date__parse_day(NULL, &d));
    assert_int_equal(d, 7); /* untouched on failure */
    /* with a time: UTC (Z) only */
    assert_true(azk_date__parse_time("2026-02-28", &t));
    assert_int_equal(t, 1772236800);
    assert_true(azk_date__parse_time("2026-02-28T23:59:59Z", &t));
    assert_int_equal(t, 1772236800 + 86399);
    assert_true(azk_date__parse_time("2028-02-29T00:00:00Z", &t));
    assert_false(azk_date__parse_time("2026-02-30T00:00:00Z", &t));
    assert_false(azk_date__parse_time("2026-02-29T12:00:00Z", &t));
    assert_false(azk_date__parse_time("2026-02-28T24:00:00Z", &t));
    assert_false(azk_date__parse_time("2026-02-28T12:60:00Z", &t));
    assert_false(azk_date__parse_time("2026-02-28T12:00:60Z", &t));
    assert_false(azk_date__parse_time("2026-02-28T12:00:00", &t));
    assert_false(azk_date__parse_time("2026-02-28T12:00:00+09:00", &t));
    assert_false(azk_date__parse_time("2026-02-28T12:00:00.5Z", &t));
    assert_false(azk_date__parse_time("2026-02-28 12:00:00Z", &t));
}

static void test_norm__date_eras(void **state)
{
    (void)state;
    azk_buf b = AZK_BUF_INIT;
    expect_date("1980年3月2日", "1980-03-02");
    expect_date("昭和55年3月2日", "1980-03-02");
    expect_date("S55.3.2", "1980-03-02");
    expect_date(" １９８０/０３/０２ ", "1980-03-02");
    expect_date("19800302", "1980-03-02");
    expect_date("平成元年1月8日", "1989-01-08");
    expect_date("令和2年5月1日", "2020-05-01");
    assert_int_equal(azk_norm_date(&b, "昭和64年1月8日", strlen("昭和64年1月8日")), AZK_ERR_FORMAT);
    assert_int_equal(azk_norm_date(&b, "1980-02-30", 10), AZK_ERR_FORMAT);
    assert_int_equal(azk_norm_date(&b, "1980-03-02 x", 12), AZK_ERR_FORMAT);
    azk_buf_dispose(&b);
}

static void test_norm__invalid_utf8(void **state)
{
    (void)state;
    azk_buf b = AZK_BUF_INIT;
    const char bad[] = {'a', (char)0xFF, (char)0xE3, 'b'};
    assert_int_equal(azk_norm_text(&b, bad, sizeof(bad), AZK_NORM_NAME), AZK_OK);
    assert_true(azk_utf8_valid(b.data, b.len));
    azk_buf_dispose(&b);
}

/* azk_norm_id's general path (NFKC, case, spaces, then every hyphen-like code point
 * dropped), the reference of its ASCII fast path */
static azk_status id_reference(azk_buf *out, const char *in, size_t len)
{
    azk_buf t = AZK_BUF_INIT;
    azk_status rc =
        azk_norm_text(&t, in, len, AZK_NORM_NFKC | AZK_NORM_CASE | AZK_NORM_SPACES_REMOVE);
    azk_buf_clear(out);
    if (rc == AZK_OK)
        rc = azk_buf_put(out, "", 0);
    for (size_t i = 0; rc == AZK_OK && i < t.len;) {
        uint32_t cp;
        size_t cl = azk_utf8_decode(t.data + i, t.len - i, &cp);
        if (!azk_norm__is_hyphen(cp))
            rc = azk_buf_put(out, t.data + i, cl);
        i += cl;
    }
    azk_buf_dispose(&t);
    return rc;
}

static void expect_id_as_reference(const char *in, size_t len)
{
    azk_buf got = AZK_BUF_INIT;
    azk_buf want = AZK_BUF_INIT;
    assert_int_equal(azk_norm_id(&got, in, len), id_reference(&want, in, len));
    assert_int_equal(got.len, want.len);
    assert_memory_equal(got.data, want.data, want.len + 1); /* with the NUL */
    azk_buf_dispose(&got);
    azk_buf_dispose(&want);
}

/* The ASCII fast path of azk_norm_id against the general path: every byte value
 * alone and between letters, generated tokens of 0..150 bytes (the fast path
 * writes in runs of 64) of id characters, white space, NUL and any ASCII, and the
 * same with a full-width or non-ASCII character (the general path). */
static void test_norm__id_ascii(void **state)
{
    (void)state;
    static const char pick[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                               "--__..@@++  \t\n\v\f\r";
    char s[160];
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (int c = 0; c < 128; c++) {
        char one[5] = {'a', (char)c, 'Z', (char)c, '-'};
        expect_id_as_reference(one + 1, 1);
        expect_id_as_reference(one, sizeof(one));
    }
    for (int t = 0; t < 20000; t++) {
        size_t len;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        len = (size_t)(x % 151);
        for (size_t i = 0; i < len; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* mostly id characters; 1 in 8 any ASCII byte, NUL included */
            s[i] =
                (x >> 40) % 8 == 0 ? (char)((x >> 20) % 128) : pick[(x >> 20) % (sizeof(pick) - 1)];
        }
        expect_id_as_reference(s, len);
        if (len >= 3 && t % 4 == 0) {
            /* a full-width hyphen or letter, an ideographic space: not ASCII */
            static const char *const wide[] = {"－", "Ａ", "　", "ー"};
            const char *w = wide[(x >> 8) % 4];
            memcpy(s + len / 2, w, 3);
            expect_id_as_reference(s, len);
        }
    }
    expect_id_as_reference("", 0);
    expect_id_as_reference("AB-001 23", 9);
}

/* azk_date__may_start never says no where azk_date__parse finds a date: every
 * code point of the BMP and every 97th above it, every invalid lead byte and
 * overlong forms, each before the rests of a Gregorian date, an abbreviated era
 * date and every era's kanji date. */
static void test_norm__date_screen(void **state)
{
    (void)state;
    char tails[AZK_ERA__COUNT + 3][40];
    size_t ntails = 0;
    size_t dates = 0;
    snprintf(tails[ntails++], sizeof(tails[0]), "%s", "980年3月2日");
    snprintf(tails[ntails++], sizeof(tails[0]), "%s", "000/3/2");
    snprintf(tails[ntails++], sizeof(tails[0]), "%s", "2.3.2");
    for (int e = AZK_ERA_MEIJI; e < AZK_ERA__COUNT; e++) {
        const char *name = azk_date__era_name((azk_era)e);
        uint32_t cp;
        size_t cl = azk_utf8_decode((const uint8_t *)name, strlen(name), &cp);
        snprintf(tails[ntails++], sizeof(tails[0]), "%s2年3月2日", name + cl);
    }
    for (uint32_t cp = 0; cp <= 0x10FFFF; cp += cp < 0x10000 ? 1 : 97) {
        char s[64];
        size_t l;
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        l = azk_utf8_encode(cp, (uint8_t *)s);
        for (size_t t = 0; t < ntails; t++) {
            azk_date d;
            size_t n = l + strlen(tails[t]);
            memcpy(s + l, tails[t], strlen(tails[t]) + 1);
            if (azk_date__parse(s, n, false, &d) > 0) {
                dates++;
                if (!azk_date__may_start(s, n))
                    fail_msg("U+%04X%s is a date the screen refuses", (unsigned)cp, tails[t]);
            }
        }
    }
    /* 1 and 2, M T S H R in both cases, all of them full-width too, five era kanji */
    assert_true(dates >= 2 * (2 + 10) + 5);
    for (int b = 0x80; b < 0x100; b++) {
        static const char *const rest[] = {"1980/3/2",
                                           "\xB1"
                                           "980/3/2",
                                           "\x80\xB1"
                                           "980/3/2"};
        for (size_t t = 0; t < 3; t++) {
            char s[32];
            azk_date d;
            size_t n;
            s[0] = (char)b;
            memcpy(s + 1, rest[t], strlen(rest[t]) + 1);
            n = strlen(s);
            if (azk_date__parse(s, n, false, &d) > 0)
                assert_true(azk_date__may_start(s, n));
        }
    }
}

/* azk_digits__fold one code point at a time (its code before it copied runs) */
static void fold_reference(azk_buf *out, const char *s, size_t len, bool lower, bool drop_seps)
{
    size_t i = 0;
    azk_buf_clear(out);
    assert_int_equal(azk_buf_put(out, "", 0), AZK_OK);
    while (i < len) {
        uint32_t a;
        size_t n = azk_digits__next(s, len, i, &a);
        if (a != 0) {
            if (!(drop_seps && (a == '-' || a == ' ' || a == '\t'))) {
                if (lower && a >= 'A' && a <= 'Z')
                    a = a - 'A' + 'a';
                assert_int_equal(azk_buf_putc(out, (int)a), AZK_OK);
            }
        } else {
            assert_int_equal(azk_buf_put(out, s + i, n), AZK_OK);
        }
        i += n;
    }
}

/* azk_digits__fold (runs copied as they are) against the reference, all four flag
 * combinations: generated text of ASCII (NUL, letters, '-', space, tab), full-width
 * digits, letters and hyphen, U+3000, hyphen look-alikes, kana, kanji, 4-byte
 * characters, invalid and cut sequences at both ends */
static void test_norm__digits_fold(void **state)
{
    (void)state;
    static const char *const pieces[] = {
        "0",        "7",        "A",    "z",  "-",  " ",  "\t",          "_",    "@",
        "\x00",     "０",       "９",   "Ａ", "ｚ", "－", "　",          "ー",   "ｰ",
        "‐",        "−",        "─",    "あ", "ア", "山", "𠮟",          "\xFF", "\xE3",
        "\xEF\xBC", "\xC0\xB1", "\x80", "年", "〒", "ﾀ",  "\xF0\x9F\x98"};
    azk_buf got = AZK_BUF_INIT;
    azk_buf want = AZK_BUF_INIT;
    uint64_t x = 0x2545F4914F6CDD1Dull;
    char s[400];
    for (int t = 0; t < 20000; t++) {
        size_t len = 0;
        size_t count;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        count = (size_t)(x % 90);
        for (size_t k = 0; k < count; k++) {
            size_t p;
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* runs of plain letters, then one other piece */
            p = (x >> 11) % 4 != 0 ? 2 + (x >> 17) % 2
                                   : (x >> 23) % (sizeof(pieces) / sizeof(pieces[0]));
            if (p == 9) {
                s[len++] = '\0'; /* "\x00" as a piece: strlen would say 0 */
                continue;
            }
            memcpy(s + len, pieces[p], strlen(pieces[p]));
            len += strlen(pieces[p]);
        }
        for (int f = 0; f < 4; f++) {
            bool lower = (f & 1) != 0;
            bool drop = (f & 2) != 0;
            azk_buf_clear(&got);
            assert_int_equal(azk_digits__fold(&got, s, len, lower, drop), AZK_OK);
            fold_reference(&want, s, len, lower, drop);
            assert_int_equal(got.len, want.len);
            assert_memory_equal(got.data, want.data, want.len + 1);
            /* the tail cut anywhere: sequences cut at the end */
            if (len > 0) {
                size_t cut = (size_t)(x >> 29) % len;
                azk_buf_clear(&got);
                assert_int_equal(azk_digits__fold(&got, s, cut, lower, drop), AZK_OK);
                fold_reference(&want, s, cut, lower, drop);
                assert_int_equal(got.len, want.len);
                assert_memory_equal(got.data, want.data, want.len + 1);
            }
        }
    }
    /* appends to what out holds */
    azk_buf_clear(&got);
    assert_int_equal(azk_buf_put(&got, "x", 1), AZK_OK);
    assert_int_equal(azk_digits__fold(&got, "０1", strlen("０1"), false, false), AZK_OK);
    assert_string_equal((const char *)got.data, "x01");
    azk_buf_dispose(&got);
    azk_buf_dispose(&want);
}

/* Is the UTF-16 text u[0..n) its own normal form under nz? */
static bool icu_normalized(const UNormalizer2 *nz, const UChar *u, int32_t n)
{
    UErrorCode err = U_ZERO_ERROR;
    UBool yes = unorm2_isNormalized(nz, u, n, &err);
    assert_false(U_FAILURE(err));
    return yes != 0;
}

/* The walkers' plain path: azk_utf8_decode and azk_digits__ascii, and the
 * step back as it was written before the three-byte fast path */
static size_t next_reference(const uint8_t *u, size_t len, size_t pos, uint32_t *ascii)
{
    uint32_t cp;
    size_t n = azk_utf8_decode(u + pos, len - pos, &cp);
    *ascii = azk_digits__ascii(cp);
    return n;
}

static size_t prev_reference(const uint8_t *u, size_t len, size_t pos, uint32_t *ascii)
{
    size_t start = pos - 1, n;
    uint32_t a;
    if (u[start] < 0x80) {
        *ascii = u[start];
        return start;
    }
    while (start > 0 && pos - start < 4 && (u[start] & 0xC0) == 0x80)
        start--;
    n = next_reference(u, len, start, &a);
    if (start + n != pos) {
        *ascii = 0;
        return pos - 1;
    }
    *ascii = a;
    return start;
}

/* azk_digits__next / __prev (their three-byte fast paths) against the plain
 * path on every lead byte >= 0x80 followed by every two bytes, cut at every
 * length, after an ASCII byte, a continuation byte, a two-, three- or
 * four-byte lead, or at the buffer's start */
static void test_norm__digits_walk(void **state)
{
    static const uint8_t before[] = {'a', 0x80, 0xC3, 0xE3, 0xF0};
    uint8_t b[8];
    (void)state;
    for (unsigned b0 = 0x80; b0 < 0x100; b0++) {
        for (unsigned b1 = 0; b1 < 0x100; b1++) {
            for (unsigned b2 = 0; b2 < 0x100; b2++) {
                uint32_t a, r;
                size_t n, m;
                b[1] = (uint8_t)b0;
                b[2] = (uint8_t)b1;
                b[3] = (uint8_t)b2;
                for (size_t len = 2; len <= 4; len++) {
                    n = azk_digits__next((const char *)b, len, 1, &a);
                    m = next_reference(b, len, 1, &r);
                    if (n != m || a != r)
                        fail_msg("next %02X %02X %02X len %zu: %zu/%u, want %zu/%u", b0, b1, b2,
                                 len - 1, n, (unsigned)a, m, (unsigned)r);
                }
                if (b2 < 0x80)
                    continue; /* prev looks at a byte >= 0x80 before pos */
                for (size_t k = 0; k <= sizeof(before); k++) {
                    /* k == sizeof(before): the three bytes start the buffer */
                    const uint8_t *u = k < sizeof(before) ? b : b + 1;
                    b[0] = k < sizeof(before) ? before[k] : 0;
                    n = azk_digits__prev((const char *)u, k < sizeof(before) ? 4 : 3,
                                         k < sizeof(before) ? 4 : 3, &a);
                    m = prev_reference(u, k < sizeof(before) ? 4 : 3, k < sizeof(before) ? 4 : 3,
                                       &r);
                    if (n != m || a != r)
                        fail_msg("prev %02X|%02X %02X %02X: %zu/%u, want %zu/%u", b[0], b0, b1, b2,
                                 n, (unsigned)a, m, (unsigned)r);
                }
            }
        }
    }
    /* a step back from inside a field, not its end: prev sees no byte after pos */
    {
        static const char s[] = "\xE3\x81\x82\xEF\xBC\x91";
        uint32_t a;
        assert_int_equal(azk_digits__prev(s, 6, 3, &a), 0);
        assert_int_equal(a, 0);
        assert_int_equal(azk_digits__prev(s, 6, 6, &a), 3);
        assert_int_equal(a, '1');
    }
}

/*
 * azk_norm__nfkc_stable against ICU: every code point it takes is its own NFKC and
 * NFKC_Casefold (ASCII: its lower case, which azk_norm_text's loop gives) and has a
 * normalisation boundary before it (combines with nothing before it), so any string of
 * them is its own NFKC; code points just outside the ranges, combining kana marks,
 * full-width forms and invalid UTF-8 are not taken; and azk_norm_text gives the same
 * bytes as ICU's NFKC (then its own loop) on generated names and readings.
 */
static void test_norm__nfkc_stable(void **state)
{
    (void)state;
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *k = unorm2_getNFKCInstance(&err);
    const UNormalizer2 *kcf = unorm2_getNFKCCasefoldInstance(&err);
    size_t taken = 0;
    assert_false(U_FAILURE(err));
    for (uint32_t cp = 1; cp < 0x10000; cp++) {
        char s[4];
        UChar u[2] = {(UChar)cp, 0};
        size_t l;
        if (cp >= 0xD800 && cp <= 0xDFFF)
            continue;
        l = azk_utf8_encode(cp, (uint8_t *)s);
        if (!azk_norm__nfkc_stable(s, l))
            continue;
        taken++;
        assert_true(unorm2_hasBoundaryBefore(k, (UChar32)cp));
        assert_true(unorm2_hasBoundaryBefore(kcf, (UChar32)cp));
        assert_true(icu_normalized(k, u, 1));
        if (cp >= 'A' && cp <= 'Z') {
            UChar lo[4];
            assert_int_equal(unorm2_normalize(kcf, u, 1, lo, 4, &err), 1);
            assert_int_equal(lo[0], cp - 'A' + 'a');
        } else if (!icu_normalized(kcf, u, 1)) {
            fail_msg("U+%04X changes under NFKC_Casefold", (unsigned)cp);
        }
    }
    assert_true(taken > 128 + 20000 + 6000 + 80 + 90);
    {
        /* not taken: the neighbours of the ranges, combining voiced marks, full-width,
         * ideographic space, compatibility kanji, 4-byte, invalid and cut sequences */
        static const char *const no[] = {
            "\u3040", "\u3097",     "\u3099", "\u309A",   "\u30A0",   "\u30FB",
            "\u30FD", "\u4DC0",     "\u3006", "\uFF21",   "\u3000",   "\uF900",
            "\uFA11", "\U00020B9F", "\xFF",   "\xE5\xB1", "\xC0\xB1", "\xEF\xBF\xBD"};
        for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
            assert_false(azk_norm__nfkc_stable(no[i], strlen(no[i])));
        assert_true(azk_norm__nfkc_stable("", 0));
        assert_true(
            azk_norm__nfkc_stable("山田タロウやまだ々ー Ab1", strlen("山田タロウやまだ々ー Ab1")));
        assert_false(azk_norm__nfkc_stable("ｶﾞ", strlen("ｶﾞ")));
        assert_false(azk_norm__nfkc_stable("カ\u3099", strlen("カ\u3099")));
    }
    /* the flags of names, readings, addresses and ids: same bytes as before on text of
     * the stable set (checked above) and on text with one character outside it */
    {
        static const char *const texts[] = {"山田　太郎",
                                            "山田 太郎様",
                                            "ヤマダ タロウ",
                                            "やまだ たろう",
                                            "ﾔﾏﾀﾞ ﾀﾛｰ",
                                            "髙橋眞一",
                                            "斉藤ヴァイオリン",
                                            "東京都千代田区1-2-3",
                                            "AbC-01",
                                            "カ\u3099ス",
                                            "塚﨑",
                                            "ＡＢ－００１",
                                            "おおの"};
        static const unsigned flags[] = {
            AZK_NORM_NAME, AZK_NORM_READING, AZK_NORM_NFKC | AZK_NORM_CASE | AZK_NORM_SPACES_REMOVE,
            AZK_NORM_NFKC | AZK_NORM_SPACES_REMOVE | AZK_NORM_VARIANT_KANJI};
        for (size_t t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
            for (size_t f = 0; f < sizeof(flags) / sizeof(flags[0]); f++) {
                azk_buf a = AZK_BUF_INIT;
                azk_buf b = AZK_BUF_INIT;
                UChar u16[128];
                UChar n16[256];
                char n8[512];
                int32_t ul = 0;
                int32_t nl;
                int32_t l8 = 0;
                const UNormalizer2 *nz = (flags[f] & AZK_NORM_CASE) ? kcf : k;
                /* the reference: ICU's NFKC first, then azk_norm_text of its (stable) output */
                u_strFromUTF8(u16, 128, &ul, texts[t], -1, &err);
                nl = unorm2_normalize(nz, u16, ul, n16, 256, &err);
                u_strToUTF8(n8, sizeof(n8), &l8, n16, nl, &err);
                assert_false(U_FAILURE(err));
                assert_int_equal(azk_norm_text(&a, texts[t], strlen(texts[t]), flags[f]), AZK_OK);
                if (azk_norm__nfkc_stable(n8, (size_t)l8)) {
                    assert_int_equal(azk_norm_text(&b, n8, (size_t)l8, flags[f]), AZK_OK);
                    assert_string_equal((const char *)a.data, (const char *)b.data);
                }
                azk_buf_dispose(&a);
                azk_buf_dispose(&b);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_norm__nfkc_width),    cmocka_unit_test(test_norm__kana_folding),
        cmocka_unit_test(test_norm__long_vowel),    cmocka_unit_test(test_norm__spaces),
        cmocka_unit_test(test_norm__variant_kanji), cmocka_unit_test(test_norm__names),
        cmocka_unit_test(test_norm__kana_reading),  cmocka_unit_test(test_norm__address),
        cmocka_unit_test(test_norm__kanji_number),  cmocka_unit_test(test_norm__email_id_postal),
        cmocka_unit_test(test_norm__invalid_utf8),  cmocka_unit_test(test_norm__phone),
        cmocka_unit_test(test_norm__date_eras),     cmocka_unit_test(test_norm__date_argument),
        cmocka_unit_test(test_norm__char_classes),  cmocka_unit_test(test_norm__id_ascii),
        cmocka_unit_test(test_norm__date_screen),   cmocka_unit_test(test_norm__digits_fold),
        cmocka_unit_test(test_norm__digits_walk),   cmocka_unit_test(test_norm__nfkc_stable),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
