/* SPDX-License-Identifier: Apache-2.0 */
/*
 * policy/policy_int.h -- internals of the guard policy shared with the
 * guard module.
 */
#ifndef AZK_POLICY_INT_H
#define AZK_POLICY_INT_H

#include "azukari/guard.h"

/* Deep copy of src into dst (dst fully owned; disposed on failure). */
AZK_NODISCARD azk_status azk_policy__copy(azk_guard_policy *dst, const azk_guard_policy *src);

#endif
