#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# build-release.sh -- the release build of README's set-up (tools/setup.sh
# demo, tools/run-tests.sh): GCC link-time optimization and profile
# feedback, in three steps:
#   1. BUILD-pgo: an instrumented build of the CLI (AZK_PGO=generate);
#   2. tools/pgo-train.sh: it scans a small generated share (never the
#      benchmark corpora); the profile is written to BUILD-pgo/profile;
#   3. BUILD: the release build (AZK_LTO=ON AZK_PGO=use), every target.
#
#   tools/build-release.sh [BUILD [CMAKE_ARG...]]    (BUILD defaults to build)
#
# CMAKE_ARGs go to both configure steps (e.g. -DAZK_WERROR=ON). Step 3
# rebuilds from clean: a changed profile is no dependency make can see.
# AZK_PGO=0 in the environment skips steps 1-2 (LTO only: other
# compilers than GCC, a quick build). Figures: bench/sessions/s11.md "Session 11:
# release build".
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
build=${1:-build}
[ $# -gt 0 ] && shift
jobs=$(nproc 2>/dev/null || echo 2)
case $build in /*) ;; *) build=$here/$build ;; esac
gen=$build-pgo

if [ "${AZK_PGO:-1}" = 0 ]; then
    cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DAZK_TESTS=OFF -DAZK_LTO=ON \
        -DAZK_PGO= "$@" >/dev/null
    exec cmake --build "$build" -j"$jobs"
fi

echo "== build-release: 1/3 instrumented build ($gen)"
cmake -S . -B "$gen" -DCMAKE_BUILD_TYPE=Release -DAZK_TESTS=OFF -DAZK_LTO=OFF \
    -DAZK_PGO=generate -DAZK_PGO_DIR="$gen/profile" "$@" >/dev/null
cmake --build "$gen" -j"$jobs" --target azukari azukari-extract

echo "== build-release: 2/3 training run"
rm -rf "$gen/profile"
sh tools/pgo-train.sh "$gen/src/cli/azukari" "$gen/train"
rm -rf "$gen/train"

echo "== build-release: 3/3 release build with the profile ($build)"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DAZK_TESTS=OFF -DAZK_LTO=ON \
    -DAZK_PGO=use -DAZK_PGO_DIR="$gen/profile" "$@" >/dev/null
cmake --build "$build" -j"$jobs" --clean-first
