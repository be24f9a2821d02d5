/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/serveui/test_serveui.c -- the views behind azukari serve's
 * pages without a network: one page of rows and its cursor (the row past
 * the limit only says there is more), the typed store functions
 * (requests page and refusal, users and sessions pages, role, grants,
 * enrolment links with their maker, dataset pages filtered by grants),
 * state words in Japanese, URL encoding, the HTML table's escaping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "serve/serve_int.h"
#include "store/requests.h"
#include "store/serve.h"
#include "store/serve_views.h"
#include "azukari/catalog.h"
#include "azukari/retention.h"

static char g_dir[64];
static char g_home[128];
static azk_home *g_h;

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/azk-serveui-XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return -1;
    snprintf(g_home, sizeof(g_home), "%s/home", g_dir);
    if (azk_home_init(g_home, NULL) != AZK_OK || azk_home_open(&g_h, g_home, NULL, 0) != AZK_OK)
        return -1;
    if (azk_client_add(g_h, "c1", "") != AZK_OK || azk_client_add(g_h, "c2", "") != AZK_OK)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    char cmd[256];
    (void)state;
    azk_home_close(g_h);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *const keys2[] = {"a", "b"};

static void test_serveui__list_page_and_cursor(void **state)
{
    struct azk_serve_list l;
    const char *r1[] = {"k1", "x"}, *r2[] = {"k2", NULL}, *r3[] = {"k3", "z"};
    json_t *doc;
    (void)state;
    assert_int_equal(azk_serve__list_init(&l, keys2, 2, 0, 2), AZK_OK);
    assert_int_equal(azk_serve__list_row(r1, 2, &l), AZK_OK);
    assert_int_equal(azk_serve__list_row(r2, 2, &l), AZK_OK);
    doc = azk_serve__list_doc(&l); /* exactly the limit, no extra row: no next page */
    assert_non_null(doc);
    assert_true(json_is_null(json_object_get(doc, "next")));
    assert_true(
        json_is_null(json_object_get(json_array_get(json_object_get(doc, "items"), 1), "b")));
    json_decref(doc);
    assert_int_equal(azk_serve__list_init(&l, keys2, 2, 0, 2), AZK_OK);
    assert_int_equal(azk_serve__list_row(r1, 2, &l), AZK_OK);
    assert_int_equal(azk_serve__list_row(r2, 2, &l), AZK_OK);
    assert_int_equal(azk_serve__list_row(r3, 2, &l), AZK_OK); /* the extra row */
    doc = azk_serve__list_doc(&l);
    assert_int_equal(json_array_size(json_object_get(doc, "items")), 2);
    assert_string_equal(json_string_value(json_object_get(doc, "next")), "k2");
    json_decref(doc);
}

static void test_serveui__html_table_escapes(void **state)
{
    static const struct azk_serve_col cols[] = {
        {"a", "A", 0}, {"b", "B", AZK_COL_DATASET}, {"s", "S", AZK_COL_STATE}};
    json_t *items = json_pack("[{s:s, s:s, s:s}, {s:i}]", "a", "<script>&\"'", "b", "d\"><x", "s",
                              "<b>", "a", 42);
    azk_buf b = AZK_BUF_INIT;
    (void)state;
    assert_int_equal(azk_serve__html_table(&b, "t", cols, 3, items), AZK_OK);
    assert_null(strstr((char *)b.data, "<script>"));
    assert_null(strstr((char *)b.data, "<b>"));
    assert_non_null(strstr((char *)b.data, "&lt;script&gt;&amp;&quot;&#39;"));
    assert_non_null(strstr((char *)b.data, "href=\"/dataset?id=d%22%3E%3Cx\""));
    assert_non_null(strstr((char *)b.data, "<td>42</td><td>-</td><td>-</td>")); /* numbers */
    azk_buf_dispose(&b);
    json_decref(items);
}

static void test_serveui__state_labels(void **state)
{
    (void)state;
    assert_string_equal(azk_serve__state_label("bogus"), "bogus");
    assert_string_equal(azk_serve__state_label(NULL), "-");
    assert_string_equal(azk_serve__state_label("active"), "active"); /* no catalog loaded: C */
}

struct rows {
    char first[8][72];
    size_t n;
};

static azk_status rows_cb(const char *const *cols, size_t n, void *payload)
{
    struct rows *r = payload;
    (void)n;
    if (r->n < 8)
        snprintf(r->first[r->n], sizeof(r->first[0]), "%s", cols[0] != NULL ? cols[0] : "");
    r->n++;
    return AZK_OK;
}

static void test_serveui__requests_and_refusal(void **state)
{
    struct azk_store_request r = {0};
    struct azk_store_event ev = {"retention.request", "R-00000001", NULL, NULL, NULL};
    struct azk_store_event ref = {"retention.refuse", "R-00000001", NULL, NULL, NULL};
    struct rows got = {0};
    (void)state;
    for (int i = 1; i <= 3; i++) {
        snprintf(r.id, sizeof(r.id), "R-0000000%d", i);
        snprintf(r.kind, sizeof(r.kind), "delete");
        snprintf(r.dataset, sizeof(r.dataset), "d%d", i);
        snprintf(r.requested_by, sizeof(r.requested_by), "ope");
        assert_int_equal(azk_store__request_insert(g_h, &r, "'; DROP TABLE users; --", &ev),
                         AZK_OK);
    }
    assert_int_equal(azk_store__requests_page(g_h, NULL, NULL, 2, rows_cb, &got), AZK_OK);
    assert_int_equal(got.n, 2);
    assert_string_equal(got.first[0], "R-00000001");
    memset(&got, 0, sizeof(got));
    assert_int_equal(azk_store__requests_page(g_h, NULL, "R-00000002", 10, rows_cb, &got), AZK_OK);
    assert_int_equal(got.n, 1);
    assert_string_equal(got.first[0], "R-00000003");
    assert_int_equal(azk_store__request_refuse(g_h, "R-00000001", "appr", &ref), AZK_OK);
    assert_int_equal(azk_store__request_refuse(g_h, "R-00000001", "appr", &ref), AZK_ERR_ARG);
    azk_error_clear();
    assert_int_equal(azk_store__request_refuse(g_h, "R-nope", "appr", &ref), AZK_ERR_NOTFOUND);
    azk_error_clear();
    memset(&got, 0, sizeof(got));
    assert_int_equal(azk_store__requests_page(g_h, "pending", NULL, 10, rows_cb, &got), AZK_OK);
    assert_int_equal(got.n, 2);
    memset(&got, 0, sizeof(got));
    assert_int_equal(azk_store__requests_page(g_h, "refused", NULL, 10, rows_cb, &got), AZK_OK);
    assert_int_equal(got.n, 1);
}

static void test_serveui__grants_roles_links(void **state)
{
    struct azk_store_event ev = {"serve.grant.add", "bank", NULL, NULL, NULL};
    char b32[64], by[72];
    bool found = true, yes = false;
    (void)state;
    assert_int_equal(azk_user_add(g_h, "bank", b32), AZK_OK);
    assert_int_equal(azk_store__role_set(g_h, "bank", "client", &ev), AZK_OK);
    assert_int_equal(azk_store__role_set(g_h, "nobody", "client", &ev), AZK_ERR_NOTFOUND);
    azk_error_clear();
    assert_int_equal(azk_store__grant_add(g_h, "bank", "c1", &ev), AZK_OK);
    assert_int_equal(azk_store__grant_remove(g_h, "bank", "c2", &ev), AZK_ERR_NOTFOUND);
    azk_error_clear();
    assert_int_equal(azk_store__client_exists(g_h, "c1", &yes), AZK_OK);
    assert_true(yes);
    assert_int_equal(azk_store__client_exists(g_h, "c1' OR '1'='1", &yes), AZK_OK);
    assert_false(yes);
    ev.action = "serve.enrol.link";
    assert_int_equal(azk_store__enrol_link_by(g_h, "00", by, &found), AZK_OK);
    assert_false(found);
    assert_int_equal(
        azk_store__enrol_link_insert(g_h, "ab", "operator", 4102444800LL, "admin", &ev), AZK_OK);
    assert_int_equal(azk_store__enrol_link_by(g_h, "ab", by, &found), AZK_OK);
    assert_true(found);
    assert_string_equal(by, "admin");
    ev.action = "serve.grant.remove";
    assert_int_equal(azk_store__grant_remove(g_h, "bank", "c1", &ev), AZK_OK);
}

static void test_serveui__sessions_revoked_by_user(void **state)
{
    struct azk_store_event ev = {"serve.login", "u1", NULL, NULL, NULL};
    struct rows got = {0};
    int64_t n = 0;
    (void)state;
    assert_int_equal(azk_store__session_insert(g_h, "aa", "u1", "c", 1, &ev), AZK_OK);
    assert_int_equal(azk_store__session_insert(g_h, "bb", "u1", "c", 1, &ev), AZK_OK);
    assert_int_equal(azk_store__session_insert(g_h, "cc", "u2", "c", 1, &ev), AZK_OK);
    assert_int_equal(azk_store__sessions_page(g_h, "aa", 10, rows_cb, &got), AZK_OK);
    assert_int_equal(got.n, 2);
    ev.action = "serve.session.revoke";
    assert_int_equal(azk_store__sessions_delete_user(g_h, "u1", &ev, &n), AZK_OK);
    assert_int_equal(n, 2);
    memset(&got, 0, sizeof(got));
    assert_int_equal(azk_store__sessions_page(g_h, NULL, 10, rows_cb, &got), AZK_OK);
    assert_int_equal(got.n, 1);
    assert_string_equal(got.first[0], "cc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serveui__list_page_and_cursor),
        cmocka_unit_test(test_serveui__html_table_escapes),
        cmocka_unit_test(test_serveui__state_labels),
        cmocka_unit_test(test_serveui__requests_and_refusal),
        cmocka_unit_test(test_serveui__grants_roles_links),
        cmocka_unit_test(test_serveui__sessions_revoked_by_user),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
