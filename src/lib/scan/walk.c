/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan/walk.c -- recursive directory walk for the scanner.
 *
 * Symbolic links inside the tree are not followed unless asked (paths given
 * on the command line are, like find -H). Directory loops (bind mounts,
 * followed links) are detected by keeping the (device, inode) chain of the
 * ancestors. A directory that cannot be opened or read is an error for that
 * path, and the walk goes on with its siblings.
 */
#include "scan/walk.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct ancestor {
    dev_t dev;
    ino_t ino;
    const struct ancestor *up;
    unsigned depth; /* 1 for a top-level directory */
};

/* Directories this deep or less keep their descriptor open while their entries are
 * visited, so an entry is stat'ed relative to it (one name looked up, not the whole
 * path: a visible share of the cost per small file); deeper ones use the path, so
 * descriptors stay bounded. */
#define WALK_FD_DEPTH 32

/* A listed directory kept open for the workers: they open its files by name (openat),
 * one name looked up instead of the whole path. Closed by the last reference (the walk
 * holds one while it visits the entries, each queued file one). */
struct azk_walk_dir {
    DIR *d;
    int fd;
    _Atomic unsigned refs;
    _Atomic unsigned *count; /* the walk's count of open handles */
};

int azk_walk__dir_fd(const struct azk_walk_dir *d)
{
    return d->fd;
}

void azk_walk__dir_release(struct azk_walk_dir *d)
{
    if (d == NULL || atomic_fetch_sub(&d->refs, 1) != 1)
        return;
    closedir(d->d);
    atomic_fetch_sub(d->count, 1);
    azk_free(d);
}

/* A handle for the open directory d (taking it over), or NULL: the walk keeps d. */
static struct azk_walk_dir *dir_handle(DIR *d, const struct azk_walk_opts *o)
{
    struct azk_walk_dir *h;
    if (o->dir_handles == NULL || o->follow_symlinks ||
        atomic_load(o->dir_handles) >= o->dir_handle_cap)
        return NULL;
    h = azk_malloc(sizeof(*h)); /* a failure only means the files go by path */
    if (h == NULL)
        return NULL;
    h->d = d;
    h->fd = dirfd(d);
    atomic_init(&h->refs, 1);
    h->count = o->dir_handles;
    atomic_fetch_add(o->dir_handles, 1);
    return h;
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s != NULL && s[1] != '\0' ? s + 1 : p;
}

bool azk_walk__glob_match(const char *path, const char *const *globs, size_t count)
{
    const char *b = base_name(path);
    for (size_t i = 0; i < count; i++) {
        if (fnmatch(globs[i], path, 0) == 0 || fnmatch(globs[i], b, 0) == 0)
            return true;
    }
    return false;
}

static void report_errno(const struct azk_walk_cb *cb, const char *path, const char *what)
{
    azk_status st = azk_error_errno(what);
    cb->error(cb->payload, path, st, azk_error_last()->message);
}

static azk_status walk_dir(const char *path, const struct stat *dst, dev_t root_dev,
                           const struct ancestor *up, const struct azk_walk_opts *o,
                           const struct azk_walk_cb *cb);

/* The file path (entry name in hd) handed over; st NULL: not stat'ed (lazy_regular). */
static azk_status hand_over(const char *path, const char *name, struct azk_walk_dir *hd,
                            const struct stat *st, const struct azk_walk_opts *o,
                            const struct azk_walk_cb *cb)
{
    char *p;
    if (o->include_count > 0 && !azk_walk__glob_match(path, o->include, o->include_count)) {
        cb->skipped(cb->payload, path, "not included");
        return AZK_OK;
    }
    p = azk_strdup(path);
    if (p == NULL)
        return azk_error_nomem();
    if (hd != NULL)
        atomic_fetch_add(&hd->refs, 1);
    return cb->file(cb->payload, p, st, hd, hd != NULL ? (size_t)(name - path) : 0);
}

/* path: the whole path; dfd and name: the same entry relative to its open directory
 * (AT_FDCWD and path when there is none); hd: that directory's handle, if any; dtype:
 * the entry's d_type from the listing (DT_UNKNOWN for a path given by the user) */
static azk_status visit(const char *path, int dfd, const char *name, struct azk_walk_dir *hd,
                        unsigned char dtype, dev_t root_dev, const struct ancestor *up,
                        const struct azk_walk_opts *o, const struct azk_walk_cb *cb, bool top)
{
    struct stat st;
    int r;
    if (!top && o->exclude_count > 0 && azk_walk__glob_match(path, o->exclude, o->exclude_count)) {
        cb->skipped(cb->payload, path, "excluded");
        return AZK_OK;
    }
    /* a regular file by its listing, opened by name in hd with O_NOFOLLOW: the worker's
     * fstat of what it opened is the check (a link, FIFO, directory swapped in since is
     * refused there), so no stat here */
    if (!top && hd != NULL && o->lazy_regular && dtype == DT_REG)
        return hand_over(path, name, hd, NULL, o, cb);
    r = fstatat(dfd, name, &st, (top || o->follow_symlinks) ? 0 : AT_SYMLINK_NOFOLLOW);
    if (r != 0) {
        report_errno(cb, path, "stat");
        return AZK_OK;
    }
    if (S_ISLNK(st.st_mode)) {
        cb->skipped(cb->payload, path, "symlink");
        return AZK_OK;
    }
    if (S_ISDIR(st.st_mode)) {
        if (!top && o->one_file_system && st.st_dev != root_dev) {
            cb->skipped(cb->payload, path, "other file system");
            return AZK_OK;
        }
        for (const struct ancestor *a = up; a != NULL; a = a->up) {
            if (a->dev == st.st_dev && a->ino == st.st_ino) {
                azk_error_set(AZK_ERR_LIMIT, "directory loop: already visited as an ancestor");
                cb->error(cb->payload, path, AZK_ERR_LIMIT, azk_error_last()->message);
                return AZK_OK;
            }
        }
        return walk_dir(path, &st, top ? st.st_dev : root_dev, up, o, cb);
    }
    if (!S_ISREG(st.st_mode)) {
        cb->skipped(cb->payload, path,
                    S_ISFIFO(st.st_mode) ? "fifo" : (S_ISSOCK(st.st_mode) ? "socket" : "device"));
        return AZK_OK;
    }
    return hand_over(path, name, hd, &st, o, cb);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static azk_status walk_dir(const char *path, const struct stat *dst, dev_t root_dev,
                           const struct ancestor *up, const struct azk_walk_opts *o,
                           const struct azk_walk_cb *cb)
{
    azk_status rc = AZK_OK;
    DIR *d = NULL;
    struct dirent *e;
    char **names = NULL;
    size_t *offs = NULL; /* where each name starts in `arena` */
    size_t count = 0, cap = 0;
    /* the names, NUL-terminated, each after its d_type byte, one allocation for all */
    azk_buf arena = AZK_BUF_INIT;
    azk_buf child = AZK_BUF_INIT;
    struct ancestor me = {dst->st_dev, dst->st_ino, up, up != NULL ? up->depth + 1 : 1};
    size_t plen = strlen(path);
    int dfd = AT_FDCWD;
    struct azk_walk_dir *hd = NULL;

    d = opendir(path);
    if (d == NULL) {
        report_errno(cb, path, "opendir");
        return AZK_OK;
    }
    /* read names first, sorted, so runs are reproducible and fds bounded */
    for (;;) {
        errno = 0;
        e = readdir(d);
        if (e == NULL)
            break;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        rc = azk_array_reserve(&offs, &cap, count, sizeof(*offs), 64);
        if (rc != AZK_OK)
            goto done;
        rc = azk_buf_putc(&arena, (char)e->d_type);
        if (rc != AZK_OK)
            goto done;
        offs[count] = arena.len;
        rc = azk_buf_put(&arena, e->d_name, strlen(e->d_name) + 1);
        if (rc != AZK_OK)
            goto done;
        count++;
    }
    if (errno != 0)
        report_errno(cb, path, "readdir");
    if (count > 0) {
        names = azk_calloc(count, sizeof(*names));
        if (names == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        for (size_t i = 0; i < count; i++)
            names[i] = (char *)arena.data + offs[i];
    }
    if (me.depth <= WALK_FD_DEPTH) {
        dfd = dirfd(d);
        hd = dir_handle(d, o);
        if (hd != NULL)
            d = NULL; /* closed by the last reference */
    } else {
        closedir(d);
        d = NULL;
    }
    if (count > 1)
        qsort(names, count, sizeof(char *), name_cmp);

    for (size_t i = 0; i < count; i++) {
        azk_buf_clear(&child);
        rc = azk_buf_put(&child, path, plen);
        if (rc == AZK_OK && (plen == 0 || path[plen - 1] != '/'))
            rc = azk_buf_putc(&child, '/');
        if (rc == AZK_OK)
            rc = azk_buf_puts(&child, names[i]);
        if (rc != AZK_OK)
            goto done;
        rc = visit((const char *)child.data, dfd,
                   dfd == AT_FDCWD ? (const char *)child.data
                                   : (const char *)child.data + (child.len - strlen(names[i])),
                   hd, (unsigned char)names[i][-1], root_dev, &me, o, cb, false);
        if (rc != AZK_OK)
            goto done;
    }
done:
    if (d != NULL)
        closedir(d);
    azk_walk__dir_release(hd);
    azk_free(names);
    azk_free(offs);
    azk_buf_dispose(&arena);
    azk_buf_dispose(&child);
    return rc;
}

azk_status azk_walk__path(const char *path, const struct azk_walk_opts *o,
                          const struct azk_walk_cb *cb)
{
    return visit(path, AT_FDCWD, path, NULL, DT_UNKNOWN, 0, NULL, o, cb, true);
}
