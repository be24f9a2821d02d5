/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_scan.c -- `azukari scan`: find personal data and entrusted
 * records in files, directories and archives. Thin front end over
 * azk_scanner_* and azk_report_* (include/azukari/scan.h).
 *
 * Exit status (DESIGN.md): 1 if anything was found, else 2 if anything
 * could not be scanned, else 0; 64 on a usage error.
 */
#include "cli.h"
#include "commands.h"
#include "opts.h"
#include "azukari/outfile.h"
#include "azukari/scan.h"
#include "azukari/types.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct scan_run {
    azk_report *report;
    FILE *out;
    bool found;
    bool unreadable;
    azk_status report_err;
    int write_errno; /* why the report could not be written */
    bool progress_shown;
};

static void scan_usage(FILE *f)
{
    fprintf(f, "%s",
            _("Usage: azukari scan [OPTIONS] PATH...\n"
              "Find personal data (names, addresses, phone numbers, ...) and entrusted\n"
              "records in files, directories and archives.\n\n"));
    fprintf(f, "%s",
            _("Output:\n"
              "  -f, --format FMT        text (default), jsonl, csv or summary\n"
              "  -o, --output FILE       write the report to FILE instead of stdout\n"
              "      --progress          show progress on stderr (default on a terminal)\n"
              "      --no-progress       never show progress\n"
              "Walk:\n"
              "  -j, --threads N         worker threads (default: number of cores)\n"
              "  -L, --follow            follow symbolic links (default: not followed)\n"
              "  -x, --one-file-system   do not cross file-system boundaries\n"
              "      --include GLOB      scan only paths matching GLOB (repeatable)\n"
              "      --exclude GLOB      skip paths matching GLOB (repeatable)\n"
              "      --max-size SIZE     skip files larger than SIZE (e.g. 2G) with an error\n"
              "      --cache FILE        incremental sweep: reuse results of unchanged files\n"
              "Decoding:\n"
              "      --encoding ENC      force the text encoding (utf-8, utf-16le, utf-16be,\n"
              "                          cp932, euc-jp, iso-2022-jp); default: detected\n"
              "      --max-depth N       container nesting limit (default 8)\n"
              "      --max-expanded SIZE expanded bytes per file (default 4G)\n"
              "      --max-ratio N       expansion ratio limit (default 200)\n"
              "      --max-entries N     archive entries per file (default 100000)\n"
              "Detection:\n"
              "      --types LIST        comma-separated types to report (default all):\n"
              "                          person_name,address,postal_code,phone,email,\n"
              "                          birth_date,my_number,corporate_number,\n"
              "                          bank_account,credit_card\n"
              "      --min-confidence X  report findings with confidence >= X (default 0.5)\n"
              "      --max-findings N    findings listed per object (counts stay exact)\n"
              "      --allow-value V     never report value V (counted as excluded)\n"
              "      --allow-pattern RE  never report values matching RE\n"
              "      --allow-path GLOB   never scan paths matching GLOB\n"
              "      --allow-list FILE   read allow-list lines 'value:V', 'pattern:RE',\n"
              "                          'path:GLOB' ('#' comments)\n"
              "      --fingerprints FILE entrusted-record fingerprints to match (EDM)\n"
              "      --fingerprint-key FILE  key for the fingerprint file\n"
              "  -h, --help              show this help\n\n"
              "Exit status: 1 if anything was found, else 2 if anything could not be\n"
              "scanned, else 0; 64 on a usage error.\n"));
}

static int write_out(const char *data, size_t len, void *payload)
{
    struct scan_run *run = payload;
    if (fwrite(data, 1, len, run->out) != len) {
        run->write_errno = errno;
        return -1;
    }
    return 0;
}

/* A report that cannot be written stops the scan: the rest would be lost too. */
static azk_status on_result(const azk_scan_result *r, void *payload)
{
    struct scan_run *run = payload;
    azk_status rc;
    for (int t = 0; t < AZK_PII__COUNT; t++) {
        if (r->counts[t] > 0)
            run->found = true;
    }
    if (r->edm_count > 0)
        run->found = true;
    if (r->error != AZK_OK)
        run->unreadable = true;
    if (run->progress_shown) {
        fputs("\r\033[K", stderr);
        run->progress_shown = false;
    }
    rc = azk_report_add(run->report, r);
    if (rc != AZK_OK && run->report_err == AZK_OK)
        run->report_err = rc;
    return rc;
}

static azk_status on_progress(const azk_scan_stats *s, void *payload)
{
    struct scan_run *run = payload;
    double mb = (double)s->bytes / 1e6;
    fprintf(stderr, _("\r\033[K%llu files, %.1f MB, %.1f MB/s, %llu findings, %llu errors"),
            (unsigned long long)s->files, mb, s->seconds > 0 ? mb / s->seconds : 0.0,
            (unsigned long long)s->findings, (unsigned long long)s->errors);
    run->progress_shown = true;
    return AZK_OK;
}

static bool read_allow_list(const char *path, struct azk_strlist *values,
                            struct azk_strlist *patterns, struct azk_strlist *paths)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    unsigned long lineno = 0;
    bool ok = true;
    if (f == NULL) {
        azk_cli_err(_("cannot open allow-list %s"), path);
        return false;
    }
    while ((n = getline(&line, &cap, f)) >= 0) {
        char *v;
        lineno++;
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        if (n == 0 || line[0] == '#')
            continue;
        v = strchr(line, ':');
        if (v == NULL) {
            azk_cli_err(_("%s:%lu: expected value:, pattern: or path:"), path, lineno);
            ok = false;
            break;
        }
        *v++ = '\0';
        if (strcmp(line, "value") == 0)
            ok = azk_strlist_add_copy(values, v, strlen(v));
        else if (strcmp(line, "pattern") == 0)
            ok = azk_strlist_add_copy(patterns, v, strlen(v));
        else if (strcmp(line, "path") == 0)
            ok = azk_strlist_add_copy(paths, v, strlen(v));
        else {
            azk_cli_err(_("%s:%lu: expected value:, pattern: or path:"), path, lineno);
            ok = false;
        }
        if (!ok)
            break;
    }
    free(line);
    fclose(f);
    return ok;
}

/* A scan that found something is a ledger event of this host's home, if it
 * has one (the rule is the library's: azk_scan_record_event). */
static void record_scan(const azk_scan_stats *st)
{
    if (azk_scan_record_event(azk_cli_home(NULL), st, NULL) != AZK_OK)
        azk_cli_liberr(_("audit ledger"));
}

enum {
    OPT_PROGRESS = 256,
    OPT_NO_PROGRESS,
    OPT_INCLUDE,
    OPT_EXCLUDE,
    OPT_MAX_SIZE,
    OPT_CACHE,
    OPT_ENCODING,
    OPT_MAX_DEPTH,
    OPT_MAX_EXPANDED,
    OPT_MAX_RATIO,
    OPT_MAX_ENTRIES,
    OPT_TYPES,
    OPT_MIN_CONF,
    OPT_MAX_FINDINGS,
    OPT_ALLOW_VALUE,
    OPT_ALLOW_PATTERN,
    OPT_ALLOW_PATH,
    OPT_ALLOW_LIST,
    OPT_FINGERPRINTS,
    OPT_FP_KEY,
};

int cmd_scan(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"threads", required_argument, NULL, 'j'},
        {"follow", no_argument, NULL, 'L'},
        {"one-file-system", no_argument, NULL, 'x'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"progress", no_argument, NULL, OPT_PROGRESS},
        {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
        {"include", required_argument, NULL, OPT_INCLUDE},
        {"exclude", required_argument, NULL, OPT_EXCLUDE},
        {"max-size", required_argument, NULL, OPT_MAX_SIZE},
        {"cache", required_argument, NULL, OPT_CACHE},
        {"encoding", required_argument, NULL, OPT_ENCODING},
        {"max-depth", required_argument, NULL, OPT_MAX_DEPTH},
        {"max-expanded", required_argument, NULL, OPT_MAX_EXPANDED},
        {"max-ratio", required_argument, NULL, OPT_MAX_RATIO},
        {"max-entries", required_argument, NULL, OPT_MAX_ENTRIES},
        {"types", required_argument, NULL, OPT_TYPES},
        {"min-confidence", required_argument, NULL, OPT_MIN_CONF},
        {"max-findings", required_argument, NULL, OPT_MAX_FINDINGS},
        {"allow-value", required_argument, NULL, OPT_ALLOW_VALUE},
        {"allow-pattern", required_argument, NULL, OPT_ALLOW_PATTERN},
        {"allow-path", required_argument, NULL, OPT_ALLOW_PATH},
        {"allow-list", required_argument, NULL, OPT_ALLOW_LIST},
        {"fingerprints", required_argument, NULL, OPT_FINGERPRINTS},
        {"fingerprint-key", required_argument, NULL, OPT_FP_KEY},
        {NULL, 0, NULL, 0},
    };
    azk_scan_options so = AZK_SCAN_OPTIONS_INIT;
    azk_report_format fmt = AZK_REPORT_TEXT;
    const char *output = NULL;
    int progress = -1; /* auto */
    struct azk_strlist inc = {0}, exc = {0}, avals = {0}, apats = {0}, apaths = {0};
    struct scan_run run;
    azk_outfile *of = NULL;
    azk_scanner *scanner = NULL;
    azk_scan_stats stats;
    azk_status rc;
    int ret = AZK_EXIT_USAGE;
    int c;
    uint64_t v;

    memset(&run, 0, sizeof(run));
    run.out = stdout;
    optind = 1;
    while ((c = getopt_long(argc, argv, "f:o:j:Lxqh", longopts, NULL)) != -1) {
        switch (c) {
            case 'f':
                if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0)
                    fmt = AZK_REPORT_JSONL;
                else if (strcmp(optarg, "text") == 0)
                    fmt = AZK_REPORT_TEXT;
                else if (strcmp(optarg, "csv") == 0)
                    fmt = AZK_REPORT_CSV;
                else if (strcmp(optarg, "summary") == 0)
                    fmt = AZK_REPORT_SUMMARY;
                else {
                    azk_cli_err(_("unknown format: %s"), optarg);
                    goto done;
                }
                break;
            case 'o':
                output = optarg;
                break;
            case 'j':
                if (!azk_opt_uint(optarg, 1, 256, &v)) {
                    azk_cli_err(_("--threads takes a number from 1 to 256"));
                    goto done;
                }
                so.threads = (unsigned)v;
                break;
            case 'L':
                so.follow_symlinks = true;
                break;
            case 'x':
                so.one_file_system = true;
                break;
            case 'q':
                azk_cli_quiet = true;
                break;
            case 'h':
                scan_usage(stdout);
                ret = 0;
                goto done;
            case OPT_PROGRESS:
                progress = 1;
                break;
            case OPT_NO_PROGRESS:
                progress = 0;
                break;
            case OPT_INCLUDE:
                if (!azk_strlist_add(&inc, optarg))
                    goto nomem;
                break;
            case OPT_EXCLUDE:
                if (!azk_strlist_add(&exc, optarg))
                    goto nomem;
                break;
            case OPT_MAX_SIZE:
                if (!azk_opt_size(optarg, &so.max_file_size)) {
                    azk_cli_err(_("invalid size: %s"), optarg);
                    goto done;
                }
                break;
            case OPT_CACHE:
                so.cache_path = optarg;
                break;
            case OPT_ENCODING:
                if (azk_encoding_name(optarg) == NULL) {
                    azk_cli_err(_("unknown encoding: %s"), optarg);
                    goto done;
                }
                so.encoding = optarg;
                break;
            case OPT_MAX_DEPTH:
                if (!azk_opt_uint(optarg, 1, 64, &v)) {
                    azk_cli_err(_("--max-depth takes a number from 1 to 64"));
                    goto done;
                }
                so.max_depth = (unsigned)v;
                break;
            case OPT_MAX_EXPANDED:
                if (!azk_opt_size(optarg, &so.max_expanded) || so.max_expanded == 0) {
                    azk_cli_err(_("invalid size: %s"), optarg);
                    goto done;
                }
                break;
            case OPT_MAX_RATIO:
                if (!azk_opt_uint(optarg, 1, 1000000, &v)) {
                    azk_cli_err(_("--max-ratio takes a number from 1 to 1000000"));
                    goto done;
                }
                so.max_ratio = (uint32_t)v;
                break;
            case OPT_MAX_ENTRIES:
                if (!azk_opt_uint(optarg, 1, UINT32_MAX, &so.max_entries)) {
                    azk_cli_err(_("invalid number: %s"), optarg);
                    goto done;
                }
                break;
            case OPT_TYPES:
                if (!azk_opt_types(optarg, &so.types)) {
                    azk_cli_err(_("unknown type in --types: %s"), optarg);
                    goto done;
                }
                break;
            case OPT_MIN_CONF:
                if (!azk_opt_double(optarg, 0.0, 1.0, &so.min_confidence)) {
                    azk_cli_err(_("--min-confidence takes a number from 0 to 1"));
                    goto done;
                }
                break;
            case OPT_MAX_FINDINGS:
                if (!azk_opt_uint(optarg, 1, 100000000, &v)) {
                    azk_cli_err(_("invalid number: %s"), optarg);
                    goto done;
                }
                so.max_findings = (size_t)v;
                break;
            case OPT_ALLOW_VALUE:
                if (!azk_strlist_add(&avals, optarg))
                    goto nomem;
                break;
            case OPT_ALLOW_PATTERN:
                if (!azk_strlist_add(&apats, optarg))
                    goto nomem;
                break;
            case OPT_ALLOW_PATH:
                if (!azk_strlist_add(&apaths, optarg))
                    goto nomem;
                break;
            case OPT_ALLOW_LIST:
                if (!read_allow_list(optarg, &avals, &apats, &apaths))
                    goto done;
                break;
            case OPT_FINGERPRINTS:
                so.fingerprints = optarg;
                break;
            case OPT_FP_KEY:
                so.fingerprint_key = optarg;
                break;
            default:
                scan_usage(stderr);
                goto done;
        }
    }
    if (optind >= argc) {
        azk_cli_err(_("scan: no path given"));
        scan_usage(stderr);
        goto done;
    }
    so.include = inc.items;
    so.include_count = inc.count;
    so.exclude = exc.items;
    so.exclude_count = exc.count;
    so.allow_values = avals.items;
    so.allow_value_count = avals.count;
    so.allow_patterns = apats.items;
    so.allow_pattern_count = apats.count;
    so.allow_paths = apaths.items;
    so.allow_path_count = apaths.count;

    ret = 2;
    if (output != NULL) {
        /* a temporary beside FILE, renamed at the end: never through a planted symlink */
        if (azk_outfile_open(&of, output, 0600, AZK_OUTFILE_STDOUT) != AZK_OK) {
            azk_cli_liberr(output);
            goto done;
        }
        run.out = azk_outfile_stream(of);
    }
    rc = azk_scanner_new(&scanner, &so);
    if (rc != AZK_OK) {
        azk_cli_liberr(_("scan"));
        if (rc == AZK_ERR_ARG) /* an option value (e.g. --allow-pattern) */
            ret = AZK_EXIT_USAGE;
        goto done;
    }
    if (progress == -1)
        progress = !azk_cli_quiet && isatty(STDERR_FILENO);
    if (progress)
        azk_scanner_set_progress(scanner, on_progress, &run);
    rc = azk_report_new(&run.report, fmt, write_out, &run);
    if (rc != AZK_OK) {
        azk_cli_liberr(_("scan"));
        goto done;
    }
    rc = azk_scanner_run(scanner, (const char *const *)argv + optind, (size_t)(argc - optind),
                         on_result, &run, &stats);
    if (run.progress_shown)
        fputs("\r\033[K", stderr);
    if (rc != AZK_OK && run.report_err != AZK_OK) {
        azk_cli_err(_("cannot write the report (%s): scan stopped"),
                    run.write_errno != 0 ? strerror(run.write_errno) : azk_status_name(rc));
        ret = 2;
        goto done;
    }
    if (rc != AZK_OK) {
        azk_cli_liberr(_("scan"));
        goto done;
    }
    rc = azk_report_finish(run.report, &stats);
    if (rc == AZK_OK && run.report_err != AZK_OK)
        rc = run.report_err;
    if (rc == AZK_OK && fflush(run.out) != 0) {
        run.write_errno = errno;
        rc = AZK_ERR_IO;
    }
    if (rc == AZK_OK && of != NULL) {
        rc = azk_outfile_commit(of);
        of = NULL;
    }
    if (rc != AZK_OK) {
        if (run.write_errno != 0)
            azk_cli_err(_("cannot write the report (%s)"), strerror(run.write_errno));
        else
            azk_cli_err(_("cannot write the report"));
        goto done;
    }
    ret = run.found ? 1 : (run.unreadable ? 2 : 0);
    record_scan(&stats);
    goto done;
nomem:
    azk_cli_err(_("out of memory"));
    ret = 2;
done:
    azk_report_free(run.report);
    azk_scanner_free(scanner);
    azk_outfile_abort(of); /* a failed run leaves no partial report */
    azk_strlist_dispose(&inc);
    azk_strlist_dispose(&exc);
    azk_strlist_dispose(&avals);
    azk_strlist_dispose(&apats);
    azk_strlist_dispose(&apaths);
    return ret;
}
