/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/schema_int.h -- inside store/schema.c: the parts of a schema
 * version kept in a file of their own (store/schema_v5.c, store/schema_v6.c,
 * store/schema_v8.c), and a migration's state with what store/schema_backup.c
 * does for it to the files of an SQLite catalog.
 */
#ifndef AZK_STORE_SCHEMA_INT_H
#define AZK_STORE_SCHEMA_INT_H

#include "store/schema.h"

#include <stddef.h>

/* One statement of a version: probe (SQLite: it prepares when the part is
 * there already), ddl (CREATE TABLE or CREATE INDEX IF NOT EXISTS). */
struct azk_schema_part {
    const char *probe;
    const char *ddl;
};

extern const struct azk_schema_part azk_schema__v5_parts[];
extern const size_t azk_schema__v5_count;
extern const struct azk_schema_part azk_schema__v6_parts[];
extern const size_t azk_schema__v6_count;
extern const struct azk_schema_part azk_schema__v8_parts[];
extern const size_t azk_schema__v8_count;

/* ---- a migration (store/schema.c) and its files (store/schema_backup.c) ---- */

struct azk_schema_keycopy {
    uint8_t *b;
    size_t n;
};

struct azk_schema_mig {
    azk_home *h;
    azk_db *db;
    azk_schema_report *rep;
    struct azk_schema_keycopy *keys; /* bytes to search the catalog files for; wiped at the end */
    size_t nkeys, capkeys;
};

/* Does `table` have `column`? *ok says; AZK_OK or an allocation failure (store/schema.c). */
AZK_NODISCARD azk_status azk_schema__has_column(azk_db *db, const char *table, const char *column,
                                                bool *ok);

/* Keep a copy of key bytes b (n; none when 0) to search the catalog files for. */
AZK_NODISCARD azk_status azk_schema__remember_key(struct azk_schema_mig *m, const uint8_t *b,
                                                  size_t n);
/* Wipe and free the copies. */
void azk_schema__forget_keys(struct azk_schema_mig *m);

/*
 * SQLite: back the catalog up before migrating from version `from`, as
 * <catalog>.bak-v<from>-<UTC stamp>[-n] (m->rep->backup gets the name),
 * without wrapped keys when from < 2; backups a killed migration left
 * half-made are shredded first.
 */
AZK_NODISCARD azk_status azk_schema__take_backup(struct azk_schema_mig *m, int from);
/*
 * After keys left the catalog: rebuild it, truncate the WAL and search both
 * files for m's keys; AZK_ERR_INTEGRITY when bytes may remain (retried at
 * the next open: meta('key_scrub') stays 'pending').
 */
AZK_NODISCARD azk_status azk_schema__scrub_catalog(struct azk_schema_mig *m);
/* wal_checkpoint(TRUNCATE) and the -wal file really empty. */
bool azk_schema__checkpoint_truncate(azk_db *db);

#endif
