/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/merkle.c -- the Merkle tree of RFC 9162 section 2.1 (same hashing as
 * RFC 6962): leaf = SHA-256(0x00 || d), node = SHA-256(0x01 || l || r),
 * MTH(D[n]) splitting at the largest power of two below n. Proofs are built
 * from perfect-subtree hashes (a node source), so a tree stored as one file
 * per level answers any proof with O(log n) reads; verification follows
 * the RFC's iterative algorithms (2.1.3.2, 2.1.4.2) verbatim. SHA-256 is
 * libsodium's crypto_hash_sha256.
 */
#include "audit/audit_int.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>
#include <unistd.h>

void azk_audit_leaf_hash(const void *data, size_t len, uint8_t out[HLEN])
{
    crypto_hash_sha256_state st;
    static const uint8_t zero = 0x00;
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, &zero, 1);
    crypto_hash_sha256_update(&st, (const uint8_t *)data, len);
    crypto_hash_sha256_final(&st, out);
}

void azk_audit_node_hash(const uint8_t left[HLEN], const uint8_t right[HLEN], uint8_t out[HLEN])
{
    uint8_t buf[1 + 2 * HLEN];
    buf[0] = 0x01;
    memcpy(buf + 1, left, HLEN);
    memcpy(buf + 1 + HLEN, right, HLEN);
    crypto_hash_sha256(out, buf, sizeof(buf));
}

/* largest power of two strictly below n (n >= 2) */
static uint64_t split_point(uint64_t n)
{
    uint64_t k = 1;
    while (k << 1 < n)
        k <<= 1;
    return k;
}

static int is_pow2(uint64_t n)
{
    return n != 0 && (n & (n - 1)) == 0;
}

static unsigned log2u(uint64_t n)
{
    unsigned l = 0;
    while ((UINT64_C(1) << l) < n)
        l++;
    return l;
}

azk_status azk_audit__subtree(const struct azk_audit__nodes *t, uint64_t a, uint64_t b,
                              uint8_t out[HLEN])
{
    uint64_t n = b - a;
    uint64_t k;
    uint8_t l[HLEN], r[HLEN];
    azk_status rc;
    if (is_pow2(n) && a % n == 0)
        return t->get(t->ctx, log2u(n), a / n, out);
    k = split_point(n);
    rc = azk_audit__subtree(t, a, a + k, l);
    if (rc != AZK_OK)
        return rc;
    rc = azk_audit__subtree(t, a + k, b, r);
    if (rc != AZK_OK)
        return rc;
    azk_audit_node_hash(l, r, out);
    return AZK_OK;
}

azk_status azk_audit__root(const struct azk_audit__nodes *t, uint64_t size, uint8_t out[HLEN])
{
    if (size == 0) {
        crypto_hash_sha256(out, (const uint8_t *)"", 0);
        return AZK_OK;
    }
    return azk_audit__subtree(t, 0, size, out);
}

/* PATH(m, D[a:b]) of RFC 9162 2.1.3.1, appended to out[*count] */
static azk_status path(const struct azk_audit__nodes *t, uint64_t m, uint64_t a, uint64_t b,
                       uint8_t *out, size_t *count)
{
    uint64_t n = b - a;
    uint64_t k;
    azk_status rc;
    if (n <= 1)
        return AZK_OK;
    k = split_point(n);
    if (m < k) {
        rc = path(t, m, a, a + k, out, count);
        if (rc == AZK_OK)
            rc = azk_audit__subtree(t, a + k, b, out + HLEN * (*count)++);
    } else {
        rc = path(t, m - k, a + k, b, out, count);
        if (rc == AZK_OK)
            rc = azk_audit__subtree(t, a, a + k, out + HLEN * (*count)++);
    }
    return rc;
}

azk_status azk_audit__inclusion(const struct azk_audit__nodes *t, uint64_t index, uint64_t size,
                                uint8_t *out, size_t *count)
{
    *count = 0;
    if (index >= size)
        return azk_error_set(AZK_ERR_ARG, "audit: entry %llu is not in a tree of size %llu",
                             (unsigned long long)index, (unsigned long long)size);
    return path(t, index, 0, size, out, count);
}

/* SUBPROOF(m, D[a:b], first) of RFC 9162 2.1.4.1 */
static azk_status subproof(const struct azk_audit__nodes *t, uint64_t m, uint64_t a, uint64_t b,
                           int first, uint8_t *out, size_t *count)
{
    uint64_t n = b - a;
    uint64_t k;
    azk_status rc;
    if (m == n) {
        if (first)
            return AZK_OK;
        return azk_audit__subtree(t, a, b, out + HLEN * (*count)++);
    }
    k = split_point(n);
    if (m <= k) {
        rc = subproof(t, m, a, a + k, first, out, count);
        if (rc == AZK_OK)
            rc = azk_audit__subtree(t, a + k, b, out + HLEN * (*count)++);
    } else {
        rc = subproof(t, m - k, a + k, b, 0, out, count);
        if (rc == AZK_OK)
            rc = azk_audit__subtree(t, a, a + k, out + HLEN * (*count)++);
    }
    return rc;
}

azk_status azk_audit__consistency(const struct azk_audit__nodes *t, uint64_t m, uint64_t n,
                                  uint8_t *out, size_t *count)
{
    *count = 0;
    if (m > n)
        return azk_error_set(AZK_ERR_ARG, "audit: old size %llu is larger than new size %llu",
                             (unsigned long long)m, (unsigned long long)n);
    if (m == 0 || m == n)
        return AZK_OK;
    return subproof(t, m, 0, n, 1, out, count);
}

azk_status azk_audit_verify_inclusion(uint64_t index, uint64_t size, const uint8_t leaf[HLEN],
                                      const uint8_t *proof, size_t proof_count,
                                      const uint8_t root[HLEN])
{
    uint64_t fn = index, sn;
    uint8_t r[HLEN];
    if (index >= size || leaf == NULL || root == NULL || (proof_count > 0 && proof == NULL))
        return azk_error_set(AZK_ERR_INTEGRITY, "inclusion proof: index %llu not below size %llu",
                             (unsigned long long)index, (unsigned long long)size);
    sn = size - 1;
    memcpy(r, leaf, HLEN);
    for (size_t i = 0; i < proof_count; i++) {
        const uint8_t *p = proof + i * HLEN;
        if (sn == 0)
            return azk_error_set(AZK_ERR_INTEGRITY, "inclusion proof: too long");
        if ((fn & 1) || fn == sn) {
            azk_audit_node_hash(p, r, r);
            if (!(fn & 1)) {
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            azk_audit_node_hash(r, p, r);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return azk_error_set(AZK_ERR_INTEGRITY, "inclusion proof: too short");
    if (sodium_memcmp(r, root, HLEN) != 0)
        return azk_error_set(AZK_ERR_INTEGRITY, "inclusion proof: root mismatch");
    return AZK_OK;
}

azk_status azk_audit_verify_consistency(uint64_t size1, uint64_t size2, const uint8_t *proof,
                                        size_t proof_count, const uint8_t root1[HLEN],
                                        const uint8_t root2[HLEN])
{
    uint64_t fn, sn;
    uint8_t fr[HLEN], sr[HLEN];
    size_t start = 0;
    if (size1 > size2)
        return azk_error_set(AZK_ERR_INTEGRITY, "consistency proof: old size above new size");
    if (size1 == size2) {
        if (proof_count != 0 || sodium_memcmp(root1, root2, HLEN) != 0)
            return azk_error_set(AZK_ERR_INTEGRITY, "consistency proof: same size, other root");
        return AZK_OK;
    }
    if (size1 == 0) {
        if (proof_count != 0)
            return azk_error_set(AZK_ERR_INTEGRITY, "consistency proof: not empty for size 0");
        return AZK_OK;
    }
    if (proof_count == 0 || proof == NULL)
        return azk_error_set(AZK_ERR_INTEGRITY, "consistency proof: empty");
    /* step 1: a power-of-two first tree is its own first proof node */
    if (is_pow2(size1)) {
        memcpy(fr, root1, HLEN);
        memcpy(sr, root1, HLEN);
    } else {
        memcpy(fr, proof, HLEN);
        memcpy(sr, proof, HLEN);
        start = 1;
    }
    fn = size1 - 1;
    sn = size2 - 1;
    while (fn & 1) {
        fn >>= 1;
        sn >>= 1;
    }
    for (size_t i = start; i < proof_count; i++) {
        const uint8_t *c = proof + i * HLEN;
        if (sn == 0)
            return azk_error_set(AZK_ERR_INTEGRITY, "consistency proof: too long");
        if ((fn & 1) || fn == sn) {
            azk_audit_node_hash(c, fr, fr);
            azk_audit_node_hash(c, sr, sr);
            if (!(fn & 1)) {
                while (!(fn & 1) && fn != 0) {
                    fn >>= 1;
                    sn >>= 1;
                }
            }
        } else {
            azk_audit_node_hash(sr, c, sr);
        }
        fn >>= 1;
        sn >>= 1;
    }
    if (sn != 0)
        return azk_error_set(AZK_ERR_INTEGRITY, "consistency proof: too short");
    if (sodium_memcmp(fr, root1, HLEN) != 0 || sodium_memcmp(sr, root2, HLEN) != 0)
        return azk_error_set(AZK_ERR_INTEGRITY, "consistency proof: root mismatch");
    return AZK_OK;
}

/* ---- parallel loops (verify of large ledgers) ------------------------------ */

struct par_job {
    void (*fn)(void *ctx, uint64_t lo, uint64_t hi);
    void *ctx;
    uint64_t lo, hi;
};

static void *par_run(void *arg)
{
    struct par_job *j = arg;
    j->fn(j->ctx, j->lo, j->hi);
    return NULL;
}

void azk_audit__par_for(uint64_t n, void (*fn)(void *ctx, uint64_t lo, uint64_t hi), void *ctx)
{
    struct par_job jobs[8];
    pthread_t th[8];
    int started[8] = {0};
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned t = cpus < 1 ? 1 : cpus > 8 ? 8 : (unsigned)cpus;
    if (n < 65536 || t == 1) {
        fn(ctx, 0, n);
        return;
    }
    for (unsigned i = 0; i < t; i++) {
        jobs[i].fn = fn;
        jobs[i].ctx = ctx;
        jobs[i].lo = n * i / t;
        jobs[i].hi = n * (i + 1) / t;
    }
    /* thread 0's share runs here; a thread that fails to start runs inline */
    for (unsigned i = 1; i < t; i++)
        started[i] = pthread_create(&th[i], NULL, par_run, &jobs[i]) == 0;
    fn(ctx, jobs[0].lo, jobs[0].hi);
    for (unsigned i = 1; i < t; i++) {
        if (started[i])
            pthread_join(th[i], NULL);
        else
            fn(ctx, jobs[i].lo, jobs[i].hi);
    }
}

/* ---- in-memory tree ------------------------------------------------------ */

struct level_job {
    const uint8_t *below;
    uint8_t *out;
};

static void level_part(void *ctx, uint64_t lo, uint64_t hi)
{
    struct level_job *j = ctx;
    for (uint64_t i = lo; i < hi; i++)
        azk_audit_node_hash(j->below + 2 * i * HLEN, j->below + (2 * i + 1) * HLEN,
                            j->out + i * HLEN);
}

static azk_status mem_get(void *ctx, unsigned level, uint64_t idx, uint8_t out[HLEN])
{
    struct azk_audit__memtree *m = ctx;
    if (level >= m->levels || idx >= m->count[level])
        return azk_error_set(AZK_ERR_ARG, "audit: node %u/%llu outside the tree", level,
                             (unsigned long long)idx);
    memcpy(out, m->level[level] + idx * HLEN, HLEN);
    return AZK_OK;
}

azk_status azk_audit__memtree_build(struct azk_audit__memtree *m, uint8_t *leaves, uint64_t count)
{
    memset(m, 0, sizeof(*m));
    m->level[0] = leaves;
    m->count[0] = count;
    m->levels = 1;
    while (m->count[m->levels - 1] >= 2 && m->levels < 64) {
        unsigned l = m->levels;
        uint64_t c = m->count[l - 1] / 2;
        uint8_t *lv = azk_malloc((size_t)c * HLEN);
        if (lv == NULL) {
            azk_audit__memtree_dispose(m);
            return azk_error_nomem();
        }
        {
            struct level_job j = {m->level[l - 1], lv};
            azk_audit__par_for(c, level_part, &j);
        }
        m->level[l] = lv;
        m->count[l] = c;
        m->levels++;
    }
    return AZK_OK;
}

void azk_audit__memtree_dispose(struct azk_audit__memtree *m)
{
    for (unsigned l = 0; l < 65; l++) {
        azk_free(m->level[l]);
        m->level[l] = NULL;
    }
    m->levels = 0;
}

void azk_audit__memtree_nodes(struct azk_audit__memtree *m, struct azk_audit__nodes *out)
{
    out->get = mem_get;
    out->ctx = m;
}
