/* SPDX-License-Identifier: Apache-2.0 */
/*
 * link/link.c -- the public API of the linkage engine (azukari/link.h):
 * records in, folding of exact normalised duplicates (a million copies of
 * one record are one distinct record, compared once), term frequencies of
 * names, then blocking + comparison (block.c), EM (em.c) and clustering
 * (cluster.c), persons out, and explanations of single pairs.
 */
#include "link/link_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define REP_NONE UINT32_MAX

azk_status azk_link_new(azk_link **out, const azk_link_options *opts_in)
{
    static const azk_link_options opts_def = AZK_LINK_OPTIONS_INIT;
    azk_link_options opts_v;
    const azk_link_options *opts = &opts_v;
    azk_link_options def = AZK_LINK_OPTIONS_INIT;
    azk_link *lk;

    if (out != NULL)
        *out = NULL; /* also when the options are refused */
    if (azk__options_in(&opts_v, sizeof(opts_v), &opts_def, opts_in, false, "azk_link_new") !=
        AZK_OK)
        return azk_error_last()->code;
    AZK_ASSERT_ARG(out != NULL);
    *out = NULL;
    lk = azk_calloc(1, sizeof(*lk));
    if (lk == NULL)
        return azk_error_nomem();
    lk->opts = opts != NULL ? *opts : def;
    if (lk->opts.max_block < 2)
        lk->opts.max_block = 2;
    if (lk->opts.window < 2)
        lk->opts.window = 2;
    if (lk->opts.max_cluster < 2)
        lk->opts.max_cluster = 2;
    if (lk->opts.max_records == 0 || lk->opts.max_records > UINT32_MAX - 1)
        lk->opts.max_records = UINT32_MAX - 1;
    if (lk->opts.em_max_iter == 0)
        lk->opts.em_max_iter = 1;
    *out = lk;
    return AZK_OK;
}

void azk_link_free(azk_link *lk)
{
    if (lk == NULL)
        return;
    if (lk->arena != NULL)
        azk_free_secret(lk->arena, lk->arena_cap);
    azk_free(lk->recs);
    azk_free(lk->reps);
    azk_free(lk->tf_name);
    azk_free(lk->tf_kana);
    azk_free(lk->tf_giv);
    azk_free(lk->person_of_rep);
    azk_free(lk);
}

azk_status azk_link_add(azk_link *lk, uint32_t file, uint64_t row, const azk_link_value *values,
                        size_t value_count, size_t *index_out)
{
    azk_status rc;
    struct lrec r;
    AZK_ASSERT_ARG(lk != NULL);
    AZK_ASSERT_ARG(values != NULL || value_count == 0);
    if (lk->ran)
        return azk_error_set(AZK_ERR_ARG, "link: records added after run");
    if (lk->rec_count >= lk->opts.max_records)
        return azk_error_set(AZK_ERR_LIMIT, "link: more than %zu records", lk->opts.max_records);
    rc = azk_array_reserve(&lk->recs, &lk->rec_cap, lk->rec_count, sizeof(*lk->recs), 1024);
    if (rc != AZK_OK)
        return rc;
    rc = azk_link__prep(lk, values, value_count, &r);
    if (rc != AZK_OK)
        return rc;
    r.rep = REP_NONE;
    r.file = file;
    r.row = row;
    lk->recs[lk->rec_count] = r;
    if (index_out != NULL)
        *index_out = lk->rec_count;
    lk->rec_count++;
    return AZK_OK;
}

void azk_link_record_source(const azk_link *lk, size_t index, uint32_t *file, uint64_t *row)
{
    bool ok = lk != NULL && index < lk->rec_count;
    if (file != NULL)
        *file = ok ? lk->recs[index].file : 0;
    if (row != NULL)
        *row = ok ? lk->recs[index].row : 0;
}

size_t azk_link_record_count(const azk_link *lk)
{
    return lk != NULL ? lk->rec_count : 0;
}

static bool same_content(const azk_link *lk, const struct lrec *a, const struct lrec *b)
{
    size_t la = 0;
    if (a->birth != b->birth || (a->flags & LREC_GEN) != (b->flags & LREC_GEN) ||
        memcmp(a->len, b->len, sizeof(a->len)) != 0)
        return false;
    for (int i = 0; i < S__COUNT; i++)
        la += a->len[i];
    return memcmp(lk->arena + a->off, lk->arena + b->off, la) == 0;
}

static uint64_t content_hash(const azk_link *lk, const struct lrec *r)
{
    size_t la = 0;
    uint64_t h;
    for (int i = 0; i < S__COUNT; i++)
        la += r->len[i];
    h = azk_link__hash(r->len, sizeof(r->len), r->birth);
    return h ^ azk_link__hash(lk->arena + r->off, la, 77);
}

/* Fold exact duplicates: reps[] lists the first record of each content. */
static azk_status dedupe(azk_link *lk)
{
    size_t cap = 1024;
    uint32_t *table;
    azk_status rc = AZK_OK;
    while (cap < lk->rec_count * 2)
        cap *= 2;
    table = azk_malloc(cap * sizeof(uint32_t));
    lk->reps = azk_malloc((lk->rec_count > 0 ? lk->rec_count : 1) * sizeof(uint32_t));
    if (table == NULL || lk->reps == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    memset(table, 0xff, cap * sizeof(uint32_t));
    for (size_t i = 0; i < lk->rec_count; i++) {
        struct lrec *r = &lk->recs[i];
        size_t slot;
        if (r->flags & LREC_UNUSABLE) {
            lk->stats.unusable++;
            continue;
        }
        slot = (size_t)content_hash(lk, r) & (cap - 1);
        for (;;) {
            uint32_t rep = table[slot];
            if (rep == REP_NONE) {
                table[slot] = (uint32_t)lk->rep_count;
                lk->reps[lk->rep_count] = (uint32_t)i;
                r->rep = (uint32_t)lk->rep_count;
                lk->rep_count++;
                break;
            }
            if (same_content(lk, &lk->recs[lk->reps[rep]], r)) {
                r->rep = rep;
                break;
            }
            slot = (slot + 1) & (cap - 1);
        }
    }
done:
    azk_free(table);
    return rc;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x;
    uint64_t b = *(const uint64_t *)y;
    return a < b ? -1 : (a > b);
}

/* Count of h in sorted v[0..n). */
static size_t count_in(const uint64_t *v, size_t n, uint64_t h)
{
    size_t lo = 0;
    size_t hi = n;
    size_t first;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] < h)
            lo = mid + 1;
        else
            hi = mid;
    }
    first = lo;
    hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v[mid] <= h)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo - first;
}

/*
 * Term frequency of a name among distinct records: (count of family) x
 * (count of given) / N^2 when the parts are known (so a common family name
 * lowers the weight even when full names are all unique), else the count
 * of the full name / N.
 */
static azk_status term_frequencies(azk_link *lk)
{
    static const int slots[3][3] = {
        {S_NAME, S_FAM, S_GIV}, {S_KANA, S_KFAM, S_KGIV}, {S_KGIV, S_GIV, -1}};
    size_t n = lk->rep_count;
    uint64_t *h[3] = {NULL, NULL, NULL};
    uint64_t *sorted[3] = {NULL, NULL, NULL};
    azk_status rc = AZK_ERR_NOMEM;
    double nn = n > 0 ? (double)n : 1.0;
    lk->tf_name = azk_calloc(n > 0 ? n : 1, sizeof(float));
    lk->tf_kana = azk_calloc(n > 0 ? n : 1, sizeof(float));
    lk->tf_giv = azk_calloc(n > 0 ? n : 1, sizeof(float));
    for (int k = 0; k < 3; k++) {
        h[k] = azk_calloc(n > 0 ? n : 1, sizeof(uint64_t));
        sorted[k] = azk_calloc(n > 0 ? n : 1, sizeof(uint64_t));
    }
    if (lk->tf_name == NULL || lk->tf_kana == NULL || lk->tf_giv == NULL || h[0] == NULL ||
        h[1] == NULL || h[2] == NULL || sorted[0] == NULL || sorted[1] == NULL ||
        sorted[2] == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (int script = 0; script < 2; script++) {
        float *tf = script == 0 ? lk->tf_name : lk->tf_kana;
        double sum = 0;
        size_t with = 0;
        for (int k = 0; k < 3; k++) {
            for (size_t r = 0; r < n; r++) {
                size_t len;
                const char *s = lrec_str(lk, &lk->recs[lk->reps[r]], slots[script][k], &len);
                h[k][r] = len > 0 ? azk_link__hash(s, len, 11) : 0;
            }
            memcpy(sorted[k], h[k], n * sizeof(uint64_t));
            qsort(sorted[k], n, sizeof(uint64_t), cmp_u64);
        }
        for (size_t r = 0; r < n; r++) {
            double v = 0;
            if (h[1][r] != 0 && h[2][r] != 0)
                v = (double)count_in(sorted[1], n, h[1][r]) / nn *
                    ((double)count_in(sorted[2], n, h[2][r]) / nn);
            else if (h[0][r] != 0)
                v = (double)count_in(sorted[0], n, h[0][r]) / nn;
            if (v > 0 && v < 1.0 / (nn * nn))
                v = 1.0 / (nn * nn);
            tf[r] = (float)v;
            if (v > 0) {
                sum += v;
                with++;
            }
        }
        if (script == 0)
            lk->mean_tf_name = with > 0 ? sum / (double)with : 0;
        else
            lk->mean_tf_kana = with > 0 ? sum / (double)with : 0;
    }
    /* given names: kana part if known, else kanji part */
    {
        double sum = 0;
        size_t with = 0;
        for (int k = 0; k < 2; k++) {
            for (size_t r = 0; r < n; r++) {
                size_t len;
                const char *s = lrec_str(lk, &lk->recs[lk->reps[r]], slots[2][k], &len);
                h[k][r] = len > 0 ? azk_link__hash(s, len, 13 + (uint64_t)k) : 0;
            }
            memcpy(sorted[k], h[k], n * sizeof(uint64_t));
            qsort(sorted[k], n, sizeof(uint64_t), cmp_u64);
        }
        for (size_t r = 0; r < n; r++) {
            int k = h[0][r] != 0 ? 0 : 1;
            double v = h[k][r] != 0 ? (double)count_in(sorted[k], n, h[k][r]) / nn : 0;
            lk->tf_giv[r] = (float)v;
            if (v > 0) {
                sum += v;
                with++;
            }
        }
        lk->mean_tf_giv = with > 0 ? sum / (double)with : 0;
    }
    rc = AZK_OK;
done:
    for (int k = 0; k < 3; k++) {
        azk_free(h[k]);
        azk_free(sorted[k]);
    }
    return rc;
}

static double secs(uint64_t a, uint64_t b)
{
    return (double)(b - a) / 1e9;
}

azk_status azk_link_run(azk_link *lk)
{
    azk_status rc;
    struct pair *pairs = NULL;
    size_t pair_count = 0;
    struct hists hs;
    uint64_t t0;
    uint64_t t1;
    AZK_ASSERT_ARG(lk != NULL);
    if (lk->ran)
        return azk_error_set(AZK_ERR_ARG, "link: run called twice");
    azk_error_clear();
    memset(&hs, 0, sizeof(hs));
    t0 = azk_now_ns();
    rc = dedupe(lk);
    if (rc == AZK_OK)
        rc = term_frequencies(lk);
    if (rc != AZK_OK)
        goto done;
    t1 = azk_now_ns();
    lk->stats.seconds_prepare = secs(t0, t1);
    rc = azk_link__pairs(lk, &pairs, &pair_count, &hs);
    if (rc != AZK_OK)
        goto done;
    t0 = azk_now_ns();
    lk->stats.seconds_compare = secs(t1, t0);
    azk_link__em(lk, &hs);
    t1 = azk_now_ns();
    lk->stats.seconds_em = secs(t0, t1);
    rc = azk_link__cluster(lk, pairs, pair_count);
    if (rc != AZK_OK)
        goto done;
    lk->stats.seconds_cluster = secs(t1, azk_now_ns());
    {
        /* number persons in order of their first record */
        uint64_t next = 0;
        uint64_t *num = azk_calloc(lk->rep_count > 0 ? lk->rep_count : 1, sizeof(uint64_t));
        if (num == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        for (size_t i = 0; i < lk->rec_count; i++) {
            uint32_t rep = lk->recs[i].rep;
            uint64_t root;
            if (rep == REP_NONE)
                continue;
            root = lk->person_of_rep[rep];
            if (num[root] == 0)
                num[root] = ++next;
        }
        for (size_t r = 0; r < lk->rep_count; r++)
            lk->person_of_rep[r] = num[lk->person_of_rep[r]];
        azk_free(num);
        lk->stats.persons = next;
    }
    lk->ran = true;
    rc = AZK_OK;
done:
    lk->stats.records = lk->rec_count;
    lk->stats.distinct = lk->rep_count;
    azk_free(pairs);
    azk_link__hists_dispose(&hs);
    return rc;
}

uint64_t azk_link_person(const azk_link *lk, size_t index)
{
    uint32_t rep;
    if (lk == NULL || !lk->ran || index >= lk->rec_count)
        return 0;
    rep = lk->recs[index].rep;
    return rep == REP_NONE ? 0 : lk->person_of_rep[rep];
}

void azk_link_get_stats(const azk_link *lk, azk_link_stats *out)
{
    if (out == NULL)
        return;
    if (lk == NULL) {
        memset(out, 0, sizeof(*out));
        return;
    }
    *out = lk->stats;
}

void azk_link_level_params(const azk_link *lk, azk_link_field f, unsigned level, double *m,
                           double *u)
{
    double mm = 0;
    double uu = 0;
    if (lk != NULL && (unsigned)f < AZK_LINK_F__COUNT && level < azk_link_level_count(f)) {
        mm = lk->m[f][level];
        uu = lk->u[f][level];
    }
    if (m != NULL)
        *m = mm;
    if (u != NULL)
        *u = uu;
}

azk_status azk_link_explain(const azk_link *lk, size_t a, size_t b, azk_link_explanation *out)
{
    struct cmp c;
    double tf[AZK_LINK_F__COUNT];
    const struct lrec *ra;
    const struct lrec *rb;
    AZK_ASSERT_ARG(lk != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    if (!lk->ran || a >= lk->rec_count || b >= lk->rec_count)
        return azk_error_set(AZK_ERR_ARG, "link: explain needs two records of a finished run");
    ra = &lk->recs[a];
    rb = &lk->recs[b];
    azk_link__compare(lk, ra, rb, &c);
    if (ra->rep == REP_NONE || rb->rep == REP_NONE) {
        for (int f = 0; f < AZK_LINK_F__COUNT; f++) {
            out->field[f].level = -1;
            out->field[f].level_name = "missing";
        }
        out->total_weight = -INFINITY;
        return AZK_OK;
    }
    out->total_weight = azk_link__pair_weight(lk, ra->rep, rb->rep, &c, tf);
    out->prior_weight = log2(lk->lambda / (1.0 - lk->lambda));
    for (int f = 0; f < AZK_LINK_F__COUNT; f++) {
        uint8_t l = c.level[f];
        out->field[f].level = l == LEVEL_MISSING ? -1 : (int)l;
        out->field[f].level_name = azk_link_level_name((azk_link_field)f, l);
        out->field[f].weight = l == LEVEL_MISSING ? 0 : log2(lk->m[f][l] / lk->u[f][l]);
        out->field[f].tf_adjustment = tf[f];
    }
    out->probability = 1.0 / (1.0 + exp2(-out->total_weight));
    out->contradiction = c.contradiction != 0;
    out->contradiction_reason = c.contradiction == 1   ? "birth_date"
                                : c.contradiction == 2 ? "given_name"
                                : c.contradiction == 3 ? "personal_contact"
                                                       : NULL;
    out->same_person = lk->person_of_rep[ra->rep] == lk->person_of_rep[rb->rep];
    return AZK_OK;
}
