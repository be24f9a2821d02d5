/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/names.c -- Japanese person-name detection (contract: names.h).
 *
 * Three paths, cheapest first:
 *   - name columns (氏名, フリガナ, 姓, 名): the trimmed cell is the name
 *     when it is plausibly one; the lexicon only splits family/given.
 *   - free text: a byte scan skips ASCII eight bytes at a time; at CJK
 *     positions the lexicon (names_lex.c) proposes candidates, which need a
 *     cue before anything costly happens: surname + given name, name +
 *     honorific (様/さん/殿/君/氏...), a label (氏名：, お名前 ...), or a
 *     katakana reading pair (ヤマダ タロウ). Kanji candidates are then
 *     confirmed by MeCab on a short window: the tokens must align with the
 *     candidate and carry 名詞,固有名詞,人名 (姓 then 名), or, with a strong
 *     cue, at least not be tagged as an organisation, a place or a common
 *     word. One MeCab parse is reused for nearby candidates.
 *   - half-width katakana input is folded to full width first, with a byte
 *     map so spans stay on the caller's bytes.
 *
 * One callback per mention; the scan resumes after a reported mention, so
 * mentions never overlap. Nothing here logs or stores the text.
 */
#include "detect/names.h"
#include "detect/names_lex.h"
#include "norm/norm.h"

#include <mecab.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

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
#define MEMO_BITS      10                 /* 1,024 cells remembered as holding no name */
#define MEMO_MAX_LEN   96                 /* longest field remembered, bytes */
#define MEMO_WORDS     (MEMO_MAX_LEN / 4) /* 32-bit words of the longest one */
#define WORD_BITS      12 /* 4,096 free-text words remembered as holding no mention */

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
    struct memo_slot *words; /* same, for words of free text (scan_free) */
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
    bool parsed;        /* parse_around was asked for (a cue was seen) */
};

/* ---- character classes ------------------------------------------------ */

/* Name characters: norm's classes, plus 〆 and the small ヵ ヶ (written in
 * kanji names: 〆木, 八ヶ代), the prolonged ー in katakana names, and the
 * iteration marks ゝ ゞ in hiragana ones. */
static bool is_kanji(uint32_t c)
{
    return azk_norm__is_kanji(c) || c == 0x3006 || c == 0x30F5 || c == 0x30F6;
}

static bool is_kata(uint32_t c)
{
    return azk_norm__is_katakana(c) || c == 0x30FC;
}

static bool is_hira(uint32_t c)
{
    return azk_norm__is_hiragana(c) || c == 0x309D || c == 0x309E;
}

static bool is_space(uint32_t c)
{
    return c == ' ' || c == '\t' || c == 0x3000;
}

static uint32_t cp_at(const struct scan *s, size_t i, size_t *clen)
{
    uint32_t cp = 0;
    size_t l = 0;
    if (i < s->len) {
        const uint8_t *p = s->t + i;
        if (p[0] < 0x80) {
            cp = p[0];
            l = 1;
        } else if ((p[0] & 0xF0) == 0xE0 && s->len - i >= 3 && (p[1] & 0xC0) == 0x80 &&
                   (p[2] & 0xC0) == 0x80) {
            /* CJK: the common case inline, same checks as azk_utf8_decode */
            cp = ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) |
                 (uint32_t)(p[2] & 0x3F);
            l = 3;
            if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) {
                cp = 0xFFFD;
                l = 1;
            }
        } else {
            l = azk_utf8_decode(p, s->len - i, &cp);
        }
    }
    if (clen != NULL)
        *clen = l;
    return cp;
}

/* Code point ending just before i (0 at the start). */
static uint32_t cp_before(const struct scan *s, size_t i)
{
    size_t j = i;
    uint32_t cp = 0;
    if (i == 0)
        return 0;
    do {
        j--;
    } while (j > 0 && i - j < 4 && (s->t[j] & 0xC0) == 0x80);
    (void)azk_utf8_decode(s->t + j, i - j, &cp);
    return cp;
}

/* Skip one whitespace code point (ASCII space, tab, U+3000) at i. */
static size_t skip_one_space(const struct scan *s, size_t i)
{
    size_t l;
    uint32_t c = cp_at(s, i, &l);
    return (l > 0 && is_space(c)) ? i + l : i;
}

static bool bytes_eq(const struct scan *s, size_t i, const char *lit, size_t *end)
{
    size_t l = strlen(lit);
    if (i + l > s->len || memcmp(s->t + i, lit, l) != 0)
        return false;
    *end = i + l;
    return true;
}

/*
 * Honorific at i: 様/さま/さん/殿/君/氏/くん/ちゃん. A kanji honorific must
 * not start a longer word (様式, 様子, 殿堂, 氏名, 君主), except 様方/様宛.
 */
static bool honorific_at(const struct scan *s, size_t i, size_t *end)
{
    static const char *const kanji_h[] = {"様", "殿", "君", "氏"};
    static const char *const kana_h[] = {"さま", "さん", "くん", "ちゃん"};
    size_t e;
    /* every honorific starts with 0xE3 (kana) or 0xE5/0xE6 (kanji) */
    if (i >= s->len || (s->t[i] != 0xE3 && s->t[i] != 0xE5 && s->t[i] != 0xE6))
        return false;
    for (size_t k = 0; k < sizeof(kanji_h) / sizeof(kanji_h[0]); k++) {
        if (bytes_eq(s, i, kanji_h[k], &e)) {
            uint32_t nx = cp_at(s, e, NULL);
            if (is_kanji(nx) && !(k == 0 && (nx == 0x65B9 /* 方 */ || nx == 0x5B9B /* 宛 */)))
                return false;
            *end = e;
            return true;
        }
    }
    for (size_t k = 0; k < sizeof(kana_h) / sizeof(kana_h[0]); k++) {
        if (bytes_eq(s, i, kana_h[k], &e)) {
            *end = e;
            return true;
        }
    }
    return false;
}

/* ---- lexicon helpers ---------------------------------------------------- */

static size_t count_chars(const uint8_t *p, size_t len)
{
    size_t c = 0;
    for (size_t i = 0; i < len; i++)
        c += (p[i] & 0xC0) != 0x80;
    return c;
}

static const struct azk_names_lex_entry *lex_find(const azk_names *n, const uint8_t *p, size_t len)
{
    return azk_names__lex_find(&n->lex, p, len);
}

/*
 * Lexicon entries starting at i whose chars all satisfy the class (kanji or
 * katakana): ends[] gets their end offsets, longest first, for entries with
 * any flag in `want`. Returns the count.
 */
static size_t lex_prefixes(const struct scan *s, size_t i, bool kana, unsigned want, size_t *ends,
                           size_t max_out)
{
    size_t bounds[MAX_LEX_CHARS]; /* only [0, nb) is read: no memset per position */
    size_t nb = 0;
    size_t j = i;
    size_t out = 0;
    size_t l;
    uint32_t c = cp_at(s, i, &l);
    uint32_t c0 = c;
    size_t limit = c < 0x10000 ? s->n->lex.first[c] : s->n->lex.max_chars;
    if (limit > MAX_LEX_CHARS)
        limit = MAX_LEX_CHARS;
    while (nb < limit) {
        c = cp_at(s, j, &l);
        /* kanji names may end in katakana (ヨウ子 starts with kana, but
         * 田中ジョージ, 鈴木ケイ子 mix): entries decide what matches */
        if (l == 0 || !(kana ? is_kata(c) : (is_kanji(c) || (nb > 0 && is_kata(c)))))
            break;
        if (nb == 0)
            c0 = c;
        else if (nb == 1 && !azk_names__lex_pair(&s->n->lex, c0, c))
            limit = 1; /* no entry of two or more code points starts here */
        j += l;
        bounds[nb++] = j;
    }
    if (nb > limit)
        nb = limit;
    while (nb > 0 && out < max_out) {
        const struct azk_names_lex_entry *e;
        nb--;
        if (nb == 0 && !azk_names__lex_one(&s->n->lex, c0))
            break;
        e = lex_find(s->n, s->t + i, bounds[nb] - i);
        if (e != NULL && (e->flags & want) != 0)
            ends[out++] = bounds[nb];
    }
    return out;
}

/* Surname and given-name entries at i in one pass (kanji mode). */
static void lex_prefixes2(const struct scan *s, size_t i, size_t *fam, size_t *nf, size_t *giv,
                          size_t *ng, size_t max_out)
{
    size_t bounds[MAX_LEX_CHARS]; /* only [0, nb) is read: no memset per position */
    size_t nb = 0;
    size_t j = i;
    size_t l;
    uint32_t c = cp_at(s, i, &l);
    uint32_t c0 = c;
    size_t limit = c < 0x10000 ? s->n->lex.first[c] : s->n->lex.max_chars;
    *nf = 0;
    *ng = 0;
    if (limit > MAX_LEX_CHARS)
        limit = MAX_LEX_CHARS;
    while (nb < limit) {
        c = cp_at(s, j, &l);
        if (l == 0 || !(is_kanji(c) || (nb > 0 && is_kata(c))))
            break;
        if (nb == 0)
            c0 = c;
        else if (nb == 1 && !azk_names__lex_pair(&s->n->lex, c0, c))
            limit = 1; /* no entry of two or more code points starts here */
        j += l;
        bounds[nb++] = j;
    }
    if (nb > limit)
        nb = limit;
    while (nb > 0) {
        const struct azk_names_lex_entry *e;
        nb--;
        if (nb == 0 && !azk_names__lex_one(&s->n->lex, c0))
            break;
        e = lex_find(s->n, s->t + i, bounds[nb] - i);
        if (e == NULL)
            continue;
        if ((e->flags & AZK_NAMES_LEX_FAMILY) != 0 && *nf < max_out)
            fam[(*nf)++] = bounds[nb];
        if ((e->flags & AZK_NAMES_LEX_GIVEN) != 0 && *ng < max_out)
            giv[(*ng)++] = bounds[nb];
    }
}

/*
 * Best family/given split of p[0..len) by the lexicon (kanji flags or
 * reading flags). Returns the family byte length, 0 when no split exists.
 * *both is set when both parts are known.
 */
static size_t lex_split(const azk_names *n, const uint8_t *p, size_t len, bool kana, bool *both)
{
    unsigned ff = kana ? AZK_NAMES_LEX_R_FAMILY : AZK_NAMES_LEX_FAMILY;
    unsigned gf = kana ? AZK_NAMES_LEX_R_GIVEN : AZK_NAMES_LEX_GIVEN;
    size_t best = 0;
    unsigned best_cost = 0xFFFFFFFFu;
    size_t longest_family = 0;
    size_t i = 0;
    *both = false;
    while (i < len) {
        uint32_t cp;
        const struct azk_names_lex_entry *f;
        i += azk_utf8_decode(p + i, len - i, &cp);
        if (i >= len)
            break;
        /* one-mora readings (イ, リ) split any katakana word (イ|オン, ニト|リ) */
        if (kana && (count_chars(p, i) < 2 || count_chars(p + i, len - i) < 2))
            continue;
        f = lex_find(n, p, i);
        if (f != NULL && (f->flags & ff) != 0) {
            const struct azk_names_lex_entry *g = lex_find(n, p + i, len - i);
            longest_family = i;
            if (g != NULL && (g->flags & gf) != 0) {
                unsigned cost = (unsigned)f->fcost + g->gcost;
                if (cost < best_cost) {
                    best_cost = cost;
                    best = i;
                }
            }
        }
    }
    if (best != 0) {
        *both = true;
        return best;
    }
    return longest_family;
}

/* ---- reporting -------------------------------------------------------------- */

static azk_status emit(struct scan *s, size_t start, size_t end, size_t family_end, double conf,
                       bool kana)
{
    azk_name_hit h;
    size_t os;
    size_t oe;
    if (end <= start)
        return AZK_OK; /* never a finding with an empty value */
    os = s->map ? s->map[start] : start;
    oe = s->map ? s->map[end] : end;
    conf = conf * s->factor + s->boost;
    if (conf > 1.0)
        conf = 1.0;
    if (conf < 0.0)
        conf = 0.0;
    s->hits++;
    s->hit_end = end;
    h.start = os;
    h.len = oe - os;
    h.family_len = 0;
    if (family_end > start && family_end <= end)
        h.family_len = (s->map ? s->map[family_end] : family_end) - os;
    h.confidence = conf;
    h.kana = kana;
    return s->cb(&h, s->payload);
}

/* ---- MeCab ------------------------------------------------------------------ */

static enum tok_class classify(const mecab_node_t *node)
{
    const char *f = node->feature;
    if (f == NULL)
        return TK_OTHER;
    if (strncmp(f, "名詞,固有名詞,人名,姓", strlen("名詞,固有名詞,人名,姓")) == 0)
        return TK_FAMILY;
    if (strncmp(f, "名詞,固有名詞,人名,名", strlen("名詞,固有名詞,人名,名")) == 0)
        return TK_GIVEN;
    if (strncmp(f, "名詞,固有名詞,人名", strlen("名詞,固有名詞,人名")) == 0)
        return TK_PERSON;
    if (strncmp(f, "名詞,固有名詞,組織", strlen("名詞,固有名詞,組織")) == 0)
        return TK_ORG;
    if (strncmp(f, "名詞,固有名詞,地域", strlen("名詞,固有名詞,地域")) == 0)
        return TK_PLACE;
    if (strncmp(f, "名詞,接尾,人名", strlen("名詞,接尾,人名")) == 0)
        return TK_HONOR;
    if (strncmp(f, "名詞,接尾,地域", strlen("名詞,接尾,地域")) == 0)
        return TK_PLACE_SUFFIX;
    if (node->stat == MECAB_UNK_NODE)
        return TK_UNKNOWN;
    if (strncmp(f, "名詞,数", strlen("名詞,数")) == 0)
        return TK_NUM;
    if (strncmp(f, "名詞,", strlen("名詞,")) == 0) {
        static const char *const func[] = {"名詞,サ変接続", "名詞,形容動詞語幹", "名詞,副詞可能",
                                           "名詞,代名詞", "名詞,非自立"};
        for (size_t k = 0; k < sizeof(func) / sizeof(func[0]); k++) {
            if (strncmp(f, func[k], strlen(func[k])) == 0)
                return TK_NOUN_FUNC;
        }
        return TK_NOUN;
    }
    if (strncmp(f, "記号,空白", strlen("記号,空白")) == 0)
        return TK_SPACE;
    if (strncmp(f, "接頭詞,", strlen("接頭詞,")) == 0)
        return TK_PREFIX;
    if (strncmp(f, "記号,", strlen("記号,")) == 0)
        return TK_SYMBOL;
    return TK_OTHER;
}

/*
 * Make sure ctx->toks covers position p with some context on both sides,
 * parsing a window of the current line when the cached one does not.
 */
static void parse_around(struct scan *s, size_t p)
{
    azk_names_ctx *ctx = s->ctx;
    size_t ws = p;
    size_t we = p;
    const mecab_node_t *node;
    s->parsed = true;
    if (ctx->win_text == s->t && ctx->ntok > 0 && p >= ctx->win_start && p < ctx->win_end &&
        (ctx->win_hard_start || p - ctx->win_start >= 12) &&
        (ctx->win_hard_end || ctx->win_end - p >= 42))
        return;
    for (int k = 0; k < WIN_BEFORE && ws > 0; k++) {
        size_t j = ws;
        do {
            j--;
        } while (j > 0 && (s->t[j] & 0xC0) == 0x80);
        if (s->t[j] == '\n' || s->t[j] == '\r')
            break;
        ws = j;
    }
    for (int k = 0; k < WIN_AFTER && we < s->len; k++) {
        size_t l;
        (void)cp_at(s, we, &l);
        if (s->t[we] == '\n' || s->t[we] == '\r')
            break;
        we += l;
    }
    ctx->win_text = s->t;
    ctx->win_start = ws;
    ctx->win_end = we;
    ctx->win_hard_start = ws == 0 || s->t[ws - 1] == '\n' || s->t[ws - 1] == '\r';
    ctx->win_hard_end = we >= s->len || s->t[we] == '\n' || s->t[we] == '\r';
    ctx->ntok = 0;
    ctx->mecab_calls++;
    /*
     * MeCab reads U+3000 as a symbol token, which breaks the 姓→名
     * connection costs (伊藤　花子 becomes place + given name); three ASCII
     * spaces keep the byte offsets and are skipped like any whitespace.
     */
    if (we - ws > sizeof(ctx->window))
        we = ws + sizeof(ctx->window); /* cannot happen: WIN_* chars x 4 bytes */
    memcpy(ctx->window, s->t + ws, we - ws);
    for (size_t k = 0; k + 3 <= we - ws; k++) {
        if (ctx->window[k] == 0xE3 && ctx->window[k + 1] == 0x80 && ctx->window[k + 2] == 0x80)
            memset(ctx->window + k, ' ', 3);
    }
    mecab_lattice_set_sentence2(ctx->lattice, (const char *)ctx->window, we - ws);
    if (!mecab_parse_lattice(ctx->tagger, ctx->lattice))
        return; /* no tokens: every candidate in the window is rejected */
    for (node = mecab_lattice_get_bos_node(ctx->lattice); node != NULL; node = node->next) {
        const uint8_t *sp = (const uint8_t *)node->surface;
        if (node->stat == MECAB_BOS_NODE)
            continue;
        if (node->stat == MECAB_EOS_NODE || ctx->ntok >= MAX_TOKS)
            break;
        if (sp < ctx->window || sp + node->length > ctx->window + (we - ws)) {
            ctx->ntok = 0; /* not pointing into our buffer: distrust the parse */
            return;
        }
        ctx->toks[ctx->ntok].start = ws + (size_t)(sp - ctx->window);
        ctx->toks[ctx->ntok].end = ctx->toks[ctx->ntok].start + node->length;
        ctx->toks[ctx->ntok].cls = classify(node);
        ctx->ntok++;
    }
}

/* Index of the token starting at p, or -1. */
static long tok_at(const azk_names_ctx *ctx, size_t p)
{
    for (size_t k = 0; k < ctx->ntok; k++) {
        if (ctx->toks[k].start == p)
            return (long)k;
        if (ctx->toks[k].start > p)
            break;
    }
    return -1;
}

static bool tok_personal(enum tok_class c)
{
    return c == TK_FAMILY || c == TK_GIVEN || c == TK_PERSON;
}

static bool tok_contradicts(enum tok_class c)
{
    return c == TK_ORG || c == TK_PLACE || c == TK_PLACE_SUFFIX || c == TK_OTHER ||
           c == TK_PREFIX || c == TK_SYMBOL || c == TK_SPACE || c == TK_HONOR ||
           c == TK_NOUN_FUNC || c == TK_NUM;
}

/*
 * Tokens from index k covering exactly [start, end): returns the index of
 * the last one, or -1 when the boundaries do not align or a token
 * contradicts a name. *personal: some token is 人名; *family_first: the
 * first token is 人名,姓; *all_unknown: every token is an unknown word.
 */
static long span_tokens(const azk_names_ctx *ctx, long k, size_t end, bool *personal,
                        bool *family_first, bool *all_unknown)
{
    *personal = false;
    *all_unknown = true;
    *family_first = k >= 0 && (size_t)k < ctx->ntok && ctx->toks[k].cls == TK_FAMILY;
    for (; k >= 0 && (size_t)k < ctx->ntok; k++) {
        const struct tok *t = &ctx->toks[k];
        if (t->end > end || tok_contradicts(t->cls))
            return -1;
        if (tok_personal(t->cls))
            *personal = true;
        if (t->cls != TK_UNKNOWN)
            *all_unknown = false;
        if (t->end == end)
            return k;
    }
    return -1;
}

/* Token k+1 starts at `at` and is an honorific suffix ending at hend. */
static bool tok_honorific(const azk_names_ctx *ctx, long k, size_t at, size_t hend)
{
    const struct tok *t;
    if (k < 0 || (size_t)k + 1 >= ctx->ntok)
        return false;
    t = &ctx->toks[k + 1];
    return t->start == at && t->end == hend &&
           (t->cls == TK_HONOR || t->cls == TK_NOUN || t->cls == TK_UNKNOWN);
}

/* ---- free text: kanji candidates --------------------------------------- */

/*
 * 1-3 kanji or 2-4 hiragana (さくら) from q directly followed by an
 * honorific: *r is the end of the run, *he the end of the honorific.
 */
static bool run_to_honorific(const struct scan *s, size_t q, size_t *r, size_t *he)
{
    size_t j = q;
    bool hira = is_hira(cp_at(s, q, NULL));
    int max = hira ? 4 : 3;
    for (int n = 0; n <= max; n++) {
        size_t l;
        uint32_t c;
        if (n > (hira ? 1 : 0) &&
            (honorific_at(s, j, he) ||
             (skip_one_space(s, j) > j && honorific_at(s, skip_one_space(s, j), he)))) {
            *r = j; /* 陽菜様, 陽菜 様 */
            return true;
        }
        c = cp_at(s, j, &l);
        if (l == 0 || n == max || !(hira ? is_hira(c) : is_kanji(c)))
            return false;
        j += l;
    }
    return false;
}

static size_t hira_given(const struct scan *s, size_t q);

/*
 * 1-3 kanji (or 2-4 hiragana) from q, then spaces and an e-mail address in angle brackets
 * (credit lines: 高橋 基信 <user@example.jp>): *r is the end of the run.
 */
static bool run_to_mail(const struct scan *s, size_t q, size_t *r)
{
    size_t j = q;
    size_t k;
    int n = 0;
    size_t l;
    while (n < 3 && is_kanji(cp_at(s, j, &l))) {
        j += l;
        n++;
    }
    if (n == 0)
        j = hira_given(s, q); /* 米澤 さくら <...> */
    if (j == q || is_kanji(cp_at(s, j, NULL)))
        return false;
    *r = j;
    while (j < s->len && (s->t[j] == ' ' || s->t[j] == '\t'))
        j++;
    if (j >= s->len || s->t[j] != '<')
        return false;
    for (k = j + 1; k < s->len && k < j + 80 && s->t[k] != '>'; k++) {
        if (s->t[k] == '@')
            return k > j + 1;
    }
    return false;
}

/* No token inside [q, r) is a particle, verb or other non-noun (山田からさん). */
static bool run_is_nominal(const azk_names_ctx *ctx, size_t q, size_t r)
{
    for (size_t k = 0; k < ctx->ntok; k++) {
        const struct tok *t = &ctx->toks[k];
        /* a token across r (ひなた|さん read as ひな/たさ/ん) is MeCab
         * disagreeing with the honorific split, which the text settles */
        if (t->start >= q && t->end <= r && (t->cls == TK_OTHER || t->cls == TK_SYMBOL))
            return false;
    }
    return true;
}

/* Titles and roles written between a surname and an honorific. */
static bool is_title(const uint8_t *p, size_t len)
{
    static const char *const titles[] = {
        "部長", "課長", "社長", "係長",   "次長",   "所長",   "店長",   "院長",   "会長", "理事",
        "専務", "常務", "主任", "先生",   "教授",   "議員",   "選手",   "監督",   "顧問", "室長",
        "局長", "代表", "班長", "校長",   "園長",   "館長",   "署長",   "知事",   "市長", "町長",
        "村長", "区長", "委員", "博士",   "医師",   "一同",   "各位",   "夫妻",   "夫人", "家",
        "様",   "殿",   "御中", "副社長", "支店長", "工場長", "弁護士", "税理士",
    };
    for (size_t k = 0; k < sizeof(titles) / sizeof(titles[0]); k++) {
        if (len == strlen(titles[k]) && len > 0 && memcmp(p, titles[k], len) == 0)
            return true;
    }
    return false;
}

static bool char_in(uint32_t c, const char *set)
{
    uint8_t enc[4];
    size_t l = azk_utf8_encode(c, enc);
    for (size_t i = 0; set[i] != 0; i += 3) {
        if (l == 3 && memcmp(set + i, enc, 3) == 0)
            return true;
    }
    return false;
}

/* 三名様, 二人様: a count of people, not a given name. */
static bool counter_tail(const struct scan *s, size_t q, size_t r)
{
    size_t b = r;
    uint32_t last = cp_before(s, r);
    if (!char_in(last, "名人件通枚部個"))
        return false;
    while (b > q && (s->t[b - 1] & 0xC0) == 0x80)
        b--;
    b--; /* start of the last code point */
    return b > q && char_in(cp_before(s, b), "一二三四五六七八九十百千数何");
}

/* The kanji before r names a business, not a person (山田工務店様, 山田酒店様). */
static bool business_tail(const struct scan *s, size_t r)
{
    static const char tails[] = "店屋堂社所院館園局組会課部係科商業舗房機事設産品械工製"
                                "命薬険券行庫運輸便鉄船油紙販易託銀協団融電通";
    uint32_t c = cp_before(s, r);
    uint8_t enc[4];
    size_t l = azk_utf8_encode(c, enc);
    for (size_t i = 0; i + l <= sizeof(tails) - 1; i += 3) {
        if (memcmp(tails + i, enc, l) == 0)
            return true;
    }
    return false;
}

/*
 * A name pair ending at e with more kanji after it (山田 陽|翔) is the
 * start of something longer; 宛, 方, 等, 他 may follow a name.
 */
static bool word_goes_on(const struct scan *s, size_t e)
{
    uint32_t c = cp_at(s, e, NULL);
    return is_kanji(c) && c != 0x5B9B && c != 0x65B9 && c != 0x7B49 && c != 0x4ED6;
}

/*
 * Two kanji that happen to be a one-character surname and a one-character
 * given name (東京, 中央, 金融) are everywhere in prose; unspaced and
 * without an honorific such a pair is not worth a MeCab parse.
 */
static bool short_pair(const struct scan *s, size_t p, size_t q, size_t gend)
{
    size_t he;
    if (q > p && (s->t[q - 1] == ' ' || s->t[q - 1] == '\t' ||
                  (q >= p + 3 && memcmp(s->t + q - 3, "\xE3\x80\x80", 3) == 0)))
        return false; /* spaced: 林 誠 (U+3000 is E3 80 80; 所 ends in 0x80 too) */
    if (honorific_at(s, gend, &he))
        return false;
    return count_chars(s->t + p, gend - p) < 3;
}

/*
 * Kanji name starting at p. On a report, *next is set past the mention
 * (and its honorific).
 */
static azk_status try_kanji(struct scan *s, size_t p, size_t *next)
{
    azk_names_ctx *ctx = s->ctx;
    size_t fam[8];
    size_t giv[8];
    size_t nf;
    size_t ng;
    bool cue = false;
    long k0;

    size_t ps = p; /* start of the mention */

    lex_prefixes2(s, p, fam, &nf, giv, &ng, 8);

    if (nf == 0 && ng == 0)
        return AZK_OK;
    {
        /* 倉澤 望: the lexicon knows 澤, not 倉澤; a single kanji before the
         * surname that starts a word belongs to it (a span covers the
         * whole name) */
        size_t b1;
        uint32_t a1;
        if (p > 0 && is_kanji(a1 = cp_before(s, p))) {
            size_t l1 = 0;
            b1 = p - (a1 >= 0x10000 ? 4 : 3);
            /* a whole code point of its own, not inside the last mention */
            if (p >= (a1 >= 0x10000 ? 4 : 3) && b1 >= s->hit_end && cp_at(s, b1, &l1) == a1 &&
                b1 + l1 == p &&
                (b1 == 0 || !(is_kanji(cp_before(s, b1)) || is_kata(cp_before(s, b1)) ||
                              is_hira(cp_before(s, b1)))))
                ps = b1;
        }
    }
    /* a cue must be there before MeCab is asked anything */
    for (size_t a = 0; a < nf && !cue; a++) {
        size_t he, r;
        size_t g2[8];
        size_t q = skip_one_space(s, fam[a]);
        size_t ng2 = lex_prefixes(s, q, false, AZK_NAMES_LEX_GIVEN, g2, 8);
        cue = honorific_at(s, fam[a], &he) || run_to_honorific(s, q, &r, &he) ||
              (q > fam[a] && run_to_mail(s, q, &r));
        for (size_t b = 0; b < ng2 && !cue; b++)
            cue = !short_pair(s, p, q, g2[b]);
    }
    for (size_t b = 0; b < ng && !cue; b++) {
        size_t he;
        cue = honorific_at(s, giv[b], &he);
    }
    if (!cue)
        return AZK_OK;

    parse_around(s, p);
    k0 = tok_at(ctx, p);
    if (k0 < 0)
        return AZK_OK; /* MeCab puts p inside a longer word */

    for (size_t a = 0; a < nf; a++) {
        bool fpers, ffirst, funk, gpers, gfirst, gunk;
        long kf = span_tokens(ctx, k0, fam[a], &fpers, &ffirst, &funk);
        size_t q, he, r;
        size_t g2[8];
        size_t ng2;
        q = skip_one_space(s, fam[a]);
        if (kf < 0) {
            /*
             * 佐賀 結愛さん: without a given name it knows, MeCab reads the
             * surname as the place (or company) it also is. With a space,
             * a given-name-shaped run and an honorific, it is a name.
             */
            const struct tok *t0 = &ctx->toks[k0];
            if (q > fam[a] && t0->end == fam[a] && (t0->cls == TK_PLACE || t0->cls == TK_ORG) &&
                run_to_honorific(s, q, &r, &he) && !business_tail(s, r) &&
                !is_title(s->t + q, r - q) && run_is_nominal(ctx, q, r)) {
                *next = he;
                return emit(s, ps, r, fam[a], CONF_FULL_PAIR, false);
            }
            continue;
        }
        /*
         * Known surname, then 1-3 kanji up to an honorific: the given name
         * even when IPAdic does not list it (陽翔, 結愛; MeCab splits those
         * any which way), unless MeCab reads the kanji as one ordinary
         * word (山田部長様, 山田電機様).
         */
        if ((ffirst || fpers) && run_to_honorific(s, q, &r, &he)) {
            long kq = tok_at(ctx, q);
            enum tok_class c = kq >= 0 ? ctx->toks[kq].cls : TK_UNKNOWN;
            /* one MeCab word that cannot be a name (担当, 東京); plain nouns
             * can (蒼空, 紬), titles cannot (部長): see is_title */
            bool word = kq >= 0 && ctx->toks[kq].end == r &&
                        (c == TK_NOUN_FUNC || c == TK_ORG || c == TK_PLACE || c == TK_OTHER);
            const struct azk_names_lex_entry *ge = lex_find(s->n, s->t + q, r - q);
            bool listed = ge != NULL && (ge->flags & AZK_NAMES_LEX_GIVEN) != 0; /* 正行 */
            if (!word && (listed || !business_tail(s, r)) && !is_title(s->t + q, r - q) &&
                !counter_tail(s, q, r) && run_is_nominal(ctx, q, r)) {
                *next = he;
                return emit(s, ps, r, fam[a], listed ? CONF_FULL_HONOR : CONF_FULL_HONOR_OOV,
                            false);
            }
        }
        /* full name + e-mail address (credit lines): the given name is
         * open vocabulary, unless MeCab reads it as one ordinary word */
        if ((ffirst || fpers) && q > fam[a] && run_to_mail(s, q, &r)) {
            long kq = tok_at(ctx, q);
            enum tok_class c = kq >= 0 ? ctx->toks[kq].cls : TK_UNKNOWN;
            bool word = kq >= 0 && ctx->toks[kq].end == r &&
                        (c == TK_NOUN_FUNC || c == TK_ORG || c == TK_PLACE || c == TK_OTHER);
            bool across = false;
            for (size_t k = 0; k < ctx->ntok; k++)
                across = across || (ctx->toks[k].start < r && ctx->toks[k].end > r);
            if (kq >= 0 && !word && !across && !is_title(s->t + q, r - q)) {
                *next = r;
                return emit(s, ps, r, fam[a], CONF_FULL_PAIR, false);
            }
        }
        ng2 = lex_prefixes(s, q, false, AZK_NAMES_LEX_GIVEN, g2, 8);
        for (size_t b = 0; b < ng2; b++) {
            long kg = tok_at(ctx, q);
            long kl;
            bool honor;
            double conf;
            if (kg < 0)
                continue;
            if (short_pair(s, p, q, g2[b]))
                continue;
            kl = span_tokens(ctx, kg, g2[b], &gpers, &gfirst, &gunk);
            if (kl < 0)
                continue;
            honor = honorific_at(s, g2[b], &he) && tok_honorific(ctx, kl, g2[b], he);
            if ((size_t)kl + 1 < ctx->ntok && ctx->toks[kl + 1].cls == TK_PLACE_SUFFIX)
                continue; /* 山田太郎駅: a place */
            if (honor && (fpers || gpers || (funk && gunk)))
                conf = CONF_FULL_HONOR;
            else if (ffirst && gpers && !word_goes_on(s, g2[b]))
                conf = CONF_FULL_PAIR; /* MeCab: 姓 then 名 */
            else
                continue;
            *next = honor ? he : g2[b];
            return emit(s, ps, g2[b], fam[a], conf, false);
        }
        if (honorific_at(s, fam[a], &he) && tok_honorific(ctx, kf, fam[a], he) && (fpers || funk)) {
            *next = he;
            return emit(s, ps, fam[a], fam[a], CONF_FAMILY_HONOR, false);
        }
    }
    /* a given name alone (花子さん) must start a word: in 北木太佳氏 the 佳
     * is the tail of a name the lexicon does not know */
    if (is_kanji(cp_before(s, p)) || is_kata(cp_before(s, p)))
        ng = 0;
    for (size_t b = 0; b < ng; b++) {
        bool gpers, gfirst, gunk;
        size_t he;
        long kl = span_tokens(ctx, k0, giv[b], &gpers, &gfirst, &gunk);
        if (kl < 0 || !gpers)
            continue;
        if (honorific_at(s, giv[b], &he) && tok_honorific(ctx, kl, giv[b], he)) {
            *next = he;
            return emit(s, p, giv[b], 0, CONF_GIVEN_HONOR, false);
        }
    }
    return AZK_OK;
}

/* ---- free text: katakana readings --------------------------------------- */

/* End of the katakana run at i (・ excluded). */
static size_t kata_run(const struct scan *s, size_t i)
{
    size_t l;
    for (;;) {
        uint32_t c = cp_at(s, i, &l);
        if (l == 0 || !is_kata(c))
            return i;
        i += l;
    }
}

static unsigned lex_flags(const struct scan *s, size_t a, size_t b)
{
    const struct azk_names_lex_entry *e = lex_find(s->n, s->t + a, b - a);
    return e != NULL ? e->flags : 0;
}

/* Katakana run starting at p (not preceded by katakana). */
static azk_status try_kana(struct scan *s, size_t p, size_t *next)
{
    size_t aend = kata_run(s, p);
    size_t he;
    size_t l;
    unsigned fa;
    size_t q;
    if (aend == p || count_chars(s->t + p, aend - p) < 2)
        return AZK_OK;
    fa = lex_flags(s, p, aend);
    q = skip_one_space(s, aend);
    if (q == aend && cp_at(s, aend, &l) == 0x30FB) {
        /* ジョン・スミス様; without an honorific a ・ joins the words of a
         * katakana compound (コール・グラフ), not a name */
        if (!honorific_at(s, kata_run(s, aend + l), &he))
            return AZK_OK;
        q = aend + l;
    }
    if (q > aend) {
        size_t bend = kata_run(s, q);
        if (bend > q && count_chars(s->t + q, bend - q) >= 2 && cp_at(s, bend, NULL) != 0x30FB) {
            unsigned fb = lex_flags(s, q, bend);
            bool fam_ok = (fa & (AZK_NAMES_LEX_R_FAMILY | AZK_NAMES_LEX_FAMILY)) != 0;
            bool giv_ok = (fb & (AZK_NAMES_LEX_R_GIVEN | AZK_NAMES_LEX_GIVEN)) != 0;
            bool honor = honorific_at(s, bend, &he);
            /* given name first (ジョン・スミス様): only with an honorific, and
             * the family part is not at the start */
            bool western = honor && !fam_ok && !giv_ok && fa != 0 && fb != 0;
            if ((fam_ok && giv_ok) || (honor && (fam_ok || giv_ok)) || western) {
                double conf = fam_ok && giv_ok ? CONF_KANA_PAIR : CONF_KANA_FAMILY;
                if (honor)
                    conf = fam_ok && giv_ok ? CONF_KANA_HONOR + 0.05 : CONF_KANA_HONOR;
                *next = honor ? he : bend;
                return emit(s, p, bend, western ? p : aend, conf, true);
            }
        }
    }
    if (honorific_at(s, aend, &he)) {
        bool both = false;
        size_t f = lex_split(s->n, s->t + p, aend - p, true, &both);
        if (both) {
            *next = he;
            return emit(s, p, aend, p + f, CONF_KANA_HONOR, true);
        }
        /* a reading of a kanji surname (ヤマダ様), not a katakana surname
         * of its own (ローソン様, シャープ様: more often companies) */
        if ((fa & AZK_NAMES_LEX_R_FAMILY) != 0 && (fa & AZK_NAMES_LEX_FAMILY) == 0) {
            /* トヨタ様, スズキ様: companies addressed like people; keep
             * them below the default threshold when MeCab says so */
            double conf = CONF_KANA_FAMILY;
            long k;
            parse_around(s, p);
            k = tok_at(s->ctx, p);
            if (k >= 0 && s->ctx->toks[k].end == aend &&
                (s->ctx->toks[k].cls == TK_ORG || s->ctx->toks[k].cls == TK_PLACE))
                conf = CONF_KANA_ORG;
            *next = he;
            return emit(s, p, aend, aend, conf, true);
        }
    }
    return AZK_OK;
}

/* ---- free text: labels ----------------------------------------------------- */

/* placeholders seen where a name would be */
static const char *const not_names[] = {
    "不明", "なし", "無し", "未定", "同上", "該当なし", "未設定", "未入力", "空欄", "本人",
};

static bool is_placeholder(const uint8_t *p, size_t len)
{
    for (size_t k = 0; k < sizeof(not_names) / sizeof(not_names[0]); k++) {
        if (len == strlen(not_names[k]) && memcmp(p, not_names[k], len) == 0)
            return true;
    }
    return false;
}

static const char *const labels[] = {
    /* longest first where one label is a prefix of another */
    "ご契約者名",   "ご契約者",   "契約者氏名", "契約者名", "契約者",   "氏名カナ",
    "氏名（カナ）", "氏名(カナ)", "カナ氏名",   "フリガナ", "ふりがな", "お名前",
    "氏名",         "名前",       "宛名",       "担当者名", "担当者",   "担当",
    "受取人名",     "受取人",     "申込者名",   "申込者",   "依頼人",   "代表者名",
    "代表者",       "名義人",     "名義",       "顧客氏名", "顧客名",   "お客様名",
};

/*
 * Words that head a column or name a field (名前 番号 アクション 説明,
 * 名前:目的:..., 名前=値): after a name label they are the next header
 * cell or a placeholder, not a value.
 */
static const char *const header_words[] = {
    "番号",   "説明",   "値",     "型",   "種類", "種別", "内容", "目的", "用途", "意味",
    "概要",   "項目",   "名称",   "詳細", "例",   "形式", "機能", "役割", "属性", "引数",
    "戻り値", "初期値", "既定値", "備考", "状態", "値段", "数量", "日付", "メモ",
};

static bool is_header_word(const uint8_t *p, size_t len)
{
    for (size_t k = 0; k < sizeof(header_words) / sizeof(header_words[0]); k++) {
        if (len == strlen(header_words[k]) && memcmp(p, header_words[k], len) == 0)
            return true;
    }
    return azk_column_classify((const char *)p, len) != AZK_COL_NONE;
}

static bool is_label_sep(uint32_t c)
{
    return c == ':' || c == 0xFF1A || c == '=' || c == 0xFF1D;
}

/*
 * Name run from i (kanji, then kanji or katakana: 前田　ヒラリー, ヨウ子),
 * at most MAX_NAME_CHARS in all, stopping before an honorific.
 */
static size_t label_kanji_run(const struct scan *s, size_t i, size_t *chars)
{
    size_t l;
    size_t start = i;
    for (;;) {
        size_t he;
        uint32_t c = cp_at(s, i, &l);
        if (l == 0 || !(is_kanji(c) || (i > start && is_kata(c))) || *chars > MAX_NAME_CHARS)
            return i;
        if (*chars > 0 && honorific_at(s, i, &he))
            return i;
        i += l;
        (*chars)++;
    }
}

/*
 * A hiragana given name from q (さくら, ひなた): 2-4 hiragana ending at a
 * bound (not kana, not kanji; an honorific may follow), not a particle,
 * copula or honorific (山田さん, 山田です, 山田が). Returns its end or q.
 */
static size_t hira_given(const struct scan *s, size_t q)
{
    static const char *const not_start[] = {"さん", "さま", "くん", "ちゃん", "です", "でした",
                                            "ます", "から", "まで", "より",   "など", "たち"};
    size_t j = q, he, l;
    int n = 0;
    uint32_t c = cp_at(s, q, &l);
    if (!is_hira(c) || char_in(c, "がはのとをにでもへやね"))
        return q;
    for (size_t k = 0; k < sizeof(not_start) / sizeof(not_start[0]); k++) {
        size_t e;
        if (bytes_eq(s, q, not_start[k], &e))
            return q;
    }
    while (n < 5 && is_hira(cp_at(s, j, &l))) {
        if (n >= 2 && honorific_at(s, j, &he))
            break;
        j += l;
        n++;
    }
    c = cp_at(s, j, NULL);
    if (n < 2 || n > 4 || is_hira(c) || is_kata(c) || (is_kanji(c) && !honorific_at(s, j, &he)))
        return q;
    return j; /* さくら様: the honorific bounds it */
}

static azk_status label_value(struct scan *s, size_t v, bool kana_label, bool strong_label,
                              size_t *next)
{
    azk_names_ctx *ctx = s->ctx;
    size_t l;
    uint32_t c = cp_at(s, v, &l);
    size_t he;

    if (is_kata(c)) {
        size_t aend = kata_run(s, v);
        size_t end = aend;
        size_t fam = 0;
        bool known = false;
        size_t q = skip_one_space(s, aend);
        unsigned fa = lex_flags(s, v, aend);
        if (q == aend)
            q = aend + (cp_at(s, aend, &l) == 0x30FB ? l : 0);
        if (q > aend && kata_run(s, q) > q) {
            end = kata_run(s, q);
            fam = aend;
            known = (fa & AZK_NAMES_LEX_R_FAMILY) != 0 ||
                    (lex_flags(s, q, end) & AZK_NAMES_LEX_R_GIVEN) != 0;
        } else {
            bool both;
            size_t f = lex_split(s->n, s->t + v, aend - v, true, &both);
            known = both || (fa & (AZK_NAMES_LEX_R_FAMILY | AZK_NAMES_LEX_R_GIVEN)) != 0;
            fam = f > 0 ? v + f : ((fa & AZK_NAMES_LEX_R_FAMILY) ? aend : 0);
        }
        if (count_chars(s->t + v, end - v) > MAX_KANA_CHARS || (!known && !kana_label))
            return AZK_OK;
        *next = honorific_at(s, end, &he) ? he : end;
        return emit(s, v, end, fam, known ? CONF_LABEL : CONF_LABEL_UNKNOWN, true);
    }
    if (is_kanji(c)) {
        size_t chars = 0;
        size_t aend = label_kanji_run(s, v, &chars);
        size_t end = aend;
        size_t q = skip_one_space(s, aend);
        size_t fam = 0;
        bool pers = false;
        bool first = false;
        bool unk = true;
        bool support;
        size_t gopen = 0; /* start of a given name taken without the lexicon */
        long k0;
        if (q > aend && (is_kanji(cp_at(s, q, NULL)) || is_kata(cp_at(s, q, NULL))) &&
            !honorific_at(s, q, &he)) {
            /*
             * Take the part after the space as the given name only when the
             * first part is not a whole name already (垂水一刀菜　電話) and
             * the second is not the next label (山田　電話：...).
             */
            bool both;
            size_t chars2 = chars;
            size_t e2 =
                is_kata(cp_at(s, q, NULL)) ? kata_run(s, q) : label_kanji_run(s, q, &chars2);
            uint32_t after;
            after = cp_at(s, e2, NULL);
            if (lex_split(s->n, s->t + v, aend - v, false, &both) == 0 || !both ||
                (lex_flags(s, v, aend) & AZK_NAMES_LEX_FAMILY) != 0) {
                if (after != ':' && after != 0xFF1A && after != '=' && after != 0xFF1D) {
                    end = e2;
                    chars = chars2;
                }
            }
        }
        if (strong_label && end == aend && (lex_flags(s, v, aend) & AZK_NAMES_LEX_FAMILY) != 0) {
            /* a hiragana given name: 顧客名=坂本 さくら 様, name=小野さくら */
            size_t h = hira_given(s, q);
            if (h > q) {
                end = h;
                gopen = q;
            }
        }
        if (chars > MAX_NAME_CHARS || (is_kanji(cp_at(s, end, NULL)) && !honorific_at(s, end, &he)))
            return AZK_OK;
        if (is_placeholder(s->t + v, end - v))
            return AZK_OK;
        /* a label followed by another label or a header cell is no value */
        if (is_label_sep(cp_at(s, aend, NULL)) || is_label_sep(cp_at(s, end, NULL)) ||
            (is_header_word(s->t + v, aend - v) && lex_flags(s, v, aend) == 0) ||
            (end > q && is_header_word(s->t + q, end - q) && lex_flags(s, q, end) == 0))
            return AZK_OK;
        /*
         * A strong label and a known surname: the given name is open
         * vocabulary (宛名=中野 優見 様), 1-3 kanji or a katakana run bounded
         * by the space, the honorific or the end; MeCab must not read it
         * across that bound, whatever it makes of it inside.
         */
        if (strong_label && gopen == 0) {
            size_t fe[8];
            size_t nfe;
            if (q > aend && end > q && (lex_flags(s, v, aend) & AZK_NAMES_LEX_FAMILY) != 0 &&
                (is_kata(cp_at(s, q, NULL)) ? count_chars(s->t + q, end - q) <= 6
                                            : chars - count_chars(s->t + v, aend - v) <= 3)) {
                gopen = q;
            } else if (end == aend && honorific_at(s, end, &he) &&
                       (nfe = lex_prefixes(s, v, false, AZK_NAMES_LEX_FAMILY, fe, 8)) > 0 &&
                       fe[0] < end && count_chars(s->t + fe[0], end - fe[0]) <= 3) {
                gopen = fe[0]; /* 宛名：中野優見様 */
            }
        }
        parse_around(s, v);
        k0 = tok_at(ctx, v);
        if (k0 < 0)
            return AZK_OK;
        for (size_t k = (size_t)k0; gopen > 0 && k < ctx->ntok && ctx->toks[k].start < end; k++) {
            if (ctx->toks[k].start < gopen && ctx->toks[k].end > gopen)
                gopen = 0; /* MeCab reads across the surname: no split there */
        }
        /* tokens must align with the value and none may contradict */
        for (size_t k = (size_t)k0; k < ctx->ntok && ctx->toks[k].start < end; k++) {
            const struct tok *t = &ctx->toks[k];
            if (t->cls == TK_SPACE)
                continue;
            if (gopen > 0 && t->start >= gopen) {
                if (t->end > end)
                    return AZK_OK;
                continue; /* the open given name */
            }
            if (gopen > 0 && t->end <= (gopen > aend ? aend : gopen))
                continue; /* inside the lexicon surname (坂|本 read as a prefix) */
            if (t->cls == TK_PLACE && t->start == v &&
                (lex_flags(s, t->start, t->end) & AZK_NAMES_LEX_FAMILY) != 0) {
                pers = true; /* 堺, 山口: a place too, but the label says person */
                continue;
            }
            if (t->cls == TK_NUM && strong_label && t->end <= end) {
                unk = false; /* 氏名：八ヶ代 翔太: numeral kanji in a name */
                continue;
            }
            if (t->end > end || tok_contradicts(t->cls))
                return AZK_OK;
            pers = pers || tok_personal(t->cls);
            unk = unk && t->cls == TK_UNKNOWN;
        }
        if (q > aend && end > q) {
            fam = aend;
        } else {
            bool both;
            size_t f = lex_split(s->n, s->t + v, aend - v, false, &both);
            unsigned fa = lex_flags(s, v, aend);
            if (f > 0)
                fam = v + f;
            else if ((fa & AZK_NAMES_LEX_FAMILY) != 0)
                fam = aend;
        }
        /* lexicon support: the first part is a surname, or the value
         * splits into a known surname and a known given name */
        {
            bool both = false;
            first = (lex_flags(s, v, aend) & AZK_NAMES_LEX_FAMILY) != 0 ||
                    (lex_split(s->n, s->t + v, aend - v, false, &both) > 0 && both);
        }
        if (gopen > 0) {
            fam = gopen > aend ? aend : gopen;
            first = true;
        }
        support = pers || first;
        /*
         * After 氏名/お名前/宛名... any name-shaped value MeCab reads as
         * plain nouns is taken (names outside IPAdic: 木岡　子史); after
         * 担当 the value may be a department (経理部), so it needs support.
         */
        if (!support && !unk && !strong_label)
            return AZK_OK;
        /* 氏名：全角で入力: a sentence, not a value */
        if (!support && is_hira(cp_at(s, end, NULL)))
            return AZK_OK;
        *next = honorific_at(s, end, &he) ? he : end;
        return emit(s, v, end, fam, support ? CONF_LABEL : CONF_LABEL_UNKNOWN, false);
    }
    return AZK_OK;
}

/* Label at p (first code point c) followed by a separator and a value. */
static azk_status try_label(struct scan *s, size_t p, uint32_t c, size_t *next)
{
    /* first characters of the labels: 氏 お 名 宛 ご 契 フ ふ カ 担 受 申 依
     * (a switch: this runs at every CJK position of free text) */
    switch (c) {
        case 0x6C0F:
        case 0x304A:
        case 0x540D:
        case 0x5B9B:
        case 0x3054:
        case 0x5951:
        case 0x30D5:
        case 0x3075:
        case 0x30AB:
        case 0x62C5:
        case 0x53D7:
        case 0x7533:
        case 0x4F9D:
        case 0x4EE3:
        case 0x9867:
            break;
        default:
            return AZK_OK;
    }
    for (size_t k = 0; k < sizeof(labels) / sizeof(labels[0]); k++) {
        size_t e;
        size_t v;
        int seps = 0;
        size_t l;
        bool kana_label;
        bool strong_label;
        if (!bytes_eq(s, p, labels[k], &e))
            continue;
        kana_label = strstr(labels[k], "カナ") != NULL || strstr(labels[k], "ふりがな") != NULL;
        strong_label = strstr(labels[k], "担当") == NULL;
        /* optional qualifier: (カナ), （漢字） */
        if (bytes_eq(s, e, "（", &v) || bytes_eq(s, e, "(", &v)) {
            size_t j = v;
            for (int n = 0; n < 8 && j < s->len; n++) {
                size_t close;
                if (bytes_eq(s, j, "）", &close) || bytes_eq(s, j, ")", &close)) {
                    e = close;
                    break;
                }
                (void)cp_at(s, j, &l);
                j += l;
            }
        }
        v = e;
        for (;;) {
            uint32_t sc = cp_at(s, v, &l);
            if (l == 0 || !(sc == ':' || sc == 0xFF1A || sc == '=' || sc == 0xFF1D ||
                            is_space(sc) || sc == 0x300C || sc == '[' || sc == 0xFF3B))
                break;
            v += l;
            seps++;
        }
        *next = e; /* the label itself is not a name */
        if (seps == 0 || seps > 4)
            return AZK_OK;
        return label_value(s, v, kana_label, strong_label, next);
    }
    return AZK_OK;
}

/* ---- free-text scan ------------------------------------------------------- */

struct memo_key {
    uint64_t a, b;
};

static struct memo_key memo_hash(const azk_names_ctx *ctx, const uint8_t *t, size_t len,
                                 uint32_t col);

static bool memo_has(const struct memo_slot *m, struct memo_key k, size_t len, uint32_t col)
{
    return m->len == len && m->col == col && m->a == k.a && m->b == k.b;
}

static void memo_put(struct memo_slot *m, struct memo_key k, size_t len, uint32_t col)
{
    m->a = k.a;
    m->b = k.b;
    m->len = (uint32_t)len;
    m->col = col;
}

/*
 * The word memo. A word is a maximal run of non-ASCII bytes that starts
 * after ASCII (or at the start). What the scan does at the positions of a
 * word depends only on the word itself and, through skip_one_space, on one
 * ASCII space or tab after it and the non-ASCII run that follows that:
 * labels, lexicon runs, honorifics and kana runs stop at ASCII, and the
 * code point before a word is ASCII (not kanji, not kana). A word whose
 * positions reported nothing, jumped nowhere and never asked MeCab (no cue)
 * is remembered by a keyed hash of those bytes and skipped when they come
 * again (log templates repeat the same words on every line).
 */
static size_t word_key_end(const uint8_t *t, size_t n, size_t i, size_t *word_end)
{
    size_t b = i;
    size_t z;
    while (b < n && t[b] >= 0x80)
        b++;
    *word_end = b;
    z = b;
    if (z < n && (t[z] == ' ' || t[z] == '\t')) {
        z++;
        while (z < n && t[z] >= 0x80)
            z++;
    }
    return z;
}

/*
 * An ASCII key naming a person right before i: name=, name:, "name": ",
 * customer_name=, fullname= (not filename=, hostname=: the key must start
 * a word or be one of the listed compounds).
 */
static bool ascii_name_label(const uint8_t *t, size_t i)
{
    static const char *const keys[] = {"customer_name", "customername", "full_name", "fullname",
                                       "name"};
    size_t j = i, k;
    int skipped = 0;
    while (j > 0 && skipped < 3 && (t[j - 1] == ' ' || t[j - 1] == '"' || t[j - 1] == '\'')) {
        j--;
        skipped++;
    }
    if (j == 0 || (t[j - 1] != '=' && t[j - 1] != ':'))
        return false;
    j--;
    if (j > 0 && (t[j - 1] == '"' || t[j - 1] == '\''))
        j--;
    for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++) {
        size_t n = strlen(keys[k]);
        uint8_t b;
        if (j < n || strncasecmp((const char *)t + j - n, keys[k], n) != 0)
            continue;
        b = j > n ? t[j - n - 1] : ' ';
        if ((b | 0x20) >= 'a' && (b | 0x20) <= 'z')
            continue;
        if (b == '_' || (b >= '0' && b <= '9'))
            continue;
        return true;
    }
    return false;
}

static azk_status scan_free(struct scan *s)
{
    const uint8_t *t = s->t;
    size_t n = s->len;
    size_t i = 0;
    uint32_t prev = 0;
    struct memo_slot *words = s->ctx->words;
    struct memo_slot *slot = NULL; /* the word being scanned, when remembered */
    size_t word_end = 0;
    size_t key_len = 0;
    struct memo_key key = {0, 0};
    unsigned long hits0 = 0;
    bool clean = false;
    while (i < n) {
        azk_status rc;
        size_t l;
        size_t l0;
        size_t next = 0;
        uint32_t c;
        if (slot != NULL && i >= word_end) {
            if (clean && !s->parsed && s->hits == hits0)
                memo_put(slot, key, key_len, 0);
            slot = NULL;
        }
        if (t[i] >= 0x80 && i > 0 && t[i - 1] < 0x80 && ascii_name_label(t, i)) {
            /* name=小野さくら: a label the word memo cannot see */
            azk_status rc2;
            uint32_t c0 = cp_at(s, i, &l0);
            next = 0;
            if (is_kanji(c0) || is_kata(c0)) {
                rc2 = label_value(s, i, false, true, &next);
                if (rc2 != AZK_OK)
                    return rc2;
            }
            if (next > i) {
                slot = NULL;
                i = next;
                prev = cp_before(s, i);
                continue;
            }
        }
        if (t[i] >= 0x80 && (i == 0 || t[i - 1] < 0x80)) {
            size_t z = word_key_end(t, n, i, &word_end);
            size_t za = z;
            while (za < n && t[za] == ' ')
                za++;
            key_len = z - i;
            /* before <user@host> a credit line cue depends on ASCII bytes
             * outside the key: such words are not remembered */
            if (key_len <= MEMO_MAX_LEN && !(za < n && t[za] == '<')) {
                key = memo_hash(s->ctx, t + i, key_len, 0);
                slot = &words[key.a >> (64 - WORD_BITS)]; /* top bits mix best */
                if (memo_has(slot, key, key_len, 0)) {
                    i = word_end; /* seen before: nothing there */
                    slot = NULL;
                    continue;
                }
                clean = true;
                s->parsed = false;
                hits0 = s->hits;
            } else {
                slot = NULL;
            }
        }
        if (t[i] < 0x80) {
            /* ASCII: skip eight bytes at a time */
            while (i + 8 <= n) {
                uint64_t w;
                memcpy(&w, t + i, 8);
                if ((w & 0x8080808080808080ull) != 0)
                    break;
                i += 8;
            }
            while (i < n && t[i] < 0x80)
                i++;
            prev = ' ';
            continue;
        }
        c = cp_at(s, i, &l);
        if (is_kanji(c) || is_kata(c) || is_hira(c)) {
            rc = try_label(s, i, c, &next);
            if (rc != AZK_OK)
                return rc;
            if (next == 0 && is_kanji(c)) {
                rc = try_kanji(s, i, &next);
                if (rc != AZK_OK)
                    return rc;
            } else if (next == 0 && is_kata(c) && !is_kata(prev) && prev != 0x30FB) {
                rc = try_kana(s, i, &next);
                if (rc != AZK_OK)
                    return rc;
            }
        }
        if (next > i) {
            clean = false;
            i = next;
            prev = cp_before(s, i);
            continue;
        }
        if (next != 0)
            clean = false;
        prev = c;
        i += l;
    }
    if (slot != NULL && clean && !s->parsed && s->hits == hits0)
        memo_put(slot, key, key_len, 0);
    return AZK_OK;
}

/* ---- name columns --------------------------------------------------------- */

static const char *const org_words[] = {
    "株式会社", "有限会社", "合同会社", "会社",   "銀行", "支店",     "協会", "組合",   "法人",
    "病院",     "大学",     "学校",     "事務所", "商店", "信用金庫", "御中", "営業所", "センター",
};

static bool contains(const uint8_t *p, size_t len, const char *w)
{
    size_t wl = strlen(w);
    for (size_t i = 0; i + wl <= len; i++) {
        if (memcmp(p + i, w, wl) == 0)
            return true;
    }
    return false;
}

/*
 * The whole trimmed cell as a name. Returns true (and reports) when the
 * cell is plausibly one name; false lets the caller fall back to free text.
 */
static azk_status scan_column(struct scan *s, azk_column_kind col, bool *done)
{
    size_t a = 0;
    size_t b = s->len;
    size_t l;
    size_t sep_start = 0;
    size_t sep_end = 0;
    size_t fold_sep = 0;
    size_t chars = 0;
    int parts = 1;
    bool any_kanji = false;
    bool all_kana = true;
    bool kana_col = col == AZK_COL_NAME_KANA;
    uint8_t folded[128];
    size_t flen = 0;
    size_t fam = 0;
    bool known = false;
    size_t he;
    size_t cell_end;

    *done = false;
    while (a < b) {
        uint32_t c = cp_at(s, a, &l);
        if (!is_space(c) && c != '\r' && c != '\n')
            break;
        a += l;
    }
    while (b > a) {
        size_t j = b;
        uint32_t c;
        do {
            j--;
        } while (j > a && (s->t[j] & 0xC0) == 0x80);
        (void)azk_utf8_decode(s->t + j, b - j, &c);
        if (!is_space(c) && c != '\r' && c != '\n')
            break;
        b = j;
    }
    if (a == b)
        return AZK_OK;
    if (is_placeholder(s->t + a, b - a)) {
        *done = true; /* a placeholder, not a name and not free text */
        return AZK_OK;
    }
    cell_end = b;
    /* walk the cell: name characters with at most one separator run */
    for (size_t i = a; i < b;) {
        uint32_t c = cp_at(s, i, &l);
        if (is_space(c) || c == 0x30FB) {
            if (sep_end == i && sep_end != 0) {
                sep_end = i + l; /* same separator run */
            } else {
                if (parts == 2 || i == a)
                    return AZK_OK;
                parts = 2;
                fold_sep = flen;
                sep_start = i;
                sep_end = i + l;
            }
            i += l;
            continue;
        }
        if (!kana_col && honorific_at(s, i, &he) && he == b && chars > 0) {
            b = i; /* 山田太郎様 in a name column: the name without 様 */
            break;
        }
        if (is_kanji(c)) {
            any_kanji = true;
            all_kana = false;
        } else if (!is_kata(c) && !is_hira(c)) {
            return AZK_OK;
        }
        if (flen + 4 < sizeof(folded))
            flen += azk_utf8_encode(azk_names__hira_to_kata(c), folded + flen);
        else
            return AZK_OK;
        chars++;
        i += l;
    }
    if (chars == 0)
        return AZK_OK;
    if (kana_col && any_kanji)
        return AZK_OK;
    if (chars > (all_kana ? MAX_KANA_CHARS : MAX_NAME_CHARS))
        return AZK_OK;
    if (parts == 2 && sep_end >= b)
        return AZK_OK;
    /* organisation words last: the walk above rejects most cells (numbers,
     * codes, ASCII) for less than one pass of these */
    for (size_t k = 0; k < sizeof(org_words) / sizeof(org_words[0]); k++) {
        if (contains(s->t + a, cell_end - a, org_words[k]))
            return AZK_OK;
    }
    /* family/given split */
    if (col == AZK_COL_FAMILY_NAME) {
        fam = b;
        known = azk_names__is_family(s->n, (const char *)folded, flen);
    } else if (col == AZK_COL_GIVEN_NAME) {
        fam = 0;
        known = azk_names__is_given(s->n, (const char *)folded, flen);
    } else if (parts == 2) {
        size_t fb = fold_sep; /* folded holds both parts without the separator */
        fam = sep_start;
        known = azk_names__is_family(s->n, (const char *)folded, fb) ||
                azk_names__is_given(s->n, (const char *)folded + fb, flen - fb);
    } else {
        bool both = false;
        size_t f = lex_split(s->n, folded, flen, all_kana, &both);
        if (f > 0) {
            fam = a + f; /* folding keeps byte lengths (kana 3 -> 3) */
            known = true;
        } else if (azk_names__is_family(s->n, (const char *)folded, flen)) {
            fam = b;
            known = true;
        } else {
            known = azk_names__is_given(s->n, (const char *)folded, flen);
        }
    }
    *done = true;
    return emit(s, a, b, fam, known ? CONF_COLUMN : CONF_COLUMN_UNKNOWN, all_kana);
}

/* ---- public ---------------------------------------------------------------- */

/* Offset of the first byte >= 0x80, len when there is none. */
static size_t first_non_ascii(const uint8_t *t, size_t len)
{
    size_t i = 0;
    while (i + 8 <= len) {
        uint64_t w;
        memcpy(&w, t + i, 8);
        if ((w & 0x8080808080808080ull) != 0)
            break;
        i += 8;
    }
    while (i < len && t[i] < 0x80)
        i++;
    return i;
}

/* Keyed hashes of a short field (len <= MEMO_MAX_LEN) and its column kind. */
static struct memo_key memo_hash(const azk_names_ctx *ctx, const uint8_t *t, size_t len,
                                 uint32_t col)
{
    uint64_t x = ((uint64_t)len << 8) | col;
    struct memo_key k = {ctx->memo_ka[0] * x, ctx->memo_kb[0] * x};
    size_t i = 0;
    size_t j = 1;
    for (; i + 4 <= len; i += 4, j++) {
        uint32_t w;
        memcpy(&w, t + i, 4);
        k.a += ctx->memo_ka[j] * w;
        k.b += ctx->memo_kb[j] * w;
    }
    if (i < len) {
        uint32_t w = 0;
        memcpy(&w, t + i, len - i);
        k.a += ctx->memo_ka[j] * w;
        k.b += ctx->memo_kb[j] * w;
    }
    return k;
}

azk_status azk_names__new(azk_names **out, const char *dicdir)
{
    azk_status rc = AZK_ERR_NOMEM;
    azk_names *n = NULL;
    char *argv[3] = {NULL, NULL, NULL};
    int argc = 1;

    AZK_ASSERT_ARG(out);
    *out = NULL;
    n = azk_calloc(1, sizeof(*n));
    if (n == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    rc = azk_names__lex_init(&n->lex);
    if (rc != AZK_OK)
        goto done;
    if (dicdir == NULL && access(AZK_NAMES_DEFAULT_DICDIR "/sys.dic", R_OK) == 0)
        dicdir = AZK_NAMES_DEFAULT_DICDIR;
    argv[0] = azk_strdup("mecab");
    if (argv[0] == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    if (dicdir != NULL) {
        argv[1] = azk_strdup("-d");
        argv[2] = azk_strdup(dicdir);
        if (argv[1] == NULL || argv[2] == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        argc = 3;
    }
    n->model = mecab_model_new(argc, argv);
    if (n->model == NULL) {
        rc = azk_error_set(AZK_ERR_UNSUPPORTED, "names: cannot load the MeCab dictionary");
        goto done;
    }
    *out = n;
    n = NULL;
    rc = AZK_OK;
done:
    for (int k = 0; k < 3; k++)
        azk_free(argv[k]);
    azk_names__free(n);
    return rc;
}

void azk_names__free(azk_names *n)
{
    if (n == NULL)
        return;
    if (n->model != NULL)
        mecab_model_destroy(n->model);
    azk_names__lex_dispose(&n->lex);
    azk_free(n);
}

azk_status azk_names__ctx_new(azk_names_ctx **out, const azk_names *n)
{
    azk_status rc = AZK_ERR_NOMEM;
    azk_names_ctx *ctx = NULL;

    AZK_ASSERT_ARG(out);
    AZK_ASSERT_ARG(n);
    *out = NULL;
    ctx = azk_calloc(1, sizeof(*ctx));
    if (ctx == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    ctx->n = n;
    ctx->tagger = mecab_model_new_tagger(n->model);
    ctx->lattice = mecab_model_new_lattice(n->model);
    if (ctx->tagger == NULL || ctx->lattice == NULL) {
        rc = azk_error_set(AZK_ERR_NOMEM, "names: cannot create a MeCab tagger");
        goto done;
    }
    ctx->memo = azk_calloc((size_t)1 << MEMO_BITS, sizeof(*ctx->memo));
    ctx->words = azk_calloc((size_t)1 << WORD_BITS, sizeof(*ctx->words));
    if (ctx->memo == NULL || ctx->words == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    randombytes_buf(ctx->memo_ka, sizeof(ctx->memo_ka));
    randombytes_buf(ctx->memo_kb, sizeof(ctx->memo_kb));
    *out = ctx;
    ctx = NULL;
    rc = AZK_OK;
done:
    azk_names__ctx_free(ctx);
    return rc;
}

void azk_names__ctx_free(azk_names_ctx *ctx)
{
    if (ctx == NULL)
        return;
    if (ctx->lattice != NULL)
        mecab_lattice_destroy(ctx->lattice);
    if (ctx->tagger != NULL)
        mecab_destroy(ctx->tagger);
    azk_buf_dispose_secret(&ctx->norm);
    if (ctx->map != NULL)
        azk_free(ctx->map);
    azk_free(ctx->memo);
    azk_free(ctx->words);
    azk_free(ctx);
}

unsigned long azk_names__ctx_mecab_calls(const azk_names_ctx *ctx)
{
    return ctx != NULL ? ctx->mecab_calls : 0;
}

azk_status azk_names__scan(azk_names_ctx *ctx, const char *text, size_t len, azk_column_kind col,
                           azk_name_cb cb, void *payload)
{
    azk_status rc = AZK_OK;
    struct scan s;
    bool name_col = col == AZK_COL_NAME || col == AZK_COL_NAME_KANA || col == AZK_COL_FAMILY_NAME ||
                    col == AZK_COL_GIVEN_NAME;

    size_t first_hi;
    struct memo_key key = {0, 0};
    struct memo_slot *slot = NULL;

    AZK_ASSERT_ARG(ctx);
    AZK_ASSERT_ARG(cb);
    AZK_ASSERT_ARG(text != NULL || len == 0);
    if (len == 0)
        return AZK_OK;
    /* every path needs a kanji or kana: an ASCII field holds no mention */
    first_hi = first_non_ascii((const uint8_t *)text, len);
    if (first_hi == len)
        return AZK_OK;
    if (len <= MEMO_MAX_LEN && col != AZK_COL_NONE) {
        /* cells of a known column; free text (log lines, cells without a
         * header) repeats words, not whole fields: the word memo does it */
        key = memo_hash(ctx, (const uint8_t *)text, len, (uint32_t)col);
        slot = &ctx->memo[key.a >> (64 - MEMO_BITS)];
        if (memo_has(slot, key, len, (uint32_t)col))
            return AZK_OK; /* scanned before: no mention */
    }
    memset(&s, 0, sizeof(s));
    s.ctx = ctx;
    s.n = ctx->n;
    s.t = (const uint8_t *)text;
    s.len = len;
    s.cb = cb;
    s.payload = payload;
    s.factor = 1.0;
    if (col != AZK_COL_NONE && !name_col)
        s.factor = 0.8;
    ctx->win_text = NULL;
    ctx->ntok = 0;
    if (azk_names__fold_needed(&ctx->n->lex, s.t + first_hi, len - first_hi)) {
        rc = azk_names__fold(&ctx->n->lex, s.t, len, &ctx->norm, &ctx->map, &ctx->map_cap);
        if (rc != AZK_OK)
            goto done;
        s.t = ctx->norm.data;
        s.len = ctx->norm.len;
        s.map = ctx->map;
    }
    if (name_col) {
        bool done = false;
        rc = scan_column(&s, col, &done);
        if (rc != AZK_OK || done)
            goto done;
        s.boost = 0.05; /* a name column holding more than one name */
    }
    rc = scan_free(&s);
done:
    if (rc == AZK_OK && s.hits == 0 && slot != NULL) {
        memo_put(slot, key, len, (uint32_t)col);
    }
    ctx->win_text = NULL;
    ctx->ntok = 0;
    if (s.map != NULL)
        explicit_bzero(ctx->norm.data, ctx->norm.len);
    return rc;
}

static bool lex_has(const azk_names *n, const char *s, size_t len, unsigned flags)
{
    const struct azk_names_lex_entry *e;
    uint8_t folded[256];
    size_t fl = 0;
    if (n == NULL || s == NULL || len == 0)
        return false;
    e = azk_names__lex_find(&n->lex, (const uint8_t *)s, len);
    if (e != NULL)
        return (e->flags & flags) != 0;
    /* hiragana spelling of a reading; half-width katakana, variant kanji */
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t l = azk_utf8_decode((const uint8_t *)s + i, len - i, &cp);
        if (fl + 8 > sizeof(folded))
            return false;
        if (azk_names__fold_needed(&n->lex, (const uint8_t *)s + i, l)) {
            azk_buf tmp = AZK_BUF_INIT;
            size_t *map = NULL;
            size_t cap = 0;
            bool r = false;
            if (azk_names__fold(&n->lex, (const uint8_t *)s, len, &tmp, &map, &cap) == AZK_OK)
                r = lex_has(n, (const char *)tmp.data, tmp.len, flags);
            azk_buf_dispose_secret(&tmp);
            azk_free(map);
            return r;
        }
        fl += azk_utf8_encode(azk_names__hira_to_kata(cp), folded + fl);
        i += l;
    }
    if (fl == len && memcmp(folded, s, len) == 0)
        return false;
    e = azk_names__lex_find(&n->lex, folded, fl);
    return e != NULL && (e->flags & flags) != 0;
}

bool azk_names__is_family(const azk_names *n, const char *s, size_t len)
{
    return lex_has(n, s, len, AZK_NAMES_LEX_FAMILY | AZK_NAMES_LEX_R_FAMILY);
}

bool azk_names__is_given(const azk_names *n, const char *s, size_t len)
{
    return lex_has(n, s, len, AZK_NAMES_LEX_GIVEN | AZK_NAMES_LEX_R_GIVEN);
}
