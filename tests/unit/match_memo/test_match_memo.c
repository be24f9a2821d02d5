/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/match_memo/test_match_memo.c -- the matcher's memo of keyed
 * bucket hashes (src/lib/match/hashmemo.c) gives exactly what
 * azk_fp__hasher_hash gives: for values met once and again, of every kind,
 * the same bytes under two kinds, values differing in one byte or in
 * length only, values that share a memo slot (a seed chosen so that they
 * do), values at and past the longest cached length; a second context
 * (another thread) has its own memo; freeing wipes it; batches (the name
 * windows of a line, azk_match__hash_batch) give the same hashes.
 * All values are generated here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "match/match_ctx.h"
#include "match/fp.h"

static azk_fp_index *fake_index(uint8_t seed)
{
    azk_fp_index *idx = calloc(1, sizeof(*idx));
    assert_non_null(idx);
    for (size_t i = 0; i < AZK_FP_KEY_LEN; i++)
        idx->key[i] = (uint8_t)(seed + i * 7);
    azk_fp__hasher_init(&idx->hasher, idx->key);
    return idx;
}

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void check(struct azk_match_ctx *ctx, unsigned kind, const uint8_t *v, size_t n)
{
    uint32_t want = azk_fp__hasher_hash(&ctx->idx->hasher, kind, v, n);
    assert_int_equal(azk_match__hash(ctx, kind, v, n), want);
}

static void test_memo__same_as_hasher(void **state)
{
    (void)state;
    azk_fp_index *idx = fake_index(1);
    struct azk_match_ctx *ctx = NULL;
    uint8_t vals[600][64];
    size_t lens[600];
    assert_int_equal(azk_match__ctx_new(&ctx, idx), AZK_OK);
    /* lengths 1..60: around the longest cached length (50) */
    for (size_t i = 0; i < 600; i++) {
        lens[i] = 1 + i % 60;
        for (size_t j = 0; j < lens[i]; j++)
            vals[i][j] = (uint8_t)(next() % 5 + '0'); /* few symbols: many near neighbours */
    }
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < 600; i++)
            for (unsigned k = 0; k < AZK_FP__COUNT; k++)
                check(ctx, k, vals[i], lens[i]);
    /* met again: served from the memo (the memo is in use, not bypassed) */
    assert_true(ctx->memo_hits > 0);
    /* one byte changed, one byte shorter, one byte longer: other hashes */
    for (size_t i = 0; i < 600; i++) {
        uint8_t w[64];
        memcpy(w, vals[i], lens[i]);
        check(ctx, AZK_FP_NAME, vals[i], lens[i]);
        w[lens[i] - 1] ^= 1;
        check(ctx, AZK_FP_NAME, w, lens[i]);
        check(ctx, AZK_FP_NAME, vals[i], lens[i] - 1 > 0 ? lens[i] - 1 : 1);
        memcpy(w, vals[i], lens[i]);
        w[lens[i]] = 'x';
        check(ctx, AZK_FP_NAME, w, lens[i] + 1);
    }
    azk_match__ctx_free(ctx);
    free(idx);
}

/* Values that share a slot replace each other; each still gets its own hash. */
static void test_memo__slot_shared(void **state)
{
    (void)state;
    azk_fp_index *idx = fake_index(2);
    struct azk_match_ctx *ctx = NULL;
    uint8_t a[8] = "09012345";
    assert_int_equal(azk_match__ctx_new(&ctx, idx), AZK_OK);
    check(ctx, AZK_FP_PHONE, a, sizeof(a)); /* allocates the memo and draws a seed */
    /* 100,000 other values over the 2^14 slots: a's slot is taken by others
     * (all but surely), a and its bytes under another kind asked in between */
    for (int i = 0; i < 100000; i++) {
        uint8_t v[8];
        uint64_t x = next();
        memcpy(v, &x, sizeof(v));
        check(ctx, AZK_FP_PHONE, v, sizeof(v));
        if (i % 16 == 0) {
            check(ctx, AZK_FP_PHONE, a, sizeof(a));
            check(ctx, AZK_FP_EMAIL, a, sizeof(a)); /* same bytes, other kind */
        }
    }
    azk_match__ctx_free(ctx);
    free(idx);
}

/* Two contexts on two indexes of other keys: neither serves the other's hashes. */
static void test_memo__per_context(void **state)
{
    (void)state;
    azk_fp_index *i1 = fake_index(3);
    azk_fp_index *i2 = fake_index(4);
    struct azk_match_ctx *c1 = NULL;
    struct azk_match_ctx *c2 = NULL;
    const uint8_t v[] = "yamada.taro@example.jp";
    assert_int_equal(azk_match__ctx_new(&c1, i1), AZK_OK);
    assert_int_equal(azk_match__ctx_new(&c2, i2), AZK_OK);
    for (int r = 0; r < 2; r++) {
        check(c1, AZK_FP_EMAIL, v, sizeof(v) - 1);
        check(c2, AZK_FP_EMAIL, v, sizeof(v) - 1);
    }
    assert_int_not_equal(azk_match__hash(c1, AZK_FP_EMAIL, v, sizeof(v) - 1),
                         azk_match__hash(c2, AZK_FP_EMAIL, v, sizeof(v) - 1));
    assert_int_equal(c1->memo_hits, 2);
    azk_match__memo_free(c1);
    assert_null(c1->memo);
    check(c1, AZK_FP_EMAIL, v, sizeof(v) - 1); /* a fresh memo after a free */
    azk_match__ctx_free(c1);
    azk_match__ctx_free(c2);
    free(i1);
    free(i2);
}

/* Batches (the name windows of a line): same hashes, a value twice in one batch too. */
static void test_memo__batch(void **state)
{
    (void)state;
    azk_fp_index *idx = fake_index(5);
    struct azk_match_ctx *ctx = NULL;
    static uint8_t v[AZK_MATCH_BATCH_MAX][AZK_MATCH_BATCH_BYTES];
    uint8_t len[AZK_MATCH_BATCH_MAX];
    uint32_t out[AZK_MATCH_BATCH_MAX];
    assert_int_equal(azk_match__ctx_new(&ctx, idx), AZK_OK);
    for (int round = 0; round < 200; round++) {
        size_t count = 1 + next() % AZK_MATCH_BATCH_MAX;
        for (size_t i = 0; i < count; i++) {
            len[i] = (uint8_t)(1 + next() % AZK_MATCH_BATCH_BYTES);
            for (size_t j = 0; j < len[i]; j++)
                v[i][j] = (uint8_t)(next() % 3 + 'a');
            if (i > 0 && next() % 4 == 0) { /* the previous value again */
                len[i] = len[i - 1];
                memcpy(v[i], v[i - 1], len[i]);
            }
        }
        azk_match__hash_batch(ctx, round % AZK_FP__COUNT, count, v, len, out);
        for (size_t i = 0; i < count; i++) {
            assert_int_equal(
                out[i], azk_fp__hasher_hash(&idx->hasher, round % AZK_FP__COUNT, v[i], len[i]));
            check(ctx, round % AZK_FP__COUNT, v[i], len[i]); /* and one at a time */
        }
    }
    assert_true(ctx->memo_hits > 0);
    azk_match__ctx_free(ctx);
    free(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memo__same_as_hasher),
        cmocka_unit_test(test_memo__slot_shared),
        cmocka_unit_test(test_memo__per_context),
        cmocka_unit_test(test_memo__batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
