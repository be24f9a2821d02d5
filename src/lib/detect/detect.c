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
 *
 * This file: the literal patterns and the engine (Vectorscan database,
 * allow-list) and per-thread context. The rules live in detect_numbers.c,
 * detect_email.c, detect_dates.c, detect_address.c; one field is scanned in
 * detect_field.c and a record resolved in detect_record.c.
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

/* ---- engine and context ---------------------------------------------------- */

/*
 * One pattern per literal, its id the index (azk_detect__lits[], then azk_detect__prefs[] from
 * N_LITS): a hit names its literal, so azk_detect__scan_field dispatches without
 * comparing every literal at every hit.
 */
static azk_status compile_builtin(hs_database_t **out)
{
    const char *exprs[N_LITS + 47];
    unsigned ids[N_LITS + 47];
    unsigned flags[N_LITS + 47];
    hs_compile_error_t *err = NULL;
    size_t i;
    assert(azk_detect__lits[N_LITS - 1].s != NULL &&
           azk_detect__ascii_lits[N_ASCII_LITS - 1].s != NULL);
    for (i = 0; i < N_LITS + 47; i++) {
        exprs[i] = i < N_LITS ? azk_detect__lits[i].s : azk_detect__prefs[i - N_LITS];
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

int azk_detect__cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

azk_status azk_detect__allow_key(azk_buf *b, const char *s, size_t len)
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
    for (size_t k = 0; k < N_ASCII_LITS; k++)
        e->ascii_ends |=
            1u << (((unsigned char)azk_detect__ascii_lits[k].s[azk_detect__ascii_lits[k].len - 1] |
                    0x20) -
                   'a');
    azk_detect__lit_screen_build(&e->lits);
    azk_detect__run_screen_build(&e->runs);
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
            rc = azk_detect__allow_key(&b, v, strlen(v));
            if (rc != AZK_OK)
                goto done;
            e->allow_keys[e->allow_key_count++] = azk_buf_detach(&b);
        }
        qsort(e->allow_keys, e->allow_key_count, sizeof(char *), azk_detect__cmp_str);
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
