/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/detect_places -- the municipality stem look-up of
 * detect_address.c (azk_detect__place_known: a Bloom filter in front of a
 * tagged open-addressing hash set) must answer exactly as the binary search
 * of the sorted list (azk_detect__place_known_sorted): every stem of
 * places.h, every stem with its last byte or character cut, a character or
 * a terminal (市 区 町 村 郡) added, its first or last byte changed, every
 * proper prefix, empty and long strings, and random kanji/kana strings. The
 * places list is generated from IPAdic; with an empty list (no IPAdic) the
 * checks still run on the near misses.
 * Also the two short cuts of detect_address.c next to it: the reach test in
 * front of block_at's parses (a municipality stem from the list's own kana
 * entries at every distance from the farthest start) and the words test of
 * an address cell (a letter or a non-ASCII byte at every place of cells of
 * 1..40 bytes, alone in an exact-size buffer or padded with spaces), and a
 * postal code right before a prefecture name (detect_numbers.c).
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
#include "detect/places.h"
#define MAXF 32 /* before detect_run.h */
#include "detect_run.h"

static azk_detect_engine *g_eng; /* every type but names, floor 0.5 */

static int setup(void **state)
{
    azk_detect_options o = AZK_DETECT_OPTIONS_INIT;
    (void)state;
    o.types = ((1u << AZK_PII__COUNT) - 1) & ~(1u << AZK_PII_PERSON_NAME);
    return azk_detect__engine_new(&g_eng, &o) == AZK_OK ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    azk_detect__engine_free(g_eng);
    return 0;
}

/* The findings of one record (one field; a cell under `hdr` if not NULL). */
static struct got run_all(const char *hdr, const char *text, size_t len)
{
    return detect_run_field(g_eng, hdr, text, len);
}

/* The address findings of one record. */
static struct got run_one(const char *hdr, const char *text, size_t len)
{
    struct got g = run_all(hdr, text, len), a;
    memset(&a, 0, sizeof(a));
    for (size_t i = 0; i < g.n; i++) {
        if (g.f[i].type == AZK_PII_ADDRESS)
            a.f[a.n++] = g.f[i];
    }
    return a;
}

static unsigned long g_checked, g_known;

static void same(const char *s, size_t n)
{
    bool want = azk_detect__place_known_sorted(s, n);
    bool got = azk_detect__place_known(s, n);
    if (want != got)
        fail_msg("place look-up differs for %zu bytes (want %d)", n, (int)want);
    g_checked++;
    g_known += got;
}

/* the byte length of the last UTF-8 character of s[0..n) */
static size_t last_char(const char *s, size_t n)
{
    size_t k = n;
    while (k > 0 && ((unsigned char)s[k - 1] & 0xC0) == 0x80)
        k--;
    return k > 0 ? n - (k - 1) : n;
}

static void test_places__every_stem(void **state)
{
    static const char *const adds[] = {"市", "区", "町", "村", "郡", "の", "ア", "川", "a"};
    char buf[128];
    (void)state;
    g_checked = g_known = 0;
    for (size_t i = 0; i < azk_detect__place_count; i++) {
        const char *p = azk_detect__places[i];
        size_t n = azk_detect__place_lens[i], k;
        assert_int_equal(n, strlen(p));
        assert_true(n + 8 < sizeof(buf));
        assert_true(azk_detect__place_known(p, n)); /* every stem, from the list itself */
        memcpy(buf, p, n);                          /* and from a copy in a field-like buffer */
        assert_true(azk_detect__place_known(buf, n));
        for (k = 0; k < n; k++)
            same(buf, k); /* every proper prefix (also cut inside a character) */
        same(buf + 1, n - 1);
        same(buf, n - last_char(buf, n));
        for (size_t a = 0; a < sizeof(adds) / sizeof(adds[0]); a++) {
            size_t al = strlen(adds[a]);
            memcpy(buf + n, adds[a], al);
            same(buf, n + al);
        }
        memcpy(buf, p, n);
        buf[0] ^= 1;
        same(buf, n);
        buf[0] ^= 1;
        buf[n - 1] ^= 1;
        same(buf, n);
        buf[n - 1] ^= 1;
    }
    /* the hit side of the check means something: every stem was found above,
     * and the near misses found some stems too (a stem's prefix is often one) */
    if (azk_detect__place_count > 1000)
        assert_true(g_known > azk_detect__place_count);
}

static void test_places__odd_strings(void **state)
{
    static const char *const kanji[] = {"東", "京", "大", "阪", "北", "海", "道", "川",
                                        "山", "田", "中", "央", "港", "新", "宿", "さ",
                                        "い", "た", "ま", "市", "区", "町", "村", "郡"};
    char buf[256];
    unsigned long r = 12345;
    (void)state;
    same("", 0);
    same("市", 3);
    memset(buf, 'x', sizeof(buf));
    for (size_t n = 0; n <= sizeof(buf); n++)
        same(buf, n);
    memset(buf, 0, sizeof(buf));
    for (size_t n = 0; n <= 40; n++)
        same(buf, n); /* zero bytes: the short loads pad with zeros */
    for (int i = 0; i < 50000; i++) {
        size_t n = 0, cps;
        r = r * 6364136223846793005ul + 1442695040888963407ul;
        cps = 1 + (r >> 33) % 8;
        for (size_t c = 0; c < cps; c++) {
            const char *k;
            r = r * 6364136223846793005ul + 1442695040888963407ul;
            k = kanji[(r >> 33) % (sizeof(kanji) / sizeof(kanji[0]))];
            memcpy(buf + n, k, strlen(k));
            n += strlen(k);
        }
        same(buf, n);
    }
}

/*
 * Block numbers first (azk_detect__block_at): a kana stem of the list
 * (さいたま, いちき串木野: gen_places.py adds them even without IPAdic) after
 * 0..9 filler kanji that end no municipality, a town name of 0..5 characters,
 * then 1-2-3. The farthest starts reach no terminal within 8 characters (or
 * none that is a stem) and are skipped or fail; the address starts at the
 * stem. Then no stem at all: nothing.
 */
static void test_places__block_first_reach(void **state)
{
    static const char *const stems[] = {"さいたま市", "いちき串木野市", "さいたま市中央区"};
    char line[256], want[256];
    struct got g;
    (void)state;
    for (size_t si = 0; si < 3; si++) {
        for (int fill = 0; fill <= 9; fill++) {
            for (int town = 0; town <= 5; town++) {
                int n = snprintf(line, sizeof(line), "送付先 ");
                int w;
                for (int k = 0; k < fill; k++)
                    n += snprintf(line + n, sizeof(line) - (size_t)n, "山");
                w = snprintf(want, sizeof(want), "%s", stems[si]);
                for (int k = 0; k < town; k++)
                    w += snprintf(want + w, sizeof(want) - (size_t)w, "本");
                (void)snprintf(want + w, sizeof(want) - (size_t)w, "1-2-3");
                (void)snprintf(line + n, sizeof(line) - (size_t)n, "%s", want);
                g = run_one(NULL, line, strlen(line));
                assert_int_equal(g.n, 1);
                assert_int_equal(g.f[0].start, (size_t)n);
                assert_int_equal(g.f[0].len, strlen(want));
            }
        }
    }
    /* a stem of the list of every length 1..7 (3-byte characters, no terminal
     * inside, no prefecture at its start) + 町 right after 送付先: the
     * farthest start is the stem, its terminal 1..7 characters on */
    for (size_t cps = 1; cps <= 7; cps++) {
        bool done = false;
        for (size_t i = 0; i < azk_detect__place_count && !done; i++) {
            const char *p = azk_detect__places[i];
            size_t n = azk_detect__place_lens[i], k;
            bool ok = n == 3 * cps;
            for (k = 0; ok && k < n; k += 3) {
                const unsigned char *u = (const unsigned char *)p + k;
                ok = u[0] >= 0xE3 && u[0] <= 0xE9 && (u[1] & 0xC0) == 0x80 &&
                     (u[2] & 0xC0) == 0x80 && memcmp(u, "市", 3) != 0 && memcmp(u, "区", 3) != 0 &&
                     memcmp(u, "町", 3) != 0 && memcmp(u, "村", 3) != 0 && memcmp(u, "郡", 3) != 0;
            }
            for (k = 0; ok && k < 47; k++)
                ok = strncmp(p, azk_detect__prefs[k], strlen(azk_detect__prefs[k])) != 0;
            if (!ok)
                continue;
            (void)snprintf(line, sizeof(line), "送付先 %s町1-2-3", p);
            g = run_one(NULL, line, strlen(line));
            assert_int_equal(g.n, 1);
            assert_int_equal(g.f[0].start, strlen("送付先 "));
            done = true;
        }
    }
    g = run_one(NULL, "送付先 山山山山山山山山山本1-2-3",
                strlen("送付先 山山山山山山山山山本1-2-3"));
    assert_int_equal(g.n, 0);
}

/* Block numbers in full-width digits (read_blocknum's digit test without
 * the fold) end the address found from them. */
static void test_places__block_fullwidth(void **state)
{
    static const char *const blocks[] = {"１－２－３", "１丁目２番３号", "１２３番地", "1-２-3",
                                         "１２－３４"};
    char line[128];
    struct got g;
    (void)state;
    for (size_t k = 0; k < sizeof(blocks) / sizeof(blocks[0]); k++) {
        int n = snprintf(line, sizeof(line), "送付先 さいたま市本町%s", blocks[k]);
        g = run_one(NULL, line, (size_t)n);
        assert_int_equal(g.n, 1);
        assert_int_equal(g.f[0].start, strlen("送付先 "));
        assert_int_equal(g.f[0].len, (size_t)n - strlen("送付先 "));
    }
}

/* An address cell without a municipality needs digits and a word byte. */
static void test_places__address_cell_words(void **state)
{
    /* words: letters (the ends of both ranges) and non-ASCII bytes (ア; अ,
     * whose bytes E0 A4 85 fold to no letter); no words: the ASCII bytes
     * next to the letter ranges */
    static const char *const marks[] = {"q", "Z", "a", "z", "A", "\xE3\x82\xA2", "\xE0\xA4\x85",
                                        "@", "`", "{", "[", "-"};
    const size_t n_words = 7;
    char cell[64];
    struct got g0;
    (void)state;
    /* no digit: a municipality of the list (kana: lead byte 0xE3) at the start */
    g0 = run_one("住所", "さいたま市本町", strlen("さいたま市本町"));
    assert_int_equal(g0.n, 1);
    g0 = run_one("住所", " 本通", strlen(" 本通")); /* no terminal, no digit */
    assert_int_equal(g0.n, 0);
    for (size_t len = 1; len <= 40; len++) {
        for (int pad = 0; pad < 5; pad++) {
            for (size_t m = 0; m < sizeof(marks) / sizeof(marks[0]); m++) {
                size_t ml = strlen(marks[m]);
                for (size_t at = 0; at <= len; at++) { /* at == len: no mark */
                    /* pads: none, 3 spaces before, 20 after, U+3000 before (its
                     * bytes are >= 0x80 and stay out of the cell), tabs up to
                     * 13 bytes then U+3000 after (trimmed: the field goes on
                     * 3 bytes past the cell) */
                    size_t lead = pad == 1 ? 3 : 0, trail = pad == 2 ? 20 : 0, n = 0;
                    char *buf;
                    struct got g;
                    if (at < len && at + ml > len)
                        continue;
                    memset(cell, ' ', lead);
                    n = lead;
                    if (pad == 3) {
                        memcpy(cell, "\xE3\x80\x80", 3);
                        n = 3;
                    }
                    for (size_t k = 0; k < len;) {
                        if (k == at) {
                            memcpy(cell + n, marks[m], ml);
                            n += ml;
                            k += ml;
                        } else {
                            cell[n++] = (char)('0' + (k % 3 == 2 ? 0 : 7));
                            k++;
                        }
                    }
                    memset(cell + n, ' ', trail);
                    n += trail;
                    if (pad == 4) {
                        while (n < 13)
                            cell[n++] = '\t';
                        memcpy(cell + n, "\xE3\x80\x80", 3);
                        n += 3;
                    }
                    buf = malloc(n); /* exact size: a read past the field is caught by ASan */
                    assert_non_null(buf);
                    memcpy(buf, cell, n);
                    g = run_one("住所", buf, n);
                    free(buf);
                    /* 7707..@.. stays an item code; a mark alone has no digit */
                    if (g.n != ((at < len && m < n_words && len > ml) ? 1u : 0u))
                        fail_msg("cell of %zu bytes, mark %zu at %zu, pad %d: %zu", len, m, at, pad,
                                 g.n);
                }
            }
        }
    }
}

/*
 * NNN-NNNN followed (after spaces) by a prefecture name is a postal code
 * heading an address (confidence 0.9, before_prefecture in
 * detect_numbers.c); without one, and without an address in the record, it
 * stays below the floor. Every prefecture, at the field's end and not.
 */
static void test_places__postal_before_prefecture(void **state)
{
    char line[128];
    struct got g;
    (void)state;
    for (size_t i = 0; i < 47; i++) {
        for (int sp = 0; sp < 3; sp++) {
            (void)snprintf(line, sizeof(line), "コード 100-0001%.*s%s", sp, "  ",
                           azk_detect__prefs[i]);
            g = run_all(NULL, line, strlen(line));
            assert_int_equal(g.n, 1);
            assert_int_equal(g.f[0].type, AZK_PII_POSTAL_CODE);
            assert_true(g.f[0].confidence > 0.85);
        }
        /* the name cut short: no prefecture */
        (void)snprintf(line, sizeof(line), "コード 100-0001 %.*s", 3, azk_detect__prefs[i]);
        g = run_all(NULL, line, strlen(line));
        assert_int_equal(g.n, 0);
    }
    g = run_all(NULL, "コード 100-0001", strlen("コード 100-0001"));
    assert_int_equal(g.n, 0);
    g = run_all(NULL, "コード 100-0001 ", strlen("コード 100-0001 "));
    assert_int_equal(g.n, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_places__every_stem),
        cmocka_unit_test(test_places__odd_strings),
        cmocka_unit_test(test_places__block_first_reach),
        cmocka_unit_test(test_places__block_fullwidth),
        cmocka_unit_test(test_places__address_cell_words),
        cmocka_unit_test(test_places__postal_before_prefecture),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
