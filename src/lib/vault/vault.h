/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault/vault.h -- encrypted files of a home (internal). Format
 * (docs/internals/VAULT.md), all integers big-endian:
 *
 *   "AZKV" | u8 version=1 | 3 zero bytes | master key id (16 bytes)
 *   | the encrypted chunked stream of crypt/stream.h (secretstream header,
 *     then u32 ciphertext length | ciphertext chunks of 64 KiB plaintext,
 *     the last chunk tagged FINAL, nothing after it)
 *
 * The file's data key is random; it is wrapped by the master key with
 * XChaCha20-Poly1305 (AEAD, additional data = "azukari vault v1" | uuid):
 * wrapped = nonce (24) | ciphertext (32 + 16) = 72 bytes, kept in the
 * catalog, not in the file: deleting it shreds the file.
 *
 * Only encrypted bytes touch the disk: the writer writes to
 * <home>/vault/.<uuid>.azv.tmp and renames to <uuid>.azv after fsync.
 */
#ifndef AZK_VAULT_INT_H
#define AZK_VAULT_INT_H

#include "crypt/stream.h"
#include "store/store.h"

#define AZK_VAULT_WRAPPED_LEN 72
#define AZK_VAULT_CHUNK       AZK_CRYPT_CHUNK

struct azk_vault_writer;

/* Start a vault file for uuid; *wrapped receives the wrapped data key. */
AZK_NODISCARD azk_status azk_vault__writer_new(struct azk_vault_writer **out, azk_home *h,
                                               const char *uuid,
                                               uint8_t wrapped[AZK_VAULT_WRAPPED_LEN]);
AZK_NODISCARD azk_status azk_vault__writer_write(struct azk_vault_writer *w, const void *p,
                                                 size_t n);
/* Final chunk, fsync, rename into place, fsync the directory; frees w (even on failure). */
AZK_NODISCARD azk_status azk_vault__writer_finish(struct azk_vault_writer *w);
/* Remove the temporary file and free (NULL-safe). */
void azk_vault__writer_abort(struct azk_vault_writer *w);

/* Plaintext sink of azk_vault__read. */
typedef azk_status (*azk_vault_data_cb)(const uint8_t *p, size_t n, void *payload);

/*
 * Decrypt <home>/vault/<uuid>.azv with the wrapped key, calling cb with
 * each authenticated chunk in order. A wrong key, a changed byte, a
 * truncated or extended file is AZK_ERR_CRYPTO / AZK_ERR_INTEGRITY, detected
 * before the chunk concerned is passed on; the caller must treat data
 * already passed as void when the call fails.
 */
AZK_NODISCARD azk_status azk_vault__read(azk_home *h, const char *uuid, const uint8_t *wrapped,
                                         size_t wrapped_len, azk_vault_data_cb cb, void *payload);

/* Unwrap the data key of uuid (AZK_ERR_CRYPTO when the master key is wrong). */
AZK_NODISCARD azk_status azk_vault__unwrap(const azk_home *h, const char *uuid,
                                           const uint8_t *wrapped, size_t wrapped_len,
                                           uint8_t dk[32]);

/*
 * Remove the temporaries of intakes that died (kill -9, power loss):
 * ".<uuid>.azv.tmp" files no live writer holds (the writer keeps an flock
 * until the file has its name). They are encrypted under a data key that
 * was never stored, so they are unreadable; each cleanup is logged and
 * recorded in the ledger ("vault.cleanup"). Called by azk_home_open.
 * Returns the number removed; never fails (what cannot be removed stays).
 */
size_t azk_vault__cleanup_tmp(azk_home *h);

/*
 * The window of an intake between naming its vault file and committing its
 * catalog row: a marker ".<uuid>.pending" in the vault directory, created
 * and locked by pending_begin, removed by pending_end when `settled` (the
 * intake committed, or removed its file and key), else only unlocked for
 * the next open to settle (fd < 0: nothing).
 * azk_vault__cleanup_orphans (called by azk_home_open; never fails) settles
 * markers no live intake holds: no dataset with that uuid -> the key is
 * destroyed and the vault file removed, recorded in the ledger
 * ("vault.cleanup"). vault/orphans.c.
 */
AZK_NODISCARD azk_status azk_vault__pending_begin(azk_home *h, const char *uuid, int *fd);
void azk_vault__pending_end(azk_home *h, const char *uuid, int fd, bool settled);
size_t azk_vault__cleanup_orphans(azk_home *h);

/* Path of the vault file of uuid (out cleared). */
AZK_NODISCARD azk_status azk_vault__path(azk_buf *out, const azk_home *h, const char *uuid);

/* ---- fingerprints of rows (vault/fprow.c): intake and key rotation -------- */

#include "decode/decode.h"
#include "match/fp.h"
#include "azukari/types.h"

/* Work buffers of azk_vault__fp_row (wiped by azk_vault__fp_row_dispose). */
struct azk_vault_fprow {
    azk_buf raw[AZK_FPS__COUNT];
    azk_buf norm;
};

/*
 * The fingerprint slots h[] of one table row whose columns have `kinds`
 * (ncols of them; has_name_col: a column holds the full name): each slot's
 * cells joined, normalised and hashed with hs (0 = absent). col_slot[i]
 * (optional, ncols entries) receives the slot of column i or -1.
 */
AZK_NODISCARD azk_status azk_vault__fp_row(struct azk_vault_fprow *b,
                                           const struct azk_fp_hasher *hs, const uint8_t *kinds,
                                           size_t ncols, bool has_name_col, const azk_record *rec,
                                           uint32_t h[AZK_FPS__COUNT], int8_t *col_slot);
void azk_vault__fp_row_dispose(struct azk_vault_fprow *b);

/* A dataset's column kinds as intake stored them (schema_json). */
struct azk_vault_schema {
    uint8_t *kinds; /* azk_column_kind per column */
    char **headers;
    size_t ncols;
};
#define AZK_VAULT_SCHEMA_MAX_COLS 4096
AZK_NODISCARD azk_status azk_vault__schema_parse(struct azk_vault_schema *s, const char *json,
                                                 const char *dataset);
void azk_vault__schema_dispose(struct azk_vault_schema *s);

#endif
