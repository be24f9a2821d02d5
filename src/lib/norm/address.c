/* SPDX-License-Identifier: Apache-2.0 */
/*
 * norm/address.c -- Japanese address normalisation: prefecture (optional in
 * the input), municipality (市区町村, 郡 and 政令市の区), and the rest with
 * the block numbers (丁目/番地/番/号/の and hyphen forms, kanji numerals)
 * in canonical N-N-N form; what follows the block numbers is the building.
 * Rules and their limits: docs/internals/NORM.md.
 */
#include "norm/norm_internal.h"

#include <string.h>

static const char *const prefectures[] = {
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県",   "福島県", "茨城県",
    "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県",
    "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県",   "愛知県", "三重県",
    "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県",
    "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県",   "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県"};

void azk_address_init(azk_address *a)
{
    azk_buf z = AZK_BUF_INIT;
    a->prefecture = z;
    a->municipality = z;
    a->rest = z;
    a->building = z;
}

void azk_address_dispose(azk_address *a)
{
    if (a == NULL)
        return;
    azk_buf_dispose(&a->prefecture);
    azk_buf_dispose(&a->municipality);
    azk_buf_dispose(&a->rest);
    azk_buf_dispose(&a->building);
}

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

bool azk_norm__kanji_number(const char *s, size_t n, uint64_t *out)
{
    const uint8_t *p = (const uint8_t *)s;
    uint64_t total = 0;
    uint64_t positional = 0;
    int64_t cur = -1; /* pending digit */
    bool has_unit = false;
    size_t i = 0;
    if (n == 0)
        return false;
    while (i < n) {
        uint32_t cp;
        int d;
        int u;
        i += azk_utf8_decode(p + i, n - i, &cp);
        d = kanji_digit(cp);
        u = kanji_unit(cp);
        if (d >= 0) {
            if (positional > UINT64_C(100000000000))
                return false;
            positional = positional * 10 + (uint64_t)d;
            if (cur >= 0 && !has_unit)
                cur = cur * 10 + d;
            else
                cur = d;
        } else if (u > 0) {
            has_unit = true;
            total += (uint64_t)(cur < 0 ? 1 : cur) * (uint64_t)u;
            cur = -1;
        } else {
            return false;
        }
    }
    if (has_unit) {
        if (cur > 0)
            total += (uint64_t)cur;
        *out = total;
    } else {
        *out = positional;
    }
    return true;
}

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

/* v in decimal, as printf's "%llu" writes it (a block number: one call per number). */
static azk_status put_decimal(azk_buf *b, uint64_t v)
{
    char d[20];
    size_t i = sizeof(d);
    do {
        d[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    return azk_buf_put(b, d + i, sizeof(d) - i);
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

azk_status azk_norm_address(azk_address *out, const char *in, size_t len, unsigned flags)
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
        azk_norm_text(&t, in, len, AZK_NORM_NFKC | AZK_NORM_SPACES_REMOVE | AZK_NORM_VARIANT_KANJI);
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
    /* compared as bytes of the normalised text: a prefecture's name is kanji, which
     * fold_marks leaves as they are (it writes '-' and ケ, in no prefecture's name), so
     * the code points agree exactly when these bytes do (test_norm_ref__address) */
    for (size_t p = 0; p < sizeof(prefectures) / sizeof(prefectures[0]); p++) {
        size_t pl = strlen(prefectures[p]);
        if (t.len >= pl && t.data[0] == (uint8_t)prefectures[p][0] &&
            memcmp(t.data, prefectures[p], pl) == 0) {
            rc = azk_buf_put(&out->prefecture, prefectures[p], pl);
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
        rc = put_decimal(&out->rest, v);
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

azk_status azk_norm_address_key(azk_buf *out, const char *in, size_t len)
{
    azk_status rc;
    azk_address a;
    azk_address_init(&a);
    rc = azk_norm_address(&a, in, len, 0);
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
