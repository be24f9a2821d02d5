/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/image.c -- images (PNG, JPEG, GIF) are leaf objects without text:
 * their structure is walked to its end marker and the object must end
 * there. An "image" with anything behind its end (text, an archive, a
 * second file glued on) is not an image: it is a format error of the
 * object, so the guard's content policy for images never lets it pass.
 * The format field names the image ("png", "jpeg", "gif").
 *
 * Structures (only what finds the end; pixels are not decoded):
 *   PNG  (ISO/IEC 15948, 5.2-5.3): signature, chunks of length|type|data|CRC,
 *        IEND last; chunk lengths are below 2^31.
 *   JPEG (ITU-T T.81, B.1): SOI, marker segments with a 2-byte length,
 *        entropy-coded data after SOS up to the next marker other than
 *        RSTn or a stuffed 0xFF00, EOI last. Fill bytes 0xFF are allowed.
 *   GIF  (GIF89a spec, 17-27): header, logical screen descriptor and
 *        optional global colour table, then extensions (0x21) and images
 *        (0x2C) of data sub-blocks, trailer 0x3B last.
 * Everything is read through the object's stream (bounded by the
 * dispatcher's limits), so a pipe is read to its end.
 */
#include "decode/decode_int.h"

#include <stdio.h>
#include <string.h>

struct br {
    azk_source *src;
    uint8_t buf[16384];
    size_t pos, len;
    bool eof;
};

/* Next byte into *c; false at the end of the stream (rc holds an I/O error). */
static bool br_byte(struct br *b, uint8_t *c, azk_status *rc)
{
    if (b->pos == b->len) {
        size_t got = 0;
        if (b->eof)
            return false;
        *rc = b->src->read(b->src->ctx, b->buf, sizeof(b->buf), &got);
        if (*rc != AZK_OK || got == 0) {
            b->eof = true;
            return false;
        }
        b->pos = 0;
        b->len = got;
    }
    *c = b->buf[b->pos++];
    return true;
}

static bool br_get(struct br *b, uint8_t *out, size_t n, azk_status *rc)
{
    for (size_t i = 0; i < n; i++) {
        if (!br_byte(b, &out[i], rc))
            return false;
    }
    return true;
}

static bool br_skip(struct br *b, uint64_t n, azk_status *rc)
{
    while (n > 0) {
        size_t have = b->len - b->pos, take;
        uint8_t c;
        if (have == 0) {
            if (!br_byte(b, &c, rc))
                return false;
            n--;
            continue;
        }
        take = have < n ? have : (size_t)n;
        b->pos += take;
        n -= take;
    }
    return true;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Each walker returns true when the end marker was read; false on a truncated or bad stream. */

static bool walk_png(struct br *b, azk_status *rc)
{
    uint8_t h[8];
    if (!br_get(b, h, 8, rc) || memcmp(h, "\x89PNG\r\n\x1a\n", 8) != 0)
        return false;
    for (;;) {
        uint32_t len;
        if (!br_get(b, h, 8, rc))
            return false;
        len = be32(h);
        if (len > 0x7fffffffu)
            return false;
        if (!br_skip(b, (uint64_t)len + 4u, rc))
            return false;
        if (memcmp(h + 4, "IEND", 4) == 0)
            return true;
    }
}

static bool walk_jpeg(struct br *b, azk_status *rc)
{
    uint8_t h[2], m;
    if (!br_get(b, h, 2, rc) || h[0] != 0xFF || h[1] != 0xD8)
        return false;
    for (;;) {
        /* a marker: 0xFF (fill bytes allowed), then its code */
        if (!br_byte(b, &m, rc) || m != 0xFF)
            return false;
        do {
            if (!br_byte(b, &m, rc))
                return false;
        } while (m == 0xFF);
        if (m == 0xD9)
            return true; /* EOI */
        if (m == 0x01 || (m >= 0xD0 && m <= 0xD7))
            continue; /* TEM, RSTn: no length */
        if (m == 0x00 || m == 0xD8)
            return false;
        if (!br_get(b, h, 2, rc) || ((unsigned)h[0] << 8 | h[1]) < 2)
            return false;
        if (!br_skip(b, ((unsigned)h[0] << 8 | h[1]) - 2u, rc))
            return false;
        if (m != 0xDA)
            continue;
        /* entropy-coded data after SOS: up to a marker that is not 0xFF00 or RSTn */
        for (;;) {
            if (!br_byte(b, &m, rc))
                return false;
            if (m != 0xFF)
                continue;
            do {
                if (!br_byte(b, &m, rc))
                    return false;
            } while (m == 0xFF);
            if (m == 0x00 || (m >= 0xD0 && m <= 0xD7))
                continue; /* stuffed 0xFF or a restart marker: still data */
            if (m == 0xD9)
                return true;
            if (m == 0x01)
                break;
            if (m == 0xD8)
                return false;
            if (!br_get(b, h, 2, rc) || ((unsigned)h[0] << 8 | h[1]) < 2)
                return false;
            if (!br_skip(b, ((unsigned)h[0] << 8 | h[1]) - 2u, rc))
                return false;
            if (m != 0xDA)
                break; /* back to marker segments */
        }
    }
}

static bool gif_subblocks(struct br *b, azk_status *rc)
{
    uint8_t n;
    for (;;) {
        if (!br_byte(b, &n, rc))
            return false;
        if (n == 0)
            return true;
        if (!br_skip(b, n, rc))
            return false;
    }
}

static bool walk_gif(struct br *b, azk_status *rc)
{
    uint8_t h[13], c;
    if (!br_get(b, h, 13, rc) || memcmp(h, "GIF8", 4) != 0)
        return false;
    if ((h[10] & 0x80) && !br_skip(b, 3u << ((h[10] & 7) + 1), rc))
        return false;
    for (;;) {
        if (!br_byte(b, &c, rc))
            return false;
        if (c == 0x3B)
            return true;
        if (c == 0x21) {
            if (!br_byte(b, &c, rc) || !gif_subblocks(b, rc))
                return false;
        } else if (c == 0x2C) {
            uint8_t d[9];
            if (!br_get(b, d, 9, rc))
                return false;
            if ((d[8] & 0x80) && !br_skip(b, 3u << ((d[8] & 7) + 1), rc))
                return false;
            if (!br_byte(b, &c, rc) || !gif_subblocks(b, rc))
                return false;
        } else {
            return false;
        }
    }
}

azk_status azk_decode__image(struct azk_decode_ctx *ctx, struct azk_peek *pk, const char *name,
                             unsigned depth)
{
    struct br *b;
    azk_status rc = AZK_OK;
    bool ended;
    uint64_t trailing = 0;
    int64_t pos = 0;
    uint8_t c;
    if (pk->as_source.seek == NULL) {
        /* a stream read once (a member of an archive): its bytes are carved,
         * and without a second reading it is no known image */
        return azk_decode__carve(ctx, &pk->as_source, depth);
    }
    b = azk_calloc(1, sizeof(*b));
    if (b == NULL)
        return azk_error_nomem();
    b->src = &pk->as_source;
    if (strcmp(name, "png") == 0)
        ended = walk_png(b, &rc);
    else if (strcmp(name, "jpeg") == 0)
        ended = walk_jpeg(b, &rc);
    else
        ended = walk_gif(b, &rc);
    if (rc != AZK_OK)
        goto done;
    /* read to the end: what follows the image is counted, never interpreted here */
    if (ended) {
        while (br_byte(b, &c, &rc)) {
            trailing += b->len - b->pos + 1;
            b->pos = b->len;
        }
        if (rc != AZK_OK)
            goto done;
    }
    /* read it all again as a binary: text in comments or behind the end, an
     * archive glued on (decode/carve.c); format "binary" unless pure */
    rc = pk->as_source.seek(pk->as_source.ctx, 0, SEEK_SET, &pos);
    if (rc != AZK_OK)
        goto done;
    rc = azk_decode__carve(ctx, &pk->as_source, depth);
    if (rc == AZK_OK && ended && trailing == 0)
        azk_decode__format(ctx, name, NULL);
done:
    azk_free(b);
    return rc;
}
