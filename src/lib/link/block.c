/* SPDX-License-Identifier: Apache-2.0 */
/*
 * link/block.c -- blocking: which pairs of distinct records are compared.
 *
 * Keys (in this order): kana reading, kanji name, birth date (with day and
 * month sorted, so a swapped date lands in the same block), each phone,
 * address without building (a household), e-mail, identifier. A pair is
 * compared in the first key it shares, so the union of the blocks is
 * compared once without keeping a set of pairs (Splink's rule exclusion).
 * A block larger than max_block (a common name, a popular birth date, one
 * record copied a thousand times with small differences) is not compared
 * all-against-all: its members are sorted by their reading/name and birth
 * date and each is compared with the next window-1 members (sorted
 * neighbourhood), which keeps the cost at n * window per key. Exact
 * normalised duplicates never reach this stage (link.c folds them).
 *
 * Blocks are shared among worker threads; each thread keeps its own pair
 * list and gamma histogram, merged at the end.
 */
#include "link/link_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Random pairs sampled to estimate u (all pairs when there are fewer). */
#define RANDOM_PAIRS 2000000u

struct entry {
    uint64_t h;
    uint64_t sk; /* sort key inside a windowed block */
    uint32_t rep;
};

struct task {
    uint8_t type;
    uint8_t windowed;
    const struct entry *e;
    size_t n;
};

struct blocking {
    azk_link *lk;
    uint64_t *keyh;     /* rep * KS__COUNT */
    uint16_t *oversize; /* rep: bit per key slot */
    struct task *tasks;
    size_t task_count;
    size_t next;
    pthread_mutex_t mu;
};

struct worker {
    struct blocking *b;
    struct pair *pairs;
    size_t count, cap;
    uint64_t *hist[KT__COUNT];
    uint64_t *hist_first[KT__COUNT];
    uint64_t *hist_rand;
    uint64_t rand_todo; /* random pairs to sample */
    uint64_t seed;
    unsigned index, nth;
    azk_status rc;
    pthread_t th;
};

uint64_t azk_link__hash(const void *p, size_t n, uint64_t seed)
{
    const uint8_t *s = p;
    uint64_t h = 0xcbf29ce484222325ull ^ seed;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h == 0 ? 1 : h;
}

static uint64_t slot_hash(const azk_link *lk, const struct lrec *r, int slot, uint64_t seed)
{
    size_t n;
    const char *s = lrec_str(lk, r, slot, &n);
    return n == 0 ? 0 : azk_link__hash(s, n, seed);
}

static uint64_t sort_key(const azk_link *lk, const struct lrec *r)
{
    size_t n;
    const char *s = lrec_str(lk, r, S_KANA, &n);
    uint64_t k = 0;
    if (n == 0)
        s = lrec_str(lk, r, S_NAME, &n);
    for (size_t i = 0; i < 5; i++)
        k = (k << 8) | (i < n ? (uint8_t)s[i] : 0);
    return (k << 24) | (r->birth & 0xffffffu);
}

static int cmp_entry(const void *x, const void *y)
{
    const struct entry *a = x;
    const struct entry *b = y;
    if (a->h != b->h)
        return a->h < b->h ? -1 : 1;
    if (a->sk != b->sk)
        return a->sk < b->sk ? -1 : 1;
    return a->rep < b->rep ? -1 : (a->rep > b->rep);
}

/* Slots [first, last] of each key type. */
static const int type_first[KT__COUNT] = {KS_KANA, KS_NAME,  KS_BIRTH1, KS_PHONE1,
                                          KS_ADDR, KS_EMAIL, KS_ID};
static const int type_last[KT__COUNT] = {KS_KANA, KS_NAME,  KS_BIRTH4, KS_PHONE2,
                                         KS_ADDR, KS_EMAIL, KS_ID};

/*
 * True when the pair shares a key of an earlier type, or an earlier value
 * (smaller hash) of this type, in a block that was compared all against
 * all: it was compared there.
 */
static bool covered(const struct blocking *b, uint32_t x, uint32_t y, int type, uint64_t h)
{
    const uint64_t *kx = b->keyh + (size_t)x * KS__COUNT;
    const uint64_t *ky = b->keyh + (size_t)y * KS__COUNT;
    uint16_t ox = b->oversize[x];
    for (int t = 0; t <= type; t++) {
        for (int i = type_first[t]; i <= type_last[t]; i++) {
            if (kx[i] == 0 || (ox & (1u << i)))
                continue;
            if (t == type && kx[i] >= h)
                continue;
            for (int j = type_first[t]; j <= type_last[t]; j++)
                if (kx[i] == ky[j])
                    return true;
        }
    }
    return false;
}

/* True when the pair has a value of key type t in common. */
static bool shares(const struct blocking *b, uint32_t x, uint32_t y, int t)
{
    const uint64_t *kx = b->keyh + (size_t)x * KS__COUNT;
    const uint64_t *ky = b->keyh + (size_t)y * KS__COUNT;
    for (int i = type_first[t]; i <= type_last[t]; i++)
        for (int j = type_first[t]; j <= type_last[t]; j++)
            if (kx[i] != 0 && kx[i] == ky[j])
                return true;
    return false;
}

static azk_status emit(struct worker *w, uint32_t x, uint32_t y, int type)
{
    const azk_link *lk = w->b->lk;
    struct cmp c;
    uint32_t g;
    azk_status rc = azk_array_reserve(&w->pairs, &w->cap, w->count, sizeof(*w->pairs), 4096);
    if (rc != AZK_OK)
        return rc;
    azk_link__compare(lk, &lk->recs[lk->reps[x]], &lk->recs[lk->reps[y]], &c);
    g = azk_link__gamma_index(&c);
    /*
     * Training data of every key the pair shares (Splink trains per rule).
     * A pair with a hard contradiction is a known non-match: it would only
     * teach EM that households (same family name, address and phone) match.
     */
    if (!c.contradiction) {
        for (int t = 0; t < KT__COUNT; t++)
            if (t == type || shares(w->b, x, y, t))
                w->hist[t][g]++;
        w->hist_first[type][g]++;
    }
    w->pairs[w->count].a = x < y ? x : y;
    w->pairs[w->count].b = x < y ? y : x;
    w->pairs[w->count].gamma =
        g | (c.contradiction ? PAIR_CONTRA : 0) | (c.personal ? PAIR_PERSONAL : 0);
    w->count++;
    return AZK_OK;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    struct blocking *b = w->b;
    size_t win = b->lk->opts.window > 1 ? b->lk->opts.window : 2;
    for (;;) {
        size_t ti;
        const struct task *t;
        pthread_mutex_lock(&b->mu);
        ti = b->next++;
        pthread_mutex_unlock(&b->mu);
        if (ti >= b->task_count)
            break;
        t = &b->tasks[ti];
        for (size_t i = 0; i < t->n; i++) {
            size_t end = t->windowed ? (i + win < t->n ? i + win : t->n) : t->n;
            for (size_t j = i + 1; j < end; j++) {
                uint32_t x = t->e[i].rep;
                uint32_t y = t->e[j].rep;
                if (x == y || covered(b, x, y, t->type, t->e[i].h))
                    continue;
                w->rc = emit(w, x, y, t->type);
                if (w->rc != AZK_OK)
                    return NULL;
            }
        }
    }
    /* random pairs for u: all pairs when few, else a sample */
    {
        const azk_link *lk = b->lk;
        uint64_t n = lk->rep_count;
        uint64_t all = n * (n > 0 ? n - 1 : 0) / 2;
        if (all <= RANDOM_PAIRS) {
            uint64_t k = 0;
            for (uint64_t x = 0; x < n; x++) {
                for (uint64_t y = x + 1; y < n; y++, k++) {
                    struct cmp c;
                    if (k % w->nth != w->index)
                        continue;
                    azk_link__compare(lk, &lk->recs[lk->reps[x]], &lk->recs[lk->reps[y]], &c);
                    w->hist_rand[azk_link__gamma_index(&c)]++;
                }
            }
        } else {
            uint64_t s = w->seed;
            for (uint64_t k = 0; k < w->rand_todo; k++) {
                struct cmp c;
                uint64_t x;
                uint64_t y;
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                x = (s >> 1) % n;
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                y = (s >> 1) % n;
                if (x == y)
                    continue;
                azk_link__compare(lk, &lk->recs[lk->reps[x]], &lk->recs[lk->reps[y]], &c);
                w->hist_rand[azk_link__gamma_index(&c)]++;
            }
        }
    }
    return NULL;
}

void azk_link__hists_dispose(struct hists *h)
{
    for (int t = 0; t < KT__COUNT; t++) {
        azk_free(h->key[t]);
        azk_free(h->first[t]);
        h->key[t] = NULL;
        h->first[t] = NULL;
    }
    azk_free(h->random);
    h->random = NULL;
}

azk_status azk_link__pairs(azk_link *lk, struct pair **pairs_out, size_t *pair_count_out,
                           struct hists *hout)
{
    azk_status rc = AZK_ERR_NOMEM;
    struct blocking b;
    struct entry *ent[KT__COUNT];
    size_t ent_count[KT__COUNT];
    struct worker *ws = NULL;
    unsigned nth = lk->opts.threads > 0 ? lk->opts.threads : 2;
    uint32_t gc = azk_link__gamma_count();
    size_t nrep = lk->rep_count;
    size_t bytes;
    struct hists hs;
    struct pair *all = NULL;
    size_t total = 0;
    bool mu_init = false;

    memset(&b, 0, sizeof(b));
    memset(&hs, 0, sizeof(hs));
    memset(hout, 0, sizeof(*hout));
    memset(ent, 0, sizeof(ent));
    memset(ent_count, 0, sizeof(ent_count));
    b.lk = lk;
    *pairs_out = NULL;
    *pair_count_out = 0;
    if (nth > 64)
        nth = 64;

    if (azk_mul_overflow(&bytes, nrep > 0 ? nrep : 1, KS__COUNT * sizeof(uint64_t)))
        return azk_error_set(AZK_ERR_LIMIT, "link: too many records");
    b.keyh = azk_calloc(1, bytes);
    b.oversize = azk_calloc(nrep > 0 ? nrep : 1, sizeof(uint16_t));
    hs.random = azk_calloc(gc, sizeof(uint64_t));
    for (int t = 0; t < KT__COUNT; t++) {
        hs.key[t] = azk_calloc(gc, sizeof(uint64_t));
        hs.first[t] = azk_calloc(gc, sizeof(uint64_t));
        if (hs.key[t] == NULL || hs.first[t] == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
    }
    if (b.keyh == NULL || b.oversize == NULL || hs.random == NULL) {
        rc = azk_error_nomem();
        goto done;
    }

    /* keys per distinct record */
    for (size_t r = 0; r < nrep; r++) {
        const struct lrec *rec = &lk->recs[lk->reps[r]];
        uint64_t *k = b.keyh + r * KS__COUNT;
        k[KS_KANA] = slot_hash(lk, rec, S_KANA, 1);
        k[KS_NAME] = slot_hash(lk, rec, S_NAME, 2);
        if (rec->birth != 0) {
            /* day and month sorted, so a swapped date meets its original */
            uint32_t y = rec->birth / 10000;
            uint32_t m = (rec->birth / 100) % 100;
            uint32_t d = rec->birth % 100;
            uint32_t key[2];
            static const int src[4] = {S_KANA, S_NAME, S_KGIV, S_GIV};
            key[0] = y * 10000 + (m < d ? m * 100 + d : d * 100 + m);
            for (int i = 0; i < 4; i++) {
                size_t n;
                const char *s = lrec_str(lk, rec, src[i], &n);
                uint32_t cp;
                if (n == 0)
                    continue;
                azk_utf8_decode((const uint8_t *)s, n, &cp);
                key[1] = cp;
                k[KS_BIRTH1 + i] = azk_link__hash(key, sizeof(key), 3);
                for (int j = 0; j < i; j++)
                    if (k[KS_BIRTH1 + j] == k[KS_BIRTH1 + i])
                        k[KS_BIRTH1 + i] = 0; /* same value twice */
            }
        }
        k[KS_PHONE1] = slot_hash(lk, rec, S_PHONE1, 4);
        k[KS_PHONE2] = slot_hash(lk, rec, S_PHONE2, 4);
        k[KS_ADDR] = slot_hash(lk, rec, S_ADDR_BASE, 5);
        if (k[KS_ADDR] == 0)
            k[KS_ADDR] = slot_hash(lk, rec, S_ADDR, 5);
        k[KS_EMAIL] = slot_hash(lk, rec, S_EMAIL, 6);
        k[KS_ID] = slot_hash(lk, rec, S_ID, 7);
    }

    /* one sorted entry table per key type */
    for (int t = 0; t < KT__COUNT; t++) {
        size_t n = 0;
        int s1 = type_first[t];
        int s2 = type_last[t];
        if (azk_mul_overflow(&bytes, nrep > 0 ? nrep : 1, 4 * sizeof(struct entry))) {
            rc = azk_error_set(AZK_ERR_LIMIT, "link: too many records");
            goto done;
        }
        ent[t] = azk_malloc(bytes);
        if (ent[t] == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        for (size_t r = 0; r < nrep; r++) {
            for (int s = s1; s <= s2; s++) {
                uint64_t h = b.keyh[r * KS__COUNT + s];
                if (h == 0)
                    continue;
                ent[t][n].h = h;
                ent[t][n].sk = sort_key(lk, &lk->recs[lk->reps[r]]);
                ent[t][n].rep = (uint32_t)r;
                n++;
            }
        }
        qsort(ent[t], n, sizeof(struct entry), cmp_entry);
        ent_count[t] = n;
    }

    /* blocks -> tasks; mark oversized blocks first (covered() reads them) */
    for (int pass = 0; pass < 2; pass++) {
        size_t nt = 0;
        for (int t = 0; t < KT__COUNT; t++) {
            size_t i = 0;
            while (i < ent_count[t]) {
                size_t j = i + 1;
                while (j < ent_count[t] && ent[t][j].h == ent[t][i].h)
                    j++;
                if (j - i >= 2) {
                    bool big = j - i > lk->opts.max_block;
                    if (pass == 0 && big) {
                        for (size_t k = i; k < j; k++) {
                            uint32_t r = ent[t][k].rep;
                            for (int s = KS_KANA; s < KS__COUNT; s++)
                                if (b.keyh[(size_t)r * KS__COUNT + s] == ent[t][i].h)
                                    b.oversize[r] |= (uint16_t)(1u << s);
                        }
                        lk->stats.windowed_blocks++;
                    }
                    if (pass == 1) {
                        b.tasks[nt].type = (uint8_t)t;
                        b.tasks[nt].windowed = big;
                        b.tasks[nt].e = ent[t] + i;
                        b.tasks[nt].n = j - i;
                    }
                    nt++;
                }
                i = j;
            }
        }
        if (pass == 0) {
            b.tasks = azk_calloc(nt > 0 ? nt : 1, sizeof(struct task));
            if (b.tasks == NULL) {
                rc = azk_error_nomem();
                goto done;
            }
            b.task_count = nt;
        }
    }

    if (pthread_mutex_init(&b.mu, NULL) != 0) {
        rc = azk_error_set(AZK_ERR_NOMEM, "link: cannot create a mutex");
        goto done;
    }
    mu_init = true;
    ws = azk_calloc(nth, sizeof(*ws));
    if (ws == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (unsigned i = 0; i < nth; i++) {
        ws[i].b = &b;
        ws[i].index = i;
        ws[i].nth = nth;
        ws[i].seed = 0x9E3779B97F4A7C15ull * (i + 1);
        ws[i].rand_todo = RANDOM_PAIRS / nth;
        ws[i].hist_rand = azk_calloc(gc, sizeof(uint64_t));
        if (ws[i].hist_rand == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        for (int t = 0; t < KT__COUNT; t++) {
            ws[i].hist[t] = azk_calloc(gc, sizeof(uint64_t));
            ws[i].hist_first[t] = azk_calloc(gc, sizeof(uint64_t));
            if (ws[i].hist[t] == NULL || ws[i].hist_first[t] == NULL) {
                rc = azk_error_nomem();
                goto done;
            }
        }
    }
    {
        unsigned started = 0;
        for (unsigned i = 1; i < nth; i++) {
            if (pthread_create(&ws[i].th, NULL, work, &ws[i]) != 0)
                break;
            started = i;
        }
        work(&ws[0]);
        for (unsigned i = 1; i <= started; i++)
            pthread_join(ws[i].th, NULL);
    }
    for (unsigned i = 0; i < nth; i++) {
        if (ws[i].rc != AZK_OK) {
            rc = ws[i].rc;
            /* the message was set on the worker's thread */
            if (rc == AZK_ERR_NOMEM)
                azk_error_nomem();
            else
                azk_error_set(rc, "link: too many candidate pairs");
            goto done;
        }
        if (azk_add_overflow(&total, total, ws[i].count)) {
            rc = azk_error_set(AZK_ERR_LIMIT, "link: too many candidate pairs");
            goto done;
        }
    }
    if (azk_mul_overflow(&bytes, total > 0 ? total : 1, sizeof(struct pair))) {
        rc = azk_error_set(AZK_ERR_LIMIT, "link: too many candidate pairs");
        goto done;
    }
    if (nth == 1) {
        all = ws[0].pairs;
        ws[0].pairs = NULL;
    } else {
        size_t at = 0;
        all = azk_malloc(bytes);
        if (all == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        for (unsigned i = 0; i < nth; i++) {
            if (ws[i].count > 0)
                memcpy(all + at, ws[i].pairs, ws[i].count * sizeof(struct pair));
            at += ws[i].count;
            azk_free(ws[i].pairs);
            ws[i].pairs = NULL;
        }
    }
    for (unsigned i = 0; i < nth; i++) {
        for (uint32_t g = 0; g < gc; g++) {
            for (int t = 0; t < KT__COUNT; t++) {
                hs.key[t][g] += ws[i].hist[t][g];
                hs.first[t][g] += ws[i].hist_first[t][g];
            }
            hs.random[g] += ws[i].hist_rand[g];
            hs.random_pairs += ws[i].hist_rand[g];
        }
    }
    lk->stats.candidate_pairs = total;
    *pairs_out = all;
    *pair_count_out = total;
    *hout = hs;
    memset(&hs, 0, sizeof(hs));
    all = NULL;
    rc = AZK_OK;
done:
    if (ws != NULL) {
        for (unsigned i = 0; i < nth; i++) {
            azk_free(ws[i].pairs);
            azk_free(ws[i].hist_rand);
            for (int t = 0; t < KT__COUNT; t++) {
                azk_free(ws[i].hist[t]);
                azk_free(ws[i].hist_first[t]);
            }
        }
    }
    azk_free(ws);
    if (mu_init)
        pthread_mutex_destroy(&b.mu);
    for (int t = 0; t < KT__COUNT; t++)
        azk_free(ent[t]);
    azk_free(b.tasks);
    azk_free(b.keyh);
    azk_free(b.oversize);
    azk_link__hists_dispose(&hs);
    azk_free(all);
    return rc;
}
