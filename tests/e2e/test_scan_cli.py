# SPDX-License-Identifier: Apache-2.0
"""test_scan_cli.py -- end-to-end tests of `azukari scan` as scripts use it:
the JSON Lines contract of DESIGN.md (fields, member paths, exit status),
the other report formats, the walk (FIFOs, symlinks, non-UTF-8 names,
excludes), the incremental cache, and that no raw personal value ever
reaches any output. Synthetic values only.
"""

import csv
import io
import json
import os
import subprocess
import time
import unittest
import zipfile

from azk_testlib import TempDir, azk_bin, run

PHONE = "090-3141-5926"
EMAIL = "taro.test@example.jp"
NAME_FAMILY, NAME_GIVEN = "山田", "太郎"
RAW_VALUES = [PHONE, "09031415926", "3141-5926", EMAIL, "taro.test"]


def write(path, data, mode="w", encoding="utf-8"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if "b" in mode:
        with open(path, mode) as f:
            f.write(data)
    else:
        with open(path, mode, encoding=encoding, newline="") as f:
            f.write(data)


def make_share(root):
    """A small share: a log, a CP932 CSV, a nested zip, a clean file."""
    write(os.path.join(root, "logs", "print.log"),
          "2024-03-01 12:00:00 INFO job 4411 start\n"
          f"2024-03-01 12:00:01 INFO 宛名 {NAME_FAMILY} {NAME_GIVEN}様 TEL {PHONE}\n"
          f"2024-03-01 12:00:02 INFO mail {EMAIL}\n"
          "2024-03-01 12:00:03 INFO job 4411 end\n")
    rows = "氏名,電話番号,メール\r\n" + f"{NAME_FAMILY} {NAME_GIVEN},{PHONE},{EMAIL}\r\n"
    write(os.path.join(root, "data", "list.csv"), rows.encode("cp932"), mode="wb")
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a.csv", rows.encode("utf-8"))
    os.makedirs(os.path.join(root, "old"), exist_ok=True)
    with zipfile.ZipFile(os.path.join(root, "old", "job.zip"), "w") as z:
        z.writestr("inner.zip", inner.getvalue())
        z.writestr("logs/clean.log", "nothing personal here\n")
    write(os.path.join(root, "clean.txt"), "version 1.2.3.4 build 20240301\n")


def scan_jsonl(args, paths, **kw):
    r = run([azk_bin(), "scan", "--format", "jsonl", *args, *paths], **kw)
    objs = [json.loads(line) for line in r.stdout.decode("utf-8").splitlines() if line.strip()]
    return r, objs


def by_key(objs):
    return {(os.path.basename(o["path"]), tuple(o["member"])): o for o in objs}


class ScanContract(unittest.TestCase):
    def test_jsonl_contract_and_exit_status(self):
        with TempDir() as d:
            make_share(d)
            r, objs = scan_jsonl([], [d])
            self.assertEqual(r.rc, 1, r.stderr)
            objs_k = by_key(objs)
            log = objs_k[("print.log", ())]
            self.assertEqual(log["format"], "text")
            self.assertEqual(log["member"], [])
            types = {f["type"] for f in log["findings"]}
            self.assertIn("phone", types)
            self.assertIn("email", types)
            for f in log["findings"]:
                self.assertEqual(set(f), {"type", "line", "masked", "confidence"})
                self.assertIsInstance(f["line"], int)
                self.assertTrue(0.0 <= f["confidence"] <= 1.0)
            phone = [f for f in log["findings"] if f["type"] == "phone"][0]
            self.assertEqual(phone["line"], 2)
            csvo = objs_k[("list.csv", ())]
            self.assertEqual(csvo["encoding"], "cp932")
            self.assertEqual(csvo["format"], "csv")
            self.assertIn("person_name", {f["type"] for f in csvo["findings"]})
            nested = objs_k[("job.zip", ("inner.zip", "a.csv"))]
            self.assertIn("phone", {f["type"] for f in nested["findings"]})
            self.assertIn(("job.zip", ("logs/clean.log",)), objs_k)
            self.assertEqual(objs_k[("clean.txt", ())]["findings"], [])
            for o in objs:
                self.assertIn("edm", o)
                self.assertNotIn("error", o)

    def test_clean_tree_exits_zero(self):
        with TempDir() as d:
            write(os.path.join(d, "a.log"), "2024-03-01 12:00:00 INFO started pid 4411\n")
            write(os.path.join(d, "empty.txt"), "")
            r, objs = scan_jsonl([], [d])
            self.assertEqual(r.rc, 0, r.stderr)
            self.assertEqual(len(objs), 2)

    def test_unreadable_object_exits_two_and_run_goes_on(self):
        with TempDir() as d:
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr("a.txt", "x" * 100000)
            write(os.path.join(d, "bad.zip"), buf.getvalue()[:200], mode="wb")
            write(os.path.join(d, "ok.txt"), "hello\n")
            r, objs = scan_jsonl([], [d])
            self.assertEqual(r.rc, 2, r.stderr)
            k = by_key(objs)
            self.assertIn("error", k[("bad.zip", ())])
            self.assertEqual(set(k[("bad.zip", ())]["error"]), {"code", "message"})
            self.assertNotIn("error", k[("ok.txt", ())])

    def test_walk_fifo_symlink_and_non_utf8_name(self):
        with TempDir() as d:
            os.mkfifo(os.path.join(d, "pipe"))
            write(os.path.join(d, "real.log"), f"TEL {PHONE}\n")
            os.symlink(os.path.join(d, "real.log"), os.path.join(d, "link.log"))
            bad = os.path.join(d.encode(), "\u5b9b\u540d".encode("cp932") + b".txt")
            with open(bad, "wb") as f:
                f.write(b"hello\n")
            r, objs = scan_jsonl([], [d], timeout=60)
            self.assertFalse(r.timed_out, "FIFO must be skipped, not opened")
            names = sorted(os.path.basename(o["path"]) for o in objs)
            self.assertNotIn("pipe", names)
            self.assertNotIn("link.log", names)  # symlinks not followed by default
            self.assertIn("real.log", names)
            escaped = [n for n in names if n.endswith(".txt")][0]
            self.assertEqual(escaped, "\\x88\\xB6\\x96\\xBC.txt")
            r2, objs2 = scan_jsonl(["--follow"], [d])
            self.assertIn("link.log", [os.path.basename(o["path"]) for o in objs2])

    def test_walk_followed_symlinks_are_read(self):
        # -L and symbolic links named on the command line are read (they used to
        # fail with "Too many levels of symbolic links", against the man page)
        with TempDir() as d:
            write(os.path.join(d, "real.log"), f"TEL {PHONE}\n")
            os.symlink(os.path.join(d, "real.log"), os.path.join(d, "link.log"))
            os.makedirs(os.path.join(d, "tree"))
            os.symlink("../real.log", os.path.join(d, "tree", "rel.log"))
            os.symlink(os.path.join(d, "tree"), os.path.join(d, "treelink"))
            for args, paths, name in (([], [os.path.join(d, "link.log")], "link.log"),
                                      (["-L"], [os.path.join(d, "tree")], "rel.log"),
                                      ([], [os.path.join(d, "treelink")], None)):
                r, objs = scan_jsonl(args, paths)
                got = [o for o in objs if os.path.basename(o["path"]) == name]
                if name is None:  # a linked directory: its link inside is not followed
                    self.assertEqual(objs, [], objs)
                    self.assertEqual(r.rc, 0, r.stderr)
                    continue
                self.assertEqual(len(got), 1, objs)
                self.assertNotIn("error", got[0], got[0])
                self.assertEqual(got[0]["counts"].get("phone"), 1, got[0])
                self.assertEqual(r.rc, 1, r.stderr)

    def test_include_exclude_and_max_size(self):
        with TempDir() as d:
            write(os.path.join(d, "a.log"), f"TEL {PHONE}\n")
            write(os.path.join(d, "skip", "b.log"), f"TEL {PHONE}\n")
            write(os.path.join(d, "c.csv"), "x\n" * 10)
            _, objs = scan_jsonl(["--exclude", "skip", "--include", "*.log"], [d])
            self.assertEqual([os.path.basename(o["path"]) for o in objs], ["a.log"])
            r, objs = scan_jsonl(["--max-size", "5"], [d])
            self.assertTrue(all(o.get("error", {}).get("code") == "limit" for o in objs))
            self.assertEqual(r.rc, 2)

    def test_cache_reuses_unchanged_files(self):
        with TempDir() as d:
            share = os.path.join(d, "share")
            make_share(share)
            cache = os.path.join(d, "cache.db")
            r1 = run([azk_bin(), "scan", "--format", "summary", "--cache", cache, share])
            s1 = json.loads(r1.stdout)
            self.assertEqual(s1["cached"], 0)
            r2 = run([azk_bin(), "scan", "--format", "summary", "--cache", cache, share])
            s2 = json.loads(r2.stdout)
            self.assertEqual(s2["cached"], s1["files"])
            self.assertEqual(s2["counts"], s1["counts"])
            self.assertEqual(r1.rc, r2.rc)
            time.sleep(0.01)
            write(os.path.join(share, "logs", "print.log"), "now clean\n")
            r3 = run([azk_bin(), "scan", "--format", "summary", "--cache", cache, share])
            s3 = json.loads(r3.stdout)
            self.assertEqual(s3["cached"], s1["files"] - 1)
            self.assertLess(s3["counts"]["phone"], s1["counts"]["phone"])

    def test_formats_and_no_raw_values_anywhere(self):
        with TempDir() as d:
            share = os.path.join(d, "share")
            make_share(share)
            outputs = []
            for fmt in ("jsonl", "text", "csv", "summary"):
                r = run([azk_bin(), "scan", "--format", fmt, share])
                self.assertEqual(r.rc, 1, r.stderr)
                outputs.append(r.stdout + r.stderr)
                if fmt == "csv":
                    rows = list(csv.reader(io.StringIO(r.stdout.decode())))
                    self.assertEqual(rows[0][:5], ["path", "member", "format", "encoding", "type"])
                    self.assertGreater(len(rows), 3)
                if fmt == "summary":
                    s = json.loads(r.stdout)
                    self.assertGreater(s["counts"]["phone"], 0)
                if fmt == "text":
                    self.assertIn("電話番号", r.stdout.decode())
            r = run([azk_bin(), "--lang", "en", "scan", "--format", "text", share])
            self.assertIn("phone number", r.stdout.decode())
            outputs.append(r.stdout + r.stderr)
            for out in outputs:
                text = out.decode("utf-8", "replace")
                for raw in RAW_VALUES:
                    self.assertNotIn(raw, text)
                self.assertNotIn(NAME_FAMILY + " " + NAME_GIVEN, text)
                self.assertNotIn(NAME_GIVEN, text)

    def test_ledger_event_with_a_home(self):
        """A scan that found something is a `scan` ledger event of the host's home
        (counts only, no path); a clean scan, or a host without a home, records
        nothing (azk_scan_record_event)."""
        with TempDir() as d:
            home = os.path.join(d, "home")
            share = os.path.join(d, "share-山田")
            env = dict(os.environ, AZUKARI_LANG="en", AZUKARI_HOME=home)
            self.assertEqual(run([azk_bin(), "init"], env=env).rc, 0)

            def scans():
                r = run([azk_bin(), "audit", "log", "--format", "json"], env=env)
                self.assertEqual(r.rc, 0, r.stderr)
                return [json.loads(l) for l in r.stdout.decode().splitlines()
                        if json.loads(l).get("action") == "scan"]

            write(os.path.join(share, "clean.txt"), "nothing here\n")
            r = run([azk_bin(), "scan", "--format", "jsonl", share], env=env)
            self.assertEqual(r.rc, 0, r.stderr)
            self.assertEqual(scans(), [])
            write(os.path.join(share, "print.log"), f"TEL {PHONE} mail {EMAIL}\n")
            r = run([azk_bin(), "scan", "--format", "jsonl", share], env=env)
            self.assertEqual(r.rc, 1, r.stderr)
            ev = scans()
            self.assertEqual(len(ev), 1, ev)
            self.assertEqual(ev[0]["outcome"], "personal-data-found")
            extra = ev[0]["extra"]
            self.assertEqual(set(extra), {"files", "objects", "with_findings", "findings",
                                          "edm_records", "errors"})
            self.assertEqual((extra["files"], extra["with_findings"], extra["edm_records"]),
                             (2, 1, 0))
            self.assertEqual(ev[0]["objects"], [])
            with open(os.path.join(home, "ledger", "entries.log"), "rb") as f:
                log = f.read()
            self.assertNotIn("share-山田".encode(), log)
            self.assertNotIn(b"print.log", log)
            self.assertNotIn(PHONE.encode(), log)
            # no home: the scan runs, nothing is recorded anywhere
            env2 = dict(env, AZUKARI_HOME=os.path.join(d, "none"))
            r = run([azk_bin(), "scan", "--format", "jsonl", share], env=env2)
            self.assertEqual(r.rc, 1, r.stderr)
            self.assertFalse(os.path.exists(os.path.join(d, "none")))

    def test_usage_errors(self):
        r = run([azk_bin(), "scan"])
        self.assertEqual(r.rc, 64)
        r = run([azk_bin(), "scan", "--format", "xml", "."])
        self.assertEqual(r.rc, 64)
        r = run([azk_bin(), "scan", "--encoding", "klingon", "."])
        self.assertEqual(r.rc, 64)  # a bad option value is a usage error (was 2)

    def test_failed_output_stops_the_scan(self):
        # stdout is /dev/full: the first report write fails, and the scan must
        # stop there with a clear error (exit 2), not walk the whole tree
        # writing nothing (before: exit 2 only after scanning everything)
        with TempDir() as d:
            root = os.path.join(d, "share")
            for i in range(300):
                write(os.path.join(root, f"f{i:04d}.txt"), f"TEL {PHONE} row {i}\n" * 20)
            env = dict(os.environ, AZUKARI_LANG="en")
            with open("/dev/full", "wb") as full:
                p = subprocess.run([azk_bin(), "scan", "--threads", "1", "--format", "jsonl",
                                    root], stdout=full, stderr=subprocess.PIPE, env=env,
                                   timeout=120)
            err = p.stderr.decode()
            self.assertEqual(p.returncode, 2, err)
            self.assertIn("cannot write the report (No space left on device): scan stopped",
                          err)
            for v in RAW_VALUES:
                self.assertNotIn(v, err)

    def test_every_command_has_help(self):
        r = run([azk_bin(), "--help"])
        self.assertEqual(r.rc, 0)
        cmds = []
        for line in r.stdout.decode().splitlines():
            if line.startswith("  ") and line.split():
                cmds.append(line.split()[0])
        self.assertIn("scan", cmds)
        for c in cmds:
            if c == "version":
                continue
            rh = run([azk_bin(), c, "--help"])
            self.assertEqual(rh.rc, 0, f"{c} --help")
            self.assertTrue(rh.stdout.strip(), f"{c} --help prints nothing")


class Redact(unittest.TestCase):
    LINE = f"2024-03-01 INFO 宛名 {NAME_FAMILY} {NAME_GIVEN}様 TEL {PHONE} mail {EMAIL}\n"

    def test_mask_mode_removes_values(self):
        r = subprocess.run([azk_bin(), "redact"], input=self.LINE.encode(), capture_output=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode()
        for raw in RAW_VALUES:
            self.assertNotIn(raw, out)
        self.assertNotIn(NAME_GIVEN, out)
        self.assertIn("2024-03-01 INFO", out)
        self.assertEqual(out.count("\n"), 1)

    def test_pseudonym_is_stable_across_forms(self):
        with TempDir() as d:
            env = dict(os.environ, AZUKARI_HOME=os.path.join(d, "home"))
            text = f"a {PHONE}\nb ０９０－３１４１－５９２６\nc 080-2718-2818\n"
            r = subprocess.run([azk_bin(), "redact", "--mode", "pseudonym"], input=text.encode(),
                               capture_output=True, env=env, timeout=60)
            self.assertEqual(r.returncode, 0, r.stderr)
            lines = r.stdout.decode().splitlines()
            toks = [ln.split(" ", 1)[1] for ln in lines]
            self.assertTrue(toks[0].startswith("[phone:"), lines)
            self.assertEqual(toks[0], toks[1])
            self.assertNotEqual(toks[0], toks[2])
            key = os.path.join(d, "home", "keys", "redact.key")
            self.assertEqual(os.stat(key).st_mode & 0o777, 0o600)

    def test_line_buffered_in_a_pipe(self):
        p = subprocess.Popen([azk_bin(), "redact"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            p.stdin.write(f"TEL {PHONE}\n".encode())
            p.stdin.flush()
            line = p.stdout.readline()  # must arrive before stdin closes
            self.assertIn(b"TEL", line)
            self.assertNotIn(PHONE.encode(), line)
        finally:
            p.stdin.close()
            p.wait(timeout=30)

    def test_long_lines_cut_between_characters_with_overlap(self):
        # lines over 1 MiB: a name and a phone number are put across every byte
        # position near the old cut (1 MiB) and near the new one (1 MiB - 4 KiB);
        # none may come out in clear, and each line stays one line
        mib = 1 << 20
        lines = []
        for base in (mib, mib - 4096):
            for d in range(-14, 10):
                value = f"宛名 {NAME_FAMILY} {NAME_GIVEN}様 TEL {PHONE} "
                head = "x" * (base + d - len("宛名 ".encode()) - 3) + " "
                lines.append(head + value + "y" * 2000)
        text = "\n".join(lines) + "\n"
        for enc in ("utf-8", "cp932"):
            data = text.encode(enc) if enc == "utf-8" else "\n".join(lines[:8]).encode(enc)
            r = subprocess.run([azk_bin(), "redact", "--encoding", enc], input=data,
                               capture_output=True, timeout=600)
            self.assertEqual(r.returncode, 0, r.stderr)
            out = r.stdout.decode("utf-8")
            self.assertNotIn(NAME_GIVEN, out, enc)
            self.assertNotIn(PHONE, out, enc)
            self.assertNotIn("\ufffd", out, enc)  # no character was split
            self.assertEqual(out.count("\n"), len(lines) if enc == "utf-8" else 8, enc)
            self.assertEqual(out.count("宛名"), out.count("\n"), enc)

    def test_cp932_input(self):
        data = self.LINE.encode("cp932")
        r = subprocess.run([azk_bin(), "redact", "--encoding", "cp932"], input=data,
                           capture_output=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        out = r.stdout.decode("utf-8")
        self.assertIn("宛名", out)
        self.assertNotIn(PHONE, out)


if __name__ == "__main__":
    unittest.main()
