/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/decode_helper_frames_fuzzer.c -- libFuzzer harness for the parent
 * side of the extraction helper's protocol (decode/helper.c): whatever a
 * compromised helper writes must become records that are valid UTF-8, or
 * an error. The first byte sets the chunk size the reply is fed in, so
 * frames are cut at every place.
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
    if (r->field_count > AZK_DECODE_MAX_FIELDS)
        abort();
    if (r->sheet != NULL && !azk_utf8_valid((const uint8_t *)r->sheet, strlen(r->sheet)))
        abort();
    for (i = 0; i < r->field_count; i++) {
        if (!azk_utf8_valid((const uint8_t *)r->fields[i].ptr, r->fields[i].len))
            abort();
        if (r->fields[i].header != NULL &&
            !azk_utf8_valid((const uint8_t *)r->fields[i].header, r->fields[i].header_len))
            abort();
    }
    return AZK_OK;
}

static void on_format(void *p, const char *format, const char *encoding)
{
    (void)p;
    (void)encoding;
    if (format == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    azk_decode_options o = AZK_DECODE_OPTIONS_INIT;
    azk_decode_sink sink = {NULL, on_format, on_record, NULL, NULL};
    struct azk_decode_ctx ctx;
    struct azk_frames fr;
    size_t chunk, off = 1;
    if (size < 1)
        return 0;
    chunk = (size_t)data[0] + 1;
    memset(&ctx, 0, sizeof(ctx));
    ctx.opts = &o;
    ctx.sink = &sink;
    if (azk_decode__frames_init(&fr, &ctx) != AZK_OK)
        return 0;
    while (off < size) {
        size_t n = size - off < chunk ? size - off : chunk;
        if (azk_decode__frames_feed(&fr, data + off, n) != AZK_OK) {
            if (azk_error_last()->message[0] == '\0')
                abort();
            break;
        }
        off += n;
    }
    if (fr.have_error && fr.error_msg[0] != '\0') {
        const char *m;
        for (m = fr.error_msg; *m != '\0'; m++)
            if (*m < 0x20 || *m > 0x7e)
                abort(); /* helper messages reach the report as printable ASCII only */
    }
    azk_decode__frames_dispose(&fr);
    return 0;
}
