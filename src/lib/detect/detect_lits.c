/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_lits.c -- the byte screen in front of the literal matcher
 * (issue 16, item 2): a field goes to hs_scan only if one of the matcher's
 * literals can occur in it. Every built-in literal (detect.c: labels, era
 * names, block units, prefectures, '@') is either '@' or starts with a
 * three-byte UTF-8 character (lead byte 0xE0..0xEF). The screen keeps the
 * set of those first characters (~70 of them) as a two-level bit table
 * indexed by the low bits of the three bytes, and looks it up at every byte
 * >= 0xE0 of the field that has two bytes after it. A literal occurring at
 * offset j has those three bytes at j, so the screen says "maybe" for every
 * field in which Vectorscan would report a hit: skipping hs_scan when it
 * says "no" changes nothing but the cost (about 540 instructions a call;
 * on the bench corpus ~88% of the fields with kanji hold no literal's first
 * character). The table is built from the literal arrays themselves; a
 * literal of another shape switches the screen off (every field scanned).
 *
 * With AVX2 (runtime dispatch, __builtin_cpu_supports, as reveal's screen)
 * the lead bytes are not looked up one by one: 32 positions at a time,
 * four pshufb nibble tables (lit_screen.nib) put every first character in
 * one of eight buckets, and only a lead byte whose nibbles all fall in one
 * bucket is looked up in the exact table (~0.1 M of the 1.76 M lead
 * bytes of the bench slice). The nibbles are functions of the bits the
 * exact table reads, so every lead it would take is looked up: the answer
 * is the plain screen's. tests/unit/detect_lits compares the two on fields of every
 * length (azk_detect__lit_vec_off: the plain screen).
 */
#include "detect/detect.h"
#include "detect/detect_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define AZK_LITS_AVX2 1
#endif
#include <string.h>
#include "detect/detect_scan.h"

bool azk_detect__lit_screen_off;
bool azk_detect__lit_vec_off;

static unsigned row_of(unsigned char b0, unsigned char b1)
{
    return ((unsigned)(b0 & 0x0F) << 6) | (unsigned)(b1 & 0x3F);
}

static void add_first(struct lit_screen *s, const char *lit, size_t len)
{
    const unsigned char *b = (const unsigned char *)lit;
    unsigned r;
    if (len == 1 && b[0] == '@')
        return; /* the screen looks for '@' itself */
    if (len < 3 || b[0] < 0xE0) {
        s->all = true;
        return;
    }
    r = row_of(b[0], b[1]);
    if (s->row[r] == 0) {
        if (s->rows + 1 >= sizeof(s->mask) / sizeof(s->mask[0])) {
            s->all = true;
            return;
        }
        s->row[r] = (uint8_t)++s->rows;
    }
    s->mask[s->row[r]] |= (uint64_t)1 << (b[2] & 0x3F);
}

/* The constants of lit_screen.kv, read from memory in the loops (not built
 * and kept in registers per call: most fields are one or two steps). */
enum { K_0F, K_0C, K_03, K_60, K_80, K_AT, K_COUNT };
static const uint8_t kv_bytes[K_COUNT] = {0x0F, 0x0C, 0x03, 0x60, 0x80, '@'};

/* The four nibbles of a first character (row r of the exact table, bit b
 * of its mask): b0 & 15, (b1 >> 4 & 3) << 2 | (b2 >> 4 & 3), b1 & 15, b2 & 15. */
static void nibbles_of(unsigned r, unsigned b, unsigned nb[4])
{
    nb[0] = r >> 6;
    nb[1] = ((r >> 4) & 3u) << 2 | ((b >> 4) & 3u);
    nb[2] = r & 15u;
    nb[3] = b & 15u;
}

/* How many nibble combinations a bucket of these nibble sets lets through. */
static unsigned bucket_space(const uint16_t set[4])
{
    return (unsigned)(__builtin_popcount(set[0]) * __builtin_popcount(set[1]) *
                      __builtin_popcount(set[2]) * __builtin_popcount(set[3]));
}

/*
 * The nibble tables: every first character of the exact table goes to the
 * bucket it widens least (fewest nibble combinations let through that are
 * no first character: each costs an exact look-up when text holds it).
 * Which bucket only moves the cost; every character is in one.
 */
static void nib_build(struct lit_screen *s)
{
    uint16_t set[8][4];
    unsigned r, b, k, t;
    memset(set, 0, sizeof(set));
    for (r = 0; r < 1024; r++) {
        uint64_t m = s->mask[s->row[r]];
        if (s->row[r] == 0)
            continue;
        for (b = 0; b < 64; b++) {
            unsigned nb[4], best = 0, grow = ~0u;
            if (((m >> b) & 1u) == 0)
                continue;
            nibbles_of(r, b, nb);
            for (k = 0; k < 8; k++) {
                uint16_t w[4];
                unsigned g;
                for (t = 0; t < 4; t++)
                    w[t] = (uint16_t)(set[k][t] | 1u << nb[t]);
                g = bucket_space(w) - bucket_space(set[k]);
                if (g < grow) {
                    grow = g;
                    best = k;
                }
            }
            for (t = 0; t < 4; t++) {
                set[best][t] = (uint16_t)(set[best][t] | 1u << nb[t]);
                s->nib[t][nb[t]] = (uint8_t)(s->nib[t][nb[t]] | 1u << best);
                s->nib[t][16 + nb[t]] = s->nib[t][nb[t]]; /* both lanes of a 32-byte load */
            }
        }
    }
}

void azk_detect__lit_screen_build(struct lit_screen *s)
{
    size_t i;
    memset(s, 0, sizeof(*s));
    for (i = 0; i < N_LITS; i++)
        add_first(s, azk_detect__lits[i].s, azk_detect__lits[i].len);
    for (i = 0; i < 47; i++)
        add_first(s, azk_detect__prefs[i], strlen(azk_detect__prefs[i]));
    if (s->all)
        return;
    nib_build(s);
    for (i = 0; i < K_COUNT; i++)
        memset(s->kv[i], kv_bytes[i], sizeof(s->kv[i]));
#if AZK_LITS_AVX2
    __builtin_cpu_init();
    s->vec = __builtin_cpu_supports("avx2") != 0;
#endif
}

/* Is p[j..j+2] (j + 2 < n) the first character of some literal (or a byte
 * pattern with the same low bits)? */
static inline bool first_at(const struct lit_screen *s, const unsigned char *p)
{
    return (s->mask[s->row[row_of(p[0], p[1])]] >> (p[2] & 0x3F)) & 1u;
}

#if AZK_LITS_AVX2
#define AVX2 __attribute__((target("avx2")))

/*
 * The candidates among sixteen bytes b0 = v0[k] (bit k), with b1 = v1[k]
 * and b2 = v2[k] the two bytes after each: a lead byte (>= 0xE0) whose
 * nibbles share a bucket of the tables of s, or '@'. The lead test is in the
 * first table's index: (b0 -sat 0x60) ^ 0x80 keeps bit 7 (pshufb gives 0)
 * for every b0 < 0xE0 and is b0 - 0xE0 (low nibble b0's) for the others.
 */
#define LEADS(W, s, v0, v1, v2)                                                                    \
    W##_and(                                                                                       \
        W##_and(W##_shuffle_epi8(                                                                  \
                    W##_load(s->nib[0]),                                                           \
                    W##_xor(W##_subs_epu8(v0, W##_load(s->kv[K_60])), W##_load(s->kv[K_80]))),     \
                W##_shuffle_epi8(W##_load(s->nib[1]),                                              \
                                 W##_or(W##_and(W##_srli_epi16(v1, 2), W##_load(s->kv[K_0C])),     \
                                        W##_and(W##_srli_epi16(v2, 4), W##_load(s->kv[K_03]))))),  \
        W##_and(W##_shuffle_epi8(W##_load(s->nib[2]), W##_and(v1, W##_load(s->kv[K_0F]))),         \
                W##_shuffle_epi8(W##_load(s->nib[3]), W##_and(v2, W##_load(s->kv[K_0F])))))

#define V16_and(a, b)          _mm_and_si128(a, b)
#define V16_or(a, b)           _mm_or_si128(a, b)
#define V16_xor(a, b)          _mm_xor_si128(a, b)
#define V16_subs_epu8(a, b)    _mm_subs_epu8(a, b)
#define V16_srli_epi16(a, k)   _mm_srli_epi16(a, k)
#define V16_shuffle_epi8(a, b) _mm_shuffle_epi8(a, b)
#define V16_load(q)            _mm_loadu_si128((const __m128i *)(const void *)(q))
#define V32_and(a, b)          _mm256_and_si256(a, b)
#define V32_or(a, b)           _mm256_or_si256(a, b)
#define V32_xor(a, b)          _mm256_xor_si256(a, b)
#define V32_subs_epu8(a, b)    _mm256_subs_epu8(a, b)
#define V32_srli_epi16(a, k)   _mm256_srli_epi16(a, k)
#define V32_shuffle_epi8(a, b) _mm256_shuffle_epi8(a, b)
#define V32_load(q)            _mm256_loadu_si256((const __m256i *)(const void *)(q))

/* Candidates of sixteen positions (bit k), '@' among them. */
AVX2 static inline unsigned leads16(const struct lit_screen *s, __m128i v0, __m128i v1, __m128i v2)
{
    __m128i b = _mm_or_si128(LEADS(V16, s, v0, v1, v2), _mm_cmpeq_epi8(v0, V16_load(s->kv[K_AT])));
    return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(b, _mm_setzero_si128())) ^ 0xFFFFu;
}

/* Candidates of the 32 positions q[0..32) (reads q[0..34)). */
AVX2 static inline uint32_t leads32(const struct lit_screen *s, const unsigned char *q)
{
    __m256i v0 = V32_load(q), v1 = V32_load(q + 1), v2 = V32_load(q + 2);
    __m256i b =
        _mm256_or_si256(LEADS(V32, s, v0, v1, v2), _mm256_cmpeq_epi8(v0, V32_load(s->kv[K_AT])));
    return ~(uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, _mm256_setzero_si256()));
}

/* Is a candidate of m (bit k: position base + k; a lead has two bytes
 * after it in the field) '@' or the first character of a literal? */
static inline bool any_first(const struct lit_screen *s, const unsigned char *p, size_t base,
                             uint32_t m)
{
    while (m != 0) {
        const unsigned char *q = p + base + (size_t)__builtin_ctz(m);
        if (*q == '@' || first_at(s, q))
            return true;
        m &= m - 1;
    }
    return false;
}

/*
 * The screen by nibble tables: 32 lead positions a step, their next two
 * bytes from loads one and two bytes on (so a step reads 34 bytes); the
 * last step by loads that end at the field's end (positions seen twice are
 * only looked at twice). A field under 34 bytes: sixteen positions a step
 * the same way (18 bytes), under 18 bytes from loads within it, zeros above
 * its end. Never reads outside p[0..n).
 */
AVX2 static bool may_hit_avx2(const struct lit_screen *s, const unsigned char *p, size_t n)
{
    __m128i v0, v1;
    uint32_t m;
    size_t i;
    if (n >= 34) {
        for (i = 0; i + 34 <= n; i += 32) {
            m = leads32(s, p + i);
            if (m != 0 && any_first(s, p, i, m))
                return true;
        }
        /* the last lead positions (up to n-3), and '@' in the last two bytes */
        m = leads32(s, p + n - 34);
        return (m != 0 && any_first(s, p, n - 34, m)) || p[n - 2] == '@' || p[n - 1] == '@';
    }
    if (n >= 18) {
        /* positions 0..15, then n-18..n-3 */
        for (i = 0;; i = n - 18) {
            m = leads16(s, V16_load(p + i), V16_load(p + i + 1), V16_load(p + i + 2));
            if (m != 0 && any_first(s, p, i, m))
                return true;
            if (i == n - 18)
                return p[n - 2] == '@' || p[n - 1] == '@';
        }
    }
    /* under 18 bytes: bytes 0..15 in v0 (zeros above n), then shifted by one and two */
    if (n >= 16) {
        v0 = V16_load(p);
        v1 = n == 17 ? V16_load(p + 1) : _mm_srli_si128(v0, 1);
    } else {
        uint64_t lo, hi = 0;
        if (n >= 8) {
            memcpy(&lo, p, 8);
            hi = azk_detect__load_short(p + 8, n - 8);
        } else {
            lo = azk_detect__load_short(p, n);
        }
        v0 = _mm_set_epi64x((long long)hi, (long long)lo);
        v1 = _mm_srli_si128(v0, 1);
    }
    m = leads16(s, v0, v1, _mm_srli_si128(v1, 1));
    /* at n-2 and n-1 only '@' counts (a lead there has no two bytes after
     * it; zeros were read); for n = 17 v0 ends before n-1 */
    if (n < 2)
        return n == 1 && p[0] == '@';
    if (p[n - 2] == '@' || p[n - 1] == '@')
        return true;
    m &= (1u << (n - 2)) - 1u;
    return m != 0 && any_first(s, p, 0, m);
}
#endif

bool azk_detect__lit_may_hit(const struct lit_screen *s, const unsigned char *p, size_t n)
{
    size_t i = 0;
    if (s->all || azk_detect__lit_screen_off)
        return true;
#if AZK_LITS_AVX2
    if (s->vec && !azk_detect__lit_vec_off)
        return may_hit_avx2(s, p, n);
#endif
#if defined(__SSE2__)
    {
        const __m128i at = _mm_set1_epi8('@'), e0 = _mm_set1_epi8((char)0xE0);
        for (; i + 16 <= n; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(v, e0), e0));
            if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, at)) != 0)
                return true;
            bool inside = i + 18 <= n; /* every lead of the block has two bytes after it */
            while (m != 0) {
                size_t j = i + (size_t)__builtin_ctz(m);
                if ((inside || j + 2 < n) && first_at(s, p + j))
                    return true;
                m &= m - 1;
            }
        }
    }
#endif
    for (; i < n; i++) {
        if (p[i] == '@')
            return true;
        if (p[i] >= 0xE0 && i + 2 < n && first_at(s, p + i))
            return true;
    }
    return false;
}
