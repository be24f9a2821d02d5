/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/decode_qp_fuzzer.c -- libFuzzer harness for quoted-printable and
 * percent-encoding in the reveal stage: the input (after a mode byte) is
 * encoded by the harness (=XX / %XX for bytes outside printable ASCII, soft
 * line breaks at 76 columns for QP) and decoded, so byte runs of any
 * content (invalid UTF-8, CP932, EUC-JP, controls) meet the byte-run
 * decoder and the soft-break joiner; the raw input is decoded too.
 */
#include "decode_evasion_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t i, o = 0, col = 0;
    uint8_t mode;
    char *out;
    if (size < 1 || size > 128 * 1024)
        return 0;
    mode = data[0];
    data++;
    size--;
    out = malloc(size * 4 + 16);
    if (out == NULL)
        return 0;
    for (i = 0; i < size; i++) {
        uint8_t c = data[i];
        char esc = (mode & 1) ? '%' : '=';
        if (c == '\n' || (c >= 0x20 && c < 0x7F && c != (uint8_t)esc)) {
            out[o++] = (char)c;
            col = c == '\n' ? 0 : col + 1;
        } else {
            out[o++] = esc;
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 15];
            col += 3;
        }
        if (!(mode & 1) && col >= 72) {
            out[o++] = '=';
            out[o++] = '\n';
            col = 0;
        }
    }
    ev_decode((const uint8_t *)out, o, (mode & 2) ? "utf-8" : NULL, (mode & 4) ? 50 : 64 * 1024);
    if (mode & 8)
        ev_decode(data, size, "utf-8", 64 * 1024);
    free(out);
    return 0;
}
