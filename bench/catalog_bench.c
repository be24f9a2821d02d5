/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/catalog_bench.c -- latency of the catalog queries the server asks
 * (run by bench/catalog_bench.sh on a home whose catalog it filled in
 * bulk): the library's own store functions, timed call by call.
 *   catalog_bench HOME REPS CLIENTS TODAY
 * Prints, per query, rows returned per call (mean), p50, p99 and max in
 * milliseconds:
 *   by_client  azk_store__datasets_by_deadline (one client, chosen by an LCG
 *              among c0000..c<CLIENTS-1>)
 *   overdue    azk_store__datasets_overdue(TODAY)
 *   month      azk_store__ret_certified_in_month (a month chosen among
 *              2020-01..2026-10)
 */
#include "azukari/home.h"
#include "store/datasets.h"
#include "store/retention_state.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static azk_status count_deadline(const struct azk_store_deadline *d, void *payload)
{
    (void)d;
    (*(long *)payload)++;
    return AZK_OK;
}

static azk_status count_cert(const struct azk_store_certified *c, void *payload)
{
    (void)c;
    (*(long *)payload)++;
    return AZK_OK;
}

static void report(const char *name, double *t, int reps, long rows)
{
    qsort(t, (size_t)reps, sizeof(*t), cmp_double);
    printf("%-10s rows/call %8.1f  p50 %9.3f ms  p99 %9.3f ms  max %9.3f ms  (%d calls)\n", name,
           (double)rows / reps, t[reps / 2],
           t[(reps * 99) / 100 < reps ? (reps * 99) / 100 : reps - 1], t[reps - 1], reps);
}

int main(int argc, char **argv)
{
    azk_home *h = NULL;
    int reps, clients;
    const char *today;
    double *t;
    long rows;
    unsigned x = 12345;
    if (argc != 5) {
        fprintf(stderr, "usage: catalog_bench HOME REPS CLIENTS TODAY\n");
        return 2;
    }
    reps = atoi(argv[2]);
    clients = atoi(argv[3]);
    today = argv[4];
    if (reps < 1 || clients < 1)
        return 2;
    t = calloc((size_t)reps, sizeof(*t));
    if (t == NULL || azk_home_open(&h, argv[1], NULL, 0) != AZK_OK) {
        fprintf(stderr, "catalog_bench: cannot open %s: %s\n", argv[1], azk_error_last()->message);
        return 1;
    }
    /* by client */
    rows = 0;
    for (int i = 0; i < reps; i++) {
        char c[16];
        double t0;
        x = x * 1103515245u + 12345u;
        (void)snprintf(c, sizeof(c), "c%04u", (x >> 8) % (unsigned)clients);
        t0 = now_ms();
        if (azk_store__datasets_by_deadline(h, c, count_deadline, &rows) != AZK_OK)
            goto fail;
        t[i] = now_ms() - t0;
    }
    report("by_client", t, reps, rows);
    /* overdue */
    rows = 0;
    for (int i = 0; i < reps; i++) {
        double t0 = now_ms();
        if (azk_store__datasets_overdue(h, today, count_deadline, &rows) != AZK_OK)
            goto fail;
        t[i] = now_ms() - t0;
    }
    report("overdue", t, reps, rows);
    /* certificates of a month */
    rows = 0;
    for (int i = 0; i < reps; i++) {
        char m[16];
        double t0;
        unsigned k;
        x = x * 1103515245u + 12345u;
        k = (x >> 8) % 82u; /* 2020-01 .. 2026-10 */
        (void)snprintf(m, sizeof(m), "%04u-%02u", 2020u + k / 12u, 1u + k % 12u);
        t0 = now_ms();
        if (azk_store__ret_certified_in_month(h, m, count_cert, &rows) != AZK_OK)
            goto fail;
        t[i] = now_ms() - t0;
    }
    report("month", t, reps, rows);
    azk_home_close(h);
    free(t);
    return 0;
fail:
    fprintf(stderr, "catalog_bench: query failed: %s\n", azk_error_last()->message);
    azk_home_close(h);
    free(t);
    return 1;
}
