/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/vendor.h -- the catalog side of vendor management at a client bank
 * (src/lib/vendor/, azukari/vendor.h): the tables of the "vendor" block of
 * store/schema_v5.c, reached through named statements. Each statement is
 * one entry of the table in store/vendor.c (SQL lives only there); its
 * parameters are texts or integers as its signature says. Callers group
 * statements in azk_store__tx_begin/_end (store/event.h) and append the
 * ledger event of the change with azk_store__vendor_event inside the same
 * transaction. Internal; not public API.
 */
#ifndef AZK_STORE_VENDOR_H
#define AZK_STORE_VENDOR_H

#include "store/store.h"

enum azk_vsql {
    /* register */
    AZK_VSQL_VENDOR_INSERT, /* id name corp crit locations created_at by updated_at */
    AZK_VSQL_VENDOR_UPDATE, /* name corp crit locations updated_at id (NULL = unchanged) */
    AZK_VSQL_VENDOR_RISK,   /* risk reason updated_at id */
    AZK_VSQL_VENDOR_GET,    /* id -> id name corp crit locations risk risk_reason created_at
                               created_by updated_at */
    AZK_VSQL_VENDOR_LIST,   /* -> same columns, by id */
    AZK_VSQL_KEY_SET,       /* vendor purpose pubkey fingerprint added_at */
    AZK_VSQL_KEY_LIST,      /* vendor -> purpose pubkey fingerprint added_at */
    AZK_VSQL_KEY_GET,       /* vendor purpose -> pubkey fingerprint */
    AZK_VSQL_SUB_ADD,       /* vendor sub scope added_at */
    AZK_VSQL_SUB_REMOVE,    /* vendor sub */
    AZK_VSQL_SUB_LIST,      /* vendor -> sub scope added_at */
    AZK_VSQL_SUB_ALL,       /* -> vendor sub (every edge, for the cycle check) */
    /* contracts */
    AZK_VSQL_CONTRACT_SET, /* vendor ref signed_on expires_on updated_at */
    AZK_VSQL_CONTRACT_GET, /* vendor -> ref signed_on expires_on updated_at */
    AZK_VSQL_CLAUSE_SET,   /* vendor clause status on_date note updated_at */
    AZK_VSQL_CLAUSE_LIST,  /* vendor -> clause status on_date note updated_at */
    /* questionnaires */
    AZK_VSQL_TEMPLATE_ADD,  /* id revision(i) title body sha256 imported_at */
    AZK_VSQL_TEMPLATE_GET,  /* id revision(i) -> title body sha256 */
    AZK_VSQL_TEMPLATE_LAST, /* id -> revision */
    AZK_VSQL_TEMPLATE_LIST, /* -> id revision title sha256 imported_at */
    AZK_VSQL_Q_ADD,         /* id vendor template revision(i) sent_at due */
    AZK_VSQL_Q_GET,         /* id -> id vendor template revision sent_at due state answers
                               answers_sha256 received_at score reviewer review_comment reviewed_at */
    AZK_VSQL_Q_LIST,        /* vendor -> same columns, by sent_at */
    AZK_VSQL_Q_ANSWER,      /* answers sha256 received_at id (state sent -> answered) */
    AZK_VSQL_Q_REVIEW,      /* score(i) reviewer comment reviewed_at id (answered -> reviewed) */
    AZK_VSQL_FILE_ADD,      /* vendor kind ref sha256 label size(i) effective expires added_at */
    AZK_VSQL_FILE_LIST,     /* vendor -> kind ref sha256 label size effective expires added_at */
    /* audits, findings, certifications and documents */
    AZK_VSQL_PLAN_SET,       /* vendor kind interval(i) start_on */
    AZK_VSQL_PLAN_LIST,      /* vendor -> kind interval start_on (last done_on of that kind) */
    AZK_VSQL_AUDIT_ADD,      /* id vendor kind adhoc(i) done_on summary recorded_at */
    AZK_VSQL_AUDIT_LIST,     /* vendor -> id kind adhoc done_on summary recorded_at */
    AZK_VSQL_FINDING_ADD,    /* id vendor audit title severity owner due status updated_at */
    AZK_VSQL_FINDING_UPDATE, /* status owner due closed_on updated_at id (NULL = unchanged) */
    AZK_VSQL_FINDING_GET,    /* id -> vendor status */
    AZK_VSQL_FINDING_LIST,   /* vendor -> id audit title severity owner due status closed_on */
    AZK_VSQL_DOC_ADD,        /* id vendor class kind ref issued_on expires_on received_on sha256 */
    AZK_VSQL_DOC_LIST, /* vendor -> id class kind ref issued_on expires_on received_on sha256 */
    /* the vendor's ledger entries */
    AZK_VSQL_EVENT_ADD,   /* vendor index(i) action at */
    AZK_VSQL_EVENT_RANGE, /* vendor from to -> ledger_index action at (at in [from, to]) */
    /* vendor register in serve (session 6) */
    AZK_VSQL_RATING_ADD,   /* id vendor risk reason rated_at rated_by */
    AZK_VSQL_RATING_LIST,  /* vendor -> risk reason rated_at rated_by, newest first */
    AZK_VSQL_KEY_RETIRE,   /* retired_at retired_by why vendor purpose (copies the current key) */
    AZK_VSQL_KEY_DELETE,   /* vendor purpose */
    AZK_VSQL_KEY_RETIRED,  /* vendor -> purpose fingerprint added_at retired_at retired_by why */
    AZK_VSQL_KEY_WAS,      /* vendor purpose fingerprint -> retired_at (a key retired before) */
    AZK_VSQL_PLAN_REMOVE,  /* vendor kind */
    AZK_VSQL_VENDOR_BRIEF, /* -> id name locations (every vendor, for the sub-contracting chain) */
    /* planned ad hoc audits (vendorcontract, s6) */
    AZK_VSQL_ADHOC_ADD,    /* vendor kind due_on summary planned_at planned_by */
    AZK_VSQL_ADHOC_LIST,   /* vendor -> kind due_on summary planned_at planned_by done_on (the
                              first audit of the kind recorded since it was planned, or NULL) */
    AZK_VSQL_ADHOC_REMOVE, /* vendor kind due_on */
    /* (hygiene, s7) */
    AZK_VSQL_KEY_OTHER, /* fingerprint vendor -> another vendor that has or had this key */
    AZK_VSQL__COUNT
};

/* Run a statement that returns no row; *changes (may be NULL) gets the rows changed.
 * A constraint violation is AZK_ERR_ARG "<what>: already recorded". */
AZK_NODISCARD azk_status azk_store__vendor_run(azk_home *h, enum azk_vsql op,
                                               const char *const *params, size_t n,
                                               int64_t *changes);

/* One row: its columns as texts (NULL for SQL NULL), valid during the call. */
typedef azk_status (*azk_store_vrow_cb)(const char *const *cols, size_t ncols, void *payload);

/* Run a query; cb for each row (its status other than AZK_OK ends the query and is returned). */
AZK_NODISCARD azk_status azk_store__vendor_rows(azk_home *h, enum azk_vsql op,
                                                const char *const *params, size_t n,
                                                azk_store_vrow_cb cb, void *payload);

/*
 * Append the ledger event of a vendor change (action "vendor.<what>",
 * object the vendor id, ids only in extra_json) and remember its index in
 * vendor_events, inside the caller's transaction.
 */
AZK_NODISCARD azk_status azk_store__vendor_event(azk_home *h, const char *vendor,
                                                 const char *action, const char *extra_json);

#endif
