/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/detect_runs -- the digit-run fast path of the field scan
 * (detect_field.c, s10): runs taken from 64-bit digit masks, runs at a
 * field's start and end taken apart, the verdict on the bytes around a run
 * by two table look-ups (azk_detect__run_boring), and the birth-word window
 * remembered across the dates of one field. Checked against (1) the rule as
 * it was written before the tables (ref_boring below, the session 9 code),
 * for every byte before and after, every digit count 1..70 and a digit or
 * not before a '-'; (2) the plain path (azk_detect__run_screen_off: every
 * block byte by byte, the birth window looked at whole each time) on random
 * fields and key-value rows built from digit runs (ASCII, full-width, up to
 * 150 digits), separators (- ー − ( ) space / . : ,), +81, 〒, era letters,
 * hyphen-joined tokens (phones, cards, part numbers of two groups),
 * dates (years at the ends of a date's: s14), time zones, log fields
 * (run_settle's verdicts, s13),
 * labels, NUL and kanji, of 0..300 bytes (runs touching the field's start
 * and end, the 64-byte block edges), each field copied to a buffer of its
 * exact length (ASan sees a read past it); (3) the rows of a table, with and
 * without a header of column kinds, walked by azk_detect__scan_row's
 * short-cell path against every cell through azk_detect__scan_field
 * (azk_detect__cell_fast_off); (4) the same on rows of cells of digits only
 * (phone, card, postal and account numbers, amounts, every length 1..63),
 * digits but one byte, and ASCII without a digit; (5) the masks of a whole
 * field of 64 bytes or more made in one AVX2 pass (azk_detect__field_masks,
 * detect_masks.c) against the bytes, for every length 64..320 and random
 * ones up to FIELD_MASK_MAX of every byte value, and the findings of long
 * fields (log lines of 64..1,100 bytes) with and without it
 * (azk_detect__field_masks_off: needs_matcher and the masks block by
 * block); (6) a record's candidates sorted for resolution by the small
 * insertion sort against qsort (azk_detect__resolve_sort_off) on the same
 * random rows. Every value is synthetic.
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

static uint64_t rng = 0x2545F4914F6CDD1Dull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

/* The session 9 rule (detect_field.c run_boring before the tables). */
static bool ref_era(unsigned a)
{
    return a == 'M' || a == 'T' || a == 'S' || a == 'H' || a == 'R' || a == 'm' || a == 't' ||
           a == 's' || a == 'h' || a == 'r';
}

static bool ref_boring(const unsigned char *u, size_t len, size_t rs, size_t e, size_t nd)
{
    unsigned pb = rs > 0 ? u[rs - 1] : 0, nb = e < len ? u[e] : 0;
    if (!(nd == 4 && (nb == '/' || nb == '.' || nb == '-' || nb >= 0x80))) {
        if (pb == '-' && rs >= 2 && (unsigned)(u[rs - 2] - '0') < 10 && nd < 7)
            return true;
        if (pb == '.' || pb == '/' || pb == '_' || pb == '#' || pb == '\\')
            return true;
    }
    if (nd >= 7 || pb >= 0x80 || nb >= 0x80 || pb == '(' || pb == '+')
        return false;
    if (nb == '-' || nb == ' ' || nb == '(' || nb == ')')
        return false;
    if ((nb == '/' || nb == '.') && (nd == 4 || ref_era(pb)))
        return false;
    return true;
}

/* Every byte before and after a run (no digit: runs are maximal), every
 * digit count, with and without a digit before a '-', at the field's
 * start and end. */
static void test_runs__verdict_is_the_rule(void **state)
{
    unsigned char u[96];
    const struct run_screen *s = &g_eng->runs;
    (void)state;
    for (unsigned pb = 0; pb < 256; pb++) {
        if (pb >= '0' && pb <= '9')
            continue;
        for (unsigned nb = 0; nb < 256; nb++) {
            if (nb >= '0' && nb <= '9')
                continue;
            for (size_t nd = 1; nd <= 70; nd++) {
                for (int pp = 0; pp < 2; pp++) {
                    /* u: ppb pb digits nb */
                    size_t rs = 2, e = 2 + nd, len = e + 1;
                    u[0] = pp ? '7' : 'x';
                    u[1] = (unsigned char)pb;
                    memset(u + 2, '5', nd);
                    u[e] = (unsigned char)nb;
                    assert_int_equal(azk_detect__run_boring(s, u, len, rs, e, nd),
                                     ref_boring(u, len, rs, e, nd));
                    /* no byte after: the run ends the field */
                    assert_int_equal(azk_detect__run_boring(s, u, e, rs, e, nd),
                                     ref_boring(u, e, rs, e, nd));
                }
                /* no byte before (the run starts the field), or no second byte */
                u[0] = (unsigned char)pb;
                memset(u + 1, '5', nd);
                u[1 + nd] = (unsigned char)nb;
                assert_int_equal(azk_detect__run_boring(s, u + 1, nd + 1, 0, nd, nd),
                                 ref_boring(u + 1, nd + 1, 0, nd, nd));
                assert_int_equal(azk_detect__run_boring(s, u, nd + 2, 1, nd + 1, nd),
                                 ref_boring(u, nd + 2, 1, nd + 1, nd));
            }
        }
    }
}

static const char *const pieces[] = {
    "-",
    "-",
    "ー",
    "−",
    "－",
    "(",
    ")",
    " ",
    " ",
    "/",
    ".",
    ":",
    ",",
    "_",
    "#",
    "\\",
    "+",
    "+81 ",
    "+81-",
    "〒",
    "S",
    "H",
    "R",
    "T",
    "m",
    "x",
    "TEL",
    "tel:",
    "Fax ",
    "zip ",
    "birth ",
    "DOB:",
    "dob",
    "生年月日",
    "生年月日 ",
    "電話",
    "口座番号",
    "東京都",
    "神田",
    "番地",
    "様",
    "年",
    "月",
    "日",
    "0",
    "03",
    "090",
    "1980",
    "2024",
    "1-2-3",
    "12:34:56",
    "1.2.3.4",
    "0120",
    "１",
    "０３",
    "１２３４",
    "ー",
    "id=",
    /* letters before a run: label ends (tel, zip, ＴＥＬ) and invoice T's
     * reach label_ends_at / invoice_prefix, ids (DM2304-) are screened out */
    "DM",
    "Tel",
    "ZIP",
    "Card",
    "ＴＥＬ",
    "ＴＥＬ0312345678",
    "TEL0312345678",
    "Tel09012345678",
    "T8700110005901",
    "T-8700110005901",
    "t8700110005901",
    "Ｔ",
    "Ｔ8700110005901",
    "v2.",
    "AB-",
    "x@example.jp",
    "1980/01/02",
    "1975-12-31",
    "2024.3.7",
    "1999年1月2日",
    "S55.3.2",
    "birth 1980/01/02 ",
    "DOB 1975-12-31",
    "生年月日：1980/1/2",
    /* years at the ends of a date's (year_may_start_date: a year outside
     * them starts no date, so the birth label is not looked for) */
    "birth 1868/01/01 ",
    "DOB 1867-12-31",
    "dob:2099-12-31",
    "生年月日 2100/01/01",
    "生年月日1868-1-1",
    "birth 2099.1.1",
    "DOB 0999-01-01",
    /* four digits before a hyphen: tokens that are something (a phone, a
     * card) and part numbers of two groups that are nothing */
    "0120-123-456",
    "4111-1111-1111-1111",
    "1234-5678",
    "AB-0088-4234",
    "AB-6194-1611",
    "2024-",
    /* runs the run walk settles by their verdict (run_settle): before a
     * space or a parenthesis (a digit, a full-width digit or none after
     * it), after '+' (time zones, +81, +8), 7..40 digits after a byte that
     * is no letter, four digits before '-' after a letter or not */
    "12:34:56 INFO",
    "rows=57140 ",
    "id=42 (",
    "42 ７",
    "42 様",
    "件数=73781 所要",
    "5 ０",
    "12 （",
    /* letters before a run: a label's last two (tel, TEL, zip, fax) or not
     * (el, ip, hex ids) */
    "hotel",
    "el",
    "Zip",
    "ip",
    "fAx",
    "span=4d",
    "x-phone",
    "mobile",
    "dob",
    "ob",
    "Address",
    "my number",
    "corporate number",
    "03 ５２６１ １９３１",
    "090 １２３４ ５６７８",
    " 7 ",
    "+09:00",
    "+0900]",
    "+09ms",
    "+8",
    "+81 3",
    "2024-03-07 ",
    "2024-0",
    "2024-１",
    "0120-",
    "3782-822463-10005",
    "x１-0120-123-456",
    "DM2304-5651",
    "Tel1234-5678",
    "T1234-",
    "dob1980-",
    "4971851309870",
    "=1234567",
    "1234567ab",
    /* runs between characters >= 0x80 (s16: digit_run stops at once when
     * nothing after the run can go on and no （ or ＋ is before it) */
    "件",
    "第",
    "ジョブ",
    "№",
    "丁目",
    "（",
    "＋",
    "）",
    "．",
    "／",
    "　",
    "‐",
    "˗",
    "\xE5",
    "\xBC\x88",
    "\xEF\xBC",
    "Ｓ",
    " 1234 ",
    " 123456 ",
    " 12345678 ",
    "1 1234",
    "123 4567",
    "1234 5678",
    "1234 567890",
    "0 12",
};

/* A random field of at most cap bytes into buf; its length. */
static size_t random_field(char *buf, size_t cap)
{
    size_t n = 0, want = rnd(5) == 0 ? rnd(300) : rnd(90);
    while (n < want) {
        char tmp[200];
        size_t l = 0;
        switch (rnd(6)) {
            case 0:
            case 1: { /* an ASCII digit run: mostly short, sometimes very long */
                size_t nd = rnd(8) == 0 ? 1 + rnd(150) : 1 + rnd(14);
                for (l = 0; l < nd && l < sizeof(tmp); l++)
                    tmp[l] = (char)('0' + rnd(10));
                break;
            }
            case 2: { /* full-width digits */
                size_t nd = 1 + rnd(12);
                for (size_t k = 0; k < nd; k++) {
                    tmp[l++] = (char)0xEF;
                    tmp[l++] = (char)0xBC;
                    tmp[l++] = (char)(0x90 + rnd(10));
                }
                break;
            }
            case 3:
                if (rnd(10) == 0) {
                    tmp[l++] = '\0';
                    break;
                }
                /* fall through */
            default: {
                const char *p = pieces[rnd(sizeof(pieces) / sizeof(pieces[0]))];
                l = strlen(p);
                memcpy(tmp, p, l);
                break;
            }
        }
        if (n + l > cap)
            break;
        memcpy(buf + n, tmp, l);
        n += l;
    }
    return n;
}

static void test_runs__fast_path_is_plain_path(void **state)
{
    char buf[4][320];
    (void)state;
    for (int k = 0; k < 6000; k++) {
        char *cells[4];
        size_t lens[4], nf = rnd(3) == 0 ? 2 + rnd(3) : 1;
        struct got a, b;
        for (size_t i = 0; i < nf; i++) {
            if (i + 1 < nf && rnd(2) == 0) {
                /* a key-value row: a label cell before the value */
                static const char *const keys[] = {"生年月日", "birthday", "DOB", "電話番号",
                                                   "price",    "1234",     "Bank"};
                const char *key = keys[rnd(sizeof(keys) / sizeof(keys[0]))];
                lens[i] = strlen(key);
                memcpy(buf[i], key, lens[i]);
            } else {
                lens[i] = random_field(buf[i], sizeof(buf[i]));
            }
            /* the exact length on the heap: a read past the field is seen */
            cells[i] = malloc(lens[i] > 0 ? lens[i] : 1);
            assert_non_null(cells[i]);
            memcpy(cells[i], buf[i], lens[i]);
        }
        azk_detect__run_screen_off = true;
        a = detect_run_row(g_eng, cells, lens, nf);
        azk_detect__run_screen_off = false;
        b = detect_run_row(g_eng, cells, lens, nf);
        detect_same_got(&a, &b);
        for (size_t i = 0; i < nf; i++)
            free(cells[i]);
    }
}

/* A digit token at every offset of a field of every length 1..140 (the
 * field's start and end, both sides of each 64-byte block edge), between
 * a few edge bytes: runs of the lengths that decide (1, 3, 4, 7, 10-16). */
static void test_runs__every_offset(void **state)
{
    static const char edge[] = {' ', '-', '(', ')', '/', '.', ':', 'S', '+', '_', 'x', '\0'};
    static const char *const toks[] = {
        "09012345678", "0312345678", "1000001",       "4111111111111111",  "123456789018",
        "1980",        "7",          "123",           "19800102",          "03 ５２６１ １９３１",
        "2024-03-07",  "+09:00",     "090-1234-5678", "3782-822463-10005", "x１-0120-123-456"};
    size_t found = 0;
    (void)state;
    for (size_t len = 1; len <= 140; len++) {
        char *f = malloc(len);
        assert_non_null(f);
        for (size_t d = 0; d < sizeof(toks) / sizeof(toks[0]); d++) {
            size_t nd = strlen(toks[d]);
            if (nd > len)
                continue;
            for (size_t at = 0; at + nd <= len; at++) {
                char pb = edge[rnd(sizeof(edge))], nb = edge[rnd(sizeof(edge))];
                struct got a, b;
                size_t n1 = len;
                char *cells[1] = {f};
                for (size_t i = 0; i < len; i++)
                    f[i] = "ab:cd, "[rnd(7)];
                memcpy(f + at, toks[d], nd);
                if (at > 0)
                    f[at - 1] = pb;
                if (at + nd < len)
                    f[at + nd] = nb;
                if (at > 1 && rnd(3) == 0)
                    f[at - 2] = '9'; /* "9-123": a later group */
                azk_detect__run_screen_off = true;
                a = detect_run_row(g_eng, cells, &n1, 1);
                azk_detect__run_screen_off = false;
                b = detect_run_row(g_eng, cells, &n1, 1);
                detect_same_got(&a, &b);
                found += a.n;
            }
        }
        free(f);
    }
    assert_true(found > 1000); /* the tokens are found, not only the same nothing */
}

/* ASCII pieces: the cells the row's short-cell path takes (no byte >= 0x80, no '@'). */
static const char *const ascii_pieces[] = {
    "-",
    " ",
    "(",
    ")",
    "/",
    ".",
    ":",
    ",",
    "_",
    "#",
    "\\",
    "+",
    "+81 ",
    "S",
    "H",
    "T",
    "x",
    "TEL",
    "tel:",
    "zip ",
    "birth ",
    "DOB:",
    "dob",
    "AB-",
    "DM",
    "id=",
    "0",
    "03",
    "090",
    "1980",
    "2024",
    "1-2-3",
    "0120",
    "T8700110005901",
    "1980/01/02",
    "1975-12-31",
    "S55.3.2",
    "12:34:56",
    "4111111111111111",
    "Tel09012345678",
};

/* A cell of at most cap bytes: ASCII only (half of them), or any pieces. */
static size_t random_cell(char *buf, size_t cap)
{
    size_t n = 0, want = rnd(8) == 0 ? rnd(100) : rnd(40);
    if (rnd(2) == 0)
        return random_field(buf, want < cap ? want : cap);
    while (n < want) {
        char tmp[40];
        size_t l = 0;
        if (rnd(3) == 0) {
            size_t nd = rnd(10) == 0 ? 1 + rnd(30) : 1 + rnd(13);
            for (l = 0; l < nd; l++)
                tmp[l] = (char)('0' + rnd(10));
        } else if (rnd(30) == 0) {
            tmp[l++] = '\0';
        } else {
            const char *p = ascii_pieces[rnd(sizeof(ascii_pieces) / sizeof(ascii_pieces[0]))];
            l = strlen(p);
            memcpy(tmp, p, l);
        }
        if (n + l > cap)
            break;
        memcpy(buf + n, tmp, l);
        n += l;
    }
    return n;
}

/*
 * Rows of a table, under a header of column kinds (birth date and address
 * columns take every cell the full way) or without one (a cell's previous
 * one is its label): azk_detect__scan_row's short-cell path against every
 * cell through azk_detect__scan_field (azk_detect__cell_fast_off).
 */
static struct got run_table(char ***rows, size_t **lens, size_t nrows, size_t nf,
                            const char *const *hdr)
{
    struct got g;
    azk_detect_ctx *ctx = NULL;
    azk_field fd[8];
    azk_record rec;
    memset(&g, 0, sizeof(g));
    memset(fd, 0, sizeof(fd));
    memset(&rec, 0, sizeof(rec));
    rec.line = 1;
    rec.tabular = 1;
    rec.fields = fd;
    rec.field_count = nf;
    assert_int_equal(azk_detect__ctx_new(&ctx, g_eng), AZK_OK);
    azk_detect__object_begin(ctx, "t.csv");
    for (size_t i = 0; i < nf; i++) {
        fd[i].ptr = hdr != NULL ? hdr[i] : "x";
        fd[i].len = strlen(fd[i].ptr);
        fd[i].col = (uint32_t)i;
    }
    rec.is_header = hdr != NULL;
    assert_int_equal(azk_detect__record(ctx, &rec, collect, &g, NULL), AZK_OK);
    rec.is_header = 0;
    for (size_t r = 0; r < nrows; r++) {
        rec.line = 2 + r;
        for (size_t i = 0; i < nf; i++) {
            fd[i].ptr = rows[r][i];
            fd[i].len = lens[r][i];
        }
        assert_int_equal(azk_detect__record(ctx, &rec, collect, &g, NULL), AZK_OK);
    }
    azk_detect__ctx_free(ctx);
    return g;
}

/* The table walked both ways (the short-cell path off, then on), without
 * and with its header (out[0], out[1]: the plain path's findings); both
 * ways must find the same. Returns how many were found in all. */
static size_t table_both_ways(char ***rows, size_t **lens, size_t nrows, size_t nf,
                              const char *const *hdr, struct got out[2])
{
    size_t found = 0;
    for (int h = 0; h < 2; h++) {
        struct got fast;
        azk_detect__cell_fast_off = true;
        out[h] = run_table(rows, lens, nrows, nf, h ? hdr : NULL);
        azk_detect__cell_fast_off = false;
        fast = run_table(rows, lens, nrows, nf, h ? hdr : NULL);
        detect_same_got(&out[h], &fast);
        found += out[h].n;
    }
    return found;
}

static void test_runs__row_is_cell_by_cell(void **state)
{
    static const char *const heads[] = {"生年月日", "住所",   "電話番号", "氏名",     "備考",
                                        "ID",       "メール", "郵便番号", "口座番号", "金額"};
    size_t found = 0;
    (void)state;
    for (int k = 0; k < 3000; k++) {
        size_t nf = 1 + rnd(8), nrows = 1 + rnd(3);
        const char *hdr[8];
        char *cells[3][8], **rows[3];
        size_t lens[3][8], *lp[3];
        struct got two[2];
        for (size_t i = 0; i < nf; i++)
            hdr[i] = heads[rnd(sizeof(heads) / sizeof(heads[0]))];
        for (size_t r = 0; r < nrows; r++) {
            char buf[128];
            for (size_t i = 0; i < nf; i++) {
                lens[r][i] = rnd(4) == 0 && i > 0 ? 0 : random_cell(buf, sizeof(buf));
                if (i + 1 < nf && rnd(6) == 0) { /* a key-value label cell */
                    static const char *const keys[] = {"birthday", "DOB", "Bank", "tel", "1234"};
                    const char *key = keys[rnd(sizeof(keys) / sizeof(keys[0]))];
                    lens[r][i] = strlen(key);
                    memcpy(buf, key, lens[r][i]);
                }
                /* the exact length on the heap: a read past the cell is seen */
                cells[r][i] = lens[r][i] > 0 || rnd(2) ? malloc(lens[r][i] + !lens[r][i]) : NULL;
                if (cells[r][i] != NULL)
                    memcpy(cells[r][i], buf, lens[r][i]);
            }
            rows[r] = cells[r];
            lp[r] = lens[r];
        }
        found += table_both_ways(rows, lp, nrows, nf, hdr, two);
        for (size_t r = 0; r < nrows; r++)
            for (size_t i = 0; i < nf; i++)
                free(cells[r][i]);
    }
    assert_true(found > 2000); /* findings compared, not only the same nothing */
}

/* A cell of ASCII digits only, of 1..63 bytes: phone numbers, postal codes,
 * card numbers (Luhn), account numbers, amounts, JAN codes, any length. */
static size_t digit_cell(char *buf)
{
    size_t n, i;
    switch (rnd(6)) {
        case 0: /* a phone number: 0 and 9 or 10 more */
            n = 10 + rnd(2);
            buf[0] = '0';
            for (i = 1; i < n; i++)
                buf[i] = (char)('0' + rnd(10));
            return n;
        case 1: { /* a card number that passes Luhn, 14..16 digits */
            unsigned sum = 0;
            n = 14 + rnd(3);
            for (i = 0; i + 1 < n; i++)
                buf[i] = (char)('1' + rnd(9));
            for (i = 0; i + 1 < n; i++) {
                unsigned d = (unsigned)(buf[n - 2 - i] - '0');
                if (i % 2 == 0)
                    d = d * 2 > 9 ? d * 2 - 9 : d * 2;
                sum += d;
            }
            buf[n - 1] = (char)('0' + (10 - sum % 10) % 10);
            return n;
        }
        case 2: /* a postal code or account number */
            n = 7;
            break;
        case 3: /* every length up to the short-cell limit */
            n = 1 + rnd(63);
            break;
        default: /* amounts, codes, JAN */
            n = 1 + rnd(14);
            break;
    }
    for (i = 0; i < n; i++)
        buf[i] = (char)('0' + rnd(10));
    return n;
}

/* A cell of 1..15 bytes with a full-width character (a digit, ／, －, ．:
 * lead byte 0xEF) among ASCII digits and separators: the row walk makes the
 * 0xEF mask of a wide cell apart from its digit mask. */
static size_t short_wide_cell(char *buf)
{
    static const char *const wide_pieces[] = {"\xEF\xBC\x90",
                                              "\xEF\xBC\x91",
                                              "\xEF\xBC\x99",
                                              "\xEF\xBC\x8F",
                                              "\xEF\xBC\x8D",
                                              "\xEF\xBC\x8E",
                                              "1",
                                              "2",
                                              "0",
                                              "9",
                                              "-",
                                              "/",
                                              ".",
                                              "S",
                                              "\xE5\xB9\xB4"};
    size_t n = 0, cap = 1 + rnd(15);
    bool wide = false;
    while (n < cap) {
        const char *p = wide_pieces[rnd(sizeof(wide_pieces) / sizeof(wide_pieces[0]))];
        size_t l = strlen(p);
        if (n + l > cap)
            break;
        memcpy(buf + n, p, l);
        wide = wide || (unsigned char)p[0] == 0xEF;
        n += l;
    }
    if (!wide && n + 3 <= 15) { /* a full-width digit at the end */
        memcpy(buf + n, "\xEF\xBC\x95", 3);
        n += 3;
    }
    return n;
}

/*
 * Rows whose cells are mostly all digits (one run from the cell's start to
 * its end, which the row walk decides on the length alone), digits but one
 * byte, ASCII without a digit or short cells with a full-width character,
 * between key-value labels and other cells, under every column kind and
 * without a header: the row walk against cell by cell.
 */
static void test_runs__digit_cells(void **state)
{
    static const char *const heads[] = {"生年月日", "住所", "電話番号", "氏名",
                                        "備考",     "ID",   "メール",   "郵便番号",
                                        "口座番号", "金額", "カード",   "法人番号"};
    static const char *const words[] = {"abc", "TEL", "x", "zip", "Bank",     "tel", "DOB",
                                        "-",   " ",   "T", "No.", "口座番号", "電話"};
    size_t found = 0, digit_found = 0;
    (void)state;
    for (int k = 0; k < 3000; k++) {
        size_t nf = 1 + rnd(8), nrows = 1 + rnd(3);
        const char *hdr[8];
        char *cells[3][8], **rows[3];
        size_t lens[3][8], *lp[3];
        bool digits[3][8];
        struct got two[2];
        for (size_t i = 0; i < nf; i++)
            hdr[i] = heads[rnd(sizeof(heads) / sizeof(heads[0]))];
        for (size_t r = 0; r < nrows; r++) {
            char buf[128];
            for (size_t i = 0; i < nf; i++) {
                unsigned t = rnd(8);
                digits[r][i] = t < 4;
                if (t < 4) {
                    lens[r][i] = digit_cell(buf);
                } else if (t == 4) {
                    /* digits but one byte: the first, the last or any */
                    static const char nd[] = "-x /.(T";
                    size_t n = digit_cell(buf), at = rnd(3) == 0 ? 0 : rnd(2) ? n - 1 : rnd(n);
                    buf[at] = nd[rnd(sizeof(nd) - 1)];
                    lens[r][i] = n;
                } else if (t == 5) {
                    const char *w = words[rnd(sizeof(words) / sizeof(words[0]))];
                    lens[r][i] = strlen(w);
                    memcpy(buf, w, lens[r][i]);
                } else if (t == 6) {
                    lens[r][i] = rnd(3) == 0 ? 64 + rnd(3) : 0; /* over the limit, or empty */
                    memset(buf, '7', lens[r][i]);
                } else if (rnd(2) == 0) {
                    lens[r][i] = short_wide_cell(buf);
                } else {
                    lens[r][i] = random_cell(buf, sizeof(buf));
                }
                cells[r][i] = malloc(lens[r][i] + !lens[r][i]);
                memcpy(cells[r][i], buf, lens[r][i]);
            }
            rows[r] = cells[r];
            lp[r] = lens[r];
        }
        found += table_both_ways(rows, lp, nrows, nf, hdr, two);
        for (int h = 0; h < 2; h++)
            for (size_t j = 0; j < two[h].n; j++) { /* a whole digit cell's finding */
                const azk_finding *g = &two[h].f[j];
                for (size_t r = 0; r < nrows; r++)
                    if (g->field < nf && digits[r][g->field] && g->start == 0 &&
                        g->len == lens[r][g->field]) {
                        digit_found++;
                        break;
                    }
            }
        for (size_t r = 0; r < nrows; r++)
            for (size_t i = 0; i < nf; i++)
                free(cells[r][i]);
    }
    /* findings compared, many of them in all-digit cells */
    assert_true(found > 3000);
    assert_true(digit_found > 2000);
}

/* The masks of u[0..len) byte by byte: digits, 0xEF, and whether a byte
 * is >= 0x80 or '@'. */
static bool ref_masks(const unsigned char *u, size_t len, uint64_t *m)
{
    bool wide = false;
    memset(m, 0, 2 * ((len + 63) / 64) * sizeof(*m));
    for (size_t i = 0; i < len; i++) {
        if (u[i] >= '0' && u[i] <= '9')
            m[2 * (i / 64)] |= 1ull << (i % 64);
        if (u[i] == 0xEF)
            m[2 * (i / 64) + 1] |= 1ull << (i % 64);
        wide = wide || u[i] >= 0x80 || u[i] == '@';
    }
    return wide;
}

/* A byte of a field for the mask test: every value, the compare edges often. */
static unsigned char mask_byte(uint32_t sparse)
{
    static const unsigned char edge[] = {'/',  '0',  '9',  ':',  '@',  '?',  'A',  0x7F, 0x80,
                                         0xB9, 0xBA, 0xBC, 0xEE, 0xEF, 0xF0, 0xFF, 0,    ' '};
    uint32_t r = rnd(sparse);
    if (r == 0)
        return (unsigned char)rnd(256);
    if (r == 1)
        return edge[rnd(sizeof(edge))];
    if (r == 2)
        return (unsigned char)('0' + rnd(10));
    return "abc xyz=:-"[rnd(10)];
}

static void test_runs__field_masks_are_bytes(void **state)
{
#if AZK_FIELD_MASKS
    uint64_t got[2 * (FIELD_MASK_MAX / 64)], want[2 * (FIELD_MASK_MAX / 64)];
    size_t wide_seen = 0, narrow_seen = 0;
    (void)state;
    if (!g_eng->masks_vec) {
        print_message("field masks: no AVX2 on this CPU, not tested\n");
        return;
    }
    for (int k = 0; k < 40000; k++) {
        size_t len = k < 257 * 8 ? 64 + (size_t)k / 8 : 64 + rnd(FIELD_MASK_MAX - 63);
        /* mostly ASCII fields (log lines), some with every byte value */
        uint32_t sparse = k % 3 == 0 ? 4 : k % 3 == 1 ? 40 : 2000;
        unsigned char *u = malloc(len); /* the exact length: ASan sees a read past it */
        bool w1, w2;
        assert_non_null(u);
        for (size_t i = 0; i < len; i++)
            u[i] = mask_byte(sparse);
        w1 = azk_detect__field_masks(g_eng, u, len, got);
        w2 = ref_masks(u, len, want);
        assert_int_equal(w1, w2);
        for (size_t b = 0; b < 2 * ((len + 63) / 64); b++) {
            if (got[b] != want[b])
                print_message("field of %zu bytes, block %zu (%s)\n", len, b / 2,
                              b % 2 ? "0xEF" : "digits");
            assert_true(got[b] == want[b]);
        }
        if (w2)
            wide_seen++;
        else
            narrow_seen++;
        free(u);
    }
    assert_true(wide_seen > 1000 && narrow_seen > 1000);
#else
    (void)state;
#endif
}

/* Words of a log line around the pieces (filler: most bytes of a line). */
static const char *const filler[] = {"INFO ", "job=",      "abc ",    "ジョブ受付 ", "user ", "x",
                                     ";",     "GET /a/b ", "\"ok\" ", "様 ",         "ms "};

static size_t long_field(char *buf, size_t cap, size_t want)
{
    size_t n = 0;
    while (n < want) {
        char tmp[320];
        size_t l;
        if (rnd(3) == 0) {
            l = random_field(tmp, rnd(3) == 0 ? sizeof(tmp) : 40);
        } else {
            const char *p = filler[rnd(sizeof(filler) / sizeof(filler[0]))];
            l = strlen(p);
            memcpy(tmp, p, l);
        }
        if (n + l > cap)
            break;
        memcpy(buf + n, tmp, l);
        n += l;
    }
    return n;
}

static void test_runs__field_masks_path_is_plain_path(void **state)
{
    static char buf[1200];
    size_t found = 0;
    (void)state;
    for (int k = 0; k < 3000; k++) {
        size_t want = 64 + rnd(1100 - 64), len = long_field(buf, sizeof(buf), want);
        char *cells[1];
        struct got a, b;
        cells[0] = malloc(len > 0 ? len : 1);
        assert_non_null(cells[0]);
        memcpy(cells[0], buf, len);
        azk_detect__field_masks_off = true;
        a = detect_run_row(g_eng, cells, &len, 1);
        azk_detect__field_masks_off = false;
        b = detect_run_row(g_eng, cells, &len, 1);
        detect_same_got(&a, &b);
        found += a.n;
        free(cells[0]);
    }
    assert_true(found > 2000); /* findings compared, not only the same nothing */
}

/*
 * The resolution's sort of a few candidates (detect_record.c sort_cands)
 * against qsort: random lines and rows of two to four fields (many
 * candidates, overlapping ones among them), found both ways.
 */
static void test_runs__resolve_sort_is_qsort(void **state)
{
    char buf[4][320];
    size_t multi = 0;
    (void)state;
    static const char *const vals[] = {
        "TEL 03-5261-1931 ",        "〒100-0001 ",          "090-1234-5678 ",
        "m.sato@example.jp ",       "生年月日 1980/01/02 ", "4111111111111111 ",
        "東京都千代田区千代田1-1 ", "0312345678 ",          "03-5261-1931",
        "(03)5261-1931 ",           "口座番号 1234567 ",    "S55.3.2 ",
    };
    for (int k = 0; k < 3000; k++) {
        char *cells[4];
        size_t lens[4], nf = 1 + rnd(4);
        struct got a, b;
        for (size_t i = 0; i < nf; i++) {
            /* known values (findings, overlapping ones) between random pieces */
            size_t n = rnd(3) == 0 ? random_field(buf[i], 120) : 0, m = rnd(7);
            for (size_t j = 0; j < m; j++) {
                const char *v = vals[rnd(sizeof(vals) / sizeof(vals[0]))];
                size_t l = strlen(v);
                if (n + l > sizeof(buf[i]))
                    break;
                memcpy(buf[i] + n, v, l);
                n += l;
            }
            lens[i] = n;
            cells[i] = buf[i];
        }
        azk_detect__resolve_sort_off = true;
        a = detect_run_row(g_eng, cells, lens, nf);
        azk_detect__resolve_sort_off = false;
        b = detect_run_row(g_eng, cells, lens, nf);
        detect_same_got(&a, &b);
        multi += a.n >= 3;
    }
    assert_true(multi > 1000); /* records of several findings compared */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs__verdict_is_the_rule),
        cmocka_unit_test(test_runs__fast_path_is_plain_path),
        cmocka_unit_test(test_runs__every_offset),
        cmocka_unit_test(test_runs__row_is_cell_by_cell),
        cmocka_unit_test(test_runs__digit_cells),
        cmocka_unit_test(test_runs__field_masks_are_bytes),
        cmocka_unit_test(test_runs__field_masks_path_is_plain_path),
        cmocka_unit_test(test_runs__resolve_sort_is_qsort),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
