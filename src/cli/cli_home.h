/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cli_home.h -- opening the azukari home from a command: the path
 * (--home, AZUKARI_HOME), the passphrase in passphrase mode
 * (AZUKARI_PASSPHRASE, else a prompt on the terminal) and a one-line error.
 * Implemented in cmd_init.c.
 */
#ifndef AZK_CLI_HOME_H
#define AZK_CLI_HOME_H

#include "azukari/home.h"

#include <stddef.h>

/* Read a passphrase: $AZUKARI_PASSPHRASE, else prompt on /dev/tty without
 * echo (twice when confirm). Returns a malloc'ed string or NULL. */
char *azk_cli_read_passphrase(const char *prompt, int confirm);

/* Open the home, printing an error; returns NULL on failure. */
azk_home *azk_cli_open_home(void);

/* Wipe and free a passphrase (NULL-safe). */
void azk_cli_free_passphrase(char *p);

#endif
