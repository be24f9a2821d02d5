/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/link.h -- person record linkage (名寄せ): decide which records of
 * one or more person files belong to the same person, Fellegi-Sunter style.
 *
 * The caller adds records as (column kind, value) lists; the engine
 * normalises every value with the shared normalisation module, blocks on
 * several keys (kana reading, birth date, phone, postal+address, email,
 * identifier), compares each candidate pair field by field into comparison
 * levels, estimates the m and u probability of every level from the data
 * by EM, adds term-frequency adjustments for names, and clusters the pairs
 * above the threshold without ever putting two records into one person when
 * a pair of them is a hard contradiction (different birth dates, clearly
 * different given names with the same family name: twins, parent/child).
 *
 * Thread-safety: one azk_link object is used by one thread at a time; run()
 * uses its own worker threads internally.
 */
#ifndef AZUKARI_LINK_H
#define AZUKARI_LINK_H

#include "azukari/common.h"
#include "azukari/types.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct azk_link azk_link;

/** Options; initialise with AZK_LINK_OPTIONS_INIT. */
typedef struct {
    size_t struct_size;   /**< set by AZK_LINK_OPTIONS_INIT: the version of this struct */
    double threshold;     /**< match probability needed to link a pair (default 0.9) */
    unsigned threads;     /**< worker threads for comparison; 0 = 2 */
    size_t max_block;     /**< blocks larger than this use a sorted window (default 64) */
    size_t window;        /**< window size in oversized blocks (default 16) */
    unsigned em_max_iter; /**< EM iterations at most (default 200) */
    double em_tolerance;  /**< stop when no parameter moves more (default 1e-7) */
    bool no_tf;           /**< disable term-frequency adjustment */
    size_t max_cluster; /**< never grow a person beyond this many distinct records (default 1000) */
    size_t max_records; /**< AZK_ERR_LIMIT past this many records (default 50,000,000) */
} azk_link_options;

#define AZK_LINK_OPTIONS_INIT                                                                      \
    {                                                                                              \
        .struct_size = sizeof(azk_link_options), .threshold = 0.9, .max_block = 64, .window = 16,  \
        .em_max_iter = 200, .em_tolerance = 1e-7, .max_cluster = 1000, .max_records = 50000000     \
    }

/** One input value of a record. Values of the same kind are joined (address
 *  parts, family+given name) or kept as alternatives (phones). */
typedef struct {
    azk_column_kind kind;
    const char *ptr; /**< UTF-8 */
    size_t len;
} azk_link_value;

/** Comparison fields. */
typedef enum {
    AZK_LINK_F_NAME = 0, /**< kanji and kana name, with family/given parts */
    AZK_LINK_F_BIRTH,
    AZK_LINK_F_ADDRESS,
    AZK_LINK_F_POSTAL,
    AZK_LINK_F_PHONE,
    AZK_LINK_F_EMAIL,
    AZK_LINK_F_ID, /**< personal identifier (個人番号; FEBRL soc_sec_id) */
    AZK_LINK_F__COUNT
} azk_link_field;

/** Create an engine. @return AZK_OK, AZK_ERR_NOMEM, AZK_ERR_ARG */
AZK_EXTERN AZK_NODISCARD azk_status azk_link_new(azk_link **out, const azk_link_options *opts);
/** Free an engine (NULL-safe). Wipes normalised values before freeing. */
AZK_EXTERN void azk_link_free(azk_link *lk);

/**
 * Add one record. Values are copied (normalised). A record without any
 * usable field is kept, marked unusable, and never linked.
 * @param[out] index_out 0-based index of the record (may be NULL)
 * @return AZK_OK, AZK_ERR_NOMEM, AZK_ERR_LIMIT (max_records), AZK_ERR_ARG
 *         (called after run)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_link_add(azk_link *lk, uint32_t file, uint64_t row,
                                                 const azk_link_value *values, size_t value_count,
                                                 size_t *index_out);

/** Where a record came from: the file number and row given to add(). */
AZK_EXTERN void azk_link_record_source(const azk_link *lk, size_t index, uint32_t *file,
                                       uint64_t *row);

/** A header name the caller maps to a kind (--map "soc_sec_id=my_number"). */
typedef struct {
    const char *header;
    azk_column_kind kind;
} azk_link_column_map;

/** Options of azk_link_add_file(); initialise with AZK_LINK_FILE_OPTIONS_INIT. */
typedef struct {
    size_t struct_size;   /**< set by AZK_LINK_FILE_OPTIONS_INIT: the version of this struct */
    const char *encoding; /**< force an encoding; NULL = detect */
    const azk_link_column_map *map; /**< header overrides, exact header text */
    size_t map_count;
} azk_link_file_options;

#define AZK_LINK_FILE_OPTIONS_INIT                                                                 \
    {                                                                                              \
        .struct_size = sizeof(azk_link_file_options)                                               \
    }

/** What azk_link_add_file() read. */
typedef struct {
    uint64_t rows;            /**< data rows added */
    uint64_t unusable;        /**< rows without any usable field */
    uint32_t kinds;           /**< bit (1 << azk_column_kind) of every column used */
    uint64_t skipped_members; /**< members of an archive, not read */
    const char *format;       /**< "csv", "tsv", "xlsx", ... (static) or NULL */
    const char *encoding;     /**< "utf-8", "cp932", ... (static) or NULL */
} azk_link_file_result;

/**
 * Read a person file (CSV/TSV/xlsx with a header row, any encoding the
 * scanner reads) and add each data row as a record of `file`. Columns are
 * mapped with azk_column_classify() unless the map names their header.
 * Streams the file; only the prepared records are kept.
 * @param[out] res what was read (may be NULL)
 * @return AZK_OK; AZK_ERR_IO (cannot open or read); AZK_ERR_FORMAT (not a
 *         table, no header row, or no person column in the header; nothing
 *         of the file is added in that case); AZK_ERR_NOMEM; AZK_ERR_LIMIT
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_link_add_file(azk_link *lk, const char *path, uint32_t file,
                                                      const azk_link_file_options *opts,
                                                      azk_link_file_result *res);

/** Link all records added so far. Call once. @return AZK_OK, AZK_ERR_NOMEM */
AZK_EXTERN AZK_NODISCARD azk_status azk_link_run(azk_link *lk);

/** Number of records added. */
AZK_EXTERN size_t azk_link_record_count(const azk_link *lk);

/**
 * Person of a record after run(): persons are numbered 1.. in order of their
 * first record; 0 for an unusable record (no usable field).
 */
AZK_EXTERN uint64_t azk_link_person(const azk_link *lk, size_t index);

/** Run statistics. */
typedef struct {
    size_t records;           /**< records added */
    size_t unusable;          /**< records with no usable field */
    size_t distinct;          /**< records left after folding exact normalised duplicates */
    size_t persons;           /**< distinct persons (usable records) */
    uint64_t candidate_pairs; /**< pairs compared */
    uint64_t linked_pairs;    /**< pairs above the threshold */
    uint64_t refused_merges;  /**< merges refused by a hard contradiction */
    uint64_t windowed_blocks; /**< blocks too large, compared in a sorted window */
    unsigned em_iterations;
    double lambda; /**< EM prior: share of candidate pairs that match */
    double seconds_prepare, seconds_compare, seconds_em, seconds_cluster;
} azk_link_stats;

AZK_EXTERN void azk_link_get_stats(const azk_link *lk, azk_link_stats *out);

/** Number of comparison levels of a field (excluding "missing"). */
AZK_EXTERN unsigned azk_link_level_count(azk_link_field f);
/** Stable names: "name", "birth_date", ...; level names "exact", "typo", ... */
AZK_EXTERN const char *azk_link_field_name(azk_link_field f);
AZK_EXTERN const char *azk_link_level_name(azk_link_field f, unsigned level);
/** Estimated m and u of a level after run(). */
AZK_EXTERN void azk_link_level_params(const azk_link *lk, azk_link_field f, unsigned level,
                                      double *m, double *u);

/** Why a pair scored as it did: never holds a personal value. */
typedef struct {
    struct {
        int level; /**< -1 when the field is missing on either side */
        const char *level_name;
        double weight;        /**< log2(m/u) of the level; 0 when missing */
        double tf_adjustment; /**< term-frequency adjustment (log2) */
    } field[AZK_LINK_F__COUNT];
    double prior_weight;              /**< log2(lambda / (1 - lambda)) */
    double total_weight;              /**< prior + fields + adjustments */
    double probability;               /**< 2^w / (1 + 2^w) */
    bool contradiction;               /**< hard contradiction: never linked directly */
    const char *contradiction_reason; /**< "birth_date", "given_name", "personal_contact" or NULL */
    bool same_person;                 /**< both ended in the same person */
} azk_link_explanation;

/**
 * Explain the comparison of two records after run().
 * @return AZK_OK, AZK_ERR_ARG (index out of range or run() not done)
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_link_explain(const azk_link *lk, size_t a, size_t b,
                                                     azk_link_explanation *out);

/* ---- comparison primitives, exported for tests and tools ---------------- */

/** Jaro-Winkler similarity of two UTF-8 strings, by code point (0..1). */
AZK_EXTERN double azk_link_jaro_winkler(const char *a, size_t a_len, const char *b, size_t b_len);

#ifdef __cplusplus
}
#endif

#endif /* AZUKARI_LINK_H */
