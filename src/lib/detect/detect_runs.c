/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_runs.c -- the rules of one digit run (ASCII or full-width)
 * of a field, found by the run walk (detect_walk.h block_runs, the field
 * scan's digit_runs): digit_run, the triggers of every digit type, the
 * settling of the runs whose verdict (run_screen.c) lets the bytes around
 * them decide (azk_detect__run_settle), and the birth-label look in front of
 * a year. A run is worth reading as a token when it has 7+ digits, is
 * followed by a separator and another digit, or follows '(' or '+'. A run
 * after an era letter (S55.3.2) or after a kanji with a hyphen next
 * (神田1-2-3) also triggers a date or an address.
 */
#include "detect/detect.h"
#include "detect/detect_int.h"
#include "detect/detect_scan.h"
#include "detect/detect_walk.h"
#include "norm/digits.h"
#include "norm/norm.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

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
__attribute__((noinline)) bool azk_detect__birth_look(struct fld *f, size_t pos, size_t lim)
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
 * Is the run that ends at u[i] (nd < 7 digits) left alone by the character
 * after it: no token separator with a digit after it (a token's first
 * group), and after one or two digits no '.', '/' nor '-' (an era date)?
 * Then digit_run has nothing to do with it but a token from a '(' or '+'
 * before it (the year's look comes first), and no era date nor block number
 * (a '-' and a digit) can follow. ASCII is itself; a character >= 0x80
 * whose lead byte is E4..EE (U+4000..U+EFFF: kanji, or a malformed sequence
 * that decodes as U+FFFD) folds to nothing (azk_digits__ascii); any other
 * character: false, digit_run decodes it. The field's end: nothing after.
 */
static inline bool run_stands_alone(const unsigned char *u, size_t len, size_t i, size_t nd)
{
    unsigned b;
    if (i >= len)
        return true;
    b = u[i];
    if (b >= 0x80)
        return b - 0xE4u <= 0xEEu - 0xE4u;
    if (azk_detect__is_tok_sep(b))
        return !(i + 1 < len && is_digit_at(u, len, i + 1)) && !(nd <= 2 && b == '-');
    return nd > 2 || (b != '.' && b != '/');
}

/*
 * Does the character before u[rs] fold to '(' or '+' (azk_detect__char_before)?
 * ASCII is itself; of the characters >= 0x80 only （ and ＋ (U+FF08, U+FF0B:
 * EF BC 88, EF BC 8B) fold to them, and azk_digits__prev reads three such
 * bytes before rs as that character (no other well-formed sequence, nor an
 * overlong one, decodes to either).
 */
static inline bool open_before(const unsigned char *u, size_t rs)
{
    unsigned b;
    if (rs == 0)
        return false;
    b = u[rs - 1];
    if (b < 0x80)
        return b == '(' || b == '+';
    return rs >= 3 && u[rs - 3] == 0xEF && u[rs - 2] == 0xBC && (b == 0x88 || b == 0x8B);
}

/*
 * One digit run [rs, i) of nd digits: the triggers of every digit type.
 * Only for a run that azk_detect__run_boring keeps: the bytes around it
 * were looked at there (run_rule), but for a run that may be a year.
 */
void azk_detect__digit_run(struct fld *f, size_t rs, size_t i, size_t nd, bool nums)
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
    if (nd < 7 && !azk_detect__run_screen_off && run_stands_alone(u, len, i, nd) &&
        (!nums || rs < f->num_done || !open_before(u, rs)))
        return; /* no rule below can start here (run_stands_alone): nothing to decode */
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
/* RUN_SEP with a digit after the separator: digit_run's grouping test. */
static __attribute__((noinline)) void settle_sep_group(struct fld *f, size_t rs, size_t e,
                                                       bool nums)
{
    const unsigned char *u = (const unsigned char *)f->s;
    const size_t len = f->len;
    uint64_t w;
    size_t k;
    if (!nums || rs < f->num_done)
        return;
    if (rs > 0 && (u[rs - 1] | 0x20u) - 'a' < 26u) {
        azk_detect__digit_run(f, rs, e, e - rs, nums); /* a label may end before the run */
        return;
    }
    if (u[rs] != '0') {
        /* digit_run's grouping test on the next group's digits (skip_digits'
         * count: a full-width digit may go on where the ASCII ones stop) */
        k = azk_detect__ascii_digits8(u, e + 1, len, &w);
        if (k < 8 && e + 1 + k < len && u[e + 1 + k] == 0xEF) {
            azk_detect__digit_run(f, rs, e, e - rs, nums);
            return;
        }
        if (!(k == 4 && (e - rs == 4 || e - rs == 3 || e - rs == 1)) && !(k == 6 && e - rs == 4))
            return;
    }
    azk_detect__numeric_from(f, rs, e);
}

static __attribute__((noinline)) void settle_sep(struct fld *f, size_t rs, size_t e, bool nums)
{
    const unsigned char *u = (const unsigned char *)f->s;
    if (e + 1 >= f->len || !is_digit_at(u, f->len, e + 1))
        return; /* most runs before a space: 12:34:56 INFO */
    settle_sep_group(f, rs, e, nums);
}

static __attribute__((noinline)) void settle_plus(struct fld *f, size_t rs, size_t e, bool nums)
{
    const unsigned char *u = (const unsigned char *)f->s;
    if (u[rs] == '8' || azk_detect__numfast_off) {
        azk_detect__digit_run(f, rs, e, e - rs, nums);
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
    azk_detect__digit_run(f, rs, e, e - rs, nums);
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
            azk_detect__digit_run(f, rs, e, e - rs, nums); /* a full-width digit before the '-'? */
            return;
        }
        if ((unsigned)(u[rs - 2] - '0') < 10) {
            year_look(f, rs); /* a later group of a token */
            return;
        }
    }
    b2 = e + 1 < len ? u[e + 1] : 0;
    if (b2 >= 0x80) {
        azk_detect__digit_run(f, rs, e, e - rs, nums);
        return;
    }
    if ((unsigned)(b2 - '0') < 10) {
        /* the next group's digits (skip_digits' count) */
        k = azk_detect__ascii_digits8(u, e + 1, len, &w);
        if (k < 8 && e + 1 + k < len && u[e + 1 + k] == 0xEF) {
            azk_detect__digit_run(f, rs, e, e - rs, nums);
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
        azk_detect__digit_run(f, rs, e, e - rs, nums);
        return;
    }
    year_look(f, rs);
}

/* The settling of verdict v (RUN_SEP and after): azk_detect__run_settle[v - RUN_SEP]. */
azk_detect__settle_fn *const azk_detect__run_settle[] = {settle_sep, settle_plus, settle_cell,
                                                         settle_date, settle_date_word};
_Static_assert(sizeof(azk_detect__run_settle) / sizeof(azk_detect__run_settle[0]) ==
                   RUN_DATE_WORD - RUN_SEP + 1,
               "a settling for every verdict from RUN_SEP on");
