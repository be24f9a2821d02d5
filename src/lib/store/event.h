/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/event.h -- what the typed store functions share: a ledger event
 * that a store operation appends inside its own write transaction (so the
 * catalog change and its event go together: if the event cannot be
 * written, the change is rolled back), the begin/end pair every
 * operation of users.c, requests.c, artifacts.c and guard_items.c uses, and
 * the one-statement write with its event (tx_prepare, tx_write).
 * Internal to src/lib/store/ and its callers; not public API.
 */
#ifndef AZK_STORE_EVENT_H
#define AZK_STORE_EVENT_H

#include "store/store.h"

/* One ledger event (azukari/audit.h); ids only in object, no personal value anywhere. */
struct azk_store_event {
    const char *action;     /* "retention.approve" */
    const char *object;     /* dataset, request, user or item id; NULL = none */
    const char *outcome;    /* NULL = ok */
    const char *reason;     /* may be NULL */
    const char *extra_json; /* may be NULL */
};

/* Append ev to the home's ledger as the handle's actor; *out_index (may be NULL) gets its index. */
AZK_NODISCARD azk_status azk_store__event(azk_home *h, const struct azk_store_event *ev,
                                          uint64_t *out_index);

/* Start a write transaction on the catalog (serialised with every other writer, store/db.h). */
AZK_NODISCARD azk_status azk_store__tx_begin(azk_home *h);
/* End it: commit when rc is AZK_OK, else roll back. Returns rc, or the commit's error. */
AZK_NODISCARD azk_status azk_store__tx_end(azk_home *h, azk_status rc);

/* A write transaction with `sql` prepared in it (begin + prepare): on failure the transaction
 * is already ended (rolled back) and there is nothing to finalize. */
AZK_NODISCARD azk_status azk_store__tx_prepare(azk_home *h, azk_db_stmt **st, const char *sql,
                                               const char *what);
/* Run st (bound; finalized here), append ev (NULL = none), and end the transaction: committed
 * only when all of it succeeded. if_none non-NULL: a statement that changed no row is
 * AZK_ERR_NOTFOUND with that message, and nothing is written. */
AZK_NODISCARD azk_status azk_store__tx_write(azk_home *h, azk_db_stmt *st,
                                             const struct azk_store_event *ev, const char *if_none);

/* Prepare `sql` on the catalog, bind texts 1..n (NULL binds NULL), run it; *changes (may be
 * NULL) gets the rows changed. For the one-statement writes of the store files. */
AZK_NODISCARD azk_status azk_store__run_texts(azk_home *h, const char *what, const char *sql,
                                              const char *const *texts, size_t n, int64_t *changes);

/* Text column `col` of the current row into dst (cap bytes, truncated; NULL = ""). */
void azk_store__col_copy(azk_db_stmt *st, int col, char *dst, size_t cap);

/* Does `sql` (one text parameter, `v`) return a row? *yes false on error too. */
AZK_NODISCARD azk_status azk_store__exists(azk_home *h, const char *what, const char *sql,
                                           const char *v, bool *yes);

/*
 * Test builds only (AZK_TESTING): when $AZK_TEST_GATE names `step`,
 * create the file $AZK_TEST_GATE_FILE and wait until it is removed, then
 * go on. Race tests use it to hold one process between a check and the
 * transaction that must re-check. A release build never waits.
 */
void azk_store__test_gate(const char *step);

#endif
