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

/* A parsed batch: objects borrow their strings from texts. */
struct azk_agent_batch {
    char batch_id[AZK_AGENT_BATCH_ID_HEXLEN + 1];
    int64_t created_at, lost_objects;
    struct azk_store_agent_object *objs;
    azk_buf texts; /* every object's strings and counts, examples, edm JSON texts, NUL-terminated */
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

/* Inflate a zlib stream (RFC 1950) into out, at most AZK_AGENT_MAX_INFLATED bytes. */
AZK_NODISCARD azk_status azk_serve__agent_inflate(const uint8_t *in, size_t len, azk_buf *out);

/* Is s a valid policy document (docs/agent.md)? AZK_ERR_FORMAT names the field. */
AZK_NODISCARD azk_status azk_serve__agent_policy_check(const char *json_text);

/* A small file (<= 1 MiB) into a NUL-terminated buffer (caller frees; *len may be NULL). */
AZK_NODISCARD azk_status azk_serve__agent_read_file(const char *path, char **out, size_t *len);
/* The same, at most max bytes (AZK_ERR_LIMIT beyond). */
AZK_NODISCARD azk_status azk_serve__agent_read_file_max(const char *path, size_t max, char **out,
                                                        size_t *len);

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

/* Id of a fingerprint export: hex BLAKE2b-256 of (file length, u64 LE) || file || key. */
void azk_serve__agent_fp_id(const uint8_t *file, size_t file_len, const uint8_t *key,
                            size_t key_len, char out[65]);
/* The text the server signs for an export: "azukari-fingerprints-v1\n<id>\n<created_at>\n". */
void azk_serve__agent_fp_message(const char *id, int64_t created_at, char out[128]);
/* Base64 (original variant) text into out (cleared first); AZK_ERR_FORMAT when not base64. */
AZK_NODISCARD azk_status azk_serve__agent_b64_decode(const char *text, size_t len, azk_buf *out);
/* Base64 (original variant) of p as a NUL-terminated text appended to out. */
AZK_NODISCARD azk_status azk_serve__agent_b64_encode(const uint8_t *p, size_t n, azk_buf *out);

/* A case and its story as JSON (agents_api.c); NULL when out of memory. */
json_t *azk_serve__agent_case_json(const struct azk_store_agent_case *c);

#endif
