#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# tests/lib/check_includes.sh -- what the public headers and the front end
# may include (lib_includes in CTest):
#  - include/azukari/*.h: other azukari headers and standard C headers only,
#    so a program that uses azukari needs none of its dependencies' headers
#    and each compiles alone as C99 with only -I include;
#  - src/cli, src/common: the public headers, their own headers and system
#    headers, never a dependency (jansson, sodium, sqlite3, hyperscan, libpq,
#    ...) nor an internal header of src/lib/. The build enforces it too: the
#    CLI links only the shared library, which exports the public API only;
#  - anywhere: a public azk_*_options struct is initialised with its
#    AZK_*_OPTIONS_INIT macro (and set by name), never with a brace list.
# Usage: check_includes.sh SOURCE_DIR
set -eu
src=$1
bad=0
deps='jansson|sodium|sqlite3|hs/|hs\.h|ch\.h|libpq|pq-fe|archive|expat|unicode/|microhttpd|liboath|oath\.h|seccomp|gsf|glib|mecab|zlib\.h|curl'

report() { # PREFIX LINES: print each of LINES (grep -n output) after PREFIX
    if [ -n "$2" ]; then
        printf '%s\n' "$2" | sed "s|^|$1|"
        bad=1
    fi
}
std='stddef|stdint|stdbool|stdio|stdarg|time|sys/types'
own='azukari/[a-z_]+\.h|cli\.h|cli_home\.h|commands\.h|commands\.def|opts\.h|retention_cli\.h|vendor_cli\.h|sup_cli\.h|impact_jobs_cli\.h'

# public headers: only "azukari/..." and a short list of standard headers
for h in "$src"/include/azukari/*.h; do
    report "${h#"$src"/}: " "$(grep -n '^[[:space:]]*#[[:space:]]*include' "$h" |
        grep -Ev "#[[:space:]]*include[[:space:]]+(\"azukari/[a-z_]+\\.h\"|<($std)\\.h>)")"
done

# front end: no dependency, no internal header
for f in "$src"/src/cli/*.[ch] "$src"/src/cli/*.def "$src"/src/common/*.[ch]; do
    report "${f#"$src"/}: dependency header: " \
        "$(grep -nE "^[[:space:]]*#[[:space:]]*include[[:space:]]*<($deps)" "$f")"
    report "${f#"$src"/}: internal header: " \
        "$(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f" | grep -Ev "\"($own)\"")"
done
# each public header compiles alone, C99, with nothing but -I include
# (no _GNU_SOURCE or other definition of the build)
for h in "$src"/include/azukari/*.h; do
    n=${h#"$src"/include/}
    out=$(printf '#include "%s"\n' "$n" |
        ${CC:-cc} -std=c99 -pedantic -Wall -Wextra -Werror -fsyntax-only -I "$src/include" -x c - 2>&1) ||
        report "include/$n: does not compile alone: " "$out"
done

# public options structs start from their _OPTIONS_INIT macro, then fields by
# name: never a brace list (by position), which breaks when a field is added
types=$(sed -n 's/^} \(azk_[a-z_]*_options\);$/\1/p' "$src"/include/azukari/*.h | paste -sd'|' -)
[ -n "$types" ] || report "include/azukari: " "no options struct found (parser broken)"
report "options not from their _INIT macro: " "$(grep -rnE "\b($types)[[:space:]]+[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?[[:space:]]*=[[:space:]]*\{" \
    "$src/src" "$src/tests" "$src/fuzz" "$src/bench" --include='*.c' --include='*.h' | sed "s|^$src/||")"

if [ "$bad" -ne 0 ]; then
    echo "check_includes: the lines above break the public API boundary" >&2
    exit 1
fi
echo "check_includes: ok"
