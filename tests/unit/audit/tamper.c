/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/audit/tamper.c -- a damaged ledger is named, never repaired or
 * signed over: modified, re-hashed, removed, swapped, inserted and garbage
 * frames, a torn tail cut at every byte, a cut or forked log, a bit flip in
 * the cache, read-only verification and a re-chained forgery. Run by
 * test_audit.c (tamper.h).
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
#include "ledger.h"
#include "tamper.h"

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

void test_audit__tamper_detected(void **state)
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
void test_audit__issue_callback_stops(void **state)
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
void test_audit__torn_tail_every_byte(void **state)
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
void test_audit__tail_cut_is_alarm(void **state)
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
void test_audit__cut_or_fork_never_signed(void **state)
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
void test_audit__cache_bitflip_not_signed(void **state)
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
void test_audit__readonly_never_repairs(void **state)
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
void test_audit__rechained_forgery_named(void **state)
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
