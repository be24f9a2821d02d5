/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/extract_pdf_fuzzer.c -- libFuzzer harness for the helper's PDF
 * reader (src/extract/pdf.c over poppler-glib). poppler itself is not
 * instrumented for coverage here (Debian's build); the harness still finds
 * crashes and leaks in our glue and in poppler on the inputs it reaches.
 * In production a poppler crash only ends the sandboxed helper.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "extract/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static azk_status on_record(void *p, const azk_record *r)
{
    size_t i;
    (void)p;
    for (i = 0; i < r->field_count; i++)
        if (!azk_utf8_valid((const uint8_t *)r->fields[i].ptr, r->fields[i].len))
            abort();
    return AZK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    azk_decode_sink sink = {NULL, NULL, on_record, NULL, NULL};
    struct azk_decode_ctx ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.opts = &o;
    ctx.sink = &sink;
    ctx.max_depth = o.max_depth;
    if (azk_extract__pdf(&ctx, data, size) != AZK_OK && azk_error_last()->message[0] == '\0')
        abort();
    return 0;
}
