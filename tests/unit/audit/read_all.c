/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/audit/read_all.c -- azk_audit_read_all: every entry once, in
 * order, as the ledger holds it; checkpoints signed after it on the handle
 * equal those a fresh handle signs (the reused tree is the log's), also
 * after another handle appended; the callback's error stops the read;
 * read-only handles refuse; a changed entry in the log fails the read and
 * nothing is signed. Run by test_audit.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "azukari/audit.h"
#include "read_all.h"

struct seen {
    uint64_t n;
    int in_order;
};

static azk_status count_cb(uint64_t index, const char *entry, size_t len, void *payload)
{
    struct seen *s = payload;
    if (index != s->n || strlen(entry) != len || strstr(entry, "test.read") == NULL)
        s->in_order = 0;
    s->n++;
    return AZK_OK;
}

static azk_status stop_cb(uint64_t index, const char *entry, size_t len, void *payload)
{
    (void)entry;
    (void)len;
    (void)payload;
    return index == 2 ? AZK_ERR_ARG : AZK_OK;
}

static void append(const char *home, unsigned n)
{
    azk_audit *a = NULL;
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    ev.action = "test.read";
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    for (unsigned i = 0; i < n; i++)
        assert_int_equal(azk_audit_append(a, &ev, NULL), AZK_OK);
    azk_audit_close(a);
}

void test_audit__read_all(void **state)
{
    char home[256], cmd[300], lp[300], buf[4096];
    azk_audit *a = NULL, *b = NULL;
    char *cp = NULL, *cp2 = NULL, *p;
    struct seen s = {0, 1};
    size_t n;
    FILE *f;
    (void)state;
    snprintf(home, sizeof(home), "%s/azk-read-all-XXXXXX",
             getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");
    assert_non_null(mkdtemp(home));
    assert_int_equal(azk_audit_init_home(home), AZK_OK);
    append(home, 9);
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_read_all(a, count_cb, &s), AZK_OK);
    assert_int_equal(s.n, 9);
    assert_true(s.in_order);
    /* signed from the tree of the read: the same notes as a fresh handle signs */
    assert_int_equal(azk_audit_checkpoint_at(a, 5, &cp), AZK_OK);
    assert_int_equal(azk_audit_open(&b, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_checkpoint_at(b, 5, &cp2), AZK_OK);
    assert_string_equal(cp, cp2);
    azk_audit_free(cp);
    azk_audit_free(cp2);
    /* another handle appends: the kept tree is stale, the next checkpoint reads the log */
    append(home, 2);
    assert_int_equal(azk_audit_checkpoint(a, 1, &cp), AZK_OK);
    assert_int_equal(azk_audit_size(a), 11);
    assert_int_equal(azk_audit_checkpoint(b, 1, &cp2), AZK_OK);
    assert_string_equal(cp, cp2);
    azk_audit_free(cp);
    azk_audit_free(cp2);
    azk_audit_close(b);
    /* the callback stops the read with its error */
    assert_int_equal(azk_audit_read_all(a, stop_cb, NULL), AZK_ERR_ARG);
    azk_audit_close(a);
    /* read-only handles refuse */
    assert_int_equal(azk_audit_open(&a, home, AZK_AUDIT_OPEN_READONLY, NULL), AZK_OK);
    assert_int_equal(azk_audit_read_all(a, count_cb, &s), AZK_ERR_ARG);
    azk_audit_close(a);
    /* one byte of the first entry changed in the log: the read fails, nothing is signed */
    snprintf(lp, sizeof(lp), "%s/ledger/entries.log", home);
    f = fopen(lp, "r+b");
    assert_non_null(f);
    n = fread(buf, 1, sizeof(buf), f);
    p = memchr(buf, 't', n);
    while (p != NULL && strncmp(p, "test.read", 9) != 0)
        p = memchr(p + 1, 't', n - (size_t)(p + 1 - buf));
    assert_non_null(p);
    p[0] = 'T';
    fseek(f, 0, SEEK_SET);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
    s.n = 0;
    assert_int_equal(azk_audit_open(&a, home, 0, NULL), AZK_OK);
    assert_int_equal(azk_audit_read_all(a, count_cb, &s), AZK_ERR_INTEGRITY);
    cp = NULL;
    assert_int_equal(azk_audit_checkpoint_at(a, 5, &cp), AZK_ERR_INTEGRITY);
    assert_null(cp);
    azk_audit_close(a);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
    assert_int_equal(system(cmd), 0);
}
