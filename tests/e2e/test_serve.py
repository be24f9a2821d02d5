# SPDX-License-Identifier: Apache-2.0
"""test_serve.py -- `azukari serve` end to end over real HTTPS: TLS settings,
security headers on every answer, the first administrator's one-time
enrolment link, login with password + TOTP, CSRF refusals, the
authorisation matrix over HTTP (anonymous, administrator, a client user
with one grant), idle timeout, lockout per user, graceful stop on SIGTERM,
and the ledger entries of all of it. Timeouts and limits are shortened
through the test-only environment (AZK_SERVE_*)."""

import os
import socket
import sqlite3
import ssl
import tempfile
import time
import unittest

import azk_testlib as T
import serve_client as S

PW = "correct horse battery"


def later(srv, seconds):
    """`seconds` later on the server's clock: its test clock moved on, or real waiting."""
    if srv.clock is not None:
        srv.clock.advance(seconds)
    else:
        time.sleep(seconds)


class ServeTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = S.Server(env={"AZK_SERVE_IDLE_S": "4", "AZK_SERVE_USER_FAILS": "3",
                                "AZK_SERVE_SOURCE_FAILS": "100"}, clock=True)
        cls.codes = S.Codes(cls.srv.clock)
        assert cls.srv.link, "no enrolment link printed"
        cls.secret = cls.srv.enrol("admin", PW)
        # a second person: enrolled by the CLI (bootstrap), given the client role and one
        # grant by the test fixture (no administration page yet: docs/serve.md)
        r = cls.srv.azk("user", "add", "bob")
        assert r.rc == 0, r.err
        cls.bob_secret = r.out.strip()
        for c in ("c1", "c2"):
            assert cls.srv.azk("client", "add", c).rc == 0
        cls.srv.sql("UPDATE users SET role='client', pw_hash=(SELECT pw_hash FROM users"
                    " WHERE name='admin') WHERE name='bob'",
                    "INSERT INTO user_grants(name, client) VALUES('bob', 'c1')")

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def login(self, user="admin", secret=None):
        c = self.srv.client()
        r = c.login(user, PW, self.codes.code(user, secret or self.secret))
        self.assertEqual(r.status, 303, r.body)
        self.assertEqual(r.header("Location"), "/dashboard")
        return c

    def test_enrol_link_is_single_use(self):
        c = self.srv.client()
        tok = self.srv.link.split("token=")[1]
        r = c.post("/enrol", {"token": tok, "user": "mallory", "password": PW * 2,
                              "password2": PW * 2})
        self.assertEqual(r.status, 403, r.body)
        self.assertIn("登録リンクは無効", r.body)
        # a second start prints no link: there is an administrator now (checked in the log)

    def test_headers_on_every_answer(self):
        c = self.srv.client()
        for path in ("/login", "/static/azukari.css", "/nope", "/dashboard"):
            r = c.get(path)
            self.assertEqual(r.header("Strict-Transport-Security"),
                             "max-age=63072000; includeSubDomains", path)
            csp = r.header("Content-Security-Policy")
            self.assertIn("default-src 'none'", csp)
            self.assertIn("frame-ancestors 'none'", csp)
            self.assertNotIn("unsafe-inline", csp)
            self.assertEqual(r.header("X-Frame-Options"), "DENY")
            self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")
            self.assertEqual(r.header("Referrer-Policy"), "no-referrer")
            self.assertEqual(r.header("Cache-Control"), "no-store")
        r = self.srv.client().get("/login")
        self.assertNotIn("<script", r.body)
        pre = [s for s in r.cookies() if s.startswith("__Host-azkpre=")][0]
        for attr in ("Secure", "HttpOnly", "SameSite=Strict", "Path=/"):
            self.assertIn(attr, pre)
        self.assertIn('lang="ja"', r.body)
        self.assertIn("ログイン", r.body)

    def test_tls_versions_and_suites(self):
        def handshake(ctx):
            with socket.create_connection(("127.0.0.1", self.srv.port), timeout=10) as s:
                with ctx.wrap_socket(s, server_hostname="localhost") as t:
                    return t.version(), t.cipher()[0]
        ctx = ssl.create_default_context(cafile=self.srv.cafile)
        v, _ = handshake(ctx)
        self.assertEqual(v, "TLSv1.3")
        ctx = ssl.create_default_context(cafile=self.srv.cafile)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        v, cipher = handshake(ctx)
        self.assertEqual(v, "TLSv1.2")
        self.assertTrue("GCM" in cipher or "CHACHA20" in cipher, cipher)
        # TLS 1.2 without AEAD (CBC suites) is refused
        ctx = ssl.create_default_context(cafile=self.srv.cafile)
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        ctx.set_ciphers("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:ECDHE-ECDSA-AES128-SHA256")
        with self.assertRaises(ssl.SSLError):
            handshake(ctx)

    def test_login_and_csrf(self):
        c = self.srv.client()
        # no pre-login token: refused before any password is looked at
        r = c.post("/login", {"user": "admin", "password": PW, "code": "000000"})
        self.assertEqual(r.status, 403, r.body)
        c = self.login()
        r = c.get("/dashboard")
        self.assertEqual(r.status, 200)
        self.assertIn("ダッシュボード", r.body)
        sess = [k for k in c.jar if k == "__Host-azk"]
        self.assertEqual(len(sess), 1)
        self.assertEqual(len(c.jar["__Host-azk"]), 64)
        # a state change without the session's CSRF token is refused, the session stays
        r = c.post("/logout", {})
        self.assertEqual(r.status, 403, r.body)
        r = c.post("/logout", {"csrf": "0" * 64})
        self.assertEqual(r.status, 403, r.body)
        self.assertEqual(c.get("/dashboard").status, 200)
        # the language switch: English on request, Japanese by default
        r = c.get("/lang?l=en")
        self.assertEqual(r.status, 303)
        r = c.get("/dashboard")
        self.assertIn('lang="en"', r.body)
        self.assertIn("Dashboard", r.body)
        c.get("/lang?l=ja")
        # a forged session id is nobody
        other = self.srv.client()
        other.jar["__Host-azk"] = "a" * 64
        r = other.get("/dashboard")
        self.assertEqual(r.status, 303)
        # logout with the token ends the session server-side
        stolen = dict(c.jar)
        tok = c.csrf("/dashboard")
        r = c.post("/logout", {"csrf": tok})
        self.assertEqual(r.status, 303)
        replay = self.srv.client()
        replay.jar.update(stolen)
        self.assertEqual(replay.get("/dashboard").status, 303)

    def test_authz_matrix_over_http(self):
        anon = self.srv.client()
        admin = self.login()
        bob = self.login("bob", self.bob_secret)
        # (method, path): expected status for anonymous, administrator, client
        matrix = {
            ("GET", "/"): (303, 303, 303),
            ("GET", "/healthz"): (200, 200, 200),
            ("GET", "/static/azukari.css"): (200, 200, 200),
            ("GET", "/lang?l=en"): (303, 303, 303),
            ("GET", "/login"): (200, 303, 303),
            ("GET", "/enrol"): (403, 403, 403),
            ("GET", "/dashboard"): (303, 200, 200),
            ("GET", "/datasets"): (303, 200, 200),
            ("GET", "/datasets?client=c1"): (303, 200, 200),
            ("GET", "/datasets?client=c2"): (303, 200, 403),
            ("POST", "/logout"): (401, 403, 403),  # no CSRF token: refused before the handler
            ("POST", "/dashboard"): (405, 405, 405),
            ("GET", "/nope"): (404, 404, 404),
        }
        for (m, p), want in matrix.items():
            for who, c, w in zip(("anonymous", "administrator", "client"), (anon, admin, bob),
                                 want):
                r = c.request(m, p, form={} if m == "POST" else None)
                self.assertEqual(r.status, w, "%s %s as %s: %s" % (m, p, who, r.body[:300]))
                c.jar.pop("lang", None)
        # a client user sees only the granted client's datasets
        r = bob.get("/datasets")
        self.assertNotIn("<td>c2</td>", r.body)

    def test_idle_timeout(self):
        c = self.login()
        self.assertEqual(c.get("/dashboard").status, 200)
        later(self.srv, 5)  # AZK_SERVE_IDLE_S=4
        r = c.get("/dashboard")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/login")

    def test_z_lockout_per_user(self):
        c = self.srv.client()
        for _ in range(3):  # AZK_SERVE_USER_FAILS=3
            r = c.login("bob", "wrong password!", "123456")
            self.assertEqual(r.status, 401, r.body)
        r = c.login("bob", PW, self.codes.code("bob", self.bob_secret))
        self.assertEqual(r.status, 429, r.body)
        self.assertNotIn("__Host-azk", c.jar)
        # the administrator is not locked by bob's failures
        self.login()

    def test_zz_stop_and_ledger(self):
        rc, out = self.srv.stop()
        self.assertEqual(rc, 0, out)
        self.assertIn("停止しました", out)
        r = self.srv.azk("audit", "log")
        self.assertEqual(r.rc, 0, r.err)
        for action in ("serve.enrol.link", "serve.enrol", "serve.login", "serve.logout",
                       "serve.csrf", "serve.deny", "serve.session.expire"):
            self.assertIn(action, r.out, action)
        self.assertRegex(r.out, r"serve\.login.*locked|locked.*serve\.login")
        self.assertNotIn(PW, r.out)


class ServeLimitsTest(unittest.TestCase):
    """A second server: absolute session lifetime, lockout per source address."""

    @classmethod
    def setUpClass(cls):
        cls.srv = S.Server(env={"AZK_SERVE_IDLE_S": "100", "AZK_SERVE_ABSOLUTE_S": "4",
                                "AZK_SERVE_SOURCE_FAILS": "2"}, clock=True)
        cls.codes = S.Codes(cls.srv.clock)
        cls.secret = cls.srv.enrol("admin", PW)

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def test_absolute_timeout(self):
        c = self.srv.client()
        r = c.login("admin", PW, self.codes.code("admin", self.secret))
        self.assertEqual(r.status, 303, r.body)
        for _ in range(3):  # in use all along for 3 s: idle never reached
            self.assertEqual(c.get("/dashboard").status, 200)
            later(self.srv, 1)
        later(self.srv, 2)
        r = c.get("/dashboard")
        self.assertEqual(r.status, 303)
        self.assertEqual(r.header("Location"), "/login")

    def test_z_lockout_per_source(self):
        c = self.srv.client()
        for name in ("nobody1", "nobody2"):  # AZK_SERVE_SOURCE_FAILS=2, different names
            r = c.login(name, "wrong password!", "123456")
            self.assertEqual(r.status, 401, r.body)
        # from this address even the right password and code are refused now
        r = c.login("admin", PW, self.codes.code("admin", self.secret))
        self.assertEqual(r.status, 429, r.body)
        self.assertIn("ロック", r.body)


class ServeSchemaTest(unittest.TestCase):
    """A catalog of schema 2 (before serve) gets serve's columns and tables when opened."""

    def test_v2_catalog_migrates(self):
        if T.test_catalog():
            self.skipTest("SQLite catalog only")
        d = tempfile.mkdtemp(prefix="azk-serve-v2-")
        self.addCleanup(lambda: T.run(["rm", "-rf", d]))
        home = os.path.join(d, "home")
        b = T.azk_bin()
        self.assertEqual(T.run([b, "--home", home, "init"]).rc, 0)
        self.assertEqual(T.run([b, "--home", home, "user", "add", "alice"]).rc, 0)
        cat = os.path.join(home, "catalog.db")
        db = sqlite3.connect(cat)
        with db:  # back to schema 2 as main left it
            for t in ("user_grants", "sessions", "enrol_tokens"):
                db.execute("DROP TABLE %s" % t)
            db.execute("ALTER TABLE users DROP COLUMN pw_hash")
            db.execute("ALTER TABLE users DROP COLUMN role")
            db.execute("UPDATE meta SET value='2' WHERE key='schema'")
        db.close()
        r = T.run([b, "--home", home, "db", "migrate"])
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("スキーマ 2 から 8", r.out)
        db = sqlite3.connect(cat)
        cols = [row[1] for row in db.execute("PRAGMA table_info(users)")]
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
        users = [row[0] for row in db.execute("SELECT name FROM users")]
        db.close()
        self.assertIn("pw_hash", cols)
        self.assertIn("role", cols)
        self.assertTrue({"user_grants", "sessions", "enrol_tokens"} <= tables)
        self.assertEqual(users, ["alice"])


if __name__ == "__main__":
    unittest.main()
