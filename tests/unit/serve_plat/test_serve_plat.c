/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/serve_plat/test_serve_plat.c -- the platform of azukari serve
 * without a network: the JSON body reader at and past each limit (depth,
 * members, key and string length, size) and on malformed input; the
 * pagination arguments; the "serve" section of azukari.conf (options win,
 * bad values refused); the catalog's rate-limit counters (per key and
 * window, pruned) and the shared key (every caller gets the first one).
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
#include "store/serve_plat.h"

static char g_dir[64];
static char g_home[128];
static azk_home *g_h;

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/azk-splat-XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return -1;
    snprintf(g_home, sizeof(g_home), "%s/home", g_dir);
    if (azk_home_init(g_home, NULL) != AZK_OK)
        return -1;
    return azk_home_open(&g_h, g_home, NULL, 0) == AZK_OK ? 0 : -1;
}

static int group_teardown(void **state)
{
    char cmd[256];
    (void)state;
    azk_home_close(g_h);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static azk_status parse(const char *s)
{
    json_t *doc = NULL;
    azk_status rc = azk_serve__json_body_parse(s, strlen(s), &doc);
    assert_true(rc == AZK_OK ? doc != NULL : doc == NULL);
    json_decref(doc);
    azk_error_clear();
    return rc;
}

/* n nested objects around 1: {"a":{"a":...1...}} */
static char *nest(int n)
{
    char *s = calloc((size_t)n * 6 + 2, 1);
    size_t k = 0;
    for (int i = 0; i < n; i++)
        k += (size_t)sprintf(s + k, "{\"a\":");
    s[k++] = '1';
    for (int i = 0; i < n; i++)
        s[k++] = '}';
    return s;
}

static char *members(int n)
{
    char *s = calloc((size_t)n * 16 + 4, 1);
    size_t k = 1;
    s[0] = '{';
    for (int i = 0; i < n; i++)
        k += (size_t)sprintf(s + k, "%s\"k%d\":1", i > 0 ? "," : "", i);
    s[k] = '}';
    return s;
}

static char *string_of(size_t len, bool as_key)
{
    char *s = calloc(len + 16, 1);
    memcpy(s, as_key ? "{\"" : "{\"a\":\"", as_key ? 2 : 6);
    memset(s + (as_key ? 2 : 6), 'x', len);
    strcat(s, as_key ? "\":1}" : "\"}");
    return s;
}

static void test_serve_plat__json_limits(void **state)
{
    char *s;
    (void)state;
    assert_int_equal(parse("{}"), AZK_OK);
    assert_int_equal(parse("{\"a\":[1,2,{\"b\":null}],\"c\":\"\\u65e5\"}"), AZK_OK);
    s = nest(AZK_SERVE_JSON_MAX_DEPTH);
    assert_int_equal(parse(s), AZK_OK);
    free(s);
    s = nest(AZK_SERVE_JSON_MAX_DEPTH + 1);
    assert_int_equal(parse(s), AZK_ERR_LIMIT);
    free(s);
    /* brackets inside strings do not count as depth */
    assert_int_equal(parse("{\"a\":\"[[[[[[[[[[[[[[[[[[[[\\\"{{{{{{{{{{{{{\"}"), AZK_OK);
    s = members(AZK_SERVE_JSON_MAX_ITEMS);
    assert_int_equal(parse(s), AZK_OK);
    free(s);
    s = members(AZK_SERVE_JSON_MAX_ITEMS + 1);
    assert_int_equal(parse(s), AZK_ERR_LIMIT);
    free(s);
    s = string_of(AZK_SERVE_JSON_MAX_STRING, false);
    assert_int_equal(parse(s), AZK_OK);
    free(s);
    s = string_of(AZK_SERVE_JSON_MAX_STRING + 1, false);
    assert_int_equal(parse(s), AZK_ERR_LIMIT);
    free(s);
    s = string_of(AZK_SERVE_JSON_MAX_KEY, true);
    assert_int_equal(parse(s), AZK_OK);
    free(s);
    s = string_of(AZK_SERVE_JSON_MAX_KEY + 1, true);
    assert_int_equal(parse(s), AZK_ERR_LIMIT);
    free(s);
    s = string_of(AZK_SERVE_JSON_MAX + 1, false);
    assert_int_equal(parse(s), AZK_ERR_LIMIT);
    free(s);
}

static void test_serve_plat__json_malformed(void **state)
{
    static const char *const bad[] = {
        "",
        "{",
        "}",
        "[]",
        "1",
        "\"s\"",
        "null",
        "{\"a\":1,\"a\":2}",
        "{\"a\":\"\\u0000\"}",
        "{\"a\":\"\xff\"}",
        "{\"a\":1}x",
        "{a:1}",
        "{\"a\":01}",
        "{\"a\":NaN}",
    };
    struct azk_serve_req rq;
    json_t *doc = NULL;
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(parse(bad[i]), AZK_ERR_FORMAT);
    assert_int_equal(azk_serve__json_body_parse("{\"u\":\"x\",\"n\":1}", 15, &doc), AZK_OK);
    memset(&rq, 0, sizeof(rq));
    rq.json = doc;
    assert_string_equal(azk_serve__json_str(&rq, "u"), "x");
    assert_null(azk_serve__json_str(&rq, "n"));
    assert_null(azk_serve__json_str(&rq, "missing"));
    json_decref(doc);
}

/* A route with a larger body (the vendor report import): its limit, strings as long; the
 * 16 KiB default and every route's table entry stay as they were. */
static void test_serve_plat__json_body_max(void **state)
{
    size_t n = 200 * 1024;
    char *s = malloc(n + 16);
    json_t *doc = NULL;
    (void)state;
    assert_non_null(s);
    memcpy(s, "{\"report\":\"", 11);
    memset(s + 11, 'a', n);
    memcpy(s + 11 + n, "\"}", 3);
    assert_int_equal(azk_serve__json_body_parse(s, n + 13, &doc), AZK_ERR_LIMIT);
    azk_error_clear();
    assert_int_equal(azk_serve__json_body_parse_max(s, n + 13, n, &doc), AZK_ERR_LIMIT);
    azk_error_clear();
    assert_int_equal(azk_serve__json_body_parse_max(s, n + 13, AZK_SERVE_IMPORT_BODY_MAX, &doc),
                     AZK_OK);
    assert_int_equal(json_string_length(json_object_get(doc, "report")), n);
    json_decref(doc);
    free(s);
    assert_int_equal(azk_serve__route_body_max("POST", "/vendor/reports/import"),
                     AZK_SERVE_IMPORT_BODY_MAX);
    assert_int_equal(azk_serve__route_body_max("POST", "/api/v1/vendor/reports/import"),
                     AZK_SERVE_IMPORT_BODY_MAX);
    assert_int_equal(azk_serve__route_body_max("GET", "/vendor/reports/import"),
                     AZK_SERVE_BODY_MAX);
    assert_int_equal(azk_serve__route_body_max("POST", "/vendors/add"), AZK_SERVE_BODY_MAX);
    assert_int_equal(azk_serve__route_body_max("POST", "/requests/new"), AZK_SERVE_BODY_MAX);
}

static void test_serve_plat__page_args(void **state)
{
    size_t limit = 0;
    const char *after = NULL;
    (void)state;
    assert_int_equal(azk_serve__page_args_parse(NULL, NULL, &limit, &after), AZK_OK);
    assert_int_equal(limit, AZK_SERVE_PAGE_DEFAULT);
    assert_null(after);
    assert_int_equal(azk_serve__page_args_parse("1000", "ds-1", &limit, &after), AZK_OK);
    assert_int_equal(limit, 1000);
    assert_string_equal(after, "ds-1");
    static const char *const bad[] = {"0",  "1001", "-1", "+5",
                                      " 5", "5x",   "",   "99999999999999999999"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(azk_serve__page_args_parse(bad[i], NULL, &limit, &after), AZK_ERR_ARG);
    assert_int_equal(azk_serve__page_args_parse(NULL, "", &limit, &after), AZK_ERR_ARG);
    azk_error_clear();
}

static void write_conf(const char *text)
{
    char p[256];
    FILE *f;
    snprintf(p, sizeof(p), "%s/azukari.conf", g_home);
    f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_serve_plat__config(void **state)
{
    azk_serve_options given = AZK_SERVE_OPTIONS_INIT, o;
    (void)state;
    write_conf("{\"serve\": {\"idle_timeout_s\": 60, \"rate_user_per_min\": 7}}");
    given.idle_timeout_s = 30; /* an option wins over the file */
    assert_int_equal(azk_serve__config_read(g_h, &o, &given), AZK_OK);
    assert_int_equal(o.idle_timeout_s, 30);
    assert_int_equal(o.rate_user_per_min, 7);
    assert_int_equal(o.absolute_timeout_s, 0); /* left to the defaults */
    write_conf("{\"serve\": {\"connection_timeout_s\": 0}}");
    assert_int_equal(azk_serve__config_read(g_h, &o, &given), AZK_ERR_FORMAT);
    write_conf("{\"serve\": {\"drain_timeout_s\": \"10\"}}");
    assert_int_equal(azk_serve__config_read(g_h, &o, &given), AZK_ERR_FORMAT);
    write_conf("{\"serve\": 5}");
    assert_int_equal(azk_serve__config_read(g_h, &o, &given), AZK_ERR_FORMAT);
    write_conf("not json");
    assert_int_equal(azk_serve__config_read(g_h, &o, &given), AZK_ERR_FORMAT);
    write_conf("{}");
    assert_int_equal(azk_serve__config_read(g_h, &o, &given), AZK_OK);
    azk_error_clear();
}

static void test_serve_plat__rate_counters(void **state)
{
    const char *keys[2] = {"src:127.0.0.1", "user:alice"};
    int64_t hits[2];
    (void)state;
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(azk_store__rate_hits(g_h, keys, 2, 6000, 5940, hits, NULL), AZK_OK);
        assert_int_equal(hits[0], i);
        assert_int_equal(hits[1], i);
    }
    assert_int_equal(azk_store__rate_hits(g_h, keys, 1, 6000, 5940, hits, NULL), AZK_OK);
    assert_int_equal(hits[0], 4);
    /* a new window starts at 1 and forgets the windows before the previous one */
    assert_int_equal(azk_store__rate_hits(g_h, keys + 1, 1, 6060, 6060, hits, NULL), AZK_OK);
    assert_int_equal(hits[0], 1);
    assert_int_equal(azk_store__rate_hits(g_h, keys, 1, 6000, 5940, hits, NULL), AZK_OK);
    assert_int_equal(hits[0], 1); /* pruned, counted again from 1 */
}

/* The previous window's counts come back for the sliding estimate. */
static void test_serve_plat__rate_previous_window(void **state)
{
    const char *keys[2] = {"src:10.0.0.9", "user:carol"};
    int64_t hits[2], prev[2];
    (void)state;
    for (int i = 0; i < 5; i++)
        assert_int_equal(azk_store__rate_hits(g_h, keys, 1, 7000, 6940, hits, NULL), AZK_OK);
    assert_int_equal(azk_store__rate_hits(g_h, keys, 2, 7060, 7000, hits, prev), AZK_OK);
    assert_int_equal(hits[0], 1);
    assert_int_equal(prev[0], 5);
    assert_int_equal(hits[1], 1);
    assert_int_equal(prev[1], 0); /* none in the window before */
}

/* prev * (60 - elapsed) / 60 + cur against the limit; Retry-After until it holds again. */
static void test_serve_plat__rate_sliding_estimate(void **state)
{
    (void)state;
    assert_int_equal(azk_serve__rate_wait(0, 10, 10, 30, 60), 0);
    /* this window alone over: the rest of it, then until 1/11 of it has faded */
    assert_int_equal(azk_serve__rate_wait(0, 11, 10, 30, 60), 36);
    /* a full previous window, 1 s into the next: refused (a fixed window would let it in) */
    assert_int_equal(azk_serve__rate_wait(12, 1, 12, 1, 60), 4);
    assert_int_equal(azk_serve__rate_wait(12, 1, 12, 4, 60), 1);
    assert_int_equal(azk_serve__rate_wait(12, 1, 12, 5, 60), 0); /* 12*55/60 + 1 = 12 */
    assert_int_equal(azk_serve__rate_wait(12, 13, 12, 59, 60), 6);
    assert_int_equal(azk_serve__rate_wait(1000000, 1000000, 1, 0, 60), 120); /* capped */
}

static void test_serve_plat__shared_key(void **state)
{
    uint8_t a[32], b[32], k1[32], k2[32];
    (void)state;
    memset(a, 1, sizeof(a));
    memset(b, 2, sizeof(b));
    assert_int_equal(azk_store__serve_key(g_h, "test-key", a, k1), AZK_OK);
    assert_int_equal(azk_store__serve_key(g_h, "test-key", b, k2), AZK_OK);
    assert_memory_equal(k1, a, 32);
    assert_memory_equal(k2, a, 32);
    assert_false(azk_store__catalog_lost(g_h)); /* SQLite: never */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve_plat__json_limits),
        cmocka_unit_test(test_serve_plat__json_malformed),
        cmocka_unit_test(test_serve_plat__json_body_max),
        cmocka_unit_test(test_serve_plat__page_args),
        cmocka_unit_test(test_serve_plat__config),
        cmocka_unit_test(test_serve_plat__rate_counters),
        cmocka_unit_test(test_serve_plat__rate_previous_window),
        cmocka_unit_test(test_serve_plat__rate_sliding_estimate),
        cmocka_unit_test(test_serve_plat__shared_key),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
