/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/outfile.c -- azukari/outfile.h: every output file is written to a
 * temporary in its own directory and moved onto its name at commit, so
 * that (1) no write ever goes through a symbolic link or into a file
 * another user prepared (a shared directory where root writes reports),
 * (2) a failed write (disk full) leaves no partial copy, and (3) readers
 * see the old file or the complete new one.
 *
 * The temporary is an O_TMPFILE inode (unnamed: a crash leaves nothing)
 * linked under a random name only at commit; where the file system lacks
 * O_TMPFILE, a random ".azk-XXXXXXXXXXXX.tmp" created O_EXCL (never
 * follows a link). Exclusive commits link() the file to its name, which
 * fails on any existing name, link or not; replacing commits rename().
 */
#include "util/util.h"
#include "azukari/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_NAME_LEN 32

struct azk_outfile {
    FILE *f;
    int dirfd;              /* the target's directory; -1 for stdout and devices */
    char *dir;              /* its path as given ("." when none) */
    char *base;             /* the target's name in dir */
    bool to_stdout;         /* "-" */
    bool direct;            /* an existing device or FIFO written in place */
    bool excl;              /* AZK_OUTFILE_EXCL */
    bool unnamed;           /* O_TMPFILE: no temporary name yet */
    char tmp[TMP_NAME_LEN]; /* temporary name in dir ("" = none) */
};

static void random_name(char out[TMP_NAME_LEN])
{
    uint8_t r[6];
    char hex[13];
    randombytes_buf(r, sizeof(r));
    sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
    snprintf(out, TMP_NAME_LEN, ".azk-%s.tmp", hex);
}

static void outfile_free(struct azk_outfile *o)
{
    if (o == NULL)
        return;
    if (o->f != NULL && o->f != stdout)
        fclose(o->f);
    if (o->dirfd >= 0)
        close(o->dirfd);
    azk_free(o->dir);
    azk_free(o->base);
    azk_free(o);
}

/* Split path into directory and last component; the component must name a file. */
static azk_status split_path(struct azk_outfile *o, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash != NULL ? slash + 1 : path;
    if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
        return azk_error_set(AZK_ERR_ARG, "output path does not name a file");
    if (slash == NULL)
        o->dir = azk_strdup(".");
    else if (slash == path)
        o->dir = azk_strdup("/");
    else
        o->dir = azk_strndup(path, (size_t)(slash - path));
    o->base = azk_strdup(base);
    if (o->dir == NULL || o->base == NULL)
        return azk_error_nomem();
    return AZK_OK;
}

/* An existing device or FIFO at the target: open it for writing in place. */
static azk_status open_direct(struct azk_outfile *o)
{
    struct stat sb;
    int fd = openat(o->dirfd, o->base, O_WRONLY | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ELOOP)
            return azk_error_set(AZK_ERR_PERM, "output path is a symbolic link: refused");
        return azk_error_errno("open output");
    }
    /* the name may have been swapped for a regular file since the lstat */
    if (fstat(fd, &sb) != 0 || !(S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode))) {
        close(fd);
        return azk_error_set(AZK_ERR_PERM, "output path changed while opened: refused");
    }
    o->f = fdopen(fd, "w");
    if (o->f == NULL) {
        close(fd);
        return azk_error_errno("open output");
    }
    o->direct = true;
    return AZK_OK;
}

static azk_status open_temp(struct azk_outfile *o, unsigned mode)
{
    int fd;
    /* read-write: the vault export hashes what it wrote to register it (retention) */
    fd = openat(o->dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, (mode_t)(mode & 0777));
    if (fd >= 0) {
        o->unnamed = true;
    } else if (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL || errno == ENOENT) {
        /* no O_TMPFILE here: a random name, created exclusively (never a link) */
        for (int tries = 0; tries < 16; tries++) {
            random_name(o->tmp);
            fd = openat(o->dirfd, o->tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        (mode_t)(mode & 0777));
            if (fd >= 0 || errno != EEXIST)
                break;
        }
        if (fd < 0)
            o->tmp[0] = '\0';
    }
    if (fd < 0)
        return azk_error_errno("create output");
    if (fchmod(fd, (mode_t)(mode & 0777)) != 0) {
        azk_status rc = azk_error_errno("chmod output");
        close(fd);
        return rc;
    }
    o->f = fdopen(fd, "w");
    if (o->f == NULL) {
        azk_status rc = azk_error_errno("create output");
        close(fd);
        return rc;
    }
    return AZK_OK;
}

azk_status azk_outfile_open(azk_outfile **out, const char *path, unsigned mode, unsigned flags)
{
    azk_status rc;
    struct azk_outfile *o;
    struct stat sb;

    azk_error_clear();
    AZK_ASSERT_ARG(out != NULL && path != NULL);
    *out = NULL;
    if (path[0] == '\0')
        return azk_error_set(AZK_ERR_ARG, "empty output path");
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    o = azk_calloc(1, sizeof(*o));
    if (o == NULL)
        return azk_error_nomem();
    o->dirfd = -1;
    o->excl = (flags & AZK_OUTFILE_EXCL) != 0;
    if ((flags & AZK_OUTFILE_STDOUT) != 0 && strcmp(path, "-") == 0) {
        o->to_stdout = true;
        o->f = stdout;
        *out = o;
        return AZK_OK;
    }
    rc = split_path(o, path);
    if (rc != AZK_OK)
        goto done;
    o->dirfd = open(o->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (o->dirfd < 0) {
        rc = azk_error_errno("output directory");
        goto done;
    }
    if (fstatat(o->dirfd, o->base, &sb, AT_SYMLINK_NOFOLLOW) == 0) {
        if (o->excl) {
            rc = azk_error_set(AZK_ERR_ARG, "output file exists: refused to replace it");
            goto done;
        }
        if (S_ISLNK(sb.st_mode)) {
            rc = azk_error_set(AZK_ERR_PERM, "output path is a symbolic link: refused");
            goto done;
        }
        if (S_ISCHR(sb.st_mode) || S_ISFIFO(sb.st_mode)) {
            rc = open_direct(o);
            goto done;
        }
        if (!S_ISREG(sb.st_mode)) {
            rc = azk_error_set(AZK_ERR_PERM, "output path is not a regular file: refused");
            goto done;
        }
    } else if (errno != ENOENT) {
        rc = azk_error_errno("output path");
        goto done;
    }
    rc = open_temp(o, mode);
done:
    if (rc != AZK_OK) {
        outfile_free(o);
        return rc;
    }
    *out = o;
    return AZK_OK;
}

FILE *azk_outfile_stream(azk_outfile *f)
{
    return f != NULL ? f->f : NULL;
}

azk_status azk_outfile__sync(azk_outfile *f, struct stat *sb)
{
    int fd;
    AZK_ASSERT_ARG(f != NULL && f->f != NULL);
    fd = fileno(f->f);
    if (fflush(f->f) != 0 || ferror(f->f))
        return azk_error_errno("write output");
    if (!f->to_stdout && !f->direct && fsync(fd) != 0)
        return azk_error_errno("fsync output");
    if (sb != NULL && fstat(fd, sb) != 0)
        return azk_error_errno("stat output");
    return AZK_OK;
}

azk_status azk_outfile__final_path(const azk_outfile *f, azk_buf *out)
{
    char *dir;
    azk_status rc;
    AZK_ASSERT_ARG(f != NULL && out != NULL);
    if (f->to_stdout || f->direct)
        return azk_error_set(AZK_ERR_ARG, "output is not a file");
    dir = realpath(f->dir, NULL);
    if (dir == NULL)
        return azk_error_errno("output directory");
    azk_buf_clear(out);
    rc = azk_buf_printf(out, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", f->base);
    free(dir); /* from realpath; checksrc: ok */
    return rc;
}

/* Give the O_TMPFILE inode the name `name` in dir (fails when it exists). */
static int link_unnamed(struct azk_outfile *o, const char *name)
{
    char proc[64];
    int fd = fileno(o->f);
    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, proc, o->dirfd, name, AT_SYMLINK_FOLLOW) == 0)
        return 0;
    if (errno != ENOENT)
        return -1;
    /* no /proc: needs CAP_DAC_READ_SEARCH */
    return linkat(fd, "", o->dirfd, name, AT_EMPTY_PATH);
}

static azk_status move_into_place(struct azk_outfile *o)
{
    if (o->unnamed && o->excl) {
        if (link_unnamed(o, o->base) != 0)
            goto fail;
        return AZK_OK;
    }
    if (o->unnamed) {
        int r = -1;
        for (int tries = 0; tries < 16; tries++) {
            random_name(o->tmp);
            r = link_unnamed(o, o->tmp);
            if (r == 0 || errno != EEXIST)
                break;
        }
        if (r != 0) {
            o->tmp[0] = '\0';
            return azk_error_errno("name output");
        }
        o->unnamed = false;
    }
    if (o->excl) {
        /* link + unlink: an atomic rename that never replaces an existing name */
        if (linkat(o->dirfd, o->tmp, o->dirfd, o->base, 0) != 0)
            goto fail;
        (void)unlinkat(o->dirfd, o->tmp, 0);
        o->tmp[0] = '\0';
        return AZK_OK;
    }
    if (renameat(o->dirfd, o->tmp, o->dirfd, o->base) != 0)
        goto fail;
    o->tmp[0] = '\0';
    return AZK_OK;
fail:
    if (errno == EEXIST)
        return azk_error_set(AZK_ERR_ARG, "output file exists: refused to replace it");
    return azk_error_errno("rename output");
}

azk_status azk_outfile_commit(azk_outfile *f)
{
    azk_status rc;
    AZK_ASSERT_ARG(f != NULL);
    rc = azk_outfile__sync(f, NULL);
    if (rc != AZK_OK || f->to_stdout || f->direct)
        goto done;
    rc = move_into_place(f);
    if (rc != AZK_OK)
        goto done;
    if (fsync(f->dirfd) != 0 && errno != EINVAL)
        rc = azk_error_errno("fsync output directory");
done:
    if (f->f != NULL && f->f != stdout) {
        FILE *s = f->f;
        f->f = NULL;
        if (fclose(s) != 0 && rc == AZK_OK)
            rc = azk_error_errno("close output");
    }
    if (rc != AZK_OK) {
        azk_outfile_abort(f);
        return rc;
    }
    outfile_free(f);
    return AZK_OK;
}

void azk_outfile_abort(azk_outfile *f)
{
    if (f == NULL)
        return;
    if (f->tmp[0] != '\0' && f->dirfd >= 0)
        (void)unlinkat(f->dirfd, f->tmp, 0);
    outfile_free(f);
}

azk_status azk_outfile__write(const char *path, const void *data, size_t len, unsigned mode,
                              unsigned flags, bool *existed)
{
    azk_outfile *f = NULL;
    azk_status rc;
    struct stat sb;
    AZK_ASSERT_ARG(path != NULL && (data != NULL || len == 0));
    if (existed != NULL)
        *existed = false;
    rc = azk_outfile_open(&f, path, mode, flags);
    if (rc == AZK_OK) {
        /* a short write leaves the stream in error: commit reports it and removes the file */
        if (len > 0)
            (void)fwrite(data, 1, len, azk_outfile_stream(f));
        rc = azk_outfile_commit(f);
    }
    if (rc == AZK_ERR_ARG && (flags & AZK_OUTFILE_EXCL) != 0 && existed != NULL &&
        lstat(path, &sb) == 0) {
        /* the name was there (or appeared): the first writer wins */
        azk_error_clear();
        *existed = true;
        rc = AZK_OK;
    }
    return rc;
}

azk_status azk_file__read(const char *path, size_t max, bool nofollow, const char *what,
                          azk_buf *out)
{
    uint8_t chunk[8192];
    azk_status rc = AZK_OK;
    ssize_t n;
    int fd, e;
    char eb[128];
    AZK_ASSERT_ARG(path != NULL && what != NULL && out != NULL);
    fd = open(path, O_RDONLY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
    if (fd < 0) {
        e = errno;
        return azk_error_set(e == ENOENT ? AZK_ERR_NOTFOUND : AZK_ERR_IO, "%s: cannot open: %s",
                             what, azk_strerror(e, eb, sizeof(eb)));
    }
    out->max = max;
    while (rc == AZK_OK && (n = read(fd, chunk, sizeof(chunk))) != 0) {
        if (n < 0) {
            e = errno;
            if (e == EINTR)
                continue;
            rc = azk_error_set(AZK_ERR_IO, "%s: cannot read: %s", what,
                               azk_strerror(e, eb, sizeof(eb)));
            break;
        }
        rc = azk_buf_put(out, chunk, (size_t)n);
        if (rc == AZK_ERR_LIMIT)
            rc = azk_error_set(AZK_ERR_LIMIT, "%s: larger than %zu bytes", what, max);
    }
    close(fd);
    sodium_memzero(chunk, sizeof(chunk));
    if (rc == AZK_OK && out->data == NULL)
        rc = azk_buf_puts(out, "");
    return rc;
}
