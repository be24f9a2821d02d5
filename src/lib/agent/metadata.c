/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent/metadata.c -- a closed-zone host reports its metadata each cycle
 * (docs/agent.md "Closed-zone metadata"): from its home's catalog, the
 * datasets with client, deadline, state, retention step, legal hold and
 * the SHA-256 of their deletion certificate; from the guard's journal,
 * each decision's item id, state, verdict and whether a release was
 * requested and approved. Never a value, a key, a file or a source name:
 * the server's parser refuses any other field.
 *
 * Idempotent like batches: the report id is SHA-256 of the last
 * acknowledged report's id and this report's content, so a resend after
 * a lost answer carries the same id (the server keeps it once) and a
 * state that changes and changes back is still a new report. An
 * unchanged state is not sent again (agent/metadata.last holds the last
 * acknowledged id and content hash). Each acknowledged report is a
 * ledger entry agent.metadata with its id and content hash, written
 * before this cycle's checkpoint: the host's signed ledger covers what it
 * reported.
 */
#include "agent/agent_int.h"

#include "azukari/guard.h"
#include "azukari/retention.h"
#include "store/datasets.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define HEX64 (2 * crypto_hash_sha256_BYTES + 1)

struct collect {
    azk_home *h;
    json_t *ds, *guard;
    azk_status rc;
};

static void hex_sha256(const void *p, size_t len, char out[HEX64])
{
    uint8_t sum[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(sum, p, len);
    sodium_bin2hex(out, HEX64, sum, sizeof(sum));
}

static azk_status on_dataset(const struct azk_store_deadline *d, void *payload)
{
    struct collect *c = payload;
    char *cert = NULL, sum[HEX64];
    json_t *o;
    azk_status rc = azk_certificate_get(c->h, d->dataset, &cert);
    if (rc == AZK_ERR_NOTFOUND) {
        azk_error_clear();
        rc = AZK_OK;
    }
    if (rc != AZK_OK)
        return rc;
    if (cert != NULL)
        hex_sha256(cert, strlen(cert), sum);
    o = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:b, s:s?}", "dataset", d->dataset, "client",
                  d->client, "retain_until", d->retain_until, "state", d->state, "retention",
                  d->ret_state, "held", d->held, "certificate", cert != NULL ? sum : NULL);
    azk_retention_free(cert);
    if (o == NULL || json_array_append_new(c->ds, o) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

static azk_status on_guard(const azk_guard_item *it, void *payload)
{
    struct collect *c = payload;
    json_error_t je;
    json_t *d = it->decision != NULL ? json_loads(it->decision, 0, &je) : NULL;
    const char *verdict = json_string_value(json_object_get(d, "decision"));
    json_t *o = json_pack("{s:s, s:s, s:s?, s:b, s:b, s:s?}", "item", it->id, "state", it->state,
                          "verdict", verdict, "requested", it->requested_by != NULL, "approved",
                          it->approved_by != NULL, "updated_at", it->updated_at);
    json_decref(d);
    if (o == NULL || json_array_append_new(c->guard, o) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

azk_status azk_agent__meta_report(azk_home *h, const struct azk_agent_state *st,
                                  const struct azk_agent_net *n)
{
    static const char *const hdr[] = {"Content-Type: application/json", "Content-Encoding: deflate",
                                      NULL};
    struct collect c = {h, json_array(), json_array(), AZK_OK};
    struct azk_agent_answer ans = {0};
    azk_buf lp = AZK_BUF_INIT, idmat = AZK_BUF_INIT;
    char *content = NULL, *body = NULL, *last = NULL, csum[HEX64], id[HEX64], prev[HEX64] = "";
    char keep[2 * HEX64 + 2], extra[256];
    uint8_t *z = NULL;
    uLongf zlen = 0;
    json_t *doc = NULL;
    azk_status rc;

    (void)st; /* the report names no agent: the certificate does */
    if (c.ds == NULL || c.guard == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    rc = azk_agent__path(&lp, h, "metadata.last");
    if (rc == AZK_OK)
        rc = azk_store__datasets_by_deadline(h, NULL, on_dataset, &c);
    if (rc == AZK_OK)
        rc = azk_guard_item_list(h, on_guard, &c);
    if (rc != AZK_OK)
        goto done;
    doc = json_pack("{s:O, s:O}", "datasets", c.ds, "guard", c.guard);
    content = doc != NULL ? json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(doc);
    doc = NULL;
    if (content == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    hex_sha256(content, strlen(content), csum);
    /* metadata.last: "<last acknowledged id> <its content hash>" */
    if (azk_serve__agent_read_file((const char *)lp.data, &last, NULL) == AZK_OK &&
        strlen(last) >= 2 * HEX64 - 1 && last[HEX64 - 1] == ' ') {
        memcpy(prev, last, HEX64 - 1);
        prev[HEX64 - 1] = '\0';
        if (strncmp(last + HEX64, csum, HEX64 - 1) == 0)
            goto done; /* the server has this state already */
    }
    azk_error_clear();
    rc = azk_buf_printf(&idmat, "azukari-metadata-v1\n%s\n%s\n", prev, csum);
    if (rc != AZK_OK)
        goto done;
    hex_sha256(idmat.data, idmat.len, id);
    doc = json_pack("{s:s, s:s?, s:I, s:O, s:O}", "report_id", id, "previous",
                    prev[0] != '\0' ? prev : NULL, "created_at", (json_int_t)azk_agent__now(),
                    "datasets", c.ds, "guard", c.guard);
    body = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
    if (body == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    zlen = compressBound((uLong)strlen(body));
    z = azk_malloc(zlen);
    if (z == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    if (compress2(z, &zlen, (const Bytef *)body, (uLong)strlen(body), 6) != Z_OK) {
        rc = azk_error_set(AZK_ERR_NOMEM, "agent: cannot compress the metadata report");
        goto done;
    }
    rc = azk_agent__call(n, "POST", "/api/v1/agent/metadata", z, zlen, hdr, &ans);
    if (rc != AZK_OK || ans.status == 0)
        goto done; /* unreachable: next cycle, same id */
    if (ans.status == 200) {
        (void)snprintf(extra, sizeof(extra), "{\"sha256\":\"%s\",\"datasets\":%zu,\"guard\":%zu}",
                       csum, json_array_size(c.ds), json_array_size(c.guard));
        rc = azk_agent__ledger(h, "agent.metadata", id, NULL, NULL, extra);
        (void)snprintf(keep, sizeof(keep), "%s %s\n", id, csum);
        if (rc == AZK_OK)
            rc = azk_outfile__write((const char *)lp.data, keep, strlen(keep), 0600, 0, NULL);
    } else {
        rc = azk_agent__ledger(h, "agent.metadata", id, "refused", ans.code, NULL);
        if (rc == AZK_OK && (ans.status == 401 || ans.status == 403))
            rc = azk_error_set(AZK_ERR_PERM, "agent: the server refuses this agent (%s)", ans.code);
        else if (rc == AZK_OK)
            rc = azk_error_set(AZK_ERR_FORMAT, "agent: the server refused the metadata report (%s)",
                               ans.code);
    }
done:
    azk_free(z);
    azk_free(last);
    free(content); /* checksrc: ok (jansson allocates with malloc) */
    free(body);    /* checksrc: ok (jansson allocates with malloc) */
    json_decref(doc);
    json_decref(c.ds);
    json_decref(c.guard);
    azk_buf_dispose(&lp);
    azk_buf_dispose(&idmat);
    azk_agent__answer_dispose(&ans);
    return rc;
}
