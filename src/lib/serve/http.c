/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/http.c -- azukari serve's HTTPS front: libmicrohttpd with GnuTLS
 * (TLS 1.3, or TLS 1.2 with AEAD suites only), one internal thread that
 * handles requests one at a time on the home handle, bodies bounded,
 * the security headers on every response (errors included), and the
 * dispatch: route lookup, session, authorisation (routes.c), CSRF for
 * state changes, handler. Also the form-body decoder.
 */
#include "serve/serve_int.h"
#include "store/serve.h"

#include <microhttpd.h>
#include <sodium.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>

extern int _nl_msg_cat_cntr; /* glibc/GNU gettext: bumped when LANGUAGE changes */

/* GnuTLS priorities: TLS 1.3; TLS 1.2 only with ECDHE and AEAD ciphers. */
static const char tls_priorities[] =
    "SECURE128:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-256-GCM:+AES-128-GCM:"
    "+CHACHA20-POLY1305:-MAC-ALL:+AEAD:-KX-ALL:+ECDHE-ECDSA:+ECDHE-RSA:%SERVER_PRECEDENCE";

static const char *const sec_headers[] = {
    "Strict-Transport-Security",
    "max-age=63072000; includeSubDomains",
    "Content-Security-Policy",
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options",
    "DENY",
    "X-Content-Type-Options",
    "nosniff",
    "Referrer-Policy",
    "no-referrer",
    "Cache-Control",
    "no-store",
    "Cross-Origin-Opener-Policy",
    "same-origin",
    NULL,
};

const char *const *azk_serve__security_headers(void)
{
    return sec_headers;
}

azk_status azk_serve__html(azk_buf *b, const char *s)
{
    return azk_buf_put_html(b, s != NULL ? s : "");
}

/* ---- form bodies ------------------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decode one percent-encoded component (WHATWG URL, application/x-www-form-urlencoded). */
static azk_status decode_part(const char *s, size_t n, char **out)
{
    char *d = azk_malloc(n + 1);
    size_t k = 0;
    if (d == NULL)
        return azk_error_nomem();
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            d[k++] = ' ';
        } else if (s[i] == '%') {
            int a = i + 2 < n ? hexval((unsigned char)s[i + 1]) : -1;
            int b = i + 2 < n ? hexval((unsigned char)s[i + 2]) : -1;
            if (a < 0 || b < 0) {
                azk_free(d);
                return azk_error_set(AZK_ERR_FORMAT, "serve: bad percent escape in a form");
            }
            d[k++] = (char)(a * 16 + b);
            i += 2;
        } else {
            d[k++] = s[i];
        }
    }
    d[k] = '\0';
    if (memchr(d, '\0', k) != NULL || !azk_utf8_valid((const uint8_t *)d, k)) {
        azk_free(d);
        return azk_error_set(AZK_ERR_FORMAT, "serve: a form field is not UTF-8 text");
    }
    *out = d;
    return AZK_OK;
}

azk_status azk_serve__form_parse(struct azk_serve_req *rq, const char *body, size_t len)
{
    size_t i = 0;
    azk_status rc = AZK_OK;
    while (rc == AZK_OK && i < len) {
        size_t j = i, eq;
        char *n = NULL, *v = NULL;
        while (j < len && body[j] != '&')
            j++;
        if (j > i) {
            if (rq->form_count == AZK_SERVE_MAX_FIELDS)
                return azk_error_set(AZK_ERR_LIMIT, "serve: too many form fields");
            eq = i;
            while (eq < j && body[eq] != '=')
                eq++;
            rc = decode_part(body + i, eq - i, &n);
            if (rc == AZK_OK)
                rc = decode_part(body + (eq < j ? eq + 1 : j), eq < j ? j - eq - 1 : 0, &v);
            if (rc != AZK_OK) {
                azk_free(n);
                return rc;
            }
            rq->form_names[rq->form_count] = n;
            rq->form_values[rq->form_count] = v;
            rq->form_count++;
        }
        i = j + 1;
    }
    return rc;
}

void azk_serve__form_free(struct azk_serve_req *rq)
{
    for (size_t i = 0; i < rq->form_count; i++) {
        azk_free(rq->form_names[i]);
        if (rq->form_values[i] != NULL)
            sodium_memzero(rq->form_values[i], strlen(rq->form_values[i])); /* passwords */
        azk_free(rq->form_values[i]);
    }
    rq->form_count = 0;
}

const char *azk_serve__form(const struct azk_serve_req *rq, const char *name)
{
    for (size_t i = 0; i < rq->form_count; i++)
        if (strcmp(rq->form_names[i], name) == 0)
            return rq->form_values[i];
    /* an /api/v1 POST: the JSON body's string member of that name */
    if (rq->json != NULL)
        return json_string_value(json_object_get(rq->json, name));
    return NULL;
}

const char *azk_serve__query(struct azk_serve_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *azk_serve__cookie(struct azk_serve_req *rq, const char *name)
{
    return MHD_lookup_connection_value(rq->conn, MHD_COOKIE_KIND, name);
}

/* ---- one request ------------------------------------------------------- */

struct conn_state {
    azk_buf body;
    bool too_big;
    bool busy;                   /* the uploads held by all connections are at their limit: 503 */
    bool dropping;               /* the body is refused (upload.c): the rest is read and dropped */
    uint64_t got, drain_max;     /* body bytes received; past drain_max the connection ends */
    size_t held;                 /* bytes of this body counted in uploads_held */
    struct timespec start;       /* when the headers came (CLOCK_MONOTONIC) */
    bool gating;                 /* the headers of a large-body route, checked before its body */
    const char *framing;         /* the body's length is ambiguous (framing.c): why; 400 */
    struct azk_serve_upload *up; /* a multipart/form-data body, streamed (upload.c) */
};

static enum MHD_Result send_resp(struct MHD_Connection *c, struct azk_serve_resp *rs)
{
    struct MHD_Response *r;
    enum MHD_Result ret;
    r = MHD_create_response_from_buffer(rs->body.len, rs->body.data, MHD_RESPMEM_MUST_COPY);
    if (r == NULL)
        return MHD_NO;
    for (size_t i = 0; sec_headers[i] != NULL; i += 2)
        (void)MHD_add_response_header(r, sec_headers[i], sec_headers[i + 1]);
    (void)MHD_add_response_header(r, "Content-Type",
                                  rs->content_type != NULL ? rs->content_type
                                                           : "text/html; charset=utf-8");
    if (rs->attachment[0] != '\0')
        (void)MHD_add_response_header(r, "Content-Disposition", rs->attachment);
    if (rs->location[0] != '\0')
        (void)MHD_add_response_header(r, "Location", rs->location);
    if (rs->retry_after > 0) {
        char ra[16];
        (void)snprintf(ra, sizeof(ra), "%u", rs->retry_after);
        (void)MHD_add_response_header(r, "Retry-After", ra);
    }
    for (size_t i = 0; i < 3; i++)
        if (rs->cookies[i][0] != '\0')
            (void)MHD_add_response_header(r, "Set-Cookie", rs->cookies[i]);
    ret = MHD_queue_response(c, rs->status, r);
    MHD_destroy_response(r);
    return ret;
}

static void peer_address(struct MHD_Connection *c, char out[64])
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    (void)snprintf(out, 64, "unknown");
    if (ci == NULL || ci->client_addr == NULL)
        return;
    if (ci->client_addr->sa_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)(const void *)ci->client_addr;
        (void)inet_ntop(AF_INET, &a->sin_addr, out, 64);
    } else if (ci->client_addr->sa_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)(const void *)ci->client_addr;
        (void)inet_ntop(AF_INET6, &a->sin6_addr, out, 64);
    }
}

static bool is_api_path(const char *url)
{
    return strncmp(url, "/api/", 5) == 0 || strcmp(url, "/api") == 0;
}

/* A POST body: a form for the pages, a JSON object for /api/v1. An error answer when not. */
static azk_status read_body(struct MHD_Connection *c, struct conn_state *cs,
                            struct azk_serve_req *rq, struct azk_serve_resp *rs, bool *ok)
{
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    azk_status rc;
    *ok = false;
    if (cs->up != NULL) /* a file upload on a page: its fields, its file (upload.c) */
        return azk_serve__upload_finish(cs->up, rq, rs, ok);
    if (!rq->api) {
        if (ct == NULL || strncmp(ct, "application/x-www-form-urlencoded", 33) != 0 ||
            azk_serve__form_parse(rq, (const char *)cs->body.data, cs->body.len) != AZK_OK)
            return azk_serve__error_page(rq, rs, 400, T_("The form could not be read."));
        *ok = true;
        return AZK_OK;
    }
    if (ct == NULL || strncmp(ct, "application/json", 16) != 0 ||
        (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' '))
        return azk_serve__api_error(rs, 415, "unsupported_media_type",
                                    T_("The body must be application/json."));
    rc = azk_serve__json_body_parse_max((const char *)cs->body.data, cs->body.len,
                                        azk_serve__route_body_max(rq->method, rq->path), &rq->json);
    if (rc == AZK_ERR_FORMAT || rc == AZK_ERR_LIMIT) {
        char msg[256];
        (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
        azk_error_clear();
        return azk_serve__api_error(rs, 400, rc == AZK_ERR_LIMIT ? "json_limit" : "bad_json", msg);
    }
    if (rc == AZK_OK)
        *ok = true;
    return rc;
}

/* The authorisation rule's answer: true when the request may go on, else the refusal made
 * (a redirect to the login page, 401, or 403 with a ledger entry) with *rc. */
static bool admitted(struct azk_server *srv, const struct azk_serve_route *route,
                     struct azk_serve_req *rq, struct azk_serve_resp *rs, azk_status *rc)
{
    switch (azk_serve__authorize(route, &rq->who)) {
        case AZK_AUTHZ_ALLOW:
            return true;
        case AZK_AUTHZ_LOGIN:
            if (strcmp(rq->method, "GET") == 0 && !rq->api) {
                rs->status = 303;
                (void)snprintf(rs->location, sizeof(rs->location), "/login");
                *rc = azk_buf_puts(&rs->body, "");
            } else {
                *rc = azk_serve__fail(rq, rs, 401, "unauthenticated", T_("Please log in."));
            }
            return false;
        case AZK_AUTHZ_DENY:
        default:
            *rc = azk_serve__ledger(srv, rq, "serve.deny", NULL, "refused", rq->path);
            if (*rc == AZK_OK)
                *rc = azk_serve__fail(rq, rs, 403, "forbidden",
                                      T_("You are not allowed to do this."));
            return false;
    }
}

static void handle(struct azk_server *srv, struct MHD_Connection *c, const char *url,
                   const char *method, struct conn_state *cs, struct azk_serve_resp *rs)
{
    struct azk_serve_req rq;
    const struct azk_serve_route *route;
    const char *lang;
    bool known = false, body_ok = false;
    unsigned wait_s = 0;
    azk_status rc = AZK_OK;

    memset(&rq, 0, sizeof(rq));
    rq.method = method;
    rq.path = url;
    rq.conn = c;
    rq.api = is_api_path(url);
    peer_address(c, rq.source);
    lang = MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "lang");
    rq.lang = lang != NULL && strcmp(lang, "en") == 0 ? "en" : "ja";
    /* requests run one at a time (the server's lock); glibc's gettext caches translations
     * until this counter changes (GNU gettext manual, "Being a gettext grok") */
    (void)setenv("LANGUAGE", rq.lang, 1);
    ++_nl_msg_cat_cntr;
    azk_error_clear();
    rc = azk_home_set_actor(srv->h, "serve"); /* anonymous until a session says who */
    if (rc != AZK_OK)
        goto done;

    if (cs->framing != NULL) {
        /* before any route: a proxy in front may have read another length (smuggling) */
        rc = azk_serve__fail(&rq, rs, 400, "bad_framing",
                             T_("The request's length is ambiguous (Content-Length and "
                                "Transfer-Encoding); it is refused."));
        goto done;
    }
    route = azk_serve__route_find(method, url, &known);
    if (route == NULL) {
        rc = azk_serve__fail(&rq, rs, known ? 405 : 404, known ? "method_not_allowed" : "not_found",
                             known ? T_("This method is not allowed here.") : T_("No such page."));
        goto done;
    }
    if (cs->too_big) {
        rc = azk_serve__fail(&rq, rs, 413, "too_large", T_("The request is too large."));
        goto done;
    }
    if (cs->busy) {
        rs->retry_after = 30;
        rc = azk_serve__fail(&rq, rs, 503, "unavailable",
                             T_("Too many files are being uploaded; try again in a moment."));
        goto done;
    }
    if (strcmp(method, "POST") == 0 && !cs->gating) {
        rc = read_body(c, cs, &rq, rs, &body_ok);
        if (rc != AZK_OK || !body_ok)
            goto done;
    }
    rc = azk_serve__session_load(srv, &rq);
    if (rc != AZK_OK)
        goto done;
    if (!cs->gating)
        rc = azk_serve__rate_check(srv, &rq, &wait_s);
    if (rc != AZK_OK)
        goto done;
    if (wait_s > 0) {
        rs->retry_after = wait_s;
        rc = azk_serve__fail(&rq, rs, 429, "rate_limited",
                             T_("Too many requests; wait a moment and try again."));
        goto done;
    }
    if (!admitted(srv, route, &rq, rs, &rc))
        goto done;
    /* pages: the form's csrf field; the API: the X-CSRF-Token header. While gating, a page's
     * field is still to come: upload.c takes no file before a right one */
    if (route->changes_state && route->access != AZK_ACCESS_PUBLIC && !(cs->gating && !rq.api)) {
        const char *tok = rq.api ? MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-CSRF-Token")
                                 : azk_serve__form(&rq, "csrf");
        if (tok == NULL || !azk_serve__same(tok, rq.who.csrf)) {
            rc = azk_serve__ledger(srv, &rq, "serve.csrf", NULL, "refused", url);
            if (rc == AZK_OK)
                rc = azk_serve__fail(&rq, rs, 403, "csrf",
                                     T_("The form is stale or forged (no valid CSRF "
                                        "token). Reload the page and try again."));
            goto done;
        }
    }
    if (cs->gating) {
        /* the headers passed: the body may come. /api/v1: 413 now when it says it is too
         * large; a page's is read and dropped, then 413 (a browser shows a refusal it gets
         * while still sending as a broken connection, not as the page saying why) */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (rq.api && cl != NULL && strtoull(cl, NULL, 10) > cs->body.max) {
            rc = azk_serve__fail(&rq, rs, 413, "too_large", T_("The request is too large."));
            goto done;
        }
        rs->status = 0; /* no answer yet */
        if (cs->up != NULL)
            azk_serve__upload_expect(cs->up, rq.who.csrf);
        goto done;
    }
    /* no request inherits the TOTP authentication of another (a login leaves it on the
     * shared home handle): a two-person act needs this request's own step-up */
    azk_serve__step_up_end(srv);
    rc = route->handler(srv, &rq, rs);
    azk_serve__step_up_end(srv);
done:
    if (rc != AZK_OK) {
        /* the library's message names no personal value; answer a generic error.
         * A catalog that cannot be reached is 503 (try again), anything else 500. */
        bool down = azk_serve__db_unavailable(srv, rc);
        unsigned st = down ? 503 : 500;
        azk_buf_clear(&rs->body);
        rs->location[0] = '\0';
        for (size_t i = 0; i < 3; i++)
            rs->cookies[i][0] = '\0';
        rs->retry_after = down ? 5 : 0;
        azk_error_clear();
        if (azk_serve__fail(&rq, rs, st, down ? "unavailable" : "internal",
                            down ? T_("The catalog cannot be reached; nothing was changed. "
                                      "Try again in a moment.")
                                 : T_("Internal error; nothing was changed.")) != AZK_OK) {
            rs->status = st;
            rs->content_type = "text/plain; charset=utf-8";
        }
    }
    azk_serve__form_free(&rq);
    json_decref(rq.json);
    if (azk_home_set_actor(srv->h, "serve") != AZK_OK)
        azk_error_clear(); /* only an allocation: the next request sets it again */
}

/*
 * A route taking a large body (a file): the session, the role and, for /api/v1, the
 * X-CSRF-Token header are checked when the headers arrive, and a refusal is answered before
 * any of the body is read (MHD closes the connection after it). A page's form takes its file
 * as multipart/form-data, streamed through MHD's post processor (upload.c); any other body
 * of a page keeps the 16 KiB of every route.
 */
static enum MHD_Result gate(struct azk_server *srv, struct MHD_Connection *c, const char *url,
                            const char *method, struct conn_state *cs)
{
    const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
    struct azk_serve_resp rs;
    enum MHD_Result ret = MHD_YES;
    if (!is_api_path(url)) {
        if (ct != NULL && strncmp(ct, "multipart/form-data", 19) == 0) {
            cs->up = azk_serve__upload_new(c, cs->body.max);
            if (cs->up == NULL)
                return MHD_NO;
        } else {
            cs->body.max = AZK_SERVE_BODY_MAX;
        }
    }
    memset(&rs, 0, sizeof(rs));
    rs.status = 200;
    cs->gating = true;
    (void)pthread_mutex_lock(&srv->plat->lock);
    handle(srv, c, url, method, cs, &rs);
    (void)pthread_mutex_unlock(&srv->plat->lock);
    cs->gating = false;
    if (rs.status != 0)
        ret = send_resp(c, &rs); /* refused: the body is never read */
    azk_buf_dispose(&rs.body);
    return ret;
}

/*
 * The bytes of large bodies (files) held in memory by all connections together, at most
 * AZK_SERVE_UPLOADS_HELD_MAX: one operator's session opening many connections cannot make
 * the server hold 16 MiB for each of them. A body over the budget is dropped, its request
 * answered 503 with Retry-After. 16 KiB bodies are not counted (the connection limit bounds
 * them).
 */
static atomic_size_t uploads_held;

static void unhold(struct conn_state *cs)
{
    (void)atomic_fetch_sub(&uploads_held, cs->held);
    cs->held = 0;
}

static bool hold(struct conn_state *cs, size_t n)
{
    if (cs->body.max <= AZK_SERVE_BODY_MAX && cs->up == NULL)
        return true;
    if (atomic_fetch_add(&uploads_held, n) + n > AZK_SERVE_UPLOADS_HELD_MAX) {
        (void)atomic_fetch_sub(&uploads_held, n);
        cs->busy = true; /* what this body held goes now, the rest is dropped */
        azk_serve__upload_free(cs->up);
        cs->up = NULL;
        azk_buf_dispose_secret(&cs->body);
        unhold(cs);
        return false;
    }
    cs->held += n;
    return true;
}

/* A body trickling in (slow loris: a byte now and then, so the connection is never silent
 * for connection_timeout_s): once that long has passed since the headers, it must have come
 * at AZK_SERVE_BODY_MIN_RATE bytes a second on average, else the connection is closed. */
static bool too_slow(const struct azk_server *srv, const struct conn_state *cs)
{
    struct timespec now;
    double t, grace = (double)srv->opts.connection_timeout_s;
    (void)clock_gettime(CLOCK_MONOTONIC, &now);
    t = (double)(now.tv_sec - cs->start.tv_sec) + (double)(now.tv_nsec - cs->start.tv_nsec) / 1e9;
    return t > grace && (double)cs->got < (t - grace) * AZK_SERVE_BODY_MIN_RATE;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    struct azk_serve_gen *g = cls;
    struct azk_server *srv = g->srv;
    struct conn_state *cs = *con_cls;
    struct azk_serve_resp rs;
    enum MHD_Result ret;
    (void)version;
    if (cs == NULL) {
        cs = azk_calloc(1, sizeof(*cs));
        if (cs == NULL)
            return MHD_NO;
        /* the body this route accepts (16 KiB but for the routes taking files); too large:
         * 413 */
        cs->body.max = azk_serve__route_body_max(method, url);
        cs->drain_max = azk_serve__drain_max(cs->body.max);
        (void)clock_gettime(CLOCK_MONOTONIC, &cs->start);
        *con_cls = cs;
        azk_serve__inflight(g, +1); /* until on_completed: a stop waits for it */
        cs->framing = azk_serve__framing_bad(c);
        if (cs->framing != NULL) {
            /* answered now, no byte of the body read (MHD closes the connection after) */
            memset(&rs, 0, sizeof(rs));
            (void)pthread_mutex_lock(&srv->plat->lock);
            handle(srv, c, url, method, cs, &rs);
            (void)pthread_mutex_unlock(&srv->plat->lock);
            ret = send_resp(c, &rs);
            azk_buf_dispose(&rs.body);
            return ret;
        }
        if (cs->body.max > AZK_SERVE_BODY_MAX)
            return gate(srv, c, url, method, cs);
        return MHD_YES;
    }
    if (*upload_data_size > 0) {
        /* each connection has its thread: a slow upload holds only its own. A body past its
         * route's limit is dropped (the answer, 413 or 403, comes as a page when it ends),
         * but read at most to drain_max: a client streaming without end is cut off */
        size_t n = *upload_data_size;
        cs->got += n;
        *upload_data_size = 0;
        if (cs->got > cs->drain_max || too_slow(srv, cs))
            return MHD_NO;
        if (cs->busy || cs->too_big || cs->dropping || !hold(cs, n))
            return MHD_YES;
        if (cs->up != NULL ? !azk_serve__upload_feed(cs->up, upload_data, n)
                           : azk_buf_put(&cs->body, upload_data, n) != AZK_OK) {
            /* refused (413, 403, 400): what it held goes now, the rest is dropped */
            cs->dropping = true;
            cs->too_big = cs->up == NULL;
            azk_buf_dispose_secret(&cs->body);
            unhold(cs);
        }
        return MHD_YES;
    }
    memset(&rs, 0, sizeof(rs));
    rs.status = 200;
    /* one request at a time on the home handle (and gettext's LANGUAGE) */
    (void)pthread_mutex_lock(&srv->plat->lock);
    handle(srv, c, url, method, cs, &rs);
    (void)pthread_mutex_unlock(&srv->plat->lock);
    ret = send_resp(c, &rs);
    azk_buf_dispose(&rs.body);
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    struct azk_serve_gen *g = cls;
    struct conn_state *cs = *con_cls;
    (void)c;
    (void)toe;
    if (cs != NULL) {
        unhold(cs);
        azk_buf_dispose_secret(&cs->body);
        azk_serve__upload_free(cs->up);
        azk_free(cs);
        *con_cls = NULL;
        azk_serve__inflight(g, -1);
    }
}

/* ---- the TLS daemon ---------------------------------------------------- */

/*
 * URL unescaping (path and query arguments): MHD's own, except that a
 * text holding %00 is left as it is: decoded, the NUL would cut the path
 * or the value short ("/static/azukari.css%00.txt" read as the style
 * sheet); undecoded, it matches no route and no valid argument.
 */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
    (void)cls;
    (void)c;
    for (const char *p = strchr(s, '%'); p != NULL; p = strchr(p + 1, '%'))
        if (p[1] == '0' && p[2] == '0')
            return strlen(s);
    return MHD_http_unescape(s);
}

void *azk_serve__mhd_start(struct azk_serve_gen *g, int listen_fd, const char *cert_pem,
                           const char *key_pem)
{
    struct azk_server *srv = g->srv;
    struct azk_serve_plat *pl = srv->plat;
    unsigned flags = MHD_USE_TLS | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                     MHD_USE_ITC | MHD_USE_POLL;
    struct MHD_OptionItem o[20];
    size_t n = 0;
    if (pl->sa.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (listen_fd >= 0)
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_LISTEN_SOCKET, listen_fd, NULL};
    else
        o[n++] = (struct MHD_OptionItem){MHD_OPTION_SOCK_ADDR, 0, &pl->sa};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, (void *)(uintptr_t)key_pem};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, (void *)(uintptr_t)cert_pem};
    o[n++] =
        (struct MHD_OptionItem){MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)(uintptr_t)tls_priorities};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)on_completed, g};
    o[n++] =
        (struct MHD_OptionItem){MHD_OPTION_CONNECTION_LIMIT, (intptr_t)pl->max_connections, NULL};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                     (intptr_t)pl->max_per_source, NULL};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_TIMEOUT,
                                     (intptr_t)srv->opts.connection_timeout_s, NULL};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_CONNECTION_MEMORY_LIMIT, (intptr_t)65536, NULL};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_UNESCAPE_CALLBACK, (intptr_t)unescape, NULL};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_THREAD_STACK_SIZE, (intptr_t)(1024 * 1024), NULL};
    o[n++] = (struct MHD_OptionItem){MHD_OPTION_END, 0, NULL};
    return MHD_start_daemon(flags, listen_fd >= 0 ? 0 : (uint16_t)srv->opts.port, NULL, NULL,
                            on_request, g, MHD_OPTION_ARRAY, o, MHD_OPTION_END);
}
