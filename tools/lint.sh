#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# lint.sh BUILD_DIR -- the CI lint gate: clang-format (dry run), checksrc,
# cppcheck over the compile database. clang-tidy is slower and runs with
# AZK_TIDY=1.
set -u
cd "$(dirname "$0")/.."
bdir=${1:-build-debug}
status=0
files=$(git ls-files 'src/*.c' 'src/*.h' 'include/*.h' 'tests/*.c' 'fuzz/*.c' 'bench/*.c')
echo "-- clang-format"
clang-format --dry-run --Werror $files || status=1
echo "-- checksrc"
sh tools/checksrc.sh || status=1
echo "-- cppcheck"
if [ -f "$bdir/compile_commands.json" ]; then
    cppcheck -q -j2 --enable=warning,portability,performance --error-exitcode=1 \
        --inline-suppr --suppress=missingIncludeSystem \
        --project="$bdir/compile_commands.json" || status=1
fi
if [ "${AZK_TIDY:-0}" = 1 ]; then
    echo "-- clang-tidy"
    clang-tidy -p "$bdir" --quiet \
        --checks='-*,clang-analyzer-*,bugprone-*,-bugprone-easily-swappable-parameters,cert-*,portability-*' \
        $(git ls-files 'src/*.c') || status=1
fi
exit $status
