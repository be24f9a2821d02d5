/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_field.c -- one field of a record: candidates and their context (the
 * column kind; labels before a value are looked up in detect_labels.c), the
 * Vectorscan hits dispatched to the rules, the
 * digit-run scan that finds numeric tokens without the matcher (its verdict
 * table in run_screen.c), person names
 * from names.c, and a headerless cell's kind; the cells of a table row, the
 * short ASCII ones (digit runs only) with one set-up for the row.
 */
#include "detect/detect.h"
#include "detect/detect_int.h"
#include "detect/names.h"
#include "norm/norm.h"
#include "detect/places.h"
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

/* ---- candidates ------------------------------------------------------------ */

static bool want(const azk_detect_ctx *c, azk_pii_type t)
{
    return (c->eng->types & (1u << t)) != 0;
}

struct cand *azk_detect__cand_add(struct fld *f, azk_pii_type t, size_t start, size_t len,
                                  double conf)
{
    azk_detect_ctx *c = f->c;
    struct cand *x;
    if (!want(c, t) || len == 0)
        return NULL;
    if (conf > 1.0)
        conf = 1.0;
    if (azk_array_reserve(&c->cands, &c->cand_cap, c->cand_count, sizeof(*c->cands), 32) !=
        AZK_OK) {
        f->rc = AZK_ERR_NOMEM;
        return NULL;
    }
    x = &c->cands[c->cand_count++];
    memset(x, 0, sizeof(*x));
    x->type = t;
    x->field = f->idx;
    x->start = start;
    x->len = len;
    x->conf = conf;
    return x;
}

/* ---- names ---------------------------------------------------------------------- */

static azk_status on_name(const azk_name_hit *hit, void *payload)
{
    struct fld *f = payload;
    struct cand *x;
    if (hit->start > f->len || hit->len > f->len - hit->start)
        return AZK_OK;
    x = azk_detect__cand_add(f, AZK_PII_PERSON_NAME, hit->start, hit->len, hit->confidence);
    if (x != NULL)
        azk_detect__mask_name(x->masked, sizeof(x->masked), f->s + hit->start, hit->len,
                              hit->family_len);
    return f->rc;
}

/* ---- one field ------------------------------------------------------------------ */

static void literal_hit(struct fld *f, const struct lit *L, size_t to)
{
    azk_detect_ctx *c = f->c;
    switch (L->kind) {
        case PK_ERA:
            if (want(c, AZK_PII_BIRTH_DATE))
                azk_detect__era_at(f, to - strlen(L->s));
            break;
        case PK_EMAIL:
            if (want(c, AZK_PII_EMAIL))
                azk_detect__email_at(f, to);
            break;
        case PK_BLOCK:
            if (!want(c, AZK_PII_ADDRESS))
                break;
            if (L->arg == 1) {
                size_t n = azk_detect__read_blocknum(f, to);
                if (n > 0 && azk_detect__at_lit(f, to + n, "号"))
                    azk_detect__block_at(f, to + n + 3);
            } else {
                azk_detect__block_at(f, to);
            }
            break;
        default:
            break;
    }
}

static bool is_digit_at(const unsigned char *u, size_t len, size_t i)
{
    return (unsigned)(u[i] - '0') < 10 ||
           (u[i] == 0xEF && i + 2 < len && u[i + 1] == 0xBC && (unsigned)(u[i + 2] - 0x90) < 10);
}

/* Skip a run of digits from i; *count gets the digit count. */
static size_t skip_digits(const unsigned char *u, size_t len, size_t i, size_t *count)
{
    size_t n = 0;
    while (i < len) {
        if ((unsigned)(u[i] - '0') < 10)
            i++;
        else if (is_digit_at(u, len, i))
            i += 3;
        else
            break;
        n++;
    }
    *count = n;
    return i;
}

/*
 * Offset of the next byte from i that is an ASCII digit or 0xEF (the lead
 * byte of a full-width digit), len when none. Sixteen bytes at a time with
 * SSE2: logs are mostly bytes that are neither.
 */
static size_t next_digit_candidate(const unsigned char *u, size_t len, size_t i)
{
#if defined(__SSE2__)
    const __m128i lo = _mm_set1_epi8('0' - 1), hi = _mm_set1_epi8('9' + 1);
    const __m128i ef = _mm_set1_epi8((char)0xEF);
    while (i + 16 <= len) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
        __m128i d = _mm_and_si128(_mm_cmpgt_epi8(x, lo), _mm_cmplt_epi8(x, hi));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(d, _mm_cmpeq_epi8(x, ef)));
        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
#endif
    while (i < len && (unsigned)(u[i] - '0') >= 10 && u[i] != 0xEF)
        i++;
    return i;
}

/*
 * Digit runs (ASCII or full-width) of the field, in order: the triggers of
 * every digit type. A run is worth reading as a token when it has 7+
 * digits, is followed by a separator and another digit, or follows '(' or
 * '+'. A run after an era letter (S55.3.2) or after a kanji with a hyphen
 * next (神田1-2-3) also triggers a date or an address.
 */
/*
 * Bits of the bytes u[i..) of a range ending at `to` (at most sixteen of
 * them; bit k for u[i + k]) that are 'b' or 'B' (x | 0x20 is 'b' only for
 * those two) or, with high, >= 0x80. Reads only bytes from lo to `to`:
 * sixteen at a time, the last ones by a load that ends at `to`.
 */
static inline unsigned b_bits(const unsigned char *u, size_t lo, size_t i, size_t to, bool high)
{
    size_t n = to - i < 16 ? to - i : 16;
#if defined(__SSE2__)
    const __m128i b = _mm_set1_epi8('b'), sp = _mm_set1_epi8(0x20);
    __m128i x;
    unsigned m;
    if (n == 16 || to - lo >= 16) {
        x = _mm_loadu_si128((const __m128i *)(const void *)(u + to - (n == 16 ? to - i : 16)));
        m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_or_si128(x, sp), b)) |
            (high ? (unsigned)_mm_movemask_epi8(x) : 0u);
        return n == 16 ? m : m >> (16 - n);
    }
    if (n >= 8) {
        /* bytes i..i+7 in the low half, to-8..to-1 in the high half */
        x = _mm_unpacklo_epi64(_mm_loadl_epi64((const __m128i *)(const void *)(u + i)),
                               _mm_loadl_epi64((const __m128i *)(const void *)(u + to - 8)));
    } else {
        uint64_t w = azk_detect__load_short(u + i, n); /* zeros above n: neither */
        x = _mm_loadl_epi64((const __m128i *)(const void *)&w);
    }
    m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_or_si128(x, sp), b)) |
        (high ? (unsigned)_mm_movemask_epi8(x) : 0u);
    return n >= 8 ? (m & 0xFFu) | ((m >> 8) << (n - 8)) : m;
#else
    unsigned m = 0, k;
    (void)lo;
    for (k = 0; k < n; k++)
        if ((u[i + k] | 0x20) == 'b' || (high && u[i + k] >= 0x80))
            m |= 1u << k;
    return m;
#endif
}

/*
 * Can the previous cell of a key-value row name a birth date (the column
 * kind azk_detect__label_before takes from it)? Only a cell of at most 36
 * bytes (the ones it classifies) that azk_column_classify may take for a
 * birth date (columns.c: not an ASCII cell without 'b' / 'B').
 */
static bool prev_may_name_birth(const azk_field *prev)
{
    return prev->len <= PREV_CELL_MAX && azk_column__may_name_birth(prev->ptr, prev->len);
}

/*
 * Can azk_detect__label_before(f, pos, window) be AZK_COL_BIRTH_DATE? Only with a
 * birth label in the window (a matcher label, or ASCII "birth" / "dob":
 * both hold a 'b') or through the previous cell of a key-value row. A
 * cheap test in front of azk_detect__label_before for the dates of every log line.
 * lim: where the window's look for a 'b' starts (pos - window - 5, or 0).
 */
static __attribute__((noinline)) bool birth_look(struct fld *f, size_t pos, size_t lim)
{
    const unsigned char *u = (const unsigned char *)f->s;
    size_t i, from;
    if (f->prev != NULL && pos <= 16 && prev_may_name_birth(f->prev))
        return true;
    for (i = 0; i < f->c->label_count; i++) {
        if (f->c->labels[i].kind == AZK_COL_BIRTH_DATE)
            return true;
    }
    /* u[b_lo..b_hi) was looked at before and holds no 'b' of a birth word:
     * the dates of one line share most of their windows */
    from = lim;
    if (!azk_detect__run_screen_off && lim >= f->b_lo && lim <= f->b_hi)
        from = f->b_hi;
    for (i = from; i < pos; i += 16) {
        unsigned m = b_bits(u, from, i, pos, false);
        while (m != 0) {
            size_t k = i + (size_t)__builtin_ctz(m);
            m &= m - 1;
            /* "birth" / "dob" in any case (| 0x20 may also pass a non-letter:
             * a false yes only costs the full look) */
            if (f->len - k >= 5 && (u[k + 1] | 0x20) == 'i' && (u[k + 2] | 0x20) == 'r' &&
                (u[k + 3] | 0x20) == 't' && (u[k + 4] | 0x20) == 'h')
                return true;
            if (k >= 2 && (u[k - 2] | 0x20) == 'd' && (u[k - 1] | 0x20) == 'o')
                return true;
        }
    }
    if (from < pos) {
        if (from != f->b_hi)
            f->b_lo = from;
        f->b_hi = pos;
    }
    return false;
}

/* The four ASCII digits of a year y as a big-endian number. */
#define YEAR_BYTES(y)                                                                              \
    ((uint32_t)('0' + (y) / 1000) << 24 | (uint32_t)('0' + (y) / 100 % 10) << 16 |                 \
     (uint32_t)('0' + (y) / 10 % 10) << 8 | (uint32_t)('0' + (y) % 10))

/*
 * Can four ASCII digits at u[rs..) start a date? azk_date__parse reads a
 * Gregorian date's year as the digit run it starts with, and no date has a
 * year outside AZK_DATE_YEAR_MIN..MAX: not 7852 of the part number
 * AB-7852-0898 nor 2304 of the job id DM2304-5651. True when the four
 * bytes are not all ASCII digits (full-width digits: the parser decides).
 */
static inline bool year_may_start_date(const unsigned char *u, size_t len, size_t rs)
{
    /* the four bytes as a big-endian number: four ASCII digits compare as
     * their value does; the ends' digits are built from the year macros */
    const uint32_t lo = YEAR_BYTES(AZK_DATE_YEAR_MIN), hi = YEAR_BYTES(AZK_DATE_YEAR_MAX);
    uint32_t w;
    if (rs + 4 > len)
        return true;
    memcpy(&w, u + rs, 4);
    w = __builtin_bswap32(w);
    /* a byte >= 0x80 (a full-width digit after ASCII ones, in digit_run's
     * runs): the parser decides. The callers' runs are four digits, ASCII
     * or full-width, so no other byte is there. */
    return (w & 0x80808080u) != 0 || w - lo <= hi - lo;
}

/*
 * Can year_look find a birth date at the year at pos? birth_look's answer,
 * without a call when the window lies in the part looked at before and the
 * field has no cell before it (a year at a field's start: the window is
 * empty), or when the run is no year a date can have (then date_after
 * would find nothing whatever the label). Matcher labels need no test: with
 * a birth label birth_look says yes before it records a window, and no
 * label ends before a year at the field's start.
 */
static inline bool birth_year_possible(struct fld *f, size_t pos, size_t window)
{
    /* a label ends in the window, its 'b' may be before */
    size_t lim = pos > window + 5 ? pos - window - 5 : 0;
    if (azk_detect__run_screen_off)
        return birth_look(f, pos, lim);
    if (lim >= f->b_lo && pos <= f->b_hi && f->prev == NULL)
        return false;
    if (!year_may_start_date((const unsigned char *)f->s, f->len, pos))
        return false;
    return birth_look(f, pos, lim);
}

/* A year (1980/, 2024-) at rs after a birth label: a birth date. */
static inline void year_look(struct fld *f, size_t rs)
{
    if (want(f->c, AZK_PII_BIRTH_DATE) && f->col != AZK_COL_BIRTH_DATE &&
        birth_year_possible(f, rs, 48) && azk_detect__label_before(f, rs, 48) == AZK_COL_BIRTH_DATE)
        azk_detect__date_after(
            f, rs, 12,
            azk_detect__with_context(0.5, AZK_COL_BIRTH_DATE, f->col, AZK_COL_BIRTH_DATE, 0.9),
            false);
}

/* The digit types whose tokens numeric_from reads (want() of any of them). */
#define NUM_TYPES                                                                                  \
    ((1u << AZK_PII_PHONE) | (1u << AZK_PII_POSTAL_CODE) | (1u << AZK_PII_MY_NUMBER) |             \
     (1u << AZK_PII_CORPORATE_NUMBER) | (1u << AZK_PII_BANK_ACCOUNT) |                             \
     (1u << AZK_PII_CREDIT_CARD))

/*
 * Can azk_detect__label_ends_at(f, pos) (pos > 0) be true? Only when a
 * matcher label ends somewhere in the field, or the two bytes before pos
 * are ASCII letters some ASCII label ends with (`DM2304-`, `v2.4`, the hex
 * digits of `span=4d58`: no). The test switch azk_detect__run_screen_off
 * asks label_ends_at every time.
 */
static inline bool label_may_end_at(const struct fld *f, size_t pos)
{
    const unsigned char *u = (const unsigned char *)f->s;
    unsigned b = u[pos - 1] | 0x20u, a;
    if (f->c->label_count != 0 || azk_detect__run_screen_off)
        return true;
    if (b - 'a' >= 26u || pos < 2)
        return false;
    a = u[pos - 2] | 0x20u;
    return a - 'a' < 26u && ((f->c->eng->ascii_pairs[b - 'a'] >> (a - 'a')) & 1u) != 0;
}

/*
 * Does nothing continue a token of ASCII digit groups whose last group ends
 * at u[e] (no ASCII digit)? Where token_decided's reading stops and settles
 * the end: the field's end, an ASCII byte that is no separator, or one
 * separator then no digit, separator nor non-ASCII byte. False for anything
 * else (a full-width digit or separator may follow: numeric_from decides).
 */
static inline bool token_ends(const unsigned char *u, size_t len, size_t e)
{
    unsigned b;
    if (e == len)
        return true;
    b = u[e];
    if (b >= 0x80)
        return false;
    if (!azk_detect__is_tok_sep(b) || e + 1 == len)
        return true;
    b = u[e + 1];
    return b < 0x80 && (unsigned)(b - '0') >= 10 && !azk_detect__is_tok_sep(b);
}

/*
 * numeric_from's verdict on the token that starts with the run u[rs..i) of
 * nd ASCII digits (c1: the character at i), when digit_run can tell it
 * without reading more than the next group: one group of 7..40 digits (a
 * JAN code, a 7-digit cell), or two groups of four (1234-5678,
 * AB-6194-1611: part numbers, no digit type). The token's end when
 * numeric_from would settle it without a candidate, else 0 (call it).
 */
static inline size_t run_token_end(struct fld *f, size_t rs, size_t i, size_t nd, uint32_t c1)
{
    const unsigned char *u = (const unsigned char *)f->s;
    uint64_t w;
    if (i - rs != nd || azk_detect__numfast_off)
        return 0;
    if (nd >= 7 && nd <= 40)
        return token_ends(u, f->len, i) ? azk_detect__token_verdict(f, rs, i, nd, 1, nd) : 0;
    /* 1234-5678: eight digits in two groups are no type (token_verdict) */
    if (nd == 4 && c1 == '-' && u[i] == '-' && i + 1 < f->len &&
        azk_detect__ascii_digits8(u, i + 1, f->len, &w) == 4 && token_ends(u, f->len, i + 5))
        return i + 5;
    return 0;
}

/*
 * The rare branches of digit_run whose callees take a local's address, out
 * of line: digit_run itself then needs no stack canary (it runs for every
 * digit run worth a look).
 */
static __attribute__((noinline)) bool invoice_before(struct fld *f, size_t rs)
{
    size_t tp;
    return azk_detect__invoice_prefix(f, rs, &tp);
}

/* 神田1-2-3: a block number after a kanji or katakana at pp, the run ending at i. */
static __attribute__((noinline)) void block_after(struct fld *f, size_t pp, size_t i)
{
    size_t l;
    uint32_t cp = azk_detect__cp_at(f, pp, &l);
    if (azk_norm__is_kanji(cp) || azk_norm__is_katakana(cp))
        azk_detect__block_at(f, i);
}

/*
 * One digit run [rs, i) of nd digits: the triggers of every digit type.
 * Only for a run that azk_detect__run_boring keeps: the bytes around it
 * were looked at there (run_rule), but for a run that may be a year.
 */
static void digit_run(struct fld *f, size_t rs, size_t i, size_t nd, bool nums)
{
    const unsigned char *u = (const unsigned char *)f->s;
    size_t len = f->len, l1 = 0, l2 = 0, pp, nd2 = 0;
    uint32_t c0, c1, c2;
    unsigned nb = i < len ? u[i] : 0;
    if (nd == 4 && (nb == '/' || nb == '.' || nb == '-' || nb >= 0x80)) {
        /* a year (1980/, 2024-) after a birth label; what run_rule lets
         * through for it alone is dropped after */
        unsigned pb = rs > 0 ? u[rs - 1] : 0;
        year_look(f, rs);
        if (pb == '-' && rs >= 2 && (unsigned)(u[rs - 2] - '0') < 10)
            return; /* a later group of a token already looked at */
        if (pb == '.' || pb == '/' || pb == '_' || pb == '#' || pb == '\\')
            return;
    }
    c1 = azk_detect__char_at(f, i, &l1);
    c2 = (l1 > 0 && i + l1 < len) ? azk_detect__char_at(f, i + l1, &l2) : 0;
    c0 = azk_detect__char_before(f, rs, &pp);
    if (nums && rs >= f->num_done) {
        size_t start = rs;
        bool go = false;
        if (c0 == '(' || c0 == '+') {
            start = pp;
            go = true;
        } else if (azk_detect__is_alnum(c0) || c0 == '_' || c0 == '.' || c0 == '/' || c0 == '#' ||
                   c0 == '\\') {
            /* inside a word, a version, a path: only after a label (TEL0312345678) */
            go = azk_detect__is_alnum(c0) && !azk_digits__isdigit(c0) &&
                 ((label_may_end_at(f, rs) && azk_detect__label_ends_at(f, rs)) ||
                  ((c0 == 'T' || azk_detect__run_screen_off) && invoice_before(f, rs)));
        } else if (c0 == '-' && azk_digits__isdigit(azk_detect__char_before(f, pp, &pp))) {
            go = false; /* a later group of a token already looked at */
        } else {
            go = true;
        }
        if (go && (c1 >= 'A' && c1 <= 'z' && azk_detect__is_alnum(c1)))
            go = false; /* 35ms, 1980s */
        if (go && nd < 7) {
            /* a short run must be the first group of a plausible grouping */
            if (!(azk_detect__is_tok_sep(c1) && azk_digits__isdigit(c2)) && start == rs)
                go = false;
            else if (start == rs && u[rs] != '0' && !(u[rs] == 0xEF && u[rs + 2] == 0x90)) {
                (void)skip_digits(u, len, i + l1, &nd2);
                go = (nd == 4 && (nd2 == 4 || nd2 == 6)) || (nd == 3 && nd2 == 4) ||
                     (nd == 1 && nd2 == 4);
            }
        }
        if (go && start == rs) {
            /* the JAN codes and part numbers of a product table: no call */
            size_t e = run_token_end(f, rs, i, nd, c1);
            if (e != 0) {
                f->num_done = e;
                go = false;
            }
        }
        if (go)
            azk_detect__numeric_from(f, start, i);
    }
    if (nd <= 2 && azk_detect__is_era_letter(c0) && (c1 == '.' || c1 == '/' || c1 == '-') &&
        want(f->c, AZK_PII_BIRTH_DATE)) {
        size_t p2;
        uint32_t cb = azk_detect__char_before(f, pp, &p2);
        if (!azk_detect__is_alnum(cb))
            azk_detect__era_at(f, pp);
    }
    if (c1 == '-' && azk_digits__isdigit(c2) && c0 == 0xFFFF && want(f->c, AZK_PII_ADDRESS))
        block_after(f, pp, i);
}

#if defined(__SSE2__)
/* Digit, 0xEF and "high bit or '@'" (the matcher screen) bits of the sixteen
 * bytes of x, byte 0 in bit 0. */
static inline void masks16(__m128i x, unsigned *d, unsigned *e, unsigned *w)
{
    __m128i dg = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
                               _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
    *d = (unsigned)_mm_movemask_epi8(dg);
    *e = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xEF)));
    *w = (unsigned)_mm_movemask_epi8(_mm_or_si128(x, _mm_cmpeq_epi8(x, _mm_set1_epi8('@'))));
}

/*
 * The digit and 0xEF masks of the last n (< 64) bytes of a field, u[0..n),
 * with `before` bytes of the field before u: sixteen bytes at a time, the
 * last ones by one load that ends at the field's end (it may overlap bytes
 * seen already, or bytes before u when the field holds them); a field under
 * sixteen bytes by two overlapping 8-byte loads or azk_detect__load_short.
 * Never reads outside the field. Loads from the field itself: a vector load
 * of bytes just copied to a padded block would stall on store forwarding.
 * *wide gets whether a byte of u[0..n) has its high bit set or is '@'
 * (needs_matcher's answer for a whole field under 64 bytes, from the same
 * loads).
 */
static inline void tail_masks(const unsigned char *u, size_t n, size_t before, uint64_t *dm,
                              uint64_t *em, bool *wide)
{
    unsigned d, e, w, wa = 0;
    size_t m = 0;
    if (n + before >= 16) {
        for (; m + 16 <= n; m += 16) {
            masks16(_mm_loadu_si128((const __m128i *)(const void *)(u + m)), &d, &e, &w);
            *dm |= (uint64_t)d << m;
            *em |= (uint64_t)e << m;
            wa |= w;
        }
        if (m < n) {
            /* bit j of a load at u + n - 16 is byte n - 16 + j */
            masks16(_mm_loadu_si128((const __m128i *)(const void *)(u + n - 16)), &d, &e, &w);
            *dm |= (uint64_t)(d >> (16 - (n - m))) << m;
            *em |= (uint64_t)(e >> (16 - (n - m))) << m;
            wa |= w >> (16 - (n - m));
        }
        *wide = wa != 0;
        return;
    }
    if (n >= 8) {
        /* bytes 0..7 in the low half, n-8..n-1 in the high half */
        __m128i lo = _mm_loadl_epi64((const __m128i *)(const void *)u);
        __m128i hi = _mm_loadl_epi64((const __m128i *)(const void *)(u + n - 8));
        masks16(_mm_unpacklo_epi64(lo, hi), &d, &e, &w);
        *dm |= (d & 0xFFu) | ((uint64_t)(d >> 8) << (n - 8));
        *em |= (e & 0xFFu) | ((uint64_t)(e >> 8) << (n - 8));
        *wide = w != 0;
        return;
    }
    /* zero bytes above n are neither a digit, 0xEF, high nor '@' */
    {
        uint64_t x = azk_detect__load_short(u, n);
        masks16(_mm_loadl_epi64((const __m128i *)(const void *)&x), &d, &e, &w);
    }
    *dm |= d;
    *em |= e;
    *wide = w != 0;
}

/*
 * tail_masks' digit mask and matcher screen (*wide) of a short cell u[0..n)
 * without its 0xEF mask: a cell that is not wide has none, and the row walk
 * makes it only for the wide ones. Inlined, the dead mask is not made.
 */
static inline uint64_t cell_masks(const unsigned char *u, size_t n, bool *wide)
{
    uint64_t dm = 0, em = 0;
    tail_masks(u, n, 0, &dm, &em, wide);
    return dm;
}
#endif

/*
 * The runs of the verdicts from RUN_SEP on, u[rs..e) of nd ASCII digits
 * (the run walk's: no full-width digit in their block), settled as
 * digit_run would settle them, or given to it:
 * - RUN_SEP: under 7 digits before a space or a parenthesis, not after
 *   '(', '+', a non-ASCII byte or '-' (12:34:56 INFO, id=42 rows). A short
 *   run starts a token only with a digit after the separator (ASCII or
 *   full-width: no other code point folds to a digit, azk_digits__is_digit_cp),
 *   and no other rule takes a separator (件数=73781 所要: nothing to decode).
 * - RUN_PLUS: after '+', before an ASCII byte other than '-', '.', '/'
 *   (+09:00, +0900]). numeric_from at the '+' reads a token only when 8
 *   follows it (+81), else ends it at e; nothing before a letter (+09ms).
 * - RUN_CELL: 7..40 digits after a byte that is no letter nor '(', '+',
 *   '-', '.', '/', '_', '#', '\\' (or at the field's start), before no '-'
 *   nor non-ASCII byte (JAN codes, 7-digit cells): token_verdict's end
 *   when nothing continues the token (token_ends), no token before a
 *   letter.
 * - RUN_DATE: four digits before '-' after such a byte or '-'
 *   (2024-03-07, AB-0088-4234): the year's look, then the token of
 *   digit_run's grouping test (the next group of 4 or 6 digits, or a run
 *   from 0): 1234-5678 ends at once (no type), the rest is read by
 *   numeric_from.
 * - RUN_DATE_WORD: four digits before '-' after a letter (DM2304-5651):
 *   the year's look alone, unless a label or an invoice T may end there.
 * A byte >= 0x80 where digit_run would decode it sends the run to
 * digit_run before anything is done here.
 * One function a verdict (the table run_settle, below), out of line: each
 * saves only the registers its own case needs (one function with a switch
 * saved six on every call: ~30 instructions a run). A run walk's run has
 * nd = e - rs ASCII digits.
 */
typedef void settle_fn(struct fld *f, size_t rs, size_t e, bool nums);

static __attribute__((noinline)) void settle_sep(struct fld *f, size_t rs, size_t e, bool nums)
{
    const unsigned char *u = (const unsigned char *)f->s;
    if (e + 1 >= f->len || !is_digit_at(u, f->len, e + 1))
        return;
    digit_run(f, rs, e, e - rs, nums);
}

static __attribute__((noinline)) void settle_plus(struct fld *f, size_t rs, size_t e, bool nums)
{
    const unsigned char *u = (const unsigned char *)f->s;
    if (u[rs] == '8' || azk_detect__numfast_off) {
        digit_run(f, rs, e, e - rs, nums);
        return;
    }
    if (nums && rs - 1 >= f->num_done && (e == f->len || (u[e] | 0x20u) - 'a' >= 26u))
        f->num_done = e;
}

static __attribute__((noinline)) void settle_cell(struct fld *f, size_t rs, size_t e, bool nums)
{
    const unsigned char *u = (const unsigned char *)f->s;
    const size_t len = f->len;
    if (!nums || rs < f->num_done || (e < len && (u[e] | 0x20u) - 'a' < 26u))
        return;
    if (!azk_detect__numfast_off && token_ends(u, len, e)) {
        size_t x = azk_detect__token_verdict(f, rs, e, e - rs, 1, e - rs);
        if (x != 0) {
            f->num_done = x;
            return;
        }
    }
    digit_run(f, rs, e, e - rs, nums);
}

static __attribute__((noinline)) void settle_date(struct fld *f, size_t rs, size_t e, bool nums)
{
    const unsigned char *u = (const unsigned char *)f->s;
    const size_t len = f->len;
    unsigned b2;
    uint64_t w;
    size_t k = 0;
    if (rs >= 2 && u[rs - 1] == '-') {
        if (u[rs - 2] >= 0x80) {
            digit_run(f, rs, e, e - rs, nums); /* a full-width digit before the '-'? */
            return;
        }
        if ((unsigned)(u[rs - 2] - '0') < 10) {
            year_look(f, rs); /* a later group of a token */
            return;
        }
    }
    b2 = e + 1 < len ? u[e + 1] : 0;
    if (b2 >= 0x80) {
        digit_run(f, rs, e, e - rs, nums);
        return;
    }
    if ((unsigned)(b2 - '0') < 10) {
        /* the next group's digits (skip_digits' count) */
        k = azk_detect__ascii_digits8(u, e + 1, len, &w);
        if (k < 8 && e + 1 + k < len && u[e + 1 + k] == 0xEF) {
            digit_run(f, rs, e, e - rs, nums);
            return;
        }
    }
    year_look(f, rs);
    if (!nums || rs < f->num_done || k == 0 || (u[rs] != '0' && k != 4 && k != 6))
        return;
    if (k == 4 && !azk_detect__numfast_off && token_ends(u, len, e + 5))
        f->num_done = e + 5; /* 1234-5678: no type */
    else
        azk_detect__numeric_from(f, rs, e);
}

static __attribute__((noinline)) void settle_date_word(struct fld *f, size_t rs, size_t e,
                                                       bool nums)
{
    const unsigned char *u = (const unsigned char *)f->s;
    if (u[rs - 1] == 'T' || label_may_end_at(f, rs)) {
        digit_run(f, rs, e, e - rs, nums);
        return;
    }
    year_look(f, rs);
}

/* The settling of verdict v (RUN_SEP and after): run_settle[v - RUN_SEP]. */
static settle_fn *const run_settle[] = {settle_sep, settle_plus, settle_cell, settle_date,
                                        settle_date_word};
_Static_assert(sizeof(run_settle) / sizeof(run_settle[0]) == RUN_DATE_WORD - RUN_SEP + 1,
               "a settling for every verdict from RUN_SEP on");

/*
 * A run u[rs..e) of nd ASCII digits by its verdict v
 * (azk_detect__run_verdict, not RUN_BORING): its year's look (RUN_YEAR),
 * dropped (RUN_DASHED after a digit), settled by run_settle, or given to
 * digit_run. In the run walk only (not under azk_detect__run_screen_off).
 */
static inline __attribute__((always_inline)) void run_at(struct fld *f, unsigned v, size_t rs,
                                                         size_t e, size_t nd, bool nums)
{
    const unsigned char *u = (const unsigned char *)f->s;
    if (v == RUN_YEAR)
        year_look(f, rs);
    else if (v >= RUN_SEP)
        run_settle[v - RUN_SEP](f, rs, e, nums);
    else if (v == RUN_LOOK || rs < 2 || (unsigned)(u[rs - 2] - '0') >= 10)
        digit_run(f, rs, e, nd, nums);
}

#if defined(__SSE2__)
/*
 * The digit runs of the 64-byte block of the field at u[i..) (n = its bytes
 * in the field, <= 64), from its digit mask dm; the block holds no 0xEF
 * (no full-width digit). The run that crosses in from the block before was
 * handled there; the run that reaches the block's end is followed into the
 * next block. Returns on f->rc != AZK_OK.
 */
static inline __attribute__((always_inline)) void
block_runs(struct fld *f, size_t i, size_t n, uint64_t dm, const struct run_screen *scr, bool nums)
{
    const unsigned char *u = (const unsigned char *)f->s;
    size_t rs, len = f->len, nd = 0;
    if (i > 0 && (unsigned)(u[i - 1] - '0') < 10)
        dm &= dm + 1; /* the run that crosses in was handled before */
    /* the first and the last digit of every run, in pairs */
    uint64_t st = dm & ~(dm << 1), en = dm & ~(dm >> 1), last = 0, edge = 0;
    if ((int64_t)en < 0) {
        /* a run to the block's end may go on in the next block */
        last = 1ull << (63 - __builtin_clzll(st));
        st ^= last;
        en ^= 1ull << 63;
    } else if (n < 64 && ((en >> (n - 1)) & 1) != 0) {
        /* a run to the field's end: no byte after it to read */
        edge = 1ull << (63 - __builtin_clzll(st));
        st ^= edge;
        en ^= 1ull << (n - 1);
    }
    if (i == 0 && (st & 1) != 0) {
        /* a run from the field's start: no byte before it */
        size_t eb = (size_t)__builtin_ctzll(en);
        st ^= 1;
        en &= en - 1;
        unsigned v = azk_detect__run_verdict(scr, 0, u[eb + 1], eb + 1);
        if (v != RUN_BORING)
            run_at(f, v, 0, eb + 1, eb + 1, nums);
        if (f->rc != AZK_OK)
            return;
    }
    /* the others have a byte before and after them in the field: bit k of
     * ea is the byte after a run (en's bit 63 is cleared above, so none is
     * lost), and the bytes are read from ub, the block's start */
    {
        const unsigned char *ub = u + i;
        uint64_t ea = en << 1;
        while (st != 0) {
            size_t sb = (unsigned)__builtin_ctzll(st), e = (unsigned)__builtin_ctzll(ea);
            unsigned v;
            st &= st - 1;
            ea &= ea - 1;
            v = azk_detect__run_verdict(scr, ub[(ptrdiff_t)sb - 1], ub[e], e - sb);
            if (v == RUN_BORING)
                continue;
            run_at(f, v, i + sb, i + e, e - sb, nums);
            if (f->rc != AZK_OK)
                return;
        }
    }
    if (edge != 0) {
        rs = i + (size_t)__builtin_ctzll(edge);
        unsigned v =
            azk_detect__run_verdict(scr, rs > 0 ? u[rs - 1] : 0, 0, len - rs < 63 ? len - rs : 63);
        if (v != RUN_BORING)
            run_at(f, v, rs, len, len - rs, nums);
    }
    if (last != 0) {
        size_t e;
        rs = i + (size_t)__builtin_ctzll(last);
        e = skip_digits(u, len, rs, &nd);
        if (!azk_detect__run_boring(scr, u, len, rs, e, nd))
            digit_run(f, rs, e, nd, nums);
    }
}
#endif

/*
 * The digit runs of the field. pre: the digit and 0xEF masks of every
 * 64-byte block (pre[2k], pre[2k + 1]), computed by the caller (a field
 * under 64 bytes: tail_masks with the matcher screen; up to FIELD_MASK_MAX
 * bytes: azk_detect__field_masks), else NULL. A block that does not start
 * at a multiple of 64 (after a run of full-width digits that crossed the
 * block's end) makes its own.
 */
static void digit_runs(struct fld *f, const uint64_t *pre)
{
    const unsigned char *u = (const unsigned char *)f->s;
    size_t i = 0, len = f->len;
    bool nums = (f->c->eng->types & NUM_TYPES) != 0;
    const struct run_screen *scr = &f->c->eng->runs;
    const bool off = azk_detect__run_screen_off; /* tests: every run byte by byte to digit_run */
    while (i < len && f->rc == AZK_OK) {
        size_t rs, nd = 0;
#if defined(__SSE2__)
        {
            /* runs from a 64-bit digit mask, without a branch per byte; the
             * tail of the field (short cells: all of it) by tail_masks, as a
             * vector load of bytes just copied to a padded block stalls on
             * store forwarding */
            uint64_t dm = 0, em = 0;
            int k;
            if (pre != NULL && (i & 63) == 0) {
                dm = pre[i / 32];
                em = pre[i / 32 + 1];
            } else if (i + 64 > len) {
                bool w;
                tail_masks(u + i, len - i, i, &dm, &em, &w);
            } else {
                for (k = 0; k < 4; k++) {
                    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(u + i + 16 * k));
                    __m128i d = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
                                              _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
                    dm |= (uint64_t)(unsigned)_mm_movemask_epi8(d) << (16 * k);
                    em |= (uint64_t)(unsigned)_mm_movemask_epi8(
                              _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xEF)))
                          << (16 * k);
                }
            }
            if (em == 0 && !off) {
                block_runs(f, i, len - i < 64 ? len - i : 64, dm, scr, nums);
                i += 64;
                continue;
            }
        }
#else
        (void)pre;
        (void)off;
#endif
        /* a block with a full-width digit (or no SSE2, or the screen off): byte by byte */
        {
            size_t stop = i + 64 < len ? i + 64 : len;
            while (i < stop && f->rc == AZK_OK) {
                i = next_digit_candidate(u, stop, i);
                if (i >= stop)
                    break;
                if (!is_digit_at(u, len, i) || (i > 0 && (unsigned)(u[i - 1] - '0') < 10)) {
                    /* not a digit, or the rest of a run handled before */
                    i++;
                    continue;
                }
                rs = i;
                i = skip_digits(u, len, i, &nd);
                if (!azk_detect__run_boring(scr, u, len, rs, i, nd))
                    digit_run(f, rs, i, nd, nums);
            }
            if (i < stop)
                i = stop;
        }
    }
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *payload)
{
    azk_detect_ctx *c = payload;
    (void)from;
    (void)flags;
    if (c->hit_count == c->hit_cap && c->hit_cap * 2 > MAX_HITS)
        return 1; /* stop: enough candidates for one field */
    if (azk_array_reserve(&c->hits, &c->hit_cap, c->hit_count, sizeof(*c->hits), 256) != AZK_OK) {
        c->hit_oom = true;
        return 1;
    }
    c->hits[c->hit_count].id = id;
    c->hits[c->hit_count].to = (uint32_t)to;
    c->hit_count++;
    return 0;
}

static int cmp_hit(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    if (x->to != y->to)
        return x->to < y->to ? -1 : 1;
    return x->id < y->id ? -1 : (x->id > y->id ? 1 : 0);
}

static azk_status add_label(azk_detect_ctx *c, size_t end, azk_column_kind k)
{
    azk_status rc =
        azk_array_reserve(&c->labels, &c->label_cap, c->label_count, sizeof(*c->labels), 16);
    if (rc != AZK_OK)
        return rc;
    c->labels[c->label_count].end = end;
    c->labels[c->label_count].kind = k;
    c->label_count++;
    return AZK_OK;
}

/*
 * Can the matcher find anything in p[0..n)? Every built-in literal holds a
 * byte >= 0x80 (kanji, kana, full-width) or is '@': an ASCII field without
 * '@' (most CSV cells, codes, numbers) skips hs_scan and its per-call cost.
 */
static bool needs_matcher(const unsigned char *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    const uint64_t at = 0x4040404040404040ull; /* '@' in every byte */
    size_t i = 0;
    uint64_t w, x;
#if defined(__SSE2__)
    if (n >= 16) {
        /* sixteen bytes a load: a high bit is the byte's sign, '@' one compare;
         * the last load ends at the field's end (overlapping bytes seen) */
        const __m128i atv = _mm_set1_epi8('@');
        __m128i v;
        for (; i + 16 <= n; i += 16) {
            v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            if (_mm_movemask_epi8(_mm_or_si128(v, _mm_cmpeq_epi8(v, atv))) != 0)
                return true;
        }
        if (i == n)
            return false;
        v = _mm_loadu_si128((const __m128i *)(const void *)(p + n - 16));
        return _mm_movemask_epi8(_mm_or_si128(v, _mm_cmpeq_epi8(v, atv))) != 0;
    }
#endif
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        x = w ^ at;
        if ((w & highs) != 0 || ((x - ones) & ~x & highs) != 0)
            return true;
    }
    if (i == n)
        return false;
    if (n >= 8)
        memcpy(&w, p + n - 8, 8); /* the rest, overlapping bytes seen already */
    else
        w = azk_detect__load_short(p, n); /* zero bytes above n: neither */
    x = w ^ at;
    return (w & highs) != 0 || ((x - ones) & ~x & highs) != 0;
}

/*
 * A cell of a row without header that is exactly one name: a lexicon
 * surname (kanji, or its katakana reading), one space, a given-name-shaped
 * run (1-3 kanji or 2-4 hiragana, 2-6 katakana): 宮崎 悠真, 今井 さくら,
 * ミヤザキ ユウマ in print data.
 * The cell is then judged as a name column's cell (organisation words,
 * placeholders); the given name need not be in the lexicon.
 */
static azk_column_kind headerless_name_cell(const azk_detect_ctx *c, const struct fld *f)
{
    size_t p = 0, a_end, l = 0, n1 = 0, n2 = 0;
    bool kana, hira;
    uint32_t cp;
    if (c->eng->names == NULL || f->len > 64 || f->len == 0)
        return AZK_COL_NONE;
    cp = azk_detect__cp_at(f, 0, &l);
    kana = azk_norm__is_katakana(cp);
    if (!kana && !azk_norm__is_kanji(cp))
        return AZK_COL_NONE;
    while (p < f->len && (kana ? azk_norm__is_katakana(azk_detect__cp_at(f, p, &l))
                               : azk_norm__is_kanji(azk_detect__cp_at(f, p, &l)))) {
        p += l;
        n1++;
    }
    a_end = p;
    cp = azk_detect__cp_at(f, p, &l);
    if (cp != ' ' && cp != 0x3000)
        return AZK_COL_NONE;
    p += l;
    cp = azk_detect__cp_at(f, p, &l);
    hira = !kana && azk_norm__is_hiragana(cp); /* 今井 さくら */
    while (p < f->len) {
        cp = azk_detect__cp_at(f, p, &l);
        if (!(kana   ? azk_norm__is_katakana(cp)
              : hira ? azk_norm__is_hiragana(cp)
                     : azk_norm__is_kanji(cp)))
            break;
        p += l;
        n2++;
    }
    if (p != f->len || n1 > (kana ? 6u : 4u) || n1 < (kana ? 2u : 1u) ||
        n2 < (kana || hira ? 2u : 1u) ||
        n2 > (kana   ? 6u
              : hira ? 4u
                     : 3u))
        return AZK_COL_NONE;
    if (!azk_names__is_family(c->eng->names, f->s, a_end))
        return AZK_COL_NONE;
    return kana ? AZK_COL_NAME_KANA : AZK_COL_NAME;
}

/* The per-field part of the state: what a field of a row sets anew. */
static inline void fld_start(struct fld *f, const azk_field *fd, uint32_t idx, azk_column_kind col,
                             const azk_field *prev)
{
    f->s = fd->ptr;
    f->len = fd->len;
    f->idx = idx;
    f->col = col;
    f->num_done = 0;
    f->prev = prev;
    f->prev_kind = -1;
    f->b_lo = f->b_hi = 0;
}

static azk_status scan_masked(azk_detect_ctx *c, const azk_field *fd, uint32_t idx,
                              azk_column_kind col, bool tabular, const azk_field *prev,
                              const uint64_t *prep, bool wide);

azk_status azk_detect__scan_field(azk_detect_ctx *c, const azk_field *fd, uint32_t idx,
                                  azk_column_kind col, bool tabular, const azk_field *prev)
{
    bool wide;
    uint64_t pre[2 * (FIELD_MASK_MAX / 64)];
    const uint64_t *prep = NULL;
    if (fd->len == 0 || fd->ptr == NULL)
        return AZK_OK;
    if (fd->len > UINT32_MAX)
        return azk_error_set(AZK_ERR_LIMIT, "detect: field %u longer than 4 GiB", idx);
#if defined(__SSE2__)
    if (fd->len < 64) {
        /* a short field (most cells): the matcher screen and the digit
         * masks from the same loads */
        pre[0] = pre[1] = 0;
        tail_masks((const unsigned char *)fd->ptr, fd->len, 0, &pre[0], &pre[1], &wide);
        prep = pre;
#if AZK_FIELD_MASKS
    } else if (fd->len <= FIELD_MASK_MAX && c->eng->masks_vec && !azk_detect__field_masks_off) {
        /* a log line: the matcher screen and every block's masks in one pass */
        wide = azk_detect__field_masks(c->eng, (const unsigned char *)fd->ptr, fd->len, pre);
        prep = pre;
#endif
    } else {
        wide = needs_matcher((const unsigned char *)fd->ptr, fd->len);
    }
#else
    (void)pre;
    wide = needs_matcher((const unsigned char *)fd->ptr, fd->len);
#endif
    return scan_masked(c, fd, idx, col, tabular, prev, prep, wide);
}

bool azk_detect__cell_fast_off;

/* The column kind of a cell: the header's kind, cached per column. */
static azk_column_kind column_of(const azk_detect_ctx *c, const azk_field *fd)
{
    if (c->cols != NULL && fd->col < c->col_count)
        return c->cols[fd->col];
    if (fd->header != NULL)
        return azk_column_classify(fd->header, fd->header_len);
    return AZK_COL_NONE;
}

/* The cell before fields[i], its label in a key-value row: only for a cell
 * without a column kind of its own. */
static inline const azk_field *cell_prev(const azk_field *fields, size_t i, azk_column_kind col)
{
    return i > 0 && (col == AZK_COL_NONE || col == AZK_COL_OTHER) ? &fields[i - 1] : NULL;
}

#if defined(__SSE2__)
/*
 * scan_row's walk with the short ASCII cells' fast path. The cell before
 * (cell_prev) is found only for a cell that is looked at: most short cells
 * end at their masks.
 */
static azk_status scan_cells(azk_detect_ctx *c, const azk_field *fields, size_t count)
{
    size_t i;
    struct fld f;
    const size_t ncols = c->cols != NULL ? c->col_count : 0;
    const azk_column_kind *cols = c->cols;
    const struct run_screen *scr = &c->eng->runs;
    const bool nums = (c->eng->types & NUM_TYPES) != 0;
    memset(&f, 0, sizeof(f));
    f.c = c;
    f.tabular = true;
    f.rc = AZK_OK;
    for (i = 0; i < count; i++) {
        const azk_field *fd = &fields[i];
        azk_column_kind col = fd->col < ncols ? cols[fd->col] : column_of(c, fd);
        azk_status rc;
        if (fd->len - 1 < 63 && fd->ptr != NULL) {
            const unsigned char *u = (const unsigned char *)fd->ptr;
            bool wide;
            const uint64_t dm = cell_masks(u, fd->len, &wide);
            if (wide || col == AZK_COL_BIRTH_DATE) {
                /* scan_field with the masks made here: the 0xEF mask now
                 * (its digit mask and screen, made again, are dead); the
                 * masks go through memory only on this path */
                uint64_t pre[2], dm2 = 0;
                bool w;
                pre[0] = dm;
                pre[1] = 0;
                tail_masks(u, fd->len, 0, &dm2, &pre[1], &w);
                rc = scan_masked(c, fd, (uint32_t)i, col, true, cell_prev(fields, i, col), pre,
                                 wide);
                if (rc != AZK_OK)
                    return rc;
                continue;
            }
            /* no byte >= 0x80 (so no 0xEF) nor '@': what scan_field does
             * with no hit and no label. In an address column it then asks
             * address_cell, which takes no cell without a letter or without
             * a digit (no municipality: that needs a kanji or kana) */
            if (dm == 0)
                continue; /* no digit: no run, no address */
            if (dm == ~(uint64_t)0 >> (64 - fd->len)) {
                /* all digits (amounts, codes, JAN, phone and postal
                 * numbers): one run with no byte before or after it,
                 * decided on its length alone (block_runs' run to the
                 * field's end); no letter, so no address */
                unsigned v = azk_detect__run_verdict(scr, 0, 0, fd->len);
                if (v == RUN_BORING)
                    continue;
                fld_start(&f, fd, (uint32_t)i, col, cell_prev(fields, i, col));
                c->hit_count = 0;
                c->label_count = 0;
                run_at(&f, v, 0, fd->len, fd->len, nums);
                if (f.rc != AZK_OK)
                    return f.rc;
                continue;
            }
            fld_start(&f, fd, (uint32_t)i, col, cell_prev(fields, i, col));
            c->hit_count = 0;
            c->label_count = 0;
            block_runs(&f, 0, fd->len, dm, scr, nums);
            if (f.rc == AZK_OK && col == AZK_COL_ADDRESS && want(c, AZK_PII_ADDRESS))
                azk_detect__address_cell(&f);
            if (f.rc != AZK_OK)
                return f.rc;
            continue;
        }
        rc = azk_detect__scan_field(c, fd, (uint32_t)i, col, true, cell_prev(fields, i, col));
        if (rc != AZK_OK)
            return rc;
    }
    return AZK_OK;
}
#endif

/*
 * The cells of a row, in order (a cell's previous one is its label in a
 * key-value row). A short ASCII cell without '@' (codes, numbers, dates:
 * most cells) outside a birth-date column can hold nothing but digit runs
 * (and, in an address column, an address of ASCII words and numbers):
 * scan_field would find no matcher hit, no label and no name in it, so its
 * runs are walked here with the row's set-up, not a field's (scan_cells).
 */
azk_status azk_detect__scan_row(azk_detect_ctx *c, const azk_field *fields, size_t count)
{
    size_t i;
    const size_t ncols = c->cols != NULL ? c->col_count : 0;
#if defined(__SSE2__)
    if (!azk_detect__cell_fast_off && !azk_detect__run_screen_off)
        return scan_cells(c, fields, count);
#endif
    for (i = 0; i < count; i++) {
        const azk_field *fd = &fields[i];
        azk_column_kind col = fd->col < ncols ? c->cols[fd->col] : column_of(c, fd);
        azk_status rc =
            azk_detect__scan_field(c, fd, (uint32_t)i, col, true, cell_prev(fields, i, col));
        if (rc != AZK_OK)
            return rc;
    }
    return AZK_OK;
}

static azk_status scan_masked(azk_detect_ctx *c, const azk_field *fd, uint32_t idx,
                              azk_column_kind col, bool tabular, const azk_field *prev,
                              const uint64_t *prep, bool wide)
{
    struct fld f;
    size_t i;
    hs_error_t herr;
    memset(&f, 0, sizeof(f));
    f.c = c;
    f.tabular = tabular;
    f.rc = AZK_OK;
    fld_start(&f, fd, idx, col, prev);
    c->hit_count = 0;
    c->hit_oom = false;
    c->label_count = 0;
    herr = HS_SUCCESS;
    /* fields in which no literal can occur skip hs_scan (detect_lits.c) */
    if (wide && azk_detect__lit_may_hit(&c->eng->lits, (const unsigned char *)fd->ptr, fd->len))
        herr = hs_scan(c->eng->db, fd->ptr, (unsigned int)fd->len, 0, c->scratch, on_match, c);
    if (c->hit_oom)
        return azk_error_nomem();
    if (herr != HS_SUCCESS && herr != HS_SCAN_TERMINATED)
        return azk_error_set(AZK_ERR_FORMAT, "detect: matcher failed on field %u", idx);
    if (c->hit_count > 1)
        qsort(c->hits, c->hit_count, sizeof(*c->hits), cmp_hit);
    /* labels first: every candidate looks back for them */
    for (i = 0; i < c->hit_count; i++) {
        size_t id = c->hits[i].id;
        if (id < N_LITS && azk_detect__lits[id].kind == PK_LABEL) {
            azk_status rc = add_label(c, c->hits[i].to, (azk_column_kind)azk_detect__lits[id].arg);
            if (rc != AZK_OK)
                return rc;
        }
    }
    /* hits are sorted by end, then id: literals in table order, then prefectures */
    for (i = 0; i < c->hit_count && f.rc == AZK_OK; i++) {
        size_t id = c->hits[i].id, to = c->hits[i].to;
        if (id < N_LITS) {
            if (azk_detect__lits[id].kind != PK_LABEL)
                literal_hit(&f, &azk_detect__lits[id], to);
        } else if (id - N_LITS < 47 && want(c, AZK_PII_ADDRESS)) {
            azk_detect__prefecture_at(&f, id - N_LITS, to);
        }
    }
    if (f.rc == AZK_OK)
        digit_runs(&f, prep);
    if (col != AZK_COL_BIRTH_DATE && want(c, AZK_PII_BIRTH_DATE)) {
        for (i = 0; i < c->label_count && f.rc == AZK_OK; i++) {
            if (c->labels[i].kind == AZK_COL_BIRTH_DATE)
                azk_detect__date_after(
                    &f, c->labels[i].end, 48,
                    azk_detect__with_context(0.5, AZK_COL_BIRTH_DATE, col, AZK_COL_BIRTH_DATE, 0.9),
                    false);
        }
    }
    if (f.rc != AZK_OK)
        return f.rc;
    if (col == AZK_COL_BIRTH_DATE && want(c, AZK_PII_BIRTH_DATE)) {
        size_t s = 0, l;
        while (s < f.len &&
               (azk_detect__cp_at(&f, s, &l) == ' ' || azk_detect__cp_at(&f, s, &l) == 0x3000))
            s += l;
        azk_detect__date_after(&f, s, 24, 0.95, true);
    }
    if (col == AZK_COL_ADDRESS && want(c, AZK_PII_ADDRESS))
        azk_detect__address_cell(&f);
    if (f.rc != AZK_OK)
        return f.rc;
    /* names need a kanji or kana: a field without a byte >= 0x80 (not
     * wide) holds none, and azk_names__scan would only find that out */
    if (c->names_ctx != NULL && wide) {
        azk_status rc;
        if (tabular && col == AZK_COL_NONE && !c->header_seen)
            col = headerless_name_cell(c, &f);
        rc = azk_names__scan(c->names_ctx, f.s, f.len, col, on_name, &f);
        if (rc != AZK_OK)
            return rc;
    }
    return f.rc;
}
