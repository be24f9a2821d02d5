# SPDX-License-Identifier: Apache-2.0
"""test_agents_pages.py -- the agents' HTML pages of `azukari serve` (issues 13
§3, 14 §3): the agents list with enrolment tokens (shown once) and revocation
(administrator, step-up TOTP, CSRF), the findings (masked examples; the path
only to operators and approvers, in the pages and in the JSON they share a
view with), the cases and the case page telling the whole story (found,
requested by, approved by with step-up, quarantined, destroyed, who and when)
with the request and approve forms (the requester may not approve: the
library refuses), the witness view with its alarm shown loudly. Every role:
client users get 403, the auditor reads without forms; text from agents and
people is escaped. With chromium: screenshots of the agents page and a case
page at 1366x768 under <build>/agents-screens/ (look at them).

Fixtures, to stay fast: a real agent enrols with a one-time token and uploads
its batch through the agent API (no sweep); people are rows copied from the
administrator's (same password and TOTP secret, each user's used steps are its
own), so no test waits for a TOTP step; the witness rows are SQL fixtures (the
witness itself is tested by test_agent.py)."""

import json
import os
import re
import shutil
import tempfile
import time
import unittest

import agent_testlib as A
import serve_client as S
import serve_ui_fixtures as F

PW = F.PW
LEAK_NAME = "顧客一覧_山田太郎.csv"
EVIL = "<script>alert(1)</script>"


def sql(srv, *stmts):
    """Test fixture: statements on the server's catalog (SQLite or PostgreSQL)."""
    s = S.Server.__new__(S.Server)  # only its sql() is used: it needs .home
    s.home = srv.home
    s.sql(*stmts)


class AgentsPagesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="azk-agpages-")
        cls.srv = A.AgentServer()
        cls.codes = F.Codes()
        # the first administrator through the printed one-time link
        c = S.Client(cls.srv.port, cls.srv.cafile)
        path = cls.srv.link()
        path = path[path.index("/enrol"):]
        assert c.get(path).status == 200
        r = c.post("/enrol", {"token": path.split("token=")[1], "user": "admin",
                              "password": PW, "password2": PW})
        assert r.status == 200, r.body
        cls.secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', r.body).group(1)
        # people: copies of the administrator's row with their own name and role
        cls.roles = {"ad2": "administrator", "ad3": "administrator", "op1": "operator",
                     "op2": "operator", "ap1": "approver", "ap2": "approver",
                     "au1": "auditor", "cl1": "client"}
        sql(cls.srv, *["INSERT INTO users(name, nonce, secret, created_at, created_by, state,"
                       " approved_by, pw_hash, role) SELECT '%s', nonce, secret, created_at,"
                       " 'admin', 'active', 'admin', pw_hash, '%s' FROM users WHERE name = 'admin'"
                       % (u, role) for u, role in cls.roles.items()])
        cls.sessions = {}
        # a general-zone agent enrols and uploads one batch: a finding with entrusted
        # records (a case) whose path and example carry markup, and a second case
        cls.agent = A.Agent(cls.tmp, "pc")
        r = cls.agent.enroll(cls.srv, cls.srv.token("office"), host="pc-" + EVIL)
        assert r.rc == 0, r.err
        cls.aid = cls.agent.state()["agent_id"]
        edm = [{"client": "shinkin-a", "dataset": "dm-2023", "records": 12}]
        objs = [A.obj(path="/srv/share/" + EVIL + LEAK_NAME, examples=["<b>090-****-5678</b>"],
                      edm=edm, score=9.5),
                A.obj(path="/srv/share/older_copy.csv", edm=[dict(edm[0], records=3)],
                      score=4.0),
                A.obj(path="/srv/share/plain.txt")]
        cls.batch, body = A.batch_body(objs)
        st, doc = A.upload(cls.srv, cls.agent.ident, body)
        assert st == 200, doc
        cls.cases = [r[0] for r in cls.srv.query(
            "SELECT c.id FROM agent_cases c JOIN agent_objects o ON o.batch_id = c.batch_id"
            " AND o.seq = c.seq ORDER BY o.seq")]
        assert len(cls.cases) == 2, cls.cases
        # the witness of a closed-zone host: a fixture with a fork alarm
        sql(cls.srv,
            "INSERT INTO agent_witness(agent_id, vkey, size, root, alarm, updated_at) VALUES"
            " ('%s', 'vk-base64', 7, 'root-7', 'fork at size 5 %s', 1700000000)"
            % (cls.aid, EVIL),
            "INSERT INTO agent_checkpoints(agent_id, size, root, note, received_at, consistent)"
            " VALUES ('%s', 7, 'root-7', 'n', 1700000000, 1)" % cls.aid,
            "INSERT INTO agent_checkpoints(agent_id, size, root, note, received_at, consistent)"
            " VALUES ('%s', 5, 'root-5-forged', 'n', 1700000100, 0)" % cls.aid)

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def code(self, user):
        return self.codes.code(user, self.secret)

    def session(self, user):
        if user not in self.sessions:
            c = S.Client(self.srv.port, self.srv.cafile)
            if user == "au1":
                c.jar["lang"] = "en"  # the auditor reads in English; the others in Japanese
            r = c.login(user, PW, self.code(user))
            self.assertEqual(r.status, 303, r.body)
            self.sessions[user] = c
        return self.sessions[user]

    def page(self, user, path, want=200):
        r = self.session(user).get(path)
        self.assertEqual(r.status, want, r.body)
        return r.body

    def post(self, user, page, action, form):
        c = self.session(user)
        f = dict(form)
        f["csrf"] = c.csrf(page)
        return c.post(action, f)

    def case_url(self, i):
        return "/agents/case?id=" + self.cases[i]

    def test_roles_paths_and_escaping(self):
        pages = ["/agents", "/agents/findings", "/agents/findings?entrusted=1", "/agents/cases",
                 self.case_url(0), "/agents/witness"]
        for p in pages:
            self.page("cl1", p, 403)  # a bank's user: not these pages
            for user in ("au1", "op1", "ap1", "ad2"):
                body = self.page(user, p)
                self.assertNotIn(EVIL, body, (user, p))  # markup from agents: escaped
                self.assertNotIn("<b>090", body)
                if user in ("au1", "ad2"):  # a path can be a personal value
                    self.assertNotIn(LEAK_NAME, body, (user, p))
        body = self.page("au1", "/agents")
        self.assertIn("pc-&lt;script&gt;", body)
        for form in ("/agents/token", "/agents/revoke"):
            self.assertNotIn('action="%s"' % form, body)  # the auditor reads, changes nothing
        body = self.page("ad2", "/agents")
        self.assertIn('action="/agents/token"', body)
        self.assertIn("登録済みエージェント", body)  # Japanese first
        self.assertIn("Enrolled agents", self.page("au1", "/agents"))
        body = self.page("op1", "/agents/findings")
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;" + LEAK_NAME, body)
        self.assertIn("&lt;b&gt;090-****-5678&lt;/b&gt;", body)
        self.assertIn("shinkin-a / dm-2023: 12", body)
        self.assertIn(LEAK_NAME, self.page("ap1", "/agents/findings"))
        self.assertIn('id="path-note"', self.page("au1", "/agents/findings"))
        body = self.page("au1", self.case_url(0))
        self.assertIn('class="hidden-path"', body)
        self.assertNotIn('action="/agents/case/', body)
        # one view, two renderings: the JSON API hides the path from the same roles
        for user, shown in (("au1", False), ("ad2", False), ("op1", True)):
            for api in ("/api/v1/agents/findings", "/api/v1/agents/cases"):
                items = json.loads(self.session(user).get(api).body)["items"]
                self.assertTrue(items)
                for it in items:
                    self.assertEqual(it["path"] != "", shown, (user, api))
                    self.assertEqual(it.get("path_hidden", False), not shown)
        # the witness: the alarm loudly, the inconsistent checkpoint marked
        body = self.page("au1", "/agents/witness")
        self.assertRegex(body, r'<p class="overdue" id="alarms">[^<]*: 1</p>')
        self.assertIn('id="alarm-0"', body)
        self.assertIn("fork at size 5 &lt;script&gt;", body)
        self.assertIn('<tr class="overdue">', body)
        self.assertIn("root-5-forged", body)
        w = json.loads(self.session("au1").get("/api/v1/agents/witness").body)["items"]
        self.assertEqual([c["consistent"] for c in w[0]["recent"]], [False, True])
        # the dashboard says so too, and links the pages
        body = self.page("au1", "/dashboard")
        self.assertIn('id="witness-alarms"', body)
        self.assertIn('href="/agents"', body)
        self.assertNotIn('href="/agents"', self.page("cl1", "/dashboard"))
        self.assertNotIn('id="agent-cases"', self.page("cl1", "/dashboard"))
        # bad arguments: a clear 400/404 page
        self.page("au1", "/agents/case?id=case-none", 404)
        self.page("au1", "/agents/case", 400)
        self.page("au1", "/agents/cases?limit=0", 400)
        self.page("au1", "/agents/findings?after=nonsense", 400)

    def test_case_story_two_people_step_up(self):
        cid, url = self.cases[0], self.case_url(0)
        body = self.page("op1", url)
        self.assertIn('action="/agents/case/request"', body)
        self.assertNotIn('action="/agents/case/approve"', body)
        self.assertNotIn('action="/agents/case/approve"', self.page("ap1", url))  # not asked yet
        # no CSRF token: refused
        r = self.session("op1").post("/agents/case/request", {"case_id": cid,
                                                              "action": "quarantine",
                                                              "reason": "x"})
        self.assertEqual(r.status, 403)
        r = self.post("op1", url, "/agents/case/request",
                      {"case_id": cid, "action": "quarantine", "reason": "DM leftover " + EVIL})
        self.assertEqual(r.status, 200, r.body)
        r = self.post("op1", url, "/agents/case/request",
                      {"case_id": cid, "action": "quarantine", "reason": "again"})
        self.assertEqual(r.status, 400, r.body)  # already requested
        # an operator may not approve; an approver needs the code again
        r = self.post("op1", url, "/agents/case/approve", {"case_id": cid, "code": "000000"})
        self.assertEqual(r.status, 403)
        body = self.page("ap1", url)
        self.assertIn('action="/agents/case/approve"', body)
        self.assertIn('name="code"', body)
        r = self.post("ap1", url, "/agents/case/approve", {"case_id": cid, "code": "000000"})
        self.assertEqual(r.status, 403, r.body)
        r = self.post("ap1", url, "/agents/case/approve", {"case_id": cid})
        self.assertEqual(r.status, 403, r.body)
        self.assertEqual(self.srv.query("SELECT state FROM agent_cases WHERE id = ?", (cid,)),
                         [("requested",)])
        r = self.post("ap1", url, "/agents/case/approve", {"case_id": cid,
                                                           "code": self.code("ap1")})
        self.assertEqual(r.status, 200, r.body)
        # the agent quarantines it and reports; then destruction, the same two people
        done = {"Content-Type": "application/json", "X-Azukari-Time": str(int(time.time()))}
        st, doc = A.call(self.srv, "POST", "/api/v1/agent/actions/done",
                         json.dumps({"case_id": cid, "outcome": "quarantined"}).encode(),
                         self.agent.ident, done)
        self.assertEqual(st, 200, doc)
        r = self.post("op1", url, "/agents/case/request",
                      {"case_id": cid, "action": "destroy", "reason": "no longer needed"})
        self.assertEqual(r.status, 200, r.body)
        r = self.post("ap2", url, "/agents/case/approve", {"case_id": cid,
                                                           "code": self.code("ap2")})
        self.assertEqual(r.status, 200, r.body)
        st, doc = A.call(self.srv, "POST", "/api/v1/agent/actions/done",
                         json.dumps({"case_id": cid, "outcome": "destroyed"}).encode(),
                         self.agent.ident, done)
        self.assertEqual(st, 200, doc)
        # the whole story, in order, with who
        body = self.page("au1", url)
        story = re.search(r'<table id="story">.*?</table>', body, re.S).group(0)
        rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td>", story)
        self.assertEqual([(w, b) for _t, w, b in rows],
                         [("found", "agent:" + self.aid),
                          ("quarantine requested", "op1"),
                          ("approved (second person, authenticator code again)", "ap1"),
                          ("quarantined (a note file left in its place)", "agent:" + self.aid),
                          ("destruction requested", "op1"),
                          ("approved (second person, authenticator code again)", "ap2"),
                          ("destroyed", "agent:" + self.aid)])
        for t, _w, _b in rows:
            self.assertRegex(t, r"^\d{4}-\d\d-\d\d \d\d:\d\d UTC$")
        self.assertIn("DM leftover &lt;script&gt;", story)
        self.assertNotIn(EVIL, body)
        self.assertIn("destroyed", self.page("au1", "/agents/cases"))
        self.assertNotIn('action="/agents/case/', self.page("op1", url))  # closed
        sl = self.srv.ledger()
        for act in ("agent.case.request", "agent.case.approve", "serve.stepup"):
            self.assertIn(act, sl)
        self.assertNotIn(LEAK_NAME, sl)

    def test_requester_cannot_approve(self):
        cid, url = self.cases[1], self.case_url(1)
        r = self.post("op2", url, "/agents/case/request",
                      {"case_id": cid, "action": "quarantine", "reason": "mine"})
        self.assertEqual(r.status, 200, r.body)
        # op2 becomes an approver: the page lets the role in, the library refuses
        sql(self.srv, "UPDATE users SET role = 'approver' WHERE name = 'op2'")
        try:
            r = self.post("op2", url, "/agents/case/approve", {"case_id": cid,
                                                               "code": self.code("op2")})
            self.assertEqual(r.status, 403, r.body)
            self.assertIn('id="result"', r.body)
        finally:
            sql(self.srv, "UPDATE users SET role = 'operator' WHERE name = 'op2'")
        self.assertEqual(self.srv.query("SELECT state FROM agent_cases WHERE id = ?", (cid,)),
                         [("requested",)])
        r = self.post("op2", url, "/agents/case/request",
                      {"case_id": cid, "action": "explode", "reason": "x"})
        self.assertEqual(r.status, 400, r.body)  # not an action
        r = self.post("op2", url, "/agents/case/request",
                      {"case_id": cid, "action": "release", "reason": "x" * 501})
        self.assertEqual(r.status, 400, r.body)  # reason too long
        r = self.post("op2", url, "/agents/case/request",
                      {"case_id": "case-" + EVIL, "action": "quarantine", "reason": "x"})
        self.assertEqual(r.status, 404, r.body)  # no such case, the id escaped
        self.assertNotIn(EVIL, r.body)
        self.assertIn("&lt;script&gt;", r.body)

    def test_agent_counts_match_the_objects(self):
        # /api/v1/agents reads the counts from the batches and a partial index: the same
        # figures as counting the objects
        truth = {r[0]: (int(r[1]), int(r[2])) for r in self.srv.query(
            "SELECT agent_id, count(*), sum(CASE WHEN edm_records > 0 THEN 1 ELSE 0 END)"
            " FROM agent_objects GROUP BY agent_id")}
        self.assertEqual(truth[self.aid], (3, 2))
        items = json.loads(self.session("au1").get("/api/v1/agents").body)["items"]
        self.assertTrue(items)
        for it in items:
            self.assertEqual((it["objects"], it["objects_with_entrusted"]),
                             truth.get(it["id"], (0, 0)), it["id"])

    def test_witness_is_paged(self):
        # three more witnessed hosts (revoked agents, no alarm), after the fixture's one
        more = ["zzw-%d" % i for i in range(3)]
        stmts = []
        for aid in more:
            stmts.append("INSERT INTO agents(id, host, grp, zone, state, enrolled_at, revoked_at)"
                         " VALUES ('%s', 'h-%s', 'wfix', 'closed', 'revoked', 1, 2)" % (aid, aid))
            stmts.append("INSERT INTO agent_witness(agent_id, vkey, size, root, alarm,"
                         " updated_at) VALUES ('%s', 'vk', 1, 'r', NULL, 1)" % aid)
        sql(self.srv, *stmts)
        c = self.session("au1")
        seen, after, pages = [], None, 0
        while True:
            r = c.get("/api/v1/agents/witness?limit=2" + ("&after=" + after if after else ""))
            self.assertEqual(r.status, 200, r.body)
            d = json.loads(r.body)
            self.assertLessEqual(len(d["items"]), 2)
            seen += [w["agent_id"] for w in d["items"]]
            pages += 1
            after = d["next"]
            if after is None:
                break
            self.assertEqual(after, seen[-1])
        self.assertEqual(seen, sorted([self.aid] + more))
        self.assertEqual(pages, 2)
        r = c.get("/api/v1/agents/witness?limit=0")
        self.assertEqual(r.status, 400, r.body)
        # the page: one host, a next link; the alarm count is over every host, not the page's
        body = self.page("au1", "/agents/witness?limit=1&after=" + self.aid)
        self.assertRegex(body, r'<p class="overdue" id="alarms">[^<]*: 1</p>')
        self.assertIn("h-zzw-0", body)
        self.assertNotIn("h-zzw-1", body)
        self.assertIn('href="/agents/witness?after=zzw-0"', body)
        self.page("au1", "/agents/witness?limit=x", want=400)

    def test_tokens_and_revocation(self):
        # a token: shown once, its hash kept, the ledger names the group only
        r = self.post("ad2", "/agents", "/agents/token", {"group": "office", "zone": "general",
                                                          "hours": "2"})
        self.assertEqual(r.status, 201, r.body)
        tok = re.search(r'id="token">([0-9a-f]{64})<', r.body).group(1)
        self.assertNotIn(tok, self.page("ad2", "/agents"))
        self.assertNotIn(tok, self.srv.ledger())
        for bad in ({"group": "Bad Group"}, {"group": "office", "zone": "dmz"},
                    {"group": "office", "hours": "0"}, {"group": "office", "hours": "x"}):
            r = self.post("ad2", "/agents", "/agents/token", bad)
            self.assertEqual(r.status, 400, (bad, r.body))
        r = self.post("op1", "/agents/findings", "/agents/token", {"group": "office"})
        self.assertEqual(r.status, 403)
        # revocation: a second agent enrols with the token; revoking needs the code again
        b = A.Agent(self.tmp, "pc2")
        self.assertEqual(b.enroll(self.srv, tok, host="pc2").rc, 0)
        bid = b.state()["agent_id"]
        body = self.page("ad3", "/agents")
        self.assertIn('<option value="%s">' % bid, body)
        r = self.post("ad3", "/agents", "/agents/revoke", {"agent_id": bid, "reason": "stolen"})
        self.assertEqual(r.status, 403, r.body)  # no code
        r = self.post("ad3", "/agents", "/agents/revoke", {"agent_id": bid, "reason": "stolen",
                                                           "code": "000000"})
        self.assertEqual(r.status, 403, r.body)
        r = self.session("ad3").post("/agents/revoke", {"agent_id": bid, "reason": "stolen",
                                                        "code": self.code("ad3")})
        self.assertEqual(r.status, 403, r.body)  # no CSRF token
        self.assertEqual(self.srv.query("SELECT state FROM agents WHERE id = ?", (bid,)),
                         [("active",)])
        r = self.post("ad3", "/agents", "/agents/revoke", {"agent_id": bid, "reason": "stolen",
                                                           "code": self.code("ad3")})
        self.assertEqual(r.status, 200, r.body)
        self.assertEqual(self.srv.query("SELECT state FROM agents WHERE id = ?", (bid,)),
                         [("revoked",)])
        self.assertNotIn('<option value="%s">' % bid, self.page("ad3", "/agents"))
        st, doc = A.call(self.srv, "GET", "/api/v1/agent/actions", None, b.ident)
        self.assertEqual(st, 403, doc)  # its next call is refused
        r = self.post("ad2", "/agents", "/agents/revoke", {"agent_id": "agt-none",
                                                           "reason": "x",
                                                           "code": self.code("ad2")})
        self.assertEqual(r.status, 404, r.body)
        self.assertIn("agent.revoke", self.srv.ledger())


try:
    import selenium  # noqa: F401
except ImportError:  # a Python other than Debian's (pyenv): use Debian's python3-selenium
    import sys
    sys.path.append("/usr/lib/python3/dist-packages")
try:
    from selenium import webdriver
except ImportError:  # pragma: no cover
    webdriver = None


@unittest.skipIf(webdriver is None or shutil.which("chromedriver") is None,
                 "python3-selenium or chromium-driver missing")
class AgentsPagesBrowserTest(AgentsPagesTest):
    """The agents page and a case page in headless chromium at 1366x768: screenshots."""

    # the page tests above run once, in the parent class
    test_roles_paths_and_escaping = None
    test_case_story_two_people_step_up = None
    test_requester_cannot_approve = None
    test_tokens_and_revocation = None

    def test_screenshots(self):
        shots = os.path.join(os.environ.get("AZK_BUILDDIR", self.tmp), "agents-screens")
        os.makedirs(shots, exist_ok=True)
        # a story to show: requested and approved
        cid, url = self.cases[1], self.case_url(1)
        self.post("op1", url, "/agents/case/request",
                  {"case_id": cid, "action": "quarantine", "reason": "DMの残り"})
        d = S.chrome()
        self.addCleanup(d.quit)
        base = "https://localhost:%d" % self.srv.port
        for user, path, name in (("ad2", "/agents", "agents"),
                                 ("au1", "/agents/witness", "witness"), ("ap1", url, "case")):
            d.delete_all_cookies()
            c = self.session(user)
            d.get(base + "/login")
            for k, v in c.jar.items():
                if k == "lang":
                    continue  # every screenshot in Japanese
                d.add_cookie({"name": k, "value": v, "path": "/", "secure": True})
            d.get(base + path)
            self.assertNotIn("login", d.current_url)
            self.assertEqual(d.execute_script("return document.documentElement.lang"), "ja")
            # nothing wider than the window at 1366 px
            self.assertLessEqual(d.execute_script("return document.body.scrollWidth"), 1366)
            d.save_screenshot(os.path.join(shots, name + ".png"))
        # printable: the case page's story without its forms and links
        d.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
        self.assertEqual(d.execute_script(
            "return getComputedStyle(document.querySelector('main form')).display"), "none")
        self.assertEqual(d.execute_script(
            "return getComputedStyle(document.querySelector('section.acts')).display"), "none")
        self.assertEqual(d.execute_script(
            "return getComputedStyle(document.querySelector('header form')).display"), "none")
        self.assertNotEqual(d.execute_script(
            "return getComputedStyle(document.getElementById('story')).display"), "none")
        d.save_screenshot(os.path.join(shots, "case-print.png"))


if __name__ == "__main__":
    unittest.main()
