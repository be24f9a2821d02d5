/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_impact.c -- `azukari impact PATH...`: incident impact analysis.
 * Which entrusted records are in the stolen files, per client and dataset
 * (records found, persons after 名寄せ within the client and across
 * clients, leaked items, datasets past their deletion deadline), drafts of
 * the report to the PPC and the notices (--report-dir), and per-client
 * notification lists encrypted to the client's public key (--client-key).
 * Subcommands: `impact keygen` (a client key pair), `impact decrypt-list`.
 * Only counts, ids, item names and dates are printed, never a value.
 */
#include "cli.h"
#include "cli_home.h"
#include "commands.h"
#include "opts.h"

#include "azukari/impact.h"
#include "azukari/incident.h"
#include "impact_jobs_cli.h"
#include "retention_cli.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define MAX_KEYS 256

static void usage(FILE *out)
{
    fprintf(out, _("Usage: azukari impact [OPTIONS] PATH...\n"
                   "       azukari impact keygen --public FILE --secret FILE\n"
                   "       azukari impact decrypt-list --key SECRET-FILE LIST-FILE\n"
                   "       azukari impact draft INCIDENT [--client CLIENT]\n"
                   "       azukari impact incidents [--state open|reported|closed]\n"
                   "       azukari impact incident INCIDENT --state reported|closed [--note TEXT] "
                   "--user NAME --totp CODE\n"
                   "       azukari impact jobs | job request|approve|refuse ... | worker "
                   "(azukari impact jobs --help)\n"));
    fprintf(out, _("Find the entrusted records in stolen files (files, directories, archives) "
                   "and report,\nper client and dataset, records found, persons after 名寄せ, "
                   "leaked items and\ndatasets past their deletion deadline.\n\n"));
    fprintf(out, _("A record counts only when the values in the files agree with the decrypted "
                   "record;\nrecords that a namesake could show as well are reported apart "
                   "(probable).\n\n"));
    fprintf(out, _("      --list FILE             read more paths from FILE, one per line\n"
                   "      --format FMT            text (default) or json\n"
                   "      --report-dir DIR        write report-ppc.md, notice-client-CLIENT.md, "
                   "notice-individual.md\n"
                   "      --client-key CLIENT=FILE  encrypt CLIENT's notification list to this "
                   "X25519 public key\n"
                   "                              (repeatable; clients without a key get no list)\n"
                   "      --list-dir DIR          where notification lists are written (default: "
                   "the report\n"
                   "                              directory, else the current directory)\n"
                   "      --known-date DATE       the date the leak became known (YYYY-MM-DD)\n"
                   "      --cause CAUSE           unauthorized-access, theft, error or other\n"
                   "      --as-of DATE            judge deletion deadlines at DATE (default: "
                   "today)\n"
                   "      --contractor NAME       the reporting company's name for the drafts\n"
                   "      --threshold P           match probability to link two records "
                   "(default 0.9)\n"
                   "      --population M          people the files may mention besides the "
                   "records, for\n"
                   "                              name + birth date notes (default: 1,000,000 or "
                   "10 per record)\n"
                   "      --encoding ENC          force the encoding of the stolen files\n"
                   "      --threads N             worker threads (default 2)\n"
                   "      --no-record             do not record the run as an incident (by "
                   "default a run\n"
                   "                              that finds records, even probable ones, is "
                   "recorded)\n"
                   "  -h, --help                  show this help\n"));
    fprintf(out, _("\nExit status: 1 entrusted records were found; 2 none found but some object "
                   "could not be read;\n0 none found; 64 usage error; 3 failure.\n"));
}

/* ---- keygen / decrypt-list ------------------------------------------------ */

static int cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {{"public", required_argument, NULL, 'p'},
                                         {"secret", required_argument, NULL, 's'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *pub = NULL;
    const char *sec = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
            case 'p':
                pub = optarg;
                break;
            case 's':
                sec = optarg;
                break;
            case 'h':
                usage(stdout);
                return 0;
            default:
                usage(stderr);
                return AZK_EXIT_USAGE;
        }
    }
    if (pub == NULL || sec == NULL || optind != argc) {
        azk_cli_err(_("impact keygen needs --public FILE and --secret FILE"));
        return AZK_EXIT_USAGE;
    }
    if (azk_impact_keygen(pub, sec) != AZK_OK) {
        azk_cli_liberr(sec);
        return 3;
    }
    return 0;
}

static azk_status write_stdout(const uint8_t *p, size_t n, void *payload)
{
    (void)payload;
    if (fwrite(p, 1, n, stdout) != n)
        return AZK_ERR_IO;
    return AZK_OK;
}

static int cmd_decrypt(int argc, char **argv)
{
    static const struct option opts[] = {{"key", required_argument, NULL, 'k'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *key = NULL;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
            case 'k':
                key = optarg;
                break;
            case 'h':
                usage(stdout);
                return 0;
            default:
                usage(stderr);
                return AZK_EXIT_USAGE;
        }
    }
    if (key == NULL || optind != argc - 1) {
        azk_cli_err(_("impact decrypt-list needs --key SECRET-FILE and one LIST-FILE"));
        return AZK_EXIT_USAGE;
    }
    if (azk_impact_decrypt_list(argv[optind], key, write_stdout, NULL) != AZK_OK) {
        azk_cli_liberr(argv[optind]);
        return 3;
    }
    if (fflush(stdout) != 0) {
        azk_cli_err(_("cannot write the standard output"));
        return 3;
    }
    return 0;
}

/* ---- output ------------------------------------------------------------------ */

/* Item names for the text table (translated; msgids are the kind names). */
static const char *item_label(azk_column_kind k)
{
    switch (k) {
        case AZK_COL_CUSTOMER_ID:
            return _("customer_id");
        case AZK_COL_NAME:
            return _("name");
        case AZK_COL_NAME_KANA:
            return _("name_kana");
        case AZK_COL_FAMILY_NAME:
            return _("family_name");
        case AZK_COL_GIVEN_NAME:
            return _("given_name");
        case AZK_COL_BIRTH_DATE:
            return _("birth_date");
        case AZK_COL_POSTAL_CODE:
            return _("postal_code");
        case AZK_COL_ADDRESS:
            return _("address");
        case AZK_COL_PHONE:
            return _("phone");
        case AZK_COL_EMAIL:
            return _("email");
        case AZK_COL_BANK_ACCOUNT:
            return _("bank_account");
        case AZK_COL_MY_NUMBER:
            return _("my_number");
        case AZK_COL_CORPORATE_NUMBER:
            return _("corporate_number");
        case AZK_COL_CREDIT_CARD:
            return _("credit_card");
        default:
            return NULL;
    }
}

static void print_items(uint32_t kinds)
{
    int n = 0;
    for (int k = AZK_COL_CUSTOMER_ID; k < AZK_COL__COUNT; k++) {
        const char *l = item_label((azk_column_kind)k);
        if (l == NULL || !(kinds & (1u << k)))
            continue;
        printf("%s%s", n++ ? ", " : "", l);
    }
    if (n == 0)
        printf("-");
}

static void print_text(const azk_impact_result *r)
{
    printf(_("Client\tDataset\tRecords found\tPersons after 名寄せ\tItems\tPast deadline\n"));
    for (size_t i = 0; i < r->dataset_count; i++) {
        const azk_impact_dataset *d = &r->datasets[i];
        printf("%s\t%s\t%" PRIu64 "\t%" PRIu64 "\t", d->client, d->dataset, d->records, d->persons);
        print_items(d->kinds);
        if (d->past_deadline)
            printf(_("\tyes (%s, %" PRIu64 " days)\n"), d->retain_until, d->days_overdue);
        else
            printf(_("\tno (%s)\n"), d->retain_until);
    }
    printf("\n");
    for (size_t i = 0; i < r->client_count; i++) {
        const azk_impact_client *c = &r->clients[i];
        printf(_("client %s: %" PRIu64 " records, %" PRIu64 " persons after 名寄せ, %zu datasets "
                 "(%zu past their deadline)\n"),
               c->client, c->records, c->persons, c->datasets, c->past_deadline);
        if (c->list_path != NULL)
            printf(_("  notification list (encrypted, %" PRIu64 " rows): %s\n"), c->list_rows,
                   c->list_path);
        else
            printf(_("  no notification list written (no --client-key for this client)\n"));
    }
    printf(_("total: %" PRIu64 " records; %" PRIu64 " persons after 名寄せ within each client; "
             "%" PRIu64 " persons across clients\n"),
           r->records, r->persons_by_client, r->persons);
    printf(_("records confirmed against the decrypted records: %" PRIu64 " of %" PRIu64
             " candidates pointed at by the fingerprints\n"),
           r->records, r->candidates);
    printf(_("strict count (each record about someone else at most 1 in 10^6): %" PRIu64
             " records, %" PRIu64 " persons after 名寄せ within each client\n"),
           r->strict, r->persons_strict_by_client);
    if (r->name_birth > 0)
        printf(_("  beside it: %" PRIu64 " records confirmed by name and birth date only "
                 "(expected about another person: %.3g)\n"),
               r->name_birth, r->name_birth_other);
    if (r->household > 0)
        printf(_("  beside it: %" PRIu64 " records confirmed by a household's address or fixed "
                 "line and at most the name (expected about a co-resident: %.3g)\n"),
               r->household, r->household_other);
    if (r->probable > 0)
        printf(_("not counted: %" PRIu64 " records whose name and birth date or postal code "
                 "appear, which a namesake would show as well\n"),
               r->probable);
    printf(_("objects scanned: %" PRIu64 " (%" PRIu64 " files), with entrusted records: %" PRIu64
             ", not readable: %" PRIu64 "; deadlines judged at %s\n"),
           r->objects, r->files, r->objects_hit, r->errors, r->as_of);
}

static int print_json(const azk_impact_result *r)
{
    char *s = NULL;
    int ret = 0;
    if (azk_impact_result_json(r, &s) != AZK_OK)
        return -1;
    if (fputs(s, stdout) == EOF || putchar('\n') == EOF)
        ret = -1;
    azk_impact_free(s);
    return ret;
}

/* ---- the analysis ------------------------------------------------------------ */

static bool read_list(struct azk_strlist *paths, const char *file)
{
    FILE *f = fopen(file, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    bool ok = true;
    if (f == NULL) {
        azk_cli_err(_("cannot open the list %s: %s"), file, strerror(errno));
        return false;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            n--;
        if (n == 0)
            continue;
        if (!azk_strlist_add_copy(paths, line, (size_t)n)) {
            azk_cli_err(_("out of memory"));
            ok = false;
            break;
        }
    }
    if (ok && ferror(f)) {
        azk_cli_err(_("cannot read the list %s"), file);
        ok = false;
    }
    free(line); /* getline's buffer */
    fclose(f);
    return ok;
}

/* `impact draft INCIDENT [--client C]`: a recorded incident's PPC draft or a client's notice. */
static int cmd_draft(int argc, char **argv)
{
    static const struct option opts[] = {{"client", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *client = NULL;
    azk_home *h = NULL;
    char *md = NULL;
    int c, ret = AZK_EXIT_USAGE;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
            case 'c':
                client = optarg;
                break;
            case 'h':
                usage(stdout);
                return 0;
            default:
                usage(stderr);
                return AZK_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc) {
        azk_cli_err(_("impact draft needs one incident id"));
        return AZK_EXIT_USAGE;
    }
    ret = 3;
    h = azk_cli_open_home();
    if (h != NULL) {
        if (azk_incident_draft(h, argv[optind], client, &md) != AZK_OK)
            azk_cli_liberr(argv[optind]);
        else if (fputs(md, stdout) == EOF || fflush(stdout) != 0)
            azk_cli_err(_("cannot write the standard output"));
        else
            ret = 0;
    }
    azk_incident_free(md);
    azk_home_close(h);
    return ret;
}

static azk_status print_incident(const azk_incident_info *i, void *payload)
{
    char t[32] = "-";
    time_t secs = (time_t)i->created_at;
    struct tm tm;
    (void)payload;
    if (gmtime_r(&secs, &tm) != NULL)
        (void)strftime(t, sizeof(t), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (printf("%s  %s  %-8s  %llu  %llu  %llu\n", i->id, t, i->state,
               (unsigned long long)i->records, (unsigned long long)i->persons,
               (unsigned long long)i->probable) < 0)
        return AZK_ERR_IO; /* the standard output: reported by the caller */
    return AZK_OK;
}

/* `impact incidents [--state S]`: the register, newest first. */
static int cmd_incidents(int argc, char **argv)
{
    const char *state = NULL;
    azk_home *h;
    int ret = 3;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--state") == 0 && i + 1 < argc) {
            state = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return 0;
        } else {
            azk_cli_err(_("unknown option: %s"), argv[i]);
            return AZK_EXIT_USAGE;
        }
    }
    if (state != NULL && strcmp(state, "open") != 0 && strcmp(state, "reported") != 0 &&
        strcmp(state, "closed") != 0) {
        azk_cli_err(_("--state must be open, reported or closed"));
        return AZK_EXIT_USAGE;
    }
    h = azk_cli_open_home();
    if (h == NULL)
        return 3;
    if (!azk_cli_quiet)
        printf("%s\n", _("incident  recorded  state  records  persons  probable"));
    if (azk_incident_list(h, state, print_incident, NULL) != AZK_OK)
        azk_cli_liberr(_("incidents"));
    else
        ret = fflush(stdout) == 0 ? 0 : 3;
    azk_home_close(h);
    return ret;
}

/* `impact incident ID --state S [--note TEXT] --user NAME --totp CODE`: a person moves it. */
static int cmd_incident(int argc, char **argv)
{
    struct ret_opts ro;
    const char *state = NULL, *note = NULL;
    azk_home *h;
    int ret = 3;
    memset(&ro, 0, sizeof(ro));
    if (argc < 2 || argv[1][0] == '-') {
        azk_cli_err(_("impact incident needs one incident id"));
        return AZK_EXIT_USAGE;
    }
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--state") == 0 && i + 1 < argc)
            state = argv[++i];
        else if (strcmp(argv[i], "--note") == 0 && i + 1 < argc)
            note = argv[++i];
        else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
            ro.user = argv[++i];
        else if (strcmp(argv[i], "--totp") == 0 && i + 1 < argc)
            ro.totp = argv[++i];
        else {
            azk_cli_err(_("unknown option: %s"), argv[i]);
            return AZK_EXIT_USAGE;
        }
    }
    if (state == NULL || (strcmp(state, "reported") != 0 && strcmp(state, "closed") != 0)) {
        azk_cli_err(_("--state must be reported or closed"));
        return AZK_EXIT_USAGE;
    }
    if (ro.totp == NULL)
        ro.totp = getenv("AZUKARI_TOTP");
    h = ret_open_home(&ro); /* a person: --user NAME with a TOTP code */
    if (h == NULL)
        return 3;
    if (azk_incident_set_state(h, argv[1], state, note) != AZK_OK) {
        azk_cli_liberr(argv[1]);
    } else {
        if (!azk_cli_quiet)
            printf(_("%s is now %s\n"), argv[1], state);
        ret = 0;
    }
    azk_home_close(h);
    return ret;
}

int cmd_impact(int argc, char **argv)
{
    static const struct option opts[] = {{"list", required_argument, NULL, 'L'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"report-dir", required_argument, NULL, 'r'},
                                         {"client-key", required_argument, NULL, 'k'},
                                         {"list-dir", required_argument, NULL, 'd'},
                                         {"known-date", required_argument, NULL, 'K'},
                                         {"cause", required_argument, NULL, 'c'},
                                         {"as-of", required_argument, NULL, 'a'},
                                         {"contractor", required_argument, NULL, 'C'},
                                         {"threshold", required_argument, NULL, 't'},
                                         {"population", required_argument, NULL, 'P'},
                                         {"encoding", required_argument, NULL, 'e'},
                                         {"threads", required_argument, NULL, 'T'},
                                         {"no-record", no_argument, NULL, 'N'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    azk_impact_options o = AZK_IMPACT_OPTIONS_INIT;
    azk_impact_report_options ro = AZK_IMPACT_REPORT_OPTIONS_INIT;
    azk_impact_client_key keys[MAX_KEYS];
    size_t nkeys = 0;
    struct azk_strlist paths = {0};
    struct azk_strlist keybufs = {0};
    azk_impact_result res;
    const char *format = "text";
    const char *report_dir = NULL;
    azk_home *h = NULL;
    bool record = true;
    uint64_t v;
    int c;
    int ret = AZK_EXIT_USAGE;

    memset(&res, 0, sizeof(res));
    if (argc >= 2 && strcmp(argv[1], "keygen") == 0)
        return cmd_keygen(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "decrypt-list") == 0)
        return cmd_decrypt(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "draft") == 0)
        return cmd_draft(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "incidents") == 0)
        return cmd_incidents(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "incident") == 0)
        return cmd_incident(argc - 1, argv + 1);
    if (argc >= 2 && (strcmp(argv[1], "jobs") == 0 || strcmp(argv[1], "job") == 0 ||
                      strcmp(argv[1], "worker") == 0))
        return azk_cli_impact_jobs(argc - 1, argv + 1);
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
            case 'L':
                if (!read_list(&paths, optarg))
                    goto done;
                break;
            case 'f':
                if (strcmp(optarg, "text") != 0 && strcmp(optarg, "json") != 0) {
                    azk_cli_err(_("--format must be text or json"));
                    goto done;
                }
                format = optarg;
                break;
            case 'r':
                report_dir = optarg;
                break;
            case 'k': {
                const char *eq = strchr(optarg, '=');
                if (eq == NULL || eq == optarg || eq[1] == '\0' || nkeys == MAX_KEYS) {
                    azk_cli_err(_("--client-key takes CLIENT=FILE"));
                    goto done;
                }
                if (!azk_strlist_add_copy(&keybufs, optarg, (size_t)(eq - optarg))) {
                    azk_cli_err(_("out of memory"));
                    goto done;
                }
                keys[nkeys].client = keybufs.items[keybufs.count - 1];
                keys[nkeys].public_key_path = eq + 1;
                nkeys++;
                break;
            }
            case 'd':
                o.list_dir = optarg;
                break;
            case 'K':
                ro.known_date = optarg;
                break;
            case 'c':
                if (!azk_impact_cause_parse(optarg, &ro.cause)) {
                    azk_cli_err(_("--cause must be unauthorized-access, theft, error or other"));
                    goto done;
                }
                break;
            case 'a':
                o.as_of = optarg;
                break;
            case 'C':
                ro.contractor = optarg;
                break;
            case 't':
                if (!azk_opt_double(optarg, 0.01, 0.9999, &o.link_threshold)) {
                    azk_cli_err(_("--threshold must be a probability between 0.01 and 0.9999"));
                    goto done;
                }
                break;
            case 'P':
                if (!azk_opt_double(optarg, 1e6, 1e10, &o.population)) {
                    azk_cli_err(_("--population must be a number of people from 1000000 to "
                                  "10000000000"));
                    goto done;
                }
                break;
            case 'e':
                if (azk_encoding_name(optarg) == NULL) {
                    azk_cli_err(_("unknown encoding: %s"), optarg);
                    goto done;
                }
                o.encoding = optarg;
                break;
            case 'T':
                if (!azk_opt_uint(optarg, 1, 256, &v)) {
                    azk_cli_err(_("--threads must be between 1 and 256"));
                    goto done;
                }
                o.threads = (unsigned)v;
                break;
            case 'N':
                record = false;
                break;
            case 'h':
                usage(stdout);
                ret = 0;
                goto done;
            default:
                usage(stderr);
                goto done;
        }
    }
    for (int i = optind; i < argc; i++) {
        if (!azk_strlist_add(&paths, argv[i])) {
            azk_cli_err(_("out of memory"));
            goto done;
        }
    }
    if (paths.count == 0) {
        azk_cli_err(_("impact needs the stolen files: PATH... or --list FILE"));
        usage(stderr);
        goto done;
    }
    if (ro.known_date != NULL) {
        azk_impact_deadlines dl;
        if (azk_impact_deadlines_compute(&res, ro.known_date, ro.cause, &dl) != AZK_OK) {
            azk_cli_err(_("--known-date must be a date YYYY-MM-DD"));
            goto done;
        }
    }
    if (o.as_of != NULL) {
        azk_impact_deadlines dl;
        if (azk_impact_deadlines_compute(&res, o.as_of, ro.cause, &dl) != AZK_OK) {
            azk_cli_err(_("--as-of must be a date YYYY-MM-DD"));
            goto done;
        }
    }
    if (nkeys > 0 && o.list_dir == NULL)
        o.list_dir = report_dir != NULL ? report_dir : ".";
    o.keys = keys;
    o.key_count = nkeys;
    ret = 3;
    h = azk_cli_open_home();
    if (h == NULL)
        goto done;
    if (report_dir != NULL && mkdir(report_dir, 0700) != 0 && errno != EEXIST) {
        /* created before the lists may go there */
        azk_cli_err(_("cannot create %s: %s"), report_dir, strerror(errno));
        goto done;
    }
    if (azk_impact_run(h, paths.items, paths.count, &o, &res) != AZK_OK) {
        azk_cli_liberr(_("impact"));
        goto done;
    }
    if (report_dir != NULL && azk_impact_write_reports(&res, &ro, report_dir) != AZK_OK) {
        azk_cli_liberr(report_dir);
        goto done;
    }
    if (record && (res.records > 0 || res.probable > 0)) {
        azk_incident_options io = AZK_INCIDENT_OPTIONS_INIT;
        char id[AZK_INCIDENT_ID_MAX];
        io.known_date = ro.known_date;
        io.cause = ro.cause;
        io.contractor = ro.contractor;
        if (azk_incident_record(h, &res, (const char *const *)paths.items, paths.count, &io, id) !=
            AZK_OK) {
            azk_cli_liberr(_("incident"));
            goto done;
        }
        if (!azk_cli_quiet)
            fprintf(stderr, _("incident recorded: %s\n"), id);
    }
    if (strcmp(format, "json") == 0) {
        if (print_json(&res) != 0) {
            azk_cli_err(_("cannot write the standard output"));
            goto done;
        }
    } else {
        print_text(&res);
    }
    for (size_t k = 0; k < nkeys; k++) {
        bool found = false;
        for (size_t i = 0; i < res.client_count; i++)
            found = found || strcmp(res.clients[i].client, keys[k].client) == 0;
        if (!found && !azk_cli_quiet)
            fprintf(stderr, _("no records of client %s were found: no list written for it\n"),
                    keys[k].client);
    }
    if (report_dir != NULL && !azk_cli_quiet)
        fprintf(stderr, _("report drafts written to %s\n"), report_dir);
    ret = res.records > 0 ? 1 : res.errors > 0 ? 2 : 0;
done:
    azk_impact_result_dispose(&res);
    azk_home_close(h);
    azk_strlist_dispose(&paths);
    azk_strlist_dispose(&keybufs);
    return ret;
}
