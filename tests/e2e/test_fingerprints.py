# SPDX-License-Identifier: Apache-2.0
"""test_fingerprints.py -- `azukari fingerprints export` through the command
line, and the dictionary attack mounted independently of the C code.

The export file and the scanning key are read here with Python's own
BLAKE2b (hashlib) following the documented format
(docs/threat-model-fingerprints.md): for every birth date of 1930-2005 and
every phone number of the 2^24-number block the synthetic rows were drawn
from, the attacker computes the bucket with the key. The attack fails when
no entrusted row's bucket holds its true value alone. The file itself must
hold none of the values in clear.

All data is synthetic (generated below).
"""

import datetime
import hashlib
import os
import random
import stat
import struct
import unittest

import azk_testlib as T
from test_intake import Home

KINDS = ["name", "birth_date", "phone", "email", "postal_code", "address", "customer_id",
         "bank_account", "my_number"]


def read_fp(path):
    """Parse the export file (format in src/lib/match/fp.h)."""
    with open(path, "rb") as f:
        data = f.read()
    body, chk = data[:-32], data[-32:]
    assert hashlib.blake2b(body, digest_size=32).digest() == chk, "checksum"
    assert body[:8] == b"AZKFP001"
    (nk,) = struct.unpack_from("<I", body, 8)
    bits = list(body[12:12 + nk])
    off = 12 + nk
    (nds,) = struct.unpack_from("<I", body, off)
    off += 4
    datasets = []
    for _ in range(nds):
        (cl,) = struct.unpack_from("<H", body, off)
        client = body[off + 2:off + 2 + cl].decode()
        off += 2 + cl
        (dl,) = struct.unpack_from("<H", body, off)
        ds = body[off + 2:off + 2 + dl].decode()
        off += 2 + dl
        first, count = struct.unpack_from("<II", body, off)
        off += 8
        datasets.append((client, ds, first, count))
    entries = {}
    for k in range(nk):
        (n,) = struct.unpack_from("<Q", body, off)
        off += 8
        entries[KINDS[k]] = struct.unpack_from("<%dQ" % n, body, off)
        off += 8 * n
    assert off == len(body)
    return bits, datasets, entries


def bucket(key, kind_index, value, bits):
    h = hashlib.blake2b(b"azkfp1" + bytes([kind_index, 0]) + value.encode(), key=key,
                        digest_size=16).digest()
    v = int.from_bytes(h[:4], "big") or 1
    return v >> (32 - bits)


class FingerprintsTest(unittest.TestCase):
    N = 2000

    def setUp(self):
        self.tmp = T.TempDir()
        self.h = Home(self.tmp.path)
        self.assertEqual(self.h.run("init").rc, 0)
        self.assertEqual(self.h.run("client", "add", "shinkin-a").rc, 0)
        rnd = random.Random(20240301)
        self.rows = []
        lines = ["顧客番号,氏名,生年月日,電話番号,メール"]
        for i in range(self.N):
            d = datetime.date(1930, 1, 1) + datetime.timedelta(days=rnd.randrange(27759))
            p = rnd.randrange(1 << 24)
            name = "試験%d 名前%d" % (i % 97, i)
            self.rows.append((name, d, p))
            lines.append("K%07d,%s,%s,090-%04d-%04d,u%d@example.invalid" % (
                i + 1, name, d.isoformat(), p // 10000, p % 10000, i))
        self.csv = self.h.write("dm.csv", ("\n".join(lines) + "\n").encode())

    def tearDown(self):
        self.tmp.__exit__(None, None, None)

    def test_fingerprints__export_refuses_empty_home(self):
        r = self.h.run("fingerprints", "export", "--out", os.path.join(self.h.d, "x.azf"))
        self.assertEqual(r.rc, 1)
        self.assertIn("no active dataset", r.err)
        self.assertFalse(os.path.exists(os.path.join(self.h.d, "x.azf")))

    def test_fingerprints__export_and_dictionary_attack(self):
        r = self.h.intake(self.csv, "2023-09-dm")
        self.assertEqual(r.rc, 0, r.err)
        out = os.path.join(self.h.d, "fp.azf")
        r = self.h.run("fingerprints", "export", "--out", out)
        self.assertEqual(r.rc, 0, r.err)
        key_path = out + ".key"
        self.assertEqual(stat.S_IMODE(os.stat(key_path).st_mode), 0o600)
        with open(key_path, "rb") as f:
            key = f.read()
        self.assertEqual(len(key), 32)
        with open(out, "rb") as f:
            raw = f.read()
        for v in (b"example.invalid", "試験".encode(), b"090-", b"K000001"):
            self.assertNotIn(v, raw)
        bits, datasets, entries = read_fp(out)
        self.assertEqual(datasets, [("shinkin-a", "2023-09-dm", 0, self.N)])
        # the file's buckets are what the documented hash gives (so the attack is sound)
        name0, d0, p0 = self.rows[0]
        b = bucket(key, 1, d0.isoformat(), bits[1])
        self.assertIn((b << 32) | 0, entries["birth_date"])
        # attack 1: every birth date of 1930-2005
        counts = {}
        day = datetime.date(1930, 1, 1)
        while day <= datetime.date(2005, 12, 31):
            bb = bucket(key, 1, day.isoformat(), bits[1])
            counts[bb] = counts.get(bb, 0) + 1
            day += datetime.timedelta(days=1)
        per_row = [counts.get(e >> 32, 0) for e in entries["birth_date"]]
        self.assertEqual(len(per_row), self.N)
        print("birth dates: candidates per value min %d mean %.1f" % (
            min(per_row), sum(per_row) / len(per_row)))
        self.assertGreaterEqual(min(per_row), 2)
        self.assertLessEqual(sum(1 for c in per_row if c < 5), self.N // 100)
        # attack 2: the whole 2^24 block of phone numbers the rows come from
        if os.environ.get("AZK_FAST"):
            return
        pc = bytearray(1 << bits[2])
        for p in range(1 << 24):
            bb = bucket(key, 2, "090%04d%04d" % (p // 10000, p % 10000), bits[2])
            if pc[bb] < 255:
                pc[bb] += 1
        per_row = [pc[e >> 32] for e in entries["phone"]]
        self.assertEqual(len(per_row), self.N)
        print("phones: candidates per value min %d mean %.1f" % (
            min(per_row), sum(per_row) / len(per_row)))
        self.assertGreaterEqual(min(per_row), 2)
        self.assertLessEqual(sum(1 for c in per_row if c < 5), self.N // 100)


if __name__ == "__main__":
    unittest.main()
