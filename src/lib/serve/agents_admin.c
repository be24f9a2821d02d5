/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/agents_admin.c -- what an administrator does about agents on the
 * server's home (azukari/agent.h): one-time enrolment tokens (only their
 * hash is stored), revocation (effective for the agent's next call: the
 * agent API checks the catalog on every call), the sweep policy of a host
 * group (checked before it is stored; signed when served), the list.
 * Each change is a ledger entry written with the catalog change.
 */
#include "serve/agents_int.h"
#include "serve/serve_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

azk_status azk_agent_token_create(azk_home *h, const char *group, const char *zone,
                                  unsigned valid_s, char *token, size_t token_len)
{
    char tok[65], th[65], extra[160];
    struct azk_store_event ev = {0};
    int64_t now = (int64_t)time(NULL);
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && group != NULL && zone != NULL && token != NULL);
    if (token_len < 65)
        return azk_error_set(AZK_ERR_ARG, "agent token: buffer too small");
    token[0] = '\0';
    if (!azk_store__valid_id(group))
        return azk_error_set(AZK_ERR_ARG, "agent token: the group must be an id ([a-z0-9._-])");
    if (strcmp(zone, "general") != 0 && strcmp(zone, "closed") != 0)
        return azk_error_set(AZK_ERR_ARG, "agent token: the zone is general or closed");
    if (valid_s == 0)
        valid_s = 86400;
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    azk_serve__token_new(tok);
    azk_serve__token_hash(tok, th);
    (void)snprintf(extra, sizeof(extra), "{\"group\":\"%s\",\"zone\":\"%s\",\"expires_at\":%lld}",
                   group, zone, (long long)(now + valid_s));
    ev.action = "agent.token";
    ev.object = group;
    ev.extra_json = extra;
    rc = azk_store__agent_token_insert(h, th, group, zone, now, now + valid_s, &ev);
    if (rc == AZK_OK)
        (void)snprintf(token, token_len, "%s", tok);
    memset(tok, 0, sizeof(tok));
    return rc;
}

azk_status azk_agent_revoke(azk_home *h, const char *agent_id, const char *reason)
{
    struct azk_store_event ev = {0};
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && agent_id != NULL);
    ev.action = "agent.revoke";
    ev.object = agent_id;
    ev.reason = reason;
    return azk_store__agent_revoke(h, agent_id, (int64_t)time(NULL), &ev);
}

azk_status azk_agent_policy_set(azk_home *h, const char *group, const char *policy_json)
{
    struct azk_store_event ev = {0};
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && group != NULL && policy_json != NULL);
    if (!azk_store__valid_id(group))
        return azk_error_set(AZK_ERR_ARG, "agent policy: the group must be an id");
    rc = azk_serve__agent_policy_check(policy_json);
    if (rc != AZK_OK)
        return rc;
    ev.action = "agent.policy";
    ev.object = group;
    return azk_store__agent_policy_set(h, group, policy_json, (int64_t)time(NULL), &ev);
}

struct list_ctx {
    azk_agent_list_cb cb;
    void *payload;
    char last[72];
    size_t n;
};

static azk_status list_row(const struct azk_store_agent_row *a, void *payload)
{
    struct list_ctx *l = payload;
    (void)snprintf(l->last, sizeof(l->last), "%s", a->id);
    l->n++;
    return l->cb(a->id, a->host, a->grp, a->zone, a->state, a->objects, a->edm_objects, l->payload);
}

azk_status azk_agent_list(azk_home *h, azk_agent_list_cb cb, void *payload)
{
    struct list_ctx l = {cb, payload, "", 0};
    azk_status rc = AZK_OK;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    do {
        char after[72];
        (void)snprintf(after, sizeof(after), "%s", l.last);
        l.n = 0;
        rc = azk_store__agents_each(h, after, 500, list_row, &l);
    } while (rc == AZK_OK && l.n == 500);
    return rc;
}
