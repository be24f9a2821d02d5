/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/supervision.h -- supervision both ways (issue 15).
 *
 * Contractor side: training (教育) with courses, completions and the policy
 * gate that refuses `open`, approvals and guard releases to a user whose
 * required training has lapsed; internal control (内部管理): versioned risk
 * criteria, risk acceptances approved by a second person, internal-audit
 * findings; and the signed monthly report per client.
 * Bank side: import of a vendor's monthly report, verified offline.
 * See docs/supervision.md.
 *
 * Thread-safety: as the azk_home handle.
 */
#ifndef AZUKARI_SUPERVISION_H
#define AZUKARI_SUPERVISION_H

#include "azukari/home.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- training (教育) ------------------------------------------------------- */

/**
 * Add a course that must be repeated every `validity_days` days (e.g. 365
 * for yearly personal-data handling). Ledger "training.course".
 * @return AZK_OK, AZK_ERR_ARG (bad id, title or validity; exists), AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_training_course_add(azk_home *h, const char *id,
                                                            const char *title,
                                                            unsigned validity_days);

/**
 * Record that enrolled user `user` completed `course` on `date`
 * (YYYY-MM-DD, not in the future), with the file `evidence` (a
 * certificate of attendance, a test result): only its SHA-256 is kept,
 * never its name or content. Ledger "training.complete".
 * @return AZK_OK, AZK_ERR_ARG (bad date, unknown user), AZK_ERR_NOTFOUND
 *         (course), AZK_ERR_IO (evidence unreadable), AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_training_complete(azk_home *h, const char *user,
                                                          const char *course, const char *date,
                                                          const char *evidence);

/** One user's standing in one course (strings borrowed for the callback). */
typedef struct {
    const char *user;
    const char *course;
    const char *title;
    const char *completed; /**< last completion YYYY-MM-DD, "" when never */
    const char *expires;   /**< YYYY-MM-DD the completion lapses, "" when never */
    const char *status;    /**< "valid", "expiring" (within the warning), "lapsed", "never" */
} azk_training_item;

typedef azk_status (*azk_training_cb)(const azk_training_item *it, void *payload);

/**
 * Every enrolled user x course at time `now` (Unix seconds, 0 = the clock);
 * "expiring" when the completion lapses within `warn_days`.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_training_status(azk_home *h, int64_t now,
                                                        unsigned warn_days, azk_training_cb cb,
                                                        void *payload);

/* ---- internal control (内部管理) -------------------------------------------- */

/**
 * Record a new version of the documented risk criteria (the text of
 * `path`, UTF-8, at most 1 MiB). Ledger "control.criteria" with the version
 * and the SHA-256 of the text.
 * @param[out] out_version the new version number (1, 2, ...)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_control_criteria_add(azk_home *h, const char *path,
                                                             int64_t *out_version);

/** One version of the risk criteria (strings borrowed for the callback). */
typedef azk_status (*azk_control_criteria_cb)(int64_t version, const char *sha256,
                                              const char *recorded_at, const char *recorded_by,
                                              void *payload);
/** List the versions of the risk criteria, oldest first. */
AZK_EXTERN AZK_NODISCARD azk_status azk_control_criteria_list(azk_home *h,
                                                              azk_control_criteria_cb cb,
                                                              void *payload);

/**
 * Request acceptance of a risk (`title`, no personal values) under the
 * current criteria, until `expires` (YYYY-MM-DD); the handle's
 * TOTP-authenticated user is the requester. Ledger "control.accept.request".
 * @param[out] out_id "RA-" + 8 hex
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_control_accept_request(azk_home *h, const char *title,
                                                               const char *expires,
                                                               char out_id[16]);
/** Approve a risk acceptance: a second person (two-person rule). Ledger "control.accept.approve".
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_control_accept_approve(azk_home *h, const char *id);

/**
 * Add an internal-audit finding with owner (an enrolled user) and due date;
 * client NULL = the whole organisation. Ledger "control.finding".
 * @param[out] out_id "IF-" + 8 hex
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_control_finding_add(azk_home *h, const char *title,
                                                            const char *client, const char *owner,
                                                            const char *due, char out_id[16]);
/** Set a finding's status: "open", "in_progress" or "closed". Ledger "control.finding.status". */
AZK_EXTERN AZK_NODISCARD azk_status azk_control_finding_set(azk_home *h, const char *id,
                                                            const char *status);

/** One control item (strings borrowed for the callback). */
typedef struct {
    const char *id;
    const char *kind; /**< "finding" or "acceptance" */
    const char *title;
    const char *client; /**< "" = organisation-wide */
    const char *owner;
    const char *due; /**< due date (finding) or expiry (acceptance) */
    const char *status;
    const char *approved_by; /**< "" when none */
    bool overdue;            /**< open past its due date / acceptance expired */
    int64_t criteria;        /**< criteria version it was made under (0 = none) */
} azk_control_item;

typedef azk_status (*azk_control_cb)(const azk_control_item *it, void *payload);

/** List items (kind NULL = all; client NULL = all) judged at `now` (0 = the clock). */
AZK_EXTERN AZK_NODISCARD azk_status azk_control_list(azk_home *h, const char *kind,
                                                     const char *client, int64_t now,
                                                     azk_control_cb cb, void *payload);

/* ---- monthly report (contractor side) ------------------------------------ */

/** Options of azk_monthly_report. */
typedef struct {
    size_t struct_size; /**< set by AZK_MONTHLY_REPORT_OPTIONS_INIT */
    const char *client; /**< client id (required) */
    const char *month;  /**< "YYYY-MM" (required); the month must be over */
    int64_t now;        /**< Unix seconds; 0 = the clock */
} azk_monthly_report_options;

#define AZK_MONTHLY_REPORT_OPTIONS_INIT                                                            \
    {                                                                                              \
        .struct_size = sizeof(azk_monthly_report_options)                                          \
    }

/**
 * Compute the monthly report of one client from the catalog and the
 * ledger, with a signed checkpoint of the ledger at the month's end and
 * consistency proofs from every earlier month's end, and sign it with the
 * deployment key (keys/certificate.key, as deletion certificates).
 * Ledger "report.monthly".
 * @param[out] out the signed JSON document; free with azk_supervision_free
 * @return AZK_OK, AZK_ERR_ARG (bad month, month not over, unknown client),
 *         AZK_ERR_INTEGRITY (ledger), AZK_ERR_DB, AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_monthly_report(azk_home *h,
                                                       const azk_monthly_report_options *o,
                                                       char **out);

/**
 * Printable HTML (A4) of a monthly report document: Japanese, or English
 * when `lang` is "en". The document is rendered as it is (verify first).
 * @param[out] out free with azk_supervision_free
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_monthly_report_html(const char *json, size_t len,
                                                            const char *lang, char **out);

/* ---- import at the bank ---------------------------------------------------- */

/** Options of azk_vendor_report_import. */
typedef struct {
    size_t struct_size;      /**< set by AZK_VENDOR_IMPORT_OPTIONS_INIT */
    const char *pubkey;      /**< vendor's report key "azukari-cert+<base64>" (required) */
    const char *cert_pubkey; /**< key of the certificates listed; NULL = pubkey */
    const char *client;      /**< expected client; NULL = the one earlier imports pinned */
} azk_vendor_import_options;

#define AZK_VENDOR_IMPORT_OPTIONS_INIT                                                             \
    {                                                                                              \
        .struct_size = sizeof(azk_vendor_import_options)                                           \
    }

/** What an import found. */
typedef struct {
    char client[72];
    char month[8];
    uint64_t tree_size;    /**< vendor ledger size at the month's end */
    uint64_t checked;      /**< earlier imported checkpoints it was checked against */
    uint64_t certificates; /**< certificates verified */
    uint64_t overdue;      /**< flags: overdue deletions */
    uint64_t lapsed;       /**< flags: handlers with lapsed training */
    uint64_t findings;     /**< flags: unresolved internal-control findings */
    bool already;          /**< the same report was imported before (nothing done) */
    char problem[256];     /**< why it was refused, "" when imported */
    bool superseded;       /**< it replaced the month's earlier report (a higher revision that
                                only adds certificates; the earlier one is kept) */
} azk_vendor_import_result;

/**
 * Verify a monthly report offline and store it (table vendor_reports):
 * signature by `pubkey`, client, the month-end checkpoint's signature (the
 * vendor ledger key in the signed report, which must be the one of earlier
 * imports), consistency with every checkpoint imported before from that
 * vendor (any client, any month: a fork is an alarm, ledger
 * "vendor.report.fork", nothing imported), the certificates listed against
 * `cert_pubkey`. Flags overdue deletions, lapsed training and unresolved
 * findings (result). Nothing is stored unless everything verified.
 * Ledger "vendor.report.import" (or the refusal with its reason).
 * @return AZK_OK (imported, or the same report again: result->already);
 *         AZK_ERR_CRYPTO (signature), AZK_ERR_INTEGRITY (fork, tampered
 *         checkpoint or certificate, another report for that month),
 *         AZK_ERR_FORMAT (not a report), AZK_ERR_ARG (client), AZK_ERR_IO
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_report_import(azk_home *h, const char *path,
                                                             const azk_vendor_import_options *o,
                                                             azk_vendor_import_result *result);

/**
 * Parse and check the shape of a monthly report document without any key
 * (untrusted input; used by the import before it verifies, and by the
 * fuzzer). AZK_OK or AZK_ERR_FORMAT / AZK_ERR_LIMIT with a message.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_monthly_report_check(const char *json, size_t len);

/* ---- kept monthly reports (contractor side; serve shows them) ----------- */

/**
 * azk_monthly_report, then keep the signed document in the catalog (table
 * monthly_reports) so it can be shown and downloaded again exactly as
 * generated. Every generation is kept; the newest of a month is "the"
 * report. Ledger "report.monthly" (by azk_monthly_report).
 * @param[out] out the signed JSON document (may be NULL); free with azk_supervision_free
 * @return as azk_monthly_report; AZK_ERR_DB when it could not be kept
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_monthly_report_keep(azk_home *h,
                                                            const azk_monthly_report_options *o,
                                                            char **out);

/** One kept report (strings borrowed for the callback). */
typedef struct {
    const char *client;
    const char *month;        /**< "YYYY-MM" */
    const char *sha256;       /**< of the signed document */
    const char *generated_at; /**< UTC, ISO 8601 */
    const char *generated_by; /**< the actor of the handle */
} azk_monthly_report_info;

typedef azk_status (*azk_monthly_report_cb)(const azk_monthly_report_info *r, void *payload);

/** Kept reports, newest month first (client / month NULL = all). */
AZK_EXTERN AZK_NODISCARD azk_status azk_monthly_report_kept(azk_home *h, const char *client,
                                                            const char *month,
                                                            azk_monthly_report_cb cb,
                                                            void *payload);

/**
 * The newest kept report of a client and month.
 * @param[out] out the signed JSON document; free with azk_supervision_free
 * @return AZK_OK, AZK_ERR_NOTFOUND (none kept), AZK_ERR_ARG, AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_monthly_report_kept_get(azk_home *h, const char *client,
                                                                const char *month, char **out);

/** Free memory returned by this module (NULL-safe). */
AZK_EXTERN void azk_supervision_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
