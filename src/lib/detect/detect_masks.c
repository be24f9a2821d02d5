/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_masks.c -- the byte masks of a whole field of 64 bytes or
 * more (log lines, text lines) for the field scan (detect_field.c), in one
 * pass with AVX2 (runtime dispatch, as the literal screen's): for every
 * 64-byte block the ASCII digits and the 0xEF bytes (lead bytes of
 * full-width digits), which the digit-run walk reads instead of making them
 * block by block, and whether some byte is >= 0x80 or '@' (needs_matcher's
 * answer: without such a byte there is no literal, no 0xEF and no name).
 * Before, the field was read twice: needs_matcher's sixteen bytes a step,
 * then four SSE2 loads per block with three compares each. Without AVX2, or
 * with azk_detect__field_masks_off (tests/unit/detect_runs compares the
 * two), the field scan does that.
 */
#include "detect/detect.h"
#include "detect/detect_int.h"

#include <string.h>
#include "detect/detect_scan.h"

bool azk_detect__field_masks_off;

#if AZK_FIELD_MASKS
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2")))

static const uint8_t kbytes[4] = {0x46, 0x75, 0xEF, '@'};

bool azk_detect__field_masks_usable(uint8_t kv[4][32])
{
    for (size_t k = 0; k < 4; k++)
        memset(kv[k], kbytes[k], sizeof(kv[k]));
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
}

/* The byte constants (engine.mask_kv, set by azk_detect__field_masks_usable):
 * read from memory as operands, not broadcast in every call. */
#define KB(k) _mm256_loadu_si256((const __m256i *)(const void *)kv[k])

/*
 * The digit bits (d) and 0xEF bits (e) of the 64 bytes a, b (bit k: byte
 * k, b's bytes from bit 32), high-or-'@' bytes or'ed into *w. A digit
 * 0x30..0x39 plus 0x46 is 0x76..0x7F, the only bytes above 0x75 as signed.
 */
AVX2 static inline void block64(const uint8_t (*kv)[32], __m256i a, __m256i b, uint64_t *d,
                                uint64_t *e, __m256i *w)
{
    const __m256i k46 = KB(0), k75 = KB(1), ef = KB(2), at = KB(3);
    uint32_t da = (uint32_t)_mm256_movemask_epi8(_mm256_cmpgt_epi8(_mm256_add_epi8(a, k46), k75));
    uint32_t db = (uint32_t)_mm256_movemask_epi8(_mm256_cmpgt_epi8(_mm256_add_epi8(b, k46), k75));
    uint32_t ea = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(a, ef));
    uint32_t eb = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(b, ef));
    *w = _mm256_or_si256(*w, _mm256_or_si256(_mm256_or_si256(a, _mm256_cmpeq_epi8(a, at)),
                                             _mm256_or_si256(b, _mm256_cmpeq_epi8(b, at))));
    *d = da | (uint64_t)db << 32;
    *e = ea | (uint64_t)eb << 32;
}

/*
 * m[2k], m[2k + 1]: the digit and 0xEF masks of block k (bytes 64k..64k+63;
 * the last block's bits at and above len are 0). The last block of a field
 * whose length is no multiple of 64 comes from the 64 bytes that end at
 * len, shifted down. Reads only u[0..len); 64 <= len.
 */
AVX2 bool azk_detect__field_masks(const azk_detect_engine *eng, const unsigned char *u, size_t len,
                                  uint64_t *m)
{
    const uint8_t(*kv)[32] = eng->mask_kv;
    __m256i w = _mm256_setzero_si256();
    uint64_t d, e;
    size_t i;
    for (i = 0; i + 64 <= len; i += 64, m += 2) {
        block64(kv, _mm256_loadu_si256((const __m256i *)(const void *)(u + i)),
                _mm256_loadu_si256((const __m256i *)(const void *)(u + i + 32)), &m[0], &m[1], &w);
    }
    if (i < len) {
        unsigned sh = (unsigned)(i + 64 - len); /* 1..63 bytes seen before */
        block64(kv, _mm256_loadu_si256((const __m256i *)(const void *)(u + len - 64)),
                _mm256_loadu_si256((const __m256i *)(const void *)(u + len - 32)), &d, &e, &w);
        m[0] = d >> sh;
        m[1] = e >> sh;
    }
    return _mm256_movemask_epi8(w) != 0;
}
#endif
