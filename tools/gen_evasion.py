#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gen_evasion.py -- the evasion suite of the egress guard (issue 11).

Takes leak files (entrusted records from a roster, as a CSV and as a log)
and clean controls (Japanese prose without personal data, ASCII JSON,
random bytes, a real PNG, a product list), and applies every known
transformation an insider could use to walk a leak around a content
check, alone and combined (since issue 18 also RTF: a header glued before
the data, Shift_JIS escapes behind a long header, a hidden destination, a
picture left open). Each transformation is applied to the leaks
and to the clean controls alike, so a decoder that "finds" data in any
transformed clean control is caught as a false block.

    tools/gen_evasion.py --roster ROSTER.csv --out DIR [--rows 100] [--seed 1]
    tools/gen_evasion.py --make-roster ROSTER.csv [--rows 200] [--seed 7]
    tools/gen_evasion.py --list

DIR/manifest.json lists {"file", "kind": "leak"|"clean", "transform", "base"}.
Every value is synthetic (tools/gen_pii.py); nothing real.

Out of scope on purpose (said, not hidden): ciphers and reversed text
(ROT13, XOR, reversed strings) — a program can hide anything from a content
check with a key; that is what the zone/ICAP resource policy is for.
"""

import argparse
import base64
import binascii
import csv
import gzip
import io
import json
import os
import random
import struct
import sys
import urllib.parse
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))

CLEAN_PROSE = ("本日の会議は午後三時からです。資料は共有フォルダにあります。\n"
               "来週の印刷ジョブは月曜日に開始し、検品は水曜日を予定しています。\n")


# ---- bases ---------------------------------------------------------------------


def make_roster(path, rows, seed):
    sys.path.insert(0, HERE)
    import gen_pii  # noqa: E402

    p = gen_pii.Pii(random.Random(seed))
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["氏名", "郵便番号", "住所", "電話番号"])
        for _ in range(rows):
            w.writerow([p.name_text(), p.postal(), p.address(), p.phone()[0]])


def read_roster(path):
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    return rows[0], rows[1:]


def leak_bases(header, rows):
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    log = "job 4411 start\n" + "".join(
        "print ok name=%s tel=%s addr=%s\n" % (r[0], r[3], r[2]) for r in rows) + "job 4411 end\n"
    return {"csv": out.getvalue(), "log": log}


def png_bytes(w=32, h=16, seed=3):
    """A real (valid) PNG: random pixels, so its data is high-entropy."""
    rng = random.Random(seed)
    raw = b"".join(b"\x00" + bytes(rng.randrange(256) for _ in range(w * 3)) for _ in range(h))

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def jpeg_with_comment(text_bytes, seed=5):
    """A JPEG-shaped file (SOI, APP0, COM segment with the text, random scan data, EOI)."""
    rng = random.Random(seed)
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    out = b"\xff\xd8" + b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0
    for i in range(0, len(text_bytes), 60000):
        part = text_bytes[i:i + 60000]
        out += b"\xff\xfe" + struct.pack(">H", len(part) + 2) + part
    out += b"\xff\xda" + struct.pack(">H", 8) + b"\x01\x01\x00\x00\x3f\x00"
    out += bytes(rng.randrange(256) for _ in range(4096)).replace(b"\xff", b"\xff\x00")
    return out + b"\xff\xd9"


def clean_bases(seed):
    rng = random.Random(seed)
    items = [{"id": i, "sku": "SKU-%05d" % rng.randrange(100000), "qty": rng.randrange(1, 99),
              "price": rng.randrange(100, 99999), "note": "ok"} for i in range(200)]
    products = "code,品名,数量\n" + "".join(
        "P%04d,封筒 長形%d号,%d\n" % (i, 3 + i % 2, rng.randrange(1, 500)) for i in range(200))
    return {
        "prose": CLEAN_PROSE * 40,
        "json": json.dumps(items),
        "products": products,
        "random": bytes(rng.randrange(256) for _ in range(64 * 1024)),
        "png": png_bytes(),
    }


# ---- transformations (bytes or str -> bytes) ----------------------------------------


def b(x, enc="utf-8"):
    return x if isinstance(x, bytes) else x.encode(enc)


def zipped(data, name="data.csv"):
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(name, data)
    return bio.getvalue()


def json_rows(x):
    """The file as JSON the way Python's json.dumps writes it (\\uXXXX escapes)."""
    if isinstance(x, bytes):
        return json.dumps({"blob": base64.b64encode(x).decode()}).encode()
    lines = x.splitlines()
    return json.dumps([l.split(",") if "," in l else l for l in lines]).encode()


def per_char(x, sep):
    s = x if isinstance(x, str) else x.decode("latin-1")
    return "\n".join(sep.join(line) for line in s.split("\n")).encode()


def fullwidth(x):
    s = x if isinstance(x, str) else x.decode("latin-1")
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s).encode()


def html_refs(x, fmt):
    s = x if isinstance(x, str) else x.decode("latin-1")
    return "".join(fmt % ord(c) if ord(c) > 0x7f else c for c in s).encode()


def qp(x):
    import quopri
    return quopri.encodestring(b(x))


def mime_mail(x, cte):
    body = b(x)
    if cte == "base64":
        enc = base64.encodebytes(body)
    else:
        enc = qp(body)
    return (b"From: a@example.invalid\r\nTo: b@example.invalid\r\nSubject: =?UTF-8?B?5YiG?=\r\n"
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\n"
            b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: " +
            cte.encode() + b"\r\n\r\n" + enc.replace(b"\n", b"\r\n") + b"\r\n--XX--\r\n")


def c_escapes(x):
    return "".join("\\x%02x" % c if c > 0x7f else chr(c) for c in b(x)).encode()


def octal_escapes(x):
    return "".join("\\%03o" % c if c > 0x7f else chr(c) for c in b(x)).encode()


def url(x, enc="utf-8"):
    s = x if isinstance(x, str) else x.decode("latin-1")
    return "\n".join(urllib.parse.quote(line.encode(enc) if isinstance(x, str) else
                                        line.encode("latin-1"), safe=",")
                     for line in s.split("\n")).encode()


def steer_cp932(x):
    """ASCII prefix sized so a few EUC-JP-only bytes come last in the first chunk."""
    body = b(x, "cp932") if isinstance(x, str) else x
    pre = b"#" * 65530 + b"\n"
    return pre + b"\xa4\xa2\xa4\xa4\n" + body


def xxd(data):
    out = []
    for off in range(0, len(data), 16):
        row = data[off:off + 16]
        hx = " ".join(row[i:i + 2].hex() for i in range(0, len(row), 2))
        asc = "".join(chr(c) if 32 <= c < 127 else "." for c in row)
        out.append("%08x: %-39s  %s" % (off, hx, asc))
    return ("\n".join(out) + "\n").encode()


def hexdump_c(data):
    out = []
    for off in range(0, len(data), 16):
        row = data[off:off + 16]
        h = " ".join("%02x" % c for c in row[:8]) + "  " + " ".join("%02x" % c for c in row[8:])
        asc = "".join(chr(c) if 32 <= c < 127 else "." for c in row)
        out.append("%08x  %-49s |%s|" % (off, h, asc))
    return ("\n".join(out) + "\n").encode()


def xxd_i(data):
    lines = ["unsigned char data[] = {"]
    for off in range(0, len(data), 12):
        lines.append("  " + ", ".join("0x%02x" % c for c in data[off:off + 12]) + ",")
    lines.append("};")
    return ("\n".join(lines) + "\n").encode()


def xml_split(x):
    s = x if isinstance(x, str) else x.decode("latin-1")
    out = ["<?xml version=\"1.0\"?><doc>"]
    for line in s.split("\n"):
        out.append("<p>" + "".join("<r>%s</r>" % c for c in line) + "</p>\n")
    out.append("</doc>")
    return "".join(out).encode()


T = {}


def transform(name):
    def deco(fn):
        T[name] = fn
        return fn
    return deco


transform("plain")(lambda x: b(x))
transform("utf16le_bom")(lambda x: b"\xff\xfe" + b(x) if isinstance(x, bytes) else x.encode("utf-16"))
transform("utf16le_nobom")(lambda x: x.encode("utf-16-le") if isinstance(x, str) else x)
transform("utf16be_nobom")(lambda x: x.encode("utf-16-be") if isinstance(x, str) else x)
transform("utf32le")(lambda x: x.encode("utf-32") if isinstance(x, str) else x)
transform("bom_utf16_before_utf8")(lambda x: b"\xff\xfe" + b(x))
transform("bom_utf16be_before_utf8")(lambda x: b"\xfe\xff" + b(x))
transform("many_boms")(lambda x: b"\xef\xbb\xbf\xff\xfe\xfe\xff\xef\xbb\xbf" + b(x))
transform("png_header")(lambda x: b"\x89PNG\r\n\x1a\n" + b(x))
transform("jpeg_header")(lambda x: b"\xff\xd8\xff\xe0" + b(x))
transform("gif_header")(lambda x: b"GIF89a" + b(x))
transform("elf_header")(lambda x: b"\x7fELF\x02\x01\x01" + b(x))
transform("pdf_header")(lambda x: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + b(x))
transform("ole2_header")(lambda x: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b(x))
transform("nul_4096")(lambda x: b"\x00" * 4096 + b(x))
transform("nul_100k")(lambda x: b"\x00" * 100000 + b(x))
transform("ff_padding")(lambda x: b"\xff" * 5000 + b(x))
transform("random_prefix")(lambda x: random.Random(9).randbytes(3000) + b(x))
transform("random_suffix")(lambda x: b(x) + random.Random(9).randbytes(200000))
transform("binary_sprinkled")(
    lambda x: b"".join(l + (b"\x01\x02\x00" if i % 5 == 0 else b"") + b"\n"
                       for i, l in enumerate(b(x).split(b"\n"))))
transform("png_then_text")(lambda x: png_bytes() + b(x))
transform("text_then_png")(lambda x: b(x) + png_bytes())
transform("png_zip_polyglot")(lambda x: png_bytes() + zipped(b(x)))
transform("jpeg_comment")(lambda x: jpeg_with_comment(b(x)))
transform("json_dumps")(json_rows)
transform("json_string")(lambda x: json.dumps({"file": x if isinstance(x, str) else
                                               base64.b64encode(x).decode()}).encode())
transform("json_double")(lambda x: json.dumps(json.dumps(x if isinstance(x, str) else
                                                         x.decode("latin-1"))).encode())
transform("html_hex_refs")(lambda x: html_refs(x, "&#x%X;"))
transform("html_dec_refs")(lambda x: html_refs(x, "&#%d;"))
transform("html_amp_refs")(lambda x: html_refs(x, "&amp;#x%x;"))
transform("url_utf8")(url)
transform("url_sjis")(lambda x: url(x, "cp932"))
transform("quoted_printable")(qp)
transform("base64")(lambda x: base64.b64encode(b(x)))
transform("base64_mime")(lambda x: base64.encodebytes(b(x)))
transform("base64_urlsafe")(lambda x: base64.urlsafe_b64encode(b(x)))
transform("base64_json_field")(lambda x: json.dumps({"name": "report", "data":
                                                     base64.b64encode(b(x)).decode()}).encode())
transform("data_url")(lambda x: b'<img src="data:text/csv;base64,' + base64.b64encode(b(x)) +
                      b'">')
transform("hex")(lambda x: binascii.hexlify(b(x)))
transform("c_hex_escapes")(c_escapes)
transform("octal_escapes")(octal_escapes)
transform("mail_base64")(lambda x: mime_mail(x, "base64"))
transform("mail_qp")(lambda x: mime_mail(x, "quoted-printable"))
transform("zero_width_space")(lambda x: per_char(x, "\u200b"))
transform("zero_width_joiner")(lambda x: per_char(x, "\u200d"))
transform("soft_hyphen")(lambda x: per_char(x, "\u00ad"))
transform("spaced_out")(lambda x: per_char(x, " "))
transform("fullwidth")(fullwidth)
transform("cp932")(lambda x: x.encode("cp932") if isinstance(x, str) else x)
transform("euc_jp")(lambda x: x.encode("euc_jp", errors="replace") if isinstance(x, str) else x)
transform("cp932_steered")(steer_cp932)
transform("gzip_noext")(lambda x: gzip.compress(b(x)))
transform("zip")(lambda x: zipped(b(x)))
transform("xml_split_chars")(xml_split)
transform("utf16_after_image")(lambda x: png_bytes() + (x.encode("utf-16-le") if isinstance(x, str)
                                                       else x))
transform("utf16be_before_image")(lambda x: (x.encode("utf-16-be") if isinstance(x, str) else x) +
                                  png_bytes())
transform("base64_w70")(lambda x: b"\n".join(base64.b64encode(b(x))[i:i + 70] for i in
                                             range(0, len(base64.b64encode(b(x))), 70)) + b"\n")
transform("es6_escapes")(lambda x: "".join("\\u{%x}" % ord(c) if ord(c) > 0x7f else c
                                           for c in (x if isinstance(x, str) else
                                                     x.decode("latin-1"))).encode())
transform("nfd_kana")(lambda x: __import__("unicodedata").normalize(
    "NFD", x if isinstance(x, str) else x.decode("latin-1")).encode())
transform("combining_marks")(lambda x: per_char(x, "\u0301"))
transform("qp_lowercase")(lambda x: qp(x).lower())
transform("json_indent")(lambda x: json.dumps([l.split(",") for l in x.splitlines()], indent=2).encode()
                         if isinstance(x, str) else json.dumps({"b": base64.b64encode(x).decode()},
                                                               indent=2).encode())
transform("tsv_pipes")(lambda x: (x.replace(",", "|") if isinstance(x, str) else x).encode()
                       if isinstance(x, str) else x)
transform("utf16_random_prefix_odd")(lambda x: random.Random(4).randbytes(1001) +
                                     (x.encode("utf-16-le") if isinstance(x, str) else x))
transform("xxd")(lambda x: xxd(b(x)))
transform("xxd_plain")(lambda x: b"\n".join(b(x).hex().encode()[i:i + 60]
                                            for i in range(0, 2 * len(b(x)), 60)) + b"\n")
transform("xxd_c_array")(lambda x: xxd_i(b(x)))
transform("hexdump_c")(lambda x: hexdump_c(b(x)))
transform("od_hex_bytes")(lambda x: b"".join(
    (" " + " ".join("%02x" % c for c in b(x)[i:i + 16]) + "\n").encode()
    for i in range(0, len(b(x)), 16)))
# combinations
transform("b64_zip_utf16_png")(lambda x: base64.b64encode(
    zipped(b"\x89PNG\r\n\x1a\n" + (x.encode("utf-16") if isinstance(x, str) else x))))
transform("gzip_json_dumps")(lambda x: gzip.compress(json_rows(x)))
transform("nul_then_zip")(lambda x: b"\x00" * 4096 + zipped(b(x)))
transform("bom_then_gzip")(lambda x: b"\xef\xbb\xbf" + gzip.compress(b(x)))
transform("url_of_base64")(lambda x: urllib.parse.quote(base64.b64encode(b(x))).encode())
transform("zw_fullwidth")(lambda x: per_char(fullwidth(x).decode(), "\u200b"))
transform("mail_b64_utf16")(lambda x: mime_mail(x.encode("utf-16") if isinstance(x, str) else x,
                                                "base64"))
transform("json_in_zip_behind_nuls")(lambda x: b"\x00" * 1024 + zipped(json_rows(x), "a.json"))
transform("cp932_url")(lambda x: url(x, "cp932"))
transform("html_in_json")(lambda x: json.dumps({"html": html_refs(x, "&#%d;").decode()}).encode())


# RTF (issue 18): a header glued before the data, and real RTF that hides it
RTF_HEAD = (b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\froman\\fcharset0 Times;}}"
            b"{\\colortbl;\\red0\\green0\\blue0;}\n")


def rtf_long_header():
    # header tables of more than 4 KiB before the font table that says Shift_JIS
    revs = b"".join(b"{Author %d;}" % i for i in range(500))
    return (b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\*\\revtbl {Unknown;}" + revs + b"}"
            b"{\\info{\\title t}{\\operator o}}"
            b"{\\fonttbl{\\f0\\froman\\fcharset0 Times;}{\\f1\\fnil\\fcharset128 MS Mincho;}}\n")


def rtf_escaped(x, hidden=False):
    """Every line a paragraph, every non-ASCII character \\'hh in CP932 (\\uN when it has none)."""
    if isinstance(x, bytes):
        body = b"".join(b"\\'%02x" % c for c in x)
    else:
        out = []
        for line in x.split("\n"):
            for ch in line:
                if ch in "\\{}":
                    out.append(b"\\" + ch.encode())
                elif ord(ch) < 0x80:
                    out.append(ch.encode())
                else:
                    try:
                        out.append(b"".join(b"\\'%02x" % c for c in ch.encode("cp932")))
                    except UnicodeEncodeError:
                        out.append(b"\\u%d?" % (ord(ch) if ord(ch) < 0x8000 else ord(ch) - 0x10000))
            out.append(b"\\par\n")
        body = b"".join(out)
    if hidden:
        body = b"{\\*\\azkhidden " + body + b"}"
    return rtf_long_header() + b"\\f1 " + body + b"}"


transform("rtf_header")(lambda x: RTF_HEAD + b(x) + b"}")
transform("rtf_header_cp932")(lambda x: RTF_HEAD + (x.encode("cp932") if isinstance(x, str) else x)
                              + b"}")
transform("rtf_long_header")(lambda x: rtf_long_header() + b(x) + b"}")
transform("rtf_escaped_cp932")(rtf_escaped)
transform("rtf_hidden_destination")(lambda x: rtf_escaped(x, hidden=True))
transform("rtf_unclosed_picture")(lambda x: RTF_HEAD + b"{\\pict\\pngblip 89504e470d0a1a0a\n" + b(x))


def generate(roster, out, rows, seed):
    header, all_rows = read_roster(roster)
    rng = random.Random(seed)
    picked = rng.sample(all_rows, min(rows, len(all_rows)))
    leaks = leak_bases(header, picked)
    cleans = clean_bases(seed)
    os.makedirs(out, exist_ok=True)
    manifest = []
    for tname, fn in T.items():
        for kind, bases in (("leak", leaks), ("clean", cleans)):
            for bname, data in bases.items():
                try:
                    blob = fn(data)
                except (UnicodeEncodeError, UnicodeDecodeError):
                    continue
                if blob is None:
                    continue
                fname = "%s__%s__%s.bin" % (kind, tname, bname)
                with open(os.path.join(out, fname), "wb") as f:
                    f.write(blob)
                manifest.append({"file": fname, "kind": kind, "transform": tname, "base": bname})
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    return manifest


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--roster")
    ap.add_argument("--make-roster")
    ap.add_argument("--out")
    ap.add_argument("--rows", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--list", action="store_true")
    a = ap.parse_args()
    if a.list:
        print("\n".join(T))
        return 0
    if a.make_roster:
        make_roster(a.make_roster, max(a.rows, 1), a.seed)
        return 0
    if not a.roster or not a.out:
        ap.error("--roster and --out are required")
    m = generate(a.roster, a.out, a.rows, a.seed)
    print("%d files (%d leaks, %d clean) in %s" % (len(m), sum(x["kind"] == "leak" for x in m),
                                                   sum(x["kind"] == "clean" for x in m), a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
