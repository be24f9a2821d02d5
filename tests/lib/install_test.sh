#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/lib/install_test.sh -- `cmake --install` into a temporary prefix,
# then build tests/lib/consumer.c the way another project would, with only
# `pkg-config --cflags --libs azukari` (PKG_CONFIG_PATH at the prefix):
# once against the shared library, once against the static one
# (`pkg-config --static`), and run both. Also checks what else the install
# holds: headers without dependencies, the CLI (which must find its
# library through its RPATH), man page, message catalog.
# Usage: install_test.sh BUILD_DIR CONSUMER_C
set -eu
build=$1
src=$2
cc=${CC:-cc}
extra=${AZK_CONSUMER_CFLAGS:-} # -fsanitize=... in sanitizer builds
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
prefix=$tmp/prefix
fail() {
    echo "install_test: $*" >&2
    exit 1
}

cmake --install "$build" --prefix "$prefix" >"$tmp/install.log" || {
    cat "$tmp/install.log"
    fail "cmake --install failed"
}
pc=$(find "$prefix" -name azukari.pc)
[ -n "$pc" ] || fail "no azukari.pc installed"
libdir=$(dirname "$(dirname "$pc")")
for f in "$prefix/include/azukari/scan.h" "$prefix/include/azukari/common.h" \
    "$prefix/bin/azukari" "$prefix/share/man/man1/azukari.1" \
    "$prefix/share/locale/ja/LC_MESSAGES/azukari.mo" "$libdir/libazukari.a"; do
    [ -e "$f" ] || fail "not installed: ${f#"$prefix"/}"
done
ls "$libdir"/libazukari.so.* >/dev/null 2>&1 || fail "no libazukari.so.* installed"
[ -L "$libdir/libazukari.so" ] || fail "no libazukari.so development link"

export PKG_CONFIG_PATH="$libdir/pkgconfig"
cflags=$(pkg-config --cflags azukari)
libs=$(pkg-config --libs azukari)
# static: libazukari.a and what it needs -- Libs.private, and the libraries
# of the packages in Requires.private. Those are linked as shared libraries,
# which bring their own dependencies: the full static closure
# (`pkg-config --static` of every level) is each dependency's business and
# is not complete on Debian (libpq.pc names libpgcommon and libpgport,
# which libpq-dev does not ship).
requires=$(pkg-config --print-requires-private azukari | awk '{print $1}')
[ -n "$requires" ] || fail "azukari.pc has no Requires.private"
slibs="$(pkg-config --static --libs --maximum-traverse-depth=2 azukari | sed 's/-lazukari\b/-l:libazukari.a/') $(echo "$requires" | xargs pkg-config --libs)"
echo "cflags: $cflags"
echo "libs: $libs"
echo "static libs: $slibs"
case "$cflags $libs" in
    *"$prefix"*) ;;
    *) fail "pkg-config does not point into the prefix" ;;
esac

# shared
# shellcheck disable=SC2086
$cc -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror $extra -o "$tmp/consumer-shared" "$src" \
    $cflags $libs || fail "cannot build against the shared library"
readelf -d "$tmp/consumer-shared" | grep -q 'NEEDED.*libazukari\.so\.' ||
    fail "consumer-shared does not use libazukari.so"
LD_LIBRARY_PATH="$libdir" "$tmp/consumer-shared" || fail "consumer-shared failed"

# static
# shellcheck disable=SC2086
$cc -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror $extra -o "$tmp/consumer-static" "$src" \
    $cflags $slibs || fail "cannot build against the static library"
if readelf -d "$tmp/consumer-static" | grep -q 'NEEDED.*libazukari'; then
    fail "consumer-static still needs libazukari.so"
fi
env -u LD_LIBRARY_PATH "$tmp/consumer-static" || fail "consumer-static failed"

# the installed CLI runs from the prefix (RPATH $ORIGIN/../lib...)
env -u LD_LIBRARY_PATH "$prefix/bin/azukari" --version >/dev/null || fail "installed CLI does not run"
used=$(env -u LD_LIBRARY_PATH ldd "$prefix/bin/azukari" | awk '/libazukari/ {print $3}')
[ -n "$used" ] && [ "$(realpath "$(dirname "$used")")" = "$(realpath "$libdir")" ] ||
    fail "installed CLI does not use the installed library (it uses: ${used:-none})"
echo "install_test: ok"
