# SPDX-License-Identifier: Apache-2.0
"""test_guard_bounds.py -- bounded resources against hostile input, end to
end: an xlsx whose shared-strings table holds tens of millions of empty
strings (a table of offsets, not of text) gets a clear "limit" error in
`scan`, `guard check` (blocked), `intake`, `link` and uploads through
`guard icap` (blocked, the service stays up), each with a peak RSS well
under 256 MB (the per-worker bound of docs/guard.md). Before the fix
the offset table was not counted: 1.16 GB for 130M strings, and the guard
let the file pass.
"""

import json
import os
import socket
import subprocess
import unittest

import azk_testlib as T
import guard_fixtures as G

RSS_BOUND_KB = 256 * 1024


def rss_bound_kb(binary):
    """256 MB; under AddressSanitizer (its shadow memory and a quarantine of
    up to 256 MB of freed blocks) 1 GiB, which still fails the unbounded
    offset table (1.16 GB per object before the fix)."""
    try:
        out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    except OSError:
        out = ""
    return 1024 * 1024 if "libasan" in out else RSS_BOUND_KB


class GuardBounds(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bin = T.azk_bin()
        cls.bound_kb = rss_bound_kb(cls.bin)
        cls.tmpd = T.TempDir("azk-guard-bounds-")
        cls.tmp = cls.tmpd.path
        cls.xlsx = os.path.join(cls.tmp, "hostile.xlsx")
        G.write_hostile_xlsx(cls.xlsx, strings=60_000_000)
        cls.home = os.path.join(cls.tmp, "home")
        for argv in ([cls.bin, "--home", cls.home, "init"],
                     [cls.bin, "--home", cls.home, "client", "add", "c1"]):
            r = T.run(argv)
            assert r.rc == 0, r.err

    @classmethod
    def tearDownClass(cls):
        cls.tmpd.__exit__(None, None, None)

    def bounded(self, argv):
        r = T.run(argv, timeout=600)
        self.assertFalse(r.timed_out)
        self.assertLess(r.maxrss_kb, self.bound_kb, "%s: peak RSS %d KiB" % (argv, r.maxrss_kb))
        return r

    def test_scan_reports_limit(self):
        for jobs in ("1", "2"):
            r = self.bounded([self.bin, "scan", "-j", jobs, "--format", "jsonl", self.xlsx])
            self.assertEqual(r.rc, 2, r.err)
            rec = json.loads(r.out.splitlines()[0])
            self.assertEqual(rec["error"]["code"], "limit", rec)
            self.assertIn("shared strings", rec["error"]["message"])

    def test_guard_check_blocks(self):
        r = self.bounded([self.bin, "--home", os.path.join(self.tmp, "nohome"), "guard", "check",
                          "--format", "jsonl", self.xlsx])
        self.assertEqual(r.rc, 1, r.out + r.err)
        rec = json.loads(r.out.splitlines()[0])
        self.assertEqual(rec["decision"], "block")
        self.assertIn("limit", rec["reasons"])

    def test_intake_and_link_refuse(self):
        r = self.bounded([self.bin, "--home", self.home, "intake", "--client", "c1", "--dataset",
                          "d1", "--purpose", "x", "--retain-until", "2030-01-01", self.xlsx])
        self.assertNotEqual(r.rc, 0)
        self.assertIn("shared strings", r.err)
        r = self.bounded([self.bin, "link", self.xlsx])
        self.assertNotEqual(r.rc, 0)
        self.assertIn("shared strings", r.err)

    def test_icap_upload_blocked_and_bounded(self):
        log = open(os.path.join(self.tmp, "icap.log"), "wb")
        p = subprocess.Popen([self.bin, "--home", self.home, "guard", "icap", "--listen",
                              "127.0.0.1:0", "--threads", "1", "--no-ledger", "--config",
                              os.path.join(self.tmp, "none.conf"), "--spool", self.tmp],
                             stdout=subprocess.PIPE, stderr=log)
        try:
            port = int(p.stdout.readline().decode().rsplit(":", 1)[1].split("/")[0])
            with open(self.xlsx, "rb") as f:
                body = f.read()
            hdr = b"POST http://upload.example/x HTTP/1.1\r\nHost: upload.example\r\n\r\n"
            for _ in range(2):
                s = socket.create_connection(("127.0.0.1", port), timeout=300)
                s.sendall(b"REQMOD icap://127.0.0.1/guard ICAP/1.0\r\nHost: x\r\nAllow: 204\r\n"
                          b"Encapsulated: req-hdr=0, req-body=%d\r\n\r\n" % len(hdr) + hdr
                          + b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body))
                out = b""
                while b"0\r\n\r\n" not in out and not out.startswith(b"ICAP/1.0 204"):
                    b = s.recv(65536)
                    if not b:
                        break
                    out += b
                s.close()
                self.assertIn(b"HTTP/1.1 403 Forbidden", out)
            with open("/proc/%d/status" % p.pid) as f:
                hwm = [int(ln.split()[1]) for ln in f if ln.startswith("VmHWM:")][0]
            self.assertLess(hwm, self.bound_kb, "icap peak RSS %d KiB" % hwm)
            self.assertIsNone(p.poll())  # still up
        finally:
            p.terminate()
            p.wait(10)
            log.close()


if __name__ == "__main__":
    unittest.main()
