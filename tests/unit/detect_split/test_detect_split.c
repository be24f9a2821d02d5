/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/detect_split -- azk_column_classify's shortcut for cells of
 * digits and the punctuation header folding drops (columns.c
 * only_number_bytes): the answer with the shortcut is the answer without it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect_split__classify_numbers_shortcut),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
