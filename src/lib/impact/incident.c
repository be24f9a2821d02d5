/* SPDX-License-Identifier: Apache-2.0 */
/*
 * impact/incident.c -- the incident register (azukari/incident.h): a
 * recorded impact run becomes an incident in the catalog
 * (store/incidents.h) with its counts per client and dataset; its state
 * moves open -> reported -> closed by TOTP-authenticated people only
 * (retention/identity.h, the rule every front end goes through); its
 * drafts are rendered from the register by report.c. The paths scanned are
 * kept as keyed name hashes (azk_guard_name_id); no value, no file name.
 */
#include "impact/impact_int.h"
#include "retention/identity.h"
#include "store/incidents.h"

#include "azukari/guard.h"
#include "azukari/incident.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOTE_MAX  2000
#define PATHS_MAX 1000 /* name hashes kept per incident (the count is in the ledger) */

const char *azk_impact_cause_name(azk_impact_cause c)
{
    switch (c) {
        case AZK_IMPACT_CAUSE_UNAUTHORIZED_ACCESS:
            return "unauthorized-access";
        case AZK_IMPACT_CAUSE_THEFT:
            return "theft";
        case AZK_IMPACT_CAUSE_ERROR:
            return "error";
        case AZK_IMPACT_CAUSE_OTHER:
            return "other";
        default:
            return "unknown";
    }
}

int64_t azk_impact__time_id(const char *prefix, char *out, size_t cap)
{
    char stamp[20], hex[9];
    uint8_t rnd[4];
    struct timespec ts;
    struct tm tmv;
    time_t now;
    /* ids sort by time to the millisecond (the lists are newest first by id) */
    (void)clock_gettime(CLOCK_REALTIME, &ts);
    now = ts.tv_sec;
    (void)gmtime_r(&now, &tmv);
    (void)strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tmv);
    randombytes_buf(rnd, sizeof(rnd));
    sodium_bin2hex(hex, sizeof(hex), rnd, sizeof(rnd));
    (void)snprintf(out, cap, "%s-%s%03ldZ-%s", prefix, stamp, (long)(ts.tv_nsec / 1000000) % 1000,
                   hex);
    return (int64_t)now;
}

void azk_incident_free(void *p)
{
    azk_free(p);
}

/* ["name:...", ...]: keyed hashes of the paths (at most PATHS_MAX). */
static azk_status paths_json(azk_home *h, const char *const *paths, size_t n, azk_buf *out)
{
    azk_status rc = azk_buf_putc(out, '[');
    for (size_t i = 0; rc == AZK_OK && i < n && i < PATHS_MAX; i++) {
        char id[38];
        rc = azk_guard_name_id(azk_home_path(h), paths[i], id);
        if (rc == AZK_OK)
            rc = azk_buf_printf(out, "%s\"%s\"", i > 0 ? "," : "", id);
    }
    if (rc == AZK_OK)
        rc = azk_buf_putc(out, ']');
    return rc;
}

azk_status azk_incident_record(azk_home *h, const azk_impact_result *r, const char *const *paths,
                               size_t path_count, const azk_incident_options *o_in,
                               char id[AZK_INCIDENT_ID_MAX])
{
    static const azk_incident_options o_def = AZK_INCIDENT_OPTIONS_INIT;
    azk_incident_options o;
    azk_impact_deadlines dl;
    struct azk_store_incident in;
    struct azk_store_event ev = {0};
    azk_buf pj = AZK_BUF_INIT;
    char extra[320];
    int64_t now;
    azk_status rc;

    if (azk__options_in(&o, sizeof(o), &o_def, o_in, false, "azk_incident_options") != AZK_OK)
        return azk_error_last()->code;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && r != NULL && id != NULL && (paths != NULL || path_count == 0));
    id[0] = '\0';
    if (path_count == 0)
        return azk_error_set(AZK_ERR_ARG, "incident: no path was scanned");
    for (size_t i = 0; i < path_count; i++)
        if (paths[i] == NULL)
            return azk_error_set(AZK_ERR_ARG, "incident: a path is missing");
    /* a known date that is not a real day is refused here as in the drafts */
    rc = azk_impact_deadlines_compute(r, o.known_date, o.cause, &dl);
    if (rc != AZK_OK)
        return rc;
    if (o.contractor != NULL &&
        (strlen(o.contractor) > 200 ||
         !azk_utf8_valid((const uint8_t *)o.contractor, strlen(o.contractor))))
        return azk_error_set(AZK_ERR_ARG, "incident: the contractor's name must be UTF-8, at "
                                          "most 200 bytes");
    rc = paths_json(h, paths, path_count, &pj);
    if (rc != AZK_OK) {
        azk_buf_dispose(&pj);
        return rc;
    }
    now = azk_impact__time_id("INC", id, AZK_INCIDENT_ID_MAX);
    memset(&in, 0, sizeof(in));
    in.id = id;
    in.created_at = (int64_t)now;
    in.created_by = azk_store__actor(h);
    in.known_date = o.known_date;
    in.cause = azk_impact_cause_name(o.cause);
    in.contractor = o.contractor;
    in.paths = (const char *)pj.data;
    (void)snprintf(extra, sizeof(extra),
                   "{\"clients\":%zu,\"datasets\":%zu,\"records\":%llu,\"persons\":%llu,"
                   "\"probable\":%llu,\"paths\":%zu,\"as_of\":\"%s\"}",
                   r->client_count, r->dataset_count, (unsigned long long)r->records,
                   (unsigned long long)r->persons, (unsigned long long)r->probable, path_count,
                   r->as_of);
    ev.action = "incident.create";
    ev.object = id;
    ev.extra_json = extra;
    rc = azk_store__incident_insert(h, &in, r, &ev);
    azk_buf_dispose(&pj);
    if (rc != AZK_OK)
        id[0] = '\0';
    return rc;
}

azk_status azk_incident_set_state(azk_home *h, const char *id, const char *state, const char *note)
{
    struct azk_store_event ev = {0};
    const char *me = NULL;
    char from[16], extra[96];
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL && state != NULL);
    if (strlen(id) >= AZK_INCIDENT_ID_MAX)
        return azk_error_set(AZK_ERR_NOTFOUND, "no such incident");
    if (strcmp(state, "reported") != 0 && strcmp(state, "closed") != 0)
        return azk_error_set(AZK_ERR_ARG, "incident: the state must be reported or closed");
    if (note != NULL &&
        (strlen(note) > NOTE_MAX || !azk_utf8_valid((const uint8_t *)note, strlen(note))))
        return azk_error_set(AZK_ERR_ARG, "incident: a note is UTF-8 text of at most %d bytes",
                             NOTE_MAX);
    if (note != NULL && note[0] == '\0')
        note = NULL;
    rc = azk_identity__requester(h, "incident.state", id, &me);
    if (rc != AZK_OK)
        return rc;
    (void)snprintf(extra, sizeof(extra), "{\"state\":\"%s\"}", state);
    ev.action = "incident.state";
    ev.object = id;
    ev.extra_json = extra;
    return azk_store__incident_state(h, id, state, me, (int64_t)time(NULL), note, &ev, from);
}

azk_status azk_incident_open_count(azk_home *h, uint64_t *n)
{
    int64_t v = 0;
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && n != NULL);
    rc = azk_store__incidents_open_count(h, NULL, &v);
    *n = rc == AZK_OK && v > 0 ? (uint64_t)v : 0;
    return rc;
}

struct lister {
    azk_incident_cb cb;
    void *payload;
    size_t n;
    char last[AZK_INCIDENT_ID_MAX];
};

static azk_status list_cb(const char *const *c, size_t n, void *payload)
{
    struct lister *l = payload;
    azk_incident_info i;
    (void)n;
    memset(&i, 0, sizeof(i));
    i.id = c[0] != NULL ? c[0] : "";
    i.created_at = c[1] != NULL ? strtoll(c[1], NULL, 10) : 0;
    i.created_by = c[2] != NULL ? c[2] : "";
    i.state = c[3] != NULL ? c[3] : "";
    i.state_by = c[4];
    i.records = c[6] != NULL ? strtoull(c[6], NULL, 10) : 0;
    i.persons = c[7] != NULL ? strtoull(c[7], NULL, 10) : 0;
    i.probable = c[8] != NULL ? strtoull(c[8], NULL, 10) : 0;
    (void)snprintf(l->last, sizeof(l->last), "%s", i.id);
    l->n++;
    return l->cb(&i, l->payload);
}

azk_status azk_incident_list(azk_home *h, const char *state, azk_incident_cb cb, void *payload)
{
    struct lister l;
    azk_status rc = AZK_OK;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    if (state != NULL && strcmp(state, "open") != 0 && strcmp(state, "reported") != 0 &&
        strcmp(state, "closed") != 0)
        return azk_error_set(AZK_ERR_ARG, "incident: the state must be open, reported or closed");
    memset(&l, 0, sizeof(l));
    l.cb = cb;
    l.payload = payload;
    do { /* a page at a time, the cursor on the id */
        char after[AZK_INCIDENT_ID_MAX];
        bool first = l.last[0] == '\0';
        (void)snprintf(after, sizeof(after), "%s", l.last);
        l.n = 0;
        rc = azk_store__incidents_page(h, NULL, state, first ? NULL : after, 500, list_cb, &l);
    } while (rc == AZK_OK && l.n == 500);
    return rc;
}

/* ---- drafts from the register ------------------------------------------------ */

struct rebuild {
    azk_impact_result r;
    char known[11];
    char contractor[256];
    bool has_known, has_contractor;
    azk_impact_cause cause;
    const char *only; /* a client's notice: only its rows */
};

static uint64_t u64(const char *s)
{
    return s != NULL ? strtoull(s, NULL, 10) : 0;
}

static char *dup_or(const char *s, const char *dflt)
{
    return azk_strdup(s != NULL ? s : dflt);
}

static azk_status head_cb(const char *const *c, size_t n, void *payload)
{
    struct rebuild *b = payload;
    azk_impact_result *r = &b->r;
    (void)n;
    (void)snprintf(r->as_of, sizeof(r->as_of), "%s", c[3] != NULL ? c[3] : "");
    b->has_known = c[4] != NULL;
    (void)snprintf(b->known, sizeof(b->known), "%s", c[4] != NULL ? c[4] : "");
    if (!azk_impact_cause_parse(c[5], &b->cause))
        b->cause = AZK_IMPACT_CAUSE_UNKNOWN;
    b->has_contractor = c[6] != NULL;
    (void)snprintf(b->contractor, sizeof(b->contractor), "%s", c[6] != NULL ? c[6] : "");
    r->files = u64(c[7]);
    r->objects = u64(c[8]);
    r->objects_hit = u64(c[9]);
    r->errors = u64(c[10]);
    r->datasets_all = u64(c[11]);
    r->records = u64(c[12]);
    r->persons = u64(c[13]);
    r->persons_by_client = u64(c[14]);
    r->unusable = u64(c[15]);
    r->candidates = u64(c[16]);
    r->probable = u64(c[17]);
    r->kinds = (uint32_t)u64(c[18]);
    r->kinds_seen = (uint32_t)u64(c[19]);
    return AZK_OK;
}

static azk_status client_cb(const char *const *c, size_t n, void *payload)
{
    struct rebuild *b = payload;
    azk_impact_result *r = &b->r;
    azk_impact_client *g;
    if (b->only != NULL && (c[0] == NULL || strcmp(c[0], b->only) != 0))
        return AZK_OK;
    g = azk_realloc(r->clients, (r->client_count + 1) * sizeof(*g));
    if (g == NULL)
        return azk_error_nomem();
    r->clients = g;
    g = &r->clients[r->client_count++];
    memset(g, 0, sizeof(*g));
    g->client = dup_or(c[0], "");
    g->name = dup_or(c[1], "");
    g->records = u64(c[2]);
    g->persons = u64(c[3]);
    g->kinds = (uint32_t)u64(c[4]);
    g->kinds_seen = (uint32_t)u64(c[5]);
    g->datasets = (size_t)u64(c[6]);
    g->past_deadline = (size_t)u64(c[7]);
    g->list_rows = u64(c[8]);
    g->persons_strict = n >= 10 && c[9] != NULL ? u64(c[9]) : 0; /* NULL before schema 8 */
    /* the notice only asks whether a list was written: its path is not kept */
    g->list_path = g->list_rows > 0 ? azk_strdup("-") : NULL;
    if (g->client == NULL || g->name == NULL || (g->list_rows > 0 && g->list_path == NULL))
        return azk_error_nomem();
    return AZK_OK;
}

static azk_status dataset_cb(const char *const *c, size_t n, void *payload)
{
    struct rebuild *b = payload;
    azk_impact_result *r = &b->r;
    azk_impact_dataset *d;
    if (b->only != NULL && (c[0] == NULL || strcmp(c[0], b->only) != 0))
        return AZK_OK;
    d = azk_realloc(r->datasets, (r->dataset_count + 1) * sizeof(*d));
    if (d == NULL)
        return azk_error_nomem();
    r->datasets = d;
    d = &r->datasets[r->dataset_count++];
    memset(d, 0, sizeof(*d));
    d->client = dup_or(c[0], "");
    d->dataset = dup_or(c[1], "");
    d->purpose = dup_or(c[2], "");
    d->created_at = dup_or(c[3], "");
    d->source_name = azk_strdup("—"); /* not in the register */
    d->total = u64(c[4]);
    d->records = u64(c[5]);
    d->persons = u64(c[6]);
    d->candidates = u64(c[7]);
    d->probable = u64(c[8]);
    d->objects = u64(c[9]);
    d->kinds = (uint32_t)u64(c[10]);
    d->kinds_seen = (uint32_t)u64(c[11]);
    d->retain_until = dup_or(c[12], "");
    d->past_deadline = u64(c[13]) != 0;
    d->days_overdue = u64(c[14]);
    /* the basis of the records (schema 8; NULL before: the draft says it is not known) */
    if (n >= 20 && c[15] != NULL) {
        d->strict = u64(c[15]);
        d->name_birth = u64(c[16]);
        d->household = u64(c[17]);
        d->name_birth_other = (double)u64(c[18]) / 1e9;
        d->household_other = (double)u64(c[19]) / 1e9;
    }
    if (!d->client || !d->dataset || !d->purpose || !d->created_at || !d->source_name ||
        !d->retain_until)
        return azk_error_nomem();
    return AZK_OK;
}

azk_status azk_incident_draft(azk_home *h, const char *id, const char *client, char **out)
{
    struct rebuild b;
    azk_impact_report_options ro = AZK_IMPACT_REPORT_OPTIONS_INIT;
    azk_buf md = AZK_BUF_INIT;
    bool found = false;
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL && out != NULL);
    *out = NULL;
    memset(&b, 0, sizeof(b));
    b.only = client;
    rc = azk_store__incident_get(h, id, NULL, head_cb, &b, &found);
    if (rc == AZK_OK && !found)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no such incident");
    if (rc == AZK_OK)
        rc = azk_store__incident_clients(h, id, NULL, client_cb, &b);
    if (rc == AZK_OK)
        rc = azk_store__incident_datasets(h, id, NULL, dataset_cb, &b);
    if (rc == AZK_OK) {
        ro.known_date = b.has_known ? b.known : NULL;
        ro.cause = b.cause;
        ro.contractor = b.has_contractor ? b.contractor : NULL;
        rc = azk_impact__draft_md(&b.r, &ro, client, &md);
    }
    if (rc == AZK_OK && md.data == NULL)
        rc = azk_buf_puts(&md, "");
    if (rc == AZK_OK)
        *out = azk_buf_detach(&md);
    azk_buf_dispose(&md);
    azk_impact_result_dispose(&b.r);
    return rc;
}
