/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/detect_bench.c -- throughput of the detect stage alone on a
 * generated, mostly-ASCII production log (about one line in 400 carries a
 * synthetic phone, mail address or postal code; the rest are timestamps,
 * IPs, ids, versions and durations: the look-alikes the validators must
 * reject). Every line is one record, as the text decoder delivers it.
 *   detect_bench MB OUT.log
 * writes the log to OUT.log (for the ripgrep comparison in
 * detect_bench.sh) and prints MB/s for: all types but person names, and
 * all ten types.
 */
#include "detect/detect.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t rng = 88172645463325252ull;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng % n);
}

static const char *const levels[] = {"INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"};
static const char *const paths[] = {"/api/v1/items",  "/api/v1/orders",     "/health",
                                    "/static/app.js", "/api/v2/print/jobs", "/login"};

static size_t gen_line(char *out, size_t cap, unsigned long i)
{
    int n;
    uint32_t k = rnd(400);
    n = snprintf(out, cap,
                 "2024-03-%02u %02u:%02u:%02u.%03u %s [worker-%u] %s %s/%u status=%u "
                 "bytes=%u took=%ums ip=10.%u.%u.%u ver=1.%u.%u req=%08x%08x",
                 1 + rnd(28), rnd(24), rnd(60), rnd(60), rnd(1000), levels[rnd(6)], rnd(16),
                 rnd(4) ? "GET" : "POST", paths[rnd(6)], rnd(100000), rnd(3) ? 200 : 404,
                 rnd(1 << 20), rnd(5000), rnd(256), rnd(256), rnd(256), rnd(20), rnd(100),
                 (unsigned)rng, (unsigned)(rng >> 32));
    if (k == 0)
        n += snprintf(out + n, cap - (size_t)n, " tel=090-%04u-%04u", 1000 + rnd(9000), rnd(10000));
    else if (k == 1)
        n += snprintf(out + n, cap - (size_t)n, " to=user%u@example.jp", rnd(10000));
    else if (k == 2)
        n += snprintf(out + n, cap - (size_t)n, " 〒%03u-%04u", 100 + rnd(900), rnd(10000));
    (void)i;
    return (size_t)n;
}

static azk_status count_cb(const azk_finding *f, void *payload)
{
    (void)f;
    (*(size_t *)payload)++;
    return AZK_OK;
}

/* CPU time of this thread: the machine may be shared, wall time is not fair. */
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run(const char *buf, size_t len, uint32_t types, const char *what)
{
    azk_detect_options o = AZK_DETECT_OPTIONS_INIT;
    azk_detect_engine *e = NULL;
    azk_detect_ctx *c = NULL;
    size_t pos = 0, found = 0;
    uint64_t line = 0;
    double t0 = 0, t1 = 0;
    o.types = types;
    if (azk_detect__engine_new(&e, &o) != AZK_OK || azk_detect__ctx_new(&c, e) != AZK_OK) {
        fprintf(stderr, "detect_bench: %s\n", azk_error_last()->message);
        return 1;
    }
    azk_detect__object_begin(c, "text");
    for (int rep = 0; rep < 3; rep++) {
        double r0 = now(), r1;
        pos = 0;
        found = 0;
        line = 0;
        while (pos < len) {
            const char *nl = memchr(buf + pos, '\n', len - pos);
            size_t l = nl ? (size_t)(nl - (buf + pos)) : len - pos;
            azk_field fd;
            azk_record rec;
            memset(&fd, 0, sizeof(fd));
            memset(&rec, 0, sizeof(rec));
            fd.ptr = buf + pos;
            fd.len = l;
            rec.fields = &fd;
            rec.field_count = 1;
            rec.line = ++line;
            if (azk_detect__record(c, &rec, count_cb, &found, NULL) != AZK_OK) {
                fprintf(stderr, "detect_bench: %s\n", azk_error_last()->message);
                return 1;
            }
            pos += l + 1;
        }
        r1 = now();
        if (rep == 0 || r1 - r0 < t1 - t0) {
            t0 = r0;
            t1 = r1;
        }
    }
    printf("%-32s %8.1f MB/s  %zu findings in %lu lines (%.3f s CPU, best of 3)\n", what,
           (double)len / 1e6 / (t1 - t0), found, (unsigned long)line, t1 - t0);
    azk_detect__ctx_free(c);
    azk_detect__engine_free(e);
    return 0;
}

int main(int argc, char **argv)
{
    size_t want, len = 0;
    char *buf;
    FILE *f;
    unsigned long i = 0;
    uint32_t all = (1u << AZK_PII__COUNT) - 1;
    if (argc < 3) {
        fprintf(stderr, "usage: detect_bench MB OUT.log\n");
        return 2;
    }
    want = (size_t)strtoul(argv[1], NULL, 10) << 20;
    buf = malloc(want + 512);
    if (buf == NULL)
        return 1;
    while (len < want) {
        len += gen_line(buf + len, 480, i++);
        buf[len++] = '\n';
    }
    f = fopen(argv[2], "wb");
    if (f == NULL || fwrite(buf, 1, len, f) != len || fclose(f) != 0) {
        fprintf(stderr, "detect_bench: cannot write the log\n");
        return 1;
    }
    if (run(buf, len, all & ~(1u << AZK_PII_PERSON_NAME), "9 types (no names), 1 thread") ||
        run(buf, len, all, "all 10 types, 1 thread"))
        return 1;
    free(buf);
    return 0;
}
