/* SPDX-License-Identifier: Apache-2.0 */
/*
 * impact/report.c -- reporting category, deadlines and Japanese drafts of
 * the documents an incident needs (docs/impact.md):
 *   report-ppc.md          items of the report to the Personal Information
 *                          Protection Commission (施行規則第8条第1項各号)
 *   notice-client-<id>.md  the same items, as the contractor's notice to
 *                          each client (法第26条第1項ただし書)
 *   notice-individual.md   the notice to individuals with the items it
 *                          must carry (施行規則第10条)
 * Facts azukari knows (counts, items, datasets, deadlines, dates) are
 * filled in; the rest is marked 【要記入】. The drafts hold no personal
 * value: counts, item names, dataset and client ids, dates.
 * The templates are Japanese content by design (not gettext messages).
 */
#include "impact/impact_int.h"
#include "detect/detect.h"
#include "azukari/retention.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TODO "【要記入】"

/* ---- dates (days since 1970-01-01, norm/datetime.h) -------------------- */

int azk_impact__weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (4) */
    int64_t w = (days + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

/* Saturday, Sunday or 12/29 - 1/3 (行政機関の休日; public holidays are not known here). */
static bool closed_day(int64_t days)
{
    char s[11];
    int w = azk_impact__weekday(days);
    if (w == 0 || w == 6)
        return true;
    azk_date__format_day(days, s);
    return strcmp(s + 5, "12-29") >= 0 || strcmp(s + 5, "01-03") <= 0;
}

/* ---- items ------------------------------------------------------------------ */

const char *azk_impact_item_name_ja(azk_column_kind k)
{
    return azk_column_kind__name_ja(k);
}

azk_status azk_impact_deadlines_compute(const azk_impact_result *r, const char *known_date,
                                        azk_impact_cause cause, azk_impact_deadlines *out)
{
    int64_t known;
    AZK_ASSERT_ARG(r != NULL && out != NULL);
    memset(out, 0, sizeof(*out));
    out->purpose_unlawful =
        cause == AZK_IMPACT_CAUSE_UNAUTHORIZED_ACCESS || cause == AZK_IMPACT_CAUSE_THEFT;
    out->over_1000 = r->persons > 1000;
    out->financial_items =
        (r->kinds & (1u << AZK_COL_CREDIT_CARD | 1u << AZK_COL_BANK_ACCOUNT)) != 0;
    out->reportable =
        r->records > 0 && (out->purpose_unlawful || out->over_1000 || out->financial_items);
    out->final_days = out->purpose_unlawful ? 60 : 30;
    if (known_date == NULL)
        return AZK_OK;
    if (!azk_date__parse_day(known_date, &known))
        return azk_error_set(AZK_ERR_ARG, "impact: --known-date is not a date YYYY-MM-DD");
    azk_date__format_day(known + 3, out->first_from);
    azk_date__format_day(known + 5, out->first_to);
    /* the day it became known is day 1 (ガイドライン通則編 3-5-3-4) */
    known += out->final_days - 1;
    while (closed_day(known)) {
        known++;
        out->final_shifted = true;
    }
    azk_date__format_day(known, out->final_date);
    return AZK_OK;
}

/* ---- writing ---------------------------------------------------------------- */

struct doc {
    azk_outfile *of; /* temporary beside the report, renamed at doc_close */
    FILE *f;
    azk_buf *mem; /* or the draft goes into memory (azk_impact__draft_md) */
    azk_status rc;
};

static void put(struct doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct doc *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (d->mem != NULL && d->rc == AZK_OK) {
        va_list ap2;
        int n;
        va_copy(ap2, ap);
        n = vsnprintf(NULL, 0, fmt, ap2);
        va_end(ap2);
        if (n < 0)
            d->rc = azk_error_set(AZK_ERR_ARG, "impact: bad draft format");
        else
            d->rc = azk_buf_grow(d->mem, (size_t)n);
        if (d->rc == AZK_OK) {
            (void)vsnprintf((char *)d->mem->data + d->mem->len, (size_t)n + 1, fmt, ap);
            d->mem->len += (size_t)n;
        }
        /* NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized): started above */
    } else if (d->rc == AZK_OK && vfprintf(d->f, fmt, ap) < 0) {
        d->rc = azk_error_errno("impact: write report");
    }
    va_end(ap);
}

static azk_status doc_open(struct doc *d, const char *dir, const char *name, azk_buf *mem)
{
    char path[4096];
    azk_status rc;
    d->of = NULL;
    d->f = NULL;
    d->mem = mem;
    d->rc = AZK_OK;
    if (mem != NULL)
        return AZK_OK;
    if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
        return azk_error_set(AZK_ERR_ARG, "impact: report path too long");
    /* never through a symlink planted in a shared report directory */
    rc = azk_outfile_open(&d->of, path, 0640, 0);
    if (rc != AZK_OK)
        return rc;
    d->f = azk_outfile_stream(d->of);
    return AZK_OK;
}

static azk_status doc_close(struct doc *d)
{
    if (d->of != NULL) {
        if (d->rc == AZK_OK)
            d->rc = azk_outfile_commit(d->of);
        else
            azk_outfile_abort(d->of);
    }
    d->of = NULL;
    d->f = NULL;
    return d->rc;
}

static void put_items(struct doc *d, uint32_t kinds)
{
    bool any = false;
    for (int k = AZK_COL_CUSTOMER_ID; k < AZK_COL__COUNT; k++) {
        const char *n = azk_impact_item_name_ja((azk_column_kind)k);
        if (n == NULL || !(kinds & (1u << k)))
            continue;
        put(d, "%s%s", any ? "、" : "", n);
        any = true;
    }
    if (!any)
        put(d, "%s", TODO);
}

static const char *cause_ja(azk_impact_cause c)
{
    switch (c) {
        case AZK_IMPACT_CAUSE_UNAUTHORIZED_ACCESS:
            return "不正アクセス（不正の目的をもって行われたおそれがある漏えい等）";
        case AZK_IMPACT_CAUSE_THEFT:
            return "盗難・持ち出し（不正の目的をもって行われたおそれがある漏えい等）";
        case AZK_IMPACT_CAUSE_ERROR:
            return "誤送付・誤操作等の過失";
        case AZK_IMPACT_CAUSE_OTHER:
            return "その他";
        default:
            return TODO;
    }
}

/* Facts shared by the PPC report and the notice to a client (client == NULL: all). */
static void put_facts(struct doc *d, const azk_impact_result *r, const char *client,
                      const azk_impact_report_options *o, const azk_impact_deadlines *dl)
{
    uint64_t recs = 0, persons = 0;
    uint64_t strict = 0, name_birth = 0, household = 0, persons_strict = 0;
    double name_birth_other = 0, household_other = 0;
    uint32_t kinds = 0;
    uint32_t seen = 0;
    size_t past = 0;
    for (size_t i = 0; i < r->dataset_count; i++) {
        const azk_impact_dataset *ds = &r->datasets[i];
        if (client != NULL && strcmp(ds->client, client) != 0)
            continue;
        strict += ds->strict;
        name_birth += ds->name_birth;
        household += ds->household;
        name_birth_other += ds->name_birth_other;
        household_other += ds->household_other;
    }
    for (size_t i = 0; i < r->client_count; i++) {
        const azk_impact_client *c = &r->clients[i];
        if (client != NULL && strcmp(c->client, client) != 0)
            continue;
        recs += c->records;
        persons += c->persons;
        persons_strict += c->persons_strict;
        kinds |= c->kinds;
        seen |= c->kinds_seen;
        past += c->past_deadline;
    }

    put(d, "## 1. 概要\n\n");
    put(d, "- 事業者名（報告者）: %s\n", o->contractor != NULL ? o->contractor : TODO);
    put(d, "- 発生日（発生のおそれが生じた日）: %s\n", TODO);
    put(d, "- 漏えい等を知った日: %s\n", o->known_date != NULL ? o->known_date : TODO);
    put(d, "- 発覚の経緯・事案の内容: %s\n", TODO);
    put(d,
        "- 照合の結果: 漏えい等のおそれがあるファイル %llu 件（アーカイブ内のファイルを含め "
        "%llu 件）を、当社が委託を受けて保管する個人データ（有効なデータセット %llu 件）の指紋と"
        "照合した。委託を受けた個人データを含むファイルは %llu 件であった。読み取れなかった"
        "ファイルは %llu 件%s。\n",
        (unsigned long long)r->files, (unsigned long long)r->objects,
        (unsigned long long)r->datasets_all, (unsigned long long)r->objects_hit,
        (unsigned long long)r->errors, r->errors > 0 ? "（内容を別途確認すること" TODO "）" : "");
    {
        /* the whole run's probable records include datasets without a confirmed one */
        uint64_t probable = client == NULL ? r->probable : 0;
        for (size_t i = 0; client != NULL && i < r->dataset_count; i++)
            if (strcmp(r->datasets[i].client, client) == 0)
                probable += r->datasets[i].probable;
        put(d, "- 照合の方法: 指紋が示した候補の記録を、復号した記録の値と照合し、値が一致したもの"
               "だけを計上した（延べ件数。照合用の鍵によらない）。");
        if (probable > 0)
            put(d,
                "このほか、氏名と生年月日、又は氏名と住所・固定電話だけが一致し、同姓同名の別人と"
                "区別できない記録が %llu 件ある（計上していない。確認のうえ判断すること%s）。",
                (unsigned long long)probable, TODO);
        put(d, "\n");
    }
    put(d, "- 委託元・データセット:\n\n");
    put(d, "| 委託元 | データセット | 受領ファイル | 受領日 | 利用目的 | 延べ件数 | 名寄せ後件数 "
           "| 保存期限 | 保存期限超過 |\n|---|---|---|---|---|---:|---:|---|---|\n");
    for (size_t i = 0; i < r->dataset_count; i++) {
        const azk_impact_dataset *ds = &r->datasets[i];
        char sh[AZK_CERT_SOURCE_HASH_LEN];
        if (client != NULL && strcmp(ds->client, client) != 0)
            continue;
        /* the received file's name is a personal value: its hash as certificates carry it */
        if (azk_certificate_source_hash(ds->dataset, ds->source_name != NULL ? ds->source_name : "",
                                        sh) != AZK_OK)
            (void)snprintf(sh, sizeof(sh), "-");
        put(d, "| %s | %s | SHA-256 %.16s… | %.10s | %s | %llu | %llu | %s | ", ds->client,
            ds->dataset, sh, ds->created_at != NULL ? ds->created_at : "", ds->purpose,
            (unsigned long long)ds->records, (unsigned long long)ds->persons, ds->retain_until);
        if (ds->past_deadline)
            put(d, "超過（%llu 日）|\n", (unsigned long long)ds->days_overdue);
        else
            put(d, "なし |\n");
    }
    put(d, "\n## 2. 漏えい等が発生し又は発生したおそれがある個人データの項目\n\n");
    put(d, "- 項目（照合された記録が保持する項目）: ");
    put_items(d, kinds);
    put(d, "\n- うち、盗まれたファイルで同じ種類の個人情報が検出された項目: ");
    if (seen != 0)
        put_items(d, seen);
    else
        put(d, "なし");
    put(d, "\n");
    for (size_t i = 0; i < r->dataset_count; i++) {
        const azk_impact_dataset *ds = &r->datasets[i];
        if (client != NULL && strcmp(ds->client, client) != 0)
            continue;
        put(d, "  - %s / %s: ", ds->client, ds->dataset);
        put_items(d, ds->kinds);
        put(d, "\n");
    }
    put(d,
        "（盗まれたファイルに実際に現れた項目は、照合された記録が保持する項目の一部である"
        "場合がある。検出された種類の項目は確度が高い。顧客番号など検出の種類がない項目は"
        "後者に現れない。報告では前者を基本とし、確認のうえ確定すること%s）\n",
        TODO);
    put(d, "- 要配慮個人情報の有無: %s\n", TODO);
    put(d, "\n## 3. 漏えい等が発生し又は発生したおそれがある個人データに係る本人の数\n\n");
    if (strict + name_birth + household == recs) {
        /* the headline is the strict count; the weaker confirmations beside it, labelled */
        put(d,
            "- 延べ件数: %llu 件（厳格な件数: 記録ごとに、別人の記載である確率が 100 万分の 1 "
            "以下の照合で確定したもの）\n",
            (unsigned long long)strict);
        if (name_birth > 0)
            put(d,
                "- 上記とは別に、氏名と生年月日だけが一致して確定した記録: %llu 件（同姓同名で"
                "同じ生年月日の別人の記載である件数の期待値 %.2g 件。記録ごとに 1,000 分の 1 "
                "以下）\n",
                (unsigned long long)name_birth, name_birth_other);
        if (household > 0)
            put(d,
                "- 上記とは別に、住所・郵便番号・固定電話（世帯の値）と氏名だけが一致して確定した"
                "記録: %llu 件（同居する同姓同名の者の記載である件数の期待値 %.2g 件）\n",
                (unsigned long long)household, household_other);
        if (name_birth + household > 0)
            put(d, "- 確定した記録の合計: %llu 件（以下の名寄せはこの合計による）\n",
                (unsigned long long)recs);
    } else {
        /* an incident recorded before the split was kept (catalog schema 7) */
        put(d, "- 延べ件数: %llu 件（照合の根拠の内訳は記録されていない）\n",
            (unsigned long long)recs);
    }
    if (strict + name_birth + household == recs && name_birth + household > 0)
        /* the headline: persons with a strictly confirmed record; all of them beside */
        put(d,
            "- 名寄せ後の本人の数: %llu 人（厳格な件数の記録をもつ本人%s。確定した記録すべてでは "
            "%llu 人）\n",
            (unsigned long long)persons_strict,
            client == NULL ? "。委託元ごとに名寄せした人数の合計" : "",
            (unsigned long long)persons);
    else
        put(d, "- 名寄せ後の本人の数: %llu 人%s\n", (unsigned long long)persons,
            client == NULL ? "（委託元ごとに名寄せした人数の合計）" : "");
    if (client == NULL) {
        put(d, "- 委託元を横断して名寄せした本人の数: %llu 人%s\n", (unsigned long long)r->persons,
            name_birth + household > 0 ? "（確定した記録すべてによる）" : "");
        put(d, "\n| 委託元 | 延べ件数 | 名寄せ後件数 |\n|---|---:|---:|\n");
        for (size_t i = 0; i < r->client_count; i++)
            put(d, "| %s | %llu | %llu |\n", r->clients[i].client,
                (unsigned long long)r->clients[i].records,
                (unsigned long long)r->clients[i].persons);
    }
    put(d,
        "\n（名寄せは氏名・フリガナ・生年月日・住所・電話番号等の一致度による推定である。"
        "人数は確認のうえ確定すること%s）\n",
        TODO);
    put(d, "\n## 4. 原因\n\n");
    put(d, "- 原因の区分: %s\n", cause_ja(o->cause));
    put(d, "- 詳細: %s\n", TODO);
    if (past > 0) {
        put(d, "- 保存期限（削除期限）を過ぎて保持されていたデータセット: %zu 件\n", past);
        for (size_t i = 0; i < r->dataset_count; i++) {
            const azk_impact_dataset *ds = &r->datasets[i];
            if (!ds->past_deadline || (client != NULL && strcmp(ds->client, client) != 0))
                continue;
            put(d, "  - %s / %s: 保存期限 %s、%s 時点で %llu 日超過\n", ds->client, ds->dataset,
                ds->retain_until, r->as_of, (unsigned long long)ds->days_overdue);
        }
    } else {
        put(d, "- 保存期限（削除期限）を過ぎて保持されていたデータセット: なし（%s 時点）\n",
            r->as_of);
    }
    put(d, "\n## 5. 二次被害又はそのおそれの有無及びその内容\n\n");
    if (dl->financial_items)
        put(d,
            "- 口座番号又はクレジットカード番号が含まれる。不正利用による財産的被害のおそれ"
            "（施行規則第7条第2号）の有無を確認すること: %s\n",
            TODO);
    put(d, "- %s\n", TODO);
    put(d,
        "\n## 6. 本人への対応の実施状況\n\n- %s（本人への通知の下書き: "
        "notice-individual.md）\n",
        TODO);
    put(d, "\n## 7. 公表の実施状況\n\n- %s\n", TODO);
    put(d, "\n## 8. 再発防止のための措置\n\n- %s\n", TODO);
    if (past > 0)
        put(d,
            "- 保存期限を過ぎたデータセット %zu 件の削除（鍵の破棄による消去）と、"
            "削除の確認・監査: %s\n",
            past, TODO);
    put(d, "\n## 9. その他参考となる事項\n\n- %s\n", TODO);
}

static void put_deadlines(struct doc *d, const azk_impact_result *r,
                          const azk_impact_report_options *o, const azk_impact_deadlines *dl)
{
    put(d, "## 報告の区分と期限\n\n");
    put(d, "- 漏えい等を知った日: %s\n", o->known_date != NULL ? o->known_date : TODO);
    put(d, "- 原因の区分: %s\n", cause_ja(o->cause));
    put(d, "- 報告対象事態（施行規則第7条）:\n");
    put(d, "  - 第1号（要配慮個人情報）: %s\n", TODO);
    put(d, "  - 第2号（財産的被害のおそれ）: %s\n",
        dl->financial_items ? "口座番号又はカード番号を含む。該当の有無を確認【要記入】"
                            : "該当する項目なし（確認すること）");
    put(d, "  - 第3号（不正の目的をもって行われたおそれ。1人でも報告対象）: %s\n",
        dl->purpose_unlawful ? "該当"
                             : (o->cause == AZK_IMPACT_CAUSE_UNKNOWN ? TODO : "該当しない"));
    put(d, "  - 第4号（本人の数が1,000人を超える）: %s（委託元横断の名寄せ後 %llu 人）\n",
        dl->over_1000 ? "該当" : "該当しない", (unsigned long long)r->persons);
    put(d, "- 報告の要否: %s\n",
        dl->reportable ? "報告対象事態に該当する"
                       : "azukari の把握する事実からは該当が確認できない（第1号等を確認すること"
                         "【要記入】）");
    if (dl->first_from[0] != '\0')
        put(d, "- 速報: 知った時から速やかに（概ね3〜5日以内。目安 %s〜%s）\n", dl->first_from,
            dl->first_to);
    else
        put(d, "- 速報: 知った時から速やかに（概ね3〜5日以内）\n");
    if (dl->final_date[0] != '\0')
        put(d,
            "- 確報: 知った日から%u日以内（知った日を1日目として算定）: %s まで%s"
            "（祝日に当たる場合は翌日【要確認】）\n",
            dl->final_days, dl->final_date,
            dl->final_shifted ? "（土日・年末年始のため繰り下げ）" : "");
    else
        put(d, "- 確報: 知った日から%u日以内: %s\n", dl->final_days, TODO);
    put(d, "- 本件は委託を受けた個人データである。委託先が委託元に通知したときは、委託先の"
           "報告義務は免除される（法第26条第1項ただし書）。委託元への通知の下書き: "
           "notice-client-<委託元>.md\n\n");
}

static azk_status write_ppc(const azk_impact_result *r, const azk_impact_report_options *o,
                            const azk_impact_deadlines *dl, const char *dir, azk_buf *mem)
{
    struct doc d;
    azk_status rc = doc_open(&d, dir, "report-ppc.md", mem);
    if (rc != AZK_OK)
        return rc;
    put(&d, "# 個人情報保護委員会への報告（速報・確報）の記載事項の下書き\n\n");
    put(&d,
        "> azukari impact が作成した下書き。azukari が把握する事実（件数・項目・データセット"
        "・日付）を記入済み。%s の箇所を補い、事実を確認のうえ報告すること。"
        "保存期限の判定基準日: %s\n\n",
        TODO, r->as_of);
    put_deadlines(&d, r, o, dl);
    put_facts(&d, r, NULL, o, dl);
    return doc_close(&d);
}

static azk_status write_client(const azk_impact_result *r, const azk_impact_client *c,
                               const azk_impact_report_options *o, const azk_impact_deadlines *dl,
                               const char *dir, azk_buf *mem)
{
    struct doc d;
    char name[200];
    azk_status rc;
    snprintf(name, sizeof(name), "notice-client-%s.md", c->client);
    rc = doc_open(&d, dir, name, mem);
    if (rc != AZK_OK)
        return rc;
    put(&d, "# 個人データの漏えい等に関するご報告（委託元への通知）の下書き\n\n");
    put(&d, "委託元: %s（%s） 御中\n\n", c->name[0] ? c->name : TODO, c->client);
    put(&d,
        "> 法第26条第1項ただし書による委託元への通知として、施行規則第8条第1項各号の事項を"
        "記載。%s の箇所を補うこと。保存期限の判定基準日: %s\n\n",
        TODO, r->as_of);
    if (dl->final_date[0])
        put(&d,
            "- 報告の期限（委託元が報告する場合）: 速報は知った時から速やかに（概ね3〜5日以内）、"
            "確報は%u日以内（%s まで）\n",
            dl->final_days, dl->final_date);
    else
        put(&d,
            "- 報告の期限（委託元が報告する場合）: 速報は知った時から速やかに（概ね3〜5日以内）、"
            "確報は%u日以内\n",
            dl->final_days);
    put(&d, "- 通知対象者一覧: %s\n\n",
        c->list_path != NULL
            ? "貴社の公開鍵で暗号化して別途お渡しする（azukari impact decrypt-list で復号）"
            : "貴社の公開鍵を受領後、暗号化してお渡しする" TODO);
    put_facts(&d, r, c->client, o, dl);
    return doc_close(&d);
}

static azk_status write_individual(const azk_impact_result *r, const azk_impact_report_options *o,
                                   const char *dir)
{
    struct doc d;
    azk_status rc = doc_open(&d, dir, "notice-individual.md", NULL);
    if (rc != AZK_OK)
        return rc;
    put(&d, "# 個人データの漏えい等に関するお知らせ（本人への通知）の下書き\n\n");
    put(&d,
        "> 施行規則第10条により本人に通知する事項（概要、項目、原因、二次被害又はその"
        "おそれの有無及びその内容、その他参考となる事項）のみを記載。通知は委託元が行う"
        "場合がある。%s の箇所を補うこと。\n\n",
        TODO);
    put(&d, "%s 様\n\n", TODO);
    put(&d, "## 1. 概要\n\n");
    put(&d,
        "%s（発生日・発覚の経緯・対象となった業務）。%s に、お客様の個人データが"
        "漏えいした、又は漏えいしたおそれがあることが判明しました。\n\n",
        TODO, o->known_date != NULL ? o->known_date : TODO);
    put(&d, "## 2. 漏えい等が発生し又は発生したおそれがある個人データの項目\n\n");
    put_items(&d, r->kinds);
    put(&d, "\n（お客様ごとの項目は、お預かりしていた情報により異なります。%s）\n\n", TODO);
    put(&d, "## 3. 原因\n\n%s。%s\n\n", cause_ja(o->cause), TODO);
    put(&d, "## 4. 二次被害又はそのおそれの有無及びその内容\n\n%s\n\n", TODO);
    put(&d, "## 5. その他参考となる事項\n\n");
    put(&d, "- お問い合わせ窓口: %s\n", TODO);
    put(&d, "- 不審な連絡へのご注意のお願い: %s\n", TODO);
    return doc_close(&d);
}

azk_status azk_impact_write_reports(const azk_impact_result *r,
                                    const azk_impact_report_options *o_in, const char *dir)
{
    static const azk_impact_report_options o_def = AZK_IMPACT_REPORT_OPTIONS_INIT;
    azk_impact_report_options o_v;
    const azk_impact_report_options *o = &o_v;
    azk_impact_report_options defo = AZK_IMPACT_REPORT_OPTIONS_INIT;
    azk_impact_deadlines dl;
    azk_status rc;

    if (azk__options_in(&o_v, sizeof(o_v), &o_def, o_in, false, "azk_impact_write_reports") !=
        AZK_OK)
        return azk_error_last()->code;
    AZK_ASSERT_ARG(r != NULL && dir != NULL);
    azk_error_clear();
    if (o == NULL)
        o = &defo;
    rc = azk_impact_deadlines_compute(r, o->known_date, o->cause, &dl);
    if (rc != AZK_OK)
        return rc;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return azk_error_errno("impact: create report directory");
    rc = write_ppc(r, o, &dl, dir, NULL);
    for (size_t i = 0; i < r->client_count && rc == AZK_OK; i++)
        rc = write_client(r, &r->clients[i], o, &dl, dir, NULL);
    if (rc == AZK_OK)
        rc = write_individual(r, o, dir);
    return rc;
}

azk_status azk_impact__draft_md(const azk_impact_result *r, const azk_impact_report_options *o,
                                const char *client, azk_buf *out)
{
    azk_impact_deadlines dl;
    azk_status rc;
    AZK_ASSERT_ARG(r != NULL && o != NULL && out != NULL);
    rc = azk_impact_deadlines_compute(r, o->known_date, o->cause, &dl);
    if (rc != AZK_OK)
        return rc;
    if (client == NULL)
        return write_ppc(r, o, &dl, NULL, out);
    for (size_t i = 0; i < r->client_count; i++)
        if (strcmp(r->clients[i].client, client) == 0)
            return write_client(r, &r->clients[i], o, &dl, NULL, out);
    return azk_error_set(AZK_ERR_NOTFOUND, "impact: no client %s in the result", client);
}
