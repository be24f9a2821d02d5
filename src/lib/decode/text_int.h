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
    /* azk_decode__text_detect_conv: CP932 chosen and its tables converted all the
     * bytes after the BOM while scoring them: conv_len bytes of UTF-8 in conv */
    bool conv_ok;
    size_t conv_len;
};

/* The ICU converters of the legacy encodings (text.c's, and the tables' of text_tables.c). */
#define AZK_ICU_CP932 "ibm-943_P15A-2003"
#define AZK_ICU_EUCJP "ibm-33722_P12A_P12A-2009_U2"

azk_status azk_decode__text_open_cnv(UConverter **out, enum enc e, size_t *errcount);
/* ICU converter `icu` with the counting U+FFFD callback (text_answers.c); NULL when ICU
 * has none. */
UConverter *azk_decode__icu_open(const char *icu, size_t *errcount);

/*
 * ICU's answers for the legacy-encoding tables (text_answers.c): one per
 * single byte [AZK_ANS_SINGLE + b], per two-byte sequence [AZK_ANS_PAIR +
 * (lead - 0x80) * 256 + trail] and per three-byte sequence after the
 * encoding's lead3 byte [AZK_ANS_TRIPLE + (b1 - 0x80) * 128 + (b2 - 0x80)]:
 * 0 when ICU reports an error or does not convert it whole (and for the
 * sequences not asked: a pair whose lead is clean alone, triples when
 * there is no lead3), AZK_ANS_ONE | u when ICU gives one UTF-16 unit u,
 * AZK_ANS_OTHER when it gives something else without error.
 */
#define AZK_ANS_ONE    0x10000u
#define AZK_ANS_OTHER  0x20000u
#define AZK_ANS_SINGLE 0
#define AZK_ANS_PAIR   256
#define AZK_ANS_TRIPLE (256 + 128 * 256)
#define AZK_ANS_N      (256 + 128 * 256 + 128 * 128)
/* An answer that is one clean character (a BMP character other than U+FFFD). */
static inline bool azk_decode__legacy_clean(uint32_t a)
{
    uint32_t u = a & 0xFFFFu;
    return (a & AZK_ANS_ONE) != 0 && !(u >= 0xD800 && u <= 0xDFFF) && u != 0xFFFD;
}
/* The ICU converter of e's tables (CP932, EUC-JP), NULL for another encoding. */
const char *azk_decode__legacy_icu_name(enum enc e);
/* The lead byte of e's three-byte characters, -1 when none. */
int azk_decode__legacy_lead3(enum enc e);
/* Fill ans[AZK_ANS_N] with ICU's answers for e; false when ICU has no converter. */
bool azk_decode__legacy_answers(enum enc e, uint32_t *ans);
/* The answers made at build time by tools/gen_text_tables.c (generated text_answers_gen.c),
 * with the ICU version (u_getVersion) and converters they were made with. */
struct azk_legacy_builtin {
    const char *icu_version;
    const char *cnv[2]; /* CP932's, EUC-JP's */
    const uint32_t *ans[2];
};
extern const struct azk_legacy_builtin azk_decode__legacy_builtin;
/* The built-in answers of e if made by ICU icu_version (u_versionToString) with e's converter
 * of now, else NULL (the tables then ask ICU). */
const uint32_t *azk_decode__legacy_builtin_for(enum enc e, const char *icu_version);
/* Tests only: true makes the tables ignore the built-in answers (as when ICU differs). */
extern bool azk_decode__legacy_builtin_off;
/* Tests only: where e's tables came from (1: built-in answers, 0: ICU at run time, -1: not
 * built or no tables), and the first difference between tables made from the built-in answers
 * and from ICU now (-1 when none; else an index into the answers, or AZK_ANS_N + a field). */
int azk_decode__legacy_tables_source(enum enc e);
long azk_decode__legacy_tables_diff(enum enc e);
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
/*
 * azk_decode__legacy_score converting p[0..n) as it scores it: out (room for
 * 3 * n + 4 bytes) gets azk_decode__legacy_prefix's output, *out_len its
 * length and *used the input it converted (both also when false: the clean
 * prefix).
 */
bool azk_decode__legacy_score_conv(enum enc e, const uint8_t *p, size_t n, bool at_eof, long *score,
                                   uint8_t *out, size_t *out_len, size_t *used);
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
 * none (no tables, or they are off). A looser one, still <= limit, once the
 * bytes read show it is <= limit (LONG_MIN: never).
 */
bool azk_decode__legacy_score_bound(enum enc e, const uint8_t *p, size_t n, bool at_eof, long limit,
                                    long *bound4);
/* Points a decoded character adds to the plausibility of an encoding (text_detect.c). */
int azk_decode__char_score(UChar u);
/* Tests only: true makes azk_decode__legacy_fast refuse every window and encoding
 * detection score every candidate with ICU (the reference the fast paths must equal). */
extern bool azk_decode__legacy_tables_off;
/* Tests only: true makes the UTF-8 converter validate again what detection
 * found valid (the reference the shortcut must equal). */
extern bool azk_decode__known_valid_off;
/* Tests only: true makes encoding detection take none of its shortcuts (the reference
 * they must equal): it counts to the end what it stops counting once the answer is known
 * (UTF-8 plausibility, UTF-16 high bytes) and scores and bounds the legacy readings byte
 * by byte where it skips words of printable ASCII. */
extern bool azk_decode__detect_shortcuts_off;
enum enc azk_decode__text_utf16_by_high_bytes(const uint8_t *p, size_t n);
void azk_decode__text_count_ctrl(const uint8_t *p, size_t n, size_t nul4[4], size_t *ctrl);
size_t azk_decode__text_find_jis_escape(const uint8_t *p, size_t n);
size_t azk_decode__text_ascii_prefix(const uint8_t *p, size_t n);
size_t azk_decode__text_utf8_valid_prefix(const uint8_t *p, size_t n, bool at_eof);
azk_status azk_decode__text_guess_legacy(const uint8_t *p, size_t n, bool at_eof, enum enc *out,
                                         bool *binary, size_t *errs_out);
azk_status azk_decode__text_detect(const uint8_t *p, size_t n, bool at_eof,
                                   struct detect_result *r);
/* The same, CP932's tables converting into conv (room for 3 * n + 4 bytes) what they
 * score (r->conv_ok, r->conv_len): the converter's first chunk when CP932 wins. */
azk_status azk_decode__text_detect_conv(const uint8_t *p, size_t n, bool at_eof,
                                        struct detect_result *r, uint8_t *conv);
/* Tests only: true makes detection convert nothing (the converter walks the bytes again:
 * the reference the shortcut must equal). */
extern bool azk_decode__detect_conv_off;

#endif
