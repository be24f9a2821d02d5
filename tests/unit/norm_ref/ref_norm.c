/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/norm_ref/ref_norm.c -- test-only reference: azk_norm_text and
 * azk_norm_address as they were before session 16 made them faster (the
 * text decoded once per code point, its output staged, the variant-kanji
 * table searched behind a filter; the prefecture compared as bytes, block
 * numbers written without printf). test_norm_ref.c compares the library
 * with these on generated inputs: the outputs must be the same bytes.
 * Copied from src/lib/norm/text.c and address.c at 5dade50; not to be
 * changed but to follow a deliberate change of the rules there.
 */
#include "norm_ref/ref_norm.h"

#include "norm/norm_internal.h"

#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

static uint32_t ref_kanji_variant(uint32_t cp)
{
    size_t count;
    const uint32_t(*tab)[2] = azk_norm_kanji_variant_table(&count);
    size_t lo = 0;
    size_t hi = count;
    if (cp < 0x3400)
        return cp;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t k = tab[mid][0];
        if (k == cp)
            return tab[mid][1];
        if (k < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return cp;
}

uint32_t ref_norm_kanji_variant(uint32_t cp)
{
    return ref_kanji_variant(cp);
}

static bool is_space(uint32_t cp)
{
    switch (cp) {
        case 0x09:
        case 0x0A:
        case 0x0B:
        case 0x0C:
        case 0x0D:
        case 0x20:
        case 0x85:
        case 0xA0:
        case 0x1680:
        case 0x200B:
        case 0x2028:
        case 0x2029:
        case 0x202F:
        case 0x205F:
        case 0x3000:
        case 0xFEFF:
            return true;
        default:
            return cp >= 0x2000 && cp <= 0x200A;
    }
}

static bool is_katakana(uint32_t cp)
{
    return cp >= 0x30A1 && cp <= 0x30FA;
}

static bool is_hiragana(uint32_t cp)
{
    return cp >= 0x3041 && cp <= 0x3096;
}

static uint32_t small_to_large(uint32_t k)
{
    switch (k) {
        case 0x30A1: /* ァ */
        case 0x30A3:
        case 0x30A5:
        case 0x30A7:
        case 0x30A9:
        case 0x30C3: /* ッ */
        case 0x30E3: /* ャ */
        case 0x30E5:
        case 0x30E7:
        case 0x30EE: /* ヮ */
            return k + 1;
        case 0x30F5: /* ヵ */
            return 0x30AB;
        case 0x30F6: /* ヶ */
            return 0x30B1;
        default:
            return k;
    }
}

static uint32_t unvoice(uint32_t k)
{
    if (k >= 0x30AC && k <= 0x30C2 && ((k - 0x30AB) & 1u) == 1u)
        return k - 1;
    if (k == 0x30C5 || k == 0x30C7 || k == 0x30C9)
        return k - 1;
    if (k >= 0x30CF && k <= 0x30DD)
        return 0x30CF + 3 * ((k - 0x30CF) / 3);
    if (k == 0x30F4) /* ヴ */
        return 0x30A6;
    if (k >= 0x30F7 && k <= 0x30FA) /* ヷヸヹヺ */
        return k - 8;               /* → ワヰヱヲ */
    return k;
}

/* o-row katakana: a following ウ/オ is a long vowel (コウ, トオ). */
static bool is_o_row(uint32_t k)
{
    static const uint16_t o[] = {0x30AA, 0x30B3, 0x30B4, 0x30BD, 0x30BE, 0x30C8, 0x30C9, 0x30CE,
                                 0x30DB, 0x30DC, 0x30DD, 0x30E2, 0x30E8, 0x30ED, 0x30F2};
    for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++)
        if (o[i] == k)
            return true;
    return false;
}

/* u-row katakana: a following ウ is a long vowel (ユウ, クウ). */
static bool is_u_row(uint32_t k)
{
    static const uint16_t u[] = {0x30A6, 0x30AF, 0x30B0, 0x30B9, 0x30BA, 0x30C4, 0x30C5,
                                 0x30CC, 0x30D5, 0x30D6, 0x30D7, 0x30E0, 0x30E6, 0x30EB};
    for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
        if (u[i] == k)
            return true;
    return false;
}

static bool is_long_mark(uint32_t cp, bool after_kana)
{
    if (cp == 0x30FC || cp == 0xFF70)
        return true;
    if (!after_kana)
        return false;
    switch (cp) {
        case 0x2D:
        case 0x7E:
        case 0x2010:
        case 0x2011:
        case 0x2012:
        case 0x2013:
        case 0x2014:
        case 0x2015:
        case 0x2212:
        case 0x2500:
        case 0x301C:
        case 0xFF5E:
        case 0xFF0D:
            return true;
        default:
            return false;
    }
}

/* NFKC (or NFKC_Casefold) of s[0..n) into out as UTF-8. */
static azk_status nfkc(azk_buf *out, const char *s, size_t n, bool casefold)
{
    azk_status rc = AZK_ERR_FORMAT;
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nz =
        casefold ? unorm2_getNFKCCasefoldInstance(&err) : unorm2_getNFKCInstance(&err);
    UChar stack_src[256];
    UChar stack_dst[512];
    UChar *src = stack_src;
    UChar *dst = stack_dst;
    int32_t src_cap = (int32_t)(sizeof(stack_src) / sizeof(stack_src[0]));
    int32_t dst_cap = (int32_t)(sizeof(stack_dst) / sizeof(stack_dst[0]));
    int32_t src_len = 0;
    int32_t dst_len = 0;
    int32_t u8_len = 0;

    if (U_FAILURE(err))
        return azk_error_set(AZK_ERR_FORMAT, "norm: ICU NFKC unavailable: %s", u_errorName(err));
    if (n > (size_t)INT32_MAX / 2)
        return azk_error_set(AZK_ERR_LIMIT, "norm: text of %zu bytes too long", n);
    u_strFromUTF8WithSub(src, src_cap, &src_len, s, (int32_t)n, 0xFFFD, NULL, &err);
    if (err == U_BUFFER_OVERFLOW_ERROR) {
        err = U_ZERO_ERROR;
        src_cap = src_len + 1;
        src = azk_malloc((size_t)src_cap * sizeof(UChar));
        if (src == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        u_strFromUTF8WithSub(src, src_cap, &src_len, s, (int32_t)n, 0xFFFD, NULL, &err);
    }
    if (U_FAILURE(err)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "norm: UTF-8 conversion failed: %s", u_errorName(err));
        goto done;
    }
    dst_len = unorm2_normalize(nz, src, src_len, dst, dst_cap, &err);
    if (err == U_BUFFER_OVERFLOW_ERROR) {
        err = U_ZERO_ERROR;
        dst_cap = dst_len + 1;
        dst = azk_malloc((size_t)dst_cap * sizeof(UChar));
        if (dst == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        dst_len = unorm2_normalize(nz, src, src_len, dst, dst_cap, &err);
    }
    if (U_FAILURE(err)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "norm: NFKC failed: %s", u_errorName(err));
        goto done;
    }
    u_strToUTF8(NULL, 0, &u8_len, dst, dst_len, &err);
    if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "norm: UTF-16 conversion failed: %s", u_errorName(err));
        goto done;
    }
    err = U_ZERO_ERROR;
    azk_buf_clear(out);
    rc = azk_buf_grow(out, (size_t)u8_len);
    if (rc != AZK_OK)
        goto done;
    u_strToUTF8((char *)out->data, (int32_t)(out->cap - 1), &u8_len, dst, dst_len, &err);
    if (U_FAILURE(err)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "norm: UTF-16 conversion failed: %s", u_errorName(err));
        goto done;
    }
    out->len = (size_t)u8_len;
    out->data[out->len] = '\0';
    rc = AZK_OK;
done:
    if (src != stack_src)
        azk_free(src);
    if (dst != stack_dst)
        azk_free(dst);
    return rc;
}

azk_status ref_norm_text(azk_buf *out, const char *in, size_t len, unsigned flags)
{
    azk_status rc = AZK_OK;
    azk_buf tmp = AZK_BUF_INIT;
    const uint8_t *s = (const uint8_t *)in;
    size_t n = len;
    size_t i = 0;
    uint32_t prev = 0; /* last code point written */
    bool pending_space = false;
    bool wrote_any = false;

    AZK_ASSERT_ARG(out != NULL);
    AZK_ASSERT_ARG(in != NULL || len == 0);
    azk_buf_clear(out);
    rc = azk_buf_put(out, "", 0);
    if (rc != AZK_OK)
        goto done;
    if ((flags & AZK_NORM_NFKC) && !azk_norm__nfkc_stable(in, len)) {
        rc = nfkc(&tmp, in, len, (flags & AZK_NORM_CASE) != 0);
        if (rc != AZK_OK)
            goto done;
        s = tmp.data;
        n = tmp.len;
    }
    while (i < n) {
        uint32_t cp;
        uint32_t next = 0;
        size_t cl = azk_utf8_decode(s + i, n - i, &cp);
        i += cl;
        if (i < n)
            (void)azk_utf8_decode(s + i, n - i, &next);

        if (is_space(cp)) {
            if (flags & AZK_NORM_SPACES_REMOVE)
                continue;
            if (flags & AZK_NORM_SPACES_COLLAPSE) {
                pending_space = wrote_any;
                continue;
            }
        }
        if ((flags & AZK_NORM_CASE) && cp < 0x80 && cp >= 'A' && cp <= 'Z')
            cp = cp - 'A' + 'a';
        if ((flags & AZK_NORM_MIDDLE_DOT) && (cp == 0x30FB || cp == 0xFF65 || cp == 0xB7))
            continue;
        bool hira = is_hiragana(cp) || cp == 0x309D || cp == 0x309E;
        if (hira) {
            cp += 0x60; /* work in katakana */
            if (is_hiragana(next))
                next += 0x60;
        }
        if (is_katakana(cp) || cp == 0x30FD || cp == 0x30FE) {
            if ((flags & AZK_NORM_VU) && cp == 0x30F4) {
                uint32_t v = 0;
                switch (next) {
                    case 0x30A1:
                        v = 0x30D0;
                        break;
                    case 0x30A3:
                        v = 0x30D3;
                        break;
                    case 0x30A7:
                        v = 0x30D9;
                        break;
                    case 0x30A9:
                        v = 0x30DC;
                        break;
                    default:
                        break;
                }
                if (v != 0) {
                    i += azk_utf8_decode(s + i, n - i, &next);
                    cp = v;
                } else {
                    cp = 0x30D6; /* ブ */
                }
            }
            if ((flags & AZK_NORM_LONG_VOWEL) && (cp == 0x30A6 || cp == 0x30AA)) {
                bool small_next =
                    next == 0x30A1 || next == 0x30A3 || next == 0x30A7 || next == 0x30A9;
                if (!small_next && ((is_o_row(prev) && (cp == 0x30A6 || cp == 0x30AA)) ||
                                    (is_u_row(prev) && cp == 0x30A6)))
                    continue;
            }
            if (flags & AZK_NORM_SMALL_KANA)
                cp = small_to_large(cp);
            if (flags & AZK_NORM_VOICED)
                cp = unvoice(cp);
            if (hira && !(flags & AZK_NORM_KATAKANA))
                cp -= 0x60;
        } else if ((flags & AZK_NORM_LONG_VOWEL) &&
                   is_long_mark(cp, is_katakana(prev) || is_hiragana(prev))) {
            continue;
        } else if ((flags & AZK_NORM_VARIANT_KANJI) && cp >= 0x3400) {
            cp = ref_kanji_variant(cp);
        }
        if (pending_space) {
            rc = azk_buf_putc(out, ' ');
            if (rc != AZK_OK)
                goto done;
            pending_space = false;
        }
        if (cp < 0x80) {
            rc = azk_buf_putc(out, (int)cp);
        } else {
            rc = azk_norm__put_cp(out, cp);
        }
        if (rc != AZK_OK)
            goto done;
        /* compare long vowels in katakana whatever the output script */
        prev = is_hiragana(cp) ? cp + 0x60 : cp;
        wrote_any = true;
    }
done:
    azk_buf_dispose(&tmp);
    return rc;
}

/* ---- address.c ---- */

static int kanji_digit(uint32_t cp)
{
    switch (cp) {
        case 0x3007: /* 〇 */
        case 0x96F6: /* 零 */
            return 0;
        case 0x4E00: /* 一 */
        case 0x58F1: /* 壱 */
            return 1;
        case 0x4E8C: /* 二 */
        case 0x5F10: /* 弐 */
            return 2;
        case 0x4E09: /* 三 */
        case 0x53C2: /* 参 */
            return 3;
        case 0x56DB:
            return 4;
        case 0x4E94:
            return 5;
        case 0x516D:
            return 6;
        case 0x4E03:
            return 7;
        case 0x516B:
            return 8;
        case 0x4E5D:
            return 9;
        default:
            return -1;
    }
}

static int kanji_unit(uint32_t cp)
{
    switch (cp) {
        case 0x5341: /* 十 */
        case 0x62FE: /* 拾 */
            return 10;
        case 0x767E: /* 百 */
            return 100;
        case 0x5343: /* 千 */
            return 1000;
        default:
            return 0;
    }
}

static bool is_kanji_numeral(uint32_t cp)
{
    return kanji_digit(cp) >= 0 || kanji_unit(cp) > 0;
}

static const char *const prefectures[] = {
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県",   "福島県", "茨城県",
    "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県",
    "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県",   "愛知県", "三重県",
    "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県",
    "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県",   "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県"};

/* The text as an array of code points (simpler lookahead for the rules below). */
struct cps {
    uint32_t *v;
    size_t n;
};

static azk_status to_cps(struct cps *c, const azk_buf *b)
{
    size_t cap = b->len + 1;
    size_t bytes;
    if (azk_mul_overflow(&bytes, cap, sizeof(uint32_t)))
        return azk_error_set(AZK_ERR_LIMIT, "norm: address too long");
    c->v = azk_malloc(bytes);
    if (c->v == NULL)
        return azk_error_nomem();
    c->n = 0;
    for (size_t i = 0; i < b->len;) {
        uint32_t cp;
        i += azk_utf8_decode(b->data + i, b->len - i, &cp);
        c->v[c->n++] = cp;
    }
    return AZK_OK;
}

static azk_status put_range(azk_buf *b, const uint32_t *v, size_t from, size_t to)
{
    azk_status rc = azk_buf_put(b, "", 0);
    for (size_t i = from; rc == AZK_OK && i < to; i++)
        rc = azk_norm__put_cp(b, v[i]);
    return rc;
}

static bool match_str(const struct cps *c, size_t at, const char *lit)
{
    const uint8_t *p = (const uint8_t *)lit;
    size_t n = strlen(lit);
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        i += azk_utf8_decode(p + i, n - i, &cp);
        if (at >= c->n || c->v[at] != cp)
            return false;
        at++;
    }
    return true;
}

static size_t str_cps(const char *lit)
{
    size_t k = 0;
    const uint8_t *p = (const uint8_t *)lit;
    size_t n = strlen(lit);
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        i += azk_utf8_decode(p + i, n - i, &cp);
        k++;
    }
    return k;
}

/* Municipality: first 市/区/町/村 at index >= 1 (四日市市: doubled 市), 郡 → its 町/村,
 * a city followed by a ward (…市…区) includes the ward. Returns the end index. */
static size_t municipality_end(const struct cps *c, size_t from)
{
    size_t i;
    size_t gun = 0;
    for (i = from + 1; i < c->n; i++) {
        uint32_t cp = c->v[i];
        if (cp == 0x90E1) { /* 郡 */
            gun = i;
            break;
        }
        if (cp == 0x5E02 || cp == 0x533A || cp == 0x753A || cp == 0x6751) /* 市区町村 */
            break;
        if (!azk_norm__is_kanji(cp) && cp != 0x30F6 && cp != 0x30B1 && cp != 0x30CE)
            return from; /* digits or kana before any suffix: not found */
    }
    if (i >= c->n)
        return from;
    if (gun != 0) {
        for (i = gun + 2; i < c->n; i++) {
            if (c->v[i] == 0x753A || c->v[i] == 0x6751)
                return i + 1;
            if (!azk_norm__is_kanji(c->v[i]) && c->v[i] != 0x30B1)
                return gun + 1;
        }
        return gun + 1;
    }
    if (i + 1 < c->n && c->v[i + 1] == c->v[i] && c->v[i] == 0x5E02)
        i++; /* 四日市市, 廿日市市 */
    if (c->v[i] == 0x5E02) {
        /* 政令指定都市の区: 横浜市中区 (a short kanji run ending in 区) */
        for (size_t j = i + 1; j < c->n && j <= i + 5; j++) {
            if (c->v[j] == 0x533A && j > i + 1)
                return j + 1;
            if (!azk_norm__is_kanji(c->v[j]))
                break;
        }
    }
    return i + 1;
}

/* Number at c->v[at]: ASCII digits or kanji numerals; returns count of cps, value. */
static size_t read_number(const struct cps *c, size_t at, uint64_t *val, bool *kanji)
{
    size_t j = at;
    uint64_t v = 0;
    if (at < c->n && c->v[at] >= '0' && c->v[at] <= '9') {
        while (j < c->n && c->v[j] >= '0' && c->v[j] <= '9' && v < UINT64_C(1000000000000)) {
            v = v * 10 + (c->v[j] - '0');
            j++;
        }
        *val = v;
        *kanji = false;
        return j - at;
    }
    while (j < c->n && is_kanji_numeral(c->v[j]))
        j++;
    if (j > at) {
        azk_buf tmp = AZK_BUF_INIT;
        bool ok = put_range(&tmp, c->v, at, j) == AZK_OK &&
                  azk_norm__kanji_number((const char *)tmp.data, tmp.len, val);
        azk_buf_dispose(&tmp);
        *kanji = true;
        return ok ? j - at : 0;
    }
    return 0;
}

enum sep { SEP_NONE, SEP_CHOME, SEP_BAN, SEP_GO, SEP_HYPHEN };

/* What follows a number: the block marker and its length. */
static enum sep read_sep(const struct cps *c, size_t at, size_t *len)
{
    *len = 0;
    if (at >= c->n)
        return SEP_NONE;
    if (match_str(c, at, "丁目")) {
        *len = 2;
        return SEP_CHOME;
    }
    if (match_str(c, at, "番地")) {
        *len = 2;
        if (match_str(c, at + 2, "の") || match_str(c, at + 2, "ノ"))
            *len = 3;
        return SEP_BAN;
    }
    if (match_str(c, at, "番") && !match_str(c, at + 1, "町") && !match_str(c, at + 1, "丁")) {
        *len = 1;
        return SEP_BAN;
    }
    if (match_str(c, at, "号")) {
        *len = 1;
        return SEP_GO;
    }
    if (c->v[at] == '-' || c->v[at] == 0x306E || c->v[at] == 0x30CE || c->v[at] == 0x4E4B) {
        /* - の ノ 之 followed by a number */
        uint64_t v;
        bool k;
        if (read_number(c, at + 1, &v, &k) > 0) {
            *len = 1;
            return SEP_HYPHEN;
        }
    }
    return SEP_NONE;
}

/* Fold hyphen forms to '-', ヶ-forms between ideographs to ケ. In place. */
static void fold_marks(struct cps *c)
{
    for (size_t i = 0; i < c->n; i++) {
        uint32_t cp = c->v[i];
        bool prev_digit =
            i > 0 && ((c->v[i - 1] >= '0' && c->v[i - 1] <= '9') || is_kanji_numeral(c->v[i - 1]));
        if (azk_norm__is_hyphen(cp) && (cp != 0x30FC || prev_digit))
            c->v[i] = '-';
        else if ((cp == 0x30F6 || cp == 0x30F5 || cp == 0x304C || cp == 0x30AC) && i > 0 &&
                 i + 1 < c->n && azk_norm__is_kanji(c->v[i - 1]) && azk_norm__is_kanji(c->v[i + 1]))
            c->v[i] = 0x30B1; /* ケ */
    }
}

azk_status ref_norm_address(azk_address *out, const char *in, size_t len, unsigned flags)
{
    azk_status rc = AZK_OK;
    azk_buf t = AZK_BUF_INIT;
    struct cps c = {NULL, 0};
    size_t pos = 0;
    size_t mend;
    size_t numbers = 0;
    size_t i;

    AZK_ASSERT_ARG(out != NULL);
    azk_buf_clear(&out->prefecture);
    azk_buf_clear(&out->municipality);
    azk_buf_clear(&out->rest);
    azk_buf_clear(&out->building);
    rc =
        ref_norm_text(&t, in, len, AZK_NORM_NFKC | AZK_NORM_SPACES_REMOVE | AZK_NORM_VARIANT_KANJI);
    if (rc != AZK_OK)
        goto done;
    rc = to_cps(&c, &t);
    if (rc != AZK_OK)
        goto done;
    fold_marks(&c);
    /* prefecture */
    rc = azk_buf_put(&out->prefecture, "", 0);
    if (rc != AZK_OK)
        goto done;
    for (size_t p = 0; p < sizeof(prefectures) / sizeof(prefectures[0]); p++) {
        if (match_str(&c, 0, prefectures[p])) {
            rc = azk_buf_puts(&out->prefecture, prefectures[p]);
            if (rc != AZK_OK)
                goto done;
            pos = str_cps(prefectures[p]);
            break;
        }
    }
    mend = municipality_end(&c, pos);
    rc = put_range(&out->municipality, c.v, pos, mend);
    if (rc != AZK_OK)
        goto done;
    pos = mend;
    rc = azk_buf_put(&out->rest, "", 0);
    if (rc == AZK_OK)
        rc = azk_buf_put(&out->building, "", 0);
    if (rc != AZK_OK)
        goto done;
    /* rest: copy until the block numbers, canonicalise at most three of them */
    for (i = pos; i < c.n;) {
        uint64_t v = 0;
        bool kanji = false;
        size_t nl = read_number(&c, i, &v, &kanji);
        size_t sl = 0;
        enum sep sp = nl > 0 ? read_sep(&c, i + nl, &sl) : SEP_NONE;
        bool is_block = nl > 0 && (!kanji || sp != SEP_NONE);
        if (!is_block) {
            if (numbers > 0)
                break; /* the building starts here */
            rc = azk_norm__put_cp(&out->rest, c.v[i]);
            if (rc != AZK_OK)
                goto done;
            i++;
            continue;
        }
        if (numbers > 0 && out->rest.data[out->rest.len - 1] != '-') {
            rc = azk_buf_putc(&out->rest, '-');
            if (rc != AZK_OK)
                goto done;
        }
        rc = azk_buf_printf(&out->rest, "%llu", (unsigned long long)v);
        if (rc != AZK_OK)
            goto done;
        numbers++;
        i += nl + sl;
        if (sp == SEP_GO || numbers == 3) {
            if (sp != SEP_GO && i < c.n && match_str(&c, i, "号"))
                i++;
            break;
        }
        if (sp == SEP_NONE)
            break;
    }
    /* anything left is the building (a leading separator dropped) */
    while (i < c.n && (c.v[i] == '-' || c.v[i] == ','))
        i++;
    rc = put_range(&out->building, c.v, i, c.n);
    if (rc == AZK_OK && (flags & AZK_NORM_ADDR_KEEP_BUILDING) && out->building.len > 0) {
        rc = azk_buf_putc(&out->rest, ' ');
        if (rc == AZK_OK)
            rc = azk_buf_put(&out->rest, out->building.data, out->building.len);
    }
done:
    azk_free(c.v);
    azk_buf_dispose(&t);
    return rc;
}

azk_status ref_norm_address_key(azk_buf *out, const char *in, size_t len)
{
    azk_status rc;
    azk_address a;
    azk_address_init(&a);
    rc = ref_norm_address(&a, in, len, 0);
    if (rc != AZK_OK)
        goto done;
    azk_buf_clear(out);
    rc = azk_buf_put(out, a.municipality.data, a.municipality.len);
    if (rc == AZK_OK)
        rc = azk_buf_put(out, a.rest.data, a.rest.len);
done:
    azk_address_dispose(&a);
    return rc;
}
