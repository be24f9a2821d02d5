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
/* Since the context was made: distinct candidate rows evaluated (per record) and
 * how many of them passed the pre-filter to the full rule (tests, bench). */
void azk_match__prefilter_counts(const struct azk_match_ctx *ctx, uint64_t *rows, uint64_t *passed);

/* ---- closed-zone confirmation (impact): exact evidence ----------------------
 *
 * Buckets are truncated keyed hashes: two families agreeing on buckets is a
 * candidate, right with a probability that depends on the scanning key
 * (docs/threat-model-fingerprints.md). Where the records can be decrypted
 * (impact, in the closed zone), a candidate is confirmed against the
 * record's actual values instead: the matcher, given a confirmation key,
 * hands each candidate's evidence (every value of the evaluated window as
 * a 128-bit keyed hash of its normalised form, never the value) to a
 * callback; azk_match__confirm_exact compares it with the record's own
 * values hashed the same way. Equality of 128-bit hashes is equality of
 * values (a chance collision is 2^-128 per pair), so the confirmed set
 * does not depend on the scanning key nor on the confirmation key.
 */
#define AZK_MATCH_EV_HASH 16

enum {
    AZK_EV_DEFINITE = 1, /* a detector finding or a name marked by an honorific: says who */
    AZK_EV_WINDOW = 2,   /* a name window (a substring of a run of name characters) */
    AZK_EV_CUT = 4,   /* a window whose end is not the end of its run (佐藤優 of 佐藤優子) */
    AZK_EV_MOBILE = 8 /* a phone number of a mobile (070, 080, 090): one person's */
};

struct azk_match_ev_item {
    uint8_t kind;  /* enum azk_fp_kind */
    uint8_t age;   /* window line: 0 = the line evaluated, 1 and 2 the ones before */
    uint8_t flags; /* AZK_EV_* */
    uint32_t src;  /* the value it came from (one value counts for one family) */
    uint8_t h[AZK_MATCH_EV_HASH];
};

/* Called from the scanning threads (concurrently: the callee locks) for every
 * candidate row, row 1-based in its dataset; items borrowed for the call. */
typedef azk_status (*azk_match_evidence_cb)(const char *client, const char *dataset, uint64_t row,
                                            const struct azk_match_ev_item *items, size_t count,
                                            void *payload);

/*
 * Confirmation mode: the evidence rule's threshold and the seed bucket
 * limit are lifted (the exact check decides; the bucket rule only bounds
 * the work: a row with two agreeing families is a candidate whatever the
 * key), and every candidate's evidence goes to cb. key: 32 bytes, copied.
 */
void azk_match__set_confirm(struct azk_match_ctx *ctx, const uint8_t key[AZK_FP_KEY_LEN],
                            azk_match_evidence_cb cb, void *payload);

/* 128-bit keyed hash of a normalised value of kind (the hash of the evidence). */
void azk_match__ev_hash(const uint8_t key[AZK_FP_KEY_LEN], unsigned kind, const uint8_t *v,
                        size_t n, uint8_t out[AZK_MATCH_EV_HASH]);

/* An entrusted record's own values, hashed as evidence is (azk_match__row_values). */
struct azk_match_row {
    uint8_t h[AZK_FPS__COUNT][AZK_MATCH_EV_HASH];
    uint32_t present; /* bit s: slot s holds a valid value */
    uint32_t mobile;  /* bit s: phone slot s holds a mobile number (070, 080, 090) */
    double q_name;    /* share of people with this full name (namefreq.c); 0: the fixed 1e-5 */
    uint32_t twins;   /* the dataset's rows with this full name and birth date, the row itself
                         included (namefreq.c); 0: not counted */
    double people;    /* M: people the files mention besides the records (impact's option);
                         0: max(AZK_MATCH_PEOPLE, 10 x rows) */
};

/*
 * One slot's value of a record (azk_fp__slot_kind[s]) normalised and hashed with key into out;
 * *found false when the record has none (norm then holds nothing useful).
 */
AZK_NODISCARD azk_status azk_match__slot_value(const uint8_t key[AZK_FP_KEY_LEN],
                                               const uint8_t *kinds, size_t kind_count,
                                               const azk_record *rec, unsigned s, azk_buf *tmp,
                                               azk_buf *norm, uint8_t out[AZK_MATCH_EV_HASH],
                                               bool *found);

/*
 * Fill row from a decrypted record and its columns' kinds (as intake
 * assigned them: azk_column_kind per field), normalised and hashed with
 * key. tmp, norm: scratch buffers (wiped by the caller).
 */
AZK_NODISCARD azk_status azk_match__row_values(struct azk_match_row *row,
                                               const uint8_t key[AZK_FP_KEY_LEN],
                                               const uint8_t *kinds, size_t kind_count,
                                               const azk_record *rec, azk_buf *tmp, azk_buf *norm);

/*
 * The confirmation rule (docs/threat-model-fingerprints.md, "Confirmed
 * attributions"): on the evaluated line alone or on the window, at least
 * two families agree exactly (an address and its postal code are one
 * family: a household's place), one of them a seed (name, phone, e-mail,
 * address, my number); three when a line that agreed also holds a
 * definite value of a kind the record has that does not agree (another
 * person's name, birth date, phone, e-mail on the line); and the expected
 * number of the dataset's rows agreeing by chance with a person who is not
 * entrusted, rows x prod(q_family), at most AZK_MATCH_CONFIRM_MAX_CHANCE.
 */
#define AZK_MATCH_CONFIRM_MAX_CHANCE 1e-6
/*
 * Name and birth date only (a free-text note; docs/threat-model-fingerprints.md, "Name + birth
 * date"): the question is whether the line is about the record or about another person with
 * the same full name and birth date whom the contractor's files also mention. Among
 * AZK_MATCH_PEOPLE (at least 10 x the dataset's rows; or the people impact is told) people
 * mentioned, that is
 * people x q_name x q_birth expected namesakes born the same day; the row is confirmed when
 * that is at most AZK_MATCH_NAME_BIRTH_MAX (each such attribution wrong at most 1 time in
 * 1,000), its name's share is estimated from its dataset (q_name > 0: family and given name)
 * and no other row of the dataset has the same full name and birth date (twins == 1).
 */
#define AZK_MATCH_PEOPLE         1e6
#define AZK_MATCH_NAME_BIRTH_MAX 1e-3
double azk_match__name_birth_other(double q_name, uint64_t rows, double people);
enum azk_confirm {
    AZK_CONFIRM_NO = 0,   /* the values differ: the fingerprints pointed at another record */
    AZK_CONFIRM_PROBABLE, /* the values agree, but a namesake would show the same (name and
                             birth date only; name and address: a child named after a parent) */
    AZK_CONFIRM_YES       /* agree beyond AZK_MATCH_CONFIRM_MAX_CHANCE */
};
/*
 * The expected number of a dataset's rows (rows) whose values a person who
 * is not entrusted shows by chance, when the families of matched (bit =
 * enum azk_fp_kind) agree exactly; landline: the phone that agreed is a
 * fixed line (a household's, like an address). A stranger and a member of
 * the record's household are both counted (confirm.c). The general zone
 * asks the same of bucket matches (match.c), so that it attributes only
 * what exact values could confirm.
 */
double azk_match__chance(unsigned matched, bool landline, uint64_t rows, double q_name);

/*
 * A dataset's family and given names, and its (full name, birth date)
 * pairs, counted (match/namefreq.c, closed zone, keyed hashes in memory
 * only), and a record's full-name share estimated from the counts (0 when
 * its name cannot be split).
 */
struct azk_match_namefreq;
AZK_NODISCARD azk_status azk_match__namefreq_new(struct azk_match_namefreq **out);
void azk_match__namefreq_free(struct azk_match_namefreq *nf);
AZK_NODISCARD azk_status azk_match__namefreq_add(struct azk_match_namefreq *nf,
                                                 const uint8_t key[AZK_FP_KEY_LEN],
                                                 const uint8_t *kinds, size_t kind_count,
                                                 const azk_record *rec, azk_buf *tmp,
                                                 azk_buf *norm);
double azk_match__namefreq_q(const struct azk_match_namefreq *nf, const uint8_t key[AZK_FP_KEY_LEN],
                             const uint8_t *kinds, size_t kind_count, const azk_record *rec,
                             azk_buf *tmp, azk_buf *norm);
/* How many of the dataset's rows have the record's full name and birth date (itself
 * included; 0: the record has no name or no birth date, or the count failed). */
AZK_NODISCARD azk_status azk_match__namefreq_twins(const struct azk_match_namefreq *nf,
                                                   const uint8_t key[AZK_FP_KEY_LEN],
                                                   const uint8_t *kinds, size_t kind_count,
                                                   const azk_record *rec, azk_buf *tmp,
                                                   azk_buf *norm, uint32_t *twins);

enum azk_confirm azk_match__confirm_exact(const struct azk_match_row *row,
                                          const struct azk_match_ev_item *items, size_t count,
                                          uint64_t dataset_rows);

/*
 * What a confirmation rests on (docs/threat-model-fingerprints.md, "The basis of a confirmed
 * record"). Every confirmed record keeps the per-line bound; per attribution (given that the
 * line shows the record's values, how likely is it about someone else) two shapes are weaker:
 *   NAME_BIRTH  name and birth date only: another person of that name born that day whom the
 *               files mention, azk_match__name_birth_other (at most 1e-3);
 *   HOUSEHOLD   a household's values (address, postal code, fixed line) and at most the name:
 *               a co-resident of the same full name (AZK_MATCH_CORESIDENTS x the given-name
 *               share within a household, 2.5e-4), or any co-resident when no name agreed;
 *   STRICT      everything else: another person shows the values at most 1e-6 per record.
 */
enum azk_match_basis { AZK_BASIS_STRICT = 0, AZK_BASIS_HOUSEHOLD, AZK_BASIS_NAME_BIRTH };
/* co-residents of a person (P_COHABIT x 1.25e8, confirm.c) */
#define AZK_MATCH_CORESIDENTS 2.5
struct azk_match_verdict {
    enum azk_confirm c;
    enum azk_match_basis basis; /* when c is YES */
    double other; /* when c is YES: the chance the attribution is about someone else (0 for
                     STRICT: at most 1e-6) */
};
/* azk_match__confirm_exact, with the basis of a YES: the strongest of the windows' */
void azk_match__confirm_verdict(const struct azk_match_row *row,
                                const struct azk_match_ev_item *items, size_t count,
                                uint64_t dataset_rows, struct azk_match_verdict *v);

#endif
