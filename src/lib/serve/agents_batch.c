/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/agents_batch.c -- reading what an agent sends: a batch of
 * per-object results (zlib-compressed JSON, RFC 1950, inflated with a
 * size bound) checked whole before the caller ingests anything (the
 * check of a sweep policy: agents_policy.c). Untrusted input:
 * fuzz/agent_batch_fuzzer.c.
 *
 * Batch: {"batch_id": 32 lowercase hex, "created_at": Unix seconds,
 *   "lost_objects": n >= 0, "objects": [{"path": s, "size": n, "mtime": n,
 *   "format": s|null, "counts": {type: n}, "examples": [s], "edm":
 *   [{"client": id, "dataset": id, "records": n}], "score": number,
 *   "error": s|null}]}. Unknown fields are refused (a typo must not pass
 * silently), and so is a field given twice. Messages name the field,
 * never a value.
 *
 * The JSON is read by a strict reader made for this one document (RFC
 * 8259: UTF-8 checked, escapes and surrogate pairs decoded, \u0000 and
 * control characters refused as jansson refuses them, integers that do not
 * fit 64 bits refused) that checks each field as it reads it and writes
 * the decoded strings and the counts/examples/edm texts into one buffer:
 * no tree, no allocation per value (jansson's tree was ~45% of the
 * server's CPU per batch, bench/README.md). Member names are matched with
 * azk_serve__agent_key_index, the table lookup of the other agent parsers.
 */
#include "serve/agents_int.h"
#include "serve/agents_meta.h"

#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

azk_status azk_serve__agent_inflate(const uint8_t *in, size_t len, azk_buf *out)
{
    z_stream z;
    uint8_t chunk[16384];
    int zr = Z_OK;
    azk_status rc = AZK_OK;
    memset(&z, 0, sizeof(z));
    if (len > UINT32_MAX)
        return azk_error_set(AZK_ERR_LIMIT, "batch: body too large");
    if (inflateInit(&z) != Z_OK)
        return azk_error_nomem();
    z.next_in = (Bytef *)(uintptr_t)in;
    z.avail_in = (uInt)len;
    out->max = AZK_AGENT_MAX_INFLATED;
    while (rc == AZK_OK && zr != Z_STREAM_END) {
        z.next_out = chunk;
        z.avail_out = sizeof(chunk);
        zr = inflate(&z, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END) {
            rc = azk_error_set(AZK_ERR_FORMAT, "batch: not a zlib stream");
            break;
        }
        if (sizeof(chunk) - z.avail_out > 0)
            rc = azk_buf_put(out, chunk, sizeof(chunk) - z.avail_out);
        if (rc == AZK_ERR_LIMIT)
            rc = azk_error_set(AZK_ERR_LIMIT, "batch: more than %u bytes after inflating",
                               AZK_AGENT_MAX_INFLATED);
        if (rc == AZK_OK && zr == Z_OK && z.avail_in == 0 && z.avail_out != 0)
            rc = azk_error_set(AZK_ERR_FORMAT, "batch: truncated zlib stream");
    }
    if (rc == AZK_OK && z.avail_in != 0)
        rc = azk_error_set(AZK_ERR_FORMAT, "batch: data after the zlib stream");
    inflateEnd(&z);
    return rc;
}

static bool hex32(const char *s, size_t n)
{
    if (n != AZK_AGENT_BATCH_ID_HEXLEN)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

/* ---- the reader ------------------------------------------------------------ */

struct rd {
    const uint8_t *p, *end, *start;
    azk_buf *out; /* decoded strings and texts of the batch */
    azk_buf tmp;  /* one decoded string at a time */
};

enum kind { K_BAD, K_STR, K_NUM, K_OBJ, K_ARR, K_TRUE, K_FALSE, K_NULL };

static void ws(struct rd *r)
{
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
        r->p++;
}

/* Not JSON: where (line), never what. */
static azk_status syntax(const struct rd *r)
{
    int line = 1;
    for (const uint8_t *q = r->start; q < r->p && q < r->end; q++)
        line += *q == '\n';
    return azk_error_set(AZK_ERR_FORMAT, "batch: not JSON (line %d)", line);
}

/* The kind of the next value (after white space); the reader stays before it. */
static enum kind peek(struct rd *r)
{
    ws(r);
    if (r->p >= r->end)
        return K_BAD;
    switch (*r->p) {
        case '"':
            return K_STR;
        case '{':
            return K_OBJ;
        case '[':
            return K_ARR;
        case 't':
            return K_TRUE;
        case 'f':
            return K_FALSE;
        case 'n':
            return K_NULL;
        default:
            return *r->p == '-' || (*r->p >= '0' && *r->p <= '9') ? K_NUM : K_BAD;
    }
}

static bool eat(struct rd *r, char c)
{
    ws(r);
    if (r->p < r->end && *r->p == c) {
        r->p++;
        return true;
    }
    return false;
}

static azk_status literal(struct rd *r, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, w, n) != 0)
        return syntax(r);
    r->p += n;
    return AZK_OK;
}

static int hexval(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool u4(struct rd *r, uint32_t *cp)
{
    uint32_t v = 0;
    if (r->end - r->p < 4)
        return false;
    for (int i = 0; i < 4; i++) {
        int h = hexval(r->p[i]);
        if (h < 0)
            return false;
        v = v << 4 | (uint32_t)h;
    }
    r->p += 4;
    *cp = v;
    return true;
}

/* Length of a well-formed UTF-8 sequence at p (lead byte >= 0x80), 0 if bad. */
static size_t utf8_len(const uint8_t *p, const uint8_t *end)
{
    size_t n = p[0] >= 0xc2 && p[0] <= 0xdf   ? 2
               : p[0] >= 0xe0 && p[0] <= 0xef ? 3
               : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
                                              : 0;
    if (n == 0 || (size_t)(end - p) < n)
        return 0;
    for (size_t i = 1; i < n; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) || /* overlong, surrogate */
        (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))   /* overlong, > U+10FFFF */
        return 0;
    return n;
}

static azk_status put_cp(azk_buf *b, uint32_t c)
{
    uint8_t u[4];
    size_t n;
    if (c < 0x80) {
        u[0] = (uint8_t)c;
        n = 1;
    } else if (c < 0x800) {
        u[0] = (uint8_t)(0xc0 | c >> 6);
        u[1] = (uint8_t)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        u[0] = (uint8_t)(0xe0 | c >> 12);
        u[1] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
        u[2] = (uint8_t)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        u[0] = (uint8_t)(0xf0 | c >> 18);
        u[1] = (uint8_t)(0x80 | ((c >> 12) & 0x3f));
        u[2] = (uint8_t)(0x80 | ((c >> 6) & 0x3f));
        u[3] = (uint8_t)(0x80 | (c & 0x3f));
        n = 4;
    }
    return azk_buf_put(b, u, n);
}

/*
 * A string (the reader at its opening quote), decoded into r->tmp
 * (cleared first; r->tmp.len is its length). Refused as jansson refuses:
 * bad UTF-8, a control character, a bad escape, a lone surrogate, \u0000.
 */
static azk_status str(struct rd *r)
{
    const uint8_t *run;
    azk_status rc = AZK_OK;
    azk_buf_clear(&r->tmp);
    r->p++; /* the quote: peek saw it */
    run = r->p;
    while (rc == AZK_OK) {
        if (r->p >= r->end)
            return syntax(r);
        uint8_t c = *r->p;
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
            r->p++;
            continue;
        }
        if (c >= 0x80) {
            size_t n = utf8_len(r->p, r->end);
            if (n == 0)
                return syntax(r);
            r->p += n;
            continue;
        }
        if (c < 0x20)
            return syntax(r);
        rc = azk_buf_put(&r->tmp, run, (size_t)(r->p - run));
        if (rc != AZK_OK)
            break;
        if (c == '"') {
            r->p++;
            return AZK_OK;
        }
        /* an escape */
        if (r->end - r->p < 2)
            return syntax(r);
        r->p += 2;
        switch (r->p[-1]) {
            case '"':
            case '\\':
            case '/':
                rc = azk_buf_putc(&r->tmp, r->p[-1]);
                break;
            case 'b':
                rc = azk_buf_putc(&r->tmp, '\b');
                break;
            case 'f':
                rc = azk_buf_putc(&r->tmp, '\f');
                break;
            case 'n':
                rc = azk_buf_putc(&r->tmp, '\n');
                break;
            case 'r':
                rc = azk_buf_putc(&r->tmp, '\r');
                break;
            case 't':
                rc = azk_buf_putc(&r->tmp, '\t');
                break;
            case 'u': {
                uint32_t cp, lo;
                if (!u4(r, &cp) || cp == 0 || (cp >= 0xdc00 && cp <= 0xdfff))
                    return syntax(r);
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    if (r->end - r->p < 2 || r->p[0] != '\\' || r->p[1] != 'u')
                        return syntax(r);
                    r->p += 2;
                    if (!u4(r, &lo) || lo < 0xdc00 || lo > 0xdfff)
                        return syntax(r);
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                }
                rc = put_cp(&r->tmp, cp);
                break;
            }
            default:
                r->p--;
                return syntax(r);
        }
        run = r->p;
    }
    return rc;
}

/* A string value into the batch's buffer, NUL-terminated; *off where it starts. */
static azk_status str_out(struct rd *r, size_t *off, size_t *len)
{
    azk_status rc = str(r);
    *off = r->out->len;
    *len = r->tmp.len;
    if (rc == AZK_OK)
        rc = azk_buf_put(r->out, r->tmp.len > 0 ? r->tmp.data : (const uint8_t *)"", r->tmp.len);
    if (rc == AZK_OK)
        rc = azk_buf_put(r->out, "", 1);
    return rc;
}

/*
 * A number: *is_int for JSON's integer form (jansson's integer; one that
 * does not fit int64 is not JSON, as for jansson), else *dv (a real;
 * *dv is NAN when it is too long to convert here: the field check refuses it).
 */
static azk_status num(struct rd *r, bool *is_int, int64_t *iv, double *dv)
{
    const uint8_t *s = r->p;
    bool neg = false, frac = false;
    uint64_t v = 0;
    char tmp[64];
    size_t n;
    if (*r->p == '-') {
        neg = true;
        r->p++;
    }
    if (r->p >= r->end || *r->p < '0' || *r->p > '9')
        return syntax(r);
    if (*r->p == '0') {
        r->p++;
    } else {
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
            unsigned d = (unsigned)(*r->p - '0');
            if (v > (UINT64_C(1) << 63) / 10 || (v * 10 + d) > (UINT64_C(1) << 63))
                v = UINT64_MAX; /* too big */
            else
                v = v * 10 + d;
            r->p++;
        }
    }
    if (r->p < r->end && *r->p == '.') {
        frac = true;
        r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9')
            return syntax(r);
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    if (r->p < r->end && (*r->p == 'e' || *r->p == 'E')) {
        frac = true;
        r->p++;
        if (r->p < r->end && (*r->p == '+' || *r->p == '-'))
            r->p++;
        if (r->p >= r->end || *r->p < '0' || *r->p > '9')
            return syntax(r);
        while (r->p < r->end && *r->p >= '0' && *r->p <= '9')
            r->p++;
    }
    *is_int = !frac;
    if (!frac) {
        if (v == UINT64_MAX || (!neg && v > (uint64_t)INT64_MAX))
            return syntax(r); /* jansson: too big integer */
        *iv = neg ? (v == (UINT64_C(1) << 63) ? INT64_MIN : -(int64_t)v) : (int64_t)v;
        *dv = (double)*iv;
        return AZK_OK;
    }
    n = (size_t)(r->p - s);
    if (n >= sizeof(tmp)) {
        *dv = NAN;
        return AZK_OK;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    { /* JSON's decimal point is '.', whatever the locale says (as jansson does) */
        const char *dp = localeconv()->decimal_point;
        char *dot = strchr(tmp, '.');
        if (dot != NULL && dp != NULL && dp[0] != '\0' && dp[1] == '\0')
            *dot = dp[0];
    }
    *dv = strtod(tmp, NULL);
    return AZK_OK;
}

/* A non-negative integer field; *ok false (nothing read) when it is another value. */
static azk_status nonneg(struct rd *r, int64_t *out, bool *ok)
{
    bool is_int = false;
    double d;
    azk_status rc;
    *ok = false;
    if (peek(r) != K_NUM)
        return AZK_OK;
    rc = num(r, &is_int, out, &d);
    *ok = rc == AZK_OK && is_int && *out >= 0;
    return rc;
}

/*
 * The next member's name of an object (after '{' or ','): into r->tmp;
 * *end true at the closing brace. `first`: no comma before it.
 */
static azk_status member(struct rd *r, bool first, bool *end)
{
    azk_status rc;
    *end = false;
    if (eat(r, '}')) {
        *end = true;
        return AZK_OK;
    }
    if (!first && !eat(r, ','))
        return syntax(r);
    if (peek(r) != K_STR)
        return syntax(r);
    rc = str(r);
    if (rc == AZK_OK && !eat(r, ':'))
        rc = syntax(r);
    if (rc == AZK_OK)
        ws(r);
    return rc;
}

/* After an array's value (or '['): true and *end at ']', or true at ',' with more to read. */
static azk_status next_elem(struct rd *r, bool first, bool *end)
{
    *end = false;
    if (first) {
        if (eat(r, ']'))
            *end = true;
        return AZK_OK;
    }
    if (eat(r, ']')) {
        *end = true;
        return AZK_OK;
    }
    return eat(r, ',') ? AZK_OK : syntax(r);
}

static azk_status bad(size_t i, const char *field)
{
    return azk_error_set(AZK_ERR_FORMAT, "batch: object %zu: bad or missing %s", i, field);
}

static azk_status dup_field(const struct rd *r)
{
    return syntax(r); /* a field given twice: jansson's JSON_REJECT_DUPLICATES */
}

/*
 * The next member of an object whose fields are `keys` (NULL-ended), each at
 * most once: *f gets its index (-1: not one of them, for the caller's own
 * message), *end true at '}'. A field given twice is dup_field's error.
 */
static azk_status known_member(struct rd *r, bool first, const char *const *keys, bool *seen,
                               int *f, bool *end)
{
    azk_status rc = member(r, first, end);
    *f = -1;
    if (rc != AZK_OK || *end)
        return rc;
    *f = azk_serve__agent_key_index(keys, (const char *)r->tmp.data, r->tmp.len);
    if (*f < 0)
        return AZK_OK;
    if (seen[*f])
        return dup_field(r);
    seen[*f] = true;
    return AZK_OK;
}

/* ---- one object ------------------------------------------------------------ */

struct cnt {
    char key[33];
    size_t len;
    int64_t v;
};

static int by_key(const void *a, const void *b)
{
    const struct cnt *x = a, *y = b;
    return strcmp(x->key, y->key);
}

/* counts: {type: n} with at most 64 types of 1-32 bytes, written with sorted keys. */
static azk_status counts(struct rd *r, size_t i, size_t *off)
{
    struct cnt c[64];
    size_t n = 0, j;
    bool end = false, ok;
    azk_status rc;
    if (peek(r) != K_OBJ)
        return bad(i, "counts");
    r->p++;
    for (bool first = true;; first = false) {
        rc = member(r, first, &end);
        if (rc != AZK_OK || end)
            break;
        if (n == 64 || r->tmp.len == 0 || r->tmp.len > 32)
            return bad(i, "counts");
        memcpy(c[n].key, r->tmp.data, r->tmp.len);
        c[n].key[r->tmp.len] = '\0';
        c[n].len = r->tmp.len;
        for (j = 0; j < n; j++)
            if (c[j].len == c[n].len && memcmp(c[j].key, c[n].key, c[n].len) == 0)
                return dup_field(r);
        rc = nonneg(r, &c[n].v, &ok);
        if (rc != AZK_OK)
            return rc;
        if (!ok)
            return bad(i, "counts");
        n++;
    }
    if (rc != AZK_OK)
        return rc;
    qsort(c, n, sizeof(c[0]), by_key);
    *off = r->out->len;
    rc = azk_buf_putc(r->out, '{');
    for (j = 0; rc == AZK_OK && j < n; j++) {
        if (j > 0)
            rc = azk_buf_putc(r->out, ',');
        if (rc == AZK_OK)
            rc = azk_buf_put_json_string(r->out, c[j].key, c[j].len);
        if (rc == AZK_OK)
            rc = azk_buf_putc(r->out, ':');
        if (rc == AZK_OK)
            rc = azk_buf_put_i64(r->out, c[j].v);
    }
    return rc == AZK_OK ? azk_buf_put(r->out, "}", 2) : rc;
}

/* examples: at most AZK_AGENT_MAX_EXAMPLES strings of at most 256 bytes. */
static azk_status examples(struct rd *r, size_t i, size_t *off)
{
    size_t n = 0;
    bool end = false;
    azk_status rc;
    if (peek(r) != K_ARR)
        return bad(i, "examples");
    r->p++;
    *off = r->out->len;
    rc = azk_buf_putc(r->out, '[');
    for (bool first = true; rc == AZK_OK; first = false) {
        rc = next_elem(r, first, &end);
        if (rc != AZK_OK || end)
            break;
        if (peek(r) != K_STR)
            return bad(i, "examples");
        rc = str(r);
        if (rc != AZK_OK)
            break;
        if (++n > AZK_AGENT_MAX_EXAMPLES || r->tmp.len > 256)
            return bad(i, "examples");
        if (n > 1)
            rc = azk_buf_putc(r->out, ',');
        if (rc == AZK_OK)
            rc = azk_buf_put_json_string(r->out, (const char *)r->tmp.data, r->tmp.len);
    }
    return rc == AZK_OK ? azk_buf_put(r->out, "]", 2) : rc;
}

/* One entrusted-record hit {"client": id, "dataset": 1-64 bytes, "records": 0..INT32_MAX}. */
static azk_status edm_one(struct rd *r, size_t i, char client[65], char dataset[65],
                          int64_t *records)
{
    static const char *const ekeys[] = {"client", "dataset", "records", NULL};
    bool end = false, seen[3] = {false, false, false}, ok;
    azk_status rc;
    if (peek(r) != K_OBJ)
        return bad(i, "edm");
    r->p++;
    for (bool first = true;; first = false) {
        int f;
        rc = known_member(r, first, ekeys, seen, &f, &end);
        if (rc != AZK_OK || end)
            break;
        if (f < 0)
            return bad(i, "edm");
        if (f == 2) {
            rc = nonneg(r, records, &ok);
            if (rc == AZK_OK && (!ok || *records > INT32_MAX))
                return bad(i, "edm");
            if (rc != AZK_OK)
                return rc;
            continue;
        }
        if (peek(r) != K_STR)
            return bad(i, "edm");
        rc = str(r);
        if (rc != AZK_OK)
            return rc;
        if (r->tmp.len == 0 || r->tmp.len > 64 || memchr(r->tmp.data, '\0', r->tmp.len) != NULL)
            return bad(i, "edm");
        memcpy(f == 0 ? client : dataset, r->tmp.data, r->tmp.len + 1);
        if (f == 0 && !azk_store__valid_id(client))
            return bad(i, "edm");
    }
    if (rc == AZK_OK && !(seen[0] && seen[1] && seen[2]))
        return bad(i, "edm");
    return rc;
}

/* edm: at most AZK_AGENT_MAX_EDM hits, written with keys in a fixed order; *records summed. */
static azk_status edm(struct rd *r, size_t i, size_t *off, int64_t *records)
{
    size_t n = 0;
    bool end = false;
    azk_status rc;
    char client[65] = "", dataset[65] = "";
    int64_t rec = 0;
    if (peek(r) != K_ARR)
        return bad(i, "edm");
    r->p++;
    *off = r->out->len;
    rc = azk_buf_putc(r->out, '[');
    for (bool first = true; rc == AZK_OK; first = false) {
        rc = next_elem(r, first, &end);
        if (rc != AZK_OK || end)
            break;
        if (++n > AZK_AGENT_MAX_EDM)
            return bad(i, "edm");
        rc = edm_one(r, i, client, dataset, &rec);
        if (rc != AZK_OK)
            return rc;
        *records += rec;
        rc = azk_buf_puts(r->out, n > 1 ? ",{\"client\":" : "{\"client\":");
        if (rc == AZK_OK)
            rc = azk_buf_put_json_string(r->out, client, strlen(client));
        if (rc == AZK_OK)
            rc = azk_buf_puts(r->out, ",\"dataset\":");
        if (rc == AZK_OK)
            rc = azk_buf_put_json_string(r->out, dataset, strlen(dataset));
        if (rc == AZK_OK)
            rc = azk_buf_printf(r->out, ",\"records\":%lld}", (long long)rec);
    }
    return rc == AZK_OK ? azk_buf_put(r->out, "]", 2) : rc;
}

/* Where an object's strings and texts are in the batch's buffer (SIZE_MAX: null). */
enum { O_PATH, O_FORMAT, O_ERROR, O_COUNTS, O_EXAMPLES, O_EDM, O_N };

/* A string field of at most max bytes (0 < len when nonempty), or null when nullable. */
static azk_status str_field(struct rd *r, size_t i, const char *name, size_t max, bool nullable,
                            bool nonempty, size_t *off)
{
    enum kind k = peek(r);
    size_t len = 0;
    azk_status rc;
    if (nullable && k == K_NULL) {
        *off = SIZE_MAX;
        return literal(r, "null");
    }
    if (k != K_STR)
        return bad(i, name);
    rc = str_out(r, off, &len);
    if (rc == AZK_OK &&
        (len > max || (nonempty && len == 0) || memchr(r->out->data + *off, '\0', len) != NULL))
        rc = bad(i, name);
    return rc;
}

static azk_status object(struct rd *r, size_t i, struct azk_store_agent_object *out, size_t *offs)
{
    static const char *const keys[] = {"path",     "size", "mtime", "format", "counts",
                                       "examples", "edm",  "score", "error",  NULL};
    bool seen[9] = {false}, end = false, ok = false, is_int = false;
    int64_t records = 0, iv = 0;
    double sc = 0;
    azk_status rc;

    for (int f = 0; f < O_N; f++)
        offs[f] = SIZE_MAX;
    if (peek(r) != K_OBJ)
        return azk_error_set(AZK_ERR_FORMAT, "batch: object %zu: not an object of known fields", i);
    r->p++;
    for (bool first = true;; first = false) {
        int f;
        rc = known_member(r, first, keys, seen, &f, &end);
        if (rc != AZK_OK || end)
            break;
        if (f < 0)
            return azk_error_set(AZK_ERR_FORMAT, "batch: object %zu: not an object of known fields",
                                 i);
        switch (f) {
            case 0:
                rc = str_field(r, i, "path", AZK_AGENT_MAX_PATH, false, true, &offs[O_PATH]);
                break;
            case 1:
            case 2:
                rc = nonneg(r, f == 1 ? &out->size : &out->mtime, &ok);
                if (rc == AZK_OK && !ok)
                    rc = bad(i, f == 1 ? "size" : "mtime");
                break;
            case 3:
                rc = str_field(r, i, "format", 32, true, false, &offs[O_FORMAT]);
                break;
            case 4:
                rc = counts(r, i, &offs[O_COUNTS]);
                break;
            case 5:
                rc = examples(r, i, &offs[O_EXAMPLES]);
                break;
            case 6:
                rc = edm(r, i, &offs[O_EDM], &records);
                break;
            case 7:
                if (peek(r) != K_NUM)
                    rc = bad(i, "score");
                else
                    rc = num(r, &is_int, &iv, &sc);
                if (rc == AZK_OK && (!isfinite(sc) || sc < 0 || sc > 1e6))
                    rc = bad(i, "score");
                break;
            default:
                rc = str_field(r, i, "error", 32, true, false, &offs[O_ERROR]);
                break;
        }
        if (rc != AZK_OK)
            return rc;
    }
    if (rc != AZK_OK)
        return rc;
    /* required fields, in the order they are checked above */
    static const char *const need[] = {"path",   "size",     "mtime", NULL,
                                       "counts", "examples", "edm",   "score"};
    for (int f = 0; f < 8; f++)
        if (need[f] != NULL && !seen[f])
            return bad(i, need[f]);
    out->edm_records = records;
    out->score_milli = (int64_t)llround(sc * 1000.0);
    return AZK_OK;
}

/* ---- the batch ------------------------------------------------------------- */

static azk_status objects(struct rd *r, struct azk_agent_batch *out, size_t **offs)
{
    size_t cap = 0;
    bool end = false;
    azk_status rc;
    if (peek(r) != K_ARR)
        return azk_error_set(AZK_ERR_FORMAT, "batch: objects must be an array");
    r->p++;
    for (bool first = true;; first = false) {
        rc = next_elem(r, first, &end);
        if (rc != AZK_OK || end)
            return rc;
        if (out->count == AZK_AGENT_MAX_OBJECTS)
            return azk_error_set(AZK_ERR_LIMIT, "batch: more than %d objects",
                                 AZK_AGENT_MAX_OBJECTS);
        if (out->count == cap) {
            size_t nc = cap == 0 ? 64 : cap * 2;
            struct azk_store_agent_object *o = azk_realloc(out->objs, nc * sizeof(*o));
            size_t *f;
            if (o == NULL)
                return azk_error_nomem();
            out->objs = o;
            f = azk_realloc(*offs, nc * O_N * sizeof(size_t));
            if (f == NULL)
                return azk_error_nomem();
            *offs = f;
            cap = nc;
        }
        memset(&out->objs[out->count], 0, sizeof(out->objs[0]));
        rc = object(r, out->count, &out->objs[out->count], *offs + out->count * O_N);
        if (rc != AZK_OK)
            return rc;
        out->count++;
    }
}

static azk_status batch(struct rd *r, struct azk_agent_batch *out, size_t **offs)
{
    static const char *const keys[] = {"batch_id", "created_at", "lost_objects", "objects", NULL};
    bool seen[4] = {false}, end = false, ok = false;
    azk_status rc;
    if (peek(r) == K_BAD)
        return syntax(r);
    if (peek(r) != K_OBJ)
        return azk_error_set(AZK_ERR_FORMAT, "batch: not an object of known fields");
    r->p++;
    for (bool first = true;; first = false) {
        int f;
        rc = known_member(r, first, keys, seen, &f, &end);
        if (rc != AZK_OK || end)
            break;
        if (f < 0)
            return azk_error_set(AZK_ERR_FORMAT, "batch: not an object of known fields");
        if (f == 0) {
            if (peek(r) != K_STR)
                return azk_error_set(AZK_ERR_FORMAT,
                                     "batch: batch_id must be 32 lowercase hex digits");
            rc = str(r);
            if (rc == AZK_OK && !hex32((const char *)r->tmp.data, r->tmp.len))
                return azk_error_set(AZK_ERR_FORMAT,
                                     "batch: batch_id must be 32 lowercase hex digits");
            if (rc == AZK_OK)
                memcpy(out->batch_id, r->tmp.data, AZK_AGENT_BATCH_ID_HEXLEN + 1);
        } else if (f == 1 || f == 2) {
            rc = nonneg(r, f == 1 ? &out->created_at : &out->lost_objects, &ok);
            if (rc == AZK_OK && !ok)
                return azk_error_set(AZK_ERR_FORMAT, "batch: bad created_at or lost_objects");
        } else {
            rc = objects(r, out, offs);
        }
        if (rc != AZK_OK)
            return rc;
    }
    if (rc != AZK_OK)
        return rc;
    ws(r);
    if (r->p != r->end)
        return syntax(r); /* something after the document */
    if (!seen[0])
        return azk_error_set(AZK_ERR_FORMAT, "batch: batch_id must be 32 lowercase hex digits");
    if (!seen[1])
        return azk_error_set(AZK_ERR_FORMAT, "batch: bad created_at or lost_objects");
    if (!seen[3])
        return azk_error_set(AZK_ERR_FORMAT, "batch: objects must be an array");
    return AZK_OK;
}

azk_status azk_serve__agent_batch_parse(struct azk_agent_batch *out, const uint8_t *body,
                                        size_t len, bool deflated)
{
    azk_buf plain = AZK_BUF_INIT;
    struct rd r;
    azk_status rc = AZK_OK;
    size_t *offs = NULL;

    memset(out, 0, sizeof(*out));
    memset(&r, 0, sizeof(r));
    if (deflated) {
        rc = azk_serve__agent_inflate(body, len, &plain);
        if (rc != AZK_OK)
            goto done;
        body = plain.data;
        len = plain.len;
    }
    if (body == NULL || len == 0) {
        rc = azk_error_set(AZK_ERR_FORMAT, "batch: empty body");
        goto done;
    }
    r.p = r.start = body;
    r.end = body + len;
    r.out = &out->texts;
    rc = batch(&r, out, &offs);
    if (rc != AZK_OK)
        goto done;
    for (size_t i = 0; i < out->count; i++) { /* the texts stay where they are from now on */
        const size_t *f = offs + i * O_N;
        const char *t = (const char *)out->texts.data;
        out->objs[i].path = t + f[O_PATH];
        out->objs[i].format = f[O_FORMAT] != SIZE_MAX ? t + f[O_FORMAT] : NULL;
        out->objs[i].error = f[O_ERROR] != SIZE_MAX ? t + f[O_ERROR] : NULL;
        out->objs[i].counts = t + f[O_COUNTS];
        out->objs[i].examples = t + f[O_EXAMPLES];
        out->objs[i].edm = t + f[O_EDM];
    }
done:
    azk_free(offs);
    azk_buf_dispose(&r.tmp);
    azk_buf_dispose(&plain);
    if (rc != AZK_OK)
        azk_serve__agent_batch_dispose(out);
    return rc;
}

void azk_serve__agent_batch_dispose(struct azk_agent_batch *b)
{
    if (b == NULL)
        return;
    azk_buf_dispose(&b->texts);
    azk_free(b->objs);
    memset(b, 0, sizeof(*b));
}
