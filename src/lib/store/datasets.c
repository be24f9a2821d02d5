/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/datasets.c -- the dataset lifecycle in the catalog (store/datasets.h):
 * intake in one transaction, the record of an open, the encrypted
 * fingerprints read back for an export, and the deadline queries. SQL in
 * the common dialect of store/db.h; every step's result is checked.
 */
#include "store/datasets.h"
#include "store/event.h"

#include <stdlib.h>
#include <string.h>

azk_status azk_store__intake_check(azk_home *h, const char *client, const char *dataset)
{
    azk_status rc;
    azk_db_stmt *st = NULL;
    int step;
    AZK_ASSERT_ARG(h != NULL && client != NULL && dataset != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT (SELECT count(*) FROM clients WHERE id = ?),"
                        " (SELECT count(*) FROM datasets WHERE id = ?)",
                        "check intake");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, client);
    azk_db_bind_text(st, 2, dataset);
    step = azk_db_step(st);
    if (step != AZK_DB_ROW)
        rc = step == AZK_DB_DONE ? azk_error_set(AZK_ERR_DB, "catalog: check intake: no row")
                                 : AZK_ERR_DB;
    else if (azk_db_col_int64(st, 0) == 0)
        rc = azk_error_set(AZK_ERR_ARG, "no client %s (add it with `azukari client add`)", client);
    else if (azk_db_col_int64(st, 1) != 0)
        rc = azk_error_set(AZK_ERR_ARG, "dataset %s already exists", dataset);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__dataset_intake(azk_home *h, const struct azk_store_intake *in)
{
    azk_status rc;
    azk_db_stmt *st = NULL;
    char now[32];
    const char *objs[2];
    int step;
    AZK_ASSERT_ARG(h != NULL && in != NULL && in->dataset != NULL && in->client != NULL);
    azk_store__now(now);
    rc = azk_db_begin(h->cat);
    if (rc != AZK_OK)
        return rc;
    /* a rotation commits its fingerprints before it installs its key: a key that changed, or
     * one waiting, means these fingerprints are under a retired key */
    if (in->scan_key != NULL) {
        rc = azk_store__scan_key_unchanged(h, in->scan_key);
        if (rc != AZK_OK)
            goto done;
    }
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO datasets(id, client, uuid, purpose, retain_until,"
                        " schema_json, source_name, format, encoding, records, bytes,"
                        " created_at, created_by)"
                        " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
                        "insert dataset");
    if (rc != AZK_OK)
        goto done;
    azk_db_bind_text(st, 1, in->dataset);
    azk_db_bind_text(st, 2, in->client);
    azk_db_bind_text(st, 3, in->uuid);
    azk_db_bind_text(st, 4, in->purpose);
    azk_db_bind_text(st, 5, in->retain_until);
    azk_db_bind_text(st, 6, in->schema_json);
    azk_db_bind_text(st, 7, in->source_name);
    azk_db_bind_text(st, 8, in->format);
    azk_db_bind_text(st, 9, in->encoding);
    azk_db_bind_int64(st, 10, (int64_t)in->records);
    azk_db_bind_int64(st, 11, (int64_t)in->bytes);
    azk_db_bind_text(st, 12, now);
    azk_db_bind_text(st, 13, azk_store__actor(h));
    step = azk_db_step(st);
    if (step == AZK_DB_CONSTRAINT) {
        rc = azk_error_set(AZK_ERR_ARG, "dataset %s already exists", in->dataset);
        goto done;
    }
    if (step != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
        goto done;
    }
    azk_db_finalize(st);
    st = NULL;
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO fingerprints(dataset, fields, nonce, data) VALUES(?,?,?,?)",
                        "store fingerprints");
    if (rc != AZK_OK)
        goto done;
    azk_db_bind_text(st, 1, in->dataset);
    azk_db_bind_text(st, 2, in->fp_fields != NULL ? in->fp_fields : "");
    azk_db_bind_blob(st, 3, in->fp_nonce, in->fp_nonce_len);
    azk_db_bind_blob(st, 4, in->fp_data, in->fp_data_len);
    rc = azk_db_run(st);
    if (rc != AZK_OK)
        goto done;
    objs[0] = in->client;
    objs[1] = in->dataset;
    rc = azk_store__audit(h, "intake", objs, 2, in->purpose, in->ledger_extra);
    if (rc != AZK_OK)
        goto done;
    azk_store__test_pause("intake-tx");
    rc = azk_db_commit(h->cat);
done:
    azk_db_finalize(st);
    if (rc != AZK_OK)
        azk_db_rollback(h->cat);
    return rc;
}

azk_status azk_store__dataset_open(azk_home *h, const char *dataset, const char *reason,
                                   struct azk_store_opened *out)
{
    azk_status rc;
    azk_db_stmt *st = NULL;
    char now[32];
    const char *objs[2];
    int step;
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && reason != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    rc = azk_db_begin(h->cat);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(h->cat, &st, "SELECT uuid, client, state FROM datasets WHERE id = ?",
                        "find dataset");
    if (rc != AZK_OK)
        goto done;
    azk_db_bind_text(st, 1, dataset);
    step = azk_db_step(st);
    if (step == AZK_DB_DONE) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no dataset %s", dataset);
        goto done;
    }
    if (step != AZK_DB_ROW) {
        rc = AZK_ERR_DB;
        goto done;
    }
    if (strcmp(azk_db_col_text(st, 2), "active") != 0) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "dataset %s is %s: its key is destroyed", dataset,
                           azk_db_col_text(st, 2));
        goto done;
    }
    (void)snprintf(out->uuid, sizeof(out->uuid), "%s", azk_db_col_text(st, 0));
    (void)snprintf(out->client, sizeof(out->client), "%s", azk_db_col_text(st, 1));
    azk_db_finalize(st);
    st = NULL;
    azk_store__now(now);
    rc = azk_db_prepare(h->cat, &st, "INSERT INTO opens(dataset, at, by, reason) VALUES(?,?,?,?)",
                        "record open");
    if (rc != AZK_OK)
        goto done;
    azk_db_bind_text(st, 1, dataset);
    azk_db_bind_text(st, 2, now);
    azk_db_bind_text(st, 3, azk_store__actor(h));
    azk_db_bind_text(st, 4, reason);
    rc = azk_db_run(st);
    if (rc != AZK_OK)
        goto done;
    objs[0] = out->client;
    objs[1] = dataset;
    rc = azk_store__audit(h, "vault.open", objs, 2, reason, NULL);
    if (rc != AZK_OK)
        goto done;
    rc = azk_db_commit(h->cat);
done:
    azk_db_finalize(st);
    if (rc != AZK_OK)
        azk_db_rollback(h->cat);
    return rc;
}

azk_status azk_store__dataset_uuid_known(azk_home *h, const char *uuid, bool *yes)
{
    AZK_ASSERT_ARG(h != NULL && uuid != NULL && yes != NULL);
    return azk_store__exists(h, "find vault uuid", "SELECT 1 FROM datasets WHERE uuid = ?", uuid,
                             yes);
}

/* ---- fingerprints ------------------------------------------------------------ */

struct fp_head {
    char *id;
    char *client;
};

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One dataset's row, read and handed to cb. */
static azk_status fp_one(azk_home *h, const char *id, azk_store_fp_cb cb, void *payload)
{
    azk_status rc;
    azk_db_stmt *st = NULL;
    struct azk_store_fp fp;
    int step;
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT d.id, d.client, d.uuid, d.records, f.nonce, f.data"
                        " FROM datasets d JOIN fingerprints f ON f.dataset = d.id"
                        " WHERE d.id = ? AND d.state = 'active'",
                        "read fingerprints");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, id);
    step = azk_db_step(st);
    if (step == AZK_DB_DONE)
        goto done; /* gone since it was listed */
    if (step != AZK_DB_ROW) {
        rc = AZK_ERR_DB;
        goto done;
    }
    memset(&fp, 0, sizeof(fp));
    fp.dataset = azk_db_col_text(st, 0);
    fp.client = azk_db_col_text(st, 1);
    fp.uuid = azk_db_col_text(st, 2);
    fp.records = (uint64_t)azk_db_col_int64(st, 3);
    fp.nonce = azk_db_col_blob(st, 4, &fp.nonce_len);
    fp.data = azk_db_col_blob(st, 5, &fp.data_len);
    rc = cb(&fp, payload);
done:
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__fingerprints_each(azk_home *h, const char *client, const char *const *ids,
                                        size_t id_count, azk_store_fp_cb cb, void *payload)
{
    azk_status rc;
    azk_db_stmt *st = NULL;
    struct fp_head *list = NULL;
    const char **want = NULL;
    size_t n = 0, cap = 0;
    int step;
    AZK_ASSERT_ARG(h != NULL && cb != NULL && (ids != NULL || id_count == 0));
    if (ids != NULL) {
        want = azk_calloc(id_count > 0 ? id_count : 1, sizeof(*want));
        if (want == NULL)
            return azk_error_nomem();
        memcpy(want, ids, id_count * sizeof(*want));
        qsort(want, id_count, sizeof(*want), cmp_cstr);
    }
    /* the heads first (small), then one dataset at a time: the blobs of many
     * datasets are never in memory together, and no list of ids goes into SQL */
    if (client != NULL)
        rc = azk_db_prepare(h->cat, &st,
                            "SELECT d.id, d.client FROM datasets d"
                            " JOIN fingerprints f ON f.dataset = d.id"
                            " WHERE d.state = 'active' AND d.client = ? ORDER BY d.client, d.id",
                            "list fingerprints");
    else
        rc = azk_db_prepare(h->cat, &st,
                            "SELECT d.id, d.client FROM datasets d"
                            " JOIN fingerprints f ON f.dataset = d.id"
                            " WHERE d.state = 'active' ORDER BY d.client, d.id",
                            "list fingerprints");
    if (rc != AZK_OK)
        goto done;
    if (client != NULL)
        azk_db_bind_text(st, 1, client);
    while ((step = azk_db_step(st)) == AZK_DB_ROW) {
        const char *id = azk_db_col_text(st, 0);
        if (want != NULL && bsearch(&id, want, id_count, sizeof(*want), cmp_cstr) == NULL)
            continue;
        rc = azk_array_reserve(&list, &cap, n, sizeof(*list), 16);
        if (rc != AZK_OK)
            goto done;
        list[n].id = azk_strdup(id);
        list[n].client = azk_strdup(azk_db_col_text(st, 1));
        n++;
        if (list[n - 1].id == NULL || list[n - 1].client == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
    }
    if (step != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
        goto done;
    }
    azk_db_finalize(st);
    st = NULL;
    for (size_t i = 0; i < n && rc == AZK_OK; i++)
        rc = fp_one(h, list[i].id, cb, payload);
done:
    azk_db_finalize(st);
    for (size_t i = 0; i < n; i++) {
        azk_free(list[i].id);
        azk_free(list[i].client);
    }
    azk_free(list);
    azk_free(want);
    return rc;
}

azk_status azk_store__fingerprints_present(azk_home *h, const char *dataset, bool *yes)
{
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && yes != NULL);
    return azk_store__exists(h, "find fingerprints", "SELECT 1 FROM fingerprints WHERE dataset = ?",
                             dataset, yes);
}

/* ---- deadlines ----------------------------------------------------------------- */

#define DEADLINE_SELECT                                                                            \
    "SELECT d.id, d.client, d.retain_until, d.state, s.state,"                                     \
    " (SELECT count(*) FROM ret_holds x WHERE x.dataset = d.id)"                                   \
    " FROM datasets d LEFT JOIN ret_state s ON s.dataset = d.id"

static azk_status deadline_walk(azk_db_stmt *st, azk_store_deadline_cb cb, void *payload)
{
    azk_status rc = AZK_OK;
    int step;
    while ((step = azk_db_step(st)) == AZK_DB_ROW) {
        struct azk_store_deadline d;
        d.dataset = azk_db_col_text(st, 0);
        d.client = azk_db_col_text(st, 1);
        d.retain_until = azk_db_col_text(st, 2);
        d.state = azk_db_col_text(st, 3);
        d.ret_state = azk_db_col_text(st, 4);
        d.held = azk_db_col_int64(st, 5) != 0;
        rc = cb(&d, payload);
        if (rc != AZK_OK)
            return rc;
    }
    return step == AZK_DB_DONE ? AZK_OK : AZK_ERR_DB;
}

azk_status azk_store__datasets_by_deadline(azk_home *h, const char *client,
                                           azk_store_deadline_cb cb, void *payload)
{
    azk_status rc;
    azk_db_stmt *st = NULL;
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    if (client != NULL)
        rc = azk_db_prepare(h->cat, &st,
                            DEADLINE_SELECT " WHERE d.client = ? ORDER BY d.retain_until, d.id",
                            "datasets by deadline");
    else
        rc = azk_db_prepare(h->cat, &st, DEADLINE_SELECT " ORDER BY d.client, d.retain_until, d.id",
                            "datasets by deadline");
    if (rc != AZK_OK)
        return rc;
    if (client != NULL)
        azk_db_bind_text(st, 1, client);
    rc = deadline_walk(st, cb, payload);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__datasets_overdue(azk_home *h, const char *today, azk_store_deadline_cb cb,
                                       void *payload)
{
    azk_status rc;
    azk_db_stmt *st = NULL;
    AZK_ASSERT_ARG(h != NULL && today != NULL && cb != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        DEADLINE_SELECT " WHERE d.retain_until < ? AND (s.state IS NULL OR"
                                        " s.state NOT IN ('clean', 'certified'))"
                                        " ORDER BY d.retain_until, d.id",
                        "overdue datasets");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, today);
    rc = deadline_walk(st, cb, payload);
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__fingerprints_replace(azk_home *h, const struct azk_store_fp_new *items,
                                           size_t n, const char *extra_json)
{
    azk_status rc;
    azk_db_stmt *st = NULL;
    const char *objs[1] = {"fingerprints"};
    size_t seen = 0;
    int step;
    AZK_ASSERT_ARG(h != NULL && (items != NULL || n == 0));
    rc = azk_db_begin(h->cat);
    if (rc != AZK_OK)
        return rc;
    /* the set must be the one the rotation read */
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT d.id FROM datasets d JOIN fingerprints f ON f.dataset = d.id"
                        " WHERE d.state = 'active'",
                        "list fingerprints");
    if (rc != AZK_OK)
        goto done;
    while ((step = azk_db_step(st)) == AZK_DB_ROW) {
        const char *id = azk_db_col_text(st, 0);
        bool found = false;
        for (size_t i = 0; i < n && !found; i++)
            found = strcmp(items[i].dataset, id) == 0;
        if (!found) {
            rc = azk_error_set(AZK_ERR_ARG, "a dataset was entrusted during the key rotation: "
                                            "run it again");
            goto done;
        }
        seen++;
    }
    if (step != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
        goto done;
    }
    if (seen != n) {
        rc = azk_error_set(AZK_ERR_ARG, "a dataset was deleted during the key rotation: "
                                        "run it again");
        goto done;
    }
    azk_db_finalize(st);
    st = NULL;
    rc =
        azk_db_prepare(h->cat, &st, "UPDATE fingerprints SET nonce = ?, data = ? WHERE dataset = ?",
                       "replace fingerprints");
    for (size_t i = 0; i < n && rc == AZK_OK; i++) {
        azk_db_reset(st);
        azk_db_bind_blob(st, 1, items[i].nonce, items[i].nonce_len);
        azk_db_bind_blob(st, 2, items[i].data, items[i].data_len);
        azk_db_bind_text(st, 3, items[i].dataset);
        rc = azk_db_run(st);
    }
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__audit(h, "fingerprints.rotate", objs, 1, NULL, extra_json);
    if (rc != AZK_OK)
        goto done;
    azk_store__test_pause("rotate-tx");
    rc = azk_db_commit(h->cat);
done:
    azk_db_finalize(st);
    if (rc != AZK_OK)
        azk_db_rollback(h->cat);
    return rc;
}
