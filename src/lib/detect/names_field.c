/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/names_field.c -- one field: the free-text scan (ASCII skipped eight
 * bytes at a time, memo of cells and words that held no name, the candidate
 * paths of names_text.c at CJK positions) and name-column cells (氏名,
 * フリガナ, 姓, 名).
 */
#include "detect/names.h"
#include "detect/names_lex.h"
#include "norm/norm.h"

#include <mecab.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "detect/names_scan.h"

/* ---- free-text scan ------------------------------------------------------- */

/* struct word_slot's tag of a word's key of len bytes. */
static inline uint64_t word_tag(struct memo_key k, size_t len)
{
    return (k.a & (~0ull >> WORD_BITS)) | ((uint64_t)len << (64 - WORD_BITS));
}

/*
 * The word memo. A word is a maximal run of non-ASCII bytes that starts
 * after ASCII (or at the start). What the scan does at the positions of a
 * word depends only on the word itself and, through azk_names__skip_one_space, on one
 * ASCII space or tab after it and the non-ASCII run that follows that:
 * azk_names__labels, lexicon runs, honorifics and kana runs stop at ASCII, and the
 * code point before a word is ASCII (not kanji, not kana). A word whose
 * positions reported nothing, jumped nowhere and never asked MeCab (no cue)
 * is remembered by a keyed hash of those bytes and skipped when they come
 * again (log templates repeat the same words on every line).
 */
/* End of the run of bytes >= 0x80 at b (eight bytes at a time; the first
 * byte < 0x80 of a word is its lowest set mask bit on little-endian). */
static size_t high_run_end(const uint8_t *t, size_t n, size_t b)
{
    while (b + 8 <= n) {
        uint64_t w;
        uint64_t low;
        memcpy(&w, t + b, 8);
        low = ~w & 0x8080808080808080ull; /* top bit of each byte < 0x80 */
        if (low != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return b + ((size_t)__builtin_ctzll(low) >> 3);
#else
            break; /* the byte loop finds it */
#endif
        }
        b += 8;
    }
    while (b < n && t[b] >= 0x80)
        b++;
    return b;
}

/* End of the run of bytes < 0x80 at i (eight bytes at a time). */
static size_t ascii_run_end(const uint8_t *t, size_t n, size_t i)
{
    while (i + 8 <= n) {
        uint64_t w;
        uint64_t high;
        memcpy(&w, t + i, 8);
        high = w & 0x8080808080808080ull;
        if (high != 0) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
            return i + ((size_t)__builtin_ctzll(high) >> 3);
#else
            break; /* the byte loop finds it */
#endif
        }
        i += 8;
    }
    while (i < n && t[i] < 0x80)
        i++;
    return i;
}

static size_t word_key_end(const uint8_t *t, size_t n, size_t i, size_t *word_end)
{
    size_t z = high_run_end(t, n, i);
    *word_end = z;
    if (z < n && (t[z] == ' ' || t[z] == '\t'))
        z = high_run_end(t, n, z + 1);
    return z;
}

/*
 * An ASCII key naming a person right before i: name=, name:, "name": ",
 * customer_name=, fullname= (not filename=, hostname=: the key must start
 * a word or be one of the listed compounds).
 */
static bool ascii_name_label(const uint8_t *t, size_t i)
{
    static const char *const keys[] = {"customer_name", "customername", "full_name", "fullname",
                                       "name"};
    size_t j = i, k;
    int skipped = 0;
    while (j > 0 && skipped < 3 && (t[j - 1] == ' ' || t[j - 1] == '"' || t[j - 1] == '\'')) {
        j--;
        skipped++;
    }
    if (j == 0 || (t[j - 1] != '=' && t[j - 1] != ':'))
        return false;
    j--;
    if (j > 0 && (t[j - 1] == '"' || t[j - 1] == '\''))
        j--;
    for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        size_t n = strlen(keys[k]);
        uint8_t b;
        if (j < n || strncasecmp((const char *)t + j - n, keys[k], n) != 0)
            continue;
        b = j > n ? t[j - n - 1] : ' ';
        if ((b | 0x20) >= 'a' && (b | 0x20) <= 'z')
            continue;
        if (b == '_' || (b >= '0' && b <= '9'))
            continue;
        return true;
    }
    return false;
}

/*
 * Decide folding at i, the first position the scan has to look at: what
 * lies before i (ASCII, words found in the word memo, which only holds
 * text that was scanned, i.e. folded) never folds. *again: the text was
 * folded, and the scan starts over on it (nothing was reported or
 * remembered yet, so that is the scan of the folded text from the start).
 */
static azk_status settle_fold(struct scan *s, size_t i, bool *again)
{
    *again = false;
    if (!s->fold_open)
        return AZK_OK;
    s->fold_open = false;
    if (!azk_names__fold_needed(&s->n->lex, s->t + i, s->len - i))
        return AZK_OK;
    *again = true;
    return azk_names__fold_text(s);
}

azk_status azk_names__scan_free(struct scan *s)
{
    const uint8_t *t = s->t;
    size_t n = s->len;
    size_t i = 0;
    uint32_t prev = 0;
    struct word_slot *words = s->ctx->words;
    struct word_slot *slot = NULL; /* the word being scanned, when remembered */
    size_t word_end = 0;
    size_t key_len = 0;
    struct memo_key key = {0, 0};
    unsigned long hits0 = 0;
    bool clean = false;
    while (i < n) {
        azk_status rc;
        size_t l;
        size_t l0;
        size_t next = 0;
        uint32_t c;
        if (slot != NULL && i >= word_end) {
            if (clean && !s->parsed && s->hits == hits0) {
                slot->tag = word_tag(key, key_len);
                slot->b = key.b;
            }
            slot = NULL;
        }
        if (t[i] >= 0x80 && i > 0 && t[i - 1] < 0x80 && ascii_name_label(t, i)) {
            /* name=小野さくら: a label the word memo cannot see */
            azk_status rc2;
            uint32_t c0;
            bool again;
            rc2 = settle_fold(s, i, &again);
            if (rc2 != AZK_OK || again)
                return rc2 != AZK_OK ? rc2 : azk_names__scan_free(s);
            c0 = azk_names__cp_at(s, i, &l0);
            next = 0;
            if (azk_names__is_kanji(c0) || azk_names__is_kata(c0)) {
                rc2 = azk_names__label_value(s, i, false, true, &next);
                if (rc2 != AZK_OK)
                    return rc2;
            }
            if (next > i) {
                slot = NULL;
                i = next;
                prev = azk_names__cp_before(s, i);
                continue;
            }
        }
        if (t[i] >= 0x80 && (i == 0 || t[i - 1] < 0x80)) {
            size_t z = word_key_end(t, n, i, &word_end);
            size_t za = z;
            while (za < n && t[za] == ' ')
                za++;
            key_len = z - i;
            /* before <user@host> a credit line cue depends on ASCII bytes
             * outside the key: such words are not remembered */
            if (key_len <= MEMO_MAX_LEN && !(za < n && t[za] == '<')) {
                key = azk_names__memo_hash(s->ctx, t + i, key_len, 0);
                slot = &words[key.a >> (64 - WORD_BITS)]; /* top bits mix best */
                if (slot->tag == word_tag(key, key_len) && slot->b == key.b) {
                    i = word_end; /* seen before: nothing there */
                    slot = NULL;
                    continue;
                }
                clean = true;
                s->parsed = false;
                hits0 = s->hits;
            } else {
                slot = NULL;
            }
        }
        if (t[i] < 0x80) {
            i = ascii_run_end(t, n, i); /* ASCII: eight bytes at a time */
            prev = ' ';
            continue;
        }
        if (s->fold_open) {
            bool again;
            rc = settle_fold(s, i, &again);
            if (rc != AZK_OK || again)
                return rc != AZK_OK ? rc : azk_names__scan_free(s);
        }
        c = azk_names__cp_at(s, i, &l);
        if (azk_names__is_kanji(c) || azk_names__is_kata(c) || azk_names__is_hira(c)) {
            rc = azk_names__try_label(s, i, c, &next);
            if (rc != AZK_OK)
                return rc;
            if (next == 0 && azk_names__is_kanji(c)) {
                rc = azk_names__try_kanji(s, i, &next);
                if (rc != AZK_OK)
                    return rc;
            } else if (next == 0 && azk_names__is_kata(c) && !azk_names__is_kata(prev) &&
                       prev != 0x30FB) {
                rc = azk_names__try_kana(s, i, &next);
                if (rc != AZK_OK)
                    return rc;
            }
        }
        if (next > i) {
            clean = false;
            i = next;
            prev = azk_names__cp_before(s, i);
            continue;
        }
        if (next != 0)
            clean = false;
        prev = c;
        i += l;
    }
    if (slot != NULL && clean && !s->parsed && s->hits == hits0) {
        slot->tag = word_tag(key, key_len);
        slot->b = key.b;
    }
    return AZK_OK;
}

/* ---- name columns --------------------------------------------------------- */

static const char *const org_words[] = {
    "株式会社", "有限会社", "合同会社", "会社",   "銀行", "支店",     "協会", "組合",   "法人",
    "病院",     "大学",     "学校",     "事務所", "商店", "信用金庫", "御中", "営業所", "センター",
};

static bool contains(const uint8_t *p, size_t len, const char *w)
{
    return memmem(p, len, w, strlen(w)) != NULL;
}

/* The first code points of org_words: 株 有 合 会 銀 支 協 組 法 病 大 学 事 商 信 御 営 セ. */
static bool org_start(uint32_t c)
{
    switch (c) {
        case 0x682A:
        case 0x6709:
        case 0x5408:
        case 0x4F1A:
        case 0x9280:
        case 0x652F:
        case 0x5354:
        case 0x7D44:
        case 0x6CD5:
        case 0x75C5:
        case 0x5927:
        case 0x5B66:
        case 0x4E8B:
        case 0x5546:
        case 0x4FE1:
        case 0x5FA1:
        case 0x55B6:
        case 0x30BB:
            return true;
        default:
            return false;
    }
}

/*
 * The whole trimmed cell as a name. Returns true (and reports) when the
 * cell is plausibly one name; false lets the caller fall back to free text.
 */
azk_status azk_names__scan_column(struct scan *s, azk_column_kind col, bool *done)
{
    size_t a = 0;
    size_t b = s->len;
    size_t l;
    size_t sep_start = 0;
    size_t sep_end = 0;
    size_t fold_sep = 0;
    size_t chars = 0;
    int parts = 1;
    bool any_kanji = false;
    bool all_kana = true;
    bool org = false; /* a code point that starts one of org_words */
    bool kana_col = col == AZK_COL_NAME_KANA;
    uint8_t folded[128];
    size_t flen = 0;
    size_t fam = 0;
    bool known = false;
    size_t he;
    size_t cell_end;

    *done = false;
    while (a < b) {
        uint32_t c = azk_names__cp_at(s, a, &l);
        if (!azk_names__is_space(c) && c != '\r' && c != '\n')
            break;
        a += l;
    }
    while (b > a) {
        size_t j = b;
        uint32_t c;
        do {
            j--;
        } while (j > a && (s->t[j] & 0xC0) == 0x80);
        (void)azk_utf8_decode(s->t + j, b - j, &c);
        if (!azk_names__is_space(c) && c != '\r' && c != '\n')
            break;
        b = j;
    }
    if (a == b)
        return AZK_OK;
    if (azk_names__is_placeholder(s->t + a, b - a)) {
        *done = true; /* a placeholder, not a name and not free text */
        return AZK_OK;
    }
    cell_end = b;
    /* walk the cell: name characters with at most one separator run */
    for (size_t i = a; i < b;) {
        uint32_t c = azk_names__cp_at(s, i, &l);
        if (azk_names__is_space(c) || c == 0x30FB) {
            if (sep_end == i && sep_end != 0) {
                sep_end = i + l; /* same separator run */
            } else {
                if (parts == 2 || i == a)
                    return AZK_OK;
                parts = 2;
                fold_sep = flen;
                sep_start = i;
                sep_end = i + l;
            }
            i += l;
            continue;
        }
        if (!kana_col && azk_names__honorific_at(s, i, &he) && he == b && chars > 0) {
            b = i; /* 山田太郎様 in a name column: the name without 様 */
            break;
        }
        if (azk_names__is_kanji(c)) {
            any_kanji = true;
            all_kana = false;
        } else if (!azk_names__is_kata(c) && !azk_names__is_hira(c)) {
            return AZK_OK;
        }
        if (flen + 4 < sizeof(folded))
            flen += azk_utf8_encode(azk_names__hira_to_kata(c), folded + flen);
        else
            return AZK_OK;
        org = org || org_start(c);
        chars++;
        i += l;
    }
    if (chars == 0)
        return AZK_OK;
    if (kana_col && any_kanji)
        return AZK_OK;
    if (chars > (all_kana ? MAX_KANA_CHARS : MAX_NAME_CHARS))
        return AZK_OK;
    if (parts == 2 && sep_end >= b)
        return AZK_OK;
    /* organisation words last: the walk above rejects most cells (numbers,
     * codes, ASCII) for less than one pass of these, and saw whether a
     * code point of the cell starts one (what follows b is an honorific) */
    for (size_t k = 0; org && k < sizeof(org_words) / sizeof(org_words[0]); k++) {
        if (contains(s->t + a, cell_end - a, org_words[k]))
            return AZK_OK;
    }
    /* family/given split */
    if (col == AZK_COL_FAMILY_NAME) {
        fam = b;
        known = azk_names__is_family(s->n, (const char *)folded, flen);
    } else if (col == AZK_COL_GIVEN_NAME) {
        fam = 0;
        known = azk_names__is_given(s->n, (const char *)folded, flen);
    } else if (parts == 2) {
        size_t fb = fold_sep; /* folded holds both parts without the separator */
        fam = sep_start;
        known = azk_names__is_family(s->n, (const char *)folded, fb) ||
                azk_names__is_given(s->n, (const char *)folded + fb, flen - fb);
    } else {
        bool both = false;
        size_t f = azk_names__lex_split(s->n, folded, flen, all_kana, &both);
        if (f > 0) {
            fam = a + f; /* folding keeps byte lengths (kana 3 -> 3) */
            known = true;
        } else if (azk_names__is_family(s->n, (const char *)folded, flen)) {
            fam = b;
            known = true;
        } else {
            known = azk_names__is_given(s->n, (const char *)folded, flen);
        }
    }
    *done = true;
    return azk_names__emit(s, a, b, fam, known ? CONF_COLUMN : CONF_COLUMN_UNKNOWN, all_kana);
}
