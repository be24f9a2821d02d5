#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# scan_bench.sh -- throughput and memory of `azukari scan` against ripgrep
# on a generated share (tools/gen_corpus.py --profile bench: mostly
# ordinary logs and CSV, UTF-8 and CP932, about 2% of lines personal).
#
#   bench/scan_bench.sh [throughput] [--bin PATH] [--dir DIR] [--size 1G]
#                       [--runs 3] [--seed 1] [--keep] [--fingerprints FILE]
#   bench/scan_bench.sh longline [--bin PATH] [--dir DIR] [--size 4G] [--keep]
#
# throughput: generates --size bytes into DIR (default: a temp dir, reused
# when DIR already holds a corpus of that size and seed), then times, best
# of --runs warm-cache runs each:
#   azukari scan --format jsonl --threads 1
#   azukari scan --format jsonl --threads $(nproc)
#   rg -c -j1 / rg -c   with one alternation regex (phone | e-mail | postal code)
# and prints wall seconds and MB/s, CPU seconds (user+sys) and MB per CPU
# second (steadier on a shared machine), peak RSS (from /usr/bin/time) and
# the ratios. --fingerprints FILE (key in FILE.key) adds entrusted-record
# matching to the azukari runs.
# longline: writes one line of --size bytes (ASCII, an e-mail address at the
# end) and scans it once: peak RSS must stay flat (streaming), the record
# must carry either findings or an error, never a crash.
#
# Needs python3, /usr/bin/time (Debian package time) and rg (ripgrep).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src=$(dirname "$here")
mode=throughput
case "${1:-}" in
    throughput|longline) mode=$1; shift ;;
esac
bin=${AZK_BIN:-}
dir=
size=
runs=3
seed=1
keep=0
fpargs=
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) bin=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --size) size=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        --fingerprints) fpargs="--fingerprints $2"; shift 2 ;;
        -h|--help) sed -n '4,26p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "scan_bench: unknown argument: $1" >&2; exit 64 ;;
    esac
done
if [ -z "$bin" ]; then
    for b in "$src"/build/src/cli/azukari "$src"/build-release/src/cli/azukari; do
        if [ -x "$b" ]; then bin=$b; break; fi
    done
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
    echo "scan_bench: no azukari binary (use --bin or AZK_BIN)" >&2
    exit 64
fi
[ -x /usr/bin/time ] || { echo "scan_bench: /usr/bin/time missing (apt-get install time)" >&2; exit 64; }
nproc=$(nproc)

tmp=
if [ -z "$dir" ]; then
    tmp=$(mktemp -d "${TMPDIR:-/tmp}/azk-bench.XXXXXX")
    dir=$tmp
fi
cleanup() {
    if [ -n "$tmp" ] && [ "$keep" = 0 ]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT INT TERM
mkdir -p "$dir"
out=$dir/out
mkdir -p "$out"

# measure LABEL CMD...: best wall time of $runs runs; sets best_s, best_rss_kb
measure() {
    label=$1; shift
    best_s=; best_rss_kb=; best_cpu=
    i=0
    while [ "$i" -lt "$runs" ]; do
        i=$((i + 1))
        rc=0
        /usr/bin/time -f '%e %M %U %S' -o "$out/time" "$@" > "$out/stdout" 2> "$out/stderr" || rc=$?
        # azukari: 1 = found, 2 = something unreadable; rg: 1 = no match
        if [ "$rc" -gt 2 ]; then
            echo "scan_bench: $label exited $rc:" >&2
            tail -5 "$out/stderr" >&2
            exit 1
        fi
        s=$(awk 'END { print $1 }' "$out/time")
        kb=$(awk 'END { print $2 }' "$out/time")
        cpu=$(awk 'END { print $3 + $4 }' "$out/time")
        if [ -z "$best_s" ] || awk -v a="$s" -v b="$best_s" 'BEGIN { exit !(a < b) }'; then
            best_s=$s
            best_cpu=$cpu
        fi
        if [ -z "$best_rss_kb" ] || [ "$kb" -gt "$best_rss_kb" ]; then best_rss_kb=$kb; fi
    done
    mb=$(awk -v b="$bytes" -v s="$best_s" 'BEGIN { printf "%.1f", (s > 0 ? b / 1048576 / s : 0) }')
    mbc=$(awk -v b="$bytes" -v s="$best_cpu" 'BEGIN { printf "%.1f", (s > 0 ? b / 1048576 / s : 0) }')
    printf '%-36s %7.2f s %7s MB/s | CPU %7.2f s %7s MB/CPU-s | %5d MiB peak RSS\n' \
        "$label" "$best_s" "$mb" "$best_cpu" "$mbc" $((best_rss_kb / 1024))
}

if [ "$mode" = longline ]; then
    size=${size:-4G}
    f=$dir/longline/one_line.log
    mkdir -p "$dir/longline"
    echo "scan_bench: writing one line of $size into $f" >&2
    python3 "$src/tools/gen_badinput.py" long-line --size "$size" --out "$f" \
        --tail " mail=longline.bench@example.jp
"
    bytes=$(stat -c %s "$f")
    runs=1
    measure "azukari scan (one $size line)" "$bin" scan --format jsonl --threads 1 "$f"
    echo "record: $(head -c 400 "$out/stdout")"
    exit 0
fi

size=${size:-1G}
stamp=$dir/corpus/.azk-bench-$size-$seed
if [ ! -e "$stamp" ]; then
    rm -rf "$dir/corpus"
    echo "scan_bench: generating $size (seed $seed) into $dir/corpus" >&2
    t0=$(date +%s)
    python3 "$src/tools/gen_corpus.py" --profile bench --size "$size" --seed "$seed" \
        --out "$dir/corpus" --truth "$dir/corpus.truth.json"
    echo "scan_bench: generated in $(( $(date +%s) - t0 )) s" >&2
    touch "$stamp"
fi
bytes=$(du -sb "$dir/corpus" | awk '{ print $1 }')
files=$(find "$dir/corpus" -type f ! -name '.azk-bench-*' | wc -l)

# phone (mobile / landline / free dial) | e-mail | postal code
re='0[5789]0-?[0-9]{4}-?[0-9]{4}|0[1-9][0-9]{0,3}-[0-9]{1,4}-[0-9]{4}|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}|[0-9]{3}-[0-9]{4}'

echo "corpus: $dir/corpus, $files files, $bytes bytes; $nproc cores; best of $runs warm runs"
echo "azukari: $("$bin" version 2>/dev/null | sed -n 1p)"
echo "ripgrep: $(rg --version | sed -n 1p)"
# shellcheck disable=SC2086 # fpargs: option and a path without spaces, or nothing
measure "azukari scan --threads 1 $fpargs" "$bin" scan --format jsonl --threads 1 $fpargs "$dir/corpus"
a1=$best_s; a1_rss=$best_rss_kb; a1c=$best_cpu
findings=$(python3 -c 'import json, sys
print(sum(1 for l in open(sys.argv[1], encoding="utf-8") if l.strip() and json.loads(l).get("findings")))' "$out/stdout")
# shellcheck disable=SC2086
measure "azukari scan --threads $nproc $fpargs" "$bin" scan --format jsonl --threads "$nproc" $fpargs "$dir/corpus"
an=$best_s
measure "rg -c -j1 (phone|email|postal)" rg -c -j1 -uuu --no-messages -e "$re" "$dir/corpus"
r1=$best_s; r1c=$best_cpu
measure "rg -c -j$nproc (phone|email|postal)" rg -c -j"$nproc" -uuu --no-messages -e "$re" "$dir/corpus"
rn=$best_s
awk -v a1="$a1" -v an="$an" -v r1="$r1" -v rn="$rn" -v n="$nproc" -v a1c="$a1c" -v r1c="$r1c" 'BEGIN {
    printf "ratio azukari/rg time, 1 thread : %.2fx (CPU time %.2fx)\n", a1 / r1, (r1c > 0 ? a1c / r1c : 0)
    printf "ratio azukari/rg time, %d threads: %.2fx\n", n, an / rn
    printf "azukari speed-up 1 -> %d threads: %.2fx\n", n, a1 / an
}'
echo "objects with findings (threads 1 run): $findings; azukari peak RSS $((a1_rss / 1024)) MiB"
