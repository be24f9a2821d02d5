/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crypt/stream.h -- the one encrypted chunked stream of azukari (internal),
 * used by vault files, sealed notification lists (impact) and the guard's
 * request-body spool. Each user puts its own prefix in front (magic, key
 * id or sealed key); from the secretstream header on the bytes are the same
 * everywhere (docs/internals/CRYPT.md), integers big-endian:
 *
 *   secretstream header (24 bytes)
 *   then chunks: u32 ciphertext length | ciphertext
 *   (crypto_secretstream_xchacha20poly1305, at most AZK_CRYPT_CHUNK bytes of
 *    plaintext per chunk, no additional data; the last chunk is tagged
 *    FINAL and nothing follows it)
 *
 * A stream that ends before its FINAL chunk (truncated at or inside a
 * chunk), has bytes after it, a chunk length out of range or a chunk that
 * fails authentication is refused with AZK_ERR_INTEGRITY; plaintext handed
 * to a callback has always been authenticated first.
 */
#ifndef AZK_CRYPT_STREAM_H
#define AZK_CRYPT_STREAM_H

#include "util/util.h"

#define AZK_CRYPT_KEYBYTES    32
#define AZK_CRYPT_HEADERBYTES 24
#define AZK_CRYPT_ABYTES      17
#define AZK_CRYPT_CHUNK       ((size_t)64 * 1024)

/* Where the bytes go (ciphertext from a writer) or come out (plaintext from
 * a reader). A status other than AZK_OK stops the stream. */
typedef azk_status (*azk_crypt_cb)(const uint8_t *p, size_t n, void *payload);

/* write(2) all of p to fd (EINTR retried); errors say "<what>: write". */
AZK_NODISCARD azk_status azk_crypt__write_all(int fd, const void *p, size_t n, const char *what);

/* read(2) up to n bytes; *got < n only at end of file. */
AZK_NODISCARD azk_status azk_crypt__read_full(int fd, void *p, size_t n, size_t *got,
                                              const char *what);

struct azk_crypt_writer;

/* Start a stream under key: header receives the secretstream header (the
 * caller stores it, in its prefix or in memory). Ciphertext chunks go to
 * sink (NULL: written to the descriptor *(int *)payload); at most one
 * chunk of plaintext is held, in memory wiped on free.
 * `what` (a static string) names the stream in error messages. */
AZK_NODISCARD azk_status azk_crypt__writer_new(struct azk_crypt_writer **out, const char *what,
                                               const uint8_t key[AZK_CRYPT_KEYBYTES],
                                               uint8_t header[AZK_CRYPT_HEADERBYTES],
                                               azk_crypt_cb sink, void *payload);
/* Add plaintext; a full chunk is encrypted and sunk once more follows. */
AZK_NODISCARD azk_status azk_crypt__writer_write(struct azk_crypt_writer *w, const void *p,
                                                 size_t n);
/* Encrypt what is held as the FINAL chunk. Nothing may be written after. */
AZK_NODISCARD azk_status azk_crypt__writer_finish(struct azk_crypt_writer *w);
/* Chunks sunk so far, and the plaintext held back (borrowed, until the next
 * write): a stream that is never finished (the spool) replays them. */
uint64_t azk_crypt__writer_chunks(const struct azk_crypt_writer *w);
size_t azk_crypt__writer_pending(const struct azk_crypt_writer *w, const uint8_t **p);
/* Wipe and free (NULL-safe). */
void azk_crypt__writer_free(struct azk_crypt_writer *w);

struct azk_crypt_reader;

AZK_NODISCARD azk_status azk_crypt__reader_new(struct azk_crypt_reader **out, const char *what,
                                               const uint8_t key[AZK_CRYPT_KEYBYTES],
                                               const uint8_t header[AZK_CRYPT_HEADERBYTES]);
/* Read, check and decrypt the next chunk from fd: *plain (borrowed, valid
 * until the next call) and *len; *final when it carried the FINAL tag. A
 * chunk after the FINAL one, or the end of the file, is AZK_ERR_INTEGRITY. */
AZK_NODISCARD azk_status azk_crypt__reader_next(struct azk_crypt_reader *r, int fd,
                                                const uint8_t **plain, size_t *len, bool *final);
void azk_crypt__reader_free(struct azk_crypt_reader *r);

/* The whole stream from fd's current offset to its end: every chunk's
 * plaintext to cb, FINAL required, end of file required after it. */
AZK_NODISCARD azk_status azk_crypt__read(int fd, const char *what,
                                         const uint8_t key[AZK_CRYPT_KEYBYTES],
                                         const uint8_t header[AZK_CRYPT_HEADERBYTES],
                                         azk_crypt_cb cb, void *payload);

#endif
