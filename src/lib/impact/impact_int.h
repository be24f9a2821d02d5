/* SPDX-License-Identifier: Apache-2.0 */
/*
 * impact/impact_int.h -- internals of the impact module: the sealed
 * notification-list writer (seal.c) and date arithmetic (report.c).
 *
 * Notification list file (docs/impact.md), integers big-endian:
 *   "AZKN" | u8 version=1 | 3 zero bytes
 *   | crypto_box_seal(stream key, client public key) (32 + 48 bytes)
 *   | the encrypted chunked stream of crypt/stream.h (secretstream header,
 *     then u32 ciphertext length | ciphertext chunks of at most 64 KiB
 *     plaintext, the last one tagged FINAL, nothing after it)
 * Only ciphertext reaches the disk: plaintext is buffered in memory (wiped).
 */
#ifndef AZK_IMPACT_INT_H
#define AZK_IMPACT_INT_H

#include "util/util.h"
#include "norm/datetime.h"
#include "azukari/impact.h"

struct azk_impact_sealer;

/* Read a 32-byte key file (raw or 64 hex digits, optional newline). */
AZK_NODISCARD azk_status azk_impact__read_key(const char *path, uint8_t key[32]);

/* Start a list at path (an outfile: temporary, mode 0600, renamed at finish). */
AZK_NODISCARD azk_status azk_impact__sealer_new(struct azk_impact_sealer **out, const char *path,
                                                const uint8_t pk[32]);
AZK_NODISCARD azk_status azk_impact__sealer_write(struct azk_impact_sealer *s, const void *p,
                                                  size_t n);
/* Final chunk, fsync, rename; frees s (even on failure). */
AZK_NODISCARD azk_status azk_impact__sealer_finish(struct azk_impact_sealer *s);
/* Remove the temporary file and free (NULL-safe). */
void azk_impact__sealer_abort(struct azk_impact_sealer *s);

/* 0 = Sunday ... 6 = Saturday. */
int azk_impact__weekday(int64_t days);

#endif
