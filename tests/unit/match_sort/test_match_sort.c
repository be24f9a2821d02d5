/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/match_sort/test_match_sort.c -- the matcher's own sort of row
 * ids (src/lib/match/match.c, sort_u64: quicksort with a median of three
 * down to insertion sort below 25 values) against qsort: every size from 0
 * to 300 (0, 1, 2, the insertion-sort threshold and either side of it),
 * larger random arrays, few distinct values, all equal, UINT64_MAX and 0,
 * sorted, reversed, organ-pipe and sawtooth inputs. The result must be
 * qsort's, value for value.
 * The merge of the gathered rows (merge_rows: one entry per row, its kinds
 * or-ed, at the place of its first entry) against a merge done here by
 * comparing every entry with the kept ones: sizes 0 to 5,000 (the table
 * grows), rows that repeat often or seldom, row ids 0 and UINT32_MAX,
 * one context reused (rows of the evaluation before never count) and its
 * table's stamps wrapping (the same rows again).
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

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The shapes of input: fill v[0..n) with shape s. */
enum { RANDOM, FEW, EQUAL, EXTREMES, SORTED, REVERSED, ORGAN, SAW, SHAPES };

static void fill(uint64_t *v, size_t n, int s)
{
    for (size_t i = 0; i < n; i++) {
        switch (s) {
            case RANDOM:
                v[i] = next();
                break;
            case FEW: /* many duplicates: 3 distinct values, one of them the maximum */
                v[i] = (uint64_t[]){7, 3, UINT64_MAX}[next() % 3];
                break;
            case EQUAL:
                v[i] = 42;
                break;
            case EXTREMES: /* 0, UINT64_MAX and their neighbours */
                v[i] = (uint64_t[]){0, 1, UINT64_MAX, UINT64_MAX - 1, 1ull << 63}[next() % 5];
                break;
            case SORTED:
                v[i] = i * 3;
                break;
            case REVERSED:
                v[i] = (uint64_t)(n - i);
                break;
            case ORGAN:
                v[i] = i < n / 2 ? i : n - i;
                break;
            default: /* SAW */
                v[i] = i % 17;
                break;
        }
    }
}

/* Sort with the library and with qsort; same values in the same order. */
static void check(size_t n, int s)
{
    uint64_t *a = malloc((n ? n : 1) * sizeof(*a));
    uint64_t *b = malloc((n ? n : 1) * sizeof(*b));
    assert_non_null(a);
    assert_non_null(b);
    fill(a, n, s);
    if (n > 0)
        memcpy(b, a, n * sizeof(*a));
    azk_match__sort_u64(a, n);
    qsort(b, n, sizeof(*b), cmp_u64);
    for (size_t i = 0; i < n; i++) {
        if (a[i] != b[i])
            print_error("n %zu shape %d: differs at %zu\n", n, s, i);
        assert_true(a[i] == b[i]);
    }
    free(a);
    free(b);
}

/* 0 and 1 values; a NULL array of none is never read. */
static void test_match_sort__tiny(void **state)
{
    uint64_t one = UINT64_MAX;
    uint64_t two[2] = {UINT64_MAX, 0};
    (void)state;
    azk_match__sort_u64(NULL, 0);
    azk_match__sort_u64(&one, 1);
    assert_true(one == UINT64_MAX);
    azk_match__sort_u64(two, 2);
    assert_true(two[0] == 0 && two[1] == UINT64_MAX);
}

/* Every size up to 300 (both sides of the insertion-sort threshold, 24),
 * every shape, a few rounds of the random ones. */
static void test_match_sort__sizes(void **state)
{
    (void)state;
    for (size_t n = 0; n <= 300; n++) {
        for (int s = 0; s < SHAPES; s++)
            check(n, s);
        for (int r = 0; r < 4; r++) {
            check(n, RANDOM);
            check(n, FEW);
            check(n, EXTREMES);
        }
    }
}

/* Larger arrays: deep partitions, long runs of equal values. */
static void test_match_sort__large(void **state)
{
    static const size_t sizes[] = {1000, 4096, 4097, 65536, 200003};
    (void)state;
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        for (int s = 0; s < SHAPES; s++)
            check(sizes[k], s);
    }
}

/* One evaluation's gathered rows (n of them, ids below `rows`, or near 0 and UINT32_MAX)
 * merged by the library and here. */
static void check_merge(struct azk_match_ctx *ctx, size_t n, uint64_t rows, bool extremes)
{
    uint64_t *want = malloc((n ? n : 1) * sizeof(*want));
    size_t m = 0;
    assert_non_null(want);
    if (ctx->capseen < n) {
        azk_free(ctx->seen);
        ctx->seen = azk_malloc(n * sizeof(*ctx->seen));
        assert_non_null(ctx->seen);
        ctx->capseen = n;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t r =
            extremes ? (uint64_t[]){0, 1, UINT32_MAX, UINT32_MAX - 1}[next() % 4] : next() % rows;
        uint64_t v = r << 32 | 1u << (next() % AZK_FP__COUNT);
        size_t j = 0;
        ctx->seen[i] = v;
        while (j < m && want[j] >> 32 != r)
            j++;
        if (j < m)
            want[j] |= v;
        else
            want[m++] = v;
    }
    ctx->nseen = n;
    assert_int_equal(azk_match__merge_rows(ctx), AZK_OK);
    assert_int_equal(ctx->nseen, m);
    for (size_t i = 0; i < m; i++) {
        if (ctx->seen[i] != want[i])
            print_error("merge: n %zu rows %llu: differs at %zu\n", n, (unsigned long long)rows, i);
        assert_true(ctx->seen[i] == want[i]);
    }
    free(want);
}

static void test_match_sort__merge_rows(void **state)
{
    static const uint64_t rows[] = {1, 3, 40, 1000, 1ull << 24, 1ull << 32};
    azk_fp_index *idx = calloc(1, sizeof(*idx));
    struct azk_match_ctx *ctx = NULL;
    (void)state;
    assert_non_null(idx);
    assert_int_equal(azk_match__ctx_new(&ctx, idx), AZK_OK);
    for (size_t n = 0; n <= 700; n += 1 + n / 8)
        for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
            check_merge(ctx, n, rows[r], false);
    for (size_t n = 700; n <= 5000; n += 1100) /* the table grows */
        for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++)
            check_merge(ctx, n, rows[r], false);
    check_merge(ctx, 300, 0, true);
    {
        /* the stamps wrap: the table's entries of the evaluation stamped 1 (the first
         * after the table grew) must not count when the stamps start again at 1 with
         * the same rows */
        uint64_t again = rng;
        check_merge(ctx, 9000, 3000, false);
        assert_int_equal(ctx->rgen, 1);
        ctx->rgen = UINT32_MAX - 1;
        check_merge(ctx, 2000, 1500, false);
        rng = again;
        check_merge(ctx, 9000, 3000, false);
        assert_int_equal(ctx->rgen, 1);
    }
    azk_match__ctx_free(ctx);
    free(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_sort__tiny),
        cmocka_unit_test(test_match_sort__sizes),
        cmocka_unit_test(test_match_sort__large),
        cmocka_unit_test(test_match_sort__merge_rows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
