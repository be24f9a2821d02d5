/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/main.c -- `azukari` entry point: global options, then dispatch to the
 * subcommand named in argv (table in commands.def).
 */
#include "cli.h"
#include "commands.h"

#include <stdio.h>
#include <string.h>

struct command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
};

static const struct command commands[] = {
#define AZK_COMMAND(name, fn, summary) {name, fn, summary},
#include "commands.def"
#undef AZK_COMMAND
};

static void usage(FILE *out)
{
    fprintf(out, _("Usage: azukari [--home DIR] [--catalog URL] [--lang ja|en] [--quiet] COMMAND "
                   "[ARGS...]\n"));
    fprintf(out, _("\nKeeps entrusted personal data where it belongs, deletes it on time, proves "
                   "both.\n\nCommands:\n"));
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-14s %s\n", commands[i].name, _(commands[i].summary));
    fprintf(out, _("\n`azukari COMMAND --help` describes each command; see also azukari(1).\n"));
}

int cmd_version(int argc, char **argv)
{
    if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        printf("%s", _("Usage: azukari version\nPrint the version.\n"));
        return 0;
    }
    if (argc > 1)
        return azk_cli_usage_err(_("version: unexpected argument: %s"), argv[1]);
    printf("azukari %s\n", azk_version());
    return 0;
}

/* The languages of the messages: a typo is a usage error, not English. */
static bool known_lang(const char *lang)
{
    return lang == NULL || strcmp(lang, "ja") == 0 || strcmp(lang, "en") == 0;
}

int main(int argc, char **argv)
{
    const char *lang = NULL;
    int i = 1;
    /* global options come before the command name */
    for (; i < argc && argv[i][0] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--home") == 0 && i + 1 < argc) {
            azk_cli_home_opt = argv[++i];
        } else if (strncmp(a, "--home=", 7) == 0) {
            azk_cli_home_opt = a + 7;
        } else if (strcmp(a, "--catalog") == 0 && i + 1 < argc) {
            azk_cli_catalog_opt = argv[++i];
        } else if (strncmp(a, "--catalog=", 10) == 0) {
            azk_cli_catalog_opt = a + 10;
        } else if (strcmp(a, "--lang") == 0 && i + 1 < argc) {
            lang = argv[++i];
        } else if (strncmp(a, "--lang=", 7) == 0) {
            lang = a + 7;
        } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
            azk_cli_quiet = true;
        } else if (strcmp(a, "--version") == 0) {
            azk_cli_init_i18n(lang);
            return cmd_version(0, NULL);
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            azk_cli_init_i18n(lang);
            usage(stdout);
            return 0;
        } else {
            azk_cli_init_i18n(lang);
            if (strcmp(a, "--home") == 0 || strcmp(a, "--lang") == 0 || strcmp(a, "--catalog") == 0)
                azk_cli_err(_("%s needs a value"), a);
            else
                azk_cli_err(_("unknown option: %s"), a);
            usage(stderr);
            return AZK_EXIT_USAGE;
        }
    }
    if (!known_lang(lang)) {
        azk_cli_init_i18n(NULL);
        return azk_cli_usage_err(_("unknown language: %s (ja or en)"), lang);
    }
    azk_cli_init_i18n(lang);
    if (i >= argc) {
        usage(stderr);
        return AZK_EXIT_USAGE;
    }
    for (size_t c = 0; c < sizeof(commands) / sizeof(commands[0]); c++) {
        if (strcmp(argv[i], commands[c].name) == 0)
            return commands[c].fn(argc - i, argv + i);
    }
    if (strcmp(argv[i], "help") == 0) {
        usage(stdout);
        return 0;
    }
    azk_cli_err(_("unknown command: %s"), argv[i]);
    usage(stderr);
    return AZK_EXIT_USAGE;
}
