/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/config.c -- the "serve" section of <home>/azukari.conf (JSON):
 * session timeouts, the connection timeout, the drain time of a stop or
 * reload, rate limits and the login lockout, for what the caller's options
 * leave at 0 (options win over the file). Read at start and again on
 * reload (azk_serve_reload). Example:
 *
 *   {"serve": {"idle_timeout_s": 900, "absolute_timeout_s": 28800,
 *              "connection_timeout_s": 30, "drain_timeout_s": 30,
 *              "rate_user_per_min": 600, "rate_source_per_min": 1200}}
 */
#include "serve/serve_int.h"

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static const struct {
    const char *key;
    size_t off;
} conf_keys[] = {
    {"idle_timeout_s", offsetof(azk_serve_options, idle_timeout_s)},
    {"absolute_timeout_s", offsetof(azk_serve_options, absolute_timeout_s)},
    {"connection_timeout_s", offsetof(azk_serve_options, connection_timeout_s)},
    {"drain_timeout_s", offsetof(azk_serve_options, drain_timeout_s)},
    {"rate_user_per_min", offsetof(azk_serve_options, rate_user_per_min)},
    {"rate_source_per_min", offsetof(azk_serve_options, rate_source_per_min)},
    {"user_max_failures", offsetof(azk_serve_options, user_max_failures)},
    {"source_max_failures", offsetof(azk_serve_options, source_max_failures)},
};

azk_status azk_serve__config_read(azk_home *h, azk_serve_options *o, const azk_serve_options *given)
{
    azk_buf path = AZK_BUF_INIT;
    json_error_t jerr;
    json_t *root = NULL, *sec;
    struct stat st;
    azk_status rc;
    *o = *given;
    rc = azk_buf_printf(&path, "%s/azukari.conf", azk_home_path(h));
    if (rc != AZK_OK)
        return rc;
    if (stat((const char *)path.data, &st) != 0) {
        azk_buf_dispose(&path);
        return AZK_OK; /* no file: defaults */
    }
    root = json_load_file((const char *)path.data, JSON_REJECT_DUPLICATES, &jerr);
    azk_buf_dispose(&path);
    if (root == NULL)
        return azk_error_set(AZK_ERR_FORMAT, "azukari.conf: not valid JSON (line %d)", jerr.line);
    sec = json_object_get(root, "serve");
    if (sec != NULL && !json_is_object(sec)) {
        json_decref(root);
        return azk_error_set(AZK_ERR_FORMAT, "azukari.conf: \"serve\" must be an object");
    }
    for (size_t i = 0; sec != NULL && i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++) {
        json_t *v = json_object_get(sec, conf_keys[i].key);
        unsigned *field = (unsigned *)(void *)((char *)o + conf_keys[i].off);
        if (v == NULL)
            continue;
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 1000000) {
            rc = azk_error_set(AZK_ERR_FORMAT,
                               "azukari.conf: serve.%s must be a whole number from 1 to 1000000",
                               conf_keys[i].key);
            break;
        }
        if (*field == 0)
            *field = (unsigned)json_integer_value(v);
    }
    json_decref(root);
    return rc;
}
