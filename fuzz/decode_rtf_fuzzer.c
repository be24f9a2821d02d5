/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/decode_rtf_fuzzer.c -- libFuzzer harness for the RTF reader
 * (decode/rtf.c, run inside the extraction helper). Checks: records are
 * valid UTF-8 and within the line limit, every failure says why.
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
    o.max_line = 64;
    memset(&ctx, 0, sizeof(ctx));
    ctx.opts = &o;
    ctx.sink = &sink;
    ctx.max_depth = o.max_depth;
    if (azk_decode__rtf(&ctx, data, size) != AZK_OK && azk_error_last()->message[0] == '\0')
        abort();
    return 0;
}
