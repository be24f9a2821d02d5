/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/db_pg.c -- the PostgreSQL catalog backend of store/db.h (libpq).
 * Placeholder until the backend lands: opening a URL is refused.
 */
#include "store/db_int.h"

static azk_status p_open(azk_db *db, const char *target, unsigned flags)
{
    (void)target;
    (void)flags;
    return azk_error_set(AZK_ERR_UNSUPPORTED, "catalog %s: PostgreSQL catalogs are not built in",
                         db->name);
}

const struct azk_db_ops azk_db__pg_ops = {
    .kind = AZK_DB_POSTGRES,
    .open = p_open,
};
