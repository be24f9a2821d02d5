/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/text.c -- text objects: encoding detection on a bounded prefix,
 * streaming conversion to UTF-8, and the line splitter.
 *
 * Detection (docs/internals/DECODE.md): a BOM wins; else a NUL pattern in
 * 16-bit units says UTF-16LE/BE; else a file whose prefix is valid UTF-8 is
 * UTF-8 (ISO-2022-JP if it is 7-bit with JIS escape sequences); else CP932
 * (Windows-31J with the NEC and IBM extensions) and EUC-JP are scored on the
 * prefix by decodability and plausibility (hiragana, katakana and kanji
 * count for a candidate, decoding errors, half-width kana runs, private-use
 * and control characters against it). A prefix of control bytes that UTF-16
 * does not explain is "binary".
 *
 * An ASCII-only prefix is taken as UTF-8 provisionally: when the first
 * non-ASCII bytes come later and are not UTF-8, the rest is scored again
 * and decoded in the better legacy encoding (ASCII is common to all of
 * them, so the switch is exact), and object_format is called again.
 *
 * UTF-8 input takes a fast path (validate, 32 bytes at a time with AVX2:
 * text_simd.c; no ICU); so does CP932 or EUC-JP by ICU's own tables
 * (text_tables.c), ICU converting only the characters they refuse (and
 * opened only then; the first chunk of CP932 comes converted from
 * detection, which walked it with the tables to score it); the
 * others go through ICU (ucnv_convertEx with a pivot buffer) in 64 KiB
 * chunks.
 * Undecodable bytes become U+FFFD and never stop the object.
 *
 * This file: the encodings, ICU helpers, conversion and the text object;
 * detection is in text_detect.c (shared: text_int.h), the line splitter
 * in text_lines.c.
 */
#include "decode/decode_int.h"

#include <string.h>
#include <strings.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include "decode/text_int.h"

static const struct {
    const char *name; /* reported */
    const char *icu;  /* ICU converter */
} encs[] = {
    {"utf-8", "UTF-8"},
    {"utf-16le", "UTF-16LE"},
    {"utf-16be", "UTF-16BE"},
    {"cp932", AZK_ICU_CP932}, /* text_int.h: the legacy tables' converters too */
    {"euc-jp", AZK_ICU_EUCJP},
    {"iso-2022-jp", "ISO_2022,locale=ja,version=3"},
    {"utf-32le", "UTF-32LE"},
    {"utf-32be", "UTF-32BE"},
};

static const struct {
    const char *alias;
    enum enc enc;
} aliases[] = {
    {"utf-8", ENC_UTF8},
    {"utf8", ENC_UTF8},
    {"ascii", ENC_UTF8},
    {"us-ascii", ENC_UTF8},
    {"utf-16le", ENC_UTF16LE},
    {"utf16le", ENC_UTF16LE},
    {"utf-16be", ENC_UTF16BE},
    {"utf16be", ENC_UTF16BE},
    {"cp932", ENC_CP932},
    {"sjis", ENC_CP932},
    {"shift_jis", ENC_CP932},
    {"shift-jis", ENC_CP932},
    {"shiftjis", ENC_CP932},
    {"windows-31j", ENC_CP932},
    {"ms932", ENC_CP932},
    {"ms_kanji", ENC_CP932},
    {"x-sjis", ENC_CP932},
    {"euc-jp", ENC_EUCJP},
    {"eucjp", ENC_EUCJP},
    {"euc_jp", ENC_EUCJP},
    {"ujis", ENC_EUCJP},
    {"iso-2022-jp", ENC_ISO2022JP},
    {"iso2022jp", ENC_ISO2022JP},
    {"jis", ENC_ISO2022JP},
    {"csiso2022jp", ENC_ISO2022JP},
    {"utf-32le", ENC_UTF32LE},
    {"utf32le", ENC_UTF32LE},
    {"utf-32be", ENC_UTF32BE},
    {"utf32be", ENC_UTF32BE},
};

static int enc_lookup(const char *name)
{
    size_t i;
    for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
        if (strcasecmp(name, aliases[i].alias) == 0)
            return (int)aliases[i].enc;
    }
    return -1;
}

const char *azk_decode__encoding_canonical(const char *name)
{
    int e;
    if (name == NULL)
        return NULL;
    e = enc_lookup(name);
    return e < 0 ? NULL : encs[e].name;
}

const char *azk_encoding_name(const char *name)
{
    return azk_decode__encoding_canonical(name);
}

/* The end of the first row of delimited text p[0..n) after the BOM, as csv.c reads it; 0 if not in
 * p. */
static uint64_t first_row_end(const uint8_t *p, size_t n, size_t bom, int delim)
{
    size_t i = bom;
    bool quoted = false, field_start = true;
    while (i < n && (p[i] == '\n' || p[i] == '\r'))
        i++; /* blank lines */
    for (; i < n; i++) {
        uint8_t c = p[i];
        if (quoted) {
            if (c == '"') {
                if (i + 1 < n && p[i + 1] == '"')
                    i++;
                else
                    quoted = false;
            }
            continue;
        }
        if (c == '"' && field_start) {
            quoted = true;
            field_start = false;
        } else if (c == (uint8_t)delim) {
            field_start = true;
        } else if (c == '\n') {
            return i + 1;
        } else if (c == '\r') {
            if (i + 1 >= n)
                return 0;
            return p[i + 1] == '\n' ? i + 2 : i + 1;
        } else {
            field_start = false;
        }
    }
    return 0;
}

bool azk_decode__range_probe(const uint8_t *p, size_t n, bool at_eof, const char *force_encoding,
                             struct azk_range_probe *out)
{
    struct detect_result det;
    int delim;
    memset(out, 0, sizeof(*out));
    if (force_encoding != NULL) {
        int e = enc_lookup(force_encoding);
        if (e < 0)
            return false;
        memset(&det, 0, sizeof(det));
        det.enc = (enum enc)e;
        if (det.enc == ENC_UTF8 && n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
            det.bom = 3;
    } else if (azk_decode__text_detect(p, n, at_eof, &det) != AZK_OK || det.binary) {
        return false;
    }
    if (det.enc != ENC_UTF8 && det.enc != ENC_CP932 && det.enc != ENC_EUCJP)
        return false;
    /* raw bytes: the delimiters are ASCII in all three */
    delim = azk_decode__csv_sniff(p + det.bom, n - det.bom, at_eof);
    out->format = delim == ',' ? "csv" : delim == '\t' ? "tsv" : "text";
    if (delim != 0) {
        out->replay = first_row_end(p, n, det.bom, delim);
        out->bom = det.bom;
        if (out->replay == 0)
            return false;
    }
    out->encoding = encs[det.enc].name;
    out->ascii_only = det.ascii_only;
    return true;
}

bool azk_decode__range_join_ok(const struct azk_decode_range *const *r, size_t n)
{
    uint64_t bad = 0, revealed = 0;
    bool utf8;
    if (n == 0 || r[0]->encoding == NULL)
        return false;
    utf8 = strcmp(r[0]->encoding, "utf-8") == 0;
    for (size_t k = 0; k < n; k++) {
        if (r[k]->format_out == NULL || r[0]->format == NULL ||
            strcmp(r[k]->format_out, r[0]->format) != 0 || r[k]->switched ||
            r[k]->encoding_out == NULL || strcmp(r[k]->encoding_out, r[0]->encoding) != 0)
            return false;
        /* a later CSV range started at a row start with the header read */
        if (k > 0 && r[k]->replay > 0 && (!r[k]->replay_done || !r[k]->replay_clean))
            return false;
        if (k + 1 < n && !r[k]->clean_end)
            return false;
        if (k > 0 && r[k]->transparent > 0)
            return false;
        bad += r[k]->bad;
        revealed += r[k]->revealed;
    }
    /* a chunk re-decides at 8 bad sequences; an ASCII-only start decides
     * UTF-8 or not on the first non-ASCII character: it must have been UTF-8 */
    if (utf8 && !r[0]->ascii_only ? bad >= 8 : bad > 0)
        return false;
    /* every check against the limit passed in one pass too (a single
     * reveal is at most one base64 block) */
    return revealed <= AZK_DECODE_REVEAL_MAX - 2 * (uint64_t)AZK_DECODE_B64_BLOCK_MAX;
}

/* ---- ICU helpers ------------------------------------------------------------------ */

#define PIVOT_LEN_MEM 1024

azk_status azk_decode__text_open_cnv(UConverter **out, enum enc e, size_t *errcount)
{
    UConverter *c = azk_decode__icu_open(encs[e].icu, errcount);
    if (c == NULL)
        return azk_error_set(AZK_ERR_UNSUPPORTED, "ICU converter for %s unavailable", encs[e].name);
    *out = c;
    return AZK_OK;
}

azk_status azk_decode__convert_mem(const char *enc, const uint8_t *p, size_t n, azk_buf *out,
                                   size_t *errors)
{
    UConverter *c = NULL, *u8 = NULL;
    UErrorCode uerr = U_ZERO_ERROR;
    UChar pivot[PIVOT_LEN_MEM], *psrc = pivot, *ptgt = pivot;
    const char *s = (const char *)p;
    char *t;
    size_t cap;
    azk_status rc;
    int e = enc_lookup(enc);

    *errors = 0;
    if (e < 0)
        return azk_error_set(AZK_ERR_ARG, "unknown encoding name");
    if (n > SIZE_MAX / 4 - 16)
        return azk_error_set(AZK_ERR_LIMIT, "text too large to convert");
    cap = 3 * n + 16;
    rc = azk_buf_grow(out, cap);
    if (rc != AZK_OK)
        return rc;
    rc = azk_decode__text_open_cnv(&c, (enum enc)e, errors);
    if (rc != AZK_OK)
        goto done;
    u8 = ucnv_open("UTF-8", &uerr);
    if (U_FAILURE(uerr) || u8 == NULL) {
        rc = azk_error_set(AZK_ERR_UNSUPPORTED, "ICU UTF-8 converter unavailable");
        goto done;
    }
    t = (char *)out->data + out->len;
    ucnv_convertEx(u8, c, &t, (char *)out->data + out->len + cap, &s, (const char *)p + n, pivot,
                   &psrc, &ptgt, pivot + PIVOT_LEN_MEM, 1, 1, &uerr);
    if (U_FAILURE(uerr)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "%s: conversion failed", encs[e].name);
        goto done;
    }
    out->len = (size_t)((uint8_t *)t - out->data);
    out->data[out->len] = 0;
    rc = AZK_OK;
done:
    if (c != NULL)
        ucnv_close(c);
    if (u8 != NULL)
        ucnv_close(u8);
    return rc;
}

/* ---- conversion --------------------------------------------------------------------- */

#define PIVOT_LEN 1024
/* every input byte may become U+FFFD (3 bytes) in the UTF-8 repair path */
#define OUT_CAP (3 * AZK_DECODE_CHUNK + 64)

struct conv {
    struct azk_decode_ctx *ctx;
    struct azk_decode_spare *spare; /* where in and out come from (or NULL) */
    azk_source *src;
    enum enc enc;
    bool ascii_only;
    bool reported; /* object_format called */
    const char *format;
    UConverter *cnv;
    UConverter *u8;
    UChar pivot[PIVOT_LEN];
    UChar *psrc, *ptgt;
    uint8_t *in;
    size_t in_len, in_pos;
    bool in_eof;
    bool flushed;
    uint8_t *out;
    size_t errs;       /* undecodable sequences so far (ICU callback) */
    bool want_full;    /* next fill: a full chunk (to decide the encoding on) */
    unsigned switches; /* encoding re-decisions after bad chunks */
    uint64_t bad8;     /* invalid UTF-8 sequences repaired (kept chunks) */
    uint64_t in_total; /* bytes read from the source */
    uint64_t stop_at;  /* a fill never reads past this many bytes (0: no stop) */
    uint64_t valid_to; /* bytes [0, valid_to) of the source: valid UTF-8, whole characters */
    /* detection converted the first pre_in bytes of the source (after the BOM) to pre_len
     * bytes of CP932's UTF-8, already in out: the first chunk when it is those bytes */
    bool pre;
    size_t pre_from, pre_in, pre_len; /* from the BOM's end to pre_in: pre_len bytes */
};

bool azk_decode__known_valid_off;

/*
 * The valid UTF-8 prefix of in[0..end) (azk_decode__text_utf8_valid_prefix
 * at EOF), validating only the bytes detection did not find valid: a valid
 * prefix that ends at a character start does not change what follows.
 */
static size_t conv_utf8_valid(const struct conv *c, size_t end)
{
    uint64_t base = c->in_total - c->in_len; /* source offset of in[0] */
    size_t k = 0;
    if (c->valid_to > base && !azk_decode__known_valid_off) {
        uint64_t known = c->valid_to - base;
        k = known < end ? (size_t)known : end;
        if (k < known) {
            /* the chunk ends inside the known bytes: back to a character start */
            if (k >= c->in_len) {
                while (k > 0 && (c->in[k - 1] & 0xC0) == 0x80)
                    k--;
                k = k > 0 ? k - 1 : 0;
            } else {
                while (k > 0 && (c->in[k] & 0xC0) == 0x80)
                    k--;
            }
        }
    }
    return k + azk_decode__text_utf8_valid_prefix(c->in + k, end - k, true);
}

/* Re-decisions per object: enough for a few mixed parts, no ping-pong. */
#define MAX_SWITCHES 8

/* ICU's converters for c->enc, opened if they are not. */
static azk_status conv_icu(struct conv *c)
{
    UErrorCode uerr = U_ZERO_ERROR;
    azk_status rc;
    if (c->cnv != NULL)
        return AZK_OK;
    rc = azk_decode__text_open_cnv(&c->cnv, c->enc, &c->errs);
    if (rc != AZK_OK)
        return rc;
    if (c->u8 == NULL) {
        c->u8 = ucnv_open("UTF-8", &uerr);
        if (U_FAILURE(uerr) || c->u8 == NULL)
            return azk_error_set(AZK_ERR_UNSUPPORTED, "ICU UTF-8 converter unavailable");
    }
    return AZK_OK;
}

/* c->enc's converter from its start: none for UTF-8; for CP932 and EUC-JP only when
 * their tables stop (conv_icu then: most small files need none), else ICU's now. */
static azk_status conv_open_icu(struct conv *c)
{
    if (c->cnv != NULL) {
        ucnv_close(c->cnv);
        c->cnv = NULL;
    }
    c->psrc = c->ptgt = c->pivot;
    if (c->enc == ENC_UTF8)
        return AZK_OK; /* the fast path needs no converter */
    if ((c->enc == ENC_CP932 || c->enc == ENC_EUCJP) && !azk_decode__legacy_tables_off)
        return AZK_OK;
    return conv_icu(c);
}

/* Refill the input buffer, keeping in[in_pos..in_len); `full`: until full or EOF. */
static azk_status conv_fill_n(struct conv *c, bool full)
{
    azk_status rc;
    if (c->in_pos > 0) {
        memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
        c->in_len -= c->in_pos;
        c->in_pos = 0;
    }
    while (!c->in_eof && c->in_len < AZK_DECODE_CHUNK) {
        size_t got = 0, want = AZK_DECODE_CHUNK - c->in_len;
        bool at_stop = false;
        if (c->stop_at > 0 && c->in_total == c->stop_at && c->in_len > 0)
            break; /* the bytes up to the stop are converted first */
        if (c->stop_at > c->in_total && want >= c->stop_at - c->in_total) {
            /* a range's replayed first row ends here: no chunk goes past it */
            want = (size_t)(c->stop_at - c->in_total);
            at_stop = true;
        }
        rc = c->src->read(c->src->ctx, c->in + c->in_len, want, &got);
        if (rc != AZK_OK)
            return rc;
        if (got == 0)
            c->in_eof = true;
        c->in_len += got;
        c->in_total += got;
        if (got > 0 && (!full || (at_stop && c->in_total == c->stop_at)))
            break; /* one read per chunk: keep latency and memory flat */
    }
    return AZK_OK;
}

static azk_status conv_fill(struct conv *c)
{
    return conv_fill_n(c, false);
}

/* Copy p[0..n) to out with each invalid UTF-8 sequence replaced by U+FFFD. */
static size_t utf8_repair(const uint8_t *p, size_t n, uint8_t *out, size_t *bad)
{
    size_t i = 0, o = 0;
    *bad = 0;
    while (i < n) {
        size_t a = azk_decode__text_ascii_prefix(p + i, n - i);
        uint32_t cp;
        size_t l;
        memcpy(out + o, p + i, a);
        o += a;
        i += a;
        if (i >= n)
            break;
        l = azk_utf8_decode(p + i, n - i, &cp);
        if (l == 1 && cp == 0xFFFD) {
            (*bad)++;
            out[o++] = 0xEF;
            out[o++] = 0xBF;
            out[o++] = 0xBD;
        } else {
            memcpy(out + o, p + i, l);
            o += l;
        }
        i += l;
    }
    return o;
}

/* No input held inside the converter (a lead byte from the last window); none opened yet
 * holds none. */
static bool cnv_idle(const UConverter *cnv)
{
    UErrorCode uerr = U_ZERO_ERROR;
    return cnv == NULL || (ucnv_toUCountPending(cnv, &uerr) == 0 && U_SUCCESS(uerr));
}

static void conv_switch_report(struct conv *c)
{
    if (c->reported)
        azk_decode__format(c->ctx, c->format, encs[c->enc].name);
}

/* Next chunk of UTF-8 (writable); *n == 0 at the end. */
static azk_status conv_next(struct conv *c, uint8_t **outp, size_t *n)
{
    azk_status rc;
    *n = 0;
    *outp = NULL;
    for (;;) {
        if (c->enc == ENC_UTF8) {
            size_t end, valid;
            if (c->in_pos > 0 || c->in_pos >= c->in_len || !c->in_eof) {
                rc = conv_fill_n(c, c->want_full);
                c->want_full = false;
                if (rc != AZK_OK)
                    return rc;
            }
            if (c->in_len == 0)
                return AZK_OK;
            end = c->in_eof ? c->in_len : azk_decode__utf8_boundary(c->in, c->in_len);
            if (end == 0) {
                if (c->in_len >= 4) /* garbage, not a cut character */
                    end = c->in_len;
                else
                    continue;
            }
            if (c->ascii_only) {
                size_t a = azk_decode__text_ascii_prefix(c->in, end);
                size_t esc = azk_decode__text_find_jis_escape(c->in, a);
                if (esc < a) {
                    /* JIS escape after ASCII: the rest is ISO-2022-JP */
                    c->enc = ENC_ISO2022JP;
                    c->ascii_only = false;
                    rc = conv_open_icu(c);
                    if (rc != AZK_OK)
                        return rc;
                    conv_switch_report(c);
                    if (esc > 0) {
                        *outp = c->in;
                        *n = esc;
                        c->in_pos = esc;
                        return AZK_OK;
                    }
                    continue;
                }
                if (a < end && a > 0 && !c->in_eof && c->in_len - a < AZK_DECODE_CHUNK / 2) {
                    /* too little left to decide on (an ASCII prefix sized so a few
                     * chosen bytes decide): pass the ASCII on, decide on a full
                     * chunk that starts with the first non-ASCII byte */
                    *outp = c->in;
                    *n = a;
                    c->in_pos = a;
                    c->want_full = true;
                    return AZK_OK;
                }
                if (a < end) {
                    /* the first non-ASCII character decides: UTF-8 or legacy */
                    c->ascii_only = false;
                    if (azk_decode__text_utf8_valid_prefix(c->in + a, end - a, true) == 0) {
                        enum enc e;
                        rc = azk_decode__text_guess_legacy(c->in + a, c->in_len - a, c->in_eof, &e,
                                                           NULL, NULL);
                        if (rc != AZK_OK)
                            return rc;
                        if (e != ENC_UTF8) {
                            c->enc = e;
                            rc = conv_open_icu(c);
                            if (rc != AZK_OK)
                                return rc;
                            conv_switch_report(c);
                            if (a > 0) {
                                *outp = c->in;
                                *n = a;
                                c->in_pos = a;
                                return AZK_OK;
                            }
                            continue;
                        }
                    }
                }
            }
            valid = conv_utf8_valid(c, end);
            if (valid == end) {
                *outp = c->in;
                *n = end;
                c->in_pos = end;
                return AZK_OK;
            }
            {
                size_t bad;
                *n = utf8_repair(c->in, end, c->out, &bad);
                if (!c->ascii_only && c->switches < MAX_SWITCHES && bad >= 8 && bad * 64 > end) {
                    /* decoding fails badly: decide again on this chunk */
                    enum enc e;
                    size_t ebad = 0;
                    rc = azk_decode__text_guess_legacy(c->in, end, c->in_eof, &e, NULL, &ebad);
                    if (rc != AZK_OK)
                        return rc;
                    if (e != ENC_UTF8 && ebad * 4 < bad) {
                        c->switches++;
                        c->enc = e;
                        rc = conv_open_icu(c);
                        if (rc != AZK_OK)
                            return rc;
                        conv_switch_report(c);
                        c->in_pos = 0;
                        *n = 0;
                        continue;
                    }
                }
                c->bad8 += bad;
            }
            *outp = c->out;
            c->in_pos = end;
            return AZK_OK;
        } else {
            UErrorCode uerr = U_ZERO_ERROR;
            char *t = (char *)c->out;
            const char *s;
            size_t start, errs0 = c->errs;
            bool tables, icu_now = false;
            if (c->flushed)
                return AZK_OK;
            if (c->in_pos >= c->in_len && !c->in_eof) {
                rc = conv_fill(c);
                if (rc != AZK_OK)
                    return rc;
            }
            start = c->in_pos;
            tables = (c->enc == ENC_CP932 || c->enc == ENC_EUCJP) && !azk_decode__legacy_tables_off;
            if (c->pre) {
                /* the first chunk is what detection scored and converted (the same bytes
                 * from the source's start, all clean): its output is in out already */
                c->pre = false;
                if (tables && c->enc == ENC_CP932 && c->cnv == NULL && c->in_total == c->in_len &&
                    c->in_len == c->pre_in && start == c->pre_from && start < c->in_len) {
                    c->in_pos = c->in_len;
                    *n = c->pre_len;
                    *outp = c->out;
                    return AZK_OK;
                }
            }
            if (tables && start == c->in_len && c->in_eof && c->cnv == NULL) {
                /* the end, every byte converted by the tables: ICU, never opened,
                 * holds nothing to flush (most small files need no converter) */
                c->flushed = true;
                return AZK_OK;
            }
            if (tables && start < c->in_len && c->psrc == c->ptgt && cnv_idle(c->cnv)) {
                /* a window of clean characters: ICU's tables without ICU
                 * (text_tables.c) */
                size_t used = 0;
                bool clean = false;
                size_t m = azk_decode__legacy_prefix(c->enc, c->in + start, c->in_len - start,
                                                     c->in_eof, c->out, &used, &clean);
                if (clean && used > 0) {
                    c->in_pos = start + used;
                    *n = m;
                    *outp = c->out;
                    return AZK_OK;
                }
                t += m;
                c->in_pos = start + used;
                /* a character the tables do not decode cleanly, or one cut by the end */
                icu_now = !clean || c->in_pos < c->in_len;
            }
            /*
             * ICU converts the window, as it always did; with the tables only
             * the pieces they cannot do: from a character they refuse, or
             * bytes ICU holds from the last window, 16 bytes at a time until
             * ICU holds nothing, then the tables again (the same output and
             * error count: both encodings are stateless, the tables stop on
             * a character boundary, and ICU converts a stream in pieces as
             * it converts it whole). A character cut by the end of the
             * window goes to ICU, which holds it, as it did.
             */
            for (;;) {
                size_t lim = c->in_len;
                bool last;
                if (tables && !icu_now && c->psrc == c->ptgt && cnv_idle(c->cnv) &&
                    c->in_pos < c->in_len) {
                    size_t used = 0;
                    bool clean = false;
                    t += azk_decode__legacy_prefix(c->enc, c->in + c->in_pos, c->in_len - c->in_pos,
                                                   c->in_eof, (uint8_t *)t, &used, &clean);
                    c->in_pos += used;
                    icu_now = true;
                    if (clean && c->in_pos == c->in_len) {
                        if (c->in_eof)
                            c->flushed = true; /* ICU holds nothing to flush */
                        break;
                    }
                    continue;
                }
                if (tables && c->in_len - c->in_pos > 16)
                    lim = c->in_pos + 16;
                last = lim == c->in_len;
                rc = conv_icu(c);
                if (rc != AZK_OK)
                    return rc;
                s = (const char *)c->in + c->in_pos;
                ucnv_convertEx(c->u8, c->cnv, &t, (char *)c->out + OUT_CAP, &s,
                               (const char *)c->in + lim, c->pivot, &c->psrc, &c->ptgt,
                               c->pivot + PIVOT_LEN, 0, last && c->in_eof ? 1 : 0, &uerr);
                c->in_pos = (size_t)((const uint8_t *)s - c->in);
                icu_now = false;
                if (uerr == U_BUFFER_OVERFLOW_ERROR) {
                    uerr = U_ZERO_ERROR;
                    break;
                } else if (U_FAILURE(uerr)) {
                    return azk_error_set(AZK_ERR_FORMAT, "%s: conversion failed (%s)",
                                         encs[c->enc].name, u_errorName(uerr));
                } else if (last) {
                    if (c->in_eof)
                        c->flushed = true;
                    break;
                }
            }
            if ((c->enc == ENC_CP932 || c->enc == ENC_EUCJP) && c->switches < MAX_SWITCHES &&
                c->errs - errs0 >= 8 && (c->errs - errs0) * 64 > c->in_pos - start) {
                /* decoding fails badly (the encoding was steered, or the file
                 * changes encoding): decide again on this chunk, convert it again */
                enum enc e;
                size_t ebad = 0;
                rc = azk_decode__text_guess_legacy(c->in + start, c->in_pos - start, c->in_eof, &e,
                                                   NULL, &ebad);
                if (rc != AZK_OK)
                    return rc;
                if (e != c->enc && ebad * 4 < c->errs - errs0) {
                    c->switches++;
                    c->enc = e;
                    rc = conv_open_icu(c);
                    if (rc != AZK_OK)
                        return rc;
                    conv_switch_report(c);
                    c->in_pos = start;
                    c->flushed = false;
                    continue;
                }
            }
            *n = (size_t)((uint8_t *)t - c->out);
            *outp = c->out;
            if (*n > 0 || c->flushed)
                return AZK_OK;
        }
    }
}

static void conv_dispose(struct conv *c)
{
    if (c->cnv != NULL)
        ucnv_close(c->cnv);
    if (c->u8 != NULL)
        ucnv_close(c->u8);
    if (c->in != NULL)
        azk_decode__spare_give(c->spare != NULL ? &c->spare->in : NULL, c->in);
    if (c->out != NULL)
        azk_decode__spare_give(c->spare != NULL ? &c->spare->out : NULL, c->out);
}

/* ---- text object ---------------------------------------------------------------------- */

azk_status azk_decode__text(struct azk_decode_ctx *ctx, struct azk_peek *pk)
{
    struct conv c;
    struct detect_result det;
    struct azk_lines ln;
    struct azk_csv *csv = NULL;
    azk_status rc;
    uint8_t *chunk;
    size_t n;
    int delim;
    bool first = true;
    struct azk_decode_range *rg = ctx->depth == 0 ? ctx->opts->range : NULL;

    memset(&c, 0, sizeof(c));
    azk_decode__lines_init(&ln, ctx);
    if (rg != NULL && rg->cont) {
        /* a later range of a split file: it starts after a line end, in the
         * encoding the file was detected in (no detection; a BOM only at
         * the start of a replayed first row) */
        int e = rg->encoding != NULL ? enc_lookup(rg->encoding) : -1;
        if (e != ENC_UTF8 && e != ENC_CP932 && e != ENC_EUCJP) {
            rc = azk_error_set(AZK_ERR_ARG, "range: encoding cannot be split");
            goto done;
        }
        memset(&det, 0, sizeof(det));
        det.enc = (enum enc)e;
        det.ascii_only = e == ENC_UTF8 && rg->ascii_only;
        det.bom = rg->replay > 0 ? rg->bom : 0;
    } else if (ctx->opts->force_encoding != NULL) {
        memset(&det, 0, sizeof(det));
        det.enc = (enum enc)enc_lookup(ctx->opts->force_encoding);
        /* a BOM matching the forced encoding is still skipped */
        if (det.enc == ENC_UTF8 && pk->len >= 3 && memcmp(pk->buf, "\xEF\xBB\xBF", 3) == 0)
            det.bom = 3;
        else if ((det.enc == ENC_UTF16LE && pk->len >= 2 && memcmp(pk->buf, "\xFF\xFE", 2) == 0) ||
                 (det.enc == ENC_UTF16BE && pk->len >= 2 && memcmp(pk->buf, "\xFE\xFF", 2) == 0))
            det.bom = 2;
    } else {
        /* CP932 is converted as detection scores it, into the converter's output
         * buffer, when the converter's first chunk will be these bytes (the peek
         * holds the source from its start and a chunk holds the peek) */
        bool conv = !pk->passthru && pk->pos == 0 && 3 * pk->len + 4 <= OUT_CAP;
        c.spare = ctx->spare;
        if (conv) {
            c.out = azk_decode__spare_take(c.spare != NULL ? &c.spare->out : NULL, OUT_CAP);
            if (c.out == NULL) {
                rc = azk_error_nomem();
                goto done;
            }
        }
        rc = azk_decode__text_detect_conv(pk->buf, pk->len, pk->eof, &det, conv ? c.out : NULL);
        if (rc != AZK_OK)
            goto done;
        if (det.enc == ENC_CP932 && det.conv_ok) {
            c.pre = true;
            c.pre_from = det.bom;
            c.pre_in = pk->len;
            c.pre_len = det.conv_len;
        }
        if (det.binary && c.out != NULL) {
            /* the carver's own buffers come from the spares */
            azk_decode__spare_give(c.spare != NULL ? &c.spare->out : NULL, c.out);
            c.out = NULL;
        }
        if (det.binary && ctx->opts->literal) {
            azk_decode__format(ctx, "binary", NULL);
            rc = AZK_OK;
            goto done;
        }
        if (det.binary) {
            /* not text as a whole: read the text runs out of it */
            rc = azk_decode__carve(ctx, &pk->as_source, ctx->depth);
            goto done;
        }
    }
    c.ctx = ctx;
    c.src = &pk->as_source;
    c.enc = det.enc;
    c.ascii_only = det.ascii_only;
    c.format = "text";
    c.stop_at = rg != NULL && rg->cont ? rg->replay : 0;
    c.valid_to = det.enc == ENC_UTF8 && det.utf8_valid > 0 ? det.bom + det.utf8_valid : 0;
    c.spare = ctx->spare;
    c.in = azk_decode__spare_take(c.spare != NULL ? &c.spare->in : NULL, AZK_DECODE_CHUNK);
    if (c.out == NULL)
        c.out = azk_decode__spare_take(c.spare != NULL ? &c.spare->out : NULL, OUT_CAP);
    if (c.in == NULL || c.out == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    if (c.enc != ENC_UTF8) {
        rc = conv_open_icu(&c);
        if (rc != AZK_OK)
            goto done;
    }
    /* skip the BOM */
    rc = conv_fill(&c);
    if (rc != AZK_OK)
        goto done;
    c.in_pos = det.bom <= c.in_len ? det.bom : c.in_len;

    for (;;) {
        rc = conv_next(&c, &chunk, &n);
        if (rc != AZK_OK)
            goto done;
        if (first) {
            first = false;
            if (rg != NULL && rg->cont)
                delim = rg->format == NULL || strcmp(rg->format, "csv") != 0
                            ? (rg->format != NULL && strcmp(rg->format, "tsv") == 0 ? '\t' : 0)
                            : ',';
            else
                delim = azk_decode__csv_sniff(chunk, n, n < AZK_DECODE_CHUNK / 2);
            c.format = delim == ',' ? "csv" : delim == '\t' ? "tsv" : "text";
            azk_decode__format(ctx, c.format, encs[c.enc].name);
            c.reported = true;
            if (delim != 0) {
                rc = azk_decode__csv_new(&csv, ctx, delim);
                if (rc != AZK_OK)
                    goto done;
            }
        }
        if (n == 0)
            break;
        if (csv != NULL)
            rc = azk_decode__csv_feed(csv, chunk, n);
        else
            rc = azk_decode__lines_feed(&ln, chunk, n);
        if (rc != AZK_OK)
            goto done;
        if (rg != NULL && rg->cont && rg->replay > 0 && !rg->replay_done &&
            c.in_total - (c.in_len - c.in_pos) >= rg->replay) {
            /* the replayed first row is through: only exactly at its end,
             * nothing held in the converter, is the parser where the range starts */
            rg->replay_done = true;
            rg->replay_clean = csv != NULL && c.in_total - (c.in_len - c.in_pos) == rg->replay &&
                               (c.cnv == NULL || (c.psrc == c.ptgt && cnv_idle(c.cnv))) &&
                               azk_decode__csv_at_row_start(csv, &rg->replay_lines);
        }
    }
    if (rg != NULL) {
        /* what the scanner checks before joining this range to the next */
        rg->format_out = c.format;
        rg->encoding_out = encs[c.enc].name;
        rg->switched = c.switches > 0 || c.enc != det.enc;
        rg->bad = c.errs + c.bad8;
        rg->lines = ln.lineno - 1;
        rg->clean_end = ln.carry.len == 0 && !ln.cut && !ln.cr_pending && ln.qp.len == 0 &&
                        ln.hex.len == 0 && ln.b64.lines == 0;
        if (csv != NULL)
            rg->clean_end = azk_decode__csv_at_row_start(csv, &rg->lines);
    }
    if (csv != NULL)
        rc = azk_decode__csv_finish(csv);
    else
        rc = azk_decode__lines_finish(&ln);
done:
    azk_decode__csv_free(csv);
    azk_decode__lines_dispose(&ln);
    conv_dispose(&c);
    return rc;
}
