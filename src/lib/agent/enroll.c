/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent/enroll.c -- enrolment and renewal of an agent: a fresh ECDSA
 * P-256 key and a certificate request (GnuTLS crq API), sent with the
 * one-time token (enrolment) or over mutual TLS with the current
 * certificate (renewal, when it nears expiry); the answer's certificate
 * and the agent's key are kept together in <home>/agent/identity.pem
 * (0600, replaced atomically), the server's CA in ca.pem (pinned from
 * then on), its policy key in state.json. Ledger entries on the agent's
 * home: agent.enroll, agent.renew, agent.refused.
 */
#include "agent/agent_int.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static azk_status gt(int e, const char *what)
{
    if (e >= 0)
        return AZK_OK;
    return azk_error_set(AZK_ERR_CRYPTO, "agent: %s: %s", what, gnutls_strerror(e));
}

static azk_status datum_str(gnutls_datum_t *d, char **out)
{
    *out = azk_malloc(d->size + 1);
    if (*out == NULL)
        return azk_error_nomem();
    memcpy(*out, d->data, d->size);
    (*out)[d->size] = '\0';
    return AZK_OK;
}

azk_status azk_agent__keygen(const char *cn, char **key_pem, char **csr_pem)
{
    gnutls_x509_privkey_t k = NULL;
    gnutls_x509_crq_t q = NULL;
    gnutls_datum_t kd = {NULL, 0}, qd = {NULL, 0};
    azk_status rc;
    *key_pem = *csr_pem = NULL;
    rc = gt(gnutls_x509_privkey_init(&k), "key");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
                                             GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0),
                "generate key");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crq_init(&q), "request");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crq_set_dn_by_oid(q, GNUTLS_OID_X520_COMMON_NAME, 0, cn,
                                              (unsigned)strlen(cn)),
                "request name");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crq_set_key(q, k), "request key");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crq_sign2(q, k, GNUTLS_DIG_SHA256, 0), "sign request");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_privkey_export2(k, GNUTLS_X509_FMT_PEM, &kd), "export key");
    if (rc == AZK_OK)
        rc = gt(gnutls_x509_crq_export2(q, GNUTLS_X509_FMT_PEM, &qd), "export request");
    if (rc == AZK_OK)
        rc = datum_str(&kd, key_pem);
    if (rc == AZK_OK)
        rc = datum_str(&qd, csr_pem);
    if (kd.data != NULL)
        sodium_memzero(kd.data, kd.size);
    gnutls_free(kd.data);
    gnutls_free(qd.data);
    gnutls_x509_crq_deinit(q);
    gnutls_x509_privkey_deinit(k);
    if (rc != AZK_OK) {
        if (*key_pem != NULL)
            azk_free_secret(*key_pem, strlen(*key_pem));
        azk_free(*csr_pem);
        *key_pem = *csr_pem = NULL;
    }
    return rc;
}

azk_status azk_agent__keep_identity(azk_home *h, struct azk_agent_state *st, const char *key_pem,
                                    const char *answer, size_t answer_len)
{
    json_error_t je;
    json_t *doc = json_loadb(answer, answer_len, 0, &je);
    const char *id = json_string_value(json_object_get(doc, "agent_id"));
    const char *cert = json_string_value(json_object_get(doc, "certificate"));
    const char *ca = json_string_value(json_object_get(doc, "ca"));
    const char *pk = json_string_value(json_object_get(doc, "policy_key"));
    json_t *na = json_object_get(doc, "not_after");
    azk_buf ident = AZK_BUF_INIT, p = AZK_BUF_INIT;
    size_t pklen = 0;
    azk_status rc = AZK_OK;
    if (id == NULL || cert == NULL || ca == NULL || pk == NULL || !json_is_integer(na) ||
        strlen(id) >= sizeof(st->agent_id) ||
        sodium_base642bin(st->policy_key, sizeof(st->policy_key), pk, strlen(pk), NULL, &pklen,
                          NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        pklen != sizeof(st->policy_key)) {
        json_decref(doc);
        return azk_error_set(AZK_ERR_FORMAT, "agent: the server's answer is incomplete");
    }
    (void)snprintf(st->agent_id, sizeof(st->agent_id), "%s", id);
    if (json_string_value(json_object_get(doc, "zone")) != NULL)
        (void)snprintf(st->zone, sizeof(st->zone), "%s",
                       json_string_value(json_object_get(doc, "zone")));
    st->not_after = (int64_t)json_integer_value(na);
    rc = azk_buf_puts(&ident, cert);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&ident, key_pem);
    /* the CA first (pinned), then the identity in one atomic write, then the state */
    if (rc == AZK_OK)
        rc = azk_agent__path(&p, h, "ca.pem");
    if (rc == AZK_OK)
        rc = azk_outfile__write((const char *)p.data, ca, strlen(ca), 0644, 0, NULL);
    if (rc == AZK_OK)
        rc = azk_agent__path(&p, h, "identity.pem");
    if (rc == AZK_OK)
        rc = azk_outfile__write((const char *)p.data, ident.data, ident.len, 0600, 0, NULL);
    if (rc == AZK_OK)
        rc = azk_agent__state_save(h, st);
    azk_buf_dispose_secret(&ident);
    azk_buf_dispose(&p);
    json_decref(doc);
    return rc;
}

static const azk_agent_enroll_options enroll_defaults = AZK_AGENT_ENROLL_OPTIONS_INIT;

azk_status azk_agent_enroll(azk_home *h, const azk_agent_enroll_options *opts)
{
    azk_agent_enroll_options o;
    struct azk_agent_state st;
    struct azk_agent_net n = {0};
    struct azk_agent_answer a = {0};
    static const char *const hdr[] = {"Content-Type: application/json", NULL};
    char host[128], *key = NULL, *csr = NULL, *body = NULL, extra[160];
    json_t *doc;
    azk_status rc;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL);
    rc = azk__lib_init();
    if (rc == AZK_OK)
        rc = azk__options_in(&o, sizeof(o), &enroll_defaults, opts, false, "azk_agent_enroll");
    if (rc != AZK_OK)
        return rc;
    if (o.server_url == NULL || strncmp(o.server_url, "https://", 8) != 0 || o.token == NULL ||
        strlen(o.server_url) >= sizeof(st.server))
        return azk_error_set(AZK_ERR_ARG, "agent enroll: an https:// server URL and a token");
    if (o.host_name != NULL)
        (void)snprintf(host, sizeof(host), "%s", o.host_name);
    else if (gethostname(host, sizeof(host)) != 0)
        (void)snprintf(host, sizeof(host), "unknown");
    host[sizeof(host) - 1] = '\0';
    memset(&st, 0, sizeof(st));
    (void)snprintf(st.server, sizeof(st.server), "%s", o.server_url);
    rc = azk_agent__keygen(host, &key, &csr);
    if (rc != AZK_OK)
        return rc;
    doc = json_pack("{s:s, s:s, s:s}", "token", o.token, "csr", csr, "host", host);
    if (doc != NULL)
        body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (body == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    n.base = o.server_url;
    n.ca_file = o.ca_file;
    n.retries = 2;
    n.retry_base_ms = 500;
    rc = azk_agent__call(&n, "POST", "/api/v1/agent/enroll", body, strlen(body), hdr, &a);
    sodium_memzero(body, strlen(body));
    if (rc != AZK_OK)
        goto done;
    if (a.status == 0) {
        rc = AZK_ERR_IO; /* the message is curl's, set by the call */
        goto done;
    }
    if (a.status != 201) {
        rc = azk_agent__ledger(h, "agent.enroll", NULL, "refused", a.code, NULL);
        if (rc == AZK_OK)
            rc = azk_error_set(AZK_ERR_PERM, "agent enroll: the server refused (%s)",
                               a.code[0] != '\0' ? a.code : "no reason");
        goto done;
    }
    rc = azk_agent__keep_identity(h, &st, key, (const char *)a.body.data, a.body.len);
    (void)snprintf(extra, sizeof(extra), "{\"not_after\":%lld}", (long long)st.not_after);
    if (rc == AZK_OK)
        rc = azk_agent__ledger(h, "agent.enroll", st.agent_id, NULL, NULL, extra);
done:
    free(body); /* checksrc: ok (jansson allocates with malloc) */
    if (key != NULL)
        azk_free_secret(key, strlen(key));
    azk_free(csr);
    azk_agent__answer_dispose(&a);
    return rc;
}

azk_status azk_agent__renew_if_due(azk_home *h, struct azk_agent_state *st,
                                   const struct azk_agent_net *n, int64_t renew_before_s,
                                   bool *renewed)
{
    static const char *const hdr[] = {"Content-Type: application/json", NULL};
    struct azk_agent_answer a = {0};
    char *key = NULL, *csr = NULL, *body = NULL, extra[160];
    json_t *doc;
    azk_status rc;
    *renewed = false;
    if (st->not_after - (int64_t)time(NULL) > renew_before_s)
        return AZK_OK;
    rc = azk_agent__keygen(st->agent_id, &key, &csr);
    if (rc != AZK_OK)
        return rc;
    doc = json_pack("{s:s}", "csr", csr);
    if (doc != NULL)
        body = json_dumps(doc, JSON_COMPACT);
    json_decref(doc);
    if (body == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    rc = azk_agent__call(n, "POST", "/api/v1/agent/renew", body, strlen(body), hdr, &a);
    if (rc != AZK_OK || a.status == 0)
        goto done; /* unreachable: try again next cycle */
    if (a.status != 200) {
        rc = azk_agent__ledger(h, "agent.renew", st->agent_id, "refused", a.code, NULL);
        if (rc == AZK_OK)
            rc = azk_error_set(AZK_ERR_PERM, "agent: the server refused the renewal (%s)", a.code);
        goto done;
    }
    rc = azk_agent__keep_identity(h, st, key, (const char *)a.body.data, a.body.len);
    (void)snprintf(extra, sizeof(extra), "{\"not_after\":%lld}", (long long)st->not_after);
    if (rc == AZK_OK)
        rc = azk_agent__ledger(h, "agent.renew", st->agent_id, NULL, NULL, extra);
    if (rc == AZK_OK)
        *renewed = true;
done:
    free(body); /* checksrc: ok (jansson allocates with malloc) */
    if (key != NULL)
        azk_free_secret(key, strlen(key));
    azk_free(csr);
    azk_agent__answer_dispose(&a);
    return rc;
}
