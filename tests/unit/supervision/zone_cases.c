/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/supervision/zone_cases.c -- the monthly report's section
 * "entrusted records found outside the closed zone" from the agents'
 * tables: objects and records of the client in the month, cases opened,
 * quarantined and still open at the month's end, another client's and
 * closed-zone findings left out, and no file name in the report; and the
 * rule by which a second report of a month supersedes the first.
 * Run by test_supervision.c (one executable per module).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "azukari/supervision.h"
#include "store/agents.h"
#include "store/store.h"
#include "supervision/sup_int.h"
#include "zone_cases.h"

/* 2031-01-10 and 2031-02-10 (UTC) */
#define JAN10 1925769600
#define FEB10 1928448000

static void enrol(azk_home *h, const char *id, const char *zone)
{
    struct azk_store_event ev = {.action = "agent.test", .object = id};
    struct azk_store_agent_new a = {.id = id, .host = "host", .serial = id};
    char grp[64], z[16], tok[32];
    bool taken = false;
    snprintf(tok, sizeof(tok), "tok-%s", id);
    a.not_before = JAN10 - 86400;
    a.not_after = FEB10 + 86400;
    assert_int_equal(azk_store__agent_token_insert(h, tok, "g", zone, JAN10 - 100, FEB10, &ev),
                     AZK_OK);
    assert_int_equal(azk_store__agent_enroll(h, tok, JAN10 - 50, &a, &ev, &taken, grp, z), AZK_OK);
    assert_true(taken);
}

static void batch(azk_home *h, const char *agent, const char *id, int64_t at, bool cases,
                  const struct azk_store_agent_object *o, size_t n)
{
    struct azk_store_event ev = {.action = "agent.batch", .object = id};
    int64_t nc = 0;
    bool dup = false;
    assert_int_equal(
        azk_store__agent_batch_ingest(h, id, agent, at, at, 0, o, n, &ev, cases, &nc, &dup),
        AZK_OK);
    assert_false(dup);
}

void test_supervision__zone_findings(void **state)
{
    azk_home *h = ((struct fixture *)*state)->h;
    static const struct azk_store_agent_object jan[] = {
        {"/home/u/顧客一覧-山田.csv", 10, 1, "csv", "{}", "[]",
         "[{\"client\":\"c1\",\"dataset\":\"d1\",\"records\":5}]", 5, 900, NULL},
        {"/home/u/other.csv", 10, 1, "csv", "{}", "[]",
         "[{\"client\":\"c2\",\"dataset\":\"d9\",\"records\":3}]", 3, 900, NULL},
        {"/home/u/both.xlsx", 10, 1, "xlsx", "{}", "[]",
         "[{\"client\":\"c1\",\"dataset\":\"d1\",\"records\":2},"
         "{\"client\":\"c2\",\"dataset\":\"d9\",\"records\":1}]",
         3, 900, NULL},
        {"/home/u/clean.txt", 10, 1, "txt", "{}", "[]", "[]", 0, 100, NULL},
    };
    static const struct azk_store_agent_object feb[] = {
        {"/home/u/feb.csv", 10, 1, "csv", "{}", "[]",
         "[{\"client\":\"c1\",\"dataset\":\"d1\",\"records\":7}]", 7, 900, NULL},
    };
    struct azk_store_event ev = {.action = "agent.case.test"};
    azk_monthly_report_options o = AZK_MONTHLY_REPORT_OPTIONS_INIT;
    char *doc = NULL;
    bool changed = false;
    json_t *d, *z, *c, *items;
    json_error_t jerr;

    assert_int_equal(azk_client_add(h, "c1", ""), AZK_OK);
    assert_int_equal(azk_client_add(h, "c2", ""), AZK_OK);
    enrol(h, "ag-gen", "general");
    enrol(h, "ag-closed", "closed");
    batch(h, "ag-gen", "b-jan", JAN10, true, jan, 4);
    batch(h, "ag-closed", "b-closed", JAN10, false, jan, 1); /* inside the zone: not a finding */
    batch(h, "ag-gen", "b-feb", FEB10, true, feb, 1);        /* after the month */
    /* the first object's case quarantined in January (two people), the third stays open */
    ev.object = "case-b-jan-0";
    assert_int_equal(azk_store__agent_case_request(h, "case-b-jan-0", "alice", "quarantine",
                                                   "found on a desktop", JAN10 + 60, &ev),
                     AZK_OK);
    assert_int_equal(azk_store__agent_case_approve(h, "case-b-jan-0", "bob", JAN10 + 120, &ev),
                     AZK_OK);
    assert_int_equal(azk_store__agent_case_done(h, "case-b-jan-0", "ag-gen", "quarantined",
                                                JAN10 + 180, &ev, &changed),
                     AZK_OK);
    assert_true(changed);
    /* destroyed in February: still quarantined at January's end */
    assert_int_equal(
        azk_store__agent_case_request(h, "case-b-jan-0", "alice", "destroy", "policy", FEB10, &ev),
        AZK_OK);
    assert_int_equal(azk_store__agent_case_approve(h, "case-b-jan-0", "bob", FEB10 + 60, &ev),
                     AZK_OK);
    assert_int_equal(azk_store__agent_case_done(h, "case-b-jan-0", "ag-gen", "destroyed",
                                                FEB10 + 120, &ev, &changed),
                     AZK_OK);

    o.client = "c1";
    o.month = "2031-01";
    o.now = FEB10 + 86400 * 2;
    assert_int_equal(azk_monthly_report(h, &o, &doc), AZK_OK);
    /* no file name of entrusted data, no path */
    assert_null(strstr(doc, "顧客一覧"));
    assert_null(strstr(doc, "/home/u"));
    d = json_loads(doc, 0, &jerr);
    assert_non_null(d);
    z = json_object_get(json_object_get(d, "report"), "zone_findings");
    assert_string_equal(json_string_value(json_object_get(z, "source")), "agents");
    assert_int_equal(json_integer_value(json_object_get(z, "objects")), 2);
    assert_int_equal(json_integer_value(json_object_get(z, "records")), 7);
    c = json_object_get(z, "cases");
    assert_int_equal(json_integer_value(json_object_get(c, "opened")), 2);
    assert_int_equal(json_integer_value(json_object_get(c, "quarantined")), 1);
    assert_int_equal(json_integer_value(json_object_get(c, "destroyed")), 0);
    assert_int_equal(json_integer_value(json_object_get(c, "open_at_month_end")), 1);
    assert_int_equal(json_integer_value(json_object_get(c, "quarantined_at_month_end")), 1);
    items = json_object_get(z, "items");
    assert_int_equal(json_array_size(items), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "case")),
                        "case-b-jan-0");
    assert_string_equal(json_string_value(json_object_get(json_array_get(items, 0), "state")),
                        "quarantined");
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(json_object_get(d, "report"), "summary"),
                                           "zone_unresolved")),
        2);
    json_decref(d);
    azk_supervision_free(doc);
    doc = NULL;
    /* February: one object found, the January case destroyed, the open one still open */
    o.month = "2031-02";
    o.now = FEB10 + 86400 * 30;
    assert_int_equal(azk_monthly_report(h, &o, &doc), AZK_OK);
    d = json_loads(doc, 0, &jerr);
    z = json_object_get(json_object_get(d, "report"), "zone_findings");
    c = json_object_get(z, "cases");
    assert_int_equal(json_integer_value(json_object_get(z, "objects")), 1);
    assert_int_equal(json_integer_value(json_object_get(c, "opened")), 1);
    assert_int_equal(json_integer_value(json_object_get(c, "destroyed")), 1);
    assert_int_equal(json_integer_value(json_object_get(c, "open_at_month_end")), 2);
    assert_int_equal(json_integer_value(json_object_get(c, "quarantined_at_month_end")), 0);
    json_decref(d);
    azk_supervision_free(doc);
}

/* A second report of a month supersedes the first only by a higher revision that adds
 * certificates (supervision/supersede.c); anything else is "different content". */
void test_supervision__supersedes(void **state)
{
    static const char old_t[] =
        "{\"month\":\"2031-01\",\"client\":\"c1\",\"revision\":1,\"generated_at\":\"t1\","
        "\"summary\":{\"deleted\":2},\"deleted\":[{\"dataset\":\"d1\",\"certificate_id\":\"DC-1\"},"
        "{\"dataset\":\"d2\",\"certificate_id\":null}],"
        "\"certificates\":[{\"certificate\":{\"certificate_id\":\"DC-1\",\"x\":1}}]}";
    static const char new_t[] =
        "{\"month\":\"2031-01\",\"client\":\"c1\",\"revision\":2,\"generated_at\":\"t2\","
        "\"summary\":{\"deleted\":2},\"deleted\":[{\"dataset\":\"d1\",\"certificate_id\":\"DC-1\"},"
        "{\"dataset\":\"d2\",\"certificate_id\":\"DC-2\"}],"
        "\"certificates\":[{\"certificate\":{\"certificate_id\":\"DC-1\",\"x\":1}},"
        "{\"certificate\":{\"certificate_id\":\"DC-2\",\"x\":2}}]}";
    json_error_t jerr;
    json_t *o = json_loads(old_t, 0, &jerr), *n = json_loads(new_t, 0, &jerr), *x;
    char why[320];
    (void)state;
    assert_non_null(o);
    assert_non_null(n);
    assert_int_equal(azk_sup__supersedes(o, n, why, sizeof(why)), AZK_OK);
    /* not a higher revision */
    assert_int_equal(azk_sup__supersedes(n, o, why, sizeof(why)), AZK_ERR_INTEGRITY);
    assert_non_null(strstr(why, "needs a higher revision"));
    x = json_deep_copy(n);
    json_object_set_new(x, "revision", json_integer(1));
    assert_int_equal(azk_sup__supersedes(o, x, why, sizeof(why)), AZK_ERR_INTEGRITY);
    json_decref(x);
    /* another number */
    x = json_deep_copy(n);
    json_object_set_new(json_object_get(x, "summary"), "deleted", json_integer(3));
    assert_int_equal(azk_sup__supersedes(o, x, why, sizeof(why)), AZK_ERR_INTEGRITY);
    assert_non_null(strstr(why, "(section summary)"));
    json_decref(x);
    /* a certificate given before dropped, or changed */
    x = json_deep_copy(n);
    json_object_set_new(json_array_get(json_object_get(x, "deleted"), 0), "certificate_id",
                        json_null());
    assert_int_equal(azk_sup__supersedes(o, x, why, sizeof(why)), AZK_ERR_INTEGRITY);
    assert_non_null(strstr(why, "drops or changes certificate DC-1"));
    json_decref(x);
    x = json_deep_copy(n);
    json_object_set_new(
        json_object_get(json_array_get(json_object_get(x, "certificates"), 0), "certificate"), "x",
        json_integer(9));
    assert_int_equal(azk_sup__supersedes(o, x, why, sizeof(why)), AZK_ERR_INTEGRITY);
    json_decref(x);
    /* a deletion added or removed is more than certificates */
    x = json_deep_copy(n);
    json_array_remove(json_object_get(x, "deleted"), 1);
    assert_int_equal(azk_sup__supersedes(o, x, why, sizeof(why)), AZK_ERR_INTEGRITY);
    assert_non_null(strstr(why, "(section deleted)"));
    json_decref(x);
    json_decref(o);
    json_decref(n);
}

/* A deletion whose certificate was withheld (old format) is named on the page with why. */
void test_supervision__html_withheld(void **state)
{
    static const char doc[] =
        "{\"report\":{\"client\":\"c1\",\"month\":\"2031-01\",\"summary\":{},\"ledger\":{},"
        "\"deleted\":[{\"dataset\":\"d1\",\"deleted_at\":\"2031-01-21T02:00:00Z\","
        "\"certificate_withheld\":\"DC-d1-0001\"}]},\"signature\":{}}";
    char *html = NULL;
    (void)state;
    assert_int_equal(azk_monthly_report_html(doc, strlen(doc), "ja", &html), AZK_OK);
    assert_non_null(strstr(html, "DC-d1-0001 （旧形式の証明書"));
    azk_supervision_free(html);
    assert_int_equal(azk_monthly_report_html(doc, strlen(doc), "en", &html), AZK_OK);
    assert_non_null(strstr(html, "DC-d1-0001 (old-format certificate"));
    azk_supervision_free(html);
}
