/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/hashmemo.c -- the matcher's memo of keyed bucket hashes: a value
 * (normalised bytes of one kind) seen again in the same thread is not
 * hashed again (the keyed BLAKE2b of azk_fp__hasher_hash is the matcher's
 * largest cost: a repeated name window, phone or date costs two BLAKE2b
 * compressions each time).
 *
 * A direct-mapped table in process memory, one per match context (one per
 * scanning thread), never written anywhere and wiped when the context is
 * freed (docs/threat-model-fingerprints.md, "Hash memo"). The slot is
 * chosen by a fast hash of the bytes under a random per-context seed (so
 * which values share a slot cannot be planned from outside); an entry is
 * used only when kind, length and every byte are equal, so the result is
 * exactly azk_fp__hasher_hash's: the memo changes the cost, never a bucket.
 * Values longer than MEMO_MAX_LEN bytes are hashed every time.
 *
 * The same table also keeps what a value as written (raw bytes, before
 * normalisation) gave, marked apart by the kind byte (MEMO_RAW): whether
 * it normalised at all, and if so its keyed hash and whether it is a
 * mobile number (azk_match__add_value). Normalisation is a function of kind
 * and bytes, so a repeated cell, token or finding skips it and the hash:
 * same candidate, same bucket.
 */
#include "match/match_ctx.h"

#include <sodium.h>
#include <string.h>

#define MEMO_BITS    14
#define MEMO_MAX_LEN 50

/* Kind byte of a raw entry: the kind (< 16), MEMO_RAW, and what normalising gave. */
#define MEMO_RAW    0x10u
#define MEMO_FAILED 0x20u /* the value does not normalise as that kind */
#define MEMO_MOBILE 0x40u /* a mobile phone number (AZK_EV_MOBILE) */

/* A cache line: the size of an entry and the memo's alignment. */
#define MEMO_LINE 64

struct azk_match_memo_ent {
    uint64_t tag; /* the fast hash (0 in an empty slot, whose len is 0) */
    uint32_t h;   /* azk_fp__hasher_hash of (kind, v[0..len)) */
    uint8_t kind; /* a raw entry: kind | MEMO_RAW | MEMO_FAILED / MEMO_MOBILE */
    uint8_t len;
    uint8_t v[MEMO_MAX_LEN];
};

_Static_assert(sizeof(struct azk_match_memo_ent) == MEMO_LINE, "a memo entry is one cache line");

static uint64_t fast_hash(uint64_t seed, unsigned kind, const uint8_t *v, size_t n)
{
    /* kind and length spread over every bit first: (value, kind) pairs whose words differ
     * by the kind's bits must not meet */
    uint64_t x = (seed ^ (kind * 0x9E3779B97F4A7C15ull) ^ n) * 0xD6E8FEB86659FD93ull;
    size_t i = 0;
    x ^= x >> 32;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, v + i, 8);
        x = (x ^ w) * 0xBF58476D1CE4E5B9ull;
        x ^= x >> 31;
    }
    if (i < n) {
        uint64_t w = 0;
        memcpy(&w, v + i, n - i);
        x = (x ^ w) * 0xBF58476D1CE4E5B9ull;
    }
    x ^= x >> 29;
    x *= 0x94D049BB133111EBull;
    x ^= x >> 32;
    return x | 1; /* never 0: the tag of an empty slot */
}

/* The memo, allocated at the first value (no memory for a context that never hashes);
 * NULL without memory: every value is then hashed, same results. Entries are one
 * cache line each, aligned to one (ctx->memo_mem is the allocation): a look-up is
 * one miss, not two (an allocator's block starts 16 bytes into a line). */
static struct azk_match_memo_ent *memo_of(struct azk_match_ctx *ctx)
{
    if (ctx->memo == NULL) {
        ctx->memo_mem = azk_calloc(((size_t)1 << MEMO_BITS) + 1, sizeof(*ctx->memo));
        if (ctx->memo_mem != NULL) {
            uintptr_t a = (uintptr_t)ctx->memo_mem;
            ctx->memo = (struct azk_match_memo_ent *)(a + (MEMO_LINE - a % MEMO_LINE) % MEMO_LINE);
            randombytes_buf(&ctx->memo_seed, sizeof(ctx->memo_seed));
        }
    }
    return ctx->memo;
}

static uint32_t memo_lookup(struct azk_match_ctx *ctx, uint64_t tag, unsigned kind,
                            const uint8_t *v, size_t n)
{
    struct azk_match_memo_ent *e = &ctx->memo[tag >> (64 - MEMO_BITS)];
    if (e->tag == tag && e->kind == kind && e->len == n && memcmp(e->v, v, n) == 0) {
        ctx->memo_hits++;
        return e->h;
    }
    e->h = azk_fp__hasher_hash(&ctx->idx->hasher, kind, v, n);
    e->tag = tag;
    e->kind = (uint8_t)kind;
    e->len = (uint8_t)n;
    memcpy(e->v, v, n);
    ctx->memo_misses++;
    return e->h;
}

uint32_t azk_match__hash(struct azk_match_ctx *ctx, unsigned kind, const uint8_t *v, size_t n)
{
    if (n == 0 || n > MEMO_MAX_LEN || memo_of(ctx) == NULL)
        return azk_fp__hasher_hash(&ctx->idx->hasher, kind, v, n);
    return memo_lookup(ctx, fast_hash(ctx->memo_seed, kind, v, n), kind, v, n);
}

/*
 * A batch (the name windows of a line): every slot is asked for (prefetched)
 * before any is read, so the memo's cache misses overlap instead of queueing.
 */
void azk_match__hash_batch(struct azk_match_ctx *ctx, unsigned kind, size_t count,
                           uint8_t (*v)[AZK_MATCH_BATCH_BYTES], const uint8_t *len, uint32_t *out)
{
    uint64_t tag[AZK_MATCH_BATCH_MAX];
    if (memo_of(ctx) == NULL || count > AZK_MATCH_BATCH_MAX) {
        for (size_t i = 0; i < count; i++)
            out[i] = azk_fp__hasher_hash(&ctx->idx->hasher, kind, v[i], len[i]);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        tag[i] = fast_hash(ctx->memo_seed, kind, v[i], len[i]);
        __builtin_prefetch(&ctx->memo[tag[i] >> (64 - MEMO_BITS)]);
    }
    for (size_t i = 0; i < count; i++)
        out[i] = len[i] == 0 || len[i] > MEMO_MAX_LEN
                     ? azk_fp__hasher_hash(&ctx->idx->hasher, kind, v[i], len[i])
                     : memo_lookup(ctx, tag[i], kind, v[i], len[i]);
}

void azk_match__raw_prefetch(struct azk_match_ctx *ctx, unsigned kind, const char *s, size_t n)
{
    if (n == 0 || n > MEMO_MAX_LEN || memo_of(ctx) == NULL)
        return;
    __builtin_prefetch(
        &ctx->memo[fast_hash(ctx->memo_seed, kind | MEMO_RAW, (const uint8_t *)s, n) >>
                   (64 - MEMO_BITS)]);
}

int azk_match__raw_get(struct azk_match_ctx *ctx, unsigned kind, const char *s, size_t n,
                       uint64_t *tag, uint32_t *h, bool *mobile)
{
    const struct azk_match_memo_ent *e;
    *tag = 0;
    if (n == 0 || n > MEMO_MAX_LEN || memo_of(ctx) == NULL)
        return -1;
    *tag = fast_hash(ctx->memo_seed, kind | MEMO_RAW, (const uint8_t *)s, n);
    e = &ctx->memo[*tag >> (64 - MEMO_BITS)];
    if (e->tag != *tag || (e->kind & ~(MEMO_FAILED | MEMO_MOBILE)) != (kind | MEMO_RAW) ||
        e->len != n || memcmp(e->v, s, n) != 0)
        return -1;
    ctx->memo_hits++;
    if (e->kind & MEMO_FAILED)
        return 0;
    *h = e->h;
    *mobile = (e->kind & MEMO_MOBILE) != 0;
    return 1;
}

void azk_match__raw_put(struct azk_match_ctx *ctx, uint64_t tag, unsigned kind, const char *s,
                        size_t n, bool ok, uint32_t h, bool mobile)
{
    struct azk_match_memo_ent *e;
    if (tag == 0 || ctx->memo == NULL || n == 0 || n > MEMO_MAX_LEN)
        return;
    e = &ctx->memo[tag >> (64 - MEMO_BITS)];
    e->tag = tag;
    e->h = ok ? h : 0;
    e->kind =
        (uint8_t)(kind | MEMO_RAW | (ok ? 0 : MEMO_FAILED) | (ok && mobile ? MEMO_MOBILE : 0));
    e->len = (uint8_t)n;
    memcpy(e->v, s, n);
}

void azk_match__memo_free(struct azk_match_ctx *ctx)
{
    if (ctx->memo_mem == NULL)
        return;
    sodium_memzero(ctx->memo_mem, (((size_t)1 << MEMO_BITS) + 1) * sizeof(*ctx->memo));
    azk_free(ctx->memo_mem);
    ctx->memo_mem = NULL;
    ctx->memo = NULL;
}
