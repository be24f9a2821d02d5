#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
#
# setup.sh -- the two set-up commands of README.md, on a fresh Debian 12:
#
#   tools/setup.sh demo   install what is missing (apt), build (release, with
#                         LTO and profile feedback: tools/build-release.sh) and
#                         scan the bundled sample share samples/share with a
#                         text report (the main job)
#   tools/setup.sh test   install what is missing (including test services:
#                         PostgreSQL, Squid, c-icap), build, and run every
#                         test: lint gate, unit, end-to-end, fuzz-corpus
#                         replay, then the whole suite again under ASan+UBSan.
#                         Ends with the line "N passed, N failed".
#
# Run as root (or a user with sudo). Build trees: build/ (release),
# build-debug/ (tests), build-asan/ (sanitizers).
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
cd "$here"
mode=${1:-demo}

case "$mode" in
demo)
    sh tools/install-deps.sh
    sh tools/build-release.sh build
    echo "== azukari scan samples/share =="
    set +e
    AZUKARI_LOCALEDIR="$here/build/po/locale" ./build/src/cli/azukari scan samples/share
    rc=$?
    set -e
    echo "(exit status $rc: 1 = personal data found, 2 = something could not be scanned, 0 = clean)"
    ;;
test)
    sh tools/install-deps.sh --test
    exec sh tools/run-tests.sh
    ;;
*)
    echo "usage: tools/setup.sh demo|test" >&2
    exit 64
    ;;
esac
