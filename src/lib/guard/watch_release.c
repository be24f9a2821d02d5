/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard/watch_release.c -- moving files out of the outbox: release of a
 * clean file (journal "releasing" written before the move), quarantine of
 * a blocked one (encrypted into the vault, its key in the keystore, the
 * plaintext removed only once the copy is durable), and the two-person
 * release of a quarantined file (request by one authenticated person,
 * approval by another, taken in one store transaction so it happens once).
 */
#include "guard/watch_int.h"
#include "retention/identity.h"
#include "store/guard_items.h"
#include "store/keystore.h"
#include "vault/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- moving files ------------------------------------------------------------------ */

azk_status azk_guard__mkdirs_for(const char *path)
{
    char tmp[PATH_MAX];
    size_t n = strlen(path), i;
    if (n >= sizeof(tmp))
        return azk_error_set(AZK_ERR_ARG, "watch: path too long");
    memcpy(tmp, path, n + 1);
    for (i = 1; i < n; i++) {
        if (tmp[i] != '/')
            continue;
        tmp[i] = '\0';
        if (mkdir(tmp, 0750) != 0 && errno != EEXIST)
            return azk_error_errno("watch: mkdir");
        tmp[i] = '/';
    }
    return AZK_OK;
}

void azk_guard__fsync_dir_of(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t n = slash != NULL ? (size_t)(slash - path) : 0;
    int fd;
    if (n == 0 || n >= sizeof(dir))
        return;
    memcpy(dir, path, n);
    dir[n] = '\0';
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return;
    (void)fsync(fd);
    close(fd);
}

static azk_status copy_fd(int in, int out)
{
    char buf[64 * 1024];
    for (;;) {
        ssize_t r = read(in, buf, sizeof(buf)), off = 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return azk_error_errno("watch: read");
        if (r == 0)
            return AZK_OK;
        while (off < r) {
            ssize_t w = write(out, buf + off, (size_t)(r - off));
            if (w < 0 && errno == EINTR)
                continue;
            if (w <= 0)
                return azk_error_errno("watch: write");
            off += w;
        }
    }
}

/*
 * Move src to dest without replacing anything: rename(2) with
 * RENAME_NOREPLACE on one filesystem; across filesystems copy to a hidden
 * temporary, fsync, link into place (fails if dest exists), unlink src.
 */
azk_status azk_guard__move_noreplace(const char *src, const char *dest)
{
    azk_buf tmp = AZK_BUF_INIT;
    azk_status rc;
    int in = -1, out = -1;
    if (renameat2(AT_FDCWD, src, AT_FDCWD, dest, RENAME_NOREPLACE) == 0) {
        azk_guard__fsync_dir_of(dest);
        return AZK_OK;
    }
    if (errno == EEXIST)
        return azk_error_set(AZK_ERR_ARG, "watch: destination exists");
    if (errno != EXDEV)
        return azk_error_errno("watch: rename");
    rc = azk_buf_printf(&tmp, "%s.azk-tmp", dest);
    if (rc != AZK_OK)
        return rc;
    in = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    out = open((const char *)tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (in < 0 || out < 0) {
        rc = azk_error_errno("watch: open for copy");
        goto done;
    }
    rc = copy_fd(in, out);
    if (rc == AZK_OK && fsync(out) != 0)
        rc = azk_error_errno("watch: fsync");
    if (rc != AZK_OK)
        goto done;
    if (link((const char *)tmp.data, dest) != 0) {
        rc = errno == EEXIST ? azk_error_set(AZK_ERR_ARG, "watch: destination exists")
                             : azk_error_errno("watch: link");
        goto done;
    }
    azk_guard__fsync_dir_of(dest);
    if (unlink(src) != 0) {
        rc = azk_error_errno("watch: unlink source");
        goto done;
    }
    rc = AZK_OK;
done:
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
    (void)unlink((const char *)tmp.data);
    azk_buf_dispose(&tmp);
    return rc;
}

/* dest = release/rel, or release/rel.<id> when that exists */
azk_status azk_guard__release_file(struct azk_guard_watcher *w, const char *id, const char *rel,
                                   const char *src)
{
    azk_buf dest = AZK_BUF_INIT;
    const char *objs[1] = {id};
    azk_status rc;
    int attempt;
    for (attempt = 0; attempt < 2; attempt++) {
        azk_buf_clear(&dest);
        rc = attempt == 0 ? azk_buf_printf(&dest, "%s/%s", w->release, rel)
                          : azk_buf_printf(&dest, "%s/%s.%s", w->release, rel, id);
        if (rc != AZK_OK)
            goto done;
        rc = azk_guard__mkdirs_for((const char *)dest.data);
        if (rc != AZK_OK)
            goto done;
        /* announce the destination before the move: a restart completes it */
        rc = azk_store__guard_releasing(w->h, id, (const char *)dest.data);
        if (rc != AZK_OK)
            goto done;
        rc = azk_guard__move_noreplace(src, (const char *)dest.data);
        if (rc == AZK_OK || rc != AZK_ERR_ARG)
            break;
    }
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__guard_set_state(w->h, id, "released");
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__audit(w->h, "guard.release", objs, 1, "clean", NULL);
done:
    azk_buf_dispose(&dest);
    return rc;
}

azk_status azk_guard__quarantine_file(struct azk_guard_watcher *w, const char *id, const char *rel,
                                      const char *src, const azk_guard_decision *d)
{
    struct azk_vault_writer *vw = NULL;
    uint8_t wrapped[AZK_VAULT_WRAPPED_LEN];
    char uuid[37], now[32];
    char *dj = NULL;
    const char *objs[1] = {id};
    azk_buf notice = AZK_BUF_INIT, np = AZK_BUF_INIT;
    azk_status rc;
    int fd = open(src, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    uint64_t size = 0;
    if (fd < 0)
        return azk_error_errno("watch: open");
    azk_store__uuid(uuid);
    rc = azk_vault__writer_new(&vw, w->h, uuid, wrapped);
    if (rc != AZK_OK)
        goto done;
    for (;;) {
        uint8_t buf[64 * 1024];
        ssize_t r = read(fd, buf, sizeof(buf));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = azk_error_errno("watch: read");
            goto done;
        }
        if (r == 0)
            break;
        size += (uint64_t)r;
        rc = azk_vault__writer_write(vw, buf, (size_t)r);
        sodium_memzero(buf, sizeof(buf));
        if (rc != AZK_OK)
            goto done;
    }
    rc = azk_vault__writer_finish(vw); /* frees vw even on failure */
    vw = NULL;
    if (rc != AZK_OK)
        goto done;
    rc = azk_guard_decision_to_json(d, NULL, &dj);
    if (rc != AZK_OK)
        goto done;
    /* the key goes to the keystore, the row to quarantined (store/guard_items.h) */
    rc = azk_store__guard_quarantined(w->h, id, uuid, wrapped, sizeof(wrapped), size, dj);
    sodium_memzero(wrapped, sizeof(wrapped));
    if (rc != AZK_OK)
        goto done;
    azk_store__now(now);
    /* the plaintext leaves the outbox only now that the encrypted copy is durable */
    if (unlink(src) != 0) {
        char eb[128];
        azk_log(AZK_LOG_ERROR, "watch: cannot remove the plaintext of %s (%s)", id,
                azk_strerror(errno, eb, sizeof(eb)));
    }
    rc = azk_store__audit(w->h, "guard.quarantine", objs, 1, NULL, dj);
    if (rc != AZK_OK)
        azk_log(AZK_LOG_ERROR, "watch: ledger append failed for %s", id);
    /* notice for the sender: the id, the path and the reasons (no values) */
    if (azk_buf_printf(&np, "%s/%s.json", w->quarantine, id) == AZK_OK &&
        azk_buf_printf(&notice, "{\"id\": \"%s\", \"decision\": %s, \"at\": \"%s\"}\n", id, dj,
                       now) == AZK_OK) {
        int nfd = open((const char *)np.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (nfd >= 0) {
            ssize_t wr = write(nfd, notice.data, notice.len);
            (void)wr;
            close(nfd);
        }
    }
    azk_log(AZK_LOG_WARN, "watch: quarantined %s (%zu bytes in the vault)", id, (size_t)size);
    (void)rel;
    rc = AZK_OK;
done:
    if (vw != NULL)
        azk_vault__writer_abort(vw);
    close(fd);
    azk_free(dj);
    azk_buf_dispose(&notice);
    azk_buf_dispose(&np);
    return rc;
}

/* ---- list, request, approve ------------------------------------------------------------------ */

azk_status azk_guard_item_list(struct azk_home *h, azk_guard_item_cb cb, void *payload)
{
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    azk_error_clear();
    return azk_store__guard_list(h, cb, payload);
}

azk_status azk_guard_request(struct azk_home *h, const char *id, const char *reason)
{
    struct azk_store_event ev = {0};
    const char *user = NULL;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && reason != NULL);
    azk_error_clear();
    if (reason[0] == '\0')
        return azk_error_set(AZK_ERR_ARG, "guard request: a reason is required");
    /* the requester is a person: an enrolled user who passed TOTP */
    rc = azk_identity__requester(h, "guard.request", id, &user);
    if (rc != AZK_OK)
        return rc;
    ev.action = "guard.request";
    ev.object = id;
    ev.reason = reason;
    return azk_store__guard_request(h, id, user, reason, &ev);
}

struct out_file {
    int fd;
};

static azk_status write_plain(const uint8_t *p, size_t n, void *payload)
{
    struct out_file *o = payload;
    while (n > 0) {
        ssize_t w = write(o->fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return azk_error_errno("guard approve: write");
        p += w;
        n -= (size_t)w;
    }
    return AZK_OK;
}

azk_status azk_guard_approve(struct azk_home *h, const char *id, char **out_path)
{
    struct azk_store_guard_release it;
    struct azk_store_event ev = {0};
    uint8_t *wrapped = NULL;
    size_t wrapped_len = 0;
    azk_buf tmp = AZK_BUF_INIT, dest = AZK_BUF_INIT;
    struct out_file of = {-1};
    const char *user = NULL;
    char state[16];
    bool found = false, taken = false;
    azk_status rc;
    int attempt;
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    azk_error_clear();
    if (out_path != NULL)
        *out_path = NULL;
    rc = azk_store__guard_get(h, id, &it, state, &found);
    if (rc != AZK_OK)
        return rc;
    if (!found)
        return azk_error_set(AZK_ERR_NOTFOUND, "guard approve: no item %.40s", id);
    if (strcmp(state, "requested") != 0 && strcmp(state, "approving") != 0)
        return azk_error_set(AZK_ERR_ARG, "guard approve: item %.40s is not requested", id);
    /* the two-person rule of the library: a second enrolled, TOTP-authenticated person */
    rc = azk_identity__approver(h, "guard.approve", id, it.requested_by, NULL, &user);
    if (rc != AZK_OK)
        return rc;
    azk_store__test_gate("guard.approve");
    /* take the item, with its ledger entry (no release without it), under the writers'
     * lock: of two approvals racing, one takes it and the other is refused */
    ev.action = "guard.approve";
    ev.object = id;
    rc = azk_store__guard_approve_take(h, id, user, &ev);
    if (rc != AZK_OK)
        return rc;
    taken = true;
    rc = azk_store__key_get(h, AZK_KEY_GUARD, id, &wrapped, &wrapped_len);
    if (rc == AZK_ERR_NOTFOUND)
        rc = azk_error_set(AZK_ERR_NOTFOUND,
                           "guard approve: item %.40s has no key in the keystore (quarantined "
                           "before keys left the catalog: migrate the catalog first)",
                           id);
    if (rc != AZK_OK)
        goto done;
    for (attempt = 0; attempt < 2; attempt++) {
        azk_buf_clear(&dest);
        rc = attempt == 0 ? azk_buf_printf(&dest, "%s/%s", it.release_dir, it.rel)
                          : azk_buf_printf(&dest, "%s/%s.%s", it.release_dir, it.rel, id);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&tmp, "%s.azk-tmp", (const char *)dest.data);
        if (rc == AZK_OK)
            rc = azk_guard__mkdirs_for((const char *)dest.data);
        if (rc != AZK_OK)
            goto done;
        of.fd = open((const char *)tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (of.fd < 0) {
            rc = azk_error_errno("guard approve: create");
            goto done;
        }
        rc = azk_vault__read(h, it.uuid, wrapped, wrapped_len, write_plain, &of);
        if (rc == AZK_OK && fsync(of.fd) != 0)
            rc = azk_error_errno("guard approve: fsync");
        close(of.fd);
        of.fd = -1;
        if (rc != AZK_OK)
            goto done;
        if (link((const char *)tmp.data, (const char *)dest.data) == 0)
            break;
        if (errno != EEXIST || attempt == 1) {
            rc = azk_error_errno("guard approve: link");
            goto done;
        }
        (void)unlink((const char *)tmp.data);
        azk_buf_clear(&tmp);
    }
    (void)unlink((const char *)tmp.data);
    azk_buf_clear(&tmp);
    azk_guard__fsync_dir_of((const char *)dest.data);
    /* the file is out: if recording that fails the item stays approving (never handed back
     * to another approver, who would release it a second time) */
    taken = false;
    ev.action = "guard.release";
    ev.outcome = NULL;
    ev.reason = "approved";
    rc = azk_store__guard_approved(h, id, (const char *)dest.data, &ev);
    if (rc != AZK_OK)
        goto done;
    if (out_path != NULL)
        *out_path = azk_buf_detach(&dest);
done:
    if (of.fd >= 0)
        close(of.fd);
    if (rc != AZK_OK && tmp.len > 0)
        (void)unlink((const char *)tmp.data);
    if (rc != AZK_OK && taken) {
        /* nothing was released: the request stands for another try */
        char msg[512];
        azk_status keep = rc;
        (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
        if (azk_store__guard_approve_giveback(h, id) != AZK_OK)
            azk_log(AZK_LOG_ERROR, "guard approve: item %s stays approving (%s)", id,
                    azk_error_last()->message);
        rc = azk_error_set(keep, "%s", msg);
    }
    if (wrapped != NULL)
        azk_free_secret(wrapped, wrapped_len);
    azk_buf_dispose(&tmp);
    azk_buf_dispose(&dest);
    return rc;
}
