/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/extract_bench.c -- cost of the sandboxed extraction helper. For
 * each file: decode it N times in-process (the helper's own reader called
 * directly: azk_extract__any for PDF / OLE2 / RTF, the dispatcher for
 * anything else) and N times through the decode stage, which runs PDF /
 * OLE2 / RTF in a fresh sandboxed helper process per object; print pages
 * (PDF) or records, MB/s, pages/s and the helper's overhead per file.
 *   extract_bench [-n N] FILE...   (AZUKARI_EXTRACT_HELPER = the helper)
 * Built and run by bench/legacy_bench.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "extract/extract.h"

struct counts {
    uint64_t records;
    uint32_t max_page;
};

static azk_status on_record(void *p, const azk_record *r)
{
    struct counts *c = p;
    c->records++;
    if (r->page > c->max_page)
        c->max_page = r->page;
    return AZK_OK;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds of this process and its reaped children (the helpers). */
static double cpu(void)
{
    struct rusage a, b;
    getrusage(RUSAGE_SELF, &a);
    getrusage(RUSAGE_CHILDREN, &b);
    return (double)(a.ru_utime.tv_sec + a.ru_stime.tv_sec + b.ru_utime.tv_sec + b.ru_stime.tv_sec) +
           (double)(a.ru_utime.tv_usec + a.ru_stime.tv_usec + b.ru_utime.tv_usec +
                    b.ru_stime.tv_usec) /
               1e6;
}

static int load(const char *path, uint8_t **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    long n;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0) {
        if (f != NULL)
            fclose(f);
        return -1;
    }
    rewind(f);
    *out = malloc((size_t)n + 1);
    if (*out == NULL || fread(*out, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        return -1;
    }
    fclose(f);
    *len = (size_t)n;
    return 0;
}

static bool helper_format(const uint8_t *p, size_t n)
{
    return (n >= 5 && memcmp(p, "%PDF-", 5) == 0) ||
           (n >= 8 && memcmp(p, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8) == 0) ||
           (n >= 5 && memcmp(p, "{\\rtf", 5) == 0);
}

int main(int argc, char **argv)
{
    static const azk_decode_options opts = AZK_DECODE_OPTIONS_INIT;
    int n = 5, i = 1, k;
    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        n = atoi(argv[2]);
        i = 3;
    }
    printf("%-18s %9s %6s %7s %10s %10s %9s %10s %10s %9s %8s %8s\n", "file", "bytes", "pages",
           "records", "inproc_ms", "helper_ms", "overhead", "inproc_cpu", "helper_cpu", "cpu_over",
           "MB/cpu-s", "pages/cpu-s");
    for (; i < argc; i++) {
        uint8_t *data = NULL;
        size_t len = 0;
        struct counts c;
        azk_decode_sink sink = {NULL, NULL, on_record, NULL, &c};
        double t0, c0, inproc = 1e9, viahelper = 1e9, cin = 1e9, chl = 1e9;
        const char *base = strrchr(argv[i], '/');
        if (load(argv[i], &data, &len) != 0) {
            fprintf(stderr, "cannot read %s\n", argv[i]);
            return 1;
        }
        for (k = 0; k < n; k++) {
            struct azk_decode_ctx ctx;
            struct azk_mem_source ms;
            azk_source src;
            azk_status rc;
            memset(&c, 0, sizeof(c));
            memset(&ctx, 0, sizeof(ctx));
            ctx.opts = &opts;
            ctx.sink = &sink;
            ctx.max_depth = opts.max_depth;
            t0 = now();
            c0 = cpu();
            if (helper_format(data, len)) {
                rc = azk_extract__any(&ctx, data, len);
            } else {
                azk_decode__source_mem(&src, &ms, data, len);
                rc = azk_decode__object(&src, &opts, &sink);
            }
            if (rc != AZK_OK) {
                fprintf(stderr, "%s: %s\n", argv[i], azk_error_last()->message);
                return 1;
            }
            t0 = now() - t0;
            c0 = cpu() - c0;
            if (t0 < inproc)
                inproc = t0;
            if (c0 < cin)
                cin = c0;
        }
        for (k = 0; k < n; k++) {
            struct azk_mem_source ms;
            azk_source src;
            memset(&c, 0, sizeof(c));
            azk_decode__source_mem(&src, &ms, data, len);
            t0 = now();
            c0 = cpu();
            if (azk_decode__object(&src, &opts, &sink) != AZK_OK) {
                fprintf(stderr, "%s: %s\n", argv[i], azk_error_last()->message);
                return 1;
            }
            t0 = now() - t0;
            c0 = cpu() - c0;
            if (t0 < viahelper)
                viahelper = t0;
            if (c0 < chl)
                chl = c0;
        }
        printf("%-18s %9zu %6u %7llu %10.1f %10.1f %7.1fms %10.1f %10.1f %7.1fms %8.2f %8.1f\n",
               base ? base + 1 : argv[i], len, c.max_page, (unsigned long long)c.records,
               inproc * 1e3, viahelper * 1e3, (viahelper - inproc) * 1e3, cin * 1e3, chl * 1e3,
               (chl - cin) * 1e3, chl > 0 ? (double)len / 1e6 / chl : 0.0,
               chl > 0 && c.max_page ? c.max_page / chl : 0.0);
        free(data);
    }
    return 0;
}
