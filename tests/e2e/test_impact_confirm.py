# SPDX-License-Identifier: Apache-2.0
"""test_impact_confirm.py -- `azukari impact` counts only records confirmed
against the decrypted records (issue 18 item 9), and the count does not
depend on the scanning key.

One dataset of 300 synthetic people; a stolen log holds lines of 12 of
them (name with a mobile phone, name with e-mail, name with birth date and
address) and near collisions of others: a household member (same family
name, address, postal code and home phone, another given name), the same
family name and birth date with the phone one digit off, a homonym with
other fields, a phone one digit off with the same postal code. Two homes
take the same dataset in, each with its own random scanning key: both
report exactly the 12 rows (decrypted notification list), none of the
near collisions, the same counts, and only print.log as an object holding
records (the decoy file proposes a true row through a household member,
but its own values do not confirm it); a line with only the name and postal
code of another row is "probable" (reported apart, named in the PPC draft), not
counted. All data is generated here.
"""

import json
import os
import random
import unittest

import azk_testlib as T
from test_intake import Home

FAMILY = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤",
          "吉田", "山田", "佐々木", "山口", "松本", "井上", "木村", "林", "斎藤", "清水"]
GIVEN = ["太郎", "花子", "健一", "美咲", "翔太", "陽子", "大輔", "恵子", "直樹", "由美",
         "和也", "真理", "拓也", "裕子", "誠", "明美"]
TOWNS = ["千代田区神田", "中央区日本橋", "港区芝", "新宿区西新宿", "文京区本郷"]
HDR = ["顧客番号", "氏名", "生年月日", "郵便番号", "住所", "電話番号", "メール"]


def off_by_one(rnd, phone):
    s = list(phone)
    i = rnd.choice([k for k, c in enumerate(s) if c.isdigit()][4:])
    s[i] = str((int(s[i]) + 1) % 10)
    return "".join(s)


def people(n, seed):
    rnd = random.Random(seed)
    out = []
    names = set()
    while len(out) < n:
        name = "%s %s" % (rnd.choice(FAMILY), rnd.choice(GIVEN))
        if name in names:
            continue
        names.add(name)
        out.append({
            "id": "K%06d" % (len(out) + 1), "name": name,
            "birth": (rnd.randrange(1940, 2000), rnd.randrange(1, 13), rnd.randrange(1, 29)),
            "postal": "1%02d-%04d" % (rnd.randrange(100), rnd.randrange(10000)),
            "addr": "東京都%s%d-%d-%d" % (rnd.choice(TOWNS), rnd.randrange(1, 9),
                                         rnd.randrange(1, 30), rnd.randrange(1, 20)),
            "phone": ("090-%04d-%04d" if len(out) % 2 else "03-%04d-%04d")
            % (rnd.randrange(10000), rnd.randrange(10000)),
            "mail": "u%d@example.invalid" % (len(out) + 1)})
    return out


def row(p):
    return [p["id"], p["name"], "%04d/%02d/%02d" % p["birth"], p["postal"], p["addr"],
            p["phone"], p["mail"]]


class ImpactConfirmTest(unittest.TestCase):
    def setUp(self):
        self.tmp = T.TempDir()
        self.P = people(300, 18009)
        csv = "\n".join(",".join(r) for r in [HDR] + [row(p) for p in self.P]) + "\n"
        self.homes = []
        for k in range(2):
            d = os.path.join(self.tmp.path, "h%d" % k)
            os.mkdir(d)
            h = Home(d)
            h.env["TMPDIR"] = d
            self.assertEqual(h.run("init").rc, 0)
            self.assertEqual(h.run("client", "add", "shinkin-a").rc, 0)
            r = h.intake(h.write("dm.csv", csv.encode()), "dm")
            self.assertEqual(r.rc, 0, r.err)
            self.homes.append(h)

    def tearDown(self):
        self.tmp.__exit__(None, None, None)

    def stolen(self):
        P = self.P
        rnd = random.Random(5)
        lines = []
        true_rows = set()
        for i in range(0, 12):
            p = P[i]
            y, m, d = p["birth"]
            if i % 3 == 0 and p["phone"].startswith("090"):
                lines.append("PRINT 宛名=%s 様 TEL:%s" % (p["name"], p["phone"]))
            elif i % 3 == 1:
                lines.append("mail sent to=%s name=%s 様" % (p["mail"], p["name"]))
            else:
                lines.append("%s様 生年月日 %d年%d月%d日 〒%s %s" % (p["name"].replace(" ", ""), y, m,
                                                                   d, p["postal"], p["addr"]))
            true_rows.add(i + 1)
        path = os.path.join(self.tmp.path, "print.log")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        lines = []  # near collisions in a file of their own: no entrusted record in it
        for i in range(100, 160):
            p = P[i]
            fam, giv = p["name"].split(" ")
            other = [g for g in GIVEN if g != giv]
            y, m, d = p["birth"]
            kind = i % 4
            if kind == 0:  # household member: address, postal code, home phone; own name
                lines.append("PRINT 宛名=%s %s 様 〒%s %s TEL:%s" % (
                    fam, rnd.choice(other), p["postal"], p["addr"], p["phone"]))
            elif kind == 1:  # same family name and birth date, phone one digit off
                lines.append("%s %s様 生年月日 %d年%d月%d日 TEL:%s" % (
                    fam, rnd.choice(other), y, m, d, off_by_one(rnd, p["phone"])))
            elif kind == 2:  # a homonym with other fields
                lines.append("PRINT 宛名=%s 様 〒100-0001 東京都港区芝9-9-9 TEL:080-1111-%04d" % (
                    p["name"], i))
            else:  # the phone one digit off, the same postal code, another name
                lines.append("PRINT 宛名=%s %s 様 〒%s TEL:%s" % (
                    rnd.choice(FAMILY), rnd.choice(other), p["postal"], off_by_one(rnd, p["phone"])))
        # a member of row 3's household (its address, postal code and home phone, another
        # given name): the decoy file proposes row 3, which print.log holds; the decoy file
        # does not hold it (evidence is kept per object)
        p = P[2]
        fam, giv = p["name"].split(" ")
        lines.append("PRINT 宛名=%s %s 様 〒%s %s TEL:%s" % (
            fam, [g for g in GIVEN if g != giv][0], p["postal"], p["addr"], p["phone"]))
        # only the name and postal code of row 201: a namesake among the thousands of that
        # postal code would show the same (300 rows x 1e-3 x 1e-5 > 1e-6): probable, not
        # counted
        lines.append("発送 %s 様 〒%s" % (P[200]["name"], P[200]["postal"]))
        decoys = os.path.join(self.tmp.path, "decoys.log")
        with open(decoys, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        return [path, decoys], true_rows

    def test_impact__confirmed_rows_do_not_depend_on_the_key(self):
        logs, true_rows = self.stolen()
        got = []
        for k, h in enumerate(self.homes):
            pub, sec = os.path.join(h.d, "c.pub"), os.path.join(h.d, "c.sec")
            self.assertEqual(h.run("impact", "keygen", "--public", pub, "--secret", sec).rc, 0)
            rep = os.path.join(h.d, "rep")
            r = h.run("impact", "--format", "json", "--as-of", "2027-01-15", "--report-dir", rep,
                      "--client-key", "shinkin-a=" + pub, *logs)
            self.assertEqual(r.rc, 1, r.err)
            j = json.loads(r.out)
            r = h.run("impact", "decrypt-list", "--key", sec,
                      os.path.join(rep, "notification-list-shinkin-a.azkn"))
            self.assertEqual(r.rc, 0, r.err)
            rows = {json.loads(ln)["row"] for ln in r.out.splitlines()}
            # every true record, no near collision (rows 101..160)
            self.assertEqual(rows, true_rows, (k, sorted(rows - true_rows)))
            self.assertEqual(j["records"], len(true_rows))
            self.assertGreaterEqual(j["candidates"], j["records"] + j["probable"])
            self.assertEqual(j["probable"], 1)
            # the file of near collisions held candidates (one of them a row that print.log
            # holds), no entrusted record of its own
            self.assertEqual(j["objects"], 2)
            self.assertEqual(j["objects_hit"], 1)
            self.assertEqual(j["datasets"][0]["objects"], 1)
            with open(os.path.join(rep, "report-ppc.md"), encoding="utf-8") as f:
                self.assertIn("区別できない記録が 1 件", f.read())
            got.append((j["records"], j["persons"], j["probable"], sorted(rows)))
        self.assertEqual(got[0], got[1])


if __name__ == "__main__":
    unittest.main()
