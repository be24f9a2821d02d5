/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/fp.h -- fingerprints of entrusted records (internal): field kinds,
 * per-kind truncation, the keyed hash, the export file format and the
 * matcher used by the scan pipeline. Design and numbers:
 * docs/threat-model-fingerprints.md.
 *
 * A field value v of kind k is normalised (norm.h) and hashed with the
 * scanning key: h = BLAKE2b-keyed(K_scan, "azkfp1" | k | v), first 4 bytes
 * big-endian. Intake stores h per row and slot (encrypted with the
 * dataset's data key); export keeps only the top bits[k] bits of h (the
 * bucket) with the row. Each bucket holds many dictionary values, so the
 * file and the key do not give a value back; a record is recognised only
 * when buckets of two independent fields point to the same row.
 */
#ifndef AZK_MATCH_FP_H
#define AZK_MATCH_FP_H

#include "util/util.h"
#include "azukari/types.h"
#include "decode/decode.h"
#include "detect/detect.h"

#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define AZK_FP_KEY_LEN 32

/* Field kinds (one hash domain each). Family = kind, except NAME covers kanji and kana. */
enum azk_fp_kind {
    AZK_FP_NAME = 0, /* full name, kanji or kana reading (AZK_NORM_NAME) */
    AZK_FP_BIRTH,    /* YYYY-MM-DD */
    AZK_FP_PHONE,    /* digits */
    AZK_FP_EMAIL,
    AZK_FP_POSTAL,   /* 7 digits */
    AZK_FP_ADDRESS,  /* municipality + block numbers (azk_norm_address_key) */
    AZK_FP_CUSTOMER, /* customer / member number (azk_norm_id) */
    AZK_FP_ACCOUNT,  /* bank account number */
    AZK_FP_MYNUMBER, /* 個人番号 */
    AZK_FP__COUNT
};

/* Slots of one entrusted row (a row may hold a kanji name and its reading, two phones). */
enum azk_fp_slot {
    AZK_FPS_NAME = 0,
    AZK_FPS_KANA,
    AZK_FPS_BIRTH,
    AZK_FPS_PHONE1,
    AZK_FPS_PHONE2,
    AZK_FPS_EMAIL,
    AZK_FPS_POSTAL,
    AZK_FPS_ADDRESS,
    AZK_FPS_CUSTOMER,
    AZK_FPS_ACCOUNT,
    AZK_FPS_MYNUMBER,
    AZK_FPS__COUNT
};

extern const uint8_t azk_fp__slot_kind[AZK_FPS__COUNT];
/* Bucket bits per kind (export). */
extern const uint8_t azk_fp__bits[AZK_FP__COUNT];
/* Kinds strong enough to start a candidate search (small buckets): rows per bucket at
 * 1e7 rows: name, phone, email ~10, address ~40, my number ~1; customer ids and accounts
 * (~150) and dates / postal codes (thousands) only confirm. Inline: the matcher and the
 * loader's checks ask per cell. */
static inline bool azk_fp__is_seed(unsigned kind)
{
    /* kind < AZK_FP__COUNT always (every caller's kind is one) */
    return ((1u << AZK_FP_NAME | 1u << AZK_FP_PHONE | 1u << AZK_FP_EMAIL | 1u << AZK_FP_ADDRESS |
             1u << AZK_FP_MYNUMBER) >>
            (kind & 31u)) &
           1u;
}
/* Kinds whose mismatch raises the bar for a candidate row from two matching
 * families to three (the record has a value of this kind, the row has one
 * too, and none of the record's values match): phone and e-mail. */
bool azk_fp__is_veto(unsigned kind);
const char *azk_fp__kind_name(unsigned kind);

/* Normalise v as kind into out (cleared); false when it is not a valid value. */
bool azk_fp__normalize(azk_buf *out, unsigned kind, const char *s, size_t n);

/* Keyed 32-bit hash of a normalised value; never 0 (0 marks "absent"). */
uint32_t azk_fp__hash(const uint8_t key[AZK_FP_KEY_LEN], unsigned kind, const uint8_t *v, size_t n);

/*
 * The same hash with the key block and the kind prefix absorbed once: one
 * BLAKE2b compression per value instead of two (the matcher hashes every
 * candidate of every scanned line).
 */
struct azk_fp_hasher {
    crypto_generichash_state st[AZK_FP__COUNT];
};
void azk_fp__hasher_init(struct azk_fp_hasher *hs, const uint8_t key[AZK_FP_KEY_LEN]);
uint32_t azk_fp__hasher_hash(const struct azk_fp_hasher *hs, unsigned kind, const uint8_t *v,
                             size_t n);

/*
 * Key rotation (vault/fprotate.c): a key's public id, 16 hex digits of
 * BLAKE2b-64(key = K, "azk-scan-key-id") (names a key in the ledger and in
 * <home>/fingerprints.retired without revealing it), and whether the key
 * file at key_path is listed in such a file (one id per line; a missing
 * list retires nothing).
 */
#define AZK_FP_KEY_ID_HEX 17
void azk_fp__key_id(const uint8_t key[AZK_FP_KEY_LEN], char hex[AZK_FP_KEY_ID_HEX]);
AZK_NODISCARD azk_status azk_fp__key_retired(const char *retired_list, const char *key_path,
                                             bool *retired);

/* Bucket of a hash for kind: its top bits[kind] bits. */
static inline uint32_t azk_fp__bucket(unsigned kind, uint32_t h)
{
    return h >> (32 - azk_fp__bits[kind]);
}

/* ---- export file ------------------------------------------------------------ */

/*
 * Little-endian. "AZKFP001" | u32 kind_count | u8 bits[kind_count] |
 * u32 dataset_count | per dataset: u16 len, client, u16 len, dataset,
 * u32 first_row (global), u32 row_count | per kind: u64 n, n × u64
 * (bucket << 32 | global row), ascending | 32-byte BLAKE2b of all before.
 */
#define AZK_FP_MAGIC "AZKFP001"

/*
 * Version 2 (what export writes since session 7): the loaded tables
 * themselves, so a scanner reads them instead of building them (10 M rows:
 * 265 MB instead of 480, load ~0.5 s instead of ~2). Little-endian.
 * "AZKFP002" | u32 kind_count | u8 bits[kind_count] | dataset table as in
 * version 1 | u8 key_id[8] (the scanning key's public id, azk_fp__key_id:
 * another key is refused, AZK_ERR_CRYPTO) | u8 slot_w[AZK_FPS__COUNT] |
 * u32 row_w | u32 row_bytes |
 * u64 entry_count[kind_count] | row table (ceil(rows x row_w / 8) bytes) |
 * per seed kind with entries: u32 off[2^bits + 1], entry_count row ids of
 * row_bytes bytes | 32-byte BLAKE2b of all before. The same (bucket, row)
 * pairs as version 1, laid out per row and per bucket: nothing more.
 * Version 1 files still load (built into the same tables).
 */
#define AZK_FP_MAGIC2 "AZKFP002"

/*
 * Version 3 (what export writes since session 9): version 2's layout,
 * "AZKFP003", with the in-memory row table: a seed slot holds its bucket's
 * code (azk_fp__code, code_w bits: a function of the bucket the CSR holds
 * anyway; nothing more is stored) instead of bucket + 1 (bits + 1), so
 * 10 M rows take 43 bits a row instead of 105 (file 187 MB instead of 265).
 * slot_w and row_w are the in-memory ones. At load the codes are checked
 * against the CSR (the multisets of (row, kind, code) agree). Version 2
 * files still load: their seed cells are range-checked and turned into
 * codes (and checked against the CSR the same way); version 1 as before.
 */
#define AZK_FP_MAGIC3 "AZKFP003"

/* Bits of a seed slot's code in the row table (0: not a seed kind). */
static inline unsigned azk_fp__code_w(unsigned kind)
{
    if (!azk_fp__is_seed(kind))
        return 0;
    return kind == AZK_FP_NAME ? 8u : 4u; /* ~30 name windows a record, few others */
}

/* The code of a seed kind's bucket: 1 + bucket mod (2^code_w - 1), never 0 (0 = none). */
static inline uint32_t azk_fp__code(unsigned kind, uint32_t bucket)
{
    /* constant divisors (the matcher computes codes in its inner loops) */
    return kind == AZK_FP_NAME ? 1u + bucket % 255u : 1u + bucket % 15u;
}

struct azk_fp_dataset {
    char *client;
    char *dataset;
    uint32_t first_row; /* global index of its row 1 */
    uint32_t row_count;
};

/*
 * In memory (built at load, streaming the file in chunks, so the peak stays
 * near the final size). 10 M rows with 6 kinds: ~188 MB (~265 MB with
 * whole seed buckets in the row table, session 7; ~610 MB in session 6).
 * - Row table: per row the bucket + 1 of every non-seed slot (0 = none)
 *   and the code of every seed slot (azk_fp__code, 0 = none: a filter; the
 *   exact answer is azk_fp__seed_has), bit-packed: a slot takes bits[kind]
 *   + 1 bits (code_w for a seed kind) when some row of the file has it, and
 *   no bits at all otherwise (a file without customer ids or second phones
 *   pays nothing for them). Row r's slot s is the field of slot_w[s] bits at
 *   bit r * row_w + slot_sh[s]; read with one unaligned 8-byte load (a
 *   field is at most 25 bits; the table has 8 bytes of padding).
 * - Seed kinds: the rows grouped by bucket (CSR: off[b] .. off[b + 1]
 *   index the row ids), each id row_bytes (3 when the file has at most 2^24
 *   rows, else 4) little-endian bytes, for O(1) candidate look-up.
 * Every offset and row id is checked at load (fp_index_fuzzer).
 */
struct azk_fp_index {
    uint8_t key[AZK_FP_KEY_LEN];
    struct azk_fp_hasher hasher; /* keyed states of `key` */
    uint8_t id[32];              /* BLAKE2b of the file */
    uint8_t bits[AZK_FP__COUNT];
    struct azk_fp_dataset *ds;
    size_t ds_count;
    uint64_t total_rows;
    uint8_t *rowtab;                 /* total_rows x row_w bits, + 8 bytes */
    uint8_t slot_w[AZK_FPS__COUNT];  /* 0 = slot absent from the whole file */
    uint8_t slot_sh[AZK_FPS__COUNT]; /* bit offset within a row */
    uint32_t row_w;                  /* bits per row */
    uint32_t row_bytes;              /* 3 or 4: bytes per row id in rows[] */
    uint32_t *off[AZK_FP__COUNT];    /* seed kinds: 2^bits + 1 */
    uint8_t *rows[AZK_FP__COUNT];    /* seed kinds: entry_count[k] row ids, + 1 byte */
    uint64_t entry_count[AZK_FP__COUNT];
    /* holders besides the loader (azk_fp__index_ref); the last free frees.
     * Everything above is read-only after load, so one index serves any
     * number of threads (each with its own match context). */
    atomic_uint extra_refs;
};

/* Bucket + 1 of row's non-seed slot, code of a seed slot (0 = no value there). */
static inline uint32_t azk_fp__row_slot(const struct azk_fp_index *idx, uint64_t row, unsigned slot)
{
    uint64_t pos;
    uint64_t w;
    if (idx->slot_w[slot] == 0)
        return 0;
    pos = row * idx->row_w + idx->slot_sh[slot];
    memcpy(&w, idx->rowtab + (pos >> 3), sizeof(w));
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    return (uint32_t)(w >> (pos & 7)) & ((1u << idx->slot_w[slot]) - 1u);
}

/* First byte of row's cells (for prefetching). */
static inline const uint8_t *azk_fp__row_addr(const struct azk_fp_index *idx, uint64_t row)
{
    return idx->rowtab + ((row * idx->row_w) >> 3);
}

/* First byte of entry e of a seed kind's CSR (for prefetching). */
static inline const uint8_t *azk_fp__seed_addr(const struct azk_fp_index *idx, unsigned kind,
                                               uint64_t e)
{
    return idx->rows[kind] + e * idx->row_bytes;
}

/* Row id of entry e of a seed kind's CSR. */
static inline uint32_t azk_fp__seed_row(const struct azk_fp_index *idx, unsigned kind, uint64_t e)
{
    uint32_t v;
    memcpy(&v, idx->rows[kind] + e * idx->row_bytes, sizeof(v));
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    v = __builtin_bswap32(v);
#endif
    return idx->row_bytes == 4 ? v : v & 0xFFFFFFu;
}

/*
 * Is row in bucket of seed kind? A binary search of the bucket's rows
 * (rising: checked at load): the exact answer for a seed kind, whose
 * row-table cells are only codes (a filter: a row whose code differs is
 * not in the bucket).
 */
static inline bool azk_fp__seed_has(const struct azk_fp_index *idx, unsigned kind, uint32_t bucket,
                                    uint32_t row)
{
    uint32_t lo;
    uint32_t hi;
    if (idx->off[kind] == NULL || bucket >= ((uint32_t)1 << idx->bits[kind]))
        return false;
    lo = idx->off[kind][bucket];
    hi = idx->off[kind][bucket + 1];
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        uint32_t r = azk_fp__seed_row(idx, kind, mid);
        if (r == row)
            return true;
        if (r < row)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/*
 * Export (vault/fpexport.c): the tables built from sorted (bucket << 32 |
 * row) entries per kind (host order; checked as a file's are), without a
 * key; then written as a version 3 file to f (checksum included).
 */
AZK_NODISCARD azk_status azk_fp__index_build(struct azk_fp_index **out,
                                             const struct azk_fp_dataset *ds, size_t nds,
                                             uint64_t *const entries[AZK_FP__COUNT],
                                             const uint64_t counts[AZK_FP__COUNT]);
AZK_NODISCARD azk_status azk_fp__index_write(const struct azk_fp_index *idx, FILE *f);

/* Another holder of a loaded index (read-only sharing); returns idx. */
struct azk_fp_index *azk_fp__index_ref(struct azk_fp_index *idx);

/* First slot of a kind and how many slots it has. */
static inline void azk_fp__kind_slots(unsigned kind, unsigned *first, unsigned *count)
{
    static const uint8_t f[AZK_FP__COUNT] = {AZK_FPS_NAME,     AZK_FPS_BIRTH,   AZK_FPS_PHONE1,
                                             AZK_FPS_EMAIL,    AZK_FPS_POSTAL,  AZK_FPS_ADDRESS,
                                             AZK_FPS_CUSTOMER, AZK_FPS_ACCOUNT, AZK_FPS_MYNUMBER};
    *first = f[kind];
    *count = (kind == AZK_FP_NAME || kind == AZK_FP_PHONE) ? 2 : 1;
}

/*
 * Fingerprint slot of a column of kind k in a record (AZK_FPS_*; -1 = none):
 * intake assigns them (vault/intake.c) and confirmation reads rows the same
 * way (match/confirm.c). Name parts go to the name slot only when the record
 * has no full-name column. With phone2 non-NULL, the first phone column is
 * PHONE1 and sets *phone2, a later one PHONE2; with NULL every phone is PHONE1.
 */
int azk_fp__slot_of(azk_column_kind k, bool has_name_col, bool *phone2);

#endif
