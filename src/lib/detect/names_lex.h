/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/names_lex.h -- the person-name lexicon shared by names*.c: the
 * generated table (tools/gen_names_lexicon.py, from IPAdic Noun.name.csv)
 * and its read-only hash index, generated with it, plus the bitmap of
 * code points that fold, made once per azk_names.
 *
 * Entries are UTF-8 surfaces sorted by bytes. A surface carries flags:
 * kanji/kana surname or given name as written in IPAdic, and katakana
 * readings of surnames / given names. Costs are IPAdic word costs (lower =
 * more common), 0xFFFF when the surface has no entry of that kind.
 */
#ifndef AZK_DETECT_NAMES_LEX_H
#define AZK_DETECT_NAMES_LEX_H

#include "util/util.h"

#define AZK_NAMES_LEX_FAMILY   1u /* surname as written (姓) */
#define AZK_NAMES_LEX_GIVEN    2u /* given name as written (名) */
#define AZK_NAMES_LEX_R_FAMILY 4u /* katakana reading of a surname */
#define AZK_NAMES_LEX_R_GIVEN  8u /* katakana reading of a given name */

struct azk_names_lex_entry {
    uint32_t off;   /* into azk_names__lex_blob */
    uint8_t len;    /* bytes */
    uint8_t flags;  /* AZK_NAMES_LEX_* */
    uint16_t fcost; /* lowest cost as surname (or surname reading) */
    uint16_t gcost; /* lowest cost as given name (or its reading) */
};

/* Generated (names_lex_data.c in the build dir). */
extern const unsigned char azk_names__lex_blob[];
extern const struct azk_names_lex_entry azk_names__lex[];
extern const size_t azk_names__lex_count;
extern const size_t azk_names__lex_blob_len;
/* the index (struct azk_names_lex below), generated with the table */
extern const uint32_t azk_names__lex_slots[];
extern const size_t azk_names__lex_slot_mask;
extern const uint8_t azk_names__lex_max_chars;
extern const uint8_t azk_names__lex_first[];
extern const uint8_t azk_names__lex_inlex_bits[];
extern const uint8_t azk_names__lex_one_bits[];
extern const uint8_t azk_names__lex_pair_bits[];

/* Hash index over the generated table, plus a first-code-point filter. */
struct azk_names_lex {
    const uint32_t *slots; /* FNV-1a tag << 16 | entry index + 1, 0 = empty; power-of-two size */
    size_t mask;           /* slot count - 1 */
    const uint8_t *first;  /* per BMP code point: max entry length in chars, 0 = none */
    uint8_t max_chars;     /* longest entry in code points */
    uint8_t *fold;         /* bitmap over the BMP: code points azk_names__fold changes */
    const uint8_t *inlex;  /* bitmap over the BMP: code points used by some entry */
    const uint8_t *one;    /* bitmap over the BMP: code points that are an entry alone */
    const uint8_t *pair;   /* hashed bitmap of the first two code points of longer entries */
};

#define AZK_NAMES_LEX_PAIR_BITS 18 /* tools/gen_names_lexicon.py PAIR_BITS */

/* Bit index in lx->pair for an entry starting with code points c0 c1. */
static inline uint32_t azk_names__lex_pair_bit(uint32_t c0, uint32_t c1)
{
    uint32_t h = (c0 * 0x9E3779B1u) ^ (c1 * 0x85EBCA77u);
    h = (h ^ (h >> 15)) * 0x2C1B3C6Du;
    return h >> (32 - AZK_NAMES_LEX_PAIR_BITS);
}

/* May an entry of two or more code points start with c0 c1? (false: none does) */
static inline bool azk_names__lex_pair(const struct azk_names_lex *lx, uint32_t c0, uint32_t c1)
{
    uint32_t h = azk_names__lex_pair_bit(c0, c1);
    return ((lx->pair[h >> 3] >> (h & 7)) & 1u) != 0;
}

/* Is the single code point c an entry? */
static inline bool azk_names__lex_one(const struct azk_names_lex *lx, uint32_t c)
{
    return c >= 0x10000 || ((lx->one[c >> 3] >> (c & 7)) & 1u) != 0;
}

/* Point at the generated index and make the fold bitmap / free it
 * (azk_names__lex_dispose is safe on a zeroed struct). */
AZK_NODISCARD azk_status azk_names__lex_init(struct azk_names_lex *lx);
void azk_names__lex_dispose(struct azk_names_lex *lx);

/* Entry for exactly s[0..len), or NULL. */
const struct azk_names_lex_entry *azk_names__lex_find(const struct azk_names_lex *lx,
                                                      const uint8_t *s, size_t len);

/*
 * Folding (names_kana.c) before lexicon lookups and MeCab: half-width
 * katakana (U+FF61..U+FF9F, voicing marks combined) to full-width, and
 * variant kanji of names through the norm module's table (髙橋 -> 高橋,
 * 﨑山 -> 崎山, 𠮷田 -> 吉田), but only from a code point the lexicon never
 * uses to one it does: the lexicon has its own spellings (祐, 猪, 晃) and
 * folding those away would lose them.
 * azk_names__fold_needed: true when s holds a code point that folds.
 * azk_names__fold: write the folded s[0..len) to out; map receives, for
 * every output byte and one past the end, the input offset it came from
 * (out->len + 1 entries; *map is grown with azk_realloc).
 */
bool azk_names__fold_needed(const struct azk_names_lex *lx, const uint8_t *s, size_t len);
AZK_NODISCARD azk_status azk_names__fold(const struct azk_names_lex *lx, const uint8_t *s,
                                         size_t len, azk_buf *out, size_t **map, size_t *map_cap);
/* The code point cp folds to (cp when it does not fold). */
uint32_t azk_names__fold_cp(const struct azk_names_lex *lx, uint32_t cp);
/* Full-width katakana code point for a hiragana one (others unchanged). */
uint32_t azk_names__hira_to_kata(uint32_t cp);

#endif
