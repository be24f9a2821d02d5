/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/vendor.h -- vendor management at a client bank (委託元): the
 * register of contractors (legal entity, 法人番号, locations, criticality,
 * sub-contracting chain, their public keys), contracts and their required
 * clauses, questionnaires exchanged as signed files with evidence,
 * audits and on-site inspections with findings, certifications and
 * financial disclosures, due dates, and the examiner's export (one sealed
 * bundle per vendor and period, verified offline). See docs/vendor.md.
 *
 * Every change is one catalog transaction plus one ledger event
 * "vendor.<what>" naming the vendor (ids only). Dates are "YYYY-MM-DD".
 * Free texts (names, summaries, comments) are the bank's own words about
 * companies; never put a personal value of entrusted data in them.
 *
 * Thread-safety: as azk_home (one thread per handle).
 */
#ifndef AZUKARI_VENDOR_H
#define AZUKARI_VENDOR_H

#include "azukari/home.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Fields of a vendor; NULL leaves a field unchanged (azk_vendor_set). */
typedef struct {
    size_t struct_size;           /**< set by AZK_VENDOR_FIELDS_INIT */
    const char *name;             /**< legal entity name (required at add) */
    const char *corporate_number; /**< 法人番号: 13 digits, check digit verified (required) */
    const char *criticality;      /**< "high", "medium" or "low" (default "medium") */
    const char *const *locations; /**< where data is stored or processed ("東京都 DC-1") */
    size_t location_count;        /**< 0 with locations NULL: unchanged */
} azk_vendor_fields;

#define AZK_VENDOR_FIELDS_INIT                                                                     \
    {                                                                                              \
        .struct_size = sizeof(azk_vendor_fields)                                                   \
    }

/**
 * Register a vendor. id: 1-64 of [A-Za-z0-9._-].
 * @return AZK_OK; AZK_ERR_ARG (bad id, exists, corporate number whose check
 *         digit fails, unknown criticality), AZK_ERR_DB
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_add(azk_home *h, const char *id,
                                                   const azk_vendor_fields *f);
/** Change a vendor's fields (NULL = unchanged). AZK_ERR_NOTFOUND when unknown. */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_set(azk_home *h, const char *id,
                                                   const azk_vendor_fields *f);
/**
 * The bank's risk rating of a vendor ("high", "medium", "low"), with the
 * reason; kept apart from questionnaire scores (a score informs a rating,
 * never sets it). Every rating is kept (history: reason, who, when;
 * azk_vendor_view SHOW "ratings", newest first).
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_rate(azk_home *h, const char *id, const char *risk,
                                                    const char *reason);
/**
 * Record a vendor's public key for a purpose: "certificate" (its
 * deployment key: deletion certificates and questionnaire answers,
 * "azukari-cert+<base64>"), "report" (monthly reports) or "ledger" (its
 * ledger's signed-note verifier key "name+hash+base64"). The SHA-256
 * fingerprint of the raw key is recorded with it. Replaces an older key
 * of that purpose (kept as retired, "replaced"; the ledger has both).
 * Refused (AZK_ERR_ARG, nothing written): the key already registered for
 * that purpose, a key retired before for it, or a key another vendor has
 * or had (any purpose: one key belongs to one vendor; the message names
 * that vendor).
 * @param[out] fingerprint "SHA256:<64 hex>" (may be NULL; 72 bytes)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_key_set(azk_home *h, const char *id,
                                                       const char *purpose, const char *pubkey,
                                                       char *fingerprint);
/**
 * Retire the vendor's key of a purpose: nothing it signs is accepted any
 * more (monthly reports, certificates, answers) until a new key is
 * registered. The key is kept as retired with the reason, who and when,
 * and is never registered again for that purpose (azk_vendor_key_set
 * refuses it, as it refuses the key already registered). Ledger
 * "vendor.key.retire" with the fingerprint.
 * @param reason 1-500 bytes of text (required)
 * @param[out] fingerprint the retired key's "SHA256:<64 hex>" (may be NULL; 72 bytes)
 * @return AZK_OK; AZK_ERR_NOTFOUND (unknown vendor, no key of that purpose), AZK_ERR_ARG
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_key_retire(azk_home *h, const char *id,
                                                          const char *purpose, const char *reason,
                                                          char *fingerprint);
/**
 * Add a sub-contractor (再委託先): `sub` must be a registered vendor; a
 * chain that would come back to `id` (a cycle) is refused, naming it.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_sub_add(azk_home *h, const char *id, const char *sub,
                                                       const char *scope);
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_sub_remove(azk_home *h, const char *id,
                                                          const char *sub);

/* ---- contracts ------------------------------------------------------------ */

/** The contract with a vendor: reference, signed and expiry dates (expiry may be NULL). */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_contract_set(azk_home *h, const char *id,
                                                            const char *ref, const char *signed_on,
                                                            const char *expires_on);
/**
 * One clause of the required-clauses checklist: clause is one of
 * "purpose-limitation", "named-handlers", "re-entrustment",
 * "incident-reporting", "audit-rights", "deletion-certificate"; status
 * "agreed", "partial", "missing" or "n/a"; on_date when agreed (may be
 * NULL); note may be NULL. A vendor whose contract has a required clause
 * not "agreed" is flagged (azk_vendor_view).
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_clause_set(azk_home *h, const char *id,
                                                          const char *clause, const char *status,
                                                          const char *on_date, const char *note);

/* ---- questionnaires ------------------------------------------------------- */

/**
 * Import a questionnaire template (docs/vendor.md: "azukari-vendor-template"
 * JSON; unknown fields refused with their path). A template id and
 * revision are imported once; a changed template needs a new revision.
 * @param[out] id_out "ID@REVISION" (may be NULL; 96 bytes)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_template_import(azk_home *h, const char *path,
                                                               char *id_out);

/**
 * Send a questionnaire: a signed request file at out_path (the template,
 * the questionnaire id, the vendor, the due date and the bank's key).
 * template_ref "ID" (latest revision) or "ID@REVISION".
 * @param[out] qid the questionnaire id (37 bytes)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_questionnaire_send(azk_home *h, const char *id,
                                                                  const char *template_ref,
                                                                  const char *due,
                                                                  const char *out_path,
                                                                  char qid[37]);
/**
 * At the vendor (its own azukari home): answer a request file. `answers`
 * is an "azukari-vendor-answers" JSON file (docs/vendor.md); each
 * evidence file it names (relative to the answers file) is embedded with
 * its SHA-256. The response is signed with this home's deployment key;
 * the request's signature is checked with bank_pubkey when given.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_questionnaire_answer(azk_home *h,
                                                                    const char *request_path,
                                                                    const char *answers_path,
                                                                    const char *bank_pubkey,
                                                                    const char *out_path);
/**
 * At the bank: take in a signed response. Checked before anything is
 * stored: the signature against the vendor's registered "certificate"
 * key, the questionnaire (sent to this vendor, not yet answered), every
 * answer against the template, every evidence file against its hash.
 * Then answers and evidence are stored in one transaction.
 * @param[out] qid the questionnaire answered (37 bytes, may be NULL)
 * @return AZK_OK; AZK_ERR_CRYPTO (bad signature, another key),
 *         AZK_ERR_FORMAT (malformed; the message names the field),
 *         AZK_ERR_INTEGRITY (an evidence file differs from its hash),
 *         AZK_ERR_ARG (already answered, unknown questionnaire)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_questionnaire_receive(azk_home *h, const char *path,
                                                                     char *qid);
/** Review an answered questionnaire: a score 0-100 and a comment (not the risk rating). */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_questionnaire_review(azk_home *h, const char *id,
                                                                    const char *qid, int score,
                                                                    const char *comment);

/** One problem found by azk_vendor_files_verify. */
typedef azk_status (*azk_vendor_file_cb)(const char *vendor, const char *kind, const char *ref,
                                         const char *label, const char *problem, void *payload);
/**
 * Re-hash every file kept for a vendor (NULL = all vendors): evidence,
 * certifications, documents. A file changed or missing since upload is
 * reported through cb; *bad gets their number.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_files_verify(azk_home *h, const char *id,
                                                            azk_vendor_file_cb cb, void *payload,
                                                            uint64_t *bad);

/* ---- audits, findings, certifications, documents ------------------------- */

/** Periodic audit schedule: kind "audit" or "onsite", every interval_months from start_on. */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_audit_schedule(azk_home *h, const char *id,
                                                              const char *kind, int interval_months,
                                                              const char *start_on);
/**
 * Plan a one-off (ad hoc) audit of `kind` for due_on (YYYY-MM-DD) with a summary of why
 * (1-500 bytes). It counts in the next-due and overdue flags like a schedule until an
 * audit of that kind is recorded (azk_vendor_audit_record) after it was planned.
 * The same vendor, kind and date twice: AZK_ERR_ARG.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_audit_plan(azk_home *h, const char *id,
                                                          const char *kind, const char *due_on,
                                                          const char *summary);
/** Cancel a planned ad hoc audit (AZK_ERR_NOTFOUND when there is none of that kind and date). */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_audit_unplan(azk_home *h, const char *id,
                                                            const char *kind, const char *due_on);
/** Stop a periodic schedule of that kind (AZK_ERR_NOTFOUND when there is none). */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_audit_unschedule(azk_home *h, const char *id,
                                                                const char *kind);
/** Record an audit or on-site inspection done (adhoc: outside the schedule). */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_audit_record(azk_home *h, const char *id,
                                                            const char *kind, int adhoc,
                                                            const char *done_on,
                                                            const char *summary, char audit_id[37]);
/** A finding to remediate: owner, due date; severity "high", "medium", "low". */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_finding_add(azk_home *h, const char *id,
                                                           const char *audit_id, const char *title,
                                                           const char *severity, const char *owner,
                                                           const char *due, char finding_id[37]);
/**
 * Update a finding: status "open", "in-progress", "closed" (closed_on
 * required with closed), new owner or due date (NULL = unchanged).
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_finding_update(azk_home *h, const char *finding_id,
                                                              const char *status, const char *owner,
                                                              const char *due,
                                                              const char *closed_on);
/**
 * A certification or external audit report ("isms", "pmark", "soc1",
 * "soc2", "other": class "cert"), or a document received ("financial",
 * "other": class "doc"); the file (may be NULL) is kept by its hash.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_doc_add(azk_home *h, const char *id,
                                                       const char *doc_class, const char *kind,
                                                       const char *ref, const char *issued_on,
                                                       const char *expires_on,
                                                       const char *received_on, const char *file,
                                                       char doc_id[37]);

/* ---- views ---------------------------------------------------------------- */

typedef enum {
    AZK_VENDOR_VIEW_SHOW = 1, /**< one vendor: everything, with flags */
    AZK_VENDOR_VIEW_LIST,     /**< every vendor, one line each, with flag counts */
    AZK_VENDOR_VIEW_DUE,      /**< what is due or overdue (one vendor or all) */
    AZK_VENDOR_VIEW_TEMPLATES /**< imported questionnaire templates */
} azk_vendor_view_kind;

typedef enum {
    AZK_VENDOR_FMT_TEXT = 1, /**< for a terminal, in the message language */
    AZK_VENDOR_FMT_JSON,     /**< one JSON document */
    AZK_VENDOR_FMT_HTML      /**< printable Japanese page (SHOW only) */
} azk_vendor_format;

/**
 * Render a view. `today` ("YYYY-MM-DD", NULL = the UTC date) decides next
 * dues and overdue/expiry flags; `within_days` (DUE) how far ahead to list.
 * @param[out] out NUL-terminated; free with azk_vendor_free
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_view(azk_home *h, azk_vendor_view_kind kind,
                                                    const char *id, const char *today,
                                                    int within_days, azk_vendor_format fmt,
                                                    char **out);

/* ---- examiner export ------------------------------------------------------ */

/**
 * Everything about one vendor over [from, to] as one sealed bundle: the
 * vendor's records, every file kept for it (content and SHA-256), a
 * manifest of hashes, the ledger entries about it in the period with
 * inclusion proofs against a freshly signed checkpoint of the bank's
 * ledger, all signed with the deployment key. out: a file (written
 * atomically) or an existing directory (bundle.json plus files/ for
 * reading; bundle.json is the evidence).
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_export(azk_home *h, const char *id, const char *from,
                                                      const char *to, const char *out);

/** What azk_vendor_export_verify checked. */
typedef struct {
    int signature;    /**< bundle signature verified */
    int pinned;       /**< with keys given by the caller, not only the embedded ones */
    int checkpoint;   /**< ledger checkpoint signature verified */
    uint64_t entries; /**< ledger entries proved included */
    uint64_t files;   /**< files whose hash matched */
    char vendor[72];
    char from[16], to[16];
    uint64_t reports;             /**< imported monthly reports verified (signature, checkpoint) */
    uint64_t report_certificates; /**< certificates carried by them, verified */
} azk_vendor_export_report;

/**
 * Verify a bundle offline (a bundle.json file or the directory holding
 * it): signature (with `pubkey`, the bank's "azukari-cert+..." key, or
 * the embedded one when NULL: not pinned), manifest, every file's hash,
 * the checkpoint (with `ledger_vkey` or the embedded one) and every
 * inclusion proof. A truncated or altered bundle fails with a message
 * naming what.
 * @return AZK_OK; AZK_ERR_FORMAT, AZK_ERR_CRYPTO, AZK_ERR_INTEGRITY
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_vendor_export_verify(const char *path, const char *pubkey,
                                                             const char *ledger_vkey,
                                                             azk_vendor_export_report *rep);

/** Free memory returned by this module (NULL-safe). */
AZK_EXTERN void azk_vendor_free(void *p);

#ifdef __cplusplus
}
#endif

#endif /* AZUKARI_VENDOR_H */
