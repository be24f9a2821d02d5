/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/decode -- the decode stage: encodings (BOM, UTF-8, UTF-16,
 * CP932 with NEC and IBM extensions, EUC-JP, ISO-2022-JP, detection without
 * BOM, switching after an ASCII prefix), lines (terminators, NULs, cutting
 * at max_line), CSV/TSV (quoting, headers, cell limit), containers built
 * here with libarchive's writer (zip, nested zip, tar, tar.gz, .gz, zip
 * bomb, depth limit, encrypted member, truncated zip, entry limit), Office
 * Open XML built here (xlsx with deferred shared strings, docx, pptx) and
 * the fd source (size change). All text is synthetic.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "azk_oom.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <unicode/ucnv.h>

#include "decode/decode.h"
#include "decode/decode_int.h"
#include "decode/text_int.h"

/* ---- collecting sink ------------------------------------------------------------ */

struct collect {
    azk_buf log;        /* one event per line */
    azk_buf text;       /* concatenated record text (fields joined by |, records by \n) */
    const char *format; /* last object_format of the top-level object */
    const char *encoding;
    int format_calls;
    int depth;
    size_t records;
    size_t continued;
    size_t max_field;
    bool keep_headers;
};

static void log_line(struct collect *c, const char *s)
{
    assert_int_equal(azk_buf_puts(&c->log, s), AZK_OK);
    assert_int_equal(azk_buf_putc(&c->log, '\n'), AZK_OK);
}

static azk_status c_begin(void *p, const azk_object_info *info)
{
    struct collect *c = p;
    char tmp[512];
    size_t i, o = 0;
    o += (size_t)snprintf(tmp + o, sizeof(tmp) - o, "begin");
    for (i = 0; i < info->member_count && o < sizeof(tmp); i++)
        o +=
            (size_t)snprintf(tmp + o, sizeof(tmp) - o, "%s%s", i == 0 ? ":" : "/", info->member[i]);
    c->depth++;
    log_line(c, tmp);
    return AZK_OK;
}

static void c_format(void *p, const char *format, const char *encoding)
{
    struct collect *c = p;
    char tmp[128];
    snprintf(tmp, sizeof(tmp), "format:%s:%s", format, encoding != NULL ? encoding : "-");
    log_line(c, tmp);
    if (c->depth == 0) {
        c->format = format;
        c->encoding = encoding;
        c->format_calls++;
    }
}

static azk_status c_record(void *p, const azk_record *rec)
{
    struct collect *c = p;
    size_t i;
    c->records++;
    if (rec->continued)
        c->continued++;
    if (rec->tabular) {
        char tmp[96];
        snprintf(tmp, sizeof(tmp), "[%llu/%llu%s]", (unsigned long long)rec->line,
                 (unsigned long long)rec->row, rec->is_header ? "H" : "");
        assert_int_equal(azk_buf_puts(&c->text, tmp), AZK_OK);
        if (rec->sheet != NULL) {
            assert_int_equal(azk_buf_puts(&c->text, rec->sheet), AZK_OK);
            assert_int_equal(azk_buf_puts(&c->text, ":"), AZK_OK);
        }
    }
    for (i = 0; i < rec->field_count; i++) {
        const azk_field *f = &rec->fields[i];
        assert_true(azk_utf8_valid((const uint8_t *)f->ptr, f->len));
        if (f->len > c->max_field)
            c->max_field = f->len;
        if (i > 0)
            assert_int_equal(azk_buf_putc(&c->text, '|'), AZK_OK);
        if (rec->tabular) {
            char tmp[32];
            snprintf(tmp, sizeof(tmp), "%u=", f->col);
            assert_int_equal(azk_buf_puts(&c->text, tmp), AZK_OK);
            if (c->keep_headers && f->header != NULL) {
                assert_int_equal(azk_buf_put(&c->text, f->header, f->header_len), AZK_OK);
                assert_int_equal(azk_buf_putc(&c->text, '>'), AZK_OK);
            }
        }
        assert_int_equal(azk_buf_put(&c->text, f->ptr, f->len), AZK_OK);
    }
    if (!rec->tabular) {
        char tmp[48];
        snprintf(tmp, sizeof(tmp), "@%llu%s", (unsigned long long)rec->line,
                 rec->continued ? "+" : "");
        assert_int_equal(azk_buf_puts(&c->text, tmp), AZK_OK);
    }
    assert_int_equal(azk_buf_putc(&c->text, '\n'), AZK_OK);
    return AZK_OK;
}

static void c_end(void *p, azk_status st, const azk_error *err)
{
    struct collect *c = p;
    char tmp[600];
    snprintf(tmp, sizeof(tmp), "end:%s:%s", azk_status_name(st),
             st != AZK_OK && err != NULL ? err->message : "");
    c->depth--;
    log_line(c, tmp);
}

static void collect_init(struct collect *c)
{
    memset(c, 0, sizeof(*c));
}

static void collect_dispose(struct collect *c)
{
    azk_buf_dispose(&c->log);
    azk_buf_dispose(&c->text);
}

static azk_status decode_mem(struct collect *c, const void *data, size_t len,
                             const azk_decode_options *opts)
{
    azk_source src;
    struct azk_mem_source ms;
    azk_decode_sink sink = {c_begin, c_format, c_record, c_end, c};
    azk_status rc;
    azk_decode__source_mem(&src, &ms, data, len);
    rc = azk_decode__object(&src, opts, &sink);
    if (c->text.data == NULL)
        assert_int_equal(azk_buf_puts(&c->text, ""), AZK_OK);
    if (c->log.data == NULL)
        assert_int_equal(azk_buf_puts(&c->log, ""), AZK_OK);
    return rc;
}

static const char *text_of(struct collect *c)
{
    return (const char *)c->text.data;
}

static const char *log_of(struct collect *c)
{
    return (const char *)c->log.data;
}

/* UTF-8 -> bytes in an ICU encoding */
static size_t to_enc(const char *icu, const char *utf8, char *out, size_t cap)
{
    UErrorCode e = U_ZERO_ERROR;
    int32_t n = ucnv_convert(icu, "UTF-8", out, (int32_t)cap, utf8, -1, &e);
    assert_true(U_SUCCESS(e));
    return (size_t)n;
}

/* ---- encodings ------------------------------------------------------------------------ */

static const char jp_text[] =
    "お客様各位\r\n"
    "いつもご利用いただきありがとうございます。\r\n"
    "下記の通りご案内申し上げます。住所の変更は窓口までお知らせください。\r\n"
    "カタカナとひらがなと漢字の混ざった文章です。\r\n";

static void test_decode__utf8_lines(void **state)
{
    struct collect c;
    static const char in[] = "first line\nsecond\r\nthird\rfourth\n\nsix\0th\n";
    (void)state;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, in, sizeof(in) - 1, NULL), AZK_OK);
    assert_string_equal(c.format, "text");
    assert_string_equal(c.encoding, "utf-8");
    assert_string_equal(text_of(&c), "first line@1\nsecond@2\nthird@3\nfourth@4\nsix th@6\n");
    collect_dispose(&c);
}

static void test_decode__bom(void **state)
{
    struct collect c;
    char buf[256];
    size_t n;
    (void)state;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, "\xEF\xBB\xBFhello\n", 9, NULL), AZK_OK);
    assert_string_equal(c.encoding, "utf-8");
    assert_string_equal(text_of(&c), "hello@1\n");
    collect_dispose(&c);

    collect_init(&c);
    n = to_enc("UTF-16LE",
               "\xEF\xBB\xBF"
               "氏名 山田\n",
               buf, sizeof(buf)); /* ICU writes the BOM */
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.encoding, "utf-16le");
    assert_string_equal(text_of(&c), "氏名 山田@1\n");
    collect_dispose(&c);

    collect_init(&c);
    n = to_enc("UTF-16BE",
               "\xEF\xBB\xBF"
               "テスト\n",
               buf, sizeof(buf));
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.encoding, "utf-16be");
    assert_string_equal(text_of(&c), "テスト@1\n");
    collect_dispose(&c);
}

static void test_decode__utf16_without_bom(void **state)
{
    struct collect c;
    char buf[2048];
    size_t n;
    (void)state;
    collect_init(&c);
    n = to_enc("UTF-16LE", "name,kana\n佐藤 一郎,サトウ\nline 3 ascii\n", buf, sizeof(buf));
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.encoding, "utf-16le");
    assert_non_null(strstr(text_of(&c), "佐藤 一郎"));
    collect_dispose(&c);

    collect_init(&c);
    n = to_enc("UTF-16BE", "line one\nline two 日本語\n", buf, sizeof(buf));
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.encoding, "utf-16be");
    assert_string_equal(text_of(&c), "line one@1\nline two 日本語@2\n");
    collect_dispose(&c);
}

static void expect_detect(const char *icu, const char *want)
{
    struct collect c;
    char buf[4096];
    size_t n = to_enc(icu, jp_text, buf, sizeof(buf));
    azk_buf expect = AZK_BUF_INIT;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.encoding, want);
    assert_string_equal(c.format, "text");
    assert_int_equal(
        azk_buf_puts(&expect, "お客様各位@1\nいつもご利用いただきありがとうございます。@2\n"),
        AZK_OK);
    assert_non_null(strstr(text_of(&c), (const char *)expect.data));
    assert_non_null(strstr(text_of(&c), "カタカナとひらがなと漢字の混ざった文章です。@4"));
    azk_buf_dispose(&expect);
    collect_dispose(&c);
}

static void test_decode__detect_japanese(void **state)
{
    (void)state;
    expect_detect("ibm-943_P15A-2003", "cp932");
    expect_detect("ibm-33722_P12A_P12A-2009_U2", "euc-jp");
    expect_detect("ISO_2022,locale=ja,version=3", "iso-2022-jp");
    expect_detect("UTF-8", "utf-8");
}

/* Half-width katakana (bank transfer data) is CP932, not EUC-JP read in pairs. */
static void test_decode__detect_halfwidth_kana(void **state)
{
    struct collect c;
    char buf[1024];
    size_t n = to_enc("ibm-943_P15A-2003",
                      "0001,ﾔﾏﾀﾞ ﾀﾛｳ,1234567\n0002,ｽｽﾞｷ ﾊﾅｺ,2345678\n0003,ｻﾄｳ ｲﾁﾛｳ,3456789\n", buf,
                      sizeof(buf));
    (void)state;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.format, "csv");
    assert_string_equal(c.encoding, "cp932");
    assert_non_null(strstr(text_of(&c), "[2/2]0=0002|1=ｽｽﾞｷ ﾊﾅｺ|2=2345678\n"));
    collect_dispose(&c);
}

static void test_decode__cp932_extensions(void **state)
{
    struct collect c;
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    /* NEC row 13 (①, ㈱ at 0x878A, ㍾ at 0x878D) and IBM extension 髙 (0xFBFC) */
    static const char in[] = "\x87\x40\x87\x8A\x87\x8D\xFB\xFC\x8B\x9E\n";
    (void)state;
    o.force_encoding = "sjis";
    collect_init(&c);
    assert_int_equal(decode_mem(&c, in, sizeof(in) - 1, &o), AZK_OK);
    assert_string_equal(c.encoding, "cp932");
    assert_string_equal(text_of(&c), "①㈱㍾髙京@1\n");
    collect_dispose(&c);

    /* undecodable bytes become U+FFFD and the object goes on */
    o.force_encoding = "windows-31j";
    collect_init(&c);
    assert_int_equal(decode_mem(&c, "\x82\xA0\xFF\x82\xA2\n\x82\xA4\n", 9, &o), AZK_OK);
    assert_string_equal(text_of(&c), "あ\xEF\xBF\xBDい@1\nう@2\n");
    collect_dispose(&c);
}

/*
 * CP932 by table (text_tables.c) against ICU alone (azk_decode__convert_mem):
 * every byte and every two-byte sequence either converts to exactly ICU's
 * clean answer or is refused; a trailing lead byte waits for the next read
 * unless at the end; a refused byte refuses the window.
 */
static void test_decode__cp932_tables_match_icu(void **state)
{
    uint8_t out[16], in[2];
    size_t used, m, accepted = 0;
    azk_buf ref = AZK_BUF_INIT;
    (void)state;
    for (unsigned a = 0; a < 256; a++) {
        for (unsigned b = 0; b < 257; b++) {
            size_t n = b == 256 ? 1 : 2, errs = 0;
            in[0] = (uint8_t)a;
            in[1] = (uint8_t)b;
            m = azk_decode__legacy_fast(ENC_CP932, in, n, true, out, &used);
            azk_buf_clear(&ref);
            assert_int_equal(azk_decode__convert_mem("cp932", in, n, &ref, &errs), AZK_OK);
            if (m == SIZE_MAX)
                continue;
            accepted++;
            assert_int_equal(errs, 0);
            assert_int_equal(used, n);
            assert_int_equal(m, ref.len);
            assert_memory_equal(out, ref.data, m);
        }
    }
    /* ASCII, half-width kana and the JIS X 0208 / NEC / IBM pairs */
    assert_true(accepted > 20000);
    /* 0x80, 0xA0, 0xFD-0xFF and a lead byte with a bad trail byte: ICU's business */
    assert_int_equal(
        azk_decode__legacy_fast(ENC_CP932, (const uint8_t *)"a\x80", 2, true, out, &used),
        SIZE_MAX);
    assert_int_equal(
        azk_decode__legacy_fast(ENC_CP932, (const uint8_t *)"\xFF", 1, true, out, &used), SIZE_MAX);
    assert_int_equal(
        azk_decode__legacy_fast(ENC_CP932, (const uint8_t *)"\x82\x0A", 2, true, out, &used),
        SIZE_MAX);
    /* a lead byte at the end of a read waits; at the end of the object ICU says U+FFFD */
    m = azk_decode__legacy_fast(ENC_CP932, (const uint8_t *)"ab\x82", 3, false, out, &used);
    assert_int_equal(m, 2);
    assert_int_equal(used, 2);
    assert_int_equal(
        azk_decode__legacy_fast(ENC_CP932, (const uint8_t *)"ab\x82", 3, true, out, &used),
        SIZE_MAX);
    azk_buf_dispose(&ref);
}

/*
 * EUC-JP by table (text_tables.c) against ICU alone: every byte, every
 * two-byte sequence and every three-byte sequence after the JIS X 0212
 * lead byte 0x8F (and after a sample of other lead bytes, where the table
 * must read a pair and a single byte as ICU does) either converts to
 * exactly ICU's clean answer or is refused; a character cut at the end of
 * a read waits unless at the end of the object.
 */
static void test_decode__eucjp_tables_match_icu(void **state)
{
    static const uint8_t leads3[] = {0x8F, 0x8E, 0xA1, 0xB0, 0xA4, 0xFE, 0x80, 0xFF, 0x41};
    uint8_t out[32], in[3];
    size_t used, m, accepted = 0, accepted3 = 0;
    azk_buf ref = AZK_BUF_INIT;
    (void)state;
    for (unsigned a = 0; a < 256; a++) {
        for (unsigned b = 0; b < 257; b++) {
            size_t n = b == 256 ? 1 : 2, errs = 0;
            in[0] = (uint8_t)a;
            in[1] = (uint8_t)b;
            m = azk_decode__legacy_fast(ENC_EUCJP, in, n, true, out, &used);
            if (m == SIZE_MAX)
                continue;
            azk_buf_clear(&ref);
            assert_int_equal(azk_decode__convert_mem("euc-jp", in, n, &ref, &errs), AZK_OK);
            accepted++;
            assert_int_equal(errs, 0);
            assert_int_equal(used, n);
            assert_int_equal(m, ref.len);
            assert_memory_equal(out, ref.data, m);
        }
    }
    for (size_t k = 0; k < sizeof(leads3); k++) {
        for (unsigned b = 0; b < 256; b++) {
            for (unsigned c = 0; c < 256; c++) {
                size_t errs = 0;
                in[0] = leads3[k];
                in[1] = (uint8_t)b;
                in[2] = (uint8_t)c;
                m = azk_decode__legacy_fast(ENC_EUCJP, in, 3, true, out, &used);
                if (m == SIZE_MAX)
                    continue;
                azk_buf_clear(&ref);
                assert_int_equal(azk_decode__convert_mem("euc-jp", in, 3, &ref, &errs), AZK_OK);
                accepted3 += leads3[k] == 0x8F;
                assert_int_equal(errs, 0);
                assert_int_equal(used, 3);
                assert_int_equal(m, ref.len);
                assert_memory_equal(out, ref.data, m);
            }
        }
    }
    /* ASCII, half-width kana (0x8E xx), JIS X 0208 pairs; the JIS X 0212 triples ICU maps
     * (1,326 in ibm-33722: some symbols, a few kanji, the user-defined area) */
    assert_true(accepted > 6000);
    assert_true(accepted3 > 1000);
    /* a lead byte without its trail, a bad trail byte: ICU's business */
    assert_int_equal(
        azk_decode__legacy_fast(ENC_EUCJP, (const uint8_t *)"a\xA4", 2, true, out, &used),
        SIZE_MAX);
    assert_int_equal(
        azk_decode__legacy_fast(ENC_EUCJP, (const uint8_t *)"\xA4\x0A", 2, true, out, &used),
        SIZE_MAX);
    assert_int_equal(
        azk_decode__legacy_fast(ENC_EUCJP, (const uint8_t *)"\x8F\xB0\x0A", 3, true, out, &used),
        SIZE_MAX);
    /* a cut character at the end of a read waits; at the end of the object it is refused */
    m = azk_decode__legacy_fast(ENC_EUCJP, (const uint8_t *)"ab\x8F\xB0", 4, false, out, &used);
    assert_int_equal(m, 2);
    assert_int_equal(used, 2);
    m = azk_decode__legacy_fast(ENC_EUCJP, (const uint8_t *)"ab\xA4", 3, false, out, &used);
    assert_int_equal(m, 2);
    assert_int_equal(used, 2);
    assert_int_equal(
        azk_decode__legacy_fast(ENC_EUCJP, (const uint8_t *)"ab\x8F\xB0", 4, true, out, &used),
        SIZE_MAX);
    azk_buf_dispose(&ref);
}

/*
 * An EUC-JP object of several reads (a three-byte character cut at a read
 * boundary, undecodable bytes in one window, ASCII runs, half-width kana)
 * decodes to the same records with the tables as with ICU alone.
 */
static void test_decode__eucjp_tables_same_records(void **state)
{
    static const char *const pieces[] = {
        "\xa4\xa2\xa4\xa4\xa4\xa6",
        "ID=12345 status=ok ",
        "\xc5\xec\xb5\xfe\xc5\xd4",
        "\x8e\xb1\x8e\xb2",
        "\x8f\xa2\xc3\x8f\xdc\xdf",
        " 03-1234-5678 ",
        "\xa1\xa1",
        "\n",
        "abc,def,\xa4\xab\xa4\xca\n",
    };
    size_t cap = 3 * AZK_DECODE_CHUNK + 1000, n = 0;
    char *buf = malloc(cap);
    unsigned seed = 4321;
    struct collect a, b;
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    (void)state;
    assert_non_null(buf);
    while (n + 64 < cap) {
        const char *p;
        seed = seed * 1103515245u + 12345u;
        p = pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
        memcpy(buf + n, p, strlen(p));
        n += strlen(p);
    }
    /* a three-byte character across the first read boundary, a pair across
     * the second; an undecodable byte in the second read (ICU's window) */
    buf[AZK_DECODE_CHUNK - 2] = (char)0x8F;
    buf[AZK_DECODE_CHUNK - 1] = (char)0xA2;
    buf[AZK_DECODE_CHUNK] = (char)0xC3;
    buf[AZK_DECODE_CHUNK + AZK_DECODE_CHUNK / 2] = (char)0xFF;
    buf[2 * AZK_DECODE_CHUNK - 1] = (char)0xA4;
    buf[2 * AZK_DECODE_CHUNK] = (char)0xA2;
    buf[n++] = '\n';
    o.force_encoding = "euc-jp";
    collect_init(&a);
    collect_init(&b);
    assert_int_equal(decode_mem(&a, buf, n, &o), AZK_OK);
    azk_decode__legacy_tables_off = true;
    assert_int_equal(decode_mem(&b, buf, n, &o), AZK_OK);
    azk_decode__legacy_tables_off = false;
    assert_true(a.records > 1000);
    assert_int_equal(a.records, b.records);
    assert_string_equal(text_of(&a), text_of(&b));
    assert_string_equal(log_of(&a), log_of(&b));
    collect_dispose(&a);
    collect_dispose(&b);
    free(buf);
}

/*
 * Encoding detection with its fast paths (CP932/EUC-JP scored by table,
 * UTF-8 not read when its best case cannot win) picks what it picks with
 * ICU reading every candidate: the same encoding, errors and "binary", on
 * prefixes mixed from CP932, EUC-JP, UTF-8, ASCII and random bytes, cut
 * anywhere, at the end of the object or not.
 */
static void test_decode__guess_legacy_same_as_icu(void **state)
{
    static const char *const pieces[] = {
        "\x82\xa0\x82\xa2\x93\x8c\x8b\x9e",
        "\xa4\xa2\xa4\xa4\xc5\xec\xb5\xfe",
        "\xe3\x81\x82\xe6\x9d\xb1",
        "abc,def 03-1234-5678\n",
        "\xb1\xb2\xb3",
        "\x8e\xb1\x8f\xa2\xc3",
        "\xff\xfe\x80",
        "\x87\x40\xfb\xfc",
        "\xe3\x81",
    };
    /* short and mostly broken UTF-8: where UTF-8 wins (its bound must not skip it) */
    static const char *const broken[] = {"\xe3\x81\x82", "\xe3\x82\xa2", "\xe6\x9d\xb1",
                                         "\xff",         "abc ",         "\xe3\x81"};
    uint8_t buf[600];
    unsigned seed = 777;
    size_t differ = 0, utf8 = 0;
    (void)state;
    for (int t = 0; t < 3000; t++) {
        size_t n = 0, want;
        enum enc e1, e2;
        bool b1, b2;
        size_t r1, r2;
        bool short_one = t % 3 == 2;
        seed = seed * 1103515245u + 12345u;
        want = 1 + (seed >> 16) % (short_one ? 40 : 500);
        while (n < want) {
            seed = seed * 1103515245u + 12345u;
            if (short_one) {
                const char *p = broken[(seed >> 16) % (sizeof(broken) / sizeof(broken[0]))];
                memcpy(buf + n, p, strlen(p));
                n += strlen(p);
            } else if ((seed >> 16) % 7 == 0) {
                buf[n++] = (uint8_t)(seed >> 8);
            } else {
                const char *p = pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
                size_t l = strlen(p);
                if (n + l > sizeof(buf))
                    break;
                memcpy(buf + n, p, l);
                n += l;
            }
        }
        bool eof = (t & 1) != 0;
        assert_int_equal(azk_decode__text_guess_legacy(buf, n, eof, &e1, &b1, &r1), AZK_OK);
        azk_decode__legacy_tables_off = true;
        assert_int_equal(azk_decode__text_guess_legacy(buf, n, eof, &e2, &b2, &r2), AZK_OK);
        azk_decode__legacy_tables_off = false;
        assert_int_equal(e1, e2);
        assert_int_equal(b1, b2);
        assert_int_equal(r1, r2);
        differ += e1 != ENC_CP932;
        utf8 += e1 == ENC_UTF8;
    }
    /* not all one answer; UTF-8 wins some (mostly broken, or the bound would be untested) */
    assert_true(differ > 100 && differ < 2900);
    assert_true(utf8 > 20);
}

/*
 * A CP932 object of several reads (lead bytes cut at read boundaries,
 * undecodable bytes in some windows, ASCII runs, half-width kana) decodes
 * to the same records with the tables as with ICU alone.
 */
static void test_decode__cp932_tables_same_records(void **state)
{
    static const char *const pieces[] = {
        "\x82\xa0\x82\xa2\x82\xa4",
        "ID=12345 status=ok ",
        "\x93\x8c\x8b\x9e\x93\x73",
        "\xb1\xb2\xb3",
        "\x87\x40\x87\x8a",
        "\xfb\xfc",
        " 03-1234-5678 ",
        "\x81\x40",
        "\n",
        "\x8e\x52\x93\x63\x91\xbe\x98\x59",
        "abc,def,\x82\xa9\x82\xc8\n",
    };
    size_t cap = 3 * AZK_DECODE_CHUNK + 1000, n = 0;
    char *buf = malloc(cap);
    unsigned seed = 12345;
    struct collect a, b;
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    (void)state;
    assert_non_null(buf);
    while (n + 64 < cap) {
        const char *p;
        seed = seed * 1103515245u + 12345u;
        p = pieces[(seed >> 16) % (sizeof(pieces) / sizeof(pieces[0]))];
        memcpy(buf + n, p, strlen(p));
        n += strlen(p);
    }
    /* a lead byte as the last byte of the first read; an undecodable byte in
     * the second read (that window goes to ICU), none in the third */
    buf[AZK_DECODE_CHUNK - 1] = (char)0x82;
    buf[AZK_DECODE_CHUNK] = (char)0xa0;
    buf[AZK_DECODE_CHUNK + AZK_DECODE_CHUNK / 2] = (char)0xFF;
    buf[n++] = '\n';
    o.force_encoding = "cp932";
    collect_init(&a);
    collect_init(&b);
    assert_int_equal(decode_mem(&a, buf, n, &o), AZK_OK);
    azk_decode__legacy_tables_off = true;
    assert_int_equal(decode_mem(&b, buf, n, &o), AZK_OK);
    azk_decode__legacy_tables_off = false;
    assert_true(a.records > 1000);
    assert_int_equal(a.records, b.records);
    assert_string_equal(text_of(&a), text_of(&b));
    assert_string_equal(log_of(&a), log_of(&b));
    collect_dispose(&a);
    collect_dispose(&b);
    free(buf);
}

static void test_decode__eucjp_and_jis(void **state)
{
    struct collect c;
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    (void)state;
    o.force_encoding = "eucjp";
    collect_init(&c);
    /* あ, ① (NEC row 13 in EUC-JP), half-width ｱ (SS2) */
    assert_int_equal(decode_mem(&c, "\xA4\xA2\xAD\xA1\x8E\xB1\n", 7, &o), AZK_OK);
    assert_string_equal(c.encoding, "euc-jp");
    assert_string_equal(text_of(&c), "あ①ｱ@1\n");
    collect_dispose(&c);

    /* ISO-2022-JP: JIS X 0208, JIS X 0201 kana by ESC ( I and by SO/SI, detected */
    collect_init(&c);
    assert_int_equal(decode_mem(&c, "\x1b$B$\"-!\x1b(I1\x1b(Ba\x0e\x31\x0fz\n", 20, NULL), AZK_OK);
    assert_string_equal(c.encoding, "iso-2022-jp");
    assert_string_equal(text_of(&c), "あ①ｱaｱz@1\n");
    collect_dispose(&c);

    assert_string_equal(azk_decode__encoding_canonical("Shift_JIS"), "cp932");
    assert_string_equal(azk_decode__encoding_canonical("JIS"), "iso-2022-jp");
    assert_string_equal(azk_decode__encoding_canonical("EUC-JP"), "euc-jp");
    assert_string_equal(azk_decode__encoding_canonical("UTF-16LE"), "utf-16le");
    assert_null(azk_decode__encoding_canonical("koi8-r"));
}

static void test_decode__switch_after_ascii_prefix(void **state)
{
    struct collect c;
    size_t n = 0, i;
    char *buf = malloc(200000);
    char tail[1024];
    (void)state;
    assert_non_null(buf);
    for (i = 0; n < 100000; i++)
        n += (size_t)snprintf(buf + n, 200000 - n, "2026-01-01 00:00:%02zu INFO job step %zu\n",
                              i % 60, i);
    {
        size_t t = to_enc("ibm-943_P15A-2003", "宛名印字 お客様各位 ありがとうございます\n", tail,
                          sizeof(tail));
        memcpy(buf + n, tail, t);
        n += t;
    }
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.encoding, "cp932");
    assert_int_equal(c.format_calls, 2);
    assert_non_null(strstr(text_of(&c), "宛名印字 お客様各位 ありがとうございます@"));
    assert_non_null(strstr(text_of(&c), "INFO job step 0@1\n"));
    collect_dispose(&c);
    free(buf);
}

static void test_decode__invalid_utf8_replaced(void **state)
{
    struct collect c;
    (void)state;
    collect_init(&c);
    /* real UTF-8 first, then a stray byte: stays UTF-8, byte becomes U+FFFD */
    assert_int_equal(decode_mem(&c,
                                "日本語のテキスト\nab\xFF"
                                "cd\n",
                                31, NULL),
                     AZK_OK);
    assert_string_equal(c.encoding, "utf-8");
    assert_string_equal(text_of(&c), "日本語のテキスト@1\nab\xEF\xBF\xBD"
                                     "cd@2\n");
    collect_dispose(&c);
}

/* A chunk of nothing but invalid bytes triples in size (fuzzer find: overflow). */
static void test_decode__invalid_chunk_expands(void **state)
{
    struct collect c;
    size_t n = 200000, i;
    uint8_t *buf = malloc(n);
    (void)state;
    assert_non_null(buf);
    memset(buf, 0xFF, n);
    /* a UTF-8 prefix longer than the detection window, then garbage */
    for (i = 0; i + 25 <= 70000; i += 25)
        memcpy(buf + i, "日本語のテキスト\n", 25);
    for (i = 71000; i < n; i += 1000)
        buf[i] = '\n';
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.encoding, "utf-8");
    assert_true(c.records >= 2900);
    assert_non_null(strstr(text_of(&c), "\xEF\xBF\xBD\xEF\xBF\xBD"));
    collect_dispose(&c);
    free(buf);
}

static void test_decode__binary(void **state)
{
    struct collect c;
    unsigned char buf[4096];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(buf); i++)
        buf[i] = (unsigned char)((i * 7919u) >> 3);
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, sizeof(buf), NULL), AZK_OK);
    assert_string_equal(c.format, "binary");
    assert_int_equal(c.records, 0);
    collect_dispose(&c);

    collect_init(&c);
    assert_int_equal(decode_mem(&c, "%PDF-1.7\n...", 12, NULL), AZK_ERR_UNSUPPORTED);
    assert_string_equal(c.format, "pdf");
    collect_dispose(&c);
}

/* ---- lines ------------------------------------------------------------------------------ */

static void test_decode__max_line(void **state)
{
    struct collect c;
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    azk_buf in = AZK_BUF_INIT, joined = AZK_BUF_INIT;
    size_t i;
    const char *p;
    (void)state;
    o.max_line = 100;
    for (i = 0; i < 300; i++)
        assert_int_equal(azk_buf_puts(&in, i % 7 == 0 ? "あ " : "い"), AZK_OK);
    assert_int_equal(azk_buf_puts(&in, "\nnext\n"), AZK_OK);
    collect_init(&c);
    assert_int_equal(decode_mem(&c, in.data, in.len, &o), AZK_OK);
    assert_true(c.max_field <= 100);
    assert_true(c.continued >= 8);
    /* pieces put back together give the line */
    p = text_of(&c);
    while (*p != '\0') {
        const char *at = strchr(p, '@');
        const char *nl = strchr(p, '\n');
        assert_non_null(at);
        if (strncmp(at, "@1", 2) == 0)
            assert_int_equal(azk_buf_put(&joined, p, (size_t)(at - p)), AZK_OK);
        p = nl + 1;
    }
    assert_int_equal(joined.len, in.len - 6);
    assert_memory_equal(joined.data, in.data, joined.len);
    assert_non_null(strstr(text_of(&c), "next@2\n"));
    azk_buf_dispose(&in);
    azk_buf_dispose(&joined);
    collect_dispose(&c);
}

/* A very long line streams through a source of unknown size in pieces. */
struct gen_source {
    size_t left;
};

static azk_status gen_read(void *ctx, uint8_t *buf, size_t cap, size_t *got)
{
    struct gen_source *g = ctx;
    size_t n = cap < g->left ? cap : g->left;
    memset(buf, 'x', n);
    if (n == g->left && n > 0)
        buf[n - 1] = '\n';
    g->left -= n;
    *got = n;
    return AZK_OK;
}

static void test_decode__long_line_streams(void **state)
{
    struct collect c;
    struct gen_source g = {32u << 20};
    azk_source src = {gen_read, &g, -1, NULL};
    azk_decode_sink sink = {c_begin, c_format, NULL, c_end, &c};
    (void)state;
    collect_init(&c);
    sink.record = NULL;
    assert_int_equal(azk_decode__object(&src, NULL, &sink), AZK_OK);
    assert_int_equal(g.left, 0);
    collect_dispose(&c);
}

/* ---- CSV ---------------------------------------------------------------------------------- */

static void test_decode__csv(void **state)
{
    struct collect c;
    static const char in[] =
        "氏名,住所,電話番号,備考\r\n"
        "山田 花子,\"東京都千代田区1-1, 2F\",03-0000-0000,\"He said \"\"hi\"\"\"\r\n"
        "佐藤 次郎,\"大阪府\n大阪市\",06-0000-0000\r\n"
        "\r\n"
        "鈴木,,,x,extra\r\n";
    (void)state;
    collect_init(&c);
    c.keep_headers = true;
    assert_int_equal(decode_mem(&c, in, sizeof(in) - 1, NULL), AZK_OK);
    assert_string_equal(c.format, "csv");
    assert_string_equal(
        text_of(&c), "[1/0H]0=氏名|1=住所|2=電話番号|3=備考\n"
                     "[2/1]0=氏名>山田 花子|1=住所>東京都千代田区1-1, 2F|2=電話番号>03-0000-0000|"
                     "3=備考>He said \"hi\"\n"
                     "[3/2]0=氏名>佐藤 次郎|1=住所>大阪府\n大阪市|2=電話番号>06-0000-0000\n"
                     "[5/4]0=氏名>鈴木|1=住所>|2=電話番号>|3=備考>x|4=extra\n");
    collect_dispose(&c);
}

static void test_decode__tsv_no_header(void **state)
{
    struct collect c;
    static const char in[] = "1001\t2026-01-02\t100\n1002\t2026-01-03\t200\n";
    (void)state;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, in, sizeof(in) - 1, NULL), AZK_OK);
    assert_string_equal(c.format, "tsv");
    assert_string_equal(text_of(&c),
                        "[1/1]0=1001|1=2026-01-02|2=100\n[2/2]0=1002|1=2026-01-03|2=200\n");
    collect_dispose(&c);
}

static void test_decode__csv_cell_limit(void **state)
{
    struct collect c;
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    azk_buf in = AZK_BUF_INIT;
    size_t i;
    (void)state;
    o.max_cell = 64;
    assert_int_equal(azk_buf_puts(&in, "a,b\n1,\""), AZK_OK);
    for (i = 0; i < 100; i++)
        assert_int_equal(azk_buf_puts(&in, "漢"), AZK_OK); /* 300 bytes in one cell */
    assert_int_equal(azk_buf_puts(&in, "\"\n2,3\n"), AZK_OK);
    collect_init(&c);
    assert_int_equal(decode_mem(&c, in.data, in.len, &o), AZK_OK);
    assert_string_equal(c.format, "csv");
    assert_true(c.max_field <= 64);
    assert_true(c.continued >= 4);
    assert_non_null(strstr(text_of(&c), "[3/2]0=2|1=3\n"));
    collect_dispose(&c);

    /* a cell limit below one character's length must not stall (fuzzer find) */
    o.max_cell = 3;
    azk_buf_clear(&in);
    assert_int_equal(azk_buf_puts(&in, "a,b\n1,𠮷𠮷𠮷\n2,3\n"), AZK_OK);
    collect_init(&c);
    assert_int_equal(decode_mem(&c, in.data, in.len, &o), AZK_OK);
    assert_true(c.max_field <= 4);
    assert_non_null(strstr(text_of(&c), "1=𠮷\n"));
    assert_non_null(strstr(text_of(&c), "[3/2]0=2|1=3\n"));
    azk_buf_dispose(&in);
    collect_dispose(&c);
}

/* ---- archives built with libarchive ---------------------------------------------------------- */

struct member {
    const char *name;
    const void *data;
    size_t len;
};

static size_t write_archive(const char *format, const char *filter, const char *options,
                            const char *passphrase, const struct member *m, size_t count,
                            uint8_t *out, size_t cap)
{
    struct archive *a = archive_write_new();
    size_t used = 0, i;
    assert_non_null(a);
    assert_int_equal(archive_write_set_format_by_name(a, format), ARCHIVE_OK);
    if (filter != NULL)
        assert_int_equal(archive_write_add_filter_by_name(a, filter), ARCHIVE_OK);
    if (options != NULL)
        assert_int_equal(archive_write_set_options(a, options), ARCHIVE_OK);
    if (passphrase != NULL)
        assert_int_equal(archive_write_set_passphrase(a, passphrase), ARCHIVE_OK);
    assert_int_equal(archive_write_open_memory(a, out, cap, &used), ARCHIVE_OK);
    for (i = 0; i < count; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, m[i].name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)m[i].len);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (m[i].len > 0)
            assert_int_equal(archive_write_data(a, m[i].data, m[i].len), (la_ssize_t)m[i].len);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    return used;
}

static size_t write_gzip(const void *data, size_t len, uint8_t *out, size_t cap)
{
    struct archive *a = archive_write_new();
    struct archive_entry *e = archive_entry_new();
    size_t used = 0;
    assert_int_equal(archive_write_set_format_raw(a), ARCHIVE_OK);
    assert_int_equal(archive_write_add_filter_gzip(a), ARCHIVE_OK);
    assert_int_equal(archive_write_open_memory(a, out, cap, &used), ARCHIVE_OK);
    archive_entry_set_filetype(e, AE_IFREG);
    assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
    assert_int_equal(archive_write_data(a, data, len), (la_ssize_t)len);
    archive_entry_free(e);
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    return used;
}

static const char csv_member[] = "氏名,電話番号\n試験 太郎,090-0000-0000\n";
static const char log_member[] = "job start\njob end\n";

static void test_decode__zip_members(void **state)
{
    struct collect c;
    static uint8_t inner[8192], outer[16384];
    struct member in_m[] = {{"a.txt", log_member, sizeof(log_member) - 1}};
    size_t in_len = write_archive("zip", NULL, NULL, NULL, in_m, 1, inner, sizeof(inner));
    struct member out_m[] = {{"dir/list.csv", csv_member, sizeof(csv_member) - 1},
                             {"inner.zip", inner, in_len},
                             {"empty.txt", "", 0}};
    size_t out_len = write_archive("zip", NULL, NULL, NULL, out_m, 3, outer, sizeof(outer));
    (void)state;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, outer, out_len, NULL), AZK_OK);
    assert_string_equal(c.format, "zip");
    assert_string_equal(log_of(&c), "format:zip:-\n"
                                    "begin:dir/list.csv\nformat:csv:utf-8\nend:ok:\n"
                                    "begin:inner.zip\nformat:zip:-\n"
                                    "begin:inner.zip/a.txt\nformat:text:utf-8\nend:ok:\n"
                                    "end:ok:\n"
                                    "begin:empty.txt\nformat:text:utf-8\nend:ok:\n");
    assert_non_null(strstr(text_of(&c), "1=090-0000-0000"));
    assert_non_null(strstr(text_of(&c), "job end@2"));
    collect_dispose(&c);
}

static void test_decode__tar_and_gzip(void **state)
{
    struct collect c;
    static uint8_t buf[65536];
    struct member m[] = {{"logs/x.log", log_member, sizeof(log_member) - 1},
                         {"list.csv", csv_member, sizeof(csv_member) - 1}};
    size_t n;
    (void)state;
    n = write_archive("ustar", NULL, NULL, NULL, m, 2, buf, sizeof(buf));
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.format, "tar");
    assert_non_null(strstr(log_of(&c), "begin:logs/x.log\nformat:text:utf-8\nend:ok:\n"));
    collect_dispose(&c);

    n = write_archive("pax", "gzip", NULL, NULL, m, 2, buf, sizeof(buf));
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.format, "tar");
    assert_non_null(strstr(log_of(&c), "begin:list.csv\nformat:csv:utf-8\nend:ok:\n"));
    collect_dispose(&c);

    /* file.log.gz: the inner text is the object */
    n = write_gzip(log_member, sizeof(log_member) - 1, buf, sizeof(buf));
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.format, "text");
    assert_string_equal(text_of(&c), "job start@1\njob end@2\n");
    assert_null(strstr(log_of(&c), "begin"));
    collect_dispose(&c);
}

static void test_decode__zip_bomb(void **state)
{
    struct collect c;
    size_t big = 32u << 20, n;
    char *zeros = calloc(1, big);
    uint8_t *buf = malloc(1 << 20);
    struct member m[] = {{"bomb.txt", zeros, big}, {"ok.txt", log_member, sizeof(log_member) - 1}};
    (void)state;
    assert_non_null(zeros);
    assert_non_null(buf);
    memset(zeros, ' ', big);
    n = write_archive("zip", NULL, NULL, NULL, m, 2, buf, 1 << 20);
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_non_null(strstr(log_of(&c), "begin:bomb.txt\n"));
    assert_non_null(strstr(log_of(&c), "end:limit:zip bomb: expansion ratio over 200\n"));
    /* zip members are compressed one by one: the next member is still read */
    assert_non_null(strstr(log_of(&c), "begin:ok.txt\nformat:text:utf-8\nend:ok:\n"));
    collect_dispose(&c);

    /* the same bomb in a gzip stream stops the object */
    n = write_gzip(zeros, big, buf, 1 << 20);
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_ERR_LIMIT);
    assert_string_equal(azk_error_last()->message, "zip bomb: expansion ratio over 200");
    collect_dispose(&c);
    free(zeros);
    free(buf);
}

static void test_decode__depth_limit(void **state)
{
    struct collect c;
    static uint8_t a[8][8192];
    size_t n[8], i;
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    struct member m0 = {"deep.txt", log_member, sizeof(log_member) - 1};
    (void)state;
    n[0] = write_archive("zip", NULL, NULL, NULL, &m0, 1, a[0], sizeof(a[0]));
    for (i = 1; i < 4; i++) {
        struct member m = {"z.zip", a[i - 1], n[i - 1]};
        n[i] = write_archive("zip", NULL, NULL, NULL, &m, 1, a[i], sizeof(a[i]));
    }
    o.max_depth = 2;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, a[3], n[3], &o), AZK_OK);
    assert_non_null(strstr(log_of(&c), "begin:z.zip/z.zip\nformat:zip:-\n"
                                       "end:limit:nesting deeper than 2\n"));
    assert_null(strstr(log_of(&c), "deep.txt"));
    collect_dispose(&c);

    o.max_depth = 8;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, a[3], n[3], &o), AZK_OK);
    assert_non_null(strstr(log_of(&c), "begin:z.zip/z.zip/z.zip/deep.txt\n"));
    collect_dispose(&c);
}

static void test_decode__encrypted_member(void **state)
{
    struct collect c;
    static uint8_t buf[16384];
    struct member m[] = {{"secret.csv", csv_member, sizeof(csv_member) - 1}};
    size_t n =
        write_archive("zip", NULL, "zip:encryption=zipcrypt", "pass-0000", m, 1, buf, sizeof(buf));
    (void)state;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_non_null(
        strstr(log_of(&c), "begin:secret.csv\nend:unsupported:encrypted member, not scannable\n"));
    assert_int_equal(c.records, 0);
    collect_dispose(&c);
}

static void test_decode__truncated_zip(void **state)
{
    struct collect c;
    static uint8_t buf[65536];
    static char filler[20000];
    struct member m[] = {{"first.txt", log_member, sizeof(log_member) - 1},
                         {"second.txt", filler, sizeof(filler)}};
    size_t n, i;
    (void)state;
    for (i = 0; i < sizeof(filler); i++)
        filler[i] = (char)('a' + (i * 31 + i / 7) % 26);
    n = write_archive("zip", NULL, "zip:compression=store", NULL, m, 2, buf, sizeof(buf));
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n / 2, NULL), AZK_ERR_FORMAT);
    assert_non_null(strstr(log_of(&c), "begin:first.txt\nformat:text:utf-8\nend:ok:\n"));
    assert_non_null(strstr(text_of(&c), "job end@2"));
    collect_dispose(&c);
}

static void test_decode__entry_limit(void **state)
{
    struct collect c;
    static uint8_t buf[65536];
    struct member m[5];
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    size_t n, i;
    static const char *const names[] = {"1", "2", "3", "4", "5"};
    (void)state;
    for (i = 0; i < 5; i++) {
        m[i].name = names[i];
        m[i].data = log_member;
        m[i].len = sizeof(log_member) - 1;
    }
    n = write_archive("zip", NULL, NULL, NULL, m, 5, buf, sizeof(buf));
    o.max_entries = 3;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, &o), AZK_ERR_LIMIT);
    assert_string_equal(azk_error_last()->message, "more than 3 members");
    assert_non_null(strstr(log_of(&c), "begin:3\n"));
    assert_null(strstr(log_of(&c), "begin:4\n"));
    collect_dispose(&c);
}

/* ---- Office Open XML ---------------------------------------------------------------------------
 */

#define CT_HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Types xmlns=\"x\">"

static void test_decode__xlsx(void **state)
{
    struct collect c;
    static uint8_t buf[65536];
    static const char ct[] =
        CT_HEAD "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/"
                "vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
                "<Override PartName=\"/xl/sharedStrings.xml\" ContentType=\"s\"/></Types>";
    static const char wb[] =
        "<workbook xmlns:r=\"r\"><sheets>"
        "<sheet name=\"顧客一覧\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>";
    static const char rels[] = "<Relationships><Relationship Id=\"rId1\" Type=\"ws\" "
                               "Target=\"worksheets/sheet1.xml\"/></Relationships>";
    static const char sheet[] =
        "<worksheet><sheetData>"
        "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c><c r=\"B1\" t=\"s\"><v>1</v></c>"
        "<c r=\"C1\" t=\"inlineStr\"><is><t>生年月日</t></is></c></row>"
        "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>2</v></c><c r=\"B2\"><v>312345678</v></c>"
        "<c r=\"D2\"><f>A1</f><v>19800101</v></c></row>"
        "</sheetData></worksheet>";
    static const char sst[] = "<sst><si><t>氏名</t></si><si><r><t>電話</t></r><r><t>番号</t></r>"
                              "</si><si><t>架空 花子</t><rPh><t>カクウ</t></rPh></si></sst>";
    /* Excel's order: the sheet before the shared strings */
    struct member m[] = {{"[Content_Types].xml", ct, sizeof(ct) - 1},
                         {"xl/workbook.xml", wb, sizeof(wb) - 1},
                         {"xl/_rels/workbook.xml.rels", rels, sizeof(rels) - 1},
                         {"xl/worksheets/sheet1.xml", sheet, sizeof(sheet) - 1},
                         {"xl/sharedStrings.xml", sst, sizeof(sst) - 1}};
    size_t n = write_archive("zip", NULL, NULL, NULL, m, 5, buf, sizeof(buf));
    (void)state;
    collect_init(&c);
    c.keep_headers = true;
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.format, "xlsx");
    assert_null(strstr(log_of(&c), "begin"));
    assert_string_equal(text_of(&c), "[1/0H]顧客一覧:0=氏名|1=電話番号|2=生年月日\n"
                                     "[2/1]顧客一覧:0=氏名>架空 花子|1=電話番号>312345678|"
                                     "3=19800101\n");
    collect_dispose(&c);
}

static void test_decode__docx_pptx(void **state)
{
    struct collect c;
    static uint8_t buf[65536];
    static const char ct[] = CT_HEAD "<Override PartName=\"/word/document.xml\" ContentType=\"d\"/>"
                                     "</Types>";
    static const char doc[] =
        "<w:document xmlns:w=\"w\"><w:body>"
        "<w:p><w:r><w:t>ご担当</w:t></w:r><w:r><w:t xml:space=\"preserve\"> 様</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>A</w:t><w:tab/><w:t>B</w:t><w:br/><w:t>C</w:t></w:r></w:p>"
        "</w:body></w:document>";
    static const char hdr[] =
        "<w:hdr xmlns:w=\"w\"><w:p><w:r><w:t>社外秘</w:t></w:r></w:p></w:hdr>";
    static const char slide[] = "<p:sld xmlns:a=\"a\" xmlns:p=\"p\"><p:cSld><p:spTree><p:sp>"
                                "<p:txBody><a:p><a:r><a:t>発表</a:t></a:r><a:r><a:t>資料</a:t>"
                                "</a:r></a:p><a:p><a:r><a:t>二行目</a:t></a:r></a:p>"
                                "</p:txBody></p:sp></p:spTree></p:cSld></p:sld>";
    struct member dm[] = {{"[Content_Types].xml", ct, sizeof(ct) - 1},
                          {"word/document.xml", doc, sizeof(doc) - 1},
                          {"word/header1.xml", hdr, sizeof(hdr) - 1}};
    struct member pm[] = {{"_rels/.rels", "<Relationships/>", 16},
                          {"ppt/slides/slide1.xml", slide, sizeof(slide) - 1}};
    size_t n = write_archive("zip", NULL, NULL, NULL, dm, 3, buf, sizeof(buf));
    (void)state;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.format, "docx");
    assert_string_equal(text_of(&c), "ご担当 様@1\nA\tB@2\nC@3\n社外秘@4\n");
    collect_dispose(&c);

    n = write_archive("zip", NULL, NULL, NULL, pm, 2, buf, sizeof(buf));
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.format, "pptx");
    assert_string_equal(text_of(&c), "発表資料@1\n二行目@2\n");
    collect_dispose(&c);
}

static void test_decode__ooxml_nested_and_streaming(void **state)
{
    struct collect c;
    static uint8_t doc[16384], outer[32768];
    static const char body[] = "<w:document xmlns:w=\"w\"><w:body><w:p><w:r><w:t>入れ子の文書</w:t>"
                               "</w:r></w:p></w:body></w:document>";
    struct member dm[] = {{"[Content_Types].xml", "<Types/>", 8},
                          {"word/document.xml", body, sizeof(body) - 1}};
    size_t dn = write_archive("zip", NULL, NULL, NULL, dm, 2, doc, sizeof(doc));
    struct member om[] = {{"report.docx", doc, dn}};
    size_t on = write_archive("zip", NULL, NULL, NULL, om, 1, outer, sizeof(outer));
    azk_source src;
    struct azk_mem_source ms;
    azk_decode_sink sink = {c_begin, c_format, c_record, c_end, &c};
    (void)state;
    /* a member is not seekable: the docx inside is read from local headers */
    collect_init(&c);
    assert_int_equal(decode_mem(&c, outer, on, NULL), AZK_OK);
    assert_string_equal(log_of(&c),
                        "format:zip:-\nbegin:report.docx\nformat:docx:utf-8\nend:ok:\n");
    assert_string_equal(text_of(&c), "入れ子の文書@1\n");
    collect_dispose(&c);

    /* the same from a top-level source that cannot seek (a pipe) */
    collect_init(&c);
    azk_decode__source_mem(&src, &ms, outer, on);
    src.seek = NULL;
    assert_int_equal(azk_decode__object(&src, NULL, &sink), AZK_OK);
    assert_string_equal((const char *)c.text.data, "入れ子の文書@1\n");
    collect_dispose(&c);
}

static void test_decode__gzip_cp932(void **state)
{
    struct collect c;
    static uint8_t buf[8192];
    char raw[1024];
    size_t rn = to_enc("ibm-943_P15A-2003", jp_text, raw, sizeof(raw));
    size_t n = write_gzip(raw, rn, buf, sizeof(buf));
    (void)state;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.format, "text");
    assert_string_equal(c.encoding, "cp932");
    assert_non_null(strstr(text_of(&c), "お客様各位@1\n"));
    collect_dispose(&c);
}

static void test_decode__xlsx_duplicate_header_cell(void **state)
{
    struct collect c;
    static uint8_t buf[8192];
    /* the same reference twice in the header row (fuzzer find: leaked the first) */
    static const char sheet[] =
        "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\">"
        "<is><t>氏名</t></is></c><c r=\"A1\" t=\"inlineStr\"><is><t>名前</t>"
        "</is></c></row><row r=\"2\"><c r=\"A2\"><v>7</v></c></row>"
        "</sheetData></worksheet>";
    struct member m[] = {{"xl/worksheets/sheet1.xml", sheet, sizeof(sheet) - 1}};
    size_t n = write_archive("zip", NULL, NULL, NULL, m, 1, buf, sizeof(buf));
    (void)state;
    collect_init(&c);
    c.keep_headers = true;
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.format, "xlsx");
    assert_string_equal(text_of(&c), "[1/0H]sheet1:0=氏名|0=名前\n[2/1]sheet1:0=氏名>7\n");
    collect_dispose(&c);
}

/* A sheet of several 64 KiB reads (expat parses from its own buffer, block by block): every
 * row arrives, and a malformed tag in the last block is reported with its line number. */
static void test_decode__xlsx_sheet_in_blocks(void **state)
{
    static uint8_t buf[262144];
    static char sheet[200000];
    struct collect c;
    int bad;
    (void)state;
    for (bad = 0; bad <= 1; bad++) {
        size_t o = 0, n;
        int r;
        o += (size_t)snprintf(sheet, sizeof(sheet), "<worksheet><sheetData>\n");
        for (r = 1; r <= 4000; r++)
            o += (size_t)snprintf(sheet + o, sizeof(sheet) - o,
                                  "<row r=\"%d\"><c r=\"A%d\"><v>%d</v></c></row>\n", r, r,
                                  r == 3990 && bad ? 0 : 70000 + r);
        o += (size_t)snprintf(sheet + o, sizeof(sheet) - o, "</sheetData></worksheet>");
        assert_true(o > 3 * 65536 && o < sizeof(sheet));
        if (bad)
            memcpy(strstr(sheet, "<v>0</v>"), "<v>0</x>", 8); /* row 3990, line 3991 */
        {
            struct member m[] = {{"xl/worksheets/sheet1.xml", sheet, o}};
            n = write_archive("zip", NULL, NULL, NULL, m, 1, buf, sizeof(buf));
        }
        collect_init(&c);
        if (bad) {
            assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_ERR_FORMAT);
            assert_string_equal(azk_error_last()->message, "ooxml: malformed XML part (line 3991)");
        } else {
            assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
            assert_non_null(strstr(text_of(&c), "=70001\n"));
            assert_non_null(strstr(text_of(&c), "=72345\n"));
            assert_non_null(strstr(text_of(&c), "=74000\n"));
        }
        collect_dispose(&c);
    }
}

/* ---- allocation failures ---- */

static azk_status quiet_begin(void *p, const azk_object_info *info)
{
    (void)p;
    (void)info;
    return AZK_OK;
}

static azk_status quiet_record(void *p, const azk_record *rec)
{
    (*(size_t *)p)++;
    (void)rec;
    return AZK_OK;
}

static void quiet_end(void *p, azk_status st, const azk_error *err)
{
    (void)p;
    (void)st;
    (void)err;
}

/*
 * Every allocation of the decode stage fails in turn, on a zip holding CSV,
 * CP932 text, a gzip stream and an xlsx: the result is complete or
 * AZK_ERR_NOMEM, never a crash or a leak (ASan / valgrind runs check).
 */
static void test_decode__oom(void **state)
{
    static uint8_t xlsx[8192], outer[32768], gz[4096];
    static const char sheet[] = "<worksheet><sheetData><row r=\"1\"><c t=\"s\"><v>0</v></c></row>"
                                "<row r=\"2\"><c t=\"inlineStr\"><is><t>x</t></is></c></row>"
                                "</sheetData></worksheet>";
    static const char sst[] = "<sst><si><t>氏名</t></si></sst>";
    struct member xm[] = {{"xl/worksheets/sheet1.xml", sheet, sizeof(sheet) - 1},
                          {"xl/sharedStrings.xml", sst, sizeof(sst) - 1}};
    size_t xn = write_archive("zip", NULL, NULL, NULL, xm, 2, xlsx, sizeof(xlsx));
    char sj[1024];
    size_t sjn = to_enc("ibm-943_P15A-2003", jp_text, sj, sizeof(sj));
    size_t gn = write_gzip(log_member, sizeof(log_member) - 1, gz, sizeof(gz));
    struct member om[] = {{"a.csv", csv_member, sizeof(csv_member) - 1},
                          {"b.txt", sj, sjn},
                          {"c.log.gz", gz, gn},
                          {"d.xlsx", xlsx, xn}};
    size_t on = write_archive("zip", NULL, NULL, NULL, om, 4, outer, sizeof(outer));
    size_t full = 0, got;
    unsigned long allocs;
    long i;
    azk_source src;
    struct azk_mem_source ms;
    azk_decode_sink sink = {quiet_begin, NULL, quiet_record, quiet_end, &full};
    struct azk_oom oom = azk_oom_start("decode");
    bool last = false;
    (void)state;

    allocs = azk__alloc_count();
    azk_decode__source_mem(&src, &ms, outer, on);
    assert_int_equal(azk_decode__object(&src, NULL, &sink), AZK_OK);
    allocs = azk__alloc_count() - allocs;
    assert_true(full >= 8);
    assert_true(allocs > 0);
    sink.payload = &got;
    for (i = 0; !last; i += oom.step) {
        azk_status rc;
        if (i >= (long)allocs) {
            i = (long)allocs; /* armed past the last allocation: completes */
            last = true;
        }
        got = 0;
        azk_decode__source_mem(&src, &ms, outer, on);
        azk__alloc_fail_after(i);
        rc = azk_decode__object(&src, NULL, &sink);
        azk__alloc_fail_after(-1);
        oom.runs++;
        if (rc == AZK_OK)
            assert_int_equal(got, full);
        else
            assert_int_equal(rc, AZK_ERR_NOMEM);
        oom.nomem += rc == AZK_ERR_NOMEM;
        oom.completed = last && rc == AZK_OK;
    }
    azk_oom_report(&oom);
}

/* Dates are numbers with a date cell format; styles.xml comes after the sheet. */
static void test_decode__xlsx_dates(void **state)
{
    struct collect c;
    static uint8_t buf[16384];
    static const char sheet[] =
        "<worksheet><sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>生年月日</t></is></c>"
        "<c t=\"inlineStr\"><is><t>登録日時</t></is></c><c t=\"inlineStr\"><is><t>金額</t></is>"
        "</c><c t=\"inlineStr\"><is><t>旧日付</t></is></c></row>"
        "<row r=\"2\"><c r=\"A2\" s=\"1\"><v>29221</v></c><c r=\"B2\" s=\"2\"><v>31048.5</v></c>"
        "<c r=\"C2\" s=\"3\"><v>1234</v></c><c r=\"D2\" s=\"1\"><v>59</v></c></row>"
        "</sheetData></worksheet>";
    static const char styles[] =
        "<styleSheet><numFmts count=\"1\"><numFmt numFmtId=\"176\" formatCode=\"yyyy/m/d\\ "
        "h:mm;@\"/></numFmts><cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
        "<cellXfs count=\"4\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"176\"/>"
        "<xf numFmtId=\"3\"/></cellXfs></styleSheet>";
    struct member m[] = {{"xl/worksheets/sheet1.xml", sheet, sizeof(sheet) - 1},
                         {"xl/styles.xml", styles, sizeof(styles) - 1}};
    size_t n = write_archive("zip", NULL, NULL, NULL, m, 2, buf, sizeof(buf));
    (void)state;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(text_of(&c), "[1/0H]sheet1:0=生年月日|1=登録日時|2=金額|3=旧日付\n"
                                     "[2/1]sheet1:0=1980-01-01|1=1985-01-01 12:00|2=1234|"
                                     "3=1900-02-28\n");
    collect_dispose(&c);
}

/* ---- fd source ---- */

static void test_decode__fd_source(void **state)
{
    struct collect c;
    char path[] = "/tmp/azk_decode_XXXXXX";
    int fd = mkstemp(path);
    azk_source src;
    struct azk_fd_source fs;
    azk_decode_sink sink = {c_begin, c_format, c_record, c_end, &c};
    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, log_member, sizeof(log_member) - 1), sizeof(log_member) - 1);
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    collect_init(&c);
    azk_decode__source_fd(&src, &fs, fd, (int64_t)sizeof(log_member) - 1);
    assert_int_equal(azk_decode__object(&src, NULL, &sink), AZK_OK);
    assert_string_equal((const char *)c.text.data, "job start@1\njob end@2\n");
    collect_dispose(&c);

    /* the file was announced larger than it is: it shrank while read */
    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    collect_init(&c);
    azk_decode__source_fd(&src, &fs, fd, 1000);
    assert_int_equal(azk_decode__object(&src, NULL, &sink), AZK_ERR_IO);
    assert_non_null(strstr(azk_error_last()->message, "shrank"));
    collect_dispose(&c);

    assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
    collect_init(&c);
    azk_decode__source_fd(&src, &fs, fd, 5);
    assert_int_equal(azk_decode__object(&src, NULL, &sink), AZK_ERR_IO);
    assert_non_null(strstr(azk_error_last()->message, "grew"));
    collect_dispose(&c);
    close(fd);
    unlink(path);
}

/* ---- evasions (issue 11): sniffing behind junk, carving, reveal ------------------------ */

static const char ev_csv[] = "氏名,電話番号\n試験 太郎,090-0000-0000\n見本 花子,03-1111-2222\n";

/* Decode data and require the synthetic name and phone in the records. */
static void expect_names(const void *data, size_t len, const char *want_format)
{
    struct collect c;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, data, len, NULL), AZK_OK);
    if (strstr(text_of(&c), "試験 太郎") == NULL || strstr(text_of(&c), "090-0000-0000") == NULL)
        fail_msg("not revealed (format %s): %s | %s", c.format ? c.format : "-", text_of(&c),
                 log_of(&c));
    if (want_format != NULL)
        assert_string_equal(c.format, want_format);
    collect_dispose(&c);
}

static size_t cat2(uint8_t *out, size_t cap, const void *a, size_t an, const void *b, size_t bn)
{
    assert_true(an + bn <= cap);
    memcpy(out, a, an);
    memcpy(out + an, b, bn);
    return an + bn;
}

static void test_decode__evasion_junk_prefix(void **state)
{
    static uint8_t buf[200000];
    uint8_t zip[4096];
    struct member m[] = {{"a.csv", ev_csv, sizeof(ev_csv) - 1}};
    size_t zn = write_archive("zip", NULL, NULL, NULL, m, 1, zip, sizeof(zip));
    size_t n;
    (void)state;
    /* 4,096 NULs, 100,000 NULs (past the sniffing window), 0xFF padding: still a CSV */
    memset(buf, 0, 4096);
    n = cat2(buf, sizeof(buf), buf, 4096, ev_csv, sizeof(ev_csv) - 1);
    expect_names(buf, n, "csv");
    memset(buf, 0, 100000);
    n = cat2(buf, sizeof(buf), buf, 100000, ev_csv, sizeof(ev_csv) - 1);
    expect_names(buf, n, "csv");
    memset(buf, 0xFF, 5000);
    n = cat2(buf, sizeof(buf), buf, 5000, ev_csv, sizeof(ev_csv) - 1);
    expect_names(buf, n, "csv");
    /* a UTF-16 byte-order mark before UTF-8 text: the text wins */
    n = cat2(buf, sizeof(buf), "\xFF\xFE", 2, ev_csv, sizeof(ev_csv) - 1);
    expect_names(buf, n, "csv");
    n = cat2(buf, sizeof(buf), "\xEF\xBB\xBF\xFE\xFF\xFF\xFE", 7, ev_csv, sizeof(ev_csv) - 1);
    expect_names(buf, n, NULL);
    /* byte-order marks and NULs before a zip */
    n = cat2(buf, sizeof(buf), "\xEF\xBB\xBF\xFF\xFE", 5, zip, zn);
    expect_names(buf, n, "zip");
    memset(buf, 0, 4096);
    n = cat2(buf, sizeof(buf), buf, 4096, zip, zn);
    expect_names(buf, n, "zip");
}

static void test_decode__evasion_magic_then_text(void **state)
{
    static const char *const magics[] = {"\x89PNG\r\n\x1a\n", "\xFF\xD8\xFF\xE0", "GIF89a",
                                         "\x7f"
                                         "ELF\x02\x01\x01"};
    uint8_t buf[8192];
    size_t i, n;
    (void)state;
    for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
        n = cat2(buf, sizeof(buf), magics[i], strlen(magics[i]), ev_csv, sizeof(ev_csv) - 1);
        expect_names(buf, n, "csv");
    }
}

/* A PNG-like image: signature, a binary IHDR, random data; then what the test appends. */
static size_t fake_image(uint8_t *out, size_t cap, size_t random_len)
{
    static const uint8_t ihdr[] = {0, 0, 0,  13, 'I', 'H', 'D', 'R', 0,    0,    0,    32,  0,
                                   0, 0, 16, 8,  2,   0,   0,   0,   0x12, 0x34, 0x56, 0x78};
    uint32_t x = 12345;
    size_t n = 0, i;
    assert_true(8 + sizeof(ihdr) + random_len <= cap);
    memcpy(out, "\x89PNG\r\n\x1a\n", 8);
    n = 8;
    memcpy(out + n, ihdr, sizeof(ihdr));
    n += sizeof(ihdr);
    for (i = 0; i < random_len; i++) {
        x = x * 1103515245u + 12345u;
        out[n++] = (uint8_t)(x >> 16);
    }
    return n;
}

/* Intake and link read entrusted data as written: no evasion reading. */
static void test_decode__literal_reads_as_written(void **state)
{
    static const char csv[] = "name,note\n"
                              "&#x8A66;&#x9A13;,dGVzdCB2YWx1ZSBiYXNlNjQgZGF0YSBoZXJlIG9rPQ==\n"
                              "\\u8a66\\u9a13,a=3D=E8=A9=A6=\n"
                              "x,y\n";
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    struct collect c;
    (void)state;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, csv, sizeof(csv) - 1, NULL), AZK_OK);
    assert_non_null(strstr(text_of(&c), "試験"));
    collect_dispose(&c);
    o.literal = true;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, csv, sizeof(csv) - 1, &o), AZK_OK);
    assert_null(strstr(text_of(&c), "試験"));
    assert_non_null(strstr(text_of(&c), "&#x8A66;&#x9A13;"));
    assert_non_null(strstr(text_of(&c), "\\u8a66\\u9a13"));
    assert_non_null(strstr(text_of(&c), "a=3D=E8=A9=A6="));
    assert_non_null(strstr(text_of(&c), "dGVzdCB2YWx1ZSBiYXNlNjQgZGF0YSBoZXJlIG9rPQ=="));
    collect_dispose(&c);
}

static void test_decode__evasion_carve(void **state)
{
    static uint8_t buf[300000];
    uint8_t zip[4096];
    struct member m[] = {{"a.csv", ev_csv, sizeof(ev_csv) - 1}};
    size_t zn = write_archive("zip", NULL, NULL, NULL, m, 1, zip, sizeof(zip));
    size_t n, i;
    struct collect c;
    (void)state;
    /* text after an image, an image after text, a zip after an image (polyglot) */
    n = fake_image(buf, sizeof(buf), 20000);
    memcpy(buf + n, ev_csv, sizeof(ev_csv) - 1);
    expect_names(buf, n + sizeof(ev_csv) - 1, "binary");
    memcpy(buf, ev_csv, sizeof(ev_csv) - 1);
    n = fake_image(buf + sizeof(ev_csv) - 1, sizeof(buf) - sizeof(ev_csv), 200000);
    expect_names(buf, n + sizeof(ev_csv) - 1, NULL);
    n = fake_image(buf, sizeof(buf), 70000);
    memcpy(buf + n, zip, zn);
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n + zn, NULL), AZK_OK);
    assert_non_null(strstr(log_of(&c), "begin:a.csv"));
    assert_non_null(strstr(text_of(&c), "試験 太郎"));
    collect_dispose(&c);
    /* text sprinkled with control bytes */
    n = 0;
    for (i = 0; i < 20; i++) {
        memcpy(buf + n, ev_csv, sizeof(ev_csv) - 1);
        n += sizeof(ev_csv) - 1;
        memcpy(buf + n, "\x01\x02\x00\x03", 4);
        n += 4;
    }
    expect_names(buf, n, NULL);
    /* clean control: random bytes give no long record and no error */
    n = fake_image(buf, sizeof(buf), 250000);
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.format, "binary");
    assert_true(c.max_field < 40);
    assert_true(c.records < 20);
    collect_dispose(&c);
}

static void test_decode__evasion_utf16_utf32(void **state)
{
    static const char jp_only[] =
        "試験太郎様のご住所は見本県見本市です。ご連絡をお待ちしております。"
        "見本花子様のご住所は試験県試験市です。";
    char buf[4096];
    size_t n;
    struct collect c;
    (void)state;
    /* UTF-16 without BOM and without any ASCII (no NUL bytes to go by) */
    n = to_enc("UTF-16LE", jp_only, buf, sizeof(buf));
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.encoding, "utf-16le");
    assert_non_null(strstr(text_of(&c), "試験太郎様"));
    collect_dispose(&c);
    n = to_enc("UTF-16BE", jp_only, buf, sizeof(buf));
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.encoding, "utf-16be");
    collect_dispose(&c);
    /* UTF-32 with and without BOM */
    n = to_enc("UTF-32LE", ev_csv, buf, sizeof(buf));
    expect_names(buf, n, "csv");
    n = to_enc("UTF-32", ev_csv, buf, sizeof(buf));
    expect_names(buf, n, "csv");
    n = to_enc("UTF-32BE", ev_csv, buf, sizeof(buf));
    expect_names(buf, n, "csv");
}

/* An ASCII prefix sized so a few EUC-JP-only bytes decide (issue 11, section 3). */
static void test_decode__evasion_steered_cp932(void **state)
{
    static char buf[200000];
    char sj[4096];
    size_t n = 0, sjn = to_enc("ibm-943_P15A-2003", jp_text, sj, sizeof(sj)), i;
    struct collect c;
    (void)state;
    memset(buf, '#', 65530);
    n = 65530;
    memcpy(buf + n, "\n\xA4\xA2\xA4\xA4\n", 6);
    n += 6;
    for (i = 0; i < 30; i++) {
        memcpy(buf + n, sj, sjn);
        n += sjn;
    }
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_string_equal(c.encoding, "cp932");
    assert_non_null(strstr(text_of(&c), "いつもご利用いただきありがとうございます。"));
    collect_dispose(&c);
    /* a UTF-8 start, then CP932 for the rest: decided again when decoding fails badly */
    n = 0;
    for (i = 0; i < 3000; i++) {
        memcpy(buf + n, "日本語のテキスト\n", 25);
        n += 25;
    }
    for (i = 0; i < 60; i++) {
        memcpy(buf + n, sj, sjn);
        n += sjn;
    }
    collect_init(&c);
    assert_int_equal(decode_mem(&c, buf, n, NULL), AZK_OK);
    assert_non_null(strstr(text_of(&c), "いつもご利用いただきありがとうございます。"));
    collect_dispose(&c);
}

/* Decode one UTF-8 line and compare the records' text. */
static void expect_revealed(const char *in, const char *want)
{
    struct collect c;
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    o.force_encoding = "utf-8";
    collect_init(&c);
    assert_int_equal(decode_mem(&c, in, strlen(in), &o), AZK_OK);
    if (strcmp(text_of(&c), want) != 0)
        fail_msg("reveal of [%s]: got [%s] want [%s]", in, text_of(&c), want);
    collect_dispose(&c);
}

static void test_decode__reveal_escapes(void **state)
{
    (void)state;
    expect_revealed("{\"n\": \"\\u8a66\\u9a13 \\u592a\\u90ce\", \"e\": \"\\ud83d\\ude00\"}\n",
                    "{\"n\": \"試験 太郎\", \"e\": \"\xF0\x9F\x98\x80\"}@1\n");
    expect_revealed("\"\\\\u8a66\\\\u9a13\"\n", "\"試験\"@1\n"); /* escaped twice */
    expect_revealed("&#x8A66;&#39443; &amp;#x592A;&#x90CE; &lt;b&gt;\n", "試験 太郎 <b>@1\n");
    expect_revealed("q=%E8%A9%A6%E9%A8%93&r=%8E%8E%8C%B1 taro%40example.com\n",
                    "q=試験&r=試験 taro@example.com@1\n");
    expect_revealed("s = \"\\xe8\\xa9\\xa6\\xe9\\xa8\\x93\" t = \"\\350\\251\\246\"\n",
                    "s = \"試験\" t = \"試\"@1\n");
    /* bench-corpus finds: one escaped-looking byte is no text (EUC-JP reads 0x84 as
     * U+0084), a full-width value is folded whole */
    expect_revealed("住所不備 法人番号=8440610773528\n", "住所不備 法人番号=8440610773528@1\n");
    expect_revealed("zip=\xEF\xBC\x95\xEF\xBC\x95\xEF\xBC\x93\xEF\xBC\x8D\xEF\xBC\x90\n",
                    "zip=553-0@1\n");
    /* a JSON string holding a whole file: one record per line */
    expect_revealed("{\"f\": \"a,\\u8a66\\u9a13\\nb,\\u592a\\u90ce\\n\"}\n",
                    "{\"f\": \"a,試験@1\nb,太郎@1\n\"}@1\n");
    /* clean: what only looks like an escape stays as it is */
    expect_revealed("a=10 b=FF 50%OFF 100% c:\\temp x&y &#xZZ; \\u12\n",
                    "a=10 b=FF 50%OFF 100% c:\\temp x&y &#xZZ; \\u12@1\n");
}

static void test_decode__reveal_base64(void **state)
{
    static char text[65536];
    uint8_t zip[4096];
    struct member m[] = {{"a.csv", ev_csv, sizeof(ev_csv) - 1}};
    size_t zn = write_archive("zip", NULL, NULL, NULL, m, 1, zip, sizeof(zip));
    static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, o, col;
    struct collect c;
    (void)state;
    /* inline, in JSON: "試験 太郎 090-0000-0000" */
    expect_revealed("{\"v\": \"6Kmm6aiTIOWkqumDjiAwOTAtMDAwMC0wMDAw\"}\n",
                    "{\"v\": \"試験 太郎 090-0000-0000\"}@1\n");
    /* hex */
    expect_revealed("e8a9a6e9a893e5a4aae9838e\n", "試験太郎@1\n");
    /* a zip in base64, wrapped at 76 columns (MIME): its member is decoded */
    o = 0;
    col = 0;
    for (i = 0; i < zn; i += 3) {
        uint32_t v = (uint32_t)zip[i] << 16 | (i + 1 < zn ? (uint32_t)zip[i + 1] << 8 : 0) |
                     (i + 2 < zn ? zip[i + 2] : 0);
        text[o++] = b64[(v >> 18) & 63];
        text[o++] = b64[(v >> 12) & 63];
        text[o++] = i + 1 < zn ? b64[(v >> 6) & 63] : '=';
        text[o++] = i + 2 < zn ? b64[v & 63] : '=';
        if ((col += 4) == 76) {
            text[o++] = '\n';
            col = 0;
        }
    }
    text[o++] = '\n';
    collect_init(&c);
    assert_int_equal(decode_mem(&c, text, o, NULL), AZK_OK);
    assert_non_null(strstr(log_of(&c), "begin:a.csv"));
    assert_non_null(strstr(text_of(&c), "試験 太郎"));
    collect_dispose(&c);
    /* clean control: base64 of random bytes stays as it is, no error */
    expect_revealed("key: q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k=\n",
                    "key: q83vASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4k=@1\n");
    expect_revealed("InternationalizationConfiguration\n", "InternationalizationConfiguration@1\n");
}

static void test_decode__reveal_quoted_printable(void **state)
{
    struct collect c;
    static const char qp[] = "name: =E8=A9=A6=E9=A8=93 =E5=A4=AA=E9=83=\n=8E tel: 090-0000-0000\n";
    (void)state;
    collect_init(&c);
    assert_int_equal(decode_mem(&c, qp, sizeof(qp) - 1, NULL), AZK_OK);
    assert_non_null(strstr(text_of(&c), "name: 試験 太郎 tel: 090-0000-0000"));
    collect_dispose(&c);
}

static void test_decode__reveal_normalise(void **state)
{
    (void)state;
    /* a line of nothing but invisible characters reveals to nothing (fuzzer find) */
    expect_revealed("\xE2\x80\x8B\xE2\x80\x8B\nab\n", "ab@2\n");
    expect_revealed("試\xE2\x80\x8B験\xE2\x80\x8D太\xC2\xAD郎\xEF\xBB\xBF\n", "試験太郎@1\n");
    expect_revealed("\xEF\xBC\x90\xEF\xBC\x99\xEF\xBC\x90-0000-0000 \xEF\xBD\x94\xEF\xBD\x81\n",
                    "090-0000-0000 ta@1\n");
    expect_revealed("氏名: 試 験 太 郎 電話: 0 9 0 - 0 0 0 0\n",
                    "氏名: 試験太郎 電話: 090-0000@1\n");
    expect_revealed("<p><r>試</r><r>験</r><r>太</r><r>郎</r></p>\n", "試験太郎@1\n");
    expect_revealed("氏名 試\xE3\x80\x80験\xE3\x80\x80太\xE3\x80\x80郎\xE3\x80\x80様\n",
                    "氏名 試験太郎様@1\n");
    /* clean: ordinary spacing and markup stay */
    expect_revealed("This is a pen and a b c.\n", "This is a pen and a b c.@1\n");
    expect_revealed("<td>試験太郎</td><td>090</td>\n", "<td>試験太郎</td><td>090</td>@1\n");
}

static void test_decode__reveal_more(void **state)
{
    static uint8_t buf[200000];
    char u16[1024];
    size_t n, u16n;
    (void)state;
    /* \u{...} (JavaScript), \x{...} (Perl), lower-case quoted-printable */
    expect_revealed("\\u{8a66}\\u{9a13} \\x{592a}\\x{90ce}\n", "試験 太郎@1\n");
    expect_revealed("=e8=a9=a6=e9=a8=93\n", "試験@1\n");
    /* decomposed kana (NFD) and diacritics on Japanese / ASCII characters */
    expect_revealed("\xE3\x82\xAB\xE3\x82\x99\xE3\x83\x8F\xE3\x82\x9A \xE3\x81\x8B\xE3\x82\x99\n",
                    "ガパ が@1\n");
    expect_revealed("試\xCC\x81験\xCC\x81 0\xCC\x81"
                    "9\xCC\x81"
                    "0\xCC\x81\n",
                    "試験 090@1\n");
    /* ISO-2022-JP in base64 (a MIME encoded word) */
    expect_revealed("=?ISO-2022-JP?B?GyRCO244MyEhQkBPOhsoQg==?=\n",
                    "=?ISO-2022-JP?B?試験　太郎?=@1\n");
    /* UTF-16LE appended to an image at an odd offset, carved */
    u16n = to_enc("UTF-16LE", ev_csv, u16, sizeof(u16));
    n = fake_image(buf, sizeof(buf), 70001);
    memcpy(buf + n, u16, u16n);
    expect_names(buf, n + u16n, NULL);
    /* UTF-16LE behind an odd number of junk bytes (read as BE by the NULs' parity) */
    memcpy(buf, "\x01\x02\x03", 3);
    memcpy(buf + 3, u16, u16n);
    expect_names(buf, 3 + u16n, NULL);
}

static void test_decode__reveal_hex_dumps(void **state)
{
    /* "試験 太郎,090-0000-0000" as xxd, hexdump -C and a C array */
    static const char xxd[] =
        "00000000: e8a9 a6e9 a893 20e5 a4aa e983 8e2c 3039  ...... ......,09\n"
        "00000010: 302d 3030 3030 2d30 3030 300a            0-0000-0000.\n";
    static const char hd[] =
        "00000000  e8 a9 a6 e9 a8 93 20 e5  a4 aa e9 83 8e 2c 30 39  |...... ......,09|\n"
        "00000010  30 2d 30 30 30 30 2d 30  30 30 30 0a              |0-0000-0000.|\n";
    static const char carr[] =
        "unsigned char d[] = {\n"
        "  0xe8, 0xa9, 0xa6, 0xe9, 0xa8, 0x93, 0x20, 0xe5, 0xa4, 0xaa, 0xe9, 0x83,\n"
        "  0x8e, 0x2c, 0x30, 0x39, 0x30, 0x2d, 0x30, 0x30, 0x30, 0x30, 0x2d, 0x30,\n"
        "  0x30, 0x30, 0x30, 0x0a\n};\n";
    const char *const dumps[] = {xxd, hd, carr};
    size_t i;
    struct collect c;
    (void)state;
    for (i = 0; i < 3; i++) {
        collect_init(&c);
        assert_int_equal(decode_mem(&c, dumps[i], strlen(dumps[i]), NULL), AZK_OK);
        if (strstr(text_of(&c), "試験 太郎,090-0000-0000") == NULL)
            fail_msg("hex dump %zu not read: %s", i, text_of(&c));
        collect_dispose(&c);
    }
    {
        /* an xxd line whose ASCII column starts with a hex digit, a short last line
         * (e2e find) */
        static const char x2[] =
            "00000000: 3930 2d30 3030 302d 3030 3030 2ce8 a9a6  90-0000-0000,...\n"
            "00000010: e9a8 930a                                ....\n";
        collect_init(&c);
        assert_int_equal(decode_mem(&c, x2, strlen(x2), NULL), AZK_OK);
        assert_non_null(strstr(text_of(&c), "90-0000-0000,試験"));
        collect_dispose(&c);
    }
    /* numbers are not a hex dump, and stay */
    expect_revealed("03 1234 5678 2024 06 02\n", "03 1234 5678 2024 06 02@1\n");
}

/* The one Excel serial date conversion of xlsx and xls. */
static void test_decode__excel_date(void **state)
{
    char s[32];
    (void)state;
    assert_int_equal(azk_decode__excel_date(1, false, s, sizeof(s)), 10);
    assert_string_equal(s, "1900-01-01");
    assert_int_equal(azk_decode__excel_date(59, false, s, sizeof(s)), 10);
    assert_string_equal(s, "1900-02-28");
    assert_int_equal(azk_decode__excel_date(60, false, s, sizeof(s)), 0); /* 1900-02-29 */
    assert_int_equal(azk_decode__excel_date(61, false, s, sizeof(s)), 10);
    assert_string_equal(s, "1900-03-01");
    assert_int_equal(azk_decode__excel_date(25569, false, s, sizeof(s)), 10);
    assert_string_equal(s, "1970-01-01");
    assert_int_equal(azk_decode__excel_date(45000.5, false, s, sizeof(s)), 16);
    assert_string_equal(s, "2023-03-15 12:00");
    assert_int_equal(azk_decode__excel_date(45000 - 1462, true, s, sizeof(s)), 10);
    assert_string_equal(s, "2023-03-15");
    assert_int_equal(azk_decode__excel_date(0.5, false, s, sizeof(s)), 0);
    assert_int_equal(azk_decode__excel_date(2958466, false, s, sizeof(s)), 0);
    assert_int_equal(azk_decode__excel_date(2958465, false, s, sizeof(s)), 10);
    assert_string_equal(s, "9999-12-31");
    assert_int_equal(azk_decode__excel_date(45000, false, s, 8), 0); /* no room */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode__utf8_lines),
        cmocka_unit_test(test_decode__bom),
        cmocka_unit_test(test_decode__utf16_without_bom),
        cmocka_unit_test(test_decode__detect_japanese),
        cmocka_unit_test(test_decode__detect_halfwidth_kana),
        cmocka_unit_test(test_decode__cp932_extensions),
        cmocka_unit_test(test_decode__cp932_tables_match_icu),
        cmocka_unit_test(test_decode__cp932_tables_same_records),
        cmocka_unit_test(test_decode__eucjp_tables_match_icu),
        cmocka_unit_test(test_decode__eucjp_tables_same_records),
        cmocka_unit_test(test_decode__guess_legacy_same_as_icu),
        cmocka_unit_test(test_decode__eucjp_and_jis),
        cmocka_unit_test(test_decode__switch_after_ascii_prefix),
        cmocka_unit_test(test_decode__invalid_utf8_replaced),
        cmocka_unit_test(test_decode__invalid_chunk_expands),
        cmocka_unit_test(test_decode__binary),
        cmocka_unit_test(test_decode__max_line),
        cmocka_unit_test(test_decode__long_line_streams),
        cmocka_unit_test(test_decode__csv),
        cmocka_unit_test(test_decode__tsv_no_header),
        cmocka_unit_test(test_decode__csv_cell_limit),
        cmocka_unit_test(test_decode__zip_members),
        cmocka_unit_test(test_decode__tar_and_gzip),
        cmocka_unit_test(test_decode__zip_bomb),
        cmocka_unit_test(test_decode__depth_limit),
        cmocka_unit_test(test_decode__encrypted_member),
        cmocka_unit_test(test_decode__truncated_zip),
        cmocka_unit_test(test_decode__entry_limit),
        cmocka_unit_test(test_decode__xlsx),
        cmocka_unit_test(test_decode__docx_pptx),
        cmocka_unit_test(test_decode__ooxml_nested_and_streaming),
        cmocka_unit_test(test_decode__gzip_cp932),
        cmocka_unit_test(test_decode__xlsx_duplicate_header_cell),
        cmocka_unit_test(test_decode__xlsx_sheet_in_blocks),
        cmocka_unit_test(test_decode__oom),
        cmocka_unit_test(test_decode__xlsx_dates),
        cmocka_unit_test(test_decode__fd_source),
        cmocka_unit_test(test_decode__evasion_junk_prefix),
        cmocka_unit_test(test_decode__evasion_magic_then_text),
        cmocka_unit_test(test_decode__literal_reads_as_written),
        cmocka_unit_test(test_decode__evasion_carve),
        cmocka_unit_test(test_decode__evasion_utf16_utf32),
        cmocka_unit_test(test_decode__evasion_steered_cp932),
        cmocka_unit_test(test_decode__reveal_escapes),
        cmocka_unit_test(test_decode__reveal_base64),
        cmocka_unit_test(test_decode__reveal_quoted_printable),
        cmocka_unit_test(test_decode__reveal_normalise),
        cmocka_unit_test(test_decode__reveal_more),
        cmocka_unit_test(test_decode__reveal_hex_dumps),
        cmocka_unit_test(test_decode__excel_date),
    };
    azk_oom_filter();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
