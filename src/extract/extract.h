/* SPDX-License-Identifier: Apache-2.0 */
/*
 * extract/extract.h -- the extraction helper's format readers that need
 * libraries the azukari library itself does not link (poppler: GPL).
 * Internal to src/extract/ (and the fuzzer and bench that build them).
 */
#ifndef AZK_EXTRACT_H
#define AZK_EXTRACT_H

#include "decode/decode_int.h"

/*
 * PDF with poppler-glib: every page's text in reading order (page =
 * azk_record.page, lines numbered within the page), then that page's form
 * field values and annotation contents; document information (title,
 * author, subject, keywords) as page 0. Encrypted documents open with the
 * empty user password; any other is AZK_ERR_UNSUPPORTED.
 */
AZK_NODISCARD azk_status azk_extract__pdf(struct azk_decode_ctx *ctx, const uint8_t *p, size_t n);

/* Sniff and read one object held in memory: pdf, OLE2, RTF. */
AZK_NODISCARD azk_status azk_extract__any(struct azk_decode_ctx *ctx, const uint8_t *p, size_t n);

#endif
