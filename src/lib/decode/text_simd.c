/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/text_simd.c -- the vector units the decode stage uses, chosen at
 * run time (__builtin_cpu_supports; the portable scalar paths stay and are
 * what tests compare against), and UTF-8 validation 32 bytes at a time.
 *
 * azk_decode__utf8_valid_fast() checks whole 32-byte blocks with the
 * lookup algorithm of Keiser and Lemire ("Validating UTF-8 in less than one
 * instruction per byte", 2021: three nibble tables over each byte and the
 * one before it, and the 2nd/3rd-continuation rule from the bytes two and
 * three before) and returns a character boundary before which all is valid
 * UTF-8 (RFC 3629: no overlongs, no surrogates, nothing above U+10FFFF); the
 * scalar loop of azk_decode__text_utf8_valid_prefix (text_detect.c) goes on
 * from there, so its answer, cut characters and at_eof included, is the
 * answer of the scalar loop alone. azk_decode__ascii_fast() skips the whole
 * ASCII blocks at the start of a buffer (azk_decode__text_ascii_prefix,
 * text_detect.c, goes on from there).
 */
#include "decode/decode_int.h"

#include <pthread.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define AZK_DECODE_AVX2 1
#endif

bool azk_decode__simd_off;

#if AZK_DECODE_AVX2
static bool have_avx2;
static pthread_once_t avx2_once = PTHREAD_ONCE_INIT;

static void avx2_probe(void)
{
    __builtin_cpu_init();
    have_avx2 = __builtin_cpu_supports("avx2") != 0;
}
#endif

bool azk_decode__have_avx2(void)
{
#if AZK_DECODE_AVX2
    (void)pthread_once(&avx2_once, avx2_probe);
    return have_avx2 && !azk_decode__simd_off;
#else
    return false;
#endif
}

#if AZK_DECODE_AVX2

#define AVX2 __attribute__((target("avx2")))

/* The bytes k places before each byte of cur (prev: the 32 bytes before cur). */
#define BEFORE(cur, prev, k)                                                                       \
    _mm256_alignr_epi8((cur), _mm256_permute2x128_si256((prev), (cur), 0x21), 16 - (k))

enum {
    TOO_SHORT = 1 << 0,  /* 11______ 0_______, 11______ 11______ */
    TOO_LONG = 1 << 1,   /* 0_______ 10______ */
    OVERLONG_3 = 1 << 2, /* 11100000 100_____ */
    TOO_LARGE = 1 << 3,  /* 11110100 1001____ ... above U+10FFFF */
    SURROGATE = 1 << 4,  /* 11101101 101_____ */
    OVERLONG_2 = 1 << 5, /* 1100000_ 10______ */
    TOO_LARGE_1000 = 1 << 6,
    OVERLONG_4 = 1 << 6, /* 11110000 1000____ */
    TWO_CONTS = 1 << 7,  /* 10______ 10______ */
    CARRY = TOO_SHORT | TOO_LONG | TWO_CONTS,
};

#define T16(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)                                        \
    _mm256_setr_epi8((char)(a), (char)(b), (char)(c), (char)(d), (char)(e), (char)(f), (char)(g),  \
                     (char)(h), (char)(i), (char)(j), (char)(k), (char)(l), (char)(m), (char)(n),  \
                     (char)(o), (char)(p), (char)(a), (char)(b), (char)(c), (char)(d), (char)(e),  \
                     (char)(f), (char)(g), (char)(h), (char)(i), (char)(j), (char)(k), (char)(l),  \
                     (char)(m), (char)(n), (char)(o), (char)(p))

AVX2 static size_t utf8_blocks(const uint8_t *p, size_t n)
{
    const __m256i hi1 = T16(TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG,
                            TOO_LONG, TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS,
                            TOO_SHORT | OVERLONG_2, TOO_SHORT, TOO_SHORT | OVERLONG_3 | SURROGATE,
                            TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4);
    const __m256i lo1 =
        T16(CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4, CARRY | OVERLONG_2, CARRY, CARRY,
            CARRY | TOO_LARGE, CARRY | TOO_LARGE | TOO_LARGE_1000,
            CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
            CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
            CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
            CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE,
            CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000);
    const __m256i hi2 =
        T16(TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT,
            TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4,
            TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE,
            TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
            TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE, TOO_SHORT, TOO_SHORT,
            TOO_SHORT, TOO_SHORT);
    /* the last three bytes of a block may start a character that goes on */
    const __m256i incomplete_max = _mm256_setr_epi8(
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, (char)0xEF, (char)0xDF, (char)0xBF);
    const __m256i nib = _mm256_set1_epi8(0x0F);
    __m256i prev = _mm256_setzero_si256(), prev_incomplete = _mm256_setzero_si256();
    size_t off, good = 0, j;
    for (off = 0; off + 32 <= n; off += 32) {
        __m256i in = _mm256_loadu_si256((const __m256i *)(const void *)(p + off)), err;
        if (_mm256_movemask_epi8(in) == 0) {
            err = prev_incomplete; /* ASCII after a cut character */
        } else {
            __m256i p1 = BEFORE(in, prev, 1), p2 = BEFORE(in, prev, 2), p3 = BEFORE(in, prev, 3);
            __m256i sc = _mm256_and_si256(
                _mm256_and_si256(
                    _mm256_shuffle_epi8(hi1, _mm256_and_si256(_mm256_srli_epi16(p1, 4), nib)),
                    _mm256_shuffle_epi8(lo1, _mm256_and_si256(p1, nib))),
                _mm256_shuffle_epi8(hi2, _mm256_and_si256(_mm256_srli_epi16(in, 4), nib)));
            __m256i must23 = _mm256_or_si256(_mm256_subs_epu8(p2, _mm256_set1_epi8(0x60)),
                                             _mm256_subs_epu8(p3, _mm256_set1_epi8(0x70)));
            err = _mm256_xor_si256(_mm256_and_si256(must23, _mm256_set1_epi8((char)0x80)), sc);
        }
        if (!_mm256_testz_si256(err, err))
            break;
        prev_incomplete = _mm256_subs_epu8(in, incomplete_max);
        prev = in;
        good = off + 32;
    }
    /* back to the start of a character the checked bytes do not finish */
    j = good;
    while (j > 0 && good - j < 3 && (p[j - 1] & 0xC0) == 0x80)
        j--;
    if (j > 0 && p[j - 1] >= 0xC0) {
        size_t len = p[j - 1] >= 0xF0 ? 4 : p[j - 1] >= 0xE0 ? 3 : 2;
        if (j - 1 + len > good)
            return j - 1;
    }
    return good;
}

/* The whole 128- then 32-byte blocks of ASCII at the start of p[0..n): their length (a block
 * with a byte >= 0x80 is not counted). */
AVX2 static size_t ascii_blocks(const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; n - i >= 128; i += 128) {
        const __m256i *v = (const __m256i *)(const void *)(p + i);
        __m256i x =
            _mm256_or_si256(_mm256_or_si256(_mm256_loadu_si256(v), _mm256_loadu_si256(v + 1)),
                            _mm256_or_si256(_mm256_loadu_si256(v + 2), _mm256_loadu_si256(v + 3)));
        if (_mm256_movemask_epi8(x) != 0)
            break;
    }
    for (; n - i >= 32; i += 32) {
        if (_mm256_movemask_epi8(_mm256_loadu_si256((const __m256i *)(const void *)(p + i))) != 0)
            break;
    }
    return i;
}

#endif /* AZK_DECODE_AVX2 */

size_t azk_decode__ascii_fast(const uint8_t *p, size_t n)
{
#if AZK_DECODE_AVX2
    if (n >= 32 && azk_decode__have_avx2())
        return ascii_blocks(p, n);
#endif
    (void)p;
    (void)n;
    return 0;
}

size_t azk_decode__utf8_valid_fast(const uint8_t *p, size_t n)
{
#if AZK_DECODE_AVX2
    if (n >= 32 && azk_decode__have_avx2())
        return utf8_blocks(p, n);
#endif
    (void)p;
    (void)n;
    return 0;
}
