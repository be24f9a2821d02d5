/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/listen.c -- azukari serve's life cycle: start (options, the
 * "serve" section of azukari.conf, IPv4 or IPv6 address, the TLS daemon of
 * http.c, an optional plain-HTTP listener that only redirects to HTTPS),
 * reload on request (new certificate and configuration on the same
 * listening socket: MHD_quiesce_daemon hands the socket over to a new
 * daemon, the old one finishes its requests), and stop (no new
 * connection, requests running finish within drain_timeout_s). systemd is
 * told READY=1, RELOADING=1 and STOPPING=1 (sd_notify; nothing happens
 * outside systemd).
 */
#include "serve/serve_int.h"
#include "store/serve.h"

#include <microhttpd.h>
#include <sodium.h>
#include <gnutls/gnutls.h>
#include <systemd/sd-daemon.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const azk_serve_options serve_defaults = AZK_SERVE_OPTIONS_INIT;

void azk_serve__inflight(struct azk_serve_gen *g, int delta)
{
    struct azk_serve_plat *pl = g->srv->plat;
    (void)pthread_mutex_lock(&pl->mu);
    if (delta > 0)
        g->in_flight++;
    else if (g->in_flight > 0)
        g->in_flight--;
    if (g->in_flight == 0)
        (void)pthread_cond_broadcast(&pl->idle);
    (void)pthread_mutex_unlock(&pl->mu);
}

/* Wait until the generation has no request running, or for drain_s seconds. */
static void drain(struct azk_serve_plat *pl, struct azk_serve_gen *g, unsigned drain_s)
{
    struct timespec until;
    (void)clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)drain_s;
    (void)pthread_mutex_lock(&pl->mu);
    while (g->in_flight > 0)
        if (pthread_cond_timedwait(&pl->idle, &pl->mu, &until) == ETIMEDOUT)
            break;
    (void)pthread_mutex_unlock(&pl->mu);
}

static void gen_free(struct azk_serve_gen *g)
{
    if (g == NULL)
        return;
    if (g->key_pem != NULL)
        azk_free_secret(g->key_pem, strlen(g->key_pem));
    azk_free(g->cert_pem);
    azk_free(g);
}

/* Stop a generation: quiesced already or not; requests running get drain_s seconds. */
static void gen_stop(struct azk_server *srv, struct azk_serve_gen *g, bool close_listener)
{
    if (g == NULL)
        return;
    if (g->daemon != NULL) {
        MHD_socket fd = MHD_quiesce_daemon(g->daemon);
        drain(srv->plat, g, srv->opts.drain_timeout_s);
        MHD_stop_daemon(g->daemon);
        if (close_listener && fd != MHD_INVALID_SOCKET)
            (void)close(fd);
    }
    gen_free(g);
}

/* A generation as the reload's hand-over sees it (handover.c). */
static void **gen_daemon(void *g)
{
    return &((struct azk_serve_gen *)g)->daemon;
}

static void *gen_start_on(void *g, int fd)
{
    struct azk_serve_gen *x = g;
    return azk_serve__mhd_start(x, fd, x->cert_pem, x->key_pem);
}

static void *gen_again(void *old)
{
    struct azk_serve_gen *o = old, *a = azk_calloc(1, sizeof(*a));
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
    struct azk_serve_gen *x = g;
    drain(x->srv->plat, x, x->srv->opts.drain_timeout_s);
}

static void gen_free_any(void *g)
{
    gen_free(g);
}

static const struct azk_serve_gen_ops gen_ops = {gen_daemon, gen_start_on, gen_again, gen_drain,
                                                 gen_free_any};

/* ---- plain-HTTP redirect ----------------------------------------------- */

static enum MHD_Result on_redirect(void *cls, struct MHD_Connection *c, const char *url,
                                   const char *method, const char *version, const char *upload_data,
                                   size_t *upload_data_size, void **con_cls)
{
    struct azk_server *srv = cls;
    struct MHD_Response *r;
    enum MHD_Result ret;
    char loc[600];
    static const char body[] = "HTTPS only\n";
    (void)method;
    (void)version;
    (void)upload_data;
    (void)upload_data_size;
    if (*con_cls == NULL) {
        *con_cls = srv; /* any non-NULL: the headers are in */
        if (azk_serve__framing_bad(c) != NULL) {
            /* an ambiguous body length: 400 before the body (MHD closes the connection) */
            static const char bad[] = "Bad Request\n";
            r = MHD_create_response_from_buffer(sizeof(bad) - 1, (void *)(uintptr_t)bad,
                                                MHD_RESPMEM_PERSISTENT);
            if (r == NULL)
                return MHD_NO;
            (void)MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
            ret = MHD_queue_response(c, 400, r);
            MHD_destroy_response(r);
            return ret;
        }
        /* answered now, before any body: a body is never read (MHD closes the connection
         * after the answer), so no client streams into this listener */
    }
    /* the path only (MHD gives it decoded; a request target never reaches a page here) */
    if (url == NULL || url[0] != '/' || strpbrk(url, "\r\n") != NULL)
        url = "/";
    (void)snprintf(loc, sizeof(loc), "https://%s:%u%s", srv->opts.host_name, srv->port, url);
    r = MHD_create_response_from_buffer(sizeof(body) - 1, (void *)(uintptr_t)body,
                                        MHD_RESPMEM_PERSISTENT);
    if (r == NULL)
        return MHD_NO;
    (void)MHD_add_response_header(r, "Location", loc);
    (void)MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    (void)MHD_add_response_header(r, "Cache-Control", "no-store");
    ret = MHD_queue_response(c, 308, r);
    MHD_destroy_response(r);
    return ret;
}

/* ---- start ------------------------------------------------------------- */

/* The listening address: IPv4, or IPv6 (also written "[::1]"). */
static azk_status parse_bind(struct azk_serve_plat *pl, const char *bind, unsigned port)
{
    char tmp[64];
    size_t n = strlen(bind);
    memset(&pl->sa, 0, sizeof(pl->sa));
    (void)snprintf(pl->bind_text, sizeof(pl->bind_text), "%s", bind);
    if (n >= 2 && bind[0] == '[' && bind[n - 1] == ']' && n - 2 < sizeof(tmp)) {
        memcpy(tmp, bind + 1, n - 2);
        tmp[n - 2] = '\0';
    } else {
        (void)snprintf(tmp, sizeof(tmp), "%s", bind);
    }
    {
        struct sockaddr_in *a4 = (struct sockaddr_in *)(void *)&pl->sa;
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)(void *)&pl->sa;
        if (inet_pton(AF_INET, tmp, &a4->sin_addr) == 1) {
            a4->sin_family = AF_INET;
            a4->sin_port = htons((uint16_t)port);
            return AZK_OK;
        }
        memset(&pl->sa, 0, sizeof(pl->sa));
        if (inet_pton(AF_INET6, tmp, &a6->sin6_addr) == 1) {
            a6->sin6_family = AF_INET6;
            a6->sin6_port = htons((uint16_t)port);
            return AZK_OK;
        }
    }
    return azk_error_set(AZK_ERR_ARG, "serve: --bind needs an IPv4 or IPv6 address");
}

/* Defaults for what neither the caller nor azukari.conf set. */
static void fill_defaults(azk_serve_options *o)
{
    if (o->idle_timeout_s == 0)
        o->idle_timeout_s = 900;
    if (o->absolute_timeout_s == 0)
        o->absolute_timeout_s = 28800;
    if (o->user_max_failures == 0)
        o->user_max_failures = 5;
    if (o->source_max_failures == 0)
        o->source_max_failures = 20;
    if (o->enrol_valid_s == 0)
        o->enrol_valid_s = 3600;
    if (o->connection_timeout_s == 0)
        o->connection_timeout_s = 30;
    if (o->drain_timeout_s == 0)
        o->drain_timeout_s = 30;
    if (o->rate_user_per_min == 0)
        o->rate_user_per_min = 600;
    if (o->rate_source_per_min == 0)
        o->rate_source_per_min = 1200;
}

static azk_status start_redirect(struct azk_server *srv)
{
    struct azk_serve_plat *pl = srv->plat;
    struct sockaddr_storage sa = pl->sa;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_POLL | MHD_USE_ITC;
    if (sa.ss_family == AF_INET6) {
        flags |= MHD_USE_IPv6;
        ((struct sockaddr_in6 *)(void *)&sa)->sin6_port = htons((uint16_t)srv->opts.redirect_port);
    } else {
        ((struct sockaddr_in *)(void *)&sa)->sin_port = htons((uint16_t)srv->opts.redirect_port);
    }
    pl->redirect = MHD_start_daemon(
        flags, (uint16_t)srv->opts.redirect_port, NULL, NULL, on_redirect, srv,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)64, MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)8,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384, MHD_OPTION_END);
    if (pl->redirect == NULL)
        return azk_error_set(AZK_ERR_IO, "serve: cannot listen on %s:%u for the redirect",
                             pl->bind_text, srv->opts.redirect_port);
    return AZK_OK;
}

azk_status azk_serve_start(azk_server **out, azk_home *h, const azk_serve_options *opts,
                           char *enrol_url, size_t enrol_url_len)
{
    azk_status rc;
    struct azk_server *srv = NULL;
    struct azk_serve_gen *g = NULL;
    azk_serve_options given;
    const union MHD_DaemonInfo *di;

    azk_error_clear();
    AZK_ASSERT_ARG(out != NULL && h != NULL && enrol_url != NULL && enrol_url_len > 0);
    *out = NULL;
    enrol_url[0] = '\0';
    rc = azk_serve__routes_check();
    if (rc != AZK_OK)
        return rc;
    srv = azk_calloc(1, sizeof(*srv));
    if (srv == NULL)
        return azk_error_nomem();
    srv->plat = azk_calloc(1, sizeof(*srv->plat));
    if (srv->plat == NULL) {
        azk_free(srv);
        return azk_error_nomem();
    }
    (void)pthread_mutex_init(&srv->plat->lock, NULL);
    (void)pthread_mutex_init(&srv->plat->mu, NULL);
    (void)pthread_cond_init(&srv->plat->idle, NULL);
    srv->plat->max_connections = 256;
    srv->plat->max_per_source = 32;
    srv->h = h;
    rc = azk__options_in(&given, sizeof(given), &serve_defaults, opts, false, "azk_serve_start");
    if (rc != AZK_OK)
        goto fail;
    srv->plat->given = given;
    rc = azk_serve__config_read(h, &srv->opts, &given);
    if (rc != AZK_OK)
        goto fail;
    fill_defaults(&srv->opts);
    if (srv->opts.bind == NULL)
        srv->opts.bind = "127.0.0.1";
    if (srv->opts.port == 0)
        srv->opts.port = 8443;
    if (srv->opts.host_name == NULL)
        srv->opts.host_name = "localhost";
    if (srv->opts.port > 65535 || srv->opts.redirect_port > 65535 ||
        (srv->opts.cert_file == NULL) != (srv->opts.key_file == NULL)) {
        rc = azk_error_set(AZK_ERR_ARG, "serve: a port 1-65535, and --cert with --key");
        goto fail;
    }
    rc = parse_bind(srv->plat, srv->opts.bind, srv->opts.port);
    if (rc != AZK_OK)
        goto fail;
    rc = azk_serve__form_key_load(srv);
    if (rc != AZK_OK)
        goto fail;
    g = azk_calloc(1, sizeof(*g));
    if (g == NULL) {
        rc = azk_error_nomem();
        goto fail;
    }
    g->srv = srv;
    rc = azk_serve__tls_material(h, &srv->opts, &g->cert_pem, &g->key_pem);
    if (rc != AZK_OK)
        goto fail;
    azk_serve__upload_sweep(srv);
    g->daemon = azk_serve__mhd_start(g, -1, g->cert_pem, g->key_pem);
    if (g->daemon == NULL) {
        rc = azk_error_set(AZK_ERR_IO, "serve: cannot listen on %s:%u (in use, or TLS refused)",
                           srv->plat->bind_text, srv->opts.port);
        goto fail;
    }
    srv->plat->gen = g;
    g = NULL;
    di = MHD_get_daemon_info(srv->plat->gen->daemon, MHD_DAEMON_INFO_BIND_PORT);
    srv->port = di != NULL ? di->port : srv->opts.port;
    if (srv->opts.redirect_port != 0) {
        rc = start_redirect(srv);
        if (rc != AZK_OK)
            goto fail;
    }
    rc = azk_serve__first_admin_link(srv, enrol_url, enrol_url_len);
    if (rc != AZK_OK)
        goto fail;
    (void)sd_notify(0, "READY=1\nSTATUS=serving");
    *out = srv;
    return AZK_OK;
fail:
    gen_free(g);
    azk_serve_stop(srv);
    return rc;
}

unsigned azk_serve_port(const azk_server *s)
{
    return s != NULL ? s->port : 0;
}

/* ---- reload ------------------------------------------------------------ */

/* Does GnuTLS take this certificate chain and key as a pair? (before the listener moves) */
azk_status azk_serve__tls_check(const char *cert_pem, const char *key_pem)
{
    gnutls_certificate_credentials_t cred = NULL;
    gnutls_datum_t c = {(unsigned char *)(uintptr_t)cert_pem, (unsigned)strlen(cert_pem)};
    gnutls_datum_t k = {(unsigned char *)(uintptr_t)key_pem, (unsigned)strlen(key_pem)};
    int r;
    if (gnutls_certificate_allocate_credentials(&cred) < 0)
        return azk_error_nomem();
    r = gnutls_certificate_set_x509_key_mem(cred, &c, &k, GNUTLS_X509_FMT_PEM);
    gnutls_certificate_free_credentials(cred);
    if (r < 0)
        return azk_error_set(AZK_ERR_CRYPTO,
                             "serve: reload: the new certificate or key is refused (%s); "
                             "serving the old one",
                             gnutls_strerror(r));
    return AZK_OK;
}

azk_status azk_serve_reload(azk_server *s)
{
    struct azk_serve_gen *g = NULL, *old;
    azk_serve_options o;
    azk_status rc;
    void *cur = NULL;
    AZK_ASSERT_ARG(s != NULL && s->plat != NULL && s->plat->gen != NULL);
    azk_error_clear();
    (void)sd_notify(0, "RELOADING=1\nSTATUS=reloading");
    g = azk_calloc(1, sizeof(*g));
    if (g == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    g->srv = s;
    /* the configuration: what the caller gave stays; azukari.conf fills the rest again */
    (void)pthread_mutex_lock(&s->plat->lock);
    rc = azk_serve__tls_material(s->h, &s->opts, &g->cert_pem, &g->key_pem);
    if (rc == AZK_OK)
        rc = azk_serve__tls_check(g->cert_pem, g->key_pem);
    if (rc == AZK_OK)
        rc = azk_serve__config_read(s->h, &o, &s->plat->given);
    if (rc == AZK_OK) {
        fill_defaults(&o);
        o.bind = s->opts.bind;
        o.port = s->opts.port;
        o.host_name = s->opts.host_name;
        s->opts = o;
    }
    (void)pthread_mutex_unlock(&s->plat->lock);
    if (rc != AZK_OK)
        goto done;
    old = s->plat->gen;
    /* the listening socket goes from the old daemon to the new one: never closed */
    rc = azk_serve__handover(&gen_ops, old, g, &cur, "serve");
    s->plat->gen = cur;
    if (rc == AZK_OK)
        g = NULL; /* current now */
done:
    gen_free(g);
    (void)sd_notify(0, "READY=1\nSTATUS=serving");
    return rc;
}

/* ---- stop -------------------------------------------------------------- */

void azk_serve_stop(azk_server *s)
{
    if (s == NULL)
        return;
    (void)sd_notify(0, "STOPPING=1");
    if (s->plat != NULL) {
        if (s->plat->redirect != NULL)
            MHD_stop_daemon(s->plat->redirect);
        /* stop accepting; requests running finish (drain_timeout_s at most) */
        gen_stop(s, s->plat->gen, true);
        (void)pthread_cond_destroy(&s->plat->idle);
        (void)pthread_mutex_destroy(&s->plat->mu);
        (void)pthread_mutex_destroy(&s->plat->lock);
        azk_free(s->plat);
    }
    sodium_memzero(s->form_key, sizeof(s->form_key));
    azk_free(s);
}
