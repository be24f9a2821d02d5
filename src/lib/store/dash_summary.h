/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/dash_summary.h -- the figures of azukari serve's dashboard, each read
 * from an index range bounded by what it counts, never by a scan of every
 * dataset with a lookup per row: active datasets per client (index-only on
 * the partial index datasets_active_client: the one count that still reads
 * an entry per active dataset, ~35 ms at 94k on a loaded machine), those past their deadline (a
 * range of datasets_state_deadline: "retain_until < today", as many entries as overdue datasets),
 * those on hold (from ret_holds, a small table), the chart's deadline months (ranges of
 * datasets_state_deadline covering 36 months), and the agents' cases of entrusted records outside
 * the closed zone by state (agent_cases_state). Nothing is kept besides the tables themselves, so
 * nothing can drift. Works on either backend (store/db.h). Not public API.
 */
#ifndef AZK_STORE_DASH_SUMMARY_H
#define AZK_STORE_DASH_SUMMARY_H

#include "store/serve_views.h" /* azk_store_row_cb */

/* Active datasets of one client: held, past `today` (YYYY-MM-DD), on hold. */
struct azk_store_client_counts {
    const char *client;
    int64_t held, overdue, on_hold;
};
typedef azk_status (*azk_store_client_counts_cb)(const struct azk_store_client_counts *c,
                                                 void *payload);
/* Counts of active datasets per client, in client order; only the clients granted to
 * `grantee` when not NULL. Three indexed reads: held per client (index only), overdue
 * (bounded by the overdue datasets), on hold (bounded by the holds). */
AZK_NODISCARD azk_status azk_store__dataset_counts(azk_home *h, const char *today,
                                                   const char *grantee,
                                                   azk_store_client_counts_cb cb, void *payload);

/* Active datasets by deadline month ("YYYY-MM"), of the clients granted to `grantee` (NULL:
 * all), the earliest 36 months that have any. Columns: month, count. Reads only the index
 * entries of those months. */
AZK_NODISCARD azk_status azk_store__deadline_months(azk_home *h, const char *grantee,
                                                    azk_store_row_cb cb, void *payload);

/* The agents' cases of entrusted records found outside the closed zone (one case per such
 * object, opened at ingest), by state. */
struct azk_store_case_counts {
    int64_t open;        /* found, nobody asked for anything yet */
    int64_t waiting;     /* requested or approved, not done */
    int64_t quarantined; /* moved away by the agent, not yet released or destroyed */
    int64_t released;
    int64_t destroyed;
    int64_t total; /* every case: every entrusted finding outside the closed zone */
};
AZK_NODISCARD azk_status azk_store__case_counts(azk_home *h, struct azk_store_case_counts *out);

/* Each unresolved case (open, requested, approved or quarantined): its state and its
 * object's `edm` JSON text (which clients' entrusted records it holds: [{"client",
 * "dataset", "records"}]; never a path), borrowed for the call. Reads as many rows as
 * there are unresolved cases (agent_cases_state, then the object by primary key). */
typedef azk_status (*azk_store_case_edm_cb)(const char *state, const char *edm, void *payload);
AZK_NODISCARD azk_status azk_store__unresolved_case_edm(azk_home *h, azk_store_case_edm_cb cb,
                                                        void *payload);

#endif
