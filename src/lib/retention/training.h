/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/training.h -- the training gate (教育): an act named in the
 * "training" section of <home>/azukari.conf is refused to a user whose
 * required course has lapsed or was never completed:
 *   {"training": {"require": {"open": ["pdh"], "approve": ["pdh"],
 *                             "guard.release": ["pdh"]}}}
 * Keys: "open" (vault open and export), "approve" (every approval of the
 * two-person rule), or an approval's own action ("retention.approve",
 * "guard.approve", "retention.certify", "user.approve"); "guard.release" is
 * the same as "guard.approve". Checked in the library (identity.c,
 * vault/open.c), so no front end can skip it. Cross-module internal API.
 */
#ifndef AZK_RET_TRAINING_H
#define AZK_RET_TRAINING_H

#include "store/store.h"

/*
 * Check `user` against the courses required for each key of `keys`
 * (count of them) at the clock's time. A lapse appends `action` (object
 * `object`) with outcome "refused" and the gate's reason to the ledger and
 * returns AZK_ERR_PERM naming user and course. A configuration that cannot
 * be read or names an unknown course refuses too (fail closed).
 */
AZK_NODISCARD azk_status azk_training__gate(azk_home *h, const char *user, const char *const *keys,
                                            size_t count, const char *action, const char *object);

/* Expiry date (YYYY-MM-DD) of a completion on `completed` valid `days` days. */
void azk_training__expiry(const char *completed, int64_t days, char out[16]);

#endif
