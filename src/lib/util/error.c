/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/error.c -- the thread-local "last error" (libgit2's giterr model) and
 * the log callback. Messages are one line and must never carry a personal
 * value: callers format object names, offsets and counts, never content.
 */
#include "util/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#define AZK_ERRMSG_MAX 512

static _Thread_local char err_msg[AZK_ERRMSG_MAX];
static _Thread_local azk_error err_last = {AZK_OK, ""};

static azk_log_cb log_cb;
static void *log_payload;

const azk_error *azk_error_last(void)
{
    err_last.message = err_msg;
    return &err_last;
}

void azk_error_clear(void)
{
    err_last.code = AZK_OK;
    err_msg[0] = '\0';
}

azk_status azk_error_setv(azk_status code, const char *fmt, va_list ap)
{
    int n = vsnprintf(err_msg, sizeof(err_msg), fmt, ap);
    if (n < 0)
        err_msg[0] = '\0';
    /* one line: fold any newline the caller let through */
    for (char *p = err_msg; *p != '\0'; p++) {
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    }
    err_last.code = code;
    return code;
}

azk_status azk_error_set(azk_status code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    azk_error_setv(code, fmt, ap);
    va_end(ap);
    return code;
}

azk_status azk_error_nomem(void)
{
    return azk_error_set(AZK_ERR_NOMEM, "out of memory");
}

azk_status azk_error_errno(const char *what)
{
    int e = errno;
    char buf[128];
    azk_status code = AZK_ERR_IO;
    if (e == ENOMEM)
        code = AZK_ERR_NOMEM;
    else if (e == EACCES || e == EPERM)
        code = AZK_ERR_PERM;
    else if (e == ENOENT)
        code = AZK_ERR_NOTFOUND;
    return azk_error_set(code, "%s: %s", what, azk_strerror(e, buf, sizeof(buf)));
}

const char *azk_strerror(int e, char *buf, size_t n)
{
    /* GNU strerror_r: returns a static string or one written into buf */
    const char *s = strerror_r(e, buf, n);
    if (s != buf && n > 0)
        snprintf(buf, n, "%s", s != NULL ? s : "unknown error");
    return buf;
}

const char *azk_status_name(azk_status st)
{
    static const char *const names[] = {
        "ok",       "nomem",  "arg",       "io", "format",      "limit",
        "notfound", "crypto", "integrity", "db", "unsupported", "perm",
    };
    if ((unsigned)st >= sizeof(names) / sizeof(names[0]))
        return "unknown";
    return names[st];
}

void azk_log_set_callback(azk_log_cb cb, void *payload)
{
    log_cb = cb;
    log_payload = payload;
}

void azk_log(azk_log_level level, const char *fmt, ...)
{
    char msg[AZK_ERRMSG_MAX];
    va_list ap;
    if (log_cb == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    log_cb(level, msg, log_payload);
}

uint64_t azk_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

const char *azk_version(void)
{
    return AZK_VERSION_STRING;
}
