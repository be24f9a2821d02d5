#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gen_corpus.py -- synthetic file share with ground truth, for measuring
azukari scan's precision and recall (tests/e2e/test_quality.py), for the
bundled demo share (samples/) and for the throughput benchmark (bench/).

Profiles:
  quality  logs of a direct-mail production line, customer CSV/TSV, xlsx,
           docx, pptx, zip/tar/tar.gz/gz containers (nested too), in every
           encoding azukari decodes, with look-alike decoys; writes a
           ground-truth JSON listing each object's expected findings
           (type, line, form) and decoys (kind, line). No values are stored
           in the ground truth.
  samples  the same at a small scale, for samples/share.
  bench    --size bytes of mostly ordinary logs and CSV (UTF-8 and CP932)
           with a low density of personal data, built fast from pools of
           pre-encoded lines; ground truth is a summary only.

Everything is synthetic and a pure function of --seed (python3 stdlib
only). Usage:
  tools/gen_corpus.py --out DIR [--seed 1] [--profile quality] [--scale 1.0]
                      [--truth FILE] [--size 1G] [--verify]
"""

import argparse
import csv
import io
import json
import os
import random
import re
import sys
import tarfile
import unicodedata
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_formats as F  # noqa: E402
import gen_pii as P  # noqa: E402

TYPES = ["person_name", "address", "postal_code", "phone", "email", "birth_date",
         "my_number", "corporate_number", "bank_account", "credit_card"]

# half-width katakana, as banks and old systems write readings
_HALF = {}
for _c in range(0xFF66, 0xFF9E):
    _HALF[unicodedata.normalize("NFKC", chr(_c))] = chr(_c)
    for _s in "\uff9e\uff9f":
        _f = unicodedata.normalize("NFKC", chr(_c) + _s)
        if len(_f) == 1:
            _HALF[_f] = chr(_c) + _s
_HALF["ー"] = "\uff70"
_HALF["　"] = " "


def halfwidth_kana(s):
    return "".join(_HALF.get(c, c) for c in s)


# ---- filler text (never personal) ---------------------------------------------

FILLER = [
    "ジョブ開始 件数={n}",
    "印刷完了 ページ={n}/{m}",
    "封入機ライン{k}稼働 速度={n}通/時",
    "宛名ラベル出力 バッチ={n}",
    "差込データ読込 {n}件 エラー0件",
    "帳票テンプレート dm_letter_v{v} を使用",
    "用紙補充要求 トレイ{k}",
    "圧着ハガキ 面付け {k}面",
    "検品OK 区分={k} 通数={n}",
    "処理時間 {k}.{n}秒",
    "スプール送信 キュー=PRN{k} 残={n}",
    "バーコード照合 一致 {n}件",
    "DM発送予定 件数{n} 地区コード{k}",
    "再印刷依頼なし",
    "ファイル転送完了 サイズ={n}KB",
    "セッション終了 所要{k}分",
]
FILLER_EXT = [  # CP932 / Unicode only: NEC/IBM extension characters
    "㈱サンプル印刷 第{k}工場 ライン稼働",
    "工程①封入 ②圧着 ③発送 完了",
    "髙速プリンタ{k}号機 稼働率{k}0%",
    "№{n} ジョブ受付 ㈲見本商会",
    "印刷枚数 ⅩⅡ ロット{n}",
]
COMPANY = ["㈱サンプル商事", "株式会社見本物産", "サンプル工業株式会社", "例示ホールディングス"]
# bank branches named after places that are also surnames: not persons
BRANCHES = ["松本", "上野", "吉田", "大塚", "中島", "石川", "池田", "藤沢", "高田馬場", "新井"]

LEVELS = ["INFO"] * 6 + ["DEBUG", "WARN"]


class Doc:
    """Lines of one text object plus their annotations."""

    def __init__(self, enc):
        self.enc = enc
        self.lines = []
        self.expected = []
        self.decoys = []

    def add(self, text, exp=(), dec=()):
        n = len(self.lines) + 1
        self.lines.append(text)
        for t, form in exp:
            self.expected.append({"type": t, "line": n, "form": form})
        for kind, t in dec:
            self.decoys.append({"kind": kind, "type": t, "line": n})

    def text(self, nl="\n"):
        return nl.join(self.lines) + nl


class Gen:
    def __init__(self, seed, out):
        self.seed = seed
        self.r = random.Random(seed)
        self.p = P.Pii(self.r)
        self.out = out
        self.objects = []
        self.files = 0
        self.bytes = 0
        self.t = (1709251200 + self.r.randint(0, 86400 * 30)) * 1000
        self.person = None
        self.headerless = False
        # every planted value, kept in memory only (never written): lets a
        # test check that no output holds one
        self.values = set()
        for name in ("postal", "address", "phone", "email", "birth_date", "my_number",
                     "corporate_number", "bank_account", "credit_card"):
            setattr(self.p, name, self._recording(getattr(self.p, name)))
        # the contractor's own inquiry number: not personal, allow-listed
        self.company_phone = "03-%d%03d-%04d" % (self.r.randint(5, 6), self.r.randint(0, 999),
                                                 self.r.randint(0, 9999))

    # ---- small helpers ---------------------------------------------------
    def _recording(self, fn):
        def wrapped(*a, **kw):
            v = fn(*a, **kw)
            self.values.add(v[0] if isinstance(v, tuple) else v)
            return v
        return wrapped

    def ok(self, s, enc):
        return P.encodable(s, enc)

    def ts(self):
        import time
        self.t += self.r.randint(0, 7000)
        return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(self.t // 1000)) + ".%03d" % (self.t % 1000)

    def fill(self, tmpl):
        r = self.r
        return tmpl.format(n=r.randint(1, 9999), m=r.randint(100, 20000), k=r.randint(1, 9),
                           v="%d.%d" % (r.randint(1, 4), r.randint(0, 9)))

    def filler(self, enc):
        if enc in ("cp932", None) or enc.startswith("utf"):
            if self.r.random() < 0.15:
                return self.fill(self.r.choice(FILLER_EXT))
        return self.fill(self.r.choice(FILLER))

    # ---- PII segments: (text, [(type, form)]) ----------------------------
    def person_text(self, enc, kana=False, sep=None):
        """The current record's person (kanji and reading agree)."""
        if self.person is None or not self.ok("".join(self.person), enc):
            self.person = self.p.name(enc)
        f, g, kf, kg = self.person
        self.values.update((f + g, kf + kg))
        if sep is None:
            sep = self.r.choice([" ", "　", ""]) if not kana else self.r.choice([" ", "　"])
        return (kf + sep + kg) if kana else (f + sep + g)

    def seg_name(self, enc):
        r = self.r
        s = self.person_text(enc)
        lab = r.choice(["宛名={}様", "氏名:{}", "顧客名={} 様", "{}様宛", "受取人 {} 様", "name={}"])
        return lab.format(s), [("person_name", "kanji")]

    def seg_name_open(self, enc):
        """A common surname and a given name the lexicon does not list,
        after a strong label (issue 18 item 1)."""
        r = self.r
        gs = [g for g in P.unlisted_given() if self.ok(g, enc)]
        f = r.choice([x[0] for x in P.SURNAMES[:60] if self.ok(x[0], enc)])
        if not gs:
            return self.seg_name(enc)
        s = f + r.choice([" ", "　"]) + r.choice(gs)
        self.values.add(s.replace(" ", "").replace("　", ""))
        lab = r.choice(["宛名={} 様", "宛名:{}様", "代表者 {}", "契約者:{}", "名義={}", "受取人 {} 様",
                        "申込者:{}", "担当者 {} 様"])
        return lab.format(s), [("person_name", "open_given")]

    def seg_credit(self, enc):
        """A credit line: full name + e-mail address in angle brackets."""
        s = self.person_text(enc, sep=" ")
        e = self.p.email()
        return "%s <%s>" % (s, e), [("person_name", "credit_line"), ("email", "plain")]

    def seg_kana(self, enc):
        r = self.r
        s = self.person_text(enc, kana=True)
        form = "kana"
        if r.random() < 0.25:
            h = halfwidth_kana(s)
            if self.ok(h, enc):
                s, form = h, "kana_halfwidth"
        lab = r.choice(["カナ={}", "フリガナ:{}", "ﾌﾘｶﾞﾅ={}" if enc != "iso-2022-jp" else "カナ={}"])
        return lab.format(s), [("person_name", form)]

    def seg_postal(self, enc):
        r = self.r
        v, form = P.vary_digits(self.p.postal(), r, enc, 0.12, 0.1, 0.2)
        lab = r.choice(["〒{}", "〒{}", "郵便番号={}", "郵便番号:{}", "〒 {}", "zip={}"])
        return lab.format(v), [("postal_code", form)]

    def seg_address(self, enc):
        r = self.r
        a = self.p.address(enc)
        lab = r.choice(["住所={}", "送付先:{}", "住所:{}", "お届け先 {}", "addr={}"])
        return lab.format(a), [("address", "plain")]

    def phone_text(self, enc, nohyphen=0.15):
        r = self.r
        ph, kind = self.p.phone()
        if r.random() < 0.08 and kind in ("area2", "area3", "area4"):
            a, b, c = ph.split("-")
            return "%s(%s)%s" % (a, b, c), kind + "/paren"
        v, form = P.vary_digits(ph, r, enc, 0.12, 0.12, nohyphen)
        return v, kind + "/" + form

    def seg_phone(self, enc):
        v, form = self.phone_text(enc)
        lab = self.r.choice(["TEL:{}", "電話番号={}", "携帯 {}", "連絡先({})", "tel={}", "電話:{}"])
        return lab.format(v), [("phone", form)]

    def seg_email(self, enc):
        e = self.p.email()
        lab = self.r.choice(["mail={}", "メール:{}", "<{}>", "E-mail {}", "送信先={}"])
        return lab.format(e), [("email", "plain")]

    def seg_birth(self, enc):
        b, form = self.p.birth_date()
        lab = self.r.choice(["生年月日:{}", "生年月日={}", "誕生日 {}", "（生年月日）{}", "生年月日 {}生",
                             "birthday={}", "dob={}"])
        return lab.format(b), [("birth_date", form)]

    def seg_mynumber(self, enc):
        r = self.r
        m = self.p.my_number()
        f = r.random()
        if f < 0.5:
            v, form = m, "plain"
        elif f < 0.75:
            v, form = "%s %s %s" % (m[:4], m[4:8], m[8:]), "spaced"
        else:
            v, form = "%s-%s-%s" % (m[:4], m[4:8], m[8:]), "hyphen"
        if r.random() < 0.1 and self.ok(v.translate(P.FULLWIDTH), enc):
            v, form = v.translate(P.FULLWIDTH), "fullwidth"
        lab = r.choice(["個人番号:{}", "マイナンバー={}", "個人番号 {}", "mynumber={}"])
        return lab.format(v), [("my_number", form)]

    def seg_corp(self, enc):
        r = self.r
        c = self.p.corporate_number()
        co = r.choice([x for x in COMPANY if self.ok(x, enc)])
        k = r.random()
        if k < 0.5:
            lab = r.choice(["法人番号:{}", "法人番号={}", "（法人番号：{}）"])
            return co + " " + lab.format(c), [("corporate_number", "plain")]
        if k < 0.65:
            v = "%s-%s-%s-%s" % (c[0], c[1:5], c[5:9], c[9:])
            if r.random() < 0.5:
                v = "%s-%s-%s" % (c[:4], c[4:8], c[8:])
            return co + " 法人番号 " + v, [("corporate_number", "hyphen")]
        # qualified-invoice registration number: T + the corporate number
        v = r.choice(["T%s" % c, "T%s-%s-%s-%s" % (c[0], c[1:5], c[5:9], c[9:]),
                      "T %s" % c, "T-%s" % c])
        lab = r.choice(["登録番号 {}", "適格請求書発行事業者登録番号：{}", "インボイス登録番号={}",
                        "invoice_no={}"])
        return co + " " + lab.format(v), [("corporate_number", "invoice_T")]

    def seg_bank(self, enc):
        a = self.p.bank_account()
        r = self.r
        if r.random() < 0.35:
            lab = r.choice(["普通 {}", "当座 {}", "普通預金 {}", "貯蓄 {}", "口座=普通-{}",
                            "振込先 当座預金 {}", "account=普通 {}"])
            return lab.format(a), [("bank_account", "typed")]
        lab = r.choice(["口座番号:{}", "口座番号={}", "振込口座 普通 {}", "口座=普通預金 {}",
                        "口座番号 {}"])
        return lab.format(a), [("bank_account", "plain")]

    def seg_card(self, enc):
        r = self.r
        c, iss = self.p.credit_card()
        v, g = P.group_card(c, r)
        lab = r.choice(["カード番号:{}", "カード番号={}", "card={}", "クレジットカード {}"])
        return lab.format(v), [("credit_card", iss + "/" + g)]

    # ---- decoy segments: (text, [(kind, confusable type)]) ---------------
    def seg_decoy(self, enc):
        r, p = self.r, self.p
        k = r.randrange(24)
        if k == 18:
            return "名前 番号 アクション 説明", [("header_row", "person_name")]
        if k == 19:
            return "名前:目的:説明", [("label_chain", "person_name")]
        if k == 20:
            return r.choice(["コール・グラフ を表示", "ツール・バー から選ぶ", "メニュー・バー の設定"]), \
                [("katakana_compound", "person_name")]
        if k == 21:
            era = r.choice(["令和%d年%d月%d日" % (r.randint(1, 6), r.randint(1, 12), r.randint(1, 28)),
                            "平成%d年%d月%d日" % (r.randint(2, 30), r.randint(1, 12), r.randint(1, 28)),
                            "R%d.%d.%d" % (r.randint(1, 6), r.randint(1, 12), r.randint(1, 28))])
            lab = r.choice(["登録日", "最終購入日", "入会日", "更新日", "受付日", "契約日"])
            return "%s:%s" % (lab, era), [("other_date", "birth_date")]
        if k == 22:
            while True:
                c = self.p.digits(13, first_nonzero=True)
                if not P.corporate_valid(c):
                    break
            return "登録番号 T%s" % c, [("invoice_bad_check", "corporate_number")]
        if k == 23:
            return "普通郵便 %d通" % r.randint(1000, 99999), [("ordinary_mail", "bank_account")]
        if k == 16:
            co = r.choice([x for x in COMPANY if self.ok(x, enc)] + ["総務部", "お客様センター"])
            return "送付先 %s 御中" % co, [("company_onchu", "person_name")]
        if k == 17:
            return "振込先 サンプル銀行 %s支店" % r.choice(BRANCHES), [("bank_branch", "person_name")]
        if k == 0:
            return "発送日=2024/%02d/%02d" % (r.randint(1, 12), r.randint(1, 28)), [("ship_date", "birth_date")]
        if k == 1:
            return "処理日 令和6年%d月%d日" % (r.randint(1, 12), r.randint(1, 28)), [("process_date", "birth_date")]
        if k == 2:
            return "個人番号:" + p.my_number(valid=False), [("my_number_bad_check", "my_number")]
        if k == 3:
            return "法人番号:" + p.corporate_number(valid=False), [("corporate_bad_check", "corporate_number")]
        if k == 4:
            c, _ = p.credit_card(valid=False)
            return "カード番号:" + P.group_card(c, r)[0], [("card_bad_luhn", "credit_card")]
        if k == 5:
            return "JAN=" + p.jan_code(), [("jan_barcode", "corporate_number")]
        if k == 6:
            return "品番 %s-%04d-%04d" % (r.choice(["AB", "KX", "PN"]), r.randint(0, 9999), r.randint(0, 9999)), [("part_number", "phone")]
        if k == 7:
            return "ver %d.%d.%d.%d" % (r.randint(1, 9), r.randint(0, 20), r.randint(0, 99), r.randint(0, 9999)), [("version", "phone")]
        if k == 8:
            return "client=192.168.%d.%d" % (r.randint(0, 255), r.randint(1, 254)), [("ip_address", "phone")]
        if k == 9:
            while True:
                o = "2024%02d%02d%05d" % (r.randint(1, 12), r.randint(1, 28), r.randint(0, 99999))
                if not P.corporate_valid(o):
                    break
            return "注文番号 " + o, [("order_number", "corporate_number")]
        if k == 10:
            return "中央区の配送センターへ出荷予定", [("ward_in_sentence", "address")]
        if k == 11:
            return "シリアル " + p.serial12(), [("serial12", "my_number")]
        if k == 12:
            t = p.tracking16()
            return "追跡番号 %s-%s-%s-%s" % (t[:4], t[4:8], t[8:12], t[12:]), [("tracking16", "credit_card")]
        if k == 13:
            return "請求金額 %s円" % format(r.randint(1000, 9999999), ","), [("amount", "bank_account")]
        if k == 14:
            return "有効期限 %04d-%02d-%02d" % (r.randint(2025, 2030), r.randint(1, 12), r.randint(1, 28)), [("expiry_date", "birth_date")]
        return "東京都内の営業所から発送", [("prefecture_in_sentence", "address")]

    RECORD_KINDS = [
        (("name", "postal", "address"), 4),
        (("name", "kana", "postal", "address"), 2),
        (("name", "phone", "email"), 3),
        (("name", "birth"), 2),
        (("name", "bank"), 2),
        (("name", "card"), 1),
        (("name", "mynumber"), 1),
        (("corp",), 1),
        (("phone",), 1),
        (("email",), 1),
        (("kana", "phone"), 1),
        (("name", "postal", "address", "phone", "birth"), 1),
        (("name_open", "postal", "address"), 2),
        (("credit",), 1),
        (("name", "bank"), 1),
    ]

    def pii_line(self, enc):
        r = self.r
        kinds = r.choices([k for k, _ in self.RECORD_KINDS], [w for _, w in self.RECORD_KINDS])[0]
        self.person = None
        segs, exp = [], []
        for k in kinds:
            s, e = getattr(self, "seg_" + k)(enc)
            segs.append(s)
            exp += e
        sep = r.choice([" ", " ", ", ", "\t", " | "])
        head = r.choice(["宛名印字 seq=%06d" % r.randint(1, 999999), "差込レコード #%d" % r.randint(1, 99999),
                         "WARN 住所不備チェック", "照合結果", "出力", "DEBUG record="])
        return head + " " + sep.join(segs), exp

    def log_doc(self, enc, n, pii_rate=0.4, decoy_rate=0.25):
        r = self.r
        d = Doc(enc)
        job = "DM%02d%02d-%04d" % (r.randint(23, 24), r.randint(1, 12), r.randint(1, 9999))
        for _ in range(n):
            for _attempt in range(30):
                exp, dec = [], []
                pre = "%s %-5s [job=%s] " % (self.ts(), r.choice(LEVELS), job)
                if r.random() < pii_rate:
                    body, exp = self.pii_line(enc)
                elif r.random() < 0.04:
                    body = "お問い合わせ先 サンプル印刷 お客様センター TEL " + self.company_phone
                    dec = [("company_phone_allowlisted", "phone")]
                else:
                    body = self.filler(enc)
                if r.random() < decoy_rate:
                    s, dd = self.seg_decoy(enc)
                    body += " " + s
                    dec = dec + dd
                line = pre + body
                if self.ok(line, enc):
                    break
            else:
                raise RuntimeError("cannot build an encodable line for " + enc)
            d.add(line, exp, dec)
        return d

    def json_log_doc(self, n, pii_rate=0.5):
        """An application log in JSON Lines (UTF-8), customer fields under
        English keys."""
        r, p = self.r, self.p
        d = Doc("utf-8")
        keys = ["name", "kana", "zip", "address", "tel", "email", "birthday"]
        for _ in range(n):
            ev = {"ts": self.ts(), "level": r.choice(["info", "info", "info", "warn"]),
                  "job": "DM%04d" % r.randint(1, 9999)}
            exp, dec = [], []
            if r.random() < pii_rate:
                self.person = None
                pick = set(r.sample(keys, r.randint(2, 5)))
                cust = {"id": "%08d" % r.randint(1, 99999999)}
                for k in keys:
                    if k not in pick:
                        continue
                    if k == "name":
                        cust[k] = self.person_text(None, sep=r.choice([" ", "　", ""]))
                        exp.append(("person_name", "kanji"))
                    elif k == "kana":
                        cust[k] = self.person_text(None, kana=True)
                        exp.append(("person_name", "kana"))
                    elif k == "zip":
                        v, f = P.vary_digits(p.postal(), r, None, 0.05, 0.05, 0.3)
                        cust[k] = v
                        exp.append(("postal_code", f))
                    elif k == "address":
                        cust[k] = p.address()
                        exp.append(("address", "plain"))
                    elif k == "tel":
                        v, f = self.phone_text(None, nohyphen=0.3)
                        cust[k] = v
                        exp.append(("phone", f))
                    elif k == "email":
                        cust[k] = p.email()
                        exp.append(("email", "plain"))
                    else:
                        v, f = p.birth_date()
                        cust[k] = v
                        exp.append(("birth_date", f))
                ev["event"] = r.choice(["print_label", "address_check", "dm_sent"])
                ev["customer"] = cust
            else:
                ev["event"] = r.choice(["job_start", "page_done", "spool", "job_end"])
                ev["count"] = r.randint(1, 9999)
                if r.random() < 0.4:
                    s, dec = self.seg_decoy("utf-8")
                    ev["note"] = s
            d.add(json.dumps(ev, ensure_ascii=False), exp, dec)
        return d

    # ---- tabular -----------------------------------------------------------
    COLUMNS = {
        "顧客番号": None, "氏名": "person_name", "フリガナ": "person_name", "郵便番号": "postal_code",
        "住所": "address", "電話番号": "phone", "生年月日": "birth_date", "メール": "email",
        "口座番号": "bank_account", "個人番号": "my_number", "カード番号": "credit_card",
        "発送日": None, "数量": None, "備考": None, "登録日": None, "契約日": None,
    }

    def cell(self, col, enc):
        """(text, [(type, form)], [(decoy kind, type)])"""
        r, p = self.r, self.p
        if col == "顧客番号":
            return "%08d" % r.randint(1, 99999999), [], [("customer_id", "bank_account")]
        if col == "氏名":
            return self.person_text(enc, sep=r.choice([" ", "　"])), [("person_name", "kanji")], []
        if col == "フリガナ":
            s = self.person_text(enc, kana=True)
            if r.random() < 0.2 and self.ok(halfwidth_kana(s), enc):
                return halfwidth_kana(s), [("person_name", "kana_halfwidth")], []
            return s, [("person_name", "kana")], []
        if col == "郵便番号":
            v, f = P.vary_digits(p.postal(), r, enc, 0.1, 0.05, 0.0 if self.headerless else 0.3)
            return v, [("postal_code", f)], []
        if col == "住所":
            return p.address(enc), [("address", "plain")], []
        if col == "電話番号":
            v, f = self.phone_text(enc, nohyphen=0.0 if self.headerless else 0.3)
            return v, [("phone", f)], []
        if col == "生年月日":
            b, f = p.birth_date()
            return b, [("birth_date", f)], []
        if col == "メール":
            return p.email(), [("email", "plain")], []
        if col == "口座番号":
            return p.bank_account(), [("bank_account", "plain")], []
        if col == "個人番号":
            return p.my_number(), [("my_number", "plain")], []
        if col == "カード番号":
            c, iss = p.credit_card()
            v, g = P.group_card(c, r)
            return v, [("credit_card", iss + "/" + g)], []
        if col == "発送日":
            return "2024/%02d/%02d" % (r.randint(1, 12), r.randint(1, 28)), [], [("ship_date", "birth_date")]
        if col in ("登録日", "契約日"):
            # another date than the birth date, in every era form (issue 18 item 3)
            y = r.randint(1990, 2024)
            d = "%d/%02d/%02d" % (y, r.randint(1, 12), r.randint(1, 28))
            if y >= 2020:
                d = r.choice(["令和%d年%d月%d日" % (y - 2018, r.randint(1, 12), r.randint(1, 28)),
                              "R%d.%d.%d" % (y - 2018, r.randint(1, 12), r.randint(1, 28))])
            elif y >= 1990:
                d = r.choice(["平成%d年%d月%d日" % (y - 1988, r.randint(1, 12), r.randint(1, 28)),
                              "H%d.%d.%d" % (y - 1988, r.randint(1, 12), r.randint(1, 28)), d])
            return d, [], [("other_date_column", "birth_date")]
        if col == "数量":
            return str(r.randint(1, 9999999)), [], [("quantity", "bank_account")]
        if col == "備考":
            if r.random() < 0.3:
                s, dec = self.seg_decoy(enc)
                if self.ok(s, enc):
                    return s, [], dec
            return r.choice(["", "再送", "転居確認済", "DM不要", "至急"]), [], []
        raise KeyError(col)

    def table(self, enc, cols, n, header=True):
        """Header + n rows; returns (rows, Doc) with line = row number incl. header.
        header=False: print data without a header row (values only, in
        forms recognisable without column context)."""
        d = Doc(enc)
        rows = []
        self.headerless = not header
        if header:
            rows.append(list(cols))
            d.add("header")
        for _ in range(n):
            row, exp, dec = [], [], []
            self.person = None
            for c in cols:
                for _attempt in range(30):
                    v, e, dd = self.cell(c, enc)
                    if self.ok(v, enc):
                        break
                row.append(v)
                exp += e
                dec += dd
            rows.append(row)
            d.add("row", exp, dec)
        self.headerless = False
        return rows, d

    def csv_text(self, rows, delim=",", quote_all=False):
        bio = io.StringIO()
        w = csv.writer(bio, delimiter=delim, lineterminator="\r\n",
                       quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
        for row in rows:
            w.writerow(row)
        return bio.getvalue()

    def pick_cols(self):
        r = self.r
        base = ["顧客番号", "氏名", "フリガナ", "郵便番号", "住所", "電話番号", "生年月日", "メール", "口座番号"]
        extra = r.sample(["個人番号", "カード番号", "発送日", "数量", "備考", "登録日", "契約日"],
                         r.randint(1, 3))
        cols = base[:1] + [c for c in base[1:] if r.random() < 0.85] + extra
        return cols

    # ---- office --------------------------------------------------------------
    def letter(self, enc=None):
        """docx paragraphs as a Doc (a paragraph per line)."""
        r, p = self.r, self.p
        d = Doc(enc)
        d.add("〒" + p.postal(), [("postal_code", "plain")])
        d.add(p.address(enc), [("address", "plain")])
        self.person = None
        d.add(self.person_text(enc, sep=" ") + " 様", [("person_name", "kanji")])
        d.add("")
        d.add("拝啓 平素より格別のお引き立てを賜り、厚く御礼申し上げます。")
        d.add("このたびはご利用明細をお送りいたします。")
        s, dec = self.seg_decoy(enc)
        d.add("ご案内番号 %d / %s" % (r.randint(1, 99999), s), (), dec)
        for k in r.sample(["phone", "email", "birth", "bank", "card", "mynumber"], 3):
            t, e = getattr(self, "seg_" + k)(enc)
            d.add("ご登録内容 " + t, e)
        d.add("敬具")
        d.add("㈱サンプル印刷 お客様センター")
        return d

    def slides(self):
        r = self.r
        slides, d = [], Doc(None)
        for i in range(r.randint(2, 4)):
            paras = ["DM発送計画 第%d回" % (i + 1)]
            d.add(paras[-1])
            for _ in range(r.randint(2, 4)):
                if r.random() < 0.6:
                    k = r.choice(["name", "phone", "email", "postal", "address"])
                    t, e = getattr(self, "seg_" + k)(None)
                    paras.append("担当 " + t)
                    d.add(paras[-1], e)
                else:
                    t, dec = self.seg_decoy(None)
                    paras.append(t)
                    d.add(t, (), dec)
            slides.append(paras)
        return slides, d

    # ---- emitting -----------------------------------------------------------------
    def register(self, path, member, fmt, enc, doc, line_exact=True):
        self.objects.append({
            "path": path, "member": member, "format": fmt,
            "encoding": F.canonical_encoding(enc) if enc else None,
            "encoding_label": enc, "line_exact": line_exact,
            "expected": doc.expected, "decoys": doc.decoys,
        })

    def write(self, rel, data):
        full = os.path.join(self.out, rel)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        with open(full, "wb") as f:
            f.write(data)
        self.files += 1
        self.bytes += len(data)

    def make_log(self, enc, n, **kw):
        d = self.log_doc(enc, n, **kw)
        nl = "\r\n" if enc in ("cp932", "utf-16le") and self.r.random() < 0.5 else "\n"
        return F.encode_text(d.text(nl), enc), d

    def make_csv(self, enc, n, delim=","):
        rows, d = self.table(enc, self.pick_cols(), n)
        txt = self.csv_text(rows, delim, quote_all=self.r.random() < 0.3)
        return F.encode_text(txt, enc), d

    # ---- profiles --------------------------------------------------------------------
    def quality(self, scale=1.0):
        r = self.r
        S = lambda x: max(1, int(round(x * scale)))  # noqa: E731
        encs = list(F.ENCODINGS)
        # 1. production logs, every encoding
        for enc in encs:
            for i in range(S(3)):
                data, d = self.make_log(enc, S(150))
                rel = "logs/%s/dm_print_%02d.log" % (enc, i + 1)
                self.write(rel, data)
                self.register(rel, [], "text", enc, d)
        # 2. customer lists
        kinds = [("cp932", ",", "csv"), ("cp932", ",", "csv"), ("utf-8", ",", "csv"),
                 ("utf-8-bom", ",", "csv"), ("utf-8", "\t", "tsv"), ("cp932", "\t", "tsv"),
                 ("euc-jp", ",", "csv"), ("utf-16le", "\t", "txt")]
        for k, (enc, delim, ext) in enumerate(kinds):
            for i in range(S(1)):
                data, d = self.make_csv(enc, S(60), delim)
                rel = "customers/list%02d_%s_%02d.%s" % (k + 1, enc, i + 1, ext)
                self.write(rel, data)
                self.register(rel, [], "tsv" if delim == "\t" else "csv", enc, d)
        # print data without a header row
        for k, enc in enumerate(["cp932", "utf-8"]):
            rows, d = self.table(enc, ["氏名", "フリガナ", "郵便番号", "住所", "電話番号", "メール"],
                                 S(50), header=False)
            rel = "print_data/sashikomi_%02d_%s.csv" % (k + 1, enc)
            self.write(rel, F.encode_text(self.csv_text(rows), enc))
            self.register(rel, [], "csv", enc, d)
        # application logs in JSON Lines
        for i in range(S(2)):
            d = self.json_log_doc(S(120))
            rel = "logs/app/print_api_%02d.jsonl" % (i + 1)
            self.write(rel, F.encode_text(d.text(), "utf-8"))
            self.register(rel, [], "text", "utf-8", d)
        # 3. office documents
        for i in range(S(2)):
            cols = self.pick_cols()
            rows, d = self.table(None, cols, S(40))
            numeric = {j for j, c in enumerate(cols) if c in ("口座番号", "数量", "顧客番号")}
            rel = "office/顧客台帳_%02d.xlsx" % (i + 1)
            self.write(rel, F.xlsx_bytes(rows, "顧客一覧", numeric))
            self.register(rel, [], "xlsx", None, d)
        for i in range(S(3)):
            d = self.letter()
            rel = "office/送付状_%02d.docx" % (i + 1)
            self.write(rel, F.docx_bytes(d.lines))
            self.register(rel, [], "docx", None, d, line_exact=False)
        for i in range(S(2)):
            sl, d = self.slides()
            rel = "office/発送計画_%02d.pptx" % (i + 1)
            self.write(rel, F.pptx_bytes(sl))
            self.register(rel, [], "pptx", None, d, line_exact=False)
        # 4. containers
        for i in range(S(2)):
            rel = "archive/job%04d.zip" % r.randint(1000, 9999)
            members = []
            for j, enc in enumerate(r.sample(["cp932", "utf-8", "euc-jp", "utf-16le"], 3)):
                data, d = self.make_log(enc, S(80))
                name = "logs/print_%d.log" % (j + 1)
                members.append((name, data))
                self.register(rel, [name], "text", enc, d)
            data, d = self.make_csv("cp932", S(40))
            members.append(("宛名リスト.csv", data))
            self.register(rel, ["宛名リスト.csv"], "csv", "cp932", d)
            self.write(rel, F.zip_bytes(members))
        # nested: outer.zip -> inner.zip -> log, plus a csv beside it
        rel = "archive/backup_nested.zip"
        data, d = self.make_log("utf-8", S(60))
        self.register(rel, ["old/inner.zip", "print.log"], "text", "utf-8", d)
        inner = F.zip_bytes([("print.log", data)])
        data2, d2 = self.make_csv("utf-8", S(30))
        self.register(rel, ["customers.csv"], "csv", "utf-8", d2)
        self.write(rel, F.zip_bytes([("old/inner.zip", inner), ("customers.csv", data2)]))
        # tar, tar.gz (the gzip layer may or may not be reported: None = optional)
        for gz in (False, True):
            rel = "archive/logs_2023.tar" + (".gz" if gz else "")
            members = []
            for j, enc in enumerate(["cp932", "utf-8"]):
                data, d = self.make_log(enc, S(60))
                name = "2023/print_%d.log" % (j + 1)
                members.append((name, data))
                self.register(rel, ([None] if gz else []) + [name], "text", enc, d)
            self.write(rel, F.tar_bytes(members, gz=gz))
        rel = "archive/print_old.log.gz"
        data, d = self.make_log("cp932", S(80))
        self.register(rel, [None], "text", "cp932", d)
        self.write(rel, F.gzip_bytes(data))
        # 5. decoy-only files
        for i, enc in enumerate(["utf-8", "cp932"]):
            data, d = self.make_log(enc, S(120), pii_rate=0.0, decoy_rate=0.8)
            rel = "system/app_%s.log" % enc
            self.write(rel, data)
            self.register(rel, [], "text", enc, d)
        rows, d = self.inventory(S(80))
        rel = "system/在庫一覧.csv"
        self.write(rel, F.encode_text(self.csv_text(rows), "cp932"))
        self.register(rel, [], "csv", "cp932", d)

    def inventory(self, n):
        r, p = self.r, self.p
        d = Doc("cp932")
        rows = [["品番", "JANコード", "品名", "数量", "入荷日", "単価"]]
        d.add("header")
        for _ in range(n):
            rows.append(["%s-%04d-%04d" % (r.choice(["AB", "KX"]), r.randint(0, 9999), r.randint(0, 9999)),
                         p.jan_code(), r.choice(["封筒A4", "圧着ハガキ", "トナー", "ラベル紙"]),
                         str(r.randint(1, 9999999)),
                         "2024/%02d/%02d" % (r.randint(1, 12), r.randint(1, 28)),
                         str(r.randint(10, 99999))])
            d.add("row", (), [("part_number", "phone"), ("jan_barcode", "corporate_number"),
                              ("quantity", "bank_account"), ("arrival_date", "birth_date")])
        return rows, d

    def samples(self):
        """A small demo share for samples/share (< 2 MB)."""
        for enc, rel in [("cp932", "営業部/DM発送ログ/dm_print_20240301.log"),
                         ("utf-8", "営業部/DM発送ログ/dm_print_20240302.log"),
                         ("euc-jp", "旧システム/print_legacy.log")]:
            data, d = self.make_log(enc, 60)
            self.write(rel, data)
            self.register(rel, [], "text", enc, d)
        data, d = self.make_csv("cp932", 30)
        rel = "営業部/顧客リスト_2023.csv"
        self.write(rel, data)
        self.register(rel, [], "csv", "cp932", d)
        cols = self.pick_cols()
        rows, d = self.table(None, cols, 20)
        rel = "営業部/顧客台帳.xlsx"
        self.write(rel, F.xlsx_bytes(rows, "顧客一覧"))
        self.register(rel, [], "xlsx", None, d)
        d = self.letter()
        rel = "総務/送付状.docx"
        self.write(rel, F.docx_bytes(d.lines))
        self.register(rel, [], "docx", None, d, line_exact=False)
        rel = "共有/old/job2309.zip"
        data, d = self.make_log("cp932", 40)
        self.register(rel, ["logs/print.log"], "text", "cp932", d)
        data2, d2 = self.make_csv("utf-8", 15)
        self.register(rel, ["宛名リスト.csv"], "csv", "utf-8", d2)
        self.write(rel, F.zip_bytes([("logs/print.log", data), ("宛名リスト.csv", data2)]))
        rows, d = self.table("cp932", ["氏名", "フリガナ", "郵便番号", "住所", "電話番号"], 25,
                             header=False)
        rel = "営業部/DM発送ログ/差込データ_20240301.csv"
        self.write(rel, F.encode_text(self.csv_text(rows), "cp932"))
        self.register(rel, [], "csv", "cp932", d)
        data, d = self.make_log("utf-8", 50, pii_rate=0.0, decoy_rate=0.8)
        rel = "システム/app.log"
        self.write(rel, data)
        self.register(rel, [], "text", "utf-8", d)

    # ---- bench: fast, low density --------------------------------------------------------
    def bench(self, size, pii_rate=0.02):
        r = self.r
        pools = {}
        for enc in ("utf-8", "cp932"):
            fill, pii = [], []
            for _ in range(4000):
                d = self.log_doc(enc, 1, pii_rate=0.0, decoy_rate=0.2)
                fill.append(F.encode_text(d.lines[0] + "\n", enc))
            for _ in range(800):
                d = self.log_doc(enc, 1, pii_rate=1.0, decoy_rate=0.0)
                pii.append(F.encode_text(d.lines[0] + "\n", enc))
            rows, _d = self.table(enc, ["顧客番号", "氏名", "郵便番号", "住所", "電話番号", "メール"], 800)
            csvpii = [F.encode_text(x, enc) for x in self.csv_text(rows[1:]).splitlines(True)]
            csvhdr = F.encode_text(self.csv_text(rows[:1]), enc)
            inv, _d = self.inventory(2000)
            csvfill = [F.encode_text(x, enc) for x in self.csv_text(inv[1:]).splitlines(True)]
            pools[enc] = (fill, pii, csvfill, csvpii, csvhdr)
        written, i = 0, 0
        while written < size:
            enc = "utf-8" if r.random() < 0.6 else "cp932"
            fill, pii, csvfill, csvpii, csvhdr = pools[enc]
            fsize = min(size - written, r.choice([64 << 10, 512 << 10, 4 << 20, 16 << 20]))
            is_csv = r.random() < 0.3
            src_f, src_p = (csvfill, csvpii) if is_csv else (fill, pii)
            avg = sum(len(x) for x in src_f[:200]) / 200
            n = max(1, int(fsize / avg))
            npii = int(n * pii_rate)
            lines = r.choices(src_f, k=n - npii) + r.choices(src_p, k=npii)
            r.shuffle(lines)
            data = (csvhdr if is_csv else b"") + b"".join(lines)
            rel = "bench/%02d/%s_%05d.%s" % (i % 50, enc, i, "csv" if is_csv else "log")
            self.write(rel, data)
            written += len(data)
            i += 1

    def truth(self, profile, scale):
        objs = sorted(self.objects, key=lambda o: (o["path"], [m or "" for m in o["member"]]))
        tot = {}
        for o in objs:
            for e in o["expected"]:
                tot[e["type"]] = tot.get(e["type"], 0) + 1
        return {
            "generator": "tools/gen_corpus.py", "version": 1, "seed": self.seed,
            "profile": profile, "scale": scale, "files": self.files, "bytes": self.bytes,
            "expected_by_type": dict(sorted(tot.items())),
            "decoys": sum(len(o["decoys"]) for o in objs),
            "allow_values": [self.company_phone],
            "matching": "a reported finding is a true positive when an unused expected finding of "
                        "the same type exists on the same line (line_exact) or anywhere "
                        "(not line_exact) of the same object; member null = optional layer",
            "objects": objs,
        }


# ---- verification (no scanner needed) ---------------------------------------------

_DIGITS = re.compile(r"[0-9][0-9 \-]*[0-9]")


def _object_bytes(root, obj):
    """Bytes of one ground-truth object, unwrapping its containers."""
    with open(os.path.join(root, obj["path"]), "rb") as f:
        data = f.read()
    chain = list(obj["member"])
    import gzip
    while chain:
        m = chain.pop(0)
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
            if m is None:
                continue
        if data[:4] == b"PK\x03\x04":
            with zipfile.ZipFile(io.BytesIO(data)) as z:
                if z.testzip() is not None:
                    raise ValueError("zip CRC error in " + obj["path"])
                data = z.read(m)
        elif len(data) > 262 and data[257:262] == b"ustar":
            with tarfile.open(fileobj=io.BytesIO(data)) as t:
                data = t.extractfile(m).read()
        elif m is not None:
            raise ValueError("cannot open member %s of %s" % (m, obj["path"]))
    return data


def _object_lines(root, obj):
    data = _object_bytes(root, obj)
    fmt = obj["format"]
    if fmt in ("xlsx", "docx", "pptx"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            if z.testzip() is not None:
                raise ValueError("bad office zip")
            import xml.dom.minidom as md
            if fmt == "xlsx":
                ss = [si.getElementsByTagName("t")[0].firstChild.data if si.getElementsByTagName("t")[0].firstChild else ""
                      for si in md.parseString(z.read("xl/sharedStrings.xml")).getElementsByTagName("si")]
                rows = []
                for row in md.parseString(z.read("xl/worksheets/sheet1.xml")).getElementsByTagName("row"):
                    cells = []
                    for c in row.getElementsByTagName("c"):
                        v = c.getElementsByTagName("v")[0].firstChild.data
                        cells.append(ss[int(v)] if c.getAttribute("t") == "s" else v)
                    rows.append("\t".join(cells))
                return rows
            if fmt == "docx":
                doc = md.parseString(z.read("word/document.xml"))
                return ["".join(t.firstChild.data if t.firstChild else "" for t in p.getElementsByTagName("w:t"))
                        for p in doc.getElementsByTagName("w:p")]
            lines = []
            for n in sorted(x for x in z.namelist() if x.startswith("ppt/slides/slide")):
                doc = md.parseString(z.read(n))
                lines += ["".join(t.firstChild.data for t in p.getElementsByTagName("a:t"))
                          for p in doc.getElementsByTagName("a:p")]
            return lines
    codec, bom = F.ENCODINGS[obj["encoding_label"]]
    if bom and not data.startswith(bom):
        raise ValueError("missing BOM")
    text = data[len(bom):].decode(codec)  # strict: raises on any invalid byte
    if obj["encoding_label"] not in ("utf-8", "utf-8-bom") and not any(ord(c) > 127 for c in text):
        raise ValueError("no non-ASCII text: encoding not identifiable")
    return text.replace("\r\n", "\n").split("\n")


def verify(root, truth):
    """Re-read every object: strict decoding, container integrity, line numbers
    in range, and the check digits of every planted number. Returns a list of
    problems (empty = fine)."""
    problems = []
    for obj in truth["objects"]:
        where = "%s %s" % (obj["path"], obj["member"])
        try:
            lines = _object_lines(root, obj)
        except Exception as e:  # noqa: BLE001 - report any failure
            problems.append("%s: %s" % (where, e))
            continue
        for e in obj["expected"]:
            if e["line"] > len(lines):
                problems.append("%s: line %d out of range" % (where, e["line"]))
                continue
            t = e["type"]
            if t not in TYPES:
                problems.append("%s: unknown type %s" % (where, t))
            if obj["line_exact"] and t in ("my_number", "corporate_number", "credit_card"):
                line = unicodedata.normalize("NFKC", lines[e["line"] - 1])
                runs = [re.sub(r"[ \-]", "", m) for m in _DIGITS.findall(line)]
                check = {"my_number": P.my_number_valid, "corporate_number": P.corporate_valid,
                         "credit_card": lambda s: 14 <= len(s) <= 16 and P.luhn_ok(s)}[t]
                if not any(check(x) for x in runs):
                    problems.append("%s line %d: no valid %s" % (where, e["line"], t))
        for dcy in obj["decoys"]:
            if obj["line_exact"] and dcy["type"] in ("my_number", "corporate_number", "credit_card"):
                line = unicodedata.normalize("NFKC", lines[dcy["line"] - 1])
                bad = [e for e in obj["expected"] if e["line"] == dcy["line"] and e["type"] == dcy["type"]]
                runs = [re.sub(r"[ \-]", "", m) for m in _DIGITS.findall(line)]
                check = {"my_number": P.my_number_valid, "corporate_number": P.corporate_valid,
                         "credit_card": lambda s: 14 <= len(s) <= 16 and P.luhn_ok(s)}[dcy["type"]]
                if not bad and any(check(x) for x in runs):
                    problems.append("%s line %d: decoy %s validates" % (where, dcy["line"], dcy["kind"]))
    return problems


def parse_size(s):
    m = re.fullmatch(r"(\d+)([KMG]?)", s.strip().upper())
    if not m:
        raise argparse.ArgumentTypeError("size like 500M or 1G")
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30}[m.group(2)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="directory to write the share into")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--profile", choices=["quality", "samples", "bench"], default="quality")
    ap.add_argument("--scale", type=float, default=1.0, help="quality: size multiplier")
    ap.add_argument("--size", type=parse_size, default=1 << 30, help="bench: total bytes")
    ap.add_argument("--truth", help="ground-truth JSON path (default: OUT/../<out>.truth.json)")
    ap.add_argument("--verify", action="store_true", help="re-read and check what was written")
    a = ap.parse_args(argv)
    out = os.path.abspath(a.out)
    os.makedirs(out, exist_ok=True)
    g = Gen(a.seed, out)
    if a.profile == "quality":
        g.quality(a.scale)
    elif a.profile == "samples":
        g.samples()
    else:
        g.bench(a.size)
    truth = g.truth(a.profile, a.scale)
    tpath = a.truth or out.rstrip("/") + ".truth.json"
    with open(tpath, "w", encoding="utf-8") as f:
        json.dump(truth, f, ensure_ascii=False, indent=1, sort_keys=False)
        f.write("\n")
    print("gen_corpus: %d files, %d bytes, %d expected findings, %d decoys -> %s (truth %s)"
          % (g.files, g.bytes, sum(truth["expected_by_type"].values()), truth["decoys"], out, tpath),
          file=sys.stderr)
    if a.verify:
        probs = verify(out, truth)
        for p in probs[:50]:
            print("verify: " + p, file=sys.stderr)
        if probs:
            return 1
        print("gen_corpus: verify OK", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
