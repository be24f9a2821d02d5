#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
tools/gen_names_lexicon.py -- build the person-name lexicon of
src/lib/detect/names*.c from IPAdic's Noun.name.csv.

Reads the IPAdic person-name entries (EUC-JP CSV; fields: surface, left id,
right id, cost, 名詞, 固有名詞, 人名, 姓|名|一般, *, *, base, reading,
pronunciation), keeps surnames (姓) and given names (名) with their katakana
readings and the lowest word cost seen for each (a frequency proxy: lower is
more common), and writes a C source holding one sorted table (by UTF-8
bytes) and its read-only index (names_lex.h): the open-addressing hash
table of entry indices (FNV-1a), the longest entry per first BMP code
point, and the bitmaps of code points used by an entry, of code points
that are an entry alone and of (hashed) first pairs of longer entries --
built here so that no process spends ~20 M instructions on them at
start-up (tests/unit/names rebuilds them in C and compares). Full names
of famous people (人名,一般) are not used. Python 3 standard library only.

Usage: gen_names_lexicon.py Noun.name.csv OUT.c
"""
import sys

FAMILY, GIVEN, R_FAMILY, R_GIVEN = 1, 2, 4, 8

# The IPAdic license asks every copy, modified or not, to carry this notice.
NOTICE = """ * Copyright 2000, 2001, 2002, 2003 Nara Institute of Science
 * and Technology.  All Rights Reserved.
 *
 * Use, reproduction, and distribution of this software is permitted.
 * Any copy of this software, whether in its original form or modified,
 * must include both the above copyright notice and the following
 * paragraphs.
 *
 * Nara Institute of Science and Technology (NAIST),
 * the copyright holders, disclaims all warranties with regard to this
 * software, including all implied warranties of merchantability and
 * fitness, in no event shall NAIST be liable for
 * any special, indirect or consequential damages or any damages
 * whatsoever resulting from loss of use, data or profits, whether in an
 * action of contract, negligence or other tortuous action, arising out
 * of or in connection with the use or performance of this software.
 *
 * A large portion of the dictionary entries originate from ICOT Free
 * Software; its conditions (including the NO WARRANTY section) apply
 * and are reproduced in docs/internals/NAMES.md.
"""
MAX_BYTES = 255
BMP = 0x10000
PAIR_BITS = 18  # AZK_NAMES_LEX_PAIR_BITS (names_lex.h; the C file checks it)
M32 = 0xFFFFFFFF


def fnv1a(b):
    # names_lex.c fnv1a (azk_names__lex_find)
    h = 2166136261
    for x in b:
        h = ((h ^ x) * 16777619) & M32
    return h


def pair_bit(c0, c1):
    # names_lex.h azk_names__lex_pair_bit
    h = ((c0 * 0x9E3779B1) & M32) ^ ((c1 * 0x85EBCA77) & M32)
    h = ((h ^ (h >> 15)) * 0x2C1B3C6D) & M32
    return h >> (32 - PAIR_BITS)


def build_index(items):
    # the index names_lex.c reads (struct azk_names_lex): slots hold the top
    # 16 bits of the FNV-1a hash and the entry index + 1, linear probing
    count = len(items)
    if count >= 0xFFFF:
        raise SystemExit("gen_names_lexicon.py: lexicon too large")
    nslots = 1
    while nslots < count * 2:
        nslots <<= 1
    mask = nslots - 1
    slots = [0] * nslots
    first = bytearray(BMP)
    inlex = bytearray(BMP // 8)
    one = bytearray(BMP // 8)
    pair = bytearray((1 << PAIR_BITS) // 8)
    max_chars = 0
    for i, (b, _) in enumerate(items):
        fh = fnv1a(b)
        h = fh & mask
        while slots[h] != 0:
            h = (h + 1) & mask
        slots[h] = (fh & 0xFFFF0000) | (i + 1)
        cps = [ord(c) for c in b.decode("utf-8")]
        for cp in cps:
            if cp < BMP:
                inlex[cp >> 3] |= 1 << (cp & 7)
        chars = min(len(cps), 255)
        if len(cps) == 1 and cps[0] < BMP:
            one[cps[0] >> 3] |= 1 << (cps[0] & 7)
        if len(cps) >= 2:
            ph = pair_bit(cps[0], cps[1])
            pair[ph >> 3] |= 1 << (ph & 7)
        if cps[0] < BMP and first[cps[0]] < chars:
            first[cps[0]] = chars
        max_chars = max(max_chars, chars)
    return slots, first, inlex, one, pair, max_chars


def write_array(o, ctype, name, values, per_line, fmt):
    o.write("const %s %s[%d] = {\n" % (ctype, name, len(values)))
    for i in range(0, len(values), per_line):
        o.write("    " + ",".join(fmt % x for x in values[i:i + per_line]) + ",\n")
    o.write("};\n\n")


def is_katakana(s):
    return all(0x30A1 <= ord(c) <= 0x30FC for c in s)


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: gen_names_lexicon.py Noun.name.csv OUT.c\n")
        return 2
    src, out = argv[1], argv[2]
    entries = {}  # surface -> [flags, family cost, given cost]

    def add(surface, flag, cost):
        if not surface or len(surface.encode("utf-8")) > MAX_BYTES:
            return
        e = entries.setdefault(surface, [0, 0xFFFF, 0xFFFF])
        e[0] |= flag
        slot = 1 if flag in (FAMILY, R_FAMILY) else 2
        e[slot] = min(e[slot], max(0, min(cost, 0xFFFE)))

    rows = 0
    with open(src, "rb") as f:
        for raw in f:
            line = raw.decode("euc_jp", errors="strict").rstrip("\r\n")
            if not line:
                continue
            cols = line.split(",")
            if len(cols) < 12 or cols[4:7] != ["名詞", "固有名詞", "人名"]:
                continue
            kind = cols[7]
            if kind == "姓":
                flag, rflag = FAMILY, R_FAMILY
            elif kind == "名":
                flag, rflag = GIVEN, R_GIVEN
            else:
                continue
            try:
                cost = int(cols[3])
            except ValueError:
                continue
            rows += 1
            add(cols[0], flag, cost)
            reading = cols[11]
            if reading and reading != "*" and is_katakana(reading):
                add(reading, rflag, cost)
    if rows == 0:
        sys.stderr.write("gen_names_lexicon.py: no person-name rows in input\n")
        return 1

    items = sorted(((k.encode("utf-8"), v) for k, v in entries.items()), key=lambda kv: kv[0])
    blob = bytearray()
    table = []
    for b, (flags, fc, gc) in items:
        table.append((len(blob), len(b), flags, fc, gc))
        blob += b

    with open(out, "w", encoding="ascii") as o:
        o.write("/* Generated by tools/gen_names_lexicon.py from IPAdic Noun.name.csv.\n"
                " * Do not edit. The table is derived from IPAdic, whose notice follows\n"
                " * (full text with the ICOT terms: docs/internals/NAMES.md).\n *\n")
        o.write(NOTICE)
        o.write(" */\n")
        o.write('#include "detect/names_lex.h"\n\n')
        o.write("const unsigned char azk_names__lex_blob[%d] = {\n" % max(1, len(blob)))
        for i in range(0, len(blob), 24):
            o.write("    " + ",".join(str(x) for x in blob[i:i + 24]) + ",\n")
        o.write("};\n\n")
        o.write("const struct azk_names_lex_entry azk_names__lex[%d] = {\n" % len(table))
        for off, ln, flags, fc, gc in table:
            o.write("    {%d, %d, %d, %d, %d},\n" % (off, ln, flags, fc, gc))
        o.write("};\n\n")
        o.write("const size_t azk_names__lex_count = %d;\n" % len(table))
        o.write("const size_t azk_names__lex_blob_len = %d;\n\n" % len(blob))
        slots, first, inlex, one, pair, max_chars = build_index(items)
        o.write("#if AZK_NAMES_LEX_PAIR_BITS != %d\n" % PAIR_BITS)
        o.write('#error "tools/gen_names_lexicon.py hashes pairs with another PAIR_BITS"\n')
        o.write("#endif\n\n")
        o.write("const size_t azk_names__lex_slot_mask = %d;\n" % (len(slots) - 1))
        o.write("const uint8_t azk_names__lex_max_chars = %d;\n\n" % max_chars)
        write_array(o, "uint32_t", "azk_names__lex_slots", slots, 8, "0x%x")
        write_array(o, "uint8_t", "azk_names__lex_first", first, 32, "%d")
        write_array(o, "uint8_t", "azk_names__lex_inlex_bits", inlex, 24, "%d")
        write_array(o, "uint8_t", "azk_names__lex_one_bits", one, 24, "%d")
        write_array(o, "uint8_t", "azk_names__lex_pair_bits", pair, 24, "%d")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
