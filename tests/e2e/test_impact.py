# SPDX-License-Identifier: Apache-2.0
"""test_impact.py -- end-to-end test of `azukari impact`: a home with two
clients and three datasets (some persons entrusted by both clients, one
dataset past its deadline at --as-of), "stolen" files in several shapes
(a CP932 CSV extract, print-log lines with name and phone, an xlsx, a zip
of a log copy, the xlsx and a CSV) plus decoys (homonyms whose other fields
differ), then exact counts per client and dataset, items, the past-deadline
listing, the report drafts, the sealed notification list (decrypted with
`impact decrypt-list`) and no planted value in clear anywhere on disk.
All data is synthetic.
"""

import calendar
import io
import json
import os
import random
import sys
import unittest
import zipfile

import azk_testlib as T
from test_intake import Home
from test_retention import faked_env

sys.path.insert(0, os.path.join(T.srcdir(), "tools"))
from gen_formats import xlsx_bytes  # noqa: E402

FAMILY = [("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
          ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
          ("小林", "コバヤシ"), ("加藤", "カトウ")]
GIVEN = [("太郎", "タロウ"), ("花子", "ハナコ"), ("健一", "ケンイチ"), ("美咲", "ミサキ"),
         ("翔太", "ショウタ"), ("陽子", "ヨウコ")]
TOWNS = ["千代田区神田", "中央区日本橋", "港区芝", "新宿区西新宿", "文京区本郷"]


def people(n, seed):
    rnd = random.Random(seed)
    out = []
    pairs = [(f, g) for g in GIVEN for f in FAMILY]
    for i in range(n):
        f, g = pairs[i]
        out.append({
            "id": "K%06d" % (i + 1),
            "name": "%s %s" % (f[0], g[0]),
            "kana": "%s %s" % (f[1], g[1]),
            "birth": "%04d-%02d-%02d" % (rnd.randrange(1940, 2000), rnd.randrange(1, 13),
                                         rnd.randrange(1, 29)),
            "postal": "1%02d-%04d" % (rnd.randrange(100), rnd.randrange(10000)),
            "addr": "東京都%s%d-%d-%d" % (rnd.choice(TOWNS), rnd.randrange(1, 9),
                                         rnd.randrange(1, 30), rnd.randrange(1, 20)),
            "phone": "090-%04d-%04d" % (rnd.randrange(10000), rnd.randrange(10000)),
            "mail": "u%d@example.invalid" % (i + 1),
        })
    return out


A_HDR = ["顧客番号", "氏名", "フリガナ", "生年月日", "郵便番号", "住所", "電話番号"]
B_HDR = ["氏名", "電話番号", "生年月日", "住所", "メールアドレス"]


def a_row(p):
    return [p["id"], p["name"], p["kana"], p["birth"], p["postal"], p["addr"], p["phone"]]


def b_row(p):
    return [p["name"], p["phone"], p["birth"], p["addr"], p["mail"]]


def read_text(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def csv_text(hdr, rows):
    return "\n".join(",".join(r) for r in [hdr] + rows) + "\n"


class ImpactTest(unittest.TestCase):
    def setUp(self):
        self.tmp = T.TempDir()
        self.h = Home(self.tmp.path)
        self.inp = os.path.join(self.tmp.path, "input")  # plaintext by design
        os.mkdir(self.inp)
        self.h.d = self.inp
        self.tmpdir = os.path.join(self.tmp.path, "tmp")
        os.mkdir(self.tmpdir)
        self.h.env["TMPDIR"] = self.tmpdir
        # a-2023-old's deadline (2026-12-31) lies before --as-of, and intake refuses a
        # deadline already past on the system clock: from 2027-01-01 on that clock this
        # test failed at its intake. The home is filled on a clock at 2026-06-01
        # (libfaketime); without libfaketime, on the system clock (passes until 2026-12-31)
        env = self.h.env
        try:
            self.h.env = faked_env(env, calendar.timegm((2026, 6, 1, 0, 0, 0)))
        except unittest.SkipTest:
            pass
        self.assertEqual(self.h.run("init").rc, 0)
        self.assertEqual(self.h.run("client", "add", "shinkin-a", "--name", "Shinkin A").rc, 0)
        self.assertEqual(self.h.run("client", "add", "bank-b", "--name", "Bank B").rc, 0)
        self.P = people(60, 20241101)
        P = self.P
        # a-2024-dm: P0..P29; a-2023-old: P20..P34; b-2024-dm: P25..P49
        self.ds = {
            "a-2024-dm": ("shinkin-a", A_HDR, [a_row(p) for p in P[0:30]], "2099-12-31"),
            "a-2023-old": ("shinkin-a", A_HDR, [a_row(p) for p in P[20:35]], "2026-12-31"),
            "b-2024-dm": ("bank-b", B_HDR, [b_row(p) for p in P[25:50]], "2099-12-31"),
        }
        for name, (client, hdr, rows, until) in self.ds.items():
            if name.startswith("b-"):  # an xlsx dataset (read from memory, not streamed)
                path = self.h.write(name + ".xlsx", xlsx_bytes([hdr] + rows))
            else:
                path = self.h.write(name + ".csv", csv_text(hdr, rows).encode())
            r = self.h.intake(path, name, client=client, until=until)
            self.assertEqual(r.rc, 0, r.err)
        self.h.env = env

    def tearDown(self):
        self.tmp.__exit__(None, None, None)

    def stolen(self):
        P = self.P
        d = os.path.join(self.tmp.path, "stolen")
        os.mkdir(d)
        # 1. CP932 CSV extract of P0..P9 (the a-2024-dm layout)
        with open(os.path.join(d, "extract.csv"), "wb") as f:
            f.write(csv_text(A_HDR, [a_row(p) for p in P[0:10]]).encode("cp932"))
        # 2. print log with name and phone of P20..P24
        log = "".join("2024-06-01 12:00:%02d PRINT job=4411 page=%d 宛名=%s 様 TEL=%s\n"
                      % (i, i, P[i]["name"], P[i]["phone"]) for i in range(20, 25))
        with open(os.path.join(d, "print.log"), "wb") as f:
            f.write(log.encode())
        # 3. xlsx of P40..P44 (the b-2024-dm layout)
        xl = xlsx_bytes([B_HDR] + [b_row(p) for p in P[40:45]])
        # 4. a zip: a copy of the log, the xlsx, and a CSV of P30, P31
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("logs/print-copy.log", log.encode())
            z.writestr("list.xlsx", xl)
            z.writestr("pair.csv", csv_text(["氏名", "生年月日", "電話番号"],
                                            [[P[i]["name"], P[i]["birth"], P[i]["phone"]]
                                             for i in (30, 31)]).encode())
        with open(os.path.join(d, "job4411.zip"), "wb") as f:
            f.write(buf.getvalue())
        # 5. decoys: homonyms of P0..P4 whose other fields differ; strangers
        rnd = random.Random(7)
        decoy = [[p["name"], "1999-09-09", "080-%04d-%04d" % (rnd.randrange(10000),
                                                             rnd.randrange(10000)),
                  "大阪府大阪市北区梅田9-9-9"] for p in P[0:5]]
        decoy += [[q["name"], q["birth"], q["phone"], q["addr"]] for q in P[50:55]]
        with open(os.path.join(d, "decoys.csv"), "wb") as f:
            f.write(csv_text(["氏名", "生年月日", "電話番号", "住所"], decoy).encode())
        return d

    def test_impact__counts_reports_lists_and_no_plaintext(self):
        st = self.stolen()
        listfile = os.path.join(self.tmp.path, "paths.txt")
        with open(listfile, "w") as f:
            f.write(os.path.join(st, "job4411.zip") + "\n\n" + os.path.join(st, "decoys.csv")
                    + "\n")
        keys = os.path.join(self.tmp.path, "keys")
        os.mkdir(keys)
        pub, sec = os.path.join(keys, "a.pub"), os.path.join(keys, "a.sec")
        r = self.h.run("impact", "keygen", "--public", pub, "--secret", sec)
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(os.stat(sec).st_mode & 0o777, 0o600)
        rep = os.path.join(self.tmp.path, "report")
        r = self.h.run("impact", "--format", "json", "--as-of", "2027-01-15",
                       "--known-date", "2027-01-10", "--cause", "unauthorized-access",
                       "--report-dir", rep, "--client-key", "shinkin-a=" + pub,
                       "--list", listfile, os.path.join(st, "extract.csv"),
                       os.path.join(st, "print.log"))
        self.assertEqual(r.rc, 1, r.err)
        j = json.loads(r.out)
        ds = {d["dataset"]: d for d in j["datasets"]}
        self.assertEqual(sorted(ds), ["a-2023-old", "a-2024-dm", "b-2024-dm"])
        # a-2024-dm: P0..P9, P20..P24; a-2023-old: P20..P24, P30, P31; b: P30, P31, P40..P44
        self.assertEqual(ds["a-2024-dm"]["records"], 15)
        self.assertEqual(ds["a-2024-dm"]["persons"], 15)
        self.assertEqual(ds["a-2023-old"]["records"], 7)
        self.assertEqual(ds["a-2023-old"]["persons"], 7)
        self.assertEqual(ds["b-2024-dm"]["records"], 7)
        self.assertEqual(ds["b-2024-dm"]["persons"], 7)
        cl = {c["client"]: c for c in j["clients"]}
        self.assertEqual(cl["shinkin-a"]["records"], 22)
        self.assertEqual(cl["shinkin-a"]["persons"], 17)
        self.assertEqual(cl["bank-b"]["records"], 7)
        self.assertEqual(cl["bank-b"]["persons"], 7)
        self.assertEqual(j["records"], 29)
        self.assertEqual(j["persons_by_client"], 24)
        self.assertEqual(j["persons"], 22)
        self.assertEqual(j["errors"], 0)
        # items and deadlines
        self.assertEqual(ds["a-2024-dm"]["items"], ["customer_id", "name", "name_kana",
                                                    "birth_date", "postal_code", "address",
                                                    "phone"])
        self.assertEqual(ds["b-2024-dm"]["items"], ["name", "birth_date", "address", "phone",
                                                    "email"])
        # of those, the kinds the detector also found where the records were:
        # a-2023-old's rows were in the logs (name, phone) and pair.csv (name, birth, phone)
        self.assertEqual(ds["a-2023-old"]["items_seen"], ["name", "name_kana", "birth_date",
                                                         "phone"])
        self.assertEqual(ds["a-2024-dm"]["items_seen"], ["name", "name_kana", "birth_date",
                                                        "postal_code", "address", "phone"])
        self.assertEqual(ds["b-2024-dm"]["items_seen"], ["name", "birth_date", "address",
                                                        "phone", "email"])
        self.assertTrue(ds["a-2023-old"]["past_deadline"])
        self.assertEqual(ds["a-2023-old"]["days_overdue"], 15)
        self.assertFalse(ds["a-2024-dm"]["past_deadline"])
        self.assertFalse(ds["b-2024-dm"]["past_deadline"])
        # report drafts
        ppc = read_text(os.path.join(rep, "report-ppc.md"))
        self.assertIn("個人情報保護委員会への報告", ppc)
        self.assertIn("延べ件数: 29 件", ppc)
        self.assertIn("委託元を横断して名寄せした本人の数: 22 人", ppc)
        self.assertIn("名寄せ後の本人の数: 24 人", ppc)
        self.assertIn("60日以内", ppc)
        self.assertIn("目安 2027-01-13〜2027-01-15", ppc)
        # known 2027-01-10 is day 1: day 60 is 2027-03-10 (a Wednesday)
        self.assertIn("2027-03-10", ppc)
        self.assertIn("a-2023-old: 保存期限 2026-12-31、2027-01-15 時点で 15 日超過", ppc)
        self.assertIn("【要記入】", ppc)
        for item in ("## 1. 概要", "項目", "本人の数", "## 4. 原因", "二次被害",
                     "本人への対応の実施状況", "公表の実施状況", "再発防止のための措置"):
            self.assertIn(item, ppc)
        na = read_text(os.path.join(rep, "notice-client-shinkin-a.md"))
        self.assertIn("延べ件数: 22 件", na)
        self.assertIn("名寄せ後の本人の数: 17 人", na)
        self.assertNotIn("b-2024-dm", na)
        nb = read_text(os.path.join(rep, "notice-client-bank-b.md"))
        self.assertIn("延べ件数: 7 件", nb)
        ni = read_text(os.path.join(rep, "notice-individual.md"))
        self.assertIn("漏えい等が発生し又は発生したおそれがある個人データの項目", ni)
        self.assertNotIn("本人の数", ni)
        # the notification list: only for the client with a key, decrypts to the rows
        self.assertIsNone(cl["bank-b"]["list"])
        lp = cl["shinkin-a"]["list"]
        self.assertTrue(lp and os.path.exists(lp), lp)
        r = self.h.run("impact", "decrypt-list", "--key", sec, lp)
        self.assertEqual(r.rc, 0, r.err)
        rows = [json.loads(x) for x in r.out.splitlines() if x.strip()]
        got = sorted((x["dataset"], x["row"]) for x in rows)
        want = sorted([("a-2024-dm", i + 1) for i in list(range(0, 10)) + list(range(20, 25))]
                      + [("a-2023-old", i - 19) for i in (20, 21, 22, 23, 24, 30, 31)])
        self.assertEqual(got, want)
        self.assertEqual(len({x["person"] for x in rows}), 17)
        for x in rows:
            src = self.ds[x["dataset"]]
            self.assertEqual([x["fields"][h] for h in src[1]], src[2][x["row"] - 1])
        by_row = {(x["dataset"], x["row"]): x["person"] for x in rows}
        for i in range(20, 25):  # the same person in both datasets of the client
            self.assertEqual(by_row[("a-2024-dm", i + 1)], by_row[("a-2023-old", i - 19)])
        # a wrong key is refused
        r = self.h.run("impact", "keygen", "--public", pub + "2", "--secret", sec + "2")
        self.assertEqual(r.rc, 0, r.err)
        r = self.h.run("impact", "decrypt-list", "--key", sec + "2", lp)
        self.assertNotEqual(r.rc, 0)
        self.assertEqual(r.out, "")
        # no planted value in clear anywhere but the inputs
        self.assertEqual(os.listdir(self.tmpdir), [])
        planted = [self.P[i][k] for i in (0, 20, 30, 40) for k in ("name", "phone", "addr")]
        planted = [v.encode() for v in planted] + [v.encode("cp932") for v in planted[:1]]
        for root in (self.h.home, rep, keys, self.tmpdir):
            for dp, _dn, fn in os.walk(root):
                for n in fn:
                    with open(os.path.join(dp, n), "rb") as f:
                        data = f.read()
                    for v in planted:
                        self.assertNotIn(v, data, os.path.join(dp, n))
        # the ledger holds the impact event with counts and the vault opens
        r = self.h.run("audit", "log", "--format", "json")
        self.assertEqual(r.rc, 0, r.err)
        ev = [json.loads(x) for x in r.out.splitlines() if '"impact"' in x]
        self.assertEqual(len(ev), 1)
        self.assertIn("vault.open", r.out)

    def test_impact__text_and_bad_input(self):
        st = self.stolen()
        bad = os.path.join(self.tmp.path, "bad")
        os.mkdir(bad)
        with open(os.path.join(bad, "trunc.zip"), "wb") as f:
            f.write(b"PK\x03\x04" + b"\x00" * 40)
        with open(os.path.join(bad, "ragged.csv"), "wb") as f:
            f.write("氏名,電話番号\n,,,,\n\n,\n".encode() + b"\xff\xfe\x00bad\n")
        r = self.h.run("impact", "--as-of", "2027-01-15", os.path.join(st, "extract.csv"),
                       bad, os.path.join(self.tmp.path, "missing-file"))
        self.assertEqual(r.rc, 1, r.err)
        self.assertIn("a-2024-dm", r.out)
        self.assertIn("no notification list written", r.out)
        self.assertNotIn(self.P[0]["name"], r.out + r.err)
        r = self.h.run("impact", "--format", "json", os.path.join(st, "extract.csv"),
                       bad, os.path.join(self.tmp.path, "missing-file"))
        self.assertEqual(r.rc, 1, r.err)
        j = json.loads(r.out)
        self.assertEqual(j["records"], 10)
        self.assertGreaterEqual(j["errors"], 2)  # the truncated zip, the missing path
        # only bad input: nothing found, something unreadable
        r = self.h.run("impact", bad, os.path.join(self.tmp.path, "missing-file"))
        self.assertEqual(r.rc, 2, r.err)
        # nothing found: 0 or 2
        r = self.h.run("impact", os.path.join(st, "decoys.csv"))
        self.assertEqual(r.rc, 0, r.err)
        # usage errors
        self.assertEqual(self.h.run("impact").rc, 64)
        self.assertEqual(self.h.run("impact", "--cause", "aliens", st).rc, 64)
        self.assertEqual(self.h.run("impact", "--known-date", "2027-02-30", st).rc, 64)
        self.assertEqual(self.h.run("impact", "--as-of", "tomorrow", st).rc, 64)
        r = self.h.run("impact", "--client-key", "nobody=/dev/null", "--list-dir", self.tmpdir,
                       os.path.join(st, "extract.csv"))
        self.assertEqual(r.rc, 1, r.err)
        self.assertIn("no records of client nobody", r.err)
        self.assertEqual(self.h.run("impact", "--list", "/nonexistent/x").rc, 64)


if __name__ == "__main__":
    unittest.main()
