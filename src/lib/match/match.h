/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/match.h -- entrusted-record matching for the scan pipeline
 * (internal). One context per worker thread over a shared, read-only
 * azk_fp_index (azukari/fingerprint.h).
 *
 * Per object: object_begin, then for each record record_begin, the
 * detector's findings of that record (finding), record_end; object_end;
 * then results() gives (client, dataset, rows) sorted, rows ascending and
 * unique: the "edm" field of the scan result.
 *
 * A record is attributed to entrusted row R when, within the same tabular
 * row, or within a window of AZK_MATCH_WINDOW consecutive text lines,
 * values of at least two independent field families match R's buckets
 * (kanji name and kana reading are one family), at least one of them a
 * seed kind (name, phone, email, address, my number). When a line that
 * gave one of the matches also holds a phone number or e-mail address and
 * R has one but none matches, three families must match (a homonym with
 * another phone is not R; a neighbour line's phone is another record's).
 * One value counts for one family only. A single
 * field alone, or a homonym whose other fields differ, is not a record.
 */
#ifndef AZK_MATCH_H
#define AZK_MATCH_H

#include "match/fp.h"
#include "azukari/fingerprint.h"

/* Text lines considered together (the current one and the previous ones). */
#define AZK_MATCH_WINDOW 3

struct azk_match_ctx;

AZK_NODISCARD azk_status azk_match__ctx_new(struct azk_match_ctx **out, const azk_fp_index *idx);
void azk_match__ctx_free(struct azk_match_ctx *ctx);

/*
 * Tell the matcher that every record's detector findings are passed
 * (azk_match__finding). Then a record (and the text lines of its window)
 * is analysed for dates, numbers and cells only when a finding of a seed
 * type (person name, phone, e-mail, address, my number) is in the window:
 * lines without such a finding cost a copy. Default off: every record is
 * analysed (callers without a detector).
 */
void azk_match__set_detector_seeds(struct azk_match_ctx *ctx, bool on);

void azk_match__object_begin(struct azk_match_ctx *ctx);
/* Take the candidates of the record itself (cells, date and token scan). */
AZK_NODISCARD azk_status azk_match__record_begin(struct azk_match_ctx *ctx, const azk_record *rec);
/* A detector finding of the current record (its span is normalised by type). */
AZK_NODISCARD azk_status azk_match__finding(struct azk_match_ctx *ctx, const azk_finding *f);
/* Evaluate the window; hits are kept for the object. */
AZK_NODISCARD azk_status azk_match__record_end(struct azk_match_ctx *ctx);
/* One call for a whole record. */
AZK_NODISCARD azk_status azk_match__record(struct azk_match_ctx *ctx, const azk_record *rec,
                                           const azk_finding *findings, size_t finding_count);
void azk_match__object_end(struct azk_match_ctx *ctx);

typedef azk_status (*azk_match_result_cb)(const char *client, const char *dataset,
                                          const uint64_t *rows, size_t row_count, void *payload);
/* Hits of the object, by dataset (index order: client, dataset), rows 1-based ascending. */
AZK_NODISCARD azk_status azk_match__results(struct azk_match_ctx *ctx, azk_match_result_cb cb,
                                            void *payload);
/* Number of distinct entrusted rows hit in the object. */
size_t azk_match__hit_count(struct azk_match_ctx *ctx);

#endif
