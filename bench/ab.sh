#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# ab.sh -- CPU time of two (or more) azukari binaries on one tree, runs
# interleaved so that a machine's drift hits every binary alike.
#
#   bench/ab.sh TREE RUNS BIN_A BIN_B [BIN ...] [-- EXTRA SCAN ARGS]
#
# Each round runs `BIN scan --format jsonl --threads $T --no-progress
# [EXTRA] TREE > /dev/null` once per binary (T from the environment,
# default 1). Prints, per binary, the median and minimum CPU seconds
# (user+sys), the median wall seconds and the largest peak RSS.
# Compare binaries within one run: a shared VM's speed moves +-20%
# between hours. Needs /usr/bin/time (Debian package time).
set -eu
[ $# -ge 3 ] || { sed -n '4,14p' "$0" | sed 's/^# \{0,1\}//'; exit 64; }
tree=$1; runs=$2; shift 2
bins=
while [ $# -gt 0 ] && [ "$1" != -- ]; do bins="$bins $1"; shift; done
[ "${1:-}" = -- ] && shift
T=${T:-1}
# LD_LIBRARY_PATH outranks every binary's RUNPATH: a library directory set
# for one binary would silently be used by the other(s) too.
if [ -n "${LD_LIBRARY_PATH:-}" ]; then
    echo "ab.sh: LD_LIBRARY_PATH is set and applies to every binary; unset it" >&2
    exit 64
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/azk-ab.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
i=0
while [ "$i" -lt "$runs" ]; do
    i=$((i + 1)); n=0
    for b in $bins; do
        n=$((n + 1))
        rc=0
        /usr/bin/time -f '%e %M %U %S' -o "$tmp/t" "$b" scan --format jsonl \
            --threads "$T" --no-progress "$@" "$tree" > /dev/null 2> "$tmp/err" || rc=$?
        if [ "$rc" -gt 2 ]; then echo "ab.sh: $b exited $rc" >&2; tail -3 "$tmp/err" >&2; exit 1; fi
        tail -1 "$tmp/t" >> "$tmp/times.$n"
    done
done
n=0
for b in $bins; do
    n=$((n + 1))
    awk -v b="$b" '{ cpu[NR] = $3 + $4; wall[NR] = $1; if ($2 > rss) rss = $2 }
        END {
            for (i = 1; i <= NR; i++) for (j = i + 1; j <= NR; j++) {
                if (cpu[j] < cpu[i]) { t = cpu[i]; cpu[i] = cpu[j]; cpu[j] = t }
                if (wall[j] < wall[i]) { t = wall[i]; wall[i] = wall[j]; wall[j] = t } }
            m = int((NR + 1) / 2)
            printf "%-50s CPU median %6.2f s  min %6.2f s | wall %6.2f s | %4d MiB\n", b, cpu[m], cpu[1], wall[m], rss / 1024
        }' "$tmp/times.$n"
done
