#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""test_supervision.py -- issue 15 end to end: a month at a contractor
simulated on a faked system clock (libfaketime, as the retention tests: drills
never destroy), two clients, datasets received, opened and deleted (one late,
with its certificate), one guard block and its approved release, a lapsed
training refusing an open; the signed monthly report generated, checked for
every number and for personal values, imported at a bank and verified; then
bad input at the import, one test each (another key, another client, a month
already imported with different content, tampered JSON, a truncated file),
and a ledger forked between two months: detected, a ledger alarm, nothing
imported. The printable page is rendered by headless Chromium (screenshot
and PDF kept in the test directory) when Chromium is installed.
"""
import base64
import calendar
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import azk_testlib as T  # noqa: E402
from test_intake import HEADER, synthetic_rows  # noqa: E402
from test_retention import faked_env, totp  # noqa: E402


def epoch(iso):
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))


def libfaketime_present():
    import glob
    return bool(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))


class Side:
    """One azukari home (the contractor's or the bank's) on a faked clock."""

    def __init__(self, d, name):
        self.home = os.path.join(d, name)
        self.bin = T.azk_bin()
        self.env = dict(os.environ)
        self.env.pop("AZUKARI_HOME", None)
        self.env["AZUKARI_LANG"] = "en"
        self.secrets = {}

    def at(self, when, *args, user=None, stdin=subprocess.DEVNULL):
        argv = list(args)
        t = epoch(when)
        if user is not None:
            argv += ["--user", user, "--totp", totp(self.secrets[user], t)]
        return T.run(T.with_test_catalog([self.bin, "--home", self.home] + argv),
                     env=faked_env(self.env, t), stdin=stdin)


def clipped_cells(html):
    """Cells (td, th, pre) whose content is wider than the cell with the print stylesheet
    applied, in headless Chromium at A4 width; [] when selenium or chromedriver is missing."""
    try:
        from selenium import webdriver
    except ImportError:  # a Python other than Debian's (pyenv): use Debian's python3-selenium
        sys.path.append("/usr/lib/python3/dist-packages")
        try:
            from selenium import webdriver
        except ImportError:
            return []
    if shutil.which("chromedriver") is None:
        return []
    o = webdriver.ChromeOptions()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=794,1123",
              "--disable-dev-shm-usage"):
        o.add_argument(a)
    d = webdriver.Chrome(options=o)
    try:
        d.get("file://" + html)
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        return d.execute_script(
            "var bad = []; document.querySelectorAll('td,th,pre').forEach(function (e) {"
            " if (e.scrollWidth > e.clientWidth + 1) bad.push(e.textContent.slice(0, 40)); });"
            " return bad;")
    finally:
        d.quit()


@unittest.skipUnless(libfaketime_present(), "libfaketime not installed")
class SupervisionMonth(unittest.TestCase):
    """One simulated month; the tests share it (setUpClass) and read it."""

    @classmethod
    def setUpClass(cls):
        cls.tmpd = T.TempDir("azk-sup-")
        cls.d = cls.tmpd.path
        v = cls.v = Side(cls.d, "vendor")
        cls.rows_a = synthetic_rows(30, seed=11)
        # bank-b's people share nothing with bank-a's (other family names, mails, numbers)
        swap = (("試験", "東山"), ("見本", "西川"), ("仮名", "南野"), ("架空", "北原"),
                ("例示", "中島"), ("シケン", "ヒガシヤマ"), ("ミホン", "ニシカワ"),
                ("カメイ", "ミナミノ"), ("カクウ", "キタハラ"), ("レイジ", "ナカジマ"),
                ("user", "bee"), ("C0", "B0"), ("試験町", "見本町"), ("090-", "080-"))
        cls.rows_b = []
        for row in synthetic_rows(20, seed=12):
            for a, b in swap:
                row = row.replace(a, b)
            cls.rows_b.append(row)
        csv_a = cls.write("a.csv", HEADER + "\n" + "\n".join(cls.rows_a) + "\n")
        csv_b = cls.write("b.csv", HEADER + "\n" + "\n".join(cls.rows_b) + "\n")
        closed = os.path.join(cls.d, "closed")
        general = os.path.join(cls.d, "general")
        os.makedirs(closed)
        os.makedirs(general)
        evidence = cls.write("attendance.pdf", "synthetic attendance record\n")
        cls.ok(v.at("2031-01-02T09:00:00Z", "init"))
        for c in ("bank-a", "bank-b"):
            cls.ok(v.at("2031-01-02T09:01:00Z", "client", "add", c))
        for i, name in enumerate(("alice", "bob")):
            r = cls.ok(v.at("2031-01-02T09:02:%02dZ" % i, "user", "add", name))
            v.secrets[name] = r.out.strip()
        r = cls.ok(v.at("2031-01-02T09:03:00Z", "user", "add", "carol", user="alice"))
        v.secrets["carol"] = r.out.strip()
        cls.ok(v.at("2031-01-02T09:03:31Z", "user", "approve", "carol", user="bob"))
        # training: alice and bob current, carol's completion lapses on 2031-01-05
        cls.ok(v.at("2031-01-02T09:04:00Z", "training", "course", "add", "pdh", "--title",
                    "personal-data handling", "--validity-days", "365"))
        for who, day in (("alice", "2031-01-02"), ("bob", "2031-01-02"), ("carol", "2030-01-05")):
            cls.ok(v.at("2031-01-02T09:05:00Z", "training", "complete", who, "pdh", "--date", day,
                        "--evidence", evidence))
        # internal control: criteria, a finding for bank-a, a risk acceptance (two people)
        crit = cls.write("criteria.md", "# Risk criteria v1\nScore = impact x likelihood.\n")
        cls.ok(v.at("2031-01-02T09:06:00Z", "control", "criteria", "add", crit))
        r = cls.ok(v.at("2031-01-02T09:07:00Z", "control", "finding", "add", "--title",
                        "print server log retention not configured", "--owner", "alice",
                        "--due", "2031-01-20", "--client", "bank-a"))
        cls.finding = r.out.strip()
        r = cls.ok(v.at("2031-01-02T09:08:00Z", "control", "accept", "request", "--title",
                        "legacy print driver until replacement", "--expires", "2031-06-30",
                        user="alice"))
        cls.accept = r.out.strip()
        cls.self_approve = v.at("2031-01-02T09:08:31Z", "control", "accept", "approve",
                                cls.accept, user="alice")
        cls.ok(v.at("2031-01-02T09:09:02Z", "control", "accept", "approve", cls.accept,
                    user="bob"))
        fp = os.path.join(v.home, "fp.azf")
        T.write_conf(v.home, {"retention": {"sweep_paths": [closed],
                                            "sweep_paths_general": [general]},
                              "training": {"require": {"open": ["pdh"],
                                                       "guard.release": ["pdh"]}},
                              "guard": {"fingerprints": fp}})
        # received
        for ds, c, until, path, when in (("a-dm1", "bank-a", "2031-01-10", csv_a, "03"),
                                         ("a-dm2", "bank-a", "2031-12-31", csv_a, "04"),
                                         ("b-dm1", "bank-b", "2031-12-31", csv_b, "04")):
            cls.ok(v.at("2031-01-%sT10:00:00Z" % when, "intake", "--client", c, "--dataset", ds,
                        "--purpose", "direct mail", "--retain-until", until, path))
        cls.ok(v.at("2031-01-04T11:00:00Z", "fingerprints", "export", "--out", fp))
        # opened: alice twice, bob once (bank-b); carol's training lapsed: refused
        cls.ok(v.at("2031-01-05T09:00:00Z", "open", "a-dm1", "--reason", "print run 1",
                    "--out", os.path.join(closed, "job1.csv"), user="alice"))
        os.unlink(os.path.join(closed, "job1.csv"))
        cls.ok(v.at("2031-01-06T09:00:00Z", "open", "a-dm2", "--reason", "print run 2",
                    "--out", os.path.join(closed, "job2.csv"), user="alice"))
        os.unlink(os.path.join(closed, "job2.csv"))
        cls.ok(v.at("2031-01-06T10:00:00Z", "open", "b-dm1", "--reason", "print run b",
                    "--out", os.path.join(closed, "jobb.csv"), user="bob"))
        os.unlink(os.path.join(closed, "jobb.csv"))
        cls.carol_open = v.at("2031-01-07T09:00:00Z", "open", "a-dm2", "--reason", "reprint",
                              "--out", os.path.join(closed, "job3.csv"), user="carol")
        # an authentication failure
        v.at("2031-01-07T10:00:00Z", "training", "status", "--user", "bob", "--totp", "000000")
        # a copy of the ledger before the deletion: the fork test rewinds to it later
        cls.ledger_copy = os.path.join(cls.d, "ledger-0108")
        shutil.copytree(os.path.join(v.home, "ledger"), cls.ledger_copy)
        # guard: a copy of a-dm2 in the outbox is quarantined, then released on approval
        ob, rel, q = (os.path.join(cls.d, x) for x in ("outbox", "release", "quarantine"))
        for x in (ob, rel, q):
            os.makedirs(x)
        shutil.copy(csv_a, os.path.join(ob, "list.csv"))
        t = time.time() - 60
        os.utime(os.path.join(ob, "list.csv"), (t, t))
        cls.ok(v.at("2031-01-08T09:00:00Z", "guard", "watch", ob, "--release", rel,
                    "--quarantine", q, "--once"))
        notices = os.listdir(q)
        assert len(notices) == 1, notices
        with open(os.path.join(q, notices[0])) as f:
            qid = json.load(f)["id"]
        cls.ok(v.at("2031-01-08T10:00:00Z", "guard", "request", qid, "--reason",
                    "the client asked for it back", user="alice"))
        cls.ok(v.at("2031-01-08T11:00:00Z", "guard", "approve", qid, user="bob"))
        for root, _dirs, files in os.walk(rel):
            for f in files:
                os.unlink(os.path.join(root, f))
        # a late deletion: deadline 2031-01-10, run on the 14th, certified by bob
        r = v.at("2031-01-14T02:00:00Z", "retention", "run")
        assert r.rc == 0, r.out + r.err
        cls.ok(v.at("2031-01-14T03:00:00Z", "certificate", "issue", "a-dm1", user="bob"))
        # the reports of January, on February 1st
        cls.rep_a = os.path.join(cls.d, "a-2031-01.json")
        cls.html_a = os.path.join(cls.d, "a-2031-01.html")
        cls.rep_b = os.path.join(cls.d, "b-2031-01.json")
        cls.ok(v.at("2031-02-01T01:00:00Z", "--lang", "ja", "report", "monthly", "--client", "bank-a", "--month",
                    "2031-01", "--out", cls.rep_a, "--html", cls.html_a))
        cls.ok(v.at("2031-02-01T01:01:00Z", "report", "monthly", "--client", "bank-b", "--month",
                    "2031-01", "--out", cls.rep_b))
        with open(cls.rep_a, encoding="utf-8") as f:
            cls.doc_a = json.load(f)
        with open(cls.rep_b, encoding="utf-8") as f:
            cls.doc_b = json.load(f)
        cls.pub = os.path.join(v.home, "keys", "certificate.pub")
        # the bank
        cls.bank = Side(cls.d, "bank")
        cls.ok(cls.bank.at("2031-02-02T09:00:00Z", "init"))

    @classmethod
    def tearDownClass(cls):
        cls.tmpd.__exit__(None, None, None)

    @classmethod
    def write(cls, name, text):
        p = os.path.join(cls.d, name)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        return p

    @staticmethod
    def ok(r):
        if r.rc != 0:
            raise AssertionError("command failed (%d): %s %s" % (r.rc, r.out, r.err))
        return r

    def imported(self):
        return T.catalog_query(self.bank.home, "SELECT client, month FROM vendor_reports "
                               "ORDER BY month, client")

    def imp(self, path, *extra, when="2031-02-02T10:00:00Z", home=None):
        side = home or self.bank
        return side.at(when, "vendor", "import-report", path, "--pubkey", self.pub, *extra)

    # ---- the contractor's report -------------------------------------------------

    def test_supervision__training_gate_refused_the_lapsed_open(self):
        self.assertEqual(self.carol_open.rc, 1, self.carol_open.out)
        self.assertIn("pdh", self.carol_open.err)
        self.assertIn("lapsed on 2031-01-05", self.carol_open.err)
        log = self.v.at("2031-02-03T00:00:00Z", "audit", "log", "--format", "json")
        refused = [json.loads(x) for x in log.out.splitlines()
                   if '"vault.open"' in x and '"refused"' in x]
        self.assertEqual(len(refused), 1, log.out)
        self.assertEqual(refused[0]["actor"], "carol")
        self.assertFalse(os.path.exists(os.path.join(self.d, "closed", "job3.csv")))

    def test_supervision__control_two_person_and_ledger(self):
        self.assertEqual(self.self_approve.rc, 1, self.self_approve.out)
        self.assertIn("different person", self.self_approve.err)
        r = self.v.at("2031-02-03T00:01:00Z", "control", "list")
        self.assertEqual(r.rc, 1, r.err)  # the finding is overdue
        self.assertIn(self.accept + "\tacceptance\taccepted", r.out)
        self.assertIn(self.finding + "\tfinding\topen\t2031-01-20", r.out)
        self.assertIn("OVERDUE", r.out)
        log = self.v.at("2031-02-03T00:02:00Z", "audit", "log", "--format", "json").out
        for action in ("control.criteria", "control.finding", "control.accept.request",
                       "control.accept.approve", "training.course", "training.complete"):
            self.assertIn('"%s"' % action, log)

    def test_supervision__report_numbers(self):
        r = self.doc_a["report"]
        s = r["summary"]
        self.assertEqual((r["client"], r["month"]), ("bank-a", "2031-01"))
        self.assertEqual(s["received"], 2)
        self.assertEqual(s["datasets_held"], 1)  # a-dm1 deleted in the month
        self.assertEqual(s["opens"], 2)
        self.assertEqual(r["opened"]["by_user"], {"alice": 2})
        self.assertEqual([o["why"] for o in r["opened"]["items"]], ["print run 1", "print run 2"])
        self.assertEqual(s["deleted"], 1)
        dl = r["deleted"][0]
        self.assertEqual(dl["dataset"], "a-dm1")
        self.assertTrue(dl["late"])
        self.assertTrue(dl["certificate_id"].startswith("DC-a-dm1-"))
        self.assertEqual(len(r["certificates"]), 1)
        self.assertEqual(s["overdue"], 1)
        self.assertIn("deleted late on 2031-01-14", r["overdue"][0]["reason"])
        self.assertEqual(s["incomplete"], 0)
        self.assertGreaterEqual(s["guard_blocks"], 1)
        self.assertEqual(s["approved_releases"], 1)
        self.assertEqual(r["guard"]["releases"][0]["by"], "bob")
        acts = sorted(a["action"] for a in r["approvals"])
        self.assertIn("guard.approve", acts)
        self.assertIn("retention.certify", acts)
        self.assertTrue(any(x["action"] == "vault.open" and x["by"] == "carol"
                            for x in r["refusals"]))
        self.assertGreaterEqual(s["auth_failures"], 1)
        tr = {u["user"]: u for u in r["training"]}
        self.assertTrue(tr["carol"]["lapsed"])
        self.assertFalse(tr["alice"]["lapsed"])
        self.assertEqual(s["lapsed_training"], 1)
        self.assertEqual(s["open_findings"], 1)
        self.assertEqual(r["control_findings"][0]["id"], self.finding)
        self.assertTrue(r["control_findings"][0]["overdue"])
        # no agent reported anything: counted from the agents' tables, zero (not "not available")
        self.assertEqual(r["zone_findings"]["source"], "agents")
        self.assertEqual(r["zone_findings"]["objects"], 0)
        self.assertEqual(s["zone_unresolved"], 0)
        self.assertEqual(r["incidents"], {"source": "catalog", "items": []})
        # bank-b sees only its own
        rb = self.doc_b["report"]
        self.assertEqual(rb["summary"]["opens"], 1)
        self.assertEqual(rb["summary"]["deleted"], 0)
        self.assertEqual(rb["summary"]["approved_releases"], 0)
        self.assertEqual(rb["summary"]["guard_blocks"], 0)
        # both reports carry the same month-end checkpoint (one ledger)
        self.assertEqual(r["ledger"]["checkpoint"], rb["ledger"]["checkpoint"])

    def test_supervision__no_personal_values(self):
        texts = []
        for p in (self.rep_a, self.rep_b, self.html_a):
            with open(p, encoding="utf-8") as f:
                texts.append(f.read())
        texts.append(json.dumps(self.doc_a, ensure_ascii=False))
        # the received files' names: certificates carry their hash only
        for t in texts:
            self.assertNotIn("a.csv", t)
            self.assertNotIn("b.csv", t)
        ds = self.doc_a["report"]["certificates"][0]["certificate"]["dataset"]
        self.assertNotIn("source_name", ds)
        self.assertEqual(ds["source_name_sha256"],
                         hashlib.sha256(b"a-dm1\na.csv").hexdigest())
        for row in self.rows_a + self.rows_b:
            for v in row.split(",")[1:]:
                if len(v) >= 4:
                    for t in texts:
                        self.assertNotIn(v, t)

    def test_supervision__html_printable(self):
        with open(self.html_a, encoding="utf-8") as f:
            h = f.read()
        self.assertIn("月次報告書", h)
        self.assertIn("@page{size:A4", h)
        self.assertIn("a-dm1", h)
        self.assertIn("<dt>版（同月の再作成で増加）</dt><dd>1</dd>", h)
        self.assertIn("閉域外で検出されたファイル", h)  # zone_findings counted, not "n/a"
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium is None:
            self.skipTest("chromium not installed")
        png = self.html_a + ".png"
        pdf = self.html_a + ".pdf"
        for argv in ([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                      "--screenshot=" + png, "--window-size=794,3000", "file://" + self.html_a],
                     [chromium, "--headless", "--no-sandbox", "--disable-gpu",
                      "--print-to-pdf=" + pdf, "file://" + self.html_a]):
            r = T.run(argv, timeout=120)
            self.assertEqual(r.rc, 0, r.err)
        self.assertGreater(os.path.getsize(png), 10000)
        with open(pdf, "rb") as f:
            self.assertEqual(f.read(5), b"%PDF-")
        self.assertEqual(clipped_cells(self.html_a), [], "table cells clipped in print")
        art = os.environ.get("AZK_TEST_ARTIFACTS")
        if art:
            os.makedirs(art, exist_ok=True)
            for p in (png, pdf, self.html_a, self.rep_a):
                shutil.copy(p, art)

    # ---- the bank ---------------------------------------------------------------------

    def fresh_bank(self, name):
        b = Side(self.d, name)
        self.ok(b.at("2031-02-02T09:00:00Z", "init"))
        return b

    def imported_in(self, bank):
        return T.catalog_query(bank.home, "SELECT client, month FROM vendor_reports")

    def refused(self, bank, path, *extra, pub=None):
        r = bank.at("2031-02-02T10:00:00Z", "vendor", "import-report", path, "--pubkey",
                    pub or self.pub, *extra)
        self.assertEqual(r.rc, 2, r.out)
        self.assertEqual(self.imported_in(bank), [])  # nothing imported, not even in part
        log = bank.at("2031-02-02T10:01:00Z", "audit", "log", "--format", "json").out
        self.assertIn('"refused"', log)
        return r

    def test_supervision_bank_bad_1_other_key(self):
        other = self.write("other.pub", "azukari-cert+" +
                           base64.b64encode(os.urandom(32)).decode() + "\n")
        r = self.refused(self.fresh_bank("bank-k"), self.rep_a, pub=other)
        self.assertIn("signed by another key", r.err)

    def test_supervision_bank_bad_2_other_client(self):
        r = self.refused(self.fresh_bank("bank-c"), self.rep_b, "--client", "bank-a")
        self.assertIn("for client bank-b, not bank-a", r.err)

    def test_supervision_bank_bad_3_tampered(self):
        tampered = json.loads(json.dumps(self.doc_a))
        tampered["report"]["summary"]["overdue"] = 0
        tp = self.write("tampered.json", json.dumps(tampered))
        r = self.refused(self.fresh_bank("bank-t"), tp)
        self.assertIn("signature does not verify", r.err)

    def test_supervision_bank_bad_4_truncated(self):
        with open(self.rep_a, "rb") as f:
            whole = f.read()
        cut = os.path.join(self.d, "cut.json")
        with open(cut, "wb") as f:
            f.write(whole[:len(whole) // 2])
        r = self.refused(self.fresh_bank("bank-u"), cut)
        self.assertIn("truncated", r.err)

    def test_supervision_bank_bad_5_month_again_other_content(self):
        bank = self.fresh_bank("bank-m")
        r = bank.at("2031-02-02T10:00:00Z", "vendor", "import-report", self.rep_a, "--pubkey",
                    self.pub)
        self.assertEqual(r.rc, 1, r.out + r.err)
        self.assertEqual(self.doc_a["report"]["revision"], 1)
        # made again, nothing changed: revision 2 supersedes (only its time differs)
        again = os.path.join(self.d, "a-2031-01-again.json")
        self.ok(self.v.at("2031-02-03T01:00:00Z", "report", "monthly", "--client", "bank-a",
                          "--month", "2031-01", "--out", again))
        with open(again, encoding="utf-8") as f:
            self.assertEqual(json.load(f)["report"]["revision"], 2)
        r = bank.at("2031-02-03T10:00:00Z", "vendor", "import-report", again, "--pubkey", self.pub)
        self.assertEqual(r.rc, 1, r.out + r.err)
        self.assertIn("supersedes", r.out)
        # an older revision after a newer one: refused
        r = bank.at("2031-02-03T10:01:00Z", "vendor", "import-report", self.rep_a, "--pubkey",
                    self.pub)
        self.assertEqual(r.rc, 2, r.out)
        self.assertIn("needs a higher revision", r.err)
        # the vendor changes January after the fact (a backdated completion): content differs
        self.ok(self.v.at("2031-02-03T02:00:00Z", "training", "complete", "carol", "pdh",
                          "--date", "2031-01-06", "--evidence",
                          os.path.join(self.d, "attendance.pdf")))
        third = os.path.join(self.d, "a-2031-01-third.json")
        self.ok(self.v.at("2031-02-03T03:00:00Z", "report", "monthly", "--client", "bank-a",
                          "--month", "2031-01", "--out", third))
        r = bank.at("2031-02-03T10:02:00Z", "vendor", "import-report", third, "--pubkey", self.pub)
        self.assertEqual(r.rc, 2, r.out)
        self.assertIn("different report for 2031-01", r.err)
        self.assertIn("changes more than certificates (section summary)", r.err)  # lapsed
        self.assertEqual(self.imported_in(bank), [("bank-a", "2031-01")])
        self.assertEqual(len(T.catalog_query(bank.home, "SELECT sha256 FROM"
                                             " vendor_reports_superseded")), 1)

    def test_supervision_bank_bad_6_clear_file_name(self):
        # a report made by the session-4 code carries a certificate with the received file's
        # name in clear: the bank refuses to store it
        data = os.path.join(os.environ.get("AZK_SRCDIR", os.path.join(
            os.path.dirname(os.path.abspath(__file__)), "..", "..")), "tests", "data",
            "certificates")
        r = self.refused(self.fresh_bank("bank-n"), os.path.join(data, "v1-report-bank-a.json"),
                         pub=os.path.join(data, "v1-source-name.pub"))
        self.assertIn("carries the received file's name in clear", r.err)

    def test_supervision_bank_export_bundle(self):
        # the examiner bundle of the vendor carries the imported monthly report, checked again
        bank = self.fresh_bank("bank-x")
        self.ok(bank.at("2031-02-02T09:30:00Z", "vendor", "add", "print-co", "--name",
                        "Sample Printing", "--corporate-number", "5010001008813"))
        self.ok(bank.at("2031-02-02T09:31:00Z", "vendor", "key", "print-co", "report", self.pub))
        self.ok(bank.at("2031-02-02T09:31:30Z", "vendor", "key", "print-co", "ledger",
                        os.path.join(self.v.home, "keys", "ledger.pub")))
        r = bank.at("2031-02-02T10:00:00Z", "vendor", "import-report", self.rep_a, "--pubkey",
                    self.pub)
        self.assertEqual(r.rc, 1, r.out + r.err)
        out = os.path.join(self.d, "bundle-x.json")
        self.ok(bank.at("2031-02-03T09:00:00Z", "vendor", "export", "--vendor", "print-co",
                        "--from", "2031-01-01", "--to", "2031-01-31", "--out", out))
        with open(out, encoding="utf-8") as f:
            b = json.load(f)["bundle"]
        self.assertEqual([(x["client"], x["month"]) for x in b["reports"]],
                         [("bank-a", "2031-01")])
        with open(self.rep_a, encoding="utf-8") as f:
            self.assertEqual(b["reports"][0]["document"], f.read())
        r = bank.at("2031-02-03T09:01:00Z", "vendor", "verify-export", out, "--pubkey",
                    os.path.join(bank.home, "keys", "certificate.pub"), "--ledger-key",
                    os.path.join(bank.home, "keys", "ledger.pub"))
        self.assertEqual(r.rc, 0, r.out + r.err)
        self.assertIn("monthly reports: 1 verified", r.out)
        self.assertIn("with 1 certificate(s)", r.out)
        # a period without that month: not in it
        out2 = os.path.join(self.d, "bundle-x2.json")
        self.ok(bank.at("2031-02-03T09:02:00Z", "vendor", "export", "--vendor", "print-co",
                        "--from", "2031-02-01", "--to", "2031-02-28", "--out", out2))
        with open(out2, encoding="utf-8") as f:
            self.assertEqual(json.load(f)["bundle"]["reports"], [])

    def test_supervision_bank_import_months_then_fork(self):
        # January: imported, flags raised (late deletion, lapsed training, open finding)
        r = self.imp(self.rep_a, "--client", "bank-a")
        self.assertEqual(r.rc, 1, r.out + r.err)
        self.assertIn("1 certificate(s) verified", r.out)
        self.assertIn("overdue", r.out)
        self.assertIn("lapsed training", r.out)
        self.assertIn("unresolved internal-control finding", r.out)
        self.assertEqual(self.imported(), [("bank-a", "2031-01")])
        # the same again: nothing new
        r = self.imp(self.rep_a)
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("already imported", r.out)
        # February, honest: consistent with January
        self.ok(self.v.at("2031-02-10T09:00:00Z", "open", "a-dm2", "--reason", "print run 3",
                          "--out", os.path.join(self.d, "closed", "job4.csv"), user="alice"))
        feb = os.path.join(self.d, "a-2031-02.json")
        self.ok(self.v.at("2031-03-01T01:00:00Z", "report", "monthly", "--client", "bank-a",
                          "--month", "2031-02", "--out", feb))
        r = self.imp(feb, when="2031-03-02T09:00:00Z")
        self.assertIn(r.rc, (0, 1), r.err)
        self.assertIn("consistent with 1 earlier report(s)", r.out)
        # the vendor rewinds its ledger to January 8th and goes on: March's report forks
        led = os.path.join(self.v.home, "ledger")
        shutil.rmtree(led)
        shutil.copytree(self.ledger_copy, led)
        self.ok(self.v.at("2031-03-05T09:00:00Z", "open", "a-dm2", "--reason", "print run 4",
                          "--out", os.path.join(self.d, "closed", "job5.csv"), user="alice"))
        mar = os.path.join(self.d, "a-2031-03.json")
        self.ok(self.v.at("2031-04-01T01:00:00Z", "report", "monthly", "--client", "bank-a",
                          "--month", "2031-03", "--out", mar))
        r = self.imp(mar, when="2031-04-02T09:00:00Z")
        self.assertEqual(r.rc, 2, r.out)
        self.assertIn("FORK", r.err)
        self.assertEqual(self.imported(), [("bank-a", "2031-01"), ("bank-a", "2031-02")])
        log = self.bank.at("2031-04-02T10:00:00Z", "audit", "log", "--format", "json")
        alarms = [json.loads(x) for x in log.out.splitlines() if '"vendor.report.fork"' in x]
        self.assertEqual(len(alarms), 1, log.out)
        self.assertEqual(alarms[0]["outcome"], "alarm")
        # and the bank's own ledger still verifies
        self.assertEqual(self.bank.at("2031-04-02T10:01:00Z", "audit", "verify").rc, 0)


@unittest.skipUnless(libfaketime_present(), "libfaketime not installed")
class SupervisionLateCertificate(unittest.TestCase):
    """A deletion of January certified only in February: January's report made before the
    certificate lists none; made again after, it carries it (revision 2) and the bank takes
    it as superseding the first (issue 15: before, the bank refused it as different content).
    """

    def test_supervision_late_certificate_supersedes(self):
        with T.TempDir("azk-sup-late-") as d:
            v = Side(d, "vendor")
            closed = os.path.join(d, "closed")
            os.makedirs(closed)
            csv = os.path.join(d, "late.csv")
            with open(csv, "w", encoding="utf-8") as f:
                f.write(HEADER + "\n" + "\n".join(synthetic_rows(5, seed=21)) + "\n")

            def ok(r):
                self.assertEqual(r.rc, 0, r.out + r.err)
                return r
            ok(v.at("2031-01-02T09:00:00Z", "init"))
            ok(v.at("2031-01-02T09:01:00Z", "client", "add", "bank-a"))
            for i, name in enumerate(("alice", "bob")):
                v.secrets[name] = ok(v.at("2031-01-02T09:02:%02dZ" % i, "user", "add",
                                          name)).out.strip()
            T.write_conf(v.home, {"retention": {"sweep_paths": [closed]}})
            ok(v.at("2031-01-03T10:00:00Z", "intake", "--client", "bank-a", "--dataset", "l1",
                    "--purpose", "direct mail", "--retain-until", "2031-01-20", csv))
            r = v.at("2031-01-21T02:00:00Z", "retention", "run")
            self.assertEqual(r.rc, 0, r.out + r.err)
            first, second = (os.path.join(d, x) for x in ("r1.json", "r2.json"))
            ok(v.at("2031-02-01T01:00:00Z", "report", "monthly", "--client", "bank-a",
                    "--month", "2031-01", "--out", first))
            ok(v.at("2031-02-01T02:00:00Z", "certificate", "issue", "l1", user="bob"))
            ok(v.at("2031-02-01T03:00:00Z", "report", "monthly", "--client", "bank-a",
                    "--month", "2031-01", "--out", second))
            with open(first, encoding="utf-8") as f:
                r1 = json.load(f)["report"]
            with open(second, encoding="utf-8") as f:
                r2 = json.load(f)["report"]
            self.assertEqual((r1["revision"], r2["revision"]), (1, 2))
            self.assertIsNone(r1["deleted"][0].get("certificate_id"))
            self.assertTrue(r2["deleted"][0]["certificate_id"].startswith("DC-l1-"))
            self.assertEqual(len(r2["certificates"]), 1)
            pub = os.path.join(v.home, "keys", "certificate.pub")
            bank = Side(d, "bank")
            ok(bank.at("2031-02-02T09:00:00Z", "init"))
            r = bank.at("2031-02-02T10:00:00Z", "vendor", "import-report", first, "--pubkey", pub)
            self.assertIn(r.rc, (0, 1), r.out + r.err)
            r = bank.at("2031-02-02T10:01:00Z", "vendor", "import-report", second, "--pubkey",
                        pub)
            self.assertIn(r.rc, (0, 1), r.out + r.err)
            self.assertIn("1 certificate(s) verified", r.out)
            self.assertIn("supersedes", r.out)
            stored = T.catalog_query(bank.home, "SELECT doc FROM vendor_reports")
            self.assertEqual(len(stored), 1)
            self.assertEqual(json.loads(stored[0][0])["report"]["revision"], 2)
            self.assertEqual(len(T.catalog_query(
                bank.home, "SELECT sha256 FROM vendor_reports_superseded")), 1)
            log = bank.at("2031-02-02T10:02:00Z", "audit", "log", "--format", "json").out
            self.assertIn('"vendor.report.supersede"', log)


if __name__ == "__main__":
    unittest.main()
