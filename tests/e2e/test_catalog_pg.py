# SPDX-License-Identifier: Apache-2.0
"""test_catalog_pg.py -- a home whose catalog is a PostgreSQL database,
through the CLI: `init --catalog URL` records the URL (azukari.conf, 0600)
and creates the tables there; a database that already holds a catalog is
refused; another home's key is refused naming the catalog; and the bad
inputs of issue 12 -- a URL that does not answer, wrong credentials, a
malformed URL -- each give a clear message naming the catalog, exit status
1, nothing half-made. No output ever holds the password.

Needs a PostgreSQL server: AZK_TEST_PG_URL (tools/pgtest.sh, the CTest
fixture); skipped without it unless AZK_TEST_PG_REQUIRED=1.
"""

import os
import stat
import subprocess
import unittest
import urllib.parse

import azk_testlib as T


def pg_url():
    u = os.environ.get("AZK_TEST_PG_URL")
    if not u:
        if os.environ.get("AZK_TEST_PG_REQUIRED") == "1":
            raise AssertionError("AZK_TEST_PG_REQUIRED=1 but AZK_TEST_PG_URL is not set")
        raise unittest.SkipTest("no PostgreSQL (AZK_TEST_PG_URL)")
    return u


def password_of(url):
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query)
    return q["password"][0]


def replace_password(url, pw):
    u = urllib.parse.urlsplit(url)
    q = [(k, pw if k == "password" else v) for k, v in urllib.parse.parse_qsl(u.query)]
    return "%s://%s%s?%s" % (u.scheme, u.netloc, u.path, urllib.parse.urlencode(q, safe="/"))


class CatalogPg(unittest.TestCase):
    def setUp(self):
        self.base = pg_url()
        self.pw = password_of(self.base)
        self.bin = T.azk_bin()
        self.tmp = T.TempDir()
        self.d = self.tmp.__enter__()
        self.env = dict(os.environ, AZUKARI_LANG="en")
        self.env.pop("AZUKARI_HOME", None)
        self.env.pop("AZK_TEST_CATALOG", None)  # this file names its catalogs itself
        self.outputs = []

    def tearDown(self):
        self.tmp.__exit__(None, None, None)
        # no output of any command held a password
        for argv, text in self.outputs:
            for secret in (self.pw, "Wr0ngPassw0rd", "S3cretUrl"):
                self.assertNotIn(secret, text, "%s printed a password" % (argv,))

    def az(self, home, *args):
        argv = [self.bin, "--home", home] + list(args)
        env = dict(self.env)
        r = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)
        self.outputs.append((args[:2], r.stdout + r.stderr))
        return r

    def test_init_records_the_catalog(self):
        url = T.fresh_catalog_url(self.base)
        home = os.path.join(self.d, "h")
        r = self.az(home, "init", "--catalog", url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("PostgreSQL", r.stdout)
        conf = os.path.join(home, "azukari.conf")
        self.assertEqual(stat.S_IMODE(os.stat(conf).st_mode), 0o600)
        with open(conf) as f:
            self.assertIn('"catalog": "%s"' % url, f.read())
        self.assertFalse(os.path.exists(os.path.join(home, "catalog.db")))
        # keys, ledger and vault stay in the home
        for p in ("keys/master.key", "ledger", "vault"):
            self.assertTrue(os.path.exists(os.path.join(home, p)), p)
        # the tables and the home's identity are in PostgreSQL
        q = subprocess.run([T.psql(), "-X", "-At", url, "-c",
                            "SELECT COUNT(*) FROM meta WHERE key IN ('schema', 'master_key_id')"
                            " AND value <> ''"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(q.stdout.strip(), "2", q.stderr)
        # a guard policy change keeps the file's mode (the URL may hold a password)
        r = self.az(home, "guard", "policy", "set", "pii_block_score", "60")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(stat.S_IMODE(os.stat(conf).st_mode), 0o600)
        with open(conf) as f:
            self.assertIn('"catalog": "%s"' % url, f.read())

    def test_v2_catalog_migrated_to_v3(self):
        """A schema-2 PostgreSQL catalog gets the indexes of the server's queries on open."""
        url = T.fresh_catalog_url(self.base)
        home = os.path.join(self.d, "h")
        self.assertEqual(self.az(home, "init", "--catalog", url).returncode, 0)
        self.assertEqual(self.az(home, "client", "add", "c1").returncode, 0)
        names = ("datasets_client_deadline", "ret_state_certified")
        q_idx = ("SELECT string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes"
                 " WHERE indexname IN ('%s')" % "','".join(names))

        def psql(sql):
            q = subprocess.run([T.psql(), "-X", "-At", "-v", "ON_ERROR_STOP=1", url, "-c", sql],
                               capture_output=True, text=True, timeout=60)
            self.assertEqual(q.returncode, 0, q.stderr)
            return q.stdout.strip()
        self.assertEqual(psql(q_idx), ",".join(names))
        psql("DROP INDEX %s; UPDATE meta SET value = '2' WHERE key = 'schema'" % ", ".join(names))
        r = self.az(home, "db", "migrate")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("migrated the catalog from schema 2 to 8", r.stdout)
        self.assertNotIn("backup:", r.stdout)
        self.assertEqual(psql("SELECT value FROM meta WHERE key = 'schema'"), "8")
        self.assertEqual(psql(q_idx), ",".join(names))
        r = self.az(home, "client", "list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("c1", r.stdout)

    def test_global_catalog_option_before_init(self):
        url = T.fresh_catalog_url(self.base)
        home = os.path.join(self.d, "h")
        r = subprocess.run([self.bin, "--home", home, "--catalog", url, "init"], env=self.env,
                           capture_output=True, text=True, timeout=120)
        self.outputs.append(("--catalog init", r.stdout + r.stderr))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(os.path.exists(os.path.join(home, "azukari.conf")))

    def test_one_catalog_one_home(self):
        url = T.fresh_catalog_url(self.base)
        a = os.path.join(self.d, "a")
        b = os.path.join(self.d, "b")
        self.assertEqual(self.az(a, "init", "--catalog", url).returncode, 0)
        # a second home on the same database: refused, nothing made
        r = self.az(b, "init", "--catalog", url)
        self.assertEqual(r.returncode, 1)
        self.assertIn("already holds an azukari catalog", r.stderr)
        self.assertFalse(os.path.exists(b))
        # home b with a catalog of its own, then pointed at a's: its key does not match
        self.assertEqual(self.az(b, "init", "--catalog", T.fresh_catalog_url(self.base))
                         .returncode, 0)
        r = subprocess.run([self.bin, "--home", b, "--catalog", url, "client", "list"],
                           env=self.env, capture_output=True, text=True, timeout=120)
        self.outputs.append(("client list", r.stdout + r.stderr))
        self.assertEqual(r.returncode, 1)
        self.assertIn("does not match catalog", r.stderr)
        self.assertIn("another home", r.stderr)

    def test_url_that_does_not_answer(self):
        home = os.path.join(self.d, "h")
        for url, shown in (
                ("postgresql://azk:S3cretUrl@/azk?host=%s/no-such-dir&connect_timeout=2" % self.d,
                 "postgresql://azk@/azk?host=%s/no-such-dir" % self.d),
                ("postgresql://azk@127.0.0.1:1/azk?password=S3cretUrl&connect_timeout=2",
                 "postgresql://azk@127.0.0.1:1/azk?connect_timeout=2")):
            r = self.az(home, "init", "--catalog", url)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn("catalog " + shown, r.stderr)
            self.assertIn("cannot connect", r.stderr)
            self.assertFalse(os.path.exists(home), "init left a half-made home")

    def test_wrong_credentials(self):
        url = replace_password(T.fresh_catalog_url(self.base), "Wr0ngPassw0rd")
        home = os.path.join(self.d, "h")
        r = self.az(home, "init", "--catalog", url)
        self.assertEqual(r.returncode, 1)
        self.assertIn("password authentication failed", r.stderr)
        self.assertFalse(os.path.exists(home))
        # an existing home whose catalog's password changed: a clear error when opened
        good = T.fresh_catalog_url(self.base)
        self.assertEqual(self.az(home, "init", "--catalog", good).returncode, 0)
        r = subprocess.run([self.bin, "--home", home, "--catalog",
                            replace_password(good, "Wr0ngPassw0rd"), "client", "list"],
                           env=self.env, capture_output=True, text=True, timeout=120)
        self.outputs.append(("client list", r.stdout + r.stderr))
        self.assertEqual(r.returncode, 1)
        self.assertIn("password authentication failed", r.stderr)

    def test_bad_urls(self):
        home = os.path.join(self.d, "h")
        r = self.az(home, "init", "--catalog", "postgresql://u@h/db?password=S3cretUrl%zz")
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a valid PostgreSQL URL", r.stderr)
        # --catalog takes only a PostgreSQL URL
        r = self.az(home, "init", "--catalog", os.path.join(self.d, "x.db"))
        self.assertEqual(r.returncode, 1)
        self.assertIn("not a PostgreSQL URL", r.stderr)
        self.assertFalse(os.path.exists(home))
        # a "catalog" in azukari.conf that is not a URL: a clear configuration error
        os.makedirs(home, mode=0o700)
        with open(os.path.join(home, "azukari.conf"), "w") as f:
            f.write('{"catalog": 5}\n')
        r = self.az(home, "init")
        self.assertEqual(r.returncode, 1)
        self.assertIn("\"catalog\" must be a PostgreSQL URL", r.stderr)


if __name__ == "__main__":
    unittest.main()
