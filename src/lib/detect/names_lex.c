/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/names_lex.c -- look-ups in the generated person-name lexicon
 * (names_lex.h) through its read-only index, generated with it by
 * tools/gen_names_lexicon.py and shared by every thread: an
 * open-addressing table of entry indices keyed by FNV-1a of the
 * UTF-8 surface (each slot: the top 16 bits of that hash, then the entry
 * index + 1 in 16 bits), a per-code-point table (BMP) giving the longest entry
 * starting with that code point, so most text positions are rejected with
 * one byte load, bitmaps of the code points that are an entry alone and of
 * (hashed) first-two-code-point pairs of longer entries, so a position
 * costs one hash probe only when an entry may start there; and a bitmap of
 * the code points names_kana.c folds, made once per azk_names from norm's
 * variant table.
 */
#include "detect/names_lex.h"
#include "norm/norm.h"

#include <string.h>

#define BMP_SIZE 0x10000u

static bool bit(const uint8_t *map, uint32_t cp)
{
    return ((map[cp >> 3] >> (cp & 7)) & 1u) != 0;
}

static uint32_t fnv1a(const uint8_t *s, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= s[i];
        h *= 16777619u;
    }
    return h;
}

azk_status azk_names__lex_init(struct azk_names_lex *lx)
{
    size_t npairs = 0;
    const uint32_t(*pairs)[2] = azk_norm_kanji_variant_table(&npairs);

    memset(lx, 0, sizeof(*lx));
    lx->fold = azk_calloc(BMP_SIZE / 8, 1);
    if (lx->fold == NULL)
        return azk_error_nomem();
    lx->slots = azk_names__lex_slots;
    lx->mask = azk_names__lex_slot_mask;
    lx->first = azk_names__lex_first;
    lx->max_chars = azk_names__lex_max_chars;
    lx->inlex = azk_names__lex_inlex_bits;
    lx->one = azk_names__lex_one_bits;
    lx->pair = azk_names__lex_pair_bits;
    /* what names_kana.c folds: half-width katakana, and variant kanji the
     * lexicon never uses whose fold it does use */
    for (uint32_t cp = 0xFF61; cp <= 0xFF9F; cp++)
        lx->fold[cp >> 3] |= (uint8_t)(1u << (cp & 7));
    for (size_t k = 0; k < npairs; k++) {
        uint32_t cp = pairs[k][0];
        uint32_t to = pairs[k][1];
        if (cp >= 0x3400 && cp < BMP_SIZE && to != cp && !bit(lx->inlex, cp) && to < BMP_SIZE &&
            bit(lx->inlex, to))
            lx->fold[cp >> 3] |= (uint8_t)(1u << (cp & 7));
    }
    return AZK_OK;
}

void azk_names__lex_dispose(struct azk_names_lex *lx)
{
    if (lx == NULL)
        return;
    azk_free(lx->fold);
    memset(lx, 0, sizeof(*lx));
}

const struct azk_names_lex_entry *azk_names__lex_find(const struct azk_names_lex *lx,
                                                      const uint8_t *s, size_t len)
{
    size_t h;
    uint32_t fh;
    if (lx->slots == NULL || len == 0 || len > 255)
        return NULL;
    fh = fnv1a(s, len);
    h = fh & lx->mask;
    for (;;) {
        uint32_t v = lx->slots[h];
        const struct azk_names_lex_entry *e;
        if (v == 0)
            return NULL;
        /* the tag spares the entry and its text (two more cache misses)
         * for slots of other surfaces */
        if (((v ^ fh) & 0xFFFF0000u) == 0) {
            e = &azk_names__lex[(v & 0xFFFFu) - 1u];
            if (e->len == len && memcmp(azk_names__lex_blob + e->off, s, len) == 0)
                return e;
        }
        h = (h + 1) & lx->mask;
    }
}
