/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/incidents.c -- the incident register's SQL (store/incidents.h), in
 * the dialect common to SQLite and PostgreSQL (store/db.h): the insert of
 * a recorded impact run with its counts per client and dataset, state
 * changes with their step and ledger event, and the paged reads of the
 * serve pages, the dashboard and the monthly report.
 */
#include "store/incidents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS 24

/* A bound parameter: text (NULL binds NULL) or integer. */
struct arg {
    const char *t;
    int64_t i;
    bool is_int;
};
#define TXT(v)                                                                                     \
    {                                                                                              \
        (v), 0, false                                                                              \
    }
#define INT(v)                                                                                     \
    {                                                                                              \
        NULL, (int64_t)(v), true                                                                   \
    }

/* An expected number of records kept as an integer count of 1e-9 records (schema 8). */
static int64_t nano(double v)
{
    if (!(v > 0))
        return 0;
    if (v > 9e9)
        v = 9e9;
    return (int64_t)(v * 1e9 + 0.5);
}

static azk_status query(azk_home *h, const char *what, const char *sql, const struct arg *a,
                        size_t n, size_t ncols, azk_store_row_cb cb, void *payload, size_t *rows)
{
    azk_db_stmt *st = NULL;
    azk_status rc = azk_db_prepare(h->cat, &st, sql, what);
    int s;
    if (rows != NULL)
        *rows = 0;
    if (rc != AZK_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (a[i].is_int)
            azk_db_bind_int64(st, (int)i + 1, a[i].i);
        else
            azk_db_bind_text(st, (int)i + 1, a[i].t);
    }
    while ((s = azk_db_step(st)) == AZK_DB_ROW) {
        const char *cols[MAX_COLS];
        for (size_t c = 0; c < ncols && c < MAX_COLS; c++)
            cols[c] = azk_db_col_text(st, (int)c);
        if (rows != NULL)
            (*rows)++;
        rc = cb(cols, ncols, payload);
        if (rc != AZK_OK)
            break;
    }
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}

static azk_status exec_args(azk_home *h, const char *what, const char *sql, const struct arg *a,
                            size_t n, int64_t *changes)
{
    azk_db_stmt *st = NULL;
    azk_status rc = azk_db_prepare(h->cat, &st, sql, what);
    if (rc != AZK_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (a[i].is_int)
            azk_db_bind_int64(st, (int)i + 1, a[i].i);
        else
            azk_db_bind_text(st, (int)i + 1, a[i].t);
    }
    rc = azk_db_run(st);
    if (rc == AZK_OK && changes != NULL)
        *changes = azk_db_changes(st);
    azk_db_finalize(st);
    return rc;
}

#define N(a) (sizeof(a) / sizeof((a)[0]))

azk_status azk_store__incident_insert(azk_home *h, const struct azk_store_incident *in,
                                      const azk_impact_result *r, const struct azk_store_event *ev)
{
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && in != NULL && in->id != NULL && in->created_by != NULL &&
                   in->cause != NULL && in->paths != NULL && r != NULL && ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const struct arg a[] = {TXT(in->id),         INT(in->created_at), TXT(in->created_by),
                                TXT(r->as_of),       TXT(in->known_date), TXT(in->cause),
                                TXT(in->contractor), INT(r->files),       INT(r->objects),
                                INT(r->objects_hit), INT(r->errors),      INT(r->datasets_all),
                                INT(r->records),     INT(r->persons),     INT(r->persons_by_client),
                                INT(r->unusable),    INT(r->candidates),  INT(r->probable),
                                INT(r->kinds),       INT(r->kinds_seen),  TXT(in->paths)};
        rc = exec_args(h, "record incident",
                       "INSERT INTO incidents(id, created_at, created_by, as_of, known_date, cause,"
                       " contractor, files, objects, objects_hit, errors, datasets_all, records,"
                       " persons, persons_by_client, unusable, candidates, probable, kinds,"
                       " kinds_seen, paths, state) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                       " ?, ?, ?, ?, ?, ?, ?, ?, 'open')",
                       a, N(a), NULL);
    }
    for (size_t i = 0; rc == AZK_OK && i < r->client_count; i++) {
        const azk_impact_client *c = &r->clients[i];
        const struct arg a[] = {
            TXT(in->id),           TXT(c->client),    TXT(c->name ? c->name : ""), INT(c->records),
            INT(c->persons),       INT(c->kinds),     INT(c->kinds_seen),          INT(c->datasets),
            INT(c->past_deadline), INT(c->list_rows), INT(c->persons_strict)};
        rc = exec_args(h, "record incident client",
                       "INSERT INTO incident_clients(incident_id, client, name, records, persons,"
                       " kinds, kinds_seen, datasets, past_deadline, list_rows, persons_strict)"
                       " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       a, N(a), NULL);
    }
    for (size_t i = 0; rc == AZK_OK && i < r->dataset_count; i++) {
        const azk_impact_dataset *d = &r->datasets[i];
        const struct arg a[] = {TXT(in->id),
                                TXT(d->client),
                                TXT(d->dataset),
                                TXT(d->purpose ? d->purpose : ""),
                                TXT(d->created_at),
                                INT(d->total),
                                INT(d->records),
                                INT(d->persons),
                                INT(d->candidates),
                                INT(d->probable),
                                INT(d->objects),
                                INT(d->kinds),
                                INT(d->kinds_seen),
                                TXT(d->retain_until ? d->retain_until : ""),
                                INT(d->past_deadline ? 1 : 0),
                                INT(d->days_overdue),
                                INT(d->strict),
                                INT(d->name_birth),
                                INT(d->household),
                                INT(nano(d->name_birth_other)),
                                INT(nano(d->household_other))};
        rc = exec_args(h, "record incident dataset",
                       "INSERT INTO incident_datasets(incident_id, client, dataset, purpose,"
                       " received_at, total, records, persons, candidates, probable, objects,"
                       " kinds, kinds_seen, retain_until, past_deadline, days_overdue,"
                       " basis_strict, basis_name_birth, basis_household, name_birth_false_n,"
                       " household_false_n)"
                       " VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       a, N(a), NULL);
    }
    if (rc == AZK_OK) {
        const struct arg a[] = {TXT(in->id), INT(in->created_at), TXT(in->created_by)};
        rc = exec_args(h, "record incident step",
                       "INSERT INTO incident_steps(incident_id, n, at, actor, state, note)"
                       " VALUES(?, 0, ?, ?, 'open', NULL)",
                       a, N(a), NULL);
    }
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

struct state_read {
    char state[16];
    int64_t steps;
};

static azk_status state_cb(const char *const *cols, size_t n, void *payload)
{
    struct state_read *s = payload;
    (void)n;
    (void)snprintf(s->state, sizeof(s->state), "%s", cols[0] != NULL ? cols[0] : "");
    s->steps = cols[1] != NULL ? strtoll(cols[1], NULL, 10) : 0;
    return AZK_OK;
}

static bool move_allowed(const char *from, const char *to)
{
    if (strcmp(to, "reported") == 0)
        return strcmp(from, "open") == 0;
    if (strcmp(to, "closed") == 0)
        return strcmp(from, "open") == 0 || strcmp(from, "reported") == 0;
    return false;
}

azk_status azk_store__incident_state(azk_home *h, const char *id, const char *to, const char *by,
                                     int64_t at, const char *note, const struct azk_store_event *ev,
                                     char from[16])
{
    struct state_read s = {"", 0};
    size_t nrows = 0;
    int64_t changed = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && to != NULL && by != NULL && ev != NULL &&
                   from != NULL);
    from[0] = '\0';
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const struct arg a[] = {TXT(id)};
        rc = query(h, "read incident state",
                   "SELECT state, (SELECT COUNT(*) FROM incident_steps WHERE incident_id = i.id)"
                   " FROM incidents i WHERE id = ?",
                   a, N(a), 2, state_cb, &s, &nrows);
    }
    if (rc == AZK_OK && nrows == 0)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no incident %s", id);
    if (rc == AZK_OK)
        (void)snprintf(from, 16, "%s", s.state);
    if (rc == AZK_OK && !move_allowed(s.state, to))
        rc = azk_error_set(AZK_ERR_ARG, "incident %s is %s: it cannot become %s", id, s.state, to);
    if (rc == AZK_OK) {
        const struct arg a[] = {TXT(to), TXT(by), INT(at), TXT(id), TXT(s.state)};
        rc = exec_args(h, "change incident state",
                       "UPDATE incidents SET state = ?, state_by = ?, state_at = ? WHERE id = ?"
                       " AND state = ?",
                       a, N(a), &changed);
    }
    if (rc == AZK_OK && changed != 1)
        rc = azk_error_set(AZK_ERR_ARG, "incident %s changed meanwhile", id);
    if (rc == AZK_OK) {
        const struct arg a[] = {TXT(id), INT(s.steps), INT(at), TXT(by), TXT(to), TXT(note)};
        rc = exec_args(h, "record incident step",
                       "INSERT INTO incident_steps(incident_id, n, at, actor, state, note)"
                       " VALUES(?, ?, ?, ?, ?, ?)",
                       a, N(a), NULL);
    }
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

/* The clients of the viewer (NULL viewer: every client). Two parameters: viewer, viewer. */
#define MINE(col)                                                                                  \
    "(CAST(? AS TEXT) IS NULL OR " col " IN (SELECT client FROM user_grants WHERE name = ?))"

/* What the records of an incident rest on (schema 8), summed over its datasets
 * that `cond` keeps: NULL for incidents recorded before (the columns are NULL). */
#define BASES(cond)                                                                                \
    " (SELECT SUM(d.basis_strict) FROM incident_datasets d WHERE d.incident_id = i.id AND " cond   \
    "),"                                                                                           \
    " (SELECT SUM(d.basis_name_birth) FROM incident_datasets d WHERE d.incident_id = i.id "        \
    "AND " cond "),"                                                                               \
    " (SELECT SUM(d.basis_household) FROM incident_datasets d WHERE d.incident_id = i.id "         \
    "AND " cond "),"                                                                               \
    " (SELECT SUM(d.name_birth_false_n) FROM incident_datasets d WHERE d.incident_id = i.id "      \
    "AND " cond "),"                                                                               \
    " (SELECT SUM(d.household_false_n) FROM incident_datasets d WHERE d.incident_id = i.id "       \
    "AND " cond ")"

azk_status azk_store__incidents_page(azk_home *h, const char *viewer, const char *state,
                                     const char *after, size_t limit, azk_store_row_cb cb,
                                     void *payload)
{
    AZK_ASSERT_ARG(h != NULL && cb != NULL && limit > 0);
    if (viewer == NULL) {
        const struct arg a[] = {TXT(after), TXT(after), TXT(state), TXT(state), INT(limit)};
        return query(
            h, "list incidents",
            "SELECT i.id, i.created_at, i.created_by, i.state, i.state_by, i.state_at,"
            " i.records, i.persons, i.probable," BASES(
                "1 = 1") " FROM incidents i WHERE (CAST(? AS TEXT) IS NULL OR i.id < ?)"
                         " AND (CAST(? AS TEXT) IS NULL OR i.state = ?) ORDER BY i.id DESC LIMIT ?",
            a, N(a), AZK_STORE_INCIDENT_LIST_COLS, cb, payload, NULL);
    }
    {
        const struct arg a[] = {TXT(viewer), TXT(viewer), TXT(viewer), TXT(viewer), TXT(viewer),
                                TXT(viewer), TXT(viewer), TXT(viewer), TXT(viewer), TXT(viewer),
                                TXT(viewer), TXT(viewer), TXT(viewer), TXT(viewer), TXT(viewer),
                                TXT(viewer), TXT(viewer), TXT(viewer), TXT(after),  TXT(after),
                                TXT(state),  TXT(state),  INT(limit)};
        return query(
            h, "list incidents of a client",
            "SELECT i.id, i.created_at, i.created_by, i.state, i.state_by, i.state_at,"
            " (SELECT COALESCE(SUM(c.records), 0) FROM incident_clients c"
            "  WHERE c.incident_id = i.id AND " MINE(
                "c.client") "),"
                            " (SELECT COALESCE(SUM(c.persons), 0) FROM incident_clients c"
                            "  WHERE c.incident_id = i.id AND " MINE(
                                "c.client") "),"
                                            " (SELECT COALESCE(SUM(d.probable), 0) FROM "
                                            "incident_datasets d"
                                            "  WHERE d.incident_id = i.id AND " MINE(
                                                "d."
                                                "clie"
                                                "nt") ")," BASES(MINE("d.client")) " FROM "
                                                                                   "incidents i "
                                                                                   "WHERE "
                                                                                   "EXISTS(SELECT "
                                                                                   "1 FROM "
                                                                                   "incident_"
                                                                                   "clients c"
                                                                                   "  WHERE "
                                                                                   "c.incident_id "
                                                                                   "= "
                                                                                   "i.id AND " MINE(
                                                                                       "c.client") ")"
                                                                                                   " AND "
                                                                                                   "(CAST(? "
                                                                                                   "AS "
                                                                                                   "TEXT) "
                                                                                                   "IS NULL "
                                                                                                   "OR i.id "
                                                                                                   "< ?) "
                                                                                                   "AND "
                                                                                                   "(CAST(? "
                                                                                                   "AS "
                                                                                                   "TEXT) "
                                                                                                   "IS NULL "
                                                                                                   "OR"
                                                                                                   " i."
                                                                                                   "state = "
                                                                                                   "?) "
                                                                                                   "ORDER "
                                                                                                   "BY i.id "
                                                                                                   "DESC "
                                                                                                   "LIMIT ?",
            a, N(a), AZK_STORE_INCIDENT_LIST_COLS, cb, payload, NULL);
    }
}

azk_status azk_store__incident_get(azk_home *h, const char *id, const char *viewer,
                                   azk_store_row_cb cb, void *payload, bool *found)
{
    const struct arg a[] = {TXT(id), TXT(viewer), TXT(viewer)};
    size_t n = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && cb != NULL && found != NULL);
    rc = query(h, "read incident",
               "SELECT id, created_at, created_by, as_of, known_date, cause, contractor, files,"
               " objects, objects_hit, errors, datasets_all, records, persons, persons_by_client,"
               " unusable, candidates, probable, kinds, kinds_seen, paths, state, state_by,"
               " state_at FROM incidents i WHERE id = ? AND (CAST(? AS TEXT) IS NULL OR EXISTS("
               "SELECT 1 FROM incident_clients c WHERE c.incident_id = i.id AND"
               " c.client IN (SELECT client FROM user_grants WHERE name = ?)))",
               a, N(a), AZK_STORE_INCIDENT_COLS, cb, payload, &n);
    *found = rc == AZK_OK && n > 0;
    return rc;
}

azk_status azk_store__incident_clients(azk_home *h, const char *id, const char *viewer,
                                       azk_store_row_cb cb, void *payload)
{
    const struct arg a[] = {TXT(id), TXT(viewer), TXT(viewer)};
    AZK_ASSERT_ARG(h != NULL && id != NULL && cb != NULL);
    return query(h, "read incident clients",
                 "SELECT client, name, records, persons, kinds, kinds_seen, datasets,"
                 " past_deadline, list_rows, persons_strict FROM incident_clients WHERE "
                 "incident_id = ? AND " MINE("client") " ORDER BY client",
                 a, N(a), AZK_STORE_INCIDENT_CLIENT_COLS, cb, payload, NULL);
}

azk_status azk_store__incident_datasets(azk_home *h, const char *id, const char *viewer,
                                        azk_store_row_cb cb, void *payload)
{
    const struct arg a[] = {TXT(id), TXT(viewer), TXT(viewer)};
    AZK_ASSERT_ARG(h != NULL && id != NULL && cb != NULL);
    return query(h, "read incident datasets",
                 "SELECT client, dataset, purpose, received_at, total, records, persons,"
                 " candidates, probable, objects, kinds, kinds_seen, retain_until, past_deadline,"
                 " days_overdue, basis_strict, basis_name_birth, basis_household,"
                 " name_birth_false_n, household_false_n FROM incident_datasets"
                 " WHERE incident_id = ? AND " MINE("client") " ORDER BY client, dataset",
                 a, N(a), AZK_STORE_INCIDENT_DATASET_COLS, cb, payload, NULL);
}

azk_status azk_store__incident_steps(azk_home *h, const char *id, azk_store_row_cb cb,
                                     void *payload)
{
    const struct arg a[] = {TXT(id)};
    AZK_ASSERT_ARG(h != NULL && id != NULL && cb != NULL);
    return query(h, "read incident steps",
                 "SELECT n, at, actor, state, note FROM incident_steps WHERE incident_id = ?"
                 " ORDER BY n",
                 a, N(a), 5, cb, payload, NULL);
}

static azk_status count_cb(const char *const *cols, size_t n, void *payload)
{
    (void)n;
    *(int64_t *)payload = cols[0] != NULL ? strtoll(cols[0], NULL, 10) : 0;
    return AZK_OK;
}

azk_status azk_store__incidents_open_count(azk_home *h, const char *viewer, int64_t *n)
{
    const struct arg a[] = {TXT(viewer), TXT(viewer)};
    AZK_ASSERT_ARG(h != NULL && n != NULL);
    *n = 0;
    return query(h, "count open incidents",
                 "SELECT COUNT(*) FROM incidents i WHERE state <> 'closed' AND (CAST(? AS TEXT)"
                 " IS NULL OR EXISTS(SELECT 1 FROM incident_clients c WHERE c.incident_id = i.id"
                 " AND c.client IN (SELECT client FROM user_grants WHERE name = ?)))",
                 a, N(a), 1, count_cb, n, NULL);
}

azk_status azk_store__incidents_month(azk_home *h, const char *client, int64_t start, int64_t end,
                                      azk_store_row_cb cb, void *payload)
{
    const struct arg a[] = {INT(end),    TXT(client), TXT(client), TXT(client),
                            TXT(client), TXT(client), TXT(client), TXT(client),
                            TXT(client), INT(end),    INT(start),  INT(start)};
    AZK_ASSERT_ARG(h != NULL && client != NULL && cb != NULL);
    return query(
        h, "incidents of a client's month",
        "SELECT i.id, i.created_at,"
        " (SELECT s.state FROM incident_steps s WHERE s.incident_id = i.id AND s.at < ?"
        "  ORDER BY s.n DESC LIMIT 1),"
        " c.records, c.persons,"
        " (SELECT COALESCE(SUM(d.probable), 0) FROM incident_datasets d"
        "  WHERE d.incident_id = i.id AND d.client = ?),"
        " c.datasets," BASES("d.client = ?") " FROM incidents i JOIN incident_clients c ON "
                                             "c.incident_id = i.id AND c.client = ?"
                                             " WHERE c.client = ? AND i.created_at < ? AND NOT "
                                             "(i.created_at < ? AND COALESCE("
                                             "  (SELECT s.state FROM incident_steps s WHERE "
                                             "s.incident_id = i.id AND s.at < ?"
                                             "   ORDER BY s.n DESC LIMIT 1), 'open') = 'closed')"
                                             " ORDER BY i.id",
        a, N(a), 12, cb, payload, NULL);
}

/* ---- impact jobs ---------------------------------------------------------- */

#define JOB_SELECT                                                                                 \
    "SELECT id, label, known_date, cause, state, requested_by, requested_at, decided_by,"          \
    " decided_at, started_at, finished_at, incident, error, records, probable,"                    \
    " (SELECT SUM(d.basis_strict) FROM incident_datasets d"                                        \
    "  WHERE d.incident_id = impact_jobs.incident), population FROM impact_jobs"

azk_status azk_store__impact_job_insert(azk_home *h, const char *id, const char *label,
                                        const char *known_date, const char *cause,
                                        int64_t population, const char *by, int64_t at,
                                        const struct azk_store_event *ev)
{
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && label != NULL && cause != NULL && by != NULL &&
                   ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const struct arg a[] = {TXT(id), TXT(label), TXT(known_date), TXT(cause),
                                TXT(by), INT(at),    INT(population)};
        rc = exec_args(h, "record impact job",
                       "INSERT INTO impact_jobs(id, label, known_date, cause, state, requested_by,"
                       " requested_at, population) VALUES(?, ?, ?, ?, 'pending', ?, ?,"
                       " NULLIF(?, 0))",
                       a, N(a), NULL);
    }
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__impact_job_get(azk_home *h, const char *id, azk_store_row_cb cb,
                                     void *payload, bool *found)
{
    const struct arg a[] = {TXT(id)};
    size_t n = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && cb != NULL && found != NULL);
    rc = query(h, "read impact job", JOB_SELECT " WHERE id = ?", a, N(a), AZK_STORE_JOB_COLS, cb,
               payload, &n);
    *found = rc == AZK_OK && n > 0;
    return rc;
}

azk_status azk_store__impact_jobs_page(azk_home *h, const char *after, size_t limit,
                                       azk_store_row_cb cb, void *payload)
{
    const struct arg a[] = {TXT(after), TXT(after), INT(limit)};
    AZK_ASSERT_ARG(h != NULL && cb != NULL && limit > 0);
    return query(h, "list impact jobs",
                 JOB_SELECT " WHERE (CAST(? AS TEXT) IS NULL OR id < ?) ORDER BY id DESC LIMIT ?",
                 a, N(a), AZK_STORE_JOB_COLS, cb, payload, NULL);
}

azk_status azk_store__impact_job_move(azk_home *h, const char *id, const char *from, const char *to,
                                      const char *by, int64_t at, const struct azk_store_event *ev)
{
    int64_t changed = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && from != NULL && to != NULL && ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    if (strcmp(to, "running") == 0) {
        const struct arg a[] = {INT(at), TXT(id), TXT(from)};
        rc = exec_args(h, "start impact job",
                       "UPDATE impact_jobs SET state = 'running', started_at = ? WHERE id = ?"
                       " AND state = ?",
                       a, N(a), &changed);
    } else {
        const struct arg a[] = {TXT(to), TXT(by), INT(at), TXT(id), TXT(from)};
        rc = exec_args(h, "decide impact job",
                       "UPDATE impact_jobs SET state = ?, decided_by = ?, decided_at = ?"
                       " WHERE id = ? AND state = ?",
                       a, N(a), &changed);
    }
    if (rc == AZK_OK && changed != 1)
        rc = azk_error_set(AZK_ERR_ARG, "impact job %s is no longer %s", id, from);
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

azk_status azk_store__impact_job_finish(azk_home *h, const char *id, const char *state, int64_t at,
                                        const char *incident, const char *error, int64_t records,
                                        int64_t probable, const struct azk_store_event *ev)
{
    int64_t changed = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && state != NULL && ev != NULL);
    rc = azk_store__tx_begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const struct arg a[] = {TXT(state),   INT(at),       TXT(incident), TXT(error),
                                INT(records), INT(probable), TXT(id)};
        rc = exec_args(h, "finish impact job",
                       "UPDATE impact_jobs SET state = ?, finished_at = ?, incident = ?, error = ?,"
                       " records = ?, probable = ? WHERE id = ? AND state = 'running'",
                       a, N(a), &changed);
    }
    if (rc == AZK_OK && changed != 1)
        rc = azk_error_set(AZK_ERR_ARG, "impact job %s is not running", id);
    if (rc == AZK_OK)
        rc = azk_store__event(h, ev, NULL);
    return azk_store__tx_end(h, rc);
}

static azk_status next_cb(const char *const *cols, size_t n, void *payload)
{
    (void)n;
    (void)snprintf(payload, 48, "%s", cols[0] != NULL ? cols[0] : "");
    return AZK_OK;
}

azk_status azk_store__impact_job_running(azk_home *h, char id[48], bool *found)
{
    size_t n = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && found != NULL);
    id[0] = '\0';
    rc = query(h, "running impact job",
               "SELECT id FROM impact_jobs WHERE state = 'running' ORDER BY id LIMIT 1", NULL, 0, 1,
               next_cb, id, &n);
    *found = rc == AZK_OK && n > 0;
    return rc;
}

azk_status azk_store__impact_job_next(azk_home *h, char id[48], bool *found)
{
    size_t n = 0;
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && id != NULL && found != NULL);
    id[0] = '\0';
    rc = query(h, "next impact job",
               "SELECT id FROM impact_jobs WHERE state = 'queued' ORDER BY decided_at, id LIMIT 1",
               NULL, 0, 1, next_cb, id, &n);
    *found = rc == AZK_OK && n > 0;
    return rc;
}
