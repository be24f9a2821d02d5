/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/agents_read.h -- reads of the agents' catalog tables that the
 * people's pages of azukari serve need beyond store/agents.h: one case by
 * id (the case page), the expiry of an agent's certificate (the agents
 * list), the checkpoints a closed-zone host reported (the witness view),
 * the counts the dashboard shows.
 * Read only; the writes stay in store/agents.c and store/agents_cases.c.
 * Not public API.
 */
#ifndef AZK_STORE_AGENTS_READ_H
#define AZK_STORE_AGENTS_READ_H

#include "store/agents.h"

/* The case `id` with its object, as a row of azk_store__agent_cases_each; *found false
 * (cb not called) when there is none. */
AZK_NODISCARD azk_status azk_store__agent_case_get(azk_home *h, const char *id,
                                                   azk_store_case_cb cb, void *payload,
                                                   bool *found);

/* The latest not_after of the agent's certificates not revoked (0 when none). */
AZK_NODISCARD azk_status azk_store__agent_cert_expiry(azk_home *h, const char *agent_id,
                                                      int64_t *not_after);

/* One checkpoint a host reported to the witness (root borrowed for the callback). */
struct azk_store_checkpoint {
    int64_t size, received_at;
    const char *root;
    bool consistent;
};
typedef azk_status (*azk_store_checkpoint_cb)(const struct azk_store_checkpoint *c, void *payload);
/* The host's checkpoints, newest first (received_at, then size), at most limit. */
AZK_NODISCARD azk_status azk_store__witness_checkpoints_each(azk_home *h, const char *agent_id,
                                                             size_t limit,
                                                             azk_store_checkpoint_cb cb,
                                                             void *payload);

/* Cases not closed (open, requested, approved) and hosts whose witness raised an alarm. */
AZK_NODISCARD azk_status azk_store__agents_summary(azk_home *h, int64_t *open_cases,
                                                   int64_t *alarms);

#endif
