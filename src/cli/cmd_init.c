/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_init.c -- `azukari init`: create a home (catalog, master key,
 * vault, audit ledger). Also the helpers of cli_home.h every command that
 * opens a home uses.
 */
#include "cli.h"
#include "cli_home.h"
#include "commands.h"

#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

void azk_cli_free_passphrase(char *p)
{
    if (p == NULL)
        return;
    explicit_bzero(p, strlen(p));
    free(p);
}

static char *prompt_tty(const char *prompt)
{
    char buf[1024];
    struct termios old;
    struct termios noecho;
    char *res = NULL;
    size_t n;
    FILE *tty = fopen("/dev/tty", "r+e");
    if (tty == NULL)
        return NULL;
    fprintf(tty, "%s", prompt);
    fflush(tty);
    if (tcgetattr(fileno(tty), &old) != 0) {
        fclose(tty);
        return NULL;
    }
    noecho = old;
    noecho.c_lflag &= ~(tcflag_t)ECHO;
    (void)tcsetattr(fileno(tty), TCSAFLUSH, &noecho);
    if (fgets(buf, sizeof(buf), tty) != NULL) {
        n = strlen(buf);
        if (n > 0 && buf[n - 1] == '\n')
            buf[n - 1] = '\0';
        res = strdup(buf);
    }
    (void)tcsetattr(fileno(tty), TCSAFLUSH, &old);
    fputc('\n', tty);
    fclose(tty);
    explicit_bzero(buf, sizeof(buf));
    return res;
}

char *azk_cli_read_passphrase(const char *prompt, int confirm)
{
    const char *env = getenv("AZUKARI_PASSPHRASE");
    char *a;
    char *b;
    if (env != NULL && *env != '\0')
        return strdup(env);
    a = prompt_tty(prompt);
    if (a == NULL || !confirm)
        return a;
    b = prompt_tty(_("Repeat passphrase: "));
    if (b == NULL || strcmp(a, b) != 0) {
        azk_cli_err(_("the passphrases differ"));
        azk_cli_free_passphrase(a);
        azk_cli_free_passphrase(b);
        return NULL;
    }
    azk_cli_free_passphrase(b);
    return a;
}

azk_home *azk_cli_open_home(void)
{
    const char *path = azk_cli_home(NULL);
    azk_home *h = NULL;
    char *pass = NULL;
    azk_status rc;
    if (azk_home_uses_passphrase(path)) {
        pass = azk_cli_read_passphrase(_("Passphrase of the azukari home: "), 0);
        if (pass == NULL) {
            azk_cli_err(_("%s: a passphrase is needed (set AZUKARI_PASSPHRASE or run on a "
                          "terminal)"),
                        path);
            return NULL;
        }
    }
    {
        azk_home_open_options o = AZK_HOME_OPEN_OPTIONS_INIT;
        o.passphrase = pass;
        o.passphrase_len = pass != NULL ? strlen(pass) : 0;
        o.catalog = azk_cli_catalog_opt;
        rc = azk_home_open_ex(&h, path, &o);
    }
    azk_cli_free_passphrase(pass);
    if (rc != AZK_OK) {
        azk_cli_liberr(path);
        return NULL;
    }
    return h;
}

static void usage(FILE *out)
{
    fprintf(out, _("Usage: azukari [--home DIR] init [--passphrase] [--catalog URL]\n"));
    fprintf(out, _("Create an azukari home: the SQLite catalog, the master key, the vault for\n"
                   "entrusted files and the audit ledger. The home is --home DIR, else\n"
                   "$AZUKARI_HOME, else ~/.azukari.\n\n"));
    fprintf(out, _("      --passphrase   derive the master key from a passphrase (Argon2id)\n"
                   "                     read from $AZUKARI_PASSPHRASE or the terminal,\n"
                   "                     instead of a key file keys/master.key (mode 0600)\n"
                   "      --catalog URL  keep the catalog in PostgreSQL (postgresql://...):\n"
                   "                     the tables are created in that database, which must\n"
                   "                     hold no azukari catalog, and the URL is recorded as\n"
                   "                     \"catalog\" in HOME/azukari.conf (mode 0600); keys,\n"
                   "                     ledger and vault stay in the home\n"
                   "  -h, --help         show this help\n"));
    fprintf(out, _("\nExit status: 0 created; 1 failure (nothing is left half-made); 64 usage "
                   "error.\n"));
}

int cmd_init(int argc, char **argv)
{
    static const struct option opts[] = {{"passphrase", no_argument, NULL, 'p'},
                                         {"catalog", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    azk_home_init_options o = AZK_HOME_INIT_OPTIONS_INIT;
    const char *path;
    char *pass = NULL;
    int use_pass = 0;
    int c;
    azk_status rc;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
            case 'p':
                use_pass = 1;
                break;
            case 'c':
                azk_cli_catalog_opt = optarg;
                break;
            case 'h':
                usage(stdout);
                return 0;
            default:
                usage(stderr);
                return AZK_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        usage(stderr);
        return azk_cli_usage_err(_("unexpected argument: %s"), argv[optind]);
    }
    path = azk_cli_home(NULL);
    if (use_pass) {
        pass = azk_cli_read_passphrase(_("New passphrase: "), 1);
        if (pass == NULL) {
            azk_cli_err(_("a passphrase is needed (set AZUKARI_PASSPHRASE or run on a terminal)"));
            return 1;
        }
        o.passphrase = pass;
        o.passphrase_len = strlen(pass);
    }
    o.catalog = azk_cli_catalog_opt;
    rc = azk_home_init(path, &o);
    azk_cli_free_passphrase(pass);
    if (rc != AZK_OK) {
        azk_cli_liberr(path);
        return 1;
    }
    if (!azk_cli_quiet)
        printf(_("initialised azukari home %s (%s)\n"), path,
               use_pass ? _("master key from passphrase") : _("master key in keys/master.key"));
    if (!azk_cli_quiet && azk_cli_catalog_opt != NULL)
        printf(_("catalog in PostgreSQL (the URL is recorded in %s/azukari.conf)\n"), path);
    return 0;
}
