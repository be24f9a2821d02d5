# SPDX-License-Identifier: Apache-2.0
"""test_serve_badinput.py -- azukari serve against bad input, one case
each: malformed HTTP, oversized headers (431) and bodies (413, page and
API), slow clients (a silent connection is closed after the connection
timeout; 20 slow connections do not block a normal request), forged and
replayed session ids (wrong length, wrong alphabet, the CSRF token as an
id, an id replayed after logout), a state change without a CSRF token,
path traversal in any path, HTML/SQL injection text in the fields; after
all of it the server still answers and the ledger verifies."""

import json
import socket
import ssl
import time
import unittest

import serve_client as S
import serve_plat_lib as P


class ServeBadInputTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = S.Server(env={"AZK_SERVE_SOURCE_FAILS": "1000", "AZK_SERVE_USER_FAILS": "1000"})
        cls.codes = S.Codes()
        cls.secret = cls.srv.enrol("admin", P.PW)
        cls.slowport = S.free_port()
        cls.slow = P.Extra(cls.srv, ["--connection-timeout", "2"], port=cls.slowport)

    @classmethod
    def tearDownClass(cls):
        cls.slow.stop()
        cls.srv.cleanup()

    def tls(self, port=None, timeout=10):
        ctx = ssl.create_default_context(cafile=self.srv.cafile)
        s = socket.create_connection(("127.0.0.1", port or self.srv.port), timeout=timeout)
        return ctx.wrap_socket(s, server_hostname="localhost")

    def exchange(self, data, port=None):
        t = self.tls(port)
        t.sendall(data)
        out = b""
        try:
            while True:
                c = t.recv(65536)
                if not c:
                    break
                out += c
                if b"\r\n\r\n" in out and b"Connection: close" not in out and len(out) > 0:
                    head, _, body = out.partition(b"\r\n\r\n")
                    n = [int(l.split(b":")[1]) for l in head.split(b"\r\n")
                         if l.lower().startswith(b"content-length:")]
                    if n and len(body) >= n[0]:
                        break
        except (socket.timeout, ConnectionResetError, ssl.SSLError):
            pass
        t.close()
        return out

    def alive(self):
        st, _, _ = P.raw(self.srv.port, self.srv.cafile, "GET", "/healthz")
        self.assertEqual(st, 200)

    def test_malformed_http(self):
        for req in (b"GARBAGE\r\n\r\n", b"GET\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n",
                    b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
                    b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n",
                    b"POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
                    b"\x00\x01\x02\xff\r\n\r\n"):
            out = self.exchange(req)
            if out:
                code = int(out.split(b" ")[1])
                self.assertTrue(400 <= code < 600, out[:100])
        self.alive()

    def test_oversized_headers_and_bodies(self):
        out = self.exchange(b"GET /login HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 70000 +
                            b"\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 431") or out.startswith(b"HTTP/1.1 413"),
                        out[:100])
        out = self.exchange(b"GET /login HTTP/1.1\r\nHost: x\r\nCookie: " +
                            b"; ".join(b"c%d=v" % i for i in range(9000)) + b"\r\n\r\n")
        self.assertTrue(out.startswith(b"HTTP/1.1 431") or out.startswith(b"HTTP/1.1 413"),
                        out[:100])
        # a form body over 16 KiB: 413 page; an API body: 413 JSON
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "POST", "/login",
                         body="user=" + "a" * 20000,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(st, 413, t)
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "POST", "/api/v1/logout",
                         body=json.dumps({"a": "b" * 20000}))
        P.api_error(self, st, h, t, 413, "too_large")
        self.alive()

    def test_slow_clients(self):
        # 20 connections that never finish their request (the per-source limit is 32)
        slow = []
        for i in range(20):
            t = self.tls(self.slowport)
            t.sendall(b"GET /login HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            slow.append(t)
        t0 = time.time()
        st, _, _ = P.raw(self.slowport, self.srv.cafile, "GET", "/healthz", timeout=10)
        took = time.time() - t0
        self.assertEqual(st, 200)
        print("\nnormal request beside 20 slow clients: %.3f s" % took)
        # a silent connection is closed by the server after --connection-timeout 2
        s = socket.create_connection(("127.0.0.1", self.slowport), timeout=15)
        t0 = time.time()
        try:
            while s.recv(100):  # a TLS alert, then the end
                pass
        except ConnectionResetError:
            pass
        self.assertLess(time.time() - t0, 12)
        s.close()
        for t in slow:
            try:
                t.settimeout(15)
                t.recv(10)  # closed by the server too
            except (OSError, ssl.SSLError):
                pass
            t.close()

    def test_forged_and_replayed_session_ids(self):
        c = P.login(self.srv, self.codes, "admin", self.secret)
        good = c.jar["__Host-azk"]
        csrf = json.loads(P.raw(self.srv.port, self.srv.cafile, "GET", "/api/v1/me",
                                jar=c.jar)[2])["csrf"]
        for forged in ("", "x", good[:-1], good + "0", good.upper(), good[:-1] + "g",
                       csrf, "0" * 64, "'; DROP TABLE sessions; --", "%00" * 32,
                       "0" * 64 + "; __Host-azk=" + good[:-1] + "0"):
            st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", "/api/v1/me",
                             jar={"__Host-azk": forged})
            self.assertEqual(st, 401, forged)
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", "/api/v1/me", jar=c.jar)
        self.assertEqual(st, 200)
        # a state change without the token: refused, the session stays
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "POST", "/logout", body="",
                         headers={"Content-Type": "application/x-www-form-urlencoded"},
                         jar=c.jar)
        self.assertEqual(st, 403)
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "POST", "/api/v1/logout", body={},
                         headers={"X-CSRF-Token": csrf}, jar=c.jar)
        self.assertEqual(st, 200)
        # replayed after logout
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", "/api/v1/me",
                         jar={"__Host-azk": good})
        self.assertEqual(st, 401)

    def test_path_traversal_and_injection(self):
        c = P.login(self.srv, self.codes, "admin", self.secret)
        for path in ("/static/../../../../etc/passwd", "/static/%2e%2e/%2e%2e/etc/passwd",
                     "/static/..%2f..%2fetc%2fpasswd", "/static/azukari.css/../../catalog.db",
                     "/../catalog.db", "/api/v1/../../azukari.conf", "//etc/passwd",
                     "/static/azukari.css%00.txt", "/datasets/../../keys/keystore.db"):
            out = self.exchange(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: x\r\nCookie: "
                                b"__Host-azk=" + c.jar["__Host-azk"].encode() + b"\r\n\r\n")
            code = int(out.split(b" ")[1])
            self.assertIn(code, (400, 404), path)
            self.assertNotIn(b"root:", out)
            self.assertNotIn(b"SQLite format", out)
        for q in ("client=%27%20OR%20%271%27=%271", "client=%3Cscript%3Ealert(1)%3C/script%3E",
                  "client=c1%22%3E%3Cimg%20src=x%3E"):
            st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", "/datasets?" + q,
                             jar=c.jar)
            self.assertNotIn("<script>alert", t)
            self.assertNotIn("<img src=x>", t)
            st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", "/api/v1/datasets?" + q,
                             jar=c.jar)
            P.api_error(self, st, h, t, 400, "bad_argument")
        # injection text as a login user name: refused, nothing logged in clear
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "POST", "/login",
                         body="user=%27%20OR%201%3D1--&password=x&code=1",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(st, 403)  # no pre-login token
        self.alive()
        r = self.srv.azk("audit", "verify")
        self.assertEqual(r.rc, 0, r.err + r.out)


if __name__ == "__main__":
    unittest.main()
