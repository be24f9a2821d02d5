/* SPDX-License-Identifier: Apache-2.0 */
#include "decode/decode_int.h"

azk_status azk_decode__ole2(struct azk_decode_ctx *ctx, const uint8_t *p, size_t n)
{
    (void)p;
    (void)n;
    azk_decode__format(ctx, "ole2", NULL);
    return azk_error_set(AZK_ERR_UNSUPPORTED, "ole2: text extraction not supported yet");
}
