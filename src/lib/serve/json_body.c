/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/json_body.c -- the JSON body of a state-changing /api/v1 call
 * (RFC 8259), read with strict limits before and after jansson parses it:
 * the body is at most AZK_SERVE_JSON_MAX bytes (http.c caps the upload),
 * nesting is checked on the raw bytes first (so no deep recursion ever
 * reaches the parser), then the parsed document must be an object, with
 * at most AZK_SERVE_JSON_MAX_ITEMS members and array elements in all,
 * no duplicate key, no key longer than AZK_SERVE_JSON_MAX_KEY bytes, no
 * string longer than AZK_SERVE_JSON_MAX_STRING bytes, no NUL (jansson
 * refuses \u0000 and invalid UTF-8 by default). The message of a refusal
 * names the limit, never a value of the body.
 */
#include "serve/serve_int.h"

#include <jansson.h>
#include <string.h>

/* Nesting depth of the raw text, outside strings; > max: AZK_ERR_LIMIT. */
static azk_status depth_check(const char *s, size_t len, unsigned max)
{
    unsigned depth = 0;
    bool in_str = false;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (in_str) {
            if (c == '\\')
                i++; /* the escaped character cannot end the string */
            else if (c == '"')
                in_str = false;
            continue;
        }
        if (c == '"') {
            in_str = true;
        } else if (c == '{' || c == '[') {
            if (++depth > max)
                return azk_error_set(AZK_ERR_LIMIT, "JSON body nested deeper than %u levels", max);
        } else if ((c == '}' || c == ']') && depth > 0) {
            depth--;
        }
    }
    return AZK_OK;
}

struct walk {
    size_t items;
    size_t max_string;
};

static azk_status walk_value(json_t *v, struct walk *w)
{
    if (json_is_string(v)) {
        if (json_string_length(v) > w->max_string)
            return azk_error_set(AZK_ERR_LIMIT, "a JSON string is longer than %zu bytes",
                                 w->max_string);
        return AZK_OK;
    }
    if (json_is_object(v)) {
        const char *k;
        json_t *m;
        json_object_foreach(v, k, m)
        {
            azk_status rc;
            if (++w->items > AZK_SERVE_JSON_MAX_ITEMS)
                return azk_error_set(AZK_ERR_LIMIT, "JSON body has more than %d members",
                                     AZK_SERVE_JSON_MAX_ITEMS);
            if (strlen(k) > AZK_SERVE_JSON_MAX_KEY)
                return azk_error_set(AZK_ERR_LIMIT, "a JSON key is longer than %d bytes",
                                     AZK_SERVE_JSON_MAX_KEY);
            rc = walk_value(m, w);
            if (rc != AZK_OK)
                return rc;
        }
        return AZK_OK;
    }
    if (json_is_array(v)) {
        size_t i;
        json_t *m;
        json_array_foreach(v, i, m)
        {
            azk_status rc;
            if (++w->items > AZK_SERVE_JSON_MAX_ITEMS)
                return azk_error_set(AZK_ERR_LIMIT, "JSON body has more than %d members",
                                     AZK_SERVE_JSON_MAX_ITEMS);
            rc = walk_value(m, w);
            if (rc != AZK_OK)
                return rc;
        }
    }
    return AZK_OK; /* numbers, true, false, null */
}

azk_status azk_serve__json_body_parse(const char *body, size_t len, json_t **out)
{
    return azk_serve__json_body_parse_max(body, len, AZK_SERVE_JSON_MAX, out);
}

azk_status azk_serve__json_body_parse_max(const char *body, size_t len, size_t max, json_t **out)
{
    json_error_t err;
    json_t *doc;
    /* a route with a larger body (a report's text in one member) has strings as large */
    struct walk w = {0, max > AZK_SERVE_JSON_MAX ? max : AZK_SERVE_JSON_MAX_STRING};
    azk_status rc;
    AZK_ASSERT_ARG(out != NULL);
    *out = NULL;
    if (body == NULL || len == 0)
        return azk_error_set(AZK_ERR_FORMAT, "the request needs a JSON object as its body");
    if (len > max)
        return azk_error_set(AZK_ERR_LIMIT, "JSON body larger than %zu bytes", max);
    rc = depth_check(body, len, AZK_SERVE_JSON_MAX_DEPTH);
    if (rc != AZK_OK)
        return rc;
    doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
    if (doc == NULL)
        /* jansson's text says where and what (a position, a token class), not the value */
        return azk_error_set(AZK_ERR_FORMAT, "malformed JSON body at line %d column %d", err.line,
                             err.column);
    if (!json_is_object(doc)) {
        json_decref(doc);
        return azk_error_set(AZK_ERR_FORMAT, "the JSON body must be an object");
    }
    rc = walk_value(doc, &w);
    if (rc != AZK_OK) {
        json_decref(doc);
        return rc;
    }
    *out = doc;
    return AZK_OK;
}

const char *azk_serve__json_str(const struct azk_serve_req *rq, const char *name)
{
    json_t *v;
    if (rq == NULL || rq->json == NULL || name == NULL)
        return NULL;
    v = json_object_get(rq->json, name);
    return json_is_string(v) ? json_string_value(v) : NULL;
}
