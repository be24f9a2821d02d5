/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/framing.c -- what every listener of azukari serve (the web UI and
 * its plain-HTTP redirect, http.c and listen.c; the agents' listener,
 * agents_listen.c) checks of a request's body framing when its headers
 * arrive, before any handler runs, and the one rule for how much of a
 * refused body is read.
 *
 * Framing (RFC 9112 section 6.3): a request whose body length two readers
 * could read differently is refused with 400 and its connection closed. A
 * proxy in front that believes Content-Length while libmicrohttpd believes
 * Transfer-Encoding (MHD prefers chunked) would see one request where the
 * server sees two: request smuggling. Refused: Transfer-Encoding together
 * with Content-Length; any Transfer-Encoding but exactly one "chunked";
 * several Content-Length headers with different values; a Content-Length
 * that is not a decimal number.
 */
#include "serve/serve_int.h"

#include <microhttpd.h>
#include <string.h>
#include <strings.h>

struct framing {
    unsigned te_count, cl_count;
    bool te_other, cl_bad, cl_differ;
    const char *cl_first;
};

/* The value without the spaces and tabs around it: [*b, *e). */
static void trim(const char *v, const char **b, const char **e)
{
    const char *s = v, *t = v + strlen(v);
    while (s < t && (*s == ' ' || *s == '\t'))
        s++;
    while (t > s && (t[-1] == ' ' || t[-1] == '\t'))
        t--;
    *b = s;
    *e = t;
}

static enum MHD_Result one_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                  const char *value)
{
    struct framing *f = cls;
    const char *b, *e;
    (void)kind;
    if (key == NULL)
        return MHD_YES;
    trim(value != NULL ? value : "", &b, &e);
    if (strcasecmp(key, "Transfer-Encoding") == 0) {
        f->te_count++;
        if ((size_t)(e - b) != 7 || strncasecmp(b, "chunked", 7) != 0)
            f->te_other = true;
    } else if (strcasecmp(key, "Content-Length") == 0) {
        f->cl_count++;
        if (b == e || strspn(b, "0123456789") != (size_t)(e - b))
            f->cl_bad = true;
        if (f->cl_first == NULL) {
            f->cl_first = value;
        } else {
            const char *fb, *fe;
            trim(f->cl_first, &fb, &fe);
            if (fe - fb != e - b || memcmp(fb, b, (size_t)(e - b)) != 0)
                f->cl_differ = true;
        }
    }
    return MHD_YES;
}

const char *azk_serve__framing_bad(struct MHD_Connection *c)
{
    struct framing f;
    memset(&f, 0, sizeof(f));
    (void)MHD_get_connection_values(c, MHD_HEADER_KIND, one_header, &f);
    if (f.te_count > 0 && f.cl_count > 0)
        return "both Content-Length and Transfer-Encoding";
    if (f.te_count > 1 || f.te_other)
        return "a Transfer-Encoding other than chunked";
    if (f.cl_bad)
        return "a Content-Length that is not a number";
    if (f.cl_differ)
        return "Content-Length given twice with different values";
    return NULL;
}

uint64_t azk_serve__drain_max(size_t body_max)
{
    return body_max < AZK_SERVE_DRAIN_MIN / 2 ? AZK_SERVE_DRAIN_MIN : 2 * (uint64_t)body_max;
}
