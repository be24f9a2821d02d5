/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file azukari/agent.h
 * azukari agent (docs/agent.md): a host enrols with a one-time token and
 * gets a short-lived client certificate from azukari serve's own CA;
 * from then on it calls the server's agent API over mutual TLS (the
 * server's CA pinned), fetches its signed sweep policy, sweeps with the
 * scanner and its incremental cache, and uploads per-object results
 * (never a clear value) in compressed, idempotent batches that spool on
 * disk while the server is unreachable.
 *
 * Server side (the serve home): tokens, revocation, policies, and the
 * agent API listener. Agent side (the agent's own home, made by
 * azk_home_init): enrolment and one sweep-and-upload cycle. Every step is
 * a ledger entry of the home it happens in.
 */
#ifndef AZUKARI_AGENT_H
#define AZUKARI_AGENT_H

#include "azukari/home.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- server side ------------------------------------------------------- */

/**
 * Create a one-time enrolment token for host group `group` (an id,
 * [a-z0-9][a-z0-9._-]*) and zone ("general" or "closed"), valid for
 * valid_s seconds (0 = 86400). Only its hash is stored; the token is
 * written to `token` (capacity token_len >= 65). Ledger agent.token.
 * @return AZK_OK, AZK_ERR_ARG, AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_agent_token_create(azk_home *h, const char *group,
                                                           const char *zone, unsigned valid_s,
                                                           char *token, size_t token_len);

/**
 * Revoke an agent and every certificate issued to it, effective for its
 * next call. Ledger agent.revoke (reason may be NULL).
 * @return AZK_OK, AZK_ERR_NOTFOUND, AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_agent_revoke(azk_home *h, const char *agent_id,
                                                     const char *reason);

/**
 * Set the sweep policy of a host group: a JSON object (docs/agent.md:
 * paths, include, exclude, max_file_size, types, nice, ionice_idle,
 * bytes_per_second, batch_objects, fingerprints, allow_paths,
 * allow_values, allow_hashes, schedule). Checked here; signed when served.
 * Ledger agent.policy.
 * @return AZK_OK, AZK_ERR_FORMAT (not a valid policy), AZK_ERR_ARG, AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_agent_policy_set(azk_home *h, const char *group,
                                                         const char *policy_json);

/** Called once per enrolled agent by azk_agent_list (all strings borrowed). */
typedef azk_status (*azk_agent_list_cb)(const char *id, const char *host, const char *group,
                                        const char *zone, const char *state, int64_t objects,
                                        int64_t objects_with_entrusted, void *payload);
/** The enrolled agents, in id order. */
AZK_EXTERN AZK_NODISCARD azk_status azk_agent_list(azk_home *h, azk_agent_list_cb cb,
                                                   void *payload);

/**
 * The witness's way back from "the host's ledger key changed" (docs/agent.md
 * "Witness"): the other key a closed-zone host offered (with a checkpoint
 * signed by it) is accepted by two people. Request: the handle's
 * TOTP-authenticated person (azk_user_auth) asks, with a reason (at most
 * 500 bytes, kept in the catalog, not in the ledger), that agent_id's
 * offered key vkey be accepted. Ledger "agent.witness.key.request".
 * @return AZK_OK, AZK_ERR_PERM (nobody authenticated), AZK_ERR_NOTFOUND
 *         (no other key offered), AZK_ERR_ARG (the host offers another key
 *         now, no alarm, already requested or accepted, bad arguments)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_agent_witness_key_request(azk_home *h, const char *agent_id,
                                                                  const char *vkey,
                                                                  const char *reason);
/**
 * Approve the requested key of agent_id as the handle's TOTP-authenticated
 * person, who must not be the requester (two-person rule). The key is then
 * pinned and the alarm cleared; the host's next checkpoint starts a new
 * history; the checkpoints kept stay kept; any other key is an alarm again.
 * Ledger "agent.witness.key.approve".
 * @return AZK_OK, AZK_ERR_PERM (nobody authenticated, or the requester),
 *         AZK_ERR_NOTFOUND, AZK_ERR_ARG (not requested, no alarm)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_agent_witness_key_approve(azk_home *h,
                                                                  const char *agent_id);
/** Called once per offered key by azk_agent_witness_key_list (strings borrowed; state:
 * "offered", "requested" or "accepted"; requested_by "" when none). */
typedef azk_status (*azk_agent_witness_key_cb)(const char *agent_id, const char *host,
                                               const char *vkey, const char *state,
                                               const char *requested_by, void *payload);
/** The keys closed-zone hosts offered, in agent id order. */
AZK_EXTERN AZK_NODISCARD azk_status azk_agent_witness_key_list(azk_home *h,
                                                               azk_agent_witness_key_cb cb,
                                                               void *payload);

/** A running agent API listener (opaque). */
typedef struct azk_agent_server azk_agent_server;

/** Options of azk_agent_server_start; start from AZK_AGENT_SERVER_OPTIONS_INIT. */
typedef struct {
    size_t struct_size;    /**< set by AZK_AGENT_SERVER_OPTIONS_INIT */
    const char *bind;      /**< IPv4 address; NULL = "127.0.0.1" */
    unsigned port;         /**< TCP port; 0 = 8444 */
    unsigned cert_valid_s; /**< lifetime of issued client certificates; 0 = 7 days */
    unsigned max_skew_s;   /**< largest accepted agent clock error; 0 = 600 */
    size_t max_upload;     /**< largest compressed batch body; 0 = 8 MiB */
    /**
     * Worker threads for batch uploads, each with its own catalog
     * connection (other calls run one at a time on `h`); 0 = four per
     * online CPU with a PostgreSQL catalog, one per CPU with SQLite (one
     * writer), at most 8.
     */
    unsigned threads;
} azk_agent_server_options;

#define AZK_AGENT_SERVER_OPTIONS_INIT                                                              \
    {                                                                                              \
        .struct_size = sizeof(azk_agent_server_options)                                            \
    }

/**
 * Serve the agent API of home `h` on its own HTTPS listener. Every call
 * but enrolment needs a client certificate issued by the server's CA
 * (<home>/serve/ca.pem, made by azk_serve_start) that the catalog says is
 * neither revoked nor expired -- checked on every call. `h` must be a
 * handle of its own (not the one given to azk_serve_start): the listener
 * uses it from its threads (one at a time) until azk_agent_server_stop;
 * batch uploads run in parallel on `threads` more connections of the same
 * catalog, opened here.
 * @return AZK_OK, AZK_ERR_ARG, AZK_ERR_NOTFOUND (no server CA yet),
 *         AZK_ERR_CRYPTO, AZK_ERR_IO (cannot listen)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_agent_server_start(azk_agent_server **out, azk_home *h,
                                                           const azk_agent_server_options *opts);
/** The TCP port the listener is on. */
AZK_EXTERN unsigned azk_agent_server_port(const azk_agent_server *s);
/**
 * Read the server certificate and key (<home>/serve/server.pem, .key) again
 * and serve them on new connections; the listening socket stays open and
 * the requests running finish (30 s at most). A certificate or key that
 * GnuTLS refuses is refused: the old one goes on. Call it from one thread
 * (azukari serve: on SIGHUP).
 * @return AZK_OK, AZK_ERR_CRYPTO (refused; the old certificate is served),
 *         AZK_ERR_IO (cannot read; or the listener could not be handed over)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_agent_server_reload(azk_agent_server *s);
/** Stop (the call being handled finishes) and free; NULL-safe. */
AZK_EXTERN void azk_agent_server_stop(azk_agent_server *s);

/* ---- agent side -------------------------------------------------------- */

/** Options of azk_agent_enroll; start from AZK_AGENT_ENROLL_OPTIONS_INIT. */
typedef struct {
    size_t struct_size;
    const char *server_url; /**< "https://host:port" of the agent API */
    const char *token;      /**< the one-time token */
    const char *ca_file;    /**< the server's CA (PEM) to trust for enrolment; NULL = system */
    const char *host_name;  /**< this host's name as shown on the server; NULL = uname */
} azk_agent_enroll_options;

#define AZK_AGENT_ENROLL_OPTIONS_INIT                                                              \
    {                                                                                              \
        .struct_size = sizeof(azk_agent_enroll_options)                                            \
    }

/**
 * Enrol the agent home `h`: make a key pair (mode 0600), send a CSR with
 * the token, keep the certificate, the server's CA (pinned from now on)
 * and the server's policy key under <home>/agent/. Ledger agent.enroll.
 * @return AZK_OK, AZK_ERR_PERM (token refused), AZK_ERR_IO (server
 *         unreachable), AZK_ERR_CRYPTO, AZK_ERR_FORMAT
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_agent_enroll(azk_home *h,
                                                     const azk_agent_enroll_options *opts);

/** Options of azk_agent_run; start from AZK_AGENT_RUN_OPTIONS_INIT. */
typedef struct {
    size_t struct_size;
    bool no_sweep;          /**< only renew, fetch the policy and send the spool */
    unsigned retries;       /**< attempts per call; 0 = 3 */
    unsigned retry_base_ms; /**< first back-off (doubled, with jitter); 0 = 1000 */
    size_t spool_max;       /**< batches kept on disk; 0 = 1000 */
} azk_agent_run_options;

#define AZK_AGENT_RUN_OPTIONS_INIT                                                                 \
    {                                                                                              \
        .struct_size = sizeof(azk_agent_run_options)                                               \
    }

/** What one cycle did. */
typedef struct {
    uint64_t objects;        /**< results of this sweep (changed objects only) */
    uint64_t cached;         /**< files answered from the incremental cache (not uploaded) */
    uint64_t bytes_read;     /**< bytes the scanner read */
    uint64_t batches_made;   /**< batches spooled by this sweep */
    uint64_t batches_sent;   /**< batches the server acknowledged (new or duplicate) */
    uint64_t batches_queued; /**< batches left in the spool */
    uint64_t lost_objects;   /**< objects dropped because the spool was full (reported) */
    uint64_t actions;        /**< approved case actions carried out and reported
                                  (quarantine, release, destroy) */
    bool renewed;            /**< the certificate was renewed */
    bool server_reached;     /**< at least one call succeeded */
} azk_agent_run_stats;

/**
 * One cycle of the agent: renew the certificate when it nears expiry,
 * fetch and verify the signed policy, sweep, spool the results, send the
 * spool, carry out the case actions two people approved on the server
 * (quarantine, release, destruction). A server that cannot be reached is not an error (the results
 * stay spooled; server_reached false); a refusal is (AZK_ERR_PERM:
 * revoked or refused certificate; AZK_ERR_INTEGRITY: bad policy
 * signature), with a ledger entry.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_agent_run(azk_home *h, const azk_agent_run_options *opts,
                                                  azk_agent_run_stats *stats);

#ifdef __cplusplus
}
#endif

#endif
