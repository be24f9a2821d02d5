/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/index_check.c -- the structure checks of a version 2 or 3
 * fingerprint file's tables (match/index.c reads them; the file is
 * untrusted: scanners on the general network load files they are handed).
 * Every row id and cell a look-up follows is checked, and the row table's
 * seed codes are compared with the CSR (sums of hashed (row, kind, code)
 * triples under a fresh random seed).
 */
#include "match/index_check.h"

/*
 * A (row, kind, code) triple as a 64-bit value under a seed (one multiply and a fold:
 * not linear, so sums of different multisets differ but by chance). v is
 * seed ^ (row << 16 | kind << 8 | code): the three parts take disjoint bits (kind < 256,
 * code < 256), so the loops below xor the parts they hold constant in once.
 */
#define MIX_K 0x9E3779B97F4A7C15ull

static inline uint64_t triple_mix(uint64_t v)
{
    uint64_t x = v * MIX_K;
    return x ^ (x >> 29);
}

/*
 * The row table's seed codes must say what the CSR says: the multisets of
 * (row, kind, code) from both are compared by the sums of their hashes
 * under a fresh random seed (sequential passes: a per-row check would miss
 * the cache 40 M times at 10 M rows). A table that disagrees could only
 * hide matches (the CSR is the exact answer), but it is not what an export
 * writes: refused. azk_fp__csr_check adds a kind's CSR to one sum, azk_fp__rows_check the
 * row table to the other.
 */

/*
 * The CSR of a seed kind with rb-byte row ids (rb a constant where
 * azk_fp__csr_check calls it: 3 or 4), one bucket after the other: the ids of
 * a bucket rising (as version 1's sorted entries give them: azk_fp__seed_row
 * searches them), the last one below rows (for rising ids, every one is);
 * each (row, kind, code) -- sk = seed ^ (kind << 8 | code) -- added to *acc.
 * A row id is read already shifted into place: 8 bytes from 2 bytes before
 * it (the id array has 4 bytes of padding after its end; the kind's first
 * id, with nothing before it, is read apart), masked to bits 16 .. 16 + 8 rb;
 * the order and range checks compare the shifted ids.
 */
static inline bool csr_walk(const azk_fp_index *idx, unsigned k, uint64_t seed, unsigned rb,
                            uint64_t *sum)
{
    const uint32_t *off = idx->off[k];
    const uint8_t *ids = idx->rows[k];
    const uint8_t *p = ids + rb; /* after the first id (read apart) */
    size_t nb = (size_t)1 << idx->bits[k];
    uint64_t mask = (rb == 4 ? 0xFFFFFFFFull : 0xFFFFFFull) << 16;
    uint64_t end16 = idx->total_rows << 16; /* every shifted id is below it */
    uint64_t acc = 0;
    uint64_t next; /* the lowest shifted id the next entry of the bucket may have */
    uint64_t bad = 0;
    size_t bk = 0;
    /* bucket bk's code, azk_fp__code(k, bk) = 1 + bk mod m, counted along (no division a
     * bucket: millions of them) */
    uint32_t m = (1u << azk_fp__code_w(k)) - 1u;
    uint32_t code;
    uint64_t sk;
    uint32_t v;
    if (idx->entry_count[k] == 0)
        return true;
    while (off[bk + 1] == 0) /* the bucket of the first id (off[nb] = the count > 0) */
        bk++;
    code = 1u + (uint32_t)(bk % m);
    sk = seed ^ ((uint64_t)k << 8 | code);
    memcpy(&v, ids, sizeof(v));
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    next = ((uint64_t)v << 16 & mask) + 0x10000u;
    acc += triple_mix(sk ^ (next - 0x10000u));
    for (;;) {
        const uint8_t *end = ids + (uint64_t)off[bk + 1] * rb;
        for (; p < end; p += rb) {
            uint64_t x;
            memcpy(&x, p - 2, sizeof(x));
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
            x = __builtin_bswap64(x);
#endif
            x &= mask;
            bad += x < next;
            next = x + 0x10000u;
            acc += triple_mix(sk ^ x);
        }
        bad += next > end16; /* 0 after an empty bucket */
        if (++bk == nb)
            break;
        next = 0;
        code = code == m ? 1u : code + 1u;
        sk = seed ^ ((uint64_t)k << 8 | code);
    }
    *sum += acc;
    return bad == 0;
}

/* One pass over the seed kind k's CSR (index_check.h). */
__attribute__((noinline)) bool azk_fp__csr_check(const azk_fp_index *idx, unsigned k, uint64_t seed,
                                                 uint64_t *sum)
{
    return idx->row_bytes == 4 ? csr_walk(idx, k, seed, 4, sum) : csr_walk(idx, k, seed, 3, sum);
}

/*
 * The narrow rows' pass (row_w <= 57: a row's cells come from one 8-byte
 * load; nsd is a constant where azk_fp__rows_check calls it, so the seed loop
 * is unrolled, without a branch; the two checks are not inlined: inlined into
 * the loader, their loops' values were spilled to the stack). Non-seed cells at once:
 * a cell of bits + 1 bits is > 2^bits exactly when its top bit (in top) is
 * set and one of its low bits (in low) is: (w & low) + low carries into the
 * top bit of every cell whose low bits are not all 0 (each sum < 2^(bits +
 * 1): no carry leaves its cell). Returns the seed cells' sum; *bad set
 * for a non-seed cell out of range.
 *
 * A seed cell's triple_mix(seed ^ (row << 16 | kind << 8 | code)) with one
 * multiply a row, not a cell: the value hashed is the sum of its bits 16 and
 * up, (seed ^ row << 16) & ~0xFFFF, and of its low 16 bits, (seed & 0xFFFF) ^
 * (kind << 8 | code) (code < 256), so its product with the multiplier is the
 * row's product (prow) plus the product of the cell's low bits, from a table
 * of slot j and code; the sums are the same, bit for bit. An empty cell (0)
 * adds nothing: its table entries make x 0 (prow and'ed with 0, plus 0), and
 * 0 ^ (0 >> 29) is 0. The tables are indexed by the 8 bits from the cell's
 * first (a byte: no mask to load), an entry the same for every byte whose
 * low slot_w bits are the same code.
 */
static inline __attribute__((always_inline)) uint64_t
rows_narrow(const azk_fp_index *idx, uint64_t seed, uint64_t low, uint64_t top, unsigned nsd,
            const uint32_t *ssh, uint64_t (*tadd)[256], uint64_t (*tand)[256], bool *bad)
{
    uint64_t acc = 0;
    uint64_t over = 0;
    uint64_t hi = seed & ~(uint64_t)0xFFFF;
    for (uint64_t row = 0, base = 0; row < idx->total_rows; row++, base += idx->row_w) {
        uint64_t w;
        uint64_t prow = (hi ^ row << 16) * MIX_K;
        memcpy(&w, idx->rowtab + (base >> 3), sizeof(w));
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
        w = __builtin_bswap64(w);
#endif
        w >>= base & 7;
        over |= ((w & low) + low) & top & w;
#pragma GCC unroll 8
        for (unsigned j = 0; j < nsd; j++) {
            uint8_t b = (uint8_t)(w >> ssh[j]);
            uint64_t x = (prow & tand[j][b]) + tadd[j][b];
            acc += x ^ (x >> 29);
        }
    }
    *bad = over != 0;
    return acc;
}

/* One pass over the row table (index_check.h). */
__attribute__((noinline)) bool azk_fp__rows_check(const azk_fp_index *idx, uint64_t seed,
                                                  uint64_t *sum)
{
    /* non-seed slots: shift, mask, largest cell; seed slots: shift, mask, kind << 8 */
    uint32_t psh[AZK_FPS__COUNT] = {0};
    uint32_t pmask[AZK_FPS__COUNT] = {0};
    uint32_t pmax[AZK_FPS__COUNT] = {0};
    uint32_t ssh[AZK_FPS__COUNT] = {0};
    uint32_t smask[AZK_FPS__COUNT] = {0};
    uint64_t skind[AZK_FPS__COUNT] = {0};
    uint64_t tadd[AZK_FPS__COUNT][256]; /* rows_narrow: per seed slot and byte */
    uint64_t tand[AZK_FPS__COUNT][256];
    uint64_t low = 0; /* rows_narrow: the non-seed cells' low bits, their top bits */
    uint64_t top = 0;
    unsigned np = 0;
    unsigned nsd = 0;
    bool wide = idx->row_w > 57; /* else a row's cells come from one 8-byte load */
    bool bad = false;
    uint64_t acc = 0;
    for (unsigned s = 0; s < AZK_FPS__COUNT; s++) {
        unsigned k = azk_fp__slot_kind[s];
        if (idx->slot_w[s] == 0)
            continue;
        if (azk_fp__is_seed(k)) {
            ssh[nsd] = idx->slot_sh[s];
            smask[nsd] = (1u << idx->slot_w[s]) - 1u;
            skind[nsd] = (uint64_t)k << 8;
            for (uint32_t b = 0; b < 256; b++) {
                uint32_t c = b & smask[nsd];
                tadd[nsd][b] = c == 0 ? 0 : ((seed & 0xFFFF) ^ (skind[nsd] | c)) * MIX_K;
                tand[nsd][b] = c == 0 ? 0 : UINT64_MAX;
            }
            wide |= smask[nsd] > 255; /* cannot be: a code is at most 8 bits */
            nsd++;
        } else {
            psh[np] = idx->slot_sh[s];
            pmask[np] = (1u << idx->slot_w[s]) - 1u;
            pmax[np] = 1u << idx->bits[k];
            /* a non-seed slot is bits + 1 wide (layout_from_widths): pmax is its top bit */
            wide |= idx->slot_w[s] != idx->bits[k] + 1u;
            if (!wide) { /* a narrow row: every slot ends below bit 57 */
                low |= (uint64_t)(pmax[np] - 1u) << idx->slot_sh[s];
                top |= (uint64_t)pmax[np] << idx->slot_sh[s];
            }
            np++;
        }
    }
    if (!wide) {
        switch (nsd) {
#define NARROW(n)                                                                                  \
    case n:                                                                                        \
        acc = rows_narrow(idx, seed, low, top, n, ssh, tadd, tand, &bad);                          \
        break
            NARROW(0);
            NARROW(1);
            NARROW(2);
            NARROW(3);
            NARROW(4);
            NARROW(5);
            NARROW(6);
            NARROW(7);
#undef NARROW
            default:
                wide = true; /* cannot be: 7 seed slots */
                break;
        }
    }
    for (uint64_t row = 0, base = 0; wide && row < idx->total_rows; row++, base += idx->row_w) {
        uint64_t rs = seed ^ row << 16;
        for (unsigned j = 0; j < np; j++)
            bad |= (azk_fp__get_field(idx->rowtab, base + psh[j], 25) & pmask[j]) > pmax[j];
        for (unsigned j = 0; j < nsd; j++) {
            uint32_t cell = azk_fp__get_field(idx->rowtab, base + ssh[j], 25) & smask[j];
            uint64_t h = triple_mix(rs ^ (skind[j] | cell));
            acc += cell != 0 ? h : 0;
        }
    }
    if (bad)
        return false;
    *sum += acc;
    return true;
}
