/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/incidents.h -- the incident register in the catalog (tables
 * incidents, incident_clients, incident_datasets, incident_steps of schema
 * 6): one incident per recorded impact run (impact/incident.c), its counts
 * per client and dataset, and every state change (open, reported, closed)
 * with who and when. Counts, ids, dates and keyed name hashes only: no
 * personal value and no file name is ever stored here. Reads hand each row
 * to a callback as its column texts (NULL = SQL NULL), in the order given
 * at each function; `viewer` (a user name, or NULL for everything) limits
 * reads to the clients granted to that user (user_grants). Writes run in
 * one transaction with their ledger event. Not public API.
 */
#ifndef AZK_STORE_INCIDENTS_H
#define AZK_STORE_INCIDENTS_H

#include "store/event.h"
#include "store/serve_views.h"
#include "azukari/impact.h"

/* What an incident records besides the impact result. Strings borrowed. */
struct azk_store_incident {
    const char *id;
    int64_t created_at; /* Unix seconds */
    const char *created_by;
    const char *known_date; /* NULL = not given */
    const char *cause;      /* "unknown", "unauthorized-access", ... */
    const char *contractor; /* NULL = not given */
    const char *paths;      /* JSON array of keyed name hashes of the paths scanned */
};

/* Insert the incident with r's counts per client and dataset, its first step (open) and ev,
 * in one transaction. */
AZK_NODISCARD azk_status azk_store__incident_insert(azk_home *h,
                                                    const struct azk_store_incident *in,
                                                    const azk_impact_result *r,
                                                    const struct azk_store_event *ev);

/*
 * Move incident `id` to state `to` ("reported" or "closed") as `by` at
 * `at`, with a note (may be NULL), and ev, in one transaction. Allowed:
 * open -> reported, open -> closed, reported -> closed. AZK_ERR_NOTFOUND
 * when there is no such incident, AZK_ERR_ARG when the move is not allowed
 * from its present state (which *from gets, cap 16).
 */
AZK_NODISCARD azk_status azk_store__incident_state(azk_home *h, const char *id, const char *to,
                                                   const char *by, int64_t at, const char *note,
                                                   const struct azk_store_event *ev, char from[16]);

/*
 * Incidents with id < after (NULL: from the newest), state = `state` (NULL:
 * any), visible to viewer, at most limit, newest first. Columns: id,
 * created_at, created_by, state, state_by, state_at, records, persons,
 * probable (for a viewer: the sums over the viewer's clients, persons
 * within each client; else the whole run's, persons across clients), then
 * (schema 8, NULL for incidents recorded before) the sums over the same
 * datasets of basis_strict, basis_name_birth, basis_household,
 * name_birth_false_n, household_false_n (expected false records in 1e-9).
 */
#define AZK_STORE_INCIDENT_LIST_COLS 14
AZK_NODISCARD azk_status azk_store__incidents_page(azk_home *h, const char *viewer,
                                                   const char *state, const char *after,
                                                   size_t limit, azk_store_row_cb cb,
                                                   void *payload);

/*
 * Incident `id` when it exists and (viewer non-NULL) touches a client of
 * the viewer; *found false otherwise. Columns: id, created_at, created_by,
 * as_of, known_date, cause, contractor, files, objects, objects_hit,
 * errors, datasets_all, records, persons, persons_by_client, unusable,
 * candidates, probable, kinds, kinds_seen, paths, state, state_by,
 * state_at.
 */
AZK_NODISCARD azk_status azk_store__incident_get(azk_home *h, const char *id, const char *viewer,
                                                 azk_store_row_cb cb, void *payload, bool *found);
#define AZK_STORE_INCIDENT_COLS 24

/* The incident's clients (viewer: only theirs), by client. Columns: client, name, records,
 * persons, kinds, kinds_seen, datasets, past_deadline, list_rows. */
AZK_NODISCARD azk_status azk_store__incident_clients(azk_home *h, const char *id,
                                                     const char *viewer, azk_store_row_cb cb,
                                                     void *payload);
#define AZK_STORE_INCIDENT_CLIENT_COLS 10

/* The incident's datasets (viewer: only their clients'), by client and dataset. Columns:
 * client, dataset, purpose, received_at, total, records, persons, candidates, probable,
 * objects, kinds, kinds_seen, retain_until, past_deadline, days_overdue, basis_strict,
 * basis_name_birth, basis_household, name_birth_false_n, household_false_n (the last five
 * NULL for incidents recorded before schema 8; the expected false counts in 1e-9 records). */
AZK_NODISCARD azk_status azk_store__incident_datasets(azk_home *h, const char *id,
                                                      const char *viewer, azk_store_row_cb cb,
                                                      void *payload);
#define AZK_STORE_INCIDENT_DATASET_COLS 20

/* The incident's steps, in order. Columns: n, at, actor, state, note. */
AZK_NODISCARD azk_status azk_store__incident_steps(azk_home *h, const char *id, azk_store_row_cb cb,
                                                   void *payload);

/* Incidents not closed (viewer: those touching a client of theirs). */
AZK_NODISCARD azk_status azk_store__incidents_open_count(azk_home *h, const char *viewer,
                                                         int64_t *n);

/*
 * Incidents touching client `client` that were created before `end` and
 * not closed before `start` (Unix seconds), by id. Columns: id,
 * created_at, state at `end`, records, persons, probable (the client's
 * part), datasets (of the client), then schema 8's sums over the client's
 * datasets (NULL for incidents recorded before): basis_strict,
 * basis_name_birth, basis_household, name_birth_false_n, household_false_n.
 */
AZK_NODISCARD azk_status azk_store__incidents_month(azk_home *h, const char *client, int64_t start,
                                                    int64_t end, azk_store_row_cb cb,
                                                    void *payload);

/* ---- impact jobs: runs asked for in serve (table impact_jobs) ---------- */

/* Columns of a job row, in this order: id, label, known_date, cause, state, requested_by,
 * requested_at, decided_by, decided_at, started_at, finished_at, incident, error, records,
 * probable, strict (the incident's strict count, schema 8: NULL without an incident or for one
 * recorded before), population (schema 8; NULL = the worker's default). States: pending ->
 * queued (approved) or refused; queued -> running -> done or failed. */
#define AZK_STORE_JOB_COLS 17

/* A new pending job with ev, in one transaction (population 0: NULL, the worker's default). */
AZK_NODISCARD azk_status azk_store__impact_job_insert(azk_home *h, const char *id,
                                                      const char *label, const char *known_date,
                                                      const char *cause, int64_t population,
                                                      const char *by, int64_t at,
                                                      const struct azk_store_event *ev);
/* Job `id`; *found false when there is none. */
AZK_NODISCARD azk_status azk_store__impact_job_get(azk_home *h, const char *id, azk_store_row_cb cb,
                                                   void *payload, bool *found);
/* Jobs with id < after (NULL: from the newest), newest first, at most limit. */
AZK_NODISCARD azk_status azk_store__impact_jobs_page(azk_home *h, const char *after, size_t limit,
                                                     azk_store_row_cb cb, void *payload);
/*
 * Move job `id` from state `from` to `to` with ev, in one transaction:
 * "queued"/"refused" set decided_by/decided_at (by, at), "running" sets
 * started_at, "done"/"failed" set finished_at. AZK_ERR_ARG when the job is
 * no longer in `from` (a concurrent move got there first).
 */
AZK_NODISCARD azk_status azk_store__impact_job_move(azk_home *h, const char *id, const char *from,
                                                    const char *to, const char *by, int64_t at,
                                                    const struct azk_store_event *ev);
/* The end of a run: running -> done (incident may be NULL: nothing found) or failed (error),
 * with the counts and ev, in one transaction. */
AZK_NODISCARD azk_status azk_store__impact_job_finish(azk_home *h, const char *id,
                                                      const char *state, int64_t at,
                                                      const char *incident, const char *error,
                                                      int64_t records, int64_t probable,
                                                      const struct azk_store_event *ev);
/* A job left running (its worker stopped) into id (cap 48); *found false when none is. */
AZK_NODISCARD azk_status azk_store__impact_job_running(azk_home *h, char id[48], bool *found);
/* The oldest queued job's id into id (cap 48); *found false when none is queued. */
AZK_NODISCARD azk_status azk_store__impact_job_next(azk_home *h, char id[48], bool *found);

#endif
