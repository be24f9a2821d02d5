/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_vendor_import.c -- `azukari vendor import-report FILE --pubkey
 * VENDOR.pub [--cert-pubkey CERTKEY.pub] [--client C]` at a client bank:
 * verify a vendor's signed monthly report offline and store it
 * (azk_vendor_report_import: signature, client, checkpoint consistency with
 * every report imported before from that vendor, certificates); the vendor
 * command (cmd_vendor.c) dispatches here.
 * Exit status: 0 imported (or the same report again), 1 imported with
 * flags (overdue deletions, lapsed training, open findings), 2 refused
 * (nothing imported), 64 usage.
 */
#include "cli.h"
#include "cli_home.h"
#include "commands.h"
#include "sup_cli.h"
#include "vendor_cli.h"

#include "azukari/supervision.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f, "%s",
            _("Usage: azukari vendor import-report FILE --pubkey VENDOR.pub "
              "[--cert-pubkey CERTKEY.pub] [--client C]\n"
              "Verify a vendor's signed monthly report offline and keep it: the signature by\n"
              "the vendor's key (VENDOR.pub: the vendor's keys/certificate.pub), the client\n"
              "(--client, else the one of this vendor's earlier reports), the ledger's\n"
              "month-end checkpoint and its consistency with every report imported before from\n"
              "that vendor (a fork is an alarm in the ledger), and the deletion certificates\n"
              "listed (CERTKEY.pub, default VENDOR.pub). Nothing is imported unless all of\n"
              "it verifies. Exit status: 0 imported, 1 imported with flags (overdue\n"
              "deletions, lapsed training, open findings), 2 refused, 64 usage.\n"));
}

int cmd_vendor_import_report(int argc, char **argv)
{
    struct sup_opts o;
    azk_vendor_import_options io = AZK_VENDOR_IMPORT_OPTIONS_INIT;
    azk_vendor_import_result res;
    azk_home *h = NULL;
    char *pub = NULL, *cpub = NULL;
    int ret = 2;
    if (!sup_parse(argc, argv, 2, &o))
        return AZK_EXIT_USAGE;
    if (o.help) {
        usage(stdout);
        return 0;
    }
    if (o.npos != 1 || o.pubkey == NULL) {
        usage(stderr);
        return AZK_EXIT_USAGE;
    }
    pub = sup_read_key(o.pubkey);
    if (pub == NULL)
        return AZK_EXIT_USAGE;
    if (o.cert_pubkey != NULL) {
        cpub = sup_read_key(o.cert_pubkey);
        if (cpub == NULL) {
            free(pub);
            return AZK_EXIT_USAGE;
        }
    }
    h = azk_cli_open_home();
    if (h == NULL)
        goto done;
    io.pubkey = pub;
    io.cert_pubkey = cpub;
    io.client = o.client;
    if (azk_vendor_report_import(h, o.pos[0], &io, &res) != AZK_OK) {
        azk_cli_liberr(o.pos[0]);
        goto done;
    }
    if (res.already) {
        printf(_("%s %s: already imported (same report)\n"), res.client, res.month);
        ret = 0;
        goto done;
    }
    printf(_("imported: client %s, month %s, vendor ledger %llu entries, consistent with %llu "
             "earlier report(s), %llu certificate(s) verified\n"),
           res.client, res.month, (unsigned long long)res.tree_size,
           (unsigned long long)res.checked, (unsigned long long)res.certificates);
    if (res.superseded)
        printf(_("it supersedes the report of that month imported before (kept)\n"));
    ret = 0;
    if (res.overdue > 0) {
        printf(_("FLAG: %llu overdue deletion(s)\n"), (unsigned long long)res.overdue);
        ret = 1;
    }
    if (res.lapsed > 0) {
        printf(_("FLAG: %llu handler(s) with lapsed training\n"), (unsigned long long)res.lapsed);
        ret = 1;
    }
    if (res.findings > 0) {
        printf(_("FLAG: %llu unresolved internal-control finding(s)\n"),
               (unsigned long long)res.findings);
        ret = 1;
    }
done:
    azk_home_close(h);
    free(pub);
    free(cpub);
    return ret;
}
