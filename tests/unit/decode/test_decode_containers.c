/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/decode/test_decode_containers.c -- decode of containers built
 * here with libarchive's writer (zip, nested zip, tar, tar.gz, .gz, zip
 * bomb, depth limit, encrypted member, truncated zip, entry limit), Office
 * Open XML built here (xlsx with deferred shared strings, docx, pptx,
 * dates), allocation failures and the fd source (size change). Run by
 * main() in test_decode.c (shared: decode_test.h). All text is synthetic.
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

/* ---- archives built with libarchive ---------------------------------------------------------- */

size_t write_archive(const char *format, const char *filter, const char *options,
                     const char *passphrase, const struct member *m, size_t count, uint8_t *out,
                     size_t cap)
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

void test_decode__zip_members(void **state)
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

void test_decode__tar_and_gzip(void **state)
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

void test_decode__zip_bomb(void **state)
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

void test_decode__depth_limit(void **state)
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

void test_decode__encrypted_member(void **state)
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

void test_decode__truncated_zip(void **state)
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

void test_decode__entry_limit(void **state)
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

void test_decode__xlsx(void **state)
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

void test_decode__docx_pptx(void **state)
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

void test_decode__ooxml_nested_and_streaming(void **state)
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

void test_decode__gzip_cp932(void **state)
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

void test_decode__xlsx_duplicate_header_cell(void **state)
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
void test_decode__xlsx_sheet_in_blocks(void **state)
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
void test_decode__oom(void **state)
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
void test_decode__xlsx_dates(void **state)
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

void test_decode__fd_source(void **state)
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
