/* SPDX-License-Identifier: Apache-2.0 */
/*
 * link/link_int.h -- internals of the record linkage engine shared by its
 * files: prepared records (normalised strings in one arena), comparison
 * levels, blocking keys, EM parameters and clustering.
 *
 * Flow (link.c): add() -> prep.c normalises a record into the arena;
 * run() -> dedupe exact normalised duplicates (link.c) -> term frequencies
 * (link.c) -> blocks and candidate pairs with their comparison vectors
 * (block.c, compare.c, worker threads) -> EM over the histogram of
 * comparison vectors (em.c) -> scoring and constrained clustering
 * (cluster.c).
 */
#ifndef AZK_LINK_INT_H
#define AZK_LINK_INT_H

#include "azukari/link.h"
#include "util/util.h"

/* String slots of a prepared record; each at most 255 bytes of UTF-8. */
enum {
    S_NAME = 0, /* kanji (or latin) full name, folded, no spaces */
    S_FAM,      /* family part, when known */
    S_GIV,      /* given part, when known */
    S_KANA,     /* kana reading, folded to katakana, no spaces */
    S_KFAM,
    S_KGIV,
    S_ADDR,      /* whole address, normalised, no spaces */
    S_ADDR_BASE, /* address without building / room */
    S_ADDR_CITY, /* prefecture + city (+ ward) */
    S_POSTAL,    /* 7 digits (or whatever digits were given) */
    S_PHONE1,    /* digits */
    S_PHONE2,
    S_EMAIL, /* lower-cased */
    S_ID,    /* identifier digits/letters */
    S__COUNT
};

#define LREC_UNUSABLE 0x1u
/* Generation marker written after the name (prep.c): 父, 母, Sr … or 長男,
 * 長女, Jr …; never part of the normalised name. */
#define LREC_ELDER   0x2u
#define LREC_YOUNGER 0x4u
#define LREC_GEN     (LREC_ELDER | LREC_YOUNGER)

struct lrec {
    uint64_t off; /* arena offset of the first slot; slots follow each other */
    uint8_t len[S__COUNT];
    uint8_t flags;
    uint32_t birth; /* yyyymmdd, 0 = missing */
    uint32_t rep;   /* index of the distinct record (rep table) */
    uint32_t file;  /* caller's file number */
    uint64_t row;   /* caller's row number */
};

/* Number of levels per field (without "missing"). */
#define NAME_LEVELS   7
#define BIRTH_LEVELS  4
#define ADDR_LEVELS   5
#define POSTAL_LEVELS 3
#define PHONE_LEVELS  3
#define EMAIL_LEVELS  2
#define ID_LEVELS     3

enum {
    NL_EXACT = 0,
    NL_KANA_EXACT,
    NL_KANJI_EXACT,
    NL_FUZZY,
    NL_GIVEN_ONLY,
    NL_FAMILY_ONLY,
    NL_DIFF
};
enum { BL_EXACT = 0, BL_SWAP, BL_TYPO, BL_DIFF };
enum { AL_EXACT = 0, AL_BASE, AL_FUZZY, AL_CITY, AL_DIFF };

#define LEVEL_MISSING 0xffu
#define MAX_LEVELS    8

/* A comparison: one level per field (LEVEL_MISSING when missing). */
struct cmp {
    uint8_t level[AZK_LINK_F__COUNT];
    uint8_t contradiction; /* 0 none, 1 birth_date, 2 given_name, 3 personal_contact */
    uint8_t personal;      /* a mobile number or the e-mail agrees */
};

/* gamma index: mixed radix over (levels + 1) per field, for the histogram. */
uint32_t azk_link__gamma_index(const struct cmp *c);
uint32_t azk_link__gamma_count(void);
void azk_link__gamma_decode(uint32_t g, struct cmp *c);

/* A candidate pair of distinct records (rep indices) and its gamma. */
struct pair {
    uint32_t a, b;
    uint32_t gamma; /* bit 31: contradiction */
};
#define PAIR_CONTRA   0x80000000u
#define PAIR_PERSONAL 0x40000000u /* cmp.personal */
#define PAIR_GAMMA    0x3fffffffu

/* Blocking keys. */
/* Blocking key types (block.c); a pair is compared in the first it shares. */
enum { KT_KANA = 0, KT_NAME, KT_BIRTH, KT_PHONE, KT_ADDR, KT_EMAIL, KT_ID, KT__COUNT };
/* Key slots: a key type may have several values per record (two phones;
 * birth date with the initials of the family and the given name). */
enum {
    KS_KANA = 0,
    KS_NAME,
    KS_BIRTH1, /* birth date + first kana of the reading (family initial) */
    KS_BIRTH2, /* birth date + first character of the name */
    KS_BIRTH3, /* birth date + first kana of the given reading */
    KS_BIRTH4, /* birth date + first character of the given name */
    KS_PHONE1,
    KS_PHONE2,
    KS_ADDR,
    KS_EMAIL,
    KS_ID,
    KS__COUNT
};

struct azk_link {
    azk_link_options opts;
    struct lrec *recs;
    size_t rec_count, rec_cap;
    uint8_t *arena;
    size_t arena_len, arena_cap;

    /* distinct records: rep -> first record index */
    uint32_t *reps;
    size_t rep_count;
    /* term frequencies per rep (share of distinct records with the value) */
    float *tf_name, *tf_kana, *tf_giv;
    double mean_tf_name, mean_tf_kana, mean_tf_giv;

    /* EM parameters per field and level */
    double m[AZK_LINK_F__COUNT][MAX_LEVELS];
    double u[AZK_LINK_F__COUNT][MAX_LEVELS];
    double lambda;                /* prior of a random pair of distinct records */
    double lambda_key[KT__COUNT]; /* share of matches among each key's candidates */

    /* clustering result: person per rep (0-based cluster root order) */
    uint64_t *person_of_rep;
    bool ran;
    azk_link_stats stats;
};

/* input.c: azk_link_add_file() over any source (fuzzer, tests). */
struct azk_source;
AZK_NODISCARD azk_status azk_link__add_source(azk_link *lk, struct azk_source *src, uint32_t file,
                                              const azk_link_file_options *opts,
                                              azk_link_file_result *res);

/* prep.c: normalise values into a new record appended to lk. */
AZK_NODISCARD azk_status azk_link__prep(azk_link *lk, const azk_link_value *values, size_t count,
                                        struct lrec *out);

static inline const char *lrec_str(const azk_link *lk, const struct lrec *r, int slot, size_t *len)
{
    uint64_t off = r->off;
    for (int i = 0; i < slot; i++)
        off += r->len[i];
    *len = r->len[slot];
    return (const char *)lk->arena + off;
}

/* compare.c */
void azk_link__compare(const azk_link *lk, const struct lrec *a, const struct lrec *b,
                       struct cmp *out);
double azk_link__jw_cp(const uint32_t *a, size_t an, const uint32_t *b, size_t bn);

/* Histograms of gammas: one per key type (candidate pairs first found in
 * that key) and one of random pairs (for u). */
struct hists {
    uint64_t *key[KT__COUNT];   /* every candidate pair sharing the key */
    uint64_t *first[KT__COUNT]; /* pairs compared under the key (first shared) */
    uint64_t *random;
    uint64_t random_pairs;
};

/* block.c: every candidate pair (deduplicated across keys) with its gamma,
 * and the histograms. */
AZK_NODISCARD azk_status azk_link__pairs(azk_link *lk, struct pair **pairs_out,
                                         size_t *pair_count_out, struct hists *h);
void azk_link__hists_dispose(struct hists *h);

/* em.c */
void azk_link__em(azk_link *lk, const struct hists *h);
double azk_link__pair_weight(const azk_link *lk, uint32_t ra, uint32_t rb, const struct cmp *c,
                             double tf_adj[AZK_LINK_F__COUNT]);

/* cluster.c */
AZK_NODISCARD azk_status azk_link__cluster(azk_link *lk, struct pair *pairs, size_t pair_count);

/* 64-bit hash of bytes (FNV-1a variant with a final mix). */
uint64_t azk_link__hash(const void *p, size_t n, uint64_t seed);

#endif
