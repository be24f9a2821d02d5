/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/namefreq.c -- how rare a record's full name is, estimated from its
 * own dataset in the closed zone (issue 18: free-text name + birth date).
 * The family name and the given name of every row are counted (128-bit
 * keyed hashes with the run's confirmation key, in memory only; nothing is
 * stored or exported), and a record's name share is bounded by
 *   q_name = max(F, u(c_family) / N) x max(F, u(c_given) / N)
 * where c is how many of the N rows carry that part, u(c) = c + 2 sqrt(c)
 * + 3 an upper bound of its expected count (Poisson, conservative), and
 * F = 1e-6 the smallest share assumed for any part. Family and given names
 * are taken as independent (Japanese given names do not follow family
 * names). A name that cannot be split (氏名 without a space, no 姓 and 名
 * columns) gets no estimate (0): the rule's fixed 1e-5 applies.
 * The (full name, birth date) pairs are counted too: a pair that two rows
 * share cannot tell them apart on a line with only the name and the date.
 * docs/threat-model-fingerprints.md, "Name + birth date".
 */
#include "match/match.h"
#include "norm/norm.h"

#include <math.h>
#include <sodium.h>
#include <string.h>

#define NF_FLOOR 1e-6

struct nf_slot {
    uint8_t h[AZK_MATCH_EV_HASH];
    uint32_t count; /* 0: empty */
};

struct azk_match_namefreq {
    struct nf_slot *t;
    size_t cap, used; /* cap: a power of two */
    uint64_t rows;
};

azk_status azk_match__namefreq_new(struct azk_match_namefreq **out)
{
    struct azk_match_namefreq *nf = azk_calloc(1, sizeof(*nf));
    if (nf == NULL)
        return azk_error_nomem();
    nf->cap = 1024;
    nf->t = azk_calloc(nf->cap, sizeof(*nf->t));
    if (nf->t == NULL) {
        azk_free(nf);
        return azk_error_nomem();
    }
    *out = nf;
    return AZK_OK;
}

void azk_match__namefreq_free(struct azk_match_namefreq *nf)
{
    if (nf == NULL)
        return;
    azk_free_secret(nf->t, nf->cap * sizeof(*nf->t));
    azk_free(nf);
}

static struct nf_slot *nf_find(struct nf_slot *t, size_t cap, const uint8_t h[AZK_MATCH_EV_HASH])
{
    uint64_t x;
    memcpy(&x, h, sizeof(x));
    for (size_t i = (size_t)x & (cap - 1);; i = (i + 1) & (cap - 1))
        if (t[i].count == 0 || memcmp(t[i].h, h, AZK_MATCH_EV_HASH) == 0)
            return &t[i];
}

static azk_status nf_bump(struct azk_match_namefreq *nf, const uint8_t h[AZK_MATCH_EV_HASH])
{
    struct nf_slot *s;
    if ((nf->used + 1) * 2 > nf->cap) {
        size_t nc = nf->cap * 2;
        struct nf_slot *nt = azk_calloc(nc, sizeof(*nt));
        if (nt == NULL)
            return azk_error_nomem();
        for (size_t i = 0; i < nf->cap; i++)
            if (nf->t[i].count != 0)
                *nf_find(nt, nc, nf->t[i].h) = nf->t[i];
        azk_free_secret(nf->t, nf->cap * sizeof(*nf->t));
        nf->t = nt;
        nf->cap = nc;
    }
    s = nf_find(nf->t, nf->cap, h);
    if (s->count == 0) {
        memcpy(s->h, h, AZK_MATCH_EV_HASH);
        nf->used++;
    }
    if (s->count < UINT32_MAX)
        s->count++;
    return AZK_OK;
}

/* One part of a name, normalised: one character is a part (林, 聡), unlike a whole name. */
static bool part_norm(azk_buf *norm, const char *s, size_t n)
{
    if (azk_norm_name(norm, s, n) != AZK_OK) {
        azk_error_clear();
        return false;
    }
    return norm->len > 0;
}

/* Split the record's name (氏名 split at its first space, or 姓 and 名 columns) into family and
 * given. */
static bool name_parts(const uint8_t key[AZK_FP_KEY_LEN], const uint8_t *kinds, size_t kind_count,
                       const azk_record *rec, azk_buf *tmp, azk_buf *norm,
                       uint8_t fam[AZK_MATCH_EV_HASH], uint8_t giv[AZK_MATCH_EV_HASH])
{
    const azk_field *full = NULL, *fam_f = NULL, *giv_f = NULL;
    const char *a, *b;
    size_t al, bl;
    for (size_t i = 0; i < rec->field_count && i < kind_count; i++) {
        const azk_field *f = &rec->fields[i];
        if (f->len == 0)
            continue;
        if (kinds[i] == AZK_COL_NAME && full == NULL)
            full = f;
        else if (kinds[i] == AZK_COL_FAMILY_NAME && fam_f == NULL)
            fam_f = f;
        else if (kinds[i] == AZK_COL_GIVEN_NAME && giv_f == NULL)
            giv_f = f;
    }
    if (fam_f != NULL && giv_f != NULL) { /* 姓 and 名 columns */
        a = fam_f->ptr;
        al = fam_f->len;
        b = giv_f->ptr;
        bl = giv_f->len;
    } else if (full != NULL) { /* one column: the first space (ASCII or U+3000) parts it */
        const char *p = full->ptr, *sp = memchr(p, ' ', full->len);
        const char *ide = memmem(p, full->len, "\xE3\x80\x80", 3);
        size_t skip = 1;
        if (ide != NULL && (sp == NULL || ide < sp)) {
            sp = ide;
            skip = 3;
        }
        if (sp == NULL)
            return false;
        a = p;
        al = (size_t)(sp - p);
        b = sp + skip;
        bl = full->len - al - skip;
    } else {
        return false;
    }
    if (!part_norm(norm, a, al))
        return false;
    azk_match__ev_hash(key, AZK_FP_NAME, norm->data, norm->len, fam);
    if (!part_norm(norm, b, bl))
        return false;
    /* the given name's hash apart from a family name equal to it */
    azk_buf_clear(tmp);
    if (azk_buf_putc(tmp, 'g') != AZK_OK || azk_buf_put(tmp, norm->data, norm->len) != AZK_OK)
        return false;
    azk_match__ev_hash(key, AZK_FP_NAME, tmp->data, tmp->len, giv);
    return true;
}

/* The record's (full name, birth date) pair as one hash (*found false without either). */
static azk_status name_birth(const uint8_t key[AZK_FP_KEY_LEN], const uint8_t *kinds,
                             size_t kind_count, const azk_record *rec, azk_buf *tmp, azk_buf *norm,
                             uint8_t out[AZK_MATCH_EV_HASH], bool *found)
{
    uint8_t hb[2 * AZK_MATCH_EV_HASH];
    azk_status rc =
        azk_match__slot_value(key, kinds, kind_count, rec, AZK_FPS_NAME, tmp, norm, hb, found);
    if (rc == AZK_OK && *found)
        rc = azk_match__slot_value(key, kinds, kind_count, rec, AZK_FPS_BIRTH, tmp, norm,
                                   hb + AZK_MATCH_EV_HASH, found);
    /* a kind no value has: the pair's hashes never equal a part's */
    if (rc == AZK_OK && *found)
        azk_match__ev_hash(key, AZK_FP__COUNT, hb, sizeof(hb), out);
    sodium_memzero(hb, sizeof(hb));
    return rc;
}

azk_status azk_match__namefreq_add(struct azk_match_namefreq *nf, const uint8_t key[AZK_FP_KEY_LEN],
                                   const uint8_t *kinds, size_t kind_count, const azk_record *rec,
                                   azk_buf *tmp, azk_buf *norm)
{
    uint8_t fam[AZK_MATCH_EV_HASH], giv[AZK_MATCH_EV_HASH];
    bool found = false;
    azk_status rc = AZK_OK;
    nf->rows++;
    if (name_parts(key, kinds, kind_count, rec, tmp, norm, fam, giv)) {
        rc = nf_bump(nf, fam);
        if (rc == AZK_OK)
            rc = nf_bump(nf, giv);
    }
    if (rc == AZK_OK)
        rc = name_birth(key, kinds, kind_count, rec, tmp, norm, fam, &found);
    if (rc == AZK_OK && found)
        rc = nf_bump(nf, fam);
    sodium_memzero(fam, sizeof(fam));
    sodium_memzero(giv, sizeof(giv));
    return rc;
}

azk_status azk_match__namefreq_twins(const struct azk_match_namefreq *nf,
                                     const uint8_t key[AZK_FP_KEY_LEN], const uint8_t *kinds,
                                     size_t kind_count, const azk_record *rec, azk_buf *tmp,
                                     azk_buf *norm, uint32_t *twins)
{
    uint8_t h[AZK_MATCH_EV_HASH];
    bool found = false;
    azk_status rc;
    *twins = 0;
    if (nf == NULL || nf->rows == 0)
        return AZK_OK;
    rc = name_birth(key, kinds, kind_count, rec, tmp, norm, h, &found);
    if (rc == AZK_OK && found)
        *twins = nf_find(nf->t, nf->cap, h)->count;
    sodium_memzero(h, sizeof(h));
    return rc;
}

static double share(uint32_t c, uint64_t rows)
{
    double u = (double)c + 2 * sqrt((double)c) + 3;
    double q = u / (double)rows;
    return q < NF_FLOOR ? NF_FLOOR : q > 1 ? 1 : q;
}

double azk_match__namefreq_q(const struct azk_match_namefreq *nf, const uint8_t key[AZK_FP_KEY_LEN],
                             const uint8_t *kinds, size_t kind_count, const azk_record *rec,
                             azk_buf *tmp, azk_buf *norm)
{
    uint8_t fam[AZK_MATCH_EV_HASH], giv[AZK_MATCH_EV_HASH];
    double q = 0;
    if (nf != NULL && nf->rows > 0 &&
        name_parts(key, kinds, kind_count, rec, tmp, norm, fam, giv)) {
        const struct nf_slot *a = nf_find(nf->t, nf->cap, fam);
        const struct nf_slot *b = nf_find(nf->t, nf->cap, giv);
        /* the record itself was counted: a part never seen means another dataset's reading */
        if (a->count > 0 && b->count > 0)
            q = share(a->count, nf->rows) * share(b->count, nf->rows);
    }
    sodium_memzero(fam, sizeof(fam));
    sodium_memzero(giv, sizeof(giv));
    return q;
}
