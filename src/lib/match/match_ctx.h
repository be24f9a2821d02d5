/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/match_ctx.h -- what the matcher's files share (internal to
 * src/lib/match/): the context of one scan (candidates, the line ring,
 * results) and the candidate helpers match.c (the matcher) and
 * match_windows.c (name and address windows of text lines) call in each
 * other.
 */
#ifndef AZK_MATCH_CTX_H
#define AZK_MATCH_CTX_H

#include "match/match.h"

/* Accept a row when the expected number of rows matching the same families
 * by accident, N x prod(count_k x share of rows in the bucket), is at most
 * this (docs/threat-model-fingerprints.md). */
#define AZK_MATCH_MAX_CHANCE 0.001

/* A seed bucket larger than this is skipped (a value too common to start from). */
#define SEED_MAX_ROWS 512
/* Candidates kept per window. */
#define MAX_CANDS 4096
/* Slots of the window's candidate set (2^CSET_BITS >= 2 x MAX_CANDS). */
#define CSET_BITS 13

struct cand {
    uint8_t kind;
    bool finding; /* from a detector finding (a seed there starts analysis) */
    bool window;  /* a name window (add_name_windows) */
    uint8_t ev;   /* AZK_EV_* flags of the evidence (confirmation mode) */
    uint32_t src; /* the value it came from: one value counts for one family only */
    uint32_t bucket;
    uint64_t seq;                 /* record sequence number in the object */
    uint8_t h[AZK_MATCH_EV_HASH]; /* confirmation mode: hash of the normalised value */
};

/* Text kept per window line until a seed makes analysing it worthwhile. */
#define RING_MAX_TEXT (16 * 1024)

struct ring_line {
    azk_buf text;
    uint64_t seq;
    bool analysed;
    uint8_t named; /* name windows taken: NAMES_ANCHORED | NAMES_PLAIN */
};

/* Longest name window in code points (a katakana reading of family and given name). */
#define NAME_MAX_CP 12
/* Values per batch of azk_match__hash_batch, and the longest value a batch holds
 * (a name window: at most NAME_MAX_CP code points of <= 4 bytes). */
#define AZK_MATCH_BATCH_MAX   64
#define AZK_MATCH_BATCH_BYTES (NAME_MAX_CP * 4)
/* Name windows per line: bounds the work and the multiple-testing count of the evidence rule. */
#define NAME_MAX_WINDOWS 192

/* What azk_match__add_name_windows takes: honorific contexts, plain windows, or both. */
enum { NAMES_ANCHORED = 1, NAMES_PLAIN = 2 };

struct azk_match_ctx {
    const azk_fp_index *idx;
    unsigned idx_kinds; /* kinds some row of the index has a value of (bit k) */
    /* kinds whose values get their keyed hash outside the closed zone: idx_kinds (a
     * value of another kind meets no row); tests set every kind (the plain path) */
    unsigned hash_kinds;
    bool detector_seeds; /* analyse a window only when a finding brought a seed */
    bool skip_windows;   /* a detector name is in the window: name windows are ignored */
    /* per evaluation: distinct (kind, bucket) values offered per kind, kinds offered;
     * [0] over the window, [1] over the current line only */
    unsigned count[2][AZK_FP__COUNT];
    unsigned offered[2];
    bool multi_line; /* values from other lines than the current one are in the window */
    bool in_finding; /* add_value called for a finding */
    uint32_t src;    /* current source value id (new_src) */
    struct ring_line ring[AZK_MATCH_WINDOW];
    struct cand *c;
    size_t nc;
    uint64_t seq; /* current record */
    bool tabular;
    azk_buf norm;
    azk_buf tmp;
    azk_buf wprev, wcur, wjoin; /* name windows: normalised pieces */
    const azk_record *rec;
    /* hits of the object (global rows, unsorted) */
    uint64_t *hits;
    size_t nhits, caphits;
    /* per evaluation: candidate rows gathered from seed buckets, row << 32 | bit k
     * for a row found in a bucket of kind k (merged: one entry per row with its
     * kinds or-ed, the row agrees with the window on those kinds already) */
    uint64_t *seen;
    size_t nseen, capseen;
    /* merging them (merge_rows): the rows by row id, open addressing, 2^rtab_bits
     * entries (rgen << 32 | place in seen) */
    uint64_t *rtab;
    unsigned rtab_bits;
    uint32_t rgen;
    uint64_t pre_rows, pre_pass; /* azk_match__prefilter_counts */
    /* the window's candidate values (kind, bucket), open addressing, entries
     * stamped with the evaluation (cgen << 32 | key + 1): a candidate row is
     * confirmed only when its own slots hit two families here */
    uint64_t *cset;
    uint32_t cgen;
    /* the window's seed-kind candidates by (kind, code) (the row table holds a seed
     * slot's code, not its bucket): chead[kind << 8 | code] = cgen << 32 | first
     * candidate + 1, cnext[i] = next candidate + 1 of the same (kind, code), 0 = end */
    uint64_t *chead;
    uint32_t *cnext;
    /* confirmation mode (azk_match__set_confirm) */
    bool confirm;
    uint8_t ckey[AZK_FP_KEY_LEN];
    azk_match_evidence_cb ev_cb;
    void *ev_payload;
    struct azk_match_ev_item *ev;
    /* memo of keyed bucket hashes (hashmemo.c), allocated at the first value */
    struct azk_match_memo_ent *memo; /* aligned to a cache line, in memo_mem */
    void *memo_mem;
    uint64_t memo_seed;
    uint64_t memo_hits, memo_misses;
    /* values of a text line looked up together (scan_text): 0 = TEXT_BATCH; tests set 1
     * (azk_match__set_text_batch), each value looked up when found */
    unsigned text_batch;
    /* name windows of the current line waiting for their bucket (match_windows.c):
     * candidate index and bytes; hashed as one batch (azk_match__hash_batch) */
    size_t npend;
    uint32_t pend_cand[AZK_MATCH_BATCH_MAX];
    uint8_t pend_len[AZK_MATCH_BATCH_MAX];
    uint8_t pend_v[AZK_MATCH_BATCH_MAX][AZK_MATCH_BATCH_BYTES];
};

void azk_match__add_value(struct azk_match_ctx *ctx, unsigned kind, const char *s, size_t n);
void azk_match__new_src(struct azk_match_ctx *ctx);
void azk_match__add_name_windows(struct azk_match_ctx *ctx, const char *s, size_t n, uint64_t seq,
                                 unsigned what);
/* azk_fp__hasher_hash(&ctx->idx->hasher, kind, v, n), memoised per context (hashmemo.c). */
uint32_t azk_match__hash(struct azk_match_ctx *ctx, unsigned kind, const uint8_t *v, size_t n);
/* azk_match__hash of count values v[i][0..len[i]) (len[i] <= AZK_MATCH_BATCH_BYTES), into out[i].
 */
void azk_match__hash_batch(struct azk_match_ctx *ctx, unsigned kind, size_t count,
                           uint8_t (*v)[AZK_MATCH_BATCH_BYTES], const uint8_t *len, uint32_t *out);
/* What (kind, s[0..n)) as written gave before (the memo's raw entries): 1 it normalised,
 * *h its keyed hash, *mobile a mobile number; 0 it does not normalise; -1 not known, then
 * azk_match__raw_put(ctx, *tag, ...) records the answer (*tag 0: not kept). */
int azk_match__raw_get(struct azk_match_ctx *ctx, unsigned kind, const char *s, size_t n,
                       uint64_t *tag, uint32_t *h, bool *mobile);
/* Ask for the memo line of azk_match__raw_get(ctx, kind, s, n) ahead (a prefetch: no
 * effect on any answer). */
void azk_match__raw_prefetch(struct azk_match_ctx *ctx, unsigned kind, const char *s, size_t n);
void azk_match__raw_put(struct azk_match_ctx *ctx, uint64_t tag, unsigned kind, const char *s,
                        size_t n, bool ok, uint32_t h, bool mobile);
/* Wipe and free the memo (azk_match__ctx_free). */
void azk_match__memo_free(struct azk_match_ctx *ctx);
bool azk_match__line_trigger(const char *s, size_t n);
void azk_match__add_address_windows(struct azk_match_ctx *ctx, const char *s, size_t n);
/* match_values.c: the candidates of a table row, and of a text line credited to record seq */
void azk_match__analyse_row(struct azk_match_ctx *ctx, const azk_record *rec);
void azk_match__analyse_text(struct azk_match_ctx *ctx, const char *p, size_t n, uint64_t seq);
#ifdef AZK_TESTING
/* Test builds: match.c's in-place sort of row ids, and its merge of the gathered rows
 * ctx->seen[0..nseen) (tests/unit/match_sort). */
void azk_match__sort_u64(uint64_t *v, size_t n);
azk_status azk_match__merge_rows(struct azk_match_ctx *ctx);
/* Test builds: values per batch of a text line (1: each looked up when found, the plain
 * path; 0: the default). */
void azk_match__set_text_batch(struct azk_match_ctx *ctx, unsigned n);
/* Test builds: match_windows.c's test of a name code point and its decoder (ASCII inline,
 * else azk_utf8_decode) (tests/unit/match_windows). */
bool azk_match__name_cp(uint32_t cp);
size_t azk_match__decode_cp(const char *s, size_t n, uint32_t *cp);
#endif

#endif
