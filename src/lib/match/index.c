/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/index.c -- loading a fingerprint file (format in match/fp.h) into
 * the compact in-memory tables described there (a bit-packed row table and
 * per seed kind a CSR of 3- or 4-byte row ids: 10 M rows with 6 fields take
 * ~265 MB; the file itself is 480 MB). match only reads fingerprint files; the
 * export from a home's catalog is vault/fpexport.c, above match.
 */
#include "match/fp.h"
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

struct rfile {
    FILE *f;
    crypto_generichash_state hs;
    bool err;
};

static bool r_get(struct rfile *r, void *p, size_t n)
{
    if (r->err || (n > 0 && fread(p, 1, n, r->f) != n)) {
        r->err = true;
        return false;
    }
    crypto_generichash_update(&r->hs, p, n);
    return true;
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

static void put_field(azk_fp_index *idx, uint64_t row, unsigned slot, uint32_t v)
{
    uint64_t pos = row * idx->row_w + idx->slot_sh[slot];
    uint64_t w;
    memcpy(&w, idx->rowtab + (pos >> 3), sizeof(w));
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    w |= (uint64_t)v << (pos & 7);
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    w = __builtin_bswap64(w);
#endif
    memcpy(idx->rowtab + (pos >> 3), &w, sizeof(w));
}

static void put_row_id(azk_fp_index *idx, unsigned kind, uint64_t e, uint32_t row)
{
    uint8_t *p = idx->rows[kind] + e * idx->row_bytes;
    for (uint32_t i = 0; i < idx->row_bytes; i++)
        p[i] = (uint8_t)(row >> (8 * i));
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
        idx->off[k] = azk_calloc(nb + 1, sizeof(uint32_t));
        idx->rows[k] = azk_malloc((size_t)n * idx->row_bytes + 4);
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
        if (!r_get(r, buf, m * sizeof(uint64_t)))
            return azk_error_set(AZK_ERR_FORMAT, "fingerprints: truncated");
        for (size_t i = 0; i < m; i++) {
            uint64_t e = buf[i];
            uint32_t row;
            uint32_t bucket;
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
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
        uint64_t n;
        if (!r_u64(r, &n) || n > left / 8) {
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
        if (idx->entry_count[k] == 0 || (s != first && !bd.second[k]))
            continue;
        idx->slot_w[s] = (uint8_t)(idx->bits[k] + 1);
        idx->slot_sh[s] = (uint8_t)sh;
        sh += idx->slot_w[s];
    }
    idx->row_w = sh;
    if (azk_mul_overflow(&bytes, (size_t)idx->total_rows, (size_t)idx->row_w)) {
        rc = azk_error_set(AZK_ERR_LIMIT, "fingerprints: too many rows");
        goto out;
    }
    idx->rowtab = azk_calloc(1, bytes / 8 + 16);
    if (idx->rowtab == NULL) {
        rc = azk_error_nomem();
        goto out;
    }
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
        } else if (idx->off[k] != NULL) {
            size_t nb = (size_t)1 << idx->bits[k];
            /* in bucket order, as the file: a row's first value goes to the
             * first slot, its second (kana reading, second phone) to the next */
            for (size_t b = 0; b < nb; b++)
                for (uint32_t e = idx->off[k][b]; e < idx->off[k][b + 1]; e++) {
                    uint32_t row = azk_fp__seed_row(idx, k, e);
                    if (azk_fp__row_slot(idx, row, first) == 0)
                        put_field(idx, row, first, (uint32_t)b + 1);
                    else if (slots > 1 && idx->slot_w[first + 1] != 0 &&
                             azk_fp__row_slot(idx, row, first + 1) == 0)
                        put_field(idx, row, first + 1, (uint32_t)b + 1);
                }
        }
    }
out:
    build_free(&bd);
    azk_free(buf);
    azk_free(twice);
    return rc;
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
    static const char tag[] = "azk-scan-key-id";
    uint8_t id[8];
    crypto_generichash(id, sizeof(id), (const uint8_t *)tag, sizeof(tag) - 1, key, AZK_FP_KEY_LEN);
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
    struct rfile r = {NULL, {{0}}, false};
    char magic[8];
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
    if (!r_get(&r, magic, 8) || memcmp(magic, AZK_FP_MAGIC, 8) != 0 || !r_u32(&r, &kinds) ||
        kinds != AZK_FP__COUNT || !r_get(&r, idx->bits, AZK_FP__COUNT) ||
        memcmp(idx->bits, azk_fp__bits, AZK_FP__COUNT) != 0 || !r_u32(&r, &nds) || nds > 100000) {
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
    rc = load_entries(idx, &r, left);
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
