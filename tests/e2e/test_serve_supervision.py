# SPDX-License-Identifier: Apache-2.0
"""test_serve_supervision.py -- issue 15 in `azukari serve`, end to end over HTTPS
with the /api/v1 twins: the contractor's monthly reports (generated for last
month through the page and the API by an operator and an approver, refused to
an auditor and a client; listed per client and month; a client's user sees
only its own client's and gets 403 for another client's report typed in the
URL, page and API; the printable page is the library's, Japanese or English,
HTML in a finding's title escaped; the signed JSON byte for byte, its SHA-256
the one listed), training (lapsed and due rows marked) and internal control
(criteria, overdue finding, acceptance) for staff only; at a bank, the vendor
register, a vendor's status sheet (the library's page), and the import of a
vendor's monthly report through the page: a tampered report refused with a
clear message and nothing imported, the real one verified and listed,
refused to an auditor. The report page and the vendor sheet are rendered in
headless Chromium (screenshots kept; no table cell clipped at A4 print).
The home is filled on a faked clock (serve_ui_fixtures.SupervisionHome)."""

import hashlib
import json
import os
import re
import shutil
import sys
import unittest
import urllib.parse

import serve_client as S
import serve_plat_lib as P
import serve_ui_fixtures as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_supervision import libfaketime_present  # noqa: E402


def corporate_number(base12):
    """A 法人番号 with its check digit (9 - sum of digits from the right, weights 1,2 mod 9)."""
    t = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(base12)))
    return str(9 - t % 9) + base12


@unittest.skipUnless(libfaketime_present(), "libfaketime not installed")
class ServeSupervisionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = F.SupervisionHome()
        cls.srv = S.Server(prepare=cls.fx)
        cls.month = cls.fx.month
        try:
            admin_secret = cls.srv.enrol("admin", P.PW)
            cls.fx.roles(cls.srv, admin_secret)
            # the bank side in the same home: a vendor with the contractor home's keys
            pub = os.path.join(cls.fx.vendor, "keys", "certificate.pub")
            for argv in (("vendor", "add", "printco", "--name", "株式会社<b>見本</b>印刷",
                          "--corporate-number", "5010001008813", "--criticality", "high"),
                         ("vendor", "key", "printco", "report", pub),
                         ("vendor", "key", "printco", "certificate", pub),
                         ("vendor", "contract", "printco", "--ref", "C-2026-01", "--signed",
                          "2026-01-10"),
                         ("vendor", "contract", "clause", "printco", "audit-rights", "agreed",
                          "--date", "2026-01-10"),
                         ("vendor", "audit", "schedule", "printco", "--kind", "onsite",
                          "--every", "12", "--start", "2024-01-01")):
                r = cls.srv.azk(*argv)
                assert r.rc == 0, (argv, r.err)
            codes = F.Codes()  # safest steps first (a slow run must not flake)
            cls.c = {}
            for u in ("admin", "alice", "bob", "aud", "bank1", "bank2"):
                cls.c[u] = P.login(cls.srv, codes, u, cls.fx.secrets[u])
            # generated through the page (operator) and the API (approver)
            r = cls.post("alice", "/reports/generate", {"client": "c1", "month": cls.month})
            assert r.status == 200, r.body
            r = cls.post("bob", "/api/v1/reports/generate", {"client": "c2", "month": cls.month})
            assert r.status == 201, r.body
        except BaseException:
            cls.srv.cleanup()
            raise
        cls.shots = os.path.join(os.environ.get("AZK_BUILDDIR", cls.srv.dir), "serve-screens")
        os.makedirs(cls.shots, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    @classmethod
    def post(cls, user, path, form):
        c = cls.c[user]
        f = dict(form)
        f["csrf"] = c.csrf("/dashboard")
        return c.post(path, f)

    def get(self, user, path):
        return self.c[user].get(path)

    def api(self, user, path):
        r = self.get(user, path)
        self.assertTrue(r.header("content-type").startswith("application/json"), path)
        return r.status, json.loads(r.body)

    def q(self, client, month=None):
        return "client=%s&month=%s" % (client, month or self.month)

    # ---- the contractor's monthly reports -------------------------------------------

    def test_generate_refused_to_auditor_client_and_bad_month(self):
        for u in ("aud", "bank1", "admin"):
            r = self.post(u, "/reports/generate", {"client": "c1", "month": self.month})
            self.assertEqual(r.status, 403, u)
            r = self.post(u, "/api/v1/reports/generate", {"client": "c1", "month": self.month})
            self.assertEqual(r.status, 403, u)
        # a month not over, an unknown client: the library's refusal, clear, nothing kept
        r = self.post("alice", "/reports/generate", {"client": "c1", "month": "2999-01"})
        self.assertEqual(r.status, 400, r.body)
        r = self.post("alice", "/api/v1/reports/generate", {"client": "nope", "month": self.month})
        self.assertEqual(r.status, 400, r.body)
        self.assertIn("error", json.loads(r.body))
        st, doc = self.api("admin", "/api/v1/reports")
        self.assertEqual(sorted(i["client"] for i in doc["items"]), ["c1", "c2"])
        # a CSRF token is required
        r = self.c["alice"].post("/reports/generate", {"client": "c1", "month": self.month})
        self.assertEqual(r.status, 403)

    def test_list_per_client(self):
        st, doc = self.api("admin", "/api/v1/reports")
        self.assertEqual(st, 200)
        self.assertEqual({(i["client"], i["month"]) for i in doc["items"]},
                         {("c1", self.month), ("c2", self.month)})
        by = {i["client"]: i for i in doc["items"]}
        self.assertEqual(by["c1"]["generated_by"], "alice")
        self.assertEqual(by["c2"]["generated_by"], "bob")
        st, doc = self.api("aud", "/api/v1/reports?month=" + self.month)
        self.assertEqual(len(doc["items"]), 2)
        # the client's user: its own client only, and 403 for another named
        st, doc = self.api("bank1", "/api/v1/reports")
        self.assertEqual([i["client"] for i in doc["items"]], ["c1"])
        st, doc = self.api("bank1", "/api/v1/reports?client=c2")
        self.assertEqual(st, 403)
        r = self.get("bank1", "/reports")
        self.assertEqual(r.status, 200)
        self.assertIn("/report?client=c1&amp;month=" + self.month, r.body)
        # as a word: a token or hash in the page is hex and may hold "c2"
        self.assertIsNone(re.search(r"\bc2\b", re.sub(r"<header>.*?</header>", "", r.body, flags=re.S)))
        self.assertNotIn("/reports/generate", r.body)  # no generate form for a client
        self.assertEqual(self.get("bank1", "/reports?client=c2").status, 403)
        self.assertEqual(self.get("bank1", "/reports?month=bad").status, 400)
        self.assertIn("/reports/generate", self.get("alice", "/reports").body)

    def test_report_page_own_client_and_403_for_another(self):
        r = self.get("bank1", "/report?" + self.q("c1"))
        self.assertEqual(r.status, 200, r.body)
        self.assertIn("月次報告", r.body)
        self.assertIn('<link rel="stylesheet" href="/static/report.css">', r.body)
        self.assertNotIn("<style>", r.body)
        # HTML in a finding's title is text
        self.assertNotIn("<script>alert", r.body)
        self.assertIn("&lt;script&gt;alert", r.body)
        self.assertIn("<td>d1</td>", r.body)
        self.assertNotIn("<td>d2</td>", r.body)
        en = self.get("bank1", "/report?lang=en&" + self.q("c1"))
        self.assertEqual(en.status, 200)
        self.assertIn("Monthly report", en.body)
        # another client's report typed in the URL: 403, page and API, existing or not
        for path in ("/report?" + self.q("c2"), "/report?" + self.q("c2", "2020-01")):
            self.assertEqual(self.get("bank1", path).status, 403, path)
        st, doc = self.api("bank1", "/api/v1/report?" + self.q("c2"))
        self.assertEqual(st, 403)
        self.assertEqual(doc["error"]["status"], 403)
        self.assertEqual(self.get("bank2", "/report?" + self.q("c1")).status, 403)
        # staff: a month without report is 404; bad arguments 400
        self.assertEqual(self.get("aud", "/report?" + self.q("c1", "2020-01")).status, 404)
        st, doc = self.api("aud", "/api/v1/report?" + self.q("c1", "2020-01"))
        self.assertEqual(st, 404)
        self.assertEqual(self.get("aud", "/report?client=c1").status, 400)
        st, doc = self.api("aud", "/api/v1/report?client=c1&month=x")
        self.assertEqual(st, 400)
        css = self.get("bank1", "/static/report.css")
        self.assertTrue(css.header("content-type").startswith("text/css"))
        self.assertIn("@page{size:A4", css.body)

    def test_signed_json_byte_for_byte(self):
        r = self.get("bank1", "/api/v1/report?" + self.q("c1"))
        self.assertEqual(r.status, 200, r.body)
        doc = json.loads(r.body)
        self.assertEqual(doc["report"]["client"], "c1")
        self.assertEqual(doc["report"]["month"], self.month)
        self.assertEqual(doc["signature"]["alg"], "Ed25519")
        st, lst = self.api("bank1", "/api/v1/reports?client=c1")
        self.assertEqual(hashlib.sha256(r.body.encode("utf-8")).hexdigest(),
                         lst["items"][0]["sha256"])
        # the open finding of c1 is in it; c2's is not
        titles = [f.get("title") for f in doc["report"]["control_findings"]]
        self.assertIn(F.SupervisionHome.FINDING, titles)
        self.assertNotIn("c2 only: shredder log", titles)

    # ---- training and internal control ------------------------------------------------

    def test_training_status_marked(self):
        st, doc = self.api("aud", "/api/v1/training")
        self.assertEqual(st, 200)
        got = {(i["user"], i["course"]): i["status"] for i in doc["items"]}
        self.assertEqual(got[("alice", "pdh")], "valid")
        self.assertEqual(got[("alice", "sec")], "expiring")
        self.assertEqual(got[("bob", "pdh")], "lapsed")
        self.assertEqual(got[("bob", "sec")], "never")
        r = self.get("admin", "/training")
        self.assertEqual(r.status, 200)
        rows = re.findall(r'<tr class="(\w+)"><td>(\w+)</td><td>(\w+)</td>', r.body)
        cls = {(u, c): k for k, u, c in rows}
        self.assertEqual(cls[("bob", "pdh")], "lapsed")
        self.assertEqual(cls[("alice", "sec")], "due")
        self.assertEqual(cls[("alice", "pdh")], "valid")
        self.assertIn('class="overdue"', r.body)
        for u in ("bank1",):
            self.assertEqual(self.get(u, "/training").status, 403)
            self.assertEqual(self.api(u, "/api/v1/training")[0], 403)

    def test_control_overdue_and_escaped(self):
        st, doc = self.api("aud", "/api/v1/control")
        self.assertEqual(st, 200)
        self.assertEqual([c["version"] for c in doc["criteria"]], [1])
        f = [i for i in doc["items"] if i["id"] == self.fx.finding_c1][0]
        self.assertTrue(f["overdue"])
        self.assertEqual(f["title"], F.SupervisionHome.FINDING)
        acc = [i for i in doc["items"] if i["kind"] == "acceptance"]
        self.assertEqual(acc[0]["approved_by"], "bob")
        r = self.get("aud", "/control")
        self.assertEqual(r.status, 200)
        self.assertNotIn("<script>alert", r.body)
        self.assertIn("&lt;script&gt;", r.body)
        self.assertRegex(r.body, r'<tr class="lapsed"><td>%s</td>' % self.fx.finding_c1)
        self.assertEqual(self.get("bank2", "/control").status, 403)

    # ---- the bank: vendor management ---------------------------------------------------

    def test_vendor_register_and_sheet(self):
        st, doc = self.api("aud", "/api/v1/vendors")
        self.assertEqual(st, 200)
        v = [i for i in doc["items"] if i["id"] == "printco"][0]  # test_vendor_forms adds more
        self.assertEqual((v["id"], v["criticality"]), ("printco", "high"))
        self.assertGreater(v["flags"], 0)  # clauses missing, audit overdue
        r = self.get("aud", "/vendors")
        self.assertIn("株式会社&lt;b&gt;見本&lt;/b&gt;印刷", r.body)
        self.assertNotIn("<b>見本", r.body)
        r = self.get("aud", "/vendor?id=printco")
        self.assertEqual(r.status, 200)
        self.assertIn('href="/static/vendor.css"', r.body)
        self.assertNotIn("<style>", r.body)
        self.assertIn("&lt;b&gt;見本", r.body)
        self.assertIn("監査・立入検査の期限超過", r.body)
        st, doc = self.api("aud", "/api/v1/vendor?id=printco")
        self.assertEqual(doc["id"], "printco")
        self.assertIn("audit-overdue", [f["code"] for f in doc["flags"]])
        self.assertEqual(self.get("aud", "/vendor?id=nope").status, 404)
        self.assertEqual(self.api("aud", "/api/v1/vendor?id=nope")[0], 404)
        self.assertIn("@page", self.get("aud", "/static/vendor.css").body)
        for path in ("/vendors", "/vendor?id=printco", "/vendor/reports?id=printco"):
            self.assertEqual(self.get("bank1", path).status, 403, path)

    def test_vendor_report_import(self):
        with open(self.fx.vendor_report, encoding="utf-8") as f:
            text = f.read()
        doc = json.loads(text)
        doc["report"]["summary"]["overdue"] += 1  # tampered: one number changed
        tampered = json.dumps(doc, ensure_ascii=False)
        r = self.post("alice", "/vendor/reports/import", {"vendor": "printco",
                                                          "report": tampered})
        self.assertEqual(r.status, 409, r.body)
        self.assertIn("nothing imported", r.body.replace("取り込んでいません", "nothing imported"))
        self.assertRegex(r.body, r"(?i)signature|署名")
        st, lst = self.api("aud", "/api/v1/vendor/reports?id=printco")
        self.assertEqual(lst["items"], [])
        # not JSON at all; an unknown vendor; no text
        r = self.post("alice", "/vendor/reports/import", {"vendor": "printco",
                                                          "report": text[:200]})
        self.assertEqual(r.status, 400, r.body)
        r = self.post("alice", "/vendor/reports/import", {"vendor": "nope", "report": text})
        self.assertEqual(r.status, 404, r.body)
        r = self.post("alice", "/api/v1/vendor/reports/import", {"vendor": "printco"})
        self.assertEqual(r.status, 400, r.body)
        # the auditor reads, never imports
        for path in ("/vendor/reports/import", "/api/v1/vendor/reports/import"):
            r = self.post("aud", path, {"vendor": "printco", "report": text})
            self.assertEqual(r.status, 403)
        self.assertEqual(self.api("aud", "/api/v1/vendor/reports?id=printco")[1]["items"], [])
        # the real report: verified and imported, then listed; again: nothing changes
        r = self.post("alice", "/vendor/reports/import", {"vendor": "printco", "report": text})
        self.assertEqual(r.status, 200, r.body)
        self.assertIn("c9", r.body)
        r = self.post("admin", "/api/v1/vendor/reports/import", {"vendor": "printco",
                                                                 "report": text})
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(json.loads(r.body)["already"])
        # the bad input of the issue, each refused with its reason and nothing imported:
        # a month already imported with other content, a report for another client than
        # the one pinned, a report signed by another key (this home's own report of c1)
        with open(self.fx.vendor_report2, encoding="utf-8") as f:
            other = f.read()
        own = self.get("admin", "/api/v1/report?" + self.q("c1")).body
        for form, status, why in (({"report": other}, 409, "different report .* imported before"),
                                  ({"report": text, "client": "c8"}, 400, "client"),
                                  ({"report": own}, 409, "signature|key")):
            form["vendor"] = "printco"
            r = self.post("alice", "/vendor/reports/import", form)
            self.assertEqual(r.status, status, r.body)
            self.assertRegex(r.body, "(?i)" + why)
            self.assertIn("取り込んでいません", r.body)
        st, lst = self.api("aud", "/api/v1/vendor/reports?id=printco")
        self.assertEqual(len(lst["items"]), 1)
        it = lst["items"][0]
        self.assertEqual((it["client"], it["month"], it["verification"]),
                         ("c9", self.month, "verified"))
        self.assertEqual(it["sha256"], hashlib.sha256(text.encode("utf-8")).hexdigest())
        page = self.get("aud", "/vendor/reports?id=printco")
        self.assertIn("c9", page.body)
        self.assertNotIn("/vendor/reports/import", page.body)  # no form for the auditor
        self.assertIn("/vendor/reports/import", self.get("alice", "/vendor/reports?id=printco")
                      .body)

    def test_vendor_report_import_large_body(self):
        """A report the size of one with 100 certificates (~2.2 KiB + 1.5 KiB each) imports
        through the page and the API (4 MiB for these two routes); every other route keeps
        16 KiB (413), and the import routes refuse more than 4 MiB. The size comes from
        JSON whitespace (the signature covers the canonical content), not from real
        certificates: the fixture's vendor home has none. Clients c7 (page) and c6 (API)
        of a second vendor home (bigco: one key belongs to one vendor)."""
        big = {}
        for c, path in self.fx.vendor_reports_big.items():
            with open(path, encoding="utf-8") as f:
                text = f.read()
            big[c] = text + "\n" * (2200 + 100 * 1536 - len(text))
        pub = os.path.join(self.fx.vendor_big, "keys", "certificate.pub")
        for n, v in enumerate(("bigco",)):
            for argv in (("vendor", "add", v, "--name", "大型報告", "--corporate-number",
                          corporate_number("01000100880%d" % n), "--criticality", "low"),
                         ("vendor", "key", v, "report", pub),
                         ("vendor", "key", v, "certificate", pub)):
                r = self.srv.azk(*argv)
                self.assertEqual(r.rc, 0, (argv, r.err))
        # the page: a multipart/form-data file upload (a urlencoded page form keeps 16 KiB)
        c = self.c["alice"]
        r = c.upload("/vendor/reports/import", [("csrf", c.csrf("/dashboard")),
                                                ("vendor", "bigco"), ("client", "c7")],
                     {"report": ("r.json", big["c7"].encode("utf-8"))})
        self.assertEqual(r.status, 200, r.body[-1200:])
        r = self.post("admin", "/api/v1/vendor/reports/import", {"vendor": "bigco",
                                                                 "report": big["c6"],
                                                                 "client": "c6"})
        self.assertEqual(r.status, 201, r.body)
        self.assertFalse(json.loads(r.body)["already"])
        for v, c in (("bigco", "c7"), ("bigco", "c6")):
            st, lst = self.api("aud", "/api/v1/vendor/reports?id=" + v)
            self.assertIn((c, hashlib.sha256(big[c].encode("utf-8")).hexdigest()),
                          [(i["client"], i["sha256"]) for i in lst["items"]])
        # every other route: 16 KiB, a 20 KiB body is 413 (page and API), nothing generated
        pad = "x" * (20 * 1024)
        n = len(self.api("admin", "/api/v1/reports")[1]["items"])
        r = self.post("alice", "/reports/generate", {"client": "c1", "month": "2020-01",
                                                     "pad": pad})
        self.assertEqual(r.status, 413, r.body[-500:])
        r = self.post("alice", "/api/v1/reports/generate", {"client": "c1", "month": "2020-01",
                                                            "pad": pad})
        self.assertEqual(r.status, 413, r.body)
        self.assertEqual(len(self.api("admin", "/api/v1/reports")[1]["items"]), n)
        # the import routes: more than 4 MiB is 413 too, nothing imported
        huge = big["c7"] + " " * (4 * 1024 * 1024)
        # (the page's form is read and dropped, then 413; the API answers 413 from the
        # headers, before the body: test_serve_vendor_files)
        r = self.post("alice", "/vendor/reports/import", {"vendor": "bigco", "report": huge})
        self.assertEqual(r.status, 413)
        c = self.c["alice"]
        r = c.upload("/vendor/reports/import", [("csrf", c.csrf("/dashboard")),
                                                ("vendor", "bigco")],
                     {"report": ("r.json", huge.encode("utf-8"))})
        self.assertEqual(r.status, 413)
        # without a session cookie: 401 from the headers, the body unread
        # (test_serve_vendor_files measures that from the client side)
        anon = self.srv.client()
        for path in ("/vendor/reports/import", "/api/v1/vendor/reports/import"):
            r = anon.post(path, {"vendor": "bigco", "report": "{}"})
            self.assertEqual(r.status, 401, path)
        st, lst = self.api("aud", "/api/v1/vendor/reports?id=bigco")
        self.assertNotIn(hashlib.sha256(huge.encode("utf-8")).hexdigest(),
                         [i["sha256"] for i in lst["items"]])

    # ---- a bank's staff change vendor records through serve --------------------------

    WRITES = ("/vendors/add", "/vendor/clause", "/vendor/audit", "/vendor/finding",
              "/vendor/finding/update", "/vendor/doc")

    def vendor_doc(self, v):
        st, doc = self.api("aud", "/api/v1/vendor?id=" + v)
        self.assertEqual(st, 200, doc)
        return doc

    def test_vendor_forms(self):
        """Register a vendor, record a clause, an audit, a finding (and close it), a
        certification, through the pages (operator) and the API (administrator): the
        library's checks answer 400 with nothing written, HTML in a field is escaped, the
        auditor and a client's user are refused, a form without its CSRF token too, and
        each change is one ledger event of the user who made it."""
        evil = "<script>alert('v')</script>株式会社"
        good = {"id": "formco", "name": evil, "corporate_number": corporate_number("010001008899"),
                "criticality": "high"}
        # refused: the auditor and a client's user (pages and API), no CSRF token
        for u in ("aud", "bank1"):
            self.assertEqual(self.get(u, "/vendor/edit?id=printco").status, 403, u)
            for path in self.WRITES:
                for p in (path, "/api/v1" + path):
                    r = self.post(u, p, dict(good, vendor="printco", finding="x"))
                    self.assertEqual(r.status, 403, (u, p))
        r = self.c["alice"].post("/vendors/add", good)
        self.assertEqual(r.status, 403, r.body)
        self.assertNotIn("formco", [v["id"] for v in self.api("aud", "/api/v1/vendors")[1]
                                    ["items"]])
        # bad input: the library's reason, 400, nothing registered
        for bad in (dict(good, corporate_number="1234567890123"),  # check digit
                    dict(good, criticality="extreme"), dict(good, id="bad id/../x"),
                    {"id": "formco", "name": "x"}):  # no corporate number
            r = self.post("alice", "/vendors/add", bad)
            self.assertEqual(r.status, 400, (bad, r.body[-600:]))
            r = self.post("admin", "/api/v1/vendors/add", bad)
            self.assertEqual(r.status, 400, (bad, r.body))
            self.assertIn("error", json.loads(r.body))
        self.assertNotIn("formco", [v["id"] for v in self.api("aud", "/api/v1/vendors")[1]
                                    ["items"]])
        # registered through the page; the name is escaped on the register
        r = self.post("alice", "/vendors/add", good)
        self.assertEqual(r.status, 200, r.body[-600:])
        page = self.get("aud", "/vendors").body
        self.assertIn("&lt;script&gt;alert(", page)
        self.assertNotIn("<script>alert('v')", page)
        self.assertNotIn('action="/vendors/add"', page)  # no form for the auditor
        self.assertIn('action="/vendors/add"', self.get("alice", "/vendors").body)
        self.assertIn("/vendor/edit?id=formco", self.get("alice", "/vendors").body)
        r = self.post("alice", "/vendors/add", good)  # twice: refused
        self.assertEqual(r.status, 400, r.body[-600:])
        r = self.post("admin", "/api/v1/vendors/add",
                      {"id": "formapi", "name": "API登録", "corporate_number":
                       corporate_number("010001008898")})
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(json.loads(r.body)["id"], "formapi")
        # the forms page for one vendor
        edit = self.get("alice", "/vendor/edit?id=formco")
        self.assertEqual(edit.status, 200)
        for path in self.WRITES[1:]:
            self.assertIn('action="%s"' % path, edit.body)
        self.assertEqual(self.get("alice", "/vendor/edit?id=nope").status, 404)
        # a contract clause: bad clause / status / date refused, nothing recorded
        for bad in ({"clause": "nope", "status": "agreed"},
                    {"clause": "audit-rights", "status": "maybe"},
                    {"clause": "audit-rights", "status": "agreed", "date": "2026-13-45"}):
            r = self.post("alice", "/vendor/clause", dict(bad, vendor="formco"))
            self.assertEqual(r.status, 400, (bad, r.body[-600:]))
        r = self.post("alice", "/vendor/clause", {"vendor": "nope", "clause": "audit-rights",
                                                  "status": "agreed", "date": "2026-01-10"})
        self.assertEqual(r.status, 404, r.body[-600:])
        self.assertEqual([c for c in self.vendor_doc("formco")["clauses"]
                          if c.get("status") not in (None, "missing")], [])
        r = self.post("alice", "/vendor/clause", {"vendor": "formco", "clause": "audit-rights",
                                                  "status": "agreed", "date": "2026-01-10",
                                                  "note": evil})
        self.assertEqual(r.status, 200, r.body[-600:])
        cl = [c for c in self.vendor_doc("formco")["clauses"] if c["clause"] == "audit-rights"]
        self.assertEqual(cl[0]["status"], "agreed", cl)
        # an audit: a bad date or kind refused; then recorded through the API
        for bad in ({"kind": "audit", "done_on": "yesterday"},
                    {"kind": "party", "done_on": "2026-02-01"}):
            r = self.post("alice", "/vendor/audit", dict(bad, vendor="formco"))
            self.assertEqual(r.status, 400, (bad, r.body[-600:]))
        self.assertEqual(self.vendor_doc("formco")["audits"], [])
        r = self.post("admin", "/api/v1/vendor/audit", {"vendor": "formco", "kind": "onsite",
                                                        "done_on": "2026-02-01",
                                                        "summary": evil})
        self.assertEqual(r.status, 201, r.body)
        aid = json.loads(r.body)["id"]
        self.assertEqual([a["id"] for a in self.vendor_doc("formco")["audits"]], [aid])
        # a finding of that audit: bad severity / due refused; HTML title escaped on the sheet
        for bad in ({"severity": "grave", "due": "2026-03-01"},
                    {"severity": "high", "due": "03/01"}):
            r = self.post("alice", "/vendor/finding",
                          dict(bad, vendor="formco", audit=aid, title="t", owner="o"))
            self.assertEqual(r.status, 400, (bad, r.body[-600:]))
        r = self.post("alice", "/vendor/finding", {"vendor": "formco", "audit": aid,
                                                   "title": evil, "severity": "high",
                                                   "owner": "購買部", "due": "2026-03-01"})
        self.assertEqual(r.status, 200, r.body[-600:])
        fs = self.vendor_doc("formco")["findings"]
        self.assertEqual(len(fs), 1)
        fid = fs[0]["id"]
        sheet = self.get("aud", "/vendor?id=formco").body
        self.assertNotIn("<script>alert('v')", sheet)
        # closing needs its date; an unknown finding is 404; then closed
        r = self.post("alice", "/vendor/finding/update", {"vendor": "formco", "finding": fid,
                                                          "status": "closed"})
        self.assertEqual(r.status, 400, r.body[-600:])
        r = self.post("alice", "/vendor/finding/update", {"finding": "no-such-finding",
                                                          "status": "closed",
                                                          "closed_on": "2026-03-02"})
        self.assertIn(r.status, (400, 404), r.body[-600:])
        # a hostile vendor id typed into a form comes back percent-encoded in the link
        for path, form in (("/vendor/finding/update", {"finding": "nope", "status": "open"}),
                           ("/vendor/clause", {"clause": "audit-rights", "status": "agreed",
                                               "date": "2026-01-10"})):
            r = self.post("alice", path, dict(form, vendor='"><script>alert(9)</script>'))
            self.assertIn(r.status, (400, 404), r.body[-600:])
            self.assertNotIn("<script>alert(9)", r.body)
        self.assertEqual(self.vendor_doc("formco")["findings"][0]["status"], "open")
        r = self.post("admin", "/api/v1/vendor/finding/update",
                      {"finding": fid, "status": "closed", "closed_on": "2026-03-02"})
        self.assertEqual(r.status, 201, r.body)
        f = self.vendor_doc("formco")["findings"][0]
        self.assertEqual((f["status"], f["closed_on"]), ("closed", "2026-03-02"))
        # a certification: bad class / kind / expiry refused; then recorded
        for bad in ({"class": "award", "kind": "isms"}, {"class": "cert", "kind": "financial"},
                    {"class": "cert", "kind": "isms", "expires_on": "never"}):
            r = self.post("alice", "/vendor/doc", dict(bad, vendor="formco",
                                                       received_on="2025-04-10"))
            self.assertEqual(r.status, 400, (bad, r.body[-600:]))
        self.assertEqual(self.vendor_doc("formco")["documents"], [])
        r = self.post("alice", "/vendor/doc", {"vendor": "formco", "class": "cert",
                                               "kind": "isms", "ref": "IS 123456",
                                               "issued_on": "2025-04-01",
                                               "expires_on": "2028-03-31",
                                               "received_on": "2025-04-10"})
        self.assertEqual(r.status, 200, r.body[-600:])
        d = self.vendor_doc("formco")["documents"]
        self.assertEqual([(x["class"], x["kind"], x["expires_on"]) for x in d],
                         [("cert", "isms", "2028-03-31")])
        # the ledger: one event per change, of the user who made it
        st, led = self.api("aud", "/api/v1/audit/entries?limit=1000")
        mine = [(e["action"], e["actor"]) for e in led["items"]
                if e["action"].startswith("vendor.") and e["actor"] in ("alice", "admin")]
        for ev in (("vendor.add", "alice"), ("vendor.add", "admin"), ("vendor.clause", "alice"),
                   ("vendor.audit.record", "admin"), ("vendor.finding.add", "alice"),
                   ("vendor.finding.update", "admin"), ("vendor.cert.add", "alice")):
            self.assertEqual(mine.count(ev), 1, (ev, mine))

    # ---- printable pages in headless Chromium ------------------------------------------

    def save(self, user, path, css_path, name):
        """The page as served, with its style sheet next to it (file:// for Chromium)."""
        body = self.get(user, path).body
        css = self.get(user, css_path).body
        d = os.path.join(self.srv.dir, "pages")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, name + ".css"), "w", encoding="utf-8") as f:
            f.write(css)
        html = os.path.join(d, name + ".html")
        with open(html, "w", encoding="utf-8") as f:
            f.write(body.replace('href="%s"' % css_path, 'href="%s.css"' % name))
        return html

    def test_printable_pages(self):
        """One headless Chromium for both pages: a screenshot each (kept in serve-screens/,
        looked at), then print media at A4 width: no table cell wider than its cell."""
        pages = [self.save("bank1", "/report?" + self.q("c1"), "/static/report.css",
                           "report-page"),
                 self.save("aud", "/vendor?id=printco", "/static/vendor.css", "vendor-page")]
        forms = self.save("alice", "/vendor/edit?id=printco", "/static/azukari.css",
                          "vendor-edit")
        try:
            from selenium import webdriver
        except ImportError:
            sys.path.append("/usr/lib/python3/dist-packages")
            try:
                from selenium import webdriver
            except ImportError:
                self.skipTest("python3-selenium missing")
        if shutil.which("chromedriver") is None:
            self.skipTest("chromium-driver missing")
        o = webdriver.ChromeOptions()
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=794,2400",
                  "--disable-dev-shm-usage"):
            o.add_argument(a)
        d = webdriver.Chrome(options=o)
        try:
            for html in pages:
                name = os.path.basename(html)[:-5]
                d.get("file://" + html)
                d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
                png = os.path.join(self.shots, name + ".png")
                d.save_screenshot(png)
                self.assertGreater(os.path.getsize(png), 10000, name)
                self.assertTrue(d.execute_script(
                    "return getComputedStyle(document.querySelector('th')).backgroundColor"
                    " !== 'rgba(0, 0, 0, 0)'"), name + ": the style sheet was not applied")
                d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
                bad = d.execute_script(
                    "var bad = []; document.querySelectorAll('td,th,pre').forEach(function (e) {"
                    " if (e.scrollWidth > e.clientWidth + 1) bad.push(e.textContent.slice(0, 40));"
                    " }); return bad;")
                self.assertEqual(bad, [], name + ": table cells clipped in print")
            # the vendor write forms at 1366x768: nothing wider than the window
            d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
            d.set_window_size(1366, 768)
            d.get("file://" + forms)
            png = os.path.join(self.shots, "vendor-edit.png")
            d.save_screenshot(png)
            self.assertGreater(os.path.getsize(png), 10000)
            self.assertEqual(len(d.find_elements("css selector", "main form")), 5)
            self.assertLessEqual(d.execute_script(
                "return document.documentElement.scrollWidth"), 1366)
        finally:
            d.quit()


if __name__ == "__main__":
    unittest.main()
