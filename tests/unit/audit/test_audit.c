/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/audit -- the audit ledger: RFC 6962/9162 hashing and proof
 * vectors (transparency-dev/merkle), the C2SP signed-note vector
 * (golang.org/x/mod/sumdb/note), file-backed proofs against an in-memory
 * tree, tamper detection (modified, removed, reordered, inserted entries,
 * garbage, a torn tail cut at every byte, forged and foreign checkpoints),
 * concurrent appends from several processes, and bundles. The tamper
 * tests are in tamper.c, the shared helpers in ledger.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include "azk_oom.h"

#include <fcntl.h>
#include <ftw.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit/audit_int.h"
#include "read_all.h"
#include "keep.h"
#include "ledger.h"
#include "tamper.h"

#include <jansson.h>

/* ---- RFC 6962 / 9162 vectors ------------------------------------------------ */

static void test_audit__merkle_vectors(void **state)
{
    FILE *f = open_data("merkle_vectors.txt");
    char line[4096];
    uint8_t data[8][64];
    size_t dlen[8];
    unsigned nleaves = 0, nroot = 0, nincl = 0, ncons = 0;
    uint8_t *leaves = malloc(8 * HLEN);
    struct azk_audit__memtree mt;
    struct azk_audit__nodes t;
    (void)state;
    assert_non_null(f);
    /* empty tree: SHA-256 of nothing */
    {
        uint8_t r[HLEN], want[HLEN];
        struct azk_audit__memtree e;
        struct azk_audit__nodes et;
        assert_int_equal(azk_audit__memtree_build(&e, NULL, 0), AZK_OK);
        azk_audit__memtree_nodes(&e, &et);
        assert_int_equal(azk_audit__root(&et, 0, r), AZK_OK);
        unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want, HLEN);
        assert_memory_equal(r, want, HLEN);
        azk_audit__memtree_dispose(&e);
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        char kw[32], a1[4096], a2[128], a3[4096];
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (sscanf(line, "leaf %4095s", a1) == 1 && strncmp(line, "leaf", 4) == 0) {
            dlen[nleaves] = unhex(a1, data[nleaves], 64);
            azk_audit_leaf_hash(data[nleaves], dlen[nleaves], leaves + nleaves * HLEN);
            nleaves++;
            if (nleaves == 8) {
                assert_int_equal(azk_audit__memtree_build(&mt, leaves, 8), AZK_OK);
                azk_audit__memtree_nodes(&mt, &t);
            }
            continue;
        }
        assert_int_equal(nleaves, 8);
        if (sscanf(line, "%31s %4095s %127s %4095s", kw, a1, a2, a3) < 3)
            fail_msg("bad vector line");
        if (strcmp(kw, "root") == 0) {
            uint8_t want[HLEN], got[HLEN];
            unsigned size = (unsigned)atoi(a1);
            unhex(a2, want, HLEN);
            assert_int_equal(azk_audit__root(&t, size, got), AZK_OK);
            assert_memory_equal(got, want, HLEN);
            nroot++;
        } else if (strcmp(kw, "inclusion") == 0) {
            uint64_t leaf = strtoull(a1, NULL, 10) - 1, size = strtoull(a2, NULL, 10);
            uint8_t want[16 * HLEN], got[AZK_AUDIT__PROOF_MAX * HLEN], root[HLEN];
            size_t wc = unhex_list(a3, want), gc = 0;
            assert_int_equal(azk_audit__inclusion(&t, leaf, size, got, &gc), AZK_OK);
            assert_int_equal(gc, wc);
            if (wc > 0)
                assert_memory_equal(got, want, wc * HLEN);
            assert_int_equal(azk_audit__root(&t, size, root), AZK_OK);
            assert_int_equal(
                azk_audit_verify_inclusion(leaf, size, leaves + leaf * HLEN, want, wc, root),
                AZK_OK);
            /* corrupted probes (as in the source's corruptInclusionProof) */
            assert_int_not_equal(
                azk_audit_verify_inclusion(leaf + 1, size, leaves + leaf * HLEN, want, wc, root),
                AZK_OK);
            assert_int_not_equal(
                azk_audit_verify_inclusion(leaf, size * 2, leaves + leaf * HLEN, want, wc, root),
                AZK_OK);
            if (wc > 0) {
                assert_int_not_equal(azk_audit_verify_inclusion(leaf, size, leaves + leaf * HLEN,
                                                                want, wc - 1, root),
                                     AZK_OK);
                for (size_t i = 0; i < wc; i++) {
                    want[i * HLEN] ^= 8;
                    assert_int_not_equal(azk_audit_verify_inclusion(
                                             leaf, size, leaves + leaf * HLEN, want, wc, root),
                                         AZK_OK);
                    want[i * HLEN] ^= 8;
                }
                memcpy(want + wc * HLEN, root, HLEN); /* trailing root */
                assert_int_not_equal(azk_audit_verify_inclusion(leaf, size, leaves + leaf * HLEN,
                                                                want, wc + 1, root),
                                     AZK_OK);
            }
            nincl++;
        } else if (strcmp(kw, "consistency") == 0) {
            uint64_t s1 = strtoull(a1, NULL, 10), s2 = strtoull(a2, NULL, 10);
            uint8_t want[16 * HLEN], got[AZK_AUDIT__PROOF_MAX * HLEN], r1[HLEN], r2[HLEN];
            size_t wc = unhex_list(a3, want), gc = 0;
            assert_int_equal(azk_audit__consistency(&t, s1, s2, got, &gc), AZK_OK);
            assert_int_equal(gc, wc);
            if (wc > 0)
                assert_memory_equal(got, want, wc * HLEN);
            assert_int_equal(azk_audit__root(&t, s1, r1), AZK_OK);
            assert_int_equal(azk_audit__root(&t, s2, r2), AZK_OK);
            assert_int_equal(azk_audit_verify_consistency(s1, s2, want, wc, r1, r2), AZK_OK);
            if (wc > 0) {
                assert_int_not_equal(azk_audit_verify_consistency(s1, s2, want, wc, r2, r1),
                                     AZK_OK);
                assert_int_not_equal(azk_audit_verify_consistency(s1 + 1, s2, want, wc, r1, r2),
                                     AZK_OK);
                assert_int_not_equal(azk_audit_verify_consistency(s1, s2, want, wc - 1, r1, r2),
                                     AZK_OK);
                assert_int_not_equal(azk_audit_verify_consistency(s1, s2, want, 0, r1, r2), AZK_OK);
                for (size_t i = 0; i < wc; i++) {
                    want[i * HLEN] ^= 16;
                    assert_int_not_equal(azk_audit_verify_consistency(s1, s2, want, wc, r1, r2),
                                         AZK_OK);
                    want[i * HLEN] ^= 16;
                }
            }
            ncons++;
        }
    }
    fclose(f);
    assert_int_equal(nroot, 8);
    assert_int_equal(nincl, 5);
    assert_int_equal(ncons, 5);
    azk_audit__memtree_dispose(&mt); /* owns `leaves` */
}

/* every proof of every tree up to 70 leaves verifies; and the ones we build
 * from the RFC's recursive definition over the memory tree equal the ones
 * built from the on-disk level files */
static void test_audit__proofs_all_sizes(void **state)
{
    char home[512];
    azk_audit *a = NULL;
    const unsigned N = 70;
    (void)state;
    make_home(home, sizeof(home), "proofs");
    append_n(home, N, "test.proof");
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_size(a), N);
    for (uint64_t size = 1; size <= N; size++) {
        uint8_t root[HLEN];
        assert_int_equal(azk_audit_root(a, size, root), AZK_OK);
        for (uint64_t i = 0; i < size; i++) {
            uint8_t *p = NULL, leaf[HLEN];
            size_t pc = 0, el = 0;
            char *e = NULL;
            assert_int_equal(azk_audit_prove_inclusion(a, i, size, &p, &pc), AZK_OK);
            assert_int_equal(azk_audit_entry(a, i, &e, &el), AZK_OK);
            azk_audit_leaf_hash(e, el, leaf);
            assert_int_equal(azk_audit_verify_inclusion(i, size, leaf, p, pc, root), AZK_OK);
            assert_true(pc <= 7); /* ceil(log2(70)) */
            azk_audit_free(p);
            azk_audit_free(e);
        }
        for (uint64_t m = 0; m <= size; m++) {
            uint8_t *p = NULL, r1[HLEN];
            size_t pc = 0;
            assert_int_equal(azk_audit_root(a, m, r1), AZK_OK);
            assert_int_equal(azk_audit_prove_consistency(a, m, size, &p, &pc), AZK_OK);
            assert_int_equal(azk_audit_verify_consistency(m, size, p, pc, r1, root), AZK_OK);
            azk_audit_free(p);
        }
    }
    azk_audit_close(a);
}

/* ---- signed notes ------------------------------------------------------------ */

static void test_audit__note_vector(void **state)
{
    FILE *f = open_data("note_vectors.txt");
    char line[256], skey[256] = "", vkey[256] = "", sig[300] = "", sig2[300] = "";
    azk_buf text = AZK_BUF_INIT, note = AZK_BUF_INIT, two = AZK_BUF_INIT;
    struct azk_audit__key sk, vk;
    size_t tl = 0;
    (void)state;
    assert_non_null(f);
    while (fgets(line, sizeof(line), f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "skey ", 5) == 0)
            snprintf(skey, sizeof(skey), "%s", line + 5);
        else if (strncmp(line, "vkey ", 5) == 0)
            snprintf(vkey, sizeof(vkey), "%s", line + 5);
        else if (strncmp(line, "text ", 5) == 0)
            assert_int_equal(azk_buf_printf(&text, "%s\n", line + 5), AZK_OK);
        else if (strncmp(line, "sig ", 4) == 0)
            snprintf(sig, sizeof(sig), "%s\n", line + 4);
        else if (strncmp(line, "sig2 ", 5) == 0)
            snprintf(sig2, sizeof(sig2), "%s\n", line + 5);
    }
    fclose(f);
    assert_int_equal(azk_audit__skey_parse(&sk, skey, strlen(skey)), AZK_OK);
    assert_int_equal(azk_audit__vkey_parse(&vk, vkey, strlen(vkey)), AZK_OK);
    assert_string_equal(sk.name, "PeterNeumann");
    assert_int_equal(sk.hash, 0xc74f20a3u);
    assert_memory_equal(sk.pk, vk.pk, 32);
    /* deterministic Ed25519: our signature is byte-identical to Go's */
    assert_int_equal(azk_audit__note_sign(&sk, (char *)text.data, text.len, &note), AZK_OK);
    assert_int_equal(note.len, text.len + 1 + strlen(sig));
    assert_memory_equal(note.data + text.len + 1, sig, strlen(sig));
    assert_int_equal(azk_audit__note_open(&vk, (char *)note.data, note.len, &tl), AZK_OK);
    assert_int_equal(tl, text.len);
    /* an extra signature by an unknown key is ignored */
    assert_int_equal(azk_buf_put(&two, note.data, note.len), AZK_OK);
    assert_int_equal(azk_buf_puts(&two, sig2), AZK_OK);
    assert_int_equal(azk_audit__note_open(&vk, (char *)two.data, two.len, &tl), AZK_OK);
    /* a changed text or signature fails */
    note.data[3] ^= 1;
    assert_int_equal(azk_audit__note_open(&vk, (char *)note.data, note.len, &tl), AZK_ERR_CRYPTO);
    note.data[3] ^= 1;
    note.data[note.len - 5] = note.data[note.len - 5] == 'A' ? 'B' : 'A';
    assert_int_not_equal(azk_audit__note_open(&vk, (char *)note.data, note.len, &tl), AZK_OK);
    /* mangled verifier keys are refused */
    vkey[strlen(vkey) - 2] ^= 1;
    assert_int_not_equal(azk_audit__vkey_parse(&vk, vkey, strlen(vkey)), AZK_OK);
    assert_int_not_equal(azk_audit__vkey_parse(&vk,
                                               "PeterNeumann+c74f20a4+ARpc2QcUPDhMQegwxbzhKq"
                                               "iBfsVkmqq/LDE4izWy10TW",
                                               63),
                         AZK_OK);
    azk_buf_dispose(&text);
    azk_buf_dispose(&note);
    azk_buf_dispose(&two);
}

static void test_audit__checkpoint_format(void **state)
{
    azk_audit_checkpoint_info cp;
    const char *ok = "example.com/behind-the-sofa\n20852163\n"
                     "CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n";
    (void)state;
    /* the C2SP tlog-checkpoint spec's example body */
    assert_int_equal(azk_audit__checkpoint_parse(ok, strlen(ok), &cp), AZK_OK);
    assert_string_equal(cp.origin, "example.com/behind-the-sofa");
    assert_int_equal(cp.size, 20852163);
    assert_int_equal(azk_audit__checkpoint_parse(
                         "o\n012\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", 49, &cp),
                     AZK_ERR_FORMAT);
    assert_int_equal(azk_audit__checkpoint_parse(
                         "o\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2J=\n", 48, &cp),
                     AZK_ERR_FORMAT); /* non-canonical base64 */
    assert_int_equal(azk_audit__checkpoint_parse("o\n12\n", 5, &cp), AZK_ERR_FORMAT);
    /* fuzz finding: an origin with a NUL or control byte is refused */
    assert_int_equal(azk_audit__checkpoint_parse("o\0x\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MP"
                                                 "A3j2jxq2I=\n",
                                                 51, &cp),
                     AZK_ERR_FORMAT);
    assert_int_equal(azk_audit__checkpoint_parse("o\x01x\n12\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2"
                                                 "MPA3j2jxq2I=\n",
                                                 51, &cp),
                     AZK_ERR_FORMAT);
}

/* ---- ledger ---------------------------------------------------------------- */

static void test_audit__append_and_entry(void **state)
{
    char home[512];
    azk_audit *a = NULL;
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    const char *objs[] = {"dataset:x"};
    char *e = NULL, *cpt = NULL;
    uint64_t idx = 99, seq;
    uint8_t prev[HLEN], zero[HLEN] = {0};
    azk_audit_checkpoint_info cp;
    (void)state;
    make_home(home, sizeof(home), "append");
    assert_int_equal(azk_audit_init_home(home), AZK_OK); /* idempotent */
    {
        /* parents are created too */
        char nested[600];
        snprintf(nested, sizeof(nested), "%s/nested/a/b", tmproot);
        assert_int_equal(azk_audit_init_home(nested), AZK_OK);
        assert_int_equal(azk_audit_open(&a, nested, 0, NULL), AZK_OK);
        azk_audit_close(a);
        a = NULL;
    }
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_append(a, &ev, NULL), AZK_ERR_ARG); /* no action */
    ev.action = "intake";
    ev.objects = objs;
    ev.object_count = 1;
    ev.time_ms = 1764000000123;
    ev.actor = "operator1";
    ev.host = "closed-01";
    ev.extra_json = "{\"rows\":120,\"client\":\"shinkin-a\"}";
    assert_int_equal(azk_audit_append(a, &ev, &idx), AZK_OK);
    assert_int_equal(idx, 0);
    assert_int_equal(azk_audit_entry(a, 0, &e, NULL), AZK_OK);
    assert_string_equal(e, "{\"@prev\":\"00000000000000000000000000000000000000000000000000000"
                           "00000000000\",\"@seq\":0,\"action\":\"intake\",\"actor\":\"operator1\""
                           ",\"extra\":{\"client\":\"shinkin-a\",\"rows\":120},\"host\":\"closed-"
                           "01\",\"objects\":[\"dataset:x\"],\"outcome\":\"ok\",\"time\":\"2025-1"
                           "1-24T16:00:00.123Z\",\"v\":1}");
    assert_int_equal(azk_audit__entry_chain((uint8_t *)e, strlen(e), &seq, prev), AZK_OK);
    assert_int_equal(seq, 0);
    assert_memory_equal(prev, zero, HLEN);
    azk_audit_free(e);
    ev.extra_json = "[1]";
    assert_int_equal(azk_audit_append(a, &ev, NULL), AZK_ERR_ARG);
    ev.extra_json = NULL;
    assert_int_equal(azk_audit_append_batch(a, (azk_audit_event[]){ev, ev, ev}, 3, &idx), AZK_OK);
    assert_int_equal(idx, 1);
    assert_int_equal(azk_audit_size(a), 4);
    assert_int_equal(azk_audit_entry(a, 4, &e, NULL), AZK_ERR_NOTFOUND);
    /* escaping: our canonical bytes are what jansson's sorted compact dump gives */
    ev.reason = "quote \" backslash \\ nl \n tab \t ctl \x01 del \x7f kana \xe3\x82\xa2 /";
    ev.extra_json = "{\"z\":[1,2.5,null,true],\"a\":{\"y\":\"\\u00e9\",\"b\":false}}";
    assert_int_equal(azk_audit_append(a, &ev, &idx), AZK_OK);
    assert_int_equal(azk_audit_entry(a, idx, &e, NULL), AZK_OK);
    {
        json_t *j = json_loads(e, 0, NULL);
        char *d;
        assert_non_null(j);
        d = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
        assert_string_equal(d, e);
        free(d);
        json_decref(j);
    }
    azk_audit_free(e);
    ev.reason = "\xff invalid";
    assert_int_equal(azk_audit_append(a, &ev, NULL), AZK_ERR_ARG);
    ev.reason = NULL;
    ev.extra_json = NULL;
    assert_int_equal(azk_audit_checkpoint(a, 1, &cpt), AZK_OK);
    assert_int_equal(azk_audit_checkpoint_open(cpt, strlen(cpt), azk_audit_vkey(a), &cp), AZK_OK);
    assert_int_equal(cp.size, 5);
    assert_string_equal(cp.origin, azk_audit_origin(a));
    assert_true(strncmp(cp.origin, "azukari.local/", 14) == 0);
    azk_audit_free(cpt);
    azk_audit_close(a);
    /* reopen sees the same */
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_size(a), 5);
    azk_audit_close(a);
    {
        azk_audit_report rep;
        struct seen s;
        verify_home(home, NULL, 0, &rep, &s);
        assert_int_equal(rep.issues, 0);
        assert_int_equal(rep.entries, 5);
        assert_int_equal(rep.checkpoints, 1);
    }
    {
        char p[600];
        struct stat st;
        snprintf(p, sizeof(p), "%s/keys/ledger.key", home);
        assert_int_equal(stat(p, &st), 0);
        assert_int_equal(st.st_mode & 0777, 0600);
    }
}

/* Issue 10 item 5: a failed action is recorded with outcome "failed". */
static void test_audit__failed_outcome(void **state)
{
    char home[512];
    azk_audit *a = NULL;
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    const char *objs[] = {"dataset:shinkin-a/2023-09-dm"};
    uint64_t idx = 0;
    char *e = NULL;
    (void)state;
    make_home(home, sizeof(home), "failed");
    ev.action = "vault.open";
    ev.objects = objs;
    ev.object_count = 1;
    ev.outcome = "failed";
    ev.reason = "wrong passphrase";
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_append(a, &ev, &idx), AZK_OK);
    assert_int_equal(azk_audit_entry(a, idx, &e, NULL), AZK_OK);
    assert_non_null(strstr(e, "\"outcome\":\"failed\""));
    azk_audit_free(e);
    azk_audit_close(a);
}

/* Issue 10 item 15: a batch count whose hash buffer would overflow size_t. */
/*
 * Issue 10 item 5, C2SP signed-note: a signature line of an unknown key is
 * ignored whatever its length (a 2,420-byte ML-DSA-44 witness cosignature)
 * and whatever allowed characters its name has (U+007F); CRLF line endings
 * get a message that says so.
 */
static void test_audit__note_unknown_cosignatures(void **state)
{
    char home[512];
    azk_audit *a = NULL;
    char *cp = NULL;
    azk_buf note = AZK_BUF_INIT;
    azk_audit_checkpoint_info ci;
    uint8_t sig[4 + 2420];
    (void)state;
    make_home(home, sizeof(home), "cosig");
    append_n(home, 3, "test.cosig");
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_checkpoint(a, 1, &cp), AZK_OK);
    for (size_t i = 0; i < sizeof(sig); i++)
        sig[i] = (uint8_t)(i * 7 + 1);
    assert_int_equal(azk_buf_puts(&note, cp), AZK_OK);
    assert_int_equal(azk_buf_puts(&note, "\xe2\x80\x94 witness.example/mldsa44 "), AZK_OK);
    assert_int_equal(azk_audit__b64_put(&note, sig, sizeof(sig)), AZK_OK);
    assert_int_equal(azk_buf_puts(&note, "\n\xe2\x80\x94 witness\x7f.example "), AZK_OK);
    assert_int_equal(azk_audit__b64_put(&note, sig, 68), AZK_OK);
    assert_int_equal(azk_buf_putc(&note, '\n'), AZK_OK);
    assert_int_equal(azk_audit_checkpoint_open((char *)note.data, note.len, azk_audit_vkey(a), &ci),
                     AZK_OK);
    assert_int_equal(ci.size, 3);
    {
        /* the same note with CRLF line endings */
        azk_buf crlf = AZK_BUF_INIT;
        for (size_t i = 0; i < note.len; i++) {
            if (note.data[i] == '\n')
                assert_int_equal(azk_buf_putc(&crlf, '\r'), AZK_OK);
            assert_int_equal(azk_buf_putc(&crlf, (char)note.data[i]), AZK_OK);
        }
        assert_int_equal(
            azk_audit_checkpoint_open((char *)crlf.data, crlf.len, azk_audit_vkey(a), &ci),
            AZK_ERR_FORMAT);
        assert_non_null(strstr(azk_error_last()->message, "CRLF"));
        {
            azk_audit_report rep;
            struct seen s;
            verify_home(home, (const char *const[]){(char *)crlf.data}, 1, &rep, &s);
            assert_int_equal(s.kinds[AZK_AUDIT_ISSUE_CHECKPOINT], 1);
            assert_int_equal(s.kinds[AZK_AUDIT_ISSUE_FOREIGN], 0);
        }
        azk_buf_dispose(&crlf);
    }
    azk_buf_dispose(&note);
    azk_audit_free(cp);
    azk_audit_close(a);
}

/* Issue 10 item 5: a kept checkpoint of the empty tree is consistent with every tree. */
static void test_audit__kept_empty_checkpoint(void **state)
{
    char home[512];
    azk_audit *a = NULL;
    char *empty = NULL, *doc = NULL;
    size_t len = 0;
    azk_audit_report rep;
    struct seen s;
    (void)state;
    make_home(home, sizeof(home), "empty-cp");
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_checkpoint(a, 1, &empty), AZK_OK);
    azk_audit_close(a);
    append_n(home, 5, "test.empty");
    verify_home(home, (const char *const[]){empty}, 1, &rep, &s);
    assert_int_equal(rep.issues, 0);
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_export(a, 1, 4, &doc, &len), AZK_OK);
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_audit_verify_bundle(doc, len, azk_audit_vkey(a),
                                             (const char *const[]){empty}, 1, &rep, collect, &s),
                     AZK_OK);
    assert_int_equal(rep.issues, 0);
    azk_audit_close(a);
    azk_audit_free(doc);
    azk_audit_free(empty);
}

/*
 * Issue 10 item 9: homes other users can write or replace are refused, and
 * a home that had a ledger never gets a fresh, empty one.
 */
static void test_audit__init_refuses_unsafe_or_lost(void **state)
{
    char home[512], p[600], q[600];
    azk_audit *a = NULL;
    (void)state;
    /* world-writable home */
    snprintf(home, sizeof(home), "%s/ww", tmproot);
    assert_int_equal(mkdir(home, 0700), 0);
    assert_int_equal(chmod(home, 0777), 0);
    assert_int_equal(azk_audit_init_home(home), AZK_ERR_PERM);
    assert_non_null(strstr(azk_error_last()->message, "writable by other users"));
    /* inside a directory others can write and that is not sticky */
    snprintf(p, sizeof(p), "%s/ww/h", tmproot);
    assert_int_equal(azk_audit_init_home(p), AZK_ERR_PERM);
    assert_non_null(strstr(azk_error_last()->message, "above the home"));
    /* sticky like /tmp: fine */
    assert_int_equal(chmod(home, 01777), 0);
    assert_int_equal(azk_audit_init_home(p), AZK_OK);
    /* a home of another user */
    if (geteuid() == 0) {
        snprintf(q, sizeof(q), "%s/foreign", tmproot);
        assert_int_equal(mkdir(q, 0700), 0);
        assert_int_equal(chown(q, 65534, 65534), 0);
        assert_int_equal(azk_audit_init_home(q), AZK_ERR_PERM);
        assert_non_null(strstr(azk_error_last()->message, "belongs to uid 65534"));
    }
    /* ledger/ renamed away: an alarm, never "run audit init" */
    make_home(home, sizeof(home), "lost");
    append_n(home, 2, "test.lost");
    snprintf(p, sizeof(p), "%s/ledger", home);
    snprintf(q, sizeof(q), "%s/ledger.gone", home);
    assert_int_equal(rename(p, q), 0);
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_ERR_INTEGRITY);
    assert_null(strstr(azk_error_last()->message, "init"));
    assert_int_equal(azk_audit_init_home(home), AZK_ERR_INTEGRITY);
    assert_non_null(strstr(azk_error_last()->message, "TAMPER ALARM"));
    assert_int_equal(access(p, F_OK), -1); /* no fresh ledger was made */
    assert_int_equal(rename(q, p), 0);
    /* the key removed instead: no new key for an existing ledger */
    snprintf(p, sizeof(p), "%s/keys/ledger.key", home);
    snprintf(q, sizeof(q), "%s/ledger.key.gone", home);
    assert_int_equal(rename(p, q), 0);
    assert_int_equal(azk_audit_init_home(home), AZK_ERR_INTEGRITY);
    assert_int_equal(access(p, F_OK), -1);
    assert_int_equal(rename(q, p), 0);
    /* keys/ and ledger/ both gone from a home that has a catalog */
    make_home(home, sizeof(home), "lost-all");
    snprintf(p, sizeof(p), "%s/catalog.db", home);
    spit(p, (const uint8_t *)"x", 1);
    snprintf(p, sizeof(p), "%s/keys/ledger.key", home);
    unlink(p);
    snprintf(p, sizeof(p), "%s/keys/ledger.pub", home);
    unlink(p);
    snprintf(p, sizeof(p), "%s/ledger/entries.log", home);
    unlink(p);
    assert_int_equal(azk_audit_init_home(home), AZK_ERR_INTEGRITY);
    assert_non_null(strstr(azk_error_last()->message, "catalog.db"));
}

static void test_audit__batch_count_overflow(void **state)
{
    char home[512];
    azk_audit *a = NULL;
    azk_audit_event evs[2] = {AZK_AUDIT_EVENT_INIT, AZK_AUDIT_EVENT_INIT};
    (void)state;
    make_home(home, sizeof(home), "overflow");
    evs[0].action = evs[1].action = "x";
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    /* count * 32 wraps to 32: two events' worth of buffer for 2^59 + 1 */
    assert_int_equal(azk_audit_append_batch(a, evs, SIZE_MAX / HLEN + 2, NULL), AZK_ERR_LIMIT);
    assert_int_equal(azk_audit_size(a), 0);
    azk_audit_close(a);
}

static void test_audit__checkpoints_kept_by_client(void **state)
{
    char home[512], other[512], lp[600];
    azk_audit *a = NULL;
    char *old = NULL, *foreign = NULL, *forged;
    azk_audit_report rep;
    struct seen s;
    uint8_t *b;
    size_t len, offs[64];
    (void)state;
    make_home(home, sizeof(home), "cp");
    make_home(other, sizeof(other), "cp-other");
    append_n(home, 6, "test.cp");
    append_n(other, 6, "test.cp");
    assert_int_equal(azk_audit_open(&a, other, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_checkpoint(a, 1, &foreign), AZK_OK);
    azk_audit_close(a);
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_checkpoint(a, 1, &old), AZK_OK);
    azk_audit_close(a);
    append_n(home, 3, "test.cp");
    /* a good old checkpoint verifies: the ledger extends it */
    verify_home(home, (const char *const[]){old}, 1, &rep, &s);
    assert_int_equal(rep.issues, 0);
    /* foreign */
    verify_home(home, (const char *const[]){foreign}, 1, &rep, &s);
    assert_int_equal(s.kinds[AZK_AUDIT_ISSUE_FOREIGN], 1);
    /* forged signature: flip a byte of the signature */
    forged = strdup(old);
    forged[strlen(forged) - 10] = forged[strlen(forged) - 10] == 'A' ? 'B' : 'A';
    verify_home(home, (const char *const[]){forged}, 1, &rep, &s);
    assert_int_equal(s.kinds[AZK_AUDIT_ISSUE_SIGNATURE], 1);
    free(forged);
    /* entries removed at the end (a frame-aligned truncation) */
    log_path(lp, sizeof(lp), home);
    b = slurp(lp, &len);
    frames(b, len, offs, 63);
    spit(lp, b, offs[4]);
    verify_home(home, (const char *const[]){old}, 1, &rep, &s);
    /* the stored copy, the client's and the index (the record of appends) */
    assert_int_equal(s.kinds[AZK_AUDIT_ISSUE_TRUNCATED], 3);
    assert_int_equal(rep.first_bad_index, 4);
    free(b);
    /* history rewritten consistently with the same key: only checkpoints see it */
    {
        char p[600];
        azk_audit *h = NULL;
        snprintf(p, sizeof(p), "%s/ledger/index", home);
        unlink(p);
        spit(lp, (const uint8_t *)"", 0);
        /* the stored checkpoint stops appends to a cut log ... */
        assert_int_equal(azk_audit_open(&h, home, 0, NULL), AZK_ERR_INTEGRITY);
        /* ... so the forger removes it too: only the client's copy is left */
        snprintf(p, sizeof(p), "%s/ledger/checkpoints/%020d.note", home, 6);
        assert_int_equal(unlink(p), 0);
        append_n(home, 9, "test.rewritten");
        verify_home(home, (const char *const[]){old}, 1, &rep, &s);
        assert_true(s.kinds[AZK_AUDIT_ISSUE_INCONSISTENT] >= 1);
    }
    free(old);
    free(foreign);
}

static void test_audit__concurrent_appends(void **state)
{
    char home[512];
    const int procs = 4, each = 100;
    azk_audit_report rep;
    struct seen s;
    (void)state;
    make_home(home, sizeof(home), "concurrent");
    for (int p = 0; p < procs; p++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            azk_audit *a = NULL;
            azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
            int bad = 0;
            ev.action = "test.concurrent";
            if (azk_audit_open(&a, home, 0, NULL) != AZK_OK)
                _exit(2);
            for (int i = 0; i < each; i++)
                bad |= azk_audit_append(a, &ev, NULL) != AZK_OK;
            azk_audit_close(a);
            _exit(bad);
        }
    }
    for (int p = 0; p < procs; p++) {
        int st = 0;
        wait(&st);
        assert_true(WIFEXITED(st));
        assert_int_equal(WEXITSTATUS(st), 0);
    }
    verify_home(home, NULL, 0, &rep, &s);
    assert_int_equal(rep.issues, 0);
    assert_int_equal(rep.entries, (uint64_t)(procs * each));
}

static void test_audit__bundle(void **state)
{
    char home[512], other[512];
    azk_audit *a = NULL;
    char *old = NULL, *doc = NULL, *bad, *foreign_vkey;
    size_t len = 0;
    azk_audit_report rep;
    struct seen s;
    (void)state;
    make_home(home, sizeof(home), "bundle");
    make_home(other, sizeof(other), "bundle-other");
    append_n(home, 10, "test.bundle");
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_checkpoint(a, 1, &old), AZK_OK);
    azk_audit_close(a);
    append_n(home, 7, "test.bundle");
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_export(a, 3, 15, &doc, &len), AZK_OK);
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_audit_verify_bundle(doc, len, azk_audit_vkey(a),
                                             (const char *const[]){old}, 1, &rep, collect, &s),
                     AZK_OK);
    assert_int_equal(rep.issues, 0);
    assert_int_equal(rep.entries, 12);
    /* a modified entry in the bundle */
    bad = strdup(doc);
    {
        char *p = strstr(bad, "test.bundle");
        p = strstr(p + 1, "test.bundle");
        p[5] = 'X';
    }
    memset(&s, 0, sizeof(s));
    assert_int_equal(
        azk_audit_verify_bundle(bad, len, azk_audit_vkey(a), NULL, 0, &rep, collect, &s), AZK_OK);
    assert_int_equal(s.kinds[AZK_AUDIT_ISSUE_PROOF], 1);
    assert_int_equal(rep.first_bad_index, 4);
    free(bad);
    azk_audit_close(a);
    /* another ledger's key */
    assert_int_equal(azk_audit_open(&a, other, 0, NULL), AZK_OK);
    foreign_vkey = strdup(azk_audit_vkey(a));
    azk_audit_close(a);
    memset(&s, 0, sizeof(s));
    assert_int_equal(azk_audit_verify_bundle(doc, len, foreign_vkey, NULL, 0, &rep, collect, &s),
                     AZK_OK);
    assert_int_equal(s.kinds[AZK_AUDIT_ISSUE_FOREIGN], 1);
    free(foreign_vkey);
    azk_audit_free(doc);
    free(old);
}

/* every allocation failing in turn: AZK_ERR_NOMEM or success, no leak, and
 * the ledger always verifies afterwards */
static void test_audit__oom(void **state)
{
    char home[512];
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    const char *objs[] = {"dataset:x"};
    int finished = 0;
    struct azk_oom oom = azk_oom_start("audit");
    (void)state;
    ev.action = "test.oom";
    ev.objects = objs;
    ev.object_count = 1;
    ev.extra_json = "{\"k\":1}";
    for (long n = 0; n < 5000 && !finished; n += oom.step) {
        azk_audit *a = NULL;
        char *cp = NULL, *doc = NULL;
        size_t len = 0;
        azk_audit_report rep;
        azk_status rc;
        make_home(home, sizeof(home), "oom"); /* each round from a fresh ledger */
        append_n(home, 3, "test.oom");
        azk__alloc_fail_after(n);
        rc = azk_audit_open(&a, home, 0, NULL);
        if (rc == AZK_OK)
            rc = azk_audit_append_batch(a, (azk_audit_event[]){ev, ev}, 2, NULL);
        if (rc == AZK_OK)
            rc = azk_audit_checkpoint(a, 1, &cp);
        if (rc == AZK_OK)
            rc = azk_audit_export(a, 0, 2, &doc, &len);
        azk_audit_close(a);
        if (rc == AZK_OK)
            rc = azk_audit_verify(home, NULL, 0, &rep, NULL, NULL);
        azk__alloc_fail_after(-1);
        if (rc != AZK_OK && rc != AZK_ERR_NOMEM)
            fail_msg("n=%ld rc=%d %s", n, rc, azk_error_last()->message);
        azk_audit_free(cp);
        azk_audit_free(doc);
        oom.runs++;
        oom.nomem += rc == AZK_ERR_NOMEM;
        finished = rc == AZK_OK;
        if (getenv("AZK_OOM_TRACE") != NULL)
            fprintf(stderr, "oom n=%ld rc=%d %s\n", n, rc, azk_error_last()->message);
        assert_int_equal(azk_audit_verify(home, NULL, 0, &rep, NULL, NULL), AZK_OK);
        assert_int_equal(rep.issues, 0);
    }
    oom.completed = finished;
    azk_oom_report(&oom);
}

static int setup_all(void **state)
{
    const char *t = getenv("TMPDIR");
    (void)state;
    snprintf(tmproot, sizeof(tmproot), "%s/azk-audit-XXXXXX", t != NULL ? t : "/tmp");
    return mkdtemp(tmproot) == NULL ? -1 : 0;
}

static int teardown_all(void **state)
{
    (void)state;
    nftw(tmproot, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_audit__merkle_vectors),
        cmocka_unit_test(test_audit__note_vector),
        cmocka_unit_test(test_audit__checkpoint_format),
        cmocka_unit_test(test_audit__append_and_entry),
        cmocka_unit_test(test_audit__proofs_all_sizes),
        cmocka_unit_test(test_audit__tamper_detected),
        cmocka_unit_test(test_audit__issue_callback_stops),
        cmocka_unit_test(test_audit__torn_tail_every_byte),
        cmocka_unit_test(test_audit__tail_cut_is_alarm),
        cmocka_unit_test(test_audit__cut_or_fork_never_signed),
        cmocka_unit_test(test_audit__cache_bitflip_not_signed),
        cmocka_unit_test(test_audit__readonly_never_repairs),
        cmocka_unit_test(test_audit__rechained_forgery_named),
        cmocka_unit_test(test_audit__failed_outcome),
        cmocka_unit_test(test_audit__batch_count_overflow),
        cmocka_unit_test(test_audit__note_unknown_cosignatures),
        cmocka_unit_test(test_audit__kept_empty_checkpoint),
        cmocka_unit_test(test_audit__init_refuses_unsafe_or_lost),
        cmocka_unit_test(test_audit__checkpoints_kept_by_client),
        cmocka_unit_test(test_audit__concurrent_appends),
        cmocka_unit_test(test_audit__bundle),
        cmocka_unit_test(test_audit__read_all),
        cmocka_unit_test(test_audit__keep),
        cmocka_unit_test(test_audit__oom),
    };
    if (sodium_init() < 0)
        return 1;
    azk_oom_filter();
    return cmocka_run_group_tests(tests, setup_all, teardown_all);
}
