/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/schema/test_schema.c -- the catalog's versioned schema
 * (store/schema.h) on SQLite: a created catalog is the current version
 * with every table; a database without meta, or with a schema version
 * that is no number, is not a catalog; a newer version is refused naming
 * both versions; a file without the SQLite header is refused before SQLite
 * opens it; a migration from schema 1 that fails at any allocation
 * (test_schema__oom_migrate) leaves either the whole schema-1 catalog with
 * its key or schema 2 with the key in the keystore, never half of each.
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

#include "azk_oom.h"
#include "store/keystore.h"
#include "store/schema.h"
#include "azukari/home.h"

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
    /* the indexes of version 3 */
    assert_int_equal(azk_db_prepare(db, &st,
                                    "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                                    " AND name IN ('datasets_client_deadline',"
                                    " 'ret_state_certified')",
                                    "probe"),
                     AZK_OK);
    assert_int_equal(azk_db_step(st), AZK_DB_ROW);
    assert_int_equal(azk_db_col_int64(st, 0), 2);
    azk_db_finalize(st);
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
                           "schema version 99 is newer than this azukari knows (8)"));
    assert_non_null(strstr(azk_error_last()->message, f->path));
    azk_db_close(db);
}

static void copy_file(const char *from, const char *to)
{
    char buf[8192];
    size_t n;
    FILE *in = fopen(from, "rb");
    FILE *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
        assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static void rm_files(const char *pattern)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "rm -f %s", pattern);
    assert_int_equal(system(cmd), 0);
}

/* The catalog's schema version and whether datasets still holds the key (raw read). */
static int catalog_state(const char *path, const uint8_t *key, bool *key_in_catalog)
{
    azk_db *db = NULL;
    azk_db_stmt *st = NULL;
    int v = 0;
    *key_in_catalog = false;
    assert_int_equal(azk_db_open(&db, path, 0), AZK_OK);
    assert_int_equal(azk_schema__version(db, &v), AZK_OK);
    if (v == 1) {
        size_t n = 0;
        const void *b;
        assert_int_equal(azk_db_prepare(db, &st, "SELECT wrapped_key FROM datasets", "k"), AZK_OK);
        assert_int_equal(azk_db_step(st), AZK_DB_ROW);
        b = azk_db_col_blob(st, 0, &n);
        *key_in_catalog = b != NULL && n == 72 && memcmp(b, key, 72) == 0;
        azk_db_finalize(st);
    }
    azk_db_close(db);
    return v;
}

/* How many of the version-3 indexes the catalog file has. */
static int index_count(const char *path)
{
    azk_db *db = NULL;
    azk_db_stmt *st = NULL;
    int n;
    assert_int_equal(azk_db_open(&db, path, 0), AZK_OK);
    assert_int_equal(azk_db_prepare(db, &st,
                                    "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                                    " AND name IN ('datasets_client_deadline',"
                                    " 'ret_state_certified')",
                                    "probe"),
                     AZK_OK);
    assert_int_equal(azk_db_step(st), AZK_DB_ROW);
    n = (int)azk_db_col_int64(st, 0);
    azk_db_finalize(st);
    azk_db_close(db);
    return n;
}

static bool keystore_has(azk_home *h, const char *uuid, const uint8_t *key)
{
    uint8_t *w = NULL;
    size_t n = 0;
    bool ok = azk_store__key_get(h, AZK_KEY_DATASET, uuid, &w, &n) == AZK_OK && n == 72 &&
              memcmp(w, key, 72) == 0;
    azk_free_secret(w, n);
    azk_error_clear();
    return ok;
}

static void test_schema__oom_migrate(void **state)
{
    struct fixture *f = *state;
    char home[128], cat[160], v1[160], pat[800];
    static const char uuid[] = "0c6f3c55-7d0e-4b7a-9a57-1b2c3d4e5f60";
    uint8_t key[72];
    azk_home *h = NULL;
    struct azk_oom oom = azk_oom_start("schema_migrate");
    bool done = false;
    char sql[1024];

    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (uint8_t)(0xA5 ^ (i * 7));
    snprintf(home, sizeof(home), "%s/home", f->dir);
    snprintf(cat, sizeof(cat), "%s/catalog.db", home);
    snprintf(v1, sizeof(v1), "%s/v1.db", f->dir);
    assert_int_equal(azk_home_init(home, NULL), AZK_OK);
    assert_int_equal(azk_home_open(&h, home, NULL, 0), AZK_OK);
    /* schema 1: the key in datasets.wrapped_key (x'..' literal: no bind helper needed) */
    {
        char hex[145];
        for (size_t i = 0; i < sizeof(key); i++)
            snprintf(hex + 2 * i, 3, "%02x", key[i]);
        snprintf(sql, sizeof(sql),
                 "ALTER TABLE datasets ADD COLUMN wrapped_key BLOB;"
                 "ALTER TABLE guard_items ADD COLUMN wrapped BLOB;"
                 "INSERT INTO clients VALUES('c', '', 'x', 'x');"
                 "INSERT INTO datasets(id, client, uuid, purpose, retain_until, schema_json,"
                 " source_name, format, encoding, records, bytes, created_at, created_by,"
                 " wrapped_key) VALUES('d', 'c', '%s', 'p', '2099-01-01', '[]', 'f.csv',"
                 " 'csv', 'utf-8', 1, 1, 'x', 'x', x'%s');"
                 "DROP INDEX datasets_client_deadline; DROP INDEX ret_state_certified;"
                 "UPDATE meta SET value = '1' WHERE key = 'schema'",
                 uuid, hex);
    }
    assert_int_equal(azk_db_exec(h->cat, sql, "v1"), AZK_OK);
    azk_home_close(h);
    h = NULL;
    copy_file(cat, v1);
    snprintf(pat, sizeof(pat), "'%s'-wal '%s'-shm '%s'/catalog.db.bak-* '%s'/keys/keystore.db*",
             cat, cat, home, home);

    for (long n = 0; !done && n < 100000; n += oom.step) {
        azk_status rc;
        bool in_cat = false;
        int v;
        rm_files(pat);
        copy_file(v1, cat);
        azk__alloc_fail_after(n);
        rc = azk_home_open(&h, home, NULL, 0);
        azk__alloc_fail_after(-1);
        oom.runs++;
        if (rc == AZK_OK) {
            done = true;
            oom.completed = true;
        } else {
            assert_int_equal(rc, AZK_ERR_NOMEM);
            oom.nomem++;
        }
        azk_home_close(h);
        h = NULL;
        /* whole schema 1 with its key, or the current schema without it */
        v = catalog_state(cat, key, &in_cat);
        assert_true((v == 1 && in_cat) || v == AZK_SCHEMA_CURRENT);
        /* no half-made backup left */
        snprintf(sql, sizeof(sql), "ls '%s' | grep -q '[.]part$'", home);
        assert_int_not_equal(system(sql), 0);
        /* a clean open finishes whatever was left: the key readable, gone from the files */
        assert_int_equal(azk_home_open(&h, home, NULL, 0), AZK_OK);
        assert_true(keystore_has(h, uuid, key));
        azk_home_close(h);
        h = NULL;
        assert_int_equal(catalog_state(cat, key, &in_cat), AZK_SCHEMA_CURRENT);
        assert_int_equal(index_count(cat), 2);
        {
            bool found = true;
            assert_int_equal(azk_store__file_contains(cat, key, sizeof(key), &found), AZK_OK);
            assert_false(found);
        }
    }
    azk_oom_report(&oom);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_schema__create_is_current, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema__not_a_catalog, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema__newer_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_schema__oom_migrate, setup, teardown),
    };
    azk_oom_filter();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
