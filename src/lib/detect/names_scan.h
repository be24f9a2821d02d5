/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/names_scan.h -- what the files of the person-name detector share
 * (internal to src/lib/detect/, contract for others: names.h): confidence
 * levels, limits, the engine and per-thread context with its MeCab tokens,
 * the state of one scan, and the helpers one file calls in another's
 * (names.c: character classes, lexicon, reporting, MeCab, public entry
 * points; names_text.c: free-text candidates; names_field.c: the free-text
 * scan and name columns).
 */
#ifndef AZK_DETECT_NAMES_SCAN_H
#define AZK_DETECT_NAMES_SCAN_H

#include "detect/names.h"
#include "detect/names_lex.h"

#include <mecab.h>

#define AZK_NAMES_DEFAULT_DICDIR "/var/lib/mecab/dic/ipadic-utf8"

/* confidence ladder: column > honorific/label > confirmed pair > weaker */
#define CONF_COLUMN         0.95
#define CONF_COLUMN_UNKNOWN 0.85
#define CONF_FULL_HONOR     0.93
#define CONF_FULL_HONOR_OOV 0.88 /* known surname, unlisted given name */
#define CONF_LABEL          0.90
#define CONF_FAMILY_HONOR   0.85
#define CONF_KANA_HONOR     0.85
#define CONF_FULL_PAIR      0.80
#define CONF_KANA_PAIR      0.75
#define CONF_LABEL_UNKNOWN  0.70
#define CONF_GIVEN_HONOR    0.70
#define CONF_KANA_FAMILY    0.70
#define CONF_KANA_ORG       0.45 /* below the default reporting threshold */

#define MAX_TOKS       128
#define WIN_BEFORE     6  /* code points of context before a candidate */
#define WIN_AFTER      20 /* code points after it */
#define MAX_NAME_CHARS 10
#define MAX_KANA_CHARS 20
#define MAX_LEX_CHARS  24                 /* longest lexicon entry looked up, in code points */
#define MEMO_BITS      12                 /* 4,096 cells remembered as holding no name */
#define MEMO_MAX_LEN   96                 /* longest field remembered, bytes */
#define MEMO_WORDS     (MEMO_MAX_LEN / 4) /* 32-bit words of the longest one */
#define WORD_BITS      14 /* 16,384 free-text words remembered as holding no mention */

enum tok_class {
    TK_OTHER = 0,    /* not a noun: particle, verb, ... */
    TK_NOUN,         /* common noun (一般, 固有名詞, 接尾,一般) */
    TK_NOUN_FUNC,    /* サ変接続, 形容動詞語幹, 副詞可能, 代名詞, 非自立 */
    TK_NUM,          /* 名詞,数: in a kanji run, a numeral kanji (八代, 一ノ瀬) */
    TK_UNKNOWN,      /* MeCab unknown word */
    TK_FAMILY,       /* 名詞,固有名詞,人名,姓 */
    TK_GIVEN,        /* 名詞,固有名詞,人名,名 */
    TK_PERSON,       /* 名詞,固有名詞,人名,一般 */
    TK_HONOR,        /* 名詞,接尾,人名 (様, さん, 氏 ...) */
    TK_ORG,          /* 名詞,固有名詞,組織 */
    TK_PLACE,        /* 名詞,固有名詞,地域 */
    TK_PLACE_SUFFIX, /* 名詞,接尾,地域 (区, 市, 駅 ...) */
    TK_PREFIX,       /* 接頭詞 (大翔 reads as 大 + 翔) */
    TK_SPACE,        /* 記号,空白 */
    TK_SYMBOL        /* other 記号 */
};

struct tok {
    size_t start, end; /* byte offsets in the scanned text */
    enum tok_class cls;
};

struct azk_names {
    struct azk_names_lex lex;
    mecab_model_t *model;
};

struct azk_names_ctx {
    const azk_names *n;
    mecab_t *tagger;
    mecab_lattice_t *lattice;
    /* last MeCab parse: tokens of text[win_start, win_end) */
    const uint8_t *win_text;
    size_t win_start, win_end;
    bool win_hard_start, win_hard_end; /* window edge is a line/text edge */
    uint8_t window[(WIN_BEFORE + WIN_AFTER) * 4];
    struct tok toks[MAX_TOKS];
    size_t ntok;
    /* half-width katakana folding */
    azk_buf norm;
    size_t *map;
    size_t map_cap;
    unsigned long mecab_calls;
    /*
     * Short fields already scanned without a mention (CSV cells and log
     * words repeat: 圧着ハガキ, 処理完了): two multilinear hashes of the
     * column kind, the length and the bytes in 32-bit words, with random
     * 64-bit keys per context (libsodium), direct-mapped. For two
     * different inputs of one length each hash collides with probability
     * at most 2^-32 over the keys, both at most 2^-64, and nobody who does
     * not know the keys can craft a cell that collides with a remembered
     * one. The scan is a pure function of (text, column), so a repeat
     * cannot find anything either. Only the hashes are kept.
     */
    uint64_t memo_ka[MEMO_WORDS + 1];
    uint64_t memo_kb[MEMO_WORDS + 1];
    struct memo_slot *words; /* same, for words of free text (azk_names__scan_free) */
    struct memo_slot {
        uint64_t a, b;
        uint32_t len; /* 0 = empty */
        uint32_t col;
    } * memo;
};

/* one scan call */
struct scan {
    azk_names_ctx *ctx;
    const azk_names *n;
    const uint8_t *t;
    size_t len;
    const size_t *map; /* NULL, or t offsets -> caller offsets */
    double factor;     /* column adjustments */
    double boost;
    azk_name_cb cb;
    void *payload;
    unsigned long hits; /* mentions reported */
    size_t hit_end;     /* end of the last mention reported (t offsets) */
    bool parsed;        /* azk_names__parse_around was asked for (a cue was seen) */
    /*
     * Free text whose folding (names_lex.h) is not decided yet: t is the
     * caller's text, and what the scan has passed so far (ASCII, words
     * found in the word memo) holds no code point that folds.
     * azk_names__scan_free decides at the first position it has to look at.
     */
    bool fold_open;
};

struct memo_key {
    uint64_t a, b;
};

bool azk_names__is_kanji(uint32_t c);
bool azk_names__is_kata(uint32_t c);
bool azk_names__is_hira(uint32_t c);
bool azk_names__is_space(uint32_t c);
uint32_t azk_names__cp_at(const struct scan *s, size_t i, size_t *clen);
uint32_t azk_names__cp_before(const struct scan *s, size_t i);
size_t azk_names__skip_one_space(const struct scan *s, size_t i);
bool azk_names__bytes_eq(const struct scan *s, size_t i, const char *lit, size_t *end);
bool azk_names__honorific_at(const struct scan *s, size_t i, size_t *end);
size_t azk_names__count_chars(const uint8_t *p, size_t len);
const struct azk_names_lex_entry *azk_names__lex_lookup(const azk_names *n, const uint8_t *p,
                                                        size_t len);
size_t azk_names__lex_prefixes(const struct scan *s, size_t i, bool kana, unsigned want,
                               size_t *ends, size_t max_out);
void azk_names__lex_prefixes2(const struct scan *s, size_t i, size_t *fam, size_t *nf, size_t *giv,
                              size_t *ng, size_t max_out);
size_t azk_names__lex_split(const azk_names *n, const uint8_t *p, size_t len, bool kana,
                            bool *both);
azk_status azk_names__emit(struct scan *s, size_t start, size_t end, size_t family_end, double conf,
                           bool kana);
void azk_names__parse_around(struct scan *s, size_t p);
long azk_names__tok_at(const azk_names_ctx *ctx, size_t p);
bool azk_names__tok_personal(enum tok_class c);
bool azk_names__tok_contradicts(enum tok_class c);
long azk_names__span_tokens(const azk_names_ctx *ctx, long k, size_t end, bool *personal,
                            bool *family_first, bool *all_unknown);
bool azk_names__tok_honorific(const azk_names_ctx *ctx, long k, size_t at, size_t hend);
struct memo_key azk_names__memo_hash(const azk_names_ctx *ctx, const uint8_t *t, size_t len,
                                     uint32_t col);
azk_status azk_names__try_kanji(struct scan *s, size_t p, size_t *next);
azk_status azk_names__try_kana(struct scan *s, size_t p, size_t *next);
bool azk_names__is_placeholder(const uint8_t *p, size_t len);
azk_status azk_names__label_value(struct scan *s, size_t v, bool kana_label, bool strong_label,
                                  size_t *next);
azk_status azk_names__try_label(struct scan *s, size_t p, uint32_t c, size_t *next);
extern const char *const azk_names__labels[];
bool azk_names__memo_has(const struct memo_slot *m, struct memo_key k, size_t len, uint32_t col);
void azk_names__memo_put(struct memo_slot *m, struct memo_key k, size_t len, uint32_t col);
azk_status azk_names__scan_free(struct scan *s);
/* Fold s->t (names_lex.h) into the context's buffer and scan that. */
azk_status azk_names__fold_text(struct scan *s);
azk_status azk_names__scan_column(struct scan *s, azk_column_kind col, bool *done);

#endif
