# SPDX-License-Identifier: Apache-2.0
"""test_serve_dash_collation.py -- /api/v1/dashboard's client pages (limit=1, the cursor
compared in byte order) list every client exactly once and in byte order when the
catalog's collation orders client ids otherwise. On PostgreSQL (e2e_pg_test_serve_dash_
collation) the home's database is created with the ICU collation en-US, where "a_a" sorts
before "a-c" and "a0" while byte order puts it after them: the query must order in byte
order (COLLATE "C"), else pages skip or repeat clients. On SQLite
(BINARY collation) it checks the same walk."""

import json
import subprocess
import unittest
import urllib.parse
import uuid

import azk_testlib as T
import serve_client as S
import serve_plat_lib as P

# ids whose en-US order differs from byte order: ICU puts "_" before "-", "." and the
# digits (bytes: "-" 0x2d < "." 0x2e < "0" 0x30 < "_" 0x5f < "a" 0x61)
CLIENTS = ["a-c", "ab", "a.d", "a_a", "aa", "a-a", "b_a", "b-a", "ba", "a0", "a_9", "a-b"]


def icu_catalog(base):
    """A fresh database with the ICU collation en-US on the test server; its URL."""
    name = "azk_" + uuid.uuid4().hex[:16]
    r = subprocess.run([T.psql(), "-X", "-q", "-v", "ON_ERROR_STOP=1", base, "-c",
                        "CREATE DATABASE %s TEMPLATE template0 ENCODING 'UTF8'"
                        " LOCALE 'C.UTF-8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US'" % name],
                       capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise AssertionError("cannot create an ICU test database: %s" % r.stderr.strip())
    u = urllib.parse.urlsplit(base)
    return "%s://%s/%s%s" % (u.scheme, u.netloc, name, "?" + u.query if u.query else "")


class Prepare:
    def __call__(self, srv):
        self.url = None
        argv = [srv.bin, "--home", srv.home, "init"]
        if T.test_catalog():
            self.url = icu_catalog(T.test_catalog())
            argv += ["--catalog", self.url]
        r = T.run(argv, env=srv.env)
        assert r.rc == 0, r.err


class DashCollationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = Prepare()
        cls.srv = S.Server(prepare=cls.fx)
        try:
            cls.codes = S.Codes()
            cls.secret = cls.srv.enrol("admin", P.PW)
            stmts = []
            for i, c in enumerate(CLIENTS):
                stmts.append("INSERT INTO clients(id, name, created_at, created_by) VALUES"
                             "('%s', '', '2026-01-01T00:00:00Z', 't')" % c)
                stmts.append("INSERT INTO datasets(id, client, uuid, purpose, retain_until,"
                             " schema_json, source_name, format, encoding, records, bytes,"
                             " created_at, created_by, state) VALUES('dc-%02d', '%s', 'u-%d',"
                             " 'dm', '2031-01-01', '{}', 'x', 'csv', 'utf-8', 1, 1,"
                             " '2026-01-01T00:00:00Z', 't', 'active')" % (i, c, i))
            cls.srv.sql(*stmts)
            cls.admin = P.login(cls.srv, cls.codes, "admin", cls.secret)
        except BaseException:
            cls.srv.cleanup()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def test_collation_differs_on_postgresql(self):
        """The fixture is what it claims: on PostgreSQL the database orders the ids
        otherwise than bytes (else the walk below proves nothing there)."""
        if not self.fx.url:
            self.skipTest("SQLite: BINARY collation (byte order)")
        r = subprocess.run([T.psql(), "-X", "-A", "-t", self.fx.url, "-c",
                            "SELECT id FROM clients ORDER BY id"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        db_order = r.stdout.split()
        self.assertEqual(sorted(db_order), sorted(CLIENTS))
        self.assertNotEqual(db_order, sorted(CLIENTS))

    def test_pages_walk_every_client_once_in_byte_order(self):
        """Regression: the query ordered by the database's collation while the cursor
        was compared with strcmp: with en-US, pages skipped and repeated clients."""
        seen, after = [], None
        for _ in range(3 * len(CLIENTS)):
            st, _, t = P.raw(self.srv.port, self.srv.cafile, "GET",
                             "/api/v1/dashboard?limit=1" + ("&after=" + after if after else ""),
                             jar=self.admin.jar)
            self.assertEqual(st, 200, t[:300])
            doc = json.loads(t)
            seen += [c["client"] for c in doc["clients"]]
            after = doc["next"]
            if after is None:
                break
        self.assertEqual(seen, sorted(CLIENTS, key=lambda s: s.encode()))
        self.assertEqual(doc["held"], len(CLIENTS))


if __name__ == "__main__":
    unittest.main()
