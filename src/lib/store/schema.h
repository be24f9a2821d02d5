/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/schema.h -- the catalog's one schema, its version and its forward
 * migrations (store/schema.c). Every table of the catalog is defined
 * there, once, for both backends; nothing else creates or alters a table.
 * The version is meta('schema'). See docs/catalog.md.
 *
 *   1  what every release before the keystore made: meta, clients,
 *      datasets (with wrapped_key), opens, fingerprints; the retention
 *      and guard tables were created lazily, and some columns added by
 *      ALTER, so a version-1 catalog may lack any of them.
 *   2  wrapped keys moved to the keystore (store/keystore.h):
 *      datasets.wrapped_key and guard_items.wrapped removed.
 *   3  indexes of the server's catalog queries: datasets(client,
 *      retain_until, id), ret_state(state, shred_at). No data changes.
 *   4  azukari serve: users.pw_hash and users.role; tables user_grants,
 *      sessions and enrol_tokens (store/serve.h).
 *   5  Wave 2 tables, listed in store/schema_v5.c: the server's rate
 *      limits, agents, supervision (monthly reports, training, internal
 *      control) and vendor management. No existing table changes.
 *   6  Wave 2, second round, listed in store/schema_v6.c: indexes of the
 *      agents' tables and the tables of the pages and sources added then.
 *      No existing table changes.
 */
#ifndef AZK_STORE_SCHEMA_H
#define AZK_STORE_SCHEMA_H

#include "store/store.h"

/* The schema version this binary creates and knows (also in store.h for old callers). */
#define AZK_SCHEMA_CURRENT 8

/* What a migration did. */
typedef struct {
    int from;              /* version before (0 before reading it) */
    int to;                /* version after; == from when nothing was pending */
    char backup[4096];     /* SQLite: the backup taken before migrating, else "" */
    int64_t keys_moved;    /* wrapped keys moved from the catalog into the keystore */
    bool wal_truncated;    /* SQLite: the catalog's WAL was truncated after scrubbing */
    bool key_bytes_absent; /* the moved keys' bytes were searched for in the catalog files */
    bool scrub_retried;    /* an earlier migration's unfinished scrub was redone */
} azk_schema_report;

/*
 * Create the current schema in an empty catalog and write meta('schema')
 * plus the given meta pairs (meta[0]=key, meta[1]=value, ...), in one
 * write transaction (SQLite: WAL mode is set first).
 */
AZK_NODISCARD azk_status azk_schema__create(azk_db *db, const char *const *meta, size_t meta_count);

/*
 * The schema version of an open catalog. A database that is not an
 * azukari catalog (no meta table, no meta('schema'), not a number) is
 * AZK_ERR_FORMAT naming the catalog; nothing is written.
 */
AZK_NODISCARD azk_status azk_schema__version(azk_db *db, int *version);

/*
 * Check the version is one this binary can use or migrate: a newer one is
 * AZK_ERR_UNSUPPORTED "catalog <name>: schema version N is newer than this
 * azukari knows (M)".
 */
AZK_NODISCARD azk_status azk_schema__check(azk_db *db, int *version);

/* An SQLite file that does not start with the SQLite header is no catalog:
 * AZK_ERR_FORMAT naming it, before SQLite opens (and could write) it. A
 * PostgreSQL URL passes (azk_schema__version checks the database). */
AZK_NODISCARD azk_status azk_schema__check_file(const char *path);

/*
 * Bring the home's catalog to AZK_SCHEMA_CURRENT (the master key has been
 * checked). SQLite: a backup first (docs/catalog.md, "Backups"), then the
 * steps in one write transaction, then the files are scrubbed of moved
 * keys and searched for them. A `catalog.migrate` ledger event records
 * what was done. With nothing pending, rep->from == rep->to and nothing is
 * written (unless an earlier migration's scrub is still pending: it is
 * redone).
 */
AZK_NODISCARD azk_status azk_schema__migrate(azk_home *h, azk_schema_report *rep);

/*
 * Open a home: directories, catalog (schema checked, an older one migrated),
 * master key checked. The public azk_home_open/_ex (vault/home_open.c) add
 * the vault's recovery of interrupted intakes, which is above the store.
 */
AZK_NODISCARD azk_status azk_store__home_open_ex(azk_home **out, const char *path,
                                                 const azk_home_open_options *opts);
/* The same, reporting what a migration on open did (`azukari db migrate`). */
AZK_NODISCARD azk_status azk_store__home_open(azk_home **out, const char *path,
                                              const char *passphrase, size_t passphrase_len,
                                              azk_schema_report *rep);

/*
 * A second handle of an open home for another thread: the same master key,
 * its own catalog connection (azk_db_twin), no keystore until used.
 * Close with azk_home_close.
 */
AZK_NODISCARD azk_status azk_store__home_twin(azk_home *h, azk_home **out);

#endif
