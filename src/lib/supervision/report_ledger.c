/* SPDX-License-Identifier: Apache-2.0 */
/*
 * supervision/report_ledger.c -- the ledger half of a monthly report: one
 * pass over the entries up to the month's end finds the size of the ledger
 * at the end of every month (the first entry whose time is at or after a
 * month's end starts the next month), and sorts the month's entries that
 * concern the client: guard blocks and releases (a guard item belongs to
 * a client when its block or quarantine matched that client's entrusted
 * records), approvals, refusals, authentication failures, deletions
 * (retention.shred) and the people who acted on the client's data; after
 * the month, only the reports of that month made before (the revision).
 * The entries come from azk_audit_read_all (one read of the log, shared
 * with signing the month-end checkpoint).
 * Entry times are compared on their first 19 characters
 * (YYYY-MM-DDTHH:MM:SS), the catalog's and the ledger's common part.
 */
#include "supervision/report_int.h"
#include "azukari/audit.h"

#include <stdio.h>
#include <string.h>

static bool in_set(json_t *set, const char *k)
{
    return k != NULL && json_object_get(set, k) != NULL;
}

/* Does the entry's extra name the client in edm[].client (guard decisions)? */
static bool edm_names(json_t *extra, const char *client)
{
    json_t *edm = json_object_get(extra, "edm");
    for (size_t i = 0; i < json_array_size(edm); i++) {
        const char *c = azk_sup__str(json_array_get(edm, i), "client");
        if (c != NULL && strcmp(c, client) == 0)
            return true;
    }
    return false;
}

static json_int_t edm_records(json_t *extra, const char *client)
{
    json_t *edm = json_object_get(extra, "edm");
    json_int_t n = 0;
    for (size_t i = 0; i < json_array_size(edm); i++) {
        json_t *e = json_array_get(edm, i);
        const char *c = azk_sup__str(e, "client");
        if (c != NULL && strcmp(c, client) == 0)
            n += json_integer_value(json_object_get(e, "records"));
    }
    return n;
}

static bool is_approval(const char *action)
{
    size_t n = strlen(action);
    return (n > 8 && strcmp(action + n - 8, ".approve") == 0) ||
           strcmp(action, "retention.certify") == 0;
}

static const char *s_or(const char *s, const char *d)
{
    return s != NULL ? s : d;
}

/* Note a person who acted on the client's data (a handler). */
static azk_status handler(struct azk_sup_scan *s, const char *actor)
{
    if (actor == NULL || actor[0] == '\0' || in_set(s->handlers, actor))
        return AZK_OK;
    return azk_sup__set(s->handlers, actor, json_true());
}

/* One entry of the month. */
static azk_status month_entry(struct azk_sup_scan *s, json_t *e, uint64_t idx)
{
    const char *action = s_or(azk_sup__str(e, "action"), "");
    const char *outcome = s_or(azk_sup__str(e, "outcome"), "ok");
    const char *actor = azk_sup__str(e, "actor");
    const char *at = s_or(azk_sup__str(e, "time"), "");
    const char *reason = azk_sup__str(e, "reason");
    json_t *objs = json_object_get(e, "objects"), *extra = json_object_get(e, "extra");
    const char *obj = json_string_value(json_array_get(objs, 0));
    bool mine = false, gitem = false;
    azk_status rc = AZK_OK;

    for (size_t i = 0; i < json_array_size(objs); i++) {
        const char *o = json_string_value(json_array_get(objs, i));
        if (in_set(s->datasets, o) || (o != NULL && strcmp(o, s->client) == 0))
            mine = true;
        if (in_set(s->gitems, o))
            gitem = mine = true;
    }
    if (strcmp(action, "auth.fail") == 0) {
        json_t *x =
            json_pack("{s:s,s:s?,s:s?}", "at", at, "user", obj, "why", azk_sup__str(extra, "why"));
        s->n_auth++;
        return azk_sup__push_capped(s->auth_failures, x);
    }
    if ((strcmp(action, "guard.block") == 0 || strcmp(action, "guard.quarantine") == 0) &&
        edm_names(extra, s->client)) {
        json_t *x = json_pack("{s:s,s:s,s:s?,s:s?,s:I}", "at", at, "kind",
                              strcmp(action, "guard.block") == 0 ? "block" : "quarantine", "item",
                              obj, "channel", reason, "records", edm_records(extra, s->client));
        if (obj != NULL && !in_set(s->gitems, obj))
            rc = azk_sup__set(s->gitems, obj, json_true());
        s->n_blocks++;
        if (rc == AZK_OK)
            rc = azk_sup__push_capped(s->guard_blocks, x);
        else
            json_decref(x);
        return rc;
    }
    if (!mine)
        return AZK_OK;
    rc = handler(s, actor);
    if (rc != AZK_OK)
        return rc;
    if (strcmp(outcome, "refused") == 0) {
        json_t *x = json_pack("{s:s,s:s,s:s?,s:s?,s:s?}", "at", at, "action", action, "object", obj,
                              "by", actor, "reason", reason);
        s->n_refusals++;
        return azk_sup__push_capped(s->refusals, x);
    }
    if (gitem && strcmp(action, "guard.release") == 0 && strcmp(outcome, "ok") == 0) {
        json_t *x =
            json_pack("{s:s,s:s?,s:s?,s:s}", "at", at, "item", obj, "by", actor, "kind",
                      reason != NULL && strcmp(reason, "approved") == 0 ? "approved" : "clean");
        s->n_releases += reason != NULL && strcmp(reason, "approved") == 0;
        return azk_sup__push_capped(s->guard_releases, x);
    }
    if (is_approval(action) && strcmp(outcome, "ok") == 0) {
        json_t *x = json_pack("{s:s,s:s,s:s?,s:s?}", "at", at, "action", action, "object", obj,
                              "by", actor);
        s->n_approvals++;
        return azk_sup__push_capped(s->approvals, x);
    }
    if (strcmp(action, "retention.shred") == 0 && obj != NULL && !in_set(s->shreds, obj)) {
        json_t *x = json_pack("{s:s,s:I}", "at", at, "index", (json_int_t)idx);
        return azk_sup__set(s->shreds, obj, x);
    }
    return AZK_OK;
}

/* The last `"time":"` of a canonical entry is its time key: inside a JSON string a quote is
 * escaped, so the pattern cannot occur there. NULL when absent. */
static const char *entry_time(const char *text, size_t len)
{
    static const char pat[] = "\"time\":\"";
    const size_t n = sizeof(pat) - 1;
    for (size_t i = len >= n + 19 ? len - n - 19 + 1 : 0; i-- > 0;)
        if (memcmp(text + i, pat, n) == 0)
            return text + i + n;
    return NULL;
}

/*
 * An entry before the month that is no guard decision needs no JSON parse: its time
 * only moves the month boundaries. Returns true when the entry was handled here
 * (*rc set on failure); false when the caller parses it.
 */
static bool skip_before(const char *text, size_t len, struct azk_sup_scan *s, char cur[8],
                        azk_status *rc)
{
    const char *t = entry_time(text, len);
    char m[8];
    *rc = AZK_OK;
    if (t == NULL || strncmp(t, s->start_iso, 19) >= 0 || strstr(text, "\"guard.") != NULL)
        return false;
    (void)snprintf(m, sizeof(m), "%.7s", t);
    if (cur[0] != '\0' && strcmp(m, cur) > 0)
        return false; /* a month boundary: the caller records it */
    (void)snprintf(cur, 8, "%s", m);
    return true;
}

/*
 * An entry after the month: a report.monthly of this client and month made
 * earlier raises the revision of the one being made (its extra.revision, 1
 * when absent).
 */
static azk_status earlier_report(struct azk_sup_scan *s, const char *text, size_t len)
{
    json_error_t jerr;
    json_t *e, *x;
    const char *obj, *m;
    json_int_t rev;
    if (strstr(text, "\"report.monthly\"") == NULL)
        return AZK_OK;
    e = json_loadb(text, len, 0, &jerr);
    if (e == NULL)
        return azk_error_set(AZK_ERR_INTEGRITY, "a ledger entry after the month is not JSON");
    x = json_object_get(e, "extra");
    obj = json_string_value(json_array_get(json_object_get(e, "objects"), 0));
    m = azk_sup__str(x, "month");
    if (strcmp(s_or(azk_sup__str(e, "action"), ""), "report.monthly") == 0 && obj != NULL &&
        strcmp(obj, s->client) == 0 && m != NULL && strcmp(m, s->month) == 0) {
        rev = json_is_integer(json_object_get(x, "revision"))
                  ? json_integer_value(json_object_get(x, "revision"))
                  : 1;
        if (rev > s->last_revision)
            s->last_revision = rev;
    }
    json_decref(e);
    return AZK_OK;
}

/* One entry, in ledger order (azk_audit_read_all's callback). */
static azk_status scan_entry(uint64_t i, const char *text, size_t len, void *p)
{
    struct azk_sup_scan *s = p;
    azk_status rc = AZK_OK;
    json_error_t jerr;
    json_t *e;
    const char *t;
    char m[8];
    if (s->after)
        return earlier_report(s, text, len);
    if (skip_before(text, len, s, s->cur, &rc))
        return rc;
    e = json_loadb(text, len, 0, &jerr);
    if (e == NULL)
        return azk_error_set(AZK_ERR_INTEGRITY, "ledger entry %llu is not JSON",
                             (unsigned long long)i);
    t = s_or(azk_sup__str(e, "time"), "");
    if (strlen(t) < 19) {
        json_decref(e);
        return azk_error_set(AZK_ERR_INTEGRITY, "ledger entry %llu has no time",
                             (unsigned long long)i);
    }
    if (strncmp(t, s->end_iso, 19) >= 0) {
        /* after the month: only this client's earlier reports of the month (revision) */
        json_decref(e);
        s->end_size = i;
        s->after = true;
        return earlier_report(s, text, len);
    }
    (void)snprintf(m, sizeof(m), "%.7s", t);
    if (s->cur[0] != '\0' && strcmp(m, s->cur) > 0) {
        /* the months from cur up to before m end at size i */
        char k[8];
        (void)snprintf(k, sizeof(k), "%s", s->cur);
        while (rc == AZK_OK && strcmp(k, m) < 0) {
            rc = azk_sup__set(s->month_ends, k, json_integer((json_int_t)i));
            if (rc == AZK_OK) {
                int64_t st = 0, en = 0;
                if (azk_sup__month(k, &st, &en) != AZK_OK)
                    break;
                azk_sup__month_of(en, k);
            }
        }
    }
    (void)snprintf(s->cur, sizeof(s->cur), "%s", m);
    if (rc == AZK_OK && strncmp(t, s->start_iso, 19) >= 0) {
        if (s->start_size == UINT64_MAX)
            s->start_size = i;
        rc = month_entry(s, e, i);
    } else if (rc == AZK_OK) {
        /* before the month: guard items matched earlier may be released now */
        const char *action = s_or(azk_sup__str(e, "action"), "");
        json_t *extra = json_object_get(e, "extra");
        const char *obj = json_string_value(json_array_get(json_object_get(e, "objects"), 0));
        if ((strcmp(action, "guard.block") == 0 || strcmp(action, "guard.quarantine") == 0) &&
            obj != NULL && edm_names(extra, s->client) && !in_set(s->gitems, obj))
            rc = azk_sup__set(s->gitems, obj, json_true());
    }
    json_decref(e);
    return rc;
}

/*
 * One read of the ledger (azk_audit_read_all: the read that signing makes,
 * whose recomputed tree the month-end checkpoints reuse): before this, the
 * entries were read one by one here and the whole log again to sign.
 */
azk_status azk_sup__scan_ledger(azk_audit *a, struct azk_sup_scan *s)
{
    azk_status rc;
    s->start_size = UINT64_MAX;
    s->end_size = UINT64_MAX;
    s->cur[0] = '\0';
    s->after = false;
    rc = azk_audit_read_all(a, scan_entry, s);
    if (rc != AZK_OK)
        return rc;
    if (s->end_size == UINT64_MAX)
        s->end_size = azk_audit_size(a);
    if (s->start_size == UINT64_MAX)
        s->start_size = s->end_size;
    /* the months from the last entry's up to the report's own end at end_size */
    if (s->cur[0] != '\0') {
        char k[8];
        (void)snprintf(k, sizeof(k), "%s", s->cur);
        while (strcmp(k, s->month) <= 0) {
            int64_t st = 0, en = 0;
            rc = azk_sup__set(s->month_ends, k, json_integer((json_int_t)s->end_size));
            if (rc != AZK_OK || azk_sup__month(k, &st, &en) != AZK_OK)
                break;
            azk_sup__month_of(en, k);
        }
    }
    return rc;
}

azk_status azk_sup__push_capped(json_t *arr, json_t *v)
{
    if (v != NULL && json_array_size(arr) >= AZK_SUP_LIST_MAX) {
        json_decref(v);
        return AZK_OK;
    }
    return azk_sup__push(arr, v);
}
