/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/retention.c -- the catalog side of retention: this module's
 * tables (users and TOTP are in identity.c), registered artifacts, holds,
 * two-person requests for early deletion or extension, and the status report.
 * Every change is one transaction and appends a ledger event.
 */
#include "retention/ret_int.h"
#include "retention/identity.h"
#include "norm/datetime.h"
#include "azukari/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char ret_schema_sql[] =
    "CREATE TABLE IF NOT EXISTS ret_artifacts(dataset TEXT NOT NULL, path TEXT NOT NULL,"
    " dev INTEGER NOT NULL, ino INTEGER NOT NULL, deadline TEXT NOT NULL,"
    " added_at TEXT NOT NULL, added_by TEXT NOT NULL, disposition TEXT,"
    " size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, hash TEXT,"
    " PRIMARY KEY(dataset, path));"
    "CREATE TABLE IF NOT EXISTS ret_state(dataset TEXT PRIMARY KEY, state TEXT NOT NULL,"
    " key_id TEXT, key_commit TEXT, shred_index INTEGER, shred_at TEXT, operator TEXT,"
    " drill INTEGER NOT NULL DEFAULT 0, vault_disp TEXT, sweep_json TEXT,"
    " residuals INTEGER NOT NULL DEFAULT 0, updated_at TEXT, fp_file TEXT);"
    "CREATE TABLE IF NOT EXISTS ret_holds(dataset TEXT PRIMARY KEY, reason TEXT NOT NULL,"
    " by TEXT NOT NULL, at TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ret_requests(id TEXT PRIMARY KEY, kind TEXT NOT NULL,"
    " dataset TEXT NOT NULL, until TEXT, reason TEXT NOT NULL, requested_by TEXT NOT NULL,"
    " requested_at TEXT NOT NULL, approved_by TEXT, approved_at TEXT,"
    " state TEXT NOT NULL DEFAULT 'pending');"
    "CREATE TABLE IF NOT EXISTS ret_early(dataset TEXT PRIMARY KEY, request TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ret_residuals(dataset TEXT NOT NULL, path TEXT NOT NULL,"
    " member TEXT NOT NULL, rows INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS ret_meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS users(name TEXT PRIMARY KEY, nonce BLOB NOT NULL,"
    " secret BLOB NOT NULL, created_at TEXT NOT NULL, created_by TEXT NOT NULL,"
    " state TEXT, approved_by TEXT);"
    "CREATE TABLE IF NOT EXISTS totp_used(name TEXT NOT NULL, step INTEGER NOT NULL,"
    " PRIMARY KEY(name, step));"
    "CREATE TABLE IF NOT EXISTS auth_failures(name TEXT NOT NULL, at INTEGER NOT NULL);";

/* Catalogs made before artifacts had a content identity lack these columns;
 * their rows keep hash NULL, which a run refuses as unverifiable. */
static const char ret_artifacts_v2_sql[] = "ALTER TABLE ret_artifacts ADD COLUMN size INTEGER;"
                                           "ALTER TABLE ret_artifacts ADD COLUMN mtime_ns INTEGER;"
                                           "ALTER TABLE ret_artifacts ADD COLUMN ctime_ns INTEGER;"
                                           "ALTER TABLE ret_artifacts ADD COLUMN hash TEXT;";

/* Users enrolled before enrolment needed a second person: state NULL = active. */
static const char users_v2_sql[] = "ALTER TABLE users ADD COLUMN state TEXT;"
                                   "ALTER TABLE users ADD COLUMN approved_by TEXT;";

/* Does `sql` prepare (are the columns it names there)? */
static bool prepares(azk_home *h, const char *sql)
{
    sqlite3_stmt *st = NULL;
    bool ok = sqlite3_prepare_v2(h->db, sql, -1, &st, NULL) == SQLITE_OK;
    sqlite3_finalize(st);
    return ok;
}

azk_status azk_ret__schema(azk_home *h)
{
    azk_status rc = azk_store__exec(h, ret_schema_sql, "retention schema");
    if (rc == AZK_OK && !prepares(h, "SELECT hash FROM ret_artifacts LIMIT 0"))
        rc = azk_store__exec(h, ret_artifacts_v2_sql, "retention schema: artifact identity");
    if (rc == AZK_OK && !prepares(h, "SELECT state FROM users LIMIT 0"))
        rc = azk_store__exec(h, users_v2_sql, "retention schema: user enrolment");
    return rc;
}

void azk_ret__date(int64_t t, char out[16])
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

void azk_ret__iso(int64_t t, char out[32])
{
    struct tm tm;
    time_t tt = (time_t)t;
    gmtime_r(&tt, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

azk_status azk_retention_parse_time(const char *s, int64_t *out)
{
    AZK_ASSERT_ARG(s != NULL && out != NULL);
    if (!azk_date__parse_time(s, out))
        return azk_error_set(AZK_ERR_ARG, "time must be a real date YYYY-MM-DD or "
                                          "YYYY-MM-DDTHH:MM:SSZ");
    return AZK_OK;
}

azk_status azk_ret__audit(azk_home *h, const char *action, const char *dataset, const char *outcome,
                          const char *reason, const char *extra_json, uint64_t *out_index)
{
    azk_status rc;
    azk_audit *a = NULL;
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    const char *objs[1];
    objs[0] = dataset;
    ev.actor = azk_store__actor(h);
    ev.action = action;
    ev.objects = objs;
    ev.object_count = dataset != NULL ? 1 : 0;
    ev.outcome = outcome;
    ev.reason = reason;
    ev.extra_json = extra_json;
    rc = azk_audit_open(&a, h->path, 0, NULL);
    if (rc != AZK_OK)
        return rc;
    rc = azk_audit_append(a, &ev, out_index);
    azk_audit_close(a);
    return rc;
}

void azk_retention_free(void *p)
{
    azk_free(p);
}

static azk_status exec1(azk_home *h, const char *sql, const char *a1, const char *a2,
                        const char *a3, const char *a4, int *changes);

/* ---- datasets ------------------------------------------------------------ */

struct ds_row {
    char retain_until[16];
    char client[72];
    char state[24];
    bool found;
};

static azk_status ds_cb(const azk_dataset_info *d, void *payload)
{
    struct ds_row *r = payload;
    (void)snprintf(r->retain_until, sizeof(r->retain_until), "%s", d->retain_until);
    (void)snprintf(r->client, sizeof(r->client), "%s", d->client);
    (void)snprintf(r->state, sizeof(r->state), "%s", d->state);
    r->found = true;
    return AZK_OK;
}

static azk_status get_ds(azk_home *h, const char *dataset, struct ds_row *r)
{
    memset(r, 0, sizeof(*r));
    return azk_dataset_get(h, dataset, ds_cb, r);
}

static bool valid_date(const char *s)
{
    int64_t t;
    return s != NULL && strlen(s) == 10 && azk_retention_parse_time(s, &t) == AZK_OK;
}

/* ---- artifacts ---------------------------------------------------------- */

/* Insert the registration of the regular file identified by id at absolute
 * path abs (one transaction with its ledger event). */
static azk_status artifact_insert(azk_home *h, const char *dataset, const char *abs,
                                  const struct azk_ret_fileid *id, const char *until)
{
    azk_status rc = AZK_OK;
    sqlite3_stmt *st = NULL;
    struct ds_row d;
    char now[32];
    int step;

    rc = azk_ret__schema(h);
    if (rc != AZK_OK)
        return rc;
    rc = get_ds(h, dataset, &d);
    if (rc != AZK_OK)
        return rc;
    if (strcmp(d.state, "active") != 0)
        return azk_error_set(AZK_ERR_ARG, "dataset is not active");
    if (until != NULL && !valid_date(until))
        return azk_error_set(AZK_ERR_ARG, "artifact deadline must be YYYY-MM-DD");
    if (until != NULL && strcmp(until, d.retain_until) > 0)
        return azk_error_set(AZK_ERR_ARG, "artifact deadline is later than the dataset's (%s)",
                             d.retain_until);
    azk_store__now(now);
    rc = azk_store__begin(h);
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__prepare(h, &st,
                            "INSERT INTO ret_artifacts(dataset,path,dev,ino,deadline,added_at,"
                            "added_by,size,mtime_ns,ctime_ns,hash) VALUES(?,?,?,?,?,?,?,?,?,?,?)");
    if (rc != AZK_OK)
        goto rollback;
    sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, abs, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)id->dev);
    sqlite3_bind_int64(st, 4, (sqlite3_int64)id->ino);
    sqlite3_bind_text(st, 5, until != NULL ? until : d.retain_until, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 6, now, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 7, azk_store__actor(h), -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 8, (sqlite3_int64)id->size);
    sqlite3_bind_int64(st, 9, (sqlite3_int64)id->mtime_ns);
    sqlite3_bind_int64(st, 10, (sqlite3_int64)id->ctime_ns);
    sqlite3_bind_text(st, 11, id->hash, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_CONSTRAINT) {
        rc = azk_error_set(AZK_ERR_ARG, "artifact already registered for this dataset");
        goto rollback;
    }
    if (step != SQLITE_DONE) {
        rc = azk_store__dberr(h->db, "add artifact");
        goto rollback;
    }
    rc = azk_ret__audit(h, "artifact.add", dataset, NULL, NULL, NULL, NULL);
    if (rc != AZK_OK)
        goto rollback;
    rc = azk_store__commit(h);
    if (rc != AZK_OK)
        goto rollback;
    goto done;
rollback:
    azk_store__rollback(h);
done:
    sqlite3_finalize(st);
    return rc;
}

azk_status azk_artifact_add(azk_home *h, const char *dataset, const char *path, const char *until)
{
    azk_status rc = AZK_OK;
    struct stat sb;
    struct azk_ret_fileid id;
    char *abs = NULL;
    int fd;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && path != NULL);
    if (lstat(path, &sb) != 0)
        return azk_error_errno("artifact");
    if (!S_ISREG(sb.st_mode))
        return azk_error_set(AZK_ERR_ARG, "artifact must be a regular file (not a symlink, "
                                          "directory or device)");
    /* identity: device, inode, size, times and a hash of the content, read
     * through the same open file that is checked to be the one lstat saw */
    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return azk_error_errno("artifact");
    rc = azk_ret__fileid_fd(fd, &id);
    close(fd);
    if (rc != AZK_OK)
        return rc;
    if (id.dev != (uint64_t)sb.st_dev || id.ino != (uint64_t)sb.st_ino)
        return azk_error_set(AZK_ERR_ARG, "artifact was replaced while being registered");
    /* the parent may be a symlink; the leaf is checked above */
    abs = realpath(path, NULL);
    if (abs == NULL)
        return azk_error_errno("artifact path");
    rc = artifact_insert(h, dataset, abs, &id, until);
    free(abs); /* from realpath; checksrc: ok */
    return rc;
}

azk_status azk_ret__artifact_register(azk_home *h, const char *dataset, const char *abs_path,
                                      int fd)
{
    struct azk_ret_fileid id;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && abs_path != NULL && fd >= 0);
    rc = azk_ret__fileid_fd(fd, &id);
    if (rc != AZK_OK)
        return rc;
    return artifact_insert(h, dataset, abs_path, &id, NULL);
}

azk_status azk_ret__artifact_withdraw(azk_home *h, const char *dataset, const char *abs_path,
                                      const struct stat *sb)
{
    azk_status rc;
    sqlite3_stmt *st = NULL;
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && abs_path != NULL && sb != NULL);
    rc = azk_store__prepare(h, &st,
                            "DELETE FROM ret_artifacts WHERE dataset = ? AND path = ? AND dev = ?"
                            " AND ino = ?");
    if (rc != AZK_OK)
        return rc;
    if (sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_text(st, 2, abs_path, -1, SQLITE_STATIC) != SQLITE_OK ||
        sqlite3_bind_int64(st, 3, (sqlite3_int64)sb->st_dev) != SQLITE_OK ||
        sqlite3_bind_int64(st, 4, (sqlite3_int64)sb->st_ino) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_DONE)
        rc = azk_store__dberr(h->db, "withdraw artifact");
    sqlite3_finalize(st);
    return rc;
}

azk_status azk_artifact_resolve(azk_home *h, const char *dataset, const char *path,
                                const char *reason)
{
    azk_status rc;
    sqlite3_stmt *st = NULL;
    const char *me = NULL;
    char *abs = NULL, *slash;
    azk_buf key = AZK_BUF_INIT, disp = AZK_BUF_INIT;
    int step;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && path != NULL);
    if (reason == NULL || reason[0] == '\0')
        return azk_error_set(AZK_ERR_ARG, "resolving an artifact needs a reason");
    rc = azk_ret__schema(h);
    if (rc != AZK_OK)
        return rc;
    /* the artifact is usually gone: resolve the path by its parent directory */
    rc = azk_buf_puts(&key, path);
    if (rc != AZK_OK)
        goto done;
    slash = strrchr((char *)key.data, '/');
    if (slash != NULL && slash != (char *)key.data) {
        *slash = '\0';
        abs = realpath((const char *)key.data, NULL);
        azk_buf_clear(&key);
        if (abs != NULL)
            rc = azk_buf_printf(&key, "%s/%s", abs, strrchr(path, '/') + 1);
        else
            rc = azk_buf_puts(&key, path);
    } else if (slash == NULL) {
        abs = realpath(".", NULL);
        azk_buf_clear(&key);
        rc = abs != NULL ? azk_buf_printf(&key, "%s/%s", abs, path) : azk_buf_puts(&key, path);
    }
    if (rc != AZK_OK)
        goto done;
    rc = azk_identity__requester(h, "artifact.resolve", dataset, &me);
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__prepare(h, &st,
                            "SELECT disposition FROM ret_artifacts WHERE dataset=?1 AND path=?2");
    if (rc != AZK_OK)
        goto done;
    sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, (const char *)key.data, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW && sqlite3_column_type(st, 0) == SQLITE_TEXT &&
        strncmp((const char *)sqlite3_column_text(st, 0), "refused", 7) == 0)
        rc = azk_buf_printf(&disp, "resolved by %s (was %s)", me,
                            (const char *)sqlite3_column_text(st, 0) + strlen("refused: "));
    else if (step == SQLITE_ROW || step == SQLITE_DONE)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no refused artifact of %s at that path", dataset);
    else
        rc = azk_store__dberr(h->db, "read artifact");
    sqlite3_finalize(st);
    st = NULL;
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__begin(h);
    if (rc != AZK_OK)
        goto done;
    rc = exec1(h, "UPDATE ret_artifacts SET disposition=?3 WHERE dataset=?1 AND path=?2", dataset,
               (const char *)key.data, (const char *)disp.data, NULL, NULL);
    if (rc == AZK_OK)
        rc = azk_ret__audit(h, "artifact.resolve", dataset, NULL, reason, NULL, NULL);
    if (rc == AZK_OK)
        rc = azk_store__commit(h);
    if (rc != AZK_OK)
        azk_store__rollback(h);
done:
    free(abs); /* from realpath; checksrc: ok */
    azk_buf_dispose(&key);
    azk_buf_dispose(&disp);
    return rc;
}

azk_status azk_artifact_list(azk_home *h, const char *dataset, azk_artifact_cb cb, void *payload)
{
    azk_status rc;
    sqlite3_stmt *st = NULL;
    int step;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    rc = azk_ret__schema(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__prepare(h, &st,
                            "SELECT dataset, path, deadline, disposition FROM ret_artifacts"
                            " WHERE ?1 IS NULL OR dataset = ?1 ORDER BY dataset, path");
    if (rc != AZK_OK)
        return rc;
    if (dataset != NULL)
        sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        azk_artifact_info a;
        a.dataset = (const char *)sqlite3_column_text(st, 0);
        a.path = (const char *)sqlite3_column_text(st, 1);
        a.deadline = (const char *)sqlite3_column_text(st, 2);
        a.disposition = (const char *)sqlite3_column_text(st, 3);
        rc = cb(&a, payload);
        if (rc != AZK_OK)
            goto done;
    }
    if (step != SQLITE_DONE)
        rc = azk_store__dberr(h->db, "list artifacts");
done:
    sqlite3_finalize(st);
    return rc;
}

/* ---- holds -------------------------------------------------------------- */

static azk_status exec1(azk_home *h, const char *sql, const char *a1, const char *a2,
                        const char *a3, const char *a4, int *changes)
{
    sqlite3_stmt *st = NULL;
    azk_status rc = azk_store__prepare(h, &st, sql);
    if (rc != AZK_OK)
        return rc;
    if (a1 != NULL)
        sqlite3_bind_text(st, 1, a1, -1, SQLITE_STATIC);
    if (a2 != NULL)
        sqlite3_bind_text(st, 2, a2, -1, SQLITE_STATIC);
    if (a3 != NULL)
        sqlite3_bind_text(st, 3, a3, -1, SQLITE_STATIC);
    if (a4 != NULL)
        sqlite3_bind_text(st, 4, a4, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = azk_store__dberr(h->db, "retention update");
    if (changes != NULL)
        *changes = sqlite3_changes(h->db);
    sqlite3_finalize(st);
    return rc;
}

azk_status azk_retention_hold(azk_home *h, const char *dataset, const char *reason)
{
    azk_status rc;
    struct ds_row d;
    char now[32];
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && dataset != NULL);
    if (reason == NULL || reason[0] == '\0')
        return azk_error_set(AZK_ERR_ARG, "a hold needs a reason");
    rc = azk_ret__schema(h);
    if (rc == AZK_OK)
        rc = get_ds(h, dataset, &d);
    if (rc != AZK_OK)
        return rc;
    azk_store__now(now);
    rc = azk_store__begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = exec1(h, "INSERT OR REPLACE INTO ret_holds(dataset,reason,by,at) VALUES(?,?,?,?)", dataset,
               reason, azk_store__actor(h), now, NULL);
    if (rc == AZK_OK)
        rc = azk_ret__audit(h, "retention.hold", dataset, NULL, reason, NULL, NULL);
    if (rc == AZK_OK)
        rc = azk_store__commit(h);
    if (rc != AZK_OK)
        azk_store__rollback(h);
    return rc;
}

azk_status azk_retention_release(azk_home *h, const char *dataset, const char *reason)
{
    azk_status rc;
    int n = 0;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && dataset != NULL);
    if (reason == NULL || reason[0] == '\0')
        return azk_error_set(AZK_ERR_ARG, "a release needs a reason");
    rc = azk_ret__schema(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = exec1(h, "DELETE FROM ret_holds WHERE dataset = ?1", dataset, NULL, NULL, NULL, &n);
    if (rc == AZK_OK && n == 0)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "dataset %s is not on hold", dataset);
    if (rc == AZK_OK)
        rc = azk_ret__audit(h, "retention.release", dataset, NULL, reason, NULL, NULL);
    if (rc == AZK_OK)
        rc = azk_store__commit(h);
    if (rc != AZK_OK)
        azk_store__rollback(h);
    return rc;
}

/* ---- two-person requests -------------------------------------------------- */

azk_status azk_retention_request(azk_home *h, const char *dataset, const char *until,
                                 const char *reason, char out_id[16])
{
    azk_status rc;
    struct ds_row d;
    char now[32], extra[96];
    uint8_t rnd[4];
    char hex[9];
    const char *me = NULL;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && out_id != NULL);
    if (reason == NULL || reason[0] == '\0')
        return azk_error_set(AZK_ERR_ARG, "a request needs a reason");
    rc = azk_ret__schema(h);
    if (rc == AZK_OK)
        rc = get_ds(h, dataset, &d);
    if (rc != AZK_OK)
        return rc;
    rc = azk_identity__requester(h, "retention.request", dataset, &me);
    if (rc != AZK_OK)
        return rc;
    if (strcmp(d.state, "active") != 0)
        return azk_error_set(AZK_ERR_ARG, "dataset is not active");
    if (until != NULL) {
        if (!valid_date(until))
            return azk_error_set(AZK_ERR_ARG, "--until must be YYYY-MM-DD");
        if (strcmp(until, d.retain_until) <= 0)
            return azk_error_set(AZK_ERR_ARG, "an extension must be later than the deadline %s",
                                 d.retain_until);
    }
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    (void)snprintf(out_id, 16, "R-%s", hex);
    azk_store__now(now);
    if (until != NULL)
        (void)snprintf(extra, sizeof(extra),
                       "{\"request\":\"%s\",\"kind\":\"extend\","
                       "\"until\":\"%s\"}",
                       out_id, until);
    else
        (void)snprintf(extra, sizeof(extra), "{\"request\":\"%s\",\"kind\":\"delete\"}", out_id);
    rc = azk_store__begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        sqlite3_stmt *st = NULL;
        rc = azk_store__prepare(h, &st,
                                "INSERT INTO ret_requests(id,kind,dataset,until,reason,"
                                "requested_by,requested_at) VALUES(?,?,?,?,?,?,?)");
        if (rc == AZK_OK) {
            sqlite3_bind_text(st, 1, out_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 2, until != NULL ? "extend" : "delete", -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 3, dataset, -1, SQLITE_STATIC);
            if (until != NULL)
                sqlite3_bind_text(st, 4, until, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 6, me, -1, SQLITE_STATIC);
            sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = azk_store__dberr(h->db, "add request");
        }
        sqlite3_finalize(st);
    }
    if (rc == AZK_OK)
        rc = azk_ret__audit(h, "retention.request", dataset, NULL, reason, extra, NULL);
    if (rc == AZK_OK)
        rc = azk_store__commit(h);
    if (rc != AZK_OK)
        azk_store__rollback(h);
    return rc;
}

azk_status azk_retention_approve(azk_home *h, const char *request_id)
{
    azk_status rc;
    sqlite3_stmt *st = NULL;
    char kind[16] = "", dataset[72] = "", until[16] = "", by[72] = "", state[16] = "";
    char now[32], extra[192];
    const char *me;
    int step;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && request_id != NULL);
    rc = azk_ret__schema(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__prepare(h, &st,
                            "SELECT kind, dataset, coalesce(until,''), requested_by,"
                            " state FROM ret_requests WHERE id = ?1");
    if (rc != AZK_OK)
        return rc;
    sqlite3_bind_text(st, 1, request_id, -1, SQLITE_STATIC);
    step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        (void)snprintf(kind, sizeof(kind), "%s", (const char *)sqlite3_column_text(st, 0));
        (void)snprintf(dataset, sizeof(dataset), "%s", (const char *)sqlite3_column_text(st, 1));
        (void)snprintf(until, sizeof(until), "%s", (const char *)sqlite3_column_text(st, 2));
        (void)snprintf(by, sizeof(by), "%s", (const char *)sqlite3_column_text(st, 3));
        (void)snprintf(state, sizeof(state), "%s", (const char *)sqlite3_column_text(st, 4));
    }
    sqlite3_finalize(st);
    if (step == SQLITE_DONE)
        return azk_error_set(AZK_ERR_NOTFOUND, "no request %s", request_id);
    if (step != SQLITE_ROW)
        return azk_store__dberr(h->db, "read request");
    if (strcmp(state, "pending") != 0)
        return azk_error_set(AZK_ERR_ARG, "request %s is not pending (%s)", request_id, state);
    rc = azk_identity__approver(h, "retention.approve", dataset, by, NULL, &me);
    if (rc != AZK_OK)
        return rc;
    (void)snprintf(extra, sizeof(extra), "{\"request\":\"%s\",\"requested_by\":\"%s\"}", request_id,
                   by);
    azk_store__now(now);
    rc = azk_store__begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = exec1(h,
               "UPDATE ret_requests SET state='approved', approved_by=?2, approved_at=?3"
               " WHERE id=?1",
               request_id, me, now, NULL, NULL);
    if (rc == AZK_OK && strcmp(kind, "delete") == 0)
        rc = exec1(h, "INSERT OR REPLACE INTO ret_early(dataset, request) VALUES(?1, ?2)", dataset,
                   request_id, NULL, NULL, NULL);
    if (rc == AZK_OK && strcmp(kind, "extend") == 0) {
        rc = exec1(h, "UPDATE datasets SET retain_until=?2 WHERE id=?1", dataset, until, NULL, NULL,
                   NULL);
    }
    if (rc == AZK_OK)
        rc = azk_ret__audit(h, "retention.approve", dataset, NULL, NULL, extra, NULL);
    if (rc == AZK_OK && strcmp(kind, "extend") == 0) {
        char ex2[64];
        (void)snprintf(ex2, sizeof(ex2), "{\"until\":\"%s\"}", until);
        rc = azk_ret__audit(h, "retention.extend", dataset, NULL, NULL, ex2, NULL);
    }
    if (rc == AZK_OK)
        rc = azk_store__commit(h);
    if (rc != AZK_OK)
        azk_store__rollback(h);
    return rc;
}

/* ---- status ------------------------------------------------------------- */

azk_status azk_retention_status(azk_home *h, int64_t now, azk_retention_cb cb, void *payload,
                                uint64_t *out_overdue)
{
    azk_status rc;
    sqlite3_stmt *st = NULL;
    char today[16], yesterday[16];
    uint64_t overdue = 0;
    int step;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    rc = azk_ret__schema(h);
    if (rc != AZK_OK)
        return rc;
    if (now == 0)
        now = (int64_t)time(NULL);
    azk_ret__date(now, today);
    azk_ret__date(now - 86400, yesterday);
    rc = azk_store__prepare(
        h, &st,
        "SELECT d.id, d.client, d.retain_until, d.state, s.state, s.residuals,"
        " ho.reason, (SELECT count(*) FROM ret_artifacts a WHERE a.dataset = d.id),"
        " e.request FROM datasets d LEFT JOIN ret_state s ON s.dataset = d.id"
        " LEFT JOIN ret_holds ho ON ho.dataset = d.id LEFT JOIN ret_early e ON e.dataset = d.id"
        " ORDER BY d.client, d.id");
    if (rc != AZK_OK)
        return rc;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        azk_retention_item it;
        const char *until = (const char *)sqlite3_column_text(st, 2);
        const char *rstate = (const char *)sqlite3_column_text(st, 4);
        bool due = strcmp(today, until) > 0 || sqlite3_column_type(st, 8) != SQLITE_NULL;
        memset(&it, 0, sizeof(it));
        it.dataset = (const char *)sqlite3_column_text(st, 0);
        it.client = (const char *)sqlite3_column_text(st, 1);
        it.retain_until = until;
        it.residuals = (uint64_t)sqlite3_column_int64(st, 5);
        it.artifacts = (uint64_t)sqlite3_column_int64(st, 7);
        if (rstate != NULL) {
            it.status = rstate;
            if (strcmp(rstate, "incomplete") == 0) {
                overdue++;
                it.detail = "residual copies or refused artifacts: see `retention show`";
            } else if (strcmp(rstate, "certified") != 0 && strcmp(rstate, "clean") != 0 &&
                       strcmp(yesterday, until) > 0) {
                overdue++; /* a run was interrupted and the deadline has passed */
            }
        } else if (sqlite3_column_type(st, 6) != SQLITE_NULL) {
            it.status = "hold";
            it.detail = (const char *)sqlite3_column_text(st, 6);
        } else if (due && strcmp(yesterday, until) > 0) {
            it.status = "overdue";
            overdue++;
        } else if (due) {
            it.status = "due";
            if (sqlite3_column_type(st, 8) != SQLITE_NULL)
                it.detail = "early deletion approved";
        } else {
            it.status = "active";
        }
        rc = cb(&it, payload);
        if (rc != AZK_OK)
            goto done;
    }
    if (step != SQLITE_DONE)
        rc = azk_store__dberr(h->db, "retention status");
done:
    sqlite3_finalize(st);
    if (out_overdue != NULL)
        *out_overdue = overdue;
    return rc;
}

azk_status azk_retention_residuals(azk_home *h, const char *dataset, azk_residual_cb cb,
                                   void *payload)
{
    azk_status rc;
    sqlite3_stmt *st = NULL;
    int step;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    rc = azk_ret__schema(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__prepare(h, &st,
                            "SELECT dataset, path, member, rows FROM ret_residuals"
                            " WHERE ?1 IS NULL OR dataset = ?1 ORDER BY dataset, path, member");
    if (rc != AZK_OK)
        return rc;
    if (dataset != NULL)
        sqlite3_bind_text(st, 1, dataset, -1, SQLITE_STATIC);
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        azk_residual_info ri;
        ri.dataset = (const char *)sqlite3_column_text(st, 0);
        ri.path = (const char *)sqlite3_column_text(st, 1);
        ri.member = (const char *)sqlite3_column_text(st, 2);
        ri.rows = (uint64_t)sqlite3_column_int64(st, 3);
        rc = cb(&ri, payload);
        if (rc != AZK_OK)
            goto done;
    }
    if (step != SQLITE_DONE)
        rc = azk_store__dberr(h->db, "list residuals");
done:
    sqlite3_finalize(st);
    return rc;
}
