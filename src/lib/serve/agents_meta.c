/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/agents_meta.c -- reading a closed-zone host's metadata report
 * (serve/agents_meta.h). Untrusted input: every member is checked for
 * its type, form and length before anything is used; unknown members
 * are refused (a file name or a value has no field to hide in).
 */
#include "serve/agents_meta.h"
#include "serve/serve_int.h"
#include "store/store.h"

#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int azk_serve__agent_key_index(const char *const *keys, const char *k, size_t n)
{
    for (int i = 0; keys[i] != NULL; i++)
        if (strlen(keys[i]) == n && memcmp(keys[i], k, n) == 0)
            return i;
    return -1;
}

bool azk_serve__agent_only_keys(const json_t *o, const char *const *keys)
{
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)(uintptr_t)o, k, v)
    {
        (void)v;
        if (azk_serve__agent_key_index(keys, k, strlen(k)) < 0)
            return false;
    }
    return true;
}

static bool hex64(const char *s)
{
    size_t i;
    if (s == NULL)
        return false;
    for (i = 0; s[i] != '\0'; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return i == AZK_AGENT_META_ID_HEXLEN;
}

/* A short word: [a-z_-], 1..max bytes (states, verdicts). */
static bool word(const char *s, size_t max)
{
    size_t i;
    if (s == NULL)
        return false;
    for (i = 0; s[i] != '\0'; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_' || s[i] == '-'))
            return false;
    return i > 0 && i <= max;
}

/* A date or time: [0-9TZ:.+-], 1..max bytes. */
static bool stamp(const char *s, size_t max)
{
    size_t i;
    if (s == NULL)
        return false;
    for (i = 0; s[i] != '\0'; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || s[i] == 'T' || s[i] == 'Z' || s[i] == ':' ||
              s[i] == '.' || s[i] == '+' || s[i] == '-'))
            return false;
    return i > 0 && i <= max;
}

/* A string member (NULL when absent or null); *bad when present and not a string. */
static const char *opt_str(const json_t *o, const char *k, bool *bad)
{
    const json_t *v = json_object_get(o, k);
    if (v == NULL || json_is_null(v))
        return NULL;
    if (!json_is_string(v))
        *bad = true;
    return json_string_value(v);
}

static azk_status read_dataset(const json_t *o, struct azk_store_cz_dataset *d)
{
    static const char *const keys[] = {"dataset",   "client", "retain_until", "state",
                                       "retention", "held",   "certificate",  NULL};
    bool bad = !json_is_object(o) || !azk_serve__agent_only_keys(o, keys);
    memset(d, 0, sizeof(*d));
    if (!bad) {
        d->dataset = opt_str(o, "dataset", &bad);
        d->client = opt_str(o, "client", &bad);
        d->retain_until = opt_str(o, "retain_until", &bad);
        d->state = opt_str(o, "state", &bad);
        d->retention = opt_str(o, "retention", &bad);
        d->certificate = opt_str(o, "certificate", &bad);
        d->held = json_is_true(json_object_get(o, "held"));
        bad = bad || !json_is_boolean(json_object_get(o, "held"));
    }
    if (bad || d->dataset == NULL || !azk_store__valid_id(d->dataset) || d->client == NULL ||
        !azk_store__valid_id(d->client) || !stamp(d->retain_until, 32) || !word(d->state, 23) ||
        (d->retention != NULL && !word(d->retention, 23)) ||
        (d->certificate != NULL && !hex64(d->certificate)))
        return azk_error_set(AZK_ERR_FORMAT,
                             "metadata: a dataset needs dataset, client, retain_until, state, "
                             "held (retention, certificate optional), each well formed");
    return AZK_OK;
}

static azk_status read_guard(const json_t *o, struct azk_store_cz_guard *g)
{
    static const char *const keys[] = {"item",     "state",      "verdict", "requested",
                                       "approved", "updated_at", NULL};
    bool bad = !json_is_object(o) || !azk_serve__agent_only_keys(o, keys);
    memset(g, 0, sizeof(*g));
    if (!bad) {
        g->item = opt_str(o, "item", &bad);
        g->state = opt_str(o, "state", &bad);
        g->verdict = opt_str(o, "verdict", &bad);
        g->updated_at = opt_str(o, "updated_at", &bad);
        g->requested = json_is_true(json_object_get(o, "requested"));
        g->approved = json_is_true(json_object_get(o, "approved"));
        bad = bad || !json_is_boolean(json_object_get(o, "requested")) ||
              !json_is_boolean(json_object_get(o, "approved"));
    }
    if (bad || g->item == NULL || !azk_store__valid_id(g->item) || !word(g->state, 23) ||
        (g->verdict != NULL && !word(g->verdict, 15)) ||
        (g->updated_at != NULL && !stamp(g->updated_at, 40)))
        return azk_error_set(AZK_ERR_FORMAT,
                             "metadata: a guard decision needs item, state, requested, approved "
                             "(verdict, updated_at optional), each well formed");
    return AZK_OK;
}

azk_status azk_serve__agent_meta_parse(struct azk_agent_meta *out, const uint8_t *body, size_t len,
                                       bool deflated)
{
    static const char *const keys[] = {"report_id", "previous", "created_at",
                                       "datasets",  "guard",    NULL};
    azk_buf plain = AZK_BUF_INIT;
    json_error_t je;
    const json_t *id, *prev, *at, *ds, *g;
    azk_status rc = AZK_OK;
    size_t nd, ng;

    memset(out, 0, sizeof(*out));
    if (deflated) {
        rc = azk_serve__agent_inflate(body, len, &plain);
        if (rc != AZK_OK)
            goto done;
        body = plain.data;
        len = plain.len;
    }
    if (body == NULL || len == 0) {
        rc = azk_error_set(AZK_ERR_FORMAT, "metadata: empty body");
        goto done;
    }
    out->doc = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
    if (out->doc == NULL) {
        rc = azk_error_set(AZK_ERR_FORMAT, "metadata: not JSON (line %d)", je.line);
        goto done;
    }
    if (!json_is_object(out->doc) || !azk_serve__agent_only_keys(out->doc, keys)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "metadata: not an object of known fields");
        goto done;
    }
    id = json_object_get(out->doc, "report_id");
    prev = json_object_get(out->doc, "previous");
    at = json_object_get(out->doc, "created_at");
    ds = json_object_get(out->doc, "datasets");
    g = json_object_get(out->doc, "guard");
    if (!hex64(json_string_value(id)) ||
        (prev != NULL && !json_is_null(prev) && !hex64(json_string_value(prev)))) {
        rc = azk_error_set(AZK_ERR_FORMAT, "metadata: report_id (and previous) must be 64 "
                                           "lowercase hex digits");
        goto done;
    }
    if (!json_is_integer(at) || json_integer_value(at) < 0 || !json_is_array(ds) ||
        !json_is_array(g)) {
        rc = azk_error_set(AZK_ERR_FORMAT,
                           "metadata: created_at (a number) and the lists datasets and guard "
                           "are expected");
        goto done;
    }
    nd = json_array_size(ds);
    ng = json_array_size(g);
    if (nd > AZK_AGENT_META_MAX_ITEMS || ng > AZK_AGENT_META_MAX_ITEMS) {
        rc = azk_error_set(AZK_ERR_LIMIT, "metadata: more than %d datasets or guard decisions",
                           AZK_AGENT_META_MAX_ITEMS);
        goto done;
    }
    out->ds = azk_calloc(nd + 1, sizeof(*out->ds));
    out->g = azk_calloc(ng + 1, sizeof(*out->g));
    if (out->ds == NULL || out->g == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (size_t i = 0; rc == AZK_OK && i < nd; i++)
        rc = read_dataset(json_array_get(ds, i), &out->ds[i]);
    for (size_t i = 0; rc == AZK_OK && i < ng; i++)
        rc = read_guard(json_array_get(g, i), &out->g[i]);
    if (rc != AZK_OK)
        goto done;
    memcpy(out->id, json_string_value(id), AZK_AGENT_META_ID_HEXLEN + 1);
    out->r.id = out->id;
    out->r.created_at = (int64_t)json_integer_value(at);
    out->r.datasets = out->ds;
    out->r.dataset_count = nd;
    out->r.guard = out->g;
    out->r.guard_count = ng;
done:
    azk_buf_dispose(&plain);
    if (rc != AZK_OK)
        azk_serve__agent_meta_dispose(out);
    return rc;
}

void azk_serve__agent_meta_dispose(struct azk_agent_meta *m)
{
    if (m == NULL)
        return;
    json_decref(m->doc);
    azk_free(m->ds);
    azk_free(m->g);
    memset(m, 0, sizeof(*m));
}

azk_status azk_serve__agent_meta_take(azk_home *h, const char *agent_id, const char *zone,
                                      const char *source, const uint8_t *body, size_t len,
                                      bool deflated, int64_t now, struct azk_serve_resp *rs,
                                      unsigned *refused, char code[32], char msg[200])
{
    struct azk_agent_meta m;
    struct azk_store_event ev = {0};
    uint8_t sum[crypto_hash_sha256_BYTES];
    char actor[96], sum_hex[2 * crypto_hash_sha256_BYTES + 1];
    azk_buf x = AZK_BUF_INIT;
    bool dup = false;
    azk_status rc;

    *refused = 0;
    code[0] = '\0';
    msg[0] = '\0';
    if (strcmp(zone, "closed") != 0) {
        *refused = 403;
        (void)snprintf(code, 32, "not_closed_zone");
        (void)snprintf(msg, 200, "only a closed-zone host reports its metadata");
        return AZK_OK;
    }
    rc = azk_serve__agent_meta_parse(&m, body, len, deflated);
    if (rc == AZK_ERR_FORMAT || rc == AZK_ERR_LIMIT) {
        *refused = rc == AZK_ERR_LIMIT ? 413 : 400;
        (void)snprintf(code, 32, "%s", rc == AZK_ERR_LIMIT ? "too_large" : "malformed");
        (void)snprintf(msg, 200, "%s", azk_error_last()->message);
        azk_error_clear();
        return AZK_OK;
    }
    if (rc != AZK_OK)
        return rc;
    crypto_hash_sha256(sum, body, len);
    sodium_bin2hex(sum_hex, sizeof(sum_hex), sum, sizeof(sum));
    (void)snprintf(actor, sizeof(actor), "agent:%s", agent_id);
    rc = azk_home_set_actor(h, actor);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&x, "{\"source\":");
    if (rc == AZK_OK)
        rc = azk_buf_put_json_string(&x, source, strlen(source));
    if (rc == AZK_OK)
        rc = azk_buf_printf(&x,
                            ",\"report_id\":\"%s\",\"sha256\":\"%s\",\"datasets\":%zu,"
                            "\"guard\":%zu}",
                            m.id, sum_hex, m.r.dataset_count, m.r.guard_count);
    ev.action = "agent.metadata";
    ev.object = agent_id;
    ev.extra_json = (const char *)x.data;
    if (rc == AZK_OK)
        rc = azk_store__cz_report_put(h, agent_id, now, &m.r, &ev, &dup);
    if (rc == AZK_OK)
        rc = azk_serve__json(rs, 200,
                             json_pack("{s:s, s:b, s:I, s:I}", "report_id", m.id, "duplicate", dup,
                                       "datasets", (json_int_t)m.r.dataset_count, "guard",
                                       (json_int_t)m.r.guard_count));
    azk_buf_dispose(&x);
    azk_serve__agent_meta_dispose(&m);
    return rc;
}
