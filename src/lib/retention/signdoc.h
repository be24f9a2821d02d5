/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/signdoc.h -- the deployment's signed JSON documents, as
 * deletion certificates are signed (retention/cert.c): the Ed25519
 * signature of the canonical JSON of a body (jansson dump, compact,
 * sorted keys; only strings, integers, booleans, null, arrays and
 * objects, so the form is unique) with the deployment key
 * keys/certificate.key, public text "azukari-cert+<base64>". Modules above
 * retention (vendor questionnaires, answers and examiner bundles) use
 * this one implementation. Internal; not public API.
 */
#ifndef AZK_RETENTION_SIGNDOC_H
#define AZK_RETENTION_SIGNDOC_H

#include "store/store.h"

#include <jansson.h>
#include <sodium.h>

/* The public key text's prefix. */
#define AZK_SIGN_KEY_PREFIX "azukari-cert+"

/* Load (or create on first use) keys/certificate.key; its public text into pubtxt (cert.c). */
AZK_NODISCARD azk_status azk_ret__cert_key(const azk_home *h,
                                           uint8_t sk[crypto_sign_SECRETKEYBYTES], char pubtxt[96]);

/* The deployment's public key text (borrowed into out). */
AZK_NODISCARD azk_status azk_ret__sign_pubkey(const azk_home *h, char out[96]);

/*
 * Sign `body` with the deployment key: *out = {"alg": "Ed25519", "key":
 * "azukari-cert+...", "sig": "<base64>"} (a new reference).
 */
AZK_NODISCARD azk_status azk_ret__sign_json(const azk_home *h, json_t *body, json_t **out);

/*
 * "azukari-cert+<base64 of 32 bytes>" (trailing newline allowed) into pk.
 * AZK_ERR_ARG when it is not one.
 */
AZK_NODISCARD azk_status azk_ret__pubkey_parse(const char *text,
                                               uint8_t pk[crypto_sign_PUBLICKEYBYTES]);

/*
 * Check `sig` (the object above) over `body` with the public key text
 * `pubkey` (the given key decides; the embedded "key" must be the same).
 * AZK_OK; AZK_ERR_FORMAT (malformed signature object), AZK_ERR_ARG (bad
 * pubkey text), AZK_ERR_CRYPTO (signed by another key, or altered); the
 * error message says which, prefixed with `what`.
 */
AZK_NODISCARD azk_status azk_ret__verify_json(json_t *body, json_t *sig, const char *pubkey,
                                              const char *what);

#endif
