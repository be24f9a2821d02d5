#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# impact_bench.sh -- `azukari impact` time and peak memory: two clients with
# one synthetic dataset of ROWS records each (bench/edm_gen.py, CP932), a
# "stolen" share of STOLEN rows of each (a CSV extract of client A's file,
# a print log with name and phone of client B's rows, both zipped once
# more), and the full analysis with report drafts and a sealed list.
#
# Usage: bench/impact_bench.sh [BUILD_DIR] [ROWS] [STOLEN]
# Prints one line per figure. Needs python3 and /usr/bin/time.
set -eu
BUILD=${1:-build}
ROWS=${2:-200000}
STOLEN=${3:-20000}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=$BUILD/src/cli/azukari
[ -x "$BIN" ] || { echo "impact_bench: no $BIN (build first)" >&2; exit 2; }
T=$(mktemp -d /tmp/azk-impact-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
H=$T/home
echo "impact_bench: generating 2 x $ROWS synthetic records, $STOLEN stolen rows of each"
python3 "$SRC/bench/edm_gen.py" --rows "$ROWS" --out "$T/a.csv" --seed 1 --cp932
python3 "$SRC/bench/edm_gen.py" --rows "$ROWS" --out "$T/b.csv" --seed 2
# edm_gen.py numbers its names (佐藤 花子17) to keep them distinct; a name in
# a text line is detected without the digits, so drop them: homonyms are
# what the matcher must cope with anyway (a different phone is not a match)
python3 - "$T/a.csv" cp932 "$T/b.csv" utf-8 <<'PY'
import csv, io, re, sys
for path, enc in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
    with open(path, encoding=enc, newline="") as f:
        rows = list(csv.reader(f))
    ni = rows[0].index("氏名")
    for r in rows[1:]:
        r[ni] = re.sub(r"[0-9]+$", "", r[ni])
    with open(path, "w", encoding=enc, newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
PY
"$BIN" --quiet --home "$H" init
"$BIN" --quiet --home "$H" client add bank-a
"$BIN" --quiet --home "$H" client add bank-b
"$BIN" --quiet --home "$H" intake --client bank-a --dataset a1 --purpose bench \
    --retain-until 2099-12-31 "$T/a.csv" >/dev/null
"$BIN" --quiet --home "$H" intake --client bank-b --dataset b1 --purpose bench \
    --retain-until 2099-12-31 "$T/b.csv" >/dev/null
mkdir "$T/stolen"
head -n "$((STOLEN + 1))" "$T/a.csv" > "$T/stolen/extract.csv"
python3 - "$T/b.csv" "$T/stolen/print.log" "$STOLEN" <<'PY'
import csv, sys
src, out, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, encoding="utf-8") as f, open(out, "w", encoding="utf-8") as o:
    r = csv.reader(f)
    hdr = next(r)
    ni, pi = hdr.index("氏名"), hdr.index("電話番号")
    for i, row in enumerate(r):
        if i >= n:
            break
        o.write("2024-06-01 12:00:00 PRINT job=%d 宛名=%s 様 TEL=%s\n" % (i, row[ni], row[pi]))
PY
(cd "$T/stolen" && python3 -c "import zipfile,sys; z=zipfile.ZipFile('job.zip','w',zipfile.ZIP_DEFLATED); [z.write(n) for n in ('extract.csv','print.log')]; z.close()")
du -sb "$T/stolen" | awk '{print "impact_bench: stolen bytes " $1}'
"$BIN" --home "$H" impact keygen --public "$T/a.pub" --secret "$T/a.sec"
/usr/bin/time -f "impact_bench: impact %e s, peak RSS %M KiB" \
    "$BIN" --home "$H" impact --format json --as-of 2027-01-01 --known-date 2027-01-01 \
    --cause unauthorized-access --report-dir "$T/report" --client-key "bank-a=$T/a.pub" \
    "$T/stolen" > "$T/out.json" || [ $? -eq 1 ]
python3 -c "
import json,sys; j=json.load(open('$T/out.json'))
for c in j['clients']: print('impact_bench: client %s records %d persons %d' % (c['client'], c['records'], c['persons']))
print('impact_bench: across clients persons %d, objects %d' % (j['persons'], j['objects']))"
/usr/bin/time -f "impact_bench: decrypt-list %e s, peak RSS %M KiB" \
    "$BIN" --home "$H" impact decrypt-list --key "$T/a.sec" \
    "$T/report/notification-list-bank-a.azkn" | wc -l | awk '{print "impact_bench: list rows " $1}'
