# SPDX-License-Identifier: Apache-2.0
"""test_races.py -- two azukari processes doing the same two-person act, or
the same retention run, at once on one catalog: exactly one approval and
one ledger event (a retention request, a guard transfer released once),
each dataset destroyed once, one certificate.

The approval race is made certain with the test builds' gate
(AZK_TEST_GATE, store/event.h): the first process is held after its own
checks of the request and before the store transaction; the second
approves; then the first goes on and must find the request approved inside
the transaction. Without that in-transaction check the first would approve
a second time. The other races start both processes together and check
the outcome, whatever the interleaving; a certificate issuer is also held
at the gate while a second one tries.
Run on SQLite and, as e2e_pg_test_races, on PostgreSQL.
Synthetic generated data only.
"""

import json
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import azk_testlib as T  # noqa: E402
from test_intake import HEADER, Home, synthetic_rows  # noqa: E402
from test_retention import NOW_PAST, epoch, faked_env, totp  # noqa: E402


class RaceTest(unittest.TestCase):
    def setUp(self):
        self.tmp = T.TempDir()
        self.h = Home(self.tmp.path)
        self.assertEqual(self.h.run("init").rc, 0)
        self.assertEqual(self.h.run("client", "add", "shinkin-a").rc, 0)
        self.closed = os.path.join(self.tmp.path, "closed")
        os.makedirs(self.closed)
        conf = {"retention": {"sweep_paths": [self.closed], "overwrite": True}}
        T.write_conf(self.h.home, conf)
        self.clock = epoch(NOW_PAST)
        self.secrets = {}
        self.csv = self.h.write("dm.csv", (HEADER + "\n" + "\n".join(synthetic_rows(20)) + "\n")
                                .encode("utf-8"))

    def tearDown(self):
        self.tmp.__exit__(None, None, None)

    def argv(self, *args, user=None, when=None):
        argv = [self.h.bin, "--home", self.h.home] + list(args)
        if user is not None:
            argv += ["--user", user, "--totp", totp(self.secrets[user], when)]
        return argv

    def tick(self):
        when = self.clock
        self.clock += 31  # every TOTP code fresh
        return when

    def at(self, *args, user=None):
        when = self.tick()
        return T.run(self.argv(*args, user=user, when=when), env=faked_env(self.h.env, when))

    def start(self, *args, user=None, when=None, extra_env=None):
        env = faked_env(self.h.env, when)
        env.update(extra_env or {})
        return subprocess.Popen(self.argv(*args, user=user, when=when), env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def ledger(self):
        r = self.h.run("audit", "log", "--format", "json")
        self.assertEqual(r.rc, 0, r.err)
        return [json.loads(x) for x in r.out.splitlines() if x.strip()]

    def events(self, action, obj=None):
        return [e for e in self.ledger() if e.get("action") == action and
                (obj is None or obj in json.dumps(e))]

    def people(self):
        """alice and bob (bootstrap), carol enrolled by alice and approved by bob."""
        for name in ("alice", "bob"):
            r = self.h.run("user", "add", name)
            self.assertEqual(r.rc, 0, r.err)
            self.secrets[name] = r.out.strip()
        r = self.at("user", "add", "carol", user="alice")
        self.assertEqual(r.rc, 0, r.err)
        self.secrets["carol"] = r.out.strip()
        r = self.at("user", "approve", "carol", user="bob")
        self.assertEqual(r.rc, 0, r.err)

    def request(self, ds):
        r = self.at("retention", "request-delete", ds, "--reason", "job finished", user="alice")
        self.assertEqual(r.rc, 0, r.err)
        return r.out.split("\t")[0].strip()

    def test_races__approval_held_between_check_and_commit(self):
        self.assertEqual(self.h.intake(self.csv, "early", until="2099-12-31").rc, 0)
        self.people()
        req = self.request("early")
        gate = os.path.join(self.tmp.path, "gate")
        when = self.tick()
        first = self.start("retention", "approve", req, user="bob", when=when,
                           extra_env={"AZK_TEST_GATE": "retention.approve",
                                      "AZK_TEST_GATE_FILE": gate})
        try:
            deadline = time.time() + 60
            while not os.path.exists(gate) and first.poll() is None and time.time() < deadline:
                time.sleep(0.02)
            self.assertTrue(os.path.exists(gate), "the first approval never reached the gate "
                            "(a release build has no gate; run the debug build)")
            # bob's process has checked the request (pending) and waits; carol approves
            r = self.at("retention", "approve", req, user="carol")
            self.assertEqual(r.rc, 0, r.err)
        finally:
            if os.path.exists(gate):
                os.unlink(gate)
        out, err = first.communicate(timeout=60)
        self.assertNotEqual(first.returncode, 0, out)
        self.assertIn("not pending", err)
        self.assertEqual(len(self.events("retention.approve", req)), 1)

    def test_races__two_approvals_at_once(self):
        self.assertEqual(self.h.intake(self.csv, "early", until="2099-12-31").rc, 0)
        self.people()
        for i in range(3):
            req = self.request("early")
            when = self.tick()
            procs = [self.start("retention", "approve", req, user=u, when=when)
                     for u in ("bob", "carol")]
            results = [(p.wait(timeout=60), p.communicate()) for p in procs]
            ok = [rc for rc, _ in results if rc == 0]
            self.assertEqual(len(ok), 1, results)
            loser = [io[1] for rc, io in results if rc != 0][0]
            self.assertIn("not pending", loser)
            self.assertEqual(len(self.events("retention.approve", req)), 1)

    def test_races__guard_approval_held_between_check_and_take(self):
        """Two people approving one quarantined transfer: the file is released once."""
        self.assertEqual(self.h.intake(self.csv, "dm", until="2099-12-31").rc, 0)
        fp = os.path.join(self.tmp.path, "fp.azf")
        self.assertEqual(self.h.run("fingerprints", "export", "--out", fp).rc, 0)
        T.write_conf(self.h.home, {"guard": {"fingerprints": fp}})
        ob, rel, q = (os.path.join(self.tmp.path, x) for x in ("outbox", "release", "quar"))
        for d in (ob, rel, q):
            os.makedirs(d)
        sent = os.path.join(ob, "list.csv")
        with open(self.csv, "rb") as src, open(sent, "wb") as dst:
            dst.write(src.read())
        old = time.time() - 60
        os.utime(sent, (old, old))
        r = self.h.run("guard", "watch", ob, "--release", rel, "--quarantine", q, "--once")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(os.listdir(rel), [])
        qid = [x for x in os.listdir(q) if x.endswith(".json")][0][:-len(".json")]
        self.people()
        r = self.at("guard", "request", qid, "--reason", "the client wants it back", user="alice")
        self.assertEqual(r.rc, 0, r.err)
        gate = os.path.join(self.tmp.path, "gate")
        when = self.tick()
        first = self.start("guard", "approve", qid, user="bob", when=when,
                           extra_env={"AZK_TEST_GATE": "guard.approve",
                                      "AZK_TEST_GATE_FILE": gate})
        try:
            deadline = time.time() + 60
            while not os.path.exists(gate) and first.poll() is None and time.time() < deadline:
                time.sleep(0.02)
            self.assertTrue(os.path.exists(gate), "the first approval never reached the gate")
            r = self.at("guard", "approve", qid, user="carol")
            self.assertEqual(r.rc, 0, r.err)
        finally:
            if os.path.exists(gate):
                os.unlink(gate)
        out, err = first.communicate(timeout=60)
        self.assertNotEqual(first.returncode, 0, out)
        self.assertIn("not requested", err)
        self.assertEqual(os.listdir(rel), ["list.csv"])  # once, not also list.csv.<id>
        approvals = [e for e in self.events("guard.approve", qid)
                     if e.get("outcome") != "refused"]
        self.assertEqual(len(approvals), 1)
        self.assertEqual(len(self.events("guard.release", qid)), 1)

    # A run and a certificate issue each take a per-home lock (retention/ret_int.h
    # azk_ret__lock: <home>/retention/run.lock, certify.lock); the state clean -> certified is
    # conditional inside a store write transaction as well.
    def test_races__two_runs_at_once(self):
        names = ["due-%d" % i for i in range(4)]
        for ds in names:
            self.assertEqual(self.h.intake(self.csv, ds, until="2031-01-01").rc, 0)
        when = self.tick()
        procs = [self.start("retention", "run", when=when) for _ in range(2)]
        results = [(p.wait(timeout=300), p.communicate()) for p in procs]
        for rc, (out, err) in results:
            self.assertIn(rc, (0, 2), out + err)
            if rc == 2:  # the other run held the lock: refused, nothing done
                self.assertIn("another retention run", err)
        self.assertEqual(self.h.vault_files(), [])
        for ds in names:
            self.assertEqual(len(self.events("retention.key_destroyed", '"%s"' % ds)), 1, ds)
            self.assertEqual(len(self.events("retention.clean", '"%s"' % ds)), 1, ds)

    def test_races__certificate_held_between_check_and_issue(self):
        """A second issuer while the first has checked "clean" and not yet certified: refused,
        one certificate, one ledger event (before the lock both issued)."""
        self.assertEqual(self.h.intake(self.csv, "due", until="2031-01-01").rc, 0)
        self.people()
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 0, r.out + r.err)
        gate = os.path.join(self.tmp.path, "gate")
        when = self.tick()
        first = self.start("certificate", "issue", "due", user="bob", when=when,
                           extra_env={"AZK_TEST_GATE": "retention.certify",
                                      "AZK_TEST_GATE_FILE": gate})
        try:
            deadline = time.time() + 60
            while not os.path.exists(gate) and first.poll() is None and time.time() < deadline:
                time.sleep(0.02)
            self.assertTrue(os.path.exists(gate), "the first issuer never reached the gate "
                            "(a release build has no gate; run the debug build)")
            r = self.at("certificate", "issue", "due", user="carol")
            self.assertNotEqual(r.rc, 0, r.out)
            self.assertIn("another certificate is being issued", r.err)
        finally:
            if os.path.exists(gate):
                os.unlink(gate)
        out, err = first.communicate(timeout=60)
        self.assertEqual(first.returncode, 0, out + err)
        self.assertEqual(len(self.events("retention.certify", '"due"')), 1)
        # and afterwards the dataset is certified: a later issue is refused as not clean
        r = self.at("certificate", "issue", "due", user="carol")
        self.assertNotEqual(r.rc, 0, r.out)
        self.assertIn("not clean", r.err)
        self.assertEqual(len(self.events("retention.certify", '"due"')), 1)

    def test_races__two_certificates_at_once(self):
        """One certificate per dataset, whoever asks at the same moment."""
        self.assertEqual(self.h.intake(self.csv, "due", until="2031-01-01").rc, 0)
        self.people()
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 0, r.out + r.err)
        when = self.tick()
        procs = [self.start("certificate", "issue", "due", user=u, when=when)
                 for u in ("bob", "carol")]
        results = [(p.wait(timeout=120), p.communicate()) for p in procs]
        self.assertEqual(len([rc for rc, _ in results if rc == 0]), 1, results)
        self.assertEqual(len(self.events("retention.certify", '"due"')), 1)


if __name__ == "__main__":
    unittest.main()
