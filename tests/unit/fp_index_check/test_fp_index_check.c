/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/fp_index_check/test_fp_index_check.c -- the structure checks of
 * a version 2/3 fingerprint file's tables (match/index_check.c) against a
 * plain reference written here: on random and hostile tables built in
 * memory (no file, no checksum), each check must refuse exactly what the
 * reference refuses (row ids out of range, equal or falling within a
 * bucket, at the kind's first and last id, after empty buckets; non-seed
 * cells over 2^bits) and, where it accepts, add the same sum of hashed
 * (row, kind, code) triples, bit for bit, for several seeds. The row ids
 * are allocated as the loader does (4 bytes of padding, no more), so ASan
 * sees a read before the first id or past the padding. Values are random
 * numbers; nothing personal.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "match/index_check.h"

static uint64_t rng = 0x243F6A8885A308D3u;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

static uint64_t rnd64(void)
{
    return (uint64_t)rnd() << 32 ^ rnd() << 11 ^ rnd();
}

/* The hash of one (row, kind, code) triple under seed, as match/index_check.c defines it. */
static uint64_t ref_mix(uint64_t seed, uint64_t row, unsigned kind, uint32_t code)
{
    uint64_t x = (seed ^ (row << 16 | (uint64_t)kind << 8 | code)) * 0x9E3779B97F4A7C15ull;
    return x ^ (x >> 29);
}

static const uint64_t seeds[] = {0, UINT64_MAX, 0xFFFF, 0xFFFFFFFFFFFF0000u, 0x0123456789ABCDEFu};

/* ---- the CSR of one seed kind ------------------------------------------------- */

/* An index holding only kind k's CSR: 2^bits buckets, n ids of rb bytes (+ 4 bytes). */
static azk_fp_index *csr_index(unsigned k, unsigned bits, unsigned rb, uint64_t rows,
                               const uint32_t *cnt, const uint32_t *ids, uint32_t n)
{
    azk_fp_index *idx = calloc(1, sizeof(*idx));
    size_t nb = (size_t)1 << bits;
    assert_non_null(idx);
    idx->bits[k] = (uint8_t)bits;
    idx->row_bytes = rb;
    idx->total_rows = rows;
    idx->entry_count[k] = n;
    idx->off[k] = malloc((nb + 1) * sizeof(uint32_t));
    idx->rows[k] = malloc((size_t)n * rb + 4);
    assert_non_null(idx->off[k]);
    assert_non_null(idx->rows[k]);
    idx->off[k][0] = 0;
    for (size_t b = 0; b < nb; b++)
        idx->off[k][b + 1] = idx->off[k][b] + cnt[b];
    assert_int_equal(idx->off[k][nb], n);
    for (uint32_t e = 0; e < n; e++)
        for (unsigned i = 0; i < rb; i++)
            idx->rows[k][(size_t)e * rb + i] = (uint8_t)(ids[e] >> (8 * i));
    memset(idx->rows[k] + (size_t)n * rb, 0xA5, 4); /* padding: not part of any id */
    return idx;
}

static void index_free(azk_fp_index *idx)
{
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        free(idx->off[k]);
        free(idx->rows[k]);
    }
    free(idx->rowtab);
    free(idx);
}

/* The reference: every id below rows and rising within its bucket; the sum of the triples. */
static bool ref_csr(unsigned k, unsigned bits, uint64_t rows, const uint32_t *cnt,
                    const uint32_t *ids, uint64_t seed, uint64_t *sum)
{
    uint32_t e = 0;
    bool ok = true;
    for (uint32_t b = 0; b < (1u << bits); b++)
        for (uint32_t i = 0; i < cnt[b]; i++, e++) {
            ok &= ids[e] < rows && (i == 0 || ids[e] > ids[e - 1]);
            *sum += ref_mix(seed, ids[e], k, azk_fp__code(k, b));
        }
    return ok;
}

static void expect_csr(unsigned k, unsigned bits, unsigned rb, uint64_t rows, const uint32_t *cnt,
                       const uint32_t *ids, uint32_t n)
{
    azk_fp_index *idx = csr_index(k, bits, rb, rows, cnt, ids, n);
    for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]) + 1; s++) {
        uint64_t seed = s < sizeof(seeds) / sizeof(seeds[0]) ? seeds[s] : rnd64();
        uint64_t want = 7;
        uint64_t got = 7;
        bool ok = ref_csr(k, bits, rows, cnt, ids, seed, &want);
        assert_int_equal(azk_fp__csr_check(idx, k, seed, &got), ok);
        if (ok && got != want)
            fail_msg("kind %u bits %u rb %u n %u: sum differs (seed %llx)", k, bits, rb, n,
                     (unsigned long long)seed);
    }
    index_free(idx);
}

/* Random buckets of 0 .. 5 rising ids (often empty at the start and the end). */
static uint32_t random_csr(unsigned bits, uint64_t rows, uint32_t *cnt, uint32_t *ids)
{
    uint32_t n = 0;
    uint32_t nb = 1u << bits;
    uint32_t empty_head = rnd() % 3 == 0 ? rnd() % nb : 0;
    uint32_t empty_tail = rnd() % 3 == 0 ? rnd() % nb : 0;
    for (uint32_t b = 0; b < nb; b++) {
        uint64_t r = 0;
        cnt[b] = b < empty_head || nb - b <= empty_tail ? 0 : rnd() % 6;
        for (uint32_t i = 0; i < cnt[b]; i++) {
            /* near the top of the range often (the last id's check, 4-byte ids' wrap) */
            uint64_t left = rows - r;
            if (left == 0 || (uint64_t)(cnt[b] - i) > left) {
                cnt[b] = i;
                break;
            }
            r += rnd() % 4 == 0 ? left - (cnt[b] - i) : rnd() % (left / (cnt[b] - i) + 1);
            ids[n++] = (uint32_t)r;
            r++;
        }
    }
    return n;
}

static void test_fp_index_check__csr_random(void **state)
{
    /* kinds of 8-bit codes (names) and 4-bit ones, bucket counts past the code range */
    static const unsigned kinds[] = {AZK_FP_NAME, AZK_FP_PHONE, AZK_FP_EMAIL, AZK_FP_ADDRESS,
                                     AZK_FP_MYNUMBER};
    uint32_t *cnt = malloc(((size_t)1 << 10) * sizeof(uint32_t));
    uint32_t *ids = malloc(((size_t)5 << 10) * sizeof(uint32_t));
    (void)state;
    assert_non_null(cnt);
    assert_non_null(ids);
    for (unsigned it = 0; it < 400; it++) {
        unsigned k = kinds[it % 5];
        unsigned bits = 1 + rnd() % 10;
        unsigned rb = it % 2 ? 4 : 3;
        uint64_t rows;
        uint32_t n;
        switch (rnd() % 4) {
            case 0:
                rows = 1 + rnd() % 8;
                break;
            case 1:
                rows = rb == 4 ? (uint64_t)1 << 32 : 1u << 24; /* the largest ids */
                break;
            default:
                rows = 1 + rnd() % (rb == 4 ? UINT32_MAX : 0xFFFFFFu);
        }
        n = random_csr(bits, rows, cnt, ids);
        if (n == 0)
            continue;
        expect_csr(k, bits, rb, rows, cnt, ids, n);
        /* hostile: one id changed to each of: the row count, the largest id, its
         * predecessor's (a duplicate), one below it (falling), 0; at the kind's first
         * id, its last, and a random one */
        for (unsigned m = 0; m < 15; m++) {
            uint32_t at = m % 3 == 0 ? 0 : m % 3 == 1 ? n - 1 : rnd() % n;
            uint32_t keep = ids[at];
            switch (m / 3) {
                case 0:
                    if (rows <= (rb == 4 ? UINT32_MAX : 0xFFFFFFu))
                        ids[at] = (uint32_t)rows;
                    break;
                case 1:
                    ids[at] = rb == 4 ? UINT32_MAX : 0xFFFFFFu;
                    break;
                case 2:
                    ids[at] = at > 0 ? ids[at - 1] : ids[at];
                    break;
                case 3:
                    ids[at] = at > 0 ? ids[at - 1] - 1u : ids[at];
                    break;
                default:
                    ids[at] = 0;
            }
            if (rb == 3)
                ids[at] &= 0xFFFFFFu;
            expect_csr(k, bits, rb, rows, cnt, ids, n);
            ids[at] = keep;
        }
    }
    free(cnt);
    free(ids);
}

/* Hand-made edges: one id in all; the first bucket's, the last bucket's; a bucket's ids
 * falling into the next bucket (allowed); the largest ids of both widths. */
static void test_fp_index_check__csr_edges(void **state)
{
    uint32_t cnt[8] = {0};
    uint32_t ids[8];
    (void)state;
    for (unsigned rb = 3; rb <= 4; rb++) {
        uint32_t top = rb == 4 ? UINT32_MAX : 0xFFFFFFu;
        for (unsigned b = 0; b < 8; b++) {
            memset(cnt, 0, sizeof(cnt));
            cnt[b] = 1;
            for (uint32_t id = 0; id < 3; id++) {
                ids[0] = id;
                expect_csr(AZK_FP_NAME, 3, rb, 2, cnt, ids, 1); /* id 2: out of range */
            }
            ids[0] = top;
            expect_csr(AZK_FP_PHONE, 3, rb, (uint64_t)top + 1, cnt, ids, 1);
            expect_csr(AZK_FP_PHONE, 3, rb, top, cnt, ids, 1);
        }
        /* buckets 1 and 2: 5 9 | 3 4; then 5 5 | 3 4 and 5 9 | 4 3 */
        memset(cnt, 0, sizeof(cnt));
        cnt[1] = 2;
        cnt[2] = 2;
        ids[0] = 5;
        ids[1] = 9;
        ids[2] = 3;
        ids[3] = 4;
        expect_csr(AZK_FP_EMAIL, 3, rb, 10, cnt, ids, 4);
        expect_csr(AZK_FP_EMAIL, 3, rb, 9, cnt, ids, 4);
        ids[1] = 5;
        expect_csr(AZK_FP_EMAIL, 3, rb, 10, cnt, ids, 4);
        ids[1] = 9;
        ids[2] = 4;
        ids[3] = 3;
        expect_csr(AZK_FP_EMAIL, 3, rb, 10, cnt, ids, 4);
        /* the largest ids at the end of the array (8-byte reads end in the padding) */
        memset(cnt, 0, sizeof(cnt));
        cnt[7] = 3;
        ids[0] = top - 2;
        ids[1] = top - 1;
        ids[2] = top;
        expect_csr(AZK_FP_ADDRESS, 3, rb, (uint64_t)top + 1, cnt, ids, 3);
        expect_csr(AZK_FP_ADDRESS, 3, rb, top, cnt, ids, 3);
    }
}

/* ---- the row table -------------------------------------------------------------- */

/* An index with the slots of mask (bit s: slot s present), rows rows of random cells: a
 * seed slot any code (0 = none, and codes no bucket has), a non-seed slot 0 .. 2^bits, and
 * with bad set one non-seed cell (if any) over the bound. */
static azk_fp_index *rows_index(unsigned mask, uint64_t rows, bool bad, uint32_t *cells)
{
    azk_fp_index *idx = calloc(1, sizeof(*idx));
    uint32_t sh = 0;
    assert_non_null(idx);
    memcpy(idx->bits, azk_fp__bits, sizeof(idx->bits));
    for (unsigned s = 0; s < AZK_FPS__COUNT; s++) {
        unsigned k = azk_fp__slot_kind[s];
        idx->slot_sh[s] = (uint8_t)sh;
        if (!((mask >> s) & 1))
            continue;
        idx->slot_w[s] = (uint8_t)(azk_fp__is_seed(k) ? azk_fp__code_w(k) : idx->bits[k] + 1u);
        sh += idx->slot_w[s];
    }
    idx->row_w = sh;
    idx->total_rows = rows;
    idx->rowtab = calloc(1, (size_t)((rows * sh + 7) / 8) + 16);
    assert_non_null(idx->rowtab);
    for (uint64_t r = 0; r < rows; r++)
        for (unsigned s = 0; s < AZK_FPS__COUNT; s++) {
            unsigned k = azk_fp__slot_kind[s];
            uint32_t v = 0;
            uint64_t pos = r * sh + idx->slot_sh[s];
            if (idx->slot_w[s] == 0)
                continue;
            if (rnd() % 4 != 0)
                v = azk_fp__is_seed(k) ? rnd() & ((1u << idx->slot_w[s]) - 1u)
                                       : rnd() % ((1u << idx->bits[k]) + 1u);
            if (!azk_fp__is_seed(k) && rnd() % 16 == 0)
                v = rnd() % 2 ? 1u << idx->bits[k] : 0;
            cells[r * AZK_FPS__COUNT + s] = v;
            for (unsigned i = 0; i < idx->slot_w[s]; i++)
                if ((v >> i) & 1)
                    idx->rowtab[(pos + i) / 8] |= (uint8_t)(1u << ((pos + i) % 8));
        }
    if (bad) {
        uint64_t r = rnd() % rows;
        unsigned s = rnd() % AZK_FPS__COUNT;
        for (unsigned t = 0; t < AZK_FPS__COUNT; t++, s = (s + 1) % AZK_FPS__COUNT) {
            unsigned k = azk_fp__slot_kind[s];
            uint64_t pos = r * sh + idx->slot_sh[s];
            uint32_t v;
            if (idx->slot_w[s] == 0 || azk_fp__is_seed(k))
                continue;
            /* 2^bits + 1 .. all ones */
            v = (1u << idx->bits[k]) + 1u + rnd() % ((1u << idx->bits[k]) - 1u);
            if (rnd() % 2)
                v = (1u << (idx->bits[k] + 1u)) - 1u;
            cells[r * AZK_FPS__COUNT + s] = v;
            for (unsigned i = 0; i < idx->slot_w[s]; i++)
                if ((v >> i) & 1)
                    idx->rowtab[(pos + i) / 8] |= (uint8_t)(1u << ((pos + i) % 8));
                else
                    idx->rowtab[(pos + i) / 8] &= (uint8_t) ~(1u << ((pos + i) % 8));
            break;
        }
    }
    return idx;
}

static bool ref_rows(const azk_fp_index *idx, const uint32_t *cells, uint64_t seed, uint64_t *sum)
{
    bool ok = true;
    for (uint64_t r = 0; r < idx->total_rows; r++)
        for (unsigned s = 0; s < AZK_FPS__COUNT; s++) {
            unsigned k = azk_fp__slot_kind[s];
            uint32_t v = cells[r * AZK_FPS__COUNT + s];
            if (idx->slot_w[s] == 0)
                continue;
            assert_int_equal(azk_fp__row_slot(idx, r, s), v); /* the table is as meant */
            if (!azk_fp__is_seed(k))
                ok &= v <= 1u << idx->bits[k];
            else if (v != 0)
                *sum += ref_mix(seed, r, k, v);
        }
    return ok;
}

static void expect_rows(unsigned mask, uint64_t rows, bool bad)
{
    uint32_t *cells = calloc((size_t)rows * AZK_FPS__COUNT, sizeof(uint32_t));
    azk_fp_index *idx;
    assert_non_null(cells);
    idx = rows_index(mask, rows, bad, cells);
    for (size_t s = 0; s < sizeof(seeds) / sizeof(seeds[0]) + 1; s++) {
        uint64_t seed = s < sizeof(seeds) / sizeof(seeds[0]) ? seeds[s] : rnd64();
        uint64_t want = 3;
        uint64_t got = 3;
        bool ok = ref_rows(idx, cells, seed, &want);
        if (azk_fp__rows_check(idx, seed, &got) != ok)
            fail_msg("slots %03x rows %llu (row_w %u): accepted %d", mask, (unsigned long long)rows,
                     idx->row_w, !ok);
        if (ok && got != want)
            fail_msg("slots %03x rows %llu (row_w %u): sum differs (seed %llx)", mask,
                     (unsigned long long)rows, idx->row_w, (unsigned long long)seed);
    }
    index_free(idx);
    free(cells);
}

/*
 * Random layouts (narrow rows of one 8-byte load with 0 .. 5 seed slots, and wide
 * ones), random cells, with and without a non-seed cell over its bound; row counts
 * around multiples of 8 (a row's first bit at every offset in its byte).
 */
static void test_fp_index_check__rows_random(void **state)
{
    static const unsigned fixed[] = {
        0x7FF,               /* every slot: wide */
        1u << AZK_FPS_NAME,  /* one seed slot at bit 0 */
        1u << AZK_FPS_BIRTH, /* no seed slot */
        1u << AZK_FPS_NAME | 1u << AZK_FPS_BIRTH | 1u << AZK_FPS_PHONE1 | 1u << AZK_FPS_EMAIL |
            1u << AZK_FPS_POSTAL | 1u << AZK_FPS_ADDRESS, /* big3.azf's 43 bits */
        1u << AZK_FPS_NAME | 1u << AZK_FPS_KANA | 1u << AZK_FPS_PHONE1 | 1u << AZK_FPS_PHONE2 |
            1u << AZK_FPS_EMAIL | 1u << AZK_FPS_ADDRESS, /* 6 seed slots, 32 bits */
        1u << AZK_FPS_NAME | 1u << AZK_FPS_KANA | 1u << AZK_FPS_PHONE1 | 1u << AZK_FPS_PHONE2 |
            1u << AZK_FPS_EMAIL | 1u << AZK_FPS_ADDRESS | 1u << AZK_FPS_MYNUMBER, /* 7 */
    };
    (void)state;
    for (unsigned it = 0; it < 600; it++) {
        unsigned mask = it < 6 * 8 ? fixed[it / 8] : rnd() & 0x7FF;
        uint64_t rows = it % 3 == 0 ? 1 + rnd() % 17 : 8 * (1 + rnd() % 40) + rnd() % 3 - 1;
        if (rows == 0)
            rows = 1;
        /* a kana slot needs the name slot, a second phone the first */
        if ((mask >> AZK_FPS_KANA) & 1)
            mask |= 1u << AZK_FPS_NAME;
        if ((mask >> AZK_FPS_PHONE2) & 1)
            mask |= 1u << AZK_FPS_PHONE1;
        expect_rows(mask, rows, false);
        expect_rows(mask, rows, true);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fp_index_check__csr_random),
        cmocka_unit_test(test_fp_index_check__csr_edges),
        cmocka_unit_test(test_fp_index_check__rows_random),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
