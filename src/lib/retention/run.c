/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/run.c -- the retention run: for each due dataset an idempotent
 * state machine kept in the catalog (store/retention_state.h):
 *   (none) -> shredding      fingerprints exported to <home>/retention/,
 *                            ledger "retention.shred" durable (fdatasync)
 *   shredding -> key_destroyed   wrapped key destroyed in the keystore
 *                            (keys/keystore.db: secure_delete, WAL truncated,
 *                            its bytes searched for; evidence in the ledger),
 *                            then the dataset "shredded" and its fingerprint
 *                            row deleted in the catalog
 *   key_destroyed -> vault_removed   vault file overwritten and unlinked
 *   vault_removed -> artifacts_removed   every registered artifact
 *   artifacts_removed -> clean | incomplete   sweep of both zones (sweep.c)
 *   incomplete -> (artifacts again) -> sweep again
 * A crash between two steps leaves the state of the last committed step;
 * each step is safe to repeat. No key is destroyed before its ledger entry
 * is durable; no certificate is issued without a clean sweep (cert.c).
 * Safe file removal is shred.c; this file decides, the store records.
 */
#include "retention/run_int.h"
#include "store/datasets.h"
#include "store/keystore.h"
#include "store/retention_state.h"
#include "azukari/audit.h"
#include "azukari/fingerprint.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct dsinfo {
    char id[72], client[72], uuid[40], retain_until[16], state[24];
    uint64_t records;
};

static azk_status dsinfo_cb(const azk_dataset_info *d, void *payload)
{
    struct dsinfo *x = payload;
    (void)snprintf(x->id, sizeof(x->id), "%s", d->id);
    (void)snprintf(x->client, sizeof(x->client), "%s", d->client);
    (void)snprintf(x->uuid, sizeof(x->uuid), "%s", d->uuid);
    (void)snprintf(x->retain_until, sizeof(x->retain_until), "%s", d->retain_until);
    (void)snprintf(x->state, sizeof(x->state), "%s", d->state);
    x->records = d->records;
    return AZK_OK;
}

void azk_ret__progress(struct azk_ret_run *r, const char *ds, const char *state, const char *detail)
{
    if (r->cb != NULL)
        r->cb(ds, state, detail, r->payload);
}

azk_status azk_ret__fp_paths(const azk_home *h, const char *name, azk_buf *fp, azk_buf *key)
{
    azk_status rc = azk_store__path(fp, h, "retention");
    if (rc != AZK_OK)
        return rc;
    if (mkdir((const char *)fp->data, 0700) != 0 && errno != EEXIST)
        return azk_error_errno("create retention directory");
    rc = azk_buf_printf(fp, "/%s.fp", name);
    if (rc == AZK_OK)
        rc = azk_buf_printf(key, "%s.key", (const char *)fp->data);
    return rc;
}

/* Step 1: the durable ledger entry, then the state. The fingerprints were
 * exported to the run's batch file before (azk_retention_run). */
static azk_status step_shred(struct azk_ret_run *r, const struct dsinfo *d, const char *batch)
{
    azk_status rc;
    azk_buf extra = AZK_BUF_INIT;
    struct azk_store_shred rec;
    uint8_t *wk = NULL;
    size_t wk_len = 0;
    uint8_t kid[16], commit[32];
    char kid_hex[33], commit_hex[65], nowiso[32], today[16];
    uint64_t index = 0;
    bool late, early = false;
    static const char label[] = "azukari dataset key id v1";

    rc = azk_store__key_get(r->h, AZK_KEY_DATASET, d->uuid, &wk, &wk_len);
    if (rc == AZK_ERR_NOTFOUND)
        rc = azk_error_set(AZK_ERR_INTEGRITY, "dataset has no wrapped key to destroy");
    if (rc == AZK_OK)
        rc = azk_store__ret_early(r->h, d->id, &early);
    if (rc != AZK_OK)
        goto done;
    crypto_generichash(kid, sizeof(kid), wk, wk_len, (const uint8_t *)label, sizeof(label) - 1);
    crypto_hash_sha256(commit, wk, wk_len);
    sodium_bin2hex(kid_hex, sizeof(kid_hex), kid, sizeof(kid));
    sodium_bin2hex(commit_hex, sizeof(commit_hex), commit, sizeof(commit));
    azk_ret__iso(r->now, nowiso);
    azk_ret__date(r->now - 86400, today);
    late = strcmp(today, d->retain_until) > 0;
    rc = azk_buf_printf(&extra,
                        "{\"key_id\":\"%s\",\"key_commitment\":\"sha256:%s\",\"retain_until\":"
                        "\"%s\",\"at\":\"%s\",\"clock\":\"%s\",\"late\":%s,\"early\":%s,"
                        "\"records\":%llu}",
                        kid_hex, commit_hex, d->retain_until, nowiso, "system",
                        late ? "true" : "false", early ? "true" : "false",
                        (unsigned long long)d->records);
    if (rc != AZK_OK)
        goto done;
    /* durable before the key is touched */
    rc = azk_ret__audit(r->h, "retention.shred", d->id, NULL, NULL, (const char *)extra.data,
                        &index);
    if (rc != AZK_OK)
        goto done;
    azk_ret__pause("shred");
    memset(&rec, 0, sizeof(rec));
    rec.dataset = d->id;
    rec.key_id = kid_hex;
    rec.key_commit = commit_hex;
    rec.shred_index = index;
    rec.shred_at = nowiso;
    rec.operator_name = azk_store__actor(r->h);
    rec.fp_file = batch;
    rc = azk_store__ret_record_shredding(r->h, &rec);
done:
    azk_free_secret(wk, wk_len);
    azk_buf_dispose(&extra);
    return rc;
}

/*
 * Step 2: destroy the key (cryptographic erase) in the keystore, with its
 * evidence, then the catalog side. A crash between the two leaves the
 * state "shredding": the resumed run finds the key absent, which the
 * keystore treats as destroyed after checking again that its bytes are
 * nowhere in the keystore files.
 */
static azk_status step_key(struct azk_ret_run *r, const struct dsinfo *d)
{
    azk_status rc, krc;
    azk_key_evidence ev;
    char extra[192];
    bool residual;

    memset(&ev, 0, sizeof(ev));
    krc = azk_store__key_destroy(r->h, AZK_KEY_DATASET, d->uuid, &ev);
    if (krc != AZK_OK && krc != AZK_ERR_INTEGRITY)
        return krc;
    residual = krc != AZK_OK || !ev.bytes_absent;
    (void)snprintf(extra, sizeof(extra),
                   "{\"keystore\":\"%s\",\"wal_truncated\":%s,\"key_bytes_in_keystore\":%s}",
                   ev.file[0] != '\0' ? ev.file : "keys/keystore.db",
                   ev.wal_truncated ? "true" : "false", residual ? "true" : "false");
    rc = azk_ret__audit(r->h, "retention.key_destroyed", d->id, residual ? "residual" : NULL, NULL,
                        extra, NULL);
    if (rc != AZK_OK)
        return rc;
    if (residual)
        return azk_error_set(AZK_ERR_INTEGRITY, "wrapped key bytes still in the keystore files "
                                                "(another connection kept the WAL); retry");
    azk_ret__pause("keystore");
    rc = azk_store__ret_key_destroyed(r->h, d->id);
    if (rc != AZK_OK)
        return rc;
    azk_ret__pause("key");
    return AZK_OK;
}

/* Step 3: the vault file. */
static azk_status step_vault(struct azk_ret_run *r, const struct dsinfo *d)
{
    azk_status rc;
    azk_buf p = AZK_BUF_INIT;
    const char *disp = NULL;
    char extra[128];
    rc = azk_store__path(&p, r->h, "vault");
    if (rc == AZK_OK)
        rc = azk_buf_printf(&p, "/%s.azv", d->uuid);
    if (rc != AZK_OK)
        goto done;
    rc = azk_ret__remove_file((const char *)p.data, NULL, r->o->overwrite, &disp, NULL);
    if (rc != AZK_OK && disp == NULL)
        goto done;
    (void)snprintf(extra, sizeof(extra), "{\"copy\":\"vault\",\"disposition\":\"%s\"}", disp);
    {
        azk_status rc2 = azk_ret__audit(r->h, "retention.remove", d->id,
                                        rc == AZK_OK ? NULL : "refused", NULL, extra, NULL);
        if (rc2 != AZK_OK) {
            rc = rc2;
            goto done;
        }
    }
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__ret_record_vault(r->h, d->id, disp);
    azk_ret__pause("vault");
done:
    azk_buf_dispose(&p);
    return rc;
}

/* Step 4: registered artifacts; *refused counts those left in place. */
static azk_status remove_artifacts(struct azk_ret_run *r, const char *ds,
                                   const char *deadline_before, uint64_t *refused)
{
    azk_status rc;
    struct azk_store_ret_artifact *a = NULL;
    size_t n = 0;
    *refused = 0;
    rc = azk_store__ret_artifacts_to_remove(r->h, ds, deadline_before, &a, &n);
    if (rc != AZK_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        const char *disp = NULL;
        struct azk_ret_fileid want;
        uint64_t links = 0;
        azk_status frc;
        char extra[192];
        if (a[i].disposition != NULL && strcmp(a[i].disposition, AZK_RET_DISP_LINKS) == 0) {
            /* this name is gone, the other links are not: a person must deal
             * with them (azk_artifact_resolve); nothing to do again here */
            (*refused)++;
            azk_ret__progress(r, a[i].dataset, "artifact", a[i].disposition);
            continue;
        }
        memset(&want, 0, sizeof(want));
        want.dev = a[i].dev;
        want.ino = a[i].ino;
        want.size = a[i].size;
        want.mtime_ns = a[i].mtime_ns;
        want.ctime_ns = a[i].ctime_ns;
        if (a[i].hash != NULL)
            (void)snprintf(want.hash, sizeof(want.hash), "%s", a[i].hash);
        frc = azk_ret__remove_file(a[i].path, &want, r->o->overwrite, &disp, &links);
        if (disp == NULL) {
            /* an I/O error: report it, keep the artifact pending */
            disp = "refused: error";
        }
        if (frc != AZK_OK)
            (*refused)++;
        (void)snprintf(extra, sizeof(extra),
                       "{\"copy\":\"artifact\",\"disposition\":\"%s\",\"other_links\":%llu}", disp,
                       (unsigned long long)links);
        /* the path is operator data, not personal: it is in the catalog; the
         * ledger names the artifact by dataset and disposition only */
        rc = azk_ret__audit(r->h, "retention.remove", a[i].dataset,
                            frc == AZK_OK ? NULL : "refused", NULL, extra, NULL);
        if (rc == AZK_OK)
            rc = azk_store__ret_artifact_disposition(r->h, a[i].dataset, a[i].path, disp);
        if (rc != AZK_OK)
            goto done;
        azk_ret__progress(r, a[i].dataset, "artifact", disp);
    }
done:
    azk_store__ret_artifacts_free(a, n);
    return rc;
}

/* Take one dataset as far as the sweep; *to_sweep when it is ready for it. */
static azk_status process(struct azk_ret_run *r, const char *ds, const char *batch, bool *to_sweep)
{
    azk_status rc;
    struct dsinfo d;
    char state[24];
    uint64_t refused = 0;
    bool held = true;
    *to_sweep = false;
    memset(&d, 0, sizeof(d));
    rc = azk_dataset_get(r->h, ds, dsinfo_cb, &d);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__ret_state(r->h, ds, state);
    if (rc != AZK_OK)
        return rc;
    if (strcmp(state, "clean") == 0 || strcmp(state, "certified") == 0)
        return AZK_OK;
    r->sum->due++;
    rc = azk_store__ret_held(r->h, ds, &held);
    if (rc != AZK_OK)
        return rc; /* cannot tell: nothing is deleted */
    if (held) {
        r->sum->held++;
        azk_ret__progress(r, ds, "hold", NULL);
        return azk_ret__audit(r->h, "retention.skip", ds, "blocked", "dataset is on hold", NULL,
                              NULL);
    }
    if (state[0] == '\0') {
        if (batch == NULL)
            return azk_error_set(AZK_ERR_NOTFOUND, "the dataset has no fingerprints to sweep with");
        azk_ret__progress(r, ds, "shredding", NULL);
        rc = step_shred(r, &d, batch);
        if (rc != AZK_OK)
            return rc;
        (void)snprintf(state, sizeof(state), "shredding");
    }
    if (strcmp(state, "shredding") == 0) {
        rc = step_key(r, &d);
        if (rc != AZK_OK)
            return rc;
        azk_ret__progress(r, ds, "key_destroyed", NULL);
        (void)snprintf(state, sizeof(state), "key_destroyed");
    }
    if (strcmp(state, "key_destroyed") == 0) {
        rc = step_vault(r, &d);
        if (rc != AZK_OK)
            return rc;
        azk_ret__progress(r, ds, "vault_removed", NULL);
        (void)snprintf(state, sizeof(state), "vault_removed");
    }
    if (strcmp(state, "vault_removed") == 0 || strcmp(state, "incomplete") == 0 ||
        strcmp(state, "artifacts_removed") == 0) {
        rc = remove_artifacts(r, ds, NULL, &refused);
        if (rc != AZK_OK)
            return rc;
        if (refused == 0 && strcmp(state, "vault_removed") == 0) {
            rc = azk_store__ret_set_state(r->h, ds, "artifacts_removed");
            if (rc != AZK_OK)
                return rc;
        }
        azk_ret__pause("artifacts");
        *to_sweep = true;
        return AZK_OK;
    }
    return azk_error_set(AZK_ERR_INTEGRITY, "unknown retention state in the catalog");
}

/*
 * Export, in one file, the fingerprints of the datasets of this run that
 * have not started (no state, not on hold): the sweep needs them after the
 * keys are gone, and one file lets one scanner pass cover them all.
 * *out_batch = the batch name, or NULL when there is nothing to export.
 */
static azk_status export_batch(struct azk_ret_run *r, char **ids, size_t n, char **out_batch)
{
    azk_status rc = AZK_OK;
    const char **fresh = NULL;
    size_t nf = 0;
    azk_buf fp = AZK_BUF_INIT, key = AZK_BUF_INIT, name = AZK_BUF_INIT;
    azk_fp_export_info info;
    uint8_t rnd[6];
    char hex[13];
    *out_batch = NULL;
    fresh = azk_calloc(n > 0 ? n : 1, sizeof(*fresh));
    if (fresh == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char st[24];
        bool held = true;
        rc = azk_store__ret_state(r->h, ids[i], st);
        if (rc == AZK_OK)
            rc = azk_store__ret_held(r->h, ids[i], &held);
        if (rc != AZK_OK)
            goto done;
        if (st[0] == '\0' && !held)
            fresh[nf++] = ids[i];
    }
    if (nf == 0)
        goto done;
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    rc = azk_buf_printf(&name, "batch-%lld-%s", (long long)time(NULL), hex);
    if (rc == AZK_OK)
        rc = azk_ret__fp_paths(r->h, (const char *)name.data, &fp, &key);
    if (rc == AZK_OK)
        rc = azk_fingerprints_export_datasets(r->h, (const char *)fp.data, (const char *)key.data,
                                              fresh, nf, &info);
    if (rc != AZK_OK)
        goto done;
    *out_batch = azk_buf_detach(&name);
    if (*out_batch == NULL)
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
done:
    azk_free(fresh);
    azk_buf_dispose(&fp);
    azk_buf_dispose(&key);
    azk_buf_dispose(&name);
    return rc;
}

struct sweep_item {
    char *batch;
    char *id;
};

static int cmp_item(const void *a, const void *b)
{
    const struct sweep_item *x = a, *y = b;
    int c = strcmp(x->batch, y->batch);
    return c != 0 ? c : strcmp(x->id, y->id);
}

/* ---- drill ------------------------------------------------------------------------ */

struct drill_ctx {
    azk_retention_progress_cb cb;
    void *payload;
    azk_retention_summary *sum;
};

static void drill_artifacts(const char *ds, uint64_t count, void *payload)
{
    struct drill_ctx *x = payload;
    char det[64];
    (void)snprintf(det, sizeof(det), "%llu artifact(s) past their own deadline",
                   (unsigned long long)count);
    if (x->cb != NULL)
        x->cb(ds, "would remove artifacts", det, x->payload);
}

static azk_status drill_due(const struct azk_store_due *d, void *payload)
{
    struct drill_ctx *x = payload;
    char det[96];
    x->sum->due++;
    if (d->ret_state == NULL && d->held) {
        x->sum->held++;
        if (x->cb != NULL)
            x->cb(d->dataset, "hold", NULL, x->payload);
        return AZK_OK;
    }
    if (d->ret_state != NULL)
        (void)snprintf(det, sizeof(det), "a run would resume at step %s", d->ret_state);
    else if (d->early_request != NULL)
        (void)snprintf(det, sizeof(det), "early deletion approved (%s)", d->early_request);
    else
        (void)snprintf(det, sizeof(det), "deadline %s passed", d->retain_until);
    if (x->cb != NULL)
        x->cb(d->dataset, "would delete", det, x->payload);
    return AZK_OK;
}

/*
 * A drill: what a run at `now` would do, read-only. Nothing is destroyed,
 * exported, recorded or appended to the ledger, whatever `now` is: a time
 * given by a person is never a reason to destroy (a run in the future would
 * destroy data early and let the ledger call it late).
 */
static azk_status drill(azk_home *h, int64_t now, const char *only, azk_retention_progress_cb cb,
                        void *payload, azk_retention_summary *sum)
{
    azk_status rc;
    char today[16];
    struct drill_ctx x = {cb, payload, sum};
    azk_ret__date(now, today);
    rc = azk_store__ret_artifacts_overdue(h, today, only, drill_artifacts, &x);
    if (rc != AZK_OK)
        return rc;
    return azk_store__ret_due_each(h, today, only, drill_due, &x);
}

/* ---- the run ------------------------------------------------------------------------ */

struct due_ids {
    char **ids;
    size_t n, cap;
};

static azk_status collect_due(const struct azk_store_due *d, void *payload)
{
    struct due_ids *x = payload;
    azk_status rc = azk_array_reserve(&x->ids, &x->cap, x->n, sizeof(*x->ids), 64);
    if (rc != AZK_OK)
        return rc;
    x->ids[x->n] = azk_strdup(d->dataset);
    if (x->ids[x->n] == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    x->n++;
    return AZK_OK;
}

/* An error of one dataset: counted, reported, in the ledger; the run goes on. */
static azk_status dataset_error(struct azk_ret_run *r, const char *ds)
{
    char msg[256];
    (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
    r->sum->errors++;
    azk_ret__progress(r, ds, "error", msg);
    return azk_ret__audit(r->h, "retention.error", ds, "error", msg, NULL, NULL);
}

azk_status azk_retention_run(azk_home *h, const azk_retention_run_options *o,
                             azk_retention_progress_cb cb, void *payload,
                             azk_retention_summary *summary)
{
    azk_status rc;
    struct azk_ret_run r;
    azk_retention_summary sum;
    char today[16], nowiso[32], extra[192];
    int64_t last = 0;
    struct due_ids due = {NULL, 0, 0};
    size_t nitems = 0;
    struct sweep_item *items = NULL;
    char *batch = NULL;
    int lock = -1;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && o != NULL);
    memset(&sum, 0, sizeof(sum));
    r.h = h;
    r.o = o;
    /* only the system clock ever decides a destruction */
    r.now = (int64_t)time(NULL);
    r.cb = cb;
    r.payload = payload;
    r.sum = &sum;
    if (o->drill || o->now != 0) {
        rc = drill(h, o->now != 0 ? o->now : r.now, o->only, cb, payload, &sum);
        if (summary != NULL)
            *summary = sum;
        return rc;
    }
    /* one run of a home at a time (a second would repeat steps of the first:
     * two "retention.shred" entries for one dataset) */
    rc = azk_ret__lock(h, "run.lock", "another retention run of this home is in progress", &lock);
    if (rc != AZK_OK)
        goto done;
    azk_ret__iso(r.now, nowiso);
    rc = azk_store__ret_last_run(h, &last);
    if (rc != AZK_OK)
        goto done;
    (void)snprintf(extra, sizeof(extra), "{\"now\":\"%s\",\"clock\":\"system\",\"last\":%lld}",
                   nowiso, (long long)last);
    if (r.now < last) {
        rc = azk_ret__audit(h, "retention.run", NULL, "refused", "clock earlier than the last run",
                            extra, NULL);
        if (rc == AZK_OK)
            rc = azk_error_set(AZK_ERR_INTEGRITY,
                               "the clock (%s) is earlier than the last retention run: nothing "
                               "deleted; check the system clock",
                               nowiso);
        goto done;
    }
    rc = azk_ret__audit(h, "retention.run", NULL, NULL, NULL, extra, NULL);
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__ret_set_last_run(h, r.now);
    if (rc != AZK_OK)
        goto done;
    azk_ret__date(r.now, today);
    /* artifacts past their own (earlier) deadline go first */
    {
        uint64_t refused = 0;
        rc = remove_artifacts(&r, NULL, today, &refused);
        if (rc != AZK_OK)
            goto done;
    }
    rc = azk_store__ret_due_each(h, today, o->only, collect_due, &due);
    if (rc != AZK_OK)
        goto done;
    rc = export_batch(&r, due.ids, due.n, &batch);
    if (rc != AZK_OK)
        goto done;
    items = azk_calloc(due.n > 0 ? due.n : 1, sizeof(*items));
    if (items == NULL) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < due.n; i++) {
        bool to_sweep = false;
        bool has_fp = false;
        const char *b = batch;
        azk_status drc = AZK_OK;
        if (b != NULL) {
            drc = azk_store__fingerprints_present(h, due.ids[i], &has_fp);
            if (!has_fp)
                b = NULL;
        }
        if (drc == AZK_OK)
            drc = process(&r, due.ids[i], b, &to_sweep);
        if (drc == AZK_OK && to_sweep) {
            drc = azk_store__ret_fp_file(h, due.ids[i], &items[nitems].batch);
            if (drc == AZK_OK && items[nitems].batch == NULL)
                drc = azk_error_set(AZK_ERR_NOTFOUND, "no fingerprint file recorded for the "
                                                      "dataset: the sweep cannot run");
            if (drc == AZK_OK)
                items[nitems++].id = due.ids[i];
            else
                azk_free(items[nitems].batch);
        }
        if (drc != AZK_OK) {
            rc = dataset_error(&r, due.ids[i]);
            if (rc != AZK_OK)
                goto done;
        }
    }
    /* one sweep per fingerprint file (normally one: this run's batch) */
    qsort(items, nitems, sizeof(*items), cmp_item);
    for (size_t i = 0; i < nitems;) {
        size_t j = i;
        char **group;
        azk_status drc;
        while (j < nitems && strcmp(items[j].batch, items[i].batch) == 0)
            j++;
        group = azk_calloc(j - i, sizeof(*group));
        if (group == NULL) {
            rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t k = i; k < j; k++)
            group[k - i] = items[k].id;
        drc = azk_ret__sweep_group(&r, group, j - i, items[i].batch);
        azk_free(group);
        if (drc != AZK_OK) {
            char msg[256];
            (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
            for (size_t k = i; k < j; k++) {
                azk_error_set(drc, "%s", msg);
                rc = dataset_error(&r, items[k].id);
                if (rc != AZK_OK)
                    goto done;
            }
        }
        i = j;
    }
    rc = AZK_OK;
done:
    for (size_t i = 0; i < nitems; i++)
        azk_free(items[i].batch);
    azk_free(items);
    azk_free(batch);
    for (size_t i = 0; i < due.n; i++)
        azk_free(due.ids[i]);
    azk_free(due.ids);
    if (lock >= 0)
        close(lock); /* releases the run lock */
    if (summary != NULL)
        *summary = sum;
    return rc;
}
