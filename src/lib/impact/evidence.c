/* SPDX-License-Identifier: Apache-2.0 */
/*
 * impact/evidence.c -- the evidence of impact's candidates (impact_int.h):
 * kept from the scanning threads (128-bit keyed hashes of the values of
 * each candidate's window, never values), sorted by row per dataset, and
 * looked up while the dataset is read back from the vault to confirm each
 * candidate row against its own values (match/confirm.c).
 */
#include "impact/impact_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct azk_impact_evset *evset_get(struct azk_impact_evstore *e, const char *client,
                                          const char *dataset)
{
    struct azk_impact_evset *s;
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->sets[i].dataset, dataset) == 0 && strcmp(e->sets[i].client, client) == 0)
            return &e->sets[i];
    if (azk_array_reserve(&e->sets, &e->cap, e->n, sizeof(*e->sets), 8) != AZK_OK)
        return NULL;
    s = &e->sets[e->n];
    memset(s, 0, sizeof(*s));
    s->client = azk_strdup(client);
    s->dataset = azk_strdup(dataset);
    if (s->client == NULL || s->dataset == NULL) {
        azk_free(s->client);
        azk_free(s->dataset);
        return NULL;
    }
    e->n++;
    return s;
}

/* From the scanning threads: keep a candidate's evidence (a window evaluated again
 * on the next line with the same values is kept once). */
azk_status azk_impact__on_evidence(const char *client, const char *dataset, uint64_t row,
                                   const struct azk_match_ev_item *items, size_t count,
                                   void *payload)
{
    struct azk_impact_evstore *e = payload;
    struct azk_impact_evset *s;
    azk_status rc = AZK_OK;
    pthread_mutex_lock(&e->mu);
    if (e->err != AZK_OK)
        goto done;
    s = evset_get(e, client, dataset);
    if (s == NULL) {
        rc = e->err = azk_error_nomem();
        goto done;
    }
    /* the same window of the same object again (this thread's, still pending) */
    if (s->n > 0 && s->recs[s->n - 1].row == row && s->recs[s->n - 1].n == count &&
        s->recs[s->n - 1].obj == AZK_IMPACT_OBJ_UNKNOWN &&
        pthread_equal(s->recs[s->n - 1].thr, pthread_self()) &&
        memcmp(s->items + s->recs[s->n - 1].off, items, count * sizeof(*items)) == 0)
        goto done;
    if (e->items + count > AZK_IMPACT_MAX_EVIDENCE) {
        rc = e->err =
            azk_error_set(AZK_ERR_LIMIT, "impact: more than %zu candidate values to confirm",
                          AZK_IMPACT_MAX_EVIDENCE);
        goto done;
    }
    if (azk_array_reserve(&s->recs, &s->cap, s->n, sizeof(*s->recs), 64) != AZK_OK ||
        azk_array_reserve(&s->items, &s->capi, s->ni + count, sizeof(*s->items), 256) != AZK_OK ||
        azk_array_reserve(&e->pend, &e->cappend, e->npend, sizeof(*e->pend), 64) != AZK_OK) {
        rc = e->err = azk_error_nomem();
        goto done;
    }
    s->recs[s->n].row = row;
    s->recs[s->n].off = s->ni;
    s->recs[s->n].n = (uint32_t)count;
    s->recs[s->n].obj = AZK_IMPACT_OBJ_UNKNOWN;
    s->recs[s->n].thr = pthread_self();
    e->pend[e->npend].set = (size_t)(s - e->sets);
    e->pend[e->npend].rec = s->n;
    e->npend++;
    s->n++;
    memcpy(s->items + s->ni, items, count * sizeof(*items));
    s->ni += count;
    e->items += count;
done:
    if (rc != AZK_OK)
        snprintf(e->msg, sizeof(e->msg), "%s", azk_error_last()->message);
    pthread_mutex_unlock(&e->mu);
    return rc;
}

static int cmp_row(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Is row among the object's rows of set s? */
static bool object_has(const struct azk_impact_evset *s, uint64_t row, const azk_scan_edm *edm,
                       size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(edm[i].dataset, s->dataset) == 0 && strcmp(edm[i].client, s->client) == 0 &&
            bsearch(&row, edm[i].rows, edm[i].row_count, sizeof(uint64_t), cmp_row) != NULL)
            return true;
    return false;
}

void azk_impact__evstore_object_done(struct azk_impact_evstore *e, uint64_t obj,
                                     const azk_scan_edm *edm, size_t n)
{
    size_t keep = 0;
    pthread_t self = pthread_self();
    pthread_mutex_lock(&e->mu);
    for (size_t i = 0; i < e->npend; i++) {
        const struct azk_impact_evset *s = &e->sets[e->pend[i].set];
        struct azk_impact_evrec *r = &s->recs[e->pend[i].rec];
        /* another thread's object (still scanned), or an enclosing object's rows */
        if (pthread_equal(r->thr, self) && object_has(s, r->row, edm, n))
            r->obj = obj;
        else
            e->pend[keep++] = e->pend[i];
    }
    e->npend = keep;
    pthread_mutex_unlock(&e->mu);
}

static int cmp_evrec(const void *a, const void *b)
{
    const struct azk_impact_evrec *x = a;
    const struct azk_impact_evrec *y = b;
    if (x->row != y->row)
        return x->row < y->row ? -1 : 1;
    return x->off < y->off ? -1 : x->off > y->off;
}

const struct azk_impact_evset *azk_impact__evstore_find(const struct azk_impact_evstore *e,
                                                        const char *client, const char *dataset)
{
    for (size_t i = 0; i < e->n; i++)
        if (strcmp(e->sets[i].dataset, dataset) == 0 && strcmp(e->sets[i].client, client) == 0)
            return &e->sets[i];
    return NULL;
}

void azk_impact__evstore_dispose(struct azk_impact_evstore *e)
{
    for (size_t i = 0; i < e->n; i++) {
        azk_free(e->sets[i].client);
        azk_free(e->sets[i].dataset);
        azk_free(e->sets[i].recs);
        if (e->sets[i].items != NULL)
            sodium_memzero(e->sets[i].items, e->sets[i].capi * sizeof(*e->sets[i].items));
        azk_free(e->sets[i].items);
    }
    azk_free(e->sets);
    e->sets = NULL;
    e->n = e->cap = 0;
    azk_free(e->pend);
    e->pend = NULL;
    e->npend = e->cappend = 0;
}

void azk_impact__evstore_sort(struct azk_impact_evstore *e)
{
    for (size_t i = 0; i < e->n; i++)
        if (e->sets[i].n > 1)
            qsort(e->sets[i].recs, e->sets[i].n, sizeof(*e->sets[i].recs), cmp_evrec);
}
