/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard/http.c -- reading the HTTP request headers that an ICAP client
 * encapsulates (RFC 9112 section 3 and 5): header lookup, the destination
 * host (absolute-form target or Host), the multipart boundary
 * (RFC 2046 5.1.1). Untrusted input: every read is bounded by `len`.
 */
#include "guard/guard_int.h"

#include <ctype.h>
#include <string.h>
#include <strings.h>

/* Iterate header lines after the request line; calls fn for each field. */
static const uint8_t *next_line(const uint8_t *p, const uint8_t *end, const uint8_t **line_end)
{
    const uint8_t *lf = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
    if (lf == NULL) {
        *line_end = end;
        return end;
    }
    *line_end = (lf > p && lf[-1] == '\r') ? lf - 1 : lf;
    return lf + 1;
}

static bool field_match(const uint8_t *l, const uint8_t *le, const char *name,
                        const uint8_t **vstart, const uint8_t **vend)
{
    size_t nl = strlen(name);
    if ((size_t)(le - l) <= nl || l[nl] != ':' || strncasecmp((const char *)l, name, nl) != 0)
        return false;
    l += nl + 1;
    while (l < le && (*l == ' ' || *l == '\t'))
        l++;
    while (le > l && (le[-1] == ' ' || le[-1] == '\t'))
        le--;
    *vstart = l;
    *vend = le;
    return true;
}

bool azk_http__header(const uint8_t *hdr, size_t len, const char *name, char *out, size_t cap)
{
    const uint8_t *end = hdr + len, *p = hdr, *le;
    if (cap == 0)
        return false;
    out[0] = '\0';
    if (hdr == NULL || len == 0)
        return false;
    p = next_line(p, end, &le); /* request line */
    while (p < end) {
        const uint8_t *l = p, *vs, *ve;
        p = next_line(p, end, &le);
        if (le == l)
            break;
        if (field_match(l, le, name, &vs, &ve)) {
            size_t n = (size_t)(ve - vs);
            if (n >= cap)
                n = cap - 1;
            memcpy(out, vs, n);
            out[n] = '\0';
            return true;
        }
    }
    return false;
}

size_t azk_http__header_count(const uint8_t *hdr, size_t len, const char *name)
{
    const uint8_t *end = hdr + len, *p = hdr, *le;
    size_t count = 0;
    p = next_line(p, end, &le);
    while (p < end) {
        const uint8_t *l = p, *vs, *ve;
        p = next_line(p, end, &le);
        if (le == l)
            break;
        if (field_match(l, le, name, &vs, &ve))
            count++;
    }
    return count;
}

/* Copy host[:port] or [v6]:port from s[0..n) without port and brackets, lower-cased. */
static bool copy_host(const char *s, size_t n, char *out, size_t cap)
{
    size_t i, o = 0;
    const char *e = s + n;
    /* drop userinfo */
    for (i = n; i > 0; i--) {
        if (s[i - 1] == '@') {
            s += i;
            break;
        }
    }
    n = (size_t)(e - s);
    if (n > 0 && s[0] == '[') {
        const char *rb = memchr(s, ']', n);
        if (rb == NULL)
            return false;
        s++;
        n = (size_t)(rb - s);
    } else {
        const char *colon = memchr(s, ':', n);
        if (colon != NULL)
            n = (size_t)(colon - s);
    }
    if (n == 0 || n >= cap)
        return false;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c <= ' ' || c == '/' || c == '\\' || c >= 0x7f)
            return false;
        out[o++] = (char)tolower(c);
    }
    out[o] = '\0';
    return true;
}

bool azk_http__request_host(const uint8_t *hdr, size_t len, char *out, size_t cap)
{
    const uint8_t *le, *sp1, *sp2;
    char h[512];
    if (hdr == NULL || len == 0)
        return false;
    (void)next_line(hdr, hdr + len, &le);
    sp1 = memchr(hdr, ' ', (size_t)(le - hdr));
    if (sp1 != NULL) {
        sp1++;
        sp2 = memchr(sp1, ' ', (size_t)(le - sp1));
        if (sp2 != NULL) {
            size_t tn = (size_t)(sp2 - sp1);
            const char *t = (const char *)sp1;
            const char *scheme_end = NULL;
            size_t k;
            for (k = 0; k + 3 <= tn && k < 16; k++) {
                if (t[k] == ':' && t[k + 1] == '/' && t[k + 2] == '/') {
                    scheme_end = t + k;
                    break;
                }
            }
            if (scheme_end != NULL) {
                const char *a = scheme_end + 3, *ae = a;
                while (ae < (const char *)sp2 && *ae != '/' && *ae != '?' && *ae != '#')
                    ae++;
                return copy_host(a, (size_t)(ae - a), out, cap);
            }
            if (tn > 0 && t[0] != '/' && t[0] != '*') {
                /* authority-form (CONNECT host:port) */
                return copy_host(t, tn, out, cap);
            }
        }
    }
    if (!azk_http__header(hdr, len, "Host", h, sizeof(h)))
        return false;
    return copy_host(h, strlen(h), out, cap);
}

bool azk_http__multipart_boundary(const char *ctype, char *out, size_t cap)
{
    const char *p = ctype;
    size_t n = 0;
    if (strncasecmp(p, "multipart/", 10) != 0)
        return false;
    while (*p != '\0') {
        p = strchr(p, ';');
        if (p == NULL)
            return false;
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "boundary", 8) != 0)
            continue;
        p += 8;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p != '=')
            continue;
        p++;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '"') {
            p++;
            while (p[n] != '\0' && p[n] != '"')
                n++;
            if (p[n] != '"')
                return false;
        } else {
            while (p[n] != '\0' && p[n] != ';' && p[n] != ' ' && p[n] != '\t')
                n++;
        }
        /* RFC 2046: 1 to 70 characters */
        if (n == 0 || n > 70 || n >= cap)
            return false;
        memcpy(out, p, n);
        out[n] = '\0';
        return true;
    }
    return false;
}
