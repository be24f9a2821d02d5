/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent/witness.c -- a closed-zone host reports its ledger to the
 * server's witness each cycle: the signed checkpoint of its home's ledger
 * (azukari/audit.h, C2SP signed note), its verifier key, and a
 * consistency proof (RFC 9162) from the size it reported last
 * (agent/witness.size). The server keeps every checkpoint and raises an
 * alarm when the ledger does not extend what it saw; the agent records
 * that refusal (agent.witness refused) and the run fails. Only hashes,
 * sizes and the key travel: never an entry.
 */
#include "agent/agent_int.h"

#include "azukari/audit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

azk_status azk_agent__witness_report(azk_home *h, const struct azk_agent_state *st,
                                     const struct azk_agent_net *n)
{
    static const char *const hdr[] = {"Content-Type: application/json", NULL};
    azk_audit *a = NULL;
    struct azk_agent_answer ans = {0};
    azk_buf sp = AZK_BUF_INIT;
    char *note = NULL, *last = NULL, *body = NULL, num[32];
    uint8_t *proof = NULL;
    size_t count = 0;
    uint64_t size, old = 0;
    json_t *doc = NULL, *pa = NULL;
    azk_status rc = azk_agent__path(&sp, h, "witness.size");
    if (rc == AZK_OK)
        rc = azk_audit_open(&a, azk_home_path(h), 0, NULL);
    if (rc != AZK_OK)
        goto done;
    size = azk_audit_size(a);
    if (azk_serve__agent_read_file((const char *)sp.data, &last, NULL) == AZK_OK)
        old = (uint64_t)strtoull(last, NULL, 10);
    azk_error_clear();
    if (old > size)
        old = 0; /* the server will see it: a smaller ledger is its alarm to raise */
    rc = azk_audit_checkpoint(a, 1, &note);
    if (rc == AZK_OK && old > 0 && old < size)
        rc = azk_audit_prove_consistency(a, old, size, &proof, &count);
    if (rc != AZK_OK)
        goto done;
    pa = json_array();
    for (size_t i = 0; pa != NULL && i < count; i++) {
        char b64[AZK_AUDIT_HASH_B64_LEN];
        azk_audit_hash_b64(proof + i * AZK_AUDIT_HASH_LEN, b64);
        if (json_array_append_new(pa, json_string(b64)) != 0)
            break;
    }
    doc = json_pack("{s:s, s:s, s:I, s:O}", "vkey", azk_audit_vkey(a), "note", note, "old_size",
                    (json_int_t)old, "proof", pa != NULL ? pa : json_array());
    if (doc != NULL)
        body = json_dumps(doc, JSON_COMPACT);
    if (body == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    rc = azk_agent__call(n, "POST", "/api/v1/agent/checkpoints", body, strlen(body), hdr, &ans);
    if (rc != AZK_OK || ans.status == 0)
        goto done; /* unreachable: next cycle */
    if (ans.status == 200) {
        (void)snprintf(num, sizeof(num), "%llu\n", (unsigned long long)size);
        rc = azk_outfile__write((const char *)sp.data, num, strlen(num), 0600, 0, NULL);
    } else {
        rc = azk_agent__ledger(h, "agent.witness", st->agent_id, "refused", ans.code, NULL);
        if (rc == AZK_OK)
            rc = azk_error_set(AZK_ERR_INTEGRITY,
                               "agent: the server's witness refused this "
                               "ledger's checkpoint (%s)",
                               ans.code);
    }
done:
    azk_audit_close(a);
    azk_audit_free(note);
    azk_audit_free(proof);
    azk_free(last);
    free(body); /* checksrc: ok (jansson allocates with malloc) */
    json_decref(pa);
    json_decref(doc);
    azk_buf_dispose(&sp);
    azk_agent__answer_dispose(&ans);
    return rc;
}
