/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/dbadmin.c -- azukari/db.h: the catalog's schema version and
 * pending migrations, read without the master key and without writing
 * (`azukari db status`), and a migration on purpose (`azukari db migrate`),
 * which is the home's open with its report.
 */
#include "azukari/db.h"
#include "store/keystore.h"
#include "store/schema.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

azk_status azk_catalog_status(const char *home, azk_catalog_info *out)
{
    azk_status rc;
    azk_buf p = AZK_BUF_INIT;
    azk_db *db = NULL;
    struct stat sb;
    int ver = 0;

    azk_error_clear();
    AZK_ASSERT_ARG(home != NULL && out != NULL);
    if (out->version != AZK_CATALOG_INFO_VERSION)
        return azk_error_set(AZK_ERR_ARG, "azk_catalog_status: unknown version %u", out->version);
    memset(out, 0, sizeof(*out));
    out->version = AZK_CATALOG_INFO_VERSION;
    out->schema_binary = AZK_SCHEMA_CURRENT;
    out->key_count = -1;
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    rc = azk_buf_printf(&p, "%s/catalog.db", home);
    if (rc != AZK_OK)
        goto done;
    (void)snprintf(out->catalog, sizeof(out->catalog), "%s", (const char *)p.data);
    (void)snprintf(out->backend, sizeof(out->backend), "sqlite");
    azk_buf_clear(&p);
    rc = azk_buf_printf(&p, "%s/keys/keystore.db", home);
    if (rc != AZK_OK)
        goto done;
    (void)snprintf(out->keystore, sizeof(out->keystore), "%s", (const char *)p.data);
    if (stat(out->catalog, &sb) != 0) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "home: not initialised (run `azukari init`)");
        goto done;
    }
    rc = azk_schema__check_file(out->catalog);
    if (rc == AZK_OK)
        rc = azk_db_open(&db, out->catalog, AZK_DB_READONLY);
    if (rc == AZK_OK)
        rc = azk_schema__version(db, &ver);
    if (rc != AZK_OK)
        goto done;
    out->schema_file = ver;
    out->pending = ver < AZK_SCHEMA_CURRENT ? AZK_SCHEMA_CURRENT - ver : 0;
    rc = azk_schema__check(db, &ver);
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__keystore_peek(home, &out->key_count);
done:
    azk_db_close(db);
    azk_buf_dispose(&p);
    return rc;
}

azk_status azk_catalog_migrate(const char *home, const char *passphrase, size_t passphrase_len,
                               azk_catalog_migration *out)
{
    azk_status rc;
    azk_home *h = NULL;
    azk_schema_report rep;

    azk_error_clear();
    AZK_ASSERT_ARG(home != NULL && out != NULL);
    if (out->version != AZK_CATALOG_MIGRATION_VERSION)
        return azk_error_set(AZK_ERR_ARG, "azk_catalog_migrate: unknown version %u", out->version);
    memset(out, 0, sizeof(*out));
    out->version = AZK_CATALOG_MIGRATION_VERSION;
    rc = azk_store__home_open(&h, home, passphrase, passphrase_len, &rep);
    out->from = rep.from;
    out->to = rep.to;
    (void)snprintf(out->backup, sizeof(out->backup), "%s", rep.backup);
    out->keys_moved = rep.keys_moved;
    out->key_bytes_absent = rep.key_bytes_absent ? 1 : 0;
    out->scrub_retried = rep.scrub_retried ? 1 : 0;
    azk_home_close(h);
    return rc;
}
