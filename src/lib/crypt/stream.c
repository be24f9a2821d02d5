/* SPDX-License-Identifier: Apache-2.0 */
/*
 * crypt/stream.c -- the encrypted chunked stream of crypt/stream.h: writer
 * (buffer a chunk, encrypt, frame with its length), reader (frame, length
 * bounds, authenticate, FINAL tag, nothing after it) and the descriptor
 * loops both use. The one copy of this format in the library.
 */
#include "crypt/stream.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CT_MAX (AZK_CRYPT_CHUNK + AZK_CRYPT_ABYTES)

_Static_assert(AZK_CRYPT_KEYBYTES == crypto_secretstream_xchacha20poly1305_KEYBYTES, "key size");
_Static_assert(AZK_CRYPT_HEADERBYTES == crypto_secretstream_xchacha20poly1305_HEADERBYTES,
               "header size");
_Static_assert(AZK_CRYPT_ABYTES == crypto_secretstream_xchacha20poly1305_ABYTES, "tag size");

struct azk_crypt_writer {
    const char *what;
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t *plain; /* AZK_CRYPT_CHUNK, wiped */
    size_t plain_len;
    uint8_t *frame; /* u32be length | ciphertext */
    uint64_t chunks;
    bool finished;
    azk_crypt_cb sink;
    void *payload;
};

struct azk_crypt_reader {
    const char *what;
    crypto_secretstream_xchacha20poly1305_state st;
    uint8_t *ct;    /* CT_MAX */
    uint8_t *plain; /* AZK_CRYPT_CHUNK, wiped */
    size_t plain_len;
    uint64_t chunk; /* index of the next chunk */
    bool final;
};

azk_status azk_crypt__write_all(int fd, const void *p, size_t n, const char *what)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            char m[64];
            snprintf(m, sizeof(m), "%s: write", what);
            return azk_error_errno(m);
        }
        b += w;
        n -= (size_t)w;
    }
    return AZK_OK;
}

azk_status azk_crypt__read_full(int fd, void *p, size_t n, size_t *got, const char *what)
{
    uint8_t *b = p;
    *got = 0;
    while (*got < n) {
        ssize_t r = read(fd, b + *got, n - *got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            char m[64];
            snprintf(m, sizeof(m), "%s: read", what);
            return azk_error_errno(m);
        }
        if (r == 0)
            break;
        *got += (size_t)r;
    }
    return AZK_OK;
}

void azk_crypt__writer_free(struct azk_crypt_writer *w)
{
    if (w == NULL)
        return;
    azk_free_secret(w->plain, w->plain != NULL ? AZK_CRYPT_CHUNK : 0);
    azk_free(w->frame);
    sodium_memzero(&w->st, sizeof(w->st));
    azk_free(w);
}

azk_status azk_crypt__writer_new(struct azk_crypt_writer **out, const char *what,
                                 const uint8_t key[AZK_CRYPT_KEYBYTES],
                                 uint8_t header[AZK_CRYPT_HEADERBYTES], azk_crypt_cb sink,
                                 void *payload)
{
    struct azk_crypt_writer *w;
    AZK_ASSERT_ARG(out != NULL && what != NULL && key != NULL && header != NULL &&
                   (sink != NULL || payload != NULL));
    *out = NULL;
    w = azk_calloc(1, sizeof(*w));
    if (w == NULL)
        return azk_error_nomem();
    w->what = what;
    w->sink = sink;
    w->payload = payload;
    w->plain = azk_malloc(AZK_CRYPT_CHUNK);
    w->frame = azk_malloc(4 + CT_MAX);
    if (w->plain == NULL || w->frame == NULL) {
        azk_crypt__writer_free(w);
        return azk_error_nomem();
    }
    if (crypto_secretstream_xchacha20poly1305_init_push(&w->st, header, key) != 0) {
        azk_crypt__writer_free(w);
        return azk_error_set(AZK_ERR_CRYPTO, "%s: secretstream init failed", what);
    }
    *out = w;
    return AZK_OK;
}

static azk_status push(struct azk_crypt_writer *w, unsigned char tag)
{
    unsigned long long cl = 0;
    if (crypto_secretstream_xchacha20poly1305_push(&w->st, w->frame + 4, &cl, w->plain,
                                                   w->plain_len, NULL, 0, tag) != 0)
        return azk_error_set(AZK_ERR_CRYPTO, "%s: encryption failed", w->what);
    sodium_memzero(w->plain, w->plain_len);
    w->plain_len = 0;
    w->frame[0] = (uint8_t)(cl >> 24);
    w->frame[1] = (uint8_t)(cl >> 16);
    w->frame[2] = (uint8_t)(cl >> 8);
    w->frame[3] = (uint8_t)cl;
    w->chunks++;
    if (w->sink == NULL)
        return azk_crypt__write_all(*(const int *)w->payload, w->frame, 4 + (size_t)cl, w->what);
    return w->sink(w->frame, 4 + (size_t)cl, w->payload);
}

azk_status azk_crypt__writer_write(struct azk_crypt_writer *w, const void *p, size_t n)
{
    const uint8_t *b = p;
    AZK_ASSERT_ARG(w != NULL && !w->finished && (p != NULL || n == 0));
    while (n > 0) {
        size_t take;
        if (w->plain_len == AZK_CRYPT_CHUNK) {
            /* full and more to come: not the final chunk */
            azk_status rc = push(w, 0);
            if (rc != AZK_OK)
                return rc;
        }
        take = AZK_CRYPT_CHUNK - w->plain_len;
        if (take > n)
            take = n;
        memcpy(w->plain + w->plain_len, b, take);
        w->plain_len += take;
        b += take;
        n -= take;
    }
    return AZK_OK;
}

azk_status azk_crypt__writer_finish(struct azk_crypt_writer *w)
{
    AZK_ASSERT_ARG(w != NULL && !w->finished);
    w->finished = true;
    return push(w, crypto_secretstream_xchacha20poly1305_TAG_FINAL);
}

uint64_t azk_crypt__writer_chunks(const struct azk_crypt_writer *w)
{
    return w->chunks;
}

size_t azk_crypt__writer_pending(const struct azk_crypt_writer *w, const uint8_t **p)
{
    *p = w->plain;
    return w->plain_len;
}

void azk_crypt__reader_free(struct azk_crypt_reader *r)
{
    if (r == NULL)
        return;
    azk_free_secret(r->plain, r->plain != NULL ? AZK_CRYPT_CHUNK : 0);
    azk_free(r->ct);
    sodium_memzero(&r->st, sizeof(r->st));
    azk_free(r);
}

azk_status azk_crypt__reader_new(struct azk_crypt_reader **out, const char *what,
                                 const uint8_t key[AZK_CRYPT_KEYBYTES],
                                 const uint8_t header[AZK_CRYPT_HEADERBYTES])
{
    struct azk_crypt_reader *r;
    AZK_ASSERT_ARG(out != NULL && what != NULL && key != NULL && header != NULL);
    *out = NULL;
    r = azk_calloc(1, sizeof(*r));
    if (r == NULL)
        return azk_error_nomem();
    r->what = what;
    r->ct = azk_malloc(CT_MAX);
    r->plain = azk_malloc(AZK_CRYPT_CHUNK);
    if (r->ct == NULL || r->plain == NULL) {
        azk_crypt__reader_free(r);
        return azk_error_nomem();
    }
    if (crypto_secretstream_xchacha20poly1305_init_pull(&r->st, header, key) != 0) {
        azk_crypt__reader_free(r);
        return azk_error_set(AZK_ERR_INTEGRITY, "%s: bad stream header", what);
    }
    *out = r;
    return AZK_OK;
}

azk_status azk_crypt__reader_next(struct azk_crypt_reader *r, int fd, const uint8_t **plain,
                                  size_t *len, bool *final)
{
    uint8_t lb[4];
    uint32_t cl;
    size_t got;
    unsigned long long pl = 0;
    unsigned char tag = 0;
    azk_status rc;
    unsigned long long idx = (unsigned long long)r->chunk;

    *plain = NULL;
    *len = 0;
    *final = false;
    if (r->final)
        return azk_error_set(AZK_ERR_INTEGRITY, "%s: data after the final chunk", r->what);
    sodium_memzero(r->plain, r->plain_len);
    r->plain_len = 0;
    rc = azk_crypt__read_full(fd, lb, 4, &got, r->what);
    if (rc != AZK_OK)
        return rc;
    if (got != 4)
        return azk_error_set(AZK_ERR_INTEGRITY, "%s: truncated after chunk %llu", r->what, idx);
    cl = (uint32_t)lb[0] << 24 | (uint32_t)lb[1] << 16 | (uint32_t)lb[2] << 8 | lb[3];
    if (cl < AZK_CRYPT_ABYTES || cl > CT_MAX)
        return azk_error_set(AZK_ERR_INTEGRITY, "%s: bad length of chunk %llu", r->what, idx);
    rc = azk_crypt__read_full(fd, r->ct, cl, &got, r->what);
    if (rc != AZK_OK)
        return rc;
    if (got != cl)
        return azk_error_set(AZK_ERR_INTEGRITY, "%s: truncated in chunk %llu", r->what, idx);
    if (crypto_secretstream_xchacha20poly1305_pull(&r->st, r->plain, &pl, &tag, r->ct, cl, NULL,
                                                   0) != 0)
        return azk_error_set(AZK_ERR_INTEGRITY, "%s: chunk %llu fails authentication", r->what,
                             idx);
    r->chunk++;
    r->plain_len = (size_t)pl;
    r->final = tag == crypto_secretstream_xchacha20poly1305_TAG_FINAL;
    *plain = r->plain;
    *len = r->plain_len;
    *final = r->final;
    return AZK_OK;
}

azk_status azk_crypt__read(int fd, const char *what, const uint8_t key[AZK_CRYPT_KEYBYTES],
                           const uint8_t header[AZK_CRYPT_HEADERBYTES], azk_crypt_cb cb,
                           void *payload)
{
    struct azk_crypt_reader *r = NULL;
    azk_status rc;
    bool final = false;

    AZK_ASSERT_ARG(what != NULL && cb != NULL);
    rc = azk_crypt__reader_new(&r, what, key, header);
    if (rc != AZK_OK)
        return rc;
    while (!final) {
        const uint8_t *p;
        size_t n;
        rc = azk_crypt__reader_next(r, fd, &p, &n, &final);
        if (rc != AZK_OK)
            goto done;
        if (final) {
            /* nothing may follow the final chunk: checked before its plaintext is handed on */
            uint8_t extra;
            size_t got;
            rc = azk_crypt__read_full(fd, &extra, 1, &got, what);
            if (rc != AZK_OK)
                goto done;
            if (got != 0) {
                rc = azk_error_set(AZK_ERR_INTEGRITY, "%s: data after the final chunk", what);
                goto done;
            }
        }
        if (n > 0) {
            rc = cb(p, n, payload);
            if (rc != AZK_OK)
                goto done;
        }
    }
done:
    azk_crypt__reader_free(r);
    return rc;
}
