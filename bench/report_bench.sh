#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# report_bench.sh -- the monthly report at scale (issue 15): one client with
# DATASETS datasets (1,000, rows written in bulk into the catalog's own
# schema with opens) and N ledger entries in the month (1,000,000, written by
# bench/report_bench.c in batches), then
#   report    `azukari report monthly` of that client (JSON + HTML), seconds
#   import    `azukari vendor import-report` of it at a fresh bank home
#             (signature, checkpoint, consistency proofs, certificates), seconds
# under a faked clock (libfaketime: the month must be over).
# Usage: bench/report_bench.sh [BUILD_DIR]  (a release build: cmake --preset release)
#   env: N DATASETS KEEP=1 (keep the temporary dir)
#        BEFORE=M: M more entries in the month before (a ledger with history: the
#        report skips them without parsing, reading only their time)
# Synthetic data only. Prints one line per figure; saved in bench/results/report.txt.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-build}
BUILD=$(cd "$BUILD" && pwd)
AZK=$BUILD/src/cli/azukari
N=${N:-1000000}
DATASETS=${DATASETS:-1000}
BEFORE=${BEFORE:-0}
[ -x "$AZK" ] || { echo "no $AZK (cmake --preset release && cmake --build build -j2)" >&2; exit 2; }
FT=$(ls /usr/lib/*/faketime/libfaketimeMT.so.1 2>/dev/null | head -1)
[ -n "$FT" ] || { echo "libfaketime missing (tools/install-deps.sh --test)" >&2; exit 2; }
T=$(mktemp -d /tmp/azk-report-bench-XXXXXX)
chmod 755 "$T"
[ -n "${KEEP:-}" ] || trap 'rm -rf "$T"' EXIT
mkdir -p "$top/bench/results"
export AZUKARI_LANG=en TZ=UTC FAKETIME_DONT_FAKE_MONOTONIC=1 NO_FAKE_STAT=1
unset AZUKARI_HOME
at() { when=$1; shift; LD_PRELOAD=$FT FAKETIME="@$when" "$@"; }
now() { date +%s.%N; }
el() { echo "$2 - $1" | bc -l | xargs printf '%.2f'; }
${CC:-cc} -std=c17 -O2 -I"$top/include" "$top/bench/report_bench.c" -L"$BUILD/src/lib" \
    -lazukari -Wl,-rpath,"$BUILD/src/lib" -o "$T/report_bench"
H=$T/vendor
{
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(git -C "$top" rev-parse --short HEAD) $(uname -m) $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg)"
at "2031-01-01 00:00:00" "$AZK" --home "$H" init >/dev/null
at "2031-01-01 00:00:01" "$AZK" --home "$H" client add bank-a >/dev/null
# datasets and opens in bulk (the catalog's own schema, store/schema.c)
python3 - "$H/catalog.db" "$DATASETS" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); n = int(sys.argv[2])
with db:
    for i in range(n):
        ds = "d%05d" % i
        db.execute("INSERT INTO datasets(id, client, uuid, purpose, retain_until, schema_json,"
                   " source_name, format, encoding, records, bytes, created_at, created_by)"
                   " VALUES(?, 'bank-a', ?, 'dm', '2031-12-31', '{}', 'x.csv', 'csv', 'utf-8',"
                   " 1000, 100000, '2031-01-02T00:00:00Z', 'root')", (ds, "u-%d" % i))
        for k in range(3):
            db.execute("INSERT INTO opens(dataset, at, by, reason) VALUES(?, ?, 'alice',"
                       " 'print run')", (ds, "2031-01-%02dT10:00:00Z" % (3 + k)))
PY
t0=$(now)
[ "$BEFORE" -eq 0 ] || "$T/report_bench" "$H" "$BEFORE" "$(date -d 2030-12-01 +%s)" bank-a "$DATASETS"
"$T/report_bench" "$H" "$N" "$(date -d 2031-01-01 +%s)" bank-a "$DATASETS"
t1=$(now)
echo "fill: $BEFORE ledger entries in the month before, $N in the month, in $(el "$t0" "$t1") s"
t0=$(now)
at "2031-02-01 01:00:00" "$AZK" --home "$H" report monthly --client bank-a --month 2031-01 \
    --out "$T/r.json" --html "$T/r.html"
t1=$(now)
echo "report: $DATASETS datasets, $N ledger entries in the month: $(el "$t0" "$t1") s" \
    "(JSON $(du -h "$T/r.json" | cut -f1), HTML $(du -h "$T/r.html" | cut -f1))"
at "2031-02-02 00:00:00" "$AZK" --home "$T/bank" init >/dev/null
t0=$(now)
at "2031-02-02 01:00:00" "$AZK" --home "$T/bank" vendor import-report "$T/r.json" \
    --pubkey "$H/keys/certificate.pub" --client bank-a >/dev/null || [ $? -eq 1 ]
t1=$(now)
echo "import+verify at the bank: $(el "$t0" "$t1") s"
} | tee "$top/bench/results/report.txt"
