/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault/fprotate.c -- `fingerprints rotate`: a new scanning key for the
 * home, every active dataset's fingerprints re-made under it from the
 * vault (decrypted in this process, in memory that is wiped; no plaintext
 * leaves it), and the old key retired (issue 18, key rotation).
 *
 * Order, so that a crash at any point leaves a state the next run repairs:
 *  1. the new key is written as keys/scan.key.next (intake and export refuse
 *     while it is there: intake checks inside its own transaction);
 *  2. each dataset is read from the vault and its fingerprints re-made with
 *     the row code intake uses (vault/fprow.c) and encrypted with the
 *     dataset's data key;
 *  3. one catalog transaction replaces them all, provided the set of active
 *     datasets is still the one read, with the ledger event
 *     "fingerprints.rotate" (old and new key ids, counts);
 *  4. the old key's id is appended to <home>/fingerprints.retired (read by
 *     the guard's policy load: an export made with it is refused), then
 *     scan.key.next is renamed to scan.key.
 * Dying before 3 leaves the old key valid and next ignored by a new run;
 * dying after 3 leaves fingerprints under a key that is only in
 * scan.key.next: intake and export refuse until `rotate` runs again, which
 * re-makes everything from the vault under a fresh key.
 */
#include "vault/vault.h"
#include "store/datasets.h"
#include "store/keystore.h"
#include "azukari/catalog.h"
#include "azukari/fingerprint.h"
#include "azukari/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define ROTATE_REASON "fingerprints rotate: re-fingerprint under a new scanning key"

struct rot_ds {
    char *dataset, *uuid;
    uint64_t records;
    uint8_t nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
    uint8_t *ct;
    size_t ct_len;
};

struct rotation {
    azk_home *h;
    struct rot_ds *ds;
    size_t n, cap;
    uint64_t rows;
};

static azk_status list_one(const struct azk_store_fp *fp, void *payload)
{
    struct rotation *r = payload;
    azk_status rc = azk_array_reserve(&r->ds, &r->cap, r->n, sizeof(*r->ds), 16);
    struct rot_ds *d;
    if (rc != AZK_OK)
        return rc;
    d = &r->ds[r->n++];
    memset(d, 0, sizeof(*d));
    d->dataset = azk_strdup(fp->dataset);
    d->uuid = azk_strdup(fp->uuid);
    d->records = fp->records;
    return d->dataset != NULL && d->uuid != NULL ? AZK_OK : azk_error_nomem();
}

/* What a dataset's catalog row says about how to read it back. */
struct dsmeta {
    char *schema_json, *format, *encoding;
};

static azk_status on_meta(const azk_dataset_info *d, void *payload)
{
    struct dsmeta *m = payload;
    m->schema_json = azk_strdup(d->schema_json != NULL ? d->schema_json : "");
    m->format = azk_strdup(d->format != NULL ? d->format : "");
    m->encoding = azk_strdup(d->encoding != NULL ? d->encoding : "");
    return m->schema_json != NULL && m->format != NULL && m->encoding != NULL ? AZK_OK
                                                                              : azk_error_nomem();
}

/* Decoder sink: the header row skipped as intake took it, then one row of slots per record. */
struct remake {
    struct azk_vault_schema sch;
    bool has_name_col, have_header;
    unsigned depth;
    struct azk_fp_hasher hasher;
    struct azk_vault_fprow rowbuf;
    azk_buf fp;
    uint64_t rows;
};

static azk_status rm_begin(void *payload, const azk_object_info *info)
{
    struct remake *m = payload;
    (void)info;
    m->depth++;
    return AZK_OK;
}

static void rm_end(void *payload, azk_status st, const azk_error *err)
{
    struct remake *m = payload;
    (void)st;
    (void)err;
    if (m->depth > 0)
        m->depth--;
}

static azk_status rm_record(void *payload, const azk_record *rec)
{
    struct remake *m = payload;
    uint32_t hv[AZK_FPS__COUNT];
    azk_status rc;
    if (m->depth != 1)
        return AZK_OK;
    if (!m->have_header) {
        m->have_header = true;
        return AZK_OK;
    }
    m->rows++;
    rc = azk_vault__fp_row(&m->rowbuf, &m->hasher, m->sch.kinds, m->sch.ncols, m->has_name_col, rec,
                           hv, NULL);
    if (rc == AZK_OK)
        rc = azk_buf_put(&m->fp, hv, sizeof(hv));
    return rc;
}

static azk_status collect(const uint8_t *p, size_t n, void *payload)
{
    return azk_buf_put(payload, p, n);
}

/* One dataset's fingerprints under key, encrypted with its data key into d. */
static azk_status remake_one(azk_home *h, struct rot_ds *d, const uint8_t key[AZK_FP_KEY_LEN])
{
    struct dsmeta meta = {NULL, NULL, NULL};
    struct remake m;
    azk_buf plain = AZK_BUF_INIT;
    azk_decode_options dopts = AZK_DECODE_OPTIONS_INIT;
    azk_decode_sink sink;
    struct azk_mem_source ms;
    azk_source src;
    uint8_t dk[32];
    uint8_t *wk = NULL;
    size_t wk_len = 0;
    unsigned long long cl = 0;
    azk_status rc;

    memset(&m, 0, sizeof(m));
    rc = azk_dataset_get(h, d->dataset, on_meta, &meta);
    if (rc == AZK_OK)
        rc = azk_vault__schema_parse(&m.sch, meta.schema_json, d->dataset);
    if (rc != AZK_OK)
        goto done;
    for (size_t i = 0; i < m.sch.ncols; i++)
        if (m.sch.kinds[i] == AZK_COL_NAME)
            m.has_name_col = true;
    azk_fp__hasher_init(&m.hasher, key);
    /* read back as intake read it: literally, one level, its cell bounds, its encoding */
    rc = azk_vault_open(h, d->dataset, ROTATE_REASON, collect, &plain);
    if (rc != AZK_OK)
        goto done;
    dopts.max_depth = 1;
    dopts.max_cell = (size_t)1 << 20;
    dopts.max_line = (size_t)4 << 20;
    dopts.literal = true;
    if (meta.encoding[0] != '\0' && azk_decode__encoding_canonical(meta.encoding) != NULL)
        dopts.force_encoding = azk_decode__encoding_canonical(meta.encoding);
    memset(&sink, 0, sizeof(sink));
    sink.object_begin = rm_begin;
    sink.record = rm_record;
    sink.object_end = rm_end;
    sink.payload = &m;
    azk_decode__source_mem(&src, &ms, plain.data, plain.len);
    m.depth = 1; /* the object itself: members of containers (depth 2+) are not rows */
    rc = azk_decode__object(&src, &dopts, &sink);
    if (rc != AZK_OK)
        goto done;
    if (m.rows != d->records) {
        rc = azk_error_set(AZK_ERR_INTEGRITY,
                           "dataset %s: %llu rows read back from the vault, %llu entrusted",
                           d->dataset, (unsigned long long)m.rows, (unsigned long long)d->records);
        goto done;
    }
    rc = azk_store__key_get(h, AZK_KEY_DATASET, d->uuid, &wk, &wk_len);
    if (rc == AZK_OK)
        rc = azk_vault__unwrap(h, d->uuid, wk, wk_len, dk);
    azk_free_secret(wk, wk_len);
    if (rc != AZK_OK)
        goto done;
    d->ct_len = m.fp.len + crypto_aead_xchacha20poly1305_ietf_ABYTES;
    d->ct = azk_malloc(d->ct_len);
    if (d->ct == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    randombytes_buf(d->nonce, sizeof(d->nonce));
    crypto_aead_xchacha20poly1305_ietf_encrypt(d->ct, &cl, m.fp.data, m.fp.len,
                                               (const uint8_t *)d->uuid, strlen(d->uuid), NULL,
                                               d->nonce, dk);
    d->ct_len = (size_t)cl;
done:
    sodium_memzero(dk, sizeof(dk));
    azk_buf_dispose_secret(&plain);
    azk_buf_dispose_secret(&m.fp);
    azk_vault__fp_row_dispose(&m.rowbuf);
    sodium_memzero(&m.hasher, sizeof(m.hasher));
    azk_vault__schema_dispose(&m.sch);
    azk_free(meta.schema_json);
    azk_free(meta.format);
    azk_free(meta.encoding);
    return rc;
}

/* The old key's id appended to <home>/fingerprints.retired (public ids, mode 0644). */
static azk_status retire(const azk_home *h, const char *id)
{
    azk_buf p = AZK_BUF_INIT;
    azk_status rc = azk_buf_printf(&p, "%s/fingerprints.retired", azk_home_path(h));
    int fd;
    if (rc != AZK_OK)
        return rc;
    fd = open((const char *)p.data, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (fd < 0) {
        rc = azk_error_errno("open the retired scanning keys");
    } else {
        char line[AZK_FP_KEY_ID_HEX + 1];
        snprintf(line, sizeof(line), "%s\n", id);
        if (write(fd, line, strlen(line)) != (ssize_t)strlen(line) || fsync(fd) != 0)
            rc = azk_error_errno("write the retired scanning keys");
        if (close(fd) != 0 && rc == AZK_OK)
            rc = azk_error_errno("close the retired scanning keys");
    }
    azk_buf_dispose(&p);
    return rc;
}

azk_status azk_fingerprints_rotate(azk_home *h, azk_fp_export_info *info)
{
    struct rotation r;
    struct azk_store_fp_new *items = NULL;
    uint8_t old_key[AZK_FP_KEY_LEN], new_key[AZK_FP_KEY_LEN];
    char old_id[AZK_FP_KEY_ID_HEX], new_id[AZK_FP_KEY_ID_HEX];
    char extra[160];
    bool committed = false, next_written = false;
    azk_status rc;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL);
    memset(&r, 0, sizeof(r));
    r.h = h;
    rc = azk_store__scan_key(h, old_key);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__scan_key_next(h, new_key);
    if (rc != AZK_OK)
        goto done;
    next_written = true;
    azk_fp__key_id(old_key, old_id);
    azk_fp__key_id(new_key, new_id);
    rc = azk_store__fingerprints_each(h, NULL, NULL, 0, list_one, &r);
    for (size_t i = 0; i < r.n && rc == AZK_OK; i++) {
        rc = remake_one(h, &r.ds[i], new_key);
        r.rows += r.ds[i].records;
    }
    if (rc != AZK_OK)
        goto done;
    items = azk_calloc(r.n > 0 ? r.n : 1, sizeof(*items));
    if (items == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (size_t i = 0; i < r.n; i++) {
        items[i].dataset = r.ds[i].dataset;
        items[i].nonce = r.ds[i].nonce;
        items[i].nonce_len = sizeof(r.ds[i].nonce);
        items[i].data = r.ds[i].ct;
        items[i].data_len = r.ds[i].ct_len;
    }
    snprintf(extra, sizeof(extra),
             "{\"datasets\":%zu,\"rows\":%llu,\"retired_key\":\"%s\",\"key\":\"%s\"}", r.n,
             (unsigned long long)r.rows, old_id, new_id);
    rc = azk_store__fingerprints_replace(h, items, r.n, extra);
    if (rc != AZK_OK)
        goto done;
    committed = true;
    azk_store__test_pause("rotate-key");
    rc = retire(h, old_id);
    if (rc == AZK_OK)
        rc = azk_store__scan_key_promote(h);
    if (rc == AZK_OK && info != NULL) {
        memset(info, 0, sizeof(*info));
        info->datasets = r.n;
        info->rows = r.rows;
    }
done:
    if (rc != AZK_OK && next_written && !committed)
        azk_store__scan_key_next_discard(h); /* nothing changed: the old key stays */
    sodium_memzero(old_key, sizeof(old_key));
    sodium_memzero(new_key, sizeof(new_key));
    for (size_t i = 0; i < r.n; i++) {
        azk_free(r.ds[i].dataset);
        azk_free(r.ds[i].uuid);
        azk_free(r.ds[i].ct);
    }
    azk_free(r.ds);
    azk_free(items);
    return rc;
}
