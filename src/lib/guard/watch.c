/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard/watch.c -- the transfer folder between zones: an inotify watcher
 * that judges every complete file, releases clean ones, quarantines the
 * others encrypted in the vault, and the two-person release of a
 * quarantined file.
 *
 * A file is taken by renaming it into <outbox>/.azk-guard/<id> (a private
 * directory on the same filesystem), after a journal row "claimed" is
 * written. Only then is it probed with a read lease (F_SETLEASE fails while
 * anyone has it open for writing) and scanned; a file changed during the
 * scan is scanned again. Journal states (table guard_items of the catalog):
 *
 *   claimed -> releasing(dest) -> released
 *   claimed -> quarantined(vault uuid, wrapped key) -> requested -> released
 *
 * Each state is written before the step it announces, so a restart redoes
 * or completes exactly the interrupted step: a "releasing" item whose
 * private file is gone was released; a "claimed" item is judged again;
 * a "quarantined" item whose private file is still there only needs it
 * removed. Nothing is ever released from a state other than these.
 */
#include "guard/guard_int.h"
#include "policy/policy_int.h"
#include "retention/identity.h"
#include "store/store.h"
#include "store/keystore.h"
#include "vault/vault.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PRIV_DIR  ".azk-guard"
#define MAX_WATCH 65536
#define RETRY_MS  5000

struct pending {
    char *rel; /* path under the outbox, or NULL for a claimed id */
    char *id;  /* claimed item to (re)judge */
    uint64_t due_ms;
};

struct watcher {
    azk_home *h;
    azk_guard_policy policy;
    azk_guard *guard;
    char *outbox, *release, *quarantine, *priv;
    unsigned settle_ms;
    int ifd;
    int *wds;
    char **wd_rel; /* index = wd */
    size_t wd_cap;
    struct pending *q;
    size_t q_len, q_cap;
};

static uint64_t mono_ms(void)
{
    return azk_now_ns() / 1000000u;
}

/* guard_items is in the catalog's schema (store/schema.c); nothing to do here any more. */
static azk_status ensure_schema(azk_home *h)
{
    (void)h;
    return AZK_OK;
}

static azk_status set_state(azk_home *h, const char *id, const char *state)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    azk_status rc = azk_store__prepare(
        h, &st, "UPDATE guard_items SET state = ?1, updated_at = ?2 WHERE id = ?3");
    if (rc != AZK_OK)
        return rc;
    azk_store__now(now);
    sqlite3_bind_text(st, 1, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = azk_store__dberr(h->db, "guard journal update");
    sqlite3_finalize(st);
    return rc;
}

static void new_id(char out[24])
{
    uint8_t r[8];
    randombytes_buf(r, sizeof(r));
    out[0] = 'Q';
    out[1] = '-';
    sodium_bin2hex(out + 2, 17, r, sizeof(r));
}

static bool skip_name(const char *name)
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

static bool skip_rel(const char *rel)
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
        if (skip_name(comp))
            return true;
        if (slash == NULL)
            return false;
        p = slash + 1;
    }
}

/* ---- queue ------------------------------------------------------------------ */

static void enqueue(struct watcher *w, const char *rel, const char *id, uint64_t due)
{
    size_t i;
    for (i = 0; i < w->q_len; i++) {
        if ((rel != NULL && w->q[i].rel != NULL && strcmp(w->q[i].rel, rel) == 0) ||
            (id != NULL && w->q[i].id != NULL && strcmp(w->q[i].id, id) == 0)) {
            if (due > w->q[i].due_ms)
                w->q[i].due_ms = due;
            return;
        }
    }
    if (w->q_len == w->q_cap) {
        size_t nc = w->q_cap ? w->q_cap * 2 : 64;
        struct pending *nq = azk_realloc(w->q, nc * sizeof(*nq));
        if (nq == NULL)
            return; /* a later rescan finds the file again */
        w->q = nq;
        w->q_cap = nc;
    }
    w->q[w->q_len].rel = rel != NULL ? azk_strdup(rel) : NULL;
    w->q[w->q_len].id = id != NULL ? azk_strdup(id) : NULL;
    w->q[w->q_len].due_ms = due;
    if ((rel != NULL && w->q[w->q_len].rel == NULL) || (id != NULL && w->q[w->q_len].id == NULL))
        return;
    w->q_len++;
}

/* ---- inotify ------------------------------------------------------------------ */

static void scan_dir(struct watcher *w, const char *rel, uint64_t due);

static void add_watch(struct watcher *w, const char *rel)
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

/* Add watches below rel and queue every file (files made before the watch existed). */
static void scan_dir(struct watcher *w, const char *rel, uint64_t due)
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
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 || skip_name(e->d_name))
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
            scan_dir(w, (const char *)sub.data, due);
        else if (S_ISREG(st.st_mode))
            enqueue(w, (const char *)sub.data, NULL, due);
    }
done:
    if (d != NULL)
        closedir(d);
    azk_buf_dispose(&p);
    azk_buf_dispose(&sub);
}

static void read_events(struct watcher *w)
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
                scan_dir(w, "", mono_ms() + w->settle_ms);
                continue;
            }
            if (ev->wd < 0 || (size_t)ev->wd >= w->wd_cap || w->wd_rel[ev->wd] == NULL ||
                ev->len == 0 || skip_name(ev->name))
                continue;
            {
                azk_buf rel = AZK_BUF_INIT;
                const char *base = w->wd_rel[ev->wd];
                if (azk_buf_printf(&rel, "%s%s%s", base, base[0] ? "/" : "", ev->name) == AZK_OK) {
                    if (ev->mask & IN_ISDIR) {
                        if (ev->mask & (IN_CREATE | IN_MOVED_TO))
                            scan_dir(w, (const char *)rel.data, mono_ms() + w->settle_ms);
                    } else if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO)) {
                        enqueue(w, (const char *)rel.data, NULL, mono_ms() + w->settle_ms);
                    }
                }
                azk_buf_dispose(&rel);
            }
        }
    }
}

/* ---- moving files ------------------------------------------------------------------ */

static azk_status mkdirs_for(const char *path)
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

static azk_status fsync_dir_of(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    size_t n = slash != NULL ? (size_t)(slash - path) : 0;
    int fd;
    if (n == 0 || n >= sizeof(dir))
        return AZK_OK;
    memcpy(dir, path, n);
    dir[n] = '\0';
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return AZK_OK;
    (void)fsync(fd);
    close(fd);
    return AZK_OK;
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
static azk_status move_noreplace(const char *src, const char *dest)
{
    azk_buf tmp = AZK_BUF_INIT;
    azk_status rc;
    int in = -1, out = -1;
    if (renameat2(AT_FDCWD, src, AT_FDCWD, dest, RENAME_NOREPLACE) == 0) {
        (void)fsync_dir_of(dest);
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
    (void)fsync_dir_of(dest);
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
static azk_status release_file(struct watcher *w, const char *id, const char *rel, const char *src)
{
    azk_buf dest = AZK_BUF_INIT;
    sqlite3_stmt *st = NULL;
    const char *objs[1] = {id};
    azk_status rc;
    int attempt;
    char now[32];
    for (attempt = 0; attempt < 2; attempt++) {
        azk_buf_clear(&dest);
        rc = attempt == 0 ? azk_buf_printf(&dest, "%s/%s", w->release, rel)
                          : azk_buf_printf(&dest, "%s/%s.%s", w->release, rel, id);
        if (rc != AZK_OK)
            goto done;
        rc = mkdirs_for((const char *)dest.data);
        if (rc != AZK_OK)
            goto done;
        /* announce the destination before the move: a restart completes it */
        rc = azk_store__prepare(w->h, &st,
                                "UPDATE guard_items SET state = 'releasing', dest = ?1,"
                                " updated_at = ?2 WHERE id = ?3");
        if (rc != AZK_OK)
            goto done;
        azk_store__now(now);
        sqlite3_bind_text(st, 1, (const char *)dest.data, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, now, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = azk_store__dberr(w->h->db, "guard journal");
        sqlite3_finalize(st);
        st = NULL;
        if (rc != AZK_OK)
            goto done;
        rc = move_noreplace(src, (const char *)dest.data);
        if (rc == AZK_OK || rc != AZK_ERR_ARG)
            break;
    }
    if (rc != AZK_OK)
        goto done;
    rc = set_state(w->h, id, "released");
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__audit(w->h, "guard.release", objs, 1, "clean", NULL);
done:
    azk_buf_dispose(&dest);
    return rc;
}

static azk_status quarantine_file(struct watcher *w, const char *id, const char *rel,
                                  const char *src, const azk_guard_decision *d)
{
    struct azk_vault_writer *vw = NULL;
    uint8_t wrapped[AZK_VAULT_WRAPPED_LEN];
    char uuid[37], now[32];
    char *dj = NULL;
    sqlite3_stmt *st = NULL;
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
    /* the spool key goes to the keystore (store/keystore.h); a retried claim finds it there */
    rc = azk_store__key_put(w->h, AZK_KEY_GUARD, id, wrapped, sizeof(wrapped));
    if (rc == AZK_ERR_ARG) {
        if (azk_store__key_destroy(w->h, AZK_KEY_GUARD, id, NULL) == AZK_OK)
            rc = azk_store__key_put(w->h, AZK_KEY_GUARD, id, wrapped, sizeof(wrapped));
    }
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__prepare(w->h, &st,
                            "UPDATE guard_items SET state = 'quarantined', uuid = ?1,"
                            " size = ?3, decision = ?4, updated_at = ?5 WHERE id = ?6");
    if (rc != AZK_OK)
        goto done;
    azk_store__now(now);
    sqlite3_bind_text(st, 1, uuid, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)size);
    sqlite3_bind_text(st, 4, dj, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = azk_store__dberr(w->h->db, "guard journal");
    sqlite3_finalize(st);
    if (rc != AZK_OK)
        goto done;
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

/* ---- judging ---------------------------------------------------------------------------- */

struct one {
    azk_guard_decision d;
    int count;
};

static void one_cb(const char *path, const azk_guard_decision *d, void *payload)
{
    struct one *o = payload;
    (void)path;
    if (o->count == 0)
        o->d = *d;
    else if (d->verdict > o->d.verdict)
        o->d = *d;
    o->count++;
}

/* True when nobody has the file open for writing (read lease probe). */
static int writers_gone(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    int r;
    if (fd < 0)
        return -1;
    r = fcntl(fd, F_SETLEASE, F_RDLCK);
    if (r == 0) {
        (void)fcntl(fd, F_SETLEASE, F_UNLCK);
        close(fd);
        return 1;
    }
    r = errno;
    close(fd);
    return r == EAGAIN ? 0 : 2; /* 2: leases unavailable here; settle time only */
}

static void judge(struct watcher *w, const char *id)
{
    sqlite3_stmt *st = NULL;
    azk_buf src = AZK_BUF_INIT;
    char *rel = NULL;
    struct stat a, b;
    struct one o;
    int wg;
    if (azk_store__prepare(w->h, &st,
                           "SELECT rel_path FROM guard_items WHERE id = ?1 AND "
                           "state = 'claimed'") != AZK_OK)
        return;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        rel = azk_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (rel == NULL)
        return;
    if (azk_buf_printf(&src, "%s/%s", w->priv, id) != AZK_OK)
        goto done;
    if (lstat((const char *)src.data, &a) != 0) {
        azk_log(AZK_LOG_ERROR, "watch: claimed item %s has no file; left in the journal", id);
        goto done;
    }
    wg = writers_gone((const char *)src.data);
    if (wg == 0) {
        enqueue(w, NULL, id, mono_ms() + w->settle_ms); /* still being written */
        goto done;
    }
    memset(&o, 0, sizeof(o));
    if (azk_guard_check_path(w->guard, (const char *)src.data, one_cb, &o) != AZK_OK ||
        o.count == 0) {
        azk_guard_decision_init(&o.d);
        azk_guard_decision_fail(&o.d, AZK_GUARD_R_INTERNAL, "scan");
        azk_guard_decision_finish(&o.d, &w->policy);
    }
    if (lstat((const char *)src.data, &b) != 0 || a.st_size != b.st_size ||
        a.st_mtim.tv_sec != b.st_mtim.tv_sec || a.st_mtim.tv_nsec != b.st_mtim.tv_nsec) {
        enqueue(w, NULL, id, mono_ms() + w->settle_ms); /* changed while scanned */
        goto done;
    }
    if (o.d.verdict == AZK_GUARD_BLOCK) {
        if (quarantine_file(w, id, rel, (const char *)src.data, &o.d) != AZK_OK) {
            azk_log(AZK_LOG_ERROR, "watch: cannot quarantine %s (%s); kept, retried", id,
                    azk_error_last()->message);
            enqueue(w, NULL, id, mono_ms() + RETRY_MS);
        }
    } else if (release_file(w, id, rel, (const char *)src.data) != AZK_OK) {
        azk_log(AZK_LOG_ERROR, "watch: cannot release %s (%s); retried", id,
                azk_error_last()->message);
        enqueue(w, NULL, id, mono_ms() + RETRY_MS);
    }
done:
    azk_free(rel);
    azk_buf_dispose(&src);
}

/* Claim outbox/rel: journal row, then rename into the private directory. */
static void claim(struct watcher *w, const char *rel)
{
    azk_buf path = AZK_BUF_INIT, dst = AZK_BUF_INIT;
    sqlite3_stmt *st = NULL;
    struct stat sb;
    char id[24], now[32];
    if (skip_rel(rel))
        return;
    if (azk_buf_printf(&path, "%s/%s", w->outbox, rel) != AZK_OK)
        goto done;
    if (lstat((const char *)path.data, &sb) != 0 || !S_ISREG(sb.st_mode))
        goto done; /* gone, or not a regular file: never released */
    {
        struct timespec ts;
        uint64_t age_ms;
        clock_gettime(CLOCK_REALTIME, &ts);
        age_ms = (uint64_t)(ts.tv_sec - sb.st_mtim.tv_sec) * 1000u;
        if (ts.tv_sec >= sb.st_mtim.tv_sec && age_ms < w->settle_ms) {
            enqueue(w, rel, NULL, mono_ms() + w->settle_ms - age_ms);
            goto done;
        }
    }
    new_id(id);
    if (azk_store__prepare(w->h, &st,
                           "INSERT INTO guard_items(id, rel_path, state, outbox, release_dir,"
                           " created_at, updated_at) VALUES(?1, ?2, 'claimed', ?3, ?4, ?5, ?5)") !=
        AZK_OK)
        goto done;
    azk_store__now(now);
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, rel, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, w->outbox, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, w->release, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        sqlite3_finalize(st);
        enqueue(w, rel, NULL, mono_ms() + RETRY_MS);
        goto done;
    }
    sqlite3_finalize(st);
    if (azk_buf_printf(&dst, "%s/%s", w->priv, id) != AZK_OK ||
        rename((const char *)path.data, (const char *)dst.data) != 0) {
        /* gone meanwhile (or renamed by its sender): forget the claim */
        if (azk_store__prepare(w->h, &st, "DELETE FROM guard_items WHERE id = ?1") == AZK_OK) {
            sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
            (void)sqlite3_step(st);
            sqlite3_finalize(st);
        }
        goto done;
    }
    judge(w, id);
done:
    azk_buf_dispose(&path);
    azk_buf_dispose(&dst);
}

/* Complete or redo what a previous run left half-done (see the file comment). */
static void recover(struct watcher *w)
{
    sqlite3_stmt *st = NULL;
    if (azk_store__prepare(w->h, &st,
                           "SELECT id, state, dest FROM guard_items WHERE outbox = ?1"
                           " AND state IN ('claimed', 'releasing', 'quarantined',"
                           " 'requested')") != AZK_OK)
        return;
    sqlite3_bind_text(st, 1, w->outbox, -1, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        const char *id = (const char *)sqlite3_column_text(st, 0);
        const char *state = (const char *)sqlite3_column_text(st, 1);
        const char *dest = (const char *)sqlite3_column_text(st, 2);
        azk_buf src = AZK_BUF_INIT;
        struct stat sb;
        bool exists;
        if (azk_buf_printf(&src, "%s/%s", w->priv, id) != AZK_OK)
            continue;
        exists = lstat((const char *)src.data, &sb) == 0;
        if (strcmp(state, "claimed") == 0) {
            if (exists) {
                enqueue(w, NULL, id, 0);
            } else {
                /* stopped between the journal row and the rename: the file is still in
                 * the outbox (the rescan claims it again) or its sender took it away */
                sqlite3_stmt *del = NULL;
                if (azk_store__prepare(w->h, &del,
                                       "DELETE FROM guard_items WHERE id = ?1 AND"
                                       " state = 'claimed'") == AZK_OK) {
                    sqlite3_bind_text(del, 1, id, -1, SQLITE_TRANSIENT);
                    (void)sqlite3_step(del);
                    sqlite3_finalize(del);
                }
            }
        } else if (strcmp(state, "releasing") == 0) {
            struct stat db;
            if (exists && dest != NULL && lstat(dest, &db) == 0 && db.st_size == sb.st_size) {
                /* copied across filesystems before the crash: only the unlink is left */
                (void)unlink((const char *)src.data);
            } else if (exists && dest != NULL) {
                if (move_noreplace((const char *)src.data, dest) != AZK_OK) {
                    azk_buf_dispose(&src);
                    continue;
                }
            }
            (void)set_state(w->h, id, "released");
        } else if (exists) {
            /* quarantined: the encrypted copy is durable, the plaintext must go */
            (void)unlink((const char *)src.data);
        }
        azk_buf_dispose(&src);
    }
    sqlite3_finalize(st);
}

static void process_due(struct watcher *w, bool all)
{
    uint64_t now = mono_ms();
    size_t i = 0;
    while (i < w->q_len) {
        struct pending p = w->q[i];
        if (!all && p.due_ms > now) {
            i++;
            continue;
        }
        w->q[i] = w->q[--w->q_len];
        if (p.id != NULL)
            judge(w, p.id);
        else
            claim(w, p.rel);
        azk_free(p.id);
        azk_free(p.rel);
        now = mono_ms();
    }
}

static char *abs_dir(const char *p)
{
    char r[PATH_MAX];
    struct stat st;
    if (realpath(p, r) == NULL || stat(r, &st) != 0 || !S_ISDIR(st.st_mode))
        return NULL;
    return azk_strdup(r);
}

azk_status azk_guard_watch_run(struct azk_home *h, const azk_guard_watch_options *o,
                               const volatile int *stop)
{
    struct watcher w;
    azk_status rc;
    size_t i;
    AZK_ASSERT_ARG(h != NULL && o != NULL && o->policy != NULL && o->outbox != NULL &&
                   o->release != NULL && o->quarantine != NULL);
    azk_error_clear();
    memset(&w, 0, sizeof(w));
    w.h = h;
    w.ifd = -1;
    w.settle_ms = o->settle_ms;
    rc = azk_policy__copy(&w.policy, o->policy);
    if (rc != AZK_OK)
        return rc;
    w.outbox = abs_dir(o->outbox);
    w.release = abs_dir(o->release);
    w.quarantine = abs_dir(o->quarantine);
    if (w.outbox == NULL || w.release == NULL || w.quarantine == NULL) {
        rc = azk_error_set(AZK_ERR_IO, "watch: outbox, release or quarantine is not a folder");
        goto done;
    }
    if (strcmp(w.outbox, w.release) == 0) {
        rc = azk_error_set(AZK_ERR_ARG, "watch: the release folder must not be the outbox");
        goto done;
    }
    {
        azk_buf p = AZK_BUF_INIT;
        if (azk_buf_printf(&p, "%s/%s", w.outbox, PRIV_DIR) != AZK_OK) {
            rc = azk_error_nomem();
            goto done;
        }
        if (mkdir((const char *)p.data, 0700) != 0 && errno != EEXIST) {
            azk_buf_dispose(&p);
            rc = azk_error_errno("watch: private folder");
            goto done;
        }
        (void)chmod((const char *)p.data, 0700);
        w.priv = azk_buf_detach(&p);
    }
    rc = ensure_schema(h);
    if (rc != AZK_OK)
        goto done;
    rc = azk_guard_new(&w.guard, &w.policy);
    if (rc != AZK_OK)
        goto done;
    if (!o->once) {
        w.ifd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
        if (w.ifd < 0) {
            rc = azk_error_errno("watch: inotify");
            goto done;
        }
    }
    recover(&w);
    scan_dir(&w, "", 0); /* files already there, and watches on every folder */
    if (o->once) {
        process_due(&w, true);
        /* items still being written wait for the next run */
        rc = AZK_OK;
        goto done;
    }
    while (stop == NULL || *stop == 0) {
        struct pollfd pfd = {w.ifd, POLLIN, 0};
        uint64_t next = UINT64_MAX, now = mono_ms();
        int timeout = 1000;
        for (i = 0; i < w.q_len; i++) {
            if (w.q[i].due_ms < next)
                next = w.q[i].due_ms;
        }
        if (next != UINT64_MAX)
            timeout = next <= now ? 0 : (next - now < 1000 ? (int)(next - now) : 1000);
        if (poll(&pfd, 1, timeout) > 0)
            read_events(&w);
        process_due(&w, false);
    }
    rc = AZK_OK;
done:
    for (i = 0; i < w.q_len; i++) {
        azk_free(w.q[i].rel);
        azk_free(w.q[i].id);
    }
    azk_free(w.q);
    for (i = 0; i < w.wd_cap; i++)
        azk_free(w.wd_rel[i]);
    azk_free(w.wd_rel);
    if (w.ifd >= 0)
        close(w.ifd);
    azk_guard_free_checker(w.guard);
    azk_guard_policy_dispose(&w.policy);
    azk_free(w.outbox);
    azk_free(w.release);
    azk_free(w.quarantine);
    azk_free(w.priv);
    return rc;
}

/* ---- list, request, approve ------------------------------------------------------------------ */

azk_status azk_guard_item_list(struct azk_home *h, azk_guard_item_cb cb, void *payload)
{
    sqlite3_stmt *st = NULL;
    azk_status rc;
    int step;
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    azk_error_clear();
    rc = ensure_schema(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__prepare(h, &st,
                            "SELECT id, state, rel_path, decision, requested_by, request_reason,"
                            " approved_by, updated_at FROM guard_items"
                            " ORDER BY created_at DESC, id");
    if (rc != AZK_OK)
        return rc;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        azk_guard_item it;
        it.id = (const char *)sqlite3_column_text(st, 0);
        it.state = (const char *)sqlite3_column_text(st, 1);
        it.path = (const char *)sqlite3_column_text(st, 2);
        it.decision = (const char *)sqlite3_column_text(st, 3);
        it.requested_by = (const char *)sqlite3_column_text(st, 4);
        it.reason = (const char *)sqlite3_column_text(st, 5);
        it.approved_by = (const char *)sqlite3_column_text(st, 6);
        it.updated_at = (const char *)sqlite3_column_text(st, 7);
        rc = cb(&it, payload);
        if (rc != AZK_OK)
            break;
    }
    if (rc == AZK_OK && step != SQLITE_DONE)
        rc = azk_store__dberr(h->db, "guard journal");
    sqlite3_finalize(st);
    return rc;
}

azk_status azk_guard_request(struct azk_home *h, const char *id, const char *reason)
{
    sqlite3_stmt *st = NULL;
    const char *objs[1] = {id};
    const char *user = NULL;
    char now[32];
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && reason != NULL);
    azk_error_clear();
    if (reason[0] == '\0')
        return azk_error_set(AZK_ERR_ARG, "guard request: a reason is required");
    rc = ensure_schema(h);
    if (rc != AZK_OK)
        return rc;
    /* the requester is a person: an enrolled user who passed TOTP */
    rc = azk_identity__requester(h, "guard.request", id, &user);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__prepare(h, &st,
                            "UPDATE guard_items SET state = 'requested', requested_by = ?1,"
                            " request_reason = ?2, updated_at = ?3"
                            " WHERE id = ?4 AND state = 'quarantined'");
    if (rc != AZK_OK)
        return rc;
    azk_store__now(now);
    sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, reason, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = azk_store__dberr(h->db, "guard journal");
    sqlite3_finalize(st);
    if (rc != AZK_OK)
        return rc;
    if (sqlite3_changes(h->db) != 1)
        return azk_error_set(AZK_ERR_NOTFOUND, "guard request: no quarantined item %.40s", id);
    return azk_store__audit(h, "guard.request", objs, 1, reason, NULL);
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
    sqlite3_stmt *st = NULL;
    const char *objs[1] = {id};
    char *rel = NULL, *rdir = NULL, *uuid = NULL, *requester = NULL;
    uint8_t wrapped[AZK_VAULT_WRAPPED_LEN];
    azk_buf tmp = AZK_BUF_INIT, dest = AZK_BUF_INIT;
    struct out_file of = {-1};
    const char *user = NULL;
    char now[32];
    azk_status rc;
    int attempt;
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    azk_error_clear();
    if (out_path != NULL)
        *out_path = NULL;
    rc = ensure_schema(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__prepare(h, &st,
                            "SELECT rel_path, release_dir, uuid, NULL, requested_by,"
                            " state FROM guard_items WHERE id = ?1");
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        return azk_error_set(AZK_ERR_NOTFOUND, "guard approve: no item %.40s", id);
    }
    if (strcmp((const char *)sqlite3_column_text(st, 5), "requested") != 0) {
        sqlite3_finalize(st);
        return azk_error_set(AZK_ERR_ARG, "guard approve: item %.40s is not requested", id);
    }
    {
        /* the spool key lives in the keystore (store/keystore.h) */
        uint8_t *wk = NULL;
        size_t wkl = 0;
        rc = azk_store__key_get(h, AZK_KEY_GUARD, id, &wk, &wkl);
        if (rc == AZK_OK && wkl != AZK_VAULT_WRAPPED_LEN)
            rc = azk_error_set(AZK_ERR_INTEGRITY, "guard approve: item %.40s: bad key", id);
        if (rc == AZK_OK)
            memcpy(wrapped, wk, AZK_VAULT_WRAPPED_LEN);
        azk_free_secret(wk, wkl);
        if (rc != AZK_OK) {
            sqlite3_finalize(st);
            return rc;
        }
    }
    rel = azk_strdup((const char *)sqlite3_column_text(st, 0));
    rdir = azk_strdup((const char *)sqlite3_column_text(st, 1));
    uuid = azk_strdup((const char *)sqlite3_column_text(st, 2));
    requester = azk_strdup((const char *)sqlite3_column_text(st, 4));
    sqlite3_finalize(st);
    if (rel == NULL || rdir == NULL || uuid == NULL || requester == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    /* the two-person rule of the library: a second enrolled, TOTP-authenticated person */
    rc = azk_identity__approver(h, "guard.approve", id, requester, NULL, &user);
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__audit(h, "guard.approve", objs, 1, NULL, NULL);
    if (rc != AZK_OK)
        goto done; /* no release without its ledger entry */
    for (attempt = 0; attempt < 2; attempt++) {
        azk_buf_clear(&dest);
        rc = attempt == 0 ? azk_buf_printf(&dest, "%s/%s", rdir, rel)
                          : azk_buf_printf(&dest, "%s/%s.%s", rdir, rel, id);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&tmp, "%s.azk-tmp", (const char *)dest.data);
        if (rc == AZK_OK)
            rc = mkdirs_for((const char *)dest.data);
        if (rc != AZK_OK)
            goto done;
        of.fd = open((const char *)tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (of.fd < 0) {
            rc = azk_error_errno("guard approve: create");
            goto done;
        }
        rc = azk_vault__read(h, uuid, wrapped, sizeof(wrapped), write_plain, &of);
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
    (void)fsync_dir_of((const char *)dest.data);
    rc = azk_store__prepare(h, &st,
                            "UPDATE guard_items SET state = 'released', approved_by = ?1,"
                            " dest = ?2, updated_at = ?3 WHERE id = ?4");
    if (rc != AZK_OK)
        goto done;
    azk_store__now(now);
    sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, (const char *)dest.data, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = azk_store__dberr(h->db, "guard journal");
    sqlite3_finalize(st);
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__audit(h, "guard.release", objs, 1, "approved", NULL);
    if (rc == AZK_OK && out_path != NULL)
        *out_path = azk_buf_detach(&dest);
done:
    if (of.fd >= 0)
        close(of.fd);
    if (rc != AZK_OK && tmp.len > 0)
        (void)unlink((const char *)tmp.data);
    azk_buf_dispose(&tmp);
    azk_buf_dispose(&dest);
    azk_free(rel);
    azk_free(rdir);
    azk_free(uuid);
    azk_free(requester);
    return rc;
}
