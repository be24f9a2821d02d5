/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/audit_checkpoint_fuzzer.c -- libFuzzer harness for signed notes
 * (C2SP signed-note), checkpoint bodies (C2SP tlog-checkpoint) and key
 * texts. Invariants: a parsed checkpoint re-encodes to a body that parses
 * to the same values; a body signed with the test key opens again; nothing
 * but that key's signature opens.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* golang.org/x/mod/sumdb/note example keys (public test vectors) */
static const char skey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char vkey[] = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *t = (const char *)data;
    struct azk_audit__key sk, k;
    azk_audit_checkpoint_info cp, cp2;
    size_t tl = 0;
    if (azk_audit__skey_parse(&sk, skey, strlen(skey)) != AZK_OK ||
        azk_audit__vkey_parse(&k, vkey, strlen(vkey)) != AZK_OK)
        abort();
    {
        struct azk_audit__key tmp;
        (void)azk_audit__vkey_parse(&tmp, t, size);
        (void)azk_audit__skey_parse(&tmp, t, size);
    }
    if (azk_audit__note_open(&k, t, size, &tl) == AZK_OK) {
        if (tl == 0 || tl >= size)
            abort();
        (void)azk_audit__checkpoint_parse(t, tl, &cp);
    }
    if (azk_audit_checkpoint_open(t, size, vkey, &cp) != AZK_OK)
        memset(&cp, 0, sizeof(cp)); /* refused notes are the common case */
    if (azk_audit__checkpoint_parse(t, size, &cp) == AZK_OK) {
        azk_buf body = AZK_BUF_INIT, note = AZK_BUF_INIT;
        if (azk_audit__checkpoint_body(cp.origin, cp.size, cp.root, &body) != AZK_OK ||
            azk_audit__checkpoint_parse((char *)body.data, body.len, &cp2) != AZK_OK ||
            strcmp(cp.origin, cp2.origin) != 0 || cp.size != cp2.size ||
            memcmp(cp.root, cp2.root, HLEN) != 0)
            abort();
        /* a signed body opens again when it is valid note text */
        if (azk_audit__note_sign(&sk, (char *)body.data, body.len, &note) == AZK_OK &&
            azk_utf8_valid(body.data, body.len) && memchr(body.data, '\r', body.len) == NULL) {
            int ctl = 0;
            for (size_t i = 0; i < body.len; i++)
                ctl |= body.data[i] < 0x20 && body.data[i] != '\n';
            if (!ctl && azk_audit__note_open(&k, (char *)note.data, note.len, &tl) != AZK_OK)
                abort();
        }
        azk_buf_dispose(&body);
        azk_buf_dispose(&note);
    }
    return 0;
}
