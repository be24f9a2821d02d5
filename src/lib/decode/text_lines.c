/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/text_lines.c -- the line splitter of the decode stage
 * (azk_decode__lines_*, declared in decode_int.h): UTF-8 text cut into line
 * records, lines longer than max_line emitted in pieces, quoted-printable
 * soft breaks joined, and runs of hex dump or base64 body lines gathered
 * and decoded as part of the object. Moved out of text.c (the conversion
 * that feeds it).
 */
#include "decode/decode_int.h"
#include "decode/reveal_int.h"

#include <string.h>

void azk_decode__lines_init(struct azk_lines *ln, struct azk_decode_ctx *ctx)
{
    memset(ln, 0, sizeof(*ln));
    ln->ctx = ctx;
    ln->lineno = 1;
}

void azk_decode__lines_dispose(struct azk_lines *ln)
{
    azk_buf_dispose(&ln->carry);
    azk_buf_dispose(&ln->b64.text);
    azk_buf_dispose(&ln->qp);
    azk_buf_dispose(&ln->hex);
}

/* The bytes of a hex dump that ended: decoded as part of the object. */
static azk_status hex_flush(struct azk_lines *ln)
{
    struct azk_mem_source ms;
    azk_source src;
    azk_status rc;
    if (ln->hex.len == 0)
        return AZK_OK;
    if (ln->ctx->revealed + ln->hex.len > AZK_DECODE_REVEAL_MAX) {
        azk_buf_clear(&ln->hex);
        return azk_decode__defer(ln->ctx, azk_error_set(AZK_ERR_LIMIT,
                                                        "more than %llu bytes of encoded content",
                                                        (unsigned long long)AZK_DECODE_REVEAL_MAX));
    }
    ln->ctx->revealed += ln->hex.len;
    azk_decode__source_mem(&src, &ms, ln->hex.data, ln->hex.len);
    rc = azk_decode__transparent(ln->ctx, &src);
    azk_buf_clear(&ln->hex);
    return rc;
}

/* A line that ends in a quoted-printable soft break and holds =XX escapes. */
static bool qp_soft_break(const uint8_t *p, size_t n)
{
    size_t i;
    if (n < 4 || p[n - 1] != '=')
        return false;
    for (i = 0; i + 2 < n - 1; i++) {
        if (p[i] == '=' &&
            ((p[i + 1] >= '0' && p[i + 1] <= '9') || (p[i + 1] >= 'A' && p[i + 1] <= 'F')) &&
            ((p[i + 2] >= '0' && p[i + 2] <= '9') || (p[i + 2] >= 'A' && p[i + 2] <= 'F')))
            return true;
    }
    return false;
}

/*
 * A line of 32 bytes or more is no hex dump line when its first 32 bytes are not all dump bytes
 * and it does not begin with a blank (hex_line's quick reject of those bytes, AVX2), and no
 * base64 body line when they are not all of the standard alphabet and it has 34 bytes or more
 * (b64_line's, which reads them when at most two trailing '=' are left out). One load answers
 * both (azk_decode__reveal_line32), without the two calls (most lines: a kanji, a '.' or '['
 * of a log line in their first 32 bytes).
 */
unsigned azk_decode__line_may(const uint8_t *p, size_t n)
{
    unsigned may = AZK_LINE_MAY_DUMP | AZK_LINE_MAY_B64;
    int v;
    if (n < 32)
        return may;
    v = azk_decode__reveal_line32(p); /* -1: no AVX2 screen, or azk_decode__simd_off */
    if (v < 0)
        return may;
    if ((v & 1) == 0 && p[0] != ' ' && p[0] != '\t')
        may &= ~(unsigned)AZK_LINE_MAY_DUMP;
    if ((v & 2) == 0 && n >= 34)
        may &= ~(unsigned)AZK_LINE_MAY_B64;
    return may;
}

static azk_status line_out(struct azk_lines *ln, uint8_t *p, size_t n, bool continued, bool clean);

/*
 * line_out's line that may be gathered, or ends what was (may: azk_decode__line_may): gathered
 * when it is a line of a hex dump or a base64 body (MIME, PEM, `base64` output wrapped at 76)
 * or ends in a quoted-printable soft break, else emitted after any gathered block. (Not
 * inlined: line_out stays a few tests and a jump.)
 */
__attribute__((noinline)) static azk_status line_gather(struct azk_lines *ln, uint8_t *p, size_t n,
                                                        bool continued, unsigned may)
{
    azk_status rc;
    if (!continued && (may & AZK_LINE_MAY_DUMP) && (n >= 8 || ln->hex.len > 0) &&
        ln->hex.len < AZK_DECODE_B64_BLOCK_MAX &&
        azk_decode__hex_line(p, n, ln->hex.len > 0, &ln->hex)) {
        /* kept as it is too: a line of numbers may be data */
    } else if (ln->hex.len > 0) {
        rc = hex_flush(ln);
        if (rc != AZK_OK)
            return rc;
    }
    if ((may & AZK_LINE_MAY_B64) && (ln->b64.lines > 0 || n >= 16) && azk_decode__b64_line(p, n) &&
        ln->b64.text.len + n <= AZK_DECODE_B64_BLOCK_MAX) {
        if (ln->b64.lines == 0)
            ln->b64.first = ln->lineno;
        rc = azk_buf_put(&ln->b64.text, p, n);
        if (rc != AZK_OK)
            return rc;
        ln->b64.lines++;
        return AZK_OK;
    }
    if (ln->b64.lines > 0) {
        rc = azk_decode__b64_flush(ln->ctx, &ln->b64);
        if (rc != AZK_OK)
            return rc;
        if ((may & AZK_LINE_MAY_B64) && n >= 16 && azk_decode__b64_line(p, n))
            return line_out(ln, p, n, continued,
                            false); /* a block that hit the size bound goes on */
    }
    if (!continued && (ln->qp.len > 0 || qp_soft_break(p, n))) {
        /* quoted-printable soft line break (RFC 2045 6.7 rule 5): join the lines,
         * so a character cut by the break is whole again */
        size_t max = ln->ctx->opts->max_line > 0 ? ln->ctx->opts->max_line : (size_t)64 * 1024;
        bool more = qp_soft_break(p, n);
        rc = azk_buf_put(&ln->qp, p, more ? n - 1 : n);
        if (rc != AZK_OK)
            return rc;
        if (more && ln->qp.len < max)
            return AZK_OK;
        rc = azk_decode__emit_line(ln->ctx, ln->lineno, ln->qp.data, ln->qp.len, false, NULL);
        azk_buf_clear(&ln->qp);
        return rc;
    }
    return azk_decode__emit_line(ln->ctx, ln->lineno, p, n, continued, NULL);
}

/*
 * A complete line (or a piece of a long one): emitted as it is when nothing is being gathered
 * and it can start nothing (line_gather's tests all false: most lines, a jump to
 * azk_decode__emit_line), else by line_gather. clean: the line holds no NUL (a line of a
 * chunk lines_feed found none in), so none is looked for.
 */
static azk_status line_out(struct azk_lines *ln, uint8_t *p, size_t n, bool continued, bool clean)
{
    if (!ln->ctx->opts->literal) {
        unsigned may = azk_decode__line_may(p, n);
        if (may != 0 || ln->hex.len > 0 || ln->b64.lines > 0 || ln->qp.len > 0 ||
            (!continued && qp_soft_break(p, n)))
            return line_gather(ln, p, n, continued, may);
    }
    if (clean)
        return azk_decode__emit_text(ln->ctx, ln->lineno, p, n, continued, NULL);
    return azk_decode__emit_line(ln->ctx, ln->lineno, p, n, continued, NULL);
}

/* Emit full pieces of an over-long carried line, keep the rest. */
static azk_status lines_flush_long(struct azk_lines *ln)
{
    size_t max = ln->ctx->opts->max_line > 0 ? ln->ctx->opts->max_line : (size_t)64 * 1024;
    azk_status rc;
    while (ln->carry.len > max) {
        size_t cut = azk_decode__utf8_boundary(ln->carry.data, max), j;
        size_t floor = max - max / 4;
        if (cut == 0)
            cut = max;
        for (j = cut; j > floor; j--) {
            if (ln->carry.data[j - 1] == ' ' || ln->carry.data[j - 1] == '\t') {
                cut = j;
                break;
            }
        }
        rc = line_out(ln, ln->carry.data, cut, ln->cut, false);
        if (rc != AZK_OK)
            return rc;
        ln->cut = true;
        azk_buf_consume(&ln->carry, cut);
    }
    return AZK_OK;
}

azk_status azk_decode__lines_feed(struct azk_lines *ln, uint8_t *p, size_t n)
{
    uint8_t *end = p + n, *nl = NULL, *cr = NULL;
    azk_status rc;
    bool clean; /* no NUL in the chunk: its lines are not looked through again (line_out) */
    if (n == 0)
        return AZK_OK;
    /* one memchr over the chunk instead of one per line (the switch: tests compare) */
    clean = !azk_decode__simd_off && memchr(p, 0, n) == NULL;
    if (ln->cr_pending) {
        ln->cr_pending = false;
        if (p[0] == '\n')
            p++;
    }
    while (p < end) {
        uint8_t *e;
        size_t len = (size_t)(end - p);
        /* cached next \n and \r: each byte is scanned once per kind */
        if (nl == NULL || nl < p)
            nl = memchr(p, '\n', len);
        if (nl == NULL)
            nl = end;
        if (cr == NULL || cr < p)
            cr = memchr(p, '\r', len);
        if (cr == NULL)
            cr = end;
        e = nl < cr ? nl : cr;
        if (e == end) {
            rc = azk_buf_put(&ln->carry, p, len);
            if (rc != AZK_OK)
                return rc;
            return lines_flush_long(ln);
        }
        if (ln->carry.len == 0 && e == p && !ln->cut) {
            rc = AZK_OK; /* empty line: nothing to emit */
        } else if (ln->carry.len > 0) {
            rc = azk_buf_put(&ln->carry, p, (size_t)(e - p));
            if (rc != AZK_OK)
                return rc;
            rc = lines_flush_long(ln);
            if (rc != AZK_OK)
                return rc;
            rc = line_out(ln, ln->carry.data, ln->carry.len, ln->cut, false);
            azk_buf_clear(&ln->carry);
        } else if (ln->cut) {
            rc = line_out(ln, p, (size_t)(e - p), true, clean);
        } else {
            rc = line_out(ln, p, (size_t)(e - p), false, clean);
        }
        if (rc != AZK_OK)
            return rc;
        ln->cut = false;
        ln->lineno++;
        if (*e == '\r') {
            if (e + 1 < end && e[1] == '\n')
                e++;
            else if (e + 1 == end)
                ln->cr_pending = true;
        }
        p = e + 1;
    }
    return AZK_OK;
}

azk_status azk_decode__lines_finish(struct azk_lines *ln)
{
    azk_status rc = AZK_OK;
    if (ln->carry.len > 0) {
        rc = line_out(ln, ln->carry.data, ln->carry.len, ln->cut, false);
        azk_buf_clear(&ln->carry);
    }
    if (rc == AZK_OK)
        rc = azk_decode__b64_flush(ln->ctx, &ln->b64);
    if (rc == AZK_OK)
        rc = hex_flush(ln);
    if (rc == AZK_OK && ln->qp.len > 0) {
        rc = azk_decode__emit_line(ln->ctx, ln->lineno, ln->qp.data, ln->qp.len, false, NULL);
        azk_buf_clear(&ln->qp);
    }
    return rc;
}
