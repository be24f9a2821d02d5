/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/report_bench.c -- fills the ledger of a bench home for
 * bench/report_bench.sh: N events in batches of 10,000 (one fdatasync each)
 * whose times are spread over one month from START (Unix seconds): opens of
 * the client's DATASETS datasets (70%), approvals (10%), guard blocks naming
 * the client (10%), authentication failures (10%). Public API only.
 *   report_bench HOME N START CLIENT DATASETS
 */
#include "azukari/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH 10000

int main(int argc, char **argv)
{
    azk_audit *a = NULL;
    azk_audit_event *ev;
    char(*objs)[32];
    const char **optr;
    char extra[160];
    unsigned long long n, ds;
    long long start;
    if (argc != 6) {
        fprintf(stderr, "usage: report_bench HOME N START CLIENT DATASETS\n");
        return 64;
    }
    n = strtoull(argv[2], NULL, 10);
    start = strtoll(argv[3], NULL, 10);
    ds = strtoull(argv[5], NULL, 10);
    if (ds == 0 || azk_audit_open(&a, argv[1], 0, NULL) != AZK_OK) {
        fprintf(stderr, "report_bench: cannot open the ledger of %s\n", argv[1]);
        return 1;
    }
    ev = calloc(BATCH, sizeof(*ev));
    objs = calloc(BATCH, sizeof(*objs));
    optr = calloc(BATCH, sizeof(*optr));
    if (ev == NULL || objs == NULL || optr == NULL)
        return 1;
    (void)snprintf(extra, sizeof(extra),
                   "{\"edm\":[{\"client\":\"%s\",\"dataset\":\"d00000\",\"records\":3}]}", argv[4]);
    for (unsigned long long i = 0; i < n;) {
        size_t k = 0;
        for (; k < BATCH && i < n; k++, i++) {
            azk_audit_event e = AZK_AUDIT_EVENT_INIT;
            unsigned r = (unsigned)(i % 10);
            e.time_ms = (int64_t)(start * 1000 + 1000 + (long long)(i * 2));
            (void)snprintf(objs[k], sizeof(objs[k]), "d%05llu", i % ds);
            optr[k] = objs[k];
            e.objects = &optr[k];
            e.object_count = 1;
            e.actor = "alice";
            if (r < 7) {
                e.action = "vault.open";
                e.reason = "print run";
            } else if (r == 7) {
                e.action = "retention.approve";
                e.actor = "bob";
            } else if (r == 8) {
                e.action = "guard.block";
                e.outcome = "blocked";
                e.reason = "http";
                e.extra_json = extra;
                optr[k] = "incident";
            } else {
                e.action = "auth.fail";
                e.outcome = "fail";
                optr[k] = "mallory";
            }
            ev[k] = e;
        }
        if (azk_audit_append_batch(a, ev, k, NULL) != AZK_OK) {
            fprintf(stderr, "report_bench: append failed\n");
            return 1;
        }
    }
    printf("ledger entries: %llu\n", (unsigned long long)azk_audit_size(a));
    azk_audit_close(a);
    free(ev);
    free(objs);
    free(optr);
    return 0;
}
