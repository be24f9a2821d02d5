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
 *
 * This file: character classes, lexicon look-ups, reporting a mention,
 * MeCab, the engine and its contexts. The field entry point with its memos
 * is names_entry.c, free-text candidates are in names_text.c, the
 * free-text scan and name columns in names_field.c (shared declarations:
 * names_scan.h).
 */
#include "detect/names.h"
#include "detect/names_lex.h"
#include "norm/norm.h"

#include <mecab.h>
#include <sodium.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "detect/names_scan.h"

/* ---- character classes ------------------------------------------------ */

/* Name characters: norm's classes, plus 〆 and the small ヵ ヶ (written in
 * kanji names: 〆木, 八ヶ代), the prolonged ー in katakana names, and the
 * iteration marks ゝ ゞ in hiragana ones. */
bool azk_names__is_kanji(uint32_t c)
{
    return azk_norm__is_kanji(c) || c == 0x3006 || c == 0x30F5 || c == 0x30F6;
}

bool azk_names__is_kata(uint32_t c)
{
    return azk_norm__is_katakana(c) || c == 0x30FC;
}

bool azk_names__is_hira(uint32_t c)
{
    return azk_norm__is_hiragana(c) || c == 0x309D || c == 0x309E;
}

bool azk_names__is_space(uint32_t c)
{
    return c == ' ' || c == '\t' || c == 0x3000;
}

/* Code point ending just before i (0 at the start). */
uint32_t azk_names__cp_before(const struct scan *s, size_t i)
{
    size_t j = i;
    uint32_t cp = 0;
    if (i == 0)
        return 0;
    if (s->t[i - 1] < 0x80)
        return s->t[i - 1];
    if (i >= 3) {
        /* a whole kanji or kana, read as azk_utf8_decode reads it */
        const uint8_t *p = s->t + i - 3;
        if ((p[0] & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
            cp = ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) |
                 (uint32_t)(p[2] & 0x3F);
            if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF))
                return cp;
        }
    }
    do {
        j--;
    } while (j > 0 && i - j < 4 && (s->t[j] & 0xC0) == 0x80);
    (void)azk_utf8_decode(s->t + j, i - j, &cp);
    return cp;
}

/* Skip one whitespace code point (ASCII space, tab, U+3000) at i. */
size_t azk_names__skip_one_space(const struct scan *s, size_t i)
{
    size_t l;
    uint32_t c = azk_names__cp_at(s, i, &l);
    return (l > 0 && azk_names__is_space(c)) ? i + l : i;
}

bool azk_names__bytes_eq(const struct scan *s, size_t i, const char *lit, size_t *end)
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
bool azk_names__honorific_at(const struct scan *s, size_t i, size_t *end)
{
    static const char *const kanji_h[] = {"様", "殿", "君", "氏"};
    static const char *const kana_h[] = {"さま", "さん", "くん", "ちゃん"};
    size_t e;
    /* every honorific starts with 0xE3 (kana) or 0xE5/0xE6 (kanji) */
    if (i >= s->len || (s->t[i] != 0xE3 && s->t[i] != 0xE5 && s->t[i] != 0xE6))
        return false;
    for (size_t k = 0; k < sizeof(kanji_h) / sizeof(kanji_h[0]); k++) {
        if (azk_names__bytes_eq(s, i, kanji_h[k], &e)) {
            uint32_t nx = azk_names__cp_at(s, e, NULL);
            if (azk_names__is_kanji(nx) &&
                !(k == 0 && (nx == 0x65B9 /* 方 */ || nx == 0x5B9B /* 宛 */)))
                return false;
            *end = e;
            return true;
        }
    }
    for (size_t k = 0; k < sizeof(kana_h) / sizeof(kana_h[0]); k++) {
        if (azk_names__bytes_eq(s, i, kana_h[k], &e)) {
            *end = e;
            return true;
        }
    }
    return false;
}

/* ---- lexicon helpers ---------------------------------------------------- */

size_t azk_names__count_chars(const uint8_t *p, size_t len)
{
    size_t c = 0;
    for (size_t i = 0; i < len; i++)
        c += (p[i] & 0xC0) != 0x80;
    return c;
}

const struct azk_names_lex_entry *azk_names__lex_lookup(const azk_names *n, const uint8_t *p,
                                                        size_t len)
{
    return azk_names__lex_find(&n->lex, p, len);
}

/*
 * Lexicon entries starting at i whose chars all satisfy the class (kanji or
 * katakana): ends[] gets their end offsets, longest first, for entries with
 * any flag in `want`. Returns the count.
 */
size_t azk_names__lex_prefixes(const struct scan *s, size_t i, bool kana, unsigned want,
                               size_t *ends, size_t max_out)
{
    size_t bounds[MAX_LEX_CHARS]; /* only [0, nb) is read: no memset per position */
    size_t nb = 0;
    size_t j = i;
    size_t out = 0;
    size_t l;
    uint32_t c = azk_names__cp_at(s, i, &l);
    uint32_t c0 = c;
    size_t limit = c < 0x10000 ? s->n->lex.first[c] : s->n->lex.max_chars;
    if (limit > MAX_LEX_CHARS)
        limit = MAX_LEX_CHARS;
    while (nb < limit) {
        c = azk_names__cp_at(s, j, &l);
        /* kanji names may end in katakana (ヨウ子 starts with kana, but
         * 田中ジョージ, 鈴木ケイ子 mix): entries decide what matches */
        if (l == 0 || !(kana ? azk_names__is_kata(c)
                             : (azk_names__is_kanji(c) || (nb > 0 && azk_names__is_kata(c)))))
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
        e = azk_names__lex_lookup(s->n, s->t + i, bounds[nb] - i);
        if (e != NULL && (e->flags & want) != 0)
            ends[out++] = bounds[nb];
    }
    return out;
}

/* Surname and given-name entries at i in one pass (kanji mode). */
void azk_names__lex_prefixes2(const struct scan *s, size_t i, size_t *fam, size_t *nf, size_t *giv,
                              size_t *ng, size_t max_out)
{
    size_t bounds[MAX_LEX_CHARS]; /* only [0, nb) is read: no memset per position */
    size_t nb = 0;
    size_t j = i;
    size_t l;
    uint32_t c = azk_names__cp_at(s, i, &l);
    uint32_t c0 = c;
    size_t limit = c < 0x10000 ? s->n->lex.first[c] : s->n->lex.max_chars;
    *nf = 0;
    *ng = 0;
    if (limit > MAX_LEX_CHARS)
        limit = MAX_LEX_CHARS;
    while (nb < limit) {
        c = azk_names__cp_at(s, j, &l);
        if (l == 0 || !(azk_names__is_kanji(c) || (nb > 0 && azk_names__is_kata(c))))
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
        e = azk_names__lex_lookup(s->n, s->t + i, bounds[nb] - i);
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
size_t azk_names__lex_split(const azk_names *n, const uint8_t *p, size_t len, bool kana, bool *both)
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
        if (kana &&
            (azk_names__count_chars(p, i) < 2 || azk_names__count_chars(p + i, len - i) < 2))
            continue;
        f = azk_names__lex_lookup(n, p, i);
        if (f != NULL && (f->flags & ff) != 0) {
            const struct azk_names_lex_entry *g = azk_names__lex_lookup(n, p + i, len - i);
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

azk_status azk_names__emit(struct scan *s, size_t start, size_t end, size_t family_end, double conf,
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
    if (s->hits <= HIT_MAX && oe <= FIELD_MAX_LEN) { /* a field the hit memo can take */
        struct hit_rec *r = &s->ctx->hit_rec[s->hits - 1];
        r->start = (uint16_t)h.start;
        r->len = (uint16_t)h.len;
        r->family_len = (uint16_t)h.family_len;
        r->kana = kana;
        r->confidence = conf;
    }
    return s->cb(&h, s->payload);
}

/* ---- MeCab ------------------------------------------------------------------ */

/* Whether the feature text f (fl bytes) starts with the literal p. */
#define FEATURE_HAS(f, fl, p) ((fl) >= sizeof(p) - 1 && memcmp((f), (p), sizeof(p) - 1) == 0)

/*
 * The class of a token by its feature string (IPAdic's part of speech:
 * 品詞,細分類1,細分類2,...) and whether MeCab made it an unknown word:
 * the shared prefixes are compared once (名詞, then 固有名詞, or 接尾,),
 * in the order of the rules: 姓, 名, 人名, 組織, 地域 (固有名詞), 人名,
 * 地域 (接尾), unknown word, 数, the function nouns, other nouns, 記号,空白,
 * 接頭詞, other 記号. tests/unit/names compares it with strncmp rule by rule.
 */
enum tok_class azk_names__tok_class(const char *f, bool unknown)
{
    static const char *const func[] = {"サ変接続", "形容動詞語幹", "副詞可能", "代名詞", "非自立"};
    size_t fl;
    if (f == NULL)
        return TK_OTHER;
    fl = strlen(f);
    if (FEATURE_HAS(f, fl, "名詞,")) {
        const char *r = f + strlen("名詞,");
        size_t rl = fl - strlen("名詞,");
        if (FEATURE_HAS(r, rl, "固有名詞,")) {
            const char *q = r + strlen("固有名詞,");
            size_t ql = rl - strlen("固有名詞,");
            if (FEATURE_HAS(q, ql, "人名")) {
                if (FEATURE_HAS(q, ql, "人名,姓"))
                    return TK_FAMILY;
                if (FEATURE_HAS(q, ql, "人名,名"))
                    return TK_GIVEN;
                return TK_PERSON;
            }
            if (FEATURE_HAS(q, ql, "組織"))
                return TK_ORG;
            if (FEATURE_HAS(q, ql, "地域"))
                return TK_PLACE;
        } else if (FEATURE_HAS(r, rl, "接尾,人名")) {
            return TK_HONOR;
        } else if (FEATURE_HAS(r, rl, "接尾,地域")) {
            return TK_PLACE_SUFFIX;
        }
        if (unknown)
            return TK_UNKNOWN;
        if (FEATURE_HAS(r, rl, "数"))
            return TK_NUM;
        for (size_t k = 0; k < sizeof(func) / sizeof(func[0]); k++) {
            size_t n = strlen(func[k]);
            if (rl >= n && memcmp(r, func[k], n) == 0)
                return TK_NOUN_FUNC;
        }
        return TK_NOUN;
    }
    if (unknown)
        return TK_UNKNOWN;
    if (FEATURE_HAS(f, fl, "記号,"))
        return FEATURE_HAS(f, fl, "記号,空白") ? TK_SPACE : TK_SYMBOL;
    if (FEATURE_HAS(f, fl, "接頭詞,"))
        return TK_PREFIX;
    return TK_OTHER;
}

/*
 * The MeCab memo and the field memo key by the digit-blind bytes
 * (names_scan.h, azk_names__blind_copy). With IPAdic 2.7.0
 * (n->digit_blind) every ASCII digit reads '0', except one right after 第
 * or one MeCab would read inside a longer character (invalid UTF-8): the
 * only entries of that dictionary holding an ASCII digit are 第1期線 and
 * 第2期線 (its 392,127 rows: mecab-ipadic's *.csv), and char.def puts the
 * ten digits in one class alone (NUMERIC). So a dictionary match that
 * covers a digit covers a 第 right before it, and two windows that differ
 * only in the other digits get the same matches at every position and the
 * same unknown-word nodes (same class, same grouping): the same lattice,
 * the same costs, the same best path, hence the same tokens. Log lines
 * repeat their words around changing numbers (times, ids).
 */
struct memo_key azk_names__memo_hash_kept(const azk_names_ctx *ctx, const uint8_t *t, size_t len,
                                          uint32_t col)
{
    uint8_t buf[MEMO_KEY_LEN];
    struct memo_key k;
    if (len > sizeof(buf))
        len = sizeof(buf); /* cannot happen: callers hash at most MEMO_KEY_LEN */
    azk_names__blind_copy(t, len, buf);
    k = azk_names__memo_hash(ctx, buf, len, col);
    sodium_memzero(buf, len);
    return k;
}

/*
 * IPAdic 2.7.0 as mecab-ipadic(-utf8) builds it: one system dictionary of
 * 392,127 entries, 1,316 left and right context ids, UTF-8. The
 * digit-blind argument (azk_names__memo_hash_kept) holds for that
 * dictionary; with any other the memos key the bytes as they are.
 */
static bool ipadic_270(mecab_model_t *model)
{
    const mecab_dictionary_info_t *d = mecab_model_dictionary_info(model);
    return d != NULL && d->next == NULL && d->type == MECAB_SYS_DIC && d->size == 392127 &&
           d->lsize == 1316 && d->rsize == 1316 && d->version == 102 && d->charset != NULL &&
           (strcasecmp(d->charset, "utf-8") == 0 || strcasecmp(d->charset, "utf8") == 0);
}

/*
 * A probe of the argument on the loaded dictionary (char.def lives beside
 * sys.dic and ipadic_270 does not see it): a text with every digit in
 * several positions must parse into the same tokens as its copy with the
 * digits read as '0'.
 */
static bool digits_alike(mecab_model_t *model)
{
    static const char probe[] = "0123456789 12:34 5,678円 No.42 ID7a8b 3F 9.5% 第6回 山田1様";
    char zero[sizeof(probe)];
    mecab_t *tagger = mecab_model_new_tagger(model);
    mecab_lattice_t *la = mecab_model_new_lattice(model);
    mecab_lattice_t *lb = mecab_model_new_lattice(model);
    bool same = false;
    for (size_t k = 0; k < sizeof(probe); k++)
        zero[k] = probe[k] >= '0' && probe[k] <= '9' ? '0' : probe[k];
    if (tagger != NULL && la != NULL && lb != NULL) {
        mecab_lattice_set_sentence2(la, probe, sizeof(probe) - 1);
        mecab_lattice_set_sentence2(lb, zero, sizeof(probe) - 1);
        if (mecab_parse_lattice(tagger, la) && mecab_parse_lattice(tagger, lb)) {
            const mecab_node_t *x = mecab_lattice_get_bos_node(la);
            const mecab_node_t *y = mecab_lattice_get_bos_node(lb);
            same = true;
            for (; x != NULL && y != NULL && same; x = x->next, y = y->next) {
                same = x->surface - probe == y->surface - zero && x->length == y->length &&
                       x->stat == y->stat && (x->feature == NULL) == (y->feature == NULL) &&
                       (x->feature == NULL || strcmp(x->feature, y->feature) == 0);
            }
            same = same && x == NULL && y == NULL;
        }
    }
    if (lb != NULL)
        mecab_lattice_destroy(lb);
    if (la != NULL)
        mecab_lattice_destroy(la);
    if (tagger != NULL)
        mecab_destroy(tagger);
    return same;
}

/*
 * Make sure ctx->toks covers position p with some context on both sides,
 * parsing a window of the current line when the cached one does not.
 */
void azk_names__parse_around(struct scan *s, size_t p)
{
    azk_names_ctx *ctx = s->ctx;
    size_t ws = p;
    size_t we = p;
    const mecab_node_t *node;
    struct memo_key key = {0, 0};
    struct parse_slot *slot = NULL;
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
        (void)azk_names__cp_at(s, we, &l);
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
    if (we > ws) {
        /* two ways per set, the more recent first */
        struct parse_slot *set;
        key = azk_names__memo_hash_blind(ctx, ctx->window, we - ws, 0);
        set = &ctx->parses[(key.a >> (64 - PARSE_BITS)) & ~(uint64_t)1];
        slot = &set[0];
        if (set[1].len == we - ws && set[1].a == key.a && set[1].b == key.b) {
            struct parse_slot tmp = set[0];
            set[0] = set[1];
            set[1] = tmp;
        }
        if (slot->len == we - ws && slot->a == key.a && slot->b == key.b) {
            for (size_t k = 0; k < slot->ntok; k++) {
                ctx->toks[k].start = ws + slot->tok[k][0];
                ctx->toks[k].end = ws + slot->tok[k][1];
                ctx->toks[k].cls = (enum tok_class)slot->tok[k][2];
            }
            ctx->ntok = slot->ntok;
            return; /* parsed before: the same tokens */
        }
    }
    ctx->mecab_calls++;
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
            break;
        }
        ctx->toks[ctx->ntok].start = ws + (size_t)(sp - ctx->window);
        ctx->toks[ctx->ntok].end = ctx->toks[ctx->ntok].start + node->length;
        ctx->toks[ctx->ntok].cls =
            azk_names__tok_class(node->feature, node->stat == MECAB_UNK_NODE);
        ctx->ntok++;
    }
    if (slot != NULL && ctx->ntok <= PARSE_TOKS) {
        struct parse_slot fresh;
        size_t nt = ctx->ntok;
        memset(&fresh, 0, sizeof(fresh));
        for (size_t k = 0; k < nt && k < PARSE_TOKS; k++) {
            fresh.tok[k][0] = (uint8_t)(ctx->toks[k].start - ws);
            fresh.tok[k][1] = (uint8_t)(ctx->toks[k].end - ws);
            fresh.tok[k][2] = (uint8_t)ctx->toks[k].cls;
        }
        fresh.ntok = (uint8_t)nt;
        fresh.len = (uint8_t)(we - ws);
        fresh.a = key.a;
        fresh.b = key.b;
        slot[1] = slot[0]; /* the older way goes */
        slot[0] = fresh;
    }
}

/* Index of the token starting at p, or -1. */
long azk_names__tok_at(const azk_names_ctx *ctx, size_t p)
{
    for (size_t k = 0; k < ctx->ntok; k++) {
        if (ctx->toks[k].start == p)
            return (long)k;
        if (ctx->toks[k].start > p)
            break;
    }
    return -1;
}

bool azk_names__tok_personal(enum tok_class c)
{
    return c == TK_FAMILY || c == TK_GIVEN || c == TK_PERSON;
}

bool azk_names__tok_contradicts(enum tok_class c)
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
long azk_names__span_tokens(const azk_names_ctx *ctx, long k, size_t end, bool *personal,
                            bool *family_first, bool *all_unknown)
{
    *personal = false;
    *all_unknown = true;
    *family_first = k >= 0 && (size_t)k < ctx->ntok && ctx->toks[k].cls == TK_FAMILY;
    for (; k >= 0 && (size_t)k < ctx->ntok; k++) {
        const struct tok *t = &ctx->toks[k];
        if (t->end > end || azk_names__tok_contradicts(t->cls))
            return -1;
        if (azk_names__tok_personal(t->cls))
            *personal = true;
        if (t->cls != TK_UNKNOWN)
            *all_unknown = false;
        if (t->end == end)
            return k;
    }
    return -1;
}

/* Token k+1 starts at `at` and is an honorific suffix ending at hend. */
bool azk_names__tok_honorific(const azk_names_ctx *ctx, long k, size_t at, size_t hend)
{
    const struct tok *t;
    if (k < 0 || (size_t)k + 1 >= ctx->ntok)
        return false;
    t = &ctx->toks[k + 1];
    return t->start == at && t->end == hend &&
           (t->cls == TK_HONOR || t->cls == TK_NOUN || t->cls == TK_UNKNOWN);
}

/* ---- public ---------------------------------------------------------------- */

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
    n->digit_blind = ipadic_270(n->model) && digits_alike(n->model);
#ifdef AZK_NAMES_KEY_AVX2
    n->avx2 = __builtin_cpu_supports("avx2") != 0;
#endif
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
    ctx->parses = azk_calloc((size_t)1 << PARSE_BITS, sizeof(*ctx->parses));
    ctx->hit_memo = azk_calloc((size_t)1 << HIT_BITS, sizeof(*ctx->hit_memo));
    if (ctx->memo == NULL || ctx->words == NULL || ctx->parses == NULL || ctx->hit_memo == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    randombytes_buf(ctx->memo_ka, sizeof(ctx->memo_ka));
    randombytes_buf(ctx->memo_kb, sizeof(ctx->memo_kb));
    randombytes_buf(ctx->memo_kx, sizeof(ctx->memo_kx));
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
    azk_free(ctx->parses);
    azk_free(ctx->hit_memo);
    azk_free(ctx);
}

unsigned long azk_names__ctx_mecab_calls(const azk_names_ctx *ctx)
{
    return ctx != NULL ? ctx->mecab_calls : 0;
}

azk_status azk_names__fold_text(struct scan *s)
{
    azk_names_ctx *ctx = s->ctx;
    azk_status rc =
        azk_names__fold(&ctx->n->lex, s->t, s->len, &ctx->norm, &ctx->map, &ctx->map_cap);
    if (rc != AZK_OK)
        return rc;
    s->t = ctx->norm.data;
    s->len = ctx->norm.len;
    s->map = ctx->map;
    return AZK_OK;
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
