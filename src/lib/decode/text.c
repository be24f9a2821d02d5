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

enum enc {
    ENC_UTF8 = 0,
    ENC_UTF16LE,
    ENC_UTF16BE,
    ENC_CP932,
    ENC_EUCJP,
    ENC_ISO2022JP,
    ENC_UTF32LE,
    ENC_UTF32BE
};

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

/* ---- ICU helpers ------------------------------------------------------------------ */

#define PIVOT_LEN_MEM 1024

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
    rc = open_cnv(&c, (enum enc)e, errors);
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
static azk_status guess_legacy(const uint8_t *p, size_t n, bool at_eof, enum enc *out, bool *binary,
                               size_t *errs_out)
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
        if (errs_out != NULL)
            *errs_out = bad;
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
    if (errs_out != NULL)
        *errs_out = best_errs;
    return AZK_OK;
}

struct detect_result {
    enum enc enc;
    size_t bom;
    bool binary;
    bool ascii_only; /* UTF-8 guessed from ASCII only: re-check later */
};

/*
 * UTF-16 without NULs (Japanese only, no ASCII): in one byte parity the
 * high bytes of the code units sit almost all in 0x30 (kana, punctuation),
 * 0x4E..0x9F (kanji) or 0xFF (full width). Returns the candidate or UTF-8.
 */
static enum enc utf16_by_high_bytes(const uint8_t *p, size_t n)
{
    size_t i, hi[2] = {0, 0}, units = n / 2;
    if (units < 16)
        return ENC_UTF8;
    for (i = 0; i + 1 < n; i += 2) {
        uint8_t a = p[i], b = p[i + 1];
        hi[0] += (a == 0x30 || (a >= 0x4E && a <= 0x9F) || a == 0xFF || a == 0) ? 1 : 0;
        hi[1] += (b == 0x30 || (b >= 0x4E && b <= 0x9F) || b == 0xFF || b == 0) ? 1 : 0;
    }
    if (hi[1] * 20 >= units * 19 && hi[0] * 10 < units * 8)
        return ENC_UTF16LE;
    if (hi[0] * 20 >= units * 19 && hi[1] * 10 < units * 8)
        return ENC_UTF16BE;
    return ENC_UTF8;
}

/* Whether p[0..n) decodes as `e` with few errors and a non-negative score. */
static azk_status confirm(enum enc e, const uint8_t *p, size_t n, size_t unit, bool *ok)
{
    long sc;
    size_t errs, units = n / unit;
    azk_status rc = score_enc(e, p, n - n % unit, true, &sc, &errs);
    *ok = false;
    if (rc != AZK_OK)
        return rc;
    *ok = units > 0 && errs * 20 <= units && sc >= 0;
    return AZK_OK;
}

static azk_status detect(const uint8_t *p, size_t n, bool at_eof, struct detect_result *r)
{
    size_t i, nul_even = 0, nul_odd = 0, ctrl = 0, units, bom = 0;
    size_t nul4[4] = {0, 0, 0, 0};
    enum enc hint = ENC_UTF8;
    azk_status rc;
    bool ok;

    memset(r, 0, sizeof(*r));
    r->enc = ENC_UTF8;
    /* byte-order marks, possibly several (one prepended to evade): the last
     * one is a hint, confirmed by the content */
    for (;;) {
        if (n - bom >= 4 && memcmp(p + bom, "\xFF\xFE\0\0", 4) == 0) {
            hint = ENC_UTF32LE;
            bom += 4;
        } else if (n - bom >= 4 && memcmp(p + bom, "\0\0\xFE\xFF", 4) == 0) {
            hint = ENC_UTF32BE;
            bom += 4;
        } else if (n - bom >= 3 && memcmp(p + bom, "\xEF\xBB\xBF", 3) == 0) {
            hint = ENC_UTF8;
            bom += 3;
        } else if (n - bom >= 2 && memcmp(p + bom, "\xFF\xFE", 2) == 0) {
            hint = ENC_UTF16LE;
            bom += 2;
        } else if (n - bom >= 2 && memcmp(p + bom, "\xFE\xFF", 2) == 0) {
            hint = ENC_UTF16BE;
            bom += 2;
        } else {
            break;
        }
    }
    r->bom = bom;
    p += bom;
    n -= bom;
    /* text that is valid UTF-8 without NULs is not UTF-16 / UTF-32 whatever
     * mark stands before it */
    if (hint != ENC_UTF8 && n > 0 &&
        !(utf8_valid_prefix(p, n, at_eof) == n && memchr(p, 0, n) == NULL)) {
        size_t unit = (hint == ENC_UTF32LE || hint == ENC_UTF32BE) ? 4 : 2;
        rc = confirm(hint, p, n, unit, &ok);
        if (rc != AZK_OK)
            return rc;
        if (ok) {
            r->enc = hint;
            return AZK_OK;
        }
    }
    for (i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c == 0) {
            if (i & 1)
                nul_odd++;
            else
                nul_even++;
            nul4[i & 3]++;
        } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' &&
                    c != 0x1B && c != 0x0E && c != 0x0F) ||
                   c == 0x7F) {
            ctrl++; /* SO / SI: ISO-2022-JP's kana shift */
        }
    }
    units = n / 2;
    /* UTF-32: the two high bytes of every unit are NUL */
    if (n >= 16) {
        size_t q = n / 4;
        enum enc cand = ENC_UTF8;
        if (nul4[2] * 10 >= q * 9 && nul4[3] * 10 >= q * 9)
            cand = ENC_UTF32LE;
        else if (nul4[0] * 10 >= q * 9 && nul4[1] * 10 >= q * 9)
            cand = ENC_UTF32BE;
        if (cand != ENC_UTF8) {
            rc = confirm(cand, p, n, 4, &ok);
            if (rc != AZK_OK)
                return rc;
            if (ok) {
                r->enc = cand;
                return AZK_OK;
            }
        }
    }
    /* UTF-16: NULs (high bytes of ASCII) in one parity only */
    if (units > 0 && (nul_even + nul_odd) * 20 > units) {
        enum enc cand = ENC_UTF8;
        if (nul_odd > 4 * nul_even)
            cand = ENC_UTF16LE;
        else if (nul_even > 4 * nul_odd)
            cand = ENC_UTF16BE;
        if (cand != ENC_UTF8) {
            rc = confirm(cand, p, n, 2, &ok);
            if (rc != AZK_OK)
                return rc;
            if (ok && n >= 4) {
                /* an odd number of junk bytes before UTF-16LE makes it look like
                 * BE (and the reverse): ASCII reads the same, Japanese does not.
                 * The other byte order one byte on may read better. */
                enum enc alt = cand == ENC_UTF16LE ? ENC_UTF16BE : ENC_UTF16LE;
                long s0, s1;
                size_t e0, e1;
                rc = score_enc(cand, p, n & ~(size_t)1, true, &s0, &e0);
                if (rc == AZK_OK)
                    rc = score_enc(alt, p + 1, (n - 1) & ~(size_t)1, true, &s1, &e1);
                if (rc != AZK_OK)
                    return rc;
                if (s1 > s0 && e1 <= e0) {
                    r->enc = alt;
                    r->bom += 1;
                    return AZK_OK;
                }
            }
            if (ok) {
                r->enc = cand;
                return AZK_OK;
            }
        }
    }
    /* UTF-16 of Japanese only: no NULs, and its low bytes look like control
     * bytes; the high bytes give it away */
    if (ctrl > 0) {
        enum enc u16 = utf16_by_high_bytes(p, n);
        if (u16 != ENC_UTF8) {
            long s16;
            size_t e16;
            rc = score_enc(u16, p, n & ~(size_t)1, true, &s16, &e16);
            if (rc != AZK_OK)
                return rc;
            if (e16 * 20 <= units && s16 >= (long)units) {
                r->enc = u16;
                return AZK_OK;
            }
        }
    }
    /* Control bytes are rare in text: many are junk before, after or inside
     * it. The carver reads the text runs between them. A few stray ones (a
     * NUL in a log) leave the file text. */
    if ((ctrl + nul_even + nul_odd) * 32 > n ||
        (ctrl + nul_even + nul_odd >= 16 && (ctrl + nul_even + nul_odd) * 256 > n)) {
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
    {
        enum enc u16 = utf16_by_high_bytes(p, n), legacy;
        rc = guess_legacy(p, n, at_eof, &legacy, &r->binary, NULL);
        if (rc != AZK_OK)
            return rc;
        r->enc = legacy;
        if (u16 != ENC_UTF8) {
            /* CP932 kana and kanji lead bytes look like UTF-16 high bytes too:
             * the better reading wins */
            long s16, sl;
            size_t e16, el;
            rc = score_enc(u16, p, n & ~(size_t)1, true, &s16, &e16);
            if (rc == AZK_OK)
                rc = score_enc(legacy, p, n, at_eof, &sl, &el);
            if (rc != AZK_OK)
                return rc;
            if (e16 * 20 <= n / 2 && s16 > sl) {
                r->enc = u16;
                r->binary = false;
            }
        }
        return AZK_OK;
    }
}

azk_status azk_decode__looks_text(const uint8_t *p, size_t n, bool at_eof, bool *text)
{
    struct detect_result r;
    azk_status rc = detect(p, n, at_eof, &r);
    *text = rc == AZK_OK && !r.binary && n > 0;
    return rc;
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
    size_t errs;       /* undecodable sequences so far (ICU callback) */
    bool want_full;    /* next fill: a full chunk (to decide the encoding on) */
    unsigned switches; /* encoding re-decisions after bad chunks */
};

/* Re-decisions per object: enough for a few mixed parts, no ping-pong. */
#define MAX_SWITCHES 8

static azk_status conv_open_icu(struct conv *c)
{
    UErrorCode uerr = U_ZERO_ERROR;
    azk_status rc;
    if (c->cnv != NULL) {
        ucnv_close(c->cnv);
        c->cnv = NULL;
    }
    c->psrc = c->ptgt = c->pivot;
    if (c->enc == ENC_UTF8)
        return AZK_OK; /* the fast path needs no converter */
    rc = open_cnv(&c->cnv, c->enc, &c->errs);
    if (rc != AZK_OK)
        return rc;
    if (c->u8 == NULL) {
        c->u8 = ucnv_open("UTF-8", &uerr);
        if (U_FAILURE(uerr) || c->u8 == NULL)
            return azk_error_set(AZK_ERR_UNSUPPORTED, "ICU UTF-8 converter unavailable");
    }
    return AZK_OK;
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
        size_t got = 0;
        rc = c->src->read(c->src->ctx, c->in + c->in_len, AZK_DECODE_CHUNK - c->in_len, &got);
        if (rc != AZK_OK)
            return rc;
        if (got == 0)
            c->in_eof = true;
        c->in_len += got;
        if (got > 0 && !full)
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
                    if (utf8_valid_prefix(c->in + a, end - a, true) == 0) {
                        enum enc e;
                        rc = guess_legacy(c->in + a, c->in_len - a, c->in_eof, &e, NULL, NULL);
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
            {
                size_t bad;
                *n = utf8_repair(c->in, end, c->out, &bad);
                if (!c->ascii_only && c->switches < MAX_SWITCHES && bad >= 8 && bad * 64 > end) {
                    /* decoding fails badly: decide again on this chunk */
                    enum enc e;
                    size_t ebad = 0;
                    rc = guess_legacy(c->in, end, c->in_eof, &e, NULL, &ebad);
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
            }
            *outp = c->out;
            c->in_pos = end;
            return AZK_OK;
        } else {
            UErrorCode uerr = U_ZERO_ERROR;
            char *t = (char *)c->out;
            const char *s;
            size_t start, errs0 = c->errs;
            if (c->flushed)
                return AZK_OK;
            if (c->in_pos >= c->in_len && !c->in_eof) {
                rc = conv_fill(c);
                if (rc != AZK_OK)
                    return rc;
            }
            start = c->in_pos;
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
            if ((c->enc == ENC_CP932 || c->enc == ENC_EUCJP) && c->switches < MAX_SWITCHES &&
                c->errs - errs0 >= 8 && (c->errs - errs0) * 64 > c->in_pos - start) {
                /* decoding fails badly (the encoding was steered, or the file
                 * changes encoding): decide again on this chunk, convert it again */
                enum enc e;
                size_t ebad = 0;
                rc = guess_legacy(c->in + start, c->in_pos - start, c->in_eof, &e, NULL, &ebad);
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
 * A complete line (or a piece of a long one): gathered when it is a base64 body line (MIME, PEM,
 * `base64` output wrapped at 76), else emitted after any gathered block.
 */
static azk_status line_out(struct azk_lines *ln, uint8_t *p, size_t n, bool continued)
{
    azk_status rc;
    if (ln->ctx->opts->literal)
        return azk_decode__emit_line(ln->ctx, ln->lineno, p, n, continued, NULL);
    if (!continued && (n >= 8 || ln->hex.len > 0) && ln->hex.len < AZK_DECODE_B64_BLOCK_MAX &&
        azk_decode__hex_line(p, n, ln->hex.len > 0, &ln->hex)) {
        /* kept as it is too: a line of numbers may be data */
    } else if (ln->hex.len > 0) {
        rc = hex_flush(ln);
        if (rc != AZK_OK)
            return rc;
    }
    if ((ln->b64.lines > 0 || n >= 16) && azk_decode__b64_line(p, n) &&
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
        if (azk_decode__b64_line(p, n) && n >= 16)
            return line_out(ln, p, n, continued); /* a block that hit the size bound goes on */
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
        rc = line_out(ln, ln->carry.data, cut, ln->cut);
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
            rc = line_out(ln, ln->carry.data, ln->carry.len, ln->cut);
            azk_buf_clear(&ln->carry);
        } else if (ln->cut) {
            rc = line_out(ln, p, (size_t)(e - p), true);
        } else {
            rc = line_out(ln, p, (size_t)(e - p), false);
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
        rc = line_out(ln, ln->carry.data, ln->carry.len, ln->cut);
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
