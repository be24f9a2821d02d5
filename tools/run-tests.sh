#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# run-tests.sh -- build and run every test of azukari (called by
# tools/setup.sh test and .ci/run). Steps, each counted as passed/failed:
#   1. lint gate (tools/lint.sh: clang-format, checksrc, cppcheck)
#   2. debug build with -Werror; ctest (unit, oom, e2e, fuzz replay, headers,
#      and the "pg" label: a real PostgreSQL 15 that tools/pgtest.sh starts as
#      a CTest fixture -- as `nobody`, on a Unix socket under /tmp -- and stops
#      at the end even when tests fail; this script stops it too if ctest is
#      interrupted or killed). The "pg" label holds the store unit tests
#      (unit_db, unit_pg_lifecycle, unit_pg_people) and the e2e suite again
#      with every home's catalog in PostgreSQL (e2e_pg_*)
#   3. release build with -Werror (-O3 finds other warnings than -O0), the
#      README's one: LTO and profile feedback (tools/build-release.sh)
#   4. ASan+UBSan build; the same ctest suite under the sanitizers (its own
#      PostgreSQL server: the socket directory is derived from the build directory)
# Prints "N passed, N failed" last; exits non-zero if anything failed.
# AZK_SKIP_ASAN=1 skips step 3 (for quick local runs).
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
jobs=$(nproc 2>/dev/null || echo 2)
passed=0
failed=0
log_dir="$here/build-logs"
mkdir -p "$log_dir"

# The PostgreSQL server of a build dir's "pg" tests (tests/CMakeLists.txt:
# /tmp/azk-pg-<first 10 hex digits of md5(absolute build dir)>). The pg_stop
# fixture stops it at the end of ctest even when tests fail or time out; this
# stops it also when ctest itself is interrupted or killed (and a leftover of
# an earlier interrupted run before starting).
pg_dir() {
    printf '/tmp/azk-pg-%s' "$(printf '%s' "$here/$1" | md5sum | cut -c1-10)"
}
pg_stop_all() {
    for b in build-debug build-asan; do
        d=$(pg_dir "$b")
        if [ -d "$d" ]; then
            sh "$here/tools/pgtest.sh" stop "$d" >/dev/null 2>&1 || true
        fi
    done
}
trap pg_stop_all EXIT
trap 'pg_stop_all; exit 130' INT
trap 'pg_stop_all; exit 143' TERM

count_ctest() {
    # $1 = build dir, $2 = label for messages
    out="$log_dir/ctest-$2.log"
    pg_stop_all
    (cd "$1" && ctest --output-on-failure -j"$jobs" --timeout 900) >"$out" 2>&1
    rc=$?
    pg_stop_all
    tail -n 40 "$out"
    p=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .* Passed' "$out")
    f=$(grep -cE '^ *[0-9]+/[0-9]+ Test +#[0-9]+: .*(\*\*\*|Failed|Timeout|Not Run|Exception)' "$out")
    passed=$((passed + p))
    failed=$((failed + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        failed=$((failed + 1))
    fi
}

step() {
    # $1 = name; rest = command
    name=$1
    shift
    echo "== $name"
    if "$@" >"$log_dir/$name.log" 2>&1; then
        passed=$((passed + 1))
    else
        echo "FAILED: $name (see $log_dir/$name.log)"
        tail -n 30 "$log_dir/$name.log"
        failed=$((failed + 1))
    fi
}

step build-debug sh -c "cmake -S . -B build-debug -DCMAKE_BUILD_TYPE=Debug -DAZK_WERROR=ON && cmake --build build-debug -j$jobs"
step lint sh tools/lint.sh build-debug
if [ -x build-debug/src/cli/azukari ]; then
    echo "== ctest (debug)"
    count_ctest build-debug debug
fi

step build-release sh tools/build-release.sh build-release -DAZK_WERROR=ON

if [ "${AZK_SKIP_ASAN:-0}" != 1 ]; then
    step build-asan sh -c "cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DAZK_SANITIZE=ON && cmake --build build-asan -j$jobs"
    if [ -x build-asan/src/cli/azukari ]; then
        echo "== ctest (ASan+UBSan)"
        ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
            count_ctest build-asan asan
    fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
