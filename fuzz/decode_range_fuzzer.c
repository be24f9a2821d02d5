/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/decode_range_fuzzer.c -- libFuzzer harness for the ranges of a split
 * text file (scan/split.c, decode.h struct azk_decode_range): the probe on
 * the input (encoding, format, the CSV first row to replay), then the input
 * cut after the first '\n' past its middle and both halves decoded as the
 * scanner decodes ranges (the later one starting in the probe's encoding
 * and format, after the replayed first row for CSV/TSV), then the join
 * check on the two reports. Every record must be valid UTF-8 and within
 * max_line, begin/end balanced (decode_evasion_check.h); the reports must
 * be filled. The first byte picks a forced encoding and a small line limit.
 */
#include "decode_evasion_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const encs[] = {NULL, "cp932", "euc-jp", "utf-8"};
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    struct azk_decode_range r0, r1;
    const struct azk_decode_range *reps[2] = {&r0, &r1};
    struct azk_range_probe pr;
    const uint8_t *p, *nl;
    size_t n, mid;
    uint8_t *second;
    if (size < 2)
        return 0;
    o.force_encoding = encs[data[0] & 3];
    o.max_line = (data[0] & 0x80) ? 7 : 64 * 1024;
    o.max_cell = (data[0] & 0x40) ? 5 : 64 * 1024;
    p = data + 1;
    n = size - 1;
    if (!azk_decode__range_probe(p, n, true, o.force_encoding, &pr))
        return 0;
    if (pr.replay > n || pr.encoding == NULL || pr.format == NULL)
        abort();
    nl = memchr(p + n / 2, '\n', n - n / 2);
    if (nl == NULL)
        return 0;
    mid = (size_t)(nl - p) + 1;
    if (mid < pr.replay)
        return 0; /* the scanner's first range always holds the first row */
    memset(&r0, 0, sizeof(r0));
    r0.encoding = pr.encoding;
    r0.ascii_only = pr.ascii_only;
    r0.format = pr.format;
    r1 = r0;
    r1.cont = true;
    r1.replay = pr.replay;
    r1.bom = pr.bom;
    o.range = &r0;
    ev_run(p, mid, &o, o.max_line);
    second = malloc(pr.replay + (n - mid) + 1);
    if (second == NULL)
        return 0;
    memcpy(second, p, pr.replay);
    memcpy(second + pr.replay, p + mid, n - mid);
    o.range = &r1;
    ev_run(second, pr.replay + (n - mid), &o, o.max_line);
    free(second);
    (void)azk_decode__range_join_ok(reps, 2);
    return 0;
}
