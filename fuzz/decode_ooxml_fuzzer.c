/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/decode_ooxml_fuzzer.c -- libFuzzer harness for the Office Open XML
 * part parsers (expat): the first byte picks the part (worksheet, shared
 * strings, workbook, relationships, content types, docx document, pptx
 * slide, styles), the rest is the XML. Checks: records are valid UTF-8, tabular
 * only for worksheets, cells within max_cell, lines within max_line.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool want_tabular;

static azk_status on_record(void *p, const azk_record *r)
{
    size_t i;
    (void)p;
    if ((bool)r->tabular != want_tabular)
        abort();
    for (i = 0; i < r->field_count; i++) {
        if (!azk_utf8_valid((const uint8_t *)r->fields[i].ptr, r->fields[i].len))
            abort();
        if (r->fields[i].len > 64)
            abort();
    }
    return AZK_OK;
}

static void on_format(void *p, const char *format, const char *encoding)
{
    (void)p;
    (void)encoding;
    if (format == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const parts[] = {"xl/worksheets/sheet1.xml", "xl/sharedStrings.xml",
                                        "xl/workbook.xml",          "xl/_rels/workbook.xml.rels",
                                        "[Content_Types].xml",      "word/document.xml",
                                        "ppt/slides/slide1.xml",    "xl/styles.xml"};
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    azk_decode_sink sink = {NULL, on_format, on_record, NULL, NULL};
    struct azk_decode_ctx ctx;
    const char *part;
    if (size < 1)
        return 0;
    o.max_cell = 64;
    o.max_line = 64;
    memset(&ctx, 0, sizeof(ctx));
    ctx.opts = &o;
    ctx.sink = &sink;
    ctx.max_depth = o.max_depth;
    part = parts[data[0] & 7];
    want_tabular = strncmp(part, "xl/", 3) == 0;
    if (azk_decode__ooxml_part_mem(&ctx, part, data + 1, size - 1) != AZK_OK &&
        azk_error_last()->message[0] == '\0')
        abort(); /* every failure says why */
    return 0;
}
