/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/edm_load.c -- fingerprint index figures for bench/edm_bench.sh:
 *   edm_load synth N FILE   write a synthetic fingerprint file of N rows
 *                           (6 kinds per row, random buckets) and FILE.key
 *   edm_load convert FILE KEY OUT  the same index as a version 3 file (what
 *                           `fingerprints export` writes since session 9)
 *   edm_load load FILE KEY  load it (peak RSS via /usr/bin/time -v) and
 *                           time EDM_LINES (200000) matcher calls on synthetic lines
 * Modes (EDM_MODE = first mode run, EDM_MODE_END = last + 1, default 0..2):
 *   0 every line analysed; 1 the scanner's detector-seeded mode;
 *   2 Japanese log lines of people who are NOT entrusted (name + 様, postal
 *     code, address, phone), scanner mode without any detector finding;
 *   3 free-text notes of such people (name + 様 and a birth date only),
 *     with the birth-date finding a detector gives.
 * Against a synthetic index every hit is a false attribution: modes 2 and
 * 3 give the false-attribution rate per million scanned lines.
 * Values are random numbers; nothing personal.
 */
#include "match/match.h"
#include "match/fp.h"
#include "azukari/fingerprint.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void put(FILE *f, crypto_generichash_state *hs, const void *p, size_t n)
{
    fwrite(p, 1, n, f);
    crypto_generichash_update(hs, p, n);
}

static int synth(uint32_t n, const char *path)
{
    static const unsigned kinds[] = {AZK_FP_NAME,  AZK_FP_BIRTH,  AZK_FP_PHONE,
                                     AZK_FP_EMAIL, AZK_FP_POSTAL, AZK_FP_ADDRESS};
    crypto_generichash_state hs;
    uint8_t sum[32];
    uint8_t key[32];
    char kp[4096];
    uint64_t *v = malloc((size_t)n * sizeof(uint64_t));
    FILE *f = fopen(path, "wb");
    uint32_t u32;
    uint16_t u16;
    if (v == NULL || f == NULL)
        return 1;
    crypto_generichash_init(&hs, NULL, 0, 32);
    put(f, &hs, AZK_FP_MAGIC, 8);
    u32 = AZK_FP__COUNT;
    put(f, &hs, &u32, 4);
    put(f, &hs, azk_fp__bits, AZK_FP__COUNT);
    u32 = 1;
    put(f, &hs, &u32, 4);
    u16 = 5;
    put(f, &hs, &u16, 2);
    put(f, &hs, "bench", 5);
    u16 = 2;
    put(f, &hs, &u16, 2);
    put(f, &hs, "d1", 2);
    u32 = 0;
    put(f, &hs, &u32, 4);
    put(f, &hs, &n, 4);
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        uint64_t cnt = 0;
        bool used = false;
        for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
            used |= kinds[i] == k;
        if (used) {
            for (uint32_t r = 0; r < n; r++)
                v[r] = ((uint64_t)(randombytes_random() >> (32 - azk_fp__bits[k])) << 32) | r;
            qsort(v, n, sizeof(uint64_t), cmp64);
            cnt = n;
        }
        put(f, &hs, &cnt, 8);
        put(f, &hs, v, cnt * sizeof(uint64_t));
    }
    crypto_generichash_final(&hs, sum, 32);
    fwrite(sum, 1, 32, f);
    fclose(f);
    free(v);
    randombytes_buf(key, sizeof(key));
    snprintf(kp, sizeof(kp), "%s.key", path);
    f = fopen(kp, "wb");
    if (f == NULL)
        return 1;
    fwrite(key, 1, 32, f);
    fclose(f);
    return 0;
}

static int load(const char *path, const char *kp)
{
    azk_fp_index *idx = NULL;
    struct azk_match_ctx *ctx = NULL;
    uint64_t t0;
    uint64_t t1;
    char line[256];
    azk_field fld;
    azk_record rec;
    const int lines = getenv("EDM_LINES") != NULL ? atoi(getenv("EDM_LINES")) : 200000;
    t0 = azk_now_ns();
    if (azk_fp_index_load(&idx, path, kp) != AZK_OK) {
        fprintf(stderr, "load: %s\n", azk_error_last()->message);
        return 1;
    }
    t1 = azk_now_ns();
    printf("edm_load: %llu rows loaded in %.2f s\n", (unsigned long long)azk_fp_index_rows(idx),
           (double)(t1 - t0) / 1e9);
    static const char *const kj[16] = {"山", "川", "田", "中", "本", "木", "村", "林",
                                       "森", "野", "原", "西", "東", "松", "藤", "谷"};
    static const char *const city[4] = {"福島市大町", "郡山市虎丸町", "いわき市平", "白河市新白河"};
    const int mode_end = getenv("EDM_MODE_END") != NULL ? atoi(getenv("EDM_MODE_END")) : 2;
    static const char *const what[4] = {
        "every line analysed", "detector seeds (2% of lines with a finding)",
        "non-entrusted log lines (name, postal code, address, phone), no finding",
        "non-entrusted notes (name and birth date), no finding"};
    for (int mode = getenv("EDM_MODE") != NULL ? atoi(getenv("EDM_MODE")) : 0; mode < mode_end;
         mode++) {
        if (azk_match__ctx_new(&ctx, idx) != AZK_OK)
            return 1;
        /* mode 1: the scanner's way, detector findings as seeds; 2% of lines carry one */
        azk_match__set_detector_seeds(ctx, mode >= 1);
        azk_match__object_begin(ctx);
        memset(&rec, 0, sizeof(rec));
        memset(&fld, 0, sizeof(fld));
        rec.fields = &fld;
        rec.field_count = 1;
        t0 = azk_now_ns();
        for (int i = 0; i < lines; i++) {
            azk_finding fd;
            uint32_t r = randombytes_random();
            int n;
            if (mode == 2)
                n = snprintf(line, sizeof(line),
                             "2024-05-01 12:%02d:%02d INFO 宛名=%s%s %s%s 様 〒%03u-%04u "
                             "福島県%s%u丁目%u番%u号 TEL 0%u0-%04u-%04u",
                             i % 60, i % 60, kj[r & 15], kj[(r >> 4) & 15], kj[(r >> 8) & 15],
                             kj[(r >> 12) & 15], 960 + randombytes_uniform(40),
                             randombytes_uniform(10000), city[(r >> 16) & 3],
                             1 + randombytes_uniform(9), 1 + randombytes_uniform(30),
                             1 + randombytes_uniform(20), 7 + randombytes_uniform(3),
                             randombytes_uniform(10000), randombytes_uniform(10000));
            else if (mode == 3)
                n = snprintf(line, sizeof(line),
                             "%s%s%s%s様より問い合わせ。生年月日（%u年%u月%u日）を確認", kj[r & 15],
                             kj[(r >> 4) & 15], kj[(r >> 8) & 15], kj[(r >> 12) & 15],
                             1930 + randombytes_uniform(76), 1 + randombytes_uniform(12),
                             1 + randombytes_uniform(28));
            else
                n = snprintf(line, sizeof(line),
                             "2024-05-01 12:%02d:%02d INFO job=%d user=u%d@example.invalid "
                             "tel=090-%04d-%04d birth=1970-01-%02d",
                             i % 60, i % 60, i, i, i % 10000, (i * 7) % 10000, 1 + i % 28);
            const char *tel = strstr(line, "tel=");
            memset(&fd, 0, sizeof(fd));
            fd.type = AZK_PII_PHONE;
            fd.start = tel != NULL ? (size_t)(tel + 4 - line) : 0;
            fd.len = 13;
            fld.ptr = line;
            fld.len = (size_t)n;
            rec.line = (uint64_t)i + 1;
            if (n < 0 || (size_t)n >= sizeof(line))
                n = (int)strlen(line);
            if (mode == 3) {
                /* the birth-date finding a detector gives for 生年月日（...） */
                const char *open = strstr(line, "（");
                const char *close = strstr(line, "）");
                fd.type = AZK_PII_BIRTH_DATE;
                fd.start = open != NULL ? (size_t)(open + 3 - line) : 0;
                fd.len = open != NULL && close != NULL ? (size_t)(close - open - 3) : 0;
            }
            if (azk_match__record(
                    ctx, &rec, &fd,
                    (mode == 1 && i % 50 == 0) || (mode == 3 && fd.len > 0) ? 1 : 0) != AZK_OK)
                return 1;
        }
        t1 = azk_now_ns();
        printf("edm_load: matcher, %s: %.0f lines/s (%.2f us per line, 1 thread), %zu hits\n",
               what[mode], lines / ((double)(t1 - t0) / 1e9), (double)(t1 - t0) / 1e3 / lines,
               azk_match__hit_count(ctx));
        azk_match__ctx_free(ctx);
        ctx = NULL;
    }
    azk_fp_index_free(idx);
    return 0;
}

/* A version 1 file (synth's) as the version 2 file export writes (same tables). */
static int convert(const char *path, const char *kp, const char *out)
{
    azk_fp_index *idx = NULL;
    FILE *f;
    int rc;
    if (azk_fp_index_load(&idx, path, kp) != AZK_OK) {
        fprintf(stderr, "load: %s\n", azk_error_last()->message);
        return 1;
    }
    f = fopen(out, "wb");
    if (f == NULL)
        return 1;
    rc = azk_fp__index_write(idx, f) == AZK_OK ? 0 : 1;
    rc |= fclose(f) != 0;
    azk_fp_index_free(idx);
    return rc;
}

int main(int argc, char **argv)
{
    if (sodium_init() < 0)
        return 1;
    if (argc == 4 && strcmp(argv[1], "synth") == 0)
        return synth((uint32_t)strtoul(argv[2], NULL, 10), argv[3]);
    if (argc == 4 && strcmp(argv[1], "load") == 0)
        return load(argv[2], argv[3]);
    if (argc == 5 && strcmp(argv[1], "convert") == 0)
        return convert(argv[2], argv[3], argv[4]);
    fprintf(stderr, "usage: edm_load synth N FILE | load FILE KEY | convert FILE KEY OUT\n");
    return 2;
}
