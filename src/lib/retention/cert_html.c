/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/cert_html.c -- a deletion certificate (削除証明書) rendered as
 * printable Japanese HTML (azk_certificate_html): every field escaped, the
 * English evidence and method texts of the document shown through a
 * Japanese map (certificates issued before the keystore included). Issue
 * and verification are cert.c (shared: cert_int.h).
 */
#include "retention/ret_int.h"
#include "retention/identity.h"
#include "store/event.h"
#include "store/retention_state.h"
#include "azukari/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "retention/cert_int.h"

/* ---- HTML ------------------------------------------------------------------- */

static azk_status h_esc(azk_buf *b, const char *s)
{
    return s == NULL ? azk_buf_puts(b, "—") : azk_buf_put_html(b, s);
}

/* Japanese for the fixed English values of the document (free text stays as is). */
static const char *ja(const char *v)
{
    static const char *const map[][2] = {
        {"vault file", "保管庫の暗号化ファイル"},
        {"data key", "データ鍵（ラップ済み）"},
        {"fingerprints", "指紋（照合用ハッシュ）"},
        {"artifact", "派生ファイル"},
        {"overwritten+unlinked", "上書き（ゼロ・乱数）後に削除"},
        {"unlinked", "削除（上書きなし）"},
        {"already absent", "実施時に既に存在せず"},
        {"destroyed (cryptographic erase)", "破棄（暗号消去）"},
        {"deleted (secure_delete)", "削除（secure_delete）"},
        {FP_COPY_DISP, "削除（破棄した鍵で暗号化済み）"},
        {EVIDENCE,
         "ラップ済みデータ鍵をキーストア keys/keystore.db（カタログではなく、このホストの"
         "ローカル SQLite ファイル）から secure_delete で削除し、WAL を TRUNCATE でチェックポイ"
         "ント。鍵のバイト列が keys/keystore.db とその WAL に残っていないことを検索で確認。"
         "その鍵で暗号化された指紋はカタログから削除"},
        {EVIDENCE_V1, "ラップ済みデータ鍵を NULL 化し指紋行を secure_delete で削除、WAL を "
                      "TRUNCATE でチェックポイント。鍵のバイト列がカタログと WAL に残っていない"
                      "ことを検索で確認"},
        {"clean", "残存なし"},
        {"system", "システム時計"},
        {"drill (--now)", "訓練（--now 指定の時刻）"},
        {"Purge (cryptographic erase) + Clear (overwrite)", "Purge（暗号消去）＋ Clear（上書き）"},
    };
    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(v, map[i][0]) == 0)
            return map[i][1];
    return v;
}

/* One table row; the value is shown as given (numbers, free text). */
static azk_status row_raw(azk_buf *b, const char *label, const char *value)
{
    azk_status rc = azk_buf_printf(b, "<tr><th>%s</th><td>", label);
    if (rc == AZK_OK)
        rc = h_esc(b, value);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td></tr>\n");
    return rc;
}

/* One table row; fixed English values of the document shown in Japanese. */
static azk_status row(azk_buf *b, const char *label, const char *value)
{
    return row_raw(b, label, ja(value));
}

static azk_status row_int(azk_buf *b, const char *label, json_t *v)
{
    char n[32];
    if (!json_is_integer(v))
        return row_raw(b, label, NULL);
    (void)snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(v));
    return row_raw(b, label, n);
}

/* The certificate's print style (A4); azukari serve links it as a file, its
 * Content-Security-Policy forbids inline style. */
static const char cert_css[] =
    "@page { size: A4; margin: 18mm 16mm; }\n"
    "body { font-family: 'Noto Serif CJK JP','IPAexMincho','Hiragino Mincho ProN',serif;"
    " font-size: 10.5pt; color: #000; margin: 0 auto; max-width: 178mm; }\n"
    "h1 { text-align: center; font-size: 22pt; letter-spacing: 0.5em; margin: 4mm 0 2mm; }\n"
    ".sub { text-align: center; font-size: 9pt; margin-bottom: 6mm; }\n"
    "h2 { font-size: 11.5pt; border-bottom: 1.5px solid #000; margin: 5mm 0 2mm;"
    " break-after: avoid; }\n"
    "table { width: 100%; border-collapse: collapse; break-inside: auto; }\n"
    "th, td { border: 1px solid #555; padding: 1.2mm 2mm; vertical-align: top;"
    " text-align: left; }\n"
    "th { width: 34%; background: #f0f0f0; font-weight: normal; }\n"
    "tr { break-inside: avoid; }\n"
    ".mono { font-family: 'DejaVu Sans Mono',monospace; font-size: 8pt; word-break: break-all; }\n"
    ".late { color: #b00; font-weight: bold; }\n"
    ".sign { display: flex; gap: 8mm; margin-top: 8mm; }\n"
    ".sign div { flex: 1; border: 1px solid #555; height: 22mm; padding: 2mm; }\n"
    "@media screen { body { padding: 10mm; } }\n"
    ".small { font-size: 8.5pt; }\n";

const char *azk_ret__certificate_css(void)
{
    return cert_css;
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\n"
    "<title>削除証明書</title>\n<style>\n";
static const char html_head_end[] = "</style></head><body>\n";

azk_status azk_certificate_html(const char *json, size_t len, char **out)
{
    azk_status rc = AZK_OK;
    json_error_t jerr;
    json_t *doc, *c, *d, *m, *k, *sch, *pp, *v, *sw, *led, *copies, *sig;
    azk_buf b = AZK_BUF_INIT;
    char num[64];

    azk_error_clear();
    AZK_ASSERT_ARG(json != NULL && out != NULL);
    doc = json_loadb(json, len, 0, &jerr);
    c = json_object_get(doc, "certificate");
    if (!json_is_object(c)) {
        json_decref(doc);
        return azk_error_set(AZK_ERR_FORMAT, "not a certificate document");
    }
    d = json_object_get(c, "dataset");
    m = json_object_get(c, "method");
    k = json_object_get(c, "key");
    sch = json_object_get(c, "schedule");
    pp = json_object_get(c, "people");
    v = json_object_get(c, "verification");
    sw = json_object_get(v, "sweep");
    led = json_object_get(c, "ledger");
    copies = json_object_get(c, "copies");
    sig = json_object_get(doc, "signature");

    rc = azk_buf_puts(&b, html_head);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, cert_css);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, html_head_end);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "<h1>削除証明書</h1>\n<div class=\"sub\">Certificate of "
                              "Sanitization (NIST SP 800-88 Rev.1 準拠項目) — 証明書番号 ");
    if (rc == AZK_OK)
        rc = h_esc(&b, azk_cert__jstr(c, "certificate_id"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</div>\n<h2>1. 対象データ</h2><table>\n");
    if (rc == AZK_OK)
        rc = row(&b, "データセット", azk_cert__jstr(d, "id"));
    if (rc == AZK_OK)
        rc = row(&b, "委託元（クライアント）", azk_cert__jstr(d, "client"));
    if (rc == AZK_OK)
        rc = row(&b, "利用目的", azk_cert__jstr(d, "purpose"));
    if (rc == AZK_OK) {
        /* the received file's name is a personal value: its hash, also for a certificate
         * issued before certificates carried only the hash */
        char sh[AZK_CERT_SOURCE_HASH_LEN];
        const char *sv = azk_cert__jstr(d, "source_name_sha256");
        if (sv == NULL && azk_cert__jstr(d, "id") != NULL &&
            azk_cert__jstr(d, "source_name") != NULL &&
            azk_certificate_source_hash(azk_cert__jstr(d, "id"), azk_cert__jstr(d, "source_name"),
                                        sh) == AZK_OK)
            sv = sh;
        rc = row(&b, "受領ファイル名（SHA-256）", sv);
    }
    if (rc == AZK_OK)
        rc = row(&b, "受領日時", azk_cert__jstr(d, "received_at"));
    if (rc == AZK_OK)
        rc = row_int(&b, "レコード件数", json_object_get(d, "records"));
    if (rc == AZK_OK)
        rc = row(&b, "人数（名寄せ後）",
                 json_is_integer(json_object_get(c, "persons")) ? NULL : "未算定");
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</table>\n<h2>2. 消去方法</h2><table>\n");
    if (rc == AZK_OK)
        rc = row(&b, "消去区分", azk_cert__jstr(m, "sanitization"));
    if (rc == AZK_OK)
        rc =
            row(&b, "手法", "データ鍵の暗号消去（鍵の破棄）と、登録された全ファイルの上書き・削除");
    if (rc == AZK_OK) {
        (void)snprintf(num, sizeof(num), "%s %s",
                       azk_cert__jstr(m, "tool") != NULL ? azk_cert__jstr(m, "tool") : "?",
                       azk_cert__jstr(m, "tool_version") != NULL ? azk_cert__jstr(m, "tool_version")
                                                                 : "?");
        rc = row(&b, "使用ツール・版", num);
    }
    if (rc == AZK_OK)
        rc = row(&b, "鍵ID", azk_cert__jstr(k, "key_id"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "<tr><th>鍵のコミットメント</th><td class=\"mono\">");
    if (rc == AZK_OK)
        rc = h_esc(&b, azk_cert__jstr(k, "commitment"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</td></tr>\n");
    if (rc == AZK_OK)
        rc = row(&b, "鍵破棄の証跡", azk_cert__jstr(k, "evidence"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</table>\n<h2>3. 期限と実施日時</h2><table>\n");
    if (rc == AZK_OK)
        rc = row(&b, "保存期限", azk_cert__jstr(sch, "retain_until"));
    if (rc == AZK_OK)
        rc = row(&b, "削除実施日時 (UTC)", azk_cert__jstr(sch, "deleted_at"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<tr><th>期限遵守</th><td%s>%s</td></tr>\n",
                            json_is_true(json_object_get(sch, "late")) ? " class=\"late\"" : "",
                            json_is_true(json_object_get(sch, "late")) ? "期限超過（遅延削除）"
                                                                       : "期限内");
    if (rc == AZK_OK)
        rc = row(&b, "時刻の根拠", azk_cert__jstr(sch, "clock"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</table>\n<h2>4. 対象となった全ての複製・派生物</h2><table>\n"
                              "<tr><th>種別 / 場所</th><td>処分</td></tr>\n");
    for (size_t i = 0; rc == AZK_OK && i < json_array_size(copies); i++) {
        json_t *o = json_array_get(copies, i);
        rc = azk_buf_puts(&b, "<tr><th>");
        if (rc == AZK_OK)
            rc = h_esc(&b, ja(azk_cert__jstr(o, "kind")));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "<br><span class=\"mono\">");
        if (rc == AZK_OK)
            rc = h_esc(&b, azk_cert__jstr(o, "path"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</span></th><td>");
        if (rc == AZK_OK)
            rc = h_esc(&b, ja(azk_cert__jstr(o, "disposition")));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</td></tr>\n");
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</table>\n<h2>5. 検証（残存確認スイープ）</h2><table>\n");
    if (rc == AZK_OK)
        rc = row(&b, "検証方法",
                 "閉域・一般の両ゾーンの設定場所を、当該データセットの指紋"
                 "（委託レコードの完全一致照合）で走査");
    if (rc == AZK_OK)
        rc = row(&b, "結果", azk_cert__jstr(v, "result"));
    if (rc == AZK_OK) {
        json_t *arr[2] = {json_object_get(sw, "closed"), json_object_get(sw, "general")};
        static const char *const lab[2] = {"対象範囲（閉域）", "対象範囲（一般）"};
        for (int z = 0; z < 2 && rc == AZK_OK; z++) {
            azk_buf list = AZK_BUF_INIT;
            for (size_t i = 0; rc == AZK_OK && i < json_array_size(arr[z]); i++)
                rc = azk_buf_printf(&list, "%s%s", i > 0 ? ", " : "",
                                    json_string_value(json_array_get(arr[z], i)));
            if (rc == AZK_OK)
                rc = row(&b, lab[z], list.data != NULL ? (const char *)list.data : "（なし）");
            azk_buf_dispose(&list);
        }
    }
    if (rc == AZK_OK)
        rc = row_int(&b, "走査ファイル数", json_object_get(sw, "files"));
    if (rc == AZK_OK)
        rc = row_int(&b, "走査バイト数", json_object_get(sw, "bytes"));
    if (rc == AZK_OK)
        rc = row_int(&b, "読めなかった対象", json_object_get(sw, "errors"));
    if (rc == AZK_OK)
        rc = row_int(&b, "残存複製", json_object_get(sw, "residuals"));
    if (rc == AZK_OK)
        rc = row(&b, "走査日時 (UTC)", azk_cert__jstr(sw, "swept_at"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</table>\n<h2>6. 実施者・検証者</h2><table>\n");
    if (rc == AZK_OK)
        rc = row(&b, "実施者（オペレーター）", azk_cert__jstr(pp, "operator"));
    if (rc == AZK_OK)
        rc = row(&b, "検証者（別人）", azk_cert__jstr(pp, "verifier"));
    if (rc == AZK_OK)
        rc = row(&b, "発行日時 (UTC)", azk_cert__jstr(c, "issued_at"));
    if (rc == AZK_OK)
        rc = row(&b, "発行ホスト", azk_cert__jstr(json_object_get(c, "organization"), "host"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</table>\n<h2>7. 監査台帳と電子署名</h2><table>\n");
    if (rc == AZK_OK)
        rc = row_int(&b, "削除記録の台帳番号", json_object_get(led, "entry_index"));
    if (rc == AZK_OK)
        rc = row_int(&b, "チェックポイントの木のサイズ", json_object_get(led, "tree_size"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "<tr><th>台帳公開鍵</th><td class=\"mono\">");
    if (rc == AZK_OK)
        rc = h_esc(&b, azk_cert__jstr(led, "vkey"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</td></tr>\n<tr><th>証明書署名鍵 (Ed25519)</th><td class=\"mono\">");
    if (rc == AZK_OK)
        rc = h_esc(&b, azk_cert__jstr(sig, "key"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</td></tr>\n<tr><th>署名</th><td class=\"mono\">");
    if (rc == AZK_OK)
        rc = h_esc(&b, azk_cert__jstr(sig, "sig"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(
            &b, "</td></tr>\n</table>\n<p class=\"small\">この証明書の真正性は、"
                "電子版 (JSON) を <span class=\"mono\">azukari certificate verify FILE --pubkey "
                "PUBFILE</span> で、署名・台帳への包含証明・チェックポイント署名の順に"
                "オフラインで検証できます。印刷版は電子版の写しです。</p>\n"
                "<div class=\"sign\"><div>実施者 署名・印</div><div>検証者 署名・印</div>"
                "<div>委託元 確認欄</div></div>\n</body></html>\n");
    json_decref(doc);
    if (rc != AZK_OK) {
        azk_buf_dispose(&b);
        return rc;
    }
    *out = azk_buf_detach(&b);
    return AZK_OK;
}
