/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/sup_control.c -- training (教育) and internal control (内部管理)
 * in azukari serve, for the contractor's staff (read-only pages; changes
 * stay with `azukari training` / `azukari control`, which need TOTP):
 * every enrolled user x course with its status, due ("expiring", within
 * 30 days) and lapsed rows marked; the versions of the risk criteria; risk
 * acceptances and internal-audit findings with their due dates, overdue
 * marked. Each page's data is one view, also sent as JSON by its /api/v1
 * twin. The library judges (azk_training_status, azk_control_list).
 */
#include "serve/serve_int.h"

#include "azukari/supervision.h"

#include <stdio.h>
#include <string.h>

#define WARN_DAYS 30u

static azk_status training_cb(const azk_training_item *it, void *payload)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s?, s:s?, s:s}", "user", it->user, "course", it->course,
                  "title", it->title, "completed", it->completed[0] != '\0' ? it->completed : NULL,
                  "expires", it->expires[0] != '\0' ? it->expires : NULL, "status", it->status);
    return o != NULL && json_array_append_new(payload, o) == 0 ? AZK_OK : azk_error_nomem();
}

static azk_status view_training(struct azk_server *srv, json_t **out)
{
    json_t *items = json_array();
    azk_status rc;
    *out = NULL;
    if (items == NULL)
        return azk_error_nomem();
    rc = azk_training_status(srv->h, 0, WARN_DAYS, training_cb, items);
    if (rc != AZK_OK) {
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:i, s:o, s:n}", "warn_days", (int)WARN_DAYS, "items", items, "next");
    return *out != NULL ? AZK_OK : azk_error_nomem();
}

azk_status azk_serve__h_api_training(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = view_training(srv, &doc);
    (void)rq;
    return rc != AZK_OK ? rc : azk_serve__json(rs, 200, doc);
}

static const char *training_label(const char *st)
{
    if (strcmp(st, "valid") == 0)
        return T_("valid");
    if (strcmp(st, "expiring") == 0)
        return T_("due soon");
    if (strcmp(st, "lapsed") == 0)
        return T_("lapsed");
    if (strcmp(st, "never") == 0)
        return T_("never completed");
    return st;
}

/* A table cell of a view's string member (escaped; "-" when absent). */
static azk_status cell(azk_buf *b, const json_t *row, const char *key)
{
    const char *v = json_string_value(json_object_get(row, key));
    azk_status rc = azk_buf_puts(b, "<td>");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, v != NULL && v[0] != '\0' ? v : "-");
    return rc == AZK_OK ? azk_buf_puts(b, "</td>") : rc;
}

azk_status azk_serve__h_training(struct azk_server *srv, struct azk_serve_req *rq,
                                 struct azk_serve_resp *rs)
{
    static const char *const keys[] = {"user", "course", "title", "completed", "expires"};
    json_t *doc = NULL, *row;
    azk_buf b = AZK_BUF_INIT;
    size_t i, lapsed = 0, due = 0;
    azk_status rc = view_training(srv, &doc);
    if (rc != AZK_OK)
        return rc;
    json_array_foreach(json_object_get(doc, "items"), i, row)
    {
        const char *st = json_string_value(json_object_get(row, "status"));
        lapsed += strcmp(st, "lapsed") == 0 || strcmp(st, "never") == 0;
        due += strcmp(st, "expiring") == 0;
    }
    rc = azk_buf_printf(&b, "<p id=\"training-summary\" class=\"%s\">%s: %zu / %s: %zu</p>",
                        lapsed > 0 ? "overdue" : "ok", T_("Lapsed or never completed"), lapsed,
                        T_("Due within 30 days"), due);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b,
                            "<table id=\"training\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>"
                            "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
                            T_("User"), T_("Course"), T_("Title"), T_("Completed"), T_("Expires"),
                            T_("Status"));
    json_array_foreach(json_object_get(doc, "items"), i, row)
    {
        const char *st = json_string_value(json_object_get(row, "status"));
        const char *cls = strcmp(st, "lapsed") == 0 || strcmp(st, "never") == 0 ? "lapsed"
                          : strcmp(st, "expiring") == 0                         ? "due"
                                                                                : "valid";
        if (rc != AZK_OK)
            break;
        rc = azk_buf_printf(&b, "<tr class=\"%s\">", cls);
        for (size_t k = 0; rc == AZK_OK && k < sizeof(keys) / sizeof(keys[0]); k++)
            rc = cell(&b, row, keys[k]);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "<td><strong>%s</strong></td></tr>", training_label(st));
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</tbody></table>");
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Training"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

/* ---- internal control ---------------------------------------------------- */

static azk_status criteria_cb(int64_t version, const char *sha256, const char *recorded_at,
                              const char *recorded_by, void *payload)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s}", "version", (json_int_t)version, "sha256", sha256,
                          "recorded_at", recorded_at, "recorded_by", recorded_by);
    return o != NULL && json_array_append_new(payload, o) == 0 ? AZK_OK : azk_error_nomem();
}

static azk_status control_cb(const azk_control_item *it, void *payload)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s?, s:s, s:s, s:s, s:s?, s:b, s:I}", "id", it->id, "kind",
                  it->kind, "title", it->title, "client", it->client[0] != '\0' ? it->client : NULL,
                  "owner", it->owner, "due", it->due, "status", it->status, "approved_by",
                  it->approved_by[0] != '\0' ? it->approved_by : NULL, "overdue", it->overdue,
                  "criteria", (json_int_t)it->criteria);
    return o != NULL && json_array_append_new(payload, o) == 0 ? AZK_OK : azk_error_nomem();
}

static azk_status view_control(struct azk_server *srv, json_t **out)
{
    json_t *crit = json_array(), *items = json_array();
    azk_status rc = crit != NULL && items != NULL ? AZK_OK : azk_error_nomem();
    *out = NULL;
    if (rc == AZK_OK)
        rc = azk_control_criteria_list(srv->h, criteria_cb, crit);
    if (rc == AZK_OK)
        rc = azk_control_list(srv->h, NULL, NULL, 0, control_cb, items);
    if (rc != AZK_OK) {
        json_decref(crit);
        json_decref(items);
        return rc;
    }
    *out = json_pack("{s:o, s:o, s:n}", "criteria", crit, "items", items, "next");
    return *out != NULL ? AZK_OK : azk_error_nomem();
}

azk_status azk_serve__h_api_control(struct azk_server *srv, struct azk_serve_req *rq,
                                    struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = view_control(srv, &doc);
    (void)rq;
    return rc != AZK_OK ? rc : azk_serve__json(rs, 200, doc);
}

static const struct azk_serve_col crit_cols[] = {
    {"version", N_("Version"), 0},
    {"sha256", N_("SHA-256 of the text"), 0},
    {"recorded_at", N_("Recorded at"), 0},
    {"recorded_by", N_("Recorded by"), 0},
};

/* The items of one kind as a table; overdue rows marked. */
static azk_status control_table(azk_buf *b, const char *id, const char *kind, json_t *items,
                                size_t *overdue)
{
    static const char *const keys[] = {"id",  "title",  "client",     "owner",
                                       "due", "status", "approved_by"};
    json_t *row;
    size_t i;
    bool finding = strcmp(kind, "finding") == 0;
    azk_status rc = azk_buf_printf(
        b,
        "<table id=\"%s\"><thead><tr><th>ID</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th>"
        "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
        id, T_("Title"), T_("Client"), finding ? T_("Owner") : T_("Requested by"),
        finding ? T_("Due") : T_("Expires"), T_("Status"), T_("Approved by"), T_("Overdue"));
    json_array_foreach(items, i, row)
    {
        bool late = json_is_true(json_object_get(row, "overdue"));
        if (rc != AZK_OK)
            break;
        if (strcmp(json_string_value(json_object_get(row, "kind")), kind) != 0)
            continue;
        *overdue += late;
        rc = azk_buf_printf(b, "<tr class=\"%s\">", late ? "lapsed" : "valid");
        for (size_t k = 0; rc == AZK_OK && k < sizeof(keys) / sizeof(keys[0]); k++)
            rc = cell(b, row, keys[k]);
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "<td>%s</td></tr>", late ? T_("overdue") : "-");
    }
    return rc == AZK_OK ? azk_buf_puts(b, "</tbody></table>") : rc;
}

azk_status azk_serve__h_control(struct azk_server *srv, struct azk_serve_req *rq,
                                struct azk_serve_resp *rs)
{
    json_t *doc = NULL, *items;
    azk_buf b = AZK_BUF_INIT;
    size_t late_f = 0, late_a = 0;
    azk_status rc = view_control(srv, &doc);
    if (rc != AZK_OK)
        return rc;
    items = json_object_get(doc, "items");
    rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Risk criteria (versions)"));
    if (rc == AZK_OK)
        rc = azk_serve__html_table(&b, "criteria", crit_cols,
                                   sizeof(crit_cols) / sizeof(crit_cols[0]),
                                   json_object_get(doc, "criteria"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Internal-audit findings"));
    if (rc == AZK_OK)
        rc = control_table(&b, "findings", "finding", items, &late_f);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Risk acceptances"));
    if (rc == AZK_OK)
        rc = control_table(&b, "acceptances", "acceptance", items, &late_a);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<p id=\"control-summary\" class=\"%s\">%s: %zu / %s: %zu</p>",
                            late_f + late_a > 0 ? "overdue" : "ok", T_("Findings overdue"), late_f,
                            T_("Acceptances expired"), late_a);
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Internal control"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}
