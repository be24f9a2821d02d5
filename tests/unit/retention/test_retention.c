/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/retention/test_retention.c -- retention: the safe removal of a
 * registered file (symlink, directory, replaced inode, missing), the run's
 * state machine (not due, hold, no sweep location, clean, clock going
 * backwards), TOTP users, and certificate verification: valid, tampered,
 * another key, and re-signed documents whose ledger proof or entry is wrong
 * (certificate.c). The shared helpers are in fixture.c.
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
#include "certificate.h"
#include "fixture.h"

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
