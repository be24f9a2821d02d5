/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/reveal_look.c -- the byte classes of reveal (built once) and its
 * scalar screen: worth_a_look() decides, in about one pass over a field,
 * whether reveal (reveal.c) would act on it, and look_closely() is its
 * byte-by-byte precise check, so ordinary log lines are emitted as they
 * are; azk_decode__reveal_look() is worth_a_look telling a field worth a
 * look only by its base64 / hex runs apart (reveal.c then decodes just the
 * runs), made from bit masks for an ASCII line (look_ascii: AVX2, else
 * SSE2). The
 * vector screen in front of it is reveal_screen.c; shared declarations are
 * in reveal_int.h.
 */
#include "decode/decode_int.h"

#include <pthread.h>
#include <string.h>
#include "decode/reveal_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

uint8_t azk_decode__reveal_cls[256];
int8_t azk_decode__reveal_hexv[256];
bool azk_decode__reveal_onepass_off; /* tests: worth_a_look without its one-pass ending */
static uint8_t mixtab[256];          /* mix_of() of each byte */
pthread_once_t azk_decode__reveal_cls_once = PTHREAD_ONCE_INIT;
atomic_bool azk_decode__reveal_cls_ready;

static void screen_init(void);

void azk_decode__reveal_cls_init(void)
{
    int c;
    for (c = 'A'; c <= 'Z'; c++)
        azk_decode__reveal_cls[c] = C_B64;
    for (c = 'a'; c <= 'z'; c++)
        azk_decode__reveal_cls[c] = C_B64;
    for (c = '0'; c <= '9'; c++)
        azk_decode__reveal_cls[c] = C_B64 | C_HEX;
    for (c = 'a'; c <= 'f'; c++)
        azk_decode__reveal_cls[c] |= C_HEX;
    for (c = 'A'; c <= 'F'; c++)
        azk_decode__reveal_cls[c] |= C_HEX;
    azk_decode__reveal_cls['+'] = azk_decode__reveal_cls['/'] = azk_decode__reveal_cls['-'] =
        azk_decode__reveal_cls['_'] = C_B64;
    azk_decode__reveal_cls['\\'] = azk_decode__reveal_cls['&'] = azk_decode__reveal_cls['%'] =
        azk_decode__reveal_cls['='] = azk_decode__reveal_cls['<'] = C_TRIG;
    azk_decode__reveal_cls[0xC2] = azk_decode__reveal_cls[0xCC] = azk_decode__reveal_cls[0xCD] =
        azk_decode__reveal_cls[0xE1] = azk_decode__reveal_cls[0xE2] = azk_decode__reveal_cls[0xE3] =
            azk_decode__reveal_cls[0xEF] = azk_decode__reveal_cls[0xF3] = C_LEAD;
    azk_decode__reveal_cls[' '] = C_SPACE;
    for (c = 0; c < 256; c++) {
        mixtab[c] = (azk_decode__reveal_cls[c] & C_B64) ? (uint8_t)mix_of((uint8_t)c) : 0;
        azk_decode__reveal_hexv[c] = (int8_t)azk_hexval(c);
    }
    screen_init();
    atomic_store_explicit(&azk_decode__reveal_cls_ready, true, memory_order_release);
}

static bool is_hex(uint8_t c)
{
    return (azk_decode__reveal_cls[c] & C_HEX) != 0;
}

/*
 * Whether the field holds anything reveal would act on, byte by byte:
 * precise, so ordinary logs ("job=DM2408", "50%", timestamps, UUIDs, ※ and
 * full-width brackets) do not trigger it. worth_a_look() screens first.
 */
static bool look_closely(const uint8_t *p, size_t n)
{
    size_t i, run = 0, singles = 0, lt = 0, last_space = SIZE_MAX;
    unsigned mix = 0;
    for (i = 0; i < n; i++) {
        uint8_t c = p[i], k = azk_decode__reveal_cls[c];
        bool space = false;
        if (k & C_B64) {
            run++;
            mix |= mixtab[c];
            continue;
        }
        if (run_candidate(run, mix))
            return true;
        run = 0;
        mix = 0;
        if (k == 0)
            continue;
        if (k & C_TRIG) {
            uint8_t d = i + 1 < n ? p[i + 1] : 0;
            switch (c) {
                case '\\':
                    if (d == 'u' || d == 'U' || d == 'x' || (d >= '0' && d <= '3') || d == '\\')
                        return true;
                    break;
                case '&':
                    if (d == '#' ||
                        (d >= 'a' && d <= 'z' && memchr(p + i, ';', n - i < 9 ? n - i : 9)))
                        return true;
                    break;
                case '%':
                    if (i + 2 < n && is_hex(d) && is_hex(p[i + 2]))
                        return true;
                    break;
                case '=': /* quoted-printable writes runs: =E5=B1 */
                    if (i + 5 < n && is_hex(d) && is_hex(p[i + 2]) && p[i + 3] == '=' &&
                        is_hex(p[i + 4]) && is_hex(p[i + 5]))
                        return true;
                    break;
                default: /* '<' */
                    if (++lt >= 6)
                        return true;
                    break;
            }
            continue;
        }
        if (k & C_SPACE) {
            space = true;
        } else if ((k & C_LEAD) && i + 1 < n) {
            uint8_t b = p[i + 1], t = i + 2 < n ? p[i + 2] : 0;
            switch (c) {
                case 0xC2:
                    if (b == 0xAD)
                        return true; /* soft hyphen */
                    break;
                case 0xCC:
                    return true; /* combining diacritics */
                case 0xCD:
                    if (b <= 0xAF)
                        return true; /* combining diacritics, grapheme joiner */
                    break;
                case 0xE1:
                    if (b == 0xA0 && t == 0x8E)
                        return true; /* Mongolian vowel separator */
                    break;
                case 0xE2:
                    if ((b == 0x80 && ((t >= 0x8B && t <= 0x8F) || (t >= 0xAA && t <= 0xAE))) ||
                        (b == 0x81 && t >= 0xA0 && t <= 0xAF))
                        return true; /* zero-width, bidi controls, word joiner */
                    if (b == 0x80 && t <= 0x8A)
                        space = true; /* en / em / thin spaces */
                    break;
                case 0xE3:
                    if (b == 0x82 && (t == 0x99 || t == 0x9A))
                        return true; /* combining (semi-)voiced mark */
                    if (b == 0x80 && t == 0x80)
                        space = true; /* ideographic space */
                    break;
                case 0xEF:
                    if ((b == 0xBB && t == 0xBF) || (b == 0xB8 && t <= 0x8F) ||
                        (b == 0xBC && t >= 0x90 && t <= 0xBA && !(t >= 0x9A && t <= 0x9F)) ||
                        (b == 0xBD && t >= 0x81 && t <= 0x9A))
                        return true; /* BOM, variation selectors, full-width alnum / @ */
                    break;
                case 0xF3:
                    if (b == 0xA0)
                        return true; /* tags, ideographic variation selectors */
                    break;
                default:
                    break;
            }
        }
        if (space) {
            /* "0 9 0 - 1": tokens of one character each followed by one space */
            size_t from = last_space == SIZE_MAX ? 0 : last_space + 1;
            size_t len = i - from;
            bool single = len == 1 || (len >= 2 && len <= 4 && (p[from] & 0xC0) == 0xC0 &&
                                       (size_t)((p[from] >= 0xF0)   ? 4
                                                : (p[from] >= 0xE0) ? 3
                                                                    : 2) == len);
            singles = single ? singles + 1 : 0;
            if (singles >= 3)
                return true;
            /* the space itself: one byte, or three (U+3000, U+2000..) */
            last_space = c == ' ' ? i : i + 2;
            if (c != ' ')
                i += 2;
        }
    }
    return run_candidate(run, mix);
}

/* Screening flags of each byte (worth_a_look). */
enum {
    S_B64 = 1 << 0,
    S_BS = 1 << 1,   /* \ */
    S_AMP = 1 << 2,  /* & */
    S_PCT = 1 << 3,  /* % */
    S_EQ = 1 << 4,   /* = */
    S_LT = 1 << 5,   /* < */
    S_SP = 1 << 6,   /* U+0020 */
    S_RARE = 1 << 7, /* leads of rare characters: C2 CC CD E1 F3 */
    S_E2 = 1 << 8,   /* general punctuation, zero-width, bidi */
    S_EF = 1 << 9,   /* full-width forms, BOM, variation selectors */
    S_E3 = 1 << 10,  /* kana, CJK punctuation, ideographic space */
    S_99 = 1 << 11,  /* continuation bytes of the combining voiced marks */
};

static uint16_t screen[256];
/* Byte pairs (first, second) that matter: a bit set in both tables. */
enum {
    P_HEXESC = 1, /* = or % then a hex digit */
    P_IDSP = 2,   /* 80 80: U+3000 ideographic space (E3 80 80) */
    P_NFD = 4,    /* 82 99 / 82 9A: combining voiced marks (E3 82 99) */
    P_E2 = 8,     /* E2 80 / E2 81: zero-width, bidi, word joiner, spaces */
    P_EF = 16,    /* EF BB / B8 / BC / BD: BOM, variation selectors, full width */
};
static uint8_t first_of[256], second_of[256];
bool azk_decode__reveal_dump_ok[256]; /* bytes a hex dump line starts with */

static void screen_init(void)
{
    int c;
    for (c = 0; c < 256; c++) {
        screen[c] = (azk_decode__reveal_cls[c] & C_B64) ? S_B64 : 0;
        second_of[c] = (azk_decode__reveal_cls[c] & C_HEX) ? P_HEXESC : 0;
    }
    screen['\\'] = S_BS;
    screen['&'] = S_AMP;
    screen['%'] = S_PCT;
    screen['='] = S_EQ;
    screen['<'] = S_LT;
    screen[' '] = S_SP;
    screen[0xC2] = screen[0xCC] = screen[0xCD] = screen[0xE1] = screen[0xF3] = S_RARE;
    screen[0xE2] = S_E2;
    screen[0xEF] = S_EF;
    screen[0x80] = S_E3; /* continuation 80: the ideographic space E3 80 80 */
    screen[0x99] = screen[0x9A] = S_99;
    screen[0x82] = S_99; /* first byte of the pair 82 99 / 82 9A (U+3099 / U+309A) */
    for (c = 0; c < 256; c++)
        azk_decode__reveal_dump_ok[c] = (azk_decode__reveal_cls[c] & C_HEX) != 0 || c == ' ' ||
                                        c == ',' || c == ':' || c == '-' || c == 'x' || c == 'X' ||
                                        c == '|';
    first_of['='] = first_of['%'] = P_HEXESC;
    first_of[0x80] = P_IDSP;
    first_of[0x82] = P_NFD;
    first_of[0xE2] = P_E2;
    first_of[0xEF] = P_EF;
    second_of[0x80] |= P_IDSP | P_E2;
    second_of[0x81] |= P_E2;
    second_of[0x99] |= P_NFD;
    second_of[0x9A] |= P_NFD;
    second_of[0xBB] |= P_EF;
    second_of[0xB8] |= P_EF;
    second_of[0xBC] |= P_EF;
    second_of[0xBD] |= P_EF;
}

/* Whether some occurrence of byte c in p[0..n) passes look_closely's test. */
static bool any_at(const uint8_t *p, size_t n, uint8_t c)
{
    const uint8_t *q = memchr(p, c, n);
    while (q != NULL) {
        size_t at = (size_t)(q - p), len = n - at < 6 ? n - at : 6;
        if (look_closely(q, len))
            return true;
        q = at + 1 < n ? memchr(q + 1, c, n - at - 1) : NULL;
    }
    return false;
}

/* Whether p[0..n) holds six '<' (look_closely's markup test). */
static bool six_lt(const uint8_t *p, size_t n)
{
    const uint8_t *q;
    size_t lt = 0;
    for (q = memchr(p, '<', n); q != NULL && ++lt < 6;
         q = memchr(q + 1, '<', n - (size_t)(q + 1 - p)))
        ;
    return lt >= 6;
}

/*
 * The fast path every record takes: one branch-light pass collecting which
 * kinds of bytes occur and the longest base64-alphabet run, then precise
 * checks only where such bytes are (memchr), so a log line with "job=" and
 * a few spaces costs about one pass. A line with a long run goes to
 * look_closely only if it is not plain ASCII or holds \ or & (else it is
 * decided here, in the same pass; azk_decode__reveal_onepass_off: always).
 * With `runs`, a candidate run is listed and the pass goes on, to tell a
 * field worth a look by its runs alone (LOOK_RUNS) from the others.
 */
static inline enum look look_at(const uint8_t *p, size_t n, struct look_runs *runs)
{
    size_t i = 0, maxrun = 0, singles = 0, tok = 0;
    unsigned acc = 0, pairs = 0, hi = 0;
    bool onepass = !azk_decode__reveal_onepass_off;
    while (i < n) {
        size_t start;
        /* bytes outside the base64 alphabet: which kinds, which pairs */
        while (i < n) {
            uint8_t c = p[i];
            unsigned f = screen[c];
            size_t sl = 0;
            if (f & S_B64)
                break;
            acc |= f;
            hi |= c;
            if (f > S_B64 && i + 1 < n) {
                pairs |= first_of[c] & second_of[p[i + 1]];
                if (c == '=' || c == '%') {
                    /* %HH; quoted-printable writes runs: =E5=B1 */
                    if (i + 2 < n && is_hex(p[i + 1]) && is_hex(p[i + 2]) &&
                        (c == '%' ||
                         (i + 5 < n && p[i + 3] == '=' && is_hex(p[i + 4]) && is_hex(p[i + 5]))))
                        return LOOK_YES;
                } else if (c == ' ') {
                    sl = 1;
                } else if (c == 0x80 && p[i + 1] == 0x80 && i > 0 && p[i - 1] == 0xE3) {
                    sl = 2; /* ideographic space E3 80 80: its last two bytes */
                }
            }
            if (sl > 0) {
                /* "0 9 0 - 1": tokens of one character each followed by one space */
                size_t sp_at = sl == 2 ? i - 1 : i;
                size_t len = sp_at - tok;
                bool single = len == 1 || (len >= 2 && len <= 4 && (p[tok] & 0xC0) == 0xC0 &&
                                           (size_t)((p[tok] >= 0xF0)   ? 4
                                                    : (p[tok] >= 0xE0) ? 3
                                                                       : 2) == len);
                singles = single ? singles + 1 : 0;
                if (singles >= 3)
                    return LOOK_YES;
                tok = i + sl;
                i += sl;
                continue;
            }
            i++;
        }
        /* a run of the base64 alphabet: only its length */
        start = i;
        while (i < n && (screen[p[i]] & S_B64))
            i++;
        if (i - start > maxrun)
            maxrun = i - start;
        /*
         * A candidate run makes look_closely true, as it sees the same runs
         * (the same alphabet) -- except after E2 80, where it skips the
         * run's first byte (as the third byte of a U+2000.. space).
         */
        if (onepass && i - start >= RUN_MIN &&
            !(start >= 2 && p[start - 1] == 0x80 && p[start - 2] == 0xE2)) {
            unsigned mix = 0;
            size_t j;
            for (j = start; j < i; j++)
                mix |= mixtab[p[j]];
            if (run_candidate(i - start, mix)) {
                /* yes, whatever follows, when it cannot be LOOK_RUNS */
                if (runs == NULL || runs->count == LOOK_RUNS_MAX || (hi & 0x80) ||
                    (acc & (S_BS | S_AMP)))
                    return LOOK_YES;
                runs->at[runs->count] = start;
                runs->end[runs->count++] = i;
            }
        }
    }
    if (runs != NULL && runs->count > 0) {
        /* worth a look by its runs (one pass would have said so at the first):
         * is anything else there? The same tests as below, for plain ASCII
         * without \ and & (a space as the last byte is counted as there) */
        if ((hi & 0x80) || (acc & (S_BS | S_AMP)) ||
            (p[n - 1] == ' ' && n - 1 - tok == 1 && singles >= 2) || ((acc & S_LT) && six_lt(p, n)))
            return LOOK_YES;
        return LOOK_RUNS;
    }
    if (acc <= S_B64 && maxrun < RUN_MIN)
        return LOOK_NO;
    if (maxrun >= RUN_MIN || (acc & (S_RARE | S_BS | S_AMP))) {
        if (!onepass || (hi & 0x80) || (acc & (S_BS | S_AMP)))
            return look_closely(p, n) ? LOOK_YES : LOOK_NO;
        /*
         * Plain ASCII without \ and &: look_closely skips no byte, no run
         * is a candidate, %HH / =HH=HH and the spaced singles were tested
         * above on the same bytes -- except a space as the last byte, which
         * only look_closely counts. Left: that space, and six '<'.
         */
        if (p[n - 1] == ' ' && n - 1 - tok == 1 && singles >= 2)
            return LOOK_YES;
        return (acc & S_LT) && six_lt(p, n) ? LOOK_YES : LOOK_NO;
    }
    if ((pairs & P_E2) && any_at(p, n, 0xE2))
        return LOOK_YES;
    if ((pairs & P_EF) && any_at(p, n, 0xEF))
        return LOOK_YES;
    if ((acc & S_LT) && six_lt(p, n))
        return LOOK_YES;
    return (pairs & P_NFD) != 0 ? LOOK_YES : LOOK_NO;
}

bool azk_decode__reveal_worth_a_look(const uint8_t *p, size_t n)
{
    return look_at(p, n, NULL) != LOOK_NO;
}

#if defined(__SSE2__)
/* Bytes in [lo, lo + len) (unsigned, through a signed compare). */
static inline __m128i in_range(__m128i x, int lo, int len)
{
    return _mm_cmplt_epi8(_mm_add_epi8(x, _mm_set1_epi8((char)(0x80 - lo))),
                          _mm_set1_epi8((char)(len - 128)));
}

static inline __m128i eqv(__m128i x, char c)
{
    return _mm_cmpeq_epi8(x, _mm_set1_epi8(c));
}

static inline unsigned mask16(__m128i v)
{
    return (unsigned)_mm_movemask_epi8(v);
}

/* Bit i + k of m (0 past the end): m >> k across words (0 < k < 64). */
static inline uint64_t shr(const uint64_t *m, size_t w, size_t nw, unsigned k)
{
    return (m[w] >> k) | (w + 1 < nw ? m[w + 1] << (64 - k) : 0);
}

/* Bit i - k of m, `before` for the bits before the line: m << k across words. */
static inline uint64_t shl(const uint64_t *m, size_t w, unsigned k, uint64_t before)
{
    return (m[w] << k) | (w > 0 ? m[w - 1] >> (64 - k) : before);
}

/* The masks of look_ascii by SSE2, 16 bytes a step (where AVX2 is not
 * there, azk_decode__reveal_look_masks): false at the first 16 bytes with
 * a byte >= 0x80, \ or &. */
static bool look_masks_sse2(const uint8_t *p, size_t n, struct look_masks *m)
{
    size_t nw = (n + 63) / 64, w;
    unsigned k;
    for (w = 0; w < nw; w++) {
        const uint8_t *q = p + 64 * w;
        uint8_t t[64];
        uint64_t b64 = 0, hex = 0, sp = 0, pct = 0, eq = 0, lt = 0;
        if (n - 64 * w < 64) { /* the last bytes, then zeros: in no class */
            memset(t, 0, sizeof(t));
            memcpy(t, q, n - 64 * w);
            q = t;
        }
        for (k = 0; k < 64; k += 16) {
            __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(q + k));
            __m128i d = in_range(x, '0', 10);
            __m128i hl = in_range(_mm_or_si128(x, _mm_set1_epi8(0x20)), 'a', 6);
            __m128i al = _mm_or_si128(in_range(x, 'A', 26), in_range(x, 'a', 26));
            __m128i sym = _mm_or_si128(_mm_or_si128(eqv(x, '+'), eqv(x, '/')),
                                       _mm_or_si128(eqv(x, '-'), eqv(x, '_')));
            if (mask16(_mm_or_si128(x, _mm_or_si128(eqv(x, '\\'), eqv(x, '&')))) != 0)
                return false; /* not ASCII, or \ & (look_at decides) */
            hex |= (uint64_t)mask16(_mm_or_si128(d, hl)) << k;
            b64 |= (uint64_t)mask16(_mm_or_si128(_mm_or_si128(d, al), sym)) << k;
            sp |= (uint64_t)mask16(eqv(x, ' ')) << k;
            pct |= (uint64_t)mask16(eqv(x, '%')) << k;
            eq |= (uint64_t)mask16(eqv(x, '=')) << k;
            lt |= (uint64_t)mask16(eqv(x, '<')) << k;
        }
        m->b64[w] = b64;
        m->hex[w] = hex;
        m->sp[w] = sp;
        m->pct[w] = pct;
        m->eq[w] = eq;
        m->lt[w] = lt;
    }
    return true;
}

/*
 * look_at of a line of up to LOOK_BYTES bytes of ASCII without \ and & (an
 * ordinary log line) from bit masks, one bit per byte: the same answer and runs, or -1 for any
 * other field (then look_at decides). For such a line look_at's answer depends only on: %HH or
 * =HH=HH (yes), three single-character tokens each followed by a space (yes; counted at a space
 * before the last byte), its candidate runs (listed in order; a ninth: yes), the same three singles
 * ending at the last byte and six '<' (yes when a run of 16 or more is there, six '<' also without
 * one). The masks: AVX2 through the vector screen's dispatch (reveal_screen.c), else SSE2
 * (look_masks_sse2). tests/unit/decode_quiet compares look_at with both.
 */
static int look_ascii(const uint8_t *p, size_t n, struct look_runs *runs)
{
    struct look_masks m;
    size_t nw = (n + 63) / 64, w;
    uint64_t ss[LOOK_WORDS], a[LOOK_WORDS], chain_last = 0, lts = 0;
    unsigned k;
    bool long_run = false;
    int built = azk_decode__reveal_look_masks(p, n, &m);
    if (built == 0 || (built < 0 && !look_masks_sse2(p, n, &m)))
        return -1; /* not ASCII, or \ & (look_at decides) */
    for (w = 0; w < nw; w++) {
        uint64_t h1 = shr(m.hex, w, nw, 1), h2 = shr(m.hex, w, nw, 2);
        uint64_t last = w == (n - 1) / 64 ? (uint64_t)1 << ((n - 1) & 63) : 0, chain;
        /* %HH, =HH=HH */
        if ((m.pct[w] & h1 & h2) |
            (m.eq[w] & h1 & h2 & shr(m.eq, w, nw, 3) & shr(m.hex, w, nw, 4) & shr(m.hex, w, nw, 5)))
            return LOOK_YES;
        /* a space after a one-byte token (before the line: a space); three in a row */
        ss[w] = m.sp[w] & ~shl(m.sp, w, 1, 1) & shl(m.sp, w, 2, 2);
        chain = ss[w] & shl(ss, w, 2, 0) & shl(ss, w, 4, 0);
        if (chain & ~last)
            return LOOK_YES;
        chain_last |= chain & last;
        if (m.lt[w] != 0)
            lts += (uint64_t)__builtin_popcountll(m.lt[w]);
    }
    /* where a run of 16 or more base64 bytes starts: a[i] = p[i..i+k) all base64 */
    memcpy(a, m.b64, nw * sizeof(a[0]));
    for (k = 1; k < RUN_MIN; k *= 2) {
        for (w = 0; w < nw; w++)
            a[w] &= shr(a, w, nw, k); /* a[w + 1] is still the k-bit one */
    }
    for (w = 0; w < nw; w++) {
        uint64_t st = a[w] & ~shl(m.b64, w, 1, 0);
        while (st != 0) {
            size_t s0 = 64 * w + (size_t)__builtin_ctzll(st), e = s0, q;
            unsigned mix = 0;
            st &= st - 1;
            for (;;) { /* the run's end: the next byte out of the alphabet */
                size_t ew = e >> 6;
                uint64_t x = ew < nw ? ~m.b64[ew] >> (e & 63) : 1;
                if (x != 0) {
                    e += (size_t)__builtin_ctzll(x);
                    break;
                }
                e = 64 * (ew + 1);
            }
            long_run = true;
            if (built > 0) {
                mix = azk_decode__reveal_run_mix_avx2(p, n, s0, e);
            } else {
                for (q = s0; q < e; q++)
                    mix |= mixtab[p[q]];
            }
            if (run_candidate(e - s0, mix)) {
                if (runs->count == LOOK_RUNS_MAX)
                    return LOOK_YES;
                runs->at[runs->count] = s0;
                runs->end[runs->count++] = e;
            }
        }
    }
    if (runs->count > 0 || long_run)
        return chain_last != 0 || lts >= 6 ? LOOK_YES : runs->count > 0 ? LOOK_RUNS : LOOK_NO;
    return lts >= 6 ? LOOK_YES : LOOK_NO;
}
#endif

enum look azk_decode__reveal_look(const uint8_t *p, size_t n, struct look_runs *runs)
{
    runs->count = 0;
#if defined(__SSE2__)
    if (n <= LOOK_BYTES && !azk_decode__simd_off && !azk_decode__reveal_onepass_off) {
        int r = look_ascii(p, n, runs);
        if (r >= 0)
            return (enum look)r;
        runs->count = 0;
    }
#endif
    return look_at(p, n, runs);
}

bool azk_decode__reveal_worth(const uint8_t *p, size_t n)
{
    reveal_cls_built();
    return azk_decode__reveal_worth_a_look(p, n);
}
