/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/agents_meta.h -- the metadata report of a closed-zone host
 * (docs/agent.md "Closed-zone metadata"): its datasets with deadlines,
 * retention state, legal holds and the hash of their deletion
 * certificates, and its guard decisions, never a value, a key, a file or
 * a source name. The parser (agents_meta.c; fuzzed by
 * fuzz/agent_meta_fuzzer.c) takes only the fields it knows, each checked
 * for form and length, so nothing else can ride along. Internal.
 */
#ifndef AZK_SERVE_AGENTS_META_H
#define AZK_SERVE_AGENTS_META_H

#include "serve/agents_int.h"
#include "store/closedzone.h"

#define AZK_AGENT_META_MAX_ITEMS  20000 /* datasets, and guard decisions, per report */
#define AZK_AGENT_META_ID_HEXLEN  64
#define AZK_AGENT_POLICY_MAX_LIST 256 /* entries of each list of a sweep policy */

/* Has object o no member but those named in keys (NULL-terminated)? */
bool azk_serve__agent_only_keys(const json_t *o, const char *const *keys);
/* The index in keys (NULL-terminated) of the member name k (n bytes), or -1: unknown. */
int azk_serve__agent_key_index(const char *const *keys, const char *k, size_t n);

/* A parsed report: strings borrowed from doc. */
struct azk_agent_meta {
    json_t *doc;
    char id[AZK_AGENT_META_ID_HEXLEN + 1];
    struct azk_store_cz_report r;
    struct azk_store_cz_dataset *ds;
    struct azk_store_cz_guard *g;
};

/*
 * Read a report body (zlib when deflated, at most AZK_AGENT_MAX_INFLATED
 * after inflating): {"report_id": 64 hex, "previous": 64 hex or null,
 * "created_at": n, "datasets": [...], "guard": [...]}, checked whole.
 * AZK_ERR_FORMAT / AZK_ERR_LIMIT naming the field, never a value. On
 * success dispose with azk_serve__agent_meta_dispose.
 */
AZK_NODISCARD azk_status azk_serve__agent_meta_parse(struct azk_agent_meta *out,
                                                     const uint8_t *body, size_t len,
                                                     bool deflated);
void azk_serve__agent_meta_dispose(struct azk_agent_meta *m);

struct azk_serve_resp;

/*
 * POST /api/v1/agent/metadata of the verified caller (agent_id, zone;
 * source = peer address for the ledger): parse, keep in one transaction
 * with the ledger event agent.metadata (actor agent:<id>; ids, counts and
 * the body's SHA-256 only), answer {"report_id","duplicate","datasets",
 * "guard"}. A refusal is not kept: *refused gets its HTTP status, code
 * (cap 32) and message (cap 200) for the caller's refusal path.
 */
AZK_NODISCARD azk_status azk_serve__agent_meta_take(azk_home *h, const char *agent_id,
                                                    const char *zone, const char *source,
                                                    const uint8_t *body, size_t len, bool deflated,
                                                    int64_t now, struct azk_serve_resp *rs,
                                                    unsigned *refused, char code[32],
                                                    char msg[200]);

#endif
