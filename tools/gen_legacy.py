#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""gen_legacy.py -- synthetic print-shop documents with planted personal
data and their ground truth, for the formats read by the extraction helper:

  gen_legacy.py --out DIR [--seed S] [--pages N] [--rows N]

writes
  DIR/dm_print.pdf   one addressee per page (postal code, address, name
                     with 様, phone), like a direct-mail print file; names in
                     an embedded TrueType font (IPA Gothic, ToUnicode CMap),
                     addresses in a predefined-CMap CID font (HeiseiMin-W3,
                     UniJIS-UCS2-H: read through poppler-data), plus a
                     form field holding a phone number on page 1 and a
                     text annotation holding an e-mail address on page 2
  DIR/list.xls       BIFF8 workbook in an OLE2 compound file: a header row
                     and one person a row on sheet "宛名", a second sheet
                     "控え" (shared strings crossing CONTINUE records)
  DIR/letter.doc     Word 97 document (FIB + piece table, UTF-16 text)
  DIR/truth.json     {"file": [{"type", "page"|"sheet", "line"}...]}

PDFs are made with ReportLab (python3-reportlab) and the Japanese fonts
Debian ships (fonts-ipafont-gothic); .xls and .doc with the compact writers
below (the OLE2 container as [MS-CFB] version 3, BIFF8 as [MS-XLS], the FIB
and Clx as [MS-DOC]), valid enough for libgsf and our readers -- checked by
reading them back in tests/e2e/test_formats_legacy.py. All values come
from gen_pii.py (synthetic).
"""

import argparse
import json
import os
import random
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_pii  # noqa: E402

FONT_TTF = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"


def reportlab():
    """Import ReportLab from Debian's package even under another python3."""
    try:
        import reportlab  # noqa: F401
    except ImportError:
        sys.path.append("/usr/lib/python3/dist-packages")
    from reportlab.pdfgen import canvas
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfbase.ttfonts import TTFont
    return canvas, pdfmetrics, UnicodeCIDFont, TTFont


# ---- PDF ------------------------------------------------------------------

def make_pdf(path, people, encrypt=None):
    canvas, pdfmetrics, UnicodeCIDFont, TTFont = reportlab()
    pdfmetrics.registerFont(UnicodeCIDFont("HeiseiMin-W3"))
    pdfmetrics.registerFont(TTFont("IPAG", FONT_TTF))
    kw = {}
    if encrypt is not None:
        kw["encrypt"] = encrypt
    c = canvas.Canvas(path, **kw)
    truth = []
    for i, p in enumerate(people):
        page = i + 1
        c.setFont("HeiseiMin-W3", 11)
        c.drawString(60, 780, "〒" + p["postal"])
        c.drawString(60, 764, p["address"])
        c.setFont("IPAG", 16)
        c.drawString(80, 730, p["name"] + " 様")
        c.setFont("IPAG", 10)
        c.drawString(60, 700, "お問い合わせ番号 TEL " + p["phone"])
        c.drawString(60, 100, "本状は当行とお取引のあるお客さまにお送りしています。")
        # lines as poppler reads them: 1 postal, 2 address, 3 name, 4 phone
        truth += [{"type": "postal_code", "page": page, "line": 1},
                  {"type": "address", "page": page, "line": 2},
                  {"type": "person_name", "page": page, "line": 3},
                  {"type": "phone", "page": page, "line": 4}]
        if page == 1:
            c.acroForm.textfield(name="contact", value=p["phone2"], x=300, y=600,
                                 width=160, height=20)
            truth.append({"type": "phone", "page": 1, "line": None})
        if page == 2:
            # a sticky-note annotation left on a proof sheet
            c.textAnnotation("校正: 連絡先 %s" % p["email"], Rect=(400, 700, 420, 720))
            truth.append({"type": "email", "page": 2, "line": None})
        c.showPage()
    c.save()
    return truth


# ---- OLE2 compound file ------------------------------------------------------

SECT = 512
FREE, ENDCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


def ole2(streams):
    """streams: list of (name, bytes). Every stream padded to >= 4096 bytes
    (regular sectors, no mini stream)."""
    data = []
    fat = []
    starts = []
    sect = 0
    for _, b in streams:
        b = b + b"\0" * max(0, 4096 - len(b))
        b = b + b"\0" * (-len(b) % SECT)
        n = len(b) // SECT
        starts.append((sect, len(b)))
        fat += [sect + k + 1 for k in range(n - 1)] + [ENDCHAIN]
        data.append(b)
        sect += n
    # directory: root + streams, 4 entries a sector
    entries = 1 + len(streams)
    ndir = (entries + 3) // 4
    dir_start = sect
    fat += [dir_start + k + 1 for k in range(ndir - 1)] + [ENDCHAIN]
    sect += ndir
    # FAT sectors (128 entries each), counting themselves
    nfat = 1
    while (len(fat) + nfat) > nfat * 128:
        nfat += 1
    fat_start = sect
    fat += [FATSECT] * nfat
    fat += [FREE] * (nfat * 128 - len(fat))

    def dirent(name, typ, child, right, start, size):
        nm = name.encode("utf-16-le") + b"\0\0"
        return (nm.ljust(64, b"\0") + struct.pack("<HBBIII", len(nm), typ, 1, NOSTREAM, right,
                                                   child)
                + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", start, size))

    ents = [dirent("Root Entry", 5, 1 if streams else NOSTREAM, NOSTREAM, ENDCHAIN, 0)]
    for i, (name, _) in enumerate(streams):
        right = i + 2 if i + 1 < len(streams) else NOSTREAM
        ents.append(dirent(name, 2, NOSTREAM, right, starts[i][0], starts[i][1]))
    d = b"".join(ents)
    d = d + (b"\0" * 64 + struct.pack("<H", 0) + b"\0" * 2 + struct.pack("<III", NOSTREAM,
                                                                           NOSTREAM, NOSTREAM)
             + b"\0" * 48) * (ndir * 4 - entries)
    difat = [fat_start + k for k in range(nfat)] + [FREE] * (109 - nfat)
    hdr = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
           + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6) + b"\0" * 6
           + struct.pack("<IIIIIIIII", 0, nfat, dir_start, 0, 4096, ENDCHAIN, 0, ENDCHAIN, 0)
           + struct.pack("<109I", *difat))
    assert len(hdr) == 512
    return hdr + b"".join(data) + d + struct.pack("<%dI" % len(fat), *fat)


# ---- BIFF8 ---------------------------------------------------------------------

def rec(t, body):
    return struct.pack("<HH", t, len(body)) + body


def sst_records(strings, maxlen=8224):
    """SST + CONTINUE records; a string's characters may cross into the next
    record, which then starts with the flags byte again ([MS-XLS] 2.4.265)."""
    recs = []
    cur = bytearray(struct.pack("<II", len(strings), len(strings)))
    for s in strings:
        u = s.encode("utf-16-le")
        if len(cur) + 3 + 2 > maxlen:
            recs.append(bytes(cur))
            cur = bytearray()
        cur += struct.pack("<HB", len(s), 1)
        while u:
            room = (maxlen - len(cur)) // 2 * 2
            if room <= 0:
                recs.append(bytes(cur))
                cur = bytearray(b"\x01")
                continue
            cur += u[:room]
            u = u[room:]
    recs.append(bytes(cur))
    out = rec(0x00FC, recs[0])
    for r in recs[1:]:
        out += rec(0x003C, r)
    return out


def bof(dt):
    return rec(0x0809, struct.pack("<HHHHII", 0x0600, dt, 0x0DBB, 0x07CC, 0, 0x06))


def make_xls(path, sheets, pad=900):
    """sheets: [(name, rows)] with rows of str/int/float cells; pad: filler strings so
    the shared string table crosses CONTINUE records."""
    strings, index = [], {}

    def sidx(s):
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    subs = []
    for name, rows in sheets:
        body = bof(0x0010)
        for r, row in enumerate(rows):
            for c, v in enumerate(row):
                if isinstance(v, (int, float)):
                    body += rec(0x0203, struct.pack("<HHHd", r, c, 15, float(v)))
                else:
                    body += rec(0x00FD, struct.pack("<HHHI", r, c, 15, sidx(v)))
        body += rec(0x000A, b"")
        subs.append(body)
    # padding strings so the table crosses CONTINUE records
    for k in range(pad):
        sidx("備考%04d 特記事項なし、配送区分は通常便です。" % k)

    def globals_(positions):
        g = bof(0x0005)
        for (name, _), pos in zip(sheets, positions):
            u = name.encode("utf-16-le")
            g += rec(0x0085, struct.pack("<IBBBB", pos, 0, 0, len(name), 1) + u)
        g += sst_records(strings)
        g += rec(0x000A, b"")
        return g

    g = globals_([0] * len(sheets))
    positions, pos = [], len(g)
    for s in subs:
        positions.append(pos)
        pos += len(s)
    wb = globals_(positions) + b"".join(subs)
    with open(path, "wb") as f:
        f.write(ole2([("Workbook", wb)]))
    return wb


# ---- Word 97 .doc -----------------------------------------------------------------

def make_doc(path, paragraphs):
    text = "\r".join(paragraphs) + "\r"
    u = text.encode("utf-16-le")
    fc = 0x800
    fib = bytearray(fc)
    struct.pack_into("<HH", fib, 0, 0xA5EC, 0x00C1)
    struct.pack_into("<H", fib, 0x0A, 0x0200)  # fWhichTblStm: 1Table
    plc = struct.pack("<II", 0, len(text)) + struct.pack("<HIH", 0, fc, 0)
    clx = b"\x02" + struct.pack("<I", len(plc)) + plc
    struct.pack_into("<II", fib, 0x01A2, 0, len(clx))
    wd = bytes(fib) + u
    with open(path, "wb") as f:
        f.write(ole2([("WordDocument", wd), ("1Table", clx)]))
    return wd, clx


# ---- main ---------------------------------------------------------------------------

def people(pii, n):
    out = []
    for _ in range(n):
        ph, _ = pii.phone()
        ph2, _ = pii.phone()
        out.append({"name": pii.name_text(sep=" "), "postal": pii.postal(),
                    "address": pii.address(building=False), "phone": ph, "phone2": ph2,
                    "email": pii.email()})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--pages", type=int, default=20)
    ap.add_argument("--rows", type=int, default=40)
    ap.add_argument("--only", choices=["pdf", "xls", "doc"], default=None)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    pii = gen_pii.Pii(random.Random(a.seed))
    truth = {}
    if a.only in (None, "pdf"):
        truth["dm_print.pdf"] = make_pdf(os.path.join(a.out, "dm_print.pdf"),
                                         people(pii, a.pages))
    if a.only in (None, "xls"):
        ps = people(pii, a.rows)
        rows = [["氏名", "郵便番号", "住所", "電話番号", "金額"]]
        t = []
        for i, p in enumerate(ps):
            rows.append([p["name"], p["postal"], p["address"], p["phone"], 1000 + i])
            for ty in ("person_name", "postal_code", "address", "phone"):
                t.append({"type": ty, "sheet": "宛名", "line": i + 2})
        make_xls(os.path.join(a.out, "list.xls"),
                 [("宛名", rows), ("控え", [["件数", len(ps)], ["作成", "発送部"]])])
        truth["list.xls"] = t
    if a.only in (None, "doc"):
        ps = people(pii, a.pages)
        paras, t = ["お客さま各位", ""], []
        for p in ps:
            paras.append("〒%s %s" % (p["postal"], p["address"]))
            t += [{"type": "postal_code", "line": len(paras)},
                  {"type": "address", "line": len(paras)}]
            paras.append("%s 様 電話 %s" % (p["name"], p["phone"]))
            t += [{"type": "person_name", "line": len(paras)},
                  {"type": "phone", "line": len(paras)}]
        paras.append("以上")
        make_doc(os.path.join(a.out, "letter.doc"), paras)
        truth["letter.doc"] = t
    with open(os.path.join(a.out, "truth.json"), "w", encoding="utf-8") as f:
        json.dump(truth, f, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
