/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/icap_fuzzer.c -- libFuzzer harness for the ICAP/1.0 request parser
 * (guard/guard_int.h, RFC 3507) and the HTTP header helpers it hands
 * encapsulated headers to. The first byte picks the size of the pieces the
 * rest is fed in (1..256 bytes: every split point of the state machine);
 * events are followed as the server does (100 Continue after a preview,
 * reset after a message, pipelined requests). Invariants: DATA events point
 * inside the input piece, body bytes never exceed what was fed, the
 * parser's buffers stay within their limits, an error carries an ICAP
 * status and message.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "guard/guard_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_head(const struct azk_icap_parser *p)
{
    char out[512];
    if (p->req_hdr_off != SIZE_MAX) {
        const uint8_t *h;
        size_t hl;
        if (p->req_hdr_off + p->req_hdr_len > p->http.len)
            abort();
        h = p->http.data + p->req_hdr_off;
        hl = p->req_hdr_len;
        (void)azk_http__request_host(h, hl, out, sizeof(out));
        if (azk_http__header(h, hl, "Content-Type", out, sizeof(out))) {
            char b[80];
            if (strlen(out) >= sizeof(out))
                abort();
            if (azk_http__multipart_boundary(out, b, sizeof(b)) &&
                (strlen(b) == 0 || strlen(b) > 70))
                abort();
        }
        (void)azk_http__header_count(h, hl, "Content-Encoding");
    }
    if (p->service == NULL || p->uri == NULL)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct azk_icap_parser p;
    size_t step, off = 0;
    uint64_t fed = 0, body = 0;
    if (size == 0)
        return 0;
    step = (size_t)data[0] + 1;
    data++;
    size--;
    azk_icap__parser_init(&p);
    while (off < size) {
        size_t piece = size - off < step ? size - off : step;
        size_t pos = 0;
        bool stop = false;
        fed += piece;
        for (;;) {
            size_t used = 0;
            enum azk_icap_event ev;
            azk_status rc = azk_icap__feed(&p, data + off + pos, piece - pos, &used, &ev);
            if (rc != AZK_OK) {
                if (p.status < 400 || p.status > 599 || p.error == NULL)
                    abort();
                stop = true;
                break;
            }
            if (used > piece - pos)
                abort();
            pos += used;
            if (p.head.len > AZK_ICAP_HEAD_MAX || p.http.len > AZK_ICAP_HTTP_HDR_MAX ||
                p.line.len > AZK_ICAP_TRAILER_MAX)
                abort();
            if (ev == AZK_ICAP_EV_NONE)
                break;
            if (ev == AZK_ICAP_EV_HEAD)
                check_head(&p);
            if (ev == AZK_ICAP_EV_DATA) {
                if (p.data < data + off || p.data + p.data_len > data + off + piece)
                    abort();
                body += p.data_len;
                if (body > fed)
                    abort();
            }
            if (ev == AZK_ICAP_EV_PREVIEW_END)
                azk_icap__continue(&p);
            if (ev == AZK_ICAP_EV_END) {
                azk_icap__parser_reset(&p);
                body = 0;
                fed = piece - pos;
            }
        }
        if (stop)
            break;
        off += piece;
    }
    azk_icap__parser_dispose(&p);
    return 0;
}
