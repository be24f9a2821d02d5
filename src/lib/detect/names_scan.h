/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/names_scan.h -- what the files of the person-name detector share
 * (internal to src/lib/detect/, contract for others: names.h): confidence
 * levels, limits, the engine and per-thread context with its MeCab tokens,
 * the state of one scan, and the helpers one file calls in another's
 * (names.c: character classes, lexicon, reporting, MeCab, public entry
 * points; names_text.c: free-text candidates; names_field.c: the free-text
 * scan and name columns).
 */
#ifndef AZK_DETECT_NAMES_SCAN_H
#define AZK_DETECT_NAMES_SCAN_H

#include "detect/names.h"
#include "detect/names_lex.h"

#include <mecab.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define AZK_NAMES_DEFAULT_DICDIR "/var/lib/mecab/dic/ipadic-utf8"

/* confidence ladder: column > honorific/label > confirmed pair > weaker */
#define CONF_COLUMN         0.95
#define CONF_COLUMN_UNKNOWN 0.85
#define CONF_FULL_HONOR     0.93
#define CONF_FULL_HONOR_OOV 0.88 /* known surname, unlisted given name */
#define CONF_LABEL          0.90
#define CONF_FAMILY_HONOR   0.85
#define CONF_KANA_HONOR     0.85
#define CONF_FULL_PAIR      0.80
#define CONF_KANA_PAIR      0.75
#define CONF_LABEL_UNKNOWN  0.70
#define CONF_GIVEN_HONOR    0.70
#define CONF_KANA_FAMILY    0.70
#define CONF_KANA_ORG       0.45 /* below the default reporting threshold */

#define MAX_TOKS       128
#define WIN_BEFORE     6  /* code points of context before a candidate */
#define WIN_AFTER      20 /* code points after it */
#define MAX_NAME_CHARS 10
#define MAX_KANA_CHARS 20
#define MAX_LEX_CHARS  24  /* longest lexicon entry looked up, in code points */
#define MEMO_BITS      13  /* 8,192 fields remembered as holding no name, 2 ways a set */
#define MEMO_MAX_LEN   96  /* longest word of free text remembered, bytes */
#define FIELD_MAX_LEN  256 /* longest field remembered, bytes */
#define MEMO_KEY_LEN   256 /* longest text the memo hash takes: a field, a MeCab window (<= 104) */
#define MEMO_WORDS     (MEMO_KEY_LEN / 4) /* 32-bit key words per hash */
#define PARSE_BITS     13 /* 8,192 MeCab windows remembered with their tokens, 2 ways a set */
#define PARSE_TOKS     26 /* tokens kept per window (one per code point at most) */
#define WORD_BITS      14 /* 16,384 free-text words remembered as holding no mention */
#define HIT_BITS       10 /* 1,024 fields remembered with their mentions */
#define HIT_MAX        4  /* mentions kept per remembered field */

enum tok_class {
    TK_OTHER = 0,    /* not a noun: particle, verb, ... */
    TK_NOUN,         /* common noun (一般, 固有名詞, 接尾,一般) */
    TK_NOUN_FUNC,    /* サ変接続, 形容動詞語幹, 副詞可能, 代名詞, 非自立 */
    TK_NUM,          /* 名詞,数: in a kanji run, a numeral kanji (八代, 一ノ瀬) */
    TK_UNKNOWN,      /* MeCab unknown word */
    TK_FAMILY,       /* 名詞,固有名詞,人名,姓 */
    TK_GIVEN,        /* 名詞,固有名詞,人名,名 */
    TK_PERSON,       /* 名詞,固有名詞,人名,一般 */
    TK_HONOR,        /* 名詞,接尾,人名 (様, さん, 氏 ...) */
    TK_ORG,          /* 名詞,固有名詞,組織 */
    TK_PLACE,        /* 名詞,固有名詞,地域 */
    TK_PLACE_SUFFIX, /* 名詞,接尾,地域 (区, 市, 駅 ...) */
    TK_PREFIX,       /* 接頭詞 (大翔 reads as 大 + 翔) */
    TK_SPACE,        /* 記号,空白 */
    TK_SYMBOL        /* other 記号 */
};

struct tok {
    size_t start, end; /* byte offsets in the scanned text */
    enum tok_class cls;
};

struct azk_names {
    struct azk_names_lex lex;
    mecab_model_t *model;
    /*
     * The dictionary is IPAdic 2.7.0 (azk_names__new checks its figures):
     * MeCab's tokens of a window do not depend on which ASCII digits it
     * holds, except right after 第 (names.c, azk_names__parse_key), so the
     * MeCab memo keys windows with those digits read as '0'.
     */
    bool digit_blind;
    bool avx2; /* the CPU has AVX2: fields of 17..FIELD_MAX_LEN bytes keyed 32 bytes at a time */
};

struct azk_names_ctx {
    const azk_names *n;
    mecab_t *tagger;
    mecab_lattice_t *lattice;
    /* last MeCab parse: tokens of text[win_start, win_end) */
    const uint8_t *win_text;
    size_t win_start, win_end;
    bool win_hard_start, win_hard_end; /* window edge is a line/text edge */
    uint8_t window[(WIN_BEFORE + WIN_AFTER) * 4];
    struct tok toks[MAX_TOKS];
    size_t ntok;
    /* half-width katakana folding */
    azk_buf norm;
    size_t *map;
    size_t map_cap;
    unsigned long mecab_calls;
    /*
     * Fields of at most FIELD_MAX_LEN bytes already scanned without a
     * mention (CSV cells and log lines repeat: 圧着ハガキ, 処理完了 around
     * changing times and ids): two NH hashes (UMAC's, over the key bytes
     * zero-padded to 16, in pairs of 32-bit words) plus a keyed term of the
     * column kind and the length, with random keys per context (libsodium),
     * two ways a set. The key bytes are the field with its ASCII digits read
     * as '0' where MeCab cannot tell them apart (azk_names__memo_hash_blind).
     * For two different keys of one length each hash collides with
     * probability at most 2^-32 over the keys (NH is 2^-32-almost-universal),
     * both at most 2^-64, and nobody who does not know the keys can craft a
     * cell that collides with a remembered one. The scan is a pure function
     * of (key bytes, column), so a repeat cannot find anything either. Only
     * the hashes are kept.
     */
    uint32_t memo_ka[MEMO_WORDS]; /* NH keys of the two hashes (azk_names__memo_hash) */
    uint32_t memo_kb[MEMO_WORDS];
    uint64_t memo_kx[2];     /* keys of the (length, column) term */
    struct word_slot *words; /* same, for words of free text (azk_names__scan_free) */
    /*
     * MeCab parses by window (azk_names__parse_around): the same two
     * hashes of the window's bytes as MeCab gets them, and the tokens it
     * returned (offsets in the window, class). MeCab is deterministic, so a
     * window seen before gets the tokens it got then; log lines repeat
     * their sentences. Only hashes and token bounds are kept, no text.
     */
    struct parse_slot {
        uint64_t a, b;
        uint8_t len; /* window bytes, 0 = empty */
        uint8_t ntok;
        uint8_t tok[PARSE_TOKS][3]; /* start, end, enum tok_class */
    } * parses;
    struct memo_slot {
        uint64_t a, b;
        uint32_t len; /* 0 = empty */
        uint32_t col;
    } * memo;
    /*
     * Fields of at most FIELD_MAX_LEN bytes that held 1..HIT_MAX mentions,
     * by the same key (log lines repeat around a name with other times
     * and ids): the scan is a pure function of (key bytes, column), so a
     * field with the key of a remembered one gets the same mentions, which
     * are reported again from here (offsets, confidence; no text).
     */
    struct hit_slot {
        uint64_t a, b;
        uint32_t len; /* 0 = empty */
        uint16_t col;
        uint16_t n; /* mentions, 1..HIT_MAX */
        struct hit_rec {
            uint16_t start, len, family_len;
            bool kana;
            double confidence;
        } hit[HIT_MAX];
    } * hit_memo;
    struct hit_rec hit_rec[HIT_MAX]; /* the scan's first mentions (azk_names__emit) */
};

/*
 * A remembered word of free text, 16 bytes (four to a cache line; the slot
 * load is what the walk waits for): tag is the first hash with its top
 * WORD_BITS bits, which are the slot index, replaced by the key length
 * (1..MEMO_MAX_LEN; 0 = empty), b the second hash. A slot matches exactly
 * when the first hash, the length and the second hash do, as memo_slot's
 * test (the column of a word is always 0).
 */
struct word_slot {
    uint64_t tag, b;
};

/* one scan call */
struct scan {
    azk_names_ctx *ctx;
    const azk_names *n;
    const uint8_t *t;
    size_t len;
    const size_t *map; /* NULL, or t offsets -> caller offsets */
    double factor;     /* column adjustments */
    double boost;
    azk_name_cb cb;
    void *payload;
    unsigned long hits; /* mentions reported (the first HIT_MAX: ctx->hit_rec) */
    size_t hit_end;     /* end of the last mention reported (t offsets) */
    bool parsed;        /* azk_names__parse_around was asked for (a cue was seen) */
    /*
     * Free text whose folding (names_lex.h) is not decided yet: t is the
     * caller's text, and what the scan has passed so far (ASCII, words
     * found in the word memo) holds no code point that folds.
     * azk_names__scan_free decides at the first position it has to look at.
     */
    bool fold_open;
};

struct memo_key {
    uint64_t a, b;
};

bool azk_names__is_kanji(uint32_t c);
bool azk_names__is_kata(uint32_t c);
bool azk_names__is_hira(uint32_t c);
bool azk_names__is_space(uint32_t c);
/* The code point at i and its length in *clen (0 past the end; U+FFFD and 1
 * for an invalid sequence); inline: the walks call it per code point. */
static inline uint32_t azk_names__cp_at(const struct scan *s, size_t i, size_t *clen)
{
    uint32_t cp = 0;
    size_t l = 0;
    if (i < s->len) {
        const uint8_t *p = s->t + i;
        if (p[0] < 0x80) {
            cp = p[0];
            l = 1;
        } else if ((p[0] & 0xF0) == 0xE0 && s->len - i >= 3 && (p[1] & 0xC0) == 0x80 &&
                   (p[2] & 0xC0) == 0x80) {
            /* CJK: the common case inline, same checks as azk_utf8_decode */
            cp = ((uint32_t)(p[0] & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) |
                 (uint32_t)(p[2] & 0x3F);
            l = 3;
            if (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF)) {
                cp = 0xFFFD;
                l = 1;
            }
        } else {
            l = azk_utf8_decode(p, s->len - i, &cp);
        }
    }
    if (clen != NULL)
        *clen = l;
    return cp;
}
uint32_t azk_names__cp_before(const struct scan *s, size_t i);
size_t azk_names__skip_one_space(const struct scan *s, size_t i);
bool azk_names__bytes_eq(const struct scan *s, size_t i, const char *lit, size_t *end);
bool azk_names__honorific_at(const struct scan *s, size_t i, size_t *end);
size_t azk_names__count_chars(const uint8_t *p, size_t len);
const struct azk_names_lex_entry *azk_names__lex_lookup(const azk_names *n, const uint8_t *p,
                                                        size_t len);
size_t azk_names__lex_prefixes(const struct scan *s, size_t i, bool kana, unsigned want,
                               size_t *ends, size_t max_out);
void azk_names__lex_prefixes2(const struct scan *s, size_t i, size_t *fam, size_t *nf, size_t *giv,
                              size_t *ng, size_t max_out);
size_t azk_names__lex_split(const azk_names *n, const uint8_t *p, size_t len, bool kana,
                            bool *both);
azk_status azk_names__emit(struct scan *s, size_t start, size_t end, size_t family_end, double conf,
                           bool kana);
void azk_names__parse_around(struct scan *s, size_t p);
long azk_names__tok_at(const azk_names_ctx *ctx, size_t p);
bool azk_names__tok_personal(enum tok_class c);
bool azk_names__tok_contradicts(enum tok_class c);
long azk_names__span_tokens(const azk_names_ctx *ctx, long k, size_t end, bool *personal,
                            bool *family_first, bool *all_unknown);
bool azk_names__tok_honorific(const azk_names_ctx *ctx, long k, size_t at, size_t hend);

#if FIELD_MAX_LEN > UINT16_MAX
#error "struct hit_rec keeps offsets in a field as 16 bits"
#endif
#if MEMO_KEY_LEN % 16 != 0 || MEMO_MAX_LEN > MEMO_KEY_LEN || MEMO_MAX_LEN >= (1 << WORD_BITS) ||   \
    FIELD_MAX_LEN > MEMO_KEY_LEN || (WIN_BEFORE + WIN_AFTER) * 4 > MEMO_KEY_LEN ||                 \
    (WIN_BEFORE + WIN_AFTER) > PARSE_TOKS
#error "the memo hash reads 16-byte blocks of keys and takes cells, words and MeCab windows"
#endif

/* NH of one 16-byte block: (w0 + k0)(w1 + k1) + (w2 + k2)(w3 + k3), 32-bit sums, 64-bit products.
 */
static inline uint64_t azk_names__nh_block(const uint8_t *m, const uint32_t *k)
{
    uint64_t h = 0;
    for (int j = 0; j < 4; j += 2) {
        uint32_t w0, w1;
        memcpy(&w0, m + 4 * j, 4);
        memcpy(&w1, m + 4 * j + 4, 4);
        h += (uint64_t)(uint32_t)(w0 + k[j]) * (uint32_t)(w1 + k[j + 1]);
    }
    return h;
}

/*
 * The memos index their slots by the top bits of the first hash; NH's top
 * bits are skewed (products of two 32-bit numbers), so that hash goes
 * through a bijection first, a multiplication by an odd constant (2^64 /
 * the golden ratio: the top bits of the product depend on every bit of
 * x): it spreads the bits and leaves the collision probability as it was.
 */
static inline uint64_t azk_names__memo_mix(uint64_t x)
{
    return x * 0x9E3779B97F4A7C15ull;
}

/*
 * Keyed hashes of a short field, word or MeCab window (len <= MEMO_KEY_LEN) and its
 * column kind: NH over 16-byte blocks (the last one zero-padded), two
 * blocks' worth of multiplies per SSE2 instruction. The scalar loop gives
 * the same value (azk_names__memo_hash_ref, compared in the unit tests).
 */
static inline struct memo_key azk_names__memo_hash_ref(const azk_names_ctx *ctx, const uint8_t *t,
                                                       size_t len, uint32_t col)
{
    uint64_t x = ((uint64_t)len << 8) | col;
    struct memo_key k = {ctx->memo_kx[0] * x, ctx->memo_kx[1] * x};
    size_t i = 0;
    for (; i + 16 <= len; i += 16) {
        k.a += azk_names__nh_block(t + i, ctx->memo_ka + i / 4);
        k.b += azk_names__nh_block(t + i, ctx->memo_kb + i / 4);
    }
    if (i < len) {
        uint8_t tail[16] = {0};
        memcpy(tail, t + i, len - i);
        k.a += azk_names__nh_block(tail, ctx->memo_ka + i / 4);
        k.b += azk_names__nh_block(tail, ctx->memo_kb + i / 4);
    }
    k.a = azk_names__memo_mix(k.a);
    return k;
}

/*
 * Whether MeCab could read the ASCII digit t[d] as anything but a digit of
 * its own class (NUMERIC in IPAdic's char.def): inside a longer character
 * -- MeCab (ucs.h, utf8_to_ucs2) takes a byte 0xC0..0xDF with the next
 * byte as one character, 0xE0..0xEF with the next two, 0xF0.. with the
 * next three to five, without looking at them -- or right after 第 (the
 * entries 第1期線, 第2期線). In valid UTF-8 only the second can happen.
 * Such a digit is part of a digit-blind key as it is.
 */
static inline bool azk_names__digit_kept(const uint8_t *t, size_t d)
{
    /* a lead byte k + 1 bytes before d whose sequence reaches d */
    static const uint8_t reach[5] = {0xC0, 0xE0, 0xF0, 0xF8, 0xFC};
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (d >= 8) {
        /*
         * t[d - 8 .. d - 1] as one word, t[d - 1] its top byte: byte b of
         * the five top ones reaches d when b + (0x40 >> k) carries out
         * (k + 1 bytes before d), i.e. its top bit is set and so is the top
         * bit of its low seven bits plus that (which never carry).
         */
        uint64_t w;
        memcpy(&w, t + d - 8, 8);
        return ((w & ((w & 0x7F7F7F7F7F7F7F7Full) + 0x4020100804000000ull) &
                 0x8080808080000000ull) != 0) |
               ((w >> 40) == 0xACACE7u); /* 第 = E7 AC AC */
    }
#endif
    if (d >= 5) {
        return (t[d - 1] >= 0xC0) | (t[d - 2] >= 0xE0) | (t[d - 3] >= 0xF0) | (t[d - 4] >= 0xF8) |
               (t[d - 5] >= 0xFC) | (t[d - 3] == 0xE7 && t[d - 2] == 0xAC && t[d - 1] == 0xAC);
    }
    for (size_t k = 0; k < d; k++) {
        if (t[d - 1 - k] >= reach[k])
            return true;
    }
    return d >= 3 && t[d - 3] == 0xE7 && t[d - 2] == 0xAC && t[d - 1] == 0xAC;
}

/*
 * The digit-blind key bytes of t[0..len) (with IPAdic 2.7.0,
 * n->digit_blind): every ASCII digit reads '0' unless azk_names__digit_kept.
 * MeCab's tokens of two texts with one key are the same (names.c,
 * parse_key's argument), and the names scan reads ASCII digits only as
 * digits (never which one), so the scan finds the same in both.
 */
static inline void azk_names__blind_copy(const uint8_t *t, size_t len, uint8_t *out)
{
    for (size_t k = 0; k < len; k++)
        out[k] = t[k] >= '0' && t[k] <= '9' && !azk_names__digit_kept(t, k) ? '0' : t[k];
}

/* The memo hash of azk_names__blind_copy(t) through a copy (names.c). */
struct memo_key azk_names__memo_hash_kept(const azk_names_ctx *ctx, const uint8_t *t, size_t len,
                                          uint32_t col);

#if defined(__SSE2__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/*
 * The last 1..15 bytes of a word, zero-padded to 16, as a vector of two
 * little-endian 64-bit halves, from loads inside p[0..r) (no call to
 * memcpy for a variable length: overlapping fixed-size loads, the excess
 * shifted out).
 */
static inline __m128i azk_names__memo_tail(const uint8_t *p, size_t r)
{
    uint64_t a, b, lo, hi = 0;
    uint32_t c, d;
    if (r >= 8) {
        memcpy(&a, p, 8);
        memcpy(&b, p + r - 8, 8);
        lo = a;
        hi = b >> (8 * (15 - r)) >> 8; /* the top r - 8 bytes; none when r == 8 */
    } else if (r >= 4) {
        memcpy(&c, p, 4);
        memcpy(&d, p + r - 4, 4);
        lo = c | ((uint64_t)d >> (8 * (8 - r))) << 32;
    } else {
        lo = (uint64_t)p[0] | (uint64_t)p[r / 2] << (8 * (r / 2)) |
             (uint64_t)p[r - 1] << (8 * (r - 1));
    }
#if defined(__x86_64__)
    return _mm_unpacklo_epi64(_mm_cvtsi64_si128((long long)lo), _mm_cvtsi64_si128((long long)hi));
#else
    return _mm_set_epi64x((long long)hi, (long long)lo);
#endif
}

/*
 * v with the bytes of the bits of keep (16 bits) cleared (a kept digit is
 * not read as '0'): each half of the bits spread over a half of the vector,
 * byte j tested against bit j % 8.
 */
static inline __m128i azk_names__unmask(__m128i v, unsigned keep)
{
    const __m128i bit = _mm_set_epi8((char)0x80, 0x40, 0x20, 0x10, 8, 4, 2, 1, (char)0x80, 0x40,
                                     0x20, 0x10, 8, 4, 2, 1);
    __m128i k = _mm_set_epi64x((long long)((keep >> 8 & 0xFFu) * 0x0101010101010101ull),
                               (long long)((keep & 0xFFu) * 0x0101010101010101ull));
    return _mm_andnot_si128(_mm_cmpeq_epi8(_mm_and_si128(k, bit), bit), v);
}

/*
 * The digits azk_names__digit_kept may keep, from the classes of the bytes
 * of a block (hm: its bytes >= 0x80; b6, b5, b4: bits 6, 5 and 4 of its
 * bytes; ac: its bytes 0xAC): bit d is set when byte d - 1 is >= 0xC0 or
 * 0xAC (the last byte of 第 = E7 AC AC), byte d - 2 >= 0xE0, or one of
 * bytes d - 3 .. d - 5 >= 0xF0 -- digit_kept's reach of a lead byte
 * (>= 0xF8 and >= 0xFC for four and five bytes) and 第, loosened. Every
 * digit digit_kept keeps has its bit set; in valid UTF-8 only the digits
 * after 第 or after a character ending in 0xAC (1 in 64) do, so the exact
 * test (azk_names__kept_of) runs on few. Bits past the block (up to five)
 * are the next block's first bytes.
 */
static inline uint64_t azk_names__reach(uint32_t hm, uint32_t b6, uint32_t b5, uint32_t b4,
                                        uint32_t ac)
{
    uint64_t c0 = hm & b6, e0 = c0 & b5, f0 = e0 & b4;
    return (c0 | ac) << 1 | e0 << 2 | (f0 | f0 << 1 | f0 << 2) << 3;
}

/* The digits of the block at t + i that azk_names__digit_kept keeps, of cand (bits of the block).
 */
static inline uint32_t azk_names__kept_of(const uint8_t *t, size_t i, uint32_t cand)
{
    uint32_t keep = 0;
    while (cand != 0) {
        unsigned j = (unsigned)__builtin_ctz(cand);
        cand &= cand - 1;
        if (azk_names__digit_kept(t, i + j))
            keep |= 1u << j;
    }
    return keep;
}

/* azk_names__kept_of out of line (rare: the keys' loops need no room for it). */
static __attribute__((noinline, unused)) uint32_t azk_names__kept_of_far(const uint8_t *t, size_t i,
                                                                         uint32_t cand)
{
    return azk_names__kept_of(t, i, cand);
}

/* azk_names__reach of a block of 16 bytes (hm: its bytes >= 0x80). */
static inline uint64_t azk_names__reach16(__m128i m, unsigned hm)
{
    return azk_names__reach(
        hm, (uint32_t)_mm_movemask_epi8(_mm_slli_epi16(m, 1)),
        (uint32_t)_mm_movemask_epi8(_mm_slli_epi16(m, 2)),
        (uint32_t)_mm_movemask_epi8(_mm_slli_epi16(m, 3)),
        (uint32_t)_mm_movemask_epi8(_mm_cmpeq_epi8(m, _mm_set1_epi8((char)0xAC))));
}

/*
 * blind: the hash of azk_names__blind_copy(t) -- digits read as '0' in the
 * loads, 16 at a time; the digits azk_names__reach marks (with the bits
 * the block before passed on) are checked with azk_names__digit_kept and
 * the kept ones stay as they are.
 */
static inline struct memo_key azk_names__memo_hash_k(const azk_names_ctx *ctx, const uint8_t *t,
                                                     size_t len, uint32_t col, bool blind,
                                                     bool *wide)
{
    unsigned any_high = 0;
    uint64_t x = ((uint64_t)len << 8) | col;
    struct memo_key k = {ctx->memo_kx[0] * x, ctx->memo_kx[1] * x};
    __m128i ha = _mm_setzero_si128();
    __m128i hb = _mm_setzero_si128();
    const __m128i low4 = _mm_set1_epi8(0x0F);
    uint64_t carry = 0; /* azk_names__reach's bits past the block before */
    size_t i = 0;
    for (;; i += 16) {
        __m128i m, ta, tb;
        if (i + 16 <= len)
            m = _mm_loadu_si128((const __m128i *)(const void *)(t + i));
        else if (i < len)
            m = azk_names__memo_tail(t + i, len - i);
        else
            break;
        if (wide != NULL)
            any_high |= (unsigned)_mm_movemask_epi8(m);
        if (blind) {
            /* '0'..'9': the bytes that m + 0x46 takes above 0x75 as signed */
            __m128i dig = _mm_cmpgt_epi8(_mm_add_epi8(m, _mm_set1_epi8(0x46)), _mm_set1_epi8(0x75));
            unsigned dm = (unsigned)_mm_movemask_epi8(dig);
            unsigned hm = (unsigned)_mm_movemask_epi8(m);
            uint64_t reach = hm != 0 ? azk_names__reach16(m, hm) : 0;
            uint32_t cand = dm & ((uint32_t)reach | (uint32_t)carry);
            carry = reach >> 16;
            if (cand != 0) {
                unsigned keep = azk_names__kept_of(t, i, cand);
                if (keep != 0)
                    dig = azk_names__unmask(dig, keep);
            }
            m = _mm_andnot_si128(_mm_and_si128(dig, low4), m); /* '0'..'9' -> '0' */
        }
        ta = _mm_add_epi32(m,
                           _mm_loadu_si128((const __m128i *)(const void *)(ctx->memo_ka + i / 4)));
        tb = _mm_add_epi32(m,
                           _mm_loadu_si128((const __m128i *)(const void *)(ctx->memo_kb + i / 4)));
        ha = _mm_add_epi64(ha, _mm_mul_epu32(ta, _mm_srli_epi64(ta, 32)));
        hb = _mm_add_epi64(hb, _mm_mul_epu32(tb, _mm_srli_epi64(tb, 32)));
    }
#if defined(__x86_64__)
    /* the two halves' sums in registers (no array on the stack) */
    ha = _mm_add_epi64(ha, _mm_unpackhi_epi64(ha, ha));
    hb = _mm_add_epi64(hb, _mm_unpackhi_epi64(hb, hb));
    k.a = azk_names__memo_mix(k.a + (uint64_t)_mm_cvtsi128_si64(ha));
    k.b += (uint64_t)_mm_cvtsi128_si64(hb);
#else
    {
        uint64_t la[2], lb[2];
        _mm_storeu_si128((__m128i *)(void *)la, ha);
        _mm_storeu_si128((__m128i *)(void *)lb, hb);
        k.a = azk_names__memo_mix(k.a + la[0] + la[1]);
        k.b += lb[0] + lb[1];
    }
#endif
    if (wide != NULL)
        *wide = any_high != 0;
    return k;
}

static inline struct memo_key azk_names__memo_hash(const azk_names_ctx *ctx, const uint8_t *t,
                                                   size_t len, uint32_t col)
{
    return azk_names__memo_hash_k(ctx, t, len, col, false, NULL);
}

/*
 * The field key of a field of 1..16 bytes (one block: most CSV cells) as
 * azk_names__field_key makes it, without its loop and set-up: whether t
 * holds a byte >= 0x80 (no key is made when not) and the key in *k.
 * Compared with the byte-by-byte reference in test_names_memo__short_key.
 */
static inline bool azk_names__field_key_short(const azk_names_ctx *ctx, const uint8_t *t,
                                              size_t len, uint32_t col, struct memo_key *k)
{
    uint64_t x = ((uint64_t)len << 8) | col;
    __m128i m = len == 16 ? _mm_loadu_si128((const __m128i *)(const void *)t)
                          : azk_names__memo_tail(t, len);
    __m128i ta, tb, ha, hb;
    unsigned hm = (unsigned)_mm_movemask_epi8(m);
    if (hm == 0)
        return false;
    if (ctx->n->digit_blind) {
        __m128i dig = _mm_cmpgt_epi8(_mm_add_epi8(m, _mm_set1_epi8(0x46)), _mm_set1_epi8(0x75));
        unsigned dm = (unsigned)_mm_movemask_epi8(dig);
        if (dm != 0) {
            /* as azk_names__memo_hash_k's first block */
            uint32_t cand = dm & (uint32_t)azk_names__reach16(m, hm);
            if (cand != 0) {
                unsigned keep = azk_names__kept_of_far(t, 0, cand);
                if (keep != 0)
                    dig = azk_names__unmask(dig, keep);
            }
            m = _mm_andnot_si128(_mm_and_si128(dig, _mm_set1_epi8(0x0F)), m); /* '0'..'9' -> '0' */
        }
    }
    ta = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)(const void *)ctx->memo_ka));
    tb = _mm_add_epi32(m, _mm_loadu_si128((const __m128i *)(const void *)ctx->memo_kb));
    ha = _mm_mul_epu32(ta, _mm_srli_epi64(ta, 32));
    hb = _mm_mul_epu32(tb, _mm_srli_epi64(tb, 32));
#if defined(__x86_64__)
    ha = _mm_add_epi64(ha, _mm_unpackhi_epi64(ha, ha));
    hb = _mm_add_epi64(hb, _mm_unpackhi_epi64(hb, hb));
    k->a = azk_names__memo_mix(ctx->memo_kx[0] * x + (uint64_t)_mm_cvtsi128_si64(ha));
    k->b = ctx->memo_kx[1] * x + (uint64_t)_mm_cvtsi128_si64(hb);
#else
    {
        uint64_t la[2], lb[2];
        _mm_storeu_si128((__m128i *)(void *)la, ha);
        _mm_storeu_si128((__m128i *)(void *)lb, hb);
        k->a = azk_names__memo_mix(ctx->memo_kx[0] * x + la[0] + la[1]);
        k->b = ctx->memo_kx[1] * x + lb[0] + lb[1];
    }
#endif
    return true;
}
#define AZK_NAMES_KEY_SHORT 1

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define AZK_NAMES_KEY_AVX2 1
#define AZK_NAMES_AVX2     __attribute__((target("avx2")))

/* azk_names__unmask of 32 bytes (keep: 32 bits). */
AZK_NAMES_AVX2 static inline __m256i azk_names__unmask32(__m256i v, uint32_t keep)
{
    const __m256i bit = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    __m256i k = _mm256_set_epi64x((long long)((keep >> 24 & 0xFFu) * 0x0101010101010101ull),
                                  (long long)((keep >> 16 & 0xFFu) * 0x0101010101010101ull),
                                  (long long)((keep >> 8 & 0xFFu) * 0x0101010101010101ull),
                                  (long long)((keep & 0xFFu) * 0x0101010101010101ull));
    return _mm256_andnot_si256(_mm256_cmpeq_epi8(_mm256_and_si256(k, bit), bit), v);
}

/* azk_names__reach of 32 bytes (hm: its bytes >= 0x80). */
AZK_NAMES_AVX2 static inline uint64_t azk_names__reach32(__m256i m, uint32_t hm)
{
    return azk_names__reach(
        hm, (uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(m, 1)),
        (uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(m, 2)),
        (uint32_t)_mm256_movemask_epi8(_mm256_slli_epi16(m, 3)),
        (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(m, _mm256_set1_epi8((char)0xAC))));
}

/*
 * m, the 32 bytes at t + i (hm: those >= 0x80), with its ASCII digits read
 * as '0' but the kept ones, as azk_names__memo_hash_k reads a block;
 * *carry: azk_names__reach's bits past the vector before, then past this one.
 */
AZK_NAMES_AVX2 static inline __m256i azk_names__blind32(const uint8_t *t, size_t i, __m256i m,
                                                        uint32_t hm, uint64_t *carry)
{
    __m256i dig =
        _mm256_cmpgt_epi8(_mm256_add_epi8(m, _mm256_set1_epi8(0x46)), _mm256_set1_epi8(0x75));
    uint64_t reach = hm != 0 ? azk_names__reach32(m, hm) : 0;
    uint32_t cand = (uint32_t)_mm256_movemask_epi8(dig) & ((uint32_t)reach | (uint32_t)*carry);
    *carry = reach >> 32;
    if (cand != 0) {
        uint32_t keep = azk_names__kept_of_far(t, i, cand);
        if (keep != 0)
            dig = azk_names__unmask32(dig, keep);
    }
    return _mm256_andnot_si256(_mm256_and_si256(dig, _mm256_set1_epi8(0x0F)), m);
}

/*
 * h plus NH of the two 16-byte blocks of m with the key words at k (one:
 * only the first is a block of the key).
 */
AZK_NAMES_AVX2 static inline __m256i azk_names__nh32(__m256i h, __m256i m, const uint32_t *k,
                                                     bool one)
{
    __m256i tk = _mm256_add_epi32(m, _mm256_loadu_si256((const __m256i *)(const void *)k));
    __m256i p = _mm256_mul_epu32(tk, _mm256_srli_epi64(tk, 32));
    if (one)
        p = _mm256_zextsi128_si256(_mm256_castsi256_si128(p));
    return _mm256_add_epi64(h, p);
}

/*
 * The last r bytes (1..16) of a text of at least 16 bytes ending at end,
 * zero-padded to 16: one load of the 16 bytes before end, shifted down by
 * a window of the shuffle table.
 */
AZK_NAMES_AVX2 static inline __m128i azk_names__tail16(const uint8_t *end, size_t r)
{
    static const uint8_t shuffle[32] = {0,    1,    2,    3,    4,    5,    6,    7,
                                        8,    9,    10,   11,   12,   13,   14,   15,
                                        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
                                        0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80};
    return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(const void *)(end - 16)),
                            _mm_loadu_si128((const __m128i *)(const void *)(shuffle + 16 - r)));
}

/*
 * azk_names__field_key_avx2 with blind a constant of each call: whole
 * vectors in the loop, the last 1..31 bytes after it.
 */
AZK_NAMES_AVX2 static inline __attribute__((always_inline)) struct memo_key
azk_names__field_key_avx2_k(const azk_names_ctx *ctx, const uint8_t *t, size_t len, uint32_t col,
                            bool blind, bool *wide)
{
    uint32_t any_high = 0;
    uint64_t x = ((uint64_t)len << 8) | col;
    struct memo_key k = {ctx->memo_kx[0] * x, ctx->memo_kx[1] * x};
    __m256i ha = _mm256_setzero_si256();
    __m256i hb = _mm256_setzero_si256();
    __m128i sa, sb;
    uint64_t carry = 0;
    size_t i = 0;
    for (; i + 32 <= len; i += 32) {
        __m256i m = _mm256_loadu_si256((const __m256i *)(const void *)(t + i));
        uint32_t hm = (uint32_t)_mm256_movemask_epi8(m);
        any_high |= hm;
        if (blind)
            m = azk_names__blind32(t, i, m, hm, &carry);
        ha = azk_names__nh32(ha, m, ctx->memo_ka + i / 4, false);
        hb = azk_names__nh32(hb, m, ctx->memo_kb + i / 4, false);
    }
    if (i < len) {
        /* the last 1..31 bytes: two blocks when more than 16, else one */
        size_t r = len - i;
        bool one = r <= 16;
        __m256i m;
        uint32_t hm;
        if (len < 16)
            m = _mm256_zextsi128_si256(azk_names__memo_tail(t, len));
        else if (one)
            m = _mm256_zextsi128_si256(azk_names__tail16(t + len, r));
        else
            m = _mm256_set_m128i(azk_names__tail16(t + len, r - 16),
                                 _mm_loadu_si128((const __m128i *)(const void *)(t + i)));
        hm = (uint32_t)_mm256_movemask_epi8(m);
        any_high |= hm;
        if (blind)
            m = azk_names__blind32(t, i, m, hm, &carry);
        ha = azk_names__nh32(ha, m, ctx->memo_ka + i / 4, one);
        hb = azk_names__nh32(hb, m, ctx->memo_kb + i / 4, one);
    }
    sa = _mm_add_epi64(_mm256_castsi256_si128(ha), _mm256_extracti128_si256(ha, 1));
    sb = _mm_add_epi64(_mm256_castsi256_si128(hb), _mm256_extracti128_si256(hb, 1));
    sa = _mm_add_epi64(sa, _mm_unpackhi_epi64(sa, sa));
    sb = _mm_add_epi64(sb, _mm_unpackhi_epi64(sb, sb));
    k.a = azk_names__memo_mix(k.a + (uint64_t)_mm_cvtsi128_si64(sa));
    k.b += (uint64_t)_mm_cvtsi128_si64(sb);
    *wide = any_high != 0;
    return k;
}

/*
 * azk_names__field_key (the digit-blind key when ctx->n->digit_blind, and
 * *wide) 32 bytes at a time with AVX2, for CPUs that have it (n->avx2):
 * the same NH sums over the same 16-byte blocks, two blocks per
 * instruction, so the same value (test_names_memo__avx2_key). The last
 * 1..31 bytes are one zero-padded vector from loads inside t (two blocks
 * when more than 16 are left, else one: the second block's products are
 * dropped); the digits as azk_names__memo_hash_k reads them, with the
 * masks of 32 bytes.
 */
AZK_NAMES_AVX2 static inline struct memo_key azk_names__field_key_avx2(const azk_names_ctx *ctx,
                                                                       const uint8_t *t, size_t len,
                                                                       uint32_t col, bool *wide)
{
    if (ctx->n->digit_blind)
        return azk_names__field_key_avx2_k(ctx, t, len, col, true, wide);
    return azk_names__field_key_avx2_k(ctx, t, len, col, false, wide);
}
#endif
#else
#define azk_names__memo_hash azk_names__memo_hash_ref
#endif

/*
 * The memo hash of the digit-blind key of t (azk_names__blind_copy) when
 * the dictionary allows it (n->digit_blind), else of t's bytes: the field
 * memo and the MeCab memo. *wide (when not NULL) gets whether t holds a
 * byte >= 0x80, from the same loads (a field without one holds no name).
 */
static inline struct memo_key azk_names__field_key(const azk_names_ctx *ctx, const uint8_t *t,
                                                   size_t len, uint32_t col, bool *wide)
{
#if defined(__SSE2__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    return azk_names__memo_hash_k(ctx, t, len, col, ctx->n->digit_blind, wide);
#else
    if (wide != NULL) {
        *wide = false;
        for (size_t k = 0; k < len && !*wide; k++)
            *wide = t[k] >= 0x80;
    }
    return ctx->n->digit_blind ? azk_names__memo_hash_kept(ctx, t, len, col)
                               : azk_names__memo_hash(ctx, t, len, col);
#endif
}

static inline struct memo_key azk_names__memo_hash_blind(const azk_names_ctx *ctx, const uint8_t *t,
                                                         size_t len, uint32_t col)
{
    return azk_names__field_key(ctx, t, len, col, NULL);
}
/* The class of a MeCab token: its feature string, whether it is an unknown word. */
enum tok_class azk_names__tok_class(const char *feature, bool unknown);
azk_status azk_names__try_kanji(struct scan *s, size_t p, size_t *next);
azk_status azk_names__try_kana(struct scan *s, size_t p, size_t *next);
bool azk_names__is_placeholder(const uint8_t *p, size_t len);
azk_status azk_names__label_value(struct scan *s, size_t v, bool kana_label, bool strong_label,
                                  size_t *next);
azk_status azk_names__try_label(struct scan *s, size_t p, uint32_t c, size_t *next);
extern const char *const azk_names__labels[];
static inline bool azk_names__memo_has(const struct memo_slot *m, struct memo_key k, size_t len,
                                       uint32_t col)
{
    return m->len == len && m->col == col && m->a == k.a && m->b == k.b;
}

static inline void azk_names__memo_put(struct memo_slot *m, struct memo_key k, size_t len,
                                       uint32_t col)
{
    m->a = k.a;
    m->b = k.b;
    m->len = (uint32_t)len;
    m->col = col;
}
azk_status azk_names__scan_free(struct scan *s);
/* Fold s->t (names_lex.h) into the context's buffer and scan that. */
azk_status azk_names__fold_text(struct scan *s);
azk_status azk_names__scan_column(struct scan *s, azk_column_kind col, bool *done);

#endif
