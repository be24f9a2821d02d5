/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/tls.c -- the certificate azukari serve presents. With --cert and
 * --key, the operator's files. Otherwise the server's own CA: at first
 * start <home>/serve/ (mode 0700) gets ca.key + ca.pem (an ECDSA P-256
 * CA, 10 years) and server.key + server.pem (ECDSA P-256, 1 year,
 * serverAuth, names localhost, the configured host name and 127.0.0.1),
 * keys mode 0600, written atomically; later starts read them. Clients
 * trust ca.pem. GnuTLS x509 API.
 */
#include "serve/serve_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAX_PEM (1u << 20)

static azk_status read_file(const char *path, char **out)
{
    azk_buf b = AZK_BUF_INIT;
    /* an operator's certificate may be a symbolic link (e.g. a renewal client's "live" name) */
    azk_status rc = azk_file__read(path, MAX_PEM, false, "serve: certificate or key file", &b);
    if (rc == AZK_OK && b.len == 0)
        rc = azk_error_set(AZK_ERR_FORMAT, "serve: a certificate or key file is empty");
    if (rc != AZK_OK) {
        azk_buf_dispose_secret(&b);
        return rc;
    }
    *out = (char *)b.data; /* NUL-terminated by azk_buf */
    return AZK_OK;
}

static azk_status gt(int e, const char *what)
{
    if (e >= 0)
        return AZK_OK;
    return azk_error_set(AZK_ERR_CRYPTO, "serve: certificate: %s: %s", what, gnutls_strerror(e));
}

static azk_status new_key(gnutls_x509_privkey_t *k)
{
    azk_status rc = gt(gnutls_x509_privkey_init(k), "key");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_privkey_generate(*k, GNUTLS_PK_ECDSA,
                                             GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
                "generate key");
    return rc;
}

static azk_status base_crt(gnutls_x509_crt_t c, gnutls_x509_privkey_t k, const char *dn,
                           unsigned days)
{
    uint8_t serial[16];
    const char *err = NULL;
    time_t now = time(NULL);
    azk_status rc;
    randombytes_buf(serial, sizeof(serial));
    serial[0] &= 0x7f; /* a positive serial */
    rc = gt(gnutls_x509_crt_set_version(c, 3), "version");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_serial(c, serial, sizeof(serial)), "serial");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_activation_time(c, now - 300), "activation");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_expiration_time(c, now + (time_t)days * 86400), "expiry");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_dn(c, dn, &err), "name");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_key(c, k), "public key");
    return rc;
}

static azk_status pem_of_crt(gnutls_x509_crt_t c, azk_buf *out)
{
    gnutls_datum_t d = {NULL, 0};
    azk_status rc = gt(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM, &d), "export");
    if (rc == AZK_OK)
        rc = azk_buf_put(out, d.data, d.size);
    gnutls_free(d.data);
    return rc;
}

static azk_status pem_of_key(gnutls_x509_privkey_t k, azk_buf *out)
{
    gnutls_datum_t d = {NULL, 0};
    azk_status rc = gt(gnutls_x509_privkey_export2(k, GNUTLS_X509_FMT_PEM, &d), "export key");
    if (rc == AZK_OK)
        rc = azk_buf_put(out, d.data, d.size);
    if (d.data != NULL)
        sodium_memzero(d.data, d.size);
    gnutls_free(d.data);
    return rc;
}

static azk_status write_out(azk_home *h, const char *name, const azk_buf *b, unsigned mode)
{
    azk_buf p = AZK_BUF_INIT;
    azk_status rc = azk_store__path(&p, h, name);
    if (rc == AZK_OK)
        rc = azk_outfile__write((const char *)p.data, b->data, b->len, mode, 0, NULL);
    azk_buf_dispose(&p);
    return rc;
}

/* The CA and the server certificate, made once. */
static azk_status make_all(azk_home *h, const char *host)
{
    gnutls_x509_privkey_t cak = NULL, sk = NULL;
    gnutls_x509_crt_t ca = NULL, sc = NULL;
    azk_buf ca_pem = AZK_BUF_INIT, ca_key = AZK_BUF_INIT, s_pem = AZK_BUF_INIT,
            s_key = AZK_BUF_INIT;
    static const uint8_t lo[4] = {127, 0, 0, 1};
    char dn[256];
    azk_status rc;
    rc = new_key(&cak);
    if (rc == AZK_OK)
        rc = new_key(&sk);
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_init(&ca), "init");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_init(&sc), "init");
    if (rc == AZK_OK)
        rc = base_crt(ca, cak, "CN=azukari serve CA,O=azukari", 3650);
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_basic_constraints(ca, 1, 0), "CA");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_key_usage(ca, GNUTLS_KEY_KEY_CERT_SIGN | GNUTLS_KEY_CRL_SIGN),
                "usage");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_sign2(ca, ca, cak, GNUTLS_DIG_SHA256, 0), "sign CA");
    (void)snprintf(dn, sizeof(dn), "CN=%s,O=azukari", "azukari serve");
    if (rc == AZK_OK)
        rc = base_crt(sc, sk, dn, 365);
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_basic_constraints(sc, 0, -1), "not a CA");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_key_usage(sc, GNUTLS_KEY_DIGITAL_SIGNATURE), "usage");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_key_purpose_oid(sc, GNUTLS_KP_TLS_WWW_SERVER, 0), "purpose");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_subject_alt_name(sc, GNUTLS_SAN_DNSNAME, "localhost", 9,
                                                     GNUTLS_FSAN_APPEND),
                "name");
    if (rc == AZK_OK && strcmp(host, "localhost") != 0) {
        uint8_t ip[16];
        if (inet_pton(AF_INET, host, ip) == 1)
            rc = gt(gnutls_x509_crt_set_subject_alt_name(sc, GNUTLS_SAN_IPADDRESS, ip, 4,
                                                         GNUTLS_FSAN_APPEND),
                    "address");
        else
            rc = gt(gnutls_x509_crt_set_subject_alt_name(
                        sc, GNUTLS_SAN_DNSNAME, host, (unsigned)strlen(host), GNUTLS_FSAN_APPEND),
                    "host name");
    }
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_set_subject_alt_name(sc, GNUTLS_SAN_IPADDRESS, lo, 4,
                                                     GNUTLS_FSAN_APPEND),
                "address");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crt_sign2(sc, ca, cak, GNUTLS_DIG_SHA256, 0), "sign");
    if (rc == AZK_OK)
        rc = pem_of_crt(ca, &ca_pem);
    if (rc == AZK_OK)
        rc = pem_of_key(cak, &ca_key);
    if (rc == AZK_OK)
        rc = pem_of_crt(sc, &s_pem);
    if (rc == AZK_OK)
        rc = pem_of_key(sk, &s_key);
    /* keys first: a certificate on disk always has its key */
    if (rc == AZK_OK)
        rc = write_out(h, "serve/ca.key", &ca_key, 0600);
    if (rc == AZK_OK)
        rc = write_out(h, "serve/ca.pem", &ca_pem, 0644);
    if (rc == AZK_OK)
        rc = write_out(h, "serve/server.key", &s_key, 0600);
    if (rc == AZK_OK)
        rc = write_out(h, "serve/server.pem", &s_pem, 0644);
    gnutls_x509_crt_deinit(ca);
    gnutls_x509_crt_deinit(sc);
    gnutls_x509_privkey_deinit(cak);
    gnutls_x509_privkey_deinit(sk);
    azk_buf_dispose(&ca_pem);
    azk_buf_dispose(&s_pem);
    azk_buf_dispose_secret(&ca_key);
    azk_buf_dispose_secret(&s_key);
    return rc;
}

azk_status azk_serve__tls_material(azk_home *h, const azk_serve_options *o, char **cert_pem,
                                   char **key_pem)
{
    azk_buf dir = AZK_BUF_INIT, c = AZK_BUF_INIT, k = AZK_BUF_INIT, ca = AZK_BUF_INIT;
    azk_status rc = AZK_OK;
    *cert_pem = *key_pem = NULL;
    if (o->cert_file != NULL) {
        rc = read_file(o->cert_file, cert_pem);
        if (rc == AZK_OK)
            rc = read_file(o->key_file, key_pem);
        goto done;
    }
    rc = azk_store__path(&dir, h, "serve");
    if (rc != AZK_OK)
        goto done;
    if (mkdir((const char *)dir.data, 0700) != 0 && errno != EEXIST) {
        rc = azk_error_set(AZK_ERR_IO, "serve: cannot create %s", (const char *)dir.data);
        goto done;
    }
    rc = azk_store__path(&c, h, "serve/server.pem");
    if (rc == AZK_OK)
        rc = azk_store__path(&k, h, "serve/server.key");
    if (rc == AZK_OK)
        rc = azk_store__path(&ca, h, "serve/ca.pem");
    if (rc != AZK_OK)
        goto done;
    if (access((const char *)c.data, F_OK) != 0 || access((const char *)k.data, F_OK) != 0) {
        /* made once, at the first start: a new CA would cut off every enrolled agent
         * and every browser that trusts this one, so a missing server file next to an
         * existing CA is an error, never a reason to make another */
        if (access((const char *)ca.data, F_OK) == 0)
            rc = azk_error_set(AZK_ERR_IO,
                               "serve: serve/server.pem or serve/server.key is missing but the "
                               "server's CA exists; restore them from a backup (a new CA "
                               "would not be trusted by enrolled agents)");
        else
            rc = make_all(h, o->host_name != NULL ? o->host_name : "localhost");
    }
    if (rc == AZK_OK)
        rc = read_file((const char *)c.data, cert_pem);
    if (rc == AZK_OK)
        rc = read_file((const char *)k.data, key_pem);
done:
    if (rc != AZK_OK) {
        azk_free(*cert_pem);
        if (*key_pem != NULL)
            azk_free_secret(*key_pem, strlen(*key_pem));
        *cert_pem = *key_pem = NULL;
    }
    azk_buf_dispose(&dir);
    azk_buf_dispose(&c);
    azk_buf_dispose(&k);
    azk_buf_dispose(&ca);
    return rc;
}
