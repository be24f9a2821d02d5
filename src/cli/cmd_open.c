/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_open.c -- `azukari open D --reason TEXT [--out FILE]`: stream an
 * entrusted file, decrypted and authenticated, to a pipe (or a file) for
 * the production job, so the plaintext need not lie on disk. Every open
 * is recorded (who, when, why) before the first byte is written.
 */
#include "cli.h"
#include "cli_home.h"
#include "commands.h"

#include "azukari/retention.h"
#include "azukari/vault.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out, _("Usage: azukari open DATASET --reason TEXT [--out FILE] [--force] [--user NAME "
                   "--totp CODE]\n"));
    fprintf(out, _("Write the entrusted file of DATASET, exactly as received, to standard output\n"
                   "(a pipe into the production job) or to FILE. The open is recorded in the\n"
                   "catalog and the audit ledger with who, when and the reason.\n\n"));
    fprintf(out, _("      --reason TEXT   why the data is opened (required)\n"
                   "  -o, --out FILE      write to FILE (created, mode 0600) instead of stdout\n"
                   "      --force         write to a terminal\n"
                   "      --user NAME     open as this enrolled user (TOTP: --totp or "
                   "$AZUKARI_TOTP);\n"
                   "                      required training is checked for the opener\n"
                   "  -h, --help          show this help\n"));
    fprintf(out, _("\nIf the vault file fails authentication (wrong key, changed or truncated "
                   "file) the\noutput stops and the exit status is 1: discard what was "
                   "written.\n"));
}

static azk_status write_out(const uint8_t *p, size_t n, void *payload)
{
    int fd = *(int *)payload;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return AZK_ERR_IO;
        }
        p += w;
        n -= (size_t)w;
    }
    return AZK_OK;
}

int cmd_open(int argc, char **argv)
{
    static const struct option opts[] = {{"reason", required_argument, NULL, 'r'},
                                         {"out", required_argument, NULL, 'o'},
                                         {"force", no_argument, NULL, 'f'},
                                         {"user", required_argument, NULL, 'u'},
                                         {"totp", required_argument, NULL, 't'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *reason = NULL;
    const char *outp = NULL;
    const char *user = NULL, *code = getenv("AZUKARI_TOTP");
    int force = 0;
    int fd = STDOUT_FILENO;
    int ret = 1;
    int c;
    azk_home *h = NULL;
    azk_status rc;

    optind = 1;
    while ((c = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
        switch (c) {
            case 'r':
                reason = optarg;
                break;
            case 'o':
                outp = optarg;
                break;
            case 'f':
                force = 1;
                break;
            case 'u':
                user = optarg;
                break;
            case 't':
                code = optarg;
                break;
            case 'h':
                usage(stdout);
                return 0;
            default:
                usage(stderr);
                return AZK_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || reason == NULL) {
        azk_cli_err(_("open needs one DATASET and --reason"));
        usage(stderr);
        return AZK_EXIT_USAGE;
    }
    if (outp == NULL && isatty(STDOUT_FILENO) && !force) {
        azk_cli_err(_("refusing to write entrusted data to a terminal (pipe it, use --out, or "
                      "--force)"));
        return AZK_EXIT_USAGE;
    }
    signal(SIGPIPE, SIG_IGN);
    h = azk_cli_open_home();
    if (h == NULL)
        return 1;
    if (user != NULL && azk_user_auth(h, user, code) != AZK_OK) {
        azk_cli_liberr(_("authentication"));
        goto done;
    }
    if (outp != NULL) {
        /* the library writes, fsyncs, registers and links the copy, and records the outcome */
        if (azk_vault_export_to_file(h, argv[optind], reason, outp) != AZK_OK) {
            azk_cli_liberr(outp);
            goto done;
        }
        ret = 0;
        goto done;
    }
    rc = azk_vault_open(h, argv[optind], reason, write_out, &fd);
    if (rc == AZK_ERR_IO && azk_error_last()->message[0] == '\0') {
        azk_cli_err(_("%s: write failed: %s"), "stdout", strerror(errno));
        goto done;
    }
    if (rc != AZK_OK) {
        azk_cli_liberr(argv[optind]);
        goto done;
    }
    ret = 0;
done:
    azk_home_close(h);
    return ret;
}
