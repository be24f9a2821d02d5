/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/agents_ca.c -- the certificates and signatures the server gives
 * its agents: a client certificate per CSR, issued by the server's own CA
 * (<home>/serve/ca.pem and ca.key, made by serve/tls.c at first start;
 * GnuTLS x509/crq API), short-lived (7 days by default) and recorded in
 * the catalog by the caller; and the Ed25519 key (libsodium) that signs
 * the sweep policies, <home>/serve/policy.key (mode 0600), made on first
 * use. Also the one small-file reader the agent code shares.
 */
#include "serve/agents_int.h"
#include "serve/serve_int.h"

#include <errno.h>
#include <fcntl.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_SMALL_FILE (1u << 20)

azk_status azk_serve__agent_read_file(const char *path, char **out, size_t *len)
{
    return azk_serve__agent_read_file_max(path, MAX_SMALL_FILE, out, len);
}

azk_status azk_serve__agent_read_file_max(const char *path, size_t max, char **out, size_t *len)
{
    azk_buf b = AZK_BUF_INIT;
    azk_status rc = azk_file__read(path, max, true, "agent: file", &b);
    *out = NULL;
    if (rc != AZK_OK) {
        azk_buf_dispose_secret(&b);
        return rc;
    }
    if (len != NULL)
        *len = b.len;
    *out = (char *)b.data;
    return AZK_OK;
}

static azk_status gt(int e, const char *what)
{
    if (e >= 0)
        return AZK_OK;
    return azk_error_set(AZK_ERR_CRYPTO, "agent certificate: %s: %s", what, gnutls_strerror(e));
}

azk_status azk_serve__agent_ca(azk_home *h, char **ca_pem, char **ca_key)
{
    azk_buf p = AZK_BUF_INIT;
    azk_status rc = azk_store__path(&p, h, "serve/ca.pem");
    *ca_pem = *ca_key = NULL;
    if (rc == AZK_OK)
        rc = azk_serve__agent_read_file((const char *)p.data, ca_pem, NULL);
    if (rc == AZK_OK)
        rc = azk_store__path(&p, h, "serve/ca.key");
    if (rc == AZK_OK)
        rc = azk_serve__agent_read_file((const char *)p.data, ca_key, NULL);
    azk_buf_dispose(&p);
    if (rc != AZK_OK) {
        azk_free(*ca_pem);
        if (*ca_key != NULL)
            azk_free_secret(*ca_key, strlen(*ca_key));
        *ca_pem = *ca_key = NULL;
        if (rc == AZK_ERR_NOTFOUND)
            rc = azk_error_set(AZK_ERR_NOTFOUND,
                               "agent: the server has no CA yet (start azukari serve once)");
    }
    return rc;
}

azk_status azk_serve__agent_issue(azk_home *h, const char *csr_pem, const char *agent_id,
                                  int64_t now, unsigned valid_s, char **cert_pem, char serial[41],
                                  int64_t *not_before, int64_t *not_after)
{
    char *ca_pem = NULL, *ca_key = NULL, dn[160];
    gnutls_x509_crq_t crq = NULL;
    gnutls_x509_crt_t ca = NULL, crt = NULL;
    gnutls_x509_privkey_t cak = NULL;
    gnutls_pubkey_t pub = NULL;
    gnutls_datum_t d, out = {NULL, 0};
    uint8_t sn[16];
    const char *err = NULL;
    azk_status rc;
    int alg;

    *cert_pem = NULL;
    serial[0] = '\0';
    rc = azk_serve__agent_ca(h, &ca_pem, &ca_key);
    if (rc != AZK_OK)
        return rc;
    rc = gt(gnutls_x509_crq_init(&crq), "init");
    if (rc == AZK_OK) {
        d.data = (unsigned char *)(uintptr_t)csr_pem;
        d.size = (unsigned)strlen(csr_pem);
        if (gnutls_x509_crq_import(crq, &d, GNUTLS_X509_FMT_PEM) < 0)
            rc = azk_error_set(AZK_ERR_FORMAT, "agent: the certificate request is not PEM");
    }
    if (rc == AZK_OK && gnutls_x509_crq_verify(crq, 0) < 0)
        rc = azk_error_set(AZK_ERR_CRYPTO, "agent: the certificate request's signature is bad");
    if (rc == AZK_OK) {
        alg = gnutls_x509_crq_get_pk_algorithm(crq, NULL);
        if (alg != GNUTLS_PK_ECDSA && alg != GNUTLS_PK_EDDSA_ED25519 && alg != GNUTLS_PK_RSA)
            rc = azk_error_set(AZK_ERR_FORMAT, "agent: unsupported key type in the request");
    }
    if (rc == AZK_OK)
        rc = gt(gnutls_pubkey_init(&pub), "init");
    if (rc == AZK_OK)
        rc = gt(gnutls_pubkey_import_x509_crq(pub, crq, 0), "request key");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_init(&ca), "init");
    if (rc == AZK_OK) {
        d.data = (unsigned char *)ca_pem;
        d.size = (unsigned)strlen(ca_pem);
        rc = gt(gnutls_x509_crt_import(ca, &d, GNUTLS_X509_FMT_PEM), "CA");
    }
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_privkey_init(&cak), "init");
    if (rc == AZK_OK) {
        d.data = (unsigned char *)ca_key;
        d.size = (unsigned)strlen(ca_key);
        rc = gt(gnutls_x509_privkey_import(cak, &d, GNUTLS_X509_FMT_PEM), "CA key");
    }
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_init(&crt), "init");
    randombytes_buf(sn, sizeof(sn));
    sn[0] &= 0x7f;
    sn[0] |= 0x01; /* positive, and no leading zero byte to drop */
    *not_before = now - 300;
    *not_after = now + (int64_t)valid_s;
    (void)snprintf(dn, sizeof(dn), "CN=%s,O=azukari agent", agent_id);
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_version(crt, 3), "version");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_serial(crt, sn, sizeof(sn)), "serial");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_activation_time(crt, (time_t)*not_before), "activation");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_expiration_time(crt, (time_t)*not_after), "expiry");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_dn(crt, dn, &err), "name");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_pubkey(crt, pub), "public key");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_basic_constraints(crt, 0, -1), "not a CA");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE), "usage");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_CLIENT, 0), "purpose");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_sign2(crt, ca, cak, GNUTLS_DIG_SHA256, 0), "sign");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &out), "export");
    if (rc == AZK_OK) {
        *cert_pem = azk_malloc(out.size + 1);
        if (*cert_pem == NULL) {
            rc = azk_error_nomem();
        } else {
            memcpy(*cert_pem, out.data, out.size);
            (*cert_pem)[out.size] = '\0';
            sodium_bin2hex(serial, 41, sn, sizeof(sn));
        }
    }
    gnutls_free(out.data);
    gnutls_x509_crq_deinit(crq);
    gnutls_x509_crt_deinit(ca);
    gnutls_x509_crt_deinit(crt);
    gnutls_x509_privkey_deinit(cak);
    gnutls_pubkey_deinit(pub);
    azk_free(ca_pem);
    azk_free_secret(ca_key, strlen(ca_key));
    return rc;
}

azk_status azk_serve__agent_policy_key(azk_home *h, uint8_t pk[32], uint8_t sk[64])
{
    azk_buf p = AZK_BUF_INIT;
    char *text = NULL;
    size_t len = 0;
    azk_status rc = azk_store__path(&p, h, "serve/policy.key");
    if (rc != AZK_OK)
        return rc;
    rc = azk_serve__agent_read_file((const char *)p.data, &text, &len);
    if (rc == AZK_ERR_NOTFOUND) {
        bool existed = false;
        azk_error_clear();
        crypto_sign_keypair(pk, sk);
        /* the first writer wins; everyone then reads what is on disk */
        rc = azk_outfile__write((const char *)p.data, sk, 64, 0600, AZK_OUTFILE_EXCL, &existed);
        if (rc == AZK_OK)
            rc = azk_serve__agent_read_file((const char *)p.data, &text, &len);
    }
    if (rc == AZK_OK && len != 64)
        rc = azk_error_set(AZK_ERR_FORMAT, "agent: serve/policy.key is not an Ed25519 key");
    if (rc == AZK_OK) {
        memcpy(sk, text, 64);
        crypto_sign_ed25519_sk_to_pk(pk, sk);
    }
    if (text != NULL)
        azk_free_secret(text, len);
    azk_buf_dispose(&p);
    return rc;
}

void azk_serve__agent_fp_id(const uint8_t *file, size_t file_len, const uint8_t *key,
                            size_t key_len, char out[65])
{
    crypto_generichash_state st;
    uint8_t h[32], n[8];
    for (int i = 0; i < 8; i++)
        n[i] = (uint8_t)((uint64_t)file_len >> (8 * i));
    crypto_generichash_init(&st, NULL, 0, sizeof(h));
    crypto_generichash_update(&st, n, sizeof(n));
    crypto_generichash_update(&st, file, file_len);
    crypto_generichash_update(&st, key, key_len);
    crypto_generichash_final(&st, h, sizeof(h));
    sodium_bin2hex(out, 65, h, sizeof(h));
}

void azk_serve__agent_fp_message(const char *id, int64_t created_at, char out[128])
{
    (void)snprintf(out, 128, "azukari-fingerprints-v1\n%s\n%lld\n", id, (long long)created_at);
}

azk_status azk_serve__agent_b64_decode(const char *text, size_t len, azk_buf *out)
{
    size_t got = 0;
    azk_status rc;
    azk_buf_clear(out);
    rc = azk_buf_grow(out, len / 4 * 3 + 3);
    if (rc != AZK_OK)
        return rc;
    if (sodium_base642bin(out->data, len / 4 * 3 + 3, text, len, NULL, &got, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return azk_error_set(AZK_ERR_FORMAT, "agent: not base64");
    out->len = got;
    out->data[got] = 0;
    return AZK_OK;
}

azk_status azk_serve__agent_b64_encode(const uint8_t *p, size_t n, azk_buf *out)
{
    size_t need = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    azk_status rc = azk_buf_grow(out, need);
    if (rc != AZK_OK)
        return rc;
    sodium_bin2base64((char *)out->data + out->len, need, p, n, sodium_base64_VARIANT_ORIGINAL);
    out->len += need - 1;
    return AZK_OK;
}
