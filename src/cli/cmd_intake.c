/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_intake.c -- `azukari intake`: take a client's file (CSV, TSV or
 * xlsx with a header row, any encoding) into the encrypted vault and the
 * catalog. Messages name rows, columns and headers, never a value.
 */
#include "cli.h"
#include "cli_home.h"
#include "commands.h"

#include "azukari/vault.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void usage(FILE *out)
{
    fprintf(out, _("Usage: azukari intake --client C --dataset D --purpose TEXT --retain-until "
                   "DATE [OPTIONS] FILE\n"));
    fprintf(out, _("Take an entrusted file (CSV, TSV or xlsx with a header row, in any encoding "
                   "the\nscanner reads) into the encrypted vault and record it in the catalog.\n"
                   "Columns are recognised from their header names (顧客番号, 氏名, フリガナ, "
                   "生年月日,\n郵便番号, 住所, 電話番号, メール, 口座番号, ...) or mapped with "
                   "--map.\n\n"));
    fprintf(out, _("      --client C          client id (see `azukari client add`)\n"
                   "      --dataset D         new dataset id, e.g. 2023-09-dm\n"
                   "      --purpose TEXT      why the data is held\n"
                   "      --retain-until DATE deadline of deletion (YYYY-MM-DD, 令和7年3月31日 "
                   "...)\n"
                   "      --map H=KIND,...    column kinds by header: name, name_kana, "
                   "family_name,\n"
                   "                          given_name, birth_date, postal_code, address, "
                   "phone,\n"
                   "                          email, customer_id, bank_account, my_number, or "
                   "other\n"
                   "                          (not personal); repeatable\n"
                   "      --encoding ENC      force the encoding (utf-8, cp932, euc-jp, ...)\n"
                   "  -h, --help              show this help\n"));
    fprintf(out, _("\nFILE may be - for standard input. On any error nothing is stored.\n"
                   "Exit status: 0 stored; 1 refused or failed; 64 usage error.\n"));
}

int cmd_intake(int argc, char **argv)
{
    static const struct option opts[] = {
        {"client", required_argument, NULL, 'c'},  {"dataset", required_argument, NULL, 'd'},
        {"purpose", required_argument, NULL, 'p'}, {"retain-until", required_argument, NULL, 'r'},
        {"map", required_argument, NULL, 'm'},     {"encoding", required_argument, NULL, 'e'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0}};
    azk_intake_options o = AZK_INTAKE_OPTIONS_INIT;
    azk_intake_result res;
    char map[8192] = "";
    size_t maplen = 0;
    const char *path;
    const char *base;
    azk_home *h = NULL;
    int fd = -1;
    int ret = 1;
    int c;
    struct stat sb;

    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
            case 'c':
                o.client = optarg;
                break;
            case 'd':
                o.dataset = optarg;
                break;
            case 'p':
                o.purpose = optarg;
                break;
            case 'r':
                o.retain_until = optarg;
                break;
            case 'm': {
                size_t n = strlen(optarg);
                if (maplen + n + 2 > sizeof(map)) {
                    azk_cli_err(_("--map: too long"));
                    return AZK_EXIT_USAGE;
                }
                if (maplen > 0)
                    map[maplen++] = ',';
                memcpy(map + maplen, optarg, n + 1);
                maplen += n;
                break;
            }
            case 'e':
                o.encoding = optarg;
                break;
            case 'h':
                usage(stdout);
                return 0;
            default:
                usage(stderr);
                return AZK_EXIT_USAGE;
        }
    }
    if (optind + 1 != argc || o.client == NULL || o.dataset == NULL || o.purpose == NULL ||
        o.retain_until == NULL) {
        azk_cli_err(_("intake needs --client, --dataset, --purpose, --retain-until and one FILE"));
        usage(stderr);
        return AZK_EXIT_USAGE;
    }
    if (maplen > 0)
        o.map = map;
    if (azk_intake_check_options(&o) != AZK_OK) {
        azk_cli_liberr(NULL);
        return AZK_EXIT_USAGE;
    }
    path = argv[optind];
    if (strcmp(path, "-") == 0) {
        fd = STDIN_FILENO;
        base = "stdin";
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            azk_cli_err(_("%s: cannot open: %s"), path, strerror(errno));
            return 1;
        }
        if (fstat(fd, &sb) != 0 || S_ISDIR(sb.st_mode)) {
            azk_cli_err(_("%s: not a file"), path);
            close(fd);
            return 1;
        }
        base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
    }
    o.source_name = base;
    h = azk_cli_open_home();
    if (h == NULL)
        goto done;
    if (azk_intake(h, fd, &o, &res) != AZK_OK) {
        azk_cli_liberr(path);
        goto done;
    }
    if (!azk_cli_quiet)
        printf(_("stored dataset %s of client %s: %" PRIu64 " records, %zu columns (%zu "
                 "personal), %s, %s, %" PRIu64 " bytes\n"),
               o.dataset, o.client, res.records, res.columns, res.personal, res.format,
               res.encoding, res.bytes);
    ret = 0;
done:
    if (fd > STDIN_FILENO)
        close(fd);
    azk_home_close(h);
    return ret;
}
