/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/schema_backup.c -- what a migration (store/schema.c) does to the
 * files of an SQLite catalog: the backup taken before it (VACUUM INTO a
 * locked .part, renamed when complete; a version-1 backup scrubbed of its
 * wrapped keys first), the shredding of backups a killed migration left
 * half-made, the rebuild of the catalog after keys left it (secure_delete,
 * VACUUM, WAL truncated) and the search of the files for every moved key,
 * whose copies are kept here (azk_schema__remember_key) until wiped.
 * Declared in store/schema_int.h; docs/catalog.md, "Backups".
 */
#include "store/schema_int.h"
#include "store/keystore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- copies of the moved keys ----------------------------------------- */

azk_status azk_schema__remember_key(struct azk_schema_mig *m, const uint8_t *b, size_t n)
{
    azk_status rc;
    uint8_t *c;
    if (n == 0)
        return AZK_OK;
    rc = azk_array_reserve(&m->keys, &m->capkeys, m->nkeys, sizeof(*m->keys), 16);
    if (rc != AZK_OK)
        return rc;
    c = azk_malloc(n);
    if (c == NULL)
        return azk_error_nomem();
    memcpy(c, b, n);
    m->keys[m->nkeys].b = c;
    m->keys[m->nkeys].n = n;
    m->nkeys++;
    return AZK_OK;
}

void azk_schema__forget_keys(struct azk_schema_mig *m)
{
    for (size_t i = 0; i < m->nkeys; i++)
        azk_free_secret(m->keys[i].b, m->keys[i].n);
    azk_free(m->keys);
    m->keys = NULL;
    m->nkeys = m->capkeys = 0;
}

/* ---- SQLite: backup, scrub, search ------------------------------------ */

/* "20261206T040500Z" */
static void utc_stamp(char out[32])
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 32, "%Y%m%dT%H%M%SZ", &tm);
}

/* Overwrite a file with zeros, sync it and unlink it (a backup that held keys). */
static void shred_file(const char *path)
{
    static const uint8_t zero[4096];
    struct stat sb;
    int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd >= 0) {
        if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode)) {
            off_t left = sb.st_size;
            while (left > 0) {
                size_t k = left < (off_t)sizeof(zero) ? (size_t)left : sizeof(zero);
                ssize_t w = write(fd, zero, k);
                if (w <= 0)
                    break;
                left -= w;
            }
            (void)fsync(fd);
        }
        close(fd);
    }
    (void)unlink(path);
}

static azk_status split_path(const char *path, azk_buf *dir, const char **base)
{
    const char *slash = strrchr(path, '/');
    azk_buf_clear(dir);
    if (slash == NULL) {
        *base = path;
        return azk_buf_puts(dir, ".");
    }
    *base = slash + 1;
    return azk_buf_put(dir, path, slash == path ? 1 : (size_t)(slash - path));
}

/* Backups a killed migration left half-made may hold keys: shred them. */
static void shred_stale_parts(const char *catalog)
{
    azk_buf dir = AZK_BUF_INIT, f = AZK_BUF_INIT;
    const char *base;
    DIR *d;
    struct dirent *e;
    size_t bl;
    if (split_path(catalog, &dir, &base) != AZK_OK) {
        azk_buf_dispose(&dir);
        return;
    }
    bl = strlen(base);
    d = opendir((const char *)dir.data);
    while (d != NULL && (e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n > bl + 10 && strncmp(e->d_name, base, bl) == 0 &&
            strncmp(e->d_name + bl, ".bak-", 5) == 0 && strcmp(e->d_name + n - 5, ".part") == 0) {
            struct stat sb;
            int lk;
            azk_buf_clear(&f);
            if (azk_buf_printf(&f, "%s/%s", (const char *)dir.data, e->d_name) != AZK_OK)
                continue;
            /* one being made now is locked by its migration: leave it */
            lk = open((const char *)f.data, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
            if (lk < 0)
                continue;
            /* an empty one may be a migration's that has not locked it yet (it creates the
             * file, then locks it); it holds nothing to shred */
            if (flock(lk, LOCK_EX | LOCK_NB) == 0 && fstat(lk, &sb) == 0 && sb.st_size > 0)
                shred_file((const char *)f.data);
            close(lk);
        }
    }
    if (d != NULL)
        closedir(d);
    azk_buf_dispose(&dir);
    azk_buf_dispose(&f);
}

/* Are none of the keys in the file `path` or `path`-wal? */
static azk_status keys_absent(const char *path, const struct azk_schema_keycopy *keys, size_t n,
                              bool *absent)
{
    azk_status rc = AZK_OK;
    azk_buf p = AZK_BUF_INIT;
    *absent = true;
    for (int k = 0; rc == AZK_OK && k < 2; k++) {
        azk_buf_clear(&p);
        rc = azk_buf_printf(&p, "%s%s", path, k == 0 ? "" : "-wal");
        for (size_t i = 0; rc == AZK_OK && i < n && *absent; i++) {
            bool found = false;
            rc = azk_store__file_contains((const char *)p.data, keys[i].b, keys[i].n, &found);
            if (found)
                *absent = false;
        }
    }
    azk_buf_dispose(&p);
    return rc;
}

/* wal_checkpoint(TRUNCATE) and the -wal file really empty. */
bool azk_schema__checkpoint_truncate(azk_db *db)
{
    struct stat sb;
    azk_buf p = AZK_BUF_INIT;
    bool ok = azk_db__sqlite_checkpoint_truncate(db);
    if (ok && azk_buf_printf(&p, "%s-wal", azk_db_name(db)) == AZK_OK)
        ok = stat((const char *)p.data, &sb) != 0 || sb.st_size == 0;
    azk_buf_dispose(&p);
    return ok;
}

/* One text row of a statement (a PRAGMA's answer) into out. */
static azk_status query_text(azk_db *db, const char *sql, char *out, size_t cap)
{
    azk_status rc;
    azk_db_stmt *st = NULL;
    out[0] = '\0';
    rc = azk_db_prepare(db, &st, sql, "backup");
    if (rc != AZK_OK)
        return rc;
    if (azk_db_step(st) == AZK_DB_ROW)
        (void)snprintf(out, cap, "%s", azk_db_col_text(st, 0) ? azk_db_col_text(st, 0) : "");
    else
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

/*
 * Take the keys out of a fresh backup of a version-1 catalog, before it
 * gets its final name: no journal (a rollback journal would hold the old
 * pages), secure_delete, the columns set NULL, VACUUM; then the file is
 * searched for every key it held.
 */
static azk_status scrub_backup(const char *part)
{
    azk_status rc;
    azk_db *b = NULL;
    struct azk_schema_mig t;
    azk_schema_report tr;
    char mode[32];
    bool ds, guard, absent = false;
    memset(&t, 0, sizeof(t));
    memset(&tr, 0, sizeof(tr));
    t.rep = &tr;
    rc = azk_db_open(&b, part, 0);
    if (rc != AZK_OK)
        return rc;
    t.db = b;
    /* another process may have migrated between our version check and the snapshot */
    rc = azk_schema__has_column(b, "datasets", "wrapped_key", &ds);
    if (rc == AZK_OK)
        rc = azk_schema__has_column(b, "guard_items", "wrapped", &guard);
    if (rc != AZK_OK) {
        azk_db_close(b);
        return rc;
    }
    if (!ds) {
        azk_db_close(b);
        return AZK_OK;
    }
    rc = query_text(b, "PRAGMA journal_mode=OFF", mode, sizeof(mode));
    if (rc == AZK_OK && strcmp(mode, "off") != 0)
        rc = azk_error_set(AZK_ERR_DB, "catalog backup %s: cannot turn its journal off (%s)", part,
                           mode);
    if (rc == AZK_OK)
        rc = azk_db_exec(b, "PRAGMA secure_delete=ON", "backup");
    /* the keys the backup holds, to search for afterwards */
    if (rc == AZK_OK) {
        azk_db_stmt *st = NULL;
        rc =
            azk_db_prepare(b, &st,
                           guard ? "SELECT wrapped_key FROM datasets WHERE wrapped_key IS NOT NULL"
                                   " UNION ALL SELECT wrapped FROM guard_items"
                                   " WHERE wrapped IS NOT NULL"
                                 : "SELECT wrapped_key FROM datasets WHERE wrapped_key IS NOT NULL",
                           "backup: read keys");
        while (rc == AZK_OK && azk_db_step(st) == AZK_DB_ROW) {
            size_t n = 0;
            const void *k = azk_db_col_blob(st, 0, &n);
            if (k != NULL)
                rc = azk_schema__remember_key(&t, k, n);
        }
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        rc = azk_db_exec(b, "UPDATE datasets SET wrapped_key = NULL", "backup: drop keys");
    if (rc == AZK_OK && guard)
        rc = azk_db_exec(b, "UPDATE guard_items SET wrapped = NULL", "backup: drop keys");
    if (rc == AZK_OK)
        rc = azk_db_exec(b, "VACUUM", "backup: vacuum");
    azk_db_close(b);
    if (rc == AZK_OK)
        rc = keys_absent(part, t.keys, t.nkeys, &absent);
    if (rc == AZK_OK && !absent)
        rc = azk_error_set(AZK_ERR_INTEGRITY,
                           "catalog backup %s: wrapped key bytes remain after scrubbing", part);
    azk_schema__forget_keys(&t);
    return rc;
}

azk_status azk_schema__take_backup(struct azk_schema_mig *m, int from)
{
    azk_status rc;
    azk_buf path = AZK_BUF_INIT, part = AZK_BUF_INIT, dir = AZK_BUF_INIT;
    azk_db_stmt *st = NULL;
    const char *base;
    char stamp[32];
    int fd, lock_fd = -1;
    const char *cat = azk_db_name(m->db);
    utc_stamp(stamp);
    shred_stale_parts(cat);
    /* a name no other backup has (two migrations may start in the same second) */
    for (int n = 0; lock_fd < 0; n++) {
        azk_buf_clear(&path);
        azk_buf_clear(&part);
        rc = n == 0 ? azk_buf_printf(&path, "%s.bak-v%d-%s", cat, from, stamp)
                    : azk_buf_printf(&path, "%s.bak-v%d-%s-%d", cat, from, stamp, n);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&part, "%s.part", (const char *)path.data);
        if (rc != AZK_OK)
            goto done;
        if (access((const char *)path.data, F_OK) == 0 && n < 100)
            continue;
        lock_fd = open((const char *)part.data,
                       O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (lock_fd < 0 && (errno != EEXIST || n >= 100)) {
            rc = azk_error_errno("create catalog backup");
            goto done;
        }
    }
    azk_store__test_pause("migrate.part"); /* created, empty, not yet locked */
    /* held until the backup has its name: shred_stale_parts leaves it alone */
    if (flock(lock_fd, LOCK_EX) != 0) {
        rc = azk_error_errno("lock catalog backup");
        shred_file((const char *)part.data);
        goto done;
    }
    rc = azk_db_prepare(m->db, &st, "VACUUM INTO ?", "backup");
    if (rc == AZK_OK) {
        azk_db_bind_text(st, 1, (const char *)part.data);
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        azk_store__test_pause("migrate.backup"); /* the .part may hold keys here */
    if (rc == AZK_OK && from < 2)
        rc = scrub_backup((const char *)part.data);
    if (rc == AZK_OK) {
        fd = open((const char *)part.data, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0)
            rc = azk_error_errno("sync catalog backup");
        if (fd >= 0)
            close(fd);
    }
    if (rc == AZK_OK && rename((const char *)part.data, (const char *)path.data) != 0)
        rc = azk_error_errno("name catalog backup");
    if (rc == AZK_OK) {
        fd = split_path(cat, &dir, &base) == AZK_OK
                 ? open((const char *)dir.data, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
                 : -1;
        if (fd >= 0) {
            (void)fsync(fd);
            close(fd);
        }
        (void)snprintf(m->rep->backup, sizeof(m->rep->backup), "%s", (const char *)path.data);
    } else {
        shred_file((const char *)part.data);
    }
done:
    if (lock_fd >= 0)
        close(lock_fd);
    azk_buf_dispose(&path);
    azk_buf_dispose(&part);
    azk_buf_dispose(&dir);
    return rc;
}

/*
 * After keys left the catalog: rebuild it (secure_delete is on, VACUUM
 * writes every live page anew), truncate the WAL and search both files.
 * meta('key_scrub') = 'pending' until that succeeded, so a failure (another
 * process kept the WAL) is retried at the next open.
 */
azk_status azk_schema__scrub_catalog(struct azk_schema_mig *m)
{
    azk_status rc;
    azk_db_stmt *st = NULL;
    bool absent = false;
    rc = azk_db_exec(m->db, "PRAGMA secure_delete=ON", "scrub");
    if (rc == AZK_OK)
        rc = azk_db_exec(m->db, "VACUUM", "scrub: vacuum");
    if (rc != AZK_OK)
        return rc;
    m->rep->wal_truncated = azk_schema__checkpoint_truncate(m->db);
    rc = keys_absent(azk_db_name(m->db), m->keys, m->nkeys, &absent);
    if (rc != AZK_OK)
        return rc;
    m->rep->key_bytes_absent = absent;
    if (!absent || !m->rep->wal_truncated)
        return azk_error_set(AZK_ERR_INTEGRITY,
                             "catalog %s: wrapped key bytes may remain in the catalog files "
                             "(another process kept its WAL); stop other azukari processes "
                             "and run `azukari db migrate`",
                             azk_db_name(m->db));
    rc = azk_db_prepare(m->db, &st, "DELETE FROM meta WHERE key = 'key_scrub'", "scrub");
    if (rc == AZK_OK) {
        rc = azk_db_run(st);
        azk_db_finalize(st);
    }
    if (rc == AZK_OK)
        (void)azk_schema__checkpoint_truncate(m->db);
    return rc;
}
