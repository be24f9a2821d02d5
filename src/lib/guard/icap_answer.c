/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard/icap_answer.c -- the ICAP service's side of one connection that
 * talks to the socket: reads with poll() against deadlines, writes that
 * finish or fail, and the answers (OPTIONS, 204, the spool echoed back,
 * the Japanese block page, ICAP errors). No byte of a body or URL is
 * logged. Part of the service in icap_server.c (shared: icap_int.h).
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

/* ---- I/O ------------------------------------------------------------------------ */

uint64_t azk_icap__now_ms(void)
{
    return azk_now_ns() / 1000000u;
}

static bool send_all(struct conn *c, const void *data, size_t n)
{
    const uint8_t *p = data;
    while (n > 0) {
        struct pollfd pfd = {c->fd, POLLOUT, 0};
        ssize_t w;
        int pr = poll(&pfd, 1, (int)c->srv->idle_ms);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return false;
        w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (w <= 0)
            return false;
        p += w;
        n -= (size_t)w;
    }
    return true;
}

bool azk_icap__send_str(struct conn *c, const char *s)
{
    return send_all(c, s, strlen(s));
}

/* Read more bytes into c->buf (which is empty). 0 = got some, 1 = EOF, -1 = timeout/error. */
int azk_icap__fill(struct conn *c, uint64_t deadline)
{
    for (;;) {
        struct pollfd pfd = {c->fd, POLLIN, 0};
        int timeout = (int)c->srv->idle_ms;
        int pr;
        ssize_t r;
        if (deadline != 0) {
            uint64_t t = azk_icap__now_ms();
            if (t >= deadline)
                return -1;
            if (deadline - t < (uint64_t)timeout)
                timeout = (int)(deadline - t);
        }
        pr = poll(&pfd, 1, timeout);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0)
            return -1;
        r = recv(c->fd, c->buf, CONN_BUF, 0);
        if (r < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            return 1;
        c->off = 0;
        c->len = (size_t)r;
        return 0;
    }
}

/* ---- answers ----------------------------------------------------------------------- */

static const char *status_text(int st)
{
    switch (st) {
        case 400:
            return "Bad Request";
        case 404:
            return "ICAP Service Not Found";
        case 405:
            return "Method Not Allowed For Service";
        case 408:
            return "Request Timeout";
        case 500:
            return "Server Error";
        case 503:
            return "Service Overloaded";
        case 505:
            return "ICAP Version Not Supported";
    }
    return "Server Error";
}

void azk_icap__send_error(struct conn *c, int st)
{
    char h[256];
    snprintf(h, sizeof(h),
             "ICAP/1.0 %d %s\r\nISTag: \"%s\"\r\nService: azukari-guard\r\n"
             "Encapsulated: null-body=0\r\nConnection: close\r\n\r\n",
             st, status_text(st), c->srv->istag);
    (void)azk_icap__send_str(c, h);
}

bool azk_icap__send_options(struct conn *c)
{
    char h[512];
    snprintf(h, sizeof(h),
             "ICAP/1.0 200 OK\r\nMethods: REQMOD\r\nService: azukari-guard/%s\r\n"
             "ISTag: \"%s\"\r\nEncapsulated: null-body=0\r\nMax-Connections: %u\r\n"
             "Options-TTL: 300\r\nAllow: 204\r\nPreview: %d\r\nTransfer-Preview: *\r\n\r\n",
             azk_version(), c->srv->istag, c->srv->nworkers, PREVIEW_SIZE);
    return azk_icap__send_str(c, h);
}

bool azk_icap__send_204(struct conn *c)
{
    char h[256];
    snprintf(h, sizeof(h),
             "ICAP/1.0 204 No Content\r\nISTag: \"%s\"\r\nService: azukari-guard\r\n"
             "Encapsulated: null-body=0\r\n\r\n",
             c->srv->istag);
    return azk_icap__send_str(c, h);
}

static bool send_chunk(struct conn *c, const uint8_t *p, size_t n)
{
    char h[32];
    if (n == 0)
        return true;
    snprintf(h, sizeof(h), "%zx\r\n", n);
    return azk_icap__send_str(c, h) && send_all(c, p, n) && azk_icap__send_str(c, "\r\n");
}

static azk_status replay_cb(const uint8_t *p, size_t n, void *payload)
{
    return send_chunk(payload, p, n) ? AZK_OK : azk_error_set(AZK_ERR_IO, "icap: send failed");
}

/* 200 echoing the request as received (headers and body). */
bool azk_icap__send_echo(struct conn *c, struct azk_guard_spool *spool)
{
    char h[256];
    const uint8_t *hdr = c->p.http.data + c->p.req_hdr_off;
    size_t hl = c->p.req_hdr_len;
    bool body = c->p.has_body;
    snprintf(h, sizeof(h),
             "ICAP/1.0 200 OK\r\nISTag: \"%s\"\r\nService: azukari-guard\r\n"
             "Encapsulated: req-hdr=0, %s=%zu\r\n\r\n",
             c->srv->istag, body ? "req-body" : "null-body", hl);
    if (!azk_icap__send_str(c, h) || !send_all(c, hdr, hl))
        return false;
    if (!body)
        return true;
    if (spool != NULL && azk_guard__spool_replay(spool, replay_cb, c) != AZK_OK)
        return false;
    return azk_icap__send_str(c, "0\r\n\r\n");
}

static const char *reason_ja(uint32_t bit)
{
    switch (bit) {
        case AZK_GUARD_R_EDM:
            return "預かりデータ（委託を受けた個人情報のレコード）が含まれています";
        case AZK_GUARD_R_PII_BLOCK:
            return "個人情報が基準を超えて含まれています";
        case AZK_GUARD_R_UNREADABLE:
            return "内容を確認できない形式です（読み取れないものは送信できません）";
        case AZK_GUARD_R_LIMIT:
            return "検査の上限（サイズ・圧縮率）を超えました";
        case AZK_GUARD_R_INTERNAL:
            return "検査を完了できませんでした";
        case AZK_GUARD_R_PROTOCOL:
            return "送信データの形式が不正です";
        case AZK_GUARD_R_IMAGE:
            return "画像は、ポリシーで許可されていない限り送信できません（画像の文字は検査できませ"
                   "ん）";
    }
    return NULL;
}

bool azk_icap__send_block(struct conn *c, const azk_guard_decision *d, const char *incident)
{
    azk_buf page = AZK_BUF_INIT, res = AZK_BUF_INIT;
    char h[256];
    bool ok = false;
    uint32_t bit;
    azk_status rc;
    rc = azk_buf_puts(&page,
                      "<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n"
                      "<title>送信を遮断しました</title>\n</head>\n<body>\n"
                      "<h1>送信を遮断しました</h1>\n"
                      "<p>この送信は azukari 送信ガードにより遮断されました。"
                      "閉域ゾーンの預かりデータや個人情報を一般ネットワークへ持ち出すことは"
                      "できません。</p>\n<ul>\n");
    for (bit = 1; rc == AZK_OK && bit <= AZK_GUARD_R_IMAGE; bit <<= 1) {
        const char *t = (d->reasons & bit) ? reason_ja(bit) : NULL;
        if (t != NULL)
            rc = azk_buf_printf(&page, "<li>%s</li>\n", t);
    }
    if (rc == AZK_OK)
        rc = azk_buf_printf(&page,
                            "</ul>\n<p>インシデント番号: <code>%s</code></p>\n"
                            "<p>業務上どうしても必要な場合は、このインシデント番号を添えて"
                            "管理者に承認を依頼してください。</p>\n</body>\n</html>\n",
                            incident);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&res,
                            "HTTP/1.1 403 Forbidden\r\nContent-Type: text/html; charset=utf-8\r\n"
                            "Content-Length: %zu\r\nCache-Control: no-store\r\n"
                            "X-Azukari-Incident: %s\r\nConnection: close\r\n\r\n",
                            page.len, incident);
    if (rc != AZK_OK)
        goto done;
    snprintf(h, sizeof(h),
             "ICAP/1.0 200 OK\r\nISTag: \"%s\"\r\nService: azukari-guard\r\n"
             "Encapsulated: res-hdr=0, res-body=%zu\r\n\r\n",
             c->srv->istag, res.len);
    ok = azk_icap__send_str(c, h) && send_all(c, res.data, res.len) &&
         send_chunk(c, page.data, page.len) && azk_icap__send_str(c, "0\r\n\r\n");
done:
    azk_buf_dispose(&page);
    azk_buf_dispose(&res);
    return ok;
}
