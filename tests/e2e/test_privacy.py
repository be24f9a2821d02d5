# SPDX-License-Identifier: Apache-2.0
"""test_privacy.py -- the rule the product comes from: azukari never writes a
personal value in clear text to its own logs, error messages, reports or
temporary files.

One synthetic person file with unique marker values goes through every
command that touches personal data (init, client, intake, open, fingerprints
export, scan with and without fingerprints, redact, link, guard check, audit
log/verify/export, retention status when present, impact when present),
with TMPDIR pointed into the test directory. Then every byte azukari wrote
(stdout, stderr, every file under the home, TMPDIR and the output
directory) is searched for each raw value, in UTF-8, CP932 and UTF-16LE.
The only places a value may appear are the input files themselves and the
plaintext that `open --out` was asked to write.
"""

import os
import subprocess
import unittest

import azk_testlib as T

# unique, synthetic, valid-looking values (no real person)
FAMILY, GIVEN = "鷲羽", "朔太郎"
KANA = "ワシュウ サクタロウ"
PHONE = "090-7319-2846"
EMAIL = "sakutaro.washu.marker@example.jp"
BIRTH = "1974-06-19"
ADDRESS = "岡山県倉敷市児島唐琴町7-3-11"
POSTAL = "711-0926"
MARKERS = [FAMILY + " " + GIVEN, FAMILY + GIVEN, GIVEN, KANA, "サクタロウ", PHONE, "09073192846",
           "7319-2846", EMAIL, "sakutaro.washu", "児島唐琴町", POSTAL, "7110926"]


def person_csv():
    head = "顧客番号,氏名,フリガナ,生年月日,郵便番号,住所,電話番号,メール\n"
    rows = [f"K000001,{FAMILY} {GIVEN},{KANA},{BIRTH},{POSTAL},{ADDRESS},{PHONE},{EMAIL}\n"]
    # a few other synthetic rows so the dataset looks like one
    for i in range(2, 30):
        rows.append(f"K{i:06d},試験 {i}郎,シケン {i}ロウ,1980-01-{i % 28 + 1:02d},100-00{i:02d},"
                    f"東京都千代田区試験町{i}-1-1,080-1000-{1000 + i},t{i}@example.invalid\n")
    return head + "".join(rows)


def encodings(s):
    out = [s.encode("utf-8")]
    for enc in ("cp932", "utf-16-le"):
        try:
            out.append(s.encode(enc))
        except UnicodeEncodeError:
            pass
    return out


class Privacy(unittest.TestCase):
    def test_no_value_in_anything_azukari_writes(self):
        b = T.azk_bin()
        with T.TempDir() as d:
            home = os.path.join(d, "home")
            tmp = os.path.join(d, "tmp")
            out = os.path.join(d, "out")
            inp = os.path.join(d, "in")
            for p in (tmp, out, inp):
                os.makedirs(p)
            env = dict(os.environ, AZUKARI_HOME=home, TMPDIR=tmp, AZUKARI_LANG="ja")
            csv_path = os.path.join(inp, "list.csv")
            with open(csv_path, "w", encoding="utf-8") as f:
                f.write(person_csv())
            leak = os.path.join(inp, "leak")
            os.makedirs(leak)
            with open(os.path.join(leak, "print.log"), "wb") as f:
                f.write(f"2024-03-01 INFO 宛名 {FAMILY} {GIVEN}様 TEL {PHONE} {EMAIL}\n"
                        .encode("cp932"))
            plain_out = os.path.join(out, "opened.csv")
            captured = []

            def azk(*args, ok=(0,), stdin=None):
                r = subprocess.run(T.with_test_catalog([b, *args]), env=env, capture_output=True, timeout=300,
                                   input=stdin)
                captured.append((" ".join(args[:2]), r.stdout + r.stderr))
                self.assertIn(r.returncode, ok, f"{args}: {r.stderr.decode(errors='replace')}")
                return r

            azk("init")
            azk("client", "add", "shinkin-a", "--name", "信用金庫A")
            azk("intake", "--client", "shinkin-a", "--dataset", "2024-03-dm", "--purpose", "DM",
                "--retain-until", "2099-12-31", csv_path)
            # a failing intake must not echo values either
            azk("intake", "--client", "shinkin-a", "--dataset", "2024-03-dm", "--purpose", "DM",
                "--retain-until", "2099-12-31", csv_path, ok=(1,))
            azk("open", "2024-03-dm", "--reason", "job 1", "--out", plain_out)
            fp = os.path.join(out, "fp.azf")
            azk("fingerprints", "export", "--out", fp)
            for fmt in ("jsonl", "text", "csv", "summary"):
                azk("scan", "--format", fmt, leak, ok=(1,))
            r = azk("scan", "--format", "jsonl", "--fingerprints", fp, leak, ok=(1,))
            self.assertIn(b"shinkin-a", r.stdout)
            azk("scan", "--cache", os.path.join(out, "cache.db"), leak, csv_path, ok=(1,))
            azk("redact", stdin=f"TEL {PHONE} {FAMILY} {GIVEN}様 {EMAIL}\n".encode())
            azk("redact", "--mode", "pseudonym", stdin=f"TEL {PHONE}\n".encode())
            azk("link", csv_path, os.path.join(leak, "print.log"), ok=(0, 2))
            azk("link", "--format", "text", csv_path)
            azk("guard", "check", os.path.join(leak, "print.log"), ok=(0, 1))
            azk("guard", "check", "--fingerprints", fp, os.path.join(leak, "print.log"), ok=(1,))
            azk("audit", "log")
            azk("audit", "verify")
            azk("audit", "export", "--from", "0", "--to", "3", "-o",
                os.path.join(out, "bundle.json"))
            cmds = subprocess.run([b, "--help"], capture_output=True).stdout.decode()
            if "  retention" in cmds:
                azk("retention", "status", ok=(0, 1))
            if "  impact" in cmds:
                azk("impact", "--report-dir", os.path.join(out, "report"), leak, ok=(0, 1, 2))

            needles = []
            for m in MARKERS:
                needles.extend(encodings(m))
            # every output of every command
            for what, data in captured:
                for n in needles:
                    self.assertNotIn(n, data, f"a personal value in the output of {what}")
            # every file azukari wrote, except the inputs and the asked-for plaintext
            allowed = {os.path.realpath(csv_path), os.path.realpath(plain_out)}
            checked = 0
            for root in (home, tmp, out):
                for dp, _dn, fn in os.walk(root):
                    for name in fn:
                        p = os.path.join(dp, name)
                        if os.path.realpath(p) in allowed or os.path.islink(p):
                            continue
                        with open(p, "rb") as f:
                            data = f.read()
                        checked += 1
                        for n in needles:
                            self.assertNotIn(n, data, f"a personal value in {os.path.relpath(p, d)}")
                        # names must not appear in file names either
                        for m in MARKERS:
                            self.assertNotIn(m, name)
            self.assertGreater(checked, 5)
            # a catalog in PostgreSQL (AZK_TEST_CATALOG): the whole database, as pg_dump gives it
            url = T.home_catalog(home)
            if url:
                dump = T.pg_dump(url)
                self.assertIn(b"CREATE TABLE", dump)
                for n in needles:
                    self.assertNotIn(n, dump, "a personal value in the PostgreSQL catalog")
            # the search itself works: the plaintext asked for does hold the values
            with open(plain_out, "rb") as f:
                self.assertIn(PHONE.encode(), f.read())
            self.assertEqual(os.listdir(tmp), [], "temporary files left behind")


if __name__ == "__main__":
    unittest.main()
