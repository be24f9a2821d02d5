# SPDX-License-Identifier: Apache-2.0
"""test_serve_incidents.py -- incidents in `azukari serve`, end to end: two
real `azukari impact` runs recorded as incidents (one touching client c1, one
touching c1 and c2), the list and the incident page with their /api/v1 twins
(checked against docs/api/openapi.yaml), the drafts (the PPC report for
staff, each client's notice), a bank user who sees only the incident that
touches its client and only its client's part (403 for the other incident's
id and for an id that does not exist, page and API), state changes with a
step-up code (operator and approver; a wrong code, a move not allowed, other
roles refused), HTML/SQL injection text in the fields shown, the dashboard's
line, the ledger, and a screenshot and a PDF of the incident page in
headless Chromium. Users are made with the CLI and the catalog (fixture), so
no test waits for a TOTP step."""

import base64
import calendar
import json
import os
import re
import shutil
import time
import unittest
import urllib.parse

import serve_client as S
import serve_plat_lib as P
import serve_ui_fixtures as F
from test_serve_ui import check_openapi
from test_retention import faked_env
import azk_testlib as T

try:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover
    webdriver = None

PW = P.PW
XSS = "<script>alert(1)</script>"
SQLI = "' OR '1'='1' --"


def csv_of(rows):
    return ("会員番号,氏名,生年月日,電話番号,住所\n" + "".join(
        "%s,%s,%s,%s,%s\n" % r for r in rows)).encode("utf-8")


C1 = [("A%04d" % i, n, "19%02d-0%d-1%d" % (50 + i, 1 + i % 9, i % 9), "090-%04d-%04d" % (1000 + i,
       2000 + i), "東京都千代田区神田%d-%d-%d" % (i, i + 1, i + 2))
      for i, n in enumerate(["山田太郎", "佐藤花子", "鈴木一郎", "高橋美咲"], start=1)]
C2 = [("B%04d" % i, n, "19%02d-0%d-2%d" % (60 + i, 1 + i % 9, i % 9), "080-%04d-%04d" % (3000 + i,
       4000 + i), "大阪府大阪市北区梅田%d-%d-%d" % (i, i + 3, i + 4))
      for i, n in enumerate(["田中健一", "伊藤陽子", "渡辺翔太"], start=1)]


def mixed_leak(d):
    """A leak of C1's records on every basis: two whole rows (strict), a dispatch line with a
    name and the household's address (household), a note with a name and a birth date (name
    + birth date only). Strict 2, name_birth 1, household 1."""
    leak = os.path.join(d, "leak")
    os.mkdir(leak)
    with open(os.path.join(leak, "rows.csv"), "wb") as f:
        f.write(csv_of(C1[2:]))
    with open(os.path.join(leak, "log.txt"), "w", encoding="utf-8") as f:
        f.write("発送先 山田 太郎 様 %s\n%s様より問い合わせ。生年月日（%s年%d月%d日）を確認。\n"
                % (C1[0][4], C1[1][1], C1[1][2][:4], int(C1[1][2][5:7]), int(C1[1][2][8:])))
    return leak


class ServeIncidentsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        srv = cls.srv = S.Server()
        cls.codes = F.Codes()
        cls.secrets = {"admin": srv.enrol("admin", PW)}
        assert srv.azk("client", "add", "c1", "--name", "Bank <b>One</b>").rc == 0
        assert srv.azk("client", "add", "c2", "--name", "Bank Two").rc == 0
        for ds, client, purpose, rows in (("d1", "c1", XSS, C1), ("d2", "c2", "ダイレクトメール",
                                                                   C2)):
            p = os.path.join(srv.dir, ds + ".csv")
            with open(p, "wb") as f:
                f.write(csv_of(rows))
            r = srv.azk("intake", "--client", client, "--dataset", ds, "--purpose", purpose,
                        "--retain-until", "2099-03-31", p)
            assert r.rc == 0, r.err
        # people: one CLI user (the second person needs no approval), the others its copies
        # with their own names and roles, web logins set in the catalog (fixture); a TOTP
        # code is spent per user name, so they never wait for each other's time steps
        r = srv.azk("user", "add", "ope")
        assert r.rc == 0, r.err
        stmts = ["UPDATE users SET role='operator', pw_hash=(SELECT pw_hash FROM users"
                 " WHERE name='admin') WHERE name='ope'"]
        cls.secrets["ope"] = r.out.strip()
        for name, role in (("appr", "approver"), ("appr2", "approver"), ("aud", "auditor"),
                           ("bank", "client")):
            cls.secrets[name] = cls.secrets["ope"]
            stmts.append("INSERT INTO users(name, nonce, secret, created_at, created_by, state,"
                         " approved_by, pw_hash, role) SELECT '%s', nonce, secret, created_at,"
                         " created_by, state, approved_by, pw_hash, '%s' FROM users"
                         " WHERE name='ope'" % (name, role))
        stmts.append("INSERT INTO user_grants(name, client) VALUES('bank', 'c2')")
        srv.sql(*stmts)
        # the stolen files: c1's records alone (incident A), then c1's and c2's (incident B)
        sa = os.path.join(srv.dir, "stolen-a")
        sb = os.path.join(srv.dir, "stolen-b")
        os.mkdir(sa)
        os.mkdir(sb)
        shutil.copy(os.path.join(srv.dir, "d1.csv"), os.path.join(sa, "leak.csv"))
        shutil.copy(os.path.join(srv.dir, "d1.csv"), os.path.join(sb, "x1.csv"))
        shutil.copy(os.path.join(srv.dir, "d2.csv"), os.path.join(sb, "x2.csv"))
        cls.inc = {}
        for k, d in (("A", sa), ("B", sb)):
            r = srv.azk("impact", "--known-date", "2026-12-01", "--cause", "theft",
                        "--contractor", XSS + SQLI, d)
            assert r.rc == 1, r.out + r.err
            m = re.search(r"(INC-[0-9]{8}T[0-9]{9}Z-[0-9a-f]{8})", r.err)
            assert m, r.err
            cls.inc[k] = m.group(1)
        cls.s = {u: P.login(srv, cls.codes, u, cls.secrets[u]) for u in
                 ("ope", "appr", "appr2", "aud", "bank")}

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def api(self, user, path):
        r = self.s[user].get(path)
        self.assertEqual(r.header("Content-Type"), "application/json; charset=utf-8", r.body)
        doc = json.loads(r.body)
        check_openapi(path, r.status, doc)
        return r.status, doc

    def act(self, user, page, action, form, code=None):
        c = self.s[user]
        f = dict(form)
        f["csrf"] = c.csrf(page)
        f["code"] = code if code is not None else self.codes.code(user, self.secrets[user])
        return c.post(action, f)

    # ---- staff ---------------------------------------------------------------

    def test_a_staff_list_and_detail(self):
        a, b = self.inc["A"], self.inc["B"]
        st, doc = self.api("aud", "/api/v1/incidents")
        self.assertEqual(st, 200)
        ids = [x["id"] for x in doc["items"]]
        self.assertEqual(ids, [b, a])  # newest first
        self.assertEqual(doc["items"][0]["records"], len(C1) + len(C2))
        self.assertEqual(doc["items"][1]["records"], len(C1))
        # the list carries the split too: whole CSV rows are strict
        self.assertEqual([(x["strict"], x["name_birth"], x["household"]) for x in doc["items"]],
                         [(len(C1) + len(C2), 0, 0), (len(C1), 0, 0)])
        # paging: one at a time, every incident once
        st, p1 = self.api("aud", "/api/v1/incidents?limit=1")
        self.assertEqual([x["id"] for x in p1["items"]], [b])
        st, p2 = self.api("aud", "/api/v1/incidents?limit=1&after=" + p1["next"])
        self.assertEqual([x["id"] for x in p2["items"]], [a])
        self.assertIsNone(p2["next"])
        r = self.s["aud"].get("/incidents")
        self.assertEqual(r.status, 200)
        self.assertIn(b, r.body)
        st, d = self.api("aud", "/api/v1/incident?id=" + b)
        self.assertEqual(st, 200)
        self.assertEqual(sorted(c["client"] for c in d["clients"]), ["c1", "c2"])
        by = {x["dataset"]: x for x in d["datasets"]}
        self.assertEqual(by["d1"]["records"], len(C1))
        self.assertEqual(by["d2"]["records"], len(C2))
        # what the records rest on (schema 8): the bases add up to the records
        for x in by.values():
            self.assertEqual(x["strict"] + x["name_birth"] + x["household"], x["records"])
            self.assertIsInstance(x["name_birth_expected_false"], (int, float))
        self.assertEqual((d["strict"], d["name_birth"], d["household"]),
                         (len(C1) + len(C2), 0, 0))
        self.assertEqual(d["name_birth_expected_false"], 0)
        self.assertEqual(d["state"], "open")
        self.assertEqual([x["kind"] for x in d["drafts"]], ["ppc", "client", "client"])
        self.assertIn("個人情報保護委員会", d["drafts"][0]["markdown"])
        self.assertTrue(all(p.startswith("name:") for p in d["paths"]))
        self.assertNotIn("stolen-b", r.body + json.dumps(d))
        r = self.s["aud"].get("/incident?id=" + b)
        self.assertEqual(r.status, 200)
        self.assertIn('id="draft-0"', r.body)
        self.assertIn('id="inc-strict"><strong>%d</strong>' % (len(C1) + len(C2)), r.body)
        self.assertIn("個人情報保護委員会への報告", r.body)
        self.assertIn('href="/static/incident.css"', r.body)
        # no state form for an auditor
        self.assertNotIn('action="/incidents/state"', r.body)
        # staff: an id that does not exist is 404; a malformed one too
        for bad in ("INC-20260101T000000000Z-00000000", SQLI, "../../etc/passwd"):
            st, e = self.api("aud", "/api/v1/incident?id=" + urllib.parse.quote(bad))
            self.assertEqual(st, 404, bad)
            self.assertEqual(e["error"]["code"], "not_found")

    def test_b_bad_list_arguments(self):
        for q in ("state=bogus", "after=%27%20OR%201%3D1", "limit=0", "limit=x"):
            r = self.s["aud"].get("/api/v1/incidents?" + q)
            self.assertEqual(r.status, 400, q)
            self.assertEqual(json.loads(r.body)["error"]["code"], "bad_request")
            self.assertEqual(self.s["aud"].get("/incidents?" + q).status, 400, q)

    def test_c_injection_escaped(self):
        b = self.inc["B"]
        for user in ("aud", "ope"):
            body = self.s[user].get("/incident?id=" + b).body
            self.assertNotIn(XSS, body)
            self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", body)
            self.assertNotIn("<b>One</b>", body)
            self.assertIn("Bank &lt;b&gt;One&lt;/b&gt;", body)

    # ---- the client role -----------------------------------------------------

    def test_d_client_sees_only_its_own(self):
        a, b = self.inc["A"], self.inc["B"]
        st, doc = self.api("bank", "/api/v1/incidents")
        self.assertEqual(st, 200)
        self.assertEqual([x["id"] for x in doc["items"]], [b])
        self.assertEqual(doc["items"][0]["records"], len(C2))  # c2's part only
        r = self.s["bank"].get("/incidents")
        self.assertIn(b, r.body)
        self.assertNotIn(a, r.body)
        st, d = self.api("bank", "/api/v1/incident?id=" + b)
        self.assertEqual(st, 200)
        self.assertEqual([c["client"] for c in d["clients"]], ["c2"])
        self.assertEqual([x["dataset"] for x in d["datasets"]], ["d2"])
        self.assertEqual(d["records"], len(C2))
        self.assertEqual((d["strict"], doc["items"][0]["strict"]), (len(C2), len(C2)))
        for k in ("files", "steps", "paths", "persons_by_client", "contractor", "created_by"):
            self.assertNotIn(k, d)
        self.assertEqual([(x["kind"], x.get("client")) for x in d["drafts"]], [("client", "c2")])
        text = json.dumps(d, ensure_ascii=False)
        # c1's dataset as a word: the incident id and file hashes are hex and
        # hold "d1" by chance (the check failed once on "...-b0894d17")
        self.assertIsNone(re.search(r"\bd1\b", text))
        self.assertIsNone(re.search(r"\bd1\b", "INC-20261207T043218796Z-b0894d17 SHA-256 9a3d1eb2"))
        self.assertIsNotNone(re.search(r"\bd1\b", '"c1 / d1: ", "d1"'))
        self.assertNotIn("個人情報保護委員会への報告", text)
        page = self.s["bank"].get("/incident?id=" + b).body
        self.assertNotIn(">d1<", page)
        self.assertNotIn("Bank &lt;b&gt;One", page)
        # another client's incident, or one that does not exist: 403, page and API
        for bad in (a, "INC-20260101T000000000Z-00000000", SQLI):
            q = urllib.parse.quote(bad)
            self.assertEqual(self.s["bank"].get("/incident?id=" + q).status, 403, bad)
            st, e = self.api("bank", "/api/v1/incident?id=" + q)
            self.assertEqual(st, 403, bad)
            self.assertEqual(e["error"]["code"], "forbidden")
        # no state change for a bank user
        r = self.act("bank", "/incidents", "/incidents/state",
                     {"id": b, "state": "closed"}, code="000000")
        self.assertEqual(r.status, 403)

    # ---- the dashboard -------------------------------------------------------

    def test_e_dashboard_line(self):
        st, d = self.api("aud", "/api/v1/dashboard")
        self.assertEqual(d["open_incidents"], 2)
        st, d = self.api("bank", "/api/v1/dashboard")
        self.assertEqual(d["open_incidents"], 1)
        body = self.s["aud"].get("/dashboard").body
        m = re.search(r'id="incidents-open"><a href="/incidents\?state=open">[^<]*: (\d+)</a>',
                      body)
        self.assertTrue(m, body)
        self.assertEqual(m.group(1), "2")

    # ---- state changes -------------------------------------------------------

    def test_s_state_changes(self):
        a, b = self.inc["A"], self.inc["B"]
        # a wrong step-up code: refused, nothing changed
        r = self.act("appr", "/incident?id=" + a, "/incidents/state",
                     {"id": a, "state": "closed"}, code="000000")
        self.assertEqual(r.status, 403, r.body)
        self.assertEqual(self.api("aud", "/api/v1/incident?id=" + a)[1]["state"], "open")
        # an auditor may not; bad states and notes are refused before the step-up
        self.assertEqual(self.act("aud", "/incidents", "/incidents/state",
                                  {"id": a, "state": "closed"}, code="000000").status, 403)
        for form in ({"id": a, "state": "open"}, {"id": a, "state": "x" * 50},
                     {"id": SQLI, "state": "closed"}, {"id": a, "state": "closed",
                                                       "note": "n" * 2001}):
            r = self.act("ope", "/incidents", "/incidents/state", form, code="000000")
            self.assertEqual(r.status, 400, form)
        # the operator reports B (page form, step-up), the note holds injection text
        r = self.act("ope", "/incident?id=" + b, "/incidents/state",
                     {"id": b, "state": "reported", "note": XSS + SQLI})
        self.assertEqual(r.status, 200, r.body)
        st, d = self.api("aud", "/api/v1/incident?id=" + b)
        self.assertEqual((d["state"], d["state_by"]), ("reported", "ope"))
        self.assertEqual(d["steps"][-1]["note"], XSS + SQLI)
        page = self.s["aud"].get("/incident?id=" + b).body
        self.assertNotIn(XSS, page)
        # the approver closes A through the API (JSON, X-CSRF-Token, step-up)
        c = self.s["appr2"]
        tok = json.loads(c.get("/api/v1/me").body)["csrf"]
        r = c.post("/api/v1/incidents/state", {"csrf": tok, "id": a, "state": "closed",
                                               "code": self.codes.code("appr2",
                                                                       self.secrets["appr2"])})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(json.loads(r.body), {"id": a, "state": "closed"})
        # closed is final: a move from it is refused before a code is asked
        r = self.act("appr", "/incident?id=" + a, "/incidents/state",
                     {"id": a, "state": "reported"}, code="000000")
        self.assertEqual(r.status, 400, r.body)
        # an incident that does not exist: 404, no code used
        r = self.act("appr", "/incidents", "/incidents/state",
                     {"id": "INC-20260101T000000000Z-00000000", "state": "closed"}, code="000000")
        self.assertEqual(r.status, 404, r.body)
        # no CSRF token: refused by the router, nothing changed
        r = self.s["ope"].post("/incidents/state", {"id": b, "state": "closed", "code": "1"})
        self.assertEqual(r.status, 403, r.body)
        r = self.s["ope"].post("/api/v1/incidents/state", {"id": b, "state": "closed",
                                                           "code": "1"})
        self.assertEqual(r.status, 403, r.body)
        st, doc = self.api("aud", "/api/v1/incidents?state=open")
        self.assertEqual(doc["items"], [])
        self.assertEqual(self.api("aud", "/api/v1/incident?id=" + b)[1]["state"], "reported")
        st, d = self.api("aud", "/api/v1/dashboard")
        self.assertEqual(d["open_incidents"], 1)  # B is reported, not closed
        # the ledger: created twice, two state changes, never a path or a value
        st, led = self.api("aud", "/api/v1/audit/entries?limit=1000")
        text = json.dumps(led, ensure_ascii=False)
        acts = [e.get("action") for e in led["items"]]
        self.assertEqual(acts.count("incident.create"), 2, text)
        self.assertEqual(acts.count("incident.state"), 2, text)
        for secret in ("山田太郎", "090-1001-2001", "stolen-a", "leak.csv"):
            self.assertNotIn(secret, text)
        for e in led["items"]:  # the note stays with the step, out of the ledger
            if e["action"].startswith("incident."):
                self.assertNotIn("alert(1)", json.dumps(e))


    def test_t_cli(self):
        """The register from the command line: the list, and a person's state change."""
        a, b = self.inc["A"], self.inc["B"]
        r = self.srv.azk("impact", "incidents")
        self.assertEqual(r.rc, 0, r.err)
        lines = [ln for ln in r.out.splitlines() if ln.startswith("INC-")]
        self.assertEqual([ln.split()[0] for ln in lines], [b, a])
        r = self.srv.azk("impact", "incidents", "--state", "bogus")
        self.assertEqual(r.rc, 64, r.err)
        # no person: refused; a wrong code: refused; then the approver closes B
        r = self.srv.azk("impact", "incident", b, "--state", "closed")
        self.assertEqual(r.rc, 3, r.out)
        r = self.srv.azk("impact", "incident", b, "--state", "closed", "--user", "appr",
                         "--totp", "000000")
        self.assertNotEqual(r.rc, 0, r.out)
        r = self.srv.azk("impact", "incident", b, "--state", "closed", "--note", "PPC 確報済み",
                         "--user", "appr", "--totp",
                         self.codes.code("appr", self.secrets["appr"]))
        self.assertEqual(r.rc, 0, r.err)
        r = self.srv.azk("impact", "incidents", "--state", "open")
        self.assertEqual([ln for ln in r.out.splitlines() if ln.startswith("INC-")], [])
        st, d = self.api("aud", "/api/v1/incident?id=" + b)
        self.assertEqual((d["state"], d["state_by"]), ("closed", "appr"))
        r = self.srv.azk("impact", "draft", b, "--client", "c2")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("委託元への通知", r.out)
        self.assertIsNone(re.search(r"\bd1\b", r.out))  # as a word: hashes are hex


class MonthlyReportIncidentsTest(unittest.TestCase):
    def test_monthly_report_splits_the_records(self):
        """The monthly report's incident lines carry the split (docs/supervision.md): strict
        first, the weaker two with their expected false counts, the total (JSON and page)."""
        srv = S.Server()
        self.addCleanup(srv.cleanup)
        self.assertEqual(srv.azk("client", "add", "c1").rc, 0)
        p = os.path.join(srv.dir, "dm.csv")
        with open(p, "wb") as f:
            f.write(csv_of(C1))
        r = srv.azk("intake", "--client", "c1", "--dataset", "dm", "--purpose", "DM",
                    "--retain-until", "2099-03-31", p)
        self.assertEqual(r.rc, 0, r.err)
        r = srv.azk("impact", "--known-date", "2026-12-01", mixed_leak(srv.dir))
        self.assertEqual(r.rc, 1, r.err)
        inc = re.search(r"(INC-\S+)", r.err).group(1)
        now = time.gmtime()
        month = "%04d-%02d" % (now.tm_year, now.tm_mon)
        nxt = calendar.timegm((now.tm_year + now.tm_mon // 12, now.tm_mon % 12 + 1, 1, 1, 0, 0))
        out, html = os.path.join(srv.dir, "m.json"), os.path.join(srv.dir, "m.html")
        r = T.run([srv.bin, "--home", srv.home, "--lang", "ja", "report", "monthly", "--client",
                   "c1", "--month", month, "--out", out, "--html", html],
                  env=faked_env(srv.env, nxt))
        self.assertEqual(r.rc, 0, r.err)
        with open(out, encoding="utf-8") as f:
            items = json.load(f)["report"]["incidents"]["items"]
        self.assertEqual([x["id"] for x in items], [inc])
        x = items[0]
        self.assertEqual((x["strict"], x["name_birth"], x["household"], x["records"]),
                         (2, 1, 1, 4))
        self.assertAlmostEqual(x["name_birth_expected_false"], 0.001)
        self.assertAlmostEqual(x["household_expected_false"], 0.00025)
        with open(html, encoding="utf-8") as f:
            page = f.read()
        heads = re.findall(r"<th>([^<]*)</th>", page[page.index("インシデント番号") - 4:])
        self.assertLess(heads.index("厳格な件数（報告の見出し）"), heads.index("確定した記録の合計"))
        self.assertIn("<td>2</td><td>1</td><td>0.001</td><td>1</td><td>0.00025</td><td>4</td>",
                      page)


@unittest.skipIf(webdriver is None or shutil.which("chromedriver") is None,
                 "python3-selenium or chromium-driver missing")
class ServeIncidentsBrowserTest(unittest.TestCase):
    def test_incident_page_screenshot_and_pdf(self):
        srv = S.Server()
        self.addCleanup(srv.cleanup)
        codes = F.Codes()
        secret = srv.enrol("admin", PW)
        self.assertEqual(srv.azk("client", "add", "shinkin-a", "--name", "しんきん A").rc, 0)
        p = os.path.join(srv.dir, "dm.csv")
        with open(p, "wb") as f:
            f.write(csv_of(C1))
        r = srv.azk("intake", "--client", "shinkin-a", "--dataset", "dm-2024", "--purpose",
                    "ダイレクトメール発送", "--retain-until", "2099-03-31", p)
        self.assertEqual(r.rc, 0, r.err)
        # the leak: two whole rows (strict), a dispatch line with a name and the household's
        # address (household), a note with a name and a birth date (name + birth date only)
        leak = mixed_leak(srv.dir)
        r = srv.azk("impact", "--known-date", "2026-12-01", "--cause", "unauthorized-access",
                    "--contractor", "株式会社サンプル", leak)
        self.assertEqual(r.rc, 1, r.err)
        inc = re.search(r"(INC-\S+)", r.err).group(1)
        shots = os.path.join(os.environ.get("AZK_BUILDDIR", srv.dir), "serve-screens")
        os.makedirs(shots, exist_ok=True)
        d = S.chrome()
        self.addCleanup(d.quit)
        base = "https://localhost:%d" % srv.port
        d.get(base + "/login")
        d.find_element(By.ID, "user").send_keys("admin")
        d.find_element(By.ID, "password").send_keys(PW)
        d.find_element(By.ID, "code").send_keys(codes.code("admin", secret))
        d.find_element(By.ID, "login").click()
        WebDriverWait(d, 10).until(lambda x: x.current_url.endswith("/dashboard"))
        self.assertIn("1", d.find_element(By.ID, "incidents-open").text)
        d.find_element(By.LINK_TEXT, "インシデント").click()
        WebDriverWait(d, 10).until(lambda x: "/incidents" in x.current_url)
        d.save_screenshot(os.path.join(shots, "incidents.png"))
        # the list: strict first, the weaker two with their expected false counts, the total
        row = d.find_element(By.CSS_SELECTOR, "#incidents tbody tr")
        self.assertEqual(row.find_element(By.CSS_SELECTOR, "td.strict").text, "2")
        self.assertRegex(row.find_element(By.CSS_SELECTOR, "td.name-birth").text,
                         r"^1 \(誤りの期待数 0\.001\)$")
        self.assertRegex(row.find_element(By.CSS_SELECTOR, "td.household").text,
                         r"^1 \(誤りの期待数 0\.00025\)$")
        self.assertEqual(row.find_element(By.CSS_SELECTOR, "td.total").text, "4")
        heads = [h.text for h in d.find_elements(By.CSS_SELECTOR, "#incidents thead th")]
        self.assertLess(heads.index("厳格な件数（報告の見出し）"), heads.index("確定した記録の合計"))
        d.find_element(By.LINK_TEXT, inc).click()
        WebDriverWait(d, 10).until(lambda x: x.find_elements(By.ID, "draft-0"))
        # strict first (the headline), the weaker two beside it, the total last
        self.assertEqual(d.find_element(By.ID, "inc-strict").text, "2")
        self.assertRegex(d.find_element(By.ID, "inc-name-birth").text,
                         r"^1 \(別人の記録である件数の期待値: 0\.001\)$")
        self.assertRegex(d.find_element(By.ID, "inc-household").text,
                         r"^1 \(同居人の記録である件数の期待値: 0\.00025\)$")
        self.assertEqual(d.find_element(By.ID, "inc-records").text, str(len(C1)))
        ids = [e.get_attribute("id") for e in d.find_elements(By.CSS_SELECTOR, "dl.detail dd")]
        self.assertLess(ids.index("inc-strict"), ids.index("inc-records"))
        cells = d.find_elements(By.CSS_SELECTOR, "#inc-datasets tbody td")
        self.assertEqual([c.text for c in cells[3:7]],
                         ["2", "1 (誤りの期待数 0.001)", "1 (誤りの期待数 0.00025)", "4"])
        # the page's own stylesheet applied (CSP: 'self' styles only)
        bw = d.execute_script("return getComputedStyle(document.getElementById('draft-0'))"
                              ".borderTopStyle")
        self.assertEqual(bw, "solid")
        # usable at 1366x768: nothing wider than the window
        self.assertLessEqual(d.execute_script("return document.documentElement.scrollWidth"),
                             1366)
        d.save_screenshot(os.path.join(shots, "incident.png"))
        d.execute_script("document.getElementById('draft-0').scrollIntoView()")
        d.save_screenshot(os.path.join(shots, "incident-draft.png"))
        # as printed: no navigation or forms, the draft on a page of its own
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        self.assertEqual(d.execute_script("return getComputedStyle(document.querySelector("
                                          "'header')).display"), "none")
        d.execute_script("window.scrollTo(0, 0)")
        d.save_screenshot(os.path.join(shots, "incident-print.png"))
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
        pdf = base64.b64decode(d.print_page())
        self.assertTrue(pdf.startswith(b"%PDF"))
        with open(os.path.join(shots, "incident.pdf"), "wb") as f:
            f.write(pdf)


if __name__ == "__main__":
    unittest.main()
