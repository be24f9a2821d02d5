#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""scan_bench_extra.py -- the extra trees of bench/scan_bench.sh, made from
its generated corpus (tools/gen_corpus.py --profile bench):

  small      --from CORPUS --out DIR [--count 100000] [--size 1024]
             COUNT files of about SIZE bytes each (cut at line ends, CP932
             files stay CP932), 1,000 per directory: the per-file fixed cost.
  containers --from CORPUS --out DIR [--size 200M]
             about SIZE bytes of the corpus packed as zip archives (deflate,
             one per corpus directory) and as xlsx workbooks (the CSV rows of
             the corpus, one sheet each, cells as shared strings); writes
             DIR/expanded.txt: the bytes of every member once inflated (the
             "expanded content" a GB/s figure is counted on).
  unique     --from CORPUS --out DIR
             a copy of CORPUS in which every line's ASCII digits are permuted
             at random: the generator samples lines from pools, so most lines
             of its corpus repeat verbatim (a memo of lines or cells would
             measure the generator); this copy has nearly no repeated line.

Deterministic (fixed seeds, fixed zip dates): the same corpus gives the same trees.
"""

import argparse
import os
import random
import zipfile
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import gen_formats  # noqa: E402


def corpus_files(root):
    out = []
    for d, _, fs in os.walk(root):
        for f in fs:
            if not f.startswith("."):
                out.append(os.path.join(d, f))
    return sorted(out)


def parse_size(s):
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if s[-1].upper() in mult:
        return int(float(s[:-1]) * mult[s[-1].upper()])
    return int(s)


def small(a):
    n = 0
    for p in corpus_files(a.src):
        data = open(p, "rb").read()
        ext = os.path.splitext(p)[1]
        pos = 0
        while pos < len(data) and n < a.count:
            end = data.find(b"\n", pos + a.size - 1)
            end = len(data) if end < 0 else end + 1
            d = os.path.join(a.out, "d%03d" % (n // 1000))
            if n % 1000 == 0:
                os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "f%06d%s" % (n, ext)), "wb") as f:
                f.write(data[pos:end])
            n += 1
            pos = end
        if n >= a.count:
            break
    print("small: %d files" % n)


def containers(a):
    budget = parse_size(a.size)
    os.makedirs(a.out, exist_ok=True)
    files = corpus_files(a.src)
    expanded = 0
    used = 0
    by_dir = {}
    for p in files:
        by_dir.setdefault(os.path.basename(os.path.dirname(p)), []).append(p)
    half = budget // 2
    # zip: whole corpus files, one archive per corpus directory
    for name in sorted(by_dir):
        if used >= half:
            break
        members = []
        for p in by_dir[name]:
            data = open(p, "rb").read()
            members.append((os.path.basename(p), data))
            used += len(data)
            expanded += len(data)
        with open(os.path.join(a.out, "share_%s.zip" % name), "wb") as f:
            f.write(gen_formats.zip_bytes(members))
    # xlsx: CSV rows, 50,000 rows per workbook
    k = 0
    for p in files:
        if used >= budget or not p.endswith(".csv"):
            continue
        enc = "cp932" if os.path.basename(p).startswith("cp932") else "utf-8"
        rows = [line.split(",") for line in
                open(p, "rb").read().decode(enc, errors="replace").splitlines()]
        for i in range(0, len(rows), 50000):
            if used >= budget:
                break
            chunk = rows[i:i + 50000] if i == 0 else [rows[0]] + rows[i:i + 50000]
            blob = gen_formats.xlsx_bytes(chunk, numeric_cols=(5,))
            path = os.path.join(a.out, "book_%04d.xlsx" % k)
            with open(path, "wb") as f:
                f.write(blob)
            k += 1
            with zipfile.ZipFile(path) as z:
                grown = sum(zi.file_size for zi in z.infolist())
            expanded += grown
            used += grown
    with open(os.path.join(a.out, "expanded.txt"), "w") as f:
        f.write("%d\n" % expanded)
    print("containers: %d bytes expanded" % expanded)


def unique(a):
    rnd = random.Random(7)
    tabs = []
    for _ in range(5040):
        p = list(b"0123456789")
        rnd.shuffle(p)
        tabs.append(bytes.maketrans(b"0123456789", bytes(p)))
    for s in corpus_files(a.src):
        d = os.path.join(a.out, os.path.relpath(s, a.src))
        os.makedirs(os.path.dirname(d), exist_ok=True)
        # ASCII digits are never part of a CP932 or UTF-8 multi-byte character
        lines = open(s, "rb").read().split(b"\n")
        with open(d, "wb") as f:
            f.write(b"\n".join(x.translate(tabs[rnd.randrange(5040)]) for x in lines))
    print("unique: done")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("what", choices=["small", "containers", "unique"])
    ap.add_argument("--from", dest="src", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=100000)
    ap.add_argument("--size", default=None)
    a = ap.parse_args()
    if a.what == "small":
        a.size = int(a.size or 1024)
        small(a)
    elif a.what == "containers":
        a.size = a.size or "200M"
        containers(a)
    else:
        unique(a)


if __name__ == "__main__":
    main()
