/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent/state.c -- the agent's own state under <home>/agent/ (see
 * agent/agent_int.h): state.json (server URL, agent id, certificate
 * expiry, the server's policy key), written atomically; the agent's
 * ledger entries (the agent home's own ledger, actor "agent"); the clock.
 */
#include "agent/agent_int.h"
#include "store/event.h"

#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

azk_status azk_agent__path(azk_buf *out, azk_home *h, const char *rel)
{
    azk_status rc = azk_store__path(out, h, "agent");
    if (rc != AZK_OK)
        return rc;
    if (mkdir((const char *)out->data, 0700) != 0 && errno != EEXIST)
        return azk_error_set(AZK_ERR_IO, "agent: cannot create the agent directory");
    if (rel != NULL && rel[0] != '\0')
        rc = azk_buf_printf(out, "/%s", rel);
    return rc;
}

int64_t azk_agent__now(void)
{
    int64_t t = (int64_t)time(NULL);
#ifdef AZK_TESTING
    const char *skew = getenv("AZK_TEST_AGENT_CLOCK_SKEW");
    if (skew != NULL)
        t += (int64_t)strtoll(skew, NULL, 10);
#endif
    return t;
}

azk_status azk_agent__ledger(azk_home *h, const char *action, const char *object,
                             const char *outcome, const char *reason, const char *extra_json)
{
    struct azk_store_event ev = {0};
    azk_status rc = azk_home_set_actor(h, "agent");
    ev.action = action;
    ev.object = object;
    ev.outcome = outcome;
    ev.reason = reason;
    ev.extra_json = extra_json;
    if (rc == AZK_OK)
        rc = azk_store__event(h, &ev, NULL);
    return rc;
}

azk_status azk_agent__state_load(azk_home *h, struct azk_agent_state *st)
{
    azk_buf p = AZK_BUF_INIT;
    char *text = NULL;
    json_t *doc = NULL;
    json_error_t je;
    const char *server, *id, *pk;
    size_t pklen = 0;
    azk_status rc = azk_agent__path(&p, h, "state.json");
    memset(st, 0, sizeof(*st));
    if (rc == AZK_OK)
        rc = azk_serve__agent_read_file((const char *)p.data, &text, NULL);
    azk_buf_dispose(&p);
    if (rc == AZK_ERR_NOTFOUND)
        return azk_error_set(AZK_ERR_NOTFOUND,
                             "agent: this home is not enrolled (azukari agent enroll)");
    if (rc != AZK_OK)
        return rc;
    doc = json_loads(text, 0, &je);
    azk_free(text);
    server = json_string_value(json_object_get(doc, "server"));
    id = json_string_value(json_object_get(doc, "agent_id"));
    pk = json_string_value(json_object_get(doc, "policy_key"));
    if (server == NULL || id == NULL || pk == NULL ||
        sodium_base642bin(st->policy_key, sizeof(st->policy_key), pk, strlen(pk), NULL, &pklen,
                          NULL, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        pklen != sizeof(st->policy_key)) {
        json_decref(doc);
        return azk_error_set(AZK_ERR_FORMAT, "agent: agent/state.json is damaged");
    }
    (void)snprintf(st->server, sizeof(st->server), "%s", server);
    (void)snprintf(st->agent_id, sizeof(st->agent_id), "%s", id);
    (void)snprintf(st->zone, sizeof(st->zone), "%s",
                   json_string_value(json_object_get(doc, "zone")) != NULL
                       ? json_string_value(json_object_get(doc, "zone"))
                       : "general");
    st->not_after = (int64_t)json_integer_value(json_object_get(doc, "not_after"));
    json_decref(doc);
    return AZK_OK;
}

azk_status azk_agent__state_save(azk_home *h, const struct azk_agent_state *st)
{
    azk_buf p = AZK_BUF_INIT;
    char pk64[64], *text = NULL;
    json_t *doc;
    azk_status rc;
    sodium_bin2base64(pk64, sizeof(pk64), st->policy_key, sizeof(st->policy_key),
                      sodium_base64_VARIANT_ORIGINAL);
    doc = json_pack("{s:s, s:s, s:s, s:I, s:s}", "server", st->server, "agent_id", st->agent_id,
                    "zone", st->zone[0] != '\0' ? st->zone : "general", "not_after",
                    (json_int_t)st->not_after, "policy_key", pk64);
    if (doc != NULL)
        text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(doc);
    if (text == NULL)
        return azk_error_nomem();
    rc = azk_agent__path(&p, h, "state.json");
    if (rc == AZK_OK)
        rc = azk_outfile__write((const char *)p.data, text, strlen(text), 0600, 0, NULL);
    free(text); /* checksrc: ok (jansson allocates with malloc) */
    azk_buf_dispose(&p);
    return rc;
}
