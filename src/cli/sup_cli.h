/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/sup_cli.h -- options of the supervision commands (report monthly,
 * training, control, vendor import-report), parsed the same way: named
 * options with a value (--name VALUE or --name=VALUE), --help, and up to
 * four positional arguments. Implemented in cmd_supervision.c.
 */
#ifndef AZK_SUP_CLI_H
#define AZK_SUP_CLI_H

#include <stdbool.h>

struct sup_opts {
    const char *user, *totp, *client, *month, *html, *out, *title, *validity, *date, *evidence,
        *warn, *owner, *due, *expires, *status, *pubkey, *cert_pubkey;
    bool help;
    const char *pos[4];
    int npos;
};

/* Parse argv[start..]; false (message printed) on an unknown option. */
bool sup_parse(int argc, char **argv, int start, struct sup_opts *o);
/* Read a one-line key file (public key text); NULL (message printed) on failure. */
char *sup_read_key(const char *path);
/* "en" when the messages are English, else "ja". */
const char *sup_lang(void);

#endif
