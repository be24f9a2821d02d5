/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard/spool.c -- an encrypted spool for request bodies the ICAP service
 * must echo back (a 200 answer when the client did not allow 204).
 *
 * Bodies may be of any size, so they cannot stay in memory; they must not
 * touch the disk as plaintext either. The spool is an anonymous file
 * (O_TMPFILE, else created and unlinked at once) holding the encrypted
 * chunked stream of crypt/stream.h under a random key that lives only in
 * this process's memory and is wiped on free. The stream is never
 * finished: the file holds the full chunks, the writer keeps the last (up
 * to one chunk) in memory, so a small body never reaches the file at all.
 * A replay reads back exactly the chunks written, none of them FINAL.
 */
#include "guard/guard_int.h"
#include "crypt/stream.h"

#include <fcntl.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct azk_guard_spool {
    int fd; /* -1 until the first chunk is written */
    char *dir;
    uint8_t key[AZK_CRYPT_KEYBYTES];
    uint8_t header[AZK_CRYPT_HEADERBYTES];
    struct azk_crypt_writer *cw;
    uint64_t size;
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

/* Sink of the writer: the file is made with the first chunk. */
static azk_status sink(const uint8_t *p, size_t n, void *payload)
{
    struct azk_guard_spool *s = payload;
    if (s->fd < 0) {
        azk_status rc = open_anon(s);
        if (rc != AZK_OK)
            return rc;
    }
    return azk_crypt__write_all(s->fd, p, n, "spool");
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
    if (s->dir == NULL) {
        azk_guard__spool_free(s);
        return azk_error_nomem();
    }
    randombytes_buf(s->key, sizeof(s->key));
    rc = azk_crypt__writer_new(&s->cw, "spool", s->key, s->header, sink, s);
    if (rc != AZK_OK) {
        azk_guard__spool_free(s);
        return rc;
    }
    *out = s;
    return AZK_OK;
}

azk_status azk_guard__spool_write(struct azk_guard_spool *s, const uint8_t *p, size_t n)
{
    azk_status rc = azk_crypt__writer_write(s->cw, p, n);
    if (rc == AZK_OK)
        s->size += n;
    return rc;
}

azk_status azk_guard__spool_replay(struct azk_guard_spool *s, azk_guard_spool_cb cb, void *payload)
{
    struct azk_crypt_reader *r = NULL;
    uint64_t chunks = azk_crypt__writer_chunks(s->cw);
    const uint8_t *p;
    size_t n;
    azk_status rc = AZK_OK;
    if (chunks > 0) {
        if (lseek(s->fd, 0, SEEK_SET) != 0)
            return azk_error_errno("spool: seek");
        rc = azk_crypt__reader_new(&r, "spool", s->key, s->header);
        if (rc != AZK_OK)
            return rc;
        for (uint64_t i = 0; i < chunks; i++) {
            bool final;
            rc = azk_crypt__reader_next(r, s->fd, &p, &n, &final);
            if (rc == AZK_OK && final)
                rc = azk_error_set(AZK_ERR_INTEGRITY, "spool: chunk %" PRIu64 " is final", i);
            if (rc == AZK_OK)
                rc = cb(p, n, payload);
            if (rc != AZK_OK)
                goto done;
        }
        /* the writer appends at the end of the file again */
        if (lseek(s->fd, 0, SEEK_END) < 0) {
            rc = azk_error_errno("spool: seek");
            goto done;
        }
    }
    n = azk_crypt__writer_pending(s->cw, &p);
    if (n > 0)
        rc = cb(p, n, payload);
done:
    azk_crypt__reader_free(r);
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
    azk_crypt__writer_free(s->cw);
    azk_free(s->dir);
    azk_free(s);
}
