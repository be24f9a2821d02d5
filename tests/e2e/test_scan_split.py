# SPDX-License-Identifier: Apache-2.0
"""test_scan_split.py -- one large text file scanned in ranges by several
workers (src/lib/scan/split.c) gives exactly the result of the one-pass scan:
the same records, findings in the same order with the same types, lines,
masked values and confidences, the same counts, truncation and errors.

The test builds' knob AZK_TEST_SPLIT_MIN (bytes) lowers the split size
(64 MiB) so files of about a megabyte are split; AZK_TEST_SPLIT_TRACE makes
the scanner say on stderr whether the ranges were joined ("azk-test: split
joined N ranges") or dropped for a one-pass scan ("... fallback ..."). Each
case compares --threads 1 (never split) with --threads 2, 3 and 4, and
checks the trace says what the case is about: joined for files the ranges
can stand for (UTF-8, CP932, EUC-JP logs; \\r\\n and lone \\r line ends;
max_findings cut across ranges; CSV/TSV whose column kinds come from the
header, quoted line breaks inside a range), fallback where a range cannot
start fresh (a file that changes encoding, too many undecodable bytes,
base64 / quoted-printable lines or a quoted CSV field across a boundary,
hidden content with lines of its own). Synthetic data only.
"""

import base64
import io
import os
import re
import sys
import threading
import time
import unittest
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import azk_testlib as T  # noqa: E402

SPLIT_MIN = "262144"
SURNAMES = ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村"]
GIVEN = ["太郎", "花子", "一郎", "美咲", "健太", "陽子"]


def log_lines(n, seed=0, eol="\n"):
    """n lines of a synthetic application log, some with personal data."""
    out = []
    for i in range(n):
        k = i + seed
        if k % 7 == 0:
            out.append("2024-03-01 09:%02d:%02d INFO 顧客 氏名:%s %s 電話 090-%04d-%04d" % (
                k // 60 % 60, k % 60, SURNAMES[k % 8], GIVEN[k % 6], 1000 + k % 9000,
                2000 + (k * 7) % 8000))
        elif k % 11 == 0:
            out.append("2024-03-01 10:%02d:%02d INFO 送信先 user%d.kanri@example.jp 完了" % (
                k // 60 % 60, k % 60, k))
        else:
            out.append("2024-03-01 11:%02d:%02d DEBUG 印刷ジョブ %d 処理中 ページ %d" % (
                k // 60 % 60, k % 60, k, k % 97))
    return eol.join(out) + eol


class SplitTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.bin = T.azk_bin()

    def setUp(self):
        self.tmp = T.TempDir()

    def tearDown(self):
        self.tmp.__exit__(None, None, None)

    def write(self, name, data):
        path = os.path.join(self.tmp.path, name)
        with open(path, "wb") as f:
            f.write(data)
        return path

    def scan(self, path, threads, extra=()):
        env = dict(os.environ, AZK_TEST_SPLIT_MIN=SPLIT_MIN, AZK_TEST_SPLIT_TRACE="1")
        res, recs = T.scan([path], args=["--threads", str(threads), "--no-progress"] + list(extra),
                           env=env, timeout=120)
        self.assertFalse(res.timed_out)
        trace = re.findall(r"azk-test: split (\w+) (\d+) ranges", res.err)
        err = "\n".join(l for l in res.err.splitlines() if not l.startswith("azk-test:"))
        return res.rc, recs, err, trace

    def same(self, path, expect, extra=(), min_findings=1):
        """threads 1 vs 2..4: identical; the trace of each says `expect`."""
        rc1, recs1, err1, trace1 = self.scan(path, 1, extra)
        self.assertEqual(trace1, [], "one thread never splits")
        self.assertGreaterEqual(len(recs1), 1)
        self.assertGreaterEqual(len(recs1[-1]["findings"]), min_findings)
        for n in (2, 3, 4):
            rc, recs, err, trace = self.scan(path, n, extra)
            self.assertEqual(len(trace), 1, "threads %d: split trace %r" % (n, trace))
            self.assertEqual(trace[0][0], expect, "threads %d" % n)
            self.assertGreaterEqual(int(trace[0][1]), 2)
            self.assertEqual(rc, rc1, "threads %d: exit status" % n)
            self.assertEqual(err, err1, "threads %d: stderr" % n)
            self.assertEqual(len(recs), len(recs1))
            for a, b in zip(recs1, recs):
                for key in sorted(set(a) | set(b)):
                    if key == "findings":
                        self.assertEqual(len(a[key]), len(b[key]), "threads %d" % n)
                        for i, (fa, fb) in enumerate(zip(a[key], b[key])):
                            self.assertEqual(fa, fb, "threads %d: finding %d" % (n, i))
                    else:
                        self.assertEqual(a.get(key), b.get(key), "threads %d: %s" % (n, key))
        return recs1

    # ---- joined ------------------------------------------------------------------
    def test_utf8_log(self):
        path = self.write("app.log", log_lines(24000).encode("utf-8"))
        recs = self.same(path, "joined")
        self.assertEqual(recs[0]["encoding"], "utf-8")
        self.assertGreater(max(f["line"] for f in recs[0]["findings"]), 20000)

    def test_cp932_log(self):
        path = self.write("app_sjis.log", log_lines(24000, seed=3).encode("cp932"))
        recs = self.same(path, "joined")
        self.assertEqual(recs[0]["encoding"], "cp932")

    def test_eucjp_log(self):
        path = self.write("app_euc.log", log_lines(24000, seed=5).encode("euc_jp"))
        recs = self.same(path, "joined")
        self.assertEqual(recs[0]["encoding"], "euc-jp")

    def test_ascii_start_then_utf8(self):
        # detection sees ASCII only; the Japanese comes after the first range
        head = "".join("2024-03-01 09:00:%02d INFO job %d ok\n" % (i % 60, i) for i in range(9000))
        path = self.write("late.log", (head + log_lines(20000)).encode("utf-8"))
        self.same(path, "joined")

    def test_crlf_line_ends(self):
        path = self.write("crlf.log", log_lines(24000, eol="\r\n").encode("utf-8"))
        self.same(path, "joined")

    def test_lone_cr_line_ends(self):
        # lone \r ends lines too; ranges still start after a \n (mixed file)
        text = log_lines(12000, eol="\r") + "\n" + log_lines(12000, seed=1) + log_lines(
            6000, seed=2, eol="\r")
        path = self.write("cr.log", text.encode("utf-8"))
        recs = self.same(path, "joined")
        self.assertGreater(max(f["line"] for f in recs[0]["findings"]), 25000)

    def test_max_findings_cut_across_ranges(self):
        path = self.write("many.log", log_lines(24000, seed=7).encode("utf-8"))
        recs = self.same(path, "joined", extra=["--max-findings", "3000"])
        self.assertTrue(recs[0]["truncated"])
        self.assertEqual(len(recs[0]["findings"]), 3000)
        self.assertGreater(sum(recs[0]["counts"].values()), 3000)

    def test_utf8_few_bad_bytes(self):
        # under 8 undecodable sequences in the file: no chunk can re-decide
        data = bytearray(log_lines(24000, seed=6).encode("utf-8"))
        for at in (len(data) // 5, len(data) // 2, len(data) * 4 // 5):
            at = data.index(b"INFO", at)  # an ASCII byte: one bad sequence each
            data[at:at + 1] = b"\xff"
        path = self.write("bad3.log", bytes(data))
        self.same(path, "joined")

    # ---- not joinable: one pass ----------------------------------------------------
    def test_encoding_changes_midway(self):
        data = log_lines(8000).encode("utf-8") + log_lines(16000, seed=9).encode("cp932")
        path = self.write("mixed.log", data)
        self.same(path, "fallback")

    def test_utf8_many_bad_bytes(self):
        data = bytearray(log_lines(24000, seed=6).encode("utf-8"))
        for k in range(1, 40):
            at = len(data) * k // 40
            data[at:at + 1] = b"\xfe"
        path = self.write("bad40.log", bytes(data))
        self.same(path, "fallback")

    def test_cp932_one_bad_byte(self):
        data = bytearray(log_lines(24000, seed=8).encode("cp932"))
        data[len(data) * 2 // 3:len(data) * 2 // 3 + 2] = b"\x81\x20"
        path = self.write("bad_sjis.log", bytes(data))
        self.same(path, "fallback")

    def test_base64_body_across_boundaries(self):
        body = base64.encodebytes(log_lines(12000).encode("utf-8")).decode("ascii")
        text = log_lines(200) + "Content-Transfer-Encoding: base64\n\n" + body + log_lines(200)
        path = self.write("mail.eml.log", text.encode("utf-8"))
        self.same(path, "fallback")

    def test_quoted_printable_across_boundaries(self):
        # quoted-printable lines joined at soft breaks, around the middle of the
        # file (a range boundary whether 4, 6 or 8 ranges)
        raw = log_lines(300, seed=4).replace("\n", " ").encode("utf-8")[:30000]
        qp = "".join("=%02X" % b for b in raw)
        block = "\n".join(qp[i:i + 72] + "=" for i in range(0, len(qp), 72)) + "\nend\n"
        half = log_lines(12000)
        path = self.write("qp.log", (half + block + log_lines(12000, seed=1)).encode("utf-8"))
        self.same(path, "fallback")

    def test_hidden_archive_in_a_later_range(self):
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr("inner.txt", log_lines(50, seed=11))
        blob = base64.b64encode(buf.getvalue()).decode("ascii")
        text = log_lines(16000) + "payload=" + blob + "\n" + log_lines(8000, seed=13)
        path = self.write("blob.log", text.encode("utf-8"))
        rc, recs, err, trace = self.scan(path, 1)
        self.assertGreater(len(recs), 1, "the hidden archive is decoded: a member record")
        self.same(path, "fallback")

    def test_tree_of_large_and_small_files(self):
        # several files split at once next to small ones: owners, helpers and
        # files in the queue share the workers; the set of records is the same
        root = os.path.join(self.tmp.path, "tree")
        os.makedirs(root)
        for i in range(3):
            with open(os.path.join(root, "big%d.log" % i), "wb") as f:
                f.write(log_lines(20000, seed=i).encode("cp932" if i == 1 else "utf-8"))
        for i in range(40):
            with open(os.path.join(root, "small%02d.log" % i), "wb") as f:
                f.write(log_lines(20, seed=100 + i).encode("utf-8"))
        rc1, recs1, err1, trace1 = self.scan(root, 1)
        key = lambda r: r["path"]  # noqa: E731
        for n in (2, 4):
            rc, recs, err, trace = self.scan(root, n)
            self.assertEqual(sorted(t[0] for t in trace), ["joined"] * 3, "threads %d" % n)
            self.assertEqual(rc, rc1)
            self.assertEqual(sorted(recs, key=key), sorted(recs1, key=key), "threads %d" % n)

    def test_file_grows_while_split(self):
        # a writer appends while the ranges are read: the file's record says
        # it changed (io), as the one-pass scan says; no hang, no crash
        path = self.write("growing.log", log_lines(24000).encode("utf-8"))
        stop = threading.Event()

        def grow():
            deadline = time.monotonic() + 60
            with open(path, "ab") as f:
                while not stop.is_set() and time.monotonic() < deadline:
                    f.write(log_lines(50, seed=17).encode("utf-8"))
                    f.flush()
                    time.sleep(0.002)
        t = threading.Thread(target=grow)
        t.start()
        try:
            rc, recs, err, trace = self.scan(path, 4)
        finally:
            stop.set()
            t.join()
        self.assertEqual(len(recs), 1)
        self.assertEqual(recs[0].get("error", {}).get("code"), "io", recs[0].get("error"))
        self.assertTrue(recs[0]["findings"])
        self.assertEqual(rc, T.contract_exit(recs))

    def csv_rows(self, n, quoted_from=-1, quoted_to=-1, header=True, sep=","):
        # 郵便番号 (bare 7 digits) and 生年月日 are found only under their header
        rows = [sep.join(["氏名", "電話", "郵便番号", "生年月日", "メール", "備考"])] if header else []
        for i in range(n):
            note = '"複数行の\n備考 %d\n終わり"' % i if quoted_from <= i < quoted_to else "なし"
            rows.append(sep.join(["%s %s" % (SURNAMES[i % 8], GIVEN[i % 6]),
                                  "090%04d%04d" % (1000 + i % 9000, 3000 + i % 7000),
                                  "%07d" % (1500000 + i % 90000),
                                  "19%02d/%02d/%02d" % (50 + i % 50, 1 + i % 12, 1 + i % 28),
                                  "u%d@example.jp" % i, note]))
        return rows

    def test_csv_header_column_kinds(self):
        # the header says 郵便番号 / 生年月日: bare 7 digits are a postal code,
        # a date a birth date, in every range (later ranges replay the first
        # row to learn the column kinds)
        path = self.write("list.csv", ("\n".join(self.csv_rows(20000)) + "\n").encode("utf-8"))
        recs = self.same(path, "joined", extra=["--max-findings", "1000000"])
        self.assertEqual(recs[0]["format"], "csv")
        self.assertGreater(recs[0]["counts"].get("phone", 0), 19000)
        self.assertGreater(recs[0]["counts"].get("postal_code", 0), 19000)
        self.assertGreater(recs[0]["counts"].get("birth_date", 0), 19000)

    def test_csv_cp932_crlf_quoted_early(self):
        # quoted fields with line breaks in the first range only: rows, not
        # lines, are numbered, and the ranges still join
        rows = self.csv_rows(20000, quoted_from=100, quoted_to=400)
        path = self.write("list_sjis.csv", ("\r\n".join(rows) + "\r\n").encode("cp932"))
        recs = self.same(path, "joined", extra=["--max-findings", "1000000"])
        self.assertEqual(recs[0]["encoding"], "cp932")

    def test_tsv_without_header(self):
        rows = self.csv_rows(20000, header=False, sep="\t")
        path = self.write("list.tsv", ("\n".join(rows) + "\n").encode("utf-8"))
        recs = self.same(path, "joined", extra=["--max-findings", "1000000"])
        self.assertEqual(recs[0]["format"], "tsv")

    def test_csv_quoted_line_breaks_across_boundaries(self):
        # one quoted field of 6000 lines from about 44% to 56% of the file:
        # the middle boundary (4, 6 or 8 ranges) falls inside it -> one pass
        rows = self.csv_rows(20000)
        memo = "\n".join("メモ %d 特記事項なし 連絡済み" % k for k in range(6000))
        rows[10000] = rows[10000].rsplit(",", 1)[0] + ',"' + memo + '"'
        path = self.write("notes.csv", ("\n".join(rows) + "\n").encode("utf-8"))
        recs = self.same(path, "fallback", extra=["--max-findings", "1000000"])
        self.assertEqual(recs[0]["format"], "csv")

    def test_csv_quoted_line_breaks_inside_ranges(self):
        # quoted fields with line breaks where no boundary falls: joined, and
        # rows (not lines) numbered as in the one pass
        rows = self.csv_rows(20000, quoted_from=9990, quoted_to=10000)
        path = self.write("notes2.csv", ("\n".join(rows) + "\n").encode("utf-8"))
        rc1, recs1, _, _ = self.scan(path, 1, ["--max-findings", "1000000"])
        rc, recs, _, trace = self.scan(path, 3, ["--max-findings", "1000000"])
        self.assertEqual((rc, recs), (rc1, recs1))

if __name__ == "__main__":
    unittest.main()
