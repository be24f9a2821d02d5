/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent/fingerprints.c -- the entrusted-record fingerprints between zones.
 * A closed-zone host (enrolled with a "closed" token; its agent state
 * lives in the production home itself) exports the fingerprints of its
 * active datasets (azukari/fingerprint.h: keyed, truncated hashes, never
 * values) with their scanning key and publishes them to the server when
 * they changed. General-zone agents whose policy says "fingerprints": true
 * fetch the newest export, check that its id is the BLAKE2b-256 of what
 * came and that the server's Ed25519 signature over the id is good (the
 * key pinned at enrolment), and only then give it to the scanner. A
 * failed check is refused and recorded; the last verified export stays.
 */
#include "agent/agent_int.h"

#include "azukari/fingerprint.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define FP_MAX (64u << 20)

azk_status azk_agent__fp_publish(azk_home *h, const struct azk_agent_state *st,
                                 const struct azk_agent_net *n)
{
    static const char *const hdr[] = {"Content-Type: application/json", "Content-Encoding: deflate",
                                      NULL};
    azk_buf fp = AZK_BUF_INIT, kp = AZK_BUF_INIT, pp = AZK_BUF_INIT, body = AZK_BUF_INIT;
    struct azk_agent_answer a = {0};
    azk_fp_export_info info;
    char *file = NULL, *key = NULL, *pub = NULL, id[65];
    size_t flen = 0, klen = 0;
    uint8_t *z = NULL;
    uLongf zlen = 0;
    azk_status rc = azk_agent__path(&fp, h, "fp-export.azf");
    if (rc == AZK_OK)
        rc = azk_agent__path(&kp, h, "fp-export.key");
    if (rc == AZK_OK)
        rc = azk_agent__path(&pp, h, "fp.published");
    if (rc == AZK_OK)
        rc = azk_fingerprints_export(h, (const char *)fp.data, (const char *)kp.data, NULL, &info);
    if (rc == AZK_ERR_NOTFOUND) { /* no active dataset: nothing to publish */
        azk_error_clear();
        rc = AZK_OK;
        goto done;
    }
    if (rc == AZK_OK)
        rc = azk_serve__agent_read_file_max((const char *)fp.data, FP_MAX, &file, &flen);
    if (rc == AZK_OK)
        rc = azk_serve__agent_read_file((const char *)kp.data, &key, &klen);
    if (rc != AZK_OK)
        goto done;
    azk_serve__agent_fp_id((const uint8_t *)file, flen, (const uint8_t *)key, klen, id);
    if (azk_serve__agent_read_file((const char *)pp.data, &pub, NULL) == AZK_OK &&
        strncmp(pub, id, 64) == 0)
        goto done; /* the server has this one */
    azk_error_clear();
    rc = azk_buf_puts(&body, "{\"file\":\"");
    if (rc == AZK_OK)
        rc = azk_serve__agent_b64_encode((const uint8_t *)file, flen, &body);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&body, "\",\"key\":\"");
    if (rc == AZK_OK)
        rc = azk_serve__agent_b64_encode((const uint8_t *)key, klen, &body);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&body, "\"}");
    if (rc != AZK_OK)
        goto done;
    zlen = compressBound((uLong)body.len);
    z = azk_malloc(zlen);
    if (z == NULL || compress2(z, &zlen, body.data, (uLong)body.len, 6) != Z_OK) {
        rc = azk_error_set(AZK_ERR_NOMEM, "agent: cannot compress the fingerprints");
        goto done;
    }
    rc = azk_agent__call(n, "POST", "/api/v1/agent/fingerprints", z, zlen, hdr, &a);
    if (rc != AZK_OK || a.status == 0)
        goto done; /* unreachable: next cycle */
    if (a.status == 200) {
        rc = azk_outfile__write((const char *)pp.data, id, strlen(id), 0600, 0, NULL);
        if (rc == AZK_OK)
            rc = azk_agent__ledger(h, "agent.fingerprints.publish", id, NULL, NULL, NULL);
    } else {
        rc = azk_agent__ledger(h, "agent.fingerprints.publish", id, "refused", a.code, NULL);
    }
done:
    (void)unlink((const char *)kp.data); /* the key is sent, not kept twice */
    if (key != NULL)
        azk_free_secret(key, klen);
    azk_free(file);
    azk_free(pub);
    azk_free(z);
    azk_buf_dispose_secret(&body);
    azk_buf_dispose(&fp);
    azk_buf_dispose(&kp);
    azk_buf_dispose(&pp);
    azk_agent__answer_dispose(&a);
    (void)st;
    return rc;
}

azk_status azk_agent__fp_fetch(azk_home *h, const struct azk_agent_state *st,
                               const struct azk_agent_net *n, bool *usable, bool *refused)
{
    struct azk_agent_answer a = {0};
    azk_buf fp = AZK_BUF_INIT, kp = AZK_BUF_INIT, ip = AZK_BUF_INIT, file = AZK_BUF_INIT,
            key = AZK_BUF_INIT, sig = AZK_BUF_INIT;
    json_t *doc = NULL;
    json_error_t je;
    const char *id, *f64, *k64, *s64;
    char got[65], msg[128];
    azk_status rc = azk_agent__path(&fp, h, "fp.bin");
    *usable = *refused = false;
    if (rc == AZK_OK)
        rc = azk_agent__path(&kp, h, "fp.key");
    if (rc == AZK_OK)
        rc = azk_agent__path(&ip, h, "fp.id");
    if (rc == AZK_OK)
        rc = azk_agent__call(n, "GET", "/api/v1/agent/fingerprints", NULL, 0, NULL, &a);
    if (rc != AZK_OK)
        goto done;
    if (a.status != 200) {
        /* none published (404) or unreachable: a verified export kept from before */
        *usable =
            access((const char *)fp.data, R_OK) == 0 && access((const char *)kp.data, R_OK) == 0;
        azk_error_clear();
        goto done;
    }
    doc = json_loadb((const char *)a.body.data, a.body.len, 0, &je);
    id = json_string_value(json_object_get(doc, "id"));
    f64 = json_string_value(json_object_get(doc, "file"));
    k64 = json_string_value(json_object_get(doc, "key"));
    s64 = json_string_value(json_object_get(doc, "signature"));
    if (id == NULL || f64 == NULL || k64 == NULL || s64 == NULL ||
        !json_is_integer(json_object_get(doc, "created_at")) ||
        azk_serve__agent_b64_decode(f64, strlen(f64), &file) != AZK_OK ||
        azk_serve__agent_b64_decode(k64, strlen(k64), &key) != AZK_OK ||
        azk_serve__agent_b64_decode(s64, strlen(s64), &sig) != AZK_OK || sig.len != 64) {
        azk_error_clear();
        *refused = true;
        rc = azk_agent__ledger(h, "agent.fingerprints", NULL, "refused", "malformed", NULL);
        goto done;
    }
    azk_serve__agent_fp_id(file.data, file.len, key.data, key.len, got);
    azk_serve__agent_fp_message(id, (int64_t)json_integer_value(json_object_get(doc, "created_at")),
                                msg);
    if (strcmp(got, id) != 0 || crypto_sign_verify_detached(sig.data, (const uint8_t *)msg,
                                                            strlen(msg), st->policy_key) != 0) {
        *refused = true;
        rc = azk_agent__ledger(h, "agent.fingerprints", id, "refused", "bad signature", NULL);
        *usable = access((const char *)fp.data, R_OK) == 0;
        goto done;
    }
    /* key first, file, then the id that says both are whole */
    rc = azk_outfile__write((const char *)kp.data, key.data, key.len, 0600, 0, NULL);
    if (rc == AZK_OK)
        rc = azk_outfile__write((const char *)fp.data, file.data, file.len, 0600, 0, NULL);
    if (rc == AZK_OK)
        rc = azk_outfile__write((const char *)ip.data, id, strlen(id), 0600, 0, NULL);
    if (rc == AZK_OK)
        rc = azk_agent__ledger(h, "agent.fingerprints", id, NULL, NULL, NULL);
    if (rc == AZK_OK)
        *usable = true;
done:
    json_decref(doc);
    azk_buf_dispose(&fp);
    azk_buf_dispose(&kp);
    azk_buf_dispose(&ip);
    azk_buf_dispose(&file);
    azk_buf_dispose_secret(&key);
    azk_buf_dispose(&sig);
    azk_agent__answer_dispose(&a);
    return rc;
}
