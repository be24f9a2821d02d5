/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/retention/certificate.c -- destruction certificates: valid,
 * tampered, another key, re-signed documents whose ledger proof or entry is
 * wrong, and a certificate that is complete or absent when allocations
 * fail. Run by test_retention.c (certificate.h).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "store/keystore.h"

#include <jansson.h>
#include <liboath/oath.h>
#include <sodium.h>

#include "retention/ret_int.h"
#include "retention/identity.h"
#include "azukari/vault.h"
#include "azukari/audit.h"

#include "fixture.h"
#include "certificate.h"

/* ---- certificates -------------------------------------------------------------- */

static char *resign(struct fixture *f, json_t *doc)
{
    char p[256];
    uint8_t sk[64], sig[64];
    char sig64[128];
    char *canon, *out;
    FILE *fp;
    snprintf(p, sizeof(p), "%s/keys/certificate.key", f->home);
    fp = fopen(p, "rb");
    assert_non_null(fp);
    assert_int_equal(fread(sk, 1, 64, fp), 64);
    fclose(fp);
    canon = json_dumps(json_object_get(doc, "certificate"), JSON_COMPACT | JSON_SORT_KEYS);
    crypto_sign_detached(sig, NULL, (const uint8_t *)canon, strlen(canon), sk);
    sodium_bin2base64(sig64, sizeof(sig64), sig, 64, sodium_base64_VARIANT_ORIGINAL);
    json_object_set_new(json_object_get(doc, "signature"), "sig", json_string(sig64));
    out = json_dumps(doc, JSON_COMPACT);
    free(canon);
    return out;
}

void test_retention__certificate(void **state)
{
    struct fixture *f = *state;
    azk_retention_run_options o = AZK_RETENTION_RUN_OPTIONS_INIT;
    azk_retention_summary s;
    azk_certificate_report rep;
    const char *paths[1] = {f->sweep};
    char *cert = NULL, *pub = NULL, *html = NULL, *bad;
    json_t *doc;
    json_error_t jerr;
    uint8_t pk[32], sk[64];
    char other[128], b64[64];

    intake(f, "ds", "2090-01-01");
    intake(f, "ds2", "2090-01-01");
    backdate(f, "ds", "2020-01-01");
    backdate(f, "ds2", "2020-01-01");
    o.sweep_paths = paths;
    o.sweep_path_count = 1;
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_OK);
    assert_int_equal(s.clean, 2);
    /* the operator may not certify; nor may a name that did not pass TOTP */
    assert_int_equal(azk_certificate_issue(f->h, "ds", &cert), AZK_ERR_PERM);
    assert_int_equal(azk_home_set_actor(f->h, "verifier"), AZK_OK);
    assert_int_equal(azk_certificate_issue(f->h, "ds", &cert), AZK_ERR_PERM);
    assert_null(cert);
    login(f->h, "verifier");
    assert_int_equal(azk_certificate_issue(f->h, "ds", &cert), AZK_OK);
    assert_int_equal(azk_certificate_pubkey(f->h, &pub), AZK_OK);
    /* one batch file for both; kept while ds2 is not certified, then removed */
    {
        char q[256], *c2 = NULL;
        azk_db_stmt *st = NULL;
        assert_int_equal(azk_db_prepare(f->h->cat, &st,
                                        "SELECT count(DISTINCT fp_file) FROM "
                                        "ret_state",
                                        "test"),
                         AZK_OK);
        assert_int_equal(azk_db_step(st), AZK_DB_ROW);
        assert_int_equal(azk_db_col_int64(st, 0), 1);
        azk_db_finalize(st);
        assert_int_equal(azk_db_prepare(f->h->cat, &st, "SELECT fp_file FROM ret_state", "test"),
                         AZK_OK);
        assert_int_equal(azk_db_step(st), AZK_DB_ROW);
        snprintf(q, sizeof(q), "%s/retention/%s.fp", f->home, (const char *)azk_db_col_text(st, 0));
        azk_db_finalize(st);
        assert_int_equal(access(q, F_OK), 0);
        assert_int_equal(azk_certificate_issue(f->h, "ds2", &c2), AZK_OK);
        assert_int_not_equal(access(q, F_OK), 0);
        azk_retention_free(c2);
    }

    assert_int_equal(azk_certificate_verify(cert, strlen(cert), pub, NULL, &rep), AZK_OK);
    assert_true(rep.signature && rep.checkpoint && rep.inclusion && rep.entry_matches);
    assert_false(rep.ledger_pinned);
    /* the received file's name is carried as its hash only; the bank matches it */
    {
        bool yes = false;
        char sh[AZK_CERT_SOURCE_HASH_LEN];
        assert_null(strstr(cert, "dm.csv"));
        assert_null(strstr(cert, "\"source_name\""));
        assert_int_equal(azk_certificate_source_hash("ds", "dm.csv", sh), AZK_OK);
        assert_non_null(strstr(cert, sh));
        assert_int_equal(azk_certificate_source_matches(cert, strlen(cert), "dm.csv", &yes),
                         AZK_OK);
        assert_true(yes);
        assert_int_equal(azk_certificate_source_matches(cert, strlen(cert), "dm2.csv", &yes),
                         AZK_OK);
        assert_false(yes);
    }

    /* another deployment's key */
    crypto_sign_keypair(pk, sk);
    sodium_bin2base64(b64, sizeof(b64), pk, 32, sodium_base64_VARIANT_ORIGINAL);
    snprintf(other, sizeof(other), "azukari-cert+%s", b64);
    assert_int_equal(azk_certificate_verify(cert, strlen(cert), other, NULL, &rep), AZK_ERR_CRYPTO);
    assert_false(rep.signature);

    /* one changed field without re-signing */
    doc = json_loads(cert, 0, &jerr);
    assert_non_null(doc);
    json_object_set_new(json_object_get(json_object_get(doc, "certificate"), "dataset"), "records",
                        json_integer(2));
    bad = json_dumps(doc, JSON_COMPACT);
    assert_int_equal(azk_certificate_verify(bad, strlen(bad), pub, NULL, &rep), AZK_ERR_CRYPTO);
    free(bad);
    json_decref(doc);

    /* re-signed with the right key, but the ledger entry changed: proof fails */
    doc = json_loads(cert, 0, &jerr);
    {
        json_t *led = json_object_get(json_object_get(doc, "certificate"), "ledger");
        const char *e = json_string_value(json_object_get(led, "entry"));
        char *e2 = strdup(e);
        char *k = strstr(e2, "\"ds\"");
        assert_non_null(k);
        k[2] = 'x'; /* names another dataset */
        json_object_set_new(led, "entry", json_string(e2));
        free(e2);
    }
    bad = resign(f, doc);
    assert_int_equal(azk_certificate_verify(bad, strlen(bad), pub, NULL, &rep), AZK_ERR_INTEGRITY);
    assert_true(rep.signature && rep.checkpoint);
    assert_false(rep.inclusion);
    free(bad);
    json_decref(doc);

    /* re-signed, a proof hash changed */
    doc = json_loads(cert, 0, &jerr);
    {
        json_t *led = json_object_get(json_object_get(doc, "certificate"), "ledger");
        json_t *proof = json_object_get(led, "proof");
        assert_true(json_array_size(proof) > 0);
        json_array_set_new(proof, 0,
                           json_string("00000000000000000000000000000000"
                                       "00000000000000000000000000000000"));
    }
    bad = resign(f, doc);
    assert_int_equal(azk_certificate_verify(bad, strlen(bad), pub, NULL, &rep), AZK_ERR_INTEGRITY);
    assert_false(rep.inclusion);
    free(bad);
    json_decref(doc);

    /* re-signed, the key commitment does not match the ledger entry */
    doc = json_loads(cert, 0, &jerr);
    json_object_set_new(json_object_get(json_object_get(doc, "certificate"), "key"), "commitment",
                        json_string("sha256:00"));
    bad = resign(f, doc);
    assert_int_equal(azk_certificate_verify(bad, strlen(bad), pub, NULL, &rep), AZK_ERR_INTEGRITY);
    assert_true(rep.inclusion);
    assert_false(rep.entry_matches);
    free(bad);
    json_decref(doc);

    /* a checkpoint key that is not the ledger's */
    assert_int_not_equal(azk_certificate_verify(cert, strlen(cert), pub,
                                                "other+00000000+AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
                                                "AAAAAAAAAAAA",
                                                &rep),
                         AZK_OK);
    assert_false(rep.checkpoint);

    /* garbage */
    assert_int_equal(azk_certificate_verify("{", 1, pub, NULL, &rep), AZK_ERR_FORMAT);
    assert_int_equal(azk_certificate_verify("[]", 2, pub, NULL, &rep), AZK_ERR_FORMAT);

    assert_int_equal(azk_certificate_html(cert, strlen(cert), &html), AZK_OK);
    assert_non_null(strstr(html, "削除証明書"));
    assert_non_null(strstr(html, "@page"));
    assert_null(strstr(html, "dm.csv"));
    azk_retention_free(html);
    azk_retention_free(cert);
    azk_retention_free(pub);
}

/* jansson's allocator for the test below: the n-th allocation (from 1) fails,
 * only that one (a transient failure, as malloc can have). */
static long jfail_n, jfail_count;

static void *jfail_malloc(size_t n)
{
    if (++jfail_count == jfail_n)
        return NULL;
    return azk_malloc(n);
}

static void jfail_free(void *p)
{
    azk_free(p);
}

static bool has_kind(json_t *copies, const char *kind)
{
    for (size_t i = 0; i < json_array_size(copies); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(copies, i), "kind")), kind) ==
            0)
            return true;
    return false;
}

/* Issue 10 item 15 (certificate part): an allocation failure while the
 * certificate is built must not give a signed certificate without its vault,
 * key or fingerprints entries. Each jansson allocation of an issue fails in
 * turn; whatever exists afterwards is complete and verifies. */
void test_retention__certificate_complete_or_absent(void **state)
{
    struct fixture *f = *state;
    azk_retention_run_options o = AZK_RETENTION_RUN_OPTIONS_INIT;
    azk_retention_summary s;
    const char *paths[1] = {f->sweep};
    char certp[256], *cert = NULL, *pub = NULL;
    azk_certificate_report rep;
    azk_status rc = AZK_ERR_NOMEM;
    long n;

    intake(f, "oom", "2090-01-01");
    backdate(f, "oom", "2020-01-01");
    o.sweep_paths = paths;
    o.sweep_path_count = 1;
    assert_int_equal(azk_retention_run(f->h, &o, NULL, NULL, &s), AZK_OK);
    assert_int_equal(s.clean, 1);
    login(f->h, "verifier");
    assert_int_equal(azk_certificate_pubkey(f->h, &pub), AZK_OK);
    snprintf(certp, sizeof(certp), "%s/certificates/oom.json", f->home);
    /* until an issue makes fewer allocations than the one that would fail */
    for (n = 1; n < 100000; n++) {
        FILE *fp;
        bool injected;
        long res[2] = {-1, 0};
        int pfd[2], wst = 0;
        pid_t pid;
        /* each attempt in a child: jansson 2.14 itself can crash when an
         * allocation fails inside json_loadb, which is not what is tested
         * here; a crash must still leave no incomplete certificate behind */
        assert_int_equal(pipe(pfd), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            /* a crash ends this child (the parent counts it), never cmocka's handler, which
             * would go on running the test runner inside the child */
            (void)signal(SIGSEGV, SIG_DFL);
            (void)signal(SIGBUS, SIG_DFL);
            (void)signal(SIGABRT, SIG_DFL);
            (void)signal(SIGILL, SIG_DFL);
            (void)signal(SIGFPE, SIG_DFL);
            close(pfd[0]);
            jfail_n = n;
            jfail_count = 0;
            json_set_alloc_funcs(jfail_malloc, jfail_free);
            res[0] = (long)azk_certificate_issue(f->h, "oom", &cert);
            json_set_alloc_funcs(azk_malloc, jfail_free);
            res[1] = jfail_count;
            if (res[0] != AZK_OK && cert != NULL)
                res[0] = -2; /* an error with a document: never */
            if (write(pfd[1], res, sizeof(res)) != (ssize_t)sizeof(res))
                _exit(3);
            _exit(0);
        }
        close(pfd[1]);
        if (read(pfd[0], res, sizeof(res)) != (ssize_t)sizeof(res)) {
            res[0] = -1; /* the child crashed */
            res[1] = n;
        }
        close(pfd[0]);
        assert_int_equal(waitpid(pid, &wst, 0), pid);
        assert_int_not_equal(res[0], -2);
        rc = (azk_status)res[0];
        injected = res[1] >= n;
        fp = fopen(certp, "rb");
        if (fp != NULL) {
            /* whatever was stored is a complete, valid certificate */
            static char buf[1 << 20];
            size_t len = fread(buf, 1, sizeof(buf) - 1, fp);
            json_error_t jerr;
            json_t *doc, *copies;
            fclose(fp);
            buf[len] = '\0';
            assert_int_equal(azk_certificate_verify(buf, len, pub, NULL, &rep), AZK_OK);
            doc = json_loads(buf, 0, &jerr);
            assert_non_null(doc);
            copies = json_object_get(json_object_get(doc, "certificate"), "copies");
            assert_true(has_kind(copies, "vault file"));
            assert_true(has_kind(copies, "data key"));
            assert_true(has_kind(copies, "fingerprints"));
            json_decref(doc);
        }
        if (!injected)
            break;
        /* make it issuable again for the next n */
        assert_int_equal(azk_db_exec(f->h->cat,
                                     "UPDATE ret_state SET state='clean' WHERE dataset='oom'",
                                     "reset"),
                         AZK_OK);
        (void)unlink(certp);
    }
    assert_int_equal(rc, AZK_OK);
    assert_true(n > 100); /* the loop did fail allocations on the way */
    assert_int_equal(access(certp, F_OK), 0);
    azk_retention_free(pub);
}
