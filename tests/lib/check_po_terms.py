#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""tests/lib/check_po_terms.py -- one word for one thing in a translation (po_terms in
CTest): messages that name the same state in different places (a table heading, a status
cell) must have the same msgstr, or a reader takes them for two states.

Usage: check_po_terms.py PO_FILE
"""
import ast
import sys

# msgids that must be translated alike (the same state in different places)
SAME = [
    # the dashboard's case count and the status of a guard item / an agent case
    ("Released", "released"),
    ("Destroyed", "destroyed"),
]


def catalog(path):
    """msgid -> msgstr of the single-form messages of a .po file."""
    out, key, cur, field = {}, None, None, None
    def flush():
        if key is not None and cur is not None:
            out[key] = cur
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line.startswith("msgid "):
                flush()
                key, cur, field = ast.literal_eval(line[6:]), None, "id"
            elif line.startswith("msgstr "):
                cur, field = ast.literal_eval(line[7:]), "str"
            elif line.startswith('"') and field == "id":
                key += ast.literal_eval(line)
            elif line.startswith('"') and field == "str":
                cur += ast.literal_eval(line)
            elif not line:
                field = None
        flush()
    return out


def main():
    cat = catalog(sys.argv[1])
    bad = 0
    for a, b in SAME:
        if a not in cat or b not in cat:
            print("po_terms: %r or %r is not in %s" % (a, b, sys.argv[1]))
            bad += 1
        elif cat[a] != cat[b]:
            print("po_terms: %r is %r but %r is %r: one word for one state"
                  % (a, cat[a], b, cat[b]))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
