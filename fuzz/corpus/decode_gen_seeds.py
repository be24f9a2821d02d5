#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the small seed corpora of the decode fuzzers (fuzz/corpus/decode_*/).

Synthetic text only. Run from anywhere: python3 fuzz/corpus/decode_gen_seeds.py
Each seed stays well under 20 KB.
"""
import bz2
import gzip
import io
import lzma
import os
import tarfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))

JP = "お客様各位\r\n宛名 架空 花子 様\r\n住所 東京都千代田区1-1\r\n㈱テスト ①②③ 髙橋\r\n"
CSV = "氏名,フリガナ,電話番号\r\n架空 太郎,カクウ タロウ,090-0000-0000\r\n\"試験, 花子\",\"シケン\nハナコ\",\"03-\"\"0000\"\"\"\r\n"
TSV = "id\tname\tnote\n1\t架空\tx\n2\t試験\t\"q\tq\"\n"


def put(target, name, data):
    d = os.path.join(HERE, target)
    os.makedirs(d, exist_ok=True)
    assert len(data) < 20000, name
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def zip_bytes(members, compression=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", compression) as z:
        for n, d in members:
            zi = zipfile.ZipInfo(n, date_time=(1980, 1, 1, 0, 0, 0))
            zi.compress_type = compression
            z.writestr(zi, d)
    return b.getvalue()


def tar_bytes(members, mode="w"):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w") as t:
        for n, d in members:
            ti = tarfile.TarInfo(n)
            ti.size = len(d)
            t.addfile(ti, io.BytesIO(d))
    if mode == "w:gz":
        return gzip.compress(b.getvalue(), mtime=0)
    return b.getvalue()


CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="x">'
      '<Override PartName="/xl/workbook.xml" ContentType="spreadsheetml.sheet.main+xml"/>'
      '<Override PartName="/xl/sharedStrings.xml" ContentType="s"/></Types>')
WB = '<workbook xmlns:r="r"><sheets><sheet name="顧客" sheetId="1" r:id="rId1"/></sheets></workbook>'
RELS = '<Relationships><Relationship Id="rId1" Target="worksheets/sheet1.xml"/></Relationships>'
SHEET = ('<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="inlineStr">'
         '<is><t>電話</t></is></c></row><row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2"><v>0312345678'
         '</v></c><c r="AA2"><f>1+1</f><v>2</v></c></row></sheetData></worksheet>')
SST = '<sst><si><t>氏名</t></si><si><r><t>架空</t></r><r><t> 花子</t></r><rPh><t>カ</t></rPh></si></sst>'
STYLES = ('<styleSheet><numFmts><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/>'
          '</numFmts><cellXfs><xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="176"/></cellXfs></styleSheet>')
DATES = ('<worksheet><sheetData><row r="1"><c t="inlineStr"><is><t>生年月日</t></is></c></row>'
         '<row r="2"><c s="1"><v>29221</v></c><c s="2"><v>31048.25</v></c></row></sheetData></worksheet>')
DOC = ('<w:document xmlns:w="w"><w:body><w:p><w:r><w:t>架空 花子</w:t><w:tab/><w:t>様</w:t>'
       '<w:br/><w:t>二行目</w:t></w:r></w:p></w:body></w:document>')
SLIDE = ('<p:sld xmlns:a="a" xmlns:p="p"><p:txBody><a:p><a:r><a:t>発表</a:t></a:r><a:br/>'
         '<a:r><a:t>資料</a:t></a:r></a:p></p:txBody></p:sld>')


def main():
    # text
    put("decode_text", "utf8.txt", b"\x00" + JP.encode())
    put("decode_text", "utf8_bom.txt", b"\x00\xef\xbb\xbf" + JP.encode())
    put("decode_text", "cp932.txt", b"\x00" + JP.encode("cp932"))
    put("decode_text", "cp932_forced.txt", b"\x01" + JP.encode("cp932"))
    put("decode_text", "eucjp.txt", b"\x00" + JP.replace("㈱", "").replace("①②③", "").replace("髙", "高").encode("euc_jp"))
    put("decode_text", "jis.txt", b"\x00" + "宛名 架空 ｶﾅ\n".encode("iso2022_jp_ext"))
    put("decode_text", "utf16le.txt", b"\x00" + JP.encode("utf-16-le"))
    put("decode_text", "utf16be_bom.txt", b"\x00" + JP.encode("utf-16"))
    put("decode_text", "long_line.txt", b"\x80" + ("あい " * 40 + "\r").encode() * 3)
    put("decode_text", "ascii_then_cp932.txt", b"\x00" + b"log line\n" * 50 + JP.encode("cp932"))
    put("decode_text", "nul.txt", b"\x00a\x00b\rc\r\nd")
    # csv
    put("decode_csv", "csv.csv", b"\x10" + CSV.encode())
    put("decode_csv", "csv_small_cells.csv", b"\x90" + CSV.encode())
    put("decode_csv", "tsv.tsv", b"\x01" + TSV.encode())
    put("decode_csv", "open_quote.csv", b"\x20" + b'a,b\n"never closed,\n\n')
    # ooxml parts: first byte picks the part
    put("decode_ooxml", "sheet.xml", b"\x00" + SHEET.encode())
    put("decode_ooxml", "sst.xml", b"\x01" + SST.encode())
    put("decode_ooxml", "workbook.xml", b"\x02" + WB.encode())
    put("decode_ooxml", "rels.xml", b"\x03" + RELS.encode())
    put("decode_ooxml", "ctypes.xml", b"\x04" + CT.encode())
    put("decode_ooxml", "document.xml", b"\x05" + DOC.encode())
    put("decode_ooxml", "slide.xml", b"\x06" + SLIDE.encode())
    put("decode_ooxml", "styles.xml", b"\x07" + STYLES.encode())
    put("decode_ooxml", "doctype.xml", b"\x05" + b'<!DOCTYPE x [<!ENTITY a "aa">]><x>&a;</x>')
    # whole objects
    inner = zip_bytes([("a.txt", JP.encode("cp932"))])
    put("decode_archive", "plain.zip", zip_bytes([("list.csv", CSV.encode()), ("in.zip", inner),
                                                  ("dir/", b"")]))
    put("decode_archive", "stored.zip", zip_bytes([("x.log", b"job 1\njob 2\n")], zipfile.ZIP_STORED))
    put("decode_archive", "empty.zip", zip_bytes([]))
    put("decode_archive", "truncated.zip", zip_bytes([("a.txt", JP.encode() * 4)])[:120])
    put("decode_archive", "plain.tar", tar_bytes([("a/b.txt", JP.encode())]))
    put("decode_archive", "plain.tar.gz", tar_bytes([("x.csv", CSV.encode())], "w:gz"))
    put("decode_archive", "file.log.gz", gzip.compress(b"line 1\nline 2\n" * 5, mtime=0))
    put("decode_archive", "file.bz2", bz2.compress(JP.encode("euc_jp", "replace")))
    put("decode_archive", "file.xz", lzma.compress(CSV.encode()))
    put("decode_archive", "bomb.zip", zip_bytes([("zeros", b"\x00" * (2 << 20))]))
    put("decode_archive", "book.xlsx", zip_bytes([("[Content_Types].xml", CT.encode()),
                                                   ("xl/workbook.xml", WB.encode()),
                                                   ("xl/_rels/workbook.xml.rels", RELS.encode()),
                                                   ("xl/worksheets/sheet1.xml", SHEET.encode()),
                                                   ("xl/sharedStrings.xml", SST.encode())]))
    put("decode_archive", "dates.xlsx", zip_bytes([("xl/worksheets/sheet1.xml", DATES.encode()),
                                                   ("xl/styles.xml", STYLES.encode())]))
    put("decode_archive", "doc.docx", zip_bytes([("[Content_Types].xml", b"<Types/>"),
                                                 ("word/document.xml", DOC.encode())]))
    put("decode_archive", "deck.pptx", zip_bytes([("_rels/.rels", b"<Relationships/>"),
                                                  ("ppt/slides/slide1.xml", SLIDE.encode())]))
    put("decode_archive", "text.txt", JP.encode("cp932"))


if __name__ == "__main__":
    main()
