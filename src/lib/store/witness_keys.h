/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/witness_keys.h -- a closed-zone host's new ledger key, accepted by
 * two people (schema 6, "agent sweep and witness" block): the witness
 * keeps, per agent, the last other key the host offered with a checkpoint
 * that verifies under it (the alarm "the host's ledger key changed"); an
 * administrator requests its acceptance with a reason, another person
 * approves; then, in the approval's transaction, that key is the one
 * pinned, the alarm is cleared and the next checkpoint starts a new
 * history (size 0). Checkpoints kept stay kept. The rules (who, step-up)
 * are serve/agents_witness.c's; each write here is one transaction with
 * its ledger event. Not public API.
 */
#ifndef AZK_STORE_WITNESS_KEYS_H
#define AZK_STORE_WITNESS_KEYS_H

#include "store/event.h"

/* A host's offered key and where its acceptance stands (state: offered, requested, accepted). */
struct azk_store_witness_key {
    char agent_id[72], host[128], pinned[256], vkey[256], state[16], alarm[160];
    char reason[512], requested_by[72], approved_by[72];
    int64_t offered_at, requested_at, approved_at;
};

/*
 * Keep vkey as the key agent_id offers (its checkpoint verified under it).
 * A key already offered keeps its request; another key replaces the offer
 * and voids a request of the previous one.
 */
AZK_NODISCARD azk_status azk_store__witness_key_offer(azk_home *h, const char *agent_id,
                                                      const char *vkey, int64_t now);
/* The offer of agent_id; *found false when it never offered another key. */
AZK_NODISCARD azk_status azk_store__witness_key_get(azk_home *h, const char *agent_id,
                                                    struct azk_store_witness_key *out, bool *found);
typedef azk_status (*azk_store_witness_key_cb)(const struct azk_store_witness_key *k,
                                               void *payload);
/* One page of the offers in agent id order after `after`, at most limit; *more. */
AZK_NODISCARD azk_status azk_store__witness_key_page(azk_home *h, const char *after, size_t limit,
                                                     azk_store_witness_key_cb cb, void *payload,
                                                     bool *more);
/*
 * user asks that agent_id's offered key (it must be the one named: vkey) be
 * accepted, for reason. AZK_ERR_NOTFOUND: no offer; AZK_ERR_ARG: the offer
 * is another key, or not waiting (requested or accepted), or the host has
 * no key alarm.
 */
AZK_NODISCARD azk_status azk_store__witness_key_request(azk_home *h, const char *agent_id,
                                                        const char *vkey, const char *user,
                                                        const char *reason, int64_t now,
                                                        const struct azk_store_event *ev);
/*
 * user approves the requested key: AZK_ERR_PERM when user asked for it
 * (two-person rule); AZK_ERR_NOTFOUND / AZK_ERR_ARG as above. The key is
 * pinned, the alarm cleared, size 0 and root `empty_root` (base64) stored.
 */
AZK_NODISCARD azk_status azk_store__witness_key_approve(azk_home *h, const char *agent_id,
                                                        const char *user, const char *empty_root,
                                                        int64_t now,
                                                        const struct azk_store_event *ev);

#endif
