/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan/walk.h -- the file walker of the scanner: recursive, no symlinks by
 * default, one file system with -x, include/exclude globs, loop detection;
 * hands regular files to a callback (the scanner's work queue) and reports
 * what it could not enter as errors.
 */
#ifndef AZK_SCAN_WALK_H
#define AZK_SCAN_WALK_H

#include "util/util.h"

#include <stdatomic.h>
#include <sys/stat.h>

struct azk_walk_opts {
    bool follow_symlinks;
    bool one_file_system;
    const char *const *include;
    size_t include_count;
    const char *const *exclude;
    size_t exclude_count;
    /* When set (and symbolic links are not followed), a file is handed over with a
     * reference to its open directory, so it is opened by its name alone; *dir_handles
     * counts the directories kept open that way, at most dir_handle_cap (then paths). */
    _Atomic unsigned *dir_handles;
    unsigned dir_handle_cap;
    /* When set, an entry the listing calls a regular file (d_type) and handed over with a
     * directory handle is not stat'ed by the walk (st is NULL in cb->file): the worker
     * opens it by name with O_NOFOLLOW and checks what it got with fstat (one system
     * call per file less). Off when something needs the file's identity before it is
     * opened (the result cache keys on it). */
    bool lazy_regular;
};

/* An open directory listed by the walk, shared by the files handed over from it. */
struct azk_walk_dir;
/* Its descriptor (valid while a reference is held). */
int azk_walk__dir_fd(const struct azk_walk_dir *d);
/* Drop one reference (NULL: nothing); the last one closes the directory. */
void azk_walk__dir_release(struct azk_walk_dir *d);

struct azk_walk_cb {
    /* a regular file to scan; path is owned by the callee from now on (even on failure),
     * and so is dir: a reference to the directory holding the file (NULL when none),
     * whose entry is path + name_off; st is NULL when the walk did not stat the file
     * (lazy_regular; dir is then never NULL) */
    azk_status (*file)(void *payload, char *path, const struct stat *st, struct azk_walk_dir *dir,
                       size_t name_off);
    /* a path that could not be read (status and message of azk_error_last) */
    void (*error)(void *payload, const char *path, azk_status st, const char *msg);
    /* a path skipped on purpose (FIFO, device, socket, symlink, excluded) */
    void (*skipped)(void *payload, const char *path, const char *why);
    void *payload;
};

/* Walk one path given by the user. Returns non-OK only for fatal errors (NOMEM, callback). */
AZK_NODISCARD azk_status azk_walk__path(const char *path, const struct azk_walk_opts *o,
                                        const struct azk_walk_cb *cb);

/* True when path matches the glob list (on the whole path or its basename). */
bool azk_walk__glob_match(const char *path, const char *const *globs, size_t count);

#endif
