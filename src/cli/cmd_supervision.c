/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_supervision.c -- `azukari report monthly`, `azukari training ...`
 * and `azukari control ...`: the contractor side of supervision (issue 15).
 * Every rule is in the library (azukari/supervision.h); this file parses
 * options and prints.
 */
#include "cli.h"
#include "opts.h"
#include "cli_home.h"
#include "commands.h"
#include "sup_cli.h"

#include "azukari/outfile.h"
#include "azukari/retention.h"
#include "azukari/supervision.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

bool sup_parse(int argc, char **argv, int start, struct sup_opts *o)
{
    static const struct azk_opt_str opts[] = {
        {"--user", offsetof(struct sup_opts, user)},
        {"--totp", offsetof(struct sup_opts, totp)},
        {"--client", offsetof(struct sup_opts, client)},
        {"--month", offsetof(struct sup_opts, month)},
        {"--html", offsetof(struct sup_opts, html)},
        {"--out", offsetof(struct sup_opts, out)},
        {"--title", offsetof(struct sup_opts, title)},
        {"--validity-days", offsetof(struct sup_opts, validity)},
        {"--date", offsetof(struct sup_opts, date)},
        {"--evidence", offsetof(struct sup_opts, evidence)},
        {"--warn-days", offsetof(struct sup_opts, warn)},
        {"--owner", offsetof(struct sup_opts, owner)},
        {"--due", offsetof(struct sup_opts, due)},
        {"--expires", offsetof(struct sup_opts, expires)},
        {"--status", offsetof(struct sup_opts, status)},
        {"--pubkey", offsetof(struct sup_opts, pubkey)},
        {"--cert-pubkey", offsetof(struct sup_opts, cert_pubkey)},
    };
    memset(o, 0, sizeof(*o));
    for (int i = start; i < argc; i++) {
        const char *a = argv[i];
        int m;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true;
            continue;
        }
        m = azk_opt_str_match(opts, sizeof(opts) / sizeof(opts[0]), o, argc, argv, &i);
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
    return true;
}

/* A whole number in [lo, hi]; false (message printed) otherwise. */
static bool num_opt(const char *name, const char *v, long lo, long hi, long *out)
{
    char *end = NULL;
    long n = v != NULL ? strtol(v, &end, 10) : 0;
    if (v == NULL || end == v || *end != '\0' || n < lo || n > hi) {
        azk_cli_err(_("%s: not a number from %ld to %ld: %s"), name, lo, hi, v != NULL ? v : "");
        return false;
    }
    *out = n;
    return true;
}

const char *sup_lang(void)
{
    const char *l = getenv("LANGUAGE");
    return l != NULL && strncmp(l, "en", 2) == 0 ? "en" : "ja";
}

char *sup_read_key(const char *path)
{
    char line[512];
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        azk_cli_err(_("%s: cannot read the key file"), path);
        return NULL;
    }
    if (fgets(line, sizeof(line), f) == NULL) {
        fclose(f);
        azk_cli_err(_("%s: empty key file"), path);
        return NULL;
    }
    fclose(f);
    line[strcspn(line, "\r\n")] = '\0';
    return strdup(line); /* checksrc: ok (CLI) */
}

/* Open the home and authenticate --user with --totp when given. */
static azk_home *open_as(const struct sup_opts *o)
{
    azk_home *h = azk_cli_open_home();
    if (h == NULL)
        return NULL;
    if (o->user != NULL && azk_user_auth(h, o->user, o->totp) != AZK_OK) {
        azk_cli_liberr(_("authentication"));
        azk_home_close(h);
        return NULL;
    }
    return h;
}

/* Write text to path whole or not at all (azk_outfile: temporary, fsync, rename). */
static int write_file(const char *path, const char *text)
{
    azk_outfile *f = NULL;
    if (azk_outfile_open(&f, path, 0644, 0) != AZK_OK) {
        azk_cli_liberr(path);
        return 1;
    }
    if (fputs(text, azk_outfile_stream(f)) < 0) {
        azk_outfile_abort(f);
        azk_cli_err(_("%s: write failed"), path);
        return 1;
    }
    if (azk_outfile_commit(f) != AZK_OK) {
        azk_cli_liberr(path);
        return 1;
    }
    return 0;
}

/* ---- report monthly ----------------------------------------------------------- */

static void report_usage(FILE *f)
{
    fprintf(f, "%s",
            _("Usage: azukari report monthly --client C --month YYYY-MM [--html FILE] "
              "[--out FILE.json]\n"
              "The signed monthly report of one client (月次報告): datasets held,\n"
              "received, opened, deleted (with certificates), overdue, incomplete,\n"
              "guard blocks and releases, approvals and refusals, authentication\n"
              "failures, training of the handlers, open internal-control findings,\n"
              "with the ledger's signed month-end checkpoint and consistency proofs.\n"
              "The month must be over. Without --out the JSON goes to standard output.\n"
              "--html FILE writes the printable page (A4; Japanese, English with\n"
              "--lang en). The report is also kept in the catalog (azukari serve\n"
              "shows it and its client downloads it).\n"));
}

int cmd_report(int argc, char **argv)
{
    struct sup_opts o;
    azk_monthly_report_options ro = AZK_MONTHLY_REPORT_OPTIONS_INIT;
    azk_home *h;
    char *doc = NULL, *html = NULL;
    int ret = 1;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        report_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? AZK_EXIT_USAGE : 0;
    }
    if (strcmp(argv[1], "monthly") != 0)
        return azk_cli_usage_err(_("report: unknown subcommand: %s"), argv[1]);
    if (!sup_parse(argc, argv, 2, &o))
        return AZK_EXIT_USAGE;
    if (o.help) {
        report_usage(stdout);
        return 0;
    }
    if (o.client == NULL || o.month == NULL)
        return azk_cli_usage_err(_("report monthly needs --client C and --month YYYY-MM"));
    if (o.npos > 0)
        return azk_cli_usage_err(_("report monthly: unexpected argument: %s"), o.pos[0]);
    h = open_as(&o);
    if (h == NULL)
        return 1;
    ro.client = o.client;
    ro.month = o.month;
    if (azk_monthly_report_keep(h, &ro, &doc) != AZK_OK) { /* kept: serve shows it */
        azk_cli_liberr(_("report monthly"));
        goto done;
    }
    if (o.out != NULL) {
        if (write_file(o.out, doc) != 0)
            goto done;
    } else {
        fputs(doc, stdout);
        fputc('\n', stdout);
    }
    if (o.html != NULL) {
        if (azk_monthly_report_html(doc, strlen(doc), sup_lang(), &html) != AZK_OK) {
            azk_cli_liberr(_("report monthly"));
            goto done;
        }
        if (write_file(o.html, html) != 0)
            goto done;
    }
    ret = 0;
done:
    azk_supervision_free(doc);
    azk_supervision_free(html);
    azk_home_close(h);
    return ret;
}

/* ---- training --------------------------------------------------------------------- */

static void training_usage(FILE *f)
{
    fprintf(f, "%s",
            _("Usage: azukari training course add ID --title TEXT --validity-days N\n"
              "       azukari training complete USER COURSE --date YYYY-MM-DD --evidence FILE\n"
              "       azukari training status [--warn-days N]\n"
              "       azukari training due [--warn-days N]\n"
              "Training (教育): courses valid for N days, completions per enrolled user (only\n"
              "the SHA-256 of the evidence file is kept), status, and what is due: lapsed,\n"
              "never done, or lapsing within --warn-days (default 30). Required courses per\n"
              "act (open, approve, guard.release) are set in azukari.conf \"training\";\n"
              "the library refuses those acts to a user whose required training lapsed.\n"
              "`due` exits 1 when something is due.\n"));
}

struct due_x {
    bool only_due;
    unsigned n;
};

static azk_status print_training(const azk_training_item *it, void *p)
{
    struct due_x *x = p;
    if (x->only_due && strcmp(it->status, "valid") == 0)
        return AZK_OK;
    x->n += strcmp(it->status, "valid") != 0;
    printf("%s\t%s\t%s\t%s\t%s\n", it->user, it->course,
           it->completed[0] != '\0' ? it->completed : "-",
           it->expires[0] != '\0' ? it->expires : "-", it->status);
    return AZK_OK;
}

int cmd_training(int argc, char **argv)
{
    struct sup_opts o;
    azk_home *h;
    int ret = 1;
    azk_status rc;
    const char *sub = argc > 1 ? argv[1] : NULL;
    if (sub == NULL || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        training_usage(sub == NULL ? stderr : stdout);
        return sub == NULL ? AZK_EXIT_USAGE : 0;
    }
    if (!sup_parse(argc, argv, 2, &o))
        return AZK_EXIT_USAGE;
    if (o.help) {
        training_usage(stdout);
        return 0;
    }
    if (strcmp(sub, "course") == 0) {
        long v = 0;
        if (o.npos != 2 || strcmp(o.pos[0], "add") != 0 || o.title == NULL || o.validity == NULL)
            return azk_cli_usage_err(
                _("training course add needs ID, --title TEXT and --validity-days N"));
        if (!num_opt("--validity-days", o.validity, 1, 3660, &v))
            return AZK_EXIT_USAGE;
        h = open_as(&o);
        if (h == NULL)
            return 1;
        rc = azk_training_course_add(h, o.pos[1], o.title, (unsigned)v);
    } else if (strcmp(sub, "complete") == 0) {
        if (o.npos != 2 || o.date == NULL || o.evidence == NULL)
            return azk_cli_usage_err(
                _("training complete needs USER COURSE, --date and --evidence FILE"));
        h = open_as(&o);
        if (h == NULL)
            return 1;
        rc = azk_training_complete(h, o.pos[0], o.pos[1], o.date, o.evidence);
    } else if (strcmp(sub, "status") == 0 || strcmp(sub, "due") == 0) {
        struct due_x x = {strcmp(sub, "due") == 0, 0};
        long w = 30;
        if (o.npos != 0)
            return azk_cli_usage_err(_("training %s: unexpected argument: %s"), sub, o.pos[0]);
        if (o.warn != NULL && !num_opt("--warn-days", o.warn, 0, 3660, &w))
            return AZK_EXIT_USAGE;
        h = open_as(&o);
        if (h == NULL)
            return 1;
        rc = azk_training_status(h, 0, (unsigned)w, print_training, &x);
        if (rc == AZK_OK) {
            ret = x.only_due && x.n > 0 ? 1 : 0;
            azk_home_close(h);
            return ret;
        }
    } else {
        return azk_cli_usage_err(_("training: unknown subcommand: %s"), sub);
    }
    if (rc != AZK_OK)
        azk_cli_liberr(_("training"));
    else
        ret = 0;
    azk_home_close(h);
    return ret;
}

/* ---- control ---------------------------------------------------------------------- */

static void control_usage(FILE *f)
{
    fprintf(f, "%s",
            _("Usage: azukari control criteria add FILE\n"
              "       azukari control criteria list\n"
              "       azukari control accept request --title TEXT --expires YYYY-MM-DD "
              "--user U --totp CODE\n"
              "       azukari control accept approve ID --user U2 --totp CODE\n"
              "       azukari control finding add --title TEXT --owner USER --due YYYY-MM-DD "
              "[--client C]\n"
              "       azukari control finding set ID --status open|in_progress|closed\n"
              "       azukari control list\n"
              "Internal control (内部管理): versioned risk criteria (the document's text and\n"
              "SHA-256), risk acceptances approved by a second person until their expiry,\n"
              "internal-audit findings with owner, due date and status. Every change is a\n"
              "ledger entry. `list` exits 1 when a finding is overdue.\n"));
}

static azk_status print_criteria(int64_t v, const char *sha, const char *at, const char *by,
                                 void *p)
{
    (void)p;
    printf("%lld\t%s\t%s\t%s\n", (long long)v, sha, at, by);
    return AZK_OK;
}

static azk_status print_item(const azk_control_item *it, void *p)
{
    unsigned *late = p;
    *late += it->overdue;
    printf("%s\t%s\t%s\t%s\t%s\t%s\t%s%s\n", it->id, it->kind, it->status, it->due, it->owner,
           it->client[0] != '\0' ? it->client : "-", it->title, it->overdue ? _("\tOVERDUE") : "");
    return AZK_OK;
}

int cmd_control(int argc, char **argv)
{
    struct sup_opts o;
    azk_home *h = NULL;
    azk_status rc = AZK_OK;
    char id[16];
    int ret = 1;
    const char *sub = argc > 1 ? argv[1] : NULL;
    if (sub == NULL || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        control_usage(sub == NULL ? stderr : stdout);
        return sub == NULL ? AZK_EXIT_USAGE : 0;
    }
    if (!sup_parse(argc, argv, 2, &o))
        return AZK_EXIT_USAGE;
    if (o.help) {
        control_usage(stdout);
        return 0;
    }
    {
        const char *p0 = o.npos > 0 ? o.pos[0] : "";
        bool ok = (strcmp(sub, "criteria") == 0 && ((strcmp(p0, "add") == 0 && o.npos == 2) ||
                                                    (strcmp(p0, "list") == 0 && o.npos == 1))) ||
                  (strcmp(sub, "accept") == 0 && ((strcmp(p0, "request") == 0 && o.npos == 1) ||
                                                  (strcmp(p0, "approve") == 0 && o.npos == 2))) ||
                  (strcmp(sub, "finding") == 0 &&
                   ((strcmp(p0, "add") == 0 && o.npos == 1) ||
                    (strcmp(p0, "set") == 0 && o.npos == 2 && o.status != NULL))) ||
                  (strcmp(sub, "list") == 0 && o.npos == 0);
        if (!ok) {
            if (strcmp(sub, "finding") == 0 && strcmp(p0, "set") == 0 && o.status == NULL)
                return azk_cli_usage_err(_("control finding set needs ID and --status"));
            return azk_cli_usage_err(_("control %s %s: unknown or incomplete (see --help)"), sub,
                                     p0);
        }
    }
    h = open_as(&o);
    if (h == NULL)
        return 1;
    if (strcmp(sub, "criteria") == 0 && strcmp(o.pos[0], "add") == 0) {
        int64_t v = 0;
        rc = azk_control_criteria_add(h, o.pos[1], &v);
        if (rc == AZK_OK)
            printf(_("risk criteria version %lld recorded\n"), (long long)v);
    } else if (strcmp(sub, "criteria") == 0) {
        rc = azk_control_criteria_list(h, print_criteria, NULL);
    } else if (strcmp(sub, "accept") == 0 && strcmp(o.pos[0], "request") == 0) {
        rc = azk_control_accept_request(h, o.title, o.expires, id);
        if (rc == AZK_OK)
            printf("%s\n", id);
    } else if (strcmp(sub, "accept") == 0) {
        rc = azk_control_accept_approve(h, o.pos[1]);
    } else if (strcmp(sub, "finding") == 0 && strcmp(o.pos[0], "add") == 0) {
        rc = azk_control_finding_add(h, o.title, o.client, o.owner, o.due, id);
        if (rc == AZK_OK)
            printf("%s\n", id);
    } else if (strcmp(sub, "finding") == 0) {
        rc = azk_control_finding_set(h, o.pos[1], o.status);
    } else {
        unsigned late = 0;
        rc = azk_control_list(h, NULL, o.client, 0, print_item, &late);
        if (rc == AZK_OK) {
            azk_home_close(h);
            return late > 0 ? 1 : 0;
        }
    }
    if (rc != AZK_OK)
        azk_cli_liberr(_("control"));
    else
        ret = 0;
    azk_home_close(h);
    return ret;
}
