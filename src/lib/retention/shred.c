/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/shred.c -- removing a file safely, for a retention run and
 * for artifact resolution: identify a registered file (stat + content
 * hash), refuse anything that is not the file registered (symlink,
 * replaced, changed, other hard links), overwrite (zeros, then random,
 * fsync each) and unlink. Plus the crash tests' pause hook (test builds).
 */
#include "retention/ret_int.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <unistd.h>

/* The crash tests' pause point (store/testhook.c). */
void azk_ret__pause(const char *step)
{
    azk_store__test_pause(step);
}

/* ---- removing a file safely ---------------------------------------------- */

static azk_status overwrite_fd(int fd, uint64_t size, bool random)
{
    static uint8_t zero[65536];
    uint8_t rnd[65536];
    uint64_t off = 0;
    if (lseek(fd, 0, SEEK_SET) != 0)
        return azk_error_errno("overwrite seek");
    while (off < size) {
        size_t n = size - off < sizeof(rnd) ? (size_t)(size - off) : sizeof(rnd);
        const uint8_t *p = zero;
        ssize_t w;
        if (random) {
            randombytes_buf(rnd, n);
            p = rnd;
        }
        w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return azk_error_errno("overwrite");
        }
        off += (uint64_t)w;
    }
    if (fsync(fd) != 0)
        return azk_error_errno("overwrite fsync");
    return AZK_OK;
}

static int64_t ns_of(const struct timespec *t)
{
    return (int64_t)t->tv_sec * 1000000000 + (int64_t)t->tv_nsec;
}

azk_status azk_ret__fileid_fd(int fd, struct azk_ret_fileid *out)
{
    struct stat a, b;
    crypto_generichash_state hs;
    uint8_t buf[65536], digest[32];
    char hex[65];
    uint64_t off = 0;
    memset(out, 0, sizeof(*out));
    if (fstat(fd, &a) != 0)
        return azk_error_errno("artifact stat");
    if (!S_ISREG(a.st_mode))
        return azk_error_set(AZK_ERR_ARG, "artifact must be a regular file");
    crypto_generichash_init(&hs, NULL, 0, sizeof(digest));
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof(buf), (off_t)off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            sodium_memzero(buf, sizeof(buf));
            return azk_error_errno("artifact read");
        }
        if (n == 0)
            break;
        crypto_generichash_update(&hs, buf, (size_t)n);
        off += (uint64_t)n;
    }
    sodium_memzero(buf, sizeof(buf)); /* entrusted content: not left on the stack */
    crypto_generichash_final(&hs, digest, sizeof(digest));
    if (fstat(fd, &b) != 0)
        return azk_error_errno("artifact stat");
    if (b.st_size != a.st_size || off != (uint64_t)a.st_size ||
        ns_of(&b.st_mtim) != ns_of(&a.st_mtim))
        return azk_error_set(AZK_ERR_INTEGRITY, "artifact changed while read");
    sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
    out->dev = (uint64_t)a.st_dev;
    out->ino = (uint64_t)a.st_ino;
    out->size = (uint64_t)a.st_size;
    out->mtime_ns = ns_of(&a.st_mtim);
    out->ctime_ns = ns_of(&a.st_ctim);
    (void)snprintf(out->hash, sizeof(out->hash), "blake2b-256:%s", hex);
    return AZK_OK;
}

static azk_status refused(const char **disp, const char *d, const char *msg)
{
    *disp = d;
    return azk_error_set(AZK_ERR_PERM, "%s", msg);
}

azk_status azk_ret__remove_file(const char *path, const struct azk_ret_fileid *want, bool overwrite,
                                const char **disp, uint64_t *other_links)
{
    struct stat sb, fb;
    struct azk_ret_fileid got;
    int fd = -1;
    azk_status rc = AZK_OK;
    *disp = NULL;
    if (other_links != NULL)
        *other_links = 0;
    if (lstat(path, &sb) != 0) {
        if (errno == ENOENT) {
            *disp = "already absent";
            return AZK_OK;
        }
        return azk_error_errno("artifact lstat");
    }
    if (S_ISLNK(sb.st_mode))
        return refused(disp, "refused: symlink",
                       "refused to delete a symlink at a registered path");
    if (!S_ISREG(sb.st_mode))
        return refused(disp, "refused: not a regular file",
                       "refused to delete a registered path that is not a regular file");
    if (want != NULL) {
        if ((uint64_t)sb.st_dev != want->dev || (uint64_t)sb.st_ino != want->ino)
            return refused(disp, "refused: replaced (device/inode differ)",
                           "refused: the file at a registered path is not the registered one");
        if (want->hash[0] == '\0')
            return refused(disp,
                           "refused: unverifiable (registered without a content hash by an "
                           "older version)",
                           "refused: the artifact was registered without a content hash, so "
                           "it cannot be told from a new file that reused its inode; check it "
                           "and resolve it (azukari artifact resolve)");
        if ((uint64_t)sb.st_size != want->size || ns_of(&sb.st_mtim) != want->mtime_ns)
            return refused(disp, "refused: changed since registration (size or mtime differ)",
                           "refused: the file at a registered path changed since it was "
                           "registered (a new file may have reused its inode)");
    }
    fd = open(path, (want != NULL ? O_RDWR : O_WRONLY) | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ELOOP)
            return refused(disp, "refused: symlink",
                           "refused to delete a symlink at a registered path");
        return azk_error_errno("artifact open");
    }
    if (fstat(fd, &fb) != 0 || fb.st_dev != sb.st_dev || fb.st_ino != sb.st_ino ||
        !S_ISREG(fb.st_mode)) {
        close(fd);
        return refused(disp, "refused: replaced (device/inode differ)",
                       "refused: the file changed while being deleted");
    }
    if (want != NULL) {
        rc = azk_ret__fileid_fd(fd, &got);
        if (rc == AZK_ERR_INTEGRITY ||
            (rc == AZK_OK && (got.size != want->size || got.mtime_ns != want->mtime_ns))) {
            close(fd);
            return refused(disp, "refused: changed since registration (size or mtime differ)",
                           "refused: the file changed while being checked");
        }
        if (rc != AZK_OK) {
            close(fd);
            return rc;
        }
        if (strcmp(got.hash, want->hash) != 0) {
            close(fd);
            return refused(disp, "refused: content differs from registration",
                           "refused: the content of the file at a registered path differs "
                           "from the registered one (a new file may have reused its inode)");
        }
        if (fb.st_nlink > 1) {
            /* overwriting would destroy the other names' content: unlink this
             * name only and leave the deletion incomplete */
            close(fd);
            if (lstat(path, &sb) != 0 || sb.st_dev != fb.st_dev || sb.st_ino != fb.st_ino)
                return refused(disp, "refused: replaced (device/inode differ)",
                               "refused: the file changed while being deleted");
            if (unlink(path) != 0)
                return azk_error_errno("artifact unlink");
            if (other_links != NULL)
                *other_links = (uint64_t)fb.st_nlink - 1;
            return refused(disp, AZK_RET_DISP_LINKS,
                           "the artifact has other hard links: this name was unlinked, the "
                           "content was not overwritten; remove the other links, then resolve "
                           "it (azukari artifact resolve)");
        }
    }
    if (overwrite) {
        rc = overwrite_fd(fd, (uint64_t)fb.st_size, false);
        if (rc == AZK_OK)
            rc = overwrite_fd(fd, (uint64_t)fb.st_size, true);
    }
    close(fd);
    if (rc != AZK_OK)
        return rc;
    /* re-check the name still refers to what we overwrote (no swap in between) */
    if (lstat(path, &sb) != 0 || sb.st_dev != fb.st_dev || sb.st_ino != fb.st_ino)
        return refused(disp, "refused: replaced (device/inode differ)",
                       "refused: the file changed while being deleted");
    if (unlink(path) != 0)
        return azk_error_errno("artifact unlink");
    *disp = overwrite ? "overwritten+unlinked" : "unlinked";
    return AZK_OK;
}
