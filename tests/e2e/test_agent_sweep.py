# SPDX-License-Identifier: Apache-2.0
"""test_agent_sweep.py -- what an agent's incremental sweep reports, against a
real `azukari serve --agent-port` (SQLite, and PostgreSQL as
e2e_pg_test_agent_sweep): every path of a file is reported under its own name
(a hard-linked copy of entrusted data in another directory is a stray copy:
its own object and its own case) from one read of the bytes; a file whose
directory was renamed is reported under its new name without being read again;
an unchanged path is neither read nor reported again; a new link changes the
file's ctime, so it is read once more and reported under every name; a changed
file is read again; the scan cache keeps no file name in clear; results that
never reached the spool are swept and reported again."""

import json
import os
import random
import shutil
import tempfile
import unittest

import agent_testlib as A


def dataset_lines():
    rnd = random.Random(11)
    lines = ["顧客番号,氏名,生年月日,郵便番号,電話番号,メール"]
    fam, giv = ["山田", "佐藤", "鈴木", "高橋", "田中"], ["太郎", "花子", "一郎", "恵子"]
    for i in range(40):
        lines.append("C%06d,%s %s,19%02d-%02d-%02d,%03d-%04d,090-%04d-%04d,m%d@example.invalid"
                     % (i + 1, rnd.choice(fam), rnd.choice(giv), rnd.randrange(40, 99),
                        rnd.randrange(1, 13), rnd.randrange(1, 28), rnd.randrange(100, 1000),
                        rnd.randrange(10000), rnd.randrange(10000), rnd.randrange(10000), i))
    return lines


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def last_sweep(agent):
    r = agent.azk("audit", "log", "--action", "agent.sweep", "--format", "json")
    assert r.rc == 0, r.err
    x = json.loads(r.out.splitlines()[-1]).get("extra") or {}
    return json.loads(x) if isinstance(x, str) else x


class AgentSweepTest(unittest.TestCase):
    def test_every_path_reported_once_from_one_read(self):
        srv = A.AgentServer()
        tmp = tempfile.mkdtemp(prefix="azk-sweep-")
        try:
            lines = dataset_lines()
            src = os.path.join(tmp, "dm.csv")
            write(src, ("\n".join(lines) + "\n").encode())
            share = os.path.join(tmp, "share")
            leak = ("\n".join(lines[:1] + lines[5:17]) + "\n").encode()
            memo = "社内メモ 090-5555-0101\n".encode()
            write(os.path.join(share, "sales", "leftover_list.csv"), leak)
            os.makedirs(os.path.join(share, "backup"))
            os.link(os.path.join(share, "sales", "leftover_list.csv"),
                    os.path.join(share, "backup", "leftover_list.csv"))
            write(os.path.join(share, "memo", "memo.txt"), memo)
            srv.policy("office", {"paths": [share], "fingerprints": True})
            srv.policy("prod", {"paths": [os.path.join(tmp, "none")]})
            closed = A.Agent(tmp, "prod-host")
            self.assertEqual(closed.azk("client", "add", "shinkin-a").rc, 0)
            r = closed.azk("intake", "--client", "shinkin-a", "--dataset", "2023-09-dm",
                           "--purpose", "direct mail", "--retain-until", "2099-12-31", src)
            self.assertEqual(r.rc, 0, r.err)
            self.assertEqual(closed.enroll(srv, srv.token("prod", "closed"), "prod").rc, 0)
            self.assertEqual(closed.run().rc, 0)
            a = A.Agent(tmp, "pc")
            self.assertEqual(a.enroll(srv, srv.token("office"), "pc").rc, 0)
            aid = a.state()["agent_id"]

            def objects():
                rows = srv.query("SELECT path, edm_records FROM agent_objects WHERE agent_id = ?",
                                 (aid,))
                return sorted((os.path.relpath(p, share), n) for p, n in rows)

            seen = []

            def new_objects():
                """Objects uploaded since the last call (batch ids are random: not an order)."""
                now = objects()
                rest = list(now)
                for x in seen:
                    rest.remove(x)
                seen[:] = now
                return sorted(rest)

            # first sweep: both names of the leftover, each with its records; one read
            r = a.run()
            self.assertEqual(r.rc, 0, r.err)
            got = new_objects()
            self.assertEqual([p for p, _ in got], ["backup/leftover_list.csv", "memo/memo.txt",
                                                   "sales/leftover_list.csv"])
            recs = dict(got)
            self.assertGreaterEqual(recs["sales/leftover_list.csv"], 10)
            self.assertEqual(recs["backup/leftover_list.csv"], recs["sales/leftover_list.csv"])
            sw = last_sweep(a)
            self.assertEqual(sw["bytes"], len(leak) + len(memo))  # the linked bytes read once
            self.assertEqual((sw["objects"], sw["cached"]), (3, 1))
            cases = srv.query("SELECT o.path FROM agent_cases c JOIN agent_objects o"
                              " ON o.batch_id = c.batch_id AND o.seq = c.seq ORDER BY o.path")
            self.assertEqual([os.path.relpath(p, share) for p, in cases],
                             ["backup/leftover_list.csv", "sales/leftover_list.csv"])
            # both paths reach the people's API (staff only, as paths do)
            people = srv.people({"op1": "operator"})
            r = people["op1"].get("/api/v1/agents/findings")
            self.assertEqual(r.status, 200, r.body)
            self.assertIn(os.path.join(share, "backup", "leftover_list.csv"), r.body)
            self.assertIn(os.path.join(share, "sales", "leftover_list.csv"), r.body)
            r = people["admin"].get("/api/v1/agents/findings")
            self.assertNotIn("leftover_list", r.body)  # an administrator sees no path

            # unchanged: nothing read, nothing reported
            r = a.run()
            self.assertEqual(r.rc, 0, r.err)
            sw = last_sweep(a)
            self.assertEqual((sw["objects"], sw["bytes"], sw["cached"]), (0, 0, 3))
            self.assertEqual(new_objects(), [])

            # a directory renamed: its files are reported under their new names, not read
            os.rename(os.path.join(share, "memo"), os.path.join(share, "memo-2024"))
            r = a.run()
            self.assertEqual(r.rc, 0, r.err)
            sw = last_sweep(a)
            self.assertEqual((sw["objects"], sw["bytes"]), (1, 0))
            self.assertEqual(new_objects(), [("memo-2024/memo.txt", 0)])

            # a third name: linking changes the file's ctime (its version), so it is read
            # again, once, and reported under every name it has
            os.makedirs(os.path.join(share, "usb"))
            os.link(os.path.join(share, "sales", "leftover_list.csv"),
                    os.path.join(share, "usb", "copy.csv"))
            r = a.run()
            self.assertEqual(r.rc, 0, r.err)
            sw = last_sweep(a)
            self.assertEqual((sw["objects"], sw["bytes"], sw["cached"]), (3, len(leak), 3))
            self.assertEqual(new_objects(),
                             [(n, recs["sales/leftover_list.csv"]) for n in
                              ("backup/leftover_list.csv", "sales/leftover_list.csv",
                               "usb/copy.csv")])

            # a changed file is read again and reported again; the others are not
            more = "追記 090-5555-0102\n".encode()
            with open(os.path.join(share, "memo-2024", "memo.txt"), "ab") as f:
                f.write(more)
            r = a.run()
            self.assertEqual(r.rc, 0, r.err)
            sw = last_sweep(a)
            self.assertEqual((sw["objects"], sw["bytes"]), (1, len(memo) + len(more)))
            self.assertEqual(new_objects(), [("memo-2024/memo.txt", 0)])

            # the cache keeps hashes of paths, never a name
            cache = b""
            for suffix in ("", "-wal"):
                p = os.path.join(a.home, "agent", "scancache.db" + suffix)
                if os.path.exists(p):
                    with open(p, "rb") as f:
                        cache += f.read()
            self.assertIn(b"CREATE TABLE paths", cache)
            for name in (b"leftover_list", b"memo-2024", b"copy.csv", b"usb"):
                self.assertNotIn(name, cache)
        finally:
            srv.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


class AgentSweepLossTest(unittest.TestCase):
    def test_results_not_spooled_are_swept_again(self):
        """The scan cache says "answered" only for what reached the spool: a sweep whose
        batch cannot be spooled leaves every file to be read and reported next time
        (before, the cache kept them and they were never reported)."""
        srv = A.AgentServer()
        tmp = tempfile.mkdtemp(prefix="azk-sweep-")
        try:
            share = os.path.join(tmp, "share")
            for i in range(3):
                write(os.path.join(share, "memo%d.txt" % i), ("TEL 090-5555-010%d\n" % i).encode())
            srv.policy("office", {"paths": [share]})
            a = A.Agent(tmp, "pc")
            self.assertEqual(a.enroll(srv, srv.token("office"), "pc").rc, 0)
            spool = os.path.join(a.home, "agent", "spool")
            shutil.rmtree(spool, ignore_errors=True)
            write(spool, b"not a directory")  # the batch cannot be spooled
            r = a.run()
            self.assertNotEqual(r.rc, 0)
            os.unlink(spool)
            r = a.run()
            self.assertEqual(r.rc, 0, r.err)
            sw = last_sweep(a)
            self.assertEqual((sw["objects"], sw["cached"]), (3, 0))
            rows = srv.query("SELECT count(*) FROM agent_objects")
            self.assertEqual(rows[0][0], 3)
        finally:
            srv.cleanup()
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
