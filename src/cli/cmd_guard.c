/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_guard.c -- `azukari guard`: the egress guard.
 *
 *   guard check [--format text|jsonl] [--to DEST] FILE...   decision per file
 *   guard icap [--listen HOST:PORT] [--threads N] ...       ICAP service (RFC 3507)
 *   guard policy [show | set KEY VALUE]                     the "guard" policy
 *
 * `check` exits 0 when every file may leave, 1 when any is blocked
 * (including what could not be read under the default policy, and a
 * policy that cannot be loaded: fail closed), 64 on a usage error. Output
 * names files, types, counts and datasets; never a value.
 */
#include "cli.h"
#include "cli_home.h"
#include "commands.h"
#include "opts.h"
#include "retention_cli.h"

#include "azukari/audit.h"
#include "azukari/guard.h"
#include "azukari/outfile.h"

#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/*
 * Decision words and reasons are the product's vocabulary (許可/警告/遮断);
 * they follow the --lang choice directly so a script can rely on them even
 * before the shared message catalog carries them.
 */
static bool lang_ja(void)
{
    const char *l = getenv("LANGUAGE");
    return l == NULL || strncmp(l, "ja", 2) == 0;
}

static const char *verdict_label(azk_guard_verdict v)
{
    static const char *ja[] = {"許可", "警告", "遮断"};
    static const char *en[] = {"allow", "warn", "block"};
    if ((unsigned)v > AZK_GUARD_BLOCK)
        v = AZK_GUARD_BLOCK;
    return lang_ja() ? ja[v] : en[v];
}

static const char *conf_path(char *buf, size_t cap, const char *explicit_conf)
{
    if (explicit_conf != NULL)
        return explicit_conf;
    snprintf(buf, cap, "%s/azukari.conf", azk_cli_home(azk_cli_home_opt));
    return buf;
}

/* ---- check ------------------------------------------------------------------- */

struct check_ctx {
    bool no_ledger;
    bool ledger_warned;
    bool json;
    bool out_failed; /* stdout failed: the run stops */
    int worst;
    uint64_t files, blocked, warned;
};

static void print_text(const char *path, const azk_guard_decision *d)
{
    bool ja = lang_ja();
    size_t i;
    const char *sep = "";
    printf("%s\t", verdict_label(d->verdict));
    azk_fputs_printable(path, stdout); /* a name must not drive the terminal */
    if (d->edm_rows > 0) {
        printf(ja ? "\t預かりレコード %" PRIu64 "件" : "\tentrusted records %" PRIu64, d->edm_rows);
        for (i = 0; i < d->edm_count; i++)
            printf(" [%s/%s %" PRIu64 "]", d->edm[i].client, d->edm[i].dataset, d->edm[i].rows);
    }
    if (d->score > 0.0) {
        printf(ja ? "\t個人情報スコア %.1f (" : "\tpersonal data score %.1f (", d->score);
        for (i = 0; i < AZK_PII__COUNT; i++) {
            if (d->counts[i] > 0) {
                printf("%s%s %zu", sep, azk_pii_type_name((azk_pii_type)i), d->counts[i]);
                sep = ", ";
            }
        }
        printf(")");
    }
    if (d->unreadable > 0 || (d->reasons & (AZK_GUARD_R_LIMIT | AZK_GUARD_R_INTERNAL))) {
        printf(ja ? "\t読み取り不能 %" PRIu64 "件 (%s)" : "\tunreadable %" PRIu64 " (%s)",
               d->unreadable, d->unreadable_code[0] ? d->unreadable_code : "error");
    }
    if (d->reasons & AZK_GUARD_R_IMAGE)
        printf(ja ? "\t画像 %" PRIu64 "件" : "\timage %" PRIu64, d->classes[AZK_GUARD_CLASS_IMAGE]);
    printf("\n");
}

/* A block is a ledger event "guard.block" (channel check): the file is named by
 * a keyed hash of its path, never the path (azk_guard_record_block). */
static void record_check_block(struct check_ctx *c, const char *path, const azk_guard_decision *d)
{
    if (c->no_ledger)
        return;
    if (azk_guard_record_block(azk_cli_home(azk_cli_home_opt), path, d, "check") != AZK_OK &&
        !c->ledger_warned) {
        azk_cli_liberr(_("audit ledger"));
        azk_cli_err(_("blocks of this run are not recorded in the ledger (the decision stands)"));
        c->ledger_warned = true;
    }
}

static azk_status check_cb(const char *path, const azk_guard_decision *d, void *payload)
{
    struct check_ctx *c = payload;
    c->files++;
    if (d->verdict == AZK_GUARD_BLOCK)
        record_check_block(c, path, d);
    if (d->verdict == AZK_GUARD_BLOCK)
        c->blocked++;
    else if (d->verdict == AZK_GUARD_WARN)
        c->warned++;
    if ((int)d->verdict > c->worst)
        c->worst = (int)d->verdict;
    if (c->json) {
        char *j = NULL;
        if (azk_guard_decision_to_json(d, path, &j) == AZK_OK) {
            printf("%s\n", j);
            azk_guard_mem_free(j);
        } else {
            /* cannot print the reasons: the verdict still stands */
            printf("{\"decision\": \"%s\"}\n", azk_guard_verdict_name(d->verdict));
        }
    } else {
        print_text(path, d);
    }
    if (ferror(stdout)) { /* the verdicts cannot be read: stop checking */
        c->out_failed = true;
        return AZK_ERR_IO;
    }
    return AZK_OK;
}

static void usage_check(FILE *out)
{
    fprintf(out, _("Usage: azukari guard check [--format text|jsonl] [--to DEST] [--config FILE]\n"
                   "                           [--fingerprints FILE] FILE...\n"));
    fprintf(out, _("Decide for each file whether it may leave the closed zone, with the reasons\n"
                   "(entrusted records per client/dataset, personal data types and counts, what\n"
                   "could not be read). Values are never printed.\n\n"));
    fprintf(out, _("      --format FMT        text (default) or jsonl\n"
                   "      --to DEST           destination path or host; inside the closed zone\n"
                   "                          nothing leaves and every file is allowed\n"
                   "      --config FILE       policy file (default HOME/azukari.conf)\n"
                   "      --fingerprints FILE fingerprint export (overrides the policy)\n"
                   "  -h, --help              show this help\n"));
    fprintf(out,
            _("\nExit status: 0 every file may leave; 1 a file is blocked (also what could not\n"
              "be read, under the default policy, and a policy that cannot be loaded);\n"
              "64 usage error.\n"));
}

static int guard_check(int argc, char **argv)
{
    enum { OPT_TO = 256, OPT_CONFIG, OPT_FP };
    static const struct option opts[] = {{"format", required_argument, NULL, 'f'},
                                         {"to", required_argument, NULL, OPT_TO},
                                         {"config", required_argument, NULL, OPT_CONFIG},
                                         {"fingerprints", required_argument, NULL, OPT_FP},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    struct check_ctx ctx = {.worst = AZK_GUARD_ALLOW};
    const char *to = NULL, *config = NULL, *fp = NULL;
    char cbuf[4096];
    azk_guard_policy pol;
    azk_guard *g = NULL;
    int c, i, ret = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
            case 'f':
                if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0) {
                    ctx.json = true;
                } else if (strcmp(optarg, "text") == 0) {
                    ctx.json = false;
                } else {
                    azk_cli_err(_("unknown format: %s"), optarg);
                    return AZK_EXIT_USAGE;
                }
                break;
            case OPT_TO:
                to = optarg;
                break;
            case OPT_CONFIG:
                config = optarg;
                break;
            case OPT_FP:
                fp = optarg;
                break;
            case 'h':
                usage_check(stdout);
                return 0;
            default:
                usage_check(stderr);
                return AZK_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage_check(stderr);
        return AZK_EXIT_USAGE;
    }
    if (azk_guard_policy_load(&pol, conf_path(cbuf, sizeof(cbuf), config)) != AZK_OK) {
        azk_cli_liberr(_("guard policy"));
        azk_cli_err(_("the policy cannot be loaded: nothing may leave"));
        azk_guard_policy_dispose(&pol);
        return 1;
    }
    if (fp != NULL) {
        char *dup = strdup(fp);
        if (dup == NULL) {
            azk_guard_policy_dispose(&pol);
            return 1;
        }
        free(pol.fingerprints); /* the policy's strings come from the same allocator */
        pol.fingerprints = dup;
    }
    if (to != NULL && azk_guard_policy_closed_dest(&pol, to)) {
        if (!azk_cli_quiet)
            fprintf(stderr, "%s: %s\n", azk_cli_progname,
                    _("the destination is inside the closed zone: nothing leaves"));
        ret = 0;
        goto done;
    }
    if (azk_guard_new(&g, &pol) != AZK_OK) {
        azk_cli_liberr(_("guard"));
        azk_cli_err(_("cannot check: nothing may leave"));
        goto done;
    }
    for (i = optind; i < argc; i++) {
        if (azk_guard_check_path(g, argv[i], check_cb, &ctx) != AZK_OK) {
            ctx.worst = AZK_GUARD_BLOCK;
            if (ctx.out_failed)
                break;
            azk_cli_liberr(argv[i]);
        }
    }
    if (fflush(stdout) != 0 || ctx.out_failed) {
        azk_cli_err(_("cannot write the standard output"));
        ctx.worst = AZK_GUARD_BLOCK; /* fail closed */
    }
    ret = ctx.worst == AZK_GUARD_BLOCK ? 1 : 0;
done:
    azk_guard_free(g);
    azk_guard_policy_dispose(&pol);
    return ret;
}

/* ---- icap -------------------------------------------------------------------------- */

static azk_guard_icap *the_server;

static void on_signal(int sig)
{
    (void)sig;
    azk_guard_icap_stop(the_server);
}

static void log_stderr(azk_log_level level, const char *msg, void *payload)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    char ts[32];
    time_t t = time(NULL);
    struct tm tm;
    (void)payload;
    if (level == AZK_LOG_DEBUG)
        return;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(stderr, "%s %s %s\n", ts, names[level], msg);
}

static void usage_icap(FILE *out)
{
    fprintf(out, _("Usage: azukari guard icap [--listen HOST:PORT] [--threads N] [--spool DIR]\n"
                   "                          [--config FILE] [--no-ledger]\n"));
    fprintf(out, _("Serve the ICAP service icap://HOST:PORT/guard (RFC 3507: OPTIONS, REQMOD with\n"
                   "preview and 204) for a proxy such as Squid: HTTP uploads carrying entrusted\n"
                   "records or personal data above the policy's score are answered with a 403\n"
                   "and a Japanese block page; blocks are recorded in the audit ledger.\n\n"));
    fprintf(out,
            _("      --listen HOST:PORT  listen address (default 127.0.0.1:1344; port 0 = any)\n"
              "      --threads N         scanners: bodies inspected at once (default 4)\n"
              "      --connections N     connection threads reading requests into the\n"
              "                          encrypted spool (default 8 x threads)\n"
              "      --queue N           connections waiting for a worker (default 64)\n"
              "      --timeout SECONDS   idle and head timeout of a client (default 30)\n"
              "      --request-timeout SECONDS\n"
              "                          a whole request must arrive within this (default 120)\n"
              "      --spool DIR         encrypted spool of request bodies (default $TMPDIR)\n"
              "      --config FILE       policy file (default HOME/azukari.conf)\n"
              "      --no-ledger         do not record blocks (tests only; default: the home's\n"
              "                          ledger is required)\n"
              "  -h, --help              show this help\n"));
}

static int guard_icap(int argc, char **argv)
{
    enum {
        OPT_LISTEN = 256,
        OPT_THREADS,
        OPT_QUEUE,
        OPT_TIMEOUT,
        OPT_SPOOL,
        OPT_CONFIG,
        OPT_NOLEDGER,
        OPT_CONNS,
        OPT_REQTIMEOUT
    };
    static const struct option opts[] = {
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"threads", required_argument, NULL, OPT_THREADS},
        {"queue", required_argument, NULL, OPT_QUEUE},
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"spool", required_argument, NULL, OPT_SPOOL},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"no-ledger", no_argument, NULL, OPT_NOLEDGER},
        {"connections", required_argument, NULL, OPT_CONNS},
        {"request-timeout", required_argument, NULL, OPT_REQTIMEOUT},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    azk_guard_icap_options o = AZK_GUARD_ICAP_OPTIONS_INIT;
    azk_guard_policy pol;
    azk_guard_icap_stats st;
    char host[256] = "127.0.0.1", cbuf[4096];
    const char *config = NULL;
    bool ledger = true;
    uint64_t v;
    int c, ret = 1;
    struct sigaction sa;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
            case OPT_LISTEN: {
                const char *colon = strrchr(optarg, ':');
                size_t hl;
                if (colon == NULL || !azk_opt_uint(colon + 1, 0, 65535, &v)) {
                    azk_cli_err(_("--listen needs HOST:PORT"));
                    return AZK_EXIT_USAGE;
                }
                hl = (size_t)(colon - optarg);
                if (hl >= 2 && optarg[0] == '[' && optarg[hl - 1] == ']') {
                    optarg++;
                    hl -= 2;
                }
                if (hl == 0 || hl >= sizeof(host)) {
                    azk_cli_err(_("--listen needs HOST:PORT"));
                    return AZK_EXIT_USAGE;
                }
                memcpy(host, optarg, hl);
                host[hl] = '\0';
                o.port = (unsigned)v;
                break;
            }
            case OPT_THREADS:
                if (!azk_opt_uint(optarg, 1, 256, &v)) {
                    azk_cli_err(_("--threads needs 1..256"));
                    return AZK_EXIT_USAGE;
                }
                o.threads = (unsigned)v;
                break;
            case OPT_QUEUE:
                if (!azk_opt_uint(optarg, 1, 100000, &v)) {
                    azk_cli_err(_("--queue needs 1..100000"));
                    return AZK_EXIT_USAGE;
                }
                o.queue = (unsigned)v;
                break;
            case OPT_TIMEOUT:
                if (!azk_opt_uint(optarg, 1, 3600, &v)) {
                    azk_cli_err(_("--timeout needs 1..3600 seconds"));
                    return AZK_EXIT_USAGE;
                }
                o.idle_timeout_ms = o.head_timeout_ms = (unsigned)v * 1000u;
                break;
            case OPT_CONNS:
                if (!azk_opt_uint(optarg, 1, 4096, &v)) {
                    azk_cli_err(_("--connections needs 1..4096"));
                    return AZK_EXIT_USAGE;
                }
                o.connections = (unsigned)v;
                break;
            case OPT_REQTIMEOUT:
                if (!azk_opt_uint(optarg, 1, 86400, &v)) {
                    azk_cli_err(_("--request-timeout needs 1..86400 seconds"));
                    return AZK_EXIT_USAGE;
                }
                o.request_timeout_ms = (unsigned)v * 1000u;
                break;
            case OPT_SPOOL:
                o.spool_dir = optarg;
                break;
            case OPT_CONFIG:
                config = optarg;
                break;
            case OPT_NOLEDGER:
#ifndef AZK_TESTING
                /* a test hook: a release ICAP service always records its blocks */
                return azk_cli_usage_err(_("--no-ledger exists only in test builds"));
#endif
                ledger = false;
                break;
            case 'h':
                usage_icap(stdout);
                return 0;
            default:
                usage_icap(stderr);
                return AZK_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage_icap(stderr);
        return AZK_EXIT_USAGE;
    }
    if (azk_guard_policy_load(&pol, conf_path(cbuf, sizeof(cbuf), config)) != AZK_OK) {
        azk_cli_liberr(_("guard policy"));
        azk_guard_policy_dispose(&pol);
        return 1;
    }
    o.host = host;
    o.policy = &pol;
    o.home = ledger ? azk_cli_home(azk_cli_home_opt) : NULL;
    azk_log_set_callback(log_stderr, NULL);
    if (azk_guard_icap_new(&the_server, &o) != AZK_OK) {
        azk_cli_liberr(_("guard icap"));
        goto done;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    printf("listening on icap://%s:%u/guard\n", host, azk_guard_icap_port(the_server));
    fflush(stdout);
    if (azk_guard_icap_run(the_server) != AZK_OK) {
        azk_cli_liberr(_("guard icap"));
        goto done;
    }
    azk_guard_icap_get_stats(the_server, &st);
    fprintf(stderr,
            "icap: stopped: connections %" PRIu64 " requests %" PRIu64 " allowed %" PRIu64
            " warned %" PRIu64 " blocked %" PRIu64 " errors %" PRIu64 " bytes %" PRIu64 "\n",
            st.connections, st.requests, st.allowed, st.warned, st.blocked, st.errors, st.bytes_in);
    ret = 0;
done:
    azk_guard_icap_free(the_server);
    the_server = NULL;
    azk_guard_policy_dispose(&pol);
    return ret;
}

/* ---- policy -------------------------------------------------------------------------- */

static int guard_policy(int argc, char **argv)
{
    char cbuf[4096];
    const char *path = conf_path(cbuf, sizeof(cbuf), NULL);
    azk_guard_policy pol;
    char *j = NULL;
    int ret = 1;
    if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf(_("Usage: azukari guard policy [show]\n"
                 "       azukari guard policy set KEY JSON-VALUE\n"
                 "Keys: zone, block_on_edm, pii_block_score, pii_warn_score, unreadable,\n"
                 "fingerprints, fingerprint_key, closed_paths, closed_hosts, max_body, max_ratio\n"
                 "(docs/guard.md). A change is recorded in the audit ledger.\n"));
        return 0;
    }
    if (argc == 1 || (argc == 2 && strcmp(argv[1], "show") == 0)) {
        if (azk_guard_policy_load(&pol, path) != AZK_OK) {
            azk_cli_liberr(path);
            azk_guard_policy_dispose(&pol);
            return 1;
        }
        if (azk_guard_policy_to_json(&pol, &j) == AZK_OK) {
            printf("%s\n", j);
            ret = 0;
        }
        azk_guard_mem_free(j);
        azk_guard_policy_dispose(&pol);
        return ret;
    }
    if (argc == 4 && strcmp(argv[1], "set") == 0) {
        azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
        const char *objs[1] = {argv[2]};
        if (azk_guard_policy_set(path, argv[2], argv[3]) != AZK_OK) {
            azk_cli_liberr(_("guard policy set"));
            return azk_error_last()->code == AZK_ERR_ARG ? AZK_EXIT_USAGE : 1;
        }
        /* the key and its new value are policy, not personal data */
        ev.action = "guard.policy.set";
        ev.objects = objs;
        ev.object_count = 1;
        ev.reason = argv[3];
        if (azk_audit_record(azk_cli_home(azk_cli_home_opt), &ev) != AZK_OK) {
            azk_cli_liberr(_("audit ledger"));
            azk_cli_err(_("the policy was changed but the change could not be recorded"));
            return 1;
        }
        return 0;
    }
    azk_cli_err(_("usage: azukari guard policy [show | set KEY VALUE]"));
    return AZK_EXIT_USAGE;
}

/* ---- watch, list, request, approve ------------------------------------------------- */

static volatile int watch_stop;

static void on_watch_signal(int sig)
{
    (void)sig;
    watch_stop = 1;
}

static void usage_watch(FILE *out)
{
    fprintf(
        out,
        _("Usage: azukari guard watch OUTBOX --release DIR --quarantine DIR [--settle SECONDS]\n"
          "                           [--once] [--config FILE]\n"));
    fprintf(out,
            _("Watch the transfer folder OUTBOX (inotify, subfolders too): every complete file is\n"
              "checked with the policy; files that may leave are moved to --release, the others\n"
              "are encrypted into the vault and removed, with a notice ID.json (no values) in\n"
              "--quarantine. Senders write to a name starting with '.' or ending in .part/.tmp\n"
              "and rename when done. Restarts lose nothing and release nothing twice.\n\n"));
    fprintf(out, _("      --settle SECONDS  a file must be unchanged this long (default 1)\n"
                   "      --once            process what is there and exit (cron)\n"));
}

static int guard_watch(int argc, char **argv)
{
    enum { OPT_RELEASE = 256, OPT_QUAR, OPT_SETTLE, OPT_ONCE, OPT_CONFIG };
    static const struct option opts[] = {{"release", required_argument, NULL, OPT_RELEASE},
                                         {"quarantine", required_argument, NULL, OPT_QUAR},
                                         {"settle", required_argument, NULL, OPT_SETTLE},
                                         {"once", no_argument, NULL, OPT_ONCE},
                                         {"config", required_argument, NULL, OPT_CONFIG},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    azk_guard_watch_options o = AZK_GUARD_WATCH_OPTIONS_INIT;
    azk_guard_policy pol;
    const char *config = NULL;
    char cbuf[4096];
    azk_home *h = NULL;
    struct sigaction sa;
    uint64_t v;
    int c, ret = 1;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
            case OPT_RELEASE:
                o.release = optarg;
                break;
            case OPT_QUAR:
                o.quarantine = optarg;
                break;
            case OPT_SETTLE:
                if (!azk_opt_uint(optarg, 0, 3600, &v)) {
                    azk_cli_err(_("--settle needs 0..3600 seconds"));
                    return AZK_EXIT_USAGE;
                }
                o.settle_ms = (unsigned)v * 1000u;
                break;
            case OPT_ONCE:
                o.once = true;
                break;
            case OPT_CONFIG:
                config = optarg;
                break;
            case 'h':
                usage_watch(stdout);
                return 0;
            default:
                usage_watch(stderr);
                return AZK_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || o.release == NULL || o.quarantine == NULL) {
        usage_watch(stderr);
        return AZK_EXIT_USAGE;
    }
    o.outbox = argv[optind];
    if (azk_guard_policy_load(&pol, conf_path(cbuf, sizeof(cbuf), config)) != AZK_OK) {
        azk_cli_liberr(_("guard policy"));
        azk_guard_policy_dispose(&pol);
        return 1;
    }
    o.policy = &pol;
    h = azk_cli_open_home();
    if (h == NULL)
        goto done;
    azk_log_set_callback(log_stderr, NULL);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_watch_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGIO, SIG_IGN); /* lease probes never deliver a break to us */
    if (azk_guard_watch_run(h, &o, &watch_stop) != AZK_OK) {
        azk_cli_liberr(_("guard watch"));
        goto done;
    }
    ret = 0;
done:
    azk_home_close(h);
    azk_guard_policy_dispose(&pol);
    return ret;
}

static azk_status print_item(const azk_guard_item *it, void *payload)
{
    (void)payload;
    printf("%s\t%s\t", it->id, it->state);
    azk_fputs_printable(it->path, stdout);
    if (it->requested_by != NULL)
        printf(_("\trequested by %s"), it->requested_by);
    if (it->approved_by != NULL)
        printf(_("\tapproved by %s"), it->approved_by);
    if (it->decision != NULL)
        printf("\t%s", it->decision);
    printf("\n");
    return AZK_OK;
}

static int guard_items(int argc, char **argv)
{
    const char *sub = argv[0];
    const char *reason = NULL;
    struct ret_opts ro; /* the two people of a release: enrolled users, TOTP (as retention) */
    azk_home *h = NULL;
    int ret = 1, i;
    char *dest = NULL;
    memset(&ro, 0, sizeof(ro));
    if (strcmp(sub, "list") == 0) {
        if (argc != 1) {
            azk_cli_err(_("usage: azukari guard list"));
            return AZK_EXIT_USAGE;
        }
    } else {
        if (argc < 2) {
            azk_cli_err(_("usage: azukari guard request ID --reason TEXT --user NAME --totp CODE | "
                          "guard approve ID --user NAME --totp CODE"));
            return AZK_EXIT_USAGE;
        }
        for (i = 2; i < argc; i++) {
            if (strcmp(argv[i], "--reason") == 0 && i + 1 < argc)
                reason = argv[++i];
            else if (strncmp(argv[i], "--reason=", 9) == 0)
                reason = argv[i] + 9;
            else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc)
                ro.user = argv[++i];
            else if (strcmp(argv[i], "--totp") == 0 && i + 1 < argc)
                ro.totp = argv[++i];
            else {
                azk_cli_err(_("unknown option: %s"), argv[i]);
                return AZK_EXIT_USAGE;
            }
        }
        if (strcmp(sub, "request") == 0 && (reason == NULL || reason[0] == '\0')) {
            azk_cli_err(_("guard request needs --reason TEXT"));
            return AZK_EXIT_USAGE;
        }
        if (ro.totp == NULL)
            ro.totp = getenv("AZUKARI_TOTP");
    }
    h = ret_open_home(&ro);
    if (h == NULL)
        return 1;
    if (strcmp(sub, "list") == 0) {
        if (azk_guard_item_list(h, print_item, NULL) != AZK_OK)
            azk_cli_liberr(_("guard list"));
        else
            ret = 0;
    } else if (strcmp(sub, "request") == 0) {
        if (azk_guard_request(h, argv[1], reason) != AZK_OK) {
            azk_cli_liberr(_("guard"));
        } else {
            if (!azk_cli_quiet)
                printf(_("release of %s requested by %s; a second person must approve it\n"),
                       argv[1], ro.user);
            ret = 0;
        }
    } else {
        if (azk_guard_approve(h, argv[1], &dest) != AZK_OK) {
            azk_cli_liberr(_("guard"));
        } else {
            if (!azk_cli_quiet)
                printf(_("%s approved by %s and released to %s\n"), argv[1], ro.user, dest);
            ret = 0;
        }
        azk_guard_mem_free(dest);
    }
    azk_home_close(h);
    return ret;
}

/* ---- dispatch ------------------------------------------------------------------------ */

static void usage(FILE *out)
{
    fprintf(out, _("Usage: azukari guard check [OPTIONS] FILE...\n"
                   "       azukari guard icap [--listen HOST:PORT] [OPTIONS]\n"
                   "       azukari guard policy [show | set KEY VALUE]\n"
                   "       azukari guard watch OUTBOX --release DIR --quarantine DIR\n"
                   "       azukari guard list | request ID --reason TEXT | approve ID\n"));
    fprintf(out, _("The egress guard: nothing entrusted leaves the closed zone. See\n"
                   "`azukari guard SUBCOMMAND --help` and docs/guard.md.\n"));
}

int cmd_guard(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return AZK_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "check") == 0)
        return guard_check(argc - 1, argv + 1);
    if (strcmp(argv[1], "icap") == 0)
        return guard_icap(argc - 1, argv + 1);
    if (strcmp(argv[1], "policy") == 0)
        return guard_policy(argc - 1, argv + 1);
    if (strcmp(argv[1], "watch") == 0)
        return guard_watch(argc - 1, argv + 1);
    if (strcmp(argv[1], "list") == 0 || strcmp(argv[1], "request") == 0 ||
        strcmp(argv[1], "approve") == 0)
        return guard_items(argc - 1, argv + 1);
    azk_cli_err(_("unknown guard subcommand: %s"), argv[1]);
    usage(stderr);
    return AZK_EXIT_USAGE;
}
