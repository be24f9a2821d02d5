# SPDX-License-Identifier: Apache-2.0
"""test_retention.py -- end-to-end tests of retention and verified deletion:
artifacts registered by open --out, a residual copy found by the sweep (incomplete),
removed and run again (clean), the certificate issued by a second person and
verified offline (and a tampered one refused), kill -9 at named steps then a
rerun ending in the same state, holds, the two-person rule with TOTP (an OS
user without a code approves nothing; a code is good once), a
symlink-to-/etc artifact refused, a clock that goes backwards refused, and
`run --now` in the future destroying nothing.
Time passes for real: a run after a deadline runs the binary under a faked
system clock (Debian's libfaketime), never through a product option.
Synthetic generated data only.
"""

import base64
import calendar
import glob
import hashlib
import hmac
import json
import os
import shutil
import signal
import sqlite3
import struct
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import azk_testlib as T  # noqa: E402
from test_intake import HEADER, Home, synthetic_rows  # noqa: E402

NOW_PAST = "2031-01-10T03:00:00Z"  # after the deadline 2031-01-01 used below


def epoch(iso):
    return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))


def libfaketime():
    libs = sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1"))
    if not libs:
        raise unittest.SkipTest("libfaketime not installed (tools/install-deps.sh --test "
                                "installs faketime)")
    return libs[0]


def faked_env(env, when):
    """env for running the binary with the system clock starting at `when`
    (Unix seconds) and ticking: libfaketime, as Debian's faketime does."""
    e = dict(env)
    e["LD_PRELOAD"] = libfaketime()
    e["FAKETIME"] = "@" + time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(when))
    e["TZ"] = "UTC"
    e["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
    e["NO_FAKE_STAT"] = "1"  # file times stay the kernel's (artifact identity compares them)
    # an ASan build must come first in the link order; libfaketime is preloaded
    e["ASAN_OPTIONS"] = (e.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0").lstrip(":")
    return e


def totp(b32, t=None):
    key = base64.b32decode(b32.strip() + "=" * (-len(b32.strip()) % 8))
    counter = int((t if t is not None else time.time()) // 30)
    mac = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    code = (struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000
    return "%06d" % code


class RetentionTest(unittest.TestCase):
    def setUp(self):
        self.tmp = T.TempDir()
        self.h = Home(self.tmp.path)
        self.assertEqual(self.h.run("init").rc, 0)
        self.assertEqual(self.h.run("client", "add", "shinkin-a").rc, 0)
        self.closed = os.path.join(self.tmp.path, "closed")
        self.general = os.path.join(self.tmp.path, "general")
        os.makedirs(self.closed)
        os.makedirs(self.general)
        with open(os.path.join(self.closed, "unrelated.txt"), "w") as f:
            f.write("nothing entrusted here\n")
        conf = {"retention": {"sweep_paths": [self.closed],
                              "sweep_paths_general": [self.general], "overwrite": True}}
        T.write_conf(self.h.home, conf)
        self.clock = epoch(NOW_PAST)
        self.secrets = {}
        self.csv = self.h.write("dm.csv", (HEADER + "\n" + "\n".join(synthetic_rows(40)) + "\n")
                                .encode("utf-8"))

    def tearDown(self):
        self.tmp.__exit__(None, None, None)

    def at(self, *args, user=None, when=None):
        """Run azukari with the system clock faked (libfaketime) to `when`,
        or to the test's clock, which starts at NOW_PAST and moves 31 s
        per call so every TOTP code is fresh. With user, authenticate with
        the code of that time."""
        if when is None:
            when = self.clock
            self.clock += 31
        argv = list(args)
        if user is not None:
            argv += ["--user", user, "--totp", totp(self.secrets[user], when)]
        return T.run([self.h.bin, "--home", self.h.home] + argv,
                     env=faked_env(self.h.env, when))

    def intake(self, ds, until="2031-01-01"):
        r = self.h.intake(self.csv, ds, until=until)
        self.assertEqual(r.rc, 0, r.err)

    def state(self, ds):
        rows = T.catalog_query(self.h.home, "SELECT state FROM ret_state WHERE dataset=?", (ds,))
        row = rows[0] if rows else None
        uuid, dstate = T.catalog_query(self.h.home, "SELECT uuid, state FROM datasets WHERE id=?",
                                       (ds,))[0]
        # the data key lives in the keystore (docs/catalog.md)
        ks = sqlite3.connect(os.path.join(self.h.home, "keys", "keystore.db"))
        try:
            w = ks.execute("SELECT wrapped FROM wrapped_keys WHERE kind='dataset' AND id=?",
                           (uuid,)).fetchone()
        finally:
            ks.close()
        return (row[0] if row else None), ((w[0] if w else None), dstate)

    def state_operator(self, ds):
        return T.catalog_query(self.h.home, "SELECT operator FROM ret_state WHERE dataset=?",
                               (ds,))[0][0]

    def ledger_actions(self):
        r = self.h.run("audit", "log", "--format", "json")
        self.assertEqual(r.rc, 0, r.err)
        return r.out

    def enrol(self, name):
        r = self.h.run("user", "add", name)
        self.assertEqual(r.rc, 0, r.err)
        self.secrets[name] = r.out.strip()
        return r.out.strip()

    def open_artifact(self, ds, name="print.csv"):
        p = os.path.join(self.tmp.path, name)
        r = self.h.run("open", ds, "--reason", "print job", "--out", p)
        self.assertEqual(r.rc, 0, r.err)
        # open --out registered it already; a second registration is refused
        r = self.h.run("artifact", "add", "--dataset", ds, p)
        self.assertNotEqual(r.rc, 0)
        return p

    def test_retention__residual_then_clean_then_certificate(self):
        self.intake("dm-2030")
        art = self.open_artifact("dm-2030")
        residual = os.path.join(self.general, "copy-of-print.csv")
        shutil.copy(self.csv, residual)
        r = self.h.run("retention", "status", "--now", "2030-06-01")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("dm-2030\tshinkin-a\t2031-01-01\tactive", r.out)
        r = self.h.run("retention", "status", "--now", NOW_PAST)
        self.assertEqual(r.rc, 1, r.out + r.err)
        self.assertIn("overdue", r.out)
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 1, r.out + r.err)
        self.assertIn("incomplete", r.out)
        self.assertFalse(os.path.exists(art), "registered artifact must be removed")
        st, key = self.state("dm-2030")
        self.assertEqual(st, "incomplete")
        self.assertIsNone(key[0], "wrapped key must be destroyed")
        self.assertEqual(key[1], "shredded")
        self.assertEqual(self.h.vault_files(), [])
        r = self.h.run("retention", "status", "--now", NOW_PAST)
        self.assertEqual(r.rc, 1)
        self.assertIn("incomplete", r.out)
        self.assertIn("residual", r.out)
        r = self.h.run("retention", "show", "dm-2030", "--now", NOW_PAST)
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("residual\t" + residual, r.out)
        self.assertIn("overwritten+unlinked", r.out)
        # no certificate without a clean sweep
        bob = self.enrol("bob")
        r = self.at("certificate", "issue", "dm-2030", user="bob")
        self.assertNotEqual(r.rc, 0)
        self.assertIn("not clean", r.err)
        os.unlink(residual)
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 0, r.out + r.err)
        self.assertEqual(self.state("dm-2030")[0], "clean")
        # the operator (OS user) may not verify their own deletion
        r = self.at("certificate", "issue", "dm-2030")
        self.assertNotEqual(r.rc, 0)
        self.assertIn("enrolled user authenticated with TOTP", r.err)
        # nor may an enrolled user named like the operator (the OS account)
        op = self.state_operator("dm-2030")
        self.enrol(op)
        r = self.at("certificate", "issue", "dm-2030", user=op)
        self.assertNotEqual(r.rc, 0)
        self.assertIn("different person", r.err)
        r = self.at("certificate", "issue", "dm-2030", user="bob")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(self.state("dm-2030")[0], "certified")
        self.assertEqual([f for f in os.listdir(os.path.join(self.h.home, "retention"))
                          if f.endswith(".fp")], [])
        cert = os.path.join(self.tmp.path, "cert.json")
        r = self.h.run("certificate", "show", "dm-2030")
        self.assertEqual(r.rc, 0)
        with open(cert, "w") as f:
            f.write(r.out)
        doc = json.loads(r.out)
        c = doc["certificate"]
        self.assertEqual(c["dataset"]["id"], "dm-2030")
        self.assertEqual(c["dataset"]["records"], 40)
        self.assertEqual(c["people"]["verifier"], "bob")
        self.assertNotEqual(c["people"]["operator"], "bob")
        self.assertTrue(c["schedule"]["late"])  # 9 days after the deadline
        self.assertEqual(c["schedule"]["clock"], "system")
        self.assertTrue(c["schedule"]["deleted_at"].startswith("2031-01-10T03:"))
        self.assertEqual(c["verification"]["sweep"]["residuals"], 0)
        kinds = [x["kind"] for x in c["copies"]]
        self.assertIn("artifact", kinds)
        self.assertIn("vault file", kinds)
        pub = os.path.join(self.tmp.path, "cert.pub")
        r = self.h.run("certificate", "pubkey")
        with open(pub, "w") as f:
            f.write(r.out)
        lpub = os.path.join(self.h.home, "keys", "ledger.pub")
        r = T.run([self.h.bin, "certificate", "verify", cert, "--pubkey", pub,
                   "--ledger-key", lpub], env=self.h.env)
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("valid", r.out)
        # tampering: a changed count, a changed proof, another key
        for mutate in (lambda d: d["certificate"]["dataset"].__setitem__("records", 39),
                       lambda d: d["certificate"]["schedule"].__setitem__("late", False),
                       lambda d: d["certificate"]["ledger"]["proof"].reverse()
                       if len(d["certificate"]["ledger"]["proof"]) > 1
                       else d["certificate"]["ledger"].__setitem__("entry_index", 0)):
            bad = json.loads(json.dumps(doc))
            mutate(bad)
            badp = os.path.join(self.tmp.path, "bad.json")
            with open(badp, "w") as f:
                json.dump(bad, f)
            r = T.run([self.h.bin, "certificate", "verify", badp, "--pubkey", pub],
                      env=self.h.env)
            self.assertEqual(r.rc, 1, r.out + r.err)
            self.assertIn("NOT VALID", r.err)
        other = Home(os.path.join(self.tmp.path, "o"))
        os.makedirs(other.d, exist_ok=True)
        self.assertEqual(other.run("init").rc, 0)
        opub = os.path.join(self.tmp.path, "other.pub")
        with open(opub, "w") as f:
            f.write(other.run("certificate", "pubkey").out)
        r = T.run([self.h.bin, "certificate", "verify", cert, "--pubkey", opub], env=self.h.env)
        self.assertEqual(r.rc, 1)
        # printable Japanese rendering
        r = self.h.run("certificate", "show", "dm-2030", "--html")
        self.assertEqual(r.rc, 0)
        self.assertIn("削除証明書", r.out)
        self.assertIn("@page", r.out)
        self.assertIn("期限超過", r.out)
        self.render_with_chromium(r.stdout)
        # the ledger tells the story
        log = self.ledger_actions()
        for action in ("retention.shred", "retention.key_destroyed", "retention.remove",
                       "retention.incomplete", "retention.clean", "retention.certify"):
            self.assertIn(action, log)
        # a later run leaves a certified dataset alone
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(self.state("dm-2030")[0], "certified")
        # no personal value in any output or the ledger
        for out in (log, r.out, r.err):
            self.assertNotIn("試験町", out)
            self.assertNotIn("example.invalid", out)

    def render_with_chromium(self, html):
        """The printable rendering opens in a real browser and prints to PDF."""
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        if chromium is None:
            print("chromium not installed: PDF rendering not checked "
                  "(tools/install-deps.sh --test installs it)")
            return
        src = os.path.join(self.tmp.path, "cert.html")
        pdf = os.path.join(self.tmp.path, "cert.pdf")
        with open(src, "wb") as f:
            f.write(html)
        r = T.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                   "--user-data-dir=" + os.path.join(self.tmp.path, "chromium"),
                   "--print-to-pdf=" + pdf, "file://" + src], timeout=180)
        self.assertEqual(r.rc, 0, r.err[-2000:])
        with open(pdf, "rb") as f:
            data = f.read()
        self.assertTrue(data.startswith(b"%PDF-"))
        self.assertGreater(len(data), 10000)

    def kill_at(self, step, ds, second=None):
        flag = os.path.join(self.tmp.path, "paused-" + step)
        env = dict(faked_env(self.h.env, self.clock), AZK_TEST_PAUSE=step,
                   AZK_TEST_PAUSE_FILE=flag)
        self.clock += 31
        p = subprocess.Popen([self.h.bin, "--home", self.h.home, "retention", "run"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            if os.path.exists(flag) or p.poll() is not None:
                break
            time.sleep(0.05)
        self.assertTrue(os.path.exists(flag), "run did not reach step " + step)
        if second is not None:
            second()  # while the first run is paused
        p.send_signal(signal.SIGKILL)
        p.wait()
        return self.state(ds)

    def wrapped_keys(self):
        ks = sqlite3.connect(os.path.join(self.h.home, "keys", "keystore.db"))
        try:
            return [bytes(w) for (w,) in ks.execute("SELECT wrapped FROM wrapped_keys")]
        finally:
            ks.close()

    def catalog_holds(self, needle):
        url = T.home_catalog(self.h.home)
        if url:
            return T.pg_dump_holds(url, needle)
        cat = os.path.join(self.h.home, "catalog.db")
        for p in (cat, cat + "-wal"):
            if os.path.exists(p):
                with open(p, "rb") as f:
                    if needle in f.read():
                        return True
        return False

    def test_retention__keys_never_in_catalog(self):
        """After intake and a retention run no wrapped key's bytes are anywhere in the
        catalog: catalog.db and its WAL, or on PostgreSQL a pg_dump of the database (the
        keys stay in keys/keystore.db of the home)."""
        self.intake("due")
        self.intake("kept", until="2099-12-31")
        keys = self.wrapped_keys()
        self.assertEqual(len(keys), 2)
        for w in keys:
            self.assertFalse(self.catalog_holds(w), "wrapped key in the catalog after intake")
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 0, r.out + r.err)
        self.assertEqual(self.state("due")[1][1], "shredded")
        self.assertEqual(len(self.wrapped_keys()), 1)
        for w in keys:
            self.assertFalse(self.catalog_holds(w), "wrapped key in the catalog after the run")

    def test_retention__kill9_and_rerun(self):
        # "keystore": the key destroyed in the keystore, the catalog not yet told
        for step, ds in (("shred", "k-shred"), ("keystore", "k-ks"), ("key", "k-key"),
                         ("vault", "k-vault"), ("artifacts", "k-art")):
            self.intake(ds)
            self.open_artifact(ds, name=ds + ".csv")
            st, key = self.kill_at(step, ds)
            if step == "shred":
                # ledger entry durable, key not yet destroyed
                self.assertIsNone(st)
                self.assertIsNotNone(key[0])
                self.assertIn("retention.shred", self.ledger_actions())
            elif step == "keystore":
                # key gone from the keystore, the catalog still says shredding
                self.assertEqual(st, "shredding")
                self.assertEqual(key[1], "active")
                self.assertIsNone(key[0])
            else:
                self.assertIsNone(key[0])
            r = self.at("retention", "run")
            self.assertEqual(r.rc, 0, r.out + r.err)
            st, key = self.state(ds)
            self.assertEqual(st, "clean", step)
            self.assertIsNone(key[0])
            self.assertEqual(self.h.vault_files(), [])
            self.assertFalse(os.path.exists(os.path.join(self.tmp.path, ds + ".csv")))

    def test_retention__one_run_at_a_time(self):
        # a second run while one is paused after its shred entry: refused,
        # nothing done twice (one "retention.shred" for the dataset)
        self.intake("one")
        seen = {}

        def second():
            r = self.at("retention", "run")
            seen["rc"], seen["err"] = r.rc, r.err

        st, key = self.kill_at("shred", "one", second=second)
        self.assertNotEqual(seen["rc"], 0)
        self.assertIn("another retention run", seen["err"])
        self.assertEqual(self.ledger_actions().count("retention.shred"), 1)
        r = self.at("retention", "run")  # the lock died with the killed run
        self.assertEqual(r.rc, 0, r.out + r.err)
        st, key = self.state("one")
        self.assertEqual(st, "clean")

    def test_retention__hold_blocks(self):
        self.intake("held")
        r = self.h.run("retention", "hold", "held", "--reason", "litigation hold")
        self.assertEqual(r.rc, 0, r.err)
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("hold", r.out)
        st, key = self.state("held")
        self.assertIsNone(st)
        self.assertIsNotNone(key[0])
        self.assertEqual(len(self.h.vault_files()), 1)
        self.assertIn("retention.skip", self.ledger_actions())
        r = self.h.run("retention", "release", "held", "--reason", "case closed")
        self.assertEqual(r.rc, 0, r.err)
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(self.state("held")[0], "clean")

    def test_retention__two_person_rule_with_totp(self):
        self.intake("early", until="2099-12-31")
        self.enrol("alice")
        self.enrol("bob")
        # a request needs a person: the OS user alone cannot ask
        r = self.at("retention", "request-delete", "early", "--reason", "job finished")
        self.assertNotEqual(r.rc, 0)
        self.assertIn("enrolled user authenticated with TOTP", r.err)
        r = self.at("retention", "request-delete", "early", "--reason", "job finished",
                    user="alice")
        self.assertEqual(r.rc, 0, r.err)
        req = r.out.split("\t")[0].strip()
        self.assertTrue(req.startswith("R-"))
        # not due before approval
        r = self.at("retention", "run")
        self.assertEqual(self.state("early")[0], None)
        # issue 10 item 10: the OS user, with no --user and no code, approves nothing
        r = self.at("retention", "approve", req)
        self.assertNotEqual(r.rc, 0, r.out)
        self.assertIn("enrolled user authenticated with TOTP", r.err)
        # self-approval refused (with a fresh code of her own)
        r = self.at("retention", "approve", req, user="alice")
        self.assertNotEqual(r.rc, 0)
        self.assertIn("different person", r.err)
        # wrong TOTP = failed authentication, in the ledger
        when = self.clock
        self.clock += 31
        wrong = "%06d" % ((int(totp(self.secrets["bob"], when)) + 1) % 1000000)
        r = self.at("retention", "approve", req, "--user", "bob", "--totp", wrong, when=when)
        self.assertNotEqual(r.rc, 0)
        self.assertIn("authentication failed", r.err)
        self.assertIn("auth.fail", self.ledger_actions())
        # a code is good once: bob's code, used for a listing, cannot approve afterwards
        when = self.clock
        self.clock += 31
        r = self.at("retention", "status", user="bob", when=when)
        self.assertIn(r.rc, (0, 1), r.err)
        r = self.at("retention", "approve", req, user="bob", when=when + 2)
        self.assertNotEqual(r.rc, 0)
        self.assertIn("already used", r.err)
        self.assertEqual(self.state("early")[0], None)
        r = self.at("retention", "approve", req, user="bob")
        self.assertEqual(r.rc, 0, r.err)
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 0, r.out + r.err)
        self.assertEqual(self.state("early")[0], "clean")
        # extension: request + approval moves the deadline
        self.intake("ext", until="2099-12-31")
        r = self.at("retention", "request-extend", "ext", "--until", "2100-06-30",
                    "--reason", "contract renewed", user="bob")
        self.assertEqual(r.rc, 0, r.err)
        req = r.out.split("\t")[0].strip()
        r = self.at("retention", "approve", req)
        self.assertNotEqual(r.rc, 0)
        r = self.at("retention", "approve", req, user="alice")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn(("ext", "shinkin-a", 40, "2100-06-30", "direct mail 2023-09",
                       self.h.datasets()[1][5]), self.h.datasets())
        log = self.ledger_actions()
        for a in ("retention.request", "retention.approve", "retention.extend"):
            self.assertIn(a, log)
        # nor can one person make a second identity: after the first two users,
        # enrolment is by one enrolled person and approved by another
        r = self.h.run("user", "add", "alice2")
        self.assertNotEqual(r.rc, 0)
        r = self.at("user", "add", "alice2", user="alice")
        self.assertEqual(r.rc, 0, r.err)
        self.secrets["alice2"] = r.out.strip()
        r = self.at("retention", "status", user="alice2")
        self.assertNotEqual(r.rc, 0)
        self.assertIn("not yet approved", r.err)
        r = self.at("user", "approve", "alice2", user="alice")
        self.assertNotEqual(r.rc, 0)
        r = self.at("user", "approve", "alice2", user="bob")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("user.approve", self.ledger_actions())

    def test_retention__run_now_in_future_destroys_nothing(self):
        """Issue 10 item 6: `run --now` later than the clock is a drill."""
        self.intake("dm-2030", until="2030-12-31")
        art = self.open_artifact("dm-2030")
        r = self.h.run("retention", "run", "--now", "2031-01-02")
        self.assertEqual(r.rc, 0, r.out + r.err)
        self.assertIn("would delete", r.out)
        self.assertIn("nothing was deleted", r.out)
        st, key = self.state("dm-2030")
        self.assertIsNone(st)
        self.assertIsNotNone(key[0], "a drill must not destroy the key")
        self.assertEqual(len(self.h.vault_files()), 1)
        self.assertTrue(os.path.exists(art))
        self.assertNotIn("retention.shred", self.ledger_actions())
        # a second person cannot certify what was not deleted
        self.enrol("bob")
        r = self.at("certificate", "issue", "dm-2030", user="bob")
        self.assertNotEqual(r.rc, 0)
        # when the deadline has passed for real (faked system clock), it is deleted, and
        # the ledger and certificate carry the real time of destruction
        r = self.at("retention", "run", when=epoch("2031-01-01T00:10:00Z"))
        self.assertEqual(r.rc, 0, r.out + r.err)
        self.assertEqual(self.state("dm-2030")[0], "clean")
        log = self.ledger_actions()
        self.assertIn('"clock":"system"', log)
        self.assertIn('"at":"2031-01-01T00:10:', log)
        self.assertIn('"late":false', log)
        r = self.at("certificate", "issue", "dm-2030", user="bob",
                    when=epoch("2031-01-01T00:20:00Z"))
        self.assertEqual(r.rc, 0, r.err)
        doc = json.loads(self.h.run("certificate", "show", "dm-2030").out)
        self.assertTrue(doc["certificate"]["schedule"]["deleted_at"].startswith("2031-01-01T00:1"))
        self.assertFalse(doc["certificate"]["schedule"]["late"])

    def test_retention__inode_reuse_refused(self):
        """Issue 10 item 7: `rm job.prn; echo new > job.prn` is another file."""
        self.intake("reuse")
        art = self.open_artifact("reuse", name="job.prn")
        ino = os.stat(art).st_ino
        os.unlink(art)
        with open(art, "w") as f:
            f.write("new\n")
        # whether the file system hands out the same inode number again is its
        # choice; a second artifact gets what reuse produces for certain: the
        # same (device, inode) holding other content
        art2 = self.open_artifact("reuse", name="job2.prn")
        ino2 = os.stat(art2).st_ino
        with open(art2, "r+") as f:
            f.truncate(0)
            f.write("new\n")
        self.assertEqual(os.stat(art2).st_ino, ino2)
        if os.stat(art).st_ino != ino:
            print("note: the file system did not reuse the inode of job.prn this time")
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 1, r.out + r.err)
        self.assertIn("refused", r.out)
        for p in (art, art2):
            with open(p) as f:
                self.assertEqual(f.read(), "new\n", "the new file must not be touched")
        self.assertEqual(self.state("reuse")[0], "incomplete")
        # dealt with: the operator moves the new files away; the registered ones are gone
        os.unlink(art)
        os.unlink(art2)
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 0, r.out + r.err)
        self.assertEqual(self.state("reuse")[0], "clean")

    def test_retention__hard_link_not_overwritten(self):
        """Issue 10 item 8: another name of a hard-linked artifact keeps its content."""
        self.intake("hl")
        art = self.open_artifact("hl", name="hl.prn")
        other = os.path.join(self.tmp.path, "kept-by-someone.prn")
        os.link(art, other)
        with open(other, "rb") as f:
            content = f.read()
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 1, r.out + r.err)
        self.assertIn("other hard links", r.out)
        self.assertFalse(os.path.exists(art), "the registered name is unlinked")
        with open(other, "rb") as f:
            self.assertEqual(f.read(), content, "the other name must not be overwritten")
        self.assertEqual(self.state("hl")[0], "incomplete")
        self.assertIn('"other_links":1', self.ledger_actions())
        # still incomplete on the next run, not "already absent"
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 1, r.out + r.err)
        self.assertEqual(self.state("hl")[0], "incomplete")
        # a person deals with the other link and says so
        r = self.at("artifact", "resolve", "--dataset", "hl", art, "--reason", "copy removed")
        self.assertNotEqual(r.rc, 0)
        self.enrol("carol")
        os.unlink(other)
        r = self.at("artifact", "resolve", "--dataset", "hl", art, "--reason", "copy removed",
                    user="carol")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("artifact.resolve", self.ledger_actions())
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 0, r.out + r.err)
        self.assertEqual(self.state("hl")[0], "clean")
        r = self.h.run("artifact", "list", "--dataset", "hl")
        self.assertIn("resolved by carol", r.out)

    def test_retention__bad_input(self):
        self.intake("bad")
        art = self.open_artifact("bad", name="job.log")
        # the artifact path becomes a symlink to /etc/passwd
        os.unlink(art)
        os.symlink("/etc/passwd", art)
        before = os.stat("/etc/passwd")
        # a directory cannot be registered
        r = self.h.run("artifact", "add", "--dataset", "bad", self.tmp.path)
        self.assertNotEqual(r.rc, 0)
        self.assertIn("regular file", r.err)
        # the vault file already missing
        for v in self.h.vault_files():
            os.unlink(os.path.join(self.h.home, "vault", v))
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 1, r.out + r.err)
        self.assertIn("refused: symlink", r.out)
        self.assertTrue(os.path.islink(art))
        after = os.stat("/etc/passwd")
        self.assertEqual((before.st_ino, before.st_size, before.st_mtime),
                         (after.st_ino, after.st_size, after.st_mtime))
        self.assertEqual(self.state("bad")[0], "incomplete")
        log = self.ledger_actions()
        self.assertIn("already absent", log)
        self.assertIn("refused", log)
        # dealt with: the symlink removed by the operator, run again
        os.unlink(art)
        r = self.at("retention", "run")
        self.assertEqual(r.rc, 0, r.out + r.err)
        self.assertEqual(self.state("bad")[0], "clean")
        # a clock that jumped backwards
        r = self.at("retention", "run", when=epoch("2031-01-05T00:00:00Z"))
        self.assertNotEqual(r.rc, 0)
        self.assertIn("earlier than the last retention run", r.err)
        self.assertIn("clock earlier", self.ledger_actions())


if __name__ == "__main__":
    unittest.main()
