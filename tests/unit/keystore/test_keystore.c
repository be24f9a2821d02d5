/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/keystore/test_keystore.c -- the home's keystore
 * (store/keystore.h): put/get round trip, a second key for one owner
 * refused, absent keys, destruction that leaves the wrapped bytes in
 * neither keys/keystore.db nor its WAL, destruction of an absent key, and
 * the file's mode.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include <sodium.h>

#include "store/keystore.h"
#include "azukari/home.h"

struct fixture {
    char dir[64];
    char home[128];
    char ks[192];
    char wal[200];
    azk_home *h;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/azk-keystore-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
    snprintf(f->ks, sizeof(f->ks), "%s/keys/keystore.db", f->home);
    snprintf(f->wal, sizeof(f->wal), "%s-wal", f->ks);
    if (azk_home_init(f->home, NULL) != AZK_OK)
        return -1;
    if (azk_home_open(&f->h, f->home, NULL, 0) != AZK_OK)
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

/* Does the file hold the bytes? (the test's own search, not the library's) */
static bool file_has(const char *path, const uint8_t *b, size_t n)
{
    FILE *fp = fopen(path, "rb");
    uint8_t *data;
    long sz;
    bool hit = false;
    if (fp == NULL)
        return false;
    fseek(fp, 0, SEEK_END);
    sz = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    data = malloc((size_t)sz + 1);
    assert_non_null(data);
    assert_int_equal(fread(data, 1, (size_t)sz, fp), (size_t)sz);
    fclose(fp);
    for (long i = 0; i + (long)n <= sz && !hit; i++)
        hit = memcmp(data + i, b, n) == 0;
    free(data);
    return hit;
}

static void test_keystore__put_get(void **state)
{
    struct fixture *f = *state;
    uint8_t k[72];
    uint8_t *got = NULL;
    size_t len = 0;
    struct stat sb;
    randombytes_buf(k, sizeof(k));
    assert_int_equal(azk_store__key_put(f->h, AZK_KEY_DATASET, "uuid-1", k, sizeof(k)), AZK_OK);
    assert_int_equal(azk_store__key_get(f->h, AZK_KEY_DATASET, "uuid-1", &got, &len), AZK_OK);
    assert_int_equal(len, sizeof(k));
    assert_memory_equal(got, k, sizeof(k));
    azk_free_secret(got, len);
    /* kinds are separate owners */
    assert_int_equal(azk_store__key_get(f->h, AZK_KEY_GUARD, "uuid-1", &got, &len),
                     AZK_ERR_NOTFOUND);
    assert_null(got);
    assert_int_equal(stat(f->ks, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    /* survives closing and reopening the home */
    azk_home_close(f->h);
    assert_int_equal(azk_home_open(&f->h, f->home, NULL, 0), AZK_OK);
    assert_int_equal(azk_store__key_get(f->h, AZK_KEY_DATASET, "uuid-1", &got, &len), AZK_OK);
    assert_memory_equal(got, k, sizeof(k));
    azk_free_secret(got, len);
}

static void test_keystore__duplicate_refused(void **state)
{
    struct fixture *f = *state;
    uint8_t a[72], b[72];
    uint8_t *got = NULL;
    size_t len = 0;
    int64_t n = 0;
    randombytes_buf(a, sizeof(a));
    randombytes_buf(b, sizeof(b));
    assert_int_equal(azk_store__key_put(f->h, AZK_KEY_GUARD, "item-7", a, sizeof(a)), AZK_OK);
    assert_int_equal(azk_store__key_put(f->h, AZK_KEY_GUARD, "item-7", b, sizeof(b)), AZK_ERR_ARG);
    assert_non_null(strstr(azk_error_last()->message, "already has a key"));
    /* the first key is kept, untouched */
    assert_int_equal(azk_store__key_get(f->h, AZK_KEY_GUARD, "item-7", &got, &len), AZK_OK);
    assert_memory_equal(got, a, sizeof(a));
    azk_free_secret(got, len);
    assert_int_equal(azk_store__key_count(f->h, &n), AZK_OK);
    assert_int_equal(n, 1);
}

static void test_keystore__destroy(void **state)
{
    struct fixture *f = *state;
    uint8_t k[72], other[72];
    uint8_t *got = NULL;
    size_t len = 0;
    int64_t n = 0;
    azk_key_evidence ev;
    randombytes_buf(k, sizeof(k));
    randombytes_buf(other, sizeof(other));
    assert_int_equal(azk_store__key_put(f->h, AZK_KEY_DATASET, "d1", k, sizeof(k)), AZK_OK);
    assert_int_equal(azk_store__key_put(f->h, AZK_KEY_DATASET, "d2", other, sizeof(other)), AZK_OK);
    /* the bytes are really there before (else the search below proves nothing) */
    assert_true(file_has(f->ks, k, sizeof(k)) || file_has(f->wal, k, sizeof(k)));
    assert_int_equal(azk_store__key_destroy(f->h, AZK_KEY_DATASET, "d1", &ev), AZK_OK);
    assert_true(ev.wal_truncated);
    assert_true(ev.bytes_absent);
    assert_string_equal(ev.file, "keys/keystore.db");
    assert_false(file_has(f->ks, k, sizeof(k)));
    assert_false(file_has(f->wal, k, sizeof(k)));
    assert_int_equal(azk_store__key_get(f->h, AZK_KEY_DATASET, "d1", &got, &len), AZK_ERR_NOTFOUND);
    /* the other key is intact */
    assert_int_equal(azk_store__key_get(f->h, AZK_KEY_DATASET, "d2", &got, &len), AZK_OK);
    assert_memory_equal(got, other, sizeof(other));
    azk_free_secret(got, len);
    assert_int_equal(azk_store__key_count(f->h, &n), AZK_OK);
    assert_int_equal(n, 1);
    /* and after the home is closed, still nowhere */
    azk_home_close(f->h);
    f->h = NULL;
    assert_false(file_has(f->ks, k, sizeof(k)));
    assert_false(file_has(f->wal, k, sizeof(k)));
    assert_int_equal(azk_home_open(&f->h, f->home, NULL, 0), AZK_OK);
}

static void test_keystore__destroy_absent(void **state)
{
    struct fixture *f = *state;
    uint8_t k[72];
    azk_key_evidence ev;
    randombytes_buf(k, sizeof(k));
    /* never stored */
    assert_int_equal(azk_store__key_destroy(f->h, AZK_KEY_DATASET, "none", &ev), AZK_OK);
    assert_true(ev.bytes_absent);
    assert_true(ev.wal_truncated);
    /* destroyed twice (a resumed run) */
    assert_int_equal(azk_store__key_put(f->h, AZK_KEY_DATASET, "d3", k, sizeof(k)), AZK_OK);
    assert_int_equal(azk_store__key_destroy(f->h, AZK_KEY_DATASET, "d3", NULL), AZK_OK);
    assert_int_equal(azk_store__key_destroy(f->h, AZK_KEY_DATASET, "d3", &ev), AZK_OK);
    assert_true(ev.bytes_absent);
    assert_false(file_has(f->ks, k, sizeof(k)));
}

static void test_keystore__refuses_open_mode(void **state)
{
    struct fixture *f = *state;
    uint8_t k[16] = {1};
    uint8_t *got = NULL;
    size_t len = 0;
    assert_int_equal(azk_store__key_put(f->h, AZK_KEY_DATASET, "d4", k, sizeof(k)), AZK_OK);
    azk_home_close(f->h);
    assert_int_equal(chmod(f->ks, 0644), 0);
    assert_int_equal(azk_home_open(&f->h, f->home, NULL, 0), AZK_OK);
    assert_int_equal(azk_store__key_get(f->h, AZK_KEY_DATASET, "d4", &got, &len), AZK_ERR_PERM);
    assert_non_null(strstr(azk_error_last()->message, "keys/keystore.db"));
    assert_int_equal(chmod(f->ks, 0600), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_keystore__put_get, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keystore__duplicate_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keystore__destroy, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keystore__destroy_absent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_keystore__refuses_open_mode, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
