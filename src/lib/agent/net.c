/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent/net.c -- the agent's calls to the server: libcurl (GnuTLS
 * flavour), HTTPS only, the server's CA as the only trust anchor once
 * enrolled (CURLOPT_CAINFO = <home>/agent/ca.pem: the CA is pinned), the
 * host name checked, the client certificate and key from identity.pem.
 * Transport failures and 5xx answers are retried a bounded number of
 * times with exponential back-off and full jitter; a 4xx answer is final.
 * A cycle keeps one libcurl handle (azk_agent__net_keep): its calls share
 * one connection (HTTP keep-alive) and TLS session instead of a new mTLS
 * handshake per call; the server still checks the certificate on every
 * request, so a revocation stays effective at once.
 */
#include "agent/agent_int.h"

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_ANSWER (96u << 20) /* a fingerprint export, base64 */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc = CURLE_OK;

static void init_curl(void)
{
    curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    azk_buf *b = ud;
    if (azk_buf_put(b, p, size * n) != AZK_OK)
        return 0; /* too large: curl stops with CURLE_WRITE_ERROR */
    return size * n;
}

void azk_agent__answer_dispose(struct azk_agent_answer *a)
{
    azk_buf_dispose(&a->body);
}

static void sleep_ms(uint64_t ms)
{
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

azk_status azk_agent__net_keep(struct azk_agent_net *n)
{
    (void)pthread_once(&curl_once, init_curl);
    if (curl_init_rc != CURLE_OK)
        return azk_error_set(AZK_ERR_IO, "agent: libcurl cannot start");
    if (n->keep == NULL)
        n->keep = curl_easy_init();
    return n->keep != NULL ? AZK_OK : azk_error_nomem();
}

void azk_agent__net_drop(struct azk_agent_net *n)
{
    if (n->keep != NULL)
        curl_easy_cleanup(n->keep);
    n->keep = NULL;
}

static azk_status once(const struct azk_agent_net *n, const char *method, const char *url,
                       const void *body, size_t len, const char *const *headers,
                       struct azk_agent_answer *out)
{
    CURL *c = n->keep != NULL ? n->keep : curl_easy_init();
    struct curl_slist *hl = NULL;
    CURLcode cr;
    azk_status rc = AZK_OK;
    if (c == NULL)
        return azk_error_nomem();
    if (c == n->keep) /* the options go, the connection and the TLS session stay */
        curl_easy_reset(c);
    azk_buf_clear(&out->body);
    out->body.max = MAX_ANSWER;
    out->status = 0;
    out->code[0] = '\0';
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++) {
        struct curl_slist *t = curl_slist_append(hl, headers[i]);
        if (t == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        hl = t;
    }
    (void)curl_easy_setopt(c, CURLOPT_URL, url);
    (void)curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "https");
    (void)curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    (void)curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
    (void)curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
    (void)curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    (void)curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    (void)curl_easy_setopt(c, CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (n->ca_file != NULL)
        (void)curl_easy_setopt(c, CURLOPT_CAINFO, n->ca_file);
    if (n->identity != NULL) {
        (void)curl_easy_setopt(c, CURLOPT_SSLCERT, n->identity);
        (void)curl_easy_setopt(c, CURLOPT_SSLKEY, n->identity);
        (void)curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
    }
    (void)curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    (void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    (void)curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
    if (strcmp(method, "POST") == 0) {
        (void)curl_easy_setopt(c, CURLOPT_POST, 1L);
        (void)curl_easy_setopt(c, CURLOPT_POSTFIELDS, body != NULL ? body : "");
        (void)curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    cr = curl_easy_perform(c);
    if (cr == CURLE_OK) {
        json_t *doc;
        json_error_t je;
        (void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
        doc = out->body.len > 0 ? json_loadb((const char *)out->body.data, out->body.len, 0, &je)
                                : NULL;
        if (doc != NULL) {
            const char *code =
                json_string_value(json_object_get(json_object_get(doc, "error"), "code"));
            if (code != NULL)
                (void)snprintf(out->code, sizeof(out->code), "%s", code);
        }
        json_decref(doc);
    } else {
        out->status = 0;
        (void)snprintf(out->code, sizeof(out->code), "unreachable");
        /* curl's message names the host and the TLS problem, never data */
        azk_error_clear();
        (void)azk_error_set(AZK_ERR_IO, "agent: %s", curl_easy_strerror(cr));
    }
done:
    curl_slist_free_all(hl);
    if (c != n->keep)
        curl_easy_cleanup(c);
    return rc;
}

azk_status azk_agent__call(const struct azk_agent_net *n, const char *method, const char *path,
                           const void *body, size_t len, const char *const *headers,
                           struct azk_agent_answer *out)
{
    azk_buf url = AZK_BUF_INIT;
    unsigned tries = n->retries != 0 ? n->retries : 3;
    uint64_t wait = n->retry_base_ms != 0 ? n->retry_base_ms : 1000;
    azk_status rc;
    (void)pthread_once(&curl_once, init_curl);
    if (curl_init_rc != CURLE_OK)
        return azk_error_set(AZK_ERR_IO, "agent: libcurl cannot start");
    rc = azk_buf_printf(&url, "%s%s", n->base, path);
    for (unsigned i = 0; rc == AZK_OK && i < tries; i++) {
        rc = once(n, method, (const char *)url.data, body, len, headers, out);
        if (rc != AZK_OK || (out->status != 0 && out->status < 500))
            break;
        if (i + 1 < tries) /* exponential back-off, "equal jitter" */
            sleep_ms(wait / 2 + randombytes_uniform((uint32_t)(wait / 2 + 1)));
        wait *= 2;
    }
    azk_buf_dispose(&url);
    return rc;
}
