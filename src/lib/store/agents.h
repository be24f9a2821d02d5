/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/agents.h -- what azukari serve keeps about agents (schema 5,
 * "agents" block of store/schema_v5.c): one-time enrolment tokens (hash
 * only), enrolled agents, the client certificates issued to them, the
 * sweep policy per host group, and the batches of per-object results an
 * agent uploads (a batch id is ingested at most once: the batch row and
 * its objects are written in one transaction). The rules (who may enrol,
 * certificate checks, signatures) are serve/agents*.c's; these functions
 * read and write, each write in one transaction with its ledger event.
 * Paths of objects are stored (the server must say where a file is) but
 * never put into a ledger event or an error message. Not public API.
 */
#ifndef AZK_STORE_AGENTS_H
#define AZK_STORE_AGENTS_H

#include "store/event.h"

/* A new enrolment token (hash of it) for host group `grp` and zone, good until expires_at. */
AZK_NODISCARD azk_status azk_store__agent_token_insert(azk_home *h, const char *token_hash,
                                                       const char *grp, const char *zone,
                                                       int64_t now, int64_t expires_at,
                                                       const struct azk_store_event *ev);

/* An agent to enrol, with its first certificate. */
struct azk_store_agent_new {
    const char *id, *host;
    const char *serial; /* hex */
    int64_t not_before, not_after;
};

/*
 * Enrol, atomically: take the token (usable: exists, unused, not expired
 * at `now`), insert the agent with the token's group and zone and its
 * certificate, append ev. *taken false (nothing written) when the token
 * is not usable. grp/zone (cap 64/16) get the token's.
 */
AZK_NODISCARD azk_status azk_store__agent_enroll(azk_home *h, const char *token_hash, int64_t now,
                                                 const struct azk_store_agent_new *a,
                                                 const struct azk_store_event *ev, bool *taken,
                                                 char grp[64], char zone[16]);

/* What the catalog says about a certificate serial and its agent. */
struct azk_store_agent_cert {
    char agent_id[72], host[128], grp[64], zone[16], state[16];
    int64_t not_before, not_after, revoked_at; /* revoked_at 0 = not revoked */
};
AZK_NODISCARD azk_status azk_store__agent_cert_get(azk_home *h, const char *serial,
                                                   struct azk_store_agent_cert *out, bool *found);
/* A renewed certificate for an active agent, with ev. */
AZK_NODISCARD azk_status azk_store__agent_cert_add(azk_home *h, const char *agent_id,
                                                   const char *serial, int64_t not_before,
                                                   int64_t not_after, int64_t now,
                                                   const struct azk_store_event *ev);
/* Revoke the agent and all its certificates at `now`, with ev; AZK_ERR_NOTFOUND if none. */
AZK_NODISCARD azk_status azk_store__agent_revoke(azk_home *h, const char *agent_id, int64_t now,
                                                 const struct azk_store_event *ev);
/* Do batch ingests on several connections run in parallel (PostgreSQL), or wait for one
 * writer (SQLite: more connections only add cache misses and a longer tail)? */
bool azk_store__agent_ingest_parallel(azk_home *h);
/* Note that the agent called at `now` (kept to the minute: written when a minute old). */
AZK_NODISCARD azk_status azk_store__agent_seen(azk_home *h, const char *agent_id, int64_t now);

/* The sweep policy of a host group (JSON text, caller frees); *found false when none. */
AZK_NODISCARD azk_status azk_store__agent_policy_get(azk_home *h, const char *grp, char **body,
                                                     bool *found);
AZK_NODISCARD azk_status azk_store__agent_policy_set(azk_home *h, const char *grp, const char *body,
                                                     int64_t now, const struct azk_store_event *ev);

/* One object's result in a batch (all borrowed; JSON texts already validated). */
struct azk_store_agent_object {
    const char *path;
    int64_t size, mtime;
    const char *format;   /* may be NULL */
    const char *counts;   /* JSON object type -> count */
    const char *examples; /* JSON array of masked examples */
    const char *edm;      /* JSON array of {client, dataset, records} */
    int64_t edm_records;
    int64_t score_milli;
    const char *error; /* stable error code, may be NULL */
};

/*
 * Ingest a batch in one transaction: the batch row (unique batch id) and
 * every object, then ev; with open_cases (a general-zone agent), a case
 * "case-<batch id>-<seq>" per object with entrusted records and, when any,
 * a ledger event agent.case.open (*cases gets their number). *duplicate =
 * true (nothing written, no event) when the batch id was ingested before.
 */
AZK_NODISCARD azk_status azk_store__agent_batch_ingest(
    azk_home *h, const char *batch_id, const char *agent_id, int64_t now, int64_t sent_at,
    int64_t lost_objects, const struct azk_store_agent_object *objs, size_t count,
    const struct azk_store_event *ev, bool open_cases, int64_t *cases, bool *duplicate);

/* One enrolled agent, for lists. */
struct azk_store_agent_row {
    char id[72], host[128], grp[64], zone[16], state[16];
    int64_t enrolled_at, seen_at, objects, edm_objects;
};
typedef azk_status (*azk_store_agent_cb)(const struct azk_store_agent_row *a, void *payload);
/* Agents in id order after `after` ("" = from the start), at most `limit`. */
AZK_NODISCARD azk_status azk_store__agents_each(azk_home *h, const char *after, size_t limit,
                                                azk_store_agent_cb cb, void *payload);

/* A published fingerprint export (file and scanning key; id = hex BLAKE2b-256 of both). */
AZK_NODISCARD azk_status azk_store__agent_fp_put(azk_home *h, const char *id, const char *agent_id,
                                                 int64_t created_at, const void *file,
                                                 size_t file_len, const void *key, size_t key_len,
                                                 const struct azk_store_event *ev, bool *existed);
/* The newest one: id (cap 65), created_at, file and key (caller disposes); *found. */
AZK_NODISCARD azk_status azk_store__agent_fp_latest(azk_home *h, char id[65], int64_t *created_at,
                                                    azk_buf *file, azk_buf *key, bool *found);

/* ---- cases: found -> requested -> approved -> quarantined (two people) ---- */

/* One case with its object and its story (strings borrowed for the callback). */
struct azk_store_agent_case {
    const char *id, *agent_id, *host, *path, *state, *requested_by, *reason, *approved_by, *outcome,
        *edm, *action;
    int64_t records, opened_at, requested_at, approved_at, done_at, size, mtime;
};
typedef azk_status (*azk_store_case_cb)(const struct azk_store_agent_case *c, void *payload);
/* Cases in id order after `after` ("" = start), at most limit; agent_id non-NULL: only the
 * approved ones of that agent (its actions). */
AZK_NODISCARD azk_status azk_store__agent_cases_each(azk_home *h, const char *after, size_t limit,
                                                     const char *agent_id, azk_store_case_cb cb,
                                                     void *payload);
/* Ask for an action by `user` with a reason, with ev: quarantine (case open), release or
 * destroy (case quarantined) -> requested. AZK_ERR_NOTFOUND, AZK_ERR_ARG (wrong state or
 * action). A step of the story. */
AZK_NODISCARD azk_status azk_store__agent_case_request(azk_home *h, const char *id,
                                                       const char *user, const char *action,
                                                       const char *reason, int64_t now,
                                                       const struct azk_store_event *ev);
/* requested -> approved by `user`, who must not be the requester (AZK_ERR_PERM), with ev;
 * AZK_ERR_NOTFOUND, AZK_ERR_ARG (not requested). Checked inside the transaction. */
AZK_NODISCARD azk_status azk_store__agent_case_approve(azk_home *h, const char *id,
                                                       const char *user, int64_t now,
                                                       const struct azk_store_event *ev);
/* approved -> the action's end state (outcome "quarantined", "released", "destroyed"), or
 * back to where it started on any other outcome (a failure, kept as outcome), with ev;
 * *changed false when the case was not approved for this agent (a resend). */
AZK_NODISCARD azk_status azk_store__agent_case_done(azk_home *h, const char *id,
                                                    const char *agent_id, const char *outcome,
                                                    int64_t now, const struct azk_store_event *ev,
                                                    bool *changed);

/* The steps of a case's story, oldest first (strings borrowed). */
typedef azk_status (*azk_store_step_cb)(int64_t at, const char *actor, const char *step,
                                        const char *detail, void *payload);
AZK_NODISCARD azk_status azk_store__agent_case_steps_each(azk_home *h, const char *id,
                                                          azk_store_step_cb cb, void *payload);

/* ---- the witness of closed-zone ledgers ---------------------------------- */

/* What the witness holds for a host: its pinned verifier key, the last consistent size
 * and root (base64), the alarm ("" when none). *found false for a first report. */
struct azk_store_witness {
    char vkey[256], root[64], alarm[160];
    int64_t size, checkpoints;
};
AZK_NODISCARD azk_status azk_store__witness_get(azk_home *h, const char *agent_id,
                                                struct azk_store_witness *out, bool *found);
/*
 * Keep a reported checkpoint (always, consistent or not) and, in the same
 * transaction, the host's state: consistent -> its size/root (and vkey on
 * the first report); alarm non-NULL -> the alarm is set and kept. ev is
 * appended.
 */
AZK_NODISCARD azk_status azk_store__witness_record(azk_home *h, const char *agent_id,
                                                   const char *vkey, int64_t size, const char *root,
                                                   const char *note, const char *alarm, int64_t now,
                                                   const struct azk_store_event *ev);
typedef azk_status (*azk_store_witness_cb)(const char *agent_id, const char *host,
                                           const struct azk_store_witness *w, void *payload);
/* One page of the witnessed hosts in agent id order, after `after` ("" = from the first), at
 * most `limit`; *more = a host follows. */
AZK_NODISCARD azk_status azk_store__witness_page(azk_home *h, const char *after, size_t limit,
                                                 azk_store_witness_cb cb, void *payload,
                                                 bool *more);

/* One ingested object with entrusted records or findings, for the findings list. */
struct azk_store_agent_finding {
    char batch_id[40], agent_id[72], host[128];
    int64_t seq, size, mtime, edm_records, score_milli;
    const char *path, *format, *counts, *examples, *edm; /* borrowed for the callback */
};
typedef azk_status (*azk_store_finding_cb)(const struct azk_store_agent_finding *f, void *payload);
/* Objects with a score > 0, in (batch_id, seq) order after the cursor ("" = start), at most
 * limit; only those with entrusted records when edm_only. */
AZK_NODISCARD azk_status azk_store__agent_findings_each(azk_home *h, const char *after_batch,
                                                        int64_t after_seq, bool edm_only,
                                                        size_t limit, azk_store_finding_cb cb,
                                                        void *payload);

#endif
