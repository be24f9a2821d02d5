/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/fingerprint.h -- fingerprints of entrusted records for scanners
 * outside the closed zone: export from a home, load in a scanner. The file
 * holds, per field kind, truncated keyed hashes (buckets) of normalised
 * values with the row they belong to; it does not give the values back,
 * even with the scanning key (docs/threat-model-fingerprints.md).
 */
#ifndef AZUKARI_FINGERPRINT_H
#define AZUKARI_FINGERPRINT_H

#include "azukari/home.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct azk_fp_index azk_fp_index;

/** What an export wrote. */
typedef struct {
    uint64_t datasets; /**< datasets exported */
    uint64_t rows;     /**< entrusted rows */
    uint64_t entries;  /**< (bucket, row) entries over all kinds */
} azk_fp_export_info;

/**
 * Write the fingerprints of every active dataset (of `client`, or all when
 * NULL) to `path` (temporary name, then rename; mode 0644) and the scanning
 * key to `key_path` (mode 0600). Appends a ledger event.
 * @return AZK_OK, AZK_ERR_NOTFOUND (nothing to export), AZK_ERR_CRYPTO,
 *         AZK_ERR_IO, AZK_ERR_DB, AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_fingerprints_export(azk_home *h, const char *path,
                                                            const char *key_path,
                                                            const char *client,
                                                            azk_fp_export_info *info);

/**
 * Load a fingerprint file and its scanning key (32-byte file, mode 0600).
 * The file is checked whole (BLAKE2b) before use. Read-only afterwards:
 * share it between threads.
 * @return AZK_OK, AZK_ERR_IO, AZK_ERR_FORMAT, AZK_ERR_INTEGRITY, AZK_ERR_PERM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_fp_index_load(azk_fp_index **out, const char *path,
                                                      const char *key_path);

/**
 * As azk_fingerprints_export, for the given active datasets (retention
 * exports the fingerprints of the datasets it is about to delete, before
 * their keys are destroyed, for the sweep). Ids that are not active datasets
 * with fingerprints are skipped (compare info->datasets with count).
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_fingerprints_export_datasets(azk_home *h, const char *path,
                                                                     const char *key_path,
                                                                     const char *const *ids,
                                                                     size_t count,
                                                                     azk_fp_export_info *info);

/**
 * Rotate the home's scanning key: every active dataset's fingerprints are
 * re-made from the vault under a new key (decrypted in this process, never
 * written out), replaced in one catalog transaction (ledger event
 * "fingerprints.rotate" with the old and new key ids), and the old key's id
 * is appended to <home>/fingerprints.retired, so that guards loading their
 * policy from the home refuse exports made with it. Exports made before
 * must be made again (azk_fingerprints_export). A rotation that died is
 * finished by running it again; meanwhile intake and export refuse.
 * info (optional): datasets and rows re-made (entries 0).
 * @return AZK_OK, AZK_ERR_ARG (an intake or deletion ran meanwhile: run it
 *         again), AZK_ERR_CRYPTO, AZK_ERR_INTEGRITY, AZK_ERR_IO, AZK_ERR_DB,
 *         AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_fingerprints_rotate(azk_home *h, azk_fp_export_info *info);

/** Free a loaded index (NULL-safe). */
AZK_EXTERN void azk_fp_index_free(azk_fp_index *idx);

/** A stable id of the loaded file (its BLAKE2b-256), e.g. for caches. */
AZK_EXTERN void azk_fp_index_id(const azk_fp_index *idx, uint8_t out[32]);

/** Entrusted rows in the index. */
AZK_EXTERN uint64_t azk_fp_index_rows(const azk_fp_index *idx);

#ifdef __cplusplus
}
#endif

#endif
