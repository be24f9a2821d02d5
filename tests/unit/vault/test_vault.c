/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/vault/test_vault.c -- vault file round trip, and every way a
 * vault must refuse to decrypt: wrong master key, a changed byte anywhere,
 * truncation at and inside a chunk, bytes appended, a tampered wrapped key.
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

#include "vault/vault.h"
#include "azukari/retention.h"
#include "azukari/vault.h"

#include <fcntl.h>
#include <sys/file.h>
#include "azukari/home.h"

struct fixture {
    char dir[64];
    char home[128];
    azk_home *h;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/azk-vault-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
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

struct collect {
    azk_buf b;
};

static azk_status collect_cb(const uint8_t *p, size_t n, void *payload)
{
    struct collect *c = payload;
    return azk_buf_put(&c->b, p, n);
}

static void make_vault(azk_home *h, const char *uuid, const uint8_t *data, size_t n,
                       uint8_t wrapped[AZK_VAULT_WRAPPED_LEN])
{
    struct azk_vault_writer *w = NULL;
    assert_int_equal(azk_vault__writer_new(&w, h, uuid, wrapped), AZK_OK);
    /* uneven writes across chunk boundaries */
    size_t off = 0;
    size_t step = 1;
    while (off < n) {
        size_t take = step < n - off ? step : n - off;
        assert_int_equal(azk_vault__writer_write(w, data + off, take), AZK_OK);
        off += take;
        step = step * 3 + 7;
    }
    assert_int_equal(azk_vault__writer_finish(w), AZK_OK);
}

static uint8_t *pattern(size_t n)
{
    uint8_t *d = malloc(n);
    for (size_t i = 0; i < n; i++)
        d[i] = (uint8_t)(i * 31 + (i >> 9));
    return d;
}

static azk_status read_back(azk_home *h, const char *uuid, const uint8_t *wrapped,
                            struct collect *c)
{
    azk_buf_clear(&c->b);
    return azk_vault__read(h, uuid, wrapped, AZK_VAULT_WRAPPED_LEN, collect_cb, c);
}

static void test_vault__round_trip(void **state)
{
    struct fixture *f = *state;
    static const size_t sizes[] = {0,
                                   1,
                                   AZK_VAULT_CHUNK - 1,
                                   AZK_VAULT_CHUNK,
                                   AZK_VAULT_CHUNK + 1,
                                   3 * AZK_VAULT_CHUNK + 12345};
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        char uuid[37];
        uint8_t wrapped[AZK_VAULT_WRAPPED_LEN];
        struct collect c = {AZK_BUF_INIT};
        uint8_t *d = pattern(sizes[s]);
        azk_store__uuid(uuid);
        make_vault(f->h, uuid, d, sizes[s], wrapped);
        assert_int_equal(read_back(f->h, uuid, wrapped, &c), AZK_OK);
        assert_int_equal(c.b.len, sizes[s]);
        if (sizes[s] > 0)
            assert_memory_equal(c.b.data, d, sizes[s]);
        /* no temporary file left; the plaintext is not in the file */
        azk_buf p = AZK_BUF_INIT;
        assert_int_equal(azk_buf_printf(&p, "%s/vault/.%s.azv.tmp", f->home, uuid), AZK_OK);
        struct stat sb;
        assert_int_not_equal(stat((const char *)p.data, &sb), 0);
        azk_buf_dispose(&p);
        azk_buf_dispose(&c.b);
        free(d);
    }
}

static void corrupt_at(const char *path, long off, int mode)
{
    FILE *fp = fopen(path, "r+b");
    assert_non_null(fp);
    if (mode == 0) { /* flip a byte */
        assert_int_equal(fseek(fp, off, SEEK_SET), 0);
        int ch = fgetc(fp);
        assert_int_equal(fseek(fp, off, SEEK_SET), 0);
        fputc(ch ^ 0x01, fp);
        fclose(fp);
    } else if (mode == 1) { /* truncate */
        fclose(fp);
        assert_int_equal(truncate(path, off), 0);
    } else { /* append */
        assert_int_equal(fseek(fp, 0, SEEK_END), 0);
        fputc(0, fp);
        fclose(fp);
    }
}

static void test_vault__tampering_detected(void **state)
{
    struct fixture *f = *state;
    const size_t n = 2 * AZK_VAULT_CHUNK + 100;
    uint8_t *d = pattern(n);
    const long hdr = 48;
    const long chunk = 4 + AZK_VAULT_CHUNK + 17;
    const long total = hdr + 2 * chunk + 4 + 100 + 17;
    /* offsets: header magic, key id, stream header, a length, inside chunks, the tag */
    static const long flips[] = {0, 10, 30, 48, 60, 48 + 4 + 65553 + 10, 48 + 2 * (4 + 65553) + 50};
    for (size_t i = 0; i < sizeof(flips) / sizeof(flips[0]) + 4; i++) {
        char uuid[37];
        uint8_t wrapped[AZK_VAULT_WRAPPED_LEN];
        struct collect c = {AZK_BUF_INIT};
        azk_buf p = AZK_BUF_INIT;
        azk_store__uuid(uuid);
        make_vault(f->h, uuid, d, n, wrapped);
        assert_int_equal(azk_vault__path(&p, f->h, uuid), AZK_OK);
        if (i < sizeof(flips) / sizeof(flips[0]))
            corrupt_at((const char *)p.data, flips[i], 0);
        else if (i == sizeof(flips) / sizeof(flips[0]))
            corrupt_at((const char *)p.data, hdr + chunk, 1); /* at a chunk boundary */
        else if (i == sizeof(flips) / sizeof(flips[0]) + 1)
            corrupt_at((const char *)p.data, total - 5, 1); /* inside the last chunk */
        else if (i == sizeof(flips) / sizeof(flips[0]) + 2)
            corrupt_at((const char *)p.data, 0, 2); /* a byte appended */
        else
            wrapped[30] ^= 0x80; /* the wrapped key */
        azk_status rc = read_back(f->h, uuid, wrapped, &c);
        assert_true(rc == AZK_ERR_CRYPTO || rc == AZK_ERR_INTEGRITY);
        azk_buf_dispose(&p);
        azk_buf_dispose(&c.b);
    }
    free(d);
}

static void test_vault__wrong_master_key(void **state)
{
    struct fixture *f = *state;
    char other[160];
    azk_home *h2 = NULL;
    char uuid[37];
    uint8_t wrapped[AZK_VAULT_WRAPPED_LEN];
    struct collect c = {AZK_BUF_INIT};
    uint8_t *d = pattern(1000);
    azk_store__uuid(uuid);
    make_vault(f->h, uuid, d, 1000, wrapped);
    /* a handle on the same home with another key: the wrapped key refuses */
    snprintf(other, sizeof(other), "%s/other", f->dir);
    assert_int_equal(azk_home_init(other, NULL), AZK_OK);
    assert_int_equal(azk_home_open(&h2, other, NULL, 0), AZK_OK);
    azk_free(h2->path);
    h2->path = azk_strdup(f->home);
    assert_int_equal(read_back(h2, uuid, wrapped, &c), AZK_ERR_CRYPTO);
    assert_int_equal(c.b.len, 0);
    azk_home_close(h2);
    azk_buf_dispose(&c.b);
    free(d);
}

static void test_vault__passphrase_home(void **state)
{
    struct fixture *f = *state;
    char ph[160];
    azk_home *h2 = NULL;
    azk_home_init_options o = AZK_HOME_INIT_OPTIONS_INIT;
    const char *pass = "correct horse battery";
    o.passphrase = pass;
    o.passphrase_len = strlen(pass);
    o.opslimit = 1;
    o.memlimit = 8192 * 1024;
    snprintf(ph, sizeof(ph), "%s/pass", f->dir);
    assert_int_equal(azk_home_init(ph, &o), AZK_OK);
    assert_true(azk_home_uses_passphrase(ph));
    assert_int_equal(azk_home_open(&h2, ph, "wrong horse battery", 19), AZK_ERR_CRYPTO);
    assert_null(h2);
    assert_int_equal(azk_home_open(&h2, ph, NULL, 0), AZK_ERR_CRYPTO);
    assert_int_equal(azk_home_open(&h2, ph, pass, strlen(pass)), AZK_OK);
    azk_home_close(h2);
}

static void test_vault__keyfile_permissions(void **state)
{
    struct fixture *f = *state;
    azk_home *h2 = NULL;
    char kp[200];
    snprintf(kp, sizeof(kp), "%s/keys/master.key", f->home);
    assert_int_equal(chmod(kp, 0644), 0);
    assert_int_equal(azk_home_open(&h2, f->home, NULL, 0), AZK_ERR_PERM);
    assert_int_equal(chmod(kp, 0600), 0);
    assert_int_equal(azk_home_open(&h2, f->home, NULL, 0), AZK_OK);
    azk_home_close(h2);
    /* init refuses an existing home */
    assert_int_equal(azk_home_init(f->home, NULL), AZK_ERR_ARG);
}

/* A small dataset "a" of client "c" (synthetic). */
static void intake_small(struct fixture *f, const char *dataset)
{
    char path[256];
    azk_intake_options o = AZK_INTAKE_OPTIONS_INIT;
    azk_intake_result res;
    FILE *csv;
    int fd;
    snprintf(path, sizeof(path), "%s/%s.csv", f->dir, dataset);
    csv = fopen(path, "w");
    assert_non_null(csv);
    fputs("顧客番号,氏名,電話番号\nC1,試験 一郎,090-0000-0001\nC2,見本 花子,090-0000-0002\n", csv);
    fclose(csv);
    if (azk_client_add(f->h, "c", "") != AZK_OK)
        assert_int_equal(azk_error_last()->code, AZK_ERR_ARG); /* exists */
    o.client = "c";
    o.dataset = dataset;
    o.purpose = "test";
    o.retain_until = "2099-12-31";
    o.source_name = "s.csv";
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    assert_int_equal(azk_intake(f->h, fd, &o, &res), AZK_OK);
    close(fd);
}

static azk_status count_artifact(const azk_artifact_info *a, void *payload)
{
    (void)a;
    (*(int *)payload)++;
    return AZK_OK;
}

/*
 * A bind that fails leaves its parameter NULL; "?1 IS NULL OR dataset = ?1"
 * then lists the artifacts of every dataset. The statement must not run.
 */
static void test_vault__failed_bind_refuses_statement(void **state)
{
    struct fixture *f = *state;
    char art[256];
    int n = 0;
    FILE *x;
    static const char long_id[] = "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz"; /* 50 */
    intake_small(f, "a");
    snprintf(art, sizeof(art), "%s/x", f->dir);
    x = fopen(art, "w");
    assert_non_null(x);
    fclose(x);
    assert_int_equal(azk_artifact_add(f->h, "a", art, NULL), AZK_OK);
    assert_int_equal(azk_artifact_list(f->h, NULL, count_artifact, &n), AZK_OK);
    assert_int_equal(n, 1);
    /* every stored value of the row is shorter than the limit, the parameter is not */
    assert_true(strlen(art) < 45);
    azk_db__sqlite_limit_length(f->h->cat, 45);
    n = 0;
    assert_int_equal(azk_artifact_list(f->h, long_id, count_artifact, &n), AZK_ERR_DB);
    assert_int_equal(n, 0);
    assert_non_null(strstr(azk_error_last()->message, "could not be bound"));
    /* the statement after it, with a parameter that fits, runs normally */
    n = 0;
    assert_int_equal(azk_artifact_list(f->h, "a", count_artifact, &n), AZK_OK);
    assert_int_equal(n, 1);
}

/* Temporaries of a dead intake go at cleanup; a live writer's (locked) and a fresh empty one
 * stay. */
static void test_vault__cleanup_tmp(void **state)
{
    struct fixture *f = *state;
    char dead[256], live[256], fresh[256];
    int fd, lfd;
    struct stat sb;
    snprintf(dead, sizeof(dead), "%s/vault/.11111111-1111-4111-8111-111111111111.azv.tmp", f->home);
    snprintf(live, sizeof(live), "%s/vault/.22222222-2222-4222-8222-222222222222.azv.tmp", f->home);
    snprintf(fresh, sizeof(fresh), "%s/vault/.33333333-3333-4333-8333-333333333333.azv.tmp",
             f->home);
    fd = open(dead, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "AZKV", 4), 4);
    close(fd);
    lfd = open(live, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(lfd >= 0);
    assert_int_equal(flock(lfd, LOCK_EX | LOCK_NB), 0);
    assert_int_equal(write(lfd, "AZKV", 4), 4);
    fd = open(fresh, O_WRONLY | O_CREAT | O_EXCL, 0600);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(azk_vault__cleanup_tmp(f->h), 1);
    assert_int_not_equal(stat(dead, &sb), 0);
    assert_int_equal(stat(live, &sb), 0);
    assert_int_equal(stat(fresh, &sb), 0);
    close(lfd); /* the writer dies */
    assert_int_equal(azk_vault__cleanup_tmp(f->h), 1);
    assert_int_not_equal(stat(live, &sb), 0);
    unlink(fresh);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_vault__round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vault__failed_bind_refuses_statement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vault__cleanup_tmp, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vault__tampering_detected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vault__wrong_master_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vault__passphrase_home, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vault__keyfile_permissions, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
