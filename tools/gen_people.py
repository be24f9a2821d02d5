#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
tools/gen_people.py -- noisy Japanese person-record benchmark for
`azukari link` (名寄せ), with the truth, and the scorer.

  gen_people.py gen --records N --out DIR [--files K] [--seed S]
      Writes DIR/people_<k>.csv (K files; three column layouts, UTF-8 and
      CP932, like the files of different client banks), DIR/truth.csv
      (file,row,person), DIR/must_not.csv (persons that must stay apart)
      and DIR/tags.csv (file,row,tags: moved, birth_typo, birth_swap,
      birth_era_off, no_birth, same_name_family). All values are synthetic: family and given names
      with their readings come from the IPA dictionary shipped with MeCab
      (/usr/share/mecab/dic/ipadic, 人名), weighted so a few family names
      are common (佐藤, 鈴木 ... by their published share) and most rare;
      addresses are real prefectures with municipalities and towns built
      from ipadic place names; phone numbers, e-mail addresses and birth
      dates are random.

  gen_people.py score --truth DIR/truth.csv --links OUT.jsonl
      Pairwise precision, recall and F1 against the truth, the
      distinct-person count against the true count, must-not pairs linked
      and the recall of the pairs touching each tag (JSON on stdout).

What the records of one person look like (the issue's "must link"):
variant kanji (髙橋/高橋, 渡邊/渡辺 ...), kana in hiragana, half-width
katakana, missing spaces between family and given name, addresses written
differently (1丁目2番3号 / 1-2-3 / 一丁目 / full-width digits, prefecture
left out, building left out), phone numbers with and without hyphens,
full-width or +81, birth dates in Gregorian and era forms, people who moved
(new address, same birth date and phone), name change after marriage (new
family name, same given name and birth date, same address or phone),
typos (one kana, one kanji, one digit, day/month swapped, an era date
converted one year off) and missing fields. The people who must NOT be linked are generated on purpose too:
households (spouses, children with the family name, address and phone),
twins (same birth date too), a child named after a parent (same name and
address, another birth date), and same-name strangers (common names).
"""
import argparse
import bisect
import csv
import io
import json
import os
import random
import sys

IPADIC = "/usr/share/mecab/dic/ipadic"

# Published shares of the most common family names (per cent; approximate,
# public statistics), with their usual reading.
TOP_FAMILY = [
    ("佐藤", "サトウ", 1.50), ("鈴木", "スズキ", 1.42), ("高橋", "タカハシ", 1.13),
    ("田中", "タナカ", 1.07), ("伊藤", "イトウ", 0.87), ("渡辺", "ワタナベ", 0.86),
    ("山本", "ヤマモト", 0.85), ("中村", "ナカムラ", 0.84), ("小林", "コバヤシ", 0.82),
    ("加藤", "カトウ", 0.72), ("吉田", "ヨシダ", 0.67), ("山田", "ヤマダ", 0.65),
    ("佐々木", "ササキ", 0.54), ("山口", "ヤマグチ", 0.51), ("松本", "マツモト", 0.49),
    ("井上", "イノウエ", 0.47), ("木村", "キムラ", 0.46), ("林", "ハヤシ", 0.43),
    ("斎藤", "サイトウ", 0.42), ("清水", "シミズ", 0.41), ("山崎", "ヤマザキ", 0.38),
    ("森", "モリ", 0.37), ("池田", "イケダ", 0.35), ("橋本", "ハシモト", 0.35),
    ("阿部", "アベ", 0.35), ("石川", "イシカワ", 0.34), ("山下", "ヤマシタ", 0.33),
    ("中島", "ナカジマ", 0.32), ("石井", "イシイ", 0.31), ("小川", "オガワ", 0.31),
]

PREFS = ["北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県",
         "栃木県", "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県",
         "石川県", "福井県", "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県",
         "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県",
         "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
         "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県"]

KANJI_NUM = "〇一二三四五六七八九"
BUILDINGS = ["ハイツ", "マンション", "コーポ", "レジデンス", "荘", "ハイム"]


def is_kanji_only(s):
    return all(0x4E00 <= ord(c) <= 0x9FFF or c in "々ヶ" for c in s)


def load_ipadic(kind):
    """(surface, reading, cost) of ipadic 人名 entries of kind 姓 or 名."""
    out = []
    path = os.path.join(IPADIC, "Noun.name.csv")
    with open(path, encoding="euc-jp", errors="replace") as f:
        for line in f:
            p = line.rstrip("\n").split(",")
            if len(p) < 12 or p[7] != kind:
                continue
            s, r = p[0], p[11]
            if not is_kanji_only(s) or not 1 <= len(s) <= 4 or not 1 <= len(r) <= 8:
                continue
            out.append((s, r, int(p[3])))
    out.sort(key=lambda e: e[2])
    return out


def load_places():
    out = []
    path = os.path.join(IPADIC, "Noun.place.csv")
    with open(path, encoding="euc-jp", errors="replace") as f:
        for line in f:
            p = line.split(",")
            if len(p) > 7 and p[6] == "地域" and p[7] == "一般":
                s = p[0]
                if is_kanji_only(s) and 2 <= len(s) <= 3 and not s.endswith(("市", "区", "町", "村", "郡")):
                    out.append(s)
    return sorted(set(out))


def load_variants(srcdir):
    """standard -> [variants] from the norm module's hand list (what norm folds)."""
    v = {}
    path = os.path.join(srcdir, "tools", "kanji_variants_names.txt")
    if os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.startswith("#") or "\t" not in line:
                    continue
                a, b = line.split("\t")[:2]
                if len(a) == 1 and len(b) == 1:
                    v.setdefault(b, []).append(a)
    return v


class Weighted:
    def __init__(self, items, weights):
        self.items = items
        self.cum = []
        t = 0.0
        for w in weights:
            t += w
            self.cum.append(t)
        self.total = t

    def pick(self, rnd):
        return self.items[bisect.bisect_left(self.cum, rnd.random() * self.total)]


def hira(s):
    return "".join(chr(ord(c) - 0x60) if 0x30A1 <= ord(c) <= 0x30F6 else c for c in s)


HALF = dict(zip("アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンァィゥェォッャュョー",
                "ｱｲｳｴｵｶｷｸｹｺｻｼｽｾｿﾀﾁﾂﾃﾄﾅﾆﾇﾈﾉﾊﾋﾌﾍﾎﾏﾐﾑﾒﾓﾔﾕﾖﾗﾘﾙﾚﾛﾜｦﾝｧｨｩｪｫｯｬｭｮｰ"))
VOICED = {}
for a, b in zip("ガギグゲゴザジズゼゾダヂヅデドバビブベボ", "カキクケコサシスセソタチツテトハヒフヘホ"):
    VOICED[a] = HALF[b] + "ﾞ"
for a, b in zip("パピプペポ", "ハヒフヘホ"):
    VOICED[a] = HALF[b] + "ﾟ"


def halfwidth(s):
    return "".join(VOICED.get(c) or HALF.get(c, c) for c in s)


def fullwidth_digits(s):
    return "".join(chr(ord(c) - 0x30 + 0xFF10) if c.isdigit() else ("－" if c == "-" else c) for c in s)


KANA = "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワン"


def era(y, m, d):
    v = y * 10000 + m * 100 + d
    if v >= 20190501:
        return "令和", "R", y - 2018
    if v >= 19890108:
        return "平成", "H", y - 1988
    if v >= 19261225:
        return "昭和", "S", y - 1925
    if v >= 19120730:
        return "大正", "T", y - 1911
    return "明治", "M", y - 1867


def fmt_birth(rnd, b, era_bias):
    y, m, d = b
    r = rnd.random()
    if r < era_bias:
        name, abbr, ey = era(y, m, d)
        if rnd.random() < 0.5:
            return "%s%d年%d月%d日" % (name, ey, m, d)
        return "%s%d.%d.%d" % (abbr, ey, m, d)
    r = rnd.random()
    if r < 0.4:
        return "%04d/%02d/%02d" % (y, m, d)
    if r < 0.6:
        return "%04d-%02d-%02d" % (y, m, d)
    if r < 0.8:
        return "%d年%d月%d日" % (y, m, d)
    if r < 0.9:
        return "%04d%02d%02d" % (y, m, d)
    return "%d/%d/%d" % (y, m, d)


def days_in(y, m):
    if m == 2:
        return 29 if (y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)) else 28
    return 30 if m in (4, 6, 9, 11) else 31


def rand_birth(rnd, lo=1935, hi=2006):
    y = rnd.randint(lo, hi)
    m = rnd.randint(1, 12)
    return (y, m, rnd.randint(1, days_in(y, m)))


def birth_era_off(rnd, b):
    """The year of an era date converted off by one (昭和55 taken for 1981)."""
    y, m, d = b
    ny = y + rnd.choice([-1, 1])
    if d > days_in(ny, m):
        return b
    return (ny, m, d)


def birth_typo(rnd, b):
    y, m, d = b
    for _ in range(20):
        s = list("%04d%02d%02d" % (y, m, d))
        i = rnd.choice([2, 3, 5, 6, 7])
        s[i] = str(rnd.randint(0, 9))
        s = "".join(s)
        ny, nm, nd = int(s[:4]), int(s[4:6]), int(s[6:])
        if (ny, nm, nd) != b and 1 <= nm <= 12 and 1 <= nd <= days_in(ny, nm) and 1900 < ny < 2010:
            return (ny, nm, nd)
    return b


class World:
    def __init__(self, rnd, srcdir):
        self.rnd = rnd
        fam = load_ipadic("姓")
        giv = load_ipadic("名")
        top = {s for s, _, _ in TOP_FAMILY}
        rest = [(s, r) for s, r, _ in fam if s not in top]
        # the top names take their published share; the rest a Zipf tail
        top_share = sum(w for _, _, w in TOP_FAMILY)
        tail_w = [1.0 / (i + 30) for i in range(len(rest))]
        k = (100.0 - top_share) / sum(tail_w)
        self.family = Weighted([(s, r) for s, r, _ in TOP_FAMILY] + rest,
                               [w for _, _, w in TOP_FAMILY] + [w * k for w in tail_w])
        gl = [(s, r) for s, r, _ in giv]
        self.given = Weighted(gl, [1.0 / (i + 200) for i in range(len(gl))])
        places = load_places()
        rnd.shuffle(places)
        self.munis = []
        pi = 0
        for p in PREFS:
            n = 12 if p in ("東京都", "大阪府", "神奈川県", "愛知県") else 5
            for _ in range(n):
                self.munis.append((p, places[pi % len(places)] + rnd.choice(["市", "市", "町", "区"])))
                pi += 1
        self.towns = places[pi:pi + 3000] or places
        self.variants = load_variants(srcdir)
        self.postal = {}
        self.phone_used = set()

    def address(self):
        r = self.rnd
        pref, muni = r.choice(self.munis)
        town = r.choice(self.towns)
        blk = (r.randint(1, 6), r.randint(1, 30), r.randint(1, 25))
        bld = None
        if r.random() < 0.35:
            bld = "%s%s %d" % (r.choice(self.towns), r.choice(BUILDINGS), r.randint(1, 9) * 100 + r.randint(1, 12))
        key = (pref, muni, town)
        if key not in self.postal:
            self.postal[key] = "%03d-%04d" % (r.randint(1, 999), r.randint(0, 9999))
        return {"pref": pref, "muni": muni, "town": town, "blk": blk, "bld": bld, "postal": self.postal[key]}

    def phone(self, mobile):
        r = self.rnd
        while True:
            if mobile:
                p = "%s-%04d-%04d" % (r.choice(["090", "080", "070"]), r.randint(0, 9999), r.randint(0, 9999))
            else:
                p = "0%d-%04d-%04d" % (r.randint(3, 9), r.randint(1000, 9999), r.randint(0, 9999))
            if p not in self.phone_used:
                self.phone_used.add(p)
                return p


def write_address(rnd, a, noisy):
    b1, b2, b3 = a["blk"]
    style = rnd.random() if noisy else 0.0
    if style < 0.4:
        num = "%d丁目%d番%d号" % (b1, b2, b3)
    elif style < 0.7:
        num = "%d-%d-%d" % (b1, b2, b3)
    elif style < 0.8:
        num = "%s丁目%d番%d号" % (KANJI_NUM[b1], b2, b3)
    elif style < 0.9:
        num = fullwidth_digits("%d-%d-%d" % (b1, b2, b3))
    else:
        num = "%d丁目%d-%d" % (b1, b2, b3)
    pref = a["pref"] if not noisy or rnd.random() < 0.7 else ""
    bld = a["bld"] if a["bld"] and (not noisy or rnd.random() < 0.7) else None
    head = pref + a["muni"] + a["town"] + num
    return head, bld


def name_noise(rnd, world, fam, giv, famk, givk, p):
    """Kanji and kana of one record of a person, with the noise of data entry."""
    if rnd.random() < p["variant"]:
        cand = [i for i, c in enumerate(fam) if c in world.variants]
        if cand:
            i = rnd.choice(cand)
            fam = fam[:i] + rnd.choice(world.variants[fam[i]]) + fam[i + 1:]
    if rnd.random() < p["kanji_typo"] and len(giv) >= 1:
        # a wrong kanji of the same reading (the reading stays right)
        i = rnd.randrange(len(giv))
        other = world.given.pick(rnd)[0]
        giv = giv[:i] + other[0] + giv[i + 1:]
    if rnd.random() < p["kana_typo"]:
        s = famk + givk
        i = rnd.randrange(len(s))
        s = s[:i] + rnd.choice(KANA) + s[i + 1:]
        famk, givk = s[:len(famk)], s[len(famk):]
    sep = rnd.choice([" ", "\u3000"]) if rnd.random() > p["nospace"] else ""
    name = fam + sep + giv
    sep = rnd.choice([" ", "\u3000"]) if rnd.random() > p["nospace"] else ""
    kana = famk + sep + givk
    r = rnd.random()
    if r < p["hira"]:
        kana = hira(kana)
    elif r < p["hira"] + p["half"]:
        kana = halfwidth(kana).replace("\u3000", " ")
    return name, kana


def phone_noise(rnd, ph, noisy):
    if not noisy:
        return ph
    r = rnd.random()
    if r < 0.3:
        return ph.replace("-", "")
    if r < 0.4:
        return fullwidth_digits(ph)
    if r < 0.45:
        return "+81-" + ph[1:]
    if r < 0.48:
        # one digit wrong
        s = list(ph)
        idx = [i for i, c in enumerate(s) if c.isdigit() and i > 2]
        i = rnd.choice(idx)
        s[i] = str((int(s[i]) + rnd.randint(1, 9)) % 10)
        return "".join(s)
    return ph


LAYOUTS = [
    # (header, encoding, era_bias)
    (["顧客番号", "氏名", "フリガナ", "生年月日", "郵便番号", "住所", "電話番号", "E-mail"], "utf-8", 0.1),
    (["会員番号", "姓", "名", "セイ", "メイ", "生年月日", "〒", "住所1", "住所2", "TEL", "携帯"], "cp932", 0.2),
    (["お名前", "カナ", "誕生日", "住所", "連絡先", "備考"], "cp932", 0.5),
]

NOISE = {"variant": 0.15, "kanji_typo": 0.02, "kana_typo": 0.03, "nospace": 0.2, "hira": 0.15,
         "half": 0.1, "missing": 0.06, "birth_typo": 0.02, "swap": 0.01, "era_off": 0.01,
         "move": 0.12, "marry": 0.05}
# share of children named after the parent (same family and given name, same
# household: address and home phone); their records miss the birth date
# more often than others (NOISE["missing"] * SAME_NAME_NO_BIRTH_X)
SAME_NAME_CHILD = 0.12
SAME_NAME_NO_BIRTH_X = 4


def gen(args):
    rnd = random.Random(args.seed)
    srcdir = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    world = World(rnd, srcdir)
    persons = []
    must_not = []
    # households: one to four people sharing family name, address, home phone
    target = args.records
    est_records_per_person = 1.75
    want_persons = max(1, int(target / est_records_per_person))
    while len(persons) < want_persons:
        fam, famk = world.family.pick(rnd)
        addr = world.address()
        home = world.phone(False) if rnd.random() < 0.6 else None
        size = rnd.choices([1, 2, 3, 4], [0.45, 0.3, 0.15, 0.1])[0]
        head_birth = rand_birth(rnd, 1935, 1990)
        members = []
        for k in range(size):
            if k == 0:
                b = head_birth
                giv, givk = world.given.pick(rnd)
            elif k == 1:
                b = rand_birth(rnd, max(1930, head_birth[0] - 5), min(2000, head_birth[0] + 5))
                giv, givk = world.given.pick(rnd)
            else:
                if k == 3 and members and rnd.random() < 0.3:
                    b = members[-1]["birth"]  # twins
                else:
                    b = rand_birth(rnd, min(2006, head_birth[0] + 22), min(2006, head_birth[0] + 40))
                if rnd.random() < SAME_NAME_CHILD:
                    giv, givk = members[0]["giv"], members[0]["givk"]  # named after the parent
                else:
                    giv, givk = world.given.pick(rnd)
            if any(m["giv"] == giv and m["birth"] == b for m in members):
                giv, givk = world.given.pick(rnd)
            members.append({"fam": fam, "famk": famk, "giv": giv, "givk": givk, "birth": b,
                            "addr": addr, "home": home,
                            "mobile": world.phone(True) if rnd.random() < 0.7 else None,
                            "email": ("u%07d.%s@example.%s" % (len(persons) + len(members), rnd.choice("abcdefgh"), rnd.choice(["jp", "com", "ne.jp"])))
                            if rnd.random() < 0.4 else None})
        for m in members:
            m["id"] = len(persons) + 1
            persons.append(m)
        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                a, b = members[i], members[j]
                if a["birth"] == b["birth"]:
                    kind = "twins"
                elif a["giv"] == b["giv"]:
                    kind = "parent_child_same_name"
                    a["same_name"] = b["same_name"] = True
                else:
                    kind = "household"
                must_not.append((a["id"], b["id"], kind))
    rnd.shuffle(persons)

    nfiles = args.files
    outs = []
    os.makedirs(args.out, exist_ok=True)
    for k in range(nfiles):
        header, enc, eb = LAYOUTS[k % len(LAYOUTS)]
        path = os.path.join(args.out, "people_%d.csv" % (k + 1))
        f = open(path, "w", encoding=enc, errors="strict", newline="")
        w = csv.writer(f, lineterminator="\r\n" if enc == "cp932" else "\n")
        w.writerow(header)
        outs.append({"f": f, "w": w, "rows": 0, "layout": k % len(LAYOUTS), "enc": enc, "eb": eb,
                     "name": os.path.basename(path)})
    truth = open(os.path.join(args.out, "truth.csv"), "w", encoding="utf-8", newline="")
    tw = csv.writer(truth)
    tw.writerow(["file", "row", "person"])
    # what is special about a record (the scorer's recall per kind)
    tags = open(os.path.join(args.out, "tags.csv"), "w", encoding="utf-8", newline="")
    tgw = csv.writer(tags)
    tgw.writerow(["file", "row", "tags"])
    written = 0
    for p in persons:
        if written >= target:
            break
        n = rnd.choices([1, 2, 3, 4, 5], [0.55, 0.25, 0.11, 0.06, 0.03])[0]
        state = dict(p)
        for j in range(n):
            if written >= target:
                break
            noisy = j > 0 or rnd.random() < 0.5
            keep_phone = False
            if j > 0 and state["mobile"] and rnd.random() < NOISE["move"]:
                # moved: new address and home phone, same birth date and mobile
                state["addr"] = world.address()
                state["home"] = None
                keep_phone = True
            elif j > 0 and rnd.random() < NOISE["marry"]:
                # married: new family name; keeps the address or the phone
                nf, nk = world.family.pick(rnd)
                state["fam"], state["famk"] = nf, nk
                if state["mobile"] and rnd.random() < 0.5:
                    state["addr"] = world.address()
                    state["home"] = None
                    keep_phone = True
            out = outs[rnd.randrange(nfiles)]
            rtags = []
            rec = make_record(rnd, world, state, out, noisy, keep_phone, rtags)
            if state["addr"] is not p["addr"]:
                rtags.append("moved")
            if p.get("same_name"):
                rtags.append("same_name_family")
            try:
                out["w"].writerow(rec)
            except UnicodeEncodeError:
                # a variant kanji CP932 cannot hold: write the common form
                rec = [c.encode(out["enc"], errors="ignore").decode(out["enc"]) for c in rec]
                out["w"].writerow(rec)
            out["rows"] += 1
            written += 1
            tw.writerow([out["name"], out["rows"], p["id"]])
            if rtags:
                tgw.writerow([out["name"], out["rows"], " ".join(rtags)])
    for o in outs:
        o["f"].close()
    truth.close()
    tags.close()
    with open(os.path.join(args.out, "must_not.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["person_a", "person_b", "kind"])
        w.writerows(must_not)
    print(json.dumps({"records": written, "files": [o["name"] for o in outs]}))


def make_record(rnd, world, s, out, noisy, keep_phone=False, tags=None):
    p = NOISE if noisy else {k: 0.0 for k in NOISE}
    tags = tags if tags is not None else []
    name, kana = name_noise(rnd, world, s["fam"], s["giv"], s["famk"], s["givk"], p)
    b = s["birth"]
    era_bias = out["eb"]
    if noisy and rnd.random() < p["birth_typo"]:
        nb = birth_typo(rnd, b)
        if nb != b:
            tags.append("birth_typo")
        b = nb
    if noisy and rnd.random() < p["swap"] and b[2] <= 12 and b[1] != b[2]:
        b = (b[0], b[2], b[1])
        tags.append("birth_swap")
    if noisy and rnd.random() < p["era_off"]:
        nb = birth_era_off(rnd, b)
        if nb != b:
            tags.append("birth_era_off")
            era_bias = 1.0  # the writer converted to an era date
        b = nb
    birth = fmt_birth(rnd, b, era_bias)
    head, bld = write_address(rnd, s["addr"], noisy)
    postal = s["addr"]["postal"]
    if noisy and rnd.random() < 0.3:
        postal = postal.replace("-", "")
    phones = [x for x in (s["home"], s["mobile"]) if x]
    phones = [phone_noise(rnd, x, noisy) for x in phones]
    email = s["email"] or ""
    if email and noisy and rnd.random() < 0.2:
        email = email.upper()

    def miss(v):
        return "" if noisy and rnd.random() < p["missing"] else v

    kana = miss(kana)
    if s.get("same_name") and noisy and rnd.random() < p["missing"] * SAME_NAME_NO_BIRTH_X:
        birth = ""
    birth = miss(birth)
    if not birth:
        tags.append("no_birth")
    postal = miss(postal)
    ph1 = miss(phones[0]) if phones else ""
    ph2 = miss(phones[1]) if len(phones) > 1 else ""
    if keep_phone:
        ph1 = phones[-1]  # the mobile, the link to the old records
        ph2 = ""
    # a layout with one phone column gets the mobile when there is one
    one = ph2 or ph1
    if noisy and rnd.random() < p["missing"]:
        head, bld = "", None
    cust = "C%08d" % rnd.randint(0, 99999999)
    lay = out["layout"]
    if lay == 0:
        addr = head + (" " + bld if bld else "")
        return [cust, name, kana, birth, postal, addr, one, miss(email)]
    if lay == 1:
        fam = s["fam"]
        giv = s["giv"]
        famk, givk = s["famk"], s["givk"]
        # names in separate columns: take them from the noisy whole
        parts = name.replace("\u3000", " ").split(" ")
        if len(parts) == 2:
            fam, giv = parts
        kparts = kana.replace("\u3000", " ").split(" ")
        if len(kparts) == 2:
            famk, givk = kparts
        elif kana == "":
            famk = givk = ""
        return [cust, fam, giv, famk, givk, birth, postal, head, bld or "", ph1, ph2]
    addr = head + (" " + bld if bld else "")
    return [name, kana, birth, addr, one, ""]


def score(args):
    truth = {}
    with open(args.truth, encoding="utf-8") as f:
        r = csv.reader(f)
        next(r)
        for fn, row, pid in r:
            truth[(fn, int(row))] = pid
    pred = {}
    with open(args.links, encoding="utf-8") as f:
        for line in f:
            o = json.loads(line)
            if "row" not in o:
                continue
            key = (os.path.basename(o["file"]), int(o["row"]))
            pred[key] = o["person"] if o["person"] is not None else "u%s:%d" % key
    missing = [k for k in truth if k not in pred]
    cells = {}
    tsize = {}
    psize = {}
    for k, t in truth.items():
        p = pred.get(k, "m%s:%d" % k)
        cells[(t, p)] = cells.get((t, p), 0) + 1
        tsize[t] = tsize.get(t, 0) + 1
        psize[p] = psize.get(p, 0) + 1

    def c2(n):
        return n * (n - 1) // 2
    tp = sum(c2(n) for n in cells.values())
    tpairs = sum(c2(n) for n in tsize.values())
    ppairs = sum(c2(n) for n in psize.values())
    prec = tp / ppairs if ppairs else 1.0
    rec = tp / tpairs if tpairs else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    true_n = len(tsize)
    pred_n = len(psize)
    # persons that must stay apart (twins, parent and child of one name, households)
    viol = {}
    total_mn = {}
    mn = os.path.join(os.path.dirname(args.truth), "must_not.csv")
    if os.path.exists(mn):
        preds_of = {}
        for k, t in truth.items():
            preds_of.setdefault(t, set()).add(pred.get(k))
        with open(mn, encoding="utf-8") as f:
            r = csv.reader(f)
            next(r)
            for a, b, kind in r:
                if a not in preds_of or b not in preds_of:
                    continue
                total_mn[kind] = total_mn.get(kind, 0) + 1
                if preds_of[a] & preds_of[b]:
                    viol[kind] = viol.get(kind, 0) + 1
    # recall of the pairs of one person where a record has a tag (moved,
    # birth_typo, birth_swap, birth_era_off, no_birth, same_name_family)
    recall_by_tag = {}
    tg = os.path.join(os.path.dirname(args.truth), "tags.csv")
    if os.path.exists(tg):
        tagged = {}
        with open(tg, encoding="utf-8") as f:
            r = csv.reader(f)
            next(r)
            for fn, row, t in r:
                tagged[(fn, int(row))] = t.split()
        by_person = {}
        for k, t in truth.items():
            by_person.setdefault(t, []).append(k)
        tot = {}
        hit = {}
        for recs in by_person.values():
            if len(recs) < 2 or not any(k in tagged for k in recs):
                continue
            for i in range(len(recs)):
                for j in range(i + 1, len(recs)):
                    a, b = recs[i], recs[j]
                    ts = set(tagged.get(a, [])) | set(tagged.get(b, []))
                    same = pred.get(a) is not None and pred.get(a) == pred.get(b)
                    for t in ts:
                        tot[t] = tot.get(t, 0) + 1
                        hit[t] = hit.get(t, 0) + (1 if same else 0)
        recall_by_tag = {t: {"pairs": tot[t], "linked": hit[t], "recall": round(hit[t] / tot[t], 4)}
                         for t in sorted(tot)}
    print(json.dumps({"records": len(truth), "missing_in_output": len(missing),
                      "precision": round(prec, 5), "recall": round(rec, 5), "f1": round(f1, 5),
                      "true_persons": true_n, "predicted_persons": pred_n,
                      "count_error_pct": round(100.0 * (pred_n - true_n) / true_n, 4),
                      "must_not_pairs": total_mn, "must_not_linked": viol,
                      "recall_by_tag": recall_by_tag}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    g = sub.add_parser("gen")
    g.add_argument("--records", type=int, default=10000)
    g.add_argument("--files", type=int, default=3)
    g.add_argument("--seed", type=int, default=1)
    g.add_argument("--out", required=True)
    s = sub.add_parser("score")
    s.add_argument("--truth", required=True)
    s.add_argument("--links", required=True)
    a = ap.parse_args()
    if a.cmd == "gen":
        gen(a)
    else:
        score(a)


if __name__ == "__main__":
    main()
