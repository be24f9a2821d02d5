#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# same_findings.sh -- do two azukari binaries find the same things?
#
#   bench/same_findings.sh BIN OUTDIR TREE...
#
# Scans each TREE with `BIN scan --format jsonl --threads 2`, drops the
# fields that vary between runs (times, durations), sorts the lines and
# writes OUTDIR/NAME.jsonl (NAME = the tree's base name). When
# OUTDIR/../base/NAME.jsonl exists (a run of the reference binary with
# OUTDIR .../base), prints "same" or "DIFFERENT" per tree and exits 1 on
# any difference. A speed change must not change a single finding.
set -eu
[ $# -ge 3 ] || { sed -n '4,13p' "$0" | sed 's/^# \{0,1\}//'; exit 64; }
bin=$1; out=$2; shift 2
mkdir -p "$out"
base=$(dirname "$out")/base
status=0
for tree in "$@"; do
    name=$(basename "$tree")
    rc=0
    "$bin" scan --format jsonl --threads 2 --no-progress "$tree" 2> "$out/$name.err" \
        | python3 -c 'import json, sys
for line in sys.stdin:
    if not line.strip():
        continue
    o = json.loads(line)
    for k in ("scanned_at", "duration_ms", "elapsed_ms", "started_at", "finished_at", "mtime"):
        o.pop(k, None)
    print(json.dumps(o, sort_keys=True, ensure_ascii=False))' | LC_ALL=C sort > "$out/$name.jsonl" || rc=$?
    if [ "$out" != "$base" ] && [ -e "$base/$name.jsonl" ]; then
        if cmp -s "$base/$name.jsonl" "$out/$name.jsonl"; then
            echo "$name: same ($(wc -l < "$out/$name.jsonl") objects)"
        else
            echo "$name: DIFFERENT"; status=1
            diff "$base/$name.jsonl" "$out/$name.jsonl" | head -4 | cut -c1-300
        fi
    else
        echo "$name: $(wc -l < "$out/$name.jsonl") objects written"
    fi
done
exit $status
