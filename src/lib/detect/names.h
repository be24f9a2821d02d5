/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/names.h -- Japanese person-name detection, called by detect.c for
 * each field. Contract between detect.c and names*.c.
 *
 * Fast path: a lexicon of surnames and given names (kanji and katakana
 * readings) generated at build time from IPAdic's person-name entries
 * (名詞,固有名詞,人名,姓/名). Candidates come from the lexicon plus cues
 * (様/さん/殿/君, 氏名: labels, name columns, kana readings); MeCab (one
 * tagger per context, i.e. per thread) confirms candidate regions of free
 * text. One callback per name mention.
 */
#ifndef AZK_DETECT_NAMES_H
#define AZK_DETECT_NAMES_H

#include "util/util.h"
#include "azukari/types.h"

typedef struct azk_names azk_names;         /* shared, read-only */
typedef struct azk_names_ctx azk_names_ctx; /* per thread */

/* dicdir: MeCab dictionary directory, NULL for the system ipadic-utf8. */
AZK_NODISCARD azk_status azk_names__new(azk_names **out, const char *dicdir);
void azk_names__free(azk_names *n);
AZK_NODISCARD azk_status azk_names__ctx_new(azk_names_ctx **out, const azk_names *n);
void azk_names__ctx_free(azk_names_ctx *ctx);

typedef struct {
    size_t start, len; /* byte span of the whole mention in the text */
    size_t family_len; /* bytes of the family-name part from start (0 if unknown) */
    double confidence; /* 0..1 */
    bool kana;         /* the mention is a kana reading (ヤマダ タロウ) */
} azk_name_hit;

typedef azk_status (*azk_name_cb)(const azk_name_hit *hit, void *payload);

/*
 * Find person-name mentions in UTF-8 text. col tells what the field is:
 * AZK_COL_NONE for free text, AZK_COL_NAME / NAME_KANA / FAMILY_NAME /
 * GIVEN_NAME for a name column (raises confidence; the whole cell may be
 * the name), other kinds lower it.
 */
AZK_NODISCARD azk_status azk_names__scan(azk_names_ctx *ctx, const char *text, size_t len,
                                         azk_column_kind col, azk_name_cb cb, void *payload);

/* True when s (UTF-8) is a known surname / given name (kanji or katakana). */
bool azk_names__is_family(const azk_names *n, const char *s, size_t len);
bool azk_names__is_given(const azk_names *n, const char *s, size_t len);

/* Number of MeCab parses this context has run (statistics for benchmarks). */
unsigned long azk_names__ctx_mecab_calls(const azk_names_ctx *ctx);

#endif
