# SPDX-License-Identifier: Apache-2.0
"""test_agent.py -- `azukari agent` end to end against a real `azukari serve
--agent-port` (SQLite, and PostgreSQL as e2e_pg_test_agent): three agents in
homes of their own (one closed-zone host, two general-zone hosts with planted
leftover files) enrol with one-time tokens, sweep under a signed policy,
upload; the incremental re-sweep uploads nothing; revocation refuses the next
call; the server stopped during uploads (spool, catch-up, no duplicates); a
batch resent after its acknowledgement was lost is not ingested twice; the
spool bound counts and reports its loss. Bad input, a test each: expired,
revoked, foreign and missing client certificates; replayed batches;
oversized, malformed and wrongly encoded uploads; an agent clock wrong by
hours; a policy with a bad signature; used and expired tokens. File names are
personal values: never in either ledger, never in clear in the spool."""

import os
import shutil
import subprocess
import tempfile
import time
import unittest

import agent_testlib as A

LEAK_NAME = "顧客一覧_山田太郎.csv"
LEAK = ("会員番号,氏名,電話番号\n"
        "A0001,山田太郎,090-1234-5678\n"
        "A0002,佐藤花子,080-2345-6789\n").encode("utf-8")


def plant(d, name=LEAK_NAME, data=LEAK):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


class AgentTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = A.AgentServer()
        cls.tmp = tempfile.mkdtemp(prefix="azk-agents-")
        cls.share1 = os.path.join(cls.tmp, "share1")
        cls.share2 = os.path.join(cls.tmp, "share2")
        plant(cls.share1)
        plant(cls.share1, "memo.txt", "会議のメモ\n".encode())
        plant(cls.share2, "old_export.csv")
        cls.srv.policy("office", {"paths": [cls.share1, cls.share2], "batch_objects": 2,
                                  "nice": 10, "ionice_idle": True,
                                  "bytes_per_second": 10000000})
        cls.srv.policy("closed", {"paths": [os.path.join(cls.tmp, "nothing-here")]})

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def agent(self, name, group="office", zone="general"):
        a = A.Agent(self.tmp, name)
        r = a.enroll(self.srv, self.srv.token(group, zone), host=name)
        self.assertEqual(r.rc, 0, r.err)
        return a

    def test_enrol_sweep_upload_and_privacy(self):
        closed = self.agent("closed-host", "closed", "closed")
        a = self.agent("pc-1")
        b = self.agent("fs-1")
        for x in (closed, a, b):
            st = x.state()
            self.assertTrue(st["agent_id"].startswith("agt-"))
            mode = os.stat(x.ident).st_mode & 0o777
            self.assertEqual(mode, 0o600)
        rows = self.srv.query("SELECT zone, grp, state FROM agents WHERE id = ?",
                              (closed.state()["agent_id"],))
        self.assertEqual(rows, [("closed", "closed", "active")])
        # a listing in another process while serve runs sees the enrolments (regression:
        # the second home handle in serve once let the WAL be deleted under it)
        r = self.srv.azk("agent", "list")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("pc-1", r.out)
        r = a.run()
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("3 objects", r.out)
        self.assertIn("0 waiting", r.out)
        aid = a.state()["agent_id"]
        rows = self.srv.query("SELECT path, counts, examples, score_milli FROM agent_objects"
                              " WHERE agent_id = ? ORDER BY path", (aid,))
        self.assertEqual(len(rows), 3)
        leak = [r for r in rows if r[0].endswith(LEAK_NAME)]
        self.assertEqual(len(leak), 1)
        self.assertIn("phone", leak[0][1])
        self.assertNotIn("090-1234-5678", leak[0][2])  # masked examples only
        self.assertIn("*", leak[0][2])
        self.assertGreater(leak[0][3], 0)
        # two batches (batch_objects 2), each once
        n = self.srv.query("SELECT count(*), sum(object_count) FROM agent_batches"
                           " WHERE agent_id = ?", (aid,))
        self.assertEqual([tuple(int(v) for v in r) for r in n], [(2, 3)])  # PG: sum is numeric
        # incremental: nothing changed, nothing read, nothing uploaded
        r = a.run()
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("0 objects, 3 cached, 0 bytes read", r.out)
        self.assertEqual(self.srv.query("SELECT count(*) FROM agent_objects WHERE agent_id = ?",
                                        (aid,)), [(3,)])
        # the closed-zone host sweeps its own (empty) policy and sends nothing
        r = closed.run()
        self.assertEqual(r.rc, 0, r.err)
        # ledgers: each step on both sides, and never a file name
        sl, al = self.srv.ledger(), a.ledger()
        for act in ("agent.token", "agent.enroll", "agent.policy", "agent.batch"):
            self.assertIn(act, sl)
        for act in ("agent.enroll", "agent.policy", "agent.sweep", "agent.batch.sent"):
            self.assertIn(act, al)
        name = LEAK_NAME.encode()
        for home in (self.srv.home, a.home, b.home):
            led = A.home_bytes(os.path.join(home, "ledger"))
            self.assertNotIn(name, led)
        self.assertNotIn(name, A.home_bytes(os.path.join(a.home, "agent")))
        self.assertNotIn(LEAK_NAME, r.out + r.err)

    def test_token_single_use_and_expiry(self):
        tok = self.srv.token("office")
        a = A.Agent(self.tmp, "tok-a")
        self.assertEqual(a.enroll(self.srv, tok).rc, 0)
        b = A.Agent(self.tmp, "tok-b")
        r = b.enroll(self.srv, tok)
        self.assertNotEqual(r.rc, 0)
        self.assertIn("token_refused", r.err)
        self.assertFalse(os.path.exists(b.ident))
        tok2 = self.srv.token("office", "general", "--valid", "1")
        time.sleep(2.1)
        r = b.enroll(self.srv, tok2)
        self.assertNotEqual(r.rc, 0)
        self.assertIn("token_refused", r.err)
        self.assertIn("agent.enroll", b.ledger())
        self.assertIn("token_refused", self.srv.ledger())
        r = A.Agent(self.tmp, "tok-c").enroll(self.srv, "f" * 64)
        self.assertIn("token_refused", r.err)

    def test_revocation_effective_at_next_call(self):
        a = self.agent("revoked-pc")
        self.assertEqual(a.run("--no-sweep").rc, 0)
        aid = a.state()["agent_id"]
        r = self.srv.azk("agent", "revoke", aid, "--reason", "laptop lost")
        self.assertEqual(r.rc, 0, r.err)
        r = a.run()
        self.assertNotEqual(r.rc, 0)
        self.assertIn("certificate_revoked", r.err)
        self.assertIn("certificate_revoked", self.srv.ledger())
        self.assertIn("agent.refused", a.ledger())
        st, doc = A.call(self.srv, "GET", "/api/v1/agent/policy", ident=a.ident)
        self.assertEqual((st, A.code(doc)), (403, "certificate_revoked"))
        self.assertNotEqual(self.srv.azk("agent", "revoke", "agt-nosuch").rc, 0)

    def test_renewal_before_expiry(self):
        a = self.agent("renew-pc")
        before = a.state()["not_after"]
        with open(a.ident) as f:
            old = f.read()
        r = a.run("--no-sweep", env={"AZK_TEST_AGENT_RENEW_S": str(30 * 86400)})
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("renewed", r.out)
        with open(a.ident) as f:
            self.assertNotEqual(f.read(), old)
        self.assertGreaterEqual(a.state()["not_after"], before)
        self.assertIn("agent.renew", a.ledger())
        self.assertIn("agent.renew", self.srv.ledger())
        aid = a.state()["agent_id"]
        self.assertEqual(self.srv.query("SELECT count(*) FROM agent_certs WHERE agent_id = ?",
                                        (aid,)), [(2,)])
        self.assertEqual(a.run("--no-sweep").rc, 0)  # the new certificate works

    def test_certificates_missing_and_foreign(self):
        st, doc = A.call(self.srv, "GET", "/api/v1/agent/policy")
        self.assertEqual((st, A.code(doc)), (401, "certificate_required"))
        # refused before any body is read: the answer comes while the 9 MiB body is unsent
        import socket
        import ssl
        ctx = ssl.create_default_context(cafile=self.srv.cafile)
        with socket.create_connection(("localhost", self.srv.aport), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                tls.sendall(b"POST /api/v1/agent/batches HTTP/1.1\r\nHost: localhost\r\n"
                            b"Content-Type: application/json\r\nContent-Length: 9437184\r\n"
                            b"\r\n")
                head = b""
                while b"certificate_required" not in head:
                    chunk = tls.recv(4096)
                    if not chunk:
                        break
                    head += chunk
        self.assertTrue(head.startswith(b"HTTP/1.1 401"), head[:80])
        self.assertIn(b"certificate_required", head)
        d = tempfile.mkdtemp(dir=self.tmp)
        key, crt = os.path.join(d, "k.pem"), os.path.join(d, "c.pem")
        r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", crt,
                            "-days", "1", "-subj", "/CN=agt-0000000000000000"],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        ident = os.path.join(d, "ident.pem")
        with open(ident, "w") as f:
            for part in (crt, key):
                with open(part) as g:
                    f.write(g.read())
        st, doc = A.call(self.srv, "GET", "/api/v1/agent/policy", ident=ident)
        self.assertEqual((st, A.code(doc)), (401, "certificate_untrusted"))
        _, body = A.batch_body([A.obj()])
        st, doc = A.upload(self.srv, ident, body)
        self.assertEqual(st, 401)
        self.assertIn("certificate_untrusted", self.srv.ledger())

    def test_bad_uploads_each_refused_nothing_ingested(self):
        a = self.agent("bad-input-pc")
        aid = a.state()["agent_id"]
        cases = []
        bid, good = A.batch_body([A.obj()])
        cases.append(("not zlib", b"this is not zlib", "deflate", 400, "malformed"))
        cases.append(("not JSON", __import__("zlib").compress(b"{not json"), "deflate", 400,
                      "malformed"))
        cases.append(("unknown field", A.batch_body([A.obj(owner="x")])[1], "deflate", 400,
                      "malformed"))
        cases.append(("bad batch id", A.batch_body([A.obj()], batch_id="../../etc")[1],
                      "deflate", 400, "malformed"))
        cases.append(("path too long", A.batch_body([A.obj(path="/" + "a" * 5000)])[1],
                      "deflate", 400, "malformed"))
        cases.append(("negative count", A.batch_body([A.obj(counts={"phone": -1})])[1],
                      "deflate", 400, "malformed"))
        cases.append(("bad edm id", A.batch_body([A.obj(edm=[{"client": "A B", "dataset": "d",
                                                             "records": 1}])])[1],
                      "deflate", 400, "malformed"))
        cases.append(("too many objects", A.batch_body([A.obj()] * 10001)[1], "deflate", 413,
                      "too_large"))
        bomb = __import__("zlib").compress(b'{"batch_id":"' + b" " * (70 << 20) + b'"}', 9)
        cases.append(("zip bomb", bomb, "deflate", 413, "too_large"))
        cases.append(("gzip", good, "gzip", 415, "unsupported_encoding"))
        cases.append(("oversized body", os.urandom(9 << 20), "deflate", 413, "too_large"))
        for what, body, enc, status, c in cases:
            with self.subTest(what):
                st, doc = A.upload(self.srv, a.ident, body, encoding=enc)
                self.assertEqual((st, A.code(doc)), (status, c), what)
        self.assertEqual(self.srv.query("SELECT count(*) FROM agent_batches WHERE agent_id = ?",
                                        (aid,)), [(0,)])
        # the good one is taken once; replayed, it is a duplicate and not ingested again
        st, doc = A.upload(self.srv, a.ident, good)
        self.assertEqual((st, doc["duplicate"]), (200, False))
        st, doc = A.upload(self.srv, a.ident, good)
        self.assertEqual((st, doc["duplicate"]), (200, True))
        self.assertEqual(self.srv.query("SELECT count(*) FROM agent_objects WHERE batch_id = ?",
                                        (bid,)), [(1,)])
        self.assertIn("agent.batch.duplicate", self.srv.ledger())
        # clock wrong by hours: refused with its reason
        st, doc = A.upload(self.srv, a.ident, A.batch_body([A.obj()])[1],
                           clock=time.time() - 3 * 3600)
        self.assertEqual((st, A.code(doc)), (400, "clock_skew"))

    def test_agent_clock_wrong_by_hours(self):
        d = os.path.join(self.tmp, "skew-share")
        plant(d, "a.csv")
        self.srv.policy("skew", {"paths": [d]})
        a = self.agent("skew-pc", "skew")
        r = a.run(env={"AZK_TEST_AGENT_CLOCK_SKEW": str(-4 * 3600)})
        self.assertNotEqual(r.rc, 0)
        self.assertIn("clock_skew", r.err)
        self.assertEqual(len(a.spool()), 1)  # kept, not lost
        self.assertIn("clock_skew", self.srv.ledger())
        r = a.run("--no-sweep")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(a.spool(), [])
        aid = a.state()["agent_id"]
        self.assertEqual(self.srv.query("SELECT count(*) FROM agent_objects WHERE agent_id = ?",
                                        (aid,)), [(1,)])

    def test_policy_with_bad_signature_refused(self):
        a = self.agent("badsig-pc")
        st = a.state()
        import base64
        st["policy_key"] = base64.b64encode(os.urandom(32)).decode()
        with open(os.path.join(a.home, "agent", "state.json"), "w") as f:
            __import__("json").dump(st, f)
        r = a.run()
        self.assertNotEqual(r.rc, 0)
        self.assertIn("signature", r.err)
        self.assertIn("bad signature", a.ledger())
        self.assertEqual(a.spool(), [])
        aid = st["agent_id"]
        self.assertEqual(self.srv.query("SELECT count(*) FROM agent_batches WHERE agent_id = ?",
                                        (aid,)), [(0,)])


class AgentApiTest(unittest.TestCase):
    """The people's side in serve's JSON API: list, findings, tokens, revocation; answers
    checked against docs/api/openapi.yaml."""

    def test_api_list_tokens_revoke(self):
        import json
        import jsonschema
        import yaml
        srv = A.AgentServer()
        tmp = tempfile.mkdtemp(prefix="azk-agents-")
        try:
            with open(os.path.join(T_src(), "docs", "api", "openapi.yaml")) as f:
                spec = yaml.safe_load(f)
            schemas = spec["components"]["schemas"]

            def check(doc, name):
                jsonschema.validate(doc, {"$ref": "#/components/schemas/" + name,
                                          "components": {"schemas": schemas}})

            c = srv.admin("correct horse battery")
            tok = c.csrf("/dashboard")
            r = c.post("/api/v1/agents/tokens", {"csrf": tok, "group": "office"})
            self.assertEqual(r.status, 201, r.body)
            token = json.loads(r.body)["token"]
            r = c.post("/api/v1/agents/tokens", {"csrf": tok, "group": "Bad Group"})
            self.assertEqual(r.status, 400, r.body)
            check(json.loads(r.body), "Error")
            r = c.post("/api/v1/agents/tokens", {"group": "office"})  # no CSRF token
            self.assertEqual(r.status, 403)
            d = os.path.join(tmp, "share")
            plant(d)
            srv.policy("office", {"paths": [d]})
            a = A.Agent(tmp, "pc")
            self.assertEqual(a.enroll(srv, token).rc, 0)
            self.assertEqual(a.run().rc, 0)
            r = c.get("/api/v1/agents")
            self.assertEqual(r.status, 200, r.body)
            doc = json.loads(r.body)
            self.assertEqual(len(doc["items"]), 1)
            check(doc["items"][0], "Agent")
            r = c.get("/api/v1/agents/findings?limit=1")
            self.assertEqual(r.status, 200, r.body)
            doc = json.loads(r.body)
            self.assertEqual(len(doc["items"]), 1)
            check(doc["items"][0], "AgentFinding")
            # a path can be a personal value: an administrator does not see it (operators and
            # approvers do: test_agents_pages.py)
            self.assertEqual((doc["items"][0]["path"], doc["items"][0]["path_hidden"]), ("", True))
            self.assertNotIn(LEAK_NAME, r.body)
            r = c.get("/api/v1/agents/findings?after=" + doc["next"])
            self.assertEqual(json.loads(r.body)["items"], [])
            self.assertEqual(c.get("/api/v1/agents/findings?after=nonsense").status, 400)
            aid = a.state()["agent_id"]
            # revocation asks for the code again, as the page does
            r = c.post("/api/v1/agents/revoke", {"csrf": tok, "agent_id": aid})
            self.assertEqual(r.status, 400, r.body)
            r = c.post("/api/v1/agents/revoke", {"csrf": tok, "agent_id": aid, "code": "000000"})
            self.assertEqual((r.status, json.loads(r.body)["error"]["code"]),
                             (403, "step_up_failed"), r.body)
            self.assertEqual(srv.query("SELECT state FROM agents WHERE id = ?", (aid,)),
                             [("active",)])
            r = c.post("/api/v1/agents/revoke", {"csrf": tok, "agent_id": aid,
                                                 "code": c.step_up()})
            self.assertEqual(r.status, 200, r.body)
            r = c.post("/api/v1/agents/revoke", {"csrf": tok, "agent_id": "agt-none",
                                                 "code": c.step_up()})
            self.assertEqual(r.status, 404, r.body)
            r = a.run()
            self.assertIn("certificate_revoked", r.err)
            self.assertEqual(A.Agent(tmp, "x").enroll(srv, token).rc != 0, True)  # used
            self.assertNotIn(LEAK_NAME, srv.ledger())
        finally:
            srv.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


class AgentCasesTest(unittest.TestCase):
    """The closed-zone host publishes its fingerprints; a general-zone agent fetches and
    checks them, finds entrusted records in a leftover copy, and the server opens a case."""

    def test_fingerprints_published_checked_and_case_opened(self):
        import random
        srv = A.AgentServer()
        tmp = tempfile.mkdtemp(prefix="azk-agents-")
        try:
            rnd = random.Random(7)
            lines = ["顧客番号,氏名,生年月日,郵便番号,電話番号,メール"]
            fam, giv = ["山田", "佐藤", "鈴木", "高橋", "田中"], ["太郎", "花子", "一郎", "恵子"]
            for i in range(40):
                lines.append("C%06d,%s %s,19%02d-%02d-%02d,%03d-%04d,090-%04d-%04d,m%d@example.invalid"
                             % (i + 1, rnd.choice(fam), rnd.choice(giv), rnd.randrange(40, 99),
                                rnd.randrange(1, 13), rnd.randrange(1, 28),
                                rnd.randrange(100, 1000), rnd.randrange(10000),
                                rnd.randrange(10000), rnd.randrange(10000), i))
            src = os.path.join(tmp, "dm.csv")
            with open(src, "w", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n")
            share = os.path.join(tmp, "share")
            plant(share, "old_copy.csv", ("\n".join(lines[:1] + lines[5:17]) + "\n").encode())
            second = ("\n".join(lines[:1] + lines[20:32]) + "\n").encode()
            plant(share, "older_copy.csv", second)
            srv.policy("office", {"paths": [share], "fingerprints": True})
            srv.policy("prod", {"paths": [os.path.join(tmp, "none")]})
            closed = A.Agent(tmp, "prod-host")
            self.assertEqual(closed.azk("client", "add", "shinkin-a").rc, 0)
            r = closed.azk("intake", "--client", "shinkin-a", "--dataset", "2023-09-dm",
                           "--purpose", "direct mail", "--retain-until", "2099-12-31", src)
            self.assertEqual(r.rc, 0, r.err)
            self.assertEqual(closed.enroll(srv, srv.token("prod", "closed")).rc, 0)
            r = closed.run()
            self.assertEqual(r.rc, 0, r.err)
            self.assertIn("agent.fingerprints.publish", closed.ledger())
            self.assertIn("agent.fingerprints.publish", srv.ledger())
            self.assertFalse(os.path.exists(os.path.join(closed.home, "agent", "fp-export.key")))
            a = A.Agent(tmp, "pc")
            self.assertEqual(a.enroll(srv, srv.token("office")).rc, 0)
            # a general-zone agent may not publish
            st, doc = A.call(srv, "POST", "/api/v1/agent/fingerprints", b"x", a.ident)
            self.assertEqual((st, A.code(doc)), (403, "not_closed_zone"))
            r = a.run()
            self.assertEqual(r.rc, 0, r.err)
            aid = a.state()["agent_id"]
            rows = srv.query("SELECT edm, edm_records FROM agent_objects WHERE agent_id = ?",
                             (aid,))
            self.assertEqual(len(rows), 2)
            self.assertIn("shinkin-a", rows[0][0])
            self.assertGreaterEqual(rows[0][1], 10)
            cases = srv.query("SELECT agent_id, state, records FROM agent_cases")
            self.assertEqual(len(cases), 2)
            self.assertEqual(cases[0][:2], (aid, "open"))
            self.assertIn("agent.case.open", srv.ledger())
            # the closed-zone host's own findings never open a case
            self.assertEqual(srv.query("SELECT count(*) FROM agent_cases WHERE agent_id = ?",
                                       (closed.state()["agent_id"],)), [(0,)])
            # two people: an operator asks, an approver agrees with step-up TOTP
            import json
            import serve_client as S
            admin = srv.admin("correct horse battery")
            codes = S.Codes()
            secrets = {}
            for user, role in (("op1", "operator"), ("ap1", "approver")):
                extra = () if user == "op1" else ("--user", "op1", "--totp",
                                                  codes.code("op1", secrets["op1"]))
                r = srv.azk("user", "add", user, *extra)
                self.assertEqual(r.rc, 0, r.err)
                secrets[user] = r.out.strip().split()[-1]
                T_sql(srv, "UPDATE users SET role='%s', state='active', pw_hash=(SELECT pw_hash"
                      " FROM users WHERE name='admin') WHERE name='%s'" % (role, user))
            cids = [r[0] for r in srv.query("SELECT c.id FROM agent_cases c JOIN agent_objects o"
                                            " ON o.batch_id = c.batch_id AND o.seq = c.seq"
                                            " ORDER BY o.path")]
            cid, cid2 = cids  # old_copy.csv, older_copy.csv

            def login(user):
                c = S.Client(srv.port, srv.cafile)
                r = c.login(user, "correct horse battery", codes.code(user, secrets[user]))
                self.assertEqual(r.status, 303, r.body)
                return c, c.csrf("/dashboard")

            op, optok = login("op1")
            ap, aptok = login("ap1")

            def ask(case, action, want=200):
                r = op.post("/api/v1/agents/cases/request", {"csrf": optok, "case_id": case,
                                                             "action": action,
                                                             "reason": "leftover of the DM"})
                self.assertEqual(r.status, want, r.body)

            def approve(case, want=200):
                r = ap.post("/api/v1/agents/cases/approve", {
                    "csrf": aptok, "case_id": case, "code": codes.code("ap1", secrets["ap1"])})
                self.assertEqual(r.status, want, r.body)

            r = op.post("/api/v1/agents/cases/approve", {"csrf": optok, "case_id": cid,
                                                         "code": "000000"})
            self.assertEqual(r.status, 403)  # an operator does not approve
            ask(cid, "release", 409)  # nothing quarantined yet
            ask(cid, "quarantine")
            ask(cid, "quarantine", 409)
            self.assertEqual(a.run().rc, 0)  # requested, not approved: nothing happens
            self.assertTrue(os.path.exists(os.path.join(share, "old_copy.csv")))
            r = ap.post("/api/v1/agents/cases/approve", {"csrf": aptok, "case_id": cid,
                                                         "code": "000000"})
            self.assertEqual(r.status, 403, r.body)
            self.assertIn("step_up", r.body)
            approve(cid)
            ask(cid2, "quarantine")
            approve(cid2)
            r = a.run()
            self.assertEqual(r.rc, 0, r.err)
            self.assertIn("2 case actions", r.out)
            for name, case in (("old_copy.csv", cid), ("older_copy.csv", cid2)):
                self.assertFalse(os.path.exists(os.path.join(share, name)))
                with open(os.path.join(share, name + ".azukari-quarantine.txt"),
                          encoding="utf-8") as f:
                    self.assertIn(case, f.read())
            self.assertEqual([n for n in os.listdir(share) if n.startswith(".azk")], [])
            r = a.azk("guard", "list")
            self.assertIn(cid, r.out)
            self.assertIn("quarantined", r.out)
            self.assertIn("agent.quarantine", a.ledger())
            r = admin.get("/api/v1/agents/cases")
            story = [c for c in json.loads(r.body)["items"] if c["id"] == cid][0]
            import jsonschema
            import yaml
            with open(os.path.join(T_src(), "docs", "api", "openapi.yaml")) as f:
                schemas = yaml.safe_load(f)["components"]["schemas"]
            jsonschema.validate(story, {"$ref": "#/components/schemas/AgentCase",
                                        "components": {"schemas": schemas}})
            self.assertEqual(story["state"], "quarantined")
            self.assertEqual(story["story"]["requested_by"], "op1")
            self.assertEqual(story["story"]["approved_by"], "ap1")
            self.assertTrue(story["story"]["done"])
            # release one, destroy the other: the same two-person rule
            ask(cid, "release")
            approve(cid)
            ask(cid2, "destroy")
            approve(cid2)
            vault_before = os.listdir(os.path.join(a.home, "vault"))
            r = a.run()
            self.assertEqual(r.rc, 0, r.err)
            self.assertIn("2 case actions", r.out)
            with open(os.path.join(share, "old_copy.csv"), "rb") as f:
                self.assertEqual(f.read(), ("\n".join(lines[:1] + lines[5:17]) + "\n").encode())
            self.assertFalse(os.path.exists(os.path.join(share, "old_copy.csv.azukari-quarantine.txt")))
            self.assertFalse(os.path.exists(os.path.join(share, "older_copy.csv")))
            self.assertEqual(len(os.listdir(os.path.join(a.home, "vault"))), len(vault_before) - 1)
            r = a.azk("guard", "list")
            self.assertIn("released", r.out)
            self.assertIn("destroyed", r.out)
            al = a.ledger()
            self.assertIn("agent.release", al)
            self.assertIn("agent.destroy", al)
            r = admin.get("/api/v1/agents/cases")
            items = {c["id"]: c for c in json.loads(r.body)["items"]}
            self.assertEqual(items[cid]["state"], "released")
            self.assertEqual(items[cid2]["state"], "destroyed")
            steps = [s["step"] for s in items[cid2]["steps"]]
            self.assertEqual(steps, ["found", "quarantine requested", "approved", "quarantined",
                                     "destroy requested", "approved", "destroyed"])
            self.assertEqual([s["by"] for s in items[cid2]["steps"]][1:3], ["op1", "ap1"])
            sl = srv.ledger()
            for act in ("agent.case.request", "agent.case.approve", "agent.case.quarantined",
                        "agent.case.released", "agent.case.destroyed", "serve.stepup"):
                self.assertIn(act, sl)
            self.assertNotIn("old_copy", sl)
            self.assertNotIn("old_copy", al)
            self.assertEqual(a.run().rc, 0)  # nothing left to do; the case stays closed
            # a fingerprint file that does not match what was signed: refused, not used
            T_sql(srv, "UPDATE agent_fingerprints SET file = fkey")
            b = A.Agent(tmp, "pc2")
            self.assertEqual(b.enroll(srv, srv.token("office")).rc, 0)
            r = b.run()
            self.assertNotEqual(r.rc, 0)
            self.assertIn("fingerprint", r.err)
            self.assertIn("bad signature", b.ledger())
            self.assertFalse(os.path.exists(os.path.join(b.home, "agent", "fp.bin")))
            rows = srv.query("SELECT edm_records FROM agent_objects WHERE agent_id = ?",
                             (b.state()["agent_id"],))
            self.assertTrue(rows)
            self.assertEqual([r for r in rows if r[0] != 0], [])  # swept without EDM
        finally:
            srv.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


class AgentWitnessTest(unittest.TestCase):
    """The closed-zone host reports its ledger's signed checkpoints; the server keeps each,
    checks consistency, and raises an alarm on a rewritten history."""

    def test_witness_consistent_then_fork_alarm(self):
        import json
        srv = A.AgentServer()
        tmp = tempfile.mkdtemp(prefix="azk-agents-")
        try:
            srv.policy("prod", {"paths": [os.path.join(tmp, "none")]})
            closed = A.Agent(tmp, "prod-host")
            self.assertEqual(closed.enroll(srv, srv.token("prod", "closed")).rc, 0)
            general = A.Agent(tmp, "pc")
            self.assertEqual(general.enroll(srv, srv.token("prod")).rc, 0)
            st, doc = A.call(srv, "POST", "/api/v1/agent/checkpoints", b"{}", general.ident,
                             {"Content-Type": "application/json"})
            self.assertEqual((st, A.code(doc)), (403, "not_closed_zone"))
            self.assertEqual(closed.run().rc, 0)
            led = os.path.join(closed.home, "ledger")
            backup = os.path.join(tmp, "ledger-backup")
            shutil.copytree(led, backup)
            self.assertEqual(closed.azk("client", "add", "bank-x").rc, 0)
            r = closed.run()
            self.assertEqual(r.rc, 0, r.err)
            admin = srv.admin("correct horse battery")
            w = json.loads(admin.get("/api/v1/agents/witness").body)["items"]
            self.assertEqual(len(w), 1)
            self.assertIsNone(w[0]["alarm"])
            self.assertEqual(w[0]["checkpoints"], 2)
            size2 = w[0]["size"]
            # history rewritten: the old ledger back, other entries on top (same key)
            shutil.rmtree(led)
            shutil.copytree(backup, led)
            for i in range(size2 + 2):
                self.assertEqual(closed.azk("client", "add", "fork-%d" % i).rc, 0)
            r = closed.run()
            self.assertNotEqual(r.rc, 0)
            self.assertIn("witness", r.err)
            w = json.loads(admin.get("/api/v1/agents/witness").body)["items"]
            self.assertIn("fork", w[0]["alarm"])
            self.assertEqual(w[0]["size"], size2)  # the last consistent state is kept
            self.assertIn("agent.witness.alarm", srv.ledger())
            self.assertEqual(srv.query("SELECT count(*) FROM agent_checkpoints"), [(3,)])
        finally:
            srv.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


def T_sql(srv, stmt):
    """Test fixture: one statement on the server's catalog (SQLite or PostgreSQL)."""
    import json
    import sqlite3
    import azk_testlib as T
    conf = os.path.join(srv.home, "azukari.conf")
    url = None
    if os.path.exists(conf):
        with open(conf) as f:
            url = json.load(f).get("catalog")
    if url:
        r = subprocess.run([T.psql(), "-X", "-v", "ON_ERROR_STOP=1", url, "-c", stmt],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        return
    db = sqlite3.connect(os.path.join(srv.home, "catalog.db"))
    with db:
        db.execute(stmt)
    db.close()


def T_src():
    import azk_testlib
    return azk_testlib.srcdir()


class AgentOfflineTest(unittest.TestCase):
    """The server goes away and comes back: spool, catch-up, no duplicates, bounded spool."""

    def setUp(self):
        self.srv = A.AgentServer()
        self.tmp = tempfile.mkdtemp(prefix="azk-agents-")
        self.share = os.path.join(self.tmp, "share")
        for i in range(5):
            plant(self.share, "left_%d.csv" % i)
        self.srv.policy("office", {"paths": [self.share], "batch_objects": 1})

    def tearDown(self):
        self.srv.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_spool_catch_up_and_replay(self):
        a = A.Agent(self.tmp, "pc")
        self.assertEqual(a.enroll(self.srv, self.srv.token("office")).rc, 0)
        aid = a.state()["agent_id"]
        self.assertEqual(a.run("--no-sweep").rc, 0)  # fetches nothing; keeps no policy yet
        r = a.run()  # policy kept (verified) + 5 objects uploaded
        self.assertEqual(r.rc, 0, r.err)
        for i in range(5, 8):
            plant(self.share, "left_%d.csv" % i)
        self.srv.stop()
        r = a.run()  # unreachable: the last verified policy, results spooled
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("server unreachable", r.out)
        self.assertEqual(len(a.spool()), 3)
        saved = os.path.join(self.tmp, "saved-spool")
        shutil.copytree(os.path.join(a.home, "agent", "spool"), saved)
        self.srv.start()
        r = a.run("--no-sweep")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(a.spool(), [])
        self.assertEqual(self.srv.query("SELECT count(*) FROM agent_objects WHERE agent_id = ?",
                                        (aid,)), [(8,)])
        # acknowledgements lost (as after kill -9 between ack and delete): resent, not twice
        for f in os.listdir(saved):
            shutil.copy(os.path.join(saved, f), os.path.join(a.home, "agent", "spool", f))
        r = a.run("--no-sweep")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(a.spool(), [])
        self.assertEqual(self.srv.query("SELECT count(*) FROM agent_objects WHERE agent_id = ?",
                                        (aid,)), [(8,)])
        self.assertEqual(A.count_re(r"duplicate", a.ledger()), 3)

    def test_kill_during_upload_no_loss_no_duplicate(self):
        gate = os.path.join(self.tmp, "gate")
        self.srv.stop()
        self.srv.env.update({"AZK_TEST_GATE": "agent.ingest", "AZK_TEST_GATE_FILE": gate})
        self.srv.start()
        a = A.Agent(self.tmp, "pc")
        self.assertEqual(a.enroll(self.srv, self.srv.token("office")).rc, 0)
        aid = a.state()["agent_id"]
        p = subprocess.Popen([a.bin, "--home", a.home, "agent", "run", "--once", "--retry-ms",
                              "50"], env=a.env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        for _ in range(600):
            if os.path.exists(gate):
                break
            time.sleep(0.05)
        self.assertTrue(os.path.exists(gate), "the server never reached the ingest gate")
        p.kill()  # kill -9 while the server holds the first batch, unacknowledged
        p.wait()
        spooled = len(a.spool())
        self.assertEqual(spooled, 5)
        self.srv.stop()  # the server must finish or roll back the held batch to stop
        os.unlink(gate)
        self.srv.env.pop("AZK_TEST_GATE")
        self.srv.start()
        r = a.run("--no-sweep")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(a.spool(), [])
        rows = self.srv.query("SELECT count(*), count(DISTINCT path) FROM agent_objects"
                              " WHERE agent_id = ?", (aid,))
        self.assertEqual(rows, [(5, 5)])

    def test_spool_bound_counts_loss(self):
        a = A.Agent(self.tmp, "pc")
        self.assertEqual(a.enroll(self.srv, self.srv.token("office")).rc, 0)
        aid = a.state()["agent_id"]
        self.assertEqual(a.run("--no-sweep").rc, 0)
        self.srv.stop()
        # no verified policy kept yet: fetch it once while up, then go offline
        self.srv.start()
        shutil.rmtree(self.share)
        os.makedirs(self.share)
        self.assertEqual(a.run().rc, 0)
        for i in range(4):
            plant(self.share, "new_%d.csv" % i)
        self.srv.stop()
        r = a.run("--spool-max", "2")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("2 lost", r.out)
        self.assertEqual(len(a.spool()), 2)
        self.assertIn("agent.spool.full", a.ledger())
        self.srv.start()
        plant(self.share, "new_9.csv")
        r = a.run()
        self.assertEqual(r.rc, 0, r.err)
        rows = self.srv.query("SELECT sum(lost_objects), sum(object_count) FROM agent_batches"
                              " WHERE agent_id = ?", (aid,))
        self.assertEqual([tuple(int(v) for v in r) for r in rows], [(2, 3)])


class AgentExpiryTest(unittest.TestCase):
    def test_expired_certificate_refused(self):
        srv = A.AgentServer(env={"AZK_AGENT_CERT_VALID_S": "2"})
        tmp = tempfile.mkdtemp(prefix="azk-agents-")
        try:
            a = A.Agent(tmp, "pc", env={"AZK_TEST_AGENT_RENEW_S": "0"})
            self.assertEqual(a.enroll(srv, srv.token("office")).rc, 0)
            time.sleep(3)
            r = a.run("--no-sweep")
            self.assertNotEqual(r.rc, 0)
            self.assertIn("certificate_expired", r.err)
            self.assertIn("certificate_expired", srv.ledger())
        finally:
            srv.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
