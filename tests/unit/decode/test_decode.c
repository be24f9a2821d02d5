/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/decode -- the decode stage. This file: the collecting sink the
 * other files share (decode_test.h), encodings (BOM, UTF-8, UTF-16, CP932
 * with NEC and IBM extensions, EUC-JP, ISO-2022-JP, detection without BOM,
 * switching after an ASCII prefix), lines (terminators, NULs, cutting at
 * max_line), CSV/TSV (quoting, headers, cell limit), and main() running
 * every test of the directory. Containers, Office Open XML, allocation
 * failures and the fd source are in test_decode_containers.c; evasions
 * (issue 11) and reveal in test_decode_evasion.c. All text is synthetic.
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
#include "decode_test.h"

/* ---- collecting sink ------------------------------------------------------------ */

static void log_line(struct collect *c, const char *s)
{
    assert_int_equal(azk_buf_puts(&c->log, s), AZK_OK);
    assert_int_equal(azk_buf_putc(&c->log, '\n'), AZK_OK);
}

azk_status c_begin(void *p, const azk_object_info *info)
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

void c_format(void *p, const char *format, const char *encoding)
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

azk_status c_record(void *p, const azk_record *rec)
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

void c_end(void *p, azk_status st, const azk_error *err)
{
    struct collect *c = p;
    char tmp[600];
    snprintf(tmp, sizeof(tmp), "end:%s:%s", azk_status_name(st),
             st != AZK_OK && err != NULL ? err->message : "");
    c->depth--;
    log_line(c, tmp);
}

void collect_init(struct collect *c)
{
    memset(c, 0, sizeof(*c));
}

void collect_dispose(struct collect *c)
{
    azk_buf_dispose(&c->log);
    azk_buf_dispose(&c->text);
}

azk_status decode_mem(struct collect *c, const void *data, size_t len,
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

const char *text_of(struct collect *c)
{
    return (const char *)c->text.data;
}

const char *log_of(struct collect *c)
{
    return (const char *)c->log.data;
}

/* UTF-8 -> bytes in an ICU encoding */
size_t to_enc(const char *icu, const char *utf8, char *out, size_t cap)
{
    UErrorCode e = U_ZERO_ERROR;
    int32_t n = ucnv_convert(icu, "UTF-8", out, (int32_t)cap, utf8, -1, &e);
    assert_true(U_SUCCESS(e));
    return (size_t)n;
}

/* ---- encodings ------------------------------------------------------------------------ */

const char jp_text[] = "お客様各位\r\n"
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
        cmocka_unit_test(test_decode__reveal_scratch_spare),
        cmocka_unit_test(test_decode__reveal_quoted_printable),
        cmocka_unit_test(test_decode__reveal_normalise),
        cmocka_unit_test(test_decode__reveal_more),
        cmocka_unit_test(test_decode__reveal_hex_dumps),
        cmocka_unit_test(test_decode__excel_date),
    };
    azk_oom_filter();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
