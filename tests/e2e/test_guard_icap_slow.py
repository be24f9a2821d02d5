# SPDX-License-Identifier: Apache-2.0
"""test_guard_icap_slow.py -- `azukari guard icap` under the slow-body
attack, on 127.0.0.1 only and bounded: eight clients trickle their
bodies one byte every half second into a service with two scanners.
A normal request (a roster upload that must be blocked, then a clean one
that must pass) is still answered while every slow client is connected:
slow bodies hold a reader thread and the encrypted spool, never a
scanner. Then the per-request deadline answers each slow client 408 and
closes it, although none of them was ever idle long enough for the read
timeout. Functional, not timed: the bounds are generous.
"""

import os
import socket
import subprocess
import threading
import time
import unittest

import azk_testlib as T
import guard_fixtures as G

SLOW = 8


def reqmod(body_head, allow204=True):
    http_hdr = b"POST http://upload.example/x HTTP/1.1\r\nHost: upload.example\r\n\r\n"
    return (b"REQMOD icap://127.0.0.1/guard ICAP/1.0\r\nHost: x\r\n"
            + (b"Allow: 204\r\n" if allow204 else b"")
            + b"Encapsulated: req-hdr=0, req-body=%d\r\n\r\n" % len(http_hdr) + http_hdr
            + body_head)


def read_answer(s, limit):
    """Read until the end of an ICAP answer head (or EOF); returns bytes."""
    s.settimeout(limit)
    out = b""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            b = s.recv(65536)
        except socket.timeout:
            break
        if not b:
            break
        out += b
        if b"0\r\n\r\n" in out or out.startswith(b"ICAP/1.0 204"):
            break
    return out


class SlowClient(threading.Thread):
    """Sends a REQMOD head and a 4096-byte chunk one byte at a time."""

    def __init__(self, port, stop):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.stop = stop
        self.sent = 0
        self.answer = b""
        self.closed_at = None

    def run(self):
        s = self.sock
        try:
            s.sendall(reqmod(b"1000\r\n"))
            while not self.stop.is_set() and self.sent < 4096:
                s.sendall(b"a")
                self.sent += 1
                s.settimeout(0.5)
                try:
                    b = s.recv(4096)
                    if not b:
                        break
                    self.answer += b
                except socket.timeout:
                    pass
        except OSError:
            pass
        self.closed_at = time.monotonic()

    def still_open(self):
        return self.closed_at is None and self.answer == b""


class GuardIcapSlow(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bin = T.azk_bin()
        cls.tmpd = T.TempDir("azk-guard-slow-")
        cls.tmp = cls.tmpd.path
        cls.roster = os.path.join(cls.tmp, "roster.csv")
        cls.rows = G.gen_roster(cls.roster)
        with open(cls.roster, "rb") as f:
            cls.roster_bytes = f.read()
        cls.log = open(os.path.join(cls.tmp, "icap.log"), "wb")
        cls.icap = subprocess.Popen(
            [cls.bin, "--home", os.path.join(cls.tmp, "nohome"), "guard", "icap", "--listen",
             "127.0.0.1:0", "--threads", "2", "--timeout", "60", "--request-timeout", "8",
             "--spool", cls.tmp, "--no-ledger", "--config", os.path.join(cls.tmp, "none.conf")],
            stdout=subprocess.PIPE, stderr=cls.log)
        line = cls.icap.stdout.readline().decode()
        assert "listening on icap://127.0.0.1:" in line, line
        cls.port = int(line.rsplit(":", 1)[1].split("/")[0])

    @classmethod
    def tearDownClass(cls):
        cls.icap.terminate()
        try:
            cls.icap.wait(10)
        except subprocess.TimeoutExpired:
            cls.icap.kill()
            cls.icap.wait()
        cls.log.close()
        cls.tmpd.__exit__(None, None, None)

    def normal(self, body):
        s = socket.create_connection(("127.0.0.1", self.port), timeout=60)
        s.sendall(reqmod(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)))
        out = read_answer(s, 60)
        s.close()
        return out

    def test_normal_request_answered_while_slow_bodies_trickle(self):
        stop = threading.Event()
        slow = [SlowClient(self.port, stop) for _ in range(SLOW)]
        for c in slow:
            c.start()
        try:
            time.sleep(2)  # every slow client has its head in and is trickling
            self.assertTrue(all(c.still_open() for c in slow))
            out = self.normal(self.roster_bytes)
            self.assertIn(b"HTTP/1.1 403 Forbidden", out)
            out = self.normal((G.CLEAN_LINE * 20).encode())
            self.assertTrue(out.startswith(b"ICAP/1.0 204"), out[:80])
            # answered while the slow clients were still connected and trickling
            self.assertTrue(all(c.still_open() for c in slow),
                            [(c.closed_at, c.answer[:40]) for c in slow])
            # the request deadline (8 s) ends every slow request with 408, although
            # none was ever idle for the 60 s read timeout (a trickle lasts 34 minutes)
            for c in slow:
                c.join(50)
                self.assertFalse(c.is_alive())
                self.assertTrue(c.answer.startswith(b"ICAP/1.0 408"), c.answer[:80])
                self.assertLess(c.sent, 4096)
        finally:
            stop.set()
            for c in slow:
                c.sock.close()
        self.assertTrue(self.normal(b"hello\n").startswith(b"ICAP/1.0 204"))


if __name__ == "__main__":
    unittest.main()
