# SPDX-License-Identifier: Apache-2.0
"""test_fingerprints_rotate.py -- rotating the scanning key (issue 18).

`fingerprints rotate` gives the home a new scanning key and re-makes every
dataset's fingerprints from the vault under it, without plaintext leaving
the process; the old key is retired. Required: the new export has another
key and finds the same rows; a guard whose policy names an export made
with the retired key refuses to start (nothing is let out on stale
fingerprints) and works again with the new export; a new intake after the
rotation is found with the new export; a rotation that died (a leftover
next key) makes intake and export refuse until `rotate` runs again; no
output holds a personal value; the ledger records the rotation by key ids.
"""

import json
import os
import shutil
import unittest

import azk_testlib as T
import guard_fixtures as G


class Rotate(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bin = T.azk_bin()
        cls.tmpd = T.TempDir("azk-rotate-")
        cls.tmp = cls.tmpd.path
        cls.roster = os.path.join(cls.tmp, "roster.csv")
        cls.rows = G.gen_roster(cls.roster)
        cls.home, cls.fp1 = G.make_home(cls.tmp, cls.roster)
        cls.leak = os.path.join(cls.tmp, "leak.log")
        G.write_leak_log(cls.leak, cls.rows, first=0, count=40)

    @classmethod
    def tearDownClass(cls):
        cls.tmpd.__exit__(None, None, None)

    def az(self, *argv, **kw):
        return T.run([self.bin, "--home", self.home] + list(argv), **kw)

    def scan_rows(self, fp, path):
        r = T.run([self.bin, "scan", "--format", "jsonl", "--fingerprints", fp, path])
        self.assertIn(r.rc, (0, 1), r.err)
        rows = set()
        for line in r.out.splitlines():
            for e in json.loads(line).get("edm", []):
                rows.update((e["dataset"], x) for x in e["rows"])
        self.assertNoValues(r.out + r.err)
        return rows

    def assertNoValues(self, text):
        for v in G.values(self.rows):
            self.assertNotIn(v, text)

    def guard(self, fp):
        r = self.az("guard", "policy", "set", "fingerprints", json.dumps(fp))
        self.assertEqual(r.rc, 0, r.err)
        return self.az("guard", "check", "--format", "jsonl", self.leak)

    def test_rotation(self):
        before = self.scan_rows(self.fp1, self.leak)
        self.assertGreaterEqual(len(before), 36)
        r = self.guard(self.fp1)
        self.assertEqual(r.rc, 1, r.err)
        self.assertEqual(json.loads(r.out.splitlines()[0])["decision"], "block")

        fp2 = os.path.join(self.tmp, "fp2.azf")
        r = self.az("fingerprints", "rotate", "--out", fp2)
        self.assertEqual(r.rc, 0, r.err)
        self.assertNoValues(r.out + r.err)
        with open(self.fp1 + ".key", "rb") as a, open(fp2 + ".key", "rb") as b:
            self.assertNotEqual(a.read(), b.read())
        with open(os.path.join(self.home, "keys", "scan.key"), "rb") as a, \
                open(fp2 + ".key", "rb") as b:
            self.assertEqual(a.read(), b.read())
        # the same records, found through buckets of another key
        self.assertEqual(self.scan_rows(fp2, self.leak), before)
        with open(self.fp1, "rb") as a, open(fp2, "rb") as b:
            self.assertNotEqual(a.read(), b.read())

        # a guard on the retired export refuses to start: nothing leaves on stale fingerprints
        r = self.guard(self.fp1)
        self.assertNotEqual(r.rc, 0, r.out)  # 1: nothing may leave
        self.assertNotIn("allow", r.out)
        self.assertIn("retired", r.err)
        self.assertNoValues(r.out + r.err)
        # a copy of the retired export under another name is the same key: refused too
        cp = os.path.join(self.tmp, "copy.azf")
        shutil.copyfile(self.fp1, cp)
        shutil.copyfile(self.fp1 + ".key", cp + ".key")
        os.chmod(cp + ".key", 0o600)
        r = self.guard(cp)
        self.assertNotEqual(r.rc, 0, r.out)
        self.assertIn("retired", r.err)
        # the new export works
        r = self.guard(fp2)
        self.assertEqual(r.rc, 1, r.err)
        self.assertEqual(json.loads(r.out.splitlines()[0])["decision"], "block")

        # the ledger names the rotation by key ids, never a key
        r = self.az("audit", "log", "--action", "fingerprints.rotate", "--format", "json")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(r.out.count("fingerprints.rotate"), 1, r.out[-2000:])
        with open(fp2 + ".key", "rb") as k:
            self.assertNotIn(k.read().hex(), r.out)
        self.assertNoValues(r.out)

        # an intake after the rotation is keyed with the new key
        roster2 = os.path.join(self.tmp, "roster2.csv")
        rows2 = G.gen_roster(roster2, rows=50, seed=99)
        r = self.az("intake", "--client", "shinkin-a", "--dataset", "dm-2024", "--purpose",
                    "direct mail", "--retain-until", "2030-01-01", roster2)
        self.assertEqual(r.rc, 0, r.err)
        fp3 = os.path.join(self.tmp, "fp3.azf")
        r = self.az("fingerprints", "export", "--out", fp3)
        self.assertEqual(r.rc, 0, r.err)
        leak2 = os.path.join(self.tmp, "leak2.log")
        G.write_leak_log(leak2, rows2, first=0, count=20)
        got = self.scan_rows(fp3, leak2)
        self.assertGreaterEqual(len([x for x in got if x[0] == "dm-2024"]), 18)
        self.assertEqual(self.scan_rows(fp3, self.leak), before)

    def test_unfinished_rotation_blocks_intake_and_export(self):
        d = os.path.join(self.tmp, "crash")
        os.makedirs(d)
        home, _ = G.make_home(d, self.roster)
        nxt = os.path.join(home, "keys", "scan.key.next")
        with open(nxt, "wb") as f:
            f.write(os.urandom(32))
        os.chmod(nxt, 0o600)
        out = os.path.join(d, "fp.azf")
        r = T.run([self.bin, "--home", home, "fingerprints", "export", "--out", out])
        self.assertNotEqual(r.rc, 0)
        self.assertIn("rotate", r.err)
        r = T.run([self.bin, "--home", home, "intake", "--client", "shinkin-a", "--dataset",
                   "late", "--purpose", "p", "--retain-until", "2030-01-01", self.roster])
        self.assertNotEqual(r.rc, 0)
        self.assertIn("rotate", r.err)
        # running it again finishes it
        r = T.run([self.bin, "--home", home, "fingerprints", "rotate", "--out", out])
        self.assertEqual(r.rc, 0, r.err)
        self.assertFalse(os.path.exists(nxt))
        self.assertGreaterEqual(len(self.scan_rows(out, self.leak)), 36)


if __name__ == "__main__":
    unittest.main()
