/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/home_catalog.h -- which catalog a home uses (store/home_catalog.c):
 * the home's own SQLite file <home>/catalog.db, or a PostgreSQL database
 * named by the "catalog" URL of <home>/azukari.conf or by the caller
 * (azk_home_open_ex / `--catalog`). The home directory keeps the master
 * key, ledger, vault and keystore in either case: keys never go to
 * PostgreSQL (store/keystore.h). One PostgreSQL catalog serves one home
 * identity (its meta master_key_id); another home's key is refused.
 */
#ifndef AZK_STORE_HOME_CATALOG_H
#define AZK_STORE_HOME_CATALOG_H

#include "store/db_int.h"

/*
 * The catalog target of the home at `home`: `override` when given (a
 * PostgreSQL URL), else the "catalog" key of <home>/azukari.conf, else
 * <home>/catalog.db. *out is owned by the caller (azk_free).
 * Errors: AZK_ERR_FORMAT (azukari.conf not JSON, catalog not a
 * "postgresql://" URL string), AZK_ERR_ARG (override not a URL).
 */
AZK_NODISCARD azk_status azk_store__catalog_target(const char *home, const char *override,
                                                   char **out);

/*
 * Record `url` as the "catalog" of <home>/azukari.conf (other keys kept;
 * atomic replace; mode 0600, as the URL may hold a password); url NULL
 * removes the key.
 */
AZK_NODISCARD azk_status azk_store__catalog_record(const char *home, const char *url);

/*
 * Does the database already hold an azukari catalog (a table "meta")?
 * PostgreSQL: in the connection's current schema.
 */
AZK_NODISCARD azk_status azk_store__catalog_exists(azk_db *db, bool *exists);

#endif
