/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/text_tables.c -- CP932 and EUC-JP to UTF-8 without ICU for the
 * common case: a window of input in which every character decodes cleanly
 * (no U+FFFD) is converted by table, ASCII runs are copied sixteen bytes
 * at a time (CP932's IBM table swaps three control bytes, 0x1A 0x1C 0x7F:
 * those go by the table, every other ASCII byte is itself); conversion
 * stops at the first character that is not clean (a byte ICU would replace,
 * a character cut at the end of the object), and text.c has ICU convert
 * that one (azk_decode__legacy_prefix).
 *
 * The tables are ICU's own answers: built once per process and encoding
 * from the same converter (text.c's ibm-943_P15A-2003 for CP932,
 * ibm-33722_P12A_P12A-2009_U2 for EUC-JP, with the counting U+FFFD
 * callback), one conversion per single byte, per two-byte sequence and
 * (EUC-JP's JIS X 0212 plane, lead byte 0x8F) per three-byte sequence, an
 * entry kept only when it gave one BMP character and no error. Both
 * encodings are stateless (one byte, a lead byte and a trail byte, or
 * 0x8F and two bytes), so a character decodes the same alone as in a
 * stream, and the output is byte for byte the output of ICU. Only a byte
 * that starts some clean character waits for the next read when it ends
 * one; any other byte there is refused, as ICU reports it at once. Used by
 * conv_next in text.c and by encoding detection (text_detect.c).
 */
#include "decode/decode_int.h"

#include <pthread.h>
#include <string.h>
#include <unicode/ucnv.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include "decode/text_int.h"

/* An entry: UTF-8 bytes in the low 24 bits (first byte lowest), length in the top 8 (0: not
 * clean). */
struct table {
    enum enc enc;
    uint32_t single[256];
    uint32_t pair[128 * 256];   /* lead byte 0x80..0xFF, trail byte */
    uint32_t triple[128 * 128]; /* after lead3: two bytes 0x80..0xFF */
    int lead3;                  /* the lead byte of three-byte characters, -1: none */
    bool lead[256];             /* starts some clean multi-byte character */
    uint8_t ascii_odd[3];       /* bytes < 0x80 not decoding to themselves (at most three) */
    unsigned ascii_odd_n;
    bool ascii_fast; /* ASCII runs copied: identity but for ascii_odd */
    bool ok;
};

static struct table cp932 = {.enc = ENC_CP932, .lead3 = -1};
static struct table eucjp = {.enc = ENC_EUCJP, .lead3 = 0x8F};
static pthread_once_t cp932_once = PTHREAD_ONCE_INIT;
static pthread_once_t eucjp_once = PTHREAD_ONCE_INIT;
bool azk_decode__legacy_tables_off;

static uint32_t entry_of(const UChar *u, int32_t n)
{
    uint8_t b[4];
    size_t l;
    if (n != 1 || (u[0] >= 0xD800 && u[0] <= 0xDFFF) || u[0] == 0xFFFD)
        return 0;
    l = azk_utf8_encode(u[0], b);
    if (l == 0 || l > 3)
        return 0;
    return (uint32_t)l << 24 | (uint32_t)b[0] | (l > 1 ? (uint32_t)b[1] << 8 : 0) |
           (l > 2 ? (uint32_t)b[2] << 16 : 0);
}

/* One conversion of p[0..n) with flush: the entry, 0 when not one clean character. */
static uint32_t convert_one(UConverter *cnv, size_t *errs, const uint8_t *p, size_t n)
{
    UChar u[8];
    UChar *t = u;
    const char *s = (const char *)p;
    UErrorCode uerr = U_ZERO_ERROR;
    ucnv_resetToUnicode(cnv);
    *errs = 0;
    ucnv_toUnicode(cnv, &t, u + 8, &s, (const char *)p + n, NULL, 1, &uerr);
    if (U_FAILURE(uerr) || *errs != 0 || s != (const char *)p + n)
        return 0;
    return entry_of(u, (int32_t)(t - u));
}

static void tables_build(struct table *tb)
{
    UConverter *cnv = NULL;
    size_t errs = 0;
    unsigned a, b;
    if (azk_decode__text_open_cnv(&cnv, tb->enc, &errs) != AZK_OK)
        return;
    tb->ascii_fast = true;
    for (a = 0; a < 256; a++) {
        uint8_t x = (uint8_t)a;
        tb->single[a] = convert_one(cnv, &errs, &x, 1);
        if (a < 0x80 && tb->single[a] != ((1u << 24) | a)) {
            if (tb->ascii_odd_n < sizeof(tb->ascii_odd))
                tb->ascii_odd[tb->ascii_odd_n++] = (uint8_t)a;
            else
                tb->ascii_fast = false;
        }
    }
    for (a = tb->ascii_odd_n; a < sizeof(tb->ascii_odd); a++)
        tb->ascii_odd[a] = 0x80; /* never ASCII: stops the run anyway */
    for (a = 0x80; a < 256; a++) {
        if (tb->single[a] != 0 || (int)a == tb->lead3)
            continue;
        for (b = 0; b < 256; b++) {
            uint8_t x[2] = {(uint8_t)a, (uint8_t)b};
            tb->pair[(a - 0x80) * 256 + b] = convert_one(cnv, &errs, x, 2);
            tb->lead[a] = tb->lead[a] || tb->pair[(a - 0x80) * 256 + b] != 0;
        }
    }
    if (tb->lead3 >= 0 && tb->single[tb->lead3] == 0) {
        for (a = 0x80; a < 256; a++) {
            for (b = 0x80; b < 256; b++) {
                uint8_t x[3] = {(uint8_t)tb->lead3, (uint8_t)a, (uint8_t)b};
                tb->triple[(a - 0x80) * 128 + (b - 0x80)] = convert_one(cnv, &errs, x, 3);
                tb->lead[tb->lead3] =
                    tb->lead[tb->lead3] || tb->triple[(a - 0x80) * 128 + (b - 0x80)] != 0;
            }
        }
    } else {
        tb->lead3 = -1;
    }
    ucnv_close(cnv);
    tb->ok = true;
}

static void cp932_build(void)
{
    tables_build(&cp932);
}

static void eucjp_build(void)
{
    tables_build(&eucjp);
}

/*
 * Copy the run at p[0..n) of ASCII bytes that decode to themselves to out
 * (room for 3 * n bytes: whole 16-byte blocks are stored before the run's
 * end is known); its length.
 */
static size_t ascii_copy(const struct table *tb, const uint8_t *p, size_t n, uint8_t *out)
{
    size_t i = 0;
#if defined(__SSE2__)
    if (n >= 16) {
        const __m128i o0 = _mm_set1_epi8((char)tb->ascii_odd[0]);
        const __m128i o1 = _mm_set1_epi8((char)tb->ascii_odd[1]);
        const __m128i o2 = _mm_set1_epi8((char)tb->ascii_odd[2]);
        while (i + 16 <= n) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            __m128i odd = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, o0), _mm_cmpeq_epi8(v, o1)),
                                       _mm_cmpeq_epi8(v, o2));
            unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(v, odd));
            _mm_storeu_si128((__m128i *)(void *)(out + i), v);
            if (m != 0)
                return i + (size_t)__builtin_ctz(m);
            i += 16;
        }
    }
#endif
    while (i < n && p[i] < 0x80 && p[i] != tb->ascii_odd[0] && p[i] != tb->ascii_odd[1] &&
           p[i] != tb->ascii_odd[2]) {
        out[i] = p[i];
        i++;
    }
    return i;
}

/* The clean characters of in[0..n) to out: output length, *used, *clean when all of it. */
static size_t convert(const struct table *tb, const uint8_t *in, size_t n, bool at_eof,
                      uint8_t *out, size_t *used, bool *clean)
{
    size_t i = 0, o = 0;
    while (i < n) {
        uint32_t e;
        size_t l;
        if (tb->ascii_fast && in[i] < 0x80) {
            /* ASCII passes through, a run at a time */
            size_t a = ascii_copy(tb, in + i, n - i, out + o);
            i += a;
            o += a;
            if (i >= n)
                break;
        }
        e = tb->single[in[i]];
        if (e != 0) {
            i++;
        } else if (in[i] < 0x80) {
            goto unclean;
        } else if ((int)in[i] == tb->lead3) {
            if (i + 2 < n) {
                if (in[i + 1] < 0x80 || in[i + 2] < 0x80)
                    goto unclean;
                e = tb->triple[(in[i + 1] - 0x80) * 128 + (in[i + 2] - 0x80)];
                if (e == 0)
                    goto unclean;
                i += 3;
            } else if (!at_eof && tb->lead[in[i]] && (i + 1 == n || in[i + 1] >= 0x80)) {
                break; /* the rest of the character comes with the next read */
            } else {
                goto unclean;
            }
        } else if (i + 1 < n) {
            e = tb->pair[(in[i] - 0x80) * 256 + in[i + 1]];
            if (e == 0)
                goto unclean;
            i += 2;
        } else if (!at_eof && tb->lead[in[i]]) {
            break; /* a lead byte whose trail byte comes with the next read */
        } else {
            goto unclean;
        }
        l = e >> 24;
        out[o] = (uint8_t)e;
        if (l > 1)
            out[o + 1] = (uint8_t)(e >> 8);
        if (l > 2)
            out[o + 2] = (uint8_t)(e >> 16);
        o += l;
    }
    *used = i;
    *clean = true;
    return o;
unclean: /* in[i] starts a character the table does not decode cleanly */
    *used = i;
    *clean = false;
    return o;
}

size_t azk_decode__legacy_prefix(enum enc e, const uint8_t *in, size_t n, bool at_eof, uint8_t *out,
                                 size_t *used, bool *clean)
{
    struct table *tb;
    *used = 0;
    *clean = false;
    if (azk_decode__legacy_tables_off)
        return 0;
    if (e == ENC_CP932) {
        pthread_once(&cp932_once, cp932_build);
        tb = &cp932;
    } else if (e == ENC_EUCJP) {
        pthread_once(&eucjp_once, eucjp_build);
        tb = &eucjp;
    } else {
        return 0;
    }
    if (!tb->ok)
        return 0;
    return convert(tb, in, n, at_eof, out, used, clean);
}

size_t azk_decode__legacy_fast(enum enc e, const uint8_t *in, size_t n, bool at_eof, uint8_t *out,
                               size_t *used)
{
    bool clean;
    size_t m = azk_decode__legacy_prefix(e, in, n, at_eof, out, used, &clean);
    if (!clean) {
        *used = 0;
        return SIZE_MAX;
    }
    return m;
}
