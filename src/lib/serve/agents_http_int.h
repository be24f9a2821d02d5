/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/agents_http_int.h -- what the agent API's calls (agents_http.c) and
 * its listener's life (agents_listen.c: start, reload, stop) share: the
 * server, a listener generation, one call and one connection's state.
 * Internal to those two files.
 */
#ifndef AZK_SERVE_AGENTS_HTTP_INT_H
#define AZK_SERVE_AGENTS_HTTP_INT_H

#include "serve/agents_int.h"
#include "serve/serve_int.h"

#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>

#define MAX_THREADS 8
#define DRAIN_S     30

/* One daemon and the certificate it serves; a reload makes a new one. */
struct agent_gen {
    struct azk_agent_server *srv;
    void *daemon;
    char *cert_pem, *key_pem;
    unsigned in_flight; /* requests begun and not completed (srv->mu) */
};

struct azk_agent_server {
    azk_home *h; /* the caller's: every call but uploads, one at a time (one) */
    struct agent_gen *gen;
    azk_agent_server_options opts;
    struct sockaddr_in sa;
    unsigned port;
    char *ca_pem;
    pthread_mutex_t one; /* held while a call uses h */
    pthread_mutex_t mu;  /* guards taken, in_flight */
    pthread_cond_t freed;
    pthread_cond_t idle;          /* a generation's in_flight dropped */
    azk_home *homes[MAX_THREADS]; /* worker homes (azk_store__home_twin) */
    bool taken[MAX_THREADS];
    unsigned nhomes;
    bool sync_ready;
};

struct call {
    struct azk_agent_server *srv;
    azk_home *h; /* the home this call uses: a worker home, or srv->h under srv->one */
    struct MHD_Connection *c;
    const char *method, *url;
    char source[64];
    const uint8_t *body;
    size_t body_len;
    struct azk_store_agent_cert who; /* the verified caller */
    char serial[41];
    struct azk_serve_resp *rs;
};

struct conn_state {
    azk_buf body;
    bool too_big;
    uint64_t got; /* body bytes received; past azk_serve__drain_max the connection ends */
    size_t route; /* index in agent_routes */
    struct azk_store_agent_cert who; /* the caller, verified at the first call */
    char serial[41];
};

/* The caller's address (IPv4 text, or "unknown"). */
void azk_serve__agent_peer_address(struct MHD_Connection *c, char out[64]);
/* The first callback of a request: true when an answer is ready (see agents_http.c). */
bool azk_serve__agent_first_call(struct call *k, struct conn_state *cs);
/* The request with its body: routed, answered in k->rs. */
void azk_serve__agent_handle(struct call *k, struct conn_state *cs);
/* Queue the answer rs on the connection. */
enum MHD_Result azk_serve__agent_respond(struct MHD_Connection *c, struct azk_serve_resp *rs);

#endif
