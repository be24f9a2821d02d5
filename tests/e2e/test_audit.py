# SPDX-License-Identifier: Apache-2.0
"""e2e: `azukari audit` -- the tamper-evident ledger through the real binary.

Proofs and roots printed by azukari are re-checked here with an independent
implementation of RFC 9162 (hashlib only). Tamper cases edit the ledger file
the way an insider would and expect `audit verify` to fail naming the first
bad index; a kill -9 during concurrent appends must lose no acknowledged
entry. Synthetic events only.
"""
import base64
import hashlib
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import azk_testlib as T

BIN = os.environ.get("AZK_BIN", "azukari")


def rd(path, mode="r"):
    with open(path, mode) as f:
        return f.read()


def wr(path, data):
    with open(path, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)


def leaf_hash(b):
    return hashlib.sha256(b"\x00" + b).digest()


def node_hash(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def mth(leaves):
    """RFC 9162 2.1.1 MTH over leaf hashes."""
    n = len(leaves)
    if n == 0:
        return hashlib.sha256(b"").digest()
    if n == 1:
        return leaves[0]
    k = 1
    while k * 2 < n:
        k *= 2
    return node_hash(mth(leaves[:k]), mth(leaves[k:]))


def verify_inclusion(index, size, leaf, proof, root):
    """RFC 9162 2.1.3.2"""
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def verify_consistency(first, second, proof, first_hash, second_hash):
    """RFC 9162 2.1.4.2"""
    if first == second:
        return not proof and first_hash == second_hash
    if first == 0 or not proof:
        return first == 0 and not proof
    if first & (first - 1) == 0:
        proof = [first_hash] + proof
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_hash and sr == second_hash and sn == 0


def frames(data):
    """Offsets of the frames in entries.log: 'AZL1' | u32be len | entry | hash."""
    offs, pos = [], 0
    while pos + 8 <= len(data):
        n = int.from_bytes(data[pos + 4:pos + 8], "big")
        offs.append(pos)
        pos += 8 + n + 32
    offs.append(pos)
    return offs


class AuditE2E(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="azk-audit-e2e-")
        self.home = os.path.join(self.tmp, "home")
        self.env = dict(os.environ, AZUKARI_LANG="en", AZUKARI_HOME=self.home)
        r = self.run_az("audit", "init")
        self.assertEqual(r.returncode, 0, r.stderr)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def run_az(self, *args, home=None, check=None):
        env = dict(self.env)
        if home is not None:
            env["AZUKARI_HOME"] = home
        r = subprocess.run(T.with_test_catalog([BIN, *args]), env=env, capture_output=True,
                           text=True, timeout=300)
        if check is not None:
            self.assertEqual(r.returncode, check, r.stdout + r.stderr)
        return r

    def append(self, action, *objs, count=1, home=None):
        args = ["audit", "append", "--action", action, "--count", str(count)]
        for o in objs:
            args += ["--object", o]
        self.run_az(*args, home=home, check=0)

    def log_path(self, home=None):
        return os.path.join(home or self.home, "ledger", "entries.log")

    def entries(self):
        r = self.run_az("audit", "log", "--format", "json", check=0)
        return [l.encode() for l in r.stdout.splitlines()]

    def test_init_is_idempotent_and_key_private(self):
        pub = rd(os.path.join(self.home, "keys", "ledger.pub"))
        self.run_az("audit", "init", check=0)
        self.assertEqual(pub, rd(os.path.join(self.home, "keys", "ledger.pub")))
        mode = os.stat(os.path.join(self.home, "keys", "ledger.key")).st_mode & 0o777
        self.assertEqual(mode, 0o600)
        name, keyid, key = pub.strip().split("+", 2)
        self.assertTrue(name.startswith("azukari.local/"))
        raw = base64.b64decode(key)
        self.assertEqual(raw[0], 1)
        # C2SP signed-note key id: SHA-256(name || 0x0A || 0x01 || pk)[:4]
        self.assertEqual(hashlib.sha256(name.encode() + b"\n" + raw).digest()[:4].hex(), keyid)

    def test_log_filters_and_show(self):
        self.append("intake", "dataset:a")
        self.append("delete", "dataset:b", count=2)
        self.append("open", "dataset:a", "job:7")
        r = self.run_az("audit", "log", "--action", "delete", check=0)
        self.assertEqual(len(r.stdout.splitlines()), 2)
        r = self.run_az("audit", "log", "--object", "dataset:a", "--format", "json", check=0)
        objs = [json.loads(l)["action"] for l in r.stdout.splitlines()]
        self.assertEqual(objs, ["intake", "open"])
        r = self.run_az("audit", "log", "--since", "2999-01-01", check=0)
        self.assertEqual(r.stdout, "")
        r = self.run_az("audit", "log", "--until", "2000-01-01", check=0)
        self.assertEqual(r.stdout, "")
        r = self.run_az("audit", "show", "3", check=0)
        e = json.loads(r.stdout)
        self.assertEqual(e["@seq"], 3)
        self.assertEqual(e["objects"], ["dataset:a", "job:7"])
        self.run_az("audit", "show", "4", check=2)
        self.run_az("audit", "show", "x", check=64)
        self.run_az("audit", "frobnicate", check=64)
        for sub in ("log", "show", "checkpoint", "prove", "verify", "export", "init"):
            self.run_az("audit", sub, "--help", check=0)

    def test_proofs_check_independently(self):
        self.append("intake", "dataset:a", count=5)
        old = self.run_az("audit", "checkpoint", "--sign", check=0).stdout
        old_path = os.path.join(self.tmp, "old.cp")
        wr(old_path, old)
        self.append("delete", "dataset:a", count=8)
        leaves = [leaf_hash(e) for e in self.entries()]
        self.assertEqual(len(leaves), 13)
        # the checkpoint's root is the RFC 9162 root of the entries
        lines = old.split("\n")
        self.assertEqual(int(lines[1]), 5)
        self.assertEqual(base64.b64decode(lines[2]), mth(leaves[:5]))
        self.assertEqual(lines[3], "")
        self.assertTrue(lines[4].startswith("\u2014 " + lines[0] + " "))
        for i in (0, 4, 12):
            p = json.loads(self.run_az("audit", "prove", "--inclusion", str(i), check=0).stdout)
            self.assertEqual(base64.b64decode(p["root"]), mth(leaves))
            self.assertEqual(leaf_hash(p["entry"].encode()), leaves[i])
            proof = [base64.b64decode(h) for h in p["proof"]]
            self.assertLessEqual(len(proof), 4)
            self.assertTrue(verify_inclusion(i, 13, leaves[i], proof, mth(leaves)))
        p = json.loads(self.run_az("audit", "prove", "--inclusion", "2", "--size", "7",
                                   check=0).stdout)
        self.assertTrue(verify_inclusion(2, 7, leaves[2], [base64.b64decode(h) for h in p["proof"]],
                                         mth(leaves[:7])))
        c = json.loads(self.run_az("audit", "prove", "--consistency", old_path, check=0).stdout)
        proof = [base64.b64decode(h) for h in c["proof"]]
        self.assertTrue(verify_consistency(5, 13, proof, mth(leaves[:5]), mth(leaves)))
        self.assertFalse(verify_consistency(5, 13, proof, mth(leaves[:4]), mth(leaves)))
        r = self.run_az("audit", "verify", "--checkpoint", old_path, check=0)
        self.assertIn("13 entries", r.stdout)

    def expect_fail(self, first_bad, *extra):
        r = self.run_az("audit", "verify", *extra)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        if first_bad is not None:
            self.assertIn("first bad entry index %d" % first_bad, r.stdout)
        return r

    def test_tamper_garbage_swap_remove(self):
        self.append("intake", "dataset:a", count=6)
        lp = self.log_path()
        orig = rd(lp, "rb")
        offs = frames(orig)
        # garbage appended
        wr(lp, orig + b"rm -rf evidence\n")
        r = self.expect_fail(6)
        self.assertIn("garbage", r.stderr)
        self.assertEqual(self.run_az("audit", "append", "--action", "x").returncode, 2)
        # swapped entries 2 and 3
        e2, e3 = orig[offs[2]:offs[3]], orig[offs[3]:offs[4]]
        wr(lp, orig[:offs[2]] + e3 + e2 + orig[offs[4]:])
        self.expect_fail(2)
        # entry 4 removed
        wr(lp, orig[:offs[4]] + orig[offs[5]:])
        self.expect_fail(4)
        # a character changed in entry 1
        b = bytearray(orig)
        i = b.index(b"intake", offs[1])
        b[i] = ord("I")
        wr(lp, bytes(b))
        r = self.expect_fail(1)
        self.assertIn("modified", r.stderr)
        wr(lp, orig)
        self.run_az("audit", "verify", check=0)

    def test_truncated_entry_repairs_itself(self):
        self.append("intake", "dataset:a", count=3)
        ip = os.path.join(self.home, "ledger", "index")
        index3 = rd(ip, "rb")
        self.append("intake", "dataset:a")
        lp = self.log_path()
        orig = rd(lp, "rb")
        offs = frames(orig)
        # power loss inside the 4th append: never acknowledged, so not in the index
        wr(lp, orig[:offs[3] + 17])
        wr(ip, index3)
        r = self.run_az("audit", "verify", check=0)
        self.assertIn("torn last append of 17 bytes", r.stderr)
        self.assertIn("3 entries", r.stdout)
        self.assertEqual(os.path.getsize(lp), offs[3] + 17)  # verify repairs nothing
        self.append("delete", "dataset:a")
        r = self.run_az("audit", "verify", check=0)
        self.assertIn("4 entries", r.stdout)

    def test_forged_and_foreign_checkpoints(self):
        self.append("intake", "dataset:a", count=3)
        cp = self.run_az("audit", "checkpoint", "--sign", check=0).stdout
        other = os.path.join(self.tmp, "other")
        self.run_az("audit", "init", home=other, check=0)
        self.append("intake", "dataset:a", count=3, home=other)
        foreign = self.run_az("audit", "checkpoint", "--sign", home=other, check=0).stdout
        forged = cp.replace(cp.split("\n")[2], base64.b64encode(b"\x07" * 32).decode())
        for name, text, word in (("forged", forged, "invalid signature"),
                                 ("foreign", foreign, "another ledger")):
            path = os.path.join(self.tmp, name)
            wr(path, text)
            r = self.run_az("audit", "verify", "--checkpoint", path)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn(word, r.stderr)

    def test_bundle_verifies_elsewhere(self):
        self.append("intake", "dataset:a", count=4)
        old = os.path.join(self.tmp, "old.cp")
        wr(old, self.run_az("audit", "checkpoint", "--sign", check=0).stdout)
        self.append("delete", "dataset:a", count=4)
        bundle = os.path.join(self.tmp, "bundle.json")
        self.run_az("audit", "export", "--from", "2", "--to", "7", "-o", bundle, check=0)
        # "another machine": no home at all, only the public key
        pub = os.path.join(self.tmp, "ledger.pub")
        shutil.copy(os.path.join(self.home, "keys", "ledger.pub"), pub)
        nohome = os.path.join(self.tmp, "nohome")
        r = self.run_az("audit", "verify", "--bundle", bundle, "--pubkey", pub, "--checkpoint",
                        old, home=nohome, check=0)
        self.assertIn("5 entries", r.stdout)
        doc = json.loads(rd(bundle))
        cut = dict(doc, entries=doc["entries"][:-1])  # the last entry left out
        wr(bundle, json.dumps(cut))
        r = self.run_az("audit", "verify", "--bundle", bundle, "--pubkey", pub, home=nohome)
        self.assertEqual(r.returncode, 1)
        self.assertIn("first bad entry index 6", r.stdout)
        doc["entries"][1]["entry"] = doc["entries"][1]["entry"].replace("dataset:a", "dataset:b")
        wr(bundle, json.dumps(doc))
        r = self.run_az("audit", "verify", "--bundle", bundle, "--pubkey", pub, home=nohome)
        self.assertEqual(r.returncode, 1)
        self.assertIn("first bad entry index 3", r.stdout)

    def test_kill9_during_concurrent_appends_loses_nothing(self):
        procs = []
        for p in range(4):
            procs.append(subprocess.Popen(
                [BIN, "audit", "append", "--action", "test.kill", "--object", "proc:%d" % p,
                 "--count", "100000", "--print"],
                env=self.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True))
        # let them run until the ledger holds a few dozen entries (or 30 s)
        deadline = time.time() + 30
        while time.time() < deadline:
            time.sleep(0.2)
            if os.path.getsize(self.log_path()) > 40 * 250:
                break
        time.sleep(0.3)
        for p in procs:
            p.send_signal(signal.SIGKILL)
        acked = {}
        for i, p in enumerate(procs):
            out, _ = p.communicate()
            acked[i] = [int(x) for x in out.split()]
        r = self.run_az("audit", "verify")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        entries = [json.loads(e) for e in self.entries()]
        self.assertGreater(len(entries), 4)
        total = sum(len(v) for v in acked.values())
        self.assertGreater(total, 0)
        for i, idxs in acked.items():
            for idx in idxs:
                self.assertLess(idx, len(entries))
                self.assertEqual(entries[idx]["objects"], ["proc:%d" % i])
        self.assertEqual([e["@seq"] for e in entries], list(range(len(entries))))


class TamperAlarmE2E(unittest.TestCase):
    """Issue 10 (trust core), ledger items 1-5 and 9, through the real binary."""

    setUp = AuditE2E.setUp
    tearDown = AuditE2E.tearDown
    run_az = AuditE2E.run_az
    append = AuditE2E.append
    log_path = AuditE2E.log_path
    entries = AuditE2E.entries

    def index_path(self):
        return os.path.join(self.home, "ledger", "index")

    def note_path(self, size):
        return os.path.join(self.home, "ledger", "checkpoints", "%020d.note" % size)

    def assert_alarm(self, r, word="TAMPER ALARM"):
        self.assertNotEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(word, r.stderr)

    def test_tail_byte_cut_then_client_add_is_alarm(self):
        # item 1 with a full home: `truncate -s -1 entries.log`, then `client add`
        home = os.path.join(self.tmp, "full")
        self.run_az("init", home=home, check=0)
        self.run_az("client", "add", "shinkin-a", home=home, check=0)
        lp = self.log_path(home)
        size = os.path.getsize(lp)
        os.truncate(lp, size - 1)
        r = self.run_az("client", "add", "shinkin-b", home=home)
        self.assert_alarm(r)
        self.assertIn("cut", r.stderr)
        self.assertEqual(os.path.getsize(lp), size - 1)  # nothing repaired, nothing appended
        r = self.run_az("audit", "verify", home=home)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("first bad entry index 1", r.stdout)
        self.assertIn("entries removed", r.stderr)

    def test_tail_byte_cut_then_append_recover(self):
        self.append("intake", "dataset:a", count=4)
        lp = self.log_path()
        orig = rd(lp, "rb")
        offs = frames(orig)
        leaves = [leaf_hash(orig[o + 8:offs[i + 1] - 32]) for i, o in enumerate(offs[:-1])]
        wr(lp, orig[:-1])
        self.assert_alarm(self.run_az("audit", "append", "--action", "x"))
        # recover: first only what was found, nothing changed (exit 1)
        r = self.run_az("audit", "recover")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("recorded: 4 entries, root " + base64.b64encode(mth(leaves)).decode(),
                      r.stdout)
        self.assertIn("intact:   3 entries, root " + base64.b64encode(mth(leaves[:3])).decode(),
                      r.stdout)
        self.assertEqual(rd(lp, "rb"), orig[:-1])
        # a decision needs a reason
        self.assertEqual(self.run_az("audit", "recover", "--accept-truncation").returncode, 64)
        r = self.run_az("audit", "recover", "--accept-truncation", "--reason", "case 42",
                        check=0)
        self.assertIn("recorded as entry 3", r.stdout)
        e = json.loads(self.entries()[3])
        self.assertEqual(e["action"], "ledger.alarm")
        self.assertEqual(e["reason"], "case 42")
        self.assertEqual(e["extra"]["old_size"], 4)
        self.assertEqual(e["extra"]["new_size"], 3)
        self.assertEqual(e["extra"]["old_root"], base64.b64encode(mth(leaves)).decode())
        self.append("delete", "dataset:a")
        self.run_az("audit", "verify", check=0)

    def test_recover_refuses_a_signed_loss(self):
        self.append("intake", "dataset:a", count=5)
        r = self.run_az("audit", "recover", check=0)
        self.assertIn("no alarm: 5 entries", r.stdout)
        self.run_az("audit", "checkpoint", "--sign", check=0)
        lp = self.log_path()
        orig = rd(lp, "rb")
        wr(lp, orig[:frames(orig)[3]])
        r = self.run_az("audit", "recover", "--accept-truncation", "--reason", "x")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("fork", r.stderr)
        self.assertEqual(rd(lp, "rb"), orig[:frames(orig)[3]])  # nothing changed

    def test_whole_entries_cut_then_append_is_alarm(self):
        self.append("intake", "dataset:a", count=6)
        lp = self.log_path()
        orig = rd(lp, "rb")
        offs = frames(orig)
        wr(lp, orig[:offs[4]])  # two whole entries cut at a frame boundary
        r = self.run_az("audit", "append", "--action", "x")
        self.assert_alarm(r)
        self.assertIn("6 entries were appended", r.stderr)
        self.assertEqual(rd(lp, "rb"), orig[:offs[4]])
        r = self.run_az("audit", "verify")
        self.assertEqual(r.returncode, 1)
        self.assertIn("first bad entry index 4", r.stdout)

    def test_whole_entries_cut_then_sign_refused(self):
        self.append("intake", "dataset:a", count=6)
        note = self.run_az("audit", "checkpoint", "--sign", check=0).stdout
        lp = self.log_path()
        orig = rd(lp, "rb")
        offs = frames(orig)
        wr(lp, orig[:offs[4]])
        os.unlink(self.index_path())  # the forger removes the record of appends too
        for args in (("audit", "checkpoint", "--sign"), ("audit", "append", "--action", "x"),
                     ("audit", "export", "-o", os.path.join(self.tmp, "b.json"))):
            self.assert_alarm(self.run_az(*args), "entries were removed")
        self.assertEqual(rd(self.note_path(6)), note)  # never overwritten
        self.assertEqual(sorted(os.listdir(os.path.dirname(self.note_path(6)))),
                         ["%020d.note" % 6])
        r = self.run_az("audit", "verify")
        self.assertEqual(r.returncode, 1)
        self.assertIn("first bad entry index 4", r.stdout)

    def test_cache_bitflip_then_sign_and_export(self):
        self.append("intake", "dataset:a", count=20)
        orig = rd(self.log_path(), "rb")
        offs = frames(orig)
        root = base64.b64encode(mth([leaf_hash(orig[o + 8:offs[i + 1] - 32])
                                     for i, o in enumerate(offs[:-1])])).decode()
        tree = os.path.join(self.home, "ledger", "tree-04")  # root(20) uses its node 0
        b = bytearray(rd(tree, "rb"))
        b[3] ^= 0x10
        wr(tree, bytes(b))
        cp = self.run_az("audit", "checkpoint", "--sign", check=0).stdout
        self.assertEqual(cp.split("\n")[2], root)
        b[9] ^= 0x10
        wr(tree, bytes(b))
        bundle = os.path.join(self.tmp, "bundle.json")
        self.run_az("audit", "export", "-o", bundle, check=0)
        doc = json.loads(rd(bundle))
        self.assertEqual(doc["checkpoint"].split("\n")[2], root)
        self.assertEqual(rd(self.note_path(20)), cp)
        pub = os.path.join(self.home, "keys", "ledger.pub")
        self.run_az("audit", "verify", "--bundle", bundle, "--pubkey", pub, check=0)
        self.run_az("audit", "prove", "--inclusion", "5", check=0)

    def test_kept_empty_checkpoint(self):
        empty = os.path.join(self.tmp, "empty.cp")
        wr(empty, self.run_az("audit", "checkpoint", "--sign", check=0).stdout)
        self.append("intake", "dataset:a", count=3)
        self.run_az("audit", "verify", "--checkpoint", empty, check=0)
        bundle = os.path.join(self.tmp, "bundle.json")
        self.run_az("audit", "export", "--from", "1", "--to", "3", "-o", bundle, check=0)
        pub = os.path.join(self.home, "keys", "ledger.pub")
        r = self.run_az("audit", "verify", "--bundle", bundle, "--pubkey", pub, "--checkpoint",
                        empty)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_long_unknown_cosignature_and_crlf(self):
        self.append("intake", "dataset:a", count=3)
        cp = self.run_az("audit", "checkpoint", "--sign", check=0).stdout
        sig = base64.b64encode(bytes(range(256)) * 9 + bytes(4 + 2420 - 2304)).decode()
        cosigned = cp + "\u2014 witness.example/mldsa44 " + sig + "\n" + \
            "\u2014 witness\x7f.example " + base64.b64encode(bytes(68)).decode() + "\n"
        path = os.path.join(self.tmp, "cosigned.cp")
        wr(path, cosigned.encode())
        r = self.run_az("audit", "verify", "--checkpoint", path)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        wr(path, cp.replace("\n", "\r\n").encode())
        r = self.run_az("audit", "verify", "--checkpoint", path)
        self.assertEqual(r.returncode, 1)
        self.assertIn("CRLF", r.stderr)

    def test_log_show_verify_are_read_only(self):
        self.append("intake", "dataset:a", count=3)
        index3 = rd(self.index_path(), "rb")
        self.append("intake", "dataset:a")
        lp = self.log_path()
        orig = rd(lp, "rb")
        offs = frames(orig)
        for log, index in ((orig[:offs[3] + 9], index3),  # a crash inside the 4th append
                           (orig[:offs[3] + 9], None),  # the same cut, acknowledged
                           (orig + b"garbage", None)):
            wr(lp, log)
            if index is not None:
                wr(self.index_path(), index)
            before = (rd(lp, "rb"), rd(self.index_path(), "rb"))
            for args in (("audit", "log"), ("audit", "show", "1"), ("audit", "verify")):
                self.run_az(*args)
                self.assertEqual((rd(lp, "rb"), rd(self.index_path(), "rb")), before, args)
            wr(lp, orig)
            self.run_az("audit", "verify", check=0)

    def test_init_refuses_unsafe_home_and_lost_ledger(self):
        ww = os.path.join(self.tmp, "ww")
        os.mkdir(ww)
        os.chmod(ww, 0o777)
        r = self.run_az("init", home=ww)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("writable by other users", r.stderr)
        self.assertEqual(os.listdir(ww), [])
        r = self.run_az("audit", "init", home=os.path.join(ww, "h"))
        self.assertEqual(r.returncode, 2)
        self.assertIn("above the home", r.stderr)
        # another local user renames ledger/ away: no advice to re-initialise
        self.append("intake", "dataset:a")
        led = os.path.join(self.home, "ledger")
        os.rename(led, led + ".moved")
        r = self.run_az("audit", "log")
        self.assertNotIn("init", r.stderr)
        self.assert_alarm(r)
        self.assert_alarm(self.run_az("audit", "init"))
        self.assertFalse(os.path.exists(led))


if __name__ == "__main__":
    unittest.main()
