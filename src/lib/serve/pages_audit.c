/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/pages_audit.c -- the ledger in azukari serve, for staff: entries
 * newest first, one page at a time (never the whole ledger), filtered by
 * action prefix and object id within a bounded scan; the signed
 * checkpoints stored in the home, each opened with the ledger's key; and
 * a bundle for an auditor (azk_audit_export: entries with inclusion
 * proofs and a signed checkpoint, checked offline with azukari audit
 * verify-bundle and ledger.pub). The ledger names ids, never a personal
 * value; every value is escaped on the page.
 */
#include "serve/serve_int.h"
#include "audit/audit_int.h"
#include "audit/ledger_int.h"

#include "azukari/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_FACTOR 20    /* a filtered page looks at most limit * SCAN_FACTOR entries */
#define BUNDLE_MAX  10000 /* entries in one exported bundle */
#define CHECKPOINTS 50    /* newest stored checkpoints listed */

static const struct azk_serve_col entry_cols[] = {
    {"index", N_("No."), 0},     {"time", N_("When"), 0},       {"actor", N_("Who"), 0},
    {"action", N_("Action"), 0}, {"outcome", N_("Outcome"), 0}, {"objects_text", N_("Objects"), 0},
    {"reason", N_("Reason"), 0},
};

static bool parse_u64(const char *s, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;
    if (s == NULL || s[0] < '0' || s[0] > '9')
        return false;
    v = strtoull(s, &end, 10);
    if (end == NULL || *end != '\0')
        return false;
    *out = (uint64_t)v;
    return true;
}

static json_t *entry_json(uint64_t index, const azk_audit_entry_info *e)
{
    json_t *objs = json_array();
    azk_buf t = AZK_BUF_INIT;
    json_t *o;
    for (size_t i = 0; objs != NULL && i < e->object_count; i++) {
        (void)json_array_append_new(objs, json_string(e->objects[i]));
        if (azk_buf_puts(&t, i > 0 ? ", " : "") != AZK_OK ||
            azk_buf_puts(&t, e->objects[i]) != AZK_OK)
            azk_error_clear();
    }
    o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s?, s:o?, s:s}", "index", (json_int_t)index,
                  "time", e->time, "actor", e->actor, "host", e->host, "action", e->action,
                  "outcome", e->outcome, "reason", e->reason, "objects", objs, "objects_text",
                  t.data != NULL ? (const char *)t.data : "");
    azk_buf_dispose(&t);
    return o;
}

/* Entries newest first below ?after= (an index; default: the end), at most ?limit, with
 * ?action= (prefix) and ?object= (exact) filters. {"size", "items", "next"}. */
static azk_status view_entries(struct azk_server *srv, struct azk_serve_req *rq, json_t **out)
{
    const char *action = azk_serve__query(rq, "action");
    const char *object = azk_serve__query(rq, "object");
    const char *after;
    size_t limit, scanned = 0;
    uint64_t size, i;
    azk_audit *a = NULL;
    json_t *items = NULL;
    azk_status rc;
    *out = NULL;
    rc = azk_serve__page_args(rq, &limit, &after);
    if (rc != AZK_OK)
        return rc;
    if (action != NULL && (action[0] == '\0' || strlen(action) > 64))
        action = NULL;
    if (object != NULL && (object[0] == '\0' || strlen(object) > 72))
        object = NULL;
    rc = azk_audit_open(&a, srv->h->path, 0, NULL);
    if (rc != AZK_OK)
        return rc;
    size = azk_audit_size(a);
    i = size;
    if (after != NULL && (!parse_u64(after, &i) || i > size)) {
        azk_audit_close(a);
        return azk_error_set(AZK_ERR_ARG, "after must be a cursor from a previous page");
    }
    items = json_array();
    if (items == NULL)
        rc = azk_error_nomem();
    while (rc == AZK_OK && i > 0 && json_array_size(items) < limit &&
           scanned < limit * SCAN_FACTOR) {
        char *text = NULL;
        size_t len = 0;
        azk_audit_entry_info *e = NULL;
        bool keep;
        i--;
        scanned++;
        rc = azk_audit_entry(a, i, &text, &len);
        if (rc == AZK_OK)
            rc = azk_audit_entry_parse(text, len, &e);
        azk_audit_free(text);
        if (rc != AZK_OK)
            break;
        keep = action == NULL || strncmp(e->action, action, strlen(action)) == 0;
        if (keep && object != NULL) {
            keep = false;
            for (size_t k = 0; k < e->object_count; k++)
                if (strcmp(e->objects[k], object) == 0)
                    keep = true;
        }
        if (keep && json_array_append_new(items, entry_json(i, e)) != 0)
            rc = azk_error_nomem();
        azk_audit_entry_info_free(e);
    }
    if (rc == AZK_OK) {
        char next[24];
        (void)snprintf(next, sizeof(next), "%llu", (unsigned long long)i);
        *out = json_pack("{s:I, s:o, s:o}", "size", (json_int_t)size, "items", items, "next",
                         i > 0 ? json_string(next) : json_null());
        items = NULL;
        if (*out == NULL)
            rc = azk_error_nomem();
    }
    json_decref(items);
    azk_audit_close(a);
    return rc;
}

/* The newest stored signed checkpoints, each opened with the ledger's key. */
static azk_status view_checkpoints(struct azk_server *srv, json_t **out)
{
    azk_audit *a = NULL;
    azk_buf dir = AZK_BUF_INIT;
    char **names = NULL;
    size_t count = 0;
    json_t *items = json_array();
    azk_status rc = items != NULL ? azk_audit_open(&a, srv->h->path, 0, NULL) : azk_error_nomem();
    *out = NULL;
    if (rc == AZK_OK)
        rc = azk_buf_printf(&dir, "%s/ledger/checkpoints", srv->h->path);
    if (rc == AZK_OK)
        rc = azk_audit__note_names((const char *)dir.data, 0, &names, &count);
    for (size_t k = count; rc == AZK_OK && k > 0 && count - k < CHECKPOINTS; k--) {
        azk_buf p = AZK_BUF_INIT, text = AZK_BUF_INIT;
        azk_audit_checkpoint_info cp;
        azk_status st = AZK_OK;
        char root[AZK_AUDIT_HASH_B64_LEN];
        json_t *o;
        memset(&cp, 0, sizeof(cp));
        rc = azk_buf_printf(&p, "%s/%s", (const char *)dir.data, names[k - 1]);
        if (rc == AZK_OK)
            st = azk_audit__read_file((const char *)p.data, &text, 65536);
        if (rc == AZK_OK && st == AZK_OK)
            st = azk_audit_checkpoint_open((const char *)text.data, text.len, azk_audit_vkey(a),
                                           &cp);
        if (st == AZK_ERR_NOMEM)
            rc = st;
        azk_audit_hash_b64(cp.root, root);
        o = json_pack("{s:s, s:b, s:I, s:s, s:s}", "name", names[k - 1], "valid", st == AZK_OK,
                      "size", (json_int_t)cp.size, "root", st == AZK_OK ? root : "", "note",
                      text.data != NULL ? (const char *)text.data : "");
        if (rc == AZK_OK && (o == NULL || json_array_append_new(items, o) != 0))
            rc = azk_error_nomem();
        azk_buf_dispose(&p);
        azk_buf_dispose(&text);
    }
    if (rc == AZK_OK)
        azk_error_clear(); /* a stored note that does not open is shown as invalid */
    if (rc == AZK_OK) {
        *out = json_pack("{s:o, s:n, s:I}", "items", items, "next", "size",
                         (json_int_t)azk_audit_size(a));
        items = NULL;
        if (*out == NULL)
            rc = azk_error_nomem();
    }
    json_decref(items);
    azk_audit__free_names(names, count);
    azk_buf_dispose(&dir);
    azk_audit_close(a);
    return rc;
}

azk_status azk_serve__h_api_audit(struct azk_server *srv, struct azk_serve_req *rq,
                                  struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = view_entries(srv, rq, &doc);
    return azk_serve__api_answer(rq, rs, rc, doc);
}

azk_status azk_serve__h_api_checkpoints(struct azk_server *srv, struct azk_serve_req *rq,
                                        struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = view_checkpoints(srv, &doc);
    (void)rq;
    return rc != AZK_OK ? rc : azk_serve__json(rs, 200, doc);
}

azk_status azk_serve__h_api_bundle(struct azk_server *srv, struct azk_serve_req *rq,
                                   struct azk_serve_resp *rs)
{
    uint64_t from = 0, to = 0, size;
    const char *f = azk_serve__query(rq, "from"), *t = azk_serve__query(rq, "to");
    azk_audit *a = NULL;
    char *out = NULL;
    size_t len = 0;
    azk_status rc = azk_audit_open(&a, srv->h->path, 0, NULL);
    if (rc != AZK_OK)
        return rc;
    size = azk_audit_size(a);
    to = size;
    from = size > BUNDLE_MAX ? size - BUNDLE_MAX : 0;
    if ((f != NULL && !parse_u64(f, &from)) || (t != NULL && !parse_u64(t, &to)) || from > to ||
        to > size || to - from > BUNDLE_MAX) {
        azk_audit_close(a);
        return azk_serve__api_error(rs, 400, "bad_request",
                                    "from and to: entry numbers, from <= to <= the ledger's size, "
                                    "at most 10000 entries");
    }
    rc = azk_audit_export(a, from, to, &out, &len);
    if (rc == AZK_OK) {
        rc = azk_buf_put(&rs->body, out, len);
        rs->content_type = "application/json; charset=utf-8";
    }
    azk_audit_free(out);
    azk_audit_close(a);
    if (rc == AZK_OK)
        rc = azk_serve__ledger(srv, rq, "serve.audit.export", NULL, NULL, "bundle");
    return rc;
}

azk_status azk_serve__h_audit(struct azk_server *srv, struct azk_serve_req *rq,
                              struct azk_serve_resp *rs)
{
    json_t *doc = NULL, *cps = NULL;
    azk_buf b = AZK_BUF_INIT, path = AZK_BUF_INIT;
    const char *action = azk_serve__query(rq, "action");
    const char *object = azk_serve__query(rq, "object");
    size_t i;
    json_t *c;
    azk_status rc = view_entries(srv, rq, &doc);
    if (rc == AZK_ERR_ARG)
        return azk_serve__bad_arg(rq, rs, false);
    if (rc == AZK_OK)
        rc = view_checkpoints(srv, &cps);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b,
                            "<p id=\"ledger-size\">%s: %lld</p><form method=\"get\" "
                            "action=\"/audit\"><label>%s <input name=\"action\" "
                            "maxlength=\"64\" value=\"",
                            T_("Entries"),
                            (long long)json_integer_value(json_object_get(doc, "size")),
                            T_("Action (prefix)"));
    if (rc == AZK_OK)
        rc = azk_serve__html(&b, action);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b,
                            "\"></label><label>%s <input name=\"object\" maxlength=\"72\" "
                            "value=\"",
                            T_("Object id"));
    if (rc == AZK_OK)
        rc = azk_serve__html(&b, object);
    if (rc == AZK_OK)
        rc =
            azk_buf_printf(&b,
                           "\"></label><button type=\"submit\">%s</button></form><p><a "
                           "href=\"/api/v1/audit/bundle\">%s</a></p>",
                           T_("Filter"), T_("Export a bundle for an auditor (last 10000 entries)"));
    if (rc == AZK_OK)
        rc = azk_serve__html_table(&b, "ledger", entry_cols,
                                   sizeof(entry_cols) / sizeof(entry_cols[0]),
                                   json_object_get(doc, "items"));
    /* next page keeps the filters */
    if (rc == AZK_OK)
        rc = azk_buf_puts(&path, "/audit?action=");
    if (rc == AZK_OK)
        rc = azk_serve__url(&path, action != NULL ? action : "");
    if (rc == AZK_OK)
        rc = azk_buf_puts(&path, "&amp;object=");
    if (rc == AZK_OK)
        rc = azk_serve__url(&path, object != NULL ? object : "");
    if (rc == AZK_OK)
        rc = azk_serve__html_next(&b, (const char *)path.data, doc);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b,
                            "<h2>%s</h2><table id=\"checkpoints\"><thead><tr><th>%s</th>"
                            "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
                            T_("Signed checkpoints"), T_("Entries"), T_("Root hash"),
                            T_("Signature"), T_("File"));
    json_array_foreach(json_object_get(cps, "items"), i, c)
    {
        if (rc != AZK_OK)
            break;
        rc = azk_buf_printf(&b, "<tr><td>%lld</td><td class=\"secret\">",
                            (long long)json_integer_value(json_object_get(c, "size")));
        if (rc == AZK_OK)
            rc = azk_serve__html(&b, json_string_value(json_object_get(c, "root")));
        if (rc == AZK_OK)
            rc = azk_buf_printf(
                &b, "</td><td%s>%s</td><td>",
                json_is_true(json_object_get(c, "valid")) ? "" : " class=\"overdue\"",
                json_is_true(json_object_get(c, "valid")) ? T_("valid") : T_("INVALID"));
        if (rc == AZK_OK)
            rc = azk_serve__html(&b, json_string_value(json_object_get(c, "name")));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</td></tr>");
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</tbody></table>");
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Ledger"), (const char *)b.data);
    json_decref(doc);
    json_decref(cps);
    azk_buf_dispose(&path);
    azk_buf_dispose(&b);
    return rc;
}
