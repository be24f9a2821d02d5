/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_vendor_ops.c -- the `azukari vendor` subcommands beyond the
 * register (cli/vendor_cli.h): questionnaire templates, sending,
 * answering (at the vendor), receiving and reviewing questionnaires,
 * re-checking kept files, audits and findings, certifications and
 * documents, the examiner's export and its offline verification.
 */
#include "cli.h"
#include "cli_home.h"
#include "vendor_cli.h"

#include "azukari/outfile.h"
#include "azukari/vendor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse(int argc, char **argv, int start, struct vopts *o)
{
    if (!vendor_parse(argc, argv, start, o))
        return AZK_EXIT_USAGE;
    if (o->help) {
        printf("%s", _("See azukari vendor --help and docs/vendor.md.\n"));
        return -1;
    }
    return 0;
}

static int fail(const char *what, azk_home *h)
{
    azk_cli_liberr(what);
    azk_home_close(h);
    return 1;
}

static int npos(const struct vopts *o, size_t n)
{
    if (o->npos == n)
        return 0;
    if (o->npos > n)
        return azk_cli_usage_err(_("unexpected argument: %s"), o->pos[n]);
    return azk_cli_usage_err(_("missing argument (see azukari vendor --help)"));
}

static bool int_arg(const char *s, long min, long max, long *out)
{
    char *end = NULL;
    if (s == NULL)
        return false;
    *out = strtol(s, &end, 10);
    return end != s && *end == '\0' && *out >= min && *out <= max;
}

int vendor_cmd_template(int argc, char **argv)
{
    struct vopts o;
    azk_home *h;
    int ret;
    const char *w = argc > 2 ? argv[2] : "";
    ret = parse(argc, argv, 3, &o);
    if (ret != 0)
        return ret < 0 ? 0 : ret;
    if (strcmp(w, "import") == 0) {
        char ref[96];
        ret = npos(&o, 1);
        if (ret != 0)
            return ret;
        h = azk_cli_open_home();
        if (h == NULL)
            return 1;
        if (azk_vendor_template_import(h, o.pos[0], ref) != AZK_OK)
            return fail(_("vendor template import"), h);
        if (!azk_cli_quiet)
            printf(_("imported questionnaire template %s\n"), ref);
        azk_home_close(h);
        return 0;
    }
    if (strcmp(w, "list") == 0) {
        char *out = NULL;
        ret = npos(&o, 0);
        if (ret != 0)
            return ret;
        h = azk_cli_open_home();
        if (h == NULL)
            return 1;
        if (azk_vendor_view(h, AZK_VENDOR_VIEW_TEMPLATES, NULL, NULL, 0,
                            o.format != NULL && strcmp(o.format, "json") == 0 ? AZK_VENDOR_FMT_JSON
                                                                              : AZK_VENDOR_FMT_TEXT,
                            &out) != AZK_OK)
            return fail(_("vendor template list"), h);
        fputs(out, stdout);
        azk_vendor_free(out);
        azk_home_close(h);
        return 0;
    }
    return azk_cli_usage_err(_("vendor template import FILE | template list"));
}

int vendor_cmd_questionnaire(int argc, char **argv)
{
    struct vopts o;
    azk_home *h;
    char qid[37];
    int ret;
    const char *w = argc > 2 ? argv[2] : "";
    ret = parse(argc, argv, 3, &o);
    if (ret != 0)
        return ret < 0 ? 0 : ret;
    if (strcmp(w, "send") == 0) {
        ret = npos(&o, 1);
        if (ret != 0)
            return ret;
        if (o.tmpl == NULL || o.out == NULL)
            return azk_cli_usage_err(_("questionnaire send needs --template and --out"));
        h = azk_cli_open_home();
        if (h == NULL)
            return 1;
        if (azk_vendor_questionnaire_send(h, o.pos[0], o.tmpl, o.due, o.out, qid) != AZK_OK)
            return fail(_("vendor questionnaire send"), h);
        if (!azk_cli_quiet)
            printf(_("questionnaire %s for %s written (signed request)\n"), qid, o.pos[0]);
        azk_home_close(h);
        return 0;
    }
    if (strcmp(w, "answer") == 0) {
        ret = npos(&o, 1);
        if (ret != 0)
            return ret;
        if (o.answers == NULL || o.out == NULL)
            return azk_cli_usage_err(_("questionnaire answer needs --answers and --out"));
        h = azk_cli_open_home();
        if (h == NULL)
            return 1;
        if (azk_vendor_questionnaire_answer(h, o.pos[0], o.answers, vendor_key_arg(o.bank_key),
                                            o.out) != AZK_OK)
            return fail(_("vendor questionnaire answer"), h);
        if (!azk_cli_quiet) {
            printf("%s", _("signed response written\n"));
            if (o.bank_key == NULL)
                printf("%s", _("note: the request's sender was not checked (no --bank-key)\n"));
        }
        azk_home_close(h);
        return 0;
    }
    if (strcmp(w, "receive") == 0) {
        ret = npos(&o, 1);
        if (ret != 0)
            return ret;
        h = azk_cli_open_home();
        if (h == NULL)
            return 1;
        if (azk_vendor_questionnaire_receive(h, o.pos[0], qid) != AZK_OK)
            return fail(_("vendor questionnaire receive"), h);
        if (!azk_cli_quiet)
            printf(_("answers to questionnaire %s verified and recorded\n"), qid);
        azk_home_close(h);
        return 0;
    }
    if (strcmp(w, "review") == 0) {
        long score;
        ret = npos(&o, 2);
        if (ret != 0)
            return ret;
        if (!int_arg(o.score, 0, 100, &score) || o.comment == NULL)
            return azk_cli_usage_err(_("questionnaire review needs --score 0-100 and --comment"));
        h = azk_cli_open_home();
        if (h == NULL)
            return 1;
        if (azk_vendor_questionnaire_review(h, o.pos[0], o.pos[1], (int)score, o.comment) != AZK_OK)
            return fail(_("vendor questionnaire review"), h);
        if (!azk_cli_quiet)
            printf(_("review of questionnaire %s recorded\n"), o.pos[1]);
        azk_home_close(h);
        return 0;
    }
    return azk_cli_usage_err(_("vendor questionnaire send|answer|receive|review"));
}

static azk_status file_problem(const char *vendor, const char *kind, const char *ref,
                               const char *label, const char *problem, void *payload)
{
    (void)payload;
    fprintf(stdout, _("%s: %s %s: file "), vendor, kind, ref);
    (void)azk_fputs_printable(label, stdout);
    fprintf(stdout, ": %s\n",
            strstr(problem, "missing") != NULL ? _("missing since upload")
                                               : _("changed after upload"));
    return AZK_OK;
}

int vendor_cmd_verify_files(int argc, char **argv)
{
    struct vopts o;
    azk_home *h;
    uint64_t bad = 0;
    int ret = parse(argc, argv, 2, &o);
    if (ret != 0)
        return ret < 0 ? 0 : ret;
    if (o.npos > 1)
        return npos(&o, 1);
    h = azk_cli_open_home();
    if (h == NULL)
        return 1;
    if (azk_vendor_files_verify(h, o.npos ? o.pos[0] : NULL, file_problem, NULL, &bad) != AZK_OK)
        return fail(_("vendor verify-files"), h);
    azk_home_close(h);
    if (bad > 0) {
        azk_cli_err(_("%llu file(s) changed or missing since upload"), (unsigned long long)bad);
        return 1;
    }
    if (!azk_cli_quiet)
        printf("%s", _("every kept file matches its SHA-256\n"));
    return 0;
}

int vendor_cmd_audit(int argc, char **argv)
{
    struct vopts o;
    azk_home *h;
    int ret;
    const char *w = argc > 2 ? argv[2] : "";
    ret = parse(argc, argv, 3, &o);
    if (ret != 0)
        return ret < 0 ? 0 : ret;
    ret = npos(&o, 1);
    if (ret != 0)
        return ret;
    if (strcmp(w, "schedule") == 0) {
        long every;
        if (o.kind == NULL || !int_arg(o.every, 1, 120, &every) || o.start == NULL)
            return azk_cli_usage_err(
                _("audit schedule needs --kind, --every MONTHS (1-120) and --start DATE"));
        h = azk_cli_open_home();
        if (h == NULL)
            return 1;
        if (azk_vendor_audit_schedule(h, o.pos[0], o.kind, (int)every, o.start) != AZK_OK)
            return fail(_("vendor audit schedule"), h);
        if (!azk_cli_quiet)
            printf(_("%s: %s every %ld months from %s\n"), o.pos[0], o.kind, every, o.start);
        azk_home_close(h);
        return 0;
    }
    if (strcmp(w, "unschedule") == 0) {
        if (o.kind == NULL)
            return azk_cli_usage_err(_("audit unschedule needs --kind"));
        h = azk_cli_open_home();
        if (h == NULL)
            return 1;
        if (azk_vendor_audit_unschedule(h, o.pos[0], o.kind) != AZK_OK)
            return fail(_("vendor audit unschedule"), h);
        if (!azk_cli_quiet)
            printf(_("%s: %s schedule stopped\n"), o.pos[0], o.kind);
        azk_home_close(h);
        return 0;
    }
    if (strcmp(w, "record") == 0) {
        char id[37];
        if (o.kind == NULL || o.date == NULL || o.summary == NULL)
            return azk_cli_usage_err(_("audit record needs --kind, --date and --summary"));
        h = azk_cli_open_home();
        if (h == NULL)
            return 1;
        if (azk_vendor_audit_record(h, o.pos[0], o.kind, o.adhoc, o.date, o.summary, id) != AZK_OK)
            return fail(_("vendor audit record"), h);
        printf(_("recorded audit %s\n"), id);
        azk_home_close(h);
        return 0;
    }
    return azk_cli_usage_err(_("vendor audit schedule|unschedule|record ID ..."));
}

int vendor_cmd_finding(int argc, char **argv)
{
    struct vopts o;
    azk_home *h;
    int ret;
    const char *w = argc > 2 ? argv[2] : "";
    ret = parse(argc, argv, 3, &o);
    if (ret != 0)
        return ret < 0 ? 0 : ret;
    ret = npos(&o, 1);
    if (ret != 0)
        return ret;
    if (strcmp(w, "add") == 0) {
        char id[37];
        if (o.title == NULL || o.severity == NULL || o.owner == NULL || o.due == NULL)
            return azk_cli_usage_err(_("finding add needs --title, --severity, --owner and --due"));
        h = azk_cli_open_home();
        if (h == NULL)
            return 1;
        if (azk_vendor_finding_add(h, o.pos[0], o.audit, o.title, o.severity, o.owner, o.due, id) !=
            AZK_OK)
            return fail(_("vendor finding add"), h);
        printf(_("recorded finding %s\n"), id);
        azk_home_close(h);
        return 0;
    }
    if (strcmp(w, "update") == 0) {
        h = azk_cli_open_home();
        if (h == NULL)
            return 1;
        if (azk_vendor_finding_update(h, o.pos[0], o.status, o.owner, o.due, o.closed) != AZK_OK)
            return fail(_("vendor finding update"), h);
        if (!azk_cli_quiet)
            printf(_("updated finding %s\n"), o.pos[0]);
        azk_home_close(h);
        return 0;
    }
    return azk_cli_usage_err(_("vendor finding add ID ... | finding update FINDING ..."));
}

int vendor_cmd_doc(int argc, char **argv, const char *doc_class)
{
    struct vopts o;
    azk_home *h;
    char id[37];
    bool cert = strcmp(doc_class, "cert") == 0;
    int ret;
    if (argc < 3 || strcmp(argv[2], "add") != 0)
        return azk_cli_usage_err(cert ? _("vendor cert add ID ...") : _("vendor doc add ID ..."));
    ret = parse(argc, argv, 3, &o);
    if (ret != 0)
        return ret < 0 ? 0 : ret;
    ret = npos(&o, 1);
    if (ret != 0)
        return ret;
    if (o.kind == NULL || o.received == NULL || (cert ? o.ref : o.title) == NULL)
        return azk_cli_usage_err(cert ? _("cert add needs --kind, --ref and --received")
                                      : _("doc add needs --kind, --title and --received"));
    h = azk_cli_open_home();
    if (h == NULL)
        return 1;
    if (azk_vendor_doc_add(h, o.pos[0], doc_class, o.kind, cert ? o.ref : o.title, o.issued,
                           o.expires, o.received, o.file, id) != AZK_OK)
        return fail(cert ? _("vendor cert add") : _("vendor doc add"), h);
    printf(_("recorded %s\n"), id);
    azk_home_close(h);
    return 0;
}

int vendor_cmd_export(int argc, char **argv)
{
    struct vopts o;
    azk_home *h;
    int ret = parse(argc, argv, 2, &o);
    if (ret != 0)
        return ret < 0 ? 0 : ret;
    ret = npos(&o, 0);
    if (ret != 0)
        return ret;
    if (o.vendor == NULL || o.from == NULL || o.to == NULL || o.out == NULL)
        return azk_cli_usage_err(_("vendor export needs --vendor, --from, --to and --out"));
    h = azk_cli_open_home();
    if (h == NULL)
        return 1;
    if (azk_vendor_export(h, o.vendor, o.from, o.to, o.out) != AZK_OK)
        return fail(_("vendor export"), h);
    if (!azk_cli_quiet)
        printf(_("signed bundle of %s (%s .. %s) written\n"), o.vendor, o.from, o.to);
    azk_home_close(h);
    return 0;
}

int vendor_cmd_verify_export(int argc, char **argv)
{
    struct vopts o;
    azk_vendor_export_report rep;
    char pub[1024];
    const char *pk;
    int ret = parse(argc, argv, 2, &o);
    if (ret != 0)
        return ret < 0 ? 0 : ret;
    ret = npos(&o, 1);
    if (ret != 0)
        return ret;
    pk = vendor_key_arg(o.pubkey);
    if (pk != NULL) {
        (void)snprintf(pub, sizeof(pub), "%s", pk); /* vendor_key_arg's buffer is reused */
        pk = pub;
    }
    if (azk_vendor_export_verify(o.pos[0], pk, vendor_key_arg(o.ledger_key), &rep) != AZK_OK) {
        azk_cli_liberr(_("vendor verify-export: NOT VALID"));
        return 1;
    }
    printf(_("valid: bundle of %s (%s .. %s): signature, %llu file(s), checkpoint, %llu ledger "
             "entr(ies) proved\n"),
           rep.vendor, rep.from, rep.to, (unsigned long long)rep.files,
           (unsigned long long)rep.entries);
    printf(_("monthly reports: %llu verified (vendor signature, month-end checkpoint), with %llu "
             "certificate(s)\n"),
           (unsigned long long)rep.reports, (unsigned long long)rep.report_certificates);
    if (!rep.pinned)
        printf("%s", _("note: checked with the keys inside the bundle; give --pubkey and "
                       "--ledger-key to pin the bank's keys\n"));
    return 0;
}
