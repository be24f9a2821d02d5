#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/audit_bench.sh -- build the audit ledger alone with -O2 and run
# bench/audit_bench.c in a fresh temporary home: batched appends/s, single
# fdatasync appends/s, open time, verify of N entries, proof sizes/times at
# 1k and N. Results are printed and saved in bench/results/audit.txt.
#   sh bench/audit_bench.sh [N=1000000] [BATCH=1000] [SINGLES=500]
# Set TMPDIR to bench on the disk the azukari home will live on.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/results
mkdir -p "$out"
${CC:-cc} -std=c17 -O2 -DNDEBUG -D_GNU_SOURCE -DAZK_BUILDING_LIBRARY -DAZK_VERSION_STRING='"bench"' \
    -I"$top/include" -I"$top/src/lib" \
    "$top/bench/audit_bench.c" "$top"/src/lib/audit/*.c "$top"/src/lib/util/*.c \
    $(pkg-config --cflags --libs libsodium jansson) -lpthread -o "$out/audit_bench"
home=$(mktemp -d "${TMPDIR:-/tmp}/azk-audit-bench-XXXXXX")
trap 'rm -rf "$home"' EXIT
{
    echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -m) $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg), home on $(df -P "$home" | awk 'NR==2 {print $1}')"
    "$out/audit_bench" "$home/h" "${1:-1000000}" "${2:-1000}" "${3:-500}"
    echo "ledger size: $(du -sh "$home/h/ledger/entries.log" | cut -f1) log, $(du -sh "$home/h/ledger" | cut -f1) with caches"
} | tee "$out/audit.txt"
