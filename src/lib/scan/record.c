/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan/record.c -- the ledger event of a scan (azk_scan_record_event): when
 * a scan is recorded, where (the home's ledger, when the host has one) and
 * what (counts, never paths). In the library so the CLI, the agent and the
 * server record scans the same way.
 */
#include "azukari/scan.h"
#include "azukari/audit.h"
#include "util/util.h"

#include <stdio.h>
#include <sys/stat.h>

/* A home with a ledger: <home>/ledger is a directory (store/home.c makes it). */
static bool has_ledger(const char *home)
{
    azk_buf p = AZK_BUF_INIT;
    struct stat sb;
    bool yes = azk_buf_printf(&p, "%s/ledger", home) == AZK_OK &&
               stat((const char *)p.data, &sb) == 0 && S_ISDIR(sb.st_mode);
    azk_buf_dispose(&p);
    return yes;
}

azk_status azk_scan_record_event(const char *home, const azk_scan_stats *st, bool *recorded)
{
    azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
    char extra[512];
    azk_status rc;
    AZK_ASSERT_ARG(st != NULL);
    azk_error_clear();
    if (recorded != NULL)
        *recorded = false;
    if (st->with_findings == 0 && st->edm_records == 0)
        return AZK_OK;
    if (home == NULL || !has_ledger(home))
        return AZK_OK;
    snprintf(extra, sizeof(extra),
             "{\"files\":%llu,\"objects\":%llu,\"with_findings\":%llu,\"findings\":%llu,"
             "\"edm_records\":%llu,\"errors\":%llu}",
             (unsigned long long)st->files, (unsigned long long)st->objects,
             (unsigned long long)st->with_findings, (unsigned long long)st->findings,
             (unsigned long long)st->edm_records, (unsigned long long)st->errors);
    ev.action = "scan";
    ev.outcome = st->edm_records > 0 ? "entrusted-records-found" : "personal-data-found";
    ev.extra_json = extra;
    rc = azk_audit_record(home, &ev);
    if (rc == AZK_OK && recorded != NULL)
        *recorded = true;
    return rc;
}
