/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/decode_split -- the CSV splitter's fast path (decode/csv.c
 * cell_run: unquoted cells and rows found by a 64-byte mask of the stop
 * bytes, copied, their fields' ptr and len written as they end (emit_part
 * computes only the state machine's, and unfill() turns them back into
 * offsets before the cells buffer may move: rows across feeds; built twice,
 * SSE2 and AVX2 + BMI1, azk_decode__csv_avx2_off choosing the SSE2 build
 * where the AVX2 one would run); emit_part's column and header kept across
 * rows) against the state machine alone
 * (azk_decode__simd_off), and both fed whole against both fed in small
 * pieces: quotes, doubled quotes, CRLF and embedded line breaks across
 * read ends, NUL bytes, blank lines, cells and rows over the limits
 * (delivered in parts, every byte, never skipped), a BOM.
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

static uint64_t rs = 0x9E3779B97F4A7C15ull;

static unsigned rnd(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (unsigned)(rs >> 11);
}

/* Every record as text: line, row, flags, then col(header)=bytes per field (bytes as they are,
 * NUL included, with their length). */
struct out {
    azk_buf text;
    size_t records, continued, max_field;
};

static azk_status o_begin(void *p, const azk_object_info *info)
{
    (void)p;
    (void)info;
    return AZK_OK;
}

static void o_format(void *p, const char *format, const char *encoding)
{
    struct out *o = p;
    assert_int_equal(azk_buf_printf(&o->text, "format %s %s\n", format, encoding ? encoding : "-"),
                     AZK_OK);
}

static azk_status o_record(void *p, const azk_record *rec)
{
    struct out *o = p;
    size_t i;
    o->records++;
    o->continued += rec->continued;
    assert_int_equal(azk_buf_printf(&o->text, "%llu/%llu%s%s%s:", (unsigned long long)rec->line,
                                    (unsigned long long)rec->row, rec->is_header ? "H" : "",
                                    rec->continued ? "+" : "", rec->tabular ? "T" : ""),
                     AZK_OK);
    for (i = 0; i < rec->field_count; i++) {
        const azk_field *f = &rec->fields[i];
        if (f->len > o->max_field)
            o->max_field = f->len;
        assert_int_equal(azk_buf_printf(&o->text, "|%u(%.*s)%zu=", f->col, (int)f->header_len,
                                        f->header ? f->header : "", f->len),
                         AZK_OK);
        assert_int_equal(azk_buf_put(&o->text, f->ptr, f->len), AZK_OK);
    }
    assert_int_equal(azk_buf_putc(&o->text, '\n'), AZK_OK);
    return AZK_OK;
}

static void o_end(void *p, azk_status st, const azk_error *err)
{
    (void)p;
    (void)st;
    (void)err;
}

/* The CSV parser alone over data[0..n), fed in pieces of 1..piece bytes (0: whole). */
static void csv_run(struct out *o, const uint8_t *data, size_t n, size_t piece, int delim,
                    size_t max_cell)
{
    azk_decode_options opt = AZK_DECODE_OPTIONS_INIT;
    azk_decode_sink sink = {o_begin, o_format, o_record, o_end, o};
    struct azk_decode_ctx ctx;
    struct azk_csv *c = NULL;
    size_t at = 0;
    memset(o, 0, sizeof(*o));
    memset(&ctx, 0, sizeof(ctx));
    opt.literal = true; /* records straight to the sink: the splitter alone */
    opt.max_cell = max_cell;
    ctx.opts = &opt;
    ctx.sink = &sink;
    assert_int_equal(azk_decode__csv_new(&c, &ctx, delim), AZK_OK);
    while (at < n) {
        size_t k = piece == 0 ? n - at : 1 + rnd() % piece;
        if (k > n - at)
            k = n - at;
        assert_int_equal(azk_decode__csv_feed(c, data + at, k), AZK_OK);
        at += k;
    }
    assert_int_equal(azk_decode__csv_finish(c), AZK_OK);
    azk_decode__csv_free(c);
}

static void same_out(const struct out *a, const struct out *b)
{
    if (a->text.len != b->text.len || memcmp(a->text.data, b->text.data, a->text.len) != 0) {
        size_t k = 0, ls = 0;
        while (k < a->text.len && k < b->text.len && a->text.data[k] == b->text.data[k])
            if (a->text.data[k++] == '\n')
                ls = k;
        print_error("a: %.200s\nb: %.200s\n", (const char *)a->text.data + ls,
                    (const char *)b->text.data + ls);
    }
    assert_int_equal(a->records, b->records);
    assert_int_equal(a->text.len, b->text.len);
    assert_memory_equal(a->text.data, b->text.data, a->text.len);
}

/* Whole and in pieces, fast path on and off (and its SSE2 build, k >= 4): six times the same
 * records. The first run's records are left in *first. */
static void four_ways(struct out *first, const uint8_t *data, size_t n, size_t piece, int delim,
                      size_t max_cell)
{
    struct out b;
    unsigned k;
    csv_run(first, data, n, 0, delim, max_cell);
    for (k = 1; k < 6; k++) {
        azk_decode__simd_off = k < 4 && (k & 1) != 0;
        azk_decode__csv_avx2_off = k >= 4;
        csv_run(&b, data, n, k % 2 == 0 ? piece : 0, delim, max_cell);
        azk_decode__simd_off = false;
        azk_decode__csv_avx2_off = false;
        same_out(first, &b);
        azk_buf_dispose(&b.text);
    }
}

static void put(uint8_t *buf, size_t *n, const char *s, size_t len)
{
    memcpy(buf + *n, s, len);
    *n += len;
}

/* A random cell: plain, quoted with delimiters / line breaks / doubled quotes inside, empty,
 * long, with NUL bytes, with text after the closing quote, a quote inside an unquoted cell. */
static void random_cell(uint8_t *buf, size_t *n, int delim)
{
    static const char *const plain[] = {
        "abc", "山田 花子",        "03-1234-5678", "x", "2026-01-02", "a\"b", "東京都千代田区1-1",
        " ",   "12345678901234567"};
    unsigned r = rnd() % 16, i, m;
    const char *s;
    switch (r) {
        case 0:
            return; /* empty */
        case 1:
        case 2:
            put(buf, n, "\"", 1);
            m = 1 + rnd() % 4;
            for (i = 0; i < m; i++) {
                static const char *const in[] = {"a,b", "\n", "\r\n", "\"\"", "\t", "漢字", "\r"};
                s = in[rnd() % 7];
                put(buf, n, s, strlen(s));
            }
            put(buf, n, "\"", 1);
            if (rnd() % 4 == 0)
                put(buf, n, "tail", 4); /* lenient: text after the closing quote */
            return;
        case 3: /* long: over max_cell in some runs, over 16-byte blocks in all */
            m = 20 + rnd() % 300;
            for (i = 0; i < m; i++)
                buf[(*n)++] = (uint8_t)('a' + rnd() % 26);
            return;
        case 4:
            put(buf, n, "a\0b\0", 4);
            return;
        case 5:
            put(buf, n, "\"\"", 2); /* a quoted empty cell */
            return;
        default:
            s = plain[rnd() % (sizeof(plain) / sizeof(plain[0]))];
            put(buf, n, s, strlen(s));
            if (delim == '\t' && rnd() % 8 == 0)
                put(buf, n, ",", 1); /* the other delimiter is data */
            return;
    }
}

static size_t random_csv(uint8_t *buf, size_t cap, int delim, bool header)
{
    static const char *const ends[] = {"\n", "\r\n", "\r", "\n\n", "\r\n\r\n"};
    size_t n = 0;
    if (header) {
        const char *h = delim == ',' ? "氏名,住所,電話番号,備考,メール\n"
                                     : "氏名\t住所\t電話番号\t備考\tメール\n";
        put(buf, &n, h, strlen(h));
    }
    while (n + 4000 < cap) {
        unsigned cells = 1 + rnd() % 9, i;
        for (i = 0; i < cells; i++) {
            random_cell(buf, &n, delim);
            if (i + 1 < cells)
                buf[n++] = (uint8_t)delim;
        }
        {
            const char *e = ends[rnd() % 5];
            put(buf, &n, e, strlen(e));
        }
    }
    return n;
}

static void test_decode_split__csv_random_four_ways(void **state)
{
    size_t cap = 200000, t;
    uint8_t *buf = malloc(cap);
    (void)state;
    assert_non_null(buf);
    for (t = 0; t < 8; t++) {
        int delim = t % 2 == 0 ? ',' : '\t';
        size_t n = random_csv(buf, cap, delim, t % 4 < 2);
        struct out o;
        /* max_cell 64 cuts the long cells into parts; 0 is the default (64 KiB) */
        four_ways(&o, buf, n, t < 4 ? 7 : 40, delim, t % 3 == 0 ? 64 : 0);
        assert_true(o.records > 1000);
        if (t % 3 == 0) {
            assert_true(o.continued > 0);
            assert_true(o.max_field <= 64);
        }
        azk_buf_dispose(&o.text);
    }
    free(buf);
}

/* Two feeds split at every byte: quotes, a doubled quote, CRLF and an embedded line break cut
 * by the read end give the records of one feed. */
static void test_decode_split__csv_every_split(void **state)
{
    static const char in[] = "id,name,note\r\n"
                             "1,\"a\"\"b\",\"x\r\ny\"\r\n"
                             "2,plain cell,\"q,\"\"\"\r"
                             "3,,\r\n"
                             "\r\n"
                             "4,\"\",end";
    const size_t n = sizeof(in) - 1;
    struct out whole;
    size_t cut;
    unsigned fast;
    (void)state;
    csv_run(&whole, (const uint8_t *)in, n, 0, ',', 0);
    assert_string_equal((const char *)whole.text.data,
                        "1/0HT:|0()2=id|1()4=name|2()4=note\n"
                        "2/1T:|0(id)1=1|1(name)3=a\"b|2(note)4=x\r\ny\n"
                        "3/2T:|0(id)1=2|1(name)10=plain cell|2(note)3=q,\"\n"
                        "4/3T:|0(id)1=3|1(name)0=|2(note)0=\n"
                        "6/5T:|0(id)1=4|1(name)0=|2(note)3=end\n");
    for (fast = 0; fast < 2; fast++) {
        azk_decode__simd_off = fast == 0;
        for (cut = 1; cut < n; cut++) {
            azk_decode_options opt = AZK_DECODE_OPTIONS_INIT;
            azk_decode_sink sink = {o_begin, o_format, o_record, o_end, NULL};
            struct azk_decode_ctx ctx;
            struct azk_csv *c = NULL;
            struct out o;
            memset(&o, 0, sizeof(o));
            memset(&ctx, 0, sizeof(ctx));
            sink.payload = &o;
            opt.literal = true;
            ctx.opts = &opt;
            ctx.sink = &sink;
            assert_int_equal(azk_decode__csv_new(&c, &ctx, ','), AZK_OK);
            assert_int_equal(azk_decode__csv_feed(c, (const uint8_t *)in, cut), AZK_OK);
            assert_int_equal(azk_decode__csv_feed(c, (const uint8_t *)in + cut, n - cut), AZK_OK);
            assert_int_equal(azk_decode__csv_finish(c), AZK_OK);
            azk_decode__csv_free(c);
            same_out(&whole, &o);
            azk_buf_dispose(&o.text);
        }
    }
    azk_decode__simd_off = false;
    azk_buf_dispose(&whole.text);
}

/* A row of 10,000 cells (the limit is AZK_DECODE_MAX_FIELDS per record) under a header of
 * three: parts with continued = 1, columns 0..9999 in order, headers on the first three only,
 * every cell there; and the next row starts again at column 0 with its headers. With a
 * cell limit of 16, a part every 64 bytes of the row. */
static void test_decode_split__csv_row_over_field_limit(void **state)
{
    const size_t cells = 10000;
    uint8_t *buf = malloc(cells * 8 + 64);
    size_t n = 0, i, parts = 0;
    struct out o;
    const char *t, *q;
    (void)state;
    assert_non_null(buf);
    put(buf, &n, "a,b,c\n", 6);
    for (i = 0; i < cells; i++)
        n += (size_t)sprintf((char *)buf + n, i + 1 < cells ? "%zu," : "%zu\n", i);
    put(buf, &n, "x,y,z\n", 6);
    four_ways(&o, buf, n, 300, ',', 0);
    t = (const char *)o.text.data;
    assert_true(o.continued >= 2);
    assert_non_null(strstr(t, "|0(a)1=0|1(b)1=1|2(c)1=2|3()1=3|"));
    assert_non_null(strstr(t, "|4095()4=4095\n2/1+T:|4096()4=4096|"));
    assert_non_null(strstr(t, "|9999()4=9999\n3/2T:|0(a)1=x|1(b)1=y|2(c)1=z\n"));
    for (q = t; (q = strstr(q, "\n2/1")) != NULL; q++)
        parts++;
    assert_int_equal(parts, 3); /* 4096 + 4096 + 1808 cells */
    azk_buf_dispose(&o.text);
    /* max_cell 16: a part every 64 bytes of the row (4 x max_cell), cells cut nowhere */
    four_ways(&o, buf, n, 300, ',', 16);
    assert_true(o.continued >= 500); /* 38,890 bytes of digits, a part at 64 or more */
    assert_true(o.max_field <= 4);
    azk_buf_dispose(&o.text);
    free(buf);
}

/* The parser over data[0..n) fed as data[0..cut) then the rest (fast path as the switch says). */
static void csv_two_feeds(struct out *o, const uint8_t *data, size_t n, size_t cut, int delim,
                          size_t max_cell)
{
    azk_decode_options opt = AZK_DECODE_OPTIONS_INIT;
    azk_decode_sink sink = {o_begin, o_format, o_record, o_end, o};
    struct azk_decode_ctx ctx;
    struct azk_csv *c = NULL;
    uint8_t *a, *b;
    memset(o, 0, sizeof(*o));
    memset(&ctx, 0, sizeof(ctx));
    opt.literal = true;
    opt.max_cell = max_cell;
    ctx.opts = &opt;
    ctx.sink = &sink;
    assert_int_equal(azk_decode__csv_new(&c, &ctx, delim), AZK_OK);
    /* each piece in a buffer of its own size: a read past a piece's end is one ASan sees */
    a = malloc(cut > 0 ? cut : 1);
    b = malloc(n - cut > 0 ? n - cut : 1);
    assert_non_null(a);
    assert_non_null(b);
    memcpy(a, data, cut);
    memcpy(b, data + cut, n - cut);
    assert_int_equal(azk_decode__csv_feed(c, a, cut), AZK_OK);
    assert_int_equal(azk_decode__csv_feed(c, b, n - cut), AZK_OK);
    assert_int_equal(azk_decode__csv_finish(c), AZK_OK);
    azk_decode__csv_free(c);
    free(a);
    free(b);
}

/* csv_two_feeds by the state machine alone, then by both builds of the fast path (SSE2:
 * azk_decode__csv_avx2_off): the same records. */
static void two_feeds_three_ways(const uint8_t *data, size_t n, size_t cut, int delim,
                                 size_t max_cell, bool parts)
{
    struct out plain, fast;
    unsigned k;
    azk_decode__simd_off = true;
    csv_two_feeds(&plain, data, n, cut, delim, max_cell);
    azk_decode__simd_off = false;
    if (parts)
        assert_true(plain.continued > 0);
    for (k = 0; k < 2; k++) {
        azk_decode__csv_avx2_off = k == 1;
        csv_two_feeds(&fast, data, n, cut, delim, max_cell);
        azk_decode__csv_avx2_off = false;
        same_out(&plain, &fast);
        azk_buf_dispose(&fast.text);
    }
    azk_buf_dispose(&plain.text);
}

/*
 * The fast path finds its stops (delimiter, \n, \r, quote) by a mask over 64 bytes at a
 * time: every stop sequence below at every offset 0..140 of a row (so across the first, second
 * and third block ends of the mask, a \r\n split by one), after plain bytes and bytes >= 0x80,
 * in rows fed as two pieces cut at every byte of the first 200: the records of the state
 * machine alone.
 */
static void test_decode_split__csv_stops_at_block_ends(void **state)
{
    static const char *const tails[] = {",x\n",
                                        "\r\n,y\r\n",
                                        "\r",
                                        "\r\r\n",
                                        ",\"q\"\"r\",z\n",
                                        "a\"b,c\n",
                                        "\n\n",
                                        "\t,\n",
                                        ",,\r",
                                        ",\r\n\r\n",
                                        "\"",
                                        ",\"\r\n\"\n",
                                        "\x00,\x00\n",
                                        ",\xE5\xB1\xB1\n",
                                        "\r\n\"a\"",
                                        ",",
                                        "\n,",
                                        "\"\"\n"};
    const size_t cap = 64 * 1024;
    uint8_t *buf = malloc(cap);
    size_t t, pad;
    (void)state;
    assert_non_null(buf);
    for (t = 0; t < sizeof(tails) / sizeof(tails[0]); t++) {
        size_t n = 0, cut;
        for (pad = 0; pad <= 140; pad++) {
            size_t i;
            for (i = 0; i < pad; i++)
                buf[n++] =
                    (uint8_t)(pad % 3 == 0 && i + 3 <= pad && i % 7 == 0 ? 0xE3 : 'a' + i % 26);
            put(buf, &n, tails[t], strlen(tails[t]));
            put(buf, &n, "end,1\n", 6);
        }
        assert_true(n < cap);
        for (cut = 0; cut <= 200; cut++)
            two_feeds_three_ways(buf, n, cut, ',', 0, false);
    }
    free(buf);
}

/*
 * The fast path's limits: cells of max_cell - 1, max_cell, max_cell + 1 and more bytes, rows
 * around 4 x max_cell bytes (a part), cells the state machine began (cut by the feed's end,
 * or text after a closing quote: the fast path leaves those to it), empty cells, with small
 * cell limits, fed as two pieces cut at every byte: the records of the state machine alone.
 * Limits of 64 bytes and more: 64-byte blocks where no stop can reach a limit (block_safe,
 * limits not tested at each stop) next to blocks where one can.
 */
static void test_decode_split__csv_limits_every_cut(void **state)
{
    static const size_t mcs[] = {4, 8, 16, 0, 64, 65, 100};
    static uint8_t buf[8192];
    size_t k;
    (void)state;
    for (k = 0; k < sizeof(mcs) / sizeof(mcs[0]); k++) {
        size_t mc = mcs[k] != 0 ? mcs[k] : 20, n = 0, cut;
        size_t fill = mc >= 64 ? 3500 : 1848;
        while (n < fill && n + 7 * (2 * mc + 8) + 8 < sizeof(buf)) {
            unsigned cells = 1 + rnd() % (mc >= 64 ? 12 : 7), i;
            for (i = 0; i < cells; i++) {
                unsigned r = rnd() % 8;
                size_t len = r < 3 ? mc - 1 + r : r == 3 ? 2 * mc + rnd() % 3 : r == 4 ? 0 : 1;
                size_t j;
                if (mc >= 64 && r >= 6) /* rows of 4 x max_cell bytes and more in many cells */
                    len = mc / 2 - 8 + rnd() % 16 + (r == 7 ? mc / 3 : 0);
                if (r == 5) {
                    put(buf, &n, "\"q\"", 3); /* a quoted cell with text after it */
                    len = mc - 2 + rnd() % 4;
                }
                for (j = 0; j < len; j++)
                    buf[n + j] = (uint8_t)('a' + (i + j) % 26);
                n += len;
                if (i + 1 < cells)
                    buf[n++] = ',';
            }
            if (rnd() % 3 == 0)
                put(buf, &n, "\r\n", 2);
            else
                put(buf, &n, "\n", 1);
        }
        for (cut = 0; cut <= n; cut++)
            two_feeds_three_ways(buf, n, cut, ',', mcs[k], false);
    }
}

/*
 * Rows of many short cells that cross 4 x max_cell bytes (a part) inside a 64-byte block the
 * fast path walks, with limits of 64 bytes and more (blocks where no limit can be reached are
 * not tested at each stop: block_safe), fed whole and as two pieces cut at every byte of the
 * first 300: the records of the state machine alone.
 */
static void test_decode_split__csv_row_parts_in_blocks(void **state)
{
    static const size_t mcs[] = {64, 100, 128};
    static uint8_t buf[4096];
    size_t k;
    (void)state;
    for (k = 0; k < sizeof(mcs) / sizeof(mcs[0]); k++) {
        size_t mc = mcs[k], n = 0, cut;
        while (n + 4 * mc + 64 < sizeof(buf)) {
            size_t row = 0, want = 3 * mc + rnd() % (3 * mc);
            while (row < want) {
                size_t len = 1 + rnd() % (mc / 2), j;
                for (j = 0; j < len; j++)
                    buf[n + j] = (uint8_t)('a' + (row + j) % 26);
                n += len;
                row += len + 1;
                buf[n++] = row < want ? ',' : '\n';
            }
        }
        for (cut = 0; cut <= 300; cut++)
            two_feeds_three_ways(buf, n, cut, ',', mc, true);
    }
}

/* A quoted cell of 300,000 bytes with line breaks and quotes, and an unquoted one of 200,000:
 * delivered in parts of at most max_cell bytes that put together are the cell, byte for
 * byte (nothing skipped), whole or fed in pieces, fast path on or off. */
static void test_decode_split__csv_long_cells_every_byte(void **state)
{
    const size_t big = 300000, big2 = 200000;
    uint8_t *buf = malloc(2 * big + big2 + 64), *want = malloc(big + 1);
    size_t n = 0, i, w = 0;
    struct out o;
    azk_buf got = AZK_BUF_INIT;
    const uint8_t *t, *end;
    (void)state;
    assert_non_null(buf);
    assert_non_null(want);
    put(buf, &n, "k,v\n1,\"", 7);
    for (i = 0; i < big; i++) {
        uint8_t ch = (uint8_t)(i % 97 == 0 ? '\n' : i % 89 == 0 ? '"' : 'a' + i % 23);
        buf[n++] = ch;
        want[w++] = ch;
        if (ch == '"')
            buf[n++] = '"'; /* doubled in the file, one in the cell */
    }
    put(buf, &n, "\"\n2,", 4);
    for (i = 0; i < big2; i++)
        buf[n++] = (uint8_t)('A' + i % 26);
    buf[n++] = '\n';
    four_ways(&o, buf, n, 5000, ',', 0);
    assert_true(o.max_field <= 64 * 1024);
    assert_true(o.continued >= 6);
    /* put the value fields of row 1 together: "|1(v)LEN=" then LEN bytes */
    t = o.text.data;
    end = t + o.text.len;
    while (t < end) {
        const uint8_t *nl;
        bool row1 = memcmp(t, "2/1", 3) == 0;
        const char *f = strstr((const char *)t, "(v)");
        size_t len;
        char *after;
        if (row1 && f != NULL) {
            len = strtoul(f + 3, &after, 10);
            assert_int_equal(*after, '=');
            assert_int_equal(azk_buf_put(&got, after + 1, len), AZK_OK);
            t = (const uint8_t *)after + 1 + len;
        }
        nl = memchr(t, '\n', (size_t)(end - t));
        assert_non_null(nl);
        t = nl + 1;
    }
    assert_int_equal(got.len, big);
    assert_memory_equal(got.data, want, big);
    azk_buf_dispose(&got);
    azk_buf_dispose(&o.text);
    free(buf);
    free(want);
}

/* The whole decode of a CSV file with a UTF-8 BOM: the BOM is not part of the first header. */
static void test_decode_split__csv_bom(void **state)
{
    static const char in[] = "\xEF\xBB\xBFid,name,tel\n1,山田,03-1234-5678\n2,佐藤,06-1234-5678\n";
    azk_decode_options opt = AZK_DECODE_OPTIONS_INIT;
    azk_decode_sink sink = {o_begin, o_format, o_record, o_end, NULL};
    struct azk_mem_source ms;
    azk_source src;
    struct out o;
    unsigned fast;
    (void)state;
    for (fast = 0; fast < 2; fast++) {
        memset(&o, 0, sizeof(o));
        sink.payload = &o;
        azk_decode__simd_off = fast == 0;
        azk_decode__source_mem(&src, &ms, in, sizeof(in) - 1);
        assert_int_equal(azk_decode__object(&src, &opt, &sink), AZK_OK);
        azk_decode__simd_off = false;
        assert_string_equal((const char *)o.text.data,
                            "format csv utf-8\n"
                            "1/0HT:|0()2=id|1()4=name|2()3=tel\n"
                            "2/1T:|0(id)1=1|1(name)6=山田|2(tel)12=03-1234-5678\n"
                            "3/2T:|0(id)1=2|1(name)6=佐藤|2(tel)12=06-1234-5678\n");
        azk_buf_dispose(&o.text);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_split__csv_random_four_ways),
        cmocka_unit_test(test_decode_split__csv_every_split),
        cmocka_unit_test(test_decode_split__csv_row_over_field_limit),
        cmocka_unit_test(test_decode_split__csv_long_cells_every_byte),
        cmocka_unit_test(test_decode_split__csv_bom),
        cmocka_unit_test(test_decode_split__csv_stops_at_block_ends),
        cmocka_unit_test(test_decode_split__csv_limits_every_cut),
        cmocka_unit_test(test_decode_split__csv_row_parts_in_blocks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
