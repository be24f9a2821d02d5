/* SPDX-License-Identifier: Apache-2.0 */
/*
 * impact/impact_job.c -- impact runs asked for away from the host's shell
 * (azukari/incident.h, "impact jobs"): one TOTP-authenticated person asks
 * for a run over an evidence folder of the home's impact inbox, a second
 * approves it (the run decrypts the datasets it finds: the same two-person
 * rule as an early deletion, retention/identity.h), and `azukari impact
 * worker` -- a process of its own, never the web server -- runs it and
 * records the incident. A job names its folder by a label (ASCII, no path):
 * no request can make anything read outside the inbox, and no file name
 * reaches the catalog or the ledger (the incident keeps keyed name hashes).
 */
#include "impact/impact_int.h"
#include "retention/identity.h"
#include "store/incidents.h"

#include "azukari/incident.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

bool azk_impact__label_ok(const char *label)
{
    size_t n = label != NULL ? strlen(label) : 0;
    if (n == 0 || n > AZK_IMPACT_LABEL_MAX || label[0] == '.' || label[0] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = label[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return false;
    }
    return true;
}

bool azk_impact_job_label_valid(const char *label)
{
    return azk_impact__label_ok(label);
}

azk_status azk_impact_job_request(azk_home *h, const char *label, const azk_incident_options *o_in,
                                  char id[AZK_IMPACT_JOB_ID_MAX])
{
    static const azk_incident_options o_def = AZK_INCIDENT_OPTIONS_INIT;
    azk_incident_options o;
    struct azk_store_event ev = {0};
    azk_impact_result empty;
    azk_impact_deadlines dl;
    const char *me = NULL;
    char extra[256];
    int64_t now;
    azk_status rc;

    if (azk__options_in(&o, sizeof(o), &o_def, o_in, false, "azk_incident_options") != AZK_OK)
        return azk_error_last()->code;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    id[0] = '\0';
    if (!azk_impact__label_ok(label))
        return azk_error_set(AZK_ERR_ARG,
                             "impact job: the folder is a label of 1 to %d ASCII letters, "
                             "digits, '.', '_' or '-' (no path, not starting with '.' or '-')",
                             AZK_IMPACT_LABEL_MAX);
    if (o.population != 0 && !(o.population >= 1e6 && o.population <= 1e10))
        return azk_error_set(AZK_ERR_ARG, "impact job: the population must be from 1,000,000 to "
                                          "10,000,000,000 people (or 0: the worker's)");
    memset(&empty, 0, sizeof(empty));
    rc = azk_impact_deadlines_compute(&empty, o.known_date, o.cause, &dl);
    if (rc != AZK_OK)
        return rc;
    rc = azk_identity__requester(h, "impact.job.request", label, &me);
    if (rc != AZK_OK)
        return rc;
    now = azk_impact__time_id("JOB", id, AZK_IMPACT_JOB_ID_MAX);
    (void)snprintf(extra, sizeof(extra), "{\"label\":\"%s\",\"cause\":\"%s\",\"population\":%.0f}",
                   label, azk_impact_cause_name(o.cause), o.population);
    ev.action = "impact.job.request";
    ev.object = id;
    ev.extra_json = extra;
    rc = azk_store__impact_job_insert(h, id, label, o.known_date, azk_impact_cause_name(o.cause),
                                      (int64_t)(o.population + 0.5), me, now, &ev);
    if (rc != AZK_OK)
        id[0] = '\0';
    return rc;
}

/* ---- reading ------------------------------------------------------------ */

struct reader {
    azk_impact_job_cb cb;
    void *payload;
    char state[16];
    char requested_by[72];
    char label[AZK_IMPACT_LABEL_MAX + 1];
    char known_date[16];
    char cause[32];
    bool has_date;
    double population;
};

static int64_t num(const char *s)
{
    return s != NULL ? strtoll(s, NULL, 10) : 0;
}

static azk_status job_row(const char *const *c, size_t n, void *payload)
{
    struct reader *r = payload;
    azk_impact_job j;
    (void)n;
    memset(&j, 0, sizeof(j));
    j.id = c[0] != NULL ? c[0] : "";
    j.label = c[1] != NULL ? c[1] : "";
    j.known_date = c[2];
    j.cause = c[3] != NULL ? c[3] : "unknown";
    j.state = c[4] != NULL ? c[4] : "";
    j.requested_by = c[5] != NULL ? c[5] : "";
    j.requested_at = num(c[6]);
    j.decided_by = c[7];
    j.decided_at = num(c[8]);
    j.started_at = num(c[9]);
    j.finished_at = num(c[10]);
    j.incident = c[11];
    j.error = c[12];
    j.records = (uint64_t)(num(c[13]) > 0 ? num(c[13]) : 0);
    j.probable = (uint64_t)(num(c[14]) > 0 ? num(c[14]) : 0);
    j.strict_known = n > 15 && c[15] != NULL;
    j.strict = (uint64_t)(j.strict_known && num(c[15]) > 0 ? num(c[15]) : 0);
    j.population = n > 16 && num(c[16]) > 0 ? (double)num(c[16]) : 0;
    r->population = j.population;
    (void)snprintf(r->state, sizeof(r->state), "%s", j.state);
    (void)snprintf(r->requested_by, sizeof(r->requested_by), "%s", j.requested_by);
    (void)snprintf(r->label, sizeof(r->label), "%s", j.label);
    (void)snprintf(r->cause, sizeof(r->cause), "%s", j.cause);
    r->has_date = j.known_date != NULL;
    (void)snprintf(r->known_date, sizeof(r->known_date), "%s", r->has_date ? j.known_date : "");
    return r->cb != NULL ? r->cb(&j, r->payload) : AZK_OK;
}

/* Read job id into r (and to r->cb when set); AZK_ERR_NOTFOUND when there is none. */
static azk_status read_job(azk_home *h, const char *id, struct reader *r)
{
    bool found = false;
    azk_status rc;
    if (id == NULL || strlen(id) >= AZK_IMPACT_JOB_ID_MAX)
        return azk_error_set(AZK_ERR_NOTFOUND, "no such impact job");
    rc = azk_store__impact_job_get(h, id, job_row, r, &found);
    if (rc == AZK_OK && !found)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no impact job %s", id);
    return rc;
}

azk_status azk_impact_job_get(azk_home *h, const char *id, azk_impact_job_cb cb, void *payload)
{
    struct reader r;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    memset(&r, 0, sizeof(r));
    r.cb = cb;
    r.payload = payload;
    return read_job(h, id, &r);
}

azk_status azk_impact_job_list(azk_home *h, const char *after, size_t limit, azk_impact_job_cb cb,
                               void *payload)
{
    struct reader r;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL && limit > 0);
    memset(&r, 0, sizeof(r));
    r.cb = cb;
    r.payload = payload;
    return azk_store__impact_jobs_page(h, after, limit, job_row, &r);
}

/* ---- deciding ----------------------------------------------------------- */

azk_status azk_impact_job_decide(azk_home *h, const char *id, bool approve)
{
    const char *action = approve ? "impact.job.approve" : "impact.job.refuse";
    struct azk_store_event ev = {0};
    struct reader r;
    const char *me = NULL;
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL);
    memset(&r, 0, sizeof(r));
    rc = read_job(h, id, &r);
    if (rc != AZK_OK)
        return rc;
    if (strcmp(r.state, "pending") != 0)
        return azk_error_set(AZK_ERR_ARG, "impact job %s is %s, not pending", id, r.state);
    /* the run decrypts entrusted datasets: a second person approves; anyone
     * authenticated (the requester too) may refuse it */
    rc = approve ? azk_identity__approver(h, action, id, r.requested_by, NULL, &me)
                 : azk_identity__requester(h, action, id, &me);
    if (rc != AZK_OK)
        return rc;
    ev.action = action;
    ev.object = id;
    return azk_store__impact_job_move(h, id, "pending", approve ? "queued" : "refused", me,
                                      (int64_t)time(NULL), &ev);
}

/* ---- running -------------------------------------------------------------- */

/* The job's folder, checked: a directory of the inbox itself, not a link. */
static azk_status job_folder(azk_home *h, const char *label, azk_buf *path)
{
    struct stat st;
    azk_status rc = azk_buf_printf(path, "%s/%s/%s", azk_home_path(h), AZK_IMPACT_INBOX, label);
    if (rc != AZK_OK)
        return rc;
    if (!azk_impact__label_ok(label))
        return azk_error_set(AZK_ERR_ARG, "impact job: the label is not a folder label");
    if (lstat((const char *)path->data, &st) != 0)
        return azk_error_set(errno == ENOENT ? AZK_ERR_NOTFOUND : AZK_ERR_IO,
                             "impact job: the inbox has no folder %s", label);
    if (!S_ISDIR(st.st_mode))
        return azk_error_set(
            AZK_ERR_ARG, "impact job: %s in the inbox is not a folder (a link is refused)", label);
    return AZK_OK;
}

static azk_status finish(azk_home *h, const char *id, azk_status run_rc, const char *incident,
                         const azk_impact_result *res)
{
    struct azk_store_event ev = {0};
    char why[160], extra[160];
    const bool ok = run_rc == AZK_OK;
    why[0] = '\0';
    if (!ok)
        /* the library's message could name a file: only the status name is kept */
        (void)snprintf(why, sizeof(why), "the run failed (%s); see the worker's host",
                       azk_status_name(run_rc));
    (void)snprintf(extra, sizeof(extra), "{\"records\":%llu,\"probable\":%llu,\"incident\":%s%s%s}",
                   ok ? (unsigned long long)res->records : 0ULL,
                   ok ? (unsigned long long)res->probable : 0ULL, incident != NULL ? "\"" : "",
                   incident != NULL ? incident : "null", incident != NULL ? "\"" : "");
    ev.action = ok ? "impact.job.done" : "impact.job.failed";
    ev.object = id;
    ev.outcome = ok ? NULL : "failed";
    ev.extra_json = extra;
    azk_error_clear();
    return azk_store__impact_job_finish(h, id, ok ? "done" : "failed", (int64_t)time(NULL),
                                        incident, ok ? NULL : why, ok ? (int64_t)res->records : 0,
                                        ok ? (int64_t)res->probable : 0, &ev);
}

azk_status azk_impact_job_recover(azk_home *h, size_t *n)
{
    azk_status rc = AZK_OK;
    size_t ended = 0;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL);
    for (;;) {
        struct azk_store_event ev = {0};
        char id[48];
        bool found = false;
        rc = azk_store__impact_job_running(h, id, &found);
        if (rc != AZK_OK || !found)
            break;
        ev.action = "impact.job.failed";
        ev.object = id;
        ev.outcome = "failed";
        ev.reason = "interrupted";
        rc = azk_store__impact_job_finish(h, id, "failed", (int64_t)time(NULL), NULL,
                                          "interrupted: the worker stopped during the run; ask "
                                          "for it again",
                                          0, 0, &ev);
        if (rc != AZK_OK)
            break;
        ended++;
    }
    if (n != NULL)
        *n = ended;
    return rc;
}

azk_status azk_impact_job_run_next(azk_home *h, const azk_impact_options *o, bool *ran,
                                   char id_out[AZK_IMPACT_JOB_ID_MAX])
{
    struct azk_store_event ev = {0};
    azk_incident_options io = AZK_INCIDENT_OPTIONS_INIT;
    static const azk_impact_options ro_def = AZK_IMPACT_OPTIONS_INIT;
    azk_impact_options ro;
    azk_impact_result res;
    struct reader r;
    azk_buf path = AZK_BUF_INIT;
    char id[48], inc[AZK_INCIDENT_ID_MAX];
    const char *incident = NULL;
    bool found = false;
    azk_status rc, run_rc;

    if (azk__options_in(&ro, sizeof(ro), &ro_def, o, false, "azk_impact_options") != AZK_OK)
        return azk_error_last()->code;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && ran != NULL);
    *ran = false;
    if (id_out != NULL)
        id_out[0] = '\0';
    rc = azk_store__impact_job_next(h, id, &found);
    if (rc != AZK_OK || !found)
        return rc;
    memset(&r, 0, sizeof(r));
    rc = read_job(h, id, &r);
    if (rc != AZK_OK)
        return rc;
    ev.action = "impact.job.run";
    ev.object = id;
    rc = azk_store__impact_job_move(h, id, "queued", "running", NULL, (int64_t)time(NULL), &ev);
    if (rc != AZK_OK)
        return rc;
    *ran = true;
    if (id_out != NULL)
        (void)snprintf(id_out, AZK_IMPACT_JOB_ID_MAX, "%s", id);
    memset(&res, 0, sizeof(res));
    run_rc = job_folder(h, r.label, &path);
    if (run_rc == AZK_OK) {
        const char *paths[1] = {(const char *)path.data};
        if (r.population > 0) /* the job's, asked for with it */
            ro.population = r.population;
        run_rc = azk_impact_run(h, paths, 1, &ro, &res);
        if (run_rc == AZK_OK && (res.records > 0 || res.probable > 0)) {
            io.known_date = r.has_date ? r.known_date : NULL;
            (void)azk_impact_cause_parse(r.cause, &io.cause);
            run_rc = azk_incident_record(h, &res, paths, 1, &io, inc);
            if (run_rc == AZK_OK)
                incident = inc;
        }
    }
    rc = finish(h, id, run_rc, incident, &res);
    azk_impact_result_dispose(&res);
    azk_buf_dispose(&path);
    return rc;
}
