/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/places_hash.h -- the municipality stems of places.h as an
 * open-addressing hash set with a Bloom filter in front: the hash and the
 * slot layout, shared by the build-time generator (tools/gen_places_tab.c,
 * which writes the tables) and the look-up (detect_address.c,
 * azk_detect__place_known). A look-up of a municipality that is not a stem
 * (most of them: parse_muni tries every 市/区/町/村/郡 it meets) must not
 * wander through memory: perf showed place_known at 4.6% of the bench
 * corpus scan, nearly all of it waiting for the slot, the length and the
 * string pointer of a 1 MB table. So:
 * - a blocked Bloom filter of 64 KB (two bits of one 64-bit word per stem)
 *   says "surely not" for ~95% of the non-stems without touching the table;
 * - a slot is 32 bits: entry index + 1 in the low `ib` bits, the rest a tag
 *   of the hash, so a probe compares the tag and reads the entry's length
 *   and bytes only when it matches (load about 1/2: 512 KB);
 * - the hash reads the bytes 8 at a time (a stem is at most 32 bytes).
 * Built at build time (read-only data: no start-up work, pages read on
 * use). A different hash or layout never changes the answer
 * (tests/unit/detect_places checks every stem and near misses against the
 * binary search of the sorted list).
 */
#ifndef AZK_DETECT_PLACES_HASH_H
#define AZK_DETECT_PLACES_HASH_H

#include "detect/detect_scan.h"

#include <stdint.h>
#include <string.h>

#define AZK_PLACE_BLOOM_WORDS 8192u /* 64 KB */

/* The generated tables (places_tab.c). azk_detect__place_ib: index bits of
 * a slot (log2 of the table size); 0 when the list was too long for a
 * tag (the look-up is then the binary search). */
extern const uint32_t azk_detect__place_tab[];
extern const uint64_t azk_detect__place_bloom[AZK_PLACE_BLOOM_WORDS];
extern const unsigned azk_detect__place_ib;

static inline uint64_t azk_detect__place_hash(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    uint64_t h = (uint64_t)n * 0x9E3779B97F4A7C15ull, w;
    while (n > 8) {
        memcpy(&w, u, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
        u += 8;
        n -= 8;
    }
    h ^= azk_detect__load_short(u, n);
    h *= 0xff51afd7ed558ccdull; /* murmur3's finaliser */
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    return h;
}

/* bits of the hash: slot index 0..ib-1, Bloom word 17..29, Bloom bits
 * 30..35 and 36..41, tag 42.. */
static inline size_t azk_detect__place_bloom_word(uint64_t h)
{
    return (size_t)(h >> 17) & (AZK_PLACE_BLOOM_WORDS - 1);
}

static inline uint64_t azk_detect__place_bloom_bits(uint64_t h)
{
    return (1ull << ((h >> 30) & 63)) | (1ull << ((h >> 36) & 63));
}

static inline uint32_t azk_detect__place_tag(uint64_t h, unsigned ib)
{
    return (uint32_t)(h >> 42) << ib;
}

#endif
