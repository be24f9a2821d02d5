/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/people/test_people.c -- the store's typed functions for people
 * and their acts (store/users.h, requests.h, artifacts.h, guard_items.h,
 * scancache.h): each operation, its refusals, and the races a shared
 * catalog must survive: two approvals of one request (or one enrolment, or
 * one guard item) from two connections at once give exactly one approval
 * and one ledger event.
 *
 * Catalog target: the home's SQLite catalog by default. With
 * AZK_TEST_CATALOG=postgresql://... the home is made with
 * its catalog in a fresh database on that server (one per run: a database
 * holds one home's catalog), so the same tests run on PostgreSQL; one home
 * serves the whole run, and every test uses names of its own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/artifacts.h"
#include "store/db.h"
#include "store/guard_items.h"
#include "store/keystore.h"
#include "store/requests.h"
#include "store/scancache.h"
#include "store/users.h"
#include "azukari/audit.h"
#include "azukari/vault.h"
#include "azukari/catalog.h"
#include "azukari/guard.h"
#include "azukari/retention.h"

static char g_dir[64];
static char g_home[128];
static azk_home *g_h;

static azk_status ignore_status(const azk_retention_item *it, void *payload)
{
    (void)it;
    (void)payload;
    return AZK_OK;
}

static azk_status ignore_item(const azk_guard_item *it, void *payload)
{
    (void)it;
    (void)payload;
    return AZK_OK;
}

/* A fresh database on the PostgreSQL server `server`; out = its URL. */
static int fresh_db(const char *server, char *out, size_t cap)
{
    azk_db *db = NULL;
    char name[64], sql[160];
    const char *s = strstr(server, "://") + 3;
    const char *slash = strchr(s, '/');
    const char *q = slash != NULL ? slash + strcspn(slash, "?") : "";
    if (slash == NULL || azk_db_open(&db, server, 0) != AZK_OK)
        return -1;
    snprintf(name, sizeof(name), "azk_people%ld", (long)getpid());
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", name);
    if (azk_db_exec(db, sql, "drop database") != AZK_OK)
        goto fail;
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
    if (azk_db_exec(db, sql, "create database") != AZK_OK)
        goto fail;
    azk_db_close(db);
    snprintf(out, cap, "%.*s/%s%s", (int)(slash - server), server, name, q);
    return 0;
fail:
    azk_db_close(db);
    return -1;
}

static int group_setup(void **state)
{
    const char *cat = getenv("AZK_TEST_CATALOG");
    azk_home_init_options io = AZK_HOME_INIT_OPTIONS_INIT;
    static char url[1024];
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/azk-people-XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return -1;
    snprintf(g_home, sizeof(g_home), "%s/home", g_dir);
    if (cat != NULL && azk_db_is_url(cat)) {
        if (fresh_db(cat, url, sizeof(url)) != 0) {
            fprintf(stderr, "fresh database: %s\n", azk_error_last()->message);
            return -1;
        }
        io.catalog = url;
    }
    if (azk_home_init(g_home, &io) != AZK_OK) {
        fprintf(stderr, "home: %s\n", azk_error_last()->message);
        return -1;
    }
    if (azk_home_open(&g_h, g_home, NULL, 0) != AZK_OK)
        return -1;
    if (azk_client_add(g_h, "c1", "") != AZK_OK)
        return -1;
    /* the modules' tables (created on first use by their public calls) */
    if (azk_retention_status(g_h, 0, ignore_status, NULL, NULL) != AZK_OK ||
        azk_guard_item_list(g_h, ignore_item, NULL) != AZK_OK)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    char cmd[256];
    (void)state;
    azk_home_close(g_h);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

/* Ledger entries whose text holds `needle` (an action with its quotes, an id). */
static int ledger_count(const char *needle1, const char *needle2)
{
    azk_audit *a = NULL;
    int n = 0;
    assert_int_equal(azk_audit_open(&a, g_home, 0, NULL), AZK_OK);
    for (uint64_t i = 0; i < azk_audit_size(a); i++) {
        char *e = NULL;
        size_t len = 0;
        assert_int_equal(azk_audit_entry(a, i, &e, &len), AZK_OK);
        if (strstr(e, needle1) != NULL && (needle2 == NULL || strstr(e, needle2) != NULL))
            n++;
        azk_audit_free(e);
    }
    azk_audit_close(a);
    return n;
}

static struct azk_store_event ev_of(const char *action, const char *object)
{
    struct azk_store_event ev = {0};
    ev.action = action;
    ev.object = object;
    return ev;
}

/* A dataset to hang requests and artifacts on: intake of a small CSV. */
static void intake(const char *ds, const char *until)
{
    static const char csv[] = "顧客番号,氏名,電話番号\n"
                              "C000001,試験 一郎,090-1111-2222\n"
                              "C000002,見本 花子,090-3333-4444\n";
    char p[256];
    FILE *fp;
    int fd;
    azk_intake_options o = AZK_INTAKE_OPTIONS_INIT;
    azk_intake_result res;
    snprintf(p, sizeof(p), "%s/%s.csv", g_dir, ds);
    fp = fopen(p, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(csv, 1, sizeof(csv) - 1, fp), sizeof(csv) - 1);
    fclose(fp);
    fd = open(p, O_RDONLY);
    assert_true(fd >= 0);
    o.client = "c1";
    o.dataset = ds;
    o.purpose = "unit test";
    o.retain_until = until;
    o.source_name = "dm.csv";
    assert_int_equal(azk_intake(g_h, fd, &o, &res), AZK_OK);
    close(fd);
    unlink(p);
}

/* ---- users ------------------------------------------------------------------ */

static void test_people__users(void **state)
{
    struct azk_store_user u;
    struct azk_store_event ev = ev_of("user.add", "u-carol");
    struct azk_store_event boot = ev_of("user.add", "u-boot");
    uint8_t nonce[24] = {1}, sealed[36] = {2};
    int64_t before = 0, after = 0;
    bool found = true;
    (void)state;
    assert_int_equal(azk_store__users_active(g_h, &before), AZK_OK);
    assert_int_equal(azk_store__user_insert(g_h, "u-carol", nonce, sizeof(nonce), sealed,
                                            sizeof(sealed), "root", "active", 0, &ev),
                     AZK_OK);
    assert_int_equal(azk_store__user_insert(g_h, "u-carol", nonce, sizeof(nonce), sealed,
                                            sizeof(sealed), "root", "active", 0, &ev),
                     AZK_ERR_ARG);
    assert_string_equal(azk_error_last()->message, "user u-carol already exists");
    assert_int_equal(azk_store__users_active(g_h, &after), AZK_OK);
    assert_int_equal(after, before + 1);
    /* an enrolment without a second person counts active users inside its transaction */
    assert_int_equal(azk_store__user_insert(g_h, "u-boot", nonce, sizeof(nonce), sealed,
                                            sizeof(sealed), "root", "active", after, &boot),
                     AZK_ERR_PERM);
    assert_int_equal(azk_store__user_insert(g_h, "u-boot", nonce, sizeof(nonce), sealed,
                                            sizeof(sealed), "root", "active", after + 1, &boot),
                     AZK_OK);
    assert_int_equal(ledger_count("\"user.add\"", "u-carol"), 1); /* the refused one left none */
    assert_int_equal(azk_store__user_get(g_h, "u-carol", &u, &found), AZK_OK);
    assert_true(found);
    assert_int_equal(u.nonce_len, sizeof(nonce));
    assert_int_equal(u.sealed_len, sizeof(sealed));
    assert_memory_equal(u.sealed, sealed, sizeof(sealed));
    assert_string_equal(u.state, "active");
    assert_string_equal(u.created_by, "root");
    assert_int_equal(azk_store__user_get(g_h, "u-nobody", &u, &found), AZK_OK);
    assert_false(found);
}

static void test_people__user_approve(void **state)
{
    struct azk_store_event ev = ev_of("user.approve", "u-dave");
    struct azk_store_event add = ev_of("user.add", "u-dave");
    struct azk_store_user u;
    uint8_t nonce[24] = {1}, sealed[36] = {2};
    bool found = false;
    (void)state;
    assert_int_equal(azk_store__user_insert(g_h, "u-dave", nonce, sizeof(nonce), sealed,
                                            sizeof(sealed), "u-erin", "pending", 0, &add),
                     AZK_OK);
    /* the enroller cannot approve, nor the user themself */
    assert_int_equal(azk_store__user_approve(g_h, "u-dave", "u-erin", &ev), AZK_ERR_PERM);
    assert_int_equal(azk_store__user_approve(g_h, "u-dave", "u-dave", &ev), AZK_ERR_PERM);
    assert_int_equal(azk_store__user_approve(g_h, "u-dave", "u-frank", &ev), AZK_OK);
    assert_int_equal(azk_store__user_approve(g_h, "u-dave", "u-gina", &ev), AZK_ERR_NOTFOUND);
    assert_int_equal(ledger_count("\"user.approve\"", "u-dave"), 1);
    assert_int_equal(azk_store__user_get(g_h, "u-dave", &u, &found), AZK_OK);
    assert_string_equal(u.state, "active");
}

static void test_people__totp_and_failures(void **state)
{
    bool fresh = false;
    int64_t n = -1;
    (void)state;
    assert_int_equal(azk_store__totp_use(g_h, "u-totp", 1000, &fresh), AZK_OK);
    assert_true(fresh);
    assert_int_equal(azk_store__totp_use(g_h, "u-totp", 1000, &fresh), AZK_OK);
    assert_false(fresh); /* replayed */
    assert_int_equal(azk_store__totp_use(g_h, "u-totp", 1001, &fresh), AZK_OK);
    assert_true(fresh);
    /* step 1010 prunes everything before 1008: 1000 is fresh again (long past the window) */
    assert_int_equal(azk_store__totp_use(g_h, "u-totp", 1010, &fresh), AZK_OK);
    assert_true(fresh);
    assert_int_equal(azk_store__totp_use(g_h, "u-totp", 1000, &fresh), AZK_OK);
    assert_true(fresh);
    assert_int_equal(azk_store__totp_use(g_h, "u-other", 1010, &fresh), AZK_OK);
    assert_true(fresh); /* per user */

    assert_int_equal(azk_store__auth_failure_note(g_h, "u-fail", 100, 0), AZK_OK);
    assert_int_equal(azk_store__auth_failure_note(g_h, "u-fail", 200, 0), AZK_OK);
    assert_int_equal(azk_store__auth_failures(g_h, "u-fail", 50, &n), AZK_OK);
    assert_int_equal(n, 2);
    assert_int_equal(azk_store__auth_failures(g_h, "u-fail", 150, &n), AZK_OK);
    assert_int_equal(n, 1);
    assert_int_equal(azk_store__auth_failure_note(g_h, "u-fail", 300, 250), AZK_OK); /* prunes */
    assert_int_equal(azk_store__auth_failures(g_h, "u-fail", 0, &n), AZK_OK);
    assert_int_equal(n, 1);
    assert_int_equal(azk_store__auth_failures_clear(g_h, "u-fail"), AZK_OK);
    assert_int_equal(azk_store__auth_failures(g_h, "u-fail", 0, &n), AZK_OK);
    assert_int_equal(n, 0);
}

/* ---- requests and holds ------------------------------------------------------- */

static void new_request(const char *id, const char *kind, const char *ds, const char *until,
                        const char *by)
{
    struct azk_store_request r;
    struct azk_store_event ev = ev_of("retention.request", ds);
    memset(&r, 0, sizeof(r));
    snprintf(r.id, sizeof(r.id), "%s", id);
    snprintf(r.kind, sizeof(r.kind), "%s", kind);
    snprintf(r.dataset, sizeof(r.dataset), "%s", ds);
    snprintf(r.until, sizeof(r.until), "%s", until);
    snprintf(r.requested_by, sizeof(r.requested_by), "%s", by);
    assert_int_equal(azk_store__request_insert(g_h, &r, "unit test", &ev), AZK_OK);
}

static azk_status until_cb(const azk_dataset_info *d, void *payload)
{
    snprintf(payload, 16, "%s", d->retain_until);
    return AZK_OK;
}

static void test_people__requests(void **state)
{
    struct azk_store_request r;
    struct azk_store_event ev = ev_of("retention.approve", "p-req");
    char until[16] = "";
    bool found = false;
    (void)state;
    intake("p-req", "2090-01-01");
    new_request("R-p0000001", "delete", "p-req", "", "u-alice");
    new_request("R-p0000002", "extend", "p-req", "2095-06-30", "u-alice");
    assert_int_equal(azk_store__request_get(g_h, "R-p0000001", &r, &found), AZK_OK);
    assert_true(found);
    assert_string_equal(r.state, "pending");
    assert_string_equal(r.kind, "delete");
    assert_string_equal(r.until, "");
    assert_string_equal(r.requested_by, "u-alice");
    assert_int_equal(azk_store__request_get(g_h, "R-none", &r, &found), AZK_OK);
    assert_false(found);
    /* the requester never approves; unknown requests are not found */
    assert_int_equal(azk_store__request_approve(g_h, "R-p0000001", "u-alice", &ev, 1, NULL),
                     AZK_ERR_PERM);
    assert_int_equal(azk_store__request_approve(g_h, "R-none", "u-bob", &ev, 1, NULL),
                     AZK_ERR_NOTFOUND);
    assert_int_equal(azk_store__request_approve(g_h, "R-p0000001", "u-bob", &ev, 1, &r), AZK_OK);
    assert_string_equal(r.state, "approved");
    /* approved once: a second approval (another person) is refused and changes nothing */
    assert_int_equal(azk_store__request_approve(g_h, "R-p0000001", "u-carl", &ev, 1, NULL),
                     AZK_ERR_ARG);
    assert_string_equal(azk_error_last()->message, "request R-p0000001 is not pending (approved)");
    assert_int_equal(ledger_count("\"retention.approve\"", "\"p-req\""), 1);
    /* an extension moves the dataset's deadline, in the same transaction */
    assert_int_equal(azk_store__request_approve(g_h, "R-p0000002", "u-bob", &ev, 1, NULL), AZK_OK);
    assert_int_equal(azk_dataset_get(g_h, "p-req", until_cb, until), AZK_OK);
    assert_string_equal(until, "2095-06-30");
}

static azk_status hold_cb(const azk_retention_item *it, void *payload)
{
    if (strcmp(it->dataset, "p-hold") == 0)
        snprintf(payload, 64, "%s|%s", it->status, it->detail != NULL ? it->detail : "");
    return AZK_OK;
}

static void test_people__holds(void **state)
{
    struct azk_store_event ev = ev_of("retention.hold", "p-hold");
    char seen[64] = "";
    (void)state;
    intake("p-hold", "2090-01-01");
    assert_int_equal(azk_store__hold_set(g_h, "p-hold", "first", "u-alice", &ev), AZK_OK);
    assert_int_equal(azk_store__hold_set(g_h, "p-hold", "second", "u-bob", &ev), AZK_OK);
    assert_int_equal(azk_retention_status(g_h, 0, hold_cb, seen, NULL), AZK_OK);
    assert_string_equal(seen, "hold|second"); /* a new reason replaces the old */
    assert_int_equal(azk_store__hold_release(g_h, "p-hold", &ev), AZK_OK);
    assert_int_equal(azk_store__hold_release(g_h, "p-hold", &ev), AZK_ERR_NOTFOUND);
    assert_int_equal(azk_retention_status(g_h, 0, hold_cb, seen, NULL), AZK_OK);
    assert_string_equal(seen, "active|");
    assert_int_equal(ledger_count("\"retention.hold\"", "\"p-hold\""), 3); /* 2 holds, 1 release */
}

/* ---- artifacts -------------------------------------------------- */

static azk_status count_art(const azk_artifact_info *a, void *payload)
{
    if (strcmp(a->dataset, "p-art") == 0)
        (*(int *)payload)++;
    return AZK_OK;
}

static void test_people__artifacts(void **state)
{
    struct azk_store_artifact a;
    struct azk_store_event ev = ev_of("artifact.add", "p-art");
    azk_buf disp = AZK_BUF_INIT;
    bool found = false;
    int n = 0;
    (void)state;
    intake("p-art", "2090-01-01");
    memset(&a, 0, sizeof(a));
    a.dataset = "p-nods"; /* no such dataset */
    a.path = "/srv/out/x.pdf";
    a.deadline = "2090-01-01";
    a.added_by = "u-alice";
    assert_int_equal(azk_store__artifact_insert(g_h, &a, &ev), AZK_ERR_NOTFOUND);
    a.dataset = "p-art";
    a.path = "/srv/out/p-art.pdf";
    a.deadline = "2090-01-01";
    a.added_by = "u-alice";
    a.dev = 1;
    a.ino = 2;
    a.size = 3;
    a.hash = "blake2b-256:00";
    assert_int_equal(azk_store__artifact_insert(g_h, &a, &ev), AZK_OK);
    assert_int_equal(azk_store__artifact_insert(g_h, &a, &ev), AZK_ERR_ARG);
    assert_int_equal(azk_store__artifact_list(g_h, "p-art", count_art, &n), AZK_OK);
    assert_int_equal(n, 1);
    n = 0;
    assert_int_equal(azk_store__artifact_list(g_h, NULL, count_art, &n), AZK_OK);
    assert_int_equal(n, 1);
    assert_int_equal(azk_store__artifact_disposition(g_h, "p-art", a.path, &disp, &found), AZK_OK);
    assert_true(found);
    assert_int_equal(disp.len, 0);
    /* not refused: nothing to resolve */
    ev.action = "artifact.resolve";
    assert_int_equal(azk_store__artifact_resolve(g_h, "p-art", a.path, "resolved by x", &ev),
                     AZK_ERR_NOTFOUND);
    /* withdraw needs the same file (device, inode) */
    assert_int_equal(azk_store__artifact_withdraw(g_h, "p-art", a.path, 1, 99), AZK_OK);
    n = 0;
    assert_int_equal(azk_store__artifact_list(g_h, "p-art", count_art, &n), AZK_OK);
    assert_int_equal(n, 1);
    assert_int_equal(azk_store__artifact_withdraw(g_h, "p-art", a.path, 1, 2), AZK_OK);
    n = 0;
    assert_int_equal(azk_store__artifact_list(g_h, "p-art", count_art, &n), AZK_OK);
    assert_int_equal(n, 0);
    assert_int_equal(azk_store__artifact_disposition(g_h, "p-art", a.path, &disp, &found), AZK_OK);
    assert_false(found);
    azk_buf_dispose(&disp);
}

/* ---- guard items ------------------------------------------------------------------ */

static void test_people__guard_items(void **state)
{
    struct azk_store_guard_release it;
    struct azk_store_event ev = ev_of("guard.approve", "Q-p1");
    uint8_t wrapped[72], *got = NULL;
    size_t got_len = 0;
    azk_buf rel = AZK_BUF_INIT;
    char st[16];
    bool found = false;
    (void)state;
    memset(wrapped, 0x5a, sizeof(wrapped));
    assert_int_equal(azk_store__guard_claim(g_h, "Q-p1", "a/b.csv", "/o", "/r"), AZK_OK);
    assert_int_equal(azk_store__guard_claimed_rel(g_h, "Q-p1", &rel, &found), AZK_OK);
    assert_true(found);
    assert_string_equal((const char *)rel.data, "a/b.csv");
    assert_int_equal(
        azk_store__guard_quarantined(g_h, "Q-p1", "uuid-1", wrapped, sizeof(wrapped), 10, "{}"),
        AZK_OK);
    /* the key is in the keystore, not the catalog */
    assert_int_equal(azk_store__key_get(g_h, AZK_KEY_GUARD, "Q-p1", &got, &got_len), AZK_OK);
    assert_int_equal(got_len, sizeof(wrapped));
    assert_memory_equal(got, wrapped, sizeof(wrapped));
    azk_free_secret(got, got_len);
    /* not claimed any more: a second quarantine is refused and leaves the key alone */
    assert_int_equal(azk_store__guard_claimed_rel(g_h, "Q-p1", &rel, &found), AZK_OK);
    assert_false(found);
    /* approval before a request: refused */
    assert_int_equal(azk_store__guard_approve_take(g_h, "Q-p1", "u-bob", &ev), AZK_ERR_ARG);
    ev.action = "guard.request";
    assert_int_equal(azk_store__guard_request(g_h, "Q-p1", "u-alice", "needed", &ev), AZK_OK);
    assert_int_equal(azk_store__guard_request(g_h, "Q-p1", "u-alice", "needed", &ev),
                     AZK_ERR_NOTFOUND);
    ev.action = "guard.approve";
    assert_int_equal(azk_store__guard_approve_take(g_h, "Q-p1", "u-alice", &ev), AZK_ERR_PERM);
    assert_int_equal(azk_store__guard_approve_take(g_h, "Q-p1", "u-bob", &ev), AZK_OK);
    /* taken: another approver is refused; the same one may take it up again */
    assert_int_equal(azk_store__guard_approve_take(g_h, "Q-p1", "u-carl", &ev), AZK_ERR_ARG);
    assert_int_equal(azk_store__guard_get(g_h, "Q-p1", &it, st, &found), AZK_OK);
    assert_string_equal(st, "approving");
    assert_string_equal(it.uuid, "uuid-1");
    assert_string_equal(it.requested_by, "u-alice");
    /* a failed release gives it back */
    assert_int_equal(azk_store__guard_approve_giveback(g_h, "Q-p1"), AZK_OK);
    assert_int_equal(azk_store__guard_get(g_h, "Q-p1", &it, st, &found), AZK_OK);
    assert_string_equal(st, "requested");
    assert_int_equal(azk_store__guard_approve_take(g_h, "Q-p1", "u-carl", &ev), AZK_OK);
    ev.action = "guard.release";
    assert_int_equal(azk_store__guard_approved(g_h, "Q-p1", "/r/a/b.csv", &ev), AZK_OK);
    assert_int_equal(azk_store__guard_approved(g_h, "Q-p1", "/r/a/b.csv", &ev), AZK_ERR_ARG);
    assert_int_equal(azk_store__guard_get(g_h, "Q-p1", &it, st, &found), AZK_OK);
    assert_string_equal(st, "released");
    assert_int_equal(ledger_count("\"guard.approve\"", "Q-p1"), 2);
    assert_int_equal(ledger_count("\"guard.release\"", "Q-p1"), 1);
    /* a claim forgotten */
    assert_int_equal(azk_store__guard_claim(g_h, "Q-p2", "c.csv", "/o", "/r"), AZK_OK);
    assert_int_equal(azk_store__guard_forget(g_h, "Q-p2"), AZK_OK);
    assert_int_equal(azk_store__guard_get(g_h, "Q-p2", &it, st, &found), AZK_OK);
    assert_false(found);
    azk_buf_dispose(&rel);
}

/* ---- scan cache (a local SQLite file, whatever the catalog) ---------------------------- */

static void test_people__scancache(void **state)
{
    struct azk_scancache *c = NULL;
    struct azk_scancache_key k = {1, 2, 3, 4, 5, "engine-a"};
    azk_buf out = AZK_BUF_INIT;
    char path[256];
    bool found = true;
    (void)state;
    snprintf(path, sizeof(path), "%s/cache.db", g_dir);
    assert_int_equal(azk_store__scancache_open(&c, "postgresql://x/y"), AZK_ERR_ARG);
    assert_int_equal(azk_store__scancache_open(&c, path), AZK_OK);
    assert_int_equal(azk_store__scancache_get(c, &k, &out, &found), AZK_OK);
    assert_false(found);
    assert_int_equal(azk_store__scancache_put(c, &k, "[1]"), AZK_OK);
    assert_int_equal(azk_store__scancache_put(c, &k, "[2]"), AZK_OK); /* replaced */
    azk_store__scancache_close(c);
    assert_int_equal(azk_store__scancache_open(&c, path), AZK_OK);
    assert_int_equal(azk_store__scancache_get(c, &k, &out, &found), AZK_OK);
    assert_true(found);
    assert_string_equal((const char *)out.data, "[2]");
    k.engine = "engine-b"; /* another engine's results never match */
    assert_int_equal(azk_store__scancache_get(c, &k, &out, &found), AZK_OK);
    assert_false(found);
    k.engine = "engine-a";
    k.mtime_ns = 6; /* a changed file neither */
    assert_int_equal(azk_store__scancache_get(c, &k, &out, &found), AZK_OK);
    assert_false(found);
    azk_store__scancache_close(c);
    azk_buf_dispose(&out);
}

/* ---- races: two connections, one request -------------------------------------------- */

#define RACE_ROUNDS 12

struct racer {
    azk_home *h;
    const char *who;
    const char *what; /* "request", "user", "guard" */
    char id[32];
    pthread_barrier_t *go;
    azk_status rc;
};

static void *race_one(void *arg)
{
    struct racer *r = arg;
    struct azk_store_event ev = {0};
    ev.object = r->id;
    pthread_barrier_wait(r->go);
    if (strcmp(r->what, "request") == 0) {
        ev.action = "retention.approve";
        r->rc = azk_store__request_approve(r->h, r->id, r->who, &ev, 1, NULL);
    } else if (strcmp(r->what, "bootstrap") == 0) {
        static const uint8_t nonce[24] = {1}, sealed[36] = {2};
        char name[48];
        int64_t active = 0;
        snprintf(name, sizeof(name), "%s-%s", r->id, r->who);
        ev.action = "user.add";
        ev.object = name;
        r->rc = azk_store__users_active(r->h, &active);
        /* both see the same count before either inserts; the store counts again */
        pthread_barrier_wait(r->go);
        if (r->rc == AZK_OK)
            r->rc = azk_store__user_insert(r->h, name, nonce, sizeof(nonce), sealed, sizeof(sealed),
                                           "root", "active", active + 1, &ev);
    } else if (strcmp(r->what, "user") == 0) {
        ev.action = "user.approve";
        r->rc = azk_store__user_approve(r->h, r->id, r->who, &ev);
    } else {
        ev.action = "guard.approve";
        r->rc = azk_store__guard_approve_take(r->h, r->id, r->who, &ev);
    }
    return NULL;
}

/* Two handles (two catalog connections), two approvers, one object, released at once. */
static void race(const char *what, const char *id, int *wins)
{
    azk_home *h2 = NULL;
    pthread_barrier_t go;
    pthread_t t1, t2;
    struct racer a, b;
    assert_int_equal(azk_home_open(&h2, g_home, NULL, 0), AZK_OK);
    assert_int_equal(pthread_barrier_init(&go, NULL, 2), 0);
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    a.h = g_h;
    b.h = h2;
    a.who = "u-bob";
    b.who = "u-carl";
    a.what = b.what = what;
    snprintf(a.id, sizeof(a.id), "%s", id);
    snprintf(b.id, sizeof(b.id), "%s", id);
    a.go = b.go = &go;
    assert_int_equal(pthread_create(&t1, NULL, race_one, &a), 0);
    assert_int_equal(pthread_create(&t2, NULL, race_one, &b), 0);
    pthread_join(t1, NULL);
    pthread_join(t2, NULL);
    pthread_barrier_destroy(&go);
    azk_home_close(h2);
    /* the loser is told why, never a database error */
    assert_true(a.rc == AZK_OK || a.rc == AZK_ERR_ARG || a.rc == AZK_ERR_NOTFOUND ||
                (a.rc == AZK_ERR_PERM && strcmp(what, "bootstrap") == 0));
    assert_true(b.rc == AZK_OK || b.rc == AZK_ERR_ARG || b.rc == AZK_ERR_NOTFOUND ||
                (b.rc == AZK_ERR_PERM && strcmp(what, "bootstrap") == 0));
    *wins += (a.rc == AZK_OK) + (b.rc == AZK_OK);
}

static void test_people__race_two_approvals(void **state)
{
    int wins = 0;
    (void)state;
    for (int i = 0; i < RACE_ROUNDS; i++) {
        char id[16];
        int before = wins;
        snprintf(id, sizeof(id), "R-race%04d", i);
        new_request(id, "delete", "p-race", "", "u-alice");
        race("request", id, &wins);
        assert_int_equal(wins, before + 1);                             /* exactly one approval */
        assert_int_equal(ledger_count("\"retention.approve\"", id), 1); /* and one event */
    }
}

static void test_people__race_two_enrolment_approvals(void **state)
{
    uint8_t nonce[24] = {1}, sealed[36] = {2};
    int wins = 0;
    (void)state;
    for (int i = 0; i < RACE_ROUNDS; i++) {
        char name[32];
        struct azk_store_event add = ev_of("user.add", NULL);
        int before = wins;
        snprintf(name, sizeof(name), "u-race%d", i);
        add.object = name;
        assert_int_equal(azk_store__user_insert(g_h, name, nonce, sizeof(nonce), sealed,
                                                sizeof(sealed), "u-alice", "pending", 0, &add),
                         AZK_OK);
        race("user", name, &wins);
        assert_int_equal(wins, before + 1);
        assert_int_equal(ledger_count("\"user.approve\"", name), 1);
    }
}

static void test_people__race_two_guard_approvals(void **state)
{
    uint8_t wrapped[72] = {7};
    int wins = 0;
    (void)state;
    for (int i = 0; i < RACE_ROUNDS; i++) {
        char id[24];
        struct azk_store_event ev = ev_of("guard.request", NULL);
        int before = wins;
        snprintf(id, sizeof(id), "Q-race%d", i);
        ev.object = id;
        assert_int_equal(azk_store__guard_claim(g_h, id, "x.csv", "/o", "/r"), AZK_OK);
        assert_int_equal(
            azk_store__guard_quarantined(g_h, id, "u", wrapped, sizeof(wrapped), 1, "{}"), AZK_OK);
        assert_int_equal(azk_store__guard_request(g_h, id, "u-alice", "r", &ev), AZK_OK);
        race("guard", id, &wins);
        assert_int_equal(wins, before + 1);
        assert_int_equal(ledger_count("\"guard.approve\"", id), 1);
    }
}

static void test_people__race_two_first_enrolments(void **state)
{
    int wins = 0;
    (void)state;
    for (int i = 0; i < RACE_ROUNDS; i++) {
        char id[16];
        int before = wins;
        snprintf(id, sizeof(id), "u-b%d", i);
        race("bootstrap", id, &wins);
        assert_int_equal(wins, before + 1); /* one of the two, never both */
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_people__users),
        cmocka_unit_test(test_people__user_approve),
        cmocka_unit_test(test_people__totp_and_failures),
        cmocka_unit_test(test_people__requests),
        cmocka_unit_test(test_people__holds),
        cmocka_unit_test(test_people__artifacts),
        cmocka_unit_test(test_people__guard_items),
        cmocka_unit_test(test_people__scancache),
        cmocka_unit_test(test_people__race_two_approvals),
        cmocka_unit_test(test_people__race_two_enrolment_approvals),
        cmocka_unit_test(test_people__race_two_guard_approvals),
        cmocka_unit_test(test_people__race_two_first_enrolments),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
