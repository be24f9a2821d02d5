/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/audit/ledger.c -- the helpers the audit tests share (ledger.h).
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

size_t unhex(const char *s, uint8_t *out, size_t max)
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

size_t unhex_list(const char *s, uint8_t *out)
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

FILE *open_data(const char *name)
{
    char p[4096];
    const char *src = getenv("AZK_SRCDIR");
    snprintf(p, sizeof(p), "%s/tests/data/audit/%s", src != NULL ? src : "../..", name);
    return fopen(p, "r");
}

char tmproot[256];

int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

void make_home(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", tmproot, name);
    nftw(out, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
    assert_int_equal(azk_audit_init_home(out), AZK_OK);
}

void append_n(const char *home, unsigned count, const char *action)
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

uint8_t *slurp(const char *path, size_t *len)
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

void spit(const char *path, const uint8_t *b, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b, 1, len, f), len);
    fclose(f);
}

void log_path(char *out, size_t n, const char *home)
{
    snprintf(out, n, "%s/ledger/entries.log", home);
}

/* byte offsets of every frame in a log */
size_t frames(const uint8_t *b, size_t len, size_t *offs, size_t max)
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

azk_status collect(azk_audit_issue_kind kind, uint64_t index, const char *msg, void *payload)
{
    struct seen *s = payload;
    (void)msg;
    if (s->kinds[kind] == 0)
        s->first_index[kind] = index;
    s->kinds[kind]++;
    return AZK_OK;
}

void verify_home(const char *home, const char *const *cps, size_t ncp, azk_audit_report *rep,
                 struct seen *s)
{
    memset(s, 0, sizeof(*s));
    assert_int_equal(azk_audit_verify(home, cps, ncp, rep, collect, s), AZK_OK);
}
