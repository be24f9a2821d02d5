/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/sup_reports/test_sup_reports.c -- the monthly reports a
 * contractor keeps (supervision/report_keep.c, store/sup_reports.c): a
 * generated report is kept byte for byte with its SHA-256 and actor, every
 * generation is kept and the newest is read back, lists filter by client and
 * month, bad arguments and a month without report are refused clearly, and
 * nothing is kept when the generation is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include <sodium.h>

#include "azukari/catalog.h"
#include "azukari/supervision.h"
#include "store/sup_reports.h"

static char g_dir[64];
static azk_home *g_h;
static char g_month[8], g_next[8];
static int64_t g_now; /* a faked "now" in the next month: this month is over */

static int group_setup(void **state)
{
    char home[128];
    time_t t = time(NULL);
    struct tm tm;
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/azk-suprep-XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return -1;
    snprintf(home, sizeof(home), "%s/home", g_dir);
    if (azk_home_init(home, NULL) != AZK_OK || azk_home_open(&g_h, home, NULL, 0) != AZK_OK)
        return -1;
    if (azk_client_add(g_h, "c1", "") != AZK_OK || azk_client_add(g_h, "c2", "") != AZK_OK)
        return -1;
    gmtime_r(&t, &tm);
    strftime(g_month, sizeof(g_month), "%Y-%m", &tm);
    tm.tm_mon += 1;
    tm.tm_mday = 2;
    g_now = (int64_t)timegm(&tm);
    t = (time_t)g_now;
    gmtime_r(&t, &tm);
    strftime(g_next, sizeof(g_next), "%Y-%m", &tm);
    return 0;
}

static int group_teardown(void **state)
{
    char cmd[128];
    (void)state;
    azk_home_close(g_h);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

struct seen {
    int n;
    char client[8][16], month[8][8], sha[8][72], by[8][72];
};

static azk_status seen_cb(const azk_monthly_report_info *r, void *p)
{
    struct seen *s = p;
    if (s->n < 8) {
        snprintf(s->client[s->n], 16, "%s", r->client);
        snprintf(s->month[s->n], 8, "%s", r->month);
        snprintf(s->sha[s->n], 72, "%s", r->sha256);
        snprintf(s->by[s->n], 72, "%s", r->generated_by);
    }
    s->n++;
    return AZK_OK;
}

static void sha_hex(const char *s, char out[65])
{
    uint8_t md[32];
    crypto_hash_sha256(md, (const uint8_t *)s, strlen(s));
    sodium_bin2hex(out, 65, md, sizeof(md));
}

static void test_sup_reports__keep_list_get(void **state)
{
    azk_monthly_report_options o = AZK_MONTHLY_REPORT_OPTIONS_INIT;
    char *doc = NULL, *doc2 = NULL, *back = NULL, hex[65];
    struct seen s;
    (void)state;
    o.client = "c1";
    o.month = g_month;
    o.now = g_now;
    assert_int_equal(azk_home_set_actor(g_h, "tester"), AZK_OK);
    assert_int_equal(azk_monthly_report_keep(g_h, &o, &doc), AZK_OK);
    assert_non_null(strstr(doc, "\"signature\""));
    /* read back byte for byte */
    assert_int_equal(azk_monthly_report_kept_get(g_h, "c1", g_month, &back), AZK_OK);
    assert_true(strcmp(back, doc) == 0);
    azk_supervision_free(back);
    back = NULL;
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_monthly_report_kept(g_h, NULL, NULL, seen_cb, &s), AZK_OK);
    assert_int_equal(s.n, 1);
    sha_hex(doc, hex);
    assert_string_equal(s.sha[0], hex);
    assert_string_equal(s.by[0], "tester");
    /* a second generation is kept too; the newest is "the" report */
    o.now = g_now + 60;
    assert_int_equal(azk_monthly_report_keep(g_h, &o, &doc2), AZK_OK);
    assert_true(strcmp(doc, doc2) != 0);
    assert_int_equal(azk_monthly_report_kept_get(g_h, "c1", g_month, &back), AZK_OK);
    assert_true(strcmp(back, doc2) == 0);
    azk_supervision_free(back);
    /* c2's report; filters */
    o.client = "c2";
    assert_int_equal(azk_monthly_report_keep(g_h, &o, NULL), AZK_OK);
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_monthly_report_kept(g_h, "c2", NULL, seen_cb, &s), AZK_OK);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.client[0], "c2");
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_monthly_report_kept(g_h, NULL, g_month, seen_cb, &s), AZK_OK);
    assert_int_equal(s.n, 3);
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_monthly_report_kept(g_h, NULL, "1999-01", seen_cb, &s), AZK_OK);
    assert_int_equal(s.n, 0);
    azk_supervision_free(doc);
    azk_supervision_free(doc2);
}

static void test_sup_reports__refusals(void **state)
{
    azk_monthly_report_options o = AZK_MONTHLY_REPORT_OPTIONS_INIT;
    char *doc = (char *)"x";
    struct seen s;
    int before;
    (void)state;
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_monthly_report_kept(g_h, NULL, NULL, seen_cb, &s), AZK_OK);
    before = s.n;
    /* the month is not over: refused, nothing kept */
    o.client = "c1";
    o.month = g_next;
    o.now = g_now;
    assert_int_equal(azk_monthly_report_keep(g_h, &o, &doc), AZK_ERR_ARG);
    assert_null(doc);
    /* an unknown client */
    o.month = g_month;
    o.client = "nope";
    assert_int_not_equal(azk_monthly_report_keep(g_h, &o, NULL), AZK_OK);
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_monthly_report_kept(g_h, NULL, NULL, seen_cb, &s), AZK_OK);
    assert_int_equal(s.n, before);
    /* no report for that month; bad arguments */
    assert_int_equal(azk_monthly_report_kept_get(g_h, "c1", "1999-01", &doc), AZK_ERR_NOTFOUND);
    assert_null(doc);
    assert_int_equal(azk_monthly_report_kept_get(g_h, "c1", "1999-13", &doc), AZK_ERR_ARG);
    assert_int_equal(azk_monthly_report_kept_get(g_h, "c1", "x", &doc), AZK_ERR_ARG);
    assert_int_equal(azk_monthly_report_kept_get(g_h, "../c1", g_month, &doc), AZK_ERR_ARG);
    assert_int_equal(azk_monthly_report_kept(g_h, NULL, "2026-1", seen_cb, &s), AZK_ERR_ARG);
    assert_int_equal(azk_monthly_report_kept(g_h, "a b", NULL, seen_cb, &s), AZK_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sup_reports__keep_list_get),
        cmocka_unit_test(test_sup_reports__refusals),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
