/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/detect_settle -- the digit runs decided without decoding
 * (detect_runs.c, s16): digit_run's early return when the character after a
 * short run lets no rule go on and no （ / ＋ is before it, settle_sep's
 * grouping test on the next group's digits, the settling of years before a
 * '-' (settle_date, settle_date_word) whose year look is asked out of line.
 * Each against the plain path (azk_detect__run_screen_off: every run to
 * digit_run in full, every birth-label look made) on runs between
 * neighbours ASCII and not. Every value is synthetic.
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
#define MAXF 64 /* before detect_run.h */
#include "detect_run.h"

static azk_detect_engine *g_eng;

static int setup(void **state)
{
    azk_detect_options o = AZK_DETECT_OPTIONS_INIT;
    (void)state;
    o.types = ((1u << AZK_PII__COUNT) - 1) & ~(1u << AZK_PII_PERSON_NAME);
    o.min_confidence = 0.3;
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

/*
 * Short runs between every pair of a list of neighbours, ASCII and not (kanji,
 * katakana, ー, （ ＋ and their bytes alone, malformed UTF-8, a separator and
 * the next group: what digit_run's early return and settle_sep decide on),
 * at a field's start, middle and end, as a line and as the second cell of a
 * key-value row: the plain path (azk_detect__run_screen_off) must find the
 * same.
 */
static void test_settle__run_neighbours(void **state)
{
    static const char *const before[] = {
        "",   "（",     "＋",   "\xBC\x88", "\x88", "\xEF\xBC\x89",
        "件", "ジョブ", "ー",   "－",       "Ｓ",   "S",
        "(",  "+",      " ",    "=",        "x",    "TEL",
        "-",  "9-",     "0-",   "tel ",     "〒",   "\xC2\xA0",
        "１", "電話 ",  "DOB ", "T",        "Ｔ",   "\xE3\x80\x80"};
    static const char *const after[] = {"",
                                        "件",
                                        "ー",
                                        "－",
                                        "　",
                                        "．",
                                        "／",
                                        "\xE5",
                                        "\xEF",
                                        "\xE4\xB8",
                                        "\xEE\xBF",
                                        "\xE3\x83\xBC",
                                        "\xE2\x80\x90",
                                        " 1234",
                                        " ５６７８",
                                        " x",
                                        "-5",
                                        ".5",
                                        "/5",
                                        "(03",
                                        ")",
                                        " 12",
                                        " 123456",
                                        " 1234５",
                                        " 1234 ",
                                        " 12345678",
                                        "-1234",
                                        "-123456",
                                        "(",
                                        ")1",
                                        " ",
                                        ".",
                                        "/",
                                        "x",
                                        "\xCB\x97",
                                        " \xEF\xBC",
                                        "-\xEF",
                                        "-",
                                        " 1",
                                        " 0120",
                                        "(1234",
                                        "-1234-5678",
                                        " 1234 5678",
                                        "-01-02",
                                        "-4567",
                                        ")1234-5678",
                                        " 1111 1111 1111",
                                        "-123-456",
                                        " ５２６１ １９３１",
                                        " )1234-5678",
                                        " ) 3-1234-5678",
                                        "‐1234‐5678",
                                        "ー1234ー5678",
                                        " 7001 1000 5901",
                                        "/01/02"};
    static const char *const runs[] = {"1",           "0",       "12",   "03",    "123",
                                       "1234",        "0120",    "2024", "12345", "123456",
                                       "1234567",     "090",     "4111", "1980",  "0312345678",
                                       "09012345678", "1000001", "81",   "8"};
    size_t found = 0;
    (void)state;
    for (size_t b = 0; b < sizeof(before) / sizeof(before[0]); b++)
        for (size_t a = 0; a < sizeof(after) / sizeof(after[0]); a++)
            for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
                char buf[96], *cells[2];
                size_t lens[2], n = 0, at = rnd(3);
                static const char *const lead[] = {"", "予約 ", "abc "};
                struct got x, y;
                n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s%s%s%s", lead[at], before[b],
                                      runs[r], after[a], rnd(2) ? "" : " 件");
                for (int kv = 0; kv < 2; kv++) {
                    cells[0] = "生年月日";
                    lens[0] = strlen(cells[0]);
                    cells[kv] =
                        malloc(n > 0 ? n : 1); /* the exact length: ASan sees a read past it */
                    assert_non_null(cells[kv]);
                    memcpy(cells[kv], buf, n);
                    lens[kv] = n;
                    azk_detect__run_screen_off = true;
                    x = detect_run_row(g_eng, cells, lens, 1 + (size_t)kv);
                    azk_detect__run_screen_off = false;
                    y = detect_run_row(g_eng, cells, lens, 1 + (size_t)kv);
                    detect_same_got(&x, &y);
                    found += x.n;
                    free(cells[kv]);
                }
            }
    assert_true(found > 1000); /* tokens found, not only the same nothing */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settle__run_neighbours),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
