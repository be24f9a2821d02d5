/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_client.c -- `azukari client add ID [--name NAME]` and
 * `azukari client list [--format text|json]`: the clients whose data the
 * home holds in trust.
 */
#include "cli.h"
#include "cli_home.h"
#include "commands.h"

#include "azukari/home.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, _("Usage: azukari client add ID [--name NAME]\n"
                   "       azukari client list [--format text|jsonl]\n"));
    fprintf(out, _("Manage the clients whose data is entrusted. ID: 1-64 of A-Z a-z 0-9 . _ -\n"
                   "(e.g. shinkin-a); it names the client in scan output and reports.\n\n"));
    fprintf(out, _("      --name NAME     display name of the client (organisation)\n"
                   "      --format FMT    text (default) or jsonl\n"
                   "  -h, --help          show this help\n"));
}

static azk_status print_client(const azk_client_info *c, void *payload)
{
    int json = *(int *)payload;
    if (json) {
        printf("{\"client\": ");
        (void)azk_json_fputs(c->id, stdout);
        printf(", \"name\": ");
        (void)azk_json_fputs(c->name, stdout);
        printf(", \"datasets\": %" PRIu64 ", \"created_at\": ", c->dataset_count);
        (void)azk_json_fputs(c->created_at, stdout);
        printf(", \"created_by\": ");
        (void)azk_json_fputs(c->created_by, stdout);
        printf("}\n");
    } else {
        printf("%-24s %6" PRIu64 "  %s  %s\n", c->id, c->dataset_count, c->created_at, c->name);
    }
    return AZK_OK;
}

int cmd_client(int argc, char **argv)
{
    static const struct option opts[] = {{"name", required_argument, NULL, 'n'},
                                         {"format", required_argument, NULL, 'f'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *name = NULL;
    const char *sub;
    int json = 0;
    int c;
    int ret = 1;
    azk_home *h = NULL;
    if (argc < 2) {
        usage(stderr);
        return AZK_EXIT_USAGE;
    }
    sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    optind = 1;
    while ((c = getopt_long(argc - 1, argv + 1, "h", opts, NULL)) != -1) {
        switch (c) {
            case 'n':
                name = optarg;
                break;
            case 'f':
                if (strcmp(optarg, "json") == 0 || strcmp(optarg, "jsonl") == 0) {
                    json = 1;
                } else if (strcmp(optarg, "text") == 0) {
                    json = 0;
                } else {
                    azk_cli_err(_("unknown format: %s"), optarg);
                    return AZK_EXIT_USAGE;
                }
                break;
            case 'h':
                usage(stdout);
                return 0;
            default:
                usage(stderr);
                return AZK_EXIT_USAGE;
        }
    }
    if (strcmp(sub, "add") == 0) {
        if (optind + 1 != argc - 1) {
            usage(stderr);
            return AZK_EXIT_USAGE;
        }
        h = azk_cli_open_home();
        if (h == NULL)
            return 1;
        if (azk_client_add(h, argv[1 + optind], name) != AZK_OK) {
            azk_cli_liberr(_("client add"));
            goto done;
        }
        if (!azk_cli_quiet)
            printf(_("added client %s\n"), argv[1 + optind]);
        ret = 0;
    } else if (strcmp(sub, "list") == 0) {
        if (optind != argc - 1) {
            usage(stderr);
            return azk_cli_usage_err(_("unexpected argument: %s"), argv[1 + optind]);
        }
        h = azk_cli_open_home();
        if (h == NULL)
            return 1;
        if (azk_client_list(h, print_client, &json) != AZK_OK) {
            azk_cli_liberr(_("client list"));
            goto done;
        }
        ret = 0;
    } else {
        azk_cli_err(_("unknown client subcommand: %s"), sub);
        usage(stderr);
        return AZK_EXIT_USAGE;
    }
done:
    azk_home_close(h);
    return ret;
}
