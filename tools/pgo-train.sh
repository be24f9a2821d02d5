#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# pgo-train.sh -- the training run of the profile-guided release build
# (tools/build-release.sh; README.md "Set-up").
#
#   tools/pgo-train.sh BIN WORKDIR
#
# Generates a small synthetic share into WORKDIR with the repository's own
# generators, from seeds and sizes that no benchmark uses (the measuring
# corpora are never training data), and runs `BIN scan` on it once: the
# instrumented binary writes its profile (.gcda files) at exit. Only `scan`
# is trained: it is the hot command; everything else keeps GCC's static
# estimates. About 40 MB of input in all; deterministic (fixed seeds).
set -eu
[ $# -eq 2 ] || { sed -n '4,14p' "$0" | sed 's/^# \{0,1\}//'; exit 64; }
bin=$1; work=$2
src=$(cd "$(dirname "$0")/.." && pwd)
seed=20611   # bench/scan_bench.sh and the accuracy corpora use 1..5
rm -rf "$work"
mkdir -p "$work"
gen() { "$@" > /dev/null 2>&1 || { echo "pgo-train: failed: $*" >&2; exit 1; }; }
# the bench profile: logs and CSV, 60% UTF-8 / 40% CP932, repeated lines
gen python3 "$src/tools/gen_corpus.py" --profile bench --size 12M --seed "$seed" --out "$work/corpus"
rm -f "$work/corpus.truth.json"
# the same with digits permuted (no line repeats) -- the memos' miss path
gen python3 "$src/bench/scan_bench_extra.py" unique --from "$work/corpus" --out "$work/unique"
# ordinary logs (nearly nothing to find)
gen python3 "$src/bench/gen_logs.py" --out "$work/logs" --size 8M --seed "$seed"
# 1 KB files (per-file cost) and zip/xlsx (containers)
gen python3 "$src/bench/scan_bench_extra.py" small --from "$work/corpus" --out "$work/small" --count 3000
gen python3 "$src/bench/scan_bench_extra.py" containers --from "$work/corpus" --out "$work/cont" --size 3M
# the accuracy profile (every kind, documents, workbooks) and the sample share
gen python3 "$src/tools/gen_corpus.py" --profile quality --scale 0.3 --seed "$seed" --out "$work/quality"
rm -f "$work/quality.truth.json"
cp -R "$src/samples/share" "$work/share"
# EUC-JP and UTF-16 copies of a few UTF-8 files of the corpus
python3 - "$work/corpus" "$work/legacy" <<'PY'
import os, sys
src, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)
n = 0
for root, _, files in sorted(os.walk(src)):
    for f in sorted(files):
        b = open(os.path.join(root, f), "rb").read()[:400000]
        try:
            t = b.decode("utf-8")
        except UnicodeDecodeError:
            continue  # a CP932 file
        t = t[:t.rfind("\n") + 1]
        for enc in ("euc_jp", "utf-16"):
            open(os.path.join(out, "%d.%s.txt" % (n, enc)), "wb").write(
                t.encode(enc, errors="replace"))
        n += 1
        if n == 4:
            sys.exit(0)
PY
rc=0
"$bin" scan --format jsonl --threads 1 --no-progress "$work" > /dev/null || rc=$?
# 0 nothing found, 1 findings, 2 something unreadable (azukari(1)); else a failure
[ "$rc" -le 2 ] || { echo "pgo-train: $bin scan exited $rc" >&2; exit 1; }
echo "pgo-train: done ($(du -sh "$work" | cut -f1) scanned)"
