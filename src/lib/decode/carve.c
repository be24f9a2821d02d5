/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/carve.c -- what a person or a program could read back out of an
 * object that is not text as a whole: an image with a CSV behind its
 * header, a log behind kilobytes of junk, a name in a JPEG comment, a zip
 * appended to a PNG. The egress guard must see that data (issue 11), so a
 * binary object is never just "binary, 0 findings":
 *
 *   - text runs: maximal runs of bytes between control bytes (C0 except
 *     tab, CR, LF, VT, FF, ESC; DEL) and line breaks are kept when they read
 *     as text (azk_decode__text_piece: valid UTF-8, or CP932 / EUC-JP
 *     without a decoding error, shaped like real text: few changes between
 *     ASCII, Japanese and half-width kana, few stray symbols). Random data
 *     gives a handful of short junk strings per megabyte, never long text;
 *   - embedded containers: a zip local header, a gzip / bzip2 / xz / 7z /
 *     rar signature at any offset (checked beyond the magic, so random data
 *     does not trigger it) is decoded from there on as part of the object
 *     (azk_decode__transparent), and the object ends there.
 *
 * Streaming: 64 KiB chunks with a 16-byte overlap for signatures that
 * straddle two chunks; a text run longer than max_line is judged and
 * emitted in pieces.
 */
#include "decode/decode_int.h"

#include <stdio.h>
#include <string.h>

#define CARVE_TAIL 16
#define CARVE_MIN  8 /* shortest run worth reading */

/* ---- what text looks like ------------------------------------------------------ */

enum ch_class { CH_ASCII = 0, CH_HWKANA, CH_JP, CH_OTHER_OK, CH_ODD };

static enum ch_class ch_class(uint32_t cp)
{
    if (cp < 0x80)
        return CH_ASCII;
    if (cp >= 0xFF61 && cp <= 0xFF9F)
        return CH_HWKANA;
    if ((cp >= 0x3000 && cp <= 0x30FF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
        (cp >= 0xFF01 && cp <= 0xFF5E) || (cp >= 0x3400 && cp <= 0x4DBF) ||
        (cp >= 0xF900 && cp <= 0xFAFF))
        return CH_JP;
    if ((cp >= 0xA0 && cp <= 0x24F) || (cp >= 0x2000 && cp <= 0x206F) ||
        (cp >= 0x2100 && cp <= 0x22FF) || (cp >= 0x2460 && cp <= 0x24FF) ||
        (cp >= 0x2500 && cp <= 0x257F) || (cp >= 0x25A0 && cp <= 0x26FF) ||
        (cp >= 0x3200 && cp <= 0x33FF))
        return CH_OTHER_OK;
    return CH_ODD;
}

/* ASCII punctuation that real lines (CSV, logs, key=value) are made of. */
static bool ascii_ok(uint32_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'))
        return true;
    return c == ' ' || c == ',' || c == '.' || c == '-' || c == ':' || c == '/' || c == '(' ||
           c == ')' || c == '_' || c == '@' || c == '=' || c == '\t' || c == '\r' || c == '\n' ||
           c == '#' || c == '+' || c == '"' || c == '\'' || c == ';' || c == '[' || c == ']';
}

/*
 * Shape of UTF-8 s[0..n): real text changes class (ASCII / Japanese /
 * half-width kana) rarely and has few stray symbols; decoded random bytes
 * change class at almost every character.
 */
static bool text_shaped(const uint8_t *s, size_t n, bool legacy, bool strict)
{
    size_t i = 0, chars = 0, odd = 0, sym = 0, jp = 0, trans = 0, distinct = 0;
    uint32_t seen[2] = {0, 0};
    int prev = -1;
    while (i < n) {
        uint32_t cp;
        size_t l = azk_utf8_decode(s + i, n - i, &cp);
        enum ch_class k = ch_class(cp);
        int grp = k == CH_OTHER_OK ? (int)CH_JP : (int)k;
        i += l;
        chars++;
        if (distinct < 3 && (distinct == 0 || cp != seen[0]) && (distinct < 2 || cp != seen[1])) {
            if (distinct < 2)
                seen[distinct] = cp;
            distinct++;
        }
        if (k == CH_ODD || (strict && k == CH_OTHER_OK))
            odd++;
        if (k == CH_JP)
            jp++;
        if (k == CH_ASCII && !ascii_ok(cp))
            sym++;
        if (prev >= 0 && grp != prev)
            trans++;
        prev = grp;
    }
    if (chars == 0 || (strict && chars >= 8 && distinct < 3))
        return false; /* decoded content of one or two repeated characters is an ID */
    if (odd * 20 > chars || sym * 10 > chars || trans * 3 > chars)
        return false;
    if (legacy && (jp < 2 || jp * 10 < chars))
        return false;
    return true;
}

azk_status azk_decode__text_piece(const uint8_t *p, size_t n, size_t min, bool strict, azk_buf *out,
                                  bool *ok)
{
    static const char *const legacy[] = {"cp932", "euc-jp", "iso-2022-jp"};
    azk_buf tmp = AZK_BUF_INIT;
    azk_status rc = AZK_OK;
    size_t i;
    *ok = false;
    if (n < min || n == 0)
        return AZK_OK;
    if (azk_utf8_valid(p, n) && memchr(p, 0x1B, n) == NULL) {
        if (text_shaped(p, n, false, strict)) {
            *ok = true;
            return azk_buf_put(out, p, n);
        }
        return AZK_OK;
    }
    if (n < 2 * min && memchr(p, 0x1B, n) == NULL)
        return AZK_OK; /* legacy double-byte text: ask for more evidence */
    for (i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
        size_t errors = 0;
        if (i == 2 && memmem(p, n, "\x1b$B", 3) == NULL)
            continue; /* ISO-2022-JP only with its JIS X 0208 escape */
        azk_buf_clear(&tmp);
        rc = azk_decode__convert_mem(legacy[i], p, n, &tmp, &errors);
        if (rc != AZK_OK)
            goto done;
        /* a long run may hold a cut character at either end */
        if (errors * 256 > n + 255)
            continue;
        if (text_shaped(tmp.data, tmp.len, true, strict)) {
            *ok = true;
            rc = azk_buf_put(out, tmp.data, tmp.len);
            goto done;
        }
    }
done:
    azk_buf_dispose(&tmp);
    return rc;
}

/* ---- transparent decoding ---------------------------------------------------- */

struct shim {
    const azk_decode_sink *real;
    unsigned level; /* members opened below the transparent object */
};

static azk_status shim_begin(void *p, const azk_object_info *info)
{
    struct shim *s = p;
    azk_status rc = AZK_OK;
    if (s->real->object_begin != NULL)
        rc = s->real->object_begin(s->real->payload, info);
    if (rc == AZK_OK)
        s->level++;
    return rc;
}

static void shim_format(void *p, const char *format, const char *encoding)
{
    struct shim *s = p;
    if (s->level > 0 && s->real->object_format != NULL)
        s->real->object_format(s->real->payload, format, encoding);
}

static azk_status shim_record(void *p, const azk_record *rec)
{
    struct shim *s = p;
    if (s->real->record == NULL)
        return AZK_OK;
    return s->real->record(s->real->payload, rec);
}

static void shim_end(void *p, azk_status st, const azk_error *err)
{
    struct shim *s = p;
    s->level--;
    if (s->real->object_end != NULL)
        s->real->object_end(s->real->payload, st, err);
}

azk_status azk_decode__defer(struct azk_decode_ctx *ctx, azk_status rc)
{
    if (rc == AZK_OK)
        return AZK_OK;
    if (ctx->deferred == AZK_OK) {
        const azk_error *e = azk_error_last();
        ctx->deferred = rc;
        snprintf(ctx->deferred_msg, sizeof(ctx->deferred_msg), "%s",
                 e->code == rc && e->message != NULL ? e->message : "embedded content unreadable");
    }
    return rc == AZK_ERR_NOMEM ? rc : AZK_OK;
}

azk_status azk_decode__transparent(struct azk_decode_ctx *ctx, azk_source *src)
{
    const azk_decode_sink *saved = ctx->sink;
    struct shim s;
    azk_decode_sink sink;
    azk_status rc;
    if (ctx->depth + 1 > ctx->max_depth)
        return azk_decode__defer(
            ctx,
            azk_error_set(AZK_ERR_LIMIT, "encoded content nested deeper than %u", ctx->max_depth));
    ctx->transparent++;
    s.real = saved;
    s.level = 0;
    sink.object_begin = shim_begin;
    sink.object_format = shim_format;
    sink.record = shim_record;
    sink.object_end = shim_end;
    sink.payload = &s;
    ctx->sink = &sink;
    rc = azk_decode__any(ctx, src, ctx->depth + 1);
    ctx->sink = saved;
    if (ctx->sink_failed)
        return rc != AZK_OK ? rc : AZK_ERR_ARG;
    return azk_decode__defer(ctx, rc);
}

/* ---- embedded containers ------------------------------------------------------ */

/* Signature of a container at p (n bytes available, at least 16 unless at the end). */
static bool embedded_at(const uint8_t *p, size_t n)
{
    switch (p[0]) {
        case 'P': /* zip local file header (APPNOTE 4.3.7): version, flags, method */
            if (n < 10 || memcmp(p, "PK\x03\x04", 4) != 0)
                return false;
            if (p[4] > 63 || p[5] != 0 || p[9] != 0)
                return false;
            return p[8] == 0 || p[8] == 8 || p[8] == 9 || p[8] == 12 || p[8] == 14 || p[8] == 93 ||
                   p[8] == 95 || p[8] == 98 || p[8] == 99;
        case 0x1f: /* gzip (RFC 1952): deflate, reserved flag bits zero, XFL, OS */
            if (n < 10 || p[1] != 0x8b || p[2] != 8 || (p[3] & 0xE0) != 0)
                return false;
            return (p[8] == 0 || p[8] == 2 || p[8] == 4) && (p[9] <= 13 || p[9] == 255);
        case 'B': /* bzip2: block size digit, then the block magic (pi) */
            return n >= 10 && memcmp(p, "BZh", 3) == 0 && p[3] >= '1' && p[3] <= '9' &&
                   memcmp(p + 4, "1AY&SY", 6) == 0;
        case 0xfd:
            return n >= 6 && memcmp(p,
                                    "\xfd"
                                    "7zXZ\x00",
                                    6) == 0;
        case '7':
            return n >= 6 && memcmp(p, "7z\xbc\xaf\x27\x1c", 6) == 0;
        case 'R':
            return n >= 7 && memcmp(p, "Rar!\x1a\x07", 6) == 0 && p[6] <= 1;
        default:
            return false;
    }
}

/* First embedded container at or after `from` (positions needing more bytes wait). */
static size_t find_embedded(const uint8_t *p, size_t n, size_t from, bool at_eof)
{
    size_t i;
    for (i = from; i < n; i++) {
        uint8_t c = p[i];
        if (c != 'P' && c != 0x1f && c != 'B' && c != 0xfd && c != '7' && c != 'R')
            continue;
        if (!at_eof && n - i < CARVE_TAIL)
            return SIZE_MAX; /* judged with the next chunk */
        if (embedded_at(p + i, n - i))
            return i;
    }
    return SIZE_MAX;
}

/* The rest of an object: held bytes, then the source. */
struct rest_source {
    const uint8_t *p;
    size_t n, pos;
    azk_source *src;
};

static azk_status rest_read(void *vctx, uint8_t *buf, size_t cap, size_t *got)
{
    struct rest_source *r = vctx;
    if (r->pos < r->n) {
        size_t k = r->n - r->pos;
        if (k > cap)
            k = cap;
        memcpy(buf, r->p + r->pos, k);
        r->pos += k;
        *got = k;
        return AZK_OK;
    }
    return r->src->read(r->src->ctx, buf, cap, got);
}

/* ---- the carver --------------------------------------------------------------- */

/* 1: ends a run and is dropped; 2: line break (ends a run, counts a line). */
static const uint8_t delim[256] = {
    [0x00] = 1, [0x01] = 1, [0x02] = 1, [0x03] = 1, [0x04] = 1, [0x05] = 1, [0x06] = 1, [0x07] = 1,
    [0x08] = 1, [0x0A] = 2, [0x0D] = 1, [0x0E] = 1, [0x0F] = 1, [0x10] = 1, [0x11] = 1, [0x12] = 1,
    [0x13] = 1, [0x14] = 1, [0x15] = 1, [0x16] = 1, [0x17] = 1, [0x18] = 1, [0x19] = 1, [0x1A] = 1,
    [0x1C] = 1, [0x1D] = 1, [0x1E] = 1, [0x1F] = 1, [0x7F] = 1,
};

struct carver {
    struct azk_decode_ctx *ctx;
    azk_buf run;
    azk_buf u8;
    uint64_t lineno;
    size_t max;
    uint8_t *taken; /* per chunk byte: inside a UTF-16 run already emitted */
};

/* ---- UTF-16 runs (text appended to an image in UTF-16, EXIF comments) ------------ */

static bool text16(uint32_t u)
{
    return (u >= 0x20 && u < 0x7F) || u == '\t' || (u >= 0x3000 && u <= 0x30FF) ||
           (u >= 0x4E00 && u <= 0x9FFF) || (u >= 0x3400 && u <= 0x4DBF) ||
           (u >= 0xFF01 && u <= 0xFF9F);
}

/*
 * A run of UTF-16 text units p[0..n) (n even): emitted when it has enough
 * ASCII or kana units (random data and 8-bit text read as UTF-16 give CJK
 * ideographs, almost never either) and the shape of text.
 */
static azk_status run16_flush(struct carver *cv, const uint8_t *p, size_t n, bool be, size_t off)
{
    size_t i, units = n / 2, asc = 0, kana = 0;
    azk_status rc;
    if (units < CARVE_MIN)
        return AZK_OK;
    for (i = off; i < off + n; i++) {
        if (cv->taken[i])
            return AZK_OK; /* the same text read at another alignment */
    }
    azk_buf_clear(&cv->u8);
    for (i = 0; i + 1 < n; i += 2) {
        uint32_t u = be ? ((uint32_t)p[i] << 8 | p[i + 1]) : (p[i] | (uint32_t)p[i + 1] << 8);
        uint8_t tmp[4];
        if (u < 0x80)
            asc++;
        else if (u >= 0x3041 && u <= 0x30FF)
            kana++;
        rc = azk_buf_put(&cv->u8, tmp, azk_utf8_encode(u, tmp));
        if (rc != AZK_OK)
            return rc;
    }
    if (asc * 5 < units && kana * 5 < units)
        return AZK_OK;
    if (!text_shaped(cv->u8.data, cv->u8.len, false, false))
        return AZK_OK;
    memset(cv->taken + off, 1, n);
    cv->ctx->revealed += cv->u8.len;
    return azk_decode__emit_line(cv->ctx, cv->lineno, cv->u8.data, cv->u8.len, false, NULL);
}

/* UTF-16LE and BE text runs at both alignments of one chunk. */
static azk_status carve_utf16(struct carver *cv, const uint8_t *p, size_t n)
{
    unsigned pass;
    azk_status rc;
    memset(cv->taken, 0, n);
    for (pass = 0; pass < 4; pass++) {
        bool be = pass >= 2;
        size_t i, start = SIZE_MAX;
        for (i = pass & 1; i + 1 < n; i += 2) {
            uint32_t u = be ? ((uint32_t)p[i] << 8 | p[i + 1]) : (p[i] | (uint32_t)p[i + 1] << 8);
            if (text16(u)) {
                if (start == SIZE_MAX)
                    start = i;
                if (i - start < cv->max)
                    continue;
            }
            if (start != SIZE_MAX) {
                rc = run16_flush(cv, p + start, i - start, be, start);
                if (rc != AZK_OK)
                    return rc;
            }
            start = text16(u) ? i : SIZE_MAX;
        }
        if (start != SIZE_MAX) {
            rc = run16_flush(cv, p + start, i - start, be, start);
            if (rc != AZK_OK)
                return rc;
        }
    }
    return AZK_OK;
}

static azk_status run_flush(struct carver *cv)
{
    azk_status rc = AZK_OK;
    bool ok = false;
    if (cv->run.len >= CARVE_MIN) {
        azk_buf_clear(&cv->u8);
        rc = azk_decode__text_piece(cv->run.data, cv->run.len, CARVE_MIN, false, &cv->u8, &ok);
        if (rc == AZK_OK && ok && cv->u8.len > 0) {
            cv->ctx->revealed += cv->u8.len;
            rc = azk_decode__emit_line(cv->ctx, cv->lineno, cv->u8.data, cv->u8.len, false, NULL);
        }
    }
    azk_buf_clear(&cv->run);
    return rc;
}

static azk_status carve_bytes(struct carver *cv, const uint8_t *p, size_t n)
{
    size_t i = 0;
    azk_status rc;
    while (i < n) {
        size_t s = i;
        while (i < n && delim[p[i]] == 0)
            i++;
        if (i > s) {
            size_t take = i - s;
            if (cv->run.len + take > cv->max) {
                /* a long run: judge and emit what fits, go on with the rest */
                size_t room = cv->max - cv->run.len;
                size_t cut = azk_decode__utf8_boundary(p + s, room);
                if (cut == 0)
                    cut = room;
                rc = azk_buf_put(&cv->run, p + s, cut);
                if (rc != AZK_OK)
                    return rc;
                rc = run_flush(cv);
                if (rc != AZK_OK)
                    return rc;
                i = s + cut;
                continue;
            }
            rc = azk_buf_put(&cv->run, p + s, take);
            if (rc != AZK_OK)
                return rc;
        }
        if (i < n) {
            rc = run_flush(cv);
            if (rc != AZK_OK)
                return rc;
            if (delim[p[i]] == 2)
                cv->lineno++;
            i++;
        }
    }
    return AZK_OK;
}

azk_status azk_decode__carve(struct azk_decode_ctx *ctx, azk_source *src, unsigned depth)
{
    struct carver cv;
    uint8_t *buf = NULL;
    size_t keep = 0, len, from = 0;
    azk_status rc;
    bool eof = false;

    (void)depth;
    memset(&cv, 0, sizeof(cv));
    cv.ctx = ctx;
    cv.lineno = 1;
    cv.max = ctx->opts->max_line > 0 ? ctx->opts->max_line : (size_t)64 * 1024;
    azk_decode__format(ctx, "binary", NULL);
    buf = azk_malloc(AZK_DECODE_CHUNK + CARVE_TAIL);
    cv.taken = azk_malloc(AZK_DECODE_CHUNK);
    if (buf == NULL || cv.taken == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (;;) {
        size_t got = 0, at;
        rc = src->read(src->ctx, buf + keep, AZK_DECODE_CHUNK, &got);
        if (rc != AZK_OK)
            goto done;
        if (got == 0)
            eof = true;
        len = keep + got;
        at = find_embedded(buf, len, from, eof);
        if (at != SIZE_MAX) {
            struct rest_source rs;
            azk_source rsrc;
            if (at > keep) {
                rc = carve_bytes(&cv, buf + keep, at - keep);
                if (rc != AZK_OK)
                    goto done;
            }
            rc = run_flush(&cv);
            if (rc != AZK_OK)
                goto done;
            memset(&rs, 0, sizeof(rs));
            rs.p = buf + at;
            rs.n = len - at;
            rs.src = src;
            memset(&rsrc, 0, sizeof(rsrc));
            rsrc.read = rest_read;
            rsrc.ctx = &rs;
            rsrc.size = -1;
            rc = azk_decode__transparent(ctx, &rsrc);
            goto done;
        }
        rc = carve_bytes(&cv, buf + keep, got);
        if (rc == AZK_OK)
            rc = carve_utf16(&cv, buf + keep, got);
        if (rc != AZK_OK || eof)
            break;
        /* keep a tail so a signature cut by the chunk end is seen whole */
        keep = len < CARVE_TAIL ? len : CARVE_TAIL;
        memmove(buf, buf + len - keep, keep);
        from = 0;
    }
    if (rc == AZK_OK)
        rc = run_flush(&cv);
done:
    azk_free(buf);
    azk_free(cv.taken);
    azk_buf_dispose(&cv.run);
    azk_buf_dispose(&cv.u8);
    return rc;
}
