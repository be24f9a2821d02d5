/* SPDX-License-Identifier: Apache-2.0 */
/*
 * link/em.c -- estimation of the Fellegi-Sunter parameters from the data,
 * and the match weight of a pair.
 *
 * u[f][l] = P(level l | two records of different persons) is measured on
 * random pairs of distinct records (all pairs when there are fewer than
 * RANDOM_PAIRS, else a uniform sample): almost all random pairs are
 * non-matches.
 *
 * m[f][l] = P(level l | same person) and the share of matches are estimated
 * by EM (two-class mixture, conditionally independent fields, u fixed) on
 * the candidate pairs of each blocking key separately, leaving out the
 * fields the key is made of (they agree on every pair of that key, match or
 * not, so they carry no information there) -- the training scheme of
 * Splink. The m of a field is the average of its estimates over the keys
 * that do not use it, weighted by their expected number of matches. The
 * data are histograms of comparison vectors (a few thousand cells), so EM
 * costs nothing next to the comparisons.
 *
 * The prior of a random pair is lambda = expected matches / all pairs of
 * distinct records; a pair's weight is log2(lambda/(1-lambda)) plus
 * log2(m/u) of each field present, plus the term-frequency adjustment:
 * for the exact name levels the weight moves by log2(mean_tf / tf(value))
 * (Winkler; Splink's tf adjustment), so an exact match on a common name
 * (佐藤) adds less than one on a rare name.
 */
#include "link/link_int.h"

#include <math.h>
#include <string.h>

#define PRIOR_PAIRS 20000.0

/*
 * Generic u per level (share of pairs of two different people): rough
 * figures for a Japanese population; the last level takes the rest.
 */
static const double prior_u[AZK_LINK_F__COUNT][MAX_LEVELS] = {
    {1e-4, 1e-5, 1e-6, 1e-5, 2e-3, 3e-3, 0.99488}, /* name */
    {4e-5, 1e-5, 1e-3, 0.99895},                   /* birth date */
    {1e-5, 1e-5, 1e-5, 3e-3, 0.99697},             /* address */
    {1e-4, 1e-5, 0.99989},                         /* postal code */
    {1e-6, 1e-5, 0.999989},                        /* phone */
    {1e-7, 0.9999999},                             /* e-mail */
    {1e-7, 1e-6, 0.9999989},                       /* identifier */
};

struct cell {
    struct cmp c;
    double n;
};

/* Fields a key type is made of. */
static bool key_uses(int t, int f)
{
    switch (t) {
        case KT_KANA:
        case KT_NAME:
            return f == AZK_LINK_F_NAME;
        case KT_BIRTH:
            return f == AZK_LINK_F_BIRTH;
        case KT_PHONE:
            return f == AZK_LINK_F_PHONE;
        case KT_ADDR:
            return f == AZK_LINK_F_ADDRESS || f == AZK_LINK_F_POSTAL;
        case KT_EMAIL:
            return f == AZK_LINK_F_EMAIL;
        default:
            return f == AZK_LINK_F_ID;
    }
}

static size_t cells_of(const uint64_t *hist, struct cell *cells, int t)
{
    uint32_t gc = azk_link__gamma_count();
    size_t n = 0;
    for (uint32_t g = 0; g < gc; g++) {
        if (hist[g] == 0)
            continue;
        azk_link__gamma_decode(g, &cells[n].c);
        for (int f = 0; f < AZK_LINK_F__COUNT; f++)
            if (t >= 0 && key_uses(t, f))
                cells[n].c.level[f] = LEVEL_MISSING;
        cells[n].n = (double)hist[g];
        n++;
    }
    return n;
}

static void start_m(double m[AZK_LINK_F__COUNT][MAX_LEVELS])
{
    for (int f = 0; f < AZK_LINK_F__COUNT; f++) {
        unsigned nl = azk_link_level_count((azk_link_field)f);
        double tot = 0;
        for (unsigned l = 0; l < nl; l++) {
            m[f][l] = l == 0 ? 0.9 : 0.1 / (double)(1u << l);
            tot += m[f][l];
        }
        for (unsigned l = 0; l < nl; l++)
            m[f][l] /= tot;
    }
}

/*
 * EM with u fixed over cells; m (fields not used by key t) and lambda_t
 * out; returns the iterations done. nm_w gets the expected match count
 * per field (the weight of this key's estimate).
 */
static unsigned em_key(const azk_link *lk, const struct cell *cells, size_t ncell,
                       double m[AZK_LINK_F__COUNT][MAX_LEVELS], double *lambda,
                       double mw[AZK_LINK_F__COUNT])
{
    unsigned it;
    double lam = 0.5;
    start_m(m);
    for (it = 1; it <= lk->opts.em_max_iter; it++) {
        double nm[AZK_LINK_F__COUNT][MAX_LEVELS];
        double sum_g = 0;
        double sum_n = 0;
        double delta = 0;
        memset(nm, 0, sizeof(nm));
        for (size_t i = 0; i < ncell; i++) {
            double pm = lam;
            double pu = 1.0 - lam;
            double g;
            for (int f = 0; f < AZK_LINK_F__COUNT; f++) {
                uint8_t l = cells[i].c.level[f];
                if (l == LEVEL_MISSING)
                    continue;
                pm *= m[f][l];
                pu *= lk->u[f][l];
            }
            g = pm + pu > 0 ? pm / (pm + pu) : 0;
            sum_g += g * cells[i].n;
            sum_n += cells[i].n;
            for (int f = 0; f < AZK_LINK_F__COUNT; f++) {
                uint8_t l = cells[i].c.level[f];
                if (l != LEVEL_MISSING)
                    nm[f][l] += g * cells[i].n;
            }
        }
        if (sum_n <= 0)
            break;
        {
            double nl_ = sum_g / sum_n;
            if (nl_ < 1e-9)
                nl_ = 1e-9;
            if (nl_ > 1 - 1e-9)
                nl_ = 1 - 1e-9;
            delta = fabs(nl_ - lam);
            lam = nl_;
        }
        for (int f = 0; f < AZK_LINK_F__COUNT; f++) {
            unsigned nl = azk_link_level_count((azk_link_field)f);
            double tot = 0;
            for (unsigned l = 0; l < nl; l++)
                tot += nm[f][l];
            mw[f] = tot;
            if (tot <= 0)
                continue;
            for (unsigned l = 0; l < nl; l++) {
                /* a little smoothing keeps every level possible for matches */
                double v = (nm[f][l] + 1e-3) / (tot + 1e-3 * nl);
                double d = fabs(v - m[f][l]);
                if (d > delta)
                    delta = d;
                m[f][l] = v;
            }
        }
        if (delta < lk->opts.em_tolerance)
            break;
    }
    *lambda = lam;
    return it > lk->opts.em_max_iter ? lk->opts.em_max_iter : it;
}

void azk_link__em(azk_link *lk, const struct hists *h)
{
    uint32_t gc = azk_link__gamma_count();
    struct cell *cells = azk_calloc(gc, sizeof(*cells));
    double msum[AZK_LINK_F__COUNT][MAX_LEVELS];
    double wsum[AZK_LINK_F__COUNT];
    double matches = 0;
    unsigned iters = 0;
    double all_pairs = (double)lk->rep_count * ((double)lk->rep_count - 1.0) / 2.0;

    memset(msum, 0, sizeof(msum));
    memset(wsum, 0, sizeof(wsum));
    start_m(lk->m);

    /*
     * u from random pairs, plus PRIOR_PAIRS pseudo-pairs distributed as a
     * generic population would be (prior_u): negligible next to the
     * millions of sampled pairs of a real run, but it keeps a file of a
     * handful of records (where "random pairs" are mostly the same person)
     * from believing that everybody shares a birth date.
     */
    {
        double cnt[AZK_LINK_F__COUNT][MAX_LEVELS];
        memset(cnt, 0, sizeof(cnt));
        for (uint32_t g = 0; g < gc; g++) {
            struct cmp c;
            if (h->random == NULL || h->random[g] == 0)
                continue;
            azk_link__gamma_decode(g, &c);
            for (int f = 0; f < AZK_LINK_F__COUNT; f++)
                if (c.level[f] != LEVEL_MISSING)
                    cnt[f][c.level[f]] += (double)h->random[g];
        }
        for (int f = 0; f < AZK_LINK_F__COUNT; f++) {
            unsigned nl = azk_link_level_count((azk_link_field)f);
            double tot = 0;
            for (unsigned l = 0; l < nl; l++) {
                cnt[f][l] += PRIOR_PAIRS * prior_u[f][l];
                tot += cnt[f][l];
            }
            for (unsigned l = 0; l < nl; l++)
                lk->u[f][l] = cnt[f][l] / tot;
        }
    }
    if (cells == NULL)
        goto done; /* keep the start values: still a usable model */

    for (int t = 0; t < KT__COUNT; t++) {
        double m[AZK_LINK_F__COUNT][MAX_LEVELS];
        double mw[AZK_LINK_F__COUNT];
        double lam = 0;
        double n = 0;
        size_t ncell;
        unsigned it;
        lk->lambda_key[t] = 0;
        if (h->key[t] == NULL)
            continue;
        ncell = cells_of(h->key[t], cells, t);
        for (size_t i = 0; i < ncell; i++)
            n += cells[i].n;
        if (ncell == 0 || n < 1)
            continue;
        memset(mw, 0, sizeof(mw));
        it = em_key(lk, cells, ncell, m, &lam, mw);
        if (it > iters)
            iters = it;
        lk->lambda_key[t] = lam;
        /* expected matches among the pairs compared under this key */
        ncell = cells_of(h->first[t], cells, t);
        for (size_t i = 0; i < ncell; i++) {
            double pm = lam;
            double pu = 1.0 - lam;
            for (int f = 0; f < AZK_LINK_F__COUNT; f++) {
                uint8_t l = cells[i].c.level[f];
                if (l == LEVEL_MISSING)
                    continue;
                pm *= m[f][l];
                pu *= lk->u[f][l];
            }
            if (pm + pu > 0)
                matches += cells[i].n * pm / (pm + pu);
        }
        for (int f = 0; f < AZK_LINK_F__COUNT; f++) {
            unsigned nl = azk_link_level_count((azk_link_field)f);
            if (key_uses(t, f) || mw[f] <= 0)
                continue;
            for (unsigned l = 0; l < nl; l++)
                msum[f][l] += m[f][l] * mw[f];
            wsum[f] += mw[f];
        }
    }
    for (int f = 0; f < AZK_LINK_F__COUNT; f++) {
        unsigned nl = azk_link_level_count((azk_link_field)f);
        if (wsum[f] <= 0)
            continue;
        for (unsigned l = 0; l < nl; l++)
            lk->m[f][l] = msum[f][l] / wsum[f];
    }
done:
    lk->lambda = all_pairs > 0 ? matches / all_pairs : 0;
    if (lk->lambda < 1e-12)
        lk->lambda = 1e-12;
    if (lk->lambda > 0.5)
        lk->lambda = 0.5;
    lk->stats.em_iterations = iters;
    lk->stats.lambda = lk->lambda;
    azk_free(cells);
}

static double tf_adj(double mean_tf, double tf)
{
    double a;
    if (tf <= 0 || mean_tf <= 0)
        return 0;
    a = log2(mean_tf / tf);
    if (a > 8)
        a = 8;
    if (a < -8)
        a = -8;
    return a;
}

double azk_link__pair_weight(const azk_link *lk, uint32_t ra, uint32_t rb, const struct cmp *c,
                             double tf[AZK_LINK_F__COUNT])
{
    double w = log2(lk->lambda / (1.0 - lk->lambda));
    (void)rb;
    for (int f = 0; f < AZK_LINK_F__COUNT; f++) {
        uint8_t l = c->level[f];
        if (tf != NULL)
            tf[f] = 0;
        if (l == LEVEL_MISSING)
            continue;
        w += log2(lk->m[f][l] / lk->u[f][l]);
    }
    if (!lk->opts.no_tf && c->level[AZK_LINK_F_NAME] != LEVEL_MISSING) {
        double a = 0;
        switch (c->level[AZK_LINK_F_NAME]) {
            case NL_EXACT:
            case NL_KANJI_EXACT:
                a = lk->tf_name[ra] > 0 ? tf_adj(lk->mean_tf_name, lk->tf_name[ra])
                                        : tf_adj(lk->mean_tf_kana, lk->tf_kana[ra]);
                break;
            case NL_KANA_EXACT:
                a = tf_adj(lk->mean_tf_kana, lk->tf_kana[ra]);
                break;
            case NL_GIVEN_ONLY:
                a = tf_adj(lk->mean_tf_giv, lk->tf_giv[ra]);
                break;
            default:
                break;
        }
        w += a;
        if (tf != NULL)
            tf[AZK_LINK_F_NAME] = a;
    }
    return w;
}
