# SPDX-License-Identifier: Apache-2.0
"""guard_fixtures.py -- synthetic fixtures shared by the egress-guard
end-to-end tests: a roster of synthetic people (tools/gen_pii.py), a clean
Japanese text, a log that carries a few roster records in another shape,
and a home with the roster entrusted and its fingerprints exported.
Every value is generated; nothing real.
"""

import csv
import os
import random
import sys

import azk_testlib as T


def gen_roster(path, rows=200, seed=7):
    """Write a CSV roster; returns the rows (lists of str) without the header."""
    sys.path.insert(0, os.path.join(T.srcdir(), "tools"))
    import gen_pii  # noqa: E402  (tools/ is not a package)

    p = gen_pii.Pii(random.Random(seed))
    out = []
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["氏名", "郵便番号", "住所", "電話番号"])
        for _ in range(rows):
            r = [p.name_text(), p.postal(), p.address(), p.phone()[0]]
            w.writerow(r)
            out.append(r)
    return out


CLEAN_LINE = "本日の会議は午後三時からです。資料は共有フォルダにあります。\n"


def write_clean(path, repeat=50):
    with open(path, "w", encoding="utf-8") as f:
        f.write(CLEAN_LINE * repeat)


def write_leak_log(path, rows, first=10, count=3):
    """A production log line per record: name and phone only (another shape)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("job 4411 start\n")
        for r in rows[first:first + count]:
            f.write("print ok name=%s tel=%s\n" % (r[0], r[3]))
        f.write("job 4411 end\n")


def values(rows):
    """Every personal value of the roster (to check outputs never hold one)."""
    vals = []
    for r in rows:
        vals.extend([r[0], r[2], r[3]])
    return vals


def make_home(tmp, roster_path):
    """init, client add, intake the roster, export fingerprints; returns (home, fp)."""
    home = os.path.join(tmp, "home")
    b = T.azk_bin()
    for argv in (
        [b, "--home", home, "init"],
        [b, "--home", home, "client", "add", "shinkin-a"],
        [b, "--home", home, "intake", "--client", "shinkin-a", "--dataset", "dm-2023",
         "--purpose", "direct mail", "--retain-until", "2030-01-01", roster_path],
        [b, "--home", home, "fingerprints", "export", "--out", os.path.join(home, "fp.azf")],
    ):
        r = T.run(argv)
        if r.rc != 0:
            raise AssertionError("%s failed (%d): %s" % (argv[3], r.rc, r.err))
    return home, os.path.join(home, "fp.azf")


def write_hostile_xlsx(path, strings=40_000_000, level=1):
    """An xlsx whose shared-strings table holds `strings` empty strings (<si/>)
    and one sheet that refers to a few of them: a table of offsets, not of
    text. Streamed through zipfile, so the generator's memory stays small."""
    import zipfile
    ct = ('<?xml version="1.0" encoding="UTF-8"?>'
          '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.spreadsheetml.sheet.main+xml"/>'
          '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
          'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
    sheet = ('<?xml version="1.0" encoding="UTF-8"?><worksheet><sheetData>'
             + "".join('<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>' % (i, i, i * 7919)
                       for i in range(1, 200))
             + '</sheetData></worksheet>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="S" sheetId="1"/>'
                                      '</sheets></workbook>')
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as f:
            f.write(b'<?xml version="1.0" encoding="UTF-8"?><sst count="%d" uniqueCount="%d">'
                    % (strings, strings))
            block = b"<si/>" * 200_000
            left = strings
            while left > 0:
                n = min(left, 200_000)
                f.write(block if n == 200_000 else b"<si/>" * n)
                left -= n
            f.write(b"</sst>")
