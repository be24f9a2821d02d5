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
 * UTF-8 input takes a fast path (validate, no ICU); the others go through
 * ICU (ucnv_convertEx with a pivot buffer) in 64 KiB chunks. Undecodable
 * bytes become U+FFFD and never stop the object.
 */
#include "decode/decode_int.h"

#include <string.h>
#include <strings.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>

enum enc { ENC_UTF8 = 0, ENC_UTF16LE, ENC_UTF16BE, ENC_CP932, ENC_EUCJP, ENC_ISO2022JP };

static const struct {
    const char *name; /* reported */
    const char *icu;  /* ICU converter */
} encs[] = {
    {"utf-8", "UTF-8"},
    {"utf-16le", "UTF-16LE"},
    {"utf-16be", "UTF-16BE"},
    {"cp932", "ibm-943_P15A-2003"},
    {"euc-jp", "ibm-33722_P12A_P12A-2009_U2"},
    {"iso-2022-jp", "ISO_2022,locale=ja,version=3"},
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

/* ---- ICU helpers ------------------------------------------------------------------ */

/* toUnicode callback: every undecodable sequence becomes one U+FFFD, counted. */
static void U_CALLCONV to_u_fffd(const void *context, UConverterToUnicodeArgs *args,
                                 const char *units, int32_t length, UConverterCallbackReason reason,
                                 UErrorCode *err)
{
    static const UChar repl = 0xFFFD;
    (void)units;
    (void)length;
    if (reason > UCNV_IRREGULAR)
        return;
    if (context != NULL)
        (*(size_t *)(uintptr_t)context)++;
    *err = U_ZERO_ERROR;
    ucnv_cbToUWriteUChars(args, &repl, 1, 0, err);
}

static azk_status open_cnv(UConverter **out, enum enc e, size_t *errcount)
{
    UErrorCode uerr = U_ZERO_ERROR;
    UConverter *c = ucnv_open(encs[e].icu, &uerr);
    if (U_FAILURE(uerr) || c == NULL)
        return azk_error_set(AZK_ERR_UNSUPPORTED, "ICU converter for %s unavailable", encs[e].name);
    ucnv_setToUCallBack(c, to_u_fffd, errcount, NULL, NULL, &uerr);
    if (U_FAILURE(uerr)) {
        ucnv_close(c);
        return azk_error_set(AZK_ERR_UNSUPPORTED, "ICU callback setup failed");
    }
    *out = c;
    return AZK_OK;
}

/* ---- detection -------------------------------------------------------------------- */

/* Points a decoded character adds to the plausibility of an encoding. */
static int char_score(UChar u)
{
    if (u == 0xFFFD)
        return -30;
    if (u >= 0x3041 && u <= 0x309F)
        return 4; /* hiragana */
    if (u >= 0x30A0 && u <= 0x30FF)
        return 3; /* katakana */
    if (u >= 0x4E00 && u <= 0x9FFF)
        return 2; /* kanji */
    if (u >= 0x3000 && u <= 0x303F)
        return 2; /* CJK punctuation */
    if (u >= 0xFF01 && u <= 0xFF5E)
        return 1; /* full-width ASCII */
    if (u == '\t' || u == '\n' || u == '\r' || (u >= 0x20 && u < 0x7F))
        return 0;
    if (u >= 0xFF61 && u <= 0xFF9F)
        return -1; /* half-width kana: real, but what EUC-JP read as CP932 looks like */
    if (u >= 0x2460 && u <= 0x24FF)
        return 0; /* circled numbers (NEC row 13) */
    if (u < 0x20 || u == 0x7F || (u >= 0x80 && u < 0xA0))
        return -8;
    if (u >= 0xE000 && u <= 0xF8FF)
        return -10; /* private use: user-defined area, rarely real */
    if (u >= 0xD800 && u <= 0xDFFF)
        return -10;
    return -2;
}

/*
 * Score p[0..n) decoded as `e` (ICU). Higher is better; *errors gets the
 * number of undecodable sequences.
 */
static azk_status score_enc(enum enc e, const uint8_t *p, size_t n, bool at_eof, long *score,
                            size_t *errors)
{
    UConverter *c = NULL;
    UChar *u = NULL;
    UChar *t;
    const char *s = (const char *)p;
    size_t cap = n + 16, i, count = 0;
    UErrorCode uerr = U_ZERO_ERROR;
    azk_status rc;
    long sc = 0;

    *score = 0;
    *errors = 0;
    rc = open_cnv(&c, e, &count);
    if (rc != AZK_OK)
        goto done;
    u = azk_malloc(cap * sizeof(UChar));
    if (u == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    t = u;
    ucnv_toUnicode(c, &t, u + cap, &s, (const char *)p + n, NULL, at_eof ? 1 : 0, &uerr);
    if (U_FAILURE(uerr)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "encoding detection failed");
        goto done;
    }
    for (i = 0; i < (size_t)(t - u); i++)
        sc += char_score(u[i]);
    *score = sc;
    *errors = count;
    rc = AZK_OK;
done:
    azk_free(u);
    if (c != NULL)
        ucnv_close(c);
    return rc;
}

static bool is_jis_escape(const uint8_t *p, size_t n)
{
    if (n < 3 || p[0] != 0x1B)
        return false;
    if (p[1] == '$' && (p[2] == 'B' || p[2] == '@' || p[2] == '('))
        return true;
    if (p[1] == '(' && (p[2] == 'I' || p[2] == 'J'))
        return true;
    return false;
}

/* First JIS escape sequence in p[0..n), or n. */
static size_t find_jis_escape(const uint8_t *p, size_t n)
{
    const uint8_t *q = memchr(p, 0x1B, n);
    while (q != NULL) {
        if (is_jis_escape(q, n - (size_t)(q - p)))
            return (size_t)(q - p);
        q = memchr(q + 1, 0x1B, n - (size_t)(q + 1 - p));
    }
    return n;
}

/* Index of the first byte >= 0x80, or n. */
static size_t ascii_prefix(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i + 8 <= n) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ULL)
            break;
        i += 8;
    }
    while (i < n && p[i] < 0x80)
        i++;
    return i;
}

/*
 * Length of the valid UTF-8 prefix of p[0..n) (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF). With !at_eof a character cut by the
 * end counts as valid (it completes in the next chunk). Inline on purpose:
 * this is the hot loop of the UTF-8 fast path.
 */
static size_t utf8_valid_prefix(const uint8_t *p, size_t n, bool at_eof)
{
    size_t i = 0;
    while (i < n) {
        uint8_t c = p[i];
        if (c < 0x80) {
            uint64_t w;
            if (i + 8 <= n) {
                memcpy(&w, p + i, 8);
                if ((w & 0x8080808080808080ULL) == 0) {
                    i += 8;
                    continue;
                }
            }
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            if (i + 1 < n && (p[i + 1] & 0xC0) == 0x80) {
                i += 2;
                continue;
            }
        } else if (c >= 0xE0 && c <= 0xEF) {
            if (i + 2 < n && (p[i + 1] & 0xC0) == 0x80 && (p[i + 2] & 0xC0) == 0x80) {
                uint32_t cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(p[i + 1] & 0x3F) << 6) |
                              (uint32_t)(p[i + 2] & 0x3F);
                if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
                    i += 3;
                    continue;
                }
            }
        } else if (c >= 0xF0 && c <= 0xF4) {
            if (i + 3 < n && (p[i + 1] & 0xC0) == 0x80 && (p[i + 2] & 0xC0) == 0x80 &&
                (p[i + 3] & 0xC0) == 0x80) {
                uint32_t cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(p[i + 1] & 0x3F) << 12) |
                              ((uint32_t)(p[i + 2] & 0x3F) << 6) | (uint32_t)(p[i + 3] & 0x3F);
                if (cp >= 0x10000 && cp <= 0x10FFFF) {
                    i += 4;
                    continue;
                }
            }
        }
        if (!at_eof && azk_decode__utf8_boundary(p + i, n - i) == 0)
            return n; /* truncated last character */
        return i;
    }
    return n;
}

/* Pick between the legacy encodings (and broken UTF-8) for p[0..n). */
static azk_status guess_legacy(const uint8_t *p, size_t n, bool at_eof, enum enc *out, bool *binary)
{
    static const enum enc cands[] = {ENC_CP932, ENC_EUCJP, ENC_UTF8};
    long best = 0, sc;
    size_t i, errs, best_errs = 0;
    azk_status rc;
    bool have = false;
    size_t mb = 0, bad = 0, k = 0;
    *out = ENC_CP932;
    if (binary != NULL)
        *binary = false;
    /* mostly valid multi-byte UTF-8 with a few broken bytes: still UTF-8
     * (valid UTF-8 sequences are improbable in legacy encodings) */
    while (k < n) {
        uint32_t cp;
        size_t l;
        k += ascii_prefix(p + k, n - k);
        if (k >= n)
            break;
        l = azk_utf8_decode(p + k, n - k, &cp);
        if (l == 1 && cp == 0xFFFD)
            bad++;
        else
            mb++;
        k += l;
    }
    if (mb >= 4 && bad * 4 <= mb) {
        *out = ENC_UTF8;
        return AZK_OK;
    }
    for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
        rc = score_enc(cands[i], p, n, at_eof, &sc, &errs);
        if (rc != AZK_OK)
            return rc;
        if (!have || sc > best) {
            best = sc;
            best_errs = errs;
            *out = cands[i];
            have = true;
        }
    }
    /* many undecodable sequences in the best reading: not text */
    if (binary != NULL)
        *binary = best_errs * 8 > n;
    return AZK_OK;
}

struct detect_result {
    enum enc enc;
    size_t bom;
    bool binary;
    bool ascii_only; /* UTF-8 guessed from ASCII only: re-check later */
};

static azk_status detect(const uint8_t *p, size_t n, bool at_eof, struct detect_result *r)
{
    size_t i, nul_even = 0, nul_odd = 0, ctrl = 0, units;
    azk_status rc;

    memset(r, 0, sizeof(*r));
    r->enc = ENC_UTF8;
    if (n >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        r->bom = 3;
        return AZK_OK;
    }
    if (n >= 2 && p[0] == 0xFF && p[1] == 0xFE) {
        r->enc = ENC_UTF16LE;
        r->bom = 2;
        return AZK_OK;
    }
    if (n >= 2 && p[0] == 0xFE && p[1] == 0xFF) {
        r->enc = ENC_UTF16BE;
        r->bom = 2;
        return AZK_OK;
    }
    for (i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == 0) {
            if (i & 1)
                nul_odd++;
            else
                nul_even++;
        } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' &&
                    c != 0x1B) ||
                   c == 0x7F) {
            ctrl++;
        }
    }
    units = n / 2;
    /* UTF-16: NULs (high bytes of ASCII) in one parity only */
    if (units > 0 && (nul_even + nul_odd) * 20 > units) {
        enum enc cand = ENC_UTF8;
        if (nul_odd > 4 * nul_even)
            cand = ENC_UTF16LE;
        else if (nul_even > 4 * nul_odd)
            cand = ENC_UTF16BE;
        if (cand != ENC_UTF8) {
            long sc;
            size_t errs;
            rc = score_enc(cand, p, n & ~(size_t)1, true, &sc, &errs);
            if (rc != AZK_OK)
                return rc;
            if (errs * 20 <= units && sc >= 0) {
                r->enc = cand;
                return AZK_OK;
            }
        }
    }
    if ((ctrl + nul_even + nul_odd) * 10 > n) {
        r->binary = true;
        return AZK_OK;
    }
    if (utf8_valid_prefix(p, n, at_eof) == n) {
        if (ascii_prefix(p, n) == n) {
            if (find_jis_escape(p, n) < n) {
                r->enc = ENC_ISO2022JP;
                return AZK_OK;
            }
            r->ascii_only = true;
        }
        return AZK_OK;
    }
    return guess_legacy(p, n, at_eof, &r->enc, &r->binary);
}

/* ---- conversion --------------------------------------------------------------------- */

#define PIVOT_LEN 1024
/* every input byte may become U+FFFD (3 bytes) in the UTF-8 repair path */
#define OUT_CAP (3 * AZK_DECODE_CHUNK + 64)

struct conv {
    struct azk_decode_ctx *ctx;
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
};

static azk_status conv_open_icu(struct conv *c)
{
    UErrorCode uerr = U_ZERO_ERROR;
    azk_status rc = open_cnv(&c->cnv, c->enc, NULL);
    if (rc != AZK_OK)
        return rc;
    c->u8 = ucnv_open("UTF-8", &uerr);
    if (U_FAILURE(uerr) || c->u8 == NULL)
        return azk_error_set(AZK_ERR_UNSUPPORTED, "ICU UTF-8 converter unavailable");
    c->psrc = c->ptgt = c->pivot;
    return AZK_OK;
}

/* Refill the input buffer, keeping in[in_pos..in_len). */
static azk_status conv_fill(struct conv *c)
{
    azk_status rc;
    if (c->in_pos > 0) {
        memmove(c->in, c->in + c->in_pos, c->in_len - c->in_pos);
        c->in_len -= c->in_pos;
        c->in_pos = 0;
    }
    while (!c->in_eof && c->in_len < AZK_DECODE_CHUNK) {
        size_t got = 0;
        rc = c->src->read(c->src->ctx, c->in + c->in_len, AZK_DECODE_CHUNK - c->in_len, &got);
        if (rc != AZK_OK)
            return rc;
        if (got == 0)
            c->in_eof = true;
        c->in_len += got;
        if (got > 0)
            break; /* one read per chunk: keep latency and memory flat */
    }
    return AZK_OK;
}

/* Copy p[0..n) to out with each invalid UTF-8 sequence replaced by U+FFFD. */
static size_t utf8_repair(const uint8_t *p, size_t n, uint8_t *out)
{
    size_t i = 0, o = 0;
    while (i < n) {
        size_t a = ascii_prefix(p + i, n - i);
        uint32_t cp;
        size_t l;
        memcpy(out + o, p + i, a);
        o += a;
        i += a;
        if (i >= n)
            break;
        l = azk_utf8_decode(p + i, n - i, &cp);
        if (l == 1 && cp == 0xFFFD) {
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
            if (c->in_pos >= c->in_len || !c->in_eof) {
                rc = conv_fill(c);
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
                size_t a = ascii_prefix(c->in, end);
                size_t esc = find_jis_escape(c->in, a);
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
                if (a < end) {
                    /* the first non-ASCII character decides: UTF-8 or legacy */
                    c->ascii_only = false;
                    if (utf8_valid_prefix(c->in + a, end - a, true) == 0) {
                        enum enc e;
                        rc = guess_legacy(c->in + a, c->in_len - a, c->in_eof, &e, NULL);
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
            valid = utf8_valid_prefix(c->in, end, true);
            if (valid == end) {
                *outp = c->in;
                *n = end;
                c->in_pos = end;
                return AZK_OK;
            }
            *n = utf8_repair(c->in, end, c->out);
            *outp = c->out;
            c->in_pos = end;
            return AZK_OK;
        } else {
            UErrorCode uerr = U_ZERO_ERROR;
            char *t = (char *)c->out;
            const char *s;
            if (c->flushed)
                return AZK_OK;
            if (c->in_pos >= c->in_len && !c->in_eof) {
                rc = conv_fill(c);
                if (rc != AZK_OK)
                    return rc;
            }
            s = (const char *)c->in + c->in_pos;
            ucnv_convertEx(c->u8, c->cnv, &t, (char *)c->out + OUT_CAP, &s,
                           (const char *)c->in + c->in_len, c->pivot, &c->psrc, &c->ptgt,
                           c->pivot + PIVOT_LEN, 0, c->in_eof ? 1 : 0, &uerr);
            c->in_pos = (size_t)((const uint8_t *)s - c->in);
            if (uerr == U_BUFFER_OVERFLOW_ERROR) {
                uerr = U_ZERO_ERROR;
            } else if (U_FAILURE(uerr)) {
                return azk_error_set(AZK_ERR_FORMAT, "%s: conversion failed (%s)",
                                     encs[c->enc].name, u_errorName(uerr));
            } else if (c->in_eof) {
                c->flushed = true;
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
    azk_free(c->in);
    azk_free(c->out);
}

/* ---- lines -------------------------------------------------------------------------- */

void azk_decode__lines_init(struct azk_lines *ln, struct azk_decode_ctx *ctx)
{
    memset(ln, 0, sizeof(*ln));
    ln->ctx = ctx;
    ln->lineno = 1;
}

void azk_decode__lines_dispose(struct azk_lines *ln)
{
    azk_buf_dispose(&ln->carry);
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
        rc = azk_decode__emit_line(ln->ctx, ln->lineno, ln->carry.data, cut, ln->cut, NULL);
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
    if (n == 0)
        return AZK_OK;
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
            rc = azk_decode__emit_line(ln->ctx, ln->lineno, ln->carry.data, ln->carry.len, ln->cut,
                                       NULL);
            azk_buf_clear(&ln->carry);
        } else if (ln->cut) {
            rc = azk_decode__emit_line(ln->ctx, ln->lineno, p, (size_t)(e - p), true, NULL);
        } else {
            rc = azk_decode__emit_line(ln->ctx, ln->lineno, p, (size_t)(e - p), false, NULL);
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
        rc = azk_decode__emit_line(ln->ctx, ln->lineno, ln->carry.data, ln->carry.len, ln->cut,
                                   NULL);
        azk_buf_clear(&ln->carry);
    }
    return rc;
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

    memset(&c, 0, sizeof(c));
    azk_decode__lines_init(&ln, ctx);
    if (ctx->opts->force_encoding != NULL) {
        memset(&det, 0, sizeof(det));
        det.enc = (enum enc)enc_lookup(ctx->opts->force_encoding);
        /* a BOM matching the forced encoding is still skipped */
        if (det.enc == ENC_UTF8 && pk->len >= 3 && memcmp(pk->buf, "\xEF\xBB\xBF", 3) == 0)
            det.bom = 3;
        else if ((det.enc == ENC_UTF16LE && pk->len >= 2 && memcmp(pk->buf, "\xFF\xFE", 2) == 0) ||
                 (det.enc == ENC_UTF16BE && pk->len >= 2 && memcmp(pk->buf, "\xFE\xFF", 2) == 0))
            det.bom = 2;
    } else {
        rc = detect(pk->buf, pk->len, pk->eof, &det);
        if (rc != AZK_OK)
            goto done;
        if (det.binary) {
            azk_decode__format(ctx, "binary", NULL);
            rc = AZK_OK;
            goto done;
        }
    }
    c.ctx = ctx;
    c.src = &pk->as_source;
    c.enc = det.enc;
    c.ascii_only = det.ascii_only;
    c.format = "text";
    c.in = azk_malloc(AZK_DECODE_CHUNK);
    c.out = azk_malloc(OUT_CAP);
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
