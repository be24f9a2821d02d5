/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_agent_witness.c -- `azukari agent witness ...` on the server's
 * home, the CLI twin of /agents/witness/keys: the ledger keys closed-zone
 * hosts offered after a "key changed" alarm, a request that one be
 * accepted and its approval by a second person (each --user NAME --totp
 * CODE). The rules (two people, the offered key only) are the library's
 * (azk_agent_witness_key_*).
 */
#include "cli.h"
#include "cli_home.h"
#include "commands.h"
#include "retention_cli.h"

#include "azukari/agent.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, _("Usage: azukari agent witness keys\n"
                   "       azukari agent witness request AGENT-ID KEY --reason TEXT --user NAME "
                   "--totp CODE\n"
                   "       azukari agent witness approve AGENT-ID --user NAME --totp CODE\n"));
    fprintf(out,
            _("A closed-zone host whose ledger key changed raises a witness alarm. When the\n"
              "change is legitimate (reinstalled host, rotated key), one person requests that\n"
              "the key it offers be accepted and another person approves; from then on only\n"
              "that key's checkpoints are accepted. keys: the offered keys (agent, state,\n"
              "requested by, key, host).\n"));
}

static azk_status print_key(const char *agent_id, const char *host, const char *vkey,
                            const char *state, const char *requested_by, void *payload)
{
    (void)payload;
    printf("%s\t%s\t%s\t%s\t%s\n", agent_id, state, requested_by[0] != '\0' ? requested_by : "-",
           vkey, host);
    return AZK_OK;
}

int cmd_agent_witness(int argc, char **argv)
{
    struct ret_opts o;
    const char *sub = argc >= 2 ? argv[1] : NULL;
    azk_home *h;
    azk_status rc;
    int ret = 1;
    if (sub == NULL) {
        usage(stderr);
        return AZK_EXIT_USAGE;
    }
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    if (!ret_parse(argc, argv, 2, &o))
        return AZK_EXIT_USAGE;
    if (o.help) {
        usage(stdout);
        return 0;
    }
    if (strcmp(sub, "keys") == 0      ? o.npos != 0
        : strcmp(sub, "request") == 0 ? o.npos != 2 || o.reason == NULL || o.user == NULL
        : strcmp(sub, "approve") == 0 ? o.npos != 1 || o.user == NULL
                                      : true) {
        usage(stderr);
        return AZK_EXIT_USAGE;
    }
    h = ret_open_home(&o); /* --user with --totp: that person acts */
    if (h == NULL)
        return 1;
    if (strcmp(sub, "keys") == 0) {
        rc = azk_agent_witness_key_list(h, print_key, NULL);
    } else if (strcmp(sub, "request") == 0) {
        rc = azk_agent_witness_key_request(h, o.pos[0], o.pos[1], o.reason);
        if (rc == AZK_OK && !azk_cli_quiet)
            printf(_("acceptance of the key of %s requested by %s; a second person must "
                     "approve it\n"),
                   o.pos[0], o.user);
    } else {
        rc = azk_agent_witness_key_approve(h, o.pos[0]);
        if (rc == AZK_OK && !azk_cli_quiet)
            printf(_("the key of %s accepted by %s; the witness pins it from now on\n"), o.pos[0],
                   o.user);
    }
    if (rc == AZK_OK)
        ret = 0;
    else
        azk_cli_liberr(_("agent witness"));
    azk_home_close(h);
    return ret;
}
