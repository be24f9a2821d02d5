/* SPDX-License-Identifier: Apache-2.0 */
/*
 * extract/any.c -- the helper's own sniffing: which reader gets the bytes.
 * The parent already sniffed them (decode/dispatch.c); the helper checks
 * again because it must not trust what it was sent.
 */
#include "extract/extract.h"

#include <string.h>

azk_status azk_extract__any(struct azk_decode_ctx *ctx, const uint8_t *p, size_t n)
{
    static const uint8_t ole2[8] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
    if (n >= 5 && memcmp(p, "%PDF-", 5) == 0)
        return azk_extract__pdf(ctx, p, n);
    if (n >= sizeof(ole2) && memcmp(p, ole2, sizeof(ole2)) == 0)
        return azk_decode__ole2(ctx, p, n);
    if (n >= 5 && memcmp(p, "{\\rtf", 5) == 0)
        return azk_decode__rtf(ctx, p, n);
    return azk_error_set(AZK_ERR_FORMAT, "extraction helper: not a format it reads");
}
