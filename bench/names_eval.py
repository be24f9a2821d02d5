#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""
bench/names_eval.py -- precision/recall of the person-name detector on a
synthetic labelled set.

How the set is built (deterministic, seed 4411): surnames and given names
are drawn from IPAdic's person-name entries (Noun.name.csv; the 600
lowest-cost = most frequent kanji spellings of each kind, plus their
katakana readings; a separate category uses katakana foreign names) and
placed into hand-written templates: honorifics, labels, bare full names in
a sentence, katakana reading pairs, name columns (kanji, kana, half-width
kana, hiragana), names made of common name kanji that IPAdic does not
list (out-of-lexicon), modern given names IPAdic does not list after a
known surname, and lone surnames with no cue (labelled as names: the
detector is designed to miss them, so they show up as lost recall).
Negatives use IPAdic place names that are also surnames followed by 駅/市/
区/町, organisation names (Noun.org.csv) that start with a surname, any
organisation name followed by 様/さん (companies addressed like people),
katakana loanword pairs (Noun.csv), fixed sentences with 様式/様子/皆様/
お客様/氏名欄..., and ASCII log lines. Because the names come from the same
dictionary MeCab and the lexicon use, the numbers are optimistic for real
data (names outside IPAdic, typos, OCR noise).

Usage: names_eval.py NAMES_BENCH_BINARY OUTDIR
Writes OUTDIR/names_eval.tsv (the synthetic set) and prints the scores.
"""
import random
import subprocess
import sys

IPADIC = "/usr/share/mecab/dic/ipadic/"
THRESHOLD = 0.5


def read_csv(name):
    with open(IPADIC + name, "rb") as f:
        for raw in f:
            yield raw.decode("euc_jp").rstrip("\r\n").split(",")


def kata(s):
    return all(0x30A1 <= ord(c) <= 0x30FC for c in s)


def to_halfwidth(s):
    import unicodedata
    out = []
    # inverse of NFKC for katakana: build the table from the half-width block
    table = {}
    for cp in range(0xFF61, 0xFFA0):
        full = unicodedata.normalize("NFKC", chr(cp))
        table.setdefault(full, chr(cp))
    for cp in range(0xFF61, 0xFF9E):
        for mark in ("\uFF9E", "\uFF9F"):
            full = unicodedata.normalize("NFKC", chr(cp) + mark)
            if len(full) == 1:
                table.setdefault(full, chr(cp) + mark)
    for c in s:
        out.append(table.get(c, " " if c == "\u3000" else c))
    return "".join(out)


def main(argv):
    binary, outdir = argv[1], argv[2]
    rnd = random.Random(4411)
    fam, giv = {}, {}
    for c in read_csv("Noun.name.csv"):
        if c[4:7] != ["名詞", "固有名詞", "人名"] or not kata(c[11]):
            continue
        d = fam if c[7] == "姓" else giv if c[7] == "名" else None
        if d is not None and (c[0] not in d or int(c[3]) < d[c[0]][0]):
            d[c[0]] = (int(c[3]), c[11])
    def kanji(w):
        return all(0x4E00 <= ord(c) <= 0x9FFF or c == "々" for c in w)

    # IPAdic gives its many katakana foreign names low costs: rank the
    # kanji spellings separately and keep the foreign ones for one category
    fams = sorted(((k, v) for k, v in fam.items() if kanji(k)), key=lambda kv: kv[1][0])[:600]
    givs = sorted(((k, v) for k, v in giv.items() if kanji(k)), key=lambda kv: kv[1][0])[:600]
    kfams = sorted(((k, v) for k, v in fam.items() if kata(k)), key=lambda kv: kv[1][0])[:300]
    kgivs = sorted(((k, v) for k, v in giv.items() if kata(k)), key=lambda kv: kv[1][0])[:300]
    surnames = set(fam)
    places = sorted({c[0] for c in read_csv("Noun.place.csv") if c[0] in surnames})
    orgs = sorted({c[0] for c in read_csv("Noun.org.csv")
                   if len(c[0]) >= 4 and c[0][:2] in surnames and not kata(c[0])})
    loan = sorted({c[0] for c in read_csv("Noun.csv")
                   if kata(c[0]) and 3 <= len(c[0]) <= 6 and c[0] not in surnames})

    rows = []  # (category, column, text, [(start_char, len_chars, fam_chars)])

    def person():
        f, (_, fr) = rnd.choice(fams)
        g, (_, gr) = rnd.choice(givs)
        return f, g, fr, gr

    def add(cat, col, parts):
        # parts: list of str or ("name", text, family_chars)
        text, gold = "", []
        for p in parts:
            if isinstance(p, tuple):
                gold.append((len(text), len(p[1]), p[2]))
                text += p[1]
            else:
                text += p
        rows.append((cat, col, text, gold))

    hon = ["様", "さん", "殿", "氏", "さま", "君"]
    ctx_before = ["", "本日、", "担当の", "昨日は", "お客様番号1234の", "差出人："[:0]]
    ctx_after = ["より入金がありました。", "に連絡してください。", "へ書類を送付。", "の件",
                 "が来店。", ""]
    for _ in range(300):
        f, g, fr, gr = person()
        sep = rnd.choice(["", " ", "\u3000"])
        add("honorific_full", "none", [rnd.choice(ctx_before), ("n", f + sep + g, len(f)),
                                       rnd.choice(hon), rnd.choice(ctx_after)])
    for _ in range(300):
        f, g, fr, gr = person()
        add("honorific_family", "none", [rnd.choice(ctx_before), ("n", f, len(f)),
                                         rnd.choice(hon), rnd.choice(ctx_after)])
    labels = ["氏名：", "氏名: ", "お名前：", "宛名 ", "ご契約者：", "契約者名=", "担当者：", "名前:"]
    for _ in range(300):
        f, g, fr, gr = person()
        sep = rnd.choice(["", " ", "\u3000"])
        tail = rnd.choice(["", " 様", "　電話：03-1234-5678", "（再送）"])
        add("label", "none", [rnd.choice(["", "受付 ", "No.12 "]), rnd.choice(labels),
                              ("n", f + sep + g, len(f)), tail])
    for _ in range(300):
        f, g, fr, gr = person()
        sep = rnd.choice(["", " "])
        add("bare_full_name", "none", [rnd.choice(["昨日", "会議で", "本件は", "今朝、"]),
                                       ("n", f + sep + g, len(f)),
                                       rnd.choice(["が来社した。", "から電話があった。",
                                                   "と面談。", "の申請を受理。"])])
    for _ in range(200):
        f, g, fr, gr = person()
        add("kana_free_text", "none", [rnd.choice(["", "宛先 ", "登録名："[:0]]),
                                       ("n", fr + rnd.choice([" ", "\u3000"]) + gr, len(fr)),
                                       rnd.choice(["様", " 様の登録", " 確認済", ""])])
    for _ in range(300):
        f, g, fr, gr = person()
        sep = rnd.choice(["", " ", "\u3000"])
        add("column_name", "name", [("n", f + sep + g, len(f))])
    for _ in range(300):
        f, g, fr, gr = person()
        sep = rnd.choice(["", " ", "\u3000"])
        form = rnd.choice(["kata", "half", "hira"])
        ft, gt = fr, gr
        if form == "hira":
            ft = "".join(chr(ord(c) - 0x60) if 0x30A1 <= ord(c) <= 0x30F6 else c for c in fr)
            gt = "".join(chr(ord(c) - 0x60) if 0x30A1 <= ord(c) <= 0x30F6 else c for c in gr)
        if form == "half":
            ft, gt = to_halfwidth(fr), to_halfwidth(gr)
            sep = " " if sep else ""
        add("column_kana", "name_kana", [("n", ft + sep + gt, len(ft))])
    for _ in range(150):
        f = rnd.choice(kfams)[0]
        g = rnd.choice(kgivs)[0]
        add("foreign_kana_honorific", "none", [rnd.choice(ctx_before),
                                               ("n", f + rnd.choice([" ", "\u3000", "・"]) + g,
                                                len(f)), rnd.choice(hon), rnd.choice(ctx_after)])
    # names outside the lexicon: common name kanji combined into surnames and
    # given names IPAdic does not list
    fk = "田山川本木村井原藤沢野島崎松岡林森橋谷口中上下石竹宮坂北西東南"
    gk = "子美恵智奈香里真由佳太郎雄一介輔史樹人翔"
    for cat, mk in (("oov_honorific", 0), ("oov_label", 1)):
        for _ in range(150):
            while True:
                f = rnd.choice(fk) + rnd.choice(fk)
                g = rnd.choice(gk) + rnd.choice(gk)
                if f not in fam and g not in giv:
                    break
            sep = rnd.choice(["", " ", "\u3000"])
            if mk == 0:
                add(cat, "none", [rnd.choice(ctx_before), ("n", f + sep + g, len(f)),
                                  rnd.choice(hon), rnd.choice(ctx_after)])
            else:
                add(cat, "none", [rnd.choice(labels), ("n", f + sep + g, len(f))])
    # modern given names IPAdic (2007) does not list, after a known surname
    modern = [w for w in ["陽翔", "結愛", "陽葵", "紬", "悠真", "颯", "大翔", "結菜", "蒼空",
                          "陽菜", "湊斗", "碧斗", "心春", "莉緒", "颯真", "結翔", "澪", "柚葉"]
              if w not in giv]
    for _ in range(150):
        f = rnd.choice(fams)[0]
        g = rnd.choice(modern)
        sep = rnd.choice(["", " ", "\u3000"])
        add("modern_given_honorific", "none", [rnd.choice(ctx_before),
                                               ("n", f + sep + g, len(f)),
                                               rnd.choice(hon), rnd.choice(ctx_after)])
    for _ in range(150):
        f = rnd.choice(fams)[0]
        add("neg_surname_business", "none",
            [rnd.choice(["", "取引先の", "いつも"]), f,
             rnd.choice(["部長", "社長", "先生", "課長", "工務店", "酒店", "歯科", "薬局", "医院",
                         "電機", "商事", "建設", "不動産", "書店", "商店", "工業"]),
             rnd.choice(["様", "さん"]), rnd.choice(["", "より受注", "へ納品"])])
    for _ in range(200):
        f, g, fr, gr = person()
        add("lone_surname_no_cue", "none", [rnd.choice(["本日", "先週", "午後"]), "、",
                                            ("n", f, len(f)),
                                            rnd.choice(["が対応した。", "の資料を確認。",
                                                        "に回付済み。"])])
    for _ in range(200):
        p = rnd.choice(places)
        add("neg_place", "none", [rnd.choice(["", "最寄りは", "本社は"]), p,
                                  rnd.choice(["駅で降りた。", "市役所に提出。", "区の住民。",
                                              "町の工場", "駅前支店"])])
    for _ in range(200):
        o = rnd.choice(orgs)
        add("neg_org", "none", [rnd.choice(["", "取引先：", "発注元 "]), o,
                                rnd.choice(["株式会社", "の決算", "様", " 御中", "支店"])])
    allorgs = sorted({c[0] for c in read_csv("Noun.org.csv") if len(c[0]) >= 2})
    for _ in range(200):
        add("neg_org_honorific", "none", [rnd.choice(["", "取引先の", "いつも"]),
                                          rnd.choice(allorgs), rnd.choice(["様", "さん"]),
                                          rnd.choice(["", "より受注", "にはお世話になっております"])])
    for _ in range(150):
        add("neg_katakana", "none", [rnd.choice(loan), rnd.choice([" ", "\u3000"]),
                                     rnd.choice(loan), rnd.choice(["", "の設定", "様式"])])
    fixed = ["様式第1号を提出", "様子を見る", "皆様へのお知らせ", "お客様各位", "殿堂入り",
             "氏名欄は必須です", "名前を入力してください", "東京都中央区日本橋", "日本銀行本店",
             "本田技研工業株式会社", "上野動物園", "大和市役所", "田中駅", "担当：経理部",
             "宛名ラベル印刷", "契約者情報の更新", "お母さんと王様", "各位殿", "担当 営業二課"]
    for s in fixed:
        add("neg_fixed", "none", [s])
    for i in range(200):
        add("neg_ascii_log", "none", ["2026-11-25T21:%02d:%02d INFO job=%d stage=render "
                                      "user=batch status=ok" % (i % 60, i % 60, 4400 + i)])

    tsv = outdir + "/names_eval.tsv"
    with open(tsv, "w", encoding="utf-8") as o:
        for cat, col, text, gold in rows:
            o.write(col + "\t" + text + "\n")
    res = subprocess.run([binary, "eval", tsv], check=True, capture_output=True, text=True)
    hits = {}
    for line in res.stdout.splitlines():
        ln, st, le, fl, conf = line.split("\t")
        if float(conf) >= THRESHOLD:
            hits.setdefault(int(ln), []).append((int(st), int(le), int(fl)))

    cats = {}
    tp = fp = fn = tp_fam = 0
    lenient_tp = 0
    for i, (cat, col, text, gold) in enumerate(rows, start=1):
        c = cats.setdefault(cat, [0, 0, 0])  # tp, fn, fp
        gspans = []
        for (sc, lc, fc) in gold:
            b0 = len(text[:sc].encode())
            bl = len(text[sc:sc + lc].encode())
            bf = len(text[sc:sc + fc].encode())
            gspans.append((b0, bl, bf))
        hs = hits.get(i, [])
        matched = set()
        for g in gspans:
            m = [h for h in hs if h[0] == g[0] and h[1] == g[1]]
            if m:
                tp += 1
                c[0] += 1
                matched.add(m[0])
                tp_fam += m[0][2] == g[2]
            else:
                fn += 1
                c[1] += 1
            if any(h[0] < g[0] + g[1] and g[0] < h[0] + h[1] for h in hs):
                lenient_tp += 1
        for h in hs:
            if h not in matched:
                fp += 1
                c[2] += 1
    print("labelled synthetic set: %d lines, %d gold mentions, threshold %.2f"
          % (len(rows), tp + fn, THRESHOLD))
    print("%-22s %6s %6s %6s %8s" % ("category", "TP", "FN", "FP", "recall"))
    for cat, (a, b, c) in cats.items():
        rec = "%.3f" % (a / (a + b)) if a + b else "-"
        print("%-22s %6d %6d %6d %8s" % (cat, a, b, c, rec))
    print("strict (exact span): precision %.3f recall %.3f"
          % (tp / max(1, tp + fp), tp / max(1, tp + fn)))
    print("lenient (overlap) recall %.3f; family_len correct on %.3f of TPs"
          % (lenient_tp / max(1, tp + fn), tp_fam / max(1, tp)))
    gold_cue = sum(v[0] + v[1] for k, v in cats.items() if k != "lone_surname_no_cue")
    tp_cue = sum(v[0] for k, v in cats.items() if k != "lone_surname_no_cue")
    print("recall without the lone-surname category: %.3f" % (tp_cue / max(1, gold_cue)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
