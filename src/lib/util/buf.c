/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/buf.c -- growable byte buffer (curl dynbuf, libgit2 git_str) and the
 * bounds-checked reader every decoder parses through (ClamAV fmap).
 */
#include "util/util.h"

#include <stdio.h>
#include <string.h>

azk_status azk_buf_grow(azk_buf *b, size_t extra)
{
    size_t need, ncap;
    uint8_t *nd;
    if (azk_add_overflow(&need, b->len, extra) || azk_add_overflow(&need, need, 1))
        return azk_error_set(AZK_ERR_LIMIT, "buffer size overflow");
    if (b->max != 0 && need - 1 > b->max)
        return azk_error_set(AZK_ERR_LIMIT, "buffer limit of %zu bytes reached", b->max);
    if (need <= b->cap)
        return AZK_OK;
    ncap = b->cap < 64 ? 64 : b->cap;
    while (ncap < need) {
        if (azk_mul_overflow(&ncap, ncap, 2))
            return azk_error_set(AZK_ERR_LIMIT, "buffer size overflow");
    }
    nd = azk_realloc(b->data, ncap);
    if (nd == NULL)
        return azk_error_nomem();
    b->data = nd;
    b->cap = ncap;
    b->data[b->len] = '\0';
    return AZK_OK;
}

azk_status azk_buf_put(azk_buf *b, const void *p, size_t n)
{
    azk_status rc = azk_buf_grow(b, n);
    if (rc != AZK_OK)
        return rc;
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return AZK_OK;
}

azk_status azk_buf_puts(azk_buf *b, const char *s)
{
    return azk_buf_put(b, s, strlen(s));
}

azk_status azk_buf_putc(azk_buf *b, int c)
{
    uint8_t ch = (uint8_t)c;
    return azk_buf_put(b, &ch, 1);
}

azk_status azk_buf_put_i64(azk_buf *b, int64_t v)
{
    char t[24];
    size_t i = sizeof(t);
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        t[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u != 0);
    if (v < 0)
        t[--i] = '-';
    return azk_buf_put(b, t + i, sizeof(t) - i);
}

azk_status azk_buf_printf(azk_buf *b, const char *fmt, ...)
{
    va_list ap, ap2;
    int n;
    azk_status rc;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        va_end(ap2);
        return azk_error_set(AZK_ERR_ARG, "bad format");
    }
    rc = azk_buf_grow(b, (size_t)n);
    if (rc != AZK_OK) {
        va_end(ap2);
        return rc;
    }
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    b->len += (size_t)n;
    return AZK_OK;
}

void azk_buf_consume(azk_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
    }
    if (b->data != NULL)
        b->data[b->len] = '\0';
}

void azk_buf_dispose(azk_buf *b)
{
    azk_free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void azk_buf_dispose_secret(azk_buf *b)
{
    azk_free_secret(b->data, b->cap);
    b->data = NULL;
    b->len = b->cap = 0;
}

char *azk_buf_detach(azk_buf *b)
{
    char *p = (char *)b->data;
    if (p == NULL)
        p = azk_strdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

/* ---- reader ---- */

static azk_status short_read(const azk_reader *r, size_t n)
{
    return azk_error_set(AZK_ERR_FORMAT, "truncated: need %zu bytes at offset %zu, %zu left", n,
                         r->pos, r->len - r->pos);
}

azk_status azk_reader_skip(azk_reader *r, size_t n)
{
    if (azk_reader_left(r) < n)
        return short_read(r, n);
    r->pos += n;
    return AZK_OK;
}

azk_status azk_reader_bytes(azk_reader *r, size_t n, const uint8_t **out)
{
    if (azk_reader_left(r) < n)
        return short_read(r, n);
    *out = r->ptr + r->pos;
    r->pos += n;
    return AZK_OK;
}

azk_status azk_reader_u8(azk_reader *r, uint8_t *out)
{
    if (azk_reader_left(r) < 1)
        return short_read(r, 1);
    *out = r->ptr[r->pos++];
    return AZK_OK;
}

#define READ_INT(name, type, n, expr)                                                              \
    azk_status name(azk_reader *r, type *out)                                                      \
    {                                                                                              \
        const uint8_t *p;                                                                          \
        if (azk_reader_left(r) < (n))                                                              \
            return short_read(r, (n));                                                             \
        p = r->ptr + r->pos;                                                                       \
        *out = (expr);                                                                             \
        r->pos += (n);                                                                             \
        return AZK_OK;                                                                             \
    }

READ_INT(azk_reader_u16le, uint16_t, 2, (uint16_t)(p[0] | (p[1] << 8)))
READ_INT(azk_reader_u16be, uint16_t, 2, (uint16_t)(p[1] | (p[0] << 8)))
READ_INT(azk_reader_u32le, uint32_t, 4,
         (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24))
READ_INT(azk_reader_u32be, uint32_t, 4,
         (uint32_t)p[3] | ((uint32_t)p[2] << 8) | ((uint32_t)p[1] << 16) | ((uint32_t)p[0] << 24))
READ_INT(azk_reader_u64be, uint64_t, 8,
         ((uint64_t)p[0] << 56) | ((uint64_t)p[1] << 48) | ((uint64_t)p[2] << 40) |
             ((uint64_t)p[3] << 32) | ((uint64_t)p[4] << 24) | ((uint64_t)p[5] << 16) |
             ((uint64_t)p[6] << 8) | (uint64_t)p[7])

/* ---- UTF-8 ---- */

size_t azk_utf8_decode(const uint8_t *s, size_t n, uint32_t *cp)
{
    uint32_t c = s[0];
    size_t len, i;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2;
        c &= 0x1F;
        min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3;
        c &= 0x0F;
        min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    if (n < len) {
        *cp = 0xFFFD;
        return 1;
    }
    for (i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        c = (c << 6) | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
        *cp = 0xFFFD;
        return 1;
    }
    *cp = c;
    return len;
}

size_t azk_utf8_encode(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    } else if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    } else if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

bool azk_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = azk_utf8_decode(s + i, n - i, &cp);
        if (cp == 0xFFFD && l == 1 && s[i] != 0xEF)
            return false;
        if (cp == 0xFFFD && l == 1) {
            /* U+FFFD itself is EF BF BD (3 bytes); a 1-byte result is invalid */
            return false;
        }
        i += l;
    }
    return true;
}

azk_status azk_buf_put_escaped_name(azk_buf *b, const char *s, size_t n)
{
    const uint8_t *u = (const uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t l, run = i;
        azk_status rc;
        /* a run of ASCII other than a backslash is itself: copied at once */
        while (run < n && u[run] < 0x80 && u[run] != '\\')
            run++;
        if (run > i) {
            rc = azk_buf_put(b, u + i, run - i);
            if (rc != AZK_OK)
                return rc;
            i = run;
            continue;
        }
        l = azk_utf8_decode(u + i, n - i, &cp);
        if (l == 1 && cp == 0xFFFD) {
            rc = azk_buf_printf(b, "\\x%02X", u[i]);
        } else if (cp == '\\') {
            rc = azk_buf_puts(b, "\\\\");
        } else {
            rc = azk_buf_put(b, u + i, l);
        }
        if (rc != AZK_OK)
            return rc;
        i += l;
    }
    return AZK_OK;
}
