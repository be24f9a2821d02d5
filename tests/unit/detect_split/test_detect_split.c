/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/detect_split -- azk_column_classify's shortcut for cells of
 * digits and the punctuation header folding drops (columns.c
 * only_number_bytes) and the byte screen in front of its substring rules
 * (classify): the answer with the shortcut is the answer without it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "azukari/types.h"
#include "detect/detect.h"

/*
 * A bracketed note is dropped by the fold ("（必須）", "(半角)"), so s and
 * s + "(x)" fold alike and classify alike; the second never takes the
 * shortcut (a bracket is not a number byte). Every string of one to three
 * characters from digits, letters and punctuation, and header words with
 * digits and separators around them.
 */
static void same_with_note(const char *s, size_t n)
{
    char b[64];
    azk_column_kind a, k;
    memcpy(b, s, n);
    memcpy(b + n, "(x)", 3);
    a = azk_column_classify(s, n);
    k = azk_column_classify(b, n + 3);
    if (a != k)
        print_error("'%.*s': %d, with a note %d\n", (int)n, s, (int)a, (int)k);
    assert_int_equal(a, k);
}

static void test_detect_split__classify_numbers_shortcut(void **state)
{
    static const char alpha[] = "0123456789 \t_-.:*\"'#/abdeilnotxyz@,+";
    static const char *const words[] = {"id",    "no",   "tel",  "fax", "zip",  "dob",  "mail",
                                        "name",  "cell", "addr", "sku", "date", "time", "code",
                                        "price", "住所", "番号", "〒",  "電話", "ＩＤ"};
    static const char *const around[] = {"", "1", "2-", "#", " ", "12:", "/3", "_9", "*"};
    const size_t na = sizeof(alpha) - 1;
    char s[64];
    size_t i, j, k, w;
    (void)state;
    for (i = 0; i < na; i++) {
        s[0] = alpha[i];
        same_with_note(s, 1);
        for (j = 0; j < na; j++) {
            s[1] = alpha[j];
            same_with_note(s, 2);
            for (k = 0; k < na; k++) {
                s[2] = alpha[k];
                same_with_note(s, 3);
            }
        }
    }
    for (w = 0; w < sizeof(words) / sizeof(words[0]); w++) {
        for (i = 0; i < sizeof(around) / sizeof(around[0]); i++) {
            for (j = 0; j < sizeof(around) / sizeof(around[0]); j++) {
                int n = snprintf(s, sizeof(s), "%s%s%s", around[i], words[w], around[j]);
                same_with_note(s, (size_t)n);
            }
        }
    }
    /* known answers: numbers are no header, a numbered header keeps its kind */
    assert_int_equal(azk_column_classify("3452363", 7), AZK_COL_NONE);
    assert_int_equal(azk_column_classify("2026-06-17", 10), AZK_COL_NONE);
    assert_int_equal(azk_column_classify("7911.68", 7), AZK_COL_NONE);
    assert_int_equal(azk_column_classify("tel2", 4), AZK_COL_PHONE);
    assert_int_equal(azk_column_classify("no", 2), AZK_COL_OTHER);
    assert_int_equal(azk_column_classify("id1", 3), AZK_COL_OTHER);
}

/* xorshift64: fixed seed, the same cells on every run */
static uint64_t rnd_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(void)
{
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}

static void same_with_screen(const char *s, size_t n)
{
    azk_column_kind a, k;
    azk_column__screen_off = true;
    a = azk_column__classify_plain(s, n);
    azk_column__screen_off = false;
    k = azk_column__classify_plain(s, n);
    if (a != k)
        print_error("'%.*s': %d without the screen, %d with it\n", (int)n, s, (int)a, (int)k);
    assert_int_equal(a, k);
}

/*
 * classify()'s byte screen (a substring word whose first or third byte is
 * not in the folded header is skipped) against strstr() on every word:
 * every table word alone, cut short, with a byte changed, in full-width
 * and upper case, with notes, separators, digits and other words around it,
 * and 40,000 random mixes of words, pieces of words and fillers.
 */
static void test_detect_split__classify_screen(void **state)
{
    static const char *const fill[] = {
        "",     "1",  "山田",   "（必須）", "(半角)", "ＴＥＬ", "Ｅ－ｍａｉｌ",
        " ",    "_",  "-",      "・",       "日",     "生年",   "date",
        "ー",   "ｰ",  "x",      "ab",       "番",     "号",     "\xc2\xa0",
        "【",   "】", "「注」", "ＡＢＣ",   "カ",     "ナ",     "電",
        "話",   "〒", "ﾃﾞﾝﾜ",   "メ",       "ル",     "abc",    "Name",
        "ＮＯ", "２", "*",      "#",        "\x80",
    };
    const size_t nf = sizeof(fill) / sizeof(fill[0]);
    const char *w;
    size_t nw = 0, i, j;
    char s[160];
    (void)state;
    while (azk_column__word(nw) != NULL)
        nw++;
    assert_true(nw > 100);
    for (i = 0; i < nw; i++) {
        size_t l;
        w = azk_column__word(i);
        l = strlen(w);
        same_with_screen(w, l);
        for (j = 1; j < l; j++) { /* cut short; one byte changed */
            same_with_screen(w, j);
            memcpy(s, w, l);
            s[j] = (char)(s[j] ^ 1);
            same_with_screen(s, l);
        }
        for (j = 0; j < nf; j++) {
            int n = snprintf(s, sizeof(s), "%s%s", fill[j], w);
            same_with_screen(s, (size_t)n);
            n = snprintf(s, sizeof(s), "%s%s%s", w, fill[j], fill[(j * 7) % nf]);
            same_with_screen(s, (size_t)n);
        }
        for (j = 0; j < l && j < sizeof(s) - 1; j++) /* upper case */
            s[j] = (w[j] >= 'a' && w[j] <= 'z') ? (char)(w[j] - 32) : w[j];
        same_with_screen(s, l);
    }
    for (i = 0; i < 40000; i++) {
        size_t n = 0, parts = 1 + rnd() % 4;
        for (j = 0; j < parts; j++) {
            uint64_t r = rnd();
            const char *p;
            size_t l;
            if (r % 3 == 0) {
                p = fill[(r >> 8) % nf];
                l = strlen(p);
            } else {
                p = azk_column__word((r >> 8) % nw);
                l = strlen(p);
                if (r % 5 == 0) /* a piece of a word */
                    l = (r >> 32) % (l + 1);
            }
            if (n + l >= sizeof(s))
                break;
            memcpy(s + n, p, l);
            n += l;
        }
        same_with_screen(s, n);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_split__classify_numbers_shortcut),
        cmocka_unit_test(test_detect_split__classify_screen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
