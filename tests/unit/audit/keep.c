/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/audit/keep.c -- azk_audit_keep: a handle kept across appends
 * is reused while its files stay the same; a ledger file replaced by path
 * (entries.log, index, the key) makes it reopen, so no entry goes to an
 * unlinked file; a new checkpoint makes it reopen; a home that became
 * writable by others is refused as at open; a history rewritten in place
 * behind a kept handle is the tamper alarm at its next append, as at open.
 * Run by test_audit.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "azukari/audit.h"
#include "keep.h"

static uint64_t size_of(const char *home)
{
    azk_audit *a = NULL;
    azk_audit_open_info info;
    assert_int_equal(azk_audit_open(&a, home, 0, &info), AZK_OK);
    azk_audit_close(a);
    return info.size;
}

static void add(azk_audit **k, const char *home)
{
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    ev.action = "keep.test";
    assert_int_equal(azk_audit_keep(k, home), AZK_OK);
    assert_int_equal(azk_audit_append(*k, &ev, NULL), AZK_OK);
}

/* Replace home/rel by a copy of itself (same bytes, a new inode): rename over it. */
static void replace_by_copy(const char *home, const char *rel)
{
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "cp -p '%s/%s' '%s/%s.new' && mv '%s/%s.new' '%s/%s'", home, rel,
             home, rel, home, rel, home, rel);
    assert_int_equal(system(cmd), 0);
}

void test_audit__keep(void **state)
{
    char home[200], cmd[2048];
    azk_audit *k = NULL, *first;
    char *cp = NULL;
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    (void)state;
    ev.action = "keep.test";
    snprintf(home, sizeof(home), "%s/azk-keep-XXXXXX",
             getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(home));
    assert_int_equal(azk_audit_init_home(home), AZK_OK);
    assert_int_equal(azk_audit_keep(NULL, home), AZK_ERR_ARG);

    /* 40 entries first: their tree files exist (an append that creates one changes
     * ledger/ and makes the next use reopen, once per doubling) */
    {
        azk_audit *o = NULL;
        assert_int_equal(azk_audit_open(&o, home, 0, NULL), AZK_OK);
        for (int i = 0; i < 40; i++)
            assert_int_equal(azk_audit_append(o, &ev, NULL), AZK_OK);
        azk_audit_close(o);
    }
    /* reused while nothing changed; every append is in the ledger other handles read */
    add(&k, home);
    first = k;
    for (int i = 0; i < 20; i++)
        add(&k, home);
    assert_ptr_equal(k, first);
    assert_int_equal(size_of(home), 61);

    /* entries.log, the index, the key replaced by path: the next append reaches the file
     * the path names now (a kept descriptor of the old inode would lose it) */
    replace_by_copy(home, "ledger/entries.log");
    add(&k, home);
    assert_int_equal(size_of(home), 62);
    replace_by_copy(home, "ledger/index");
    add(&k, home);
    assert_int_equal(size_of(home), 63);
    replace_by_copy(home, "keys/ledger.key");
    add(&k, home);
    replace_by_copy(home, "ledger/tree-01");
    add(&k, home);
    assert_int_equal(size_of(home), 65);

    /* another process's checkpoint: seen (reopen), then the appends go on */
    {
        azk_audit *o = NULL;
        assert_int_equal(azk_audit_open(&o, home, 0, NULL), AZK_OK);
        assert_int_equal(azk_audit_checkpoint(o, 1, &cp), AZK_OK);
        azk_audit_close(o);
        free(cp);
        cp = NULL;
    }
    add(&k, home);
    add(&k, home);
    first = k;
    assert_int_equal(size_of(home), 67);

    /* the history rewritten in place behind the kept handle (the log, the index and the
     * tree files of a forged ledger copied into the same inodes): the newest checkpoint
     * no longer matches, the append is refused as an open would be */
    {
        char forged[256];
        snprintf(forged, sizeof(forged), "%s-forged", home);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s' && cp -a '%s' '%s'", forged, home, forged);
        assert_int_equal(system(cmd), 0);
        /* the copy: emptied, then as many other entries (the same files exist) */
        snprintf(cmd, sizeof(cmd),
                 "rm -f '%s'/ledger/checkpoints/* && truncate -s 0 '%s/ledger/entries.log' "
                 "'%s/ledger/index' && rm -f '%s'/ledger/tree-*",
                 forged, forged, forged, forged);
        assert_int_equal(system(cmd), 0);
        {
            azk_audit *f = NULL;
            azk_audit_event fe = AZK_AUDIT_EVENT_INIT;
            fe.action = "forged.entry";
            assert_int_equal(azk_audit_open(&f, forged, 0, NULL), AZK_OK);
            for (int i = 0; i < 67; i++)
                assert_int_equal(azk_audit_append(f, &fe, NULL), AZK_OK);
            azk_audit_close(f);
        }
        /* same inodes: write the forged bytes into the kept handle's files */
        snprintf(cmd, sizeof(cmd),
                 "for f in entries.log index $(cd '%s/ledger' && ls tree-*); do "
                 "cat '%s/ledger/'$f > '%s/ledger/'$f || exit 1; done",
                 forged, forged, home);
        assert_int_equal(system(cmd), 0);
        assert_int_equal(azk_audit_keep(&k, home), AZK_OK); /* the paths name the same files */
        assert_ptr_equal(k, first);
        assert_int_equal(azk_audit_append(k, &ev, NULL), AZK_ERR_INTEGRITY);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", forged);
        assert_int_equal(system(cmd), 0);
    }

    /* a home others may write: refused as at open */
    assert_int_equal(chmod(home, 0777), 0);
    assert_int_not_equal(azk_audit_keep(&k, home), AZK_OK);
    assert_null(k);
    assert_int_equal(chmod(home, 0700), 0);
    azk_audit_close(k);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
    assert_int_equal(system(cmd), 0);
}
