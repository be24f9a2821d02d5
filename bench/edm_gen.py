#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""edm_gen.py -- synthetic entrusted datasets for bench/edm_bench.sh.

Writes a CSV (UTF-8, or CP932 with --cp932) with a header row of the
columns a bank's direct-mail list has (顧客番号, 氏名, フリガナ, 生年月日,
郵便番号, 住所, 電話番号, メール). Every value is generated: names from
fixed syllable and kanji lists, dates, numbers and addresses at random.

Usage: edm_gen.py --rows N --out FILE [--seed S] [--cp932]
"""
import argparse
import random

FAM = ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村", "小林", "加藤",
       "吉田", "山本", "斎藤", "松本", "井上", "木村", "林", "清水", "山口", "森"]
FAMK = ["ヤマダ", "サトウ", "スズキ", "タカハシ", "タナカ", "イトウ", "ワタナベ", "ナカムラ",
        "コバヤシ", "カトウ", "ヨシダ", "ヤマモト", "サイトウ", "マツモト", "イノウエ",
        "キムラ", "ハヤシ", "シミズ", "ヤマグチ", "モリ"]
GIV = ["太郎", "花子", "一郎", "恵子", "健", "誠", "美咲", "翔太", "陽子", "大輔"]
GIVK = ["タロウ", "ハナコ", "イチロウ", "ケイコ", "ケン", "マコト", "ミサキ", "ショウタ",
        "ヨウコ", "ダイスケ"]
TOWN = ["千代田区大手町", "中央区銀座", "港区芝", "新宿区西新宿", "横浜市中区本町",
        "大阪市北区梅田", "名古屋市中区栄", "札幌市中央区北一条西", "福岡市博多区博多駅前"]
PREF = ["東京都", "東京都", "東京都", "東京都", "神奈川県", "大阪府", "愛知県", "北海道", "福岡県"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cp932", action="store_true")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    enc = "cp932" if a.cp932 else "utf-8"
    with open(a.out, "w", encoding=enc, newline="") as f:
        f.write("顧客番号,氏名,フリガナ,生年月日,郵便番号,住所,電話番号,メール\r\n")
        for i in range(a.rows):
            fi = rnd.randrange(len(FAM))
            gi = rnd.randrange(len(GIV))
            t = rnd.randrange(len(TOWN))
            f.write("%08d,%s %s%d,%s %s,%04d-%02d-%02d,%03d-%04d,%s%s%d-%d-%d,"
                    "0%d0-%04d-%04d,c%d@example.invalid\r\n" % (
                        i + 1, FAM[fi], GIV[gi], i % 1000, FAMK[fi], GIVK[gi],
                        rnd.randrange(1930, 2006), rnd.randrange(1, 13), rnd.randrange(1, 29),
                        rnd.randrange(100, 1000), rnd.randrange(10000), PREF[t], TOWN[t],
                        rnd.randrange(1, 10), rnd.randrange(1, 30), rnd.randrange(1, 40),
                        rnd.choice([7, 8, 9]), rnd.randrange(10000), rnd.randrange(10000), i))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
