/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_fingerprints.c -- `azukari fingerprints export --out FILE`:
 * write the fingerprints of the entrusted datasets for scanners on the
 * general network (`azukari scan --fingerprints FILE`), and the scanning
 * key beside it. What the file reveals: docs/threat-model-fingerprints.md.
 */
#include "cli.h"
#include "cli_home.h"
#include "commands.h"

#include "azukari/fingerprint.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, _("Usage: azukari fingerprints export --out FILE [--key-out KEYFILE] "
                   "[--client C]\n"));
    fprintf(out, _("Write fingerprints of the entrusted records (truncated keyed hashes of "
                   "normalised\nfields, never the values) for `azukari scan --fingerprints "
                   "FILE`.\n\n"));
    fprintf(out, _("   or: azukari fingerprints rotate [--out FILE [--key-out KEYFILE]]\n"
                   "Give the home a new scanning key: every dataset's fingerprints are re-made "
                   "from the\nvault under it and the old key is retired (guards refuse exports "
                   "made with it);\nwith --out, export again at once.\n\n"));
    fprintf(out, _("  -o, --out FILE       the fingerprint file\n"
                   "      --key-out FILE   the scanning key (mode 0600; default FILE.key)\n"
                   "      --client C       only the datasets of client C\n"
                   "  -h, --help           show this help\n"));
}

int cmd_fingerprints(int argc, char **argv)
{
    static const struct option opts[] = {{"out", required_argument, NULL, 'o'},
                                         {"key-out", required_argument, NULL, 'k'},
                                         {"client", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *outp = NULL;
    const char *keyp = NULL;
    const char *client = NULL;
    char keybuf[4096];
    azk_fp_export_info info;
    azk_home *h = NULL;
    int c;
    int ret = 1;
    bool rotate;
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? AZK_EXIT_USAGE : 0;
    }
    rotate = strcmp(argv[1], "rotate") == 0;
    if (strcmp(argv[1], "export") != 0 && !rotate) {
        azk_cli_err(_("unknown fingerprints subcommand: %s"), argv[1]);
        usage(stderr);
        return AZK_EXIT_USAGE;
    }
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "o:h", opts, NULL)) != -1) {
        switch (c) {
            case 'o':
                outp = optarg;
                break;
            case 'k':
                keyp = optarg;
                break;
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
    if ((outp == NULL && !rotate) || optind != argc - 1) {
        azk_cli_err(_("fingerprints export needs --out FILE"));
        return AZK_EXIT_USAGE;
    }
    if (keyp == NULL && outp != NULL) {
        snprintf(keybuf, sizeof(keybuf), "%s.key", outp);
        keyp = keybuf;
    }
    h = azk_cli_open_home();
    if (h == NULL)
        return 1;
    if (rotate) {
        if (azk_fingerprints_rotate(h, &info) != AZK_OK) {
            azk_cli_liberr(_("fingerprints rotate"));
            goto done;
        }
        if (!azk_cli_quiet)
            printf(_("new scanning key: %" PRIu64 " datasets, %" PRIu64
                     " records re-fingerprinted; the old key is retired\n"),
                   info.datasets, info.rows);
        if (outp == NULL) {
            ret = 0;
            goto done;
        }
    }
    if (azk_fingerprints_export(h, outp, keyp, client, &info) != AZK_OK) {
        azk_cli_liberr(outp);
        goto done;
    }
    if (!azk_cli_quiet)
        printf(_("wrote %s: %" PRIu64 " datasets, %" PRIu64 " records, %" PRIu64
                 " entries; scanning key %s\n"),
               outp, info.datasets, info.rows, info.entries, keyp);
    ret = 0;
done:
    azk_home_close(h);
    return ret;
}
