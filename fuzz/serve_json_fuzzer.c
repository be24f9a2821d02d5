/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/serve_json_fuzzer.c -- libFuzzer harness for the JSON body reader
 * of azukari serve's API (serve/json_body.c, azk_serve__json_body_parse;
 * RFC 8259 with the API's limits). Invariants: success or AZK_ERR_FORMAT /
 * AZK_ERR_LIMIT / AZK_ERR_NOMEM; a success is an object within every
 * limit (depth, members, key and string lengths); a refusal leaves no
 * document; a member read back through azk_serve__json_str is the
 * document's own string.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t depth_of(json_t *v, size_t *items)
{
    size_t d = 0, i;
    const char *k;
    json_t *m;
    if (json_is_object(v)) {
        json_object_foreach(v, k, m)
        {
            size_t x;
            (*items)++;
            if (strlen(k) > AZK_SERVE_JSON_MAX_KEY)
                abort();
            x = depth_of(m, items);
            if (x > d)
                d = x;
        }
        return d + 1;
    }
    if (json_is_array(v)) {
        json_array_foreach(v, i, m)
        {
            size_t x;
            (*items)++;
            x = depth_of(m, items);
            if (x > d)
                d = x;
        }
        return d + 1;
    }
    if (json_is_string(v) && json_string_length(v) > AZK_SERVE_JSON_MAX_STRING)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct azk_serve_req rq;
    json_t *doc = (json_t *)(uintptr_t)1;
    azk_status rc = azk_serve__json_body_parse((const char *)data, size, &doc);
    size_t items = 0;
    if (rc != AZK_OK) {
        if (doc != NULL)
            abort();
        if (rc != AZK_ERR_FORMAT && rc != AZK_ERR_LIMIT && rc != AZK_ERR_NOMEM)
            abort();
        azk_error_clear();
        return 0;
    }
    if (!json_is_object(doc) || size > AZK_SERVE_JSON_MAX)
        abort();
    if (depth_of(doc, &items) > AZK_SERVE_JSON_MAX_DEPTH || items > AZK_SERVE_JSON_MAX_ITEMS)
        abort();
    memset(&rq, 0, sizeof(rq));
    rq.json = doc;
    {
        const char *k;
        json_t *m;
        json_object_foreach(doc, k, m)
        {
            const char *s = azk_serve__json_str(&rq, k);
            if (json_is_string(m) != (s != NULL))
                abort();
            if (s != NULL && s != json_string_value(m))
                abort();
        }
    }
    json_decref(doc);
    return 0;
}
