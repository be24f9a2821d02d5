/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/names_text.c -- person names in free text: kanji candidates (surname +
 * given name, name + honorific) confirmed by MeCab, katakana reading pairs,
 * and names after a label (氏名：, お名前 ...).
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

/* ---- free text: kanji candidates --------------------------------------- */

/*
 * 1-3 kanji or 2-4 hiragana (さくら) from q directly followed by an
 * honorific: *r is the end of the run, *he the end of the honorific.
 */
static bool run_to_honorific(const struct scan *s, size_t q, size_t *r, size_t *he)
{
    size_t j = q;
    bool hira = azk_names__is_hira(azk_names__cp_at(s, q, NULL));
    int max = hira ? 4 : 3;
    for (int n = 0; n <= max; n++) {
        size_t l;
        uint32_t c;
        if (n > (hira ? 1 : 0) &&
            (azk_names__honorific_at(s, j, he) ||
             (azk_names__skip_one_space(s, j) > j &&
              azk_names__honorific_at(s, azk_names__skip_one_space(s, j), he)))) {
            *r = j; /* 陽菜様, 陽菜 様 */
            return true;
        }
        c = azk_names__cp_at(s, j, &l);
        if (l == 0 || n == max || !(hira ? azk_names__is_hira(c) : azk_names__is_kanji(c)))
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
    while (n < 3 && azk_names__is_kanji(azk_names__cp_at(s, j, &l))) {
        j += l;
        n++;
    }
    if (n == 0)
        j = hira_given(s, q); /* 米澤 さくら <...> */
    if (j == q || azk_names__is_kanji(azk_names__cp_at(s, j, NULL)))
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
    uint32_t last = azk_names__cp_before(s, r);
    if (!char_in(last, "名人件通枚部個"))
        return false;
    while (b > q && (s->t[b - 1] & 0xC0) == 0x80)
        b--;
    b--; /* start of the last code point */
    return b > q && char_in(azk_names__cp_before(s, b), "一二三四五六七八九十百千数何");
}

/* The kanji before r names a business, not a person (山田工務店様, 山田酒店様). */
static bool business_tail(const struct scan *s, size_t r)
{
    static const char tails[] = "店屋堂社所院館園局組会課部係科商業舗房機事設産品械工製"
                                "命薬険券行庫運輸便鉄船油紙販易託銀協団融電通";
    uint32_t c = azk_names__cp_before(s, r);
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
    uint32_t c = azk_names__cp_at(s, e, NULL);
    return azk_names__is_kanji(c) && c != 0x5B9B && c != 0x65B9 && c != 0x7B49 && c != 0x4ED6;
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
    if (azk_names__honorific_at(s, gend, &he))
        return false;
    return azk_names__count_chars(s->t + p, gend - p) < 3;
}

/*
 * Kanji name starting at p. On a report, *next is set past the mention
 * (and its honorific).
 */
azk_status azk_names__try_kanji(struct scan *s, size_t p, size_t *next)
{
    azk_names_ctx *ctx = s->ctx;
    size_t fam[8];
    size_t giv[8];
    size_t nf;
    size_t ng;
    bool cue = false;
    long k0;

    size_t ps = p; /* start of the mention */

    azk_names__lex_prefixes2(s, p, fam, &nf, giv, &ng, 8);

    if (nf == 0 && ng == 0)
        return AZK_OK;
    {
        /* 倉澤 望: the lexicon knows 澤, not 倉澤; a single kanji before the
         * surname that starts a word belongs to it (a span covers the
         * whole name) */
        size_t b1;
        uint32_t a1;
        if (p > 0 && azk_names__is_kanji(a1 = azk_names__cp_before(s, p))) {
            size_t l1 = 0;
            b1 = p - (a1 >= 0x10000 ? 4 : 3);
            /* a whole code point of its own, not inside the last mention */
            if (p >= (a1 >= 0x10000 ? 4 : 3) && b1 >= s->hit_end &&
                azk_names__cp_at(s, b1, &l1) == a1 && b1 + l1 == p &&
                (b1 == 0 || !(azk_names__is_kanji(azk_names__cp_before(s, b1)) ||
                              azk_names__is_kata(azk_names__cp_before(s, b1)) ||
                              azk_names__is_hira(azk_names__cp_before(s, b1)))))
                ps = b1;
        }
    }
    /* a cue must be there before MeCab is asked anything */
    for (size_t a = 0; a < nf && !cue; a++) {
        size_t he, r;
        size_t g2[8];
        size_t q = azk_names__skip_one_space(s, fam[a]);
        size_t ng2 = azk_names__lex_prefixes(s, q, false, AZK_NAMES_LEX_GIVEN, g2, 8);
        cue = azk_names__honorific_at(s, fam[a], &he) || run_to_honorific(s, q, &r, &he) ||
              (q > fam[a] && run_to_mail(s, q, &r));
        for (size_t b = 0; b < ng2 && !cue; b++)
            cue = !short_pair(s, p, q, g2[b]);
    }
    for (size_t b = 0; b < ng && !cue; b++) {
        size_t he;
        cue = azk_names__honorific_at(s, giv[b], &he);
    }
    if (!cue)
        return AZK_OK;

    azk_names__parse_around(s, p);
    k0 = azk_names__tok_at(ctx, p);
    if (k0 < 0)
        return AZK_OK; /* MeCab puts p inside a longer word */

    for (size_t a = 0; a < nf; a++) {
        bool fpers, ffirst, funk, gpers, gfirst, gunk;
        long kf = azk_names__span_tokens(ctx, k0, fam[a], &fpers, &ffirst, &funk);
        size_t q, he, r;
        size_t g2[8];
        size_t ng2;
        q = azk_names__skip_one_space(s, fam[a]);
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
                return azk_names__emit(s, ps, r, fam[a], CONF_FULL_PAIR, false);
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
            long kq = azk_names__tok_at(ctx, q);
            enum tok_class c = kq >= 0 ? ctx->toks[kq].cls : TK_UNKNOWN;
            /* one MeCab word that cannot be a name (担当, 東京); plain nouns
             * can (蒼空, 紬), titles cannot (部長): see is_title */
            bool word = kq >= 0 && ctx->toks[kq].end == r &&
                        (c == TK_NOUN_FUNC || c == TK_ORG || c == TK_PLACE || c == TK_OTHER);
            const struct azk_names_lex_entry *ge = azk_names__lex_lookup(s->n, s->t + q, r - q);
            bool listed = ge != NULL && (ge->flags & AZK_NAMES_LEX_GIVEN) != 0; /* 正行 */
            if (!word && (listed || !business_tail(s, r)) && !is_title(s->t + q, r - q) &&
                !counter_tail(s, q, r) && run_is_nominal(ctx, q, r)) {
                *next = he;
                return azk_names__emit(s, ps, r, fam[a],
                                       listed ? CONF_FULL_HONOR : CONF_FULL_HONOR_OOV, false);
            }
        }
        /* full name + e-mail address (credit lines): the given name is
         * open vocabulary, unless MeCab reads it as one ordinary word */
        if ((ffirst || fpers) && q > fam[a] && run_to_mail(s, q, &r)) {
            long kq = azk_names__tok_at(ctx, q);
            enum tok_class c = kq >= 0 ? ctx->toks[kq].cls : TK_UNKNOWN;
            bool word = kq >= 0 && ctx->toks[kq].end == r &&
                        (c == TK_NOUN_FUNC || c == TK_ORG || c == TK_PLACE || c == TK_OTHER);
            bool across = false;
            for (size_t k = 0; k < ctx->ntok; k++)
                across = across || (ctx->toks[k].start < r && ctx->toks[k].end > r);
            if (kq >= 0 && !word && !across && !is_title(s->t + q, r - q)) {
                *next = r;
                return azk_names__emit(s, ps, r, fam[a], CONF_FULL_PAIR, false);
            }
        }
        ng2 = azk_names__lex_prefixes(s, q, false, AZK_NAMES_LEX_GIVEN, g2, 8);
        for (size_t b = 0; b < ng2; b++) {
            long kg = azk_names__tok_at(ctx, q);
            long kl;
            bool honor;
            double conf;
            if (kg < 0)
                continue;
            if (short_pair(s, p, q, g2[b]))
                continue;
            kl = azk_names__span_tokens(ctx, kg, g2[b], &gpers, &gfirst, &gunk);
            if (kl < 0)
                continue;
            honor = azk_names__honorific_at(s, g2[b], &he) &&
                    azk_names__tok_honorific(ctx, kl, g2[b], he);
            if ((size_t)kl + 1 < ctx->ntok && ctx->toks[kl + 1].cls == TK_PLACE_SUFFIX)
                continue; /* 山田太郎駅: a place */
            if (honor && (fpers || gpers || (funk && gunk)))
                conf = CONF_FULL_HONOR;
            else if (ffirst && gpers && !word_goes_on(s, g2[b]))
                conf = CONF_FULL_PAIR; /* MeCab: 姓 then 名 */
            else
                continue;
            *next = honor ? he : g2[b];
            return azk_names__emit(s, ps, g2[b], fam[a], conf, false);
        }
        if (azk_names__honorific_at(s, fam[a], &he) &&
            azk_names__tok_honorific(ctx, kf, fam[a], he) && (fpers || funk)) {
            *next = he;
            return azk_names__emit(s, ps, fam[a], fam[a], CONF_FAMILY_HONOR, false);
        }
    }
    /* a given name alone (花子さん) must start a word: in 北木太佳氏 the 佳
     * is the tail of a name the lexicon does not know */
    if (azk_names__is_kanji(azk_names__cp_before(s, p)) ||
        azk_names__is_kata(azk_names__cp_before(s, p)))
        ng = 0;
    for (size_t b = 0; b < ng; b++) {
        bool gpers, gfirst, gunk;
        size_t he;
        long kl = azk_names__span_tokens(ctx, k0, giv[b], &gpers, &gfirst, &gunk);
        if (kl < 0 || !gpers)
            continue;
        if (azk_names__honorific_at(s, giv[b], &he) &&
            azk_names__tok_honorific(ctx, kl, giv[b], he)) {
            *next = he;
            return azk_names__emit(s, p, giv[b], 0, CONF_GIVEN_HONOR, false);
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
        uint32_t c = azk_names__cp_at(s, i, &l);
        if (l == 0 || !azk_names__is_kata(c))
            return i;
        i += l;
    }
}

static unsigned lex_flags(const struct scan *s, size_t a, size_t b)
{
    const struct azk_names_lex_entry *e = azk_names__lex_lookup(s->n, s->t + a, b - a);
    return e != NULL ? e->flags : 0;
}

/* Katakana run starting at p (not preceded by katakana). */
azk_status azk_names__try_kana(struct scan *s, size_t p, size_t *next)
{
    size_t aend = kata_run(s, p);
    size_t he;
    size_t l;
    unsigned fa;
    size_t q;
    if (aend == p || azk_names__count_chars(s->t + p, aend - p) < 2)
        return AZK_OK;
    fa = lex_flags(s, p, aend);
    q = azk_names__skip_one_space(s, aend);
    if (q == aend && azk_names__cp_at(s, aend, &l) == 0x30FB) {
        /* ジョン・スミス様; without an honorific a ・ joins the words of a
         * katakana compound (コール・グラフ), not a name */
        if (!azk_names__honorific_at(s, kata_run(s, aend + l), &he))
            return AZK_OK;
        q = aend + l;
    }
    if (q > aend) {
        size_t bend = kata_run(s, q);
        if (bend > q && azk_names__count_chars(s->t + q, bend - q) >= 2 &&
            azk_names__cp_at(s, bend, NULL) != 0x30FB) {
            unsigned fb = lex_flags(s, q, bend);
            bool fam_ok = (fa & (AZK_NAMES_LEX_R_FAMILY | AZK_NAMES_LEX_FAMILY)) != 0;
            bool giv_ok = (fb & (AZK_NAMES_LEX_R_GIVEN | AZK_NAMES_LEX_GIVEN)) != 0;
            bool honor = azk_names__honorific_at(s, bend, &he);
            /* given name first (ジョン・スミス様): only with an honorific, and
             * the family part is not at the start */
            bool western = honor && !fam_ok && !giv_ok && fa != 0 && fb != 0;
            if ((fam_ok && giv_ok) || (honor && (fam_ok || giv_ok)) || western) {
                double conf = fam_ok && giv_ok ? CONF_KANA_PAIR : CONF_KANA_FAMILY;
                if (honor)
                    conf = fam_ok && giv_ok ? CONF_KANA_HONOR + 0.05 : CONF_KANA_HONOR;
                *next = honor ? he : bend;
                return azk_names__emit(s, p, bend, western ? p : aend, conf, true);
            }
        }
    }
    if (azk_names__honorific_at(s, aend, &he)) {
        bool both = false;
        size_t f = azk_names__lex_split(s->n, s->t + p, aend - p, true, &both);
        if (both) {
            *next = he;
            return azk_names__emit(s, p, aend, p + f, CONF_KANA_HONOR, true);
        }
        /* a reading of a kanji surname (ヤマダ様), not a katakana surname
         * of its own (ローソン様, シャープ様: more often companies) */
        if ((fa & AZK_NAMES_LEX_R_FAMILY) != 0 && (fa & AZK_NAMES_LEX_FAMILY) == 0) {
            /* トヨタ様, スズキ様: companies addressed like people; keep
             * them below the default threshold when MeCab says so */
            double conf = CONF_KANA_FAMILY;
            long k;
            azk_names__parse_around(s, p);
            k = azk_names__tok_at(s->ctx, p);
            if (k >= 0 && s->ctx->toks[k].end == aend &&
                (s->ctx->toks[k].cls == TK_ORG || s->ctx->toks[k].cls == TK_PLACE))
                conf = CONF_KANA_ORG;
            *next = he;
            return azk_names__emit(s, p, aend, aend, conf, true);
        }
    }
    return AZK_OK;
}

/* ---- free text: azk_names__labels ----------------------------------------------------- */

/* placeholders seen where a name would be */
static const char *const not_names[] = {
    "不明", "なし", "無し", "未定", "同上", "該当なし", "未設定", "未入力", "空欄", "本人",
};

bool azk_names__is_placeholder(const uint8_t *p, size_t len)
{
    for (size_t k = 0; k < sizeof(not_names) / sizeof(not_names[0]); k++) {
        if (len == strlen(not_names[k]) && memcmp(p, not_names[k], len) == 0)
            return true;
    }
    return false;
}

const char *const azk_names__labels[] = {
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
        uint32_t c = azk_names__cp_at(s, i, &l);
        if (l == 0 || !(azk_names__is_kanji(c) || (i > start && azk_names__is_kata(c))) ||
            *chars > MAX_NAME_CHARS)
            return i;
        if (*chars > 0 && azk_names__honorific_at(s, i, &he))
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
    uint32_t c = azk_names__cp_at(s, q, &l);
    if (!azk_names__is_hira(c) || char_in(c, "がはのとをにでもへやね"))
        return q;
    for (size_t k = 0; k < sizeof(not_start) / sizeof(not_start[0]); k++) {
        size_t e;
        if (azk_names__bytes_eq(s, q, not_start[k], &e))
            return q;
    }
    while (n < 5 && azk_names__is_hira(azk_names__cp_at(s, j, &l))) {
        if (n >= 2 && azk_names__honorific_at(s, j, &he))
            break;
        j += l;
        n++;
    }
    c = azk_names__cp_at(s, j, NULL);
    if (n < 2 || n > 4 || azk_names__is_hira(c) || azk_names__is_kata(c) ||
        (azk_names__is_kanji(c) && !azk_names__honorific_at(s, j, &he)))
        return q;
    return j; /* さくら様: the honorific bounds it */
}

azk_status azk_names__label_value(struct scan *s, size_t v, bool kana_label, bool strong_label,
                                  size_t *next)
{
    azk_names_ctx *ctx = s->ctx;
    size_t l;
    uint32_t c = azk_names__cp_at(s, v, &l);
    size_t he;

    if (azk_names__is_kata(c)) {
        size_t aend = kata_run(s, v);
        size_t end = aend;
        size_t fam = 0;
        bool known = false;
        size_t q = azk_names__skip_one_space(s, aend);
        unsigned fa = lex_flags(s, v, aend);
        if (q == aend)
            q = aend + (azk_names__cp_at(s, aend, &l) == 0x30FB ? l : 0);
        if (q > aend && kata_run(s, q) > q) {
            end = kata_run(s, q);
            fam = aend;
            known = (fa & AZK_NAMES_LEX_R_FAMILY) != 0 ||
                    (lex_flags(s, q, end) & AZK_NAMES_LEX_R_GIVEN) != 0;
        } else {
            bool both;
            size_t f = azk_names__lex_split(s->n, s->t + v, aend - v, true, &both);
            known = both || (fa & (AZK_NAMES_LEX_R_FAMILY | AZK_NAMES_LEX_R_GIVEN)) != 0;
            fam = f > 0 ? v + f : ((fa & AZK_NAMES_LEX_R_FAMILY) ? aend : 0);
        }
        if (azk_names__count_chars(s->t + v, end - v) > MAX_KANA_CHARS || (!known && !kana_label))
            return AZK_OK;
        *next = azk_names__honorific_at(s, end, &he) ? he : end;
        return azk_names__emit(s, v, end, fam, known ? CONF_LABEL : CONF_LABEL_UNKNOWN, true);
    }
    if (azk_names__is_kanji(c)) {
        size_t chars = 0;
        size_t aend = label_kanji_run(s, v, &chars);
        size_t end = aend;
        size_t q = azk_names__skip_one_space(s, aend);
        size_t fam = 0;
        bool pers = false;
        bool first = false;
        bool unk = true;
        bool support;
        size_t gopen = 0; /* start of a given name taken without the lexicon */
        long k0;
        if (q > aend &&
            (azk_names__is_kanji(azk_names__cp_at(s, q, NULL)) ||
             azk_names__is_kata(azk_names__cp_at(s, q, NULL))) &&
            !azk_names__honorific_at(s, q, &he)) {
            /*
             * Take the part after the space as the given name only when the
             * first part is not a whole name already (垂水一刀菜　電話) and
             * the second is not the next label (山田　電話：...).
             */
            bool both;
            size_t chars2 = chars;
            size_t e2 = azk_names__is_kata(azk_names__cp_at(s, q, NULL))
                            ? kata_run(s, q)
                            : label_kanji_run(s, q, &chars2);
            uint32_t after;
            after = azk_names__cp_at(s, e2, NULL);
            if (azk_names__lex_split(s->n, s->t + v, aend - v, false, &both) == 0 || !both ||
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
        if (chars > MAX_NAME_CHARS || (azk_names__is_kanji(azk_names__cp_at(s, end, NULL)) &&
                                       !azk_names__honorific_at(s, end, &he)))
            return AZK_OK;
        if (azk_names__is_placeholder(s->t + v, end - v))
            return AZK_OK;
        /* a label followed by another label or a header cell is no value */
        if (is_label_sep(azk_names__cp_at(s, aend, NULL)) ||
            is_label_sep(azk_names__cp_at(s, end, NULL)) ||
            (lex_flags(s, v, aend) == 0 && is_header_word(s->t + v, aend - v)) ||
            (end > q && lex_flags(s, q, end) == 0 && is_header_word(s->t + q, end - q)))
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
                (azk_names__is_kata(azk_names__cp_at(s, q, NULL))
                     ? azk_names__count_chars(s->t + q, end - q) <= 6
                     : chars - azk_names__count_chars(s->t + v, aend - v) <= 3)) {
                gopen = q;
            } else if (end == aend && azk_names__honorific_at(s, end, &he) &&
                       (nfe = azk_names__lex_prefixes(s, v, false, AZK_NAMES_LEX_FAMILY, fe, 8)) >
                           0 &&
                       fe[0] < end && azk_names__count_chars(s->t + fe[0], end - fe[0]) <= 3) {
                gopen = fe[0]; /* 宛名：中野優見様 */
            }
        }
        azk_names__parse_around(s, v);
        k0 = azk_names__tok_at(ctx, v);
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
            if (t->end > end || azk_names__tok_contradicts(t->cls))
                return AZK_OK;
            pers = pers || azk_names__tok_personal(t->cls);
            unk = unk && t->cls == TK_UNKNOWN;
        }
        if (q > aend && end > q) {
            fam = aend;
        } else {
            bool both;
            size_t f = azk_names__lex_split(s->n, s->t + v, aend - v, false, &both);
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
                    (azk_names__lex_split(s->n, s->t + v, aend - v, false, &both) > 0 && both);
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
        if (!support && azk_names__is_hira(azk_names__cp_at(s, end, NULL)))
            return AZK_OK;
        *next = azk_names__honorific_at(s, end, &he) ? he : end;
        return azk_names__emit(s, v, end, fam, support ? CONF_LABEL : CONF_LABEL_UNKNOWN, false);
    }
    return AZK_OK;
}

/* Label at p (first code point c) followed by a separator and a value. */
azk_status azk_names__try_label(struct scan *s, size_t p, uint32_t c, size_t *next)
{
    /* first characters of the azk_names__labels: 氏 お 名 宛 ご 契 フ ふ カ 担 受 申 依
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
    if (s->len - p < 3)
        return AZK_OK; /* cannot happen: every case above is three bytes */
    for (size_t k = 0; k < sizeof(azk_names__labels) / sizeof(azk_names__labels[0]); k++) {
        size_t e;
        size_t v;
        int seps = 0;
        size_t l;
        bool kana_label;
        bool strong_label;
        const uint8_t *lab = (const uint8_t *)azk_names__labels[k];
        /* c is three bytes at p (every case above is): its first
         * code point must be the label's before the whole is compared */
        if (lab[0] != s->t[p] || lab[1] != s->t[p + 1] || lab[2] != s->t[p + 2] ||
            !azk_names__bytes_eq(s, p, azk_names__labels[k], &e))
            continue;
        kana_label = strstr(azk_names__labels[k], "カナ") != NULL ||
                     strstr(azk_names__labels[k], "ふりがな") != NULL;
        strong_label = strstr(azk_names__labels[k], "担当") == NULL;
        /* optional qualifier: (カナ), （漢字） */
        if (azk_names__bytes_eq(s, e, "（", &v) || azk_names__bytes_eq(s, e, "(", &v)) {
            size_t j = v;
            for (int n = 0; n < 8 && j < s->len; n++) {
                size_t close;
                if (azk_names__bytes_eq(s, j, "）", &close) ||
                    azk_names__bytes_eq(s, j, ")", &close)) {
                    e = close;
                    break;
                }
                (void)azk_names__cp_at(s, j, &l);
                j += l;
            }
        }
        v = e;
        for (;;) {
            uint32_t sc = azk_names__cp_at(s, v, &l);
            if (l == 0 || !(sc == ':' || sc == 0xFF1A || sc == '=' || sc == 0xFF1D ||
                            azk_names__is_space(sc) || sc == 0x300C || sc == '[' || sc == 0xFF3B))
                break;
            v += l;
            seps++;
        }
        *next = e; /* the label itself is not a name */
        if (seps == 0 || seps > 4)
            return AZK_OK;
        return azk_names__label_value(s, v, kana_label, strong_label, next);
    }
    return AZK_OK;
}
