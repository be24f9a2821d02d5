/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/decode_csv_fuzzer.c -- libFuzzer harness for the CSV/TSV sniffer and
 * the RFC 4180 parser on UTF-8 input. The first byte picks the delimiter,
 * a small cell limit and where the input is split into two feeds (the
 * parser must not care where chunks end). Checks: cells within max_cell,
 * field count bounded, column numbers increasing within a record, header
 * cells only on data rows after a header. And the same records with the
 * fast paths off (azk_decode__simd_off: cell_run and the SSE2 scans) as on.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "decode/decode_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t max_cell;
static bool saw_header;
static uint64_t digest; /* FNV-1a of every record the sink saw */

static void mix(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        digest = (digest ^ b[i]) * 1099511628211ull;
}

static azk_status on_record(void *p, const azk_record *r)
{
    size_t i;
    (void)p;
    if (!r->tabular || r->field_count > AZK_DECODE_MAX_FIELDS)
        abort();
    if (r->is_header)
        saw_header = true;
    {
        uint64_t hd[5] = {r->line, r->row, r->is_header, r->continued, r->field_count};
        mix(hd, sizeof(hd));
        for (i = 0; i < r->field_count; i++) {
            uint64_t fd[3] = {r->fields[i].col, r->fields[i].len, r->fields[i].header_len};
            mix(fd, sizeof(fd));
            mix(r->fields[i].ptr, r->fields[i].len);
            if (r->fields[i].header != NULL)
                mix(r->fields[i].header, r->fields[i].header_len);
        }
    }
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

static uint64_t parse_once(const uint8_t *data, size_t size)
{
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    azk_decode_sink sink = {NULL, NULL, on_record, NULL, NULL};
    struct azk_decode_ctx ctx;
    struct azk_csv *csv = NULL;
    uint8_t *copy;
    size_t split;
    int delim;
    o.max_cell = (data[0] & 0x80) ? 3 : 64;
    max_cell = o.max_cell < 4 ? 4 : o.max_cell; /* the parser's floor */
    saw_header = false;
    digest = 14695981039346656037ull;
    memset(&ctx, 0, sizeof(ctx));
    ctx.opts = &o;
    ctx.sink = &sink;
    ctx.max_depth = o.max_depth;
    delim = azk_decode__csv_sniff(data + 1, size - 1, true);
    if (delim == 0)
        delim = (data[0] & 1) ? '\t' : ',';
    copy = malloc(size - 1);
    if (copy == NULL)
        abort();
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
    return digest;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint64_t fast, slow;
    if (size < 2)
        return 0;
    azk_decode__simd_off = false;
    fast = parse_once(data, size);
    azk_decode__simd_off = true;
    slow = parse_once(data, size);
    azk_decode__simd_off = false;
    if (fast != slow)
        abort(); /* the fast paths changed a record */
    return 0;
}
