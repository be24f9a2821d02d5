/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/index.c -- the fingerprint file (format in match/fp.h): export
 * from the catalog's per-dataset fingerprints (decrypted with each
 * dataset's data key, truncated to buckets, sorted per kind) and loading
 * into compact sorted arrays (8 bytes per (bucket, row) entry: 10 M rows
 * with 6 fields fit in ~480 MB).
 */
#include "match/fp.h"
#include "store/store.h"
#include "store/keystore.h"
#include "vault/vault.h"
#include "azukari/fingerprint.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- writing ----------------------------------------------------------------- */

struct wfile {
    azk_outfile *of;
    FILE *f;
    crypto_generichash_state hs;
    bool err;
};

static void w_put(struct wfile *w, const void *p, size_t n)
{
    if (w->err)
        return;
    if (n > 0 && fwrite(p, 1, n, w->f) != n)
        w->err = true;
    crypto_generichash_update(&w->hs, p, n);
}

static void w_u16(struct wfile *w, uint16_t v)
{
    uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    w_put(w, b, 2);
}

static void w_u32(struct wfile *w, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    w_put(w, b, 4);
}

static void w_u64(struct wfile *w, uint64_t v)
{
    w_u32(w, (uint32_t)v);
    w_u32(w, (uint32_t)(v >> 32));
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

struct kind_vec {
    uint64_t *v;
    size_t n, cap;
};

static azk_status vec_push(struct kind_vec *k, uint64_t e)
{
    if (k->n == k->cap) {
        size_t nc = k->cap ? k->cap * 2 : 1024;
        size_t bytes;
        uint64_t *nv;
        if (azk_mul_overflow(&bytes, nc, sizeof(uint64_t)))
            return azk_error_set(AZK_ERR_LIMIT, "fingerprints: too many entries");
        nv = azk_realloc(k->v, bytes);
        if (nv == NULL)
            return azk_error_nomem();
        k->v = nv;
        k->cap = nc;
    }
    k->v[k->n++] = e;
    return AZK_OK;
}

/* The scanning key beside the file: 0600, through azk_outfile (never a planted symlink). */
static azk_status write_key(const char *path, const uint8_t key[AZK_FP_KEY_LEN])
{
    azk_outfile *of = NULL;
    azk_status rc = azk_outfile_open(&of, path, 0600, 0);
    if (rc != AZK_OK)
        return rc;
    if (fwrite(key, 1, AZK_FP_KEY_LEN, azk_outfile_stream(of)) != AZK_FP_KEY_LEN) {
        azk_outfile_abort(of);
        return azk_error_errno("write key file");
    }
    return azk_outfile_commit(of);
}

/* one client's active datasets, or some datasets (retention; ids_json is a
 * JSON array of ids), or all */
static azk_status export_impl(azk_home *h, const char *path, const char *key_path,
                              const char *client, const char *ids_json, azk_fp_export_info *info)
{
    azk_status rc = AZK_OK;
    sqlite3_stmt *st = NULL;
    struct kind_vec kv[AZK_FP__COUNT];
    struct azk_fp_dataset *ds = NULL;
    size_t nds = 0;
    uint8_t key[AZK_FP_KEY_LEN];
    uint8_t *plain = NULL;
    uint64_t rows = 0;
    uint64_t entries = 0;
    struct wfile w = {NULL, NULL, {{0}}, false};
    uint8_t sum[32];
    int step;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && path != NULL && key_path != NULL);
    memset(kv, 0, sizeof(kv));
    rc = azk_store__scan_key(h, key);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__prepare(h, &st,
                            "SELECT d.id, d.client, d.uuid, NULL, d.records, f.nonce,"
                            " f.data FROM datasets d JOIN fingerprints f ON f.dataset = d.id"
                            " WHERE d.state = 'active' AND (?1 IS NULL OR d.client = ?1)"
                            " AND (?2 IS NULL OR d.id IN (SELECT value FROM json_each(?2)))"
                            " ORDER BY d.client, d.id");
    if (rc != AZK_OK)
        goto done;
    if (client != NULL)
        sqlite3_bind_text(st, 1, client, -1, SQLITE_STATIC);
    if (ids_json != NULL)
        sqlite3_bind_text(st, 2, ids_json, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *uuid = (const char *)sqlite3_column_text(st, 2);
        uint64_t nrec = (uint64_t)sqlite3_column_int64(st, 4);
        const uint8_t *nonce = sqlite3_column_blob(st, 5);
        const uint8_t *ct = sqlite3_column_blob(st, 6);
        size_t ctl = (size_t)sqlite3_column_bytes(st, 6);
        uint8_t dk[32];
        size_t pl;
        size_t need;
        void *grown;
        const size_t rowlen = AZK_FPS__COUNT * sizeof(uint32_t);
        if (sqlite3_column_bytes(st, 5) != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
            ctl < crypto_aead_xchacha20poly1305_ietf_ABYTES) {
            rc = azk_error_set(AZK_ERR_INTEGRITY, "fingerprints of a dataset are malformed");
            goto done;
        }
        pl = ctl - crypto_aead_xchacha20poly1305_ietf_ABYTES;
        /* global row numbers are u32 in the file: check the sum before any narrowing, and the
         * size without a wrapping multiplication */
        if (nrec > UINT32_MAX - rows || azk_mul_overflow(&need, (size_t)nrec, rowlen) ||
            pl != need) {
            rc = azk_error_set(AZK_ERR_INTEGRITY, "fingerprints do not match the record count");
            goto done;
        }
        {
            /* the data key lives in the keystore (store/keystore.h) */
            uint8_t *wk = NULL;
            size_t wkl = 0;
            rc = azk_store__key_get(h, AZK_KEY_DATASET, uuid, &wk, &wkl);
            if (rc == AZK_OK)
                rc = azk_vault__unwrap(h, uuid, wk, wkl, dk);
            azk_free_secret(wk, wkl);
        }
        if (rc != AZK_OK)
            goto done;
        azk_free_secret(plain, 0);
        plain = azk_malloc(pl + 1);
        if (plain == NULL) {
            sodium_memzero(dk, sizeof(dk));
            rc = azk_error_nomem();
            goto done;
        }
        if (crypto_aead_xchacha20poly1305_ietf_decrypt(
                plain, NULL, NULL, ct, ctl, (const uint8_t *)uuid, strlen(uuid), nonce, dk) != 0) {
            sodium_memzero(dk, sizeof(dk));
            rc = azk_error_set(AZK_ERR_CRYPTO, "fingerprints of a dataset fail authentication");
            goto done;
        }
        sodium_memzero(dk, sizeof(dk));
        grown = azk_realloc(ds, (nds + 1) * sizeof(*ds));
        if (grown == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        ds = grown;
        ds[nds].client = azk_strdup((const char *)sqlite3_column_text(st, 1));
        ds[nds].dataset = azk_strdup((const char *)sqlite3_column_text(st, 0));
        ds[nds].first_row = (uint32_t)rows;
        ds[nds].row_count = (uint32_t)nrec;
        nds++;
        if (ds[nds - 1].client == NULL || ds[nds - 1].dataset == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        for (uint64_t r = 0; r < nrec; r++) {
            for (size_t s = 0; s < AZK_FPS__COUNT; s++) {
                uint32_t hv;
                unsigned kind = azk_fp__slot_kind[s];
                memcpy(&hv, plain + r * rowlen + s * sizeof(uint32_t), sizeof(hv));
                if (hv == 0)
                    continue;
                rc = vec_push(&kv[kind], ((uint64_t)azk_fp__bucket(kind, hv) << 32) | (rows + r));
                if (rc != AZK_OK)
                    goto done;
            }
        }
        sodium_memzero(plain, pl);
        rows += nrec;
    }
    if (step != SQLITE_DONE) {
        rc = azk_store__dberr(h->db, "read fingerprints");
        goto done;
    }
    if (nds == 0) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no active dataset to export");
        goto done;
    }
    for (size_t k = 0; k < AZK_FP__COUNT; k++) {
        size_t o = 0;
        if (kv[k].n > 1)
            qsort(kv[k].v, kv[k].n, sizeof(uint64_t), cmp_u64);
        for (size_t i = 0; i < kv[k].n; i++) /* a name and its reading in one bucket */
            if (o == 0 || kv[k].v[i] != kv[k].v[o - 1])
                kv[k].v[o++] = kv[k].v[i];
        kv[k].n = o;
        entries += o;
    }
    /* a temporary beside the file, renamed at the end: never through a planted symlink */
    rc = azk_outfile_open(&w.of, path, 0644, 0);
    if (rc != AZK_OK)
        goto done;
    w.f = azk_outfile_stream(w.of);
    crypto_generichash_init(&w.hs, NULL, 0, sizeof(sum));
    w_put(&w, AZK_FP_MAGIC, 8);
    w_u32(&w, AZK_FP__COUNT);
    w_put(&w, azk_fp__bits, AZK_FP__COUNT);
    w_u32(&w, (uint32_t)nds);
    for (size_t i = 0; i < nds; i++) {
        size_t cl = strlen(ds[i].client);
        size_t dl = strlen(ds[i].dataset);
        w_u16(&w, (uint16_t)cl);
        w_put(&w, ds[i].client, cl);
        w_u16(&w, (uint16_t)dl);
        w_put(&w, ds[i].dataset, dl);
        w_u32(&w, ds[i].first_row);
        w_u32(&w, ds[i].row_count);
    }
    for (size_t k = 0; k < AZK_FP__COUNT; k++) {
        w_u64(&w, kv[k].n);
        for (size_t i = 0; i < kv[k].n; i++)
            w_u64(&w, kv[k].v[i]);
    }
    crypto_generichash_final(&w.hs, sum, sizeof(sum));
    if (!w.err && fwrite(sum, 1, sizeof(sum), w.f) != sizeof(sum))
        w.err = true;
    if (w.err) {
        rc = azk_error_errno("write fingerprint file");
        goto done;
    }
    rc = write_key(key_path, key);
    if (rc != AZK_OK)
        goto done;
    rc = azk_outfile_commit(w.of);
    w.of = NULL; /* freed by commit, even on failure */
    w.f = NULL;
    if (rc != AZK_OK)
        goto done;
    {
        const char *objs[1] = {"fingerprints"};
        char extra[160];
        snprintf(extra, sizeof(extra), "{\"datasets\":%zu,\"rows\":%llu,\"entries\":%llu}", nds,
                 (unsigned long long)rows, (unsigned long long)entries);
        rc = azk_store__audit(h, "fingerprints.export", objs, 1, NULL, extra);
        if (rc != AZK_OK)
            goto done;
    }
    if (info != NULL) {
        info->datasets = nds;
        info->rows = rows;
        info->entries = entries;
    }
done:
    azk_outfile_abort(w.of);
    sqlite3_finalize(st);
    sodium_memzero(key, sizeof(key));
    azk_free(plain);
    for (size_t k = 0; k < AZK_FP__COUNT; k++)
        azk_free(kv[k].v);
    for (size_t i = 0; i < nds; i++) {
        azk_free(ds[i].client);
        azk_free(ds[i].dataset);
    }
    azk_free(ds);
    return rc;
}

azk_status azk_fingerprints_export(azk_home *h, const char *path, const char *key_path,
                                   const char *client, azk_fp_export_info *info)
{
    return export_impl(h, path, key_path, client, NULL, info);
}

/* Added for retention (src/lib/retention/run.c): some active datasets. */
azk_status azk_fingerprints_export_datasets(azk_home *h, const char *path, const char *key_path,
                                            const char *const *ids, size_t count,
                                            azk_fp_export_info *info)
{
    azk_buf j = AZK_BUF_INIT;
    azk_status rc;
    AZK_ASSERT_ARG(ids != NULL || count == 0);
    rc = azk_buf_putc(&j, '[');
    for (size_t i = 0; rc == AZK_OK && i < count; i++) {
        if (!azk_store__valid_id(ids[i])) {
            rc = azk_error_set(AZK_ERR_ARG, "bad dataset id");
            break;
        }
        rc = azk_buf_printf(&j, "%s\"%s\"", i > 0 ? "," : "", ids[i]);
    }
    if (rc == AZK_OK)
        rc = azk_buf_putc(&j, ']');
    if (rc == AZK_OK)
        rc = export_impl(h, path, key_path, NULL, (const char *)j.data, info);
    azk_buf_dispose(&j);
    return rc;
}

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
    {
        size_t cells;
        if (azk_mul_overflow(&cells, (size_t)(idx->total_rows ? idx->total_rows : 1),
                             AZK_FPS__COUNT * sizeof(uint32_t))) {
            rc = azk_error_set(AZK_ERR_LIMIT, "fingerprints: too many rows");
            goto done;
        }
        idx->rowtab = azk_calloc(1, cells);
        if (idx->rowtab == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
    }
    for (size_t k = 0; k < AZK_FP__COUNT; k++) {
        uint64_t n;
        uint64_t *e;
        unsigned first;
        unsigned slots;
        size_t nb = (size_t)1 << idx->bits[k];
        if (!r_u64(&r, &n) || n > left / 8) {
            rc = azk_error_set(AZK_ERR_FORMAT, "fingerprints: bad entry count");
            goto done;
        }
        e = azk_malloc(n ? n * sizeof(uint64_t) : 1);
        if (e == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        if (!r_get(&r, e, n * sizeof(uint64_t))) {
            azk_free(e);
            rc = azk_error_set(AZK_ERR_FORMAT, "fingerprints: truncated");
            goto done;
        }
        idx->entry_count[k] = n;
        azk_fp__kind_slots((unsigned)k, &first, &slots);
        for (uint64_t i = 0; i < n; i++) {
            uint64_t row;
            uint32_t *cell;
#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
            e[i] = __builtin_bswap64(e[i]);
#endif
            row = e[i] & 0xFFFFFFFFu;
            if (row >= idx->total_rows || (e[i] >> 32) >= nb || (i > 0 && e[i] <= e[i - 1])) {
                azk_free(e);
                rc = azk_error_set(AZK_ERR_FORMAT, "fingerprints: entries out of order");
                goto done;
            }
            cell = idx->rowtab + row * AZK_FPS__COUNT + first;
            if (cell[0] == 0)
                cell[0] = (uint32_t)(e[i] >> 32) + 1;
            else if (slots > 1 && cell[1] == 0)
                cell[1] = (uint32_t)(e[i] >> 32) + 1;
        }
        if (azk_fp__is_seed((unsigned)k)) {
            idx->off[k] = azk_calloc(nb + 1, sizeof(uint32_t));
            idx->rows[k] = azk_malloc(n ? n * sizeof(uint32_t) : 1);
            if (idx->off[k] == NULL || idx->rows[k] == NULL) {
                azk_free(e);
                rc = azk_error_nomem();
                goto done;
            }
            /* entries are sorted by bucket: offsets are a running count */
            for (uint64_t i = 0; i < n; i++) {
                idx->rows[k][i] = (uint32_t)(e[i] & 0xFFFFFFFFu);
                idx->off[k][(e[i] >> 32) + 1]++;
            }
            for (size_t b = 0; b < nb; b++)
                idx->off[k][b + 1] += idx->off[k][b];
        }
        azk_free(e);
    }
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
