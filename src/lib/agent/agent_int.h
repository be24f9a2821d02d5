/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent/agent_int.h -- azukari agent inside the library (the host side
 * of azukari/agent.h): its state under <home>/agent/ (state.c), calls to
 * the server with libcurl over mutual TLS with bounded retries and jitter
 * (net.c), enrolment and renewal (enroll.c), the encrypted on-disk spool
 * of batches (spool.c), one sweep-and-upload cycle (run.c), the closed
 * zone's metadata report (metadata.c).
 *
 * <home>/agent/ (0700): identity.pem (client certificate + key, 0600, one
 * file so a renewal replaces both atomically), ca.pem (the server's CA,
 * pinned), state.json (server URL, agent id, certificate expiry, policy
 * key), spool.key (0600), spool/ (one encrypted file per batch, named
 * <sequence>-<batch id>.azb), lost (objects dropped while the spool was
 * full, not yet reported), scancache.db (the scanner's incremental cache),
 * metadata.last (closed zone: the last acknowledged report id and content hash).
 */
#ifndef AZK_AGENT_INT_H
#define AZK_AGENT_INT_H

#include "azukari/agent.h"
#include "serve/agents_int.h"
#include "store/store.h"

struct azk_agent_state {
    char server[512];
    char agent_id[40];
    char zone[16]; /* general or closed */
    int64_t not_after;
    uint8_t policy_key[32];
};

/* <home>/agent/<rel> into out. */
AZK_NODISCARD azk_status azk_agent__path(azk_buf *out, azk_home *h, const char *rel);
AZK_NODISCARD azk_status azk_agent__state_load(azk_home *h, struct azk_agent_state *st);
AZK_NODISCARD azk_status azk_agent__state_save(azk_home *h, const struct azk_agent_state *st);
/* A ledger entry of the agent's home (actor "agent"); never a path. */
AZK_NODISCARD azk_status azk_agent__ledger(azk_home *h, const char *action, const char *object,
                                           const char *outcome, const char *reason,
                                           const char *extra_json);
/* The current time, as the agent believes it (test builds: $AZK_TEST_AGENT_CLOCK_SKEW added). */
int64_t azk_agent__now(void);

/* One call's answer. */
struct azk_agent_answer {
    long status;   /* HTTP status; 0 = the server could not be reached */
    azk_buf body;  /* at most 1 MiB */
    char code[48]; /* the error object's code, "" when none */
};

/* A call: how to reach the server, and the retry rule. */
struct azk_agent_net {
    const char *base;     /* server URL */
    const char *ca_file;  /* trusted CA (pinned); NULL = system store */
    const char *identity; /* client certificate + key PEM; NULL = none */
    unsigned retries, retry_base_ms;
    void *keep; /* a libcurl handle kept between calls (azk_agent__net_keep), or NULL */
};

/*
 * From now on the calls made with n share one handle: one connection
 * (HTTP keep-alive) and TLS session for the whole cycle. Set it after a
 * certificate renewal (a kept connection presents the certificate it was
 * opened with). azk_agent__net_drop closes it.
 */
AZK_NODISCARD azk_status azk_agent__net_keep(struct azk_agent_net *n);
void azk_agent__net_drop(struct azk_agent_net *n);

/*
 * method path with body (may be NULL), content type and extra headers
 * (NULL-terminated, may be NULL). Transport failures and 5xx answers are
 * retried (retries attempts in all, back-off doubled each time with up to
 * 100% jitter); any other answer is returned. AZK_OK whenever an answer
 * or "unreachable" (status 0) is known; out is disposed by the caller.
 */
AZK_NODISCARD azk_status azk_agent__call(const struct azk_agent_net *n, const char *method,
                                         const char *path, const void *body, size_t len,
                                         const char *const *headers, struct azk_agent_answer *out);
void azk_agent__answer_dispose(struct azk_agent_answer *a);

/* A new key and a CSR for CN=host (PEM, caller frees; key secret). */
AZK_NODISCARD azk_status azk_agent__keygen(const char *cn, char **key_pem, char **csr_pem);
/* Keep a certificate answer (enrol or renew): identity.pem, ca.pem, state. */
AZK_NODISCARD azk_status azk_agent__keep_identity(azk_home *h, struct azk_agent_state *st,
                                                  const char *key_pem, const char *answer_json,
                                                  size_t answer_len);
/* Renew when the certificate expires within renew_before_s. */
AZK_NODISCARD azk_status azk_agent__renew_if_due(azk_home *h, struct azk_agent_state *st,
                                                 const struct azk_agent_net *n,
                                                 int64_t renew_before_s, bool *renewed);

/* ---- spool ---------------------------------------------------------------- */

/*
 * Put a batch (zlib-compressed JSON, its id and object count) into the
 * spool: encrypted (XChaCha20-Poly1305 secretbox with spool.key), written
 * atomically and fsync'd before this returns. When max batches are
 * already there the batch is dropped and its objects are added to the
 * lost counter (*kept false).
 */
AZK_NODISCARD azk_status azk_agent__spool_put(azk_home *h, const char *batch_id, const uint8_t *z,
                                              size_t zlen, uint64_t objects, size_t max,
                                              bool *kept);
/* Spooled batch files, oldest first: names (caller frees each and the array). */
AZK_NODISCARD azk_status azk_agent__spool_list(azk_home *h, char ***names, size_t *count);
/* Read and decrypt one spooled batch (zlib bytes into out). */
AZK_NODISCARD azk_status azk_agent__spool_read(azk_home *h, const char *name, azk_buf *out);
AZK_NODISCARD azk_status azk_agent__spool_remove(azk_home *h, const char *name);
/* The lost counter: read; add (may be negative to take what was reported). */
AZK_NODISCARD azk_status azk_agent__lost_get(azk_home *h, int64_t *n);
AZK_NODISCARD azk_status azk_agent__lost_add(azk_home *h, int64_t delta);

/* ---- fingerprints (fingerprints.c) ------------------------------------- */

/* Closed zone: export this home's fingerprints and publish them when they changed. */
AZK_NODISCARD azk_status azk_agent__fp_publish(azk_home *h, const struct azk_agent_state *st,
                                               const struct azk_agent_net *n);
/*
 * General zone: fetch the newest export, check its id and the server's
 * signature, keep it as agent/fp.bin + fp.key (0600). *usable: a verified
 * export is on disk (also one kept from before while unreachable);
 * *refused: the answer failed its checks (recorded).
 */
AZK_NODISCARD azk_status azk_agent__fp_fetch(azk_home *h, const struct azk_agent_state *st,
                                             const struct azk_agent_net *n, bool *usable,
                                             bool *refused);

/* ---- witness (witness.c) ------------------------------------------------ */

/* Closed zone: report the ledger's signed checkpoint with a consistency proof. */
AZK_NODISCARD azk_status azk_agent__witness_report(azk_home *h, const struct azk_agent_state *st,
                                                   const struct azk_agent_net *n);

/* ---- closed-zone metadata (metadata.c) ---------------------------------- */

/* Closed zone: report datasets, deadlines, retention state, certificate hashes and guard
 * decisions when they changed since the last acknowledged report (never a value or a name). */
AZK_NODISCARD azk_status azk_agent__meta_report(azk_home *h, const struct azk_agent_state *st,
                                                const struct azk_agent_net *n);

/* ---- quarantine (quarantine.c) ----------------------------------------- */

/* Carry out the approved quarantines of this agent and report each; *done_count. */
AZK_NODISCARD azk_status azk_agent__actions(azk_home *h, const struct azk_agent_state *st,
                                            const struct azk_agent_net *n, uint64_t *done_count);

#endif
