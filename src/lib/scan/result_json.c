/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan/result_json.c -- a scan result to and from the JSON object of the
 * output contract (DESIGN.md):
 *   {"path", "member": [...], "format", "encoding", "findings": [{"type",
 *    "line", "masked", "confidence"}], "edm": [{"client","dataset","rows"}],
 *    "error": {"code","message"}, plus "counts", "score", "size"}
 * Used by the JSON Lines report and by the incremental cache. The report
 * writes a line directly (azk_scan__result_to_jsonl, the same bytes as
 * jansson's compact dump of azk_scan__result_to_json, without building the
 * object: a visible share of a small file's cost).
 */
#include "scan/scan_int.h"

#include <math.h>
#include <string.h>

static int set_new(json_t *o, const char *k, json_t *v)
{
    if (v == NULL)
        return -1;
    return json_object_set_new(o, k, v);
}

/* n bytes at the end of b: in place when the room is there (the line reserves it: no
 * call per piece, a visible share of a small file's line), else azk_buf_put. */
static inline azk_status put_n(azk_buf *b, const void *p, size_t n)
{
    if (b->cap - b->len > n && (b->max == 0 || n <= b->max - b->len)) {
        memcpy(b->data + b->len, p, n);
        b->len += n;
        b->data[b->len] = '\0';
        return AZK_OK;
    }
    return azk_buf_put(b, p, n);
}

static inline azk_status put_c(azk_buf *b, char c)
{
    return put_n(b, &c, 1);
}

/* v in decimal, as azk_buf_put_i64 writes it */
static inline azk_status put_u64(azk_buf *b, uint64_t v)
{
    char t[20], *q = t + sizeof(t);
    do {
        *--q = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return put_n(b, q, (size_t)(t + sizeof(t) - q));
}

/* A literal, without strlen. */
#define PUT_LIT(b, lit) put_n((b), (lit), sizeof(lit) - 1)

/* The digits of v as jansson's "%.6g" writes it when v is a hundredth in [0, 1000) (not -0):
 * at most 5 significant, trailing zeros dropped, ".0" kept ("x.y", "x.yz"), written to out
 * (room for 8); the length, or 0 when v is not such a value. Confidences and scores are. */
static size_t hundredths(char *out, double v)
{
    char num[8], *q = num + sizeof(num);
    long long k;
    int frac, ip;
    size_t n;
    if (!(v >= 0.0 && v < 1000.0) || (v == 0.0 && signbit(v)))
        return 0;
    k = llround(v * 100.0);
    if ((double)k / 100.0 != v)
        return 0;
    frac = (int)(k % 100);
    ip = (int)(k / 100);
    if (frac % 10 != 0) {
        *--q = (char)('0' + frac % 10);
        *--q = (char)('0' + frac / 10);
        *--q = '.';
    } else {
        /* "x.y" or, with no fraction, "x" and ".0" as jansson writes it */
        *--q = (char)('0' + frac / 10);
        *--q = '.';
    }
    do {
        *--q = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip > 0);
    n = (size_t)(num + sizeof(num) - q);
    memcpy(out, q, n);
    return n;
}

/* A real as jansson dumps it with JSON_REAL_PRECISION(6): "%.6g", ".0" when it has
 * neither '.' nor 'e', and an exponent without '+' or leading zeros ("1e21", "1e-7"). */
static azk_status put_real(azk_buf *b, double v)
{
    char num[40];
    char *e, *start, *end;
    /* hundredths below 1000 without printf (a visible share of a small file's line);
     * anything else, negative zero included, goes through printf */
    size_t n = hundredths(num, v);
    if (n > 0)
        return put_n(b, num, n);
    (void)snprintf(num, sizeof(num), "%.6g", v);
    e = strchr(num, 'e');
    if (e != NULL) {
        start = e + 1;
        end = start + 1;
        if (*start == '-')
            start++;
        while (*end == '0')
            end++;
        if (end != start)
            memmove(start, end, strlen(end) + 1);
    }
    return azk_buf_printf(b, "%s%s", num, strpbrk(num, ".e") == NULL ? ".0" : "");
}

/* The common finding written in one piece into room reserved for it: no page, no sheet,
 * a masked value with nothing to escape, a confidence in hundredths. false (nothing
 * written) for any other: the caller writes that one part by part. */
static bool finding_direct(azk_buf *b, const azk_scan_finding *f, double conf, bool first)
{
    static const char t0[] = ",{\"type\":\"", t1[] = "\",\"line\":", t2[] = ",\"masked\":\"",
                      t3[] = "\",\"confidence\":";
    const char *type = azk_pii_type_name(f->type);
    size_t tl = strlen(type), ml = 0, i;
    uint64_t line = f->line;
    char digits[20], cnum[8], *q = digits + sizeof(digits), *o;
    size_t cn;
    if (f->page > 0 || f->sheet != NULL || (int64_t)line < 0)
        return false; /* (a line over INT64_MAX is written as azk_buf_put_i64 writes it) */
    for (;; ml++) {
        unsigned char ch = (unsigned char)f->masked[ml];
        if (ch < 0x20 || ch == '"' || ch == '\\')
            break;
    }
    if (f->masked[ml] != '\0')
        return false; /* an escape: azk_buf_put_json_string writes it */
    cn = hundredths(cnum, conf);
    if (cn == 0)
        return false;
    do {
        *--q = (char)('0' + line % 10);
        line /= 10;
    } while (line != 0);
    if (azk_buf_grow(b, sizeof(t0) + tl + sizeof(t1) + sizeof(digits) + sizeof(t2) + ml +
                            sizeof(t3) + sizeof(cnum) + 1) != AZK_OK)
        return false; /* the part by part path reports it */
    o = (char *)b->data + b->len;
    i = first ? 1 : 0;
    memcpy(o, t0 + i, sizeof(t0) - 1 - i);
    o += sizeof(t0) - 1 - i;
    memcpy(o, type, tl);
    o += tl;
    memcpy(o, t1, sizeof(t1) - 1);
    o += sizeof(t1) - 1;
    memcpy(o, q, (size_t)(digits + sizeof(digits) - q));
    o += digits + sizeof(digits) - q;
    memcpy(o, t2, sizeof(t2) - 1);
    o += sizeof(t2) - 1;
    memcpy(o, f->masked, ml);
    o += ml;
    memcpy(o, t3, sizeof(t3) - 1);
    o += sizeof(t3) - 1;
    memcpy(o, cnum, cn);
    o += cn;
    *o++ = '}';
    *o = '\0';
    b->len = (size_t)(o - (char *)b->data);
    return true;
}

azk_status azk_scan__findings_to_jsonl(azk_buf *b, const azk_scan_result *r)
{
    azk_status rc = put_c(b, '[');
    for (size_t i = 0; rc == AZK_OK && i < r->finding_count; i++) {
        const azk_scan_finding *f = &r->findings[i];
        double c = round(f->confidence * 100.0) / 100.0;
        if (finding_direct(b, f, c, i == 0))
            continue;
        rc = azk_buf_puts(b, i ? ",{\"type\":\"" : "{\"type\":\"");
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, azk_pii_type_name(f->type));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "\",\"line\":");
        if (rc == AZK_OK)
            rc = azk_buf_put_i64(b, (int64_t)f->line);
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, ",\"masked\":");
        if (rc == AZK_OK)
            rc = azk_buf_put_json_string(b, f->masked, strlen(f->masked));
        if (rc == AZK_OK && f->page > 0)
            rc = azk_buf_printf(b, ",\"page\":%lu", (unsigned long)f->page);
        if (rc == AZK_OK && f->sheet != NULL) {
            rc = azk_buf_puts(b, ",\"sheet\":");
            if (rc == AZK_OK)
                rc = azk_buf_put_json_string(b, f->sheet, strlen(f->sheet));
        }
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, ",\"confidence\":");
        if (rc == AZK_OK)
            rc = put_real(b, c);
        if (rc == AZK_OK)
            rc = azk_buf_putc(b, '}');
    }
    if (rc == AZK_OK)
        rc = put_c(b, ']');
    return rc;
}

/* s as a JSON string, or AZK_ERR_FORMAT for a string jansson would refuse (invalid
 * UTF-8; the caller then goes through jansson). One pass over a plain ASCII string
 * (no quote, backslash or control: a path, a format, an encoding); the others are
 * validated, then escaped. */
static azk_status put_str(azk_buf *b, const char *s)
{
    size_t n = 0;
    azk_status rc;
    for (;; n++) {
        unsigned char c = (unsigned char)s[n];
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
            break;
    }
    if (s[n] != '\0') {
        n += strlen(s + n);
        if (!azk_utf8_valid((const uint8_t *)s, n))
            return AZK_ERR_FORMAT;
        return azk_buf_put_json_string(b, s, n);
    }
    rc = azk_buf_grow(b, n + 2);
    if (rc != AZK_OK)
        return rc;
    b->data[b->len++] = '"';
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len++] = '"';
    b->data[b->len] = '\0';
    return AZK_OK;
}

static azk_status result_line(azk_buf *b, const azk_scan_result *r);

azk_status azk_scan__result_to_jsonl(azk_buf *b, const azk_scan_result *r)
{
    size_t start = b->len;
    azk_status rc;
    if (!isfinite(r->score))
        return AZK_ERR_FORMAT;
    for (size_t i = 0; i < r->member_count; i++) {
        if (r->member[i] == NULL)
            return AZK_ERR_FORMAT;
    }
    for (size_t i = 0; i < r->edm_count; i++) {
        if (r->edm[i].client == NULL || r->edm[i].dataset == NULL)
            return AZK_ERR_FORMAT;
    }
    /* room for a line without findings (a longer one grows in put_n; a buffer with a
     * limit grows only as far as the line needs, as before) */
    rc = b->max == 0 ? azk_buf_grow(b, 256) : AZK_OK;
    /* a string found invalid on the way (put_str): nothing of the line stays */
    if (rc == AZK_OK)
        rc = result_line(b, r);
    if (rc != AZK_OK && b->len > start) {
        b->len = start;
        b->data[start] = '\0';
    }
    return rc;
}

static azk_status result_line(azk_buf *b, const azk_scan_result *r)
{
    azk_status rc;
    size_t i;
    bool first = true;
    rc = PUT_LIT(b, "{\"path\":");
    if (rc == AZK_OK)
        rc = put_str(b, r->path != NULL ? r->path : "");
    if (rc == AZK_OK)
        rc = PUT_LIT(b, ",\"member\":[");
    for (i = 0; rc == AZK_OK && i < r->member_count; i++) {
        if (i > 0)
            rc = put_c(b, ',');
        if (rc == AZK_OK)
            rc = put_str(b, r->member[i]);
    }
    if (rc == AZK_OK)
        rc = PUT_LIT(b, "],\"format\":");
    if (rc == AZK_OK)
        rc = r->format != NULL ? put_str(b, r->format) : PUT_LIT(b, "null");
    if (rc == AZK_OK)
        rc = PUT_LIT(b, ",\"encoding\":");
    if (rc == AZK_OK)
        rc = r->encoding != NULL ? put_str(b, r->encoding) : PUT_LIT(b, "null");
    if (rc == AZK_OK)
        rc = PUT_LIT(b, ",\"findings\":");
    if (rc == AZK_OK)
        rc = azk_scan__findings_to_jsonl(b, r);
    if (rc == AZK_OK && r->truncated)
        rc = PUT_LIT(b, ",\"truncated\":true");
    if (rc == AZK_OK)
        rc = PUT_LIT(b, ",\"counts\":{");
    for (int t = 0; rc == AZK_OK && t < AZK_PII__COUNT; t++) {
        if (r->counts[t] == 0)
            continue;
        /* ,"type":count without printf (a visible share of a line with findings) */
        const char *name = azk_pii_type_name((azk_pii_type)t);
        rc = first ? put_c(b, '"') : PUT_LIT(b, ",\"");
        if (rc == AZK_OK)
            rc = put_n(b, name, strlen(name));
        if (rc == AZK_OK)
            rc = PUT_LIT(b, "\":");
        if (rc == AZK_OK)
            rc = (int64_t)r->counts[t] >= 0 ? put_u64(b, (uint64_t)r->counts[t])
                                            : azk_buf_put_i64(b, (int64_t)r->counts[t]);
        first = false;
    }
    if (rc == AZK_OK)
        rc = put_c(b, '}');
    if (rc == AZK_OK && r->excluded > 0)
        rc = azk_buf_printf(b, ",\"excluded\":%lld", (long long)r->excluded);
    if (rc == AZK_OK)
        rc = PUT_LIT(b, ",\"score\":");
    if (rc == AZK_OK)
        rc = put_real(b, round(r->score * 10.0) / 10.0);
    if (rc == AZK_OK)
        rc = PUT_LIT(b, ",\"edm\":[");
    for (i = 0; rc == AZK_OK && i < r->edm_count; i++) {
        const azk_scan_edm *e = &r->edm[i];
        rc = azk_buf_puts(b, i > 0 ? ",{\"client\":" : "{\"client\":");
        if (rc == AZK_OK)
            rc = put_str(b, e->client);
        if (rc == AZK_OK)
            rc = PUT_LIT(b, ",\"dataset\":");
        if (rc == AZK_OK)
            rc = put_str(b, e->dataset);
        if (rc == AZK_OK)
            rc = PUT_LIT(b, ",\"rows\":[");
        for (size_t k = 0; rc == AZK_OK && k < e->row_count; k++)
            rc = azk_buf_printf(b, "%s%lld", k > 0 ? "," : "", (long long)e->rows[k]);
        if (rc == AZK_OK)
            rc = PUT_LIT(b, "]}");
    }
    if (rc == AZK_OK)
        rc = PUT_LIT(b, "],\"size\":");
    if (rc == AZK_OK)
        rc = (int64_t)r->size >= 0 ? put_u64(b, r->size) : azk_buf_put_i64(b, (int64_t)r->size);
    if (rc == AZK_OK && r->error != AZK_OK) {
        rc = PUT_LIT(b, ",\"error\":{\"code\":");
        if (rc == AZK_OK)
            rc = put_str(b, r->error_code != NULL ? r->error_code : azk_status_name(r->error));
        if (rc == AZK_OK)
            rc = PUT_LIT(b, ",\"message\":");
        if (rc == AZK_OK)
            rc = put_str(b, r->error_message != NULL ? r->error_message : "");
        if (rc == AZK_OK)
            rc = put_c(b, '}');
    }
    if (rc == AZK_OK)
        rc = put_c(b, '}');
    return rc;
}

json_t *azk_scan__result_to_json(const azk_scan_result *r, bool with_path)
{
    json_t *o = json_object(), *a;
    int bad = 0;
    if (o == NULL)
        return NULL;
    if (with_path)
        bad |= set_new(o, "path", json_string(r->path != NULL ? r->path : ""));
    a = json_array();
    for (size_t i = 0; a != NULL && i < r->member_count; i++)
        bad |= json_array_append_new(a, json_string(r->member[i]));
    bad |= set_new(o, "member", a);
    bad |= set_new(o, "format", r->format != NULL ? json_string(r->format) : json_null());
    bad |= set_new(o, "encoding", r->encoding != NULL ? json_string(r->encoding) : json_null());
    a = json_array();
    for (size_t i = 0; a != NULL && i < r->finding_count; i++) {
        const azk_scan_finding *f = &r->findings[i];
        json_t *fo = json_object();
        /* two decimals are enough and keep output stable */
        double c = round(f->confidence * 100.0) / 100.0;
        if (fo == NULL) {
            bad = 1;
            break;
        }
        bad |= set_new(fo, "type", json_string(azk_pii_type_name(f->type)));
        bad |= set_new(fo, "line", json_integer((json_int_t)f->line));
        bad |= set_new(fo, "masked", json_string(f->masked));
        if (f->page > 0)
            bad |= set_new(fo, "page", json_integer((json_int_t)f->page));
        if (f->sheet != NULL)
            bad |= set_new(fo, "sheet", json_string(f->sheet));
        bad |= set_new(fo, "confidence", json_real(c));
        bad |= json_array_append_new(a, fo);
    }
    bad |= set_new(o, "findings", a);
    if (r->truncated)
        bad |= set_new(o, "truncated", json_true());
    a = json_object();
    for (int t = 0; a != NULL && t < AZK_PII__COUNT; t++) {
        if (r->counts[t] > 0)
            bad |= set_new(a, azk_pii_type_name((azk_pii_type)t),
                           json_integer((json_int_t)r->counts[t]));
    }
    bad |= set_new(o, "counts", a);
    if (r->excluded > 0)
        bad |= set_new(o, "excluded", json_integer((json_int_t)r->excluded));
    bad |= set_new(o, "score", json_real(round(r->score * 10.0) / 10.0));
    a = json_array();
    for (size_t i = 0; a != NULL && i < r->edm_count; i++) {
        const azk_scan_edm *e = &r->edm[i];
        json_t *eo = json_object(), *rows = json_array();
        if (eo == NULL || rows == NULL) {
            json_decref(eo);
            json_decref(rows);
            bad = 1;
            break;
        }
        for (size_t k = 0; k < e->row_count; k++)
            bad |= json_array_append_new(rows, json_integer((json_int_t)e->rows[k]));
        bad |= set_new(eo, "client", json_string(e->client));
        bad |= set_new(eo, "dataset", json_string(e->dataset));
        bad |= set_new(eo, "rows", rows);
        bad |= json_array_append_new(a, eo);
    }
    bad |= set_new(o, "edm", a);
    bad |= set_new(o, "size", json_integer((json_int_t)r->size));
    if (r->error != AZK_OK) {
        json_t *e = json_object();
        if (e != NULL) {
            bad |= set_new(
                e, "code",
                json_string(r->error_code != NULL ? r->error_code : azk_status_name(r->error)));
            bad |= set_new(e, "message",
                           json_string(r->error_message != NULL ? r->error_message : ""));
        }
        bad |= set_new(o, "error", e);
    }
    if (bad) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static azk_status status_from_name(const char *name)
{
    for (int s = 0; s < AZK_ERR__COUNT; s++) {
        if (strcmp(azk_status_name((azk_status)s), name) == 0)
            return (azk_status)s;
    }
    return AZK_ERR_FORMAT;
}

azk_status azk_scan__result_from_json(struct azk_owned_result *out, json_t *obj)
{
    json_t *a, *v;
    size_t i, n;
    memset(out, 0, sizeof(*out));
    if (!json_is_object(obj))
        return azk_error_set(AZK_ERR_FORMAT, "cached result is not an object");
    out->json = json_incref(obj);
    a = json_object_get(obj, "member");
    n = json_array_size(a);
    if (n > 0) {
        out->member = azk_calloc(n, sizeof(char *));
        if (out->member == NULL)
            goto nomem;
        json_array_foreach(a, i, v) out->member[i] =
            json_string_value(v) ? json_string_value(v) : "";
        out->r.member = out->member;
        out->r.member_count = n;
    }
    out->r.format = json_string_value(json_object_get(obj, "format"));
    out->r.encoding = json_string_value(json_object_get(obj, "encoding"));
    a = json_object_get(obj, "findings");
    n = json_array_size(a);
    if (n > 0) {
        out->findings = azk_calloc(n, sizeof(*out->findings));
        if (out->findings == NULL)
            goto nomem;
        json_array_foreach(a, i, v)
        {
            const char *t = json_string_value(json_object_get(v, "type"));
            const char *m = json_string_value(json_object_get(v, "masked"));
            out->findings[i].type = t != NULL ? azk_pii_type_from_name(t) : AZK_PII__COUNT;
            out->findings[i].line = (uint64_t)json_integer_value(json_object_get(v, "line"));
            out->findings[i].masked = m != NULL ? m : "";
            out->findings[i].confidence = json_number_value(json_object_get(v, "confidence"));
            out->findings[i].page = (uint32_t)json_integer_value(json_object_get(v, "page"));
            out->findings[i].sheet = json_string_value(json_object_get(v, "sheet"));
        }
        out->r.findings = out->findings;
        out->r.finding_count = n;
    }
    out->r.truncated = json_is_true(json_object_get(obj, "truncated"));
    a = json_object_get(obj, "counts");
    for (int t = 0; t < AZK_PII__COUNT; t++)
        out->r.counts[t] =
            (size_t)json_integer_value(json_object_get(a, azk_pii_type_name((azk_pii_type)t)));
    out->r.excluded = (size_t)json_integer_value(json_object_get(obj, "excluded"));
    out->r.score = json_number_value(json_object_get(obj, "score"));
    out->r.size = (uint64_t)json_integer_value(json_object_get(obj, "size"));
    a = json_object_get(obj, "edm");
    n = json_array_size(a);
    if (n > 0) {
        size_t total = 0, pos = 0;
        out->edm = azk_calloc(n, sizeof(*out->edm));
        if (out->edm == NULL)
            goto nomem;
        json_array_foreach(a, i, v) total += json_array_size(json_object_get(v, "rows"));
        out->rows = azk_calloc(total > 0 ? total : 1, sizeof(uint64_t));
        if (out->rows == NULL)
            goto nomem;
        json_array_foreach(a, i, v)
        {
            json_t *rows = json_object_get(v, "rows"), *rv;
            size_t k;
            out->edm[i].client = json_string_value(json_object_get(v, "client"));
            out->edm[i].dataset = json_string_value(json_object_get(v, "dataset"));
            out->edm[i].rows = out->rows + pos;
            json_array_foreach(rows, k, rv) out->rows[pos++] = (uint64_t)json_integer_value(rv);
            out->edm[i].row_count = json_array_size(rows);
            if (out->edm[i].client == NULL)
                out->edm[i].client = "";
            if (out->edm[i].dataset == NULL)
                out->edm[i].dataset = "";
        }
        out->r.edm = out->edm;
        out->r.edm_count = n;
    }
    v = json_object_get(obj, "error");
    if (json_is_object(v)) {
        const char *code = json_string_value(json_object_get(v, "code"));
        out->r.error_code = code != NULL ? code : "format";
        out->r.error = status_from_name(out->r.error_code);
        out->r.error_message = json_string_value(json_object_get(v, "message"));
    }
    return AZK_OK;
nomem:
    azk_scan__owned_dispose(out);
    return azk_error_nomem();
}

void azk_scan__owned_dispose(struct azk_owned_result *o)
{
    azk_free(o->member);
    azk_free(o->findings);
    azk_free(o->edm);
    azk_free(o->rows);
    json_decref(o->json);
    memset(o, 0, sizeof(*o));
}
