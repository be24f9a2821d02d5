/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_db.c -- `azukari db status` (the catalog's schema version, the
 * binary's, pending migrations, the keystore) and `azukari db migrate`
 * (apply them; what was done, the backup's path). The rules are the
 * library's (azukari/db.h); this prints them.
 */
#include "cli.h"
#include "cli_home.h"
#include "commands.h"

#include "azukari/db.h"
#include "azukari/home.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(out, _("Usage: azukari db status\n"
                   "       azukari db migrate\n"));
    fprintf(out, _("The catalog's schema. status shows the catalog, its backend, the schema\n"
                   "version of the catalog and of this azukari, the migrations pending and the\n"
                   "keystore (it needs no master key and writes nothing). migrate applies the\n"
                   "pending migrations, after a backup of an SQLite catalog, and prints what it\n"
                   "did; opening the home does the same by itself. See docs/catalog.md.\n\n"));
    fprintf(out, _("  -h, --help   show this help\n"));
    fprintf(out, _("\nExit status: status: 0 current, 2 migrations pending, 1 failure (no home,\n"
                   "not a catalog, a schema newer than this azukari); migrate: 0 migrated or\n"
                   "nothing to do, 1 failure (the catalog is left as it was); 64 usage error.\n"));
}

static int db_status(const char *home)
{
    azk_catalog_info ci = AZK_CATALOG_INFO_INIT;
    azk_status rc = azk_catalog_status(home, &ci);
    if (ci.catalog[0] != '\0')
        printf(_("catalog: %s\n"), ci.catalog);
    if (ci.backend[0] != '\0')
        printf(_("backend: %s\n"), ci.backend);
    if (ci.schema_file > 0)
        printf(_("schema: %d (this azukari: %d)\n"), ci.schema_file, ci.schema_binary);
    if (rc != AZK_OK) {
        azk_cli_liberr(home);
        return 1;
    }
    printf(_("pending migrations: %d\n"), ci.pending);
    if (ci.key_count < 0)
        printf(_("keystore: %s (not created yet)\n"), ci.keystore);
    else
        printf(_("keystore: %s (%lld keys)\n"), ci.keystore, (long long)ci.key_count);
    return ci.pending > 0 ? 2 : 0;
}

static int db_migrate(const char *home)
{
    azk_catalog_migration m = AZK_CATALOG_MIGRATION_INIT;
    azk_status rc;
    char *pass = NULL;
    if (azk_home_uses_passphrase(home)) {
        pass = azk_cli_read_passphrase(_("Passphrase of the azukari home: "), 0);
        if (pass == NULL) {
            azk_cli_err(_("%s: a passphrase is needed (set AZUKARI_PASSPHRASE or run on a "
                          "terminal)"),
                        home);
            return 1;
        }
    }
    rc = azk_catalog_migrate(home, pass, pass != NULL ? strlen(pass) : 0, &m);
    azk_cli_free_passphrase(pass);
    if (m.backup[0] != '\0')
        printf(_("backup: %s\n"), m.backup);
    if (m.to > m.from) {
        printf(_("migrated the catalog from schema %d to %d\n"), m.from, m.to);
        if (m.keys_moved > 0)
            printf(_("wrapped keys moved to the keystore: %lld (catalog files searched: %s)\n"),
                   (long long)m.keys_moved,
                   m.key_bytes_absent ? _("no key bytes left") : _("bytes remain"));
    }
    if (m.scrub_retried)
        printf(_("scrubbed the catalog files of moved keys (catalog files searched: %s)\n"),
               m.key_bytes_absent ? _("no key bytes left") : _("bytes remain"));
    if (rc != AZK_OK) {
        azk_cli_liberr(home);
        return 1;
    }
    if (m.to == m.from && !m.scrub_retried)
        printf(_("schema %d is current; nothing to migrate\n"), m.to);
    return 0;
}

int cmd_db(int argc, char **argv)
{
    static const struct option opts[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *sub;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
        switch (c) {
            case 'h':
                usage(stdout);
                return 0;
            default:
                usage(stderr);
                return AZK_EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return azk_cli_usage_err(_("db: a subcommand is needed (status or migrate)"));
    }
    sub = argv[optind++];
    if (strcmp(sub, "status") != 0 && strcmp(sub, "migrate") != 0) {
        usage(stderr);
        return azk_cli_usage_err(_("db: unknown subcommand: %s"), sub);
    }
    /* options after the subcommand: only --help */
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
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
    return strcmp(sub, "status") == 0 ? db_status(azk_cli_home(NULL))
                                      : db_migrate(azk_cli_home(NULL));
}
