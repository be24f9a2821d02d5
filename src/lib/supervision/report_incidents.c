/* SPDX-License-Identifier: Apache-2.0 */
/*
 * supervision/report_incidents.c -- the monthly report's "incidents"
 * section: the incidents of the register (store/incidents.h) that touch
 * the client, recorded before the month's end and not closed before its
 * start, each with its state at the month's end and the client's part
 * only (confirmed records, persons within the client, probable records,
 * datasets) and what the records rest on (schema 8: the strict count, the
 * headline, and the two weaker classes with their expected false counts;
 * null for incidents recorded before). Ids, dates and counts; nothing of
 * other clients.
 */
#include "supervision/report_int.h"
#include "retention/ret_int.h"
#include "store/incidents.h"

#include <stdlib.h>
#include <string.h>

static azk_status row_cb(const char *const *c, size_t n, void *payload)
{
    json_t *items = payload;
    char at[32];
    json_t *o;
    (void)n;
    azk_ret__iso(c[1] != NULL ? strtoll(c[1], NULL, 10) : 0, at);
    o = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I}", "id", c[0] != NULL ? c[0] : "", "recorded_at",
                  at, "status", c[2] != NULL ? c[2] : "open", "records",
                  (json_int_t)(c[3] != NULL ? strtoll(c[3], NULL, 10) : 0), "persons",
                  (json_int_t)(c[4] != NULL ? strtoll(c[4], NULL, 10) : 0), "probable",
                  (json_int_t)(c[5] != NULL ? strtoll(c[5], NULL, 10) : 0), "datasets",
                  (json_int_t)(c[6] != NULL ? strtoll(c[6], NULL, 10) : 0));
    if (o == NULL)
        return azk_error_nomem();
    for (size_t i = 0; i < 5; i++) {
        static const char *const k[] = {"strict", "name_birth", "household",
                                        "name_birth_expected_false", "household_expected_false"};
        const char *v = n > 7 + i ? c[7 + i] : NULL;
        json_t *j = v == NULL ? json_null()
                    : i < 3   ? json_integer((json_int_t)strtoll(v, NULL, 10))
                              : json_real((double)strtoll(v, NULL, 10) / 1e9); /* 1e-9 records */
        if (json_object_set_new(o, k[i], j) != 0) {
            json_decref(o);
            return azk_error_nomem();
        }
    }
    return azk_sup__push_capped(items, o);
}

azk_status azk_sup__incidents_section(azk_home *h, const char *client, int64_t start, int64_t end,
                                      json_t **out)
{
    json_t *items = json_array();
    azk_status rc = items != NULL ? AZK_OK : azk_error_nomem();
    *out = NULL;
    if (rc == AZK_OK)
        rc = azk_store__incidents_month(h, client, start, end, row_cb, items);
    if (rc == AZK_OK) {
        *out = json_pack("{s:s,s:o}", "source", "catalog", "items", items);
        items = NULL;
        if (*out == NULL)
            rc = azk_error_nomem();
    }
    json_decref(items);
    return rc;
}
