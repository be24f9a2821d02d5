/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard/spool.c -- an encrypted spool for request bodies the ICAP service
 * must echo back (a 200 answer when the client did not allow 204).
 *
 * Bodies may be of any size, so they cannot stay in memory; they must not
 * touch the disk as plaintext either. The spool is an anonymous file
 * (O_TMPFILE, else created and unlinked at once) holding libsodium
 * secretstream (XChaCha20-Poly1305) chunks, u32be length | ciphertext,
 * under a random key that lives only in this process's memory and is wiped
 * on free. Up to one chunk of plaintext is buffered in memory; a small body
 * never reaches the file at all.
 */
#include "guard/guard_int.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SPOOL_CHUNK  (64u * 1024u)
#define SPOOL_ABYTES crypto_secretstream_xchacha20poly1305_ABYTES

struct azk_guard_spool {
    int fd; /* -1 until the first chunk is written */
    char *dir;
    uint8_t key[crypto_secretstream_xchacha20poly1305_KEYBYTES];
    uint8_t header[crypto_secretstream_xchacha20poly1305_HEADERBYTES];
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t *plain; /* SPOOL_CHUNK bytes, wiped on free */
    size_t plain_len;
    uint8_t *cipher; /* SPOOL_CHUNK + ABYTES */
    uint64_t size;
    uint64_t chunks;
};

static azk_status open_anon(struct azk_guard_spool *s)
{
    azk_buf path = AZK_BUF_INIT;
    azk_status rc;
    int fd;
#ifdef O_TMPFILE
    fd = open(s->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) {
        s->fd = fd;
        return AZK_OK;
    }
#endif
    rc = azk_buf_printf(&path, "%s/.azk-spool-XXXXXX", s->dir);
    if (rc != AZK_OK)
        return rc;
    fd = mkostemp((char *)path.data, O_CLOEXEC);
    if (fd < 0) {
        azk_buf_dispose(&path);
        return azk_error_errno("spool: create");
    }
    (void)unlink((const char *)path.data);
    azk_buf_dispose(&path);
    s->fd = fd;
    return AZK_OK;
}

azk_status azk_guard__spool_new(struct azk_guard_spool **out, const char *dir)
{
    struct azk_guard_spool *s;
    azk_status rc;
    *out = NULL;
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    s = azk_calloc(1, sizeof(*s));
    if (s == NULL)
        return azk_error_nomem();
    s->fd = -1;
    if (dir == NULL)
        dir = getenv("TMPDIR");
    if (dir == NULL || dir[0] == '\0')
        dir = "/tmp";
    s->dir = azk_strdup(dir);
    s->plain = azk_malloc(SPOOL_CHUNK);
    s->cipher = azk_malloc(SPOOL_CHUNK + SPOOL_ABYTES);
    if (s->dir == NULL || s->plain == NULL || s->cipher == NULL) {
        azk_guard__spool_free(s);
        return azk_error_nomem();
    }
    crypto_secretstream_xchacha20poly1305_keygen(s->key);
    if (crypto_secretstream_xchacha20poly1305_init_push(&s->st, s->header, s->key) != 0) {
        azk_guard__spool_free(s);
        return azk_error_set(AZK_ERR_CRYPTO, "spool: secretstream init failed");
    }
    *out = s;
    return AZK_OK;
}

static azk_status write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return azk_error_errno("spool: write");
        p += w;
        n -= (size_t)w;
    }
    return AZK_OK;
}

static azk_status flush_chunk(struct azk_guard_spool *s)
{
    unsigned long long clen = 0;
    uint8_t len_be[4];
    azk_status rc;
    if (s->fd < 0) {
        rc = open_anon(s);
        if (rc != AZK_OK)
            return rc;
    }
    if (crypto_secretstream_xchacha20poly1305_push(&s->st, s->cipher, &clen, s->plain, s->plain_len,
                                                   NULL, 0, 0) != 0)
        return azk_error_set(AZK_ERR_CRYPTO, "spool: encryption failed");
    len_be[0] = (uint8_t)(clen >> 24);
    len_be[1] = (uint8_t)(clen >> 16);
    len_be[2] = (uint8_t)(clen >> 8);
    len_be[3] = (uint8_t)clen;
    rc = write_all(s->fd, len_be, 4);
    if (rc == AZK_OK)
        rc = write_all(s->fd, s->cipher, (size_t)clen);
    sodium_memzero(s->plain, s->plain_len);
    s->plain_len = 0;
    s->chunks++;
    return rc;
}

azk_status azk_guard__spool_write(struct azk_guard_spool *s, const uint8_t *p, size_t n)
{
    azk_status rc;
    while (n > 0) {
        size_t room = SPOOL_CHUNK - s->plain_len;
        size_t take = n < room ? n : room;
        memcpy(s->plain + s->plain_len, p, take);
        s->plain_len += take;
        s->size += take;
        p += take;
        n -= take;
        if (s->plain_len == SPOOL_CHUNK) {
            rc = flush_chunk(s);
            if (rc != AZK_OK)
                return rc;
        }
    }
    return AZK_OK;
}

static azk_status read_all(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return azk_error_errno("spool: read");
        if (r == 0)
            return azk_error_set(AZK_ERR_INTEGRITY, "spool: truncated");
        p += r;
        n -= (size_t)r;
    }
    return AZK_OK;
}

azk_status azk_guard__spool_replay(struct azk_guard_spool *s, azk_guard_spool_cb cb, void *payload)
{
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t *plain = NULL;
    uint64_t i;
    azk_status rc = AZK_OK;
    if (s->chunks > 0) {
        if (lseek(s->fd, 0, SEEK_SET) != 0)
            return azk_error_errno("spool: seek");
        if (crypto_secretstream_xchacha20poly1305_init_pull(&st, s->header, s->key) != 0)
            return azk_error_set(AZK_ERR_CRYPTO, "spool: bad header");
        plain = azk_malloc(SPOOL_CHUNK);
        if (plain == NULL)
            return azk_error_nomem();
        for (i = 0; i < s->chunks; i++) {
            uint8_t len_be[4];
            uint32_t clen;
            unsigned long long plen = 0;
            unsigned char tag;
            rc = read_all(s->fd, len_be, 4);
            if (rc != AZK_OK)
                goto done;
            clen = (uint32_t)len_be[0] << 24 | (uint32_t)len_be[1] << 16 |
                   (uint32_t)len_be[2] << 8 | len_be[3];
            if (clen < SPOOL_ABYTES || clen > SPOOL_CHUNK + SPOOL_ABYTES) {
                rc = azk_error_set(AZK_ERR_INTEGRITY, "spool: bad chunk length");
                goto done;
            }
            rc = read_all(s->fd, s->cipher, clen);
            if (rc != AZK_OK)
                goto done;
            if (crypto_secretstream_xchacha20poly1305_pull(&st, plain, &plen, &tag, s->cipher, clen,
                                                           NULL, 0) != 0) {
                rc = azk_error_set(AZK_ERR_CRYPTO, "spool: chunk %" PRIu64 " fails authentication",
                                   i);
                goto done;
            }
            rc = cb(plain, (size_t)plen, payload);
            sodium_memzero(plain, (size_t)plen);
            if (rc != AZK_OK)
                goto done;
        }
    }
    if (s->plain_len > 0)
        rc = cb(s->plain, s->plain_len, payload);
done:
    azk_free_secret(plain, SPOOL_CHUNK);
    return rc;
}

uint64_t azk_guard__spool_size(const struct azk_guard_spool *s)
{
    return s->size;
}

void azk_guard__spool_free(struct azk_guard_spool *s)
{
    if (s == NULL)
        return;
    if (s->fd >= 0)
        close(s->fd);
    sodium_memzero(s->key, sizeof(s->key));
    sodium_memzero(&s->st, sizeof(s->st));
    azk_free_secret(s->plain, s->plain != NULL ? SPOOL_CHUNK : 0);
    azk_free(s->cipher);
    azk_free(s->dir);
    azk_free(s);
}
