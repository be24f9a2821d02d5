/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard/icap_server.c -- the ICAP service of the egress guard (RFC 3507):
 * OPTIONS and REQMOD at icap://HOST:PORT/guard.
 *
 * One thread accepts; a pool of connection threads serves connections
 * from a bounded queue (full queue: 503 and close). A connection thread
 * only reads: every request body is first kept in an encrypted spool
 * (guard/spool.c), and only when it is complete does the thread take one
 * of the few scanners (a pool of `threads`, sharing one read-only
 * fingerprint index) to inspect it (guard/body.c), so clients that trickle
 * their bodies hold a cheap reader, never a scanner. Reads wait with
 * poll() against an idle timeout, a deadline for the ICAP head and a
 * deadline for the whole request, so a slow client is bounded in time as
 * well. The spool is echoed back when a body may pass and 204 is not
 * allowed.
 *
 * Answers: 204 (may pass, client allowed it or it is answered in preview),
 * 200 echoing the request (may pass, no 204), 200 with an HTTP 403 and a
 * Japanese block page (blocked: entrusted records, personal data above the
 * score, unreadable, a limit, an internal failure), ICAP 4xx/5xx for
 * protocol errors. Blocks are appended to the audit ledger when a home is
 * given. Neither logs nor ledger hold a byte of the body or the URL.
 * Socket I/O and the answers are icap_answer.c (shared: icap_int.h).
 */
#include "guard/guard_int.h"
#include "policy/policy_int.h"
#include "azukari/audit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <jansson.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "guard/icap_int.h"

/* ---- ledger ---------------------------------------------------------------------------- */

static void record_block(struct azk_guard_icap *s, const azk_guard_decision *d,
                         const char *incident, const char *host)
{
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    const char *objs[1] = {incident};
    azk_buf reasons = AZK_BUF_INIT;
    char *extra = NULL;
    uint32_t bit;
    json_t *x;
    azk_status rc;
    for (bit = 1; bit <= AZK_GUARD_R_IMAGE; bit <<= 1) {
        const char *n = (d->reasons & bit) ? azk_guard__reason_name(bit) : NULL;
        if (n != NULL && azk_buf_printf(&reasons, "%s%s", reasons.len ? "," : "", n) != AZK_OK)
            break;
    }
    if (azk_guard_decision_to_json(d, NULL, &extra) == AZK_OK) {
        x = json_loads(extra, 0, NULL);
        azk_free(extra);
        extra = NULL;
        if (x != NULL) {
            json_object_set_new(x, "channel", json_string("icap"));
            json_object_set_new(x, "host", json_string(host));
            extra = json_dumps(x, JSON_COMPACT | JSON_SORT_KEYS);
            json_decref(x);
        }
    }
    azk_log(AZK_LOG_WARN, "icap: blocked incident=%s reasons=%s bytes=%" PRIu64 " objects=%" PRIu64,
            incident, reasons.len ? (const char *)reasons.data : "-", d->bytes, d->objects);
    if (s->audit != NULL) {
        ev.action = "guard.block";
        ev.objects = objs;
        ev.object_count = 1;
        ev.outcome = "blocked";
        ev.reason = reasons.len ? (const char *)reasons.data : NULL;
        ev.extra_json = extra;
        ev.actor = "azukari-guard-icap";
        pthread_mutex_lock(&s->audit_mu);
        rc = azk_audit_append(s->audit, &ev, NULL);
        pthread_mutex_unlock(&s->audit_mu);
        if (rc != AZK_OK)
            azk_log(AZK_LOG_ERROR, "icap: ledger append failed for incident %s (%s)", incident,
                    azk_status_name(rc));
    }
    azk_free(extra);
    azk_buf_dispose(&reasons);
}

/* ---- one connection ------------------------------------------------------------------------ */

static void stat_add(struct azk_guard_icap *s, uint64_t *field, uint64_t n)
{
    pthread_mutex_lock(&s->mu);
    *field += n;
    pthread_mutex_unlock(&s->mu);
}

struct request {
    struct azk_guard_spool *spool; /* the body as received, inspected when complete */
    bool spool_full;               /* over max_body: the rest is drained, not kept */
    char ctype[512], cenc[128];
    bool encoding_repeated;
    azk_guard_decision d;
    bool pass; /* closed-zone destination: not inspected */
    bool sent100;
    bool answered; /* answered in preview; drop the rest */
    char host[256];
};

static void request_dispose(struct request *r)
{
    azk_guard__spool_free(r->spool);
    memset(r, 0, sizeof(*r));
}

/* Take an idle scanner, waiting until `deadline_ms`; NULL on timeout or shutdown. */
static azk_scanner *scanner_take(struct azk_guard_icap *s, uint64_t deadline_ms)
{
    azk_scanner *sc = NULL;
    pthread_mutex_lock(&s->mu);
    while (s->free_count == 0 && !s->quit) {
        struct timespec ts;
        uint64_t t = azk_icap__now_ms(), left = deadline_ms > t ? deadline_ms - t : 0;
        if (left == 0)
            break;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_sec += (time_t)(left / 1000u);
        ts.tv_nsec += (long)(left % 1000u) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        (void)pthread_cond_timedwait(&s->scanner_cv, &s->mu, &ts);
    }
    if (s->free_count > 0 && !s->quit)
        sc = s->free_scanner[--s->free_count];
    pthread_mutex_unlock(&s->mu);
    return sc;
}

static void scanner_give(struct azk_guard_icap *s, azk_scanner *sc)
{
    pthread_mutex_lock(&s->mu);
    s->free_scanner[s->free_count++] = sc;
    pthread_cond_signal(&s->scanner_cv);
    pthread_mutex_unlock(&s->mu);
}

static azk_status inspect_cb(const uint8_t *p, size_t n, void *payload)
{
    azk_guard__body_write(payload, p, n);
    return AZK_OK;
}

/*
 * Inspect the spooled body with a scanner of the pool. Returns false when
 * no scanner became free before the deadline (the caller answers 503).
 */
static bool inspect(struct conn *c, struct request *r, uint64_t deadline_ms)
{
    struct azk_guard_icap *s = c->srv;
    struct azk_guard_body_info info;
    struct azk_guard_body *body = NULL;
    azk_scanner *sc;
    if (r->spool == NULL)
        return true; /* the failure is in the decision already */
    sc = scanner_take(s, deadline_ms);
    if (sc == NULL)
        return false;
    info.content_type = r->ctype;
    info.content_encoding = r->cenc;
    info.encoding_repeated = r->encoding_repeated;
    if (azk_guard__body_new(&body, sc, &s->policy, &info, &r->d) != AZK_OK) {
        azk_guard_decision_fail(&r->d, AZK_GUARD_R_INTERNAL, "nomem");
    } else {
        if (azk_guard__spool_replay(r->spool, inspect_cb, body) != AZK_OK)
            azk_guard_decision_fail(&r->d, AZK_GUARD_R_INTERNAL, "spool");
        azk_guard__body_finish(body);
        azk_guard__body_free(body);
    }
    scanner_give(s, sc);
    return true;
}

static bool on_head(struct conn *c, struct request *r, bool *close_conn)
{
    struct azk_icap_parser *p = &c->p;
    struct azk_guard_icap *s = c->srv;
    const uint8_t *hdr;
    size_t hl;
    size_t svl = strlen(SERVICE_PATH);
    if (strncmp(p->service, SERVICE_PATH, svl) != 0 ||
        (p->service[svl] != '\0' && p->service[svl] != '?' && p->service[svl] != '/')) {
        azk_icap__send_error(c, 404);
        *close_conn = true;
        return false;
    }
    if (p->method == AZK_ICAP_M_OPTIONS) {
        stat_add(s, &s->stats.options, 1);
        return true; /* answered at END */
    }
    if (p->method != AZK_ICAP_M_REQMOD || p->req_hdr_off == SIZE_MAX) {
        azk_icap__send_error(c, p->method == AZK_ICAP_M_REQMOD ? 400 : 405);
        *close_conn = true;
        return false;
    }
    stat_add(s, &s->stats.requests, 1);
    azk_guard_decision_init(&r->d);
    hdr = p->http.data + p->req_hdr_off;
    hl = p->req_hdr_len;
    if (!azk_http__request_host(hdr, hl, r->host, sizeof(r->host)))
        r->host[0] = '\0';
    if (r->host[0] != '\0' && azk_guard_policy_closed_host(&s->policy, r->host)) {
        r->pass = true; /* inside the closed zone: not egress */
        return true;
    }
    if (!p->has_body)
        return true;
    if (!azk_http__header(hdr, hl, "Content-Type", r->ctype, sizeof(r->ctype)))
        r->ctype[0] = '\0';
    if (!azk_http__header(hdr, hl, "Content-Encoding", r->cenc, sizeof(r->cenc)))
        r->cenc[0] = '\0';
    r->encoding_repeated = azk_http__header_count(hdr, hl, "Content-Encoding") > 1;
    if (azk_guard__spool_new(&r->spool, s->spool_dir) != AZK_OK)
        azk_guard_decision_fail(&r->d, AZK_GUARD_R_INTERNAL, "spool");
    return true;
}

static void new_incident(char out[24])
{
    uint8_t rnd[8];
    static const char hex[] = "0123456789abcdef";
    size_t i;
    randombytes_buf(rnd, sizeof(rnd));
    out[0] = 'G';
    out[1] = '-';
    for (i = 0; i < sizeof(rnd); i++) {
        out[2 + 2 * i] = hex[rnd[i] >> 4];
        out[3 + 2 * i] = hex[rnd[i] & 15];
    }
    out[18] = '\0';
}

static bool on_end(struct conn *c, struct request *r, uint64_t deadline_ms)
{
    struct azk_guard_icap *s = c->srv;
    struct azk_icap_parser *p = &c->p;
    bool can204;
    char incident[24];
    if (p->method == AZK_ICAP_M_OPTIONS)
        return azk_icap__send_options(c);
    /* 204 needs Allow: 204, or an answer to a preview before any 100 Continue */
    can204 = p->allow204 || (p->preview >= 0 && !r->sent100);
    if (r->pass) {
        stat_add(s, &s->stats.allowed, 1);
        return can204 ? azk_icap__send_204(c) : azk_icap__send_echo(c, NULL);
    }
    if (p->has_body && !inspect(c, r, deadline_ms)) {
        stat_add(s, &s->stats.errors, 1);
        azk_log(AZK_LOG_WARN, "icap: no scanner free before the request deadline, answered 503");
        azk_icap__send_error(c, 503);
        return false;
    }
    if (p->has_body && r->spool == NULL && !r->spool_full)
        azk_guard_decision_fail(&r->d, AZK_GUARD_R_INTERNAL, "spool");
    azk_guard_decision_finish(&r->d, &s->policy);
    if (r->d.verdict == AZK_GUARD_BLOCK) {
        new_incident(incident);
        stat_add(s, &s->stats.blocked, 1);
        record_block(s, &r->d, incident, r->host);
        return azk_icap__send_block(c, &r->d, incident);
    }
    stat_add(s, r->d.verdict == AZK_GUARD_WARN ? &s->stats.warned : &s->stats.allowed, 1);
    if (r->d.verdict == AZK_GUARD_WARN)
        azk_log(AZK_LOG_INFO, "icap: warned bytes=%" PRIu64 " score=%.1f", r->d.bytes, r->d.score);
    if (can204)
        return azk_icap__send_204(c);
    if (p->has_body && r->spool == NULL)
        return false; /* cannot echo: unreachable after the fail above, kept closed */
    return azk_icap__send_echo(c, r->spool);
}

static void serve(int fd, struct azk_guard_icap *s)
{
    struct conn c;
    struct request r;
    bool close_conn = false;
    int one = 1;
    memset(&c, 0, sizeof(c));
    memset(&r, 0, sizeof(r));
    c.fd = fd;
    c.srv = s;
    c.buf = azk_malloc(CONN_BUF);
    if (c.buf == NULL)
        return;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    azk_icap__parser_init(&c.p);
    while (!close_conn) {
        uint64_t start = azk_icap__now_ms();
        uint64_t deadline = start + s->head_ms;
        uint64_t req_deadline = start + s->request_ms;
        bool in_request = false;
        bool need_input = c.off == c.len; /* bytes of a pipelined request are parsed first */
        azk_icap__parser_reset(&c.p);
        for (;;) {
            enum azk_icap_event ev;
            size_t used;
            azk_status rc;
            if (need_input && c.off == c.len) {
                /* the head within head_ms, the whole request within request_ms */
                int fr = azk_icap__fill(
                    &c, c.p.state == 0 && deadline < req_deadline ? deadline : req_deadline);
                if (fr != 0) {
                    if (fr < 0 && (c.p.head.len > 0 || in_request))
                        azk_icap__send_error(&c, 408);
                    close_conn = true;
                    break;
                }
            }
            in_request = true;
            rc = azk_icap__feed(&c.p, c.buf + c.off, c.len - c.off, &used, &ev);
            c.off += used;
            if (rc != AZK_OK) {
                stat_add(s, &s->stats.errors, 1);
                azk_log(AZK_LOG_WARN, "icap: protocol error, answered %d: %s",
                        c.p.status != 0 ? c.p.status : 400, c.p.error ? c.p.error : "?");
                azk_icap__send_error(&c, c.p.status != 0 ? c.p.status : 400);
                close_conn = true;
                break;
            }
            need_input = ev == AZK_ICAP_EV_NONE; /* else an event may be pending: feed again */
            if (ev == AZK_ICAP_EV_NONE)
                continue;
            if (ev == AZK_ICAP_EV_HEAD) {
                if (!on_head(&c, &r, &close_conn))
                    break;
            } else if (ev == AZK_ICAP_EV_DATA) {
                if (r.answered)
                    continue;
                stat_add(s, &s->stats.bytes_in, c.p.data_len);
                if (r.spool != NULL && s->policy.max_body > 0 &&
                    azk_guard__spool_size(r.spool) + c.p.data_len > s->policy.max_body) {
                    /* larger than max_body before decoding: blocked, the rest drained */
                    azk_guard_decision_fail(&r.d, AZK_GUARD_R_LIMIT, "max_body");
                    azk_guard__spool_free(r.spool);
                    r.spool = NULL;
                    r.spool_full = true;
                }
                if (r.spool != NULL &&
                    azk_guard__spool_write(r.spool, c.p.data, c.p.data_len) != AZK_OK) {
                    azk_guard_decision_fail(&r.d, AZK_GUARD_R_INTERNAL, "spool");
                    azk_guard__spool_free(r.spool);
                    r.spool = NULL;
                }
            } else if (ev == AZK_ICAP_EV_PREVIEW_END) {
                if (r.pass) {
                    /* closed-zone destination: 204 to the preview, request done */
                    stat_add(s, &s->stats.allowed, 1);
                    if (!azk_icap__send_204(&c))
                        close_conn = true;
                    break;
                }
                if (!azk_icap__send_str(&c, "ICAP/1.0 100 Continue\r\n\r\n")) {
                    close_conn = true;
                    break;
                }
                r.sent100 = true;
                azk_icap__continue(&c.p);
            } else if (ev == AZK_ICAP_EV_END) {
                const char *conn_hdr = azk_icap__field(&c.p, "Connection");
                if (!on_end(&c, &r, req_deadline))
                    close_conn = true;
                if (conn_hdr != NULL && strcasecmp(conn_hdr, "close") == 0)
                    close_conn = true;
                break;
            }
        }
        request_dispose(&r);
    }
    azk_icap__parser_dispose(&c.p);
    azk_free(c.buf);
}

/*
 * Close after an answer: stop sending, then read and discard what the client
 * still sends for a short while, so an error answer is not lost to a reset
 * caused by unread input (the "lingering close" of HTTP servers).
 */
static void linger_close(int fd)
{
    uint64_t end = azk_icap__now_ms() + 500;
    size_t drained = 0;
    char junk[16384];
    (void)shutdown(fd, SHUT_WR);
    while (drained < 1024 * 1024) {
        struct pollfd pfd = {fd, POLLIN, 0};
        uint64_t t = azk_icap__now_ms();
        ssize_t r;
        if (t >= end || poll(&pfd, 1, (int)(end - t)) <= 0)
            break;
        r = recv(fd, junk, sizeof(junk), MSG_DONTWAIT);
        if (r <= 0)
            break;
        drained += (size_t)r;
    }
    close(fd);
}

static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct azk_guard_icap *s = w->srv;
    for (;;) {
        int fd;
        pthread_mutex_lock(&s->mu);
        while (s->qlen == 0 && !s->quit)
            pthread_cond_wait(&s->cv, &s->mu);
        if (s->qlen == 0 && s->quit) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        fd = s->q[s->qhead];
        s->qhead = (s->qhead + 1) % s->qcap;
        s->qlen--;
        w->cur_fd = fd;
        pthread_mutex_unlock(&s->mu);
        serve(fd, s);
        pthread_mutex_lock(&s->mu);
        w->cur_fd = -1;
        pthread_mutex_unlock(&s->mu);
        linger_close(fd);
    }
    return NULL;
}

/* ---- service ------------------------------------------------------------------------------ */

static azk_status bind_listen(struct azk_guard_icap *s, const char *host, unsigned port)
{
    struct addrinfo hints, *res = NULL, *ai;
    char ports[16];
    int fd = -1, one = 1, gr;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    snprintf(ports, sizeof(ports), "%u", port);
    gr = getaddrinfo(host, ports, &hints, &res);
    if (gr != 0)
        return azk_error_set(AZK_ERR_ARG, "icap: cannot resolve the listen address");
    for (ai = res; ai != NULL; ai = ai->ai_next) {
        fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
        if (fd < 0)
            continue;
        (void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
        if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 128) == 0)
            break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        return azk_error_errno("icap: bind");
    {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof(ss);
        if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
            if (ss.ss_family == AF_INET)
                s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
            else if (ss.ss_family == AF_INET6)
                s->port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
    }
    s->lfd = fd;
    return AZK_OK;
}

static void make_istag(struct azk_guard_icap *s)
{
    char *pj = NULL;
    uint8_t h[8];
    size_t i;
    static const char hex[] = "0123456789abcdef";
    int n;
    if (azk_guard_policy_to_json(&s->policy, &pj) == AZK_OK) {
        crypto_generichash(h, sizeof(h), (const uint8_t *)pj, strlen(pj), NULL, 0);
        azk_free(pj);
    } else {
        memset(h, 0, sizeof(h));
    }
    n = snprintf(s->istag, sizeof(s->istag), "azk-%s-", azk_version());
    for (i = 0; i < sizeof(h) && n + 2 < (int)sizeof(s->istag); i++) {
        s->istag[n++] = hex[h[i] >> 4];
        s->istag[n++] = hex[h[i] & 15];
    }
    s->istag[n] = '\0';
}

azk_status azk_guard_icap_new(azk_guard_icap **out, const azk_guard_icap_options *o_in)
{
    static const azk_guard_icap_options o_def = AZK_GUARD_ICAP_OPTIONS_INIT;
    azk_guard_icap_options o_v;
    const azk_guard_icap_options *o = &o_v;
    struct azk_guard_icap *s;
    azk_status rc;
    unsigned i;

    if (out != NULL)
        *out = NULL; /* also when the options are refused */
    if (azk__options_in(&o_v, sizeof(o_v), &o_def, o_in, true, "azk_guard_icap_new") != AZK_OK)
        return azk_error_last()->code;
    AZK_ASSERT_ARG(out != NULL && o != NULL && o->policy != NULL);
    azk_error_clear();
    *out = NULL;
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
#ifdef __GLIBC__
    /* A long-running service: glibc raises its mmap threshold each time a large
     * block is released (up to 32 MiB), so the decoders' big buffers (xlsx
     * tables, inflate windows) would stay in the heaps of many threads. A fixed
     * 1 MiB threshold hands them back on release: RSS stays flat under hostile load
     * (bench/guard_attack.sh rss: max 493 MB -> 262 MB). */
    (void)mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    s = azk_calloc(1, sizeof(*s));
    if (s == NULL)
        return azk_error_nomem();
    s->lfd = -1;
    s->stop_pipe[0] = s->stop_pipe[1] = -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    {
        /* deadlines are monotonic: the scanner wait must not jump with the wall clock */
        pthread_condattr_t ca;
        pthread_condattr_init(&ca);
        pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
        pthread_cond_init(&s->scanner_cv, &ca);
        pthread_condattr_destroy(&ca);
    }
    pthread_mutex_init(&s->audit_mu, NULL);
    s->nscanners = o->threads > 0 ? o->threads : 4;
    s->nworkers = o->connections > 0 ? o->connections : 8 * s->nscanners;
    if (s->nworkers < s->nscanners)
        s->nworkers = s->nscanners;
    s->qcap = o->queue > 0 ? o->queue : 64;
    s->idle_ms = o->idle_timeout_ms > 0 ? o->idle_timeout_ms : 30000;
    s->head_ms = o->head_timeout_ms > 0 ? o->head_timeout_ms : 30000;
    s->request_ms = o->request_timeout_ms > 0 ? o->request_timeout_ms : 120000;
    rc = azk_policy__copy(&s->policy, o->policy);
    if (rc != AZK_OK) {
        azk_guard_policy_init(&s->policy);
        goto fail;
    }
    make_istag(s);
    if (o->spool_dir != NULL) {
        s->spool_dir = azk_strdup(o->spool_dir);
        if (s->spool_dir == NULL) {
            rc = azk_error_nomem();
            goto fail;
        }
    }
    if (o->home != NULL) {
        s->home = azk_strdup(o->home);
        if (s->home == NULL) {
            rc = azk_error_nomem();
            goto fail;
        }
        /* fail closed at start: a service that cannot record blocks does not run */
        rc = azk_audit_open(&s->audit, o->home, 0, NULL);
        if (rc != AZK_OK)
            goto fail;
    }
    s->q = azk_calloc(s->qcap, sizeof(int));
    s->workers = azk_calloc(s->nworkers, sizeof(*s->workers));
    s->scanners = azk_calloc(s->nscanners, sizeof(*s->scanners));
    s->free_scanner = azk_calloc(s->nscanners, sizeof(*s->free_scanner));
    if (s->q == NULL || s->workers == NULL || s->scanners == NULL || s->free_scanner == NULL) {
        rc = azk_error_nomem();
        goto fail;
    }
    if (pipe2(s->stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
        rc = azk_error_errno("icap: pipe");
        goto fail;
    }
    rc = bind_listen(s, o->host != NULL ? o->host : "127.0.0.1", o->port);
    if (rc != AZK_OK)
        goto fail;
    for (i = 0; i < s->nscanners; i++) {
        /* one read-only fingerprint index for all scanners (loaded by the first) */
        rc = azk_guard__scanner_new_sharing(&s->scanners[i], &s->policy, 1,
                                            i > 0 ? s->scanners[0] : NULL);
        if (rc != AZK_OK)
            goto fail;
        s->free_scanner[s->free_count++] = s->scanners[i];
    }
    for (i = 0; i < s->nworkers; i++) {
        s->workers[i].srv = s;
        s->workers[i].cur_fd = -1;
    }
    for (i = 0; i < s->nworkers; i++) {
        struct worker *w = &s->workers[i];
        if (pthread_create(&w->th, NULL, worker_main, w) != 0) {
            rc = azk_error_set(AZK_ERR_NOMEM, "icap: cannot start a worker thread");
            goto fail;
        }
        w->started = true;
    }
    *out = s;
    return AZK_OK;
fail:
    azk_guard_icap_free(s);
    return rc;
}

unsigned azk_guard_icap_port(const azk_guard_icap *s)
{
    return s->port;
}

azk_status azk_guard_icap_run(azk_guard_icap *s)
{
    AZK_ASSERT_ARG(s != NULL);
    for (;;) {
        struct pollfd pf[2] = {{s->lfd, POLLIN, 0}, {s->stop_pipe[0], POLLIN, 0}};
        int pr = poll(pf, 2, -1);
        int fd;
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr < 0)
            return azk_error_errno("icap: poll");
        if (pf[1].revents != 0)
            break;
        if ((pf[0].revents & POLLIN) == 0)
            continue;
        /* cppcheck-suppress nullPointer ; accept4 takes NULL address arguments */
        fd = accept4(s->lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue; /* EMFILE, ECONNABORTED: keep serving the others */
        pthread_mutex_lock(&s->mu);
        s->stats.connections++;
        if (s->qlen == s->qcap) {
            s->stats.errors++;
            pthread_mutex_unlock(&s->mu);
            {
                static const char busy[] =
                    "ICAP/1.0 503 Service Overloaded\r\nEncapsulated: null-body=0\r\n"
                    "Connection: close\r\n\r\n";
                (void)send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
            }
            close(fd);
            continue;
        }
        s->q[(s->qhead + s->qlen) % s->qcap] = fd;
        s->qlen++;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
    }
    return AZK_OK;
}

void azk_guard_icap_stop(azk_guard_icap *s)
{
    if (s != NULL && s->stop_pipe[1] >= 0) {
        ssize_t w = write(s->stop_pipe[1], "x", 1);
        (void)w;
    }
}

void azk_guard_icap_get_stats(azk_guard_icap *s, azk_guard_icap_stats *out)
{
    pthread_mutex_lock(&s->mu);
    *out = s->stats;
    pthread_mutex_unlock(&s->mu);
}

void azk_guard_icap_free(azk_guard_icap *s)
{
    unsigned i;
    if (s == NULL)
        return;
    pthread_mutex_lock(&s->mu);
    s->quit = true;
    for (i = 0; s->workers != NULL && i < s->nworkers; i++) {
        if (s->workers[i].cur_fd >= 0)
            shutdown(s->workers[i].cur_fd, SHUT_RDWR);
    }
    pthread_cond_broadcast(&s->cv);
    pthread_cond_broadcast(&s->scanner_cv);
    pthread_mutex_unlock(&s->mu);
    for (i = 0; s->workers != NULL && i < s->nworkers; i++) {
        if (s->workers[i].started)
            pthread_join(s->workers[i].th, NULL);
    }
    for (i = 0; s->scanners != NULL && i < s->nscanners; i++)
        azk_scanner_free(s->scanners[i]);
    while (s->qlen > 0) {
        close(s->q[s->qhead]);
        s->qhead = (s->qhead + 1) % s->qcap;
        s->qlen--;
    }
    if (s->lfd >= 0)
        close(s->lfd);
    if (s->stop_pipe[0] >= 0)
        close(s->stop_pipe[0]);
    if (s->stop_pipe[1] >= 0)
        close(s->stop_pipe[1]);
    azk_audit_close(s->audit);
    azk_guard_policy_dispose(&s->policy);
    azk_free(s->workers);
    azk_free(s->scanners);
    azk_free(s->free_scanner);
    azk_free(s->q);
    azk_free(s->home);
    azk_free(s->spool_dir);
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    pthread_cond_destroy(&s->scanner_cv);
    pthread_mutex_destroy(&s->audit_mu);
    azk_free(s);
}
