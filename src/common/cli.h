/* SPDX-License-Identifier: Apache-2.0 */
/*
 * common/cli.h -- code shared by the front ends (CLI, agent, server):
 * gettext set-up, message output on stderr, the azukari home path and
 * mapping library errors to one-line messages.
 */
#ifndef AZK_COMMON_CLI_H
#define AZK_COMMON_CLI_H

#include "azukari/common.h"

#include <libintl.h>
#include <stdbool.h>

#define _(s)  gettext(s)
#define N_(s) (s)

/* Exit status of a usage error, for every command (sysexits EX_USAGE); the
 * other codes of each command are in the EXIT STATUS tables of azukari(1). */
#define AZK_EXIT_USAGE 64

/* Initialise locale and message catalog; lang may be NULL ("ja" default). */
void azk_cli_init_i18n(const char *lang);

/* Program name for messages ("azukari"). */
extern const char *azk_cli_progname;
/* Set by --quiet */
extern bool azk_cli_quiet;

/* Print "azukari: <msg>\n" on stderr (printf format, already translated). */
void azk_cli_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A usage error: print "azukari: <msg>" like azk_cli_err, return AZK_EXIT_USAGE. */
int azk_cli_usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print the library's last error as "azukari: <context>: <message>". */
void azk_cli_liberr(const char *context);
/* Resolve the home directory: explicit, else $AZUKARI_HOME, else ~/.azukari */
const char *azk_cli_home(const char *explicit_home);

/* Global --home value (NULL when not given). */
extern const char *azk_cli_home_opt;
/* Global --catalog URL (NULL: the home's own catalog). */
extern const char *azk_cli_catalog_opt;

#endif
