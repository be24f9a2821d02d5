#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/lib/check_exports.py -- the dynamic symbol table of libazukari.so
is the public API and nothing else (lib_exports in CTest).

Usage: check_exports.py LIBAZUKARI.so INCLUDE_DIR [LIBAZUKARI.a]

Fails when nm -D shows a defined symbol that is not declared AZK_EXTERN in
include/azukari/*.h (an internal azk_*__ function, a symbol of a library
azukari builds on, a stray helper), or when a declared function is missing
from the library (declared but never defined: a link error for users).
With the static library too: every global symbol it defines starts with
azk_ (internal ones included), so linking it statically cannot clash with
the names of the program that links it.
"""
import re
import subprocess
import sys
from pathlib import Path


def declared(include_dir):
    names = set()
    for h in sorted(Path(include_dir, "azukari").glob("*.h")):
        text = re.sub(r"/\*.*?\*/", " ", h.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"^\s*#.*$", " ", text, flags=re.M)  # preprocessor lines
        # AZK_EXTERN [AZK_NODISCARD] <type...> name(   -- possibly over lines
        for m in re.finditer(r"AZK_EXTERN\b([^;{]*?)\b([A-Za-z_][A-Za-z0-9_]*)\s*\(", text):
            names.add(m.group(2))
    return names


def exported(lib):
    out = subprocess.run(["nm", "-D", "--defined-only", lib], check=True,
                         capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) < 3:
            continue
        kind, name = parts[1], parts[2]
        name = name.split("@")[0]
        if kind == "A":  # the version node AZUKARI_0
            continue
        names.add(name)
    return names


def main():
    lib, inc = sys.argv[1], sys.argv[2]
    dec, exp = declared(inc), exported(lib)
    ok = True
    if len(dec) < 50:
        print(f"only {len(dec)} declarations found: the header parser is broken")
        ok = False
    for n in sorted(exp - dec):
        print(f"exported but not public API: {n}")
        ok = False
    for n in sorted(dec - exp):
        print(f"declared AZK_EXTERN but not exported: {n}")
        ok = False
    internal = sorted(n for n in exp if "__" in n)
    for n in internal:
        print(f"internal symbol exported: {n}")
        ok = False
    if len(sys.argv) > 3:
        out = subprocess.run(["nm", "-g", "--defined-only", sys.argv[3]], check=True,
                             capture_output=True, text=True).stdout
        for line in out.splitlines():
            parts = line.split()
            # sanitizer builds add their own per-global symbols (__odr_asan.<name>, ...)
            if len(parts) == 3 and parts[2].startswith(("__odr_asan", "__asan", "__ubsan",
                                                        "__sancov")):
                continue
            if len(parts) == 3 and not parts[2].startswith("azk_"):
                print(f"static library defines a global symbol without azk_: {parts[2]}")
                ok = False
    print(f"{len(exp)} exported, {len(dec)} declared")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
