/* SPDX-License-Identifier: Apache-2.0 */
/*
 * supervision/report_int.h -- the monthly report's pass over the ledger
 * (report_ledger.c) and what it hands to the assembly (report.c).
 */
#ifndef AZK_SUP_REPORT_INT_H
#define AZK_SUP_REPORT_INT_H

#include "supervision/sup_int.h"
#include "azukari/audit.h"

struct azk_sup_scan {
    /* in */
    const char *client;
    const char *month;
    char start_iso[32], end_iso[32];
    json_t *datasets; /* object: dataset id -> true (the client's) */
    /* out */
    uint64_t start_size, end_size; /* ledger sizes at the month's start and end */
    json_t *month_ends;            /* object: "YYYY-MM" -> size at that month's end */
    json_t *gitems;                /* object: guard item id -> true (the client's) */
    json_t *handlers;              /* object: user -> true */
    json_t *guard_blocks, *guard_releases, *approvals, *refusals, *auth_failures; /* arrays */
    json_t *shreds; /* object: dataset -> {"at", "index"} */
    /* exact counts: the lists above stop at AZK_SUP_LIST_MAX items (the summary counts all) */
    uint64_t n_blocks, n_releases, n_approvals, n_refusals, n_auth;
    json_int_t last_revision; /* highest revision of this client's reports of the month so far */
    /* scan state */
    char cur[8]; /* month of the last entry seen */
    bool after;  /* past the month's end */
};

/* Items listed per section of a report; the summary's counts are exact. */
#define AZK_SUP_LIST_MAX 1000

/* Append v to arr unless it holds AZK_SUP_LIST_MAX items already (then v is dropped). */
AZK_NODISCARD azk_status azk_sup__push_capped(json_t *arr, json_t *v);

AZK_NODISCARD azk_status azk_sup__scan_ledger(azk_audit *a, struct azk_sup_scan *s);

/* The section zone_findings (report_zone.c) of `client` for [from, to) (Unix seconds). */
AZK_NODISCARD azk_status azk_sup__zone_section(azk_home *h, const char *client, int64_t from,
                                               int64_t to, json_t **out);

/* The "incidents" section of client's month [start, end) from the incident register
 * (report_incidents.c): {"source": "catalog", "items": [...]}. */
AZK_NODISCARD azk_status azk_sup__incidents_section(azk_home *h, const char *client, int64_t start,
                                                    int64_t end, json_t **out);

#endif
