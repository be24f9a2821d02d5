/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/agents_http.c -- the agent API of azukari serve, on an HTTPS
 * listener of its own (libmicrohttpd + GnuTLS, the server certificate of
 * serve/tls.c) that asks every client for a certificate and trusts only
 * the server's CA (MHD_OPTION_HTTPS_MEM_TRUST). Each call but enrolment
 * must present a certificate that GnuTLS verifies against that CA and
 * that the catalog knows, for an active agent, neither revoked nor
 * expired: checked on every call, so a revocation is effective at once.
 * Refusals answer the stable JSON error object and are ledger entries.
 *
 *   POST /api/v1/agent/enroll   {"token","csr","host"} -> certificate, CA, policy key
 *   POST /api/v1/agent/renew    {"csr"}                -> a new certificate
 *   GET  /api/v1/agent/policy                          -> signed policy of the host's group
 *   POST /api/v1/agent/fingerprints  closed zone: publish its export (zlib JSON)
 *   GET  /api/v1/agent/fingerprints  the newest export, signed (Ed25519, policy key)
 *   GET  /api/v1/agent/actions       approved quarantines for the calling agent
 *   POST /api/v1/agent/actions/done  {"case_id","outcome"}: done (or why not)
 *   POST /api/v1/agent/checkpoints   closed zone: its ledger's checkpoint (the witness)
 *   POST /api/v1/agent/metadata      closed zone: datasets, deadlines, retention state,
 *                                    certificates, guard decisions (serve/agents_meta.c)
 *   POST /api/v1/agent/batches  zlib JSON batch        -> {"batch_id","duplicate","objects"}
 *                               (header X-Azukari-Time: the agent's clock, checked)
 *
 * A pool of MHD threads (opts.threads) serves the connections. A batch
 * upload and the certificate check run on a worker home (a twin handle
 * of the home with its own catalog connection, taken from a pool for the
 * length of one callback), so uploads are parsed, checked and written in
 * parallel; the catalog still serialises their write transactions. Every
 * other call runs one at a time on the listener's own home (srv->h, under
 * srv->one). No path of an uploaded object is ever written to the ledger
 * or an error message.
 * The listener's life (start, reload, stop) is in agents_listen.c; the
 * structures both files share in agents_http_int.h.
 */
#include "serve/agents_http_int.h"
#include "serve/agents_int.h"
#include "serve/agents_meta.h"
#include "serve/serve_int.h"
#include "store/closedzone.h"
#include "store/schema.h"

#include "azukari/audit.h"

#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define ENROL_MAX_BODY 65536

static int64_t now_s(void)
{
    return (int64_t)time(NULL);
}

/* A ledger entry of the agent API: actor agent:<id> (or agent-api), never a path. */
static azk_status ledger(struct call *k, const char *action, const char *object,
                         const char *outcome, const char *why, const char *extra_more)
{
    struct azk_store_event ev = {0};
    azk_buf x = AZK_BUF_INIT;
    char actor[96];
    azk_status rc;
    (void)snprintf(actor, sizeof(actor), "agent:%s",
                   k->who.agent_id[0] != '\0' ? k->who.agent_id : "unauthenticated");
    rc = azk_home_set_actor(k->h, actor);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&x, "{\"source\":");
    if (rc == AZK_OK)
        rc = azk_buf_put_json_string(&x, k->source, strlen(k->source));
    if (rc == AZK_OK && extra_more != NULL)
        rc = azk_buf_printf(&x, ",%s", extra_more);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&x, "}");
    ev.action = action;
    ev.object = object;
    ev.outcome = outcome;
    ev.reason = why;
    ev.extra_json = (const char *)x.data;
    if (rc == AZK_OK)
        rc = azk_store__event(k->h, &ev, NULL);
    azk_buf_dispose(&x);
    return rc;
}

/* Refuse: the JSON error, and a ledger entry agent.refused with the code. */
static azk_status refuse(struct call *k, unsigned status, const char *code, const char *msg)
{
    azk_status rc =
        ledger(k, "agent.refused", k->serial[0] != '\0' ? k->serial : NULL, "refused", code, NULL);
    if (rc != AZK_OK)
        return rc;
    return azk_serve__api_error(k->rs, status, code, msg);
}

/* ---- the caller's certificate ------------------------------------------ */

static azk_status verify_peer(struct call *k, bool *ok)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(k->c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
    gnutls_session_t s;
    const gnutls_datum_t *peers;
    gnutls_x509_crt_t crt = NULL;
    unsigned n = 0, st = 0;
    uint8_t sn[40];
    size_t snlen = sizeof(sn);
    bool found = false;
    int e;
    azk_status rc;

    *ok = false;
    if (ci == NULL || ci->tls_session == NULL)
        return refuse(k, 401, "certificate_required", "a client certificate is required");
    s = (gnutls_session_t)ci->tls_session;
    peers = gnutls_certificate_get_peers(s, &n);
    if (peers == NULL || n == 0)
        return refuse(k, 401, "certificate_required", "a client certificate is required");
    if (gnutls_x509_crt_init(&crt) < 0)
        return azk_error_nomem();
    if (gnutls_x509_crt_import(crt, &peers[0], GNUTLS_X509_FMT_DER) < 0 ||
        gnutls_x509_crt_get_serial(crt, sn, &snlen) < 0 || snlen > 20) {
        gnutls_x509_crt_deinit(crt);
        return refuse(k, 401, "certificate_unreadable", "the client certificate cannot be read");
    }
    gnutls_x509_crt_deinit(crt);
    sodium_bin2hex(k->serial, sizeof(k->serial), sn, snlen);
    e = gnutls_certificate_verify_peers2(s, &st);
    if (e < 0 || st != 0) {
        if (e >= 0 && (st & GNUTLS_CERT_EXPIRED) != 0)
            return refuse(k, 401, "certificate_expired", "the client certificate has expired");
        return refuse(k, 401, "certificate_untrusted",
                      "the client certificate was not issued by this server");
    }
    rc = azk_store__agent_cert_get(k->h, k->serial, &k->who, &found);
    if (rc != AZK_OK)
        return rc;
    if (!found) {
        memset(&k->who, 0, sizeof(k->who));
        return refuse(k, 401, "certificate_unknown",
                      "the client certificate is not in this server's catalog");
    }
    if (k->who.revoked_at != 0 || strcmp(k->who.state, "active") != 0)
        return refuse(k, 403, "certificate_revoked", "this agent's certificate is revoked");
    if (k->who.not_after <= now_s())
        return refuse(k, 401, "certificate_expired", "the client certificate has expired");
    rc = azk_store__agent_seen(k->h, k->who.agent_id, now_s());
    if (rc == AZK_OK)
        *ok = true;
    return rc;
}

/* ---- handlers ------------------------------------------------------------ */

static json_t *body_json(struct call *k)
{
    json_error_t je;
    if (k->body == NULL || k->body_len == 0 || k->body_len > ENROL_MAX_BODY)
        return NULL;
    return json_loadb((const char *)k->body, k->body_len, JSON_REJECT_DUPLICATES, &je);
}

static azk_status issue_answer(struct call *k, const char *agent_id, const char *zone,
                               const char *cert, int64_t not_after, unsigned status)
{
    uint8_t pk[32], sk[64];
    char pk64[64];
    azk_status rc = azk_serve__agent_policy_key(k->srv->h, pk, sk);
    sodium_memzero(sk, sizeof(sk));
    if (rc != AZK_OK)
        return rc;
    sodium_bin2base64(pk64, sizeof(pk64), pk, sizeof(pk), sodium_base64_VARIANT_ORIGINAL);
    return azk_serve__json(k->rs, status,
                           json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "agent_id", agent_id, "zone",
                                     zone, "certificate", cert, "ca", k->srv->ca_pem, "policy_key",
                                     pk64, "not_after", (json_int_t)not_after));
}

static azk_status h_enroll(struct call *k)
{
    json_t *doc = body_json(k);
    const char *token, *csr, *host;
    char th[65], agent_id[40], serial[41], grp[64], zone[16], extra[160];
    uint8_t rnd[8];
    char *cert = NULL;
    int64_t nb = 0, na = 0, now = now_s();
    bool taken = false;
    struct azk_store_agent_new a;
    struct azk_store_event ev = {0};
    azk_status rc;

    token = json_string_value(json_object_get(doc, "token"));
    csr = json_string_value(json_object_get(doc, "csr"));
    host = json_string_value(json_object_get(doc, "host"));
    if (token == NULL || csr == NULL || host == NULL || strlen(host) == 0 || strlen(host) > 120 ||
        strlen(token) > 128) {
        json_decref(doc);
        return refuse(k, 400, "malformed", "enrolment needs token, csr and host");
    }
    azk_serve__token_hash(token, th);
    randombytes_buf(rnd, sizeof(rnd));
    memcpy(agent_id, "agt-", 4);
    sodium_bin2hex(agent_id + 4, sizeof(agent_id) - 4, rnd, sizeof(rnd));
    rc = azk_serve__agent_issue(k->srv->h, csr, agent_id, now, k->srv->opts.cert_valid_s, &cert,
                                serial, &nb, &na);
    if (rc == AZK_ERR_FORMAT || rc == AZK_ERR_CRYPTO) {
        azk_error_clear();
        json_decref(doc);
        return refuse(k, 400, "bad_csr", "the certificate request is not valid");
    }
    if (rc != AZK_OK)
        goto done;
    a.id = agent_id;
    a.host = host;
    a.serial = serial;
    a.not_before = nb;
    a.not_after = na;
    (void)snprintf(extra, sizeof(extra), "{\"serial\":\"%s\",\"not_after\":%lld}", serial,
                   (long long)na);
    ev.action = "agent.enroll";
    ev.object = agent_id;
    ev.extra_json = extra;
    rc = azk_home_set_actor(k->srv->h, "agent-api");
    if (rc == AZK_OK)
        rc = azk_store__agent_enroll(k->srv->h, th, now, &a, &ev, &taken, grp, zone);
    if (rc != AZK_OK)
        goto done;
    if (!taken) {
        rc = refuse(k, 403, "token_refused", "the enrolment token is unknown, used or expired");
        goto done;
    }
    rc = issue_answer(k, agent_id, zone, cert, na, 201);
done:
    azk_free(cert);
    json_decref(doc);
    return rc;
}

static azk_status h_renew(struct call *k)
{
    json_t *doc = body_json(k);
    const char *csr = json_string_value(json_object_get(doc, "csr"));
    char serial[41], extra[160];
    char *cert = NULL;
    int64_t nb = 0, na = 0, now = now_s();
    struct azk_store_event ev = {0};
    azk_status rc;
    if (csr == NULL) {
        json_decref(doc);
        return refuse(k, 400, "malformed", "renewal needs csr");
    }
    rc = azk_serve__agent_issue(k->srv->h, csr, k->who.agent_id, now, k->srv->opts.cert_valid_s,
                                &cert, serial, &nb, &na);
    json_decref(doc);
    if (rc == AZK_ERR_FORMAT || rc == AZK_ERR_CRYPTO) {
        azk_error_clear();
        return refuse(k, 400, "bad_csr", "the certificate request is not valid");
    }
    if (rc != AZK_OK)
        return rc;
    (void)snprintf(extra, sizeof(extra),
                   "{\"serial\":\"%s\",\"previous\":\"%s\",\"not_after\":%lld}", serial, k->serial,
                   (long long)na);
    ev.action = "agent.renew";
    ev.object = k->who.agent_id;
    ev.extra_json = extra;
    rc = azk_store__agent_cert_add(k->srv->h, k->who.agent_id, serial, nb, na, now, &ev);
    if (rc == AZK_ERR_PERM) {
        azk_error_clear();
        rc = refuse(k, 403, "certificate_revoked", "this agent's certificate is revoked");
    } else if (rc == AZK_OK) {
        rc = issue_answer(k, k->who.agent_id, k->who.zone, cert, na, 200);
    }
    azk_free(cert);
    return rc;
}

static azk_status h_policy(struct call *k)
{
    char *body = NULL, *signed_text = NULL;
    bool found = false;
    uint8_t pk[32], sk[64], sig[64];
    char sig64[128];
    json_t *doc = NULL, *pol = NULL;
    json_error_t je;
    azk_status rc = azk_store__agent_policy_get(k->srv->h, k->who.grp, &body, &found);
    if (rc != AZK_OK)
        return rc;
    if (!found)
        return azk_serve__api_error(k->rs, 404, "no_policy",
                                    "no sweep policy for this agent's host group");
    pol = json_loads(body, 0, &je);
    azk_free(body);
    if (pol == NULL)
        return azk_error_set(AZK_ERR_FORMAT, "agent: the stored policy is not JSON");
    /* what is signed: the policy with the group, the agent and the time it was issued */
    doc = json_pack("{s:s, s:s, s:I, s:o}", "group", k->who.grp, "agent_id", k->who.agent_id,
                    "issued_at", (json_int_t)now_s(), "policy", pol);
    if (doc != NULL)
        signed_text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(doc);
    if (signed_text == NULL)
        return azk_error_nomem();
    rc = azk_serve__agent_policy_key(k->srv->h, pk, sk);
    if (rc == AZK_OK) {
        crypto_sign_detached(sig, NULL, (const uint8_t *)signed_text, strlen(signed_text), sk);
        sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
        rc = azk_serve__json(k->rs, 200,
                             json_pack("{s:s, s:s}", "policy", signed_text, "signature", sig64));
    }
    sodium_memzero(sk, sizeof(sk));
    free(signed_text); /* checksrc: ok (jansson allocates with malloc) */
    return rc;
}

static azk_status h_batches(struct call *k)
{
    struct azk_agent_batch b;
    const char *ce = MHD_lookup_connection_value(k->c, MHD_HEADER_KIND, "Content-Encoding");
    bool deflated = ce != NULL && strcmp(ce, "deflate") == 0;
    struct azk_store_event ev = {0};
    char extra[200];
    int64_t now = now_s(), edm_objects = 0, sent_at, cases = 0;
    const char *sent;
    bool dup = false;
    azk_status rc;

    if (ce != NULL && !deflated)
        return refuse(k, 415, "unsupported_encoding", "batches are sent zlib-compressed (deflate)");
    rc = azk_serve__agent_batch_parse(&b, k->body, k->body_len, deflated);
    if (rc == AZK_ERR_FORMAT || rc == AZK_ERR_LIMIT) {
        char msg[256];
        const azk_error *e = azk_error_last();
        (void)snprintf(msg, sizeof(msg), "%s",
                       e != NULL && e->message != NULL ? e->message : "bad batch");
        azk_error_clear();
        return refuse(k, rc == AZK_ERR_LIMIT ? 413 : 400,
                      rc == AZK_ERR_LIMIT ? "too_large" : "malformed", msg);
    }
    if (rc != AZK_OK)
        return rc;
    /* the agent's clock at sending (the batch itself may have waited in its spool) */
    sent = MHD_lookup_connection_value(k->c, MHD_HEADER_KIND, "X-Azukari-Time");
    if (sent == NULL || sent[0] < '0' || sent[0] > '9') {
        azk_serve__agent_batch_dispose(&b);
        return refuse(k, 400, "malformed", "X-Azukari-Time (Unix seconds) is required");
    }
    sent_at = (int64_t)strtoll(sent, NULL, 10);
    if (sent_at < now - (int64_t)k->srv->opts.max_skew_s ||
        sent_at > now + (int64_t)k->srv->opts.max_skew_s) {
        azk_serve__agent_batch_dispose(&b);
        return refuse(k, 400, "clock_skew",
                      "the agent's clock differs from the server's by more than allowed");
    }
    for (size_t i = 0; i < b.count; i++)
        if (b.objs[i].edm_records > 0)
            edm_objects++;
    (void)snprintf(extra, sizeof(extra),
                   "\"agent\":\"%s\",\"objects\":%zu,\"with_entrusted\":%lld,\"lost\":%lld",
                   k->who.agent_id, b.count, (long long)edm_objects, (long long)b.lost_objects);
    rc = azk_home_set_actor(k->h, "agent");
    {
        azk_buf x = AZK_BUF_INIT;
        char actor[96];
        (void)snprintf(actor, sizeof(actor), "agent:%s", k->who.agent_id);
        if (rc == AZK_OK)
            rc = azk_home_set_actor(k->h, actor);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&x, "{\"source\":\"%s\",%s}", k->source, extra);
        ev.action = "agent.batch";
        ev.object = b.batch_id;
        ev.extra_json = (const char *)x.data;
        if (rc == AZK_OK)
            rc = azk_store__agent_batch_ingest(k->h, b.batch_id, k->who.agent_id, now, b.created_at,
                                               b.lost_objects, b.objs, b.count, &ev,
                                               strcmp(k->who.zone, "closed") != 0, &cases, &dup);
        azk_buf_dispose(&x);
    }
    if (rc == AZK_OK && dup)
        rc = ledger(k, "agent.batch.duplicate", b.batch_id, NULL, "already ingested", NULL);
    if (rc == AZK_OK)
        rc = azk_serve__json(k->rs, 200,
                             json_pack("{s:s, s:b, s:I, s:I}", "batch_id", b.batch_id, "duplicate",
                                       dup, "objects", (json_int_t)b.count, "cases",
                                       (json_int_t)cases));
    azk_serve__agent_batch_dispose(&b);
    return rc;
}

/* A closed-zone host publishes its fingerprint export (zlib JSON {"file", "key"}, base64). */
static azk_status h_fp_publish(struct call *k)
{
    azk_buf plain = AZK_BUF_INIT, file = AZK_BUF_INIT, key = AZK_BUF_INIT;
    json_t *doc = NULL;
    json_error_t je;
    const char *f64, *k64;
    char id[65], extra[160];
    struct azk_store_event ev = {0};
    bool existed = false;
    azk_status rc;
    if (strcmp(k->who.zone, "closed") != 0)
        return refuse(k, 403, "not_closed_zone", "only a closed-zone host publishes fingerprints");
    rc = azk_serve__agent_inflate(k->body, k->body_len, &plain);
    if (rc == AZK_OK)
        doc = json_loadb((const char *)plain.data, plain.len, JSON_REJECT_DUPLICATES, &je);
    f64 = json_string_value(json_object_get(doc, "file"));
    k64 = json_string_value(json_object_get(doc, "key"));
    if (rc == AZK_OK && (f64 == NULL || k64 == NULL))
        rc = azk_error_set(AZK_ERR_FORMAT, "fingerprints: file and key are required");
    if (rc == AZK_OK)
        rc = azk_serve__agent_b64_decode(f64, strlen(f64), &file);
    if (rc == AZK_OK)
        rc = azk_serve__agent_b64_decode(k64, strlen(k64), &key);
    if (rc == AZK_OK && (file.len == 0 || key.len != 32))
        rc = azk_error_set(AZK_ERR_FORMAT, "fingerprints: an export and its 32-byte key");
    if (rc == AZK_ERR_FORMAT || rc == AZK_ERR_LIMIT) {
        azk_error_clear();
        rc = refuse(k, 400, "malformed", "a zlib JSON {file, key} in base64 is expected");
        goto done;
    }
    if (rc != AZK_OK)
        goto done;
    azk_serve__agent_fp_id(file.data, file.len, key.data, key.len, id);
    (void)snprintf(extra, sizeof(extra), "{\"source\":\"%s\",\"bytes\":%zu}", k->source, file.len);
    ev.action = "agent.fingerprints.publish";
    ev.object = id;
    ev.extra_json = extra;
    rc = azk_store__agent_fp_put(k->srv->h, id, k->who.agent_id, now_s(), file.data, file.len,
                                 key.data, key.len, &ev, &existed);
    if (rc == AZK_OK)
        rc = azk_serve__json(k->rs, 200, json_pack("{s:s, s:b}", "id", id, "existed", existed));
done:
    json_decref(doc);
    azk_buf_dispose_secret(&plain);
    azk_buf_dispose(&file);
    azk_buf_dispose_secret(&key);
    return rc;
}

/* The newest export, signed by the server's policy key for the agents to check. */
static azk_status h_fp_get(struct call *k)
{
    azk_buf file = AZK_BUF_INIT, key = AZK_BUF_INIT, f64 = AZK_BUF_INIT, k64 = AZK_BUF_INIT;
    char id[65], msg[128], sig64[128];
    uint8_t pk[32], sk[64], sig[64];
    int64_t created = 0;
    bool found = false;
    azk_status rc = azk_store__agent_fp_latest(k->srv->h, id, &created, &file, &key, &found);
    if (rc == AZK_OK && !found) {
        rc = azk_serve__api_error(k->rs, 404, "no_fingerprints",
                                  "no closed-zone host has published fingerprints");
        goto done;
    }
    if (rc == AZK_OK)
        rc = azk_serve__agent_policy_key(k->srv->h, pk, sk);
    if (rc != AZK_OK)
        goto done;
    azk_serve__agent_fp_message(id, created, msg);
    crypto_sign_detached(sig, NULL, (const uint8_t *)msg, strlen(msg), sk);
    sodium_memzero(sk, sizeof(sk));
    sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
    rc = azk_serve__agent_b64_encode(file.data, file.len, &f64);
    if (rc == AZK_OK)
        rc = azk_serve__agent_b64_encode(key.data, key.len, &k64);
    if (rc == AZK_OK)
        rc = azk_serve__json(k->rs, 200,
                             json_pack("{s:s, s:I, s:s, s:s, s:s}", "id", id, "created_at",
                                       (json_int_t)created, "file", (const char *)f64.data, "key",
                                       (const char *)k64.data, "signature", sig64));
done:
    azk_buf_dispose(&file);
    azk_buf_dispose_secret(&key);
    azk_buf_dispose(&f64);
    azk_buf_dispose_secret(&k64);
    return rc;
}

/* Approved quarantines of the calling agent (paths: this agent reported them). */
static azk_status action_item(const struct azk_store_agent_case *c, void *payload)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I}", "case_id", c->id, "action",
                          c->action != NULL ? c->action : "quarantine", "path",
                          c->path != NULL ? c->path : "", "size", (json_int_t)c->size, "mtime",
                          (json_int_t)c->mtime);
    if (o == NULL || json_array_append_new((json_t *)payload, o) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

static azk_status h_actions(struct call *k)
{
    json_t *items = json_array();
    azk_status rc;
    if (items == NULL)
        return azk_error_nomem();
    rc = azk_store__agent_cases_each(k->srv->h, "", 100, k->who.agent_id, action_item, items);
    if (rc != AZK_OK) {
        json_decref(items);
        return rc;
    }
    return azk_serve__json(k->rs, 200, json_pack("{s:o}", "items", items));
}

static azk_status h_action_done(struct call *k)
{
    json_t *doc = body_json(k);
    const char *id = json_string_value(json_object_get(doc, "case_id"));
    const char *outcome = json_string_value(json_object_get(doc, "outcome"));
    struct azk_store_event ev = {0};
    char extra[160];
    bool changed = false;
    azk_status rc;
    if (id == NULL || outcome == NULL || strlen(outcome) > 64 || strlen(id) > 80) {
        json_decref(doc);
        return refuse(k, 400, "malformed", "case_id and outcome are required");
    }
    (void)snprintf(extra, sizeof(extra), "{\"agent\":\"%s\",\"source\":\"%s\"}", k->who.agent_id,
                   k->source);
    ev.action = strcmp(outcome, "quarantined") == 0 ? "agent.case.quarantined"
                : strcmp(outcome, "released") == 0  ? "agent.case.released"
                : strcmp(outcome, "destroyed") == 0 ? "agent.case.destroyed"
                                                    : "agent.case.failed";
    ev.object = id;
    ev.reason = outcome;
    ev.extra_json = extra;
    rc = ledger(k, "agent.case.report", id, NULL, NULL, NULL); /* who reported, even a resend */
    if (rc == AZK_OK)
        rc = azk_store__agent_case_done(k->srv->h, id, k->who.agent_id, outcome, now_s(), &ev,
                                        &changed);
    if (rc == AZK_OK)
        rc =
            azk_serve__json(k->rs, 200, json_pack("{s:s, s:b}", "case_id", id, "changed", changed));
    json_decref(doc);
    return rc;
}

/*
 * The witness: a closed-zone host reports its ledger's signed checkpoint
 * with a consistency proof from the size it reported last. The server
 * keeps every checkpoint, pins the host's verifier key at the first
 * report, and raises an alarm (kept, ledger agent.witness.alarm, 409) on
 * another key, a bad signature, a smaller ledger, or a proof that does not
 * hold: a fork or a rewritten history.
 */
static azk_status h_checkpoint(struct call *k)
{
    json_t *doc = body_json(k), *pr = NULL, *v;
    const char *vkey, *note;
    struct azk_store_witness w;
    azk_audit_checkpoint_info ci;
    struct azk_store_event ev = {0};
    uint8_t *proof = NULL, old_root[AZK_AUDIT_HASH_LEN];
    char root64[AZK_AUDIT_HASH_B64_LEN], extra[160];
    const char *alarm = NULL;
    size_t n = 0, i, got = 0;
    bool found = false, key_changed = false;
    azk_status rc = AZK_OK;

    if (strcmp(k->who.zone, "closed") != 0) {
        json_decref(doc);
        return refuse(k, 403, "not_closed_zone", "only a closed-zone host reports checkpoints");
    }
    vkey = json_string_value(json_object_get(doc, "vkey"));
    note = json_string_value(json_object_get(doc, "note"));
    pr = json_object_get(doc, "proof");
    if (vkey == NULL || note == NULL || strlen(vkey) >= sizeof(w.vkey) ||
        (pr != NULL && (!json_is_array(pr) || json_array_size(pr) > 64))) {
        json_decref(doc);
        return refuse(k, 400, "malformed", "vkey, note and a proof are expected");
    }
    n = pr != NULL ? json_array_size(pr) : 0;
    proof = azk_calloc(n + 1, AZK_AUDIT_HASH_LEN);
    if (proof == NULL) {
        json_decref(doc);
        return azk_error_nomem();
    }
    json_array_foreach(pr, i, v)
    {
        const char *h64 = json_string_value(v);
        if (h64 == NULL ||
            sodium_base642bin(proof + i * AZK_AUDIT_HASH_LEN, AZK_AUDIT_HASH_LEN, h64, strlen(h64),
                              NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
            got != AZK_AUDIT_HASH_LEN) {
            rc = refuse(k, 400, "malformed", "the proof holds base64 hashes");
            goto done;
        }
    }
    rc = azk_store__witness_get(k->srv->h, k->who.agent_id, &w, &found);
    if (rc == AZK_OK && !found) /* a host enrolled again keeps the key pinned before */
        rc = azk_store__witness_of_host(k->srv->h, k->who.host, k->who.agent_id, &w, &found);
    if (rc != AZK_OK)
        goto done;
    if (azk_audit_checkpoint_open(note, strlen(note), found ? w.vkey : vkey, &ci) != AZK_OK) {
        azk_error_clear();
        if (found && strcmp(w.vkey, vkey) != 0) {
            alarm = "the host's ledger key changed";
            key_changed = true;
        } else {
            rc = refuse(k, 400, "bad_checkpoint", "the checkpoint's signature or form is bad");
            goto done;
        }
        memset(&ci, 0, sizeof(ci));
    } else if (found) {
        size_t rl = 0;
        if (sodium_base642bin(old_root, sizeof(old_root), w.root, strlen(w.root), NULL, &rl, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            rl != sizeof(old_root))
            alarm = "the witness's stored root is damaged";
        else if ((int64_t)ci.size < w.size)
            alarm = "the host's ledger is smaller than it was (entries removed)";
        else if ((int64_t)ci.size == w.size && sodium_memcmp(old_root, ci.root, rl) != 0)
            alarm = "same size, another root (a fork)";
        else if ((int64_t)ci.size > w.size && w.size > 0 &&
                 azk_audit_verify_consistency((uint64_t)w.size, ci.size, proof, n, old_root,
                                              ci.root) != AZK_OK) {
            azk_error_clear();
            alarm = "the ledger does not extend the last checkpoint (a fork or a rewrite)";
        }
    }
    azk_audit_hash_b64(ci.root, root64);
    (void)snprintf(extra, sizeof(extra), "{\"size\":%llu,\"root\":\"%s\"}",
                   (unsigned long long)ci.size, root64);
    ev.action = alarm != NULL ? "agent.witness.alarm" : "agent.witness";
    ev.object = k->who.agent_id;
    ev.outcome = alarm != NULL ? "alarm" : NULL;
    ev.reason = alarm;
    ev.extra_json = extra;
    rc = azk_store__witness_record(k->srv->h, k->who.agent_id, found ? w.vkey : vkey,
                                   (int64_t)ci.size, root64, note, alarm, now_s(), &ev);
    if (rc == AZK_OK && key_changed) /* two people may accept it (agents_witness.c) */
        rc = azk_serve__witness_key_offered(k->srv->h, k->who.agent_id, vkey, note, now_s());
    if (rc != AZK_OK)
        goto done;
    if (alarm != NULL)
        rc = azk_serve__api_error(k->rs, 409, "witness_alarm", alarm);
    else
        rc = azk_serve__json(k->rs, 200,
                             json_pack("{s:I, s:s}", "size", (json_int_t)ci.size, "root", root64));
done:
    azk_free(proof);
    json_decref(doc);
    return rc;
}

static azk_status h_metadata(struct call *k)
{
    char code[32], msg[200];
    unsigned refused = 0;
    azk_status rc =
        azk_serve__agent_meta_take(k->srv->h, k->who.agent_id, k->who.zone, k->source, k->body,
                                   k->body_len, true, now_s(), k->rs, &refused, code, msg);
    if (rc == AZK_OK && refused != 0)
        rc = refuse(k, refused, code, msg);
    return rc;
}

/* ---- dispatch ------------------------------------------------------------- */

static const struct {
    const char *method, *path;
    bool needs_cert;
    azk_status (*fn)(struct call *k);
} agent_routes[] = {
    {"POST", "/api/v1/agent/enroll", false, h_enroll},
    {"POST", "/api/v1/agent/renew", true, h_renew},
    {"GET", "/api/v1/agent/policy", true, h_policy},
    {"POST", "/api/v1/agent/batches", true, h_batches},
    {"POST", "/api/v1/agent/fingerprints", true, h_fp_publish},
    {"GET", "/api/v1/agent/fingerprints", true, h_fp_get},
    {"GET", "/api/v1/agent/actions", true, h_actions},
    {"POST", "/api/v1/agent/actions/done", true, h_action_done},
    {"POST", "/api/v1/agent/checkpoints", true, h_checkpoint},
    {"POST", "/api/v1/agent/metadata", true, h_metadata},
};

void azk_serve__agent_peer_address(struct MHD_Connection *c, char out[64])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    (void)snprintf(out, 64, "unknown");
    if (ci != NULL && ci->client_addr != NULL && ci->client_addr->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)ci->client_addr;
        (void)inet_ntop(AF_INET, &a->sin_addr, out, 64);
    }
}

/* A worker home for the length of one callback (waits while every one is in use). */
static azk_home *take_home(struct azk_agent_server *srv)
{
    azk_home *h = NULL;
    (void)pthread_mutex_lock(&srv->mu);
    while (h == NULL) {
        for (unsigned i = 0; i < srv->nhomes && h == NULL; i++) {
            if (!srv->taken[i]) {
                srv->taken[i] = true;
                h = srv->homes[i];
            }
        }
        if (h == NULL)
            (void)pthread_cond_wait(&srv->freed, &srv->mu);
    }
    (void)pthread_mutex_unlock(&srv->mu);
    return h;
}

/* The home a call uses: a worker home (uploads, certificate checks) or srv->h, one at a time. */
static void enter(struct call *k, bool pooled)
{
    if (pooled) {
        k->h = take_home(k->srv);
        return;
    }
    (void)pthread_mutex_lock(&k->srv->one);
    k->h = k->srv->h;
}

static void leave(struct call *k)
{
    struct azk_agent_server *srv = k->srv;
    if (k->h == NULL)
        return;
    if (azk_home_set_actor(k->h, "agent-api") != AZK_OK)
        azk_error_clear();
    if (k->h == srv->h) {
        (void)pthread_mutex_unlock(&srv->one);
    } else {
        (void)pthread_mutex_lock(&srv->mu);
        for (unsigned i = 0; i < srv->nhomes; i++)
            if (srv->homes[i] == k->h)
                srv->taken[i] = false;
        (void)pthread_cond_signal(&srv->freed);
        (void)pthread_mutex_unlock(&srv->mu);
    }
    k->h = NULL;
}

/* An internal failure: the generic error object, never the library's message. */
static void internal_error(struct call *k)
{
    azk_buf_clear(&k->rs->body);
    if (azk_serve__api_error(k->rs, 500, "internal", "internal error; nothing was changed") !=
        AZK_OK)
        k->rs->status = 500;
}

/*
 * The first call of a request, before any body is read: the route, and the
 * caller's certificate when the route needs one. Returns true when an
 * answer is ready (unknown route, refused certificate): an unauthenticated
 * client never makes the server buffer a body.
 */
bool azk_serve__agent_first_call(struct call *k, struct conn_state *cs)
{
    azk_status rc = AZK_OK;
    bool known = false, ok = false;
    size_t i;
    azk_error_clear();
    for (i = 0; i < sizeof(agent_routes) / sizeof(agent_routes[0]); i++) {
        if (strcmp(agent_routes[i].path, k->url) != 0)
            continue;
        known = true;
        if (strcmp(agent_routes[i].method, k->method) == 0)
            break;
    }
    if (i == sizeof(agent_routes) / sizeof(agent_routes[0])) {
        rc = azk_serve__api_error(k->rs, known ? 405 : 404, known ? "method" : "not_found",
                                  known ? "method not allowed" : "no such call");
        if (rc != AZK_OK)
            internal_error(k);
        return true;
    }
    cs->route = i;
    if (!agent_routes[i].needs_cert) {
        cs->body.max = ENROL_MAX_BODY; /* enrolment: a token and a CSR */
        return false;
    }
    enter(k, true);
    rc = verify_peer(k, &ok);
    leave(k);
    if (rc != AZK_OK)
        internal_error(k);
    if (rc != AZK_OK || !ok)
        return true;
    cs->who = k->who;
    (void)snprintf(cs->serial, sizeof(cs->serial), "%s", k->serial);
    return false;
}

void azk_serve__agent_handle(struct call *k, struct conn_state *cs)
{
    azk_status rc;
    azk_error_clear();
    enter(k, agent_routes[cs->route].fn == h_batches);
    k->who = cs->who;
    (void)snprintf(k->serial, sizeof(k->serial), "%s", cs->serial);
    if (cs->too_big) {
        rc = refuse(k, 413, "too_large", "the request body is too large");
    } else {
        k->body = cs->body.data;
        k->body_len = cs->body.len;
        rc = agent_routes[cs->route].fn(k);
    }
    leave(k);
    if (rc != AZK_OK)
        internal_error(k);
}

enum MHD_Result azk_serve__agent_respond(struct MHD_Connection *c, struct azk_serve_resp *rs)
{
    struct MHD_Response *r;
    enum MHD_Result ret;
    r = MHD_create_response_from_buffer(rs->body.len, rs->body.data, MHD_RESPMEM_MUST_COPY);
    azk_buf_dispose(&rs->body);
    if (r == NULL)
        return MHD_NO;
    (void)MHD_add_response_header(r, "Content-Type",
                                  rs->content_type != NULL ? rs->content_type
                                                           : "application/json; charset=utf-8");
    (void)MHD_add_response_header(r, "Cache-Control", "no-store");
    (void)MHD_add_response_header(r, "Strict-Transport-Security",
                                  "max-age=63072000; includeSubDomains");
    ret = MHD_queue_response(c, rs->status, r);
    MHD_destroy_response(r);
    return ret;
}
