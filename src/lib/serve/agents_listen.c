/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/agents_listen.c -- the life of the agent API's listener
 * (agents_http.c answers the calls): start (worker homes, the server's
 * certificate, the CA clients must chain to, an MHD daemon with a thread
 * pool), reload and stop. azk_agent_server_reload (SIGHUP of azukari
 * serve) reads the server certificate again: a new daemon (a
 * "generation") takes the listening socket over from the old one, which
 * finishes the requests it has (30 s at most) and stops; a certificate
 * GnuTLS refuses is refused before the socket moves, and the old one goes
 * on.
 */
#include "serve/agents_http_int.h"
#include "store/schema.h"

#include <arpa/inet.h>
#include <sodium.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char tls_priorities[] =
    "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:"
    "+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:%SERVER_PRECEDENCE";

static void in_flight(struct agent_gen *g, bool begun)
{
    struct azk_agent_server *srv = g->srv;
    (void)pthread_mutex_lock(&srv->mu);
    if (begun)
        g->in_flight++;
    else if (g->in_flight > 0)
        g->in_flight--;
    if (g->in_flight == 0)
        (void)pthread_cond_broadcast(&srv->idle);
    (void)pthread_mutex_unlock(&srv->mu);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct agent_gen *g = cls;
    struct azk_agent_server *srv = g->srv;
    struct conn_state *cs = *con_cls;
    struct azk_serve_resp rs;
    struct call k;
    bool answered = false;
    (void)version;
    if (cs != NULL && *upload_data_size > 0) {
        /* a body past its limit is dropped (413 when it ends), but read at most to
         * azk_serve__drain_max: a client streaming without end is cut off (as the web UI) */
        cs->got += *upload_data_size;
        if (cs->got > azk_serve__drain_max(cs->body.max))
            return MHD_NO;
        if (!cs->too_big && azk_buf_put(&cs->body, upload_data, *upload_data_size) != AZK_OK) {
            cs->too_big = true;
            azk_buf_dispose(&cs->body);
            azk_error_clear();
        }
        *upload_data_size = 0;
        return MHD_YES;
    }
    memset(&rs, 0, sizeof(rs));
    memset(&k, 0, sizeof(k));
    rs.status = 200;
    k.srv = srv;
    k.c = c;
    k.method = method;
    k.url = url;
    k.rs = &rs;
    azk_serve__agent_peer_address(c, k.source);
    if (cs == NULL) {
        cs = azk_calloc(1, sizeof(*cs));
        if (cs == NULL)
            return MHD_NO;
        cs->body.max = srv->opts.max_upload;
        *con_cls = cs;
        in_flight(g, true); /* on_completed ends it */
        if (azk_serve__framing_bad(c) != NULL) {
            /* an ambiguous body length (smuggling): refused before the route and the body */
            if (azk_serve__api_error(&rs, 400, "bad_framing",
                                     "the body length is ambiguous (Content-Length and "
                                     "Transfer-Encoding)") != AZK_OK) {
                azk_error_clear();
                rs.status = 400;
            }
            return azk_serve__agent_respond(c, &rs);
        }
        answered = azk_serve__agent_first_call(&k, cs);
        if (!answered)
            return MHD_YES; /* read the body */
        return azk_serve__agent_respond(c, &rs);
    }
    azk_serve__agent_handle(&k, cs);
    return azk_serve__agent_respond(c, &rs);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct conn_state *cs = *con_cls;
    (void)c;
    (void)toe;
    if (cs != NULL) {
        azk_buf_dispose(&cs->body);
        azk_free(cs);
        *con_cls = NULL;
        in_flight(cls, false);
    }
}

static void gen_free(struct agent_gen *g)
{
    if (g == NULL)
        return;
    if (g->key_pem != NULL)
        azk_free_secret(g->key_pem, strlen(g->key_pem));
    azk_free(g->cert_pem);
    azk_free(g);
}

/* Wait until the generation has no request running, or for DRAIN_S seconds. */
static void drain(struct agent_gen *g)
{
    struct azk_agent_server *srv = g->srv;
    struct timespec until;
    (void)clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += DRAIN_S;
    (void)pthread_mutex_lock(&srv->mu);
    while (g->in_flight > 0)
        if (pthread_cond_timedwait(&srv->idle, &srv->mu, &until) != 0)
            break;
    (void)pthread_mutex_unlock(&srv->mu);
}

/* The daemon of a generation: a new socket (fd -1) or the one a quiesced daemon gave. */
static void *gen_start(struct agent_gen *g, MHD_socket fd)
{
    struct azk_agent_server *srv = g->srv;
    unsigned flags = MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC;
    if (fd != MHD_INVALID_SOCKET)
        return MHD_start_daemon(
            flags, 0, NULL, NULL, on_request, g, MHD_OPTION_LISTEN_SOCKET, fd,
            MHD_OPTION_HTTPS_MEM_KEY, g->key_pem, MHD_OPTION_HTTPS_MEM_CERT, g->cert_pem,
            MHD_OPTION_HTTPS_MEM_TRUST, srv->ca_pem, MHD_OPTION_HTTPS_PRIORITIES, tls_priorities,
            MHD_OPTION_NOTIFY_COMPLETED, on_completed, g, MHD_OPTION_CONNECTION_LIMIT,
            (unsigned)1024, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)64,
            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_THREAD_POOL_SIZE,
            srv->opts.threads, MHD_OPTION_END);
    return MHD_start_daemon(
        flags, (uint16_t)srv->opts.port, NULL, NULL, on_request, g, MHD_OPTION_SOCK_ADDR,
        (struct sockaddr *)&srv->sa, MHD_OPTION_HTTPS_MEM_KEY, g->key_pem,
        MHD_OPTION_HTTPS_MEM_CERT, g->cert_pem, MHD_OPTION_HTTPS_MEM_TRUST, srv->ca_pem,
        MHD_OPTION_HTTPS_PRIORITIES, tls_priorities, MHD_OPTION_NOTIFY_COMPLETED, on_completed, g,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)1024, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)64, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)60, MHD_OPTION_THREAD_POOL_SIZE,
        srv->opts.threads, MHD_OPTION_END);
}

/* A generation as the reload's hand-over sees it (handover.c). */
static void **gen_daemon(void *g)
{
    return &((struct agent_gen *)g)->daemon;
}

static void *gen_start_on(void *g, int fd)
{
    return gen_start(g, fd);
}

static void *gen_again(void *old)
{
    struct agent_gen *o = old, *a = azk_calloc(1, sizeof(*a));
    if (a == NULL)
        return NULL;
    a->srv = o->srv;
    a->cert_pem = o->cert_pem;
    a->key_pem = o->key_pem;
    o->cert_pem = NULL;
    o->key_pem = NULL;
    return a;
}

static void gen_drain(void *g)
{
    drain(g);
}

static void gen_free_any(void *g)
{
    gen_free(g);
}

static const struct azk_serve_gen_ops gen_ops = {gen_daemon, gen_start_on, gen_again, gen_drain,
                                                 gen_free_any};

static const azk_agent_server_options agent_server_defaults = AZK_AGENT_SERVER_OPTIONS_INIT;

azk_status azk_agent_server_start(azk_agent_server **out, azk_home *h,
                                  const azk_agent_server_options *opts)
{
    struct azk_agent_server *srv = NULL;
    azk_serve_options so = AZK_SERVE_OPTIONS_INIT;
    struct sockaddr_in *sa;
    const union MHD_DaemonInfo *di;
    char *ca_key = NULL;
    uint8_t pk[32], sk[64];
    azk_status rc;

    azk_error_clear();
    AZK_ASSERT_ARG(out != NULL && h != NULL);
    *out = NULL;
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    srv = azk_calloc(1, sizeof(*srv));
    if (srv == NULL)
        return azk_error_nomem();
    srv->h = h;
    rc = azk__options_in(&srv->opts, sizeof(srv->opts), &agent_server_defaults, opts, false,
                         "azk_agent_server_start");
    if (rc != AZK_OK)
        goto fail;
    if (srv->opts.bind == NULL)
        srv->opts.bind = "127.0.0.1";
    if (srv->opts.port == 0)
        srv->opts.port = 8444;
    if (srv->opts.cert_valid_s == 0)
        srv->opts.cert_valid_s = 7 * 86400;
    if (srv->opts.max_skew_s == 0)
        srv->opts.max_skew_s = 600;
    if (srv->opts.max_upload == 0)
        srv->opts.max_upload = 8u << 20;
    if (srv->opts.threads == 0) { /* a batch waits on PostgreSQL and the ledger's sync */
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        srv->opts.threads = n > 0 ? (unsigned)n : 1;
        if (azk_store__agent_ingest_parallel(h))
            srv->opts.threads *= 4;
    }
    if (srv->opts.threads > MAX_THREADS)
        srv->opts.threads = MAX_THREADS;
    if (pthread_mutex_init(&srv->one, NULL) != 0) {
        rc = azk_error_nomem();
        goto fail;
    }
    if (pthread_mutex_init(&srv->mu, NULL) != 0) {
        (void)pthread_mutex_destroy(&srv->one);
        rc = azk_error_nomem();
        goto fail;
    }
    if (pthread_cond_init(&srv->freed, NULL) != 0) {
        (void)pthread_mutex_destroy(&srv->one);
        (void)pthread_mutex_destroy(&srv->mu);
        rc = azk_error_nomem();
        goto fail;
    }
    if (pthread_cond_init(&srv->idle, NULL) != 0) {
        (void)pthread_mutex_destroy(&srv->one);
        (void)pthread_mutex_destroy(&srv->mu);
        (void)pthread_cond_destroy(&srv->freed);
        rc = azk_error_nomem();
        goto fail;
    }
    srv->sync_ready = true;
    while (srv->nhomes < srv->opts.threads) {
        rc = azk_store__home_twin(h, &srv->homes[srv->nhomes]);
        if (rc != AZK_OK)
            goto fail;
        rc = azk_home_set_actor(srv->homes[srv->nhomes++], "agent-api");
        if (rc != AZK_OK)
            goto fail;
    }
    sa = &srv->sa;
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)srv->opts.port);
    if (srv->opts.port > 65535 || inet_pton(AF_INET, srv->opts.bind, &sa->sin_addr) != 1) {
        rc = azk_error_set(AZK_ERR_ARG, "agent API: an IPv4 address and a port 1-65535");
        goto fail;
    }
    srv->gen = azk_calloc(1, sizeof(*srv->gen));
    if (srv->gen == NULL) {
        rc = azk_error_nomem();
        goto fail;
    }
    srv->gen->srv = srv;
    rc = azk_serve__tls_material(h, &so, &srv->gen->cert_pem, &srv->gen->key_pem);
    if (rc == AZK_OK)
        rc = azk_serve__agent_ca(h, &srv->ca_pem, &ca_key);
    if (ca_key != NULL)
        azk_free_secret(ca_key, strlen(ca_key));
    if (rc == AZK_OK)
        rc = azk_serve__agent_policy_key(h, pk, sk); /* made now, not during a call */
    sodium_memzero(sk, sizeof(sk));
    if (rc != AZK_OK)
        goto fail;
    rc = azk_home_set_actor(h, "agent-api");
    if (rc != AZK_OK)
        goto fail;
    srv->gen->daemon = gen_start(srv->gen, MHD_INVALID_SOCKET);
    if (srv->gen->daemon == NULL) {
        rc = azk_error_set(AZK_ERR_IO, "agent API: cannot listen on %s:%u", srv->opts.bind,
                           srv->opts.port);
        goto fail;
    }
    di = MHD_get_daemon_info(srv->gen->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di != NULL ? di->port : srv->opts.port;
    *out = srv;
    return AZK_OK;
fail:
    azk_agent_server_stop(srv);
    return rc;
}

unsigned azk_agent_server_port(const azk_agent_server *s)
{
    return s != NULL ? s->port : 0;
}

azk_status azk_agent_server_reload(azk_agent_server *s)
{
    azk_serve_options so = AZK_SERVE_OPTIONS_INIT;
    struct agent_gen *g, *old;
    azk_status rc;
    void *cur = NULL;
    azk_error_clear();
    AZK_ASSERT_ARG(s != NULL && s->gen != NULL && s->gen->daemon != NULL);
    g = azk_calloc(1, sizeof(*g));
    if (g == NULL)
        return azk_error_nomem();
    g->srv = s;
    (void)pthread_mutex_lock(&s->one); /* the home is the calls' too */
    rc = azk_serve__tls_material(s->h, &so, &g->cert_pem, &g->key_pem);
    (void)pthread_mutex_unlock(&s->one);
    if (rc == AZK_OK)
        rc = azk_serve__tls_check(g->cert_pem, g->key_pem);
    if (rc != AZK_OK)
        goto done;
    old = s->gen;
    /* the listening socket goes from the old daemon to the new one: never closed */
    rc = azk_serve__handover(&gen_ops, old, g, &cur, "agent API");
    s->gen = cur;
    if (rc == AZK_OK)
        g = NULL; /* current now */
done:
    gen_free(g);
    return rc;
}

void azk_agent_server_stop(azk_agent_server *s)
{
    if (s == NULL)
        return;
    if (s->gen != NULL && s->gen->daemon != NULL) {
        MHD_socket fd = MHD_quiesce_daemon(s->gen->daemon);
        MHD_stop_daemon(s->gen->daemon);
        if (fd != MHD_INVALID_SOCKET)
            (void)close(fd);
    }
    gen_free(s->gen);
    for (unsigned i = 0; i < s->nhomes; i++)
        azk_home_close(s->homes[i]);
    if (s->sync_ready) {
        (void)pthread_mutex_destroy(&s->one);
        (void)pthread_mutex_destroy(&s->mu);
        (void)pthread_cond_destroy(&s->freed);
        (void)pthread_cond_destroy(&s->idle);
    }
    azk_free(s->ca_pem);
    azk_free(s);
}
