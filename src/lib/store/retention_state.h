/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/retention_state.h -- the catalog side of a retention run and its
 * certificate, as operations (internal): the per-dataset state machine
 * (ret_state: none -> shredding -> key_destroyed -> vault_removed ->
 * artifacts_removed -> clean | incomplete -> certified), the due list, the
 * registered artifacts a run removes, the sweep's verdicts and residual
 * copies, and the facts a certificate states. The retention module
 * (retention/run.c, sweep.c, cert.c) decides; these functions only read
 * and record, each write in its own store transaction. Works on either
 * catalog backend (store/db.h). The tables are the catalog's schema
 * (store/schema.c).
 */
#ifndef AZK_STORE_RETENTION_STATE_H
#define AZK_STORE_RETENTION_STATE_H

#include "store/store.h"

/* ---- state ------------------------------------------------------------------- */

/* The dataset's retention state into out ("" when it has none). */
AZK_NODISCARD azk_status azk_store__ret_state(azk_home *h, const char *dataset, char out[24]);
/* Set the state (row created when absent). */
AZK_NODISCARD azk_status azk_store__ret_set_state(azk_home *h, const char *dataset,
                                                  const char *state);
/* The fingerprint batch file recorded for the dataset (*out NULL when none; azk_free it). */
AZK_NODISCARD azk_status azk_store__ret_fp_file(azk_home *h, const char *dataset, char **out);
/* Is the dataset on hold? */
AZK_NODISCARD azk_status azk_store__ret_held(azk_home *h, const char *dataset, bool *held);

/* Time of the last run (Unix seconds; 0 when none) and its update. */
AZK_NODISCARD azk_status azk_store__ret_last_run(azk_home *h, int64_t *t);
AZK_NODISCARD azk_status azk_store__ret_set_last_run(azk_home *h, int64_t t);

/* A dataset a run must take care of. Strings borrowed for the callback. */
struct azk_store_due {
    const char *dataset, *retain_until;
    const char *ret_state;     /* NULL: not started */
    const char *early_request; /* approved early deletion, or NULL */
    bool held;
};
typedef azk_status (*azk_store_due_cb)(const struct azk_store_due *d, void *payload);

/*
 * The due list, earliest deadline first: active datasets not started whose
 * deadline is before `today` (YYYY-MM-DD) or whose early deletion is
 * approved, and every dataset whose run has started and is neither clean
 * nor certified. `only` (may be NULL) restricts it to one dataset.
 */
AZK_NODISCARD azk_status azk_store__ret_due_each(azk_home *h, const char *today, const char *only,
                                                 azk_store_due_cb cb, void *payload);

/* ---- the steps ------------------------------------------------------------------ */

/* Is an early deletion of the dataset approved? */
AZK_NODISCARD azk_status azk_store__ret_early(azk_home *h, const char *dataset, bool *early);

struct azk_store_shred {
    const char *dataset, *key_id, *key_commit, *shred_at, *operator_name, *fp_file;
    uint64_t shred_index; /* the ledger entry of "retention.shred" */
};
/* State "shredding" with the key evidence and the ledger entry. */
AZK_NODISCARD azk_status azk_store__ret_record_shredding(azk_home *h,
                                                         const struct azk_store_shred *s);

/*
 * The catalog side of a destroyed key (the key itself is destroyed in the
 * keystore first, store/keystore.h), in one transaction: the dataset
 * "shredded", its fingerprint row deleted (encrypted under the destroyed
 * key, so unreadable already), state "key_destroyed".
 */
AZK_NODISCARD azk_status azk_store__ret_key_destroyed(azk_home *h, const char *dataset);

/* State "vault_removed" with the vault file's disposition. */
AZK_NODISCARD azk_status azk_store__ret_record_vault(azk_home *h, const char *dataset,
                                                     const char *disposition);

/* ---- artifacts --------------------------------------------------------------------- */

struct azk_store_ret_artifact {
    char *dataset, *path, *deadline, *added_at;
    char *disposition; /* NULL: pending */
    char *hash;        /* NULL: registered by an older version, without a content hash */
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
};
void azk_store__ret_artifacts_free(struct azk_store_ret_artifact *a, size_t n);

/*
 * Artifacts still to remove (pending, or refused before): of one dataset
 * (dataset != NULL) or of all whose own deadline is before `before`
 * (before != NULL). *out is an array of *n (azk_store__ret_artifacts_free).
 */
AZK_NODISCARD azk_status azk_store__ret_artifacts_to_remove(azk_home *h, const char *dataset,
                                                            const char *before,
                                                            struct azk_store_ret_artifact **out,
                                                            size_t *n);
/* All artifacts of a dataset, by path (the certificate's copies). */
AZK_NODISCARD azk_status azk_store__ret_artifacts_of(azk_home *h, const char *dataset,
                                                     struct azk_store_ret_artifact **out,
                                                     size_t *n);
/* Record an artifact's disposition. */
AZK_NODISCARD azk_status azk_store__ret_artifact_disposition(azk_home *h, const char *dataset,
                                                             const char *path,
                                                             const char *disposition);
/* Artifacts of the dataset whose removal was refused. */
AZK_NODISCARD azk_status azk_store__ret_refused_count(azk_home *h, const char *dataset,
                                                      uint64_t *n);

typedef void (*azk_store_count_cb)(const char *dataset, uint64_t count, void *payload);
/* Pending artifacts past their own deadline (before `today`), counted per dataset (a drill). */
AZK_NODISCARD azk_status azk_store__ret_artifacts_overdue(azk_home *h, const char *today,
                                                          const char *only, azk_store_count_cb cb,
                                                          void *payload);

/* ---- sweep ---------------------------------------------------------------------------- */

struct azk_store_residual {
    const char *path, *member;
    uint64_t rows;
};

/* One dataset's sweep verdict with the residual copies found. */
struct azk_store_verdict {
    const char *dataset;
    const char *state; /* "clean" or "incomplete" */
    const char *sweep_json;
    uint64_t residuals;
    const struct azk_store_residual *res;
    size_t res_count;
};

/* Record the verdicts of one sweep (residuals replaced), in one transaction. */
AZK_NODISCARD azk_status azk_store__ret_record_sweep(azk_home *h, const struct azk_store_verdict *v,
                                                     size_t n);

/* ---- certificate ------------------------------------------------------------------------ */

struct azk_store_cert_facts {
    char state[24], key_id[40], key_commit[72], shred_at[32], operator_name[72];
    char vault_disp[64], uuid[40], retain_until[16];
    int64_t shred_index;
    bool drill;
    char *sweep_json; /* azk_free it */
};

/* What a certificate states; AZK_ERR_NOTFOUND when the dataset has not been through a run. */
AZK_NODISCARD azk_status azk_store__ret_cert_facts(azk_home *h, const char *dataset,
                                                   struct azk_store_cert_facts *out);

/*
 * State clean -> "certified", in one store write transaction; a dataset no
 * longer clean (another issuer certified it) is AZK_ERR_ARG. *batch_done (may be NULL) gets the
 * dataset's fingerprint batch file when every dataset of that batch is now certified (its files may
 * go), else NULL; azk_free it.
 */
AZK_NODISCARD azk_status azk_store__ret_certify(azk_home *h, const char *dataset,
                                                char **batch_done);

/* A certified deletion (strings borrowed for the callback). */
struct azk_store_certified {
    const char *dataset, *client, *deleted_at, *operator_name;
    uint64_t shred_index;
};
typedef azk_status (*azk_store_certified_cb)(const struct azk_store_certified *c, void *payload);

/* Certificates of a month: certified datasets deleted in `month` ("YYYY-MM"), by time. */
AZK_NODISCARD azk_status azk_store__ret_certified_in_month(azk_home *h, const char *month,
                                                           azk_store_certified_cb cb,
                                                           void *payload);

#endif
