/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_retention.c -- `azukari retention status|run|show|hold|release|
 * request-delete|request-extend|approve` and `azukari user add`: deadlines,
 * the deletion run (for the systemd timer), holds and the two-person rule.
 * Configuration: the "retention" section of <home>/azukari.conf.
 */
#include "cli.h"
#include "opts.h"
#include "cli_home.h"
#include "commands.h"
#include "retention_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool ret_parse(int argc, char **argv, int start, struct ret_opts *o)
{
    static const struct azk_opt_str str_opts[] = {
        {"--user", offsetof(struct ret_opts, user)},
        {"--totp", offsetof(struct ret_opts, totp)},
        {"--now", offsetof(struct ret_opts, now)},
        {"--reason", offsetof(struct ret_opts, reason)},
        {"--until", offsetof(struct ret_opts, until)},
        {"--dataset", offsetof(struct ret_opts, dataset)},
        {"--pubkey", offsetof(struct ret_opts, pubkey)},
        {"--ledger-key", offsetof(struct ret_opts, ledger_key)},
        {"--only", offsetof(struct ret_opts, only)},
    };
    memset(o, 0, sizeof(*o));
    for (int i = start; i < argc; i++) {
        const char *a = argv[i];
        int m;
        if (strcmp(a, "--html") == 0) {
            o->html = true;
            continue;
        }
        if (strcmp(a, "--json") == 0) {
            o->json = true;
            continue;
        }
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true;
            continue;
        }
        m = azk_opt_str_match(str_opts, sizeof(str_opts) / sizeof(str_opts[0]), o, argc, argv, &i);
        if (m < 0)
            return false;
        if (m > 0)
            continue;
        if (o->npos >= 4) {
            azk_cli_err(_("too many arguments"));
            return false;
        }
        o->pos[o->npos++] = a;
    }
    if (o->totp == NULL)
        o->totp = getenv("AZUKARI_TOTP");
    if (o->until != NULL) { /* a deadline is a date: a usage error before the home opens */
        int64_t t;
        if (strlen(o->until) != 10 || azk_retention_parse_time(o->until, &t) != AZK_OK) {
            azk_cli_err(_("--until: not a date (YYYY-MM-DD): %s"), o->until);
            return false;
        }
    }
    return true;
}

azk_home *ret_open_home(const struct ret_opts *o)
{
    azk_home *h = azk_cli_open_home();
    if (h == NULL)
        return NULL;
    if (o->user != NULL) {
        if (azk_user_auth(h, o->user, o->totp) != AZK_OK) {
            azk_cli_liberr(_("authentication"));
            azk_home_close(h);
            return NULL;
        }
    }
    return h;
}

/* ---- configuration ---------------------------------------------------------------- */

/* ---- status / show ------------------------------------------------------------------ */

static azk_status print_item(const azk_retention_item *it, void *payload)
{
    bool json = *(bool *)payload;
    if (json) {
        char *s = NULL;
        azk_status rc = azk_retention_item_json(it, &s);
        if (rc == AZK_OK)
            printf("%s\n", s);
        azk_retention_free(s);
        return rc;
    }
    printf("%s\t%s\t%s\t%s", it->dataset, it->client, it->retain_until, it->status);
    if (it->residuals > 0)
        printf(_("\t%llu residual copies"), (unsigned long long)it->residuals);
    if (it->detail != NULL)
        printf("\t%s", it->detail);
    printf("\n");
    return AZK_OK;
}

static bool parse_now(const struct ret_opts *o, int64_t *now)
{
    *now = 0;
    if (o->now == NULL)
        return true;
    if (azk_retention_parse_time(o->now, now) != AZK_OK) {
        azk_cli_liberr("--now");
        return false;
    }
    return true;
}

static int ret_status(const struct ret_opts *o)
{
    azk_home *h;
    int64_t now;
    uint64_t overdue = 0;
    bool json = o->json;
    int ret = 2;
    if (!parse_now(o, &now))
        return AZK_EXIT_USAGE;
    h = ret_open_home(o);
    if (h == NULL)
        return 2;
    if (azk_retention_status(h, now, print_item, &json, &overdue) != AZK_OK)
        azk_cli_liberr(_("retention status"));
    else
        ret = overdue > 0 ? 1 : 0;
    if (ret == 1 && !azk_cli_quiet)
        azk_cli_err(_("%llu dataset(s) overdue or incomplete"), (unsigned long long)overdue);
    azk_home_close(h);
    return ret;
}

static azk_status print_artifact(const azk_artifact_info *a, void *payload)
{
    (void)payload;
    printf(_("artifact\t%s\tdeadline %s\t%s\n"), a->path, a->deadline,
           a->disposition != NULL ? a->disposition : _("present"));
    return AZK_OK;
}

static azk_status print_residual(const azk_residual_info *r, void *payload)
{
    (void)payload;
    printf(_("residual\t%s%s%s\t%llu rows\n"), r->path, r->member[0] != '\0' ? " :: " : "",
           r->member, (unsigned long long)r->rows);
    return AZK_OK;
}

static void progress(const char *ds, const char *state, const char *detail, void *payload)
{
    (void)payload;
    if (azk_cli_quiet)
        return;
    if (detail != NULL)
        printf("%s\t%s\t%s\n", ds, state, detail);
    else
        printf("%s\t%s\n", ds, state);
    fflush(stdout);
}

static int ret_run(const struct ret_opts *o)
{
    azk_home *h;
    azk_retention_run_options ro = AZK_RETENTION_RUN_OPTIONS_INIT;
    azk_retention_summary sum;
    azk_retention_config *conf = NULL;
    int64_t now;
    int ret = 2;
    if (!parse_now(o, &now))
        return AZK_EXIT_USAGE;
    h = ret_open_home(o);
    if (h == NULL)
        return 2;
    if (azk_retention_config_load(&conf, azk_home_path(h)) != AZK_OK) {
        azk_cli_liberr(NULL);
        azk_home_close(h);
        return 2;
    }
    ro.now = now;
    ro.drill = o->now != NULL;
    azk_retention_config_apply(conf, &ro);
    ro.only = o->only;
    if (ro.sweep_path_count + ro.sweep_path_general_count == 0 && !ro.drill)
        azk_cli_err(_("no sweep locations in azukari.conf (retention.sweep_paths): deletions "
                      "stay incomplete until a sweep can run"));
    if (azk_retention_run(h, &ro, progress, NULL, &sum) != AZK_OK) {
        azk_cli_liberr(_("retention run"));
    } else if (ro.drill) {
        if (!azk_cli_quiet)
            printf(_("drill at %s: %llu dataset(s) would be due, %llu on hold; nothing was "
                     "deleted or recorded\n"),
                   o->now, (unsigned long long)sum.due, (unsigned long long)sum.held);
        ret = 0;
    } else {
        if (!azk_cli_quiet)
            printf(_("due %llu, on hold %llu, clean %llu, incomplete %llu, errors %llu; swept %llu "
                     "files, %llu bytes in %.1f s\n"),
                   (unsigned long long)sum.due, (unsigned long long)sum.held,
                   (unsigned long long)sum.clean, (unsigned long long)sum.incomplete,
                   (unsigned long long)sum.errors, (unsigned long long)sum.files_swept,
                   (unsigned long long)sum.bytes_swept, sum.sweep_seconds);
        ret = (sum.incomplete > 0 || sum.errors > 0) ? 1 : 0;
    }
    azk_retention_config_free(conf);
    azk_home_close(h);
    return ret;
}

static azk_status show_one(const azk_retention_item *it, void *payload)
{
    const char *const *want = payload;
    if (strcmp(it->dataset, *want) == 0) {
        bool json = false;
        return print_item(it, &json);
    }
    return AZK_OK;
}

static int ret_show(const struct ret_opts *o)
{
    azk_home *h;
    int64_t now;
    int ret = 1;
    const char *want = o->pos[1];
    if (o->npos != 2) {
        azk_cli_err(_("usage: azukari retention show DATASET"));
        return AZK_EXIT_USAGE;
    }
    if (!parse_now(o, &now))
        return AZK_EXIT_USAGE;
    h = ret_open_home(o);
    if (h == NULL)
        return 1;
    if (azk_retention_status(h, now, show_one, &want, NULL) == AZK_OK &&
        azk_artifact_list(h, o->pos[1], print_artifact, NULL) == AZK_OK &&
        azk_retention_residuals(h, o->pos[1], print_residual, NULL) == AZK_OK)
        ret = 0;
    else
        azk_cli_liberr(o->pos[1]);
    azk_home_close(h);
    return ret;
}

/* ---- holds and requests ------------------------------------------------------------ */

static int ret_change(const char *sub, const struct ret_opts *o)
{
    azk_home *h;
    azk_status rc;
    char id[16];
    int ret = 1;
    if (o->npos != 2) {
        azk_cli_err(_("usage: azukari retention %s %s"), sub,
                    strcmp(sub, "approve") == 0 ? "REQUEST-ID" : "DATASET --reason TEXT");
        return AZK_EXIT_USAGE;
    }
    if (strcmp(sub, "approve") != 0 && (o->reason == NULL || o->reason[0] == '\0')) {
        azk_cli_err(_("retention %s needs --reason TEXT"), sub);
        return AZK_EXIT_USAGE;
    }
    if (strcmp(sub, "request-extend") == 0 && o->until == NULL) {
        azk_cli_err(_("retention request-extend needs --until YYYY-MM-DD"));
        return AZK_EXIT_USAGE;
    }
    h = ret_open_home(o);
    if (h == NULL)
        return 1;
    if (strcmp(sub, "hold") == 0)
        rc = azk_retention_hold(h, o->pos[1], o->reason);
    else if (strcmp(sub, "release") == 0)
        rc = azk_retention_release(h, o->pos[1], o->reason);
    else if (strcmp(sub, "request-delete") == 0)
        rc = azk_retention_request(h, o->pos[1], NULL, o->reason, id);
    else if (strcmp(sub, "request-extend") == 0)
        rc = azk_retention_request(h, o->pos[1], o->until, o->reason, id);
    else
        rc = azk_retention_approve(h, o->pos[1]);
    if (rc != AZK_OK) {
        azk_cli_liberr(o->pos[1]);
    } else {
        ret = 0;
        if (strncmp(sub, "request", 7) == 0)
            printf(_("%s\trequested; a second person must approve it with `azukari retention "
                     "approve %s`\n"),
                   id, id);
        else if (!azk_cli_quiet)
            printf(_("%s: %s done\n"), o->pos[1], sub);
    }
    azk_home_close(h);
    return ret;
}

static void usage(FILE *out)
{
    fprintf(out,
            _("Usage: azukari retention status [--now TIME] [--json]\n"
              "       azukari retention run [--now TIME] [--only DATASET]\n"
              "       azukari retention show DATASET\n"
              "       azukari retention hold|release DATASET --reason TEXT\n"
              "       azukari retention request-delete DATASET --reason TEXT\n"
              "       azukari retention request-extend DATASET --until YYYY-MM-DD --reason TEXT\n"
              "       azukari retention approve REQUEST-ID\n"
              "Common: --user NAME --totp CODE (or AZUKARI_TOTP) to act as an enrolled user.\n"
              "status exits 1 when a dataset is overdue or incomplete; run exits 1 when a\n"
              "deletion is incomplete or failed. --now TIME (YYYY-MM-DD[THH:MM:SSZ]) judges\n"
              "deadlines at TIME: `run --now` is a drill that reports what a run would do and\n"
              "changes nothing; only the system clock ever makes a deletion due.\n"
              "request-*, approve: two enrolled people (--user NAME --totp CODE), not the same.\n"
              "See docs/retention.md.\n"));
}

int cmd_retention(int argc, char **argv)
{
    struct ret_opts o;
    const char *sub;
    if (!ret_parse(argc, argv, 1, &o))
        return AZK_EXIT_USAGE;
    if (o.npos < 1 || o.help) {
        usage(o.help ? stdout : stderr);
        return o.help ? 0 : AZK_EXIT_USAGE;
    }
    sub = o.pos[0];
    if (strcmp(sub, "status") == 0)
        return ret_status(&o);
    if (strcmp(sub, "run") == 0)
        return ret_run(&o);
    if (strcmp(sub, "show") == 0)
        return ret_show(&o);
    if (strcmp(sub, "hold") == 0 || strcmp(sub, "release") == 0 ||
        strcmp(sub, "request-delete") == 0 || strcmp(sub, "request-extend") == 0 ||
        strcmp(sub, "approve") == 0)
        return ret_change(sub, &o);
    azk_cli_err(_("unknown retention subcommand: %s"), sub);
    usage(stderr);
    return AZK_EXIT_USAGE;
}

/* ---- user ------------------------------------------------------------------------- */

int cmd_user(int argc, char **argv)
{
    struct ret_opts o;
    azk_home *h;
    char b32[64];
    int ret = 1;
    if (!ret_parse(argc, argv, 1, &o))
        return AZK_EXIT_USAGE;
    if (o.help || o.npos != 2 ||
        (strcmp(o.pos[0], "add") != 0 && strcmp(o.pos[0], "approve") != 0)) {
        if (!o.help && o.npos >= 1 && strcmp(o.pos[0], "add") != 0 &&
            strcmp(o.pos[0], "approve") != 0)
            azk_cli_err(_("unknown user subcommand: %s"), o.pos[0]);
        fprintf(o.help ? stdout : stderr,
                _("Usage: azukari user add NAME [--user ME --totp CODE]\n"
                  "       azukari user approve NAME --user ME --totp CODE\n"
                  "Enrol a person: prints a TOTP secret (RFC 6238, 30 s, 6 digits) for an\n"
                  "authenticator app. Commands run with --user NAME need --totp CODE.\n"
                  "The first two users are enrolled by whoever installs azukari; after that\n"
                  "an enrolled user enrols (--user) and a different one approves.\n"));
        return o.help ? 0 : AZK_EXIT_USAGE;
    }
    h = ret_open_home(&o);
    if (h == NULL)
        return 1;
    if (strcmp(o.pos[0], "approve") == 0) {
        if (azk_user_approve(h, o.pos[1]) != AZK_OK) {
            azk_cli_liberr(o.pos[1]);
        } else {
            if (!azk_cli_quiet)
                printf(_("%s: enrolment approved\n"), o.pos[1]);
            ret = 0;
        }
    } else if (azk_user_add(h, o.pos[1], b32) != AZK_OK) {
        azk_cli_liberr(o.pos[1]);
    } else {
        printf("%s\n", b32);
        if (!azk_cli_quiet)
            fprintf(stderr,
                    _("TOTP secret of %s (base32) printed on standard output: enter it in an "
                      "authenticator app; it is not shown again\n"),
                    o.pos[1]);
        ret = 0;
    }
    memset(b32, 0, sizeof(b32));
    azk_home_close(h);
    return ret;
}
