/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_patterns.c -- the literal patterns of the detect stage and
 * the pattern list of its built-in Vectorscan database, in one place: the
 * library compiles them (detect.c) and tools/gen_hsdb.c serializes the same
 * database at build time (linked with this file alone, so it holds data and
 * plain code only: no allocation, no library calls).
 */
#include "detect/detect_scan.h"

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

const char *const azk_detect__prefs[47] = {
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県",   "福島県", "茨城県",
    "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県",
    "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県",   "愛知県", "三重県",
    "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県",
    "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県",   "高知県", "福岡県",
    "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
};

/* Literals matched as written (no regex metacharacters in them). */
const struct lit azk_detect__lits[] = {
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
const struct lit azk_detect__ascii_lits[] = {
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

/* N_LITS and N_ASCII_LITS (detect_scan.h) count these: one too many entries
 * does not compile, one too few leaves an empty last entry (asserted at
 * compile_builtin). */

/*
 * One pattern per literal, its id the index (azk_detect__lits[], then azk_detect__prefs[] from
 * N_LITS): a hit names its literal, so azk_detect__scan_field dispatches without
 * comparing every literal at every hit.
 */
void azk_detect__builtin_patterns(const char *exprs[N_BUILTIN], unsigned flags[N_BUILTIN],
                                  unsigned ids[N_BUILTIN])
{
    for (unsigned i = 0; i < N_BUILTIN; i++) {
        exprs[i] = i < N_LITS ? azk_detect__lits[i].s : azk_detect__prefs[i - N_LITS];
        ids[i] = i;
        flags[i] = 0;
    }
}
