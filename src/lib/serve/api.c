/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/api.c -- the JSON side of azukari serve (/api/v1): a JSON
 * response, the one stable error object every API error uses, the
 * pagination arguments every list takes, and step-up authentication
 * (the user's TOTP code asked again before an approval or a sensitive
 * download). The API's routes are in the route table with the pages'
 * (serve/routes.c) and go through the same authorisation rule; the
 * OpenAPI 3.1 description is docs/api/openapi.yaml.
 */
#include "serve/serve_int.h"

#include "azukari/retention.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

azk_status azk_serve__json(struct azk_serve_resp *rs, unsigned status, json_t *doc)
{
    char *text;
    azk_status rc;
    if (doc == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "serve: out of memory building a JSON answer");
    text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    if (text == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "serve: out of memory building a JSON answer");
    azk_buf_dispose(&rs->body);
    rc = azk_buf_puts(&rs->body, text);
    free(text); /* jansson allocates with malloc; checksrc: ok */
    if (rc != AZK_OK)
        return rc;
    rs->status = status;
    rs->content_type = "application/json; charset=utf-8";
    return AZK_OK;
}

azk_status azk_serve__api_error(struct azk_serve_resp *rs, unsigned status, const char *code,
                                const char *message)
{
    json_t *doc = json_pack("{s:{s:s, s:s, s:i}}", "error", "code", code != NULL ? code : "error",
                            "message", message != NULL ? message : "", "status", (int)status);
    return azk_serve__json(rs, status, doc);
}

azk_status azk_serve__page_args(struct azk_serve_req *rq, size_t *limit, const char **after)
{
    return azk_serve__page_args_parse(azk_serve__query(rq, "limit"), azk_serve__query(rq, "after"),
                                      limit, after);
}

azk_status azk_serve__page_args_parse(const char *l, const char *a, size_t *limit,
                                      const char **after)
{
    *limit = AZK_SERVE_PAGE_DEFAULT;
    *after = NULL;
    if (l != NULL) {
        char *end = NULL;
        unsigned long v = strtoul(l, &end, 10);
        if (l[0] < '0' || l[0] > '9' || end == NULL || *end != '\0' || v == 0 ||
            v > AZK_SERVE_PAGE_MAX)
            return azk_error_set(AZK_ERR_ARG, "limit must be a number from 1 to %d",
                                 AZK_SERVE_PAGE_MAX);
        *limit = (size_t)v;
    }
    if (a != NULL) {
        if (a[0] == '\0' || strlen(a) > 512)
            return azk_error_set(AZK_ERR_ARG, "after must be a cursor from a previous page");
        *after = a;
    }
    return AZK_OK;
}

azk_status azk_serve__step_up(struct azk_server *srv, struct azk_serve_req *rq, const char *code)
{
    azk_status rc;
    if (!rq->who.authenticated)
        return azk_error_set(AZK_ERR_PERM, "step-up authentication needs a session");
    rc = azk_user_auth(srv->h, rq->who.name, code); /* a code is good once; ledger auth.fail */
    if (rc == AZK_ERR_PERM) {
        azk_error_clear();
        rc = azk_serve__ledger(srv, rq, "serve.stepup", rq->who.name, "refused", rq->path);
        return rc != AZK_OK
                   ? rc
                   : azk_error_set(AZK_ERR_PERM,
                                   "step-up authentication failed (wrong or used TOTP code)");
    }
    if (rc != AZK_OK)
        return rc;
    return azk_serve__ledger(srv, rq, "serve.stepup", rq->who.name, NULL, rq->path);
}

azk_status azk_serve__bad_arg(struct azk_serve_req *rq, struct azk_serve_resp *rs, bool api)
{
    char msg[256];
    (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
    azk_error_clear();
    return api ? azk_serve__api_error(rs, 400, "bad_request", msg)
               : azk_serve__error_page(rq, rs, 400, msg);
}

azk_status azk_serve__api_answer(struct azk_serve_req *rq, struct azk_serve_resp *rs, azk_status rc,
                                 json_t *doc)
{
    if (rc == AZK_ERR_ARG)
        return azk_serve__bad_arg(rq, rs, true);
    return rc != AZK_OK ? rc : azk_serve__json(rs, 200, doc);
}
