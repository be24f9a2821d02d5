/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/supervision.h -- the catalog side of supervision (issue 15): the
 * facts a monthly report is computed from (datasets of a client with their
 * retention state, opens), training courses and completions, internal
 * control (risk criteria, acceptances, findings) and, at a bank, the monthly
 * reports imported from a vendor. Tables: schema_v5.c, block "supervision".
 * Writes that are acts append their ledger event in the same transaction.
 */
#ifndef AZK_STORE_SUPERVISION_H
#define AZK_STORE_SUPERVISION_H

#include "store/event.h"

/* ---- report facts ------------------------------------------------------- */

/* One dataset of a client, its retention state and hold (strings borrowed). */
struct azk_store_sup_dataset {
    const char *id, *retain_until, *created_at, *created_by, *state;
    const char *ret_state; /* "" when never in a retention run */
    const char *shred_at;  /* "" when not shredded */
    const char *hold;      /* hold reason, "" when none */
    int64_t records, shred_index, residuals, refused_artifacts;
};
typedef azk_status (*azk_store_sup_dataset_cb)(const struct azk_store_sup_dataset *d, void *p);
AZK_NODISCARD azk_status azk_store__sup_datasets(azk_home *h, const char *client,
                                                 azk_store_sup_dataset_cb cb, void *p);

/* Opens of the client's datasets with from <= at < to (ISO 8601 UTC texts). */
typedef azk_status (*azk_store_sup_open_cb)(const char *dataset, const char *at, const char *by,
                                            const char *reason, void *p);
AZK_NODISCARD azk_status azk_store__sup_opens(azk_home *h, const char *client, const char *from,
                                              const char *to, azk_store_sup_open_cb cb, void *p);

/*
 * Objects with entrusted records that agents outside the closed zone reported
 * before `to` (Unix seconds), oldest first: the edm JSON ([{client, dataset,
 * records}]), when it was received, its case ("" when none; opened_at -1) with
 * its state at `to` ("found" = open, "quarantined", "released", "destroyed")
 * and whether it was quarantined, destroyed, released in [from, to). No path.
 */
struct azk_store_sup_zone {
    const char *edm, *case_id, *state;
    int64_t received_at, opened_at;
    bool quarantined, destroyed, released;
};
typedef azk_status (*azk_store_sup_zone_cb)(const struct azk_store_sup_zone *z, void *p);
AZK_NODISCARD azk_status azk_store__sup_zone(azk_home *h, int64_t from, int64_t to,
                                             azk_store_sup_zone_cb cb, void *p);

AZK_NODISCARD azk_status azk_store__sup_client_exists(azk_home *h, const char *client, bool *yes);

/* ---- training ------------------------------------------------------------ */

AZK_NODISCARD azk_status azk_store__training_course_add(azk_home *h, const char *id,
                                                        const char *title, int64_t validity_days,
                                                        const struct azk_store_event *ev);
AZK_NODISCARD azk_status azk_store__training_course_get(azk_home *h, const char *id,
                                                        int64_t *validity_days, bool *found);
AZK_NODISCARD azk_status azk_store__training_complete(azk_home *h, const char *user,
                                                      const char *course, const char *date,
                                                      const char *evidence,
                                                      const struct azk_store_event *ev);
/* Whether `user` has a completion of `course` on `date`. */
AZK_NODISCARD azk_status azk_store__training_has(azk_home *h, const char *user, const char *course,
                                                 const char *date, bool *yes);
/* The latest completion date (YYYY-MM-DD) of `course` by `user`; "" when none. */
AZK_NODISCARD azk_status azk_store__training_latest(azk_home *h, const char *user,
                                                    const char *course, char out[16]);
/* Every enrolled user x course, with the latest completion ("" when none). */
typedef azk_status (*azk_store_training_cb)(const char *user, const char *course, const char *title,
                                            int64_t validity_days, const char *latest, void *p);
AZK_NODISCARD azk_status azk_store__training_matrix(azk_home *h, azk_store_training_cb cb, void *p);
AZK_NODISCARD azk_status azk_store__user_exists(azk_home *h, const char *name, bool *yes);

/* ---- internal control ---------------------------------------------------- */

/* A new version of the risk criteria; *out_version = its number (1, 2, ...). */
AZK_NODISCARD azk_status azk_store__control_criteria_add(azk_home *h, const char *sha256,
                                                         const char *body, const char *by,
                                                         int64_t *out_version,
                                                         struct azk_store_event *ev);
typedef azk_status (*azk_store_criteria_cb)(int64_t version, const char *sha256, const char *at,
                                            const char *by, void *p);
AZK_NODISCARD azk_status azk_store__control_criteria_list(azk_home *h, azk_store_criteria_cb cb,
                                                          void *p);

/* One row of control_items: a risk acceptance ("acceptance") or an internal-audit finding
 * ("finding"). Strings borrowed. */
struct azk_store_control_item {
    const char *id, *kind, *title, *client, *owner, *due, *status, *requested_by, *approved_by;
    const char *created_at, *updated_at;
    int64_t criteria;
};
AZK_NODISCARD azk_status azk_store__control_item_add(azk_home *h,
                                                     const struct azk_store_control_item *it,
                                                     const struct azk_store_event *ev);
/* Set status (and approved_by when not NULL) of a item in state `from` (NULL = any not
 * closed); AZK_ERR_NOTFOUND when no such item in that state. */
AZK_NODISCARD azk_status azk_store__control_item_set(azk_home *h, const char *id, const char *from,
                                                     const char *status, const char *approved_by,
                                                     const struct azk_store_event *ev);
AZK_NODISCARD azk_status azk_store__control_item_get(azk_home *h, const char *id, char kind[24],
                                                     char requested_by[72], char status[24],
                                                     bool *found);
typedef azk_status (*azk_store_control_cb)(const struct azk_store_control_item *it, void *p);
/* Items of `kind` (NULL = all); client NULL = all, else that client's and the general ones. */
AZK_NODISCARD azk_status azk_store__control_items(azk_home *h, const char *kind, const char *client,
                                                  azk_store_control_cb cb, void *p);

/* ---- vendor reports (bank side) ----------------------------------------- */

struct azk_store_vreport {
    const char *vendor_key, *client, *month, *sha256, *root, *month_ends, *flags, *doc;
    int64_t tree_size;
};
/* *sha256 of the report stored for (vendor, client, month); "" when none. */
AZK_NODISCARD azk_status azk_store__vreport_sha(azk_home *h, const char *vendor_key,
                                                const char *client, const char *month,
                                                char sha256[72]);
typedef azk_status (*azk_store_vreport_cb)(const struct azk_store_vreport *r, void *p);
/* Every report imported from `vendor_key`, any client, by month. */
AZK_NODISCARD azk_status azk_store__vreports(azk_home *h, const char *vendor_key,
                                             azk_store_vreport_cb cb, void *p);
AZK_NODISCARD azk_status azk_store__vreport_insert(azk_home *h, const struct azk_store_vreport *r,
                                                   const struct azk_store_event *ev);
/* sup_vreports.c: the stored document of (vendor, client, month) appended to doc; *found. */
AZK_NODISCARD azk_status azk_store__vreport_doc(azk_home *h, const char *vendor_key,
                                                const char *client, const char *month, azk_buf *doc,
                                                bool *found);
/* Replace the stored report (sha256 old_sha256) of r's month by r, the old one kept whole in
 * vendor_reports_superseded, with ev, in one transaction; AZK_ERR_INTEGRITY when the stored
 * one is no longer old_sha256. */
AZK_NODISCARD azk_status azk_store__vreport_supersede(azk_home *h,
                                                      const struct azk_store_vreport *r,
                                                      const char *old_sha256,
                                                      const struct azk_store_event *ev);
/* Reports of `vendor_key` for months from..to (YYYY-MM, inclusive) with their documents
 * (client, month, sha256, tree_size, root, doc set), by month then client. */
AZK_NODISCARD azk_status azk_store__vreport_docs(azk_home *h, const char *vendor_key,
                                                 const char *from_month, const char *to_month,
                                                 azk_store_vreport_cb cb, void *p);

#endif
