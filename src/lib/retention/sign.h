/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/sign.h -- the one signing of signed JSON documents of a
 * deployment (deletion certificates, monthly reports): the canonical JSON
 * of the body (jansson dump, compact, sorted keys) signed with Ed25519 by
 * <home>/keys/certificate.key, in a document
 *   {"<body_key>": {...}, "signature": {"alg": "Ed25519",
 *    "key": "azukari-cert+<base64>", "sig": "<base64>"}}.
 * Implemented in sign.c (the key in cert.c); cross-module internal API (azk_sign__*).
 */
#ifndef AZK_RET_SIGN_H
#define AZK_RET_SIGN_H

#include "store/store.h"

#include <jansson.h>

/* The public key text's prefix. */
#define AZK_SIGN_KEY_PREFIX "azukari-cert+"

/* Load (or create on first use) keys/certificate.key; its public text into pubtxt (cert.c). */
AZK_NODISCARD azk_status azk_ret__cert_key(const azk_home *h, uint8_t sk[64], char pubtxt[96]);

/* The deployment's public key text. */
AZK_NODISCARD azk_status azk_sign__pubkey(const azk_home *h, char out[96]);

/*
 * Sign `body` (borrowed) with the deployment key: *out = {"alg": "Ed25519",
 * "key": "azukari-cert+...", "sig": "<base64>"} (a new reference), the
 * signature object of a document.
 */
AZK_NODISCARD azk_status azk_sign__json(const azk_home *h, json_t *body, json_t **out);

/* "azukari-cert+<base64 of 32 bytes>" (trailing newline allowed) into pk; AZK_ERR_ARG else. */
AZK_NODISCARD azk_status azk_sign__pubkey_parse(const char *text, uint8_t pk[32]);

/*
 * Check the signature object `sig` over `body` with the public key text
 * `pubkey` (the given key decides; an embedded "key" must be the same).
 * AZK_OK; AZK_ERR_FORMAT (malformed), AZK_ERR_ARG (bad pubkey text),
 * AZK_ERR_CRYPTO (another key, or altered); the message starts with `what`.
 */
AZK_NODISCARD azk_status azk_sign__verify_json(json_t *body, json_t *sig, const char *pubkey,
                                               const char *what);

/* Largest signed document accepted by azk_sign__verify, in bytes. */
#define AZK_SIGN_DOC_MAX (64u * 1024u * 1024u)

/*
 * Sign `body` (borrowed) and return the document (pretty-printed, sorted
 * keys) in *out (azk_free). *pub (may be NULL) gets the public key text.
 */
AZK_NODISCARD azk_status azk_sign__doc(azk_home *h, json_t *body, const char *body_key, char **out,
                                       char pub[96]);

/*
 * Parse a signed document (untrusted input, at most `max` bytes) and check
 * its signature with `pubkey` ("azukari-cert+<base64>"). On AZK_OK *out_doc
 * holds the parsed document (json_decref). On failure `problem` (may be
 * NULL) gets one line saying what failed, and the status: AZK_ERR_LIMIT,
 * AZK_ERR_FORMAT (not a document), AZK_ERR_ARG (bad key text),
 * AZK_ERR_CRYPTO (signature by another key, or altered). Sets no error
 * message: the caller says what the document was.
 */
AZK_NODISCARD azk_status azk_sign__verify(const char *json, size_t len, size_t max,
                                          const char *body_key, const char *pubkey,
                                          json_t **out_doc, char *problem, size_t problem_len);

#endif
