/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/decode_ole2_fuzzer.c -- libFuzzer harness for the legacy Office
 * readers (decode/ole2.c, run inside the extraction helper). The first
 * byte picks: 0 the whole compound file (libgsf + the stream readers),
 * 1 a BIFF8 Workbook stream, 2 a Word document (u16 length of the
 * WordDocument stream, then it, then the table stream), 3 a PowerPoint
 * Document stream -- so the stream parsers are reached without the fuzzer
 * having to build a valid container first. Checks: records are valid
 * UTF-8, cells and lines within their limits, every failure says why.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static azk_status on_record(void *p, const azk_record *r)
{
    size_t i;
    (void)p;
    for (i = 0; i < r->field_count; i++) {
        if (!azk_utf8_valid((const uint8_t *)r->fields[i].ptr, r->fields[i].len))
            abort();
        if (r->fields[i].len > 64)
            abort();
    }
    return AZK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    azk_decode_sink sink = {NULL, NULL, on_record, NULL, NULL};
    struct azk_decode_ctx ctx;
    azk_status rc;
    if (size < 1)
        return 0;
    o.max_line = 64;
    o.max_cell = 64;
    memset(&ctx, 0, sizeof(ctx));
    ctx.opts = &o;
    ctx.sink = &sink;
    ctx.max_depth = o.max_depth;
    if ((data[0] & 3) == 0)
        rc = azk_decode__ole2(&ctx, data + 1, size - 1);
    else
        rc = azk_decode__ole2_stream_mem(&ctx, (data[0] & 3) - 1, data + 1, size - 1);
    if (rc != AZK_OK && azk_error_last()->message[0] == '\0')
        abort();
    return 0;
}
