/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/rtf.c -- Rich Text Format (RTF 1.9.1 specification, Microsoft
 * 2008) text: groups, control words and symbols, \'hh bytes in the
 * document's code page (\ansicpgN; CP932 also when a font of the table is
 * \fcharset128 Shift_JIS, as Japanese Word writes), \uN characters with
 * their \ucN fallback skipped, destinations that hold no document text
 * (font, colour and style tables, pictures, objects, \* destinations we do
 * not know) skipped. \par, \line, \sect, \page and \row end a line; \tab
 * and \cell are tabs. Runs in the extraction helper; reads from memory.
 * Group nesting is bounded (AZK_RTF_DEPTH): deeper groups are an error.
 */
#include "decode/decode_int.h"

#include <string.h>
#include <unicode/ucnv.h>

#define AZK_RTF_DEPTH 1024
#define AZK_RTF_WORD  32

struct rtf_state {
    bool skip;  /* inside a destination without text */
    uint8_t uc; /* \ucN: bytes of fallback after \uN */
};

struct rtf {
    struct azk_decode_ctx *ctx;
    azk_buf line;    /* UTF-8 of the current line */
    azk_buf raw;     /* pending \'hh bytes, converted at the next non-byte */
    UConverter *cnv; /* code page of \'hh bytes */
    uint64_t lineno;
    size_t skip_fallback;  /* fallback characters still to drop after \uN */
    uint32_t pending_high; /* a UTF-16 high surrogate from \uN */
};

static azk_status put_cp(struct rtf *r, uint32_t cp)
{
    uint8_t u[4];
    size_t n = azk_utf8_encode(cp, u);
    return azk_buf_put(&r->line, u, n);
}

static azk_status flush_raw(struct rtf *r)
{
    UErrorCode st = U_ZERO_ERROR;
    const char *src;
    UChar buf[512];
    azk_status rc = AZK_OK;
    size_t off = 0;
    if (r->raw.len == 0)
        return AZK_OK;
    while (off < r->raw.len && rc == AZK_OK) {
        size_t take = r->raw.len - off > 256 ? 256 : r->raw.len - off;
        int32_t n, i;
        /* keep a CP932 lead byte with its trail */
        if (take == 256 && take < r->raw.len - off) {
            size_t j = 0;
            while (j < take) {
                uint8_t b = r->raw.data[off + j];
                j += ((b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc)) ? 2 : 1;
            }
            if (j > take)
                take--;
        }
        src = (const char *)r->raw.data + off;
        st = U_ZERO_ERROR;
        n = ucnv_toUChars(r->cnv, buf, 512, src, (int32_t)take, &st);
        if (U_FAILURE(st))
            n = 0;
        for (i = 0; i < n && rc == AZK_OK; i++) {
            uint32_t cp = buf[i];
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < n) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (buf[i + 1] - 0xDC00u);
                i++;
            }
            rc = put_cp(r, cp == 0x1A ? 0xFFFD : cp);
        }
        off += take;
    }
    azk_buf_clear(&r->raw);
    return rc;
}

static azk_status end_line(struct rtf *r)
{
    azk_status rc = flush_raw(r);
    if (rc != AZK_OK)
        return rc;
    if (r->line.len > 0) {
        rc = azk_decode__emit_line(r->ctx, r->lineno, r->line.data, r->line.len, false, NULL);
        azk_buf_clear(&r->line);
    }
    r->lineno++;
    return rc;
}

/* Destinations whose text is not document text. */
static bool skip_destination(const char *w)
{
    static const char *const skip[] = {"fonttbl",   "colortbl",          "stylesheet",
                                       "listtable", "listoverridetable", "pict",
                                       "object",    "themedata",         "colorschememapping",
                                       "datastore", "latentstyles",      "rsidtbl",
                                       "generator", "filetbl",           "revtbl",
                                       "xmlnstbl",  "mmathPr",           "fldinst",
                                       "bkmkstart", "bkmkend",           "pgdsctbl",
                                       "info"};
    size_t i;
    for (i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
        if (strcmp(w, skip[i]) == 0)
            return true;
    return false;
}

static azk_status open_cnv(struct rtf *r, const char *name)
{
    UErrorCode st = U_ZERO_ERROR;
    UConverter *c = ucnv_open(name, &st);
    if (U_FAILURE(st) || c == NULL)
        return AZK_OK; /* keep the one we have */
    if (r->cnv != NULL)
        ucnv_close(r->cnv);
    r->cnv = c;
    return AZK_OK;
}

azk_status azk_decode__rtf(struct azk_decode_ctx *ctx, const uint8_t *p, size_t n)
{
    struct rtf r;
    struct rtf_state *stack = NULL;
    size_t depth = 0, i = 0, line_cap;
    azk_status rc = AZK_OK;

    azk_decode__format(ctx, "rtf", NULL);
    memset(&r, 0, sizeof(r));
    r.ctx = ctx;
    r.lineno = 1;
    /* a line without \par is emitted in pieces of about this size (checked per token;
     * one token adds at most a flushed \'hh run of 4 KiB) */
    line_cap = ctx->opts->max_line > 0 ? ctx->opts->max_line * 4 : (size_t)256 * 1024;
    /* CP932 is the likely code page of a Japanese RTF; \ansicpg says which */
    if (memmem(p, n < 4096 ? n : 4096, "\\fcharset128", 12) != NULL ||
        memmem(p, n < 4096 ? n : 4096, "\\ansicpg932", 11) != NULL)
        rc = open_cnv(&r, "ibm-943_P15A-2003");
    else
        rc = open_cnv(&r, "windows-1252");
    if (rc != AZK_OK || r.cnv == NULL) {
        rc = azk_error_set(AZK_ERR_UNSUPPORTED, "rtf: no converter");
        goto done;
    }
    stack = azk_calloc(AZK_RTF_DEPTH, sizeof(*stack));
    if (stack == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    stack[0].uc = 1;
    while (i < n && rc == AZK_OK) {
        uint8_t c = p[i];
        struct rtf_state *s = &stack[depth];
        if (r.line.len >= line_cap) {
            rc = end_line(&r);
            if (rc != AZK_OK)
                break;
        }
        if (c == '{') {
            if (depth + 1 >= AZK_RTF_DEPTH) {
                rc = azk_error_set(AZK_ERR_LIMIT, "rtf: groups nested deeper than %d",
                                   AZK_RTF_DEPTH);
                break;
            }
            rc = flush_raw(&r);
            stack[depth + 1] = *s;
            depth++;
            i++;
            if (i + 1 < n && p[i] == '\\' && p[i + 1] == '*')
                stack[depth].skip = true; /* optional destination we may not know */
            continue;
        }
        if (c == '}') {
            rc = flush_raw(&r);
            if (depth > 0)
                depth--;
            r.skip_fallback = 0;
            i++;
            continue;
        }
        if (c == '\r' || c == '\n') {
            i++;
            continue;
        }
        if (c != '\\') {
            if (r.skip_fallback > 0) {
                r.skip_fallback--;
            } else if (!s->skip) {
                /* raw 8-bit text is not valid RTF: '?' keeps the output UTF-8 */
                int ch = c == '\t' ? '\t' : c < 0x20 ? ' ' : c >= 0x80 ? '?' : c;
                rc = flush_raw(&r);
                if (rc == AZK_OK)
                    rc = azk_buf_putc(&r.line, ch);
            }
            i++;
            continue;
        }
        /* backslash */
        i++;
        if (i >= n)
            break;
        c = p[i];
        if (c == '\'') {
            unsigned v = 0, k;
            for (k = 1; k <= 2 && i + k < n; k++) {
                uint8_t h = p[i + k];
                v = v * 16 + (unsigned)(h >= '0' && h <= '9'   ? h - '0'
                                        : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                        : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                               : 0);
            }
            i += 3;
            if (r.skip_fallback > 0) {
                r.skip_fallback--;
            } else if (!s->skip) {
                rc = azk_buf_putc(&r.raw, (int)v);
                if (rc == AZK_OK && r.raw.len > 4096)
                    rc = flush_raw(&r);
            }
            continue;
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            char word[AZK_RTF_WORD + 1];
            size_t wl = 0;
            long param = 0;
            bool has_param = false, neg = false;
            while (i < n && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z'))) {
                if (wl < AZK_RTF_WORD)
                    word[wl++] = (char)p[i];
                i++;
            }
            word[wl] = '\0';
            if (i < n && p[i] == '-') {
                neg = true;
                i++;
            }
            while (i < n && p[i] >= '0' && p[i] <= '9') {
                if (param < 100000000L)
                    param = param * 10 + (p[i] - '0');
                has_param = true;
                i++;
            }
            if (neg)
                param = -param;
            if (i < n && p[i] == ' ')
                i++;
            if (skip_destination(word)) {
                s->skip = true;
                continue;
            }
            if (strcmp(word, "u") == 0 && has_param) {
                long v = param < 0 ? param + 65536 : param;
                r.skip_fallback = s->uc;
                if (s->skip)
                    continue;
                rc = flush_raw(&r);
                if (rc != AZK_OK)
                    break;
                if (v >= 0xD800 && v <= 0xDBFF) {
                    r.pending_high = (uint32_t)v;
                } else if (v >= 0xDC00 && v <= 0xDFFF && r.pending_high != 0) {
                    rc = put_cp(&r, 0x10000 + ((r.pending_high - 0xD800) << 10) +
                                        ((uint32_t)v - 0xDC00));
                    r.pending_high = 0;
                } else if (v >= 0 && v < 0x110000 && !(v >= 0xD800 && v <= 0xDFFF)) {
                    rc = put_cp(&r, (uint32_t)v);
                } else {
                    rc = put_cp(&r, 0xFFFD);
                }
                continue;
            }
            if (strcmp(word, "uc") == 0 && has_param) {
                s->uc = (uint8_t)(param < 0 ? 0 : param > 8 ? 8 : param);
                continue;
            }
            if (strcmp(word, "ansicpg") == 0 && has_param && depth <= 1) {
                rc = flush_raw(&r);
                if (rc == AZK_OK && param == 932)
                    rc = open_cnv(&r, "ibm-943_P15A-2003");
                continue;
            }
            if (s->skip)
                continue;
            if (strcmp(word, "par") == 0 || strcmp(word, "line") == 0 ||
                strcmp(word, "sect") == 0 || strcmp(word, "page") == 0 ||
                strcmp(word, "row") == 0) {
                rc = end_line(&r);
            } else if (strcmp(word, "tab") == 0 || strcmp(word, "cell") == 0) {
                rc = flush_raw(&r);
                if (rc == AZK_OK)
                    rc = azk_buf_putc(&r.line, '\t');
            } else if (strcmp(word, "emspace") == 0 || strcmp(word, "enspace") == 0) {
                rc = flush_raw(&r);
                if (rc == AZK_OK)
                    rc = azk_buf_putc(&r.line, ' ');
            }
            continue;
        }
        /* control symbol */
        i++;
        if (s->skip)
            continue;
        if (c == '\\' || c == '{' || c == '}') {
            rc = flush_raw(&r);
            if (rc == AZK_OK)
                rc = azk_buf_putc(&r.line, c);
        } else if (c == '~') {
            rc = flush_raw(&r);
            if (rc == AZK_OK)
                rc = azk_buf_putc(&r.line, ' ');
        } else if (c == '\n' || c == '\r') {
            rc = end_line(&r);
        }
    }
    if (rc == AZK_OK)
        rc = end_line(&r);
done:
    if (r.cnv != NULL)
        ucnv_close(r.cnv);
    azk_buf_dispose(&r.line);
    azk_buf_dispose(&r.raw);
    azk_free(stack);
    return rc;
}
