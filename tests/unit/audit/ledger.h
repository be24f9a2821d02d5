/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/audit/ledger.h -- what the audit tests share (ledger.c): hex
 * vectors, the test data directory, ledger homes under one temporary root
 * (tmproot, made by test_audit.c's setup), whole-file reads and writes, the
 * frames of a ledger log and the issues a verification reports.
 */
#ifndef AZK_TEST_AUDIT_LEDGER_H
#define AZK_TEST_AUDIT_LEDGER_H

#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "audit/audit_int.h"

extern char tmproot[256];

struct seen {
    int kinds[16];
    uint64_t first_index[16];
};

size_t unhex(const char *s, uint8_t *out, size_t max);
size_t unhex_list(const char *s, uint8_t *out);
FILE *open_data(const char *name);
int rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw);
void make_home(char *out, size_t n, const char *name);
void append_n(const char *home, unsigned count, const char *action);
uint8_t *slurp(const char *path, size_t *len);
void spit(const char *path, const uint8_t *b, size_t len);
void log_path(char *out, size_t n, const char *home);
size_t frames(const uint8_t *b, size_t len, size_t *offs, size_t max);
azk_status collect(azk_audit_issue_kind kind, uint64_t index, const char *msg, void *payload);
void verify_home(const char *home, const char *const *cps, size_t ncp, azk_audit_report *rep,
                 struct seen *s);

#endif
