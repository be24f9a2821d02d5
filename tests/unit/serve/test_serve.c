/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/serve/test_serve.c -- azukari serve's rules without a network:
 * the route table is well formed; the authorisation matrix (every route x
 * anonymous, every role, no role, two roles) against an expected table
 * kept here, which fails when a route is added without its expected
 * answer; client grants; the catalog's sessions and enrolment links
 * (store/serve.h: only hashes stored, single use, expiry, pruning); the
 * form-body decoder on good and malformed input; HTML escaping.
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
#include "store/serve.h"
#include "azukari/catalog.h"
#include "azukari/retention.h"

static char g_dir[64];
static char g_home[128];
static azk_home *g_h;

static int group_setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/azk-serve-XXXXXX");
    if (mkdtemp(g_dir) == NULL)
        return -1;
    snprintf(g_home, sizeof(g_home), "%s/home", g_dir);
    if (azk_home_init(g_home, NULL) != AZK_OK)
        return -1;
    if (azk_home_open(&g_h, g_home, NULL, 0) != AZK_OK)
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

static void test_serve__routes_well_formed(void **state)
{
    (void)state;
    assert_int_equal(azk_serve__routes_check(), AZK_OK);
}

/* Expected answers: A = allow, L = log in first, D = deny. Columns: anonymous,
 * administrator, operator, approver, auditor, client, no role, two role bits. */
static const struct {
    const char *route;
    const char *want;
} expected[] = {
    {"GET /", "AAAAAAAA"},
    {"GET /healthz", "AAAAAAAA"},
    {"GET /static/azukari.css", "AAAAAAAA"},
    {"GET /lang", "AAAAAAAA"},
    {"GET /login", "AAAAAAAA"},
    {"POST /login", "AAAAAAAA"},
    {"GET /enrol", "AAAAAAAA"},
    {"POST /enrol", "AAAAAAAA"},
    {"POST /logout", "LAAAAADD"},
    {"GET /dashboard", "LAAAAADD"},
    {"GET /datasets", "LAAAAADD"},
    /* ---- serve UI ---- */
    {"GET /requests", "LAAAADDD"},
    {"GET /api/v1/requests", "LAAAADDD"},
    {"POST /requests/new", "LDADDDDD"},
    {"POST /requests/approve", "LDDADDDD"},
    {"POST /requests/refuse", "LDDADDDD"},
    {"GET /guard", "LAAAADDD"},
    {"GET /api/v1/guard/items", "LAAAADDD"},
    {"POST /guard/request", "LDADDDDD"},
    {"POST /guard/approve", "LDDADDDD"},
    {"GET /admin/users", "LAAAADDD"},
    {"GET /api/v1/users", "LAAAADDD"},
    {"POST /admin/users/link", "LADDDDDD"},
    {"POST /admin/users/approve", "LAAADDDD"},
    {"POST /admin/users/role", "LADDDDDD"},
    {"POST /admin/grants/add", "LADDDDDD"},
    {"POST /admin/grants/remove", "LADDDDDD"},
    {"GET /admin/sessions", "LADDADDD"},
    {"GET /api/v1/sessions", "LADDADDD"},
    {"POST /admin/sessions/revoke", "LADDDDDD"},
    {"GET /dataset", "LAAAAADD"},
    {"GET /api/v1/dataset", "LAAAAADD"},
    {"GET /certificates", "LAAAAADD"},
    {"GET /api/v1/certificates", "LAAAAADD"},
    {"GET /certificate", "LAAAAADD"},
    {"GET /api/v1/certificate", "LAAAAADD"},
    {"GET /static/certificate.css", "AAAAAAAA"},
    {"GET /keys", "LAAAAADD"},
    {"GET /api/v1/keys", "LAAAAADD"},
    {"GET /audit", "LAAAADDD"},
    {"GET /api/v1/audit/entries", "LAAAADDD"},
    {"GET /api/v1/audit/checkpoints", "LAAAAADD"},
    {"GET /api/v1/audit/bundle", "LAAAADDD"},
    /* ---- end serve UI ---- */
    /* ---- serve platform ---- */
    {"GET /api/v1/me", "LAAAAADD"},
    {"GET /api/v1/dashboard", "LAAAAADD"},
    {"GET /api/v1/datasets", "LAAAAADD"},
    {"POST /api/v1/logout", "LAAAAADD"},
    /* ---- end serve platform ---- */
    /* ---- agents ---- */
    {"GET /api/v1/agents", "LAAAADDD"},
    {"GET /api/v1/agents/findings", "LAAAADDD"},
    {"POST /api/v1/agents/tokens", "LADDDDDD"},
    {"POST /api/v1/agents/revoke", "LADDDDDD"},
    {"GET /api/v1/agents/cases", "LAAAADDD"},
    {"POST /api/v1/agents/cases/request", "LDADDDDD"},
    {"POST /api/v1/agents/cases/approve", "LDDADDDD"},
    {"GET /api/v1/agents/witness", "LAAAADDD"},
    {"GET /api/v1/agents/closed-zone/datasets", "LAAAAADD"},
    {"GET /api/v1/agents/closed-zone/guard", "LAAAADDD"},
    /* ---- end agents ---- */
    /* ---- supervision ---- */
    {"GET /reports", "LAAAAADD"},
    {"GET /api/v1/reports", "LAAAAADD"},
    {"GET /report", "LAAAAADD"},
    {"GET /api/v1/report", "LAAAAADD"},
    {"GET /static/report.css", "AAAAAAAA"},
    {"POST /reports/generate", "LDAADDDD"},
    {"POST /api/v1/reports/generate", "LDAADDDD"},
    {"GET /training", "LAAAADDD"},
    {"GET /api/v1/training", "LAAAADDD"},
    {"GET /control", "LAAAADDD"},
    {"GET /api/v1/control", "LAAAADDD"},
    /* ---- end supervision ---- */
    /* ---- incidents ---- */
    {"GET /incidents", "LAAAAADD"},
    {"GET /api/v1/incidents", "LAAAAADD"},
    {"GET /incident", "LAAAAADD"},
    {"GET /api/v1/incident", "LAAAAADD"},
    {"POST /incidents/state", "LDAADDDD"},
    {"POST /api/v1/incidents/state", "LDAADDDD"},
    {"GET /static/incident.css", "AAAAAAAA"},
    /* ---- end incidents ---- */
    /* ---- agents pages ---- */
    {"GET /agents", "LAAAADDD"},
    {"POST /agents/token", "LADDDDDD"},
    {"POST /agents/revoke", "LADDDDDD"},
    {"GET /agents/findings", "LAAAADDD"},
    {"GET /agents/witness", "LAAAADDD"},
    {"GET /agents/cases", "LAAAADDD"},
    {"GET /agents/case", "LAAAADDD"},
    {"POST /agents/case/request", "LDADDDDD"},
    {"POST /agents/case/approve", "LDDADDDD"},
    /* ---- end agents pages ---- */
    /* ---- vendor management ---- */
    {"GET /vendors", "LAAAADDD"},
    {"GET /api/v1/vendors", "LAAAADDD"},
    {"GET /vendor", "LAAAADDD"},
    {"GET /api/v1/vendor", "LAAAADDD"},
    {"GET /static/vendor.css", "LAAAADDD"},
    {"GET /vendor/reports", "LAAAADDD"},
    {"GET /api/v1/vendor/reports", "LAAAADDD"},
    {"POST /vendor/reports/import", "LAADDDDD"},
    {"POST /api/v1/vendor/reports/import", "LAADDDDD"},
    {"GET /vendor/edit", "LAADDDDD"},
    {"POST /vendors/add", "LAADDDDD"},
    {"POST /api/v1/vendors/add", "LAADDDDD"},
    {"POST /vendor/clause", "LAADDDDD"},
    {"POST /api/v1/vendor/clause", "LAADDDDD"},
    {"POST /vendor/audit", "LAADDDDD"},
    {"POST /api/v1/vendor/audit", "LAADDDDD"},
    {"POST /vendor/finding", "LAADDDDD"},
    {"POST /api/v1/vendor/finding", "LAADDDDD"},
    {"POST /vendor/finding/update", "LAADDDDD"},
    {"POST /api/v1/vendor/finding/update", "LAADDDDD"},
    {"POST /vendor/doc", "LAADDDDD"},
    {"POST /api/v1/vendor/doc", "LAADDDDD"},
    /* ---- end vendor management ---- */
    /* ---- vendor register in serve ---- */
    {"GET /vendor/register", "LAADDDDD"},
    {"POST /vendor/set", "LAADDDDD"},
    {"POST /api/v1/vendor/set", "LAADDDDD"},
    {"POST /vendor/contract", "LAADDDDD"},
    {"POST /api/v1/vendor/contract", "LAADDDDD"},
    {"POST /vendor/locations", "LAADDDDD"},
    {"POST /api/v1/vendor/locations", "LAADDDDD"},
    {"POST /vendor/sub/add", "LAADDDDD"},
    {"POST /api/v1/vendor/sub/add", "LAADDDDD"},
    {"POST /vendor/sub/remove", "LAADDDDD"},
    {"POST /api/v1/vendor/sub/remove", "LAADDDDD"},
    {"POST /vendor/key", "LAADDDDD"},
    {"POST /api/v1/vendor/key", "LAADDDDD"},
    {"POST /vendor/key/retire", "LAADDDDD"},
    {"POST /api/v1/vendor/key/retire", "LAADDDDD"},
    {"POST /vendor/rate", "LAADDDDD"},
    {"POST /api/v1/vendor/rate", "LAADDDDD"},
    {"POST /vendor/schedule", "LAADDDDD"},
    {"POST /api/v1/vendor/schedule", "LAADDDDD"},
    {"POST /vendor/schedule/remove", "LAADDDDD"},
    {"POST /api/v1/vendor/schedule/remove", "LAADDDDD"},
    {"POST /vendor/audit/plan", "LAADDDDD"},
    {"POST /api/v1/vendor/audit/plan", "LAADDDDD"},
    {"POST /vendor/audit/unplan", "LAADDDDD"},
    {"POST /api/v1/vendor/audit/unplan", "LAADDDDD"},
    /* ---- end vendor register in serve ---- */
    /* ---- vendor files and questionnaires ---- */
    {"GET /vendor/quest", "LAAAADDD"},
    {"GET /api/v1/vendor/questionnaires", "LAAAADDD"},
    {"POST /vendor/quest/template", "LAADDDDD"},
    {"POST /api/v1/vendor/templates", "LAADDDDD"},
    {"POST /vendor/quest/send", "LAADDDDD"},
    {"POST /api/v1/vendor/questionnaires/send", "LAADDDDD"},
    {"POST /vendor/quest/receive", "LAADDDDD"},
    {"POST /api/v1/vendor/questionnaires/receive", "LAADDDDD"},
    {"POST /vendor/quest/review", "LAADDDDD"},
    {"POST /api/v1/vendor/questionnaires/review", "LAADDDDD"},
    /* ---- end vendor files and questionnaires ---- */
    /* ---- dashboard summary ---- */
    {"GET /admin/user/grants", "LAAAADDD"},
    {"GET /api/v1/user/grants", "LAAAADDD"},
    /* ---- end dashboard summary ---- */
    /* ---- agent sweep and witness ---- */
    {"GET /api/v1/agents/witness/keys", "LAAAADDD"},
    {"POST /api/v1/agents/witness/keys/request", "LADDDDDD"},
    {"POST /api/v1/agents/witness/keys/approve", "LADADDDD"},
    {"GET /agents/witness/keys", "LAAAADDD"},
    {"POST /agents/witness/keys/request", "LADDDDDD"},
    {"POST /agents/witness/keys/approve", "LADADDDD"},
    /* ---- end agent sweep and witness ---- */
    /* ---- impact jobs ---- */
    {"GET /impact/jobs", "LAAAADDD"},
    {"GET /api/v1/impact/jobs", "LAAAADDD"},
    {"POST /impact/jobs/request", "LDADDDDD"},
    {"POST /api/v1/impact/jobs/request", "LDADDDDD"},
    {"POST /impact/jobs/approve", "LDDADDDD"},
    {"POST /api/v1/impact/jobs/approve", "LDDADDDD"},
    {"POST /impact/jobs/refuse", "LDAADDDD"},
    {"POST /api/v1/impact/jobs/refuse", "LDAADDDD"},
    /* ---- end impact jobs ---- */
};

static void test_serve__authz_matrix(void **state)
{
    const unsigned roles[] = {0,
                              AZK_ROLE_ADMIN,
                              AZK_ROLE_OPERATOR,
                              AZK_ROLE_APPROVER,
                              AZK_ROLE_AUDITOR,
                              AZK_ROLE_CLIENT,
                              0,
                              AZK_ROLE_ADMIN | AZK_ROLE_CLIENT};
    size_t n = 0;
    const struct azk_serve_route *r = azk_serve__routes(&n);
    (void)state;
    assert_true(n > 0);
    /* every route has a row here, and every row a route */
    assert_int_equal(n, sizeof(expected) / sizeof(expected[0]));
    for (size_t i = 0; i < n; i++) {
        char key[128];
        const char *want = NULL;
        snprintf(key, sizeof(key), "%s %s", r[i].method, r[i].path);
        for (size_t j = 0; j < sizeof(expected) / sizeof(expected[0]); j++)
            if (strcmp(expected[j].route, key) == 0)
                want = expected[j].want;
        if (want == NULL)
            fail_msg("route %s has no expected answers in this test", key);
        for (size_t k = 0; k < 8; k++) {
            struct azk_serve_principal p;
            azk_serve_authz got;
            char g;
            memset(&p, 0, sizeof(p));
            p.authenticated = k != 0;
            p.role = roles[k];
            snprintf(p.name, sizeof(p.name), "u%zu", k);
            got = azk_serve__authorize(&r[i], &p);
            g = got == AZK_AUTHZ_ALLOW ? 'A' : got == AZK_AUTHZ_LOGIN ? 'L' : 'D';
            if (g != want[k])
                fail_msg("%s as column %zu: got %c, want %c", key, k, g, want[k]);
        }
        /* anonymous as a NULL principal too */
        assert_int_equal(azk_serve__authorize(&r[i], NULL) == AZK_AUTHZ_ALLOW, want[0] == 'A');
        /* a state change is a POST, and a POST a state change */
        assert_int_equal(r[i].changes_state, strcmp(r[i].method, "POST") == 0);
    }
}

static void test_serve__route_without_rule_denied(void **state)
{
    struct azk_serve_route bad = {"GET", "/x", 0, 0, false, false, azk_serve__h_healthz};
    struct azk_serve_route noroles = {"GET", "/x",  AZK_ACCESS_ROLES,    0,
                                      false, false, azk_serve__h_healthz};
    struct azk_serve_principal admin;
    (void)state;
    memset(&admin, 0, sizeof(admin));
    admin.authenticated = true;
    admin.role = AZK_ROLE_ADMIN;
    assert_int_equal(azk_serve__authorize(&bad, &admin), AZK_AUTHZ_DENY);
    assert_int_equal(azk_serve__authorize(&noroles, &admin), AZK_AUTHZ_DENY);
    assert_int_equal(azk_serve__authorize(NULL, &admin), AZK_AUTHZ_DENY);
}

static void test_serve__route_find(void **state)
{
    bool known = false;
    (void)state;
    assert_non_null(azk_serve__route_find("GET", "/dashboard", &known));
    assert_true(known);
    assert_null(azk_serve__route_find("POST", "/dashboard", &known));
    assert_true(known); /* 405 */
    assert_null(azk_serve__route_find("GET", "/dashboard/", &known));
    assert_false(known); /* exact paths only: 404 */
    assert_null(azk_serve__route_find("GET", "/../dashboard", &known));
    assert_false(known);
}

static void test_serve__client_grants(void **state)
{
    struct azk_serve_principal p;
    struct azk_store_event ev = {"serve.grant", "bank1", NULL, NULL, NULL};
    bool yes = true;
    (void)state;
    memset(&p, 0, sizeof(p));
    p.authenticated = true;
    p.role = AZK_ROLE_CLIENT;
    snprintf(p.name, sizeof(p.name), "bank1");
    assert_int_equal(azk_serve__may_see_client(g_h, &p, "c1", &yes), AZK_OK);
    assert_false(yes);
    assert_int_equal(azk_store__grant_add(g_h, "bank1", "c1", &ev), AZK_OK);
    assert_int_equal(azk_store__grant_add(g_h, "bank1", "c1", &ev), AZK_OK); /* idempotent */
    assert_int_equal(azk_serve__may_see_client(g_h, &p, "c1", &yes), AZK_OK);
    assert_true(yes);
    assert_int_equal(azk_serve__may_see_client(g_h, &p, "c2", &yes), AZK_OK);
    assert_false(yes);
    p.role = AZK_ROLE_AUDITOR;
    assert_int_equal(azk_serve__may_see_client(g_h, &p, "c2", &yes), AZK_OK);
    assert_true(yes);
    p.authenticated = false;
    assert_int_equal(azk_serve__may_see_client(g_h, &p, "c2", &yes), AZK_OK);
    assert_false(yes);
}

static void test_serve__sessions(void **state)
{
    struct azk_store_event ev = {"serve.login", "alice", NULL, NULL, NULL};
    struct azk_store_session s;
    char id[65], id2[65], h1[65], h2[65];
    bool found = false;
    (void)state;
    azk_serve__token_new(id);
    azk_serve__token_new(id2);
    assert_int_equal(strlen(id), 64);
    assert_string_not_equal(id, id2);
    azk_serve__token_hash(id, h1);
    azk_serve__token_hash(id2, h2);
    assert_string_not_equal(h1, id); /* only the hash is stored */
    assert_int_equal(azk_store__session_insert(g_h, h1, "alice", "csrf1", 1000, &ev), AZK_OK);
    assert_int_equal(azk_store__session_insert(g_h, h2, "alice", "csrf2", 5000, &ev), AZK_OK);
    assert_int_equal(azk_store__session_get(g_h, h1, &s, &found), AZK_OK);
    assert_true(found);
    assert_string_equal(s.name, "alice");
    assert_string_equal(s.csrf, "csrf1");
    assert_int_equal(s.created_at, 1000);
    assert_int_equal(azk_store__session_touch(g_h, h1, 1500), AZK_OK);
    assert_int_equal(azk_store__session_get(g_h, h1, &s, &found), AZK_OK);
    assert_int_equal(s.seen_at, 1500);
    /* the id itself finds nothing */
    assert_int_equal(azk_store__session_get(g_h, id, &s, &found), AZK_OK);
    assert_false(found);
    /* prune: created before 2000 goes, the other stays */
    assert_int_equal(azk_store__sessions_prune(g_h, 2000, 0), AZK_OK);
    assert_int_equal(azk_store__session_get(g_h, h1, &s, &found), AZK_OK);
    assert_false(found);
    assert_int_equal(azk_store__session_get(g_h, h2, &s, &found), AZK_OK);
    assert_true(found);
    assert_int_equal(azk_store__session_delete(g_h, h2, NULL), AZK_OK);
    assert_int_equal(azk_store__session_get(g_h, h2, &s, &found), AZK_OK);
    assert_false(found);
    assert_true(azk_serve__same("abc", "abc"));
    assert_false(azk_serve__same("abc", "abd"));
    assert_false(azk_serve__same("abc", "abcd"));
    assert_false(azk_serve__same("", ""));
}

static void test_serve__enrol_links(void **state)
{
    char tok[65], h[65], role[24];
    bool ok = false, taken = false;
    (void)state;
    azk_serve__token_new(tok);
    azk_serve__token_hash(tok, h);
    assert_int_equal(azk_store__enrol_insert(g_h, h, "administrator", 2000), AZK_OK);
    assert_int_equal(azk_store__enrol_peek(g_h, h, 1000, role, &ok), AZK_OK);
    assert_true(ok);
    assert_string_equal(role, "administrator");
    /* expired */
    assert_int_equal(azk_store__enrol_peek(g_h, h, 2000, role, &ok), AZK_OK);
    assert_false(ok);
    assert_int_equal(azk_store__enrol_take(g_h, h, 2500, &taken), AZK_OK);
    assert_false(taken);
    /* single use */
    assert_int_equal(azk_store__enrol_take(g_h, h, 1000, &taken), AZK_OK);
    assert_true(taken);
    assert_int_equal(azk_store__enrol_take(g_h, h, 1001, &taken), AZK_OK);
    assert_false(taken);
    assert_int_equal(azk_store__enrol_peek(g_h, h, 1001, role, &ok), AZK_OK);
    assert_false(ok);
}

static void test_serve__form_parse(void **state)
{
    struct azk_serve_req rq;
    static const char good[] = "user=%E5%B1%B1%E7%94%B0&password=a+b%26c&empty=&flag&&x=1";
    static const char *const bad[] = {"a=%", "a=%4", "a=%zz", "a=%00b", "a=%ff%fe"};
    (void)state;
    memset(&rq, 0, sizeof(rq));
    assert_int_equal(azk_serve__form_parse(&rq, good, strlen(good)), AZK_OK);
    assert_string_equal(azk_serve__form(&rq, "user"), "山田");
    assert_string_equal(azk_serve__form(&rq, "password"), "a b&c");
    assert_string_equal(azk_serve__form(&rq, "empty"), "");
    assert_string_equal(azk_serve__form(&rq, "flag"), "");
    assert_string_equal(azk_serve__form(&rq, "x"), "1");
    assert_null(azk_serve__form(&rq, "nope"));
    azk_serve__form_free(&rq);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        memset(&rq, 0, sizeof(rq));
        assert_int_equal(azk_serve__form_parse(&rq, bad[i], strlen(bad[i])), AZK_ERR_FORMAT);
        azk_serve__form_free(&rq);
    }
    /* too many fields */
    {
        char many[256] = "";
        size_t used = 0;
        for (int i = 0; i < AZK_SERVE_MAX_FIELDS + 1; i++)
            used += (size_t)snprintf(many + used, sizeof(many) - used, "a=1&");
        memset(&rq, 0, sizeof(rq));
        assert_int_equal(azk_serve__form_parse(&rq, many, strlen(many)), AZK_ERR_LIMIT);
        azk_serve__form_free(&rq);
    }
}

static void test_serve__html_escape(void **state)
{
    azk_buf b = AZK_BUF_INIT;
    (void)state;
    assert_int_equal(azk_serve__html(&b, "<script>alert('x')</script>&\""), AZK_OK);
    assert_string_equal((const char *)b.data,
                        "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;");
    azk_buf_dispose(&b);
}

static void test_serve__security_headers(void **state)
{
    const char *const *hd = azk_serve__security_headers();
    bool csp = false, hsts = false, xfo = false;
    (void)state;
    for (size_t i = 0; hd[i] != NULL; i += 2) {
        if (strcmp(hd[i], "Content-Security-Policy") == 0) {
            csp = strstr(hd[i + 1], "unsafe-inline") == NULL &&
                  strstr(hd[i + 1], "frame-ancestors 'none'") != NULL &&
                  strstr(hd[i + 1], "script-src") == NULL; /* default-src 'none' covers it */
        }
        hsts |= strcmp(hd[i], "Strict-Transport-Security") == 0;
        xfo |= strcmp(hd[i], "X-Frame-Options") == 0 && strcmp(hd[i + 1], "DENY") == 0;
    }
    assert_true(csp && hsts && xfo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serve__routes_well_formed),
        cmocka_unit_test(test_serve__authz_matrix),
        cmocka_unit_test(test_serve__route_without_rule_denied),
        cmocka_unit_test(test_serve__route_find),
        cmocka_unit_test(test_serve__client_grants),
        cmocka_unit_test(test_serve__sessions),
        cmocka_unit_test(test_serve__enrol_links),
        cmocka_unit_test(test_serve__form_parse),
        cmocka_unit_test(test_serve__html_escape),
        cmocka_unit_test(test_serve__security_headers),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
