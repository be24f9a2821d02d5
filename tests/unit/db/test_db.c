/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/db/test_db.c -- the catalog connection (store/db.h) on both
 * backends, each test run once on SQLite and once on PostgreSQL: every
 * bind type, NULLs, blobs with zero bytes, unicode text, '?' outside and
 * inside quotes, constraint mapping (and the transaction going on after
 * one), nested statements, rollback, writers serialised between two
 * connections (the second waits), one snapshot per read transaction.
 * PostgreSQL only: embedded NUL refused, a connection killed in the middle
 * of a transaction, a URL that does not answer, wrong credentials, and no
 * message holding the password. SQLite only: a file that is not a database.
 *
 * PostgreSQL comes from AZK_TEST_PG_URL (tools/pgtest.sh, the CTest
 * fixture); without it the PostgreSQL runs are skipped, unless
 * AZK_TEST_PG_REQUIRED=1 (as CTest sets it), which makes them fail.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/db.h"
#include "azukari/home.h"

#include <sys/stat.h>

struct fx {
    azk_db_backend kind;
    char dir[64];
    char target[1024];
    azk_db *db;
    char own_server[32]; /* a server of the test's own, stopped by teardown */
};

static struct fx sqlite_fx = {.kind = AZK_DB_SQLITE};
static struct fx pg_fx = {.kind = AZK_DB_POSTGRES};

static const char *pg_url(void)
{
    const char *u = getenv("AZK_TEST_PG_URL");
    return u != NULL && *u != '\0' ? u : NULL;
}

static int setup(void **state)
{
    struct fx *f = *state;
    if (f->kind == AZK_DB_POSTGRES) {
        if (pg_url() == NULL)
            return 0;
        snprintf(f->target, sizeof(f->target), "%s", pg_url());
    } else {
        snprintf(f->dir, sizeof(f->dir), "/tmp/azk-db-XXXXXX");
        if (mkdtemp(f->dir) == NULL)
            return -1;
        snprintf(f->target, sizeof(f->target), "%s/cat.db", f->dir);
    }
    if (azk_db_open(&f->db, f->target, AZK_DB_CREATE) != AZK_OK) {
        fprintf(stderr, "open: %s\n", azk_error_last()->message);
        return -1;
    }
    /* WAL, as a home's catalog: readers and the writer do not block each other */
    if (f->kind == AZK_DB_SQLITE && azk_db_exec(f->db, "PRAGMA journal_mode=WAL", "wal") != AZK_OK)
        return -1;
    if (azk_db_exec(f->db, "DROP TABLE IF EXISTS t; DROP TABLE IF EXISTS p", "drop") != AZK_OK)
        return -1;
    if (azk_db_exec(
            f->db,
            f->kind == AZK_DB_POSTGRES
                ? "CREATE TABLE p(id BIGINT PRIMARY KEY);"
                  "CREATE TABLE t(id BIGINT PRIMARY KEY, s TEXT, b BYTEA, n BIGINT,"
                  " u TEXT UNIQUE, p BIGINT REFERENCES p(id), nn TEXT NOT NULL DEFAULT '')"
                : "CREATE TABLE p(id INTEGER PRIMARY KEY);"
                  "CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT, b BLOB, n INTEGER,"
                  " u TEXT UNIQUE, p INTEGER REFERENCES p(id), nn TEXT NOT NULL DEFAULT '')",
            "create") != AZK_OK) {
        fprintf(stderr, "create: %s\n", azk_error_last()->message);
        return -1;
    }
    return 0;
}

static int pgtest(const char *cmd, const char *dir, char *url, size_t url_cap);

static int teardown(void **state)
{
    struct fx *f = *state;
    azk_db_close(f->db);
    f->db = NULL;
    if (f->own_server[0] != '\0') {
        (void)pgtest("stop", f->own_server, NULL, 0);
        f->own_server[0] = '\0';
    }
    if (f->kind == AZK_DB_SQLITE && f->dir[0] != '\0') {
        char cmd[128];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", f->dir);
        if (system(cmd) != 0)
            return -1;
    }
    return 0;
}

/* Skip a PostgreSQL run without a server (fail when one is required). */
static struct fx *need(void **state)
{
    struct fx *f = *state;
    if (f->db == NULL) {
        const char *req = getenv("AZK_TEST_PG_REQUIRED");
        if (req != NULL && strcmp(req, "1") == 0)
            fail_msg("AZK_TEST_PG_REQUIRED=1 but AZK_TEST_PG_URL is not set");
        skip();
    }
    return f;
}

static void insert_id(azk_db *db, int64_t id, const char *u)
{
    azk_db_stmt *st = NULL;
    assert_int_equal(azk_db_prepare(db, &st, "INSERT INTO t(id, u) VALUES(?, ?)", "ins"), AZK_OK);
    azk_db_bind_int64(st, 1, id);
    azk_db_bind_text(st, 2, u);
    assert_int_equal(azk_db_run(st), AZK_OK);
    assert_int_equal(azk_db_changes(st), 1);
    azk_db_finalize(st);
}

static int64_t count_rows(azk_db *db)
{
    azk_db_stmt *st = NULL;
    int64_t n;
    assert_int_equal(azk_db_prepare(db, &st, "SELECT COUNT(*) FROM t", "count"), AZK_OK);
    assert_int_equal(azk_db_step(st), AZK_DB_ROW);
    n = azk_db_col_int64(st, 0);
    assert_int_equal(azk_db_step(st), AZK_DB_DONE);
    azk_db_finalize(st);
    return n;
}

static void test_db__binds(void **state)
{
    struct fx *f = need(state);
    static const unsigned char blob[] = {0, 1, 0, 0xff, 0, '\\', 'x', 0};
    static const char uni[] = "日本語テキスト ✓ 𠮷野家 \\x00 'quote' \"dq\"";
    azk_db_stmt *st = NULL;
    const void *b;
    size_t len = 99;

    assert_int_equal(
        azk_db_prepare(f->db, &st, "INSERT INTO t(id, s, b, n) VALUES(?, ?, ?, ?)", "ins"), AZK_OK);
    azk_db_bind_int64(st, 1, 1);
    azk_db_bind_text(st, 2, uni);
    azk_db_bind_blob(st, 3, blob, sizeof(blob));
    azk_db_bind_int64(st, 4, INT64_MIN);
    assert_int_equal(azk_db_run(st), AZK_OK);
    azk_db_reset(st);
    azk_db_bind_int64(st, 1, 2);
    azk_db_bind_text(st, 2, NULL); /* NULL */
    azk_db_bind_null(st, 3);
    azk_db_bind_int64(st, 4, INT64_MAX);
    assert_int_equal(azk_db_run(st), AZK_OK);
    azk_db_reset(st);
    azk_db_bind_int64(st, 1, 3);
    azk_db_bind_textn(st, 2, "abcdef", 3); /* "abc" */
    azk_db_bind_blob(st, 3, "", 0);        /* empty, not NULL */
    azk_db_bind_null(st, 4);
    assert_int_equal(azk_db_run(st), AZK_OK);
    azk_db_finalize(st);

    assert_int_equal(azk_db_prepare(f->db, &st, "SELECT id, s, b, n FROM t ORDER BY id", "sel"),
                     AZK_OK);
    assert_int_equal(azk_db_step(st), AZK_DB_ROW);
    assert_int_equal(azk_db_col_int64(st, 0), 1);
    assert_string_equal(azk_db_col_text(st, 1), uni);
    b = azk_db_col_blob(st, 2, &len);
    assert_int_equal(len, sizeof(blob));
    assert_memory_equal(b, blob, sizeof(blob));
    assert_true(azk_db_col_int64(st, 3) == INT64_MIN);
    assert_false(azk_db_col_null(st, 3));

    assert_int_equal(azk_db_step(st), AZK_DB_ROW);
    assert_int_equal(azk_db_col_int64(st, 0), 2);
    assert_true(azk_db_col_null(st, 1));
    assert_null(azk_db_col_text(st, 1));
    assert_true(azk_db_col_null(st, 2));
    assert_true(azk_db_col_int64(st, 3) == INT64_MAX);

    assert_int_equal(azk_db_step(st), AZK_DB_ROW);
    assert_string_equal(azk_db_col_text(st, 1), "abc");
    assert_false(azk_db_col_null(st, 2));
    len = 99;
    (void)azk_db_col_blob(st, 2, &len);
    assert_int_equal(len, 0);
    assert_true(azk_db_col_null(st, 3));
    assert_int_equal(azk_db_col_int64(st, 3), 0);
    assert_int_equal(azk_db_step(st), AZK_DB_DONE);
    azk_db_finalize(st);

    /* a blob compared as a parameter: the same bytes find the row */
    assert_int_equal(azk_db_prepare(f->db, &st, "SELECT id FROM t WHERE b = ?", "by blob"), AZK_OK);
    azk_db_bind_blob(st, 1, blob, sizeof(blob));
    assert_int_equal(azk_db_step(st), AZK_DB_ROW);
    assert_int_equal(azk_db_col_int64(st, 0), 1);
    azk_db_finalize(st);
}

static void test_db__placeholders_in_quotes(void **state)
{
    struct fx *f = need(state);
    azk_db_stmt *st = NULL;
    assert_int_equal(azk_db_prepare(f->db, &st,
                                    "SELECT '?' || ? || 'it''s ?' /* ? */ || ? -- ?\n || ?",
                                    "quotes"),
                     AZK_OK);
    azk_db_bind_text(st, 1, "a");
    azk_db_bind_text(st, 2, "b");
    azk_db_bind_text(st, 3, "c");
    assert_int_equal(azk_db_step(st), AZK_DB_ROW);
    assert_string_equal(azk_db_col_text(st, 0), "?ait's ?bc");
    azk_db_finalize(st);
    /* integer arithmetic past 32 bits */
    assert_int_equal(azk_db_prepare(f->db, &st, "SELECT ? + 1", "arith"), AZK_OK);
    azk_db_bind_int64(st, 1, INT64_C(5000000000));
    assert_int_equal(azk_db_step(st), AZK_DB_ROW);
    assert_true(azk_db_col_int64(st, 0) == INT64_C(5000000001));
    azk_db_finalize(st);
}

static void test_db__constraints(void **state)
{
    struct fx *f = need(state);
    azk_db_stmt *st = NULL;
    const char *msg;
    insert_id(f->db, 1, "secret-value-4711");

    assert_int_equal(azk_db_prepare(f->db, &st, "INSERT INTO t(id, u) VALUES(?, ?)", "add row"),
                     AZK_OK);
    /* primary key */
    azk_db_bind_int64(st, 1, 1);
    azk_db_bind_text(st, 2, "other");
    assert_int_equal(azk_db_step(st), AZK_DB_CONSTRAINT);
    msg = azk_error_last()->message;
    assert_int_equal(azk_error_last()->code, AZK_ERR_DB);
    assert_non_null(strstr(msg, "add row"));
    assert_non_null(strstr(msg, azk_db_name(f->db)));
    /* unique: the message never holds the value */
    azk_db_reset(st);
    azk_db_bind_int64(st, 1, 2);
    azk_db_bind_text(st, 2, "secret-value-4711");
    assert_int_equal(azk_db_step(st), AZK_DB_CONSTRAINT);
    assert_null(strstr(azk_error_last()->message, "secret-value-4711"));
    assert_null(strstr(azk_error_last()->message, "4711"));
    azk_db_finalize(st);
    /* foreign key, not null */
    assert_int_equal(azk_db_prepare(f->db, &st, "INSERT INTO t(id, p) VALUES(5, ?)", "fk"), AZK_OK);
    azk_db_bind_int64(st, 1, 77);
    assert_int_equal(azk_db_step(st), AZK_DB_CONSTRAINT);
    azk_db_finalize(st);
    assert_int_equal(azk_db_prepare(f->db, &st, "INSERT INTO t(id, nn) VALUES(6, ?)", "nn"),
                     AZK_OK);
    azk_db_bind_null(st, 1);
    assert_int_equal(azk_db_step(st), AZK_DB_CONSTRAINT);
    azk_db_finalize(st);
    /* a syntax error is an error, not a constraint */
    if (azk_db_prepare(f->db, &st, "SELEKT 1", "bad") == AZK_OK) {
        assert_int_equal(azk_db_step(st), AZK_DB_ERROR);
        azk_db_finalize(st);
    }

    /* inside a transaction: the violation fails that statement only */
    assert_int_equal(azk_db_begin(f->db), AZK_OK);
    insert_id(f->db, 10, "x10");
    assert_int_equal(azk_db_prepare(f->db, &st, "INSERT INTO t(id, u) VALUES(?, ?)", "dup"),
                     AZK_OK);
    azk_db_bind_int64(st, 1, 10);
    azk_db_bind_text(st, 2, "y");
    assert_int_equal(azk_db_step(st), AZK_DB_CONSTRAINT);
    azk_db_finalize(st);
    insert_id(f->db, 11, "x11");
    assert_int_equal(azk_db_commit(f->db), AZK_OK);
    assert_int_equal(count_rows(f->db), 3);
}

static void test_db__nested(void **state)
{
    struct fx *f = need(state);
    azk_db_stmt *sel = NULL, *upd = NULL, *st = NULL;
    int rows = 0;
    for (int i = 1; i <= 5; i++)
        insert_id(f->db, i, NULL);
    assert_int_equal(azk_db_begin(f->db), AZK_OK);
    assert_int_equal(azk_db_prepare(f->db, &sel, "SELECT id FROM t ORDER BY id", "sel"), AZK_OK);
    assert_int_equal(azk_db_prepare(f->db, &upd, "UPDATE t SET n = ? WHERE id = ?", "upd"), AZK_OK);
    while (azk_db_step(sel) == AZK_DB_ROW) {
        int64_t id = azk_db_col_int64(sel, 0);
        azk_db_bind_int64(upd, 1, id * 10);
        azk_db_bind_int64(upd, 2, id);
        assert_int_equal(azk_db_run(upd), AZK_OK);
        assert_int_equal(azk_db_changes(upd), 1);
        azk_db_reset(upd);
        rows++;
    }
    assert_int_equal(rows, 5);
    azk_db_finalize(sel);
    azk_db_finalize(upd);
    assert_int_equal(azk_db_commit(f->db), AZK_OK);
    assert_int_equal(azk_db_prepare(f->db, &st, "SELECT SUM(n) FROM t", "sum"), AZK_OK);
    assert_int_equal(azk_db_step(st), AZK_DB_ROW);
    assert_int_equal(azk_db_col_int64(st, 0), 150);
    azk_db_finalize(st);
}

static void test_db__rollback(void **state)
{
    struct fx *f = need(state);
    insert_id(f->db, 1, NULL);
    assert_int_equal(azk_db_begin(f->db), AZK_OK);
    assert_true(azk_db_in_tx(f->db));
    insert_id(f->db, 2, NULL);
    assert_int_equal(count_rows(f->db), 2);
    azk_db_rollback(f->db);
    assert_false(azk_db_in_tx(f->db));
    assert_int_equal(count_rows(f->db), 1);
    /* a second begin while one is open is refused */
    assert_int_equal(azk_db_begin(f->db), AZK_OK);
    assert_int_equal(azk_db_begin(f->db), AZK_ERR_DB);
    azk_db_rollback(f->db);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * Two connections, in two processes (an SQLite connection must not cross a
 * fork, so each side opens its own): the parent holds a write transaction
 * for a second; the child's begin waits for it and then sees its row (the
 * child exits 0 only if it waited and saw the row).
 */
static void test_db__writers_serialised(void **state)
{
    struct fx *f = need(state);
    int go[2];
    pid_t pid;
    int status = 0;
    char c;
    azk_db_close(f->db);
    f->db = NULL;
    assert_int_equal(pipe(go), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        azk_db *db2 = NULL;
        double t0;
        int64_t n;
        azk_db_stmt *st = NULL;
        if (azk_db_open(&db2, f->target, 0) != AZK_OK)
            _exit(10);
        if (read(go[0], &c, 1) != 1)
            _exit(11);
        t0 = now_s();
        if (azk_db_begin(db2) != AZK_OK)
            _exit(12);
        if (now_s() - t0 < 0.7)
            _exit(13); /* did not wait for the first writer */
        if (azk_db_prepare(db2, &st, "SELECT COUNT(*) FROM t", "count") != AZK_OK ||
            azk_db_step(st) != AZK_DB_ROW)
            _exit(14);
        n = azk_db_col_int64(st, 0);
        azk_db_finalize(st);
        if (n != 1)
            _exit(15); /* did not see the first writer's row */
        if (azk_db_commit(db2) != AZK_OK)
            _exit(16);
        azk_db_close(db2);
        _exit(0);
    }
    assert_int_equal(azk_db_open(&f->db, f->target, 0), AZK_OK);
    assert_int_equal(azk_db_begin(f->db), AZK_OK);
    insert_id(f->db, 1, NULL);
    assert_int_equal(write(go[1], "g", 1), 1);
    usleep(1000 * 1000);
    assert_int_equal(azk_db_commit(f->db), AZK_OK);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    close(go[0]);
    close(go[1]);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* A read transaction sees one snapshot; a commit elsewhere shows after it. */
static void test_db__read_snapshot(void **state)
{
    struct fx *f = need(state);
    azk_db *db2 = NULL;
    insert_id(f->db, 1, NULL);
    assert_int_equal(azk_db_open(&db2, f->target, 0), AZK_OK);
    assert_int_equal(azk_db_begin_read(f->db), AZK_OK);
    assert_int_equal(count_rows(f->db), 1);
    insert_id(db2, 2, NULL);
    assert_int_equal(count_rows(f->db), 1);
    assert_int_equal(azk_db_commit(f->db), AZK_OK);
    assert_int_equal(count_rows(f->db), 2);
    azk_db_close(db2);
}

/* ---- PostgreSQL only ------------------------------------------------------------------ */

static void test_db__pg_nul_in_text(void **state)
{
    struct fx *f = need(state);
    azk_db_stmt *st = NULL;
    assert_int_equal(azk_db_prepare(f->db, &st, "INSERT INTO t(id, s) VALUES(1, ?)", "nul"),
                     AZK_OK);
    azk_db_bind_textn(st, 1, "a\0b", 3);
    assert_int_equal(azk_db_step(st), AZK_DB_ERROR);
    assert_non_null(strstr(azk_error_last()->message, "could not be bound"));
    azk_db_finalize(st);
    assert_int_equal(count_rows(f->db), 0);
}

/* Bad value for a column: the fixed wording, not the value. */
static void test_db__pg_bad_value_not_quoted(void **state)
{
    struct fx *f = need(state);
    azk_db_stmt *st = NULL;
    assert_int_equal(azk_db_prepare(f->db, &st, "INSERT INTO t(id, n) VALUES(1, ?)", "bad value"),
                     AZK_OK);
    azk_db_bind_text(st, 1, "Tanaka-secret");
    assert_int_equal(azk_db_step(st), AZK_DB_ERROR);
    assert_null(strstr(azk_error_last()->message, "Tanaka"));
    assert_non_null(strstr(azk_error_last()->message, "SQLSTATE 22"));
    azk_db_finalize(st);
}

/*
 * The server ends this connection in the middle of a write transaction:
 * commit fails with a clear message, nothing of the transaction is there
 * afterwards, and the next statement reconnects.
 */
static void test_db__pg_connection_lost(void **state)
{
    struct fx *f = need(state);
    azk_db *killer = NULL;
    azk_db_stmt *st = NULL;
    int64_t pid;
    insert_id(f->db, 1, NULL);
    assert_int_equal(azk_db_begin(f->db), AZK_OK);
    insert_id(f->db, 2, NULL);
    insert_id(f->db, 3, NULL);
    assert_int_equal(azk_db_prepare(f->db, &st, "SELECT pg_backend_pid()", "pid"), AZK_OK);
    assert_int_equal(azk_db_step(st), AZK_DB_ROW);
    pid = azk_db_col_int64(st, 0);
    azk_db_finalize(st);
    assert_int_equal(azk_db_open(&killer, f->target, 0), AZK_OK);
    assert_int_equal(
        azk_db_prepare(killer, &st, "SELECT pg_terminate_backend(CAST(? AS INTEGER))", "kill"),
        AZK_OK);
    azk_db_bind_int64(st, 1, pid);
    assert_int_equal(azk_db_step(st), AZK_DB_ROW);
    azk_db_finalize(st);
    usleep(200 * 1000);
    assert_int_equal(azk_db_commit(f->db), AZK_ERR_DB);
    assert_non_null(strstr(azk_error_last()->message, "commit: connection to the server lost"));
    assert_non_null(strstr(azk_error_last()->message, azk_db_name(f->db)));
    assert_false(azk_db_in_tx(f->db));
    /* the lost connection is known as such, and the next statement outside a
     * transaction connects again (a server that is back is used again) */
    assert_true(azk_db_lost(f->db));
    assert_int_equal(azk_db_prepare(f->db, &st, "SELECT 1", "after"), AZK_OK);
    assert_int_equal(azk_db_step(st), AZK_DB_ROW);
    azk_db_finalize(st);
    assert_false(azk_db_lost(f->db));
    assert_int_equal(count_rows(killer), 1);
    azk_db_close(killer);
}

/* Run tools/pgtest.sh CMD DIR; its exit status. */
static int pgtest(const char *cmd, const char *dir, char *url, size_t url_cap)
{
    char line[1024];
    const char *src = getenv("AZK_SRCDIR");
    FILE *p;
    int st;
    snprintf(line, sizeof(line), "sh %s/tools/pgtest.sh %s %s", src != NULL ? src : ".", cmd, dir);
    p = popen(line, "r");
    if (p == NULL)
        return -1;
    if (url != NULL && fgets(url, (int)url_cap, p) != NULL)
        url[strcspn(url, "\n")] = '\0';
    while (fgets(line, sizeof(line), p) != NULL)
        ;
    st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * The server itself goes away in the middle of a write transaction
 * (pg_ctl stop -m immediate, as a crash), on a server of this test's own:
 * commit fails with a message naming the catalog (not the password), and
 * after a restart nothing of the transaction is there.
 */
static void test_db__pg_server_killed(void **state)
{
    struct fx *f = need(state);
    char dir[] = "/tmp/azk-pgk-XXXXXX";
    char url[512] = "";
    azk_db *db = NULL;
    const char *msg;
    assert_non_null(mkdtemp(dir));
    snprintf(f->own_server, sizeof(f->own_server), "%s", dir);
    if (pgtest("start", dir, url, sizeof(url)) != 0)
        fail_msg("cannot start a PostgreSQL server of the test's own");
    assert_int_equal(azk_db_open(&db, url, 0), AZK_OK);
    assert_int_equal(azk_db_exec(db, "CREATE TABLE t(id BIGINT PRIMARY KEY, u TEXT)", "create"),
                     AZK_OK);
    insert_id(db, 1, NULL);
    assert_int_equal(azk_db_begin(db), AZK_OK);
    for (int i = 2; i <= 50; i++)
        insert_id(db, i, "half-written");
    assert_int_equal(pgtest("kill", dir, NULL, 0), 0);
    assert_int_equal(azk_db_commit(db), AZK_ERR_DB);
    msg = azk_error_last()->message;
    assert_non_null(strstr(msg, azk_db_name(db)));
    assert_non_null(strstr(msg, "commit: connection to the server lost"));
    assert_null(strstr(msg, "password="));
    assert_null(strstr(msg, strstr(url, "password=") + 9));
    azk_db_close(db);
    /* while it is down: a clear "cannot connect" naming the catalog */
    assert_int_equal(azk_db_open(&db, url, 0), AZK_ERR_DB);
    assert_non_null(strstr(azk_error_last()->message, "cannot connect"));
    assert_null(strstr(azk_error_last()->message, strstr(url, "password=") + 9));
    assert_int_equal(pgtest("restart", dir, NULL, 0), 0);
    assert_int_equal(azk_db_open(&db, url, 0), AZK_OK);
    assert_int_equal(count_rows(db), 1);
    azk_db_close(db);
}

/* A copy of the URL with every "password=" value and user:password replaced. */
static void with_password(char *out, size_t cap, const char *url, const char *pw)
{
    const char *p = strstr(url, "password=");
    size_t n = p != NULL ? (size_t)(p - url) : strlen(url);
    const char *rest = p != NULL ? p + strcspn(p, "&") : "";
    snprintf(out, cap, "%.*s%spassword=%s%s", (int)n, url, p != NULL ? "" : "&", pw, rest);
}

static void test_db__pg_wrong_credentials(void **state)
{
    struct fx *f = need(state);
    char url[1200];
    azk_db *db = NULL;
    const char *msg;
    with_password(url, sizeof(url), f->target, "Wr0ngPassw0rd-77");
    assert_int_equal(azk_db_open(&db, url, 0), AZK_ERR_DB);
    assert_null(db);
    msg = azk_error_last()->message;
    assert_non_null(strstr(msg, "cannot connect"));
    assert_non_null(strstr(msg, "password authentication failed"));
    assert_null(strstr(msg, "Wr0ngPassw0rd"));
    assert_null(strstr(msg, "password=")); /* printable name has no password parameter */
    /* the right password of the fixture is not in the message either */
    assert_null(strstr(msg, strstr(f->target, "password=") + 9));
}

static void test_db__pg_no_answer(void **state)
{
    azk_db *db = NULL;
    const char *msg;
    (void)state;
    /* a socket directory with no server; a TCP port nobody listens on */
    assert_int_equal(azk_db_open(&db,
                                 "postgresql://azk:S3cretUser@/cat?host=/nonexistent-azk-dir"
                                 "&password=S3cretQuery&connect_timeout=2",
                                 0),
                     AZK_ERR_DB);
    msg = azk_error_last()->message;
    assert_non_null(strstr(msg, "catalog postgresql://azk@/cat?host=/nonexistent-azk-dir"
                                "&connect_timeout=2: cannot connect:"));
    assert_null(strstr(msg, "S3cret"));
    assert_int_equal(azk_db_open(&db, "postgres://u:S3cretTcp@127.0.0.1:1/cat", 0), AZK_ERR_DB);
    msg = azk_error_last()->message;
    assert_non_null(strstr(msg, "catalog postgres://u@127.0.0.1:1/cat: cannot connect:"));
    assert_null(strstr(msg, "S3cret"));
    /* a malformed URL: libpq's own message could quote it, ours does not */
    assert_int_equal(azk_db_open(&db, "postgresql://u@h/db?password=S3cret%zz&bogus=1", 0),
                     AZK_ERR_DB);
    msg = azk_error_last()->message;
    assert_non_null(strstr(msg, "not a valid PostgreSQL URL"));
    assert_null(strstr(msg, "S3cret"));
    /* libpq takes "S3cret?" as the password here (user info ends at the "@" before "/") */
    assert_int_equal(azk_db_open(&db, "postgresql://u:S3cret?@/db?host=/nonexistent-azk", 0),
                     AZK_ERR_DB);
    assert_null(strstr(azk_error_last()->message, "S3cret"));
    /* a %-encoded parameter name is a password too */
    assert_int_equal(
        azk_db_open(&db, "postgresql:///db?host=/nonexistent-azk&p%61ssword=S3cretEnc", 0),
        AZK_ERR_DB);
    assert_null(strstr(azk_error_last()->message, "S3cret"));
    assert_null(db);
}

/* ---- a home whose catalog is in PostgreSQL ------------------------------------------------ */

/* Create an empty database on the fixture's server; out = its URL. */
static void fresh_db(struct fx *f, char *out, size_t cap)
{
    static int seq;
    char name[64], sql[200];
    const char *s = strstr(f->target, "://") + 3;
    const char *slash = strchr(s, '/');
    const char *q = slash != NULL ? slash + strcspn(slash, "?") : NULL;
    snprintf(name, sizeof(name), "azk_u%ld_%d", (long)getpid(), ++seq);
    assert_non_null(slash);
    /* one statement per call: CREATE DATABASE cannot run in a transaction block */
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", name);
    assert_int_equal(azk_db_exec(f->db, sql, "drop database"), AZK_OK);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
    assert_int_equal(azk_db_exec(f->db, sql, "create database"), AZK_OK);
    snprintf(out, cap, "%.*s/%s%s", (int)(slash - f->target), f->target, name, q);
}

static void test_db__pg_home(void **state)
{
    struct fx *f = need(state);
    char url[1200], url2[1200], home[128], home2[128], conf[160];
    azk_home_init_options io = AZK_HOME_INIT_OPTIONS_INIT;
    azk_home_open_options oo = AZK_HOME_OPEN_OPTIONS_INIT;
    azk_home *h = NULL;
    struct stat sb;
    char dir[] = "/tmp/azk-dbh-XXXXXX";
    assert_non_null(mkdtemp(dir));
    snprintf(home, sizeof(home), "%s/a", dir);
    snprintf(home2, sizeof(home2), "%s/b", dir);
    snprintf(conf, sizeof(conf), "%s/azukari.conf", home);
    fresh_db(f, url, sizeof(url));
    fresh_db(f, url2, sizeof(url2));

    io.catalog = url;
    assert_int_equal(azk_home_init(home, &io), AZK_OK);
    assert_int_equal(stat(conf, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    snprintf(conf, sizeof(conf), "%s/catalog.db", home);
    assert_int_not_equal(stat(conf, &sb), 0);
    /* opened through azukari.conf, no option needed */
    assert_int_equal(azk_home_open(&h, home, NULL, 0), AZK_OK);
    assert_non_null(strstr(azk_home_catalog_name(h), "postgresql://"));
    assert_null(strstr(azk_home_catalog_name(h), "password"));
    azk_home_close(h);
    h = NULL;

    /* a second home on the same database: refused, nothing left */
    assert_int_equal(azk_home_init(home2, &io), AZK_ERR_ARG);
    assert_non_null(strstr(azk_error_last()->message, "already holds an azukari catalog"));
    assert_int_not_equal(stat(home2, &sb), 0);
    /* its own database, then pointed at the first one's: the key does not match */
    io.catalog = url2;
    assert_int_equal(azk_home_init(home2, &io), AZK_OK);
    oo.catalog = url;
    assert_int_equal(azk_home_open_ex(&h, home2, &oo), AZK_ERR_CRYPTO);
    assert_null(h);
    assert_non_null(strstr(azk_error_last()->message, "another home"));
    assert_null(strstr(azk_error_last()->message, "password="));
    /* a second init of a home is refused (its master key exists) */
    assert_int_equal(azk_home_init(home2, &io), AZK_ERR_ARG);
    /* options without their struct_size are refused */
    oo.struct_size = 0;
    assert_int_equal(azk_home_open_ex(&h, home2, &oo), AZK_ERR_ARG);
    {
        char cmd[160];
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
    }
}

/* ---- SQLite only ---------------------------------------------------------------------- */

static void test_db__sqlite_not_a_database(void **state)
{
    char dir[] = "/tmp/azk-db-XXXXXX";
    char path[64];
    azk_db *db = NULL;
    azk_db_stmt *st = NULL;
    FILE *fp;
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/catalog.db", dir);
    fp = fopen(path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 200; i++)
        fputs("this is not an SQLite database, just text. ", fp);
    fclose(fp);
    if (azk_db_open(&db, path, 0) == AZK_OK) {
        assert_int_not_equal(azk_db_prepare(db, &st, "SELECT 1 FROM meta", "read meta"), AZK_OK);
        azk_db_close(db);
    }
    assert_int_equal(azk_error_last()->code, AZK_ERR_DB);
    assert_non_null(strstr(azk_error_last()->message, path));
    assert_non_null(strstr(azk_error_last()->message, "not a database"));
    unlink(path);
    rmdir(dir);
}

/* one entry per backend, named test_db__x/sqlite and test_db__x/pg */
#define BOTH(t)                                                                                    \
    {#t "/sqlite", t, setup, teardown, &sqlite_fx},                                                \
    {                                                                                              \
#t "/pg", t, setup, teardown, &pg_fx                                                       \
    }
#define PG(t)                                                                                      \
    {                                                                                              \
#t "/pg", t, setup, teardown, &pg_fx                                                       \
    }

int main(void)
{
    const struct CMUnitTest tests[] = {
        BOTH(test_db__binds),
        BOTH(test_db__placeholders_in_quotes),
        BOTH(test_db__constraints),
        BOTH(test_db__nested),
        BOTH(test_db__rollback),
        BOTH(test_db__writers_serialised),
        BOTH(test_db__read_snapshot),
        PG(test_db__pg_nul_in_text),
        PG(test_db__pg_bad_value_not_quoted),
        PG(test_db__pg_connection_lost),
        PG(test_db__pg_server_killed),
        PG(test_db__pg_wrong_credentials),
        PG(test_db__pg_home),
        cmocka_unit_test(test_db__pg_no_answer),
        cmocka_unit_test(test_db__sqlite_not_a_database),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
