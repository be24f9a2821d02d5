/* SPDX-License-Identifier: Apache-2.0 */
/*
 * norm/digits.h -- width folding of digits, Latin letters and punctuation
 * (full-width U+FF01..U+FF5E to ASCII, U+3000 to a space), every hyphen
 * look-alike to '-', and extraction of the digits of a phone-like string.
 * Used by detect (validators, allow-list keys) and later by match / link.
 * All functions are pure and thread-safe; input is UTF-8.
 */
#ifndef AZK_NORM_DIGITS_H
#define AZK_NORM_DIGITS_H

#include "util/util.h"

/*
 * ASCII equivalent of a code point: itself for ASCII, the ASCII character
 * for the full-width forms U+FF01..U+FF5E, ' ' for U+3000, '-' for every
 * hyphen look-alike (‐ ‑ ‒ – — ― − ー ｰ － ﹣ ⁃ ˗). 0 when there is none.
 */
uint32_t azk_digits__ascii(uint32_t cp);

/* True for '-' and every hyphen look-alike listed above. */
bool azk_digits__is_hyphen(uint32_t cp);

/*
 * Decode the code point at s[pos] (pos < len) and fold it: returns its byte
 * length (>= 1) and stores the ASCII equivalent in *ascii (0 when none).
 * Invalid UTF-8 counts as one byte without ASCII equivalent.
 */
static inline size_t azk_digits__next(const char *s, size_t len, size_t pos, uint32_t *ascii)
{
    const uint8_t *u = (const uint8_t *)s + pos;
    uint32_t cp;
    size_t n;
    if (u[0] < 0x80) {
        *ascii = u[0];
        return 1;
    }
    n = azk_utf8_decode(u, len - pos, &cp);
    *ascii = azk_digits__ascii(cp);
    return n;
}

/*
 * Step back one code point from pos (> 0): returns the start offset of the
 * code point that ends at pos, storing its folded ASCII in *ascii (0 when
 * none). Never goes back more than 4 bytes.
 */
size_t azk_digits__prev(const char *s, size_t len, size_t pos, uint32_t *ascii);

/* True when the folded character is an ASCII digit. */
static inline bool azk_digits__isdigit(uint32_t a)
{
    return a >= '0' && a <= '9';
}

/* azk_digits__isdigit(azk_digits__ascii(cp)) without the call: ASCII and
 * full-width digits (U+FF10..FF19) are the code points that fold to one
 * (tests/unit/norm compares it on every code point). */
static inline bool azk_digits__is_digit_cp(uint32_t cp)
{
    return cp - '0' < 10u || cp - 0xFF10u < 10u;
}

/*
 * Append s[0..len) to out with every foldable code point replaced by its
 * ASCII equivalent (see azk_digits__ascii); other code points are copied.
 * With lower, ASCII letters are lowered; with drop_seps, hyphens and spaces
 * are dropped (keys for comparing values such as "090-1234-5678" with
 * "０９０１２３４５６７８").
 */
AZK_NODISCARD azk_status azk_digits__fold(azk_buf *out, const char *s, size_t len, bool lower,
                                          bool drop_seps);

/*
 * Digits of a phone-like string: ASCII / full-width digits are kept,
 * hyphen look-alikes, spaces, dots and parentheses skipped; a leading
 * "+81" (or "＋８１") becomes the national prefix "0", and a "(0)" right
 * after it is dropped. Any other character makes it fail.
 * @return number of digits written to out (NUL-terminated, cap includes
 *         the NUL), or 0 on failure or when they do not fit.
 */
size_t azk_digits__phone(const char *s, size_t len, char *out, size_t cap);

#endif
