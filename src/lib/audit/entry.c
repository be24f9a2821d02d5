/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/entry.c -- the canonical JSON of a ledger entry, built with jansson
 * (sorted keys, compact separators, UTF-8) so the bytes that are hashed are
 * reproducible. Two chain fields, "@prev" (hex of the previous entry's leaf
 * hash, zeros for entry 0) and "@seq" (the entry's index), sort before every
 * other key, so a verifier reads them from a fixed prefix without parsing
 * the whole entry. Events never carry personal values: callers pass object
 * ids, and the library only adds the OS account and host names.
 */
#include "audit/audit_int.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static const char hexd[] = "0123456789abcdef";

static azk_status set_str(json_t *o, const char *k, const char *v)
{
    json_t *s = json_string(v);
    if (s == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: field %s is not valid UTF-8", k);
    if (json_object_set_new(o, k, s) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

azk_status azk_audit__entry_build(const azk_audit_event *ev, uint64_t seq, const uint8_t prev[HLEN],
                                  const char *def_actor, const char *def_host, azk_buf *out)
{
    azk_status rc = AZK_ERR_NOMEM;
    json_t *o = NULL, *objs = NULL, *extra = NULL;
    char prevhex[2 * HLEN + 1];
    char tbuf[96];
    int64_t ms = ev->time_ms;
    time_t secs;
    struct tm tm;
    size_t need;

    if (ev->action == NULL || ev->action[0] == '\0')
        return azk_error_set(AZK_ERR_ARG, "audit: event without action");
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

    o = json_object();
    objs = json_array();
    if (o == NULL || objs == NULL)
        goto nomem;
    for (size_t i = 0; i < ev->object_count; i++) {
        json_t *s;
        if (ev->objects[i] == NULL) {
            rc = azk_error_set(AZK_ERR_ARG, "audit: object id %zu is NULL", i);
            goto done;
        }
        s = json_string(ev->objects[i]);
        if (s == NULL) {
            rc = azk_error_set(AZK_ERR_ARG, "audit: object id %zu is not valid UTF-8", i);
            goto done;
        }
        if (json_array_append_new(objs, s) != 0)
            goto nomem;
    }
    if (ev->extra_json != NULL) {
        json_error_t jerr;
        extra = json_loads(ev->extra_json, JSON_REJECT_DUPLICATES, &jerr);
        if (extra == NULL || !json_is_object(extra)) {
            rc = azk_error_set(AZK_ERR_ARG, "audit: extra is not a JSON object (column %d)",
                               extra == NULL ? jerr.column : 0);
            goto done;
        }
        if (json_object_set(o, "extra", extra) != 0)
            goto nomem;
    }
    {
        const char *const fields[][2] = {
            {"@prev", prevhex},
            {"action", ev->action},
            {"actor", ev->actor != NULL ? ev->actor : def_actor},
            {"host", ev->host != NULL ? ev->host : def_host},
            {"outcome", ev->outcome != NULL ? ev->outcome : "ok"},
            {"reason", ev->reason}, /* omitted when NULL */
            {"time", tbuf},
        };
        for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
            if (fields[i][1] == NULL)
                continue;
            rc = set_str(o, fields[i][0], fields[i][1]);
            if (rc != AZK_OK)
                goto done;
        }
    }
    rc = AZK_ERR_NOMEM;
    if (json_object_set_new(o, "@seq", json_integer((json_int_t)seq)) != 0 ||
        json_object_set(o, "objects", objs) != 0 ||
        json_object_set_new(o, "v", json_integer(1)) != 0)
        goto nomem;
    /* dump once into the room we have; retry with the exact size if short */
    rc = azk_buf_grow(out, 1024);
    if (rc != AZK_OK)
        goto done;
    need = json_dumpb(o, (char *)out->data + out->len, out->cap - out->len - 1,
                      JSON_COMPACT | JSON_SORT_KEYS);
    if (need == 0)
        goto nomem;
    if (need > AZK_AUDIT_ENTRY_MAX) {
        rc = azk_error_set(AZK_ERR_LIMIT, "audit: entry of %zu bytes above the limit", need);
        goto done;
    }
    if (need > out->cap - out->len - 1) {
        rc = azk_buf_grow(out, need);
        if (rc != AZK_OK)
            goto done;
        if (json_dumpb(o, (char *)out->data + out->len, need, JSON_COMPACT | JSON_SORT_KEYS) !=
            need)
            goto nomem;
    }
    out->len += need;
    out->data[out->len] = '\0';
    rc = AZK_OK;
    goto done;
nomem:
    rc = azk_error_nomem();
done:
    json_decref(extra);
    json_decref(objs);
    json_decref(o);
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
