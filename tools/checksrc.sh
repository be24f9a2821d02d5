#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# checksrc.sh -- house rules the compiler does not check (curl's checksrc):
# banned unsafe functions, raw allocation in the library, and an SPDX line
# at the top of every C file. Exit 1 listing offenders.
set -u
cd "$(dirname "$0")/.."
status=0
files=$(git ls-files 'src/*.c' 'src/*.h' 'include/*.h' 'fuzz/*.c' 2>/dev/null)
banned='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|strncpy|alloca)\s*\('
for f in $files; do
    if grep -nE "$banned" "$f" | grep -v 'checksrc: ok'; then
        echo "$f: banned function (see STYLE.md)"
        status=1
    fi
    if ! head -n 3 "$f" | grep -q 'SPDX-License-Identifier'; then
        echo "$f: missing SPDX line"
        status=1
    fi
done
# raw allocation only in util/alloc.c within the library
for f in $(git ls-files 'src/lib/*.c'); do
    case "$f" in src/lib/util/alloc.c) continue ;; esac
    if grep -nE '(^|[^_a-z])(malloc|calloc|realloc|free|strdup|strndup)\s*\(' "$f" | grep -v 'checksrc: ok'; then
        echo "$f: raw allocation (use azk_malloc & co.)"
        status=1
    fi
done
# every sqlite3_bind_* the library calls has a checking wrapper in store/sqlite.h
wrapped='sqlite3_bind_(text|text64|blob|blob64|zeroblob|value|int|int64|double|null)\b'
for f in $(git ls-files 'src/lib/*.c'); do
    case "$f" in src/lib/store/sqlite.c) continue ;; esac
    if grep -noE 'sqlite3_bind_[a-z0-9_]+' "$f" | grep -vE "$wrapped"; then
        echo "$f: a sqlite3_bind_* without a checking wrapper (add it to store/sqlite.h)"
        status=1
    fi
done
# <sqlite3.h> only through store/sqlite.h, whose wrappers check every sqlite3_bind_*
for f in $(git ls-files 'src/lib/*.c' 'src/lib/*.h'); do
    case "$f" in src/lib/store/sqlite.h) continue ;; esac
    if grep -nE '^#include <sqlite3\.h>' "$f"; then
        echo "$f: include \"store/sqlite.h\", not <sqlite3.h> (checked binds)"
        status=1
    fi
done
exit $status
