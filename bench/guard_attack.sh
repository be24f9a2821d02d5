#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/guard_attack.sh -- figures of the egress guard under hostile input
# (issue 11), on 127.0.0.1 only (bench/guard_attack.py):
#   1. ICAP latency p50/p99 of normal requests alone and while SLOW clients
#      trickle one body byte every 2 s (goal: p99 within 2x);
#   2. ICAP RSS every 5 s over RSS_SECONDS with clean, leaking and hostile
#      clients together (goal: flat);
#   3. peak RSS of the hostile xlsx (130M empty shared strings) in scan,
#      intake, link, guard check and ICAP (goal: < 256 MB each).
# Results are appended to bench/results/guard_attack.txt.
#   sh bench/guard_attack.sh [SLOW_SECONDS] [SLOW] [RSS_SECONDS]
# The issue's run: sh bench/guard_attack.sh 60 16 600
# Environment: AZK_BIN (default build/src/cli/azukari; use a Release build).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${AZK_BIN:-$top/build/src/cli/azukari}
out=$top/bench/results
mkdir -p "$out"
{
    echo "# guard_attack $(date -u +%Y-%m-%dT%H:%M:%SZ) $(uname -m) $(nproc) cores, $(git -C "$top" rev-parse --short HEAD 2>/dev/null || echo '?')"
    python3 "$top/bench/guard_attack.py" slow "$bin" "${1:-60}" "${2:-16}"
    python3 "$top/bench/guard_attack.py" rss "$bin" "${3:-600}"
    python3 "$top/bench/guard_attack.py" xlsx "$bin"
} | tee -a "$out/guard_attack.txt"
