/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault/open.c -- azk_vault_open(): record who opens which dataset, when
 * and why (catalog table `opens` and a ledger event, committed before any
 * byte is released), then stream the authenticated plaintext to the
 * caller.
 */
#include "vault/vault.h"
#include "azukari/vault.h"

#include <stdio.h>
#include <string.h>

azk_status azk_vault_open(azk_home *h, const char *dataset, const char *reason,
                          azk_vault_write_cb cb, void *payload)
{
    azk_status rc;
    sqlite3_stmt *st = NULL;
    char *uuid = NULL;
    uint8_t *wrapped = NULL;
    size_t wrapped_len = 0;
    char now[32];
    char client[80];
    const char *objs[2];
    int step;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && cb != NULL);
    if (reason == NULL || reason[strspn(reason, " \t")] == '\0')
        return azk_error_set(AZK_ERR_ARG, "a reason is required to open a dataset");
    rc = azk_store__begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__prepare(h, &st,
                            "SELECT uuid, wrapped_key, client, state FROM datasets"
                            " WHERE id = ?1");
    if (rc != AZK_OK)
        goto done;
    sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_DONE) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no dataset %s", dataset);
        goto done;
    }
    if (step != SQLITE_ROW) {
        rc = azk_store__dberr(h->db, "find dataset");
        goto done;
    }
    if (strcmp((const char *)sqlite3_column_text(st, 3), "active") != 0 ||
        sqlite3_column_type(st, 1) != SQLITE_BLOB) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "dataset %s is %s: its key is destroyed", dataset,
                           (const char *)sqlite3_column_text(st, 3));
        goto done;
    }
    uuid = azk_strdup((const char *)sqlite3_column_text(st, 0));
    wrapped_len = (size_t)sqlite3_column_bytes(st, 1);
    wrapped = azk_malloc(wrapped_len + 1);
    if (uuid == NULL || wrapped == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    memcpy(wrapped, sqlite3_column_blob(st, 1), wrapped_len);
    snprintf(client, sizeof(client), "%s", (const char *)sqlite3_column_text(st, 2));
    objs[0] = client;
    objs[1] = dataset;
    sqlite3_finalize(st);
    st = NULL;
    azk_store__now(now);
    rc = azk_store__prepare(h, &st, "INSERT INTO opens(dataset, at, by, reason) VALUES(?,?,?,?)");
    if (rc != AZK_OK)
        goto done;
    sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, azk_store__actor(h), -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, reason, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = azk_store__dberr(h->db, "record open");
        goto done;
    }
    rc = azk_store__audit(h, "vault.open", objs, 2, reason, NULL);
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__commit(h);
    if (rc != AZK_OK)
        goto done;
    sqlite3_finalize(st);
    st = NULL;
    rc = azk_vault__read(h, uuid, wrapped, wrapped_len, cb, payload);
done:
    sqlite3_finalize(st);
    azk_store__rollback(h);
    azk_free(uuid);
    azk_free_secret(wrapped, wrapped_len + 1);
    return rc;
}
