/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/vault.h -- taking entrusted files into the vault (intake) and
 * streaming them out to a production job (open). Files are stored
 * encrypted (XChaCha20-Poly1305 secretstream) under their own key, wrapped
 * by the home's master key; see docs/internals/VAULT.md.
 * Thread-safety: as the azk_home handle.
 */
#ifndef AZUKARI_VAULT_H
#define AZUKARI_VAULT_H

#include "azukari/home.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Options of azk_intake. */
typedef struct {
    size_t struct_size;       /**< set by AZK_INTAKE_OPTIONS_INIT: the version of this struct */
    const char *client;       /**< existing client id (required) */
    const char *dataset;      /**< new dataset id, unique in the home (required) */
    const char *purpose;      /**< why the data is held (required, not empty) */
    const char *retain_until; /**< deadline, YYYY-MM-DD or any form norm reads; not past */
    /** Column mapping "HEADER=KIND,HEADER=KIND" (KIND: azk_column_kind_name or
     *  "other"/"none" to take a column as not personal); NULL = headers only. */
    const char *map;
    const char *encoding;    /**< force the encoding ("cp932"...), NULL = detect */
    const char *source_name; /**< name recorded for the file (base name), required */
} azk_intake_options;

#define AZK_INTAKE_OPTIONS_INIT                                                                    \
    {                                                                                              \
        .struct_size = sizeof(azk_intake_options)                                                  \
    }

/** What intake stored. */
typedef struct {
    uint64_t records;  /**< data rows */
    uint64_t bytes;    /**< file size */
    size_t columns;    /**< columns of the header */
    size_t personal;   /**< columns mapped to a personal kind */
    char format[16];   /**< "csv", "tsv", "xlsx" */
    char encoding[32]; /**< as detected or forced */
    char uuid[37];     /**< vault file id */
} azk_intake_result;

/**
 * Take the file read from `fd` (a CSV/TSV/xlsx with a header row, in any
 * encoding the scanner decodes) into the vault as dataset o->dataset of
 * client o->client. The catalog records schema, record count, purpose,
 * deadline, who and when in one transaction, and a ledger event "intake"
 * is appended. On any failure nothing is left: no catalog row, no vault
 * file (it appears by atomic rename only when complete). Error messages
 * name rows, columns and headers, never a cell value.
 * @return AZK_OK; AZK_ERR_ARG (options: unknown client, existing dataset,
 *         past deadline, bad --map), AZK_ERR_FORMAT (not a table, empty,
 *         ragged rows, duplicate or unknown headers, undecodable bytes),
 *         AZK_ERR_LIMIT (a cell too long), AZK_ERR_IO, AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_intake(azk_home *h, int fd, const azk_intake_options *o,
                                               azk_intake_result *res);

/**
 * The checks of azk_intake that need neither the file nor the home: required
 * options, dataset id syntax, purpose, deadline (a date, not past), --map
 * syntax and kinds, encoding name. azk_intake applies them too; front ends
 * call this first so that a bad option is a usage error with nothing touched.
 * @return AZK_OK, AZK_ERR_ARG (message says which option), AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_intake_check_options(const azk_intake_options *o);

/** Receives decrypted bytes of azk_vault_open. */
typedef azk_status (*azk_vault_write_cb)(const uint8_t *p, size_t n, void *payload);

/**
 * Decrypt dataset `dataset` and pass its bytes (the file exactly as
 * entrusted) to cb, in order. The open is recorded in the catalog and the
 * ledger ("vault.open", who, when, reason) before any byte is released.
 * Authentication failures (wrong key, changed or truncated file) stop the
 * stream with AZK_ERR_CRYPTO / AZK_ERR_INTEGRITY: bytes already passed
 * must then be discarded by the consumer (the command exits non-zero).
 * @param reason why the file is opened (required, recorded)
 * @return AZK_OK, AZK_ERR_NOTFOUND, AZK_ERR_ARG, AZK_ERR_CRYPTO,
 *         AZK_ERR_INTEGRITY, AZK_ERR_IO, or cb's error
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vault_open(azk_home *h, const char *dataset,
                                                   const char *reason, azk_vault_write_cb cb,
                                                   void *payload);

/**
 * Decrypt dataset `dataset` into the new file `path`, with every rule of a
 * plaintext copy in one place: the open is recorded first (as
 * azk_vault_open); the file is written in the target's directory as an
 * unnamed 0600 file (or an O_EXCL temporary), fsynced, registered as an
 * artifact of the dataset (retention deletes it with the dataset), and only
 * then linked to `path`. An existing `path` (a file, a symbolic link) is
 * refused, never replaced or followed. On any failure (disk full, failed
 * authentication, registration) no copy is left, the registration is
 * withdrawn, and the ledger event "vault.export" says "failed" with the
 * error code; on success it says "ok". The ledger never holds the path.
 * @return AZK_OK; AZK_ERR_ARG (path exists; no reason), AZK_ERR_PERM,
 *         AZK_ERR_NOTFOUND, AZK_ERR_CRYPTO, AZK_ERR_INTEGRITY, AZK_ERR_IO,
 *         AZK_ERR_DB. If only the final ledger append fails, the file is in
 *         place and registered and that error is returned.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vault_export_to_file(azk_home *h, const char *dataset,
                                                             const char *reason, const char *path);

#ifdef __cplusplus
}
#endif

#endif
