# SPDX-License-Identifier: Apache-2.0
"""test_agent_closedzone.py -- what the closed-zone production host reports
besides its fingerprints, against a real `azukari serve --agent-port`
(SQLite, and PostgreSQL as e2e_pg_test_agent_closedzone): its datasets with
deadlines, retention state, legal holds and certificate hashes, and its
guard decisions, never a value, a file or a source name; each report kept
once (a resend is a duplicate, an unchanged state is not sent again); the
list in /api/v1 scoped per client for a bank user. Bad input, a test each:
a general-zone host, unknown fields (where a name could hide), malformed ids,
too many items, not JSON. The witness pins a host's ledger key across
enrolments: the same host enrolled again with another key raises the alarm;
enrolled again with its own ledger it goes on."""

import json
import os
import shutil
import tempfile
import unittest
import zlib

import agent_testlib as A
import serve_client as S

SOURCE = "顧客台帳_山田太郎.csv"
ROWS = ["顧客番号,氏名,電話番号",
        "C000001,山田 太郎,090-1234-5678",
        "C000002,佐藤 花子,080-2345-6789",
        "C000003,鈴木 一郎,070-3456-7890"]


def intake(agent, tmp, client, dataset):
    src = os.path.join(tmp, SOURCE)
    with open(src, "w", encoding="utf-8") as f:
        f.write("\n".join(ROWS) + "\n")
    r = agent.azk("intake", "--client", client, "--dataset", dataset, "--purpose",
                  "direct mail", "--retain-until", "2099-12-31", src)
    assert r.rc == 0, r.err


def meta_body(doc):
    return zlib.compress(json.dumps(doc).encode())


def post_meta(srv, ident, doc=None, raw=None):
    body = raw if raw is not None else meta_body(doc)
    return A.call(srv, "POST", "/api/v1/agent/metadata", body, ident,
                  {"Content-Type": "application/json", "Content-Encoding": "deflate"})


GOOD_DS = {"dataset": "ds-x", "client": "bank-x", "retain_until": "2099-12-31",
           "state": "active", "retention": None, "held": False, "certificate": None}


class ClosedZoneMetadataTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = A.AgentServer()
        cls.tmp = tempfile.mkdtemp(prefix="azk-cz-")
        cls.srv.policy("prod", {"paths": [os.path.join(cls.tmp, "none")]})
        cls.srv.policy("office", {"paths": [os.path.join(cls.tmp, "none")]})
        cls.closed = A.Agent(cls.tmp, "prod-host")
        for c in ("shinkin-a", "shinkin-b"):
            assert cls.closed.azk("client", "add", c).rc == 0
        intake(cls.closed, cls.tmp, "shinkin-a", "2023-09-dm")
        r = cls.closed.enroll(cls.srv, cls.srv.token("prod", "closed"), host="prod-host")
        assert r.rc == 0, r.err
        cls.general = A.Agent(cls.tmp, "pc")
        assert cls.general.enroll(cls.srv, cls.srv.token("office"), host="pc").rc == 0

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def reports(self):
        return self.srv.query("SELECT count(*) FROM agent_cz_reports")[0][0]

    def test_1_reported_once_then_on_change(self):
        r = self.closed.run()
        self.assertEqual(r.rc, 0, r.err)
        rows = self.srv.query("SELECT dataset, client, retain_until, state, held, certificate"
                              " FROM agent_cz_datasets")
        self.assertEqual(rows, [("2023-09-dm", "shinkin-a", "2099-12-31", "active", 0, None)])
        self.assertEqual(self.reports(), 1)
        self.assertIn("agent.metadata", self.closed.ledger())
        self.assertIn("agent.metadata", self.srv.ledger())
        # unchanged: nothing sent again
        self.assertEqual(self.closed.run().rc, 0)
        self.assertEqual(self.reports(), 1)
        # a new dataset: a new report, the host's list replaced
        intake(self.closed, self.tmp, "shinkin-b", "2024-01-dm")
        self.assertEqual(self.closed.run().rc, 0)
        self.assertEqual(self.reports(), 2)
        self.assertEqual(sorted(r[0] for r in self.srv.query(
            "SELECT dataset FROM agent_cz_datasets")), ["2023-09-dm", "2024-01-dm"])
        # never a source name or a value: not in the server's catalog rows nor either ledger
        dump = json.dumps(self.srv.query("SELECT * FROM agent_cz_datasets") +
                          self.srv.query("SELECT * FROM agent_cz_reports"), ensure_ascii=False)
        for secret in ("顧客台帳", "山田", "090-1234-5678", SOURCE):
            self.assertNotIn(secret, dump)
            self.assertNotIn(secret, self.srv.ledger())

    def test_2_api_scoped_per_client(self):
        if self.reports() == 0:
            self.assertEqual(self.closed.run().rc, 0)
        admin = self.srv.admin("correct horse battery")
        r = admin.get("/api/v1/agents/closed-zone/datasets")
        self.assertEqual(r.status, 200, r.body)
        items = json.loads(r.body)["items"]
        self.assertIn("2023-09-dm", [i["dataset"] for i in items])
        self.assertEqual(items[0]["host"], "prod-host")
        # a bank user granted shinkin-b only
        codes = S.Codes()
        r = self.srv.azk("user", "add", "bob", "--user", "admin", "--totp", "000000")
        if r.rc != 0:
            r = self.srv.azk("user", "add", "bob")
        self.assertEqual(r.rc, 0, r.err)
        secret = r.out.strip().split()[-1]
        S.Server.sql(self.srv,
                     "UPDATE users SET role='client', pw_hash=(SELECT pw_hash FROM users"
                     " WHERE name='admin') WHERE name='bob'",
                     "INSERT INTO user_grants(name, client) VALUES('bob', 'shinkin-b')")
        bob = S.Client(self.srv.port, self.srv.cafile)
        self.assertEqual(bob.login("bob", "correct horse battery",
                                   codes.code("bob", secret)).status, 303)
        r = bob.get("/api/v1/agents/closed-zone/datasets")
        self.assertEqual(r.status, 200, r.body)
        self.assertTrue(all(i["client"] == "shinkin-b" for i in json.loads(r.body)["items"]))
        r = bob.get("/api/v1/agents/closed-zone/datasets?client=shinkin-a")
        self.assertEqual(r.status, 403, r.body)
        self.assertEqual(bob.get("/api/v1/agents/closed-zone/guard").status, 403)
        r = admin.get("/api/v1/agents/closed-zone/guard")
        self.assertEqual(r.status, 200, r.body)
        r = admin.get("/api/v1/agents/closed-zone/datasets?after=..%2F")
        self.assertEqual(r.status, 400, r.body)

    def test_3_resend_is_a_duplicate(self):
        doc = {"report_id": "ab" * 32, "previous": None, "created_at": 1,
               "datasets": [dict(GOOD_DS, dataset="ds-dup")], "guard": [
                   {"item": "g1", "state": "quarantined", "verdict": "block",
                    "requested": True, "approved": False, "updated_at": "2026-01-01T00:00:00Z"}]}
        st, d = post_meta(self.srv, self.closed.ident, doc)
        self.assertEqual((st, d["duplicate"]), (200, False), d)
        n = self.reports()
        st, d = post_meta(self.srv, self.closed.ident, doc)
        self.assertEqual((st, d["duplicate"]), (200, True), d)
        self.assertEqual(self.reports(), n)
        self.assertEqual(self.srv.query("SELECT item, verdict FROM agent_cz_guard"),
                         [("g1", "block")])
        # the host's real state back (its next report replaces this one)
        self.closed_state_back()

    def closed_state_back(self):
        os.unlink(os.path.join(self.closed.home, "agent", "metadata.last"))
        self.assertEqual(self.closed.run().rc, 0)
        self.assertEqual(self.srv.query("SELECT count(*) FROM agent_cz_datasets"
                                        " WHERE dataset = 'ds-dup'"), [(0,)])

    def test_4_bad_input_refused_nothing_kept(self):
        n = self.reports()
        base = {"report_id": "cd" * 32, "created_at": 1, "datasets": [GOOD_DS], "guard": []}
        st, d = post_meta(self.srv, self.general.ident, base)
        self.assertEqual((st, A.code(d)), (403, "not_closed_zone"))
        cases = [
            dict(base, path="/srv/leak/" + SOURCE),                       # unknown top field
            dict(base, datasets=[dict(GOOD_DS, source_name=SOURCE)]),     # a name rides along
            dict(base, datasets=[dict(GOOD_DS, dataset="../etc")]),       # not an id
            dict(base, report_id="xyz"),                                  # bad id
            dict(base, datasets=[dict(GOOD_DS, certificate="nothex")]),   # bad certificate hash
            dict(base, guard=[{"item": "g1", "state": "ok", "requested": "yes",
                               "approved": False}]),                       # wrong type
            dict(base, datasets="many"),
        ]
        for doc in cases:
            st, d = post_meta(self.srv, self.closed.ident, doc)
            self.assertEqual((st, A.code(d)), (400, "malformed"), doc)
            self.assertNotIn(SOURCE, json.dumps(d, ensure_ascii=False))
        st, d = post_meta(self.srv, self.closed.ident,
                          dict(base, datasets=[GOOD_DS] * 20001))
        self.assertEqual((st, A.code(d)), (413, "too_large"))
        st, d = post_meta(self.srv, self.closed.ident, raw=zlib.compress(b"{not json"))
        self.assertEqual((st, A.code(d)), (400, "malformed"))
        st, d = post_meta(self.srv, self.closed.ident, raw=b"plain, not zlib")
        self.assertEqual(st, 400)
        self.assertEqual(self.reports(), n)
        self.assertEqual(self.srv.query("SELECT count(*) FROM agent_cz_datasets"
                                        " WHERE dataset = 'ds-x'"), [(0,)])
        self.assertNotIn(SOURCE, self.srv.ledger())


class WitnessKeyPinnedTest(unittest.TestCase):
    """A host's ledger key is pinned at its first checkpoint, across enrolments."""

    def setUp(self):
        self.srv = A.AgentServer()
        self.tmp = tempfile.mkdtemp(prefix="azk-cz-")
        self.srv.policy("prod", {"paths": [os.path.join(self.tmp, "none")]})

    def tearDown(self):
        self.srv.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def witness(self):
        admin = getattr(self, "admin", None) or self.srv.admin("correct horse battery")
        self.admin = admin
        return {w["agent_id"]: w for w in json.loads(
            admin.get("/api/v1/agents/witness").body)["items"]}

    def test_reenrol_with_another_key_alarms(self):
        first = A.Agent(self.tmp, "prod-1")
        self.assertEqual(first.enroll(self.srv, self.srv.token("prod", "closed"),
                                      host="db1").rc, 0)
        self.assertEqual(first.run().rc, 0)
        # the same host name, another home: another ledger, another key
        impostor = A.Agent(self.tmp, "prod-2")
        self.assertEqual(impostor.enroll(self.srv, self.srv.token("prod", "closed"),
                                         host="db1").rc, 0)
        r = impostor.run()
        self.assertNotEqual(r.rc, 0)
        self.assertIn("witness", r.err)
        w = self.witness()[impostor.state()["agent_id"]]
        self.assertIn("key changed", w["alarm"])
        self.assertIn("agent.witness.alarm", self.srv.ledger())
        # and it stays refused: the pinned key is the first one's
        self.assertNotEqual(impostor.run().rc, 0)
        self.assertIsNone(self.witness()[first.state()["agent_id"]]["alarm"])

    def test_reenrol_with_its_own_ledger_goes_on(self):
        a = A.Agent(self.tmp, "prod-1")
        self.assertEqual(a.enroll(self.srv, self.srv.token("prod", "closed"), host="db1").rc, 0)
        self.assertEqual(a.run().rc, 0)
        old = a.state()["agent_id"]
        # the same home enrols again (a new certificate and agent id, the same ledger key;
        # agent/witness.size stays: the proof goes on from what the witness saw)
        self.assertEqual(a.enroll(self.srv, self.srv.token("prod", "closed"), host="db1").rc, 0)
        self.assertEqual(a.azk("client", "add", "bank-y").rc, 0)
        r = a.run()
        self.assertEqual(r.rc, 0, r.err)
        w = self.witness()
        self.assertNotEqual(a.state()["agent_id"], old)
        self.assertIsNone(w[a.state()["agent_id"]]["alarm"])
        self.assertEqual(w[a.state()["agent_id"]]["vkey"], w[old]["vkey"])


if __name__ == "__main__":
    unittest.main()
