/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/incidents/test_incidents.c -- the incident register
 * (azukari/incident.h, store/incidents.h) without a scan: a recorded impact
 * result's counts per client and dataset, paths kept as keyed hashes only,
 * bad input refused with nothing written, the states and who may move them
 * (a TOTP-authenticated person; refusals in the ledger), a client viewer's
 * part only, the drafts rendered from the register (a client's notice holds
 * no other client's dataset), the open count and the monthly report's
 * section.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <liboath/oath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "azukari/catalog.h"
#include "azukari/incident.h"
#include "azukari/retention.h"
#include "azukari/supervision.h"
#include "store/incidents.h"
#include "store/serve.h"
#include "supervision/report_int.h"

struct fixture {
    char dir[64], home[96];
    azk_home *h;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    snprintf(f->dir, sizeof(f->dir), "/tmp/azk-inc-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
    if (azk_home_init(f->home, NULL) != AZK_OK || azk_home_open(&f->h, f->home, NULL, 0) != AZK_OK)
        return -1;
    if (azk_client_add(f->h, "c1", "Bank One") != AZK_OK ||
        azk_client_add(f->h, "c2", "Bank Two") != AZK_OK)
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

static void login(azk_home *h, const char *name)
{
    char b32[64], code[8];
    char *secret = NULL;
    size_t secret_len = 0;
    assert_int_equal(azk_user_add(h, name, b32), AZK_OK);
    assert_int_equal(oath_init(), OATH_OK);
    assert_int_equal(oath_base32_decode(b32, strlen(b32), &secret, &secret_len), OATH_OK);
    assert_int_equal(oath_totp_generate(secret, secret_len, time(NULL), 30, 0, 6, code), OATH_OK);
    assert_int_equal(azk_user_auth(h, name, code), AZK_OK);
    free(secret);
}

/* A result as azk_impact_run leaves it: c1 with two datasets, c2 with one. */
static void fake(azk_impact_result *r)
{
    static azk_impact_dataset ds[3];
    static azk_impact_client cl[2];
    memset(r, 0, sizeof(*r));
    memset(ds, 0, sizeof(ds));
    memset(cl, 0, sizeof(cl));
    ds[0] = (azk_impact_dataset){.client = "c1",
                                 .dataset = "c1-dm",
                                 .purpose = "dm",
                                 .retain_until = "2099-12-31",
                                 .source_name = "secret-name.csv",
                                 .created_at = "2026-01-02T00:00:00Z",
                                 .total = 100,
                                 .records = 7,
                                 .persons = 6,
                                 .candidates = 9,
                                 .probable = 2,
                                 .objects = 1,
                                 .kinds = 1u << AZK_COL_PHONE};
    ds[1] = (azk_impact_dataset){.client = "c1",
                                 .dataset = "c1-old",
                                 .purpose = "old",
                                 .retain_until = "2026-01-01",
                                 .source_name = "old.csv",
                                 .created_at = "2025-01-02T00:00:00Z",
                                 .total = 50,
                                 .records = 3,
                                 .persons = 3,
                                 .candidates = 3,
                                 .past_deadline = true,
                                 .days_overdue = 10,
                                 .objects = 1};
    ds[2] = (azk_impact_dataset){.client = "c2",
                                 .dataset = "c2-list",
                                 .purpose = "list",
                                 .retain_until = "2099-12-31",
                                 .source_name = "c2.xlsx",
                                 .created_at = "2026-02-02T00:00:00Z",
                                 .total = 40,
                                 .records = 5,
                                 .persons = 5,
                                 .candidates = 6,
                                 .probable = 1,
                                 .objects = 2};
    cl[0] = (azk_impact_client){.client = "c1",
                                .name = "Bank One",
                                .records = 10,
                                .persons = 8,
                                .datasets = 2,
                                .past_deadline = 1};
    cl[1] = (azk_impact_client){
        .client = "c2", .name = "Bank Two", .records = 5, .persons = 5, .datasets = 1};
    r->datasets = ds;
    r->dataset_count = 3;
    r->clients = cl;
    r->client_count = 2;
    r->records = 15;
    r->persons_by_client = 13;
    r->persons = 12;
    r->probable = 3;
    r->candidates = 18;
    r->files = 2;
    r->objects = 4;
    r->objects_hit = 3;
    r->datasets_all = 3;
    (void)snprintf(r->as_of, sizeof(r->as_of), "2026-01-11");
}

struct rows {
    size_t n;
    char first[9][64];
};

static azk_status rows_cb(const char *const *c, size_t n, void *payload)
{
    struct rows *r = payload;
    if (r->n == 0)
        for (size_t i = 0; i < n && i < 9; i++)
            (void)snprintf(r->first[i], sizeof(r->first[i]), "%s", c[i] != NULL ? c[i] : "");
    r->n++;
    return AZK_OK;
}

static void record(struct fixture *f, char id[AZK_INCIDENT_ID_MAX])
{
    azk_impact_result r;
    azk_incident_options o = AZK_INCIDENT_OPTIONS_INIT;
    const char *paths[] = {"/srv/stolen/customer-list-secret.csv", "/srv/stolen/dump.zip"};
    fake(&r);
    o.known_date = "2026-01-10";
    o.cause = AZK_IMPACT_CAUSE_THEFT;
    assert_int_equal(azk_incident_record(f->h, &r, paths, 2, &o, id), AZK_OK);
}

static void test_incidents__record_and_read(void **state)
{
    struct fixture *f = *state;
    char id[AZK_INCIDENT_ID_MAX];
    struct rows rw = {0};
    bool found = false;
    uint64_t open = 0;
    record(f, id);
    assert_int_equal(strncmp(id, "INC-", 4), 0);
    assert_int_equal(azk_store__incidents_page(f->h, NULL, NULL, NULL, 10, rows_cb, &rw), AZK_OK);
    assert_int_equal(rw.n, 1);
    assert_string_equal(rw.first[0], id);
    assert_string_equal(rw.first[3], "open");
    assert_string_equal(rw.first[6], "15"); /* confirmed records */
    assert_string_equal(rw.first[7], "12"); /* persons across clients */
    assert_string_equal(rw.first[8], "3");  /* probable */
    memset(&rw, 0, sizeof(rw));
    assert_int_equal(azk_store__incident_datasets(f->h, id, NULL, rows_cb, &rw), AZK_OK);
    assert_int_equal(rw.n, 3);
    memset(&rw, 0, sizeof(rw));
    assert_int_equal(azk_store__incident_get(f->h, id, NULL, rows_cb, &rw, &found), AZK_OK);
    assert_true(found);
    assert_int_equal(azk_incident_open_count(f->h, &open), AZK_OK);
    assert_int_equal(open, 1);
}

/* No path and no received file name in clear anywhere in the catalog's incident rows. */
static azk_status paths_cb(const char *const *c, size_t n, void *payload)
{
    (void)n;
    (void)snprintf(payload, 512, "%s", c[20] != NULL ? c[20] : "");
    return AZK_OK;
}

static void test_incidents__paths_hashed(void **state)
{
    struct fixture *f = *state;
    char id[AZK_INCIDENT_ID_MAX], paths[512] = "";
    char cmd[400];
    bool found = false;
    record(f, id);
    assert_int_equal(azk_store__incident_get(f->h, id, NULL, paths_cb, paths, &found), AZK_OK);
    assert_true(found);
    assert_non_null(strstr(paths, "\"name:"));
    assert_null(strstr(paths, "customer-list"));
    /* the catalog file holds neither the path nor the received file name */
    snprintf(cmd, sizeof(cmd),
             "grep -rqa -e customer-list-secret -e secret-name.csv '%s' 2>/dev/null", f->home);
    assert_int_not_equal(system(cmd), 0);
}

static void test_incidents__bad_input(void **state)
{
    struct fixture *f = *state;
    azk_impact_result r;
    azk_incident_options o = AZK_INCIDENT_OPTIONS_INIT;
    const char *paths[] = {"/x"};
    char id[AZK_INCIDENT_ID_MAX];
    struct rows rw = {0};
    char bad[] = {'a', (char)0xff, 0};
    fake(&r);
    o.known_date = "2027-02-30"; /* not a day */
    assert_int_equal(azk_incident_record(f->h, &r, paths, 1, &o, id), AZK_ERR_ARG);
    assert_int_equal(azk_incident_record(f->h, &r, paths, 0, NULL, id), AZK_ERR_ARG);
    o.known_date = NULL;
    o.contractor = bad;
    assert_int_equal(azk_incident_record(f->h, &r, paths, 1, &o, id), AZK_ERR_ARG);
    assert_int_equal(azk_store__incidents_page(f->h, NULL, NULL, NULL, 10, rows_cb, &rw), AZK_OK);
    assert_int_equal(rw.n, 0); /* nothing half-written */
}

static void test_incidents__states(void **state)
{
    struct fixture *f = *state;
    char id[AZK_INCIDENT_ID_MAX], longnote[2100];
    char bad[] = {'a', (char)0xc3, 0};
    struct rows rw = {0};
    uint64_t open = 9;
    record(f, id);
    /* nobody authenticated: refused (and in the ledger) */
    assert_int_equal(azk_incident_set_state(f->h, id, "reported", NULL), AZK_ERR_PERM);
    login(f->h, "alice");
    assert_int_equal(azk_incident_set_state(f->h, id, "open", NULL), AZK_ERR_ARG);
    assert_int_equal(azk_incident_set_state(f->h, id, "deleted", NULL), AZK_ERR_ARG);
    memset(longnote, 'x', sizeof(longnote) - 1);
    longnote[sizeof(longnote) - 1] = '\0';
    assert_int_equal(azk_incident_set_state(f->h, id, "reported", longnote), AZK_ERR_ARG);
    assert_int_equal(azk_incident_set_state(f->h, id, "reported", bad), AZK_ERR_ARG);
    assert_int_equal(azk_incident_set_state(f->h, "INC-nope", "reported", NULL), AZK_ERR_NOTFOUND);
    assert_int_equal(
        azk_incident_set_state(f->h, id, "reported", "<script>alert(1)</script>' OR 1=1 --"),
        AZK_OK);
    assert_int_equal(azk_incident_set_state(f->h, id, "reported", NULL), AZK_ERR_ARG);
    assert_int_equal(azk_incident_set_state(f->h, id, "closed", "done"), AZK_OK);
    assert_int_equal(azk_incident_set_state(f->h, id, "reported", NULL), AZK_ERR_ARG);
    assert_int_equal(azk_incident_set_state(f->h, id, "closed", NULL), AZK_ERR_ARG);
    assert_int_equal(azk_store__incident_steps(f->h, id, rows_cb, &rw), AZK_OK);
    assert_int_equal(rw.n, 3); /* open, reported (with the note kept as text), closed */
    assert_int_equal(azk_incident_open_count(f->h, &open), AZK_OK);
    assert_int_equal(open, 0);
}

static void test_incidents__client_viewer(void **state)
{
    struct fixture *f = *state;
    char id[AZK_INCIDENT_ID_MAX], id1[AZK_INCIDENT_ID_MAX];
    struct rows rw = {0};
    struct azk_store_event ev = {"test.grant", "bank", NULL, NULL, NULL};
    azk_impact_result r;
    const char *paths[] = {"/y"};
    bool found = true;
    int64_t n = 0;
    record(f, id);
    /* a second incident touching c1 only */
    fake(&r);
    r.client_count = 1;
    r.dataset_count = 2;
    assert_int_equal(azk_incident_record(f->h, &r, paths, 1, NULL, id1), AZK_OK);
    assert_int_equal(azk_user_add(f->h, "bank", (char[64]){0}), AZK_OK);
    assert_int_equal(azk_store__grant_add(f->h, "bank", "c2", &ev), AZK_OK);
    assert_int_equal(azk_store__incidents_page(f->h, "bank", NULL, NULL, 10, rows_cb, &rw), AZK_OK);
    assert_int_equal(rw.n, 1);
    assert_string_equal(rw.first[0], id);
    assert_string_equal(rw.first[6], "5"); /* c2's records only */
    assert_string_equal(rw.first[7], "5");
    assert_string_equal(rw.first[8], "1");
    assert_int_equal(azk_store__incident_get(f->h, id1, "bank", rows_cb, &rw, &found), AZK_OK);
    assert_false(found);
    memset(&rw, 0, sizeof(rw));
    assert_int_equal(azk_store__incident_datasets(f->h, id, "bank", rows_cb, &rw), AZK_OK);
    assert_int_equal(rw.n, 1);
    assert_string_equal(rw.first[1], "c2-list");
    assert_int_equal(azk_store__incidents_open_count(f->h, "bank", &n), AZK_OK);
    assert_int_equal(n, 1);
    /* a user without grants sees nothing */
    memset(&rw, 0, sizeof(rw));
    assert_int_equal(azk_store__incidents_page(f->h, "nobody", NULL, NULL, 10, rows_cb, &rw),
                     AZK_OK);
    assert_int_equal(rw.n, 0);
}

static void test_incidents__drafts(void **state)
{
    struct fixture *f = *state;
    char id[AZK_INCIDENT_ID_MAX];
    char *md = NULL;
    record(f, id);
    assert_int_equal(azk_incident_draft(f->h, id, NULL, &md), AZK_OK);
    assert_non_null(strstr(md, "個人情報保護委員会"));
    assert_non_null(strstr(md, "c1-old"));
    assert_non_null(strstr(md, "c2-list"));
    assert_non_null(strstr(md, "2026-01-10"));  /* the known date */
    assert_null(strstr(md, "secret-name.csv")); /* received names are not in the register */
    azk_incident_free(md);
    md = NULL;
    assert_int_equal(azk_incident_draft(f->h, id, "c2", &md), AZK_OK);
    assert_non_null(strstr(md, "委託元への通知"));
    assert_non_null(strstr(md, "c2-list"));
    assert_null(strstr(md, "c1-dm"));
    assert_null(strstr(md, "c1-old"));
    azk_incident_free(md);
    md = NULL;
    assert_int_equal(azk_incident_draft(f->h, id, "c3", &md), AZK_ERR_NOTFOUND);
    assert_null(md);
    assert_int_equal(azk_incident_draft(f->h, "INC-nope", NULL, &md), AZK_ERR_NOTFOUND);
}

static void test_incidents__monthly_section(void **state)
{
    struct fixture *f = *state;
    char id[AZK_INCIDENT_ID_MAX];
    json_t *sec = NULL, *it;
    int64_t now = (int64_t)time(NULL);
    record(f, id);
    assert_int_equal(azk_sup__incidents_section(f->h, "c1", now - 86400, now + 86400, &sec),
                     AZK_OK);
    assert_string_equal(json_string_value(json_object_get(sec, "source")), "catalog");
    assert_int_equal(json_array_size(json_object_get(sec, "items")), 1);
    it = json_array_get(json_object_get(sec, "items"), 0);
    assert_string_equal(json_string_value(json_object_get(it, "id")), id);
    assert_int_equal(json_integer_value(json_object_get(it, "records")), 10);
    assert_int_equal(json_integer_value(json_object_get(it, "persons")), 8);
    assert_int_equal(json_integer_value(json_object_get(it, "probable")), 2);
    assert_string_equal(json_string_value(json_object_get(it, "status")), "open");
    json_decref(sec);
    /* a month that ended before it was recorded: none */
    assert_int_equal(
        azk_sup__incidents_section(f->h, "c1", now - 86400 * 60, now - 86400 * 30, &sec), AZK_OK);
    assert_int_equal(json_array_size(json_object_get(sec, "items")), 0);
    json_decref(sec);
    /* closed before the next month began: not in that month */
    login(f->h, "carol");
    assert_int_equal(azk_incident_set_state(f->h, id, "closed", NULL), AZK_OK);
    assert_int_equal(azk_sup__incidents_section(f->h, "c1", now + 10, now + 86400, &sec), AZK_OK);
    assert_int_equal(json_array_size(json_object_get(sec, "items")), 0);
    json_decref(sec);
}

/* The signed monthly report carries the incident and its page shows it. */
static void test_incidents__monthly_report(void **state)
{
    struct fixture *f = *state;
    char id[AZK_INCIDENT_ID_MAX], month[8];
    azk_monthly_report_options o = AZK_MONTHLY_REPORT_OPTIONS_INIT;
    time_t now = time(NULL);
    struct tm tm;
    char *doc = NULL, *html = NULL;
    record(f, id);
    (void)gmtime_r(&now, &tm);
    (void)strftime(month, sizeof(month), "%Y-%m", &tm);
    o.client = "c2";
    o.month = month;
    o.now = (int64_t)now + 40 * 86400; /* the month is over */
    assert_int_equal(azk_monthly_report(f->h, &o, &doc), AZK_OK);
    assert_non_null(strstr(doc, id));
    assert_non_null(strstr(doc, "\"catalog\""));
    assert_null(strstr(doc, "c1-dm")); /* c2's report: nothing of c1 */
    assert_int_equal(azk_monthly_report_html(doc, strlen(doc), NULL, &html), AZK_OK);
    assert_non_null(strstr(html, id));
    assert_non_null(strstr(html, "インシデント番号"));
    assert_non_null(strstr(html, "未対応"));
    azk_supervision_free(html);
    azk_supervision_free(doc);
}

static azk_status count_info(const azk_incident_info *i, void *payload)
{
    assert_non_null(i->id);
    (*(size_t *)payload)++;
    return AZK_OK;
}

static void test_incidents__list(void **state)
{
    struct fixture *f = *state;
    char id[AZK_INCIDENT_ID_MAX];
    size_t n = 0;
    record(f, id);
    record(f, id);
    assert_int_equal(azk_incident_list(f->h, NULL, count_info, &n), AZK_OK);
    assert_int_equal(n, 2);
    n = 0;
    assert_int_equal(azk_incident_list(f->h, "closed", count_info, &n), AZK_OK);
    assert_int_equal(n, 0);
    assert_int_equal(azk_incident_list(f->h, "bogus", count_info, &n), AZK_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_incidents__record_and_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incidents__paths_hashed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incidents__bad_input, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incidents__states, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incidents__client_viewer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incidents__drafts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incidents__monthly_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incidents__monthly_report, setup, teardown),
        cmocka_unit_test_setup_teardown(test_incidents__list, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
