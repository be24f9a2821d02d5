#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# scan_bench.sh -- throughput and memory of `azukari scan` against ripgrep
# on a generated share (tools/gen_corpus.py --profile bench: mostly
# ordinary logs and CSV, UTF-8 and CP932, about 2% of lines personal).
#
#   bench/scan_bench.sh [throughput] [--bin PATH] [--dir DIR] [--size 1G]
#                       [--runs 3] [--seed 1] [--keep] [--fingerprints FILE]
#                       [--parts plain,unique,small,containers,bigfile] [--small-files 100000]
#                       [--big-size 1G]
#   bench/scan_bench.sh longline [--bin PATH] [--dir DIR] [--size 4G] [--keep]
#
# throughput: generates --size bytes into DIR (default: a temp dir, reused
# when DIR already holds a corpus of that size and seed), then times each
# command --runs times on a warm page cache and reports the MEDIAN wall and
# CPU (user+sys) seconds, and the largest peak RSS, one thread and all
# cores in the same run. Parts (--parts, default all):
#   plain       the corpus: azukari scan --threads 1 / $(nproc), against
#               rg -c -j1 / -jN with one alternation (phone | e-mail | postal)
#   unique      the same with every line's digits permuted (the generator
#               repeats lines from pools; this copy has no repeated line)
#   logs        ordinary logs and exports (bench/gen_logs.py, --size x 2/3:
#               nginx, application, syslog, CSV, a few Japanese batch logs,
#               ~0.5% of lines personal): the kind issue 16's held-out corpus
#               holds
#   small       --small-files files of about 1 KB cut from the corpus:
#               files per second, azukari against rg
#   containers  about --size/5 of the corpus packed as zip and xlsx: MB of
#               expanded content (members once inflated) per CPU second
#   bigfile     (only when asked) one file of --big-size bytes (default
#               --size): the corpus's UTF-8
#               logs concatenated (again and again) -- threads 1 and $(nproc)
#               on the one file (split in ranges from 64 MiB); both runs'
#               outputs must be identical
# --fingerprints FILE (key in FILE.key) adds entrusted-record matching to the
# azukari runs.
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
parts=plain,unique,logs,small,containers
small_files=100000
big_size=
while [ $# -gt 0 ]; do
    case "$1" in
        --bin) bin=$2; shift 2 ;;
        --dir) dir=$2; shift 2 ;;
        --size) size=$2; shift 2 ;;
        --runs) runs=$2; shift 2 ;;
        --seed) seed=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        --fingerprints) fpargs="--fingerprints $2"; shift 2 ;;
        --parts) parts=$2; shift 2 ;;
        --small-files) small_files=$2; shift 2 ;;
        --big-size) big_size=$2; shift 2 ;;
        -h|--help) sed -n '4,41p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

# measure LABEL CMD...: $runs runs; sets med_s, med_cpu (medians), max_rss_kb
# and prints one line (MB/s on $bytes)
measure() {
    label=$1; shift
    : > "$out/times"
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
        tail -1 "$out/time" >> "$out/times"
    done
    med_s=$(awk '{ print $1 }' "$out/times" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    med_cpu=$(awk '{ print $3 + $4 }' "$out/times" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    max_rss_kb=$(awk '{ print $2 }' "$out/times" | sort -n | tail -1)
    mb=$(awk -v b="$bytes" -v s="$med_s" 'BEGIN { printf "%.1f", (s > 0 ? b / 1048576 / s : 0) }')
    mbc=$(awk -v b="$bytes" -v s="$med_cpu" 'BEGIN { printf "%.1f", (s > 0 ? b / 1048576 / s : 0) }')
    printf '%-40s %7.2f s %7s MB/s | CPU %7.2f s %7s MB/CPU-s | %5d MiB peak RSS\n' \
        "$label" "$med_s" "$mb" "$med_cpu" "$mbc" $((max_rss_kb / 1024))
}

has_part() {
    case ",$parts," in *",$1,"*) return 0 ;; esac
    return 1
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

echo "corpus: $dir/corpus, $files files, $bytes bytes; $nproc cores; median of $runs warm runs"
echo "azukari: $("$bin" version 2>/dev/null | sed -n 1p)"
echo "ripgrep: $(rg --version | sed -n 1p)"

# plain_part LABEL TREE: azukari and rg, one thread and all cores
plain_part() {
    label=$1; tree=$2
    bytes=$(du -sb "$tree" | awk '{ print $1 }')
    echo "== $label: $tree, $bytes bytes"
    # shellcheck disable=SC2086 # fpargs: option and a path without spaces, or nothing
    measure "azukari scan --threads 1 $fpargs" "$bin" scan --format jsonl --threads 1 $fpargs "$tree"
    a1=$med_s; a1c=$med_cpu; a1_rss=$max_rss_kb
    findings=$(python3 -c 'import json, sys
print(sum(1 for l in open(sys.argv[1], encoding="utf-8") if l.strip() and json.loads(l).get("findings")))' "$out/stdout")
    # shellcheck disable=SC2086
    measure "azukari scan --threads $nproc $fpargs" "$bin" scan --format jsonl --threads "$nproc" $fpargs "$tree"
    an=$med_s; anc=$med_cpu
    measure "rg -c -j1 (phone|email|postal)" rg -c -j1 -uuu --no-messages -e "$re" "$tree"
    r1=$med_s; r1c=$med_cpu
    measure "rg -c -j$nproc (phone|email|postal)" rg -c -j"$nproc" -uuu --no-messages -e "$re" "$tree"
    rn=$med_s; rnc=$med_cpu
    awk -v a1="$a1" -v an="$an" -v r1="$r1" -v rn="$rn" -v n="$nproc" -v a1c="$a1c" -v r1c="$r1c" \
        -v anc="$anc" -v rnc="$rnc" 'BEGIN {
        printf "ratio azukari/rg, 1 thread : CPU %.2fx, wall %.2fx\n", (r1c > 0 ? a1c / r1c : 0), a1 / r1
        printf "ratio azukari/rg, %d threads: CPU %.2fx, wall %.2fx\n", n, (rnc > 0 ? anc / rnc : 0), an / rn
        printf "azukari speed-up 1 -> %d threads: %.2fx (wall)\n", n, a1 / an
    }'
    echo "objects with findings (threads 1 run): $findings; azukari peak RSS $((a1_rss / 1024)) MiB"
}

if has_part plain; then
    plain_part plain "$dir/corpus"
fi
if has_part unique; then
    stamp_u=$dir/corpus-unique/.azk-bench-$size-$seed
    if [ ! -e "$stamp_u" ]; then
        rm -rf "$dir/corpus-unique"
        python3 "$here/scan_bench_extra.py" unique --from "$dir/corpus" --out "$dir/corpus-unique" >&2
        touch "$stamp_u"
    fi
    plain_part "unique (digits permuted per line)" "$dir/corpus-unique"
fi
if has_part logs; then
    stamp_l=$dir/logs/.azk-bench-$size-$seed
    if [ ! -e "$stamp_l" ]; then
        rm -rf "$dir/logs"
        lsize=$(python3 -c 'import sys
m = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
s = sys.argv[1]
print(int(float(s[:-1]) * m[s[-1].upper()]) * 2 // 3 if s[-1].upper() in m else int(s) * 2 // 3)' "$size")
        python3 "$here/gen_logs.py" --out "$dir/logs" --size "$lsize" --seed "$seed" >&2
        touch "$stamp_l"
    fi
    plain_part "logs (ordinary logs and exports)" "$dir/logs"
fi
if has_part small; then
    stamp_s=$dir/small/.azk-bench-$size-$seed-$small_files
    if [ ! -e "$stamp_s" ]; then
        rm -rf "$dir/small"
        python3 "$here/scan_bench_extra.py" small --from "$dir/corpus" --out "$dir/small" \
            --count "$small_files" >&2
        touch "$stamp_s"
    fi
    nfiles=$(find "$dir/small" -type f ! -name '.azk-bench-*' | wc -l)
    bytes=$(find "$dir/small" -type f ! -name '.azk-bench-*' -printf '%s\n' | awk '{ s += $1 } END { print s }')
    echo "== small: $nfiles files, $bytes bytes"
    # shellcheck disable=SC2086
    measure "azukari scan --threads 1 (small files)" "$bin" scan --format jsonl --threads 1 $fpargs "$dir/small"
    s_a1=$med_s; s_a1c=$med_cpu
    # shellcheck disable=SC2086
    measure "azukari scan --threads $nproc (small files)" "$bin" scan --format jsonl --threads "$nproc" $fpargs "$dir/small"
    s_an=$med_s
    measure "rg -c -j1 (small files)" rg -c -j1 -uuu --no-messages -e "$re" "$dir/small"
    s_r1=$med_s; s_r1c=$med_cpu
    measure "rg -c -j$nproc (small files)" rg -c -j"$nproc" -uuu --no-messages -e "$re" "$dir/small"
    s_rn=$med_s
    awk -v n="$nfiles" -v a1="$s_a1" -v an="$s_an" -v r1="$s_r1" -v rn="$s_rn" -v a1c="$s_a1c" \
        -v r1c="$s_r1c" -v p="$nproc" 'BEGIN {
        printf "files/s, 1 thread : azukari %.0f (%.0f per CPU-s), rg %.0f (%.0f per CPU-s): %.0f%% of rg (CPU %.0f%%)\n",
            n / a1, n / a1c, n / r1, n / r1c, 100 * r1 / a1, 100 * r1c / a1c
        printf "files/s, %d threads: azukari %.0f, rg %.0f: %.0f%% of rg\n", p, n / an, n / rn, 100 * rn / an
    }'
fi
if has_part bigfile; then
    big=$dir/bigfile/big.log
    big_size=${big_size:-$size}
    stamp_b=$dir/bigfile/.azk-bench-$big_size-$seed
    if [ ! -e "$stamp_b" ]; then
        rm -rf "$dir/bigfile"
        mkdir -p "$dir/bigfile"
        python3 - "$dir/corpus" "$big" "$big_size" <<'PY'
import os, sys
src, out, size = sys.argv[1], sys.argv[2], sys.argv[3]
m = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
want = int(float(size[:-1]) * m[size[-1].upper()]) if size[-1].upper() in m else int(size)
logs = sorted(os.path.join(r, f) for r, _, fs in os.walk(src) for f in fs
              if f.startswith("utf-8_") and f.endswith(".log"))
if not logs:
    sys.exit("scan_bench: no UTF-8 logs in the corpus")
done = 0
with open(out, "wb") as o:
    while done < want:
        for p in logs:
            with open(p, "rb") as f:
                data = f.read()
            if not data.endswith(b"\n"):
                data += b"\n"
            o.write(data)
            done += len(data)
            if done >= want:
                break
PY
        touch "$stamp_b"
    fi
    bytes=$(stat -c %s "$big")
    echo "== bigfile: one UTF-8 log of $bytes bytes"
    # shellcheck disable=SC2086
    measure "azukari scan --threads 1 (one file)" "$bin" scan --format jsonl --threads 1 $fpargs "$big"
    b1=$med_s; b1c=$med_cpu
    cp "$out/stdout" "$out/bigfile.1"
    # shellcheck disable=SC2086
    measure "azukari scan --threads $nproc (one file)" "$bin" scan --format jsonl --threads "$nproc" $fpargs "$big"
    bn=$med_s; bnc=$med_cpu
    if cmp -s "$out/stdout" "$out/bigfile.1"; then same=identical; else same=DIFFERENT; fi
    awk -v a="$b1" -v b="$bn" -v ac="$b1c" -v bc="$bnc" -v n="$nproc" -v same="$same" 'BEGIN {
        printf "one file, 1 -> %d threads: %.2fx (wall), CPU %.2f -> %.2f s; outputs %s\n", n, a / b, ac, bc, same
    }'
fi
if has_part containers; then
    stamp_c=$dir/containers/.azk-bench-$size-$seed
    if [ ! -e "$stamp_c" ]; then
        rm -rf "$dir/containers"
        csize=$(python3 -c 'import sys
m = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
s = sys.argv[1]
print(int(float(s[:-1]) * m[s[-1].upper()]) // 5 if s[-1].upper() in m else int(s) // 5)' "$size")
        python3 "$here/scan_bench_extra.py" containers --from "$dir/corpus" --out "$dir/containers" \
            --size "$csize" >&2
        touch "$stamp_c"
    fi
    bytes=$(cat "$dir/containers/expanded.txt")
    echo "== containers: $(find "$dir/containers" -name '*.zip' | wc -l) zip, $(find "$dir/containers" -name '*.xlsx' | wc -l) xlsx, $bytes bytes expanded (MB/s below: expanded content)"
    # shellcheck disable=SC2086
    measure "azukari scan --threads 1 (zip, xlsx)" "$bin" scan --format jsonl --threads 1 $fpargs "$dir/containers"
    c1c=$med_cpu
    # shellcheck disable=SC2086
    measure "azukari scan --threads $nproc (zip, xlsx)" "$bin" scan --format jsonl --threads "$nproc" $fpargs "$dir/containers"
    awk -v b="$bytes" -v c="$c1c" 'BEGIN { printf "expanded content per core: %.3f GB/s (goal 0.5)\n", (c > 0 ? b / 1e9 / c : 0) }'
fi
