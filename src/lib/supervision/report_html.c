/* SPDX-License-Identifier: Apache-2.0 */
/*
 * supervision/report_html.c -- a monthly report rendered as a printable
 * page (A4, print CSS: repeated table headers, rows never split, long ids
 * wrapped instead of clipped, a page break before the ledger appendix),
 * Japanese by default, English with lang "en". Every value is escaped; the
 * document is rendered as it is (the caller verifies it first).
 */
#include "supervision/sup_int.h"

#include <stdio.h>
#include <string.h>

struct lbl {
    const char *key, *ja, *en;
};

static const struct lbl labels[] = {
    {"title", "月次報告書（委託データの取扱状況）", "Monthly report (entrusted data)"},
    {"client", "委託元", "Client"},
    {"month", "対象月", "Month"},
    {"period", "期間", "Period"},
    {"generated", "作成日時", "Generated"},
    {"withheld", "（旧形式の証明書: 受領ファイル名を平文で含むため添付せず）",
     "(old-format certificate: carries the received file's name in clear, not attached)"},
    {"revision", "版（同月の再作成で増加）", "Revision (raised when the month is made again)"},
    {"host", "作成ホスト", "Host"},
    {"summary", "概要", "Summary"},
    {"datasets_held", "月末保有データセット", "Datasets held at month end"},
    {"received", "受領", "Received"},
    {"opens", "開封（利用）", "Opened"},
    {"deleted", "削除（削除証明書）", "Deleted (certificates)"},
    {"overdue", "期限超過", "Overdue"},
    {"incomplete", "未完了の削除", "Incomplete deletions"},
    {"guard_blocks", "持出し遮断", "Egress blocks"},
    {"approved_releases", "承認済み解放", "Approved releases"},
    {"approvals", "承認", "Approvals"},
    {"refusals", "拒否", "Refusals"},
    {"auth_failures", "認証失敗", "Authentication failures"},
    {"lapsed_training", "教育期限切れの取扱者", "Handlers with lapsed training"},
    {"open_findings", "未完了の内部監査指摘", "Open internal-audit findings"},
    {"zone_findings", "閉域外で検出された委託レコード",
     "Entrusted records found outside the closed zone"},
    {"zone_objects", "閉域外で検出されたファイル", "Files found outside the closed zone"},
    {"zone_unresolved", "未解決の検出（月末）", "Unresolved findings (month end)"},
    {"zone_records", "うち委託レコード件数", "Entrusted records in them"},
    {"zone_opened", "検出案件（新規）", "Cases opened"},
    {"zone_quarantined", "隔離", "Quarantined"},
    {"zone_destroyed", "破棄", "Destroyed"},
    {"zone_released", "解放", "Released"},
    {"zone_open_end", "月末未対応", "Still open at month end"},
    {"zone_quar_end", "月末隔離中", "Quarantined at month end"},
    {"case", "案件", "Case"},
    {"training", "取扱者の教育状況", "Training of the handlers"},
    {"control_findings", "内部管理の指摘事項", "Internal-control findings"},
    {"incidents", "インシデント", "Incidents"},
    {"incident", "インシデント番号", "Incident"},
    {"recorded", "記録日時", "Recorded"},
    {"probable", "同姓同名等で未計上", "Probable (not counted)"},
    {"datasets_n", "データセット数", "Datasets"},
    {"strict", "厳格な件数（報告の見出し）", "Records, strict (the headline)"},
    {"nb", "氏名と生年月日だけで確定", "Name and birth date only"},
    {"nb_false", "うち別人の記録の期待数", "of which expected about another person"},
    {"hh", "世帯の値だけで確定", "Household only"},
    {"hh_false", "うち同居人の記録の期待数", "of which expected about a co-resident"},
    {"rec_total", "確定した記録の合計", "Records (confirmed, total)"},
    {"ledger", "監査台帳（チェックポイントと整合性証明）",
     "Audit ledger (checkpoint and consistency)"},
    {"dataset", "データセット", "Dataset"},
    {"records", "件数", "Records"},
    {"persons", "人数", "Persons"},
    {"deadline", "保管期限", "Deadline"},
    {"at", "日時", "Time"},
    {"by", "実施者", "By"},
    {"why", "理由", "Reason"},
    {"count", "回数", "Count"},
    {"certificate", "証明書番号", "Certificate"},
    {"late", "遅延", "Late"},
    {"cause", "原因", "Cause"},
    {"action", "操作", "Action"},
    {"object", "対象", "Object"},
    {"user", "利用者", "User"},
    {"course", "講座", "Course"},
    {"completed", "受講日", "Completed"},
    {"expires", "有効期限", "Expires"},
    {"status", "状態", "Status"},
    {"owner", "担当", "Owner"},
    {"due", "期日", "Due"},
    {"kind", "種別", "Kind"},
    {"item", "項目", "Item"},
    {"channel", "経路", "Channel"},
    {"none", "該当なし", "None"},
    {"na", "情報源なし（本版では取得できません）", "Source not available in this version"},
    {"size", "台帳件数", "Ledger size"},
    {"checkpoint", "月末チェックポイント（署名付き）", "Month-end checkpoint (signed)"},
    {"proofs", "過去の月末からの整合性証明", "Consistency proofs from earlier month ends"},
    {"enrolled", "登録利用者", "Enrolled"},
    {"notenrolled", "未登録（OS 利用者）", "not enrolled (OS user)"},
    {"signed", "この報告書はデプロイメント鍵（Ed25519）で署名されています。鍵",
     "This report is signed with the deployment key (Ed25519). Key"},
    {"yes", "あり", "yes"},
    {"capped", "先頭 1,000 件のみ掲載（件数は概要のとおり）",
     "First 1,000 items listed (the summary counts all)"},
    {"no", "なし", "no"},
};

static const char *L(const char *lang, const char *key)
{
    bool en = lang != NULL && strcmp(lang, "en") == 0;
    for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
        if (strcmp(labels[i].key, key) == 0)
            return en ? labels[i].en : labels[i].ja;
    return key;
}

static azk_status esc(azk_buf *b, const char *s)
{
    return azk_buf_put_html(b, s != NULL ? s : "—");
}

/* Japanese for the fixed English values of the document (free text stays as is). */
static const char *ja_value(const char *lang, const char *v)
{
    static const char *const map[][2] = {
        {"quarantine", "隔離"},
        {"block", "遮断"},
        {"approved", "承認により解放"},
        {"clean", "検査で問題なし"},
        {"valid", "有効"},
        {"lapsed", "期限切れ"},
        {"expiring", "期限間近"},
        {"never", "未受講"},
        {"open", "未対応"},
        {"in_progress", "対応中"},
        {"closed", "完了"},
        {"reported", "報告済み"},
        {"organisation", "全社"},
        {"quarantined", "隔離済み"},
        {"destroyed", "破棄済み"},
        {"released", "解放済み"},
        {"client", "委託元"},
        {"wrong TOTP code", "TOTP コード誤り"},
        {"unknown user", "未登録の利用者"},
        {"no retention run since the deadline", "期限後に削除処理が実行されていない"},
        {"deletion incomplete", "削除未完了"},
    };
    if (lang != NULL && strcmp(lang, "en") == 0)
        return v;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(map[i][0], v) == 0)
            return map[i][1];
    return v;
}

static azk_status cell_val(azk_buf *b, json_t *v, const char *lang)
{
    char n[32];
    if (json_is_string(v))
        return esc(b, ja_value(lang, json_string_value(v)));
    if (json_is_integer(v)) {
        (void)snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(v));
        return azk_buf_puts(b, n);
    }
    if (json_is_real(v)) {
        (void)snprintf(n, sizeof(n), "%.3g", json_real_value(v));
        return azk_buf_puts(b, n);
    }
    if (json_is_true(v))
        return azk_buf_puts(b, L(lang, "yes"));
    if (json_is_false(v))
        return azk_buf_puts(b, L(lang, "no"));
    return azk_buf_puts(b, "—");
}

/* A table of `arr`'s objects: columns keys[i] labelled lbl[i]. */
static azk_status table(azk_buf *b, const char *lang, const char *title_key, json_t *arr,
                        const char *const *keys, const char *const *lbls, size_t ncol)
{
    azk_status rc = azk_buf_printf(b, "<section><h2>%s <span class=n>(%zu)</span></h2>\n",
                                   L(lang, title_key), json_array_size(arr));
    if (rc == AZK_OK && json_array_size(arr) == 0)
        return azk_buf_printf(b, "<p class=none>%s</p></section>\n", L(lang, "none"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "<table><thead><tr>");
    for (size_t c = 0; rc == AZK_OK && c < ncol; c++)
        rc = azk_buf_printf(b, "<th>%s</th>", L(lang, lbls[c]));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tr></thead><tbody>\n");
    for (size_t i = 0; rc == AZK_OK && i < json_array_size(arr); i++) {
        json_t *row = json_array_get(arr, i);
        rc = azk_buf_puts(b, "<tr>");
        for (size_t c = 0; rc == AZK_OK && c < ncol; c++) {
            rc = azk_buf_puts(b, "<td>");
            if (rc == AZK_OK)
                rc = cell_val(b, json_object_get(row, keys[c]), lang);
            if (rc == AZK_OK)
                rc = azk_buf_puts(b, "</td>");
        }
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</tr>\n");
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tbody></table>");
    if (rc == AZK_OK && json_array_size(arr) >= 1000)
        rc = azk_buf_printf(b, "<p class=na>%s</p>", L(lang, "capped"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</section>\n");
    return rc;
}

static azk_status not_avail(azk_buf *b, const char *lang, const char *key, json_t *sec)
{
    azk_status rc =
        azk_buf_printf(b, "<section><h2>%s</h2><p class=na>%s", L(lang, key), L(lang, "na"));
    if (rc == AZK_OK && azk_sup__str(sec, "note") != NULL &&
        (lang == NULL || strcmp(lang, "en") != 0)) {
        rc = azk_buf_puts(b,
                          strcmp(key, "incidents") == 0
                              ? "（インシデントは本版のカタログに記録されません）"
                              : "（閉域外の検出はエージェントが報告します。本版には含まれません）");
    } else if (rc == AZK_OK && azk_sup__str(sec, "note") != NULL) {
        rc = azk_buf_puts(b, " — ");
        if (rc == AZK_OK)
            rc = esc(b, azk_sup__str(sec, "note"));
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</p></section>\n");
    return rc;
}

/* zone_findings: counts, then the cases; an older report without the source says so */
static azk_status zone_section(azk_buf *b, const char *lang, json_t *z)
{
    static const char *const k[] = {"case", "records", "found_at", "state"};
    static const char *const l[] = {"case", "records", "at", "status"};
    static const char *const ck[] = {"opened",   "quarantined",       "destroyed",
                                     "released", "open_at_month_end", "quarantined_at_month_end"};
    static const char *const cl[] = {"zone_opened",   "zone_quarantined", "zone_destroyed",
                                     "zone_released", "zone_open_end",    "zone_quar_end"};
    json_t *c = json_object_get(z, "cases");
    azk_status rc;
    if (azk_sup__str(z, "source") == NULL || strcmp(azk_sup__str(z, "source"), "agents") != 0)
        return not_avail(b, lang, "zone_findings", z);
    rc = azk_buf_printf(b,
                        "<section><h2>%s</h2><table><tbody>\n<tr><th>%s</th><td>%lld</td></tr>"
                        "<tr><th>%s</th><td>%lld</td></tr>\n",
                        L(lang, "zone_findings"), L(lang, "zone_objects"),
                        (long long)json_integer_value(json_object_get(z, "objects")),
                        L(lang, "zone_records"),
                        (long long)json_integer_value(json_object_get(z, "records")));
    for (size_t i = 0; rc == AZK_OK && i < sizeof(ck) / sizeof(ck[0]); i++) {
        json_int_t v = json_integer_value(json_object_get(c, ck[i]));
        rc = azk_buf_printf(b, "<tr><th>%s</th><td%s>%lld</td></tr>\n", L(lang, cl[i]),
                            v > 0 && i >= 4 ? " class=flag" : "", (long long)v);
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tbody></table></section>\n");
    if (rc == AZK_OK)
        rc = table(b, lang, "case", json_object_get(z, "items"), k, l, 4);
    return rc;
}

/* The deletions: a certificate withheld (issued before certificates hashed the received
 * file's name, so not carried) is named with a note instead of a blank. */
static azk_status deleted_table(azk_buf *b, const char *lang, json_t *del, const char *const *keys,
                                const char *const *lbls)
{
    json_t *rows = json_deep_copy(del), *d;
    size_t i;
    azk_status rc;
    if (rows == NULL && del != NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    json_array_foreach(rows, i, d)
    {
        const char *w = azk_sup__str(d, "certificate_withheld");
        char t[160];
        if (w == NULL)
            continue;
        (void)snprintf(t, sizeof(t), "%.80s %s", w, L(lang, "withheld"));
        if (json_object_set_new(d, "certificate_id", json_string(t)) != 0) {
            json_decref(rows);
            return azk_error_set(AZK_ERR_NOMEM, "out of memory");
        }
    }
    rc = table(b, lang, "deleted", rows, keys, lbls, 5);
    json_decref(rows);
    return rc;
}

/* The incidents of the register (report_incidents.c); a report of an older version says
 * "not available". */
static azk_status incidents_html(azk_buf *b, const char *lang, json_t *sec)
{
    /* the strict count first (the headline), the weaker two with their expected false
     * counts, the total; a report made before schema 8 shows "—" for the split */
    static const char *const k[] = {"id",         "recorded_at",
                                    "status",     "strict",
                                    "name_birth", "name_birth_expected_false",
                                    "household",  "household_expected_false",
                                    "records",    "persons",
                                    "probable",   "datasets"};
    static const char *const l[] = {"incident",  "recorded", "status",   "strict",
                                    "nb",        "nb_false", "hh",       "hh_false",
                                    "rec_total", "persons",  "probable", "datasets_n"};
    const char *src = azk_sup__str(sec, "source");
    if (src == NULL || strcmp(src, NOT_AVAILABLE) == 0)
        return not_avail(b, lang, "incidents", sec);
    return table(b, lang, "incidents", json_object_get(sec, "items"), k, l, 12);
}

static const char CSS[] =
    "@page{size:A4;margin:14mm 12mm}"
    "body{font-family:'Noto Sans CJK JP','Noto Sans JP','IPAexGothic',sans-serif;font-size:10pt;"
    "color:#111;max-width:186mm;margin:0 auto}"
    "h1{font-size:16pt;border-bottom:2px solid #333;padding-bottom:4px}"
    "h2{font-size:12pt;margin:14px 0 4px;break-after:avoid;page-break-after:avoid}"
    "table{width:100%;border-collapse:collapse;table-layout:fixed;margin-bottom:6px}"
    "th,td{border:1px solid #888;padding:2px 4px;text-align:left;vertical-align:top;"
    "overflow-wrap:anywhere;word-break:break-all}"
    "th{background:#eee}thead{display:table-header-group}"
    "tr{break-inside:avoid;page-break-inside:avoid}"
    ".n{font-weight:normal;color:#555}.none,.na{color:#555}.na{font-style:italic}"
    "dl.meta{display:grid;grid-template-columns:30mm 1fr;gap:2px 8px}dl.meta dt{font-weight:bold}"
    "dl.meta dd{margin:0}"
    ".appendix{break-before:page;page-break-before:always}"
    "pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:8pt;border:1px solid #ccc;"
    "padding:4px}"
    ".flag{color:#a00;font-weight:bold}";

static azk_status summary_table(azk_buf *b, const char *lang, json_t *sum)
{
    static const char *const keys[] = {"datasets_held", "received",          "opens",
                                       "deleted",       "overdue",           "incomplete",
                                       "guard_blocks",  "approved_releases", "approvals",
                                       "refusals",      "auth_failures",     "lapsed_training",
                                       "open_findings", "zone_objects",      "zone_unresolved"};
    azk_status rc = azk_buf_printf(b, "<section><h2>%s</h2><table><tbody>\n", L(lang, "summary"));
    for (size_t i = 0; rc == AZK_OK && i < sizeof(keys) / sizeof(keys[0]); i++) {
        json_int_t v = json_integer_value(json_object_get(sum, keys[i]));
        bool flag;
        if (json_object_get(sum, keys[i]) == NULL)
            continue; /* a report of an earlier version */
        flag = v > 0 &&
               (strcmp(keys[i], "overdue") == 0 || strcmp(keys[i], "incomplete") == 0 ||
                strcmp(keys[i], "lapsed_training") == 0 || strcmp(keys[i], "open_findings") == 0 ||
                strcmp(keys[i], "zone_unresolved") == 0);
        rc = azk_buf_printf(b, "<tr><th>%s</th><td%s>%lld</td></tr>\n", L(lang, keys[i]),
                            flag ? " class=flag" : "", (long long)v);
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tbody></table></section>\n");
    return rc;
}

static azk_status training_section(azk_buf *b, const char *lang, json_t *tr)
{
    json_t *rows = json_array();
    azk_status rc;
    static const char *const k[] = {"user", "course", "completed", "expires", "status"};
    if (rows == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < json_array_size(tr); i++) {
        json_t *u = json_array_get(tr, i), *cs = json_object_get(u, "courses");
        const char *name = azk_sup__str(u, "user");
        if (!json_is_true(json_object_get(u, "enrolled")))
            json_array_append_new(
                rows, json_pack("{s:s?,s:s}", "user", name, "status", L(lang, "notenrolled")));
        for (size_t j = 0; j < json_array_size(cs); j++) {
            json_t *c = json_deep_copy(json_array_get(cs, j));
            if (c != NULL && json_object_set_new(c, "user", json_string(name)) == 0)
                json_array_append_new(rows, c);
            else
                json_decref(c);
        }
    }
    rc = table(b, lang, "training", rows, k, k, 5);
    json_decref(rows);
    return rc;
}

azk_status azk_monthly_report_html(const char *json, size_t len, const char *lang, char **out)
{
    azk_buf b = AZK_BUF_INIT;
    json_error_t jerr;
    json_t *doc, *r, *led;
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(json != NULL && out != NULL);
    *out = NULL;
    doc = json_loadb(json, len, 0, &jerr);
    r = json_object_get(doc, REPORT_BODY);
    if (!json_is_object(r)) {
        json_decref(doc);
        return azk_error_set(AZK_ERR_FORMAT, "not a monthly report");
    }
    led = json_object_get(r, "ledger");
    rc = azk_buf_printf(&b,
                        "<!DOCTYPE html>\n<html lang=%s><head><meta charset=utf-8>"
                        "<title>%s</title><style>%s</style></head><body>\n<h1>%s</h1>\n"
                        "<dl class=meta>",
                        lang != NULL && strcmp(lang, "en") == 0 ? "en" : "ja", L(lang, "title"),
                        CSS, L(lang, "title"));
    {
        static const char *const mk[] = {"client", "month", "generated"};
        static const char *const mf[] = {"client", "month", "generated_at"};
        for (size_t i = 0; rc == AZK_OK && i < 3; i++) {
            rc = azk_buf_printf(&b, "<dt>%s</dt><dd>", L(lang, mk[i]));
            if (rc == AZK_OK)
                rc = esc(&b, azk_sup__str(r, mf[i]));
            if (rc == AZK_OK)
                rc = azk_buf_puts(&b, "</dd>");
        }
        if (rc == AZK_OK && json_is_integer(json_object_get(r, "revision")))
            rc = azk_buf_printf(&b, "<dt>%s</dt><dd>%lld</dd>", L(lang, "revision"),
                                (long long)json_integer_value(json_object_get(r, "revision")));
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "<dt>%s</dt><dd>", L(lang, "period"));
        if (rc == AZK_OK)
            rc = esc(&b, azk_sup__str(json_object_get(r, "period"), "from"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, " – ");
        if (rc == AZK_OK)
            rc = esc(&b, azk_sup__str(json_object_get(r, "period"), "to"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "</dd><dt>%s</dt><dd>", L(lang, "host"));
        if (rc == AZK_OK)
            rc = esc(&b, azk_sup__str(json_object_get(r, "organization"), "host"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</dd></dl>\n");
    }
    if (rc == AZK_OK)
        rc = summary_table(&b, lang, json_object_get(r, "summary"));
    {
        static const char *const k1[] = {"dataset", "records", "persons", "retain_until"};
        static const char *const l1[] = {"dataset", "records", "persons", "deadline"};
        static const char *const k2[] = {"dataset", "records", "received_at", "received_by",
                                         "retain_until"};
        static const char *const l2[] = {"dataset", "records", "at", "by", "deadline"};
        static const char *const k3[] = {"dataset", "at", "by", "why"};
        static const char *const l3[] = {"dataset", "at", "by", "why"};
        static const char *const k4[] = {"dataset", "deleted_at", "retain_until", "certificate_id",
                                         "late"};
        static const char *const l4[] = {"dataset", "at", "deadline", "certificate", "late"};
        static const char *const k5[] = {"dataset", "retain_until", "reason"};
        static const char *const l5[] = {"dataset", "deadline", "why"};
        static const char *const k6[] = {"dataset", "residuals", "refused_artifacts", "cause"};
        static const char *const l6[] = {"dataset", "count", "item", "cause"};
        static const char *const k7[] = {"at", "kind", "item", "channel", "records"};
        static const char *const l7[] = {"at", "kind", "item", "channel", "records"};
        static const char *const k8[] = {"at", "item", "by", "kind"};
        static const char *const l8[] = {"at", "item", "by", "kind"};
        static const char *const k9[] = {"at", "action", "object", "by"};
        static const char *const l9[] = {"at", "action", "object", "by"};
        static const char *const k10[] = {"at", "action", "object", "by", "reason"};
        static const char *const l10[] = {"at", "action", "object", "by", "why"};
        static const char *const k11[] = {"at", "user", "why"};
        static const char *const l11[] = {"at", "user", "why"};
        static const char *const k12[] = {"id", "title", "owner", "due", "status"};
        static const char *const l12[] = {"item", "object", "owner", "due", "status"};
        json_t *g = json_object_get(r, "guard"), *op = json_object_get(r, "opened");
        if (rc == AZK_OK)
            rc = table(&b, lang, "datasets_held", json_object_get(r, "datasets_held"), k1, l1, 4);
        if (rc == AZK_OK)
            rc = table(&b, lang, "received", json_object_get(r, "received"), k2, l2, 5);
        if (rc == AZK_OK)
            rc = table(&b, lang, "opens", json_object_get(op, "items"), k3, l3, 4);
        if (rc == AZK_OK)
            rc = deleted_table(&b, lang, json_object_get(r, "deleted"), k4, l4);
        if (rc == AZK_OK)
            rc = table(&b, lang, "overdue", json_object_get(r, "overdue"), k5, l5, 3);
        if (rc == AZK_OK)
            rc = table(&b, lang, "incomplete", json_object_get(r, "incomplete"), k6, l6, 4);
        if (rc == AZK_OK)
            rc = table(&b, lang, "guard_blocks", json_object_get(g, "blocks"), k7, l7, 5);
        if (rc == AZK_OK)
            rc = table(&b, lang, "approved_releases", json_object_get(g, "releases"), k8, l8, 4);
        if (rc == AZK_OK)
            rc = table(&b, lang, "approvals", json_object_get(r, "approvals"), k9, l9, 4);
        if (rc == AZK_OK)
            rc = table(&b, lang, "refusals", json_object_get(r, "refusals"), k10, l10, 5);
        if (rc == AZK_OK)
            rc = table(&b, lang, "auth_failures", json_object_get(r, "auth_failures"), k11, l11, 3);
        if (rc == AZK_OK)
            rc = zone_section(&b, lang, json_object_get(r, "zone_findings"));
        if (rc == AZK_OK)
            rc = training_section(&b, lang, json_object_get(r, "training"));
        if (rc == AZK_OK)
            rc = table(&b, lang, "control_findings", json_object_get(r, "control_findings"), k12,
                       l12, 5);
        if (rc == AZK_OK)
            rc = incidents_html(&b, lang, json_object_get(r, "incidents"));
    }
    if (rc == AZK_OK)
        rc = azk_buf_printf(
            &b, "<section class=appendix><h2>%s</h2><p>%s: %lld</p><h3>%s</h3><pre>",
            L(lang, "ledger"), L(lang, "size"),
            (long long)json_integer_value(json_object_get(led, "size")), L(lang, "checkpoint"));
    if (rc == AZK_OK)
        rc = esc(&b, azk_sup__str(led, "checkpoint"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b,
                            "</pre><h3>%s</h3><table><thead><tr><th>%s</th><th>%s</th>"
                            "<th>root</th></tr></thead><tbody>",
                            L(lang, "proofs"), L(lang, "month"), L(lang, "size"));
    for (size_t i = 0; rc == AZK_OK && i < json_array_size(json_object_get(led, "month_ends"));
         i++) {
        json_t *e = json_array_get(json_object_get(led, "month_ends"), i);
        rc = azk_buf_puts(&b, "<tr><td>");
        if (rc == AZK_OK)
            rc = esc(&b, azk_sup__str(e, "month"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "</td><td>%lld</td><td>",
                                (long long)json_integer_value(json_object_get(e, "size")));
        if (rc == AZK_OK)
            rc = esc(&b, azk_sup__str(e, "root"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</td></tr>");
    }
    if (rc == AZK_OK && json_array_size(json_object_get(led, "month_ends")) == 0)
        rc = azk_buf_printf(&b, "<tr><td colspan=3>%s</td></tr>", L(lang, "none"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "</tbody></table><p>%s: <code>", L(lang, "signed"));
    if (rc == AZK_OK)
        rc = esc(&b, azk_sup__str(json_object_get(doc, "signature"), "key"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</code></p></section>\n</body></html>\n");
    json_decref(doc);
    if (rc != AZK_OK) {
        azk_buf_dispose(&b);
        return rc;
    }
    *out = azk_buf_detach(&b);
    return AZK_OK;
}
