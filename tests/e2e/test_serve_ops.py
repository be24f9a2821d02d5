# SPDX-License-Identifier: Apache-2.0
"""test_serve_ops.py -- azukari serve in operation: two serve processes on
one home share rate limits (429 with Retry-After, counted in the catalog)
and the login CSRF key (a login form of one process posted to the other);
the "serve" section of azukari.conf read again on SIGHUP; SIGHUP reloads
the certificate without closing the listener (new connections see the new
certificate; a bad one keeps the old); SIGTERM during a slow request lets
it finish; sd_notify READY/RELOADING/STOPPING; the plain-HTTP listener
that only redirects; IPv6; the session idle timeout as an option; SIGHUP
reloads the agents' listener's certificate too (--agent-port)."""

import hashlib
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest

import agent_testlib as A
import serve_client as S
import serve_plat_lib as P
import serve_ui_fixtures as F


RELOADED = "再読み込みしました"  # "reloaded" (AZUKARI_LANG=ja)


def cert_fingerprint(port, host="127.0.0.1"):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam) as s:
        s.settimeout(10)
        s.connect((host, port))
        with ctx.wrap_socket(s, server_hostname="localhost") as t:
            return hashlib.sha256(t.getpeercert(binary_form=True)).hexdigest()


def make_cert(d, name):
    c, k = os.path.join(d, name + ".pem"), os.path.join(d, name + ".key")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:P-256", "-nodes", "-keyout", k, "-out", c, "-days", "2",
                        "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return c, k


def wait_for(pred, timeout=20):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.05)
    return False


def set_serve_conf(srv, section):
    conf = os.path.join(srv.home, "azukari.conf")
    doc = {}
    if os.path.exists(conf):
        with open(conf) as f:
            doc = json.load(f)
    doc["serve"] = section
    with open(conf, "w") as f:
        json.dump(doc, f)


class ServeOpsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = S.Server(env={"AZK_SERVE_SOURCE_FAILS": "100"})
        cls.codes = S.Codes()
        cls.secret = cls.srv.enrol("admin", P.PW)
        # carol: an operator only the rate-limit test uses (its count starts at 0)
        r = cls.srv.azk("user", "add", "carol")
        assert r.rc == 0, r.err
        cls.carol_secret = r.out.strip()
        cls.srv.sql("UPDATE users SET role='operator', pw_hash=(SELECT pw_hash FROM users"
                    " WHERE name='admin') WHERE name='carol'")
        cls.tmp = tempfile.mkdtemp(prefix="azk-ops-")

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()
        subprocess.run(["rm", "-rf", cls.tmp])

    def test_two_processes_share_limits_and_login_key(self):
        b = P.Extra(self.srv)
        try:
            # a login form served by process A, posted to process B
            c = S.Client(self.srv.port, self.srv.cafile)
            tok = c.csrf("/login")
            c.port = b.port
            r = c.post("/login", {"csrf": tok, "user": "carol", "password": P.PW,
                                  "code": self.codes.code("carol", self.carol_secret)})
            self.assertEqual(r.status, 303, r.body)
            # the limit from azukari.conf: A reads it on SIGHUP, B at start
            set_serve_conf(self.srv, {"rate_user_per_min": 12})
            self.srv.p.send_signal(signal.SIGHUP)
            b.stop()
            b = P.Extra(self.srv)
            self.assertTrue(wait_for(lambda: RELOADED in open(self.srv.out.name).read()))
            if time.time() % 60 > 45:  # the whole run in one 60-second window
                time.sleep(61 - time.time() % 60)
            ok = 0
            for i in range(30):
                port = self.srv.port if i % 2 == 0 else b.port
                st, h, t = P.raw(port, self.srv.cafile, "GET", "/api/v1/me", jar=c.jar)
                if st == 200:
                    ok += 1
                    continue
                P.api_error(self, st, h, t, 429, "rate_limited")
                # sliding window: past this window's end, until its weight has faded enough
                self.assertTrue(1 <= int(h["retry-after"]) <= 120, h)
                break
            # counted across both processes: 12 in all, not 12 each
            self.assertEqual(ok, 12)
            st, h, t = P.raw(b.port, self.srv.cafile, "GET", "/dashboard", jar=c.jar)
            self.assertEqual(st, 429)
            self.assertTrue(h["content-type"].startswith("text/html"))
            self.assertIn("retry-after", h)
            # another user is not limited by admin's count
            st, _, _ = P.raw(b.port, self.srv.cafile, "GET", "/healthz")
            self.assertEqual(st, 200)
        finally:
            set_serve_conf(self.srv, {})
            b.stop()

    def test_bad_conf_is_refused_at_start(self):
        conf = os.path.join(self.srv.home, "azukari.conf")
        saved = open(conf).read() if os.path.exists(conf) else None
        set_serve_conf(self.srv, {"idle_timeout_s": "soon"})
        try:
            with self.assertRaises(AssertionError) as e:
                P.Extra(self.srv)
            self.assertIn("idle_timeout_s", str(e.exception))
        finally:
            if saved is None:
                os.unlink(conf)
            else:
                with open(conf, "w") as f:
                    f.write(saved)

    def test_reload_certificate_keeps_listener(self):
        c1, k1 = make_cert(self.tmp, "one")
        c2, k2 = make_cert(self.tmp, "two")
        cert, key = os.path.join(self.tmp, "cur.pem"), os.path.join(self.tmp, "cur.key")
        for src, dst in ((c1, cert), (k1, key)):
            with open(src, "rb") as f, open(dst, "wb") as g:
                g.write(f.read())
        sock = os.path.join(self.tmp, "notify.sock")
        ns = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        ns.bind(sock)
        ns.settimeout(20)
        b = P.Extra(self.srv, ["--cert", cert, "--key", key], env={"NOTIFY_SOCKET": sock})
        try:
            self.assertIn("READY=1", ns.recv(4096).decode())
            before = cert_fingerprint(b.port)
            # a slow client holds a connection open across the reload
            slow = socket.create_connection(("127.0.0.1", b.port))
            for src, dst in ((c2, cert), (k2, key)):
                with open(src, "rb") as f, open(dst, "wb") as g:
                    g.write(f.read())
            b.p.send_signal(signal.SIGHUP)
            self.assertIn("RELOADING=1", ns.recv(4096).decode())
            self.assertIn("READY=1", ns.recv(4096).decode())
            self.assertTrue(wait_for(lambda: RELOADED in b.text()))
            after = cert_fingerprint(b.port)
            self.assertNotEqual(before, after)
            slow.close()
            # a broken certificate: refused, the current one goes on
            with open(cert, "w") as f:
                f.write("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
            b.p.send_signal(signal.SIGHUP)
            self.assertTrue(wait_for(lambda: "serve: reload" in b.text()))
            self.assertEqual(cert_fingerprint(b.port), after)
            self.assertIsNone(b.p.poll())
            b.p.send_signal(signal.SIGTERM)
            msgs = ""
            while "STOPPING=1" not in msgs:
                msgs += ns.recv(4096).decode()  # the failed reload's RELOADING/READY first
        finally:
            b.stop()
            ns.close()

    def test_stop_lets_a_slow_request_finish(self):
        b = P.Extra(self.srv)
        ctx = ssl.create_default_context(cafile=self.srv.cafile)
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", b.port), timeout=30),
                            server_hostname="localhost")
        body = b"user=x&password=y&code=1"
        s.sendall(b"POST /login HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                  b"application/x-www-form-urlencoded\r\nContent-Length: %d\r\n\r\n" % len(body)
                  + body[:5])
        time.sleep(0.5)
        b.p.send_signal(signal.SIGTERM)
        time.sleep(1.0)
        self.assertIsNone(b.p.poll(), "serve stopped with a request in flight")
        # no new connection is accepted while it drains
        with self.assertRaises(OSError):
            t = ctx.wrap_socket(socket.create_connection(("127.0.0.1", b.port), timeout=5),
                                server_hostname="localhost")
            t.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
            if not t.recv(100):
                raise OSError("closed")
        s.sendall(body[5:])
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                break
            answer += chunk
        s.close()
        self.assertTrue(answer.startswith(b"HTTP/1.1 403"), answer[:200])  # no pre-login cookie
        self.assertEqual(b.p.wait(30), 0)
        b.stop()

    def test_redirect_listener_and_ipv6(self):
        rport = S.free_port()
        b = P.Extra(self.srv, ["--redirect-port", str(rport)])
        try:
            import http.client
            c = http.client.HTTPConnection("127.0.0.1", rport, timeout=10)
            c.request("GET", "/dashboard?x=1")
            r = c.getresponse()
            r.read()
            self.assertEqual(r.status, 308)
            self.assertEqual(r.getheader("Location"), "https://localhost:%d/dashboard" % b.port)
            c.close()
            c = http.client.HTTPConnection("127.0.0.1", rport, timeout=10)
            c.request("POST", "/login", body="user=a&password=b", headers={
                "Content-Type": "application/x-www-form-urlencoded"})
            r = c.getresponse()
            self.assertEqual(r.status, 308)
            self.assertNotIn(b"password", r.read())
            c.close()
        finally:
            b.stop()
        try:
            with socket.socket(socket.AF_INET6) as t:
                t.bind(("::1", 0))
        except OSError:
            self.skipTest("no IPv6 loopback here")
        b = P.Extra(self.srv, ["--bind", "::1"])
        try:
            self.assertIn("https://[::1]:%d/" % b.port, b.text())
            self.assertTrue(cert_fingerprint(b.port, "::1"))
            with self.assertRaises(OSError):
                cert_fingerprint(b.port, "127.0.0.1")
        finally:
            b.stop()
        b = P.Extra(self.srv, ["--bind", "[::1]"])
        b.stop()
        with self.assertRaises(AssertionError):
            P.Extra(self.srv, ["--bind", "::zz"])

    def test_idle_timeout_option(self):
        b = P.Extra(self.srv, ["--idle-timeout", "2"])
        try:
            c = P.login(self.srv, self.codes, "admin", self.secret, port=b.port)
            self.assertEqual(c.get("/api/v1/me").status, 200)
            time.sleep(3.2)
            self.assertEqual(c.get("/api/v1/me").status, 401)
        finally:
            b.stop()
        r = self.srv.azk("serve", "--idle-timeout", "0")
        self.assertEqual(r.rc, 64, r.err)


class ServeSlidingLimitTest(unittest.TestCase):
    """The rate limit is a sliding window (the previous 60-second window's count weighted by
    how much of it the last 60 s still cover): a burst just before a window's edge is not let
    through again just after it. On the server's test clock (no waiting)."""

    def test_burst_across_a_window_edge(self):
        srv = S.Server(env={"AZK_SERVE_SOURCE_FAILS": "100"}, clock=True)
        self.addCleanup(srv.cleanup)
        if srv.clock is None:
            self.skipTest("libfaketime not installed")
        codes = F.Codes(srv.clock)  # never a code of a step about to end
        secret = srv.enrol("admin", P.PW)
        set_serve_conf(srv, {"rate_user_per_min": 6})
        srv.p.send_signal(signal.SIGHUP)
        self.assertTrue(wait_for(lambda: RELOADED in open(srv.out.name).read()))
        c = P.login(srv, codes, "admin", secret)

        def me():
            return P.raw(srv.port, srv.cafile, "GET", "/api/v1/me", jar=c.jar)

        def to_window_second(sec):  # the clock moved on to `sec` s into a later window
            srv.clock.advance(60 - int(srv.clock.now()) % 60 + sec)

        srv.clock.advance(120)  # nothing of the login's windows counts any more
        to_window_second(5)
        statuses = [me()[0] for _ in range(7)]
        self.assertEqual(statuses, [200] * 6 + [429])
        # 1 s into the next window: 7 * 59/60 + 1 > 6 (a fixed window would count 1)
        to_window_second(1)
        st, h, t = me()
        P.api_error(self, st, h, t, 429, "rate_limited")
        self.assertTrue(2 <= int(h["retry-after"]) <= 60, h)
        # half a window later the old burst weighs 7 * 29/60: room again
        srv.clock.advance(30)
        self.assertEqual(me()[0], 200)


class ServeAgentReloadTest(unittest.TestCase):
    """SIGHUP: the agents' listener serves the new <home>/serve/server.pem on the same
    socket; a broken one is refused and the old one goes on (like the main listener)."""

    def test_reload_agents_listener_certificate(self):
        srv = A.AgentServer()
        try:
            serve = os.path.join(srv.home, "serve")
            cert, key = os.path.join(serve, "server.pem"), os.path.join(serve, "server.key")
            before = cert_fingerprint(srv.aport)
            # a new server certificate from the same CA, so agents still trust it
            d = srv.dir
            r = subprocess.run(
                "openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
                "-keyout {d}/new.key -out {d}/new.csr -subj /CN=localhost && "
                "printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > {d}/ext && "
                "openssl x509 -req -in {d}/new.csr -CA {s}/ca.pem -CAkey {s}/ca.key "
                "-CAcreateserial -days 2 -extfile {d}/ext -out {d}/new.pem".format(d=d, s=serve),
                shell=True, capture_output=True, text=True, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            for src, dst in (("new.pem", cert), ("new.key", key)):
                with open(os.path.join(d, src), "rb") as f, open(dst, "wb") as g:
                    g.write(f.read())
            with open(os.path.join(d, "new.pem")) as f:
                want = hashlib.sha256(ssl.PEM_cert_to_DER_cert(f.read())).hexdigest()
            self.assertNotEqual(before, want)
            # a connection open across the reload does not stop it
            slow = socket.create_connection(("127.0.0.1", srv.aport))
            srv.p.send_signal(signal.SIGHUP)
            self.assertTrue(wait_for(lambda: "agent API reloaded" in A.read_out(srv)))
            self.assertEqual(cert_fingerprint(srv.aport), want)
            slow.close()
            # the agents' TLS check (server's CA) passes on the new certificate
            st, doc = A.call(srv, "GET", "/api/v1/agent/policy")
            self.assertEqual(st, 401, doc)
            # a broken certificate: refused, the new one goes on
            with open(cert, "w") as f:
                f.write("-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n")
            srv.p.send_signal(signal.SIGHUP)
            self.assertTrue(wait_for(lambda: "serve --agent-port: reload" in A.read_out(srv)))
            self.assertEqual(cert_fingerprint(srv.aport), want)
            self.assertEqual(A.read_out(srv).count("agent API reloaded"), 1)
            self.assertIsNone(srv.p.poll())
            # server.pem and server.key gone: an error, never a new CA that enrolled agents
            # would not trust (before, the reload made a new CA silently)
            with open(os.path.join(serve, "ca.pem"), "rb") as f:
                ca_before = f.read()
            os.unlink(cert)
            os.unlink(key)
            n = A.read_out(srv).count("serve --agent-port: reload")
            srv.p.send_signal(signal.SIGHUP)
            self.assertTrue(wait_for(
                lambda: A.read_out(srv).count("serve --agent-port: reload") > n))
            self.assertIn("server's CA exists", A.read_out(srv))
            with open(os.path.join(serve, "ca.pem"), "rb") as f:
                self.assertEqual(f.read(), ca_before)
            self.assertFalse(os.path.exists(cert))
            self.assertEqual(cert_fingerprint(srv.aport), want)
            self.assertIsNone(srv.p.poll())
        finally:
            srv.cleanup()


if __name__ == "__main__":
    unittest.main()
