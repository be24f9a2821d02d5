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
# the library and front ends (tests and fuzz harnesses poke at internals on purpose).
# readdir(3) is thread-safe per DIR stream and readdir_r is deprecated; the
# passwd lookups run once per process on the main thread.
cppcheck -q -j2 --enable=warning,portability,performance --error-exitcode=1 \
    --inline-suppr --suppress=missingIncludeSystem --suppress=missingInclude \
    --suppress=readdirCalled --suppress=getpwuidCalled \
    --library=posix --library=gnu --library=tools/cppcheck/jansson.cfg \
    -D__GNUC__ -DAZK_BUILDING_LIBRARY -I include -I src/lib -I src/common -I "$bdir/src/lib" \
    $(git ls-files 'src/*.c') || status=1
if [ "${AZK_TIDY:-0}" = 1 ]; then
    echo "-- clang-tidy"
    clang-tidy -p "$bdir" --quiet \
        --checks='-*,clang-analyzer-*,bugprone-*,-bugprone-easily-swappable-parameters,cert-*,portability-*' \
        $(git ls-files 'src/*.c') || status=1
fi
exit $status
