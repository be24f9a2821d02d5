#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/names_bench.sh -- build the person-name detector alone with -O2
# (with the norm code it uses for variant kanji; lexicon and variant table
# generated like the CMake build does) and run
# bench/names_bench.c: throughput, then precision/recall on a synthetic
# labelled set made by bench/names_eval.py. Results go to bench/results/.
#   sh bench/names_bench.sh [MB]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=$top/bench/results
mkdir -p "$out"
python3 "$top/tools/gen_names_lexicon.py" /usr/share/mecab/dic/ipadic/Noun.name.csv \
    "$out/names_lex_data.c"
python3 "$top/tools/gen_kanji_variants.py" /usr/share/unicode \
    "$top/tools/kanji_variants_names.txt" "$out/kanji_variants.c"
${CC:-cc} -std=c17 -O2 -DNDEBUG -D_GNU_SOURCE -DAZK_VERSION_STRING='"bench"' \
    -I"$top/include" -I"$top/src/lib" $(mecab-config --cflags) \
    "$top/bench/names_bench.c" "$top"/src/lib/detect/names*.c "$out/names_lex_data.c" \
    "$top/src/lib/norm/text.c" "$top/src/lib/norm/digits.c" "$out/kanji_variants.c" \
    "$top/src/lib/util/alloc.c" "$top/src/lib/util/buf.c" "$top/src/lib/util/error.c" \
    $(mecab-config --libs) $(pkg-config --libs icu-uc icu-i18n libsodium) -lpthread \
    -o "$out/names_bench"
"$out/names_bench" throughput "${1:-32}"
python3 "$top/bench/names_eval.py" "$out/names_bench" "$out"
