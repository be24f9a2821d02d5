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
 * The non-ASCII code point at s[pos] (s[pos] >= 0x80, pos < len): its byte
 * length (1 for invalid UTF-8) << 32 | its ASCII equivalent (0 when none).
 * One value, no out-parameter: the inline walkers below run in the digit
 * scan's hot loop, where a local whose address goes to a call would cost
 * the caller a stack frame and a canary.
 */
uint64_t azk_digits__next_high(const char *s, size_t len, size_t pos);

/*
 * The code point that ends at s[pos] (0 < pos <= len, s[pos - 1] >= 0x80):
 * how many bytes it goes back (1 for a stray byte) << 32 | its ASCII
 * equivalent (0 when none).
 */
uint64_t azk_digits__prev_high(const char *s, size_t len, size_t pos);

/*
 * Decode the code point at s[pos] (pos < len) and fold it: returns its byte
 * length (>= 1) and stores the ASCII equivalent in *ascii (0 when none).
 * Invalid UTF-8 counts as one byte without ASCII equivalent.
 */
static inline size_t azk_digits__next(const char *s, size_t len, size_t pos, uint32_t *ascii)
{
    uint8_t b = (uint8_t)s[pos];
    uint64_t r;
    if (b < 0x80) {
        *ascii = b;
        return 1;
    }
    r = azk_digits__next_high(s, len, pos);
    *ascii = (uint32_t)r;
    return (size_t)(r >> 32);
}

/*
 * Step back one code point from pos (> 0): returns the start offset of the
 * code point that ends at pos, storing its folded ASCII in *ascii (0 when
 * none). Never goes back more than 4 bytes; a byte that does not end a
 * well-formed sequence is one stray byte.
 */
static inline size_t azk_digits__prev(const char *s, size_t len, size_t pos, uint32_t *ascii)
{
    uint8_t b = (uint8_t)s[pos - 1];
    uint64_t r;
    if (b < 0x80) {
        *ascii = b;
        return pos - 1;
    }
    r = azk_digits__prev_high(s, len, pos);
    *ascii = (uint32_t)r;
    return pos - (size_t)(r >> 32);
}

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
