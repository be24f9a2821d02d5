/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_address.c -- addresses: a prefecture or a known municipality,
 * town and block numbers (丁目, 番地, 号, hyphenated), address cells of an
 * address column.
 */
#include "detect/detect.h"
#include "detect/detect_int.h"
#include "detect/names.h"
#include "norm/norm.h"
#include "detect/places.h"
#include "detect/places_hash.h"
#include "norm/digits.h"
#include "norm/datetime.h"

#include <hs/hs.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "detect/detect_scan.h"

/* ---- addresses ----------------------------------------------------------------- */

static int place_cmp(const char *s, size_t n, const char *p, size_t pl)
{
    int r = memcmp(s, p, n < pl ? n : pl);
    if (r != 0)
        return r;
    return n < pl ? -1 : (n > pl ? 1 : 0);
}

bool azk_detect__place_known_sorted(const char *s, size_t n)
{
    size_t lo = 0, hi = azk_detect__place_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = place_cmp(s, n, azk_detect__places[mid], azk_detect__place_lens[mid]);
        if (r == 0)
            return true;
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

/* The hash set of places_hash.h (generated tables), else the binary search. */
bool azk_detect__place_known(const char *s, size_t n)
{
    const unsigned ib = azk_detect__place_ib;
    const uint32_t imask = (1u << ib) - 1;
    uint64_t hv, bits;
    uint32_t tag;
    size_t h;
    if (ib == 0)
        return azk_detect__place_known_sorted(s, n);
    hv = azk_detect__place_hash(s, n);
    bits = azk_detect__place_bloom_bits(hv);
    if ((azk_detect__place_bloom[azk_detect__place_bloom_word(hv)] & bits) != bits)
        return false;
    tag = azk_detect__place_tag(hv, ib);
    h = (size_t)hv & imask;
    while (azk_detect__place_tab[h] != 0) {
        uint32_t e = azk_detect__place_tab[h];
        if ((e & ~imask) == tag) {
            size_t k = (e & imask) - 1;
            if (azk_detect__place_lens[k] == n && memcmp(azk_detect__places[k], s, n) == 0)
                return true;
        }
        h = (h + 1) & imask;
    }
    return false;
}

/*
 * The code point of a well-formed 3-byte UTF-8 sequence at u (n bytes
 * left), 0 for anything else: what azk_utf8_decode returns with length 3
 * (no overlong form, no surrogate). Kanji and kana are all 3 bytes.
 */
static inline uint32_t utf8_3(const unsigned char *u, size_t n)
{
    uint32_t cp;
    if (n < 3 || (u[0] & 0xF0) != 0xE0 || (u[1] & 0xC0) != 0x80 || (u[2] & 0xC0) != 0x80)
        return 0;
    cp = ((uint32_t)(u[0] & 0x0F) << 12) | ((uint32_t)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
    return cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF) ? cp : 0;
}

/* azk_detect__cp_at for the walks of this file: ASCII, kanji and kana without
 * the general decoder (tests/unit/detect_numfast compares it with azk_utf8_decode
 * on every 1- to 4-byte sequence that starts with E0..EF). */
static inline uint32_t cp_at(const struct fld *f, size_t pos, size_t *l)
{
    uint32_t cp;
    if (pos >= f->len) {
        *l = 0;
        return 0;
    }
    if ((unsigned char)f->s[pos] < 0x80) {
        *l = 1;
        return (unsigned char)f->s[pos];
    }
    cp = utf8_3((const unsigned char *)f->s + pos, f->len - pos);
    if (cp != 0) {
        *l = 3;
        return cp;
    }
    *l = azk_utf8_decode((const uint8_t *)f->s + pos, f->len - pos, &cp);
    return cp;
}

uint32_t azk_detect__cp_at(const struct fld *f, size_t pos, size_t *l)
{
    return cp_at(f, pos, l);
}

static bool muni_char(uint32_t cp)
{
    return azk_norm__is_kanji(cp) || azk_norm__is_katakana(cp) || azk_norm__is_hiragana(cp);
}

/* Town-name characters between the municipality and the block numbers. */
static bool town_char(uint32_t cp)
{
    return azk_norm__is_kanji(cp) || azk_norm__is_katakana(cp) || cp == 0x30F6 /* ヶ */ ||
           cp == 0x306E /* の */ || cp == 0x304C /* が */ || cp == 0x30F5;
}

enum { T_SHI = 1, T_KU, T_CHO, T_SON, T_GUN };

static int terminal(uint32_t cp)
{
    switch (cp) {
        case 0x5E02:
            return T_SHI; /* 市 */
        case 0x533A:
            return T_KU; /* 区 */
        case 0x753A:
            return T_CHO; /* 町 */
        case 0x6751:
            return T_SON; /* 村 */
        case 0x90E1:
            return T_GUN; /* 郡 */
        default:
            return 0;
    }
}

/*
 * Whether the bytes [s, e) hold 市, 区, 町, 村 or 郡 (UTF-8): every
 * municipality parse_muni accepts ends in one, so a span without any holds
 * none (the anchor test in front of the parses of azk_detect__block_at).
 */
static bool terminal_in(const struct fld *f, size_t s, size_t e)
{
    const unsigned char *u = (const unsigned char *)f->s;
    for (size_t k = s; k + 3 <= e; k++) {
        unsigned a = u[k], b, c;
        if (a < 0xE5 || a > 0xE9)
            continue;
        b = u[k + 1];
        c = u[k + 2];
        if ((a == 0xE5 && b == 0xB8 && c == 0x82) || (a == 0xE5 && b == 0x8C && c == 0xBA) ||
            (a == 0xE7 && b == 0x94 && c == 0xBA) || (a == 0xE6 && b == 0x9D && c == 0x91) ||
            (a == 0xE9 && b == 0x83 && c == 0xA1))
            return true;
    }
    return false;
}

static size_t parse_muni(const struct fld *f, size_t p, int only);

/* Whether the text from p to the terminal at q (l bytes) names a municipality:
 * the stem before the terminal, or with it (a stem may end in 市/町...). */
static bool muni_stem(const struct fld *f, size_t p, size_t q, size_t l)
{
    return azk_detect__place_known(f->s + p, q - p) || azk_detect__place_known(f->s + p, q + l - p);
}

/* The end of a municipality whose stem and terminal t end at `end`: then
 * the ward of a designated city (札幌市中央区), the town of a district
 * (西多摩郡瑞穂町: without one, none). */
static size_t muni_end(const struct fld *f, size_t end, int t)
{
    size_t e2;
    if (t == T_GUN)
        return parse_muni(f, end, T_CHO);
    if (t == T_SHI) {
        e2 = parse_muni(f, end, T_KU);
        if (e2 != 0)
            end = e2;
    }
    return end;
}

/*
 * A municipality at p: a known place stem (IPAdic) followed by 市/区/町/村/郡,
 * then the ward of a designated city or the town of a district (muni_end).
 * Returns the end offset, 0 when there is none.
 */
static size_t parse_muni(const struct fld *f, size_t p, int only)
{
    size_t q = p, l;
    int cps = 0, t;
    while (q < f->len && cps < 8) {
        uint32_t cp = cp_at(f, q, &l);
        if (!muni_char(cp))
            break;
        t = terminal(cp);
        if (t != 0 && q > p && (only == 0 || only == t || (only == T_CHO && t == T_SON)) &&
            muni_stem(f, p, q, l))
            return muni_end(f, q + l, t);
        q += l;
        cps++;
    }
    return 0;
}

size_t azk_detect__read_blocknum(const struct fld *f, size_t pos)
{
    size_t start = pos, l;
    int count = 0;
    while (pos < f->len && count < 6) {
        uint32_t cp = cp_at(f, pos, &l);
        if (azk_digits__is_digit_cp(cp) ||
            (cp != 0 && (cp == 0x3007 || cp == 0x4E00 || cp == 0x4E8C || cp == 0x4E09 ||
                         cp == 0x56DB || cp == 0x4E94 || cp == 0x516D || cp == 0x4E03 ||
                         cp == 0x516B || cp == 0x4E5D || cp == 0x5341 || cp == 0x767E))) {
            pos += l;
            count++;
            continue;
        }
        break;
    }
    return pos - start;
}

bool azk_detect__at_lit(const struct fld *f, size_t pos, const char *lit)
{
    size_t n = strlen(lit);
    return f->len - pos >= n && memcmp(f->s + pos, lit, n) == 0;
}

/*
 * Block numbers at pos: 1-2-3, 一丁目2番3号, 123番地, 3番地の5. Strong when
 * there are two numbers or a 丁目 / 番地 unit. Returns the end, 0 if none.
 */
static size_t parse_block(const struct fld *f, size_t pos)
{
    int nums = 0, strong_unit = 0;
    size_t end = 0, n, l;
    uint32_t a;
    while (pos < f->len) {
        n = azk_detect__read_blocknum(f, pos);
        if (n == 0)
            break;
        nums++;
        pos += n;
        end = pos;
        if (azk_detect__at_lit(f, pos, "丁目") || azk_detect__at_lit(f, pos, "番地")) {
            pos += 6;
            end = pos;
            strong_unit++;
            if (azk_detect__at_lit(f, pos, "の")) {
                pos += 3;
            } else {
                (void)azk_digits__next(f->s, f->len, pos, &a);
                if (a == '-')
                    pos += azk_digits__next(f->s, f->len, pos, &a);
            }
            continue;
        }
        if (azk_detect__at_lit(f, pos, "番")) {
            pos += 3;
            end = pos;
            continue;
        }
        if (azk_detect__at_lit(f, pos, "号")) {
            end = pos + 3;
            break;
        }
        if (azk_detect__at_lit(f, pos, "の")) {
            pos += 3;
            continue;
        }
        if (pos < f->len) {
            l = azk_digits__next(f->s, f->len, pos, &a);
            if (a == '-') {
                pos += l;
                continue;
            }
        }
        break;
    }
    if (nums >= 2 || (nums >= 1 && strong_unit > 0))
        return end;
    return 0;
}

/* Town name then block numbers after a municipality; returns the block end. */
static size_t town_block(const struct fld *f, size_t pos)
{
    int cps = 0;
    size_t l, e;
    while (pos < f->len && cps <= 12) {
        uint32_t cp;
        e = parse_block(f, pos);
        if (e != 0)
            return e;
        cp = cp_at(f, pos, &l);
        if (!town_char(cp))
            return 0;
        pos += l;
        cps++;
    }
    return 0;
}

static size_t trim_end(const struct fld *f)
{
    size_t e = f->len;
    while (e > 0 && (f->s[e - 1] == ' ' || f->s[e - 1] == '\t'))
        e--;
    if (e >= 3 && memcmp(f->s + e - 3, "\xE3\x80\x80", 3) == 0)
        e -= 3;
    return e;
}

static void address_cand(struct fld *f, size_t start, size_t end, size_t keep, double conf)
{
    struct cand *x = azk_detect__cand_add(f, AZK_PII_ADDRESS, start, end - start, conf);
    if (x != NULL)
        azk_detect__mask_address(x->masked, sizeof(x->masked), f->s + start, keep);
}

void azk_detect__prefecture_at(struct fld *f, size_t pref, size_t to)
{
    size_t pl = strlen(azk_detect__prefs[pref]);
    size_t start = to - pl, p = to, m, b, l;
    azk_column_kind label = azk_detect__label_before(f, start, 32);
    double conf;
    while (cp_at(f, p, &l) == ' ' || cp_at(f, p, &l) == 0x3000)
        p += l;
    m = parse_muni(f, p, 0);
    if (m == 0) {
        if (f->col == AZK_COL_ADDRESS && trim_end(f) > to)
            address_cand(f, start, trim_end(f), to - start, 0.8);
        return;
    }
    b = town_block(f, m);
    if (f->col == AZK_COL_ADDRESS) {
        size_t e = trim_end(f);
        address_cand(f, start, e > m ? e : m, m - start, 0.92);
        return;
    }
    if (b != 0) {
        conf = azk_detect__with_context(0.9, label, f->col, AZK_COL_ADDRESS, 0.95);
        address_cand(f, start, b, m - start, conf);
    } else {
        conf = azk_detect__with_context(0.45, label, f->col, AZK_COL_ADDRESS, 0.7);
        address_cand(f, start, m, m - start, conf);
    }
}

/*
 * parse_muni(f, starts[i], 0) as azk_detect__block_at needs it, read from
 * the flags of its backward walk instead of the text: the forward walk from
 * starts[i] steps through starts[i-1], starts[i-2], ... (while each step
 * lands on the next start: BS_FWD), stops at the first character that is
 * not a municipality character, looks up stems only at 市/区/町/村/郡
 * (3 bytes) after at least one character and gives up after 8 characters.
 * An end at or after `to` is of no use to block_at: past starts[0] the walk
 * is at `to`, and 0 is returned. When a step is not the next start
 * (malformed text) parse_muni reads the text. tests/unit/detect_numfast
 * compares block_at with parse_muni at every start (azk_detect__numfast_off).
 */
enum { BS_MUNI = 1, BS_FWD = 2, BS_TSHIFT = 2 };

static size_t block_muni(const struct fld *f, const size_t *starts, const unsigned char *fl,
                         size_t i)
{
    size_t c, k;
    for (c = 0; c < 8 && c <= i; c++) {
        int t;
        k = i - c;
        if (!(fl[k] & BS_MUNI))
            return 0; /* parse_muni stops here: 0 */
        t = fl[k] >> BS_TSHIFT;
        if (c > 0 && t != 0 && muni_stem(f, starts[i], starts[k], 3))
            return muni_end(f, starts[k] + 3, t);
        if (!(fl[k] & BS_FWD))
            return parse_muni(f, starts[i], 0); /* its next step is not starts[k-1] */
    }
    /* 8 characters without a stem (0), or the walk reached `to`: any
     * terminal from there on ends at or after `to` */
    return 0;
}

/* Block numbers found first: look back for a municipality without a prefecture. */
void azk_detect__block_at(struct fld *f, size_t to)
{
    size_t pos = to, lim = to > 96 ? to - 96 : 0, starts[40];
    unsigned char fl[40];
    size_t ns = 0, i, m, b;
    azk_column_kind label;
    double conf;
    bool fast = !azk_detect__numfast_off;
    /* collect code point starts backwards over address-like characters */
    const unsigned char *u = (const unsigned char *)f->s;
    while (pos > lim && ns < 40) {
        uint32_t a = 0, cp;
        size_t l;
        size_t p;
        bool mc;
        if (fast && pos >= 3 && (cp = utf8_3(u + pos - 3, 3)) != 0) {
            /* a whole 3-byte character before pos (kanji, kana, full-width
             * forms): what azk_digits__prev and cp_at would read, decoded
             * once; its ASCII fold only when it is no municipality character */
            p = pos - 3;
            l = 3;
            mc = muni_char(cp);
            if (!mc)
                a = azk_digits__ascii(cp);
        } else {
            p = azk_digits__prev(f->s, f->len, pos, &a);
            cp = cp_at(f, p, &l);
            mc = muni_char(cp);
        }
        if (!(mc || azk_digits__isdigit(a) || a == '-'))
            break;
        fl[ns] = (unsigned char)((mc ? BS_MUNI : 0) | (terminal(cp) << BS_TSHIFT) |
                                 (p + l == pos ? BS_FWD : 0));
        starts[ns++] = p;
        pos = p;
    }
    if (ns == 0 || (fast && !terminal_in(f, starts[ns - 1], to)))
        return; /* no start can reach a municipality before the trigger */
    /* farthest first: the longest address */
    for (i = ns; i-- > 0;) {
        m = fast ? block_muni(f, starts, fl, i) : parse_muni(f, starts[i], 0);
        if (m == 0 || m >= to)
            continue;
        b = town_block(f, m);
        if (b == 0 || b < to)
            continue; /* the block numbers must cover the trigger */
        label = azk_detect__label_before(f, starts[i], 32);
        conf = azk_detect__with_context(0.6, label, f->col, AZK_COL_ADDRESS, 0.8);
        if (f->col == AZK_COL_ADDRESS)
            b = trim_end(f) > b ? trim_end(f) : b;
        address_cand(f, starts[i], b, m - starts[i], conf);
        return;
    }
}

/* Whether a byte of x is >= 0x80 or an ASCII letter (SWAR: with the top bit
 * masked off no sum carries into the next byte). */
static bool words8(uint64_t x)
{
    const uint64_t hi = 0x8080808080808080ull, lo7 = 0x7f7f7f7f7f7f7f7full;
    uint64_t y = (x | 0x2020202020202020ull) & lo7; /* letters fold to a..z */
    uint64_t ge_a = y + 0x1f1f1f1f1f1f1f1full;      /* top bit: y >= 'a' */
    uint64_t gt_z = y + 0x0505050505050505ull;      /* top bit: y > 'z' */
    return ((x | (ge_a & ~gt_z)) & hi) != 0;
}

/*
 * Whether s[i..e) holds a byte >= 0x80 or an ASCII letter: 16 bytes at a
 * time with SSE2, the rest 8 at a time, the last 1..7 bytes by
 * azk_detect__load_short (never reads outside s[i..e); zeros above are no
 * letters).
 */
static bool has_words(const char *s, size_t i, size_t e)
{
    const unsigned char *u = (const unsigned char *)s;
    uint64_t w;
#if defined(__SSE2__)
    const __m128i c20 = _mm_set1_epi8(0x20), lo = _mm_set1_epi8('a' - 1),
                  hi = _mm_set1_epi8('z' + 1);
    for (; i + 16 <= e; i += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
        __m128i y = _mm_or_si128(x, c20); /* letters fold to a..z; bytes >= 0x80 stay negative */
        __m128i l = _mm_and_si128(_mm_cmpgt_epi8(y, lo), _mm_cmplt_epi8(y, hi));
        if (_mm_movemask_epi8(_mm_or_si128(x, l)) != 0)
            return true;
    }
#endif
    for (; i + 8 <= e; i += 8) {
        memcpy(&w, u + i, 8);
        if (words8(w))
            return true;
    }
    return i < e && words8(azk_detect__load_short(u + i, e - i));
}

/* Whether s[i..e) holds a digit (ASCII first, then folded: full-width). */
static bool has_digit(const struct fld *f, size_t i, size_t e)
{
    size_t k;
    for (k = i; k < e; k++) {
        if (f->s[k] >= '0' && f->s[k] <= '9')
            return true;
    }
    for (k = i; k < e;) {
        uint32_t a;
        k += azk_digits__next(f->s, f->len, k, &a);
        if (azk_digits__isdigit(a))
            return true;
    }
    return false;
}

/* A cell of an address column that nothing else claimed. */
void azk_detect__address_cell(struct fld *f)
{
    size_t i, s = 0, e = trim_end(f), l, m = 0;
    for (i = 0; i < f->c->cand_count; i++) {
        if (f->c->cands[i].field == f->idx && f->c->cands[i].type == AZK_PII_ADDRESS)
            return;
    }
    while (s < e && (cp_at(f, s, &l) == ' ' || cp_at(f, s, &l) == 0x3000))
        s += l;
    if (s >= e)
        return;
    /* a municipality character (kanji, kana: U+3005 and up) has a lead byte
     * of at least 0xE3; parse_muni of anything else is 0 */
    if ((uint8_t)f->s[s] >= 0xE3)
        m = parse_muni(f, s, 0);
    /* without a municipality: a digit and words (kanji/kana or Latin
     * letters; numbers alone, an item code under a wrong header, are no
     * address), words asked first (most such cells are numbers) */
    if (m == 0 && (!has_words(f->s, s, e) || !has_digit(f, s, e)))
        return;
    address_cand(f, s, e, m != 0 ? m - s : 0, 0.75);
}
