#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# edm_bench.sh -- entrusted-data figures: intake time of N synthetic
# records (default 1,000,000), fingerprint export time and file size, and
# the peak memory of loading the fingerprint index (/usr/bin/time -v).
# Scan throughput with / without fingerprints is measured by the scan
# bench once `azukari scan --fingerprints` is wired.
#
# Usage: bench/edm_bench.sh [BUILD_DIR] [ROWS]
# Prints one line per figure. Needs python3 and /usr/bin/time.
set -eu
BUILD=${1:-build}
ROWS=${2:-1000000}
SRC=$(cd "$(dirname "$0")/.." && pwd)
BIN=$BUILD/src/cli/azukari
[ -x "$BIN" ] || { echo "edm_bench: no $BIN (build first)" >&2; exit 2; }
T=$(mktemp -d /tmp/azk-edm-bench.XXXXXX)
trap 'rm -rf "$T"' EXIT
H=$T/home
echo "edm_bench: generating $ROWS synthetic records"
python3 "$SRC/bench/edm_gen.py" --rows "$ROWS" --out "$T/dm.csv" --cp932
ls -l "$T/dm.csv" | awk '{print "edm_bench: input bytes " $5}'
"$BIN" --quiet --home "$H" init
"$BIN" --quiet --home "$H" client add bench
/usr/bin/time -f "edm_bench: intake %e s, peak RSS %M KiB" \
    "$BIN" --home "$H" intake --client bench --dataset d1 --purpose bench \
    --retain-until 2099-12-31 "$T/dm.csv"
/usr/bin/time -f "edm_bench: export %e s, peak RSS %M KiB" \
    "$BIN" --home "$H" fingerprints export --out "$T/fp.azf"
ls -l "$T/fp.azf" | awk '{print "edm_bench: fingerprint file bytes " $5}'
# index memory and matcher cost: a synthetic 10 M-row file (6 kinds per row)
LOADER=$T/edm_load
${CC:-cc} -std=c17 -O2 -DNDEBUG -D_GNU_SOURCE -I"$SRC/include" -I"$SRC/src/lib" \
    "$SRC/bench/edm_load.c" "$BUILD/src/lib/libazukari.a" \
    $(pkg-config --libs libsodium icu-uc icu-i18n jansson sqlite3 libhs libarchive expat libpq \
      libmicrohttpd liboath) $(mecab-config --libs) -lstdc++ -lm -lpthread -o "$LOADER"
chmod 600 "$T/fp.azf.key"
/usr/bin/time -f "edm_bench: load of the $ROWS-row export: %e s, peak RSS %M KiB" \
    "$LOADER" load "$T/fp.azf" "$T/fp.azf.key"
BIG=${EDM_BENCH_INDEX_ROWS:-10000000}
"$LOADER" synth "$BIG" "$T/big.azf"
chmod 600 "$T/big.azf.key"
ls -l "$T/big.azf" | awk '{print "edm_bench: synthetic index file bytes " $5}'
/usr/bin/time -f "edm_bench: load of $BIG rows (version 1 file): %e s, %U+%S CPU s, peak RSS %M KiB" \
    "$LOADER" load "$T/big.azf" "$T/big.azf.key"
# the same index as export writes it since session 7 (format version 2: the tables as they are)
"$LOADER" convert "$T/big.azf" "$T/big.azf.key" "$T/big2.azf"
cp "$T/big.azf.key" "$T/big2.azf.key"
ls -l "$T/big2.azf" | awk '{print "edm_bench: synthetic index file bytes (version 2) " $5}'
/usr/bin/time -f "edm_bench: load of $BIG rows (version 2 file): %e s, %U+%S CPU s, peak RSS %M KiB" \
    "$LOADER" load "$T/big2.azf" "$T/big2.azf.key"
