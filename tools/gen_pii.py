# SPDX-License-Identifier: Apache-2.0
"""gen_pii.py -- synthetic Japanese personal-data values for azukari's test
corpus (imported by gen_corpus.py).

Every value is synthetic: names are combined at random from common
surnames and given names (an in-script list plus the person-name entries
of IPAdic when its sources are installed), addresses from prefecture +
place-name stems + block numbers, e-mail addresses only under the reserved
example.* domains. Check digits (My Number, corporate number, Luhn) are
computed so that positives validate and the "invalid" decoys do not.

All randomness comes from the random.Random instance passed in, so output
is a pure function of the seed.
"""

import os
import unicodedata

IPADIC_DIR = "/usr/share/mecab/dic/ipadic"

# Common surnames with readings (kanji, katakana). A few use the CP932
# extension / variant kanji that real customer lists are full of.
SURNAMES = [
    ("佐藤", "サトウ"), ("鈴木", "スズキ"), ("高橋", "タカハシ"), ("田中", "タナカ"),
    ("伊藤", "イトウ"), ("渡辺", "ワタナベ"), ("山本", "ヤマモト"), ("中村", "ナカムラ"),
    ("小林", "コバヤシ"), ("加藤", "カトウ"), ("吉田", "ヨシダ"), ("山田", "ヤマダ"),
    ("佐々木", "ササキ"), ("山口", "ヤマグチ"), ("松本", "マツモト"), ("井上", "イノウエ"),
    ("木村", "キムラ"), ("林", "ハヤシ"), ("斎藤", "サイトウ"), ("清水", "シミズ"),
    ("山崎", "ヤマザキ"), ("森", "モリ"), ("池田", "イケダ"), ("橋本", "ハシモト"),
    ("阿部", "アベ"), ("石川", "イシカワ"), ("山下", "ヤマシタ"), ("中島", "ナカジマ"),
    ("石井", "イシイ"), ("小川", "オガワ"), ("前田", "マエダ"), ("岡田", "オカダ"),
    ("長谷川", "ハセガワ"), ("藤田", "フジタ"), ("後藤", "ゴトウ"), ("近藤", "コンドウ"),
    ("村上", "ムラカミ"), ("遠藤", "エンドウ"), ("青木", "アオキ"), ("坂本", "サカモト"),
    ("福田", "フクダ"), ("太田", "オオタ"), ("西村", "ニシムラ"), ("藤井", "フジイ"),
    ("金子", "カネコ"), ("岡本", "オカモト"), ("藤原", "フジワラ"), ("中野", "ナカノ"),
    ("三浦", "ミウラ"), ("原田", "ハラダ"), ("中川", "ナカガワ"), ("松田", "マツダ"),
    ("竹内", "タケウチ"), ("小野", "オノ"), ("田村", "タムラ"), ("中山", "ナカヤマ"),
    ("和田", "ワダ"), ("石田", "イシダ"), ("森田", "モリタ"), ("上田", "ウエダ"),
    ("内田", "ウチダ"), ("柴田", "シバタ"), ("酒井", "サカイ"), ("宮崎", "ミヤザキ"),
    ("横山", "ヨコヤマ"), ("高木", "タカギ"), ("安藤", "アンドウ"), ("宮本", "ミヤモト"),
    ("大野", "オオノ"), ("小島", "コジマ"), ("谷口", "タニグチ"), ("今井", "イマイ"),
    ("工藤", "クドウ"), ("増田", "マスダ"), ("丸山", "マルヤマ"), ("杉山", "スギヤマ"),
    ("村田", "ムラタ"), ("大塚", "オオツカ"), ("新井", "アライ"), ("平野", "ヒラノ"),
    ("野口", "ノグチ"), ("武田", "タケダ"), ("菅原", "スガワラ"), ("木下", "キノシタ"),
    ("野村", "ノムラ"), ("松尾", "マツオ"), ("渡邉", "ワタナベ"), ("齋藤", "サイトウ"),
    ("髙橋", "タカハシ"), ("山﨑", "ヤマザキ"), ("髙木", "タカギ"),
]

GIVEN_NAMES = [
    ("太郎", "タロウ"), ("花子", "ハナコ"), ("翔太", "ショウタ"), ("大輔", "ダイスケ"),
    ("健一", "ケンイチ"), ("誠", "マコト"), ("直樹", "ナオキ"), ("浩二", "コウジ"),
    ("美咲", "ミサキ"), ("陽子", "ヨウコ"), ("恵子", "ケイコ"), ("由美", "ユミ"),
    ("裕子", "ユウコ"), ("明美", "アケミ"), ("健太", "ケンタ"), ("拓也", "タクヤ"),
    ("大樹", "ダイキ"), ("翼", "ツバサ"), ("さくら", "サクラ"), ("優子", "ユウコ"),
    ("真由美", "マユミ"), ("和子", "カズコ"), ("幸子", "サチコ"), ("隆", "タカシ"),
    ("修", "オサム"), ("博", "ヒロシ"), ("清", "キヨシ"), ("一郎", "イチロウ"),
    ("健二", "ケンジ"), ("洋子", "ヨウコ"), ("久美子", "クミコ"), ("智子", "トモコ"),
    ("亮", "リョウ"), ("涼子", "リョウコ"), ("沙織", "サオリ"), ("結衣", "ユイ"),
    ("陽菜", "ヒナ"), ("蓮", "レン"), ("悠真", "ユウマ"), ("美穂", "ミホ"),
    ("千尋", "チヒロ"), ("直美", "ナオミ"), ("正雄", "マサオ"), ("昭", "アキラ"),
    ("和也", "カズヤ"), ("達也", "タツヤ"), ("雅子", "マサコ"), ("康弘", "ヤスヒロ"),
    ("美由紀", "ミユキ"), ("秀樹", "ヒデキ"),
]

PREFECTURES = [
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
]

# Real municipality spellings used for a share of the addresses.
REAL_MUNIS = {
    "東京都": ["中央区", "千代田区", "新宿区", "世田谷区", "練馬区", "八王子市", "町田市"],
    "大阪府": ["大阪市北区", "大阪市中央区", "堺市堺区", "豊中市", "吹田市"],
    "神奈川県": ["横浜市西区", "横浜市港北区", "川崎市中原区", "相模原市中央区", "藤沢市"],
    "愛知県": ["名古屋市中区", "名古屋市千種区", "豊田市", "岡崎市"],
    "北海道": ["札幌市中央区", "旭川市", "函館市"],
    "福岡県": ["福岡市博多区", "北九州市小倉北区", "久留米市"],
    "京都府": ["京都市中京区", "宇治市"],
    "兵庫県": ["神戸市中央区", "姫路市", "西宮市"],
    "埼玉県": ["さいたま市大宮区", "川口市", "所沢市"],
    "千葉県": ["千葉市中央区", "船橋市", "柏市"],
}

BUILDINGS = ["サンプルハイツ", "メゾン見本", "コーポ例示", "グリーンテラス", "パークサイド",
             "ハイム試験", "レジデンス模擬"]

EMAIL_DOMAINS = ["example.jp", "example.com", "example.co.jp", "example.net", "example.org"]
EMAIL_WORDS = ["taro", "hana", "k.sato", "yamada", "info", "user", "mail", "t.suzuki",
               "customer", "dm", "shop", "member", "m.tanaka", "yuki", "ken"]

# Hyphen look-alikes seen in hand-typed data.
HYPHENS = ["－", "‐", "―", "‑", "ー", "−"]
FULLWIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")

ERAS = [  # (name, letter, first gregorian year, start date)
    ("平成", "H", 1989, (1989, 1, 8)),
    ("昭和", "S", 1926, (1926, 12, 25)),
]


def _is_kanji(s):
    return all("\u4e00" <= c <= "\u9fff" or c in "々" for c in s)


def _is_katakana(s):
    return all("\u30a0" <= c <= "\u30ff" for c in s)


def load_ipadic_names(limit=400):
    """Low-cost (common) person names from IPAdic sources, or ([], [])."""
    path = os.path.join(IPADIC_DIR, "Noun.name.csv")
    fam, giv = [], []
    try:
        with open(path, encoding="euc_jp", errors="strict") as f:
            for line in f:
                p = line.rstrip("\n").split(",")
                if len(p) < 12 or p[6] != "人名" or p[7] not in ("姓", "名"):
                    continue
                surf, yomi, cost = p[0], p[11], int(p[3])
                if not (2 <= len(surf) <= 3 and _is_kanji(surf) and _is_katakana(yomi)):
                    continue
                (fam if p[7] == "姓" else giv).append((cost, surf, yomi))
    except (OSError, UnicodeDecodeError):
        return [], []
    fam.sort()
    giv.sort()
    return [(s, y) for _, s, y in fam[:limit]], [(s, y) for _, s, y in giv[:limit]]


# Given names of the 2000s-2010s (and a few older rare ones) that IPAdic does
# not list; unlisted() drops any the installed dictionary knows.
UNLISTED_GIVEN = ["優見", "基信", "結菜", "陽葵", "蒼空", "湊斗", "凪沙", "碧斗", "芽依", "琉生",
                  "紬希", "心春", "朔也", "柚葉", "颯汰", "結翔", "莉子", "澪央", "陽向", "詩織里"]

_ALL_GIVEN = None


def unlisted_given():
    """UNLISTED_GIVEN minus the given names of IPAdic (all of them)."""
    global _ALL_GIVEN
    if _ALL_GIVEN is None:
        _ALL_GIVEN = set()
        try:
            with open(os.path.join(IPADIC_DIR, "Noun.name.csv"), encoding="euc_jp") as f:
                for line in f:
                    p = line.split(",")
                    if len(p) > 7 and p[6] == "人名" and p[7] == "名":
                        _ALL_GIVEN.add(p[0])
        except (OSError, UnicodeDecodeError):
            pass
    return [g for g in UNLISTED_GIVEN if g not in _ALL_GIVEN]


def load_place_stems(limit=600):
    """Common two/three-kanji place stems from IPAdic, or a built-in list."""
    path = os.path.join(IPADIC_DIR, "Noun.place.csv")
    out = []
    try:
        with open(path, encoding="euc_jp") as f:
            for line in f:
                p = line.split(",")
                if len(p) < 12 or p[6] != "地域" or p[7] != "一般":
                    continue
                s = p[0]
                if 2 <= len(s) <= 3 and _is_kanji(s) and not s.endswith(("市", "区", "町", "村",
                                                                          "県", "都", "府")):
                    out.append((int(p[3]), s))
    except (OSError, UnicodeDecodeError):
        out = []
    out.sort()
    stems = []
    seen = set()
    for _, s in out:
        if s not in seen:
            seen.add(s)
            stems.append(s)
        if len(stems) >= limit:
            break
    return stems or ["青葉", "桜台", "緑丘", "若松", "本町", "栄", "旭", "東雲", "春日", "白鳥"]


def encodable(s, enc):
    if enc is None or enc.startswith("utf"):
        return True
    try:
        s.encode(enc)
        return True
    except UnicodeEncodeError:
        return False


# ---- check digits --------------------------------------------------------

def my_number_check(d11):
    """Check digit of an 11-digit My Number base (string)."""
    s = 0
    for n in range(1, 12):
        p = int(d11[11 - n])
        q = n + 1 if n <= 6 else n - 5
        s += p * q
    r = s % 11
    return 0 if r <= 1 else 11 - r


def my_number_valid(d12):
    return len(d12) == 12 and d12.isdigit() and my_number_check(d12[:11]) == int(d12[11])


def corporate_check(d12):
    """Check digit (leading digit) of a 12-digit corporate-number base."""
    s = 0
    for n in range(1, 13):
        p = int(d12[12 - n])
        s += p * (1 if n % 2 else 2)
    return 9 - s % 9


def corporate_valid(d13):
    return len(d13) == 13 and d13.isdigit() and corporate_check(d13[1:]) == int(d13[0])


def luhn_ok(digits):
    tot = 0
    for i, c in enumerate(reversed(digits)):
        v = int(c)
        if i % 2 == 1:
            v *= 2
            if v > 9:
                v -= 9
        tot += v
    return tot % 10 == 0


def luhn_complete(prefix_and_body):
    """Append the Luhn check digit."""
    for d in "0123456789":
        if luhn_ok(prefix_and_body + d):
            return prefix_and_body + d
    raise AssertionError("unreachable")


def ean13_complete(d12):
    s = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(d12))
    return d12 + str((10 - s % 10) % 10)


# ---- value generators ------------------------------------------------------

class Pii:
    """Draws synthetic values; all methods take/return str."""

    def __init__(self, rng):
        self.r = rng
        ifam, igiv = load_ipadic_names()
        self.fam = SURNAMES
        self.giv = GIVEN_NAMES
        self.ifam, self.igiv = ifam, igiv
        self.stems = load_place_stems()

    def digits(self, n, first_nonzero=False):
        r = self.r
        s = "".join(r.choice("0123456789") for _ in range(n))
        if first_nonzero and s[0] == "0":
            s = r.choice("123456789") + s[1:]
        return s

    # names
    def name(self, enc=None):
        """(kanji family, kanji given, kana family, kana given)."""
        r = self.r
        for _ in range(50):
            fam = r.choice(self.ifam) if self.ifam and r.random() < 0.25 else r.choice(self.fam)
            giv = r.choice(self.igiv) if self.igiv and r.random() < 0.25 else r.choice(self.giv)
            if encodable(fam[0] + giv[0], enc):
                return fam[0], giv[0], fam[1], giv[1]
        return "山田", "太郎", "ヤマダ", "タロウ"

    def name_text(self, enc=None, kana=False, sep=None):
        f, g, kf, kg = self.name(enc)
        if sep is None:
            sep = self.r.choice([" ", "　", ""]) if not kana else self.r.choice([" ", "　"])
        return (kf + sep + kg) if kana else (f + sep + g)

    # addresses
    def postal(self):
        return "%03d-%04d" % (self.r.randint(1, 999), self.r.randint(0, 9999))

    def address(self, enc=None, building=None):
        r = self.r
        pref = r.choice(PREFECTURES)
        if pref in REAL_MUNIS and r.random() < 0.6:
            muni = r.choice(REAL_MUNIS[pref])
        else:
            suf = "区" if pref == "東京都" and r.random() < 0.5 else r.choice(["市", "市", "町"])
            muni = r.choice(self.stems) + suf
        town = r.choice(self.stems) + r.choice(["", "町", ""])
        a, b, c = r.randint(1, 9), r.randint(1, 30), r.randint(1, 40)
        style = r.random()
        if style < 0.5:
            blk = "%d-%d-%d" % (a, b, c)
        elif style < 0.8:
            blk = "%d丁目%d番%d号" % (a, b, c)
        else:
            blk = "%d-%d" % (b, c)
        s = pref + muni + town + blk
        if building is None:
            building = r.random() < 0.3
        if building:
            s += " " + r.choice(BUILDINGS) + "%d%02d" % (r.randint(1, 9), r.randint(1, 12))
        return s if encodable(s, enc) else pref + "中央市本町" + blk

    # phones
    def phone(self):
        """(digits-with-hyphens, kind)."""
        r = self.r
        k = r.random()
        if k < 0.4:
            return "%s-%d%s-%s" % (r.choice(["090", "080", "070"]), r.randint(1, 9),
                                   self.digits(3), self.digits(4)), "mobile"
        if k < 0.6:
            return "%s-%d%s-%s" % (r.choice(["03", "06"]), r.randint(2, 9), self.digits(3),
                                   self.digits(4)), "area2"
        if k < 0.8:
            return "%s-%d%s-%s" % (r.choice(["045", "052", "011", "092", "075", "022"]),
                                   r.randint(2, 9), self.digits(2), self.digits(4)), "area3"
        if k < 0.88:
            return "%s-%d%s-%s" % (r.choice(["0466", "0297", "0995", "0263"]),
                                   r.randint(2, 9), self.digits(1), self.digits(4)), "area4"
        if k < 0.94:
            return "050-%d%s-%s" % (r.randint(1, 9), self.digits(3), self.digits(4)), "ip050"
        if k < 0.965:
            return "0120-%d%s-%s" % (r.randint(1, 9), self.digits(2), self.digits(3)), "free0120"
        if k < 0.98:  # 0800 free dial: 4-3-4, its 080 prefix is no mobile block
            return "0800-%d%s-%s" % (r.randint(1, 9), self.digits(2), self.digits(4)), "free0800"
        if k < 0.99:  # M2M / pager (0200 exists)
            return "020-%s-%s" % (self.digits(4), self.digits(4)), "m2m020"
        return "060-%d%s-%s" % (r.randint(1, 9), self.digits(2), self.digits(4)), "upt060"

    def email(self):
        r = self.r
        local = r.choice(EMAIL_WORDS)
        if r.random() < 0.7:
            local += str(r.randint(1, 9999))
        return local + "@" + r.choice(EMAIL_DOMAINS)

    # birth dates
    def birth_date(self):
        """(text, form)."""
        r = self.r
        y, m, d = r.randint(1935, 2005), r.randint(1, 12), r.randint(1, 28)
        era = None
        for name, letter, y0, start in ERAS:
            if (y, m, d) >= start:
                era = (name, letter, y - y0 + 1)
                break
        f = r.random()
        if f < 0.25 or era is None:
            return "%04d/%02d/%02d" % (y, m, d), "slash"
        if f < 0.35:
            return "%04d-%02d-%02d" % (y, m, d), "iso"
        if f < 0.5:
            return "%d年%d月%d日" % (y, m, d), "kanji"
        if f < 0.8:
            n = "元" if era[2] == 1 else str(era[2])
            return "%s%s年%d月%d日" % (era[0], n, m, d), "wareki"
        return "%s%d.%d.%d" % (era[1], era[2], m, d), "wareki_abbr"

    # numbers with check digits
    def my_number(self, valid=True):
        base = self.digits(11)
        c = my_number_check(base)
        if not valid:
            c = (c + self.r.randint(1, 9)) % 10
        return base + str(c)

    def corporate_number(self, valid=True):
        base = self.digits(12, first_nonzero=False)
        c = corporate_check(base)
        if not valid:
            c = (c - 1 + self.r.randint(1, 8)) % 9 + 1  # another of 1..9
        return str(c) + base

    def bank_account(self):
        return self.digits(7, first_nonzero=True)

    def credit_card(self, valid=True):
        """(digits, issuer)."""
        r = self.r
        k = r.random()
        if k < 0.35:
            body, n, iss = "4", 16, "visa"
        elif k < 0.55:
            body, n, iss = str(r.randint(51, 55)), 16, "mastercard"
        elif k < 0.6:
            body, n, iss = str(r.randint(2221, 2720)), 16, "mastercard2"
        elif k < 0.85:
            body, n, iss = str(r.randint(3528, 3589)), 16, "jcb"
        elif k < 0.95:
            body, n, iss = r.choice(["34", "37"]), 15, "amex"
        else:
            body, n, iss = "36", 14, "diners"
        body += self.digits(n - 1 - len(body))
        full = luhn_complete(body)
        if not valid:
            last = (int(full[-1]) + r.randint(1, 9)) % 10
            full = full[:-1] + str(last)
        return full, iss

    def jan_code(self):
        """A valid EAN-13 that is NOT a valid corporate number."""
        while True:
            c = ean13_complete("49" + self.digits(10))
            if not corporate_valid(c):
                return c

    def serial12(self):
        """12 digits that fail the My Number check."""
        while True:
            s = self.digits(12)
            if not my_number_valid(s):
                return s

    def tracking16(self):
        while True:
            s = self.digits(16, first_nonzero=True)
            if not luhn_ok(s):
                return s


# ---- surface variants ------------------------------------------------------

def group_card(digits, r):
    """Card number grouped as printed (4-4-4-4, Amex 4-6-5, Diners 4-6-4):
    (text, form)."""
    n = len(digits)
    if n == 16:
        parts = [digits[i:i + 4] for i in range(0, 16, 4)]
    elif n == 15:
        parts = [digits[:4], digits[4:10], digits[10:]]
    else:
        parts = [digits[:4], digits[4:10], digits[10:]]
    sep = r.choice([" ", "-", ""])
    return sep.join(parts), {" ": "spaced", "-": "hyphen", "": "plain"}[sep]


def vary_digits(s, r, enc, p_full=0.12, p_hyphen=0.12, p_nohyphen=0.0):
    """Apply full-width / hyphen look-alike / no-hyphen variants.
    Returns (text, form)."""
    x = r.random()
    if x < p_full:
        t = s.translate(FULLWIDTH)
        if encodable(t, enc):
            return t, "fullwidth"
    elif x < p_full + p_hyphen and "-" in s:
        hs = [h for h in HYPHENS if encodable(h, enc)]
        h = r.choice(hs)
        return s.replace("-", h), "hyphen_U+%04X" % ord(h)
    elif x < p_full + p_hyphen + p_nohyphen and "-" in s:
        return s.replace("-", ""), "nohyphen"
    return s, "plain"


def nfkc(s):
    return unicodedata.normalize("NFKC", s)
