/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/rtf/test_rtf.c -- the RTF reader (decode/rtf.c) against files
 * made to hide text from it (issue 18, RTF evasion): an RTF header glued
 * before a CSV, header tables pushing the font table past the first bytes,
 * per-font code pages, \bin data holding braces, \uN with \ucN fallbacks,
 * unknown \* destinations, hidden text, fields, text boxes, pictures left
 * open, unbalanced braces. Each case says what must be read; the reader
 * runs in-process (the helper's sandbox is tested in tests/unit/sandbox).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode/decode_int.h"

struct collect {
    azk_buf text; /* "<line>:<text>\n" per record */
    size_t records;
};

static azk_status c_record(void *p, const azk_record *rec)
{
    struct collect *c = p;
    size_t i;
    c->records++;
    assert_int_equal(azk_buf_printf(&c->text, "%llu:", (unsigned long long)rec->line), AZK_OK);
    for (i = 0; i < rec->field_count; i++) {
        assert_true(azk_utf8_valid((const uint8_t *)rec->fields[i].ptr, rec->fields[i].len));
        assert_int_equal(azk_buf_put(&c->text, rec->fields[i].ptr, rec->fields[i].len), AZK_OK);
    }
    assert_int_equal(azk_buf_putc(&c->text, '\n'), AZK_OK);
    return AZK_OK;
}

/* Read p[0..n) as RTF; the text of every record, "line:text\n" each (owned by the caller). */
static char *read_rtf(const void *p, size_t n, azk_status want)
{
    struct collect c;
    struct azk_decode_ctx ctx;
    azk_decode_sink sink;
    static const azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    memset(&c, 0, sizeof(c));
    memset(&sink, 0, sizeof(sink));
    sink.record = c_record;
    sink.payload = &c;
    memset(&ctx, 0, sizeof(ctx));
    ctx.sink = &sink;
    ctx.opts = &o;
    assert_int_equal(azk_decode__rtf(&ctx, p, n), want);
    if (c.text.data == NULL)
        assert_int_equal(azk_buf_puts(&c.text, ""), AZK_OK);
    return azk_buf_detach(&c.text);
}

static char *read_str(const char *s)
{
    return read_rtf(s, strlen(s), AZK_OK);
}

/* Whether text holds needle on one record line (not split across lines). */
static void assert_line_has(const char *text, const char *needle)
{
    const char *at = strstr(text, needle);
    if (at == NULL)
        fail_msg("not read: \"%s\" in\n%s", needle, text);
}

static void assert_line_lacks(const char *text, const char *needle)
{
    if (strstr(text, needle) != NULL)
        fail_msg("read, should not be: \"%s\" in\n%s", needle, text);
}

/* A CSV (UTF-8) behind an RTF header: rows stay rows, Japanese stays readable. */
static void test_rtf__csv_behind_header_utf8(void **state)
{
    char *t;
    (void)state;
    t = read_str("{\\rtf1\\ansi\\deff0{\\fonttbl{\\f0 Times;}}\n"
                 "氏名,電話,住所\n"
                 "山田 太郎,090-1234-5678,東京都港区芝公園4-2-8\n"
                 "佐藤 花子,080-2222-3333,大阪府大阪市北区梅田1-1-1\n}");
    assert_line_has(t, ":山田 太郎,090-1234-5678,東京都港区芝公園4-2-8\n");
    assert_line_has(t, ":佐藤 花子,080-2222-3333,大阪府大阪市北区梅田1-1-1\n");
    azk_free(t);
}

/* The same in Shift_JIS, with trail bytes that are '\', '{' and '}' in ASCII. */
static void test_rtf__csv_behind_header_cp932(void **state)
{
    /* 山田 太郎 表示ソ{ (表 = 95 5C, ソ = 83 5C), then a phone */
    static const char in[] =
        "{\\rtf1\\ansi\n"
        "\x8e\x52\x93\x63 \x91\xbe\x98\x59 \x95\x5c\x8e\xa6\x83\x5c,090-1234-5678\n"
        "\x8d\xb2\x93\xa1 \x89\xd4\x8e\x71,080-2222-3333\r\n}";
    char *t;
    (void)state;
    t = read_rtf(in, sizeof(in) - 1, AZK_OK);
    assert_line_has(t, ":山田 太郎 表示ソ,090-1234-5678\n");
    assert_line_has(t, ":佐藤 花子,080-2222-3333\n");
    azk_free(t);
}

/* Header groups push the font table past the first 4 KiB: its Shift_JIS charset still counts. */
static void test_rtf__font_table_late(void **state)
{
    azk_buf in = AZK_BUF_INIT;
    char *t;
    int i;
    (void)state;
    assert_int_equal(azk_buf_puts(&in, "{\\rtf1\\ansi\\ansicpg1252{\\*\\revtbl {Unknown;}"),
                     AZK_OK);
    for (i = 0; i < 400; i++)
        assert_int_equal(azk_buf_puts(&in, "{Author Name;}"), AZK_OK);
    assert_int_equal(azk_buf_puts(&in, "}{\\stylesheet{\\s0 Normal;}}"), AZK_OK);
    assert_int_equal(azk_buf_puts(&in, "{\\fonttbl{\\f0\\froman\\fcharset0 Times;}"
                                       "{\\f1\\fnil\\fcharset128 MS Mincho;}}"
                                       "\\f1 \\'8e\\'52\\'93\\'63 \\'91\\'be\\'98\\'59\\par}"),
                     AZK_OK);
    assert_true(in.len > 4096);
    t = read_rtf(in.data, in.len, AZK_OK);
    assert_line_has(t, ":山田 太郎\n");
    azk_free(t);
    azk_buf_dispose(&in);
}

/* Each font its own code page: GBK in one, Shift_JIS in another. */
static void test_rtf__code_page_per_font(void **state)
{
    char *t;
    (void)state;
    t = read_str("{\\rtf1\\ansi\\ansicpg1252{\\fonttbl{\\f0\\fcharset0 Times;}"
                 "{\\f1\\fcharset134 SimSun;}{\\f2\\fcharset128 MS Mincho;}}"
                 "{\\f1 \\'c9\\'bd}{\\f2 \\'93\\'63}\\par}");
    assert_line_has(t, ":山田\n");
    azk_free(t);
}

/* \binN data is skipped whole: its braces do not change the groups. */
static void test_rtf__bin_with_braces(void **state)
{
    static const char in[] = "{\\rtf1 {\\pict\\wmetafile8 \\bin6 {{{{{{}"
                             "Yamada Taro 090-1234-5678\\par}";
    char *t;
    (void)state;
    t = read_rtf(in, sizeof(in) - 1, AZK_OK);
    assert_line_has(t, ":Yamada Taro 090-1234-5678\n");
    azk_free(t);
}

/* \uN with \ucN fallbacks: \'hh bytes, plain characters, \uc0 in a group, restored after it. */
static void test_rtf__unicode_fallbacks(void **state)
{
    char *t;
    (void)state;
    t = read_str("{\\rtf1\\uc2 \\u23665\\'8e\\'52\\u30000\\'93\\'63 {\\uc0\\u22826}\\u37070??"
                 "\\uc1\\u-25895?\\par}");
    assert_line_has(t, ":山田 太郎\xe9\xab\x99\n"); /* -25895 + 65536 = U+9AD9 髙 */
    azk_free(t);
}

/* Destinations Word does not show still hold what the file carries. */
static void test_rtf__hidden_destinations(void **state)
{
    char *t;
    (void)state;
    t = read_str("{\\rtf1{\\info{\\author Yamada Taro}{\\title 090-1111-2222}}"
                 "{\\*\\azkhidden \\u23665?\\u30000? 090-1234-5678}body "
                 "{\\field{\\*\\fldinst HYPERLINK \"mailto:taro@example.jp\"}{\\fldrslt mail}}"
                 "{\\v hidden 080-3333-4444} end\\par"
                 "{\\*\\annotation comment 070-5555-6666}\\par}");
    assert_line_has(t, ":Yamada Taro");
    assert_line_has(t, "090-1111-2222");
    assert_line_has(t, ":山田 090-1234-5678\n");
    assert_line_has(t, "mailto:taro@example.jp");
    assert_line_has(t, ":body mailhidden 080-3333-4444 end\n");
    assert_line_has(t, ":comment 070-5555-6666\n");
    azk_free(t);
}

/* A text box's text is read; its shape properties are not. */
static void test_rtf__text_box(void **state)
{
    char *t;
    (void)state;
    t = read_str("{\\rtf1 before{\\shp{\\*\\shpinst{\\sp{\\sn shapeType}{\\sv 202}}"
                 "{\\shptxt \\pard box 090-1234-5678\\par}}}after\\par}");
    assert_line_has(t, ":box 090-1234-5678\n");
    assert_line_has(t, ":beforeafter\n");
    assert_line_lacks(t, "shapeType");
    assert_line_lacks(t, "202");
    azk_free(t);
}

/* A picture left open before the body: the body is not hex and is read; the picture's hex is not.
 */
static void test_rtf__picture_left_open(void **state)
{
    char *t;
    (void)state;
    t = read_str("{\\rtf1 {\\pict\\pngblip\\picw10 89504e470d0a1a0a 0000000d 4948445209012345678\n"
                 "山田 太郎,090-1234-5678\n"
                 "佐藤 花子,080-2222-3333\n");
    assert_line_has(t, ":山田 太郎,090-1234-5678\n");
    assert_line_has(t, ":佐藤 花子,080-2222-3333\n");
    assert_line_lacks(t, "89504e47");
    assert_line_lacks(t, "09012345678");
    azk_free(t);
}

/* Braces that do not pair: text after the last group and after extra closings is read. */
static void test_rtf__unbalanced_braces(void **state)
{
    char *t;
    (void)state;
    t = read_str("{\\rtf1 a}}} 090-1234-5678\\par {{{{ tail 080-1111-2222");
    assert_line_has(t, "090-1234-5678\n");
    assert_line_has(t, "tail 080-1111-2222\n");
    azk_free(t);
}

/* A writer's wrap of a long run of plain text (a long source line) does not cut the run. */
static void test_rtf__writer_wrap_joins(void **state)
{
    azk_buf in = AZK_BUF_INIT;
    char *t;
    int i;
    (void)state;
    assert_int_equal(azk_buf_puts(&in, "{\\rtf1\\pard "), AZK_OK);
    for (i = 0; i < 25; i++)
        assert_int_equal(azk_buf_puts(&in, "lorem ipsum "), AZK_OK);
    assert_int_equal(azk_buf_puts(&in, "Yamada\r\n Taro\\par}"), AZK_OK);
    t = read_rtf(in.data, in.len, AZK_OK);
    assert_line_has(t, "Yamada Taro\n");
    assert_int_equal(strchr(t, '\n') + 1, t + strlen(t)); /* one line */
    azk_free(t);
    azk_buf_dispose(&in);
}

/* Raw 8-bit bytes of no known encoding still give valid UTF-8; deep nesting is still an error. */
static void test_rtf__bad_bytes_and_depth(void **state)
{
    static const char in[] = "{\\rtf1 \xff\xfe\x80\x81\x82 \\'ff\\'8e {\\*\\x \xe9\x00\xc0}\\par}";
    char *t, *deep;
    (void)state;
    t = read_rtf(in, sizeof(in) - 1, AZK_OK);
    azk_free(t);
    deep = malloc(5000);
    assert_non_null(deep);
    memcpy(deep, "{\\rtf1 ", 7);
    memset(deep + 7, '{', 4993);
    t = read_rtf(deep, 5000, AZK_ERR_LIMIT);
    azk_free(t);
    free(deep);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rtf__csv_behind_header_utf8),
        cmocka_unit_test(test_rtf__csv_behind_header_cp932),
        cmocka_unit_test(test_rtf__font_table_late),
        cmocka_unit_test(test_rtf__code_page_per_font),
        cmocka_unit_test(test_rtf__bin_with_braces),
        cmocka_unit_test(test_rtf__unicode_fallbacks),
        cmocka_unit_test(test_rtf__hidden_destinations),
        cmocka_unit_test(test_rtf__text_box),
        cmocka_unit_test(test_rtf__picture_left_open),
        cmocka_unit_test(test_rtf__unbalanced_braces),
        cmocka_unit_test(test_rtf__writer_wrap_joins),
        cmocka_unit_test(test_rtf__bad_bytes_and_depth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
