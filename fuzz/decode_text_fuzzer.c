/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/decode_text_fuzzer.c -- libFuzzer harness for text decoding:
 * encoding detection, conversion to UTF-8 and the line splitter. The first
 * byte picks a forced encoding (or detection) and a small line limit; the
 * rest is decoded as a plain object. Every record must be valid UTF-8,
 * within max_line, and every object_begin must be matched by object_end
 * (the sink of decode_evasion_check.h).
 */
#include "decode_evasion_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const encs[] = {NULL,       "cp932",    "euc-jp", "iso-2022-jp",
                                       "utf-16le", "utf-16be", "utf-8",  NULL};
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    if (size < 1)
        return 0;
    o.force_encoding = encs[data[0] & 7];
    o.max_line = (data[0] & 0x80) ? 7 : 64 * 1024;
    o.max_cell = (data[0] & 0x40) ? 5 : 64 * 1024;
    ev_run(data + 1, size - 1, &o, o.max_line);
    return 0;
}
