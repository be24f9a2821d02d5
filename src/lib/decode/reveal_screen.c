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
 *     one byte after a token start, or two to four bytes after the start
 *     of a UTF-8 character of that length; every ideographic space
 *     E3 80 80 counts): the "0 9 0 - 1" chain needs three.
 *
 * Runtime dispatch: AVX2 when the CPU has it (__builtin_cpu_supports),
 * else no screen (worth_a_look alone, the portable path; also with
 * azk_decode__simd_off, the tests' switch). Tests compare
 * both on random and adversarial records (tests/unit/decode_fast/).
 */
#include "decode/decode_int.h"

#include <pthread.h>
#include <string.h>
#include "decode/reveal_int.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define AZK_SCREEN_AVX2 1
#endif

#if AZK_SCREEN_AVX2

static void tables_init(void);
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

#define SETNIB(t, idx, bit) ((t)[idx] = (int8_t)((t)[idx] | (bit)))

/* Nibble tables: a class bit is set where the low- and high-nibble tables agree. */
static int8_t tab_lo[3][16], tab_hi[3][16];

static void nib(int t, unsigned bit, const char *his, const char *los)
{
    const char *q;
    for (q = his; *q != '\0'; q++)
        SETNIB(tab_hi[t], (*q >= 'A' ? *q - 'A' + 10 : *q - '0'), (int)bit);
    for (q = los; *q != '\0'; q++)
        SETNIB(tab_lo[t], (*q >= 'A' ? *q - 'A' + 10 : *q - '0'), (int)bit);
}

static void tables_init(void)
{
    static const char all[] = "0123456789ABCDEF";
    /* table 0: the base64 alphabet (bits 0-5), hex (1, 2), % (6), = (7) */
    nib(0, 1, "2", "BDF");           /* + - / */
    nib(0, 2, "3", "0123456789");    /* digits */
    nib(0, 4, "46", "123456");       /* A-F a-f */
    nib(0, 8, "46", "789ABCDEF");    /* G-O g-o */
    nib(0, 16, "57", "0123456789A"); /* P-Z p-z */
    nib(0, 32, "5", "F");            /* _ */
    nib(0, 64, "2", "5");            /* % */
    nib(0, 128, "3", "D");           /* = */
    /* table 1: < (0), space (1), & \ C2 CC CD E1 F3 (2-6), 82 (7) */
    nib(1, 1, "3", "C");
    nib(1, 2, "2", "0");
    nib(1, 4, "2", "6");
    nib(1, 8, "5", "C");
    nib(1, 16, "C", "2CD");
    nib(1, 32, "E", "1");
    nib(1, 64, "F", "3");
    nib(1, 128, "8", "2");
    /* table 2: second bytes after E2 / EF (0: 80 81 B8 BB BC BD, and 88 8B
     * 8C 8D B0 B1 with them), 99 9A (2), 80 (3), E2 EF (4), E3 (5),
     * C0-DF (6), E0-FF (7) */
    nib(2, 1, "8B", "018BCD");
    nib(2, 4, "9", "9A");
    nib(2, 8, "8", "0");
    nib(2, 16, "E", "2F");
    nib(2, 32, "E", "3");
    nib(2, 64, "CD", all);
    nib(2, 128, "EF", all);
}

#define AVX2 __attribute__((target("avx2")))

AVX2 static inline uint64_t bit_of(__m256i t0, __m256i t1, int k)
{
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(t0, 7 - k)) |
           (uint64_t)(uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(t1, 7 - k)) << 32;
}

AVX2 static inline uint64_t any_of(__m256i t0, __m256i t1, int m)
{
    const __m256i mm = _mm256_set1_epi8((char)m), z = _mm256_setzero_si256();
    uint32_t a = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(t0, mm), z));
    uint32_t b = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(t1, mm), z));
    return ~((uint64_t)a | (uint64_t)b << 32);
}

/* The bytes k = 1, 2 places before each byte of cur (prev: the 32 bytes before cur). */
#define BEFORE(cur, prev, k)                                                                       \
    _mm256_alignr_epi8((cur), _mm256_permute2x128_si256((prev), (cur), 0x21), 16 - (k))

/* x shifted up by k bits, the top bits of the previous block's x coming in. */
#define SHL(x, prev, k) (((x) << (k)) | ((prev) >> (64 - (k))))

/*
 * One 32-byte half: its three class vectors, and into *rare the byte pairs
 * and triples that decide alone (any of \ & C2 CC CD E1 F3; E2|EF before a
 * second byte of table 2's bit 0; 82 before 99|9A; an ideographic space).
 */
struct half {
    __m256i t0, t1, t2;
};

AVX2 static inline void classify(const uint8_t *p, struct half *h, const struct half *prev,
                                 __m256i *rare, const __m256i tabs[6])
{
    const __m256i nib_mask = _mm256_set1_epi8(0x0F);
    __m256i v = _mm256_loadu_si256((const __m256i *)(const void *)p);
    __m256i lo = _mm256_and_si256(v, nib_mask);
    __m256i hi = _mm256_and_si256(_mm256_srli_epi16(v, 4), nib_mask);
    __m256i p1t1, p1t2, p2t2, r;
    h->t0 = _mm256_and_si256(_mm256_shuffle_epi8(tabs[0], lo), _mm256_shuffle_epi8(tabs[1], hi));
    h->t1 = _mm256_and_si256(_mm256_shuffle_epi8(tabs[2], lo), _mm256_shuffle_epi8(tabs[3], hi));
    h->t2 = _mm256_and_si256(_mm256_shuffle_epi8(tabs[4], lo), _mm256_shuffle_epi8(tabs[5], hi));
    p1t1 = BEFORE(h->t1, prev->t1, 1);
    p1t2 = BEFORE(h->t2, prev->t2, 1);
    p2t2 = BEFORE(h->t2, prev->t2, 2);
    /* bit 0: E2|EF (bit 4) before a second byte (bit 0); bit 2: 82 (t1 bit 7)
     * before 99|9A (bit 2); bit 3: E3 (bit 5) 80 80 (bit 3) */
    r = _mm256_and_si256(_mm256_srli_epi16(p1t2, 4), h->t2);
    r = _mm256_or_si256(r, _mm256_and_si256(_mm256_srli_epi16(p1t1, 5), h->t2));
    r = _mm256_and_si256(r, _mm256_set1_epi8(0x05));
    r = _mm256_or_si256(r, _mm256_and_si256(_mm256_and_si256(_mm256_and_si256(h->t2, p1t2),
                                                             _mm256_srli_epi16(p2t2, 2)),
                                            _mm256_set1_epi8(0x08)));
    r = _mm256_or_si256(r, _mm256_and_si256(h->t1, _mm256_set1_epi8(0x7C)));
    *rare = _mm256_or_si256(*rare, r);
}

/*
 * The screen over p[0..n): false when no field can be worth a look.
 * starts[0..nstarts): offsets of the fields (each one's first byte starts a
 * token), ascending.
 */
AVX2 static bool screen_avx2(const uint8_t *p, size_t n, const size_t *starts, size_t nstarts)
{
    uint64_t pb64 = 0, pr1 = 0, pr2 = 0, pr4 = 0, phex = 0, ppct = 0, peq = 0, psp = 0, pen = 0,
             penl2 = 0, penl34 = 0, pfs = 0;
    size_t lt = 0, singles = 0, si = 0, off;
    uint8_t tail[64];
    __m256i tabs[6];
    struct half h0, h1;
    int k;
    for (k = 0; k < 3; k++) {
        tabs[2 * k] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)tab_lo[k]));
        tabs[2 * k + 1] = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)tab_hi[k]));
    }
    h1.t0 = h1.t1 = h1.t2 = _mm256_setzero_si256();
    for (off = 0; off < n; off += 64) {
        const uint8_t *q = p + off;
        __m256i rare = _mm256_setzero_si256();
        uint64_t b64, sp, r1, r2, r4, r8, en, enl2, enl34, u, fs = 0;
        if (n - off < 64) {
            _mm256_storeu_si256((__m256i *)(void *)tail, rare);
            _mm256_storeu_si256((__m256i *)(void *)(tail + 32), rare);
            memcpy(tail, q, n - off);
            q = tail;
        }
        classify(q, &h0, &h1, &rare, tabs);
        classify(q + 32, &h1, &h0, &rare, tabs);
        if (!_mm256_testz_si256(rare, rare))
            return true;
        while (si < nstarts && starts[si] < off + 64) {
            if (starts[si] >= off)
                fs |= 1ull << (starts[si] - off);
            si++;
        }
        /* %HH and =HH=HH, where there is a % or = */
        if (!_mm256_testz_si256(_mm256_or_si256(h0.t0, h1.t0), _mm256_set1_epi8((char)0xC0)) ||
            (ppct | peq) != 0) {
            uint64_t hex = any_of(h0.t0, h1.t0, 0x06), pct = bit_of(h0.t0, h1.t0, 6),
                     eq = bit_of(h0.t0, h1.t0, 7);
            if ((SHL(pct, ppct, 2) & SHL(hex, phex, 1) & hex) != 0 ||
                (SHL(eq, peq, 5) & SHL(hex, phex, 4) & SHL(hex, phex, 3) & SHL(eq, peq, 2) &
                 SHL(hex, phex, 1) & hex) != 0)
                return true;
            phex = hex;
            ppct = pct;
            peq = eq;
        } else {
            phex = any_of(h0.t0, h1.t0, 0x06);
        }
        /* six '<' */
        if (!_mm256_testz_si256(_mm256_or_si256(h0.t1, h1.t1), _mm256_set1_epi8(0x01))) {
            lt += (size_t)__builtin_popcountll(bit_of(h0.t1, h1.t1, 0));
            if (lt >= 6)
                return true;
        }
        /* base64 runs of 16 within one field: r_k = k alphabet bytes ending
         * here, no field starting after the first of them */
        b64 = any_of(h0.t0, h1.t0, 0x3F);
        r1 = b64 & SHL(b64, pb64, 1) & ~fs;
        r2 = r1 & SHL(r1, pr1, 2) & ~SHL(fs, pfs, 1);
        r4 = r2 & SHL(r2, pr2, 4) & ~SHL(fs, pfs, 3);
        r8 = r4 & SHL(r4, pr4, 8) & ~SHL(fs, pfs, 7);
        if (r8 != 0)
            return true;
        /* spaces that may end a one-character token (ideographic spaces
         * were decided above): token starts are field starts and the byte
         * after a space */
        sp = bit_of(h0.t1, h1.t1, 1);
        en = SHL(sp, psp, 1) | fs;
        if (sp == 0 && (fs >> 60) == 0) {
            /* no space here: u is 0, and the next block reads only the top
             * 1, 2, 4 bits of en, enl2, enl34, which are fs's: 0 */
            enl2 = enl34 = 0;
        } else {
            enl2 = en & bit_of(h0.t2, h1.t2, 6);
            enl34 = en & bit_of(h0.t2, h1.t2, 7);
            u = sp & (SHL(en, pen, 1) | SHL(enl2, penl2, 2) | SHL(enl34, penl34, 3) |
                      SHL(enl34, penl34, 4));
            singles += (size_t)__builtin_popcountll(u);
            if (singles >= 3)
                return true;
        }
        pb64 = b64;
        pr1 = r1;
        pr2 = r2;
        pr4 = r4;
        psp = sp;
        pen = en;
        penl2 = enl2;
        penl34 = enl34;
        pfs = fs;
    }
    return false;
}

#endif /* AZK_SCREEN_AVX2 */

bool azk_decode__reveal_screen_available(void)
{
#if AZK_SCREEN_AVX2
    if (!azk_decode__have_avx2())
        return false;
    (void)pthread_once(&tables_once, tables_init);
    return true;
#else
    return false;
#endif
}

bool azk_decode__reveal_screen(const uint8_t *p, size_t n, const size_t *starts, size_t nstarts)
{
#if AZK_SCREEN_AVX2
    if (azk_decode__reveal_screen_available())
        return screen_avx2(p, n, starts, nstarts);
#endif
    (void)p;
    (void)n;
    (void)starts;
    (void)nstarts;
    return true;
}

bool azk_decode__reveal_screen_record(const azk_record *rec)
{
#if AZK_SCREEN_AVX2
    size_t st[64], i;
    const char *base;
    if (rec->field_count == 0 || !azk_decode__reveal_screen_available())
        return true;
    st[0] = 0;
    if (rec->field_count == 1)
        return screen_avx2((const uint8_t *)rec->fields[0].ptr, rec->fields[0].len, st, 1);
    base = rec->fields[0].ptr;
    if (rec->field_count <= sizeof(st) / sizeof(st[0]) && base != NULL) {
        /* the cells of one row side by side: one pass */
        for (i = 0; i < rec->field_count; i++) {
            const char *want = i == 0 ? base : rec->fields[i - 1].ptr + rec->fields[i - 1].len;
            if (rec->fields[i].ptr == NULL || rec->fields[i].ptr != want)
                break;
            st[i] = (size_t)(rec->fields[i].ptr - base);
        }
        if (i == rec->field_count) {
            const azk_field *last = &rec->fields[i - 1];
            return screen_avx2((const uint8_t *)base, (size_t)(last->ptr + last->len - base), st,
                               i);
        }
    }
    st[0] = 0;
    for (i = 0; i < rec->field_count; i++) {
        if (screen_avx2((const uint8_t *)rec->fields[i].ptr, rec->fields[i].len, st, 1))
            return true;
    }
    return false;
#else
    (void)rec;
    return true;
#endif
}
