/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/entry.c -- the canonical JSON of a ledger entry: sorted keys,
 * compact separators, UTF-8, strings escaped as jansson's encoder does, so
 * the bytes that are hashed are reproducible and any JSON parser reads
 * them. The fixed keys are written in sorted order directly (jansson's
 * object building cost 7 us per entry, the budget is 10); the free-form
 * "extra" object is canonicalized by jansson (parse, dump with sorted keys)
 * and cached while a batch repeats the same text. Two chain fields, "@prev"
 * (hex of the previous entry's leaf hash, zeros for entry 0) and "@seq" (the
 * entry's index), sort before every other key, so a verifier reads them
 * from a fixed prefix without parsing the whole entry. Events never carry
 * personal values: callers pass object ids, and the library only adds the
 * OS account and host names.
 */
#include "audit/audit_int.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char hexd[] = "0123456789abcdef";

/* a JSON string, escaped like jansson's dump (no ENSURE_ASCII): util/json.c */
static azk_status put_str(azk_buf *b, const char *field, const char *s)
{
    size_t n = strlen(s);
    if (!azk_utf8_valid((const uint8_t *)s, n))
        return azk_error_set(AZK_ERR_ARG, "audit: field %s is not valid UTF-8", field);
    return azk_buf_put_json_string(b, s, n);
}

static azk_status put_field(azk_buf *b, const char *key, const char *val)
{
    size_t kl = strlen(key);
    azk_status rc = azk_buf_grow(b, kl + 4);
    if (rc != AZK_OK)
        return rc;
    b->data[b->len++] = ',';
    b->data[b->len++] = '"';
    memcpy(b->data + b->len, key, kl);
    b->len += kl;
    b->data[b->len++] = '"';
    b->data[b->len++] = ':';
    b->data[b->len] = '\0';
    if (rc == AZK_OK)
        rc = put_str(b, key, val);
    return rc;
}

/* canonical text of the extra object into c->canon (cached by pointer) */
static azk_status extra_canon(struct azk_audit__extra_cache *c, const char *src)
{
    json_t *extra;
    json_error_t jerr;
    size_t need;
    azk_status rc;
    if (c->src == src && c->canon.len > 0)
        return AZK_OK;
    c->src = NULL;
    azk_buf_clear(&c->canon);
    extra = json_loads(src, JSON_REJECT_DUPLICATES, &jerr);
    if (extra == NULL) {
        /* jansson 2.14 reports an allocation failure as a syntax error:
         * probe, so that out of memory is NOMEM, not the caller's fault */
        void *probe = azk_malloc(256);
        azk_free(probe);
        if (probe == NULL || json_error_code(&jerr) == json_error_out_of_memory)
            return azk_error_nomem();
    }
    if (extra == NULL || !json_is_object(extra)) {
        json_decref(extra);
        return azk_error_set(AZK_ERR_ARG, "audit: extra is not a JSON object (column %d)",
                             extra == NULL ? jerr.column : 0);
    }
    need = json_dumpb(extra, NULL, 0, JSON_COMPACT | JSON_SORT_KEYS);
    rc = need == 0 ? azk_error_nomem() : azk_buf_grow(&c->canon, need);
    if (rc == AZK_OK &&
        json_dumpb(extra, (char *)c->canon.data, need, JSON_COMPACT | JSON_SORT_KEYS) != need)
        rc = azk_error_nomem();
    json_decref(extra);
    if (rc != AZK_OK)
        return rc;
    c->canon.len = need;
    c->canon.data[need] = '\0';
    c->src = src;
    return AZK_OK;
}

void azk_audit__extra_cache_dispose(struct azk_audit__extra_cache *c)
{
    azk_buf_dispose(&c->canon);
    c->src = NULL;
}

azk_status azk_audit__entry_build(const azk_audit_event *ev, uint64_t seq, const uint8_t prev[HLEN],
                                  const char *def_actor, const char *def_host,
                                  struct azk_audit__extra_cache *cache, azk_buf *out)
{
    azk_status rc;
    struct azk_audit__extra_cache local = {NULL, AZK_BUF_INIT};
    struct azk_audit__extra_cache *xc = cache != NULL ? cache : &local;
    char prevhex[2 * HLEN + 1];
    char tbuf[96];
    int64_t ms = ev->time_ms;
    time_t secs;
    struct tm tm;
    size_t start = out->len;

    if (ev->action == NULL || ev->action[0] == '\0')
        return azk_error_set(AZK_ERR_ARG, "audit: event without action");
    if (ev->object_count > 0 && ev->objects == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: object ids missing");
    if (ms == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
    }
    secs = (time_t)(ms / 1000);
    if (ms < 0 || gmtime_r(&secs, &tm) == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: event time out of range");
    snprintf(tbuf, sizeof(tbuf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(ms % 1000));
    for (size_t i = 0; i < HLEN; i++) {
        prevhex[2 * i] = hexd[prev[i] >> 4];
        prevhex[2 * i + 1] = hexd[prev[i] & 15];
    }
    prevhex[2 * HLEN] = '\0';
    if (ev->extra_json != NULL) {
        rc = extra_canon(xc, ev->extra_json);
        if (rc != AZK_OK)
            goto done;
    }
    /* keys in sorted (strcmp) order */
    rc = azk_buf_puts(out, "{\"@prev\":\"");
    if (rc == AZK_OK)
        rc = azk_buf_put(out, prevhex, 2 * HLEN);
    if (rc == AZK_OK) {
        char num[32];
        int nl = snprintf(num, sizeof(num), "\",\"@seq\":%llu", (unsigned long long)seq);
        rc = azk_buf_put(out, num, (size_t)nl);
    }
    if (rc == AZK_OK)
        rc = put_field(out, "action", ev->action);
    if (rc == AZK_OK)
        rc = put_field(out, "actor", ev->actor != NULL ? ev->actor : def_actor);
    if (rc == AZK_OK && ev->extra_json != NULL) {
        rc = azk_buf_puts(out, ",\"extra\":");
        if (rc == AZK_OK)
            rc = azk_buf_put(out, xc->canon.data, xc->canon.len);
    }
    if (rc == AZK_OK)
        rc = put_field(out, "host", ev->host != NULL ? ev->host : def_host);
    if (rc == AZK_OK)
        rc = azk_buf_puts(out, ",\"objects\":[");
    for (size_t i = 0; rc == AZK_OK && i < ev->object_count; i++) {
        if (ev->objects[i] == NULL) {
            rc = azk_error_set(AZK_ERR_ARG, "audit: object id %zu is NULL", i);
            break;
        }
        if (i > 0)
            rc = azk_buf_putc(out, ',');
        if (rc == AZK_OK)
            rc = put_str(out, "objects", ev->objects[i]);
    }
    if (rc == AZK_OK)
        rc = azk_buf_putc(out, ']');
    if (rc == AZK_OK)
        rc = put_field(out, "outcome", ev->outcome != NULL ? ev->outcome : "ok");
    if (rc == AZK_OK && ev->reason != NULL)
        rc = put_field(out, "reason", ev->reason);
    if (rc == AZK_OK)
        rc = put_field(out, "time", tbuf);
    if (rc == AZK_OK)
        rc = azk_buf_puts(out, ",\"v\":1}");
    if (rc == AZK_OK && out->len - start > AZK_AUDIT_ENTRY_MAX)
        rc = azk_error_set(AZK_ERR_LIMIT, "audit: entry of %zu bytes above the limit",
                           out->len - start);
done:
    if (rc != AZK_OK && out->data != NULL) {
        out->len = start; /* leave the buffer as it was */
        out->data[start] = '\0';
    }
    azk_audit__extra_cache_dispose(&local);
    return rc;
}

static int unhex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

azk_status azk_audit__entry_chain(const uint8_t *e, size_t len, uint64_t *seq, uint8_t prev[HLEN])
{
    static const char p1[] = "{\"@prev\":\"";
    static const char p2[] = "\",\"@seq\":";
    const size_t hexat = sizeof(p1) - 1, seqat = hexat + 2 * HLEN + sizeof(p2) - 1;
    uint64_t v = 0;
    size_t i;
    if (len < seqat + 2 || memcmp(e, p1, sizeof(p1) - 1) != 0 ||
        memcmp(e + hexat + 2 * HLEN, p2, sizeof(p2) - 1) != 0)
        return azk_error_set(AZK_ERR_FORMAT, "entry: missing chain fields");
    for (i = 0; i < HLEN; i++) {
        int hi = unhex((char)e[hexat + 2 * i]), lo = unhex((char)e[hexat + 2 * i + 1]);
        if (hi < 0 || lo < 0)
            return azk_error_set(AZK_ERR_FORMAT, "entry: malformed @prev");
        prev[i] = (uint8_t)(hi << 4 | lo);
    }
    i = seqat;
    if (e[i] == '0' && i + 1 < len && e[i + 1] != ',')
        return azk_error_set(AZK_ERR_FORMAT, "entry: malformed @seq");
    for (; i < len && e[i] >= '0' && e[i] <= '9'; i++) {
        if (v > (UINT64_MAX - 9) / 10)
            return azk_error_set(AZK_ERR_FORMAT, "entry: malformed @seq");
        v = v * 10 + (uint64_t)(e[i] - '0');
    }
    if (i == seqat || i >= len || e[i] != ',' || e[len - 1] != '}')
        return azk_error_set(AZK_ERR_FORMAT, "entry: malformed @seq");
    *seq = v;
    return AZK_OK;
}
