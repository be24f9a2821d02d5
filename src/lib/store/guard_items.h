/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/guard_items.h -- the guard watcher's journal in the catalog (table
 * guard_items): one row per file taken from an outbox, moving through
 *
 *   claimed -> releasing(dest) -> released
 *   claimed -> quarantined(vault uuid) -> requested -> approving -> released
 *
 * (guard/watch.c explains the states). A quarantined item's spool key is
 * wrapped and kept in the keystore (store/keystore.h, kind "guard", id =
 * the item id), never in the catalog. Two-person steps (request, approve)
 * check the state inside their write transaction and append their ledger
 * event there, so two approvals racing release a file once. Not public API.
 */
#ifndef AZK_STORE_GUARD_ITEMS_H
#define AZK_STORE_GUARD_ITEMS_H

#include "store/event.h"
#include "azukari/guard.h"

/* A new row in state claimed. */
AZK_NODISCARD azk_status azk_store__guard_claim(azk_home *h, const char *id, const char *rel,
                                                const char *outbox, const char *release_dir);
/* Forget a claim (the file went away before it was taken); only a row still claimed. */
AZK_NODISCARD azk_status azk_store__guard_forget(azk_home *h, const char *id);
/* Set an item's state (claimed, released...). */
AZK_NODISCARD azk_status azk_store__guard_set_state(azk_home *h, const char *id, const char *state);
/* State releasing with its destination, written before the move. */
AZK_NODISCARD azk_status azk_store__guard_releasing(azk_home *h, const char *id, const char *dest);
/* The path (under the outbox) of an item still claimed, into rel; *found = false otherwise. */
AZK_NODISCARD azk_status azk_store__guard_claimed_rel(azk_home *h, const char *id, azk_buf *rel,
                                                      bool *found);

/*
 * Quarantined: the encrypted copy `uuid` is durable; its wrapped key goes to
 * the keystore, then the row gets state quarantined, size and decision (JSON,
 * no values). If the row cannot be written the key is destroyed again (the
 * copy is unreadable, the item stays claimed and is judged again).
 */
AZK_NODISCARD azk_status azk_store__guard_quarantined(azk_home *h, const char *id, const char *uuid,
                                                      const uint8_t *wrapped, size_t wrapped_len,
                                                      uint64_t size, const char *decision_json);

/* Items of `outbox` a restart must look at (claimed, releasing, quarantined, requested). */
typedef void (*azk_store_guard_pending_cb)(const char *id, const char *state, const char *dest,
                                           void *payload);
/* Rows are read first and then handed to cb, which may change them. */
AZK_NODISCARD azk_status azk_store__guard_pending(azk_home *h, const char *outbox,
                                                  azk_store_guard_pending_cb cb, void *payload);

/* Every item, newest first. */
AZK_NODISCARD azk_status azk_store__guard_list(azk_home *h, azk_guard_item_cb cb, void *payload);

/* Request the release of quarantined item `id` by `user` with `reason`, and ev, in one
 * transaction; AZK_ERR_NOTFOUND when no such item is quarantined. */
AZK_NODISCARD azk_status azk_store__guard_request(azk_home *h, const char *id, const char *user,
                                                  const char *reason,
                                                  const struct azk_store_event *ev);

/* What an approval needs to release an item. */
struct azk_store_guard_release {
    char rel[4096];
    char release_dir[4096];
    char uuid[40];
    char requested_by[72];
};
/* Read an item for approval; *found = false when there is none; state gets its state. */
AZK_NODISCARD azk_status azk_store__guard_get(azk_home *h, const char *id,
                                              struct azk_store_guard_release *out, char state[16],
                                              bool *found);
/*
 * Take item `id` for release by `approver`, in one write transaction: it
 * must be requested (or approving by the same approver: a release
 * interrupted by a crash, taken up again), not requested by the approver
 * (AZK_ERR_PERM); then state approving, approved_by, and ev. A second,
 * concurrent approval finds it approving and gets AZK_ERR_ARG ("not
 * requested"), so a file is released once.
 */
AZK_NODISCARD azk_status azk_store__guard_approve_take(azk_home *h, const char *id,
                                                       const char *approver,
                                                       const struct azk_store_event *ev);
/* Give back an item taken by azk_store__guard_approve_take when its release failed. */
AZK_NODISCARD azk_status azk_store__guard_approve_giveback(azk_home *h, const char *id);
/* Released to `dest` after an approval, with ev, in one transaction. */
AZK_NODISCARD azk_status azk_store__guard_approved(azk_home *h, const char *id, const char *dest,
                                                   const struct azk_store_event *ev);

#endif
