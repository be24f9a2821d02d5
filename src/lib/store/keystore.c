/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/keystore.c -- the home's keystore (store/keystore.h): wrapped data
 * keys in <home>/keys/keystore.db, a local SQLite file whatever backend
 * the catalog uses. Opened lazily on the first key operation and closed
 * with the home.
 *
 * The file is created 0600 before SQLite opens it (SQLite gives the -wal
 * and -shm files the database file's mode), and a keystore others can read
 * is refused, as the key files are. secure_delete is on for the connection,
 * so a deleted row's bytes are overwritten with zeros in the page that held
 * them; the WAL is checkpointed and truncated after each destruction, so no
 * older frame keeps a copy; then both files are searched for the wrapped
 * bytes, and the certificate records what was found.
 */
#include "store/keystore.h"
#include "store/sqlite.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define KS_FILE "keys/keystore.db"

static const char ks_schema[] =
    "CREATE TABLE IF NOT EXISTS keystore_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT OR IGNORE INTO keystore_meta(key, value) VALUES('version', '1');"
    "CREATE TABLE IF NOT EXISTS wrapped_keys(kind TEXT NOT NULL, id TEXT NOT NULL,"
    " wrapped BLOB NOT NULL, created_at TEXT NOT NULL, PRIMARY KEY(kind, id));";

static azk_status ks_err(sqlite3 *db, const char *what)
{
    return azk_error_set(AZK_ERR_DB, "keystore %s: %s: %s", KS_FILE, what,
                         db != NULL ? azk_sqlite__errmsg(db) : "out of memory");
}

/* Create the file 0600 if absent; refuse one that others can read or write. */
static azk_status ks_prepare_file(const char *path)
{
    struct stat sb;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return azk_error_errno("open keystore " KS_FILE);
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return azk_error_errno("stat keystore " KS_FILE);
    }
    close(fd);
    if (!S_ISREG(sb.st_mode))
        return azk_error_set(AZK_ERR_PERM, "keystore %s: not a regular file", KS_FILE);
    if ((sb.st_mode & 077) != 0 || sb.st_uid != geteuid())
        return azk_error_set(AZK_ERR_PERM,
                             "keystore %s: must be owned by you and mode 0600 (is %04o)", KS_FILE,
                             (unsigned)(sb.st_mode & 07777));
    return AZK_OK;
}

/* The home's keystore connection, opened on first use. */
static azk_status ks_conn(azk_home *h, sqlite3 **out)
{
    azk_status rc;
    azk_buf p = AZK_BUF_INIT;
    sqlite3 *db = NULL;
    if (h->keys != NULL) {
        *out = h->keys;
        return AZK_OK;
    }
    rc = azk_store__path(&p, h, KS_FILE);
    if (rc == AZK_OK)
        rc = ks_prepare_file((const char *)p.data);
    if (rc != AZK_OK)
        goto done;
    if (sqlite3_open_v2((const char *)p.data, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX,
                        NULL) != SQLITE_OK) {
        rc = ks_err(db, "open");
        goto done;
    }
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_exec(db, "PRAGMA secure_delete=ON", NULL, NULL, NULL) != SQLITE_OK) {
        rc = ks_err(db, "secure_delete");
        goto done;
    }
    if (sqlite3_exec(db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL) != SQLITE_OK) {
        rc = ks_err(db, "journal mode");
        goto done;
    }
    if (sqlite3_exec(db, ks_schema, NULL, NULL, NULL) != SQLITE_OK) {
        rc = ks_err(db, "schema");
        goto done;
    }
    h->keys = db;
    db = NULL;
    *out = h->keys;
done:
    if (db != NULL)
        sqlite3_close(db);
    azk_buf_dispose(&p);
    return rc;
}

void azk_store__keystore_close(azk_home *h)
{
    if (h == NULL || h->keys == NULL)
        return;
    sqlite3_close(h->keys);
    h->keys = NULL;
}

azk_status azk_store__keystore_path(const azk_home *h, azk_buf *out)
{
    return azk_store__path(out, h, KS_FILE);
}

azk_status azk_store__key_count(azk_home *h, int64_t *count)
{
    azk_status rc;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    AZK_ASSERT_ARG(h != NULL && count != NULL);
    *count = 0;
    rc = ks_conn(h, &db);
    if (rc != AZK_OK)
        return rc;
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM wrapped_keys", -1, &st, NULL) != SQLITE_OK)
        return ks_err(db, "count keys");
    if (sqlite3_step(st) == SQLITE_ROW)
        *count = (int64_t)sqlite3_column_int64(st, 0);
    else
        rc = ks_err(db, "count keys");
    sqlite3_finalize(st);
    return rc;
}

azk_status azk_store__key_each(azk_home *h, azk_store__key_cb cb, void *payload)
{
    azk_status rc;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int r = SQLITE_DONE;
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    rc = ks_conn(h, &db);
    if (rc != AZK_OK)
        return rc;
    if (sqlite3_prepare_v2(db, "SELECT kind, id, wrapped FROM wrapped_keys ORDER BY kind, id", -1,
                           &st, NULL) != SQLITE_OK)
        return ks_err(db, "list keys");
    while (rc == AZK_OK && (r = sqlite3_step(st)) == SQLITE_ROW)
        rc = cb((const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1),
                sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st, 2), payload);
    if (rc == AZK_OK && r != SQLITE_DONE)
        rc = ks_err(db, "list keys");
    sqlite3_finalize(st);
    return rc;
}

azk_status azk_store__keystore_peek(const char *home, int64_t *count)
{
    azk_status rc = AZK_OK;
    azk_buf p = AZK_BUF_INIT;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    struct stat sb;
    AZK_ASSERT_ARG(home != NULL && count != NULL);
    *count = -1;
    rc = azk_buf_printf(&p, "%s/%s", home, KS_FILE);
    if (rc != AZK_OK || stat((const char *)p.data, &sb) != 0)
        goto done;
    if (sqlite3_open_v2((const char *)p.data, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = ks_err(db, "open");
        goto done;
    }
    sqlite3_busy_timeout(db, 10000);
    if (sqlite3_prepare_v2(db, "SELECT count(*) FROM wrapped_keys", -1, &st, NULL) != SQLITE_OK) {
        *count = 0; /* created, no key stored yet */
        goto done;
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        *count = (int64_t)sqlite3_column_int64(st, 0);
    else
        rc = ks_err(db, "count keys");
done:
    sqlite3_finalize(st);
    if (db != NULL)
        sqlite3_close(db);
    azk_buf_dispose(&p);
    return rc;
}

static bool valid_owner(const char *kind, const char *id)
{
    return kind != NULL && id != NULL && id[0] != '\0' &&
           (strcmp(kind, AZK_KEY_DATASET) == 0 || strcmp(kind, AZK_KEY_GUARD) == 0);
}

azk_status azk_store__key_put(azk_home *h, const char *kind, const char *id, const uint8_t *wrapped,
                              size_t len)
{
    azk_status rc = AZK_OK;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    char now[32];
    int r;
    AZK_ASSERT_ARG(h != NULL && valid_owner(kind, id) && wrapped != NULL && len > 0);
    rc = ks_conn(h, &db);
    if (rc != AZK_OK)
        return rc;
    azk_store__now(now);
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO wrapped_keys(kind, id, wrapped, created_at)"
                           " VALUES(?1, ?2, ?3, ?4)",
                           -1, &st, NULL) != SQLITE_OK)
        return ks_err(db, "store key");
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(st, 3, wrapped, (sqlite3_uint64)len, SQLITE_STATIC);
    sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
    r = sqlite3_step(st);
    if ((r & 0xff) == SQLITE_CONSTRAINT)
        rc = azk_error_set(AZK_ERR_ARG, "keystore %s: %s %s already has a key", KS_FILE, kind, id);
    else if (r != SQLITE_DONE)
        rc = ks_err(db, "store key");
    sqlite3_finalize(st);
    return rc;
}

/* Copy the wrapped key of (kind, id) into *out, or leave *out NULL. */
static azk_status fetch(sqlite3 *db, const char *kind, const char *id, uint8_t **out, size_t *len)
{
    azk_status rc = AZK_OK;
    sqlite3_stmt *st = NULL;
    int r;
    *out = NULL;
    *len = 0;
    if (sqlite3_prepare_v2(db, "SELECT wrapped FROM wrapped_keys WHERE kind = ?1 AND id = ?2", -1,
                           &st, NULL) != SQLITE_OK)
        return ks_err(db, "read key");
    sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
    r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        const void *b = sqlite3_column_blob(st, 0);
        if (n == 0 || b == NULL) {
            rc = azk_error_set(AZK_ERR_INTEGRITY, "keystore %s: %s %s has an empty key", KS_FILE,
                               kind, id);
        } else {
            *out = azk_malloc(n);
            if (*out == NULL) {
                rc = azk_error_nomem();
            } else {
                memcpy(*out, b, n);
                *len = n;
            }
        }
    } else if (r != SQLITE_DONE) {
        rc = ks_err(db, "read key");
    }
    sqlite3_finalize(st);
    return rc;
}

azk_status azk_store__key_get(azk_home *h, const char *kind, const char *id, uint8_t **out,
                              size_t *len)
{
    azk_status rc;
    sqlite3 *db = NULL;
    AZK_ASSERT_ARG(h != NULL && valid_owner(kind, id) && out != NULL && len != NULL);
    *out = NULL;
    *len = 0;
    rc = ks_conn(h, &db);
    if (rc == AZK_OK)
        rc = fetch(db, kind, id, out, len);
    if (rc == AZK_OK && *out == NULL)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "keystore %s: no key for %s %s", KS_FILE, kind, id);
    return rc;
}

azk_status azk_store__file_contains(const char *path, const uint8_t *needle, size_t n, bool *found)
{
    struct stat sb;
    void *m;
    int fd;
    *found = false;
    if (n == 0)
        return AZK_OK;
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? AZK_OK : azk_error_errno("read store file");
    if (fstat(fd, &sb) != 0) {
        close(fd);
        return azk_error_errno("stat store file");
    }
    if (sb.st_size == 0) {
        close(fd);
        return AZK_OK;
    }
    m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED)
        return azk_error_errno("map store file");
    *found = memmem(m, (size_t)sb.st_size, needle, n) != NULL;
    munmap(m, (size_t)sb.st_size);
    return AZK_OK;
}

/* Size of a file, 0 when absent; -1 on another error (set). */
static off_t file_size(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) == 0)
        return sb.st_size;
    if (errno == ENOENT)
        return 0;
    (void)azk_error_errno("stat keystore file");
    return -1;
}

azk_status azk_store__key_destroy(azk_home *h, const char *kind, const char *id,
                                  azk_key_evidence *ev)
{
    azk_status rc;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    uint8_t *wk = NULL;
    size_t wk_len = 0;
    azk_buf p = AZK_BUF_INIT;
    bool in_db = false, in_wal = false;
    int logn = 0, ckpt = 0;
    bool truncated = false;
    azk_key_evidence local;

    AZK_ASSERT_ARG(h != NULL && valid_owner(kind, id));
    if (ev == NULL)
        ev = &local;
    memset(ev, 0, sizeof(*ev));
    (void)snprintf(ev->file, sizeof(ev->file), "%s", KS_FILE);
    rc = ks_conn(h, &db);
    if (rc == AZK_OK)
        rc = fetch(db, kind, id, &wk, &wk_len);
    if (rc != AZK_OK)
        goto done;
    if (wk != NULL) {
        if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK) {
            rc = ks_err(db, "destroy key");
            goto done;
        }
        if (sqlite3_prepare_v2(db, "DELETE FROM wrapped_keys WHERE kind = ?1 AND id = ?2", -1, &st,
                               NULL) != SQLITE_OK) {
            rc = ks_err(db, "destroy key");
        } else {
            sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, id, -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = ks_err(db, "destroy key");
            sqlite3_finalize(st);
        }
        if (rc == AZK_OK && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
            rc = ks_err(db, "destroy key");
        if (rc != AZK_OK) {
            if (!sqlite3_get_autocommit(db))
                (void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            goto done;
        }
    } else {
        /*
         * Already gone (a run resumed after a crash, or a second destroy):
         * rebuild the file from live rows only, so nothing freed survives
         * even from a write made before secure_delete was on.
         */
        if (sqlite3_exec(db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK) {
            rc = ks_err(db, "vacuum");
            goto done;
        }
    }
    truncated =
        sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &logn, &ckpt) == SQLITE_OK;
    rc = azk_store__path(&p, h, KS_FILE "-wal");
    if (rc != AZK_OK)
        goto done;
    if (truncated) {
        off_t n = file_size((const char *)p.data);
        if (n < 0) {
            rc = azk_error_last()->code;
            goto done;
        }
        truncated = n == 0;
    }
    ev->wal_truncated = truncated;
    if (wk != NULL) {
        rc = azk_store__file_contains((const char *)p.data, wk, wk_len, &in_wal);
        if (rc == AZK_OK)
            rc = azk_store__path(&p, h, KS_FILE);
        if (rc == AZK_OK)
            rc = azk_store__file_contains((const char *)p.data, wk, wk_len, &in_db);
        if (rc != AZK_OK)
            goto done;
        ev->bytes_absent = !in_db && !in_wal;
    } else {
        /* nothing to search for: the WAL is empty and the file was rebuilt */
        ev->bytes_absent = truncated;
    }
    if (!ev->bytes_absent)
        rc = azk_error_set(AZK_ERR_INTEGRITY,
                           "keystore %s: wrapped key bytes may remain in the keystore files "
                           "(another connection kept the WAL); retry",
                           KS_FILE);
done:
    azk_free_secret(wk, wk_len);
    azk_buf_dispose(&p);
    return rc;
}
