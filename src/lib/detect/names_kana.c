/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/names_kana.c -- folding for the name detector: kana width, and
 * variant kanji through norm's Unihan-derived table (髙橋 -> 高橋).
 * Half-width katakana (JIS X 0201, U+FF61..U+FF9F, common in bank and
 * mailing files: ﾔﾏﾀﾞ ﾀﾛｳ) is folded to full-width katakana with the
 * voicing marks combined, keeping an offset map back to the input so spans
 * are reported on the original bytes. A 64-entry table is all this needs;
 * ICU normalisation (NFKC) would also rewrite digits, letters and symbols
 * and lose the byte map.
 */
#include "detect/names_lex.h"
#include "norm/norm.h"

#include <string.h>

/* U+FF61..U+FF9D -> full-width (U+FF9E/U+FF9F are the voicing marks). */
static const uint16_t hw_table[0xFF9E - 0xFF61] = {
    0x3002, 0x300C, 0x300D, 0x3001, 0x30FB, 0x30F2, 0x30A1, 0x30A3, 0x30A5, 0x30A7, 0x30A9,
    0x30E3, 0x30E5, 0x30E7, 0x30C3, 0x30FC, 0x30A2, 0x30A4, 0x30A6, 0x30A8, 0x30AA, 0x30AB,
    0x30AD, 0x30AF, 0x30B1, 0x30B3, 0x30B5, 0x30B7, 0x30B9, 0x30BB, 0x30BD, 0x30BF, 0x30C1,
    0x30C4, 0x30C6, 0x30C8, 0x30CA, 0x30CB, 0x30CC, 0x30CD, 0x30CE, 0x30CF, 0x30D2, 0x30D5,
    0x30D8, 0x30DB, 0x30DE, 0x30DF, 0x30E0, 0x30E1, 0x30E2, 0x30E4, 0x30E6, 0x30E8, 0x30E9,
    0x30EA, 0x30EB, 0x30EC, 0x30ED, 0x30EF, 0x30F3,
};

bool azk_names__fold_needed(const struct azk_names_lex *lx, const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        if (s[i] < 0x80) {
            /* ASCII: eight bytes at a time */
            while (i + 8 <= len) {
                uint64_t w;
                memcpy(&w, s + i, 8);
                if ((w & 0x8080808080808080ull) != 0)
                    break;
                i += 8;
            }
            while (i < len && s[i] < 0x80)
                i++;
            continue;
        }
        if ((s[i] & 0xF0) == 0xE0 && len - i >= 3 && (s[i + 1] & 0xC0) == 0x80 &&
            (s[i + 2] & 0xC0) == 0x80) {
            /* three bytes (all of CJK): the fold bitmap answers directly */
            cp = ((uint32_t)(s[i] & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) |
                 (uint32_t)(s[i + 2] & 0x3F);
            if (cp >= 0x3400 && ((lx->fold[cp >> 3] >> (cp & 7)) & 1u) != 0)
                return true;
            i += 3;
            continue;
        }
        i += azk_utf8_decode(s + i, len - i, &cp);
        if (azk_names__fold_cp(lx, cp) != cp || (cp >= 0xFF61 && cp <= 0xFF9F))
            return true;
    }
    return false;
}

uint32_t azk_names__fold_cp(const struct azk_names_lex *lx, uint32_t cp)
{
    uint32_t to;
    if (cp < 0x3400)
        return cp;
    if (cp < 0x10000) {
        if (((lx->fold[cp >> 3] >> (cp & 7)) & 1u) == 0 || (cp >= 0xFF61 && cp <= 0xFF9F))
            return cp; /* half-width kana are folded by azk_names__fold itself */
        return azk_norm_kanji_variant(cp);
    }
    /* outside the BMP the lexicon (EUC-JP) has nothing: fold into it */
    to = azk_norm_kanji_variant(cp);
    if (to != cp && to < 0x10000 && ((lx->inlex[to >> 3] >> (to & 7)) & 1u) != 0)
        return to;
    return cp;
}

/* Voiced (dakuten) form of a full-width katakana, 0 when none. */
static uint32_t voiced(uint32_t k)
{
    if (k == 0x30A6)
        return 0x30F4; /* ウ -> ヴ */
    if ((k >= 0x30AB && k <= 0x30C1 && (k & 1u)) || k == 0x30C4 || k == 0x30C6 || k == 0x30C8)
        return k + 1;
    if (k >= 0x30CF && k <= 0x30DB && (k - 0x30CF) % 3 == 0)
        return k + 1;
    return 0;
}

/* Semi-voiced (handakuten) form: ハ行 only. */
static uint32_t semi_voiced(uint32_t k)
{
    if (k >= 0x30CF && k <= 0x30DB && (k - 0x30CF) % 3 == 0)
        return k + 2;
    return 0;
}

azk_status azk_names__fold(const struct azk_names_lex *lx, const uint8_t *s, size_t len,
                           azk_buf *out, size_t **map, size_t *map_cap)
{
    azk_status rc;
    size_t need;
    size_t i = 0;

    azk_buf_clear(out);
    /* a code point folds to at most 4 bytes, never from fewer than 3 (the
     * targets are BMP kanji and kana), so the output fits in len + len/3 */
    if (azk_add_overflow(&need, len, len / 3 + 4))
        return azk_error_set(AZK_ERR_LIMIT, "names: field too large");
    rc = azk_buf_grow(out, need);
    if (rc != AZK_OK)
        return rc;
    if (*map_cap < need) {
        size_t bytes;
        size_t *m;
        if (azk_mul_overflow(&bytes, need, sizeof(size_t)))
            return azk_error_set(AZK_ERR_LIMIT, "names: field too large");
        m = azk_realloc(*map, bytes);
        if (m == NULL)
            return azk_error_nomem();
        *map = m;
        *map_cap = need;
    }
    while (i < len) {
        uint32_t cp;
        size_t l;
        size_t from = i;
        uint8_t enc[4];
        size_t el;
        if (s[i] < 0x80) {
            (*map)[out->len] = i;
            out->data[out->len++] = s[i++];
            continue;
        }
        if ((s[i] & 0xF0) == 0xE0 && len - i >= 3 && (s[i + 1] & 0xC0) == 0x80 &&
            (s[i + 2] & 0xC0) == 0x80 && s[i] != 0xEF &&
            (cp = ((uint32_t)(s[i] & 0x0F) << 12) | ((uint32_t)(s[i + 1] & 0x3F) << 6) |
                  (uint32_t)(s[i + 2] & 0x3F)) >= 0x800 &&
            (cp < 0xD800 || cp > 0xDFFF) &&
            (cp < 0x3400 || ((lx->fold[cp >> 3] >> (cp & 7)) & 1u) == 0)) {
            /* three bytes below U+F000 that do not fold (most of CJK):
             * copied as they are (the half-width forms start with EF) */
            (*map)[out->len] = i;
            (*map)[out->len + 1] = i;
            (*map)[out->len + 2] = i;
            memcpy(out->data + out->len, s + i, 3);
            out->len += 3;
            i += 3;
            continue;
        }
        l = azk_utf8_decode(s + i, len - i, &cp);
        if (cp >= 0xFF61 && cp <= 0xFF9F && l == 3) {
            if (cp >= 0xFF9E)
                cp = cp == 0xFF9E ? 0x309B : 0x309C; /* lone mark */
            else
                cp = hw_table[cp - 0xFF61];
            i += l;
            if (i + 3 <= len && s[i] == 0xEF && s[i + 1] == 0xBE &&
                (s[i + 2] == 0x9E || s[i + 2] == 0x9F)) {
                uint32_t c2 = s[i + 2] == 0x9E ? voiced(cp) : semi_voiced(cp);
                if (c2 != 0) {
                    cp = c2;
                    i += 3;
                }
            }
            el = azk_utf8_encode(cp, enc);
        } else if (azk_names__fold_cp(lx, cp) != cp) {
            i += l;
            el = azk_utf8_encode(azk_names__fold_cp(lx, cp), enc);
        } else {
            /* copy the input bytes unchanged (also invalid ones) */
            memcpy(enc, s + i, l);
            el = l;
            i += l;
        }
        for (size_t k = 0; k < el; k++)
            (*map)[out->len + k] = from;
        memcpy(out->data + out->len, enc, el);
        out->len += el;
    }
    (*map)[out->len] = len;
    out->data[out->len] = 0;
    return AZK_OK;
}

uint32_t azk_names__hira_to_kata(uint32_t cp)
{
    if ((cp >= 0x3041 && cp <= 0x3096) || cp == 0x309D || cp == 0x309E)
        return cp + 0x60;
    return cp;
}
