/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/supervision.c -- the SQL of supervision (store/supervision.h):
 * report facts, training, internal control and imported vendor reports,
 * in the SQL common to SQLite and PostgreSQL.
 */
#include "store/supervision.h"

#include <stdio.h>
#include <string.h>

/* Step through all rows; `row` is called for each. */
static azk_status each_row(azk_db_stmt *st, azk_status (*row)(azk_db_stmt *st, void *x), void *x)
{
    azk_status rc = AZK_OK;
    int s;
    while ((s = azk_db_step(st)) == AZK_DB_ROW) {
        rc = row(st, x);
        if (rc != AZK_OK)
            return rc;
    }
    return s == AZK_DB_DONE ? AZK_OK : AZK_ERR_DB;
}

/* ---- report facts ------------------------------------------------------- */

struct ds_x {
    azk_store_sup_dataset_cb cb;
    void *p;
};

static azk_status ds_row(azk_db_stmt *st, void *x)
{
    struct ds_x *d = x;
    struct azk_store_sup_dataset r;
    r.id = azk_db_col_str(st, 0);
    r.records = azk_db_col_int64(st, 1);
    r.retain_until = azk_db_col_str(st, 2);
    r.created_at = azk_db_col_str(st, 3);
    r.created_by = azk_db_col_str(st, 4);
    r.state = azk_db_col_str(st, 5);
    r.ret_state = azk_db_col_str(st, 6);
    r.shred_at = azk_db_col_str(st, 7);
    r.shred_index = azk_db_col_null(st, 8) ? -1 : azk_db_col_int64(st, 8);
    r.residuals = azk_db_col_int64(st, 9);
    r.hold = azk_db_col_str(st, 10);
    r.refused_artifacts = azk_db_col_int64(st, 11);
    return d->cb(&r, d->p);
}

azk_status azk_store__sup_datasets(azk_home *h, const char *client, azk_store_sup_dataset_cb cb,
                                   void *p)
{
    azk_db_stmt *st = NULL;
    struct ds_x x = {cb, p};
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && client != NULL && cb != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT d.id, d.records, d.retain_until, d.created_at, d.created_by,"
                        " d.state, COALESCE(r.state, ''), COALESCE(r.shred_at, ''), r.shred_index,"
                        " COALESCE(r.residuals, 0), COALESCE(hd.reason, ''),"
                        " (SELECT COUNT(*) FROM ret_artifacts a WHERE a.dataset = d.id"
                        "  AND a.disposition LIKE 'refused%')"
                        " FROM datasets d LEFT JOIN ret_state r ON r.dataset = d.id"
                        " LEFT JOIN ret_holds hd ON hd.dataset = d.id"
                        " WHERE d.client = ? ORDER BY d.id",
                        "read datasets of a client");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, client);
    rc = each_row(st, ds_row, &x);
    azk_db_finalize(st);
    return rc;
}

struct open_x {
    azk_store_sup_open_cb cb;
    void *p;
};

static azk_status open_row(azk_db_stmt *st, void *x)
{
    struct open_x *o = x;
    return o->cb(azk_db_col_str(st, 0), azk_db_col_str(st, 1), azk_db_col_str(st, 2),
                 azk_db_col_str(st, 3), o->p);
}

azk_status azk_store__sup_opens(azk_home *h, const char *client, const char *from, const char *to,
                                azk_store_sup_open_cb cb, void *p)
{
    azk_db_stmt *st = NULL;
    struct open_x x = {cb, p};
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && client != NULL && from != NULL && to != NULL && cb != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT o.dataset, o.at, o.by, o.reason FROM opens o"
                        " JOIN datasets d ON d.id = o.dataset"
                        " WHERE d.client = ? AND o.at >= ? AND o.at < ? ORDER BY o.at, o.dataset",
                        "read opens of a client");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, client);
    azk_db_bind_text(st, 2, from);
    azk_db_bind_text(st, 3, to);
    rc = each_row(st, open_row, &x);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__sup_client_exists(azk_home *h, const char *client, bool *yes)
{
    return azk_store__exists(h, "read client", "SELECT id FROM clients WHERE id = ?", client, yes);
}

azk_status azk_store__user_exists(azk_home *h, const char *name, bool *yes)
{
    return azk_store__exists(h, "read user", "SELECT name FROM users WHERE name = ?", name, yes);
}

/* ---- training ------------------------------------------------------------ */

azk_status azk_store__training_course_add(azk_home *h, const char *id, const char *title,
                                          int64_t validity_days, const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    char now[32];
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && title != NULL);
    azk_store__now(now);
    rc = azk_store__tx_prepare(h, &st,
                               "INSERT INTO training_courses(id, title, validity_days, created_at,"
                               " created_by) VALUES(?,?,?,?,?)",
                               "add course");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, id);
    azk_db_bind_text(st, 2, title);
    azk_db_bind_int64(st, 3, validity_days);
    azk_db_bind_text(st, 4, now);
    azk_db_bind_text(st, 5, azk_store__actor(h));
    return azk_store__tx_write(h, st, ev, NULL);
}

azk_status azk_store__training_course_get(azk_home *h, const char *id, int64_t *validity_days,
                                          bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    *found = false;
    rc = azk_db_prepare(h->cat, &st, "SELECT validity_days FROM training_courses WHERE id = ?",
                        "read course");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, id);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        *validity_days = azk_db_col_int64(st, 0);
        *found = true;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__training_complete(azk_home *h, const char *user, const char *course,
                                        const char *date, const char *evidence,
                                        const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    char now[32];
    azk_status rc;
    azk_store__now(now);
    rc = azk_store__tx_prepare(h, &st,
                               "INSERT INTO training_completions(user_name, course, completed_on,"
                               " evidence, recorded_at, recorded_by) VALUES(?,?,?,?,?,?)",
                               "record completion");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, user);
    azk_db_bind_text(st, 2, course);
    azk_db_bind_text(st, 3, date);
    azk_db_bind_text(st, 4, evidence);
    azk_db_bind_text(st, 5, now);
    azk_db_bind_text(st, 6, azk_store__actor(h));
    return azk_store__tx_write(h, st, ev, NULL);
}

azk_status azk_store__training_has(azk_home *h, const char *user, const char *course,
                                   const char *date, bool *yes)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    *yes = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT 1 FROM training_completions WHERE user_name = ? AND course = ?"
                        " AND completed_on = ?",
                        "read completions");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, user);
    azk_db_bind_text(st, 2, course);
    azk_db_bind_text(st, 3, date);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW)
        *yes = true;
    else if (s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__training_latest(azk_home *h, const char *user, const char *course,
                                      char out[16])
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    out[0] = '\0';
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT MAX(completed_on) FROM training_completions"
                        " WHERE user_name = ? AND course = ?",
                        "read completions");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, user);
    azk_db_bind_text(st, 2, course);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW)
        azk_store__col_copy(st, 0, out, 16);
    else if (s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

struct tm_x {
    azk_store_training_cb cb;
    void *p;
};

static azk_status tm_row(azk_db_stmt *st, void *x)
{
    struct tm_x *t = x;
    return t->cb(azk_db_col_str(st, 0), azk_db_col_str(st, 1), azk_db_col_str(st, 2),
                 azk_db_col_int64(st, 3), azk_db_col_str(st, 4), t->p);
}

azk_status azk_store__training_matrix(azk_home *h, azk_store_training_cb cb, void *p)
{
    azk_db_stmt *st = NULL;
    struct tm_x x = {cb, p};
    azk_status rc =
        azk_db_prepare(h->cat, &st,
                       "SELECT u.name, c.id, c.title, c.validity_days,"
                       " (SELECT MAX(t.completed_on) FROM training_completions t"
                       "  WHERE t.user_name = u.name AND t.course = c.id)"
                       " FROM users u CROSS JOIN training_courses c ORDER BY u.name, c.id",
                       "read training");
    if (rc != AZK_OK)
        return rc;
    rc = each_row(st, tm_row, &x);
    azk_db_finalize(st);
    return rc;
}

/* ---- internal control ---------------------------------------------------- */

azk_status azk_store__control_criteria_add(azk_home *h, const char *sha256, const char *body,
                                           const char *by, int64_t *out_version,
                                           struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    char now[32], extra[160];
    int64_t v = 0;
    azk_status rc;
    azk_store__now(now);
    rc = azk_store__tx_prepare(h, &st, "SELECT COALESCE(MAX(version), 0) FROM control_criteria",
                               "read criteria");
    if (rc == AZK_OK) {
        if (azk_db_step(st) == AZK_DB_ROW)
            v = azk_db_col_int64(st, 0) + 1;
        else
            rc = AZK_ERR_DB;
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &st,
                            "INSERT INTO control_criteria(version, sha256, body, created_at,"
                            " created_by) VALUES(?,?,?,?,?)",
                            "add criteria");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_int64(st, 1, v);
    azk_db_bind_text(st, 2, sha256);
    azk_db_bind_text(st, 3, body);
    azk_db_bind_text(st, 4, now);
    azk_db_bind_text(st, 5, by);
    (void)snprintf(extra, sizeof(extra), "{\"version\":%lld,\"sha256\":\"%s\"}", (long long)v,
                   sha256);
    ev->extra_json = extra;
    *out_version = v;
    return azk_store__tx_write(h, st, ev, NULL);
}

struct cr_x {
    azk_store_criteria_cb cb;
    void *p;
};

static azk_status cr_row(azk_db_stmt *st, void *x)
{
    struct cr_x *c = x;
    return c->cb(azk_db_col_int64(st, 0), azk_db_col_str(st, 1), azk_db_col_str(st, 2),
                 azk_db_col_str(st, 3), c->p);
}

azk_status azk_store__control_criteria_list(azk_home *h, azk_store_criteria_cb cb, void *p)
{
    azk_db_stmt *st = NULL;
    struct cr_x x = {cb, p};
    azk_status rc = azk_db_prepare(h->cat, &st,
                                   "SELECT version, sha256, created_at, created_by"
                                   " FROM control_criteria ORDER BY version",
                                   "read criteria");
    if (rc != AZK_OK)
        return rc;
    rc = each_row(st, cr_row, &x);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__control_item_add(azk_home *h, const struct azk_store_control_item *it,
                                       const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    char now[32];
    azk_status rc;
    azk_store__now(now);
    rc = azk_store__tx_prepare(
        h, &st,
        "INSERT INTO control_items(id, kind, title, client, owner, due, status,"
        " requested_by, approved_by, criteria, created_at, updated_at)"
        " VALUES(?,?,?,?,?,?,?,?,NULL,?,?,?)",
        "add control item");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, it->id);
    azk_db_bind_text(st, 2, it->kind);
    azk_db_bind_text(st, 3, it->title);
    azk_db_bind_text(st, 4, it->client);
    azk_db_bind_text(st, 5, it->owner);
    azk_db_bind_text(st, 6, it->due);
    azk_db_bind_text(st, 7, it->status);
    azk_db_bind_text(st, 8, it->requested_by);
    azk_db_bind_int64(st, 9, it->criteria);
    azk_db_bind_text(st, 10, now);
    azk_db_bind_text(st, 11, now);
    return azk_store__tx_write(h, st, ev, NULL);
}

azk_status azk_store__control_item_set(azk_home *h, const char *id, const char *from,
                                       const char *status, const char *approved_by,
                                       const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    char now[32];
    azk_status rc;
    azk_store__now(now);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(
        h->cat, &st,
        "UPDATE control_items SET status = ?, updated_at = ?,"
        " approved_by = COALESCE(?, approved_by)"
        " WHERE id = ? AND (status = ? OR (CAST(? AS TEXT) IS NULL AND status <> 'closed'))",
        "update control item");
    if (rc != AZK_OK)
        return azk_store__tx_end(h, rc);
    azk_db_bind_text(st, 1, status);
    azk_db_bind_text(st, 2, now);
    azk_db_bind_text(st, 3, approved_by);
    azk_db_bind_text(st, 4, id);
    azk_db_bind_text(st, 5, from);
    azk_db_bind_text(st, 6, from);
    return azk_store__tx_write(h, st, ev, "no such item in that state");
}

azk_status azk_store__control_item_get(azk_home *h, const char *id, char kind[24],
                                       char requested_by[72], char status[24], bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    *found = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT kind, requested_by, status FROM control_items WHERE id = ?",
                        "read control item");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, id);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        azk_store__col_copy(st, 0, kind, 24);
        azk_store__col_copy(st, 1, requested_by, 72);
        azk_store__col_copy(st, 2, status, 24);
        *found = true;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

struct ci_x {
    azk_store_control_cb cb;
    void *p;
};

static azk_status ci_row(azk_db_stmt *st, void *x)
{
    struct ci_x *c = x;
    struct azk_store_control_item it;
    it.id = azk_db_col_str(st, 0);
    it.kind = azk_db_col_str(st, 1);
    it.title = azk_db_col_str(st, 2);
    it.client = azk_db_col_str(st, 3);
    it.owner = azk_db_col_str(st, 4);
    it.due = azk_db_col_str(st, 5);
    it.status = azk_db_col_str(st, 6);
    it.requested_by = azk_db_col_str(st, 7);
    it.approved_by = azk_db_col_str(st, 8);
    it.criteria = azk_db_col_int64(st, 9);
    it.created_at = azk_db_col_str(st, 10);
    it.updated_at = azk_db_col_str(st, 11);
    return c->cb(&it, c->p);
}

azk_status azk_store__control_items(azk_home *h, const char *kind, const char *client,
                                    azk_store_control_cb cb, void *p)
{
    azk_db_stmt *st = NULL;
    struct ci_x x = {cb, p};
    azk_status rc = azk_db_prepare(
        h->cat, &st,
        "SELECT id, kind, title, COALESCE(client, ''), owner, due, status, requested_by,"
        " COALESCE(approved_by, ''), criteria, created_at, updated_at FROM control_items"
        " WHERE (CAST(? AS TEXT) IS NULL OR kind = ?)"
        " AND (CAST(? AS TEXT) IS NULL OR client IS NULL OR client = ?)"
        " ORDER BY id",
        "read control items");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, kind);
    azk_db_bind_text(st, 2, kind);
    azk_db_bind_text(st, 3, client);
    azk_db_bind_text(st, 4, client);
    rc = each_row(st, ci_row, &x);
    azk_db_finalize(st);
    return rc;
}

/* ---- vendor reports ------------------------------------------------------ */

azk_status azk_store__vreport_sha(azk_home *h, const char *vendor_key, const char *client,
                                  const char *month, char sha256[72])
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    sha256[0] = '\0';
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT sha256 FROM vendor_reports WHERE vendor_key = ? AND client = ?"
                        " AND month = ?",
                        "read vendor report");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, vendor_key);
    azk_db_bind_text(st, 2, client);
    azk_db_bind_text(st, 3, month);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW)
        azk_store__col_copy(st, 0, sha256, 72);
    else if (s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

struct vr_x {
    azk_store_vreport_cb cb;
    void *p;
};

static azk_status vr_row(azk_db_stmt *st, void *x)
{
    struct vr_x *v = x;
    struct azk_store_vreport r;
    r.vendor_key = azk_db_col_str(st, 0);
    r.client = azk_db_col_str(st, 1);
    r.month = azk_db_col_str(st, 2);
    r.sha256 = azk_db_col_str(st, 3);
    r.tree_size = azk_db_col_int64(st, 4);
    r.root = azk_db_col_str(st, 5);
    r.month_ends = azk_db_col_str(st, 6);
    r.flags = azk_db_col_str(st, 7);
    r.doc = NULL; /* not read: lists need the checkpoints only */
    return v->cb(&r, v->p);
}

azk_status azk_store__vreports(azk_home *h, const char *vendor_key, azk_store_vreport_cb cb,
                               void *p)
{
    azk_db_stmt *st = NULL;
    struct vr_x x = {cb, p};
    azk_status rc = azk_db_prepare(h->cat, &st,
                                   "SELECT vendor_key, client, month, sha256, tree_size, root,"
                                   " month_ends, flags FROM vendor_reports WHERE vendor_key = ?"
                                   " ORDER BY month, client",
                                   "read vendor reports");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, vendor_key);
    rc = each_row(st, vr_row, &x);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__vreport_insert(azk_home *h, const struct azk_store_vreport *r,
                                     const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    char now[32];
    azk_status rc;
    azk_store__now(now);
    rc = azk_store__tx_prepare(
        h, &st,
        "INSERT INTO vendor_reports(vendor_key, client, month, sha256, tree_size,"
        " root, month_ends, flags, doc, imported_at, imported_by)"
        " VALUES(?,?,?,?,?,?,?,?,?,?,?)",
        "store vendor report");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, r->vendor_key);
    azk_db_bind_text(st, 2, r->client);
    azk_db_bind_text(st, 3, r->month);
    azk_db_bind_text(st, 4, r->sha256);
    azk_db_bind_int64(st, 5, r->tree_size);
    azk_db_bind_text(st, 6, r->root);
    azk_db_bind_text(st, 7, r->month_ends);
    azk_db_bind_text(st, 8, r->flags);
    azk_db_bind_text(st, 9, r->doc);
    azk_db_bind_text(st, 10, now);
    azk_db_bind_text(st, 11, azk_store__actor(h));
    return azk_store__tx_write(h, st, ev, NULL);
}
