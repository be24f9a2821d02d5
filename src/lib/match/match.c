/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/match.c -- the matcher of match/match.h: candidate values from a
 * record (every cell of a row under each kind it can be; in text lines the
 * detector's findings plus dates and number-like tokens), their buckets,
 * seed rows from the small buckets, confirmation of other families by
 * exact (bucket, row) look-ups, the veto, and per-object aggregation.
 */
#include "match/match.h"
#include "norm/datetime.h"
#include "norm/digits.h"
#include "norm/norm.h"

#include <stdlib.h>
#include <string.h>

/* A seed bucket larger than this is skipped (a value too common to start from). */
#define SEED_MAX_ROWS 4096
/* Candidates kept per window. */
#define MAX_CANDS 4096

struct cand {
    uint8_t kind;
    uint32_t bucket;
    uint64_t seq; /* record sequence number in the object */
};

struct azk_match_ctx {
    const azk_fp_index *idx;
    struct cand *c;
    size_t nc;
    uint64_t seq; /* current record */
    bool tabular;
    azk_buf norm;
    azk_buf tmp;
    const azk_record *rec;
    /* hits of the object (global rows, unsorted) */
    uint32_t *hits;
    size_t nhits, caphits;
    /* per evaluation */
    uint32_t *seen;
    size_t nseen, capseen;
};

azk_status azk_match__ctx_new(struct azk_match_ctx **out, const azk_fp_index *idx)
{
    struct azk_match_ctx *c;
    AZK_ASSERT_ARG(out != NULL && idx != NULL);
    c = azk_calloc(1, sizeof(*c));
    if (c == NULL)
        return azk_error_nomem();
    c->c = azk_malloc(MAX_CANDS * sizeof(*c->c));
    if (c->c == NULL) {
        azk_free(c);
        return azk_error_nomem();
    }
    c->idx = idx;
    *out = c;
    return AZK_OK;
}

void azk_match__ctx_free(struct azk_match_ctx *ctx)
{
    if (ctx == NULL)
        return;
    azk_free(ctx->c);
    azk_free(ctx->hits);
    azk_free(ctx->seen);
    azk_buf_dispose_secret(&ctx->norm);
    azk_buf_dispose_secret(&ctx->tmp);
    azk_free(ctx);
}

void azk_match__object_begin(struct azk_match_ctx *ctx)
{
    ctx->nc = 0;
    ctx->seq = 0;
    ctx->nhits = 0;
}

void azk_match__object_end(struct azk_match_ctx *ctx)
{
    ctx->nc = 0;
}

/* Normalise, hash and remember one candidate value. */
static void add_value(struct azk_match_ctx *ctx, unsigned kind, const char *s, size_t n)
{
    uint32_t h;
    if (n == 0 || n > 512 || ctx->nc >= MAX_CANDS)
        return;
    if (!azk_fp__normalize(&ctx->norm, kind, s, n))
        return;
    h = azk_fp__hash(ctx->idx->key, kind, ctx->norm.data, ctx->norm.len);
    ctx->c[ctx->nc].kind = (uint8_t)kind;
    ctx->c[ctx->nc].bucket = azk_fp__bucket(kind, h);
    ctx->c[ctx->nc].seq = ctx->seq;
    ctx->nc++;
}

static bool has_digit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= '0' && s[i] <= '9')
            return true;
    /* full-width digits: EF BC 90..99 */
    for (size_t i = 0; i + 2 < n; i++)
        if ((uint8_t)s[i] == 0xEF && (uint8_t)s[i + 1] == 0xBC && (uint8_t)s[i + 2] >= 0x90 &&
            (uint8_t)s[i + 2] <= 0x99)
            return true;
    return false;
}

/* A table cell: it may be any kind; invalid ones are dropped by normalisation. */
static void add_cell(struct azk_match_ctx *ctx, const char *s, size_t n)
{
    bool digits = has_digit(s, n);
    if (memchr(s, '@', n) != NULL) {
        add_value(ctx, AZK_FP_EMAIL, s, n);
        return;
    }
    if (!digits) {
        add_value(ctx, AZK_FP_NAME, s, n);
        return;
    }
    add_value(ctx, AZK_FP_BIRTH, s, n);
    add_value(ctx, AZK_FP_PHONE, s, n);
    add_value(ctx, AZK_FP_POSTAL, s, n);
    add_value(ctx, AZK_FP_ADDRESS, s, n);
    add_value(ctx, AZK_FP_CUSTOMER, s, n);
    add_value(ctx, AZK_FP_ACCOUNT, s, n);
    add_value(ctx, AZK_FP_MYNUMBER, s, n);
}

static bool token_byte(uint8_t b)
{
    return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') ||
           b == '-' || b == '_' || b == '.' || b == '@' || b == '+';
}

/* Free text: dates anywhere, and ASCII tokens (ids, phones, e-mail, postal codes). */
static void scan_text(struct azk_match_ctx *ctx, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = (uint8_t)s[i];
        if (token_byte(b)) {
            size_t j = i;
            while (j < n && token_byte((uint8_t)s[j]))
                j++;
            if (j - i >= 4 && j - i <= 64) {
                if (memchr(s + i, '@', j - i) != NULL) {
                    add_value(ctx, AZK_FP_EMAIL, s + i, j - i);
                } else if (has_digit(s + i, j - i)) {
                    add_value(ctx, AZK_FP_PHONE, s + i, j - i);
                    add_value(ctx, AZK_FP_POSTAL, s + i, j - i);
                    add_value(ctx, AZK_FP_CUSTOMER, s + i, j - i);
                    add_value(ctx, AZK_FP_ACCOUNT, s + i, j - i);
                    add_value(ctx, AZK_FP_MYNUMBER, s + i, j - i);
                }
            }
            /* dates inside the token (1980-03-02, 1980/3/2) */
            for (size_t k = i; k < j; k++) {
                azk_date d;
                size_t used;
                if (s[k] < '0' || s[k] > '9' || (k > i && s[k - 1] >= '0' && s[k - 1] <= '9'))
                    continue;
                used = azk_date__parse(s + k, n - k, false, &d);
                if (used > 0)
                    add_value(ctx, AZK_FP_BIRTH, s + k, used);
            }
            i = j;
            continue;
        }
        if (b >= 0x80) {
            /* era dates and kanji dates start with a kanji era name or a full-width digit */
            azk_date d;
            size_t used = azk_date__parse(s + i, n - i, false, &d);
            if (used > 0) {
                add_value(ctx, AZK_FP_BIRTH, s + i, used);
                i += used;
                continue;
            }
            i++;
            while (i < n && ((uint8_t)s[i] & 0xC0) == 0x80)
                i++;
            continue;
        }
        i++;
    }
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
        for (size_t f = 0; f < rec->field_count; f++) {
            add_cell(ctx, rec->fields[f].ptr, rec->fields[f].len);
            /* a name split over two cells (姓, 名) */
            if (f + 1 < rec->field_count && rec->fields[f].len > 0 && rec->fields[f].len <= 24 &&
                rec->fields[f + 1].len > 0 && rec->fields[f + 1].len <= 24 &&
                !has_digit(rec->fields[f].ptr, rec->fields[f].len) &&
                !has_digit(rec->fields[f + 1].ptr, rec->fields[f + 1].len)) {
                azk_buf_clear(&ctx->tmp);
                if (azk_buf_put(&ctx->tmp, rec->fields[f].ptr, rec->fields[f].len) == AZK_OK &&
                    azk_buf_put(&ctx->tmp, rec->fields[f + 1].ptr, rec->fields[f + 1].len) ==
                        AZK_OK)
                    add_value(ctx, AZK_FP_NAME, (const char *)ctx->tmp.data, ctx->tmp.len);
            }
        }
    } else {
        for (size_t f = 0; f < rec->field_count; f++) {
            /* full-width digits and hyphen look-alikes become ASCII tokens */
            azk_buf_clear(&ctx->tmp);
            if (azk_digits__fold(&ctx->tmp, rec->fields[f].ptr, rec->fields[f].len, false,
                                 false) == AZK_OK)
                scan_text(ctx, (const char *)ctx->tmp.data, ctx->tmp.len);
            else
                scan_text(ctx, rec->fields[f].ptr, rec->fields[f].len);
            azk_error_clear();
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
    add_value(ctx, kind, fld->ptr + f->start, f->len);
    return AZK_OK;
}

/* Range of entries of kind with this bucket. */
static void bucket_range(const azk_fp_index *idx, unsigned kind, uint32_t bucket, uint64_t *lo,
                         uint64_t *hi)
{
    const uint64_t *e = idx->entries[kind];
    uint64_t n = idx->entry_count[kind];
    uint64_t key = (uint64_t)bucket << 32;
    uint64_t a = 0;
    uint64_t b = n;
    while (a < b) {
        uint64_t m = a + (b - a) / 2;
        if (e[m] < key)
            a = m + 1;
        else
            b = m;
    }
    *lo = a;
    b = n;
    while (a < b) {
        uint64_t m = a + (b - a) / 2;
        if ((e[m] >> 32) <= bucket)
            a = m + 1;
        else
            b = m;
    }
    *hi = a;
}

static bool has_entry(const azk_fp_index *idx, unsigned kind, uint32_t bucket, uint32_t row)
{
    const uint64_t *e = idx->entries[kind];
    uint64_t key = ((uint64_t)bucket << 32) | row;
    uint64_t a = 0;
    uint64_t b = idx->entry_count[kind];
    while (a < b) {
        uint64_t m = a + (b - a) / 2;
        if (e[m] < key)
            a = m + 1;
        else if (e[m] > key)
            b = m;
        else
            return true;
    }
    return false;
}

/* Does row satisfy the rule (>= 2 families, no veto)? */
static bool confirm(const struct azk_match_ctx *ctx, uint32_t row)
{
    unsigned matched = 0;
    unsigned offered = 0;
    uint16_t present = ctx->idx->present[row];
    for (size_t i = 0; i < ctx->nc; i++) {
        const struct cand *c = &ctx->c[i];
        offered |= 1u << c->kind;
        if (matched & (1u << c->kind))
            continue;
        if (has_entry(ctx->idx, c->kind, c->bucket, row))
            matched |= 1u << c->kind;
    }
    int need = 2;
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        if (azk_fp__is_veto(k) && (offered & (1u << k)) && (present & (1u << k)) &&
            !(matched & (1u << k)))
            need = 3; /* another phone / e-mail than the row's: a homonym unless more agrees */
    }
    return __builtin_popcount(matched) >= need;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a;
    uint32_t y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static azk_status push_u32(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 256;
        uint32_t *nv = azk_realloc(*v, nc * sizeof(uint32_t));
        if (nv == NULL)
            return azk_error_nomem();
        *v = nv;
        *cap = nc;
    }
    (*v)[(*n)++] = x;
    return AZK_OK;
}

azk_status azk_match__record_end(struct azk_match_ctx *ctx)
{
    azk_status rc = AZK_OK;
    AZK_ASSERT_ARG(ctx != NULL);
    ctx->nseen = 0;
    /* only evaluate when the current record brought something */
    if (ctx->nc == 0 || ctx->c[ctx->nc - 1].seq != ctx->seq)
        goto done;
    for (size_t i = 0; i < ctx->nc; i++) {
        uint64_t lo;
        uint64_t hi;
        const struct cand *c = &ctx->c[i];
        if (!azk_fp__is_seed(c->kind))
            continue;
        bucket_range(ctx->idx, c->kind, c->bucket, &lo, &hi);
        if (hi - lo > SEED_MAX_ROWS)
            continue;
        for (uint64_t e = lo; e < hi; e++) {
            rc = push_u32(&ctx->seen, &ctx->nseen, &ctx->capseen,
                          (uint32_t)(ctx->idx->entries[c->kind][e] & 0xFFFFFFFFu));
            if (rc != AZK_OK)
                goto done;
        }
    }
    if (ctx->nseen > 1)
        qsort(ctx->seen, ctx->nseen, sizeof(uint32_t), cmp_u32);
    for (size_t i = 0; i < ctx->nseen; i++) {
        if (i > 0 && ctx->seen[i] == ctx->seen[i - 1])
            continue;
        if (confirm(ctx, ctx->seen[i])) {
            rc = push_u32(&ctx->hits, &ctx->nhits, &ctx->caphits, ctx->seen[i]);
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
    if (ctx->nhits > 1)
        qsort(ctx->hits, ctx->nhits, sizeof(uint32_t), cmp_u32);
    for (size_t i = 0; i < ctx->nhits; i++)
        if (o == 0 || ctx->hits[i] != ctx->hits[o - 1])
            ctx->hits[o++] = ctx->hits[i];
    ctx->nhits = o;
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
        size_t d = dataset_of(ctx->idx, ctx->hits[i]);
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
