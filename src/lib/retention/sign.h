/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/sign.h -- the one signing of signed JSON documents of a
 * deployment (deletion certificates, monthly reports): the canonical JSON
 * of the body (jansson dump, compact, sorted keys) signed with Ed25519 by
 * <home>/keys/certificate.key, in a document
 *   {"<body_key>": {...}, "signature": {"alg": "Ed25519",
 *    "key": "azukari-cert+<base64>", "sig": "<base64>"}}.
 * Implemented in cert.c; cross-module internal API (azk_sign__*).
 */
#ifndef AZK_RET_SIGN_H
#define AZK_RET_SIGN_H

#include "store/store.h"

#include <jansson.h>

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
