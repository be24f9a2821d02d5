/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard/guard_int.h -- internals of the egress guard: the ICAP/1.0 message
 * parser (RFC 3507; the untrusted-input parser that fuzz/icap_fuzzer.c
 * drives), HTTP header helpers for the encapsulated request, the body
 * inspector (content decoding, multipart parts, streaming into a scanner)
 * and the encrypted spool. Not public API.
 */
#ifndef AZK_GUARD_INT_H
#define AZK_GUARD_INT_H

#include "util/util.h"
#include "azukari/guard.h"

#include <stdbool.h>
#include <stdint.h>

/* ---- limits (per connection memory stays bounded by these) -------------- */

#define AZK_ICAP_HEAD_MAX       (64u * 1024u) /* ICAP request line + headers */
#define AZK_ICAP_HEADERS_MAX    100u          /* ICAP header fields */
#define AZK_ICAP_HTTP_HDR_MAX   (64u * 1024u) /* encapsulated HTTP header sections */
#define AZK_ICAP_CHUNK_LINE_MAX 1024u         /* chunk-size line with extensions */
#define AZK_ICAP_TRAILER_MAX    4096u         /* chunked trailer */

/* ---- ICAP parser ----------------------------------------------------------- */

enum azk_icap_method {
    AZK_ICAP_M_NONE = 0,
    AZK_ICAP_M_OPTIONS,
    AZK_ICAP_M_REQMOD,
    AZK_ICAP_M_RESPMOD,
};

enum azk_icap_event {
    AZK_ICAP_EV_NONE = 0,    /* all input consumed, need more */
    AZK_ICAP_EV_HEAD,        /* ICAP head and encapsulated HTTP headers complete */
    AZK_ICAP_EV_DATA,        /* p->data[0..data_len) is body data */
    AZK_ICAP_EV_PREVIEW_END, /* preview ended without ieof: answer 100 or decide */
    AZK_ICAP_EV_END,         /* message complete */
};

struct azk_icap_field {
    const char *name; /* NUL-terminated, inside head */
    const char *value;
};

struct azk_icap_parser {
    int state;
    azk_buf head; /* ICAP head bytes, then split in place */
    size_t scan_pos;
    azk_buf http; /* encapsulated HTTP header sections */
    size_t http_need;
    azk_buf line; /* chunk-size line / CRLF / trailer */

    /* parsed head */
    enum azk_icap_method method;
    const char *uri;
    const char *service; /* path of the URI, e.g. "/guard" */
    struct azk_icap_field fields[AZK_ICAP_HEADERS_MAX];
    size_t field_count;
    int64_t preview; /* -1 = no preview */
    bool allow204;
    bool has_body; /* req-body or res-body */
    bool null_body;
    size_t req_hdr_off; /* offset of req-hdr in http (SIZE_MAX = absent) */
    size_t req_hdr_len;
    size_t res_hdr_off; /* SIZE_MAX = absent */
    size_t res_hdr_len;

    /* body */
    bool in_preview;
    bool ieof;
    uint64_t chunk_left;
    uint64_t preview_got;
    uint64_t body_bytes;
    const uint8_t *data; /* DATA event */
    size_t data_len;

    int status;        /* ICAP status to answer on a parse error (400, 404, 405...) */
    const char *error; /* static text of the parse error */
};

void azk_icap__parser_init(struct azk_icap_parser *p);
/* Ready for the next request on the same connection (buffers kept). */
void azk_icap__parser_reset(struct azk_icap_parser *p);
void azk_icap__parser_dispose(struct azk_icap_parser *p);

/*
 * Feed bytes. Consumes up to the next event and returns it in *ev
 * (NONE when all of `len` was consumed without one). Call again with the
 * rest (len may be 0 to collect a pending event). On a protocol error
 * returns AZK_ERR_FORMAT/AZK_ERR_LIMIT with p->status and p->error set;
 * the connection must then be answered and closed.
 */
AZK_NODISCARD azk_status azk_icap__feed(struct azk_icap_parser *p, const uint8_t *in, size_t len,
                                        size_t *consumed, enum azk_icap_event *ev);

/* After EV_PREVIEW_END and a "100 Continue": read the rest of the body. */
void azk_icap__continue(struct azk_icap_parser *p);

/* Value of ICAP header `name` (case-insensitive) or NULL. */
const char *azk_icap__field(const struct azk_icap_parser *p, const char *name);

/* ---- encapsulated HTTP headers ------------------------------------------------ */

/*
 * Copy the value of header `name` of the HTTP header block hdr[0..len)
 * (first occurrence, case-insensitive, trimmed) into out (cap bytes, NUL
 * terminated, truncated). Returns true when found.
 */
bool azk_http__header(const uint8_t *hdr, size_t len, const char *name, char *out, size_t cap);

/* How many times header `name` occurs. */
size_t azk_http__header_count(const uint8_t *hdr, size_t len, const char *name);

/*
 * The destination host of an HTTP request header block: from an
 * absolute-form target, else the Host header; port and brackets removed,
 * lower-cased. Returns false when none.
 */
bool azk_http__request_host(const uint8_t *hdr, size_t len, char *out, size_t cap);

/* Boundary parameter of a multipart Content-Type value; false when none or invalid. */
bool azk_http__multipart_boundary(const char *ctype, char *out, size_t cap);

/* ---- body inspection ------------------------------------------------------------ */

struct azk_guard_body;

/* What the HTTP body is, from its headers. */
struct azk_guard_body_info {
    const char *content_type;     /* value or "" */
    const char *content_encoding; /* value or "" */
    bool encoding_repeated;       /* several Content-Encoding headers */
};

/*
 * Start inspecting one request body with `scanner` (borrowed, used by this
 * thread only) under `policy`; findings go to `d` (initialised by caller).
 */
AZK_NODISCARD azk_status azk_guard__body_new(struct azk_guard_body **out, azk_scanner *scanner,
                                             const azk_guard_policy *policy,
                                             const struct azk_guard_body_info *info,
                                             azk_guard_decision *d);
/* Body bytes as received (content-encoded). Failures are recorded in d, not returned. */
void azk_guard__body_write(struct azk_guard_body *b, const uint8_t *p, size_t n);
/* End of body: flush decoders, finish scanning every part. */
void azk_guard__body_finish(struct azk_guard_body *b);
void azk_guard__body_free(struct azk_guard_body *b);

/* ---- encrypted spool -------------------------------------------------------------- */

struct azk_guard_spool;

/* A spool file in dir (O_TMPFILE or unlinked at once); key in memory only. */
AZK_NODISCARD azk_status azk_guard__spool_new(struct azk_guard_spool **out, const char *dir);
AZK_NODISCARD azk_status azk_guard__spool_write(struct azk_guard_spool *s, const uint8_t *p,
                                                size_t n);
/* Read everything back (authenticated) in order; cb may fail. */
typedef azk_status (*azk_guard_spool_cb)(const uint8_t *p, size_t n, void *payload);
AZK_NODISCARD azk_status azk_guard__spool_replay(struct azk_guard_spool *s, azk_guard_spool_cb cb,
                                                 void *payload);
uint64_t azk_guard__spool_size(const struct azk_guard_spool *s);
void azk_guard__spool_free(struct azk_guard_spool *s);

/* ---- shared -------------------------------------------------------------------------- */

AZK_NODISCARD azk_status azk_guard__scanner_new(azk_scanner **out, const azk_guard_policy *p,
                                                unsigned threads);
/* The same, sharing the fingerprint index of `share` (read-only) instead of loading a copy. */
AZK_NODISCARD azk_status azk_guard__scanner_new_sharing(azk_scanner **out,
                                                        const azk_guard_policy *p, unsigned threads,
                                                        const azk_scanner *share);
const char *azk_guard__reason_name(uint32_t bit);
/* An object that was not (fully) read, of class cls; the first code is kept. */
void azk_guard__decision_unreadable(azk_guard_decision *d, azk_guard_class cls, const char *code);

#endif
