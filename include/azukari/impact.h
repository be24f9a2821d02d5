/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/impact.h -- incident impact analysis: given stolen files, find
 * the entrusted records they hold (fingerprints of every active dataset,
 * the scanner), read those records back from the vault in memory only,
 * link them into persons (名寄せ) within each client and across clients,
 * and report counts per client and dataset, the leaked items (項目), the
 * datasets past their deletion deadline, drafts of the report to the
 * Personal Information Protection Commission, of the notice to each client
 * and of the notice to individuals, and per-client notification lists
 * encrypted to a public key the client gives (never in clear on disk).
 * See docs/impact.md.
 *
 * Thread-safety: as the azk_home handle.
 */
#ifndef AZUKARI_IMPACT_H
#define AZUKARI_IMPACT_H

#include "azukari/home.h"
#include "azukari/types.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Cause of the incident, for the reporting category and deadlines. */
typedef enum {
    AZK_IMPACT_CAUSE_UNKNOWN = 0,         /**< not given: marked to complete */
    AZK_IMPACT_CAUSE_UNAUTHORIZED_ACCESS, /**< 不正アクセス (不正の目的: 規則第7条第3号) */
    AZK_IMPACT_CAUSE_THEFT, /**< 盗難・持ち出し (不正の目的: 規則第7条第3号) */
    AZK_IMPACT_CAUSE_ERROR, /**< 誤送付・誤操作等 */
    AZK_IMPACT_CAUSE_OTHER
} azk_impact_cause;

/** Parse "unauthorized-access", "theft", "error", "other"; false when unknown. */
AZK_EXTERN bool azk_impact_cause_parse(const char *s, azk_impact_cause *out);

/** A client's X25519 public key file for its notification list. */
typedef struct {
    const char *client;
    const char *public_key_path; /**< 32 raw bytes or 64 hex digits */
} azk_impact_client_key;

/** Options of azk_impact_run; initialise with AZK_IMPACT_OPTIONS_INIT. */
typedef struct {
    size_t struct_size;   /**< set by AZK_IMPACT_OPTIONS_INIT: the version of this struct */
    const char *as_of;    /**< judge deletion deadlines at this date (YYYY-MM-DD); NULL = today */
    const char *list_dir; /**< where notification lists are written; NULL = none written */
    const azk_impact_client_key *keys; /**< lists are written only for clients with a key */
    size_t key_count;
    unsigned threads;      /**< scanner and linkage threads; 0 = 2 */
    double link_threshold; /**< match probability to link two records (default 0.9) */
    const char *encoding;  /**< force the encoding of the stolen files; NULL = detect */
    /** People the files may mention besides the records (M of the name + birth date rule,
     * docs/threat-model-fingerprints.md): a note confirms a record when the expected
     * namesakes born the same day among them, M x name share x 1e-4, is at most 1e-3.
     * 0 = max(1e6, 10 x the dataset's rows); else at least 1e6 (added in session 7). */
    double population;
} azk_impact_options;

#define AZK_IMPACT_OPTIONS_INIT                                                                    \
    {                                                                                              \
        .struct_size = sizeof(azk_impact_options), .link_threshold = 0.9                           \
    }

/** One dataset with records in the stolen files. Strings owned by the result. */
typedef struct {
    char *client;
    char *dataset;
    char *purpose;
    char *retain_until;    /**< YYYY-MM-DD */
    char *source_name;     /**< file name as received */
    char *created_at;      /**< intake time (ISO 8601 UTC) */
    uint64_t total;        /**< records of the dataset */
    uint64_t records;      /**< distinct records found (延べ件数 of the dataset) */
    uint64_t persons;      /**< persons among them after 名寄せ within the client */
    uint64_t objects;      /**< stolen objects (files, members) holding them */
    uint32_t kinds;        /**< bit (1 << azk_column_kind) of non-empty personal fields of
                                the records found (項目) */
    uint32_t kinds_seen;   /**< the subset of kinds whose type the detector also found in the
                                stolen objects holding these records (customer ids and other
                                kinds without a detector type are never in it) */
    bool past_deadline;    /**< retain_until < as_of */
    uint64_t days_overdue; /**< as_of - retain_until in days when past */
    uint64_t candidates;   /**< rows the fingerprints pointed at (candidates); `records` are
                                those confirmed against the decrypted rows' own values */
    uint64_t probable;     /**< candidates whose values agree but that a namesake could show
                                as well (name and birth date, or name and address, only):
                                not in `records` */
    /* The basis of the records (docs/impact.md, "Strict and weaker confirmations"; fields
     * added at the end of the struct, session 7). Every record keeps the per-line bound; per
     * record, `strict` ones are about someone else at most 1 time in 10^6, the two others more
     * often, each with its chance, summed here. records = strict + name_birth + household. */
    uint64_t strict;         /**< confirmed by values another person shows <= 1e-6 per record */
    uint64_t name_birth;     /**< confirmed by the full name and the birth date only */
    uint64_t household;      /**< by a household's values (address, postal code, fixed line)
                                  and at most the name: a co-resident of the same name */
    double name_birth_other; /**< expected number of the name_birth records that are about
                                  another person (sum of each one's chance, <= 1e-3 each) */
    double household_other;  /**< the same for the household records (2.5e-4 each with the
                                  name; a co-resident's chance without) */
} azk_impact_dataset;

/** One client with records found. */
typedef struct {
    char *client;
    char *name;          /**< display name, may be "" */
    uint64_t records;    /**< 延べ件数: sum over its datasets */
    uint64_t persons;    /**< 名寄せ後件数 within the client */
    uint32_t kinds;      /**< union of its datasets' kinds */
    uint32_t kinds_seen; /**< union of its datasets' kinds_seen */
    size_t datasets;     /**< datasets with records found */
    size_t past_deadline;
    char *list_path; /**< encrypted notification list written, or NULL */
    uint64_t list_rows;
    /** persons with at least one record of the strict basis (the headline's 本人の数; added
     * at the end, session 7) */
    uint64_t persons_strict;
} azk_impact_client;

/** The result of a run; release with azk_impact_result_dispose. */
typedef struct {
    azk_impact_dataset *datasets; /**< by client, then dataset id */
    size_t dataset_count;
    azk_impact_client *clients; /**< by client id */
    size_t client_count;
    uint64_t records;           /**< 延べ件数 over all clients */
    uint64_t persons_by_client; /**< sum of the clients' persons */
    uint64_t persons;           /**< persons across clients (名寄せ over all records) */
    uint64_t unusable;          /**< records without a usable field (each counted as a person) */
    uint32_t kinds;
    uint32_t kinds_seen;
    uint64_t objects;      /**< objects scanned (files and archive members) */
    uint64_t objects_hit;  /**< objects holding at least one entrusted record */
    uint64_t errors;       /**< objects that could not be (fully) read */
    uint64_t files;        /**< top-level files scanned */
    uint64_t datasets_all; /**< active datasets searched */
    char as_of[11];        /**< date deadlines were judged at */
    uint64_t candidates;   /**< candidate rows over all datasets (records: the confirmed ones;
                                datasets without a confirmed record are not listed) */
    uint64_t probable;     /**< candidates whose values agree, not beyond the bound (sum) */
    /* sums of the datasets' fields of the same names (added at the end, session 7): `strict`
     * is the count a regulator receives first, the others beside it (docs/impact.md) */
    uint64_t strict;
    uint64_t name_birth;
    uint64_t household;
    double name_birth_other;
    double household_other;
    uint64_t persons_strict_by_client; /**< sum of the clients' persons_strict */
} azk_impact_result;

/**
 * Analyse the stolen files at `paths` (files, directories, archives).
 * Fingerprints of all active datasets are exported to a private temporary
 * directory (removed afterwards) and the scanner runs over the paths. Each
 * dataset with hits is opened from the vault (ledger event "vault.open",
 * reason "impact analysis") and decoded in memory; its matched rows are
 * linked per client and across clients. Notification lists are written for
 * clients with a key in o->keys. A ledger event "impact" records the counts.
 * Nothing personal is written in clear anywhere.
 * @param[out] out result, dispose with azk_impact_result_dispose (also on failure)
 * @return AZK_OK (objects that could not be read are counted in errors),
 *         AZK_ERR_ARG, AZK_ERR_IO, AZK_ERR_CRYPTO, AZK_ERR_INTEGRITY,
 *         AZK_ERR_DB, AZK_ERR_NOMEM, AZK_ERR_FORMAT (a dataset's schema)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_impact_run(azk_home *h, const char *const *paths,
                                                   size_t path_count, const azk_impact_options *o,
                                                   azk_impact_result *out);

/** Free what a result holds (NULL-safe; the struct itself is the caller's). */
AZK_EXTERN void azk_impact_result_dispose(azk_impact_result *r);

/**
 * The result as one JSON document (2-space indent, sorted keys, no final
 * newline): datasets, clients and totals, counts and names only.
 * @param[out] out the document; free with azk_impact_free
 * @return AZK_OK, AZK_ERR_ARG, AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_impact_result_json(const azk_impact_result *r, char **out);

/** Free memory returned by this module (NULL-safe). */
AZK_EXTERN void azk_impact_free(void *p);

/* ---- deadlines and report drafts ---------------------------------------- */

/** Reporting deadlines that follow from the date the leak became known. */
typedef struct {
    bool reportable;       /**< a reportable event judging from what azukari knows */
    bool purpose_unlawful; /**< 不正の目的 (規則第7条第3号): even one person */
    bool over_1000;        /**< more than 1,000 persons (規則第7条第4号) */
    bool financial_items;  /**< card or account numbers among the items (第2号: check) */
    unsigned final_days;   /**< 30 or 60 */
    char final_date[11];   /**< 確報 deadline YYYY-MM-DD ("" when the known date is unknown) */
    bool final_shifted;    /**< moved past a weekend or 12/29-1/3 */
    char first_from[11];   /**< 速報: a guide, 3 to 5 days after the known date ("" unknown) */
    char first_to[11];
} azk_impact_deadlines;

/**
 * Compute the category and deadlines. `known_date` (YYYY-MM-DD) may be NULL.
 * The 確報 deadline counts the known date as day 1 and moves off Saturdays,
 * Sundays and 12/29-1/3 (public holidays are marked for the user to check).
 * @return AZK_OK, AZK_ERR_ARG (bad date)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_impact_deadlines_compute(const azk_impact_result *r,
                                                                 const char *known_date,
                                                                 azk_impact_cause cause,
                                                                 azk_impact_deadlines *out);

/** Options of the report drafts. */
typedef struct {
    size_t struct_size; /**< set by AZK_IMPACT_REPORT_OPTIONS_INIT: the version of this struct */
    const char *known_date; /**< YYYY-MM-DD the leak became known; NULL = to complete */
    azk_impact_cause cause;
    const char *contractor; /**< the reporting company's name; NULL = to complete */
} azk_impact_report_options;

#define AZK_IMPACT_REPORT_OPTIONS_INIT                                                             \
    {                                                                                              \
        .struct_size = sizeof(azk_impact_report_options), .cause = AZK_IMPACT_CAUSE_UNKNOWN        \
    }

/**
 * Write report-ppc.md, notice-client-<client>.md (one per client) and
 * notice-individual.md into `dir` (created 0700 if absent): Japanese
 * drafts with the facts of `r` filled in and 【要記入】 where the user must
 * complete. They hold counts, item names, dataset ids and dates only.
 * @return AZK_OK, AZK_ERR_ARG, AZK_ERR_IO
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_impact_write_reports(const azk_impact_result *r,
                                                             const azk_impact_report_options *o,
                                                             const char *dir);

/** Japanese name of an item (column kind) for reports: "氏名", "電話番号", ... */
AZK_EXTERN const char *azk_impact_item_name_ja(azk_column_kind k);

/* ---- encrypted notification lists --------------------------------------- */

/**
 * Create an X25519 key pair for a client: public key and secret key as 64
 * hex digits and a newline, the secret file mode 0600 (created exclusively).
 * @return AZK_OK, AZK_ERR_IO, AZK_ERR_CRYPTO
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_impact_keygen(const char *public_path,
                                                      const char *secret_path);

/** Receives decrypted bytes of a notification list. */
typedef azk_status (*azk_impact_write_cb)(const uint8_t *p, size_t n, void *payload);

/**
 * Decrypt a notification list with the client's secret key file and pass
 * its JSON Lines to cb. A changed, truncated or extended file, or the
 * wrong key, is AZK_ERR_CRYPTO / AZK_ERR_INTEGRITY (bytes passed before
 * must be discarded).
 * @return AZK_OK, AZK_ERR_IO, AZK_ERR_FORMAT, AZK_ERR_CRYPTO, AZK_ERR_INTEGRITY
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_impact_decrypt_list(const char *path,
                                                            const char *secret_key_path,
                                                            azk_impact_write_cb cb, void *payload);

#ifdef __cplusplus
}
#endif

#endif /* AZUKARI_IMPACT_H */
