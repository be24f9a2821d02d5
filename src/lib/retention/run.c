/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/run.c -- the retention run: for each due dataset an idempotent
 * state machine kept in ret_state:
 *   (none) -> shredding      fingerprints exported to <home>/retention/,
 *                            ledger "retention.shred" durable (fdatasync)
 *   shredding -> key_destroyed   wrapped key NULL, fingerprint row deleted,
 *                            secure_delete + wal_checkpoint(TRUNCATE), key
 *                            bytes searched for in the catalog files
 *   key_destroyed -> vault_removed   vault file overwritten and unlinked
 *   vault_removed -> artifacts_removed   every registered artifact
 *   artifacts_removed -> clean | incomplete   sweep of both zones
 *   incomplete -> (artifacts again) -> sweep again
 * A crash between two steps leaves the state of the last committed step;
 * each step is safe to repeat. No key is destroyed before its ledger entry
 * is durable; no certificate is issued without a clean sweep (cert.c).
 */
#include "retention/ret_int.h"
#include "azukari/audit.h"
#include "azukari/fingerprint.h"
#include "azukari/scan.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Test builds only (AZK_TESTING): a release build never pauses. */
void azk_ret__pause(const char *step)
{
#ifndef AZK_TESTING
    (void)step;
#else
    const char *p = getenv("AZK_TEST_PAUSE");
    const char *f = getenv("AZK_TEST_PAUSE_FILE");
    if (p == NULL || strcmp(p, step) != 0)
        return;
    if (f != NULL) {
        int fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0)
            close(fd);
    }
    for (;;)
        (void)sleep(60);
#endif
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

/* ---- the run --------------------------------------------------------------- */

struct run {
    azk_home *h;
    const azk_retention_run_options *o;
    int64_t now;
    azk_retention_progress_cb cb;
    void *payload;
    azk_retention_summary *sum;
};

struct dsinfo {
    char id[72], client[72], uuid[40], retain_until[16], state[24];
    uint64_t records;
};

static azk_status dsinfo_cb(const azk_dataset_info *d, void *payload)
{
    struct dsinfo *x = payload;
    (void)snprintf(x->id, sizeof(x->id), "%s", d->id);
    (void)snprintf(x->client, sizeof(x->client), "%s", d->client);
    (void)snprintf(x->uuid, sizeof(x->uuid), "%s", d->uuid);
    (void)snprintf(x->retain_until, sizeof(x->retain_until), "%s", d->retain_until);
    (void)snprintf(x->state, sizeof(x->state), "%s", d->state);
    x->records = d->records;
    return AZK_OK;
}

static void progress(struct run *r, const char *ds, const char *state, const char *detail)
{
    if (r->cb != NULL)
        r->cb(ds, state, detail, r->payload);
}

static azk_status set_state(azk_home *h, const char *ds, const char *state)
{
    sqlite3_stmt *st = NULL;
    char now[32];
    azk_status rc = azk_store__prepare(
        h, &st,
        "INSERT INTO ret_state(dataset,state,updated_at) VALUES(?1,?2,?3)"
        " ON CONFLICT(dataset) DO UPDATE SET state=excluded.state, updated_at=excluded.updated_at");
    if (rc != AZK_OK)
        return rc;
    azk_store__now(now);
    sqlite3_bind_text(st, 1, ds, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = azk_store__dberr(h->db, "set retention state");
    sqlite3_finalize(st);
    return rc;
}

/* <home>/retention/<name>.fp and its key file <name>.fp.key */
static azk_status fp_paths(const azk_home *h, const char *name, azk_buf *fp, azk_buf *key)
{
    azk_status rc = azk_store__path(fp, h, "retention");
    if (rc != AZK_OK)
        return rc;
    if (mkdir((const char *)fp->data, 0700) != 0 && errno != EEXIST)
        return azk_error_errno("create retention directory");
    rc = azk_buf_printf(fp, "/%s.fp", name);
    if (rc == AZK_OK)
        rc = azk_buf_printf(key, "%s.key", (const char *)fp->data);
    return rc;
}

/* Step 1: the durable ledger entry, then the state. The fingerprints were
 * exported to the run's batch file before (azk_retention_run). */
static azk_status step_shred(struct run *r, const struct dsinfo *d, const char *batch)
{
    azk_status rc;
    sqlite3_stmt *st = NULL;
    azk_buf extra = AZK_BUF_INIT;
    uint8_t kid[16], commit[32];
    char kid_hex[33], commit_hex[65], nowiso[32], today[16];
    uint64_t index = 0;
    bool late, early = false;
    static const char label[] = "azukari dataset key id v1";

    rc = azk_store__prepare(r->h, &st,
                            "SELECT wrapped_key, (SELECT request FROM ret_early WHERE dataset=?1)"
                            " FROM datasets WHERE id = ?1");
    if (rc != AZK_OK)
        goto done;
    sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW || sqlite3_column_type(st, 0) != SQLITE_BLOB) {
        rc = azk_error_set(AZK_ERR_INTEGRITY, "dataset has no wrapped key to destroy");
        goto done;
    }
    crypto_generichash(kid, sizeof(kid), sqlite3_column_blob(st, 0),
                       (size_t)sqlite3_column_bytes(st, 0), (const uint8_t *)label,
                       sizeof(label) - 1);
    crypto_hash_sha256(commit, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
    early = sqlite3_column_type(st, 1) != SQLITE_NULL;
    sodium_bin2hex(kid_hex, sizeof(kid_hex), kid, sizeof(kid));
    sodium_bin2hex(commit_hex, sizeof(commit_hex), commit, sizeof(commit));
    azk_ret__iso(r->now, nowiso);
    azk_ret__date(r->now - 86400, today);
    late = strcmp(today, d->retain_until) > 0;
    rc = azk_buf_printf(&extra,
                        "{\"key_id\":\"%s\",\"key_commitment\":\"sha256:%s\",\"retain_until\":"
                        "\"%s\",\"at\":\"%s\",\"clock\":\"%s\",\"late\":%s,\"early\":%s,"
                        "\"records\":%llu}",
                        kid_hex, commit_hex, d->retain_until, nowiso, "system",
                        late ? "true" : "false", early ? "true" : "false",
                        (unsigned long long)d->records);
    if (rc != AZK_OK)
        goto done;
    sqlite3_finalize(st);
    st = NULL;
    /* durable before the key is touched */
    rc = azk_ret__audit(r->h, "retention.shred", d->id, NULL, NULL, (const char *)extra.data,
                        &index);
    if (rc != AZK_OK)
        goto done;
    azk_ret__pause("shred");
    rc = azk_store__prepare(
        r->h, &st,
        "INSERT INTO ret_state(dataset,state,key_id,key_commit,shred_index,shred_at,operator,"
        "drill,updated_at,fp_file) VALUES(?1,'shredding',?2,?3,?4,?5,?6,?7,?5,?8)"
        " ON CONFLICT(dataset) DO UPDATE SET state='shredding', key_id=?2, key_commit=?3,"
        " shred_index=?4, shred_at=?5, operator=?6, drill=?7, updated_at=?5, fp_file=?8");
    if (rc != AZK_OK)
        goto done;
    sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, kid_hex, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, commit_hex, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)index);
    sqlite3_bind_text(st, 5, nowiso, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, azk_store__actor(r->h), -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, 0); /* a drill never gets here */
    sqlite3_bind_text(st, 8, batch, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = azk_store__dberr(r->h->db, "record shredding");
done:
    sqlite3_finalize(st);
    azk_buf_dispose(&extra);
    return rc;
}

/* Does the file at path hold `needle`? (evidence that key bytes are gone) */
static azk_status file_contains(const char *path, const uint8_t *needle, size_t n, bool *found)
{
    struct stat sb;
    void *m;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    *found = false;
    if (fd < 0)
        return errno == ENOENT ? AZK_OK : azk_error_errno("read catalog file");
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return azk_error_errno("stat catalog file");
    }
    if (sb.st_size == 0) {
        close(fd);
        return AZK_OK;
    }
    m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return azk_error_errno("map catalog file");
    *found = memmem(m, (size_t)sb.st_size, needle, n) != NULL;
    munmap(m, (size_t)sb.st_size);
    return AZK_OK;
}

/* Step 2: destroy the key (cryptographic erase). */
static azk_status step_key(struct run *r, const struct dsinfo *d)
{
    azk_status rc;
    sqlite3_stmt *st = NULL;
    uint8_t *wk = NULL;
    size_t wk_len = 0;
    azk_buf p = AZK_BUF_INIT;
    bool found = false, f2 = false;
    int busy = 0, logn = 0, ckpt = 0;

    rc = azk_store__prepare(r->h, &st, "SELECT wrapped_key FROM datasets WHERE id = ?1");
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_BLOB) {
        wk_len = (size_t)sqlite3_column_bytes(st, 0);
        wk = azk_malloc(wk_len);
        if (wk == NULL) {
            sqlite3_finalize(st);
            return azk_error_set(AZK_ERR_NOMEM, "out of memory");
        }
        memcpy(wk, sqlite3_column_blob(st, 0), wk_len);
    }
    sqlite3_finalize(st);
    st = NULL;
    rc = azk_store__exec(r->h, "PRAGMA secure_delete=ON", "secure_delete");
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__begin(r->h);
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__prepare(r->h, &st,
                            "UPDATE datasets SET wrapped_key = NULL, state = 'shredded'"
                            " WHERE id = ?1");
    if (rc == AZK_OK) {
        sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = azk_store__dberr(r->h->db, "destroy key");
        sqlite3_finalize(st);
        st = NULL;
    }
    if (rc == AZK_OK)
        rc = azk_store__prepare(r->h, &st, "DELETE FROM fingerprints WHERE dataset = ?1");
    if (rc == AZK_OK) {
        sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = azk_store__dberr(r->h->db, "delete fingerprints");
        sqlite3_finalize(st);
        st = NULL;
    }
    if (rc == AZK_OK)
        rc = set_state(r->h, d->id, "key_destroyed");
    if (rc == AZK_OK)
        rc = azk_store__commit(r->h);
    if (rc != AZK_OK) {
        azk_store__rollback(r->h);
        goto done;
    }
    if (sqlite3_wal_checkpoint_v2(r->h->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &logn, &ckpt) !=
        SQLITE_OK)
        busy = 1;
    if (wk != NULL) {
        rc = azk_store__path(&p, r->h, "catalog.db");
        if (rc == AZK_OK)
            rc = file_contains((const char *)p.data, wk, wk_len, &found);
        if (rc == AZK_OK)
            rc = azk_buf_puts(&p, "-wal");
        if (rc == AZK_OK)
            rc = file_contains((const char *)p.data, wk, wk_len, &f2);
        if (rc != AZK_OK)
            goto done;
    }
    {
        char extra[160];
        (void)snprintf(extra, sizeof(extra), "{\"wal_truncated\":%s,\"key_bytes_in_catalog\":%s}",
                       busy ? "false" : "true", (found || f2) ? "true" : "false");
        rc = azk_ret__audit(r->h, "retention.key_destroyed", d->id,
                            (found || f2) ? "residual" : NULL, NULL, extra, NULL);
    }
    if (rc == AZK_OK && (found || f2))
        rc = azk_error_set(AZK_ERR_INTEGRITY, "wrapped key bytes still in the catalog files "
                                              "(another connection kept the WAL); retry");
    azk_ret__pause("key");
done:
    if (wk != NULL) {
        sodium_memzero(wk, wk_len);
        azk_free(wk);
    }
    azk_buf_dispose(&p);
    return rc;
}

/* Step 3: the vault file. */
static azk_status step_vault(struct run *r, const struct dsinfo *d)
{
    azk_status rc;
    azk_buf p = AZK_BUF_INIT;
    const char *disp = NULL;
    sqlite3_stmt *st = NULL;
    char extra[128];
    rc = azk_store__path(&p, r->h, "vault");
    if (rc == AZK_OK)
        rc = azk_buf_printf(&p, "/%s.azv", d->uuid);
    if (rc != AZK_OK)
        goto done;
    rc = azk_ret__remove_file((const char *)p.data, NULL, r->o->overwrite, &disp, NULL);
    if (rc != AZK_OK && disp == NULL)
        goto done;
    (void)snprintf(extra, sizeof(extra), "{\"copy\":\"vault\",\"disposition\":\"%s\"}", disp);
    {
        azk_status rc2 = azk_ret__audit(r->h, "retention.remove", d->id,
                                        rc == AZK_OK ? NULL : "refused", NULL, extra, NULL);
        if (rc2 != AZK_OK) {
            rc = rc2;
            goto done;
        }
    }
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__prepare(r->h, &st,
                            "UPDATE ret_state SET state='vault_removed', vault_disp=?2"
                            " WHERE dataset=?1");
    if (rc != AZK_OK)
        goto done;
    sqlite3_bind_text(st, 1, d->id, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, disp, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = azk_store__dberr(r->h->db, "record vault removal");
    azk_ret__pause("vault");
done:
    sqlite3_finalize(st);
    azk_buf_dispose(&p);
    return rc;
}

/* Step 4: registered artifacts; *refused counts those left in place. */
static azk_status remove_artifacts(struct run *r, const char *ds, const char *deadline_before,
                                   uint64_t *refused)
{
    azk_status rc;
    sqlite3_stmt *st = NULL, *up = NULL;
    int step;
    *refused = 0;
    rc = azk_store__prepare(r->h, &st,
                            "SELECT path, dev, ino, dataset, size, mtime_ns, ctime_ns, hash,"
                            " disposition FROM ret_artifacts WHERE"
                            " (disposition IS NULL OR disposition LIKE 'refused%')"
                            " AND (?1 IS NULL OR dataset = ?1) AND (?2 IS NULL OR deadline < ?2)");
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__prepare(r->h, &up,
                            "UPDATE ret_artifacts SET disposition=?3 WHERE dataset=?1 AND path=?2");
    if (rc != AZK_OK)
        goto done;
    if (ds != NULL)
        sqlite3_bind_text(st, 1, ds, -1, SQLITE_STATIC);
    if (deadline_before != NULL)
        sqlite3_bind_text(st, 2, deadline_before, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *path = (const char *)sqlite3_column_text(st, 0);
        const char *ads = (const char *)sqlite3_column_text(st, 3);
        const char *prev = (const char *)sqlite3_column_text(st, 8);
        const char *disp = NULL;
        struct azk_ret_fileid want;
        uint64_t links = 0;
        azk_status frc;
        char extra[192];
        if (prev != NULL && strcmp(prev, AZK_RET_DISP_LINKS) == 0) {
            /* this name is gone, the other links are not: a person must deal
             * with them (azk_artifact_resolve); nothing to do again here */
            (*refused)++;
            progress(r, ads, "artifact", prev);
            continue;
        }
        memset(&want, 0, sizeof(want));
        want.dev = (uint64_t)sqlite3_column_int64(st, 1);
        want.ino = (uint64_t)sqlite3_column_int64(st, 2);
        want.size = (uint64_t)sqlite3_column_int64(st, 4);
        want.mtime_ns = sqlite3_column_int64(st, 5);
        want.ctime_ns = sqlite3_column_int64(st, 6);
        if (sqlite3_column_type(st, 7) == SQLITE_TEXT)
            (void)snprintf(want.hash, sizeof(want.hash), "%s",
                           (const char *)sqlite3_column_text(st, 7));
        frc = azk_ret__remove_file(path, &want, r->o->overwrite, &disp, &links);
        if (disp == NULL) {
            /* an I/O error: report it, keep the artifact pending */
            disp = "refused: error";
        }
        if (frc != AZK_OK)
            (*refused)++;
        (void)snprintf(extra, sizeof(extra),
                       "{\"copy\":\"artifact\",\"disposition\":\"%s\",\"other_links\":%llu}", disp,
                       (unsigned long long)links);
        /* the path is operator data, not personal: it is in the catalog; the
         * ledger names the artifact by dataset and disposition only */
        rc = azk_ret__audit(r->h, "retention.remove", ads, frc == AZK_OK ? NULL : "refused", NULL,
                            extra, NULL);
        if (rc != AZK_OK)
            goto done;
        sqlite3_reset(up);
        sqlite3_bind_text(up, 1, ads, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(up, 2, path, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(up, 3, disp, -1, SQLITE_STATIC);
        if (sqlite3_step(up) != SQLITE_DONE) {
            rc = azk_store__dberr(r->h->db, "record artifact");
            goto done;
        }
        progress(r, ads, "artifact", disp);
    }
    if (step != SQLITE_DONE)
        rc = azk_store__dberr(r->h->db, "list artifacts");
done:
    sqlite3_finalize(st);
    sqlite3_finalize(up);
    return rc;
}

struct sweep_ctx {
    azk_home *h;
    char **ids; /* the group, sorted */
    uint64_t *residuals;
    size_t n;
    sqlite3_stmt *ins;
    uint64_t errors;
    azk_status rc;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static azk_status sweep_cb(const azk_scan_result *res, void *payload)
{
    struct sweep_ctx *c = payload;
    if (res->error != AZK_OK)
        c->errors++;
    for (size_t i = 0; i < res->edm_count; i++) {
        azk_buf mem = AZK_BUF_INIT;
        const char *key = res->edm[i].dataset;
        char **hit;
        size_t at;
        if (res->edm[i].row_count == 0)
            continue;
        hit = bsearch(&key, c->ids, c->n, sizeof(*c->ids), cmp_str);
        if (hit == NULL)
            continue;
        at = (size_t)(hit - c->ids);
        c->residuals[at]++;
        for (size_t k = 0; k < res->member_count; k++) {
            if (azk_buf_puts(&mem, k > 0 ? "/" : "") != AZK_OK ||
                azk_buf_puts(&mem, res->member[k]) != AZK_OK)
                c->rc = AZK_ERR_NOMEM;
        }
        sqlite3_reset(c->ins);
        sqlite3_bind_text(c->ins, 1, c->ids[at], -1, SQLITE_STATIC);
        sqlite3_bind_text(c->ins, 2, res->path, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(c->ins, 3, mem.data != NULL ? (const char *)mem.data : "", -1,
                          SQLITE_TRANSIENT);
        sqlite3_bind_int64(c->ins, 4, (sqlite3_int64)res->edm[i].row_count);
        if (sqlite3_step(c->ins) != SQLITE_DONE && c->rc == AZK_OK)
            c->rc = azk_store__dberr(c->h->db, "record residual");
        azk_buf_dispose(&mem);
    }
    return AZK_OK;
}

static azk_status json_paths(json_t *arr, const char *const *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (json_array_append_new(arr, json_string(p[i])) != 0)
            return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    return AZK_OK;
}

static azk_status refused_count(azk_home *h, const char *ds, uint64_t *n)
{
    sqlite3_stmt *st = NULL;
    azk_status rc = azk_store__prepare(h, &st,
                                       "SELECT count(*) FROM ret_artifacts WHERE dataset=?1"
                                       " AND disposition LIKE 'refused%'");
    *n = 0;
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, ds, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        *n = (uint64_t)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return AZK_OK;
}

/* Record the sweep verdict of one dataset (inside the group's transaction). */
static azk_status record_verdict(struct run *r, const char *ds, uint64_t residuals,
                                 const azk_scan_stats *stats, size_t np)
{
    azk_status rc;
    json_t *sj = NULL;
    char *sjs = NULL;
    char nowiso[32];
    sqlite3_stmt *st = NULL;
    uint64_t refused = 0;
    bool clean;
    rc = refused_count(r->h, ds, &refused);
    if (rc != AZK_OK)
        return rc;
    clean = residuals == 0 && refused == 0 && np > 0;
    azk_ret__iso((int64_t)time(NULL), nowiso);
    sj = json_pack("{s:s,s:[],s:[],s:I,s:I,s:I,s:I,s:I,s:I,s:s,s:I}", "swept_at", nowiso, "closed",
                   "general", "files", (json_int_t)stats->files, "objects",
                   (json_int_t)stats->objects, "bytes", (json_int_t)stats->bytes, "errors",
                   (json_int_t)stats->errors, "cached", (json_int_t)stats->cached, "residuals",
                   (json_int_t)residuals, "result",
                   clean ? "clean" : (np == 0 ? "no sweep locations configured" : "residual"),
                   "refused_artifacts", (json_int_t)refused);
    if (sj == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    rc = json_paths(json_object_get(sj, "closed"), r->o->sweep_paths, r->o->sweep_path_count);
    if (rc == AZK_OK)
        rc = json_paths(json_object_get(sj, "general"), r->o->sweep_paths_general,
                        r->o->sweep_path_general_count);
    if (rc != AZK_OK)
        goto done;
    sjs = json_dumps(sj, JSON_COMPACT | JSON_SORT_KEYS);
    if (sjs == NULL) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = azk_ret__audit(r->h, clean ? "retention.clean" : "retention.incomplete", ds,
                        clean ? NULL : "incomplete", NULL, sjs, NULL);
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__prepare(r->h, &st,
                            "UPDATE ret_state SET state=?2, sweep_json=?3, residuals=?4"
                            " WHERE dataset=?1");
    if (rc != AZK_OK)
        goto done;
    sqlite3_bind_text(st, 1, ds, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, clean ? "clean" : "incomplete", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, sjs, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)residuals);
    if (sqlite3_step(st) != SQLITE_DONE) {
        rc = azk_store__dberr(r->h->db, "record sweep");
        goto done;
    }
    if (clean) {
        r->sum->clean++;
        progress(r, ds, "clean", NULL);
    } else {
        char det[96];
        r->sum->incomplete++;
        (void)snprintf(det, sizeof(det), "%llu residual copies, %llu refused artifacts",
                       (unsigned long long)residuals, (unsigned long long)refused);
        progress(r, ds, "incomplete", np == 0 ? "no sweep locations configured" : det);
    }
done:
    sqlite3_finalize(st);
    json_decref(sj);
    free(sjs); /* jansson's allocator; checksrc: ok */
    return rc;
}

/*
 * Step 5: one sweep of both zones for a group of datasets sharing a
 * fingerprint batch file (ids sorted). Each dataset gets its own verdict.
 */
static azk_status sweep_group(struct run *r, char **ids, size_t n, const char *batch)
{
    azk_status rc;
    azk_buf fp = AZK_BUF_INIT, key = AZK_BUF_INIT;
    azk_scan_options so = AZK_SCAN_OPTIONS_INIT;
    azk_scanner *sc = NULL;
    azk_scan_stats stats;
    struct sweep_ctx c;
    const char **paths = NULL;
    size_t np = r->o->sweep_path_count + r->o->sweep_path_general_count;
    sqlite3_stmt *st = NULL;

    memset(&c, 0, sizeof(c));
    memset(&stats, 0, sizeof(stats));
    c.h = r->h;
    c.ids = ids;
    c.n = n;
    c.residuals = azk_calloc(n, sizeof(*c.residuals));
    if (c.residuals == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    rc = fp_paths(r->h, batch, &fp, &key);
    if (rc != AZK_OK)
        goto done;
    if (access((const char *)fp.data, R_OK) != 0) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "the exported fingerprints of the datasets are "
                                             "missing: the sweep cannot run");
        goto done;
    }
    rc = azk_store__exec(r->h, "BEGIN", "sweep");
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__prepare(r->h, &st, "DELETE FROM ret_residuals WHERE dataset = ?1");
    for (size_t i = 0; rc == AZK_OK && i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_text(st, 1, ids[i], -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = azk_store__dberr(r->h->db, "clear residuals");
    }
    sqlite3_finalize(st);
    st = NULL;
    if (rc == AZK_OK)
        rc = azk_store__prepare(r->h, &c.ins,
                                "INSERT INTO ret_residuals(dataset,path,member,"
                                "rows) VALUES(?,?,?,?)");
    if (rc != AZK_OK)
        goto rollback;
    if (np > 0) {
        paths = azk_calloc(np, sizeof(*paths));
        if (paths == NULL) {
            rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
            goto rollback;
        }
        for (size_t i = 0; i < r->o->sweep_path_count; i++)
            paths[i] = r->o->sweep_paths[i];
        for (size_t i = 0; i < r->o->sweep_path_general_count; i++)
            paths[r->o->sweep_path_count + i] = r->o->sweep_paths_general[i];
        so.fingerprints = (const char *)fp.data;
        so.fingerprint_key = (const char *)key.data;
        so.cache_path = r->o->cache_path;
        so.threads = r->o->threads;
        rc = azk_scanner_new(&sc, &so);
        if (rc != AZK_OK)
            goto rollback;
        rc = azk_scanner_run(sc, paths, np, sweep_cb, &c, &stats);
        if (rc == AZK_OK)
            rc = c.rc;
        if (rc != AZK_OK)
            goto rollback;
    }
    r->sum->files_swept += stats.files;
    r->sum->bytes_swept += stats.bytes;
    r->sum->sweep_seconds += stats.seconds;
    sqlite3_finalize(c.ins);
    c.ins = NULL;
    for (size_t i = 0; rc == AZK_OK && i < n; i++)
        rc = record_verdict(r, ids[i], c.residuals[i], &stats, np);
    if (rc != AZK_OK)
        goto rollback;
    rc = azk_store__commit(r->h);
    if (rc != AZK_OK)
        goto rollback;
    goto done;
rollback:
    azk_store__rollback(r->h);
done:
    sqlite3_finalize(c.ins);
    azk_scanner_free(sc);
    azk_free(paths);
    azk_free(c.residuals);
    azk_buf_dispose(&fp);
    azk_buf_dispose(&key);
    return rc;
}

static azk_status read_state(azk_home *h, const char *ds, char out[24])
{
    sqlite3_stmt *st = NULL;
    azk_status rc = azk_store__prepare(h, &st, "SELECT state FROM ret_state WHERE dataset=?1");
    out[0] = '\0';
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, ds, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        (void)snprintf(out, 24, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return AZK_OK;
}

static bool on_hold(azk_home *h, const char *ds)
{
    sqlite3_stmt *st = NULL;
    bool held = false;
    if (azk_store__prepare(h, &st, "SELECT 1 FROM ret_holds WHERE dataset=?1") != AZK_OK)
        return true; /* cannot tell: do not delete */
    sqlite3_bind_text(st, 1, ds, -1, SQLITE_STATIC);
    held = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return held;
}

/* Take one dataset as far as the sweep; *to_sweep when it is ready for it. */
static azk_status process(struct run *r, const char *ds, const char *batch, bool *to_sweep)
{
    azk_status rc;
    struct dsinfo d;
    char state[24];
    uint64_t refused = 0;
    *to_sweep = false;
    memset(&d, 0, sizeof(d));
    rc = azk_dataset_get(r->h, ds, dsinfo_cb, &d);
    if (rc != AZK_OK)
        return rc;
    rc = read_state(r->h, ds, state);
    if (rc != AZK_OK)
        return rc;
    if (strcmp(state, "clean") == 0 || strcmp(state, "certified") == 0)
        return AZK_OK;
    r->sum->due++;
    if (on_hold(r->h, ds)) {
        r->sum->held++;
        progress(r, ds, "hold", NULL);
        return azk_ret__audit(r->h, "retention.skip", ds, "blocked", "dataset is on hold", NULL,
                              NULL);
    }
    if (state[0] == '\0') {
        if (batch == NULL)
            return azk_error_set(AZK_ERR_NOTFOUND, "the dataset has no fingerprints to sweep with");
        progress(r, ds, "shredding", NULL);
        rc = step_shred(r, &d, batch);
        if (rc != AZK_OK)
            return rc;
        (void)snprintf(state, sizeof(state), "shredding");
    }
    if (strcmp(state, "shredding") == 0) {
        rc = step_key(r, &d);
        if (rc != AZK_OK)
            return rc;
        progress(r, ds, "key_destroyed", NULL);
        (void)snprintf(state, sizeof(state), "key_destroyed");
    }
    if (strcmp(state, "key_destroyed") == 0) {
        rc = step_vault(r, &d);
        if (rc != AZK_OK)
            return rc;
        progress(r, ds, "vault_removed", NULL);
        (void)snprintf(state, sizeof(state), "vault_removed");
    }
    if (strcmp(state, "vault_removed") == 0 || strcmp(state, "incomplete") == 0 ||
        strcmp(state, "artifacts_removed") == 0) {
        rc = remove_artifacts(r, ds, NULL, &refused);
        if (rc != AZK_OK)
            return rc;
        if (refused == 0 && strcmp(state, "vault_removed") == 0) {
            rc = set_state(r->h, ds, "artifacts_removed");
            if (rc != AZK_OK)
                return rc;
        }
        azk_ret__pause("artifacts");
        *to_sweep = true;
        return AZK_OK;
    }
    return azk_error_set(AZK_ERR_INTEGRITY, "unknown retention state in the catalog");
}

/* The batch file of a dataset in progress (NULL when none recorded). */
static azk_status batch_of(azk_home *h, const char *ds, char **out)
{
    sqlite3_stmt *st = NULL;
    azk_status rc = azk_store__prepare(h, &st, "SELECT fp_file FROM ret_state WHERE dataset=?1");
    *out = NULL;
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, ds, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
        *out = azk_strdup((const char *)sqlite3_column_text(st, 0));
        if (*out == NULL)
            rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    return rc;
}

/*
 * Export, in one file, the fingerprints of the datasets of this run that
 * have not started (no state, not on hold): the sweep needs them after the
 * keys are gone, and one file lets one scanner pass cover them all.
 * *out_batch = the batch name, or NULL when there is nothing to export.
 */
static azk_status export_batch(struct run *r, char **ids, size_t n, char **out_batch)
{
    azk_status rc = AZK_OK;
    const char **fresh = NULL;
    size_t nf = 0;
    azk_buf fp = AZK_BUF_INIT, key = AZK_BUF_INIT, name = AZK_BUF_INIT;
    azk_fp_export_info info;
    uint8_t rnd[6];
    char hex[13];
    *out_batch = NULL;
    fresh = azk_calloc(n > 0 ? n : 1, sizeof(*fresh));
    if (fresh == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char st[24];
        rc = read_state(r->h, ids[i], st);
        if (rc != AZK_OK)
            goto done;
        if (st[0] == '\0' && !on_hold(r->h, ids[i]))
            fresh[nf++] = ids[i];
    }
    if (nf == 0)
        goto done;
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    rc = azk_buf_printf(&name, "batch-%lld-%s", (long long)time(NULL), hex);
    if (rc == AZK_OK)
        rc = fp_paths(r->h, (const char *)name.data, &fp, &key);
    if (rc == AZK_OK)
        rc = azk_fingerprints_export_datasets(r->h, (const char *)fp.data, (const char *)key.data,
                                              fresh, nf, &info);
    if (rc != AZK_OK)
        goto done;
    *out_batch = azk_buf_detach(&name);
    if (*out_batch == NULL)
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
done:
    azk_free(fresh);
    azk_buf_dispose(&fp);
    azk_buf_dispose(&key);
    azk_buf_dispose(&name);
    return rc;
}

/* Has the dataset a fingerprint row (was it exported in the batch)? */
static bool has_fingerprints(azk_home *h, const char *ds)
{
    sqlite3_stmt *st = NULL;
    bool yes;
    if (azk_store__prepare(h, &st, "SELECT 1 FROM fingerprints WHERE dataset=?1") != AZK_OK)
        return false;
    sqlite3_bind_text(st, 1, ds, -1, SQLITE_STATIC);
    yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

struct sweep_item {
    char *batch;
    char *id;
};

static int cmp_item(const void *a, const void *b)
{
    const struct sweep_item *x = a, *y = b;
    int c = strcmp(x->batch, y->batch);
    return c != 0 ? c : strcmp(x->id, y->id);
}

static azk_status meta_get(azk_home *h, const char *k, int64_t *v)
{
    sqlite3_stmt *st = NULL;
    azk_status rc = azk_store__prepare(h, &st, "SELECT value FROM ret_meta WHERE key=?1");
    *v = 0;
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        *v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return AZK_OK;
}

static azk_status meta_set(azk_home *h, const char *k, int64_t v)
{
    sqlite3_stmt *st = NULL;
    azk_status rc =
        azk_store__prepare(h, &st, "INSERT OR REPLACE INTO ret_meta(key,value) VALUES(?1,?2)");
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, k, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, v);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = azk_store__dberr(h->db, "record run time");
    sqlite3_finalize(st);
    return rc;
}

/*
 * A drill: what a run at `now` would do, read-only. Nothing is destroyed,
 * exported, recorded or appended to the ledger, whatever `now` is: a time
 * given by a person is never a reason to destroy (a run in the future would
 * destroy data early and let the ledger call it late).
 */
static azk_status drill(azk_home *h, int64_t now, const char *only, azk_retention_progress_cb cb,
                        void *payload, azk_retention_summary *sum)
{
    azk_status rc;
    sqlite3_stmt *st = NULL;
    char today[16];
    int step;
    azk_ret__date(now, today);
    rc = azk_store__prepare(
        h, &st,
        "SELECT a.dataset, count(*) FROM ret_artifacts a JOIN datasets d ON d.id = a.dataset"
        " WHERE a.disposition IS NULL AND a.deadline < ?1"
        " AND (?2 IS NULL OR a.dataset = ?2) GROUP BY a.dataset ORDER BY a.dataset");
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, today, -1, SQLITE_STATIC);
    if (only != NULL)
        sqlite3_bind_text(st, 2, only, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        char det[64];
        (void)snprintf(det, sizeof(det), "%lld artifact(s) past their own deadline",
                       (long long)sqlite3_column_int64(st, 1));
        if (cb != NULL)
            cb((const char *)sqlite3_column_text(st, 0), "would remove artifacts", det, payload);
    }
    sqlite3_finalize(st);
    st = NULL;
    if (step != SQLITE_DONE)
        return azk_store__dberr(h->db, "drill: artifacts");
    rc = azk_store__prepare(
        h, &st,
        "SELECT d.id, d.retain_until, s.state, (SELECT 1 FROM ret_holds x WHERE x.dataset = d.id),"
        " (SELECT request FROM ret_early e WHERE e.dataset = d.id)"
        " FROM datasets d LEFT JOIN ret_state s ON s.dataset = d.id"
        " WHERE (?2 IS NULL OR d.id = ?2) AND ((d.state = 'active' AND s.state IS NULL AND"
        " (d.retain_until < ?1 OR d.id IN (SELECT dataset FROM ret_early)))"
        " OR (s.state IS NOT NULL AND s.state NOT IN ('clean','certified')))"
        " ORDER BY d.retain_until, d.id");
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, today, -1, SQLITE_STATIC);
    if (only != NULL)
        sqlite3_bind_text(st, 2, only, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *ds = (const char *)sqlite3_column_text(st, 0);
        char det[96];
        sum->due++;
        if (sqlite3_column_type(st, 2) == SQLITE_NULL &&
            sqlite3_column_type(st, 3) != SQLITE_NULL) {
            sum->held++;
            if (cb != NULL)
                cb(ds, "hold", NULL, payload);
            continue;
        }
        if (sqlite3_column_type(st, 2) != SQLITE_NULL)
            (void)snprintf(det, sizeof(det), "a run would resume at step %s",
                           (const char *)sqlite3_column_text(st, 2));
        else if (sqlite3_column_type(st, 4) != SQLITE_NULL)
            (void)snprintf(det, sizeof(det), "early deletion approved (%s)",
                           (const char *)sqlite3_column_text(st, 4));
        else
            (void)snprintf(det, sizeof(det), "deadline %s passed",
                           (const char *)sqlite3_column_text(st, 1));
        if (cb != NULL)
            cb(ds, "would delete", det, payload);
    }
    if (step != SQLITE_DONE)
        rc = azk_store__dberr(h->db, "drill: due datasets");
    sqlite3_finalize(st);
    return rc;
}

azk_status azk_retention_run(azk_home *h, const azk_retention_run_options *o_in,
                             azk_retention_progress_cb cb, void *payload,
                             azk_retention_summary *summary)
{
    static const azk_retention_run_options o_def = AZK_RETENTION_RUN_OPTIONS_INIT;
    azk_retention_run_options o_v;
    const azk_retention_run_options *o = &o_v;
    azk_status rc;
    struct run r;
    azk_retention_summary sum;
    sqlite3_stmt *st = NULL;
    char today[16], nowiso[32], extra[192];
    const char *mkey;
    int64_t last = 0;
    char **ids = NULL;
    size_t n = 0, cap = 0, nitems = 0;
    struct sweep_item *items = NULL;
    char *batch = NULL;
    int step;

    if (azk__options_in(&o_v, sizeof(o_v), &o_def, o_in, false, "azk_retention_run") != AZK_OK)
        return azk_error_last()->code;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && o != NULL);
    memset(&sum, 0, sizeof(sum));
    r.h = h;
    r.o = o;
    /* only the system clock ever decides a destruction */
    r.now = (int64_t)time(NULL);
    r.cb = cb;
    r.payload = payload;
    r.sum = &sum;
    rc = azk_ret__schema(h);
    if (rc != AZK_OK)
        return rc;
    if (o->drill || o->now != 0) {
        rc = drill(h, o->now != 0 ? o->now : r.now, o->only, cb, payload, &sum);
        if (summary != NULL)
            *summary = sum;
        return rc;
    }
    azk_ret__iso(r.now, nowiso);
    mkey = "last_run";
    rc = meta_get(h, mkey, &last);
    if (rc != AZK_OK)
        return rc;
    (void)snprintf(extra, sizeof(extra), "{\"now\":\"%s\",\"clock\":\"system\",\"last\":%lld}",
                   nowiso, (long long)last);
    if (r.now < last) {
        rc = azk_ret__audit(h, "retention.run", NULL, "refused", "clock earlier than the last run",
                            extra, NULL);
        if (rc != AZK_OK)
            return rc;
        return azk_error_set(AZK_ERR_INTEGRITY,
                             "the clock (%s) is earlier than the last retention run: nothing "
                             "deleted; check the system clock",
                             nowiso);
    }
    rc = azk_ret__audit(h, "retention.run", NULL, NULL, NULL, extra, NULL);
    if (rc != AZK_OK)
        return rc;
    rc = meta_set(h, mkey, r.now);
    if (rc != AZK_OK)
        return rc;
    azk_ret__date(r.now, today);
    /* artifacts past their own (earlier) deadline go first */
    {
        uint64_t refused = 0;
        rc = remove_artifacts(&r, NULL, today, &refused);
        if (rc != AZK_OK)
            return rc;
    }
    rc = azk_store__prepare(
        h, &st,
        "SELECT d.id FROM datasets d LEFT JOIN ret_state s ON s.dataset = d.id"
        " WHERE (?3 IS NULL OR d.id = ?3) AND ((d.state = 'active' AND s.state IS NULL AND"
        " (d.retain_until < ?1 OR d.id IN (SELECT dataset FROM ret_early)))"
        " OR (s.state IS NOT NULL AND s.state NOT IN ('clean','certified')))"
        " ORDER BY d.retain_until, d.id");
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, today, -1, SQLITE_STATIC);
    if (o->only != NULL)
        sqlite3_bind_text(st, 3, o->only, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            size_t nc = cap == 0 ? 64 : cap * 2;
            char **ni = azk_realloc(ids, nc * sizeof(*ids));
            if (ni == NULL) {
                rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
                goto done;
            }
            ids = ni;
            cap = nc;
        }
        ids[n] = azk_strdup((const char *)sqlite3_column_text(st, 0));
        if (ids[n] == NULL) {
            rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
            goto done;
        }
        n++;
    }
    if (step != SQLITE_DONE) {
        rc = azk_store__dberr(h->db, "list due datasets");
        goto done;
    }
    sqlite3_finalize(st);
    st = NULL;
    rc = export_batch(&r, ids, n, &batch);
    if (rc != AZK_OK)
        goto done;
    items = azk_calloc(n > 0 ? n : 1, sizeof(*items));
    if (items == NULL) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        bool to_sweep = false;
        const char *b = batch;
        azk_status drc;
        if (b != NULL && !has_fingerprints(h, ids[i]))
            b = NULL;
        drc = process(&r, ids[i], b, &to_sweep);
        if (drc == AZK_OK && to_sweep) {
            drc = batch_of(h, ids[i], &items[nitems].batch);
            if (drc == AZK_OK && items[nitems].batch == NULL)
                drc = azk_error_set(AZK_ERR_NOTFOUND, "no fingerprint file recorded for the "
                                                      "dataset: the sweep cannot run");
            if (drc == AZK_OK)
                items[nitems++].id = ids[i];
            else
                azk_free(items[nitems].batch);
        }
        if (drc != AZK_OK) {
            char msg[256];
            (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
            sum.errors++;
            progress(&r, ids[i], "error", msg);
            rc = azk_ret__audit(h, "retention.error", ids[i], "error", msg, NULL, NULL);
            if (rc != AZK_OK)
                goto done;
        }
    }
    /* one sweep per fingerprint file (normally one: this run's batch) */
    qsort(items, nitems, sizeof(*items), cmp_item);
    for (size_t i = 0; i < nitems;) {
        size_t j = i;
        char **group;
        azk_status drc;
        while (j < nitems && strcmp(items[j].batch, items[i].batch) == 0)
            j++;
        group = azk_calloc(j - i, sizeof(*group));
        if (group == NULL) {
            rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t k = i; k < j; k++)
            group[k - i] = items[k].id;
        drc = sweep_group(&r, group, j - i, items[i].batch);
        azk_free(group);
        if (drc != AZK_OK) {
            char msg[256];
            (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
            for (size_t k = i; k < j; k++) {
                sum.errors++;
                progress(&r, items[k].id, "error", msg);
                rc = azk_ret__audit(h, "retention.error", items[k].id, "error", msg, NULL, NULL);
                if (rc != AZK_OK)
                    goto done;
            }
        }
        i = j;
    }
    rc = AZK_OK;
done:
    sqlite3_finalize(st);
    for (size_t i = 0; i < nitems; i++)
        azk_free(items[i].batch);
    azk_free(items);
    azk_free(batch);
    for (size_t i = 0; i < n; i++)
        azk_free(ids[i]);
    azk_free(ids);
    if (summary != NULL)
        *summary = sum;
    return rc;
}
