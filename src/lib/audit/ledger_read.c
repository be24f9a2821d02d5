/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/ledger_read.c -- azk_audit_read_all: every entry of the ledger
 * given to the caller during the one whole-log read that signing makes
 * (audit/ledger_check.c), the recomputed tree kept on the handle so that a
 * checkpoint signed right after does not read the log again (ledger.c).
 * For readers of the whole ledger that then sign, e.g. the monthly report.
 */
#include "audit/audit_int.h"

#include <sys/file.h>
#include "audit/ledger_int.h"

azk_status azk_audit_read_all(azk_audit *a, azk_audit_entry_cb cb, void *payload)
{
    struct azk_audit__memtree mt;
    struct azk_audit__nodes t;
    char **names = NULL;
    size_t count = 0;
    int built = 0;
    azk_status rc;
    azk_error_clear();
    if (a == NULL || cb == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: missing argument");
    if (a->ro)
        return azk_error_set(AZK_ERR_ARG, "audit: handle opened read-only");
    rc = azk_audit__lock_log(a, LOCK_EX);
    if (rc != AZK_OK)
        return rc;
    rc = azk_audit__sync_state(a, NULL);
    if (rc == AZK_OK)
        rc = azk_audit__full_check_visit(a, &mt, &built, cb, payload);
    if (rc == AZK_OK) {
        azk_audit__memtree_nodes(&mt, &t);
        rc = azk_audit__stored_names(a, &names, &count);
    }
    for (size_t i = 0; rc == AZK_OK && i < count; i++) {
        struct stored_cp s;
        rc = azk_audit__stored_open(a, names[i], &s);
        if (rc == AZK_OK)
            rc = azk_audit__stored_vs_tree(&s, &t, a->n);
    }
    if (rc == AZK_OK) {
        if (a->vt_built)
            azk_audit__memtree_dispose(&a->vt);
        a->vt = mt;
        a->vt_built = 1;
        a->vt_n = a->n;
        a->vt_end = a->log_end;
        built = 0;
    }
    azk_audit__unlock_log(a);
    if (built)
        azk_audit__memtree_dispose(&mt);
    azk_audit__free_names(names, count);
    return rc;
}
