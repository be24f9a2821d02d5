/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_impact_jobs.c -- impact runs asked for by one person and
 * approved by another (azukari/incident.h "impact jobs"; serve's incidents
 * pages ask for them too): `impact jobs` lists them, `impact job request
 * LABEL` / `impact job approve|refuse JOB` (each with --user and --totp),
 * and `impact worker`, the process that runs the approved ones over
 * <home>/impact-inbox/LABEL and records their incidents (run it as a
 * service of its own, packaging/systemd/azukari-impact-worker.service; the
 * web server never runs impact). Ids, labels, states and counts only.
 */
#include "cli.h"
#include "cli_home.h"
#include "impact_jobs_cli.h"
#include "opts.h"

#include "azukari/impact.h"
#include "azukari/incident.h"
#include "retention_cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out, _("Usage: azukari impact jobs [--limit N]\n"
                   "       azukari impact job request LABEL [--known-date DATE] [--cause CAUSE] "
                   "[--population M] --user NAME --totp CODE\n"
                   "       azukari impact job approve|refuse JOB --user NAME --totp CODE\n"
                   "       azukari impact worker [--once] [--interval SECONDS] [--threads N]\n"));
    fprintf(out, _("An impact run over the evidence folder <home>/impact-inbox/LABEL is asked "
                   "for by one\nperson and approved by another (it decrypts the datasets it "
                   "finds); the worker runs\nthe approved ones, oldest first, and records their "
                   "incidents.\n"));
}

static azk_status print_job(const azk_impact_job *j, void *payload)
{
    char t[32] = "-";
    time_t secs = (time_t)j->requested_at;
    struct tm tm;
    (void)payload;
    if (gmtime_r(&secs, &tm) != NULL)
        (void)strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (printf("%s  %s  %-8s  %s  %s  %s  %s  %llu  %llu\n", j->id, t, j->state, j->label,
               j->requested_by, j->decided_by != NULL ? j->decided_by : "-",
               j->incident != NULL ? j->incident : "-", (unsigned long long)j->records,
               (unsigned long long)j->probable) < 0)
        return AZK_ERR_IO;
    if (j->error != NULL && printf("    %s\n", j->error) < 0)
        return AZK_ERR_IO;
    return AZK_OK;
}

static int cmd_jobs(int argc, char **argv)
{
    uint64_t limit = 50;
    azk_home *h;
    int ret = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc) {
            if (!azk_opt_uint(argv[++i], 1, 1000, &limit)) {
                azk_cli_err(_("--limit must be between 1 and 1000"));
                return AZK_EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            azk_cli_err(_("unknown option: %s"), argv[i]);
            return AZK_EXIT_USAGE;
        }
    }
    h = azk_cli_open_home();
    if (h == NULL)
        return 3;
    if (!azk_cli_quiet)
        printf("%s\n", _("job  requested  state  label  requested by  decided by  incident  "
                         "records  probable"));
    if (azk_impact_job_list(h, NULL, (size_t)limit, print_job, NULL) != AZK_OK)
        azk_cli_liberr(_("impact jobs"));
    else
        ret = fflush(stdout) == 0 ? 0 : 3;
    azk_home_close(h);
    return ret;
}

/* `impact job request LABEL ...` and `impact job approve|refuse JOB ...`. */
static int cmd_job(int argc, char **argv)
{
    azk_incident_options io = AZK_INCIDENT_OPTIONS_INIT;
    struct ret_opts ro;
    const char *verb, *arg;
    char id[AZK_IMPACT_JOB_ID_MAX];
    azk_home *h;
    azk_status rc;
    int ret = 3;
    memset(&ro, 0, sizeof(ro));
    if (argc < 3 || argv[2][0] == '-') {
        azk_cli_err(_("impact job needs request LABEL, approve JOB or refuse JOB"));
        return AZK_EXIT_USAGE;
    }
    verb = argv[1];
    arg = argv[2];
    if (strcmp(verb, "request") != 0 && strcmp(verb, "approve") != 0 &&
        strcmp(verb, "refuse") != 0) {
        azk_cli_err(_("impact job needs request LABEL, approve JOB or refuse JOB"));
        return AZK_EXIT_USAGE;
    }
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) {
            ro.user = argv[++i];
        } else if (strcmp(argv[i], "--totp") == 0 && i + 1 < argc) {
            ro.totp = argv[++i];
        } else if (strcmp(verb, "request") == 0 && strcmp(argv[i], "--known-date") == 0 &&
                   i + 1 < argc) {
            io.known_date = argv[++i];
        } else if (strcmp(verb, "request") == 0 && strcmp(argv[i], "--cause") == 0 &&
                   i + 1 < argc) {
            if (!azk_impact_cause_parse(argv[++i], &io.cause)) {
                azk_cli_err(_("--cause must be unauthorized-access, theft, error or other"));
                return AZK_EXIT_USAGE;
            }
        } else if (strcmp(verb, "request") == 0 && strcmp(argv[i], "--population") == 0 &&
                   i + 1 < argc) {
            if (!azk_opt_double(argv[++i], 1e6, 1e10, &io.population)) {
                azk_cli_err(_("--population must be a number of people from 1000000 to "
                              "10000000000"));
                return AZK_EXIT_USAGE;
            }
        } else {
            azk_cli_err(_("unknown option: %s"), argv[i]);
            return AZK_EXIT_USAGE;
        }
    }
    if (ro.totp == NULL)
        ro.totp = getenv("AZUKARI_TOTP");
    h = ret_open_home(&ro); /* a person: --user NAME with a TOTP code */
    if (h == NULL)
        return 3;
    if (strcmp(verb, "request") == 0) {
        rc = azk_impact_job_request(h, arg, &io, id);
        if (rc == AZK_OK)
            printf("%s\n", id);
    } else {
        rc = azk_impact_job_decide(h, arg, strcmp(verb, "approve") == 0);
        if (rc == AZK_OK && !azk_cli_quiet)
            printf(_("%s is now %s\n"), arg, strcmp(verb, "approve") == 0 ? "queued" : "refused");
    }
    if (rc != AZK_OK)
        azk_cli_liberr(strcmp(verb, "request") == 0 ? _("impact job") : arg);
    else
        ret = 0;
    azk_home_close(h);
    return ret;
}

static volatile sig_atomic_t stop_asked;

static void on_stop(int sig)
{
    (void)sig;
    stop_asked = 1;
}

/* `impact worker`: run approved jobs until stopped (between jobs), or once. */
static int cmd_worker(int argc, char **argv)
{
    azk_impact_options o = AZK_IMPACT_OPTIONS_INIT;
    struct sigaction sa;
    uint64_t interval = 30, v;
    bool once = false;
    azk_home *h;
    int ret = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--once") == 0) {
            once = true;
        } else if (strcmp(argv[i], "--interval") == 0 && i + 1 < argc) {
            if (!azk_opt_uint(argv[++i], 1, 86400, &interval)) {
                azk_cli_err(_("--interval must be between 1 and 86400 seconds"));
                return AZK_EXIT_USAGE;
            }
        } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
            if (!azk_opt_uint(argv[++i], 1, 256, &v)) {
                azk_cli_err(_("--threads must be between 1 and 256"));
                return AZK_EXIT_USAGE;
            }
            o.threads = (unsigned)v;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            azk_cli_err(_("unknown option: %s"), argv[i]);
            return AZK_EXIT_USAGE;
        }
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    (void)sigaction(SIGTERM, &sa, NULL);
    (void)sigaction(SIGINT, &sa, NULL);
    h = azk_cli_open_home();
    if (h == NULL)
        return 3;
    {
        size_t n = 0;
        if (azk_impact_job_recover(h, &n) != AZK_OK) { /* one worker per catalog */
            azk_cli_liberr(_("impact worker"));
            azk_home_close(h);
            return 3;
        }
        if (n > 0)
            fprintf(stderr,
                    _("impact jobs left running by a stopped worker ended as failed: %zu\n"), n);
    }
    while (!stop_asked) {
        char id[AZK_IMPACT_JOB_ID_MAX];
        bool ran = false;
        if (azk_impact_job_run_next(h, &o, &ran, id) != AZK_OK) {
            azk_cli_liberr(_("impact worker"));
            ret = 3;
            break;
        }
        if (ran) {
            if (!azk_cli_quiet)
                fprintf(stderr, _("impact job %s ended\n"), id);
            continue; /* the next one at once */
        }
        if (once)
            break;
        for (uint64_t s = 0; s < interval && !stop_asked; s++)
            (void)sleep(1);
    }
    azk_home_close(h);
    return ret;
}

int azk_cli_impact_jobs(int argc, char **argv)
{
    if (strcmp(argv[0], "jobs") == 0)
        return cmd_jobs(argc, argv);
    if (strcmp(argv[0], "job") == 0)
        return cmd_job(argc, argv);
    if (strcmp(argv[0], "worker") == 0)
        return cmd_worker(argc, argv);
    usage(stderr);
    return AZK_EXIT_USAGE;
}
