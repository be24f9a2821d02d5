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
 * The tables are ICU's own answers (text_answers.c): from the same
 * converter (text.c's ibm-943_P15A-2003 for CP932,
 * ibm-33722_P12A_P12A-2009_U2 for EUC-JP, with the counting U+FFFD
 * callback), one conversion per single byte, per two-byte sequence and
 * (EUC-JP's JIS X 0212 plane, lead byte 0x8F) per three-byte sequence, an
 * entry kept only when it gave one BMP character and no error. The
 * answers are asked at build time (tools/gen_text_tables.c) and compiled
 * in; a process makes its tables from them once per encoding, or asks ICU
 * itself when its ICU is not the version they were made with. Both
 * encodings are stateless (one byte, a lead byte and a trail byte, or
 * 0x8F and two bytes), so a character decodes the same alone as in a
 * stream, and the output is byte for byte the output of ICU. Only a byte
 * that starts some clean character waits for the next read when it ends
 * one; any other byte there is refused, as ICU reports it at once. Used by
 * conv_next in text.c and by encoding detection (text_detect.c), which also
 * scores a clean prefix straight from the tables (a score per entry, built
 * with them; one walk shared with conversion) and bounds ICU's score of an
 * unclean one (azk_decode__legacy_score_bound).
 */
#include "decode/decode_int.h"

#include <pthread.h>
#include <string.h>
#include <unicode/ucnv.h>
#include <unicode/uversion.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include "decode/text_int.h"

/* An entry: UTF-8 bytes in the low 24 bits (first byte lowest), length in the top 8 (0: not
 * clean). */
struct table {
    enum enc enc;
    uint32_t single[256];
    uint32_t pair[256 * 256];   /* at pair_ix(lead, trail): a lead byte 0x80..0xFF, else 0 */
    uint32_t triple[128 * 128]; /* after lead3: two bytes 0x80..0xFF */
    int lead3;                  /* the lead byte of three-byte characters, -1: none */
    int8_t single_sc[256]; /* detection's score of each entry (char_score), SC_NONE when none */
    int8_t pair_sc[256 * 256];
    int8_t triple_sc[128 * 128];
    bool lead[256];       /* starts some clean multi-byte character */
    uint8_t ascii_odd[3]; /* bytes < 0x80 not decoding to themselves (at most three) */
    unsigned ascii_odd_n;
    bool ascii_fast; /* ASCII runs copied: identity but for ascii_odd */
    /* per byte: 4 x an upper bound of the detection score (text_detect.c's char_score) a
     * byte adds to a reading by ICU, whatever the character it belongs to */
    int16_t gain4[256];
    bool ascii_identity; /* every byte < 0x80 decodes to itself (scoring's ASCII path) */
    bool print_plain;    /* every byte 0x20..0x7E decodes to itself and scores 0 */
    bool print_gain0;    /* and its gain4 is 0 (words of them skipped by the bound) */
    int16_t gain4_max;   /* the largest gain4, 0 at least (what a byte adds at most) */
    bool ok;
};

/* The index of a lead and a trail byte in pair and pair_sc: trail * 256 + lead, the
 * little-endian load of the two bytes, so kanji_run looks the pair up from one load (the
 * entries of a lead byte < 0x80 are none: an ASCII byte misses in the same lookup). */
static inline size_t pair_ix(uint8_t lead, uint8_t trail)
{
    return (size_t)trail << 8 | lead;
}

/* The score of no entry (scores are -30..4). */
#define SC_NONE INT8_MIN

/* Bytes of one undecodable sequence at most (a character of these encodings has 3 at most;
 * 4 for safety), and a per-byte bound that turns the bound off. */
#define GAIN_MAX_BAD    4
#define GAIN4_UNBOUNDED 4000

static struct table cp932 = {.enc = ENC_CP932};
static struct table eucjp = {.enc = ENC_EUCJP};
static pthread_once_t cp932_once = PTHREAD_ONCE_INIT;
static pthread_once_t eucjp_once = PTHREAD_ONCE_INIT;
bool azk_decode__legacy_tables_off;
bool azk_decode__legacy_builtin_off;

/* The entry of an answer (text_int.h): 0 unless one clean character. */
static uint32_t entry_of(uint32_t ans)
{
    uint8_t b[4];
    size_t l;
    if (!azk_decode__legacy_clean(ans))
        return 0;
    l = azk_utf8_encode(ans & 0xFFFFu, b);
    if (l == 0 || l > 3)
        return 0;
    return (uint32_t)l << 24 | (uint32_t)b[0] | (l > 1 ? (uint32_t)b[1] << 8 : 0) |
           (l > 2 ? (uint32_t)b[2] << 16 : 0);
}

/* A byte in a character whose score per byte is at most 4 * g4 / 4 (rounded up). */
static void gain_raise(struct table *tb, const uint8_t *p, size_t n, int g4)
{
    for (size_t i = 0; i < n; i++) {
        if (g4 > tb->gain4[p[i]])
            tb->gain4[p[i]] = (int16_t)g4;
    }
}

/*
 * The entry of p[0..n) from ICU's answer for it, 0 when not one clean
 * character. Raises the per-byte score bound of p's bytes: a clean
 * character by its score shared among its bytes; a sequence ICU decodes
 * without error into something else (several or non-BMP characters, or
 * U+FFFD) makes its bytes unbounded.
 */
static uint32_t entry_one(struct table *tb, uint32_t ans, const uint8_t *p, size_t n, int8_t *score)
{
    uint32_t e;
    *score = SC_NONE;
    if (ans == 0)
        return 0;
    e = entry_of(ans);
    if (e == 0) {
        gain_raise(tb, p, n, GAIN4_UNBOUNDED);
    } else {
        UChar u = (UChar)(ans & 0xFFFFu);
        int sc4 = 4 * azk_decode__char_score(u);
        *score = (int8_t)azk_decode__char_score(u);
        /* rounded up (division truncates a negative one upwards): the bytes' bounds add up to at
         * least the score */
        gain_raise(tb, p, n, sc4 >= 0 ? (sc4 + (int)n - 1) / (int)n : sc4 / (int)n);
    }
    return e;
}

/* The tables of tb->enc from ICU's answers ans (text_answers.c). */
static void tables_fill(struct table *tb, const uint32_t *ans)
{
    unsigned a, b;
    /* any byte may be in an undecodable sequence: one U+FFFD (-30) for at most
     * GAIN_MAX_BAD bytes */
    for (a = 0; a < 256; a++)
        tb->gain4[a] = -30 * 4 / GAIN_MAX_BAD;
    /* the pairs and triples not asked (a lead clean alone, no lead3) are no entry */
    memset(tb->pair_sc, SC_NONE, sizeof(tb->pair_sc));
    memset(tb->triple_sc, SC_NONE, sizeof(tb->triple_sc));
    tb->ascii_identity = true;
    tb->ascii_fast = true;
    for (a = 0; a < 256; a++) {
        uint8_t x = (uint8_t)a;
        tb->single[a] = entry_one(tb, ans[AZK_ANS_SINGLE + a], &x, 1, &tb->single_sc[a]);
        if (a < 0x80 && tb->single[a] != ((1u << 24) | a)) {
            tb->ascii_identity = false;
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
            size_t k = pair_ix(x[0], x[1]);
            tb->pair[k] =
                entry_one(tb, ans[AZK_ANS_PAIR + (a - 0x80) * 256 + b], x, 2, &tb->pair_sc[k]);
            tb->lead[a] = tb->lead[a] || tb->pair[k] != 0;
        }
    }
    if (tb->lead3 >= 0 && tb->single[tb->lead3] == 0) {
        for (a = 0x80; a < 256; a++) {
            for (b = 0x80; b < 256; b++) {
                uint8_t x[3] = {(uint8_t)tb->lead3, (uint8_t)a, (uint8_t)b};
                size_t k = (a - 0x80) * 128 + (b - 0x80);
                tb->triple[k] = entry_one(tb, ans[AZK_ANS_TRIPLE + k], x, 3, &tb->triple_sc[k]);
                tb->lead[tb->lead3] = tb->lead[tb->lead3] || tb->triple[k] != 0;
            }
        }
    } else {
        tb->lead3 = -1;
    }
    tb->print_plain = tb->print_gain0 = true;
    for (a = 0x20; a < 0x7F; a++) {
        if (tb->single[a] != ((1u << 24) | a) || tb->single_sc[a] != 0)
            tb->print_plain = false;
        if (tb->gain4[a] != 0)
            tb->print_gain0 = false;
    }
    tb->gain4_max = 0;
    for (a = 0; a < 256; a++) {
        if (tb->gain4[a] > tb->gain4_max)
            tb->gain4_max = tb->gain4[a];
    }
    tb->ok = true;
}

const uint32_t *azk_decode__legacy_builtin_for(enum enc e, const char *icu_version)
{
    const struct azk_legacy_builtin *bi = &azk_decode__legacy_builtin;
    int k = e == ENC_CP932 ? 0 : 1;
    if (azk_decode__legacy_builtin_off || azk_decode__legacy_icu_name(e) == NULL ||
        strcmp(icu_version, bi->icu_version) != 0 ||
        strcmp(bi->cnv[k], azk_decode__legacy_icu_name(e)) != 0)
        return NULL;
    return bi->ans[k];
}

/* The built-in answers of e when this process's ICU is the one they were made with, else NULL. */
static const uint32_t *builtin_answers(enum enc e)
{
    char v[U_MAX_VERSION_STRING_LENGTH];
    UVersionInfo vi;
    u_getVersion(vi);
    u_versionToString(vi, v);
    return azk_decode__legacy_builtin_for(e, v);
}

/*
 * Make tb's tables from the built-in answers, or from ICU's now (an
 * allocation of AZK_ANS_N answers, freed); *from_builtin says which.
 */
static void tables_build_from(struct table *tb, const uint32_t *builtin, bool *from_builtin)
{
    uint32_t *own = NULL;
    *from_builtin = builtin != NULL;
    tb->lead3 = azk_decode__legacy_lead3(tb->enc);
    if (builtin == NULL) {
        own = azk_malloc(AZK_ANS_N * sizeof(*own));
        if (own == NULL || !azk_decode__legacy_answers(tb->enc, own)) {
            azk_free(own);
            return;
        }
    }
    tables_fill(tb, builtin != NULL ? builtin : own);
    azk_free(own);
}

static bool cp932_builtin, eucjp_builtin;

static void cp932_build(void)
{
    tables_build_from(&cp932, builtin_answers(ENC_CP932), &cp932_builtin);
}

static void eucjp_build(void)
{
    tables_build_from(&eucjp, builtin_answers(ENC_EUCJP), &eucjp_builtin);
}

/*
 * Copy the run at p[0..n) of ASCII bytes that decode to themselves to out
 * (room for 3 * n bytes: whole 16-byte blocks are stored before the run's
 * end is known); its length. With score, detection's score of the run is
 * added to it (with print_plain only control bytes score: only they are
 * looked up). walk()'s path for converting while scoring (encoding
 * detection); conversion alone goes by text_run.
 */
static inline size_t ascii_copy(const struct table *tb, const uint8_t *p, size_t n, uint8_t *out,
                                long *score)
{
    size_t i = 0;
    long sc = 0;
    bool all = score != NULL && (!tb->print_plain || azk_decode__detect_shortcuts_off);
#if defined(__SSE2__)
    if (n >= 16) {
        const __m128i o0 = _mm_set1_epi8((char)tb->ascii_odd[0]);
        const __m128i o1 = _mm_set1_epi8((char)tb->ascii_odd[1]);
        const __m128i o2 = _mm_set1_epi8((char)tb->ascii_odd[2]);
        const __m128i sp = _mm_set1_epi8(0x20), del = _mm_set1_epi8(0x7F);
        while (i + 16 <= n && !all) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            __m128i odd = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, o0), _mm_cmpeq_epi8(v, o1)),
                                       _mm_cmpeq_epi8(v, o2));
            unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(v, odd));
            _mm_storeu_si128((__m128i *)(void *)(out + i), v);
            if (score != NULL) {
                /* bytes < 0x20 (signed: and >= 0x80, past the run) and 0x7F, in the run */
                unsigned c = (unsigned)_mm_movemask_epi8(
                    _mm_or_si128(_mm_cmplt_epi8(v, sp), _mm_cmpeq_epi8(v, del)));
                c &= m != 0 ? (1u << __builtin_ctz(m)) - 1 : 0xFFFFu;
                for (; c != 0; c &= c - 1)
                    sc += tb->single_sc[p[i + (size_t)__builtin_ctz(c)]];
            }
            if (m != 0) {
                i += (size_t)__builtin_ctz(m);
                if (score != NULL)
                    *score += sc;
                return i;
            }
            i += 16;
        }
    }
#endif
    while (i < n && p[i] < 0x80 && p[i] != tb->ascii_odd[0] && p[i] != tb->ascii_odd[1] &&
           p[i] != tb->ascii_odd[2]) {
        if (score != NULL && (all || p[i] < 0x20 || p[i] == 0x7F))
            sc += tb->single_sc[p[i]];
        out[i] = p[i];
        i++;
    }
    if (score != NULL)
        *score += sc;
    return i;
}

/*
 * Convert the run of non-ASCII characters at *pp (before last, the input's
 * last byte) that are one byte (a single entry) or a lead and a trail byte
 * (a pair entry) to *qp, while a byte follows: the entry's four bytes
 * stored at once, the output moved by its length (each input byte gives at
 * most three output bytes, out has room for 3 * n: a store of 4 at the
 * output of input byte i ends by 3 * (i + 2)). The pair is asked first, by
 * the little-endian load of both bytes (pair_ix): tables_fill asks no pair
 * of a lead byte that has a single entry (CP932's half-width kana, EUC-JP
 * has none) or of lead3, nor of a byte < 0x80, so those pair entries are 0
 * and the single entry decides, as when it is asked first. Stops at an
 * ASCII byte (true), or (false) at a character the tables refuse or that
 * needs three bytes (EUC-JP's 0x8F: its pair and single entries are 0) and
 * at the last byte; walk() goes on from there. Little-endian only (the
 * callers' #if); always inlined, so text_run's test of the answer is the
 * jump out of the loop.
 */
static inline __attribute__((always_inline)) bool
kanji_steps(const struct table *tb, const uint8_t **pp, const uint8_t *last, uint8_t **qp)
{
    const uint8_t *p = *pp;
    uint8_t *q = *qp;
    bool ascii = false;
    while (p < last) {
        uint16_t w;
        uint32_t e;
        memcpy(&w, p, 2); /* p[0] low, p[1] high: pair_ix(p[0], p[1]) */
        e = tb->pair[w];
        if (e != 0) {
            p += 2;
        } else {
            if (*p < 0x80) {
                ascii = true; /* no pair entry: ASCII */
                break;
            }
            e = tb->single[*p];
            if (e == 0)
                break;
            p++;
        }
        memcpy(q, &e, 4); /* little-endian: the UTF-8 bytes first */
        q += e >> 24;
    }
    *pp = p;
    *qp = q;
    return ascii;
}

/* kanji_steps over in[*ip..n) (i < n) to out at o: the new output length. */
static inline size_t kanji_run(const struct table *tb, const uint8_t *in, size_t n, size_t *ip,
                               uint8_t *out, size_t o)
{
    const uint8_t *p = in + *ip;
    uint8_t *q = out + o;
    (void)kanji_steps(tb, &p, in + n - 1, &q);
    *ip = (size_t)(p - in);
    return (size_t)(q - out);
}

#if defined(__SSE2__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * The conversion of Japanese text's usual run: ASCII bytes that decode to
 * themselves (tb->ascii_fast; sixteen at a time, whole blocks stored: out
 * has room for 3 * n bytes) and kanji_steps' characters, one after the
 * other in one loop, so a switch between them costs a few instructions.
 * Converts in[*ip..n) (i < n) to out at o and stops where neither takes
 * the next byte (one of CP932's three swapped control bytes, a character
 * the tables refuse or need three bytes for, the last byte when it is not
 * ASCII, the end); walk()'s character path goes on from there. The new
 * output length.
 */
static inline size_t text_run(const struct table *tb, const uint8_t *in, size_t n, size_t *ip,
                              uint8_t *out, size_t o)
{
    const __m128i o0 = _mm_set1_epi8((char)tb->ascii_odd[0]);
    const __m128i o1 = _mm_set1_epi8((char)tb->ascii_odd[1]);
    const __m128i o2 = _mm_set1_epi8((char)tb->ascii_odd[2]);
    const uint8_t *p = in + *ip, *end = in + n, *last = end - 1;
    /* p < e16: sixteen bytes at p (none when n < 16: p only grows) */
    const uint8_t *e16 = n >= 16 ? end - 15 : p;
    uint8_t *q = out + o;
    for (;;) {
        /* ASCII: the block's bytes up to the first non-ASCII or swapped one */
        while (p < e16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i odd = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, o0), _mm_cmpeq_epi8(v, o1)),
                                       _mm_cmpeq_epi8(v, o2));
            unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(v, odd));
            _mm_storeu_si128((__m128i *)(void *)q, v);
            if (m != 0) {
                size_t a = (size_t)__builtin_ctz(m);
                p += a;
                q += a;
                goto ascii_end;
            }
            p += 16;
            q += 16;
        }
        while (p < end && *p < 0x80 && *p != tb->ascii_odd[0] && *p != tb->ascii_odd[1] &&
               *p != tb->ascii_odd[2])
            *q++ = *p++;
ascii_end:
        if (p >= last || *p < 0x80)
            break; /* the end, a swapped control byte, or a last byte */
        if (!kanji_steps(tb, &p, last, &q))
            break; /* the last byte, or a character kanji_steps refuses */
    }
    *ip = (size_t)(p - in);
    return (size_t)(q - out);
}
#endif

/*
 * kanji_run adding up detection's score of the characters it converts too
 * (the entry's score: a character with an entry has one).
 */
static inline size_t kanji_run_sc(const struct table *tb, const uint8_t *in, size_t n, size_t *ip,
                                  uint8_t *out, size_t o, long *score)
{
    size_t i = *ip;
    long sc = 0;
    while (i + 1 < n && in[i] >= 0x80) {
        uint32_t e = tb->single[in[i]];
        if (e != 0) {
            sc += tb->single_sc[in[i]];
            i++;
        } else {
            size_t k = pair_ix(in[i], in[i + 1]);
            e = tb->pair[k];
            if (e == 0)
                break;
            sc += tb->pair_sc[k];
            i += 2;
        }
        memcpy(out + o, &e, 4); /* little-endian: the UTF-8 bytes first */
        o += e >> 24;
    }
    *ip = i;
    *score += sc;
    return o;
}

/*
 * Detection's score of the run of non-ASCII characters at in[*ip..n) that
 * are one byte or a lead and a trail byte (kanji_run's characters, by
 * their scores alone: SC_NONE where there is no entry), added to *score;
 * stops where kanji_run stops.
 */
static inline void kanji_score(const struct table *tb, const uint8_t *in, size_t n, size_t *ip,
                               long *score)
{
    size_t i = *ip;
    long sc = 0;
    while (i + 1 < n && in[i] >= 0x80) {
        int s = tb->single_sc[in[i]];
        if (s != SC_NONE) {
            i++;
        } else {
            s = tb->pair_sc[pair_ix(in[i], in[i + 1])];
            if (s == SC_NONE)
                break;
            i += 2;
        }
        sc += s;
    }
    *ip = i;
    *score += sc;
}

/*
 * One walk for three uses: convert the clean characters of in[0..n) to UTF-8
 * in out (score NULL), or only add up detection's score of them (out NULL,
 * score set; the same characters, so the same sum as scoring the converted
 * text), or both (encoding detection converting what it scores, for the
 * converter to take when the encoding wins). Output length, *used, *clean
 * when all of it.
 */
static inline __attribute__((always_inline)) size_t walk(const struct table *tb, const uint8_t *in,
                                                         size_t n, bool at_eof, uint8_t *out,
                                                         size_t *used, bool *clean, long *score)
{
    size_t i = 0, o = 0;
    long sc = 0;
    while (i < n) {
        uint32_t e;
        int s8;
        size_t l;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (out != NULL && score == NULL && !azk_decode__simd_off) {
            /* ASCII, two-byte and half-width characters, a run at a time (the
             * switch: tests compare with the character path below) */
#if defined(__SSE2__)
            if (tb->ascii_fast)
                o = text_run(tb, in, n, &i, out, o);
            else
#endif
                o = kanji_run(tb, in, n, &i, out, o);
            if (i >= n)
                break;
            /* in[i] goes by the character path */
        }
#endif
        if (out != NULL && score != NULL && tb->ascii_fast && in[i] < 0x80) {
            /* converting while scoring: ASCII passes through, a run at a time */
            size_t a = ascii_copy(tb, in + i, n - i, out + o, &sc);
            i += a;
            o += a;
            if (i >= n)
                break;
        }
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        if (out != NULL && score != NULL && in[i] >= 0x80) {
            /* two-byte and half-width characters, a run at a time */
            size_t i0 = i;
            o = kanji_run_sc(tb, in, n, &i, out, o, &sc);
            if (i != i0)
                continue;
        }
#endif
        if (out == NULL && tb->ascii_identity) {
            /* scoring ASCII: eight bytes at a time, only control bytes score */
            while (i + 8 <= n) {
                uint64_t w;
                memcpy(&w, in + i, 8);
                if ((w & 0x8080808080808080ull) != 0)
                    break;
                if (azk_decode__word_has_ctrl(w)) {
                    for (size_t k = 0; k < 8; k++)
                        sc += tb->single_sc[in[i + k]];
                }
                i += 8;
                o += 8;
            }
            while (i < n && in[i] < 0x80) {
                sc += tb->single_sc[in[i]];
                o++;
                i++;
            }
            if (i >= n)
                break;
        }
        if (out == NULL && !azk_decode__detect_shortcuts_off) {
            /* scoring, a run at a time: printable ASCII scores nothing when it
             * decodes to itself (CP932 swaps three control bytes: words, then
             * bytes), then two-byte and half-width characters; any other byte
             * goes the way below (o is not kept: scoring has no output) */
            size_t i0 = i;
            if (tb->print_plain) {
                while (i + 8 <= n) {
                    uint64_t w;
                    memcpy(&w, in + i, 8);
                    if ((w & 0x8080808080808080ull) != 0 || azk_decode__word_has_ctrl(w))
                        break;
                    i += 8;
                }
                while (i < n && in[i] >= 0x20 && in[i] < 0x7F)
                    i++;
            }
            if (i < n && in[i] >= 0x80)
                kanji_score(tb, in, n, &i, &sc);
            if (i >= n)
                break;
            if (i != i0)
                continue;
        }
        e = tb->single[in[i]];
        if (e != 0) {
            s8 = tb->single_sc[in[i]];
            i++;
        } else if (in[i] < 0x80) {
            goto unclean;
        } else if ((int)in[i] == tb->lead3) {
            if (i + 2 < n) {
                size_t k;
                if (in[i + 1] < 0x80 || in[i + 2] < 0x80)
                    goto unclean;
                k = (size_t)(in[i + 1] - 0x80) * 128 + (in[i + 2] - 0x80);
                e = tb->triple[k];
                if (e == 0)
                    goto unclean;
                s8 = tb->triple_sc[k];
                i += 3;
            } else if (!at_eof && tb->lead[in[i]] && (i + 1 == n || in[i + 1] >= 0x80)) {
                break; /* the rest of the character comes with the next read */
            } else {
                goto unclean;
            }
        } else if (i + 1 < n) {
            size_t k = pair_ix(in[i], in[i + 1]);
            e = tb->pair[k];
            if (e == 0)
                goto unclean;
            s8 = tb->pair_sc[k];
            i += 2;
        } else if (!at_eof && tb->lead[in[i]]) {
            break; /* a lead byte whose trail byte comes with the next read */
        } else {
            goto unclean;
        }
        sc += s8; /* (unused without score) */
        if (out == NULL)
            continue;
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
    if (score != NULL)
        *score = sc;
    return o;
unclean: /* in[i] starts a character the table does not decode cleanly */
    *used = i;
    *clean = false;
    return o;
}

static struct table *table_of(enum enc e)
{
    if (e == ENC_CP932) {
        pthread_once(&cp932_once, cp932_build);
        return &cp932;
    }
    if (e == ENC_EUCJP) {
        pthread_once(&eucjp_once, eucjp_build);
        return &eucjp;
    }
    return NULL;
}

bool azk_decode__legacy_score_bound(enum enc e, const uint8_t *p, size_t n, bool at_eof, long limit,
                                    long *bound4)
{
    struct table *tb = azk_decode__legacy_tables_off ? NULL : table_of(e);
    size_t tail = at_eof ? 0 : (n < 3 ? n : 3), i = 0;
    long sum = 0;
    if (tb == NULL || !tb->ok)
        return false;
    /* ICU's output splits the bytes into characters and undecodable
     * sequences; each adds at most the sum of its bytes' bounds. Without
     * flush, a character cut at the end (up to 3 bytes) adds nothing.
     * Words of printable ASCII add 0 when those bytes' bounds are 0. */
    if (!azk_decode__detect_shortcuts_off) {
        const int16_t *g = tb->gain4;
        for (; i + 8 <= n - tail; i += 8) {
            uint64_t w;
            /* the rest adds gain4_max a byte at most: at the limit already, that bound */
            if ((i & 63) == 0 && sum + (long)tb->gain4_max * (long)(n - i) <= limit) {
                *bound4 = sum + (long)tb->gain4_max * (long)(n - i);
                return true;
            }
            memcpy(&w, p + i, 8);
            if (tb->print_gain0 && (w & 0x8080808080808080ull) == 0 &&
                !azk_decode__word_has_ctrl(w))
                continue;
            sum += (long)g[p[i]] + g[p[i + 1]] + g[p[i + 2]] + g[p[i + 3]] + g[p[i + 4]] +
                   g[p[i + 5]] + g[p[i + 6]] + g[p[i + 7]];
        }
    }
    for (; i < n - tail; i++)
        sum += tb->gain4[p[i]];
    for (i = n - tail; i < n; i++)
        sum += tb->gain4[p[i]] > 0 ? tb->gain4[p[i]] : 0;
    *bound4 = sum;
    return true;
}

size_t azk_decode__legacy_prefix(enum enc e, const uint8_t *in, size_t n, bool at_eof, uint8_t *out,
                                 size_t *used, bool *clean)
{
    struct table *tb;
    *used = 0;
    *clean = false;
    if (azk_decode__legacy_tables_off)
        return 0;
    tb = table_of(e);
    if (tb == NULL || !tb->ok)
        return 0;
    return walk(tb, in, n, at_eof, out, used, clean, NULL);
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

bool azk_decode__legacy_score(enum enc e, const uint8_t *p, size_t n, bool at_eof, long *score)
{
    struct table *tb = azk_decode__legacy_tables_off ? NULL : table_of(e);
    size_t used;
    bool clean;
    if (tb == NULL || !tb->ok)
        return false;
    walk(tb, p, n, at_eof, NULL, &used, &clean, score);
    return clean;
}

bool azk_decode__legacy_score_conv(enum enc e, const uint8_t *p, size_t n, bool at_eof, long *score,
                                   uint8_t *out, size_t *out_len, size_t *used)
{
    struct table *tb = azk_decode__legacy_tables_off ? NULL : table_of(e);
    bool clean;
    *out_len = *used = 0;
    if (tb == NULL || !tb->ok)
        return false;
    *out_len = walk(tb, p, n, at_eof, out, used, &clean, score);
    return clean;
}

int azk_decode__legacy_tables_source(enum enc e)
{
    struct table *tb = table_of(e);
    if (tb == NULL || !tb->ok)
        return -1;
    return (e == ENC_CP932 ? cp932_builtin : eucjp_builtin) ? 1 : 0;
}

/* The first field in which a and b differ: AZK_ANS_N + its number, -1 when none. */
static long table_cmp(const struct table *a, const struct table *b)
{
    for (size_t i = 0; i < 256; i++) {
        if (a->single[i] != b->single[i] || a->single_sc[i] != b->single_sc[i])
            return (long)(AZK_ANS_SINGLE + i);
    }
    for (size_t i = 0; i < 256 * 256; i++) {
        if (a->pair[i] != b->pair[i] || a->pair_sc[i] != b->pair_sc[i])
            return (long)(AZK_ANS_PAIR + (i & 0x7F) * 256 + (i >> 8)); /* (a lead >= 0x80) */
    }
    for (size_t i = 0; i < 128 * 128; i++) {
        if (a->triple[i] != b->triple[i] || a->triple_sc[i] != b->triple_sc[i])
            return (long)(AZK_ANS_TRIPLE + i);
    }
    if (a->lead3 != b->lead3 || a->ok != b->ok)
        return AZK_ANS_N + 1L;
    if (memcmp(a->lead, b->lead, sizeof(a->lead)) != 0)
        return AZK_ANS_N + 2L;
    if (memcmp(a->ascii_odd, b->ascii_odd, sizeof(a->ascii_odd)) != 0 ||
        a->ascii_odd_n != b->ascii_odd_n || a->ascii_fast != b->ascii_fast ||
        a->ascii_identity != b->ascii_identity || a->print_plain != b->print_plain ||
        a->print_gain0 != b->print_gain0)
        return AZK_ANS_N + 3L;
    if (memcmp(a->gain4, b->gain4, sizeof(a->gain4)) != 0)
        return AZK_ANS_N + 4L;
    return -1;
}

long azk_decode__legacy_tables_diff(enum enc e)
{
    const uint32_t *bi = azk_decode__legacy_builtin.ans[e == ENC_CP932 ? 0 : 1];
    struct table *a = azk_calloc(1, sizeof(*a)), *b = azk_calloc(1, sizeof(*b));
    uint32_t *fresh = azk_malloc(AZK_ANS_N * sizeof(*fresh));
    bool from;
    long d = -1;
    if (a == NULL || b == NULL || fresh == NULL || !azk_decode__legacy_answers(e, fresh)) {
        d = -2;
        goto out;
    }
    /* the answers entry for entry, then the tables made from them */
    for (size_t i = 0; i < AZK_ANS_N && d < 0; i++) {
        if (bi[i] != fresh[i])
            d = (long)i;
    }
    if (d >= 0)
        goto out;
    a->enc = b->enc = e;
    tables_build_from(a, bi, &from);
    tables_build_from(b, NULL, &from);
    d = table_cmp(a, b);
out:
    azk_free(a);
    azk_free(b);
    azk_free(fresh);
    return d;
}
