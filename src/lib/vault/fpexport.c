/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault/fpexport.c -- `fingerprints export`: the fingerprint file (format
 * in match/fp.h, version 2) built from a home's catalog, each dataset's
 * fingerprints decrypted with its data key, truncated to buckets and sorted
 * per kind, then laid out as the scanner's tables (azk_fp__index_build).
 * It sits in vault, above match: match only reads fingerprint files, the
 * catalog side is store/datasets.h (azk_store__fingerprints_each).
 */
#include "vault/vault.h"
#include "store/datasets.h"
#include "store/keystore.h"
#include "match/fp.h"
#include "azukari/fingerprint.h"
#include "azukari/outfile.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

struct export
{
    azk_home *h;
    struct kind_vec kv[AZK_FP__COUNT];
    struct azk_fp_dataset *ds;
    size_t nds, cap;
    uint64_t rows;
};

/* One dataset: decrypt, check, push (bucket, global row) per kind. */
static azk_status export_one(const struct azk_store_fp *fp, void *payload)
{
    struct export *x = payload;
    azk_status rc = AZK_OK;
    uint8_t dk[32];
    uint8_t *plain = NULL;
    size_t pl = 0;
    size_t need;
    const size_t rowlen = AZK_FPS__COUNT * sizeof(uint32_t);
    struct azk_fp_dataset *d;
    uint8_t *wk = NULL;
    size_t wk_len = 0;
    if (fp->nonce_len != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
        fp->data_len < crypto_aead_xchacha20poly1305_ietf_ABYTES)
        return azk_error_set(AZK_ERR_INTEGRITY, "fingerprints of a dataset are malformed");
    pl = fp->data_len - crypto_aead_xchacha20poly1305_ietf_ABYTES;
    /* global row numbers are u32 in the file: check the sum before any narrowing, and the
     * size without a wrapping multiplication */
    if (fp->records > UINT32_MAX - x->rows ||
        azk_mul_overflow(&need, (size_t)fp->records, rowlen) || pl != need)
        return azk_error_set(AZK_ERR_INTEGRITY, "fingerprints do not match the record count");
    rc = azk_store__key_get(x->h, AZK_KEY_DATASET, fp->uuid, &wk, &wk_len);
    if (rc == AZK_ERR_NOTFOUND)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "dataset %s has no data key in the keystore",
                           fp->dataset);
    if (rc != AZK_OK)
        return rc;
    rc = azk_vault__unwrap(x->h, fp->uuid, wk, wk_len, dk);
    azk_free_secret(wk, wk_len);
    if (rc != AZK_OK)
        return rc;
    plain = azk_malloc(pl + 1);
    if (plain == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(plain, NULL, NULL, fp->data, fp->data_len,
                                                   (const uint8_t *)fp->uuid, strlen(fp->uuid),
                                                   fp->nonce, dk) != 0) {
        rc = azk_error_set(AZK_ERR_CRYPTO, "fingerprints of a dataset fail authentication");
        goto done;
    }
    rc = azk_array_reserve(&x->ds, &x->cap, x->nds, sizeof(*x->ds), 16);
    if (rc != AZK_OK)
        goto done;
    d = &x->ds[x->nds++];
    d->client = azk_strdup(fp->client);
    d->dataset = azk_strdup(fp->dataset);
    d->first_row = (uint32_t)x->rows;
    d->row_count = (uint32_t)fp->records;
    if (d->client == NULL || d->dataset == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (uint64_t r = 0; r < fp->records; r++) {
        for (size_t s = 0; s < AZK_FPS__COUNT; s++) {
            uint32_t hv;
            unsigned kind = azk_fp__slot_kind[s];
            memcpy(&hv, plain + r * rowlen + s * sizeof(uint32_t), sizeof(hv));
            if (hv == 0)
                continue;
            rc = vec_push(&x->kv[kind], ((uint64_t)azk_fp__bucket(kind, hv) << 32) | (x->rows + r));
            if (rc != AZK_OK)
                goto done;
        }
    }
    x->rows += fp->records;
done:
    sodium_memzero(dk, sizeof(dk));
    azk_free_secret(plain, pl + 1);
    return rc;
}

/* one client's active datasets, or some datasets (retention), or all */
static azk_status export_impl(azk_home *h, const char *path, const char *key_path,
                              const char *client, const char *const *ids, size_t id_count,
                              azk_fp_export_info *info)
{
    azk_status rc = AZK_OK;
    struct export x;
    uint8_t key[AZK_FP_KEY_LEN];
    uint64_t entries = 0;
    azk_outfile *of = NULL;
    azk_fp_index *ix = NULL;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && path != NULL && key_path != NULL);
    memset(&x, 0, sizeof(x));
    x.h = h;
    {
        bool pending = false;
        rc = azk_store__scan_key_pending(h, &pending);
        if (rc == AZK_OK && pending)
            rc = azk_error_set(AZK_ERR_ARG, "a scanning key rotation has not finished: run "
                                            "`fingerprints rotate` again");
        if (rc != AZK_OK)
            return rc;
    }
    rc = azk_store__scan_key(h, key);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__fingerprints_each(h, client, ids, id_count, export_one, &x);
    if (rc != AZK_OK)
        goto done;
    if (x.nds == 0) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no active dataset to export");
        goto done;
    }
    for (size_t k = 0; k < AZK_FP__COUNT; k++) {
        size_t o = 0;
        struct kind_vec *kv = &x.kv[k];
        if (kv->n > 1)
            qsort(kv->v, kv->n, sizeof(uint64_t), cmp_u64);
        for (size_t i = 0; i < kv->n; i++) /* a name and its reading in one bucket */
            if (o == 0 || kv->v[i] != kv->v[o - 1])
                kv->v[o++] = kv->v[i];
        kv->n = o;
        entries += o;
    }
    /* the tables a scanner uses, written as they are (version 2, match/fp.h) */
    {
        uint64_t *ev[AZK_FP__COUNT];
        uint64_t en[AZK_FP__COUNT];
        for (size_t k = 0; k < AZK_FP__COUNT; k++) {
            ev[k] = x.kv[k].v;
            en[k] = x.kv[k].n;
        }
        rc = azk_fp__index_build(&ix, x.ds, x.nds, ev, en);
        if (rc != AZK_OK)
            goto done;
        for (size_t k = 0; k < AZK_FP__COUNT; k++) {
            azk_free(x.kv[k].v);
            x.kv[k].v = NULL;
        }
    }
    /* a temporary beside the file, renamed at the end: never through a planted symlink */
    rc = azk_outfile_open(&of, path, 0644, 0);
    if (rc != AZK_OK)
        goto done;
    memcpy(ix->key, key, sizeof(key)); /* named in the file by its id only */
    rc = azk_fp__index_write(ix, azk_outfile_stream(of));
    if (rc != AZK_OK)
        goto done;
    rc = write_key(key_path, key);
    if (rc != AZK_OK)
        goto done;
    rc = azk_outfile_commit(of);
    of = NULL; /* freed by commit, even on failure */
    if (rc != AZK_OK)
        goto done;
    {
        const char *objs[1] = {"fingerprints"};
        char extra[160];
        snprintf(extra, sizeof(extra), "{\"datasets\":%zu,\"rows\":%llu,\"entries\":%llu}", x.nds,
                 (unsigned long long)x.rows, (unsigned long long)entries);
        rc = azk_store__audit(h, "fingerprints.export", objs, 1, NULL, extra);
        if (rc != AZK_OK)
            goto done;
    }
    if (info != NULL) {
        info->datasets = x.nds;
        info->rows = x.rows;
        info->entries = entries;
    }
done:
    azk_outfile_abort(of);
    azk_fp_index_free(ix);
    sodium_memzero(key, sizeof(key));
    for (size_t k = 0; k < AZK_FP__COUNT; k++)
        azk_free(x.kv[k].v);
    for (size_t i = 0; i < x.nds; i++) {
        azk_free(x.ds[i].client);
        azk_free(x.ds[i].dataset);
    }
    azk_free(x.ds);
    return rc;
}

azk_status azk_fingerprints_export(azk_home *h, const char *path, const char *key_path,
                                   const char *client, azk_fp_export_info *info)
{
    return export_impl(h, path, key_path, client, NULL, 0, info);
}

/* For retention (src/lib/retention/run.c): some active datasets. */
azk_status azk_fingerprints_export_datasets(azk_home *h, const char *path, const char *key_path,
                                            const char *const *ids, size_t count,
                                            azk_fp_export_info *info)
{
    azk_error_clear();
    AZK_ASSERT_ARG(ids != NULL || count == 0);
    for (size_t i = 0; i < count; i++)
        if (!azk_store__valid_id(ids[i]))
            return azk_error_set(AZK_ERR_ARG, "bad dataset id");
    if (count == 0)
        return azk_error_set(AZK_ERR_NOTFOUND, "no active dataset to export");
    return export_impl(h, path, key_path, NULL, ids, count, info);
}
