/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/decode_reveal_fuzzer.c -- libFuzzer harness for the escape decoders
 * of the reveal stage (decode/reveal.c): JSON / C escapes and surrogate
 * pairs, HTML character references, percent-encoding, byte runs decoded as
 * UTF-8 / CP932 / EUC-JP, invisible characters, full width, spaced-out
 * values, char-split markup, nested rounds. The input is read as UTF-8
 * text (first byte: small or default line limit), so every line reaches
 * the reveal stage.
 */
#include "decode_evasion_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    ev_decode(data + 1, size - 1, "utf-8", (data[0] & 1) ? 64 : 64 * 1024);
    return 0;
}
