/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/reveal_screen.c -- the vector screen in front of reveal's byte
 * screen (worth_a_look in reveal.c): one AVX2 pass over a whole record
 * (the cells of a CSV row lie side by side in one buffer, a text line is
 * one field) that answers "nothing in any field can be worth a look", so
 * the common record costs the pass and nothing else.
 *
 * The screen is a superset: it says "maybe" whenever some field could make
 * worth_a_look true, and then reveal.c asks worth_a_look field by field,
 * as before. Reading the record as one run of bytes only adds "maybe"s
 * (a base64 run or a byte pair across two cells, a '<' count over the
 * whole row): it never hides one. What it flags, with 64-bit masks over 64
 * bytes at a time (carried across blocks):
 *
 *   - any of \ & C2 CC CD E1 F3 (worth_a_look goes to look_closely);
 *   - a run of 16 or more bytes of the base64 alphabet;
 *   - %HH and =HH=HH (H a hex digit);
 *   - the pairs E2|EF then 80 81 B8 BB BC BD, and 82 then 99 9A;
 *   - six or more '<';
 *   - three or more spaces that may end a one-character token (U+0020
 *     one byte after a token start, or two to four bytes after a token
 *     start at a byte >= 0x80, a superset of the leads of 2- to 4-byte
 *     characters; every ideographic space E3 80 80 counts): the
 *     "0 9 0 - 1" chain needs three.
 *
 * Most records are one or two blocks, so what a call costs counts as much
 * as what a block costs: the field starts come in as a bitmap (one bit per
 * byte, built while the row's cells are checked to lie side by side), the
 * last partial block is copied without a call (and read as half a block
 * when it is 32 bytes or fewer), the tables are read from memory rather
 * than kept (and spilled) per call.
 *
 * The same nibble-table unit builds the class masks of reveal_look.c's
 * look_ascii (an ASCII line flagged here: base64, hex, space, %, =, <)
 * and the character mix of its candidate runs (table 3), and answers two
 * line tests of text_lines.c:
 * whether 32 bytes are all hex-dump bytes (azk_decode__hex_line's quick
 * reject) or all of the standard base64 alphabet (azk_decode__b64_line).
 * It also decodes hex runs 32 and 16 digits a step for run_kind
 * (reveal_runs.c: a log line's trace ID is one step).
 *
 * Runtime dispatch: AVX2 when the CPU has it (__builtin_cpu_supports),
 * else no screen (worth_a_look alone, the portable path; also with
 * azk_decode__simd_off, the tests' switch). Tests compare
 * both on random and adversarial records, and find encoded payloads at
 * every offset across the blocks (tests/unit/decode_fast/).
 */
#include "decode/decode_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include "decode/reveal_int.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define AZK_SCREEN_AVX2 1
#endif

#if AZK_SCREEN_AVX2

static void tables_init(void);
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
/* 0: tables_init has not run; 1: no AVX2; 2: AVX2, tables built */
static atomic_int screen_state;

#define SETNIB(t, idx, bit) ((t)[idx] = (int8_t)((t)[idx] | (bit)))

/* Nibble tables: a class bit is set where the low- and high-nibble tables agree. */
static int8_t tab_lo[4][16], tab_hi[4][16];
/* The mix_of() bits of a byte of table 3's classes (azk_decode__reveal_run_mix_avx2). */
static uint8_t mix_of_class[256];

static void nib(int t, unsigned bit, const char *his, const char *los)
{
    const char *q;
    for (q = his; *q != '\0'; q++)
        SETNIB(tab_hi[t], (*q >= 'A' ? *q - 'A' + 10 : *q - '0'), (int)bit);
    for (q = los; *q != '\0'; q++)
        SETNIB(tab_lo[t], (*q >= 'A' ? *q - 'A' + 10 : *q - '0'), (int)bit);
}

static void tables_broadcast(void);

static void tables_init(void)
{
    int k;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2")) {
        atomic_store_explicit(&screen_state, 1, memory_order_release);
        return;
    }
    /* table 0: the base64 alphabet (bits 0-5), hex (1, 2), % (6), = (7) */
    nib(0, 1, "2", "BDF");           /* + - / */
    nib(0, 2, "3", "0123456789");    /* digits */
    nib(0, 4, "46", "123456");       /* A-F a-f */
    nib(0, 8, "46", "789ABCDEF");    /* G-O g-o */
    nib(0, 16, "57", "0123456789A"); /* P-Z p-z */
    nib(0, 32, "5", "F");            /* _ */
    nib(0, 64, "2", "5");            /* % */
    nib(0, 128, "3", "D");           /* = */
    /* table 1: < (0), space (1), & \ C2 CC CD E1 F3 (2-6) */
    nib(1, 1, "3", "C");
    nib(1, 2, "2", "0");
    nib(1, 4, "2", "6");
    nib(1, 8, "5", "C");
    nib(1, 16, "C", "2CD");
    nib(1, 32, "E", "1");
    nib(1, 64, "F", "3");
    /* table 2 (pairs): a second byte in the low nibble, the first byte
     * before it four bits higher: after E2 / EF (4), 80 81 B8 BB BC BD (0,
     * and 88 8B 8C 8D B0 B1 with them); after 82 (5), 99 9A (1); after 80
     * (6), 80 (2), which E3 (7) starts two bytes before */
    nib(2, 1, "8B", "018BCD");
    nib(2, 2, "9", "9A");
    nib(2, 4, "8", "0");
    nib(2, 16, "E", "2F");
    nib(2, 32, "8", "2");
    nib(2, 64, "8", "0");
    nib(2, 128, "E", "3");
    /* table 3: a base64 alphabet byte's mix_of() (reveal_int.h) in
     * rectangles: digits (0), A-O (1), P-Z (2), a-o (3), p-z (4), G-O g-o
     * (5), - (6), _ (7); + and / are compared */
    nib(3, 1, "3", "0123456789");
    nib(3, 2, "4", "123456789ABCDEF");
    nib(3, 4, "5", "0123456789A");
    nib(3, 8, "6", "123456789ABCDEF");
    nib(3, 16, "7", "0123456789A");
    nib(3, 32, "46", "789ABCDEF");
    nib(3, 64, "2", "D");
    nib(3, 128, "5", "F");
    for (k = 0; k < 256; k++)
        mix_of_class[k] = (uint8_t)(((k & 1) ? MIX_DIGIT : 0) | ((k & 6) ? MIX_UPPER : 0) |
                                    ((k & 24) ? MIX_LOWER : 0) | ((k & 0xF4) ? MIX_NONHEX : 0) |
                                    ((k & 0xC0) ? MIX_SYM | MIX_URL : 0));
    tables_broadcast();
    atomic_store_explicit(&screen_state, 2, memory_order_release);
}

#define AVX2 __attribute__((target("avx2")))

/* The six nibble tables broadcast to both lanes and the byte masks the
 * screen uses (tables_init), read from memory in the loop (see K below). */
struct consts {
    __m256i tab[8];
    __m256i k0f, k3f, k7c, k01, kc0, k06, k03, k07;
    __m256i dump_lo, dump_hi; /* hex dump bytes (azk_decode__reveal_dump32) */
    __m256i b64_lo, b64_hi;   /* standard base64 alphabet (azk_decode__reveal_b64_32) */
};
static struct consts kv;

AVX2 static void tables_broadcast(void)
{
    int k;
    for (k = 0; k < 4; k++) {
        kv.tab[2 * k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)tab_lo[k]));
        kv.tab[2 * k + 1] =
            _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)tab_hi[k]));
    }
    kv.k0f = _mm256_set1_epi8(0x0F);
    kv.k3f = _mm256_set1_epi8(0x3F);
    kv.k7c = _mm256_set1_epi8(0x7C);
    kv.k01 = _mm256_set1_epi8(0x01);
    kv.kc0 = _mm256_set1_epi8((char)0xC0);
    kv.k06 = _mm256_set1_epi8(0x06);
    kv.k03 = _mm256_set1_epi8(0x03);
    kv.k07 = _mm256_set1_epi8(0x07);
    /* hex dump bytes by high nibble: 2 (bit 0: space , -), 3 (bit 1:
     * digits :), 4 6 (bit 2: A-F a-f), 5 (bit 3: X), 7 (bit 4: x |) */
    kv.dump_lo = _mm256_setr_epi8(3, 6, 6, 6, 6, 6, 6, 2, 26, 2, 2, 0, 17, 1, 0, 0, 3, 6, 6, 6, 6,
                                  6, 6, 2, 26, 2, 2, 0, 17, 1, 0, 0);
    kv.dump_hi = _mm256_setr_epi8(0, 0, 1, 2, 4, 8, 4, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 8,
                                  4, 16, 0, 0, 0, 0, 0, 0, 0, 0);
    /* the standard base64 alphabet by high nibble: 2 (bit 0: + /), 3 (bit
     * 1: digits), 4 6 (bit 2: A-O a-o), 5 7 (bit 3: P-Z p-z) */
    kv.b64_lo = _mm256_setr_epi8(10, 14, 14, 14, 14, 14, 14, 14, 14, 14, 12, 5, 4, 4, 4, 5, 10, 14,
                                 14, 14, 14, 14, 14, 14, 14, 14, 12, 5, 4, 4, 4, 5);
    kv.b64_hi = _mm256_setr_epi8(0, 0, 1, 2, 4, 8, 4, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 4, 8,
                                 4, 8, 0, 0, 0, 0, 0, 0, 0, 0);
}

AVX2 static inline uint64_t bit_of(__m256i t0, __m256i t1, int k)
{
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(t0, 7 - k)) |
           (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(t1, 7 - k)) << 32;
}

AVX2 static inline uint64_t any_of(__m256i t0, __m256i t1, __m256i mm)
{
    const __m256i z = _mm256_setzero_si256();
    uint32_t a = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(t0, mm), z));
    uint32_t b = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(t1, mm), z));
    return ~((uint64_t)a | (uint64_t)b << 32);
}

/* The bytes k = 1, 2 places before each byte of cur (prev: the 32 bytes before cur). */
#define BEFORE(cur, prev, k)                                                                       \
    _mm256_alignr_epi8((cur), _mm256_permute2x128_si256((prev), (cur), 0x21), 16 - (k))

/* x shifted up by k bits, the top bits of the previous block's x coming in. */
#define SHL(x, prev, k) (((x) << (k)) | ((prev) >> (64 - (k))))

/* Table lookups of one 32-byte half: the class vector of table k. */
#define CLASS(K, lo, hi, k)                                                                        \
    _mm256_and_si256(_mm256_shuffle_epi8((K)->tab[2 * (k)], (lo)),                                 \
                     _mm256_shuffle_epi8((K)->tab[2 * (k) + 1], (hi)))

/*
 * The byte pairs and triples of one half that decide alone (table 2):
 * E2|EF before a second byte (bit 0); 82 before 99|9A (bit 1); E3 80 80
 * (bit 2). pt2: the 32 bytes before. The classes of the byte before,
 * four bits down, meet the second bytes' bits; E3's two bytes before,
 * five bits down, gate bit 2 (a 16-bit shift brings the next byte's bits
 * into bits 3..7: masked off).
 */
AVX2 static inline __m256i pairs(const struct consts *K, __m256i t2, __m256i pt2)
{
    __m256i p1 = BEFORE(t2, pt2, 1), p2 = BEFORE(t2, pt2, 2);
    __m256i e3 = _mm256_or_si256(_mm256_srli_epi16(p2, 5), K->k03);
    return _mm256_and_si256(_mm256_and_si256(_mm256_srli_epi16(p1, 4), e3),
                            _mm256_and_si256(t2, K->k07));
}

/* Number of 1 bits at the bottom (trailing) / top (leading) of x, 64 when all are. */
static inline unsigned ones_low(uint64_t x)
{
    return ~x == 0 ? 64 : (unsigned)__builtin_ctzll(~x);
}

static inline unsigned ones_high(uint64_t x)
{
    return ~x == 0 ? 64 : (unsigned)__builtin_clzll(~x);
}

/* Copy the rem (1..63) bytes at q into t (64 bytes, zero past rem) without a call. */
AVX2 static inline void tail_copy(uint8_t *t, const uint8_t *q, size_t rem)
{
    _mm256_storeu_si256((__m256i *)(void *)t, _mm256_setzero_si256());
    _mm256_storeu_si256((__m256i *)(void *)(t + 32), _mm256_setzero_si256());
    if (rem >= 32) {
        _mm256_storeu_si256((__m256i *)(void *)t, _mm256_loadu_si256((const __m256i *)q));
        _mm256_storeu_si256((__m256i *)(void *)(t + rem - 32),
                            _mm256_loadu_si256((const __m256i *)(q + rem - 32)));
    } else if (rem >= 16) {
        _mm_storeu_si128((__m128i *)(void *)t, _mm_loadu_si128((const __m128i *)q));
        _mm_storeu_si128((__m128i *)(void *)(t + rem - 16),
                         _mm_loadu_si128((const __m128i *)(q + rem - 16)));
    } else if (rem >= 8) {
        memcpy(t, q, 8);
        memcpy(t + rem - 8, q + rem - 8, 8);
    } else if (rem >= 4) {
        memcpy(t, q, 4);
        memcpy(t + rem - 4, q + rem - 4, 4);
    } else {
        t[0] = q[0];
        t[rem / 2] = q[rem / 2];
        t[rem - 1] = q[rem - 1];
    }
}

/*
 * One 64-byte block read for the nibble tables: its two 32-byte halves
 * (v), their low and high nibbles, and the class vectors of tables 0 (a)
 * and 1 (b). rem < 64: only the rem bytes at q are there; they are copied
 * into tail (64 bytes, the caller's) zeroed past them: zero is in no
 * class. (tail lives in the caller's loop: declared here, GCC lays the
 * loops out worse.)
 */
struct block {
    __m256i v0, v1, lo0, hi0, lo1, hi1, a0, a1, b0, b1;
};

AVX2 static inline struct block block_at(const struct consts *K, const uint8_t *q, size_t rem,
                                         uint8_t *tail)
{
    struct block b;
    if (rem < 64) {
        tail_copy(tail, q, rem);
        q = tail;
    }
    b.v0 = _mm256_loadu_si256((const __m256i *)(const void *)q);
    b.v1 = _mm256_loadu_si256((const __m256i *)(const void *)(q + 32));
    b.lo0 = _mm256_and_si256(b.v0, K->k0f);
    b.hi0 = _mm256_and_si256(_mm256_srli_epi16(b.v0, 4), K->k0f);
    b.lo1 = _mm256_and_si256(b.v1, K->k0f);
    b.hi1 = _mm256_and_si256(_mm256_srli_epi16(b.v1, 4), K->k0f);
    b.a0 = CLASS(K, b.lo0, b.hi0, 0);
    b.a1 = CLASS(K, b.lo1, b.hi1, 0);
    b.b0 = CLASS(K, b.lo0, b.hi0, 1);
    b.b1 = CLASS(K, b.lo1, b.hi1, 1);
    return b;
}

/* Bits 60..63: which of the 4 bytes before p are hex digits (p[-4..-1]). */
static inline uint64_t hex_before(const uint8_t *p)
{
    uint64_t m = 0;
    int k;
    for (k = 1; k <= 4; k++) {
        uint8_t c = (uint8_t)(p[-k] | 0x20);
        if ((p[-k] >= '0' && p[-k] <= '9') || (c >= 'a' && c <= 'f'))
            m |= 1ull << (64 - k);
    }
    return m;
}

/* What the screen carries from one block to the next. */
struct carry {
    uint64_t ppct, pe3, peq, pb64, psp, pen, penh;
    size_t lt, singles, links;
    __m256i pt2;
};

/* Bit k of each byte of t0 (bytes 0..31) and t1 (32..63); t0's only when !two. */
AVX2 static inline uint64_t bit2(__m256i t0, __m256i t1, int k, bool two)
{
    uint64_t m = (uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(t0, 7 - k));
    return two ? m | (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(t1, 7 - k)) << 32
               : m;
}

/* Bytes of t0 (t1) with a bit of mm; t0's only when !two. */
AVX2 static inline uint64_t any2(__m256i t0, __m256i t1, __m256i mm, bool two)
{
    const __m256i z = _mm256_setzero_si256();
    uint64_t a = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(t0, mm), z)), b;
    if (!two)
        return ~a & 0xFFFFFFFFu;
    b = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(t1, mm), z));
    return ~(a | b << 32);
}

/*
 * One block of the screen: the 64 bytes at q (p + off, or a copy of the
 * last ones, zero past the end), or only its first 32 when !two (the last
 * block of at most 32 bytes: the zeros after them are in no class and end
 * no pair, so the rest would find nothing). fs: the field starts of the
 * block. True: "maybe".
 *
 * The class vectors (table 2 and the pairs only where the block has a
 * byte >= 0x80: every byte of their classes is one), then 64-bit masks.
 * The %HH / =HH=HH test reads hex digits only where a '%' or two '=' three
 * bytes apart are; the base64 run is counted in links (an alphabet byte
 * after one, not at a field start), carried across blocks as a number.
 */
AVX2 static inline __attribute__((always_inline)) bool
screen_block(const struct consts *K, struct carry *c, const uint8_t *q, const uint8_t *p,
             size_t off, uint64_t fs, bool two)
{
    const __m256i z = _mm256_setzero_si256();
    __m256i v0, v1 = z, lo0, hi0, lo1 = z, hi1 = z, a0, a1 = z, b0, b1 = z, c0, c1 = z, rare;
    uint64_t b64, lk, r, sp, en, enh, u, pct = 0, eq = 0, e3 = 0, high;
    v0 = _mm256_loadu_si256((const __m256i *)(const void *)q);
    high = (uint32_t)_mm256_movemask_epi8(v0);
    lo0 = _mm256_and_si256(v0, K->k0f);
    hi0 = _mm256_and_si256(_mm256_srli_epi16(v0, 4), K->k0f);
    a0 = CLASS(K, lo0, hi0, 0);
    b0 = CLASS(K, lo0, hi0, 1);
    if (two) {
        v1 = _mm256_loadu_si256((const __m256i *)(const void *)(q + 32));
        high |= (uint64_t)(uint32_t)_mm256_movemask_epi8(v1) << 32;
        lo1 = _mm256_and_si256(v1, K->k0f);
        hi1 = _mm256_and_si256(_mm256_srli_epi16(v1, 4), K->k0f);
        a1 = CLASS(K, lo1, hi1, 0);
        b1 = CLASS(K, lo1, hi1, 1);
    }
    rare = _mm256_and_si256(_mm256_or_si256(b0, b1), K->k7c);
    if (high != 0) {
        /* bytes >= 0x80: the pairs (an ASCII block ends none: every
         * second byte is >= 0x80) */
        c0 = CLASS(K, lo0, hi0, 2);
        rare = _mm256_or_si256(rare, pairs(K, c0, c->pt2));
        if (two) {
            c1 = CLASS(K, lo1, hi1, 2);
            rare = _mm256_or_si256(rare, pairs(K, c1, c0));
        }
    }
    if (!_mm256_testz_si256(rare, rare))
        return true;
    c->pt2 = c1;
    /* %HH and =HH=HH: hex digits read only where a % or two = three
     * bytes apart may start one (here or in the last block's end) */
    if (!_mm256_testz_si256(_mm256_or_si256(a0, a1), K->kc0)) {
        pct = bit2(a0, a1, 6, two);
        eq = bit2(a0, a1, 7, two);
        e3 = eq & SHL(eq, c->peq, 3);
    }
    if ((pct | e3 | (c->ppct >> 62) | (c->pe3 >> 62)) != 0) {
        uint64_t hex = any2(a0, a1, K->k06, two), phex = off > 0 ? hex_before(p + off) : 0;
        if ((SHL(pct, c->ppct, 2) & SHL(hex, phex, 1) & hex) != 0 ||
            (SHL(e3, c->pe3, 2) & SHL(hex, phex, 4) & SHL(hex, phex, 3) & SHL(hex, phex, 1) &
             hex) != 0)
            return true;
    }
    c->ppct = pct;
    c->peq = eq;
    c->pe3 = e3;
    /* six '<' */
    if (!_mm256_testz_si256(_mm256_or_si256(b0, b1), K->k01)) {
        c->lt += (size_t)__builtin_popcountll(bit2(b0, b1, 0, two));
        if (c->lt >= 6)
            return true;
    }
    /* base64 runs of 16 within one field: 15 links in a row (a link:
     * an alphabet byte after one, not at a field start) */
    b64 = any2(a0, a1, K->k3f, two);
    lk = b64 & SHL(b64, c->pb64, 1) & ~fs;
    c->pb64 = b64;
    if (c->links + (size_t)__builtin_popcountll(lk) >= 15) {
        r = lk & (lk << 1);
        r &= r << 2;
        r &= r << 4;
        if ((r & (r << 7)) != 0 || c->links + ones_low(lk) >= 15)
            return true;
    }
    c->links = (lk >> 63) == 0 ? 0 : ~lk == 0 ? c->links + 64 : ones_high(lk);
    if (c->links > 15)
        c->links = 15;
    /* spaces that may end a one-character token (ideographic spaces were
     * decided above): token starts are field starts and the byte after a
     * space; a space counts one byte after a token start, or two to four
     * after one at a byte >= 0x80 (the lead of a 2- to 4-byte character,
     * or a stray byte: more "maybe"s, never fewer) */
    sp = bit2(b0, b1, 1, two);
    en = SHL(sp, c->psp, 1) | fs;
    if (sp == 0 && (fs >> 60) == 0) {
        /* no space here: u is 0, and the next block reads only the top
         * 1 and 4 bits of en and enh, which are fs's: 0 */
        enh = 0;
    } else {
        enh = en & high;
        u = sp & (SHL(en, c->pen, 1) | SHL(enh, c->penh, 2) | SHL(enh, c->penh, 3) |
                  SHL(enh, c->penh, 4));
        c->singles += (size_t)__builtin_popcountll(u);
        if (c->singles >= 3)
            return true;
    }
    c->psp = sp;
    c->pen = en;
    c->penh = enh;
    return false;
}

/*
 * The screen over p[0..n): false when no field can be worth a look.
 * The fields start where fsb (one bit per byte, nw words) has a bit (each
 * one's first byte starts a token); fsb NULL: one field. Whole blocks,
 * then the last bytes copied into tail (zero past them: zero is in no
 * class) and read as a block, or as half of one when they are 32 or
 * fewer. A record under 64 bytes (most) is that last block alone, in a
 * copy of its own where nothing is carried in (the carries are constants
 * there: no stores of them). Tables and byte masks are read through K,
 * which the compiler may not keep in registers across blocks (an empty
 * asm): kept, they spill to the stack on every call, and most calls read
 * one or two blocks.
 */
AVX2 static bool screen_avx2(const uint8_t *p, size_t n, const uint64_t *fsb, size_t nw)
{
    struct carry c;
    size_t off;
    uint8_t tail[64];
    const struct consts *K;
    c.ppct = c.pe3 = c.peq = c.pb64 = c.psp = c.pen = c.penh = 0;
    c.lt = c.singles = c.links = 0;
    c.pt2 = _mm256_setzero_si256();
    if (n < 64) {
        /* most records: one partial block, read with nothing carried in
         * (its own copy of the block: the carries fold to constants) */
        uint64_t fs = fsb == NULL ? 1 : fsb[0];
        if (n == 0)
            return false;
        K = &kv;
        __asm__("" : "+r"(K));
        tail_copy(tail, p, n);
        return n <= 32 ? screen_block(K, &c, tail, p, 0, fs, false)
                       : screen_block(K, &c, tail, p, 0, fs, true);
    }
    for (off = 0; off + 64 <= n; off += 64) {
        uint64_t fs = fsb == NULL ? off == 0 : off / 64 < nw ? fsb[off / 64] : 0;
        K = &kv;
        __asm__("" : "+r"(K));
        if (screen_block(K, &c, p + off, p, off, fs, true))
            return true;
    }
    if (off < n) {
        uint64_t fs = fsb == NULL ? off == 0 : off / 64 < nw ? fsb[off / 64] : 0;
        K = &kv;
        __asm__("" : "+r"(K));
        tail_copy(tail, p + off, n - off);
        return n - off <= 32 ? screen_block(K, &c, tail, p, off, fs, false)
                             : screen_block(K, &c, tail, p, off, fs, true);
    }
    return false;
}

/*
 * look_ascii's masks (reveal_look.c) from the screen's tables 0 and 1, 64
 * bytes a step: base64 (table 0 bits 0-5), hex (bits 1, 2), % (bit 6), =
 * (bit 7), '<' and space (table 1 bits 0, 1); \ & (table 1 bits 2, 3) and
 * bytes >= 0x80 end it (0). The last partial block is zero past n: in no
 * class.
 */
AVX2 static int look_masks_avx2(const uint8_t *p, size_t n, struct look_masks *m)
{
    size_t nw = (n + 63) / 64, w;
    for (w = 0; w < nw; w++) {
        const struct consts *K = &kv;
        uint8_t tail[64];
        struct block B = block_at(K, p + 64 * w, n - 64 * w, tail);
        if (_mm256_movemask_epi8(_mm256_or_si256(B.v0, B.v1)) != 0 ||
            !_mm256_testz_si256(_mm256_or_si256(B.b0, B.b1), K->k7c))
            return 0;
        m->b64[w] = any_of(B.a0, B.a1, K->k3f);
        m->hex[w] = any_of(B.a0, B.a1, K->k06);
        m->pct[w] = bit_of(B.a0, B.a1, 6);
        m->eq[w] = bit_of(B.a0, B.a1, 7);
        m->lt[w] = bit_of(B.b0, B.b1, 0);
        m->sp[w] = bit_of(B.b0, B.b1, 1);
    }
    return 1;
}

/* 32 bytes 0xFF then 32 zeros: the first k bytes of a load kept (at 32 - k). */
static const uint8_t keep_first[64] = {
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

/*
 * mix_of() of a run, 32 bytes a step: table 3's classes of the bytes ORed
 * (zeros past the run are in none), + and / compared, then one byte of
 * class bits read through mix_of_class.
 */
AVX2 unsigned azk_decode__reveal_run_mix_avx2(const uint8_t *p, size_t n, size_t s, size_t e)
{
    const struct consts *K = &kv;
    __m256i acc = _mm256_setzero_si256(), std = acc;
    __m128i x;
    unsigned cls;
    size_t i;
    for (i = s; i < e; i += 32) {
        __m256i v, lo, hi;
        if (i + 32 <= n) {
            v = _mm256_loadu_si256((const __m256i *)(const void *)(p + i));
        } else {
            uint8_t t[64];
            tail_copy(t, p + i, n - i);
            v = _mm256_loadu_si256((const __m256i *)(const void *)t);
        }
        if (e - i < 32)
            v = _mm256_and_si256(
                v, _mm256_loadu_si256((const __m256i *)(const void *)(keep_first + 32 - (e - i))));
        lo = _mm256_and_si256(v, K->k0f);
        hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), K->k0f);
        acc = _mm256_or_si256(acc, CLASS(K, lo, hi, 3));
        std = _mm256_or_si256(std, _mm256_or_si256(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('+')),
                                                   _mm256_cmpeq_epi8(v, _mm256_set1_epi8('/'))));
    }
    x = _mm_or_si128(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    x = _mm_or_si128(x, _mm_srli_si128(x, 8));
    x = _mm_or_si128(x, _mm_srli_si128(x, 4));
    x = _mm_or_si128(x, _mm_srli_si128(x, 2));
    x = _mm_or_si128(x, _mm_srli_si128(x, 1));
    cls = (unsigned)_mm_cvtsi128_si32(x) & 0xFF;
    return mix_of_class[cls] |
           (_mm256_movemask_epi8(std) != 0 ? MIX_SYM | MIX_NONHEX | MIX_STD : 0u);
}

#endif /* AZK_SCREEN_AVX2 */

#if AZK_SCREEN_AVX2
/* The low (*lo) and high (*hi) nibbles of the 32 bytes at p. */
AVX2 static inline void nibbles32(const uint8_t *p, __m256i *lo, __m256i *hi)
{
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
    *lo = _mm256_and_si256(v, kv.k0f);
    *hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), kv.k0f);
}

/* Whether every byte of nibbles lo / hi is in the class of tables tlo / thi. */
AVX2 static inline int all_in(__m256i lo, __m256i hi, __m256i tlo, __m256i thi)
{
    __m256i c = _mm256_and_si256(_mm256_shuffle_epi8(tlo, lo), _mm256_shuffle_epi8(thi, hi));
    return _mm256_movemask_epi8(_mm256_cmpeq_epi8(c, _mm256_setzero_si256())) == 0;
}

AVX2 static int dump32_avx2(const uint8_t *p)
{
    __m256i lo, hi;
    nibbles32(p, &lo, &hi);
    return all_in(lo, hi, kv.dump_lo, kv.dump_hi);
}

AVX2 static int b64_32_avx2(const uint8_t *p)
{
    __m256i lo, hi;
    nibbles32(p, &lo, &hi);
    return all_in(lo, hi, kv.b64_lo, kv.b64_hi);
}

/* dump32_avx2 (bit 0) and b64_32_avx2 (bit 1) of one load. */
AVX2 static int line32_avx2(const uint8_t *p)
{
    __m256i lo, hi;
    nibbles32(p, &lo, &hi);
    return all_in(lo, hi, kv.dump_lo, kv.dump_hi) | all_in(lo, hi, kv.b64_lo, kv.b64_hi) << 1;
}

/* hex32 of azk_decode__reveal_hex32: the 32 bytes at p all hex digits, their values
 * in pairs (high nibble first) into out[0..16). */
AVX2 static int hex32_avx2(const uint8_t *p, uint8_t *out)
{
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i d = _mm256_sub_epi8(v, _mm256_set1_epi8('0'));
    __m256i l = _mm256_sub_epi8(_mm256_or_si256(v, _mm256_set1_epi8(0x20)), _mm256_set1_epi8('a'));
    /* unsigned d <= 9, l <= 5 */
    __m256i isd = _mm256_cmpeq_epi8(_mm256_min_epu8(d, _mm256_set1_epi8(9)), d);
    __m256i isl = _mm256_cmpeq_epi8(_mm256_min_epu8(l, _mm256_set1_epi8(5)), l);
    __m256i val, pk;
    if ((uint32_t)_mm256_movemask_epi8(_mm256_or_si256(isd, isl)) != 0xFFFFFFFFu)
        return 0;
    val = _mm256_blendv_epi8(_mm256_add_epi8(l, _mm256_set1_epi8(10)), d, isd);
    /* 16 * first + second in each 16-bit pair, packed to bytes */
    pk = _mm256_maddubs_epi16(val, _mm256_set1_epi16(0x0110));
    pk = _mm256_permute4x64_epi64(_mm256_packus_epi16(pk, pk), 0x08);
    _mm_storeu_si128((__m128i *)(void *)out, _mm256_castsi256_si128(pk));
    return 1;
}

/* hex32_avx2 on 16 bytes: their 8 values into out. */
AVX2 static int hex16_avx2(const uint8_t *p, uint8_t *out)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    __m128i l = _mm_sub_epi8(_mm_or_si128(v, _mm_set1_epi8(0x20)), _mm_set1_epi8('a'));
    __m128i isd = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
    __m128i isl = _mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(5)), l);
    __m128i val, pk;
    if (_mm_movemask_epi8(_mm_or_si128(isd, isl)) != 0xFFFF)
        return 0;
    val = _mm_blendv_epi8(_mm_add_epi8(l, _mm_set1_epi8(10)), d, isd);
    pk = _mm_maddubs_epi16(val, _mm_set1_epi16(0x0110));
    _mm_storel_epi64((__m128i *)(void *)out, _mm_packus_epi16(pk, pk));
    return 1;
}

/* Whether the screen runs: AVX2 (probed once) and not azk_decode__simd_off. */
static inline bool screen_on(void)
{
    int st = atomic_load_explicit(&screen_state, memory_order_acquire);
    if (st == 0) {
        (void)pthread_once(&tables_once, tables_init);
        st = atomic_load_explicit(&screen_state, memory_order_acquire);
    }
    return st == 2 && !azk_decode__simd_off;
}
#endif

bool azk_decode__reveal_screen_available(void)
{
#if AZK_SCREEN_AVX2
    return screen_on();
#else
    return false;
#endif
}

int azk_decode__reveal_dump32(const uint8_t *p)
{
#if AZK_SCREEN_AVX2
    if (screen_on())
        return dump32_avx2(p);
#endif
    (void)p;
    return -1;
}

int azk_decode__reveal_b64_32(const uint8_t *p)
{
#if AZK_SCREEN_AVX2
    if (screen_on())
        return b64_32_avx2(p);
#endif
    (void)p;
    return -1;
}

size_t azk_decode__reveal_hex_steps(const uint8_t *p, size_t n, uint8_t *out)
{
    size_t i = 0;
#if AZK_SCREEN_AVX2
    if (screen_on()) {
        for (; i + 32 <= n; i += 32, out += 16) {
            if (!hex32_avx2(p + i, out))
                return SIZE_MAX;
        }
        if (i + 16 <= n) {
            if (!hex16_avx2(p + i, out))
                return SIZE_MAX;
            i += 16;
        }
    }
#endif
    (void)p;
    (void)n;
    (void)out;
    return i;
}

int azk_decode__reveal_line32(const uint8_t *p)
{
#if AZK_SCREEN_AVX2
    if (screen_on())
        return line32_avx2(p);
#endif
    (void)p;
    return -1;
}

#if !AZK_SCREEN_AVX2
unsigned azk_decode__reveal_run_mix_avx2(const uint8_t *p, size_t n, size_t s, size_t e)
{
    /* not called: azk_decode__reveal_look_masks never returns 1 here */
    (void)p;
    (void)n;
    (void)s;
    (void)e;
    return 0;
}
#endif

bool azk_decode__reveal_look_avx2_off;

int azk_decode__reveal_look_masks(const uint8_t *p, size_t n, struct look_masks *m)
{
#if AZK_SCREEN_AVX2
    if (screen_on() && !azk_decode__reveal_look_avx2_off)
        return look_masks_avx2(p, n, m);
#endif
    (void)p;
    (void)n;
    (void)m;
    return -1;
}

bool azk_decode__reveal_screen(const uint8_t *p, size_t n, const size_t *starts, size_t nstarts)
{
#if AZK_SCREEN_AVX2
    if (screen_on()) {
        uint64_t *fsb;
        size_t nw = n / 64 + 1, i;
        bool r;
        if (nstarts == 1 && starts[0] == 0)
            return screen_avx2(p, n, NULL, 0);
        fsb = azk_calloc(nw, sizeof(*fsb));
        if (fsb == NULL)
            return true; /* "maybe": worth_a_look decides */
        for (i = 0; i < nstarts; i++) {
            if (starts[i] <= n)
                fsb[starts[i] / 64] |= 1ull << (starts[i] % 64);
        }
        r = screen_avx2(p, n, fsb, nw);
        azk_free(fsb);
        return r;
    }
#endif
    (void)p;
    (void)n;
    (void)starts;
    (void)nstarts;
    return true;
}

/* Longest row screened in one pass (its field starts as bits on the stack). */
#define ROW_WORDS 32

#if AZK_SCREEN_AVX2
/* The screen over the count >= 2 cells of a row (apart from the one-field
 * path: its bitmap makes the frame larger). */
/* Four words zeroed by one store (stores, not a loop: GCC makes a loop a rep stos). */
#define ZERO4(w) _mm256_storeu_si256((__m256i *)(void *)(w), _mm256_setzero_si256())

AVX2 __attribute__((noinline)) static bool screen_row(const azk_field *f, size_t count)
{
    size_t i;
    uint64_t fsb[ROW_WORDS];
    const char *base = f[0].ptr, *end;
    if (base != NULL) {
        /* the cells of one row side by side: one pass. The bit of a cell
         * starting past ROW_WORDS words lands in a word it wraps to: such a
         * row is screened cell by cell below. */
        ZERO4(fsb);
        ZERO4(fsb + 4);
        ZERO4(fsb + 8);
        ZERO4(fsb + 12);
        ZERO4(fsb + 16);
        ZERO4(fsb + 20);
        ZERO4(fsb + 24);
        ZERO4(fsb + 28);
        fsb[0] = 1;
        end = base + f[0].len;
        for (i = 1; i < count && f[i].ptr == end; i++) {
            size_t pos = (size_t)(end - base);
            fsb[pos / 64 % ROW_WORDS] |= 1ull << (pos % 64);
            end += f[i].len;
        }
        if (i == count && (size_t)(end - base) - f[count - 1].len < ROW_WORDS * 64)
            return screen_avx2((const uint8_t *)base, (size_t)(end - base), fsb, ROW_WORDS);
    }
    for (i = 0; i < count; i++) {
        if (screen_avx2((const uint8_t *)f[i].ptr, f[i].len, NULL, 0))
            return true;
    }
    return false;
}
#endif

bool azk_decode__reveal_screen_record(const azk_record *rec)
{
#if AZK_SCREEN_AVX2
    if (rec->field_count == 0 || !screen_on())
        return true;
    if (rec->field_count == 1)
        return screen_avx2((const uint8_t *)rec->fields[0].ptr, rec->fields[0].len, NULL, 0);
    return screen_row(rec->fields, rec->field_count);
#else
    (void)rec;
    return true;
#endif
}
