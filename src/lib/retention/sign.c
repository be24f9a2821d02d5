/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/sign.c -- the one signing of the deployment's JSON documents
 * (retention/sign.h): the canonical JSON of a body (jansson, compact,
 * sorted keys) signed with Ed25519 by keys/certificate.key, and its
 * check. Deletion certificates, monthly reports, vendor questionnaires,
 * answers and examiner bundles all go through here.
 */
#include "retention/sign.h"

#include <sodium.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

azk_status azk_sign__pubkey(const azk_home *h, char out[96])
{
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    azk_status rc = azk_ret__cert_key(h, sk, out);
    sodium_memzero(sk, sizeof(sk));
    return rc;
}

azk_status azk_sign__json(const azk_home *h, json_t *body, json_t **out)
{
    uint8_t sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];
    char pub[96],
        sig64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    char *canon = NULL;
    azk_status rc;
    *out = NULL;
    canon = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    if (canon == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "sign: cannot serialise the document");
    rc = azk_ret__cert_key(h, sk, pub);
    if (rc == AZK_OK) {
        crypto_sign_detached(sig, NULL, (const uint8_t *)canon, strlen(canon), sk);
        sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
        *out = json_pack("{s:s,s:s,s:s}", "alg", "Ed25519", "key", pub, "sig", sig64);
        if (*out == NULL)
            rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
    }
    sodium_memzero(sk, sizeof(sk));
    free(canon); /* jansson's allocator; checksrc: ok */
    return rc;
}

azk_status azk_sign__pubkey_parse(const char *text, uint8_t pk[crypto_sign_PUBLICKEYBYTES])
{
    size_t plen = strlen(AZK_SIGN_KEY_PREFIX), bin_len = 0;
    if (text == NULL || strncmp(text, AZK_SIGN_KEY_PREFIX, plen) != 0 ||
        sodium_base642bin(pk, crypto_sign_PUBLICKEYBYTES, text + plen, strcspn(text + plen, "\r\n"),
                          NULL, &bin_len, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        bin_len != crypto_sign_PUBLICKEYBYTES)
        return azk_error_set(AZK_ERR_ARG, "public key is not " AZK_SIGN_KEY_PREFIX "<base64>");
    return AZK_OK;
}

azk_status azk_sign__verify_json(json_t *body, json_t *sig, const char *pubkey, const char *what)
{
    uint8_t pk[crypto_sign_PUBLICKEYBYTES], epk[crypto_sign_PUBLICKEYBYTES];
    uint8_t s[crypto_sign_BYTES];
    const char *alg, *key, *sigtxt;
    size_t bin_len = 0;
    char *canon = NULL;
    azk_status rc = AZK_OK;
    if (!json_is_object(body) || !json_is_object(sig))
        return azk_error_set(AZK_ERR_FORMAT, "%s: body or signature missing", what);
    alg = json_string_value(json_object_get(sig, "alg"));
    key = json_string_value(json_object_get(sig, "key"));
    sigtxt = json_string_value(json_object_get(sig, "sig"));
    if (alg == NULL || strcmp(alg, "Ed25519") != 0)
        return azk_error_set(AZK_ERR_FORMAT, "%s: signature algorithm is not Ed25519", what);
    if (azk_sign__pubkey_parse(pubkey, pk) != AZK_OK)
        return azk_error_set(AZK_ERR_ARG, "%s: the given public key is not %s<base64>", what,
                             AZK_SIGN_KEY_PREFIX);
    if (sigtxt == NULL ||
        sodium_base642bin(s, sizeof(s), sigtxt, strlen(sigtxt), NULL, &bin_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        bin_len != sizeof(s))
        return azk_error_set(AZK_ERR_FORMAT, "%s: signature is not base64 of 64 bytes", what);
    if (key != NULL && (azk_sign__pubkey_parse(key, epk) != AZK_OK || memcmp(pk, epk, 32) != 0)) {
        azk_error_clear();
        return azk_error_set(AZK_ERR_CRYPTO,
                             "%s: signed by another key than the one expected (its key %.60s)",
                             what, key);
    }
    canon = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);
    if (canon == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    if (crypto_sign_verify_detached(s, (const uint8_t *)canon, strlen(canon), pk) != 0)
        rc = azk_error_set(AZK_ERR_CRYPTO,
                           "%s: signature does not verify with the expected key (altered or "
                           "forged)",
                           what);
    free(canon); /* jansson's allocator; checksrc: ok */
    return rc;
}

azk_status azk_sign__doc(azk_home *h, json_t *body, const char *body_key, char **out,
                         char pub_out[96])
{
    json_t *sig = NULL, *doc = NULL;
    char *docs = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && body != NULL && body_key != NULL && out != NULL);
    *out = NULL;
    rc = azk_sign__json(h, body, &sig);
    if (rc != AZK_OK)
        return rc;
    doc = json_pack("{s:O,s:o}", body_key, body, "signature", sig);
    docs = doc != NULL ? json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS) : NULL;
    if (docs != NULL)
        *out = azk_strdup(docs);
    if (*out == NULL)
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
    else if (pub_out != NULL)
        (void)snprintf(
            pub_out, 96, "%s",
            json_string_value(json_object_get(json_object_get(doc, "signature"), "key")));
    json_decref(doc);
    free(docs); /* jansson's allocator; checksrc: ok */
    return rc;
}

azk_status azk_sign__verify(const char *json, size_t len, size_t max, const char *body_key,
                            const char *pubkey, json_t **out_doc, char *problem, size_t cap)
{
    json_error_t jerr;
    json_t *doc;
    azk_status rc;
    AZK_ASSERT_ARG(json != NULL && body_key != NULL && pubkey != NULL && out_doc != NULL);
    *out_doc = NULL;
    if (problem != NULL && cap > 0)
        problem[0] = '\0';
    if (len > max)
        rc = azk_error_set(AZK_ERR_LIMIT, "document too large");
    else if ((doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr)) == NULL ||
             !json_is_object(doc)) {
        if (doc != NULL)
            json_decref(doc);
        rc = azk_error_set(AZK_ERR_FORMAT, "not a JSON signed document");
    } else {
        rc = azk_sign__verify_json(json_object_get(doc, body_key),
                                   json_object_get(doc, "signature"), pubkey, "document");
        if (rc == AZK_OK)
            *out_doc = doc;
        else
            json_decref(doc);
    }
    if (rc != AZK_OK) {
        /* the caller says what the document was: the message goes to problem only */
        const char *m = azk_error_last()->message;
        if (strncmp(m, "document: ", 10) == 0)
            m += 10;
        if (problem != NULL && cap > 0)
            (void)snprintf(problem, cap, "%s", m);
        azk_error_clear();
    }
    return rc;
}
