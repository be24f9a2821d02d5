/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard/icap_parse.c -- incremental parser of ICAP/1.0 requests (RFC 3507).
 *
 * A bounded state machine fed with whatever bytes arrived: the request line
 * and ICAP headers (4.3, at most AZK_ICAP_HEAD_MAX bytes), the
 * encapsulated HTTP header sections located by the Encapsulated header
 * (4.4.1), then the body in chunked transfer coding (4.4.2; RFC 9112 7.1)
 * with the "ieof" chunk extension that ends a preview (4.5). Body bytes are
 * handed out as DATA events straight from the caller's buffer: memory does
 * not grow with the body. Anything outside the grammar is an error with the
 * ICAP status to answer (400 for syntax, 404 unknown service is the
 * server's business, 405 method, 505 version).
 */
#include "guard/guard_int.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>
#include <strings.h>

enum {
    S_HEAD = 0,
    S_HTTP,
    S_HEAD_EVENT, /* head complete; HEAD event pending */
    S_CHUNK_SIZE,
    S_CHUNK_DATA,
    S_CHUNK_CRLF,
    S_TRAILER,
    S_PREVIEW_WAIT,
    S_END_PENDING,
    S_DONE,
    S_ERROR,
};

void azk_icap__parser_init(struct azk_icap_parser *p)
{
    memset(p, 0, sizeof(*p));
    p->head.max = AZK_ICAP_HEAD_MAX;
    p->http.max = AZK_ICAP_HTTP_HDR_MAX;
    p->line.max = AZK_ICAP_TRAILER_MAX;
    azk_icap__parser_reset(p);
}

void azk_icap__parser_reset(struct azk_icap_parser *p)
{
    azk_buf_clear(&p->head);
    azk_buf_clear(&p->http);
    azk_buf_clear(&p->line);
    p->state = S_HEAD;
    p->scan_pos = 0;
    p->http_need = 0;
    p->method = AZK_ICAP_M_NONE;
    p->uri = NULL;
    p->service = NULL;
    p->field_count = 0;
    p->preview = -1;
    p->allow204 = false;
    p->has_body = false;
    p->null_body = false;
    p->req_hdr_off = SIZE_MAX;
    p->req_hdr_len = 0;
    p->res_hdr_off = SIZE_MAX;
    p->res_hdr_len = 0;
    p->in_preview = false;
    p->ieof = false;
    p->chunk_left = 0;
    p->preview_got = 0;
    p->body_bytes = 0;
    p->data = NULL;
    p->data_len = 0;
    p->status = 0;
    p->error = NULL;
}

void azk_icap__parser_dispose(struct azk_icap_parser *p)
{
    azk_buf_dispose(&p->head);
    azk_buf_dispose(&p->http);
    azk_buf_dispose(&p->line);
}

static azk_status fail(struct azk_icap_parser *p, int status, azk_status code, const char *msg)
{
    p->state = S_ERROR;
    p->status = status;
    p->error = msg;
    return azk_error_set(code, "icap: %s", msg);
}

const char *azk_icap__field(const struct azk_icap_parser *p, const char *name)
{
    size_t i;
    for (i = 0; i < p->field_count; i++) {
        if (strcasecmp(p->fields[i].name, name) == 0)
            return p->fields[i].value;
    }
    return NULL;
}

static bool is_tchar(int c)
{
    return isalnum(c) || (c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = '\0';
    return s;
}

/* Parse a decimal number of at most 9 digits (offsets, preview sizes). */
static bool parse_small_uint(const char *s, size_t *out)
{
    size_t v = 0, n = 0;
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++, n++) {
        if (!isdigit((unsigned char)*s) || n >= 9)
            return false;
        v = v * 10 + (size_t)(*s - '0');
    }
    *out = v;
    return true;
}

/*
 * Encapsulated: "req-hdr=0, req-body=412" (4.4.1). Offsets ascend from 0;
 * exactly one body entity (req-body, res-body, null-body, opt-body) comes
 * last; header sections are req-hdr and res-hdr.
 */
static azk_status parse_encapsulated(struct azk_icap_parser *p, char *v)
{
    char *save = NULL, *tok;
    size_t last = 0, count = 0;
    bool body_seen = false;
    size_t *prev_len = NULL; /* length of the previous header section, set on the next one */
    size_t prev_off = 0;
    for (tok = strtok_r(v, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        char *eq, *name, *num;
        size_t off;
        tok = trim(tok);
        eq = strchr(tok, '=');
        if (eq == NULL)
            return fail(p, 400, AZK_ERR_FORMAT, "Encapsulated entry without '='");
        *eq = '\0';
        name = trim(tok);
        num = trim(eq + 1);
        if (!parse_small_uint(num, &off))
            return fail(p, 400, AZK_ERR_FORMAT, "Encapsulated offset is not a number");
        if (body_seen)
            return fail(p, 400, AZK_ERR_FORMAT, "Encapsulated body entity is not last");
        if ((count == 0 && off != 0) || (count > 0 && off < last))
            return fail(p, 400, AZK_ERR_FORMAT, "Encapsulated offsets out of order");
        if (off > AZK_ICAP_HTTP_HDR_MAX)
            return fail(p, 400, AZK_ERR_LIMIT, "encapsulated headers too large");
        if (prev_len != NULL)
            *prev_len = off - prev_off;
        prev_len = NULL;
        if (strcmp(name, "req-hdr") == 0) {
            if (p->req_hdr_off != SIZE_MAX)
                return fail(p, 400, AZK_ERR_FORMAT, "Encapsulated req-hdr twice");
            p->req_hdr_off = off;
            prev_len = &p->req_hdr_len;
        } else if (strcmp(name, "res-hdr") == 0) {
            if (p->res_hdr_off != SIZE_MAX)
                return fail(p, 400, AZK_ERR_FORMAT, "Encapsulated res-hdr twice");
            p->res_hdr_off = off;
            prev_len = &p->res_hdr_len;
        } else if (strcmp(name, "req-body") == 0 || strcmp(name, "res-body") == 0 ||
                   strcmp(name, "opt-body") == 0) {
            body_seen = true;
            p->has_body = true;
        } else if (strcmp(name, "null-body") == 0) {
            body_seen = true;
            p->null_body = true;
        } else {
            return fail(p, 400, AZK_ERR_FORMAT, "Encapsulated entity unknown");
        }
        prev_off = off;
        last = off;
        count++;
        if (count > 4)
            return fail(p, 400, AZK_ERR_FORMAT, "Encapsulated has too many entries");
    }
    if (!body_seen)
        return fail(p, 400, AZK_ERR_FORMAT, "Encapsulated has no body entity");
    p->http_need = last;
    return AZK_OK;
}

/* The head is complete in p->head (ending in CRLF CRLF): split it in place. */
static azk_status parse_head(struct azk_icap_parser *p)
{
    char *s = (char *)p->head.data, *eol, *sp1, *sp2, *ver;
    const char *v;
    char *enc = NULL;
    size_t n = 0, i, count = 0;
    azk_status rc;
    /* request line: METHOD SP URI SP ICAP/1.0 */
    eol = strstr(s, "\r\n");
    if (eol == NULL)
        return fail(p, 400, AZK_ERR_FORMAT, "request line not terminated");
    *eol = '\0';
    sp1 = strchr(s, ' ');
    if (sp1 == NULL)
        return fail(p, 400, AZK_ERR_FORMAT, "malformed request line");
    *sp1 = '\0';
    sp2 = strchr(sp1 + 1, ' ');
    if (sp2 == NULL)
        return fail(p, 400, AZK_ERR_FORMAT, "malformed request line");
    *sp2 = '\0';
    ver = sp2 + 1;
    p->uri = sp1 + 1;
    if (strcmp(s, "OPTIONS") == 0)
        p->method = AZK_ICAP_M_OPTIONS;
    else if (strcmp(s, "REQMOD") == 0)
        p->method = AZK_ICAP_M_REQMOD;
    else if (strcmp(s, "RESPMOD") == 0)
        p->method = AZK_ICAP_M_RESPMOD;
    else
        return fail(p, 405, AZK_ERR_FORMAT, "method not implemented");
    if (strncmp(ver, "ICAP/", 5) != 0)
        return fail(p, 400, AZK_ERR_FORMAT, "not an ICAP request");
    if (strcmp(ver, "ICAP/1.0") != 0)
        return fail(p, 505, AZK_ERR_UNSUPPORTED, "ICAP version not supported");
    if (*p->uri == '\0' || strchr(p->uri, ' ') != NULL)
        return fail(p, 400, AZK_ERR_FORMAT, "malformed URI");
    /* service = path of icap://host[:port]/path[?query], or the URI itself if it starts with / */
    if (strncasecmp(p->uri, "icap://", 7) == 0) {
        const char *slash = strchr(p->uri + 7, '/');
        p->service = slash != NULL ? slash : "/";
    } else if (p->uri[0] == '/') {
        p->service = p->uri;
    } else {
        return fail(p, 400, AZK_ERR_FORMAT, "URI is neither icap:// nor a path");
    }
    /* header fields */
    s = eol + 2;
    while (*s != '\0') {
        char *colon, *name;
        eol = strstr(s, "\r\n");
        if (eol == NULL)
            return fail(p, 400, AZK_ERR_FORMAT, "header line not terminated");
        *eol = '\0';
        if (eol == s)
            break; /* the empty line */
        if (*s == ' ' || *s == '\t')
            return fail(p, 400, AZK_ERR_FORMAT, "obsolete line folding");
        colon = strchr(s, ':');
        if (colon == NULL || colon == s)
            return fail(p, 400, AZK_ERR_FORMAT, "header line without name");
        *colon = '\0';
        name = s;
        for (i = 0; name[i] != '\0'; i++) {
            if (!is_tchar((unsigned char)name[i]))
                return fail(p, 400, AZK_ERR_FORMAT, "invalid header name");
        }
        if (n == AZK_ICAP_HEADERS_MAX)
            return fail(p, 400, AZK_ERR_LIMIT, "too many header fields");
        p->fields[n].name = name;
        p->fields[n].value = trim(colon + 1);
        n++;
        s = eol + 2;
    }
    p->field_count = n;
    v = azk_icap__field(p, "Encapsulated");
    if (v == NULL) {
        if (p->method != AZK_ICAP_M_OPTIONS)
            return fail(p, 400, AZK_ERR_FORMAT, "Encapsulated header missing");
        p->null_body = true;
    } else {
        enc = azk_strdup(v);
        if (enc == NULL)
            return fail(p, 500, AZK_ERR_NOMEM, "out of memory");
        rc = parse_encapsulated(p, enc);
        azk_free(enc);
        if (rc != AZK_OK)
            return rc;
        for (i = 0; i < n; i++)
            count += strcasecmp(p->fields[i].name, "Encapsulated") == 0;
        if (count > 1)
            return fail(p, 400, AZK_ERR_FORMAT, "Encapsulated header repeated");
    }
    if (p->method == AZK_ICAP_M_REQMOD && p->req_hdr_off == SIZE_MAX && p->has_body)
        return fail(p, 400, AZK_ERR_FORMAT, "REQMOD body without req-hdr");
    v = azk_icap__field(p, "Preview");
    if (v != NULL) {
        size_t pv;
        if (!parse_small_uint(v, &pv) || pv > (size_t)INT32_MAX)
            return fail(p, 400, AZK_ERR_FORMAT, "Preview is not a number");
        /* Squid sends "Preview: 0" with null-body for an empty body: a preview of nothing */
        p->preview = (int64_t)pv;
        p->in_preview = p->has_body;
    }
    v = azk_icap__field(p, "Allow");
    if (v != NULL) {
        /* a list of status codes: "204", "204, 206" */
        const char *q = v;
        while (*q != '\0') {
            while (*q == ' ' || *q == ',' || *q == '\t')
                q++;
            if (strncmp(q, "204", 3) == 0 &&
                (q[3] == '\0' || q[3] == ',' || q[3] == ' ' || q[3] == '\t'))
                p->allow204 = true;
            while (*q != '\0' && *q != ',')
                q++;
        }
    }
    return AZK_OK;
}

/* Hex chunk size with optional extensions; sets *ieof. RFC 9112 7.1. */
static azk_status parse_chunk_line(struct azk_icap_parser *p, char *s, uint64_t *size, bool *ieof)
{
    uint64_t v = 0;
    size_t digits = 0;
    *ieof = false;
    while (isxdigit((unsigned char)*s)) {
        int c = tolower((unsigned char)*s);
        if (digits == 15 && v > 0) /* more than 60 bits of size: refuse before it overflows */
            return fail(p, 400, AZK_ERR_LIMIT, "chunk size too large");
        v = v * 16 + (uint64_t)(isdigit(c) ? c - '0' : c - 'a' + 10);
        digits++;
        if (digits > 32)
            return fail(p, 400, AZK_ERR_LIMIT, "chunk size too long");
        s++;
    }
    if (digits == 0)
        return fail(p, 400, AZK_ERR_FORMAT, "chunk size is not hex");
    while (*s == ' ' || *s == '\t')
        s++;
    while (*s == ';') {
        char *name;
        s++;
        while (*s == ' ' || *s == '\t')
            s++;
        name = s;
        while (is_tchar((unsigned char)*s))
            s++;
        if (s == name)
            return fail(p, 400, AZK_ERR_FORMAT, "empty chunk extension");
        if ((size_t)(s - name) == 4 && strncasecmp(name, "ieof", 4) == 0)
            *ieof = true;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '=') {
            s++;
            while (*s == ' ' || *s == '\t')
                s++;
            if (*s == '"') {
                s++;
                while (*s != '\0' && *s != '"') {
                    if (*s == '\\' && s[1] != '\0')
                        s++;
                    s++;
                }
                if (*s != '"')
                    return fail(p, 400, AZK_ERR_FORMAT, "unterminated chunk extension");
                s++;
            } else {
                char *val = s;
                while (is_tchar((unsigned char)*s))
                    s++;
                if (s == val)
                    return fail(p, 400, AZK_ERR_FORMAT, "empty chunk extension value");
            }
            while (*s == ' ' || *s == '\t')
                s++;
        }
    }
    if (*s != '\0')
        return fail(p, 400, AZK_ERR_FORMAT, "garbage after chunk size");
    if (*ieof && v != 0)
        return fail(p, 400, AZK_ERR_FORMAT, "ieof on a non-zero chunk");
    *size = v;
    return AZK_OK;
}

/*
 * Take bytes into p->line up to and including LF. Returns true when a line
 * is complete (stored without CR LF, NUL-terminated); *used = bytes taken.
 */
static azk_status take_line(struct azk_icap_parser *p, const uint8_t *in, size_t len, size_t max,
                            size_t *used, bool *complete)
{
    const uint8_t *lf = memchr(in, '\n', len);
    size_t take = lf != NULL ? (size_t)(lf - in) + 1 : len;
    *complete = false;
    *used = 0;
    if (p->line.len + take > max)
        return fail(p, 400, AZK_ERR_LIMIT, "chunk line too long");
    if (azk_buf_put(&p->line, in, take) != AZK_OK)
        return fail(p, 500, AZK_ERR_NOMEM, "out of memory");
    *used = take;
    if (lf == NULL)
        return AZK_OK;
    /* strip LF and an optional CR */
    p->line.len--;
    if (p->line.len > 0 && p->line.data[p->line.len - 1] == '\r')
        p->line.len--;
    p->line.data[p->line.len] = '\0';
    if (memchr(p->line.data, '\0', p->line.len) != NULL)
        return fail(p, 400, AZK_ERR_FORMAT, "NUL in chunk line");
    *complete = true;
    return AZK_OK;
}

static void after_head(struct azk_icap_parser *p)
{
    p->state = S_HEAD_EVENT;
}

azk_status azk_icap__feed(struct azk_icap_parser *p, const uint8_t *in, size_t len,
                          size_t *consumed, enum azk_icap_event *ev)
{
    size_t off = 0;
    azk_status rc;
    *ev = AZK_ICAP_EV_NONE;
    *consumed = 0;
    for (;;) {
        switch (p->state) {
            case S_HEAD: {
                /* look for CRLF CRLF, resuming where the last search stopped */
                size_t i, start;
                size_t avail = len - off;
                size_t room = AZK_ICAP_HEAD_MAX - p->head.len;
                size_t take = avail < room ? avail : room;
                bool found = false;
                if (take == 0 && avail > 0)
                    return fail(p, 400, AZK_ERR_LIMIT, "ICAP head too large");
                if (take == 0)
                    goto need_more;
                start = p->head.len;
                if (azk_buf_put(&p->head, in + off, take) != AZK_OK)
                    return fail(p, 500, AZK_ERR_NOMEM, "out of memory");
                for (i = p->scan_pos; i + 3 < p->head.len; i++) {
                    if (p->head.data[i] == '\r' && p->head.data[i + 1] == '\n' &&
                        p->head.data[i + 2] == '\r' && p->head.data[i + 3] == '\n') {
                        found = true;
                        break;
                    }
                }
                if (!found) {
                    p->scan_pos = p->head.len >= 3 ? p->head.len - 3 : 0;
                    off += take;
                    if (p->head.len == AZK_ICAP_HEAD_MAX)
                        return fail(p, 400, AZK_ERR_LIMIT, "ICAP head too large");
                    continue;
                }
                /* bytes after the head are not ours yet: give them back */
                {
                    size_t head_end = i + 4;
                    size_t extra = p->head.len - head_end;
                    off += take - extra;
                    p->head.len = head_end;
                    p->head.data[head_end] = '\0';
                    (void)start;
                }
                if (memchr(p->head.data, '\0', p->head.len) != NULL)
                    return fail(p, 400, AZK_ERR_FORMAT, "NUL in ICAP head");
                rc = parse_head(p);
                if (rc != AZK_OK) {
                    if (p->state != S_ERROR)
                        return fail(p, 400, AZK_ERR_FORMAT, "malformed ICAP head");
                    return rc;
                }
                if (p->http_need > 0)
                    p->state = S_HTTP;
                else
                    after_head(p);
                continue;
            }
            case S_HTTP: {
                size_t avail = len - off;
                size_t need = p->http_need - p->http.len;
                size_t take = avail < need ? avail : need;
                if (take == 0)
                    goto need_more;
                if (azk_buf_put(&p->http, in + off, take) != AZK_OK)
                    return fail(p, 500, AZK_ERR_NOMEM, "out of memory");
                off += take;
                if (p->http.len == p->http_need) {
                    /* each header section ends with an empty line */
                    if (p->req_hdr_off != SIZE_MAX && p->req_hdr_len < 4)
                        return fail(p, 400, AZK_ERR_FORMAT, "encapsulated req-hdr too short");
                    if (memchr(p->http.data, '\0', p->http.len) != NULL)
                        return fail(p, 400, AZK_ERR_FORMAT, "NUL in encapsulated headers");
                    if (p->req_hdr_off != SIZE_MAX &&
                        memcmp(p->http.data + p->req_hdr_off + p->req_hdr_len - 4, "\r\n\r\n", 4) !=
                            0)
                        return fail(p, 400, AZK_ERR_FORMAT,
                                    "encapsulated req-hdr does not end with an empty line");
                    after_head(p);
                }
                continue;
            }
            case S_HEAD_EVENT:
                p->state = p->has_body ? S_CHUNK_SIZE : S_END_PENDING;
                *ev = AZK_ICAP_EV_HEAD;
                goto out;
            case S_CHUNK_SIZE: {
                size_t used;
                bool complete;
                uint64_t size = 0;
                bool ieof = false;
                if (off == len)
                    goto need_more;
                rc = take_line(p, in + off, len - off, AZK_ICAP_CHUNK_LINE_MAX, &used, &complete);
                off += used;
                if (rc != AZK_OK)
                    return rc;
                if (!complete)
                    continue;
                rc = parse_chunk_line(p, (char *)p->line.data, &size, &ieof);
                azk_buf_clear(&p->line);
                if (rc != AZK_OK)
                    return rc;
                if (ieof && !p->in_preview)
                    return fail(p, 400, AZK_ERR_FORMAT, "ieof outside a preview");
                if (size == 0) {
                    p->ieof = ieof;
                    p->state = S_TRAILER;
                    continue;
                }
                if (p->in_preview) {
                    if (size > (uint64_t)p->preview - p->preview_got)
                        return fail(p, 400, AZK_ERR_FORMAT, "preview larger than announced");
                    p->preview_got += size;
                }
                p->chunk_left = size;
                p->state = S_CHUNK_DATA;
                continue;
            }
            case S_CHUNK_DATA: {
                size_t avail = len - off;
                size_t take = avail;
                if (avail == 0)
                    goto need_more;
                if ((uint64_t)take > p->chunk_left)
                    take = (size_t)p->chunk_left;
                p->data = in + off;
                p->data_len = take;
                p->chunk_left -= take;
                p->body_bytes += take;
                off += take;
                if (p->chunk_left == 0)
                    p->state = S_CHUNK_CRLF;
                *ev = AZK_ICAP_EV_DATA;
                goto out;
            }
            case S_CHUNK_CRLF: {
                /* exactly CRLF (or a bare LF) after the data, checked byte by byte */
                uint8_t ch;
                if (off == len)
                    goto need_more;
                ch = in[off++];
                if (ch == '\n') {
                    azk_buf_clear(&p->line);
                    p->state = S_CHUNK_SIZE;
                    continue;
                }
                if (ch != '\r' || p->line.len != 0)
                    return fail(p, 400, AZK_ERR_FORMAT, "chunk data not followed by CRLF");
                if (azk_buf_putc(&p->line, '\r') != AZK_OK)
                    return fail(p, 500, AZK_ERR_NOMEM, "out of memory");
                continue;
            }
            case S_TRAILER: {
                /* trailer fields until an empty line; kept bounded, then ignored */
                size_t used;
                bool complete;
                size_t before = p->line.len;
                if (off == len)
                    goto need_more;
                rc = take_line(p, in + off, len - off, AZK_ICAP_TRAILER_MAX, &used, &complete);
                off += used;
                if (rc != AZK_OK)
                    return rc;
                if (!complete)
                    continue;
                if (p->line.len > before) {
                    /* a trailer field: keep accumulating to bound the total */
                    if (azk_buf_putc(&p->line, '\n') != AZK_OK)
                        return fail(p, 400, AZK_ERR_LIMIT, "chunked trailer too large");
                    continue;
                }
                azk_buf_clear(&p->line);
                if (p->in_preview && !p->ieof) {
                    p->state = S_PREVIEW_WAIT;
                    *ev = AZK_ICAP_EV_PREVIEW_END;
                    goto out;
                }
                p->in_preview = false;
                p->state = S_DONE;
                *ev = AZK_ICAP_EV_END;
                goto out;
            }
            case S_PREVIEW_WAIT:
                if (off < len)
                    return fail(p, 400, AZK_ERR_FORMAT, "data after preview before 100 Continue");
                goto need_more;
            case S_END_PENDING:
                p->state = S_DONE;
                *ev = AZK_ICAP_EV_END;
                goto out;
            case S_DONE:
                goto out; /* remaining bytes belong to the next request */
            default:
                return azk_error_set(AZK_ERR_FORMAT, "icap: parser used after an error");
        }
    }
need_more:
    off = len;
out:
    *consumed = off;
    return AZK_OK;
}

void azk_icap__continue(struct azk_icap_parser *p)
{
    if (p->state == S_PREVIEW_WAIT) {
        p->in_preview = false;
        p->state = S_CHUNK_SIZE;
    }
}
