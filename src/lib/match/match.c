/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/match.c -- the matcher of match/match.h: candidate values from a
 * record (every cell of a row under each kind it can be; in text lines the
 * detector's findings plus dates and number-like tokens), their buckets,
 * seed rows from the small buckets, confirmation of other families by
 * exact (bucket, row) look-ups, the veto, and per-object aggregation.
 * The values of a record (cells, text tokens, dates): match_values.c;
 * name and address windows of text lines: match_windows.c (shared:
 * match_ctx.h).
 */
#include "match/match.h"
#include "norm/norm.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "match/match_ctx.h"

azk_status azk_match__ctx_new(struct azk_match_ctx **out, const azk_fp_index *idx)
{
    struct azk_match_ctx *c;
    AZK_ASSERT_ARG(out != NULL && idx != NULL);
    c = azk_calloc(1, sizeof(*c));
    if (c == NULL)
        return azk_error_nomem();
    c->c = azk_malloc(MAX_CANDS * sizeof(*c->c));
    c->cset = azk_calloc((size_t)1 << CSET_BITS, sizeof(*c->cset));
    c->chead = azk_calloc((size_t)AZK_FP__COUNT << 8, sizeof(*c->chead));
    c->cnext = azk_malloc(MAX_CANDS * sizeof(*c->cnext));
    if (c->c == NULL || c->cset == NULL || c->chead == NULL || c->cnext == NULL) {
        azk_free(c->c);
        azk_free(c->cset);
        azk_free(c->chead);
        azk_free(c->cnext);
        azk_free(c);
        return azk_error_nomem();
    }
    c->idx = idx;
    for (unsigned s = 0; s < AZK_FPS__COUNT; s++)
        if (idx->slot_w[s] != 0)
            c->idx_kinds |= 1u << azk_fp__slot_kind[s];
    c->hash_kinds = c->idx_kinds;
    *out = c;
    return AZK_OK;
}

void azk_match__ctx_free(struct azk_match_ctx *ctx)
{
    if (ctx == NULL)
        return;
    azk_free(ctx->c);
    azk_free(ctx->cset);
    azk_free(ctx->chead);
    azk_free(ctx->cnext);
    azk_free(ctx->ev);
    azk_match__memo_free(ctx);
    sodium_memzero(ctx->pend_v, sizeof(ctx->pend_v));
    sodium_memzero(ctx->ckey, sizeof(ctx->ckey));
    azk_free(ctx->hits);
    azk_free(ctx->seen);
    azk_free(ctx->rtab);
    for (size_t i = 0; i < AZK_MATCH_WINDOW; i++)
        azk_buf_dispose_secret(&ctx->ring[i].text);
    azk_buf_dispose_secret(&ctx->norm);
    azk_buf_dispose_secret(&ctx->tmp);
    azk_buf_dispose_secret(&ctx->wprev);
    azk_buf_dispose_secret(&ctx->wcur);
    azk_buf_dispose_secret(&ctx->wjoin);
    azk_free(ctx);
}

void azk_match__set_detector_seeds(struct azk_match_ctx *ctx, bool on)
{
    ctx->detector_seeds = on;
}

void azk_match__set_confirm(struct azk_match_ctx *ctx, const uint8_t key[AZK_FP_KEY_LEN],
                            azk_match_evidence_cb cb, void *payload)
{
    ctx->confirm = key != NULL && cb != NULL;
    if (key != NULL)
        memcpy(ctx->ckey, key, AZK_FP_KEY_LEN);
    ctx->ev_cb = cb;
    ctx->ev_payload = payload;
}

void azk_match__object_begin(struct azk_match_ctx *ctx)
{
    for (size_t i = 0; i < AZK_MATCH_WINDOW; i++) {
        azk_buf_clear(&ctx->ring[i].text);
        ctx->ring[i].seq = 0;
        ctx->ring[i].analysed = true;
        ctx->ring[i].named = 3;
    }
    ctx->nc = 0;
    ctx->seq = 0;
    ctx->nhits = 0;
}

void azk_match__object_end(struct azk_match_ctx *ctx)
{
    ctx->nc = 0;
}

azk_status azk_match__record_begin(struct azk_match_ctx *ctx, const azk_record *rec)
{
    size_t keep = 0;
    AZK_ASSERT_ARG(ctx != NULL && rec != NULL);
    ctx->seq++;
    ctx->rec = rec;
    ctx->tabular = rec->tabular;
    /* drop candidates that left the window (tabular rows never share) */
    for (size_t i = 0; i < ctx->nc; i++) {
        if (!rec->tabular && ctx->c[i].seq + AZK_MATCH_WINDOW > ctx->seq)
            ctx->c[keep++] = ctx->c[i];
    }
    ctx->nc = keep;
    if (rec->is_header)
        return AZK_OK;
    if (rec->tabular) {
        if (!ctx->detector_seeds)
            azk_match__analyse_row(ctx, rec);
        return AZK_OK;
    }
    /* keep the line: analysed at once without a detector, else only if a finding that
     * starts analysis shows up within the window; name windows are taken at record_end */
    {
        struct ring_line *rl = &ctx->ring[ctx->seq % AZK_MATCH_WINDOW];
        azk_buf_clear(&rl->text);
        rl->seq = ctx->seq;
        rl->analysed = false;
        rl->named = 0;
        for (size_t f = 0; f < rec->field_count; f++) {
            size_t take = rec->fields[f].len;
            if (rl->text.len + take + 1 > RING_MAX_TEXT)
                take = RING_MAX_TEXT > rl->text.len + 1 ? RING_MAX_TEXT - rl->text.len - 1 : 0;
            /* cut on a UTF-8 boundary */
            while (take > 0 && take < rec->fields[f].len &&
                   ((uint8_t)rec->fields[f].ptr[take] & 0xC0) == 0x80)
                take--;
            if (azk_buf_put(&rl->text, rec->fields[f].ptr, take) != AZK_OK ||
                azk_buf_putc(&rl->text, '\n') != AZK_OK)
                return AZK_ERR_NOMEM;
        }
        if (!ctx->detector_seeds) {
            for (size_t f = 0; f < rec->field_count; f++)
                azk_match__analyse_text(ctx, rec->fields[f].ptr, rec->fields[f].len, ctx->seq);
            rl->analysed = true;
        }
    }
    return AZK_OK;
}

azk_status azk_match__finding(struct azk_match_ctx *ctx, const azk_finding *f)
{
    const azk_field *fld;
    unsigned kind;
    AZK_ASSERT_ARG(ctx != NULL && f != NULL);
    if (ctx->rec == NULL || f->field >= ctx->rec->field_count)
        return AZK_OK;
    fld = &ctx->rec->fields[f->field];
    if (f->start > fld->len || f->len > fld->len - f->start)
        return AZK_OK;
    if (ctx->tabular && f->type != AZK_PII_PERSON_NAME && f->type != AZK_PII_ADDRESS)
        return AZK_OK; /* cells were taken whole already */
    switch (f->type) {
        case AZK_PII_PERSON_NAME:
            kind = AZK_FP_NAME;
            break;
        case AZK_PII_ADDRESS:
            kind = AZK_FP_ADDRESS;
            break;
        case AZK_PII_PHONE:
            kind = AZK_FP_PHONE;
            break;
        case AZK_PII_EMAIL:
            kind = AZK_FP_EMAIL;
            break;
        case AZK_PII_POSTAL_CODE:
            kind = AZK_FP_POSTAL;
            break;
        case AZK_PII_BIRTH_DATE:
            kind = AZK_FP_BIRTH;
            break;
        case AZK_PII_BANK_ACCOUNT:
            kind = AZK_FP_ACCOUNT;
            break;
        case AZK_PII_MY_NUMBER:
            kind = AZK_FP_MYNUMBER;
            break;
        default:
            return AZK_OK;
    }
    ctx->in_finding = true;
    azk_match__new_src(ctx);
    azk_match__add_value(ctx, kind, fld->ptr + f->start, f->len);
    ctx->in_finding = false;
    return AZK_OK;
}

/* Does row have a value of kind in this bucket? A non-seed kind: O(1) through
 * the row table. A seed kind: the row's code there first (a row whose code
 * differs is not in the bucket), then the exact answer from the CSR. */
static bool has_entry(const azk_fp_index *idx, unsigned kind, uint32_t bucket, uint32_t row)
{
    unsigned first;
    unsigned slots;
    uint32_t want = azk_fp__is_seed(kind) ? azk_fp__code(kind, bucket) : bucket + 1;
    azk_fp__kind_slots(kind, &first, &slots);
    if (azk_fp__row_slot(idx, row, first) != want &&
        !(slots > 1 && azk_fp__row_slot(idx, row, first + 1) == want))
        return false;
    return !azk_fp__is_seed(kind) || azk_fp__seed_has(idx, kind, bucket, row);
}

/* Kinds the row has a value of (bit k). */
static unsigned row_present(const azk_fp_index *idx, uint32_t row)
{
    unsigned m = 0;
    for (unsigned s = 0; s < AZK_FPS__COUNT; s++)
        if (azk_fp__row_slot(idx, row, s) != 0)
            m |= 1u << azk_fp__slot_kind[s];
    return m;
}

static size_t dataset_of(const azk_fp_index *idx, uint32_t row);

/*
 * Does row satisfy the rule? Families are counted with distinct source
 * values (greedy in kind order, accounts last: a 7-digit value may be a
 * postal code or an account, but it is one value).
 */
static bool confirm(const struct azk_match_ctx *ctx, uint32_t row, bool line_only)
{
    static const uint8_t order[AZK_FP__COUNT] = {AZK_FP_NAME,     AZK_FP_PHONE,    AZK_FP_EMAIL,
                                                 AZK_FP_BIRTH,    AZK_FP_ADDRESS,  AZK_FP_POSTAL,
                                                 AZK_FP_MYNUMBER, AZK_FP_CUSTOMER, AZK_FP_ACCOUNT};
    unsigned matched = 0;
    unsigned offered = ctx->offered[line_only];
    unsigned lines = 0; /* window lines (bit = age) that gave a match */
    unsigned present = row_present(ctx->idx, row);
    uint32_t used[AZK_FP__COUNT];
    size_t nused = 0;
    int need = 2;
    bool landline = false; /* the phone that matched is a fixed line */
    /* expected rows matching all these families by accident: N x prod(count_k x q_k) */
    double expect = (double)ctx->idx->total_rows;
    const unsigned *count = ctx->count[line_only];
    for (size_t o = 0; o < AZK_FP__COUNT; o++) {
        unsigned k = order[o];
        if (!(present & (1u << k)) || !(offered & (1u << k)))
            continue;
        for (size_t i = 0; i < ctx->nc; i++) {
            const struct cand *c = &ctx->c[i];
            bool src_used = false;
            if (c->kind != k || (ctx->skip_windows && c->window) ||
                (line_only && c->seq != ctx->seq))
                continue;
            for (size_t u = 0; u < nused; u++)
                src_used |= used[u] == c->src;
            if (src_used || !has_entry(ctx->idx, k, c->bucket, row))
                continue;
            matched |= 1u << k;
            used[nused++] = c->src;
            lines |= 1u << (ctx->seq - c->seq);
            landline |= k == AZK_FP_PHONE && !(c->ev & AZK_EV_MOBILE);
            if ((k == AZK_FP_NAME || k == AZK_FP_ADDRESS) && ctx->idx->off[k] != NULL &&
                ctx->idx->total_rows > 0) {
                /* names and addresses are shared by many people: the dataset's own
                 * frequency of this bucket estimates how often anyone carries it */
                double rows = ctx->idx->off[k][c->bucket + 1] - ctx->idx->off[k][c->bucket];
                expect *= (double)count[k] * rows / (double)ctx->idx->total_rows;
            } else {
                /* numbers, e-mail, dates: a value lands in a bucket with 2^-bits */
                expect *= (double)count[k] / (double)(1u << azk_fp__bits[k]);
            }
            break;
        }
    }
    /* another phone / e-mail than the row's on a line that matched: a homonym unless more
     * agrees (a neighbour line's phone belongs to another record) */
    for (size_t i = 0; i < ctx->nc; i++) {
        const struct cand *c = &ctx->c[i];
        if (line_only && c->seq != ctx->seq)
            continue;
        /* a name a detector or an honorific gives is someone's: another person's name on
         * the line (a household member with R's address and phone) is not R */
        bool veto =
            azk_fp__is_veto(c->kind) || (c->kind == AZK_FP_NAME && (c->ev & AZK_EV_DEFINITE) &&
                                         !(ctx->skip_windows && c->window));
        /* a postal code that agrees beside an address that does not is another household's
         * (the address decides the code; a 10-bit postal bucket collides 1 in 1,024) */
        veto = veto || (c->kind == AZK_FP_ADDRESS && (matched & (1u << AZK_FP_POSTAL)));
        if (veto && (present & (1u << c->kind)) && !(matched & (1u << c->kind)) &&
            (lines & (1u << (ctx->seq - c->seq))) && !ctx->confirm)
            need = 3;
    }
    /* an address and its postal code are one family: a household's place */
    if ((matched & (1u << AZK_FP_ADDRESS)) && (matched & (1u << AZK_FP_POSTAL)))
        need++;
    if (__builtin_popcount(matched) < need)
        return false;
    if (ctx->confirm)
        return true; /* a candidate: the exact check decides (azk_match__confirm_exact) */
    /*
     * Evidence: how many rows would show these families for a record that
     * is not entrusted at all (a common name has many homonyms; a 2^-11
     * birth-date bucket is not enough against hundreds of them); and, as
     * the closed zone's exact check (confirm.c), the families must be ones
     * whose exact agreement a person who is not entrusted shows with less
     * than AZK_MATCH_CONFIRM_MAX_CHANCE: a name and a birth date of a large
     * dataset, which a namesake shows as well, are no attribution.
     */
    return expect <= AZK_MATCH_MAX_CHANCE &&
           azk_match__chance(matched, landline, ctx->idx->ds[dataset_of(ctx->idx, row)].row_count,
                             0) <= AZK_MATCH_CONFIRM_MAX_CHANCE;
}

/* ---- the window's candidate set ------------------------------------------- */

static inline uint32_t cset_key(unsigned kind, uint32_t bucket)
{
    return ((uint32_t)kind << 24 | bucket) + 1; /* buckets have at most 24 bits */
}

static void cset_clear(struct azk_match_ctx *ctx)
{
    if (++ctx->cgen == 0) { /* stamps wrapped: forget them all */
        memset(ctx->cset, 0, ((size_t)1 << CSET_BITS) * sizeof(*ctx->cset));
        memset(ctx->chead, 0, ((size_t)AZK_FP__COUNT << 8) * sizeof(*ctx->chead));
        ctx->cgen = 1;
    }
}

static void cset_add(struct azk_match_ctx *ctx, uint32_t key)
{
    uint32_t mask = (1u << CSET_BITS) - 1;
    uint64_t want = (uint64_t)ctx->cgen << 32 | key;
    for (uint32_t i = (key * 0x9E3779B1u) >> (32 - CSET_BITS);; i = (i + 1) & mask) {
        if ((uint32_t)(ctx->cset[i] >> 32) != ctx->cgen) {
            ctx->cset[i] = want;
            return;
        }
        if (ctx->cset[i] == want)
            return;
    }
}

static bool cset_has(const struct azk_match_ctx *ctx, uint32_t key)
{
    uint32_t mask = (1u << CSET_BITS) - 1;
    uint64_t want = (uint64_t)ctx->cgen << 32 | key;
    for (uint32_t i = (key * 0x9E3779B1u) >> (32 - CSET_BITS);; i = (i + 1) & mask) {
        if ((uint32_t)(ctx->cset[i] >> 32) != ctx->cgen)
            return false;
        if (ctx->cset[i] == want)
            return true;
    }
}

/* Candidate i (a seed kind's) into the chain of its (kind, code). */
static void chain_add(struct azk_match_ctx *ctx, size_t i)
{
    const struct cand *c = &ctx->c[i];
    uint64_t *h = &ctx->chead[(size_t)c->kind << 8 | azk_fp__code(c->kind, c->bucket)];
    ctx->cnext[i] = (uint32_t)(*h >> 32) == ctx->cgen ? (uint32_t)*h : 0;
    *h = (uint64_t)ctx->cgen << 32 | (uint32_t)(i + 1);
}

/* Is row in the bucket of some window candidate of seed kind k whose code is code?
 * (the candidates of that code, each checked exactly in the CSR) */
static bool chain_has(const struct azk_match_ctx *ctx, unsigned k, uint32_t code, uint32_t row)
{
    uint64_t h = ctx->chead[(size_t)k << 8 | code];
    if ((uint32_t)(h >> 32) != ctx->cgen)
        return false;
    for (uint32_t j = (uint32_t)h; j != 0; j = ctx->cnext[j - 1])
        if (azk_fp__seed_has(ctx->idx, k, ctx->c[j - 1].bucket, row))
            return true;
    return false;
}

/* At least two families among kinds fam (bit k)? An address and its postal code count
 * once. (Bit tricks: the build has no popcount instruction, and this runs for every
 * candidate row.) */
static inline bool two_families(unsigned fam)
{
    if (fam & (1u << AZK_FP_ADDRESS))
        fam &= ~(1u << AZK_FP_POSTAL);
    return (fam & (fam - 1)) != 0;
}

/*
 * Can row satisfy the rule at all? Its own cells looked up in the window's
 * candidate set (seed kinds: the candidates of the cell's code, then the
 * CSR): two families at least (an address and its postal code count once).
 * The same families confirm() can find (exact, as its matches), and a dozen
 * look-ups instead of a pass over every candidate per kind. known: the seed
 * kinds row was gathered from (bit k: row is in the bucket of a window
 * candidate of kind k, so chain_has would say yes: its code is in one of the
 * row's slots of k, checked at load); they are not asked again. extra: the
 * kinds of the candidates in the set and the chains, i.e. every non-seed
 * candidate and the seed candidates that gathered no rows (name windows, a
 * bucket over SEED_MAX_ROWS): a row in the bucket of a candidate that
 * gathered is in ctx->seen with that kind in known, so only these kinds can
 * add a family. A row that cannot reach two families with them is dropped
 * without reading its cells.
 */
static bool row_may_match(const struct azk_match_ctx *ctx, uint32_t row, unsigned known,
                          unsigned extra)
{
    unsigned fam = known;
    unsigned ask = extra & ~known;
    if (two_families(fam))
        return true; /* gathered from two kinds: the row table is not read */
    if (!two_families(fam | ask))
        return false; /* no kind left that could make two */
    for (unsigned s = 0; s < AZK_FPS__COUNT; s++) {
        unsigned k = azk_fp__slot_kind[s];
        uint32_t cell;
        if (!(ask & (1u << k)) || (fam & (1u << k)))
            continue;
        cell = azk_fp__row_slot(ctx->idx, row, s);
        if (cell == 0)
            continue;
        if (azk_fp__is_seed(k) ? chain_has(ctx, k, cell, row)
                               : cset_has(ctx, cset_key(k, cell - 1)))
            fam |= 1u << k;
    }
    return two_families(fam);
}

/* Sort in place (row ids, candidate rows with their kinds): quicksort (median of three) down to
 * insertion sort for short runs; qsort's comparator calls were ~2.5 % of a scan with 10 M
 * fingerprints (~40 candidate rows a record). Recursion on the smaller side:
 * depth <= log2(n). */
static void sort_u64(uint64_t *v, size_t n)
{
    while (n > 24) {
        size_t i = 0;
        size_t j = n - 1;
        uint64_t a = v[0];
        uint64_t b = v[n / 2];
        uint64_t c = v[n - 1];
        uint64_t p = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        for (;;) { /* Hoare partition: v[0..j] <= p <= v[j+1..n) */
            while (v[i] < p)
                i++;
            while (v[j] > p)
                j--;
            if (i >= j)
                break;
            uint64_t t = v[i];
            v[i++] = v[j];
            v[j--] = t;
        }
        if (j + 1 < n - j - 1) {
            sort_u64(v, j + 1);
            v += j + 1;
            n -= j + 1;
        } else {
            sort_u64(v + j + 1, n - j - 1);
            n = j + 1;
        }
    }
    for (size_t i = 1; i < n; i++) {
        uint64_t x = v[i];
        size_t j = i;
        for (; j > 0 && v[j - 1] > x; j--)
            v[j] = v[j - 1];
        v[j] = x;
    }
}

#ifdef AZK_TESTING
void azk_match__sort_u64(uint64_t *v, size_t n)
{
    sort_u64(v, n);
}
#endif

static azk_status push_u64(uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        uint64_t *nv = azk_realloc(*v, nc * sizeof(uint64_t));
        if (nv == NULL)
            return azk_error_nomem();
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = x;
    return AZK_OK;
}

/*
 * The gathered rows (ctx->seen[0..nseen): row << 32 | bit k, a row once per
 * bucket it was found in) merged in place: one entry per row, at its first
 * place, its kinds or-ed; ctx->nseen becomes their count. Through an
 * open-addressing table of the rows (entries stamped with a generation:
 * rgen << 32 | place), twice as large as the rows at least: a sort of the
 * rows took ~90 instructions a row and mispredicted branches (~40 rows an
 * evaluation); the order does not matter, as the rows that pass
 * row_may_match are confirmed in rising order (record_end).
 */
static azk_status merge_rows(struct azk_match_ctx *ctx)
{
    size_t n = ctx->nseen;
    size_t o = 0;
    uint32_t mask;
    uint64_t gen;
    if (ctx->rtab == NULL || ((size_t)1 << ctx->rtab_bits) < 2 * n) {
        unsigned bits = 10;
        while (((size_t)1 << bits) < 2 * n)
            bits++;
        azk_free(ctx->rtab);
        ctx->rtab = azk_calloc((size_t)1 << bits, sizeof(*ctx->rtab));
        if (ctx->rtab == NULL)
            return azk_error_nomem();
        ctx->rtab_bits = bits;
        ctx->rgen = 0;
    }
    if (++ctx->rgen == 0) { /* stamps wrapped: forget them all */
        memset(ctx->rtab, 0, ((size_t)1 << ctx->rtab_bits) * sizeof(*ctx->rtab));
        ctx->rgen = 1;
    }
    mask = (uint32_t)(((size_t)1 << ctx->rtab_bits) - 1);
    gen = (uint64_t)ctx->rgen << 32;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = ctx->seen[i];
        uint32_t row = (uint32_t)(v >> 32);
        for (uint32_t h = (row * 0x9E3779B1u) >> (32 - ctx->rtab_bits);; h = (h + 1) & mask) {
            uint64_t e = ctx->rtab[h];
            if ((e & ~(uint64_t)UINT32_MAX) != gen) { /* a free slot: the row's first bucket */
                ctx->rtab[h] = gen | o;
                ctx->seen[o++] = v;
                break;
            }
            if (ctx->seen[(uint32_t)e] >> 32 == row) {
                ctx->seen[(uint32_t)e] |= v;
                break;
            }
        }
    }
    ctx->nseen = o;
    return AZK_OK;
}

#ifdef AZK_TESTING
azk_status azk_match__merge_rows(struct azk_match_ctx *ctx)
{
    return merge_rows(ctx);
}
#endif

static bool cands_of_current(const struct azk_match_ctx *ctx)
{
    for (size_t i = ctx->nc; i > 0; i--)
        if (ctx->c[i - 1].seq == ctx->seq)
            return true;
    return false;
}

/*
 * Confirmation mode: the window's values as evidence for candidate row
 * (128-bit hashes, never values): every value but name windows, which are
 * many and of which only those in the row's bucket can equal its name.
 */
static azk_status give_evidence(struct azk_match_ctx *ctx, uint32_t row)
{
    size_t n = 0;
    const struct azk_fp_dataset *ds = &ctx->idx->ds[dataset_of(ctx->idx, row)];
    if (ctx->ev == NULL) {
        ctx->ev = azk_malloc(MAX_CANDS * sizeof(*ctx->ev));
        if (ctx->ev == NULL)
            return azk_error_nomem();
    }
    for (size_t i = 0; i < ctx->nc; i++) {
        const struct cand *c = &ctx->c[i];
        struct azk_match_ev_item *it;
        if (c->seq > ctx->seq || c->seq + AZK_MATCH_WINDOW <= ctx->seq ||
            (c->window && (ctx->skip_windows || !has_entry(ctx->idx, c->kind, c->bucket, row))))
            continue;
        it = &ctx->ev[n++];
        memset(it, 0, sizeof(*it)); /* padding too: the callee may compare items bytewise */
        it->kind = c->kind;
        it->age = (uint8_t)(ctx->seq - c->seq);
        it->flags = c->ev;
        it->src = c->src;
        memcpy(it->h, c->h, sizeof(it->h));
    }
    return ctx->ev_cb(ds->client, ds->dataset, (uint64_t)(row - ds->first_row) + 1, ctx->ev, n,
                      ctx->ev_payload);
}

/*
 * Does candidate c gather the rows of its bucket (record_end)? Seed kinds
 * only; plain name windows are taken when another seed already points at
 * rows: they confirm those rows through the candidate set and start no
 * search of their own (at 10 M rows each window's bucket holds ~10 rows, 192
 * windows a line); the closed zone takes every one. A bucket of more than
 * SEED_MAX_ROWS rows is too common a value to start from.
 */
static bool gathers(const struct azk_match_ctx *ctx, const struct cand *c)
{
    const uint32_t *off = ctx->idx->off[c->kind];
    if (!azk_fp__is_seed(c->kind) || off == NULL ||
        (c->window && (ctx->skip_windows || !ctx->confirm)))
        return false;
    return ctx->confirm || off[c->bucket + 1] - off[c->bucket] <= SEED_MAX_ROWS;
}

azk_status azk_match__record_end(struct azk_match_ctx *ctx)
{
    azk_status rc = AZK_OK;
    unsigned extra; /* kinds that can add a family to a gathered row (row_may_match) */
    size_t npass;   /* gathered rows that may match */
    AZK_ASSERT_ARG(ctx != NULL);
    ctx->nseen = 0;
    if (ctx->detector_seeds) {
        bool seed = false;
        /* a seed, or a birth date or postal code (a record whose name the detectors
         * missed still shows these; a byte scan of every line for 〒 or number shapes
         * cost 3-25 % of the scan and found nothing these findings do not) */
        for (size_t i = 0; i < ctx->nc && !seed; i++)
            seed = ctx->c[i].finding &&
                   (azk_fp__is_seed(ctx->c[i].kind) || ctx->c[i].kind == AZK_FP_BIRTH ||
                    ctx->c[i].kind == AZK_FP_POSTAL);
        if (!seed)
            goto done; /* nothing can match: the lines wait in the ring */
        if (ctx->tabular && ctx->rec != NULL) {
            azk_match__analyse_row(ctx, ctx->rec);
        } else {
            for (size_t r = 0; r < AZK_MATCH_WINDOW; r++) {
                struct ring_line *rl = &ctx->ring[r];
                if (rl->analysed || rl->seq == 0 || rl->seq + AZK_MATCH_WINDOW <= ctx->seq)
                    continue;
                azk_match__analyse_text(ctx, (const char *)rl->text.data, rl->text.len, rl->seq);
                rl->analysed = true;
            }
        }
    }
    /*
     * Names the detector did not give, when no detector name is in the window (in the
     * closed zone always)
     * (a name it found is one value; windows are many, and the evidence rule
     * counts every one of them): honorific contexts always, plain windows
     * only when another seed (phone, e-mail, address ...) already points at
     * rows, for the name to confirm (most analysed lines have none: the cost
     * of normalising every piece is then saved).
     */
    if (!ctx->tabular) {
        bool detector_name = false;
        /* confirmation mode: always (which rows share a bucket depends on the key) */
        bool other_rows = ctx->confirm;
        for (size_t i = 0; i < ctx->nc && !detector_name; i++)
            detector_name = ctx->c[i].finding && ctx->c[i].kind == AZK_FP_NAME;
        for (size_t i = 0; i < ctx->nc && !other_rows && !detector_name; i++) {
            const struct cand *c = &ctx->c[i];
            if (c->kind != AZK_FP_NAME && azk_fp__is_seed(c->kind) &&
                ctx->idx->off[c->kind] != NULL) {
                uint32_t cnt =
                    ctx->idx->off[c->kind][c->bucket + 1] - ctx->idx->off[c->kind][c->bucket];
                other_rows = cnt > 0 && cnt <= SEED_MAX_ROWS;
            }
        }
        /* confirmation mode: whatever the detectors found (a name detector's span can be a
         * part of the name: 菅聡様 read as 聡), the candidates hold every name the exact
         * rule could confirm */
        for (size_t r = 0; r < AZK_MATCH_WINDOW && (!detector_name || ctx->confirm); r++) {
            struct ring_line *rl = &ctx->ring[r];
            uint8_t want = other_rows ? NAMES_ANCHORED | NAMES_PLAIN : NAMES_ANCHORED;
            uint8_t missing = (uint8_t)(want & ~rl->named);
            if (!rl->analysed || rl->seq == 0 || rl->seq + AZK_MATCH_WINDOW <= ctx->seq ||
                (rl->named & want) == want)
                continue;
            azk_match__add_name_windows(ctx, (const char *)rl->text.data, rl->text.len, rl->seq,
                                        missing);
            rl->named |= want;
        }
        /* a name given by a detector or by an honorific context outweighs windows */
        for (size_t i = 0; i < ctx->nc && !detector_name; i++)
            detector_name = ctx->c[i].kind == AZK_FP_NAME && !ctx->c[i].window;
        ctx->skip_windows = detector_name && !ctx->confirm;
    } else {
        ctx->skip_windows = false;
    }
    /* only evaluate when the current record brought something */
    if (ctx->nc == 0 || !cands_of_current(ctx))
        goto done;
    /*
     * The CSR offsets of the candidates that may gather, then the first row
     * ids of those that do, asked for before any is read (a bucket's offsets
     * and ids sit at random places of tables of tens of megabytes).
     */
    for (size_t i = 0; i < ctx->nc; i++) {
        const struct cand *c = &ctx->c[i];
        if (azk_fp__is_seed(c->kind) && ctx->idx->off[c->kind] != NULL &&
            !(c->window && (ctx->skip_windows || !ctx->confirm)))
            __builtin_prefetch(&ctx->idx->off[c->kind][c->bucket]);
    }
    for (size_t i = 0; i < ctx->nc; i++) {
        const struct cand *c = &ctx->c[i];
        if (gathers(ctx, c))
            __builtin_prefetch(
                azk_fp__seed_addr(ctx->idx, c->kind, ctx->idx->off[c->kind][c->bucket]));
    }
    for (size_t i = 0; i < ctx->nc; i++) {
        uint32_t lo;
        uint32_t hi;
        const struct cand *c = &ctx->c[i];
        if (!gathers(ctx, c))
            continue;
        lo = ctx->idx->off[c->kind][c->bucket];
        hi = ctx->idx->off[c->kind][c->bucket + 1];
        for (uint32_t e = lo; e < hi; e++) {
            rc = push_u64(&ctx->seen, &ctx->nseen, &ctx->capseen,
                          (uint64_t)azk_fp__seed_row(ctx->idx, c->kind, e) << 32 | 1u << c->kind);
            if (rc != AZK_OK)
                goto done;
        }
    }
    rc = merge_rows(ctx);
    if (rc != AZK_OK)
        goto done;
    ctx->pre_rows += ctx->nseen;
    /*
     * Values offered per kind, for the evidence rule: the same value given
     * twice (a birth-date finding and the date scan of the same text) is one
     * test, not two.
     */
    extra = 0;
    memset(ctx->count, 0, sizeof(ctx->count));
    memset(ctx->offered, 0, sizeof(ctx->offered));
    ctx->multi_line = false;
    if (ctx->nseen > 0)
        cset_clear(ctx);
    for (size_t i = 0; ctx->nseen > 0 && i < ctx->nc; i++) {
        const struct cand *c = &ctx->c[i];
        bool dup = false;
        if (ctx->skip_windows && c->window)
            continue;
        /* a candidate that gathered its bucket's rows need not be asked again
         * (row_may_match) */
        if (!azk_fp__is_seed(c->kind)) {
            cset_add(ctx, cset_key(c->kind, c->bucket));
            extra |= 1u << c->kind;
        } else if (!gathers(ctx, c)) {
            chain_add(ctx, i);
            extra |= 1u << c->kind;
        }
        extra &= ctx->idx_kinds;
        /* names are windows of distinct text (rarely equal): counted as given, which
         * only overstates; the few numbers and dates are compared */
        for (size_t j = 0; j < i && !dup && c->kind != AZK_FP_NAME; j++)
            dup = ctx->c[j].kind == c->kind && ctx->c[j].bucket == c->bucket &&
                  !(ctx->skip_windows && ctx->c[j].window);
        ctx->offered[0] |= 1u << c->kind;
        ctx->count[0][c->kind] += !dup;
        ctx->multi_line |= c->seq != ctx->seq;
        if (c->seq == ctx->seq) {
            bool dup_line = false;
            for (size_t j = 0; j < i && !dup_line && c->kind != AZK_FP_NAME; j++)
                dup_line = ctx->c[j].kind == c->kind && ctx->c[j].bucket == c->bucket &&
                           ctx->c[j].seq == ctx->seq && !(ctx->skip_windows && ctx->c[j].window);
            ctx->offered[1] |= 1u << c->kind;
            ctx->count[1][c->kind] += !dup_line;
        }
    }
    /*
     * Each candidate row's cells sit at a random place of a table of up to
     * gigabytes: ask for all of them before confirming any, so the cache
     * misses overlap instead of queueing one after another.
     */
    for (size_t i = 0; i < ctx->nseen; i++) {
        unsigned known = (uint32_t)ctx->seen[i];
        if (!two_families(known) && two_families(known | extra))
            __builtin_prefetch(azk_fp__row_addr(ctx->idx, (uint32_t)(ctx->seen[i] >> 32)));
    }
    /* the rows that may match, kept at the front of seen, then confirmed in rising order
     * (the evidence callback sees the rows in the order of their ids) */
    npass = 0;
    for (size_t i = 0; i < ctx->nseen; i++)
        if (row_may_match(ctx, (uint32_t)(ctx->seen[i] >> 32), (uint32_t)ctx->seen[i], extra))
            ctx->seen[npass++] = ctx->seen[i];
    ctx->pre_pass += npass;
    sort_u64(ctx->seen, npass);
    for (size_t i = 0; i < npass; i++) {
        uint32_t row = (uint32_t)(ctx->seen[i] >> 32);
        /* the current line alone (its own values are fewer tests), else the window */
        if ((ctx->multi_line && confirm(ctx, row, true)) || confirm(ctx, row, false)) {
            rc = push_u64(&ctx->hits, &ctx->nhits, &ctx->caphits, row);
            if (rc == AZK_OK && ctx->confirm)
                rc = give_evidence(ctx, row);
            if (rc != AZK_OK)
                goto done;
        }
    }
done:
    ctx->rec = NULL;
    return rc;
}

azk_status azk_match__record(struct azk_match_ctx *ctx, const azk_record *rec,
                             const azk_finding *findings, size_t finding_count)
{
    azk_status rc = azk_match__record_begin(ctx, rec);
    for (size_t i = 0; rc == AZK_OK && i < finding_count; i++)
        rc = azk_match__finding(ctx, &findings[i]);
    if (rc == AZK_OK)
        rc = azk_match__record_end(ctx);
    return rc;
}

static size_t dataset_of(const azk_fp_index *idx, uint32_t row)
{
    size_t a = 0;
    size_t b = idx->ds_count;
    while (b - a > 1) {
        size_t m = a + (b - a) / 2;
        if (idx->ds[m].first_row <= row)
            a = m;
        else
            b = m;
    }
    return a;
}

static void unique_hits(struct azk_match_ctx *ctx)
{
    size_t o = 0;
    sort_u64(ctx->hits, ctx->nhits);
    for (size_t i = 0; i < ctx->nhits; i++)
        if (o == 0 || ctx->hits[i] != ctx->hits[o - 1])
            ctx->hits[o++] = ctx->hits[i];
    ctx->nhits = o;
}

void azk_match__prefilter_counts(const struct azk_match_ctx *ctx, uint64_t *rows, uint64_t *passed)
{
    *rows = ctx->pre_rows;
    *passed = ctx->pre_pass;
}

size_t azk_match__hit_count(struct azk_match_ctx *ctx)
{
    unique_hits(ctx);
    return ctx->nhits;
}

azk_status azk_match__results(struct azk_match_ctx *ctx, azk_match_result_cb cb, void *payload)
{
    azk_status rc = AZK_OK;
    uint64_t *rows = NULL;
    size_t i = 0;
    AZK_ASSERT_ARG(ctx != NULL && cb != NULL);
    unique_hits(ctx);
    if (ctx->nhits == 0)
        return AZK_OK;
    rows = azk_malloc(ctx->nhits * sizeof(uint64_t));
    if (rows == NULL)
        return azk_error_nomem();
    while (i < ctx->nhits && rc == AZK_OK) {
        size_t d = dataset_of(ctx->idx, (uint32_t)ctx->hits[i]);
        const struct azk_fp_dataset *ds = &ctx->idx->ds[d];
        size_t n = 0;
        while (i < ctx->nhits && ctx->hits[i] < (uint64_t)ds->first_row + ds->row_count) {
            rows[n++] = (uint64_t)(ctx->hits[i] - ds->first_row) + 1;
            i++;
        }
        rc = cb(ds->client, ds->dataset, rows, n, payload);
    }
    azk_free(rows);
    return rc;
}
