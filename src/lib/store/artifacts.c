/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/artifacts.c -- artifacts, residuals and the status report's rows
 * in the catalog (store/artifacts.h), in the SQL common to SQLite
 * and PostgreSQL.
 */
#include "store/artifacts.h"

#include <string.h>

azk_status azk_store__artifact_insert(azk_home *h, const struct azk_store_artifact *a,
                                      const struct azk_store_event *ev)
{
    azk_db_stmt *st = NULL;
    char now[32];
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && a != NULL && a->dataset != NULL && a->path != NULL &&
                   a->deadline != NULL && a->added_by != NULL && ev != NULL);
    azk_store__now(now);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    /* checked again under the writers' lock: a run may have started destroying it */
    rc = azk_db_prepare(h->cat, &st, "SELECT state FROM datasets WHERE id = ?", "read dataset");
    if (rc != AZK_OK)
        return azk_store__tx_end(h, rc);
    azk_db_bind_text(st, 1, a->dataset);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW &&
        (azk_db_col_null(st, 0) || strcmp(azk_db_col_text(st, 0), "active") != 0))
        rc = azk_error_set(AZK_ERR_ARG, "dataset is not active");
    else if (s == AZK_DB_DONE)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no dataset %s", a->dataset);
    else if (s != AZK_DB_ROW)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    st = NULL;
    if (rc != AZK_OK)
        return azk_store__tx_end(h, rc);
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO ret_artifacts(dataset,path,dev,ino,deadline,added_at,"
                        "added_by,size,mtime_ns,ctime_ns,hash) VALUES(?,?,?,?,?,?,?,?,?,?,?)",
                        "add artifact");
    if (rc != AZK_OK)
        return azk_store__tx_end(h, rc);
    azk_db_bind_text(st, 1, a->dataset);
    azk_db_bind_text(st, 2, a->path);
    azk_db_bind_int64(st, 3, (int64_t)a->dev);
    azk_db_bind_int64(st, 4, (int64_t)a->ino);
    azk_db_bind_text(st, 5, a->deadline);
    azk_db_bind_text(st, 6, now);
    azk_db_bind_text(st, 7, a->added_by);
    azk_db_bind_int64(st, 8, (int64_t)a->size);
    azk_db_bind_int64(st, 9, a->mtime_ns);
    azk_db_bind_int64(st, 10, a->ctime_ns);
    azk_db_bind_text(st, 11, a->hash);
    s = azk_db_step(st);
    azk_db_finalize(st);
    if (s == AZK_DB_CONSTRAINT)
        rc = azk_error_set(AZK_ERR_ARG, "artifact already registered for this dataset");
    else if (s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__artifact_withdraw(azk_home *h, const char *dataset, const char *path,
                                        uint64_t dev, uint64_t ino)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && path != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        "DELETE FROM ret_artifacts WHERE dataset = ? AND path = ? AND dev = ?"
                        " AND ino = ?",
                        "withdraw artifact");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, dataset);
    azk_db_bind_text(st, 2, path);
    azk_db_bind_int64(st, 3, (int64_t)dev);
    azk_db_bind_int64(st, 4, (int64_t)ino);
    rc = azk_db_run(st);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__artifact_disposition(azk_home *h, const char *dataset, const char *path,
                                           azk_buf *out, bool *found)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && path != NULL && out != NULL && found != NULL);
    azk_buf_clear(out);
    *found = false;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT disposition FROM ret_artifacts WHERE dataset = ? AND path = ?",
                        "read artifact");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, dataset);
    azk_db_bind_text(st, 2, path);
    s = azk_db_step(st);
    if (s == AZK_DB_ROW) {
        *found = true;
        if (!azk_db_col_null(st, 0))
            rc = azk_buf_puts(out, azk_db_col_text(st, 0));
    } else if (s != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__artifact_resolve(azk_home *h, const char *dataset, const char *path,
                                       const char *disp, const struct azk_store_event *ev)
{
    int64_t n = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && path != NULL && disp != NULL && ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc == AZK_OK) {
        const char *t[] = {disp, dataset, path};
        rc = azk_store__run_texts(h, "resolve artifact",
                                  "UPDATE ret_artifacts SET disposition = ? WHERE dataset = ?"
                                  " AND path = ? AND disposition LIKE 'refused%'",
                                  t, 3, &n);
        if (rc == AZK_OK && n != 1)
            rc = azk_error_set(AZK_ERR_NOTFOUND, "no refused artifact of %s at that path", dataset);
        if (rc == AZK_OK)
            rc = azk_store__event(h, ev, NULL);
        rc = azk_store__tx_end(h, rc);
    }
    return rc;
}

/* A row of (dataset, path, deadline, disposition) to an artifact callback. */
struct artifact_walk {
    azk_artifact_cb cb;
    void *payload;
};

static azk_status artifact_row(azk_db_stmt *st, void *payload)
{
    const struct artifact_walk *w = payload;
    azk_artifact_info a;
    a.dataset = azk_db_col_text(st, 0);
    a.path = azk_db_col_text(st, 1);
    a.deadline = azk_db_col_text(st, 2);
    a.disposition = azk_db_col_text(st, 3);
    return w->cb(&a, w->payload);
}

azk_status azk_store__artifact_list(azk_home *h, const char *dataset, azk_artifact_cb cb,
                                    void *payload)
{
    azk_db_stmt *st = NULL;
    struct artifact_walk w = {cb, payload};
    bool more = false;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        dataset != NULL
                            ? "SELECT dataset, path, deadline, disposition FROM ret_artifacts"
                              " WHERE dataset = ? ORDER BY dataset, path"
                            : "SELECT dataset, path, deadline, disposition FROM ret_artifacts"
                              " ORDER BY dataset, path",
                        "list artifacts");
    if (rc != AZK_OK)
        return rc;
    if (dataset != NULL)
        azk_db_bind_text(st, 1, dataset);
    return azk_db_page(st, SIZE_MAX, artifact_row, &w, &more);
}

azk_status azk_store__artifacts_page(azk_home *h, const char *dataset, int64_t skip, size_t limit,
                                     azk_artifact_cb cb, void *payload, bool *more)
{
    azk_db_stmt *st = NULL;
    struct artifact_walk w = {cb, payload};
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && cb != NULL && more != NULL && skip >= 0 &&
                   limit > 0);
    *more = false;
    /* the primary key (dataset, path) orders and bounds the walk: one dataset's range */
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT dataset, path, deadline, disposition FROM ret_artifacts"
                        " WHERE dataset = ? ORDER BY dataset, path LIMIT ? OFFSET ?",
                        "page of artifacts");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, dataset);
    azk_db_bind_int64(st, 2, (int64_t)limit + 1);
    azk_db_bind_int64(st, 3, skip);
    return azk_db_page(st, limit, artifact_row, &w, more);
}

azk_status azk_store__residual_list(azk_home *h, const char *dataset, azk_residual_cb cb,
                                    void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        dataset != NULL ? "SELECT dataset, path, member, rows FROM ret_residuals"
                                          " WHERE dataset = ? ORDER BY dataset, path, member"
                                        : "SELECT dataset, path, member, rows FROM ret_residuals"
                                          " ORDER BY dataset, path, member",
                        "list residuals");
    if (rc != AZK_OK)
        return rc;
    if (dataset != NULL)
        azk_db_bind_text(st, 1, dataset);
    while ((s = azk_db_step(st)) == AZK_DB_ROW) {
        azk_residual_info ri;
        ri.dataset = azk_db_col_text(st, 0);
        ri.path = azk_db_col_text(st, 1);
        ri.member = azk_db_col_text(st, 2);
        ri.rows = (uint64_t)azk_db_col_int64(st, 3);
        rc = cb(&ri, payload);
        if (rc != AZK_OK)
            break;
    }
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__retention_rows(azk_home *h, azk_store_status_cb cb, void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    rc = azk_db_prepare(
        h->cat, &st,
        "SELECT d.id, d.client, d.retain_until, d.state, s.state, COALESCE(s.residuals, 0),"
        " ho.reason, (SELECT count(*) FROM ret_artifacts a WHERE a.dataset = d.id),"
        " e.request FROM datasets d LEFT JOIN ret_state s ON s.dataset = d.id"
        " LEFT JOIN ret_holds ho ON ho.dataset = d.id LEFT JOIN ret_early e ON e.dataset = d.id"
        " ORDER BY d.client, d.id",
        "retention status");
    if (rc != AZK_OK)
        return rc;
    while ((s = azk_db_step(st)) == AZK_DB_ROW) {
        struct azk_store_status_row r;
        r.dataset = azk_db_col_text(st, 0);
        r.client = azk_db_col_text(st, 1);
        r.retain_until = azk_db_col_text(st, 2);
        r.dataset_state = azk_db_col_text(st, 3);
        r.run_state = azk_db_col_text(st, 4);
        r.residuals = (uint64_t)azk_db_col_int64(st, 5);
        r.hold = azk_db_col_text(st, 6);
        r.artifacts = (uint64_t)azk_db_col_int64(st, 7);
        r.early = azk_db_col_text(st, 8);
        rc = cb(&r, payload);
        if (rc != AZK_OK)
            break;
    }
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}
