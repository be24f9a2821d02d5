/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/users.h -- the catalog's people: enrolled users (TOTP secret sealed
 * by the caller), the TOTP time steps already used, failed attempts, and
 * the approval of a pending enrolment. The rules (two-person enrolment,
 * guess limit, code good once) are retention/identity.c's; these functions
 * only read and write, each write in one store transaction. Not public API.
 */
#ifndef AZK_STORE_USERS_H
#define AZK_STORE_USERS_H

#include "store/event.h"

/* Users able to authenticate (state active; NULL = enrolled before states existed). */
AZK_NODISCARD azk_status azk_store__users_active(azk_home *h, int64_t *out);

/*
 * A new user row with its sealed secret and state ("active" or "pending"), and the ledger
 * event ev, in one transaction. AZK_ERR_ARG ("user NAME already exists") if the name is
 * taken. bootstrap_max > 0: an enrolment without a second person, allowed only while fewer
 * than bootstrap_max users are active, counted inside the transaction (two first enrolments
 * racing cannot make a third unapproved user); AZK_ERR_PERM otherwise.
 */
AZK_NODISCARD azk_status azk_store__user_insert(azk_home *h, const char *name, const uint8_t *nonce,
                                                size_t nonce_len, const uint8_t *sealed,
                                                size_t sealed_len, const char *created_by,
                                                const char *state, int64_t bootstrap_max,
                                                const struct azk_store_event *ev);

struct azk_store_user {
    uint8_t nonce[64], sealed[128];
    size_t nonce_len, sealed_len;
    char state[16];      /* "active" or "pending" */
    char created_by[72]; /* who enrolled */
};
/* Read a user; *found = false when there is none. */
AZK_NODISCARD azk_status azk_store__user_get(azk_home *h, const char *name,
                                             struct azk_store_user *out, bool *found);

/*
 * Approve the pending enrolment of `name` by `approver`, in one transaction:
 * the user must still be pending (AZK_ERR_NOTFOUND "no pending enrolment")
 * and not enrolled by the approver (AZK_ERR_PERM); then state active,
 * approved_by, and the ledger event ev (whose extra_json the caller made
 * from a read of the row before; the enroller cannot change).
 */
AZK_NODISCARD azk_status azk_store__user_approve(azk_home *h, const char *name,
                                                 const char *approver,
                                                 const struct azk_store_event *ev);

/*
 * Record that `name` used the code of time step `step`, atomically: steps
 * older than step - 2 are pruned and the step inserted in one
 * transaction. *fresh = false when that step was recorded before (a
 * replayed code); two processes presenting the same code at once get one
 * fresh and one replay.
 */
AZK_NODISCARD azk_status azk_store__totp_use(azk_home *h, const char *name, int64_t step,
                                             bool *fresh);

/* Failed attempts of `name` after time `since` (Unix seconds). */
AZK_NODISCARD azk_status azk_store__auth_failures(azk_home *h, const char *name, int64_t since,
                                                  int64_t *out);
/* Record a failed attempt at `at` and drop every attempt older than `prune_before`, in one
 * transaction. */
AZK_NODISCARD azk_status azk_store__auth_failure_note(azk_home *h, const char *name, int64_t at,
                                                      int64_t prune_before);
/* Forget the failed attempts of `name` (after a good code). */
AZK_NODISCARD azk_status azk_store__auth_failures_clear(azk_home *h, const char *name);

#endif
