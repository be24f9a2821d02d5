/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard/watch.c -- the transfer folder between zones: a watcher that
 * judges every complete file, releases clean ones and quarantines the
 * others encrypted in the vault (the two-person release of a quarantined
 * file is in watch_release.c, finding files in watch_inotify.c).
 *
 * A file is taken by renaming it into <outbox>/.azk-guard/<id> (a private
 * directory on the same filesystem), after a journal row "claimed" is
 * written. Only then is it probed with a read lease (F_SETLEASE fails while
 * anyone has it open for writing) and scanned; a file changed during the
 * scan is scanned again. Journal states (table guard_items of the catalog,
 * store/guard_items.h):
 *
 *   claimed -> releasing(dest) -> released
 *   claimed -> quarantined(vault uuid; key in the keystore) -> requested
 *           -> approving -> released
 *
 * Each state is written before the step it announces, so a restart redoes
 * or completes exactly the interrupted step: a "releasing" item whose
 * private file is gone was released; a "claimed" item is judged again;
 * a "quarantined" item whose private file is still there only needs it
 * removed. Nothing is ever released from a state other than these.
 */
#include "guard/watch_int.h"
#include "policy/policy_int.h"
#include "store/guard_items.h"

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

uint64_t azk_guard__mono_ms(void)
{
    return azk_now_ns() / 1000000u;
}

static void new_id(char out[24])
{
    uint8_t r[8];
    randombytes_buf(r, sizeof(r));
    out[0] = 'Q';
    out[1] = '-';
    sodium_bin2hex(out + 2, 17, r, sizeof(r));
}

/* ---- queue ------------------------------------------------------------------ */

void azk_guard__enqueue(struct azk_guard_watcher *w, const char *rel, const char *id, uint64_t due)
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
        struct azk_guard_pending *nq = azk_realloc(w->q, nc * sizeof(*nq));
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

/* ---- judging ---------------------------------------------------------------------------- */

struct one {
    azk_guard_decision d;
    int count;
};

static azk_status one_cb(const char *path, const azk_guard_decision *d, void *payload)
{
    struct one *o = payload;
    (void)path;
    if (o->count == 0)
        o->d = *d;
    else if (d->verdict > o->d.verdict)
        o->d = *d;
    o->count++;
    return AZK_OK;
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

static void judge(struct azk_guard_watcher *w, const char *id)
{
    azk_buf src = AZK_BUF_INIT, relb = AZK_BUF_INIT;
    const char *rel;
    struct stat a, b;
    struct one o;
    bool found = false;
    int wg;
    if (azk_store__guard_claimed_rel(w->h, id, &relb, &found) != AZK_OK) {
        azk_log(AZK_LOG_ERROR, "watch: journal unreadable for %s (%s); retried", id,
                azk_error_last()->message);
        azk_guard__enqueue(w, NULL, id, azk_guard__mono_ms() + AZK_GUARD_RETRY_MS);
        goto done;
    }
    if (!found)
        goto done;
    rel = (const char *)relb.data;
    if (azk_buf_printf(&src, "%s/%s", w->priv, id) != AZK_OK)
        goto done;
    if (lstat((const char *)src.data, &a) != 0) {
        azk_log(AZK_LOG_ERROR, "watch: claimed item %s has no file; left in the journal", id);
        goto done;
    }
    wg = writers_gone((const char *)src.data);
    if (wg == 0) {
        azk_guard__enqueue(w, NULL, id,
                           azk_guard__mono_ms() + w->settle_ms); /* still being written */
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
        azk_guard__enqueue(w, NULL, id,
                           azk_guard__mono_ms() + w->settle_ms); /* changed while scanned */
        goto done;
    }
    if (o.d.verdict == AZK_GUARD_BLOCK) {
        if (azk_guard__quarantine_file(w, id, rel, (const char *)src.data, &o.d) != AZK_OK) {
            azk_log(AZK_LOG_ERROR, "watch: cannot quarantine %s (%s); kept, retried", id,
                    azk_error_last()->message);
            azk_guard__enqueue(w, NULL, id, azk_guard__mono_ms() + AZK_GUARD_RETRY_MS);
        }
    } else if (azk_guard__release_file(w, id, rel, (const char *)src.data) != AZK_OK) {
        azk_log(AZK_LOG_ERROR, "watch: cannot release %s (%s); retried", id,
                azk_error_last()->message);
        azk_guard__enqueue(w, NULL, id, azk_guard__mono_ms() + AZK_GUARD_RETRY_MS);
    }
done:
    azk_buf_dispose(&relb);
    azk_buf_dispose(&src);
}

/* Claim outbox/rel: journal row, then rename into the private directory. */
static void claim(struct azk_guard_watcher *w, const char *rel)
{
    azk_buf path = AZK_BUF_INIT, dst = AZK_BUF_INIT;
    struct stat sb;
    char id[24];
    if (azk_guard__skip_rel(rel))
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
            azk_guard__enqueue(w, rel, NULL, azk_guard__mono_ms() + w->settle_ms - age_ms);
            goto done;
        }
    }
    new_id(id);
    if (azk_store__guard_claim(w->h, id, rel, w->outbox, w->release) != AZK_OK) {
        azk_log(AZK_LOG_ERROR, "watch: cannot write the journal (%s); retried",
                azk_error_last()->message);
        azk_guard__enqueue(w, rel, NULL, azk_guard__mono_ms() + AZK_GUARD_RETRY_MS);
        goto done;
    }
    if (azk_buf_printf(&dst, "%s/%s", w->priv, id) != AZK_OK ||
        rename((const char *)path.data, (const char *)dst.data) != 0) {
        /* gone meanwhile (or renamed by its sender): forget the claim */
        if (azk_store__guard_forget(w->h, id) != AZK_OK)
            azk_log(AZK_LOG_ERROR, "watch: cannot forget claim %s (%s); a restart does", id,
                    azk_error_last()->message);
        goto done;
    }
    judge(w, id);
done:
    azk_buf_dispose(&path);
    azk_buf_dispose(&dst);
}

/* Complete or redo what a previous run left half-done (see the file comment). */
static void recover_one(const char *id, const char *state, const char *dest, void *payload)
{
    struct azk_guard_watcher *w = payload;
    azk_buf src = AZK_BUF_INIT;
    struct stat sb;
    bool exists;
    if (azk_buf_printf(&src, "%s/%s", w->priv, id) != AZK_OK)
        return;
    exists = lstat((const char *)src.data, &sb) == 0;
    if (strcmp(state, "claimed") == 0) {
        if (exists) {
            azk_guard__enqueue(w, NULL, id, 0);
        } else if (azk_store__guard_forget(w->h, id) != AZK_OK) {
            /* stopped between the journal row and the rename: the file is still in
             * the outbox (the rescan claims it again) or its sender took it away */
            azk_log(AZK_LOG_ERROR, "watch: cannot forget claim %s (%s)", id,
                    azk_error_last()->message);
        }
    } else if (strcmp(state, "releasing") == 0) {
        struct stat db;
        if (exists && dest != NULL && lstat(dest, &db) == 0 && db.st_size == sb.st_size) {
            /* copied across filesystems before the crash: only the unlink is left */
            (void)unlink((const char *)src.data);
        } else if (exists && dest != NULL) {
            if (azk_guard__move_noreplace((const char *)src.data, dest) != AZK_OK) {
                azk_buf_dispose(&src);
                return;
            }
        }
        if (azk_store__guard_set_state(w->h, id, "released") != AZK_OK)
            azk_log(AZK_LOG_ERROR, "watch: cannot record the release of %s (%s)", id,
                    azk_error_last()->message);
    } else if (exists) {
        /* quarantined: the encrypted copy is durable, the plaintext must go */
        (void)unlink((const char *)src.data);
    }
    azk_buf_dispose(&src);
}

static void recover(struct azk_guard_watcher *w)
{
    if (azk_store__guard_pending(w->h, w->outbox, recover_one, w) != AZK_OK)
        azk_log(AZK_LOG_ERROR, "watch: journal unreadable (%s); nothing recovered",
                azk_error_last()->message);
}

static void process_due(struct azk_guard_watcher *w, bool all)
{
    uint64_t now = azk_guard__mono_ms();
    size_t i = 0;
    while (i < w->q_len) {
        struct azk_guard_pending p = w->q[i];
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
        now = azk_guard__mono_ms();
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

azk_status azk_guard_watch_run(struct azk_home *h, const azk_guard_watch_options *o_in,
                               const volatile int *stop)
{
    static const azk_guard_watch_options o_def = AZK_GUARD_WATCH_OPTIONS_INIT;
    azk_guard_watch_options o_v;
    const azk_guard_watch_options *o = &o_v;
    struct azk_guard_watcher w;
    azk_status rc;
    size_t i;

    if (azk__options_in(&o_v, sizeof(o_v), &o_def, o_in, true, "azk_guard_watch_run") != AZK_OK)
        return azk_error_last()->code;
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
        if (azk_buf_printf(&p, "%s/%s", w.outbox, AZK_GUARD_PRIV_DIR) != AZK_OK) {
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
    azk_guard__scan_dir(&w, "", 0); /* files already there, and watches on every folder */
    if (o->once) {
        process_due(&w, true);
        /* items still being written wait for the next run */
        rc = AZK_OK;
        goto done;
    }
    while (stop == NULL || *stop == 0) {
        struct pollfd pfd = {w.ifd, POLLIN, 0};
        uint64_t next = UINT64_MAX, now = azk_guard__mono_ms();
        int timeout = 1000;
        for (i = 0; i < w.q_len; i++) {
            if (w.q[i].due_ms < next)
                next = w.q[i].due_ms;
        }
        if (next != UINT64_MAX)
            timeout = next <= now ? 0 : (next - now < 1000 ? (int)(next - now) : 1000);
        if (poll(&pfd, 1, timeout) > 0)
            azk_guard__read_events(&w);
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
    azk_guard_free(w.guard);
    azk_guard_policy_dispose(&w.policy);
    azk_free(w.outbox);
    azk_free(w.release);
    azk_free(w.quarantine);
    azk_free(w.priv);
    return rc;
}
