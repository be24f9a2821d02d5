/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_record.c -- one record: column kinds from a header row, every field
 * scanned, overlapping candidates resolved, allow-listed ones counted, the
 * rest reported; and the object score.
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

/* ---- one record ----------------------------------------------------------------- */

static azk_status set_columns(azk_detect_ctx *c, const azk_record *rec)
{
    size_t i, n = 0;
    azk_column_kind *cols;
    for (i = 0; i < rec->field_count; i++) {
        if (rec->fields[i].col + (size_t)1 > n)
            n = rec->fields[i].col + (size_t)1;
    }
    if (n == 0)
        n = 1;
    cols = azk_calloc(n, sizeof(*cols));
    if (cols == NULL)
        return azk_error_nomem();
    for (i = 0; i < rec->field_count; i++)
        cols[rec->fields[i].col] = azk_column_classify(rec->fields[i].ptr, rec->fields[i].len);
    azk_free(c->cols);
    c->cols = cols;
    c->col_count = n;
    c->header_seen = true;
    return AZK_OK;
}

/* A first row the decoder did not mark: a header when its cells are header names. */
static bool looks_like_header(const azk_record *rec)
{
    size_t i, known = 0, nonempty = 0, personal = 0;
    for (i = 0; i < rec->field_count; i++) {
        azk_column_kind k;
        if (rec->fields[i].len == 0)
            continue;
        nonempty++;
        k = azk_column_classify(rec->fields[i].ptr, rec->fields[i].len);
        if (k != AZK_COL_NONE)
            known++;
        if (k != AZK_COL_NONE && k != AZK_COL_OTHER)
            personal++;
    }
    return known >= 2 && personal >= 1 && known * 2 >= nonempty;
}

/* Cache the header kinds the decoder gave with the first data row. */
static azk_status cache_columns(azk_detect_ctx *c, const azk_record *rec)
{
    size_t i, n = 0;
    azk_column_kind *cols;
    bool any = false;
    for (i = 0; i < rec->field_count; i++) {
        if (rec->fields[i].header != NULL)
            any = true;
        if (rec->fields[i].col + (size_t)1 > n)
            n = rec->fields[i].col + (size_t)1;
    }
    if (!any || n == 0)
        return AZK_OK;
    cols = azk_calloc(n, sizeof(*cols));
    if (cols == NULL)
        return azk_error_nomem();
    for (i = 0; i < rec->field_count; i++) {
        if (rec->fields[i].header != NULL)
            cols[rec->fields[i].col] =
                azk_column_classify(rec->fields[i].header, rec->fields[i].header_len);
    }
    azk_free(c->cols);
    c->cols = cols;
    c->col_count = n;
    c->header_seen = true;
    return AZK_OK;
}

static int type_rank(azk_pii_type t)
{
    static const int rank[AZK_PII__COUNT] = {
        [AZK_PII_PERSON_NAME] = 1,  [AZK_PII_ADDRESS] = 2,          [AZK_PII_EMAIL] = 3,
        [AZK_PII_BIRTH_DATE] = 4,   [AZK_PII_POSTAL_CODE] = 5,      [AZK_PII_PHONE] = 6,
        [AZK_PII_BANK_ACCOUNT] = 7, [AZK_PII_CORPORATE_NUMBER] = 8, [AZK_PII_MY_NUMBER] = 9,
        [AZK_PII_CREDIT_CARD] = 10,
    };
    return rank[t];
}

static int cmp_pref(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    if (type_rank(x->type) != type_rank(y->type))
        return type_rank(x->type) > type_rank(y->type) ? -1 : 1;
    if (x->conf != y->conf)
        return x->conf > y->conf ? -1 : 1;
    return x->start < y->start ? -1 : (x->start > y->start ? 1 : 0);
}

static int cmp_span(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    return x->start < y->start ? -1 : (x->start > y->start ? 1 : 0);
}

bool azk_detect__resolve_sort_off;

/*
 * v[0..n) in the order of cmp: qsort, or for a few candidates (most
 * records with any: ~2.6 on the bench corpus) an insertion sort that moves
 * an element only past greater ones. glibc's qsort sorts structs of this
 * size through an array of pointers it allocates (~340 instructions a
 * call); both sorts are stable (glibc's is a merge sort), so equal
 * candidates keep their order either way.
 */
static void sort_cands(struct cand *v, size_t n, int (*cmp)(const void *, const void *))
{
    if (n > 8 || azk_detect__resolve_sort_off) {
        qsort(v, n, sizeof(*v), cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        size_t j = i;
        if (cmp(&v[j - 1], &v[j]) <= 0)
            continue;
        struct cand x = v[i];
        do {
            v[j] = v[j - 1];
            j--;
        } while (j > 0 && cmp(&v[j - 1], &x) > 0);
        v[j] = x;
    }
}

/* Keep one finding per value: longest, then most specific, then most confident. */
static size_t resolve(struct cand *v, size_t n)
{
    size_t i, j, kept = 0;
    if (n == 0)
        return 0; /* v may be NULL: no candidate was ever stored */
    sort_cands(v, n, cmp_pref);
    for (i = 0; i < n; i++) {
        bool clash = false;
        for (j = 0; j < kept; j++) {
            if (v[j].field == v[i].field && v[i].start < v[j].start + v[j].len &&
                v[j].start < v[i].start + v[i].len) {
                clash = true;
                break;
            }
        }
        if (!clash)
            v[kept++] = v[i];
    }
    sort_cands(v, kept, cmp_span);
    return kept;
}

static int allow_hit(unsigned int id, unsigned long long from, unsigned long long to,
                     unsigned int flags, void *payload)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    *(bool *)payload = true;
    return 1;
}

static bool allow_scan(azk_detect_ctx *c, const char *s, size_t n)
{
    bool hit = false;
    if (n > UINT32_MAX || !azk_utf8_valid((const uint8_t *)s, n))
        return false;
    (void)hs_scan(c->eng->allow_db, s, (unsigned int)n, 0, c->allow_scratch, allow_hit, &hit);
    return hit;
}

static azk_status allowed(azk_detect_ctx *c, const char *s, size_t n, bool *out)
{
    azk_status rc;
    const azk_detect_engine *e = c->eng;
    *out = false;
    if (e->allow_key_count == 0 && e->allow_db == NULL)
        return AZK_OK;
    if (e->allow_key_count > 0) {
        const char *key;
        rc = azk_detect__allow_key(&c->tmp, s, n);
        if (rc != AZK_OK)
            return rc;
        key = (const char *)c->tmp.data;
        if (bsearch(&key, e->allow_keys, e->allow_key_count, sizeof(char *), azk_detect__cmp_str) !=
            NULL) {
            *out = true;
            return AZK_OK;
        }
    }
    if (e->allow_db != NULL) {
        if (allow_scan(c, s, n)) {
            *out = true;
            return AZK_OK;
        }
        azk_buf_clear(&c->tmp);
        rc = azk_digits__fold(&c->tmp, s, n, false, false);
        if (rc != AZK_OK)
            return rc;
        *out = allow_scan(c, (const char *)c->tmp.data, c->tmp.len);
    }
    return AZK_OK;
}

/*
 * The candidates of a record (c->cand_count > 0): row-level context, the
 * confidence floor, overlaps resolved, allow-listed ones counted, the rest
 * reported. Out of line: most records have no candidate, and their walk
 * then needs neither this frame (a finding on the stack, its canary) nor
 * its registers.
 */
static __attribute__((noinline)) azk_status record_findings(azk_detect_ctx *c,
                                                            const azk_record *rec,
                                                            azk_finding_cb cb, void *payload,
                                                            size_t *excluded)
{
    azk_status rc;
    size_t i, n, kept;
    bool row_has_name = false;
    /* row-level context, then the confidence floor */
    for (i = 0; i < c->cand_count; i++) {
        if (c->cands[i].type == AZK_PII_PERSON_NAME && c->cands[i].conf >= c->eng->min_conf)
            row_has_name = true;
    }
    /* NNN-NNNN heading an address: in the next cells of a row without
     * header, or at most 64 bytes before it on a line */
    for (i = 0; i < c->cand_count; i++) {
        struct cand *x = &c->cands[i];
        size_t k;
        if (!(x->flags & CF_POSTAL_ADDR))
            continue;
        for (k = 0; k < c->cand_count; k++) {
            const struct cand *a = &c->cands[k];
            if (a->type != AZK_PII_ADDRESS || a->conf < c->eng->min_conf)
                continue;
            if ((rec->tabular && a->field > x->field && a->field <= x->field + 2) ||
                (!rec->tabular && a->field == x->field && a->start >= x->start + x->len &&
                 a->start - (x->start + x->len) <= 64)) {
                x->conf = 0.85;
                break;
            }
        }
    }
    n = 0;
    for (i = 0; i < c->cand_count; i++) {
        struct cand *x = &c->cands[i];
        if ((x->flags & CF_NEEDS_NAME) && !row_has_name)
            continue;
        if (x->conf < c->eng->min_conf)
            continue;
        c->cands[n++] = *x;
    }
    kept = resolve(c->cands, n);
    for (i = 0; i < kept; i++) {
        const struct cand *x = &c->cands[i];
        const azk_field *fd = &rec->fields[x->field];
        azk_finding fnd;
        bool skip = false;
        rc = allowed(c, fd->ptr + x->start, x->len, &skip);
        if (rc != AZK_OK)
            return rc;
        if (skip) {
            if (excluded != NULL)
                (*excluded)++;
            continue;
        }
        memset(&fnd, 0, sizeof(fnd));
        fnd.type = x->type;
        fnd.field = x->field;
        fnd.start = x->start;
        fnd.len = x->len;
        fnd.line = rec->line;
        fnd.page = rec->page;
        fnd.sheet = rec->sheet;
        fnd.confidence = x->conf;
        memcpy(fnd.masked, x->masked, sizeof(fnd.masked));
        fnd.masked[sizeof(fnd.masked) - 1] = '\0';
        rc = cb(&fnd, payload);
        if (rc != AZK_OK)
            return rc;
    }
    return AZK_OK;
}

azk_status azk_detect__record(azk_detect_ctx *c, const azk_record *rec, azk_finding_cb cb,
                              void *payload, size_t *excluded)
{
    azk_status rc = AZK_OK;
    size_t i;
    AZK_ASSERT_ARG(c != NULL && rec != NULL && cb != NULL);
    if (excluded != NULL)
        *excluded = 0;
    if (rec->tabular && rec->sheet != NULL &&
        strncmp(rec->sheet, c->sheet, sizeof(c->sheet) - 1) != 0) {
        /* every sheet of a workbook has its own header row */
        azk_detect__object_begin(c, NULL);
        (void)snprintf(c->sheet, sizeof(c->sheet), "%s", rec->sheet);
    }
    if (rec->tabular) {
        bool first = c->tab_rows == 0;
        c->tab_rows++;
        if (rec->is_header || (first && !c->header_seen && looks_like_header(rec)))
            return set_columns(c, rec);
        if (first && !c->header_seen) {
            rc = cache_columns(c, rec);
            if (rc != AZK_OK)
                return rc;
        }
    }
    c->cand_count = 0;
    if (!rec->tabular) {
        for (i = 0; i < rec->field_count; i++) {
            rc = azk_detect__scan_field(c, &rec->fields[i], (uint32_t)i, AZK_COL_NONE, false, NULL);
            if (rc != AZK_OK)
                return rc;
        }
    } else {
        rc = azk_detect__scan_row(c, rec->fields, rec->field_count);
        if (rc != AZK_OK)
            return rc;
    }
    if (c->cand_count == 0)
        return AZK_OK;
    return record_findings(c, rec, cb, payload, excluded);
}

/* ---- object score ------------------------------------------------------------ */

double azk_detect__score(const size_t counts[AZK_PII__COUNT], size_t rows_with_multiple_types,
                         uint64_t records)
{
    /* weight of one kind of value: how much harm a leak of it does */
    static const double w[AZK_PII__COUNT] = {
        [AZK_PII_PERSON_NAME] = 2.0,  [AZK_PII_ADDRESS] = 3.0,
        [AZK_PII_POSTAL_CODE] = 1.0,  [AZK_PII_PHONE] = 3.0,
        [AZK_PII_EMAIL] = 2.0,        [AZK_PII_BIRTH_DATE] = 4.0,
        [AZK_PII_MY_NUMBER] = 10.0,   [AZK_PII_CORPORATE_NUMBER] = 0.5,
        [AZK_PII_BANK_ACCOUNT] = 6.0, [AZK_PII_CREDIT_CARD] = 8.0,
    };
    double raw = 0.0, density;
    int t;
    /* a type not found adds w * log2(1) = +0.0: skipped (raw is never -0.0), and
     * nothing found at all scores 100 * (1 - exp(-0.0)) = +0.0 -- the same doubles
     * without a libm call per type for the many objects with few types or none */
    for (t = 0; t < AZK_PII__COUNT; t++) {
        if (counts[t] != 0)
            raw += w[t] * log2(1.0 + (double)counts[t]);
    }
    /* rows that tie several kinds of value to one person make a roster */
    if (rows_with_multiple_types != 0) {
        density = records > 0 ? (double)rows_with_multiple_types / (double)records : 0.0;
        if (density > 1.0)
            density = 1.0;
        raw += 8.0 * log2(1.0 + (double)rows_with_multiple_types) * (1.0 + density);
    }
    if (raw == 0.0)
        return 0.0;
    return 100.0 * (1.0 - exp(-raw / 40.0));
}
