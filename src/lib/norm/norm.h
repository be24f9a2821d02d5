/* SPDX-License-Identifier: Apache-2.0 */
/*
 * norm/norm.h -- the one normalisation module of azukari, shared by detect
 * (allow-list comparison), match (fingerprints of entrusted records), link
 * (名寄せ) and intake. Internal API; see docs/internals/NORM.md.
 *
 * Everything takes UTF-8 (invalid bytes are treated as U+FFFD) and appends
 * UTF-8 to an azk_buf (the buffer is cleared first: out holds exactly the
 * result). Functions are thread-safe and keep no state between calls.
 *
 * The same value written in any of the ways a Japanese client, a log line or
 * an Excel sheet writes it must give the same bytes:
 *   - NFKC (ICU unorm2): full-width ASCII and half-width katakana, circled
 *     and compatibility characters;
 *   - kana folding: hiragana → katakana, small kana → large, ヴ → バ行,
 *     long-vowel marks, optionally voiced marks;
 *   - spaces: removed or collapsed;
 *   - variant kanji: 髙→高, 﨑→崎, 齋/齊→斎 ... from a table generated at
 *     build time from Unihan (tools/gen_kanji_variants.py);
 *   - case (NFKC_Casefold).
 * Digits/hyphens (digits.h) and dates (datetime.h) belong to their own files
 * in this module; azk_norm_phone / azk_norm_date here are thin wrappers.
 */
#ifndef AZK_NORM_H
#define AZK_NORM_H

#include "util/util.h"

/* Flags of azk_norm_text(). */
enum {
    AZK_NORM_NFKC = 1u << 0,     /* Unicode NFKC (width, compatibility forms) */
    AZK_NORM_KATAKANA = 1u << 1, /* hiragana → katakana (ゝゞ → ヽヾ) */
    AZK_NORM_SMALL_KANA = 1u << 2, /* ァィゥェォッャュョヮヵヶ → アイウエオツヤユヨワカケ */
    AZK_NORM_VU = 1u << 3, /* ヴァ/ヴィ/ヴ/ヴェ/ヴォ → バ/ビ/ブ/ベ/ボ */
    AZK_NORM_LONG_VOWEL = 1u << 4, /* drop ー (and ‐−～ after kana); オウ/オオ → オ, ウウ → ウ */
    AZK_NORM_VOICED = 1u << 5,        /* drop voicing: ガ → カ, パ → ハ (fuzzy readings) */
    AZK_NORM_SPACES_REMOVE = 1u << 6, /* remove all white space */
    AZK_NORM_SPACES_COLLAPSE = 1u << 7, /* trim, runs of white space → one U+0020 */
    AZK_NORM_VARIANT_KANJI = 1u << 8,   /* variant-kanji folding (names) */
    AZK_NORM_CASE = 1u << 9,            /* case folding (NFKC_Casefold when with NFKC) */
    AZK_NORM_MIDDLE_DOT = 1u << 10,     /* drop ・ ･ (separators in kana names) */
};

/* Kana reading of a name: what azk_norm_kana_reading() applies. */
#define AZK_NORM_READING                                                                           \
    (AZK_NORM_NFKC | AZK_NORM_KATAKANA | AZK_NORM_SMALL_KANA | AZK_NORM_VU | AZK_NORM_LONG_VOWEL | \
     AZK_NORM_SPACES_REMOVE | AZK_NORM_MIDDLE_DOT | AZK_NORM_CASE)
/* A person name (kanji, kana or romaji): what azk_norm_name() applies. */
#define AZK_NORM_NAME (AZK_NORM_READING | AZK_NORM_VARIANT_KANJI)

/*
 * Normalise text with the given flags into out (cleared first).
 * @return AZK_OK, AZK_ERR_NOMEM, AZK_ERR_LIMIT (out->max), AZK_ERR_FORMAT
 *         (ICU failure).
 */
AZK_NODISCARD azk_status azk_norm_text(azk_buf *out, const char *in, size_t len, unsigned flags);

/*
 * Character classes of Japanese text, one definition for every module
 * (inline: the address and name walks ask them for every character).
 * Kanji: CJK unified ideographs (U+4E00..9FFF, extension A U+3400..4DBF,
 * extensions B.. in U+20000..3FFFF), compatibility ideographs
 * (U+F900..FAFF) and the iteration mark 々 (U+3005). Katakana: the letters
 * ァ..ヺ (U+30A1..30FA), without the prolonged sound mark ー. Hiragana: the
 * letters ぁ..ゖ (U+3041..3096). Callers add the few characters their own
 * rule needs (a name's ヶ or ー, a town's の) by name at the call.
 */
static inline bool azk_norm__is_kanji(uint32_t cp)
{
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3FFFF) || cp == 0x3005;
}

static inline bool azk_norm__is_katakana(uint32_t cp)
{
    return cp >= 0x30A1 && cp <= 0x30FA;
}

static inline bool azk_norm__is_hiragana(uint32_t cp)
{
    return cp >= 0x3041 && cp <= 0x3096;
}

/* Fold one code point through the variant-kanji table (returns cp if none). */
uint32_t azk_norm_kanji_variant(uint32_t cp);
/* That table: *count pairs {from, to}, sorted by from, each from once. */
const uint32_t (*azk_norm_kanji_variant_table(size_t *count))[2];

/*
 * A person's name: AZK_NORM_NAME, and a trailing honorific (様, 殿, さん,
 * 君, 御中) is dropped. "髙橋　眞一 様" and "高橋真一" give the same bytes.
 */
AZK_NODISCARD azk_status azk_norm_name(azk_buf *out, const char *in, size_t len);

/* A kana reading ("ヤマダ　タロウ", "やまだたろう", "ﾔﾏﾀﾞ ﾀﾛｰ"): AZK_NORM_READING. */
AZK_NODISCARD azk_status azk_norm_kana_reading(azk_buf *out, const char *in, size_t len);

/* An e-mail address: NFKC, case-folded, white space removed. AZK_ERR_FORMAT without '@'. */
AZK_NODISCARD azk_status azk_norm_email(azk_buf *out, const char *in, size_t len);

/*
 * A customer or account number: NFKC, hyphens/spaces removed, case-folded,
 * leading zeros of an all-digit value kept (they are significant).
 */
AZK_NODISCARD azk_status azk_norm_id(azk_buf *out, const char *in, size_t len);

/* Postal code: the 7 digits ("〒123-4567", "１２３４５６７"); AZK_ERR_FORMAT otherwise. */
AZK_NODISCARD azk_status azk_norm_postal(azk_buf *out, const char *in, size_t len);

/*
 * Phone number: its digits via azk_digits__phone() (+81 → 0, hyphens,
 * spaces, parentheses, full width). AZK_ERR_FORMAT unless 10 or 11 digits
 * starting with 0.
 */
AZK_NODISCARD azk_status azk_norm_phone(azk_buf *out, const char *in, size_t len);

/*
 * A date (birth date) in any form datetime.h parses (1980年3月2日,
 * S55.3.2, 昭和55年3月2日, 1980/03/02, 19800302) → "YYYY-MM-DD".
 * Surrounding white space is ignored; anything else is AZK_ERR_FORMAT.
 */
AZK_NODISCARD azk_status azk_norm_date(azk_buf *out, const char *in, size_t len);

/* ---- addresses ------------------------------------------------------------ */

/* Flags of azk_norm_address(). */
enum {
    AZK_NORM_ADDR_KEEP_BUILDING = 1u << 0, /* keep the building part in `rest` */
};

/*
 * Components of a normalised Japanese address. Every part is NFKC,
 * variant-kanji folded, without spaces; ヶ/ケ/が/ガ/ヵ between kanji are one
 * form (ケ). `rest` has the block numbers in canonical form N-N-N
 * (1丁目2番3号 == 一丁目2-3 == １－２－３ == 1-2-3 == 1の2の3).
 */
typedef struct {
    azk_buf prefecture;   /* 東京都 ... or empty when not written */
    azk_buf municipality; /* 千代田区, 横浜市中区, 北足立郡伊奈町 ... or empty */
    azk_buf rest;         /* 大手町1-2-3 (building stripped unless KEEP_BUILDING) */
    azk_buf building;     /* what followed the block numbers (サンハイツ101), or empty */
} azk_address;

void azk_address_init(azk_address *a);
void azk_address_dispose(azk_address *a);

AZK_NODISCARD azk_status azk_norm_address(azk_address *out, const char *in, size_t len,
                                          unsigned flags);

/*
 * One key for an address, independent of whether the prefecture was
 * written and of the building: municipality + rest (into out, cleared).
 */
AZK_NODISCARD azk_status azk_norm_address_key(azk_buf *out, const char *in, size_t len);

/*
 * Convert a run of kanji numerals (〇一二三四五六七八九十百千, 壱弐参拾 too)
 * to its value. Returns false when s[0..n) is not only kanji numerals or
 * overflows.
 */
bool azk_norm__kanji_number(const char *s, size_t n, uint64_t *out);

#endif
