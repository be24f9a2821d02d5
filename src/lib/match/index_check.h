/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/index_check.h -- what match/index.c (reading a fingerprint file) and
 * match/index_check.c (the checks of its tables) share: internal to
 * src/lib/match/.
 */
#ifndef AZK_MATCH_INDEX_CHECK_H
#define AZK_MATCH_INDEX_CHECK_H

#include "match/fp.h"
#include "azukari/fingerprint.h"

/* The field of w bits at bit pos of p (w <= 25; p has 8 bytes of padding). */
static inline uint32_t azk_fp__get_field(const uint8_t *p, uint64_t pos, unsigned w)
{
    uint64_t x;
    memcpy(&x, p + (pos >> 3), sizeof(x));
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return (uint32_t)(x >> (pos & 7)) & ((1u << w) - 1u);
}

/*
 * One pass over the seed kind k's CSR (offsets already checked: rising from
 * 0 to the entry count): row ids below the row count and rising within a
 * bucket; each (row, k, code of its bucket) added to *sum under seed.
 * False for a bad row id.
 */
bool azk_fp__csr_check(const azk_fp_index *idx, unsigned k, uint64_t seed, uint64_t *sum);

/*
 * One pass over the row table: every non-seed cell <= 2^bits (a bucket +
 * 1); each seed cell (row, kind, code) that is not 0 added to *sum under
 * seed. False for a cell out of range. The load compares the two sums.
 */
bool azk_fp__rows_check(const azk_fp_index *idx, uint64_t seed, uint64_t *sum);

#endif
