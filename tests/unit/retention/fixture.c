/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/retention/fixture.c -- the helpers the retention tests share
 * (fixture.h).
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

#include "fixture.h"

const char csv[] = "顧客番号,氏名,電話番号,住所\n"
                   "C000001,試験 一郎,090-1111-2222,東京都千代田区試験町1-2-3\n"
                   "C000002,見本 花子,090-3333-4444,東京都千代田区試験町4-5-6\n"
                   "C000003,仮名 次郎,090-5555-6666,東京都千代田区試験町7-8-9\n";

int setup(void **state)
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

int teardown(void **state)
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

void write_file(const char *path, const char *data)
{
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, strlen(data), fp), strlen(data));
    fclose(fp);
}

void intake(struct fixture *f, const char *ds, const char *until)
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

const char *state_of(azk_home *h, const char *ds, char buf[32])
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
bool key_present(azk_home *h, const char *ds)
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

/* Enrol `name` and authenticate it on h with the TOTP code of time t (0 = now). */
void login_at(azk_home *h, const char *name, time_t t)
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

void login(azk_home *h, const char *name)
{
    login_at(h, name, 0);
}

int64_t t_of(const char *s)
{
    int64_t t = 0;
    assert_int_equal(azk_retention_parse_time(s, &t), AZK_OK);
    return t;
}

/* Make a dataset's deadline pass for real: the catalog says it was due at `until`
 * (intake refuses a deadline in the past; a run only believes the system clock). */
void backdate(struct fixture *f, const char *ds, const char *until)
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
