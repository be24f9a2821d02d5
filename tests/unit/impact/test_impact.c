/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/impact/test_impact.c -- the impact module: date arithmetic
 * and reporting deadlines (day 1 = the day the leak became known, weekend
 * and year-end shifts, 30 / 60 days), the sealed notification list (round
 * trip over several chunks; a changed byte, truncation, appended bytes and
 * the wrong key refused), the report drafts, and a whole run in a home:
 * exact counts of records and persons, past deadlines, and no plaintext in
 * the list file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "azk_oom.h"

#include "impact/impact_int.h"
#include "azukari/impact.h"
#include "azukari/home.h"
#include "azukari/vault.h"

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = calloc(1, (size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    if (len != NULL)
        *len = (size_t)n;
    return buf;
}

static void write_all(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(p, 1, n, f), n);
    fclose(f);
}

static void test_impact__dates(void **state)
{
    int64_t d;
    char s[11];
    (void)state;
    assert_true(azk_date__parse_day("1970-01-01", &d));
    assert_int_equal(d, 0);
    assert_int_equal(azk_impact__weekday(d), 4);
    assert_true(azk_date__parse_day("2024-02-29", &d));
    azk_date__format_day(d + 1, s);
    assert_string_equal(s, "2024-03-01");
    assert_false(azk_date__parse_day("2023-02-29", &d));
    assert_false(azk_date__parse_day("2027-13-01", &d));
    assert_false(azk_date__parse_day("2027-1-01", &d));
    assert_false(azk_date__parse_day("2027/01/01", &d));
    assert_true(azk_date__parse_day("2027-01-10", &d));
    assert_int_equal(azk_impact__weekday(d), 0); /* a Sunday */
}

static void test_impact__deadlines(void **state)
{
    azk_impact_result r;
    azk_impact_deadlines dl;
    (void)state;
    memset(&r, 0, sizeof(r));
    r.records = 3;
    r.persons = 2;
    /* unauthorized access: even one person; 60 days, day 1 = the known date */
    assert_int_equal(
        azk_impact_deadlines_compute(&r, "2027-01-10", AZK_IMPACT_CAUSE_UNAUTHORIZED_ACCESS, &dl),
        AZK_OK);
    assert_true(dl.reportable);
    assert_true(dl.purpose_unlawful);
    assert_int_equal(dl.final_days, 60);
    assert_string_equal(dl.final_date, "2027-03-10");
    assert_string_equal(dl.first_from, "2027-01-13");
    assert_string_equal(dl.first_to, "2027-01-15");
    assert_false(dl.final_shifted);
    /* an error with 2 persons: not reportable from what azukari knows; 30 days */
    assert_int_equal(azk_impact_deadlines_compute(&r, "2027-01-10", AZK_IMPACT_CAUSE_ERROR, &dl),
                     AZK_OK);
    assert_false(dl.reportable);
    assert_int_equal(dl.final_days, 30);
    assert_string_equal(dl.final_date, "2027-02-08");
    /* more than 1,000 persons makes it reportable */
    r.persons = 1001;
    assert_int_equal(azk_impact_deadlines_compute(&r, NULL, AZK_IMPACT_CAUSE_ERROR, &dl), AZK_OK);
    assert_true(dl.reportable);
    assert_string_equal(dl.final_date, "");
    /* day 30 on a Saturday moves to Monday */
    assert_int_equal(azk_impact_deadlines_compute(&r, "2027-01-01", AZK_IMPACT_CAUSE_ERROR, &dl),
                     AZK_OK);
    assert_string_equal(dl.final_date, "2027-02-01");
    assert_true(dl.final_shifted);
    /* day 30 on 12/29 moves past the year-end closure */
    assert_int_equal(azk_impact_deadlines_compute(&r, "2026-11-30", AZK_IMPACT_CAUSE_OTHER, &dl),
                     AZK_OK);
    assert_string_equal(dl.final_date, "2027-01-04");
    assert_int_equal(azk_impact_deadlines_compute(&r, "2027-02-30", AZK_IMPACT_CAUSE_OTHER, &dl),
                     AZK_ERR_ARG);
}

struct sink {
    char *buf;
    size_t len, cap;
};

static azk_status collect(const uint8_t *p, size_t n, void *payload)
{
    struct sink *s = payload;
    if (s->len + n > s->cap) {
        s->cap = (s->len + n) * 2;
        s->buf = realloc(s->buf, s->cap);
    }
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    return AZK_OK;
}

static void test_impact__seal_roundtrip_and_tampering(void **state)
{
    char dir[] = "/tmp/azk-impact-unit-XXXXXX";
    char pub[96], sec[96], pub2[96], sec2[96], list[96];
    struct azk_impact_sealer *s = NULL;
    uint8_t pk[32];
    size_t n = 200000; /* four chunks */
    char *plain = malloc(n);
    char *file;
    size_t flen;
    struct sink out = {NULL, 0, 0};
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(pub, sizeof(pub), "%s/a.pub", dir);
    snprintf(sec, sizeof(sec), "%s/a.sec", dir);
    snprintf(pub2, sizeof(pub2), "%s/b.pub", dir);
    snprintf(sec2, sizeof(sec2), "%s/b.sec", dir);
    snprintf(list, sizeof(list), "%s/list.azkn", dir);
    assert_int_equal(azk_impact_keygen(pub, sec), AZK_OK);
    assert_int_equal(azk_impact_keygen(pub2, sec2), AZK_OK);
    assert_int_not_equal(azk_impact_keygen(pub, sec), AZK_OK); /* never overwritten */
    for (size_t i = 0; i < n; i++)
        plain[i] = (char)('a' + i % 26);
    memcpy(plain + 1000, "PLANTED-VALUE", 13);
    assert_int_equal(azk_impact__read_key(pub, pk), AZK_OK);
    assert_int_equal(azk_impact__sealer_new(&s, list, pk), AZK_OK);
    assert_int_equal(azk_impact__sealer_write(s, plain, 70000), AZK_OK);
    assert_int_equal(azk_impact__sealer_write(s, plain + 70000, n - 70000), AZK_OK);
    assert_int_equal(azk_impact__sealer_finish(s), AZK_OK);
    file = read_all(list, &flen);
    assert_non_null(file);
    assert_null(memmem(file, flen, "PLANTED-VALUE", 13));
    assert_int_equal(azk_impact_decrypt_list(list, sec, collect, &out), AZK_OK);
    assert_int_equal(out.len, n);
    assert_memory_equal(out.buf, plain, n);
    /* wrong key */
    out.len = 0;
    assert_int_equal(azk_impact_decrypt_list(list, sec2, collect, &out), AZK_ERR_CRYPTO);
    /* a changed byte in the last chunk */
    file[flen - 5] ^= 1;
    write_all(list, file, flen);
    out.len = 0;
    assert_int_equal(azk_impact_decrypt_list(list, sec, collect, &out), AZK_ERR_INTEGRITY);
    file[flen - 5] ^= 1;
    /* truncated at a chunk boundary: the first chunk only */
    write_all(list, file, 8 + 80 + 24 + 4 + 65536 + 17);
    assert_int_equal(azk_impact_decrypt_list(list, sec, collect, &out), AZK_ERR_INTEGRITY);
    /* bytes appended */
    {
        char *more = malloc(flen + 4);
        memcpy(more, file, flen);
        memset(more + flen, 0, 4);
        write_all(list, more, flen + 4);
        free(more);
        assert_int_equal(azk_impact_decrypt_list(list, sec, collect, &out), AZK_ERR_INTEGRITY);
    }
    /* not a list */
    write_all(list, "hello", 5);
    assert_int_equal(azk_impact_decrypt_list(list, sec, collect, &out), AZK_ERR_FORMAT);
    unlink(list);
    unlink(pub);
    unlink(sec);
    unlink(pub2);
    unlink(sec2);
    rmdir(dir);
    free(file);
    free(out.buf);
    free(plain);
}

static void test_impact__reports(void **state)
{
    char dir[] = "/tmp/azk-impact-rep-XXXXXX";
    char path[128];
    azk_impact_result r;
    azk_impact_dataset ds;
    azk_impact_client cl;
    azk_impact_report_options o = AZK_IMPACT_REPORT_OPTIONS_INIT;
    char *t;
    (void)state;
    assert_non_null(mkdtemp(dir));
    memset(&r, 0, sizeof(r));
    memset(&ds, 0, sizeof(ds));
    memset(&cl, 0, sizeof(cl));
    ds.client = "c1";
    ds.dataset = "d1";
    ds.purpose = "dm";
    ds.retain_until = "2026-12-31";
    ds.source_name = "d1.csv";
    ds.records = 12;
    ds.persons = 10;
    ds.kinds = 1u << AZK_COL_NAME | 1u << AZK_COL_PHONE | 1u << AZK_COL_CREDIT_CARD;
    ds.past_deadline = true;
    ds.days_overdue = 5;
    cl.client = "c1";
    cl.name = "Client One";
    cl.records = 12;
    cl.persons = 10;
    cl.kinds = ds.kinds;
    cl.datasets = 1;
    cl.past_deadline = 1;
    r.datasets = &ds;
    r.dataset_count = 1;
    r.clients = &cl;
    r.client_count = 1;
    r.records = 12;
    r.persons_by_client = 10;
    r.persons = 10;
    r.kinds = ds.kinds;
    snprintf(r.as_of, sizeof(r.as_of), "2027-01-05");
    o.known_date = "2027-01-10";
    o.cause = AZK_IMPACT_CAUSE_ERROR;
    assert_int_equal(azk_impact_write_reports(&r, &o, dir), AZK_OK);
    snprintf(path, sizeof(path), "%s/report-ppc.md", dir);
    t = read_all(path, NULL);
    assert_non_null(t);
    assert_non_null(strstr(t, "延べ件数: 12 件"));
    assert_non_null(strstr(t, "氏名、電話番号、クレジットカード番号"));
    assert_non_null(strstr(t, "30日以内"));
    assert_non_null(strstr(t, "2027-02-08"));
    assert_non_null(strstr(t, "財産的被害のおそれ"));
    assert_non_null(strstr(t, "c1 / d1: 保存期限 2026-12-31、2027-01-05 時点で 5 日超過"));
    free(t);
    unlink(path);
    snprintf(path, sizeof(path), "%s/notice-client-c1.md", dir);
    t = read_all(path, NULL);
    assert_non_null(t);
    assert_non_null(strstr(t, "Client One（c1） 御中"));
    assert_non_null(strstr(t, "名寄せ後の本人の数: 10 人"));
    free(t);
    unlink(path);
    snprintf(path, sizeof(path), "%s/notice-individual.md", dir);
    t = read_all(path, NULL);
    assert_non_null(t);
    assert_null(strstr(t, "本人の数"));
    assert_non_null(strstr(t, "原因"));
    free(t);
    unlink(path);
    rmdir(dir);
}

/* ---- a whole run in a home -------------------------------------------------- */

static void intake_text(azk_home *h, const char *dir, const char *client, const char *dataset,
                        const char *until, const char *text)
{
    char path[256];
    azk_intake_options o = AZK_INTAKE_OPTIONS_INIT;
    azk_intake_result res;
    int fd;
    snprintf(path, sizeof(path), "%s/%s.csv", dir, dataset);
    write_all(path, text, strlen(text));
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    o.client = client;
    o.dataset = dataset;
    o.purpose = "test";
    o.retain_until = until;
    o.source_name = "x.csv";
    assert_int_equal(azk_intake(h, fd, &o, &res), AZK_OK);
    close(fd);
    unlink(path);
}

static void test_impact__run_in_home(void **state)
{
    char dir[] = "/tmp/azk-impact-home-XXXXXX";
    char home[128], stolen[128], pub[128], sec[128], tmp[128];
    azk_home *h = NULL;
    azk_impact_options o = AZK_IMPACT_OPTIONS_INIT;
    azk_impact_client_key key;
    azk_impact_result r;
    struct sink out = {NULL, 0, 0};
    char *file;
    size_t flen;
    const char *a = "氏名,電話番号,生年月日\n"
                    "山田 一郎,090-1111-2222,1970-01-02\n"
                    "川村 二郎,090-3333-4444,1980-03-04\n"
                    "森 三子,090-5555-6666,1990-05-06\n";
    const char *b = "お名前,TEL,生年月日\n"
                    "森 三子,090-5555-6666,1990-05-06\n"
                    "谷口 四郎,090-7777-8888,1985-07-08\n";
    const char *s = "氏名,電話番号\n"
                    "川村 二郎,090-3333-4444\n"
                    "森 三子,090-5555-6666\n"
                    "谷口 四郎,090-7777-8888\n"
                    "山田 一郎,080-0000-0000\n"; /* a homonym: another phone */
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(home, sizeof(home), "%s/home", dir);
    snprintf(stolen, sizeof(stolen), "%s/stolen.csv", dir);
    snprintf(pub, sizeof(pub), "%s/k.pub", dir);
    snprintf(sec, sizeof(sec), "%s/k.sec", dir);
    snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
    assert_int_equal(mkdir(tmp, 0700), 0);
    setenv("TMPDIR", tmp, 1);
    assert_int_equal(azk_home_init(home, NULL), AZK_OK);
    assert_int_equal(azk_home_open(&h, home, NULL, 0), AZK_OK);
    assert_int_equal(azk_client_add(h, "ca", "A"), AZK_OK);
    assert_int_equal(azk_client_add(h, "cb", "B"), AZK_OK);
    intake_text(h, dir, "ca", "a1", "2099-01-01", a);
    intake_text(h, dir, "cb", "b1", "2099-01-01", b);
    write_all(stolen, s, strlen(s));
    assert_int_equal(azk_impact_keygen(pub, sec), AZK_OK);
    key.client = "ca";
    key.public_key_path = pub;
    o.keys = &key;
    o.key_count = 1;
    o.list_dir = dir;
    o.as_of = "2100-01-01";
    {
        const char *paths[] = {stolen};
        assert_int_equal(azk_impact_run(h, paths, 1, &o, &r), AZK_OK);
    }
    assert_int_equal(r.dataset_count, 2);
    assert_string_equal(r.datasets[0].dataset, "a1");
    assert_int_equal(r.datasets[0].records, 2);
    assert_int_equal(r.datasets[1].records, 2);
    assert_true(r.datasets[0].past_deadline);
    assert_int_equal(r.client_count, 2);
    assert_int_equal(r.clients[0].persons, 2);
    assert_int_equal(r.clients[1].persons, 2);
    assert_int_equal(r.records, 4);
    assert_int_equal(r.persons_by_client, 4);
    assert_int_equal(r.persons, 3); /* 森 三子 at both clients */
    assert_int_equal(r.kinds, 1u << AZK_COL_NAME | 1u << AZK_COL_PHONE | 1u << AZK_COL_BIRTH_DATE);
    /* the stolen file held names and phones, not birth dates */
    assert_int_equal(r.kinds_seen, 1u << AZK_COL_NAME | 1u << AZK_COL_PHONE);
    assert_non_null(r.clients[0].list_path);
    assert_null(r.clients[1].list_path);
    file = read_all(r.clients[0].list_path, &flen);
    assert_non_null(file);
    assert_null(memmem(file, flen, "090-3333-4444", 13));
    free(file);
    assert_int_equal(azk_impact_decrypt_list(r.clients[0].list_path, sec, collect, &out), AZK_OK);
    collect((const uint8_t *)"", 1, &out);
    assert_non_null(strstr(out.buf, "\"row\":2,\"fields\":{\"氏名\":\"川村 二郎\""));
    assert_non_null(strstr(out.buf, "\"row\":3,"));
    assert_null(strstr(out.buf, "\"row\":1,"));
    rmdir(tmp); /* the fingerprints were removed: the directory is empty */
    assert_int_equal(access(tmp, F_OK), -1);
    unlink(r.clients[0].list_path);
    azk_impact_result_dispose(&r);
    /* a changed byte in a vault file: the run fails, no count, no list */
    {
        char vdir[160], vp[512];
        DIR *dp;
        struct dirent *e;
        const char *paths[] = {stolen};
        azk_status rc;
        assert_int_equal(mkdir(tmp, 0700), 0);
        snprintf(vdir, sizeof(vdir), "%s/vault", home);
        dp = opendir(vdir);
        assert_non_null(dp);
        while ((e = readdir(dp)) != NULL) {
            size_t len;
            char *v;
            if (strstr(e->d_name, ".azv") == NULL)
                continue;
            snprintf(vp, sizeof(vp), "%s/%s", vdir, e->d_name);
            v = read_all(vp, &len);
            assert_non_null(v);
            v[len - 3] ^= 0x40;
            write_all(vp, v, len);
            free(v);
        }
        closedir(dp);
        rc = azk_impact_run(h, paths, 1, &o, &r);
        assert_true(rc == AZK_ERR_INTEGRITY || rc == AZK_ERR_CRYPTO);
        azk_impact_result_dispose(&r);
        snprintf(vp, sizeof(vp), "%s/notification-list-ca.azkn", dir);
        assert_int_equal(access(vp, F_OK), -1);
    }
    azk_home_close(h);
    free(out.buf);
    {
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
    }
}

/* Every allocation failing in turn during a whole run: NOMEM or a correct
 * answer (an object the scanner could not read is counted in errors),
 * never a crash, a leak or a wrong count; and the sealed list round trip. */
static void test_impact__oom(void **state)
{
    char dir[] = "/tmp/azk-impact-oom-XXXXXX";
    char home[128], stolen[128], tmp[128], pub[128], sec[128];
    azk_home *h = NULL;
    azk_impact_options o = AZK_IMPACT_OPTIONS_INIT;
    azk_impact_client_key key;
    bool finished = false;
    long n;
    struct azk_oom oom = azk_oom_start("impact");
    const char *a = "氏名,電話番号,生年月日\n"
                    "山田 一郎,090-1111-2222,1970-01-02\n"
                    "森 三子,090-5555-6666,1990-05-06\n";
    const char *b = "お名前,TEL,生年月日\n"
                    "森 三子,090-5555-6666,1990-05-06\n";
    const char *s = "氏名,電話番号\n"
                    "山田 一郎,090-1111-2222\n"
                    "森 三子,090-5555-6666\n";
    (void)state;
    assert_non_null(mkdtemp(dir));
    snprintf(home, sizeof(home), "%s/home", dir);
    snprintf(stolen, sizeof(stolen), "%s/stolen.csv", dir);
    snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
    snprintf(pub, sizeof(pub), "%s/k.pub", dir);
    snprintf(sec, sizeof(sec), "%s/k.sec", dir);
    assert_int_equal(mkdir(tmp, 0700), 0);
    setenv("TMPDIR", tmp, 1);
    assert_int_equal(azk_home_init(home, NULL), AZK_OK);
    assert_int_equal(azk_home_open(&h, home, NULL, 0), AZK_OK);
    assert_int_equal(azk_client_add(h, "ca", "A"), AZK_OK);
    assert_int_equal(azk_client_add(h, "cb", "B"), AZK_OK);
    intake_text(h, dir, "ca", "a1", "2099-01-01", a);
    intake_text(h, dir, "cb", "b1", "2099-01-01", b);
    write_all(stolen, s, strlen(s));
    assert_int_equal(azk_impact_keygen(pub, sec), AZK_OK);
    key.client = "ca";
    key.public_key_path = pub;
    o.keys = &key;
    o.key_count = 1;
    o.list_dir = dir;
    o.threads = 1;
    for (n = 0; !finished && n < 200000; n += oom.step) {
        azk_impact_result r;
        azk_status rc;
        const char *paths[] = {stolen};
        char list[160];
        azk__alloc_fail_after(n);
        rc = azk_impact_run(h, paths, 1, &o, &r);
        azk__alloc_fail_after(-1);
        /* an allocation failure is AZK_ERR_NOMEM, whichever module it hit */
        if (rc != AZK_OK && rc != AZK_ERR_NOMEM)
            fail_msg("n=%ld %s: %s", n, azk_status_name(rc), azk_error_last()->message);
        oom.runs++;
        /* a failure inside one stolen file is that object's error, counted */
        oom.nomem += rc == AZK_ERR_NOMEM || (rc == AZK_OK && r.errors > 0);
        if (rc == AZK_OK && r.errors == 0) {
            /* a complete answer must be the right one */
            assert_int_equal(r.records, 3);
            assert_int_equal(r.persons_by_client, 3);
            assert_int_equal(r.persons, 2);
            assert_non_null(r.clients[0].list_path);
            finished = true;
        }
        azk_impact_result_dispose(&r);
        snprintf(list, sizeof(list), "%s/notification-list-ca.azkn", dir);
        unlink(list);
    }
    oom.completed = finished;
    azk_oom_report(&oom);
    azk_home_close(h);
    {
        char cmd[256];
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
        assert_int_equal(system(cmd), 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_impact__dates),
        cmocka_unit_test(test_impact__deadlines),
        cmocka_unit_test(test_impact__seal_roundtrip_and_tampering),
        cmocka_unit_test(test_impact__reports),
        cmocka_unit_test(test_impact__run_in_home),
        cmocka_unit_test(test_impact__oom),
    };
    azk_oom_filter();
    return cmocka_run_group_tests(tests, NULL, NULL);
}
