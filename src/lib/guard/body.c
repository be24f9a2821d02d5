/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard/body.c -- inspecting one HTTP request body as it streams in.
 *
 *   received bytes -> Content-Encoding (gzip/deflate via zlib; anything
 *   else cannot be read) -> splitter (multipart/form-data parts, RFC 7578
 *   and RFC 2046 5.1; application/x-www-form-urlencoded percent-decoding;
 *   raw) -> one scanner stream per part.
 *
 * Each stream is a socket pair read by a scanning thread (azk_scanner_scan_fd
 * with this worker's scanner, one stream at a time) so memory stays
 * bounded whatever the body size. Nothing is skipped: bytes outside parts
 * (preamble, epilogue, a part whose headers never end) are scanned too.
 * Decoding failures, a compression ratio above the policy's, a body above
 * max_body and scanner failures are recorded in the decision; the verdict
 * then blocks (fail closed). Nothing here logs a byte of the body.
 */
#include "guard/guard_int.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#define ZOUT_LEN       (64u * 1024u)
#define MP_BUF_MAX     (64u * 1024u)
#define MP_HEADERS_MAX (16u * 1024u)
#define RATIO_FLOOR    (1024u * 1024u) /* ratios are judged past 1 MiB of output */
#define PIPE_SIZE      (1024 * 1024)

enum { K_RAW = 0, K_MULTIPART, K_URLENC };
enum { MP_CONTENT = 0, MP_AFTER_DELIM, MP_HEADERS, MP_EPILOGUE };

struct scan_job {
    azk_scanner *scanner;
    int rfd;
    char name[32];
    azk_guard_decision d;
    azk_status rc;
};

struct stream {
    bool open;
    bool dead; /* the scanner stopped reading */
    int wfd;
    pthread_t th;
    struct scan_job job;
};

struct azk_guard_body {
    azk_scanner *scanner;
    const azk_guard_policy *policy;
    azk_guard_decision *d;
    bool failed; /* stop inspecting; the decision already blocks */

    bool zlib;
    bool z_active;
    bool z_ended; /* last inflate reached Z_STREAM_END */
    z_stream zs;
    uint8_t *zout;
    uint64_t in_total, out_total;

    int kind;
    char delim[80]; /* CRLF "--" boundary */
    size_t dlen;
    int mp_state;
    azk_buf mp;
    unsigned part_no;
    uint8_t pct[2];
    int pct_n;
    uint8_t *ubuf; /* url-decoding output */

    struct stream cur;
};

/* ---- scanner streams ------------------------------------------------------------ */

static azk_status job_cb(const azk_scan_result *r, void *payload)
{
    azk_guard_decision_add(payload, r);
    return AZK_OK;
}

static void *job_main(void *arg)
{
    struct scan_job *j = arg;
    j->rc = azk_scanner_scan_fd(j->scanner, j->rfd, j->name, job_cb, &j->d, NULL);
    close(j->rfd); /* a writer still writing gets EPIPE */
    j->rfd = -1;
    return NULL;
}

static void merge(azk_guard_decision *d, const azk_guard_decision *s)
{
    size_t i, j;
    for (i = 0; i < AZK_PII__COUNT; i++)
        d->counts[i] += s->counts[i];
    if (s->score > d->score)
        d->score = s->score;
    d->objects += s->objects;
    d->edm_rows += s->edm_rows;
    d->unreadable += s->unreadable;
    for (i = 0; i < AZK_GUARD_CLASS__COUNT; i++)
        d->classes[i] += s->classes[i];
    d->reasons |= s->reasons;
    if (d->unreadable_code[0] == '\0' && s->unreadable_code[0] != '\0')
        memcpy(d->unreadable_code, s->unreadable_code, sizeof(d->unreadable_code));
    for (i = 0; i < s->edm_count; i++) {
        for (j = 0; j < d->edm_count; j++) {
            if (strcmp(d->edm[j].client, s->edm[i].client) == 0 &&
                strcmp(d->edm[j].dataset, s->edm[i].dataset) == 0)
                break;
        }
        if (j == d->edm_count) {
            if (d->edm_count == AZK_GUARD_EDM_MAX)
                continue;
            d->edm[j] = s->edm[i];
            d->edm[j].rows = 0;
            d->edm_count++;
        }
        d->edm[j].rows += s->edm[i].rows;
    }
}

static void body_fail(struct azk_guard_body *b, uint32_t reason, const char *code)
{
    azk_guard_decision_fail(b->d, reason, code);
    b->failed = true;
}

static void stream_open(struct azk_guard_body *b, const char *name)
{
    int fds[2];
    int bufsz = PIPE_SIZE;
    struct stream *s = &b->cur;
    memset(s, 0, sizeof(*s));
    /* a socket pair, not a pipe: send(MSG_NOSIGNAL) reports a scanner that
     * stopped reading as EPIPE without raising SIGPIPE in the host process */
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
        body_fail(b, AZK_GUARD_R_INTERNAL, "socketpair");
        return;
    }
    (void)shutdown(fds[0], SHUT_WR);
    (void)shutdown(fds[1], SHUT_RD);
    (void)setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
    s->wfd = fds[1];
    s->job.scanner = b->scanner;
    s->job.rfd = fds[0];
    snprintf(s->job.name, sizeof(s->job.name), "%s", name);
    azk_guard_decision_init(&s->job.d);
    if (pthread_create(&s->th, NULL, job_main, &s->job) != 0) {
        close(fds[0]);
        close(fds[1]);
        body_fail(b, AZK_GUARD_R_INTERNAL, "thread");
        return;
    }
    s->open = true;
}

static void stream_close(struct azk_guard_body *b)
{
    struct stream *s = &b->cur;
    if (!s->open)
        return;
    close(s->wfd);
    pthread_join(s->th, NULL);
    s->open = false;
    merge(b->d, &s->job.d);
    if (s->job.rc != AZK_OK)
        azk_guard_decision_fail(b->d, AZK_GUARD_R_INTERNAL, azk_status_name(s->job.rc));
    if (s->dead) {
        /* the scanner stopped reading before the end (a binary stream it does not
         * interpret): the rest was not inspected, so the object counts as unreadable
         * and the policy decides (closed zone: block) */
        azk_guard__decision_unreadable(b->d, AZK_GUARD_CLASS_BINARY, "not-inspected");
    }
    if (s->job.d.objects == 0)
        azk_guard_decision_fail(b->d, AZK_GUARD_R_INTERNAL, "no-result");
}

static void stream_write(struct azk_guard_body *b, const char *name, const uint8_t *p, size_t n)
{
    struct stream *s = &b->cur;
    if (n == 0 || b->failed)
        return;
    if (!s->open) {
        stream_open(b, name);
        if (!s->open)
            return;
    }
    while (n > 0 && !s->dead) {
        ssize_t w = send(s->wfd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            s->dead = true; /* EPIPE: recorded when the stream closes */
            break;
        }
        p += w;
        n -= (size_t)w;
    }
}

/* ---- splitters ------------------------------------------------------------------- */

static const uint8_t *find(const uint8_t *h, size_t hl, const char *n, size_t nl)
{
    return memmem(h, hl, n, nl);
}

static void mp_content_name(struct azk_guard_body *b, char *out, size_t cap)
{
    if (b->mp_state == MP_EPILOGUE)
        snprintf(out, cap, "epilogue");
    else if (b->part_no == 0)
        snprintf(out, cap, "preamble");
    else
        snprintf(out, cap, "part-%u", b->part_no);
}

/* Process b->mp as far as it can be; `final` = no more input follows. */
static void mp_run(struct azk_guard_body *b, bool final)
{
    char name[32];
    for (;;) {
        uint8_t *buf = b->mp.data;
        size_t len = b->mp.len;
        if (b->failed)
            return;
        if (b->mp_state == MP_CONTENT) {
            const uint8_t *hit = len > 0 ? find(buf, len, b->delim, b->dlen) : NULL;
            mp_content_name(b, name, sizeof(name));
            if (hit != NULL) {
                size_t i = (size_t)(hit - buf);
                stream_write(b, name, buf, i);
                stream_close(b);
                azk_buf_consume(&b->mp, i + b->dlen);
                b->mp_state = MP_AFTER_DELIM;
                continue;
            }
            if (final) {
                stream_write(b, name, buf, len);
                azk_buf_consume(&b->mp, len);
            } else if (len >= b->dlen) {
                size_t emit = len - (b->dlen - 1);
                stream_write(b, name, buf, emit);
                azk_buf_consume(&b->mp, emit);
            }
            return;
        }
        if (b->mp_state == MP_AFTER_DELIM) {
            size_t i = 0;
            if (len >= 2 && buf[0] == '-' && buf[1] == '-') {
                azk_buf_consume(&b->mp, 2);
                b->mp_state = MP_EPILOGUE;
                continue;
            }
            while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
                i++;
            if (i + 2 <= len) {
                if (buf[i] != '\r' || buf[i + 1] != '\n') {
                    /* not a delimiter line after all: treat the bytes as content */
                    b->mp_state = MP_CONTENT;
                    mp_content_name(b, name, sizeof(name));
                    stream_write(b, name, (const uint8_t *)b->delim + 2, b->dlen - 2);
                    continue;
                }
                azk_buf_consume(&b->mp, i + 2);
                b->mp_state = MP_HEADERS;
                continue;
            }
            if (len > 256 || final) {
                b->mp_state = MP_CONTENT;
                continue;
            }
            return;
        }
        if (b->mp_state == MP_HEADERS) {
            const uint8_t *end;
            size_t hl;
            if (len >= 2 && buf[0] == '\r' && buf[1] == '\n') {
                hl = 2; /* a part without header fields */
            } else {
                end = find(buf, len, "\r\n\r\n", 4);
                if (end == NULL) {
                    if (len > MP_HEADERS_MAX || final) {
                        /* headers that never end: scan them as content, fail closed */
                        b->part_no++;
                        b->mp_state = MP_CONTENT;
                        azk_guard_decision_fail(b->d, AZK_GUARD_R_PROTOCOL, "multipart");
                        continue;
                    }
                    return;
                }
                hl = (size_t)(end - buf) + 4;
            }
            azk_buf_consume(&b->mp, hl);
            b->part_no++;
            b->mp_state = MP_CONTENT;
            continue;
        }
        /* epilogue: scanned too, unless it is only the customary line break */
        if (!b->cur.open) {
            size_t ws = 0;
            while (ws < len &&
                   (buf[ws] == '\r' || buf[ws] == '\n' || buf[ws] == ' ' || buf[ws] == '\t'))
                ws++;
            azk_buf_consume(&b->mp, ws);
            buf = b->mp.data;
            len = b->mp.len;
        }
        mp_content_name(b, name, sizeof(name));
        stream_write(b, name, buf, len);
        azk_buf_consume(&b->mp, len);
        return;
    }
}

static void mp_feed(struct azk_guard_body *b, const uint8_t *p, size_t n)
{
    while (n > 0 && !b->failed) {
        size_t room = MP_BUF_MAX - b->mp.len;
        size_t take = n < room ? n : room;
        if (take == 0) {
            mp_run(b, false);
            if (b->mp.len == MP_BUF_MAX) {
                body_fail(b, AZK_GUARD_R_INTERNAL, "multipart");
                return;
            }
            continue;
        }
        if (azk_buf_put(&b->mp, p, take) != AZK_OK) {
            body_fail(b, AZK_GUARD_R_INTERNAL, "nomem");
            return;
        }
        p += take;
        n -= take;
        mp_run(b, false);
    }
}

/* application/x-www-form-urlencoded: '+' -> space, %XX -> byte, '&' -> newline. */
static void url_feed(struct azk_guard_body *b, const uint8_t *p, size_t n)
{
    size_t o = 0, i;
    for (i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (b->pct_n > 0) {
            b->pct[b->pct_n - 1] = c;
            if (b->pct_n == 2) {
                int h = azk_hexval(b->pct[0]), l = azk_hexval(b->pct[1]);
                if (h < 0 || l < 0) {
                    b->ubuf[o++] = '%';
                    b->ubuf[o++] = b->pct[0];
                    b->ubuf[o++] = b->pct[1];
                } else {
                    b->ubuf[o++] = (uint8_t)(h * 16 + l);
                }
                b->pct_n = 0;
            } else {
                b->pct_n++;
            }
        } else if (c == '%') {
            b->pct_n = 1;
        } else if (c == '+') {
            b->ubuf[o++] = ' ';
        } else if (c == '&') {
            b->ubuf[o++] = '\n';
        } else if (c == '=') {
            b->ubuf[o++] = '\t';
        } else {
            b->ubuf[o++] = c;
        }
        if (o + 3 >= ZOUT_LEN) {
            stream_write(b, "form", b->ubuf, o);
            o = 0;
        }
    }
    stream_write(b, "form", b->ubuf, o);
}

static void decoded(struct azk_guard_body *b, const uint8_t *p, size_t n)
{
    if (b->failed || n == 0)
        return;
    b->out_total += n;
    b->d->bytes += n;
    if (b->policy->max_body > 0 && b->out_total > b->policy->max_body) {
        body_fail(b, AZK_GUARD_R_LIMIT, "max-body");
        return;
    }
    if (b->zlib && b->out_total > RATIO_FLOOR &&
        b->out_total / (b->in_total > 0 ? b->in_total : 1) >= b->policy->max_ratio) {
        body_fail(b, AZK_GUARD_R_LIMIT, "ratio");
        return;
    }
    switch (b->kind) {
        case K_MULTIPART:
            mp_feed(b, p, n);
            break;
        case K_URLENC:
            url_feed(b, p, n);
            break;
        default:
            stream_write(b, "body", p, n);
            break;
    }
}

/* ---- public (internal) API ------------------------------------------------------- */

azk_status azk_guard__body_new(struct azk_guard_body **out, azk_scanner *scanner,
                               const azk_guard_policy *policy,
                               const struct azk_guard_body_info *info, azk_guard_decision *d)
{
    struct azk_guard_body *b;
    const char *ce = info->content_encoding != NULL ? info->content_encoding : "";
    const char *ct = info->content_type != NULL ? info->content_type : "";
    char boundary[80];
    *out = NULL;
    b = azk_calloc(1, sizeof(*b));
    if (b == NULL)
        return azk_error_nomem();
    b->scanner = scanner;
    b->policy = policy;
    b->d = d;
    b->mp.max = MP_BUF_MAX;
    if (info->encoding_repeated || strchr(ce, ',') != NULL) {
        /* stacked encodings are not decoded: cannot be read */
        azk_guard__decision_unreadable(d, AZK_GUARD_CLASS_ERROR, "encoding");
        b->failed = true;
    } else if (strcasecmp(ce, "gzip") == 0 || strcasecmp(ce, "x-gzip") == 0 ||
               strcasecmp(ce, "deflate") == 0) {
        b->zlib = true;
        b->zout = azk_malloc(ZOUT_LEN);
        if (b->zout == NULL) {
            azk_free(b);
            return azk_error_nomem();
        }
        /* 15 + 32: zlib or gzip header detected automatically */
        if (inflateInit2(&b->zs, 15 + 32) != Z_OK) {
            azk_free(b->zout);
            azk_free(b);
            return azk_error_set(AZK_ERR_NOMEM, "guard: zlib initialisation failed");
        }
        b->z_active = true;
    } else if (ce[0] != '\0' && strcasecmp(ce, "identity") != 0) {
        azk_guard__decision_unreadable(d, AZK_GUARD_CLASS_ERROR, "encoding");
        b->failed = true;
    }
    if (azk_http__multipart_boundary(ct, boundary, sizeof(boundary))) {
        b->kind = K_MULTIPART;
        b->dlen = (size_t)snprintf(b->delim, sizeof(b->delim), "\r\n--%s", boundary);
        /* a body that starts with the first delimiter has no CRLF before it */
        if (azk_buf_put(&b->mp, "\r\n", 2) != AZK_OK) {
            azk_guard__body_free(b);
            return azk_error_nomem();
        }
    } else if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
        b->kind = K_URLENC;
        b->ubuf = azk_malloc(ZOUT_LEN);
        if (b->ubuf == NULL) {
            azk_guard__body_free(b);
            return azk_error_nomem();
        }
    } else if (strncasecmp(ct, "multipart/", 10) == 0) {
        /* multipart without a usable boundary: scanned raw, flagged */
        azk_guard_decision_fail(d, AZK_GUARD_R_PROTOCOL, "multipart");
    }
    *out = b;
    return AZK_OK;
}

void azk_guard__body_write(struct azk_guard_body *b, const uint8_t *p, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (!b->zlib) {
        decoded(b, p, n);
        return;
    }
    b->in_total += n;
    b->zs.next_in = (Bytef *)(uintptr_t)p;
    b->zs.avail_in = (uInt)n;
    while (b->zs.avail_in > 0 && !b->failed) {
        int zr;
        if (b->z_ended) {
            /* concatenated gzip members (RFC 1952 2.2) */
            if (inflateReset(&b->zs) != Z_OK) {
                body_fail(b, AZK_GUARD_R_INTERNAL, "zlib");
                return;
            }
            b->z_ended = false;
        }
        b->zs.next_out = b->zout;
        b->zs.avail_out = ZOUT_LEN;
        zr = inflate(&b->zs, Z_NO_FLUSH);
        if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
            azk_guard__decision_unreadable(b->d, AZK_GUARD_CLASS_ERROR, "format");
            b->failed = true;
            return;
        }
        decoded(b, b->zout, ZOUT_LEN - b->zs.avail_out);
        if (zr == Z_STREAM_END)
            b->z_ended = true;
        else if (zr == Z_BUF_ERROR && b->zs.avail_out != 0)
            break;
    }
}

void azk_guard__body_finish(struct azk_guard_body *b)
{
    if (b->zlib && !b->failed) {
        /* drain what inflate still holds */
        for (;;) {
            int zr;
            if (b->z_ended)
                break;
            b->zs.next_in = NULL;
            b->zs.avail_in = 0;
            b->zs.next_out = b->zout;
            b->zs.avail_out = ZOUT_LEN;
            zr = inflate(&b->zs, Z_FINISH);
            decoded(b, b->zout, ZOUT_LEN - b->zs.avail_out);
            if (zr == Z_STREAM_END) {
                b->z_ended = true;
                break;
            }
            if (zr != Z_OK && zr != Z_BUF_ERROR) {
                break;
            }
            if (b->zs.avail_out != 0 || b->failed)
                break;
        }
        if (!b->z_ended && !b->failed) {
            /* truncated compressed body: what was decoded was scanned, but not all */
            azk_guard__decision_unreadable(b->d, AZK_GUARD_CLASS_ERROR, "format");
        }
    }
    if (b->kind == K_MULTIPART && !b->failed)
        mp_run(b, true);
    if (b->kind == K_URLENC && b->pct_n > 0 && !b->failed) {
        uint8_t rest[3] = {'%', b->pct[0], b->pct[1]};
        stream_write(b, "form", rest, (size_t)b->pct_n);
        b->pct_n = 0;
    }
    stream_close(b);
}

void azk_guard__body_free(struct azk_guard_body *b)
{
    if (b == NULL)
        return;
    if (b->cur.open)
        stream_close(b);
    if (b->z_active)
        inflateEnd(&b->zs);
    azk_free(b->zout);
    azk_free(b->ubuf);
    azk_buf_dispose(&b->mp);
    azk_free(b);
}
