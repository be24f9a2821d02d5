# SPDX-License-Identifier: Apache-2.0
"""test_serve_pgloss.py -- azukari serve when its PostgreSQL goes away and
comes back: on a private PostgreSQL (tools/pgtest.sh, not the suite's
shared one, which other tests use meanwhile), a logged-in user; the server
is killed (pg_ctl stop -m immediate); pages answer a clear 503 page, the
API a 503 JSON error with Retry-After, a logout and a login in that time
change nothing; the serve process stays up; the server is started again
and the same session works, the ledger verifies."""

import json
import os
import subprocess
import unittest

import azk_testlib as T
import serve_client as S
import serve_plat_lib as P

SRC = os.environ.get("AZK_SRCDIR") or os.path.join(os.path.dirname(__file__), "..", "..")
PGTEST = os.path.join(SRC, "tools", "pgtest.sh")


def pg(cmd, d):
    r = subprocess.run(["sh", PGTEST, cmd, d], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@unittest.skipUnless(os.access("/usr/lib/postgresql/15/bin/initdb", os.X_OK)
                     or os.environ.get("PG_BINDIR"), "no PostgreSQL 15 here")
class ServePgLossTest(unittest.TestCase):
    def setUp(self):
        self.pgdir = "/tmp/azk-sppg-%d" % os.getpid()
        url = pg("start", self.pgdir).splitlines()[-1]
        saved = os.environ.get("AZK_TEST_CATALOG")
        os.environ["AZK_TEST_CATALOG"] = url
        try:
            self.srv = S.Server(env={"AZK_SERVE_SOURCE_FAILS": "100"})
        finally:
            if saved is None:
                del os.environ["AZK_TEST_CATALOG"]
            else:
                os.environ["AZK_TEST_CATALOG"] = saved
        self.codes = S.Codes()
        self.secret = self.srv.enrol("admin", P.PW)

    def tearDown(self):
        if os.environ.get('SP_DEBUG'):
            print(open(self.srv.out.name).read())
        self.srv.cleanup()
        subprocess.run(["sh", PGTEST, "stop", self.pgdir], capture_output=True, timeout=120)

    def test_postgresql_goes_away_and_comes_back(self):
        with open(os.path.join(self.srv.home, "azukari.conf")) as f:
            self.assertTrue(json.load(f)["catalog"].startswith("postgresql://"))
        c = P.login(self.srv, self.codes, "admin", self.secret)
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", "/api/v1/me", jar=c.jar)
        self.assertEqual(st, 200, t)
        csrf = json.loads(t)["csrf"]
        pg("kill", self.pgdir)
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", "/api/v1/me", jar=c.jar)
        P.api_error(self, st, h, t, 503, "unavailable")
        self.assertIn("retry-after", h)
        self.assertNotIn("postgresql://", t)
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", "/dashboard", jar=c.jar)
        self.assertEqual(st, 503)
        self.assertTrue(h["content-type"].startswith("text/html"))
        self.assertIn("カタログ", t)
        self.assertNotIn("password=", t)
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "POST", "/api/v1/logout", body={},
                         headers={"X-CSRF-Token": csrf}, jar=c.jar)
        self.assertEqual(st, 503, t)
        other = S.Client(self.srv.port, self.srv.cafile)
        tok = other.csrf("/login")
        r = other.post("/login", {"csrf": tok or "", "user": "admin", "password": P.PW,
                                  "code": self.codes.code("admin", self.secret)})
        self.assertIn(r.status, (403, 503), r.body)
        self.assertIsNone(self.srv.p.poll(), "serve exited when PostgreSQL went away")
        pg("restart", self.pgdir)
        # the same session: the logout during the outage changed nothing
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", "/api/v1/me", jar=c.jar)
        self.assertEqual(st, 200, t)
        self.assertEqual(json.loads(t)["name"], "admin")
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", "/api/v1/dashboard", jar=c.jar)
        self.assertEqual(st, 200, t)
        rc, out = self.srv.stop()
        self.assertEqual(rc, 0, out)
        r = self.srv.azk("audit", "verify")
        self.assertEqual(r.rc, 0, r.err + r.out)


if __name__ == "__main__":
    unittest.main()
