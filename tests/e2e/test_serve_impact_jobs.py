# SPDX-License-Identifier: Apache-2.0
"""test_serve_impact_jobs.py -- impact runs asked for in `azukari serve` and run
by `azukari impact worker`, end to end: an operator asks for a run over a folder
of the home's impact inbox (page and API, step-up), the approver -- another
person -- approves it, the worker (its own process, as the service would run it)
runs it and records the incident, which the incidents pages then show; a
second run over a folder that is not there ends as failed with the status only;
the bad inputs: a label that is a path (../, /, a leading dot, over 64), a wrong
step-up code, the requester approving their own run, approving twice, approving
a refused run, an auditor or a bank user asking (403), no CSRF token, a link in
the inbox instead of a folder; nothing of a file name or a value in the ledger
or the job list. The CLI's `impact job` and `impact jobs` give the same."""

import json
import os
import re
import shutil
import unittest

try:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover
    webdriver = None

import serve_client as S
import serve_plat_lib as P
import serve_ui_fixtures as F
from test_serve_ui import check_openapi

PW = P.PW
ROWS = [("A%04d" % i, n, "19%02d-0%d-1%d" % (50 + i, 1 + i % 9, i % 9),
         "090-%04d-%04d" % (1000 + i, 2000 + i), "東京都千代田区神田%d-%d-%d" % (i, i + 1, i + 2))
        for i, n in enumerate(["山田太郎", "佐藤花子", "鈴木一郎", "高橋美咲"], start=1)]
LEAK_NAME = "顧客一覧_山田太郎.csv"  # a file name is a personal value: never shown


class ServeImpactJobsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # a test clock: a user out of fresh TOTP steps moves it on instead of waiting
        srv = cls.srv = S.Server(clock=True)
        cls.codes = F.Codes(srv.clock)
        cls.secrets = {"admin": srv.enrol("admin", PW)}
        assert srv.azk("client", "add", "c1", "--name", "Bank One").rc == 0
        p = os.path.join(srv.dir, "d1.csv")
        with open(p, "wb") as f:
            f.write(("会員番号,氏名,生年月日,電話番号,住所\n" + "".join(
                "%s,%s,%s,%s,%s\n" % r for r in ROWS)).encode("utf-8"))
        r = srv.azk("intake", "--client", "c1", "--dataset", "d1", "--purpose", "DM",
                    "--retain-until", "2099-03-31", p)
        assert r.rc == 0, r.err
        r = srv.azk("user", "add", "ope")
        assert r.rc == 0, r.err
        cls.secrets["ope"] = r.out.strip()
        stmts = ["UPDATE users SET role='operator', pw_hash=(SELECT pw_hash FROM users"
                 " WHERE name='admin') WHERE name='ope'"]
        for name, role in (("ope2", "operator"), ("appr", "approver"), ("aud", "auditor"),
                           ("bank", "client")):
            cls.secrets[name] = cls.secrets["ope"]
            stmts.append("INSERT INTO users(name, nonce, secret, created_at, created_by, state,"
                         " approved_by, pw_hash, role) SELECT '%s', nonce, secret, created_at,"
                         " created_by, state, approved_by, pw_hash, '%s' FROM users"
                         " WHERE name='ope'" % (name, role))
        stmts.append("INSERT INTO user_grants(name, client) VALUES('bank', 'c1')")
        srv.sql(*stmts)
        inbox = os.path.join(srv.home, "impact-inbox")
        os.makedirs(os.path.join(inbox, "leak-1"))
        shutil.copy(p, os.path.join(inbox, "leak-1", LEAK_NAME))
        os.symlink(os.path.join(inbox, "leak-1"), os.path.join(inbox, "linked"))
        cls.s = {u: P.login(srv, cls.codes, u, cls.secrets[u])
                 for u in ("ope", "ope2", "appr", "aud", "bank")}

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def code(self, user):
        return self.codes.code(user, self.secrets[user])

    def form(self, user, action, form, code=None):
        c = self.s[user]
        f = dict(form)
        f["csrf"] = c.csrf("/impact/jobs")
        f["code"] = code if code is not None else self.code(user)
        return c.post(action, f)

    def api_post(self, user, path, form, code=None):
        c = self.s[user]
        f = dict(form)
        f["csrf"] = json.loads(c.get("/api/v1/me").body)["csrf"]
        f["code"] = code if code is not None else self.code(user)
        r = c.post(path, f)
        doc = json.loads(r.body)
        check_openapi(path, r.status, doc, "post")
        return r.status, doc

    def api_get_incident(self, inc):
        r = self.s["aud"].get("/api/v1/incident?id=" + inc)
        self.assertEqual(r.status, 200, r.body)
        return r.status, json.loads(r.body)

    def jobs(self, user="aud"):
        r = self.s[user].get("/api/v1/impact/jobs")
        self.assertEqual(r.status, 200, r.body)
        doc = json.loads(r.body)
        check_openapi("/api/v1/impact/jobs", 200, doc)
        return {j["id"]: j for j in doc["items"]}

    def worker(self):
        r = self.srv.azk("impact", "worker", "--once")
        self.assertEqual(r.rc, 0, r.err)
        self.assertNotIn(LEAK_NAME, r.out + r.err)
        return r

    def test_a_request_approve_run(self):
        # the page: the operator's form, asked for with step-up
        r = self.s["ope"].get("/impact/jobs")
        self.assertEqual(r.status, 200)
        self.assertIn('action="/impact/jobs/request"', r.body)
        self.assertNotIn('action="/impact/jobs/request"', self.s["aud"].get("/impact/jobs").body)
        r = self.form("ope", "/impact/jobs/request", {"label": "leak-1", "known_date": "2026-12-01",
                                                      "cause": "theft"})
        self.assertEqual(r.status, 200, r.body)
        m = re.search(r"(JOB-[0-9]{8}T[0-9]{9}Z-[0-9a-f]{8})", self.s["aud"].get(
            "/impact/jobs").body)
        self.assertTrue(m)
        job = m.group(1)
        self.assertEqual(self.jobs()[job]["state"], "pending")
        # the worker does nothing with a pending job
        self.worker()
        self.assertEqual(self.jobs()[job]["state"], "pending")
        # the approver sees the approve form; approves with step-up (API)
        self.assertIn('action="/impact/jobs/approve"', self.s["appr"].get("/impact/jobs").body)
        st, doc = self.api_post("appr", "/api/v1/impact/jobs/approve", {"id": job})
        self.assertEqual(st, 200, doc)
        self.assertEqual(doc, {"id": job, "state": "queued"})
        # approving again: not pending any more
        st, doc = self.api_post("appr", "/api/v1/impact/jobs/approve", {"id": job})
        self.assertEqual(st, 400, doc)
        # the worker runs it, records the incident
        self.worker()
        j = self.jobs()[job]
        self.assertEqual(j["state"], "done", j)
        self.assertEqual(j["records"], len(ROWS))
        self.assertTrue(j["incident"].startswith("INC-"))
        self.assertEqual(j["known_date"], "2026-12-01")
        r = self.s["aud"].get("/api/v1/incident?id=" + j["incident"])
        self.assertEqual(r.status, 200, r.body)
        inc = json.loads(r.body)
        self.assertEqual(inc["records"], len(ROWS))
        self.assertEqual(inc["cause"], "theft")
        self.assertIn('href="/incident?id=' + j["incident"],
                      self.s["aud"].get("/impact/jobs").body)
        # the strict count (the headline) with the total beside it, API and page
        self.assertEqual(j["strict"], len(ROWS))
        self.assertRegex(self.s["aud"].get("/impact/jobs").body,
                         r'class="records"><strong>%d</strong> \(\S+ %d\)' % (len(ROWS),
                                                                               len(ROWS)))
        # the ledger: request, approve, run, done; no file name, no value
        r = self.s["aud"].get("/api/v1/audit/entries?limit=1000")
        text = r.body
        for act in ("impact.job.request", "impact.job.approve", "impact.job.run",
                    "impact.job.done"):
            self.assertIn(act, text)
        for secret in (LEAK_NAME, "山田太郎", "090-1001-2001"):
            self.assertNotIn(secret, text)
            self.assertNotIn(secret, json.dumps(self.jobs(), ensure_ascii=False))

    def test_b_missing_folder_and_link_fail(self):
        for label in ("nothing-here", "linked"):
            st, doc = self.api_post("ope2", "/api/v1/impact/jobs/request", {"label": label})
            self.assertEqual(st, 200, doc)
            job = doc["id"]
            st, doc = self.api_post("appr", "/api/v1/impact/jobs/approve", {"id": job})
            self.assertEqual(st, 200, doc)
            self.worker()
            j = self.jobs()[job]
            self.assertEqual(j["state"], "failed", j)
            self.assertIsNone(j["incident"])
            self.assertIn("failed", j["error"])
            self.assertNotIn(self.srv.home, j["error"])

    def test_b2_interrupted_run_ends_failed(self):
        # a worker killed during a run leaves the job running: the next worker ends it as
        # failed (interrupted), so no job stays running for ever
        st, doc = self.api_post("ope2", "/api/v1/impact/jobs/request", {"label": "leak-1"})
        job = doc["id"]
        st, doc = self.api_post("appr", "/api/v1/impact/jobs/approve", {"id": job})
        self.assertEqual(st, 200, doc)
        self.srv.sql("UPDATE impact_jobs SET state='running', started_at=1 WHERE id='%s'" % job)
        self.worker()
        j = self.jobs()[job]
        self.assertEqual(j["state"], "failed", j)
        self.assertIn("interrupted", j["error"])

    def test_c_bad_labels_and_codes(self):
        for label in ("../etc", "/etc", ".hidden", "-x", "a/b", "x" * 65, "", "山田",
                      "leak-1\n", "' OR 1=1 --"):
            st, doc = self.api_post("ope", "/api/v1/impact/jobs/request", {"label": label})
            self.assertEqual(st, 400, (label, doc))
        st, doc = self.api_post("ope", "/api/v1/impact/jobs/request",
                                {"label": "leak-1", "known_date": "2026-02-30"})
        self.assertEqual(st, 400, doc)
        st, doc = self.api_post("ope", "/api/v1/impact/jobs/request", {"label": "leak-1",
                                                                       "cause": "bogus"})
        self.assertEqual(st, 400, doc)
        st, doc = self.api_post("ope", "/api/v1/impact/jobs/request", {"label": "leak-1"},
                                code="000000")
        self.assertEqual(st, 403, doc)
        self.assertEqual(doc["error"]["code"], "step_up_failed")
        # no CSRF token: refused by the router
        r = self.s["ope"].post("/impact/jobs/request", {"label": "leak-1", "code": "1"})
        self.assertEqual(r.status, 403)

    def test_c2_population(self):
        """A job carries impact's --population from the request to the worker: the expected
        false count of a record confirmed by name and birth date (M x name share x 1e-4,
        docs/impact.md) is ten times the default's when the request says 1e7 people."""
        folder = os.path.join(self.srv.home, "impact-inbox", "notes-1")
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "log.txt"), "w", encoding="utf-8") as f:
            f.write("%s様より問い合わせ。生年月日（%s年%d月%d日）を確認。\n"
                    % (ROWS[1][1], ROWS[1][2][:4], int(ROWS[1][2][5:7]), int(ROWS[1][2][8:])))
        # bad values: refused before the code is asked for (no step-up used)
        for bad in ("999999", "x", "1e11", "-1", "nan", "1000000abc"):
            st, doc = self.api_post("ope", "/api/v1/impact/jobs/request",
                                    {"label": "notes-1", "population": bad}, code="000000")
            self.assertEqual(st, 400, (bad, doc))
        r = self.srv.azk("impact", "job", "request", "notes-1", "--population", "999999",
                         "--user", "ope", "--totp", "000000")
        self.assertEqual(r.rc, 64, r.err)
        ids = {}
        for pop in ("", "10000000"):
            st, doc = self.api_post("ope2", "/api/v1/impact/jobs/request",
                                    {"label": "notes-1", "population": pop})
            self.assertEqual(st, 200, doc)
            ids[pop] = doc["id"]
            st, doc = self.api_post("appr", "/api/v1/impact/jobs/approve", {"id": doc["id"]})
            self.assertEqual(st, 200, doc)
        self.assertIsNone(self.jobs()[ids[""]]["population"])
        self.assertEqual(self.jobs()[ids["10000000"]]["population"], 10000000)
        self.worker()
        self.worker()
        # the run used it: the name + birth date record's expected false count is
        # M x share x 1e-4; with the default M it is confirmed (<= 1e-3), with ten times
        # the people it is more than 1e-3 and the record only probable
        j0, j1 = self.jobs()[ids[""]], self.jobs()[ids["10000000"]]
        self.assertEqual((j0["state"], j0["records"], j0["strict"]), ("done", 1, 0), j0)
        st, inc = self.api_get_incident(j0["incident"])
        self.assertEqual(inc["name_birth"], 1, inc)
        self.assertLessEqual(inc["name_birth_expected_false"], 1e-3)
        self.assertGreater(10 * inc["name_birth_expected_false"], 1e-3)
        self.assertEqual((j1["state"], j1["records"], j1["probable"]), ("done", 0, 1), j1)

    def test_d_two_persons(self):
        st, doc = self.api_post("ope", "/api/v1/impact/jobs/request", {"label": "leak-1"})
        self.assertEqual(st, 200, doc)
        job = doc["id"]
        # an operator may not approve (route), and no role but approver reaches it
        for user in ("ope", "ope2", "aud", "bank"):
            st, doc = self.api_post(user, "/api/v1/impact/jobs/approve", {"id": job})
            self.assertEqual(st, 403, (user, doc))
        for user in ("aud", "bank"):
            st, doc = self.api_post(user, "/api/v1/impact/jobs/request", {"label": "leak-1"})
            self.assertEqual(st, 403, (user, doc))
            self.assertEqual(self.s[user].get("/api/v1/impact/jobs").status,
                             403 if user == "bank" else 200)
        # the requester withdraws it; then it cannot be approved
        st, doc = self.api_post("ope", "/api/v1/impact/jobs/refuse", {"id": job})
        self.assertEqual(st, 200, doc)
        self.assertEqual(doc["state"], "refused")
        st, doc = self.api_post("appr", "/api/v1/impact/jobs/approve", {"id": job})
        self.assertEqual(st, 400, doc)
        self.assertEqual(self.jobs()[job]["state"], "refused")
        # an id that does not exist
        st, doc = self.api_post("appr", "/api/v1/impact/jobs/approve",
                                {"id": "JOB-20260101T000000000Z-00000000"})
        self.assertEqual(st, 404, doc)

    def test_e_requester_cannot_approve_own(self):
        # the library's rule (identity), seen from the CLI: the same person asks and approves
        r = self.srv.azk("impact", "job", "request", "leak-1", "--user", "ope", "--totp",
                         self.code("ope"))
        self.assertEqual(r.rc, 0, r.err)
        job = r.out.strip()
        self.assertTrue(job.startswith("JOB-"), r.out)
        r = self.srv.azk("impact", "job", "approve", job, "--user", "ope", "--totp",
                         self.code("ope"))
        self.assertNotEqual(r.rc, 0, r.out)
        r = self.srv.azk("impact", "jobs")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn(job, r.out)
        self.assertIn("pending", r.out)
        # without an authenticated person nothing is asked for
        r = self.srv.azk("impact", "job", "request", "leak-1")
        self.assertNotEqual(r.rc, 0)

    @unittest.skipIf(webdriver is None or shutil.which("chromedriver") is None,
                     "python3-selenium or chromium-driver missing")
    def test_f_browser(self):
        """The operator asks through the real page (Japanese), the approver sees the run with
        its approve form; screenshots at 1366x768 kept as artifacts."""
        shots = os.path.join(os.environ.get("AZK_BUILDDIR", self.srv.dir), "serve-screens")
        os.makedirs(shots, exist_ok=True)
        d = S.chrome()
        self.addCleanup(d.quit)
        base = "https://localhost:%d" % self.srv.port

        def login(user):
            d.delete_all_cookies()
            d.get(base + "/login")
            d.find_element(By.ID, "user").send_keys(user)
            d.find_element(By.ID, "password").send_keys(PW)
            d.find_element(By.ID, "code").send_keys(self.code(user))
            d.find_element(By.ID, "login").click()
            WebDriverWait(d, 10).until(lambda x: x.current_url.endswith("/dashboard"))

        login("ope2")
        d.get(base + "/incidents")
        d.find_element(By.LINK_TEXT, "影響分析の実行").click()
        WebDriverWait(d, 10).until(lambda x: x.current_url.endswith("/impact/jobs"))
        d.find_element(By.NAME, "label").send_keys("leak-1")
        d.find_element(By.CSS_SELECTOR, "form[action='/impact/jobs/request'] input[name=code]"
                       ).send_keys(self.code("ope2"))
        d.save_screenshot(os.path.join(shots, "impact-jobs-request.png"))
        d.find_element(By.CSS_SELECTOR, "form[action='/impact/jobs/request'] button").click()
        WebDriverWait(d, 10).until(lambda x: x.find_elements(By.ID, "result"))
        self.assertIn("別の担当者が承認", d.find_element(By.ID, "result").text)
        login("appr")
        d.get(base + "/impact/jobs")
        self.assertIn("承認待ち", d.find_element(By.ID, "impact-jobs").text)
        self.assertTrue(d.find_elements(By.CSS_SELECTOR, "form[action='/impact/jobs/approve']"))
        self.assertLessEqual(d.execute_script("return document.documentElement.scrollWidth"),
                             1366)
        d.save_screenshot(os.path.join(shots, "impact-jobs.png"))


if __name__ == "__main__":
    unittest.main()
