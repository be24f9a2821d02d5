/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect.h -- the detect stage: UTF-8 records in, findings out.
 * Internal contract between the scan pipeline, redact and detect.
 *
 * An engine (compiled Vectorscan databases, name lexicon, allow-list) is
 * built once and shared read-only by all threads. Each worker thread owns a
 * context (Vectorscan scratch, MeCab tagger, per-object state such as the
 * column kinds of the current CSV). Findings are reported with byte spans
 * inside the field so redact can replace them; they carry a masked form and
 * never need the raw value to be kept.
 */
#ifndef AZK_DETECT_H
#define AZK_DETECT_H

#include "util/util.h"
#include "azukari/types.h"
#include "decode/decode.h"

typedef struct azk_detect_engine azk_detect_engine;
typedef struct azk_detect_ctx azk_detect_ctx;

typedef struct {
    /* allow-list: exact values (any form; compared after normalising
     * digits/width) and patterns (Vectorscan syntax) never reported */
    const char *const *allow_values;
    size_t allow_value_count;
    const char *const *allow_patterns;
    size_t allow_pattern_count;
    /* types to detect (bit 1<<azk_pii_type); 0 = all */
    uint32_t types;
    /* names: path of the MeCab dictionary dir (NULL = system ipadic-utf8) */
    const char *mecab_dicdir;
    /* minimum confidence to report (default 0.5) */
    double min_confidence;
} azk_detect_options;

#define AZK_DETECT_OPTIONS_INIT                                                                    \
    {                                                                                              \
        NULL, 0, NULL, 0, 0, NULL, 0.5                                                             \
    }

typedef struct {
    azk_pii_type type;
    uint32_t field;    /* index into rec->fields */
    size_t start, len; /* byte span in rec->fields[field] */
    uint64_t line;     /* rec->line */
    uint32_t page;     /* rec->page (pdf), 0 if none */
    const char *sheet; /* rec->sheet (borrowed for the callback), NULL if none */
    double confidence; /* 0..1 */
    char masked[96];   /* masked rendering, e.g. "山田 **", "090-****-5678" */
} azk_finding;

/* Called for each finding of a record, in span order. */
typedef azk_status (*azk_finding_cb)(const azk_finding *f, void *payload);

AZK_NODISCARD azk_status azk_detect__engine_new(azk_detect_engine **out,
                                                const azk_detect_options *opts);
void azk_detect__engine_free(azk_detect_engine *eng);

AZK_NODISCARD azk_status azk_detect__ctx_new(azk_detect_ctx **out, const azk_detect_engine *eng);
void azk_detect__ctx_free(azk_detect_ctx *ctx);

/* Reset per-object state (column kinds, header detection) for a new object. */
void azk_detect__object_begin(azk_detect_ctx *ctx, const char *format);

/*
 * Detect in one record. Findings overlapping each other are resolved
 * (longest, then most specific type wins), allow-listed ones are counted
 * in *excluded (may be NULL) and not reported.
 */
AZK_NODISCARD azk_status azk_detect__record(azk_detect_ctx *ctx, const azk_record *rec,
                                            azk_finding_cb cb, void *payload, size_t *excluded);

/* Column kinds of the current tabular object (after its header row); NULL if none. */
const azk_column_kind *azk_detect__columns(const azk_detect_ctx *ctx, size_t *count);

/* Per column kind, from the one table of detect/columns.c: the Japanese item
 * name of notification reports (NULL for none/other), the detector type
 * (azk_pii_type) a value of the kind is found as (-1: none), and whether the
 * linkage engine compares the kind. */
const char *azk_column_kind__name_ja(azk_column_kind k);
int azk_column_kind__pii(azk_column_kind k);
bool azk_column_kind__linked(azk_column_kind k);

/*
 * Can azk_column_classify(cell, len) be AZK_COL_BIRTH_DATE? False only when
 * it surely is not (an ASCII cell without 'b' / 'B'): a cheap screen in
 * front of the classification. Test builds: the first birth word of the
 * column tables the screen would miss, NULL when none.
 */
bool azk_column__may_name_birth(const char *cell, size_t len);
#ifdef AZK_TESTING
const char *azk_column__birth_screen_misses(void);
/* classify a header without the per-thread memo; the screen of the substring
 * rules (a word's first and third byte must be in the header) off when
 * azk_column__screen_off is set */
azk_column_kind azk_column__classify_plain(const char *header, size_t header_len);
extern bool azk_column__screen_off;
/* the i-th word of the exact and substring tables, NULL past the end */
const char *azk_column__word(size_t i);
#endif

/*
 * Risk score of one object, 0..100, from its reported findings: counts per
 * type, the number of records holding two or more types (a roster row with
 * name + address + phone), and the number of records read. A roster scores
 * far above one name in a memo. Formula: docs/internals/DETECT.md.
 */
double azk_detect__score(const size_t counts[AZK_PII__COUNT], size_t rows_with_multiple_types,
                         uint64_t records);

#endif
