# SPDX-License-Identifier: Apache-2.0
"""test_guard_check.py -- `azukari guard check` end to end: exit status
0/1/2, decisions 許可/警告/遮断 with reasons, entrusted records found with
real fingerprints (a roster intaken, exported, then three of its records
appearing in a log) even when personal-data scores are switched off,
unreadable objects blocked by default and warned when the policy allows
them, a broken policy failing closed, `guard policy set` recorded in the
ledger, every block in the ledger, and no personal value in any output.
"""

import json
import os
import unittest
import zipfile

import azk_testlib as T
import guard_fixtures as G


class GuardCheck(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bin = T.azk_bin()
        cls.tmpd = T.TempDir("azk-guard-check-")
        cls.tmp = cls.tmpd.path
        cls.roster = os.path.join(cls.tmp, "roster.csv")
        cls.rows = G.gen_roster(cls.roster)
        cls.clean = os.path.join(cls.tmp, "clean.txt")
        G.write_clean(cls.clean)
        cls.leak = os.path.join(cls.tmp, "leak.log")
        G.write_leak_log(cls.leak, cls.rows)
        cls.empty_home = os.path.join(cls.tmp, "nohome")

    @classmethod
    def tearDownClass(cls):
        cls.tmpd.__exit__(None, None, None)

    def guard(self, *args, home=None):
        return T.run([self.bin, "--home", home or self.empty_home, "guard"] + list(args))

    def assertNoValues(self, text):
        for v in G.values(self.rows):
            self.assertNotIn(v, text)

    def test_exit_codes(self):
        r = self.guard("check", self.clean)
        self.assertEqual(r.rc, 0, r.err)
        self.assertTrue(r.out.startswith("許可\t"), r.out)
        r = self.guard("check", self.roster, self.clean)
        self.assertEqual(r.rc, 1, r.err)
        self.assertIn("遮断\t" + self.roster, r.out)
        self.assertIn("person_name", r.out)
        self.assertNoValues(r.out + r.err)
        r = self.guard("check", os.path.join(self.tmp, "does-not-exist"))
        self.assertEqual(r.rc, 1)
        self.assertIn("notfound", r.out)
        self.assertEqual(self.guard("check").rc, 64)  # usage errors: 64, as every command
        self.assertEqual(self.guard("check", "--format", "xml", self.clean).rc, 64)
        self.assertEqual(self.guard("check", "--bogus", self.clean).rc, 64)
        self.assertEqual(self.guard("frobnicate").rc, 64)

    def test_jsonl_and_english(self):
        r = T.run([self.bin, "--lang", "en", "--home", self.empty_home, "guard", "check",
                   self.clean, self.roster])
        self.assertEqual(r.rc, 1)
        self.assertIn("allow\t", r.out)
        self.assertIn("block\t", r.out)
        r = self.guard("check", "--format", "jsonl", self.roster)
        rec = json.loads(r.out.splitlines()[0])
        self.assertEqual(rec["decision"], "block")
        self.assertIn("pii_block", rec["reasons"])
        self.assertGreater(rec["counts"]["phone"], 100)
        self.assertNoValues(r.out)

    def test_unreadable_blocks_by_default(self):
        z = os.path.join(self.tmp, "broken.zip")
        with zipfile.ZipFile(z, "w") as zf:
            zf.writestr("a.txt", G.CLEAN_LINE * 200)
        with open(z, "rb") as f:
            data = f.read()
        with open(z, "wb") as f:
            f.write(data[: len(data) // 2])  # truncated: cannot be read
        r = self.guard("check", "--format", "jsonl", z)
        self.assertEqual(r.rc, 1, r.out + r.err)
        rec = json.loads(r.out.splitlines()[0])
        self.assertIn("unreadable", rec["reasons"])
        conf = os.path.join(self.tmp, "allow-unreadable.conf")
        with open(conf, "w") as f:
            json.dump({"guard": {"unreadable": "allow"}}, f)
        r = self.guard("check", "--config", conf, z)
        self.assertEqual(r.rc, 0, r.out + r.err)
        self.assertTrue(r.out.startswith("警告\t"), r.out)

    def test_broken_policy_fails_closed(self):
        conf = os.path.join(self.tmp, "broken.conf")
        with open(conf, "w") as f:
            f.write('{"guard": {"block_on_edn": true}}')  # a typo must not weaken the policy
        r = self.guard("check", "--config", conf, self.clean)
        self.assertEqual(r.rc, 1)
        self.assertIn("block_on_edn", r.err)
        conf2 = os.path.join(self.tmp, "missing-fp.conf")
        with open(conf2, "w") as f:
            json.dump({"guard": {"fingerprints": os.path.join(self.tmp, "nope.azf")}}, f)
        self.assertEqual(self.guard("check", "--config", conf2, self.clean).rc, 1)

    def test_entrusted_records_block_with_fingerprints(self):
        tmp = os.path.join(self.tmp, "edm")
        os.makedirs(tmp)
        home, fp = G.make_home(tmp, self.roster)
        for key, val in (("fingerprints", json.dumps(fp)), ("pii_block_score", "null"),
                         ("pii_warn_score", "null")):
            r = self.guard("policy", "set", key, val, home=home)
            self.assertEqual(r.rc, 0, r.err)
        r = self.guard("check", "--format", "jsonl", self.leak, self.clean, home=home)
        self.assertEqual(r.rc, 1, r.err)
        recs = {os.path.basename(json.loads(l)["path"]): json.loads(l)
                for l in r.out.splitlines()}
        leak = recs["leak.log"]
        self.assertEqual(leak["decision"], "block")
        self.assertEqual(leak["reasons"], ["edm"])  # scores are off: EDM alone blocks
        self.assertEqual(leak["edm"], [{"client": "shinkin-a", "dataset": "dm-2023",
                                        "records": 3}])
        self.assertEqual(recs["clean.txt"]["decision"], "allow")
        r = self.guard("check", self.leak, home=home)
        self.assertIn("shinkin-a/dm-2023 3", r.out)
        self.assertNoValues(r.out + r.err)
        # with block_on_edm off the same file only warns
        self.assertEqual(self.guard("policy", "set", "block_on_edm", "false", home=home).rc, 0)
        r = self.guard("check", self.leak, home=home)
        self.assertEqual(r.rc, 0)
        self.assertTrue(r.out.startswith("警告\t"), r.out)
        # the ledger has every policy change and every block, and verifies
        log = T.run([self.bin, "--home", home, "audit", "log"])
        self.assertEqual(log.out.count("guard.policy.set"), 4, log.out)
        self.assertGreaterEqual(log.out.count("guard.block"), 2, log.out)
        self.assertNoValues(log.out)
        v = T.run([self.bin, "--home", home, "audit", "verify"])
        self.assertEqual(v.rc, 0, v.out + v.err)

    def test_destination_in_closed_zone(self):
        conf = os.path.join(self.tmp, "zone.conf")
        closed = os.path.join(self.tmp, "closed")
        os.makedirs(closed, exist_ok=True)
        with open(conf, "w") as f:
            json.dump({"guard": {"closed_paths": [closed], "closed_hosts": ["db1.closed"]}}, f)
        self.assertEqual(self.guard("check", "--config", conf, "--to", closed,
                                    self.roster).rc, 0)
        self.assertEqual(self.guard("check", "--config", conf, "--to", "DB1.closed",
                                    self.roster).rc, 0)
        self.assertEqual(self.guard("check", "--config", conf, "--to", "/srv/general",
                                    self.roster).rc, 1)

    def test_destination_resolved_before_the_zone_is_decided(self):
        # general-zone destinations written to look closed: each is scanned (roster -> rc 1)
        conf = os.path.join(self.tmp, "zone2.conf")
        closed = os.path.join(self.tmp, "closed2")
        general = os.path.join(self.tmp, "general2")
        os.makedirs(closed, exist_ok=True)
        os.makedirs(general, exist_ok=True)
        os.symlink(general, os.path.join(closed, "link-to-general"))
        with open(conf, "w") as f:
            json.dump({"guard": {"closed_paths": [closed],
                                 "closed_hosts": ["db1.closed.example", ".closed.example"]}}, f)
        for dest in (closed + "/../general2/x", closed + "/link-to-general/x",
                     closed + "/link-to-general", closed + "/new/../../general2/x",
                     "https://evil.com/?h=db1.closed.example",
                     "https://db1.closed.example.evil.com/up",
                     "https://db1.closed.example@evil.com/"):
            r = self.guard("check", "--config", conf, "--to", dest, self.roster)
            self.assertEqual(r.rc, 1, dest + ": " + r.out + r.err)
            self.assertIn("遮断", r.out, dest)
        # real closed-zone destinations still skip the scan
        for dest in (closed + "/x", closed + "/new/dir/x", "https://db1.closed.example/in",
                     "user@a.closed.example:/srv/in", "file://" + closed + "/x"):
            r = self.guard("check", "--config", conf, "--to", dest, self.roster)
            self.assertEqual(r.rc, 0, dest + ": " + r.out + r.err)


if __name__ == "__main__":
    unittest.main()
