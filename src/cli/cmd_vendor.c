/* SPDX-License-Identifier: Apache-2.0 */
/*
 * cli/cmd_vendor.c -- `azukari vendor ...`: vendor management at a client
 * bank (azukari/vendor.h, docs/vendor.md). This file: the dispatcher, the
 * option parser the subcommands share, the register (add, set, key,
 * subcontractor), contracts, and the views (show, list, due). The
 * questionnaires, audits, certifications and the examiner's export are
 * cmd_vendor_ops.c. `vendor import-report` (monthly reports signed by the
 * vendor) is in cmd_vendor_import.c.
 */
#include "cli.h"
#include "opts.h"
#include "cli_home.h"
#include "commands.h"
#include "vendor_cli.h"

#include "azukari/vendor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *out)
{
    fprintf(
        out, "%s",
        _("Usage: azukari vendor add ID --name NAME --corporate-number N [--criticality C]\n"
          "                          [--location TEXT]...\n"
          "       azukari vendor set ID [--name NAME] [--corporate-number N] [--criticality C]\n"
          "                          [--location TEXT]... | --risk R --reason TEXT\n"
          "       azukari vendor show ID [--format text|json|html] [--today DATE]\n"
          "       azukari vendor list [--format text|json] [--today DATE]\n"
          "       azukari vendor due [ID] [--within DAYS] [--format text|json] [--today DATE]\n"
          "       azukari vendor key ID certificate|report|ledger KEY|KEYFILE\n"
          "       azukari vendor key retire ID certificate|report|ledger --reason TEXT\n"
          "       azukari vendor subcontractor add ID SUB --scope TEXT | remove ID SUB\n"
          "       azukari vendor contract ID --ref REF --signed DATE [--expires DATE]\n"
          "       azukari vendor contract clause ID CLAUSE STATUS [--date DATE] [--note TEXT]\n"
          "       azukari vendor template import FILE | template list [--format json]\n"
          "       azukari vendor questionnaire send ID --template T[@REV] --out FILE [--due DATE]\n"
          "       azukari vendor questionnaire answer REQUEST --answers FILE --out FILE\n"
          "                          [--bank-key KEY|KEYFILE]\n"
          "       azukari vendor questionnaire receive FILE\n"
          "       azukari vendor questionnaire review ID QID --score 0-100 --comment TEXT\n"
          "       azukari vendor verify-files [ID]\n"
          "       azukari vendor audit schedule ID --kind audit|onsite --every MONTHS --start "
          "DATE\n"
          "       azukari vendor audit unschedule ID --kind audit|onsite\n"
          "       azukari vendor audit record ID --kind audit|onsite --date DATE --summary TEXT\n"
          "                          [--adhoc]\n"
          "       azukari vendor finding add ID --title T --severity S --owner O --due DATE\n"
          "                          [--audit AUDIT]\n"
          "       azukari vendor finding update FINDING [--status S] [--owner O] [--due DATE]\n"
          "                          [--closed DATE]\n"
          "       azukari vendor cert add ID --kind isms|pmark|soc1|soc2|other --ref REF\n"
          "                          --received DATE [--issued DATE] [--expires DATE] [--file F]\n"
          "       azukari vendor doc add ID --kind financial|other --title TITLE --received DATE\n"
          "                          [--issued DATE] [--file F]\n"
          "       azukari vendor export --vendor V --from DATE --to DATE --out DIR|FILE\n"
          "       azukari vendor verify-export DIR|FILE [--pubkey KEY] [--ledger-key KEY]\n"
          "       azukari vendor import-report FILE --pubkey VENDOR.pub\n"));
    fprintf(out, "%s",
            _("Vendor management at the client bank: the register (法人番号 with its check\n"
              "digit, locations of data, criticality, sub-contractors without cycles, the\n"
              "vendor's public keys), contracts and their required clauses, questionnaires\n"
              "exchanged as signed files, audits and on-site inspections with findings,\n"
              "certifications and disclosures, due dates, and a signed bundle per vendor and\n"
              "period for examiners, verified offline. Every change is a ledger entry.\n"
              "Criticality, risk and severity: high, medium, low. Clauses: purpose-limitation,\n"
              "named-handlers, re-entrustment, incident-reporting, audit-rights,\n"
              "deletion-certificate; status agreed, partial, missing, n/a. See docs/vendor.md.\n"));
}

/* ---- shared option parsing ----------------------------------------------------- */

#define VO(f) offsetof(struct vopts, f)

bool vendor_parse(int argc, char **argv, int start, struct vopts *o)
{
    static const struct azk_opt_str opts[] = {
        {"--name", VO(name)},        {"--corporate-number", VO(corp)},
        {"--criticality", VO(crit)}, {"--risk", VO(risk)},
        {"--reason", VO(reason)},    {"--format", VO(format)},
        {"--today", VO(today)},      {"--scope", VO(scope)},
        {"--ref", VO(ref)},          {"--signed", VO(signed_on)},
        {"--expires", VO(expires)},  {"--date", VO(date)},
        {"--note", VO(note)},        {"--template", VO(tmpl)},
        {"--due", VO(due)},          {"--out", VO(out)},
        {"--answers", VO(answers)},  {"--bank-key", VO(bank_key)},
        {"--score", VO(score)},      {"--comment", VO(comment)},
        {"--kind", VO(kind)},        {"--every", VO(every)},
        {"--start", VO(start)},      {"--summary", VO(summary)},
        {"--title", VO(title)},      {"--severity", VO(severity)},
        {"--owner", VO(owner)},      {"--status", VO(status)},
        {"--closed", VO(closed)},    {"--audit", VO(audit)},
        {"--issued", VO(issued)},    {"--received", VO(received)},
        {"--file", VO(file)},        {"--vendor", VO(vendor)},
        {"--from", VO(from)},        {"--to", VO(to)},
        {"--pubkey", VO(pubkey)},    {"--ledger-key", VO(ledger_key)},
        {"--within", VO(within)},
    };
    memset(o, 0, sizeof(*o));
    for (int i = start; i < argc; i++) {
        const char *a = argv[i];
        int m;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            o->help = true;
            continue;
        }
        if (strcmp(a, "--adhoc") == 0) {
            o->adhoc = true;
            continue;
        }
        if (strcmp(a, "--location") == 0 || strncmp(a, "--location=", 11) == 0) {
            const char *v = a[10] == '=' ? a + 11 : (i + 1 < argc ? argv[++i] : NULL);
            if (v == NULL) {
                azk_cli_err(_("%s needs a value"), "--location");
                return false;
            }
            if (o->nloc == VOPT_MAX_LOC) {
                azk_cli_err(_("at most %d --location"), VOPT_MAX_LOC);
                return false;
            }
            o->locations[o->nloc++] = v;
            continue;
        }
        m = azk_opt_str_match(opts, sizeof(opts) / sizeof(opts[0]), o, argc, argv, &i);
        if (m < 0)
            return false;
        if (m > 0)
            continue;
        if (o->npos == VOPT_MAX_POS) {
            azk_cli_err(_("unexpected argument: %s"), a);
            return false;
        }
        o->pos[o->npos++] = a;
    }
    return true;
}

const char *vendor_key_arg(const char *arg)
{
    static char buf[1024];
    FILE *f;
    size_t n;
    if (arg == NULL)
        return NULL;
    if (strchr(arg, '+') != NULL && strchr(arg, '/') == NULL)
        return arg; /* a key text (base64 may hold '/': then it is tried as a file first) */
    f = fopen(arg, "r");
    if (f == NULL)
        return arg; /* not a file: the library says what is wrong with the text */
    n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    return buf;
}

/* ---- register ------------------------------------------------------------------ */

static int need(const struct vopts *o, size_t npos)
{
    if (o->npos != npos) {
        if (o->npos > npos)
            return azk_cli_usage_err(_("unexpected argument: %s"), o->pos[npos]);
        return azk_cli_usage_err(_("missing argument (see azukari vendor --help)"));
    }
    return 0;
}

static int lib_fail(const char *what)
{
    azk_cli_liberr(what);
    return 1;
}

static int cmd_add_set(struct vopts *o, bool add)
{
    azk_vendor_fields f = AZK_VENDOR_FIELDS_INIT;
    azk_home *h;
    azk_status rc;
    int ret = need(o, 1);
    if (ret != 0)
        return ret;
    if (add && (o->name == NULL || o->corp == NULL))
        return azk_cli_usage_err(_("vendor add needs --name and --corporate-number"));
    if (!add && o->risk != NULL && (o->name || o->corp || o->crit || o->nloc))
        return azk_cli_usage_err(_("--risk is set on its own (with --reason)"));
    if (o->risk != NULL && o->reason == NULL)
        return azk_cli_usage_err(_("--risk needs --reason"));
    f.name = o->name;
    f.corporate_number = o->corp;
    f.criticality = o->crit;
    f.locations = o->nloc > 0 ? o->locations : NULL;
    f.location_count = o->nloc;
    h = azk_cli_open_home();
    if (h == NULL)
        return 1;
    if (add)
        rc = azk_vendor_add(h, o->pos[0], &f);
    else if (o->risk != NULL)
        rc = azk_vendor_rate(h, o->pos[0], o->risk, o->reason);
    else
        rc = azk_vendor_set(h, o->pos[0], &f);
    if (rc != AZK_OK) {
        ret = lib_fail(add ? _("vendor add") : _("vendor set"));
    } else if (!azk_cli_quiet) {
        printf(add ? _("registered vendor %s\n") : _("updated vendor %s\n"), o->pos[0]);
    }
    azk_home_close(h);
    return ret;
}

static int cmd_key(struct vopts *o)
{
    char fp[72];
    azk_home *h;
    int ret = need(o, 3);
    if (ret != 0)
        return ret;
    h = azk_cli_open_home();
    if (h == NULL)
        return 1;
    /* key retire ID PURPOSE --reason TEXT (the library keeps it as retired) */
    if (strcmp(o->pos[0], "retire") == 0 && o->reason != NULL) {
        if (azk_vendor_key_retire(h, o->pos[1], o->pos[2], o->reason, fp) != AZK_OK)
            ret = lib_fail(_("vendor key retire"));
        else if (!azk_cli_quiet)
            printf(_("retired %s key of %s: %s\n"), o->pos[2], o->pos[1], fp);
        azk_home_close(h);
        return ret;
    }
    if (azk_vendor_key_set(h, o->pos[0], o->pos[1], vendor_key_arg(o->pos[2]), fp) != AZK_OK)
        ret = lib_fail(_("vendor key"));
    else if (!azk_cli_quiet)
        printf(_("recorded %s key of %s: %s\n"), o->pos[1], o->pos[0], fp);
    azk_home_close(h);
    return ret;
}

static int cmd_sub(struct vopts *o)
{
    azk_home *h;
    azk_status rc;
    bool add;
    int ret = need(o, 3);
    if (ret != 0)
        return ret;
    add = strcmp(o->pos[0], "add") == 0;
    if (!add && strcmp(o->pos[0], "remove") != 0)
        return azk_cli_usage_err(_("vendor subcontractor add|remove ID SUB"));
    if (add && o->scope == NULL)
        return azk_cli_usage_err(_("vendor subcontractor add needs --scope"));
    h = azk_cli_open_home();
    if (h == NULL)
        return 1;
    rc = add ? azk_vendor_sub_add(h, o->pos[1], o->pos[2], o->scope)
             : azk_vendor_sub_remove(h, o->pos[1], o->pos[2]);
    if (rc != AZK_OK)
        ret = lib_fail(_("vendor subcontractor"));
    else if (!azk_cli_quiet)
        printf(add ? _("%s: sub-contractor %s added\n") : _("%s: sub-contractor %s removed\n"),
               o->pos[1], o->pos[2]);
    azk_home_close(h);
    return ret;
}

static int cmd_contract(struct vopts *o)
{
    azk_home *h;
    azk_status rc;
    bool clause = o->npos > 0 && strcmp(o->pos[0], "clause") == 0;
    int ret = need(o, clause ? 4 : 1);
    if (ret != 0)
        return ret;
    if (!clause && (o->ref == NULL || o->signed_on == NULL))
        return azk_cli_usage_err(_("vendor contract ID needs --ref and --signed"));
    h = azk_cli_open_home();
    if (h == NULL)
        return 1;
    if (clause)
        rc = azk_vendor_clause_set(h, o->pos[1], o->pos[2], o->pos[3], o->date, o->note);
    else
        rc = azk_vendor_contract_set(h, o->pos[0], o->ref, o->signed_on, o->expires);
    if (rc != AZK_OK)
        ret = lib_fail(_("vendor contract"));
    else if (!azk_cli_quiet)
        printf(_("recorded the contract of %s\n"), o->pos[clause ? 1 : 0]);
    azk_home_close(h);
    return ret;
}

static int parse_format(const char *s, azk_vendor_format *out, bool html)
{
    if (s == NULL || strcmp(s, "text") == 0)
        *out = AZK_VENDOR_FMT_TEXT;
    else if (strcmp(s, "json") == 0)
        *out = AZK_VENDOR_FMT_JSON;
    else if (html && strcmp(s, "html") == 0)
        *out = AZK_VENDOR_FMT_HTML;
    else
        return azk_cli_usage_err(_("unknown format: %s"), s);
    return 0;
}

static int cmd_view(struct vopts *o, azk_vendor_view_kind kind)
{
    azk_vendor_format fmt = AZK_VENDOR_FMT_TEXT;
    azk_home *h;
    char *out = NULL;
    long within = 30;
    int ret = parse_format(o->format, &fmt, kind == AZK_VENDOR_VIEW_SHOW);
    if (ret != 0)
        return ret;
    if (kind == AZK_VENDOR_VIEW_SHOW)
        ret = need(o, 1);
    else if (kind == AZK_VENDOR_VIEW_DUE && o->npos > 1)
        ret = need(o, 1);
    else if (kind != AZK_VENDOR_VIEW_DUE)
        ret = need(o, 0);
    if (ret != 0)
        return ret;
    if (o->within != NULL) {
        char *end = NULL;
        within = strtol(o->within, &end, 10);
        if (end == o->within || *end != '\0' || within < 0 || within > 3660)
            return azk_cli_usage_err(_("--within: days 0-3660"));
    }
    h = azk_cli_open_home();
    if (h == NULL)
        return 1;
    if (azk_vendor_view(h, kind, o->npos > 0 ? o->pos[0] : NULL, o->today, (int)within, fmt,
                        &out) != AZK_OK)
        ret = lib_fail(_("vendor"));
    else
        fputs(out, stdout);
    azk_vendor_free(out);
    azk_home_close(h);
    return ret;
}

int cmd_vendor(int argc, char **argv)
{
    struct vopts o;
    const char *sub;
    if (argc < 2) {
        usage(stderr);
        return AZK_EXIT_USAGE;
    }
    sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 || strcmp(sub, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(sub, "import-report") == 0) {
        return cmd_vendor_import_report(argc, argv); /* cmd_vendor_import.c */
    }
    if (strcmp(sub, "template") == 0)
        return vendor_cmd_template(argc, argv);
    if (strcmp(sub, "questionnaire") == 0)
        return vendor_cmd_questionnaire(argc, argv);
    if (strcmp(sub, "verify-files") == 0)
        return vendor_cmd_verify_files(argc, argv);
    if (strcmp(sub, "audit") == 0)
        return vendor_cmd_audit(argc, argv);
    if (strcmp(sub, "finding") == 0)
        return vendor_cmd_finding(argc, argv);
    if (strcmp(sub, "cert") == 0)
        return vendor_cmd_doc(argc, argv, "cert");
    if (strcmp(sub, "doc") == 0)
        return vendor_cmd_doc(argc, argv, "doc");
    if (strcmp(sub, "export") == 0)
        return vendor_cmd_export(argc, argv);
    if (strcmp(sub, "verify-export") == 0)
        return vendor_cmd_verify_export(argc, argv);
    if (!vendor_parse(argc, argv, 2, &o))
        return AZK_EXIT_USAGE;
    if (o.help) {
        usage(stdout);
        return 0;
    }
    if (strcmp(sub, "add") == 0)
        return cmd_add_set(&o, true);
    if (strcmp(sub, "set") == 0)
        return cmd_add_set(&o, false);
    if (strcmp(sub, "key") == 0)
        return cmd_key(&o);
    if (strcmp(sub, "subcontractor") == 0)
        return cmd_sub(&o);
    if (strcmp(sub, "contract") == 0)
        return cmd_contract(&o);
    if (strcmp(sub, "show") == 0)
        return cmd_view(&o, AZK_VENDOR_VIEW_SHOW);
    if (strcmp(sub, "list") == 0)
        return cmd_view(&o, AZK_VENDOR_VIEW_LIST);
    if (strcmp(sub, "due") == 0)
        return cmd_view(&o, AZK_VENDOR_VIEW_DUE);
    azk_cli_err(_("unknown vendor subcommand: %s"), sub);
    usage(stderr);
    return AZK_EXIT_USAGE;
}
