# SPDX-License-Identifier: Apache-2.0
"""test_scan_badinput.py -- `azukari scan` on hostile and broken input
(DESIGN.md: "bad input gets a clear error for that object, and the run goes
on"): truncated and corrupt zips, a zip bomb, zip-in-zip nesting 20 deep,
an encrypted zip, invalid CP932, NUL bytes, a 300 MB line, a FIFO, paths
without permission (run as nobody through setpriv), a directory loop
through a bind mount (private mount namespace, unshare -m), symlink loops
and a file that grows while it is read.

Every case scans a directory holding the bad object and a control file
with synthetic personal data, and checks: the run ends in time; the
control file is still scanned and found; the exit status is what the
contract implies for the records printed; where the case calls for it, the
bad object carries {"error": {"code", "message"}}; no raw value appears in
any output. Bad inputs come from tools/gen_badinput.py (stdlib only).
"""

import os
import shutil
import stat
import subprocess
import sys
import threading
import time
import unittest

import azk_testlib as T

sys.path.insert(0, os.path.join(T.srcdir(), "tools"))
import gen_badinput as B  # noqa: E402

CONTROL_EMAIL = "ctl.kanri77@example.jp"
CONTROL_PHONE = "090-2718-2818"
CONTROL_TEXT = ("2024-03-01 09:00:00 INFO 送信先=%s\n"
                "2024-03-01 09:00:01 INFO 連絡先 TEL:%s\n" % (CONTROL_EMAIL, CONTROL_PHONE))
RAW = [CONTROL_EMAIL, CONTROL_PHONE, "09027182818", "ctl.kanri77", "secret.person@example.jp"]
RSS_LIMIT_MIB = 512


class BadInputTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.bin = T.azk_bin()

    # ---- helpers -------------------------------------------------------------
    def make_root(self, d):
        root = os.path.join(d, "share")
        os.makedirs(root)
        with open(os.path.join(root, "control.log"), "w", encoding="utf-8") as f:
            f.write(CONTROL_TEXT)
        return root

    def check_run(self, res, recs, root, bad, expect_error, control_count=1, args_note=""):
        """Common checks; bad: path of the bad object relative to root."""
        where = "%s%s\n%s\nstderr: %s" % (bad, args_note, T.describe(recs, root), res.err[-1500:])
        self.assertFalse(res.timed_out, "scan did not finish: " + where)
        self.assertNotIn(res.rc, (-6, -11, 134, 139), "scan crashed: " + where)
        self.assertEqual(res.rc, T.contract_exit(recs), "exit status vs records: " + where)
        ctl = [r for r in recs if T.rel_path(r["path"], root) == "control.log"]
        self.assertEqual(len(ctl), control_count, "control file records: " + where)
        for r in ctl:
            types = {f["type"] for f in r["findings"]}
            self.assertTrue({"email", "phone"} <= types, "control file not fully found: " + where)
        bad_recs = [r for r in recs if T.rel_path(r["path"], root) == bad
                    or T.rel_path(r["path"], root).startswith(bad + "/")]
        errs = [r["error"] for r in bad_recs if r.get("error")]
        if expect_error:
            self.assertTrue(errs, "no error record for the bad object: " + where)
        for e in errs:
            self.assertIsInstance(e.get("code"), str, where)
            self.assertTrue(e.get("code"), where)
            self.assertIsInstance(e.get("message"), str, where)
            self.assertTrue(e.get("message"), where)
        for v in RAW:
            self.assertNotIn(v, res.out, "raw value in stdout")
            self.assertNotIn(v, res.err, "raw value in stderr")
        self.assertLess(res.maxrss_kb // 1024, RSS_LIMIT_MIB, "peak RSS: " + where)
        return bad_recs

    def alone_exit(self, d, name, build):
        """The bad object alone (no personal data readable): exit 2."""
        root = os.path.join(d, "alone")
        os.makedirs(root)
        build(os.path.join(root, name))
        res, recs = T.scan([root], timeout=300)
        self.assertFalse(res.timed_out)
        self.assertEqual(res.rc, 2, "only an unreadable object: exit 2\n" + T.describe(recs, root))

    def simple_case(self, name, build, expect_error, timeout=300, alone=False, args=()):
        with T.TempDir() as d:
            root = self.make_root(d)
            build(os.path.join(root, name))
            res, recs = T.scan(list(args) + [root], timeout=timeout)
            bad = self.check_run(res, recs, root, name, expect_error)
            if alone:
                self.alone_exit(d, name, build)
            return res, bad

    # ---- containers -------------------------------------------------------------
    def test_badinput__truncated_zip(self):
        self.simple_case("truncated.zip", B.truncated_zip, True, alone=True)

    def test_badinput__corrupt_zip(self):
        self.simple_case("corrupt.zip", B.corrupt_zip, True, alone=True)

    def test_badinput__zip_bomb(self):
        res, bad = self.simple_case("bomb.zip", B.zip_bomb, True, timeout=300, alone=True)
        # the default ratio limit (200) stops it long before 1 GiB
        self.assertLess(res.seconds, 120, "zip bomb took %.1f s" % res.seconds)

    def test_badinput__nested_zip_20_deep(self):
        def build(p):
            B.nested_zip(p, 20, ("deep.txt", b"mail=secret.person@example.jp\n"))
        _, bad = self.simple_case("nested.zip", build, True, alone=True)
        depth = max(len(r.get("member") or []) for r in bad)
        self.assertLessEqual(depth, 9, "nesting limit (default 8) not applied")

    def test_badinput__encrypted_zip(self):
        def build(p):
            B.encrypted_zip(p, [("list.csv", "氏名,メール\n山田 太郎,secret.person@example.jp\n"
                                 .encode("cp932"))])
        _, bad = self.simple_case("encrypted.zip", build, True, alone=True)
        self.assertFalse(any(r["findings"] for r in bad), "found data inside an encrypted zip?")

    # ---- text --------------------------------------------------------------------
    def test_badinput__invalid_cp932(self):
        self.simple_case("invalid.txt", B.invalid_cp932, False)

    def test_badinput__nul_bytes(self):
        self.simple_case("nul.log", B.nul_bytes, False)

    def test_badinput__long_line_300mb(self):
        def build(p):
            B.long_line(p, 300 << 20, b" mail=secret.person@example.jp\n")
        res, bad = self.simple_case("long.log", build, False, timeout=400)
        self.assertTrue(bad, "no record for the long-line file")

    # ---- walk --------------------------------------------------------------------
    def test_badinput__fifo_skipped(self):
        with T.TempDir() as d:
            root = self.make_root(d)
            os.mkfifo(os.path.join(root, "pipe"))
            res, recs = T.scan([root], timeout=60)  # a reader would block forever
            self.check_run(res, recs, root, "pipe", False)

    def test_badinput__symlink_loops(self):
        with T.TempDir() as d:
            root = self.make_root(d)
            os.symlink("b", os.path.join(root, "a"))
            os.symlink("a", os.path.join(root, "b"))
            os.makedirs(os.path.join(root, "sub"))
            os.symlink("..", os.path.join(root, "sub", "up"))
            for args in ([], ["--follow"]):
                res, recs = T.scan(args + [root], timeout=60)
                self.check_run(res, recs, root, "a", False, args_note=" args=%s" % args)

    def test_badinput__bind_mount_loop(self):
        if os.geteuid() != 0 or not shutil.which("unshare"):
            self.skipTest("needs root and unshare(1) for a private mount namespace")
        probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
        if probe.returncode != 0:
            self.skipTest("unshare -m not permitted here")
        with T.TempDir() as d:
            root = self.make_root(d)
            loop = os.path.join(root, "sub", "loop")
            os.makedirs(loop)
            wrapper = ["unshare", "-m", "sh", "-c",
                       'mount --make-rprivate / 2>/dev/null; mount --bind "$0" "$1" && shift && '
                       'exec "$@"', root, loop]
            res, recs = T.scan([root], timeout=120, wrapper=wrapper)
            if res.rc == 32 or "mount:" in res.err:
                self.skipTest("bind mount not permitted: " + res.err[-200:])
            # loop detected: the control file is reported once, not again via sub/loop
            self.check_run(res, recs, root, "sub/loop", False)

    def test_badinput__permission_denied(self):
        if os.geteuid() != 0:
            nobody = []  # already unprivileged: chmod 000 is enough
        else:
            if not shutil.which("setpriv"):
                self.skipTest("running as root and setpriv(1) is missing: root reads mode 000")
            nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]
            probe = subprocess.run(nobody + [self.bin, "version"], capture_output=True)
            if probe.returncode != 0:
                self.skipTest("the binary is not executable as nobody (%s)" %
                              probe.stderr.decode(errors="replace")[-200:])
        with T.TempDir() as d:
            os.chmod(d, 0o755)
            root = self.make_root(d)
            os.chmod(os.path.join(root, "control.log"), 0o644)
            locked = os.path.join(root, "locked.log")
            with open(locked, "w", encoding="utf-8") as f:
                f.write("mail=secret.person@example.jp\n")
            os.chmod(locked, 0)
            ldir = os.path.join(root, "lockeddir")
            os.makedirs(ldir)
            with open(os.path.join(ldir, "x.log"), "w", encoding="utf-8") as f:
                f.write("mail=secret.person@example.jp\n")
            os.chmod(ldir, 0)
            env = dict(os.environ, HOME=d)
            res, recs = T.scan([root], timeout=60, wrapper=nobody, env=env, cwd=d)
            self.check_run(res, recs, root, "locked.log", True)
            dir_errs = [r for r in recs if T.rel_path(r["path"], root).startswith("lockeddir")
                        and r.get("error")]
            self.assertTrue(dir_errs, "no error for the unreadable directory\n" +
                            T.describe(recs, root))
            os.chmod(ldir, 0o755)

    def test_badinput__file_grows_while_read(self):
        with T.TempDir() as d:
            root = self.make_root(d)
            path = os.path.join(root, "growing.log")
            line = ("2024-03-01 09:00:00 INFO 印刷ジョブ 処理中 " + "x" * 200 + "\n").encode()
            with open(path, "wb") as f:
                f.write(line * 20000)
            stop = threading.Event()

            def grow():
                deadline = time.monotonic() + 90
                with open(path, "ab") as f:
                    while not stop.is_set() and time.monotonic() < deadline:
                        f.write(line * 200)
                        f.flush()
                        time.sleep(0.005)
            t = threading.Thread(target=grow)
            t.start()
            try:
                res, recs = T.scan([root], timeout=80)  # must not chase the writer
            finally:
                stop.set()
                t.join()
            self.check_run(res, recs, root, "growing.log", False)


def _read(path):
    with open(path, "rb") as f:
        return f.read()


class BadInputFilesTest(unittest.TestCase):
    """The generators make what they claim (no scanner needed)."""

    def test_badinput__generators(self):
        import zipfile
        import zlib
        with T.TempDir() as d:
            p = os.path.join(d, "bomb.zip")
            B.zip_bomb(p, 64 << 20)
            with zipfile.ZipFile(p) as z:
                zi = z.infolist()[0]
                self.assertEqual(zi.file_size, 64 << 20)
                self.assertGreater(zi.file_size / zi.compress_size, 500)
                crc = 0
                with z.open(zi) as f:
                    for b in iter(lambda: f.read(1 << 20), b""):
                        crc = zlib.crc32(b, crc)
                self.assertEqual(crc, zi.CRC)
            p = os.path.join(d, "enc.zip")
            B.encrypted_zip(p, [("a.txt", b"hello\n")])
            with zipfile.ZipFile(p) as z:
                self.assertTrue(z.infolist()[0].flag_bits & 1)
                with self.assertRaises(RuntimeError):
                    z.read("a.txt")
            p = os.path.join(d, "corrupt.zip")
            B.corrupt_zip(p)
            with zipfile.ZipFile(p) as z, self.assertRaises(zlib.error):
                z.read(z.namelist()[1])
            p = os.path.join(d, "trunc.zip")
            B.truncated_zip(p)
            with self.assertRaises(zipfile.BadZipFile):
                zipfile.ZipFile(p)
            p = os.path.join(d, "nested.zip")
            B.nested_zip(p, 20, ("deep.txt", b"x\n"))
            data, depth = _read(p), 0
            import io
            while True:
                with zipfile.ZipFile(io.BytesIO(data)) as z:
                    depth += 1
                    n = z.namelist()[0]
                    data = z.read(n)
                    if not n.endswith(".zip"):
                        break
            self.assertEqual(depth, 20)
            p = os.path.join(d, "inv.txt")
            B.invalid_cp932(p)
            with self.assertRaises(UnicodeDecodeError):
                _read(p).decode("cp932")
            p = os.path.join(d, "long.log")
            B.long_line(p, 3 << 20, b"\n")
            self.assertEqual(os.path.getsize(p), (3 << 20) + 1)
            self.assertEqual(_read(p).count(b"\n"), 1)
            self.assertFalse(stat.S_ISFIFO(os.stat(p).st_mode))


if __name__ == "__main__":
    unittest.main()
