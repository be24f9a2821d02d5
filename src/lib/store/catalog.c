/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/catalog.c -- clients and datasets in the catalog: add and list
 * clients, list and get datasets. Every change is one transaction and
 * appends a ledger event.
 */
#include "store/store.h"
#include "azukari/catalog.h"

#include <string.h>

azk_status azk_client_add(azk_home *h, const char *id, const char *name)
{
    azk_status rc = AZK_OK;
    sqlite3_stmt *st = NULL;
    char now[32];
    int step;
    const char *objs[1];

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    if (!azk_store__valid_id(id))
        return azk_error_set(AZK_ERR_ARG, "client id must be 1-64 of [A-Za-z0-9._-], "
                                          "starting with a letter or digit");
    azk_store__now(now);
    rc = azk_store__begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__prepare(h, &st,
                            "INSERT INTO clients(id,name,created_at,created_by) VALUES(?,?,?,?)");
    if (rc != AZK_OK)
        goto done;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, name != NULL ? name : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, azk_store__actor(h), -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_CONSTRAINT) {
        rc = azk_error_set(AZK_ERR_ARG, "client %s already exists", id);
        goto done;
    }
    if (step != SQLITE_DONE) {
        rc = azk_store__dberr(h->db, "add client");
        goto done;
    }
    objs[0] = id;
    rc = azk_store__audit(h, "client.add", objs, 1, NULL, NULL);
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__commit(h);
done:
    sqlite3_finalize(st);
    if (rc != AZK_OK)
        azk_store__rollback(h);
    return rc;
}

azk_status azk_client_list(azk_home *h, azk_client_cb cb, void *payload)
{
    azk_status rc = AZK_OK;
    sqlite3_stmt *st = NULL;
    int step;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    rc = azk_store__prepare(h, &st,
                            "SELECT c.id, c.name, c.created_at, c.created_by,"
                            " (SELECT count(*) FROM datasets d WHERE d.client = c.id)"
                            " FROM clients c ORDER BY c.id");
    if (rc != AZK_OK)
        return rc;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        azk_client_info ci;
        ci.id = (const char *)sqlite3_column_text(st, 0);
        ci.name = (const char *)sqlite3_column_text(st, 1);
        ci.created_at = (const char *)sqlite3_column_text(st, 2);
        ci.created_by = (const char *)sqlite3_column_text(st, 3);
        ci.dataset_count = (uint64_t)sqlite3_column_int64(st, 4);
        rc = cb(&ci, payload);
        if (rc != AZK_OK)
            goto done;
    }
    if (step != SQLITE_DONE)
        rc = azk_store__dberr(h->db, "list clients");
done:
    sqlite3_finalize(st);
    return rc;
}

#define DATASET_COLUMNS                                                                            \
    "id, client, uuid, purpose, retain_until, schema_json, source_name, format, encoding,"         \
    " records, bytes, created_at, created_by, state"

static void dataset_row(sqlite3_stmt *st, azk_dataset_info *d)
{
    d->id = (const char *)sqlite3_column_text(st, 0);
    d->client = (const char *)sqlite3_column_text(st, 1);
    d->uuid = (const char *)sqlite3_column_text(st, 2);
    d->purpose = (const char *)sqlite3_column_text(st, 3);
    d->retain_until = (const char *)sqlite3_column_text(st, 4);
    d->schema_json = (const char *)sqlite3_column_text(st, 5);
    d->source_name = (const char *)sqlite3_column_text(st, 6);
    d->format = (const char *)sqlite3_column_text(st, 7);
    d->encoding = (const char *)sqlite3_column_text(st, 8);
    d->records = (uint64_t)sqlite3_column_int64(st, 9);
    d->bytes = (uint64_t)sqlite3_column_int64(st, 10);
    d->created_at = (const char *)sqlite3_column_text(st, 11);
    d->created_by = (const char *)sqlite3_column_text(st, 12);
    d->state = (const char *)sqlite3_column_text(st, 13);
}

azk_status azk_dataset_list(azk_home *h, const char *client, azk_dataset_cb cb, void *payload)
{
    azk_status rc = AZK_OK;
    sqlite3_stmt *st = NULL;
    int step;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    rc = azk_store__prepare(h, &st,
                            "SELECT " DATASET_COLUMNS " FROM datasets"
                            " WHERE ?1 IS NULL OR client = ?1 ORDER BY client, id");
    if (rc != AZK_OK)
        return rc;
    if (client != NULL)
        sqlite3_bind_text(st, 1, client, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        azk_dataset_info d;
        dataset_row(st, &d);
        rc = cb(&d, payload);
        if (rc != AZK_OK)
            goto done;
    }
    if (step != SQLITE_DONE)
        rc = azk_store__dberr(h->db, "list datasets");
done:
    sqlite3_finalize(st);
    return rc;
}

azk_status azk_dataset_get(azk_home *h, const char *id, azk_dataset_cb cb, void *payload)
{
    azk_status rc = AZK_OK;
    sqlite3_stmt *st = NULL;
    int step;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL && cb != NULL);
    rc = azk_store__prepare(h, &st, "SELECT " DATASET_COLUMNS " FROM datasets WHERE id = ?1");
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        azk_dataset_info d;
        dataset_row(st, &d);
        rc = cb(&d, payload);
    } else if (step == SQLITE_DONE) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no dataset with that id");
    } else {
        rc = azk_store__dberr(h->db, "get dataset");
    }
    sqlite3_finalize(st);
    return rc;
}
