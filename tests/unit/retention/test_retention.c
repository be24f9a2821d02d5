/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/retention/test_retention.c -- retention: the safe removal of a
 * registered file (symlink, directory, replaced inode, missing), the run's
 * state machine (not due, hold, no sweep location, clean, clock going
 * backwards), TOTP users, and certificate verification: valid, tampered,
 * another key, and re-signed documents whose ledger proof or entry is wrong.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/keystore.h"

#include <jansson.h>
#include <liboath/oath.h>
#include <sodium.h>

#include "retention/ret_int.h"
#include "retention/identity.h"
#include "azukari/vault.h"
#include "azukari/audit.h"
#include "cert_v1.h"

struct fixture {
    char dir[64];
    char home[128];
    char sweep[128];
    azk_home *h;
};

static const char csv[] = "顧客番号,氏名,電話番号,住所\n"
                          "C000001,試験 一郎,090-1111-2222,東京都千代田区試験町1-2-3\n"
                          "C000002,見本 花子,090-3333-4444,東京都千代田区試験町4-5-6\n"
                          "C000003,仮名 次郎,090-5555-6666,東京都千代田区試験町7-8-9\n";

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/azk-ret-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
    snprintf(f->sweep, sizeof(f->sweep), "%s/sweep", f->dir);
    if (mkdir(f->sweep, 0700) != 0)
        return -1;
    if (azk_home_init(f->home, NULL) != AZK_OK)
        return -1;
    if (azk_home_open(&f->h, f->home, NULL, 0) != AZK_OK)
        return -1;
    if (azk_client_add(f->h, "c1", "") != AZK_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[256];
    azk_home_close(f->h);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void write_file(const char *path, const char *data)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, strlen(data), fp), strlen(data));
    fclose(fp);
}

static void intake(struct fixture *f, const char *ds, const char *until)
{
    char p[256];
    int fd;
    azk_intake_options o = AZK_INTAKE_OPTIONS_INIT;
    azk_intake_result res;
    snprintf(p, sizeof(p), "%s/%s.csv", f->dir, ds);
    write_file(p, csv);
    fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    o.client = "c1";
    o.dataset = ds;
    o.purpose = "unit test";
    o.retain_until = until;
    o.source_name = "dm.csv";
    assert_int_equal(azk_intake(f->h, fd, &o, &res), AZK_OK);
    close(fd);
    unlink(p);
}

static const char *state_of(azk_home *h, const char *ds, char buf[32])
{
    azk_db_stmt *st = NULL;
    buf[0] = '\0';
    assert_int_equal(
        azk_db_prepare(h->cat, &st, "SELECT state FROM ret_state WHERE dataset=?", "test"), AZK_OK);
    azk_db_bind_text(st, 1, ds);
    if (azk_db_step(st) == AZK_DB_ROW)
        snprintf(buf, 32, "%s", (const char *)azk_db_col_text(st, 0));
    azk_db_finalize(st);
    return buf;
}

/* Is the dataset's data key still in the keystore? */
static bool key_present(azk_home *h, const char *ds)
{
    azk_db_stmt *st = NULL;
    char uuid[40];
    uint8_t *wk = NULL;
    size_t wkl = 0;
    azk_status rc;
    assert_int_equal(azk_db_prepare(h->cat, &st, "SELECT uuid FROM datasets WHERE id=?", "test"),
                     AZK_OK);
    azk_db_bind_text(st, 1, ds);
    assert_int_equal(azk_db_step(st), AZK_DB_ROW);
    snprintf(uuid, sizeof(uuid), "%s", (const char *)azk_db_col_text(st, 0));
    azk_db_finalize(st);
    rc = azk_store__key_get(h, AZK_KEY_DATASET, uuid, &wk, &wkl);
    azk_free_secret(wk, wkl);
    assert_true(rc == AZK_OK || rc == AZK_ERR_NOTFOUND);
    return rc == AZK_OK;
}

static void backdate(struct fixture *f, const char *ds, const char *until);

/* Enrol `name` and authenticate it on h with the TOTP code of time t (0 = now). */
static void login_at(azk_home *h, const char *name, time_t t)
{
    char b32[64], code[8];
    char *secret = NULL;
    size_t secret_len = 0;
    assert_int_equal(azk_user_add(h, name, b32), AZK_OK);
    assert_int_equal(oath_init(), OATH_OK);
    assert_int_equal(oath_base32_decode(b32, strlen(b32), &secret, &secret_len), OATH_OK);
    assert_int_equal(
        oath_totp_generate(secret, secret_len, t != 0 ? t : time(NULL), 30, 0, 6, code), OATH_OK);
    assert_int_equal(azk_user_auth(h, name, code), AZK_OK);
    free(secret);
}

static void login(azk_home *h, const char *name)
{
    login_at(h, name, 0);
}

/* ---- removal ---------------------------------------------------------------- */

/* The identity of the file at path, as registration records it. */
static struct azk_ret_fileid id_of(const char *path)
{
    struct azk_ret_fileid id;
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(azk_ret__fileid_fd(fd, &id), AZK_OK);
    close(fd);
    return id;
}

static void test_retention__remove_file_cases(void **state)
{
    struct fixture *f = *state;
    char p[256], target[256], d[256];
    struct stat sb;
    struct azk_ret_fileid id, tid;
    const char *disp;

    snprintf(p, sizeof(p), "%s/a.txt", f->dir);
    write_file(p, "derived artifact\n");
    id = id_of(p);
    assert_int_equal(strncmp(id.hash, "blake2b-256:", 12), 0);
    assert_int_equal(strlen(id.hash), 12 + 64);
    /* the right file: overwritten and unlinked */
    assert_int_equal(azk_ret__remove_file(p, &id, true, &disp, NULL), AZK_OK);
    assert_string_equal(disp, "overwritten+unlinked");
    assert_int_not_equal(access(p, F_OK), 0);
    /* already missing */
    assert_int_equal(azk_ret__remove_file(p, &id, true, &disp, NULL), AZK_OK);
    assert_string_equal(disp, "already absent");
    /* a symlink now at the path: refused, target untouched */
    snprintf(target, sizeof(target), "%s/target.txt", f->dir);
    write_file(target, "must survive\n");
    assert_int_equal(symlink(target, p), 0);
    assert_int_equal(azk_ret__remove_file(p, NULL, true, &disp, NULL), AZK_ERR_PERM);
    assert_string_equal(disp, "refused: symlink");
    assert_int_equal(stat(target, &sb), 0);
    assert_int_equal(sb.st_size, 13);
    unlink(p);
    /* a directory */
    snprintf(d, sizeof(d), "%s/dir", f->dir);
    assert_int_equal(mkdir(d, 0700), 0);
    assert_int_equal(azk_ret__remove_file(d, NULL, true, &disp, NULL), AZK_ERR_PERM);
    assert_string_equal(disp, "refused: not a regular file");
    /* another file under the registered name (other inode) */
    write_file(p, "new file\n");
    tid = id_of(target);
    assert_int_equal(azk_ret__remove_file(p, &tid, true, &disp, NULL), AZK_ERR_PERM);
    assert_string_equal(disp, "refused: replaced (device/inode differ)");
    assert_int_equal(access(p, F_OK), 0);
}

/* Issue 10 item 7: the same (device, inode) with other content is another file.
 * Covers the reuse of an inode number by a new file: same inode, other size or
 * mtime; and same inode, size and mtime but other bytes (only the hash tells). */
static void test_retention__inode_reuse_refused(void **state)
{
    struct fixture *f = *state;
    char p[256], got[64];
    struct azk_ret_fileid id;
    struct timespec ts[2];
    struct stat sb;
    const char *disp;
    FILE *fp;
    size_t n;

    snprintf(p, sizeof(p), "%s/job.prn", f->dir);
    write_file(p, "registered print job\n");
    id = id_of(p);
    assert_int_equal(stat(p, &sb), 0);
    /* the inode now holds other content (what `rm; echo new >` produces when
     * the file system hands the freed inode number out again) */
    write_file(p, "new\n");
    assert_int_equal(azk_ret__remove_file(p, &id, true, &disp, NULL), AZK_ERR_PERM);
    assert_string_equal(disp, "refused: changed since registration (size or mtime differ)");
    /* same size and modification time, other bytes: the content hash decides */
    write_file(p, "REGISTERED PRINT JOB\n");
    ts[0] = sb.st_atim;
    ts[1] = sb.st_mtim;
    assert_int_equal(utimensat(AT_FDCWD, p, ts, 0), 0);
    assert_int_equal(azk_ret__remove_file(p, &id, true, &disp, NULL), AZK_ERR_PERM);
    assert_string_equal(disp, "refused: content differs from registration");
    /* the new file is untouched */
    fp = fopen(p, "rb");
    assert_non_null(fp);
    n = fread(got, 1, sizeof(got) - 1, fp);
    fclose(fp);
    got[n] = '\0';
    assert_string_equal(got, "REGISTERED PRINT JOB\n");
    /* a row of an older catalog (no hash): unverifiable, refused */
    id.hash[0] = '\0';
    id.size = (uint64_t)sb.st_size;
    assert_int_equal(azk_ret__remove_file(p, &id, true, &disp, NULL), AZK_ERR_PERM);
    assert_non_null(strstr(disp, "unverifiable"));
    assert_int_equal(access(p, F_OK), 0);
}

/* Issue 10 item 8: a hard-linked artifact is not overwritten; only its name goes. */
static void test_retention__hard_link_not_overwritten(void **state)
{
    struct fixture *f = *state;
    char p[256], other[256], got[64];
    struct azk_ret_fileid id;
    const char *disp;
    uint64_t links = 0;
    FILE *fp;
    size_t n;

    snprintf(p, sizeof(p), "%s/print.prn", f->dir);
    snprintf(other, sizeof(other), "%s/kept-elsewhere.prn", f->dir);
    write_file(p, "print data\n");
    id = id_of(p);
    assert_int_equal(link(p, other), 0);
    assert_int_equal(azk_ret__remove_file(p, &id, true, &disp, &links), AZK_ERR_PERM);
    assert_string_equal(disp, AZK_RET_DISP_LINKS);
    assert_int_equal(links, 1);
    assert_int_not_equal(access(p, F_OK), 0); /* this name is gone */
    fp = fopen(other, "rb");                  /* the other name's content is intact */
    assert_non_null(fp);
    n = fread(got, 1, sizeof(got) - 1, fp);
    fclose(fp);
    got[n] = '\0';
    assert_string_equal(got, "print data\n");
}

/* Through a run: the hard-linked artifact keeps the deletion incomplete,
 * run after run, until a person resolves it; then the deletion is clean. */
static void test_retention__hard_link_run_and_resolve(void **state)
{
    struct fixture *f = *state;
    azk_retention_run_options o = AZK_RETENTION_RUN_OPTIONS_INIT;
    azk_retention_summary s;
    const char *paths[1] = {f->sweep};
    char p[256], other[256], st[32];

    intake(f, "hl", "2090-01-01");
    snprintf(p, sizeof(p), "%s/hl.prn", f->dir);
    snprintf(other, sizeof(other), "%s/hl-copy.prn", f->dir);
    write_file(p, "print data\n");
    assert_int_equal(azk_artifact_add(f->h, "hl", p, NULL), AZK_OK);
    assert_int_equal(link(p, other), 0);
    backdate(f, "hl", "2020-01-01");
    o.sweep_paths = paths;
    o.sweep_path_count = 1;
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_OK);
    assert_string_equal(state_of(f->h, "hl", st), "incomplete");
    assert_int_equal(access(other, F_OK), 0);
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_OK);
    assert_string_equal(state_of(f->h, "hl", st), "incomplete"); /* still, not "already absent" */
    /* the OS user cannot resolve it; an authenticated person can */
    assert_int_equal(azk_artifact_resolve(f->h, "hl", p, "removed the copy"), AZK_ERR_PERM);
    unlink(other);
    login(f->h, "carol");
    assert_int_equal(azk_artifact_resolve(f->h, "hl", p, ""), AZK_ERR_ARG);
    assert_int_equal(azk_artifact_resolve(f->h, "hl", "/nonexistent/x", "r"), AZK_ERR_NOTFOUND);
    assert_int_equal(azk_artifact_resolve(f->h, "hl", p, "removed the copy"), AZK_OK);
    assert_int_equal(azk_home_set_actor(f->h, NULL), AZK_OK);
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_OK);
    assert_string_equal(state_of(f->h, "hl", st), "clean");
}

/* An artifact row of a catalog made before content hashes: the schema is
 * upgraded in place and the row is refused as unverifiable (never deleted). */
static void test_retention__old_catalog_artifact_unverifiable(void **state)
{
    struct fixture *f = *state;
    azk_retention_run_options o = AZK_RETENTION_RUN_OPTIONS_INIT;
    azk_retention_summary s;
    const char *paths[1] = {f->sweep};
    char p[256], st[32], sql[768];
    struct stat sb;

    snprintf(p, sizeof(p), "%s/old.prn", f->dir);
    write_file(p, "print data of an old catalog\n");
    assert_int_equal(stat(p, &sb), 0);
    /* a version-1 catalog of that release: migrated when the home is opened */
    intake(f, "old", "2090-01-01");
    assert_int_equal(azk_db_exec(f->h->cat,
                                 "DROP TABLE ret_artifacts;"
                                 "CREATE TABLE ret_artifacts(dataset TEXT NOT NULL, path TEXT"
                                 " NOT NULL, dev INTEGER NOT NULL, ino INTEGER NOT NULL,"
                                 " deadline TEXT NOT NULL, added_at TEXT NOT NULL, added_by"
                                 " TEXT NOT NULL, disposition TEXT, PRIMARY KEY(dataset, path));"
                                 "ALTER TABLE datasets ADD COLUMN wrapped_key BLOB;"
                                 "ALTER TABLE guard_items ADD COLUMN wrapped BLOB;"
                                 "UPDATE meta SET value = '1' WHERE key = 'schema'",
                                 "old schema"),
                     AZK_OK);
    snprintf(sql, sizeof(sql),
             "INSERT INTO ret_artifacts VALUES('old','%s',%llu,%llu,'2090-01-01','2025-01-01T00:00"
             ":00Z','root',NULL)",
             p, (unsigned long long)sb.st_dev, (unsigned long long)sb.st_ino);
    assert_int_equal(azk_db_exec(f->h->cat, sql, "old row"), AZK_OK);
    azk_home_close(f->h);
    assert_int_equal(azk_home_open(&f->h, f->home, NULL, 0), AZK_OK);
    backdate(f, "old", "2020-01-01");
    o.sweep_paths = paths;
    o.sweep_path_count = 1;
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_OK);
    assert_string_equal(state_of(f->h, "old", st), "incomplete");
    assert_int_equal(s.incomplete, 1);
    assert_int_equal(stat(p, &sb), 0);
    assert_int_equal(sb.st_size, 29); /* untouched */
}

/* --now and deadlines follow norm's one date rule: an impossible day is refused,
 * not rolled over into the next month (strptime + timegm did that). */
static void test_retention__parse_time_real_days(void **state)
{
    int64_t t = 0;
    (void)state;
    assert_int_equal(azk_retention_parse_time("2026-02-30", &t), AZK_ERR_ARG);
    assert_int_equal(azk_retention_parse_time("2026-02-29", &t), AZK_ERR_ARG);
    assert_int_equal(azk_retention_parse_time("2026-02-30T00:00:00Z", &t), AZK_ERR_ARG);
    assert_int_equal(azk_retention_parse_time("2026-2-3", &t), AZK_ERR_ARG);
    assert_int_equal(azk_retention_parse_time("2028-02-29", &t), AZK_OK);
    assert_int_equal(t, 1835395200);
    assert_int_equal(azk_retention_parse_time("2028-02-29T01:02:03Z", &t), AZK_OK);
    assert_int_equal(t, 1835395200 + 3723);
}

/* ---- the run ----------------------------------------------------------------- */

static int64_t t_of(const char *s)
{
    int64_t t = 0;
    assert_int_equal(azk_retention_parse_time(s, &t), AZK_OK);
    return t;
}

/* Make a dataset's deadline pass for real: the catalog says it was due at `until`
 * (intake refuses a deadline in the past; a run only believes the system clock). */
static void backdate(struct fixture *f, const char *ds, const char *until)
{
    azk_db_stmt *st = NULL;
    assert_int_equal(
        azk_db_prepare(f->h->cat, &st, "UPDATE datasets SET retain_until=? WHERE id=?", "test"),
        AZK_OK);
    azk_db_bind_text(st, 1, until);
    azk_db_bind_text(st, 2, ds);
    assert_int_equal(azk_db_step(st), AZK_DB_DONE);
    azk_db_finalize(st);
}

static uint64_t ledger_size(struct fixture *f)
{
    azk_audit *a = NULL;
    uint64_t n;
    assert_int_equal(azk_audit_open(&a, f->home, 0, NULL), AZK_OK);
    n = azk_audit_size(a);
    azk_audit_close(a);
    return n;
}

static size_t count_files(const char *dir)
{
    char cmd[256];
    FILE *p;
    size_t n = 0;
    int c;
    snprintf(cmd, sizeof(cmd), "ls -A '%s'", dir);
    p = popen(cmd, "r");
    assert_non_null(p);
    while ((c = fgetc(p)) != EOF)
        if (c == '\n')
            n++;
    pclose(p);
    return n;
}

/* Issue 10 item 6: `run --now` in the future destroyed a dataset due later.
 * A drill destroys nothing and records nothing, whatever time it is given. */
static void test_retention__drill_in_future_destroys_nothing(void **state)
{
    struct fixture *f = *state;
    azk_retention_run_options o = AZK_RETENTION_RUN_OPTIONS_INIT;
    azk_retention_summary s;
    const char *paths[1] = {f->sweep};
    char st[32], art[256], vdir[256];
    uint64_t before;

    intake(f, "dm-2030", "2030-12-31");
    snprintf(art, sizeof(art), "%s/print.txt", f->dir);
    write_file(art, "print file\n");
    assert_int_equal(azk_artifact_add(f->h, "dm-2030", art, "2030-06-30"), AZK_OK);
    snprintf(vdir, sizeof(vdir), "%s/vault", f->home);
    assert_int_equal(count_files(vdir), 1);
    before = ledger_size(f);
    o.now = t_of("2031-01-02");
    o.sweep_paths = paths;
    o.sweep_path_count = 1;
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_OK);
    assert_int_equal(s.due, 1); /* reported as what would happen */
    assert_int_equal(s.clean, 0);
    assert_true(key_present(f->h, "dm-2030"));
    assert_string_equal(state_of(f->h, "dm-2030", st), "");
    assert_int_equal(access(art, F_OK), 0);
    assert_int_equal(count_files(vdir), 1);
    assert_int_equal(ledger_size(f), before); /* nothing recorded either */
    /* the drill flag alone (at the system clock) is read-only too */
    o.now = 0;
    o.drill = true;
    backdate(f, "dm-2030", "2020-01-01");
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_OK);
    assert_int_equal(s.due, 1);
    assert_true(key_present(f->h, "dm-2030"));
    assert_int_equal(ledger_size(f), before);
    /* a real run at the system clock deletes what is due by it */
    o.drill = false;
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_OK);
    assert_int_equal(s.clean, 1);
    assert_false(key_present(f->h, "dm-2030"));
}

static void test_retention__state_machine(void **state)
{
    struct fixture *f = *state;
    azk_retention_run_options o = AZK_RETENTION_RUN_OPTIONS_INIT;
    azk_retention_summary s;
    const char *paths[1];
    char st[32], art[256], vault[256];
    FILE *fp;

    intake(f, "due1", "2090-01-01");
    intake(f, "later", "2095-01-01");
    intake(f, "held", "2090-01-01");
    snprintf(art, sizeof(art), "%s/print.txt", f->dir);
    write_file(art, "print file\n");
    assert_int_equal(azk_artifact_add(f->h, "due1", art, NULL), AZK_OK);
    /* an artifact deadline later than the dataset's is refused */
    assert_int_equal(azk_artifact_add(f->h, "later", art, "2096-01-01"), AZK_ERR_ARG);
    assert_int_equal(azk_retention_hold(f->h, "held", "audit"), AZK_OK);

    /* no sweep location: the key goes, the deletion stays incomplete */
    backdate(f, "due1", "2020-01-01");
    backdate(f, "held", "2020-01-01");
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_OK);
    assert_int_equal(s.due, 2);
    assert_int_equal(s.held, 1);
    assert_int_equal(s.incomplete, 1);
    assert_string_equal(state_of(f->h, "due1", st), "incomplete");
    assert_false(key_present(f->h, "due1"));
    assert_true(key_present(f->h, "later"));
    assert_true(key_present(f->h, "held"));
    assert_string_equal(state_of(f->h, "held", st), "");
    assert_int_not_equal(access(art, F_OK), 0);
    /* a certificate needs a clean sweep */
    {
        char *out = NULL;
        login(f->h, "verifier");
        assert_int_equal(azk_certificate_issue(f->h, "due1", &out), AZK_ERR_ARG);
        assert_null(out);
        assert_int_equal(azk_home_set_actor(f->h, NULL), AZK_OK);
    }
    /* with an empty sweep location: clean */
    paths[0] = f->sweep;
    o.sweep_paths = paths;
    o.sweep_path_count = 1;
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_OK);
    assert_int_equal(s.clean, 1);
    assert_string_equal(state_of(f->h, "due1", st), "clean");
    /* the fingerprint export survives until the certificate */
    {
        azk_db_stmt *q = NULL;
        assert_int_equal(azk_db_prepare(f->h->cat, &q,
                                        "SELECT fp_file FROM ret_state WHERE "
                                        "dataset='due1'",
                                        "test"),
                         AZK_OK);
        assert_int_equal(azk_db_step(q), AZK_DB_ROW);
        snprintf(vault, sizeof(vault), "%s/retention/%s.fp", f->home,
                 (const char *)azk_db_col_text(q, 0));
        azk_db_finalize(q);
        assert_int_equal(access(vault, F_OK), 0);
    }
    /* a copy of an entrusted row in the sweep dir makes a later dataset incomplete */
    snprintf(vault, sizeof(vault), "%s/leak.csv", f->sweep);
    fp = fopen(vault, "wb");
    assert_non_null(fp);
    fputs(csv, fp);
    fclose(fp);
    backdate(f, "later", "2021-01-01");
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_OK);
    assert_string_equal(state_of(f->h, "later", st), "incomplete");
    assert_int_equal(s.incomplete, 1);
    unlink(vault);
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_OK);
    assert_string_equal(state_of(f->h, "later", st), "clean");
    /* clock going backwards: refused, nothing deleted */
    assert_int_equal(azk_retention_release(f->h, "held", "done"), AZK_OK);
    {
        azk_db_stmt *q = NULL; /* the last run was later than the clock says now */
        assert_int_equal(azk_db_prepare(f->h->cat, &q,
                                        "UPDATE ret_meta SET value = value + 86400"
                                        " WHERE key = 'last_run'",
                                        "test"),
                         AZK_OK);
        assert_int_equal(azk_db_step(q), AZK_DB_DONE);
        azk_db_finalize(q);
    }
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_ERR_INTEGRITY);
    assert_true(key_present(f->h, "held"));
}

/* ---- TOTP -------------------------------------------------------------------- */

static void test_retention__totp(void **state)
{
    struct fixture *f = *state;
    char b32[64], code[8];
    char *secret = NULL;
    size_t secret_len = 0;
    assert_int_equal(azk_user_add(f->h, "alice", b32), AZK_OK);
    assert_int_equal(azk_user_add(f->h, "alice", b32), AZK_ERR_ARG);
    assert_int_equal(oath_init(), OATH_OK);
    assert_int_equal(oath_base32_decode(b32, strlen(b32), &secret, &secret_len), OATH_OK);
    assert_int_equal(oath_totp_generate(secret, secret_len, time(NULL), 30, 0, 6, code), OATH_OK);
    assert_int_equal(azk_user_auth(f->h, "alice", code), AZK_OK);
    /* a code is good once: the same code again is a replay (RFC 6238 5.2) */
    assert_int_equal(azk_user_auth(f->h, "alice", code), AZK_ERR_PERM);
    assert_string_equal(azk_error_last()->message,
                        "authentication failed for user alice (TOTP code already used; wait for "
                        "the next one)");
    {
        char next[8];
        assert_int_equal(oath_totp_generate(secret, secret_len, time(NULL) + 30, 30, 0, 6, next),
                         OATH_OK);
        if (strcmp(next, code) != 0) { /* the next step (one step of drift) is a new code */
            assert_int_equal(azk_user_auth(f->h, "alice", next), AZK_OK);
            assert_int_equal(azk_user_auth(f->h, "alice", next), AZK_ERR_PERM);
        }
    }
    code[0] = code[0] == '9' ? '0' : (char)(code[0] + 1);
    assert_int_equal(azk_user_auth(f->h, "alice", code), AZK_ERR_PERM);
    assert_int_equal(azk_user_auth(f->h, "mallory", "123456"), AZK_ERR_PERM);
    assert_int_equal(azk_user_auth(f->h, "alice", NULL), AZK_ERR_PERM);
    /* malformed codes and names: refused, nobody authenticated */
    assert_int_equal(azk_user_auth(f->h, "alice", "12345"), AZK_ERR_PERM);
    assert_int_equal(azk_user_auth(f->h, "alice", "1234567"), AZK_ERR_PERM);
    assert_int_equal(azk_user_auth(f->h, "alice", "12a456"), AZK_ERR_PERM);
    assert_int_equal(azk_user_auth(f->h, "alice", " 12345"), AZK_ERR_PERM);
    assert_int_equal(azk_user_auth(f->h, "alice' OR 1=1 --", "123456"), AZK_ERR_PERM);
    assert_string_equal(azk_error_last()->message, "authentication failed (not a user name)");
    assert_int_equal(azk_user_auth(f->h, "試験 一郎", "123456"), AZK_ERR_PERM); /* not echoed */
    assert_null(strstr(azk_error_last()->message, "試験"));
    assert_null(azk_identity__user(f->h));
    assert_int_equal(azk_user_add(f->h, "", b32), AZK_ERR_ARG);
    assert_int_equal(azk_user_add(f->h, "../bob", b32), AZK_ERR_ARG);
    assert_int_equal(azk_user_add(f->h, "bob smith", b32), AZK_ERR_ARG);
    free(secret);
}

/* ---- the two-person rule (issue 10 item 10) ------------------------------------ */

static void test_retention__two_person_rule(void **state)
{
    struct fixture *f = *state;
    char id[16], id2[16];
    intake(f, "early", "2090-01-01");
    intake(f, "ext", "2090-01-01");
    /* a request needs a person who passed TOTP: the OS user alone cannot */
    assert_int_equal(azk_retention_request(f->h, "early", NULL, "job finished", id), AZK_ERR_PERM);
    assert_int_equal(azk_home_set_actor(f->h, "alice"), AZK_OK); /* a name is not a person */
    assert_int_equal(azk_retention_request(f->h, "early", NULL, "job finished", id), AZK_ERR_PERM);
    login(f->h, "alice");
    assert_int_equal(azk_retention_request(f->h, "early", NULL, "job finished", id), AZK_OK);
    assert_int_equal(azk_retention_request(f->h, "ext", "2091-01-01", "renewed", id2), AZK_OK);
    /* alice cannot approve her own request */
    assert_int_equal(azk_retention_approve(f->h, id), AZK_ERR_PERM);
    /* the OS user (no --user, no code) cannot approve: the reported bug */
    assert_int_equal(azk_home_set_actor(f->h, NULL), AZK_OK);
    assert_int_equal(azk_retention_approve(f->h, id), AZK_ERR_PERM);
    /* nor a name set without TOTP */
    assert_int_equal(azk_home_set_actor(f->h, "bob"), AZK_OK);
    assert_int_equal(azk_retention_approve(f->h, id), AZK_ERR_PERM);
    assert_int_equal(azk_retention_approve(f->h, id2), AZK_ERR_PERM);
    /* bob, enrolled and authenticated: approved */
    login(f->h, "bob");
    assert_int_equal(azk_retention_approve(f->h, id), AZK_OK);
    assert_int_equal(azk_retention_approve(f->h, id2), AZK_OK);
    assert_int_equal(azk_retention_approve(f->h, id), AZK_ERR_ARG); /* not pending any more */
}

/* TOTP code of base32 secret b32 at time t. */
static void code_at(const char *b32, time_t t, char code[8])
{
    char *secret = NULL;
    size_t secret_len = 0;
    assert_int_equal(oath_init(), OATH_OK);
    assert_int_equal(oath_base32_decode(b32, strlen(b32), &secret, &secret_len), OATH_OK);
    assert_int_equal(oath_totp_generate(secret, secret_len, t, 30, 0, 6, code), OATH_OK);
    free(secret);
}

/* A 6-digit code is guessable by volume: 5 wrong codes lock the user for a
 * while, even the right code is refused then. */
static void test_retention__totp_guess_limit(void **state)
{
    struct fixture *f = *state;
    char b32[64], code[8], wrong[8];
    time_t now = time(NULL);
    assert_int_equal(azk_user_add(f->h, "gus", b32), AZK_OK);
    code_at(b32, now, code);
    for (int i = 1; i <= 5; i++) {
        memcpy(wrong, code, sizeof(wrong));
        wrong[5] = (char)('0' + (code[5] - '0' + i) % 10);
        assert_int_equal(azk_user_auth(f->h, "gus", wrong), AZK_ERR_PERM);
    }
    assert_int_equal(azk_user_auth(f->h, "gus", code), AZK_ERR_PERM);
    assert_non_null(strstr(azk_error_last()->message, "too many wrong codes"));
    assert_null(azk_identity__user(f->h));
    /* 15 minutes later (the failures aged out) the right code works */
    assert_int_equal(azk_db_exec(f->h->cat, "UPDATE auth_failures SET at = at - 1000", "age"),
                     AZK_OK);
    assert_int_equal(azk_user_auth(f->h, "gus", code), AZK_OK);
}

/* Enrolment is a two-person act after the first two users: one person
 * cannot give themselves a second identity to approve with. */
static void test_retention__enrolment_two_person(void **state)
{
    struct fixture *f = *state;
    char a[64], b[64], m[64], code[8];
    time_t now = time(NULL);
    assert_int_equal(azk_user_add(f->h, "alice", a), AZK_OK); /* bootstrap */
    assert_int_equal(azk_user_add(f->h, "bob", b), AZK_OK);   /* bootstrap */
    /* the OS user alone can enrol nobody any more */
    assert_int_equal(azk_user_add(f->h, "mallory", m), AZK_ERR_PERM);
    code_at(a, now, code);
    assert_int_equal(azk_user_auth(f->h, "alice", code), AZK_OK);
    assert_int_equal(azk_user_add(f->h, "mallory", m), AZK_OK); /* pending */
    code_at(m, now, code);
    assert_int_equal(azk_user_auth(f->h, "mallory", code), AZK_ERR_PERM); /* not yet */
    assert_null(azk_identity__user(f->h));
    /* the enroller cannot approve her own enrolment; the OS user cannot either */
    code_at(a, now + 30, code);
    assert_int_equal(azk_user_auth(f->h, "alice", code), AZK_OK);
    assert_int_equal(azk_user_approve(f->h, "mallory"), AZK_ERR_PERM);
    assert_int_equal(azk_home_set_actor(f->h, NULL), AZK_OK);
    assert_int_equal(azk_user_approve(f->h, "mallory"), AZK_ERR_PERM);
    code_at(b, now, code);
    assert_int_equal(azk_user_auth(f->h, "bob", code), AZK_OK);
    assert_int_equal(azk_user_approve(f->h, "mallory"), AZK_OK);
    assert_int_equal(azk_user_approve(f->h, "mallory"), AZK_ERR_NOTFOUND); /* done */
    code_at(m, now, code);
    assert_int_equal(azk_user_auth(f->h, "mallory", code), AZK_OK);
}

/* ---- certificates -------------------------------------------------------------- */

static char *resign(struct fixture *f, json_t *doc)
{
    char p[256];
    uint8_t sk[64], sig[64];
    char sig64[128];
    char *canon, *out;
    FILE *fp;
    snprintf(p, sizeof(p), "%s/keys/certificate.key", f->home);
    fp = fopen(p, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(sk, 1, 64, fp), 64);
    fclose(fp);
    canon = json_dumps(json_object_get(doc, "certificate"), JSON_COMPACT | JSON_SORT_KEYS);
    crypto_sign_detached(sig, NULL, (const uint8_t *)canon, strlen(canon), sk);
    sodium_bin2base64(sig64, sizeof(sig64), sig, 64, sodium_base64_VARIANT_ORIGINAL);
    json_object_set_new(json_object_get(doc, "signature"), "sig", json_string(sig64));
    out = json_dumps(doc, JSON_COMPACT);
    free(canon);
    return out;
}

static void test_retention__certificate(void **state)
{
    struct fixture *f = *state;
    azk_retention_run_options o = AZK_RETENTION_RUN_OPTIONS_INIT;
    azk_retention_summary s;
    azk_certificate_report rep;
    const char *paths[1] = {f->sweep};
    char *cert = NULL, *pub = NULL, *html = NULL, *bad;
    json_t *doc;
    json_error_t jerr;
    uint8_t pk[32], sk[64];
    char other[128], b64[64];

    intake(f, "ds", "2090-01-01");
    intake(f, "ds2", "2090-01-01");
    backdate(f, "ds", "2020-01-01");
    backdate(f, "ds2", "2020-01-01");
    o.sweep_paths = paths;
    o.sweep_path_count = 1;
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_OK);
    assert_int_equal(s.clean, 2);
    /* the operator may not certify; nor may a name that did not pass TOTP */
    assert_int_equal(azk_certificate_issue(f->h, "ds", &cert), AZK_ERR_PERM);
    assert_int_equal(azk_home_set_actor(f->h, "verifier"), AZK_OK);
    assert_int_equal(azk_certificate_issue(f->h, "ds", &cert), AZK_ERR_PERM);
    assert_null(cert);
    login(f->h, "verifier");
    assert_int_equal(azk_certificate_issue(f->h, "ds", &cert), AZK_OK);
    assert_int_equal(azk_certificate_pubkey(f->h, &pub), AZK_OK);
    /* one batch file for both; kept while ds2 is not certified, then removed */
    {
        char q[256], *c2 = NULL;
        azk_db_stmt *st = NULL;
        assert_int_equal(azk_db_prepare(f->h->cat, &st,
                                        "SELECT count(DISTINCT fp_file) FROM "
                                        "ret_state",
                                        "test"),
                         AZK_OK);
        assert_int_equal(azk_db_step(st), AZK_DB_ROW);
        assert_int_equal(azk_db_col_int64(st, 0), 1);
        azk_db_finalize(st);
        assert_int_equal(azk_db_prepare(f->h->cat, &st, "SELECT fp_file FROM ret_state", "test"),
                         AZK_OK);
        assert_int_equal(azk_db_step(st), AZK_DB_ROW);
        snprintf(q, sizeof(q), "%s/retention/%s.fp", f->home, (const char *)azk_db_col_text(st, 0));
        azk_db_finalize(st);
        assert_int_equal(access(q, F_OK), 0);
        assert_int_equal(azk_certificate_issue(f->h, "ds2", &c2), AZK_OK);
        assert_int_not_equal(access(q, F_OK), 0);
        azk_retention_free(c2);
    }

    assert_int_equal(azk_certificate_verify(cert, strlen(cert), pub, NULL, &rep), AZK_OK);
    assert_true(rep.signature && rep.checkpoint && rep.inclusion && rep.entry_matches);
    assert_false(rep.ledger_pinned);
    /* the received file's name is carried as its hash only; the bank matches it */
    {
        bool yes = false;
        char sh[AZK_CERT_SOURCE_HASH_LEN];
        assert_null(strstr(cert, "dm.csv"));
        assert_null(strstr(cert, "\"source_name\""));
        assert_int_equal(azk_certificate_source_hash("ds", "dm.csv", sh), AZK_OK);
        assert_non_null(strstr(cert, sh));
        assert_int_equal(azk_certificate_source_matches(cert, strlen(cert), "dm.csv", &yes),
                         AZK_OK);
        assert_true(yes);
        assert_int_equal(azk_certificate_source_matches(cert, strlen(cert), "dm2.csv", &yes),
                         AZK_OK);
        assert_false(yes);
    }

    /* another deployment's key */
    crypto_sign_keypair(pk, sk);
    sodium_bin2base64(b64, sizeof(b64), pk, 32, sodium_base64_VARIANT_ORIGINAL);
    snprintf(other, sizeof(other), "azukari-cert+%s", b64);
    assert_int_equal(azk_certificate_verify(cert, strlen(cert), other, NULL, &rep), AZK_ERR_CRYPTO);
    assert_false(rep.signature);

    /* one changed field without re-signing */
    doc = json_loads(cert, 0, &jerr);
    assert_non_null(doc);
    json_object_set_new(json_object_get(json_object_get(doc, "certificate"), "dataset"), "records",
                        json_integer(2));
    bad = json_dumps(doc, JSON_COMPACT);
    assert_int_equal(azk_certificate_verify(bad, strlen(bad), pub, NULL, &rep), AZK_ERR_CRYPTO);
    free(bad);
    json_decref(doc);

    /* re-signed with the right key, but the ledger entry changed: proof fails */
    doc = json_loads(cert, 0, &jerr);
    {
        json_t *led = json_object_get(json_object_get(doc, "certificate"), "ledger");
        const char *e = json_string_value(json_object_get(led, "entry"));
        char *e2 = strdup(e);
        char *k = strstr(e2, "\"ds\"");
        assert_non_null(k);
        k[2] = 'x'; /* names another dataset */
        json_object_set_new(led, "entry", json_string(e2));
        free(e2);
    }
    bad = resign(f, doc);
    assert_int_equal(azk_certificate_verify(bad, strlen(bad), pub, NULL, &rep), AZK_ERR_INTEGRITY);
    assert_true(rep.signature && rep.checkpoint);
    assert_false(rep.inclusion);
    free(bad);
    json_decref(doc);

    /* re-signed, a proof hash changed */
    doc = json_loads(cert, 0, &jerr);
    {
        json_t *led = json_object_get(json_object_get(doc, "certificate"), "ledger");
        json_t *proof = json_object_get(led, "proof");
        assert_true(json_array_size(proof) > 0);
        json_array_set_new(proof, 0,
                           json_string("00000000000000000000000000000000"
                                       "00000000000000000000000000000000"));
    }
    bad = resign(f, doc);
    assert_int_equal(azk_certificate_verify(bad, strlen(bad), pub, NULL, &rep), AZK_ERR_INTEGRITY);
    assert_false(rep.inclusion);
    free(bad);
    json_decref(doc);

    /* re-signed, the key commitment does not match the ledger entry */
    doc = json_loads(cert, 0, &jerr);
    json_object_set_new(json_object_get(json_object_get(doc, "certificate"), "key"), "commitment",
                        json_string("sha256:00"));
    bad = resign(f, doc);
    assert_int_equal(azk_certificate_verify(bad, strlen(bad), pub, NULL, &rep), AZK_ERR_INTEGRITY);
    assert_true(rep.inclusion);
    assert_false(rep.entry_matches);
    free(bad);
    json_decref(doc);

    /* a checkpoint key that is not the ledger's */
    assert_int_not_equal(azk_certificate_verify(cert, strlen(cert), pub,
                                                "other+00000000+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                                                "AAAAAAAAAAAA",
                                                &rep),
                         AZK_OK);
    assert_false(rep.checkpoint);

    /* garbage */
    assert_int_equal(azk_certificate_verify("{", 1, pub, NULL, &rep), AZK_ERR_FORMAT);
    assert_int_equal(azk_certificate_verify("[]", 2, pub, NULL, &rep), AZK_ERR_FORMAT);

    assert_int_equal(azk_certificate_html(cert, strlen(cert), &html), AZK_OK);
    assert_non_null(strstr(html, "削除証明書"));
    assert_non_null(strstr(html, "@page"));
    assert_null(strstr(html, "dm.csv"));
    azk_retention_free(html);
    azk_retention_free(cert);
    azk_retention_free(pub);
}

/* jansson's allocator for the test below: the n-th allocation (from 1) fails,
 * only that one (a transient failure, as malloc can have). */
static long jfail_n, jfail_count;

static void *jfail_malloc(size_t n)
{
    if (++jfail_count == jfail_n)
        return NULL;
    return azk_malloc(n);
}

static void jfail_free(void *p)
{
    azk_free(p);
}

static bool has_kind(json_t *copies, const char *kind)
{
    for (size_t i = 0; i < json_array_size(copies); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(copies, i), "kind")), kind) ==
            0)
            return true;
    return false;
}

/* Issue 10 item 15 (certificate part): an allocation failure while the
 * certificate is built must not give a signed certificate without its vault,
 * key or fingerprints entries. Each jansson allocation of an issue fails in
 * turn; whatever exists afterwards is complete and verifies. */
static void test_retention__certificate_complete_or_absent(void **state)
{
    struct fixture *f = *state;
    azk_retention_run_options o = AZK_RETENTION_RUN_OPTIONS_INIT;
    azk_retention_summary s;
    const char *paths[1] = {f->sweep};
    char certp[256], *cert = NULL, *pub = NULL;
    azk_certificate_report rep;
    azk_status rc = AZK_ERR_NOMEM;
    long n;

    intake(f, "oom", "2090-01-01");
    backdate(f, "oom", "2020-01-01");
    o.sweep_paths = paths;
    o.sweep_path_count = 1;
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_OK);
    assert_int_equal(s.clean, 1);
    login(f->h, "verifier");
    assert_int_equal(azk_certificate_pubkey(f->h, &pub), AZK_OK);
    snprintf(certp, sizeof(certp), "%s/certificates/oom.json", f->home);
    /* until an issue makes fewer allocations than the one that would fail */
    for (n = 1; n < 100000; n++) {
        FILE *fp;
        bool injected;
        long res[2] = {-1, 0};
        int pfd[2], wst = 0;
        pid_t pid;
        /* each attempt in a child: jansson 2.14 itself can crash when an
         * allocation fails inside json_loadb, which is not what is tested
         * here; a crash must still leave no incomplete certificate behind */
        assert_int_equal(pipe(pfd), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            /* a crash ends this child (the parent counts it), never cmocka's handler, which
             * would go on running the test runner inside the child */
            (void)signal(SIGSEGV, SIG_DFL);
            (void)signal(SIGBUS, SIG_DFL);
            (void)signal(SIGABRT, SIG_DFL);
            (void)signal(SIGILL, SIG_DFL);
            (void)signal(SIGFPE, SIG_DFL);
            close(pfd[0]);
            jfail_n = n;
            jfail_count = 0;
            json_set_alloc_funcs(jfail_malloc, jfail_free);
            res[0] = (long)azk_certificate_issue(f->h, "oom", &cert);
            json_set_alloc_funcs(azk_malloc, jfail_free);
            res[1] = jfail_count;
            if (res[0] != AZK_OK && cert != NULL)
                res[0] = -2; /* an error with a document: never */
            if (write(pfd[1], res, sizeof(res)) != (ssize_t)sizeof(res))
                _exit(3);
            _exit(0);
        }
        close(pfd[1]);
        if (read(pfd[0], res, sizeof(res)) != (ssize_t)sizeof(res)) {
            res[0] = -1; /* the child crashed */
            res[1] = n;
        }
        close(pfd[0]);
        assert_int_equal(waitpid(pid, &wst, 0), pid);
        assert_int_not_equal(res[0], -2);
        rc = (azk_status)res[0];
        injected = res[1] >= n;
        fp = fopen(certp, "rb");
        if (fp != NULL) {
            /* whatever was stored is a complete, valid certificate */
            static char buf[1 << 20];
            size_t len = fread(buf, 1, sizeof(buf) - 1, fp);
            json_error_t jerr;
            json_t *doc, *copies;
            fclose(fp);
            buf[len] = '\0';
            assert_int_equal(azk_certificate_verify(buf, len, pub, NULL, &rep), AZK_OK);
            doc = json_loads(buf, 0, &jerr);
            assert_non_null(doc);
            copies = json_object_get(json_object_get(doc, "certificate"), "copies");
            assert_true(has_kind(copies, "vault file"));
            assert_true(has_kind(copies, "data key"));
            assert_true(has_kind(copies, "fingerprints"));
            json_decref(doc);
        }
        if (!injected)
            break;
        /* make it issuable again for the next n */
        assert_int_equal(azk_db_exec(f->h->cat,
                                     "UPDATE ret_state SET state='clean' WHERE dataset='oom'",
                                     "reset"),
                         AZK_OK);
        (void)unlink(certp);
    }
    assert_int_equal(rc, AZK_OK);
    assert_true(n > 100); /* the loop did fail allocations on the way */
    assert_int_equal(access(certp, F_OK), 0);
    azk_retention_free(pub);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retention__parse_time_real_days),
        cmocka_unit_test_setup_teardown(test_retention__remove_file_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention__inode_reuse_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention__hard_link_not_overwritten, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention__hard_link_run_and_resolve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention__old_catalog_artifact_unverifiable, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_retention__drill_in_future_destroys_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_retention__state_machine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention__totp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention__two_person_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention__enrolment_two_person, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention__totp_guess_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retention__certificate, setup, teardown),
        cmocka_unit_test(test_retention__certificate_v1_source_name),
        cmocka_unit_test_setup_teardown(test_retention__certificate_complete_or_absent, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
