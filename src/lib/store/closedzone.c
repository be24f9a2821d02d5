/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/closedzone.c -- the closed-zone metadata azukari serve keeps
 * (store/closedzone.h): a host's reports kept once, its datasets and guard
 * decisions replaced by each new report in one transaction, the lists of
 * /api/v1/agents/closed-zone/ (a bank user sees only its granted
 * clients), and the witness's look-up of a host's earlier enrolment.
 */
#include "store/closedzone.h"
#include "store/db_int.h"
#include "store/store.h"

#include <string.h>

static void bind_opt(azk_db_stmt *st, int i, const char *v)
{
    if (v != NULL)
        azk_db_bind_text(st, i, v);
    else
        azk_db_bind_null(st, i);
}

static azk_status put_dataset(azk_home *h, const char *agent_id, const char *report_id,
                              const struct azk_store_cz_dataset *d)
{
    azk_db_stmt *st = NULL;
    azk_status rc = azk_db_prepare(
        h->cat, &st,
        "INSERT INTO agent_cz_datasets(dataset, agent_id, client, retain_until, state, retention,"
        " held, certificate, report_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(dataset) DO UPDATE SET agent_id = excluded.agent_id,"
        " client = excluded.client, retain_until = excluded.retain_until,"
        " state = excluded.state, retention = excluded.retention, held = excluded.held,"
        " certificate = excluded.certificate, report_id = excluded.report_id",
        "keep closed-zone dataset");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, d->dataset);
    azk_db_bind_text(st, 2, agent_id);
    azk_db_bind_text(st, 3, d->client);
    azk_db_bind_text(st, 4, d->retain_until);
    azk_db_bind_text(st, 5, d->state);
    bind_opt(st, 6, d->retention);
    azk_db_bind_int64(st, 7, d->held ? 1 : 0);
    bind_opt(st, 8, d->certificate);
    azk_db_bind_text(st, 9, report_id);
    rc = azk_db_run(st);
    azk_db_finalize(st);
    return rc;
}

static azk_status put_guard(azk_home *h, const char *agent_id, const char *report_id,
                            const struct azk_store_cz_guard *g)
{
    azk_db_stmt *st = NULL;
    azk_status rc = azk_db_prepare(
        h->cat, &st,
        "INSERT INTO agent_cz_guard(agent_id, item, state, verdict, requested, approved,"
        " updated_at, report_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(agent_id, item) DO UPDATE SET state = excluded.state,"
        " verdict = excluded.verdict, requested = excluded.requested,"
        " approved = excluded.approved, updated_at = excluded.updated_at,"
        " report_id = excluded.report_id",
        "keep closed-zone guard decision");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, agent_id);
    azk_db_bind_text(st, 2, g->item);
    azk_db_bind_text(st, 3, g->state);
    bind_opt(st, 4, g->verdict);
    azk_db_bind_int64(st, 5, g->requested ? 1 : 0);
    azk_db_bind_int64(st, 6, g->approved ? 1 : 0);
    bind_opt(st, 7, g->updated_at);
    azk_db_bind_text(st, 8, report_id);
    rc = azk_db_run(st);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__cz_report_put(azk_home *h, const char *agent_id, int64_t now,
                                    const struct azk_store_cz_report *r,
                                    const struct azk_store_event *ev, bool *duplicate)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int64_t n = 0;
    AZK_ASSERT_ARG(h != NULL && agent_id != NULL && r != NULL && r->id != NULL && ev != NULL &&
                   duplicate != NULL);
    *duplicate = false;
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO agent_cz_reports(id, agent_id, created_at, received_at,"
                        " datasets, guard_items) VALUES(?, ?, ?, ?, ?, ?)"
                        " ON CONFLICT(id) DO NOTHING",
                        "keep closed-zone report");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, r->id);
        azk_db_bind_text(st, 2, agent_id);
        azk_db_bind_int64(st, 3, r->created_at);
        azk_db_bind_int64(st, 4, now);
        azk_db_bind_int64(st, 5, (int64_t)r->dataset_count);
        azk_db_bind_int64(st, 6, (int64_t)r->guard_count);
        rc = azk_db_run(st);
        n = azk_db_changes(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK && n == 0) {
        *duplicate = true;
        return azk_store__tx_end(h, AZK_OK); /* nothing was written */
    }
    /* the host's state is what this report says: what it no longer lists goes */
    if (rc == AZK_OK) {
        const char *t[] = {agent_id};
        rc = azk_store__run_texts(h, "replace closed-zone datasets",
                                  "DELETE FROM agent_cz_datasets WHERE agent_id = ?", t, 1, NULL);
        if (rc == AZK_OK)
            rc = azk_store__run_texts(h, "replace closed-zone guard decisions",
                                      "DELETE FROM agent_cz_guard WHERE agent_id = ?", t, 1, NULL);
    }
    for (size_t i = 0; rc == AZK_OK && i < r->dataset_count; i++)
        rc = put_dataset(h, agent_id, r->id, &r->datasets[i]);
    for (size_t i = 0; rc == AZK_OK && i < r->guard_count; i++)
        rc = put_guard(h, agent_id, r->id, &r->guard[i]);
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

#define CZ_DS_SELECT                                                                               \
    "SELECT d.dataset, d.client, d.retain_until, d.state, d.retention, d.held, d.certificate,"     \
    " d.agent_id, a.host, r.received_at FROM agent_cz_datasets d"                                  \
    " JOIN agents a ON a.id = d.agent_id JOIN agent_cz_reports r ON r.id = d.report_id"            \
    " WHERE d.dataset > ?"

struct cz_dataset_walk {
    azk_store_cz_dataset_cb cb;
    void *payload;
};

static azk_status cz_dataset_row(azk_db_stmt *st, void *payload)
{
    const struct cz_dataset_walk *w = payload;
    struct azk_store_cz_dataset d;
    d.dataset = azk_db_col_text(st, 0);
    d.client = azk_db_col_text(st, 1);
    d.retain_until = azk_db_col_text(st, 2);
    d.state = azk_db_col_text(st, 3);
    d.retention = azk_db_col_text(st, 4);
    d.held = azk_db_col_int64(st, 5) != 0;
    d.certificate = azk_db_col_text(st, 6);
    d.agent_id = azk_db_col_text(st, 7);
    d.host = azk_db_col_text(st, 8);
    d.reported_at = azk_db_col_int64(st, 9);
    return w->cb(&d, w->payload);
}

struct cz_guard_walk {
    azk_store_cz_guard_cb cb;
    void *payload;
};

static azk_status cz_guard_row(azk_db_stmt *st, void *payload)
{
    const struct cz_guard_walk *w = payload;
    struct azk_store_cz_guard g;
    g.item = azk_db_col_text(st, 0);
    g.state = azk_db_col_text(st, 1);
    g.verdict = azk_db_col_text(st, 2);
    g.requested = azk_db_col_int64(st, 3) != 0;
    g.approved = azk_db_col_int64(st, 4) != 0;
    g.updated_at = azk_db_col_text(st, 5);
    g.agent_id = azk_db_col_text(st, 6);
    g.host = azk_db_col_text(st, 7);
    g.reported_at = azk_db_col_int64(st, 8);
    return w->cb(&g, w->payload);
}

azk_status azk_store__cz_datasets_page(azk_home *h, const char *client, const char *grantee,
                                       const char *after, size_t limit, azk_store_cz_dataset_cb cb,
                                       void *payload, bool *more)
{
    static const char *const sql[4] = {
        CZ_DS_SELECT " ORDER BY d.dataset LIMIT ?",
        CZ_DS_SELECT " AND d.client = ? ORDER BY d.dataset LIMIT ?",
        CZ_DS_SELECT " AND d.client IN (SELECT g.client FROM user_grants g WHERE g.name = ?)"
                     " ORDER BY d.dataset LIMIT ?",
        CZ_DS_SELECT " AND d.client = ? AND d.client IN (SELECT g.client FROM user_grants g"
                     " WHERE g.name = ?) ORDER BY d.dataset LIMIT ?",
    };
    azk_db_stmt *st = NULL;
    struct cz_dataset_walk w = {cb, payload};
    azk_status rc;
    int col = 1;
    AZK_ASSERT_ARG(h != NULL && after != NULL && cb != NULL && more != NULL && limit > 0);
    *more = false;
    rc = azk_db_prepare(h->cat, &st, sql[(client != NULL ? 1 : 0) + (grantee != NULL ? 2 : 0)],
                        "closed-zone dataset page");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, col++, after);
    if (client != NULL)
        azk_db_bind_text(st, col++, client);
    if (grantee != NULL)
        azk_db_bind_text(st, col++, grantee);
    azk_db_bind_int64(st, col, (int64_t)limit + 1); /* one more: is there a next page? */
    return azk_db_page(st, limit, cz_dataset_row, &w, more);
}

azk_status azk_store__cz_guard_page(azk_home *h, const char *after, size_t limit,
                                    azk_store_cz_guard_cb cb, void *payload, bool *more)
{
    azk_db_stmt *st = NULL;
    struct cz_guard_walk w = {cb, payload};
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && after != NULL && cb != NULL && more != NULL && limit > 0);
    *more = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT g.item, g.state, g.verdict, g.requested, g.approved, g.updated_at,"
                        " g.agent_id, a.host, r.received_at FROM agent_cz_guard g"
                        " JOIN agents a ON a.id = g.agent_id"
                        " JOIN agent_cz_reports r ON r.id = g.report_id"
                        " WHERE g.item > ? ORDER BY g.item, g.agent_id LIMIT ?",
                        "closed-zone guard page");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, after);
    azk_db_bind_int64(st, 2, (int64_t)limit + 1);
    return azk_db_page(st, limit, cz_guard_row, &w, more);
}

azk_status azk_store__witness_of_host(azk_home *h, const char *host, const char *agent_id,
                                      struct azk_store_witness *out, bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && host != NULL && agent_id != NULL && out != NULL && found != NULL);
    memset(out, 0, sizeof(*out));
    *found = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT w.vkey, w.size, w.root, COALESCE(w.alarm, '')"
                        " FROM agent_witness w JOIN agents a ON a.id = w.agent_id"
                        " WHERE a.host = ? AND a.zone = 'closed' AND w.agent_id <> ?"
                        " ORDER BY w.updated_at DESC, w.agent_id LIMIT 1",
                        "witness of host");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, host);
    azk_db_bind_text(st, 2, agent_id);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        azk_store__col_copy(st, 0, out->vkey, sizeof(out->vkey));
        out->size = azk_db_col_int64(st, 1);
        azk_store__col_copy(st, 2, out->root, sizeof(out->root));
        azk_store__col_copy(st, 3, out->alarm, sizeof(out->alarm));
        *found = true;
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}
