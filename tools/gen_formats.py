# SPDX-License-Identifier: Apache-2.0
"""gen_formats.py -- byte-level writers for azukari's synthetic corpus
(imported by gen_corpus.py and the e2e tests): text encodings with BOMs,
minimal Office Open XML (xlsx, docx, pptx) built with zipfile, and
deterministic zip / tar / gzip containers (fixed timestamps and owners, so
the same seed gives the same bytes).
"""

import gzip
import io
import tarfile
import zipfile
from xml.sax.saxutils import escape

FIXED_DATE = (2024, 3, 1, 9, 0, 0)
FIXED_MTIME = 1709251200  # 2024-03-01 00:00:00 UTC

# encoding label used in ground truth -> (python codec, BOM bytes)
ENCODINGS = {
    "utf-8": ("utf-8", b""),
    "utf-8-bom": ("utf-8", b"\xef\xbb\xbf"),
    "utf-16le": ("utf-16-le", b"\xff\xfe"),
    "utf-16be": ("utf-16-be", b"\xfe\xff"),
    "cp932": ("cp932", b""),
    "euc-jp": ("euc_jp", b""),
    "iso-2022-jp": ("iso2022_jp", b""),
}


def codec_of(label):
    return ENCODINGS[label][0]


def encode_text(text, label):
    codec, bom = ENCODINGS[label]
    return bom + text.encode(codec)


def canonical_encoding(label):
    """What a scanner is expected to report for a ground-truth label."""
    return {"utf-8-bom": "utf-8"}.get(label, label)


# ---- containers -------------------------------------------------------------

def zip_bytes(members, compress=zipfile.ZIP_DEFLATED):
    """members: list of (name, bytes). Deterministic zip archive bytes."""
    bio = io.BytesIO()
    with zipfile.ZipFile(bio, "w") as z:
        for name, data in members:
            zi = zipfile.ZipInfo(name, FIXED_DATE)
            zi.compress_type = compress
            zi.external_attr = 0o644 << 16
            z.writestr(zi, data)
    return bio.getvalue()


def tar_bytes(members, gz=False):
    bio = io.BytesIO()
    raw = io.BytesIO() if gz else bio
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = FIXED_MTIME
            ti.mode = 0o644
            ti.uid = ti.gid = 1000
            ti.uname = ti.gname = "dm"
            t.addfile(ti, io.BytesIO(data))
    if gz:
        return gzip_bytes(raw.getvalue())
    return bio.getvalue()


def gzip_bytes(data, name=""):
    bio = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=bio, mtime=0) as g:
        g.write(data)
    return bio.getvalue()


# ---- Office Open XML ---------------------------------------------------------

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NS_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_NS_ODOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "http://schemas.openxmlformats.org/package/2006/content-types"


def _content_types(overrides):
    s = _XML + '<Types xmlns="%s">' % _CT
    s += '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    s += '<Default Extension="xml" ContentType="application/xml"/>'
    for part, ct in overrides:
        s += '<Override PartName="%s" ContentType="%s"/>' % (part, ct)
    return s + "</Types>"


def _rels(rels):
    s = _XML + '<Relationships xmlns="%s">' % _NS_REL
    for i, (typ, target) in enumerate(rels, 1):
        s += '<Relationship Id="rId%d" Type="%s/%s" Target="%s"/>' % (i, _NS_ODOC, typ, target)
    return s + "</Relationships>"


def _col(n):
    s = ""
    n += 1
    while n:
        n, rem = divmod(n - 1, 26)
        s = chr(65 + rem) + s
    return s


def xlsx_bytes(rows, sheet_name="Sheet1", numeric_cols=()):
    """rows: list of lists of str (row 1 first). Cells in numeric_cols whose
    text is all digits are stored as numbers, the rest as shared strings."""
    sst, sst_idx = [], {}
    sheet = [_XML, '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             '<sheetData>']
    for ri, row in enumerate(rows, 1):
        sheet.append('<row r="%d">' % ri)
        for ci, val in enumerate(row):
            ref = "%s%d" % (_col(ci), ri)
            if val == "":
                continue
            if ci in numeric_cols and ri > 1 and val.isdigit() and not val.startswith("0"):
                sheet.append('<c r="%s"><v>%s</v></c>' % (ref, val))
            else:
                if val not in sst_idx:
                    sst_idx[val] = len(sst)
                    sst.append(val)
                sheet.append('<c r="%s" t="s"><v>%d</v></c>' % (ref, sst_idx[val]))
        sheet.append("</row>")
    sheet.append("</sheetData></worksheet>")
    ss = [_XML, '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'count="%d" uniqueCount="%d">' % (len(sst), len(sst))]
    for v in sst:
        ss.append('<si><t xml:space="preserve">%s</t></si>' % escape(v))
    ss.append("</sst>")
    wb = (_XML + '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
          'xmlns:r="%s"><sheets><sheet name="%s" sheetId="1" r:id="rId1"/></sheets></workbook>'
          % (_NS_ODOC, escape(sheet_name)))
    sml = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    members = [
        ("[Content_Types].xml", _content_types([
            ("/xl/workbook.xml", sml + ".sheet.main+xml"),
            ("/xl/worksheets/sheet1.xml", sml + ".worksheet+xml"),
            ("/xl/sharedStrings.xml", sml + ".sharedStrings+xml")])),
        ("_rels/.rels", _rels([("officeDocument", "xl/workbook.xml")])),
        ("xl/workbook.xml", wb),
        ("xl/_rels/workbook.xml.rels", _rels([("worksheet", "worksheets/sheet1.xml"),
                                              ("sharedStrings", "sharedStrings.xml")])),
        ("xl/worksheets/sheet1.xml", "".join(sheet)),
        ("xl/sharedStrings.xml", "".join(ss)),
    ]
    return zip_bytes([(n, d.encode("utf-8")) for n, d in members])


def docx_bytes(paragraphs):
    """paragraphs: list of str, one w:p each (a paragraph is a 'line')."""
    body = []
    for p in paragraphs:
        body.append('<w:p><w:r><w:t xml:space="preserve">%s</w:t></w:r></w:p>' % escape(p))
    doc = (_XML + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           '<w:body>' + "".join(body) + '</w:body></w:document>')
    members = [
        ("[Content_Types].xml", _content_types([
            ("/word/document.xml",
             "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")])),
        ("_rels/.rels", _rels([("officeDocument", "word/document.xml")])),
        ("word/document.xml", doc),
    ]
    return zip_bytes([(n, d.encode("utf-8")) for n, d in members])


def pptx_bytes(slides):
    """slides: list of lists of str (paragraphs of one text box per slide)."""
    pml = "application/vnd.openxmlformats-officedocument.presentationml"
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    p = "http://schemas.openxmlformats.org/presentationml/2006/main"
    members = []
    overrides = [("/ppt/presentation.xml", pml + ".presentation.main+xml")]
    pres_rels = []
    sld_ids = []
    for i, paras in enumerate(slides, 1):
        txt = "".join('<a:p><a:r><a:rPr lang="ja-JP"/><a:t>%s</a:t></a:r></a:p>' % escape(t)
                      for t in paras)
        sld = (_XML + '<p:sld xmlns:a="%s" xmlns:p="%s" xmlns:r="%s"><p:cSld><p:spTree>'
               '<p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr>'
               '<p:grpSpPr/><p:sp><p:nvSpPr><p:cNvPr id="2" name="Text %d"/><p:cNvSpPr/><p:nvPr/>'
               '</p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/>%s</p:txBody></p:sp>'
               '</p:spTree></p:cSld></p:sld>' % (a, p, _NS_ODOC, i, txt))
        members.append(("ppt/slides/slide%d.xml" % i, sld))
        overrides.append(("/ppt/slides/slide%d.xml" % i, pml + ".slide+xml"))
        pres_rels.append(("slide", "slides/slide%d.xml" % i))
        sld_ids.append('<p:sldId id="%d" r:id="rId%d"/>' % (255 + i, i))
    pres = (_XML + '<p:presentation xmlns:a="%s" xmlns:p="%s" xmlns:r="%s"><p:sldIdLst>%s'
            '</p:sldIdLst><p:sldSz cx="9144000" cy="6858000"/><p:notesSz cx="6858000" cy="9144000"/>'
            '</p:presentation>' % (a, p, _NS_ODOC, "".join(sld_ids)))
    members = [
        ("[Content_Types].xml", _content_types(overrides)),
        ("_rels/.rels", _rels([("officeDocument", "ppt/presentation.xml")])),
        ("ppt/presentation.xml", pres),
        ("ppt/_rels/presentation.xml.rels", _rels(pres_rels)),
    ] + members
    return zip_bytes([(n, d.encode("utf-8")) for n, d in members])
