/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/catalog.c -- clients and datasets in the catalog (azukari/catalog.h):
 * add and list clients, list and get datasets, on store/db.h (SQLite or
 * PostgreSQL). Every change is one transaction and appends a ledger event.
 */
#include "store/store.h"
#include "azukari/catalog.h"

#include <string.h>

azk_status azk_client_add(azk_home *h, const char *id, const char *name)
{
    azk_status rc = AZK_OK;
    azk_db_stmt *st = NULL;
    char now[32];
    int step;
    const char *objs[1];

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    if (!azk_store__valid_id(id))
        return azk_error_set(AZK_ERR_ARG, "client id must be 1-64 of [A-Za-z0-9._-], "
                                          "starting with a letter or digit");
    azk_store__now(now);
    rc = azk_db_begin(h->cat);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_prepare(h->cat, &st,
                        "INSERT INTO clients(id,name,created_at,created_by) VALUES(?,?,?,?)",
                        "add client");
    if (rc != AZK_OK)
        goto done;
    azk_db_bind_text(st, 1, id);
    azk_db_bind_text(st, 2, name != NULL ? name : "");
    azk_db_bind_text(st, 3, now);
    azk_db_bind_text(st, 4, azk_store__actor(h));
    step = azk_db_step(st);
    if (step == AZK_DB_CONSTRAINT) {
        rc = azk_error_set(AZK_ERR_ARG, "client %s already exists", id);
        goto done;
    }
    if (step != AZK_DB_DONE) {
        rc = AZK_ERR_DB;
        goto done;
    }
    objs[0] = id;
    rc = azk_store__audit(h, "client.add", objs, 1, NULL, NULL);
    if (rc != AZK_OK)
        goto done;
    rc = azk_db_commit(h->cat);
done:
    azk_db_finalize(st);
    if (rc != AZK_OK)
        azk_db_rollback(h->cat);
    return rc;
}

azk_status azk_client_list(azk_home *h, azk_client_cb cb, void *payload)
{
    azk_status rc = AZK_OK;
    azk_db_stmt *st = NULL;
    int step;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    rc = azk_db_prepare(h->cat, &st,
                        "SELECT c.id, c.name, c.created_at, c.created_by,"
                        " (SELECT count(*) FROM datasets d WHERE d.client = c.id)"
                        " FROM clients c ORDER BY c.id",
                        "list clients");
    if (rc != AZK_OK)
        return rc;
    while ((step = azk_db_step(st)) == AZK_DB_ROW) {
        azk_client_info ci;
        ci.id = azk_db_col_text(st, 0);
        ci.name = azk_db_col_text(st, 1);
        ci.created_at = azk_db_col_text(st, 2);
        ci.created_by = azk_db_col_text(st, 3);
        ci.dataset_count = (uint64_t)azk_db_col_int64(st, 4);
        rc = cb(&ci, payload);
        if (rc != AZK_OK)
            goto done;
    }
    if (step != AZK_DB_DONE)
        rc = AZK_ERR_DB;
done:
    azk_db_finalize(st);
    return rc;
}

#define DATASET_COLUMNS                                                                            \
    "id, client, uuid, purpose, retain_until, schema_json, source_name, format, encoding,"         \
    " records, bytes, created_at, created_by, state"

static void dataset_row(azk_db_stmt *st, azk_dataset_info *d)
{
    d->id = azk_db_col_text(st, 0);
    d->client = azk_db_col_text(st, 1);
    d->uuid = azk_db_col_text(st, 2);
    d->purpose = azk_db_col_text(st, 3);
    d->retain_until = azk_db_col_text(st, 4);
    d->schema_json = azk_db_col_text(st, 5);
    d->source_name = azk_db_col_text(st, 6);
    d->format = azk_db_col_text(st, 7);
    d->encoding = azk_db_col_text(st, 8);
    d->records = (uint64_t)azk_db_col_int64(st, 9);
    d->bytes = (uint64_t)azk_db_col_int64(st, 10);
    d->created_at = azk_db_col_text(st, 11);
    d->created_by = azk_db_col_text(st, 12);
    d->state = azk_db_col_text(st, 13);
}

azk_status azk_dataset_list(azk_home *h, const char *client, azk_dataset_cb cb, void *payload)
{
    azk_status rc = AZK_OK;
    azk_db_stmt *st = NULL;
    int step;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    /* two statements rather than "? IS NULL OR client = ?": PostgreSQL cannot type a
     * parameter that is only compared with NULL */
    if (client != NULL)
        rc = azk_db_prepare(h->cat, &st,
                            "SELECT " DATASET_COLUMNS " FROM datasets WHERE client = ?"
                            " ORDER BY client, id",
                            "list datasets");
    else
        rc = azk_db_prepare(h->cat, &st,
                            "SELECT " DATASET_COLUMNS " FROM datasets ORDER BY client, id",
                            "list datasets");
    if (rc != AZK_OK)
        return rc;
    if (client != NULL)
        azk_db_bind_text(st, 1, client);
    while ((step = azk_db_step(st)) == AZK_DB_ROW) {
        azk_dataset_info d;
        dataset_row(st, &d);
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

azk_status azk_dataset_get(azk_home *h, const char *id, azk_dataset_cb cb, void *payload)
{
    azk_status rc = AZK_OK;
    azk_db_stmt *st = NULL;
    int step;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL && cb != NULL);
    rc = azk_db_prepare(h->cat, &st, "SELECT " DATASET_COLUMNS " FROM datasets WHERE id = ?",
                        "get dataset");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_text(st, 1, id);
    step = azk_db_step(st);
    if (step == AZK_DB_ROW) {
        azk_dataset_info d;
        dataset_row(st, &d);
        rc = cb(&d, payload);
    } else if (step == AZK_DB_DONE) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no dataset with that id");
    } else {
        rc = AZK_ERR_DB;
    }
    azk_db_finalize(st);
    return rc;
}
