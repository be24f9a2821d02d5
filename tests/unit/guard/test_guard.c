/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/guard/test_guard.c -- the ICAP/1.0 parser (RFC 3507) fed whole
 * and byte by byte: OPTIONS, REQMOD with chunked bodies, previews with and
 * without ieof, pipelined requests; and every malformed input it must
 * refuse with the right ICAP status (bad request line, version, method,
 * missing or disordered Encapsulated, huge/negative/garbage chunk sizes,
 * missing CRLF, oversized heads, previews larger than announced). Also the
 * HTTP header helpers, the encrypted spool and the body inspector's limits
 * (compression bomb, truncated gzip, unknown encodings).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <zlib.h>

#include "guard/guard_int.h"
#include "azukari/home.h"
#include "azukari/retention.h"

#include <liboath/oath.h>
#include <time.h>

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

struct run {
    int events[64];
    size_t event_count;
    uint8_t data[65536];
    size_t data_len;
    azk_status rc;
    int status;
};

/* Feed `in` in pieces of `step` bytes; on PREVIEW_END continue when `cont`. */
static void drive(struct azk_icap_parser *p, const char *in, size_t len, size_t step, bool cont,
                  struct run *r)
{
    size_t off = 0;
    memset(r, 0, sizeof(*r));
    while (off <= len) {
        size_t piece = len - off < step ? len - off : step;
        size_t pos = 0;
        for (;;) {
            size_t used = 0;
            enum azk_icap_event ev;
            r->rc = azk_icap__feed(p, (const uint8_t *)in + off + pos, piece - pos, &used, &ev);
            if (r->rc != AZK_OK) {
                r->status = p->status;
                return;
            }
            pos += used;
            if (ev == AZK_ICAP_EV_NONE)
                break;
            if (r->event_count < 64)
                r->events[r->event_count++] = ev;
            if (ev == AZK_ICAP_EV_DATA) {
                assert_true(r->data_len + p->data_len <= sizeof(r->data));
                memcpy(r->data + r->data_len, p->data, p->data_len);
                r->data_len += p->data_len;
            }
            if (ev == AZK_ICAP_EV_PREVIEW_END && cont)
                azk_icap__continue(p);
            if (ev == AZK_ICAP_EV_END)
                return;
        }
        if (off == len)
            break;
        off += piece;
    }
}

#define HTTP_REQ                                                                                   \
    "POST http://upload.example/form HTTP/1.1\r\nHost: upload.example\r\n"                         \
    "Content-Type: text/plain\r\nContent-Length: 11\r\n\r\n"

static char *reqmod(const char *extra_headers, const char *body_chunks)
{
    static char buf[8192];
    snprintf(buf, sizeof(buf),
             "REQMOD icap://127.0.0.1:1344/guard ICAP/1.0\r\nHost: 127.0.0.1\r\n%s"
             "Encapsulated: req-hdr=0, req-body=%zu\r\n\r\n%s%s",
             extra_headers, strlen(HTTP_REQ), HTTP_REQ, body_chunks);
    return buf;
}

static void test_guard__options(void **state)
{
    struct azk_icap_parser p;
    struct run r;
    const char *m = "OPTIONS icap://127.0.0.1:1344/guard ICAP/1.0\r\nHost: x\r\n"
                    "Encapsulated: null-body=0\r\n\r\n";
    (void)state;
    azk_icap__parser_init(&p);
    drive(&p, m, strlen(m), 1000, false, &r);
    assert_int_equal(r.rc, AZK_OK);
    assert_int_equal(r.event_count, 2);
    assert_int_equal(r.events[0], AZK_ICAP_EV_HEAD);
    assert_int_equal(r.events[1], AZK_ICAP_EV_END);
    assert_int_equal(p.method, AZK_ICAP_M_OPTIONS);
    assert_string_equal(p.service, "/guard");
    assert_string_equal(azk_icap__field(&p, "host"), "x");
    azk_icap__parser_dispose(&p);
}

static void test_guard__reqmod_body_any_split(void **state)
{
    const char *m = reqmod("Allow: 204\r\n", "5\r\nhello\r\n6;name=\"v\"\r\n world\r\n0\r\n\r\n");
    size_t len = strlen(m), step;
    (void)state;
    for (step = 1; step <= len; step += (step < 8 ? 1 : 37)) {
        struct azk_icap_parser p;
        struct run r;
        azk_icap__parser_init(&p);
        drive(&p, m, len, step, false, &r);
        assert_int_equal(r.rc, AZK_OK);
        assert_int_equal(r.events[0], AZK_ICAP_EV_HEAD);
        assert_int_equal(r.events[r.event_count - 1], AZK_ICAP_EV_END);
        assert_int_equal(r.data_len, 11);
        assert_memory_equal(r.data, "hello world", 11);
        assert_true(p.allow204);
        assert_int_equal(p.req_hdr_off, 0);
        assert_int_equal(p.req_hdr_len, strlen(HTTP_REQ));
        assert_int_equal(p.preview, -1);
        azk_icap__parser_dispose(&p);
    }
}

static void test_guard__preview_ieof(void **state)
{
    struct azk_icap_parser p;
    struct run r;
    const char *m = reqmod("Preview: 20\r\n", "b\r\nhello world\r\n0; ieof\r\n\r\n");
    size_t i;
    (void)state;
    azk_icap__parser_init(&p);
    drive(&p, m, strlen(m), 7, false, &r);
    assert_int_equal(r.rc, AZK_OK);
    for (i = 0; i < r.event_count; i++)
        assert_int_not_equal(r.events[i], AZK_ICAP_EV_PREVIEW_END);
    assert_int_equal(r.events[r.event_count - 1], AZK_ICAP_EV_END);
    assert_true(p.ieof);
    assert_int_equal(p.preview, 20);
    azk_icap__parser_dispose(&p);
}

static void test_guard__preview_continue(void **state)
{
    struct azk_icap_parser p;
    struct run r;
    const char *m = reqmod("Preview: 5\r\n", "5\r\nhello\r\n0\r\n\r\n6\r\n world\r\n0\r\n\r\n");
    size_t i, previews = 0;
    (void)state;
    azk_icap__parser_init(&p);
    drive(&p, m, strlen(m), 3, true, &r);
    assert_int_equal(r.rc, AZK_OK);
    for (i = 0; i < r.event_count; i++)
        previews += r.events[i] == AZK_ICAP_EV_PREVIEW_END;
    assert_int_equal(previews, 1);
    assert_int_equal(r.events[r.event_count - 1], AZK_ICAP_EV_END);
    assert_memory_equal(r.data, "hello world", 11);
    azk_icap__parser_dispose(&p);
}

static void test_guard__preview_waits_for_continue(void **state)
{
    struct azk_icap_parser p;
    struct run r;
    /* the client must wait for 100 Continue: more data at once is an error */
    const char *m = reqmod("Preview: 5\r\n", "5\r\nhello\r\n0\r\n\r\n6\r\n world\r\n0\r\n\r\n");
    (void)state;
    azk_icap__parser_init(&p);
    drive(&p, m, strlen(m), strlen(m), false, &r);
    assert_int_not_equal(r.rc, AZK_OK);
    assert_int_equal(r.status, 400);
    azk_icap__parser_dispose(&p);
}

static void test_guard__preview_too_large(void **state)
{
    struct azk_icap_parser p;
    struct run r;
    const char *m = reqmod("Preview: 4\r\n", "5\r\nhello\r\n0\r\n\r\n");
    (void)state;
    azk_icap__parser_init(&p);
    drive(&p, m, strlen(m), 64, false, &r);
    assert_int_not_equal(r.rc, AZK_OK);
    assert_int_equal(r.status, 400);
    azk_icap__parser_dispose(&p);
}

static void test_guard__pipelined(void **state)
{
    struct azk_icap_parser p;
    char two[4096];
    size_t len, used, off = 0, ends = 0;
    enum azk_icap_event ev;
    const char *o = "OPTIONS /guard ICAP/1.0\r\nEncapsulated: null-body=0\r\n\r\n";
    (void)state;
    len = (size_t)snprintf(two, sizeof(two), "%s%s", o, o);
    azk_icap__parser_init(&p);
    for (;;) {
        assert_int_equal(azk_icap__feed(&p, (uint8_t *)two + off, len - off, &used, &ev), AZK_OK);
        off += used;
        if (ev == AZK_ICAP_EV_END) {
            ends++;
            azk_icap__parser_reset(&p);
        } else if (ev == AZK_ICAP_EV_NONE) {
            break; /* events pending after the last byte are collected with len 0 */
        }
    }
    assert_int_equal(ends, 2);
    azk_icap__parser_dispose(&p);
}

static void expect_error(const char *m, int status)
{
    struct azk_icap_parser p;
    struct run r;
    azk_icap__parser_init(&p);
    drive(&p, m, strlen(m), strlen(m) > 0 ? strlen(m) : 1, false, &r);
    if (r.rc == AZK_OK)
        print_message("accepted (%zu bytes): %s\n", strlen(m),
                      m + (strlen(m) > 300 ? strlen(m) - 300 : 0));
    assert_int_not_equal(r.rc, AZK_OK);
    assert_int_equal(r.status, status);
    assert_non_null(p.error);
    /* the parser stays unusable until reset, and never crashes */
    {
        size_t used;
        enum azk_icap_event ev;
        assert_int_not_equal(azk_icap__feed(&p, (const uint8_t *)"x", 1, &used, &ev), AZK_OK);
    }
    azk_icap__parser_dispose(&p);
}

static void test_guard__malformed_heads(void **state)
{
    (void)state;
    expect_error("GARBAGE\r\n\r\n", 400);
    expect_error("REQMOD icap://h/guard\r\n\r\n", 400);
    expect_error("REQMOD icap://h/guard HTTP/1.1\r\n\r\n", 400);
    expect_error("REQMOD icap://h/guard ICAP/2.0\r\nEncapsulated: null-body=0\r\n\r\n", 505);
    expect_error("DELETE icap://h/guard ICAP/1.0\r\n\r\n", 405);
    expect_error("REQMOD icap://h/guard ICAP/1.0\r\nHost: h\r\n\r\n", 400); /* no Encapsulated */
    expect_error("REQMOD icap://h/guard ICAP/1.0\r\nEncapsulated: req-body=0, req-hdr=5\r\n\r\n",
                 400);
    expect_error("REQMOD icap://h/guard ICAP/1.0\r\nEncapsulated: req-hdr=5\r\n\r\n", 400);
    expect_error("REQMOD icap://h/guard ICAP/1.0\r\nEncapsulated: req-hdr=0\r\n\r\n", 400);
    expect_error("REQMOD icap://h/guard ICAP/1.0\r\nEncapsulated: req-hdr=0, req-body=-4\r\n\r\n",
                 400);
    expect_error("REQMOD icap://h/guard ICAP/1.0\r\nEncapsulated: req-hdr=0, "
                 "req-body=99999999\r\n\r\n",
                 400);
    expect_error("REQMOD icap://h/guard ICAP/1.0\r\nEncapsulated: req-hdr=0, foo=3\r\n\r\n", 400);
    expect_error("REQMOD icap://h/guard ICAP/1.0\r\nEncapsulated: null-body=0\r\n"
                 "Encapsulated: null-body=0\r\n\r\n",
                 400);
    expect_error("REQMOD icap://h/guard ICAP/1.0\r\nBad Header: x\r\n\r\n", 400);
    expect_error("REQMOD icap://h/guard ICAP/1.0\r\n folded\r\n\r\n", 400);
    expect_error("REQMOD relative ICAP/1.0\r\nEncapsulated: null-body=0\r\n\r\n", 400);
    expect_error("REQMOD icap://h/guard ICAP/1.0\r\nPreview: abc\r\n"
                 "Encapsulated: req-hdr=0, req-body=4\r\n\r\n",
                 400);
}

static void test_guard__malformed_chunks(void **state)
{
    (void)state;
    expect_error(reqmod("", "FFFFFFFFFFFFFFFFF\r\n"), 400); /* 17 hex digits */
    expect_error(reqmod("", "10000000000000000\r\n"), 400); /* 2^64 */
    expect_error(reqmod("", "-5\r\nhello\r\n"), 400);       /* negative */
    expect_error(reqmod("", "zz\r\n"), 400);
    expect_error(reqmod("", "5 x\r\nhello\r\n"), 400);
    expect_error(reqmod("", "5\r\nhelloXX"), 400);         /* no CRLF after data */
    expect_error(reqmod("", "5; ieof\r\nhello\r\n"), 400); /* ieof on data */
    expect_error(reqmod("", "0; ieof\r\n\r\n"), 400);      /* ieof without preview */
    expect_error(reqmod("", "5;\r\nhello\r\n"), 400);      /* empty extension */
    {
        /* a chunk line longer than the limit */
        static char big[4096];
        memset(big, '0', 2000);
        memcpy(big + 2000, "5\r\n", 4);
        expect_error(reqmod("", big), 400);
    }
}

static void test_guard__head_too_large(void **state)
{
    struct azk_icap_parser p;
    struct run r;
    size_t n = 70 * 1024, i;
    char *m = malloc(n + 1);
    (void)state;
    memcpy(m, "REQMOD icap://h/guard ICAP/1.0\r\nX: ", 36);
    for (i = 36; i < n; i++)
        m[i] = 'a';
    m[n] = '\0';
    azk_icap__parser_init(&p);
    drive(&p, m, n, 4096, false, &r);
    assert_int_equal(r.rc, AZK_ERR_LIMIT);
    assert_int_equal(r.status, 400);
    azk_icap__parser_dispose(&p);
    free(m);
}

static void test_guard__large_chunk_streams(void **state)
{
    /* a 1 MiB chunk is handed out in pieces, the parser never holds it */
    struct azk_icap_parser p;
    size_t body = 1024 * 1024, total = 0, used, off = 0, len;
    char head[512];
    uint8_t *buf;
    enum azk_icap_event ev;
    bool end = false;
    (void)state;
    len = (size_t)snprintf(head, sizeof(head), "%s", reqmod("", "100000\r\n"));
    buf = malloc(len + body + 7);
    memcpy(buf, head, len);
    memset(buf + len, 'a', body);
    memcpy(buf + len + body, "\r\n0\r\n\r\n", 7);
    len += body + 7;
    azk_icap__parser_init(&p);
    while (!end) {
        size_t piece = len - off < 60000 ? len - off : 60000;
        assert_int_equal(azk_icap__feed(&p, buf + off, piece, &used, &ev), AZK_OK);
        off += used;
        if (ev == AZK_ICAP_EV_DATA)
            total += p.data_len;
        end = ev == AZK_ICAP_EV_END;
    }
    assert_int_equal(total, body);
    assert_true(p.head.cap <= AZK_ICAP_HEAD_MAX + 1);
    assert_true(p.line.cap <= AZK_ICAP_TRAILER_MAX + 1);
    azk_icap__parser_dispose(&p);
    free(buf);
}

static void test_guard__http_helpers(void **state)
{
    const char *h1 = "POST http://User@Upload.Example:8080/x?y HTTP/1.1\r\nHost: other\r\n\r\n";
    const char *h2 = "POST /x HTTP/1.1\r\nhost:  [::1]:80 \r\nContent-Type: multipart/form-data; "
                     "boundary=\"----abc def\"\r\nContent-Encoding: gzip\r\n"
                     "content-encoding: br\r\n\r\n";
    char out[256];
    (void)state;
    assert_true(azk_http__request_host((const uint8_t *)h1, strlen(h1), out, sizeof(out)));
    assert_string_equal(out, "upload.example");
    assert_true(azk_http__request_host((const uint8_t *)h2, strlen(h2), out, sizeof(out)));
    assert_string_equal(out, "::1");
    assert_true(
        azk_http__header((const uint8_t *)h2, strlen(h2), "content-type", out, sizeof(out)));
    assert_int_equal(azk_http__header_count((const uint8_t *)h2, strlen(h2), "Content-Encoding"),
                     2);
    assert_true(azk_http__multipart_boundary(out, out, sizeof(out)));
    assert_string_equal(out, "----abc def");
    assert_false(azk_http__multipart_boundary("text/plain; boundary=x", out, sizeof(out)));
    assert_false(azk_http__multipart_boundary("multipart/form-data", out, sizeof(out)));
    assert_false(
        azk_http__header((const uint8_t *)h1, strlen(h1), "Content-Type", out, sizeof(out)));
}

static azk_status collect(const uint8_t *p, size_t n, void *payload)
{
    azk_buf *b = payload;
    return azk_buf_put(b, p, n);
}

static void test_guard__spool_round_trip(void **state)
{
    struct azk_guard_spool *s = NULL;
    azk_buf got = AZK_BUF_INIT;
    size_t n = 300 * 1000, i;
    uint8_t *data = malloc(n);
    (void)state;
    for (i = 0; i < n; i++)
        data[i] = (uint8_t)(i * 7 + i / 251);
    assert_int_equal(azk_guard__spool_new(&s, NULL), AZK_OK);
    for (i = 0; i < n; i += 1000)
        assert_int_equal(azk_guard__spool_write(s, data + i, 1000), AZK_OK);
    assert_int_equal(azk_guard__spool_size(s), n);
    assert_int_equal(azk_guard__spool_replay(s, collect, &got), AZK_OK);
    assert_int_equal(got.len, n);
    assert_memory_equal(got.data, data, n);
    azk_buf_dispose(&got);
    azk_guard__spool_free(s);
    free(data);
}

/* ---- body inspector limits (real scanner) ------------------------------------- */

static azk_scanner *scanner;
static azk_guard_policy policy;

static int body_setup(void **state)
{
    (void)state;
    azk_guard_policy_init(&policy);
    return azk_guard__scanner_new(&scanner, &policy, 1) == AZK_OK ? 0 : -1;
}

static int body_teardown(void **state)
{
    (void)state;
    azk_scanner_free(scanner);
    return 0;
}

static void inspect(const char *ctype, const char *cenc, const uint8_t *p, size_t n,
                    azk_guard_decision *d)
{
    struct azk_guard_body *b = NULL;
    struct azk_guard_body_info info = {ctype, cenc, false};
    size_t off;
    azk_guard_decision_init(d);
    assert_int_equal(azk_guard__body_new(&b, scanner, &policy, &info, d), AZK_OK);
    for (off = 0; off < n; off += 4096)
        azk_guard__body_write(b, p + off, n - off < 4096 ? n - off : 4096);
    azk_guard__body_finish(b);
    azk_guard__body_free(b);
    azk_guard_decision_finish(d, &policy);
}

static void test_guard__body_clean_text_allowed(void **state)
{
    azk_guard_decision d;
    const char *t = "本日の会議は午後三時からです。資料は共有フォルダにあります。\n";
    (void)state;
    inspect("text/plain", "", (const uint8_t *)t, strlen(t), &d);
    assert_int_equal(d.verdict, AZK_GUARD_ALLOW);
    assert_int_equal(d.objects, 1);
}

static void test_guard__body_gzip_bomb_blocked(void **state)
{
    azk_guard_decision d;
    size_t plain = 64 * 1024 * 1024;
    uLongf clen = compressBound((uLong)plain);
    uint8_t *z = malloc(clen);
    uint8_t *zeros = calloc(1, plain);
    (void)state;
    assert_int_equal(compress2(z, &clen, zeros, (uLong)plain, 9), Z_OK);
    free(zeros);
    inspect("application/octet-stream", "deflate", z, clen, &d);
    free(z);
    assert_int_equal(d.verdict, AZK_GUARD_BLOCK);
    assert_true(d.reasons & AZK_GUARD_R_LIMIT);
}

static void test_guard__body_truncated_gzip_blocked(void **state)
{
    azk_guard_decision d;
    const char *t = "a perfectly harmless text, repeated. a perfectly harmless text.";
    uLongf clen = 256;
    uint8_t z[256];
    (void)state;
    assert_int_equal(compress2(z, &clen, (const uint8_t *)t, (uLong)strlen(t), 9), Z_OK);
    inspect("text/plain", "gzip", z, clen / 2, &d);
    assert_int_equal(d.verdict, AZK_GUARD_BLOCK);
    assert_true(d.reasons & AZK_GUARD_R_UNREADABLE);
    /* whole: allowed */
    inspect("text/plain", "deflate", z, clen, &d);
    assert_int_equal(d.verdict, AZK_GUARD_ALLOW);
}

static void test_guard__body_binary_not_inspected(void **state)
{
    /* a binary stream the scanner stops reading is not waved through: the rest was
     * not inspected, so it is unreadable and the policy decides */
    azk_guard_decision d;
    size_t n = 3 * 1024 * 1024, i;
    uint8_t *p = malloc(n);
    uint32_t x = 12345;
    azk_guard_policy saved = policy;
    (void)state;
    for (i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (uint8_t)(x >> 24);
    }
    inspect("application/octet-stream", "", p, n, &d);
    assert_int_equal(d.bytes, n);
    assert_false(d.reasons & AZK_GUARD_R_INTERNAL);
    if (d.unreadable > 0) {
        assert_int_equal(d.verdict, AZK_GUARD_BLOCK);
        assert_true(d.reasons & AZK_GUARD_R_UNREADABLE);
        policy.content[AZK_GUARD_CLASS_BINARY] = AZK_GUARD_ACT_WARN;
        policy.content[AZK_GUARD_CLASS_ERROR] = AZK_GUARD_ACT_WARN;
        inspect("application/octet-stream", "", p, n, &d);
        assert_int_equal(d.verdict, AZK_GUARD_WARN);
        policy = saved;
    } else {
        assert_int_equal(d.verdict, AZK_GUARD_ALLOW);
    }
    free(p);
}

static void test_guard__body_max_body_blocked(void **state)
{
    /* a body above max_body is blocked, never passed uninspected */
    azk_guard_decision d;
    static uint8_t body[5000];
    (void)state;
    memset(body, 'a', sizeof(body));
    policy.max_body = 1000;
    inspect("text/plain", "", body, sizeof(body), &d);
    policy.max_body = 0;
    assert_int_equal(d.verdict, AZK_GUARD_BLOCK);
    assert_true(d.reasons & AZK_GUARD_R_LIMIT);
    inspect("text/plain", "", body, sizeof(body), &d);
    assert_int_equal(d.verdict, AZK_GUARD_ALLOW);
}

static void test_guard__body_unknown_encoding_blocked(void **state)
{
    azk_guard_decision d;
    (void)state;
    inspect("text/plain", "br", (const uint8_t *)"abc", 3, &d);
    assert_int_equal(d.verdict, AZK_GUARD_BLOCK);
    assert_true(d.reasons & AZK_GUARD_R_UNREADABLE);
}

static void test_guard__body_multipart_parts(void **state)
{
    azk_guard_decision d;
    const char *mp = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nfirst part\r\n"
                     "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"b.txt\"\r\n"
                     "Content-Type: text/plain\r\n\r\nsecond\r\npart\r\n--XyZ--\r\n";
    size_t i;
    (void)state;
    /* twice: the worker scanner is reused across requests */
    for (i = 1; i < 3; i++) {
        inspect("multipart/form-data; boundary=XyZ", "", (const uint8_t *)mp, strlen(mp), &d);
        assert_int_equal(d.verdict, AZK_GUARD_ALLOW);
        assert_int_equal(d.objects, 2);
    }
}

/* ---- watch: quarantine and the two-person release (library level) ---------- */

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

struct find_item {
    char id[64];
    char state[32];
};

static azk_status find_cb(const azk_guard_item *it, void *payload)
{
    struct find_item *f = payload;
    if (strcmp(it->path, "roster.csv") == 0) {
        snprintf(f->id, sizeof(f->id), "%s", it->id);
        snprintf(f->state, sizeof(f->state), "%s", it->state);
    }
    return AZK_OK;
}

/* Enrol `name` and authenticate it on h with the current TOTP code. */
static void login(azk_home *h, const char *name)
{
    char b32[64], code[8];
    char *secret = NULL;
    size_t secret_len = 0;
    assert_int_equal(azk_user_add(h, name, b32), AZK_OK);
    assert_int_equal(oath_init(), OATH_OK);
    assert_int_equal(oath_base32_decode(b32, strlen(b32), &secret, &secret_len), OATH_OK);
    assert_int_equal(oath_totp_generate(secret, secret_len, time(NULL), 30, 0, 6, code), OATH_OK);
    assert_int_equal(azk_user_auth(h, name, code), AZK_OK);
    free(secret);
}

static void test_guard__watch_two_person_release(void **state)
{
    char base[64], home[128], ob[128], rel[128], q[128], path[256];
    azk_home *h = NULL;
    azk_guard_policy pol;
    azk_guard_watch_options o = AZK_GUARD_WATCH_OPTIONS_INIT;
    struct find_item fi;
    char *dest = NULL;
    const char *roster = "氏名,電話番号,住所\n"
                         "試験 太郎,090-0000-0001,東京都千代田区試験町1-1-1\n"
                         "試験 花子,090-0000-0002,東京都千代田区試験町1-1-2\n"
                         "見本 一郎,090-0000-0003,大阪府大阪市見本区2-2-2\n";
    (void)state;
    snprintf(base, sizeof(base), "/tmp/azk-guard-watch-XXXXXX");
    assert_non_null(mkdtemp(base));
    snprintf(home, sizeof(home), "%s/home", base);
    snprintf(ob, sizeof(ob), "%s/outbox", base);
    snprintf(rel, sizeof(rel), "%s/release", base);
    snprintf(q, sizeof(q), "%s/quarantine", base);
    assert_int_equal(mkdir(ob, 0700), 0);
    assert_int_equal(mkdir(rel, 0700), 0);
    assert_int_equal(mkdir(q, 0700), 0);
    assert_int_equal(azk_home_init(home, NULL), AZK_OK);
    assert_int_equal(azk_home_open(&h, home, NULL, 0), AZK_OK);
    snprintf(path, sizeof(path), "%s/roster.csv", ob);
    write_text(path, roster);
    azk_guard_policy_init(&pol);
    pol.pii_block_score = 1; /* any personal data blocks */
    o.outbox = ob;
    o.release = rel;
    o.quarantine = q;
    o.settle_ms = 0;
    o.once = true;
    o.policy = &pol;
    assert_int_equal(azk_guard_watch_run(h, &o, NULL), AZK_OK);
    assert_int_not_equal(access(path, F_OK), 0); /* left the outbox */
    memset(&fi, 0, sizeof(fi));
    assert_int_equal(azk_guard_item_list(h, find_cb, &fi), AZK_OK);
    assert_string_equal(fi.state, "quarantined");
    assert_int_equal(azk_guard_approve(h, fi.id, NULL), AZK_ERR_ARG); /* not requested */
    /* the two people are enrolled users who passed TOTP (retention/identity.c) */
    assert_int_equal(azk_guard_request(h, fi.id, "client asked"), AZK_ERR_PERM); /* OS user */
    login(h, "alice");
    assert_int_equal(azk_guard_request(h, fi.id, ""), AZK_ERR_ARG);
    assert_int_equal(azk_guard_request(h, fi.id, "client asked"), AZK_OK);
    assert_int_equal(azk_guard_request(h, fi.id, "again"), AZK_ERR_NOTFOUND);
    assert_int_equal(azk_guard_approve(h, fi.id, NULL), AZK_ERR_PERM); /* the requester */
    assert_int_equal(azk_home_set_actor(h, NULL), AZK_OK);
    assert_int_equal(azk_guard_approve(h, fi.id, NULL), AZK_ERR_PERM); /* an OS user */
    login(h, "bob");
    assert_int_equal(azk_guard_approve(h, fi.id, &dest), AZK_OK);
    {
        FILE *f = fopen(dest, "r");
        char got[1024];
        size_t n;
        assert_non_null(f);
        n = fread(got, 1, sizeof(got) - 1, f);
        fclose(f);
        got[n] = '\0';
        assert_string_equal(got, roster); /* decrypted exactly */
    }
    /* released once: a second approval finds nothing to release */
    assert_int_equal(azk_guard_approve(h, fi.id, NULL), AZK_ERR_ARG);
    memset(&fi, 0, sizeof(fi));
    assert_int_equal(azk_guard_item_list(h, find_cb, &fi), AZK_OK);
    assert_string_equal(fi.state, "released");
    azk_guard_mem_free(dest);
    azk_guard_policy_dispose(&pol);
    azk_home_close(h);
    {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
        assert_int_equal(system(cmd), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guard__options),
        cmocka_unit_test(test_guard__reqmod_body_any_split),
        cmocka_unit_test(test_guard__preview_ieof),
        cmocka_unit_test(test_guard__preview_continue),
        cmocka_unit_test(test_guard__preview_waits_for_continue),
        cmocka_unit_test(test_guard__preview_too_large),
        cmocka_unit_test(test_guard__pipelined),
        cmocka_unit_test(test_guard__malformed_heads),
        cmocka_unit_test(test_guard__malformed_chunks),
        cmocka_unit_test(test_guard__head_too_large),
        cmocka_unit_test(test_guard__large_chunk_streams),
        cmocka_unit_test(test_guard__http_helpers),
        cmocka_unit_test(test_guard__spool_round_trip),
    };
    const struct CMUnitTest body_tests[] = {
        cmocka_unit_test(test_guard__body_clean_text_allowed),
        cmocka_unit_test(test_guard__body_gzip_bomb_blocked),
        cmocka_unit_test(test_guard__body_truncated_gzip_blocked),
        cmocka_unit_test(test_guard__body_binary_not_inspected),
        cmocka_unit_test(test_guard__body_max_body_blocked),
        cmocka_unit_test(test_guard__body_unknown_encoding_blocked),
        cmocka_unit_test(test_guard__body_multipart_parts),
        cmocka_unit_test(test_guard__watch_two_person_release),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    failed += cmocka_run_group_tests(body_tests, body_setup, body_teardown);
    return failed;
}
