/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect.c -- the detect stage (detect.h): one Vectorscan block-mode
 * database with every candidate pattern, scanned once per field; the
 * candidates are validated and scored in C with their context (labels near
 * the value, the column kind from the header, the rest of the row), then
 * overlapping ones are resolved, allow-listed ones counted and the rest
 * reported with a masked rendering.
 *
 * The patterns are triggers, not the grammar: a numeric trigger only says
 * "a digit token starts at a boundary here"; C then reads the whole token
 * (digit groups with their separators) and decides what it is. Triggers
 * are written in bytes (no HS_FLAG_UTF8) with the UTF-8 sequences of
 * full-width digits and hyphen look-alikes spelled out, so a field that is
 * not valid UTF-8 can never reach undefined behaviour inside the matcher.
 * No pattern needs start-of-match: starts are found by bounded backward
 * scanning. See docs/internals/DETECT.md for the rules of every type.
 */
#include "detect/detect.h"
#include "detect/detect_int.h"
#include "detect/names.h"
#include "norm/norm.h"
#include "detect/places.h"
#include "norm/digits.h"
#include "norm/datetime.h"

#include <hs/hs.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- patterns ------------------------------------------------------------ */

/*
 * What Vectorscan looks for: one alternation of literals (labels, era
 * names, prefectures, '@', address block units), Japanese ones as written
 * and ASCII ones case-insensitively. A single literal alternation lets
 * Vectorscan use its pure-literal matcher, several GB/s on logs. Which
 * literal ended at a match offset is looked up in C (matches are rare).
 * Digit tokens are found by a byte loop in C instead of digit-class
 * patterns: digits are everywhere in logs, and a class-led pattern would
 * run an automaton over every one of them.
 */
enum pat_kind { PK_ERA, PK_EMAIL, PK_LABEL, PK_PREF, PK_BLOCK };

struct lit {
    const char *s;
    uint8_t len;  /* bytes of s */
    uint8_t kind; /* enum pat_kind */
    uint8_t arg;  /* PK_LABEL: azk_column_kind; PK_PREF: index into prefs; PK_BLOCK: 1 for 番 */
};

static const char *const prefs[47] = {
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県",   "福島県", "茨城県",
    "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県",
    "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県",   "愛知県", "三重県",
    "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県",
    "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県",   "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
};

/* Literals matched as written (no regex metacharacters in them). */
static const struct lit lits[] = {
    {"@", sizeof("@") - 1, PK_EMAIL, 0},
    {"＠", sizeof("＠") - 1, PK_EMAIL, 0},
    {"明治", sizeof("明治") - 1, PK_ERA, 0},
    {"大正", sizeof("大正") - 1, PK_ERA, 0},
    {"昭和", sizeof("昭和") - 1, PK_ERA, 0},
    {"平成", sizeof("平成") - 1, PK_ERA, 0},
    {"令和", sizeof("令和") - 1, PK_ERA, 0},
    {"丁目", sizeof("丁目") - 1, PK_BLOCK, 0},
    {"番地", sizeof("番地") - 1, PK_BLOCK, 0},
    {"番", sizeof("番") - 1, PK_BLOCK, 1},
    {"電話", sizeof("電話") - 1, PK_LABEL, AZK_COL_PHONE},
    {"℡", sizeof("℡") - 1, PK_LABEL, AZK_COL_PHONE},
    {"携帯", sizeof("携帯") - 1, PK_LABEL, AZK_COL_PHONE},
    {"ファックス", sizeof("ファックス") - 1, PK_LABEL, AZK_COL_PHONE},
    {"連絡先", sizeof("連絡先") - 1, PK_LABEL, AZK_COL_PHONE},
    {"ＴＥＬ", sizeof("ＴＥＬ") - 1, PK_LABEL, AZK_COL_PHONE},
    {"〒", sizeof("〒") - 1, PK_LABEL, AZK_COL_POSTAL_CODE},
    {"郵便", sizeof("郵便") - 1, PK_LABEL, AZK_COL_POSTAL_CODE},
    {"生年月日", sizeof("生年月日") - 1, PK_LABEL, AZK_COL_BIRTH_DATE},
    {"誕生日", sizeof("誕生日") - 1, PK_LABEL, AZK_COL_BIRTH_DATE},
    {"生まれ", sizeof("生まれ") - 1, PK_LABEL, AZK_COL_BIRTH_DATE},
    {"生年", sizeof("生年") - 1, PK_LABEL, AZK_COL_BIRTH_DATE},
    {"口座", sizeof("口座") - 1, PK_LABEL, AZK_COL_BANK_ACCOUNT},
    {"普通", sizeof("普通") - 1, PK_LABEL, AZK_COL_BANK_ACCOUNT},
    {"当座", sizeof("当座") - 1, PK_LABEL, AZK_COL_BANK_ACCOUNT},
    {"店番", sizeof("店番") - 1, PK_LABEL, AZK_COL_BANK_ACCOUNT},
    {"支店", sizeof("支店") - 1, PK_LABEL, AZK_COL_BANK_ACCOUNT},
    {"預金", sizeof("預金") - 1, PK_LABEL, AZK_COL_BANK_ACCOUNT},
    {"貯蓄", sizeof("貯蓄") - 1, PK_LABEL, AZK_COL_BANK_ACCOUNT},
    {"カード", sizeof("カード") - 1, PK_LABEL, AZK_COL_CREDIT_CARD},
    {"クレジット", sizeof("クレジット") - 1, PK_LABEL, AZK_COL_CREDIT_CARD},
    {"マイナンバー", sizeof("マイナンバー") - 1, PK_LABEL, AZK_COL_MY_NUMBER},
    {"個人番号", sizeof("個人番号") - 1, PK_LABEL, AZK_COL_MY_NUMBER},
    {"法人番号", sizeof("法人番号") - 1, PK_LABEL, AZK_COL_CORPORATE_NUMBER},
    {"住所", sizeof("住所") - 1, PK_LABEL, AZK_COL_ADDRESS},
    {"所在地", sizeof("所在地") - 1, PK_LABEL, AZK_COL_ADDRESS},
};

/* ASCII labels, matched case-insensitively. */
static const struct lit ascii_lits[] = {
    {"tel", sizeof("tel") - 1, PK_LABEL, AZK_COL_PHONE},
    {"fax", sizeof("fax") - 1, PK_LABEL, AZK_COL_PHONE},
    {"phone", sizeof("phone") - 1, PK_LABEL, AZK_COL_PHONE},
    {"mobile", sizeof("mobile") - 1, PK_LABEL, AZK_COL_PHONE},
    {"zip", sizeof("zip") - 1, PK_LABEL, AZK_COL_POSTAL_CODE},
    {"postal", sizeof("postal") - 1, PK_LABEL, AZK_COL_POSTAL_CODE},
    {"birth", sizeof("birth") - 1, PK_LABEL, AZK_COL_BIRTH_DATE},
    {"dob", sizeof("dob") - 1, PK_LABEL, AZK_COL_BIRTH_DATE},
    {"card", sizeof("card") - 1, PK_LABEL, AZK_COL_CREDIT_CARD},
    {"mynumber", sizeof("mynumber") - 1, PK_LABEL, AZK_COL_MY_NUMBER},
    {"my number", sizeof("my number") - 1, PK_LABEL, AZK_COL_MY_NUMBER},
    {"corporate number", sizeof("corporate number") - 1, PK_LABEL, AZK_COL_CORPORATE_NUMBER},
    {"address", sizeof("address") - 1, PK_LABEL, AZK_COL_ADDRESS},
};

#define N_LITS       (sizeof(lits) / sizeof(lits[0]))
#define N_ASCII_LITS (sizeof(ascii_lits) / sizeof(ascii_lits[0]))

/* ---- engine and context ---------------------------------------------------- */

struct azk_detect_engine {
    hs_database_t *db;
    hs_database_t *allow_db; /* NULL without allow patterns */
    char **allow_keys;       /* folded allow values, sorted */
    size_t allow_key_count;
    uint32_t types;
    double min_conf;
    azk_names *names; /* NULL when person names are not detected */
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

/*
 * One pattern per literal, its id the index (lits[], then prefs[] from
 * N_LITS): a hit names its literal, so scan_field dispatches without
 * comparing every literal at every hit.
 */
static azk_status compile_builtin(hs_database_t **out)
{
    const char *exprs[N_LITS + 47];
    unsigned ids[N_LITS + 47];
    unsigned flags[N_LITS + 47];
    hs_compile_error_t *err = NULL;
    size_t i;
    for (i = 0; i < N_LITS + 47; i++) {
        exprs[i] = i < N_LITS ? lits[i].s : prefs[i - N_LITS];
        ids[i] = (unsigned)i;
        flags[i] = 0;
    }
    if (hs_compile_multi(exprs, flags, ids, (unsigned)(N_LITS + 47), HS_MODE_BLOCK, NULL, out,
                         &err) != HS_SUCCESS) {
        hs_free_compile_error(err);
        return azk_error_set(AZK_ERR_FORMAT, "detect: built-in patterns do not compile");
    }
    return AZK_OK;
}

static azk_status compile_allow(hs_database_t **out, const azk_detect_options *o)
{
    azk_status rc = AZK_OK;
    char **exprs = NULL;
    unsigned *flags = NULL, *ids = NULL;
    hs_compile_error_t *err = NULL;
    size_t i;
    *out = NULL;
    if (o->allow_pattern_count == 0)
        return AZK_OK;
    if (o->allow_pattern_count > 100000)
        return azk_error_set(AZK_ERR_LIMIT, "detect: too many allow patterns");
    exprs = azk_calloc(o->allow_pattern_count, sizeof(*exprs));
    flags = azk_calloc(o->allow_pattern_count, sizeof(*flags));
    ids = azk_calloc(o->allow_pattern_count, sizeof(*ids));
    if (exprs == NULL || flags == NULL || ids == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (i = 0; i < o->allow_pattern_count; i++) {
        azk_buf b = AZK_BUF_INIT;
        /* the whole value must match */
        rc = azk_buf_printf(&b, "^(?:%s)$", o->allow_patterns[i] ? o->allow_patterns[i] : "");
        if (rc != AZK_OK) {
            azk_buf_dispose(&b);
            goto done;
        }
        exprs[i] = azk_buf_detach(&b);
        flags[i] = HS_FLAG_UTF8 | HS_FLAG_SINGLEMATCH;
        ids[i] = (unsigned)i;
    }
    if (hs_compile_multi((const char *const *)exprs, flags, ids, (unsigned)o->allow_pattern_count,
                         HS_MODE_BLOCK, NULL, out, &err) != HS_SUCCESS) {
        int bad = err != NULL ? err->expression : -1;
        hs_free_compile_error(err);
        rc = azk_error_set(AZK_ERR_ARG, "detect: allow pattern %d does not compile", bad);
        *out = NULL;
        goto done;
    }
done:
    if (exprs != NULL) {
        for (i = 0; i < o->allow_pattern_count; i++)
            azk_free(exprs[i]);
    }
    azk_free(exprs);
    azk_free(flags);
    azk_free(ids);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static azk_status allow_key(azk_buf *b, const char *s, size_t len)
{
    azk_buf_clear(b);
    return azk_digits__fold(b, s, len, true, true);
}

azk_status azk_detect__engine_new(azk_detect_engine **out, const azk_detect_options *opts)
{
    azk_status rc;
    azk_detect_engine *e = NULL;
    azk_detect_options defaults = AZK_DETECT_OPTIONS_INIT;
    azk_buf b = AZK_BUF_INIT;
    size_t i;
    AZK_ASSERT_ARG(out != NULL);
    *out = NULL;
    if (opts == NULL)
        opts = &defaults;
    e = azk_calloc(1, sizeof(*e));
    if (e == NULL)
        return azk_error_nomem();
    e->types = opts->types == 0 ? (1u << AZK_PII__COUNT) - 1 : opts->types;
    e->min_conf = opts->min_confidence;
    rc = compile_builtin(&e->db);
    if (rc != AZK_OK)
        goto done;
    rc = compile_allow(&e->allow_db, opts);
    if (rc != AZK_OK)
        goto done;
    if (opts->allow_value_count > 0) {
        e->allow_keys = azk_calloc(opts->allow_value_count, sizeof(char *));
        if (e->allow_keys == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        for (i = 0; i < opts->allow_value_count; i++) {
            const char *v = opts->allow_values[i] ? opts->allow_values[i] : "";
            rc = allow_key(&b, v, strlen(v));
            if (rc != AZK_OK)
                goto done;
            e->allow_keys[e->allow_key_count++] = azk_buf_detach(&b);
        }
        qsort(e->allow_keys, e->allow_key_count, sizeof(char *), cmp_str);
    }
    if (e->types & (1u << AZK_PII_PERSON_NAME)) {
        rc = azk_names__new(&e->names, opts->mecab_dicdir);
        if (rc != AZK_OK)
            goto done;
    }
    *out = e;
    e = NULL;
    rc = AZK_OK;
done:
    azk_buf_dispose(&b);
    azk_detect__engine_free(e);
    return rc;
}

void azk_detect__engine_free(azk_detect_engine *e)
{
    size_t i;
    if (e == NULL)
        return;
    hs_free_database(e->db);
    hs_free_database(e->allow_db);
    for (i = 0; i < e->allow_key_count; i++)
        azk_free(e->allow_keys[i]);
    azk_free(e->allow_keys);
    azk_names__free(e->names);
    azk_free(e);
}

azk_status azk_detect__ctx_new(azk_detect_ctx **out, const azk_detect_engine *eng)
{
    azk_status rc = AZK_OK;
    azk_detect_ctx *c;
    AZK_ASSERT_ARG(out != NULL && eng != NULL);
    *out = NULL;
    c = azk_calloc(1, sizeof(*c));
    if (c == NULL)
        return azk_error_nomem();
    c->eng = eng;
    if (hs_alloc_scratch(eng->db, &c->scratch) != HS_SUCCESS) {
        rc = azk_error_set(AZK_ERR_NOMEM, "detect: cannot allocate matcher scratch");
        goto done;
    }
    if (eng->allow_db != NULL && hs_alloc_scratch(eng->allow_db, &c->allow_scratch) != HS_SUCCESS) {
        rc = azk_error_set(AZK_ERR_NOMEM, "detect: cannot allocate matcher scratch");
        goto done;
    }
    if (eng->names != NULL) {
        rc = azk_names__ctx_new(&c->names_ctx, eng->names);
        if (rc != AZK_OK)
            goto done;
    }
    *out = c;
    c = NULL;
done:
    azk_detect__ctx_free(c);
    return rc;
}

void azk_detect__ctx_free(azk_detect_ctx *c)
{
    if (c == NULL)
        return;
    hs_free_scratch(c->scratch);
    hs_free_scratch(c->allow_scratch);
    azk_names__ctx_free(c->names_ctx);
    azk_free(c->cols);
    azk_free(c->hits);
    azk_free(c->labels);
    azk_free(c->cands);
    azk_buf_dispose(&c->tmp);
    azk_free(c);
}

void azk_detect__object_begin(azk_detect_ctx *c, const char *format)
{
    (void)format;
    azk_free(c->cols);
    c->cols = NULL;
    c->col_count = 0;
    c->header_seen = false;
    c->tab_rows = 0;
    c->sheet[0] = '\0';
}

const azk_column_kind *azk_detect__columns(const azk_detect_ctx *c, size_t *count)
{
    *count = c->header_seen ? c->col_count : 0;
    return c->header_seen ? c->cols : NULL;
}

/* ---- candidates ------------------------------------------------------------ */

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
    azk_status rc;
};

static bool want(const azk_detect_ctx *c, azk_pii_type t)
{
    return (c->eng->types & (1u << t)) != 0;
}

static struct cand *cand_add(struct fld *f, azk_pii_type t, size_t start, size_t len, double conf)
{
    azk_detect_ctx *c = f->c;
    struct cand *x;
    if (!want(c, t) || len == 0)
        return NULL;
    if (conf > 1.0)
        conf = 1.0;
    if (azk_array_reserve(&c->cands, &c->cand_cap, c->cand_count, sizeof(*c->cands), 32) !=
        AZK_OK) {
        f->rc = AZK_ERR_NOMEM;
        return NULL;
    }
    x = &c->cands[c->cand_count++];
    memset(x, 0, sizeof(*x));
    x->type = t;
    x->field = f->idx;
    x->start = start;
    x->len = len;
    x->conf = conf;
    return x;
}

/* Nearest label of any kind that ends at most `window` bytes before pos. */
/*
 * The nearest ASCII label (tel, zip, birth, ...; any case) that ends at
 * most `window` bytes before pos and starts at a word boundary. ASCII
 * labels are looked for here, around candidates only, rather than by the
 * matcher: short case-insensitive literals would slow it several times.
 */
static azk_column_kind ascii_label_before(const struct fld *f, size_t pos, size_t window,
                                          size_t *dist)
{
    size_t e, k, lim = pos > window ? pos - window : 0;
    const unsigned char *u = (const unsigned char *)f->s;
    uint32_t ends = 0; /* letters some label ends with (l, x, e, p, h, b, d, r, s) */
    for (k = 0; k < N_ASCII_LITS; k++)
        ends |= 1u << (((unsigned char)ascii_lits[k].s[ascii_lits[k].len - 1] | 0x20) - 'a');
    for (e = pos; e > 0 && e >= lim; e--) {
        unsigned last = u[e - 1] | 0x20;
        if (last < 'a' || last > 'z' || ((ends >> (last - 'a')) & 1u) == 0)
            continue;
        for (k = 0; k < N_ASCII_LITS; k++) {
            const char *L = ascii_lits[k].s;
            size_t n = ascii_lits[k].len;
            if ((unsigned char)L[n - 1] != last || e < n)
                continue;
            if (strncasecmp(f->s + e - n, L, n) != 0)
                continue;
            if (e - n > 0 && (((u[e - n - 1] | 0x20) >= 'a' && (u[e - n - 1] | 0x20) <= 'z')))
                continue; /* inside a word: hotel, intel, discard */
            *dist = pos - e;
            return (azk_column_kind)ascii_lits[k].arg;
        }
    }
    return AZK_COL_NONE;
}

/* Nearest label of any kind that ends at most `window` bytes before pos. */
static azk_column_kind label_before(struct fld *f, size_t pos, size_t window)
{
    const azk_detect_ctx *c = f->c;
    size_t i, d = SIZE_MAX;
    azk_column_kind k = AZK_COL_NONE, ka;
    size_t best = SIZE_MAX;
    for (i = 0; i < c->label_count; i++) {
        size_t e = c->labels[i].end;
        if (e <= pos && pos - e <= window && pos - e < best) {
            best = pos - e;
            k = c->labels[i].kind;
        }
    }
    ka = ascii_label_before(f, pos, best < window ? best : window, &d);
    if (ka != AZK_COL_NONE && d < best) {
        k = ka;
        best = d;
    }
    if (k == AZK_COL_NONE && f->prev != NULL && pos <= 16) {
        /* key-value rows: "口座番号","1234567" */
        if (f->prev_kind < 0)
            f->prev_kind = f->prev->len <= 36 ? (int)azk_column_classify(f->prev->ptr, f->prev->len)
                                              : (int)AZK_COL_NONE;
        k = (azk_column_kind)f->prev_kind;
        best = pos;
    }
    if (k != AZK_COL_NONE) {
        /* a label names the first value after it: 生年月日 S55.3.2 処理日 R6.1.3 */
        const unsigned char *u = (const unsigned char *)f->s;
        for (i = pos - best; i < pos; i++) {
            if ((unsigned)(u[i] - '0') < 10 || (u[i] == 0xEF && i + 2 < pos && u[i + 1] == 0xBC &&
                                                (unsigned)(u[i + 2] - 0x90) < 10))
                return AZK_COL_NONE;
        }
    }
    return k;
}

static bool label_ends_at(const struct fld *f, size_t pos)
{
    size_t i, d = 0;
    for (i = 0; i < f->c->label_count; i++) {
        if (f->c->labels[i].end == pos)
            return true;
    }
    return ascii_label_before(f, pos, 0, &d) != AZK_COL_NONE;
}

/*
 * Confidence after context: a matching label or column raises it to at
 * least `ctxconf`; a column of another known kind lowers it.
 */
static double with_context(double base, azk_column_kind label, azk_column_kind col,
                           azk_column_kind kind, double ctxconf)
{
    double c = base;
    if (label == kind && c < ctxconf)
        c = ctxconf;
    if (col == kind) {
        if (c < ctxconf + 0.02)
            c = ctxconf + 0.02;
    } else if (col != AZK_COL_NONE) {
        /* a postal code or phone inside an address cell stays as it is */
        if (!(col == AZK_COL_ADDRESS && (kind == AZK_COL_POSTAL_CODE || kind == AZK_COL_PHONE)))
            c *= 0.6;
    }
    return c > 1.0 ? 1.0 : c;
}

/* ---- numeric tokens -------------------------------------------------------- */

#define MAX_GROUPS       16
#define MAX_TOKEN_DIGITS 48

struct group {
    size_t s, e; /* bytes of the digits */
    uint8_t nd;  /* digit count */
    char sep;    /* separator before: 0 first, '-', ' ', '(' (any parenthesis) */
};

struct ntok {
    size_t start, end;
    bool plus81;
    size_t ng;
    struct group g[MAX_GROUPS];
    char dig[MAX_TOKEN_DIGITS + 1];
    uint8_t doff[MAX_GROUPS]; /* offset of each group's digits in dig */
};

static bool is_tok_sep(uint32_t a)
{
    return a == '-' || a == ' ' || a == '(' || a == ')';
}

static bool is_alnum(uint32_t a)
{
    return (a >= '0' && a <= '9') || (a >= 'A' && a <= 'Z') || (a >= 'a' && a <= 'z');
}

/* Read a digit token from start: groups separated by at most 3 separator chars. */
static void token_read(const struct fld *f, size_t start, struct ntok *t)
{
    size_t pos = start, nd = 0;
    char sep = 0;
    memset(t, 0, offsetof(struct ntok, g));
    t->start = start;
    t->end = start;
    while (pos < f->len) {
        uint32_t a;
        size_t l = azk_digits__next(f->s, f->len, pos, &a);
        if (pos == start && a == '+') {
            uint32_t a1 = 0, a2 = 0;
            size_t l1 = 0, l2 = 0;
            if (pos + l < f->len)
                l1 = azk_digits__next(f->s, f->len, pos + l, &a1);
            if (pos + l + l1 < f->len)
                l2 = azk_digits__next(f->s, f->len, pos + l + l1, &a2);
            if (a1 != '8' || a2 != '1')
                return;
            t->plus81 = true;
            pos += l + l1 + l2;
            t->end = pos;
            sep = ' ';
            /* "+81-3-...", "+81 (0)3 ..." */
            while (pos < f->len && pos - t->end < 4) {
                size_t l3 = azk_digits__next(f->s, f->len, pos, &a);
                if (!is_tok_sep(a))
                    break;
                if (a == '(')
                    sep = '(';
                pos += l3;
            }
            continue;
        }
        if (azk_digits__isdigit(a)) {
            struct group *g;
            if (t->ng == MAX_GROUPS)
                return;
            g = &t->g[t->ng];
            g->s = pos;
            g->nd = 0;
            g->nd = 0;
            g->sep = t->ng == 0 && !t->plus81 ? (sep == '(' ? '(' : 0) : sep;
            t->doff[t->ng] = (uint8_t)nd;
            while (pos < f->len) {
                l = azk_digits__next(f->s, f->len, pos, &a);
                if (!azk_digits__isdigit(a))
                    break;
                if (nd == MAX_TOKEN_DIGITS)
                    return;
                t->dig[nd++] = (char)a;
                g->nd++;
                pos += l;
            }
            t->dig[nd] = '\0';
            g->e = pos;
            t->end = pos;
            t->ng++;
            /* separators before the next group */
            {
                int count = 0, hy = 0;
                size_t p2 = pos;
                sep = 0;
                while (p2 < f->len && count < 3) {
                    size_t l2 = azk_digits__next(f->s, f->len, p2, &a);
                    if (!is_tok_sep(a))
                        break;
                    if (a == '-' && ++hy > 1)
                        break;
                    if (a == '(' || a == ')')
                        sep = '(';
                    else if (a == '-' && sep != '(')
                        sep = '-';
                    else if (sep == 0)
                        sep = ' ';
                    p2 += l2;
                    count++;
                }
                if (p2 >= f->len || count == 0 || count == 3)
                    return;
                (void)azk_digits__next(f->s, f->len, p2, &a);
                if (!azk_digits__isdigit(a))
                    return; /* a trailing ')' or '-' is not part of the token */
                pos = p2;
            }
            continue;
        }
        if (pos == start && a == '(') {
            sep = '(';
            pos += l;
            continue;
        }
        return;
    }
}

/* The character before `pos` (folded), 0 at the start. */
static uint32_t char_before(const struct fld *f, size_t pos, size_t *at)
{
    uint32_t a = 0;
    size_t p;
    if (pos == 0) {
        *at = 0;
        return 0;
    }
    p = azk_digits__prev(f->s, f->len, pos, &a);
    *at = p;
    return a == 0 ? 0xFFFF : a;
}

static uint32_t char_at(const struct fld *f, size_t pos, size_t *l)
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
 * Left boundary of a slice starting at `pos`: not inside a word, a version
 * number, a path or a part number (AB-0312-3456).
 */
static bool left_ok(const struct fld *f, size_t pos, bool grouped)
{
    size_t at, at2;
    uint32_t a = char_before(f, pos, &at), b;
    if (a == 0)
        return true;
    if (azk_digits__isdigit(a) || a == '_' || a == '.' || a == '/' || a == '\\' || a == '-' ||
        a == '#' || a == '+')
        return false;
    if (is_alnum(a))
        return label_ends_at(f, pos) || (grouped && !is_alnum(char_before(f, at, &at2)));
    if (a == ':' || a == ' ') {
        /* "v1.2.3 0312345678"-like runs are fine; "12:34" is not a token start */
        b = char_before(f, at, &at2);
        if (a == ':' && azk_digits__isdigit(b))
            return false;
    }
    return true;
}

static bool right_ok(const struct fld *f, size_t pos)
{
    size_t l, l2;
    uint32_t a = char_at(f, pos, &l), b;
    if (a == 0)
        return true;
    if (is_alnum(a) || a == '_')
        return false;
    if (a == '-' || a == '.' || a == '/' || a == ':' || a == '@' || a == '\\') {
        b = char_at(f, pos + l, &l2);
        if (is_alnum(b))
            return false;
    }
    return true;
}

static bool seps_uniform(const struct ntok *t, size_t i, size_t j, char want_sep)
{
    size_t k;
    for (k = i + 1; k < j; k++) {
        if (t->g[k].sep != want_sep)
            return false;
    }
    return true;
}

static bool group_shape(const struct ntok *t, size_t i, size_t j, const uint8_t *shape, size_t n)
{
    size_t k;
    if (j - i != n)
        return false;
    for (k = 0; k < n; k++) {
        if (t->g[i + k].nd != shape[k])
            return false;
    }
    return seps_uniform(t, i, j, t->g[i + 1 < j ? i + 1 : i].sep) &&
           (t->g[i + 1 < j ? i + 1 : i].sep == '-' || t->g[i + 1 < j ? i + 1 : i].sep == ' ');
}

static bool card_shape(const struct ntok *t, size_t i, size_t j, size_t n)
{
    static const uint8_t s4444[] = {4, 4, 4, 4};
    static const uint8_t s465[] = {4, 6, 5};
    static const uint8_t s464[] = {4, 6, 4};
    size_t k;
    if (j - i == 1)
        return true;
    if (group_shape(t, i, j, s465, 3) || group_shape(t, i, j, s464, 3))
        return true;
    if (j - i == 4 && group_shape(t, i, j, s4444, 4))
        return true;
    if (j - i == 5 && n > 16) {
        /* 4-4-4-4-N (19 digits) */
        for (k = i; k < i + 4; k++) {
            if (t->g[k].nd != 4)
                return false;
        }
        return seps_uniform(t, i, j, t->g[i + 1].sep) && t->g[i + 1].sep != '(';
    }
    return false;
}

/* Digits of groups i..j-1 into out; returns count. */
static size_t slice_digits(const struct ntok *t, size_t i, size_t j, char *out)
{
    size_t n = 0, k;
    for (k = i; k < j; k++) {
        memcpy(out + n, t->dig + t->doff[k], t->g[k].nd);
        n += t->g[k].nd;
    }
    out[n] = '\0';
    return n;
}

/* Followed (after spaces) by a prefecture name: a postal code heading an address. */
static bool before_prefecture(const struct fld *f, size_t pos)
{
    size_t i, l;
    uint32_t a = char_at(f, pos, &l);
    while (l > 0 && a == ' ') {
        pos += l;
        a = char_at(f, pos, &l);
    }
    for (i = 0; i < 47; i++) {
        size_t pl = strlen(prefs[i]);
        if (f->len - pos >= pl && memcmp(f->s + pos, prefs[i], pl) == 0)
            return true;
    }
    return false;
}

/* label_before(f, start, 48), computed on first use (most slices fail validation). */
static azk_column_kind slice_label(struct fld *f, size_t start, int *lab)
{
    if (*lab < 0)
        *lab = (int)label_before(f, start, 48);
    return (azk_column_kind)*lab;
}

/*
 * A qualified-invoice registration number (適格請求書発行事業者登録番号) is
 * `T` + a corporate number: T1234567890123, T 1234..., T-1-2345-...; the
 * T (or Ｔ) is not inside a word. Stores where the T starts.
 */
static bool invoice_prefix(const struct fld *f, size_t pos, size_t *tpos)
{
    size_t at, at2;
    uint32_t a = char_before(f, pos, &at);
    if (a == ' ' || a == '-') {
        pos = at;
        a = char_before(f, pos, &at);
    }
    if (a != 'T')
        return false;
    *tpos = at;
    return at == 0 || !is_alnum(char_before(f, at, &at2));
}

/* `普通-1234567`: an account label, a hyphen, the number. */
static bool bank_label_sep(const struct fld *f, size_t pos)
{
    size_t at, i;
    uint32_t a = char_before(f, pos, &at);
    if (a != '-')
        return false;
    for (i = 0; i < f->c->label_count; i++) {
        if (f->c->labels[i].end == at && f->c->labels[i].kind == AZK_COL_BANK_ACCOUNT)
            return true;
    }
    return false;
}

/* Try to classify groups i..j-1 of the token; true when a candidate was added. */
static bool classify_slice(struct fld *f, const struct ntok *t, size_t i, size_t j)
{
    char d[MAX_TOKEN_DIGITS + 2];
    uint8_t gl[MAX_GROUPS];
    size_t n, k, gc = j - i, start, end, prefix = 0, tpos = 0;
    bool grouped = gc > 1, intl = t->plus81 && i == 0;
    azk_column_kind col = f->col;
    int lab = -1; /* label_before, looked up once a value validates */
    struct cand *x;
    double conf;
    start = (i == 0) ? t->start : t->g[i].s;
    if (i == 0 && t->g[0].sep == '(' && !t->plus81)
        start = t->start;
    end = t->g[j - 1].e;
    if (!right_ok(f, end))
        return false;
    n = slice_digits(t, i, j, d);
    for (k = 0; k < gc; k++)
        gl[k] = t->g[i + k].nd;
    if (!intl && n == 13 && invoice_prefix(f, start, &tpos) &&
        (gc == 1 || (seps_uniform(t, i, j, t->g[i + 1].sep) && t->g[i + 1].sep != '('))) {
        /* T + 13 digits: the T is the registration number's own prefix */
        if (!azk_detect__corporate_valid(d, n))
            return false;
        conf = with_context(0.9, slice_label(f, tpos, &lab), col, AZK_COL_CORPORATE_NUMBER, 0.95);
        x = cand_add(f, AZK_PII_CORPORATE_NUMBER, tpos, end - tpos, conf);
        if (x != NULL)
            azk_detect__mask_digits(x->masked, sizeof(x->masked), AZK_PII_CORPORATE_NUMBER, d, n);
        return true;
    }
    if (!left_ok(f, start, grouped || intl) &&
        !(n == 7 && gc == 1 && col == AZK_COL_NONE && bank_label_sep(f, start)))
        return false;

    if (intl) {
        /* +81 3-1234-5678, +81 (0)3-..., +81 90 1234 5678 */
        char nd[MAX_TOKEN_DIGITS + 2];
        size_t off = 0;
        if (gc > 1 && gl[0] == 1 && d[0] == '0') {
            off = 1; /* "(0)" */
            memmove(gl, gl + 1, gc - 1);
            gc--;
        } else if (d[0] == '0') {
            off = 1;
            gl[0]--;
        }
        nd[0] = '0';
        memcpy(nd + 1, d + off, n - off + 1);
        n = n - off + 1;
        gl[0]++;
        if (!azk_detect__phone_valid(nd, n, gl, gc, &prefix))
            return false;
        conf = with_context(0.85, slice_label(f, start, &lab), col, AZK_COL_PHONE, 0.95);
        x = cand_add(f, AZK_PII_PHONE, start, end - start, conf);
        if (x != NULL)
            azk_detect__mask_phone(x->masked, sizeof(x->masked), nd, n, prefix);
        return true;
    }

    if (n >= 14 && n <= 19 && card_shape(t, i, j, n) && azk_detect__card_valid(d, n)) {
        conf = with_context(grouped ? 0.9 : 0.7, slice_label(f, start, &lab), col,
                            AZK_COL_CREDIT_CARD, 0.96);
        x = cand_add(f, AZK_PII_CREDIT_CARD, start, end - start, conf);
        if (x != NULL)
            azk_detect__mask_digits(x->masked, sizeof(x->masked), AZK_PII_CREDIT_CARD, d, n);
        return true;
    }
    if (n == 13) {
        static const uint8_t s1444[] = {1, 4, 4, 4};
        bool shaped = gc == 1 || group_shape(t, i, j, s1444, 4);
        if (!shaped && seps_uniform(t, i, j, t->g[i + 1].sep) && t->g[i + 1].sep == '-' &&
            (col == AZK_COL_CORPORATE_NUMBER ||
             slice_label(f, start, &lab) == AZK_COL_CORPORATE_NUMBER))
            shaped = true; /* 法人番号 1234-5678-90123: any hyphenation with context */
        if (shaped && azk_detect__corporate_valid(d, n)) {
            conf = with_context(grouped ? 0.6 : 0.45, slice_label(f, start, &lab), col,
                                AZK_COL_CORPORATE_NUMBER, 0.95);
            x = cand_add(f, AZK_PII_CORPORATE_NUMBER, start, end - start, conf);
            if (x != NULL)
                azk_detect__mask_digits(x->masked, sizeof(x->masked), AZK_PII_CORPORATE_NUMBER, d,
                                        n);
            return true;
        }
        return false;
    }
    if (n == 12) {
        static const uint8_t s444[] = {4, 4, 4};
        if ((gc == 1 || group_shape(t, i, j, s444, 3)) && azk_detect__my_number_valid(d, n)) {
            /* one random 12-digit number in eleven passes: low without context */
            conf = with_context(grouped ? 0.4 : 0.3, slice_label(f, start, &lab), col,
                                AZK_COL_MY_NUMBER, 0.95);
            x = cand_add(f, AZK_PII_MY_NUMBER, start, end - start, conf);
            if (x != NULL)
                azk_detect__mask_digits(x->masked, sizeof(x->masked), AZK_PII_MY_NUMBER, d, n);
            return true;
        }
        return false;
    }
    if ((n == 10 || n == 11) && d[0] == '0') {
        bool paren = false;
        for (k = i + 1; k < j; k++)
            paren = paren || t->g[k].sep == '(';
        if (i == 0 && t->g[0].sep == '(')
            paren = true;
        if (!paren && grouped && !seps_uniform(t, i, j, t->g[i + 1].sep))
            return false;
        if (!azk_detect__phone_valid(d, n, gl, gc, &prefix))
            return false;
        if (grouped)
            conf = 0.85;
        else
            conf = n == 11 ? 0.7 : 0.6;
        conf = with_context(conf, slice_label(f, start, &lab), col, AZK_COL_PHONE, 0.95);
        x = cand_add(f, AZK_PII_PHONE, start, end - start, conf);
        if (x != NULL)
            azk_detect__mask_phone(x->masked, sizeof(x->masked), d, n, prefix);
        return true;
    }
    if (n == 7) {
        bool hy = gc == 2 && gl[0] == 3 && gl[1] == 4 && t->g[i + 1].sep == '-';
        azk_pii_type ty = AZK_PII__COUNT;
        if (!hy && gc != 1)
            return false;
        if (slice_label(f, start, &lab) == AZK_COL_POSTAL_CODE || col == AZK_COL_POSTAL_CODE)
            ty = AZK_PII_POSTAL_CODE;
        else if (!hy && (slice_label(f, start, &lab) == AZK_COL_BANK_ACCOUNT ||
                         col == AZK_COL_BANK_ACCOUNT))
            ty = AZK_PII_BANK_ACCOUNT;
        else if (hy)
            ty = AZK_PII_POSTAL_CODE;
        if (ty == AZK_PII_POSTAL_CODE) {
            conf = hy ? 0.35 : 0.2;
            if (hy && before_prefecture(f, end))
                conf = 0.9;
            if (hy && col == AZK_COL_ADDRESS)
                conf = 0.8;
            conf = with_context(conf, slice_label(f, start, &lab), col, AZK_COL_POSTAL_CODE, 0.93);
            x = cand_add(f, ty, start, end - start, conf);
            if (x != NULL && hy && conf < 0.5 && col == AZK_COL_NONE &&
                (!f->tabular || (start == 0 && end == f->len)))
                x->flags |= CF_POSTAL_ADDR; /* judged with the record's addresses */
        } else if (ty == AZK_PII_BANK_ACCOUNT) {
            conf = with_context(0.2, slice_label(f, start, &lab), col, AZK_COL_BANK_ACCOUNT, 0.88);
            x = cand_add(f, ty, start, end - start, conf);
        } else {
            return false;
        }
        if (x != NULL)
            azk_detect__mask_digits(x->masked, sizeof(x->masked), ty, d, n);
        return true;
    }
    return false;
}

/* Read and classify the digit token that starts at `start`. */
static void numeric_from(struct fld *f, size_t start, size_t to)
{
    struct ntok t;
    size_t i, j;
    if (start < f->num_done)
        return;
    token_read(f, start, &t);
    if (t.ng == 0) {
        f->num_done = to;
        return;
    }
    f->num_done = t.end > to ? t.end : to;
    /* the whole token first, else sub-slices split at spaces, longest first */
    for (i = 0; i < t.ng && f->rc == AZK_OK;) {
        bool found = false;
        if (i > 0 && t.g[i].sep != ' ' && !(t.plus81 && i == 0)) {
            i++;
            continue;
        }
        for (j = t.ng; j > i; j--) {
            if (j < t.ng && t.g[j].sep != ' ')
                continue;
            if (classify_slice(f, &t, i, j)) {
                found = true;
                break;
            }
        }
        i = found ? j : i + 1;
    }
}

/* ---- email ------------------------------------------------------------------- */

/* Full-width ASCII and ASCII only: ー is no hyphen inside a mail address. */
static uint32_t mail_char(const struct fld *f, size_t pos, size_t *l)
{
    uint32_t cp;
    const uint8_t *u = (const uint8_t *)f->s + pos;
    if (pos >= f->len) {
        *l = 0;
        return 0;
    }
    if (u[0] < 0x80) {
        *l = 1;
        return u[0];
    }
    *l = azk_utf8_decode(u, f->len - pos, &cp);
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        return cp - 0xFF01 + 0x21;
    return 0;
}

static bool local_char(uint32_t a)
{
    return is_alnum(a) || a == '.' || a == '_' || a == '%' || a == '+' || a == '-';
}

static void email_at(struct fld *f, size_t to)
{
    size_t at_start, pos, lstart, l, dend, last_dot = 0, label_len = 0, tld_len = 0;
    size_t count = 0;
    uint32_t a;
    bool tld_alpha = true, ok = true;
    struct cand *x;
    azk_column_kind label;
    /* the match ends after '@' (1 byte) or '＠' (3 bytes) */
    at_start = (to >= 3 && memcmp(f->s + to - 3, "＠", 3) == 0) ? to - 3 : to - 1;
    /* local part backwards */
    pos = at_start;
    lstart = at_start;
    while (pos > 0 && count < 64) {
        size_t p = pos - 1;
        while (p > 0 && ((unsigned char)f->s[p] & 0xC0) == 0x80 && pos - p < 4)
            p--;
        a = mail_char(f, p, &l);
        if (p + l != pos || !local_char(a))
            break;
        lstart = p;
        pos = p;
        count++;
    }
    /* trim leading punctuation of the local part */
    while (lstart < at_start) {
        a = mail_char(f, lstart, &l);
        if (is_alnum(a))
            break;
        lstart += l;
    }
    if (lstart >= at_start)
        return;
    /* domain forwards */
    pos = to;
    dend = to;
    count = 0;
    while (pos < f->len && count < 253) {
        a = mail_char(f, pos, &l);
        if (is_alnum(a) || a == '-') {
            label_len++;
            if (!((a >= 'A' && a <= 'Z') || (a >= 'a' && a <= 'z')))
                tld_alpha = false;
            tld_len++;
        } else if (a == '.') {
            if (label_len == 0)
                break;
            last_dot = pos;
            label_len = 0;
            tld_len = 0;
            tld_alpha = true;
        } else {
            break;
        }
        pos += l;
        count++;
        if (a != '.')
            dend = pos;
    }
    /* the last label of [to, dend): the top-level domain */
    last_dot = 0;
    tld_len = 0;
    tld_alpha = true;
    for (pos = to; pos < dend; pos += l) {
        a = mail_char(f, pos, &l);
        if (a == '.') {
            last_dot = pos;
            tld_len = 0;
            tld_alpha = true;
        } else {
            tld_len++;
            if (!((a >= 'A' && a <= 'Z') || (a >= 'a' && a <= 'z')))
                tld_alpha = false;
        }
    }
    if (last_dot == 0)
        return;
    ok = tld_alpha && tld_len >= 2 && tld_len <= 24;
    if (!ok)
        return;
    if (f->s[dend - 1] == '-')
        return;
    label = label_before(f, lstart, 24);
    x = cand_add(f, AZK_PII_EMAIL, lstart, dend - lstart,
                 with_context(0.9, label, f->col, AZK_COL_EMAIL, 0.95));
    if (x != NULL)
        azk_detect__mask_email(x->masked, sizeof(x->masked), f->s + lstart, dend - lstart);
}

/* ---- birth dates ----------------------------------------------------------------- */

static void date_cand(struct fld *f, size_t start, size_t used, const azk_date *d, double conf,
                      unsigned flags)
{
    struct cand *x = cand_add(f, AZK_PII_BIRTH_DATE, start, used, conf);
    if (x == NULL)
        return;
    x->flags = flags;
    azk_detect__mask_date(x->masked, sizeof(x->masked), d);
}

/* A date of birth by context: look for a date within `window` bytes after pos. */
static void date_after(struct fld *f, size_t pos, size_t window, double conf, bool allow_time)
{
    size_t end = pos + window < f->len ? pos + window : f->len;
    while (pos < end) {
        azk_date d;
        uint32_t a;
        size_t l = azk_digits__next(f->s, f->len, pos, &a);
        size_t used;
        if (azk_digits__isdigit(a) || a == 'M' || a == 'T' || a == 'S' || a == 'H' || a == 'R' ||
            a == 'm' || a == 't' || a == 's' || a == 'h' || a == 'r' || l == 3) {
            if (left_ok(f, pos, true) || !azk_digits__isdigit(a)) {
                used = azk_date__parse(f->s + pos, f->len - pos, allow_time, &d);
                if (used > 0) {
                    if ((d.flags & AZK_DATE_TIME) && !allow_time)
                        return;
                    date_cand(f, pos, used, &d, conf, 0);
                    return;
                }
            }
        }
        if (azk_digits__isdigit(a)) {
            /* a number that is not a date: the label was about something else */
            return;
        }
        pos += l;
    }
}

/* Is the value at pos announced by a date label other than a birth one? */
static bool other_date_label(const struct fld *f, size_t pos)
{
    static const char *const ends[] = {"日", "時", "付", "限", "期"};
    size_t k, p = pos;
    int skipped = 0;
    while (p > 0 && skipped < 4) {
        uint32_t a;
        size_t q = azk_digits__prev(f->s, f->len, p, &a);
        if (!(a == ' ' || a == ':' || a == '=' || a == '(' || a == '[' ||
              (p - q == 3 && memcmp(f->s + q, "【", 3) == 0)))
            break;
        p = q;
        skipped++;
    }
    if (p < 3)
        return false;
    for (k = 0; k < sizeof(ends) / sizeof(ends[0]); k++) {
        if (memcmp(f->s + p - 3, ends[k], 3) == 0)
            return true;
    }
    return false;
}

/* An era date starting at `start` (era name or its letter). */
static void era_at(struct fld *f, size_t start)
{
    size_t used;
    azk_date d;
    azk_column_kind label;
    double conf;
    used = azk_date__parse(f->s + start, f->len - start, false, &d);
    if (used == 0 || d.era == AZK_ERA_NONE)
        return;
    label = label_before(f, start, 48);
    if (label == AZK_COL_BIRTH_DATE || f->col == AZK_COL_BIRTH_DATE) {
        conf = with_context(0.5, label, f->col, AZK_COL_BIRTH_DATE, 0.9);
        date_cand(f, start, used, &d, conf, 0);
    } else if ((f->col == AZK_COL_NONE || f->col == AZK_COL_OTHER) && label != AZK_COL_OTHER &&
               !(f->tabular && (f->c->header_seen || f->col != AZK_COL_NONE))) {
        /* a strongly shaped era date counts in a row that names a person,
         * unless another kind of date label precedes it (処理日, 日付, 期限);
         * a cell under a header is a birth date only when its header says
         * so (登録日, 契約日 and unknown headers: no) */
        if ((d.flags & AZK_DATE_TIME) || other_date_label(f, start))
            return;
        conf = (d.flags & AZK_DATE_KANJI) ? 0.75 : 0.6;
        date_cand(f, start, used, &d, conf, CF_NEEDS_NAME);
    }
}

/* ---- addresses ----------------------------------------------------------------- */

static int place_cmp(const char *s, size_t n, const char *p)
{
    size_t pl = strlen(p);
    int r = memcmp(s, p, n < pl ? n : pl);
    if (r != 0)
        return r;
    return n < pl ? -1 : (n > pl ? 1 : 0);
}

static bool place_known(const char *s, size_t n)
{
    size_t lo = 0, hi = azk_detect__place_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int r = place_cmp(s, n, azk_detect__places[mid]);
        if (r == 0)
            return true;
        if (r < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

static uint32_t cp_at(const struct fld *f, size_t pos, size_t *l)
{
    uint32_t cp;
    if (pos >= f->len) {
        *l = 0;
        return 0;
    }
    *l = azk_utf8_decode((const uint8_t *)f->s + pos, f->len - pos, &cp);
    return cp;
}

static bool muni_char(uint32_t cp)
{
    return azk_norm__is_kanji(cp) || azk_norm__is_katakana(cp) || azk_norm__is_hiragana(cp);
}

/* Town-name characters between the municipality and the block numbers. */
static bool town_char(uint32_t cp)
{
    return azk_norm__is_kanji(cp) || azk_norm__is_katakana(cp) || cp == 0x30F6 /* ヶ */ ||
           cp == 0x306E /* の */ || cp == 0x304C /* が */ || cp == 0x30F5;
}

enum { T_SHI = 1, T_KU, T_CHO, T_SON, T_GUN };

static int terminal(uint32_t cp)
{
    switch (cp) {
        case 0x5E02:
            return T_SHI; /* 市 */
        case 0x533A:
            return T_KU; /* 区 */
        case 0x753A:
            return T_CHO; /* 町 */
        case 0x6751:
            return T_SON; /* 村 */
        case 0x90E1:
            return T_GUN; /* 郡 */
        default:
            return 0;
    }
}

/*
 * A municipality at p: a known place stem (IPAdic) followed by 市/区/町/村/郡,
 * then the ward of a designated city (札幌市中央区) or the town of a
 * district (西多摩郡瑞穂町). Returns the end offset, 0 when there is none.
 */
static size_t parse_muni(const struct fld *f, size_t p, int only)
{
    size_t q = p, l;
    int cps = 0, t;
    while (q < f->len && cps < 8) {
        uint32_t cp = cp_at(f, q, &l);
        if (!muni_char(cp))
            break;
        t = terminal(cp);
        if (t != 0 && q > p && (only == 0 || only == t || (only == T_CHO && t == T_SON)) &&
            (place_known(f->s + p, q - p) || place_known(f->s + p, q + l - p))) {
            size_t end = q + l, e2;
            if (t == T_GUN) {
                e2 = parse_muni(f, end, T_CHO);
                return e2 != 0 ? e2 : 0;
            }
            if (t == T_SHI) {
                e2 = parse_muni(f, end, T_KU);
                if (e2 != 0)
                    end = e2;
            }
            return end;
        }
        q += l;
        cps++;
    }
    return 0;
}

static size_t read_blocknum(const struct fld *f, size_t pos)
{
    size_t start = pos, l;
    int count = 0;
    uint32_t a;
    while (pos < f->len && count < 6) {
        uint32_t cp = cp_at(f, pos, &l);
        (void)azk_digits__next(f->s, f->len, pos, &a);
        if (azk_digits__isdigit(a) ||
            (cp != 0 && (cp == 0x3007 || cp == 0x4E00 || cp == 0x4E8C || cp == 0x4E09 ||
                         cp == 0x56DB || cp == 0x4E94 || cp == 0x516D || cp == 0x4E03 ||
                         cp == 0x516B || cp == 0x4E5D || cp == 0x5341 || cp == 0x767E))) {
            pos += l;
            count++;
            continue;
        }
        break;
    }
    return pos - start;
}

static bool at_lit(const struct fld *f, size_t pos, const char *lit)
{
    size_t n = strlen(lit);
    return f->len - pos >= n && memcmp(f->s + pos, lit, n) == 0;
}

/*
 * Block numbers at pos: 1-2-3, 一丁目2番3号, 123番地, 3番地の5. Strong when
 * there are two numbers or a 丁目 / 番地 unit. Returns the end, 0 if none.
 */
static size_t parse_block(const struct fld *f, size_t pos)
{
    int nums = 0, strong_unit = 0;
    size_t end = 0, n, l;
    uint32_t a;
    while (pos < f->len) {
        n = read_blocknum(f, pos);
        if (n == 0)
            break;
        nums++;
        pos += n;
        end = pos;
        if (at_lit(f, pos, "丁目") || at_lit(f, pos, "番地")) {
            pos += 6;
            end = pos;
            strong_unit++;
            if (at_lit(f, pos, "の")) {
                pos += 3;
            } else {
                (void)azk_digits__next(f->s, f->len, pos, &a);
                if (a == '-')
                    pos += azk_digits__next(f->s, f->len, pos, &a);
            }
            continue;
        }
        if (at_lit(f, pos, "番")) {
            pos += 3;
            end = pos;
            continue;
        }
        if (at_lit(f, pos, "号")) {
            end = pos + 3;
            break;
        }
        if (at_lit(f, pos, "の")) {
            pos += 3;
            continue;
        }
        if (pos < f->len) {
            l = azk_digits__next(f->s, f->len, pos, &a);
            if (a == '-') {
                pos += l;
                continue;
            }
        }
        break;
    }
    if (nums >= 2 || (nums >= 1 && strong_unit > 0))
        return end;
    return 0;
}

/* Town name then block numbers after a municipality; returns the block end. */
static size_t town_block(const struct fld *f, size_t pos)
{
    int cps = 0;
    size_t l, e;
    while (pos < f->len && cps <= 12) {
        uint32_t cp;
        e = parse_block(f, pos);
        if (e != 0)
            return e;
        cp = cp_at(f, pos, &l);
        if (!town_char(cp))
            return 0;
        pos += l;
        cps++;
    }
    return 0;
}

static size_t trim_end(const struct fld *f)
{
    size_t e = f->len;
    while (e > 0 && (f->s[e - 1] == ' ' || f->s[e - 1] == '\t'))
        e--;
    if (e >= 3 && memcmp(f->s + e - 3, "\xE3\x80\x80", 3) == 0)
        e -= 3;
    return e;
}

static void address_cand(struct fld *f, size_t start, size_t end, size_t keep, double conf)
{
    struct cand *x = cand_add(f, AZK_PII_ADDRESS, start, end - start, conf);
    if (x != NULL)
        azk_detect__mask_address(x->masked, sizeof(x->masked), f->s + start, keep);
}

static void prefecture_at(struct fld *f, size_t pref, size_t to)
{
    size_t pl = strlen(prefs[pref]);
    size_t start = to - pl, p = to, m, b, l;
    azk_column_kind label = label_before(f, start, 32);
    double conf;
    while (cp_at(f, p, &l) == ' ' || cp_at(f, p, &l) == 0x3000)
        p += l;
    m = parse_muni(f, p, 0);
    if (m == 0) {
        if (f->col == AZK_COL_ADDRESS && trim_end(f) > to)
            address_cand(f, start, trim_end(f), to - start, 0.8);
        return;
    }
    b = town_block(f, m);
    if (f->col == AZK_COL_ADDRESS) {
        size_t e = trim_end(f);
        address_cand(f, start, e > m ? e : m, m - start, 0.92);
        return;
    }
    if (b != 0) {
        conf = with_context(0.9, label, f->col, AZK_COL_ADDRESS, 0.95);
        address_cand(f, start, b, m - start, conf);
    } else {
        conf = with_context(0.45, label, f->col, AZK_COL_ADDRESS, 0.7);
        address_cand(f, start, m, m - start, conf);
    }
}

/* Block numbers found first: look back for a municipality without a prefecture. */
static void block_at(struct fld *f, size_t to)
{
    size_t pos = to, lim = to > 96 ? to - 96 : 0, starts[40];
    size_t ns = 0, i, m, b;
    azk_column_kind label;
    double conf;
    /* collect code point starts backwards over address-like characters */
    while (pos > lim && ns < 40) {
        uint32_t a, cp;
        size_t l;
        size_t p = azk_digits__prev(f->s, f->len, pos, &a);
        cp = cp_at(f, p, &l);
        if (!(muni_char(cp) || azk_digits__isdigit(a) || a == '-'))
            break;
        starts[ns++] = p;
        pos = p;
    }
    /* farthest first: the longest address */
    for (i = ns; i-- > 0;) {
        size_t l;
        if (!muni_char(cp_at(f, starts[i], &l)))
            continue;
        m = parse_muni(f, starts[i], 0);
        if (m == 0 || m >= to)
            continue;
        b = town_block(f, m);
        if (b == 0 || b < to)
            continue; /* the block numbers must cover the trigger */
        label = label_before(f, starts[i], 32);
        conf = with_context(0.6, label, f->col, AZK_COL_ADDRESS, 0.8);
        if (f->col == AZK_COL_ADDRESS)
            b = trim_end(f) > b ? trim_end(f) : b;
        address_cand(f, starts[i], b, m - starts[i], conf);
        return;
    }
}

/* A cell of an address column that nothing else claimed. */
static void address_cell(struct fld *f)
{
    size_t i, s = 0, e = trim_end(f), l, m;
    bool digit = false;
    for (i = 0; i < f->c->cand_count; i++) {
        if (f->c->cands[i].field == f->idx && f->c->cands[i].type == AZK_PII_ADDRESS)
            return;
    }
    while (s < e && (cp_at(f, s, &l) == ' ' || cp_at(f, s, &l) == 0x3000))
        s += l;
    if (s >= e)
        return;
    for (i = s; i < e; i++) {
        if (f->s[i] >= '0' && f->s[i] <= '9')
            digit = true;
    }
    if (!digit) {
        for (i = s; i < e;) {
            uint32_t a;
            i += azk_digits__next(f->s, f->len, i, &a);
            if (azk_digits__isdigit(a))
                digit = true;
        }
    }
    m = parse_muni(f, s, 0);
    if (!digit && m == 0)
        return;
    if (m == 0) {
        /* numbers alone (an item code under a wrong header) are no address:
         * it needs words too, kanji/kana or Latin letters */
        bool words = false;
        for (i = s; i < e && !words; i++) {
            uint8_t ch = (uint8_t)f->s[i];
            words = ch >= 0x80 || (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
        }
        if (!words)
            return;
    }
    address_cand(f, s, e, m != 0 ? m - s : 0, 0.75);
}

/* ---- names ---------------------------------------------------------------------- */

static azk_status on_name(const azk_name_hit *hit, void *payload)
{
    struct fld *f = payload;
    struct cand *x;
    if (hit->start > f->len || hit->len > f->len - hit->start)
        return AZK_OK;
    x = cand_add(f, AZK_PII_PERSON_NAME, hit->start, hit->len, hit->confidence);
    if (x != NULL)
        azk_detect__mask_name(x->masked, sizeof(x->masked), f->s + hit->start, hit->len,
                              hit->family_len);
    return f->rc;
}

/* ---- one field ------------------------------------------------------------------ */

static void literal_hit(struct fld *f, const struct lit *L, size_t to)
{
    azk_detect_ctx *c = f->c;
    switch (L->kind) {
        case PK_ERA:
            if (want(c, AZK_PII_BIRTH_DATE))
                era_at(f, to - strlen(L->s));
            break;
        case PK_EMAIL:
            if (want(c, AZK_PII_EMAIL))
                email_at(f, to);
            break;
        case PK_BLOCK:
            if (!want(c, AZK_PII_ADDRESS))
                break;
            if (L->arg == 1) {
                size_t n = read_blocknum(f, to);
                if (n > 0 && at_lit(f, to + n, "号"))
                    block_at(f, to + n + 3);
            } else {
                block_at(f, to);
            }
            break;
        default:
            break;
    }
}

static bool is_digit_at(const unsigned char *u, size_t len, size_t i)
{
    return (unsigned)(u[i] - '0') < 10 ||
           (u[i] == 0xEF && i + 2 < len && u[i + 1] == 0xBC && (unsigned)(u[i + 2] - 0x90) < 10);
}

/* Skip a run of digits from i; *count gets the digit count. */
static size_t skip_digits(const unsigned char *u, size_t len, size_t i, size_t *count)
{
    size_t n = 0;
    while (i < len) {
        if ((unsigned)(u[i] - '0') < 10)
            i++;
        else if (is_digit_at(u, len, i))
            i += 3;
        else
            break;
        n++;
    }
    *count = n;
    return i;
}

/*
 * Offset of the next byte from i that is an ASCII digit or 0xEF (the lead
 * byte of a full-width digit), len when none. Sixteen bytes at a time with
 * SSE2: logs are mostly bytes that are neither.
 */
static size_t next_digit_candidate(const unsigned char *u, size_t len, size_t i)
{
#if defined(__SSE2__)
    const __m128i lo = _mm_set1_epi8('0' - 1), hi = _mm_set1_epi8('9' + 1);
    const __m128i ef = _mm_set1_epi8((char)0xEF);
    while (i + 16 <= len) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
        __m128i d = _mm_and_si128(_mm_cmpgt_epi8(x, lo), _mm_cmplt_epi8(x, hi));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(d, _mm_cmpeq_epi8(x, ef)));
        if (m != 0)
            return i + (size_t)__builtin_ctz(m);
        i += 16;
    }
#endif
    while (i < len && (unsigned)(u[i] - '0') >= 10 && u[i] != 0xEF)
        i++;
    return i;
}

static bool is_era_letter(uint32_t a)
{
    return a == 'M' || a == 'T' || a == 'S' || a == 'H' || a == 'R' || a == 'm' || a == 't' ||
           a == 's' || a == 'h' || a == 'r';
}

/*
 * Digit runs (ASCII or full-width) of the field, in order: the triggers of
 * every digit type. A run is worth reading as a token when it has 7+
 * digits, is followed by a separator and another digit, or follows '(' or
 * '+'. A run after an era letter (S55.3.2) or after a kanji with a hyphen
 * next (神田1-2-3) also triggers a date or an address.
 */
/*
 * Most digit runs of a log are 12:34, 1.2.3.4, id=42: decided on the bytes
 * around the run without decoding anything.
 */
static inline bool run_boring(const unsigned char *u, size_t len, size_t rs, size_t e, size_t nd)
{
    unsigned pb = rs > 0 ? u[rs - 1] : 0, nb = e < len ? u[e] : 0;
    if (nd >= 7 || pb >= 0x80 || nb >= 0x80 || pb == '(' || pb == '+')
        return false;
    if (nb == '-' || nb == ' ' || nb == '(' || nb == ')')
        return false;
    if ((nb == '/' || nb == '.') && (nd == 4 || is_era_letter(pb)))
        return false;
    return true;
}

/*
 * Can label_before(f, pos, window) be AZK_COL_BIRTH_DATE? Only with a
 * birth label in the window (a matcher label, or ASCII "birth" / "dob":
 * both hold a 'b') or through the previous cell of a key-value row. A
 * cheap test in front of label_before for the dates of every log line.
 */
static bool birth_label_possible(const struct fld *f, size_t pos, size_t window)
{
    const unsigned char *u = (const unsigned char *)f->s;
    size_t i, lim = pos > window ? pos - window : 0;
    if (f->prev != NULL && pos <= 16)
        return true;
    for (i = 0; i < f->c->label_count; i++) {
        if (f->c->labels[i].kind == AZK_COL_BIRTH_DATE)
            return true;
    }
    lim = lim > 5 ? lim - 5 : 0; /* a label ends in the window, its 'b' may be before */
    for (i = lim; i < pos; i++) {
        if ((u[i] | 0x20) != 'b')
            continue;
        /* "birth" / "dob" in any case (| 0x20 may also pass a non-letter:
         * a false yes only costs the full look) */
        if (f->len - i >= 5 && (u[i + 1] | 0x20) == 'i' && (u[i + 2] | 0x20) == 'r' &&
            (u[i + 3] | 0x20) == 't' && (u[i + 4] | 0x20) == 'h')
            return true;
        if (i >= 2 && (u[i - 2] | 0x20) == 'd' && (u[i - 1] | 0x20) == 'o')
            return true;
    }
    return false;
}

/* One digit run [rs, i) of nd digits: the triggers of every digit type. */
static void digit_run(struct fld *f, size_t rs, size_t i, size_t nd, bool nums)
{
    const unsigned char *u = (const unsigned char *)f->s;
    size_t len = f->len, l1 = 0, l2 = 0, pp, nd2 = 0;
    uint32_t c0, c1, c2;
    {
        /* fast rejection on bytes: most runs in logs are 12:34, 1.2.3, id=42 */
        unsigned nb = i < len ? u[i] : 0, pb = rs > 0 ? u[rs - 1] : 0;
        bool sep_next = nb == '-' || nb == ' ' || nb == '(' || nb == ')' || nb >= 0x80;
        bool date_like = nd == 4 && (nb == '/' || nb == '.' || nb == '-' || nb >= 0x80);
        if (nd < 7 && pb < 0x80 && pb != '(' && pb != '+' && !sep_next && !date_like &&
            !((nb == '.' || nb == '/') && is_era_letter(pb)))
            return;
        if (date_like && want(f->c, AZK_PII_BIRTH_DATE) && f->col != AZK_COL_BIRTH_DATE) {
            if (birth_label_possible(f, rs, 48) && label_before(f, rs, 48) == AZK_COL_BIRTH_DATE)
                date_after(f, rs, 12,
                           with_context(0.5, AZK_COL_BIRTH_DATE, f->col, AZK_COL_BIRTH_DATE, 0.9),
                           false);
        }
        if (pb == '-' && rs >= 2 && (unsigned)(u[rs - 2] - '0') < 10 && nd < 7)
            return; /* a later group of a token already looked at */
        if (pb < 0x80 && (pb == '.' || pb == '/' || pb == '_' || pb == '#' || pb == '\\' ||
                          (pb >= '0' && pb <= '9')))
            return;
    }
    c1 = char_at(f, i, &l1);
    c2 = (l1 > 0 && i + l1 < len) ? char_at(f, i + l1, &l2) : 0;
    c0 = char_before(f, rs, &pp);
    if (nums && rs >= f->num_done) {
        size_t start = rs;
        bool go = false;
        if (c0 == '(' || c0 == '+') {
            start = pp;
            go = true;
        } else if (is_alnum(c0) || c0 == '_' || c0 == '.' || c0 == '/' || c0 == '#' || c0 == '\\') {
            /* inside a word, a version, a path: only after a label (TEL0312345678) */
            size_t tp;
            go = is_alnum(c0) && !azk_digits__isdigit(c0) &&
                 (label_ends_at(f, rs) || invoice_prefix(f, rs, &tp));
        } else if (c0 == '-' && azk_digits__isdigit(char_before(f, pp, &pp))) {
            go = false; /* a later group of a token already looked at */
        } else {
            go = true;
        }
        if (go && (c1 >= 'A' && c1 <= 'z' && is_alnum(c1)))
            go = false; /* 35ms, 1980s */
        if (go && nd < 7) {
            /* a short run must be the first group of a plausible grouping */
            if (!(is_tok_sep(c1) && azk_digits__isdigit(c2)) && start == rs)
                go = false;
            else if (start == rs && u[rs] != '0' && !(u[rs] == 0xEF && u[rs + 2] == 0x90)) {
                (void)skip_digits(u, len, i + l1, &nd2);
                go = (nd == 4 && (nd2 == 4 || nd2 == 6)) || (nd == 3 && nd2 == 4) ||
                     (nd == 1 && nd2 == 4);
            }
        }
        if (go)
            numeric_from(f, start, i);
    }
    if (nd <= 2 && is_era_letter(c0) && (c1 == '.' || c1 == '/' || c1 == '-') &&
        want(f->c, AZK_PII_BIRTH_DATE)) {
        size_t p2;
        uint32_t cb = char_before(f, pp, &p2);
        if (!is_alnum(cb))
            era_at(f, pp);
    }
    if (c1 == '-' && azk_digits__isdigit(c2) && c0 == 0xFFFF && want(f->c, AZK_PII_ADDRESS)) {
        uint32_t cp;
        size_t l;
        cp = cp_at(f, pp, &l);
        if (azk_norm__is_kanji(cp) || azk_norm__is_katakana(cp))
            block_at(f, i);
    }
}

static void digit_runs(struct fld *f)
{
    const unsigned char *u = (const unsigned char *)f->s;
    size_t i = 0, len = f->len;
    bool nums = want(f->c, AZK_PII_PHONE) || want(f->c, AZK_PII_POSTAL_CODE) ||
                want(f->c, AZK_PII_MY_NUMBER) || want(f->c, AZK_PII_CORPORATE_NUMBER) ||
                want(f->c, AZK_PII_BANK_ACCOUNT) || want(f->c, AZK_PII_CREDIT_CARD);
    while (i < len && f->rc == AZK_OK) {
        size_t rs, nd = 0;
#if defined(__SSE2__)
        {
            /* runs from a 64-bit digit mask, without a branch per byte; the
             * tail of the field (short cells: all of it) byte by byte, as a
             * vector load of bytes just copied to a padded block stalls on
             * store forwarding */
            uint64_t dm = 0, em = 0;
            int k;
            if (i + 64 > len) {
                size_t m;
                for (m = 0; m < len - i; m++) {
                    dm |= (uint64_t)((unsigned)(u[i + m] - '0') < 10) << m;
                    em |= (uint64_t)(u[i + m] == 0xEF) << m;
                }
            } else {
                for (k = 0; k < 4; k++) {
                    __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(u + i + 16 * k));
                    __m128i d = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('0' - 1)),
                                              _mm_cmplt_epi8(x, _mm_set1_epi8('9' + 1)));
                    dm |= (uint64_t)(unsigned)_mm_movemask_epi8(d) << (16 * k);
                    em |= (uint64_t)(unsigned)_mm_movemask_epi8(
                              _mm_cmpeq_epi8(x, _mm_set1_epi8((char)0xEF)))
                          << (16 * k);
                }
            }
            if (em == 0) {
                if (i > 0 && (unsigned)(u[i - 1] - '0') < 10)
                    dm &= dm + 1; /* the run that crosses in was handled before */
                while (dm != 0 && f->rc == AZK_OK) {
                    unsigned sb = (unsigned)__builtin_ctzll(dm);
                    uint64_t rest = ~(dm >> sb);
                    unsigned rl = rest != 0 ? (unsigned)__builtin_ctzll(rest) : 64 - sb;
                    rs = i + sb;
                    if (sb + rl >= 64) {
                        size_t e = skip_digits(u, len, rs, &nd);
                        digit_run(f, rs, e, nd, nums);
                        dm = 0;
                    } else {
                        if (!run_boring(u, len, rs, rs + rl, rl))
                            digit_run(f, rs, rs + rl, rl, nums);
                        dm &= ~((((uint64_t)1 << rl) - 1) << sb);
                    }
                }
                i += 64;
                continue;
            }
        }
#endif
        /* a block with a full-width digit (or no SSE2): byte by byte */
        {
            size_t stop = i + 64 < len ? i + 64 : len;
            while (i < stop && f->rc == AZK_OK) {
                i = next_digit_candidate(u, stop, i);
                if (i >= stop)
                    break;
                if (!is_digit_at(u, len, i) || (i > 0 && (unsigned)(u[i - 1] - '0') < 10)) {
                    /* not a digit, or the rest of a run handled before */
                    i++;
                    continue;
                }
                rs = i;
                i = skip_digits(u, len, i, &nd);
                if (!run_boring(u, len, rs, i, nd))
                    digit_run(f, rs, i, nd, nums);
            }
            if (i < stop)
                i = stop;
        }
    }
}

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
                    unsigned int flags, void *payload)
{
    azk_detect_ctx *c = payload;
    (void)from;
    (void)flags;
    if (c->hit_count == c->hit_cap && c->hit_cap * 2 > MAX_HITS)
        return 1; /* stop: enough candidates for one field */
    if (azk_array_reserve(&c->hits, &c->hit_cap, c->hit_count, sizeof(*c->hits), 256) != AZK_OK) {
        c->hit_oom = true;
        return 1;
    }
    c->hits[c->hit_count].id = id;
    c->hits[c->hit_count].to = (uint32_t)to;
    c->hit_count++;
    return 0;
}

static int cmp_hit(const void *a, const void *b)
{
    const struct hit *x = a, *y = b;
    if (x->to != y->to)
        return x->to < y->to ? -1 : 1;
    return x->id < y->id ? -1 : (x->id > y->id ? 1 : 0);
}

static azk_status add_label(azk_detect_ctx *c, size_t end, azk_column_kind k)
{
    azk_status rc =
        azk_array_reserve(&c->labels, &c->label_cap, c->label_count, sizeof(*c->labels), 16);
    if (rc != AZK_OK)
        return rc;
    c->labels[c->label_count].end = end;
    c->labels[c->label_count].kind = k;
    c->label_count++;
    return AZK_OK;
}

/*
 * Can the matcher find anything in p[0..n)? Every built-in literal holds a
 * byte >= 0x80 (kanji, kana, full-width) or is '@': an ASCII field without
 * '@' (most CSV cells, codes, numbers) skips hs_scan and its per-call cost.
 */
static bool needs_matcher(const unsigned char *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    const uint64_t at = 0x4040404040404040ull; /* '@' in every byte */
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w, x;
        memcpy(&w, p + i, 8);
        x = w ^ at;
        if ((w & highs) != 0 || ((x - ones) & ~x & highs) != 0)
            return true;
    }
    for (; i < n; i++) {
        if (p[i] >= 0x80 || p[i] == '@')
            return true;
    }
    return false;
}

/*
 * A cell of a row without header that is exactly one name: a lexicon
 * surname (kanji, or its katakana reading), one space, a given-name-shaped
 * run (1-3 kanji or 2-4 hiragana, 2-6 katakana): 宮崎 悠真, 今井 さくら,
 * ミヤザキ ユウマ in print data.
 * The cell is then judged as a name column's cell (organisation words,
 * placeholders); the given name need not be in the lexicon.
 */
static azk_column_kind headerless_name_cell(const azk_detect_ctx *c, const struct fld *f)
{
    size_t p = 0, a_end, l = 0, n1 = 0, n2 = 0;
    bool kana, hira;
    uint32_t cp;
    if (c->eng->names == NULL || f->len > 64 || f->len == 0)
        return AZK_COL_NONE;
    cp = cp_at(f, 0, &l);
    kana = azk_norm__is_katakana(cp);
    if (!kana && !azk_norm__is_kanji(cp))
        return AZK_COL_NONE;
    while (p < f->len &&
           (kana ? azk_norm__is_katakana(cp_at(f, p, &l)) : azk_norm__is_kanji(cp_at(f, p, &l)))) {
        p += l;
        n1++;
    }
    a_end = p;
    cp = cp_at(f, p, &l);
    if (cp != ' ' && cp != 0x3000)
        return AZK_COL_NONE;
    p += l;
    cp = cp_at(f, p, &l);
    hira = !kana && azk_norm__is_hiragana(cp); /* 今井 さくら */
    while (p < f->len) {
        cp = cp_at(f, p, &l);
        if (!(kana   ? azk_norm__is_katakana(cp)
              : hira ? azk_norm__is_hiragana(cp)
                     : azk_norm__is_kanji(cp)))
            break;
        p += l;
        n2++;
    }
    if (p != f->len || n1 > (kana ? 6u : 4u) || n1 < (kana ? 2u : 1u) ||
        n2 < (kana || hira ? 2u : 1u) ||
        n2 > (kana   ? 6u
              : hira ? 4u
                     : 3u))
        return AZK_COL_NONE;
    if (!azk_names__is_family(c->eng->names, f->s, a_end))
        return AZK_COL_NONE;
    return kana ? AZK_COL_NAME_KANA : AZK_COL_NAME;
}

static azk_status scan_field(azk_detect_ctx *c, const azk_field *fd, uint32_t idx,
                             azk_column_kind col, bool tabular, const azk_field *prev)
{
    struct fld f;
    size_t i;
    hs_error_t herr;
    memset(&f, 0, sizeof(f));
    f.c = c;
    f.s = fd->ptr;
    f.len = fd->len;
    f.idx = idx;
    f.col = col;
    f.tabular = tabular;
    f.prev = prev;
    f.prev_kind = -1;
    f.rc = AZK_OK;
    if (fd->len == 0 || fd->ptr == NULL)
        return AZK_OK;
    if (fd->len > UINT32_MAX)
        return azk_error_set(AZK_ERR_LIMIT, "detect: field %u longer than 4 GiB", idx);
    c->hit_count = 0;
    c->hit_oom = false;
    c->label_count = 0;
    herr = HS_SUCCESS;
    if (needs_matcher((const unsigned char *)fd->ptr, fd->len))
        herr = hs_scan(c->eng->db, fd->ptr, (unsigned int)fd->len, 0, c->scratch, on_match, c);
    if (c->hit_oom)
        return azk_error_nomem();
    if (herr != HS_SUCCESS && herr != HS_SCAN_TERMINATED)
        return azk_error_set(AZK_ERR_FORMAT, "detect: matcher failed on field %u", idx);
    if (c->hit_count > 1)
        qsort(c->hits, c->hit_count, sizeof(*c->hits), cmp_hit);
    /* labels first: every candidate looks back for them */
    for (i = 0; i < c->hit_count; i++) {
        size_t id = c->hits[i].id;
        if (id < N_LITS && lits[id].kind == PK_LABEL) {
            azk_status rc = add_label(c, c->hits[i].to, (azk_column_kind)lits[id].arg);
            if (rc != AZK_OK)
                return rc;
        }
    }
    /* hits are sorted by end, then id: literals in table order, then prefectures */
    for (i = 0; i < c->hit_count && f.rc == AZK_OK; i++) {
        size_t id = c->hits[i].id, to = c->hits[i].to;
        if (id < N_LITS) {
            if (lits[id].kind != PK_LABEL)
                literal_hit(&f, &lits[id], to);
        } else if (id - N_LITS < 47 && want(c, AZK_PII_ADDRESS)) {
            prefecture_at(&f, id - N_LITS, to);
        }
    }
    if (f.rc == AZK_OK)
        digit_runs(&f);
    if (col != AZK_COL_BIRTH_DATE && want(c, AZK_PII_BIRTH_DATE)) {
        for (i = 0; i < c->label_count && f.rc == AZK_OK; i++) {
            if (c->labels[i].kind == AZK_COL_BIRTH_DATE)
                date_after(&f, c->labels[i].end, 48,
                           with_context(0.5, AZK_COL_BIRTH_DATE, col, AZK_COL_BIRTH_DATE, 0.9),
                           false);
        }
    }
    if (f.rc != AZK_OK)
        return f.rc;
    if (col == AZK_COL_BIRTH_DATE && want(c, AZK_PII_BIRTH_DATE)) {
        size_t s = 0, l;
        while (s < f.len && (cp_at(&f, s, &l) == ' ' || cp_at(&f, s, &l) == 0x3000))
            s += l;
        date_after(&f, s, 24, 0.95, true);
    }
    if (col == AZK_COL_ADDRESS && want(c, AZK_PII_ADDRESS))
        address_cell(&f);
    if (f.rc != AZK_OK)
        return f.rc;
    if (c->names_ctx != NULL) {
        azk_status rc;
        if (tabular && col == AZK_COL_NONE && !c->header_seen)
            col = headerless_name_cell(c, &f);
        rc = azk_names__scan(c->names_ctx, f.s, f.len, col, on_name, &f);
        if (rc != AZK_OK)
            return rc;
    }
    return f.rc;
}

/* ---- one record ----------------------------------------------------------------- */

static azk_status set_columns(azk_detect_ctx *c, const azk_record *rec)
{
    size_t i, n = 0;
    azk_column_kind *cols;
    for (i = 0; i < rec->field_count; i++) {
        if (rec->fields[i].col + (size_t)1 > n)
            n = rec->fields[i].col + (size_t)1;
    }
    if (n == 0)
        n = 1;
    cols = azk_calloc(n, sizeof(*cols));
    if (cols == NULL)
        return azk_error_nomem();
    for (i = 0; i < rec->field_count; i++)
        cols[rec->fields[i].col] = azk_column_classify(rec->fields[i].ptr, rec->fields[i].len);
    azk_free(c->cols);
    c->cols = cols;
    c->col_count = n;
    c->header_seen = true;
    return AZK_OK;
}

/* A first row the decoder did not mark: a header when its cells are header names. */
static bool looks_like_header(const azk_record *rec)
{
    size_t i, known = 0, nonempty = 0, personal = 0;
    for (i = 0; i < rec->field_count; i++) {
        azk_column_kind k;
        if (rec->fields[i].len == 0)
            continue;
        nonempty++;
        k = azk_column_classify(rec->fields[i].ptr, rec->fields[i].len);
        if (k != AZK_COL_NONE)
            known++;
        if (k != AZK_COL_NONE && k != AZK_COL_OTHER)
            personal++;
    }
    return known >= 2 && personal >= 1 && known * 2 >= nonempty;
}

static azk_column_kind column_of(azk_detect_ctx *c, const azk_field *fd)
{
    if (c->cols != NULL && fd->col < c->col_count)
        return c->cols[fd->col];
    if (fd->header != NULL)
        return azk_column_classify(fd->header, fd->header_len);
    return AZK_COL_NONE;
}

/* Cache the header kinds the decoder gave with the first data row. */
static azk_status cache_columns(azk_detect_ctx *c, const azk_record *rec)
{
    size_t i, n = 0;
    azk_column_kind *cols;
    bool any = false;
    for (i = 0; i < rec->field_count; i++) {
        if (rec->fields[i].header != NULL)
            any = true;
        if (rec->fields[i].col + (size_t)1 > n)
            n = rec->fields[i].col + (size_t)1;
    }
    if (!any || n == 0)
        return AZK_OK;
    cols = azk_calloc(n, sizeof(*cols));
    if (cols == NULL)
        return azk_error_nomem();
    for (i = 0; i < rec->field_count; i++) {
        if (rec->fields[i].header != NULL)
            cols[rec->fields[i].col] =
                azk_column_classify(rec->fields[i].header, rec->fields[i].header_len);
    }
    azk_free(c->cols);
    c->cols = cols;
    c->col_count = n;
    c->header_seen = true;
    return AZK_OK;
}

static int type_rank(azk_pii_type t)
{
    static const int rank[AZK_PII__COUNT] = {
        [AZK_PII_PERSON_NAME] = 1,  [AZK_PII_ADDRESS] = 2,          [AZK_PII_EMAIL] = 3,
        [AZK_PII_BIRTH_DATE] = 4,   [AZK_PII_POSTAL_CODE] = 5,      [AZK_PII_PHONE] = 6,
        [AZK_PII_BANK_ACCOUNT] = 7, [AZK_PII_CORPORATE_NUMBER] = 8, [AZK_PII_MY_NUMBER] = 9,
        [AZK_PII_CREDIT_CARD] = 10,
    };
    return rank[t];
}

static int cmp_pref(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    if (x->len != y->len)
        return x->len > y->len ? -1 : 1;
    if (type_rank(x->type) != type_rank(y->type))
        return type_rank(x->type) > type_rank(y->type) ? -1 : 1;
    if (x->conf != y->conf)
        return x->conf > y->conf ? -1 : 1;
    return x->start < y->start ? -1 : (x->start > y->start ? 1 : 0);
}

static int cmp_span(const void *a, const void *b)
{
    const struct cand *x = a, *y = b;
    if (x->field != y->field)
        return x->field < y->field ? -1 : 1;
    return x->start < y->start ? -1 : (x->start > y->start ? 1 : 0);
}

/* Keep one finding per value: longest, then most specific, then most confident. */
static size_t resolve(struct cand *v, size_t n)
{
    size_t i, j, kept = 0;
    if (n == 0)
        return 0; /* v may be NULL: no candidate was ever stored */
    qsort(v, n, sizeof(*v), cmp_pref);
    for (i = 0; i < n; i++) {
        bool clash = false;
        for (j = 0; j < kept; j++) {
            if (v[j].field == v[i].field && v[i].start < v[j].start + v[j].len &&
                v[j].start < v[i].start + v[i].len) {
                clash = true;
                break;
            }
        }
        if (!clash)
            v[kept++] = v[i];
    }
    qsort(v, kept, sizeof(*v), cmp_span);
    return kept;
}

static int allow_hit(unsigned int id, unsigned long long from, unsigned long long to,
                     unsigned int flags, void *payload)
{
    (void)id;
    (void)from;
    (void)to;
    (void)flags;
    *(bool *)payload = true;
    return 1;
}

static bool allow_scan(azk_detect_ctx *c, const char *s, size_t n)
{
    bool hit = false;
    if (n > UINT32_MAX || !azk_utf8_valid((const uint8_t *)s, n))
        return false;
    (void)hs_scan(c->eng->allow_db, s, (unsigned int)n, 0, c->allow_scratch, allow_hit, &hit);
    return hit;
}

static azk_status allowed(azk_detect_ctx *c, const char *s, size_t n, bool *out)
{
    azk_status rc;
    const azk_detect_engine *e = c->eng;
    *out = false;
    if (e->allow_key_count == 0 && e->allow_db == NULL)
        return AZK_OK;
    if (e->allow_key_count > 0) {
        const char *key;
        rc = allow_key(&c->tmp, s, n);
        if (rc != AZK_OK)
            return rc;
        key = (const char *)c->tmp.data;
        if (bsearch(&key, e->allow_keys, e->allow_key_count, sizeof(char *), cmp_str) != NULL) {
            *out = true;
            return AZK_OK;
        }
    }
    if (e->allow_db != NULL) {
        if (allow_scan(c, s, n)) {
            *out = true;
            return AZK_OK;
        }
        azk_buf_clear(&c->tmp);
        rc = azk_digits__fold(&c->tmp, s, n, false, false);
        if (rc != AZK_OK)
            return rc;
        *out = allow_scan(c, (const char *)c->tmp.data, c->tmp.len);
    }
    return AZK_OK;
}

azk_status azk_detect__record(azk_detect_ctx *c, const azk_record *rec, azk_finding_cb cb,
                              void *payload, size_t *excluded)
{
    azk_status rc = AZK_OK;
    size_t i, n, kept;
    bool row_has_name = false;
    AZK_ASSERT_ARG(c != NULL && rec != NULL && cb != NULL);
    if (excluded != NULL)
        *excluded = 0;
    if (rec->tabular && rec->sheet != NULL &&
        strncmp(rec->sheet, c->sheet, sizeof(c->sheet) - 1) != 0) {
        /* every sheet of a workbook has its own header row */
        azk_detect__object_begin(c, NULL);
        (void)snprintf(c->sheet, sizeof(c->sheet), "%s", rec->sheet);
    }
    if (rec->tabular) {
        bool first = c->tab_rows == 0;
        c->tab_rows++;
        if (rec->is_header || (first && !c->header_seen && looks_like_header(rec)))
            return set_columns(c, rec);
        if (first && !c->header_seen) {
            rc = cache_columns(c, rec);
            if (rc != AZK_OK)
                return rc;
        }
    }
    c->cand_count = 0;
    for (i = 0; i < rec->field_count; i++) {
        const azk_field *fd = &rec->fields[i];
        azk_column_kind col = rec->tabular ? column_of(c, fd) : AZK_COL_NONE;
        const azk_field *prev = NULL;
        if (rec->tabular && i > 0 && (col == AZK_COL_NONE || col == AZK_COL_OTHER))
            prev = &rec->fields[i - 1];
        rc = scan_field(c, fd, (uint32_t)i, col, rec->tabular != 0, prev);
        if (rc != AZK_OK)
            return rc;
    }
    /* row-level context, then the confidence floor */
    for (i = 0; i < c->cand_count; i++) {
        if (c->cands[i].type == AZK_PII_PERSON_NAME && c->cands[i].conf >= c->eng->min_conf)
            row_has_name = true;
    }
    /* NNN-NNNN heading an address: in the next cells of a row without
     * header, or at most 64 bytes before it on a line */
    for (i = 0; i < c->cand_count; i++) {
        struct cand *x = &c->cands[i];
        size_t k;
        if (!(x->flags & CF_POSTAL_ADDR))
            continue;
        for (k = 0; k < c->cand_count; k++) {
            const struct cand *a = &c->cands[k];
            if (a->type != AZK_PII_ADDRESS || a->conf < c->eng->min_conf)
                continue;
            if ((rec->tabular && a->field > x->field && a->field <= x->field + 2) ||
                (!rec->tabular && a->field == x->field && a->start >= x->start + x->len &&
                 a->start - (x->start + x->len) <= 64)) {
                x->conf = 0.85;
                break;
            }
        }
    }
    n = 0;
    for (i = 0; i < c->cand_count; i++) {
        struct cand *x = &c->cands[i];
        if ((x->flags & CF_NEEDS_NAME) && !row_has_name)
            continue;
        if (x->conf < c->eng->min_conf)
            continue;
        c->cands[n++] = *x;
    }
    kept = resolve(c->cands, n);
    for (i = 0; i < kept; i++) {
        const struct cand *x = &c->cands[i];
        const azk_field *fd = &rec->fields[x->field];
        azk_finding fnd;
        bool skip = false;
        rc = allowed(c, fd->ptr + x->start, x->len, &skip);
        if (rc != AZK_OK)
            return rc;
        if (skip) {
            if (excluded != NULL)
                (*excluded)++;
            continue;
        }
        memset(&fnd, 0, sizeof(fnd));
        fnd.type = x->type;
        fnd.field = x->field;
        fnd.start = x->start;
        fnd.len = x->len;
        fnd.line = rec->line;
        fnd.page = rec->page;
        fnd.sheet = rec->sheet;
        fnd.confidence = x->conf;
        memcpy(fnd.masked, x->masked, sizeof(fnd.masked));
        fnd.masked[sizeof(fnd.masked) - 1] = '\0';
        rc = cb(&fnd, payload);
        if (rc != AZK_OK)
            return rc;
    }
    return AZK_OK;
}

/* ---- object score ------------------------------------------------------------ */

double azk_detect__score(const size_t counts[AZK_PII__COUNT], size_t rows_with_multiple_types,
                         uint64_t records)
{
    /* weight of one kind of value: how much harm a leak of it does */
    static const double w[AZK_PII__COUNT] = {
        [AZK_PII_PERSON_NAME] = 2.0,  [AZK_PII_ADDRESS] = 3.0,
        [AZK_PII_POSTAL_CODE] = 1.0,  [AZK_PII_PHONE] = 3.0,
        [AZK_PII_EMAIL] = 2.0,        [AZK_PII_BIRTH_DATE] = 4.0,
        [AZK_PII_MY_NUMBER] = 10.0,   [AZK_PII_CORPORATE_NUMBER] = 0.5,
        [AZK_PII_BANK_ACCOUNT] = 6.0, [AZK_PII_CREDIT_CARD] = 8.0,
    };
    double raw = 0.0, density;
    int t;
    for (t = 0; t < AZK_PII__COUNT; t++)
        raw += w[t] * log2(1.0 + (double)counts[t]);
    /* rows that tie several kinds of value to one person make a roster */
    density = records > 0 ? (double)rows_with_multiple_types / (double)records : 0.0;
    if (density > 1.0)
        density = 1.0;
    raw += 8.0 * log2(1.0 + (double)rows_with_multiple_types) * (1.0 + density);
    return 100.0 * (1.0 - exp(-raw / 40.0));
}
