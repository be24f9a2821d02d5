/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/retention_cli.h -- options shared by the retention, artifact,
 * certificate and user commands (implemented in cmd_retention.c): who acts
 * (--user NAME with --totp CODE or $AZUKARI_TOTP; default the OS user),
 * --now for drills, and opening the home as that person.
 */
#ifndef AZK_RETENTION_CLI_H
#define AZK_RETENTION_CLI_H

#include "azukari/retention.h"

#include <stdbool.h>

struct ret_opts {
    const char *user, *totp, *now, *reason, *until, *dataset, *pubkey, *ledger_key, *only;
    bool html, json, help;
    const char *pos[4];
    int npos;
};

/* Parse argv[start..]; false (message printed) on an unknown option. */
bool ret_parse(int argc, char **argv, int start, struct ret_opts *o);

/* Open the home and authenticate --user (TOTP); NULL (message printed) on failure. */
azk_home *ret_open_home(const struct ret_opts *o);

#endif
