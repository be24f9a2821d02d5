/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/names_lex.c -- read-only hash index over the generated person-name
 * lexicon (names_lex.h). Built once per azk_names and shared by every
 * thread: an open-addressing table of entry indices keyed by FNV-1a of the
 * UTF-8 surface (each slot: the top 16 bits of that hash, then the entry
 * index + 1 in 16 bits), a per-code-point table (BMP) giving the longest entry
 * starting with that code point, so most text positions are rejected with
 * one byte load, bitmaps of the code points that are an entry alone and of
 * (hashed) first-two-code-point pairs of longer entries, so a position
 * costs one hash probe only when an entry may start there, and a bitmap of
 * the code points names_kana.c folds.
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
    azk_status rc = AZK_ERR_NOMEM;
    size_t nslots = 1;
    size_t bytes;

    memset(lx, 0, sizeof(*lx));
    if (azk_names__lex_count >= 0xFFFFu) {
        rc = azk_error_set(AZK_ERR_LIMIT, "names: lexicon too large");
        goto done;
    }
    while (nslots < azk_names__lex_count * 2u)
        nslots <<= 1;
    if (azk_mul_overflow(&bytes, nslots, sizeof(uint32_t))) {
        rc = azk_error_set(AZK_ERR_LIMIT, "names: lexicon too large");
        goto done;
    }
    lx->slots = azk_calloc(nslots, sizeof(uint32_t));
    lx->first = azk_calloc(BMP_SIZE, 1);
    lx->fold = azk_calloc(BMP_SIZE / 8, 1);
    lx->inlex = azk_calloc(BMP_SIZE / 8, 1);
    lx->one = azk_calloc(BMP_SIZE / 8, 1);
    lx->pair = azk_calloc((size_t)1 << (AZK_NAMES_LEX_PAIR_BITS - 3), 1);
    if (lx->slots == NULL || lx->first == NULL || lx->fold == NULL || lx->inlex == NULL ||
        lx->one == NULL || lx->pair == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    lx->mask = nslots - 1;
    for (size_t i = 0; i < azk_names__lex_count; i++) {
        const struct azk_names_lex_entry *e = &azk_names__lex[i];
        const uint8_t *s = azk_names__lex_blob + e->off;
        uint32_t fh = fnv1a(s, e->len);
        size_t h = fh & lx->mask;
        size_t chars = 0;
        uint32_t cp0 = 0;
        uint32_t cp1 = 0;
        while (lx->slots[h] != 0)
            h = (h + 1) & lx->mask;
        lx->slots[h] = (fh & 0xFFFF0000u) | ((uint32_t)i + 1u);
        for (size_t k = 0; k < e->len;) {
            uint32_t cp;
            k += azk_utf8_decode(s + k, e->len - k, &cp);
            if (chars == 0)
                cp0 = cp;
            else if (chars == 1)
                cp1 = cp;
            chars++;
            if (cp < BMP_SIZE)
                lx->inlex[cp >> 3] |= (uint8_t)(1u << (cp & 7));
        }
        if (chars == 1 && cp0 < BMP_SIZE)
            lx->one[cp0 >> 3] |= (uint8_t)(1u << (cp0 & 7));
        if (chars >= 2) {
            uint32_t ph = azk_names__lex_pair_bit(cp0, cp1);
            lx->pair[ph >> 3] |= (uint8_t)(1u << (ph & 7));
        }
        if (chars > 255)
            chars = 255;
        if (cp0 < BMP_SIZE && lx->first[cp0] < chars)
            lx->first[cp0] = (uint8_t)chars;
        if (lx->max_chars < chars)
            lx->max_chars = (uint8_t)chars;
    }
    /* what names_kana.c folds: half-width katakana, and variant kanji the
     * lexicon never uses whose fold it does use */
    for (uint32_t cp = 0xFF61; cp <= 0xFF9F; cp++)
        lx->fold[cp >> 3] |= (uint8_t)(1u << (cp & 7));
    for (uint32_t cp = 0x3400; cp < BMP_SIZE; cp++) {
        uint32_t to = azk_norm_kanji_variant(cp);
        if (to != cp && !bit(lx->inlex, cp) && to < BMP_SIZE && bit(lx->inlex, to))
            lx->fold[cp >> 3] |= (uint8_t)(1u << (cp & 7));
    }
    rc = AZK_OK;
done:
    if (rc != AZK_OK)
        azk_names__lex_dispose(lx);
    return rc;
}

void azk_names__lex_dispose(struct azk_names_lex *lx)
{
    if (lx == NULL)
        return;
    azk_free(lx->slots);
    azk_free(lx->first);
    azk_free(lx->fold);
    azk_free(lx->inlex);
    azk_free(lx->one);
    azk_free(lx->pair);
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
