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
 * silently). Messages name the field, never a value.
 */
#include "serve/agents_int.h"
#include "serve/agents_meta.h"

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

static bool hex32(const char *s)
{
    size_t i;
    for (i = 0; s[i] != '\0'; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return i == AZK_AGENT_BATCH_ID_HEXLEN;
}

static bool nonneg(const json_t *v)
{
    return json_is_integer(v) && json_integer_value(v) >= 0;
}

static azk_status bad(size_t i, const char *field)
{
    return azk_error_set(AZK_ERR_FORMAT, "batch: object %zu: bad or missing %s", i, field);
}

static int by_key(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A checked string as JSON into the batch's texts. */
static azk_status put_str(azk_buf *b, const json_t *s)
{
    return azk_buf_put_json_string(b, json_string_value(s), json_string_length(s));
}

/*
 * An object's counts (keys sorted), examples and edm (keys in a fixed
 * order) as compact JSON texts, each NUL-terminated, into b; offs gets
 * where each starts. Written by hand from the checked values: no
 * allocation per text (json_dumps made three per object).
 */
static azk_status put_texts(azk_buf *b, const json_t *o, size_t offs[3])
{
    const json_t *counts = json_object_get(o, "counts"), *ex = json_object_get(o, "examples");
    const json_t *edm = json_object_get(o, "edm"), *v;
    const char *keys[64] = {NULL}, *k;
    size_t n = 0, j;
    azk_status rc;

    offs[0] = b->len;
    json_object_foreach((json_t *)(uintptr_t)counts, k, v)
    {
        (void)v;
        keys[n++] = k; /* at most 64: checked */
    }
    qsort(keys, n, sizeof(keys[0]), by_key);
    rc = azk_buf_puts(b, "{");
    for (j = 0; rc == AZK_OK && j < n; j++) {
        if (j > 0)
            rc = azk_buf_puts(b, ",");
        if (rc == AZK_OK)
            rc = azk_buf_put_json_string(b, keys[j], strlen(keys[j]));
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, ":%lld",
                                (long long)json_integer_value(json_object_get(counts, keys[j])));
    }
    if (rc == AZK_OK)
        rc = azk_buf_put(b, "}", 2);
    offs[1] = b->len;
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "[");
    json_array_foreach(ex, j, v)
    {
        if (rc == AZK_OK && j > 0)
            rc = azk_buf_puts(b, ",");
        if (rc == AZK_OK)
            rc = put_str(b, v);
    }
    if (rc == AZK_OK)
        rc = azk_buf_put(b, "]", 2);
    offs[2] = b->len;
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "[");
    json_array_foreach(edm, j, v)
    {
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, j > 0 ? ",{\"client\":" : "{\"client\":");
        if (rc == AZK_OK)
            rc = put_str(b, json_object_get(v, "client"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, ",\"dataset\":");
        if (rc == AZK_OK)
            rc = put_str(b, json_object_get(v, "dataset"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, ",\"records\":%lld}",
                                (long long)json_integer_value(json_object_get(v, "records")));
    }
    if (rc == AZK_OK)
        rc = azk_buf_put(b, "]", 2);
    return rc;
}

static azk_status check_object(const json_t *o, size_t i, struct azk_store_agent_object *out)
{
    static const char *const keys[] = {"path",     "size", "mtime", "format", "counts",
                                       "examples", "edm",  "score", "error",  NULL};
    const json_t *path = json_object_get(o, "path"), *size = json_object_get(o, "size");
    const json_t *mtime = json_object_get(o, "mtime"), *fmt = json_object_get(o, "format");
    const json_t *counts = json_object_get(o, "counts"), *ex = json_object_get(o, "examples");
    const json_t *edm = json_object_get(o, "edm"), *score = json_object_get(o, "score");
    const json_t *err = json_object_get(o, "error");
    const char *k;
    json_t *v;
    size_t j;
    int64_t records = 0;
    double sc;

    if (!json_is_object(o) || !azk_serve__agent_only_keys(o, keys))
        return azk_error_set(AZK_ERR_FORMAT, "batch: object %zu: not an object of known fields", i);
    if (!json_is_string(path) || json_string_length(path) == 0 ||
        json_string_length(path) > AZK_AGENT_MAX_PATH ||
        memchr(json_string_value(path), '\0', json_string_length(path)) != NULL)
        return bad(i, "path");
    if (!nonneg(size))
        return bad(i, "size");
    if (!nonneg(mtime))
        return bad(i, "mtime");
    if (fmt != NULL && !json_is_null(fmt) && (!json_is_string(fmt) || json_string_length(fmt) > 32))
        return bad(i, "format");
    if (err != NULL && !json_is_null(err) && (!json_is_string(err) || json_string_length(err) > 32))
        return bad(i, "error");
    if (!json_is_object(counts) || json_object_size(counts) > 64)
        return bad(i, "counts");
    json_object_foreach((json_t *)(uintptr_t)counts, k, v)
    {
        if (strlen(k) == 0 || strlen(k) > 32 || !nonneg(v))
            return bad(i, "counts");
    }
    if (!json_is_array(ex) || json_array_size(ex) > AZK_AGENT_MAX_EXAMPLES)
        return bad(i, "examples");
    json_array_foreach(ex, j, v)
    {
        if (!json_is_string(v) || json_string_length(v) > 256)
            return bad(i, "examples");
    }
    if (!json_is_array(edm) || json_array_size(edm) > AZK_AGENT_MAX_EDM)
        return bad(i, "edm");
    json_array_foreach(edm, j, v)
    {
        static const char *const ekeys[] = {"client", "dataset", "records", NULL};
        const json_t *c = json_object_get(v, "client"), *d = json_object_get(v, "dataset");
        const json_t *r = json_object_get(v, "records");
        if (!json_is_object(v) || !azk_serve__agent_only_keys(v, ekeys) || !json_is_string(c) ||
            !json_is_string(d) || !azk_store__valid_id(json_string_value(c)) ||
            json_string_length(d) == 0 || json_string_length(d) > 64 || !nonneg(r) ||
            json_integer_value(r) > INT32_MAX)
            return bad(i, "edm");
        records += json_integer_value(r);
    }
    if (!json_is_number(score))
        return bad(i, "score");
    sc = json_number_value(score);
    if (!isfinite(sc) || sc < 0 || sc > 1e6)
        return bad(i, "score");
    out->path = json_string_value(path);
    out->size = json_integer_value(size);
    out->mtime = json_integer_value(mtime);
    out->format = json_is_string(fmt) ? json_string_value(fmt) : NULL;
    out->error = json_is_string(err) ? json_string_value(err) : NULL;
    out->edm_records = records;
    out->score_milli = (int64_t)llround(sc * 1000.0);
    return AZK_OK;
}

azk_status azk_serve__agent_batch_parse(struct azk_agent_batch *out, const uint8_t *body,
                                        size_t len, bool deflated)
{
    static const char *const keys[] = {"batch_id", "created_at", "lost_objects", "objects", NULL};
    azk_buf plain = AZK_BUF_INIT;
    json_error_t je;
    const json_t *id, *sent, *lost, *objs, *o;
    azk_status rc = AZK_OK;
    size_t i, *offs = NULL;

    memset(out, 0, sizeof(*out));
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
    out->doc = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
    if (out->doc == NULL) {
        rc = azk_error_set(AZK_ERR_FORMAT, "batch: not JSON (line %d)", je.line);
        goto done;
    }
    id = json_object_get(out->doc, "batch_id");
    sent = json_object_get(out->doc, "created_at");
    lost = json_object_get(out->doc, "lost_objects");
    objs = json_object_get(out->doc, "objects");
    if (!json_is_object(out->doc) || !azk_serve__agent_only_keys(out->doc, keys)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "batch: not an object of known fields");
        goto done;
    }
    if (!json_is_string(id) || !hex32(json_string_value(id))) {
        rc = azk_error_set(AZK_ERR_FORMAT, "batch: batch_id must be 32 lowercase hex digits");
        goto done;
    }
    if (!nonneg(sent) || (lost != NULL && !nonneg(lost))) {
        rc = azk_error_set(AZK_ERR_FORMAT, "batch: bad created_at or lost_objects");
        goto done;
    }
    if (!json_is_array(objs)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "batch: objects must be an array");
        goto done;
    }
    if (json_array_size(objs) > AZK_AGENT_MAX_OBJECTS) {
        rc = azk_error_set(AZK_ERR_LIMIT, "batch: more than %d objects", AZK_AGENT_MAX_OBJECTS);
        goto done;
    }
    (void)snprintf(out->batch_id, sizeof(out->batch_id), "%s", json_string_value(id));
    out->created_at = json_integer_value(sent);
    out->lost_objects = lost != NULL ? json_integer_value(lost) : 0;
    out->count = json_array_size(objs);
    if (out->count > 0) {
        out->objs = azk_calloc(out->count, sizeof(*out->objs));
        offs = azk_calloc(out->count * 3, sizeof(size_t));
        if (out->objs == NULL || offs == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
    }
    json_array_foreach(objs, i, o)
    {
        rc = check_object(o, i, &out->objs[i]);
        if (rc == AZK_OK)
            rc = put_texts(&out->texts, o, &offs[i * 3]);
        if (rc != AZK_OK)
            goto done;
    }
    for (i = 0; i < out->count; i++) { /* the texts stay where they are from now on */
        out->objs[i].counts = (const char *)out->texts.data + offs[i * 3];
        out->objs[i].examples = (const char *)out->texts.data + offs[i * 3 + 1];
        out->objs[i].edm = (const char *)out->texts.data + offs[i * 3 + 2];
    }
done:
    azk_free(offs);
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
    json_decref(b->doc);
    memset(b, 0, sizeof(*b));
}
