# SPDX-License-Identifier: Apache-2.0
"""test_agent_witness_keys.py -- the way back from a witness alarm "the host's
ledger key changed" (SQLite, and PostgreSQL as e2e_pg_test_agent_witness_keys):
the other key a closed-zone host offers is kept; an administrator requests its
acceptance (step-up), another person approves it (step-up); the requester
cannot approve; operators, auditors and clients cannot act; without a good
TOTP code nothing changes; once accepted, the new key's checkpoints are
accepted, the old checkpoints are still kept, and a third key alarms again.
The same through the page and the CLI twin (`azukari agent witness`)."""

import json
import os
import shutil
import tempfile
import unittest

import agent_testlib as A
import serve_client as S


def public_key(agent):
    """The host's ledger key as `azukari audit init` prints it on that host."""
    r = agent.azk("audit", "init")
    assert r.rc == 0, r.err
    return r.out.strip().splitlines()[-1]


class WitnessKeysTest(unittest.TestCase):
    def setUp(self):
        self.srv = A.AgentServer()
        self.tmp = tempfile.mkdtemp(prefix="azk-wk-")
        self.srv.policy("prod", {"paths": [os.path.join(self.tmp, "none")]})

    def tearDown(self):
        self.srv.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def host(self, name):
        a = A.Agent(self.tmp, name)
        self.assertEqual(a.enroll(self.srv, self.srv.token("prod", "closed"), host="db1").rc, 0)
        return a

    def witness(self, c):
        r = c.get("/api/v1/agents/witness")
        self.assertEqual(r.status, 200, r.body)
        return {w["agent_id"]: w for w in json.loads(r.body)["items"]}

    def keys(self, c):
        """The offered keys, the answer checked against docs/api/openapi.yaml."""
        import jsonschema
        import yaml
        import azk_testlib as T
        r = c.get("/api/v1/agents/witness/keys")
        self.assertEqual(r.status, 200, r.body)
        doc = json.loads(r.body)
        with open(os.path.join(T.srcdir(), "docs", "api", "openapi.yaml")) as f:
            spec = yaml.safe_load(f)
        schema = spec["paths"]["/agents/witness/keys"]["get"]["responses"]["200"]["content"][
            "application/json"]["schema"]
        jsonschema.validate(doc, dict(schema, components=spec["components"]))
        return {k["agent_id"]: k for k in doc["items"]}

    def act(self, c, path, form, code=None):
        f = dict(form)
        f["csrf"] = c.csrf("/agents/witness/keys")
        f["code"] = code if code is not None else c.step_up()
        r = c.post(path, f)
        try:
            doc = json.loads(r.body)
        except ValueError:
            doc = None
        return r.status, doc

    def test_alarm_two_people_accept_then_a_third_key_alarms(self):
        # TOTP codes: each person spends at most two (log-in, one act): no waiting for a step
        first = self.host("prod-1")
        self.assertEqual(first.run().rc, 0)
        # the host is reinstalled: the same name, another home, another ledger key
        second = self.host("prod-2")
        r = second.run()
        self.assertNotEqual(r.rc, 0)
        self.assertIn("witness", r.err)
        sid = second.state()["agent_id"]
        people = self.srv.people({"ad2": "administrator", "ad3": "administrator",
                                  "ap1": "approver", "op1": "operator", "au1": "auditor",
                                  "cl1": "client"})
        admin, ap1 = people["admin"], people["ap1"]
        self.assertIn("key changed", self.witness(admin)[sid]["alarm"])
        self.assertIn('href="/agents/witness/keys"', admin.get("/agents/witness").body)
        k = self.keys(admin)[sid]
        self.assertEqual(k["state"], "offered")
        self.assertEqual(k["offered_key"], public_key(second))
        self.assertEqual(k["pinned_key"], public_key(first))
        fid = first.state()["agent_id"]
        checkpoints_before = self.witness(admin)[fid]["checkpoints"]
        self.assertNotEqual(second.run().rc, 0)  # an alarm on every report until people act
        form = {"agent_id": sid, "vkey": k["offered_key"], "reason": "db1 reinstalled, ticket 42"}
        # only an administrator requests: the other roles are refused by role
        for u in ("op1", "ap1", "au1", "cl1"):
            st, _ = self.act(people[u], "/api/v1/agents/witness/keys/request", form, "000000")
            self.assertEqual(st, 403, u)
        # bad input: refused before anything (and before a code is spent)
        for bad in (dict(form, vkey=""), dict(form, reason=""), dict(form, reason="x" * 501),
                    dict(form, agent_id="")):
            st, doc = self.act(admin, "/api/v1/agents/witness/keys/request", bad, "000000")
            self.assertEqual((st, doc["error"]["code"]), (400, "bad_request"), bad)
        c = admin
        st = c.post("/api/v1/agents/witness/keys/request",
                    dict(form, csrf=c.csrf("/agents/witness/keys"))).status  # no code
        self.assertEqual(st, 400)
        st = c.post("/api/v1/agents/witness/keys/request", dict(form, code="000000")).status
        self.assertEqual(st, 403)  # no CSRF token
        # without step-up (a wrong code): refused, nothing changes
        st, doc = self.act(admin, "/api/v1/agents/witness/keys/request", form, "000000")
        self.assertEqual((st, doc["error"]["code"]), (403, "step_up_failed"))
        self.assertEqual(self.keys(admin)[sid]["state"], "offered")
        # a key other than the one offered: refused
        st, doc = self.act(people["ad2"], "/api/v1/agents/witness/keys/request",
                           dict(form, vkey=k["pinned_key"]))
        self.assertEqual((st, doc["error"]["code"]), (409, "wrong_state"))
        st, doc = self.act(admin, "/api/v1/agents/witness/keys/request", form)
        self.assertEqual((st, doc), (200, {"agent_id": sid, "state": "requested"}))
        self.assertEqual(self.keys(admin)[sid]["requested_by"], "admin")
        # one person is not enough: the requester cannot approve (refused before a code is
        # spent); the other roles cannot; an approval needs step-up
        st, doc = self.act(admin, "/api/v1/agents/witness/keys/approve", {"agent_id": sid},
                           "000000")
        self.assertEqual((st, doc["error"]["code"]), (403, "two_person_rule"))
        for u in ("op1", "au1", "cl1"):
            st, _ = self.act(people[u], "/api/v1/agents/witness/keys/approve",
                             {"agent_id": sid}, "000000")
            self.assertEqual(st, 403, u)
        st, doc = self.act(ap1, "/api/v1/agents/witness/keys/approve", {"agent_id": sid},
                           "000000")
        self.assertEqual((st, doc["error"]["code"]), (403, "step_up_failed"))
        self.assertEqual(self.keys(admin)[sid]["state"], "requested")
        self.assertNotEqual(second.run().rc, 0)  # still an alarm
        st, doc = self.act(ap1, "/api/v1/agents/witness/keys/approve", {"agent_id": sid})
        self.assertEqual((st, doc), (200, {"agent_id": sid, "state": "accepted"}))
        k = self.keys(admin)[sid]
        self.assertEqual((k["state"], k["approved_by"], k["pinned_key"]),
                         ("accepted", "ap1", public_key(second)))
        self.assertIsNone(self.witness(admin)[sid]["alarm"])
        # the new key's checkpoints are accepted from now on, again and again
        for _ in range(2):
            self.assertEqual(self.host_run(second), 0)
        w = self.witness(admin)
        self.assertIsNone(w[sid]["alarm"])
        self.assertGreater(w[sid]["size"], 0)
        self.assertEqual(w[fid]["checkpoints"], checkpoints_before)  # the old ones kept
        ledger = self.srv.ledger()
        self.assertIn("agent.witness.key.request", ledger)
        self.assertIn("agent.witness.key.approve", ledger)
        self.assertNotIn("ticket 42", ledger)  # the reason stays in the catalog

        # any other key is an alarm again: a third ledger for db1
        third = self.host("prod-3")
        self.assertNotEqual(third.run().rc, 0)
        tid = third.state()["agent_id"]
        self.assertIn("key changed", self.witness(admin)[tid]["alarm"])
        k3 = self.keys(admin)[tid]
        self.assertEqual((k3["state"], k3["pinned_key"], k3["offered_key"]),
                         ("offered", public_key(second), public_key(third)))
        # the page: an administrator sees the request form, an approver does not
        page = admin.get("/agents/witness/keys")
        self.assertEqual(page.status, 200)
        self.assertIn('id="key-request-', page.body)
        self.assertIn(public_key(third), page.body)
        self.assertNotIn('id="key-request-', ap1.get("/agents/witness/keys").body)
        self.screenshot(admin, "witness-keys.png")
        self.assertEqual(people["cl1"].get("/agents/witness/keys").status, 403)
        # the CLI twin: ad4 (no session) requests; ad4 cannot approve what it asked
        codes = admin.codes
        r = self.srv.azk("user", "add", "ad4", "--user", "ad3", "--totp",
                         codes.code("ad3", self.srv.admin_secret))
        self.assertEqual(r.rc, 0, r.err)
        ad4 = r.out.strip().split()[-1]
        self.srv_sql("UPDATE users SET role = 'administrator', state = 'active' WHERE"
                     " name = 'ad4'")
        r = self.srv.azk("agent", "witness", "request", tid, k3["offered_key"], "--reason",
                         "rotated", "--user", "ad4", "--totp", codes.code("ad4", ad4))
        self.assertEqual(r.rc, 0, r.err)
        r = self.srv.azk("agent", "witness", "keys")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("%s\trequested\tad4\t%s" % (tid, k3["offered_key"]), r.out)
        r = self.srv.azk("agent", "witness", "approve", tid, "--user", "ad4", "--totp",
                         codes.code("ad4", ad4))
        self.assertNotEqual(r.rc, 0)
        self.assertIn("two-person", r.err)
        # the page: another administrator approves with a code
        page = people["ad2"].get("/agents/witness/keys")
        self.assertIn('id="key-approve-', page.body)
        f = {"agent_id": tid, "csrf": people["ad2"].csrf("/agents/witness/keys"),
             "code": "000000"}
        r = people["ad2"].post("/agents/witness/keys/approve", f)
        self.assertEqual(r.status, 403)
        self.assertEqual(self.keys(admin)[tid]["state"], "requested")
        f = {"agent_id": tid, "csrf": people["ad2"].csrf("/agents/witness/keys"),
             "code": people["ad2"].step_up()}
        r = people["ad2"].post("/agents/witness/keys/approve", f)
        self.assertIn(r.status, (200, 303), r.body)
        self.assertEqual(self.keys(admin)[tid]["approved_by"], "ad2")
        self.assertEqual(self.host_run(third), 0)
        self.assertIsNone(self.witness(admin)[tid]["alarm"])

    def screenshot(self, c, name):
        """The page at 1366x768 in Japanese, nothing wider than the window (saved for a
        look: $AZK_BUILDDIR/agents-screens/)."""
        try:
            from selenium import webdriver
        except ImportError:
            return
        if shutil.which("chromedriver") is None:
            return
        shots = os.path.join(os.environ.get("AZK_BUILDDIR", self.tmp), "agents-screens")
        os.makedirs(shots, exist_ok=True)
        d = S.chrome()
        try:
            base = "https://localhost:%d" % self.srv.port
            d.get(base + "/login")
            for k, v in c.jar.items():
                if k != "lang":
                    d.add_cookie({"name": k, "value": v, "path": "/", "secure": True})
            d.get(base + "/agents/witness/keys")
            self.assertNotIn("login", d.current_url)
            self.assertEqual(d.execute_script("return document.documentElement.lang"), "ja")
            self.assertLessEqual(d.execute_script("return document.body.scrollWidth"), 1366)
            d.save_screenshot(os.path.join(shots, name))
        finally:
            d.quit()

    def srv_sql(self, *stmts):
        s = S.Server.__new__(S.Server)  # only its sql() is used: it needs .home
        s.home = self.srv.home
        s.sql(*stmts)

    def host_run(self, agent):
        r = agent.run()
        return r.rc if r.rc == 0 else (r.rc, r.err)


if __name__ == "__main__":
    unittest.main()
