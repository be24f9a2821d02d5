/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/text_detect.c -- encoding detection of a text object on a bounded
 * prefix: BOM, UTF-16 NUL patterns, UTF-8 (ISO-2022-JP when 7-bit with JIS
 * escapes), else CP932 and EUC-JP scored by decodability and plausibility;
 * "binary" for control bytes UTF-16 does not explain (text.c has the
 * rules in full).
 */
#include "decode/decode_int.h"

#include <string.h>
#include <strings.h>
#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include "decode/text_int.h"

/* ---- detection -------------------------------------------------------------------- */

int azk_decode__char_score(UChar u)
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
 * Score p[0..n) decoded as `e` (ICU, or its tables). Higher is better;
 * *errors gets the number of undecodable sequences.
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
    if ((e == ENC_CP932 || e == ENC_EUCJP) && !azk_decode__legacy_tables_off &&
        azk_decode__legacy_score(e, p, n, at_eof, score))
        return AZK_OK;
    rc = azk_decode__text_open_cnv(&c, e, &count);
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
        sc += azk_decode__char_score(u[i]);
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
size_t azk_decode__text_find_jis_escape(const uint8_t *p, size_t n)
{
    const uint8_t *q = memchr(p, 0x1B, n);
    while (q != NULL) {
        if (is_jis_escape(q, n - (size_t)(q - p)))
            return (size_t)(q - p);
        q = memchr(q + 1, 0x1B, n - (size_t)(q + 1 - p));
    }
    return n;
}

/* Index of the first byte >= 0x80, or n: the whole ASCII blocks with AVX2
 * (azk_decode__ascii_fast: an ASCII-only object passes each chunk through here), then words
 * and bytes (alone with azk_decode__simd_off, the tests' switch, or without AVX2). */
size_t azk_decode__text_ascii_prefix(const uint8_t *p, size_t n)
{
    size_t i = azk_decode__ascii_fast(p, n);
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
size_t azk_decode__text_utf8_valid_prefix(const uint8_t *p, size_t n, bool at_eof)
{
    size_t i = azk_decode__utf8_valid_fast(p, n); /* whole 32-byte blocks (text_simd.c) */
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

bool azk_decode__detect_shortcuts_off;

/* The bits set in a 16-bit mask, by halves (__builtin_popcount is a libgcc call
 * without -mpopcnt: ~25 instructions and a call for a handful here). */
static inline size_t pop16(unsigned x)
{
    x = x - ((x >> 1) & 0x5555u);
    x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
    x = (x + (x >> 4)) & 0x0F0Fu;
    return (size_t)((x + (x >> 8)) & 0x1Fu);
}

/*
 * UTF-8 plausibility of p[0..n): *mb valid multi-byte sequences, *bad bytes
 * that start none, as the walk a character at a time (the reference,
 * azk_decode__detect_shortcuts_off) counts them.
 */
static void utf8_counts(const uint8_t *p, size_t n, size_t *mb, size_t *bad)
{
    size_t k = 0;
    *mb = *bad = 0;
#if defined(__SSE2__)
    if (!azk_decode__detect_shortcuts_off) {
        /* The walk stops at every byte that may start a sequence (0xC2..0xF4):
         * what a valid sequence steps over is continuation bytes, never such a
         * byte. So mb is the number of those that start a valid sequence and
         * bad the bytes >= 0x80 no valid sequence holds; sixteen bytes at a
         * time, only those starts decoded (CP932's kana and most kanji lead
         * bytes are none). */
        const __m128i lo = _mm_set1_epi8((char)0xC2), hi = _mm_set1_epi8((char)0xF4);
        size_t high = 0, held = 0;
        for (; k < n; k += 16) {
            unsigned h, st;
            if (n - k >= 16) {
                __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + k));
                h = (unsigned)_mm_movemask_epi8(v);
                if (h == 0)
                    continue;
                st = (unsigned)_mm_movemask_epi8(
                    _mm_and_si128(_mm_cmpeq_epi8(_mm_max_epu8(v, lo), v),
                                  _mm_cmpeq_epi8(_mm_min_epu8(v, hi), v)));
            } else {
                h = st = 0;
                for (size_t j = k; j < n; j++) {
                    h |= (unsigned)(p[j] >= 0x80) << (j - k);
                    st |= (unsigned)(p[j] >= 0xC2 && p[j] <= 0xF4) << (j - k);
                }
            }
            high += pop16(h);
            while (st != 0) {
                size_t j = k + (size_t)__builtin_ctz(st);
                uint32_t cp;
                size_t l = azk_utf8_decode(p + j, n - j, &cp);
                if (l > 1) {
                    (*mb)++;
                    held += l;
                }
                st &= st - 1;
            }
        }
        *bad = high - held;
        return;
    }
#endif
    while (k < n) {
        uint32_t cp;
        size_t l;
        k += azk_decode__text_ascii_prefix(p + k, n - k);
        if (k >= n)
            break;
        l = azk_utf8_decode(p + k, n - k, &cp);
        if (l == 1 && cp == 0xFFFD)
            (*bad)++;
        else
            (*mb)++;
        k += l;
    }
}

bool azk_decode__detect_conv_off;

/*
 * Pick between the legacy encodings (and broken UTF-8) for p[0..n). With
 * conv (room for 3 * n + 4 bytes), CP932's tables convert what they score
 * into it: *conv_len bytes, *conv_ok when they are all of p[0..n).
 */
static azk_status guess_legacy(const uint8_t *p, size_t n, bool at_eof, enum enc *out, bool *binary,
                               size_t *errs_out, uint8_t *conv, size_t *conv_len, bool *conv_ok)
{
    static const enum enc cands[] = {ENC_CP932, ENC_EUCJP, ENC_UTF8};
    long best = 0, sc;
    size_t i, errs, best_errs = 0;
    azk_status rc;
    bool have = false;
    size_t mb, bad;
    *out = ENC_CP932;
    if (binary != NULL)
        *binary = false;
    /* mostly valid multi-byte UTF-8 with a few broken bytes: still UTF-8
     * (valid UTF-8 sequences are improbable in legacy encodings) */
    utf8_counts(p, n, &mb, &bad);
    if (mb >= 4 && bad * 4 <= mb) {
        *out = ENC_UTF8;
        if (errs_out != NULL)
            *errs_out = bad;
        return AZK_OK;
    }
    for (i = 0; i < sizeof(cands) / sizeof(cands[0]); i++) {
        if (cands[i] == ENC_UTF8 && have && !azk_decode__legacy_tables_off) {
            /* UTF-8 (last) cannot win when even its best case is no better:
             * every character ICU decodes is one of the mb above (they walk
             * byte by byte) and scores at most 4, and its U+FFFD (-30 each)
             * cover at most 3 of the `bad` bytes each, less up to 3 bytes of a
             * character cut at the end. Not read, its errors are not needed. */
            size_t lb = (bad > 3 ? bad - 3 : 0) / 3;
            if (4 * (long)mb - 30 * (long)lb <= best)
                continue;
        }
        if (cands[i] == ENC_EUCJP && have) {
            /* nor EUC-JP, when its best case is no better (CP932 text read
             * as EUC-JP, one ICU conversion per small file) */
            long b4;
            if (azk_decode__legacy_score_bound(ENC_EUCJP, p, n, at_eof, 4 * best, &b4) &&
                b4 <= 4 * best)
                continue;
        }
        if (cands[i] == ENC_CP932 && conv != NULL && !azk_decode__legacy_tables_off &&
            !azk_decode__detect_conv_off) {
            /* score and convert in one walk (clean: as score_enc, no errors) */
            size_t used;
            if (azk_decode__legacy_score_conv(ENC_CP932, p, n, at_eof, &sc, conv, conv_len,
                                              &used)) {
                errs = 0;
                *conv_ok = used == n;
                rc = AZK_OK;
            } else {
                rc = score_enc(cands[i], p, n, at_eof, &sc, &errs);
            }
        } else {
            rc = score_enc(cands[i], p, n, at_eof, &sc, &errs);
        }
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

azk_status azk_decode__text_guess_legacy(const uint8_t *p, size_t n, bool at_eof, enum enc *out,
                                         bool *binary, size_t *errs_out)
{
    return guess_legacy(p, n, at_eof, out, binary, errs_out, NULL, NULL, NULL);
}

/*
 * UTF-16 without NULs (Japanese only, no ASCII): in one byte parity the
 * high bytes of the code units sit almost all in 0x30 (kana, punctuation),
 * 0x4E..0x9F (kanji) or 0xFF (full width). Returns the candidate or UTF-8
 * (as soon as neither parity can, unless azk_decode__detect_shortcuts_off).
 */
enum enc azk_decode__text_utf16_by_high_bytes(const uint8_t *p, size_t n)
{
    size_t i, hi[2] = {0, 0}, units = n / 2, pairs = 0;
    bool early = !azk_decode__detect_shortcuts_off;
    if (units < 16)
        return ENC_UTF8;
    for (i = 0; i + 1 < n; i += 2) {
        uint8_t a = p[i], b = p[i + 1];
        hi[0] += (a == 0x30 || (a >= 0x4E && a <= 0x9F) || a == 0xFF || a == 0) ? 1 : 0;
        hi[1] += (b == 0x30 || (b >= 0x4E && b <= 0x9F) || b == 0xFF || b == 0) ? 1 : 0;
        /* more than units / 20 misses in both parities so far: neither can reach 95% */
        if (++pairs % 32 == 0 && early && (pairs - hi[0]) * 20 > units &&
            (pairs - hi[1]) * 20 > units)
            return ENC_UTF8;
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

/* NULs in p[0..n) by position mod 4, and control bytes other than NUL (text.c: what text
 * may hold is tab, line ends, form feed, vertical tab, ESC, SO and SI). */
static inline void count_ctrl_byte(const uint8_t *p, size_t i, size_t nul4[4], size_t *ctrl)
{
    uint8_t c = p[i];
    if (c == 0) {
        nul4[i & 3]++;
    } else if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v' &&
                c != 0x1B && c != 0x0E && c != 0x0F) ||
               c == 0x7F) {
        (*ctrl)++; /* SO / SI: ISO-2022-JP's kana shift */
    }
}

void azk_decode__text_count_ctrl(const uint8_t *p, size_t n, size_t nul4[4], size_t *ctrl)
{
    size_t i = 0;
    nul4[0] = nul4[1] = nul4[2] = nul4[3] = 0;
    *ctrl = 0;
#if defined(__SSE2__)
    /* sixteen bytes at a time: only the bytes below 0x20 or 0x7F (exactly those) are
     * looked at */
    if (!azk_decode__simd_off) {
        const __m128i c1f = _mm_set1_epi8(0x1F), del = _mm_set1_epi8(0x7F);
        for (; i + 16 <= n; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            __m128i low = _mm_cmpeq_epi8(_mm_min_epu8(v, c1f), v);
            unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(low, _mm_cmpeq_epi8(v, del)));
            while (m != 0) {
                count_ctrl_byte(p, i + (unsigned)__builtin_ctz(m), nul4, ctrl);
                m &= m - 1;
            }
        }
    }
#endif
    for (; i + 8 <= n; i += 8) {
        /* eight bytes none of which is below 0x20 or 0x7F (most of a text's
         * words) count nothing; otherwise only the bytes the mask marks (a
         * line end's, and maybe a few above it) are looked at */
        uint64_t w, m;
        memcpy(&w, p + i, 8);
        m = azk_decode__word_ctrl_mask(w);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        while (m != 0) {
            count_ctrl_byte(p, i + ((unsigned)__builtin_ctzll(m) >> 3), nul4, ctrl);
            m &= m - 1;
        }
#else
        if (m != 0)
            for (size_t j = 0; j < 8; j++)
                count_ctrl_byte(p, i + j, nul4, ctrl);
#endif
    }
    for (; i < n; i++)
        count_ctrl_byte(p, i, nul4, ctrl);
}

azk_status azk_decode__text_detect(const uint8_t *p, size_t n, bool at_eof, struct detect_result *r)
{
    return azk_decode__text_detect_conv(p, n, at_eof, r, NULL);
}

azk_status azk_decode__text_detect_conv(const uint8_t *p, size_t n, bool at_eof,
                                        struct detect_result *r, uint8_t *conv)
{
    bool conv_ok = false;
    size_t nul_even, nul_odd, ctrl = 0, units, bom = 0;
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
        !(azk_decode__text_utf8_valid_prefix(p, n, at_eof) == n && memchr(p, 0, n) == NULL)) {
        size_t unit = (hint == ENC_UTF32LE || hint == ENC_UTF32BE) ? 4 : 2;
        rc = confirm(hint, p, n, unit, &ok);
        if (rc != AZK_OK)
            return rc;
        if (ok) {
            r->enc = hint;
            return AZK_OK;
        }
    }
    azk_decode__text_count_ctrl(p, n, nul4, &ctrl);
    nul_even = nul4[0] + nul4[2];
    nul_odd = nul4[1] + nul4[3];
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
        enum enc u16 = azk_decode__text_utf16_by_high_bytes(p, n);
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
    if (azk_decode__text_utf8_valid_prefix(p, n, at_eof) == n) {
        /* the converter need not validate these again: whole characters
         * only (without the last one, which may be cut, unless at the end) */
        size_t k = n;
        if (!at_eof) {
            while (k > 0 && (p[k - 1] & 0xC0) == 0x80)
                k--;
            k = k > 0 ? k - 1 : 0;
        }
        r->utf8_valid = k;
        if (azk_decode__text_ascii_prefix(p, n) == n) {
            if (azk_decode__text_find_jis_escape(p, n) < n) {
                r->enc = ENC_ISO2022JP;
                return AZK_OK;
            }
            r->ascii_only = true;
        }
        return AZK_OK;
    }
    {
        enum enc u16 = azk_decode__text_utf16_by_high_bytes(p, n), legacy;
        rc = guess_legacy(p, n, at_eof, &legacy, &r->binary, NULL, conv, &r->conv_len, &conv_ok);
        if (rc != AZK_OK)
            return rc;
        r->enc = legacy;
        r->conv_ok = conv_ok && legacy == ENC_CP932;
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
                r->conv_ok = false;
            }
        }
        return AZK_OK;
    }
}

azk_status azk_decode__looks_text(const uint8_t *p, size_t n, bool at_eof, bool *text)
{
    struct detect_result r;
    azk_status rc = azk_decode__text_detect(p, n, at_eof, &r);
    *text = rc == AZK_OK && !r.binary && n > 0;
    return rc;
}
