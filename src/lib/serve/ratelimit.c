/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/ratelimit.c -- limits that hold across every serve process of one
 * catalog: request rate per source address and per user (counted in the
 * catalog's rate_limits table, fixed 60-second windows; over the limit:
 * 429 with Retry-After), the pre-login CSRF key (table serve_keys: a login
 * form served by one process can be posted to another), and which errors
 * mean "the catalog is unreachable" (503 rather than 500).
 */
#include "serve/serve_int.h"
#include "store/serve_plat.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define WINDOW 60

/* Paths never counted: the health check (load balancers) and the style sheet. */
static bool exempt(const char *path)
{
    return strcmp(path, "/healthz") == 0 || strncmp(path, "/static/", 8) == 0;
}

unsigned azk_serve__rate_wait(int64_t prev, int64_t cur, int64_t limit, int64_t elapsed,
                              int64_t window)
{
    int64_t wait;
    /* over: prev * (window - elapsed) / window + cur > limit, in integers */
    if (prev * (window - elapsed) + cur * window <= limit * window)
        return 0;
    if (cur > limit) /* this window alone is over: into the next one, until its weight fades */
        wait = window - elapsed + (window * (cur - limit) + cur - 1) / cur;
    else /* until enough of the previous window has slid out */
        wait = window - (limit - cur) * window / prev - elapsed;
    return (unsigned)(wait < 1 ? 1 : wait > 2 * window ? 2 * window : wait);
}

azk_status azk_serve__rate_check(struct azk_server *srv, const struct azk_serve_req *rq,
                                 unsigned *retry_after)
{
    char src[80], user[96];
    const char *keys[2];
    int64_t hits[2] = {0, 0}, prev[2] = {0, 0};
    unsigned w;
    int64_t now = (int64_t)time(NULL), start = now - now % WINDOW;
    size_t n = 0;
    azk_status rc;
    *retry_after = 0;
    if (exempt(rq->path))
        return AZK_OK;
    (void)snprintf(src, sizeof(src), "src:%s", rq->source);
    keys[n++] = src;
    if (rq->who.authenticated) {
        (void)snprintf(user, sizeof(user), "user:%s", rq->who.name);
        keys[n++] = user;
    }
    rc = azk_store__rate_hits(srv->h, keys, n, start, start - WINDOW, hits, prev);
    if (rc != AZK_OK)
        return rc;
    *retry_after = azk_serve__rate_wait(prev[0], hits[0], (int64_t)srv->opts.rate_source_per_min,
                                        now - start, WINDOW);
    if (n > 1) {
        w = azk_serve__rate_wait(prev[1], hits[1], (int64_t)srv->opts.rate_user_per_min,
                                 now - start, WINDOW);
        if (w > *retry_after)
            *retry_after = w;
    }
    return AZK_OK;
}

azk_status azk_serve__form_key_load(struct azk_server *srv)
{
    uint8_t cand[32];
    azk_status rc;
    randombytes_buf(cand, sizeof(cand));
    rc = azk_store__serve_key(srv->h, "login-csrf", cand, srv->form_key);
    sodium_memzero(cand, sizeof(cand));
    return rc;
}

bool azk_serve__db_unavailable(struct azk_server *srv, azk_status rc)
{
    return rc == AZK_ERR_DB && azk_store__catalog_lost(srv->h);
}
