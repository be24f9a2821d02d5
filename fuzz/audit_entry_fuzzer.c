/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/audit_entry_fuzzer.c -- libFuzzer harness for the ledger's entry
 * parsers: the first byte picks the input kind.
 *   even: an entries.log image, walked frame by frame as open and verify do
 *         (frame check, torn-tail rule, chain prefix, the JSON parse of
 *         `audit log`); every frame must lie inside the input.
 *   odd:  an exported bundle, verified with a fixed verifier key (the
 *         golang.org/x/mod/sumdb/note example key; seeds are signed with it).
 */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    if ((data[0] & 1) == 0) {
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
