/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard/watch_inotify.c -- how the watcher finds files in the outbox: an
 * inotify watch on every folder (close-after-write, moved-in, new
 * folders), a full rescan when the event queue overflows, and the names
 * never taken (hidden files, .part, .tmp, editor backups ending in ~).
 */
#include "guard/watch_int.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_WATCH 65536

bool azk_guard__skip_name(const char *name)
{
    size_t n = strlen(name);
    if (name[0] == '.')
        return true;
    if (n >= 5 && strcmp(name + n - 5, ".part") == 0)
        return true;
    if (n >= 4 && strcmp(name + n - 4, ".tmp") == 0)
        return true;
    if (n >= 1 && name[n - 1] == '~')
        return true;
    return false;
}

bool azk_guard__skip_rel(const char *rel)
{
    const char *p = rel;
    for (;;) {
        const char *slash = strchr(p, '/');
        char comp[NAME_MAX + 1];
        size_t n = slash != NULL ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || n > NAME_MAX)
            return true;
        memcpy(comp, p, n);
        comp[n] = '\0';
        if (azk_guard__skip_name(comp))
            return true;
        if (slash == NULL)
            return false;
        p = slash + 1;
    }
}

/* ---- inotify ------------------------------------------------------------------ */

static void add_watch(struct azk_guard_watcher *w, const char *rel)
{
    azk_buf p = AZK_BUF_INIT;
    int wd;
    if (azk_buf_printf(&p, "%s%s%s", w->outbox, rel[0] ? "/" : "", rel) != AZK_OK)
        goto done;
    wd = inotify_add_watch(w->ifd, (const char *)p.data,
                           IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ONLYDIR | IN_DONT_FOLLOW);
    if (wd < 0) {
        char eb[128];
        azk_log(AZK_LOG_WARN, "watch: cannot watch a folder (%s); it is rescanned periodically",
                azk_strerror(errno, eb, sizeof(eb)));
        goto done;
    }
    if ((size_t)wd >= w->wd_cap) {
        size_t nc = (size_t)wd + 64;
        char **nr;
        if (nc > MAX_WATCH)
            goto done;
        nr = azk_realloc(w->wd_rel, nc * sizeof(*nr));
        if (nr == NULL)
            goto done;
        memset(nr + w->wd_cap, 0, (nc - w->wd_cap) * sizeof(*nr));
        w->wd_rel = nr;
        w->wd_cap = nc;
    }
    azk_free(w->wd_rel[wd]);
    w->wd_rel[wd] = azk_strdup(rel);
done:
    azk_buf_dispose(&p);
}

void azk_guard__scan_dir(struct azk_guard_watcher *w, const char *rel, uint64_t due)
{
    azk_buf p = AZK_BUF_INIT, sub = AZK_BUF_INIT;
    DIR *d = NULL;
    struct dirent *e;
    if (w->ifd >= 0)
        add_watch(w, rel);
    if (azk_buf_printf(&p, "%s%s%s", w->outbox, rel[0] ? "/" : "", rel) != AZK_OK)
        goto done;
    d = opendir((const char *)p.data);
    if (d == NULL)
        goto done;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
            azk_guard__skip_name(e->d_name))
            continue;
        azk_buf_clear(&sub);
        if (azk_buf_printf(&sub, "%s%s%s", rel, rel[0] ? "/" : "", e->d_name) != AZK_OK)
            continue;
        {
            azk_buf full = AZK_BUF_INIT;
            int ok = azk_buf_printf(&full, "%s/%s", (const char *)p.data, e->d_name) == AZK_OK &&
                     lstat((const char *)full.data, &st) == 0;
            azk_buf_dispose(&full);
            if (!ok)
                continue;
        }
        if (S_ISDIR(st.st_mode))
            azk_guard__scan_dir(w, (const char *)sub.data, due);
        else if (S_ISREG(st.st_mode))
            azk_guard__enqueue(w, (const char *)sub.data, NULL, due);
    }
done:
    if (d != NULL)
        closedir(d);
    azk_buf_dispose(&p);
    azk_buf_dispose(&sub);
}

void azk_guard__read_events(struct azk_guard_watcher *w)
{
    char buf[64 * 1024] __attribute__((aligned(__alignof__(struct inotify_event))));
    for (;;) {
        ssize_t n = read(w->ifd, buf, sizeof(buf));
        char *p;
        if (n <= 0)
            return;
        for (p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)(void *)p;
            p += sizeof(*ev) + ev->len;
            if (ev->mask & IN_Q_OVERFLOW) {
                azk_log(AZK_LOG_WARN, "watch: inotify queue overflow: full rescan");
                azk_guard__scan_dir(w, "", azk_guard__mono_ms() + w->settle_ms);
                continue;
            }
            if (ev->wd < 0 || (size_t)ev->wd >= w->wd_cap || w->wd_rel[ev->wd] == NULL ||
                ev->len == 0 || azk_guard__skip_name(ev->name))
                continue;
            {
                azk_buf rel = AZK_BUF_INIT;
                const char *base = w->wd_rel[ev->wd];
                if (azk_buf_printf(&rel, "%s%s%s", base, base[0] ? "/" : "", ev->name) == AZK_OK) {
                    if (ev->mask & IN_ISDIR) {
                        if (ev->mask & (IN_CREATE | IN_MOVED_TO))
                            azk_guard__scan_dir(w, (const char *)rel.data,
                                                azk_guard__mono_ms() + w->settle_ms);
                    } else if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
                        azk_guard__enqueue(w, (const char *)rel.data, NULL,
                                           azk_guard__mono_ms() + w->settle_ms);
                    }
                }
                azk_buf_dispose(&rel);
            }
        }
    }
}
