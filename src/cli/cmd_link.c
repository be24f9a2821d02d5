/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_link.c -- `azukari link FILE...`: person record linkage (名寄せ)
 * over CSV/TSV/xlsx person files. Writes one JSON object per record
 * {"file", "row", "person"} and totals of records and distinct persons per
 * file and overall (DESIGN.md), or a human summary with --format text;
 * --explain shows the weight of each field for one pair of records. Only
 * numbers, file names and field/level names are ever printed, never a
 * value from the files.
 */
#include "cli.h"
#include "commands.h"

#include "azukari/link.h"
#include "azukari/outfile.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MAP 64

static void usage(FILE *out)
{
    fprintf(out, _("Usage: azukari link [OPTIONS] FILE...\n"));
    fprintf(out,
            _("Find which records of person files (CSV/TSV/xlsx with a header row, any "
              "encoding)\nbelong to the same person (名寄せ) and count distinct persons.\n\n"));
    fprintf(out, _("  -o, --output FILE      write results to FILE instead of standard output\n"
                   "      --format FMT       jsonl (default: one object per record, then "
                   "totals)\n"
                   "                         or text (summary for people)\n"
                   "      --threshold P      match probability needed to link a pair "
                   "(0..1, default 0.9)\n"
                   "      --map HEADER=KIND  treat column HEADER as KIND (name, name_kana, "
                   "family_name,\n"
                   "                         given_name, birth_date, postal_code, address, "
                   "phone, email,\n"
                   "                         my_number, none); repeatable\n"
                   "      --encoding ENC     force the input encoding (utf-8, cp932, euc-jp, "
                   "...)\n"
                   "      --explain A B      show the weight of each field for records A and "
                   "B,\n"
                   "                         each ROW (first file) or FILE:ROW (FILE = path or "
                   "1-based number)\n"
                   "      --threads N        comparison threads (default 2)\n"
                   "      --max-block N      blocks larger than N use a sorted window (default "
                   "64)\n"
                   "      --window N         window size in large blocks (default 16)\n"
                   "      --no-tf            no term-frequency adjustment of name weights\n"
                   "      --max-records N    refuse more than N records in all (default "
                   "5000000, ~3 GB)\n"
                   "      --stats            print EM parameters and timings (JSON) on standard "
                   "error\n"
                   "  -h, --help             show this help\n"));
    fprintf(out, _("\nExit status: 0 all files linked; 2 some file could not be read (the "
                   "others are linked);\n64 usage error; 1 other failure.\n"));
}

static int parse_kind(const char *s, azk_column_kind *out)
{
    for (int k = 0; k < AZK_COL__COUNT; k++) {
        const char *n = azk_column_kind_name((azk_column_kind)k);
        if (n != NULL && strcmp(n, s) == 0) {
            *out = (azk_column_kind)k;
            return 0;
        }
    }
    return -1;
}

static int parse_size(const char *s, size_t *out)
{
    char *end;
    unsigned long long v;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v == 0)
        return -1;
    *out = (size_t)v;
    return 0;
}

/* "ROW" or "FILE:ROW" -> record index; -1 when not found. */
static long long find_record(const azk_link *lk, char **files, int nfiles, const char *spec)
{
    const char *colon = strrchr(spec, ':');
    long file = 0;
    char *end;
    unsigned long long row;
    if (colon != NULL) {
        size_t fl = (size_t)(colon - spec);
        long n;
        file = -1;
        for (int i = 0; i < nfiles; i++) {
            if (strlen(files[i]) == fl && strncmp(files[i], spec, fl) == 0)
                file = i;
        }
        if (file < 0) {
            errno = 0;
            n = strtol(spec, &end, 10);
            if (errno == 0 && end == colon && n >= 1 && n <= nfiles)
                file = n - 1;
        }
        if (file < 0)
            return -1;
        spec = colon + 1;
    }
    errno = 0;
    row = strtoull(spec, &end, 10);
    if (errno != 0 || end == spec || *end != '\0')
        return -1;
    for (size_t i = 0; i < azk_link_record_count(lk); i++) {
        uint32_t f;
        uint64_t r;
        azk_link_record_source(lk, i, &f, &r);
        if ((long)f == file && r == row)
            return (long long)i;
    }
    return -1;
}

static void print_stats(const azk_link *lk)
{
    azk_link_stats st;
    azk_link_get_stats(lk, &st);
    fprintf(stderr,
            "{\"stats\": {\"records\": %zu, \"unusable\": %zu, \"distinct_records\": %zu, "
            "\"persons\": %zu, \"candidate_pairs\": %" PRIu64 ", \"linked_pairs\": %" PRIu64
            ", \"refused_merges\": %" PRIu64 ", \"windowed_blocks\": %" PRIu64
            ", \"em_iterations\": %u, \"lambda\": %.6g, \"seconds\": {\"prepare\": %.3f, "
            "\"compare\": %.3f, \"em\": %.3f, \"cluster\": %.3f}, \"levels\": {",
            st.records, st.unusable, st.distinct, st.persons, st.candidate_pairs, st.linked_pairs,
            st.refused_merges, st.windowed_blocks, st.em_iterations, st.lambda, st.seconds_prepare,
            st.seconds_compare, st.seconds_em, st.seconds_cluster);
    for (int f = 0; f < AZK_LINK_F__COUNT; f++) {
        fprintf(stderr, "%s\"%s\": {", f ? ", " : "", azk_link_field_name((azk_link_field)f));
        for (unsigned l = 0; l < azk_link_level_count((azk_link_field)f); l++) {
            double m;
            double u;
            azk_link_level_params(lk, (azk_link_field)f, l, &m, &u);
            fprintf(stderr, "%s\"%s\": {\"m\": %.6g, \"u\": %.6g}", l ? ", " : "",
                    azk_link_level_name((azk_link_field)f, l), m, u);
        }
        fputc('}', stderr);
    }
    fprintf(stderr, "}}}\n");
}

static int explain(const azk_link *lk, char **files, int nfiles, const char *sa, const char *sb,
                   bool text, FILE *out)
{
    long long a = find_record(lk, files, nfiles, sa);
    long long b = find_record(lk, files, nfiles, sb);
    azk_link_explanation ex;
    if (a < 0 || b < 0) {
        azk_cli_err(_("--explain: no such record: %s"), a < 0 ? sa : sb);
        return AZK_EXIT_USAGE;
    }
    if (azk_link_explain(lk, (size_t)a, (size_t)b, &ex) != AZK_OK) {
        azk_cli_liberr("link");
        return 1;
    }
    if (text) {
        fprintf(out, _("Pair %s / %s\n"), sa, sb);
        fprintf(out, "  %-12s %-26s %8s %8s\n", _("field"), _("level"), _("weight"), _("tf adj"));
        fprintf(out, "  %-12s %-26s %8.2f\n", _("prior"), "", ex.prior_weight);
        for (int f = 0; f < AZK_LINK_F__COUNT; f++)
            fprintf(out, "  %-12s %-26s %8.2f %8.2f\n", azk_link_field_name((azk_link_field)f),
                    ex.field[f].level_name, ex.field[f].weight, ex.field[f].tf_adjustment);
        fprintf(out, _("  total weight %.2f, match probability %.4f\n"), ex.total_weight,
                ex.probability);
        if (ex.contradiction)
            fprintf(out, _("  contradiction (%s): never linked directly\n"),
                    ex.contradiction_reason);
        fprintf(out,
                ex.same_person ? _("  result: same person\n") : _("  result: different persons\n"));
        return 0;
    }
    fprintf(out, "{\"explain\": {\"a\": ");
    (void)azk_json_fputs(sa, out);
    fprintf(out, ", \"b\": ");
    (void)azk_json_fputs(sb, out);
    fprintf(out, ", \"prior_weight\": %.4f, \"fields\": {", ex.prior_weight);
    for (int f = 0; f < AZK_LINK_F__COUNT; f++)
        fprintf(out, "%s\"%s\": {\"level\": \"%s\", \"weight\": %.4f, \"tf_adjustment\": %.4f}",
                f ? ", " : "", azk_link_field_name((azk_link_field)f), ex.field[f].level_name,
                ex.field[f].weight, ex.field[f].tf_adjustment);
    fprintf(out, "}, \"total_weight\": %.4f, \"probability\": %.6f, \"contradiction\": ",
            isfinite(ex.total_weight) ? ex.total_weight : -1e9, ex.probability);
    if (ex.contradiction)
        (void)azk_json_fputs(ex.contradiction_reason, out);
    else
        fputs("null", out);
    fprintf(out, ", \"same_person\": %s}}\n", ex.same_person ? "true" : "false");
    return 0;
}

int cmd_link(int argc, char **argv)
{
    static const struct option longopts[] = {{"output", required_argument, NULL, 'o'},
                                             {"format", required_argument, NULL, 'F'},
                                             {"threshold", required_argument, NULL, 'T'},
                                             {"map", required_argument, NULL, 'M'},
                                             {"encoding", required_argument, NULL, 'E'},
                                             {"explain", required_argument, NULL, 'X'},
                                             {"threads", required_argument, NULL, 'j'},
                                             {"max-block", required_argument, NULL, 'B'},
                                             {"window", required_argument, NULL, 'W'},
                                             {"no-tf", no_argument, NULL, 'N'},
                                             {"stats", no_argument, NULL, 'S'},
                                             {"max-records", required_argument, NULL, 'R'},
                                             {"help", no_argument, NULL, 'h'},
                                             {NULL, 0, NULL, 0}};
    azk_link_options lo = AZK_LINK_OPTIONS_INIT;
    azk_link_file_options fo = AZK_LINK_FILE_OPTIONS_INIT;
    azk_link_column_map map[MAX_MAP];
    size_t map_count = 0;
    const char *output = NULL;
    const char *explain_a = NULL;
    const char *explain_b = NULL;
    bool text = false;
    bool stats = false;
    int status = 0;
    int opt;
    azk_link *lk = NULL;
    FILE *out = stdout;
    azk_outfile *of = NULL;
    int nfiles;
    char **files;
    uint64_t *file_records = NULL;
    uint64_t *file_persons = NULL;
    uint64_t *file_unusable = NULL;
    bool *file_ok = NULL;
    unsigned char *mark = NULL;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "o:h", longopts, NULL)) != -1) {
        switch (opt) {
            case 'o':
                output = optarg;
                break;
            case 'F':
                if (strcmp(optarg, "text") == 0)
                    text = true;
                else if (strcmp(optarg, "jsonl") == 0 || strcmp(optarg, "json") == 0)
                    text = false;
                else {
                    azk_cli_err(_("unknown format: %s"), optarg);
                    return AZK_EXIT_USAGE;
                }
                break;
            case 'T': {
                char *end;
                errno = 0;
                lo.threshold = strtod(optarg, &end);
                if (errno != 0 || end == optarg || *end != '\0' || !(lo.threshold > 0) ||
                    !(lo.threshold < 1)) {
                    azk_cli_err(_("--threshold needs a probability between 0 and 1"));
                    return AZK_EXIT_USAGE;
                }
                break;
            }
            case 'M': {
                char *eq = strrchr(optarg, '=');
                if (eq == NULL || eq == optarg || map_count == MAX_MAP) {
                    azk_cli_err(_("--map needs HEADER=KIND"));
                    return AZK_EXIT_USAGE;
                }
                *eq = '\0';
                if (parse_kind(eq + 1, &map[map_count].kind) != 0) {
                    azk_cli_err(_("--map: unknown kind: %s"), eq + 1);
                    return AZK_EXIT_USAGE;
                }
                map[map_count].header = optarg;
                map_count++;
                break;
            }
            case 'E':
                if (azk_encoding_name(optarg) == NULL) {
                    azk_cli_err(_("unknown encoding: %s"), optarg);
                    return AZK_EXIT_USAGE;
                }
                fo.encoding = optarg;
                break;
            case 'X':
                explain_a = optarg;
                if (optind >= argc) {
                    azk_cli_err(_("--explain needs two records"));
                    return AZK_EXIT_USAGE;
                }
                explain_b = argv[optind++];
                break;
            case 'j': {
                size_t v;
                if (parse_size(optarg, &v) != 0 || v > 64) {
                    azk_cli_err(_("--threads needs a number from 1 to 64"));
                    return AZK_EXIT_USAGE;
                }
                lo.threads = (unsigned)v;
                break;
            }
            case 'B':
                if (parse_size(optarg, &lo.max_block) != 0) {
                    azk_cli_err(_("--max-block needs a positive number"));
                    return AZK_EXIT_USAGE;
                }
                break;
            case 'W':
                if (parse_size(optarg, &lo.window) != 0) {
                    azk_cli_err(_("--window needs a positive number"));
                    return AZK_EXIT_USAGE;
                }
                break;
            case 'N':
                lo.no_tf = true;
                break;
            case 'R':
                if (parse_size(optarg, &lo.max_records) != 0) {
                    azk_cli_err(_("--max-records needs a positive number"));
                    return AZK_EXIT_USAGE;
                }
                break;
            case 'S':
                stats = true;
                break;
            case 'h':
                usage(stdout);
                return 0;
            default:
                usage(stderr);
                return AZK_EXIT_USAGE;
        }
    }
    nfiles = argc - optind;
    files = argv + optind;
    if (nfiles <= 0) {
        azk_cli_err(_("link: no input file"));
        usage(stderr);
        return AZK_EXIT_USAGE;
    }
    fo.map = map;
    fo.map_count = map_count;

    file_records = calloc((size_t)nfiles, sizeof(uint64_t));
    file_persons = calloc((size_t)nfiles, sizeof(uint64_t));
    file_unusable = calloc((size_t)nfiles, sizeof(uint64_t));
    file_ok = calloc((size_t)nfiles, sizeof(bool));
    if (file_records == NULL || file_persons == NULL || file_unusable == NULL || file_ok == NULL) {
        azk_cli_err(_("out of memory"));
        status = 1;
        goto done;
    }
    if (azk_link_new(&lk, &lo) != AZK_OK) {
        azk_cli_liberr("link");
        status = 1;
        goto done;
    }
    for (int i = 0; i < nfiles; i++) {
        azk_link_file_result res;
        azk_status rc = azk_link_add_file(lk, files[i], (uint32_t)i, &fo, &res);
        if (rc == AZK_ERR_NOMEM || rc == AZK_ERR_LIMIT) {
            azk_cli_liberr(files[i]);
            if (rc == AZK_ERR_LIMIT)
                azk_cli_err(_("the limit can be raised with --max-records"));
            status = 1;
            goto done;
        }
        if (rc != AZK_OK) {
            azk_cli_liberr(files[i]);
            status = 2;
            continue;
        }
        file_ok[i] = true;
        file_records[i] = res.rows;
        file_unusable[i] = res.unusable;
        if (res.skipped_members > 0 && !azk_cli_quiet)
            azk_cli_err(_("%s: %" PRIu64 " archive members not read (link reads plain tables)"),
                        files[i], res.skipped_members);
    }
    if (azk_link_run(lk) != AZK_OK) {
        azk_cli_liberr("link");
        status = 1;
        goto done;
    }
    if (stats)
        print_stats(lk);
    if (output != NULL) {
        /* a temporary beside FILE, renamed at the end: never through a planted symlink */
        if (azk_outfile_open(&of, output, 0600, AZK_OUTFILE_STDOUT) != AZK_OK) {
            azk_cli_liberr(output);
            status = 1;
            goto done;
        }
        out = azk_outfile_stream(of);
    }
    if (explain_a != NULL) {
        int st = explain(lk, files, nfiles, explain_a, explain_b, text, out);
        if (st != 0)
            status = st;
        goto done;
    }

    {
        azk_link_stats st;
        size_t n = azk_link_record_count(lk);
        azk_link_get_stats(lk, &st);
        mark = calloc(st.persons + 1, 1);
        if (mark == NULL) {
            azk_cli_err(_("out of memory"));
            status = 1;
            goto done;
        }
        /* records of a file are contiguous: count its distinct persons */
        for (size_t i = 0; i < n;) {
            uint32_t f;
            size_t j = i;
            azk_link_record_source(lk, i, &f, NULL);
            for (; j < n; j++) {
                uint32_t fj;
                uint64_t row;
                uint64_t p = azk_link_person(lk, j);
                azk_link_record_source(lk, j, &fj, &row);
                if (fj != f)
                    break;
                if (p != 0 && !mark[p]) {
                    mark[p] = 1;
                    file_persons[f]++;
                }
                if (!text) {
                    fputs("{\"file\": ", out);
                    (void)azk_json_fputs(files[f], out);
                    if (p != 0)
                        fprintf(out, ", \"row\": %" PRIu64 ", \"person\": %" PRIu64 "}\n", row, p);
                    else
                        fprintf(out,
                                ", \"row\": %" PRIu64 ", \"person\": null, \"unusable\": true}\n",
                                row);
                }
            }
            for (size_t k = i; k < j; k++)
                mark[azk_link_person(lk, k)] = 0;
            i = j;
        }
        for (int i = 0; i < nfiles; i++) {
            if (!file_ok[i])
                continue;
            if (text) {
                fprintf(out,
                        _("%s: %" PRIu64 " records, %" PRIu64 " persons (%" PRIu64
                          " without any usable field)\n"),
                        files[i], file_records[i], file_persons[i], file_unusable[i]);
            } else {
                fputs("{\"totals\": {\"file\": ", out);
                (void)azk_json_fputs(files[i], out);
                fprintf(out,
                        ", \"records\": %" PRIu64 ", \"persons\": %" PRIu64
                        ", \"unusable\": %" PRIu64 "}}\n",
                        file_records[i], file_persons[i], file_unusable[i]);
            }
        }
        if (text) {
            fprintf(out,
                    _("total: %zu records in %d files, %zu distinct persons (%zu records "
                      "without any usable field)\n"),
                    st.records, nfiles, st.persons, st.unusable);
        } else {
            int ok = 0;
            for (int i = 0; i < nfiles; i++)
                ok += file_ok[i] ? 1 : 0;
            fprintf(out,
                    "{\"totals\": {\"files\": %d, \"records\": %zu, \"persons\": %zu, "
                    "\"unusable\": %zu, \"failed_files\": %d}}\n",
                    ok, st.records, st.persons, st.unusable, nfiles - ok);
        }
    }
done:
    if (of != NULL) {
        if (status == 0 || status == 2) { /* 2: some input unread, the output stands */
            if (azk_outfile_commit(of) != AZK_OK) {
                azk_cli_liberr(output);
                status = 1;
            }
        } else {
            azk_outfile_abort(of);
        }
    } else if (fflush(stdout) != 0 && status == 0) {
        status = 1;
    }
    azk_link_free(lk);
    free(file_records);
    free(file_persons);
    free(file_unusable);
    free(file_ok);
    free(mark);
    return status;
}
