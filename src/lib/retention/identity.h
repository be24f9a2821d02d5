/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/identity.h -- who acts, and the two-person rule, in one place.
 * A person is an enrolled user (azk_user_add) who proved it with a TOTP code
 * on this handle (azk_user_auth); an OS account or a name set with
 * azk_home_set_actor is not a person for these checks. Every request that a
 * second person must approve, and every approval (retention early deletion
 * and extension, certificate issue, guard release, any later one), goes
 * through these functions, so no front end (CLI, server, agent) can skip
 * the rule. Cross-module internal API (azk_identity__*).
 */
#ifndef AZK_RET_IDENTITY_H
#define AZK_RET_IDENTITY_H

#include "store/store.h"

/* The user authenticated with TOTP on this handle, or NULL. */
const char *azk_identity__user(const azk_home *h);

/*
 * The first person of a two-person act (a request): the handle must carry a
 * TOTP-authenticated user who is still the handle's actor. *out = that name
 * (borrowed from the handle). A refusal appends `action` with outcome
 * "refused" to the ledger (object = `object`) and returns AZK_ERR_PERM.
 */
AZK_NODISCARD azk_status azk_identity__requester(azk_home *h, const char *action,
                                                 const char *object, const char **out);

/*
 * The second person of a two-person act (an approval): a TOTP-authenticated
 * user, still the handle's actor, who is neither `requester` nor
 * `operator_` (either may be NULL when the act has none). *out = the
 * approver's name (borrowed from the handle). A refusal appends `action`
 * with outcome "refused" and the reason to the ledger, and returns
 * AZK_ERR_PERM with a message that names the rule.
 */
AZK_NODISCARD azk_status azk_identity__approver(azk_home *h, const char *action, const char *object,
                                                const char *requester, const char *operator_,
                                                const char **out);

/*
 * Enrol `name` through a one-time enrolment link that `link_by` made (the
 * server checked that person's TOTP when the link was made, and checks the
 * link is unused and unexpired). During the bootstrap (fewer than two
 * active users) the user is active at once, as with azk_user_add;
 * afterwards it stays pending, created_by = link_by, until a different
 * authenticated person approves it (azk_user_approve): so the two-person
 * rule of enrolment holds for users who enrol themselves on the web.
 * out_b32: the TOTP secret (wipe it after showing it).
 */
AZK_NODISCARD azk_status azk_identity__enrol_by_link(azk_home *h, const char *name,
                                                     const char *link_by, char out_b32[64]);

#endif
