/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_audit.c -- `azukari audit`: the tamper-evident ledger. Lists and
 * shows entries, prints and signs checkpoints, prints inclusion and
 * consistency proofs, verifies the ledger (or an exported bundle on another
 * machine with only the public key) and exports bundles for auditors.
 * Exit status: 0 ok, 1 verification failed, 2 error, 64 usage.
 */
#include "cli.h"
#include "commands.h"
#include "azukari/audit.h"
#include "azukari/outfile.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_FAIL 1
#define EXIT_ERR  2

static void audit_usage(FILE *f)
{
    fprintf(f, "%s",
            _("Usage: azukari [--home DIR] audit SUBCOMMAND [OPTIONS]\n"
              "The tamper-evident audit ledger of the azukari home.\n\n"
              "  init                         create the ledger and its signing key (idempotent)\n"
              "  log [--since T] [--until T] [--action A] [--object ID] [--format text|json]\n"
              "                               list entries (T: 2026-01-31 or 2026-01-31T12:00)\n"
              "  show N                       print entry N (canonical JSON)\n"
              "  checkpoint [--sign]          print the current checkpoint; --sign signs and\n"
              "                               stores it (give it to clients)\n"
              "  prove --inclusion N [--size M]\n"
              "                               inclusion proof of entry N (JSON)\n"
              "  prove --consistency FILE     consistency proof from an older checkpoint\n"
              "  verify [--checkpoint FILE]...\n"
              "                               recompute everything; check kept checkpoints\n"
              "  verify --bundle FILE --pubkey FILE [--checkpoint FILE]...\n"
              "                               verify an exported bundle with the public key\n"
              "  export --from N --to M -o FILE\n"
              "                               bundle of entries N..M-1 with proofs for auditors\n"
              "  recover [--accept-truncation --reason TEXT]\n"
              "                               after a tamper alarm: show it; a person accepts\n"
              "                               a cut ledger (recorded as an alarm entry)\n\n"
              "`azukari audit SUBCOMMAND --help` describes each. Exit status: 0 ok,\n"
              "1 verification failed, 2 error, 64 usage error.\n"));
}

/* ---- helpers --------------------------------------------------------------- */

static int parse_u64(const char *s, uint64_t *out)
{
    char *end = NULL;
    unsigned long long v;
    if (s == NULL || *s == '\0' || *s == '-')
        return 0;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return 0;
    *out = v;
    return 1;
}

/* --since/--until: 2026-01-31, optionally T12:00[:00][Z] (compared as text) */
static bool valid_time(const char *t)
{
    static const char shape[] = "dddd-dd-dd";
    for (size_t i = 0; i < sizeof(shape) - 1; i++) {
        if (shape[i] == 'd' ? (t[i] < '0' || t[i] > '9') : t[i] != shape[i])
            return false;
    }
    if (t[10] == '\0')
        return true;
    return t[10] == 'T' && t[11] != '\0' && t[strspn(t + 11, "0123456789:.Z") + 11] == '\0';
}

static char *read_text(const char *path, size_t *len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    char *buf = NULL;
    size_t n = 0, cap = 0;
    if (f == NULL)
        return NULL;
    for (;;) {
        size_t r;
        if (cap - n < 65536) {
            char *nb;
            cap = cap ? cap * 2 : 65536;
            nb = realloc(buf, cap + 1);
            if (nb == NULL) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
        }
        r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (f != stdin)
        fclose(f);
    if (buf != NULL) {
        buf[n] = '\0';
        if (len != NULL)
            *len = n;
    }
    return buf;
}

static int open_ledger_flags(azk_audit **a, unsigned flags)
{
    azk_audit_open_info info;
    const char *home = azk_cli_home(NULL);
    if (azk_audit_open(a, home, flags, &info) != AZK_OK) {
        azk_cli_liberr(_("audit"));
        return EXIT_ERR;
    }
    if (info.torn_bytes > 0)
        azk_cli_err(_("a torn last append of %" PRIu64 " bytes is left in place (read only)"),
                    info.torn_bytes);
    if (info.repaired_bytes > 0)
        azk_cli_err(_("ledger repaired: removed a torn last entry of %" PRIu64
                      " bytes left by an interrupted append; %" PRIu64 " entries intact"),
                    info.repaired_bytes, info.size);
    return 0;
}

static int open_ledger(azk_audit **a)
{
    return open_ledger_flags(a, 0);
}

/* ---- init / append ------------------------------------------------------- */

static int sub_init(int argc, char **argv)
{
    const char *home = azk_cli_home(NULL);
    azk_audit *a = NULL;
    int rc;
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("%s", _("Usage: azukari audit init\n"
                       "Create <home>/ledger and the Ed25519 ledger key in <home>/keys\n"
                       "(ledger.key, mode 0600; ledger.pub for clients). Keeps what exists.\n"
                       "Refuses a home other users can write, and a home that had a ledger\n"
                       "which is gone (a tamper alarm: restore it from a backup).\n"));
        return 0;
    }
    if (argc > 1)
        return azk_cli_usage_err(_("unexpected argument: %s"), argv[1]);
    if (azk_audit_init_home(home) != AZK_OK) {
        azk_cli_liberr(_("audit init"));
        return EXIT_ERR;
    }
    rc = open_ledger(&a);
    if (rc != 0)
        return rc;
    if (!azk_cli_quiet)
        printf(_("ledger ready: %" PRIu64 " entries; public key:\n%s\n"), azk_audit_size(a),
               azk_audit_vkey(a));
    azk_audit_close(a);
    return 0;
}

#ifdef AZK_TESTING
/* hidden test hook: append events (not in --help); test builds only, a
 * release binary cannot write arbitrary events into the ledger */
static int sub_append(int argc, char **argv)
{
    static const struct option lo[] = {
        {"action", required_argument, NULL, 'a'},  {"object", required_argument, NULL, 'O'},
        {"outcome", required_argument, NULL, 'u'}, {"reason", required_argument, NULL, 'r'},
        {"extra", required_argument, NULL, 'x'},   {"time-ms", required_argument, NULL, 't'},
        {"count", required_argument, NULL, 'c'},   {"batch", required_argument, NULL, 'b'},
        {"print", no_argument, NULL, 'p'},         {NULL, 0, NULL, 0}};
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    const char *objs[64];
    size_t nobj = 0;
    uint64_t count = 1, batch = 1, t = 0, done = 0;
    azk_audit *a = NULL;
    azk_audit_event *evs = NULL;
    int c, rc, print = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
        switch (c) {
            case 'p':
                print = 1;
                break;
            case 'a':
                ev.action = optarg;
                break;
            case 'O':
                if (nobj < 64)
                    objs[nobj++] = optarg;
                break;
            case 'u':
                ev.outcome = optarg;
                break;
            case 'r':
                ev.reason = optarg;
                break;
            case 'x':
                ev.extra_json = optarg;
                break;
            case 't':
                if (!parse_u64(optarg, &t))
                    return AZK_EXIT_USAGE;
                ev.time_ms = (int64_t)t;
                break;
            case 'c':
                if (!parse_u64(optarg, &count))
                    return AZK_EXIT_USAGE;
                break;
            case 'b':
                if (!parse_u64(optarg, &batch) || batch == 0 || batch > 100000)
                    return AZK_EXIT_USAGE;
                break;
            default:
                return AZK_EXIT_USAGE;
        }
    }
    if (ev.action == NULL)
        return AZK_EXIT_USAGE;
    ev.objects = objs;
    ev.object_count = nobj;
    rc = open_ledger(&a);
    if (rc != 0)
        return rc;
    evs = calloc((size_t)batch, sizeof(*evs));
    if (evs == NULL) {
        azk_audit_close(a);
        return EXIT_ERR;
    }
    for (uint64_t i = 0; i < batch; i++)
        evs[i] = ev;
    while (done < count) {
        uint64_t k = count - done < batch ? count - done : batch, first = 0;
        if (azk_audit_append_batch(a, evs, (size_t)k, &first) != AZK_OK) {
            azk_cli_liberr(_("audit append"));
            rc = EXIT_ERR;
            break;
        }
        done += k;
        /* --print: each durable batch's first index, as soon as it is durable */
        if (print || (!azk_cli_quiet && count == 1)) {
            printf("%" PRIu64 "\n", first);
            fflush(stdout);
        }
    }
    free(evs);
    azk_audit_close(a);
    return rc;
}
#endif

/* ---- log / show -------------------------------------------------------------- */

static int entry_matches(const azk_audit_entry_info *e, const char *since, const char *until,
                         const char *action, const char *object)
{
    if (since != NULL && strcmp(e->time, since) < 0)
        return 0;
    if (until != NULL && strncmp(e->time, until, strlen(until)) > 0)
        return 0;
    if (action != NULL && strcmp(e->action, action) != 0)
        return 0;
    if (object != NULL) {
        int found = 0;
        for (size_t i = 0; i < e->object_count; i++)
            if (strcmp(e->objects[i], object) == 0)
                found = 1;
        if (!found)
            return 0;
    }
    return 1;
}

static void print_entry_text(uint64_t i, const azk_audit_entry_info *e)
{
    char *line = NULL;
    size_t line_len = 0;
    FILE *m = open_memstream(&line, &line_len);
    if (m == NULL)
        return;
    fprintf(m, "%-7" PRIu64 " %s  %s@%s  %s  %s", i, e->time, e->actor, e->host, e->action,
            e->outcome);
    for (size_t k = 0; k < e->object_count; k++)
        fprintf(m, "%s%s", k == 0 ? "  " : ",", e->objects[k]);
    if (e->reason != NULL)
        fprintf(m, "  (%s)", e->reason);
    fclose(m);
    /* reasons and names come from users: ESC, CR, LF must not reach the terminal raw */
    azk_fputs_printable(line, stdout);
    putchar('\n');
    free(line);
}

static int sub_log(int argc, char **argv)
{
    static const struct option lo[] = {{"since", required_argument, NULL, 's'},
                                       {"until", required_argument, NULL, 'u'},
                                       {"action", required_argument, NULL, 'a'},
                                       {"object", required_argument, NULL, 'o'},
                                       {"format", required_argument, NULL, 'f'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    const char *since = NULL, *until = NULL, *action = NULL, *object = NULL;
    int json = 0, c, rc;
    azk_audit *a = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
            case 's':
            case 'u':
                if (!valid_time(optarg))
                    return azk_cli_usage_err(_("not a time (2026-01-31 or 2026-01-31T12:00): %s"),
                                             optarg);
                *(c == 's' ? &since : &until) = optarg;
                break;
            case 'a':
                action = optarg;
                break;
            case 'o':
                object = optarg;
                break;
            case 'f':
                if (strcmp(optarg, "json") == 0)
                    json = 1;
                else if (strcmp(optarg, "text") != 0)
                    return azk_cli_usage_err(_("unknown format: %s"), optarg);
                break;
            case 'h':
                printf("%s", _("Usage: azukari audit log [--since T] [--until T] [--action A]\n"
                               "                         [--object ID] [--format text|json]\n"
                               "List ledger entries in order. T is UTC, ISO 8601: 2026-01-31 or\n"
                               "2026-01-31T12:00; --until includes the whole of T. --format json\n"
                               "prints each entry's canonical JSON on one line.\n"));
                return 0;
            default:
                return AZK_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return azk_cli_usage_err(_("unexpected argument: %s"), argv[optind]);
    /* read only: a damaged ledger is reported, never repaired, by listing it */
    rc = open_ledger_flags(&a, AZK_AUDIT_OPEN_READONLY);
    if (rc != 0)
        return rc;
    for (uint64_t i = 0; i < azk_audit_size(a); i++) {
        char *text = NULL;
        size_t len = 0;
        azk_audit_entry_info *e = NULL;
        if (azk_audit_entry(a, i, &text, &len) != AZK_OK) {
            azk_cli_liberr(_("audit log"));
            rc = EXIT_ERR;
            break;
        }
        /* an entry that is not an object was refused at append: nothing to list */
        if (azk_audit_entry_parse(text, len, &e) == AZK_OK &&
            entry_matches(e, since, until, action, object)) {
            if (json)
                printf("%s\n", text);
            else
                print_entry_text(i, e);
        }
        azk_audit_entry_info_free(e);
        azk_audit_free(text);
    }
    azk_audit_close(a);
    return rc;
}

static int sub_show(int argc, char **argv)
{
    uint64_t n;
    azk_audit *a = NULL;
    char *text = NULL;
    int rc;
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("%s",
               _("Usage: azukari audit show N\nPrint entry N (0-based) as canonical JSON.\n"));
        return 0;
    }
    if (argc != 2)
        return azk_cli_usage_err(_("audit show needs one entry number N"));
    if (!parse_u64(argv[1], &n))
        return azk_cli_usage_err(_("not an entry number: %s"), argv[1]);
    rc = open_ledger_flags(&a, AZK_AUDIT_OPEN_READONLY);
    if (rc != 0)
        return rc;
    if (azk_audit_entry(a, n, &text, NULL) != AZK_OK) {
        azk_cli_liberr(_("audit show"));
        rc = azk_error_last()->code == AZK_ERR_INTEGRITY ? EXIT_FAIL : EXIT_ERR;
    } else {
        printf("%s\n", text);
    }
    azk_audit_free(text);
    azk_audit_close(a);
    return rc;
}

/* ---- checkpoint / prove / export --------------------------------------------- */

static int sub_checkpoint(int argc, char **argv)
{
    int sign = 0, rc;
    azk_audit *a = NULL;
    char *note = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--sign") == 0) {
            sign = 1;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("%s", _("Usage: azukari audit checkpoint [--sign]\n"
                           "Print the checkpoint (origin, size, root hash; C2SP tlog-checkpoint)\n"
                           "of the ledger. --sign adds the Ed25519 signature line (C2SP signed\n"
                           "note) and stores it in <home>/ledger/checkpoints/. Clients keep\n"
                           "signed checkpoints and check later ones against them.\n"));
            return 0;
        } else {
            return azk_cli_usage_err(_("unknown option: %s"), argv[i]);
        }
    }
    rc = open_ledger(&a);
    if (rc != 0)
        return rc;
    if (azk_audit_checkpoint(a, sign, &note) != AZK_OK) {
        azk_cli_liberr(_("audit checkpoint"));
        rc = EXIT_ERR;
    } else {
        fputs(note, stdout);
    }
    azk_audit_free(note);
    azk_audit_close(a);
    return rc;
}

static int sub_prove(int argc, char **argv)
{
    static const struct option lo[] = {{"inclusion", required_argument, NULL, 'i'},
                                       {"size", required_argument, NULL, 's'},
                                       {"consistency", required_argument, NULL, 'c'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    uint64_t index = 0, size = 0;
    int has_index = 0, has_size = 0, c, rc;
    const char *cfile = NULL;
    azk_audit *a = NULL;
    char *doc = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
            case 'i':
                if (!parse_u64(optarg, &index))
                    return azk_cli_usage_err(_("not a number: %s"), optarg);
                has_index = 1;
                break;
            case 's':
                if (!parse_u64(optarg, &size))
                    return azk_cli_usage_err(_("not a number: %s"), optarg);
                has_size = 1;
                break;
            case 'c':
                cfile = optarg;
                break;
            case 'h':
                printf("%s",
                       _("Usage: azukari audit prove --inclusion N [--size M]\n"
                         "       azukari audit prove --consistency OLD-CHECKPOINT\n"
                         "Print, as JSON, an RFC 9162 inclusion proof of entry N in the tree of\n"
                         "the first M entries (default: all, with a signed checkpoint), or a\n"
                         "consistency proof from a checkpoint a client kept to a new signed\n"
                         "checkpoint. Hashes are base64; any RFC 9162 verifier can check them.\n"));
                return 0;
            default:
                return AZK_EXIT_USAGE;
        }
    }
    if (optind < argc || has_index == (cfile != NULL))
        return azk_cli_usage_err(_("audit prove needs --inclusion N or --consistency FILE"));
    if (has_size && size == 0)
        return azk_cli_usage_err(_("not a number: %s"), "0");
    rc = open_ledger(&a);
    if (rc != 0)
        return rc;
    if (has_index) {
        /* size 0: the whole ledger, with a new signed checkpoint */
        if (azk_audit_prove_inclusion_json(a, index, has_size ? size : 0, &doc) != AZK_OK)
            goto liberr;
    } else {
        size_t len = 0;
        char *old = read_text(cfile, &len);
        azk_audit_checkpoint_info cp;
        if (old == NULL) {
            azk_cli_err(_("cannot read %s"), cfile);
            rc = EXIT_ERR;
            goto done;
        }
        if (azk_audit_checkpoint_open(old, len, azk_audit_vkey(a), &cp) != AZK_OK) {
            azk_cli_liberr(cfile);
            free(old);
            rc = EXIT_FAIL;
            goto done;
        }
        free(old);
        if (cp.size > azk_audit_size(a)) {
            azk_cli_err(_("the checkpoint covers %" PRIu64 " entries but the ledger has %" PRIu64
                          ": entries were removed"),
                        cp.size, azk_audit_size(a));
            rc = EXIT_FAIL;
            goto done;
        }
        if (azk_audit_prove_consistency_json(a, &cp, &doc) != AZK_OK) {
            if (azk_error_last()->code != AZK_ERR_INTEGRITY)
                goto liberr;
            azk_cli_err(_("the ledger does not extend this checkpoint (history rewritten)"));
            rc = EXIT_FAIL;
            goto done;
        }
    }
    if (puts(doc) == EOF || fflush(stdout) != 0) {
        azk_cli_err(_("cannot write the standard output"));
        rc = EXIT_ERR;
    }
    goto done;
liberr:
    azk_cli_liberr(_("audit prove"));
    rc = EXIT_ERR;
done:
    azk_audit_free(doc);
    azk_audit_close(a);
    return rc;
}

static int sub_export(int argc, char **argv)
{
    static const struct option lo[] = {{"from", required_argument, NULL, 'f'},
                                       {"to", required_argument, NULL, 't'},
                                       {"output", required_argument, NULL, 'o'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    uint64_t from = 0, to = UINT64_MAX;
    const char *outp = NULL;
    int c, rc;
    azk_audit *a = NULL;
    char *doc = NULL;
    size_t len = 0;
    FILE *f;
    azk_outfile *of = NULL;
    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", lo, NULL)) != -1) {
        switch (c) {
            case 'f':
                if (!parse_u64(optarg, &from))
                    return azk_cli_usage_err(_("not a number: %s"), optarg);
                break;
            case 't':
                if (!parse_u64(optarg, &to))
                    return azk_cli_usage_err(_("not a number: %s"), optarg);
                break;
            case 'o':
                outp = optarg;
                break;
            case 'h':
                printf("%s", _("Usage: azukari audit export [--from N] [--to M] -o BUNDLE\n"
                               "Write a bundle for auditors: entries N..M-1 (default: all), a new\n"
                               "signed checkpoint, an inclusion proof per entry and consistency\n"
                               "proofs from every stored older checkpoint. Check it anywhere with\n"
                               "`azukari audit verify --bundle BUNDLE --pubkey ledger.pub`.\n"));
                return 0;
            default:
                return AZK_EXIT_USAGE;
        }
    }
    if (optind < argc || outp == NULL)
        return azk_cli_usage_err(_("audit export needs -o FILE"));
    rc = open_ledger(&a);
    if (rc != 0)
        return rc;
    if (to == UINT64_MAX)
        to = azk_audit_size(a);
    if (azk_audit_export(a, from, to, &doc, &len) != AZK_OK) {
        azk_cli_liberr(_("audit export"));
        rc = EXIT_ERR;
        goto done;
    }
    /* azk_outfile: a temporary beside the bundle, renamed; never through a planted symlink */
    if (azk_outfile_open(&of, outp, 0644, AZK_OUTFILE_STDOUT) != AZK_OK) {
        azk_cli_liberr(outp);
        rc = EXIT_ERR;
        goto done;
    }
    f = azk_outfile_stream(of);
    rc = EXIT_ERR;
    if (fwrite(doc, 1, len, f) != len)
        azk_outfile_abort(of);
    else if (azk_outfile_commit(of) == AZK_OK) /* frees it, even on failure */
        rc = 0;
    if (rc != 0) {
        azk_cli_err(_("cannot write %s"), outp);
        goto done;
    }
    if (!azk_cli_quiet && f != stdout)
        fprintf(stderr, _("exported entries %" PRIu64 "..%" PRIu64 " to %s\n"), from, to, outp);
done:
    azk_audit_free(doc);
    azk_audit_close(a);
    return rc;
}

/* ---- recover ----------------------------------------------------------------- */

static int sub_recover(int argc, char **argv)
{
    static const struct option lo[] = {{"accept-truncation", no_argument, NULL, 'a'},
                                       {"reason", required_argument, NULL, 'r'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    unsigned flags = 0;
    const char *reason = NULL;
    azk_audit_recover_info info;
    char r1[AZK_AUDIT_HASH_B64_LEN], r2[AZK_AUDIT_HASH_B64_LEN];
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
            case 'a':
                flags |= AZK_AUDIT_RECOVER_ACCEPT_TRUNCATION;
                break;
            case 'r':
                reason = optarg;
                break;
            case 'h':
                printf("%s",
                       _("Usage: azukari audit recover [--accept-truncation --reason TEXT]\n"
                         "After a tamper alarm (appends refused), show what was found: the\n"
                         "entries recorded as acknowledged and the intact ones, with their\n"
                         "roots. Nothing is changed without --accept-truncation: then a person\n"
                         "accepts that the entries past the intact ones are lost; the cut frame\n"
                         "is removed, the caches rebuilt, and one ledger.alarm entry records the\n"
                         "old and new sizes and roots, who decided and --reason. A ledger with\n"
                         "damaged entries, or one that lost entries a stored checkpoint signed,\n"
                         "cannot be accepted: restore it from a backup. Exit status: 0 no alarm\n"
                         "or recorded, 1 alarm (not accepted or not acceptable), 2 error.\n"));
                return 0;
            default:
                return AZK_EXIT_USAGE;
        }
    }
    if (optind < argc || ((flags & AZK_AUDIT_RECOVER_ACCEPT_TRUNCATION) && reason == NULL)) {
        if (optind == argc)
            azk_cli_err(_("--accept-truncation needs --reason: say why the loss is accepted"));
        return AZK_EXIT_USAGE;
    }
    if (azk_audit_recover(azk_cli_home(NULL), flags, NULL, reason, &info) != AZK_OK) {
        if (info.alarm)
            azk_cli_err(_("found: %s"), info.found);
        azk_cli_liberr(_("audit recover"));
        return azk_error_last()->code == AZK_ERR_INTEGRITY ? EXIT_FAIL : EXIT_ERR;
    }
    if (!info.alarm) {
        if (!azk_cli_quiet)
            printf(_("no alarm: %" PRIu64 " entries; nothing to recover\n"), info.new_size);
        return 0;
    }
    azk_audit_hash_b64(info.old_root, r1);
    azk_audit_hash_b64(info.new_root, r2);
    printf(_("found: %s\n"), info.found);
    printf(_("recorded: %" PRIu64 " entries, root %s\n"), info.old_size, r1);
    printf(_("intact:   %" PRIu64 " entries, root %s (%" PRIu64 " bytes of a cut frame)\n"),
           info.new_size, r2, info.removed_bytes);
    if (!info.recorded) {
        printf("%s", _("nothing changed; to continue the ledger from the intact entries, run\n"
                       "  azukari audit recover --accept-truncation --reason TEXT\n"));
        return EXIT_FAIL;
    }
    printf(_("truncation accepted; the alarm is recorded as entry %" PRIu64 "\n"),
           info.alarm_index);
    return 0;
}

/* ---- verify ---------------------------------------------------------------- */

static const char *issue_label(azk_audit_issue_kind k)
{
    switch (k) {
        case AZK_AUDIT_ISSUE_FRAME:
            return _("damaged or garbage bytes");
        case AZK_AUDIT_ISSUE_MODIFIED:
            return _("modified entry");
        case AZK_AUDIT_ISSUE_SEQUENCE:
            return _("removed, reordered or inserted entry");
        case AZK_AUDIT_ISSUE_LINK:
            return _("broken link");
        case AZK_AUDIT_ISSUE_CHECKPOINT:
            return _("malformed checkpoint");
        case AZK_AUDIT_ISSUE_SIGNATURE:
            return _("bad signature");
        case AZK_AUDIT_ISSUE_FOREIGN:
            return _("checkpoint of another ledger");
        case AZK_AUDIT_ISSUE_TRUNCATED:
            return _("entries removed");
        case AZK_AUDIT_ISSUE_INCONSISTENT:
            return _("history rewritten");
        case AZK_AUDIT_ISSUE_PROOF:
            return _("proof fails");
        case AZK_AUDIT_ISSUE_BUNDLE:
            return _("malformed bundle");
    }
    return "?";
}

static azk_status on_issue(azk_audit_issue_kind kind, uint64_t index, const char *msg,
                           void *payload)
{
    (void)payload;
    (void)index;
    if (fprintf(stderr, "%s: %s: %s\n", azk_cli_progname, issue_label(kind), msg) < 0)
        return AZK_ERR_IO; /* nobody can read the findings: stop */
    return AZK_OK;
}

static int sub_verify(int argc, char **argv)
{
    static const struct option lo[] = {{"checkpoint", required_argument, NULL, 'c'},
                                       {"bundle", required_argument, NULL, 'b'},
                                       {"pubkey", required_argument, NULL, 'k'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
    const char *bundle = NULL, *pubkey = NULL;
    char *cps[64];
    size_t ncp = 0;
    int c, rc = 0;
    azk_audit_report rep;
    azk_status st;
    char root[AZK_AUDIT_HASH_B64_LEN];
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        switch (c) {
            case 'c':
                if (ncp >= 64) {
                    rc = azk_cli_usage_err(_("at most 64 --checkpoint files"));
                    goto done;
                }
                cps[ncp] = read_text(optarg, NULL);
                if (cps[ncp] == NULL) {
                    azk_cli_err(_("cannot read %s"), optarg);
                    rc = EXIT_ERR;
                    goto done;
                }
                ncp++;
                break;
            case 'b':
                bundle = optarg;
                break;
            case 'k':
                pubkey = optarg;
                break;
            case 'h':
                printf("%s",
                       _("Usage: azukari audit verify [--checkpoint FILE]...\n"
                         "       azukari audit verify --bundle FILE --pubkey FILE "
                         "[--checkpoint FILE]...\n"
                         "Recompute the ledger from its log: every entry's hash, sequence and\n"
                         "link, the Merkle tree, every stored checkpoint and each checkpoint\n"
                         "FILE a client kept from earlier. With --bundle, check an exported\n"
                         "bundle using only the public key (ledger.pub). Reports the first bad\n"
                         "entry index. Exit status 0 verified, 1 failed, 2 error.\n"));
                goto done;
            default:
                rc = AZK_EXIT_USAGE;
                goto done;
        }
    }
    if (optind < argc || (bundle != NULL) != (pubkey != NULL)) {
        rc = azk_cli_usage_err(_("--bundle and --pubkey go together"));
        goto done;
    }
    if (bundle != NULL) {
        size_t blen = 0;
        char *b = read_text(bundle, &blen), *k = read_text(pubkey, NULL);
        if (b == NULL || k == NULL) {
            azk_cli_err(_("cannot read %s"), b == NULL ? bundle : pubkey);
            free(b);
            free(k);
            rc = EXIT_ERR;
            goto done;
        }
        st = azk_audit_verify_bundle(b, blen, k, (const char *const *)cps, ncp, &rep, on_issue,
                                     NULL);
        free(b);
        free(k);
    } else {
        /* read only: verify reports damage, it never repairs */
        st = azk_audit_verify(azk_cli_home(NULL), (const char *const *)cps, ncp, &rep, on_issue,
                              NULL);
    }
    if (st != AZK_OK) {
        azk_cli_liberr(_("audit verify"));
        rc = EXIT_ERR;
        goto done;
    }
    azk_audit_hash_b64(rep.root, root);
    if (rep.torn_bytes > 0)
        azk_cli_err(_("a torn last append of %" PRIu64 " bytes beyond the acknowledged entries is "
                      "ignored (the next append removes it)"),
                    rep.torn_bytes);
    if (rep.issues == 0) {
        if (!azk_cli_quiet)
            printf(_("verified: %" PRIu64 " entries, %" PRIu64 " checkpoints, root %s\n"),
                   rep.entries, rep.checkpoints, root);
        rc = 0;
    } else {
        if (rep.first_bad_index != UINT64_MAX)
            printf(
                _("VERIFICATION FAILED: %" PRIu64 " problems; first bad entry index %" PRIu64 "\n"),
                rep.issues, rep.first_bad_index);
        else
            printf(_("VERIFICATION FAILED: %" PRIu64 " problems\n"), rep.issues);
        rc = EXIT_FAIL;
    }
done:
    for (size_t i = 0; i < ncp; i++)
        free(cps[i]);
    return rc;
}

int cmd_audit(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } subs[] = {
        {"init", sub_init},     {"log", sub_log},
        {"show", sub_show},     {"checkpoint", sub_checkpoint},
        {"prove", sub_prove},   {"verify", sub_verify},
        {"export", sub_export}, {"recover", sub_recover},
#ifdef AZK_TESTING
        {"append", sub_append},
#endif
    };
    if (argc < 2) {
        audit_usage(stderr);
        return AZK_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        audit_usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
        if (strcmp(argv[1], subs[i].name) == 0) {
            int rc = subs[i].fn(argc - 1, argv + 1);
            if (rc == AZK_EXIT_USAGE)
                fprintf(stderr, _("%s: usage error; see `azukari audit %s --help`\n"),
                        azk_cli_progname, subs[i].name);
            return rc;
        }
    }
    azk_cli_err(_("unknown audit subcommand: %s"), argv[1]);
    audit_usage(stderr);
    return AZK_EXIT_USAGE;
}
