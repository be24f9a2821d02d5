/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/decode_base64_fuzzer.c -- libFuzzer harness for base64 in the
 * reveal stage: the input (after a mode byte) is base64-encoded by the
 * harness and placed as MIME body lines (76 columns), as one long line, or
 * inside a JSON string, so the decoder's nested decoding of arbitrary
 * content (zip, gzip, UTF-16, images, text) is what gets fuzzed; raw input
 * is also decoded as text (broken base64, runs, padding).
 */
#include "decode_evasion_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t i, o = 0, cap, col = 0;
    uint8_t mode;
    char *out;
    if (size < 1 || size > 256 * 1024)
        return 0;
    mode = data[0];
    data++;
    size--;
    cap = size / 3 * 4 + size / 57 * 2 + 64;
    out = malloc(cap);
    if (out == NULL)
        return 0;
    if ((mode & 3) == 2) {
        memcpy(out, "{\"data\":\"", 9);
        o = 9;
    }
    for (i = 0; i < size; i += 3) {
        uint32_t v = (uint32_t)data[i] << 16;
        size_t k = size - i;
        if (k > 1)
            v |= (uint32_t)data[i + 1] << 8;
        if (k > 2)
            v |= data[i + 2];
        out[o++] = b64[(v >> 18) & 63];
        out[o++] = b64[(v >> 12) & 63];
        out[o++] = k > 1 ? b64[(v >> 6) & 63] : '=';
        out[o++] = k > 2 ? b64[v & 63] : '=';
        col += 4;
        if ((mode & 3) == 0 && col >= 76) {
            out[o++] = '\n';
            col = 0;
        }
    }
    if ((mode & 3) == 2) {
        memcpy(out + o, "\"}", 2);
        o += 2;
    }
    ev_decode((const uint8_t *)out, o, NULL, (mode & 4) ? 100 : 64 * 1024);
    if ((mode & 3) == 3)
        ev_decode(data, size, NULL, 64 * 1024);
    free(out);
    return 0;
}
