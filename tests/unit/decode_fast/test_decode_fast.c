/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/decode_fast -- the fast paths of the decode stage against
 * their portable scalar paths, on random and adversarial input: the reveal
 * screen (reveal_screen.c, AVX2) must say "maybe" for every field
 * worth_a_look accepts (every byte value at every offset, escapes and
 * runs across 64-byte block edges, fields of length 0..100, rows of cells
 * side by side), UTF-8 validation 32 bytes at a time must find the valid
 * prefix the byte loop finds (an invalid sequence and every byte value at
 * every offset of a block), and whole decodes with the fast paths on and
 * off (azk_decode__simd_off, azk_decode__legacy_tables_off) must give the
 * same records; hex_line's 32-byte quick reject (SSE2) must answer as the
 * byte loop does (every byte value at every offset of dump lines, random
 * lines). Any difference fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode.h"
#include "decode/decode_int.h"
#include "decode/reveal_int.h"
#include "decode_collect.h"
#include "decode/text_int.h"

static unsigned seed = 20261206;

static unsigned rnd(void)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) & 0xFFFFFF;
}

/* Pieces that make worth_a_look true, nearly true, or are ordinary text. */
static const char *const pieces[] = {
    "\\u5C71",
    "\\x41",
    "\\\\",
    "&#x5C71;",
    "&amp;",
    "&",
    "%E5%B1",
    "%4",
    "%",
    "=E5=B1",
    "=E5=",
    "=0609",
    "=",
    "<",
    "<r>",
    "a ",
    "0 ",
    "9 ",
    "- ",
    "\xe5\xb1\xb1 ",
    "\xe3\x80\x80",
    " ",
    "  ",
    "\xc2\xad",
    "\xc2\xa5",
    "\xcc\x81",
    "\xcd\x8f",
    "\xe1\xa0\x8e",
    "\xe2\x80\x8b",
    "\xe2\x80\x94",
    "\xe2\x80\x89",
    "\xe2\x81\xa0",
    "\xe2\x80",
    "\xe3\x82\x99",
    "\xe3\x82\x9a",
    "\xe3\x82\xa2",
    "\xe3\x81\x82",
    "\xef\xbb\xbf",
    "\xef\xbc\x90",
    "\xef\xbc\x9a",
    "\xef\xbc\xa1",
    "\xef\xbd\x81",
    "\xef\xbd\xb1",
    "\xef\xb8\x8f",
    "\xef\xb8",
    "\xf3\xa0\x80\x81",
    "\xf0\x9f\x98\x80",
    "QUJDREVGR0hJSktMTU5P",
    "SGVsbG8gd29ybGQhISE=",
    "0123456789abcdef",
    "deadbeefcafe",
    "ABCDEFGHIJKLMNO",
    "job=DM4174-9224",
    "2026-12-06 10:11:12.345",
    "KX-8854-2318",
    "\xe5\x8d\xb0\xe5\x88\xb7",
    "INFO  [job=",
    "x",
    "_",
    "/",
    "+",
};

/* A random field of about `want` bytes into b (cap >= want + 32); its length. */
static size_t random_field(uint8_t *b, size_t want)
{
    size_t n = 0;
    while (n < want) {
        unsigned r = rnd();
        if (r % 5 == 0) {
            b[n++] = (uint8_t)(r >> 8); /* any byte */
        } else if (r % 5 == 1) {
            b[n++] = "ab0 9-=%<&\\"[(r >> 8) % 11];
        } else {
            const char *p = pieces[(r >> 8) % (sizeof(pieces) / sizeof(pieces[0]))];
            size_t l = strlen(p);
            memcpy(b + n, p, l);
            n += l;
        }
    }
    return n;
}

/* worth_a_look true implies the screen's "maybe", for the field alone. */
static void check_field(const uint8_t *p, size_t n, size_t *neg)
{
    size_t st = 0;
    bool w = azk_decode__reveal_worth(p, n);
    bool s = azk_decode__reveal_screen(p, n, &st, 1);
    if (w && !s) {
        size_t i;
        fprintf(stderr, "screen misses a field of %zu bytes:", n);
        for (i = 0; i < n; i++)
            fprintf(stderr, " %02x", p[i]);
        fprintf(stderr, "\n");
    }
    assert_true(!w || s);
    if (!s)
        (*neg)++;
}

static void test_decode_fast__screen_random_fields(void **state)
{
    uint8_t b[400];
    size_t neg = 0, t;
    (void)state;
    for (t = 0; t < 200000; t++) {
        size_t want = t % 7 == 0 ? rnd() % 300 : rnd() % 101;
        size_t n = random_field(b, want);
        check_field(b, n, &neg);
        /* and every prefix length of a short one: the end of the field moves */
        if (t % 97 == 0) {
            size_t k;
            for (k = 0; k <= n; k++)
                check_field(b, k, &neg);
        }
    }
    /* the screen answers "nothing" often, or it would be no screen */
    if (azk_decode__reveal_screen_available())
        assert_true(neg > 5000);
}

/*
 * Adversarial: each piece and every byte value at every offset around the
 * 64-byte block edges, in ordinary text, base64-alphabet text and spaced text.
 */
static void test_decode_fast__screen_block_edges(void **state)
{
    static const char *const fill[] = {"x", "a", " ", "a ", ".", "\xe3\x81\x82", "9-"};
    uint8_t b[300];
    size_t neg = 0, f, off, k, v;
    (void)state;
    for (f = 0; f < sizeof(fill) / sizeof(fill[0]); f++) {
        size_t fl = strlen(fill[f]);
        for (off = 0; off < 140; off++) {
            for (k = 0; k < sizeof(pieces) / sizeof(pieces[0]) + 256; k++) {
                size_t n = 0, i, len;
                for (i = 0; n + fl <= off; i++) {
                    memcpy(b + n, fill[f], fl);
                    n += fl;
                }
                while (n < off)
                    b[n++] = 'x';
                if (k < sizeof(pieces) / sizeof(pieces[0])) {
                    len = strlen(pieces[k]);
                    memcpy(b + n, pieces[k], len);
                    n += len;
                } else {
                    b[n++] = (uint8_t)(k - sizeof(pieces) / sizeof(pieces[0]));
                }
                for (v = 0; v < 3 && n + fl < sizeof(b); v++) {
                    memcpy(b + n, fill[f], fl);
                    n += fl;
                }
                /* the field, and the same cut right after the piece */
                check_field(b, n, &neg);
                check_field(b,
                            off + (k < sizeof(pieces) / sizeof(pieces[0]) ? strlen(pieces[k]) : 1),
                            &neg);
            }
        }
    }
    (void)neg;
}

/* Base64 runs of 14..18 bytes ending at every offset, alone and split between two cells. */
static void test_decode_fast__screen_runs(void **state)
{
    uint8_t b[200];
    size_t neg = 0, run, off, cut;
    (void)state;
    for (run = 14; run <= 18; run++) {
        for (off = 0; off + run < 150; off++) {
            size_t n = 0, i, st[2];
            azk_field fl[2];
            azk_record rec;
            for (i = 0; i < off; i++)
                b[n++] = '.';
            for (i = 0; i < run; i++)
                b[n++] = "aB3+/-_Z"[i % 8];
            b[n++] = '.';
            check_field(b, n, &neg);
            /* the run split by a cell boundary: no cell holds 16 */
            for (cut = off; cut <= off + run; cut++) {
                bool any =
                    azk_decode__reveal_worth(b, cut) || azk_decode__reveal_worth(b + cut, n - cut);
                st[0] = 0;
                st[1] = cut;
                assert_true(!any || azk_decode__reveal_screen(b, n, st, 2));
                memset(&rec, 0, sizeof(rec));
                fl[0].ptr = (const char *)b;
                fl[0].len = cut;
                fl[1].ptr = (const char *)b + cut;
                fl[1].len = n - cut;
                rec.fields = fl;
                rec.field_count = 2;
                rec.tabular = 1;
                assert_true(!any || azk_decode__reveal_screen_record(&rec));
                if (azk_decode__reveal_screen_available() && run < 16)
                    assert_false(azk_decode__reveal_screen_record(&rec));
            }
        }
    }
}

/* Rows of 1..12 cells side by side (and apart): the screen says "maybe" whenever a cell is worth a
 * look. */
static void test_decode_fast__screen_rows(void **state)
{
    uint8_t b[1200], *apart[12];
    azk_field fl[12];
    size_t neg = 0, t, i;
    (void)state;
    for (i = 0; i < 12; i++) {
        apart[i] = malloc(128);
        assert_non_null(apart[i]);
    }
    for (t = 0; t < 40000; t++) {
        size_t cells = 1 + rnd() % 12, n = 0;
        bool any = false, s1, s2;
        azk_record rec;
        for (i = 0; i < cells; i++) {
            size_t want = rnd() % 4 == 0 ? 0 : rnd() % 60;
            size_t l = random_field(b + n, want);
            fl[i].ptr = (const char *)b + n;
            fl[i].len = l;
            any = any || azk_decode__reveal_worth(b + n, l);
            n += l;
        }
        memset(&rec, 0, sizeof(rec));
        rec.fields = fl;
        rec.field_count = cells;
        rec.tabular = 1;
        s1 = azk_decode__reveal_screen_record(&rec);
        assert_true(!any || s1);
        /* the same cells in separate buffers */
        for (i = 0; i < cells; i++) {
            memcpy(apart[i], fl[i].ptr, fl[i].len);
            fl[i].ptr = (const char *)apart[i];
        }
        s2 = azk_decode__reveal_screen_record(&rec);
        assert_true(!any || s2);
        neg += !s1;
    }
    if (azk_decode__reveal_screen_available())
        assert_true(neg > 1000);
    for (i = 0; i < 12; i++)
        free(apart[i]);
}

/*
 * Rows of cells side by side longer than the screen's one-pass bitmap (32 words: 2,048 bytes): a
 * cell starting past it must not cut a base64 run of the first cell (its start bit would land
 * where it wraps to), nor hide a piece of its own. The third cell starts at 2,048 or 4,096 bytes
 * plus every offset around the run.
 */
static void test_decode_fast__screen_long_rows(void **state)
{
    static const char run[] = "QUJDREVGR0hJSktMTU5P";
    size_t cap = 4096 + 400, hits = 0, wrap, at, k, i;
    uint8_t *b = malloc(cap);
    (void)state;
    assert_non_null(b);
    for (wrap = 2048; wrap <= 4096; wrap += 2048) {
        for (at = 0; at < 130; at += 7) {
            for (k = at; k < at + sizeof(run) + 2; k++) {
                size_t s = wrap + k, n, l0 = 200;
                azk_field fl[3];
                azk_record rec;
                bool any = false;
                memset(b, '.', cap);
                memcpy(b + at, run, sizeof(run) - 1);
                n = s + 10;
                if (k % 3 == 0)
                    b[s + 2] = '\\'; /* and a piece in the third cell */
                fl[0].ptr = (const char *)b;
                fl[0].len = l0;
                fl[1].ptr = (const char *)b + l0;
                fl[1].len = s - l0;
                fl[2].ptr = (const char *)b + s;
                fl[2].len = n - s;
                for (i = 0; i < 3; i++)
                    any = any || azk_decode__reveal_worth((const uint8_t *)fl[i].ptr, fl[i].len);
                memset(&rec, 0, sizeof(rec));
                rec.fields = fl;
                rec.field_count = 3;
                rec.tabular = 1;
                hits += any;
                assert_true(!any || azk_decode__reveal_screen_record(&rec));
            }
        }
    }
    assert_true(hits > 0);
    free(b);
}

/* A cell that starts a spaced-out chain right at the end of a block without spaces (the screen
 * skips the chain masks in such blocks, carrying only the field starts). */
static void test_decode_fast__screen_chain_after_spaceless_block(void **state)
{
    static const char *const chains[] = {"0 9 0 - 1",
                                         "\xe5\xb1\xb1 \xe7\x94\xb0 \xe5\xa4\xaa \xe9\x83\x8e",
                                         "\xc3\xa9 9 0 - 1",
                                         "\xf0\x9f\x98\x80 \xf0\x9f\x98\x80 \xf0\x9f\x98\x80 x",
                                         "\xc3\xa9 \xc3\xa9 \xce\xb1 x",
                                         "\xc3\xa9 \xe5\xb1\xb1 \xf0\x9f\x98\x80 x",
                                         "a b c",
                                         "\xe3\x80\x80"
                                         "a b"};
    uint8_t b[256];
    azk_field fl[2];
    size_t c, l, hits = 0;
    (void)state;
    for (c = 0; c < sizeof(chains) / sizeof(chains[0]); c++) {
        for (l = 40; l <= 140; l++) {
            size_t cl = strlen(chains[c]);
            azk_record rec;
            bool w;
            memset(b, '.', l); /* not base64: no run */
            memcpy(b + l, chains[c], cl);
            fl[0].ptr = (const char *)b;
            fl[0].len = l;
            fl[1].ptr = (const char *)b + l;
            fl[1].len = cl;
            memset(&rec, 0, sizeof(rec));
            rec.fields = fl;
            rec.field_count = 2;
            rec.tabular = 1;
            w = azk_decode__reveal_worth(b + l, cl);
            hits += w;
            assert_true(!w || azk_decode__reveal_screen_record(&rec));
        }
    }
    assert_true(hits > 0);
}

/* ---- whole decodes, fast paths on and off ------------------------------------------- */

/* struct collect, decode_to(): tests/unit/decode_collect.h */

/* decode_to with spare buffers kept from object to object (sp). */
static void decode_spare(struct collect *c, const uint8_t *data, size_t len,
                         struct azk_decode_spare *sp)
{
    azk_source src;
    struct azk_mem_source ms;
    azk_decode_sink sink = {c_begin, c_format, c_record, c_end, c};
    azk_status rc;
    memset(c, 0, sizeof(*c));
    azk_decode__source_mem(&src, &ms, data, len);
    rc = azk_decode__object_spare(&src, NULL, &sink, sp);
    assert_int_equal(azk_buf_printf(&c->text, "rc %d", (int)rc), AZK_OK);
}

/*
 * Objects decoded one after another with the same spare buffers (as a scanner worker
 * does) give the records each gives alone: a long object then short ones (the bytes
 * left in the buffers never show), CP932, a zip holding text (a nested object while
 * the outer one holds the buffers), binary, and CSV / TSV (the parser's cell starts and
 * fields: a wide file with a header, then narrow ones, a quoted one, a headerless one).
 * The buffers are kept between objects.
 */
static void test_decode_fast__spare_buffers_reused(void **state)
{
    static const uint8_t zip[] = {/* a stored zip with one member "a.txt" = "TEL 090-1234-5678\n" */
                                  0x50, 0x4b, 0x03, 0x04, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                  0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x12, 0x00, 0x00, 0x00,
                                  0x12, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 'a',  '.',  't',
                                  'x',  't',  'T',  'E',  'L',  ' ',  '0',  '9',  '0',  '-',  '1',
                                  '2',  '3',  '4',  '-',  '5',  '6',  '7',  '8',  '\n'};
    static const char cp932[] = "\x8e\x81\x96\xbc \x8e\x52\x93\x63\x91\xbe\x98\x59 "
                                "\x93\x64\x98\x62 090-1111-2222\n";
    static const char csv_narrow[] = "name,tel\n\xe5\xb1\xb1\xe7\x94\xb0,090-1234-5678\n"
                                     "\xe4\xbd\x90\xe8\x97\xa4,03-1111-2222\n";
    static const char csv_quoted[] =
        "a,b,c\r\n\"x,\"\"y\",2,\"line\r\nbreak\"\r\n1,2,3\r\n4,5,6\r\n";
    static const char tsv[] = "id\tmail\n1\ta@example.jp\n2\tb@example.jp\n";
    static const char csv_plain[] = "1,2\n3,4\n5,6\n";
    const size_t big = 150000;
    uint8_t *long_text = malloc(big);
    azk_buf wide = AZK_BUF_INIT;
    struct azk_decode_spare sp;
    struct {
        const uint8_t *p;
        size_t n;
    } objs[12];
    (void)state;
    assert_non_null(long_text);
    for (size_t i = 0; i < big; i++)
        long_text[i] = (uint8_t)(i % 61 == 60 ? '\n' : 'a' + i % 26);
    objs[0].p = long_text, objs[0].n = big;
    objs[1].p = (const uint8_t *)"ab\n", objs[1].n = 3;
    objs[2].p = (const uint8_t *)cp932, objs[2].n = sizeof(cp932) - 1;
    objs[3].p = zip, objs[3].n = sizeof(zip);
    objs[4].p = (const uint8_t *)"x", objs[4].n = 1;
    objs[5].p = (const uint8_t *)"\x00\x01\x02bin\x00", objs[5].n = 7;
    objs[6].p = (const uint8_t *)"", objs[6].n = 0;
    /* 300 columns with a header, 3 rows: every cell start and field slot up to 300 used */
    for (int row = 0; row < 4; row++) {
        for (int col = 0; col < 300; col++)
            assert_int_equal(azk_buf_printf(&wide, "%s%s%d", col > 0 ? "," : "",
                                            row == 0 ? "col" : "090-0000-", row * 1000 + col),
                             AZK_OK);
        assert_int_equal(azk_buf_putc(&wide, '\n'), AZK_OK);
    }
    objs[7].p = wide.data, objs[7].n = wide.len;
    objs[8].p = (const uint8_t *)csv_narrow, objs[8].n = sizeof(csv_narrow) - 1;
    objs[9].p = (const uint8_t *)csv_quoted, objs[9].n = sizeof(csv_quoted) - 1;
    objs[10].p = (const uint8_t *)tsv, objs[10].n = sizeof(tsv) - 1;
    objs[11].p = (const uint8_t *)csv_plain, objs[11].n = sizeof(csv_plain) - 1;
    memset(&sp, 0, sizeof(sp));
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
            struct collect a, b;
            decode_to(&a, objs[i].p, objs[i].n, NULL);
            decode_spare(&b, objs[i].p, objs[i].n, &sp);
            assert_string_equal((const char *)a.text.data, (const char *)b.text.data);
            /* text kept the peek and both converter buffers for the next object */
            if (i != 3 && i != 5)
                assert_true(sp.peek != NULL && sp.in != NULL && sp.out != NULL);
            /* and a CSV / TSV object the parser's two arrays */
            if (i >= 7)
                assert_true(sp.csv_starts != NULL && sp.csv_fields != NULL);
            azk_buf_dispose(&a.text);
            azk_buf_dispose(&b.text);
        }
    }
    /* nested: a second take while the first buffer is out gets its own; given back, the
     * slot keeps one and the other is freed (ASan: no leak, no double free) */
    {
        uint8_t *outer = azk_decode__spare_take(&sp.peek, AZK_DECODE_PEEK);
        uint8_t *inner = azk_decode__spare_take(&sp.peek, AZK_DECODE_PEEK);
        assert_non_null(outer);
        assert_non_null(inner);
        assert_ptr_not_equal(outer, inner);
        assert_null(sp.peek);
        azk_decode__spare_give(&sp.peek, inner);
        assert_ptr_equal(sp.peek, inner);
        azk_decode__spare_give(&sp.peek, outer);
        assert_ptr_equal(sp.peek, inner);
    }
    azk_decode__spare_dispose(&sp);
    assert_null(sp.peek);
    assert_null(sp.csv_fields);
    azk_buf_dispose(&wide);
    free(long_text);
}

/* Decode with every fast path, then with none: the same records. */
static void same_both_ways(const uint8_t *data, size_t len, const char *enc)
{
    struct collect a, b;
    decode_to(&a, data, len, enc);
    azk_decode__simd_off = true;
    azk_decode__legacy_tables_off = true;
    azk_decode__known_valid_off = true;
    decode_to(&b, data, len, enc);
    azk_decode__simd_off = false;
    azk_decode__legacy_tables_off = false;
    azk_decode__known_valid_off = false;
    if (a.text.len != b.text.len || memcmp(a.text.data, b.text.data, a.text.len) != 0) {
        /* the first line that differs (the whole texts are too long to print) */
        size_t k = 0, ls = 0;
        while (k < a.text.len && k < b.text.len && a.text.data[k] == b.text.data[k])
            if (a.text.data[k++] == '\n')
                ls = k;
        print_error("fast: %.200s\nslow: %.200s\n", (const char *)a.text.data + ls,
                    (const char *)b.text.data + ls);
    }
    assert_int_equal(a.records, b.records);
    assert_string_equal((const char *)a.text.data, (const char *)b.text.data);
    azk_buf_dispose(&a.text);
    azk_buf_dispose(&b.text);
}

/*
 * Encoded payloads reveal must find whatever their place: base64 (standard
 * padded and unpadded, URL-safe) and hex (lower and upper case) of a
 * Japanese name and number, starting at every offset 0..140 of a line or of
 * a CSV row's second cell (so across the screen's 32- and 64-byte lanes and
 * its blocks), ending at the field's last byte or followed by more text,
 * in ASCII, UTF-8 and CP932 text. The decoded name must be in the records,
 * with the vector paths and without them.
 */
static void test_decode_fast__payloads_found(void **state)
{
    static const char *const payloads[] = {
        "5L2Q6Jek6Iqx5a2Q44GV44KTIOmbu+ipsSAwMy0xMjM0LTU2Nzg=",
        "5L2Q6Jek6Iqx5a2Q44GV44KTIOmbu+ipsSAwMy0xMjM0LTU2Nzg",
        "5L2Q6Jek6Iqx5a2Q44GV44KTIOmbu-ipsSAwMy0xMjM0LTU2Nzg",
        "e4bd90e897a4e88ab1e5ad90e38195e3829320e99bbbe8a9b12030332d313233342d35363738",
        "E4BD90E897A4E88AB1E5AD90E38195E3829320E99BBBE8A9B12030332D313233342D35363738",
    };
    /* fillers: not of the base64 alphabet, so the run is the payload alone */
    static const struct {
        const char *fill, *enc;
    } texts[] = {
        {".", "utf-8"},
        {"\xe3\x81\x82", "utf-8"},             /* あ */
        {"\xe9\x80\x81 ", "utf-8"},            /* 送 and a space */
        {"\x82\xa0", "cp932"},                 /* あ */
        {"\x91\x97\x95\x74\x81\x41", "cp932"}, /* 送付、 */
    };
    static const char want[] = "\xe4\xbd\x90\xe8\x97\xa4\xe8\x8a\xb1\xe5\xad\x90"; /* 佐藤花子 */
    uint8_t b[400];
    size_t pl, t, off, after, csv, missed = 0;
    int simd;
    (void)state;
    for (simd = 0; simd < 2; simd++) {
        azk_decode__simd_off = simd == 0;
        for (pl = 0; pl < sizeof(payloads) / sizeof(payloads[0]); pl++) {
            for (t = 0; t < sizeof(texts) / sizeof(texts[0]); t++) {
                for (csv = 0; csv < 2; csv++) {
                    for (off = 0; off <= 140; off++) {
                        for (after = 0; after < 2; after++) {
                            struct collect c;
                            size_t n = 0, fl = strlen(texts[t].fill), len = strlen(payloads[pl]);
                            if (csv) {
                                memcpy(b, "a,b\nx,", 6); /* a header, then the row "x,<cell>" */
                                n = 6;
                            }
                            while (n + fl <= (csv ? 6 : 0) + off) {
                                memcpy(b + n, texts[t].fill, fl);
                                n += fl;
                            }
                            memcpy(b + n, payloads[pl], len);
                            n += len;
                            if (after) {
                                memcpy(b + n, texts[t].fill, fl);
                                n += fl;
                            }
                            b[n++] = '\n';
                            decode_to(&c, b, n, texts[t].enc);
                            if (strstr((const char *)c.text.data, want) == NULL) {
                                fprintf(stderr,
                                        "payload %zu not found (text %zu, csv %zu, at %zu, simd "
                                        "%d): %s\n",
                                        pl, t, csv, off, simd, (const char *)c.text.data);
                                missed++;
                            }
                            azk_buf_dispose(&c.text);
                        }
                    }
                }
            }
        }
    }
    azk_decode__simd_off = false;
    assert_int_equal(missed, 0);
}

/* Lines and CSV rows of random pieces (escapes, spaced-out text, base64, any byte). */
static void test_decode_fast__decode_same_records(void **state)
{
    size_t cap = 300000, n, t;
    uint8_t *buf = malloc(cap + 400);
    (void)state;
    assert_non_null(buf);
    for (t = 0; t < 4; t++) {
        n = 0;
        if (t >= 2) {
            memcpy(buf, "id,name,note\n", 13);
            n = 13;
        }
        while (n < cap) {
            size_t cells = t >= 2 ? 3 : 1, i;
            for (i = 0; i < cells; i++) {
                n += random_field(buf + n, rnd() % (t >= 2 ? 30 : 120));
                /* the CSV parser must see cells: no stray delimiters or quotes */
                if (t >= 2) {
                    size_t k;
                    for (k = n - 1; k + 200 > n && k > 13; k--)
                        if (buf[k] == ',' || buf[k] == '"' || buf[k] == '\n' || buf[k] == '\r')
                            buf[k] = ';';
                }
                if (i + 1 < cells)
                    buf[n++] = ',';
            }
            buf[n++] = '\n';
        }
        same_both_ways(buf, n, t % 2 == 0 ? "utf-8" : NULL);
    }
    free(buf);
}

/*
 * ASCII lines that reveal looks at (base64-looking runs such as a user
 * agent's "Go-http-client/1.1", escapes) with spaced-out letters "a b c d"
 * of every length, at the start, middle and end of a line: normalise()'s
 * ASCII path appends unchanged stretches whole, the scalar path one code
 * point at a time; the records must be the same.
 */
static void test_decode_fast__reveal_ascii_lines(void **state)
{
    static const char *const ap[] = {
        "a ",
        "b",
        " ",
        "  ",
        "x y",
        "a b c d",
        "1 2 3 4 5",
        "Z ",
        "Go-http-client/1.1",
        "QUJDREVGR0hJSktMTU5PUA==",
        "dGVzdCB0ZXN0IHRlc3Q=",
        "AppleWebKit/537.36",
        "%41%42",
        "=41=42=43",
        "\\x41\\x42",
        "&amp;",
        "&#x41;",
        "id=b8442e3d43",
        "/api/v2/users/29058/settings",
        "rt=0.346",
        "\t",
        "<b>",
        "k=v ",
        "-",
        "0 9 0 - 1 2 3 4",
        "e f g h i j k",
    };
    size_t cap = 200000, n = 0;
    uint8_t *buf = malloc(cap + 200);
    (void)state;
    assert_non_null(buf);
    while (n < cap) {
        size_t parts = 1 + rnd() % 10, i;
        for (i = 0; i < parts; i++) {
            const char *s = ap[rnd() % (sizeof(ap) / sizeof(ap[0]))];
            memcpy(buf + n, s, strlen(s));
            n += strlen(s);
        }
        buf[n++] = '\n';
    }
    same_both_ways(buf, n, "utf-8");
    same_both_ways(buf, n, NULL);
    free(buf);
}

/* worth_a_look in one pass equals worth_a_look + look_closely (the switch). */
static bool onepass_same(const uint8_t *p, size_t n, bool *w)
{
    bool a, b;
    azk_decode__reveal_onepass_off = false;
    a = azk_decode__reveal_worth(p, n);
    azk_decode__reveal_onepass_off = true;
    b = azk_decode__reveal_worth(p, n);
    azk_decode__reveal_onepass_off = false;
    if (a != b) {
        size_t i;
        fprintf(stderr, "one pass says %d, two passes %d:", a, b);
        for (i = 0; i < n; i++)
            fprintf(stderr, " %02x", p[i]);
        fprintf(stderr, "\n");
    }
    *w = b;
    return a == b;
}

/*
 * Log-like lines with long base64-alphabet runs (user agents, paths): the
 * one-pass worth_a_look against the two passes, on known traps and on
 * random lines. Traps: a space as the last byte (only look_closely counts
 * it), six '<', a run after E2 80 (look_closely skips its first byte), runs
 * that are candidates only by their first / last byte, \ & and non-ASCII
 * bytes (left to look_closely).
 */
static void test_decode_fast__reveal_onepass(void **state)
{
    static const char *const traps[] = {
        "abcdefghijklmnopqrst x y z ",     /* true only by the last space */
        "abcdefghijklmnopqrst x y z",      /* false */
        "abcdefghijklmnopqrst x y zz ",    /* false */
        "x y abcdefghijklmnopqrst z ",     /* false: the run breaks the singles */
        "abcdefghijklmnopqrst  y z ",      /* false: an empty token */
        "abcdefghijklmnopqrst <<<<<<",     /* six '<' */
        "abcdefghijklmnopqrst <<<<<",      /* five */
        "<a<b<c<d<e<abcdefghijklmnopqrst", /* five */
        "\xE2\x80"
        "Gaaaaaaaaaaaaaaa1z", /* a candidate only with its skipped 'G' */
        "\xE2\x80"
        "Aaaaaaaaaaaaaaa1b", /* hex either way */
        "\xE2\x80"
        "Aaaaaaaaaaaaaaa1", /* 16 bytes, 15 for look_closely */
        "\xE2\x80\x8A"
        "Aaaaaaaaaaaaaaa1b", /* a real thin space before the run */
        "\xE3\x80\x80"
        "Aaaaaaaaaaaaaaa1b", /* ideographic space before the run */
        "x\xE2\x80"
        "Aaaaaaaaaaaaaaaa1b",               /* 17 after the skip */
        "Aaaaaaaaaaaaaaa1",                 /* candidate at both ends */
        "aaaaaaaaaaaaaaa1",                 /* not */
        "/static/js/app.bundle.min.js?v=1", /* not */
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)",
        "deadbeef0123456789abcdef",     /* hex */
        "deadbeef0123456789abcde",      /* odd: still a candidate run */
        "abcdefghijklmnopqrst %4",      /* cut %HH */
        "abcdefghijklmnopqrst %41",     /* %HH */
        "abcdefghijklmnopqrst =41=4",   /* cut =HH=HH */
        "abcdefghijklmnopqrst =41=42",  /* =HH=HH */
        "abcdefghijklmnopqrst \\u0041", /* \\ */
        "abcdefghijklmnopqrst \\q",
        "abcdefghijklmnopqrst &amp;", /* & */
        "abcdefghijklmnopqrst &amp",
        "abcdefghijklmnopqrst \xE3\x82\x99", /* non-ASCII */
        "abcdefghijklmnopqrst \xC3\xA9 \xC3\xA9 \xC3\xA9 ",
        "abcdefghijklmnopqrst\t\x01 a b c ",
        " ",
        "a b ",
        "abcdefghijklmnopqrstuvwxyz ",
    };
    static const char *const ap[] = {
        " ",
        "  ",
        "a ",
        "Z ",
        "7 ",
        "-",
        "/",
        ".",
        "<",
        "%41",
        "%4",
        "=41=42",
        "=4",
        "\\x41",
        "&amp;",
        "\xE2\x80",
        "\xE2\x80\x8B",
        "\xE3\x80\x80",
        "\xC3\xA9 ",
        "\t",
        ";",
        "abcdefghijklmnop",
        "ABCDEFGHIJKLMNOP",
        "0123456789012345",
        "Aaaaaaaaaaaaaaa",
        "deadbeef01234567",
        "q",
        "Q",
        "1",
        "+",
        "_",
        "KHTML",
        "like Gecko",
    };
    uint8_t b[512];
    size_t i, t = 0, f = 0;
    (void)state;
    for (i = 0; i < sizeof(traps) / sizeof(traps[0]); i++) {
        bool w;
        assert_true(onepass_same((const uint8_t *)traps[i], strlen(traps[i]), &w));
    }
    for (i = 0; i < 200000; i++) {
        size_t n = 0, parts = 1 + rnd() % 12, k;
        bool w;
        for (k = 0; k < parts; k++) {
            unsigned r = rnd();
            if (r % 16 == 0) {
                b[n++] = (uint8_t)(r >> 8); /* any byte */
            } else if (r % 16 < 6) {
                size_t run = 12 + (r >> 4) % 10, j; /* a run around RUN_MIN */
                for (j = 0; j < run; j++)
                    b[n++] = (uint8_t) "abcxyzABCXYZ0189+/-_"[rnd() % ((r >> 9) % 2 ? 20 : 6)];
            } else {
                const char *s = ap[(r >> 8) % (sizeof(ap) / sizeof(ap[0]))];
                memcpy(b + n, s, strlen(s));
                n += strlen(s);
            }
        }
        assert_true(onepass_same(b, n, &w));
        if (w)
            t++;
        else
            f++;
    }
    assert_true(t > 10000 && f > 10000); /* both answers are tested */
}

/*
 * A base64-alphabet run with a symbol of each alphabet (- or _ and + or /:
 * "Go-http-client/1" of a user agent) cannot be decoded (b64_decode refuses
 * it, no hex run holds a symbol), so it makes no line worth a look; a run
 * with the symbols of one alphabet still does, and a real value next to
 * such a run is still revealed. The records are the same with and without
 * the vector paths.
 */
static void test_decode_fast__reveal_two_alphabets(void **state)
{
    static const char *const no[] = {
        "Go-http-client/1.1",
        "10.0.0.1 - - \"GET /x HTTP/1.1\" 200 12 \"-\" \"Go-http-client/1.1\" rt=0.3",
        "Ab-cdefghijklmn+1",
        "Ab_cdefghijklmn/1",
        "a+b/c-d_Efghijklmnop1",
    };
    static const char *const yes[] = {
        "Abcdefghijklmno-1",
        "Abcdefghijklmno/1",
        "Abcdefghijklmno+1",
        "Abcdefghijklmno_1",
        "Go-http-client/1.1 dGVzdCB0ZXN0IHRlc3Q=",
        "Go_http_client_1 deadbeef0123456789",
    };
    static const char line[] = "ua=Go-http-client/1.1 v=dGVzdCB0ZXN0IHRlc3Q= rt=0.3\n"
                               "ua=Go-http-client/1.1 rt=0.3\n";
    struct collect c;
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        bool w;
        assert_false(azk_decode__reveal_worth((const uint8_t *)no[i], strlen(no[i])));
        assert_true(onepass_same((const uint8_t *)no[i], strlen(no[i]), &w));
    }
    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_true(azk_decode__reveal_worth((const uint8_t *)yes[i], strlen(yes[i])));
    decode_to(&c, (const uint8_t *)line, sizeof(line) - 1, "utf-8");
    assert_non_null(strstr((const char *)c.text.data, "test test test"));
    assert_non_null(strstr((const char *)c.text.data, ":|ua=Go-http-client/1.1 rt=0.3\n"));
    azk_buf_dispose(&c.text);
    same_both_ways((const uint8_t *)line, sizeof(line) - 1, "utf-8");
}

/*
 * CP932 and EUC-JP of several reads with characters the tables refuse
 * (undecodable bytes, lone lead bytes, unmapped pairs, NEC-selected IBM
 * rows) every few hundred bytes, and characters cut by read boundaries:
 * tables and ICU in pieces give what ICU alone gives.
 */
static void test_decode_fast__legacy_pieces_same_as_icu(void **state)
{
    static const char *const sjis[] = {
        "\x82\xa0\x82\xa2",
        "ID=12345 ok ",
        "\x93\x8c\x8b\x9e",
        "\xb1\xb2",
        "\x87\x40",
        "\xed\x40\xee\xfc",
        "\xfa\x40",
        "\n",
        "abc,def\n",
        "\x81\x40",
        "\xff",
        "\x82",
        "\x85\x40",
        "\xa0",
        "\x80",
        "\xfd",
        "\x82\x0a",
    };
    static const char *const euc[] = {
        "\xa4\xa2\xa4\xa4",
        "ID=12345 ok ",
        "\xc5\xec\xb5\xfe",
        "\x8e\xb1",
        "\x8f\xa2\xc3",
        "\xad\xa1",
        "\n",
        "abc,def\n",
        "\xa1\xa1",
        "\xff",
        "\xa4",
        "\x8f\xa2",
        "\x8e",
        "\xa9\xa1",
        "\x80",
        "\x8f\xfe\xfe",
    };
    size_t cap = 3 * AZK_DECODE_CHUNK + 5000, t;
    uint8_t *buf = malloc(cap + 64);
    (void)state;
    assert_non_null(buf);
    for (t = 0; t < 6; t++) {
        const char *const *pc = t % 2 == 0 ? sjis : euc;
        size_t np = t % 2 == 0 ? sizeof(sjis) / sizeof(sjis[0]) : sizeof(euc) / sizeof(euc[0]);
        size_t n = 0, bad_every = t < 2 ? 40 : t < 4 ? 400 : 4000;
        while (n < cap) {
            unsigned r = rnd();
            /* the refused pieces are the last seven of each list */
            const char *p =
                (r % bad_every == 0) ? pc[np - 1 - (r >> 12) % 7] : pc[(r >> 8) % (np - 7)];
            memcpy(buf + n, p, strlen(p));
            n += strlen(p);
        }
        same_both_ways(buf, n, t % 2 == 0 ? "cp932" : "euc-jp");
    }
    free(buf);
}

/* ---- UTF-8 validation -------------------------------------------------------------- */

/* The valid prefix with the 32-byte blocks and with the scalar loop alone: the same. */
static void utf8_same(const uint8_t *p, size_t n)
{
    size_t a0, a1, b0, b1;
    a0 = azk_decode__text_utf8_valid_prefix(p, n, false);
    a1 = azk_decode__text_utf8_valid_prefix(p, n, true);
    azk_decode__simd_off = true;
    b0 = azk_decode__text_utf8_valid_prefix(p, n, false);
    b1 = azk_decode__text_utf8_valid_prefix(p, n, true);
    azk_decode__simd_off = false;
    if (a0 != b0 || a1 != b1) {
        size_t i;
        fprintf(stderr, "utf-8 prefix %zu/%zu, scalar %zu/%zu:", a0, a1, b0, b1);
        for (i = 0; i < n; i++)
            fprintf(stderr, " %02x", p[i]);
        fprintf(stderr, "\n");
    }
    assert_int_equal(a0, b0);
    assert_int_equal(a1, b1);
}

/*
 * Valid text of 1-4 byte characters (the edges: U+0080, U+07FF, U+0800,
 * U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF) with one invalid sequence or
 * byte at every offset of two 32-byte blocks, and every byte value at every
 * offset, in text that is ASCII, kana or a mix; cut at every length.
 */
static void test_decode_fast__utf8_same_as_scalar(void **state)
{
    static const char *const good[] = {
        "a",
        "abc ",
        "\xe3\x81\x82",
        "\xe6\x9d\xb1",
        "\xc3\xa9",
        "\xc2\x80",
        "\xdf\xbf",
        "\xe0\xa0\x80",
        "\xed\x9f\xbf",
        "\xee\x80\x80",
        "\xef\xbf\xbf",
        "\xf0\x90\x80\x80",
        "\xf0\x9f\x98\x80",
        "\xf4\x8f\xbf\xbf",
        "\n",
        "0123456789",
    };
    static const char *const bad[] = {
        "\xc0\x80",
        "\xc1\xbf",
        "\xe0\x80\x80",
        "\xe0\x9f\xbf",
        "\xed\xa0\x80",
        "\xed\xbf\xbf",
        "\xf0\x80\x80\x80",
        "\xf0\x8f\xbf\xbf",
        "\xf4\x90\x80\x80",
        "\xf5\x80\x80\x80",
        "\xff",
        "\xfe",
        "\x80",
        "\xbf",
        "\xe3\x81",
        "\xc3",
        "\xf0\x9f\x98",
        "\xe3\x81\x82\x82",
        "\xc3\xa9\xa9",
        "\xe3\x41\x82",
    };
    static const char *const fill[] = {"a", "\xe3\x81\x82",
                                       "\xc3\xa9"
                                       "x",
                                       "\xf0\x9f\x98\x80"
                                       "a"};
    uint8_t b[200];
    size_t t, k, v, f;
    (void)state;
    for (t = 0; t < 3000; t++) {
        size_t n = 0, want = rnd() % 150;
        while (n < want) {
            const char *g = good[rnd() % (sizeof(good) / sizeof(good[0]))];
            memcpy(b + n, g, strlen(g));
            n += strlen(g);
        }
        utf8_same(b, n);
        if (t % 10 == 0) {
            for (k = 0; k <= n; k++)
                utf8_same(b, k);
        }
    }
    for (f = 0; f < sizeof(fill) / sizeof(fill[0]); f++) {
        size_t fl = strlen(fill[f]);
        for (k = 0; k < 70; k++) {
            for (v = 0; v < 256 + sizeof(bad) / sizeof(bad[0]); v++) {
                size_t n = 0;
                while (n + fl <= k) {
                    memcpy(b + n, fill[f], fl);
                    n += fl;
                }
                if (v < 256) {
                    b[n++] = (uint8_t)v;
                } else {
                    const char *x = bad[v - 256];
                    memcpy(b + n, x, strlen(x));
                    n += strlen(x);
                }
                while (n + fl < 110) {
                    memcpy(b + n, fill[f], fl);
                    n += fl;
                }
                utf8_same(b, n);
                utf8_same(b, 64);
                utf8_same(b, 96);
            }
        }
    }
}

/* b64_line with the 32-byte vector test (AVX2) and with the byte loop: same answer. */
static void b64_same(const uint8_t *p, size_t n)
{
    bool ra, rb;
    azk_decode__simd_off = false;
    ra = azk_decode__b64_line(p, n);
    azk_decode__simd_off = true;
    rb = azk_decode__b64_line(p, n);
    azk_decode__simd_off = false;
    if (ra != rb) {
        size_t i;
        fprintf(stderr, "b64_line differs (%d %d) on %zu bytes:", ra, rb, n);
        for (i = 0; i < n; i++)
            fprintf(stderr, " %02x", p[i]);
        fprintf(stderr, "\n");
    }
    assert_true(ra == rb);
}

/* Every byte value at every offset of base64 body lines (and lengths 30..70, '=' padded or
 * not), random lines of the alphabet with a few other bytes. */
static void test_decode_fast__b64_line_same_as_scalar(void **state)
{
    static const char line[] =
        "5L2Q6Jek6Iqx5a2Q44GV44KTIOmbu+ipsSAwMy0xMjM0LTU2Nzg/QUJDREVGR0hJSktMTU5P==";
    static const char ab[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ .";
    uint8_t b[160];
    size_t l = strlen(line), k, n, it, yes = 0;
    unsigned v;
    (void)state;
    for (k = 0; k < 40; k++) {
        for (v = 0; v < 256; v++) {
            memcpy(b, line, l);
            b[k] = (uint8_t)v;
            for (n = 30; n <= 70; n += 4)
                b64_same(b, n);
            b64_same(b, l);
            b64_same(b, l - 2);
        }
    }
    for (it = 0; it < 100000; it++) {
        n = rnd() % 100;
        for (k = 0; k < n; k++) {
            unsigned r = rnd();
            b[k] = r % 61 == 0 ? (uint8_t)(r >> 8) : (uint8_t)ab[(r >> 8) % (sizeof(ab) - 6)];
        }
        b64_same(b, n);
        yes += azk_decode__b64_line(b, n);
    }
    assert_true(yes > 1000); /* the lines are base64 often enough to test both answers */
}

/* hex_line with the 32-byte vector quick reject and with the byte loop: same answer, same bytes. */
static void hex_same(const uint8_t *p, size_t n, bool more)
{
    azk_buf a, b;
    bool ra, rb;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    azk_decode__simd_off = false;
    ra = azk_decode__hex_line(p, n, more, &a);
    azk_decode__simd_off = true;
    rb = azk_decode__hex_line(p, n, more, &b);
    azk_decode__simd_off = false;
    if (ra != rb || a.len != b.len || (a.len > 0 && memcmp(a.data, b.data, a.len) != 0)) {
        size_t i;
        fprintf(stderr, "hex_line differs (%d %d) on %zu bytes:", ra, rb, n);
        for (i = 0; i < n; i++)
            fprintf(stderr, " %02x", p[i]);
        fprintf(stderr, "\n");
    }
    assert_true(ra == rb);
    assert_int_equal(a.len, b.len);
    if (a.len > 0)
        assert_memory_equal(a.data, b.data, a.len);
    azk_buf_dispose(&a);
    azk_buf_dispose(&b);
}

static void test_decode_fast__hex_line_same_as_scalar(void **state)
{
    static const char *const dump[] = {
        "00000010: e8a9 a6e9 a893 e381 ae20 e5b1 b1e7 94b0  ................",
        "00000010  e8 a9 a6 e9 a8 93 e3 81  ae 20 e5 b1 b1 e7 94 b0  |................|",
        " e8 a9 a6 e9 a8 93 e3 81 ae 20 e5 b1 b1 e7 94 b0 e8 a9 a6",
        "0xe8, 0xa9, 0xa6, 0xe9, 0xa8, 0x93, 0xe3, 0x81, 0xae,",
        "E8:A9:A6:E9:A8:93:E3:81:AE:20:E5:B1:B1:E7:94:B0:E8:A9",
        "e8-a9-a6-e9-a8-93-e3-81-ae-20-e5-b1-b1-e7-94-b0-e8-a9",
        "2026-12-06 10:11:12.345 INFO  [job=DM4174-9224] done",
        "\t 0x0a 0X0B ab cd ef 01 23 45 67 89 ab cd ef 01 23 45 67 89",
    };
    static const char okb[] = "0123456789abcdefABCDEFxX ,:-|g.G/;@`\t";
    uint8_t b[160];
    size_t d, k, n, it;
    unsigned v;
    (void)state;
    /* every byte value at every offset of every dump line (and its prefixes around 32) */
    for (d = 0; d < sizeof(dump) / sizeof(dump[0]); d++) {
        size_t l = strlen(dump[d]);
        for (k = 0; k < l && k < 48; k++) {
            for (v = 0; v < 256; v++) {
                memcpy(b, dump[d], l);
                b[k] = (uint8_t)v;
                hex_same(b, l, false);
                hex_same(b, l, true);
                for (n = 30; n <= 36 && n <= l; n++)
                    hex_same(b, n, v & 1);
            }
        }
    }
    /* random lines of dump bytes with a few others */
    for (it = 0; it < 100000; it++) {
        n = rnd() % 100;
        for (k = 0; k < n; k++) {
            unsigned r = rnd();
            b[k] = r % 13 == 0 ? (uint8_t)(r >> 8) : (uint8_t)okb[(r >> 8) % (sizeof(okb) - 1)];
        }
        hex_same(b, n, it & 1);
    }
}

/*
 * UTF-8 the converter does not validate again after detection: Japanese
 * text of 1 byte to 3 reads with invalid sequences and characters cut
 * around the peek and read boundaries (64 KiB), or ASCII up to there
 * first: the same records as validating everything. Trusting a whole
 * first chunk, or detection's length in every chunk, fails here.
 */
static void test_decode_fast__utf8_known_valid(void **state)
{
    static const char *const bad[] = {"\xff", "\xe3\x81", "\xc0\xaf", "\xed\xa0\x80", "\x80"};
    static const size_t sizes[] = {1, 1000, 65535, 65536, 65537, 65600, 70000, 131072, 140000};
    size_t cap = 200000, s, t;
    uint8_t *buf = malloc(cap);
    (void)state;
    assert_non_null(buf);
    for (s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        for (t = 0; t < 12; t++) {
            size_t n = 0, len = sizes[s];
            /* "あいう, 12\n" repeated, shifted so characters straddle 65536 */
            const char *line = t % 3 == 2 ? "abcdefg 12\n" : "\xe3\x81\x82\xe3\x81\x84 12\n";
            n = t % 4;
            memset(buf, 'x', n);
            while (n + 16 < len) {
                size_t l = strlen(line);
                memcpy(buf + n, line, l);
                n += l;
            }
            while (n < len)
                buf[n++] = '\n';
            if (t >= 3) {
                /* invalid bytes just past the peek, early in the next read, or late */
                size_t at[3] = {65536 + (t % 5), 65536 + 40 * t, len > 100 ? len - 50 : 0};
                for (size_t j = 0; j < 3; j++) {
                    const char *b = bad[(t + j) % 5];
                    size_t bl = strlen(b);
                    if (at[j] + bl <= len)
                        memcpy(buf + at[j], b, bl);
                }
                if (t % 2 == 0 && len > 70000)
                    memcpy(buf + 131072 - 1, "\xe3", 1); /* a lead cut by the read */
            }
            same_both_ways(buf, len, NULL);
        }
    }
    free(buf);
}

/* An empty field (a pptx slide's empty text run reaches reveal with no data pointer): no
 * memchr on NULL (UBSan: nonnull argument), and escaped text is still recognised. */
static void test_decode_fast__escaped_text_empty_field(void **state)
{
    static const char esc[] = "a\\u0041b", two_nl[] = "x\\ny\\nz", plain[] = "no escape\\";
    (void)state;
    assert_false(azk_decode__reveal_escaped_text(NULL, 0));
    assert_false(azk_decode__reveal_escaped_text((const uint8_t *)"", 0));
    assert_true(azk_decode__reveal_escaped_text((const uint8_t *)esc, sizeof(esc) - 1));
    assert_true(azk_decode__reveal_escaped_text((const uint8_t *)two_nl, sizeof(two_nl) - 1));
    assert_false(azk_decode__reveal_escaped_text((const uint8_t *)plain, sizeof(plain) - 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_fast__screen_random_fields),
        cmocka_unit_test(test_decode_fast__screen_block_edges),
        cmocka_unit_test(test_decode_fast__screen_runs),
        cmocka_unit_test(test_decode_fast__screen_rows),
        cmocka_unit_test(test_decode_fast__screen_long_rows),
        cmocka_unit_test(test_decode_fast__screen_chain_after_spaceless_block),
        cmocka_unit_test(test_decode_fast__decode_same_records),
        cmocka_unit_test(test_decode_fast__reveal_ascii_lines),
        cmocka_unit_test(test_decode_fast__reveal_onepass),
        cmocka_unit_test(test_decode_fast__utf8_same_as_scalar),
        cmocka_unit_test(test_decode_fast__utf8_known_valid),
        cmocka_unit_test(test_decode_fast__legacy_pieces_same_as_icu),
        cmocka_unit_test(test_decode_fast__hex_line_same_as_scalar),
        cmocka_unit_test(test_decode_fast__payloads_found),
        cmocka_unit_test(test_decode_fast__b64_line_same_as_scalar),
        cmocka_unit_test(test_decode_fast__escaped_text_empty_field),
        cmocka_unit_test(test_decode_fast__spare_buffers_reused),
        cmocka_unit_test(test_decode_fast__reveal_two_alphabets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
