/* SPDX-License-Identifier: Apache-2.0 */
/*
 * norm/norm_internal.h -- shared between the files of the norm module: the
 * generated variant-kanji table (sorted by source code point) and small
 * helpers.
 */
#ifndef AZK_NORM_INTERNAL_H
#define AZK_NORM_INTERNAL_H

#include "norm/norm.h"

extern const uint32_t azk_norm__kanji_variants[][2];
extern const size_t azk_norm__kanji_variant_count;

/* Append one code point as UTF-8. */
AZK_NODISCARD azk_status azk_norm__put_cp(azk_buf *b, uint32_t cp);

/*
 * Hyphen-like code points of Japanese text: azk_digits__is_hyphen() plus
 * U+2500 ─; used where a digit run is split (ids, postal codes, address
 * block numbers).
 */
bool azk_norm__is_hyphen(uint32_t cp);

/*
 * True when s[0..n) is its own NFKC and NFKC_Casefold but for ASCII case
 * (ASCII, URO and extension A kanji, 々, hiragana and katakana letters, ー):
 * azk_norm_text then calls no ICU (norm/text.c).
 */
bool azk_norm__nfkc_stable(const char *s, size_t n);

#endif
