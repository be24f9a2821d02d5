/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/requests.h -- retention's two-person requests (early deletion,
 * extension), their approval, and holds, in the catalog (tables
 * ret_requests, ret_early, ret_holds; an approved extension moves
 * datasets.retain_until). The rules of who may ask and approve are
 * retention/identity.c's; the store re-checks, inside its write
 * transaction, what a concurrent writer could have changed (a request's
 * state), so two approvals racing give exactly one. Not public API.
 */
#ifndef AZK_STORE_REQUESTS_H
#define AZK_STORE_REQUESTS_H

#include "store/event.h"

struct azk_store_request {
    char id[16];   /* "R-<8 hex>" */
    char kind[16]; /* "delete" or "extend" */
    char dataset[72];
    char until[16]; /* "" for a deletion */
    char requested_by[72];
    char state[16]; /* "pending", "approved" */
};

/* A new pending request (id, kind, dataset, until ("" = none), requested_by) with its
 * reason, and the ledger event ev, in one transaction. */
AZK_NODISCARD azk_status azk_store__request_insert(azk_home *h, const struct azk_store_request *r,
                                                   const char *reason,
                                                   const struct azk_store_event *ev);

/* Read a request; *found = false when there is none. */
AZK_NODISCARD azk_status azk_store__request_get(azk_home *h, const char *id,
                                                struct azk_store_request *out, bool *found);

/*
 * Approve request `id` by `approver`, in one write transaction: the request
 * must exist (AZK_ERR_NOTFOUND), be pending (AZK_ERR_ARG "not pending",
 * also when a concurrent approval got there first) and not be the
 * approver's own (AZK_ERR_PERM); then state approved; a deletion marks its
 * dataset due (ret_early), an extension moves the deadline of the dataset,
 * which must still be active (AZK_ERR_ARG), to the request's date; the ledger events
 * ev[0..ev_count) are appended before the commit. *out (may be NULL) gets the request as approved.
 */
AZK_NODISCARD azk_status azk_store__request_approve(azk_home *h, const char *id,
                                                    const char *approver,
                                                    const struct azk_store_event *ev,
                                                    size_t ev_count, struct azk_store_request *out);

/* Put `dataset` on hold (a new reason replaces the old), with ev, in one transaction. */
AZK_NODISCARD azk_status azk_store__hold_set(azk_home *h, const char *dataset, const char *reason,
                                             const char *by, const struct azk_store_event *ev);
/* Release the hold of `dataset` with ev, in one transaction; AZK_ERR_NOTFOUND when none. */
AZK_NODISCARD azk_status azk_store__hold_release(azk_home *h, const char *dataset,
                                                 const struct azk_store_event *ev);

#endif
