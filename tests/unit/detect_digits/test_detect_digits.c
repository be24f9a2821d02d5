/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/detect_digits -- the screens in front of the digit rules
 * (detect_field.c, detect_numbers.c) at their edges: a value at the very
 * start and end of fields of every length (the word-at-a-time tails of the
 * digit and matcher screens), every separator and parenthesis a token may
 * hold, full-width digits inside a group, each token length that can or
 * cannot be a digit type, a value after a token that is rejected, and the
 * confidence floor applied before a digit candidate is stored. Each test
 * fails if a screen rejects what the rules behind it would have found.
 * Every value is synthetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "detect/detect.h"
#include "detect_run.h"

static azk_detect_engine *g_eng; /* every type but names, floor 0.5 */
static azk_detect_engine *g_low; /* the same with floor 0.4 */

static int setup(void **state)
{
    azk_detect_options o = AZK_DETECT_OPTIONS_INIT;
    (void)state;
    o.types = ((1u << AZK_PII__COUNT) - 1) & ~(1u << AZK_PII_PERSON_NAME);
    if (azk_detect__engine_new(&g_eng, &o) != AZK_OK)
        return -1;
    o.min_confidence = 0.4;
    if (azk_detect__engine_new(&g_low, &o) != AZK_OK)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    azk_detect__engine_free(g_eng);
    azk_detect__engine_free(g_low);
    return 0;
}

/* Exactly one finding of type t covering `span` at byte `start` of text. */
static void expect_at(azk_detect_engine *eng, const char *text, azk_pii_type t, size_t start,
                      const char *span)
{
    struct got g = detect_run_text(eng, text, strlen(text));
    if (g.n != 1 || g.f[0].type != t || g.f[0].start != start)
        print_error("\"%s\": %zu findings, first %s at %zu\n", text, g.n,
                    g.n ? azk_pii_type_name(g.f[0].type) : "-", g.n ? g.f[0].start : 0);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.f[0].type, t);
    assert_int_equal(g.f[0].start, start);
    assert_int_equal(g.f[0].len, strlen(span));
    assert_memory_equal(text + start, span, strlen(span));
}

static void expect_one(const char *text, azk_pii_type t, const char *span)
{
    const char *p = strstr(text, span);
    assert_non_null(p);
    expect_at(g_eng, text, t, (size_t)(p - text), span);
}

static void expect_none_eng(azk_detect_engine *eng, const char *text)
{
    struct got g = detect_run_text(eng, text, strlen(text));
    if (g.n != 0)
        print_error("\"%s\": unexpected %s\n", text, azk_pii_type_name(g.f[0].type));
    assert_int_equal(g.n, 0);
}

static void expect_none(const char *text)
{
    expect_none_eng(g_eng, text);
}

/*
 * A value at the very end and at the very start of fields of 1 to 140
 * bytes: the digit masks and the matcher screen read the last bytes of a
 * field with overlapping word loads, and a field of 64 bytes or more in
 * blocks of 64. Fields are copied to an exact-size heap buffer so ASan sees
 * any read past their end.
 */
static void test_digits__field_tails(void **state)
{
    static const struct {
        const char *v;
        azk_pii_type t;
    } vals[] = {
        {"090-1234-5678", AZK_PII_PHONE},
        {"09012345678", AZK_PII_PHONE},
        {"０９０－１２３４－５６７８", AZK_PII_PHONE}, /* full-width: 0xEF bytes */
        {"090-1234-567８", AZK_PII_PHONE},             /* one full-width digit, last */
        {"a@b.jp", AZK_PII_EMAIL},                     /* '@' only in the last bytes */
        {"x＠y.jp", AZK_PII_EMAIL},
    };
    char line[256];
    size_t k, v, pad;
    (void)state;
    for (v = 0; v < sizeof(vals) / sizeof(vals[0]); v++) {
        size_t vl = strlen(vals[v].v);
        for (pad = 0; pad + vl + 1 <= 140; pad++) {
            struct got g;
            char *buf;
            /* "zz...z VALUE" and "VALUE zz...z" */
            for (k = 0; k < 2; k++) {
                size_t n = 0, at;
                if (k == 0) {
                    memset(line, 'z', pad);
                    n = pad;
                    line[n++] = ' ';
                    at = n;
                    memcpy(line + n, vals[v].v, vl);
                    n += vl;
                } else {
                    at = 0;
                    memcpy(line, vals[v].v, vl);
                    n = vl;
                    line[n++] = ' ';
                    memset(line + n, 'z', pad);
                    n += pad;
                }
                buf = test_malloc(n);
                memcpy(buf, line, n);
                g = detect_run_text(g_eng, buf, n);
                if (g.n != 1 || g.f[0].type != vals[v].t || g.f[0].start != at)
                    print_error("value %zu, pad %zu, %s: %zu findings\n", v, pad,
                                k ? "start" : "end", g.n);
                assert_int_equal(g.n, 1);
                assert_int_equal(g.f[0].type, vals[v].t);
                assert_int_equal(g.f[0].start, at);
                assert_int_equal(g.f[0].len, vl);
                test_free(buf);
            }
        }
    }
}

/* Every separator, hyphen look-alike and parenthesis a phone token may hold. */
static void test_digits__separators(void **state)
{
    static const char *const seps[] = {
        "-", " ", "‐", "‑", "‒", "–", "—", "―", "−", "ー", "ｰ", "－", "﹣", "⁃", "˗", "　",
    };
    char line[96], tok[64];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(seps) / sizeof(seps[0]); i++) {
        (void)snprintf(tok, sizeof(tok), "03%s2345%s6789", seps[i], seps[i]);
        (void)snprintf(line, sizeof(line), "電話 %s", tok);
        expect_one(line, AZK_PII_PHONE, tok);
        /* a digit run followed by a non-ASCII separator, after ASCII text */
        (void)snprintf(line, sizeof(line), "call %s now", tok);
        expect_one(line, AZK_PII_PHONE, tok);
    }
    expect_one("電話 03(2345)6789", AZK_PII_PHONE, "03(2345)6789");
    expect_one("電話 03（2345）6789", AZK_PII_PHONE, "03（2345）6789");
    expect_one("(03)2345-6789", AZK_PII_PHONE, "(03)2345-6789");
    expect_one("（03）2345-6789", AZK_PII_PHONE, "（03）2345-6789");
    expect_one("+81 (0)3-2345-6789", AZK_PII_PHONE, "+81 (0)3-2345-6789");
    expect_one("＋８１ ３ ２３４５ ６７８９", AZK_PII_PHONE, "＋８１ ３ ２３４５ ６７８９");
    expect_one("〒100-0001", AZK_PII_POSTAL_CODE, "100-0001");
    expect_one("〒１００－０００１", AZK_PII_POSTAL_CODE, "１００－０００１");
    /* ASCII and full-width digits mixed inside one group */
    expect_one("電話 090-1234-56７８", AZK_PII_PHONE, "090-1234-56７８");
    expect_one("電話 ０90-1234-5678", AZK_PII_PHONE, "０90-1234-5678");
}

static void make_corporate(const char *d12, char out[14])
{
    int sum = 0, k;
    for (k = 1; k <= 12; k++)
        sum += (d12[12 - k] - '0') * (k % 2 ? 1 : 2);
    out[0] = (char)('0' + 9 - sum % 9);
    memcpy(out + 1, d12, 12);
    out[13] = '\0';
}

static void make_my_number(const char *d11, char out[13])
{
    int sum = 0, k;
    for (k = 1; k <= 11; k++)
        sum += (d11[11 - k] - '0') * (k <= 6 ? k + 1 : k - 5);
    memcpy(out, d11, 11);
    out[11] = (char)('0' + (sum % 11 <= 1 ? 0 : 11 - sum % 11));
    out[12] = '\0';
}

/* Complete n-1 digits with their Luhn digit. */
static void make_luhn(const char *prefix, char *out)
{
    size_t n = strlen(prefix), i;
    int sum = 0;
    int dbl = 1;
    for (i = n; i-- > 0;) {
        int v = prefix[i] - '0';
        if (dbl) {
            v *= 2;
            if (v > 9)
                v -= 9;
        }
        sum += v;
        dbl = !dbl;
    }
    memcpy(out, prefix, n);
    out[n] = (char)('0' + (10 - sum % 10) % 10);
    out[n + 1] = '\0';
}

/*
 * The lengths a token may have: 7 (account, postal code), 10 and 11 from a
 * 0 (phone), 12, 13, 14 to 19 (card); the others are rejected before any
 * check. Each accepted length is found, each neighbour is not.
 */
static void test_digits__token_lengths(void **state)
{
    char line[128], v[24];
    (void)state;
    expect_one("口座番号 1234567", AZK_PII_BANK_ACCOUNT, "1234567");
    expect_none("口座番号 123456");
    expect_none("口座番号 12345678");
    expect_one("電話 0332345678", AZK_PII_PHONE, "0332345678");
    expect_none("電話 3332345678");
    expect_one("電話 09012345678", AZK_PII_PHONE, "09012345678");
    expect_none("電話 19012345678");
    expect_none("電話 031234567");
    make_my_number("12345678901", v);
    (void)snprintf(line, sizeof(line), "個人番号 %s", v);
    expect_one(line, AZK_PII_MY_NUMBER, v);
    (void)snprintf(line, sizeof(line), "個人番号 %.4s %.4s %.4s", v, v + 4, v + 8);
    expect_at(g_eng, line, AZK_PII_MY_NUMBER, strlen("個人番号 "), line + strlen("個人番号 "));
    make_corporate("700110005901", v);
    (void)snprintf(line, sizeof(line), "法人番号 %s", v);
    expect_one(line, AZK_PII_CORPORATE_NUMBER, v);
    (void)snprintf(line, sizeof(line), "登録番号 T%s", v);
    expect_at(g_eng, line, AZK_PII_CORPORATE_NUMBER, strlen("登録番号 "),
              line + strlen("登録番号 "));
    make_luhn("3056930902590", v); /* Diners, 14 */
    (void)snprintf(line, sizeof(line), "カード %s", v);
    expect_one(line, AZK_PII_CREDIT_CARD, v);
    make_luhn("37828224631000", v); /* Amex, 15 */
    (void)snprintf(line, sizeof(line), "カード %s", v);
    expect_one(line, AZK_PII_CREDIT_CARD, v);
    make_luhn("411111111111111", v); /* Visa, 16 */
    (void)snprintf(line, sizeof(line), "カード %s", v);
    expect_one(line, AZK_PII_CREDIT_CARD, v);
    make_luhn("353011111111111111", v); /* JCB, 19 */
    (void)snprintf(line, sizeof(line), "カード %s", v);
    expect_one(line, AZK_PII_CREDIT_CARD, v);
    make_luhn("4111111111111111111", v); /* 20 digits: no card */
    (void)snprintf(line, sizeof(line), "カード %s", v);
    expect_none(line);
    /* a rejected slice (8, 18, 14, 10 from a 1 digits) does not hide the
     * phone after the spaces of the same token */
    expect_one("ref KX-1234-5678 03 2345 6789", AZK_PII_PHONE, "03 2345 6789");
    expect_one("ref 1234 03 2345 6789", AZK_PII_PHONE, "03 2345 6789");
}

/* The findings of one cell under header `hdr` (a row of one column). */
static struct got run_cell(const char *hdr, const char *text, size_t len)
{
    return detect_run_field(g_eng, hdr, text, len);
}

/*
 * token_read takes up to eight ASCII digits at once (a word load that ends
 * at the field's end for the last bytes, a short load in a field under
 * eight bytes): a full-width digit at every place of a group, every length
 * of a group at the very end of an exact-size field, fields of 1..7 bytes,
 * and the 48-digit limit of a token at its edge.
 */
static void test_digits__token_chunks(void **state)
{
    char corp[14], line[160], *buf;
    size_t s, n, k;
    struct got g;
    (void)state;
    make_corporate("700110005901", corp);
    for (s = 0; s <= 13; s++) {
        /* digit s full-width (s == 13: none), the value last in the field */
        n = (size_t)snprintf(line, sizeof(line), "法人番号 ");
        for (k = 0; k < 13; k++) {
            if (k == s) {
                line[n++] = (char)0xEF;
                line[n++] = (char)0xBC;
                line[n++] = (char)(0x90 + (corp[k] - '0'));
            } else {
                line[n++] = corp[k];
            }
        }
        buf = test_malloc(n);
        memcpy(buf, line, n);
        g = detect_run_text(g_eng, buf, n);
        if (g.n != 1)
            print_error("full-width digit %zu: %zu findings\n", s, g.n);
        assert_int_equal(g.n, 1);
        assert_int_equal(g.f[0].type, AZK_PII_CORPORATE_NUMBER);
        assert_int_equal(g.f[0].start, strlen("法人番号 "));
        assert_int_equal(g.f[0].len, n - strlen("法人番号 "));
        test_free(buf);
        /* a wrong check digit in the same place is rejected */
        line[n - 1] = line[n - 1] == '9' || (unsigned char)line[n - 1] == 0x99
                          ? (char)(line[n - 1] - 1)
                          : (char)(line[n - 1] + 1);
        buf = test_malloc(n);
        memcpy(buf, line, n);
        g = detect_run_text(g_eng, buf, n);
        assert_int_equal(g.n, 0);
        test_free(buf);
    }
    /* the 7 digits of an account cell alone (a field of 7 bytes), and every
     * shorter or longer cell not */
    for (n = 1; n <= 9; n++) {
        buf = test_malloc(n);
        memcpy(buf, "123456789", n);
        g = run_cell("口座番号", buf, n);
        if (g.n != (n == 7 ? 1u : 0u))
            print_error("account cell of %zu digits: %zu findings\n", n, g.n);
        assert_int_equal(g.n, n == 7 ? 1 : 0);
        if (n == 7) {
            assert_int_equal(g.f[0].type, AZK_PII_BANK_ACCOUNT);
            assert_int_equal(g.f[0].len, 7);
        }
        test_free(buf);
    }
    /* a non-digit right after 1..7 digits in a field of under eight bytes */
    for (n = 1; n <= 7; n++) {
        memcpy(line, "1234567", n);
        line[n] = 'x';
        buf = test_malloc(n + 1 > 7 ? 7 : n + 1);
        memcpy(buf, line, n + 1 > 7 ? 7 : n + 1);
        g = run_cell("口座番号", buf, n + 1 > 7 ? 7 : n + 1);
        assert_int_equal(g.n, n == 7 ? 1 : 0);
        test_free(buf);
    }
    /* 48 digits in a token at most: a phone that ends at digit 48 is read,
     * one that would end at digit 49 or 50 is not (groups, then one run) */
    expect_one("電話 1111 1111 1111 1111 1111 1111 1111 1111 1111 11 03 2345 6789", AZK_PII_PHONE,
               "03 2345 6789");
    expect_none("電話 1111 1111 1111 1111 1111 1111 1111 1111 1111 111 03 2345 6789");
    expect_none("電話 1111 1111 1111 1111 1111 1111 1111 1111 1111 1111 03 2345 6789");
    expect_one("電話 11111111111111111111111111111111111111 03 2345 6789", AZK_PII_PHONE,
               "03 2345 6789");
    expect_none("電話 111111111111111111111111111111111111111 03 2345 6789");
}

/*
 * A digit run's neighbours decide on bytes whether it is read: at the start
 * and end of a field, after '(' and '+', after a label word, after a space
 * following a version; a date after a birth label in every separator.
 */
static void test_digits__run_neighbours(void **state)
{
    (void)state;
    expect_one("03-2345-6789", AZK_PII_PHONE, "03-2345-6789");
    expect_one("x 03-2345-6789", AZK_PII_PHONE, "03-2345-6789");
    expect_one("TEL09012345678", AZK_PII_PHONE, "09012345678");
    expect_one("tel:090-1234-5678", AZK_PII_PHONE, "090-1234-5678");
    expect_one("v1.2.3 09012345678", AZK_PII_PHONE, "09012345678");
    expect_one("郵便番号 100-0001", AZK_PII_POSTAL_CODE, "100-0001");
    expect_one("DOB: 1980/03/02", AZK_PII_BIRTH_DATE, "1980/03/02");
    expect_one("生年月日 1980-03-02", AZK_PII_BIRTH_DATE, "1980-03-02");
    expect_one("生年月日：1980.3.2", AZK_PII_BIRTH_DATE, "1980.3.2");
    expect_one("birth 1980年3月2日", AZK_PII_BIRTH_DATE, "1980年3月2日");
    /* inside a version, a path, an id: not read */
    expect_none("build 1.09012345678");
    expect_none("path /09012345678");
    expect_none("id_09012345678");
    expect_none("ID09012345678");
    expect_none("2024-03-01 12:34:56 job=DM4174-9224 done");
}

/*
 * Digit candidates under the confidence floor are not stored: the same
 * value is reported when the floor is lower, and a postal code that a row's
 * address raises above the floor is still found.
 */
static void test_digits__floor(void **state)
{
    char corp[14], line[64];
    (void)state;
    make_corporate("700110005901", corp);
    (void)snprintf(line, sizeof(line), "no %s end", corp); /* 0.45 without label */
    expect_none(line);
    expect_at(g_low, line, AZK_PII_CORPORATE_NUMBER, 3, corp);
    {
        struct got g = detect_run_text(g_low, line, strlen(line));
        assert_string_equal(g.f[0].masked + strlen(g.f[0].masked) - 4, corp + 9);
    }
    {
        /* 0.35 alone, raised to 0.85 by the address after it (no prefecture
         * next to it, which would give 0.9 at once) */
        const char *t = "123-4567 大阪市北区梅田1-2-3";
        struct got g = detect_run_text(g_eng, t, strlen(t));
        assert_int_equal(g.n, 2);
        assert_int_equal(g.f[0].type, AZK_PII_POSTAL_CODE);
        assert_int_equal(g.f[0].len, 8);
        assert_true(g.f[0].confidence > 0.8 && g.f[0].confidence < 0.9);
        assert_int_equal(g.f[1].type, AZK_PII_ADDRESS);
        expect_none("123-4567 在庫あり");
    }
}

/* The findings of one row of a table without header (cells[0..n)). */
static struct got run_row(const char *const *cells, size_t n)
{
    struct got g;
    azk_detect_ctx *ctx = NULL;
    azk_field fd[4];
    azk_record rec;
    size_t i;
    memset(&g, 0, sizeof(g));
    memset(fd, 0, sizeof(fd));
    memset(&rec, 0, sizeof(rec));
    assert_true(n <= 4);
    for (i = 0; i < n; i++) {
        fd[i].ptr = cells[i];
        fd[i].len = strlen(cells[i]);
        fd[i].col = (uint32_t)i;
    }
    rec.line = 2;
    rec.tabular = true;
    rec.fields = fd;
    rec.field_count = n;
    assert_int_equal(azk_detect__ctx_new(&ctx, g_eng), AZK_OK);
    azk_detect__object_begin(ctx, "t.csv");
    assert_int_equal(azk_detect__record(ctx, &rec, collect, &g, NULL), AZK_OK);
    azk_detect__ctx_free(ctx);
    return g;
}

/*
 * A date first in a cell of a key-value row is a birth date when the cell
 * before it names one ("DOB","1980-01-02"): the screen in front of that
 * look-up (detect_field.c, prev_may_name_birth) only skips a previous cell
 * of ASCII bytes without 'b' / 'B' (columns.c, azk_column__may_name_birth;
 * test_detect__birth_screen walks the tables for a word it would miss) or
 * of more than 36 bytes. Birth words in upper, lower and mixed case,
 * non-ASCII ones, and cells the screen skips.
 */
static void test_digits__key_value_birth(void **state)
{
    static const char *const yes[] = {"DOB",           "dob",      "Birthday",     "BIRTHDATE",
                                      "date_of_birth", "生年月日", "誕生日",       "生まれ",
                                      "ＤＯＢ",        "d.o.b",    "Date of Birth"};
    static const char *const no[] = {"7911.68", "SKU-19258", "date", "timeout", "Bank", ""};
    const char *cells[2];
    char longcell[40];
    struct got g;
    size_t i;
    (void)state;
    cells[1] = "1980-01-02";
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        cells[0] = yes[i];
        g = run_row(cells, 2);
        if (g.n != 1)
            print_error("\"%s\": %zu findings\n", yes[i], g.n);
        assert_int_equal(g.n, 1);
        assert_int_equal(g.f[0].type, AZK_PII_BIRTH_DATE);
        assert_int_equal(g.f[0].field, 1);
    }
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        cells[0] = no[i];
        g = run_row(cells, 2);
        assert_int_equal(g.n, 0);
    }
    /* the rules ask only about cells of at most 36 bytes */
    (void)snprintf(longcell, sizeof(longcell), "%-37s", "birthday");
    cells[0] = longcell;
    g = run_row(cells, 2);
    assert_int_equal(g.n, 0);
    longcell[36] = '\0';
    g = run_row(cells, 2);
    assert_int_equal(g.n, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_digits__field_tails),
        cmocka_unit_test(test_digits__separators),
        cmocka_unit_test(test_digits__token_lengths),
        cmocka_unit_test(test_digits__run_neighbours),
        cmocka_unit_test(test_digits__floor),
        cmocka_unit_test(test_digits__token_chunks),
        cmocka_unit_test(test_digits__key_value_birth),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
