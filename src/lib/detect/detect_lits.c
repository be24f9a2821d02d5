/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_lits.c -- the byte screen in front of the literal matcher
 * (issue 16, item 2): a field goes to hs_scan only if one of the matcher's
 * literals can occur in it. Every built-in literal (detect.c: labels, era
 * names, block units, prefectures, '@') is either '@' or starts with a
 * three-byte UTF-8 character (lead byte 0xE0..0xEF). The screen keeps the
 * set of those first characters (~70 of them) as a two-level bit table
 * indexed by the low bits of the three bytes, and looks it up at every byte
 * >= 0xE0 of the field that has two bytes after it. A literal occurring at
 * offset j has those three bytes at j, so the screen says "maybe" for every
 * field in which Vectorscan would report a hit: skipping hs_scan when it
 * says "no" changes nothing but the cost (about 540 instructions a call;
 * on the bench corpus ~88% of the fields with kanji hold no literal's first
 * character). The table is built from the literal arrays themselves; a
 * literal of another shape switches the screen off (every field scanned).
 */
#include "detect/detect.h"
#include "detect/detect_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <string.h>
#include "detect/detect_scan.h"

bool azk_detect__lit_screen_off;

static unsigned row_of(unsigned char b0, unsigned char b1)
{
    return ((unsigned)(b0 & 0x0F) << 6) | (unsigned)(b1 & 0x3F);
}

static void add_first(struct lit_screen *s, const char *lit, size_t len)
{
    const unsigned char *b = (const unsigned char *)lit;
    unsigned r;
    if (len == 1 && b[0] == '@')
        return; /* the screen looks for '@' itself */
    if (len < 3 || b[0] < 0xE0) {
        s->all = true;
        return;
    }
    r = row_of(b[0], b[1]);
    if (s->row[r] == 0) {
        if (s->rows + 1 >= sizeof(s->mask) / sizeof(s->mask[0])) {
            s->all = true;
            return;
        }
        s->row[r] = (uint8_t)++s->rows;
    }
    s->mask[s->row[r]] |= (uint64_t)1 << (b[2] & 0x3F);
}

void azk_detect__lit_screen_build(struct lit_screen *s)
{
    size_t i;
    memset(s, 0, sizeof(*s));
    for (i = 0; i < N_LITS; i++)
        add_first(s, azk_detect__lits[i].s, azk_detect__lits[i].len);
    for (i = 0; i < 47; i++)
        add_first(s, azk_detect__prefs[i], strlen(azk_detect__prefs[i]));
}

/* Is p[j..j+2] (j + 2 < n) the first character of some literal (or a byte
 * pattern with the same low bits)? */
static inline bool first_at(const struct lit_screen *s, const unsigned char *p)
{
    return (s->mask[s->row[row_of(p[0], p[1])]] >> (p[2] & 0x3F)) & 1u;
}

bool azk_detect__lit_may_hit(const struct lit_screen *s, const unsigned char *p, size_t n)
{
    size_t i = 0;
    if (s->all || azk_detect__lit_screen_off)
        return true;
#if defined(__SSE2__)
    {
        const __m128i at = _mm_set1_epi8('@'), e0 = _mm_set1_epi8((char)0xE0);
        for (; i + 16 <= n; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(v, e0), e0));
            if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, at)) != 0)
                return true;
            bool inside = i + 18 <= n; /* every lead of the block has two bytes after it */
            while (m != 0) {
                size_t j = i + (size_t)__builtin_ctz(m);
                if ((inside || j + 2 < n) && first_at(s, p + j))
                    return true;
                m &= m - 1;
            }
        }
    }
#endif
    for (; i < n; i++) {
        if (p[i] == '@')
            return true;
        if (p[i] >= 0xE0 && i + 2 < n && first_at(s, p + i))
            return true;
    }
    return false;
}
