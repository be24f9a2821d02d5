#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/guard_bench.sh -- figures of the egress guard (issue 7):
#   1. `azukari guard check` latency on a 1 MB file (synthetic text with a
#      few synthetic roster lines): p50 and p99 over CHECK_SECONDS of runs;
#   2. ICAP through the real Squid from a local load generator
#      (bench/guard_load.py: CONC concurrent clients, bodies 4 KiB..1 MiB,
#      one in twenty a synthetic roster that is blocked): requests/s, MB/s,
#      latency p50/p99 and the service's RSS every 5 s.
# Results are appended to bench/results/guard.txt.
#   sh bench/guard_bench.sh [LOAD_SECONDS] [CONC]
# The 10-minute run of the issue: sh bench/guard_bench.sh 600 4
# Environment: AZK_BIN (default build/src/cli/azukari), CHECK_SECONDS (30).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${AZK_BIN:-$top/build/src/cli/azukari}
load=${1:-60}
conc=${2:-4}
out=$top/bench/results
mkdir -p "$out"
command -v squid >/dev/null 2>&1 || PATH=$PATH:/usr/sbin
command -v squid >/dev/null 2>&1 || { echo "squid is not installed" >&2; exit 1; }
tmp=$(mktemp -d /tmp/azk-guard-bench-XXXXXX)
trap 'rm -rf "$tmp"' EXIT
chmod 755 "$tmp"
"$bin" --home "$tmp/home" init >/dev/null
{
    echo "# guard_bench $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -m) $(nproc) cores, load ${load}s conc $conc"
    python3 "$top/bench/guard_load.py" check "$bin" "$tmp/home" "${CHECK_SECONDS:-30}"
    python3 "$top/bench/guard_load.py" icap "$bin" "$tmp/home" "$load" "$conc"
} | tee -a "$out/guard.txt"
