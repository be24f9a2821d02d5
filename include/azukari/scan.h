/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/scan.h -- the scanner: walk paths, decode every object (files and
 * archive members), detect personal data and entrusted records, and hand
 * one result per object to the caller. Output contract: DESIGN.md.
 */
#ifndef AZUKARI_SCAN_H
#define AZUKARI_SCAN_H

#include "azukari/common.h"
#include "azukari/types.h"

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct azk_scanner azk_scanner;

/** Scanner options; initialise with AZK_SCAN_OPTIONS_INIT. */
typedef struct {
    size_t struct_size;         /**< set by AZK_SCAN_OPTIONS_INIT: the version of this struct */
    unsigned threads;           /**< worker threads; 0 = number of cores */
    bool follow_symlinks;       /**< follow symbolic links (default no) */
    bool one_file_system;       /**< do not cross mount points (-x) */
    const char *const *include; /**< glob patterns on the path; none = all */
    size_t include_count;
    const char *const *exclude; /**< glob patterns on the path or a path component */
    size_t exclude_count;
    uint64_t max_file_size;          /**< files larger are skipped with an error; 0 = none */
    const char *encoding;            /**< force an encoding ("cp932", ...); NULL = detect */
    const char *cache_path;          /**< SQLite file for incremental sweeps; NULL = none */
    const char *fingerprints;        /**< fingerprint export file for EDM; NULL = none */
    const char *fingerprint_key;     /**< key file for the fingerprint file; NULL = alongside */
    const char *const *allow_values; /**< values never reported (excluded, counted) */
    size_t allow_value_count;
    const char *const *allow_patterns; /**< Vectorscan patterns never reported */
    size_t allow_pattern_count;
    const char *const *allow_paths; /**< glob patterns of paths not scanned at all */
    size_t allow_path_count;
    uint32_t types;        /**< bit (1 << azk_pii_type); 0 = all */
    double min_confidence; /**< default 0.5 */
    unsigned max_depth;    /**< container nesting; default 8 */
    uint64_t max_expanded; /**< total expanded bytes per file; default 4 GiB */
    uint32_t max_ratio;    /**< expansion ratio; default 200 */
    uint64_t max_entries;  /**< archive entries per file; default 100000 */
    size_t max_findings;   /**< findings kept per object (counts stay exact); default 10000 */
    /**
     * With cache_path: deliver only what changed since an earlier run with
     * this cache. A file whose path was answered before with the same
     * version (device, inode, size, mtime, ctime, engine) is counted in
     * cached but not delivered at all (its cached results are not even
     * read); a known version under a path not answered before (another
     * hard link, a file in a renamed directory) is delivered from the cache
     * with its findings, under its own path. For callers that keep what
     * they were given before (azukari agent). Default false: every file is
     * delivered, cached ones from the cache. With it, what the cache learns
     * is kept only when the caller says it kept what it was given
     * (azk_scanner_cache_commit); what is pending at azk_scanner_free is
     * dropped, so a crash or a failure of the caller never leaves a path
     * "answered" that the caller did not keep: it is delivered again.
     */
    bool cache_changed_only;
} azk_scan_options;

#define AZK_SCAN_OPTIONS_INIT                                                                      \
    {                                                                                              \
        .struct_size = sizeof(azk_scan_options), .min_confidence = 0.5, .max_depth = 8,            \
        .max_ratio = 200, .max_entries = 100000, .max_findings = 10000                             \
    }

/** One finding, as reported: never the raw value. */
typedef struct {
    azk_pii_type type;
    uint64_t line;      /**< 1-based line (or row) in the decoded object */
    const char *masked; /**< masked value, e.g. "山田 **" */
    double confidence;
    uint32_t page;     /**< PDF: 1-based page of the line; 0 when not paged */
    const char *sheet; /**< spreadsheets: sheet of the row; NULL otherwise */
} azk_scan_finding;

/** Entrusted records of one dataset found in an object. */
typedef struct {
    const char *client;
    const char *dataset;
    const uint64_t *rows; /**< 1-based data rows in the dataset as entrusted, ascending */
    size_t row_count;
} azk_scan_edm;

/** The result for one scanned object; all pointers borrowed for the callback. */
typedef struct {
    const char *path;          /**< the file path, UTF-8 with \xHH escapes for bad bytes */
    const char *const *member; /**< container path, outermost first */
    size_t member_count;
    const char *format;   /**< "text", "csv", "zip", ... (NULL if not read) */
    const char *encoding; /**< NULL for binary/containers */
    const azk_scan_finding *findings;
    size_t finding_count;          /**< findings kept (see truncated) */
    bool truncated;                /**< more findings than max_findings */
    size_t counts[AZK_PII__COUNT]; /**< exact counts per type */
    size_t excluded;               /**< allow-listed hits, not reported */
    double score;                  /**< risk score, see docs */
    const azk_scan_edm *edm;
    size_t edm_count;
    azk_status error;          /**< AZK_OK or why the object could not be (fully) read */
    const char *error_code;    /**< stable code name ("format", "limit", ...), NULL if OK */
    const char *error_message; /**< one line, no personal value; NULL if OK */
    uint64_t size;             /**< bytes of the object (-1 unknown -> 0) */
    bool from_cache;           /**< result reused from the incremental cache */
} azk_scan_result;

/** Totals of a run. */
typedef struct {
    uint64_t files;         /**< top-level files visited */
    uint64_t objects;       /**< results delivered (files + members) */
    uint64_t bytes;         /**< bytes read from files */
    uint64_t with_findings; /**< objects with at least one finding */
    uint64_t findings;      /**< findings over all objects */
    uint64_t errors;        /**< objects with an error */
    uint64_t cached;        /**< files answered from the cache */
    uint64_t skipped;       /**< FIFOs, devices, sockets, excluded paths */
    uint64_t edm_records;   /**< entrusted record hits (rows, summed over objects) */
    double seconds;
} azk_scan_stats;

/**
 * Called once per object, serialised (never concurrently), in no
 * particular order across files; a container's result follows its members.
 * @return AZK_OK to go on; any other status stops the run (e.g. the output
 *         the caller writes to failed): no further result is delivered,
 *         files not yet read are not read, and azk_scanner_run /
 *         azk_scanner_scan_fd return that status.
 */
typedef azk_status (*azk_scan_result_cb)(const azk_scan_result *r, void *payload);

/**
 * Called about 4 times per second from a worker with running totals.
 * @return AZK_OK to go on; any other status stops the run as above.
 */
typedef azk_status (*azk_scan_progress_cb)(const azk_scan_stats *s, void *payload);

/**
 * Create a scanner (compiles the detection engine, loads fingerprints).
 * @param[out] out the scanner; free with azk_scanner_free
 * @return AZK_OK, AZK_ERR_ARG (bad option), AZK_ERR_IO, AZK_ERR_FORMAT, AZK_ERR_NOMEM
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_scanner_new(azk_scanner **out,
                                                    const azk_scan_options *opts);

/** Set the progress callback (NULL to remove). */
AZK_EXTERN void azk_scanner_set_progress(azk_scanner *s, azk_scan_progress_cb cb, void *payload);

/**
 * Scan paths (files or directories, recursively). Errors of single objects
 * are results, not failures: the run goes on.
 * @return AZK_OK when the run completed (even with object errors), or a
 *         fatal error (NOMEM, cache database failure), or the status a
 *         callback returned to stop the run.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_scanner_run(azk_scanner *s, const char *const *paths,
                                                    size_t path_count, azk_scan_result_cb cb,
                                                    void *payload, azk_scan_stats *stats);

/**
 * Scan one stream (a pipe, a socket's body, an open file) as one top-level
 * object named `name` in results. Runs on the calling thread; the stream
 * is read to its end; the descriptor is not closed. Not concurrently with
 * azk_scanner_run on the same scanner (create one scanner per thread).
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_scanner_scan_fd(azk_scanner *s, int fd, const char *name,
                                                        azk_scan_result_cb cb, void *payload,
                                                        azk_scan_stats *stats);

/** Free a scanner; NULL-safe. */
/**
 * With cache_changed_only: keep what the cache learnt from the results
 * delivered so far (call it once they are safely kept, e.g. from the result
 * callback after writing them out, and after the run). No-op otherwise.
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_scanner_cache_commit(azk_scanner *s);
AZK_EXTERN void azk_scanner_free(azk_scanner *s);

/**
 * Record a finished scan in the ledger of `home`, the one rule for every
 * front end (CLI, agent, server): a scan that found something (an object
 * with findings or an entrusted-record hit) is a `scan` event, outcome
 * `entrusted-records-found` or `personal-data-found`, when `home` has a
 * ledger (closed-zone hosts); a scanner on the general network often has
 * no home, and then nothing is recorded. The event holds the counts only:
 * paths can hold personal names, so they never go to the ledger.
 * @param home the azukari home (may be NULL: nothing is recorded)
 * @param[out] recorded true when an event was appended (may be NULL)
 * @return AZK_OK (also when nothing was due), or the ledger's error
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_scan_record_event(const char *home,
                                                          const azk_scan_stats *stats,
                                                          bool *recorded);

/* ---- reports --------------------------------------------------------- */

typedef enum {
    AZK_REPORT_JSONL = 0, /**< one JSON object per object (DESIGN.md contract) */
    AZK_REPORT_TEXT,      /**< human report: per file counts, masked examples, totals */
    AZK_REPORT_CSV,       /**< one row per finding */
    AZK_REPORT_SUMMARY    /**< one JSON document with totals at the end */
} azk_report_format;

typedef struct azk_report azk_report;

/** Writer callback for reports: write len bytes; return 0 on success. */
typedef int (*azk_report_write_cb)(const char *data, size_t len, void *payload);

/**
 * Create a report writer. Text reports use gettext messages of domain
 * "azukari" (Japanese by default).
 */
AZK_EXTERN AZK_NODISCARD azk_status azk_report_new(azk_report **out, azk_report_format fmt,
                                                   azk_report_write_cb write, void *payload);
/** Add one object's result (call from the scan result callback). */
AZK_EXTERN AZK_NODISCARD azk_status azk_report_add(azk_report *r, const azk_scan_result *res);
/** Write totals (text, summary) and flush. */
AZK_EXTERN AZK_NODISCARD azk_status azk_report_finish(azk_report *r, const azk_scan_stats *st);
AZK_EXTERN void azk_report_free(azk_report *r);

#ifdef __cplusplus
}
#endif

#endif
