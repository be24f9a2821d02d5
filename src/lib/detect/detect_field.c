/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_field.c -- one field of a record: candidates and their context (the
 * column kind; labels before a value are looked up in detect_labels.c), the
 * Vectorscan hits dispatched to the rules, the digit runs of the field
 * walked (digit_runs; a run's rules in detect_runs.c, its verdict table in
 * run_screen.c), person names from names.c, and a headerless cell's kind;
 * the cells of a table row (azk_detect__scan_row), the short ASCII ones
 * (digit runs only) walked with one set-up for the row (scan_cells).
 */
#include "detect/detect.h"
#include "detect/detect_int.h"
#include "detect/detect_scan.h"
#include "detect/detect_walk.h"
#include "detect/names.h"
#include "norm/norm.h"
#include "detect/places.h"
#include "norm/digits.h"

#include <hs/hs.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- candidates ------------------------------------------------------------ */

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
                    azk_detect__digit_run(f, rs, i, nd, nums);
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

static azk_status scan_masked(azk_detect_ctx *c, const azk_field *fd, uint32_t idx,
                              azk_column_kind col, bool tabular, const azk_field *prev,
                              const uint64_t *given, bool wide);

azk_status azk_detect__scan_field(azk_detect_ctx *c, const azk_field *fd, uint32_t idx,
                                  azk_column_kind col, bool tabular, const azk_field *prev)
{
    if (fd->len == 0 || fd->ptr == NULL)
        return AZK_OK;
    if (fd->len > UINT32_MAX)
        return azk_error_set(AZK_ERR_LIMIT, "detect: field %u longer than 4 GiB", idx);
    return scan_masked(c, fd, idx, col, tabular, prev, NULL, false);
}

/*
 * One field (fd->len 1..UINT32_MAX). given: the digit and 0xEF masks of a
 * short cell the row walk made (then wide is its matcher screen), or NULL:
 * the masks and the screen are made here, in this frame (a log line's
 * scan_field costs no frame of its own).
 */
static azk_status scan_masked(azk_detect_ctx *c, const azk_field *fd, uint32_t idx,
                              azk_column_kind col, bool tabular, const azk_field *prev,
                              const uint64_t *given, bool wide)
{
    struct fld f;
    size_t i;
    hs_error_t herr;
    uint64_t pre[2 * (FIELD_MASK_MAX / 64)];
    const uint64_t *prep = given;
    if (given == NULL) {
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
    }
    /* every member set here or by fld_start (no memset a field) */
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
    /* a field under 64 bytes whose masks hold no digit and no 0xEF (no
     * full-width digit) has no digit run: digit_runs would find none (most
     * cells with kanji; the tests' plain path, the run screen off, walks
     * them all the same) */
    if (f.rc == AZK_OK &&
        (prep == NULL || fd->len >= 64 || (prep[0] | prep[1]) != 0 || azk_detect__run_screen_off))
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

/* ---- the cells of a table row ------------------------------------------------- */

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
