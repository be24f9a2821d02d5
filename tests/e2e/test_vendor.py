# SPDX-License-Identifier: Apache-2.0
"""test_vendor.py -- end-to-end tests of vendor management at a client bank
(`azukari vendor ...`, docs/vendor.md): two homes, a bank and its vendor.
Every command once; the bad-input list, a test each, with nothing written
for the refused input: a template with an unknown field, an evidence file
changed after upload, a bad corporate number, a sub-contractor cycle, a
signed answer file with a bad signature and one signed by another key, a
truncated or altered bundle; import-report is wired (its own tests: test_supervision).
Runs on PostgreSQL too (e2e_pg_test_vendor). Synthetic data only.
"""

import json
import os
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import azk_testlib as T  # noqa: E402
from test_intake import Home  # noqa: E402

CORP_A = "5010001008813"
CORP_B = "8700110005901"
CORP_C = "7123456789012"
TEMPLATE = os.path.join(T.srcdir(), "share", "azukari", "templates",
                        "azukari-entrustment.json")


class VendorTest(unittest.TestCase):
    def setUp(self):
        self.tmp = T.TempDir()
        self.bank = Home(os.path.join(self.tmp.path, "bank"))
        self.vend = Home(os.path.join(self.tmp.path, "vendor"))
        os.makedirs(self.bank.d)
        os.makedirs(self.vend.d)
        for h in (self.bank, self.vend):
            r = h.run("init")
            self.assertEqual(r.rc, 0, r.err)
        self.ok(self.bank, "vendor", "add", "print-co", "--name", "株式会社サンプル印刷",
                "--corporate-number", CORP_A, "--criticality", "high",
                "--location", "東京都 閉域センター", "--location", "大阪 BCP")

    def tearDown(self):
        self.tmp.__exit__(None, None, None)

    def ok(self, h, *args):
        r = h.run(*args)
        self.assertEqual(r.rc, 0, "%s: %s %s" % (args, r.out, r.err))
        return r

    def ledger_len(self, h):
        r = self.ok(h, "audit", "log", "--format", "json")
        return len([ln for ln in r.out.splitlines() if ln.strip()])

    def count(self, table):
        return T.catalog_query(self.bank.home, "SELECT count(*) FROM " + table)[0][0]

    def show(self, today="2026-06-01"):
        r = self.ok(self.bank, "vendor", "show", "print-co", "--format", "json", "--today", today)
        return json.loads(r.out)

    # ---- register ------------------------------------------------------------------

    def test_register_and_flags(self):
        self.ok(self.bank, "vendor", "add", "sub-a", "--name", "再委託先A",
                "--corporate-number", CORP_B)
        self.ok(self.bank, "vendor", "subcontractor", "add", "print-co", "sub-a",
                "--scope", "封入封緘")
        self.ok(self.bank, "vendor", "set", "print-co", "--criticality", "medium")
        self.ok(self.bank, "vendor", "set", "print-co", "--risk", "high",
                "--reason", "閉域外でのログ保存が未解消")
        r = self.ok(self.bank, "vendor", "key", "print-co", "ledger",
                    os.path.join(self.vend.home, "keys", "ledger.pub"))
        self.assertIn("SHA256:", r.out)
        v = self.show()
        self.assertEqual(v["criticality"], "medium")
        self.assertEqual(v["risk"], "high")
        self.assertEqual(v["locations"], ["東京都 閉域センター", "大阪 BCP"])
        self.assertEqual([k["purpose"] for k in v["keys"]], ["ledger"])
        self.assertEqual([s["sub"] for s in v["subcontractors"]], ["sub-a"])
        codes = [f["code"] for f in v["flags"]]
        self.assertIn("contract-missing", codes)
        self.assertEqual(codes.count("clause-missing"), 6)
        # contract with every clause but one agreed: one flag left, naming it
        self.ok(self.bank, "vendor", "contract", "print-co", "--ref", "C-2026-01",
                "--signed", "2026-01-10", "--expires", "2027-01-09")
        for c in ("purpose-limitation", "named-handlers", "incident-reporting", "audit-rights",
                  "deletion-certificate"):
            self.ok(self.bank, "vendor", "contract", "clause", "print-co", c, "agreed",
                    "--date", "2026-01-10")
        self.ok(self.bank, "vendor", "contract", "clause", "print-co", "re-entrustment",
                "partial", "--note", "事前承諾の条文なし")
        v = self.show()
        missing = [f["subject"] for f in v["flags"] if f["code"] == "clause-missing"]
        self.assertEqual(missing, ["re-entrustment"])
        self.assertNotIn("contract-missing", [f["code"] for f in v["flags"]])
        r = self.ok(self.bank, "vendor", "list", "--today", "2026-06-01")
        self.assertIn("print-co", r.out)
        self.assertIn("sub-a", r.out)
        r = self.ok(self.bank, "vendor", "show", "print-co", "--today", "2026-06-01")
        self.assertIn("re-entrustment", r.out)
        # Japanese by default
        env = dict(self.bank.env)
        env["AZUKARI_LANG"] = "ja"
        r = T.run([self.bank.bin, "--home", self.bank.home, "vendor", "show", "print-co"],
                  env=env)
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("法人番号", r.out)

    def test_bad_corporate_number(self):
        n = self.ledger_len(self.bank)
        r = self.bank.run("vendor", "add", "x", "--name", "X", "--corporate-number",
                          CORP_C[:-1] + "3")
        self.assertEqual(r.rc, 1)
        self.assertIn("check digit", r.err)
        r = self.bank.run("vendor", "set", "print-co", "--corporate-number", "12345")
        self.assertEqual(r.rc, 1)
        self.assertIn("13 expected", r.err)
        self.assertEqual(self.count("vendors"), 1)
        self.assertEqual(T.catalog_query(self.bank.home, "SELECT corporate_number FROM vendors"),
                         [(CORP_A,)])
        self.assertEqual(self.ledger_len(self.bank), n)

    def test_subcontractor_cycle(self):
        self.ok(self.bank, "vendor", "add", "b", "--name", "B", "--corporate-number", CORP_B)
        self.ok(self.bank, "vendor", "add", "c", "--name", "C", "--corporate-number", CORP_C)
        self.ok(self.bank, "vendor", "subcontractor", "add", "print-co", "b", "--scope", "x")
        self.ok(self.bank, "vendor", "subcontractor", "add", "b", "c", "--scope", "y")
        n = self.ledger_len(self.bank)
        r = self.bank.run("vendor", "subcontractor", "add", "c", "print-co", "--scope", "z")
        self.assertEqual(r.rc, 1)
        self.assertIn("cycle", r.err)
        self.assertIn("print-co -> b -> c", r.err)
        self.assertEqual(self.count("vendor_subs"), 2)
        self.assertEqual(self.ledger_len(self.bank), n)
        self.ok(self.bank, "vendor", "subcontractor", "remove", "b", "c")
        self.assertEqual(self.count("vendor_subs"), 1)

    # ---- questionnaires ------------------------------------------------------------

    def exchange(self, answers_extra=None):
        """Template imported, request sent, vendor answers; returns (qid, response path)."""
        self.ok(self.bank, "vendor", "template", "import", TEMPLATE)
        req = os.path.join(self.tmp.path, "req.json")
        r = self.ok(self.bank, "vendor", "questionnaire", "send", "print-co", "--template",
                    "azukari-entrustment", "--due", "2026-07-01", "--out", req)
        qid = json.load(open(req))["request"]["questionnaire"]
        self.assertIn(qid, r.out)
        ev = os.path.join(self.tmp.path, "ans")
        os.makedirs(ev)
        with open(os.path.join(ev, "isms.pdf"), "wb") as f:
            f.write(b"%PDF-1.4 synthetic ISMS certificate\n")
        with open(os.path.join(ev, "deletion.csv"), "wb") as f:
            f.write(b"dataset,deleted_at\nds1,2026-05-01\n")
        answers = {
            "format": "azukari-vendor-answers", "format_version": 1, "questionnaire": qid,
            "answers": [
                {"question": "org-owner", "answer": "yes", "comment": "情報管理責任者を任命",
                 "evidence": [{"file": "isms.pdf", "effective": "2026-04-01",
                               "expires": "2027-03-31"}]},
                {"question": "ent-deletion", "answer": "yes",
                 "evidence": [{"file": "deletion.csv", "effective": "2026-05-01"}]},
                {"question": "tec-remote", "answer": "VPN（多要素認証あり）"},
                {"question": "org-review", "answer": "2026-03-15"},
            ]}
        if answers_extra:
            answers_extra(answers)
        ap = os.path.join(ev, "answers.json")
        with open(ap, "w") as f:
            json.dump(answers, f, ensure_ascii=False)
        resp = os.path.join(self.tmp.path, "resp.json")
        self.ok(self.vend, "vendor", "questionnaire", "answer", req, "--answers", ap,
                "--out", resp, "--bank-key", os.path.join(self.bank.home, "keys",
                                                          "certificate.pub"))
        return qid, resp

    def register_vendor_key(self):
        self.ok(self.bank, "vendor", "key", "print-co", "certificate",
                os.path.join(self.vend.home, "keys", "certificate.pub"))

    def test_questionnaire_round_trip(self):
        qid, resp = self.exchange()
        self.register_vendor_key()
        r = self.ok(self.bank, "vendor", "questionnaire", "receive", resp)
        self.assertIn(qid, r.out)
        v = self.show()
        q = v["questionnaires"][0]
        self.assertEqual(q["state"], "answered")
        self.assertEqual(len(q["answers"]["answers"]), 4)
        self.assertEqual(len(v["files"]), 2)
        self.assertIn("questionnaire-unreviewed", [f["code"] for f in v["flags"]])
        # received twice: refused, nothing changes
        r = self.bank.run("vendor", "questionnaire", "receive", resp)
        self.assertEqual(r.rc, 1)
        self.assertIn("already answered", r.err)
        # the review and score are not the risk rating
        self.ok(self.bank, "vendor", "questionnaire", "review", "print-co", qid, "--score",
                "72", "--comment", "削除証跡は十分、VPN は要改善")
        v = self.show()
        self.assertEqual(v["questionnaires"][0]["score"], 72)
        self.assertEqual(v["risk"], "")
        self.ok(self.bank, "vendor", "verify-files", "print-co")
        r = self.ok(self.bank, "vendor", "template", "list")
        self.assertIn("azukari-entrustment@1", r.out)

    def test_template_unknown_field(self):
        t = json.load(open(TEMPLATE))
        t["sections"][1]["questions"][0]["wieght"] = 2
        p = os.path.join(self.tmp.path, "bad.json")
        with open(p, "w") as f:
            json.dump(t, f, ensure_ascii=False)
        r = self.bank.run("vendor", "template", "import", p)
        self.assertEqual(r.rc, 1)
        self.assertIn('$.sections[1].questions[0]: unknown field "wieght"', r.err)
        self.assertEqual(self.count("vendor_templates"), 0)
        # the same template imported twice; changed content under the same revision
        self.ok(self.bank, "vendor", "template", "import", TEMPLATE)
        r = self.bank.run("vendor", "template", "import", TEMPLATE)
        self.assertEqual(r.rc, 1)
        t = json.load(open(TEMPLATE))
        t["title"] = "changed"
        with open(p, "w") as f:
            json.dump(t, f, ensure_ascii=False)
        r = self.bank.run("vendor", "template", "import", p)
        self.assertEqual(r.rc, 1)
        self.assertIn("new revision", r.err)
        self.assertEqual(self.count("vendor_templates"), 1)

    def test_answers_bad_signature_and_other_key(self):
        qid, resp = self.exchange()
        # no vendor key recorded yet
        r = self.bank.run("vendor", "questionnaire", "receive", resp)
        self.assertEqual(r.rc, 1)
        self.assertIn("no certificate key", r.err)
        # another key recorded (the bank's own): refused as another key
        self.ok(self.bank, "vendor", "key", "print-co", "certificate",
                os.path.join(self.bank.home, "keys", "certificate.pub"))
        r = self.bank.run("vendor", "questionnaire", "receive", resp)
        self.assertEqual(r.rc, 1)
        self.assertIn("another key", r.err)
        # the right key, an altered answer: the signature fails
        self.register_vendor_key()
        doc = json.load(open(resp))
        doc["response"]["answers"]["answers"][2]["answer"] = "外部からの接続経路なし"
        bad = os.path.join(self.tmp.path, "altered.json")
        with open(bad, "w") as f:
            json.dump(doc, f, ensure_ascii=False)
        r = self.bank.run("vendor", "questionnaire", "receive", bad)
        self.assertEqual(r.rc, 1)
        self.assertIn("does not verify", r.err)
        # a truncated response
        with open(bad, "wb") as f:
            f.write(open(resp, "rb").read()[:300])
        r = self.bank.run("vendor", "questionnaire", "receive", bad)
        self.assertEqual(r.rc, 1)
        self.assertIn("not JSON", r.err)
        # nothing recorded by any of them
        self.assertEqual(T.catalog_query(self.bank.home,
                                         "SELECT state FROM vendor_questionnaires"), [("sent",)])
        self.assertEqual(self.count("vendor_files"), 0)
        self.assertFalse(os.path.exists(os.path.join(self.bank.home, "vendor", "files")))
        self.ok(self.bank, "vendor", "questionnaire", "receive", resp)

    def test_evidence_changed_after_upload(self):
        qid, resp = self.exchange()
        self.register_vendor_key()
        self.ok(self.bank, "vendor", "questionnaire", "receive", resp)
        files = os.path.join(self.bank.home, "vendor", "files")
        name = sorted(os.listdir(files))[0]
        with open(os.path.join(files, name), "ab") as f:
            f.write(b"changed")
        r = self.bank.run("vendor", "verify-files")
        self.assertEqual(r.rc, 1)
        self.assertIn("changed after upload", r.out)
        # the export refuses to seal a changed file
        r = self.bank.run("vendor", "export", "--vendor", "print-co", "--from", "2026-01-01",
                          "--to", "2099-12-31", "--out", os.path.join(self.tmp.path, "b.json"))
        self.assertEqual(r.rc, 1)
        self.assertIn("changed after upload", r.err)
        self.assertFalse(os.path.exists(os.path.join(self.tmp.path, "b.json")))
        # an evidence file whose embedded content no longer matches its hash (re-signed by
        # the vendor's own key cannot be faked here: the hash check comes first)

    def test_evidence_content_differs_from_hash(self):
        def tamper(a):
            pass
        qid, resp = self.exchange(tamper)
        self.register_vendor_key()
        doc = json.load(open(resp))
        ev = doc["response"]["answers"]["answers"][0]["evidence"][0]
        ev["sha256"] = "0" * 64
        bad = os.path.join(self.tmp.path, "bad.json")
        with open(bad, "w") as f:
            json.dump(doc, f, ensure_ascii=False)
        r = self.bank.run("vendor", "questionnaire", "receive", bad)
        self.assertEqual(r.rc, 1)  # signature first: any change is refused
        self.assertEqual(self.count("vendor_files"), 0)

    # ---- audits, findings, certifications, due -------------------------------------

    def test_audits_findings_certs_due(self):
        self.ok(self.bank, "vendor", "audit", "schedule", "print-co", "--kind", "onsite",
                "--every", "12", "--start", "2026-03-01")
        r = self.ok(self.bank, "vendor", "audit", "record", "print-co", "--kind", "onsite",
                    "--date", "2026-03-10", "--summary", "閉域の入退室記録を確認")
        audit = r.out.split()[-1]
        r = self.ok(self.bank, "vendor", "finding", "add", "print-co", "--audit", audit,
                    "--title", "ログの保存期限が未設定", "--severity", "high",
                    "--owner", "委託先 情報管理責任者", "--due", "2026-05-01")
        finding = r.out.split()[-1]
        cert = os.path.join(self.tmp.path, "isms.pdf")
        with open(cert, "wb") as f:
            f.write(b"synthetic certificate")
        self.ok(self.bank, "vendor", "cert", "add", "print-co", "--kind", "isms", "--ref",
                "IS 000000", "--issued", "2024-04-01", "--expires", "2026-06-15", "--received",
                "2024-04-10", "--file", cert)
        self.ok(self.bank, "vendor", "doc", "add", "print-co", "--kind", "financial", "--title",
                "2025年度 決算公告", "--received", "2026-06-20")
        r = self.bank.run("vendor", "cert", "add", "print-co", "--kind", "pmark", "--ref", "P",
                          "--received", "2026-01-01")
        self.assertEqual(r.rc, 1)  # a Pマーク needs its expiry
        v = self.show("2026-06-01")
        plan = v["audit_plans"][0]
        self.assertEqual(plan["last_done"], "2026-03-10")
        self.assertEqual(plan["next_due"], "2027-03-10")
        codes = {f["code"]: f for f in v["flags"]}
        self.assertEqual(codes["finding-overdue"]["due"], "2026-05-01")
        self.assertEqual(codes["certification-expiring"]["due"], "2026-06-15")
        r = self.ok(self.bank, "vendor", "due", "--today", "2026-06-01", "--format", "json")
        due = json.loads(r.out)
        self.assertTrue(any(d["code"] == "finding-overdue" and d["overdue"] for d in due))
        self.assertTrue(any(d["code"] == "certification-expiring" and not d["overdue"]
                            for d in due))
        # a year later the audit is overdue and the certification expired
        v = self.show("2027-04-01")
        codes = [f["code"] for f in v["flags"]]
        self.assertIn("audit-overdue", codes)
        self.assertIn("certification-expired", codes)
        # remediation: closed needs a date; then no overdue flag
        r = self.bank.run("vendor", "finding", "update", finding, "--status", "closed")
        self.assertEqual(r.rc, 1)
        self.ok(self.bank, "vendor", "finding", "update", finding, "--status", "closed",
                "--closed", "2026-05-20")
        v = self.show("2026-06-01")
        self.assertNotIn("finding-overdue", [f["code"] for f in v["flags"]])
        self.assertEqual(v["findings"][0]["closed_on"], "2026-05-20")
        # the printable page, opened in a real browser (screenshot and PDF kept as artifacts
        # in <build>/vendor-pages/)
        r = self.ok(self.bank, "vendor", "show", "print-co", "--format", "html", "--today",
                    "2026-06-01")
        self.assertIn("<html lang=\"ja\">", r.out)
        self.assertIn("委託先管理 状況票", r.out)
        self.assertIn("認証の有効期限が1か月以内", r.out)
        self.render_with_chromium(r.stdout)

    def render_with_chromium(self, html):
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium is None:
            print("chromium not installed: the vendor page is not rendered")
            return
        shots = os.path.join(os.environ.get("AZK_BUILDDIR", self.tmp.path), "vendor-pages")
        os.makedirs(shots, exist_ok=True)
        src = os.path.join(self.tmp.path, "vendor.html")
        with open(src, "wb") as f:
            f.write(html)
        pdf = os.path.join(shots, "vendor-status.pdf")
        png = os.path.join(shots, "vendor-status.png")
        for out in ("--print-to-pdf=" + pdf, "--screenshot=" + png):
            r = T.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                       "--hide-scrollbars", "--window-size=800,1400",
                       "--user-data-dir=" + os.path.join(self.tmp.path, "chromium"),
                       out, "file://" + src], timeout=180)
            self.assertEqual(r.rc, 0, r.err[-2000:])
        with open(pdf, "rb") as f:
            self.assertTrue(f.read(5) == b"%PDF-")
        self.assertGreater(os.path.getsize(png), 10000)

    # ---- examiner export ----------------------------------------------------------

    def test_export_and_verify(self):
        qid, resp = self.exchange()
        self.register_vendor_key()
        self.ok(self.bank, "vendor", "questionnaire", "receive", resp)
        out = os.path.join(self.tmp.path, "bundle.json")
        self.ok(self.bank, "vendor", "export", "--vendor", "print-co", "--from", "2000-01-01",
                "--to", "2099-12-31", "--out", out)
        pub = os.path.join(self.bank.home, "keys", "certificate.pub")
        lpub = os.path.join(self.bank.home, "keys", "ledger.pub")
        r = self.ok(self.bank, "vendor", "verify-export", out, "--pubkey", pub,
                    "--ledger-key", lpub)
        self.assertIn("valid", r.out)
        b = json.load(open(out))["bundle"]
        self.assertEqual(len(b["files"]), 2)
        actions = [json.loads(e["entry"])["action"] for e in b["ledger"]["entries"]]
        self.assertIn("vendor.add", actions)
        self.assertIn("vendor.questionnaire.receive", actions)
        self.assertEqual(b["reports"], [])  # none imported (test_supervision: with one)
        self.assertIn("monthly reports: 0 verified", r.out)
        # pinned to another key: refused
        r = self.bank.run("vendor", "verify-export", out, "--pubkey",
                          os.path.join(self.vend.home, "keys", "certificate.pub"))
        self.assertEqual(r.rc, 1)
        self.assertIn("another key", r.err)
        # truncated
        t = os.path.join(self.tmp.path, "trunc.json")
        data = open(out, "rb").read()
        with open(t, "wb") as f:
            f.write(data[:len(data) // 2])
        r = self.bank.run("vendor", "verify-export", t)
        self.assertEqual(r.rc, 1)
        self.assertIn("truncated", r.err)
        # a ledger entry altered
        d = json.load(open(out))
        d["bundle"]["ledger"]["entries"][0]["entry"] = d["bundle"]["ledger"]["entries"][0][
            "entry"].replace("vendor.add", "vendor.set")
        with open(t, "w") as f:
            json.dump(d, f)
        r = self.bank.run("vendor", "verify-export", t)
        self.assertEqual(r.rc, 1)
        # a directory export; a changed extracted file is found
        dd = os.path.join(self.tmp.path, "exam")
        os.makedirs(dd)
        self.ok(self.bank, "vendor", "export", "--vendor", "print-co", "--from", "2000-01-01",
                "--to", "2099-12-31", "--out", dd)
        sub = os.path.join(dd, "vendor-print-co-2000-01-01-2099-12-31")
        self.assertEqual(sorted(os.listdir(dd)), ["vendor-print-co-2000-01-01-2099-12-31"])
        self.ok(self.bank, "vendor", "verify-export", sub)
        f0 = os.path.join(sub, "files", sorted(os.listdir(os.path.join(sub, "files")))[0])
        with open(f0, "ab") as f:
            f.write(b"x")
        r = self.bank.run("vendor", "verify-export", sub)
        self.assertEqual(r.rc, 1)
        self.assertIn("extracted file was changed", r.err)
        # the same directory again: refused, nothing half-written
        r = self.bank.run("vendor", "export", "--vendor", "print-co", "--from", "2000-01-01",
                          "--to", "2099-12-31", "--out", dd)
        self.assertEqual(r.rc, 1)
        self.assertEqual(sorted(os.listdir(dd)), ["vendor-print-co-2000-01-01-2099-12-31"])

    def test_usage_and_import_report(self):
        r = self.bank.run("vendor", "--help")
        self.assertEqual(r.rc, 0)
        self.assertIn("verify-export", r.out)
        r = self.bank.run("vendor", "import-report", "x.json", "--pubkey", "v.pub")
        self.assertEqual(r.rc, 64)  # no such key file: a usage error, before the home is opened
        self.assertNotIn("not available", r.err)
        r = self.bank.run("vendor", "add", "x")
        self.assertEqual(r.rc, 64)
        r = self.bank.run("vendor", "frobnicate")
        self.assertEqual(r.rc, 64)
        r = self.bank.run("vendor", "show", "nobody")
        self.assertEqual(r.rc, 1)
        self.assertIn("not registered", r.err)


if __name__ == "__main__":
    unittest.main()
