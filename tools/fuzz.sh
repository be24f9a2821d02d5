#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# fuzz.sh [-t SECONDS] [-j PARALLEL] [TARGET...] -- build the libFuzzer
# harnesses with clang-14 (ASan+UBSan) in build-fuzzrun/ and run each target
# for SECONDS (default 600) on a scratch copy of fuzz/corpus/TARGET, with
# fuzz/dict/TARGET.dict when present. PARALLEL targets run at once (default
# 1). Crashes are left as build-fuzzrun/fuzz-out/TARGET/crash-*; add them to
# fuzz/corpus/TARGET once fixed. Logs: build-fuzzrun/fuzz-out/TARGET.log.
set -eu
cd "$(dirname "$0")/.."
secs=600
par=1
while getopts t:j: o; do
    case $o in
    t) secs=$OPTARG ;;
    j) par=$OPTARG ;;
    *) echo "usage: tools/fuzz.sh [-t SECONDS] [-j PARALLEL] [TARGET...]" >&2; exit 64 ;;
    esac
done
shift $((OPTIND - 1))
targets=${*:-$(ls fuzz/*_fuzzer.c | sed 's|fuzz/||; s|_fuzzer.c||')}
b=build-fuzzrun
cmake -S . -B $b -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 -DAZK_FUZZ=ON \
    -DAZK_TESTS=OFF -DCMAKE_BUILD_TYPE=Debug \
    -DCMAKE_C_FLAGS="-fsanitize=fuzzer-no-link,address,undefined" >/dev/null
for t in $targets; do
    cmake --build $b -j2 --target "${t}_fuzzer" >/dev/null
done
mkdir -p $b/fuzz-out
run_one() {
    t=$1
    out=$b/fuzz-out/$t
    rm -rf "$out" "$out.corpus"
    mkdir -p "$out" "$out.corpus"
    [ -d fuzz/corpus/$t ] && cp -r fuzz/corpus/$t/. "$out.corpus/"
    dict=""
    [ -f fuzz/dict/$t.dict ] && dict="-dict=fuzz/dict/$t.dict"
    # shellcheck disable=SC2086
    if $b/fuzz/${t}_fuzzer -max_total_time="$secs" -rss_limit_mb=2048 -artifact_prefix="$out/" \
        $dict "$out.corpus" >"$b/fuzz-out/$t.log" 2>&1; then
        echo "$t: $(grep -E '^#[0-9]+.*DONE' "$b/fuzz-out/$t.log" | tail -1) - no crash in ${secs}s"
    else
        echo "$t: FAILED, see $b/fuzz-out/$t.log and $out/"
        return 1
    fi
}
status=0
running=0
for t in $targets; do
    run_one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$par" ]; then
        wait || status=1
        running=0
    fi
done
wait || status=1
exit $status
