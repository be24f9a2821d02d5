# SPDX-License-Identifier: Apache-2.0
"""test_guard_watch.py -- `azukari guard watch` end to end: the transfer
folder between zones.

Checked: clean files are moved to the release folder (subfolders kept),
files with entrusted records / personal data are encrypted into the vault
(no personal value readable in any vault file) and removed from the outbox
with a notice that names no value; the ledger has every quarantine and
release; a release is requested and approved by two enrolled people who
pass TOTP (an OS user alone, or the requester, is refused); files
written under a temporary name and renamed, or held open while written, are
judged only when complete; folders made after the start are watched; an
inotify queue overflow is followed by a full rescan (files whose events were
lost are still released); when the vault cannot be written the file is
kept back, never released, and quarantined once it can; a daemon killed
mid-run and restarted loses no file and releases none twice.
"""

import base64
import hashlib
import hmac
import json
import os
import signal
import struct
import subprocess
import time
import unittest

import azk_testlib as T
import guard_fixtures as G


def totp(b32, t):
    """RFC 6238 code (30 s, 6 digits, SHA-1) of base32 secret b32 at time t."""
    key = base64.b32decode(b32 + "=" * (-len(b32) % 8))
    mac = hmac.new(key, struct.pack(">Q", int(t // 30)), hashlib.sha1).digest()
    off = mac[-1] & 0x0F
    return "%06d" % ((struct.unpack(">I", mac[off:off + 4])[0] & 0x7FFFFFFF) % 1000000)


def wait_for(pred, timeout=60.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if pred():
            return True
        time.sleep(0.2)
    return pred()


def watching(pid):
    """True once process pid has an inotify watch (its outbox is watched)."""
    d = "/proc/%d/fdinfo" % pid
    try:
        for fd in os.listdir(d):
            with open(os.path.join(d, fd)) as f:
                if "inotify wd:" in f.read():
                    return True
    except OSError:
        pass
    return False


def files_under(d):
    out = []
    for root, dirs, files in os.walk(d):
        dirs[:] = [x for x in dirs if x != ".azk-guard"]
        for f in files:
            out.append(os.path.relpath(os.path.join(root, f), d))
    return sorted(out)


class GuardWatch(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bin = T.azk_bin()
        cls.tmpd = T.TempDir("azk-guard-watch-")
        cls.tmp = cls.tmpd.path
        cls.roster = os.path.join(cls.tmp, "roster.csv")
        cls.rows = G.gen_roster(cls.roster)
        with open(cls.roster, "rb") as f:
            cls.roster_bytes = f.read()
        cls.home, fp = G.make_home(cls.tmp, cls.roster)  # raises if a command breaks
        conf = {"guard": {"fingerprints": fp}}
        T.write_conf(cls.home, conf)
        cls.n = 0

    @classmethod
    def tearDownClass(cls):
        cls.tmpd.__exit__(None, None, None)

    def dirs(self):
        GuardWatch.n += 1
        base = os.path.join(self.tmp, "w%d" % GuardWatch.n)
        d = [os.path.join(base, x) for x in ("outbox", "release", "quarantine")]
        for x in d:
            os.makedirs(x)
        return d

    def azk(self, *args):
        return T.run([self.bin, "--home", self.home, "guard"] + list(args))

    def old(self, path):
        t = time.time() - 10
        os.utime(path, (t, t))

    def test_once_release_and_quarantine(self):
        ob, rel, q = self.dirs()
        os.makedirs(os.path.join(ob, "sub"))
        with open(os.path.join(ob, "note.txt"), "w") as f:
            f.write(G.CLEAN_LINE * 20)
        with open(os.path.join(ob, "sub", "list.csv"), "wb") as f:
            f.write(self.roster_bytes)
        with open(os.path.join(ob, "sub", ".half.part"), "w") as f:
            f.write("being written")
        for p in ("note.txt", "sub/list.csv", "sub/.half.part"):
            self.old(os.path.join(ob, p))
        r = self.azk("watch", ob, "--release", rel, "--quarantine", q, "--once")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(files_under(rel), ["note.txt"])
        self.assertEqual(files_under(ob), ["sub/.half.part"])  # temporary names wait
        notices = files_under(q)
        self.assertEqual(len(notices), 1)
        with open(os.path.join(q, notices[0]), encoding="utf-8") as f:
            notice = f.read()
        qid = json.loads(notice)["id"]
        self.assertEqual(json.loads(notice)["decision"]["decision"], "block")
        # nothing personal in the notice, the journal listing, the log, or any vault file
        vault = b""
        vdir = os.path.join(self.home, "vault")
        for name in os.listdir(vdir):
            with open(os.path.join(vdir, name), "rb") as f:
                vault += f.read()
        lst = self.azk("list")
        for v in G.values(self.rows):
            self.assertNotIn(v, notice + r.out + r.err + lst.out)
            self.assertNotIn(v.encode(), vault)
        self.assertIn(qid + "\tquarantined\tsub/list.csv", lst.out)
        # two-person rule: no approval without a request, none by the requester; both
        # people are enrolled users who pass TOTP, as in retention (OS accounts are not)
        self.assertEqual(self.azk("approve", qid).rc, 1)
        self.assertEqual(self.azk("request", qid).rc, 64)  # --reason is required
        r = self.azk("request", qid, "--reason", "the client asked for the list back")
        self.assertEqual(r.rc, 1, r.out)
        self.assertIn("enrolled user authenticated with TOTP", r.err)
        sec = {}
        for name in ("alice", "bob"):
            r = T.run([self.bin, "--home", self.home, "user", "add", name])
            self.assertEqual(r.rc, 0, r.err)
            sec[name] = r.out.strip()
        r = self.azk("request", qid, "--reason", "the client asked for the list back",
                     "--user", "alice", "--totp", totp(sec["alice"], time.time()))
        self.assertEqual(r.rc, 0, r.err)
        r = self.azk("approve", qid)  # the OS user, no code
        self.assertEqual(r.rc, 1)
        self.assertIn("enrolled user authenticated with TOTP", r.err)
        r = self.azk("approve", qid, "--user", "alice", "--totp",
                     totp(sec["alice"], time.time() + 30))
        self.assertEqual(r.rc, 1)
        self.assertIn("different person", r.err)
        self.assertEqual(files_under(rel), ["note.txt"])
        self.assertEqual(self.azk("approve", "Q-nosuchitem").rc, 1)
        log = T.run([self.bin, "--home", self.home, "audit", "log", "--format", "json"])
        for action in ("guard.quarantine", "guard.release", "guard.request"):
            self.assertIn(action, log.out)
        approvals = [json.loads(x) for x in log.out.splitlines() if '"guard.approve"' in x]
        self.assertEqual([a["outcome"] for a in approvals], ["refused", "refused"])
        r = self.azk("approve", qid, "--user", "bob", "--totp", totp(sec["bob"], time.time()))
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(sorted(files_under(rel)), ["note.txt", "sub/list.csv"])
        with open(os.path.join(rel, "sub", "list.csv"), "rb") as f:
            self.assertEqual(f.read(), self.roster_bytes)

    def start(self, ob, rel, q):
        errf = open(os.path.join(os.path.dirname(ob), "watch.log"), "ab")
        p = subprocess.Popen([self.bin, "--home", self.home, "guard", "watch", ob,
                              "--release", rel, "--quarantine", q, "--settle", "1"],
                             stdout=subprocess.DEVNULL, stderr=errf)
        errf.close()
        # ready when its outbox is watched: a fixed sleep was too short under
        # ASan on a loaded machine (the overflow test then saw no overflow)
        wait_for(lambda: p.poll() is not None or watching(p.pid), 120)
        return p

    def stop(self, p):
        p.send_signal(signal.SIGTERM)
        self.assertEqual(p.wait(timeout=30), 0)

    def test_daemon_complete_files_only(self):
        ob, rel, q = self.dirs()
        p = self.start(ob, rel, q)
        try:
            full = (G.CLEAN_LINE * 2000).encode()
            # write-then-rename
            tmp = os.path.join(ob, ".report.txt.part")
            with open(tmp, "wb") as f:
                f.write(full[: len(full) // 2])
                f.flush()
                time.sleep(2.5)
                f.write(full[len(full) // 2:])
            os.rename(tmp, os.path.join(ob, "report.txt"))
            # written slowly under its final name, held open
            with open(os.path.join(ob, "slow.txt"), "wb") as f:
                f.write(full[:1000])
                f.flush()
                time.sleep(3.0)
                self.assertNotIn("slow.txt", files_under(rel))
                f.write(full[1000:])
            # a folder made after the start
            os.makedirs(os.path.join(ob, "later", "deeper"))
            with open(os.path.join(ob, "later", "deeper", "x.txt"), "wb") as f:
                f.write(full)
            with open(os.path.join(ob, "later", "list.csv"), "wb") as f:
                f.write(self.roster_bytes)
            want = ["later/deeper/x.txt", "report.txt", "slow.txt"]
            self.assertTrue(wait_for(lambda: files_under(rel) == want and
                                     len(files_under(q)) == 1), (files_under(rel), files_under(q)))
            for name in want:
                with open(os.path.join(rel, name), "rb") as f:
                    self.assertEqual(f.read(), full, name)
            self.assertEqual(files_under(ob), [])
        finally:
            self.stop(p)

    def test_queue_overflow_rescans(self):
        ob, rel, q = self.dirs()
        p = self.start(ob, rel, q)
        log = os.path.join(os.path.dirname(ob), "watch.log")
        try:
            # a stalled watcher (stopped, as if busy) while more events arrive than the
            # kernel queues (16384 by default): temporary names (never judged, cheap to
            # skip) fill the queue, and the events of the files made after it
            # overflowed are lost
            try:
                with open("/proc/sys/fs/inotify/max_queued_events") as f:
                    limit = int(f.read())
            except OSError:
                limit = 16384
            if limit > 200000:
                self.skipTest("inotify queue limit too large to overflow in a test")
            p.send_signal(signal.SIGSTOP)
            paths = [os.path.join(ob, ".h%06d.part" % i) for i in range(limit // 2 + 200)]
            for k in range(0, len(paths), 5000):  # two events per file: create, close
                subprocess.run(["touch"] + paths[k:k + 5000], check=True)
            names = ["v%02d.txt" % i for i in range(20)]
            for n in names:
                with open(os.path.join(ob, n), "w") as f:
                    f.write(G.CLEAN_LINE)
            p.send_signal(signal.SIGCONT)
            want = names
            self.assertTrue(wait_for(lambda: files_under(rel) == want, 240), files_under(rel))
            with open(log, encoding="utf-8") as f:
                self.assertIn("inotify queue overflow: full rescan", f.read())
        finally:
            self.stop(p)

    def test_vault_failure_releases_nothing(self):
        # the vault cannot be written (as with a full disk): the file that must be
        # quarantined stays in the private folder, is never released, and is
        # quarantined once the vault works again
        ob, rel, q = self.dirs()
        vault = os.path.join(self.home, "vault")
        os.rename(vault, vault + ".away")
        with open(vault, "w") as f:
            f.write("not a folder")
        p = self.start(ob, rel, q)
        log = os.path.join(os.path.dirname(ob), "watch.log")
        try:
            with open(os.path.join(ob, "list.csv"), "wb") as f:
                f.write(self.roster_bytes)
            with open(os.path.join(ob, "note.txt"), "w") as f:
                f.write(G.CLEAN_LINE)
            self.assertTrue(wait_for(lambda: files_under(rel) == ["note.txt"], 30))
            def logged():
                with open(log, encoding="utf-8") as f:
                    return "cannot quarantine" in f.read()
            self.assertTrue(wait_for(logged, 30))
            time.sleep(1)
            self.assertEqual(files_under(rel), ["note.txt"])
            self.assertEqual(files_under(q), [])
            self.assertEqual(len(os.listdir(os.path.join(ob, ".azk-guard"))), 1)
        finally:
            os.unlink(vault)
            os.rename(vault + ".away", vault)
        try:
            self.assertTrue(wait_for(lambda: len(files_under(q)) == 1, 30))
            self.assertEqual(files_under(rel), ["note.txt"])
            self.assertEqual(os.listdir(os.path.join(ob, ".azk-guard")), [])
        finally:
            self.stop(p)

    def test_restart_loses_nothing_releases_once(self):
        ob, rel, q = self.dirs()
        names = ["f%03d.txt" % i for i in range(120)]
        for i, n in enumerate(names):
            with open(os.path.join(ob, n), "w") as f:
                f.write("%s %d\n" % (G.CLEAN_LINE.strip(), i))
            self.old(os.path.join(ob, n))
        with open(os.path.join(ob, "list.csv"), "wb") as f:
            f.write(self.roster_bytes)
        self.old(os.path.join(ob, "list.csv"))
        # kill -9 twice in the middle of the work, then finish with --once
        for delay in (1.5, 1.0):
            p = subprocess.Popen([self.bin, "--home", self.home, "guard", "watch", ob,
                                  "--release", rel, "--quarantine", q, "--settle", "0"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(delay)
            p.kill()
            p.wait()
        r = self.azk("watch", ob, "--release", rel, "--quarantine", q, "--once", "--settle", "0")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(files_under(rel), names)  # each exactly once, no renamed duplicates
        for i, n in enumerate(names):
            with open(os.path.join(rel, n)) as f:
                self.assertEqual(f.read(), "%s %d\n" % (G.CLEAN_LINE.strip(), i))
        self.assertEqual(files_under(ob), [])
        self.assertEqual(os.listdir(os.path.join(ob, ".azk-guard")), [])
        self.assertEqual(len(files_under(q)), 1)
        lst = self.azk("list")
        self.assertEqual(lst.out.count("\tclaimed\t"), 0)
        self.assertEqual(lst.out.count("\treleasing\t"), 0)


if __name__ == "__main__":
    unittest.main()
