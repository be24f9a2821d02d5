/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/sup_reports.h -- the monthly reports a contractor generated and
 * keeps (table monthly_reports, schema_v6.c block "supervision"): every
 * generation is kept whole (the signed document and its SHA-256), so the
 * report sent to a client can be shown and downloaded again as it was; seq
 * (1, 2, ... over the table) orders generations, two may share a second.
 */
#ifndef AZK_STORE_SUP_REPORTS_H
#define AZK_STORE_SUP_REPORTS_H

#include "store/store.h"

/* One kept report (strings borrowed for the callback). */
struct azk_store_kept_report {
    const char *client, *month, *sha256, *generated_at, *generated_by;
};
typedef azk_status (*azk_store_kept_report_cb)(const struct azk_store_kept_report *r, void *p);

/* Keep a generated report (doc: the signed JSON). */
AZK_NODISCARD azk_status azk_store__kept_report_add(azk_home *h,
                                                    const struct azk_store_kept_report *r,
                                                    const char *doc);
/* Kept reports, newest month first, newest generation first; client/month NULL = all. */
AZK_NODISCARD azk_status azk_store__kept_reports(azk_home *h, const char *client, const char *month,
                                                 azk_store_kept_report_cb cb, void *p);
/* The newest kept report of (client, month): *doc (azk_free) NULL when none. */
AZK_NODISCARD azk_status azk_store__kept_report_get(azk_home *h, const char *client,
                                                    const char *month, char **doc);

#endif
