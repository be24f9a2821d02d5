/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/index.c -- loading a fingerprint file (format in match/fp.h) into
 * the compact in-memory tables described there (a bit-packed row table and
 * per seed kind a CSR of 3- or 4-byte row ids: 10 M rows with 6 fields take
 * ~188 MB, as their version 3 file; version 1's is 480 MB). match only reads
 * fingerprint files; the export from a home's catalog is vault/fpexport.c,
 * above match.
 */
#include "match/fp.h"
#include "match/index_check.h"
#include "azukari/fingerprint.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- loading ----------------------------------------------------------------- */

/* A file being read and hashed; or (mem set) sorted entries in memory (export). */
struct rfile {
    FILE *f;
    crypto_generichash_state hs;
    bool err;
    uint64_t pos; /* bytes read */
    uint64_t *const *mem;
    const uint64_t *mem_n;
};

/* Bytes read and hashed at a time: the hash reads them while they are in the
 * cache (one pass over memory instead of two: 187 MB at 10 M rows). */
#define R_CHUNK ((size_t)256 * 1024)

static bool r_get(struct rfile *r, void *p, size_t n)
{
    uint8_t *q = p;
    while (!r->err && n > 0) {
        size_t take = n < R_CHUNK ? n : R_CHUNK;
        if (fread(q, 1, take, r->f) != take) {
            r->err = true;
            break;
        }
        crypto_generichash_update(&r->hs, q, take);
        r->pos += take;
        q += take;
        n -= take;
    }
    return !r->err;
}

static bool r_u16(struct rfile *r, uint16_t *v)
{
    uint8_t b[2];
    if (!r_get(r, b, 2))
        return false;
    *v = (uint16_t)(b[0] | (b[1] << 8));
    return true;
}

static bool r_u32(struct rfile *r, uint32_t *v)
{
    uint8_t b[4];
    if (!r_get(r, b, 4))
        return false;
    *v = (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
    return true;
}

static bool r_u64(struct rfile *r, uint64_t *v)
{
    uint32_t lo;
    uint32_t hi;
    if (!r_u32(r, &lo) || !r_u32(r, &hi))
        return false;
    *v = ((uint64_t)hi << 32) | lo;
    return true;
}

/* NULL on a bad string, or with *nomem set when out of memory */
static char *r_str(struct rfile *r, bool *nomem)
{
    uint16_t n;
    char *s;
    if (!r_u16(r, &n) || n == 0 || n > 256)
        return NULL;
    s = azk_malloc((size_t)n + 1);
    if (s == NULL) {
        *nomem = true;
        return NULL;
    }
    if (!r_get(r, s, n)) {
        azk_free(s);
        return NULL;
    }
    s[n] = '\0';
    return s;
}

/* ---- building the compact tables (layout in match/fp.h) ------------------------ */

#define CHUNK_ENTRIES 65536

/* State of one load: what the row table needs once every kind is read. */
struct build {
    uint16_t *plain[AZK_FP__COUNT]; /* non-seed kinds: bucket per row */
    uint8_t *has[AZK_FP__COUNT];    /* non-seed kinds: bitmap of rows with a value */
    bool second[AZK_FP__COUNT];     /* name / phone: some row has two values */
};

static void build_free(struct build *bd)
{
    for (size_t k = 0; k < AZK_FP__COUNT; k++) {
        azk_free(bd->plain[k]);
        azk_free(bd->has[k]);
    }
}

/* v into the (zero) field at bit pos of p (8 bytes of padding after it). */
static void or_field(uint8_t *p, uint64_t pos, uint32_t v)
{
    uint64_t w;
    memcpy(&w, p + (pos >> 3), sizeof(w));
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    w |= (uint64_t)v << (pos & 7);
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    memcpy(p + (pos >> 3), &w, sizeof(w));
}

static void put_field(azk_fp_index *idx, uint64_t row, unsigned slot, uint32_t v)
{
    or_field(idx->rowtab, row * idx->row_w + idx->slot_sh[slot], v);
}

/*
 * The row table is filled from the CSR in bucket order, that is at random
 * rows: 40 M read-modify-writes across 130 MB were most of a 10 M-row load
 * (cache misses). They are batched instead: a batch of writes is sorted by
 * row range (stable counting sort: a row's values keep their order) and
 * applied range by range, each range a ~100 KB piece of the table.
 * A write: row << 32 | first slot << 27 | two slots << 26 | value (<= 2^25).
 */
#define BATCH 262144

struct batch {
    uint64_t *in;
    uint64_t *out;
    uint32_t *cnt; /* parts + 1 */
    size_t n;
    size_t parts;
    unsigned shift;
};

static azk_status batch_init(struct batch *bt, const azk_fp_index *idx)
{
    unsigned shift = 10;
    while (shift < 24 && ((uint64_t)2 << shift) * (idx->row_w ? idx->row_w : 1) <= 8u * 131072u)
        shift++;
    bt->shift = shift;
    bt->parts = (size_t)(idx->total_rows >> shift) + 1;
    bt->n = 0;
    bt->in = azk_malloc(BATCH * sizeof(uint64_t));
    bt->out = azk_malloc(BATCH * sizeof(uint64_t));
    bt->cnt = azk_malloc((bt->parts + 1) * sizeof(uint32_t));
    return bt->in != NULL && bt->out != NULL && bt->cnt != NULL ? AZK_OK : azk_error_nomem();
}

static void batch_free(struct batch *bt)
{
    azk_free(bt->in);
    azk_free(bt->out);
    azk_free(bt->cnt);
}

static void batch_flush(azk_fp_index *idx, struct batch *bt)
{
    memset(bt->cnt, 0, (bt->parts + 1) * sizeof(uint32_t));
    for (size_t i = 0; i < bt->n; i++)
        bt->cnt[(bt->in[i] >> 32 >> bt->shift) + 1]++;
    for (size_t p = 0; p < bt->parts; p++)
        bt->cnt[p + 1] += bt->cnt[p];
    for (size_t i = 0; i < bt->n; i++)
        bt->out[bt->cnt[bt->in[i] >> 32 >> bt->shift]++] = bt->in[i];
    for (size_t i = 0; i < bt->n; i++) {
        uint64_t x = bt->out[i];
        if (i + 24 < bt->n)
            __builtin_prefetch(azk_fp__row_addr(idx, bt->out[i + 24] >> 32), 1);
        uint32_t row = (uint32_t)(x >> 32);
        unsigned first = (unsigned)(x >> 27) & 31u;
        uint32_t v = (uint32_t)x & ((1u << 26) - 1u);
        if (azk_fp__row_slot(idx, row, first) == 0)
            put_field(idx, row, first, v);
        else if (((x >> 26) & 1) && azk_fp__row_slot(idx, row, first + 1) == 0)
            put_field(idx, row, first + 1, v);
    }
    bt->n = 0;
}

static void put_row_id(azk_fp_index *idx, unsigned kind, uint64_t e, uint32_t row)
{
    uint8_t *p = idx->rows[kind] + e * idx->row_bytes;
    for (uint32_t i = 0; i < idx->row_bytes; i++)
        p[i] = (uint8_t)(row >> (8 * i));
}

/*
 * The seed slots' codes from the CSR (the row table is zero there), in
 * bucket order as the file: a row's first value goes to the first slot,
 * its second (kana reading, second phone) to the next (a third is dropped,
 * as version 1 always did).
 */
static void fill_codes(azk_fp_index *idx, struct batch *bt)
{
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        size_t nb = (size_t)1 << idx->bits[k];
        unsigned first;
        unsigned slots;
        uint64_t two;
        if (!azk_fp__is_seed(k) || idx->off[k] == NULL)
            continue;
        azk_fp__kind_slots(k, &first, &slots);
        two = slots > 1 && idx->slot_w[first + 1] != 0;
        for (size_t b = 0; b < nb; b++) {
            uint64_t code = azk_fp__code(k, (uint32_t)b);
            for (uint32_t e = idx->off[k][b]; e < idx->off[k][b + 1]; e++) {
                bt->in[bt->n++] = ((uint64_t)azk_fp__seed_row(idx, k, e) << 32) |
                                  ((uint64_t)first << 27) | (two << 26) | code;
                if (bt->n == BATCH)
                    batch_flush(idx, bt);
            }
        }
        batch_flush(idx, bt);
    }
}

/* One kind's sorted entries, streamed: checked, then into the CSR (seed
 * kinds) or the per-row scratch (others). */
static azk_status load_kind(azk_fp_index *idx, struct build *bd, struct rfile *r, unsigned k,
                            uint64_t n, uint64_t *buf, uint8_t *twice)
{
    size_t nb = (size_t)1 << idx->bits[k];
    bool seed = azk_fp__is_seed(k);
    uint64_t prev = 0;
    size_t bm = (size_t)((idx->total_rows + 7) / 8) + 1;
    unsigned first;
    unsigned slots;
    azk_fp__kind_slots(k, &first, &slots);
    if (n == 0)
        return AZK_OK;
    if (n > UINT32_MAX)
        return azk_error_set(AZK_ERR_LIMIT, "fingerprints: too many entries");
    if (seed) {
        idx->off[k] = azk_calloc_whole(nb + 1, sizeof(uint32_t));
        idx->rows[k] = azk_malloc_whole((size_t)n * idx->row_bytes + 4);
        if (idx->off[k] == NULL || idx->rows[k] == NULL)
            return azk_error_nomem();
        if (slots > 1)
            memset(twice, 0, bm);
    } else {
        if (idx->bits[k] > 16)
            return azk_error_set(AZK_ERR_FORMAT, "fingerprints: bad bucket width");
        bd->plain[k] = azk_malloc((size_t)(idx->total_rows ? idx->total_rows : 1) * 2);
        bd->has[k] = azk_calloc(1, bm);
        if (bd->plain[k] == NULL || bd->has[k] == NULL)
            return azk_error_nomem();
    }
    for (uint64_t done = 0; done < n;) {
        size_t m = n - done < CHUNK_ENTRIES ? (size_t)(n - done) : CHUNK_ENTRIES;
        if (r->mem != NULL)
            memcpy(buf, r->mem[k] + done, m * sizeof(uint64_t));
        else if (!r_get(r, buf, m * sizeof(uint64_t)))
            return azk_error_set(AZK_ERR_FORMAT, "fingerprints: truncated");
        for (size_t i = 0; i < m; i++) {
            uint64_t e = buf[i];
            uint32_t row;
            uint32_t bucket;
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
            if (r->mem == NULL)
                e = __builtin_bswap64(e);
#endif
            row = (uint32_t)(e & 0xFFFFFFFFu);
            bucket = (uint32_t)(e >> 32);
            if (row >= idx->total_rows || bucket >= nb || (done + i > 0 && e <= prev))
                return azk_error_set(AZK_ERR_FORMAT, "fingerprints: entries out of order");
            prev = e;
            if (seed) {
                /* entries are sorted by bucket: offsets are a running count */
                put_row_id(idx, k, done + i, row);
                idx->off[k][bucket + 1]++;
                if (slots > 1) {
                    bd->second[k] |= (twice[row >> 3] >> (row & 7)) & 1;
                    twice[row >> 3] |= (uint8_t)(1u << (row & 7));
                }
            } else if (!((bd->has[k][row >> 3] >> (row & 7)) & 1)) {
                bd->has[k][row >> 3] |= (uint8_t)(1u << (row & 7));
                bd->plain[k][row] = (uint16_t)bucket;
            }
        }
        done += m;
    }
    if (seed)
        for (size_t b = 0; b < nb; b++)
            idx->off[k][b + 1] += idx->off[k][b];
    return AZK_OK;
}

/* Every kind of the file, then the row table from what they gave. */
static azk_status load_entries(azk_fp_index *idx, struct rfile *r, uint64_t left)
{
    struct build bd;
    struct batch bt = {NULL, NULL, NULL, 0, 0, 0};
    uint64_t *buf = NULL;
    uint8_t *twice = NULL;
    uint32_t sh = 0;
    size_t bytes;
    azk_status rc = AZK_OK;
    memset(&bd, 0, sizeof(bd));
    idx->row_bytes = idx->total_rows <= (1u << 24) ? 3 : 4;
    buf = azk_malloc(CHUNK_ENTRIES * sizeof(uint64_t));
    twice = azk_malloc((size_t)((idx->total_rows + 7) / 8) + 1);
    if (buf == NULL || twice == NULL) {
        rc = azk_error_nomem();
        goto out;
    }
    for (unsigned k = 0; k < AZK_FP__COUNT && rc == AZK_OK; k++) {
        uint64_t n = r->mem != NULL ? r->mem_n[k] : 0;
        if (r->mem == NULL && (!r_u64(r, &n) || n > left / 8)) {
            rc = azk_error_set(AZK_ERR_FORMAT, "fingerprints: bad entry count");
            goto out;
        }
        idx->entry_count[k] = n;
        rc = load_kind(idx, &bd, r, k, n, buf, twice);
    }
    if (rc != AZK_OK)
        goto out;
    /* layout: a slot takes bits only when the file uses it */
    for (unsigned s = 0; s < AZK_FPS__COUNT; s++) {
        unsigned k = azk_fp__slot_kind[s];
        unsigned first;
        unsigned slots;
        azk_fp__kind_slots(k, &first, &slots);
        idx->slot_sh[s] = (uint8_t)sh;
        if (idx->entry_count[k] == 0 || (s != first && !bd.second[k]))
            continue;
        idx->slot_w[s] = (uint8_t)(azk_fp__is_seed(k) ? azk_fp__code_w(k) : idx->bits[k] + 1u);
        sh += idx->slot_w[s];
    }
    idx->row_w = sh;
    if (azk_mul_overflow(&bytes, (size_t)idx->total_rows, (size_t)idx->row_w)) {
        rc = azk_error_set(AZK_ERR_LIMIT, "fingerprints: too many rows");
        goto out;
    }
    idx->rowtab = azk_calloc_whole(1, bytes / 8 + 16);
    if (idx->rowtab == NULL) {
        rc = azk_error_nomem();
        goto out;
    }
    rc = batch_init(&bt, idx);
    if (rc != AZK_OK)
        goto out;
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        unsigned first;
        unsigned slots;
        azk_fp__kind_slots(k, &first, &slots);
        if (bd.plain[k] != NULL) {
            for (uint64_t row = 0; row < idx->total_rows; row++)
                if ((bd.has[k][row >> 3] >> (row & 7)) & 1)
                    put_field(idx, row, first, (uint32_t)bd.plain[k][row] + 1);
            azk_free(bd.plain[k]);
            azk_free(bd.has[k]);
            bd.plain[k] = NULL;
            bd.has[k] = NULL;
        }
    }
    fill_codes(idx, &bt);
out:
    batch_free(&bt);
    build_free(&bd);
    azk_free(buf);
    azk_free(twice);
    return rc;
}

/* A key's public id (BLAKE2b-64(key = K, "azk-scan-key-id"), match/fp.h). */
static void key_id_raw(const uint8_t key[AZK_FP_KEY_LEN], uint8_t id[8])
{
    static const char tag[] = "azk-scan-key-id";
    crypto_generichash(id, 8, (const uint8_t *)tag, sizeof(tag) - 1, key, AZK_FP_KEY_LEN);
}

/* ---- versions 2 and 3: the tables themselves (format in match/fp.h) -------------- */

static uint64_t rowtab_bytes(const azk_fp_index *idx)
{
    return (idx->total_rows * idx->row_w + 7) / 8;
}

/*
 * The file's slot widths fw (version 2: bits + 1 for every slot; version 3:
 * the in-memory widths, code_w for a seed slot) into the in-memory layout;
 * false unless every width is 0 or the one its kind takes, a second slot
 * only beside a first, a first slot exactly when the kind has entries, and
 * the file's row as wide as its cells (frow_w).
 */
static bool layout_from_widths(azk_fp_index *idx, const uint8_t fw[AZK_FPS__COUNT], bool v3,
                               uint32_t frow_w)
{
    uint32_t sh = 0;
    uint32_t fsh = 0;
    for (unsigned s = 0; s < AZK_FPS__COUNT; s++) {
        unsigned k = azk_fp__slot_kind[s];
        unsigned first;
        unsigned slots;
        unsigned want = v3 && azk_fp__is_seed(k) ? azk_fp__code_w(k) : idx->bits[k] + 1u;
        azk_fp__kind_slots(k, &first, &slots);
        if (fw[s] != 0 &&
            (fw[s] != want || (s != first && fw[first] == 0) || idx->entry_count[k] == 0))
            return false;
        if (s == first && (fw[s] == 0) != (idx->entry_count[k] == 0))
            return false;
        idx->slot_w[s] = (uint8_t)(fw[s] != 0 && azk_fp__is_seed(k) ? azk_fp__code_w(k) : fw[s]);
        idx->slot_sh[s] = (uint8_t)sh;
        sh += idx->slot_w[s];
        fsh += fw[s];
    }
    idx->row_w = sh;
    return fsh == frow_w;
}

/* Rows of a version 2 table converted at a time: a multiple of 8 (a chunk starts on a
 * byte), at most 8192 x 275 bits (11 slots of 25) = 282 KB read and hashed at once. */
#define V2_ROWS 8192

/*
 * A version 2 row table, read in chunks of V2_ROWS rows and converted while
 * they are in the cache: every cell bucket + 1 (<= 2^bits, checked here), the
 * seed slots' turned into codes. The in-memory rows are the converted cells
 * one after the other (layout_from_widths), so they are written as one bit
 * stream, 8 bytes at a time (or'ing each cell into the table instead loaded
 * every 8 bytes just stored, a few bytes on: a store-forwarding stall a cell).
 */
static azk_status read_rowtab_v2(azk_fp_index *idx, struct rfile *r,
                                 const uint8_t fw[AZK_FPS__COUNT], uint32_t frow_w)
{
    uint32_t fsh[AZK_FPS__COUNT] = {0}; /* per slot of the file: its bit in the file's row */
    uint32_t mask[AZK_FPS__COUNT] = {0};
    uint32_t max[AZK_FPS__COUNT] = {0}; /* its largest cell, 2^bits */
    unsigned mw[AZK_FPS__COUNT] = {0};  /* its width in memory */
    unsigned kind[AZK_FPS__COUNT] = {0};
    unsigned ns = 0;
    uint32_t pos = 0;
    uint32_t over = 0;
    uint64_t acc = 0; /* bits not yet stored, nb of them */
    unsigned nb = 0;
    uint8_t *out = idx->rowtab;
    uint8_t *buf;
    for (unsigned s = 0; s < AZK_FPS__COUNT; pos += fw[s], s++) {
        if (fw[s] == 0)
            continue;
        kind[ns] = azk_fp__slot_kind[s];
        fsh[ns] = pos;
        mask[ns] = (1u << fw[s]) - 1u;
        max[ns] = 1u << idx->bits[kind[ns]];
        mw[ns] = idx->slot_w[s];
        ns++;
    }
    buf = azk_malloc((size_t)V2_ROWS * frow_w / 8 + 16);
    if (buf == NULL)
        return azk_error_nomem();
    for (uint64_t row0 = 0; row0 < idx->total_rows && over == 0; row0 += V2_ROWS) {
        uint64_t n = idx->total_rows - row0 < V2_ROWS ? idx->total_rows - row0 : V2_ROWS;
        size_t bytes = (size_t)((n * frow_w + 7) / 8);
        if (!r_get(r, buf, bytes)) {
            azk_free(buf);
            return azk_error_set(AZK_ERR_FORMAT, "fingerprints: truncated");
        }
        memset(buf + bytes, 0, 16); /* get_field reads 8 bytes */
        for (uint64_t in = 0; in < n * frow_w; in += frow_w)
            for (unsigned j = 0; j < ns; j++) {
                uint32_t cell = azk_fp__get_field(buf, in + fsh[j], 25) & mask[j];
                over |= cell > max[j];
                if (azk_fp__is_seed(kind[j]) && cell != 0)
                    cell = azk_fp__code(kind[j], cell - 1u);
                acc |= (uint64_t)cell << nb;
                nb += mw[j];
                if (nb >= 64) {
                    uint64_t le = acc;
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
                    le = __builtin_bswap64(le);
#endif
                    memcpy(out, &le, sizeof(le));
                    out += 8;
                    nb -= 64;
                    acc = nb != 0 ? (uint64_t)cell >> (mw[j] - nb) : 0;
                }
            }
    }
    if (nb != 0) { /* the last bits (the table has 16 bytes of padding) */
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
        acc = __builtin_bswap64(acc);
#endif
        memcpy(out, &acc, sizeof(acc));
    }
    azk_free(buf);
    return over != 0 ? azk_error_set(AZK_ERR_FORMAT, "fingerprints: bad row table") : AZK_OK;
}

/*
 * The file's row table. Version 3: the in-memory table itself; version 2:
 * converted (read_rowtab_v2). Every non-seed cell is checked by azk_fp__rows_check;
 * a code may be any value.
 */
static azk_status read_rowtab(azk_fp_index *idx, struct rfile *r, const uint8_t fw[AZK_FPS__COUNT],
                              bool v3, uint32_t frow_w)
{
    uint64_t fbytes = (idx->total_rows * frow_w + 7) / 8;
    idx->rowtab = azk_calloc_whole(1, (size_t)rowtab_bytes(idx) + 16);
    if (idx->rowtab == NULL)
        return azk_error_nomem();
    if (!v3)
        return read_rowtab_v2(idx, r, fw, frow_w);
    if (!r_get(r, idx->rowtab, (size_t)fbytes))
        return azk_error_set(AZK_ERR_FORMAT, "fingerprints: truncated");
    return AZK_OK; /* cells checked by azk_fp__rows_check (load_tables) */
}

/*
 * Versions 2 and 3: read the tables as they are, then check every value a
 * look-up follows: row table cells <= 2^bits (a bucket + 1), CSR offsets
 * rising from 0 to the entry count, row ids below the row count and rising
 * within a bucket, the seed slots' codes against the CSR. The sizes are
 * checked against the file's before anything is allocated.
 */
static azk_status load_tables(azk_fp_index *idx, struct rfile *r, uint64_t size, bool v3)
{
    uint64_t need;
    uint8_t id[8];
    uint8_t mine[8];
    uint8_t fw[AZK_FPS__COUNT];
    uint32_t frow_w;
    azk_status rc;
    uint64_t seed; /* of the code check (index_check.c) */
    uint64_t from_csr = 0;
    uint64_t from_rows = 0;
    randombytes_buf(&seed, sizeof(seed));
    if (!r_get(r, id, sizeof(id)))
        return azk_error_set(AZK_ERR_FORMAT, "fingerprints: truncated");
    /* the export's scanning key, by its id: another key would find nothing, silently */
    key_id_raw(idx->key, mine);
    if (sodium_memcmp(id, mine, sizeof(id)) != 0)
        return azk_error_set(AZK_ERR_CRYPTO,
                             "fingerprints: the scanning key is not the key of this export");
    if (!r_get(r, fw, AZK_FPS__COUNT) || !r_u32(r, &frow_w) || !r_u32(r, &idx->row_bytes))
        return azk_error_set(AZK_ERR_FORMAT, "fingerprints: truncated");
    for (unsigned k = 0; k < AZK_FP__COUNT; k++)
        if (!r_u64(r, &idx->entry_count[k]) || idx->entry_count[k] > size)
            return azk_error_set(AZK_ERR_FORMAT, "fingerprints: bad entry count");
    if (frow_w > AZK_FPS__COUNT * 25u || !layout_from_widths(idx, fw, v3, frow_w) ||
        idx->row_bytes != (idx->total_rows <= (1u << 24) ? 3u : 4u))
        return azk_error_set(AZK_ERR_FORMAT, "fingerprints: bad row layout");
    /* what the tables take, then the checksum: exactly the rest of the file */
    need = (idx->total_rows * frow_w + 7) / 8 + 32;
    for (unsigned k = 0; k < AZK_FP__COUNT; k++)
        if (azk_fp__is_seed(k) && idx->entry_count[k] > 0)
            need += (((uint64_t)1 << idx->bits[k]) + 1) * 4 + idx->entry_count[k] * idx->row_bytes;
    if (r->pos > size || need != size - r->pos)
        return azk_error_set(AZK_ERR_FORMAT, "fingerprints: tables do not fit the file");
    rc = read_rowtab(idx, r, fw, v3, frow_w);
    if (rc != AZK_OK)
        return rc;
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        size_t nb = (size_t)1 << idx->bits[k];
        uint64_t n = idx->entry_count[k];
        if (!azk_fp__is_seed(k) || n == 0)
            continue;
        if (n > UINT32_MAX)
            return azk_error_set(AZK_ERR_LIMIT, "fingerprints: too many entries");
        idx->off[k] = azk_malloc_whole((nb + 1) * sizeof(uint32_t));
        idx->rows[k] = azk_malloc_whole((size_t)n * idx->row_bytes + 4);
        if (idx->off[k] == NULL || idx->rows[k] == NULL)
            return azk_error_nomem();
        if (!r_get(r, idx->off[k], (nb + 1) * sizeof(uint32_t)) ||
            !r_get(r, idx->rows[k], (size_t)n * idx->row_bytes))
            return azk_error_set(AZK_ERR_FORMAT, "fingerprints: truncated");
        for (size_t i = 0; i <= nb; i++) {
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
            idx->off[k][i] = __builtin_bswap32(idx->off[k][i]);
#endif
            if ((i == 0 && idx->off[k][0] != 0) || (i > 0 && idx->off[k][i] < idx->off[k][i - 1]))
                return azk_error_set(AZK_ERR_FORMAT, "fingerprints: bad bucket offsets");
        }
        if (idx->off[k][nb] != n)
            return azk_error_set(AZK_ERR_FORMAT, "fingerprints: bad bucket offsets");
        if (!azk_fp__csr_check(idx, k, seed, &from_csr))
            return azk_error_set(AZK_ERR_FORMAT,
                                 "fingerprints: row out of range or entries out of order");
    }
    if (!azk_fp__rows_check(idx, seed, &from_rows))
        return azk_error_set(AZK_ERR_FORMAT, "fingerprints: bad row table");
    if (from_rows != from_csr)
        return azk_error_set(AZK_ERR_FORMAT,
                             "fingerprints: row table codes differ from the buckets");
    return AZK_OK;
}

static void w_le32(FILE *f, crypto_generichash_state *hs, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    fwrite(b, 1, 4, f);
    crypto_generichash_update(hs, b, 4);
}

static void w_raw(FILE *f, crypto_generichash_state *hs, const void *p, size_t n)
{
    fwrite(p, 1, n, f);
    crypto_generichash_update(hs, p, n);
}

azk_status azk_fp__index_write(const azk_fp_index *idx, FILE *f)
{
    crypto_generichash_state hs;
    uint8_t sum[32];
    crypto_generichash_init(&hs, NULL, 0, sizeof(sum));
    w_raw(f, &hs, AZK_FP_MAGIC3, 8);
    w_le32(f, &hs, AZK_FP__COUNT);
    w_raw(f, &hs, idx->bits, AZK_FP__COUNT);
    w_le32(f, &hs, (uint32_t)idx->ds_count);
    for (size_t i = 0; i < idx->ds_count; i++) {
        const char *str[2] = {idx->ds[i].client, idx->ds[i].dataset};
        for (size_t j = 0; j < 2; j++) {
            size_t n = strlen(str[j]);
            uint8_t l[2] = {(uint8_t)n, (uint8_t)(n >> 8)};
            w_raw(f, &hs, l, 2);
            w_raw(f, &hs, str[j], n);
        }
        w_le32(f, &hs, idx->ds[i].first_row);
        w_le32(f, &hs, idx->ds[i].row_count);
    }
    {
        uint8_t id[8];
        key_id_raw(idx->key, id);
        w_raw(f, &hs, id, sizeof(id));
    }
    w_raw(f, &hs, idx->slot_w, AZK_FPS__COUNT);
    w_le32(f, &hs, idx->row_w);
    w_le32(f, &hs, idx->row_bytes);
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        w_le32(f, &hs, (uint32_t)idx->entry_count[k]);
        w_le32(f, &hs, (uint32_t)(idx->entry_count[k] >> 32));
    }
    w_raw(f, &hs, idx->rowtab, (size_t)rowtab_bytes(idx));
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        size_t nb = (size_t)1 << idx->bits[k];
        if (idx->off[k] == NULL)
            continue;
        for (size_t i = 0; i <= nb; i++)
            w_le32(f, &hs, idx->off[k][i]);
        w_raw(f, &hs, idx->rows[k], (size_t)idx->entry_count[k] * idx->row_bytes);
    }
    crypto_generichash_final(&hs, sum, sizeof(sum));
    fwrite(sum, 1, sizeof(sum), f);
    return ferror(f) ? azk_error_errno("write fingerprint file") : AZK_OK;
}

azk_status azk_fp__index_build(azk_fp_index **out, const struct azk_fp_dataset *ds, size_t nds,
                               uint64_t *const entries[AZK_FP__COUNT],
                               const uint64_t counts[AZK_FP__COUNT])
{
    azk_status rc;
    struct rfile r = {NULL, {{0}}, false, 0, entries, counts};
    azk_fp_index *idx = azk_calloc(1, sizeof(*idx));
    *out = NULL;
    if (idx == NULL)
        return azk_error_nomem();
    memcpy(idx->bits, azk_fp__bits, sizeof(idx->bits));
    idx->ds = azk_calloc(nds ? nds : 1, sizeof(*idx->ds));
    rc = idx->ds == NULL ? azk_error_nomem() : AZK_OK;
    for (size_t i = 0; rc == AZK_OK && i < nds; i++) {
        idx->ds[i].client = azk_strdup(ds[i].client);
        idx->ds[i].dataset = azk_strdup(ds[i].dataset);
        idx->ds[i].first_row = ds[i].first_row;
        idx->ds[i].row_count = ds[i].row_count;
        idx->ds_count = i + 1;
        idx->total_rows += ds[i].row_count;
        if (idx->ds[i].client == NULL || idx->ds[i].dataset == NULL)
            rc = azk_error_nomem();
    }
    if (rc == AZK_OK)
        rc = load_entries(idx, &r, UINT64_MAX);
    if (rc != AZK_OK) {
        azk_fp_index_free(idx);
        return rc;
    }
    *out = idx;
    return AZK_OK;
}

static azk_status read_keyfile(const char *path, uint8_t key[AZK_FP_KEY_LEN])
{
    struct stat sb;
    azk_status rc = AZK_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return azk_error_errno("open scanning key");
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size != AZK_FP_KEY_LEN)
        rc = azk_error_set(AZK_ERR_FORMAT, "scanning key: not a 32-byte key file");
    else if ((sb.st_mode & 077) != 0)
        rc = azk_error_set(AZK_ERR_PERM, "scanning key: must be mode 0600 (is %04o)",
                           (unsigned)(sb.st_mode & 07777));
    else if (read(fd, key, AZK_FP_KEY_LEN) != AZK_FP_KEY_LEN)
        rc = azk_error_errno("read scanning key");
    close(fd);
    return rc;
}

void azk_fp__key_id(const uint8_t key[AZK_FP_KEY_LEN], char hex[AZK_FP_KEY_ID_HEX])
{
    uint8_t id[8];
    key_id_raw(key, id);
    sodium_bin2hex(hex, AZK_FP_KEY_ID_HEX, id, sizeof(id));
}

azk_status azk_fp__key_retired(const char *retired_list, const char *key_path, bool *retired)
{
    uint8_t key[AZK_FP_KEY_LEN];
    char id[AZK_FP_KEY_ID_HEX], line[64];
    azk_status rc;
    FILE *f;
    *retired = false;
    f = fopen(retired_list, "re");
    if (f == NULL)
        return errno == ENOENT ? AZK_OK : azk_error_errno("open the retired scanning keys");
    rc = read_keyfile(key_path, key);
    if (rc == AZK_OK) {
        azk_fp__key_id(key, id);
        while (!*retired && fgets(line, sizeof(line), f) != NULL)
            *retired = strncmp(line, id, AZK_FP_KEY_ID_HEX - 1) == 0;
    }
    sodium_memzero(key, sizeof(key));
    fclose(f);
    return rc;
}

azk_fp_index *azk_fp__index_ref(azk_fp_index *idx)
{
    if (idx != NULL)
        atomic_fetch_add(&idx->extra_refs, 1u);
    return idx;
}

void azk_fp_index_free(azk_fp_index *idx)
{
    if (idx == NULL)
        return;
    if (atomic_fetch_sub(&idx->extra_refs, 1u) != 0)
        return; /* another holder still uses it */
    for (size_t i = 0; i < idx->ds_count; i++) {
        azk_free(idx->ds[i].client);
        azk_free(idx->ds[i].dataset);
    }
    azk_free(idx->ds);
    azk_free(idx->rowtab);
    for (size_t k = 0; k < AZK_FP__COUNT; k++) {
        azk_free(idx->off[k]);
        azk_free(idx->rows[k]);
    }
    sodium_memzero(idx->key, sizeof(idx->key));
    sodium_memzero(&idx->hasher, sizeof(idx->hasher));
    azk_free(idx);
}

azk_status azk_fp_index_load(azk_fp_index **out, const char *path, const char *key_path)
{
    azk_status rc = AZK_ERR_FORMAT;
    azk_fp_index *idx = NULL;
    struct rfile r = {NULL, {{0}}, false, 0, NULL, NULL};
    char magic[8];
    bool v2;
    bool v3;
    uint32_t kinds;
    uint32_t nds;
    uint8_t sum[32];
    uint8_t want[32];
    struct stat sb;
    uint64_t left;

    azk_error_clear();
    AZK_ASSERT_ARG(out != NULL && path != NULL && key_path != NULL);
    *out = NULL;
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    idx = azk_calloc(1, sizeof(*idx));
    if (idx == NULL)
        return azk_error_nomem();
    rc = read_keyfile(key_path, idx->key);
    if (rc != AZK_OK)
        goto done;
    azk_fp__hasher_init(&idx->hasher, idx->key);
    r.f = fopen(path, "rbe");
    if (r.f == NULL) {
        rc = azk_error_errno("open fingerprint file");
        goto done;
    }
    if (fstat(fileno(r.f), &sb) != 0 || sb.st_size < 8 + 4 + 32) {
        rc = azk_error_set(AZK_ERR_FORMAT, "fingerprints: file too short");
        goto done;
    }
    left = (uint64_t)sb.st_size;
    crypto_generichash_init(&r.hs, NULL, 0, sizeof(sum));
    if (!r_get(&r, magic, 8))
        goto bad_version;
    v2 = memcmp(magic, AZK_FP_MAGIC2, 8) == 0;
    v3 = memcmp(magic, AZK_FP_MAGIC3, 8) == 0;
    if ((!v2 && !v3 && memcmp(magic, AZK_FP_MAGIC, 8) != 0) || !r_u32(&r, &kinds) ||
        kinds != AZK_FP__COUNT || !r_get(&r, idx->bits, AZK_FP__COUNT) ||
        memcmp(idx->bits, azk_fp__bits, AZK_FP__COUNT) != 0 || !r_u32(&r, &nds) || nds > 100000) {
bad_version:
        rc = azk_error_set(AZK_ERR_FORMAT, "fingerprints: not a fingerprint file of this version");
        goto done;
    }
    idx->ds = azk_calloc(nds ? nds : 1, sizeof(*idx->ds));
    if (idx->ds == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (uint32_t i = 0; i < nds; i++) {
        struct azk_fp_dataset *d = &idx->ds[i];
        bool nomem = false;
        d->client = r_str(&r, &nomem);
        d->dataset = d->client != NULL ? r_str(&r, &nomem) : NULL;
        idx->ds_count = i + 1;
        if (nomem) {
            rc = azk_error_nomem();
            goto done;
        }
        if (d->client == NULL || d->dataset == NULL || !r_u32(&r, &d->first_row) ||
            !r_u32(&r, &d->row_count) || d->first_row != idx->total_rows) {
            rc = azk_error_set(AZK_ERR_FORMAT, "fingerprints: bad dataset table");
            goto done;
        }
        idx->total_rows += d->row_count;
        /* every row costs bytes in the file: a table claiming more rows
         * than the file has bytes is forged, and must not size the row
         * table (fuzzer: a 4 KB file asking for 140 GB) */
        if ((uint64_t)idx->total_rows > (uint64_t)sb.st_size) {
            rc = azk_error_set(AZK_ERR_FORMAT, "fingerprints: more rows than the file can hold");
            goto done;
        }
    }
    rc = v2 || v3 ? load_tables(idx, &r, left, v3) : load_entries(idx, &r, left);
    if (rc != AZK_OK)
        goto done;
    crypto_generichash_final(&r.hs, want, sizeof(want));
    if (fread(sum, 1, sizeof(sum), r.f) != sizeof(sum) || fgetc(r.f) != EOF ||
        sodium_memcmp(sum, want, sizeof(sum)) != 0) {
        rc = azk_error_set(AZK_ERR_INTEGRITY, "fingerprints: checksum mismatch (file damaged)");
        goto done;
    }
    memcpy(idx->id, want, sizeof(want));
    *out = idx;
    idx = NULL;
    rc = AZK_OK;
done:
    if (r.f != NULL)
        fclose(r.f);
    azk_fp_index_free(idx);
    return rc;
}

void azk_fp_index_id(const azk_fp_index *idx, uint8_t out[32])
{
    memcpy(out, idx->id, 32);
}

uint64_t azk_fp_index_rows(const azk_fp_index *idx)
{
    return idx->total_rows;
}
