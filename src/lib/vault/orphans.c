/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault/orphans.c -- the other half of a crash during intake: a vault file
 * that got its name (and a data key in the keystore) but whose catalog row
 * never committed (kill -9, power loss between the two). Such a file is in
 * no catalog, so no retention run would ever reach it. An intake marks the
 * window with ".<uuid>.pending" in the vault directory, created and locked
 * (flock) before the file gets its name, removed after the catalog
 * transaction ended. The next open of the home finds a marker no live
 * intake holds: when the catalog has no dataset with that uuid, the key is
 * destroyed, the file removed and the cleanup recorded in the ledger
 * ("vault.cleanup"); when it has one, the intake committed and only the
 * marker goes. A catalog that cannot be asked removes nothing.
 */
#include "vault/vault.h"
#include "store/datasets.h"
#include "store/keystore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

azk_status azk_vault__pending_begin(azk_home *h, const char *uuid, int *fd)
{
    azk_buf p = AZK_BUF_INIT;
    azk_status rc;
    *fd = -1;
    rc = azk_buf_printf(&p, "%s/vault/.%s.pending", h->path, uuid);
    if (rc != AZK_OK)
        return rc;
    *fd = open((const char *)p.data, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (*fd < 0) {
        rc = azk_error_errno("create intake marker");
    } else if (flock(*fd, LOCK_EX | LOCK_NB) != 0 || fsync(*fd) != 0) {
        rc = azk_error_errno("lock intake marker");
        (void)unlink((const char *)p.data);
        close(*fd);
        *fd = -1;
    }
    azk_buf_dispose(&p);
    return rc;
}

void azk_vault__pending_end(azk_home *h, const char *uuid, int fd, bool settled)
{
    azk_buf p = AZK_BUF_INIT;
    if (fd < 0)
        return;
    if (settled && azk_buf_printf(&p, "%s/vault/.%s.pending", h->path, uuid) == AZK_OK)
        (void)unlink((const char *)p.data);
    close(fd);
    azk_buf_dispose(&p);
}

/* ".<36-char uuid>.pending" -> uuid into out (37 bytes); false for any other name. */
static bool marker_name(const char *n, char out[37])
{
    if (strlen(n) != 45 || n[0] != '.' || strcmp(n + 37, ".pending") != 0)
        return false;
    for (size_t i = 0; i < 36; i++) {
        char c = n[1 + i];
        bool ok = (i == 8 || i == 13 || i == 18 || i == 23)
                      ? c == '-'
                      : ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
        if (!ok)
            return false;
    }
    memcpy(out, n + 1, 36);
    out[36] = '\0';
    return true;
}

/* One marker no live intake holds (fd locked by us); true when the orphan was removed. */
static bool settle(azk_home *h, int dfd, const char *marker, const char *uuid, bool *stop)
{
    char vname[48];
    bool known = true;
    if (azk_store__dataset_uuid_known(h, uuid, &known) != AZK_OK) {
        *stop = true; /* the catalog cannot be asked: remove nothing */
        return false;
    }
    if (known) {
        (void)unlinkat(dfd, marker, 0); /* the intake committed; only its marker was left */
        return false;
    }
    /* the key first: a file without its key is unreadable, a key without its file is not */
    if (azk_store__key_destroy(h, AZK_KEY_DATASET, uuid, NULL) != AZK_OK) {
        azk_log(AZK_LOG_WARN, "vault: the key of an interrupted intake could not be destroyed; "
                              "its vault file is kept until the next open");
        return false;
    }
    (void)snprintf(vname, sizeof(vname), "%s.azv", uuid);
    if (unlinkat(dfd, vname, 0) != 0 && errno != ENOENT) {
        azk_log(AZK_LOG_WARN, "vault: the file of an interrupted intake could not be removed");
        return false;
    }
    (void)unlinkat(dfd, marker, 0);
    return true;
}

size_t azk_vault__cleanup_orphans(azk_home *h)
{
    azk_buf p = AZK_BUF_INIT;
    DIR *d = NULL;
    struct dirent *e;
    size_t removed = 0;
    bool stop = false;
    int dfd;
    if (azk_buf_printf(&p, "%s/vault", h->path) != AZK_OK)
        goto done;
    d = opendir((const char *)p.data);
    if (d == NULL)
        goto done;
    dfd = dirfd(d);
    while (!stop && (e = readdir(d)) != NULL) {
        struct stat sb;
        char uuid[37];
        int fd;
        if (!marker_name(e->d_name, uuid))
            continue;
        fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            continue;
        /* a live intake holds the lock */
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && flock(fd, LOCK_EX | LOCK_NB) == 0 &&
            settle(h, dfd, e->d_name, uuid, &stop))
            removed++;
        close(fd);
    }
    if (removed > 0) {
        char extra[64];
        (void)snprintf(extra, sizeof(extra), "{\"orphans\":%zu}", removed);
        azk_log(AZK_LOG_WARN,
                "vault: removed %zu vault file(s) and key(s) of an intake that did not commit",
                removed);
        if (azk_store__audit(h, "vault.cleanup", NULL, 0, "interrupted intake", extra) != AZK_OK)
            azk_log(AZK_LOG_ERROR, "vault: the cleanup could not be recorded in the ledger");
    }
done:
    azk_error_clear();
    if (d != NULL)
        closedir(d);
    azk_buf_dispose(&p);
    return removed;
}
