/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/decode_sniff_fuzzer.c -- libFuzzer harness for sniffing behind junk
 * (decode/dispatch.c unwrap, decode/carve.c): the first byte picks junk the
 * harness puts before the input (nothing, NUL padding, byte-order marks,
 * an image signature, control bytes) and whether a copy is appended, so
 * padding skipping, magic-then-text, carving of text runs, embedded
 * archive signatures and UTF-16 / UTF-32 detection all see fuzzed data.
 */
#include "decode_evasion_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct {
        const char *p;
        size_t n;
    } junk[8] = {
        {"", 0},
        {"\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16},
        {"\xEF\xBB\xBF\xFF\xFE", 5},
        {"\x89PNG\r\n\x1a\n", 8},
        {"\xFF\xD8\xFF\xE0\x00\x10JFIF", 10},
        {"\x01\x02\x03\x04\x05\x06\x07\x08", 8},
        {"\xFF\xFE\0\0", 4},
        {"GIF89a", 6},
    };
    size_t n, j;
    uint8_t *buf;
    if (size < 1 || size > 256 * 1024)
        return 0;
    j = data[0] & 7;
    n = junk[j].n + (size - 1) * ((data[0] & 8) ? 2 : 1);
    buf = malloc(n + 1);
    if (buf == NULL)
        return 0;
    memcpy(buf, junk[j].p, junk[j].n);
    memcpy(buf + junk[j].n, data + 1, size - 1);
    if (data[0] & 8)
        memcpy(buf + junk[j].n + size - 1, data + 1, size - 1);
    ev_decode(buf, n, NULL, (data[0] & 16) ? 40 : 64 * 1024);
    free(buf);
    return 0;
}
