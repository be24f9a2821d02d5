/* SPDX-License-Identifier: Apache-2.0 */
/*
 * link/cluster.c -- from scored pairs to persons.
 *
 * Plain connected components over the links would chain unrelated people
 * through one weak link (A~B strongly, B~C weakly, A and C twins). Instead
 * the links are taken strongest first (greedy agglomeration, as in
 * correlation clustering with cannot-link constraints): two clusters are
 * merged only when most of the cross pairs with both birth dates agree on
 * it (one slip each in two records of one person may differ, a parent and
 * a child always do), when no cross pair without a birth date has other
 * personal contacts (see compare.c), when fewer than half of the cross pairs have the same
 * family name with clearly different given names (twins and siblings
 * contradict on every pair; two typos in two records on one pair), and
 * only while the merged cluster stays below max_cluster distinct records. A link that would join
 * two such clusters is refused and counted.
 */
#include "link/link_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Bits added to the order (not the probability) of an undated personal link. */
#define PERSONAL_ORDER_BONUS 8.0

struct edge {
    uint32_t a, b;
    float w;
};

static int cmp_edge(const void *x, const void *y)
{
    const struct edge *a = x;
    const struct edge *b = y;
    if (a->w != b->w)
        return a->w > b->w ? -1 : 1;
    if (a->a != b->a)
        return a->a < b->a ? -1 : 1;
    return a->b < b->b ? -1 : (a->b > b->b);
}

static uint32_t find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

azk_status azk_link__cluster(azk_link *lk, struct pair *pairs, size_t pair_count)
{
    azk_status rc = AZK_ERR_NOMEM;
    size_t n = lk->rep_count;
    uint32_t *parent = NULL;
    uint32_t *size = NULL;
    uint32_t *next = NULL; /* circular member list */
    struct edge *edges = NULL;
    size_t ne = 0;
    double t = lk->opts.threshold;
    double wmin;

    if (t <= 0)
        t = 1e-9;
    if (t >= 1)
        t = 1 - 1e-12;
    wmin = log2(t / (1 - t));
    parent = azk_malloc((n > 0 ? n : 1) * sizeof(uint32_t));
    size = azk_malloc((n > 0 ? n : 1) * sizeof(uint32_t));
    next = azk_malloc((n > 0 ? n : 1) * sizeof(uint32_t));
    if (parent == NULL || size == NULL || next == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        parent[i] = (uint32_t)i;
        size[i] = 1;
        next[i] = (uint32_t)i;
    }
    /* scored links, in place of the pairs' memory when possible */
    for (size_t i = 0; i < pair_count; i++) {
        struct cmp c;
        double w;
        if (pairs[i].gamma & PAIR_CONTRA)
            continue;
        azk_link__gamma_decode(pairs[i].gamma & PAIR_GAMMA, &c);
        w = azk_link__pair_weight(lk, pairs[i].a, pairs[i].b, &c, NULL);
        if (w < wmin)
            continue;
        ne++;
    }
    edges = azk_malloc((ne > 0 ? ne : 1) * sizeof(struct edge));
    if (edges == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    ne = 0;
    for (size_t i = 0; i < pair_count; i++) {
        struct cmp c;
        double w;
        if (pairs[i].gamma & PAIR_CONTRA)
            continue;
        azk_link__gamma_decode(pairs[i].gamma & PAIR_GAMMA, &c);
        w = azk_link__pair_weight(lk, pairs[i].a, pairs[i].b, &c, NULL);
        if (w < wmin)
            continue;
        edges[ne].a = pairs[i].a;
        edges[ne].b = pairs[i].b;
        /*
         * Order only: without a birth date, a link on the person's own
         * mobile or e-mail goes before one on what a household shares
         * (name, address, landline), so an undated record of a parent or
         * a child of one name joins the one whose contact it carries.
         */
        if (c.level[AZK_LINK_F_BIRTH] == LEVEL_MISSING && (pairs[i].gamma & PAIR_PERSONAL))
            w += PERSONAL_ORDER_BONUS;
        edges[ne].w = (float)w;
        ne++;
    }
    lk->stats.linked_pairs = ne;
    qsort(edges, ne, sizeof(struct edge), cmp_edge);

    for (size_t i = 0; i < ne; i++) {
        uint32_t ra = find(parent, edges[i].a);
        uint32_t rb = find(parent, edges[i].b);
        bool ok = true;
        if (ra == rb)
            continue;
        if ((size_t)size[ra] + size[rb] > lk->opts.max_cluster) {
            lk->stats.refused_merges++;
            continue;
        }
        if (size[ra] > 1 || size[rb] > 1) {
            /*
             * Different birth dates forbid the merge when they are the
             * majority of the cross pairs that have both dates: a parent
             * and a child (or two strangers) differ on every such pair,
             * while one person's records with two different slips (one
             * digit here, day and month swapped there) differ only between
             * the two slipped records. Other personal contacts without a
             * birth date (compare.c) forbid it outright. A given-name
             * contradiction may be two typos in two records (one in the
             * kanji, one in the kana): it forbids the merge only when at
             * least half of the cross pairs contradict, which twins and
             * siblings always do.
             */
            uint32_t x = ra;
            uint64_t cross = 0;
            uint64_t given = 0;
            uint64_t dated = 0;
            uint64_t births = 0;
            do {
                uint32_t y = rb;
                do {
                    struct cmp c;
                    azk_link__compare(lk, &lk->recs[lk->reps[x]], &lk->recs[lk->reps[y]], &c);
                    cross++;
                    if (c.level[AZK_LINK_F_BIRTH] != LEVEL_MISSING)
                        dated++;
                    if (c.contradiction == 3) {
                        ok = false;
                        break;
                    }
                    if (c.contradiction == 1)
                        births++;
                    if (c.contradiction == 2)
                        given++;
                    y = next[y];
                } while (y != rb);
                x = next[x];
            } while (ok && x != ra);
            if (ok && (given * 2 >= cross || births * 2 > dated))
                ok = false;
        }
        if (!ok) {
            lk->stats.refused_merges++;
            continue;
        }
        if (size[ra] < size[rb]) {
            uint32_t tmp = ra;
            ra = rb;
            rb = tmp;
        }
        parent[rb] = ra;
        size[ra] += size[rb];
        {
            uint32_t tmp = next[ra];
            next[ra] = next[rb];
            next[rb] = tmp;
        }
    }

    lk->person_of_rep = azk_malloc((n > 0 ? n : 1) * sizeof(uint64_t));
    if (lk->person_of_rep == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        lk->person_of_rep[i] = find(parent, (uint32_t)i);
    rc = AZK_OK;
done:
    azk_free(parent);
    azk_free(size);
    azk_free(next);
    azk_free(edges);
    return rc;
}
