/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/supervision/test_supervision.c -- the supervision module's
 * pieces that need no clock games: month arithmetic, training expiry, the
 * report's shape check on bad input, the training gate (refusal is a ledger
 * entry; a user with a current course passes), the two-person rule of risk
 * acceptances and a signed checkpoint of a ledger prefix. The whole month is
 * tests/e2e/test_supervision.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "azukari/audit.h"
#include "azukari/retention.h"
#include "azukari/supervision.h"
#include "retention/training.h"
#include "store/store.h"
#include "supervision/sup_int.h"
#include "zone_cases.h"

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/azk-sup-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
    if (azk_home_init(f->home, NULL) != AZK_OK || azk_home_open(&f->h, f->home, NULL, 0) != AZK_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char cmd[160];
    azk_home_close(f->h);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void test_supervision__month(void **state)
{
    int64_t s = 0, e = 0;
    char m[8];
    (void)state;
    assert_int_equal(azk_sup__month("2031-12", &s, &e), AZK_OK);
    azk_sup__month_of(e, m);
    assert_string_equal(m, "2032-01");
    azk_sup__prev_month("2031-01", m);
    assert_string_equal(m, "2030-12");
    assert_int_equal(azk_sup__month("2031-13", &s, &e), AZK_ERR_ARG);
    assert_int_equal(azk_sup__month("2031-1", &s, &e), AZK_ERR_ARG);
    assert_int_equal(azk_sup__month("2031-01x", &s, &e), AZK_ERR_ARG);
    assert_int_equal(azk_sup__month("+031-01", &s, &e), AZK_ERR_ARG);
}

static void test_supervision__expiry(void **state)
{
    char out[16];
    (void)state;
    azk_training__expiry("2030-01-05", 365, out);
    assert_string_equal(out, "2031-01-05");
    azk_training__expiry("", 365, out);
    assert_string_equal(out, "");
    azk_training__expiry("not a date", 365, out);
    assert_string_equal(out, "");
}

static void test_supervision__check_bad_input(void **state)
{
    static const char *const bad[] = {
        "",
        "{",
        "[]",
        "{\"report\":{}}",
        "{\"report\":{\"type\":\"azukari monthly report\"},\"signature\":{}}",
        "{\"report\":{\"type\":\"azukari monthly report\",\"version\":1,\"client\":\"c\","
        "\"month\":\"2031-13\"},\"signature\":{}}",
        "{\"report\":{\"type\":\"x\",\"type\":\"azukari monthly report\"},\"signature\":{}}",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(azk_monthly_report_check(bad[i], strlen(bad[i])), AZK_ERR_FORMAT);
}

static void write_conf(const struct fixture *f, const char *text)
{
    char p[160];
    FILE *c;
    snprintf(p, sizeof(p), "%s/azukari.conf", f->home);
    c = fopen(p, "w");
    assert_non_null(c);
    fputs(text, c);
    fclose(c);
}

static uint64_t ledger_size(const struct fixture *f)
{
    azk_audit *a = NULL;
    uint64_t n;
    assert_int_equal(azk_audit_open(&a, f->home, AZK_AUDIT_OPEN_READONLY, NULL), AZK_OK);
    n = azk_audit_size(a);
    azk_audit_close(a);
    return n;
}

static void test_supervision__training_gate(void **state)
{
    struct fixture *f = *state;
    const char *keys[1] = {"open"};
    char b32[64], ev[160], today[16];
    uint64_t before;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(today, sizeof(today), "%Y-%m-%d", &tm);
    snprintf(ev, sizeof(ev), "%s/evidence.txt", f->dir);
    write_conf(f, "{}");
    assert_int_equal(azk_user_add(f->h, "alice", b32), AZK_OK);
    assert_int_equal(azk_user_add(f->h, "bob", b32), AZK_OK);
    assert_int_equal(azk_training_course_add(f->h, "pdh", "personal data", 365), AZK_OK);
    assert_int_equal(azk_training_course_add(f->h, "pdh", "again", 365), AZK_ERR_ARG);
    assert_int_equal(azk_training_course_add(f->h, "x", "zero", 0), AZK_ERR_ARG);
    {
        FILE *e = fopen(ev, "w");
        assert_non_null(e);
        fputs("attendance\n", e);
        fclose(e);
    }
    assert_int_equal(azk_training_complete(f->h, "alice", "pdh", today, ev), AZK_OK);
    assert_int_equal(azk_training_complete(f->h, "bob", "pdh", "2000-01-01", ev), AZK_OK);
    assert_int_equal(azk_training_complete(f->h, "bob", "pdh", "2000-01-01", ev), AZK_ERR_ARG);
    assert_non_null(strstr(azk_error_last()->message, "already recorded"));
    assert_int_equal(azk_training_complete(f->h, "mallory", "pdh", today, ev), AZK_ERR_ARG);
    assert_int_equal(azk_training_complete(f->h, "alice", "nope", today, ev), AZK_ERR_NOTFOUND);
    assert_int_equal(azk_training_complete(f->h, "alice", "pdh", "2999-01-01", ev), AZK_ERR_ARG);
    /* nothing required: everyone passes, nothing written */
    before = ledger_size(f);
    assert_int_equal(azk_training__gate(f->h, "bob", keys, 1, "vault.open", "d1"), AZK_OK);
    assert_int_equal(ledger_size(f), before);
    write_conf(f, "{\"training\": {\"require\": {\"open\": [\"pdh\"]}}}");
    assert_int_equal(azk_training__gate(f->h, "alice", keys, 1, "vault.open", "d1"), AZK_OK);
    /* bob's completion lapsed (2000 is a leap year): refused, and the refusal is a ledger entry */
    assert_int_equal(azk_training__gate(f->h, "bob", keys, 1, "vault.open", "d1"), AZK_ERR_PERM);
    assert_non_null(strstr(azk_error_last()->message, "lapsed on 2000-12-31"));
    assert_int_equal(ledger_size(f), before + 1);
    /* an unknown course or an unreadable configuration refuses (fail closed) */
    write_conf(f, "{\"training\": {\"require\": {\"open\": [\"nosuch\"]}}}");
    assert_int_equal(azk_training__gate(f->h, "alice", keys, 1, "vault.open", "d1"), AZK_ERR_PERM);
    write_conf(f, "{\"training\": ");
    assert_int_not_equal(azk_training__gate(f->h, "alice", keys, 1, "vault.open", "d1"), AZK_OK);
    write_conf(f, "{}");
}

static void test_supervision__checkpoint_at(void **state)
{
    struct fixture *f = *state;
    azk_audit *a = NULL;
    char *note = NULL;
    azk_audit_checkpoint_info cp;
    uint64_t n;
    assert_int_equal(azk_client_add(f->h, "c1", ""), AZK_OK);
    assert_int_equal(azk_audit_open(&a, f->home, 0, NULL), AZK_OK);
    n = azk_audit_size(a);
    assert_true(n >= 2);
    assert_int_equal(azk_audit_checkpoint_at(a, n - 1, &note), AZK_OK);
    assert_int_equal(azk_audit_checkpoint_open(note, strlen(note), azk_audit_vkey(a), &cp), AZK_OK);
    assert_int_equal(cp.size, n - 1);
    azk_audit_free(note);
    note = NULL;
    assert_int_equal(azk_audit_checkpoint_at(a, n + 1, &note), AZK_ERR_ARG);
    assert_null(note);
    azk_audit_close(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_supervision__month),
        cmocka_unit_test(test_supervision__expiry),
        cmocka_unit_test(test_supervision__check_bad_input),
        cmocka_unit_test_setup_teardown(test_supervision__training_gate, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supervision__checkpoint_at, setup, teardown),
        cmocka_unit_test_setup_teardown(test_supervision__zone_findings, setup, teardown),
        cmocka_unit_test(test_supervision__supersedes),
        cmocka_unit_test(test_supervision__html_withheld),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
