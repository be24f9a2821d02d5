/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vendor/html.c -- the printable Japanese status page of one vendor
 * (`azukari vendor show V --html`): A4, tables that break across pages
 * without clipping (rows never split, headers repeated), the flags first
 * (an overdue audit also as a banner and its schedule row marked, a
 * contract past its expiry as a banner and its row red), the
 * sub-contracting chain with each link's locations, the risk rating's
 * history and the keys no longer trusted.
 * Input is the object of azk_vendor__collect; every text is escaped.
 */
#include "vendor/vendor_int.h"

#include <string.h>

static const char head[] =
    "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\n"
    "<title>委託先管理 状況票</title>\n<style>\n"
    "@page { size: A4; margin: 15mm 14mm; }\n"
    "body { font-family: 'Noto Sans CJK JP','IPAexGothic',sans-serif; font-size: 9.5pt;"
    " color: #000; margin: 0 auto; max-width: 182mm; }\n"
    "h1 { font-size: 17pt; margin: 2mm 0 1mm; }\n"
    ".sub { font-size: 8.5pt; margin-bottom: 4mm; }\n"
    "h2 { font-size: 11pt; border-bottom: 1.2px solid #000; margin: 5mm 0 2mm;"
    " break-after: avoid; }\n"
    "table { width: 100%; border-collapse: collapse; table-layout: fixed; }\n"
    "thead { display: table-header-group; }\n"
    "tr { break-inside: avoid; }\n"
    "th, td { border: 0.6px solid #555; padding: 1mm 1.5mm; text-align: left;"
    " vertical-align: top; overflow-wrap: anywhere; word-break: break-all; }\n"
    "th { background: #eee; font-weight: bold; }\n"
    ".high { color: #a00; font-weight: bold; }\n"
    ".mono { font-family: 'DejaVu Sans Mono',monospace; font-size: 7.5pt; }\n"
    ".alarm { border: 2px solid #a00; color: #a00; font-weight: bold; font-size: 11pt;"
    " padding: 2mm 3mm; margin: 3mm 0; }\n"
    "tr.overdue td { color: #a00; font-weight: bold; background: #fdd; }\n"
    "</style></head><body>\n";

/* The page's Japanese for the fixed vocabulary (codes, levels, clauses, kinds, states). */
static const char *ja(const char *v)
{
    static const char *const t[][2] = {
        {"high", "高"},
        {"medium", "中"},
        {"low", "低"},
        {"contract-missing", "契約の記録なし"},
        {"contract-expired", "契約期限切れ"},
        {"contract-expiring", "契約期限が1か月以内"},
        {"clause-missing", "必須条項が未合意"},
        {"audit-overdue", "監査・立入検査の期限超過"},
        {"audit-due", "監査・立入検査が1か月以内"},
        {"finding-overdue", "指摘事項の改善期限超過"},
        {"finding-open", "指摘事項が未完了"},
        {"questionnaire-overdue", "質問票の回答期限超過"},
        {"questionnaire-unreviewed", "質問票の回答が未評価"},
        {"certification-expired", "認証の有効期限切れ"},
        {"certification-expiring", "認証の有効期限が1か月以内"},
        {"evidence-expired", "根拠資料の有効期限切れ"},
        {"no-keys", "委託先の公開鍵が未登録"},
        {"purpose-limitation", "目的外利用の禁止"},
        {"named-handlers", "取扱者の特定"},
        {"re-entrustment", "再委託の条件"},
        {"incident-reporting", "事故時の報告"},
        {"audit-rights", "監査・立入検査の権限"},
        {"deletion-certificate", "削除と削除証明書"},
        {"agreed", "合意済"},
        {"partial", "一部"},
        {"missing", "なし"},
        {"audit", "監査"},
        {"onsite", "立入検査"},
        {"open", "未着手"},
        {"in-progress", "対応中"},
        {"closed", "完了"},
        {"sent", "送付済"},
        {"answered", "回答受領"},
        {"reviewed", "評価済"},
        {"cert", "認証・外部監査"},
        {"doc", "開示資料"},
        {"isms", "ISMS"},
        {"pmark", "プライバシーマーク"},
        {"financial", "財務情報"},
        {"evidence", "根拠資料"},
        {"certificate", "証明書・回答の署名鍵"},
        {"report", "月次報告の署名鍵"},
        {"ledger", "台帳の検証鍵"},
        {"replaced", "新しい鍵に交換"},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(v, t[i][0]) == 0)
            return t[i][1];
    return v;
}

/* A cell; `vocab`: the value is of the fixed vocabulary (shown in Japanese), never a text
 * someone wrote (a summary that happens to read "open" stays "open"). */
static azk_status cell_as(azk_buf *b, json_t *v, bool vocab)
{
    azk_status rc = azk_buf_puts(b, "<td>");
    if (rc == AZK_OK && json_is_integer(v))
        rc = azk_buf_printf(b, "%lld", (long long)json_integer_value(v));
    else if (rc == AZK_OK && json_is_string(v))
        rc = azk_buf_put_html(b, vocab ? ja(json_string_value(v)) : json_string_value(v));
    else if (rc == AZK_OK)
        rc = azk_buf_puts(b, "—");
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td>");
    return rc;
}

static azk_status cell(azk_buf *b, json_t *v)
{
    return cell_as(b, v, false);
}

static bool vocab_field(const char *f)
{
    static const char *const v[] = {"code", "severity", "subject", "clause", "status", "state",
                                    "kind", "class",    "purpose", "risk",   NULL};
    return azk_vendor__one_of(f, v);
}

/* One section: heading, then a table of the listed fields with Japanese headers. */
static azk_status table(azk_buf *b, const char *title, json_t *arr, const char *const *fields,
                        const char *const *headers)
{
    json_t *x;
    size_t i;
    azk_status rc = azk_buf_printf(b, "<h2>%s（%zu件）</h2>\n", title, json_array_size(arr));
    if (rc != AZK_OK || json_array_size(arr) == 0)
        return rc;
    rc = azk_buf_puts(b, "<table><thead><tr>");
    for (size_t k = 0; rc == AZK_OK && fields[k] != NULL; k++)
        rc = azk_buf_printf(b, "<th>%s</th>", headers[k]);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tr></thead><tbody>\n");
    json_array_foreach(arr, i, x)
    {
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "<tr>");
        for (size_t k = 0; rc == AZK_OK && fields[k] != NULL; k++) {
            json_t *val = json_object_get(x, fields[k]);
            /* a key's retirement reason is typed text, but "replaced" is the library's word */
            bool replaced = strcmp(fields[k], "why") == 0 && json_is_string(val) &&
                            strcmp(json_string_value(val), "replaced") == 0;
            rc = cell_as(b, val, replaced || vocab_field(fields[k]));
        }
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</tr>\n");
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tbody></table>\n");
    return rc;
}

/* The audit schedules; a row whose next due date has passed is marked (red, 期限超過). */
static azk_status plans(azk_buf *b, json_t *arr, const char *today)
{
    json_t *x;
    size_t i;
    azk_status rc =
        azk_buf_printf(b, "<h2>監査・立入検査の計画（%zu件）</h2>\n", json_array_size(arr));
    if (rc != AZK_OK || json_array_size(arr) == 0)
        return rc;
    rc = azk_buf_puts(b, "<table id=\"audit-plans\"><thead><tr><th>種別</th><th>周期（月）</th>"
                         "<th>初回期限</th><th>前回実施</th><th>次回期限</th><th>状態</th>"
                         "</tr></thead><tbody>\n");
    json_array_foreach(arr, i, x)
    {
        const char *next = json_string_value(json_object_get(x, "next_due"));
        bool late = next != NULL && strcmp(next, today) < 0;
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "<tr%s>", late ? " class=\"overdue\"" : "");
        if (rc == AZK_OK)
            rc = cell_as(b, json_object_get(x, "kind"), true);
        if (rc == AZK_OK)
            rc = cell(b, json_object_get(x, "interval_months"));
        if (rc == AZK_OK)
            rc = cell(b, json_object_get(x, "start_on"));
        if (rc == AZK_OK)
            rc = cell(b, json_object_get(x, "last_done"));
        if (rc == AZK_OK)
            rc = cell(b, json_object_get(x, "next_due"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "<td>%s</td></tr>\n", late ? "期限超過" : "予定");
    }
    return rc == AZK_OK ? azk_buf_puts(b, "</tbody></table>\n") : rc;
}

/* The planned ad hoc audits: each with its date and why; one past its date and not yet done is
 * marked (red, 期限超過), one done says when. */
static azk_status planned(azk_buf *b, json_t *arr, const char *today)
{
    json_t *x;
    size_t i;
    azk_status rc =
        azk_buf_printf(b, "<h2>臨時の監査・立入検査の予定（%zu件）</h2>\n", json_array_size(arr));
    if (rc != AZK_OK || json_array_size(arr) == 0)
        return rc;
    rc = azk_buf_puts(b, "<table id=\"audits-planned\"><thead><tr><th>種別</th><th>予定日</th>"
                         "<th>目的</th><th>計画者</th><th>実施日</th><th>状態</th>"
                         "</tr></thead><tbody>\n");
    json_array_foreach(arr, i, x)
    {
        const char *due = json_string_value(json_object_get(x, "due_on"));
        bool done = json_is_string(json_object_get(x, "done_on"));
        bool late = !done && due != NULL && strcmp(due, today) < 0;
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "<tr%s>", late ? " class=\"overdue\"" : "");
        if (rc == AZK_OK)
            rc = cell_as(b, json_object_get(x, "kind"), true);
        if (rc == AZK_OK)
            rc = cell(b, json_object_get(x, "due_on"));
        if (rc == AZK_OK)
            rc = cell(b, json_object_get(x, "summary"));
        if (rc == AZK_OK)
            rc = cell(b, json_object_get(x, "planned_by"));
        if (rc == AZK_OK)
            rc = cell(b, json_object_get(x, "done_on"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "<td>%s</td></tr>\n",
                                done ? "実施済" : (late ? "期限超過" : "予定"));
    }
    return rc == AZK_OK ? azk_buf_puts(b, "</tbody></table>\n") : rc;
}

/* The sub-contracting chain: one row per link, indented by its depth, with its locations. */
static azk_status chain(azk_buf *b, json_t *arr)
{
    json_t *x, *l;
    size_t i, k;
    azk_status rc = azk_buf_printf(b, "<h2>再委託の連鎖（%zu件）</h2>\n", json_array_size(arr));
    if (rc != AZK_OK || json_array_size(arr) == 0)
        return rc;
    rc = azk_buf_puts(b, "<table id=\"chain\"><thead><tr><th style=\"width:6%\">段</th>"
                         "<th>再委託先</th><th>委託元</th><th>範囲</th>"
                         "<th>データの保管・処理場所</th></tr></thead><tbody>\n");
    json_array_foreach(arr, i, x)
    {
        json_int_t d = json_integer_value(json_object_get(x, "depth"));
        const char *name = json_string_value(json_object_get(x, "name"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "<tr><td>%lld</td><td>", (long long)d);
        for (json_int_t n = 1; rc == AZK_OK && n < d; n++)
            rc = azk_buf_puts(b, "　");
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, d > 1 ? "└ " : "");
        if (rc == AZK_OK)
            rc = azk_buf_put_html(b, json_string_value(json_object_get(x, "sub")));
        if (rc == AZK_OK && name != NULL) {
            rc = azk_buf_puts(b, "<br>");
            if (rc == AZK_OK)
                rc = azk_buf_put_html(b, name);
        }
        if (rc == AZK_OK && json_is_true(json_object_get(x, "cycle")))
            rc = azk_buf_puts(b, " <span class=\"high\">（循環）</span>");
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</td>");
        if (rc == AZK_OK)
            rc = cell(b, json_object_get(x, "vendor"));
        if (rc == AZK_OK)
            rc = cell(b, json_object_get(x, "scope"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "<td>");
        json_array_foreach(json_object_get(x, "locations"), k, l)
        {
            if (rc == AZK_OK && k > 0)
                rc = azk_buf_puts(b, "<br>");
            if (rc == AZK_OK)
                rc = azk_buf_put_html(b, json_string_value(l));
        }
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</td></tr>\n");
    }
    return rc == AZK_OK ? azk_buf_puts(b, "</tbody></table>\n") : rc;
}

/* A loud line at the top for each overdue audit schedule and for a contract past its expiry. */
static azk_status alarms(azk_buf *b, json_t *flags)
{
    json_t *f;
    size_t i;
    azk_status rc = AZK_OK;
    json_array_foreach(flags, i, f)
    {
        const char *code = json_string_value(json_object_get(f, "code"));
        bool contract = code != NULL && strcmp(code, "contract-expired") == 0;
        if (rc != AZK_OK || code == NULL || (!contract && strcmp(code, "audit-overdue") != 0))
            continue;
        rc = azk_buf_puts(b, contract ? "<div class=\"alarm\">契約期限切れ: 契約 "
                                      : "<div class=\"alarm\">期限超過: ");
        if (rc == AZK_OK) /* a contract's reference is someone's text: never translated */
            rc = azk_buf_put_html(b, contract
                                         ? json_string_value(json_object_get(f, "subject"))
                                         : ja(json_string_value(json_object_get(f, "subject"))));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, contract ? " の有効期限 " : "の期限 ");
        if (rc == AZK_OK)
            rc = azk_buf_put_html(b, json_string_value(json_object_get(f, "due")));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, " を過ぎています</div>\n");
    }
    return rc;
}

/* The contract's reference, signing and expiry dates; red with 期限切れ once past its expiry. */
static azk_status contract_cell(azk_buf *b, json_t *c, const char *today)
{
    const char *ref = json_string_value(json_object_get(c, "ref"));
    const char *on = json_string_value(json_object_get(c, "signed_on"));
    const char *exp = json_string_value(json_object_get(c, "expires_on"));
    bool late = exp != NULL && strcmp(exp, today) < 0;
    azk_status rc;
    if (ref == NULL)
        return azk_buf_puts(b, "<td>—</td>");
    rc = azk_buf_puts(b, late ? "<td class=\"high\"><strong>期限切れ</strong> " : "<td>");
    if (rc == AZK_OK)
        rc = azk_buf_put_html(b, ref);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "（締結 ");
    if (rc == AZK_OK)
        rc = azk_buf_put_html(b, on != NULL ? on : "—");
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "、有効期限 ");
    if (rc == AZK_OK)
        rc = azk_buf_put_html(b, exp != NULL ? exp : "なし");
    return rc == AZK_OK ? azk_buf_puts(b, "）</td>") : rc;
}

azk_status azk_vendor__html(json_t *v, const char *today, azk_buf *b)
{
    static const char *const ff[] = {"severity", "code", "subject", "due", NULL};
    static const char *const fh[] = {"重要度", "指摘", "対象", "期限"};
    static const char *const kf[] = {"purpose", "fingerprint", "added_at", NULL};
    static const char *const kh[] = {"用途", "指紋（SHA-256）", "登録"};
    static const char *const rf[] = {"rated_at", "risk", "reason", "rated_by", NULL};
    static const char *const rh[] = {"日時", "評価", "理由", "評価者"};
    static const char *const yf[] = {"purpose",    "fingerprint", "added_at", "retired_at",
                                     "retired_by", "why",         NULL};
    static const char *const yh[] = {"用途", "指紋（SHA-256）", "登録", "廃止", "廃止者", "理由"};
    static const char *const cf[] = {"clause", "status", "on_date", "note", NULL};
    static const char *const ch[] = {"条項", "状態", "合意日", "備考"};
    static const char *const qf[] = {"id", "template", "state", "due", "score", NULL};
    static const char *const qh[] = {"質問票", "様式", "状態", "回答期限", "評点"};
    static const char *const af[] = {"done_on", "kind", "summary", NULL};
    static const char *const ah[] = {"実施日", "種別", "概要"};
    static const char *const nf[] = {"title", "severity", "owner", "due", "status", NULL};
    static const char *const nh[] = {"指摘事項", "重要度", "担当", "期限", "状態"};
    static const char *const df[] = {"class", "kind", "ref", "expires_on", "received_on", NULL};
    static const char *const dh[] = {"区分", "種類", "番号等", "有効期限", "受領日"};
    static const char *const xf[] = {"kind", "label", "sha256", "expires", NULL};
    static const char *const xh[] = {"区分", "ファイル", "SHA-256", "有効期限"};
    json_t *c = json_object_get(v, "contract"), *l;
    size_t i;
    azk_status rc = azk_buf_puts(b, head);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "<h1>委託先管理 状況票</h1>\n<div class=\"sub\">基準日 ");
    if (rc == AZK_OK)
        rc = azk_buf_put_html(b, today);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "（azukari vendor show）</div>\n<h2>委託先</h2>\n<table><tbody>"
                             "<tr><th>識別子</th>");
    if (rc == AZK_OK)
        rc = cell(b, json_object_get(v, "id"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tr><tr><th>法人名</th>");
    if (rc == AZK_OK)
        rc = cell(b, json_object_get(v, "name"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tr><tr><th>法人番号</th>");
    if (rc == AZK_OK)
        rc = cell(b, json_object_get(v, "corporate_number"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tr><tr><th>重要度</th>");
    if (rc == AZK_OK)
        rc = cell_as(b, json_object_get(v, "criticality"), true);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tr><tr><th>リスク評価</th>");
    if (rc == AZK_OK)
        rc = cell_as(b, json_object_get(v, "risk"), true);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tr><tr><th>データの保管・処理場所</th><td>");
    json_array_foreach(json_object_get(v, "locations"), i, l)
    {
        if (rc == AZK_OK && i > 0)
            rc = azk_buf_puts(b, "<br>");
        if (rc == AZK_OK)
            rc = azk_buf_put_html(b, json_string_value(l));
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td></tr><tr><th>契約</th>");
    if (rc == AZK_OK)
        rc = contract_cell(b, c, today);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tr></tbody></table>\n");
    if (rc == AZK_OK)
        rc = alarms(b, json_object_get(v, "flags"));
    if (rc == AZK_OK)
        rc = table(b, "要対応事項", json_object_get(v, "flags"), ff, fh);
    if (rc == AZK_OK)
        rc = table(b, "契約の必須条項", json_object_get(v, "clauses"), cf, ch);
    if (rc == AZK_OK)
        rc = chain(b, json_object_get(v, "chain"));
    if (rc == AZK_OK)
        rc = table(b, "リスク評価の履歴", json_object_get(v, "ratings"), rf, rh);
    if (rc == AZK_OK)
        rc = table(b, "公開鍵", json_object_get(v, "keys"), kf, kh);
    if (rc == AZK_OK)
        rc = table(b, "廃止・交換した公開鍵", json_object_get(v, "keys_retired"), yf, yh);
    if (rc == AZK_OK)
        rc = table(b, "質問票", json_object_get(v, "questionnaires"), qf, qh);
    if (rc == AZK_OK)
        rc = plans(b, json_object_get(v, "audit_plans"), today);
    if (rc == AZK_OK)
        rc = planned(b, json_object_get(v, "audits_planned"), today);
    if (rc == AZK_OK)
        rc = table(b, "監査・立入検査の記録", json_object_get(v, "audits"), af, ah);
    if (rc == AZK_OK)
        rc = table(b, "指摘事項と改善", json_object_get(v, "findings"), nf, nh);
    if (rc == AZK_OK)
        rc = table(b, "認証・外部監査・開示資料", json_object_get(v, "documents"), df, dh);
    if (rc == AZK_OK)
        rc = table(b, "受領ファイル", json_object_get(v, "files"), xf, xh);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</body></html>\n");
    return rc;
}
