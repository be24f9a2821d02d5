/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/config.c -- the "retention" section of <home>/azukari.conf
 * (sweep locations of the closed and the general zone, overwrite before
 * unlink, the scanner cache) read into a retention run's options, and the
 * one-line JSON form of a retention status item. Here, not in a front end,
 * so the CLI, the server and the agents read the same file the same way
 * and none of them needs a JSON library of its own.
 */
#include "util/util.h"
#include "azukari/retention.h"

#include <errno.h>
#include <string.h>
#include <jansson.h>
#include <stdio.h>

struct azk_retention_config {
    json_t *root;
    const char **closed, **general;
    size_t nclosed, ngeneral;
    bool overwrite;
    const char *cache;
};

/* The strings of a JSON array (borrowed from the document); non-strings are skipped. */
static azk_status str_array(json_t *arr, const char ***out, size_t *n)
{
    size_t i;
    *out = NULL;
    *n = 0;
    if (!json_is_array(arr) || json_array_size(arr) == 0)
        return AZK_OK;
    *out = azk_calloc(json_array_size(arr), sizeof(**out));
    if (*out == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    for (i = 0; i < json_array_size(arr); i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        if (s != NULL)
            (*out)[(*n)++] = s;
    }
    return AZK_OK;
}

azk_status azk_retention_config_load(azk_retention_config **out, const char *home)
{
    azk_status rc = AZK_ERR_NOMEM;
    azk_retention_config *c = NULL;
    azk_buf path = AZK_BUF_INIT;
    json_error_t err;
    json_t *r;

    azk_error_clear();
    AZK_ASSERT_ARG(out != NULL);
    AZK_ASSERT_ARG(home != NULL);
    *out = NULL;
    c = azk_calloc(1, sizeof(*c));
    if (c == NULL || azk_buf_printf(&path, "%s/azukari.conf", home) != AZK_OK) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    c->overwrite = true;
    c->root = json_load_file((const char *)path.data, 0, &err);
    if (c->root == NULL) {
        FILE *f = fopen((const char *)path.data, "re");
        if (f != NULL) {
            fclose(f);
            rc = azk_error_set(AZK_ERR_FORMAT, "%s: line %d: %s", (const char *)path.data, err.line,
                               err.text);
            goto done;
        }
        if (errno != ENOENT) {
            rc = azk_error_set(AZK_ERR_IO, "%s: %s", (const char *)path.data, strerror(errno));
            goto done;
        }
        /* no configuration: no sweep locations */
    } else {
        r = json_object_get(c->root, "retention");
        if (r != NULL) {
            rc = str_array(json_object_get(r, "sweep_paths"), &c->closed, &c->nclosed);
            if (rc == AZK_OK)
                rc =
                    str_array(json_object_get(r, "sweep_paths_general"), &c->general, &c->ngeneral);
            if (rc != AZK_OK)
                goto done;
            if (json_is_boolean(json_object_get(r, "overwrite")))
                c->overwrite = json_is_true(json_object_get(r, "overwrite"));
            c->cache = json_string_value(json_object_get(r, "cache"));
        }
    }
    *out = c;
    c = NULL;
    rc = AZK_OK;
done:
    azk_retention_config_free(c);
    azk_buf_dispose(&path);
    return rc;
}

void azk_retention_config_apply(const azk_retention_config *c, azk_retention_run_options *ro)
{
    if (c == NULL || ro == NULL)
        return;
    ro->sweep_paths = c->closed;
    ro->sweep_path_count = c->nclosed;
    ro->sweep_paths_general = c->general;
    ro->sweep_path_general_count = c->ngeneral;
    ro->overwrite = c->overwrite;
    ro->cache_path = c->cache;
}

void azk_retention_config_free(azk_retention_config *c)
{
    if (c == NULL)
        return;
    azk_free((void *)c->closed);
    azk_free((void *)c->general);
    json_decref(c->root);
    azk_free(c);
}

azk_status azk_retention_item_json(const azk_retention_item *it, char **out)
{
    json_t *o;
    char *s;
    AZK_ASSERT_ARG(it != NULL);
    AZK_ASSERT_ARG(out != NULL);
    *out = NULL;
    o = json_pack("{s:s,s:s,s:s,s:s,s:s?,s:I,s:I}", "dataset", it->dataset, "client", it->client,
                  "retain_until", it->retain_until, "status", it->status, "detail", it->detail,
                  "residuals", (json_int_t)it->residuals, "artifacts", (json_int_t)it->artifacts);
    s = o != NULL ? json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(o);
    if (s == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    *out = s; /* azk_retention_free frees it: both are the C library's free */
    return AZK_OK;
}
