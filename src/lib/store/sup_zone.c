/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/sup_zone.c -- the catalog side of the monthly report's section
 * "entrusted records found outside the closed zone" (store/supervision.h):
 * the objects general-zone agents reported with entrusted records
 * (agent_objects, schema_v5.c) up to a time, with their case and the case's
 * story as of that time (agent_case_steps). The object's path is never read.
 */
#include "store/supervision.h"

#include <string.h>

azk_status azk_store__sup_zone(azk_home *h, int64_t from, int64_t to, azk_store_sup_zone_cb cb,
                               void *p)
{
    azk_db_stmt *st = NULL;
    azk_status rc;
    int s;
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    /* state at `to`: the last step of the story before it that is a state (found = open) */
    rc = azk_db_prepare(
        h->cat, &st,
        "SELECT o.edm, b.received_at, COALESCE(c.id, ''), COALESCE(c.opened_at, -1),"
        " COALESCE((SELECT x.step FROM agent_case_steps x WHERE x.case_id = c.id AND x.at < ?"
        "  AND x.step IN ('found', 'quarantined', 'released', 'destroyed')"
        "  ORDER BY x.n DESC LIMIT 1), ''),"
        " (SELECT count(*) FROM agent_case_steps x WHERE x.case_id = c.id AND x.at >= ?"
        "  AND x.at < ? AND x.step = 'quarantined'),"
        " (SELECT count(*) FROM agent_case_steps x WHERE x.case_id = c.id AND x.at >= ?"
        "  AND x.at < ? AND x.step = 'destroyed'),"
        " (SELECT count(*) FROM agent_case_steps x WHERE x.case_id = c.id AND x.at >= ?"
        "  AND x.at < ? AND x.step = 'released')"
        " FROM agent_objects o JOIN agent_batches b ON b.batch_id = o.batch_id"
        " JOIN agents a ON a.id = b.agent_id"
        " LEFT JOIN agent_cases c ON c.batch_id = o.batch_id AND c.seq = o.seq"
        " WHERE o.edm_records > 0 AND a.zone <> 'closed' AND b.received_at < ?"
        " ORDER BY b.received_at, o.batch_id, o.seq",
        "read agents' findings of entrusted records");
    if (rc != AZK_OK)
        return rc;
    azk_db_bind_int64(st, 1, to);
    for (int i = 0; i < 3; i++) {
        azk_db_bind_int64(st, 2 + 2 * i, from);
        azk_db_bind_int64(st, 3 + 2 * i, to);
    }
    azk_db_bind_int64(st, 8, to);
    while ((s = azk_db_step(st)) == AZK_DB_ROW) {
        struct azk_store_sup_zone z;
        const char *edm = azk_db_col_text(st, 0), *id = azk_db_col_text(st, 2),
                   *state = azk_db_col_text(st, 4);
        memset(&z, 0, sizeof(z));
        z.edm = edm != NULL ? edm : "[]";
        z.received_at = azk_db_col_int64(st, 1);
        z.case_id = id != NULL ? id : "";
        z.opened_at = azk_db_col_int64(st, 3);
        z.state = state != NULL ? state : "";
        z.quarantined = azk_db_col_int64(st, 5) > 0;
        z.destroyed = azk_db_col_int64(st, 6) > 0;
        z.released = azk_db_col_int64(st, 7) > 0;
        rc = cb(&z, p);
        if (rc != AZK_OK)
            break;
    }
    if (rc == AZK_OK && s != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    azk_db_finalize(st);
    return rc;
}
