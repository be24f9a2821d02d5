/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/vendor/test_vendor.c -- vendor management: the corporate
 * number (check digit, full-width digits, length), month arithmetic of
 * audit schedules, the template and answers formats (unknown fields named
 * with their path, kinds, duplicate ids, required evidence), the register
 * through the API (cycles refused inside the transaction, nothing written
 * for a refused change, every change a ledger entry), flags (missing
 * clauses, overdue finding), signed documents (another key, altered body).
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

#include <jansson.h>

#include "vendor/vendor_int.h"
#include "retention/sign.h"
#include "azukari/audit.h"
#include "bundle_reports.h"

struct fixture {
    char dir[64];
    char home[128];
    azk_home *h;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/azk-vendor-XXXXXX");
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

static void test_vendor__corporate_number(void **state)
{
    char out[14];
    (void)state;
    assert_int_equal(azk_vendor__corporate_number("5010001008813", out), AZK_OK);
    assert_string_equal(out, "5010001008813");
    /* full-width digits and separators */
    assert_int_equal(azk_vendor__corporate_number("５０１０-００１-００８８１３", out), AZK_OK);
    assert_string_equal(out, "5010001008813");
    /* check digit wrong */
    assert_int_equal(azk_vendor__corporate_number("5010001008814", out), AZK_ERR_ARG);
    assert_non_null(strstr(azk_error_last()->message, "check digit"));
    /* length, letters */
    assert_int_equal(azk_vendor__corporate_number("501000100881", out), AZK_ERR_ARG);
    assert_int_equal(azk_vendor__corporate_number("50100010088131", out), AZK_ERR_ARG);
    assert_int_equal(azk_vendor__corporate_number("T5010001008813", out), AZK_ERR_ARG);
    assert_int_equal(azk_vendor__corporate_number("", out), AZK_ERR_ARG);
}

static void test_vendor__months(void **state)
{
    char out[16];
    (void)state;
    azk_vendor__add_months("2026-01-31", 1, out);
    assert_string_equal(out, "2026-02-28");
    azk_vendor__add_months("2027-11-30", 3, out);
    assert_string_equal(out, "2028-02-29");
    azk_vendor__add_months("2026-03-10", 12, out);
    assert_string_equal(out, "2027-03-10");
    assert_true(azk_vendor__date_ok("2028-02-29"));
    assert_false(azk_vendor__date_ok("2026-02-29"));
    assert_false(azk_vendor__date_ok("2026-1-01"));
}

#define TMPL_HEAD                                                                                  \
    "{\"format\":\"azukari-vendor-template\",\"format_version\":1,\"id\":\"t1\",\"revision\":1,"   \
    "\"title\":\"T\",\"sections\":[{\"id\":\"s\",\"category\":\"technical\",\"title\":\"S\","      \
    "\"questions\":["

static azk_status parse_tmpl(const char *questions, json_t **out)
{
    char buf[2048];
    snprintf(buf, sizeof(buf), TMPL_HEAD "%s]}]}", questions);
    return azk_vendor__template_parse(buf, strlen(buf), out);
}

static void test_vendor__template_format(void **state)
{
    json_t *t = NULL;
    char buf[1024];
    (void)state;
    assert_int_equal(parse_tmpl("{\"id\":\"q1\",\"text\":\"x\",\"kind\":\"yesno\"}", &t), AZK_OK);
    json_decref(t);
    /* an unknown field is refused with its path and name */
    assert_int_equal(
        parse_tmpl("{\"id\":\"q1\",\"text\":\"x\",\"kind\":\"yesno\",\"wieght\":2}", &t),
        AZK_ERR_FORMAT);
    assert_null(t);
    assert_string_equal(azk_error_last()->message,
                        "template: $.sections[0].questions[0]: unknown field \"wieght\"");
    snprintf(buf, sizeof(buf), "{\"format\":\"azukari-vendor-template\",\"extra\":1}");
    assert_int_equal(azk_vendor__template_parse(buf, strlen(buf), &t), AZK_ERR_FORMAT);
    assert_non_null(strstr(azk_error_last()->message, "$: unknown field \"extra\""));
    /* duplicate question id, bad kind, choices without kind choice, weight range */
    assert_int_equal(parse_tmpl("{\"id\":\"q\",\"text\":\"x\",\"kind\":\"yesno\"},"
                                "{\"id\":\"q\",\"text\":\"y\",\"kind\":\"yesno\"}",
                                &t),
                     AZK_ERR_FORMAT);
    assert_non_null(strstr(azk_error_last()->message, "used twice"));
    assert_int_equal(parse_tmpl("{\"id\":\"q\",\"text\":\"x\",\"kind\":\"essay\"}", &t),
                     AZK_ERR_FORMAT);
    assert_int_equal(
        parse_tmpl("{\"id\":\"q\",\"text\":\"x\",\"kind\":\"yesno\",\"choices\":[\"a\",\"b\"]}",
                   &t),
        AZK_ERR_FORMAT);
    assert_int_equal(
        parse_tmpl("{\"id\":\"q\",\"text\":\"x\",\"kind\":\"yesno\",\"weight\":11}", &t),
        AZK_ERR_FORMAT);
    /* not JSON: position only, no text of the file */
    assert_int_equal(azk_vendor__template_parse("{\"format\": secret", 18, &t), AZK_ERR_FORMAT);
    assert_null(strstr(azk_error_last()->message, "secret"));
}

static void test_vendor__answers_format(void **state)
{
    json_t *t = NULL, *a = NULL;
    char buf[1024];
    (void)state;
    assert_int_equal(parse_tmpl("{\"id\":\"q1\",\"text\":\"x\",\"kind\":\"yesno\","
                                "\"evidence\":\"required\"},"
                                "{\"id\":\"q2\",\"text\":\"x\",\"kind\":\"choice\","
                                "\"choices\":[\"a\",\"b\"]},"
                                "{\"id\":\"q3\",\"text\":\"x\",\"kind\":\"date\"}",
                                &t),
                     AZK_OK);
#define ANS(body)                                                                                  \
    snprintf(buf, sizeof(buf),                                                                     \
             "{\"format\":\"azukari-vendor-answers\",\"format_version\":1,"                        \
             "\"questionnaire\":\"q\",\"answers\":[%s]}",                                          \
             body)
    ANS("{\"question\":\"q1\",\"answer\":\"yes\",\"evidence\":[{\"file\":\"e.pdf\","
        "\"effective\":\"2026-01-01\",\"expires\":\"2027-01-01\"}]},"
        "{\"question\":\"q2\",\"answer\":\"b\"},{\"question\":\"q3\",\"answer\":\"2026-02-03\"}");
    assert_int_equal(azk_vendor__answers_parse(buf, strlen(buf), t, &a), AZK_OK);
    json_decref(a);
    ANS("{\"question\":\"q1\",\"answer\":\"yes\"}");
    assert_int_equal(azk_vendor__answers_parse(buf, strlen(buf), t, &a), AZK_ERR_FORMAT);
    assert_non_null(strstr(azk_error_last()->message, "requires evidence"));
    ANS("{\"question\":\"q2\",\"answer\":\"c\"}");
    assert_int_equal(azk_vendor__answers_parse(buf, strlen(buf), t, &a), AZK_ERR_FORMAT);
    ANS("{\"question\":\"q9\",\"answer\":\"yes\"}");
    assert_int_equal(azk_vendor__answers_parse(buf, strlen(buf), t, &a), AZK_ERR_FORMAT);
    assert_non_null(strstr(azk_error_last()->message, "no such question"));
    ANS("{\"question\":\"q3\",\"answer\":\"2026-02-03\",\"commnet\":\"typo\"}");
    assert_int_equal(azk_vendor__answers_parse(buf, strlen(buf), t, &a), AZK_ERR_FORMAT);
    assert_non_null(strstr(azk_error_last()->message, "$.answers[0]: unknown field \"commnet\""));
    ANS("{\"question\":\"q3\",\"answer\":\"2026-02-03\"},{\"question\":\"q3\",\"answer\":\"n/a\"}");
    assert_int_equal(azk_vendor__answers_parse(buf, strlen(buf), t, &a), AZK_ERR_FORMAT);
    /* evidence path escaping the answers directory */
    ANS("{\"question\":\"q1\",\"answer\":\"no\",\"evidence\":[{\"file\":\"../x\","
        "\"effective\":\"2026-01-01\"}]}");
    assert_int_equal(azk_vendor__answers_parse(buf, strlen(buf), t, &a), AZK_ERR_FORMAT);
    /* expiry before effective */
    ANS("{\"question\":\"q1\",\"answer\":\"yes\",\"evidence\":[{\"file\":\"e\","
        "\"effective\":\"2026-01-01\",\"expires\":\"2025-01-01\"}]}");
    assert_int_equal(azk_vendor__answers_parse(buf, strlen(buf), t, &a), AZK_ERR_FORMAT);
#undef ANS
    json_decref(t);
}

struct counter {
    uint64_t n;
};

static uint64_t ledger_size(const char *home)
{
    azk_audit *a = NULL;
    uint64_t n;
    assert_int_equal(azk_audit_open(&a, home, AZK_AUDIT_OPEN_READONLY, NULL), AZK_OK);
    n = azk_audit_size(a);
    azk_audit_close(a);
    return n;
}

static void add_vendor(azk_home *h, const char *id, const char *corp)
{
    azk_vendor_fields f = AZK_VENDOR_FIELDS_INIT;
    f.name = "株式会社テスト";
    f.corporate_number = corp;
    assert_int_equal(azk_vendor_add(h, id, &f), AZK_OK);
}

static void test_vendor__register(void **state)
{
    struct fixture *f = *state;
    azk_vendor_fields v = AZK_VENDOR_FIELDS_INIT;
    uint64_t before;
    char *out = NULL;
    add_vendor(f->h, "a", "5010001008813");
    add_vendor(f->h, "b", "8700110005901");
    add_vendor(f->h, "c", "7123456789012");
    /* a bad corporate number writes nothing: no vendor, no ledger entry */
    before = ledger_size(f->home);
    v.name = "x";
    v.corporate_number = "7123456789013";
    assert_int_equal(azk_vendor_add(f->h, "d", &v), AZK_ERR_ARG);
    assert_int_equal(azk_vendor__must_exist(f->h, "d"), AZK_ERR_NOTFOUND);
    assert_int_equal(ledger_size(f->home), before);
    /* duplicate */
    v.corporate_number = "7123456789012";
    assert_int_equal(azk_vendor_add(f->h, "a", &v), AZK_ERR_ARG);
    /* the chain a -> b -> c; c -> a would close a cycle */
    assert_int_equal(azk_vendor_sub_add(f->h, "a", "b", "封入"), AZK_OK);
    assert_int_equal(azk_vendor_sub_add(f->h, "b", "c", "発送"), AZK_OK);
    before = ledger_size(f->home);
    assert_int_equal(azk_vendor_sub_add(f->h, "c", "a", "x"), AZK_ERR_ARG);
    assert_non_null(strstr(azk_error_last()->message, "cycle"));
    assert_non_null(strstr(azk_error_last()->message, "a -> b -> c"));
    assert_int_equal(azk_vendor_sub_add(f->h, "a", "a", "x"), AZK_ERR_ARG);
    assert_int_equal(ledger_size(f->home), before); /* the refused change left nothing */
    assert_int_equal(azk_vendor_sub_add(f->h, "a", "nobody", "x"), AZK_ERR_NOTFOUND);
    /* once b -> c is removed, c -> a is no cycle */
    assert_int_equal(azk_vendor_sub_remove(f->h, "b", "c"), AZK_OK);
    assert_int_equal(azk_vendor_sub_add(f->h, "c", "a", "x"), AZK_OK);
    assert_int_equal(ledger_size(f->home), before + 2);
    /* keys: fingerprints; a certificate key must be azukari-cert+ */
    assert_int_equal(azk_vendor_key_set(f->h, "a", "report", "rep+AAAA", NULL), AZK_ERR_ARG);
    assert_int_equal(azk_vendor_key_set(f->h, "a", "certificate",
                                        "other+0gYiBdvlaOAuLaooAoWYwCsAMS4GTzmtR//pX8tFMQM=", NULL),
                     AZK_ERR_ARG);
    {
        char fp[72];
        assert_int_equal(
            azk_vendor_key_set(f->h, "a", "certificate",
                               "azukari-cert+0gYiBdvlaOAuLaooAoWYwCsAMS4GTzmtR//pX8tFMQM=", fp),
            AZK_OK);
        assert_int_equal(strncmp(fp, "SHA256:", 7), 0);
        assert_int_equal(strlen(fp), 7 + 64);
    }
    /* flags: no contract, missing clauses; then an overdue finding */
    assert_int_equal(azk_vendor_contract_set(f->h, "a", "C-1", "2026-01-10", "2025-01-01"),
                     AZK_ERR_ARG);
    assert_int_equal(azk_vendor_contract_set(f->h, "a", "C-1", "2026-01-10", NULL), AZK_OK);
    for (size_t i = 0; azk_vendor__clauses[i] != NULL; i++)
        if (i != 2)
            assert_int_equal(azk_vendor_clause_set(f->h, "a", azk_vendor__clauses[i], "agreed",
                                                   "2026-01-10", NULL),
                             AZK_OK);
    assert_int_equal(azk_vendor_clause_set(f->h, "a", "re-entrustment", "agreed", NULL, NULL),
                     AZK_ERR_ARG); /* agreed needs its date */
    assert_int_equal(
        azk_vendor_finding_add(f->h, "a", NULL, "ログ規程", "high", "担当A", "2026-05-01", NULL),
        AZK_OK);
    assert_int_equal(azk_vendor_view(f->h, AZK_VENDOR_VIEW_SHOW, "a", "2026-06-01", 0,
                                     AZK_VENDOR_FMT_JSON, &out),
                     AZK_OK);
    assert_non_null(strstr(out, "\"subject\": \"re-entrustment\""));
    assert_null(strstr(out, "\"subject\": \"named-handlers\""));
    assert_non_null(strstr(out, "finding-overdue"));
    assert_null(strstr(out, "contract-missing"));
    azk_vendor_free(out);
    /* the same finding is not overdue on its due date */
    assert_int_equal(azk_vendor_view(f->h, AZK_VENDOR_VIEW_SHOW, "a", "2026-05-01", 0,
                                     AZK_VENDOR_FMT_JSON, &out),
                     AZK_OK);
    assert_null(strstr(out, "finding-overdue"));
    azk_vendor_free(out);
}

/* The keys, ratings, schedules and chain that serve's register page changes (session 6). */
static void test_vendor__register_serve(void **state)
{
    struct fixture *f = *state;
    static const char k1[] = "azukari-cert+0gYiBdvlaOAuLaooAoWYwCsAMS4GTzmtR//pX8tFMQM=";
    static const char k2[] = "azukari-cert+AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA=";
    char fp[72] = "", fp2[72] = "";
    uint64_t before;
    char *out = NULL;
    json_t *v;
    add_vendor(f->h, "a", "5010001008813");
    add_vendor(f->h, "b", "8700110005901");
    add_vendor(f->h, "c", "7123456789012");
    /* keys: the same key twice refused, nothing written; a new one retires the old */
    assert_int_equal(azk_vendor_key_set(f->h, "a", "report", k1, fp), AZK_OK);
    before = ledger_size(f->home);
    assert_int_equal(azk_vendor_key_set(f->h, "a", "report", k1, NULL), AZK_ERR_ARG);
    assert_non_null(strstr(azk_error_last()->message, "already the report key"));
    assert_int_equal(ledger_size(f->home), before);
    assert_int_equal(azk_vendor_key_set(f->h, "a", "report", k2, fp2), AZK_OK);
    /* the replaced key never comes back; the same key for another purpose is another record */
    assert_int_equal(azk_vendor_key_set(f->h, "a", "report", k1, NULL), AZK_ERR_ARG);
    assert_non_null(strstr(azk_error_last()->message, "retired"));
    assert_int_equal(azk_vendor_key_set(f->h, "a", "certificate", k1, NULL), AZK_OK);
    /* retire: reason required, unknown purpose / vendor / no key refused */
    assert_int_equal(azk_vendor_key_retire(f->h, "a", "report", "", NULL), AZK_ERR_ARG);
    assert_int_equal(azk_vendor_key_retire(f->h, "a", "nope", "r", NULL), AZK_ERR_ARG);
    assert_int_equal(azk_vendor_key_retire(f->h, "zz", "report", "r", NULL), AZK_ERR_NOTFOUND);
    assert_int_equal(azk_vendor_key_retire(f->h, "a", "ledger", "r", NULL), AZK_ERR_NOTFOUND);
    before = ledger_size(f->home);
    assert_int_equal(azk_vendor_key_retire(f->h, "a", "report", "漏えいの疑い", fp), AZK_OK);
    assert_string_equal(fp, fp2);
    assert_int_equal(ledger_size(f->home), before + 1);
    assert_int_equal(azk_vendor_key_set(f->h, "a", "report", k2, NULL), AZK_ERR_ARG);
    /* one key, one vendor: a's key (current or retired, any purpose) refused for b, the
     * message names a, nothing written (regression: it was taken) */
    before = ledger_size(f->home);
    assert_int_equal(azk_vendor_key_set(f->h, "b", "certificate", k1, NULL), AZK_ERR_ARG);
    assert_non_null(strstr(azk_error_last()->message, "registered for vendor a"));
    assert_int_equal(azk_vendor_key_set(f->h, "b", "report", k1, NULL), AZK_ERR_ARG);
    assert_int_equal(azk_vendor_key_set(f->h, "b", "report", k2, NULL), AZK_ERR_ARG);
    assert_non_null(strstr(azk_error_last()->message, "registered for vendor a"));
    assert_int_equal(ledger_size(f->home), before);
    {
        char *keys = NULL;
        assert_int_equal(azk_vendor_view(f->h, AZK_VENDOR_VIEW_SHOW, "b", "2026-06-01", 0,
                                         AZK_VENDOR_FMT_JSON, &keys),
                         AZK_OK);
        assert_null(strstr(keys, "SHA256:"));
        azk_vendor_free(keys);
    }
    /* ratings: every one kept, newest first */
    assert_int_equal(azk_vendor_rate(f->h, "a", "high", "初回評価"), AZK_OK);
    assert_int_equal(azk_vendor_rate(f->h, "a", "low", "改善を確認"), AZK_OK);
    assert_int_equal(azk_vendor_rate(f->h, "a", "extreme", "x"), AZK_ERR_ARG);
    /* schedules: set, stop, stop again refused */
    assert_int_equal(azk_vendor_audit_schedule(f->h, "a", "audit", 12, "2020-01-01"), AZK_OK);
    assert_int_equal(azk_vendor_audit_schedule(f->h, "a", "onsite", 6, "2099-01-01"), AZK_OK);
    assert_int_equal(azk_vendor_audit_unschedule(f->h, "a", "onsite"), AZK_OK);
    assert_int_equal(azk_vendor_audit_unschedule(f->h, "a", "onsite"), AZK_ERR_NOTFOUND);
    assert_int_equal(azk_vendor_audit_unschedule(f->h, "a", "party"), AZK_ERR_ARG);
    /* the chain a -> b -> c, each link with its locations */
    {
        const char *locs[] = {"大阪 DC-2"};
        azk_vendor_fields lf = AZK_VENDOR_FIELDS_INIT;
        lf.locations = locs;
        lf.location_count = 1;
        assert_int_equal(azk_vendor_set(f->h, "c", &lf), AZK_OK);
    }
    assert_int_equal(azk_vendor_sub_add(f->h, "a", "b", "封入"), AZK_OK);
    assert_int_equal(azk_vendor_sub_add(f->h, "b", "c", "発送"), AZK_OK);
    assert_int_equal(azk_vendor_view(f->h, AZK_VENDOR_VIEW_SHOW, "a", "2026-06-01", 0,
                                     AZK_VENDOR_FMT_JSON, &out),
                     AZK_OK);
    v = json_loads(out, 0, NULL);
    azk_vendor_free(out);
    assert_non_null(v);
    {
        json_t *ch = json_object_get(v, "chain"), *r = json_object_get(v, "ratings");
        json_t *ret = json_object_get(v, "keys_retired");
        assert_int_equal(json_array_size(ch), 2);
        assert_string_equal(json_string_value(json_object_get(json_array_get(ch, 1), "sub")), "c");
        assert_int_equal(json_integer_value(json_object_get(json_array_get(ch, 1), "depth")), 2);
        assert_string_equal(json_string_value(json_array_get(
                                json_object_get(json_array_get(ch, 1), "locations"), 0)),
                            "大阪 DC-2");
        assert_int_equal(json_array_size(r), 2);
        assert_string_equal(json_string_value(json_object_get(json_array_get(r, 0), "reason")),
                            "改善を確認");
        assert_non_null(json_string_value(json_object_get(json_array_get(r, 0), "rated_by")));
        assert_int_equal(json_array_size(ret), 2); /* k1 replaced, k2 retired */
        assert_int_equal(json_array_size(json_object_get(v, "audit_plans")), 1);
        {
            char *fl = json_dumps(json_object_get(v, "flags"), 0);
            assert_non_null(strstr(fl, "audit-overdue"));
            free(fl); /* jansson's allocator */
        }
    }
    json_decref(v);
    /* the page: the overdue schedule loud, the chain and the history shown */
    assert_int_equal(azk_vendor_view(f->h, AZK_VENDOR_VIEW_SHOW, "a", "2026-06-01", 0,
                                     AZK_VENDOR_FMT_HTML, &out),
                     AZK_OK);
    assert_non_null(strstr(out, "class=\"alarm\""));
    assert_non_null(strstr(out, "<tr class=\"overdue\">"));
    assert_non_null(strstr(out, "再委託の連鎖"));
    assert_non_null(strstr(out, "大阪 DC-2"));
    assert_non_null(strstr(out, "改善を確認"));
    assert_non_null(strstr(out, "漏えいの疑い"));
    azk_vendor_free(out);
}

/* planned ad hoc audits: refusals write nothing; open ones are next dues (overdue after their
 * date) until an audit of that kind is recorded after planning; cancel; text view lists them */
static void test_vendor__adhoc_plan(void **state)
{
    struct fixture *f = *state;
    uint64_t before;
    char *out = NULL, aid[37];
    add_vendor(f->h, "a", "5010001008813");
    before = ledger_size(f->home);
    assert_int_equal(azk_vendor_audit_plan(f->h, "a", "party", "2026-05-01", "x"), AZK_ERR_ARG);
    assert_int_equal(azk_vendor_audit_plan(f->h, "a", "onsite", "2026-02-30", "x"), AZK_ERR_ARG);
    assert_int_equal(azk_vendor_audit_plan(f->h, "a", "onsite", "2026-05-01", ""), AZK_ERR_ARG);
    assert_int_equal(azk_vendor_audit_plan(f->h, "zz", "onsite", "2026-05-01", "x"),
                     AZK_ERR_NOTFOUND);
    assert_int_equal(ledger_size(f->home), before);
    assert_int_equal(azk_vendor_audit_plan(f->h, "a", "onsite", "2026-05-01", "漏えい疑い"),
                     AZK_OK);
    assert_int_equal(ledger_size(f->home), before + 1);
    assert_int_equal(azk_vendor_audit_plan(f->h, "a", "onsite", "2026-05-01", "again"),
                     AZK_ERR_ARG);
    assert_int_equal(ledger_size(f->home), before + 1);
    assert_int_equal(azk_vendor_audit_plan(f->h, "a", "audit", "2026-06-20", "交代"), AZK_OK);
    /* judged on 2026-06-01: the onsite one is overdue, the audit one due within a month */
    assert_int_equal(azk_vendor_view(f->h, AZK_VENDOR_VIEW_SHOW, "a", "2026-06-01", 0,
                                     AZK_VENDOR_FMT_JSON, &out),
                     AZK_OK);
    assert_non_null(strstr(out, "\"audits_planned\""));
    assert_non_null(strstr(out, "audit-overdue"));
    assert_non_null(strstr(out, "audit-due"));
    azk_vendor_free(out);
    assert_int_equal(azk_vendor_audit_record(f->h, "a", "onsite", 1, "2026-06-02", "実施", aid),
                     AZK_OK);
    assert_int_equal(azk_vendor_view(f->h, AZK_VENDOR_VIEW_SHOW, "a", "2026-06-03", 0,
                                     AZK_VENDOR_FMT_JSON, &out),
                     AZK_OK);
    assert_null(strstr(out, "audit-overdue"));
    assert_non_null(strstr(out, "2026-06-02"));
    azk_vendor_free(out);
    assert_int_equal(azk_vendor_audit_unplan(f->h, "a", "audit", "2026-06-21"), AZK_ERR_NOTFOUND);
    assert_int_equal(azk_vendor_audit_unplan(f->h, "a", "audit", "2026-06-20"), AZK_OK);
    assert_int_equal(azk_vendor_audit_unplan(f->h, "a", "audit", "2026-06-20"), AZK_ERR_NOTFOUND);
    assert_int_equal(azk_vendor_view(f->h, AZK_VENDOR_VIEW_SHOW, "a", "2026-06-03", 0,
                                     AZK_VENDOR_FMT_JSON, &out),
                     AZK_OK);
    assert_null(strstr(out, "audit-due"));
    assert_null(strstr(out, "2026-06-20"));
    azk_vendor_free(out);
}

static void test_vendor__signdoc(void **state)
{
    struct fixture *f = *state;
    json_t *body = json_pack("{s:s,s:i}", "a", "値", "n", 3), *sig = NULL;
    char pub[96];
    assert_int_equal(azk_sign__json(f->h, body, &sig), AZK_OK);
    assert_int_equal(azk_sign__pubkey(f->h, pub), AZK_OK);
    assert_int_equal(azk_sign__verify_json(body, sig, pub, "doc"), AZK_OK);
    /* another key */
    assert_int_equal(azk_sign__verify_json(body, sig,
                                           "azukari-cert+0gYiBdvlaOAuLaooAoWYwCsAMS4GTzmtR//"
                                           "pX8tFMQM=",
                                           "doc"),
                     AZK_ERR_CRYPTO);
    assert_non_null(strstr(azk_error_last()->message, "another key"));
    /* altered body, same key */
    json_object_set_new(body, "n", json_integer(4));
    assert_int_equal(azk_sign__verify_json(body, sig, pub, "doc"), AZK_ERR_CRYPTO);
    assert_non_null(strstr(azk_error_last()->message, "does not verify"));
    json_decref(body);
    json_decref(sig);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vendor__corporate_number),
        cmocka_unit_test(test_vendor__months),
        cmocka_unit_test(test_vendor__template_format),
        cmocka_unit_test(test_vendor__answers_format),
        cmocka_unit_test(test_vendor__bundle_reports),
        cmocka_unit_test_setup_teardown(test_vendor__register, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vendor__register_serve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vendor__adhoc_plan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_vendor__signdoc, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
