/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/audit -- the audit ledger: RFC 6962/9162 hashing and proof
 * vectors (transparency-dev/merkle), the C2SP signed-note vector
 * (golang.org/x/mod/sumdb/note), file-backed proofs against an in-memory
 * tree, tamper detection (modified, removed, reordered, inserted entries,
 * garbage, a torn tail cut at every byte, forged and foreign checkpoints),
 * concurrent appends from several processes, and bundles.
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

#include <jansson.h>

/* ---- helpers ------------------------------------------------------------- */

static size_t unhex(const char *s, uint8_t *out, size_t max)
{
    size_t n = 0;
    if (strcmp(s, "-") == 0)
        return 0;
    while (s[0] && s[1] && n < max) {
        unsigned v;
        sscanf(s, "%2x", &v);
        out[n++] = (uint8_t)v;
        s += 2;
    }
    return n;
}

static size_t unhex_list(const char *s, uint8_t *out)
{
    size_t count = 0;
    char buf[4096];
    char *save = NULL, *tok;
    if (strcmp(s, "-") == 0)
        return 0;
    snprintf(buf, sizeof(buf), "%s", s);
    for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
        unhex(tok, out + count * HLEN, HLEN);
        count++;
    }
    return count;
}

static FILE *open_data(const char *name)
{
    char p[4096];
    const char *src = getenv("AZK_SRCDIR");
    snprintf(p, sizeof(p), "%s/tests/data/audit/%s", src != NULL ? src : "../..", name);
    return fopen(p, "r");
}

static char tmproot[256];

static int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void make_home(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", tmproot, name);
    nftw(out, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    assert_int_equal(azk_audit_init_home(out), AZK_OK);
}

static void append_n(const char *home, unsigned count, const char *action)
{
    azk_audit *a = NULL;
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    const char *objs[] = {"dataset:shinkin-a/2023-09-dm", "job:4411"};
    ev.action = action;
    ev.objects = objs;
    ev.object_count = 2;
    ev.reason = "retention period ended";
    ev.time_ms = 1764000000000;
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    for (unsigned i = 0; i < count; i++)
        assert_int_equal(azk_audit_append(a, &ev, NULL), AZK_OK);
    azk_audit_close(a);
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b;
    long n;
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void spit(const char *path, const uint8_t *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
}

static void log_path(char *out, size_t n, const char *home)
{
    snprintf(out, n, "%s/ledger/entries.log", home);
}

/* byte offsets of every frame in a log */
static size_t frames(const uint8_t *b, size_t len, size_t *offs, size_t max)
{
    size_t pos = 0, n = 0;
    while (pos + 8 <= len && n < max) {
        uint32_t l = (uint32_t)b[pos + 4] << 24 | (uint32_t)b[pos + 5] << 16 |
                     (uint32_t)b[pos + 6] << 8 | b[pos + 7];
        offs[n++] = pos;
        pos += 8 + l + 32;
    }
    offs[n] = pos;
    return n;
}

struct seen {
    int kinds[16];
    uint64_t first_index[16];
};

static azk_status collect(azk_audit_issue_kind kind, uint64_t index, const char *msg, void *payload)
{
    struct seen *s = payload;
    (void)msg;
    if (s->kinds[kind] == 0)
        s->first_index[kind] = index;
    s->kinds[kind]++;
    return AZK_OK;
}

static void verify_home(const char *home, const char *const *cps, size_t ncp, azk_audit_report *rep,
                        struct seen *s)
{
    memset(s, 0, sizeof(*s));
    assert_int_equal(azk_audit_verify(home, cps, ncp, rep, collect, s), AZK_OK);
}

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

/* a copy of the ledger with frame k replaced by `bytes` */
static void tamper(const char *home, void (*fn)(uint8_t *b, size_t *len, size_t *offs, size_t n))
{
    char lp[600];
    size_t len, offs[256], n;
    uint8_t *b;
    log_path(lp, sizeof(lp), home);
    {
        uint8_t *small = slurp(lp, &len);
        b = malloc(len + 4096);
        assert_non_null(b);
        memcpy(b, small, len);
        free(small);
    }
    n = frames(b, len, offs, 255);
    fn(b, &len, offs, n);
    spit(lp, b, len);
    free(b);
}

static void t_modify(uint8_t *b, size_t *len, size_t *offs, size_t n)
{
    (void)len;
    (void)n;
    /* change a character inside entry 3's JSON ("intake" -> "intakf") */
    uint8_t *p = memmem(b + offs[3], offs[4] - offs[3], "test.tamper", 11);
    assert_non_null(p);
    p[10] = 'X';
}

static void t_modify_rehash(uint8_t *b, size_t *len, size_t *offs, size_t n)
{
    (void)len;
    (void)n;
    uint8_t *p = memmem(b + offs[3], offs[4] - offs[3], "test.tamper", 11);
    uint32_t l = (uint32_t)(offs[4] - offs[3] - 40);
    p[10] = 'X';
    /* a careful forger also fixes the frame checksum */
    azk_audit_leaf_hash(b + offs[3] + 8, l, b + offs[4] - 32);
}

static void t_remove(uint8_t *b, size_t *len, size_t *offs, size_t n)
{
    size_t fl = offs[4] - offs[3];
    (void)n;
    memmove(b + offs[3], b + offs[4], *len - offs[4]);
    *len -= fl;
}

static void t_swap(uint8_t *b, size_t *len, size_t *offs, size_t n)
{
    size_t l3 = offs[4] - offs[3], l4 = offs[5] - offs[4];
    uint8_t tmp[4096];
    (void)len;
    (void)n;
    memcpy(tmp, b + offs[3], l3 + l4);
    memcpy(b + offs[3], tmp + l3, l4);
    memcpy(b + offs[3] + l4, tmp, l3);
}

static void t_insert(uint8_t *b, size_t *len, size_t *offs, size_t n)
{
    size_t fl = offs[3] - offs[2];
    (void)n;
    memmove(b + offs[3] + fl, b + offs[3], *len - offs[3]);
    memcpy(b + offs[3], b + offs[2], fl); /* entry 2 again at position 3 */
    *len += fl;
}

static void t_garbage(uint8_t *b, size_t *len, size_t *offs, size_t n)
{
    (void)offs;
    (void)n;
    memcpy(b + *len, "garbage\n\x01\x02", 10);
    *len += 10;
}

static void check_tamper(const char *name,
                         void (*fn)(uint8_t *b, size_t *len, size_t *offs, size_t n),
                         azk_audit_issue_kind want, uint64_t want_first)
{
    char home[512];
    azk_audit_report rep;
    struct seen s;
    make_home(home, sizeof(home), name);
    append_n(home, 8, "test.tamper");
    verify_home(home, NULL, 0, &rep, &s);
    assert_int_equal(rep.issues, 0);
    tamper(home, fn);
    verify_home(home, NULL, 0, &rep, &s);
    assert_true(rep.issues > 0);
    assert_true(s.kinds[want] > 0);
    assert_int_equal(rep.first_bad_index, want_first);
}

static void test_audit__tamper_detected(void **state)
{
    (void)state;
    check_tamper("t-mod", t_modify, AZK_AUDIT_ISSUE_MODIFIED, 3);
    check_tamper("t-rehash", t_modify_rehash, AZK_AUDIT_ISSUE_LINK, 3);
    check_tamper("t-remove", t_remove, AZK_AUDIT_ISSUE_SEQUENCE, 3);
    check_tamper("t-swap", t_swap, AZK_AUDIT_ISSUE_SEQUENCE, 3);
    check_tamper("t-insert", t_insert, AZK_AUDIT_ISSUE_SEQUENCE, 3);
    check_tamper("t-garbage", t_garbage, AZK_AUDIT_ISSUE_FRAME, 8);
    {
        /* an open for appending refuses a ledger with garbage */
        char home[512];
        azk_audit *a = NULL;
        snprintf(home, sizeof(home), "%s/t-garbage", tmproot);
        assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_ERR_INTEGRITY);
        assert_non_null(strstr(azk_error_last()->message, "after entry 8"));
    }
}

static azk_status refuse_issue(azk_audit_issue_kind kind, uint64_t index, const char *msg,
                               void *payload)
{
    (void)kind;
    (void)index;
    (void)msg;
    (*(int *)payload)++;
    return AZK_ERR_IO;
}

/* an issue callback that fails (its output is gone) is not called again,
 * and the verification returns its status */
static void test_audit__issue_callback_stops(void **state)
{
    char home[512];
    azk_audit_report rep;
    struct seen s;
    int calls = 0;
    (void)state;
    make_home(home, sizeof(home), "t-cbstop");
    append_n(home, 8, "test.tamper");
    tamper(home, t_remove);
    verify_home(home, NULL, 0, &rep, &s);
    assert_true(rep.issues > 1);
    assert_int_equal(azk_audit_verify(home, NULL, 0, &rep, refuse_issue, &calls), AZK_ERR_IO);
    assert_int_equal(calls, 1);
    assert_non_null(strstr(azk_error_last()->message, "stopped"));
}

static void copy_file(const char *from, const char *to)
{
    size_t len;
    uint8_t *b = slurp(from, &len);
    spit(to, b, len);
    free(b);
}

/*
 * What a crash can leave: the bytes of an append that was never
 * acknowledged, past the entries the index recorded. Home "torn" holds 5
 * acknowledged entries; the log gets every strict prefix of a 6th frame.
 */
static void test_audit__torn_tail_every_byte(void **state)
{
    char home[512], lp[600], ip[600], saved[600];
    uint8_t *orig;
    size_t len, offs[64], n;
    (void)state;
    make_home(home, sizeof(home), "torn");
    append_n(home, 5, "test.torn");
    log_path(lp, sizeof(lp), home);
    snprintf(ip, sizeof(ip), "%s/ledger/index", home);
    snprintf(saved, sizeof(saved), "%s/index.5", tmproot);
    copy_file(ip, saved);
    append_n(home, 1, "test.torn");
    orig = slurp(lp, &len);
    n = frames(orig, len, offs, 63);
    assert_int_equal(n, 6);
    for (size_t cut = offs[5] + 1; cut < len; cut++) {
        azk_audit_report rep;
        struct seen s;
        azk_audit *a = NULL;
        azk_audit_open_info info;
        spit(lp, orig, cut);
        copy_file(saved, ip); /* the 6th append was never acknowledged */
        verify_home(home, NULL, 0, &rep, &s);
        assert_int_equal(rep.issues, 0);
        assert_int_equal(rep.entries, 5);
        assert_int_equal(rep.torn_bytes, cut - offs[5]);
        assert_int_equal(azk_audit_open(&a, home, 0, &info), AZK_OK);
        assert_int_equal(info.repaired_bytes, cut - offs[5]);
        assert_int_equal(info.size, 5);
        azk_audit_close(a);
        append_n(home, 1, "test.after");
        verify_home(home, NULL, 0, &rep, &s);
        assert_int_equal(rep.issues, 0);
        assert_int_equal(rep.entries, 6);
    }
    free(orig);
}

/*
 * Issue 10 item 1: a cut the index recorded as acknowledged (one byte off
 * the newest entry, or whole entries at a frame boundary) is a tamper
 * alarm: open and append refuse and change nothing, verify names the first
 * lost entry, and only a person's recovery continues the ledger, recording
 * the old and new sizes and roots.
 */
static void test_audit__tail_cut_is_alarm(void **state)
{
    static const size_t keep_entries[] = {7, 5, 0};
    (void)state;
    for (size_t k = 0; k < 4; k++) {
        char home[512], lp[600], name[32];
        uint8_t *orig, *after, root8[HLEN];
        size_t len, alen, offs[64], cut;
        azk_audit *a = NULL;
        azk_audit_report rep;
        struct seen s;
        azk_audit_recover_info ri;
        azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
        uint64_t want_n;
        char *e = NULL;
        snprintf(name, sizeof(name), "cut-%zu", k);
        make_home(home, sizeof(home), name);
        append_n(home, 8, "test.cut");
        log_path(lp, sizeof(lp), home);
        orig = slurp(lp, &len);
        assert_int_equal(frames(orig, len, offs, 63), 8);
        assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
        assert_int_equal(azk_audit_root(a, 8, root8), AZK_OK);
        azk_audit_close(a);
        /* k = 0: one byte off the newest entry (truncate -s -1); 1: half of it;
         * 2, 3: whole entries cut at a frame boundary */
        cut = k == 0 ? len - 1 : k == 1 ? offs[7] + 20 : offs[keep_entries[k - 1]];
        want_n = k < 2 ? 7 : keep_entries[k - 1];
        spit(lp, orig, cut);
        assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_ERR_INTEGRITY);
        assert_non_null(strstr(azk_error_last()->message, "TAMPER ALARM"));
        assert_non_null(strstr(azk_error_last()->message, "cut"));
        ev.action = "client.add";
        assert_int_equal(azk_audit_record(home, &ev), AZK_ERR_INTEGRITY);
        /* nothing was repaired or appended */
        after = slurp(lp, &alen);
        assert_int_equal(alen, cut);
        free(after);
        verify_home(home, NULL, 0, &rep, &s);
        assert_true(rep.issues > 0);
        assert_int_equal(rep.first_bad_index, want_n);
        assert_int_equal(rep.torn_bytes, 0);
        assert_int_equal(s.kinds[AZK_AUDIT_ISSUE_TRUNCATED], 1);
        /* recovery: first it only says what it found */
        assert_int_equal(azk_audit_recover(home, 0, "op1", NULL, &ri), AZK_OK);
        assert_int_equal(ri.alarm, 1);
        assert_int_equal(ri.recorded, 0);
        assert_int_equal(ri.old_size, 8);
        assert_int_equal(ri.new_size, want_n);
        assert_memory_equal(ri.old_root, root8, HLEN);
        assert_int_equal(ri.removed_bytes, cut - offs[want_n]);
        after = slurp(lp, &alen);
        assert_int_equal(alen, cut);
        free(after);
        /* a person accepts the truncation: recorded once, then appends go on */
        assert_int_equal(azk_audit_recover(home, AZK_AUDIT_RECOVER_ACCEPT_TRUNCATION, "op1",
                                           "insider cut the log; case 42", &ri),
                         AZK_OK);
        assert_int_equal(ri.recorded, 1);
        assert_int_equal(ri.alarm_index, want_n);
        assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
        assert_int_equal(azk_audit_size(a), want_n + 1);
        assert_int_equal(azk_audit_entry(a, want_n, &e, NULL), AZK_OK);
        assert_non_null(strstr(e, "\"action\":\"ledger.alarm\""));
        assert_non_null(strstr(e, "\"old_size\":8"));
        assert_non_null(strstr(e, "\"actor\":\"op1\""));
        assert_non_null(strstr(e, "TAMPER ALARM"));
        azk_audit_free(e);
        azk_audit_close(a);
        append_n(home, 1, "test.after");
        verify_home(home, NULL, 0, &rep, &s);
        assert_int_equal(rep.issues, 0);
        assert_int_equal(rep.entries, want_n + 2);
        /* nothing left to recover */
        assert_int_equal(azk_audit_recover(home, 0, NULL, NULL, &ri), AZK_OK);
        assert_int_equal(ri.alarm, 0);
        free(orig);
    }
}

/*
 * Issue 10 item 2: a log cut back (index gone too) or replaced by another
 * history of a signed size is an alarm on every open; nothing is signed and
 * the stored checkpoint is never overwritten.
 */
static void test_audit__cut_or_fork_never_signed(void **state)
{
    char home[512], other[512], lp[600], ip[600], cpp[600], p2[600];
    azk_audit *a = NULL;
    char *cp = NULL, *cp2 = NULL;
    uint8_t *orig, *note, *note2;
    size_t len, nlen, n2len, offs[64];
    azk_audit_recover_info ri;
    (void)state;
    make_home(home, sizeof(home), "fork");
    make_home(other, sizeof(other), "fork-other");
    append_n(home, 8, "test.fork");
    append_n(other, 8, "test.other");
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_checkpoint(a, 1, &cp), AZK_OK);
    azk_audit_close(a);
    snprintf(cpp, sizeof(cpp), "%s/ledger/checkpoints/%020d.note", home, 8);
    note = slurp(cpp, &nlen);
    log_path(lp, sizeof(lp), home);
    snprintf(ip, sizeof(ip), "%s/ledger/index", home);
    orig = slurp(lp, &len);
    frames(orig, len, offs, 63);
    /* whole entries cut and the index removed: the signed checkpoint remains */
    spit(lp, orig, offs[5]);
    unlink(ip);
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_ERR_INTEGRITY);
    assert_non_null(strstr(azk_error_last()->message, "entries were removed"));
    /* recovery cannot accept losing signed entries: that would sign a fork */
    assert_int_equal(azk_audit_recover(home, AZK_AUDIT_RECOVER_ACCEPT_TRUNCATION, NULL, "x", &ri),
                     AZK_ERR_INTEGRITY);
    assert_non_null(strstr(azk_error_last()->message, "fork"));
    /* another history of the same (signed) size: the other ledger's log and index */
    log_path(p2, sizeof(p2), other);
    copy_file(p2, lp);
    snprintf(p2, sizeof(p2), "%s/ledger/index", other);
    copy_file(p2, ip);
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_ERR_INTEGRITY);
    assert_non_null(strstr(azk_error_last()->message, "history rewritten"));
    /* the stored checkpoint was not overwritten */
    note2 = slurp(cpp, &n2len);
    assert_int_equal(n2len, nlen);
    assert_memory_equal(note2, note, nlen);
    free(note2);
    /* a good ledger re-signed at the same size keeps the one stored note */
    spit(lp, orig, len);
    unlink(ip);
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_checkpoint(a, 1, &cp2), AZK_OK);
    assert_string_equal(cp2, cp);
    azk_audit_close(a);
    free(orig);
    free(note);
    azk_audit_free(cp);
    azk_audit_free(cp2);
}

static void flip_bit(const char *path, size_t off)
{
    size_t len;
    uint8_t *b = slurp(path, &len);
    assert_true(off < len);
    b[off] ^= 0x10;
    spit(path, b, len);
    free(b);
}

/*
 * Issue 10 item 3: one flipped bit in a cached tree node: signing, proving
 * and exporting sign the root of the log, never the cache's, and never a
 * root that differs from a stored checkpoint of the same size.
 */
static void test_audit__cache_bitflip_not_signed(void **state)
{
    char home[512], tp[600];
    azk_audit *a = NULL;
    azk_audit_report rep;
    struct seen s;
    azk_audit_checkpoint_info ci;
    char *cp = NULL, *doc = NULL;
    uint8_t root[HLEN];
    size_t len = 0;
    (void)state;
    make_home(home, sizeof(home), "bitflip");
    append_n(home, 20, "test.flip");
    verify_home(home, NULL, 0, &rep, &s);
    memcpy(root, rep.root, HLEN);
    /* root(20) = node(level 4, 0) + node(level 2, 4): flip the first */
    snprintf(tp, sizeof(tp), "%s/ledger/tree-04", home);
    flip_bit(tp, 3);
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_checkpoint(a, 1, &cp), AZK_OK);
    assert_int_equal(azk_audit_checkpoint_open(cp, strlen(cp), azk_audit_vkey(a), &ci), AZK_OK);
    assert_memory_equal(ci.root, root, HLEN);
    azk_audit_free(cp);
    cp = NULL;
    azk_audit_close(a);
    /* with a stored checkpoint of that size: flipped again, then export */
    flip_bit(tp, 7);
    snprintf(tp, sizeof(tp), "%s/ledger/tree-02", home);
    flip_bit(tp, 4 * HLEN + 1);
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_export(a, 0, 20, &doc, &len), AZK_OK);
    memset(&s, 0, sizeof(s));
    assert_int_equal(
        azk_audit_verify_bundle(doc, len, azk_audit_vkey(a), NULL, 0, &rep, collect, &s), AZK_OK);
    assert_int_equal(rep.issues, 0);
    assert_memory_equal(rep.root, root, HLEN);
    azk_audit_free(doc);
    azk_audit_close(a);
    /* a flipped leaf hash in the index (the record of appends) is an alarm */
    snprintf(tp, sizeof(tp), "%s/ledger/index", home);
    flip_bit(tp, 5 * 48 + 20);
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_checkpoint(a, 1, &cp), AZK_ERR_INTEGRITY);
    assert_non_null(strstr(azk_error_last()->message, "entry 5"));
    azk_audit_close(a);
    verify_home(home, NULL, 0, &rep, &s);
    assert_int_equal(rep.first_bad_index, 5);
}

/* Issue 10 item 4: a read-only open (audit log, show) never changes the ledger. */
static void test_audit__readonly_never_repairs(void **state)
{
    char home[512], lp[600], ip[600], saved[600];
    uint8_t *orig, *after;
    size_t len, alen, offs[64];
    azk_audit *a = NULL;
    azk_audit_open_info info;
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    char *e = NULL;
    (void)state;
    make_home(home, sizeof(home), "ro");
    append_n(home, 3, "test.ro");
    log_path(lp, sizeof(lp), home);
    snprintf(ip, sizeof(ip), "%s/ledger/index", home);
    snprintf(saved, sizeof(saved), "%s/index.ro", tmproot);
    copy_file(ip, saved);
    append_n(home, 1, "test.ro");
    orig = slurp(lp, &len);
    frames(orig, len, offs, 63);
    spit(lp, orig, offs[3] + 11); /* a crash inside the 4th append */
    copy_file(saved, ip);
    assert_int_equal(azk_audit_open(&a, home, AZK_AUDIT_OPEN_READONLY, &info), AZK_OK);
    assert_int_equal(info.size, 3);
    assert_int_equal(info.torn_bytes, 11);
    assert_int_equal(info.repaired_bytes, 0);
    assert_int_equal(azk_audit_entry(a, 2, &e, NULL), AZK_OK);
    assert_non_null(strstr(e, "\"@seq\":2"));
    azk_audit_free(e);
    ev.action = "x";
    assert_int_equal(azk_audit_append(a, &ev, NULL), AZK_ERR_ARG);
    azk_audit_close(a);
    after = slurp(lp, &alen);
    assert_int_equal(alen, offs[3] + 11);
    free(after);
    /* a sound ledger with a signed checkpoint and a damaged tree cache: the
     * read-only open answers from the log and leaves the cache alone */
    {
        char tp[600], *cp = NULL;
        uint8_t *t0, *t1;
        size_t l0, l1;
        spit(lp, orig, len);
        append_n(home, 1, "test.ro"); /* repairs the torn tail, indexes all */
        assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
        assert_int_equal(azk_audit_checkpoint(a, 1, &cp), AZK_OK);
        azk_audit_close(a);
        azk_audit_free(cp);
        assert_int_equal(azk_audit_open(&a, home, AZK_AUDIT_OPEN_READONLY, &info), AZK_OK);
        assert_int_equal(info.size, 5);
        azk_audit_close(a);
        snprintf(tp, sizeof(tp), "%s/ledger/tree-02", home);
        flip_bit(tp, 2);
        t0 = slurp(tp, &l0);
        assert_int_equal(azk_audit_open(&a, home, AZK_AUDIT_OPEN_READONLY, &info), AZK_OK);
        assert_int_equal(info.size, 5);
        assert_int_equal(azk_audit_entry(a, 4, &e, NULL), AZK_OK);
        azk_audit_free(e);
        azk_audit_close(a);
        t1 = slurp(tp, &l1);
        assert_int_equal(l0, l1);
        assert_memory_equal(t0, t1, l0);
        free(t0);
        free(t1);
        copy_file(saved, ip);
    }
    /* a tampered ledger: the read-only open reports it and changes nothing */
    spit(lp, orig, offs[2] + 5);
    copy_file(saved, ip);
    assert_int_equal(azk_audit_open(&a, home, AZK_AUDIT_OPEN_READONLY, &info), AZK_ERR_INTEGRITY);
    after = slurp(lp, &alen);
    assert_int_equal(alen, offs[2] + 5);
    free(after);
    free(orig);
}

/* Issue 10 item 5: a re-chained forgery is named by its first entry. */
static void test_audit__rechained_forgery_named(void **state)
{
    char home[512], lp[600];
    uint8_t *b;
    size_t len, offs[64], n;
    uint8_t prev[HLEN];
    azk_audit *a = NULL;
    azk_audit_report rep;
    struct seen s;
    (void)state;
    make_home(home, sizeof(home), "rechain");
    append_n(home, 8, "test.tamper");
    log_path(lp, sizeof(lp), home);
    b = slurp(lp, &len);
    n = frames(b, len, offs, 63);
    /* change entry 3 and rewrite every later link and checksum */
    {
        uint8_t *p = memmem(b + offs[3], offs[4] - offs[3], "test.tamper", 11);
        p[10] = 'X';
    }
    memcpy(prev, b + offs[3] - HLEN, HLEN);
    for (size_t i = 3; i < n; i++) {
        uint32_t l = (uint32_t)(offs[i + 1] - offs[i] - 40);
        char hex[65];
        if (i > 3) {
            for (int k = 0; k < HLEN; k++)
                snprintf(hex + 2 * k, 3, "%02x", prev[k]);
            memcpy(b + offs[i] + 8 + strlen("{\"@prev\":\""), hex, 64);
        }
        azk_audit_leaf_hash(b + offs[i] + 8, l, b + offs[i + 1] - HLEN);
        memcpy(prev, b + offs[i + 1] - HLEN, HLEN);
    }
    spit(lp, b, len);
    free(b);
    /* the frames and links check out; the index recorded what was appended */
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_ERR_INTEGRITY);
    verify_home(home, NULL, 0, &rep, &s);
    assert_int_equal(rep.first_bad_index, 3);
    assert_true(s.kinds[AZK_AUDIT_ISSUE_MODIFIED] > 0);
    /* the newest entry edited in place, its stored checksum left as it was */
    make_home(home, sizeof(home), "rechain-last");
    append_n(home, 8, "test.tamper");
    log_path(lp, sizeof(lp), home);
    b = slurp(lp, &len);
    assert_int_equal(frames(b, len, offs, 63), 8);
    {
        uint8_t *p = memmem(b + offs[7], offs[8] - offs[7], "test.tamper", 11);
        assert_non_null(p);
        p[0] = 'T';
    }
    spit(lp, b, len);
    free(b);
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_ERR_INTEGRITY);
    assert_non_null(strstr(azk_error_last()->message, "entry 7"));
    verify_home(home, NULL, 0, &rep, &s);
    assert_int_equal(rep.first_bad_index, 7);
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
