#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/detect_bench.sh -- throughput of the detect stage alone (release
# build of libazukari) on a generated mostly-ASCII log, against ripgrep
# with one regex for phone|email|postal on the same file, both on 1 core.
#   sh bench/detect_bench.sh [MB] [BUILD_DIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
mb=${1:-64}
build=${2:-$top/build-detect/rel}
out=$top/bench/results
mkdir -p "$out"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAZK_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target azukari_static >/dev/null
${CC:-cc} -std=c17 -O2 -DNDEBUG -D_GNU_SOURCE -I"$top/include" -I"$top/src/lib" \
    "$top/bench/detect_bench.c" "$build/src/lib/libazukari.a" \
    $(pkg-config --libs libhs icu-uc icu-i18n libarchive expat libsodium sqlite3 libpq jansson \
      libmicrohttpd liboath) $(mecab-config --libs) -lm -lpthread -o "$out/detect_bench"
log=$out/detect_bench.log
"$out/detect_bench" "$mb" "$log"
re='0[0-9]{1,4}-[0-9]{1,4}-[0-9]{4}|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}|[0-9]{3}-[0-9]{4}'
best=""
for run in 1 2 3; do
    # CPU seconds (user + system): the machine may be shared
    t=$(/usr/bin/time -f '%U %S' rg -c -j1 -e "$re" "$log" 2>&1 >/dev/null | tail -1 |
        awk '{print $1 + $2}')
    if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
done
size=$(stat -c %s "$log")
printf '%-32s %8.1f MB/s  (%.3f s CPU, best of 3)\n' "ripgrep -j1 phone|email|postal" \
    "$(echo "$size / 1000000 / $best" | bc -l)" "$best"
rm -f "$log"
