/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/keystore.h -- the home's keystore: every wrapped data key (a
 * dataset's vault key, a guard item's spool key) lives here, in a local
 * SQLite file <home>/keys/keystore.db (0600, secure_delete on, WAL
 * truncated after every destruction), never in the catalog. The catalog
 * may be a shared PostgreSQL that is replicated, backed up and kept in WAL,
 * where a key could never be proven destroyed; the keystore is one file on
 * the closed-zone host, so a certificate's key-destruction evidence keeps
 * meaning what it says. See docs/catalog.md, "What lives where".
 *
 * Keys are wrapped (AEAD under the master key) before they get here; the
 * keystore never sees a clear key.
 */
#ifndef AZK_STORE_KEYSTORE_H
#define AZK_STORE_KEYSTORE_H

#include "store/store.h"

/* Owner kinds of a key */
#define AZK_KEY_DATASET "dataset" /* id = dataset uuid */
#define AZK_KEY_GUARD   "guard"   /* id = guard item id */

/* What a destruction did, for the certificate. */
typedef struct {
    char file[64];      /* "keys/keystore.db" */
    bool wal_truncated; /* wal_checkpoint(TRUNCATE) succeeded */
    bool bytes_absent; /* the wrapped bytes were searched for in the keystore files and not found */
} azk_key_evidence;

/* Store a wrapped key; AZK_ERR_ARG if (kind, id) already has one. */
AZK_NODISCARD azk_status azk_store__key_put(azk_home *h, const char *kind, const char *id,
                                            const uint8_t *wrapped, size_t len);
/* Fetch a wrapped key into *out (free with azk_free_secret(*out, *len)); AZK_ERR_NOTFOUND
 * when there is none (never stored, or destroyed). */
AZK_NODISCARD azk_status azk_store__key_get(azk_home *h, const char *kind, const char *id,
                                            uint8_t **out, size_t *len);
/* Destroy a wrapped key for good (secure_delete, WAL truncate, search for its bytes).
 * Destroying an absent key is AZK_OK with ev->bytes_absent checked all the same
 * (a run resumed after a crash). ev may be NULL. */
AZK_NODISCARD azk_status azk_store__key_destroy(azk_home *h, const char *kind, const char *id,
                                                azk_key_evidence *ev);
/*
 * (azk_store__key_destroy: when the bytes may remain, because another
 * connection kept the WAL from being truncated, ev says so and the result
 * is AZK_ERR_INTEGRITY; the row is gone all the same, and a retry, which
 * finds the key absent, rebuilds the file and checks the WAL again.)
 */

/* Call cb for every key held, in (kind, id) order; cb's status other than AZK_OK stops
 * and is returned. The bytes are borrowed for the call. */
typedef azk_status (*azk_store__key_cb)(const char *kind, const char *id, const uint8_t *wrapped,
                                        size_t len, void *payload);
AZK_NODISCARD azk_status azk_store__key_each(azk_home *h, azk_store__key_cb cb, void *payload);
/* Number of keys held (for `azukari db status`). */
AZK_NODISCARD azk_status azk_store__key_count(azk_home *h, int64_t *count);
/* Keys in the keystore of the home at `home`, read-only and without the master key;
 * -1 when there is no keystore yet (`azukari db status`). */
AZK_NODISCARD azk_status azk_store__keystore_peek(const char *home, int64_t *count);
/* out = <home>/keys/keystore.db */
AZK_NODISCARD azk_status azk_store__keystore_path(const azk_home *h, azk_buf *out);
/* Close the keystore connection, if open (azk_home_close does). */
void azk_store__keystore_close(azk_home *h);
/* Does the file at path hold the n bytes of needle? An absent file holds nothing. */
AZK_NODISCARD azk_status azk_store__file_contains(const char *path, const uint8_t *needle, size_t n,
                                                  bool *found);

#endif
