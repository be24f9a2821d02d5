/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/reveal.c -- undo what only hides text from a matcher, once, in the
 * decode stage, so scan, impact, retention's sweep and the three guard
 * front ends all see the same text (issue 11). Every record passes here
 * (azk_decode__emit); a field is rewritten only when it holds one of:
 *
 *   - JSON / C / Python escapes: \uXXXX (surrogate pairs joined),
 *     \UXXXXXXXX, \xHH and \ooo byte runs, \n \t \r \\ \" \/;
 *   - HTML / XML character references: &#x5C71; &#23665; and the common
 *     named ones (&amp; &lt; &gt; &quot; &apos; &nbsp;);
 *   - percent-encoding (%E5%B1%B1, also Shift_JIS bytes) and
 *     quoted-printable (=E5=B1=B1): byte runs kept only when they decode as
 *     text (UTF-8, else CP932 / EUC-JP without an error), so "a=10" or
 *     "50%OFF" stay as they are;
 *   - base64 and hex runs of 16 characters or more: decoded bytes that read
 *     as text replace the run; larger decoded content (a zip, a gzip, a
 *     UTF-16 CSV, an image with text behind it) is decoded as part of the
 *     object by the dispatcher (azk_decode__transparent: depth, size and
 *     entry limits apply); random bytes are left alone;
 *   - invisible characters between characters (zero-width space / joiners,
 *     word joiner, BOM, soft hyphen, bidi controls, variation selectors,
 *     tag characters), full-width letters, digits and @ (→ ASCII), and
 *     values spaced out one character at a time ("0 9 0 - 1 2 3 4").
 *
 * Decoding repeats (at most REVEAL_ROUNDS) while it changes something, so
 * "&amp;#x5C71;" and double JSON escaping are read too. A JSON string that
 * held a whole file ("a,b\n c,d") gives one record per line. Records with
 * nothing of the above cost one table-driven pass and are emitted as they
 * are. Decoded bytes count against AZK_DECODE_REVEAL_MAX per top-level
 * object; past it the object ends with AZK_ERR_LIMIT (fail closed).
 *
 * This file: byte classes and the screen that skips plain records, one
 * pass of unescaping, markup, invisible characters, width and spacing, and
 * records (the vector screen in front of it is reveal_screen.c); encoded runs (percent / QP /
 * escaped bytes, base64 / hex, hex dumps, MIME bodies) are in reveal_runs.c (shared: reveal_int.h).
 */
#include "decode/decode_int.h"

#include <pthread.h>
#include <string.h>
#include "decode/reveal_int.h"

uint8_t azk_decode__reveal_cls[256];
bool azk_decode__reveal_onepass_off; /* tests: worth_a_look without its one-pass ending */
static uint8_t mixtab[256];          /* mix_of() of each byte */
pthread_once_t azk_decode__reveal_cls_once = PTHREAD_ONCE_INIT;

static unsigned mix_of(uint8_t c);
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
    for (c = 0; c < 256; c++)
        mixtab[c] = (azk_decode__reveal_cls[c] & C_B64) ? (uint8_t)mix_of((uint8_t)c) : 0;
    screen_init();
}

bool azk_decode__reveal_hex_at(const uint8_t *p, size_t n, size_t i, size_t k, uint32_t *v)
{
    size_t j;
    uint32_t x = 0;
    if (i + k > n)
        return false;
    for (j = 0; j < k; j++) {
        int h = azk_hexval(p[i + j]);
        if (h < 0)
            return false;
        x = x * 16 + (uint32_t)h;
    }
    *v = x;
    return true;
}

/* Character mix of a base64 / hex run. */
enum { MIX_UPPER = 1, MIX_LOWER = 2, MIX_DIGIT = 4, MIX_SYM = 8, MIX_NONHEX = 16 };

static unsigned mix_of(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return MIX_DIGIT;
    if (c >= 'A' && c <= 'Z')
        return MIX_UPPER | (c > 'F' ? MIX_NONHEX : 0);
    if (c >= 'a' && c <= 'z')
        return MIX_LOWER | (c > 'f' ? MIX_NONHEX : 0);
    return MIX_SYM | MIX_NONHEX;
}

/*
 * Whether a run of the base64 alphabet is worth decoding: hex (even, with
 * a digit and a letter), or base64 with both cases and a digit or symbol.
 * Words, identifiers in one case and UUIDs are not.
 */
static bool run_candidate(size_t run, unsigned mix)
{
    if (run < RUN_MIN)
        return false;
    if (!(mix & MIX_NONHEX))
        return (mix & MIX_DIGIT) && (mix & (MIX_UPPER | MIX_LOWER));
    return (mix & MIX_UPPER) && (mix & MIX_LOWER) && (mix & (MIX_DIGIT | MIX_SYM));
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
 */
static bool worth_a_look(const uint8_t *p, size_t n)
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
                        return true;
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
                    return true;
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
            if (run_candidate(i - start, mix))
                return true;
        }
    }
    if (acc <= S_B64 && maxrun < RUN_MIN)
        return false;
    if (maxrun >= RUN_MIN || (acc & (S_RARE | S_BS | S_AMP))) {
        if (!onepass || (hi & 0x80) || (acc & (S_BS | S_AMP)))
            return look_closely(p, n);
        /*
         * Plain ASCII without \ and &: look_closely skips no byte, no run
         * is a candidate, %HH / =HH=HH and the spaced singles were tested
         * above on the same bytes -- except a space as the last byte, which
         * only look_closely counts. Left: that space, and six '<'.
         */
        if (p[n - 1] == ' ' && n - 1 - tok == 1 && singles >= 2)
            return true;
        return (acc & S_LT) && six_lt(p, n);
    }
    if ((pairs & P_E2) && any_at(p, n, 0xE2))
        return true;
    if ((pairs & P_EF) && any_at(p, n, 0xEF))
        return true;
    if ((acc & S_LT) && six_lt(p, n))
        return true;
    return (pairs & P_NFD) != 0;
}

bool azk_decode__reveal_worth(const uint8_t *p, size_t n)
{
    (void)pthread_once(&azk_decode__reveal_cls_once, azk_decode__reveal_cls_init);
    return worth_a_look(p, n);
}

/* ---- one pass of unescaping ------------------------------------------------------- */

static const struct {
    const char *name;
    size_t len;
    uint32_t cp;
} entities[] = {
    {"amp;", 4, '&'},     {"lt;", 3, '<'},   {"gt;", 3, '>'},     {"quot;", 5, '"'},
    {"apos;", 5, '\''},   {"nbsp;", 5, ' '}, {"yen;", 4, 0xA5},   {"copy;", 5, 0xA9},
    {"ensp;", 5, ' '},    {"emsp;", 5, ' '}, {"thinsp;", 7, ' '}, {"zwj;", 4, 0x200D},
    {"zwnj;", 5, 0x200C}, {"shy;", 4, 0xAD}, {"minus;", 6, '-'},  {"hyphen;", 7, '-'},
};

static azk_status put_cp(azk_buf *out, uint32_t cp)
{
    uint8_t tmp[4];
    if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')
        cp = ' ';
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    return azk_buf_put(out, tmp, azk_utf8_encode(cp, tmp));
}

/* A character reference at p[i] ('&'): its code point and length, or 0. */
static size_t char_ref(const uint8_t *p, size_t n, size_t i, uint32_t *cp)
{
    size_t j = i + 1, k;
    uint32_t v = 0;
    if (j < n && p[j] == '#') {
        bool hx = j + 1 < n && (p[j + 1] == 'x' || p[j + 1] == 'X');
        j += hx ? 2 : 1;
        for (k = 0; j < n && k < 8; j++, k++) {
            int h = hx ? azk_hexval(p[j]) : (p[j] >= '0' && p[j] <= '9' ? p[j] - '0' : -1);
            if (h < 0)
                break;
            v = v * (hx ? 16 : 10) + (uint32_t)h;
        }
        if (k == 0 || v > 0x10FFFF)
            return 0;
        if (j < n && p[j] == ';')
            j++;
        *cp = v;
        return j - i;
    }
    for (k = 0; k < sizeof(entities) / sizeof(entities[0]); k++) {
        if (n - j >= entities[k].len && memcmp(p + j, entities[k].name, entities[k].len) == 0) {
            *cp = entities[k].cp;
            return 1 + entities[k].len;
        }
    }
    return 0;
}

/* A \u / \U escape at p[i] (surrogate pairs joined): code point and length, or 0. */
static size_t u_escape(const uint8_t *p, size_t n, size_t i, uint32_t *cp)
{
    uint32_t v, lo;
    if (i + 1 >= n)
        return 0;
    if (p[i + 1] == 'U') {
        if (!azk_decode__reveal_hex_at(p, n, i + 2, 8, &v) || v > 0x10FFFF)
            return 0;
        *cp = v;
        return 10;
    }
    if ((p[i + 1] == 'u' || p[i + 1] == 'x') && i + 2 < n && p[i + 2] == '{') {
        /* \u{5C71} (JavaScript, Rust, Swift), \x{5C71} (Perl, PHP) */
        size_t j = i + 3, k = 0;
        v = 0;
        while (j < n && k < 6 && azk_hexval(p[j]) >= 0) {
            v = v * 16 + (uint32_t)azk_hexval(p[j]);
            j++;
            k++;
        }
        if (k == 0 || j >= n || p[j] != '}' || v > 0x10FFFF)
            return 0;
        *cp = v;
        return j + 1 - i;
    }
    if (p[i + 1] != 'u' || !azk_decode__reveal_hex_at(p, n, i + 2, 4, &v))
        return 0;
    if (v >= 0xD800 && v <= 0xDBFF && i + 12 <= n && p[i + 6] == '\\' && p[i + 7] == 'u' &&
        azk_decode__reveal_hex_at(p, n, i + 8, 4, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
        *cp = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
        return 12;
    }
    *cp = v;
    return 6;
}

static azk_status unescape(struct reveal *rv, const uint8_t *p, size_t n, azk_buf *out,
                           bool *changed)
{
    uint8_t *b = NULL;
    azk_status rc = AZK_OK;
    size_t i = 0;
    b = azk_malloc(n / 2 + 1);
    if (b == NULL)
        return azk_error_nomem();
    while (i < n) {
        uint8_t c = p[i];
        size_t len = 0, blen = 0;
        uint32_t cp;
        bool ok = false;
        if (c == '\\' && i + 1 < n && p[i + 1] == '\\' && !rv->simple_escapes) {
            /* an escaped backslash is not the start of an escape */
            rc = azk_buf_put(out, p + i, 2);
            if (rc != AZK_OK)
                break;
            i += 2;
            continue;
        }
        if (c == '\\') {
            len = u_escape(p, n, i, &cp);
            if (len > 0) {
                rc = put_cp(out, cp);
            } else if (i + 1 < n && (p[i + 1] == 'x' || (p[i + 1] >= '0' && p[i + 1] <= '3'))) {
                len = azk_decode__reveal_byte_run(p, n, i, '\\', b, &blen);
                if (len > 0) {
                    rc = azk_decode__reveal_put_bytes_as_text(out, b, blen, true, &ok);
                    if (!ok)
                        len = 0;
                }
            } else if (i + 1 < n && rv->simple_escapes) {
                static const char from[] = "ntr\\\"/";
                static const char to[] = "\n\t\r\\\"/";
                const char *f = memchr(from, p[i + 1], sizeof(from) - 1);
                if (f != NULL && p[i + 1] != 0) {
                    len = 2;
                    rc = azk_buf_putc(out, to[f - from]);
                }
            }
        } else if (c == '&') {
            len = char_ref(p, n, i, &cp);
            if (len > 0)
                rc = put_cp(out, cp);
        } else if ((c == '%' || c == '=') && i + 1 < n) {
            len = azk_decode__reveal_byte_run(p, n, i, c, b, &blen);
            if (len > 0 && blen > 0) {
                rc = azk_decode__reveal_put_bytes_as_text(out, b, blen, c == '%', &ok);
                if (!ok)
                    len = 0;
            } else {
                len = 0;
            }
        } else if ((azk_decode__reveal_cls[c] & C_B64) &&
                   (i == 0 || (azk_decode__reveal_cls[p[i - 1]] & C_B64) == 0)) {
            size_t j = i;
            while (j < n && (azk_decode__reveal_cls[p[j]] & C_B64))
                j++;
            /* padding, unless it starts quoted-printable (=E5) */
            while (j < n && p[j] == '=' &&
                   !(j + 2 < n && azk_hexval(p[j + 1]) >= 0 && azk_hexval(p[j + 2]) >= 0))
                j++;
            unsigned mix = 0;
            size_t q;
            for (q = i; q < j && p[q] != '='; q++)
                mix |= mix_of(p[q]);
            if (run_candidate(q - i, mix)) {
                rc = azk_decode__reveal_run(rv, p + i, j - i, out, &ok);
                len = ok ? j - i : 0;
                if (rc == AZK_OK && !ok) {
                    rc = azk_buf_put(out, p + i, j - i);
                    i = j;
                    if (rc != AZK_OK)
                        break;
                    continue;
                }
            } else {
                rc = azk_buf_put(out, p + i, j - i);
                i = j;
                if (rc != AZK_OK)
                    break;
                continue;
            }
        }
        if (rc != AZK_OK)
            break;
        if (len > 0) {
            *changed = true;
            i += len;
            continue;
        }
        rc = azk_buf_putc(out, c);
        if (rc != AZK_OK)
            break;
        i++;
    }
    azk_free(b);
    return rc;
}

/* ---- markup ------------------------------------------------------------------------ */

/*
 * Text split across markup tags a character or two at a time
 * (<r>山</r><r>田</r>, as a word processor or an evader writes it): the
 * tags are removed so the value is whole again. Ordinary markup
 * (<td>山田太郎</td>) has more text per tag and is left alone.
 */
static azk_status strip_split_markup(const uint8_t *p, size_t n, azk_buf *out, bool *changed)
{
    size_t i = 0, tags = 0, text = 0;
    azk_status rc;
    while (i < n) {
        if (p[i] == '<') {
            const uint8_t *gt = memchr(p + i, '>', n - i);
            if (gt == NULL)
                break;
            tags++;
            i = (size_t)(gt - p) + 1;
        } else {
            text++;
            i++;
        }
    }
    if (tags < 6 || text > 3 * tags)
        return AZK_OK;
    for (i = 0; i < n;) {
        if (p[i] == '<') {
            const uint8_t *gt = memchr(p + i, '>', n - i);
            if (gt == NULL) {
                rc = azk_buf_put(out, p + i, n - i);
                if (rc != AZK_OK)
                    return rc;
                break;
            }
            i = (size_t)(gt - p) + 1;
            continue;
        }
        rc = azk_buf_putc(out, p[i]);
        if (rc != AZK_OK)
            return rc;
        i++;
    }
    *changed = true;
    return AZK_OK;
}

/* ---- azk_decode__reveal_invisible characters, width, spacing
 * ---------------------------------------- */

bool azk_decode__reveal_invisible(uint32_t cp)
{
    return cp == 0xAD || cp == 0x34F || cp == 0x180E || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x2066 && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           (cp >= 0xE0000 && cp <= 0xE007F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

/* The kana with a (semi-)voiced mark: か + ゛ → が, は + ゜ → ぱ; 0 if none. */
static uint32_t voiced(uint32_t k, bool semi)
{
    uint32_t h = (k >= 0x30A1 && k <= 0x30F6) ? k - 0x60 : k; /* katakana → hiragana */
    bool ha_row = h == 0x306F || h == 0x3072 || h == 0x3075 || h == 0x3078 || h == 0x307B;
    if (semi)
        return ha_row ? k + 2 : 0;
    if ((h >= 0x304B && h <= 0x3061 && (h % 2) == 1) || h == 0x3064 || h == 0x3066 || h == 0x3068 ||
        ha_row)
        return k + 1;
    if (k == 0x30A6)
        return 0x30F4; /* ウ → ヴ */
    if (k == 0x3046)
        return 0x3094; /* う → ゔ */
    return 0;
}

static bool spacer(uint32_t cp)
{
    return cp == ' ' || cp == 0x3000 || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A);
}

/*
 * Drop azk_decode__reveal_invisible characters, fold full-width ASCII (letters, digits and
 * their punctuation) to ASCII,
 * and close up values spaced out one character at a time (4 or more
 * single characters each followed by one space).
 */
/*
 * Whether p[0..n) is ASCII that put_cp() writes back unchanged: no byte >=
 * 0x80 and no control character but tab, LF and CR (put_cp turns the others
 * into spaces). Eight bytes at a time, byte by byte where a word has a byte
 * below 0x20 (log lines with tabs).
 */
static bool plain_ascii(const uint8_t *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t w;
    size_t i = 0, k;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        if ((w & highs) != 0)
            return false;
        if ((((w - 0x20 * ones) & ~w & highs)) != 0) {
            for (k = i; k < i + 8; k++)
                if (p[k] < 0x20 && p[k] != '\t' && p[k] != '\n' && p[k] != '\r')
                    return false;
        }
    }
    for (; i < n; i++)
        if (p[i] >= 0x80 || (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r'))
            return false;
    return true;
}

/*
 * normalise() of plain ASCII text (plain_ascii), where every byte is its own
 * code point and put_cp() writes it back as it is: none is invisible, a
 * diacritic, a voiced mark or full-width, and the only spacer is ' '; so
 * only the spaced-out rule can change anything. The same loop on the
 * bytes, with the unchanged stretches appended whole instead of one
 * character at a time (a log line with a base64-looking token comes here).
 */
static azk_status normalise_ascii(const uint8_t *p, size_t n, azk_buf *out, bool *changed)
{
    size_t k, from = 0;
    azk_status rc;
    for (k = 0; k < n;) {
        size_t j = k, singles = 0, end = k;
        if (p[k] != ' ' && (k == 0 || p[k - 1] == ' ')) {
            while (j < n && p[j] != ' ' && (j + 1 >= n || p[j + 1] == ' ')) {
                singles++;
                end = j + 1;
                if (j + 2 < n && p[j + 2] != ' ')
                    j += 2;
                else
                    break;
            }
        }
        if (singles >= 4) {
            size_t m;
            rc = azk_buf_put(out, p + from, k - from);
            if (rc != AZK_OK)
                return rc;
            for (m = k; m < end; m++) {
                if (p[m] != ' ') {
                    rc = azk_buf_putc(out, p[m]);
                    if (rc != AZK_OK)
                        return rc;
                }
            }
            *changed = true;
            k = end;
            from = end;
            continue;
        }
        k++;
    }
    return from < n ? azk_buf_put(out, p + from, n - from) : AZK_OK;
}

static azk_status normalise(const uint8_t *p, size_t n, azk_buf *out, bool *changed)
{
    uint32_t *cps = NULL;
    size_t count = 0, i = 0, k;
    azk_status rc = AZK_OK;
    if (!azk_decode__simd_off && plain_ascii(p, n)) /* the switch: tests compare both paths */
        return normalise_ascii(p, n, out, changed);
    cps = azk_malloc((n + 1) * sizeof(*cps));
    if (cps == NULL)
        return azk_error_nomem();
    while (i < n) {
        uint32_t cp;
        size_t l = azk_utf8_decode(p + i, n - i, &cp);
        i += l;
        if (azk_decode__reveal_invisible(cp)) {
            *changed = true;
            continue;
        }
        if ((cp == 0x3099 || cp == 0x309A) && count > 0) {
            /* decomposed kana (NFD, as macOS writes file names): compose */
            uint32_t c = voiced(cps[count - 1], cp == 0x309A);
            if (c != 0) {
                cps[count - 1] = c;
                *changed = true;
                continue;
            }
        }
        if (cp >= 0x300 && cp <= 0x36F && count > 0 &&
            (cps[count - 1] >= 0x3000 || cps[count - 1] < 0x80)) {
            /* a diacritic on a Japanese or ASCII character hides it: drop it */
            *changed = true;
            continue;
        }
        if (cp >= 0xFF01 && cp <= 0xFF5E) {
            /* all of full-width ASCII: "５５３－０１５０" must not become "553－0150" */
            cp -= 0xFEE0;
            *changed = true;
        }
        cps[count++] = cp;
    }
    for (k = 0; k < count;) {
        /* a run c _ c _ c _ c: single characters, one spacer between each */
        size_t j = k, singles = 0, end = k;
        if (!spacer(cps[k]) && (k == 0 || spacer(cps[k - 1]))) {
            while (j < count && !spacer(cps[j]) && (j + 1 >= count || spacer(cps[j + 1]))) {
                singles++;
                end = j + 1;
                if (j + 2 < count && !spacer(cps[j + 2]))
                    j += 2;
                else
                    break;
            }
        }
        if (singles >= 4) {
            size_t m;
            for (m = k; m < end; m++) {
                if (!spacer(cps[m])) {
                    rc = put_cp(out, cps[m]);
                    if (rc != AZK_OK)
                        goto done;
                }
            }
            *changed = true;
            k = end;
            continue;
        }
        rc = put_cp(out, cps[k]);
        if (rc != AZK_OK)
            goto done;
        k++;
    }
done:
    azk_free(cps);
    return rc;
}

/* ---- records ---------------------------------------------------------------------- */

/* Reveal one field into out; *changed when it differs from the input. worth:
 * worth_a_look(p, n) is known to be true (the caller has just computed it). */
static azk_status reveal_field(struct reveal *rv, const uint8_t *p, size_t n, bool worth,
                               azk_buf *out, bool *changed)
{
    azk_buf cur = AZK_BUF_INIT, tmp = AZK_BUF_INIT, nxt = AZK_BUF_INIT;
    azk_status rc = AZK_OK;
    size_t round;
    *changed = false;
    rc = azk_buf_put(&cur, p, n);
    if (rc != AZK_OK)
        goto done;
    for (round = 0; round < REVEAL_ROUNDS && !rv->limit; round++) {
        bool ch1 = false, ch2 = false;
        azk_buf swap;
        if (!(round == 0 && worth) && !worth_a_look(cur.data, cur.len))
            break;
        if (memchr(cur.data, '<', cur.len) != NULL) {
            bool ch0 = false;
            azk_buf_clear(&tmp);
            rc = strip_split_markup(cur.data, cur.len, &tmp, &ch0);
            if (rc != AZK_OK)
                goto done;
            if (ch0) {
                swap = cur;
                cur = tmp;
                tmp = swap;
                *changed = true;
            }
        }
        azk_buf_clear(&tmp);
        rv->simple_escapes = azk_decode__reveal_escaped_text(cur.data, cur.len);
        rc = unescape(rv, cur.data, cur.len, &tmp, &ch1);
        if (rc != AZK_OK || rv->ctx->sink_failed)
            goto done;
        azk_buf_clear(&nxt);
        /* also repairs invalid UTF-8 an escape may have produced (\xff) */
        rc = ch1 ? normalise(tmp.data, tmp.len, &nxt, &ch2)
                 : normalise(cur.data, cur.len, &nxt, &ch2);
        if (rc != AZK_OK)
            goto done;
        if (!ch1 && !ch2)
            break;
        *changed = true;
        swap = cur;
        cur = nxt;
        nxt = swap;
    }
    if (*changed) {
        *out = cur;
        memset(&cur, 0, sizeof(cur));
    }
done:
    azk_buf_dispose(&cur);
    azk_buf_dispose(&tmp);
    azk_buf_dispose(&nxt);
    return rc;
}

/*
 * A long line of JSON elements ([[...],[...]] or [{...},{...}], as
 * json.dumps writes a table on one line): each element is a record of its
 * own, as the lines of a CSV would be.
 */
static bool json_elements(const char *p, size_t n)
{
    return n >= 512 && (p[0] == '[' || p[0] == '{') &&
           (memmem(p, n, "],[", 3) != NULL || memmem(p, n, "], [", 4) != NULL ||
            memmem(p, n, "},{", 3) != NULL || memmem(p, n, "}, {", 4) != NULL);
}

/* Length of the JSON element boundary at p (the separator after ']' or '}'), or 0. */
static size_t json_boundary(const char *p, size_t n)
{
    if (n >= 3 && (p[0] == ']' || p[0] == '}') && p[1] == ',' && (p[2] == '[' || p[2] == '{'))
        return 2;
    if (n >= 4 && (p[0] == ']' || p[0] == '}') && p[1] == ',' && p[2] == ' ' &&
        (p[3] == '[' || p[3] == '{'))
        return 3;
    return 0;
}

/* Emit a text field as records: one per line, and one per JSON element of a long line. */
static azk_status emit_split(struct azk_decode_ctx *ctx, const azk_record *rec, const char *s,
                             size_t n)
{
    const char *end = s + n;
    azk_record r = *rec;
    azk_field f = rec->fields[0];
    azk_status rc;
    size_t max = ctx->opts->max_line > 0 ? ctx->opts->max_line : (size_t)64 * 1024;
    r.fields = &f;
    if (n == 0)
        return AZK_OK;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *e = nl != NULL ? nl : end;
        size_t len = (size_t)(e - s);
        bool js = json_elements(s, len);
        while (len > 0) {
            size_t take = len, i;
            if (js) {
                for (i = 1; i < len; i++) {
                    size_t b = json_boundary(s + i, len - i);
                    if (b > 0) {
                        take = i + 1;
                        break;
                    }
                }
            }
            f.ptr = s;
            f.len = take;
            if (take > 0 && s[take - 1] == '\r')
                f.len--;
            r.continued = rec->continued;
            while (f.len > 0) {
                /* within max_line, as every text record (U+FFFD can grow a line) */
                size_t whole = f.len, cut = f.len;
                if (cut > max) {
                    cut = azk_decode__utf8_boundary((const uint8_t *)f.ptr, max);
                    if (cut == 0)
                        cut = max;
                }
                f.len = cut;
                rc = azk_decode__emit_raw(ctx, &r);
                if (rc != AZK_OK)
                    return rc;
                f.ptr += cut;
                f.len = whole - cut;
                r.continued = 1;
            }
            s += take;
            len -= take;
            if (js && len > 0 && *s == ',') {
                s++;
                len--;
            }
        }
        s = e + 1;
    }
    return AZK_OK;
}

azk_status azk_decode__reveal(struct azk_decode_ctx *ctx, const azk_record *rec, bool *handled)
{
    size_t max_cell;
    struct reveal rv;
    azk_buf *vals = NULL;
    azk_field *fields = NULL;
    azk_status rc = AZK_OK;
    size_t i, any = 0, first;

    *handled = false;
    (void)pthread_once(&azk_decode__reveal_cls_once, azk_decode__reveal_cls_init);
    /* the vector screen (reveal_screen.c) first: most records end there */
    i = azk_decode__reveal_screen_record(rec) ? 0 : rec->field_count;
    for (; i < rec->field_count; i++) {
        if (worth_a_look((const uint8_t *)rec->fields[i].ptr, rec->fields[i].len))
            break;
    }
    first = i; /* the first field worth a look */
    if (i == rec->field_count) {
        if (!rec->tabular && rec->field_count == 1 &&
            json_elements(rec->fields[0].ptr, rec->fields[0].len)) {
            *handled = true;
            return emit_split(ctx, rec, rec->fields[0].ptr, rec->fields[0].len);
        }
        return AZK_OK; /* the fast path: nothing hidden */
    }

    memset(&rv, 0, sizeof(rv));
    rv.ctx = ctx;
    rv.tabular = rec->tabular != 0;
    max_cell = ctx->opts->max_cell > 0 ? ctx->opts->max_cell : (size_t)64 * 1024;
    vals = azk_calloc(rec->field_count, sizeof(*vals));
    fields = azk_calloc(rec->field_count, sizeof(*fields));
    if (vals == NULL || fields == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (i = 0; i < rec->field_count; i++) {
        bool ch = false;
        fields[i] = rec->fields[i];
        if (i < first)
            continue; /* worth_a_look said no: reveal_field would stop at once */
        rc = reveal_field(&rv, (const uint8_t *)rec->fields[i].ptr, rec->fields[i].len, i == first,
                          &vals[i], &ch);
        if (rc != AZK_OK || ctx->sink_failed)
            goto done;
        if (ch) {
            /* a field may reveal to nothing (only azk_decode__reveal_invisible characters) */
            fields[i].ptr = vals[i].data != NULL ? (const char *)vals[i].data : "";
            fields[i].len = vals[i].len;
            if (rec->tabular && fields[i].len > max_cell) /* U+FFFD can grow a cut cell */
                fields[i].len = azk_decode__utf8_boundary(vals[i].data, max_cell);
            any++;
        }
    }
    if (rv.limit) {
        rc = azk_decode__defer(ctx, azk_error_set(AZK_ERR_LIMIT,
                                                  "more than %llu bytes of encoded content",
                                                  (unsigned long long)AZK_DECODE_REVEAL_MAX));
        if (rc != AZK_OK)
            goto done;
    }
    if (any == 0)
        goto done;
    *handled = true;
    if (!rec->tabular && rec->field_count == 1) {
        rc = emit_split(ctx, rec, fields[0].ptr, fields[0].len);
    } else {
        azk_record r = *rec;
        r.fields = fields;
        rc = azk_decode__emit_raw(ctx, &r);
    }
done:
    for (i = 0; vals != NULL && i < rec->field_count; i++)
        azk_buf_dispose(&vals[i]);
    azk_free(vals);
    azk_free(fields);
    azk_buf_dispose(&rv.bytes);
    azk_buf_dispose(&rv.text);
    return rc;
}
