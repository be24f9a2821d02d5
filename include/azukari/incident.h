/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/incident.h -- the incident register: each recorded impact run
 * (azukari/impact.h) becomes an incident in the catalog with its counts per
 * client and dataset (confirmed records, probable ones, persons), the
 * facts its report drafts are made from, and a state (open, reported,
 * closed) with who changed it and when. The drafts (the report to the PPC,
 * the notice to each client) are rendered again from what is stored, so a
 * client's notice holds that client's part only. Nothing personal is
 * stored: counts, dataset and client ids, dates, and the paths that were
 * scanned as keyed name hashes (azk_guard_name_id). Creation and every
 * state change are ledger events ("incident.create", "incident.state").
 * See docs/impact.md ("Incidents").
 *
 * Thread-safety: as the azk_home handle.
 */
#ifndef AZUKARI_INCIDENT_H
#define AZUKARI_INCIDENT_H

#include "azukari/home.h"
#include "azukari/impact.h"
#include "azukari/types.h"

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Room for an incident id ("INC-YYYYMMDDTHHMMSSmmmZ-" and 8 hex digits: the time to the
 * millisecond, so ids sort by time) and its NUL. */
#define AZK_INCIDENT_ID_MAX 40

/** Options of azk_incident_record; initialise with AZK_INCIDENT_OPTIONS_INIT. */
typedef struct {
    size_t struct_size;     /**< set by AZK_INCIDENT_OPTIONS_INIT: the version of this struct */
    const char *known_date; /**< YYYY-MM-DD the leak became known; NULL = to complete */
    azk_impact_cause cause;
    const char *contractor; /**< the reporting company's name; NULL = to complete */
    /** for an impact job (azk_impact_job_request): the run's azk_impact_options.population,
     * 0 = the worker's; else 1e6 to 1e10 (added in session 7; azk_incident_record ignores it) */
    double population;
} azk_incident_options;

#define AZK_INCIDENT_OPTIONS_INIT                                                                  \
    {                                                                                              \
        .struct_size = sizeof(azk_incident_options), .cause = AZK_IMPACT_CAUSE_UNKNOWN             \
    }

/**
 * Record the impact run `r` over `paths` as a new open incident, created
 * by the handle's actor. The paths are kept as keyed name hashes only.
 * @param[out] id the new incident's id
 * @return AZK_OK, AZK_ERR_ARG (bad date, no paths), AZK_ERR_DB, AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_incident_record(azk_home *h, const azk_impact_result *r,
                                                        const char *const *paths, size_t path_count,
                                                        const azk_incident_options *o,
                                                        char id[AZK_INCIDENT_ID_MAX]);

/**
 * Move an incident to "reported" (the report or notices were sent) or
 * "closed". Only a person who proved a TOTP code on this handle
 * (azk_user_auth) may; a refusal is a ledger entry. Allowed moves: open ->
 * reported, open -> closed, reported -> closed. `note` (may be NULL, at
 * most 2,000 bytes of UTF-8) is kept with the step, never in the ledger.
 * @return AZK_OK, AZK_ERR_PERM (no authenticated person), AZK_ERR_NOTFOUND,
 *         AZK_ERR_ARG (unknown state, a move not allowed, a bad note), AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_incident_set_state(azk_home *h, const char *id,
                                                           const char *state, const char *note);

/**
 * The Markdown draft of incident `id`, rendered from the register: the
 * report to the PPC (client NULL) or the notice to `client` (only that
 * client's counts, datasets and items). Received file names are not
 * stored, so the drafts from the register show "—" in that column.
 * @param[out] out the draft, free with azk_incident_free
 * @return AZK_OK, AZK_ERR_NOTFOUND (no such incident, or the client has no part in it),
 *         AZK_ERR_DB, AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_incident_draft(azk_home *h, const char *id,
                                                       const char *client, char **out);

/** One incident of azk_incident_list (strings borrowed for the call). */
typedef struct {
    const char *id;
    int64_t created_at; /**< Unix seconds */
    const char *created_by;
    const char *state;    /**< "open", "reported", "closed" */
    const char *state_by; /**< who changed it last, or NULL */
    uint64_t records;     /**< confirmed records */
    uint64_t persons;     /**< persons across clients */
    uint64_t probable;    /**< records a namesake could show as well (not counted) */
} azk_incident_info;

/** Receives each incident; a status other than AZK_OK stops the list and is returned. */
typedef azk_status (*azk_incident_cb)(const azk_incident_info *i, void *payload);

/**
 * Every incident, newest first (read a page at a time), or only those in
 * `state` ("open", "reported", "closed"; NULL = all).
 * @return AZK_OK, AZK_ERR_ARG (unknown state), AZK_ERR_DB, or the callback's status
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_incident_list(azk_home *h, const char *state,
                                                      azk_incident_cb cb, void *payload);

/** Incidents not closed. @return AZK_OK, AZK_ERR_DB */
AZK_EXTERN AZK_NODISCARD azk_status azk_incident_open_count(azk_home *h, uint64_t *n);

/** The option word of a cause ("unauthorized-access", ...; "unknown"). */
AZK_EXTERN const char *azk_impact_cause_name(azk_impact_cause c);

/* ---- impact jobs: a run asked for by one person, approved by another -------- */

/** Room for a job id ("JOB-YYYYMMDDTHHMMSSmmmZ-" and 8 hex digits) and its NUL. */
#define AZK_IMPACT_JOB_ID_MAX 48
/** Longest folder label of a job (ASCII letters, digits, '.', '_', '-'; not starting with
 * '.'). */
#define AZK_IMPACT_LABEL_MAX 64
/** The folder of a home where jobs' evidence folders are put: <home>/impact-inbox. */
#define AZK_IMPACT_INBOX "impact-inbox"

/** Is `label` a job's folder label (see AZK_IMPACT_LABEL_MAX)? */
AZK_EXTERN bool azk_impact_job_label_valid(const char *label);

/** A job as read from the register. Strings borrowed for the callback's duration. */
typedef struct {
    const char *id;
    const char *label;      /**< the evidence folder <home>/impact-inbox/<label> */
    const char *known_date; /**< NULL = not given */
    const char *cause;
    const char *state; /**< pending, queued, refused, running, done, failed */
    const char *requested_by;
    int64_t requested_at;   /**< Unix seconds */
    const char *decided_by; /**< who approved or refused; NULL while pending */
    int64_t decided_at;     /**< 0 while pending */
    int64_t started_at;     /**< 0 before the run */
    int64_t finished_at;    /**< 0 before the end */
    const char *incident;   /**< the incident recorded; NULL if none */
    const char *error;      /**< why it failed (no path, no value); NULL */
    uint64_t records;
    uint64_t probable;
    /** of records, the strict count (the headline; azk_impact_result.strict) of the incident
     * recorded; strict_known false without an incident or for one recorded before catalog
     * schema 8 */
    bool strict_known;
    uint64_t strict;
    double population; /**< the run's population asked for (people); 0 = the worker's */
} azk_impact_job;

typedef azk_status (*azk_impact_job_cb)(const azk_impact_job *j, void *payload);

/**
 * Ask for an impact run over the evidence folder `label` of the home's
 * impact inbox. The impact run decrypts the datasets it finds, so it is a
 * two-person act: the handle must carry a TOTP-authenticated person
 * (azk_user_auth), the requester; another approves (azk_impact_job_decide).
 * Ledger "impact.job.request" (the label and the job id, nothing else).
 * @param o known date and cause for the incident (contractor ignored); may be NULL
 * @return AZK_OK, AZK_ERR_ARG (label, date), AZK_ERR_PERM (no authenticated person), AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_impact_job_request(azk_home *h, const char *label,
                                                           const azk_incident_options *o,
                                                           char id[AZK_IMPACT_JOB_ID_MAX]);

/**
 * Approve (the job is queued for the worker) or refuse a pending job.
 * Approval needs a TOTP-authenticated person other than the requester;
 * a refusal, any TOTP-authenticated person (the requester withdraws it).
 * Ledger "impact.job.approve" / "impact.job.refuse"; a refused attempt is
 * ledgered too.
 * @return AZK_OK, AZK_ERR_NOTFOUND, AZK_ERR_ARG (not pending), AZK_ERR_PERM, AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_impact_job_decide(azk_home *h, const char *id,
                                                          bool approve);

/** Job `id` to cb. @return AZK_OK, AZK_ERR_NOTFOUND, AZK_ERR_DB, or the callback's status */
AZK_EXTERN AZK_NODISCARD azk_status azk_impact_job_get(azk_home *h, const char *id,
                                                       azk_impact_job_cb cb, void *payload);

/** Jobs newest first, after the cursor `after` (an id; NULL = from the newest), at most
 * limit. @return AZK_OK, AZK_ERR_DB, or the callback's status */
AZK_EXTERN AZK_NODISCARD azk_status azk_impact_job_list(azk_home *h, const char *after,
                                                        size_t limit, azk_impact_job_cb cb,
                                                        void *payload);

/**
 * End as failed every job left running by a worker that stopped during its
 * run ("interrupted"; ask for it again). `azukari impact worker` calls it
 * when it starts: one worker per catalog.
 * @param[out] n the jobs ended (may be NULL)
 * @return AZK_OK, AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_impact_job_recover(azk_home *h, size_t *n);

/**
 * Run the oldest queued job (`azukari impact worker`): running, then
 * azk_impact_run over <home>/impact-inbox/<label> with `o`, the incident
 * recorded when records were found (azk_incident_record), then done (with
 * the incident id and counts) or failed (with the status name: no path,
 * no value). Ledger "impact.job.run" and "impact.job.done"/"impact.job.failed".
 * A job whose run fails is ended as failed and AZK_OK is returned; only a
 * catalog error is returned as such.
 * @param[out] ran false when no job was queued
 * @param[out] id the job's id when ran (may be NULL)
 * @return AZK_OK, AZK_ERR_DB, AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_impact_job_run_next(azk_home *h,
                                                            const azk_impact_options *o, bool *ran,
                                                            char id[AZK_IMPACT_JOB_ID_MAX]);

/** Free memory returned by this API (NULL-safe). */
AZK_EXTERN void azk_incident_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* AZUKARI_INCIDENT_H */
