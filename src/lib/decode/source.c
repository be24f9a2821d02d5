/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/source.c -- pull sources the decode stage reads objects through:
 * a file descriptor (read() loop with EINTR retry, size-change detection),
 * a memory buffer (tests, fuzzers), and the peek wrapper that holds an
 * object's first bytes back for sniffing and encoding detection.
 */
#include "decode/decode_int.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

/* ---- file descriptor ------------------------------------------------------- */

static azk_status fd_read(void *vctx, uint8_t *buf, size_t cap, size_t *got)
{
    struct azk_fd_source *s = vctx;
    ssize_t n;
    *got = 0;
    if (cap == 0 || (s->no_read_at_end && s->pos == s->size))
        return AZK_OK;
    do {
        n = read(s->fd, buf, cap);
    } while (n < 0 && errno == EINTR);
    if (n < 0)
        return azk_error_errno("read");
    if (s->size >= 0) {
        if (n == 0 && s->pos < s->size)
            return azk_error_set(AZK_ERR_IO, "file shrank while read (%lld of %lld bytes read)",
                                 (long long)s->pos, (long long)s->size);
        if (s->pos + n > s->size)
            return azk_error_set(AZK_ERR_IO, "file grew while read (beyond %lld bytes)",
                                 (long long)s->size);
    }
    s->pos += n;
    *got = (size_t)n;
    return AZK_OK;
}

static azk_status fd_seek(void *vctx, int64_t offset, int whence, int64_t *pos)
{
    struct azk_fd_source *s = vctx;
    off_t r = lseek(s->fd, (off_t)offset, whence);
    if (r < 0)
        return azk_error_errno("lseek");
    s->pos = (int64_t)r;
    *pos = (int64_t)r;
    return AZK_OK;
}

static void source_fd_init(azk_source *src, struct azk_fd_source *state, int fd, int64_t size)
{
    memset(src, 0, sizeof(*src));
    state->fd = fd;
    state->size = size;
    state->pos = 0;
    state->no_read_at_end = false;
    src->read = fd_read;
    src->ctx = state;
    src->size = size;
    src->seek = NULL;
}

void azk_decode__source_fd(azk_source *src, struct azk_fd_source *state, int fd, int64_t size)
{
    source_fd_init(src, state, fd, size);
    /* seek offsets are object offsets: only when the object starts at 0 */
    if (size >= 0 && lseek(fd, 0, SEEK_CUR) == 0)
        src->seek = fd_seek;
}

void azk_decode__source_fd_opened(azk_source *src, struct azk_fd_source *state, int fd,
                                  int64_t size)
{
    source_fd_init(src, state, fd, size);
    if (size >= 0)
        src->seek = fd_seek;
    state->no_read_at_end = size > 0;
}

/* ---- memory ------------------------------------------------------------------ */

static azk_status mem_read(void *vctx, uint8_t *buf, size_t cap, size_t *got)
{
    struct azk_mem_source *m = vctx;
    size_t n = m->len - m->pos;
    if (n > cap)
        n = cap;
    if (n > 0)
        memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    *got = n;
    return AZK_OK;
}

static azk_status mem_seek(void *vctx, int64_t offset, int whence, int64_t *pos)
{
    struct azk_mem_source *m = vctx;
    int64_t base = 0;
    if (whence == SEEK_CUR)
        base = (int64_t)m->pos;
    else if (whence == SEEK_END)
        base = (int64_t)m->len;
    if (offset < -base || base + offset > (int64_t)m->len)
        return azk_error_set(AZK_ERR_IO, "seek out of range");
    m->pos = (size_t)(base + offset);
    *pos = (int64_t)m->pos;
    return AZK_OK;
}

void azk_decode__source_mem(azk_source *src, struct azk_mem_source *state, const void *data,
                            size_t len)
{
    memset(src, 0, sizeof(*src));
    state->data = data;
    state->len = len;
    state->pos = 0;
    src->read = mem_read;
    src->ctx = state;
    src->size = (int64_t)len;
    src->seek = mem_seek;
}

/* ---- peek -------------------------------------------------------------------- */

static azk_status peek_read(void *vctx, uint8_t *buf, size_t cap, size_t *got)
{
    struct azk_peek *pk = vctx;
    azk_status rc;
    *got = 0;
    if (!pk->passthru && pk->pos < pk->len) {
        size_t n = pk->len - pk->pos;
        if (n > cap)
            n = cap;
        memcpy(buf, pk->buf + pk->pos, n);
        pk->pos += n;
        pk->logical += (int64_t)n;
        *got = n;
        return AZK_OK;
    }
    if (pk->eof && !pk->passthru)
        return AZK_OK;
    rc = pk->src->read(pk->src->ctx, buf, cap, got);
    if (rc != AZK_OK)
        return rc;
    if (*got == 0 && !pk->passthru)
        pk->eof = true;
    pk->logical += (int64_t)*got;
    return AZK_OK;
}

static azk_status peek_seek(void *vctx, int64_t offset, int whence, int64_t *pos)
{
    struct azk_peek *pk = vctx;
    int64_t target;
    azk_status rc;
    if (whence == SEEK_SET)
        target = offset;
    else if (whence == SEEK_CUR)
        target = pk->logical + offset;
    else if (pk->src->size >= 0)
        target = pk->src->size + offset;
    else
        return azk_error_set(AZK_ERR_IO, "seek from end of a source of unknown size");
    if (target < 0)
        return azk_error_set(AZK_ERR_IO, "seek before start");
    /* From the first seek on, the underlying source serves every byte. */
    rc = pk->src->seek(pk->src->ctx, target, SEEK_SET, pos);
    if (rc != AZK_OK)
        return rc;
    pk->passthru = true;
    pk->logical = *pos;
    return AZK_OK;
}

void *azk_decode__spare_take(uint8_t **slot, size_t size)
{
    uint8_t *p;
    if (slot == NULL || *slot == NULL)
        return azk_malloc(size);
    p = *slot;
    *slot = NULL;
    return p;
}

void azk_decode__spare_give(uint8_t **slot, void *p)
{
    if (slot != NULL && *slot == NULL)
        *slot = p;
    else
        azk_free(p);
}

void azk_decode__spare_dispose(struct azk_decode_spare *sp)
{
    azk_free(sp->peek);
    azk_free(sp->in);
    azk_free(sp->out);
    azk_free(sp->csv_starts);
    azk_free(sp->csv_fields);
    azk_buf_dispose(&sp->reveal_bytes);
    azk_buf_dispose(&sp->reveal_text);
    memset(sp, 0, sizeof(*sp));
}

azk_status azk_decode__peek_init(struct azk_peek *pk, azk_source *src, uint8_t **spare)
{
    azk_status rc;
    memset(pk, 0, sizeof(*pk));
    pk->src = src;
    pk->spare = spare;
    pk->buf = azk_decode__spare_take(spare, AZK_DECODE_PEEK);
    if (pk->buf == NULL)
        return azk_error_nomem();
    while (pk->len < AZK_DECODE_PEEK) {
        size_t got = 0;
        rc = src->read(src->ctx, pk->buf + pk->len, AZK_DECODE_PEEK - pk->len, &got);
        if (rc != AZK_OK)
            return rc;
        if (got == 0) {
            pk->eof = true;
            break;
        }
        pk->len += got;
    }
    pk->as_source.read = peek_read;
    pk->as_source.ctx = pk;
    pk->as_source.size = src->size;
    pk->as_source.seek = src->seek != NULL ? peek_seek : NULL;
    return AZK_OK;
}

azk_status azk_decode__peek_drop(struct azk_peek *pk, size_t n)
{
    azk_status rc;
    if (n > pk->len)
        n = pk->len;
    memmove(pk->buf, pk->buf + n, pk->len - n);
    pk->len -= n;
    pk->pos = 0;
    pk->logical = 0;
    /* offsets inside the object no longer match the underlying source */
    pk->as_source.seek = NULL;
    pk->as_source.size = -1;
    while (!pk->eof && pk->len < AZK_DECODE_PEEK) {
        size_t got = 0;
        rc = pk->src->read(pk->src->ctx, pk->buf + pk->len, AZK_DECODE_PEEK - pk->len, &got);
        if (rc != AZK_OK)
            return rc;
        if (got == 0)
            pk->eof = true;
        pk->len += got;
    }
    return AZK_OK;
}

void azk_decode__peek_dispose(struct azk_peek *pk)
{
    if (pk->buf != NULL)
        azk_decode__spare_give(pk->spare, pk->buf);
    pk->buf = NULL;
}
