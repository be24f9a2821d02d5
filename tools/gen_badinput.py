#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gen_badinput.py -- hostile and broken inputs for azukari scan (used by
tests/e2e/test_scan_badinput.py and bench/scan_bench.sh): truncated and
corrupt zips, a zip bomb written streamingly (1 GiB of text inflates from
about 1.4 MiB), zip-in-zip nesting, a zip with traditional PKWARE
encryption (written by hand: python's zipfile can only read it), invalid
CP932, NUL bytes, and one very long line written in chunks.

python3 stdlib only. Usage:
  tools/gen_badinput.py all --out DIR            # every case into DIR
  tools/gen_badinput.py long-line --size 4G --out FILE [--tail TEXT]
  tools/gen_badinput.py zip-bomb --size 1G --out FILE
"""

import argparse
import io
import os
import struct
import sys
import zipfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_formats as F  # noqa: E402

DOS_TIME = (9 << 11) | (0 << 5)          # 09:00:00
DOS_DATE = ((2024 - 1980) << 9) | (3 << 5) | 1  # 2024-03-01


def _local_header(name, crc, csize, usize, method=8, flags=0):
    n = name.encode("utf-8")
    if any(b > 127 for b in n):
        flags |= 0x800
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, DOS_TIME, DOS_DATE,
                       crc, csize, usize, len(n), 0) + n


def _central(entries):
    """entries: (name, crc, csize, usize, method, flags, offset)."""
    cd = b""
    for name, crc, csize, usize, method, flags, off in entries:
        n = name.encode("utf-8")
        if any(b > 127 for b in n):
            flags |= 0x800
        cd += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, method, DOS_TIME,
                          DOS_DATE, crc, csize, usize, len(n), 0, 0, 0, 0, 0o644 << 16, off) + n
    return cd


def _eocd(count, cd_size, cd_off):
    return struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_off, 0)


# ---- zip bomb -------------------------------------------------------------------

def zip_bomb(path, expanded=1 << 30, name="print_spool.log"):
    """A zip whose single member inflates to `expanded` bytes of log-like
    text. The deflate stream is one 1 MiB block compressed with a full
    flush, repeated: after a full flush the compressor state is reset, so
    every repetition compresses to the same bytes."""
    chunk_len = 1 << 20
    line = b"A" * 4095 + b"\n"
    chunk = (line * (chunk_len // len(line) + 1))[:chunk_len]
    n = expanded // chunk_len
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = c.compress(chunk) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.flush(zlib.Z_FINISH)
    # a fresh compressor run the same way produces `block` again (checked)
    c2 = zlib.compressobj(9, zlib.DEFLATED, -15)
    c2.compress(chunk)
    c2.flush(zlib.Z_FULL_FLUSH)
    again = c2.compress(chunk) + c2.flush(zlib.Z_FULL_FLUSH)
    if again != block:
        raise RuntimeError("deflate full-flush blocks are not repeatable here")
    crc = 0
    for _ in range(n):
        crc = zlib.crc32(chunk, crc)
    csize = len(block) * n + len(tail)
    usize = chunk_len * n
    with open(path, "wb") as f:
        hdr = _local_header(name, crc, csize, usize)
        f.write(hdr)
        for _ in range(n):
            f.write(block)
        f.write(tail)
        cd = _central([(name, crc, csize, usize, 8, 0, 0)])
        cd_off = len(hdr) + csize
        f.write(cd)
        f.write(_eocd(1, len(cd), cd_off))
    return usize


# ---- traditional PKWARE encryption ---------------------------------------------

_CRCTAB = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0xEDB88320 if _c & 1 else _c >> 1
    _CRCTAB.append(_c)


class _Zipcrypto:
    def __init__(self, password):
        self.k = [0x12345678, 0x23456789, 0x34567890]
        for b in password:
            self._update(b)

    def _crc(self, crc, b):
        return (crc >> 8) ^ _CRCTAB[(crc ^ b) & 0xFF]

    def _update(self, b):
        k = self.k
        k[0] = self._crc(k[0], b)
        k[1] = (k[1] + (k[0] & 0xFF)) & 0xFFFFFFFF
        k[1] = (k[1] * 134775813 + 1) & 0xFFFFFFFF
        k[2] = self._crc(k[2], k[1] >> 24)

    def encrypt(self, data):
        out = bytearray(len(data))
        for i, p in enumerate(data):
            t = (self.k[2] | 2) & 0xFFFF
            out[i] = p ^ (((t * (t ^ 1)) >> 8) & 0xFF)
            self._update(p)
        return bytes(out)


def encrypted_zip(path, members, password=b"azk-test"):
    """members: (name, bytes); deflated, then encrypted (flag bit 0)."""
    out = io.BytesIO()
    entries = []
    for i, (name, data) in enumerate(members):
        crc = zlib.crc32(data)
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        comp = c.compress(data) + c.flush()
        header = bytes((17 * i + j * 31) & 0xFF for j in range(11)) + bytes([crc >> 24])
        enc = _Zipcrypto(password).encrypt(header + comp)
        off = out.tell()
        out.write(_local_header(name, crc, len(enc), len(data), 8, 1))
        out.write(enc)
        entries.append((name, crc, len(enc), len(data), 8, 1, off))
    cd_off = out.tell()
    cd = _central(entries)
    out.write(cd)
    out.write(_eocd(len(entries), len(cd), cd_off))
    with open(path, "wb") as f:
        f.write(out.getvalue())
    # self-check with python's reader
    with zipfile.ZipFile(path) as z:
        for name, data in members:
            if z.read(name, pwd=password) != data:
                raise RuntimeError("zipcrypto self-check failed")


# ---- other broken containers ---------------------------------------------------

def nested_zip(path, depth, innermost):
    """zip in zip `depth` times; innermost: (name, bytes)."""
    data = F.zip_bytes([innermost])
    for level in range(depth - 1, 0, -1):
        data = F.zip_bytes([("level%02d.zip" % level, data)])
    with open(path, "wb") as f:
        f.write(data)


def _plain_members(n=4, lines=400):
    out = []
    for i in range(n):
        text = "".join("2024-03-01 09:%02d:%02d INFO ジョブ%d 処理中 ページ=%d\n"
                       % (j // 60 % 60, j % 60, i, j) for j in range(lines))
        out.append(("logs/job%d.log" % i, text.encode("cp932")))
    return out


def truncated_zip(path, keep=0.6):
    data = F.zip_bytes(_plain_members())
    with open(path, "wb") as f:
        f.write(data[: int(len(data) * keep)])


def corrupt_zip(path):
    """Second member's deflate stream starts with reserved block type 11."""
    data = bytearray(F.zip_bytes(_plain_members()))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        zi = z.infolist()[1]
    off = zi.header_offset
    nlen, xlen = struct.unpack("<HH", data[off + 26:off + 30])
    start = off + 30 + nlen + xlen
    data[start] = 0x07  # BFINAL=1, BTYPE=11 (reserved): inflate must fail
    with open(path, "wb") as f:
        f.write(bytes(data))


def invalid_cp932(path):
    """Japanese CP932 text with invalid lead/trail bytes sprinkled in."""
    good = "宛名ラベル出力 バッチ処理 正常終了\n".encode("cp932")
    bad = [b"\x81\x7f", b"\xa0", b"\xfd\xfe\xff", b"\x85\x40", b"\x9f\x0a", b"\xef"]
    out = bytearray()
    for i in range(2000):
        out += good
        if i % 3 == 0:
            out += bad[i % len(bad)] + b"\n"
    with open(path, "wb") as f:
        f.write(bytes(out))


def nul_bytes(path):
    line = "2024-03-01 09:00:00 INFO 印刷ジョブ 完了\n".encode("utf-8")
    with open(path, "wb") as f:
        for i in range(2000):
            f.write(line)
            if i % 10 == 0:
                f.write(b"\x00" * (i % 7 + 1))


def long_line(path, size, tail=b""):
    """One line of `size` bytes of ASCII text (written in 1 MiB chunks),
    then `tail` (which may end the line)."""
    pat = b"0123456789abcdefghijklmnopqrstuvwxyz "
    chunk = (pat * ((1 << 20) // len(pat) + 1))[: 1 << 20]
    left = size
    with open(path, "wb") as f:
        while left > 0:
            n = min(left, len(chunk))
            f.write(chunk[:n])
            left -= n
        f.write(tail)


def write_all(out):
    os.makedirs(out, exist_ok=True)
    zip_bomb(os.path.join(out, "bomb.zip"))
    encrypted_zip(os.path.join(out, "encrypted.zip"),
                  [("list.csv", "氏名,電話番号\n".encode("cp932"))])
    nested_zip(os.path.join(out, "nested20.zip"), 20, ("deep.txt", b"deep\n"))
    truncated_zip(os.path.join(out, "truncated.zip"))
    corrupt_zip(os.path.join(out, "corrupt.zip"))
    invalid_cp932(os.path.join(out, "invalid_cp932.txt"))
    nul_bytes(os.path.join(out, "nul.log"))
    long_line(os.path.join(out, "long_line.log"), 64 << 20, b"\n")


def main(argv=None):
    from gen_corpus import parse_size
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["all", "long-line", "zip-bomb"])
    ap.add_argument("--out", required=True)
    ap.add_argument("--size", type=parse_size, default=1 << 30)
    ap.add_argument("--tail", default="\n", help="long-line: text appended after the line")
    a = ap.parse_args(argv)
    if a.what == "all":
        write_all(a.out)
    elif a.what == "long-line":
        long_line(a.out, a.size, a.tail.encode("utf-8"))
    else:
        zip_bomb(a.out, a.size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
