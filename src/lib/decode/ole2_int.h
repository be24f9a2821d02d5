/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/ole2_int.h -- what the OLE2 decoder's files share (internal to
 * src/lib/decode/): UTF-8 output of a code point, little-endian reads, and
 * the .xls workbook reader (ole2_xls.c) that the entry point (ole2.c) calls.
 */
#ifndef AZK_DECODE_OLE2_INT_H
#define AZK_DECODE_OLE2_INT_H

#include "decode/decode_int.h"

azk_status azk_decode__ole2_put_cp(azk_buf *b, uint32_t cp);
uint16_t azk_decode__ole2_u16at(const uint8_t *p);
uint32_t azk_decode__ole2_u32at(const uint8_t *p);
azk_status azk_decode__ole2_xls_read(struct azk_decode_ctx *ctx, const uint8_t *wb, size_t n);

#endif
