/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/agents_int.h -- the server side of azukari agent inside the
 * library: the agent API listener (agents_http.c), issuing client
 * certificates from the server's CA and signing policies
 * (agents_ca.c), reading an uploaded batch (agents_batch.c; fuzzed by
 * fuzz/agent_batch_fuzzer.c), the administrator's acts (agents_admin.c).
 * Internal (azk_serve__agent_*); tests and the fuzzer use it.
 */
#ifndef AZK_SERVE_AGENTS_INT_H
#define AZK_SERVE_AGENTS_INT_H

#include "azukari/agent.h"
#include "store/agents.h"

#include <jansson.h>

/* Limits of an upload (also the agent's: agent/ builds batches within them). */
#define AZK_AGENT_MAX_INFLATED    (64u << 20) /* bytes of a batch after inflating */
#define AZK_AGENT_MAX_OBJECTS     10000       /* objects per batch */
#define AZK_AGENT_MAX_PATH        4096        /* bytes of a path */
#define AZK_AGENT_MAX_EXAMPLES    5           /* masked examples per object */
#define AZK_AGENT_MAX_EDM         64          /* datasets per object */
#define AZK_AGENT_BATCH_ID_HEXLEN 32

/* A parsed batch: objects borrow their strings from doc and texts. */
struct azk_agent_batch {
    json_t *doc;
    char batch_id[AZK_AGENT_BATCH_ID_HEXLEN + 1];
    int64_t created_at, lost_objects;
    struct azk_store_agent_object *objs;
    char **texts; /* counts, examples, edm JSON texts, 3 per object */
    size_t count;
};

/*
 * Read a batch body: zlib-compressed when `deflated` (RFC 1950; at most
 * AZK_AGENT_MAX_INFLATED after inflating), then the JSON of docs/agent.md,
 * checked whole (every field, type and limit) before anything is used.
 * AZK_ERR_FORMAT or AZK_ERR_LIMIT with a message naming the field, never
 * a value. On success dispose with azk_serve__agent_batch_dispose.
 */
AZK_NODISCARD azk_status azk_serve__agent_batch_parse(struct azk_agent_batch *out,
                                                      const uint8_t *body, size_t len,
                                                      bool deflated);
void azk_serve__agent_batch_dispose(struct azk_agent_batch *b);

/* Is s a valid policy document (docs/agent.md)? AZK_ERR_FORMAT names the field. */
AZK_NODISCARD azk_status azk_serve__agent_policy_check(const char *json_text);

/* A small file (<= 1 MiB) into a NUL-terminated buffer (caller frees; *len may be NULL). */
AZK_NODISCARD azk_status azk_serve__agent_read_file(const char *path, char **out, size_t *len);

/* The server CA's certificate and key (PEM), from <home>/serve/; caller frees (key: secret). */
AZK_NODISCARD azk_status azk_serve__agent_ca(azk_home *h, char **ca_pem, char **ca_key);

/*
 * Issue a client certificate for a CSR (PEM; its self-signature checked):
 * subject CN=<agent_id>, clientAuth, valid from now-300 s for valid_s
 * seconds, signed by the server's CA. cert_pem (caller frees) and serial
 * (hex, cap 41).
 */
AZK_NODISCARD azk_status azk_serve__agent_issue(azk_home *h, const char *csr_pem,
                                                const char *agent_id, int64_t now, unsigned valid_s,
                                                char **cert_pem, char serial[41],
                                                int64_t *not_before, int64_t *not_after);

/* The policy signing key pair (Ed25519, <home>/serve/policy.key 0600), made on first use. */
AZK_NODISCARD azk_status azk_serve__agent_policy_key(azk_home *h, uint8_t pk[32], uint8_t sk[64]);

#endif
