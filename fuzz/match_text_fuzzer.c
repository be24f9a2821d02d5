/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/match_text_fuzzer.c -- the matcher on scanned text (untrusted): the
 * date and token scan, name windows (pieces, honorific contexts, family +
 * given-name pairs) and address windows of src/lib/match/match.c. A small
 * index is written once with a fixed key: row 1 holds the buckets of real
 * values (中野 優見, 1938-04-22, 0248-22-1234, 961-0013, an address), the
 * other rows random buckets, so seeds and confirmations are reached. The
 * input is split into lines; each line is matched in the scanner's mode
 * with a birth-date finding over its first bytes (which starts analysis)
 * and again without a detector.
 */
#include "match/match.h"
#include "azukari/fingerprint.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define ROWS 2000

static char path[64];
static char key[64];
static azk_fp_index *idx;

static void cleanup(void)
{
    azk_fp_index_free(idx);
    (void)unlink(path);
    (void)unlink(key);
}

static void put(FILE *f, crypto_generichash_state *hs, const void *p, size_t n)
{
    fwrite(p, 1, n, f);
    crypto_generichash_update(hs, p, n);
}

static int cmp64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Bucket of a real value of kind under key k (0 when it does not normalise). */
static uint64_t real_bucket(const uint8_t *k, unsigned kind, const char *v)
{
    azk_buf b = AZK_BUF_INIT;
    uint64_t out = 0;
    if (azk_fp__normalize(&b, kind, v, strlen(v)))
        out = azk_fp__bucket(kind, azk_fp__hash(k, kind, b.data, b.len));
    azk_buf_dispose(&b);
    return out;
}

static int build(void)
{
    static const unsigned kinds[] = {AZK_FP_NAME, AZK_FP_BIRTH, AZK_FP_PHONE, AZK_FP_POSTAL,
                                     AZK_FP_ADDRESS};
    static const char *const row1[] = {"中野 優見", "1938-04-22", "0248-22-1234", "961-0013",
                                       "福島県白河市新白河二丁目8番5号"};
    static uint64_t v[ROWS];
    uint8_t k[32];
    uint8_t sum[32];
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    crypto_generichash_state hs;
    uint32_t u32;
    uint16_t u16;
    FILE *f;
    int fd;
    memset(k, 7, sizeof(k));
    snprintf(path, sizeof(path), "/tmp/azk-matchfuzz-%ld.azf", (long)getpid());
    snprintf(key, sizeof(key), "/tmp/azk-matchfuzz-%ld.key", (long)getpid());
    atexit(cleanup);
    fd = open(key, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, k, sizeof(k)) != (ssize_t)sizeof(k))
        return -1;
    close(fd);
    f = fopen(path, "wb");
    if (f == NULL)
        return -1;
    crypto_generichash_init(&hs, NULL, 0, 32);
    put(f, &hs, AZK_FP_MAGIC, 8);
    u32 = AZK_FP__COUNT;
    put(f, &hs, &u32, 4);
    put(f, &hs, azk_fp__bits, AZK_FP__COUNT);
    u32 = 1;
    put(f, &hs, &u32, 4);
    u16 = 4;
    put(f, &hs, &u16, 2);
    put(f, &hs, "fuzz", 4);
    u16 = 2;
    put(f, &hs, &u16, 2);
    put(f, &hs, "d1", 2);
    u32 = 0;
    put(f, &hs, &u32, 4);
    u32 = ROWS;
    put(f, &hs, &u32, 4);
    for (unsigned kind = 0; kind < AZK_FP__COUNT; kind++) {
        uint64_t cnt = 0;
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
            if (kinds[i] != kind)
                continue;
            for (uint32_t r = 0; r < ROWS; r++) {
                uint64_t b;
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                b = r == 0 ? real_bucket(k, kind, row1[i]) : (rng >> (64 - azk_fp__bits[kind]));
                v[r] = (b << 32) | r;
            }
            qsort(v, ROWS, sizeof(uint64_t), cmp64);
            cnt = ROWS;
        }
        put(f, &hs, &cnt, 8);
        put(f, &hs, v, cnt * sizeof(uint64_t));
    }
    crypto_generichash_final(&hs, sum, 32);
    fwrite(sum, 1, 32, f);
    fclose(f);
    return azk_fp_index_load(&idx, path, key) == AZK_OK ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct azk_match_ctx *ctx = NULL;
    if (idx == NULL && build() != 0)
        abort();
    if (azk_match__ctx_new(&ctx, idx) != AZK_OK)
        return 0;
    for (int lazy = 0; lazy < 2; lazy++) {
        size_t i = 0;
        azk_match__set_detector_seeds(ctx, lazy == 1);
        azk_match__object_begin(ctx);
        while (i < size) {
            const uint8_t *nl = memchr(data + i, '\n', size - i);
            size_t end = nl != NULL ? (size_t)(nl - data) : size;
            azk_field f = {(const char *)data + i, end - i, NULL, 0, 0};
            azk_record rec;
            azk_finding fd;
            memset(&rec, 0, sizeof(rec));
            memset(&fd, 0, sizeof(fd));
            rec.fields = &f;
            rec.field_count = 1;
            rec.line = i + 1;
            fd.type = AZK_PII_BIRTH_DATE;
            fd.len = end - i < 16 ? end - i : 16;
            if (azk_match__record(ctx, &rec, &fd, lazy == 1 ? 1 : 0) != AZK_OK)
                break;
            i = end + 1;
        }
        azk_match__object_end(ctx);
        (void)azk_match__hit_count(ctx);
    }
    azk_match__ctx_free(ctx);
    return 0;
}
