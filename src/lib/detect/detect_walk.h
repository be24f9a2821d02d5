/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_walk.h -- the inline pieces the field scan and row walk
 * (detect_field.c) and the digit-run rules (detect_runs.c) share (internal
 * to those files): the per-field state's set-up, the SSE2
 * digit / 0xEF / matcher-screen masks of a field's tail or a short cell, the
 * run walk of a 64-bit digit mask (block_runs) and a run's dispatch by its
 * verdict (run_at), the year screen in front of the birth-label look. They
 * run for every cell and every digit run and stay inline (one copy of each,
 * here); the out-of-line rules they call are declared below.
 */
#ifndef AZK_DETECT_WALK_H
#define AZK_DETECT_WALK_H

#include "detect/detect_scan.h"
#include "norm/datetime.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

static inline bool want(const azk_detect_ctx *c, azk_pii_type t)
{
    return (c->eng->types & (1u << t)) != 0;
}

/* The digit types whose tokens numeric_from reads (want() of any of them). */
#define NUM_TYPES                                                                                  \
    ((1u << AZK_PII_PHONE) | (1u << AZK_PII_POSTAL_CODE) | (1u << AZK_PII_MY_NUMBER) |             \
     (1u << AZK_PII_CORPORATE_NUMBER) | (1u << AZK_PII_BANK_ACCOUNT) |                             \
     (1u << AZK_PII_CREDIT_CARD))

static inline bool is_digit_at(const unsigned char *u, size_t len, size_t i)
{
    return (unsigned)(u[i] - '0') < 10 ||
           (u[i] == 0xEF && i + 2 < len && u[i + 1] == 0xBC && (unsigned)(u[i + 2] - 0x90) < 10);
}

/* Skip a run of digits from i; *count gets the digit count. */
static inline size_t skip_digits(const unsigned char *u, size_t len, size_t i, size_t *count)
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

/* Hidden, as every library symbol but the API, and said so at the
 * declaration: the field scan then reaches the table directly, not through
 * the GOT (that cost its run loop a register: +0.3% on the bench slice). */
#define AZK_WALK_HIDDEN __attribute__((visibility("hidden")))
/*
 * The rules of detect_runs.c the inline walk calls: the birth-label look
 * (year_look), one digit run's triggers (digit_run), and the settling of
 * the verdicts from RUN_SEP on (azk_detect__run_settle[v - RUN_SEP]; u[rs..e)
 * of e - rs ASCII digits).
 */
AZK_WALK_HIDDEN bool azk_detect__birth_look(struct fld *f, size_t pos, size_t lim);
AZK_WALK_HIDDEN void azk_detect__digit_run(struct fld *f, size_t rs, size_t i, size_t nd,
                                           bool nums);
typedef void azk_detect__settle_fn(struct fld *f, size_t rs, size_t e, bool nums);
extern AZK_WALK_HIDDEN azk_detect__settle_fn
    *const azk_detect__run_settle[RUN_DATE_WORD - RUN_SEP + 1];

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
        return azk_detect__birth_look(f, pos, lim);
    if (lim >= f->b_lo && pos <= f->b_hi && f->prev == NULL)
        return false;
    if (!year_may_start_date((const unsigned char *)f->s, f->len, pos))
        return false;
    return azk_detect__birth_look(f, pos, lim);
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
        azk_detect__run_settle[v - RUN_SEP](f, rs, e, nums);
    else if (v == RUN_LOOK || rs < 2 || (unsigned)(u[rs - 2] - '0') >= 10)
        azk_detect__digit_run(f, rs, e, nd, nums);
}

/*
 * The index of the lowest set bit of x (x != 0) as a 64-bit value, for the
 * run loop below. __builtin_ctzll is an int: gcc sign-extends it at each
 * use as an index and, tuning for CPUs where tzcnt waits on its output
 * register, zeroes that register first (4 of ~21 instructions a boring
 * run). `rep bsf` is tzcnt on CPUs with BMI1 and bsf on the others: the same
 * answer for x != 0.
 */
static inline uint64_t low_bit(uint64_t x)
{
#if defined(__x86_64__) && defined(__GNUC__)
    uint64_t r;
    __asm__("rep bsfq %1, %0" : "=r"(r) : "rm"(x) : "cc");
    return r;
#else
    return (uint64_t)__builtin_ctzll(x);
#endif
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
            size_t sb = low_bit(st), e = low_bit(ea); /* ea != 0: a run has an end */
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
            azk_detect__digit_run(f, rs, e, nd, nums);
    }
}
#endif

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

#endif
