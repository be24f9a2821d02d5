# SPDX-License-Identifier: Apache-2.0
"""test_agent_ingest.py -- the batch ingest path of `azukari serve
--agent-port` under concurrency and failure (SQLite, and PostgreSQL as
e2e_pg_test_agent_ingest, where objects go in with COPY): the same batch sent
at once on two connections is ingested exactly once; uploads from several
connections in parallel (the listener's worker threads) are each ingested
whole; a server killed (-9) inside a batch's transaction leaves nothing of it,
and the resend is ingested once; values that COPY's text format must escape
(tab, newline, carriage return, backslash, a literal \\N) come back as sent;
an agent's cycle (policy, several batches, actions) uses one connection
(HTTP keep-alive, counted by a TCP relay in front of the agent port), and a
certificate revoked meanwhile is refused on that same connection."""

import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import unittest

import http.client
import json
import ssl

import agent_testlib as A


class Relay:
    """A TCP relay to the agent port that counts the connections it accepts."""

    def __init__(self, port):
        self.port, self.accepted = port, 0
        self.ls = socket.socket()
        self.ls.bind(("127.0.0.1", 0))
        self.ls.listen(16)
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                c, _ = self.ls.accept()
            except OSError:
                return
            self.accepted += 1
            u = socket.create_connection(("127.0.0.1", self.port))
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self.pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def pipe(a, b):
        try:
            while True:
                d = a.recv(65536)
                if not d:
                    break
                b.sendall(d)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        a.close()

    def close(self):
        self.ls.close()


def kill9(srv):
    os.killpg(srv.p.pid, signal.SIGKILL)
    srv.p.wait()
    srv.out.close()


class AgentIngestTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="azk-ingest-")
        self.gate = os.path.join(self.tmp, "gate")
        self.srv = A.AgentServer({"AZK_TEST_GATE_FILE": self.gate})
        self.a = A.Agent(self.tmp, "pc")
        r = self.a.enroll(self.srv, self.srv.token("office"))
        self.assertEqual(r.rc, 0, r.err)
        self.aid = self.a.state()["agent_id"]

    def tearDown(self):
        self.srv.cleanup()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def restart(self, gated):
        self.srv.stop()
        if gated:
            self.srv.env["AZK_TEST_GATE"] = "agent.ingest"
        else:
            self.srv.env.pop("AZK_TEST_GATE", None)
        self.srv.start()

    def wait_gate(self):
        for _ in range(600):
            if os.path.exists(self.gate):
                return
            time.sleep(0.02)
        self.fail("the server never reached the ingest gate")

    def count(self, table, bid):
        return self.srv.query("SELECT count(*) FROM %s WHERE batch_id = ?" % table, (bid,))[0][0]

    def test_path_reported_again_opens_no_second_case(self):
        """A path with an unresolved case, reported again (a re-read after a new hard link,
        an upgraded agent's cache), adds no second case; another path does."""
        edm = [{"client": "c1", "dataset": "d1", "records": 4}]
        for paths in (["/srv/share/a.csv"], ["/srv/share/a.csv", "/srv/share/b.csv"]):
            bid, body = A.batch_body([A.obj(path=p, edm=edm) for p in paths])
            st, doc = A.upload(self.srv, self.a.ident, body)
            self.assertEqual(st, 200, doc)
        rows = self.srv.query("SELECT o.path, count(*) FROM agent_cases c JOIN agent_objects o"
                              " ON o.batch_id = c.batch_id AND o.seq = c.seq GROUP BY o.path"
                              " ORDER BY o.path")
        self.assertEqual([tuple(r) for r in rows], [("/srv/share/a.csv", 1),
                                                    ("/srv/share/b.csv", 1)])
        steps = self.srv.query("SELECT count(*) FROM agent_case_steps WHERE step = 'found'")
        self.assertEqual(steps[0][0], 2)

    def test_same_batch_on_two_connections_once(self):
        objs = [A.obj(path="/srv/share/f%04d.csv" % i) for i in range(300)]
        bid, body = A.batch_body(objs)
        self.restart(gated=True)
        answers = []

        def send():
            answers.append(A.upload(self.srv, self.a.ident, body))

        t1 = threading.Thread(target=send)
        t1.start()
        self.wait_gate()  # the first is inside its transaction, objects written
        t2 = threading.Thread(target=send)
        t2.start()
        time.sleep(0.3)  # the second reaches the catalog and waits for the writer
        os.unlink(self.gate)
        t1.join(60)
        t2.join(60)
        self.assertEqual(sorted((st, d["duplicate"], d["objects"]) for st, d in answers),
                         [(200, False, 300), (200, True, 300)])
        self.assertEqual(self.count("agent_batches", bid), 1)
        self.assertEqual(self.count("agent_objects", bid), 300)
        log = self.srv.ledger()
        self.assertEqual(A.count_re(r"agent\.batch\.duplicate\b.*" + bid, log), 1)
        self.assertEqual(A.count_re(r"agent\.batch\b(?!\.).*" + bid, log), 1)

    def test_parallel_uploads_each_whole(self):
        sent, answers, lock = [], [], threading.Lock()

        def worker(k):
            for j in range(3):
                bid, body = A.batch_body([A.obj(path="/s/%d/%d/%d" % (k, j, i))
                                          for i in range(50 + k)])
                st, doc = A.upload(self.srv, self.a.ident, body)
                with lock:
                    sent.append((bid, 50 + k))
                    answers.append((st, doc.get("duplicate") if doc else None))

        ths = [threading.Thread(target=worker, args=(k,)) for k in range(6)]
        for t in ths:
            t.start()
        for t in ths:
            t.join(120)
        self.assertEqual(answers, [(200, False)] * 18)
        for bid, n in sent:
            self.assertEqual(self.count("agent_objects", bid), n)
        rows = self.srv.query("SELECT count(*), sum(object_count) FROM agent_batches"
                              " WHERE agent_id = ?", (self.aid,))
        self.assertEqual([(r[0], int(r[1])) for r in rows], [(18, sum(n for _, n in sent))])

    def test_server_killed_inside_batch_nothing_half_resend_once(self):
        objs = [A.obj(path="/srv/share/k%03d.csv" % i) for i in range(120)]
        bid, body = A.batch_body(objs)
        self.restart(gated=True)
        res = []
        t = threading.Thread(target=lambda: res.append(self._try_upload(body)))
        t.start()
        self.wait_gate()
        kill9(self.srv)  # inside the transaction: objects written, not committed
        t.join(60)
        self.assertNotEqual(res[0], 200)  # never acknowledged
        os.unlink(self.gate)
        self.srv.env.pop("AZK_TEST_GATE")
        self.srv.start()
        self.assertEqual((self.count("agent_batches", bid), self.count("agent_objects", bid)),
                         (0, 0))
        st, doc = A.upload(self.srv, self.a.ident, body)  # the agent's resend
        self.assertEqual((st, doc["duplicate"]), (200, False))
        st, doc = A.upload(self.srv, self.a.ident, body)
        self.assertEqual((st, doc["duplicate"]), (200, True))
        self.assertEqual(self.count("agent_objects", bid), 120)

    def _try_upload(self, body):
        try:
            return A.upload(self.srv, self.a.ident, body)[0]
        except OSError:
            return None

    def test_agent_cycle_keeps_one_connection(self):
        share = os.path.join(self.tmp, "share")
        os.makedirs(share)
        for i in range(4):
            with open(os.path.join(share, "left_%d.csv" % i), "wb") as f:
                f.write(("会員番号,氏名,電話番号\nA%04d,山田太郎,090-1234-%04d\n" % (i, i))
                        .encode())
        self.srv.policy("relay", {"paths": [share], "batch_objects": 1})
        relay = Relay(self.srv.aport)
        try:
            a = A.Agent(self.tmp, "relayed")
            r = a.azk("agent", "enroll", "--server", "https://localhost:%d" % relay.ls
                      .getsockname()[1], "--token", self.srv.token("relay"), "--ca",
                      self.srv.cafile, "--host", "relayed")
            self.assertEqual(r.rc, 0, r.err)
            before = relay.accepted
            r = a.run()  # policy, 4 batches of one object, actions: one connection
            self.assertEqual(r.rc, 0, r.err)
            self.assertIn("4 batches sent", r.out)
            self.assertEqual(relay.accepted - before, 1)
            aid = a.state()["agent_id"]
            self.assertEqual(self.srv.query("SELECT count(*) FROM agent_objects WHERE agent_id"
                                            " = ?", (aid,)), [(4,)])
        finally:
            relay.close()

    def test_revoked_on_a_kept_connection(self):
        ctx = ssl.create_default_context(cafile=self.srv.cafile)
        ctx.load_cert_chain(self.a.ident)
        c = http.client.HTTPSConnection("localhost", self.srv.aport, context=ctx, timeout=30)
        answers = []
        for i in range(2):
            if i == 1:
                r = self.srv.azk("agent", "revoke", self.aid, "--reason", "laptop lost")
                self.assertEqual(r.rc, 0, r.err)
            c.request("POST", "/api/v1/agent/batches", body=A.batch_body([A.obj()])[1],
                      headers={"Content-Encoding": "deflate",
                               "X-Azukari-Time": str(int(time.time()))})
            r = c.getresponse()
            answers.append((r.status, json.loads(r.read()).get("error", {}).get("code")))
            if i == 0:
                self.assertIsNotNone(c.sock)  # kept alive for the next request
        c.close()
        self.assertEqual(answers, [(200, None), (403, "certificate_revoked")])

    def test_values_round_trip(self):
        odd = ["/a\tb.csv", "/new\nline.csv", "/cr\r.csv", "/back\\slash\\N.csv", "\\N",
               "/日本語/ファイル.xlsx", "/trailing\\"]
        objs = [A.obj(path=p, format=None, error="read\terror\\", counts={"a\tb": 2},
                      examples=["x\\ny"], size=2**40, mtime=0, score=0.5) for p in odd]
        bid, body = A.batch_body(objs)
        st, doc = A.upload(self.srv, self.a.ident, body)
        self.assertEqual((st, doc["duplicate"]), (200, False), doc)
        rows = self.srv.query("SELECT seq, path, format, error, counts, examples, size, mtime,"
                              " score_milli FROM agent_objects WHERE batch_id = ? ORDER BY seq",
                              (bid,))
        self.assertEqual(len(rows), len(odd))
        for i, p in enumerate(odd):  # compared in SQL (psql's text output would turn \r to \n)
            self.assertEqual(self.srv.query("SELECT count(*) FROM agent_objects"
                                            " WHERE batch_id = ? AND seq = ? AND path = ?",
                                            (bid, i, p)), [(1,)], repr(p))
        for r in rows:
            self.assertEqual(r[2:], (None, "read\terror\\", '{"a\\tb":2}', '["x\\\\ny"]',
                                     2**40, 0, 500))


if __name__ == "__main__":
    unittest.main()
