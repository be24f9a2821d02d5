/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/detect_numfast -- the fast paths of the digit-token rules
 * (detect_numbers.c): token_read_fast (ASCII groups with one ASCII
 * separator) in front of token_read, and the early outs of classify_slice
 * (digits read in place, the invoice 'T' screen, the left boundary at a
 * field start). The findings of random lines and table cells with the fast
 * reader must be the findings with every token read the plain way
 * (azk_detect__numfast_off), on two engines (floor 0.5 and floor 0.0,
 * where every candidate a rule makes is reported). The pieces are the
 * edges of the rules: full-width digits and separators, one to three
 * separators, parentheses, +81, T before 13 digits, labels before, check
 * digits valid and invalid (corporate numbers, My Number, Luhn cards),
 * digit runs past the 48-digit limit and over 16 groups, NUL and invalid
 * UTF-8 bytes, values at field starts and ends. A few fixed lines check that
 * the fast path finds what the rules say (not only the same as the plain
 * path). The address walks (detect_address.c) decode ASCII and 3-byte
 * characters inline: azk_detect__cp_at against azk_utf8_decode on every
 * short sequence, and addresses found from their block numbers with and
 * without azk_detect__block_at's 3-byte backward step. The screen in front
 * of azk_detect__invoice_prefix against the function. numeric_from's
 * verdict without reading the token (token_decided: hyphen-joined ASCII
 * groups of no digit type, check digits that fail, seven digits without a
 * label; and digit_run's own for two groups of four digits, part_number_end)
 * against the full reading on tokens built around its edges, as
 * lines, cells under a header and key-value rows (the cell before is the
 * label). Every value is synthetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "detect/detect.h"
#include "detect/detect_scan.h"
#include "detect/places.h"
#include "util/util.h"
#define MAXF 64 /* before detect_run.h */
#include "detect_run.h"

static azk_detect_engine *g_eng; /* every type but names, floor 0.5 */
static azk_detect_engine *g_all; /* the same with floor 0: every candidate */

static int setup(void **state)
{
    azk_detect_options o = AZK_DETECT_OPTIONS_INIT;
    (void)state;
    o.types = ((1u << AZK_PII__COUNT) - 1) & ~(1u << AZK_PII_PERSON_NAME);
    if (azk_detect__engine_new(&g_eng, &o) != AZK_OK)
        return -1;
    o.min_confidence = 0.0;
    return azk_detect__engine_new(&g_all, &o) == AZK_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    azk_detect__engine_free(g_eng);
    azk_detect__engine_free(g_all);
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

struct buf {
    char s[600];
    size_t n;
};

static void put(struct buf *b, const char *p, size_t l)
{
    if (b->n + l < sizeof(b->s)) {
        memcpy(b->s + b->n, p, l);
        b->n += l;
    }
}

static void puts_(struct buf *b, const char *p)
{
    put(b, p, strlen(p));
}

/* n random digits, each ASCII or (one in `fw`) full-width. */
static void digits(struct buf *b, size_t n, unsigned fw)
{
    for (size_t k = 0; k < n; k++) {
        char c = (char)('0' + rnd(10));
        if (k == 0 && rnd(3) == 0)
            c = '0';
        if (fw && rnd(fw) == 0) {
            char w[3] = {(char)0xEF, (char)0xBC, (char)(0x90 + (c - '0'))};
            put(b, w, 3);
        } else {
            put(b, &c, 1);
        }
    }
}

/* A value whose check digit holds (or is off by one): corporate number,
 * My Number or a Visa-like card, in d[0..n). */
static size_t checked_value(char *d, int kind, bool valid)
{
    size_t n;
    int sum = 0;
    if (kind == 0) { /* corporate number: check digit first */
        n = 13;
        for (size_t k = 1; k < 13; k++)
            d[k] = (char)('0' + rnd(10));
        for (int k = 1; k <= 12; k++)
            sum += (d[13 - k] - '0') * ((k % 2 == 1) ? 1 : 2);
        d[0] = (char)('0' + (9 - sum % 9));
        if (!valid)
            d[0] = (char)('0' + (d[0] - '0' + 1) % 10);
    } else if (kind == 1) { /* My Number: check digit last */
        int r, check;
        n = 12;
        for (size_t k = 0; k < 11; k++)
            d[k] = (char)('0' + rnd(10));
        for (int k = 1; k <= 11; k++)
            sum += (d[11 - k] - '0') * (k <= 6 ? k + 1 : k - 5);
        r = sum % 11;
        check = r <= 1 ? 0 : 11 - r;
        d[11] = (char)('0' + check);
        if (!valid)
            d[11] = (char)('0' + (check + 1) % 10);
    } else { /* Luhn, 16 digits starting with 4 */
        n = 16;
        d[0] = '4';
        for (size_t k = 1; k < 15; k++)
            d[k] = (char)('0' + rnd(10));
        for (size_t k = 0; k < 15; k++) {
            int v = d[14 - k] - '0';
            if (k % 2 == 0) {
                v *= 2;
                if (v > 9)
                    v -= 9;
            }
            sum += v;
        }
        d[15] = (char)('0' + (10 - sum % 10) % 10);
        if (!valid)
            d[15] = (char)('0' + (d[15] - '0' + 1) % 10);
    }
    return n;
}

/* A checked value written with a grouping (none, 4-4-4(-4), 1-4-4-4) and separator. */
static void put_checked(struct buf *b)
{
    char d[20];
    static const char *const seps[] = {"-", " ", "－", "　", "(", "--", " - "};
    int kind = (int)rnd(3);
    size_t n = checked_value(d, kind, rnd(3) != 0), k = 0;
    const char *sep = seps[rnd(sizeof(seps) / sizeof(seps[0]))];
    if (rnd(3) == 0) {
        put(b, d, n);
        return;
    }
    if (kind == 0) { /* 1-4-4-4 */
        put(b, d, 1);
        k = 1;
        puts_(b, sep);
    }
    while (k < n) {
        size_t l = n - k < 4 ? n - k : 4;
        put(b, d + k, l);
        k += l;
        if (k < n)
            puts_(b, sep);
    }
}

/* One random piece of a line. */
static void piece(struct buf *b)
{
    static const char *const seps[] = {"-",  " ",  "(",  ")",  "－", "ー", "　",  "‐",  "--",
                                       "  ", "- ", " -", "-(", ") ", ")-", "---", "(0)"};
    static const char *const words[] = {
        "TEL",  "tel:",  "Tel ",     "電話",     "郵便番号", "〒",     "口座番号",
        "普通", "普通-", "法人番号", "mynumber", "card ",    "T",      "Ｔ",
        "+81",  "+81 ",  "+81-",     "+81 (0)",  "東京都",   "大阪府", "abc",
        "id=",  "v1.",   "/",        ".",        ":",        "#",      "_",
        "\\",   "@",     "x",        "12:34",    "円",       "番",     "、",
        ",",    "hotel", "ok ",      "生年月日", "S55.",     "AB-",    "zip ",
        "fax",  "昭和",  "：",       "（",       "）",       "\t",     "abc@example.jp"};
    switch (rnd(9)) {
        case 0:
        case 1:
        case 2: {
            static const size_t lens[] = {1, 2, 3, 4, 4, 5, 6, 7, 7, 8, 10, 11, 12, 13, 16, 19};
            digits(b, lens[rnd(sizeof(lens) / sizeof(lens[0]))], rnd(2) ? 0 : 6);
            break;
        }
        case 3:
            digits(b, 1 + rnd(60), 0); /* past the 48-digit limit */
            break;
        case 4:
            puts_(b, seps[rnd(sizeof(seps) / sizeof(seps[0]))]);
            break;
        case 5:
        case 6:
            puts_(b, words[rnd(sizeof(words) / sizeof(words[0]))]);
            break;
        case 7:
            put_checked(b);
            break;
        default: {
            static const char odd[] = {'\0', (char)0xFF, (char)0x80, (char)0xEF, (char)0xBC};
            put(b, &odd[rnd(sizeof(odd))], 1);
            break;
        }
    }
}

static void same_findings(const struct got *a, const struct got *b, const struct buf *in)
{
    if (a->n != b->n)
        print_error("%zu vs %zu findings on a line of %zu bytes\n", a->n, b->n, in->n);
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_int_equal(a->f[i].type, b->f[i].type);
        assert_int_equal(a->f[i].start, b->f[i].start);
        assert_int_equal(a->f[i].len, b->f[i].len);
        assert_true(a->f[i].confidence == b->f[i].confidence);
        assert_string_equal(a->f[i].masked, b->f[i].masked);
    }
}

/* The findings of b (a line, or a cell under hdr) with and without the fast paths. */
static void compare(const struct buf *b, const char *hdr)
{
    azk_detect_engine *engs[2] = {g_eng, g_all};
    for (int e = 0; e < 2; e++) {
        struct got plain, fast;
        azk_detect__numfast_off = true;
        plain = detect_run_field(engs[e], hdr, b->s, b->n);
        azk_detect__numfast_off = false;
        fast = detect_run_field(engs[e], hdr, b->s, b->n);
        same_findings(&plain, &fast, b);
    }
}

/* Random lines of pieces. */
static void test_numfast__random_lines(void **state)
{
    (void)state;
    for (int k = 0; k < 20000; k++) {
        struct buf b = {.n = 0};
        int parts = 1 + (int)rnd(10);
        for (int p = 0; p < parts; p++)
            piece(&b);
        compare(&b, NULL);
    }
}

/* Table cells: a value alone, or with a piece before / after, under headers that label it. */
static void test_numfast__cells(void **state)
{
    static const char *const hdrs[] = {"電話番号", "郵便番号",     "口座番号",
                                       "法人番号", "マイナンバー", "カード番号",
                                       "住所",     "備考",         "id"};
    (void)state;
    for (int k = 0; k < 8000; k++) {
        struct buf b = {.n = 0};
        if (rnd(4) == 0)
            piece(&b);
        if (rnd(2))
            put_checked(&b);
        else
            piece(&b);
        if (rnd(4) == 0)
            piece(&b);
        compare(&b, hdrs[rnd(sizeof(hdrs) / sizeof(hdrs[0]))]);
    }
}

/* Every digit count 1..20 in every ASCII grouping of two and three groups, with each separator. */
static void test_numfast__groupings(void **state)
{
    static const char *const seps[] = {"-", " ", "(", ")", "－", "  ", "- "};
    static const char *const before[] = {"", "TEL ", "x", "T", "(", "+81 ", "郵便番号 "};
    static const char *const after[] = {"", " 東京都", "円", "-", ".5", "a", " ok"};
    (void)state;
    for (size_t a = 1; a <= 13; a++) {
        for (size_t c = 0; c <= 8; c++) {
            for (size_t s = 0; s < sizeof(seps) / sizeof(seps[0]); s++) {
                struct buf b = {.n = 0};
                puts_(&b, before[(a + c + s) % 7]);
                digits(&b, a, 0);
                if (c > 0) {
                    puts_(&b, seps[s]);
                    digits(&b, c, 0);
                    if (c % 2 == 0) {
                        puts_(&b, seps[s]);
                        digits(&b, 4, 0);
                    }
                }
                puts_(&b, after[(a * 3 + c + s) % 7]);
                compare(&b, NULL);
            }
        }
    }
}

/* The fast paths find what the rules say (not only what the plain path says). */
static void test_numfast__known(void **state)
{
    static const struct {
        const char *text;
        azk_pii_type type;
        size_t start;
        const char *span;
    } cases[] = {
        {"TEL 090-1234-5678", AZK_PII_PHONE, 4, "090-1234-5678"},
        {"03-1234-5678", AZK_PII_PHONE, 0, "03-1234-5678"},
        {"〒100-0001 東京都", AZK_PII_POSTAL_CODE, 3, "100-0001"},
        {"100-0001 東京都千代田区", AZK_PII_POSTAL_CODE, 0, "100-0001"},
        {"カード 4111 1111 1111 1111", AZK_PII_CREDIT_CARD, 10, "4111 1111 1111 1111"},
        {"法人番号 7000012050002", AZK_PII_CORPORATE_NUMBER, 13, "7000012050002"},
        {"T7000012050002", AZK_PII_CORPORATE_NUMBER, 0, "T7000012050002"},
        {"口座番号 1234567", AZK_PII_BANK_ACCOUNT, 13, "1234567"},
        {"12 03-2345-6789", AZK_PII_PHONE, 3, "03-2345-6789"},
    };
    (void)state;
    for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
        struct got g = detect_run_text(g_eng, cases[k].text, strlen(cases[k].text));
        bool hit = false;
        for (size_t i = 0; i < g.n; i++)
            hit = hit || (g.f[i].type == cases[k].type && g.f[i].start == cases[k].start &&
                          g.f[i].len == strlen(cases[k].span));
        if (!hit)
            print_error("\"%s\": no %s at %zu\n", cases[k].text, azk_pii_type_name(cases[k].type),
                        cases[k].start);
        assert_true(hit);
    }
}

/* azk_detect__cp_at (ASCII and 3-byte characters decoded inline) against
 * azk_utf8_decode: every lead byte with every second and third byte, each
 * sequence cut at every length, in a heap copy of exact size. */
static void test_numfast__cp_at(void **state)
{
    (void)state;
    for (unsigned a = 0; a < 256; a++) {
        unsigned nb = (a >= 0xE0 && a <= 0xEF) ? 256 : 4;
        for (unsigned b = 0; b < nb; b++) {
            for (unsigned c = 0; c < nb; c++) {
                static const unsigned char tail[4] = {0x80, 0xBF, 0x41, 0xC0};
                unsigned char in[4] = {(unsigned char)a, (unsigned char)(nb == 256 ? b : tail[b]),
                                       (unsigned char)(nb == 256 ? c : tail[c]), 0x80};
                for (size_t n = 1; n <= 4; n++) {
                    char *h = test_malloc(n);
                    struct fld f;
                    uint32_t want = 0, got;
                    size_t wl, gl = 99;
                    memcpy(h, in, n);
                    memset(&f, 0, sizeof(f));
                    f.s = h;
                    f.len = n;
                    wl = azk_utf8_decode((const uint8_t *)h, n, &want);
                    got = azk_detect__cp_at(&f, 0, &gl);
                    if (got != want || gl != wl)
                        print_error("%02x %02x %02x len %zu: %x/%zu, want %x/%zu\n", a, in[1],
                                    in[2], n, got, gl, want, wl);
                    assert_int_equal(got, want);
                    assert_int_equal(gl, wl);
                    assert_int_equal(azk_detect__cp_at(&f, n, &gl), 0);
                    assert_int_equal(gl, 0);
                    test_free(h);
                }
            }
        }
    }
}

/* The screen in front of azk_detect__invoice_prefix never says no where the
 * function says yes: every byte pair before 13 digits, and the full-width
 * and spaced forms of the T. */
static void test_numfast__invoice_screen(void **state)
{
    static const char *const pre[] = {"T",    "T ",  "T-",  "Ｔ", "Ｔ　", "Ｔ－", "xT", "aT ",
                                      "ＡＴ", "T　", "T－", "T‐", "T ー", "",     " ",  "-"};
    char buf[64];
    size_t yes = 0;
    (void)state;
    for (unsigned a = 0; a < 256; a++) {
        for (unsigned b = 0; b < 256; b++) {
            struct fld f;
            size_t tp;
            buf[0] = (char)a;
            buf[1] = (char)b;
            memcpy(buf + 2, "7000012050002", 13);
            memset(&f, 0, sizeof(f));
            f.s = buf;
            f.len = 15;
            if (azk_detect__invoice_prefix(&f, 2, &tp)) {
                yes++;
                assert_true(azk_detect__invoice_may(&f, 2));
            }
        }
    }
    for (size_t k = 0; k < sizeof(pre) / sizeof(pre[0]); k++) {
        struct fld f;
        size_t tp, n = strlen(pre[k]);
        memcpy(buf, pre[k], n);
        memcpy(buf + n, "7000012050002", 13);
        memset(&f, 0, sizeof(f));
        f.s = buf;
        f.len = n + 13;
        if (azk_detect__invoice_prefix(&f, n, &tp)) {
            yes++;
            assert_true(azk_detect__invoice_may(&f, n));
        }
    }
    assert_true(yes > 0);
}

/* Addresses found from their block numbers (azk_detect__block_at's backward
 * walk) with and without its 3-byte step. */
static void test_numfast__addresses(void **state)
{
    static const char *const parts[] = {
        "東京都", "千代田区", "札幌市", "中央区", "西多摩郡", "瑞穂町", "横浜市", "港北区",
        "大阪府", "北区", "梅田", "本町", "一丁目", "1丁目", "2番", "3号", "番地", "の", "1-2-3",
        "１－２－３", "12-34", "ー", "－", "〒", "100-0001", " ", "　", "住所:", "ビル", "ハイツ",
        "5F", "a", "・", "\xEF\xBC", "\xE5\xB8", "\xED\xA0\x80",
        /* block_muni's edges: kana stems, terminals alone, a 4-byte kanji,
         * runs of 8+ characters, a district and its town, a city whose
         * stem holds a terminal (四日市市), 村 */
        "さいたま市", "いちき串木野市", "市", "区", "町", "村", "郡", "𠮟", "山山山山山山山",
        "西多摩郡瑞穂町", "四日市市", "十日町市", "大町", "檜枝岐村", "中央", "中央区", "\x80",
        "\xE5\xB8\x82\xE5"};
    static const char *const hdrs[] = {"住所", "備考", "送付先"};
    (void)state;
    for (int k = 0; k < 6000; k++) {
        struct buf b = {.n = 0};
        int n = 1 + (int)rnd(9);
        for (int p = 0; p < n; p++) {
            if (rnd(5) == 0)
                piece(&b);
            else
                puts_(&b, parts[rnd(sizeof(parts) / sizeof(parts[0]))]);
        }
        if (rnd(2))
            digits(&b, 1 + rnd(3), 4);
        if (rnd(2)) {
            puts_(&b, rnd(2) ? "-" : "－");
            digits(&b, 1 + rnd(3), 4);
        }
        compare(&b, rnd(3) == 0 ? hdrs[rnd(3)] : NULL);
    }
}

/* Stems of the list (every one of 6 to 8 characters, every 40th other)
 * before a terminal, after 0..2 filler characters, then a ward, a town and
 * block numbers: block_muni (the flags of block_at's backward walk) against
 * parse_muni at every start, at the 8-character limit of its walk. */
static void test_numfast__address_stems(void **state)
{
    static const char *const fill[] = {"県", "都", "山", "中央", "1", "・"};
    static const char *const terms[] = {"市", "区", "町", "村", "郡"};
    static const char *const blocks[] = {"1-2-3", "１－２－３", "1丁目2番3号", "12番地", "3-4"};
    size_t lines = 0;
    (void)state;
    for (size_t i = 0; i < azk_detect__place_count; i++) {
        size_t n = azk_detect__place_lens[i];
        struct buf b = {.n = 0};
        if (n < 18 && i % 40 != 0)
            continue;
        for (uint32_t k = rnd(3); k > 0; k--)
            puts_(&b, fill[rnd(sizeof(fill) / sizeof(fill[0]))]);
        put(&b, azk_detect__places[i], n);
        puts_(&b, terms[rnd(5)]);
        if (rnd(3) == 0)
            puts_(&b, rnd(2) ? "中央区" : "瑞穂町");
        for (uint32_t k = rnd(3); k > 0; k--)
            puts_(&b, "本");
        puts_(&b, blocks[rnd(sizeof(blocks) / sizeof(blocks[0]))]);
        compare(&b, rnd(4) == 0 ? "住所" : NULL);
        lines++;
    }
    assert_true(lines > 1000);
}

/* The findings of a key-value row (a header row of no kinds, then the
 * label cell and the value cell): the cell before is the value's label. */
static struct got run_kv(azk_detect_engine *eng, const char *label, const struct buf *v)
{
    static const char *const hdr[2] = {"項目", "値"};
    azk_detect_ctx *ctx = NULL;
    azk_field fh[2], fr[2];
    azk_record rh, rr;
    struct got g;
    memset(&g, 0, sizeof(g));
    memset(fh, 0, sizeof(fh));
    memset(fr, 0, sizeof(fr));
    memset(&rh, 0, sizeof(rh));
    memset(&rr, 0, sizeof(rr));
    for (uint32_t i = 0; i < 2; i++) {
        fh[i].ptr = hdr[i];
        fh[i].len = strlen(hdr[i]);
        fh[i].col = i;
        fr[i].col = i;
    }
    fr[0].ptr = label;
    fr[0].len = strlen(label);
    fr[1].ptr = v->s;
    fr[1].len = v->n;
    rh.fields = fh;
    rh.field_count = 2;
    rh.tabular = 1;
    rh.is_header = 1;
    rh.line = 1;
    rr.fields = fr;
    rr.field_count = 2;
    rr.tabular = 1;
    rr.line = 2;
    rr.row = 1;
    assert_int_equal(azk_detect__ctx_new(&ctx, eng), AZK_OK);
    azk_detect__object_begin(ctx, "t.csv");
    assert_int_equal(azk_detect__record(ctx, &rh, collect, &g, NULL), AZK_OK);
    assert_int_equal(azk_detect__record(ctx, &rr, collect, &g, NULL), AZK_OK);
    azk_detect__ctx_free(ctx);
    return g;
}

/* A token around the edges of token_decided: one to three groups whose
 * digit counts add up to the counts the rules look at (7, 8, 10-19, one
 * group of a valid or failing check digit), joined by a hyphen mostly,
 * else by a look-alike (full-width, dashes, ー, minus), a space, a
 * parenthesis or two characters; sometimes a full-width digit inside. */
static void put_token(struct buf *b)
{
    static const char *const joins[] = {"-", "-",  "-", "-",  "－", "‐",  "‑",  "‒",  "–",
                                        "—", "―",  "−", "ー", "ｰ",  "﹣", "⁃",  "˗",  "﹘",
                                        " ", "　", "(", ")",  "--", "- ", "-(", ")-", "-\x81\x5b"};
    static const uint8_t shapes[][3] = {
        {7, 0, 0},  {7, 0, 0},  {3, 4, 0},  {4, 3, 0},  {2, 5, 0}, {4, 4, 0},  {4, 4, 0},
        {13, 0, 0}, {13, 0, 0}, {1, 4, 8},  {12, 0, 0}, {4, 4, 4}, {16, 0, 0}, {4, 4, 8},
        {10, 0, 0}, {11, 0, 0}, {3, 4, 4},  {2, 4, 4},  {4, 2, 4}, {8, 0, 0},  {6, 0, 0},
        {5, 4, 0},  {1, 6, 0},  {19, 0, 0}, {14, 0, 0}, {9, 0, 0}, {20, 0, 0}, {30, 12, 8}};
    const uint8_t *sh = shapes[rnd(sizeof(shapes) / sizeof(shapes[0]))];
    const char *j = rnd(3) ? "-" : joins[rnd(sizeof(joins) / sizeof(joins[0]))];
    if (sh[1] == 0 && sh[0] >= 12 && sh[0] <= 16 && rnd(2)) {
        char d[20];
        size_t n = checked_value(d, sh[0] == 13 ? 0 : sh[0] == 12 ? 1 : 2, rnd(2) != 0);
        put(b, d, n);
        return;
    }
    for (size_t k = 0; k < 3 && sh[k] != 0; k++) {
        if (k > 0)
            puts_(b, rnd(4) ? j : joins[rnd(sizeof(joins) / sizeof(joins[0]))]);
        digits(b, sh[k], rnd(8) ? 0 : 9);
    }
}

/* Text around a token: labels, 〒, +81, T, words, kanji, CP932 bytes left
 * undecoded, NUL, and what may follow a token. */
static void put_around(struct buf *b, bool after)
{
    static const char *const before[] = {"",
                                         "",
                                         "TEL",
                                         "tel:",
                                         "電話 ",
                                         "〒",
                                         "郵便番号",
                                         "zip ",
                                         "Zip:",
                                         "口座番号 ",
                                         "普通-",
                                         "普通 ",
                                         "法人番号",
                                         "T",
                                         "Ｔ",
                                         "T-",
                                         "+81 (0)",
                                         "+81-",
                                         "+81 ",
                                         "(",
                                         "+",
                                         "abc",
                                         "#",
                                         "id=",
                                         "東京都千代田区",
                                         "\x93\x8c\x8b\x9e",
                                         "\x82\xa0",
                                         "ｱｲ",
                                         "a-",
                                         "12:",
                                         "v1.",
                                         "マイナンバー ",
                                         "+８１ ",
                                         "＋81-",
                                         "+8",
                                         "+0",
                                         "12:00+",
                                         "card ",
                                         "口座 ",
                                         "\t",
                                         "、",
                                         " "};
    static const char *const following[] = {
        "",    "",       "",    "円",       "-",    "--",     "－",      "a",  " 1", "　",
        "(0)", ".5",     ")",   "\x81\x5b", "〒",   "東京都", " 東京都", "ー", "/3", "\xEF\xBC\x91",
        "+",   "+09:00", "+81", "+8１",     "+\xEF"};
    if (after) {
        puts_(b, following[rnd(sizeof(following) / sizeof(following[0]))]);
        if (rnd(16) == 0)
            put(b, "", 1); /* NUL */
    } else {
        puts_(b, before[rnd(sizeof(before) / sizeof(before[0]))]);
    }
}

/* numeric_from's verdict without reading the token against the full
 * reading: lines, cells under headers, key-value rows. */
static void test_numfast__decided(void **state)
{
    static const char *const hdrs[] = {"電話番号", "郵便番号",     "口座番号",
                                       "法人番号", "マイナンバー", "カード番号",
                                       "住所",     "備考",         "id"};
    static const char *const labels[] = {"口座番号", "郵便番号", "電話番号", "備考",    "〒",
                                         "法人番号", "id",       "口座",     "普通預金"};
    azk_detect_engine *engs[2] = {g_eng, g_all};
    (void)state;
    for (int k = 0; k < 30000; k++) {
        struct buf b = {.n = 0};
        int m = (int)rnd(3);
        put_around(&b, false);
        put_token(&b);
        put_around(&b, true);
        if (rnd(3) == 0) {
            put_around(&b, false);
            put_token(&b);
            put_around(&b, true);
        }
        if (m == 0) {
            compare(&b, NULL);
        } else if (m == 1) {
            compare(&b, hdrs[rnd(sizeof(hdrs) / sizeof(hdrs[0]))]);
        } else {
            const char *lab = labels[rnd(sizeof(labels) / sizeof(labels[0]))];
            for (int e = 0; e < 2; e++) {
                struct got plain, fast;
                azk_detect__numfast_off = true;
                plain = run_kv(engs[e], lab, &b);
                azk_detect__numfast_off = false;
                fast = run_kv(engs[e], lab, &b);
                same_findings(&plain, &fast, &b);
            }
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numfast__known),     cmocka_unit_test(test_numfast__groupings),
        cmocka_unit_test(test_numfast__cells),     cmocka_unit_test(test_numfast__random_lines),
        cmocka_unit_test(test_numfast__cp_at),     cmocka_unit_test(test_numfast__invoice_screen),
        cmocka_unit_test(test_numfast__addresses), cmocka_unit_test(test_numfast__address_stems),
        cmocka_unit_test(test_numfast__decided),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
