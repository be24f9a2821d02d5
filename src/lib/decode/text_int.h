/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/text_int.h -- what the text decoder's files share (internal to
 * src/lib/decode/): the encodings it knows, the ICU helpers, and encoding
 * detection (text_detect.c) as conversion and the text object (text.c) call
 * it.
 */
#ifndef AZK_DECODE_TEXT_INT_H
#define AZK_DECODE_TEXT_INT_H

#include "decode/decode_int.h"

#include <unicode/ucnv.h>

enum enc {
    ENC_UTF8 = 0,
    ENC_UTF16LE,
    ENC_UTF16BE,
    ENC_CP932,
    ENC_EUCJP,
    ENC_ISO2022JP,
    ENC_UTF32LE,
    ENC_UTF32BE
};

/* What detection found in a prefix. */
struct detect_result {
    enum enc enc;
    size_t bom;
    bool binary;
    bool ascii_only;   /* UTF-8 guessed from ASCII only: re-check later */
    size_t utf8_valid; /* bytes after the BOM found valid UTF-8, whole characters */
};

azk_status azk_decode__text_open_cnv(UConverter **out, enum enc e, size_t *errcount);
/*
 * CP932 or EUC-JP (e) in[0..n) to UTF-8 in out (room for 3 * n bytes) by
 * ICU's own tables (text_tables.c): the output length and *used (input
 * consumed; a character cut at the end is left when !at_eof), or SIZE_MAX
 * when some character is not one clean character (ICU converts that
 * window, with its U+FFFD and count) or e has no tables.
 */
size_t azk_decode__legacy_fast(enum enc e, const uint8_t *in, size_t n, bool at_eof, uint8_t *out,
                               size_t *used);
/*
 * The same, stopping at the first character that is not clean: the output
 * length of the clean characters before it, *used (input consumed, a
 * character boundary), *clean when the window needed no ICU (then as
 * azk_decode__legacy_fast); 0 and !*clean when e has no tables.
 */
size_t azk_decode__legacy_prefix(enum enc e, const uint8_t *in, size_t n, bool at_eof, uint8_t *out,
                                 size_t *used, bool *clean);
/*
 * Encoding detection's score of p[0..n) read as e (CP932 or EUC-JP) by the
 * tables, the same as ICU's when every character is clean (a character cut
 * at the end of a prefix that is not the end of the object adds nothing);
 * false when some character is not clean (ICU must score it) or there are
 * no tables.
 */
bool azk_decode__legacy_score(enum enc e, const uint8_t *p, size_t n, bool at_eof, long *score);
/* The high bit of every byte of the word that is below 0x20 or 0x7F, and
 * maybe of bytes above such a byte (a borrow only follows a byte below
 * 0x20): no byte is missed. Whether some byte is. */
static inline uint64_t azk_decode__word_ctrl_mask(uint64_t w)
{
    uint64_t d = w ^ 0x7F7F7F7F7F7F7F7FULL;
    return (((w - 0x2020202020202020ULL) & ~w) | ((d - 0x0101010101010101ULL) & ~d)) &
           0x8080808080808080ULL;
}
static inline bool azk_decode__word_has_ctrl(uint64_t w)
{
    return azk_decode__word_ctrl_mask(w) != 0;
}
/*
 * An upper bound (4 x points) of the score encoding detection gives p[0..n)
 * read as e (CP932 or EUC-JP) by ICU, from the tables; false when there is
 * none (no tables, or they are off).
 */
bool azk_decode__legacy_score_bound(enum enc e, const uint8_t *p, size_t n, bool at_eof,
                                    long *bound4);
/* Points a decoded character adds to the plausibility of an encoding (text_detect.c). */
int azk_decode__char_score(UChar u);
/* Tests only: true makes azk_decode__legacy_fast refuse every window and encoding
 * detection score every candidate with ICU (the reference the fast paths must equal). */
extern bool azk_decode__legacy_tables_off;
/* Tests only: true makes the UTF-8 converter validate again what detection
 * found valid (the reference the shortcut must equal). */
extern bool azk_decode__known_valid_off;
void azk_decode__text_count_ctrl(const uint8_t *p, size_t n, size_t nul4[4], size_t *ctrl);
size_t azk_decode__text_find_jis_escape(const uint8_t *p, size_t n);
size_t azk_decode__text_ascii_prefix(const uint8_t *p, size_t n);
size_t azk_decode__text_utf8_valid_prefix(const uint8_t *p, size_t n, bool at_eof);
azk_status azk_decode__text_guess_legacy(const uint8_t *p, size_t n, bool at_eof, enum enc *out,
                                         bool *binary, size_t *errs_out);
azk_status azk_decode__text_detect(const uint8_t *p, size_t n, bool at_eof,
                                   struct detect_result *r);

#endif
