/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan/scan_int.h -- internals shared by the scanner's files (scanner.c,
 * cache.c) and the report module: an owned copy of a scan result that can
 * be kept, serialised to the JSON Lines contract and read back (the
 * incremental cache stores results in that form).
 */
#ifndef AZK_SCAN_INT_H
#define AZK_SCAN_INT_H

#include "azukari/scan.h"
#include "util/util.h"

#include <jansson.h>

/* Bump when detection or decoding changes results, so cached results expire. */
#define AZK_ENGINE_REVISION "1"

/* Result -> JSON object of the DESIGN.md contract (path included when with_path). */
json_t *azk_scan__result_to_json(const azk_scan_result *r, bool with_path);
/* The "findings" array as jansson would write it (JSON_COMPACT, 6 digits). */
AZK_NODISCARD azk_status azk_scan__findings_to_jsonl(azk_buf *b, const azk_scan_result *r);
/* The whole result as one compact JSON object, byte for byte what jansson dumps of
 * azk_scan__result_to_json(r, true) with JSON_COMPACT | JSON_REAL_PRECISION(6), appended
 * to b (no newline); AZK_ERR_FORMAT with b untouched when some string is not valid UTF-8
 * or the score not finite (jansson refuses those: go through it). */
AZK_NODISCARD azk_status azk_scan__result_to_jsonl(azk_buf *b, const azk_scan_result *r);

/* An owned result read back from JSON; free with azk_scan__owned_dispose. */
struct azk_owned_result {
    azk_scan_result r;
    json_t *json; /* keeps the strings alive */
    const char **member;
    azk_scan_finding *findings;
    azk_scan_edm *edm;
    uint64_t *rows;
};

AZK_NODISCARD azk_status azk_scan__result_from_json(struct azk_owned_result *out, json_t *obj);
void azk_scan__owned_dispose(struct azk_owned_result *o);

/*
 * A scanner like azk_scanner_new(opts) that shares the loaded fingerprint
 * index of `donor` (read-only, reference-counted) instead of loading its
 * own copy; opts->fingerprints and cache_path are ignored. The donor may
 * be freed first. For services that run one scanner per thread.
 */
AZK_NODISCARD azk_status azk_scan__scanner_new_sharing(azk_scanner **out,
                                                       const azk_scan_options *opts,
                                                       const azk_scanner *donor);

/*
 * Closed-zone confirmation (impact): match in confirmation mode with the
 * 32-byte confirmation key (copied) and hand every candidate's evidence to
 * cb, from the worker threads (match/match.h, azk_match__set_confirm).
 * Call before azk_scanner_run; needs fingerprints.
 */
struct azk_match_ev_item;
typedef azk_status (*azk_scan_evidence_cb)(const char *client, const char *dataset, uint64_t row,
                                           const struct azk_match_ev_item *items, size_t count,
                                           void *payload);
AZK_NODISCARD azk_status azk_scan__scanner_set_confirm(azk_scanner *s, const uint8_t key[32],
                                                       azk_scan_evidence_cb cb, void *payload);

/* ---- incremental cache (cache.c) ---- */
struct azk_scan_cache;

AZK_NODISCARD azk_status azk_scan__cache_open(struct azk_scan_cache **out, const char *path,
                                              const char *engine_id);
void azk_scan__cache_close(struct azk_scan_cache *c);

struct azk_file_key {
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
};

/* Look a file up; on a hit *out_json is a JSON array of result objects (caller decrefs). */
AZK_NODISCARD azk_status azk_scan__cache_get(struct azk_scan_cache *c, const struct azk_file_key *k,
                                             json_t **out_json);
/* Store results (JSON array; reference stolen). */
AZK_NODISCARD azk_status azk_scan__cache_put(struct azk_scan_cache *c, const struct azk_file_key *k,
                                             json_t *results);
/* The keyed hash of path into h; *same = that path was last answered with version k. */
AZK_NODISCARD azk_status azk_scan__cache_path_same(struct azk_scan_cache *c, const char *path,
                                                   const struct azk_file_key *k, uint8_t h[32],
                                                   bool *same);
/* Keep writes only at azk_scan__cache_commit (cache_changed_only); pending ones are dropped at
 * close. */
void azk_scan__cache_set_manual(struct azk_scan_cache *c);
AZK_NODISCARD azk_status azk_scan__cache_commit(struct azk_scan_cache *c);
/* Record that the path hashed to h was answered with version k. */
AZK_NODISCARD azk_status azk_scan__cache_path_put(struct azk_scan_cache *c, const uint8_t h[32],
                                                  const struct azk_file_key *k);

#endif
