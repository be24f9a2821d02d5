/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/audit_entry_fuzzer.c -- libFuzzer harness for the ledger's entry
 * parsers: the first byte picks the input kind.
 *   even: an entries.log image, walked frame by frame as open and verify do
 *         (frame check, torn-tail rule, chain prefix, the JSON parse of
 *         `audit log`); every frame must lie inside the input.
 *   odd:  an exported bundle, verified with a fixed verifier key (the
 *         golang.org/x/mod/sumdb/note example key; seeds are signed with it).
 *   'H':  a home's ledger files: u16be index length, the index, the log.
 *         Opened read-only (must change nothing), then for appending (may
 *         repair a torn tail or raise a tamper alarm), then verified.
 */
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int azk_audit__torn_prefix(const uint8_t *p, size_t n);
int azk_audit__frame(const uint8_t *p, size_t n, size_t *flen, uint8_t leaf[HLEN]);

/* golang.org/x/mod/sumdb/note example verifier key */
static const char vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

static void walk_log(const uint8_t *p, size_t n)
{
    size_t pos = 0;
    while (pos < n) {
        size_t flen = 0;
        uint8_t leaf[HLEN], prev[HLEN];
        uint64_t seq;
        if (!azk_audit__frame(p + pos, n - pos, &flen, leaf)) {
            (void)azk_audit__torn_prefix(p + pos, n - pos);
            break;
        }
        if (flen < 40 || flen > n - pos)
            abort();
        if (azk_audit__entry_chain(p + pos + 8, flen - 40, &seq, prev) == AZK_OK) {
            json_t *j = json_loadb((const char *)p + pos + 8, flen - 40, 0, NULL);
            json_decref(j);
        }
        pos += flen;
    }
}

static void put(const char *path, const uint8_t *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        abort();
    if (n > 0 && write(fd, p, n) != (ssize_t)n)
        abort();
    close(fd);
}

static size_t file_size(const char *path)
{
    FILE *f = fopen(path, "rb");
    long n;
    if (f == NULL)
        return 0;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fclose(f);
    return (size_t)n;
}

static char home[64];

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static void rm_home(void)
{
    if (home[0] != '\0')
        nftw(home, rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

/* the ledger files of a home made once per process (a fresh key) */
static void home_files(const uint8_t *p, size_t n)
{
    char lp[128], ip[128];
    azk_audit *a = NULL;
    azk_audit_open_info info;
    azk_audit_report rep;
    size_t ilen;
    if (home[0] == '\0') {
        snprintf(home, sizeof(home), "/tmp/azk-fuzz-home-XXXXXX");
        if (mkdtemp(home) == NULL || azk_audit_init_home(home) != AZK_OK)
            abort();
        atexit(rm_home);
    }
    if (n < 2)
        return;
    ilen = (size_t)p[0] << 8 | p[1];
    if (ilen > n - 2)
        ilen = n - 2;
    snprintf(lp, sizeof(lp), "%s/ledger/entries.log", home);
    snprintf(ip, sizeof(ip), "%s/ledger/index", home);
    put(ip, p + 2, ilen);
    put(lp, p + 2 + ilen, n - 2 - ilen);
    for (unsigned l = 1; l < 24; l++) {
        char tp[128];
        snprintf(tp, sizeof(tp), "%s/ledger/tree-%02u", home, l);
        unlink(tp);
    }
    if (azk_audit_open(&a, home, AZK_AUDIT_OPEN_READONLY, &info) == AZK_OK) {
        for (uint64_t i = 0; i < azk_audit_size(a); i++) {
            char *e = NULL;
            if (azk_audit_entry(a, i, &e, NULL) != AZK_OK)
                abort(); /* a read-only handle serves what it counted */
            azk_audit_free(e);
        }
    }
    azk_audit_close(a);
    a = NULL;
    if (file_size(lp) != n - 2 - ilen || file_size(ip) != ilen)
        abort(); /* read-only means read-only */
    if (azk_audit_open(&a, home, 0, &info) == AZK_OK) {
        char *cp = NULL;
        azk_status st = azk_audit_checkpoint(a, 0, &cp);
        (void)st;
        azk_audit_free(cp);
    }
    azk_audit_close(a);
    {
        azk_status st = azk_audit_verify(home, NULL, 0, &rep, NULL, NULL);
        (void)st;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if (data[0] == 'H') {
        home_files(data + 1, size - 1);
    } else if ((data[0] & 1) == 0) {
        walk_log(data + 1, size - 1);
    } else {
        azk_audit_report rep;
        /* seeds are bundles of a ledger signed with this (public test) key */
        if (azk_audit_verify_bundle((const char *)data + 1, size - 1, vkey, NULL, 0, &rep, NULL,
                                    NULL) == AZK_OK &&
            rep.issues == 0 && rep.first_bad_index != UINT64_MAX)
            abort();
    }
    return 0;
}
