/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/schema/test_schema.c -- the catalog's versioned schema
 * (store/schema.h) on SQLite: a created catalog is the current version
 * with every table; a database without meta, or with a schema version
 * that is no number, is not a catalog; a newer version is refused naming
 * both versions; a file without the SQLite header is refused before SQLite
 * opens it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/schema.h"

struct fixture {
    char dir[64];
    char path[128];
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/azk-schema-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->path, sizeof(f->path), "%s/catalog.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[128];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void test_schema__create_is_current(void **state)
{
    struct fixture *f = *state;
    azk_db *db = NULL;
    azk_db_stmt *st = NULL;
    const char *meta[] = {"created_by", "unit"};
    int v = 0;
    static const char *const tables[] = {
        "meta",      "clients",   "datasets",      "opens",      "fingerprints",  "ret_artifacts",
        "ret_state", "ret_holds", "ret_requests",  "ret_early",  "ret_residuals", "ret_meta",
        "users",     "totp_used", "auth_failures", "guard_items"};
    assert_int_equal(azk_db_open(&db, f->path, AZK_DB_CREATE), AZK_OK);
    assert_int_equal(azk_schema__create(db, meta, 2), AZK_OK);
    assert_int_equal(azk_schema__check(db, &v), AZK_OK);
    assert_int_equal(v, AZK_SCHEMA_CURRENT);
    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        char sql[96];
        snprintf(sql, sizeof(sql), "SELECT * FROM %s LIMIT 0", tables[i]);
        assert_int_equal(azk_db_prepare(db, &st, sql, "probe"), AZK_OK);
        azk_db_finalize(st);
    }
    /* no wrapped key column anywhere */
    assert_int_not_equal(azk_db_prepare(db, &st, "SELECT wrapped_key FROM datasets", "probe"),
                         AZK_OK);
    assert_int_not_equal(azk_db_prepare(db, &st, "SELECT wrapped FROM guard_items", "probe"),
                         AZK_OK);
    azk_db_close(db);
}

static void test_schema__not_a_catalog(void **state)
{
    struct fixture *f = *state;
    azk_db *db = NULL;
    int v = 7;
    FILE *fp;
    /* an SQLite database of something else */
    assert_int_equal(azk_db_open(&db, f->path, AZK_DB_CREATE), AZK_OK);
    assert_int_equal(azk_db_exec(db, "CREATE TABLE t(x)", "t"), AZK_OK);
    assert_int_equal(azk_schema__version(db, &v), AZK_ERR_FORMAT);
    assert_int_equal(v, 0);
    assert_non_null(strstr(azk_error_last()->message, "not an azukari catalog (no meta table)"));
    assert_non_null(strstr(azk_error_last()->message, f->path));
    /* meta without a number */
    assert_int_equal(azk_db_exec(db,
                                 "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
                                 "INSERT INTO meta VALUES('schema', '2x')",
                                 "meta"),
                     AZK_OK);
    assert_int_equal(azk_schema__version(db, &v), AZK_ERR_FORMAT);
    assert_non_null(strstr(azk_error_last()->message, "no schema version"));
    azk_db_close(db);
    assert_int_equal(azk_schema__check_file(f->path), AZK_OK);
    /* random bytes: refused before SQLite opens the file */
    fp = fopen(f->path, "wb");
    assert_non_null(fp);
    fputs("this is not a database at all, just text", fp);
    fclose(fp);
    assert_int_equal(azk_schema__check_file(f->path), AZK_ERR_FORMAT);
    assert_non_null(strstr(azk_error_last()->message, "not an SQLite database"));
    fp = fopen(f->path, "wb");
    fclose(fp);
    assert_int_equal(azk_schema__check_file(f->path), AZK_ERR_FORMAT);
    assert_int_equal(azk_schema__check_file("postgresql://u@h/db"), AZK_OK);
}

static void test_schema__newer_refused(void **state)
{
    struct fixture *f = *state;
    azk_db *db = NULL;
    int v = 0;
    assert_int_equal(azk_db_open(&db, f->path, AZK_DB_CREATE), AZK_OK);
    assert_int_equal(azk_schema__create(db, NULL, 0), AZK_OK);
    assert_int_equal(azk_db_exec(db, "UPDATE meta SET value = '99' WHERE key = 'schema'", "v"),
                     AZK_OK);
    assert_int_equal(azk_schema__version(db, &v), AZK_OK);
    assert_int_equal(v, 99);
    assert_int_equal(azk_schema__check(db, &v), AZK_ERR_UNSUPPORTED);
    assert_non_null(strstr(azk_error_last()->message,
                           "schema version 99 is newer than this azukari knows (2)"));
    assert_non_null(strstr(azk_error_last()->message, f->path));
    azk_db_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema__create_is_current, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema__not_a_catalog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema__newer_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
