/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/pages_incidents.c -- incidents in azukari serve (issue 13): the
 * list of recorded impact runs, an incident's page (counts per client and
 * dataset, confirmed and probable records, its steps) with its report
 * drafts as a printable A4 page (the report to the PPC for staff, the
 * notice to each client), the state change (reported, closed) with a
 * step-up TOTP, the dashboard's line of open incidents, and the /api/v1
 * twins. The client role sees only incidents that touch a granted client
 * and only that client's part; another incident's id, or one that does not
 * exist, is refused the same way (403, ledger serve.deny). The register and
 * its rules are the library's (azukari/incident.h, store/incidents.h).
 * Runs of impact are asked for in pages_impact_jobs.c and run by a worker of their own.
 * The page's style sheet and the drafts' Markdown as HTML: pages_incident_print.c.
 */
#include "serve/serve_int.h"
#include "store/incidents.h"

#include "azukari/incident.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOTE_MAX 2000

static const char *viewer_of(const struct azk_serve_req *rq)
{
    return rq->who.role == AZK_ROLE_CLIENT ? rq->who.name : NULL;
}

static bool valid_incident_id(const char *id)
{
    size_t n = id != NULL ? strlen(id) : 0;
    if (n < 5 || n >= AZK_INCIDENT_ID_MAX || strncmp(id, "INC-", 4) != 0)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'A' && id[i] <= 'Z') ||
              (id[i] >= 'a' && id[i] <= 'f') || id[i] == '-'))
            return false;
    return true;
}

static const char *state_label(const char *s)
{
    if (s == NULL)
        return "-";
    if (strcmp(s, "open") == 0)
        return T_("open (not yet reported)");
    if (strcmp(s, "reported") == 0)
        return T_("reported");
    if (strcmp(s, "closed") == 0)
        return T_("closed");
    return s;
}

static const char *cause_label(const char *c)
{
    if (c == NULL || strcmp(c, "unknown") == 0)
        return T_("not given");
    if (strcmp(c, "unauthorized-access") == 0)
        return T_("unauthorized access");
    if (strcmp(c, "theft") == 0)
        return T_("theft or taking out");
    if (strcmp(c, "error") == 0)
        return T_("error (misdelivery, misoperation)");
    if (strcmp(c, "other") == 0)
        return T_("other");
    return c;
}

/* Integers of the store's texts, for the API. */
static azk_status to_ints(json_t *o, const char *const *keys, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(o, keys[i]);
        if (json_is_string(v) &&
            json_object_set_new(
                o, keys[i], json_integer((json_int_t)strtoll(json_string_value(v), NULL, 10))) != 0)
            return azk_error_nomem();
    }
    return AZK_OK;
}

/* Item names (column kinds) of a bit set: stable kind names. */
static json_t *items_of(uint32_t kinds)
{
    json_t *a = json_array();
    for (int k = 0; a != NULL && k < AZK_COL__COUNT; k++) {
        const char *n = azk_column_kind_name((azk_column_kind)k);
        if ((kinds & (1u << k)) != 0 && n != NULL &&
            json_array_append_new(a, json_string(n)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* ---- the list ---------------------------------------------------------- */

static const char *const list_ints[] = {"created_at", "state_at", "records", "persons", "probable"};

static azk_status view_incidents(struct azk_server *srv, struct azk_serve_req *rq, json_t **out)
{
    const char *state = azk_serve__query(rq, "state");
    const char *after;
    size_t limit;
    struct azk_serve_list l;
    azk_status rc;
    *out = NULL;
    rc = azk_serve__page_args(rq, &limit, &after);
    if (rc != AZK_OK)
        return rc;
    if (state != NULL && state[0] == '\0')
        state = NULL;
    if (state != NULL && strcmp(state, "open") != 0 && strcmp(state, "reported") != 0 &&
        strcmp(state, "closed") != 0)
        return azk_error_set(AZK_ERR_ARG, "state must be open, reported or closed");
    if (after != NULL && !valid_incident_id(after))
        return azk_error_set(AZK_ERR_ARG, "after is not a cursor of this list");
    rc = azk_serve__list_init(&l, azk_serve__incident_list_keys, AZK_STORE_INCIDENT_LIST_COLS, 0,
                              limit);
    if (rc == AZK_OK)
        rc = azk_store__incidents_page(srv->h, viewer_of(rq), state, after, limit + 1,
                                       azk_serve__list_row, &l);
    for (size_t i = 0; rc == AZK_OK && i < json_array_size(l.items); i++)
        rc = to_ints(json_array_get(l.items, i), list_ints, 5) == AZK_OK
                 ? azk_serve__incident_bases_list(json_array_get(l.items, i))
                 : azk_error_nomem();
    return azk_serve__list_finish(&l, rc, out);
}

azk_status azk_serve__h_api_incidents(struct azk_server *srv, struct azk_serve_req *rq,
                                      struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = view_incidents(srv, rq, &doc);
    return azk_serve__api_answer(rq, rs, rc, doc);
}

static azk_status time_cell(azk_buf *b, const json_t *v)
{
    char t[32];
    time_t secs;
    struct tm tm;
    if (!json_is_integer(v))
        return azk_buf_puts(b, "-");
    secs = (time_t)json_integer_value(v);
    if (gmtime_r(&secs, &tm) == NULL || strftime(t, sizeof(t), "%Y-%m-%d %H:%M UTC", &tm) == 0)
        return azk_buf_puts(b, "-");
    return azk_buf_puts(b, t);
}

static const char *str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static long long num(const json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

azk_status azk_serve__h_incidents(struct azk_server *srv, struct azk_serve_req *rq,
                                  struct azk_serve_resp *rs)
{
    json_t *doc = NULL, *items;
    azk_buf b = AZK_BUF_INIT;
    azk_status rc = view_incidents(srv, rq, &doc);
    if (rc == AZK_ERR_ARG)
        return azk_serve__bad_arg(rq, rs, false);
    if (rc != AZK_OK)
        return rc;
    items = json_object_get(doc, "items");
    rc = azk_buf_printf(&b,
                        "<p><a href=\"/incidents?state=open\">%s</a> | <a "
                        "href=\"/incidents?state=reported\">%s</a> | <a "
                        "href=\"/incidents\">%s</a>%s%s%s</p><p>%s</p>",
                        T_("Open"), T_("Reported"), T_("All"),
                        rq->who.role != AZK_ROLE_CLIENT ? " | <a href=\"/impact/jobs\">" : "",
                        rq->who.role != AZK_ROLE_CLIENT ? T_("Impact runs") : "",
                        rq->who.role != AZK_ROLE_CLIENT ? "</a>" : "",
                        T_("An incident is recorded by each run of azukari impact that finds "
                           "entrusted records. Records count only when confirmed against the "
                           "decrypted records; probable ones (a namesake could match as well) "
                           "are shown apart."));
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b,
                            "<table id=\"incidents\"><thead><tr><th>%s</th><th>%s</th>"
                            "<th>%s</th><th>%s</th>",
                            T_("Incident"), T_("Recorded at"), T_("Recorded by"), T_("State"));
    if (rc == AZK_OK)
        rc = azk_serve__incident_bases_heads(&b);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<th>%s</th><th>%s</th></tr></thead><tbody>", T_("Persons"),
                            T_("Probable"));
    for (size_t i = 0; rc == AZK_OK && i < json_array_size(items); i++) {
        const json_t *it = json_array_get(items, i);
        rc = azk_buf_puts(&b, "<tr><td><a href=\"/incident?id=");
        if (rc == AZK_OK)
            rc = azk_serve__url(&b, str(it, "id"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "\">");
        if (rc == AZK_OK)
            rc = azk_serve__html(&b, str(it, "id"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</a></td><td>");
        if (rc == AZK_OK)
            rc = time_cell(&b, json_object_get(it, "created_at"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</td><td>");
        if (rc == AZK_OK)
            rc = azk_serve__html(&b, str(it, "created_by"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(
                &b, "</td><td class=\"state-%s\">",
                strcmp(str(it, "state") ? str(it, "state") : "", "open") == 0 ? "open" : "done");
        if (rc == AZK_OK)
            rc = azk_serve__html(&b, state_label(str(it, "state")));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</td>");
        if (rc == AZK_OK)
            rc = azk_serve__incident_bases_cells(&b, it);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "<td>%lld</td><td>%lld</td></tr>", num(it, "persons"),
                                num(it, "probable"));
    }
    if (rc == AZK_OK && json_array_size(items) == 0)
        rc = azk_buf_printf(&b, "<tr><td colspan=\"10\">%s</td></tr>", T_("None."));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</tbody></table>");
    if (rc == AZK_OK) {
        const char *st = azk_serve__query(rq, "state");
        char path[64];
        (void)snprintf(path, sizeof(path), "/incidents%s%s",
                       st != NULL && st[0] != '\0' ? "?state=" : "",
                       st != NULL && st[0] != '\0' ? st : "");
        rc = azk_serve__html_next(&b, path, doc);
    }
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Incidents"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

/* ---- an incident ------------------------------------------------------- */

static const char *const head_keys[] = {"id",          "created_at", "created_by",
                                        "as_of",       "known_date", "cause",
                                        "contractor",  "files",      "objects",
                                        "objects_hit", "errors",     "datasets_searched",
                                        "records",     "persons",    "persons_by_client",
                                        "unusable",    "candidates", "probable",
                                        "kinds",       "kinds_seen", "paths",
                                        "state",       "state_by",   "state_at"};

static azk_status head_cb(const char *const *c, size_t n, void *payload)
{
    json_t *o = payload;
    for (size_t i = 0; i < n && i < AZK_STORE_INCIDENT_COLS; i++) {
        json_t *v;
        if (i == 18 || i == 19)
            continue;  /* kinds: as item names below */
        if (i == 20) { /* keyed name hashes of the paths scanned */
            v = c[i] != NULL ? json_loads(c[i], 0, NULL) : NULL;
            if (v == NULL)
                v = json_array();
        } else if (i == 1 || (i >= 7 && i <= 17) || i == 23) {
            v = c[i] != NULL ? json_integer((json_int_t)strtoll(c[i], NULL, 10)) : json_null();
        } else {
            v = c[i] != NULL ? json_string(c[i]) : json_null();
        }
        if (json_object_set_new(o, head_keys[i], v) != 0)
            return azk_error_nomem();
    }
    if (json_object_set_new(o, "items",
                            items_of((uint32_t)strtoul(c[18] ? c[18] : "0", NULL, 10))) != 0 ||
        json_object_set_new(o, "items_seen",
                            items_of((uint32_t)strtoul(c[19] ? c[19] : "0", NULL, 10))) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

static const char *const client_keys[] = {"client",    "name",          "records",  "persons",
                                          "kinds",     "kinds_seen",    "datasets", "past_deadline",
                                          "list_rows", "persons_strict"};
static const char *const dataset_keys[] = {
    "client", "dataset", "purpose", "received_at", "total", "records", "persons", "candidates",
    "probable", "objects", "kinds", "kinds_seen", "retain_until", "past_deadline", "days_overdue",
    /* schema 8: what the records rest on (null for incidents recorded before) */
    "strict", "name_birth", "household", "name_birth_expected_false", "household_expected_false"};

/* A row of clients or datasets: integers, kinds as item names. */
struct rows {
    json_t *arr;
    const char *const *keys;
    size_t nkeys;
    size_t kinds_col;
};

static azk_status rows_cb(const char *const *c, size_t n, void *payload)
{
    struct rows *r = payload;
    json_t *o = json_object();
    if (o == NULL)
        return azk_error_nomem();
    for (size_t i = 0; i < n && i < r->nkeys; i++) {
        json_t *v;
        const char *k = r->keys[i];
        if (i == r->kinds_col || i == r->kinds_col + 1) {
            v = items_of((uint32_t)strtoul(c[i] ? c[i] : "0", NULL, 10));
            k = i == r->kinds_col ? "items" : "items_seen";
        } else if (strcmp(k, "client") == 0 || strcmp(k, "name") == 0 ||
                   strcmp(k, "dataset") == 0 || strcmp(k, "purpose") == 0 ||
                   strcmp(k, "received_at") == 0 || strcmp(k, "retain_until") == 0 ||
                   strcmp(k, "actor") == 0 || strcmp(k, "state") == 0 || strcmp(k, "note") == 0) {
            v = c[i] != NULL ? json_string(c[i]) : json_null();
        } else if (strcmp(k, "past_deadline") == 0 && r->kinds_col != 4) {
            v = json_boolean(c[i] != NULL && strcmp(c[i], "0") != 0);
        } else if (c[i] == NULL &&
                   (strcmp(k, "strict") == 0 || strcmp(k, "name_birth") == 0 ||
                    strcmp(k, "household") == 0 || strcmp(k, "persons_strict") == 0 ||
                    strstr(k, "_expected_false") != NULL)) {
            v = json_null(); /* recorded before schema 8: not known */
        } else if (strstr(k, "_expected_false") != NULL) {
            v = json_real((double)strtoll(c[i], NULL, 10) / 1e9); /* kept in 1e-9 records */
        } else {
            v = json_integer(c[i] != NULL ? (json_int_t)strtoll(c[i], NULL, 10) : 0);
        }
        if (json_object_set_new(o, k, v) != 0) {
            json_decref(o);
            return azk_error_nomem();
        }
    }
    if (json_array_append_new(r->arr, o) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

static const char *const step_keys[] = {"n", "at", "actor", "state", "note"};

static azk_status add_drafts(struct azk_server *srv, struct azk_serve_req *rq, json_t *doc)
{
    json_t *drafts = json_array(), *clients = json_object_get(doc, "clients");
    azk_status rc = drafts != NULL ? AZK_OK : azk_error_nomem();
    /* staff: the report to the PPC first; everyone: the notice of each client shown */
    for (size_t i = 0; rc == AZK_OK && i <= json_array_size(clients); i++) {
        const char *client = NULL;
        char *md = NULL;
        json_t *d;
        if (i == 0 && rq->who.role == AZK_ROLE_CLIENT)
            continue;
        if (i > 0)
            client = str(json_array_get(clients, i - 1), "client");
        rc = azk_incident_draft(srv->h, str(doc, "id"), client, &md);
        if (rc != AZK_OK)
            break;
        d = json_pack("{s:s, s:s}", "kind", client == NULL ? "ppc" : "client", "markdown", md);
        azk_incident_free(md);
        if (d != NULL && client != NULL && json_object_set_new(d, "client", json_string(client)))
            rc = azk_error_nomem();
        if (d == NULL || json_array_append_new(drafts, d) != 0)
            rc = azk_error_nomem();
    }
    if (rc == AZK_OK && json_object_set_new(doc, "drafts", drafts) != 0)
        rc = azk_error_nomem();
    else if (rc != AZK_OK)
        json_decref(drafts);
    return rc;
}

/*
 * The view of incident ?id=: *visible false when the principal may not see
 * it (or it does not exist, for the client role); *found false when it does
 * not exist (staff). A client's view holds only its clients' part.
 */
static azk_status view_incident(struct azk_server *srv, struct azk_serve_req *rq, const char *id,
                                json_t **out, bool *visible, bool *found)
{
    const char *viewer = viewer_of(rq);
    json_t *doc;
    struct rows cr = {NULL, client_keys, 10, 4}, dr = {NULL, dataset_keys, 20, 10},
                sr = {NULL, step_keys, 5, 99};
    azk_status rc;
    *out = NULL;
    *visible = rq->who.role != AZK_ROLE_CLIENT;
    *found = false;
    if (!valid_incident_id(id))
        return AZK_OK;
    doc = json_object();
    if (doc == NULL)
        return azk_error_nomem();
    rc = azk_store__incident_get(srv->h, id, viewer, head_cb, doc, found);
    if (rc != AZK_OK || !*found) {
        json_decref(doc);
        return rc;
    }
    *visible = true;
    cr.arr = json_array();
    dr.arr = json_array();
    if (cr.arr == NULL || dr.arr == NULL)
        rc = azk_error_nomem();
    if (rc == AZK_OK)
        rc = azk_store__incident_clients(srv->h, id, viewer, rows_cb, &cr);
    if (rc == AZK_OK)
        rc = azk_store__incident_datasets(srv->h, id, viewer, rows_cb, &dr);
    if (rc == AZK_OK && (json_object_set(doc, "clients", cr.arr) != 0 ||
                         json_object_set(doc, "datasets", dr.arr) != 0))
        rc = azk_error_nomem();
    if (rc == AZK_OK && viewer != NULL) {
        /* the client's part only: its sums; nothing of other clients or of the run's files */
        long long rec = 0, per = 0, prob = 0;
        for (size_t i = 0; i < json_array_size(cr.arr); i++) {
            rec += num(json_array_get(cr.arr, i), "records");
            per += num(json_array_get(cr.arr, i), "persons");
        }
        for (size_t i = 0; i < json_array_size(dr.arr); i++)
            prob += num(json_array_get(dr.arr, i), "probable");
        static const char *const staff_only[] = {
            "files",      "objects",           "objects_hit",
            "errors",     "datasets_searched", "persons_by_client",
            "unusable",   "candidates",        "paths",
            "items",      "items_seen",        "contractor",
            "created_by", "state_by"};
        for (size_t i = 0; i < sizeof(staff_only) / sizeof(staff_only[0]); i++)
            (void)json_object_del(doc, staff_only[i]);
        if (json_object_set_new(doc, "records", json_integer(rec)) != 0 ||
            json_object_set_new(doc, "persons", json_integer(per)) != 0 ||
            json_object_set_new(doc, "probable", json_integer(prob)) != 0)
            rc = azk_error_nomem();
    } else if (rc == AZK_OK) {
        sr.arr = json_array();
        if (sr.arr == NULL)
            rc = azk_error_nomem();
        if (rc == AZK_OK)
            rc = azk_store__incident_steps(srv->h, id, rows_cb, &sr);
        if (rc == AZK_OK && json_object_set(doc, "steps", sr.arr) != 0)
            rc = azk_error_nomem();
    }
    if (rc == AZK_OK)
        rc = azk_serve__incident_bases_sum(doc); /* over the datasets shown */
    if (rc == AZK_OK)
        rc = add_drafts(srv, rq, doc);
    json_decref(cr.arr);
    json_decref(dr.arr);
    json_decref(sr.arr);
    if (rc != AZK_OK) {
        json_decref(doc);
        return rc;
    }
    *out = doc;
    return AZK_OK;
}

azk_status azk_serve__h_api_incident(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    bool visible = false, found = false;
    azk_status rc = view_incident(srv, rq, azk_serve__query(rq, "id"), &doc, &visible, &found);
    if (rc != AZK_OK)
        return rc;
    if (!visible)
        return azk_serve__deny(srv, rq, rs, true, "incident of a client not granted");
    if (!found)
        return azk_serve__api_error(rs, 404, "not_found", "No such incident.");
    return azk_serve__json(rs, 200, doc);
}

/* ---- the page ---------------------------------------------------------- */

static azk_status dl_item(azk_buf *b, const char *label, const char *value, const char *id)
{
    azk_status rc = azk_buf_printf(b, "<dt>%s</dt><dd%s%s%s>", label, id != NULL ? " id=\"" : "",
                                   id != NULL ? id : "", id != NULL ? "\"" : "");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, value != NULL ? value : "-");
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</dd>");
    return rc;
}

/* Item names: Japanese names on a Japanese page, the stable kind names otherwise. */
static azk_status items_text(azk_buf *b, const json_t *items, bool ja)
{
    azk_status rc = AZK_OK;
    for (size_t i = 0; rc == AZK_OK && i < json_array_size(items); i++) {
        const char *k = json_string_value(json_array_get(items, i));
        const char *shown = k;
        for (int c = 0; ja && k != NULL && c < AZK_COL__COUNT; c++) {
            const char *n = azk_column_kind_name((azk_column_kind)c);
            if (n != NULL && strcmp(n, k) == 0 && azk_impact_item_name_ja((azk_column_kind)c))
                shown = azk_impact_item_name_ja((azk_column_kind)c);
        }
        if (i > 0)
            rc = azk_buf_puts(b, ja ? "、" : ", ");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, shown);
    }
    return rc;
}

static azk_status state_form(azk_buf *b, const struct azk_serve_req *rq, const char *id,
                             const char *state)
{
    azk_status rc = azk_buf_printf(b, "<h2 class=\"noprint\">%s</h2>", T_("Change the state"));
    if (rc == AZK_OK)
        rc = azk_serve__form_head(b, rq, "/incidents/state", true);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "<input type=\"hidden\" name=\"id\" value=\"");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, id);
    if (rc == AZK_OK)
        rc =
            azk_buf_printf(b, "\"><label>%s <select name=\"state\" id=\"new-state\">", T_("State"));
    if (rc == AZK_OK && strcmp(state, "open") == 0)
        rc = azk_buf_printf(b, "<option value=\"reported\">%s</option>", T_("reported"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b,
                            "<option value=\"closed\">%s</option></select></label>"
                            "<label>%s <textarea name=\"note\" id=\"state-note\" maxlength=\"%d\">"
                            "</textarea></label><button type=\"submit\" id=\"set-state\">%s"
                            "</button></form>",
                            T_("closed"), T_("Note (what was sent, to whom; no personal data)"),
                            NOTE_MAX, T_("Change"));
    return rc;
}

static azk_status client_table(azk_buf *b, const json_t *clients, bool ja)
{
    azk_status rc =
        azk_buf_printf(b,
                       "<table id=\"inc-clients\"><thead><tr><th>%s</th><th>%s</th>"
                       "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>"
                       "<tbody>",
                       T_("Client"), T_("Records (confirmed)"), T_("Persons (within the client)"),
                       T_("Datasets"), T_("Past their deadline"), T_("Items"));
    for (size_t i = 0; rc == AZK_OK && i < json_array_size(clients); i++) {
        const json_t *c = json_array_get(clients, i);
        rc = azk_buf_puts(b, "<tr><td>");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, str(c, "client"));
        if (rc == AZK_OK && str(c, "name") != NULL && str(c, "name")[0] != '\0') {
            rc = azk_buf_puts(b, " (");
            if (rc == AZK_OK)
                rc = azk_serve__html(b, str(c, "name"));
            if (rc == AZK_OK)
                rc = azk_buf_puts(b, ")");
        }
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "</td><td>%lld</td><td>%lld</td><td>%lld</td><td>%lld</td><td>",
                                num(c, "records"), num(c, "persons"), num(c, "datasets"),
                                num(c, "past_deadline"));
        if (rc == AZK_OK)
            rc = items_text(b, json_object_get(c, "items"), ja);
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</td></tr>");
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tbody></table>");
    return rc;
}

static azk_status dataset_table(azk_buf *b, const json_t *ds, bool ja)
{
    azk_status rc =
        azk_buf_printf(b, "<table id=\"inc-datasets\"><thead><tr><th>%s</th><th>%s</th><th>%s</th>",
                       T_("Client"), T_("Dataset"), T_("Purpose"));
    if (rc == AZK_OK)
        rc = azk_serve__incident_bases_heads(b);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b,
                            "<th>%s</th><th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead>"
                            "<tbody>",
                            T_("Probable"), T_("Persons"), T_("Records held"), T_("Retain until"),
                            T_("Items"));
    for (size_t i = 0; rc == AZK_OK && i < json_array_size(ds); i++) {
        const json_t *d = json_array_get(ds, i);
        bool past = json_is_true(json_object_get(d, "past_deadline"));
        const char *cells[3] = {str(d, "client"), str(d, "dataset"), str(d, "purpose")};
        rc = azk_buf_puts(b, "<tr>");
        for (size_t k = 0; rc == AZK_OK && k < 3; k++) {
            rc = azk_buf_puts(b, "<td>");
            if (rc == AZK_OK && k == 1) {
                rc = azk_buf_puts(b, "<a href=\"/dataset?id=");
                if (rc == AZK_OK)
                    rc = azk_serve__url(b, cells[k]);
                if (rc == AZK_OK)
                    rc = azk_buf_puts(b, "\">");
            }
            if (rc == AZK_OK)
                rc = azk_serve__html(b, cells[k]);
            if (rc == AZK_OK)
                rc = azk_buf_puts(b, k == 1 ? "</a></td>" : "</td>");
        }
        if (rc == AZK_OK)
            rc = azk_serve__incident_bases_cells(b, d);
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "<td>%lld</td><td>%lld</td><td>%lld</td><td%s>",
                                num(d, "probable"), num(d, "persons"), num(d, "total"),
                                past ? " class=\"state-open\"" : "");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, str(d, "retain_until"));
        if (rc == AZK_OK && past)
            rc = azk_buf_printf(b, " (%s: %lld)", T_("days overdue"), num(d, "days_overdue"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</td><td>");
        if (rc == AZK_OK)
            rc = items_text(b, json_object_get(d, "items"), ja);
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</td></tr>");
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tbody></table>");
    return rc;
}

static azk_status steps_table(azk_buf *b, const json_t *steps)
{
    azk_status rc = azk_buf_printf(b,
                                   "<h2>%s</h2><table id=\"inc-steps\"><thead><tr><th>%s</th>"
                                   "<th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>",
                                   T_("History"), T_("When"), T_("Who"), T_("State"), T_("Note"));
    for (size_t i = 0; rc == AZK_OK && i < json_array_size(steps); i++) {
        const json_t *s = json_array_get(steps, i);
        rc = azk_buf_puts(b, "<tr><td>");
        if (rc == AZK_OK)
            rc = time_cell(b, json_object_get(s, "at"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</td><td>");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, str(s, "actor"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</td><td>");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, state_label(str(s, "state")));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</td><td class=\"note\">");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, str(s, "note") != NULL ? str(s, "note") : "");
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</td></tr>");
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tbody></table>");
    return rc;
}

azk_status azk_serve__h_incident(struct azk_server *srv, struct azk_serve_req *rq,
                                 struct azk_serve_resp *rs)
{
    json_t *doc = NULL, *drafts;
    azk_buf b = AZK_BUF_INIT;
    bool visible = false, found = false, ja = strcmp(rq->lang, "en") != 0;
    const char *state;
    char n[160];
    azk_status rc = view_incident(srv, rq, azk_serve__query(rq, "id"), &doc, &visible, &found);
    if (rc != AZK_OK)
        return rc;
    if (!visible)
        return azk_serve__deny(srv, rq, rs, false, "incident of a client not granted");
    if (!found)
        return azk_serve__error_page(rq, rs, 404, T_("No such incident."));
    state = str(doc, "state") != NULL ? str(doc, "state") : "";
    rc = azk_buf_puts(&b, "<link rel=\"stylesheet\" href=\"/static/incident.css\">"
                          "<dl class=\"detail\">");
    if (rc == AZK_OK)
        rc = dl_item(&b, T_("Incident"), str(doc, "id"), "inc-id");
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<dt>%s</dt><dd>", T_("Recorded at"));
    if (rc == AZK_OK)
        rc = time_cell(&b, json_object_get(doc, "created_at"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</dd>");
    if (rc == AZK_OK && json_is_string(json_object_get(doc, "created_by")))
        rc = dl_item(&b, T_("Recorded by"), str(doc, "created_by"), NULL);
    if (rc == AZK_OK)
        rc = dl_item(&b, T_("Known on"), str(doc, "known_date"), NULL);
    if (rc == AZK_OK)
        rc = dl_item(&b, T_("Cause"), cause_label(str(doc, "cause")), NULL);
    if (rc == AZK_OK)
        rc = dl_item(&b, T_("Deadlines judged at"), str(doc, "as_of"), NULL);
    if (rc == AZK_OK)
        rc = dl_item(&b, T_("State"), state_label(state), "inc-state");
    if (rc == AZK_OK && json_is_string(json_object_get(doc, "state_by"))) {
        rc = dl_item(&b, T_("State changed by"), str(doc, "state_by"), NULL);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "<dt>%s</dt><dd>", T_("State changed at"));
        if (rc == AZK_OK)
            rc = time_cell(&b, json_object_get(doc, "state_at"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</dd>");
    }
    if (rc == AZK_OK)
        rc = azk_serve__incident_bases_dl(&b, doc);
    (void)snprintf(n, sizeof(n), "%lld", num(doc, "persons"));
    if (rc == AZK_OK)
        rc = dl_item(&b,
                     rq->who.role == AZK_ROLE_CLIENT ? T_("Persons (within the client)")
                                                     : T_("Persons (across clients)"),
                     n, "inc-persons");
    if (rc == AZK_OK && json_is_integer(json_object_get(doc, "files"))) {
        (void)snprintf(n, sizeof(n), "%lld / %lld / %lld / %lld", num(doc, "files"),
                       num(doc, "objects"), num(doc, "objects_hit"), num(doc, "errors"));
        rc = dl_item(&b, T_("Files / objects / with records / unreadable"), n, NULL);
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</dl>");
    if (rc == AZK_OK && num(doc, "probable") > 0)
        rc = azk_buf_printf(&b, "<p class=\"probable\" id=\"inc-probable\">%s: %lld</p>",
                            T_("Probable records (a namesake could match as well; not counted, "
                               "to be checked)"),
                            num(doc, "probable"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Clients"));
    if (rc == AZK_OK)
        rc = client_table(&b, json_object_get(doc, "clients"), ja);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<h2>%s</h2>", T_("Datasets"));
    if (rc == AZK_OK)
        rc = dataset_table(&b, json_object_get(doc, "datasets"), ja);
    if (rc == AZK_OK && json_is_array(json_object_get(doc, "steps")))
        rc = steps_table(&b, json_object_get(doc, "steps"));
    if (rc == AZK_OK && strcmp(state, "closed") != 0 &&
        (rq->who.role == AZK_ROLE_OPERATOR || rq->who.role == AZK_ROLE_APPROVER))
        rc = state_form(&b, rq, str(doc, "id"), state);
    drafts = json_object_get(doc, "drafts");
    for (size_t i = 0; rc == AZK_OK && i < json_array_size(drafts); i++) {
        const json_t *d = json_array_get(drafts, i);
        rc = azk_buf_printf(&b, "<section class=\"draft\" id=\"draft-%zu\" lang=\"ja\">", i);
        if (rc == AZK_OK)
            rc = azk_serve__incident_md_html(&b, str(d, "markdown"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</section>");
    }
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Incident"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

/* ---- the state change ---------------------------------------------------- */

static azk_status answer(struct azk_serve_req *rq, struct azk_serve_resp *rs, unsigned status,
                         const char *code, const char *msg, const char *back)
{
    if (rq->api)
        return azk_serve__api_error(rs, status, code, msg);
    return azk_serve__result_page(rq, rs, status, T_("Refused"), msg, back);
}

static azk_status state_of_cb(const char *const *c, size_t n, void *payload)
{
    (void)snprintf(payload, 16, "%s", n > 21 && c[21] != NULL ? c[21] : "");
    return AZK_OK;
}

azk_status azk_serve__h_incident_state(struct azk_server *srv, struct azk_serve_req *rq,
                                       struct azk_serve_resp *rs)
{
    const char *id = azk_serve__form(rq, "id");
    const char *state = azk_serve__form(rq, "state");
    const char *note = azk_serve__form(rq, "note");
    char back[96], msg[256];
    azk_status rc;
    (void)snprintf(back, sizeof(back), "/incident?id=%s", valid_incident_id(id) ? id : "");
    if (!valid_incident_id(id) || state == NULL ||
        (strcmp(state, "reported") != 0 && strcmp(state, "closed") != 0) ||
        (note != NULL && strlen(note) > NOTE_MAX))
        return answer(rq, rs, 400, "bad_request",
                      T_("A state change needs an incident, the state reported or closed and a "
                         "note of at most 2,000 bytes."),
                      "/incidents");
    /* what can be checked before the code is asked is checked first (the library checks
     * again in its transaction): a refused act does not use a code */
    {
        char now_state[16] = "";
        bool found = false;
        rc = azk_store__incident_get(srv->h, id, NULL, state_of_cb, now_state, &found);
        if (rc != AZK_OK)
            return rc;
        if (!found)
            return answer(rq, rs, 404, "not_found", T_("No such incident."), "/incidents");
        if (strcmp(now_state, "closed") == 0 ||
            (strcmp(now_state, "reported") == 0 && strcmp(state, "reported") == 0))
            return answer(rq, rs, 400, "bad_request",
                          T_("The incident cannot move to this state from where it is."), back);
    }
    rc = azk_serve__step_up(srv, rq, azk_serve__form(rq, "code"));
    if (rc != AZK_OK) {
        azk_serve__step_up_end(srv);
        if (rc != AZK_ERR_PERM)
            return rc;
        azk_error_clear();
        return answer(rq, rs, 403, "step_up_failed",
                      T_("The authenticator code was wrong or already used: nothing was changed."),
                      back);
    }
    rc = azk_incident_set_state(srv->h, id, state, note); /* the library's rules and ledger */
    azk_serve__step_up_end(srv);
    if (rc == AZK_OK) {
        if (rq->api)
            return azk_serve__json(rs, 200, json_pack("{s:s, s:s}", "id", id, "state", state));
        return azk_serve__result_page(rq, rs, 200, T_("Done"), state_label(state), back);
    }
    if (azk_serve__status_of(rc) == 0)
        return rc;
    (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
    azk_error_clear();
    return answer(rq, rs, azk_serve__status_of(rc),
                  rc == AZK_ERR_NOTFOUND ? "not_found"
                  : rc == AZK_ERR_PERM   ? "forbidden"
                                         : "bad_request",
                  msg, back);
}

/* ---- the dashboard's line ------------------------------------------------ */

azk_status azk_serve__incidents_open(struct azk_server *srv, const struct azk_serve_req *rq,
                                     int64_t *n)
{
    return azk_store__incidents_open_count(srv->h, viewer_of(rq), n);
}

azk_status azk_serve__incidents_line(struct azk_server *srv, struct azk_serve_req *rq, azk_buf *b)
{
    int64_t n = 0;
    azk_status rc = azk_serve__incidents_open(srv, rq, &n);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b,
                            "<p class=\"%s\" id=\"incidents-open\"><a "
                            "href=\"/incidents?state=open\">%s: %lld</a></p>",
                            n > 0 ? "err" : "ok", T_("Open incidents"), (long long)n);
    return rc;
}
