/* SPDX-License-Identifier: Apache-2.0 */
/*
 * extract/main.c -- azukari-extract, the sandboxed extraction helper. The
 * library (decode/helper.c) starts one per PDF / OLE2 / RTF object, writes
 * the object's bytes to its stdin and reads frames (decode_int.h, "Helper
 * protocol") from its stdout. Before it reads a byte the helper confines
 * itself for good (sandbox/sandbox.c): no descriptors but the pipes, no
 * new privileges, memory / CPU / file-size limits, landlock read-only
 * access to the CMap and font trees, a seccomp allow-list (no network, no
 * exec, no fork, no open for writing). Errors become an 'E' frame; a crash
 * or a limit hit is seen by the parent as the process's end.
 *
 * Usage: azukari-extract [--cpu S] [--mem BYTES] [--max-input BYTES]
 *                        [--selftest socket|write|read|exec|mem|cpu|uid]
 * --selftest runs one forbidden act after confinement (the sandbox's
 * tests): the helper must die (SIGSYS), fail (EACCES) or hit its limit.
 * This program links poppler (GPL): the combined program is GPL-3; the
 * library and the CLI, which only talk to it over a pipe, stay Apache-2.0.
 */
#include "extract/extract.h"
#include "sandbox/sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
/* Sanitizer builds (tests): LeakSanitizer's exit-time check needs ptrace, which the
 * sandbox forbids; the helper is short-lived and its leaks are found by the fuzzers. */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "detect_leaks=0";
}
#endif

static uint64_t parse_u64(const char *s, uint64_t dflt)
{
    char *end = NULL;
    unsigned long long v;
    if (s == NULL)
        return dflt;
    v = strtoull(s, &end, 10);
    if (end == NULL || *end != '\0' || end == s)
        return dflt;
    return (uint64_t)v;
}

/* One forbidden act; returns only when the sandbox let it fail softly. */
static int selftest(const char *what)
{
    if (strcmp(what, "socket") == 0) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        if (s >= 0)
            (void)close(s);
        return s >= 0 ? 10 : 0;
    }
    if (strcmp(what, "write") == 0) {
        int fd = open("/tmp/azukari-extract-selftest", O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (fd >= 0)
            (void)close(fd);
        return fd >= 0 ? 10 : 0;
    }
    if (strcmp(what, "read") == 0) {
        /* outside the read-only trees: landlock refuses (EACCES) */
        int fd = open("/etc/hostname", O_RDONLY);
        int e = errno;
        if (fd >= 0)
            (void)close(fd);
        return fd >= 0 ? 10 : (e == EACCES ? 0 : 11);
    }
    if (strcmp(what, "exec") == 0) {
        char *argv[] = {(char *)(uintptr_t) "/bin/true", NULL};
        (void)execv("/bin/true", argv);
        return 10;
    }
    if (strcmp(what, "mem") == 0) {
        /* a decompression bomb's effect: memory until the limit */
        size_t total = 0;
        for (;;) {
            char *p = malloc((size_t)64 << 20);
            if (p == NULL)
                return total > 0 ? 0 : 11;
            memset(p, 1, (size_t)64 << 20);
            total += (size_t)64 << 20;
            if (total > ((size_t)64 << 30))
                return 10;
        }
    }
    if (strcmp(what, "uid") == 0)
        return geteuid() != 0 && getuid() != 0 ? 0 : 10;
    if (strcmp(what, "cpu") == 0) {
        volatile unsigned long x = 0;
        for (;;)
            x++;
    }
    return 12;
}

int main(int argc, char **argv)
{
    static const char *const read_paths[] = {"/usr/share/poppler", "/usr/lib", NULL};
    static const azk_decode_options defaults = AZK_DECODE_OPTIONS_INIT;
    struct azk_sandbox_limits lim;
    struct azk_sandbox_report rep;
    struct azk_frame_writer w;
    struct azk_decode_ctx ctx;
    azk_decode_sink sink;
    azk_buf in = AZK_BUF_INIT;
    const char *test = NULL;
    azk_status rc;
    int i, ret = 0;

    memset(&lim, 0, sizeof(lim));
    lim.mem_bytes = AZK_HELPER_MEM;
    lim.cpu_seconds = AZK_HELPER_CPU;
    lim.read_paths = read_paths;
    in.max = AZK_HELPER_MAX_INPUT;
    for (i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(argv[i], "--cpu") == 0 && v != NULL) {
            lim.cpu_seconds = (unsigned)parse_u64(v, AZK_HELPER_CPU);
            i++;
        } else if (strcmp(argv[i], "--mem") == 0 && v != NULL) {
            lim.mem_bytes = parse_u64(v, AZK_HELPER_MEM);
            i++;
        } else if (strcmp(argv[i], "--max-input") == 0 && v != NULL) {
            in.max = (size_t)parse_u64(v, AZK_HELPER_MAX_INPUT);
            i++;
        } else if (strcmp(argv[i], "--selftest") == 0 && v != NULL) {
            test = v;
            i++;
        } else {
            (void)fprintf(stderr, "usage: azukari-extract [--cpu S] [--mem BYTES] "
                                  "[--max-input BYTES] [--selftest WHAT]\n");
            return 2;
        }
    }
    azk_decode__frame_writer_init(&w, 1, &sink);
    rc = azk_sandbox__enter(&lim, &rep);
    if (rc != AZK_OK) {
        /* never parse unconfined */
        azk_decode__frame_error(&w, AZK_ERR_UNSUPPORTED, azk_error_last()->message);
        ret = 3;
        goto done;
    }
    if (test != NULL) {
        ret = selftest(test);
        goto done;
    }
    for (;;) {
        uint8_t chunk[16384];
        ssize_t k = read(0, chunk, sizeof(chunk));
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            azk_decode__frame_error(&w, AZK_ERR_IO, "extraction helper: read failed");
            goto done;
        }
        if (k == 0)
            break;
        rc = azk_buf_put(&in, chunk, (size_t)k);
        if (rc != AZK_OK) {
            azk_decode__frame_error(&w, rc,
                                    rc == AZK_ERR_LIMIT
                                        ? "object too large for the extraction helper"
                                        : "extraction helper: out of memory");
            goto done;
        }
    }
    memset(&ctx, 0, sizeof(ctx));
    ctx.opts = &defaults;
    ctx.sink = &sink;
    ctx.max_depth = defaults.max_depth;
    rc = azk_extract__any(&ctx, in.data, in.len);
    if (rc != AZK_OK) {
        azk_decode__frame_error(&w, rc, azk_error_last()->message);
        goto done;
    }
    if (azk_decode__frame_finish(&w) != AZK_OK)
        ret = 4;
done:
    azk_decode__frame_writer_dispose(&w);
    azk_buf_dispose(&in);
    return ret;
}
