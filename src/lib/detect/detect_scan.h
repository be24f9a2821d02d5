/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_scan.h -- what the files of the detect stage share
 * (internal to src/lib/detect/): the engine and per-thread context, the
 * candidate and per-field state, the literal table the matcher was built
 * from, and the helpers one file's rules call in another's (numbers,
 * e-mail, dates, addresses, field scan, record resolution). Not for other
 * modules: they use detect.h.
 */
#ifndef AZK_DETECT_SCAN_H
#define AZK_DETECT_SCAN_H

#include "detect/detect.h"
#include "detect/detect_int.h"
#include "detect/names.h"
#include "norm/digits.h"

#include <hs/hs.h>
#include <string.h>

enum pat_kind { PK_ERA, PK_EMAIL, PK_LABEL, PK_PREF, PK_BLOCK };

struct lit {
    const char *s;
    uint8_t len;  /* bytes of s */
    uint8_t kind; /* enum pat_kind */
    uint8_t arg;  /* PK_LABEL: azk_column_kind; PK_PREF: index into azk_detect__prefs; PK_BLOCK: 1
                     for 番 */
};

/* Which first characters the literals have (detect_lits.c): row by the low
 * bits of a lead byte and the next byte, then a bit per third byte's low bits. */
struct lit_screen {
    bool all;      /* a literal the screen cannot express: every field goes to hs_scan */
    bool vec;      /* the CPU has AVX2: lead bytes found by the nibble tables below */
    unsigned rows; /* rows in use (mask[0] stays 0) */
    uint8_t row[1024];
    uint64_t mask[128];
    /* Eight buckets of first characters, one bit each, by four nibbles of a
     * character's bytes b0 b1 b2: b0's low one, b1's and b2's bits 4-5
     * together, b1's low one, b2's low one. A lead byte whose four nibbles
     * share a bucket bit may start a literal (then first_at decides). */
    uint8_t nib[4][32]; /* the sixteen entries twice */
    uint8_t kv[6][32];  /* byte constants of the vector screen (detect_lits.c: K_*) */
};

/*
 * Which digit runs are worth a look (run_screen.c): a run is decided on
 * the byte before it, the byte after it and its digit count by two table
 * look-ups (azk_detect__run_boring), not by a chain of compares per run
 * (logs hold a run every ~8 bytes).
 */
struct run_screen {
    uint32_t before[256];  /* class of the byte before a run, << 9 */
    uint32_t after[256];   /* class of the byte after it, << 6 */
    uint8_t verdict[3584]; /* [before | after | min(digits, 63)]: RUN_* */
};

struct azk_detect_engine {
    hs_database_t *db;
    struct lit_screen lits;  /* the byte screen in front of db */
    struct run_screen runs;  /* the digit-run screen (run_screen.c) */
    hs_database_t *allow_db; /* NULL without allow patterns */
    char **allow_keys;       /* folded allow values, sorted */
    size_t allow_key_count;
    uint32_t types;
    double min_conf;
    azk_names *names;       /* NULL when person names are not detected */
    uint32_t ascii_ends;    /* bit x - 'a': some ASCII label ends in letter x (any case) */
    bool masks_vec;         /* azk_detect__field_masks runs here (the CPU has AVX2) */
    uint8_t mask_kv[4][32]; /* its byte constants */

    /* [x - 'a'] bit w - 'a': some ASCII label ends in the letters w x (any case) */
    uint32_t ascii_pairs[26];
};

struct hit {
    uint32_t id;
    uint32_t to;
};

struct label {
    size_t end;
    azk_column_kind kind;
};

#define CF_NEEDS_NAME  1u /* an era date reported only in a row with a name */
#define CF_POSTAL_ADDR 2u /* NNN-NNNN that counts when an address follows */

struct cand {
    azk_pii_type type;
    uint32_t field;
    size_t start, len;
    double conf;
    unsigned flags;
    char masked[96];
};

struct azk_detect_ctx {
    const azk_detect_engine *eng;
    hs_scratch_t *scratch;
    hs_scratch_t *allow_scratch;
    azk_names_ctx *names_ctx;
    /* per object */
    azk_column_kind *cols;
    size_t col_count;
    bool header_seen;
    uint64_t tab_rows;
    char sheet[128]; /* xlsx: the sheet the column kinds belong to */
    /* per field / record scratch */
    struct hit *hits;
    size_t hit_count, hit_cap;
    bool hit_oom;
    struct label *labels;
    size_t label_count, label_cap;
    struct cand *cands;
    size_t cand_count, cand_cap;
    azk_buf tmp;
};

/* Hits beyond this many per field are ignored (a pathological field). */
#define MAX_HITS ((size_t)1 << 20)

/* The previous cell of a key-value row is classified (may name the value
 * after it) only up to this many bytes: longer, it is a value. */
#define PREV_CELL_MAX 36

/* Per-field state while validating. */
struct fld {
    azk_detect_ctx *c;
    const char *s;
    size_t len;
    uint32_t idx;
    azk_column_kind col;
    size_t num_done;       /* numeric tokens before this offset are handled */
    bool tabular;          /* a cell of a row */
    const azk_field *prev; /* the cell before, in a row without header */
    int prev_kind;         /* its kind as a label, -1 until needed */
    size_t b_lo, b_hi;     /* u[b_lo..b_hi) holds no 'b' of "birth" / "dob" */
    azk_status rc;
};

int azk_detect__cmp_str(const void *a, const void *b);
azk_status azk_detect__allow_key(azk_buf *b, const char *s, size_t len);
/* The literals of the matcher (detect.c): a hit's id indexes lits, then prefs. */
#define N_LITS       36
#define N_ASCII_LITS 13
extern const char *const azk_detect__prefs[47];
extern const struct lit azk_detect__lits[N_LITS];
extern const struct lit azk_detect__ascii_lits[N_ASCII_LITS];

/* The built-in database (detect_patterns.c): one pattern per literal of
 * azk_detect__lits, then one per prefecture, each with its index as id. */
#define N_BUILTIN (N_LITS + 47)
void azk_detect__builtin_patterns(const char *exprs[N_BUILTIN], unsigned flags[N_BUILTIN],
                                  unsigned ids[N_BUILTIN]);

/* The same database serialized at build time (tools/gen_hsdb.c writes
 * detect_hsdb.c): the bytes, and the Vectorscan version and platform
 * (hs_populate_platform) it was compiled with and for. */
struct azk_hsdb {
    const unsigned char *bytes;
    size_t len;
    const char *version;         /* hs_version() */
    unsigned long long features; /* hs_platform_info_t.cpu_features */
    unsigned tune;               /* hs_platform_info_t.tune */
};
extern const struct azk_hsdb azk_detect__hsdb;

/* The built-in database: deserialized from src when Vectorscan takes it and
 * this process runs the version and CPU features it was made for (then
 * *loaded), else compiled (detect.c). */
AZK_NODISCARD azk_status azk_detect__builtin_db(const struct azk_hsdb *src, hs_database_t **out,
                                                bool *loaded);
struct cand *azk_detect__cand_add(struct fld *f, azk_pii_type t, size_t start, size_t len,
                                  double conf);
azk_column_kind azk_detect__label_before(struct fld *f, size_t pos, size_t window);
bool azk_detect__label_ends_at(const struct fld *f, size_t pos);
double azk_detect__with_context(double base, azk_column_kind label, azk_column_kind col,
                                azk_column_kind kind, double ctxconf);
/* The byte screen in front of the literal matcher (detect_lits.c): false only
 * when no literal of db can occur in p[0..n). The switch is for tests. */
void azk_detect__lit_screen_build(struct lit_screen *s);
bool azk_detect__lit_may_hit(const struct lit_screen *s, const unsigned char *p, size_t n);
extern bool azk_detect__lit_screen_off;
/* Tests: true sends every field through the plain (SSE2 / byte) screen,
 * not the AVX2 nibble screen the CPU may have. */
extern bool azk_detect__lit_vec_off;
/* The digit-run screen (run_screen.c): its tables, and the switch (for
 * tests) that sends every digit run to the rules unscreened. */
/* The letter of a Japanese era written in ASCII (M T S H R, either case: S55.3.2). */
static inline bool azk_detect__is_era_letter(uint32_t a)
{
    return a == 'M' || a == 'T' || a == 'S' || a == 'H' || a == 'R' || a == 'm' || a == 't' ||
           a == 's' || a == 'h' || a == 'r';
}

void azk_detect__run_screen_build(struct run_screen *s);
extern bool azk_detect__run_screen_off;
#define RUN_BORING 0u /* no digit rule can start at the run */
#define RUN_LOOK   1u /* digit_run decides */
#define RUN_DASHED 2u /* RUN_LOOK unless a digit is before the '-' before the run */
#define RUN_YEAR   3u /* four digits before '/' or '.': only a birth label before them counts */
/* Looked at, settled in the run walk when the bytes around tell (detect_runs.c run_settle): */
#define RUN_SEP       4u /* under 7 digits before ' ' ( ): a token only with a digit after */
#define RUN_PLUS      5u /* after '+', before no - . / nor byte >= 0x80: a time zone unless +8 */
#define RUN_CELL      6u /* 7..40 digits after no letter nor ( + - . / _ # \ : one group */
#define RUN_DATE      7u /* four digits before '-' after such a byte or '-': a year, a token */
#define RUN_DATE_WORD 8u /* four digits before '-' after a letter: a year */
/* The verdict on a digit run of nd (1..63) digits between bytes pb and nb. */
static inline unsigned azk_detect__run_verdict(const struct run_screen *s, unsigned pb, unsigned nb,
                                               size_t nd)
{
    return s->verdict[s->before[pb] | s->after[nb] | nd];
}

/*
 * Is the digit run u[rs..e) of nd digits (a field of len bytes; u[rs - 1]
 * and u[e] are no ASCII digits) boring: one that digit_run would drop on
 * the bytes around it before reading anything (12:34, 1.2.3.4, id=42)?
 */
static inline bool azk_detect__run_boring(const struct run_screen *s, const unsigned char *u,
                                          size_t len, size_t rs, size_t e, size_t nd)
{
    unsigned v =
        azk_detect__run_verdict(s, rs > 0 ? u[rs - 1] : 0, e < len ? u[e] : 0, nd < 63 ? nd : 63);
    if (v == RUN_DASHED)
        return rs >= 2 && (unsigned)(u[rs - 2] - '0') < 10;
    return v == RUN_BORING; /* RUN_SEP and after: looked at */
}
azk_status azk_detect__scan_field(azk_detect_ctx *c, const azk_field *fd, uint32_t idx,
                                  azk_column_kind col, bool tabular, const azk_field *prev);
/*
 * The digit and 0xEF masks of every 64-byte block of a field of 64 up to
 * FIELD_MASK_MAX bytes (m[2k], m[2k + 1] for block k) and whether a byte
 * is >= 0x80 or '@', in one AVX2 pass (detect_masks.c). Used when
 * engine.masks_vec: azk_detect__field_masks_usable() tells at engine build
 * and sets the byte constants. The switch (for tests) makes the field scan
 * take needs_matcher and the SSE2 masks block by block instead.
 */
#define FIELD_MASK_MAX 1024
#if defined(__x86_64__) && defined(__GNUC__) && defined(__SSE2__)
#define AZK_FIELD_MASKS 1
bool azk_detect__field_masks(const azk_detect_engine *e, const unsigned char *u, size_t len,
                             uint64_t *m);
bool azk_detect__field_masks_usable(uint8_t kv[4][32]);
#else
#define AZK_FIELD_MASKS 0
#endif
extern bool azk_detect__field_masks_off;
/* The cells of a row of a table (each scan_field's findings, in order);
 * short ASCII cells are walked with the row's set-up. The switch (for
 * tests) sends every cell through azk_detect__scan_field. */
azk_status azk_detect__scan_row(azk_detect_ctx *c, const azk_field *fields, size_t count);
extern bool azk_detect__cell_fast_off;
/* Tests: true makes a record's resolution sort its candidates with qsort
 * however few they are (detect_record.c sort_cands). */
extern bool azk_detect__resolve_sort_off;
/*
 * The character helpers of the digit scan, inline: they run for every digit
 * run and every token group (millions per GB), and an ASCII byte needs no
 * decoding.
 */
static inline bool azk_detect__is_tok_sep(uint32_t a)
{
    return a == '-' || a == ' ' || a == '(' || a == ')';
}

static inline bool azk_detect__is_alnum(uint32_t a)
{
    return (a >= '0' && a <= '9') || (a >= 'A' && a <= 'Z') || (a >= 'a' && a <= 'z');
}

/*
 * The character before `pos` (folded; 0xFFFF when it has no ASCII
 * equivalent), 0 at the start; *at gets where it starts.
 */
static inline uint32_t azk_detect__char_before(const struct fld *f, size_t pos, size_t *at)
{
    uint32_t a = 0;
    if (pos == 0) {
        *at = 0;
        return 0;
    }
    if ((unsigned char)f->s[pos - 1] < 0x80) {
        a = (unsigned char)f->s[pos - 1];
        *at = pos - 1;
    } else {
        *at = azk_digits__prev(f->s, f->len, pos, &a);
    }
    return a == 0 ? 0xFFFF : a;
}

/* The character at `pos` (folded as above), 0 at the end; *l gets its length. */
static inline uint32_t azk_detect__char_at(const struct fld *f, size_t pos, size_t *l)
{
    uint32_t a = 0;
    if (pos >= f->len) {
        *l = 0;
        return 0;
    }
    *l = azk_digits__next(f->s, f->len, pos, &a);
    return a == 0 ? 0xFFFF : a;
}
/*
 * The n (1..7) bytes at u in the low bytes of a word (little-endian, as the
 * digit masks of the field scan), zeros above: two overlapping loads, no byte
 * loop.
 */
static inline uint64_t azk_detect__load_short(const unsigned char *u, size_t n)
{
    uint32_t a, b;
    uint16_t c, d;
    if (n >= 4) {
        memcpy(&a, u, 4);
        memcpy(&b, u + n - 4, 4);
        return (uint64_t)a | ((uint64_t)b << (8 * (n - 4)));
    }
    if (n >= 2) {
        memcpy(&c, u, 2);
        memcpy(&d, u + n - 2, 2);
        return (uint64_t)c | ((uint64_t)d << (8 * (n - 2)));
    }
    return n == 1 ? u[0] : 0;
}

/*
 * The leading ASCII digits of the (up to) eight bytes at u[pos..len), pos <
 * len: returns their count (0..8) and stores the bytes in *w, low byte first
 * (zeros above the field's end). Never reads outside u[0..len): the last
 * bytes of a field come from one load that ends at len (len >= 8) or from
 * azk_detect__load_short. Exact per byte (SWAR without carries across bytes).
 */
static inline unsigned azk_detect__ascii_digits8(const unsigned char *u, size_t pos, size_t len,
                                                 uint64_t *w)
{
    const uint64_t hi = 0x8080808080808080ull, lo7 = 0x7f7f7f7f7f7f7f7full;
    size_t r = len - pos;
    uint64_t x, t, nd;
    if (r >= 8) {
        memcpy(&x, u + pos, 8);
    } else if (len >= 8) {
        memcpy(&x, u + len - 8, 8);
        x >>= 8 * (8 - r);
    } else {
        x = azk_detect__load_short(u + pos, r);
    }
    t = x ^ 0x3030303030303030ull;                       /* digits become 0..9 */
    nd = (((t & lo7) + 0x7676767676767676ull) | t) & hi; /* top bit: not a digit */
    *w = x;
    return nd == 0 ? 8u : (unsigned)__builtin_ctzll(nd) / 8u;
}

/*
 * numeric_from's verdict on a token of ASCII digits read at u[start..pos)
 * whose end is settled (nothing continues it): n digits in ng hyphen-joined
 * groups, the first of g0. pos when classify_slice can make no candidate of
 * it (no digit type has n digits in that shape, a check digit fails, seven
 * digits without a postal or account column or label), else 0: read it in
 * full. token_decided's verdict, and digit_run's for the runs it settles.
 */
static inline size_t azk_detect__token_verdict(struct fld *f, size_t start, size_t pos, size_t n,
                                               size_t ng, size_t g0)
{
    azk_column_kind lab;
    if (n == 10 || n == 11)
        return f->s[start] != '0' ? pos : 0; /* a phone number when it starts with 0 */
    if (n != 7 && (n < 12 || n > 19))
        return pos;
    if (ng > 1)
        return n == 7 && !(ng == 2 && g0 == 3) ? pos : 0;
    if (n == 13)
        return azk_detect__corporate_valid(f->s + start, n) ? 0 : pos;
    if (n == 12)
        return azk_detect__my_number_valid(f->s + start, n) ? 0 : pos;
    if (n >= 14)
        return azk_detect__card_valid(f->s + start, n) ? 0 : pos;
    if (f->col == AZK_COL_POSTAL_CODE || f->col == AZK_COL_BANK_ACCOUNT)
        return 0;
    /* at a field's start without a cell before there is no label: a
     * matcher label ends after its literal (> 0) */
    if (start == 0 && f->prev == NULL)
        return pos;
    lab = azk_detect__label_before(f, start, 48);
    return lab == AZK_COL_POSTAL_CODE || lab == AZK_COL_BANK_ACCOUNT ? 0 : pos;
}
bool azk_detect__left_ok(const struct fld *f, size_t pos, bool grouped);
bool azk_detect__invoice_prefix(const struct fld *f, size_t pos, size_t *tpos);
/*
 * Can azk_detect__invoice_prefix(f, pos, ..) be true? Only when the byte
 * before pos is 'T', a space, a hyphen or part of a non-ASCII character
 * (Ｔ, a full-width space or hyphen): a 13-digit cell needs no more
 * (tests/unit/detect_numfast checks it against the function).
 */
static inline bool azk_detect__invoice_may(const struct fld *f, size_t pos)
{
    unsigned b = pos > 0 ? (unsigned char)f->s[pos - 1] : 0;
    return b == 'T' || b == ' ' || b == '-' || b >= 0x80;
}
void azk_detect__numeric_from(struct fld *f, size_t start, size_t to);
/* Tests: true makes numeric_from read and classify every token the plain
 * way (token_read, no verdict before reading) and azk_detect__block_at step
 * back with azk_digits__prev. */
extern bool azk_detect__numfast_off;
void azk_detect__email_at(struct fld *f, size_t to);
void azk_detect__date_after(struct fld *f, size_t pos, size_t window, double conf, bool allow_time);
void azk_detect__era_at(struct fld *f, size_t start);
uint32_t azk_detect__cp_at(const struct fld *f, size_t pos, size_t *l);
size_t azk_detect__read_blocknum(const struct fld *f, size_t pos);
bool azk_detect__at_lit(const struct fld *f, size_t pos, const char *lit);
/* Whether s[0..n) is a municipality stem of places.h (a hash set); _sorted
 * is the binary search of the sorted list it must agree with. */
bool azk_detect__place_known(const char *s, size_t n);
bool azk_detect__place_known_sorted(const char *s, size_t n);
void azk_detect__prefecture_at(struct fld *f, size_t pref, size_t to);
void azk_detect__block_at(struct fld *f, size_t to);
void azk_detect__address_cell(struct fld *f);

#endif
