/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/lifecycle/test_lifecycle.c -- the dataset lifecycle's store
 * operations (store/datasets.h, store/retention_state.h) against a real
 * catalog: intake all-or-nothing (a taken id or uuid leaves no row, no
 * fingerprints), the record of an open and its refusal once the key is
 * destroyed, fingerprints read back in order and filtered, the deadline
 * queries (by client, overdue), and every step of the retention state
 * machine as the run and the certificate use it (shredding, key
 * destroyed, vault, artifacts, sweep verdicts with residuals, certify and
 * the batch file that may go, certificates of a month).
 *
 * The catalog is a parameter: AZK_TEST_CATALOG unset (or a path) = SQLite
 * in the home; a "postgresql://" URL = a fresh database on that server per
 * test (needs a build whose azk_home_init takes a catalog URL).
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

#include "store/datasets.h"
#include "store/retention_state.h"
#include "retention/ret_int.h"
#include "azukari/home.h"

struct fixture {
    char dir[64];
    char home[128];
    char url[1200];
    azk_home *h;
};

/* The PostgreSQL server of AZK_TEST_CATALOG, or NULL for SQLite. */
static const char *pg_server(void)
{
    const char *u = getenv("AZK_TEST_CATALOG");
    return u != NULL && azk_db_is_url(u) ? u : NULL;
}

/* A fresh database on the server; out = its URL. */
static int fresh_db(const char *server, char *out, size_t cap)
{
    static int seq;
    azk_db *db = NULL;
    char name[64], sql[160];
    const char *s = strstr(server, "://") + 3;
    const char *slash = strchr(s, '/');
    const char *q = slash != NULL ? slash + strcspn(slash, "?") : "";
    if (slash == NULL || azk_db_open(&db, server, 0) != AZK_OK)
        return -1;
    snprintf(name, sizeof(name), "azk_lc%ld_%d", (long)getpid(), ++seq);
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", name);
    if (azk_db_exec(db, sql, "drop database") != AZK_OK)
        goto fail;
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
    if (azk_db_exec(db, sql, "create database") != AZK_OK)
        goto fail;
    azk_db_close(db);
    snprintf(out, cap, "%.*s/%s%s", (int)(slash - server), server, name, q);
    return 0;
fail:
    azk_db_close(db);
    return -1;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    azk_home_init_options io = AZK_HOME_INIT_OPTIONS_INIT;
    snprintf(f->dir, sizeof(f->dir), "/tmp/azk-lc-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    snprintf(f->home, sizeof(f->home), "%s/home", f->dir);
    if (pg_server() != NULL) {
#ifdef AZK_HOME_OPEN_OPTIONS_INIT /* azk_home_init takes a catalog URL */
        if (fresh_db(pg_server(), f->url, sizeof(f->url)) != 0) {
            fprintf(stderr, "fresh database: %s\n", azk_error_last()->message);
            return -1;
        }
        io.catalog = f->url;
#else
        fprintf(stderr, "AZK_TEST_CATALOG is a PostgreSQL URL, but this build's homes "
                        "cannot use one\n");
        (void)fresh_db;
        return -1;
#endif
    }
    if (azk_home_init(f->home, &io) != AZK_OK || azk_home_open(&f->h, f->home, NULL, 0) != AZK_OK) {
        fprintf(stderr, "home: %s\n", azk_error_last()->message);
        return -1;
    }
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

/* count(*) of `sql` with one text parameter (NULL: none) */
static int64_t count(azk_home *h, const char *sql, const char *arg)
{
    azk_db_stmt *st = NULL;
    int64_t n;
    assert_int_equal(azk_db_prepare(h->cat, &st, sql, "count"), AZK_OK);
    if (arg != NULL)
        azk_db_bind_text(st, 1, arg);
    assert_int_equal(azk_db_step(st), AZK_DB_ROW);
    n = azk_db_col_int64(st, 0);
    azk_db_finalize(st);
    return n;
}

static const uint8_t NONCE[24] = {1, 2, 3};
static const uint8_t FPDATA[40] = {9, 8, 7};

static azk_status intake(azk_home *h, const char *client, const char *id, const char *uuid,
                         const char *until)
{
    struct azk_store_intake in;
    memset(&in, 0, sizeof(in));
    in.dataset = id;
    in.client = client;
    in.uuid = uuid;
    in.purpose = "direct mail";
    in.retain_until = until;
    in.schema_json = "[]";
    in.source_name = "dm.csv";
    in.format = "csv";
    in.encoding = "utf-8";
    in.records = 1;
    in.bytes = 10;
    in.fp_fields = "name,phone";
    in.fp_nonce = NONCE;
    in.fp_nonce_len = sizeof(NONCE);
    in.fp_data = FPDATA;
    in.fp_data_len = sizeof(FPDATA);
    in.ledger_extra = "{\"test\":true}";
    return azk_store__dataset_intake(h, &in);
}

static void clients(azk_home *h)
{
    assert_int_equal(azk_client_add(h, "bank-a", "A"), AZK_OK);
    assert_int_equal(azk_client_add(h, "bank-b", "B"), AZK_OK);
}

static void test_lifecycle__intake_all_or_nothing(void **state)
{
    struct fixture *f = *state;
    azk_home *h = f->h;
    assert_int_equal(azk_store__intake_check(h, "bank-a", "ds1"), AZK_ERR_ARG);
    assert_non_null(strstr(azk_error_last()->message, "no client bank-a"));
    clients(h);
    assert_int_equal(azk_store__intake_check(h, "bank-a", "ds1"), AZK_OK);
    assert_int_equal(
        intake(h, "bank-a", "ds1", "00000000-0000-4000-8000-000000000001", "2030-01-01"), AZK_OK);
    assert_int_equal(azk_store__intake_check(h, "bank-a", "ds1"), AZK_ERR_ARG);
    assert_non_null(strstr(azk_error_last()->message, "already exists"));
    /* the same id again: refused, the first row untouched */
    assert_int_equal(
        intake(h, "bank-b", "ds1", "00000000-0000-4000-8000-000000000002", "2031-01-01"),
        AZK_ERR_ARG);
    assert_int_equal(count(h, "SELECT count(*) FROM datasets WHERE client = ?", "bank-b"), 0);
    assert_false(azk_db_in_tx(h->cat));
    /* a taken uuid: nothing of the second dataset either (no row, no fingerprints) */
    assert_int_not_equal(
        intake(h, "bank-a", "ds2", "00000000-0000-4000-8000-000000000001", "2030-01-01"), AZK_OK);
    assert_int_equal(count(h, "SELECT count(*) FROM datasets WHERE id = ?", "ds2"), 0);
    assert_int_equal(count(h, "SELECT count(*) FROM fingerprints WHERE dataset = ?", "ds2"), 0);
    assert_int_equal(count(h, "SELECT count(*) FROM fingerprints", NULL), 1);
    assert_false(azk_db_in_tx(h->cat));
    /* an unknown client: the foreign key refuses it */
    assert_int_not_equal(
        intake(h, "bank-z", "ds3", "00000000-0000-4000-8000-000000000003", "2030-01-01"), AZK_OK);
    assert_int_equal(count(h, "SELECT count(*) FROM datasets", NULL), 1);
}

static void test_lifecycle__open_recorded_then_refused(void **state)
{
    struct fixture *f = *state;
    azk_home *h = f->h;
    struct azk_store_opened op;
    bool known = false;
    clients(h);
    assert_int_equal(azk_store__dataset_open(h, "nope", "why", &op), AZK_ERR_NOTFOUND);
    assert_int_equal(
        intake(h, "bank-a", "ds1", "00000000-0000-4000-8000-00000000000a", "2030-01-01"), AZK_OK);
    assert_int_equal(azk_store__dataset_open(h, "ds1", "print job", &op), AZK_OK);
    assert_string_equal(op.uuid, "00000000-0000-4000-8000-00000000000a");
    assert_string_equal(op.client, "bank-a");
    assert_int_equal(count(h, "SELECT count(*) FROM opens WHERE dataset = ?", "ds1"), 1);
    assert_int_equal(azk_store__dataset_uuid_known(h, op.uuid, &known), AZK_OK);
    assert_true(known);
    assert_int_equal(
        azk_store__dataset_uuid_known(h, "00000000-0000-4000-8000-0000000000ff", &known), AZK_OK);
    assert_false(known);
    /* key destroyed: no open, nothing recorded */
    assert_int_equal(azk_store__ret_key_destroyed(h, "ds1"), AZK_OK);
    assert_int_equal(azk_store__dataset_open(h, "ds1", "again", &op), AZK_ERR_NOTFOUND);
    assert_non_null(strstr(azk_error_last()->message, "shredded"));
    assert_int_equal(count(h, "SELECT count(*) FROM opens WHERE dataset = ?", "ds1"), 1);
    assert_false(azk_db_in_tx(h->cat));
}

struct seen {
    char ids[8][16];
    size_t n;
};

static azk_status fp_cb(const struct azk_store_fp *fp, void *payload)
{
    struct seen *s = payload;
    assert_true(s->n < 8);
    assert_int_equal(fp->nonce_len, sizeof(NONCE));
    assert_memory_equal(fp->data, FPDATA, sizeof(FPDATA));
    snprintf(s->ids[s->n++], 16, "%s", fp->dataset);
    return AZK_OK;
}

static void test_lifecycle__fingerprints_each(void **state)
{
    struct fixture *f = *state;
    azk_home *h = f->h;
    struct seen s;
    const char *want[] = {"b2", "a1", "zz"};
    bool yes = false;
    clients(h);
    assert_int_equal(
        intake(h, "bank-b", "b2", "00000000-0000-4000-8000-0000000000b2", "2030-01-01"), AZK_OK);
    assert_int_equal(
        intake(h, "bank-a", "a2", "00000000-0000-4000-8000-0000000000a2", "2030-01-01"), AZK_OK);
    assert_int_equal(
        intake(h, "bank-a", "a1", "00000000-0000-4000-8000-0000000000a1", "2030-01-01"), AZK_OK);
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_store__fingerprints_each(h, NULL, NULL, 0, fp_cb, &s), AZK_OK);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.ids[0], "a1"); /* by client, then id */
    assert_string_equal(s.ids[1], "a2");
    assert_string_equal(s.ids[2], "b2");
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_store__fingerprints_each(h, "bank-b", NULL, 0, fp_cb, &s), AZK_OK);
    assert_int_equal(s.n, 1);
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_store__fingerprints_each(h, NULL, want, 3, fp_cb, &s), AZK_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.ids[0], "a1");
    assert_string_equal(s.ids[1], "b2");
    /* a shredded dataset has none */
    assert_int_equal(azk_store__ret_key_destroyed(h, "a1"), AZK_OK);
    assert_int_equal(azk_store__fingerprints_present(h, "a1", &yes), AZK_OK);
    assert_false(yes);
    assert_int_equal(azk_store__fingerprints_present(h, "a2", &yes), AZK_OK);
    assert_true(yes);
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_store__fingerprints_each(h, NULL, NULL, 0, fp_cb, &s), AZK_OK);
    assert_int_equal(s.n, 2);
}

static azk_status deadline_cb(const struct azk_store_deadline *d, void *payload)
{
    struct seen *s = payload;
    assert_true(s->n < 8);
    snprintf(s->ids[s->n++], 16, "%s", d->dataset);
    if (strcmp(d->dataset, "held") == 0)
        assert_true(d->held);
    return AZK_OK;
}

static void test_lifecycle__deadlines(void **state)
{
    struct fixture *f = *state;
    azk_home *h = f->h;
    struct seen s;
    clients(h);
    assert_int_equal(
        intake(h, "bank-a", "late", "00000000-0000-4000-8000-000000000001", "2030-03-01"), AZK_OK);
    assert_int_equal(
        intake(h, "bank-a", "early", "00000000-0000-4000-8000-000000000002", "2030-01-01"), AZK_OK);
    assert_int_equal(
        intake(h, "bank-b", "held", "00000000-0000-4000-8000-000000000003", "2030-02-01"), AZK_OK);
    assert_int_equal(
        intake(h, "bank-b", "done", "00000000-0000-4000-8000-000000000004", "2029-01-01"), AZK_OK);
    assert_int_equal(azk_retention_hold(h, "held", "litigation"), AZK_OK);
    assert_int_equal(azk_store__ret_set_state(h, "done", "certified"), AZK_OK);
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_store__datasets_by_deadline(h, "bank-a", deadline_cb, &s), AZK_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.ids[0], "early");
    assert_string_equal(s.ids[1], "late");
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_store__datasets_by_deadline(h, NULL, deadline_cb, &s), AZK_OK);
    assert_int_equal(s.n, 4);
    /* overdue on 2030-02-15: early and held; done is certified, late not due */
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_store__datasets_overdue(h, "2030-02-15", deadline_cb, &s), AZK_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.ids[0], "early");
    assert_string_equal(s.ids[1], "held");
}

static azk_status due_cb(const struct azk_store_due *d, void *payload)
{
    struct seen *s = payload;
    assert_true(s->n < 8);
    snprintf(s->ids[s->n++], 16, "%s%s", d->dataset, d->held ? "+h" : "");
    return AZK_OK;
}

static void test_lifecycle__state_machine(void **state)
{
    struct fixture *f = *state;
    azk_home *h = f->h;
    struct seen s;
    char st[24];
    char *batch = NULL;
    bool early = true;
    int64_t t = -1;
    struct azk_store_shred sh;
    clients(h);
    assert_int_equal(
        intake(h, "bank-a", "due", "00000000-0000-4000-8000-000000000001", "2030-01-01"), AZK_OK);
    assert_int_equal(
        intake(h, "bank-a", "held", "00000000-0000-4000-8000-000000000002", "2030-01-01"), AZK_OK);
    assert_int_equal(
        intake(h, "bank-a", "later", "00000000-0000-4000-8000-000000000003", "2031-01-01"), AZK_OK);
    assert_int_equal(azk_retention_hold(h, "held", "litigation"), AZK_OK);
    assert_int_equal(azk_store__ret_last_run(h, &t), AZK_OK);
    assert_int_equal(t, 0);
    assert_int_equal(azk_store__ret_set_last_run(h, 1893456000), AZK_OK);
    assert_int_equal(azk_store__ret_set_last_run(h, 1893456001), AZK_OK);
    assert_int_equal(azk_store__ret_last_run(h, &t), AZK_OK);
    assert_int_equal(t, 1893456001);
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_store__ret_due_each(h, "2030-06-01", NULL, due_cb, &s), AZK_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.ids[0], "due");
    assert_string_equal(s.ids[1], "held+h");
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_store__ret_due_each(h, "2030-06-01", "due", due_cb, &s), AZK_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(azk_store__ret_early(h, "due", &early), AZK_OK);
    assert_false(early);

    assert_int_equal(azk_store__ret_state(h, "due", st), AZK_OK);
    assert_string_equal(st, "");
    memset(&sh, 0, sizeof(sh));
    sh.dataset = "due";
    sh.key_id = "00112233445566778899aabbccddeeff";
    sh.key_commit = "ab";
    sh.shred_at = "2030-06-01T00:00:00Z";
    sh.operator_name = "op";
    sh.fp_file = "batch-1";
    sh.shred_index = 7;
    assert_int_equal(azk_store__ret_record_shredding(h, &sh), AZK_OK);
    assert_int_equal(azk_store__ret_record_shredding(h, &sh), AZK_OK); /* repeatable */
    assert_int_equal(azk_store__ret_state(h, "due", st), AZK_OK);
    assert_string_equal(st, "shredding");
    assert_int_equal(azk_store__ret_fp_file(h, "due", &batch), AZK_OK);
    assert_string_equal(batch, "batch-1");
    azk_free(batch);
    batch = NULL;
    assert_int_equal(azk_store__ret_key_destroyed(h, "due"), AZK_OK);
    assert_int_equal(azk_store__ret_key_destroyed(h, "due"), AZK_OK); /* a resumed run */
    assert_int_equal(count(h, "SELECT count(*) FROM fingerprints WHERE dataset = ?", "due"), 0);
    assert_int_equal(count(h, "SELECT count(*) FROM datasets WHERE state = 'shredded'", NULL), 1);
    assert_int_equal(azk_store__ret_record_vault(h, "due", "overwritten+unlinked"), AZK_OK);
    assert_int_equal(azk_store__ret_state(h, "due", st), AZK_OK);
    assert_string_equal(st, "vault_removed");
    /* still on the due list until clean */
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_store__ret_due_each(h, "2030-06-01", NULL, due_cb, &s), AZK_OK);
    assert_int_equal(s.n, 2);
}

static void test_lifecycle__artifacts_sweep_certify(void **state)
{
    struct fixture *f = *state;
    azk_home *h = f->h;
    char p1[200], p2[200];
    struct azk_store_ret_artifact *a = NULL;
    size_t n = 0;
    uint64_t refused = 9;
    struct azk_store_residual res[2] = {{"/srv/share/x.csv", "", 3}, {"/srv/y.zip", "in/a.csv", 1}};
    struct azk_store_verdict v[2];
    struct azk_store_cert_facts cf;
    struct azk_store_shred sh;
    char *batch = NULL;
    FILE *fp;
    clients(h);
    assert_int_equal(
        intake(h, "bank-a", "d1", "00000000-0000-4000-8000-000000000001", "2030-01-01"), AZK_OK);
    assert_int_equal(
        intake(h, "bank-a", "d2", "00000000-0000-4000-8000-000000000002", "2030-01-01"), AZK_OK);
    snprintf(p1, sizeof(p1), "%s/a1.csv", f->dir);
    snprintf(p2, sizeof(p2), "%s/a2.csv", f->dir);
    fp = fopen(p1, "w");
    assert_non_null(fp);
    fputs("derived\n", fp);
    fclose(fp);
    fp = fopen(p2, "w");
    assert_non_null(fp);
    fputs("derived 2\n", fp);
    fclose(fp);
    assert_int_equal(azk_artifact_add(h, "d1", p1, "2029-06-01"), AZK_OK);
    assert_int_equal(azk_artifact_add(h, "d1", p2, NULL), AZK_OK);
    /* before a date: only the one past its own deadline */
    assert_int_equal(azk_store__ret_artifacts_to_remove(h, NULL, "2029-07-01", &a, &n), AZK_OK);
    assert_int_equal(n, 1);
    assert_string_equal(a[0].path, p1);
    assert_non_null(a[0].hash);
    assert_null(a[0].disposition);
    azk_store__ret_artifacts_free(a, n);
    assert_int_equal(azk_store__ret_artifacts_to_remove(h, "d1", NULL, &a, &n), AZK_OK);
    assert_int_equal(n, 2);
    azk_store__ret_artifacts_free(a, n);
    assert_int_equal(azk_store__ret_artifact_disposition(h, "d1", p1, "overwritten+unlinked"),
                     AZK_OK);
    assert_int_equal(azk_store__ret_artifact_disposition(h, "d1", p2, "refused: symlink"), AZK_OK);
    assert_int_equal(azk_store__ret_refused_count(h, "d1", &refused), AZK_OK);
    assert_int_equal(refused, 1);
    /* a refused one is tried again, a removed one is not */
    assert_int_equal(azk_store__ret_artifacts_to_remove(h, "d1", NULL, &a, &n), AZK_OK);
    assert_int_equal(n, 1);
    assert_string_equal(a[0].path, p2);
    azk_store__ret_artifacts_free(a, n);
    assert_int_equal(azk_store__ret_artifacts_of(h, "d1", &a, &n), AZK_OK);
    assert_int_equal(n, 2);
    azk_store__ret_artifacts_free(a, n);

    /* both through the steps, one batch file */
    memset(&sh, 0, sizeof(sh));
    sh.key_id = "k";
    sh.key_commit = "c";
    sh.shred_at = "2030-06-03T10:00:00Z";
    sh.operator_name = "op";
    sh.fp_file = "batch-9";
    sh.shred_index = 5;
    sh.dataset = "d1";
    assert_int_equal(azk_store__ret_record_shredding(h, &sh), AZK_OK);
    sh.dataset = "d2";
    sh.shred_index = 6;
    assert_int_equal(azk_store__ret_record_shredding(h, &sh), AZK_OK);
    assert_int_equal(azk_store__ret_cert_facts(h, "nope", &cf), AZK_ERR_NOTFOUND);
    memset(v, 0, sizeof(v));
    v[0].dataset = "d1";
    v[0].state = "incomplete";
    v[0].sweep_json = "{\"result\":\"residual\"}";
    v[0].residuals = 2;
    v[0].res = res;
    v[0].res_count = 2;
    v[1].dataset = "d2";
    v[1].state = "clean";
    v[1].sweep_json = "{\"result\":\"clean\"}";
    assert_int_equal(azk_store__ret_record_sweep(h, v, 2), AZK_OK);
    assert_int_equal(count(h, "SELECT count(*) FROM ret_residuals WHERE dataset = ?", "d1"), 2);
    /* a second sweep replaces the residuals */
    v[0].state = "clean";
    v[0].sweep_json = "{\"result\":\"clean\"}";
    v[0].residuals = 0;
    v[0].res_count = 0;
    assert_int_equal(azk_store__ret_record_sweep(h, v, 1), AZK_OK);
    assert_int_equal(count(h, "SELECT count(*) FROM ret_residuals WHERE dataset = ?", "d1"), 0);
    assert_false(azk_db_in_tx(h->cat));
    assert_int_equal(azk_store__ret_cert_facts(h, "d1", &cf), AZK_OK);
    assert_string_equal(cf.state, "clean");
    assert_int_equal(cf.shred_index, 5);
    assert_string_equal(cf.uuid, "00000000-0000-4000-8000-000000000001");
    assert_string_equal(cf.retain_until, "2030-01-01");
    assert_string_equal(cf.sweep_json, "{\"result\":\"clean\"}");
    assert_false(cf.drill);
    azk_free(cf.sweep_json);
    /* the batch file may go only when both are certified */
    assert_int_equal(azk_store__ret_certify(h, "d1", &batch), AZK_OK);
    assert_null(batch);
    assert_int_equal(azk_store__ret_certify(h, "d2", &batch), AZK_OK);
    assert_non_null(batch);
    assert_string_equal(batch, "batch-9");
    azk_free(batch);
}

static azk_status cert_cb(const struct azk_store_certified *c, void *payload)
{
    struct seen *s = payload;
    assert_true(s->n < 8);
    snprintf(s->ids[s->n++], 16, "%s", c->dataset);
    assert_string_equal(c->client, "bank-a");
    return AZK_OK;
}

static void test_lifecycle__certificates_of_a_month(void **state)
{
    struct fixture *f = *state;
    azk_home *h = f->h;
    struct azk_store_shred sh;
    struct seen s;
    static const char *const when[] = {"2030-05-31T23:59:59Z", "2030-06-01T00:00:00Z",
                                       "2030-06-30T12:00:00Z", "2030-07-01T00:00:00Z"};
    static const char *const ids[] = {"may", "jun1", "jun2", "jul"};
    static const char *const uu[] = {
        "00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002",
        "00000000-0000-4000-8000-000000000003", "00000000-0000-4000-8000-000000000004"};
    clients(h);
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(intake(h, "bank-a", ids[i], uu[i], "2030-01-01"), AZK_OK);
        memset(&sh, 0, sizeof(sh));
        sh.dataset = ids[i];
        sh.key_id = "k";
        sh.key_commit = "c";
        sh.shred_at = when[i];
        sh.operator_name = "op";
        sh.fp_file = "b";
        sh.shred_index = i;
        assert_int_equal(azk_store__ret_record_shredding(h, &sh), AZK_OK);
        /* only a clean dataset is certified, once (two issuers: one wins) */
        assert_int_equal(azk_store__ret_certify(h, ids[i], NULL), AZK_ERR_ARG);
        assert_int_equal(azk_store__ret_set_state(h, ids[i], "clean"), AZK_OK);
        assert_int_equal(azk_store__ret_certify(h, ids[i], NULL), AZK_OK);
        assert_int_equal(azk_store__ret_certify(h, ids[i], NULL), AZK_ERR_ARG);
    }
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_store__ret_certified_in_month(h, "2030-06", cert_cb, &s), AZK_OK);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.ids[0], "jun1");
    assert_string_equal(s.ids[1], "jun2");
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_store__ret_certified_in_month(h, "2030-12", cert_cb, &s), AZK_OK);
    assert_int_equal(s.n, 0);
    assert_int_equal(azk_store__ret_certified_in_month(h, "2030-13", cert_cb, &s), AZK_ERR_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lifecycle__intake_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle__open_recorded_then_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle__fingerprints_each, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle__deadlines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle__state_machine, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle__artifacts_sweep_certify, setup, teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle__certificates_of_a_month, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
