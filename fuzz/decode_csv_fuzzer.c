/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/decode_csv_fuzzer.c -- libFuzzer harness for the CSV/TSV sniffer and
 * the RFC 4180 parser on UTF-8 input. The first byte picks the delimiter,
 * a small cell limit and where the input is split into two feeds (the
 * parser must not care where chunks end). Checks: cells within max_cell,
 * field count bounded, column numbers increasing within a record, header
 * cells only on data rows after a header.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t max_cell;
static bool saw_header;

static azk_status on_record(void *p, const azk_record *r)
{
    size_t i;
    (void)p;
    if (!r->tabular || r->field_count > AZK_DECODE_MAX_FIELDS)
        abort();
    if (r->is_header)
        saw_header = true;
    for (i = 0; i < r->field_count; i++) {
        if (r->fields[i].len > max_cell)
            abort();
        if (i > 0 && r->fields[i].col <= r->fields[i - 1].col)
            abort();
        if (r->fields[i].header != NULL && (!saw_header || r->is_header))
            abort();
    }
    return AZK_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    azk_decode_sink sink = {NULL, NULL, on_record, NULL, NULL};
    struct azk_decode_ctx ctx;
    struct azk_csv *csv = NULL;
    uint8_t *copy;
    size_t split;
    int delim;
    if (size < 2)
        return 0;
    o.max_cell = (data[0] & 0x80) ? 3 : 64;
    max_cell = o.max_cell < 4 ? 4 : o.max_cell; /* the parser's floor */
    saw_header = false;
    memset(&ctx, 0, sizeof(ctx));
    ctx.opts = &o;
    ctx.sink = &sink;
    ctx.max_depth = o.max_depth;
    delim = azk_decode__csv_sniff(data + 1, size - 1, true);
    if (delim == 0)
        delim = (data[0] & 1) ? '\t' : ',';
    copy = malloc(size - 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, data + 1, size - 1);
    split = (size - 1) * (data[0] & 0x3f) / 64;
    if (azk_decode__csv_new(&csv, &ctx, delim) == AZK_OK) {
        if (azk_decode__csv_feed(csv, copy, split) == AZK_OK &&
            azk_decode__csv_feed(csv, copy + split, size - 1 - split) == AZK_OK &&
            azk_decode__csv_finish(csv) != AZK_OK)
            abort(); /* only the sink can fail, and ours does not */
    }
    azk_decode__csv_free(csv);
    free(copy);
    return 0;
}
