/* SPDX-License-Identifier: Apache-2.0 */
/*
 * supervision/control.c -- internal control (内部管理): the documented risk
 * criteria as numbered versions (the text and its SHA-256), risk
 * acceptances requested by one person and approved by another (the
 * library's two-person rule, retention/identity.h) until an expiry date,
 * and internal-audit findings with owner, due date and status. Every change
 * is a ledger entry written in the same transaction as the catalog row.
 */
#include "supervision/sup_int.h"
#include "retention/identity.h"
#include "retention/ret_int.h"
#include "store/supervision.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CRITERIA_MAX (1024u * 1024u)

static bool valid_date(const char *d)
{
    int64_t t = 0;
    if (d == NULL || strlen(d) != 10 || azk_retention_parse_time(d, &t) != AZK_OK) {
        azk_error_clear();
        return false;
    }
    return true;
}

static bool valid_title(const char *t)
{
    size_t n = t != NULL ? strlen(t) : 0;
    if (n == 0 || n > 300)
        return false;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)t[i] < 0x20)
            return false;
    return true;
}

static void new_id(const char *prefix, char out[16])
{
    uint8_t r[4];
    char hex[9];
    randombytes_buf(r, sizeof(r));
    sodium_bin2hex(hex, sizeof(hex), r, sizeof(r));
    (void)snprintf(out, 16, "%s%s", prefix, hex);
}

azk_status azk_control_criteria_add(azk_home *h, const char *path, int64_t *out_version)
{
    azk_buf text = AZK_BUF_INIT;
    uint8_t md[crypto_hash_sha256_BYTES], tmp[8192];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    struct azk_store_event ev = {0};
    azk_status rc = AZK_OK;
    ssize_t n;
    int fd;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && path != NULL && out_version != NULL);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return azk_error_errno("risk criteria file");
    text.max = CRITERIA_MAX;
    while (rc == AZK_OK && (n = read(fd, tmp, sizeof(tmp))) > 0)
        rc = azk_buf_put(&text, tmp, (size_t)n);
    close(fd);
    if (rc == AZK_ERR_LIMIT)
        rc = azk_error_set(AZK_ERR_LIMIT, "risk criteria larger than 1 MiB");
    if (rc == AZK_OK && text.len == 0)
        rc = azk_error_set(AZK_ERR_ARG, "risk criteria file is empty");
    if (rc != AZK_OK)
        goto done;
    crypto_hash_sha256(md, text.data, text.len);
    sodium_bin2hex(hex, sizeof(hex), md, sizeof(md));
    ev.action = "control.criteria";
    rc = azk_store__control_criteria_add(h, hex, (const char *)text.data, azk_store__actor(h),
                                         out_version, &ev);
done:
    azk_buf_dispose(&text);
    return rc;
}

azk_status azk_control_criteria_list(azk_home *h, azk_control_criteria_cb cb, void *payload)
{
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    return azk_store__control_criteria_list(h, cb, payload);
}

static azk_status max_cb(int64_t v, const char *sha, const char *at, const char *by, void *p)
{
    (void)sha;
    (void)at;
    (void)by;
    *(int64_t *)p = v;
    return AZK_OK;
}

static int64_t current_criteria(azk_home *h)
{
    int64_t v = 0;
    if (azk_store__control_criteria_list(h, max_cb, &v) != AZK_OK) {
        azk_error_clear();
        return 0;
    }
    return v;
}

azk_status azk_control_accept_request(azk_home *h, const char *title, const char *expires,
                                      char out_id[16])
{
    struct azk_store_control_item it;
    struct azk_store_event ev = {0};
    char extra[160];
    const char *me = NULL;
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && out_id != NULL);
    if (!valid_title(title))
        return azk_error_set(AZK_ERR_ARG, "risk title must be 1-300 bytes of text");
    if (!valid_date(expires))
        return azk_error_set(AZK_ERR_ARG, "expiry must be YYYY-MM-DD");
    rc = azk_identity__requester(h, "control.accept.request", NULL, &me);
    if (rc != AZK_OK)
        return rc;
    memset(&it, 0, sizeof(it));
    new_id("RA-", out_id);
    it.id = out_id;
    it.kind = "acceptance";
    it.title = title;
    it.owner = me;
    it.due = expires;
    it.status = "requested";
    it.requested_by = me;
    it.criteria = current_criteria(h);
    if (it.criteria == 0)
        return azk_error_set(AZK_ERR_ARG, "no risk criteria recorded yet (control criteria add)");
    (void)snprintf(extra, sizeof(extra), "{\"expires\":\"%s\",\"criteria\":%lld}", expires,
                   (long long)it.criteria);
    ev.action = "control.accept.request";
    ev.object = out_id;
    ev.extra_json = extra;
    return azk_store__control_item_add(h, &it, &ev);
}

azk_status azk_control_accept_approve(azk_home *h, const char *id)
{
    char kind[24], by[72], status[24];
    const char *me = NULL;
    struct azk_store_event ev = {0};
    bool found = false;
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    rc = azk_store__control_item_get(h, id, kind, by, status, &found);
    if (rc != AZK_OK)
        return rc;
    if (!found || strcmp(kind, "acceptance") != 0)
        return azk_error_set(AZK_ERR_NOTFOUND, "no risk acceptance %.40s", id);
    if (strcmp(status, "requested") != 0)
        return azk_error_set(AZK_ERR_ARG, "risk acceptance %s is %s, not requested", id, status);
    rc = azk_identity__approver(h, "control.accept.approve", id, by, NULL, &me);
    if (rc != AZK_OK)
        return rc;
    ev.action = "control.accept.approve";
    ev.object = id;
    return azk_store__control_item_set(h, id, "requested", "accepted", me, &ev);
}

azk_status azk_control_finding_add(azk_home *h, const char *title, const char *client,
                                   const char *owner, const char *due, char out_id[16])
{
    struct azk_store_control_item it;
    struct azk_store_event ev = {0};
    char extra[200];
    bool yes = false;
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && out_id != NULL);
    if (!valid_title(title))
        return azk_error_set(AZK_ERR_ARG, "finding title must be 1-300 bytes of text");
    if (!valid_date(due))
        return azk_error_set(AZK_ERR_ARG, "due date must be YYYY-MM-DD");
    if (owner == NULL || !azk_store__valid_id(owner))
        return azk_error_set(AZK_ERR_ARG, "owner must be an enrolled user");
    rc = azk_store__user_exists(h, owner, &yes);
    if (rc == AZK_OK && !yes)
        rc = azk_error_set(AZK_ERR_ARG, "owner %s is not an enrolled user", owner);
    if (rc == AZK_OK && client != NULL) {
        rc = azk_store__sup_client_exists(h, client, &yes);
        if (rc == AZK_OK && !yes)
            rc = azk_error_set(AZK_ERR_ARG, "no client %.64s", client);
    }
    if (rc != AZK_OK)
        return rc;
    memset(&it, 0, sizeof(it));
    new_id("IF-", out_id);
    it.id = out_id;
    it.kind = "finding";
    it.title = title;
    it.client = client;
    it.owner = owner;
    it.due = due;
    it.status = "open";
    it.requested_by = azk_store__actor(h);
    it.criteria = current_criteria(h);
    (void)snprintf(extra, sizeof(extra), "{\"owner\":\"%s\",\"due\":\"%s\"}", owner, due);
    ev.action = "control.finding";
    ev.object = out_id;
    ev.extra_json = extra;
    return azk_store__control_item_add(h, &it, &ev);
}

azk_status azk_control_finding_set(azk_home *h, const char *id, const char *status)
{
    char kind[24], by[72], cur[24], extra[96];
    struct azk_store_event ev = {0};
    bool found = false;
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL && status != NULL);
    if (strcmp(status, "open") != 0 && strcmp(status, "in_progress") != 0 &&
        strcmp(status, "closed") != 0)
        return azk_error_set(AZK_ERR_ARG, "status must be open, in_progress or closed");
    rc = azk_store__control_item_get(h, id, kind, by, cur, &found);
    if (rc != AZK_OK)
        return rc;
    if (!found || strcmp(kind, "finding") != 0)
        return azk_error_set(AZK_ERR_NOTFOUND, "no finding %.40s", id);
    (void)snprintf(extra, sizeof(extra), "{\"from\":\"%s\",\"to\":\"%s\"}", cur, status);
    ev.action = "control.finding.status";
    ev.object = id;
    ev.extra_json = extra;
    return azk_store__control_item_set(h, id, cur, status, NULL, &ev);
}

struct list_x {
    azk_control_cb cb;
    void *p;
    char today[16];
};

static azk_status list_row(const struct azk_store_control_item *s, void *p)
{
    struct list_x *x = p;
    azk_control_item it;
    it.id = s->id;
    it.kind = s->kind;
    it.title = s->title;
    it.client = s->client;
    it.owner = s->owner;
    it.due = s->due;
    it.status = s->status;
    it.approved_by = s->approved_by;
    it.criteria = s->criteria;
    it.overdue = strcmp(s->status, "closed") != 0 && strcmp(s->due, x->today) < 0;
    return x->cb(&it, x->p);
}

azk_status azk_control_list(azk_home *h, const char *kind, const char *client, int64_t now,
                            azk_control_cb cb, void *payload)
{
    struct list_x x;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    x.cb = cb;
    x.p = payload;
    azk_ret__date(now != 0 ? now : (int64_t)time(NULL), x.today);
    return azk_store__control_items(h, kind, client, list_row, &x);
}
