# SPDX-License-Identifier: Apache-2.0
"""test_intake.py -- `azukari init`, `client`, `intake` and `open` through
the command line, on a temporary home: a round trip that gives back the
file byte for byte, CP932 input, and every bad input of the issue (empty
file, duplicate or unknown headers, ragged rows, a cell over the limit,
wrong or mixed encoding, an existing dataset id, a past deadline, an
unknown client), each with a clear message, nothing half-written (no
catalog row, no vault file) and no value of the file in the message.
A wrong master key and a changed vault byte are refused by `open`.

All data is synthetic (generated below).
"""

import os
import signal
import sqlite3
import subprocess
import time
import unittest
import zipfile

import azk_testlib as T

HEADER = "顧客番号,氏名,フリガナ,生年月日,郵便番号,住所,電話番号,メール"


def synthetic_rows(n, seed=7):
    fam = ["試験", "見本", "仮名", "架空", "例示"]
    giv = ["一郎", "花子", "次郎", "桜子", "三郎"]
    famk = ["シケン", "ミホン", "カメイ", "カクウ", "レイジ"]
    givk = ["イチロウ", "ハナコ", "ジロウ", "サクラコ", "サブロウ"]
    rows = []
    x = seed
    for i in range(n):
        x = (x * 1103515245 + 12345) % (1 << 31)
        f, g = x % 5, (x >> 8) % 5
        rows.append("C%06d,%s %s,%s %s,19%02d-%02d-%02d,100-%04d,東京都千代田区試験町%d-%d-%d,"
                    "090-%04d-%04d,user%d@example.invalid" % (
                        i + 1, fam[f], giv[g], famk[f], givk[g], 50 + x % 40, 1 + x % 12,
                        1 + x % 28, x % 10000, 1 + x % 9, 1 + x % 20, 1 + x % 30,
                        x % 10000, (x >> 4) % 10000, i))
    return rows


def make_xlsx(path, rows, formula_row=None):
    """A minimal xlsx (inline strings); formula_row gets an extra cell =1+2."""
    cols = "ABCDEFGHIJ"

    def cell(ref, v):
        return '<c r="%s" t="inlineStr"><is><t>%s</t></is></c>' % (ref, v)

    xml = []
    for i, r in enumerate(rows, 1):
        cs = "".join(cell("%s%d" % (cols[j], i), v) for j, v in enumerate(r))
        if formula_row == i:
            cs += '<c r="%s%d"><f>1+2</f><v>3</v></c>' % (cols[len(r)], i)
        xml.append('<row r="%d">%s</row>' % (i, cs))
    ns = "http://schemas.openxmlformats.org"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="%s/package/2006/content-types">'
                   '<Default Extension="rels" ContentType="application/vnd.openxmlformats-'
                   'package.relationships+xml"/><Default Extension="xml" ContentType='
                   '"application/xml"/><Override PartName="/xl/workbook.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main'
                   '+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet'
                   '+xml"/></Types>' % ns)
        z.writestr("_rels/.rels",
                   '<?xml version="1.0"?><Relationships xmlns="%s/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="%s/officeDocument/2006/relationships/'
                   'officeDocument" Target="xl/workbook.xml"/></Relationships>' % (ns, ns))
        z.writestr("xl/workbook.xml",
                   '<?xml version="1.0"?><workbook xmlns="%s/spreadsheetml/2006/main" '
                   'xmlns:r="%s/officeDocument/2006/relationships"><sheets><sheet name='
                   '"Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>' % (ns, ns))
        z.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0"?><Relationships xmlns="%s/package/2006/relationships">'
                   '<Relationship Id="rId1" Type="%s/officeDocument/2006/relationships/'
                   'worksheet" Target="worksheets/sheet1.xml"/></Relationships>' % (ns, ns))
        z.writestr("xl/worksheets/sheet1.xml",
                   '<?xml version="1.0"?><worksheet xmlns="%s/spreadsheetml/2006/main">'
                   '<sheetData>%s</sheetData></worksheet>' % (ns, "".join(xml)))


class Home:
    def __init__(self, d):
        self.d = d
        self.home = os.path.join(d, "home")
        self.bin = T.azk_bin()
        self.env = dict(os.environ)
        self.env.pop("AZUKARI_HOME", None)
        self.env["AZUKARI_LANG"] = "en"

    def run(self, *args, stdin=subprocess.DEVNULL):
        return T.run([self.bin, "--home", self.home] + list(args), env=self.env, stdin=stdin)

    def write(self, name, data):
        p = os.path.join(self.d, name)
        with open(p, "wb") as f:
            f.write(data)
        return p

    def datasets(self):
        return T.catalog_query(self.home, "SELECT id, client, records, retain_until, purpose,"
                               " created_by FROM datasets ORDER BY id")

    def vault_files(self):
        return sorted(os.listdir(os.path.join(self.home, "vault")))

    def intake(self, path, dataset, *extra, client="shinkin-a", until="2099-12-31"):
        return self.run("intake", "--client", client, "--dataset", dataset,
                        "--purpose", "direct mail 2023-09", "--retain-until", until,
                        *extra, path)


class IntakeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = T.TempDir()
        self.h = Home(self.tmp.path)
        r = self.h.run("init")
        self.assertEqual(r.rc, 0, r.err)
        r = self.h.run("client", "add", "shinkin-a", "--name", "Shinkin A")
        self.assertEqual(r.rc, 0, r.err)

    def tearDown(self):
        self.tmp.__exit__(None, None, None)

    def test_intake__home_layout_and_clients(self):
        st = os.stat(os.path.join(self.h.home, "keys", "master.key"))
        self.assertEqual(st.st_mode & 0o777, 0o600)
        self.assertEqual(st.st_size, 32)
        # the catalog: catalog.db in the home, or a PostgreSQL database (then no catalog.db)
        self.assertEqual(os.path.exists(os.path.join(self.h.home, "catalog.db")),
                         T.test_catalog() is None)
        self.assertEqual(T.catalog_query(self.h.home, "SELECT count(*) FROM meta WHERE key = ?",
                                         ("schema",)), [(1,)])
        r = self.h.run("init")
        self.assertNotEqual(r.rc, 0)
        self.assertIn("already", r.err)
        r = self.h.run("client", "add", "shinkin-a")
        self.assertNotEqual(r.rc, 0)
        self.assertIn("already exists", r.err)
        r = self.h.run("client", "add", "bad id")
        self.assertNotEqual(r.rc, 0)
        r = self.h.run("client", "list", "--format", "jsonl")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn('"client": "shinkin-a"', r.out)

    def test_intake__round_trip_utf8(self):
        data = ("\n".join([HEADER] + synthetic_rows(500)) + "\n").encode("utf-8")
        p = self.h.write("dm.csv", data)
        r = self.h.intake(p, "2023-09-dm")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("500 records", r.out)
        ds = self.h.datasets()
        self.assertEqual(len(ds), 1)
        self.assertEqual(ds[0][:4], ("2023-09-dm", "shinkin-a", 500, "2099-12-31"))
        vf = self.h.vault_files()
        self.assertEqual(len(vf), 1)
        self.assertTrue(vf[0].endswith(".azv"))
        with open(os.path.join(self.h.home, "vault", vf[0]), "rb") as f:
            enc = f.read()
        self.assertNotIn("試験".encode("utf-8"), enc)
        self.assertNotIn(b"example.invalid", enc)
        r = self.h.run("open", "2023-09-dm", "--reason", "print job 4411")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(r.stdout, data)
        r = self.h.run("open", "2023-09-dm")
        self.assertEqual(r.rc, 64)
        opens = T.catalog_query(self.h.home, "SELECT dataset, reason FROM opens")
        self.assertEqual(opens, [("2023-09-dm", "print job 4411")])
        out = os.path.join(self.h.d, "out.csv")
        r = self.h.run("open", "2023-09-dm", "--reason", "rerun", "--out", out)
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)

    def test_intake__cp932_and_tsv(self):
        data = ("\r\n".join([HEADER] + synthetic_rows(50)) + "\r\n").encode("cp932")
        r = self.h.intake(self.h.write("sjis.csv", data), "sjis")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("cp932", r.out)
        tsv = ("\n".join([HEADER.replace(",", "\t")] +
                         [x.replace(",", "\t") for x in synthetic_rows(20)]) + "\n")
        r = self.h.intake(self.h.write("t.tsv", tsv.encode("utf-8")), "tsv1")
        self.assertEqual(r.rc, 0, r.err)
        r = self.h.run("open", "sjis", "--reason", "check")
        self.assertEqual(r.stdout, data)

    def test_intake__xlsx(self):
        rows = [HEADER.split(",")] + [x.split(",") for x in synthetic_rows(40)]
        p = os.path.join(self.h.d, "dm.xlsx")
        make_xlsx(p, rows)
        r = self.h.intake(p, "x1")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("40 records", r.out)
        self.assertIn("xlsx", r.out)
        r = self.h.run("open", "x1", "--reason", "check")
        with open(p, "rb") as f:
            self.assertEqual(r.stdout, f.read())
        # a formula in a column without header: refused like any ragged row
        make_xlsx(p, rows, formula_row=5)
        r = self.h.intake(p, "x2")
        self.assertEqual(r.rc, 1)
        self.assertIn("data row 4", r.err)
        self.assertEqual(len(self.h.datasets()), 1)

    def assert_refused(self, r, *needles, rc=1):
        self.assertEqual(r.rc, rc, "expected refusal, got %d: %s" % (r.rc, r.err))
        for n in needles:
            self.assertIn(n, r.err)
        # nothing half-written
        self.assertEqual(self.h.datasets(), [])
        self.assertEqual(self.h.vault_files(), [])
        # no value of the file in the message
        for v in ("試験", "見本", "仮名", "架空", "例示", "example.invalid", "090-"):
            self.assertNotIn(v, r.err)

    def test_intake__bad_inputs(self):
        rows = synthetic_rows(30)
        good = ("\n".join([HEADER] + rows) + "\n").encode("utf-8")
        cases = [
            ("empty", b"", ["empty"]),
            ("header only", (HEADER + "\n").encode("utf-8"), ["header"]),
            ("duplicate header",
             ("\n".join([HEADER + ",氏名"] + [x + ",試験 一郎" for x in rows]) + "\n").encode(),
             ["same header"]),
            ("unknown header",
             ("\n".join([HEADER + ",謎の列"] + [x + ",x" for x in rows]) + "\n").encode(),
             ["not recognised", "--map"]),
            ("ragged", ("\n".join([HEADER] + rows[:5] + [rows[5] + ",extra"] + rows[6:]) +
                        "\n").encode(), ["data row 6", "fields"]),
            ("long cell", ("\n".join([HEADER] + rows[:3] +
                                     [rows[3].replace("C000004", "C" + "9" * (2 << 20))]) +
                           "\n").encode(), ["row 4", "column 1"]),
            ("mixed encoding", b"\n".join([HEADER.encode("utf-8")] +
                                          [x.encode("utf-8") for x in rows[:10]] +
                                          [rows[10].encode("cp932")] +
                                          [x.encode("utf-8") for x in rows[11:]]) + b"\n",
             ["data row 11", "encoding"]),
        ]
        for name, data, needles in cases:
            with self.subTest(case=name):
                r = self.h.intake(self.h.write("bad.csv", data), "ds-bad")
                self.assert_refused(r, *needles)
        p = self.h.write("good.csv", good)
        with self.subTest(case="past deadline"):
            # a bad option value is a usage error (64), checked before the file is read
            self.assert_refused(self.h.intake(p, "ds-bad", until="2001-01-01"), "past", rc=64)
        with self.subTest(case="unknown client"):
            self.assert_refused(self.h.intake(p, "ds-bad", client="nobody"), "no client")
        with self.subTest(case="bad map"):
            self.assert_refused(self.h.intake(p, "ds-bad", "--map", "謎=colour"), "--map", rc=64)
        with self.subTest(case="map of a missing header"):
            self.assert_refused(self.h.intake(p, "ds-bad", "--map", "謎=other"), "does not have")
        # an unknown column mapped is fine
        data = ("\n".join([HEADER + ",謎の列"] + [x + ",x" for x in rows]) + "\n").encode()
        r = self.h.intake(self.h.write("mapped.csv", data), "mapped", "--map", "謎の列=other")
        self.assertEqual(r.rc, 0, r.err)
        # an existing dataset id: refused, the first one intact
        r = self.h.intake(p, "mapped")
        self.assertEqual(r.rc, 1)
        self.assertIn("already exists", r.err)
        self.assertEqual(len(self.h.datasets()), 1)
        self.assertEqual(len(self.h.vault_files()), 1)

    def test_intake__wrong_key_and_corruption(self):
        data = ("\n".join([HEADER] + synthetic_rows(3000)) + "\n").encode("utf-8")
        r = self.h.intake(self.h.write("dm.csv", data), "ds1")
        self.assertEqual(r.rc, 0, r.err)
        vf = os.path.join(self.h.home, "vault", self.h.vault_files()[0])
        with open(vf, "rb") as f:
            orig = f.read()
        # one changed byte in the middle of the ciphertext
        bad = bytearray(orig)
        bad[len(bad) // 2] ^= 0x20
        with open(vf, "wb") as f:
            f.write(bad)
        r = self.h.run("open", "ds1", "--reason", "test")
        self.assertEqual(r.rc, 1)
        self.assertIn("authentication", r.err)
        # issue 10 item 5: the failed open is in the ledger as failed, after
        # the "vault.open" written before the first byte
        log = self.h.run("audit", "log")
        self.assertEqual(log.rc, 0, log.err)
        opens = [x for x in log.out.splitlines() if "vault.open" in x]
        self.assertGreaterEqual(len(opens), 2, log.out)
        self.assertIn("failed", opens[-1])
        self.assertNotIn("failed", opens[-2])
        r = self.h.run("open", "no-such-ds", "--reason", "test")
        self.assertEqual(r.rc, 1)
        log = self.h.run("audit", "log")
        last = [x for x in log.out.splitlines() if "vault.open" in x][-1]
        self.assertIn("no-such-ds", last)
        self.assertIn("failed", last)
        with open(vf, "wb") as f:
            f.write(orig[:-40])
        r = self.h.run("open", "ds1", "--reason", "test")
        self.assertEqual(r.rc, 1)
        with open(vf, "wb") as f:
            f.write(orig)
        # another master key: refused before any decryption
        kp = os.path.join(self.h.home, "keys", "master.key")
        with open(kp, "rb") as f:
            key = f.read()
        with open(kp, "wb") as f:
            f.write(os.urandom(32))
        r = self.h.run("open", "ds1", "--reason", "test")
        self.assertEqual(r.rc, 1)
        self.assertIn("wrong master key", r.err)
        self.assertEqual(r.stdout, b"")
        with open(kp, "wb") as f:
            f.write(key)
        os.chmod(kp, 0o644)
        r = self.h.run("client", "list")
        self.assertEqual(r.rc, 1)
        self.assertIn("0600", r.err)
        os.chmod(kp, 0o600)
        r = self.h.run("open", "ds1", "--reason", "test")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(r.stdout, data)

    def keys_held(self):
        p = os.path.join(self.h.home, "keys", "keystore.db")
        if not os.path.exists(p):
            return 0
        db = sqlite3.connect(p)
        try:
            return db.execute("SELECT count(*) FROM wrapped_keys").fetchone()[0]
        finally:
            db.close()

    def test_intake__kill9_leaves_nothing_half_written(self):
        # kill -9 after the vault file got its name and its key went to the
        # keystore ("intake"), and inside the catalog transaction, after the
        # rows and the ledger event, before the commit ("intake-tx"): no
        # catalog row, no fingerprints; the next open of the home destroys
        # the orphaned key and removes the file; the same id can be entrusted.
        data = ("\n".join([HEADER] + synthetic_rows(50)) + "\n").encode("utf-8")
        p = self.h.write("dm.csv", data)
        for step in ("intake", "intake-tx"):
            flag = os.path.join(self.h.d, "paused-" + step)
            env = dict(self.h.env, AZK_TEST_PAUSE=step, AZK_TEST_PAUSE_FILE=flag)
            proc = subprocess.Popen(
                [self.h.bin, "--home", self.h.home, "intake", "--client", "shinkin-a",
                 "--dataset", "crash", "--purpose", "direct mail", "--retain-until",
                 "2099-12-31", p], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for _ in range(600):
                if os.path.exists(flag) or proc.poll() is not None:
                    break
                time.sleep(0.05)
            self.assertTrue(os.path.exists(flag), "intake did not reach step " + step)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            for table in ("datasets", "fingerprints"):
                self.assertEqual(T.catalog_query(self.h.home, "SELECT count(*) FROM " + table),
                                 [(0,)], step + ": " + table)
            self.assertEqual(self.keys_held(), 1, step)  # the orphan, until the next open
            self.assertEqual(len([f for f in self.h.vault_files() if f.endswith(".azv")]), 1)
            r = self.h.run("client", "list")
            self.assertEqual(r.rc, 0, r.err)
            self.assertEqual(self.h.vault_files(), [], step)
            self.assertEqual(self.keys_held(), 0, step)
            r = self.h.run("audit", "log", "--format", "json")
            self.assertEqual(r.rc, 0, r.err)
            self.assertIn("vault.cleanup", r.out)
        r = self.h.intake(p, "crash")
        self.assertEqual(r.rc, 0, r.err)
        r = self.h.run("open", "crash", "--reason", "check")
        self.assertEqual(r.rc, 0, r.err)
        self.assertEqual(r.stdout, data)
        self.assertEqual(self.keys_held(), 1)

    def test_intake__passphrase_home(self):
        home2 = Home(self.tmp.path + "/p")
        os.makedirs(home2.d, exist_ok=True)
        home2.env["AZUKARI_PASSPHRASE"] = "synthetic passphrase 1"
        r = home2.run("init", "--passphrase")
        self.assertEqual(r.rc, 0, r.err)
        self.assertFalse(os.path.exists(os.path.join(home2.home, "keys", "master.key")))
        r = home2.run("client", "add", "c1")
        self.assertEqual(r.rc, 0, r.err)
        home2.env["AZUKARI_PASSPHRASE"] = "another passphrase"
        r = home2.run("client", "list")
        self.assertEqual(r.rc, 1)
        self.assertIn("wrong master key", r.err)


if __name__ == "__main__":
    unittest.main()
