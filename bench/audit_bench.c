/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/audit_bench.c -- figures for the audit ledger (run by
 * bench/audit_bench.sh): batched appends per second (one fdatasync per
 * batch), single appends with fdatasync, open time, full verify of N
 * entries, inclusion / consistency proof sizes and times at 1k and N, and
 * single appends with a handle opened per entry or kept (azk_audit_keep).
 *   audit_bench DIR [N] [BATCH] [SINGLES]
 */
#include "azukari/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system, all threads) used so far: on a shared machine
 * the wall time says as much about the neighbours as about us */
static double cpu(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static void die(const char *what)
{
    fprintf(stderr, "audit_bench: %s: %s\n", what, azk_error_last()->message);
    exit(2);
}

static void proofs(azk_audit *a, uint64_t size, int rounds)
{
    double t0, tinc = 0, tcons = 0;
    size_t maxinc = 0, maxcons = 0, sum = 0;
    uint8_t root[AZK_AUDIT_HASH_LEN];
    srand(42);
    if (azk_audit_root(a, size, root) != AZK_OK)
        die("root");
    for (int i = 0; i < rounds; i++) {
        uint64_t idx = (uint64_t)rand() % size, old = 1 + (uint64_t)rand() % size;
        uint8_t *p = NULL, r1[AZK_AUDIT_HASH_LEN];
        size_t pc = 0;
        t0 = now();
        if (azk_audit_prove_inclusion(a, idx, size, &p, &pc) != AZK_OK)
            die("inclusion");
        tinc += now() - t0;
        maxinc = pc > maxinc ? pc : maxinc;
        sum += pc;
        azk_audit_free(p);
        if (azk_audit_root(a, old, r1) != AZK_OK)
            die("root");
        t0 = now();
        if (azk_audit_prove_consistency(a, old, size, &p, &pc) != AZK_OK)
            die("consistency");
        tcons += now() - t0;
        if (azk_audit_verify_consistency(old, size, p, pc, r1, root) != AZK_OK)
            die("verify consistency");
        maxcons = pc > maxcons ? pc : maxcons;
        azk_audit_free(p);
    }
    printf("proofs at size %llu: inclusion avg %.1f hashes (max %zu, %zu bytes) in %.1f us; "
           "consistency max %zu hashes (%zu bytes) in %.1f us (avg of %d, from the on-disk tree)\n",
           (unsigned long long)size, (double)sum / rounds, maxinc, maxinc * 32, tinc / rounds * 1e6,
           maxcons, maxcons * 32, tcons / rounds * 1e6, rounds);
}

int main(int argc, char **argv)
{
    const char *home;
    uint64_t n = 1000000, batch = 1000, singles = 500, done = 0;
    azk_audit *a = NULL;
    azk_audit_event *evs;
    const char *objs[] = {"dataset:client-a/2026-01-dm", "job:4411"};
    azk_audit_report rep;
    azk_audit_open_info info;
    double t0, t, c0;
    if (argc < 2)
        return 64;
    home = argv[1];
    if (argc > 2)
        n = strtoull(argv[2], NULL, 10);
    if (argc > 3)
        batch = strtoull(argv[3], NULL, 10);
    if (argc > 4)
        singles = strtoull(argv[4], NULL, 10);
    if (azk_audit_init_home(home) != AZK_OK || azk_audit_open(&a, home, 0, NULL) != AZK_OK)
        die("open");
    evs = calloc(batch, sizeof(*evs));
    for (uint64_t i = 0; i < batch; i++) {
        evs[i].action = "scan.finding";
        evs[i].objects = objs;
        evs[i].object_count = 2;
        evs[i].outcome = "quarantined";
        evs[i].reason = "entrusted records found outside the closed zone";
        evs[i].extra_json = "{\"findings\":3,\"zone\":\"office\"}";
    }
    /* the first 1000 entries alone, for the proof figures at 1k */
    if (azk_audit_append_batch(a, evs, 1000 < batch ? 1000 : batch, NULL) != AZK_OK)
        die("append");
    done = azk_audit_size(a);
    proofs(a, done, 1000);
    t0 = now();
    c0 = cpu();
    while (done < n) {
        uint64_t k = n - done < batch ? n - done : batch;
        if (azk_audit_append_batch(a, evs, k, NULL) != AZK_OK)
            die("append");
        done += k;
    }
    t = now() - t0;
    printf("batched appends: %llu entries in batches of %llu: %.2f s, %.0f appends/s "
           "(fdatasync per batch; %.2f s CPU)\n",
           (unsigned long long)(n - 1000), (unsigned long long)batch, t, (double)(n - 1000) / t,
           cpu() - c0);
    t0 = now();
    for (uint64_t i = 0; i < singles; i++) {
        if (azk_audit_append(a, &evs[0], NULL) != AZK_OK)
            die("append");
    }
    t = now() - t0;
    printf("single appends: %llu with fdatasync each: %.2f s, %.0f appends/s, %.2f ms each\n",
           (unsigned long long)singles, t, (double)singles / t, t / (double)singles * 1e3);
    proofs(a, azk_audit_size(a), 1000);
    azk_audit_close(a);
    t0 = now();
    if (azk_audit_open(&a, home, 0, &info) != AZK_OK)
        die("open");
    printf("open of %llu entries: %.2f ms\n", (unsigned long long)info.size, (now() - t0) * 1e3);
    azk_audit_close(a);
    t0 = now();
    c0 = cpu();
    if (azk_audit_verify(home, NULL, 0, &rep, NULL, NULL) != AZK_OK)
        die("verify");
    t = now() - t0;
    printf("verify: %llu entries, %llu issues, %.2f s (%.2f s CPU; full recomputation from the "
           "log)\n",
           (unsigned long long)rep.entries, (unsigned long long)rep.issues, t, cpu() - c0);
    {
        /* signing recomputes the tree from the log; open then checks the stored checkpoint */
        char *cp = NULL;
        if (azk_audit_open(&a, home, 0, NULL) != AZK_OK)
            die("open");
        t0 = now();
        c0 = cpu();
        if (azk_audit_checkpoint(a, 1, &cp) != AZK_OK)
            die("checkpoint");
        t = now() - t0;
        printf("signed checkpoint of %llu entries: %.2f s (%.2f s CPU; tree recomputed from the "
               "log)\n",
               (unsigned long long)azk_audit_size(a), t, cpu() - c0);
        azk_audit_free(cp);
        azk_audit_close(a);
        t0 = now();
        if (azk_audit_open(&a, home, 0, &info) != AZK_OK)
            die("open");
        printf("open with a stored checkpoint: %.2f ms\n", (now() - t0) * 1e3);
        azk_audit_close(a);
    }
    {
        /* one entry per state change, as store/event.c appends them: a handle opened and
         * closed for each (before session 7), and the handle kept (azk_audit_keep) */
        azk_audit *k = NULL;
        t0 = now();
        c0 = cpu();
        for (uint64_t i = 0; i < singles; i++) {
            if (azk_audit_open(&a, home, 0, NULL) != AZK_OK ||
                azk_audit_append(a, &evs[0], NULL) != AZK_OK)
                die("append");
            azk_audit_close(a);
        }
        t = now() - t0;
        printf("single appends, open+append+close each: %llu: %.2f s, %.0f appends/s, %.3f ms "
               "CPU each\n",
               (unsigned long long)singles, t, (double)singles / t,
               (cpu() - c0) / (double)singles * 1e3);
        t0 = now();
        c0 = cpu();
        for (uint64_t i = 0; i < singles; i++) {
            if (azk_audit_keep(&k, home) != AZK_OK || azk_audit_append(k, &evs[0], NULL) != AZK_OK)
                die("append");
        }
        t = now() - t0;
        printf("single appends, kept handle (azk_audit_keep): %llu: %.2f s, %.0f appends/s, "
               "%.3f ms CPU each\n",
               (unsigned long long)singles, t, (double)singles / t,
               (cpu() - c0) / (double)singles * 1e3);
        azk_audit_close(k);
    }
    free(evs);
    return rep.issues == 0 ? 0 : 1;
}
