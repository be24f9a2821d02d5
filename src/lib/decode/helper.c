/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/helper.c -- the parent side of the extraction helper
 * (azukari-extract, src/extract/): the formats whose parsers are the most
 * dangerous to run on untrusted bytes (PDF, OLE2 .xls/.doc/.ppt, RTF) are
 * read in a separate, sandboxed process. This file finds the helper,
 * starts it with posix_spawn, streams the object's bytes to its stdin,
 * reads its frames from stdout (poll, both directions at once, a
 * wall-clock deadline), turns the frames back into records and maps how
 * the helper ended -- done, error frame, crash, signal, limit -- to an
 * error of this one object. The frame codec of both sides is here too, so
 * the two cannot drift apart.
 *
 * The helper is treated as hostile once it has read the input: every frame
 * is checked (lengths, UTF-8, known format names and status codes) before
 * anything of it reaches detect, and a malformed reply is an error of the
 * object. Error messages of the helper are reduced to printable ASCII.
 */
#include "decode/decode_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef AZK_LIBEXECDIR
#define AZK_LIBEXECDIR "/usr/local/libexec"
#endif

#define HELPER_NAME "azukari-extract"

/* ---- frame codec --------------------------------------------------------------- */

static void put_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static azk_status buf_u32(azk_buf *b, uint32_t v)
{
    uint8_t t[4];
    put_u32(t, v);
    return azk_buf_put(b, t, 4);
}

static azk_status buf_u64(azk_buf *b, uint64_t v)
{
    azk_status rc = buf_u32(b, (uint32_t)v);
    if (rc != AZK_OK)
        return rc;
    return buf_u32(b, (uint32_t)(v >> 32));
}

static azk_status buf_str(azk_buf *b, const char *s, size_t n)
{
    azk_status rc;
    if (n > UINT32_MAX)
        return azk_error_set(AZK_ERR_LIMIT, "helper: string too long for a frame");
    rc = buf_u32(b, (uint32_t)n);
    if (rc != AZK_OK || n == 0)
        return rc;
    return azk_buf_put(b, s, n);
}

static void writer_flush(struct azk_frame_writer *w)
{
    size_t off = 0;
    while (w->err == AZK_OK && off < w->out.len) {
        ssize_t k = write(w->fd, w->out.data + off, w->out.len - off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            w->err = azk_error_set(AZK_ERR_IO, "helper: write: %s", strerror(errno));
            break;
        }
        off += (size_t)k;
    }
    azk_buf_clear(&w->out);
}

/* Start a frame: type + a length patched by frame_end. Returns the length's offset. */
static size_t frame_begin(struct azk_frame_writer *w, uint8_t type)
{
    size_t at;
    uint8_t hdr[5] = {type, 0, 0, 0, 0};
    if (w->err != AZK_OK)
        return 0;
    at = w->out.len;
    if (azk_buf_put(&w->out, hdr, sizeof(hdr)) != AZK_OK)
        w->err = AZK_ERR_NOMEM;
    return at;
}

static void frame_end(struct azk_frame_writer *w, size_t at)
{
    size_t n;
    if (w->err != AZK_OK)
        return;
    n = w->out.len - at - 5;
    if (n > AZK_HELPER_FRAME_MAX) {
        w->err = azk_error_set(AZK_ERR_LIMIT, "helper: record over %zu bytes",
                               (size_t)AZK_HELPER_FRAME_MAX);
        return;
    }
    put_u32(w->out.data + at + 1, (uint32_t)n);
    if (w->out.len >= AZK_DECODE_CHUNK)
        writer_flush(w);
}

static void fw_format(void *payload, const char *format, const char *encoding)
{
    struct azk_frame_writer *w = payload;
    size_t at = frame_begin(w, 'F');
    (void)encoding;
    if (w->err == AZK_OK && azk_buf_puts(&w->out, format) != AZK_OK)
        w->err = AZK_ERR_NOMEM;
    frame_end(w, at);
}

static azk_status fw_record(void *payload, const azk_record *rec)
{
    struct azk_frame_writer *w = payload;
    size_t at = frame_begin(w, 'R'), i;
    uint8_t flags =
        (uint8_t)((rec->tabular ? 1 : 0) | (rec->is_header ? 2 : 0) | (rec->continued ? 4 : 0));
    azk_status rc = w->err;
    if (rc != AZK_OK)
        return rc;
    rc = buf_u64(&w->out, rec->line);
    if (rc == AZK_OK)
        rc = buf_u64(&w->out, rec->row);
    if (rc == AZK_OK)
        rc = buf_u32(&w->out, rec->page);
    if (rc == AZK_OK)
        rc = azk_buf_put(&w->out, &flags, 1);
    if (rc == AZK_OK)
        rc = buf_str(&w->out, rec->sheet, rec->sheet != NULL ? strlen(rec->sheet) : 0);
    if (rc == AZK_OK)
        rc = buf_u32(&w->out, (uint32_t)rec->field_count);
    for (i = 0; rc == AZK_OK && i < rec->field_count; i++) {
        const azk_field *f = &rec->fields[i];
        rc = buf_u32(&w->out, f->col);
        if (rc == AZK_OK)
            rc = buf_str(&w->out, f->header, f->header != NULL ? f->header_len : 0);
        if (rc == AZK_OK)
            rc = buf_str(&w->out, f->ptr, f->len);
    }
    if (rc != AZK_OK) {
        w->err = rc;
        return rc;
    }
    frame_end(w, at);
    return w->err;
}

void azk_decode__frame_writer_init(struct azk_frame_writer *w, int fd, azk_decode_sink *sink)
{
    memset(w, 0, sizeof(*w));
    w->fd = fd;
    w->err = AZK_OK;
    memset(sink, 0, sizeof(*sink));
    sink->object_format = fw_format;
    sink->record = fw_record;
    sink->payload = w;
}

void azk_decode__frame_error(struct azk_frame_writer *w, azk_status code, const char *msg)
{
    size_t at;
    w->err = AZK_OK; /* an error frame is worth trying even after a failed record */
    at = frame_begin(w, 'E');
    if (w->err == AZK_OK && (buf_u32(&w->out, (uint32_t)code) != AZK_OK ||
                             azk_buf_puts(&w->out, msg != NULL ? msg : "") != AZK_OK))
        w->err = AZK_ERR_NOMEM;
    frame_end(w, at);
    writer_flush(w);
}

azk_status azk_decode__frame_finish(struct azk_frame_writer *w)
{
    size_t at = frame_begin(w, 'D');
    frame_end(w, at);
    writer_flush(w);
    return w->err;
}

void azk_decode__frame_writer_dispose(struct azk_frame_writer *w)
{
    azk_buf_dispose(&w->out);
}

/* ---- frame parser (parent side) ------------------------------------------------------ */

azk_status azk_decode__frames_init(struct azk_frames *fr, struct azk_decode_ctx *ctx)
{
    memset(fr, 0, sizeof(*fr));
    fr->ctx = ctx;
    fr->in.max = AZK_HELPER_FRAME_MAX + 5;
    fr->fields = azk_calloc(AZK_DECODE_MAX_FIELDS, sizeof(azk_field));
    if (fr->fields == NULL)
        return azk_error_nomem();
    return AZK_OK;
}

void azk_decode__frames_dispose(struct azk_frames *fr)
{
    azk_buf_dispose(&fr->in);
    azk_free(fr->fields);
    fr->fields = NULL;
}

static azk_status bad_reply(const char *what)
{
    return azk_error_set(AZK_ERR_FORMAT, "extraction helper: malformed reply (%s)", what);
}

static bool get_str(azk_reader *r, const uint8_t **p, uint32_t *n)
{
    if (azk_reader_u32le(r, n) != AZK_OK || azk_reader_bytes(r, *n, p) != AZK_OK)
        return false;
    return azk_utf8_valid(*p, *n);
}

/* Format names the helper may announce: static strings for the sink. */
static const char *const helper_formats[] = {"pdf", "xls", "doc", "ppt", "ole2", "rtf"};

static azk_status frame_format(struct azk_frames *fr, const uint8_t *p, size_t n)
{
    size_t i;
    for (i = 0; i < sizeof(helper_formats) / sizeof(helper_formats[0]); i++) {
        if (strlen(helper_formats[i]) == n && memcmp(helper_formats[i], p, n) == 0) {
            azk_decode__format(fr->ctx, helper_formats[i], NULL);
            return AZK_OK;
        }
    }
    return bad_reply("unknown format");
}

static azk_status frame_record(struct azk_frames *fr, const uint8_t *p, size_t n)
{
    azk_reader r;
    azk_record rec;
    uint64_t line, row;
    uint32_t page, count, slen, i;
    uint8_t flags;
    const uint8_t *sheet;

    azk_reader_init(&r, p, n);
    memset(&rec, 0, sizeof(rec));
    if (azk_reader_u32le(&r, &i) != AZK_OK) /* low half of line */
        return bad_reply("record");
    line = i;
    if (azk_reader_u32le(&r, &i) != AZK_OK)
        return bad_reply("record");
    line |= (uint64_t)i << 32;
    if (azk_reader_u32le(&r, &i) != AZK_OK)
        return bad_reply("record");
    row = i;
    if (azk_reader_u32le(&r, &i) != AZK_OK)
        return bad_reply("record");
    row |= (uint64_t)i << 32;
    if (azk_reader_u32le(&r, &page) != AZK_OK || azk_reader_u8(&r, &flags) != AZK_OK || flags > 7 ||
        !get_str(&r, &sheet, &slen) || slen >= sizeof(fr->sheet) ||
        memchr(sheet, 0, slen) != NULL || azk_reader_u32le(&r, &count) != AZK_OK ||
        count > AZK_DECODE_MAX_FIELDS)
        return bad_reply("record");
    for (i = 0; i < count; i++) {
        azk_field *f = &fr->fields[i];
        const uint8_t *h, *v;
        uint32_t hl, vl;
        memset(f, 0, sizeof(*f));
        if (azk_reader_u32le(&r, &f->col) != AZK_OK || !get_str(&r, &h, &hl) ||
            !get_str(&r, &v, &vl))
            return bad_reply("field");
        if (hl > 0) {
            f->header = (const char *)h;
            f->header_len = hl;
        }
        f->ptr = (const char *)v;
        f->len = vl;
    }
    if (azk_reader_left(&r) != 0)
        return bad_reply("record length");
    rec.line = line;
    rec.row = row;
    rec.page = page;
    rec.tabular = (flags & 1) != 0;
    rec.is_header = (flags & 2) != 0;
    rec.continued = (flags & 4) != 0;
    rec.fields = fr->fields;
    rec.field_count = count;
    if (slen > 0) {
        memcpy(fr->sheet, sheet, slen);
        fr->sheet[slen] = '\0';
        rec.sheet = fr->sheet;
    }
    return azk_decode__emit(fr->ctx, &rec);
}

static azk_status frame_error(struct azk_frames *fr, const uint8_t *p, size_t n)
{
    uint32_t code;
    size_t i, k = 0;
    if (n < 4)
        return bad_reply("error");
    memcpy(&code, p, 4);
    code = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    if (code == AZK_OK || code > AZK_ERR_UNSUPPORTED)
        return bad_reply("error code");
    fr->have_error = true;
    fr->error_code = (azk_status)code;
    for (i = 4; i < n && k + 1 < sizeof(fr->error_msg); i++)
        fr->error_msg[k++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    fr->error_msg[k] = '\0';
    return AZK_OK;
}

azk_status azk_decode__frames_feed(struct azk_frames *fr, const uint8_t *p, size_t n)
{
    azk_status rc = AZK_OK;
    size_t off = 0; /* frames before this were handled; consumed once at the end */
    if (n > 0) {
        rc = azk_buf_put(&fr->in, p, n);
        if (rc == AZK_ERR_LIMIT)
            return bad_reply("frame too long");
        if (rc != AZK_OK)
            return rc;
    }
    for (;;) {
        const uint8_t *d = fr->in.data + off;
        size_t avail = fr->in.len - off;
        uint32_t len;
        uint8_t type;
        if (avail < 5)
            break;
        type = d[0];
        len = (uint32_t)d[1] | (uint32_t)d[2] << 8 | (uint32_t)d[3] << 16 | (uint32_t)d[4] << 24;
        if (len > AZK_HELPER_FRAME_MAX) {
            rc = bad_reply("frame too long");
            break;
        }
        if (fr->done || fr->have_error) {
            rc = bad_reply("data after the end");
            break;
        }
        if (avail - 5 < len)
            break;
        switch (type) {
            case 'F':
                rc = frame_format(fr, d + 5, len);
                break;
            case 'R':
                rc = frame_record(fr, d + 5, len);
                break;
            case 'E':
                rc = frame_error(fr, d + 5, len);
                break;
            case 'D':
                rc = len == 0 ? AZK_OK : bad_reply("done");
                fr->done = true;
                break;
            default:
                rc = bad_reply("unknown frame");
                break;
        }
        if (rc != AZK_OK)
            break;
        off += (size_t)len + 5;
    }
    if (off > 0)
        azk_buf_consume(&fr->in, off);
    return rc;
}

/* ---- finding and running the helper ----------------------------------------------------- */

/* Looked up per object (a few stat calls against a process start): a helper
 * installed or removed while an agent runs is seen at once. */
static _Thread_local char helper_path[PATH_MAX];

static bool executable(const char *p)
{
    return p != NULL && p[0] == '/' && access(p, X_OK) == 0;
}

static void find_helper(void)
{
    const char *env = getenv("AZUKARI_EXTRACT_HELPER");
    char self[PATH_MAX];
    ssize_t k;
    helper_path[0] = '\0';
    if (env != NULL && env[0] != '\0') {
        /* explicit choice (tests, unusual installs): used as given, or nothing */
        if (executable(env) && strlen(env) < sizeof(helper_path))
            (void)snprintf(helper_path, sizeof(helper_path), "%s", env);
        return;
    }
    /* beside the running executable (build tree, bin/ of an install) */
    k = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (k > 0) {
        char *slash;
        self[k] = '\0';
        slash = strrchr(self, '/');
        if (slash != NULL && (size_t)(slash - self) + sizeof("/" HELPER_NAME) <= sizeof(self)) {
            char cand[PATH_MAX];
            (void)snprintf(cand, sizeof(cand), "%.*s/%s", (int)(slash - self), self, HELPER_NAME);
            if (executable(cand)) {
                (void)snprintf(helper_path, sizeof(helper_path), "%s", cand);
                return;
            }
        }
    }
    if (executable(AZK_LIBEXECDIR "/azukari/" HELPER_NAME))
        (void)snprintf(helper_path, sizeof(helper_path), "%s",
                       AZK_LIBEXECDIR "/azukari/" HELPER_NAME);
}

const char *azk_decode__helper_path(void)
{
    find_helper();
    return helper_path[0] != '\0' ? helper_path : NULL;
}

static unsigned env_seconds(const char *name, unsigned dflt)
{
    const char *v = getenv(name);
    char *end = NULL;
    unsigned long n;
    if (v == NULL || v[0] == '\0')
        return dflt;
    n = strtoul(v, &end, 10);
    if (end == NULL || *end != '\0' || n == 0 || n > 86400)
        return dflt;
    return (unsigned)n;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

struct run {
    pid_t pid;
    int in_fd;  /* helper's stdin (we write) */
    int out_fd; /* helper's stdout (we read) */
};

extern char **environ;

/*
 * Environment for the helper: nothing but UBSan's settings of test builds.
 * ASAN_OPTIONS / LSAN_OPTIONS stay behind: a detect_leaks=1 there would
 * override the helper's own default (LeakSanitizer's exit-time check uses
 * ptrace, which the sandbox kills as a forbidden system call).
 */
static void helper_env(char **envp, size_t cap)
{
    static const char *const keep[] = {"UBSAN_OPTIONS="};
    size_t n = 0, i;
    char **e;
    for (e = environ; e != NULL && *e != NULL && n + 1 < cap; e++)
        for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
            if (strncmp(*e, keep[i], strlen(keep[i])) == 0)
                envp[n++] = *e;
    envp[n] = NULL;
}

static azk_status spawn_helper(struct run *run, const char *path, unsigned cpu)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;
    char cpu_arg[16], mem_arg[32], max_arg[32];
    char *argv[8];
    char *envp[4];
    azk_status rc = AZK_ERR_IO;
    int e;

    run->pid = -1;
    run->in_fd = run->out_fd = -1;
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
        rc = azk_error_set(AZK_ERR_IO, "extraction helper: pipe: %s", strerror(errno));
        goto fail;
    }
    (void)snprintf(cpu_arg, sizeof(cpu_arg), "%u", cpu);
    (void)snprintf(mem_arg, sizeof(mem_arg), "%llu", (unsigned long long)AZK_HELPER_MEM);
    (void)snprintf(max_arg, sizeof(max_arg), "%llu", (unsigned long long)AZK_HELPER_MAX_INPUT);
    argv[0] = (char *)(uintptr_t)HELPER_NAME;
    argv[1] = (char *)(uintptr_t) "--cpu";
    argv[2] = cpu_arg;
    argv[3] = (char *)(uintptr_t) "--mem";
    argv[4] = mem_arg;
    argv[5] = (char *)(uintptr_t) "--max-input";
    argv[6] = max_arg;
    argv[7] = NULL;
    helper_env(envp, sizeof(envp) / sizeof(envp[0]));
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    e = posix_spawn(&run->pid, path, &fa, &attr, argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (e != 0) {
        run->pid = -1;
        rc = azk_error_set(AZK_ERR_IO, "extraction helper: cannot start: %s", strerror(e));
        goto fail;
    }
    (void)close(in[0]);
    (void)close(out[1]);
    run->in_fd = in[1];
    run->out_fd = out[0];
    (void)fcntl(run->in_fd, F_SETFL, O_NONBLOCK);
    (void)fcntl(run->out_fd, F_SETFL, O_NONBLOCK);
    return AZK_OK;
fail:
    if (in[0] >= 0)
        (void)close(in[0]);
    if (in[1] >= 0)
        (void)close(in[1]);
    if (out[0] >= 0)
        (void)close(out[0]);
    if (out[1] >= 0)
        (void)close(out[1]);
    return rc;
}

/* Wait for the helper to end (killing it when it will not), return its wait status. */
static int reap(struct run *run, bool kill_now)
{
    int status = 0, i;
    if (run->pid <= 0)
        return 0;
    if (kill_now)
        (void)kill(run->pid, SIGKILL);
    for (i = 0; i < 2000; i++) {
        pid_t w = waitpid(run->pid, &status, WNOHANG);
        if (w == run->pid || (w < 0 && errno != EINTR)) {
            run->pid = -1;
            return status;
        }
        if (i == 1000) /* closed its output but lingers: 1 s is enough */
            (void)kill(run->pid, SIGKILL);
        {
            struct timespec ts = {0, 1000000};
            (void)nanosleep(&ts, NULL);
        }
    }
    (void)kill(run->pid, SIGKILL);
    while (waitpid(run->pid, &status, 0) < 0 && errno == EINTR)
        ;
    run->pid = -1;
    return status;
}

/* The helper's end, as an error of the object (AZK_OK when it finished cleanly). */
static azk_status judge(const char *name, int status, const struct azk_frames *fr)
{
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        if (sig == SIGSYS)
            return azk_error_set(AZK_ERR_FORMAT,
                                 "%s: extraction helper stopped by its sandbox (forbidden "
                                 "system call)",
                                 name);
        if (sig == SIGXCPU)
            return azk_error_set(AZK_ERR_LIMIT, "%s: extraction helper hit its CPU limit (%u s)",
                                 name, env_seconds("AZUKARI_EXTRACT_CPU", AZK_HELPER_CPU));
        if (sig == SIGKILL)
            return azk_error_set(AZK_ERR_LIMIT, "%s: extraction helper was killed", name);
        return azk_error_set(AZK_ERR_FORMAT,
                             "%s: extraction helper crashed or ran out of memory (signal %d)", name,
                             sig);
    }
    if (fr->have_error)
        return azk_error_set(fr->error_code, "%s", fr->error_msg);
    if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        return azk_error_set(AZK_ERR_FORMAT, "%s: extraction helper failed (exit %d)", name,
                             WEXITSTATUS(status));
    if (!fr->done)
        return azk_error_set(AZK_ERR_FORMAT, "%s: extraction helper reply ended early", name);
    return AZK_OK;
}

/*
 * Pump: source -> helper stdin, helper stdout -> frames, until the helper
 * closes its output or the deadline passes. SIGPIPE is blocked by the caller.
 */
static azk_status pump(struct run *run, azk_source *src, struct azk_frames *fr, const char *name,
                       unsigned timeout_s, bool *timed_out)
{
    uint8_t *inbuf = NULL, *outbuf = NULL;
    size_t in_len = 0, in_pos = 0;
    uint64_t sent = 0;
    bool src_eof = false;
    int64_t deadline = now_ms() + (int64_t)timeout_s * 1000;
    azk_status rc = AZK_OK;

    *timed_out = false;
    inbuf = azk_malloc(AZK_DECODE_CHUNK);
    outbuf = azk_malloc(AZK_DECODE_CHUNK);
    if (inbuf == NULL || outbuf == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    while (run->out_fd >= 0) {
        struct pollfd pfd[2];
        int np = 0, left, k;
        int64_t t = now_ms();
        if (t >= deadline) {
            *timed_out = true;
            rc = azk_error_set(AZK_ERR_LIMIT, "%s: extraction helper gave no answer within %u s",
                               name, timeout_s);
            goto done;
        }
        left = (int)(deadline - t);
        /* refill from the source */
        if (run->in_fd >= 0 && in_pos == in_len && !src_eof) {
            size_t got = 0;
            rc = src->read(src->ctx, inbuf, AZK_DECODE_CHUNK, &got);
            if (rc != AZK_OK)
                goto done;
            in_len = got;
            in_pos = 0;
            if (got == 0) {
                src_eof = true;
            } else {
                sent += got;
                if (sent > AZK_HELPER_MAX_INPUT) {
                    rc = azk_error_set(AZK_ERR_LIMIT, "%s: larger than %llu bytes", name,
                                       (unsigned long long)AZK_HELPER_MAX_INPUT);
                    goto done;
                }
            }
        }
        if (run->in_fd >= 0 && src_eof && in_pos == in_len) {
            (void)close(run->in_fd); /* end of object: EOF for the helper */
            run->in_fd = -1;
        }
        pfd[np].fd = run->out_fd;
        pfd[np].events = POLLIN;
        pfd[np].revents = 0;
        np++;
        if (run->in_fd >= 0) {
            pfd[np].fd = run->in_fd;
            pfd[np].events = POLLOUT;
            pfd[np].revents = 0;
            np++;
        }
        k = poll(pfd, (nfds_t)np, left);
        if (k < 0 && errno != EINTR) {
            rc = azk_error_set(AZK_ERR_IO, "extraction helper: poll: %s", strerror(errno));
            goto done;
        }
        if (k <= 0)
            continue;
        if (np > 1 && (pfd[1].revents & (POLLOUT | POLLERR | POLLHUP)) != 0) {
            ssize_t w = write(run->in_fd, inbuf + in_pos, in_len - in_pos);
            if (w > 0) {
                in_pos += (size_t)w;
            } else if (w < 0 && errno != EAGAIN && errno != EINTR) {
                /* EPIPE: the helper stopped reading (died, or refused the size) */
                (void)close(run->in_fd);
                run->in_fd = -1;
            }
        }
        if ((pfd[0].revents & (POLLIN | POLLERR | POLLHUP)) != 0) {
            ssize_t r = read(run->out_fd, outbuf, AZK_DECODE_CHUNK);
            if (r > 0) {
                rc = azk_decode__frames_feed(fr, outbuf, (size_t)r);
                if (rc != AZK_OK)
                    goto done;
            } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                (void)close(run->out_fd);
                run->out_fd = -1;
            }
        }
    }
    if (fr->in.len > 0 && !fr->have_error)
        rc = azk_error_set(AZK_ERR_FORMAT, "%s: extraction helper reply cut in a frame", name);
done:
    azk_free(inbuf);
    azk_free(outbuf);
    return rc;
}

azk_status azk_decode__helper(struct azk_decode_ctx *ctx, struct azk_peek *pk, const char *name)
{
    const char *path = azk_decode__helper_path();
    struct azk_frames fr;
    struct run run = {-1, -1, -1};
    sigset_t pipe_set, old_set, pending;
    azk_status rc, end;
    bool timed_out = false, pipe_was_pending;
    unsigned timeout_s = env_seconds("AZUKARI_EXTRACT_TIMEOUT", AZK_HELPER_TIMEOUT);
    unsigned cpu_s = env_seconds("AZUKARI_EXTRACT_CPU", AZK_HELPER_CPU);
    int status;

    azk_decode__format(ctx, name, NULL);
    if (path == NULL)
        return azk_error_set(AZK_ERR_UNSUPPORTED,
                             "%s: text extraction helper (" HELPER_NAME ") not installed", name);
    rc = azk_decode__frames_init(&fr, ctx);
    if (rc != AZK_OK)
        return rc;
    /* a helper that dies while we write must not kill the scan with SIGPIPE */
    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    sigpending(&pending);
    pipe_was_pending = sigismember(&pending, SIGPIPE) == 1;
    (void)pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);

    rc = spawn_helper(&run, path, cpu_s);
    if (rc == AZK_OK)
        rc = pump(&run, &pk->as_source, &fr, name, timeout_s, &timed_out);
    if (run.in_fd >= 0)
        (void)close(run.in_fd);
    if (run.out_fd >= 0)
        (void)close(run.out_fd);
    status = reap(&run, rc != AZK_OK);
    ctx->helper_nodoc = false;
    if (rc == AZK_OK) {
        end = judge(name, status, &fr);
        rc = end;
        ctx->helper_nodoc = rc == AZK_ERR_FORMAT && fr.have_error && WIFEXITED(status);
    }
    if (!pipe_was_pending) {
        struct timespec zero = {0, 0};
        sigpending(&pending);
        if (sigismember(&pending, SIGPIPE) == 1)
            (void)sigtimedwait(&pipe_set, NULL, &zero);
    }
    (void)pthread_sigmask(SIG_SETMASK, &old_set, NULL);
    azk_decode__frames_dispose(&fr);
    (void)timed_out;
    return rc;
}
