/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/scan/test_scan.c -- the scanner's run control: a result
 * callback that returns a status stops the run (a front end whose output
 * failed must not scan on for nothing) and the run returns that status;
 * the incremental cache's changed-only mode (cache_changed_only); a listed
 * file that vanished or was replaced, or whose directory was replaced by a
 * symbolic link, before a worker opened it (test hook
 * azk_scan__test_before_open); a file written to while it was read (test hook
 * azk_scan__test_after_read); the scanner's fstat against fstat(); the walk's bound
 * on directories kept open.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include "azukari/scan.h"
#include "scan/scan_int.h"
#include "scan/scanner_int.h"
#include "scan/walk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct count {
    int results;
    azk_status answer;
};

static azk_status count_cb(const azk_scan_result *r, void *payload)
{
    struct count *c = payload;
    (void)r;
    c->results++;
    return c->answer;
}

static void make_tree(char *dir, int files)
{
    assert_non_null(mkdtemp(dir));
    for (int i = 0; i < files; i++) {
        char path[512];
        FILE *f;
        (void)snprintf(path, sizeof(path), "%s/f%03d.txt", dir, i);
        f = fopen(path, "w");
        assert_non_null(f);
        fprintf(f, "TEL 090-3141-5926 row %d\n", i);
        fclose(f);
    }
}

static void remove_tree(const char *dir, int files)
{
    for (int i = 0; i < files; i++) {
        char path[512];
        (void)snprintf(path, sizeof(path), "%s/f%03d.txt", dir, i);
        unlink(path);
    }
    rmdir(dir);
}

static void run_with(azk_status answer, int *results, azk_status *rc)
{
    char dir[] = "/tmp/azk-scan-XXXXXX";
    const char *paths[1];
    azk_scan_options o = AZK_SCAN_OPTIONS_INIT;
    azk_scanner *s = NULL;
    azk_scan_stats st;
    struct count c = {0, answer};
    make_tree(dir, 20);
    paths[0] = dir;
    o.threads = 1;
    assert_int_equal(azk_scanner_new(&s, &o), AZK_OK);
    *rc = azk_scanner_run(s, paths, 1, count_cb, &c, &st);
    azk_scanner_free(s);
    remove_tree(dir, 20);
    *results = c.results;
}

static void test_scan__callback_status_stops_the_run(void **state)
{
    int n;
    azk_status rc;
    (void)state;
    run_with(AZK_OK, &n, &rc);
    assert_int_equal(rc, AZK_OK);
    assert_int_equal(n, 20);
    run_with(AZK_ERR_IO, &n, &rc);
    assert_int_equal(rc, AZK_ERR_IO);
    /* one worker: the failed delivery is the last one */
    assert_int_equal(n, 1);
    assert_non_null(strstr(azk_error_last()->message, "stopped"));
}

static void test_scan__callback_status_stops_scan_fd(void **state)
{
    static const char text[] = "TEL 090-3141-5926\n";
    azk_scan_options o = AZK_SCAN_OPTIONS_INIT;
    azk_scanner *s = NULL;
    struct count c = {0, AZK_ERR_IO};
    int fd[2];
    (void)state;
    assert_int_equal(azk_scanner_new(&s, &o), AZK_OK);
    assert_int_equal(pipe(fd), 0);
    assert_int_equal(write(fd[1], text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd[1]);
    assert_int_equal(azk_scanner_scan_fd(s, fd[0], "x.txt", count_cb, &c, NULL), AZK_ERR_IO);
    close(fd[0]);
    assert_int_equal(c.results, 1);
    azk_scanner_free(s);
}

static azk_status keep_cb(const azk_scan_result *r, void *payload)
{
    *(azk_scan_result *)payload = *r; /* counts and flags only are read */
    return AZK_OK;
}

/* findings kept for one object of three phone numbers, under options `o` */
static bool truncated_with(const azk_scan_options *o)
{
    static const char text[] = "TEL 090-3141-5926\nTEL 090-2718-2818\nTEL 090-1414-2135\n";
    azk_scanner *s = NULL;
    azk_scan_result r;
    int fd[2];
    assert_int_equal(azk_scanner_new(&s, o), AZK_OK);
    assert_int_equal(pipe(fd), 0);
    assert_int_equal(write(fd[1], text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd[1]);
    assert_int_equal(azk_scanner_scan_fd(s, fd[0], "x.txt", keep_cb, &r, NULL), AZK_OK);
    close(fd[0]);
    azk_scanner_free(s);
    assert_int_equal(r.counts[AZK_PII_PHONE], 3);
    return r.truncated;
}

/* options versions through the public API: a caller built before
 * max_findings existed (its struct ends before it) gets the default */
static void test_scan__options_struct_size(void **state)
{
    azk_scan_options o = AZK_SCAN_OPTIONS_INIT;
    azk_scanner *s = (azk_scanner *)&o; /* not NULL: the call must clear it */
    (void)state;
    o.max_findings = 1;
    assert_true(truncated_with(&o));
    o.struct_size = offsetof(azk_scan_options, max_findings);
    assert_false(truncated_with(&o));
    o.struct_size = 0; /* not from AZK_SCAN_OPTIONS_INIT */
    assert_int_equal(azk_scanner_new(&s, &o), AZK_ERR_ARG);
    assert_null(s);
}

struct deep {
    int results, phones, errors;
};

static azk_status deep_cb(const azk_scan_result *r, void *payload)
{
    struct deep *d = payload;
    d->results++;
    d->phones += (int)r->counts[AZK_PII_PHONE];
    d->errors += r->error != AZK_OK;
    return AZK_OK;
}

/*
 * The walk stats an entry relative to its open directory down to
 * WALK_FD_DEPTH (32) and by its path below: a tree 40 directories deep,
 * a file at every level and a symbolic link to a file at the bottom
 * (not followed), gives every file once and no error.
 */
static void test_scan__deep_tree(void **state)
{
    char root[] = "/tmp/azk-deep-XXXXXX", path[4096], link[4200];
    const char *paths[1];
    azk_scan_options o = AZK_SCAN_OPTIONS_INIT;
    azk_scanner *s = NULL;
    azk_scan_stats st;
    struct deep d = {0, 0, 0};
    size_t len;
    (void)state;
    assert_non_null(mkdtemp(root));
    (void)snprintf(path, sizeof(path), "%s", root);
    for (int i = 0; i < 40; i++) {
        FILE *f;
        char file[4200];
        len = strlen(path);
        (void)snprintf(path + len, sizeof(path) - len, "/d%02d", i);
        assert_int_equal(mkdir(path, 0700), 0);
        (void)snprintf(file, sizeof(file), "%s/f.txt", path);
        f = fopen(file, "w");
        assert_non_null(f);
        fprintf(f, "TEL 090-3141-5926 level %d\n", i);
        fclose(f);
    }
    (void)snprintf(link, sizeof(link), "%s/l.txt", path);
    assert_int_equal(symlink("f.txt", link), 0);
    paths[0] = root;
    o.threads = 2;
    assert_int_equal(azk_scanner_new(&s, &o), AZK_OK);
    assert_int_equal(azk_scanner_run(s, paths, 1, deep_cb, &d, &st), AZK_OK);
    azk_scanner_free(s);
    assert_int_equal(d.results, 40);
    assert_int_equal(d.phones, 40);
    assert_int_equal(d.errors, 0);
    unlink(link);
    for (int i = 39; i >= 0; i--) {
        char file[4200];
        (void)snprintf(file, sizeof(file), "%s/f.txt", path);
        unlink(file);
        rmdir(path);
        *strrchr(path, '/') = '\0';
    }
    rmdir(root);
}

/* r as JSON Lines, directly and through jansson: the same bytes; also after a line
 * already in the buffer, and into a buffer with a limit (written piece by piece with
 * no room reserved ahead): the same, or AZK_ERR_LIMIT with the buffer as it was when
 * the limit is one byte short */
static void same_as_jansson(const azk_scan_result *r)
{
    azk_buf b = AZK_BUF_INIT, c = AZK_BUF_INIT;
    json_t *j = azk_scan__result_to_json(r, true);
    char *s;
    size_t sl;
    assert_non_null(j);
    s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
    json_decref(j);
    assert_non_null(s);
    sl = strlen(s);
    assert_int_equal(azk_scan__result_to_jsonl(&b, r), AZK_OK);
    assert_int_equal(azk_buf_putc(&b, '\0'), AZK_OK);
    assert_string_equal((const char *)b.data, s);
    assert_int_equal(azk_buf_puts(&c, "{}\n"), AZK_OK);
    c.max = 3 + sl;
    assert_int_equal(azk_scan__result_to_jsonl(&c, r), AZK_OK);
    assert_int_equal(c.len, 3 + sl);
    assert_memory_equal(c.data + 3, s, sl);
    c.len = 3;
    c.max = 3 + sl - 1;
    assert_int_equal(azk_scan__result_to_jsonl(&c, r), AZK_ERR_LIMIT);
    assert_int_equal(c.len, 3);
    assert_string_equal((const char *)c.data, "{}\n");
    azk_buf_dispose(&c);
    free(s);
    azk_buf_dispose(&b);
}

/*
 * Scores and confidences the direct writer formats without printf (hundredths
 * below 1000) and the neighbours that go through printf, against jansson:
 * every tenth to 1200.0, every hundredth of a confidence, and values that
 * are not hundredths or are out of that range.
 */
static void test_scan__result_jsonl_reals(void **state)
{
    static const double odd[] = {999.99, 999.95, 1000.0, 1000.5, 12345.6, 0.05, 0.005,
                                 99.99,  0.125,  1e-5,   1e6,    -1.5,    7.0,  0.3};
    azk_scan_finding f;
    azk_scan_result r;
    (void)state;
    memset(&r, 0, sizeof(r));
    memset(&f, 0, sizeof(f));
    r.path = "p";
    r.format = "text";
    f.type = AZK_PII_PHONE;
    f.line = 1;
    f.masked = "03-****-5678";
    r.findings = &f;
    r.finding_count = 1;
    for (int m = 0; m <= 12000; m++) {
        r.score = m / 10.0;
        f.confidence = (m % 101) / 100.0;
        same_as_jansson(&r);
    }
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        r.score = odd[i];
        f.confidence = odd[i];
        same_as_jansson(&r);
    }
}

/*
 * Findings the direct writer writes in one piece (no page or sheet, a masked value with
 * nothing to escape, a confidence in hundredths) and the ones it leaves to the part by
 * part path (an escape anywhere in the masked value, a page, a sheet, a line over
 * INT64_MAX, a confidence that is not a hundredth), mixed in results of 0-9 findings:
 * jansson's dump, byte for byte.
 */
static void test_scan__result_jsonl_findings(void **state)
{
    static const char *const masked[] = {"03-****-5678",
                                         "",
                                         "\xe5\xb1\xb1\xe7\x94\xb0 **",
                                         "a\"b",
                                         "\\",
                                         "x\n",
                                         "\x01",
                                         "\x1f~\x7f",
                                         "****@example.jp",
                                         "\t",
                                         "1234-****-****-9012",
                                         "\xe3\x80\x92***-****"};
    static const uint64_t lines[] = {0,
                                     1,
                                     9,
                                     10,
                                     99,
                                     12345,
                                     4000000000ull,
                                     9223372036854775807ull,
                                     9223372036854775808ull,
                                     18446744073709551615ull};
    static const double confs[] = {0.0, 0.3, 0.35, 0.999, 1.0, 0.005, 0.125, 1e-7, -0.0, 1000.0};
    azk_scan_finding f[9];
    azk_scan_result r;
    uint64_t x = 88172645463325252ull;
    (void)state;
    memset(&r, 0, sizeof(r));
    r.path = "p.csv";
    r.format = "csv";
    r.encoding = "utf-8";
    r.findings = f;
    for (int t = 0; t < 4000; t++) {
        memset(f, 0, sizeof(f));
        r.finding_count = (size_t)(t % 10);
        for (size_t i = 0; i < r.finding_count; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            f[i].type = (azk_pii_type)(x % AZK_PII__COUNT);
            f[i].masked = masked[(x >> 8) % (sizeof(masked) / sizeof(masked[0]))];
            f[i].line = (x >> 16) % 4 == 0 ? lines[(x >> 20) % 10] : (x >> 24) % 100000;
            f[i].confidence =
                (x >> 30) % 5 == 0 ? confs[(x >> 34) % 10] : (double)((x >> 38) % 101) / 100.0;
            if ((x >> 45) % 9 == 0)
                f[i].page = (uint32_t)((x >> 48) % 50);
            if ((x >> 54) % 11 == 0)
                f[i].sheet = (x >> 58) % 2 ? "Sheet1" : "S\"2";
        }
        same_as_jansson(&r);
    }
}

/* The report's direct JSON Lines writer against jansson's dump of the same result, with
 * every optional part; a string jansson refuses sends the report through jansson. */
static void test_scan__result_jsonl_as_jansson(void **state)
{
    static const char *const member[] = {"a\"b.zip", "x\\y/\x01\t\xe5\x90\x8d.csv"};
    const char *member_rw[] = {"a\"b.zip", "x\\y/\x01\t\xe5\x90\x8d.csv"};
    static const uint64_t rows[] = {1, 7, 123456789012ull};
    azk_scan_finding f[2];
    azk_scan_edm edm[2];
    azk_scan_result r;
    azk_buf b = AZK_BUF_INIT;
    (void)state;
    memset(&r, 0, sizeof(r));
    memset(f, 0, sizeof(f));
    memset(edm, 0, sizeof(edm));
    r.path = "dir/\xe5\xb1\xb1 file\\x.txt";
    same_as_jansson(&r); /* format and encoding null, nothing found */
    r.member = member;
    r.member_count = 2;
    r.format = "csv";
    r.encoding = "cp932";
    f[0].type = AZK_PII_PHONE;
    f[0].line = 12;
    f[0].masked = "03-****-5678";
    f[0].confidence = 0.9;
    f[1].type = AZK_PII_PERSON_NAME;
    f[1].line = 4000000000ull;
    f[1].masked = "\xe5\xb1\xb1\xe7\x94\xb0 **\"";
    f[1].confidence = 1.0;
    f[1].page = 3;
    f[1].sheet = "Sheet\n1";
    r.findings = f;
    r.finding_count = 2;
    r.truncated = true;
    r.counts[AZK_PII_PHONE] = 5;
    r.counts[AZK_PII_PERSON_NAME] = 1;
    r.counts[AZK_PII_EMAIL] = 123456;
    r.excluded = 2;
    r.score = 17.25;
    edm[0].client = "c1";
    edm[0].dataset = "ds\"1";
    edm[0].rows = rows;
    edm[0].row_count = 3;
    edm[1].client = "c2";
    edm[1].dataset = "d2";
    r.edm = edm;
    r.edm_count = 2;
    r.size = 1ull << 40;
    same_as_jansson(&r);
    r.error = AZK_ERR_LIMIT;
    r.error_message = "over the \"limit\"\r";
    same_as_jansson(&r);
    r.error_code = "format";
    r.score = 0.0;
    r.truncated = false;
    same_as_jansson(&r);
    r.score = 1e21;
    same_as_jansson(&r);
    r.score = 1234567.0;
    same_as_jansson(&r);
    r.score = -0.0;
    f[0].confidence = 0.001; /* rounds to 0.0 */
    same_as_jansson(&r);
    r.path = "plain/ascii \x7f~.txt";
    same_as_jansson(&r);
    {
        /* a path longer than the room reserved for a line */
        char longp[700];
        for (size_t i = 0; i < sizeof(longp) - 1; i++)
            longp[i] = (char)(i % 50 == 49 ? '/' : 'a' + i % 26);
        longp[sizeof(longp) - 1] = '\0';
        r.path = longp;
        same_as_jansson(&r);
        r.path = "plain/ascii \x7f~.txt";
    }
    /* not UTF-8, wherever it is (found while the line is written): refused, nothing of
     * the line stays after what the buffer held */
    {
        const char **slots[] = {&r.path,       &r.encoding,     &r.format,    &r.error_message,
                                &r.error_code, &edm[1].dataset, &member_rw[1]};
        static const char *const bad[] = {"bad\xff", "\xe5\x90", "ok \xc0\xaf", "\xed\xa0\x80"};
        r.member = member_rw;
        for (size_t i = 0; i < sizeof(slots) / sizeof(slots[0]); i++) {
            for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
                const char *keep = *slots[i];
                azk_buf_clear(&b);
                assert_int_equal(azk_buf_puts(&b, "{\"line\":1}\n"), AZK_OK);
                *slots[i] = bad[k];
                assert_int_equal(azk_scan__result_to_jsonl(&b, &r), AZK_ERR_FORMAT);
                assert_int_equal(b.len, strlen("{\"line\":1}\n"));
                assert_string_equal((const char *)b.data, "{\"line\":1}\n");
                *slots[i] = keep;
            }
        }
        same_as_jansson(&r);
    }
    azk_buf_dispose(&b);
}

struct seen {
    int results, from_cache;
};

static azk_status seen_cb(const azk_scan_result *r, void *payload)
{
    struct seen *c = payload;
    c->results++;
    c->from_cache += r->from_cache ? 1 : 0;
    assert_int_equal(r->counts[AZK_PII_PHONE], 1); /* cached findings come back too */
    return AZK_OK;
}

static void sweep_commit(const char *dir, const char *cache, bool changed_only, bool commit,
                         struct seen *c, azk_scan_stats *st)
{
    azk_scan_options o = AZK_SCAN_OPTIONS_INIT;
    azk_scanner *s = NULL;
    const char *paths[1] = {dir};
    memset(c, 0, sizeof(*c));
    o.threads = 1;
    o.cache_path = cache;
    o.cache_changed_only = changed_only;
    assert_int_equal(azk_scanner_new(&s, &o), AZK_OK);
    assert_int_equal(azk_scanner_run(s, paths, 1, seen_cb, c, st), AZK_OK);
    if (commit)
        assert_int_equal(azk_scanner_cache_commit(s), AZK_OK);
    azk_scanner_free(s);
}

static void sweep(const char *dir, const char *cache, bool changed_only, struct seen *c,
                  azk_scan_stats *st)
{
    sweep_commit(dir, cache, changed_only, true, c, st);
}

/* changed-only: an unchanged path is not delivered; another name of a file read
 * once (a hard link, a renamed directory) is delivered from the cache, unread;
 * what the cache learnt is kept only when the caller commits */
static void test_scan__cache_changed_only(void **state)
{
    char dir[] = "/tmp/azk-scan-XXXXXX", cache[64], src[80], link_[80], moved[64];
    struct seen c;
    azk_scan_stats st;
    (void)state;
    make_tree(dir, 3);
    (void)snprintf(cache, sizeof(cache), "%s.cache", dir);
    (void)snprintf(src, sizeof(src), "%s/f000.txt", dir);
    (void)snprintf(link_, sizeof(link_), "%s/g.txt", dir);
    assert_int_equal(link(src, link_), 0);
    /* not committed (the caller did not keep the results): nothing learnt */
    sweep_commit(dir, cache, true, false, &c, &st);
    assert_int_equal(c.results, 4);
    sweep(dir, cache, true, &c, &st);
    assert_int_equal(c.results, 4); /* both names of f000 */
    assert_int_equal(c.from_cache, 1);
    assert_int_equal(st.cached, 1);
    assert_int_equal(st.files, 3); /* read once */
    sweep(dir, cache, true, &c, &st);
    assert_int_equal(c.results, 0);
    assert_int_equal(st.cached, 4);
    assert_int_equal(st.bytes, 0);
    /* without the option every file is delivered, from the cache */
    sweep(dir, cache, false, &c, &st);
    assert_int_equal(c.results, 4);
    assert_int_equal(c.from_cache, 4);
    /* a renamed directory: every name is new, nothing is read */
    (void)snprintf(moved, sizeof(moved), "%s-moved", dir);
    assert_int_equal(rename(dir, moved), 0);
    sweep(moved, cache, true, &c, &st);
    assert_int_equal(c.results, 4);
    assert_int_equal(c.from_cache, 4);
    assert_int_equal(st.bytes, 0);
    sweep(moved, cache, true, &c, &st);
    assert_int_equal(c.results, 0);
    (void)snprintf(link_, sizeof(link_), "%s/g.txt", moved);
    unlink(link_);
    remove_tree(moved, 3);
    unlink(cache);
    (void)snprintf(src, sizeof(src), "%s-wal", cache);
    unlink(src);
    (void)snprintf(src, sizeof(src), "%s-shm", cache);
    unlink(src);
}

/* ---- races between the walk and a worker's open (test hook) ------------------------- */

struct race {
    char root[64];    /* the scanned tree */
    char outside[64]; /* a directory outside it */
    int calls;
    int kind; /* 0: unlink f001.txt, 1: f001.txt -> link outside, 2: sub -> link outside,
                3: f001.txt -> FIFO, 4: f001.txt -> another regular file (renamed over it),
                5: f001.txt -> a directory, 6: nothing (azk_scan__test_after_read acts) */
    /* results */
    int results, errors, phones, emails;
    long long size1; /* the size reported for f001.txt */
    char message[256];
};
static struct race *g_race;

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void race_hook(const char *path)
{
    struct race *r = g_race;
    char a[256], b[256];
    r->calls++;
    if (r->kind == 0 && strstr(path, "/f001.txt") != NULL) {
        assert_int_equal(unlink(path), 0);
    } else if (r->kind == 1 && strstr(path, "/f001.txt") != NULL) {
        (void)snprintf(a, sizeof(a), "%s/f001.txt", r->outside);
        assert_int_equal(unlink(path), 0);
        assert_int_equal(symlink(a, path), 0);
    } else if (r->kind == 3 && strstr(path, "/f001.txt") != NULL) {
        assert_int_equal(unlink(path), 0);
        assert_int_equal(mkfifo(path, 0600), 0);
    } else if (r->kind == 4 && strstr(path, "/f001.txt") != NULL) {
        (void)snprintf(a, sizeof(a), "%s.new", path);
        write_file(a, "mail hanako.sato@example.co.jp\n");
        assert_int_equal(rename(a, path), 0);
    } else if (r->kind == 5 && strstr(path, "/f001.txt") != NULL) {
        assert_int_equal(unlink(path), 0);
        assert_int_equal(mkdir(path, 0700), 0);
    } else if (r->kind == 2 && r->calls == 1) {
        (void)snprintf(a, sizeof(a), "%s/sub", r->root);
        (void)snprintf(b, sizeof(b), "%s/sub.old", r->root);
        assert_int_equal(rename(a, b), 0);
        assert_int_equal(symlink(r->outside, a), 0);
    }
}

static azk_status race_cb(const azk_scan_result *res, void *payload)
{
    struct race *r = payload;
    r->results++;
    if (res->error != AZK_OK) {
        r->errors++;
        (void)snprintf(r->message, sizeof(r->message), "%s", res->error_message);
    }
    if (strstr(res->path, "/f001.txt") != NULL)
        r->size1 = (long long)res->size;
    r->phones += (int)res->counts[AZK_PII_PHONE];
    r->emails += (int)res->counts[AZK_PII_EMAIL];
    return AZK_OK;
}

static void race_run(struct race *r, int kind, int threads)
{
    static const char phone[] = "TEL 090-3141-5926\n";
    static const char email[] = "mail taro.yamada@example.co.jp\n";
    char p[256];
    const char *paths[1];
    azk_scan_options o = AZK_SCAN_OPTIONS_INIT;
    azk_scanner *s = NULL;
    azk_scan_stats st;
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    (void)snprintf(r->root, sizeof(r->root), "/tmp/azk-race-XXXXXX");
    (void)snprintf(r->outside, sizeof(r->outside), "/tmp/azk-race-out-XXXXXX");
    assert_non_null(mkdtemp(r->root));
    assert_non_null(mkdtemp(r->outside));
    (void)snprintf(p, sizeof(p), "%s/sub", r->root);
    assert_int_equal(mkdir(p, 0700), 0);
    for (int i = 0; i < 3; i++) {
        (void)snprintf(p, sizeof(p), "%s/sub/f%03d.txt", r->root, i);
        write_file(p, phone);
        (void)snprintf(p, sizeof(p), "%s/f%03d.txt", r->outside, i);
        write_file(p, email);
    }
    paths[0] = r->root;
    o.threads = (unsigned)threads;
    g_race = r;
    azk_scan__test_before_open = race_hook;
    assert_int_equal(azk_scanner_new(&s, &o), AZK_OK);
    assert_int_equal(azk_scanner_run(s, paths, 1, race_cb, r, &st), AZK_OK);
    azk_scanner_free(s);
    azk_scan__test_before_open = NULL;
    for (int i = 0; i < 3; i++) {
        (void)snprintf(p, sizeof(p), "%s/sub/f%03d.txt", r->root, i);
        if (unlink(p) != 0)
            rmdir(p);
        (void)snprintf(p, sizeof(p), "%s/sub.old/f%03d.txt", r->root, i);
        unlink(p);
        (void)snprintf(p, sizeof(p), "%s/f%03d.txt", r->outside, i);
        unlink(p);
    }
    (void)snprintf(p, sizeof(p), "%s/sub.old", r->root);
    rmdir(p);
    (void)snprintf(p, sizeof(p), "%s/sub", r->root);
    if (unlink(p) != 0)
        rmdir(p);
    rmdir(r->root);
    rmdir(r->outside);
}

/* a file gone between listing and opening: an error for it, the others scanned */
static void test_scan__race_vanished(void **state)
{
    struct race r;
    (void)state;
    for (int t = 1; t <= 2; t++) {
        race_run(&r, 0, t);
        assert_int_equal(r.results, 3);
        assert_int_equal(r.errors, 1);
        assert_int_equal(r.phones, 2);
        assert_int_equal(r.size1, 0);
        assert_non_null(strstr(r.message, "open"));
    }
}

/* a file replaced by a link out of the tree: refused, nothing read through it */
static void test_scan__race_file_link(void **state)
{
    struct race r;
    (void)state;
    for (int t = 1; t <= 2; t++) {
        race_run(&r, 1, t);
        assert_int_equal(r.results, 3);
        assert_int_equal(r.errors, 1);
        assert_int_equal(r.phones, 2);
        assert_int_equal(r.emails, 0);
        assert_non_null(strstr(r.message, "replaced"));
    }
}

/* a file replaced by another regular file under the same name after listing: the file
 * that has the name when it is opened is scanned (by name in the listed directory, never
 * through a link), with its own size */
static void test_scan__race_file_renamed_over(void **state)
{
    struct race r;
    (void)state;
    for (int t = 1; t <= 2; t++) {
        race_run(&r, 4, t);
        assert_int_equal(r.results, 3);
        assert_int_equal(r.errors, 0);
        assert_int_equal(r.phones, 2);
        assert_int_equal(r.emails, 1);
        assert_int_equal(r.size1, (long long)strlen("mail hanako.sato@example.co.jp\n"));
    }
}

/* a file replaced by a directory: an error for it (not walked into), size 0 */
static void test_scan__race_dir_in_place(void **state)
{
    struct race r;
    (void)state;
    for (int t = 1; t <= 2; t++) {
        race_run(&r, 5, t);
        assert_int_equal(r.results, 3);
        assert_int_equal(r.errors, 1);
        assert_int_equal(r.phones, 2);
        assert_int_equal(r.size1, 0);
        assert_non_null(strstr(r.message, "regular"));
    }
}

/* a file replaced by a FIFO (nobody writing): refused at once, the open does not hang */
static void test_scan__race_fifo(void **state)
{
    struct race r;
    (void)state;
    for (int t = 1; t <= 2; t++) {
        race_run(&r, 3, t);
        assert_int_equal(r.results, 3);
        assert_int_equal(r.errors, 1);
        assert_int_equal(r.phones, 2);
        assert_non_null(strstr(r.message, "regular"));
    }
}

/* the directory replaced by a link out of the tree after it was listed: the files
 * listed are read from the directory listed (moved aside), never through the link */
static void test_scan__race_dir_link(void **state)
{
    struct race r;
    (void)state;
    for (int t = 1; t <= 2; t++) {
        race_run(&r, 2, t);
        assert_int_equal(r.results, 3);
        assert_int_equal(r.errors, 0);
        assert_int_equal(r.phones, 3);
        assert_int_equal(r.emails, 0);
    }
}

/* what race_changed_hook does to f001.txt after it was read: 1 append, 2 the same size
 * rewritten with another mtime, 3 nothing */
static int g_change;

static void race_changed_hook(const char *path)
{
    struct timespec ts[2] = {{0, UTIME_OMIT}, {1000000000, 123456789}};
    if (strstr(path, "/f001.txt") == NULL)
        return;
    if (g_change == 1) {
        FILE *f = fopen(path, "a");
        assert_non_null(f);
        fputs("more\n", f);
        fclose(f);
    } else if (g_change == 2) {
        assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
    }
}

/* a file whose size or mtime changed while it was read: an io error ("changed while it
 * was read") with what was found in it; nothing changed: no error */
static void test_scan__race_changed_while_read(void **state)
{
    struct race r;
    (void)state;
    azk_scan__test_after_read = race_changed_hook;
    for (g_change = 1; g_change <= 3; g_change++) {
        for (int t = 1; t <= 2; t++) {
            race_run(&r, 6, t);
            assert_int_equal(r.results, 3);
            assert_int_equal(r.phones, 3);
            assert_int_equal(r.errors, g_change < 3 ? 1 : 0);
            if (g_change < 3)
                assert_non_null(strstr(r.message, "changed while it was read"));
        }
    }
    azk_scan__test_after_read = NULL;
}

/* The scanner's fstat (the system call itself on 64-bit x86) answers as fstat() does, for
 * a regular file, a directory, a FIFO and a character device, and fails as it does on a
 * closed descriptor. */
static void test_scan__fstat_as_libc(void **state)
{
    char dir[] = "/tmp/azk-fstat-XXXXXX", p[256], fifo[256];
    const char *paths[4];
    (void)state;
    assert_non_null(mkdtemp(dir));
    (void)snprintf(p, sizeof(p), "%s/f.txt", dir);
    write_file(p, "TEL 090-3141-5926\n");
    (void)snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    paths[0] = p;
    paths[1] = dir;
    paths[2] = fifo;
    paths[3] = "/dev/null";
    for (int i = 0; i < 4; i++) {
        struct stat a, b;
        int fd = open(paths[i], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        assert_true(fd >= 0);
        memset(&a, 0x5a, sizeof(a));
        memset(&b, 0xa5, sizeof(b));
        assert_int_equal(fstat(fd, &a), 0);
        assert_int_equal(azk_scan__fstat(fd, &b), 0);
        assert_true(a.st_dev == b.st_dev && a.st_ino == b.st_ino);
        assert_int_equal(a.st_mode, b.st_mode);
        assert_true(a.st_nlink == b.st_nlink && a.st_uid == b.st_uid && a.st_gid == b.st_gid);
        assert_true(a.st_rdev == b.st_rdev && a.st_size == b.st_size);
        assert_true(a.st_blksize == b.st_blksize && a.st_blocks == b.st_blocks);
        assert_true(a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec);
        assert_true(a.st_ctim.tv_sec == b.st_ctim.tv_sec && a.st_ctim.tv_nsec == b.st_ctim.tv_nsec);
        close(fd);
        errno = 0;
        assert_int_equal(azk_scan__fstat(fd, &b), -1);
        assert_int_equal(errno, EBADF);
    }
    unlink(fifo);
    unlink(p);
    rmdir(dir);
}

/*
 * A user without CAP_FOWNER scanning other users' files: O_NOATIME is refused (EPERM)
 * for those, and after the first one the worker opens without it (one failed open per
 * file less); a file of its own still gets it (fcntl before the read), so its access
 * time stays. Run as root, a child becomes nobody.
 */
static void test_scan__noatime_after_refusal(void **state)
{
    char root[] = "/tmp/azk-atime-XXXXXX", a[256], b[256];
    struct timespec ts[2];
    struct stat st;
    pid_t pid;
    int status;
    (void)state;
    if (geteuid() != 0)
        skip();
    assert_non_null(mkdtemp(root));
    assert_int_equal(chmod(root, 0755), 0);
    (void)snprintf(a, sizeof(a), "%s/a_root.txt", root); /* first: refused O_NOATIME */
    write_file(a, "TEL 090-3141-5926\n");
    assert_int_equal(chmod(a, 0644), 0);
    (void)snprintf(b, sizeof(b), "%s/b_own.txt", root);
    write_file(b, "TEL 090-3141-5926\n");
    assert_int_equal(chown(b, 65534, 65534), 0);
    /* accessed long before its modification: relatime would update it on a read */
    ts[0].tv_sec = 1000000000;
    ts[0].tv_nsec = 0;
    ts[1].tv_sec = 0;
    ts[1].tv_nsec = UTIME_OMIT;
    assert_int_equal(utimensat(AT_FDCWD, b, ts, 0), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        azk_scan_options o = AZK_SCAN_OPTIONS_INIT;
        azk_scanner *s = NULL;
        azk_scan_stats sst;
        struct race r;
        const char *paths[1];
        paths[0] = root;
        if (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
            _exit(2);
        memset(&r, 0, sizeof(r));
        o.threads = 1;
        if (azk_scanner_new(&s, &o) != AZK_OK ||
            azk_scanner_run(s, paths, 1, race_cb, &r, &sst) != AZK_OK)
            _exit(3);
        azk_scanner_free(s);
        _exit(r.results == 2 && r.errors == 0 && r.phones == 2 ? 0 : 4);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(stat(b, &st), 0);
    assert_int_equal((long long)st.st_atim.tv_sec, 1000000000LL);
    unlink(a);
    unlink(b);
    rmdir(root);
}

/*
 * A process with few descriptors (a soft limit of 64) scanning many directories: the
 * directories kept open for queued files must leave room for the walk's own opendir, or
 * whole directories are lost ("opendir: Too many open files"; 1 in 2 files lost at
 * 64 with the fixed bound of 64 handles). Every file is scanned, as with no handles.
 */
static azk_scanner *g_fds_scanner;

/* a worker waits until the walk has queued every file (as slow workers let it) */
static void fds_hook(const char *path)
{
    bool closed = false;
    (void)path;
    for (;;) {
        pthread_mutex_lock(&g_fds_scanner->q_mu);
        closed = g_fds_scanner->q_closed;
        pthread_mutex_unlock(&g_fds_scanner->q_mu);
        if (closed)
            return;
        sched_yield();
    }
}

static void test_scan__few_descriptors(void **state)
{
    char root[] = "/tmp/azk-fds-XXXXXX", p[256];
    const char *paths[1] = {root};
    struct rlimit old, low;
    struct race r;
    azk_scan_options o = AZK_SCAN_OPTIONS_INIT;
    azk_scanner *s = NULL;
    azk_scan_stats st;
    (void)state;
    assert_non_null(mkdtemp(root));
    for (int i = 0; i < 150; i++) {
        (void)snprintf(p, sizeof(p), "%s/d%03d", root, i);
        assert_int_equal(mkdir(p, 0700), 0);
        for (int j = 0; j < 3; j++) {
            (void)snprintf(p, sizeof(p), "%s/d%03d/f%d.txt", root, i, j);
            write_file(p, "TEL 090-3141-5926\n");
        }
    }
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
    for (int t = 1; t <= 2; t++) {
        memset(&r, 0, sizeof(r));
        o.threads = (unsigned)t;
        assert_int_equal(azk_scanner_new(&s, &o), AZK_OK);
        g_fds_scanner = s;
        azk_scan__test_before_open = fds_hook;
        low = old;
        low.rlim_cur = 64;
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
        assert_int_equal(azk_scanner_run(s, paths, 1, race_cb, &r, &st), AZK_OK);
        assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
        azk_scan__test_before_open = NULL;
        azk_scanner_free(s);
        if (r.errors != 0)
            print_message("threads %d: %d errors, last: %s\n", t, r.errors, r.message);
        assert_int_equal(r.errors, 0);
        assert_int_equal(r.results, 450);
        assert_int_equal(r.phones, 450);
    }
    for (int i = 0; i < 150; i++) {
        for (int j = 0; j < 3; j++) {
            (void)snprintf(p, sizeof(p), "%s/d%03d/f%d.txt", root, i, j);
            unlink(p);
        }
        (void)snprintf(p, sizeof(p), "%s/d%03d", root, i);
        rmdir(p);
    }
    rmdir(root);
}

/* ---- the walk: directories kept open for queued files are bounded ------------------ */

struct held {
    struct azk_walk_dir *dir[200];
    size_t count, with_dir, without_st, skipped;
    bool release_now; /* drop each reference at once (workers keeping up) */
};

static azk_status held_file(void *payload, char *path, const struct stat *st,
                            struct azk_walk_dir *dir, size_t name_off)
{
    struct held *h = payload;
    if (st == NULL) { /* lazy_regular: only with a directory, only a regular file */
        struct stat a;
        assert_non_null(dir);
        assert_int_equal(fstatat(azk_walk__dir_fd(dir), path + name_off, &a, AT_SYMLINK_NOFOLLOW),
                         0);
        assert_true(S_ISREG(a.st_mode));
        h->without_st++;
    } else {
        assert_true(S_ISREG(st->st_mode));
    }
    if (dir != NULL) {
        struct stat a, b;
        /* the name is the entry in that directory */
        assert_int_equal(fstatat(azk_walk__dir_fd(dir), path + name_off, &a, 0), 0);
        assert_int_equal(stat(path, &b), 0);
        assert_true(a.st_ino == b.st_ino);
        h->with_dir++;
    }
    assert_true(h->count < 200);
    if (h->release_now) {
        azk_walk__dir_release(dir);
        dir = NULL;
    }
    h->dir[h->count++] = dir;
    azk_free(path);
    return AZK_OK;
}

static void held_error(void *payload, const char *path, azk_status st, const char *msg)
{
    (void)payload;
    (void)path;
    (void)st;
    (void)msg;
    fail();
}

static void held_skipped(void *payload, const char *path, const char *why)
{
    struct held *h = payload;
    (void)path;
    (void)why;
    h->skipped++;
}

static void test_scan__walk_dir_handles_bounded(void **state)
{
    char root[] = "/tmp/azk-walk-XXXXXX", p[256];
    struct held h;
    _Atomic unsigned open_dirs = 0;
    struct azk_walk_opts o;
    struct azk_walk_cb cb = {held_file, held_error, held_skipped, &h};
    (void)state;
    memset(&h, 0, sizeof(h));
    memset(&o, 0, sizeof(o));
    o.dir_handles = &open_dirs;
    o.dir_handle_cap = 8;
    assert_non_null(mkdtemp(root));
    for (int i = 0; i < 20; i++) {
        (void)snprintf(p, sizeof(p), "%s/d%02d", root, i);
        assert_int_equal(mkdir(p, 0700), 0);
        (void)snprintf(p, sizeof(p), "%s/d%02d/f.txt", root, i);
        write_file(p, "x\n");
    }
    /* every file is held (as a full queue would): at most 8 directories are open, the
     * root's (held by the walk while it runs) and 7 for files, then files go by path */
    assert_int_equal(azk_walk__path(root, &o, &cb), AZK_OK);
    assert_int_equal(h.count, 20);
    assert_int_equal(h.with_dir, 7);
    assert_int_equal(atomic_load(&open_dirs), 7);
    for (size_t i = 0; i < h.count; i++)
        azk_walk__dir_release(h.dir[i]);
    assert_int_equal(atomic_load(&open_dirs), 0);
    /* released as they go: every file comes with its directory */
    memset(&h, 0, sizeof(h));
    h.release_now = true;
    assert_int_equal(azk_walk__path(root, &o, &cb), AZK_OK);
    assert_int_equal(h.count, 20);
    assert_int_equal(h.with_dir, 20);
    assert_int_equal(atomic_load(&open_dirs), 0);
    memset(&h, 0, sizeof(h));
    /* lazy_regular: the files handed with a directory are not stat'ed (st NULL), the
     * others are; a link and a FIFO in a directory are still skipped, never handed over */
    (void)snprintf(p, sizeof(p), "%s/d00/l.txt", root);
    assert_int_equal(symlink("f.txt", p), 0);
    (void)snprintf(p, sizeof(p), "%s/d01/p.fifo", root);
    assert_int_equal(mkfifo(p, 0600), 0);
    o.lazy_regular = true;
    memset(&h, 0, sizeof(h));
    assert_int_equal(azk_walk__path(root, &o, &cb), AZK_OK);
    assert_int_equal(h.count, 20);
    assert_int_equal(h.with_dir, 7);
    assert_int_equal(h.without_st, 7);
    assert_int_equal(h.skipped, 2);
    for (size_t i = 0; i < h.count; i++)
        azk_walk__dir_release(h.dir[i]);
    memset(&h, 0, sizeof(h));
    h.release_now = true;
    assert_int_equal(azk_walk__path(root, &o, &cb), AZK_OK);
    assert_int_equal(h.without_st, 20);
    assert_int_equal(h.skipped, 2);
    assert_int_equal(atomic_load(&open_dirs), 0);
    /* following links: never (a name could be a link), so every file is stat'ed */
    memset(&h, 0, sizeof(h));
    o.follow_symlinks = true;
    assert_int_equal(azk_walk__path(root, &o, &cb), AZK_OK);
    assert_int_equal(h.count, 21); /* d00/l.txt followed */
    assert_int_equal(h.with_dir, 0);
    assert_int_equal(h.without_st, 0);
    assert_int_equal(atomic_load(&open_dirs), 0);
    (void)snprintf(p, sizeof(p), "%s/d00/l.txt", root);
    unlink(p);
    (void)snprintf(p, sizeof(p), "%s/d01/p.fifo", root);
    unlink(p);
    for (int i = 0; i < 20; i++) {
        (void)snprintf(p, sizeof(p), "%s/d%02d/f.txt", root, i);
        unlink(p);
        (void)snprintf(p, sizeof(p), "%s/d%02d", root, i);
        rmdir(p);
    }
    rmdir(root);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_scan__callback_status_stops_the_run),
        cmocka_unit_test(test_scan__callback_status_stops_scan_fd),
        cmocka_unit_test(test_scan__options_struct_size),
        cmocka_unit_test(test_scan__result_jsonl_as_jansson),
        cmocka_unit_test(test_scan__result_jsonl_reals),
        cmocka_unit_test(test_scan__result_jsonl_findings),
        cmocka_unit_test(test_scan__deep_tree),
        cmocka_unit_test(test_scan__cache_changed_only),
        cmocka_unit_test(test_scan__race_vanished),
        cmocka_unit_test(test_scan__race_file_link),
        cmocka_unit_test(test_scan__race_dir_link),
        cmocka_unit_test(test_scan__race_fifo),
        cmocka_unit_test(test_scan__race_changed_while_read),
        cmocka_unit_test(test_scan__fstat_as_libc),
        cmocka_unit_test(test_scan__walk_dir_handles_bounded),
        cmocka_unit_test(test_scan__race_file_renamed_over),
        cmocka_unit_test(test_scan__race_dir_in_place),
        cmocka_unit_test(test_scan__few_descriptors),
        cmocka_unit_test(test_scan__noatime_after_refusal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
