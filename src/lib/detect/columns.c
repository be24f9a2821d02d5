/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/columns.c -- the personal-data type names of scan output and the
 * classification of CSV/xlsx header cells into column kinds
 * (include/azukari/types.h).
 *
 * A header is folded first (full-width to ASCII, ASCII lowered; spaces,
 * '_', '-', '.', '・', ':' and bracketed notes such as "（必須）" or "(半角)"
 * dropped; trailing digits of 住所1 / tel2 dropped), then looked up in an
 * exact vocabulary, then in ordered substring rules where the more specific
 * rule comes first (口座番号 before 番号, 氏名カナ before 氏名).
 */
#include "util/util.h"
#include "azukari/types.h"
#include "detect/detect.h"
#include "norm/digits.h"

#include <string.h>

static const char *const pii_names[AZK_PII__COUNT] = {
    "person_name", "address",   "postal_code",      "phone",        "email",
    "birth_date",  "my_number", "corporate_number", "bank_account", "credit_card",
};

const char *azk_pii_type_name(azk_pii_type t)
{
    if ((int)t < 0 || t >= AZK_PII__COUNT)
        return NULL;
    return pii_names[t];
}

azk_pii_type azk_pii_type_from_name(const char *name)
{
    int i;
    if (name == NULL)
        return AZK_PII__COUNT;
    for (i = 0; i < AZK_PII__COUNT; i++) {
        if (strcmp(pii_names[i], name) == 0)
            return (azk_pii_type)i;
    }
    return AZK_PII__COUNT;
}

/* Everything azukari knows per column kind, in one table: the stable name
 * (schema_json, --map, reports), the Japanese item name of notification
 * reports (個人情報保護委員会への報告の「漏えい等した個人データの項目」), the
 * detector type a value of the kind is found as (-1: none, customer ids),
 * and whether the linkage engine (名寄せ) compares it. */
static const struct kind_info {
    const char *name;
    const char *name_ja;
    int pii;
    bool linked;
} kinds[AZK_COL__COUNT] = {
    [AZK_COL_NONE] = {"none", NULL, -1, false},
    [AZK_COL_OTHER] = {"other", NULL, -1, false},
    [AZK_COL_CUSTOMER_ID] = {"customer_id", "顧客番号", -1, false},
    [AZK_COL_NAME] = {"name", "氏名", AZK_PII_PERSON_NAME, true},
    [AZK_COL_NAME_KANA] = {"name_kana", "氏名（フリガナ）", AZK_PII_PERSON_NAME, true},
    [AZK_COL_FAMILY_NAME] = {"family_name", "姓", AZK_PII_PERSON_NAME, true},
    [AZK_COL_GIVEN_NAME] = {"given_name", "名", AZK_PII_PERSON_NAME, true},
    [AZK_COL_BIRTH_DATE] = {"birth_date", "生年月日", AZK_PII_BIRTH_DATE, true},
    [AZK_COL_POSTAL_CODE] = {"postal_code", "郵便番号", AZK_PII_POSTAL_CODE, true},
    [AZK_COL_ADDRESS] = {"address", "住所", AZK_PII_ADDRESS, true},
    [AZK_COL_PHONE] = {"phone", "電話番号", AZK_PII_PHONE, true},
    [AZK_COL_EMAIL] = {"email", "メールアドレス", AZK_PII_EMAIL, true},
    [AZK_COL_BANK_ACCOUNT] = {"bank_account", "口座番号", AZK_PII_BANK_ACCOUNT, false},
    [AZK_COL_MY_NUMBER] = {"my_number", "個人番号（マイナンバー）", AZK_PII_MY_NUMBER, true},
    [AZK_COL_CORPORATE_NUMBER] = {"corporate_number", "法人番号", AZK_PII_CORPORATE_NUMBER, false},
    [AZK_COL_CREDIT_CARD] = {"credit_card", "クレジットカード番号", AZK_PII_CREDIT_CARD, false},
};

static const struct kind_info *kind_info(azk_column_kind k)
{
    if ((int)k < 0 || k >= AZK_COL__COUNT)
        return NULL;
    return &kinds[k];
}

const char *azk_column_kind_name(azk_column_kind k)
{
    const struct kind_info *i = kind_info(k);
    return i != NULL ? i->name : NULL;
}

const char *azk_column_kind__name_ja(azk_column_kind k)
{
    const struct kind_info *i = kind_info(k);
    return i != NULL ? i->name_ja : NULL;
}

int azk_column_kind__pii(azk_column_kind k)
{
    const struct kind_info *i = kind_info(k);
    return i != NULL ? i->pii : -1;
}

bool azk_column_kind__linked(azk_column_kind k)
{
    const struct kind_info *i = kind_info(k);
    return i != NULL && i->linked;
}

struct vocab {
    const char *word;
    azk_column_kind kind;
};

/* Whole-header matches (after folding). */
static const struct vocab exact[] = {
    {"姓", AZK_COL_FAMILY_NAME},
    {"苗字", AZK_COL_FAMILY_NAME},
    {"名字", AZK_COL_FAMILY_NAME},
    {"lastname", AZK_COL_FAMILY_NAME},
    {"familyname", AZK_COL_FAMILY_NAME},
    {"surname", AZK_COL_FAMILY_NAME},
    {"名", AZK_COL_GIVEN_NAME},
    {"firstname", AZK_COL_GIVEN_NAME},
    {"givenname", AZK_COL_GIVEN_NAME},
    {"セイ", AZK_COL_NAME_KANA},
    {"メイ", AZK_COL_NAME_KANA},
    {"せい", AZK_COL_NAME_KANA},
    {"めい", AZK_COL_NAME_KANA},
    {"カナ", AZK_COL_NAME_KANA},
    {"かな", AZK_COL_NAME_KANA},
    {"kana", AZK_COL_NAME_KANA},
    {"furigana", AZK_COL_NAME_KANA},
    {"name", AZK_COL_NAME},
    {"fullname", AZK_COL_NAME},
    {"名前", AZK_COL_NAME},
    {"姓名", AZK_COL_NAME},
    {"〒", AZK_COL_POSTAL_CODE},
    {"zip", AZK_COL_POSTAL_CODE},
    {"tel", AZK_COL_PHONE},
    {"fax", AZK_COL_PHONE},
    {"携帯", AZK_COL_PHONE},
    {"mobile", AZK_COL_PHONE},
    {"cell", AZK_COL_PHONE},
    {"mail", AZK_COL_EMAIL},
    {"dob", AZK_COL_BIRTH_DATE},
    {"番地", AZK_COL_ADDRESS},
    {"建物名", AZK_COL_ADDRESS},
    {"建物", AZK_COL_ADDRESS},
    {"addr", AZK_COL_ADDRESS},
    {"street", AZK_COL_ADDRESS},
    {"口座", AZK_COL_BANK_ACCOUNT},
    {"id", AZK_COL_OTHER},
    {"no", AZK_COL_OTHER},
    {"番号", AZK_COL_OTHER},
};

/* Substring rules, first match wins: the specific before the general. */
static const struct vocab contains[] = {
    /* numbers with their own kind */
    {"マイナンバー", AZK_COL_MY_NUMBER},
    {"個人番号", AZK_COL_MY_NUMBER},
    {"mynumber", AZK_COL_MY_NUMBER},
    {"individualnumber", AZK_COL_MY_NUMBER},
    {"法人番号", AZK_COL_CORPORATE_NUMBER},
    {"corporatenumber", AZK_COL_CORPORATE_NUMBER},
    {"カード番号", AZK_COL_CREDIT_CARD},
    {"クレジットカード", AZK_COL_CREDIT_CARD},
    {"クレジット", AZK_COL_CREDIT_CARD},
    {"cardnumber", AZK_COL_CREDIT_CARD},
    {"creditcard", AZK_COL_CREDIT_CARD},
    {"cardno", AZK_COL_CREDIT_CARD},
    {"ccnumber", AZK_COL_CREDIT_CARD},
    {"口座番号", AZK_COL_BANK_ACCOUNT},
    {"銀行口座", AZK_COL_BANK_ACCOUNT},
    {"口座no", AZK_COL_BANK_ACCOUNT},
    {"accountnumber", AZK_COL_BANK_ACCOUNT},
    {"bankaccount", AZK_COL_BANK_ACCOUNT},
    {"accountno", AZK_COL_BANK_ACCOUNT},
    {"顧客番号", AZK_COL_CUSTOMER_ID},
    {"会員番号", AZK_COL_CUSTOMER_ID},
    {"顧客id", AZK_COL_CUSTOMER_ID},
    {"会員id", AZK_COL_CUSTOMER_ID},
    {"顧客コード", AZK_COL_CUSTOMER_ID},
    {"お客様番号", AZK_COL_CUSTOMER_ID},
    {"契約番号", AZK_COL_CUSTOMER_ID},
    {"customerid", AZK_COL_CUSTOMER_ID},
    {"customerno", AZK_COL_CUSTOMER_ID},
    {"customernumber", AZK_COL_CUSTOMER_ID},
    {"memberid", AZK_COL_CUSTOMER_ID},
    {"memberno", AZK_COL_CUSTOMER_ID},
    {"郵便番号", AZK_COL_POSTAL_CODE},
    {"郵便", AZK_COL_POSTAL_CODE},
    {"〒", AZK_COL_POSTAL_CODE},
    {"zipcode", AZK_COL_POSTAL_CODE},
    {"postalcode", AZK_COL_POSTAL_CODE},
    {"postcode", AZK_COL_POSTAL_CODE},
    {"電話", AZK_COL_PHONE},
    {"携帯", AZK_COL_PHONE},
    {"ファックス", AZK_COL_PHONE},
    {"ファクス", AZK_COL_PHONE},
    {"連絡先", AZK_COL_PHONE},
    {"tel", AZK_COL_PHONE},
    {"fax", AZK_COL_PHONE},
    {"phone", AZK_COL_PHONE},
    {"mobile", AZK_COL_PHONE},
    {"メールアドレス", AZK_COL_EMAIL},
    {"メアド", AZK_COL_EMAIL},
    {"メール", AZK_COL_EMAIL},
    {"email", AZK_COL_EMAIL},
    {"mailaddress", AZK_COL_EMAIL},
    {"生年月日", AZK_COL_BIRTH_DATE},
    {"誕生日", AZK_COL_BIRTH_DATE},
    {"生まれ", AZK_COL_BIRTH_DATE},
    {"birthday", AZK_COL_BIRTH_DATE},
    {"birthdate", AZK_COL_BIRTH_DATE},
    {"dateofbirth", AZK_COL_BIRTH_DATE},
    /* kana readings before names */
    {"フリガナ", AZK_COL_NAME_KANA},
    {"ふりがな", AZK_COL_NAME_KANA},
    {"カナ", AZK_COL_NAME_KANA},
    {"かな", AZK_COL_NAME_KANA},
    {"kana", AZK_COL_NAME_KANA},
    {"furigana", AZK_COL_NAME_KANA},
    {"住所", AZK_COL_ADDRESS},
    {"所在地", AZK_COL_ADDRESS},
    {"番地", AZK_COL_ADDRESS},
    {"建物", AZK_COL_ADDRESS},
    {"送付先", AZK_COL_ADDRESS},
    {"address", AZK_COL_ADDRESS},
    {"氏名", AZK_COL_NAME},
    {"お名前", AZK_COL_NAME},
    {"名前", AZK_COL_NAME},
    {"宛名", AZK_COL_NAME},
    {"顧客名", AZK_COL_NAME},
    {"契約者名", AZK_COL_NAME},
    {"契約者", AZK_COL_NAME},
    {"受取人", AZK_COL_NAME},
    {"担当者名", AZK_COL_NAME},
    {"名義", AZK_COL_NAME},
    {"代表者", AZK_COL_NAME},
    {"担当者", AZK_COL_NAME},
    {"申込者", AZK_COL_NAME},
    {"lastname", AZK_COL_FAMILY_NAME},
    {"familyname", AZK_COL_FAMILY_NAME},
    {"firstname", AZK_COL_GIVEN_NAME},
    {"givenname", AZK_COL_GIVEN_NAME},
    {"fullname", AZK_COL_NAME},
    {"customername", AZK_COL_NAME},
    {"username", AZK_COL_NAME},
    {"姓", AZK_COL_FAMILY_NAME},
    /* known non-personal headers */
    {"品名", AZK_COL_OTHER},
    {"商品", AZK_COL_OTHER},
    {"金額", AZK_COL_OTHER},
    {"数量", AZK_COL_OTHER},
    {"単価", AZK_COL_OTHER},
    {"価格", AZK_COL_OTHER},
    {"日付", AZK_COL_OTHER},
    {"日時", AZK_COL_OTHER},
    {"備考", AZK_COL_OTHER},
    {"件名", AZK_COL_OTHER},
    {"区分", AZK_COL_OTHER},
    {"状態", AZK_COL_OTHER},
    {"ステータス", AZK_COL_OTHER},
    {"コード", AZK_COL_OTHER},
    {"番号", AZK_COL_OTHER},
    {"伝票", AZK_COL_OTHER},
    {"請求", AZK_COL_OTHER},
    {"amount", AZK_COL_OTHER},
    {"price", AZK_COL_OTHER},
    {"quantity", AZK_COL_OTHER},
    {"status", AZK_COL_OTHER},
    {"date", AZK_COL_OTHER},
    {"time", AZK_COL_OTHER},
    {"code", AZK_COL_OTHER},
    {"invoice", AZK_COL_OTHER},
    {"sku", AZK_COL_OTHER},
};

/* Fold a header into out (NUL-terminated); false when it does not fit. */
static bool fold_header(const char *h, size_t len, char *out, size_t cap)
{
    size_t i = 0, n = 0;
    int depth = 0;
    while (i < len) {
        uint32_t a;
        size_t l = azk_digits__next(h, len, i, &a);
        const char *p = h + i;
        if (l == 3 && (memcmp(p, "ー", 3) == 0 || memcmp(p, "ｰ", 3) == 0))
            a = 0; /* the prolonged sound mark of メール is no hyphen here */
        i += l;
        if (a == '(' || a == '[' || (l == 3 && memcmp(p, "【", 3) == 0) ||
            (l == 3 && memcmp(p, "「", 3) == 0)) {
            depth++;
            continue;
        }
        if (a == ')' || a == ']' || (l == 3 && memcmp(p, "】", 3) == 0) ||
            (l == 3 && memcmp(p, "」", 3) == 0)) {
            if (depth > 0)
                depth--;
            continue;
        }
        if (depth > 0)
            continue;
        if (a == ' ' || a == '\t' || a == '_' || a == '-' || a == '.' || a == ':' || a == '*' ||
            a == '"' || a == '\'' || a == '#' || a == '/')
            continue;
        if (l == 2 && memcmp(p, "\xc2\xa0", 2) == 0) /* no-break space */
            continue;
        if (l == 3 && memcmp(p, "・", 3) == 0)
            continue;
        if (a != 0 && a >= 'A' && a <= 'Z')
            a = a - 'A' + 'a';
        if (a != 0) {
            if (n + 1 >= cap)
                return false;
            out[n++] = (char)a;
        } else {
            if (n + l >= cap)
                return false;
            memcpy(out + n, p, l);
            n += l;
        }
    }
    /* 住所1, 住所2, tel2: numbered columns of one kind */
    while (n > 0 && out[n - 1] >= '0' && out[n - 1] <= '9')
        n--;
    out[n] = '\0';
    return n > 0;
}

/*
 * A header naming a date that is not a birth date: it ends in 日, 日付,
 * 日時, 年月, 期限 or date and holds no birth word (生年月日, 誕生日, 生まれ,
 * birth).
 */
static bool names_other_date(const char *f)
{
    static const char *const ends[] = {"日", "日付", "日時", "年月", "期限", "date", "時刻"};
    static const char *const birth[] = {"生年", "誕生", "生まれ", "birth", "生日"};
    size_t n = strlen(f), k;
    bool date = false;
    for (k = 0; k < sizeof(ends) / sizeof(ends[0]); k++) {
        size_t l = strlen(ends[k]);
        if (n >= l && memcmp(f + n - l, ends[k], l) == 0)
            date = true;
    }
    if (!date)
        return false;
    for (k = 0; k < sizeof(birth) / sizeof(birth[0]); k++) {
        if (strstr(f, birth[k]) != NULL)
            return false;
    }
    return true;
}

/* f is ASCII and has no three letters a-z in a row. */
static bool ascii_without_word(const char *f)
{
    unsigned run = 0;
    for (const unsigned char *p = (const unsigned char *)f; *p != '\0'; p++) {
        if (*p >= 0x80)
            return false;
        run = (*p >= 'a' && *p <= 'z') ? run + 1 : 0;
        if (run >= 3)
            return false;
    }
    return true;
}

/*
 * The bytes of a folded header, one bit each, screen the substring rules:
 * a word of contains[] is not in the header when its first byte, or its
 * third (every word has three bytes or more; a shorter one: the first
 * again), is not, and strstr() is not asked. Most cells asked about are
 * values in front of numbers, not headers, and match no word.
 * azk_column__screen_off (tests) asks strstr() for every word.
 */
#ifdef AZK_TESTING
bool azk_column__screen_off;
#else
#define azk_column__screen_off false
#endif

struct byteset {
    uint64_t w[4];
};

static bool byteset_has(const struct byteset *b, unsigned char c)
{
    return (b->w[c >> 6] >> (c & 63)) & 1u;
}

static azk_column_kind classify(const char *header, size_t header_len)
{
    char f[256];
    size_t i, n;
    struct byteset in = {{0, 0, 0, 0}};
    if (header == NULL || header_len == 0 || header_len > 200)
        return AZK_COL_NONE;
    if (!fold_header(header, header_len, f, sizeof(f)))
        return AZK_COL_NONE;
    /* exact words: the first byte before strcmp (fold_header's f is not empty) */
    for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
        if ((azk_column__screen_off || exact[i].word[0] == f[0]) && strcmp(f, exact[i].word) == 0)
            return exact[i].kind;
    }
    /* a long cell is a value, not a header */
    if (strlen(f) > 48)
        return AZK_COL_NONE;
    /* every ASCII word of the rules below has three letters in a row (tel,
     * sku, date): an ASCII cell without them (AB-8827-9384 folds to "ab")
     * is none of them, and is asked about before every number of a row
     * without header */
    if (ascii_without_word(f))
        return AZK_COL_NONE;
    if (names_other_date(f))
        return AZK_COL_OTHER; /* 登録日, 最終購入日, 契約年月日, 有効期限 */
    for (n = 0; f[n] != '\0'; n++) {
        unsigned char c = (unsigned char)f[n];
        in.w[c >> 6] |= (uint64_t)1 << (c & 63);
    }
    for (i = 0; i < sizeof(contains) / sizeof(contains[0]); i++) {
        const unsigned char *w = (const unsigned char *)contains[i].word;
        if (!azk_column__screen_off &&
            (!byteset_has(&in, w[0]) || !byteset_has(&in, w[w[1] == '\0' ? 0 : 2])))
            continue;
        if (strstr(f, contains[i].word) != NULL)
            return contains[i].kind;
    }
    return AZK_COL_NONE;
}

/*
 * Can azk_column_classify(cell, len) be AZK_COL_BIRTH_DATE? False only when
 * it surely is not: a cell of ASCII bytes without 'b' / 'B'. Folding only
 * lower-cases or drops an ASCII byte (full-width letters are not ASCII), so
 * the fold of such a cell holds no 'b', and every ASCII birth word of the
 * tables above holds one (dob, birthday, birthdate, dateofbirth; the other
 * birth words are not ASCII, so no ASCII cell holds them).
 * azk_column__birth_screen_misses (tests) walks the tables for a birth word
 * this would miss. The detector asks it before classifying the cell in
 * front of every date of a key-value row (the price before the date of
 * every row of a CSV file is not asked about).
 */
bool azk_column__may_name_birth(const char *cell, size_t len)
{
    const unsigned char *u = (const unsigned char *)cell;
    for (size_t i = 0; i < len; i++) {
        if (u[i] >= 0x80 || (u[i] | 0x20) == 'b')
            return true;
    }
    return false;
}

#ifdef AZK_TESTING
/* classify() without the memo (tests compare it with the screen on and off) */
azk_column_kind azk_column__classify_plain(const char *header, size_t header_len)
{
    return classify(header, header_len);
}

/* The i-th word of exact[] then contains[]; NULL past the end. */
const char *azk_column__word(size_t i)
{
    const size_t ne = sizeof(exact) / sizeof(exact[0]);
    if (i < ne)
        return exact[i].word;
    i -= ne;
    return i < sizeof(contains) / sizeof(contains[0]) ? contains[i].word : NULL;
}

/* The first word of exact[], contains[] or kinds[] (its name, its Japanese
 * name) of the birth-date kind that azk_column__may_name_birth says no to;
 * NULL when there is none. */
const char *azk_column__birth_screen_misses(void)
{
    const struct kind_info *b = &kinds[AZK_COL_BIRTH_DATE];
    size_t i;
    for (i = 0; i < sizeof(exact) / sizeof(exact[0]); i++) {
        if (exact[i].kind == AZK_COL_BIRTH_DATE &&
            !azk_column__may_name_birth(exact[i].word, strlen(exact[i].word)))
            return exact[i].word;
    }
    for (i = 0; i < sizeof(contains) / sizeof(contains[0]); i++) {
        if (contains[i].kind == AZK_COL_BIRTH_DATE &&
            !azk_column__may_name_birth(contains[i].word, strlen(contains[i].word)))
            return contains[i].word;
    }
    if (!azk_column__may_name_birth(b->name, strlen(b->name)))
        return b->name;
    if (!azk_column__may_name_birth(b->name_ja, strlen(b->name_ja)))
        return b->name_ja;
    return NULL;
}
#endif

/*
 * A memo of short cells per thread: the detector classifies the cell before
 * every number of a headerless row (key-value rows, "口座番号","1234567"),
 * so a CSV without header row asks about the same few cells on every line,
 * and the substring rules cost more than the rest of the row. Direct-mapped,
 * exact bytes as the key: the answer is the one classify() gives.
 */
#define MEMO_SLOTS 256
#define MEMO_MAX   40

struct memo_slot {
    uint8_t len; /* 0: empty */
    uint8_t kind;
    char s[MEMO_MAX];
};

static _Thread_local struct memo_slot memo[MEMO_SLOTS];

/*
 * The bytes fold_header keeps as digits or drops (outside brackets): a cell
 * of these alone folds to digits, which it strips as a column number, so
 * classify() says none. The cell before a number is mostly such a number
 * (ids, amounts, dates: 3452363, 7911.68, 2026-06-17), different on every
 * row, so neither the memo nor its hash is worth it for them.
 */
static const bool number_byte[256] = {
    ['0'] = true,  ['1'] = true, ['2'] = true, ['3'] = true, ['4'] = true, ['5'] = true,
    ['6'] = true,  ['7'] = true, ['8'] = true, ['9'] = true, [' '] = true, ['\t'] = true,
    ['_'] = true,  ['-'] = true, ['.'] = true, [':'] = true, ['*'] = true, ['"'] = true,
    ['\''] = true, ['#'] = true, ['/'] = true,
};

static bool only_number_bytes(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!number_byte[(unsigned char)s[i]])
            return false;
    }
    return true;
}

azk_column_kind azk_column_classify(const char *header, size_t header_len)
{
    struct memo_slot *m;
    uint32_t h = 2166136261u;
    azk_column_kind k;
    if (header != NULL && header_len <= 200 && only_number_bytes(header, header_len))
        return AZK_COL_NONE; /* what classify() says, without folding */
    if (header == NULL || header_len == 0 || header_len > MEMO_MAX)
        return classify(header, header_len);
    for (size_t i = 0; i < header_len; i++)
        h = (h ^ (unsigned char)header[i]) * 16777619u;
    m = &memo[(h ^ (h >> 16)) % MEMO_SLOTS];
    if (m->len == header_len && memcmp(m->s, header, header_len) == 0)
        return (azk_column_kind)m->kind;
    k = classify(header, header_len);
    m->len = (uint8_t)header_len;
    m->kind = (uint8_t)k;
    memcpy(m->s, header, header_len);
    return k;
}
