# SPDX-License-Identifier: Apache-2.0
"""test_outputs.py -- files azukari writes, written safely (issue 10, items
11-14): every output file goes through one helper (a temporary in the
target's directory, renamed), so a symlink planted at the output name never
lets azukari write into its target (scan -o, redact -o, audit export -o,
impact --report-dir, fingerprints export); `open --out` on a full disk
leaves no clear-text partial copy and the ledger says the export failed;
the temporary of an intake killed with -9 is cleaned up at the next open
of the home; a blocked file is named in the ledger by a keyed hash, never
its path; control characters in file names and reasons never reach the
terminal raw (text report, `audit log`).

All data is synthetic (generated below).
"""

import json
import os
import signal
import subprocess
import time
import unittest

import azk_testlib as T

HEADER = "顧客番号,氏名,電話番号,住所"
VICTIM_TEXT = b"victim file: must stay unchanged\n"


def rows(n):
    fam = ["試験", "見本", "仮名", "架空", "例示"]
    giv = ["一郎", "花子", "次郎", "桜子", "三郎"]
    out = []
    for i in range(n):
        out.append("C%07d,%s %s,090-%04d-%04d,東京都千代田区試験町%d-%d-%d" % (
            i + 1, fam[i % 5], giv[(i // 5) % 5], i % 10000, (i * 7) % 10000,
            1 + i % 9, 1 + i % 20, 1 + i % 30))
    return out


class Outputs(unittest.TestCase):
    def setUp(self):
        self.tmpd = T.TempDir("azk-outputs-")
        self.d = self.tmpd.path
        self.bin = T.azk_bin()
        self.home = os.path.join(self.d, "home")
        self.env = dict(os.environ)
        self.env.pop("AZUKARI_HOME", None)
        self.env["AZUKARI_LANG"] = "en"
        self.victim = os.path.join(self.d, "victim.txt")
        with open(self.victim, "wb") as f:
            f.write(VICTIM_TEXT)

    def tearDown(self):
        self.tmpd.__exit__(None, None, None)

    def run_azk(self, *args, stdin=subprocess.DEVNULL):
        return T.run([self.bin, "--home", self.home] + list(args), env=self.env, stdin=stdin)

    def ok(self, *args):
        r = self.run_azk(*args)
        self.assertEqual(r.rc, 0, "%s: %s" % (args, r.err))
        return r

    def make_home(self, n=200, dataset="dm-1"):
        self.ok("init")
        self.ok("client", "add", "shinkin-a")
        p = os.path.join(self.d, dataset + ".csv")
        data = ("\n".join([HEADER] + rows(n)) + "\n").encode("utf-8")
        with open(p, "wb") as f:
            f.write(data)
        self.ok("intake", "--client", "shinkin-a", "--dataset", dataset, "--purpose",
                "direct mail", "--retain-until", "2099-12-31", p)
        return data

    def plant(self, path):
        os.symlink(self.victim, path)
        return path

    def assertVictimIntact(self):
        with open(self.victim, "rb") as f:
            self.assertEqual(f.read(), VICTIM_TEXT)

    def ledger(self):
        r = self.ok("audit", "log", "--format", "json")
        return [json.loads(x) for x in r.out.splitlines()]

    # ---- item 12: no output through a planted symlink -------------------------

    def test_outputs__scan_o_symlink(self):
        src = os.path.join(self.d, "share")
        os.makedirs(src)
        with open(os.path.join(src, "a.txt"), "w", encoding="utf-8") as f:
            f.write("電話 090-1234-5678 試験 一郎\n")
        link = self.plant(os.path.join(self.d, "report.jsonl"))
        r = T.run([self.bin, "scan", "--format", "jsonl", "-o", link, src], env=self.env)
        self.assertVictimIntact()
        self.assertEqual(r.rc, 2, r.err)
        self.assertIn("symbolic link", r.err)
        self.assertTrue(os.path.islink(link))
        # an ordinary -o still works and appears whole
        out = os.path.join(self.d, "report2.jsonl")
        r = T.run([self.bin, "scan", "--format", "jsonl", "-o", out, src], env=self.env)
        self.assertEqual(r.rc, 1, r.err)
        with open(out, encoding="utf-8") as f:
            self.assertIn('"phone"', f.read())
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)

    def test_outputs__redact_o_symlink(self):
        src = os.path.join(self.d, "in.log")
        with open(src, "w", encoding="utf-8") as f:
            f.write("tel 090-1234-5678\n")
        link = self.plant(os.path.join(self.d, "out.log"))
        r = T.run([self.bin, "redact", "-o", link, src], env=self.env)
        self.assertVictimIntact()
        self.assertNotEqual(r.rc, 0)
        out = os.path.join(self.d, "out2.log")
        r = T.run([self.bin, "redact", "-o", out, src], env=self.env)
        self.assertEqual(r.rc, 0, r.err)
        with open(out, encoding="utf-8") as f:
            text = f.read()
        self.assertIn("tel ", text)
        self.assertNotIn("090-1234-5678", text)

    def test_outputs__link_o_symlink(self):
        src = os.path.join(self.d, "people.csv")
        with open(src, "w", encoding="utf-8") as f:
            f.write("\n".join([HEADER] + rows(30)) + "\n")
        link = self.plant(os.path.join(self.d, "persons.jsonl"))
        r = T.run([self.bin, "link", "-o", link, src], env=self.env)
        self.assertVictimIntact()
        self.assertNotEqual(r.rc, 0)
        out = os.path.join(self.d, "persons2.jsonl")
        r = T.run([self.bin, "link", "-o", out, src], env=self.env)
        self.assertEqual(r.rc, 0, r.err)
        with open(out, encoding="utf-8") as f:
            self.assertIn('"totals"', f.read())

    def test_outputs__audit_export_symlink(self):
        self.ok("init")
        link = self.plant(os.path.join(self.d, "bundle.json"))
        r = self.run_azk("audit", "export", "-o", link)
        self.assertVictimIntact()
        self.assertNotEqual(r.rc, 0)
        out = os.path.join(self.d, "bundle2.json")
        self.ok("audit", "export", "-o", out)
        with open(out, encoding="utf-8") as f:
            json.load(f)

    def test_outputs__impact_report_dir_symlink(self):
        self.make_home()
        stolen = os.path.join(self.d, "stolen")
        os.makedirs(stolen)
        with open(os.path.join(stolen, "extract.csv"), "w", encoding="utf-8") as f:
            f.write("\n".join([HEADER] + rows(20)) + "\n")
        rep = os.path.join(self.d, "reports")
        os.makedirs(rep)
        self.plant(os.path.join(rep, "report-ppc.md"))
        r = self.run_azk("impact", "--as-of", "2027-01-15", "--report-dir", rep, stolen)
        self.assertVictimIntact()
        self.assertNotEqual(r.rc, 0)
        # with the link gone, the drafts are written
        os.unlink(os.path.join(rep, "report-ppc.md"))
        r = self.run_azk("impact", "--as-of", "2027-01-15", "--report-dir", rep, stolen)
        self.assertIn(r.rc, (0, 1), r.err)
        self.assertTrue(os.path.isfile(os.path.join(rep, "report-ppc.md")))
        self.assertFalse([n for n in os.listdir(rep) if n.startswith(".azk-")])

    def test_outputs__fingerprints_symlink(self):
        self.make_home()
        out = os.path.join(self.d, "fp.azf")
        self.plant(out)
        r = self.run_azk("fingerprints", "export", "--out", out)
        self.assertNotEqual(r.rc, 0)
        self.assertVictimIntact()
        os.unlink(out)
        key = self.plant(os.path.join(self.d, "fp.key"))
        r = self.run_azk("fingerprints", "export", "--out", out, "--key-out", key)
        self.assertNotEqual(r.rc, 0)
        self.assertVictimIntact()
        self.assertFalse(os.path.exists(out))  # no fingerprint file without its key
        self.assertFalse([n for n in os.listdir(self.d) if ".tmp" in n])
        # the temporary name must not be predictable either (it was FILE.tmp<pid>, opened
        # without O_EXCL): links planted at the next pids' names are never written through
        os.unlink(key)
        try:
            with open("/proc/sys/kernel/ns_last_pid") as f:
                last = int(f.read())
        except OSError:
            self.skipTest("no /proc/sys/kernel/ns_last_pid")
        for pid in range(last + 1, last + 400):
            os.symlink(self.victim, "%s.tmp%d" % (out, pid))
            os.symlink(self.victim, "%s.key.tmp%d" % (out, pid))
        self.ok("fingerprints", "export", "--out", out)
        self.assertVictimIntact()
        self.assertTrue(os.path.isfile(out) and not os.path.islink(out))

    # ---- item 11: open --out ------------------------------------------------

    def test_outputs__open_out_symlink_and_registered(self):
        data = self.make_home()
        link = self.plant(os.path.join(self.d, "job.csv"))
        r = self.run_azk("open", "dm-1", "--reason", "print job", "--out", link)
        self.assertNotEqual(r.rc, 0)
        self.assertVictimIntact()
        out = os.path.join(self.d, "job2.csv")
        self.ok("open", "dm-1", "--reason", "print job", "--out", out)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), data)
        self.assertEqual(os.stat(out).st_mode & 0o777, 0o600)
        r = self.ok("artifact", "list", "dm-1")
        self.assertIn(os.path.realpath(out), r.out)
        ev = [e for e in self.ledger() if e["action"] == "vault.export"]
        self.assertEqual([e["outcome"] for e in ev], ["ok"])
        self.assertNotIn("job2.csv", json.dumps(self.ledger()))

    def test_outputs__open_out_disk_full(self):
        if os.geteuid() != 0:
            self.skipTest("mounting a tmpfs needs root")
        self.make_home(n=20000)  # about 1.2 MB of plaintext
        mnt = os.path.join(self.d, "small")
        os.makedirs(mnt)
        r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt],
                           capture_output=True)
        if r.returncode != 0:
            self.skipTest("cannot mount a tmpfs here: %s" % r.stderr.decode())
        try:
            out = os.path.join(mnt, "job.csv")
            r = self.run_azk("open", "dm-1", "--reason", "print job", "--out", out)
            self.assertNotEqual(r.rc, 0)
            self.assertEqual(os.listdir(mnt), [])  # no partial clear-text copy
            st = os.statvfs(mnt)
            self.assertEqual(st.f_blocks - st.f_bfree, 0)  # not even an unnamed one
        finally:
            subprocess.run(["umount", mnt])
        ev = [e for e in self.ledger() if e["action"] == "vault.export"]
        self.assertEqual(len(ev), 1)
        self.assertEqual(ev[0]["outcome"], "failed")
        r = self.ok("artifact", "list", "dm-1")
        self.assertNotIn("job.csv", r.out)

    # ---- item 13: intake temporaries --------------------------------------------

    def test_outputs__intake_killed_tmp_cleaned(self):
        self.ok("init")
        self.ok("client", "add", "shinkin-a")
        vault = os.path.join(self.home, "vault")
        p = subprocess.Popen([self.bin, "--home", self.home, "intake", "--client", "shinkin-a",
                              "--dataset", "big", "--purpose", "direct mail",
                              "--retain-until", "2099-12-31", "-"],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=self.env)
        try:
            p.stdin.write(("\n".join([HEADER] + rows(5000)) + "\n").encode("utf-8"))
            p.stdin.flush()
            deadline = time.monotonic() + 30
            tmps = []
            while time.monotonic() < deadline:
                tmps = [n for n in os.listdir(vault) if n.endswith(".azv.tmp")]
                if tmps and os.path.getsize(os.path.join(vault, tmps[0])) > 0:
                    break
                time.sleep(0.05)
            self.assertTrue(tmps, "intake made no temporary file")
            # a second command while the intake is alive leaves its file alone
            self.ok("client", "list")
            self.assertEqual([n for n in os.listdir(vault) if n.endswith(".azv.tmp")], tmps)
        finally:
            p.send_signal(signal.SIGKILL)
            p.wait()
            p.stdin.close()
        self.assertTrue([n for n in os.listdir(vault) if n.endswith(".azv.tmp")])
        self.ok("client", "list")  # the next open of the home
        self.assertEqual([n for n in os.listdir(vault) if n.endswith(".azv.tmp")], [])
        ev = [e for e in self.ledger() if e["action"] == "vault.cleanup"]
        self.assertEqual(len(ev), 1)
        # the home still works: the dataset can be taken in again
        data_path = os.path.join(self.d, "again.csv")
        with open(data_path, "w", encoding="utf-8") as f:
            f.write("\n".join([HEADER] + rows(50)) + "\n")
        self.ok("intake", "--client", "shinkin-a", "--dataset", "big", "--purpose", "dm",
                "--retain-until", "2099-12-31", data_path)

    # ---- item 14: names in the ledger and on the terminal -------------------------

    def test_outputs__guard_block_ledger_has_no_path(self):
        self.ok("init")
        name = "山田太郎様_請求書.csv"
        p = os.path.join(self.d, name)
        with open(p, "w", encoding="utf-8") as f:
            f.write("\n".join([HEADER] + rows(300)) + "\n")
        r = self.run_azk("guard", "check", p)
        self.assertEqual(r.rc, 1, r.out + r.err)
        ev = [e for e in self.ledger() if e["action"] == "guard.block"]
        self.assertEqual(len(ev), 1)
        text = json.dumps(ev, ensure_ascii=False)
        self.assertNotIn("山田", text)
        self.assertNotIn(self.d, text)
        self.assertRegex(ev[0]["objects"][0], r"^name:[0-9a-f]{32}$")
        # the same path gives the same id (blocks of one file can be found together)
        self.run_azk("guard", "check", p)
        ev2 = [e for e in self.ledger() if e["action"] == "guard.block"]
        self.assertEqual(ev2[1]["objects"], ev[0]["objects"])
        # the text output shows a hostile name escaped
        bad = os.path.join(self.d, "x\x1b[2J\ry.csv")
        os.rename(p, bad)
        r = self.run_azk("guard", "check", bad)
        self.assertEqual(r.rc, 1, r.out + r.err)
        self.assertNotIn(b"\x1b", r.stdout)
        self.assertIn("x\\x1B[2J\\x0Dy.csv", r.out)
        st = os.stat(os.path.join(self.home, "keys", "names.key"))
        self.assertEqual(st.st_mode & 0o777, 0o600)
        r = self.ok("audit", "verify")

    def test_outputs__audit_log_escapes_control_characters(self):
        self.make_home()
        reason = "job\x1b[2J\rforged line\nX"
        self.ok("open", "dm-1", "--reason", reason, "--out", os.path.join(self.d, "o.csv"))
        r = self.ok("audit", "log")
        self.assertNotIn(b"\x1b", r.stdout)
        self.assertNotIn(b"\r", r.stdout)
        self.assertNotIn(b"forged line\n", r.stdout)
        self.assertIn("job\\x1B[2J\\x0Dforged line\\x0AX", r.out)

    def test_outputs__scan_text_report_escapes_names(self):
        src = os.path.join(self.d, "share")
        os.makedirs(src)
        with open(os.path.join(src, "a\x1b[31m\rb\n.txt"), "w", encoding="utf-8") as f:
            f.write("電話 090-1234-5678\n")
        r = T.run([self.bin, "scan", "--format", "text", src], env=self.env)
        self.assertEqual(r.rc, 1, r.err)
        self.assertNotIn(b"\x1b", r.stdout)
        self.assertNotIn(b"\r", r.stdout)
        self.assertIn("a\\x1B[31m\\x0Db\\x0A.txt", r.out)


if __name__ == "__main__":
    unittest.main()
