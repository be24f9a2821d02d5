/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/db.h -- the catalog's schema: its version, the migrations this
 * library would apply, and applying them (`azukari db status|migrate`).
 * azk_home_open migrates an older catalog by itself; these functions show
 * and do it on purpose. See docs/catalog.md.
 *
 * Thread-safety: no shared state; each call opens and closes what it uses.
 */
#ifndef AZUKARI_DB_H
#define AZUKARI_DB_H

#include "azukari/common.h"

#ifdef __cplusplus
extern "C" {
#endif

#define AZK_CATALOG_INFO_VERSION 1

/** What azk_catalog_status found. */
typedef struct {
    unsigned int version; /**< AZK_CATALOG_INFO_VERSION (set by the caller: the INIT macro) */
    char catalog[1024];   /**< the catalog's printable name (a path, or a URL without password) */
    char backend[16];     /**< "sqlite" or "postgresql" */
    int schema_file;      /**< version in the catalog; 0 when it could not be read */
    int schema_binary;    /**< version this library creates and knows */
    int pending;          /**< migrations azk_home_open would apply (0 when current) */
    char keystore[1024];  /**< path of the home's keystore */
    int64_t key_count;    /**< wrapped keys in it; -1 when it does not exist yet */
} azk_catalog_info;

#define AZK_CATALOG_INFO_INIT                                                                      \
    {                                                                                              \
        AZK_CATALOG_INFO_VERSION, {0}, {0}, 0, 0, 0, {0}, 0                                        \
    }

/**
 * The schema of the home's catalog, read without the master key and without
 * writing anything.
 * @param[out] out filled as far as known, also on failure (version must be set)
 * @return AZK_OK; AZK_ERR_NOTFOUND (no home); AZK_ERR_FORMAT (not an azukari
 *         catalog); AZK_ERR_UNSUPPORTED (a schema newer than this library:
 *         out->schema_file says which); AZK_ERR_DB; AZK_ERR_ARG (bad version)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_catalog_status(const char *home, azk_catalog_info *out);

#define AZK_CATALOG_MIGRATION_VERSION 1

/** What azk_catalog_migrate did. */
typedef struct {
    unsigned int version; /**< AZK_CATALOG_MIGRATION_VERSION */
    int from;             /**< schema version before */
    int to;               /**< after; == from when nothing was pending */
    char backup[4096];    /**< the backup taken before migrating (SQLite), else "" */
    int64_t keys_moved;   /**< wrapped keys moved from the catalog into the keystore */
    int key_bytes_absent; /**< 1: the catalog files were searched, no moved key is in them */
    int scrub_retried;    /**< 1: an earlier migration's unfinished scrub was done again */
} azk_catalog_migration;

#define AZK_CATALOG_MIGRATION_INIT                                                                 \
    {                                                                                              \
        AZK_CATALOG_MIGRATION_VERSION, 0, 0, {0}, 0, 0, 0                                          \
    }

/**
 * Open the home (master key checked) and apply the pending migrations, as
 * azk_home_open does, reporting what was done.
 * @param passphrase NULL in key-file mode
 * @return as azk_home_open
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_catalog_migrate(const char *home, const char *passphrase,
                                                        size_t passphrase_len,
                                                        azk_catalog_migration *out);

#ifdef __cplusplus
}
#endif

#endif
