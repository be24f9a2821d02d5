/* SPDX-License-Identifier: Apache-2.0 */
/*
 * supervision/report.c -- the monthly report of one client (月次報告):
 * every number computed from the catalog (datasets, opens, retention
 * state, holds, training, internal control) and the ledger (report_ledger.c),
 * with a signed checkpoint of the ledger at the month's end and RFC 9162
 * consistency proofs from every earlier month's end to it, signed with the
 * deployment key by the certificates' one signing (retention/sign.h).
 * The deletion certificates of the month are carried whole, so the bank
 * verifies them with the vendor's certificate key (except one issued before
 * certificates hashed the received file's name: listed as withheld). No entrusted value is
 * read: datasets are named by id, people by their enrolled user names.
 * Entrusted records found outside the closed zone come from the agents'
 * tables (report_zone.c); incidents come from the register
 * (report_incidents.c).
 */
#include "supervision/report_int.h"
#include "retention/ret_int.h"
#include "retention/sign.h"
#include "store/supervision.h"
#include "azukari/retention.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct rep {
    azk_home *h;
    struct azk_sup_scan s;
    uint64_t n_opens;
    char start_date[16], end_date[16];
    json_t *held, *received, *deleted, *overdue, *incomplete, *opens, *by_user, *training,
        *findings, *certificates;
    json_int_t lapsed;
};

static int64_t day_of(const char *iso)
{
    int64_t t = 0;
    char d[16];
    (void)snprintf(d, sizeof(d), "%.10s", iso);
    if (azk_retention_parse_time(d, &t) != AZK_OK) {
        azk_error_clear();
        return 0;
    }
    return t;
}

static azk_status ds_cb(const struct azk_store_sup_dataset *d, void *p)
{
    struct rep *r = p;
    azk_status rc = AZK_OK;
    bool shredded = d->shred_at[0] != '\0' && strcmp(d->shred_at, r->s.end_iso) < 0;
    bool due = strcmp(d->retain_until, r->end_date) < 0;
    bool late = false;
    if (strcmp(d->created_at, r->s.end_iso) >= 0)
        return AZK_OK; /* received after the month */
    rc = azk_sup__set(r->s.datasets, d->id, json_true());
    if (rc == AZK_OK && strcmp(d->created_at, r->s.start_iso) >= 0)
        rc = azk_sup__push(r->received, json_pack("{s:s,s:I,s:s,s:s,s:s}", "dataset", d->id,
                                                  "records", (json_int_t)d->records, "received_at",
                                                  d->created_at, "received_by", d->created_by,
                                                  "retain_until", d->retain_until));
    if (rc == AZK_OK && !shredded)
        rc = azk_sup__push(r->held, json_pack("{s:s,s:I,s:n,s:s,s:s}", "dataset", d->id, "records",
                                              (json_int_t)d->records, "persons", "retain_until",
                                              d->retain_until, "received_at", d->created_at));
    if (rc == AZK_OK && shredded) {
        /* late: destroyed more than a day after the deadline day (as certificates say) */
        late = day_of(d->shred_at) > day_of(d->retain_until) + 86400;
        if (strcmp(d->shred_at, r->s.start_iso) >= 0)
            rc = azk_sup__set(r->s.shreds, d->id,
                              json_pack("{s:s,s:I,s:s,s:b}", "at", d->shred_at, "index",
                                        (json_int_t)d->shred_index, "retain_until", d->retain_until,
                                        "late", late));
    }
    if (rc == AZK_OK &&
        ((due && !shredded) || (late && strcmp(d->shred_at, r->s.start_iso) >= 0))) {
        char why[256];
        if (late)
            (void)snprintf(why, sizeof(why), "deleted late on %.10s (deadline %s)", d->shred_at,
                           d->retain_until);
        else if (d->hold[0] != '\0')
            (void)snprintf(why, sizeof(why), "on hold: %s", d->hold);
        else if (strcmp(d->ret_state, "incomplete") == 0)
            (void)snprintf(why, sizeof(why), "deletion incomplete");
        else if (d->ret_state[0] != '\0' && strcmp(d->ret_state, "clean") != 0)
            (void)snprintf(why, sizeof(why), "deletion interrupted at step %s", d->ret_state);
        else
            (void)snprintf(why, sizeof(why), "no retention run since the deadline");
        rc = azk_sup__push(r->overdue,
                           json_pack("{s:s,s:s,s:s,s:b}", "dataset", d->id, "retain_until",
                                     d->retain_until, "reason", why, "deleted_late", late));
    }
    if (rc == AZK_OK && strcmp(d->ret_state, "incomplete") == 0) {
        char cause[160];
        (void)snprintf(cause, sizeof(cause),
                       "%lld residual copies found by the sweep, %lld artifacts refused",
                       (long long)d->residuals, (long long)d->refused_artifacts);
        rc = azk_sup__push(r->incomplete,
                           json_pack("{s:s,s:I,s:I,s:s}", "dataset", d->id, "residuals",
                                     (json_int_t)d->residuals, "refused_artifacts",
                                     (json_int_t)d->refused_artifacts, "cause", cause));
    }
    return rc;
}

static azk_status open_cb(const char *ds, const char *at, const char *by, const char *reason,
                          void *p)
{
    struct rep *r = p;
    json_t *c = json_object_get(r->by_user, by);
    azk_status rc = azk_sup__push_capped(
        r->opens, json_pack("{s:s,s:s,s:s,s:s}", "dataset", ds, "at", at, "by", by, "why", reason));
    r->n_opens++;
    if (rc == AZK_OK)
        rc = azk_sup__set(r->by_user, by, json_integer(c != NULL ? json_integer_value(c) + 1 : 1));
    if (rc == AZK_OK && json_object_get(r->s.handlers, by) == NULL)
        rc = azk_sup__set(r->s.handlers, by, json_true());
    return rc;
}

static azk_status training_cb(const azk_training_item *it, void *p)
{
    struct rep *r = p;
    json_t *u = json_object_get(r->training, it->user);
    if (u == NULL)
        return AZK_OK; /* not a handler of this client's data */
    if (strcmp(it->status, "lapsed") == 0 || strcmp(it->status, "never") == 0) {
        if (!json_is_true(json_object_get(u, "lapsed"))) {
            r->lapsed++;
            if (json_object_set_new(u, "lapsed", json_true()) != 0)
                return azk_error_set(AZK_ERR_NOMEM, "out of memory");
        }
    }
    return azk_sup__push(json_object_get(u, "courses"),
                         json_pack("{s:s,s:s,s:s,s:s,s:s}", "course", it->course, "title",
                                   it->title, "completed", it->completed, "expires", it->expires,
                                   "status", it->status));
}

static azk_status finding_cb(const azk_control_item *it, void *p)
{
    struct rep *r = p;
    if (strcmp(it->status, "closed") == 0)
        return AZK_OK;
    return azk_sup__push(r->findings,
                         json_pack("{s:s,s:s,s:s,s:s,s:s,s:b,s:s}", "id", it->id, "title",
                                   it->title, "owner", it->owner, "due", it->due, "status",
                                   it->status, "overdue", it->overdue, "scope",
                                   it->client[0] != '\0' ? "client" : "organisation"));
}

/* Handlers as users: enrolled or not, their courses filled by training_cb. */
static azk_status handlers_init(struct rep *r)
{
    const char *k;
    json_t *v;
    json_object_foreach(r->s.handlers, k, v)
    {
        bool yes = false;
        azk_status rc = azk_store__user_exists(r->h, k, &yes);
        if (rc != AZK_OK)
            return rc;
        rc = azk_sup__set(r->training, k,
                          json_pack("{s:s,s:b,s:b,s:[]}", "user", k, "enrolled", yes, "lapsed",
                                    false, "courses"));
        if (rc != AZK_OK)
            return rc;
    }
    return AZK_OK;
}

static json_t *proof_json(const uint8_t *p, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < n; i++) {
        char b[AZK_AUDIT_HASH_B64_LEN];
        azk_audit_hash_b64(p + i * AZK_AUDIT_HASH_LEN, b);
        if (json_array_append_new(a, json_string(b)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* The ledger section: month-end checkpoint, previous month's, proofs from every month end. */
static azk_status ledger_section(struct rep *r, azk_audit *a, json_t **out)
{
    azk_status rc;
    char *note = NULL, *prev_note = NULL, prevm[8];
    json_t *led = NULL, *ends = json_array(), *prev = NULL;
    const char *k;
    json_t *v;
    uint64_t end = r->s.end_size;
    if (ends == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    if (end == 0) {
        json_decref(ends);
        return azk_error_set(AZK_ERR_ARG, "the ledger has no entry before the month's end");
    }
    rc = azk_audit_checkpoint_at(a, end, &note);
    azk_sup__prev_month(r->s.month, prevm);
    json_object_foreach(r->s.month_ends, k, v)
    {
        uint64_t sz = (uint64_t)json_integer_value(v);
        uint8_t root[AZK_AUDIT_HASH_LEN], *pf = NULL;
        size_t pn = 0;
        char b[AZK_AUDIT_HASH_B64_LEN];
        if (rc != AZK_OK)
            break;
        if (strcmp(k, r->s.month) >= 0 || sz == 0)
            continue;
        rc = azk_audit_root(a, sz, root);
        if (rc == AZK_OK)
            rc = azk_audit_prove_consistency(a, sz, end, &pf, &pn);
        if (rc != AZK_OK)
            break;
        azk_audit_hash_b64(root, b);
        rc = azk_sup__push(ends, json_pack("{s:s,s:I,s:s,s:o}", "month", k, "size", (json_int_t)sz,
                                           "root", b, "proof", proof_json(pf, pn)));
        if (rc == AZK_OK && strcmp(k, prevm) == 0) {
            rc = azk_audit_checkpoint_at(a, sz, &prev_note);
            if (rc == AZK_OK)
                prev = json_pack("{s:s,s:I,s:s,s:o}", "month", k, "size", (json_int_t)sz,
                                 "checkpoint", prev_note, "proof", proof_json(pf, pn));
            if (rc == AZK_OK && prev == NULL)
                rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        }
        azk_audit_free(pf);
    }
    if (rc == AZK_OK) {
        led = json_pack("{s:s,s:s,s:I,s:s,s:o,s:o}", "origin", azk_audit_origin(a), "vkey",
                        azk_audit_vkey(a), "size", (json_int_t)end, "checkpoint", note, "previous",
                        prev != NULL ? prev : json_null(), "month_ends", ends);
        prev = NULL;
        ends = NULL;
        if (led == NULL)
            rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
    }
    *out = led;
    json_decref(prev);
    json_decref(ends);
    azk_audit_free(note);
    azk_audit_free(prev_note);
    return rc;
}

/* Certificates of the datasets deleted in the month, whole; their ids into `deleted`. */
static azk_status deletions(struct rep *r)
{
    const char *k;
    json_t *v;
    json_object_foreach(r->s.shreds, k, v)
    {
        char *cert = NULL;
        json_t *cj = NULL, *line;
        const char *id = NULL;
        bool withheld;
        azk_status rc = azk_certificate_get(r->h, k, &cert);
        if (rc == AZK_ERR_NOTFOUND) {
            azk_error_clear();
        } else if (rc != AZK_OK) {
            return rc;
        } else {
            json_error_t jerr;
            cj = json_loads(cert, 0, &jerr);
            azk_free(cert);
            id = azk_sup__str(json_object_get(cj, "certificate"), "certificate_id");
        }
        /* a certificate issued before certificates hashed the received file's name carries
         * that name in clear (a personal value): listed by id, not carried */
        withheld = id != NULL &&
                   json_object_get(json_object_get(json_object_get(cj, "certificate"), "dataset"),
                                   "source_name") != NULL;
        line = json_pack("{s:s,s:O,s:s?,s:O?,s:O?}", "dataset", k, "deleted_at",
                         json_object_get(v, "at"), "certificate_id", withheld ? NULL : id,
                         "retain_until", json_object_get(v, "retain_until"), "late",
                         json_object_get(v, "late"));
        if (line != NULL && withheld &&
            json_object_set_new(line, "certificate_withheld", json_string(id)) != 0) {
            json_decref(line);
            line = NULL;
        }
        rc = azk_sup__push(r->deleted, line);
        if (rc == AZK_OK && cj != NULL && id != NULL && !withheld)
            rc = azk_sup__push(r->certificates, json_incref(cj));
        json_decref(cj);
        if (rc != AZK_OK)
            return rc;
    }
    return AZK_OK;
}

static json_t *values_array(json_t *obj)
{
    json_t *a = json_array();
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v)
    {
        if (a == NULL || json_array_append(a, v) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

azk_status azk_monthly_report(azk_home *h, const azk_monthly_report_options *in, char **out)
{
    static const azk_monthly_report_options defs = AZK_MONTHLY_REPORT_OPTIONS_INIT;
    azk_monthly_report_options o;
    struct rep r;
    azk_status rc;
    azk_audit *a = NULL;
    json_t *body = NULL, *led = NULL, *summary = NULL, *zone = NULL, *incidents = NULL;
    int64_t start = 0, end = 0, now;
    char *doc = NULL, nowiso[32], host[256] = "", pub[96];
    bool yes = false;

    if (azk__options_in(&o, sizeof(o), &defs, in, true, "azk_monthly_report_options") != AZK_OK)
        return azk_error_last()->code;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && out != NULL);
    *out = NULL;
    memset(&r, 0, sizeof(r));
    if (o.client == NULL || !azk_store__valid_id(o.client))
        return azk_error_set(AZK_ERR_ARG, "a client id is required");
    rc = azk_sup__month(o.month, &start, &end);
    if (rc != AZK_OK)
        return rc;
    now = o.now != 0 ? o.now : (int64_t)time(NULL);
    if (now < end)
        return azk_error_set(AZK_ERR_ARG, "month %s is not over: a report covers a whole month",
                             o.month);
    rc = azk_store__sup_client_exists(h, o.client, &yes);
    if (rc != AZK_OK)
        return rc;
    if (!yes)
        return azk_error_set(AZK_ERR_ARG, "no client %s", o.client);
    r.h = h;
    r.s.client = o.client;
    r.s.month = o.month;
    azk_ret__iso(start, r.s.start_iso);
    azk_ret__iso(end, r.s.end_iso);
    (void)snprintf(r.start_date, sizeof(r.start_date), "%.10s", r.s.start_iso);
    (void)snprintf(r.end_date, sizeof(r.end_date), "%.10s", r.s.end_iso);
    r.s.datasets = json_object();
    r.s.month_ends = json_object();
    r.s.gitems = json_object();
    r.s.handlers = json_object();
    r.s.guard_blocks = json_array();
    r.s.guard_releases = json_array();
    r.s.approvals = json_array();
    r.s.refusals = json_array();
    r.s.auth_failures = json_array();
    r.s.shreds = json_object();
    r.held = json_array();
    r.received = json_array();
    r.deleted = json_array();
    r.overdue = json_array();
    r.incomplete = json_array();
    r.opens = json_array();
    r.by_user = json_object();
    r.training = json_object();
    r.findings = json_array();
    r.certificates = json_array();
    if (!r.s.datasets || !r.s.month_ends || !r.s.gitems || !r.s.handlers || !r.s.guard_blocks ||
        !r.s.guard_releases || !r.s.approvals || !r.s.refusals || !r.s.auth_failures ||
        !r.s.shreds || !r.held || !r.received || !r.deleted || !r.overdue || !r.incomplete ||
        !r.opens || !r.by_user || !r.training || !r.findings || !r.certificates) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    /* the catalog */
    rc = azk_store__sup_datasets(h, o.client, ds_cb, &r);
    if (rc == AZK_OK)
        rc = azk_store__sup_opens(h, o.client, r.s.start_iso, r.s.end_iso, open_cb, &r);
    if (rc != AZK_OK)
        goto done;
    /* the ledger */
    rc = azk_audit_open(&a, azk_home_path(h), 0, NULL);
    if (rc == AZK_OK)
        rc = azk_sup__scan_ledger(a, &r.s);
    if (rc == AZK_OK)
        rc = ledger_section(&r, a, &led);
    if (rc == AZK_OK)
        rc = deletions(&r);
    if (rc == AZK_OK)
        rc = handlers_init(&r);
    if (rc == AZK_OK)
        rc = azk_training_status(h, end - 1, 0, training_cb, &r);
    if (rc == AZK_OK)
        rc = azk_control_list(h, "finding", o.client, end - 1, finding_cb, &r);
    if (rc == AZK_OK)
        rc = azk_sup__zone_section(h, o.client, start, end, &zone);
    if (rc == AZK_OK)
        rc = azk_sup__incidents_section(h, o.client, start, end, &incidents);
    if (rc != AZK_OK)
        goto done;
    summary = json_pack(
        "{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I}", "list_max",
        (json_int_t)AZK_SUP_LIST_MAX, "datasets_held", (json_int_t)json_array_size(r.held),
        "received", (json_int_t)json_array_size(r.received), "opens", (json_int_t)r.n_opens,
        "deleted", (json_int_t)json_array_size(r.deleted), "overdue",
        (json_int_t)json_array_size(r.overdue), "incomplete",
        (json_int_t)json_array_size(r.incomplete), "guard_blocks", (json_int_t)r.s.n_blocks,
        "approved_releases", (json_int_t)r.s.n_releases, "approvals", (json_int_t)r.s.n_approvals,
        "refusals", (json_int_t)r.s.n_refusals, "auth_failures", (json_int_t)r.s.n_auth,
        "lapsed_training", r.lapsed, "open_findings", (json_int_t)json_array_size(r.findings));
    if (summary != NULL) {
        json_t *zc = json_object_get(zone, "cases");
        if (json_object_set(summary, "zone_objects", json_object_get(zone, "objects")) != 0 ||
            json_object_set_new(
                summary, "zone_unresolved",
                json_integer(
                    json_integer_value(json_object_get(zc, "open_at_month_end")) +
                    json_integer_value(json_object_get(zc, "quarantined_at_month_end")))) != 0) {
            rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    azk_ret__iso(now, nowiso);
    if (gethostname(host, sizeof(host) - 1) != 0)
        (void)snprintf(host, sizeof(host), "unknown");
    body = json_pack("{s:s,s:i,s:I,s:s,s:s,s:{s:s,s:s},s:s,s:{s:s,s:s},s:o,"
                     "s:O,s:O,s:{s:I,s:O,s:O},s:O,s:O,s:O,"
                     "s:{s:O,s:O},s:O,s:O,s:O,s:o,s:o,s:O,s:o,s:o,s:O}",
                     "type", REPORT_TYPE, "version", 1, "revision", r.s.last_revision + 1, "client",
                     o.client, "month", o.month, "period", "from", r.s.start_iso, "to", r.s.end_iso,
                     "generated_at", nowiso, "organization", "host", host, "home", azk_home_path(h),
                     "summary", summary, "datasets_held", r.held, "received", r.received, "opened",
                     "count", (json_int_t)json_array_size(r.opens), "by_user", r.by_user, "items",
                     r.opens, "deleted", r.deleted, "overdue", r.overdue, "incomplete",
                     r.incomplete, "guard", "blocks", r.s.guard_blocks, "releases",
                     r.s.guard_releases, "approvals", r.s.approvals, "refusals", r.s.refusals,
                     "auth_failures", r.s.auth_failures, "zone_findings", zone, "training",
                     values_array(r.training), "control_findings", r.findings, "incidents",
                     incidents, "ledger", led, "certificates", r.certificates);
    summary = NULL;
    led = NULL;
    zone = NULL;
    incidents = NULL;
    if (body == NULL) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory building the report");
        goto done;
    }
    rc = azk_sign__doc(h, body, REPORT_BODY, &doc, pub);
    if (rc != AZK_OK)
        goto done;
    {
        uint8_t md[crypto_hash_sha256_BYTES];
        char hex[2 * crypto_hash_sha256_BYTES + 1], extra[200];
        struct azk_store_event ev = {0};
        crypto_hash_sha256(md, (const uint8_t *)doc, strlen(doc));
        sodium_bin2hex(hex, sizeof(hex), md, sizeof(md));
        (void)snprintf(extra, sizeof(extra),
                       "{\"month\":\"%s\",\"sha256\":\"%s\",\"ledger_size\":%llu,"
                       "\"revision\":%lld}",
                       o.month, hex, (unsigned long long)r.s.end_size,
                       (long long)(r.s.last_revision + 1));
        ev.action = "report.monthly";
        ev.object = o.client;
        ev.extra_json = extra;
        rc = azk_store__event(h, &ev, NULL);
    }
    if (rc != AZK_OK)
        goto done;
    *out = doc;
    doc = NULL;
done:
    azk_audit_close(a);
    azk_free(doc);
    json_decref(body);
    json_decref(led);
    json_decref(summary);
    json_decref(zone);
    json_decref(incidents);
    json_decref(r.s.datasets);
    json_decref(r.s.month_ends);
    json_decref(r.s.gitems);
    json_decref(r.s.handlers);
    json_decref(r.s.guard_blocks);
    json_decref(r.s.guard_releases);
    json_decref(r.s.approvals);
    json_decref(r.s.refusals);
    json_decref(r.s.auth_failures);
    json_decref(r.s.shreds);
    json_decref(r.held);
    json_decref(r.received);
    json_decref(r.deleted);
    json_decref(r.overdue);
    json_decref(r.incomplete);
    json_decref(r.opens);
    json_decref(r.by_user);
    json_decref(r.training);
    json_decref(r.findings);
    json_decref(r.certificates);
    return rc;
}
