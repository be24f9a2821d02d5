/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/pages_datasets.c -- a dataset's page in azukari serve (schema,
 * purpose, retention deadline and state, hold, artifacts, every open with
 * who, when and why) and the /api/v1 twins of it and of the dataset list.
 * The client role sees only datasets of its granted clients: an id of
 * another client, or one that does not exist, is refused the same way
 * (403, ledger serve.deny), so the answer does not tell which ids exist.
 * Artifacts' paths are shown to staff only. Opens and artifacts are
 * paged (?limit= for both; ?after= for opens, ?artifacts_after= for
 * artifacts: a position, so a URL never carries an artifact's path).
 */
#include "serve/serve_int.h"
#include "store/artifacts.h"
#include "store/serve_views.h"
#include "store/store.h"

#include "azukari/retention.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const detail_keys[] = {
    "id",      "client", "purpose",  "retain_until", "state",      "schema_json",     "records",
    "bytes",   "format", "encoding", "created_at",   "created_by", "retention_state", "hold_reason",
    "hold_by", "hold_at"};
static const char *const open_keys[] = {"at", "by", "reason"};

static azk_status detail_cb(const char *const *cols, size_t n, void *payload)
{
    json_t *o = payload;
    for (size_t i = 0; i < n && i < 16; i++) {
        json_t *v;
        if (i == 5) { /* schema: a JSON array of columns (headers, kinds, counts; no values) */
            v = cols[i] != NULL ? json_loads(cols[i], 0, NULL) : NULL;
            if (v == NULL)
                v = json_array();
            if (json_object_set_new(o, "schema", v) != 0)
                return azk_error_nomem();
            continue;
        }
        if (i == 6 || i == 7) {
            v = json_integer(cols[i] != NULL ? (json_int_t)strtoll(cols[i], NULL, 10) : 0);
        } else {
            v = cols[i] != NULL ? json_string(cols[i]) : json_null();
        }
        if (json_object_set_new(o, detail_keys[i], v) != 0)
            return azk_error_nomem();
    }
    return AZK_OK;
}

static azk_status artifact_cb(const azk_artifact_info *a, void *payload)
{
    json_t *o = json_pack("{s:s, s:s, s:s?}", "path", a->path, "deadline", a->deadline,
                          "disposition", a->disposition);
    return o != NULL && json_array_append_new(payload, o) == 0 ? AZK_OK : azk_error_nomem();
}

/* ?artifacts_after=: the number of artifacts already listed (0 when absent). */
static azk_status artifacts_skip(struct azk_serve_req *rq, int64_t *skip)
{
    const char *a = azk_serve__query(rq, "artifacts_after");
    char *end = NULL;
    long long v;
    *skip = 0;
    if (a == NULL)
        return AZK_OK;
    v = strtoll(a, &end, 10);
    if (a[0] < '0' || a[0] > '9' || end == NULL || *end != '\0' || strlen(a) > 12 || v <= 0)
        return azk_error_set(AZK_ERR_ARG, "artifacts_after must be a cursor from a previous page");
    *skip = (int64_t)v;
    return AZK_OK;
}

/*
 * The view of dataset ?id=: *visible false when the principal may not see
 * it (or it does not exist, for the client role); *found false when it
 * does not exist (staff).
 */
static azk_status view_dataset(struct azk_server *srv, struct azk_serve_req *rq, json_t **out,
                               bool *visible, bool *found)
{
    const char *id = azk_serve__query(rq, "id");
    const char *after, *client;
    size_t limit;
    json_t *doc = NULL, *arts = NULL;
    struct azk_serve_list l = {0};
    bool yes = false, more = false;
    int64_t skip = 0;
    azk_status rc;
    *out = NULL;
    *visible = false;
    *found = false;
    rc = azk_serve__page_args(rq, &limit, &after);
    if (rc == AZK_OK)
        rc = artifacts_skip(rq, &skip);
    if (rc != AZK_OK)
        return rc;
    if (id == NULL || !azk_store__valid_id(id)) {
        *visible = rq->who.role != AZK_ROLE_CLIENT;
        return AZK_OK;
    }
    doc = json_object();
    if (doc == NULL)
        return azk_error_nomem();
    rc = azk_store__dataset_detail(srv->h, id, detail_cb, doc, found);
    if (rc != AZK_OK || !*found) {
        *visible = rc == AZK_OK && rq->who.role != AZK_ROLE_CLIENT;
        json_decref(doc);
        return rc;
    }
    client = json_string_value(json_object_get(doc, "client"));
    rc = azk_serve__may_see_client(srv->h, &rq->who, client != NULL ? client : "", &yes);
    if (rc != AZK_OK || !yes) {
        json_decref(doc);
        return rc;
    }
    *visible = true;
    rc = azk_serve__list_init(&l, open_keys, 3, 0, limit);
    if (rc == AZK_OK)
        rc = azk_store__opens_page(srv->h, id, after, limit + 1, azk_serve__list_row, &l);
    if (rc == AZK_OK && json_object_set_new(doc, "opens", azk_serve__list_doc(&l)) != 0)
        rc = azk_error_nomem();
    if (rc == AZK_OK && rq->who.role != AZK_ROLE_CLIENT) {
        arts = json_array();
        if (arts == NULL)
            rc = azk_error_nomem();
        if (rc == AZK_OK)
            rc = azk_store__artifacts_page(srv->h, id, skip, limit, artifact_cb, arts, &more);
        if (rc == AZK_OK && json_object_set(doc, "artifacts", arts) != 0)
            rc = azk_error_nomem();
        if (rc == AZK_OK) { /* the next page's cursor: the artifacts listed so far */
            char cur[32];
            (void)snprintf(cur, sizeof(cur), "%lld",
                           (long long)(skip + (int64_t)json_array_size(arts)));
            if (json_object_set_new(doc, "artifacts_next", more ? json_string(cur) : json_null()) !=
                0)
                rc = azk_error_nomem();
        }
        json_decref(arts);
    }
    json_decref(l.items);
    if (rc != AZK_OK) {
        json_decref(doc);
        return rc;
    }
    *out = doc;
    return AZK_OK;
}

azk_status azk_serve__h_api_dataset(struct azk_server *srv, struct azk_serve_req *rq,
                                    struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    bool visible = false, found = false;
    azk_status rc = view_dataset(srv, rq, &doc, &visible, &found);
    if (rc == AZK_ERR_ARG)
        return azk_serve__bad_arg(rq, rs, true);
    if (rc != AZK_OK)
        return rc;
    if (!visible)
        return azk_serve__deny(srv, rq, rs, true, "dataset of a client not granted");
    if (!found)
        return azk_serve__api_error(rs, 404, "not_found", "No such dataset.");
    return azk_serve__json(rs, 200, doc);
}

static bool strequal(const json_t *o, const char *key, const char *want)
{
    const char *v = json_string_value(json_object_get(o, key));
    return v != NULL && strcmp(v, want) == 0;
}

static azk_status dl(azk_buf *b, const char *label, const char *value, const char *id)
{
    azk_status rc = azk_buf_printf(b, "<dt>%s</dt><dd%s%s%s>", label, id != NULL ? " id=\"" : "",
                                   id != NULL ? id : "", id != NULL ? "\"" : "");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, value != NULL ? value : "-");
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</dd>");
    return rc;
}

static const struct azk_serve_col schema_cols[] = {
    {"header", N_("Column"), 0},
    {"kind", N_("Kind"), 0},
};
static const struct azk_serve_col open_cols[] = {
    {"at", N_("When"), 0},
    {"by", N_("Who"), 0},
    {"reason", N_("Why"), 0},
};
static const struct azk_serve_col artifact_cols[] = {
    {"path", N_("Path"), 0},
    {"deadline", N_("Deadline"), 0},
    {"disposition", N_("Disposition"), 0},
};

azk_status azk_serve__h_dataset(struct azk_server *srv, struct azk_serve_req *rq,
                                struct azk_serve_resp *rs)
{
    json_t *doc = NULL, *schema;
    azk_buf b = AZK_BUF_INIT;
    bool visible = false, found = false;
    char n[64], path[160];
    azk_status rc = view_dataset(srv, rq, &doc, &visible, &found);
    if (rc == AZK_ERR_ARG) {
        char msg[256];
        (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
        azk_error_clear();
        return azk_serve__error_page(rq, rs, 400, msg);
    }
    if (rc != AZK_OK)
        return rc;
    if (!visible)
        return azk_serve__deny(srv, rq, rs, false, "dataset of a client not granted");
    if (!found)
        return azk_serve__error_page(rq, rs, 404, T_("No such dataset."));
    rc = azk_buf_puts(&b, "<dl class=\"detail\">");
    if (rc == AZK_OK)
        rc = dl(&b, T_("Dataset"), json_string_value(json_object_get(doc, "id")), "ds-id");
    if (rc == AZK_OK)
        rc = dl(&b, T_("Client"), json_string_value(json_object_get(doc, "client")), NULL);
    if (rc == AZK_OK)
        rc = dl(&b, T_("Purpose"), json_string_value(json_object_get(doc, "purpose")), NULL);
    if (rc == AZK_OK)
        rc = dl(&b, T_("Retain until"), json_string_value(json_object_get(doc, "retain_until")),
                "ds-deadline");
    if (rc == AZK_OK)
        rc = dl(&b, T_("State"),
                azk_serve__state_label(json_string_value(json_object_get(doc, "state"))),
                "ds-state");
    if (rc == AZK_OK && !strequal(doc, "retention_state", ""))
        rc = dl(&b, T_("Deletion"),
                azk_serve__state_label(json_string_value(json_object_get(doc, "retention_state"))),
                NULL);
    (void)snprintf(n, sizeof(n), "%lld",
                   (long long)json_integer_value(json_object_get(doc, "records")));
    if (rc == AZK_OK)
        rc = dl(&b, T_("Records"), n, NULL);
    if (rc == AZK_OK)
        rc =
            dl(&b, T_("Entrusted at"), json_string_value(json_object_get(doc, "created_at")), NULL);
    if (rc == AZK_OK)
        rc =
            dl(&b, T_("Entrusted by"), json_string_value(json_object_get(doc, "created_by")), NULL);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</dl>");
    {
        /* past its deadline and still held: said loudly, as on the dashboard */
        char today[16];
        const char *until = json_string_value(json_object_get(doc, "retain_until"));
        azk_store__today(today);
        if (rc == AZK_OK && strequal(doc, "state", "active") && until != NULL &&
            strcmp(until, today) < 0)
            rc = azk_buf_printf(&b, "<p class=\"overdue\" id=\"ds-overdue\">%s</p>",
                                T_("Past its deadline and not deleted."));
    }
    if (rc == AZK_OK && json_is_string(json_object_get(doc, "hold_reason"))) {
        rc = azk_buf_printf(&b, "<p class=\"overdue\" id=\"ds-hold\">%s: ", T_("On hold"));
        if (rc == AZK_OK)
            rc = azk_serve__html(&b, json_string_value(json_object_get(doc, "hold_reason")));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, " (");
        if (rc == AZK_OK)
            rc = azk_serve__html(&b, json_string_value(json_object_get(doc, "hold_by")));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, ")</p>");
    }
    schema = json_object_get(doc, "schema");
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Schema"));
    if (rc == AZK_OK)
        rc = azk_serve__html_table(&b, "schema", schema_cols, 2, schema);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Opens (who, when, why)"));
    if (rc == AZK_OK)
        rc = azk_serve__html_table(&b, "opens", open_cols, 3,
                                   json_object_get(json_object_get(doc, "opens"), "items"));
    (void)snprintf(path, sizeof(path), "/dataset?id=%s",
                   json_string_value(json_object_get(doc, "id")));
    if (rc == AZK_OK)
        rc = azk_serve__html_next(&b, path, json_object_get(doc, "opens"));
    if (rc == AZK_OK && json_is_array(json_object_get(doc, "artifacts"))) {
        rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Artifacts"));
        if (rc == AZK_OK)
            rc = azk_serve__html_table(&b, "artifacts", artifact_cols, 3,
                                       json_object_get(doc, "artifacts"));
        if (rc == AZK_OK && json_is_string(json_object_get(doc, "artifacts_next")))
            rc = azk_buf_printf(&b,
                                "<p class=\"next\"><a id=\"artifacts-next\" "
                                "href=\"%s&amp;artifacts_after=%s\">%s</a></p>",
                                path, json_string_value(json_object_get(doc, "artifacts_next")),
                                T_("Next page"));
    }
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Dataset"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}
