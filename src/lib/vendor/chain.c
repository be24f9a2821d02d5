/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vendor/chain.c -- a vendor's sub-contracting (再委託) chain for its
 * sheet (azk_vendor_view SHOW "chain"): every link below the vendor, in
 * order (a link, then the links below it), each with its depth (1 = the
 * vendor's own sub-contractor), who entrusts it, the scope, and the
 * sub-contractor's name and locations of data. Cycles are refused when a
 * link is added (vendor/register.c); the walk still stops at one, and at
 * AZK_VENDOR_CHAIN_DEPTH.
 */
#include "vendor/vendor_int.h"

#include <string.h>

#define AZK_VENDOR_CHAIN_DEPTH 16

struct links {
    json_t *arr; /* [{"sub", "scope"}] of one vendor */
};

static azk_status link_cb(const char *const *cols, size_t ncols, void *payload)
{
    struct links *l = payload;
    json_t *o;
    if (ncols < 2 || cols[0] == NULL)
        return AZK_OK;
    o = json_pack("{s:s, s:s?}", "sub", cols[0], "scope", cols[1]);
    if (o == NULL || json_array_append_new(l->arr, o) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

/* name and locations of one vendor (VENDOR_GET row: id name corp crit locations ...) */
static azk_status who_cb(const char *const *cols, size_t ncols, void *payload)
{
    json_t *o = payload, *locs;
    if (ncols < 5)
        return AZK_OK;
    locs = cols[4] != NULL ? json_loads(cols[4], 0, NULL) : NULL;
    if (json_object_set_new(o, "name", cols[1] != NULL ? json_string(cols[1]) : json_null()) != 0 ||
        json_object_set_new(o, "locations",
                            json_is_array(locs) ? json_incref(locs) : json_array()) != 0) {
        json_decref(locs);
        return azk_error_nomem();
    }
    json_decref(locs);
    return AZK_OK;
}

/* Is v one of the vendors on the path from the top (a cycle)? */
static bool on_path(const char *const *path, size_t depth, const char *v)
{
    for (size_t i = 0; i < depth; i++)
        if (strcmp(path[i], v) == 0)
            return true;
    return false;
}

static azk_status walk(azk_home *h, const char **path, size_t depth, json_t *out)
{
    struct links l = {json_array()};
    json_t *x;
    size_t i;
    azk_status rc;
    if (l.arr == NULL)
        return azk_error_nomem();
    rc = azk_store__vendor_rows(h, AZK_VSQL_SUB_LIST, &path[depth - 1], 1, link_cb, &l);
    json_array_foreach(l.arr, i, x)
    {
        const char *sub = json_string_value(json_object_get(x, "sub"));
        bool loop = on_path(path, depth, sub);
        if (rc != AZK_OK)
            break;
        if (json_object_set_new(x, "depth", json_integer((json_int_t)depth)) != 0 ||
            json_object_set_new(x, "vendor", json_string(path[depth - 1])) != 0 ||
            json_object_set_new(x, "cycle", json_boolean(loop)) != 0) {
            rc = azk_error_nomem();
            break;
        }
        rc = azk_store__vendor_rows(h, AZK_VSQL_VENDOR_GET, &sub, 1, who_cb, x);
        if (rc == AZK_OK && json_array_append(out, x) != 0)
            rc = azk_error_nomem();
        if (rc == AZK_OK && !loop && depth < AZK_VENDOR_CHAIN_DEPTH) {
            path[depth] = sub;
            rc = walk(h, path, depth + 1, out);
        }
    }
    json_decref(l.arr);
    return rc;
}

azk_status azk_vendor__chain(azk_home *h, const char *id, json_t **out)
{
    const char *path[AZK_VENDOR_CHAIN_DEPTH + 1];
    json_t *arr = json_array();
    azk_status rc;
    *out = NULL;
    if (arr == NULL)
        return azk_error_nomem();
    path[0] = id;
    rc = walk(h, path, 1, arr);
    if (rc != AZK_OK) {
        json_decref(arr);
        return rc;
    }
    *out = arr;
    return AZK_OK;
}
