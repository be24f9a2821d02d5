/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/datasets.h -- the dataset lifecycle in the catalog, as operations
 * (internal): intake (dataset row, its encrypted fingerprints and the
 * ledger event, in one transaction), the record of an open, the encrypted
 * fingerprints read back for an export, and the catalog queries the
 * server needs (datasets of a client with their deadlines, the overdue
 * list). Callers never see SQL or a transaction; every function works on
 * either catalog backend (store/db.h). Retention's own state is in
 * store/retention_state.h.
 */
#ifndef AZK_STORE_DATASETS_H
#define AZK_STORE_DATASETS_H

#include "store/store.h"

/* A dataset being entrusted: everything its catalog row and ledger event hold. */
struct azk_store_intake {
    const char *dataset, *client, *uuid, *purpose, *retain_until;
    const char *schema_json, *source_name, *format, *encoding;
    uint64_t records, bytes;
    /* fingerprints, encrypted with the dataset's data key (shredding the key shreds them) */
    const char *fp_fields; /* comma-separated kinds present */
    const uint8_t *fp_nonce;
    size_t fp_nonce_len;
    const uint8_t *fp_data;
    size_t fp_data_len;
    /* ledger event "intake": objects client + dataset, reason = purpose */
    const char *ledger_extra; /* JSON object text */
    /* the scanning key the fingerprints were made with: checked in the transaction */
    const uint8_t *scan_key;
};

/*
 * Can `dataset` be entrusted by `client`? AZK_ERR_ARG "no client ..." or
 * "dataset ... already exists"; AZK_ERR_DB.
 */
AZK_NODISCARD azk_status azk_store__intake_check(azk_home *h, const char *client,
                                                 const char *dataset);

/*
 * Intake: the dataset row, its fingerprints and the ledger event "intake",
 * in one write transaction: all of them or none. The data key is not
 * here: it is in the keystore (store/keystore.h) before this is called. AZK_ERR_ARG when the id
 * is taken (two intakes of one id: one wins), AZK_ERR_DB, ledger errors.
 */
AZK_NODISCARD azk_status azk_store__dataset_intake(azk_home *h, const struct azk_store_intake *in);

/* What an open needs from the catalog. */
struct azk_store_opened {
    char uuid[40];
    char client[72];
};

/*
 * Record an open of an active dataset (table opens + ledger event
 * "vault.open", one transaction, committed before any byte is released).
 * AZK_ERR_NOTFOUND when there is no such dataset or it is not active
 * (its key is destroyed).
 */
AZK_NODISCARD azk_status azk_store__dataset_open(azk_home *h, const char *dataset,
                                                 const char *reason, struct azk_store_opened *out);

/* One dataset's encrypted fingerprints (borrowed, valid during the callback). */
struct azk_store_fp {
    const char *dataset, *client, *uuid;
    uint64_t records;
    const uint8_t *nonce;
    size_t nonce_len;
    const uint8_t *data;
    size_t data_len;
};
typedef azk_status (*azk_store_fp_cb)(const struct azk_store_fp *fp, void *payload);

/*
 * The fingerprints of the active datasets, ordered by client then id: of
 * one client (client != NULL), of the datasets `ids` (ids != NULL; ids
 * not active or without fingerprints are skipped), or all. A callback
 * error stops the walk and is returned.
 */
AZK_NODISCARD azk_status azk_store__fingerprints_each(azk_home *h, const char *client,
                                                      const char *const *ids, size_t id_count,
                                                      azk_store_fp_cb cb, void *payload);

/* A dataset's new fingerprints after a key rotation. */
struct azk_store_fp_new {
    const char *dataset;
    const uint8_t *nonce;
    size_t nonce_len;
    const uint8_t *data;
    size_t data_len;
};

/*
 * Key rotation: every active dataset's fingerprints replaced and the
 * ledger event "fingerprints.rotate" (extra_json), one write transaction.
 * AZK_ERR_ARG when the active datasets with fingerprints are not exactly
 * `items` any more (an intake or a deletion ran meanwhile: nothing changed).
 */
AZK_NODISCARD azk_status azk_store__fingerprints_replace(azk_home *h,
                                                         const struct azk_store_fp_new *items,
                                                         size_t n, const char *extra_json);

/* Is there a dataset with this vault uuid? (a vault file without one is an orphan) */
AZK_NODISCARD azk_status azk_store__dataset_uuid_known(azk_home *h, const char *uuid, bool *yes);

/* Has the dataset a fingerprint row? */
AZK_NODISCARD azk_status azk_store__fingerprints_present(azk_home *h, const char *dataset,
                                                         bool *yes);

/* A dataset with its deadline and where retention has taken it. */
struct azk_store_deadline {
    const char *dataset, *client, *retain_until;
    const char *state;     /* datasets.state: active, shredded */
    const char *ret_state; /* retention step, NULL when none */
    bool held;
};
typedef azk_status (*azk_store_deadline_cb)(const struct azk_store_deadline *d, void *payload);

/* The datasets of a client (NULL: all) with their deadlines, earliest deadline first. */
AZK_NODISCARD azk_status azk_store__datasets_by_deadline(azk_home *h, const char *client,
                                                         azk_store_deadline_cb cb, void *payload);

/*
 * The overdue list: datasets whose deadline is before `today`
 * (YYYY-MM-DD) and that no certificate closes yet (still active, or a
 * retention run not finished), earliest deadline first.
 */
AZK_NODISCARD azk_status azk_store__datasets_overdue(azk_home *h, const char *today,
                                                     azk_store_deadline_cb cb, void *payload);

#endif
