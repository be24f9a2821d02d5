/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/policy/test_policy.c -- the guard policy: fail-closed
 * defaults, loading the "guard" section (unknown keys and bad types are
 * errors), zone-dependent defaults, `set` by atomic replace, closed-zone
 * hosts and paths, and decisions over synthetic scan results (entrusted
 * records, scores, unreadable objects, limits, internal failures).
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

#include "azukari/guard.h"

static char tmpdir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/azk-policy-XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *conf(void)
{
    static char p[128];
    snprintf(p, sizeof(p), "%s/azukari.conf", tmpdir);
    return p;
}

static void test_policy__defaults_fail_closed(void **state)
{
    azk_guard_policy p;
    (void)state;
    assert_int_equal(azk_guard_policy_load(&p, conf()), AZK_OK); /* missing file */
    assert_int_equal(p.zone, AZK_GUARD_ZONE_CLOSED);
    assert_true(p.block_on_edm);
    assert_true(p.unreadable_block);
    assert_true(p.pii_block_score > 0.0);
    assert_true(p.pii_warn_score <= p.pii_block_score);
    assert_null(p.fingerprints);
    azk_guard_policy_dispose(&p);
}

static void test_policy__load_section(void **state)
{
    azk_guard_policy p;
    (void)state;
    write_file(conf(), "{\"other\": {\"x\": 1}, \"guard\": {\"zone\": \"closed\", "
                       "\"block_on_edm\": true, \"pii_block_score\": 70, \"pii_warn_score\": 10, "
                       "\"unreadable\": \"allow\", \"fingerprints\": \"/srv/fp.azf\", "
                       "\"closed_paths\": [\"/srv/closed\"], \"closed_hosts\": [\"db1\", "
                       "\".closed.example\"], \"max_body\": 1000, \"max_ratio\": 50}}");
    assert_int_equal(azk_guard_policy_load(&p, conf()), AZK_OK);
    assert_true(p.pii_block_score == 70.0);
    assert_true(p.pii_warn_score == 10.0);
    assert_false(p.unreadable_block);
    assert_string_equal(p.fingerprints, "/srv/fp.azf");
    assert_int_equal(p.closed_path_count, 1);
    assert_int_equal(p.closed_host_count, 2);
    assert_int_equal(p.max_body, 1000);
    assert_int_equal(p.max_ratio, 50);
    azk_guard_policy_dispose(&p);
}

static void test_policy__general_zone_default(void **state)
{
    azk_guard_policy p;
    (void)state;
    write_file(conf(), "{\"guard\": {\"zone\": \"general\"}}");
    assert_int_equal(azk_guard_policy_load(&p, conf()), AZK_OK);
    assert_int_equal(p.zone, AZK_GUARD_ZONE_GENERAL);
    assert_false(p.unreadable_block);
    azk_guard_policy_dispose(&p);
    /* explicit block wins whatever the key order */
    write_file(conf(), "{\"guard\": {\"unreadable\": \"block\", \"zone\": \"general\"}}");
    assert_int_equal(azk_guard_policy_load(&p, conf()), AZK_OK);
    assert_true(p.unreadable_block);
    azk_guard_policy_dispose(&p);
}

static void test_policy__bad_config_is_error(void **state)
{
    static const char *bad[] = {
        "{\"guard\": {\"block_on_edn\": true}}",    /* typo */
        "{\"guard\": {\"block_on_edm\": \"yes\"}}", /* type */
        "{\"guard\": {\"pii_block_score\": 101}}",  /* range */
        "{\"guard\": {\"pii_block_score\": 10, \"pii_warn_score\": 20}}",
        "{\"guard\": {\"unreadable\": \"maybe\"}}",
        "{\"guard\": {\"zone\": \"dmz\"}}",
        "{\"guard\": {\"closed_paths\": \"/srv\"}}",
        "{\"guard\": {\"closed_hosts\": [\"\"]}}",
        "{\"guard\": {\"max_body\": -1}}",
        "{\"guard\": []}",
        "[1, 2]",
        "{\"guard\": {\"zone\": \"closed\"",
        "{\"guard\": {}, \"guard\": {}}",
    };
    size_t i;
    (void)state;
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        azk_guard_policy p;
        write_file(conf(), bad[i]);
        assert_int_not_equal(azk_guard_policy_load(&p, conf()), AZK_OK);
        assert_true(strlen(azk_error_last()->message) > 0);
        azk_guard_policy_dispose(&p);
    }
}

static void test_policy__set_keeps_other_sections(void **state)
{
    azk_guard_policy p;
    char *j = NULL;
    (void)state;
    write_file(conf(), "{\"other\": {\"keep\": true}}");
    assert_int_equal(azk_guard_policy_set(conf(), "pii_block_score", "35"), AZK_OK);
    assert_int_equal(azk_guard_policy_set(conf(), "closed_hosts", "[\"db1\"]"), AZK_OK);
    assert_int_equal(azk_guard_policy_set(conf(), "nosuchkey", "1"), AZK_ERR_ARG);
    assert_int_equal(azk_guard_policy_set(conf(), "pii_block_score", "abc"), AZK_ERR_ARG);
    /* a value that makes the section inconsistent is refused */
    assert_int_not_equal(azk_guard_policy_set(conf(), "pii_warn_score", "90"), AZK_OK);
    assert_int_equal(azk_guard_policy_load(&p, conf()), AZK_OK);
    assert_true(p.pii_block_score == 35.0);
    assert_int_equal(p.closed_host_count, 1);
    assert_int_equal(azk_guard_policy_to_json(&p, &j), AZK_OK);
    assert_non_null(strstr(j, "\"pii_block_score\": 35"));
    azk_guard_mem_free(j);
    azk_guard_policy_dispose(&p);
    {
        FILE *f = fopen(conf(), "r");
        char text[4096];
        size_t n = fread(text, 1, sizeof(text) - 1, f);
        fclose(f);
        text[n] = '\0';
        assert_non_null(strstr(text, "\"keep\": true"));
    }
}

static void test_policy__closed_hosts_and_paths(void **state)
{
    azk_guard_policy p;
    char sub[128], other[128];
    (void)state;
    snprintf(sub, sizeof(sub), "%s/closed", tmpdir);
    snprintf(other, sizeof(other), "%s/closedother", tmpdir);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(mkdir(other, 0700), 0);
    azk_guard_policy_init(&p);
    p.closed_hosts = calloc(2, sizeof(char *));
    p.closed_hosts[0] = strdup("db1");
    p.closed_hosts[1] = strdup(".closed.example");
    p.closed_host_count = 2;
    p.closed_paths = calloc(1, sizeof(char *));
    p.closed_paths[0] = strdup(sub);
    p.closed_path_count = 1;
    assert_true(azk_guard_policy_closed_host(&p, "db1"));
    assert_true(azk_guard_policy_closed_host(&p, "DB1."));
    assert_true(azk_guard_policy_closed_host(&p, "a.closed.example"));
    assert_false(azk_guard_policy_closed_host(&p, "closed.example"));
    assert_false(azk_guard_policy_closed_host(&p, "db10"));
    assert_false(azk_guard_policy_closed_host(&p, "evilclosed.example"));
    assert_false(azk_guard_policy_closed_host(&p, ""));
    assert_true(azk_guard_policy_closed_path(&p, sub));
    {
        char f[192];
        /* "x" does not exist: "x/.." cannot be resolved honestly, so not closed */
        snprintf(f, sizeof(f), "%s/x/../file", sub);
        assert_false(azk_guard_policy_closed_path(&p, f));
        snprintf(f, sizeof(f), "%s/./file", sub);
        assert_true(azk_guard_policy_closed_path(&p, f));
        snprintf(f, sizeof(f), "%s/../closedother", sub);
        assert_false(azk_guard_policy_closed_path(&p, f));
    }
    assert_false(azk_guard_policy_closed_path(&p, other));
    azk_guard_policy_dispose(&p);
}

/*
 * Destinations of `guard check --to`: a path is judged where it really is
 * (symbolic links and ".." resolved on the existing part), a URL by the
 * host of its authority only.
 */
static void test_policy__destination_resolved(void **state)
{
    azk_guard_policy p;
    char closed[128], general[128], d[256], cwd[512];
    (void)state;
    snprintf(closed, sizeof(closed), "%s/closed", tmpdir);
    snprintf(general, sizeof(general), "%s/general", tmpdir);
    assert_int_equal(mkdir(closed, 0700), 0);
    assert_int_equal(mkdir(general, 0700), 0);
    snprintf(d, sizeof(d), "%s/link-to-general", closed);
    assert_int_equal(symlink(general, d), 0);
    snprintf(d, sizeof(d), "%s/dangling", closed);
    assert_int_equal(symlink("/nonexistent-azk/general", d), 0);
    snprintf(d, sizeof(d), "%s/sub", closed);
    assert_int_equal(mkdir(d, 0700), 0);
    azk_guard_policy_init(&p);
    p.closed_hosts = calloc(1, sizeof(char *));
    p.closed_hosts[0] = strdup(".closed.example");
    p.closed_host_count = 1;
    p.closed_paths = calloc(1, sizeof(char *));
    p.closed_paths[0] = strdup(closed);
    p.closed_path_count = 1;

    /* paths inside */
    assert_true(azk_guard_policy_closed_dest(&p, closed));
    snprintf(d, sizeof(d), "%s/x", closed);
    assert_true(azk_guard_policy_closed_dest(&p, d));
    snprintf(d, sizeof(d), "%s/sub/new/deeper/x", closed);
    assert_true(azk_guard_policy_closed_dest(&p, d));
    snprintf(d, sizeof(d), "%s/sub/../x", closed);
    assert_true(azk_guard_policy_closed_dest(&p, d));
    snprintf(d, sizeof(d), "file://%s/x", closed);
    assert_true(azk_guard_policy_closed_dest(&p, d));
    /* paths that lead out */
    snprintf(d, sizeof(d), "%s/../general/x", closed);
    assert_false(azk_guard_policy_closed_dest(&p, d));
    snprintf(d, sizeof(d), "%s/link-to-general/x", closed);
    assert_false(azk_guard_policy_closed_dest(&p, d));
    snprintf(d, sizeof(d), "%s/link-to-general", closed);
    assert_false(azk_guard_policy_closed_dest(&p, d));
    snprintf(d, sizeof(d), "%s/link-to-general/new/x", closed);
    assert_false(azk_guard_policy_closed_dest(&p, d));
    snprintf(d, sizeof(d), "%s/dangling", closed);
    assert_false(azk_guard_policy_closed_dest(&p, d));
    snprintf(d, sizeof(d), "%s/dangling/x", closed);
    assert_false(azk_guard_policy_closed_dest(&p, d));
    snprintf(d, sizeof(d), "%s/new/../../general/x", closed);
    assert_false(azk_guard_policy_closed_dest(&p, d));
    snprintf(d, sizeof(d), "file://%s/link-to-general/x", closed);
    assert_false(azk_guard_policy_closed_dest(&p, d));
    snprintf(d, sizeof(d), "file://%s/%%2e%%2e/general/x", closed);
    assert_false(azk_guard_policy_closed_dest(&p, d));
    /* relative paths resolve against the working directory */
    assert_non_null(getcwd(cwd, sizeof(cwd)));
    assert_int_equal(chdir(closed), 0);
    assert_true(azk_guard_policy_closed_dest(&p, "./x"));
    assert_true(azk_guard_policy_closed_dest(&p, "sub")); /* exists: a path */
    assert_false(azk_guard_policy_closed_dest(&p, "x"));  /* missing bare name: a host */
    assert_true(azk_guard_policy_closed_dest(&p, "./sub/x"));
    assert_false(azk_guard_policy_closed_dest(&p, "../general/x"));
    assert_false(azk_guard_policy_closed_dest(&p, "link-to-general/x"));
    assert_int_equal(chdir(cwd), 0);

    /* URLs: the host of the authority decides */
    assert_true(azk_guard_policy_closed_dest(&p, "https://db1.closed.example/upload"));
    assert_true(azk_guard_policy_closed_dest(&p, "https://u:pw@DB1.Closed.Example.:8443/x?y"));
    assert_true(azk_guard_policy_closed_dest(&p, "sftp://db1.closed.example"));
    assert_false(azk_guard_policy_closed_dest(&p, "https://evil.com/?h=db1.closed.example"));
    assert_false(azk_guard_policy_closed_dest(&p, "https://evil.com/db1.closed.example"));
    assert_false(azk_guard_policy_closed_dest(&p, "https://evil.com#.closed.example"));
    assert_false(azk_guard_policy_closed_dest(&p, "https://db1.closed.example.evil.com/"));
    assert_false(
        azk_guard_policy_closed_dest(&p, "https://db1.closed.example@evil.com/.closed.example"));
    assert_false(azk_guard_policy_closed_dest(&p, "https://evil.com\\.closed.example/"));
    assert_false(azk_guard_policy_closed_dest(&p, "https://db1%2eclosed.example/"));
    assert_false(azk_guard_policy_closed_dest(&p, "1https://db1.closed.example/"));
    /* scp style and bare host names */
    assert_true(azk_guard_policy_closed_dest(&p, "user@db1.closed.example:/srv/in"));
    assert_false(azk_guard_policy_closed_dest(&p, "evil.com:/x/db1.closed.example"));
    assert_true(azk_guard_policy_closed_dest(&p, "db1.closed.example"));
    assert_false(azk_guard_policy_closed_dest(&p, "evil.com?h=db1.closed.example"));
    assert_false(azk_guard_policy_closed_dest(&p, ""));
    azk_guard_policy_dispose(&p);
}

/* ---- decisions -------------------------------------------------------------- */

static azk_scan_result result(void)
{
    azk_scan_result r;
    memset(&r, 0, sizeof(r));
    r.path = "f.txt";
    r.size = 100;
    return r;
}

static void test_policy__decision_clean_allows(void **state)
{
    azk_guard_policy p;
    azk_guard_decision d;
    azk_scan_result r = result();
    (void)state;
    azk_guard_policy_init(&p);
    azk_guard_decision_init(&d);
    azk_guard_decision_add(&d, &r);
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_ALLOW);
    assert_int_equal(d.reasons, 0);
}

static void test_policy__decision_edm_blocks(void **state)
{
    azk_guard_policy p;
    azk_guard_decision d;
    azk_scan_result r = result();
    uint64_t rows[3] = {1, 5, 9};
    azk_scan_edm e = {"shinkin-a", "2023-09-dm", rows, 3};
    (void)state;
    azk_guard_policy_init(&p);
    r.edm = &e;
    r.edm_count = 1;
    azk_guard_decision_init(&d);
    azk_guard_decision_add(&d, &r);
    azk_guard_decision_add(&d, &r); /* a member with the same dataset */
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_BLOCK);
    assert_true(d.reasons & AZK_GUARD_R_EDM);
    assert_int_equal(d.edm_rows, 6);
    assert_int_equal(d.edm_count, 1);
    assert_int_equal(d.edm[0].rows, 6);
    assert_string_equal(d.edm[0].client, "shinkin-a");
    p.block_on_edm = false;
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_WARN);
}

static void test_policy__decision_scores(void **state)
{
    azk_guard_policy p;
    azk_guard_decision d;
    azk_scan_result r = result();
    char *j = NULL;
    (void)state;
    azk_guard_policy_init(&p);
    p.pii_block_score = 50;
    p.pii_warn_score = 20;
    r.counts[AZK_PII_PHONE] = 3;
    r.score = 30;
    azk_guard_decision_init(&d);
    azk_guard_decision_add(&d, &r);
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_WARN);
    assert_true(d.reasons & AZK_GUARD_R_PII_WARN);
    r.score = 50;
    azk_guard_decision_add(&d, &r);
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_BLOCK);
    assert_true(d.reasons & AZK_GUARD_R_PII_BLOCK);
    assert_false(d.reasons & AZK_GUARD_R_PII_WARN);
    assert_int_equal(d.counts[AZK_PII_PHONE], 6);
    assert_int_equal(azk_guard_decision_to_json(&d, "a/b.txt", &j), AZK_OK);
    assert_non_null(strstr(j, "\"decision\":\"block\""));
    assert_non_null(strstr(j, "\"phone\":6"));
    azk_guard_mem_free(j);
    /* never: scores disabled */
    p.pii_block_score = -1;
    p.pii_warn_score = -1;
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_ALLOW);
}

static void test_policy__decision_unreadable(void **state)
{
    azk_guard_policy p;
    azk_guard_decision d;
    azk_scan_result r = result();
    (void)state;
    azk_guard_policy_init(&p);
    r.error = AZK_ERR_FORMAT;
    r.error_code = "format";
    azk_guard_decision_init(&d);
    azk_guard_decision_add(&d, &r);
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_BLOCK);
    assert_true(d.reasons & AZK_GUARD_R_UNREADABLE);
    assert_string_equal(d.unreadable_code, "format");
    p.content[AZK_GUARD_CLASS_ERROR] = AZK_GUARD_ACT_WARN;
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_WARN);
}

/* The class of an object comes from its scan result; an image with data after its end is an error.
 */
static void test_policy__content_class_of(void **state)
{
    static const struct {
        const char *format;
        azk_status error;
        const char *message;
        azk_guard_class cls;
    } cases[] = {
        {"text", AZK_OK, NULL, AZK_GUARD_CLASS_TEXT},
        {"csv", AZK_OK, NULL, AZK_GUARD_CLASS_TEXT},
        {NULL, AZK_OK, NULL, AZK_GUARD_CLASS_TEXT},
        {"zip", AZK_OK, NULL, AZK_GUARD_CLASS_ARCHIVE},
        {"gzip", AZK_OK, NULL, AZK_GUARD_CLASS_ARCHIVE},
        {"xlsx", AZK_OK, NULL, AZK_GUARD_CLASS_OFFICE},
        {"docx", AZK_OK, NULL, AZK_GUARD_CLASS_OFFICE},
        {"png", AZK_OK, NULL, AZK_GUARD_CLASS_IMAGE},
        {"jpeg", AZK_OK, NULL, AZK_GUARD_CLASS_IMAGE},
        {"png", AZK_ERR_FORMAT, "png: 140 bytes after the end of the image (not an image)",
         AZK_GUARD_CLASS_ERROR},
        {"binary", AZK_OK, NULL, AZK_GUARD_CLASS_BINARY},
        {"some-new-format", AZK_OK, NULL, AZK_GUARD_CLASS_BINARY}, /* unknown: fail closed */
        {"tsv", AZK_OK, NULL, AZK_GUARD_CLASS_TEXT},
        {"pdf", AZK_ERR_UNSUPPORTED, "pdf: text extraction not supported", AZK_GUARD_CLASS_BINARY},
        {NULL, AZK_ERR_UNSUPPORTED, "encrypted member, not scannable", AZK_GUARD_CLASS_ENCRYPTED},
        {"xlsx", AZK_ERR_LIMIT, "xlsx: shared strings over", AZK_GUARD_CLASS_LIMIT},
        {"zip", AZK_ERR_FORMAT, "zip: bad cdir", AZK_GUARD_CLASS_ERROR},
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        azk_scan_result r = result();
        r.format = cases[i].format;
        r.error = cases[i].error;
        r.error_message = cases[i].message;
        if (azk_guard_content_class_of(&r) != cases[i].cls)
            fail_msg("case %zu: %s", i, azk_guard_class_name(azk_guard_content_class_of(&r)));
    }
}

/* Closed zone: images and everything not read block; general zone: images pass, the rest warns. */
static void test_policy__content_policy_per_zone(void **state)
{
    azk_guard_policy p;
    azk_guard_decision d;
    azk_scan_result img = result(), enc = result(), txt = result();
    (void)state;
    img.format = "png";
    enc.error = AZK_ERR_UNSUPPORTED;
    enc.error_message = "encrypted member, not scannable";
    txt.format = "text";
    azk_guard_policy_init(&p);
    azk_guard_decision_init(&d);
    azk_guard_decision_add(&d, &img);
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_BLOCK);
    assert_int_equal(d.reasons, AZK_GUARD_R_IMAGE);
    assert_int_equal(d.classes[AZK_GUARD_CLASS_IMAGE], 1);
    assert_int_equal(d.unreadable, 0);
    p.content[AZK_GUARD_CLASS_IMAGE] = AZK_GUARD_ACT_ALLOW; /* explicitly allowed */
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_ALLOW);
    azk_guard_decision_init(&d);
    azk_guard_decision_add(&d, &txt);
    azk_guard_decision_add(&d, &enc);
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_BLOCK);
    assert_true(d.reasons & AZK_GUARD_R_UNREADABLE);
    assert_int_equal(d.classes[AZK_GUARD_CLASS_ENCRYPTED], 1);
    assert_int_equal(d.classes[AZK_GUARD_CLASS_TEXT], 1);

    /* the general zone's defaults, from the file */
    write_file(conf(), "{\"guard\": {\"zone\": \"general\"}}");
    assert_int_equal(azk_guard_policy_load(&p, conf()), AZK_OK);
    assert_int_equal(p.content[AZK_GUARD_CLASS_IMAGE], AZK_GUARD_ACT_ALLOW);
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_WARN);
    azk_guard_decision_init(&d);
    azk_guard_decision_add(&d, &img);
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_ALLOW);
    azk_guard_policy_dispose(&p);

    /* "content" refines "unreadable" whatever the key order */
    write_file(conf(), "{\"guard\": {\"content\": {\"encrypted\": \"block\", \"image\": "
                       "\"warn\"}, \"unreadable\": \"allow\"}}");
    assert_int_equal(azk_guard_policy_load(&p, conf()), AZK_OK);
    assert_int_equal(p.content[AZK_GUARD_CLASS_ENCRYPTED], AZK_GUARD_ACT_BLOCK);
    assert_int_equal(p.content[AZK_GUARD_CLASS_BINARY], AZK_GUARD_ACT_WARN);
    assert_int_equal(p.content[AZK_GUARD_CLASS_IMAGE], AZK_GUARD_ACT_WARN);
    azk_guard_policy_dispose(&p);

    /* a typo or a class/action that makes no sense is an error, never a weaker policy */
    {
        static const char *const bad[] = {
            "{\"guard\": {\"content\": {\"text\": \"block\"}}}",
            "{\"guard\": {\"content\": {\"image\": \"scan\"}}}",
            "{\"guard\": {\"content\": {\"imagе\": \"allow\"}}}",
            "{\"guard\": {\"content\": {\"image\": \"alow\"}}}",
            "{\"guard\": {\"content\": {\"image\": true}}}",
            "{\"guard\": {\"content\": [\"image\"]}}",
        };
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
            write_file(conf(), bad[i]);
            assert_int_equal(azk_guard_policy_load(&p, conf()), AZK_ERR_FORMAT);
            azk_guard_policy_dispose(&p);
        }
    }
}

static void test_policy__decision_failures_always_block(void **state)
{
    azk_guard_policy p;
    azk_guard_decision d;
    (void)state;
    azk_guard_policy_init(&p);
    p.unreadable_block = false;
    p.pii_block_score = -1;
    azk_guard_decision_init(&d);
    azk_guard_decision_fail(&d, AZK_GUARD_R_INTERNAL, "scan");
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_BLOCK);
    azk_guard_decision_init(&d);
    azk_guard_decision_fail(&d, AZK_GUARD_R_LIMIT, "ratio");
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_BLOCK);
    azk_guard_decision_init(&d);
    azk_guard_decision_fail(&d, AZK_GUARD_R_PROTOCOL, "multipart");
    assert_int_equal(azk_guard_decision_finish(&d, &p), AZK_GUARD_BLOCK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_policy__defaults_fail_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy__load_section, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy__general_zone_default, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy__bad_config_is_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy__set_keeps_other_sections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy__closed_hosts_and_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy__destination_resolved, setup, teardown),
        cmocka_unit_test(test_policy__decision_clean_allows),
        cmocka_unit_test(test_policy__decision_edm_blocks),
        cmocka_unit_test(test_policy__decision_scores),
        cmocka_unit_test(test_policy__decision_unreadable),
        cmocka_unit_test(test_policy__decision_failures_always_block),
        cmocka_unit_test(test_policy__content_class_of),
        cmocka_unit_test_setup_teardown(test_policy__content_policy_per_zone, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
