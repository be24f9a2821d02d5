#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the seed corpora of the evasion decoders' fuzzers (decode_reveal,
decode_base64, decode_qp, decode_sniff) from tools/gen_evasion.py's
transformations over a tiny synthetic record set. Run from the repo root."""
import os
import sys

sys.path.insert(0, "tools")
import gen_evasion as G  # noqa: E402

TEXT = ("氏名,郵便番号,住所,電話番号\n山田太郎,100-0001,東京都千代田区千代田1-1,03-1234-5678\n"
        "佐藤花子,530-0001,大阪府大阪市北区梅田2-2-2,090-8765-4321\n")
out = "fuzz/corpus"


def put(target, name, data):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data[:8192])


for t in ("json_dumps", "json_string", "json_double", "html_hex_refs", "html_dec_refs",
          "html_amp_refs", "url_utf8", "url_sjis", "c_hex_escapes", "octal_escapes",
          "zero_width_space", "soft_hyphen", "spaced_out", "fullwidth", "xml_split_chars",
          "html_in_json", "hex", "base64"):
    put("decode_reveal", t, b"\x00" + G.T[t](TEXT))
    put("decode_reveal", t + "_short", b"\x01" + G.T[t](TEXT))
for mode, t in ((0, "plain"), (1, "utf16le_bom"), (2, "zip"), (0, "gzip_noext"),
                (4, "png_header"), (3, "plain"), (0, "cp932"), (2, "utf16le_nobom")):
    put("decode_base64", "%s_%d" % (t, mode), bytes([mode]) + G.T[t](TEXT))
for mode in range(16):
    put("decode_qp", "utf8_%d" % mode, bytes([mode]) + TEXT.encode())
put("decode_qp", "cp932_0", b"\x00" + TEXT.encode("cp932"))
put("decode_qp", "eucjp_1", b"\x01" + TEXT.encode("euc_jp"))
for j, t in enumerate(("plain", "nul_4096", "many_boms", "png_header", "jpeg_comment",
                       "binary_sprinkled", "utf32le", "utf16le_nobom", "png_zip_polyglot",
                       "cp932_steered", "random_prefix", "text_then_png")):
    put("decode_sniff", t, bytes([j % 32]) + G.T[t](TEXT))
