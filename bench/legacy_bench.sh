#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# bench/legacy_bench.sh -- throughput of the formats read by the sandboxed
# extraction helper and the helper's cost per file. Release build of the
# library and azukari-extract; generated inputs (tools/gen_legacy.py):
# a print-style PDF (one addressee per page, Japanese CID and TrueType
# fonts), a BIFF8 .xls, a Word 97 .doc, and small files (a 1-page PDF, an
# RTF, an xlsx) where the fixed cost of a process dominates. For each:
# best of N in-process (the helper's reader called directly) against best
# of N through the decode stage (fork/exec of a sandboxed helper per file).
#   sh bench/legacy_bench.sh [PAGES] [ROWS] [N] [BUILD_DIR]
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
pages=${1:-500}
rows=${2:-20000}
n=${3:-5}
build=${4:-$top/build-bench/rel}
out=$top/bench/results
mkdir -p "$out"
cmake -S "$top" -B "$build" -DCMAKE_BUILD_TYPE=Release -DAZK_TESTS=OFF >/dev/null
cmake --build "$build" -j2 --target azukari_static azukari-extract >/dev/null
# shellcheck disable=SC2046
${CC:-cc} -std=c17 -O2 -DNDEBUG -D_GNU_SOURCE -I"$top/include" -I"$top/src/lib" -I"$top/src" \
    $(pkg-config --cflags poppler-glib) \
    "$top/bench/extract_bench.c" "$top/src/extract/pdf.c" "$top/src/extract/any.c" \
    "$build/src/lib/libazukari.a" \
    $(pkg-config --libs libhs icu-uc icu-i18n libarchive expat libsodium sqlite3 libpq jansson \
      libmicrohttpd liboath libseccomp libgsf-1 poppler-glib) $(mecab-config --libs) \
    -lm -lpthread -o "$out/extract_bench"
d=$out/legacy
rm -rf "$d"
mkdir -p "$d" "$d/small"
python3 "$top/tools/gen_legacy.py" --out "$d" --pages "$pages" --rows "$rows" >/dev/null
python3 "$top/tools/gen_legacy.py" --out "$d/small" --pages 1 --rows 1 --only pdf >/dev/null
printf '{\\rtf1\\ansi \\u23665?\\u30000? TEL 03-1234-5678\\par}' >"$d/small/one.rtf"
python3 - "$d/small/one.xlsx" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED)
z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')
z.writestr("xl/worksheets/sheet1.xml", '<?xml version="1.0"?><worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>TEL 03-1234-5678</t></is></c></row></sheetData></worksheet>')
z.close()
PY
echo "helper: $build/src/cli/azukari-extract; best of $n runs; $(nproc) cores, shared"
AZUKARI_EXTRACT_HELPER=$build/src/cli/azukari-extract "$out/extract_bench" -n "$n" \
    "$d/dm_print.pdf" "$d/list.xls" "$d/letter.doc" "$d/small/dm_print.pdf" \
    "$d/small/one.rtf" "$d/small/one.xlsx"
