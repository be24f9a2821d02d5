/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/home.h -- the azukari home directory: its SQLite catalog, its
 * master key and the clients whose data is held in trust.
 *
 * Layout (see docs/internals/VAULT.md):
 *   <home>/catalog.db        SQLite catalog (WAL), schema versioned (azukari/db.h)
 *   <home>/keys/keystore.db  wrapped data keys (never in the catalog; docs/catalog.md)
 *   <home>/keys/master.key   32 random bytes, mode 0600 (key-file mode), or
 *   <home>/keys/master.pwhash Argon2id parameters and salt (passphrase mode)
 *   <home>/vault/<uuid>.azv  encrypted entrusted files
 *   <home>/ledger/, <home>/keys/ledger.*  audit ledger (azukari/audit.h)
 *
 * Thread-safety: an azk_home handle is used by one thread at a time.
 */
#ifndef AZUKARI_HOME_H
#define AZUKARI_HOME_H

#include "azukari/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct azk_home azk_home;

/** Options of azk_home_init. */
typedef struct {
    /** NULL: key-file mode. Else derive the master key with Argon2id. */
    const char *passphrase;
    size_t passphrase_len;
    /** Argon2id limits (0 = libsodium's INTERACTIVE values). */
    unsigned long long opslimit;
    size_t memlimit;
    /** Who runs the command, for the catalog and ledger (NULL = OS user). */
    const char *actor;
} azk_home_init_options;

#define AZK_HOME_INIT_OPTIONS_INIT                                                                 \
    {                                                                                              \
        NULL, 0, 0, 0, NULL                                                                        \
    }

/**
 * Create a new home at `path` (created 0700 if absent; it must hold no
 * catalog yet): catalog, master key, vault directory and the audit ledger.
 * Nothing is left behind on failure.
 * @return AZK_OK, AZK_ERR_ARG (already a home), AZK_ERR_IO, AZK_ERR_DB,
 *         AZK_ERR_CRYPTO
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_home_init(const char *path,
                                                  const azk_home_init_options *opts);

/** True when the home at path uses a passphrase (not a key file). */
AZK_EXTERN int azk_home_uses_passphrase(const char *path);

/**
 * Open a home. The master key is loaded (key file: must be a regular file
 * owned by the caller and unreadable by others) or derived from the
 * passphrase, and checked against the key id in the catalog. A catalog of
 * an older schema is then migrated (azukari/db.h: backup first, ledger
 * event `catalog.migrate`).
 * @param[out] out handle, close with azk_home_close
 * @param passphrase NULL for key-file mode
 * @return AZK_OK, AZK_ERR_NOTFOUND (no home), AZK_ERR_PERM (key file mode),
 *         AZK_ERR_CRYPTO (wrong passphrase or key), AZK_ERR_FORMAT (catalog.db
 *         is not an azukari catalog), AZK_ERR_UNSUPPORTED (its schema is newer
 *         than this library), AZK_ERR_INTEGRITY (a migration could not prove
 *         moved keys gone from the catalog files), AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_home_open(azk_home **out, const char *path,
                                                  const char *passphrase, size_t passphrase_len);

/** Close and wipe the key (NULL-safe). */
AZK_EXTERN void azk_home_close(azk_home *h);

/** The home's directory (borrowed). */
AZK_EXTERN const char *azk_home_path(const azk_home *h);

/** Set who acts through this handle (copied; NULL = OS user). */
AZK_EXTERN AZK_NODISCARD azk_status azk_home_set_actor(azk_home *h, const char *actor);

/* ---- clients ------------------------------------------------------------ */

typedef struct {
    const char *id;         /**< short id, [a-z0-9][a-z0-9._-]{0,63} */
    const char *name;       /**< display name (organisation), may be "" */
    const char *created_at; /**< ISO 8601 UTC */
    const char *created_by;
    uint64_t dataset_count;
} azk_client_info;

/**
 * Add a client. Records a ledger event "client.add".
 * @return AZK_OK, AZK_ERR_ARG (bad id or it exists), AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_client_add(azk_home *h, const char *id, const char *name);

typedef azk_status (*azk_client_cb)(const azk_client_info *c, void *payload);

/** List clients by id; the info is borrowed for the callback only. */
AZK_EXTERN AZK_NODISCARD azk_status azk_client_list(azk_home *h, azk_client_cb cb, void *payload);

#ifdef __cplusplus
}
#endif

#endif
