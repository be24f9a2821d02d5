/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/retention_state.c -- the catalog side of retention runs and
 * certificates (store/retention_state.h): state rows, the due list,
 * artifacts, sweep verdicts, certificate facts. SQL in the common dialect
 * of store/db.h; every step's result is checked; writes of more than one
 * row are one store transaction.
 */
#include "store/retention_state.h"
#include "store/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- state ------------------------------------------------------------------- */

azk_status azk_store__ret_state(azk_home *h, const char *ds, char out[24])
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int step;
    out[0] = '\0';
    rc = azk_db_prepare(h->cat, &st, "SELECT state FROM ret_state WHERE dataset = ?",
                        "read retention state");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, ds);
    step = azk_db_step(st);
    if (step == AZK_DB_ROW)
        (void)snprintf(out, 24, "%s", azk_db_col_text(st, 0));
    else if (step != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

static azk_status set_state(azk_home *h, const char *ds, const char *state)
{
    char now[32];
    const char *v[3];
    azk_store__now(now);
    v[0] = ds;
    v[1] = state;
    v[2] = now;
    return azk_store__run_texts(h, "set retention state",
                                "INSERT INTO ret_state(dataset, state, updated_at) VALUES(?,?,?)"
                                " ON CONFLICT(dataset) DO UPDATE SET state = excluded.state,"
                                " updated_at = excluded.updated_at",
                                v, 3, NULL);
}

azk_status azk_store__ret_set_state(azk_home *h, const char *ds, const char *state)
{
    AZK_ASSERT_ARG(h != NULL && ds != NULL && state != NULL);
    return set_state(h, ds, state);
}

azk_status azk_store__ret_fp_file(azk_home *h, const char *ds, char **out)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int step;
    *out = NULL;
    rc = azk_db_prepare(h->cat, &st, "SELECT fp_file FROM ret_state WHERE dataset = ?",
                        "read fingerprint batch");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, ds);
    step = azk_db_step(st);
    if (step == AZK_DB_ROW && !azk_db_col_null(st, 0)) {
        *out = azk_strdup(azk_db_col_text(st, 0));
        if (*out == NULL)
            rc = azk_error_nomem();
    } else if (step != AZK_DB_ROW && step != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__ret_held(azk_home *h, const char *ds, bool *held)
{
    return azk_store__exists(h, "read hold", "SELECT 1 FROM ret_holds WHERE dataset = ?", ds, held);
}

azk_status azk_store__ret_last_run(azk_home *h, int64_t *t)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int step;
    *t = 0;
    rc = azk_db_prepare(h->cat, &st, "SELECT value FROM ret_meta WHERE key = 'last_run'",
                        "read last run");
    if (rc != AZK_OK)
        return rc;
    step = azk_db_step(st);
    if (step == AZK_DB_ROW)
        *t = azk_db_col_int64(st, 0);
    else if (step != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__ret_set_last_run(azk_home *h, int64_t t)
{
    azk_db_stmt *st = NULL;
    azk_status rc = azk_db_prepare(h->cat, &st,
                                   "INSERT INTO ret_meta(key, value) VALUES('last_run', ?)"
                                   " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                   "record run time");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_int64(st, 1, t);
    rc = azk_db_run(st);
    azk_db_finalize(st);
    return rc;
}

#define DUE_SELECT                                                                                 \
    "SELECT d.id, d.retain_until, s.state,"                                                        \
    " (SELECT count(*) FROM ret_holds x WHERE x.dataset = d.id),"                                  \
    " (SELECT request FROM ret_early e WHERE e.dataset = d.id)"                                    \
    " FROM datasets d LEFT JOIN ret_state s ON s.dataset = d.id"                                   \
    " WHERE ((d.state = 'active' AND s.state IS NULL AND"                                          \
    " (d.retain_until < ? OR d.id IN (SELECT dataset FROM ret_early)))"                            \
    " OR (s.state IS NOT NULL AND s.state NOT IN ('clean', 'certified')))"

azk_status azk_store__ret_due_each(azk_home *h, const char *today, const char *only,
                                   azk_store_due_cb cb, void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int step;
    AZK_ASSERT_ARG(h != NULL && today != NULL && cb != NULL);
    if (only != NULL)
        rc = azk_db_prepare(h->cat, &st, DUE_SELECT " AND d.id = ? ORDER BY d.retain_until, d.id",
                            "list due datasets");
    else
        rc = azk_db_prepare(h->cat, &st, DUE_SELECT " ORDER BY d.retain_until, d.id",
                            "list due datasets");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, today);
    if (only != NULL)
        azk_db_bind_text(st, 2, only);
    while ((step = azk_db_step(st)) == AZK_DB_ROW) {
        struct azk_store_due d;
        d.dataset = azk_db_col_text(st, 0);
        d.retain_until = azk_db_col_text(st, 1);
        d.ret_state = azk_db_col_text(st, 2);
        d.held = azk_db_col_int64(st, 3) != 0;
        d.early_request = azk_db_col_text(st, 4);
        rc = cb(&d, payload);
        if (rc != AZK_OK)
            goto done;
    }
    if (step != AZK_DB_DONE)
        rc = AZK_ERR_DB;
done:
    azk_db_finalize(st);
    return rc;
}

/* ---- the steps ------------------------------------------------------------------ */

azk_status azk_store__ret_early(azk_home *h, const char *ds, bool *early)
{
    return azk_store__exists(h, "read early deletion", "SELECT 1 FROM ret_early WHERE dataset = ?",
                             ds, early);
}

azk_status azk_store__ret_record_shredding(azk_home *h, const struct azk_store_shred *s)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && s != NULL && s->dataset != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO ret_state(dataset, state, key_id, key_commit, shred_index,"
                        " shred_at, operator, drill, updated_at, fp_file)"
                        " VALUES(?, 'shredding', ?, ?, ?, ?, ?, 0, ?, ?)"
                        " ON CONFLICT(dataset) DO UPDATE SET state = 'shredding',"
                        " key_id = excluded.key_id, key_commit = excluded.key_commit,"
                        " shred_index = excluded.shred_index, shred_at = excluded.shred_at,"
                        " operator = excluded.operator, drill = 0,"
                        " updated_at = excluded.updated_at, fp_file = excluded.fp_file",
                        "record shredding");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, s->dataset);
    azk_db_bind_text(st, 2, s->key_id);
    azk_db_bind_text(st, 3, s->key_commit);
    azk_db_bind_int64(st, 4, (int64_t)s->shred_index);
    azk_db_bind_text(st, 5, s->shred_at);
    azk_db_bind_text(st, 6, s->operator_name);
    azk_db_bind_text(st, 7, s->shred_at);
    azk_db_bind_text(st, 8, s->fp_file);
    rc = azk_db_run(st);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__ret_key_destroyed(azk_home *h, const char *ds)
{
    const char *v[1];
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && ds != NULL);
    v[0] = ds;
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__run_texts(h, "record key destroyed",
                              "UPDATE datasets SET state = 'shredded' WHERE id = ?", v, 1, NULL);
    if (rc == AZK_OK)
        rc = azk_store__run_texts(h, "delete fingerprints",
                                  "DELETE FROM fingerprints WHERE dataset = ?", v, 1, NULL);
    if (rc == AZK_OK)
        rc = set_state(h, ds, "key_destroyed");
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__ret_record_vault(azk_home *h, const char *ds, const char *disp)
{
    const char *v[2];
    v[0] = disp;
    v[1] = ds;
    return azk_store__run_texts(
        h, "record vault removal",
        "UPDATE ret_state SET state = 'vault_removed', vault_disp = ? WHERE dataset = ?", v, 2,
        NULL);
}

/* ---- artifacts --------------------------------------------------------------------- */

void azk_store__ret_artifacts_free(struct azk_store_ret_artifact *a, size_t n)
{
    if (a == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        azk_free(a[i].dataset);
        azk_free(a[i].path);
        azk_free(a[i].deadline);
        azk_free(a[i].added_at);
        azk_free(a[i].disposition);
        azk_free(a[i].hash);
    }
    azk_free(a);
}

static azk_status dup_col(azk_db_stmt *st, int col, char **out)
{
    const char *s = azk_db_col_text(st, col);
    *out = NULL;
    if (s == NULL)
        return AZK_OK;
    *out = azk_strdup(s);
    return *out == NULL ? azk_error_nomem() : AZK_OK;
}

#define ARTIFACT_COLUMNS                                                                           \
    "dataset, path, deadline, added_at, disposition, hash, dev, ino, size, mtime_ns, ctime_ns"

/* Read every row of st (ARTIFACT_COLUMNS) into an array. */
static azk_status artifacts_read(azk_db_stmt *st, struct azk_store_ret_artifact **out, size_t *n)
{
    azk_status rc = AZK_OK;
    struct azk_store_ret_artifact *a = NULL;
    size_t cnt = 0, cap = 0;
    int step;
    while ((step = azk_db_step(st)) == AZK_DB_ROW) {
        struct azk_store_ret_artifact *x;
        rc = azk_array_reserve(&a, &cap, cnt, sizeof(*a), 16);
        if (rc != AZK_OK)
            goto done;
        x = &a[cnt++];
        memset(x, 0, sizeof(*x));
        rc = dup_col(st, 0, &x->dataset);
        if (rc == AZK_OK)
            rc = dup_col(st, 1, &x->path);
        if (rc == AZK_OK)
            rc = dup_col(st, 2, &x->deadline);
        if (rc == AZK_OK)
            rc = dup_col(st, 3, &x->added_at);
        if (rc == AZK_OK)
            rc = dup_col(st, 4, &x->disposition);
        if (rc == AZK_OK)
            rc = dup_col(st, 5, &x->hash);
        if (rc != AZK_OK)
            goto done;
        x->dev = (uint64_t)azk_db_col_int64(st, 6);
        x->ino = (uint64_t)azk_db_col_int64(st, 7);
        x->size = (uint64_t)azk_db_col_int64(st, 8);
        x->mtime_ns = azk_db_col_int64(st, 9);
        x->ctime_ns = azk_db_col_int64(st, 10);
    }
    if (step != AZK_DB_DONE)
        rc = AZK_ERR_DB;
done:
    if (rc != AZK_OK) {
        azk_store__ret_artifacts_free(a, cnt);
        a = NULL;
        cnt = 0;
    }
    *out = a;
    *n = cnt;
    return rc;
}

azk_status azk_store__ret_artifacts_to_remove(azk_home *h, const char *ds, const char *before,
                                              struct azk_store_ret_artifact **out, size_t *n)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int i = 1;
    AZK_ASSERT_ARG(h != NULL && out != NULL && n != NULL);
    *out = NULL;
    *n = 0;
    if (ds != NULL && before != NULL)
        rc = azk_db_prepare(h->cat, &st,
                            "SELECT " ARTIFACT_COLUMNS " FROM ret_artifacts WHERE"
                            " (disposition IS NULL OR disposition LIKE 'refused%')"
                            " AND dataset = ? AND deadline < ? ORDER BY dataset, path",
                            "list artifacts");
    else if (ds != NULL)
        rc = azk_db_prepare(h->cat, &st,
                            "SELECT " ARTIFACT_COLUMNS " FROM ret_artifacts WHERE"
                            " (disposition IS NULL OR disposition LIKE 'refused%')"
                            " AND dataset = ? ORDER BY dataset, path",
                            "list artifacts");
    else if (before != NULL)
        rc = azk_db_prepare(h->cat, &st,
                            "SELECT " ARTIFACT_COLUMNS " FROM ret_artifacts WHERE"
                            " (disposition IS NULL OR disposition LIKE 'refused%')"
                            " AND deadline < ? ORDER BY dataset, path",
                            "list artifacts");
    else
        rc = azk_db_prepare(h->cat, &st,
                            "SELECT " ARTIFACT_COLUMNS " FROM ret_artifacts WHERE"
                            " (disposition IS NULL OR disposition LIKE 'refused%')"
                            " ORDER BY dataset, path",
                            "list artifacts");
    if (rc != AZK_OK)
        return rc;
    if (ds != NULL)
        azk_db_bind_text(st, i++, ds);
    if (before != NULL)
        azk_db_bind_text(st, i, before);
    rc = artifacts_read(st, out, n);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__ret_artifacts_of(azk_home *h, const char *ds,
                                       struct azk_store_ret_artifact **out, size_t *n)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && ds != NULL && out != NULL && n != NULL);
    *out = NULL;
    *n = 0;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT " ARTIFACT_COLUMNS " FROM ret_artifacts WHERE dataset = ?"
                        " ORDER BY path",
                        "list artifacts");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, ds);
    rc = artifacts_read(st, out, n);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__ret_artifact_disposition(azk_home *h, const char *ds, const char *path,
                                               const char *disp)
{
    const char *v[3];
    v[0] = disp;
    v[1] = ds;
    v[2] = path;
    return azk_store__run_texts(
        h, "record artifact",
        "UPDATE ret_artifacts SET disposition = ? WHERE dataset = ? AND path = ?", v, 3, NULL);
}

azk_status azk_store__ret_refused_count(azk_home *h, const char *ds, uint64_t *n)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int step;
    *n = 0;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT count(*) FROM ret_artifacts WHERE dataset = ?"
                        " AND disposition LIKE 'refused%'",
                        "count refused artifacts");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, ds);
    step = azk_db_step(st);
    if (step == AZK_DB_ROW)
        *n = (uint64_t)azk_db_col_int64(st, 0);
    else
        rc = step == AZK_DB_DONE ? AZK_OK : AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__ret_artifacts_overdue(azk_home *h, const char *today, const char *only,
                                            azk_store_count_cb cb, void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int step;
    AZK_ASSERT_ARG(h != NULL && today != NULL && cb != NULL);
    if (only != NULL)
        rc = azk_db_prepare(h->cat, &st,
                            "SELECT a.dataset, count(*) FROM ret_artifacts a"
                            " JOIN datasets d ON d.id = a.dataset"
                            " WHERE a.disposition IS NULL AND a.deadline < ? AND a.dataset = ?"
                            " GROUP BY a.dataset ORDER BY a.dataset",
                            "overdue artifacts");
    else
        rc = azk_db_prepare(h->cat, &st,
                            "SELECT a.dataset, count(*) FROM ret_artifacts a"
                            " JOIN datasets d ON d.id = a.dataset"
                            " WHERE a.disposition IS NULL AND a.deadline < ?"
                            " GROUP BY a.dataset ORDER BY a.dataset",
                            "overdue artifacts");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, today);
    if (only != NULL)
        azk_db_bind_text(st, 2, only);
    while ((step = azk_db_step(st)) == AZK_DB_ROW)
        cb(azk_db_col_text(st, 0), (uint64_t)azk_db_col_int64(st, 1), payload);
    if (step != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

/* ---- sweep ---------------------------------------------------------------------------- */

static azk_status record_verdict(azk_home *h, azk_db_stmt *del, azk_db_stmt *ins, azk_db_stmt *up,
                                 const struct azk_store_verdict *v)
{
    azk_status rc;
    azk_db_reset(del);
    azk_db_bind_text(del, 1, v->dataset);
    rc = azk_db_run(del);
    for (size_t i = 0; rc == AZK_OK && i < v->res_count; i++) {
        azk_db_reset(ins);
        azk_db_bind_text(ins, 1, v->dataset);
        azk_db_bind_text(ins, 2, v->res[i].path);
        azk_db_bind_text(ins, 3, v->res[i].member != NULL ? v->res[i].member : "");
        azk_db_bind_int64(ins, 4, (int64_t)v->res[i].rows);
        rc = azk_db_run(ins);
    }
    if (rc != AZK_OK)
        return rc;
    azk_db_reset(up);
    azk_db_bind_text(up, 1, v->state);
    azk_db_bind_text(up, 2, v->sweep_json);
    azk_db_bind_int64(up, 3, (int64_t)v->residuals);
    azk_db_bind_text(up, 4, v->dataset);
    rc = azk_db_run(up);
    (void)h;
    return rc;
}

azk_status azk_store__ret_record_sweep(azk_home *h, const struct azk_store_verdict *v, size_t n)
{
    azk_status rc;
    azk_db_stmt *del = NULL, *ins = NULL, *up = NULL;
    AZK_ASSERT_ARG(h != NULL && (v != NULL || n == 0));
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(h->cat, &del, "DELETE FROM ret_residuals WHERE dataset = ?",
                        "clear residuals");
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &ins,
                            "INSERT INTO ret_residuals(dataset, path, member, rows)"
                            " VALUES(?,?,?,?)",
                            "record residual");
    if (rc == AZK_OK)
        rc = azk_db_prepare(h->cat, &up,
                            "UPDATE ret_state SET state = ?, sweep_json = ?, residuals = ?"
                            " WHERE dataset = ?",
                            "record sweep");
    for (size_t i = 0; rc == AZK_OK && i < n; i++)
        rc = record_verdict(h, del, ins, up, &v[i]);
    azk_db_finalize(del);
    azk_db_finalize(ins);
    azk_db_finalize(up);
    return azk_store__tx_end(h, rc);
}

/* ---- certificate ------------------------------------------------------------------------ */

azk_status azk_store__ret_cert_facts(azk_home *h, const char *ds, struct azk_store_cert_facts *out)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int step;
    AZK_ASSERT_ARG(h != NULL && ds != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT s.state, s.key_id, s.key_commit, s.shred_index, s.shred_at,"
                        " s.operator, s.drill, s.vault_disp, s.sweep_json, d.uuid,"
                        " d.retain_until FROM ret_state s JOIN datasets d ON d.id = s.dataset"
                        " WHERE s.dataset = ?",
                        "read certificate facts");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, ds);
    step = azk_db_step(st);
    if (step == AZK_DB_DONE) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "dataset has not been through a retention run");
        goto done;
    }
    if (step != AZK_DB_ROW) {
        rc = AZK_ERR_DB;
        goto done;
    }
    azk_store__col_copy(st, 0, out->state, sizeof(out->state));
    azk_store__col_copy(st, 1, out->key_id, sizeof(out->key_id));
    azk_store__col_copy(st, 2, out->key_commit, sizeof(out->key_commit));
    out->shred_index = azk_db_col_int64(st, 3);
    azk_store__col_copy(st, 4, out->shred_at, sizeof(out->shred_at));
    azk_store__col_copy(st, 5, out->operator_name, sizeof(out->operator_name));
    out->drill = azk_db_col_int64(st, 6) != 0;
    azk_store__col_copy(st, 7, out->vault_disp, sizeof(out->vault_disp));
    rc = dup_col(st, 8, &out->sweep_json);
    azk_store__col_copy(st, 9, out->uuid, sizeof(out->uuid));
    azk_store__col_copy(st, 10, out->retain_until, sizeof(out->retain_until));
done:
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__ret_certify(azk_home *h, const char *ds, char **batch_done)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    const char *v[1];
    int64_t changed = 0;
    int step;
    AZK_ASSERT_ARG(h != NULL && ds != NULL);
    if (batch_done != NULL)
        *batch_done = NULL;
    v[0] = ds;
    /* clean -> certified only: the state is re-read under the writers' lock,
     * so of two issuers racing past their own checks one certifies */
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__run_texts(h, "record certificate",
                              "UPDATE ret_state SET state = 'certified'"
                              " WHERE dataset = ? AND state = 'clean'",
                              v, 1, &changed);
    if (rc == AZK_OK && changed != 1)
        rc = azk_error_set(AZK_ERR_ARG, "no certificate: the dataset is no longer clean (certified "
                                        "by another issuer?)");
    if (rc != AZK_OK || batch_done == NULL)
        return azk_store__tx_end(h, rc);
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT s.fp_file, (SELECT count(*) FROM ret_state o WHERE"
                        " o.fp_file = s.fp_file AND o.state <> 'certified')"
                        " FROM ret_state s WHERE s.dataset = ?",
                        "read fingerprint batch");
    if (rc != AZK_OK)
        return azk_store__tx_end(h, rc);
    azk_db_bind_text(st, 1, ds);
    step = azk_db_step(st);
    if (step == AZK_DB_ROW && !azk_db_col_null(st, 0) && azk_db_col_int64(st, 1) == 0)
        rc = dup_col(st, 0, batch_done);
    else if (step != AZK_DB_ROW && step != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    rc = azk_store__tx_end(h, rc);
    if (rc != AZK_OK && batch_done != NULL) {
        azk_free(*batch_done);
        *batch_done = NULL;
    }
    return rc;
}

azk_status azk_store__ret_certified_in_month(azk_home *h, const char *month,
                                             azk_store_certified_cb cb, void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    char from[32], to[32];
    int y, m;
    int step;
    AZK_ASSERT_ARG(h != NULL && month != NULL && cb != NULL);
    if (strlen(month) != 7 || sscanf(month, "%4d-%2d", &y, &m) != 2 || m < 1 || m > 12)
        return azk_error_set(AZK_ERR_ARG, "month: expected YYYY-MM");
    (void)snprintf(from, sizeof(from), "%04d-%02d", y, m);
    (void)snprintf(to, sizeof(to), "%04d-%02d", m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1);
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT s.dataset, d.client, s.shred_at, s.operator, s.shred_index"
                        " FROM ret_state s JOIN datasets d ON d.id = s.dataset"
                        " WHERE s.state = 'certified' AND s.shred_at >= ? AND s.shred_at < ?"
                        " ORDER BY s.shred_at, s.dataset",
                        "certificates of a month");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, from);
    azk_db_bind_text(st, 2, to);
    while ((step = azk_db_step(st)) == AZK_DB_ROW) {
        struct azk_store_certified c;
        c.dataset = azk_db_col_text(st, 0);
        c.client = azk_db_col_text(st, 1);
        c.deleted_at = azk_db_col_text(st, 2);
        c.operator_name = azk_db_col_text(st, 3);
        c.shred_index = (uint64_t)azk_db_col_int64(st, 4);
        rc = cb(&c, payload);
        if (rc != AZK_OK)
            goto done;
    }
    if (step != AZK_DB_DONE)
        rc = AZK_ERR_DB;
done:
    azk_db_finalize(st);
    return rc;
}
