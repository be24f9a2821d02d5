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

#include <sys/stat.h>

struct azk_walk_opts {
    bool follow_symlinks;
    bool one_file_system;
    const char *const *include;
    size_t include_count;
    const char *const *exclude;
    size_t exclude_count;
};

struct azk_walk_cb {
    /* a regular file to scan; path is owned by the callee from now on (even on failure) */
    azk_status (*file)(void *payload, char *path, const struct stat *st);
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
