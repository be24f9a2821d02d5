/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/vendor_cli.h -- what the two files of `azukari vendor` share
 * (cmd_vendor.c: dispatcher, register, contracts, views; cmd_vendor_ops.c:
 * questionnaires, audits, findings, certifications, export): the parsed
 * options of a vendor subcommand.
 */
#ifndef AZK_CLI_VENDOR_CLI_H
#define AZK_CLI_VENDOR_CLI_H

#include <stdbool.h>
#include <stddef.h>

#define VOPT_MAX_POS 4
#define VOPT_MAX_LOC 16

struct vopts {
    const char *pos[VOPT_MAX_POS]; /* positional arguments after the subcommand words */
    size_t npos;
    const char *locations[VOPT_MAX_LOC];
    size_t nloc;
    const char *name, *corp, *crit, *risk, *reason, *format, *today, *scope, *ref, *signed_on,
        *expires, *date, *note, *tmpl, *due, *out, *answers, *bank_key, *score, *comment, *kind,
        *every, *start, *summary, *title, *severity, *owner, *status, *closed, *audit, *issued,
        *received, *file, *vendor, *from, *to, *pubkey, *ledger_key, *within;
    bool adhoc, help;
};

/* Parse argv[start..argc) into o; false (message printed) on a usage error. */
bool vendor_parse(int argc, char **argv, int start, struct vopts *o);

/* A key given as text ("name+base64") or as a file holding it: a static copy, or NULL. */
const char *vendor_key_arg(const char *arg);

/* Subcommands of cmd_vendor_ops.c; each returns the exit status. */
int vendor_cmd_template(int argc, char **argv);
int vendor_cmd_questionnaire(int argc, char **argv);
int vendor_cmd_verify_files(int argc, char **argv);
int vendor_cmd_audit(int argc, char **argv);
int vendor_cmd_finding(int argc, char **argv);
int vendor_cmd_doc(int argc, char **argv, const char *doc_class);
int vendor_cmd_export(int argc, char **argv);
int vendor_cmd_verify_export(int argc, char **argv);
/* vendor import-report (cmd_vendor_import.c): argv[0] "vendor", argv[1] "import-report" */
int cmd_vendor_import_report(int argc, char **argv);

#endif
