/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_artifact.c -- `azukari artifact add --dataset D PATH [--until DATE]`,
 * `azukari artifact list [--dataset D]` and `azukari artifact resolve
 * --dataset D PATH --reason TEXT` (a person, --user/--totp): derived
 * artifacts (print files, job logs, exports) registered with their dataset
 * so deletion reaches them, and the record that a refused one was dealt with.
 */
#include "cli.h"
#include "commands.h"
#include "retention_cli.h"

#include <stdio.h>
#include <string.h>

static azk_status print_artifact(const azk_artifact_info *a, void *payload)
{
    (void)payload;
    printf("%s\t%s\t%s\t%s\n", a->dataset, a->path, a->deadline,
           a->disposition != NULL ? a->disposition : _("present"));
    return AZK_OK;
}

int cmd_artifact(int argc, char **argv)
{
    struct ret_opts o;
    azk_home *h;
    int ret = 1;
    if (!ret_parse(argc, argv, 1, &o))
        return AZK_EXIT_USAGE;
    if (o.help || o.npos < 1 || (strcmp(o.pos[0], "add") == 0 && (o.npos < 2 || !o.dataset)) ||
        (strcmp(o.pos[0], "resolve") == 0 && (o.npos != 2 || !o.dataset || !o.reason)) ||
        (strcmp(o.pos[0], "add") != 0 && strcmp(o.pos[0], "list") != 0 &&
         strcmp(o.pos[0], "resolve") != 0)) {
        if (!o.help && o.npos >= 1 && strcmp(o.pos[0], "add") != 0 &&
            strcmp(o.pos[0], "list") != 0 && strcmp(o.pos[0], "resolve") != 0)
            azk_cli_err(_("unknown artifact subcommand: %s"), o.pos[0]);
        fprintf(o.help ? stdout : stderr,
                _("Usage: azukari artifact add --dataset DATASET [--until YYYY-MM-DD] PATH...\n"
                  "       azukari artifact list [--dataset DATASET]\n"
                  "       azukari artifact resolve --dataset DATASET PATH --reason TEXT\n"
                  "                                --user NAME --totp CODE\n"
                  "Register derived files (print files, job logs, exports) with the dataset\n"
                  "they come from: retention deletes them with it (or at their own earlier\n"
                  "deadline). Only the registered file is ever deleted: same device, inode,\n"
                  "size, modification time and content hash as at registration; a symlink,\n"
                  "directory or different file at the path is refused. A file with other hard\n"
                  "links is not overwritten: only its name is unlinked and the deletion stays\n"
                  "incomplete until a person deals with the other links and runs resolve.\n"));
        return o.help ? 0 : AZK_EXIT_USAGE;
    }
    h = ret_open_home(&o);
    if (h == NULL)
        return 1;
    if (strcmp(o.pos[0], "resolve") == 0) {
        if (azk_artifact_resolve(h, o.dataset, o.pos[1], o.reason) == AZK_OK) {
            ret = 0;
            if (!azk_cli_quiet)
                printf(_("%s: resolved; the next retention run re-checks %s\n"), o.pos[1],
                       o.dataset);
        } else {
            azk_cli_liberr(o.pos[1]);
        }
    } else if (strcmp(o.pos[0], "list") == 0) {
        if (azk_artifact_list(h, o.dataset, print_artifact, NULL) == AZK_OK)
            ret = 0;
        else
            azk_cli_liberr(_("artifact list"));
    } else {
        ret = 0;
        for (int i = 1; i < o.npos; i++) {
            if (azk_artifact_add(h, o.dataset, o.pos[i], o.until) != AZK_OK) {
                azk_cli_liberr(o.pos[i]);
                ret = 1;
            } else if (!azk_cli_quiet) {
                printf(_("%s: registered with %s\n"), o.pos[i], o.dataset);
            }
        }
    }
    azk_home_close(h);
    return ret;
}
