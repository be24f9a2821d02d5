/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench/serve_bench.c -- a bounded-loop HTTPS load generator for
 * `azukari serve` on loopback (libcurl multi, keep-alive connections):
 * CONNS requests in flight at all times, TOTAL requests in all, spread
 * round-robin over one or more base URLs (several serve processes on one
 * catalog), each with the session cookie given. Prints requests/s, p50,
 * p99 and max latency, bytes per answer, and the count of answers that
 * were not 200 (so a rate limit or an error never passes for speed).
 *
 *   serve_bench --cafile CA --cookie "__Host-azk=..." --path /dashboard
 *               --conns 8 --total 2000 https://localhost:8443 [URL...]
 *
 * Benchmark only (bench/, never a test): the numbers go to
 * bench/README.md and the session notes.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct slot {
    CURL *e;
    double t0;
    size_t bytes;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static size_t sink(char *p, size_t s, size_t n, void *ud)
{
    struct slot *sl = ud;
    (void)p;
    sl->bytes += s * n;
    return s * n;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const char *ca = NULL, *cookie = NULL, *path = "/dashboard";
    long conns = 8, total = 1000;
    const char *bases[16];
    int nbases = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--cafile") == 0 && i + 1 < argc)
            ca = argv[++i];
        else if (strcmp(argv[i], "--cookie") == 0 && i + 1 < argc)
            cookie = argv[++i];
        else if (strcmp(argv[i], "--path") == 0 && i + 1 < argc)
            path = argv[++i];
        else if (strcmp(argv[i], "--conns") == 0 && i + 1 < argc)
            conns = strtol(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "--total") == 0 && i + 1 < argc)
            total = strtol(argv[++i], NULL, 10);
        else if (nbases < 16)
            bases[nbases++] = argv[i];
    }
    if (nbases == 0 || conns < 1 || conns > 256 || total < 1) {
        fprintf(stderr, "usage: serve_bench [--cafile CA] [--cookie C] [--path P] [--conns N] "
                        "[--total M] URL...\n");
        return 2;
    }
    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURLM *m = curl_multi_init();
    struct slot *slots = calloc((size_t)conns, sizeof(*slots));
    double *lat = calloc((size_t)total, sizeof(*lat));
    char url[1024];
    long started = 0, done = 0, not200 = 0;
    size_t bytes = 0;
    double t_start = now_s();
    if (slots == NULL || lat == NULL)
        return 1;
    for (long i = 0; i < conns; i++) {
        struct slot *s = &slots[i];
        s->e = curl_easy_init();
        if (ca != NULL)
            curl_easy_setopt(s->e, CURLOPT_CAINFO, ca);
        if (cookie != NULL)
            curl_easy_setopt(s->e, CURLOPT_COOKIE, cookie);
        curl_easy_setopt(s->e, CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(s->e, CURLOPT_WRITEDATA, s);
        curl_easy_setopt(s->e, CURLOPT_PRIVATE, s);
        curl_easy_setopt(s->e, CURLOPT_TIMEOUT, 120L);
    }
    for (long i = 0; i < conns && started < total; i++) {
        struct slot *s = &slots[i];
        snprintf(url, sizeof(url), "%s%s", bases[started % nbases], path);
        curl_easy_setopt(s->e, CURLOPT_URL, url);
        s->t0 = now_s();
        s->bytes = 0;
        curl_multi_add_handle(m, s->e);
        started++;
    }
    while (done < total) {
        int running = 0, left = 0;
        CURLMsg *msg;
        curl_multi_perform(m, &running);
        curl_multi_poll(m, NULL, 0, 100, NULL);
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            struct slot *s = NULL;
            long code = 0;
            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            curl_easy_getinfo(msg->easy_handle, CURLINFO_RESPONSE_CODE, &code);
            if (msg->data.result != CURLE_OK || code != 200)
                not200++;
            lat[done++] = now_s() - s->t0;
            bytes += s->bytes;
            curl_multi_remove_handle(m, s->e);
            if (started < total) {
                snprintf(url, sizeof(url), "%s%s", bases[started % nbases], path);
                curl_easy_setopt(s->e, CURLOPT_URL, url);
                s->t0 = now_s();
                s->bytes = 0;
                curl_multi_add_handle(m, s->e);
                started++;
            }
        }
    }
    double el = now_s() - t_start;
    qsort(lat, (size_t)total, sizeof(*lat), cmp);
    printf("path=%s processes=%d conns=%ld requests=%ld seconds=%.2f req/s=%.1f "
           "p50_ms=%.2f p99_ms=%.2f max_ms=%.2f bytes/answer=%zu not_200=%ld\n",
           path, nbases, conns, total, el, (double)total / el, lat[total / 2] * 1e3,
           lat[(size_t)((double)total * 0.99)] * 1e3, lat[total - 1] * 1e3, bytes / (size_t)total,
           not200);
    for (long i = 0; i < conns; i++)
        curl_easy_cleanup(slots[i].e);
    curl_multi_cleanup(m);
    curl_global_cleanup();
    free(slots);
    free(lat);
    return not200 > 0 ? 1 : 0;
}
