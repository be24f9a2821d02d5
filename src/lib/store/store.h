/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/store.h -- internals of a home shared by the modules above the
 * store: the handle (catalog connection, master key), ids, time
 * stamps, paths and ledger events. Not public API.
 */
#ifndef AZK_STORE_H
#define AZK_STORE_H

#include "util/util.h"
#include "azukari/home.h"

#include "store/db_int.h"

struct sqlite3; /* the keystore's connection: store/keystore.c, SQLite by design */

#define AZK_MASTER_KEY_LEN 32

struct azk_home {
    char *path;
    azk_db *cat; /* the catalog connection (store/db.h) */
    struct sqlite3
        *keys; /* the keystore (store/keystore.c), opened on first use; NULL until then */
    uint8_t key[AZK_MASTER_KEY_LEN]; /* wiped on close */
    char key_id[33];                 /* hex of a keyed hash of the key */
    char *actor;                     /* NULL = OS user */
    char auth_user[72];              /* "" or the user who passed TOTP (retention/identity.c) */
    struct azk_audit *ledger;        /* kept open for store/event.c's appends; NULL until then */
};

/* The catalog's schema, versions and migrations: store/schema.h. */

/* The actor name (handle's actor, else the OS user name, else "unknown"). */
const char *azk_store__actor(const azk_home *h);

/* Current UTC time, ISO 8601 with seconds ("2026-01-02T03:04:05Z"). */
void azk_store__now(char out[32]);
/* Today's UTC date "YYYY-MM-DD". */
void azk_store__today(char out[16]);

/* Ids of clients and datasets: [a-z0-9][a-z0-9._-]{0,63} (also A-Z for datasets). */
bool azk_store__valid_id(const char *s);

/* out = <home>/<rel> (cleared first). */
AZK_NODISCARD azk_status azk_store__path(azk_buf *out, const azk_home *h, const char *rel);

/*
 * Append a ledger event for a state change (azukari/audit.h). objects are
 * ids only; reason/extra_json may be NULL.
 */
AZK_NODISCARD azk_status azk_store__audit(azk_home *h, const char *action,
                                          const char *const *objects, size_t object_count,
                                          const char *reason, const char *extra_json);

/*
 * The home's fingerprint scanning key (<home>/keys/scan.key, 32 bytes,
 * 0600), created on first use. Fingerprints stored at intake are keyed
 * with it; `fingerprints export` hands it to scanners.
 */
AZK_NODISCARD azk_status azk_store__scan_key(const azk_home *h, uint8_t key[32]);

/*
 * Key rotation (vault/fprotate.c): a fresh key written as
 * <home>/keys/scan.key.next (0600; a leftover of a rotation that died is
 * replaced); whether one is there (a rotation has not finished: intake and
 * export refuse); its rename to scan.key. scan_key_unchanged: AZK_ERR_ARG
 * when the key is not `key` any more or a rotation is under way (intake
 * checks it inside its transaction).
 */
AZK_NODISCARD azk_status azk_store__scan_key_next(const azk_home *h, uint8_t key[32]);
AZK_NODISCARD azk_status azk_store__scan_key_pending(const azk_home *h, bool *pending);
AZK_NODISCARD azk_status azk_store__scan_key_promote(const azk_home *h);
/* A rotation that failed before its catalog commit: the next key is removed (old key valid). */
void azk_store__scan_key_next_discard(const azk_home *h);
AZK_NODISCARD azk_status azk_store__scan_key_unchanged(const azk_home *h, const uint8_t key[32]);

/*
 * Test builds only (AZK_TESTING): when $AZK_TEST_PAUSE names `step`,
 * create $AZK_TEST_PAUSE_FILE (if set) and sleep until killed. The crash
 * tests (kill -9 during intake, during a retention run) use it; a release
 * build never pauses. (store/testhook.c)
 */
void azk_store__test_pause(const char *step);

/* Random UUID v4 text (36 chars + NUL). */
void azk_store__uuid(char out[37]);

#endif
