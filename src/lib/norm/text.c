/* SPDX-License-Identifier: Apache-2.0 */
/*
 * norm/text.c -- azk_norm_text(): NFKC (ICU unorm2), kana folding, spaces,
 * case and variant-kanji folding in one pass, plus the name, kana-reading,
 * e-mail, id and postal-code normalisers built on it. Kana folding uses
 * small in-code tables instead of ICU transliterators (utrans), which are
 * an order of magnitude slower for the same result (docs/internals/NORM.md).
 */
#include "norm/norm_internal.h"
#include "norm/digits.h"

#include <pthread.h>
#include <string.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

azk_status azk_norm__put_cp(azk_buf *b, uint32_t cp)
{
    uint8_t tmp[4];
    size_t n = azk_utf8_encode(cp, tmp);
    return azk_buf_put(b, tmp, n);
}

const uint32_t (*azk_norm_kanji_variant_table(size_t *count))[2]
{
    *count = azk_norm__kanji_variant_count;
    return azk_norm__kanji_variants;
}

/*
 * A filter in front of the table's binary search (~9 steps for every kanji of
 * every name normalised): one bit per slot of a multiplicative hash of the code
 * point, set for each code point the table folds. A clear bit: the table has no
 * entry (most kanji); a set bit: the search decides. Built once per process.
 * test_norm_ref__kanji_variant compares with the search alone on every code point.
 */
#define VARIANT_FILTER_BITS 12
static uint64_t variant_filter[(1u << VARIANT_FILTER_BITS) / 64];
static pthread_once_t variant_once = PTHREAD_ONCE_INIT;

static inline uint32_t variant_slot(uint32_t cp)
{
    return (cp * 0x9E3779B1u) >> (32 - VARIANT_FILTER_BITS);
}

static void variant_filter_init(void)
{
    for (size_t i = 0; i < azk_norm__kanji_variant_count; i++) {
        uint32_t h = variant_slot(azk_norm__kanji_variants[i][0]);
        variant_filter[h / 64] |= UINT64_C(1) << (h % 64);
    }
}

uint32_t azk_norm_kanji_variant(uint32_t cp)
{
    size_t lo = 0;
    size_t hi = azk_norm__kanji_variant_count;
    uint32_t h;
    if (cp < 0x3400)
        return cp;
    (void)pthread_once(&variant_once, variant_filter_init);
    h = variant_slot(cp);
    if (!(variant_filter[h / 64] >> (h % 64) & 1u))
        return cp;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint32_t k = azk_norm__kanji_variants[mid][0];
        if (k == cp)
            return azk_norm__kanji_variants[mid][1];
        if (k < cp)
            lo = mid + 1;
        else
            hi = mid;
    }
    return cp;
}

static bool is_space(uint32_t cp)
{
    switch (cp) {
        case 0x09:
        case 0x0A:
        case 0x0B:
        case 0x0C:
        case 0x0D:
        case 0x20:
        case 0x85:
        case 0xA0:
        case 0x1680:
        case 0x200B:
        case 0x2028:
        case 0x2029:
        case 0x202F:
        case 0x205F:
        case 0x3000:
        case 0xFEFF:
            return true;
        default:
            return cp >= 0x2000 && cp <= 0x200A;
    }
}

static bool is_katakana(uint32_t cp)
{
    return cp >= 0x30A1 && cp <= 0x30FA;
}

static bool is_hiragana(uint32_t cp)
{
    return cp >= 0x3041 && cp <= 0x3096;
}

static uint32_t small_to_large(uint32_t k)
{
    switch (k) {
        case 0x30A1: /* ァ */
        case 0x30A3:
        case 0x30A5:
        case 0x30A7:
        case 0x30A9:
        case 0x30C3: /* ッ */
        case 0x30E3: /* ャ */
        case 0x30E5:
        case 0x30E7:
        case 0x30EE: /* ヮ */
            return k + 1;
        case 0x30F5: /* ヵ */
            return 0x30AB;
        case 0x30F6: /* ヶ */
            return 0x30B1;
        default:
            return k;
    }
}

static uint32_t unvoice(uint32_t k)
{
    if (k >= 0x30AC && k <= 0x30C2 && ((k - 0x30AB) & 1u) == 1u)
        return k - 1;
    if (k == 0x30C5 || k == 0x30C7 || k == 0x30C9)
        return k - 1;
    if (k >= 0x30CF && k <= 0x30DD)
        return 0x30CF + 3 * ((k - 0x30CF) / 3);
    if (k == 0x30F4) /* ヴ */
        return 0x30A6;
    if (k >= 0x30F7 && k <= 0x30FA) /* ヷヸヹヺ */
        return k - 8;               /* → ワヰヱヲ */
    return k;
}

/* o-row katakana: a following ウ/オ is a long vowel (コウ, トオ). */
static bool is_o_row(uint32_t k)
{
    static const uint16_t o[] = {0x30AA, 0x30B3, 0x30B4, 0x30BD, 0x30BE, 0x30C8, 0x30C9, 0x30CE,
                                 0x30DB, 0x30DC, 0x30DD, 0x30E2, 0x30E8, 0x30ED, 0x30F2};
    for (size_t i = 0; i < sizeof(o) / sizeof(o[0]); i++)
        if (o[i] == k)
            return true;
    return false;
}

/* u-row katakana: a following ウ is a long vowel (ユウ, クウ). */
static bool is_u_row(uint32_t k)
{
    static const uint16_t u[] = {0x30A6, 0x30AF, 0x30B0, 0x30B9, 0x30BA, 0x30C4, 0x30C5,
                                 0x30CC, 0x30D5, 0x30D6, 0x30D7, 0x30E0, 0x30E6, 0x30EB};
    for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++)
        if (u[i] == k)
            return true;
    return false;
}

static bool is_long_mark(uint32_t cp, bool after_kana)
{
    if (cp == 0x30FC || cp == 0xFF70)
        return true;
    if (!after_kana)
        return false;
    switch (cp) {
        case 0x2D:
        case 0x7E:
        case 0x2010:
        case 0x2011:
        case 0x2012:
        case 0x2013:
        case 0x2014:
        case 0x2015:
        case 0x2212:
        case 0x2500:
        case 0x301C:
        case 0xFF5E:
        case 0xFF0D:
            return true;
        default:
            return false;
    }
}

static bool all_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

/*
 * Code points that NFKC and NFKC_Casefold leave as they are and that combine
 * with nothing before them: ASCII (whose case folding azk_norm_text's loop
 * does), kanji of the URO and extension A, 々, hiragana and katakana letters
 * and ー. A text of only these is its own NFKC: no ICU call (a name window's
 * piece, a kana reading). test_norm__nfkc_stable asks ICU about every one.
 */
static bool nfkc_stable_cp(uint32_t cp)
{
    return cp < 0x80 || (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x3041 && cp <= 0x3096) || (cp >= 0x30A1 && cp <= 0x30FA) || cp == 0x30FC ||
           cp == 0x3005;
}

bool azk_norm__nfkc_stable(const char *s, size_t n)
{
    const uint8_t *u = (const uint8_t *)s;
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        if (u[i] < 0x80) {
            i++;
            continue;
        }
        i += azk_utf8_decode(u + i, n - i, &cp);
        /* an invalid byte decodes as U+FFFD, which is not in the set */
        if (!nfkc_stable_cp(cp))
            return false;
    }
    return true;
}

/* NFKC (or NFKC_Casefold) of s[0..n) into out as UTF-8. */
static azk_status nfkc(azk_buf *out, const char *s, size_t n, bool casefold)
{
    azk_status rc = AZK_ERR_FORMAT;
    UErrorCode err = U_ZERO_ERROR;
    const UNormalizer2 *nz =
        casefold ? unorm2_getNFKCCasefoldInstance(&err) : unorm2_getNFKCInstance(&err);
    UChar stack_src[256];
    UChar stack_dst[512];
    UChar *src = stack_src;
    UChar *dst = stack_dst;
    int32_t src_cap = (int32_t)(sizeof(stack_src) / sizeof(stack_src[0]));
    int32_t dst_cap = (int32_t)(sizeof(stack_dst) / sizeof(stack_dst[0]));
    int32_t src_len = 0;
    int32_t dst_len = 0;
    int32_t u8_len = 0;

    if (U_FAILURE(err))
        return azk_error_set(AZK_ERR_FORMAT, "norm: ICU NFKC unavailable: %s", u_errorName(err));
    if (n > (size_t)INT32_MAX / 2)
        return azk_error_set(AZK_ERR_LIMIT, "norm: text of %zu bytes too long", n);
    u_strFromUTF8WithSub(src, src_cap, &src_len, s, (int32_t)n, 0xFFFD, NULL, &err);
    if (err == U_BUFFER_OVERFLOW_ERROR) {
        err = U_ZERO_ERROR;
        src_cap = src_len + 1;
        src = azk_malloc((size_t)src_cap * sizeof(UChar));
        if (src == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        u_strFromUTF8WithSub(src, src_cap, &src_len, s, (int32_t)n, 0xFFFD, NULL, &err);
    }
    if (U_FAILURE(err)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "norm: UTF-8 conversion failed: %s", u_errorName(err));
        goto done;
    }
    dst_len = unorm2_normalize(nz, src, src_len, dst, dst_cap, &err);
    if (err == U_BUFFER_OVERFLOW_ERROR) {
        err = U_ZERO_ERROR;
        dst_cap = dst_len + 1;
        dst = azk_malloc((size_t)dst_cap * sizeof(UChar));
        if (dst == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        dst_len = unorm2_normalize(nz, src, src_len, dst, dst_cap, &err);
    }
    if (U_FAILURE(err)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "norm: NFKC failed: %s", u_errorName(err));
        goto done;
    }
    u_strToUTF8(NULL, 0, &u8_len, dst, dst_len, &err);
    if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "norm: UTF-16 conversion failed: %s", u_errorName(err));
        goto done;
    }
    err = U_ZERO_ERROR;
    azk_buf_clear(out);
    rc = azk_buf_grow(out, (size_t)u8_len);
    if (rc != AZK_OK)
        goto done;
    u_strToUTF8((char *)out->data, (int32_t)(out->cap - 1), &u8_len, dst, dst_len, &err);
    if (U_FAILURE(err)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "norm: UTF-16 conversion failed: %s", u_errorName(err));
        goto done;
    }
    out->len = (size_t)u8_len;
    out->data[out->len] = '\0';
    rc = AZK_OK;
done:
    if (src != stack_src)
        azk_free(src);
    if (dst != stack_dst)
        azk_free(dst);
    return rc;
}

/* The output of azk_norm_text's loop, staged: one azk_buf_put per few dozen bytes
 * instead of one per code point. */
struct norm_stage {
    uint8_t b[64];
    size_t n;
};

static azk_status stage_flush(azk_buf *out, struct norm_stage *st)
{
    azk_status rc = azk_buf_put(out, st->b, st->n);
    st->n = 0;
    return rc;
}

static azk_status stage_cp(azk_buf *out, struct norm_stage *st, uint32_t cp)
{
    if (st->n + 4 > sizeof(st->b)) {
        azk_status rc = stage_flush(out, st);
        if (rc != AZK_OK)
            return rc;
    }
    st->n += azk_utf8_encode(cp, st->b + st->n);
    return AZK_OK;
}

azk_status azk_norm_text(azk_buf *out, const char *in, size_t len, unsigned flags)
{
    azk_status rc = AZK_OK;
    azk_buf tmp = AZK_BUF_INIT;
    const uint8_t *s = (const uint8_t *)in;
    size_t n = len;
    size_t i = 0;
    uint32_t prev = 0; /* last code point written */
    bool pending_space = false;
    bool wrote_any = false;
    struct norm_stage st;
    /* the code point decoded as `next` (at s[la_at], la_len bytes): the following
     * turn's cp, not decoded twice */
    size_t la_at = SIZE_MAX;
    size_t la_len = 0;
    uint32_t la_cp = 0;
    /* s is the input, taken as its own NFKC until a code point says otherwise */
    bool check_nfkc = (flags & AZK_NORM_NFKC) != 0;
    st.n = 0;

    AZK_ASSERT_ARG(out != NULL);
    AZK_ASSERT_ARG(in != NULL || len == 0);
    azk_buf_clear(out);
    rc = azk_buf_put(out, "", 0);
    if (rc != AZK_OK)
        goto done;
    while (i < n) {
        uint32_t cp;
        uint32_t next = 0;
        size_t cl;
        if (la_at == i) {
            cp = la_cp;
            cl = la_len;
        } else {
            cl = azk_utf8_decode(s + i, n - i, &cp);
        }
        if (check_nfkc && !nfkc_stable_cp(cp)) {
            /* the input is not its own NFKC (azk_norm__nfkc_stable's test, made here
             * on the code points the loop decodes anyway): ICU's NFKC, and the loop
             * starts over on it from a clean state */
            rc = nfkc(&tmp, in, len, (flags & AZK_NORM_CASE) != 0);
            if (rc != AZK_OK)
                goto done;
            s = tmp.data;
            n = tmp.len;
            check_nfkc = false;
            i = 0;
            prev = 0;
            pending_space = false;
            wrote_any = false;
            st.n = 0;
            la_at = SIZE_MAX;
            azk_buf_clear(out);
            rc = azk_buf_put(out, "", 0);
            if (rc != AZK_OK)
                goto done;
            continue;
        }
        i += cl;
        if (i < n) {
            la_len = azk_utf8_decode(s + i, n - i, &next);
            la_cp = next;
            la_at = i;
        }

        if (is_space(cp)) {
            if (flags & AZK_NORM_SPACES_REMOVE)
                continue;
            if (flags & AZK_NORM_SPACES_COLLAPSE) {
                pending_space = wrote_any;
                continue;
            }
        }
        if ((flags & AZK_NORM_CASE) && cp < 0x80 && cp >= 'A' && cp <= 'Z')
            cp = cp - 'A' + 'a';
        if ((flags & AZK_NORM_MIDDLE_DOT) && (cp == 0x30FB || cp == 0xFF65 || cp == 0xB7))
            continue;
        bool hira = is_hiragana(cp) || cp == 0x309D || cp == 0x309E;
        if (hira) {
            cp += 0x60; /* work in katakana */
            if (is_hiragana(next))
                next += 0x60;
        }
        if (is_katakana(cp) || cp == 0x30FD || cp == 0x30FE) {
            if ((flags & AZK_NORM_VU) && cp == 0x30F4) {
                uint32_t v = 0;
                switch (next) {
                    case 0x30A1:
                        v = 0x30D0;
                        break;
                    case 0x30A3:
                        v = 0x30D3;
                        break;
                    case 0x30A7:
                        v = 0x30D9;
                        break;
                    case 0x30A9:
                        v = 0x30DC;
                        break;
                    default:
                        break;
                }
                if (v != 0) {
                    i += azk_utf8_decode(s + i, n - i, &next);
                    cp = v;
                } else {
                    cp = 0x30D6; /* ブ */
                }
            }
            if ((flags & AZK_NORM_LONG_VOWEL) && (cp == 0x30A6 || cp == 0x30AA)) {
                bool small_next =
                    next == 0x30A1 || next == 0x30A3 || next == 0x30A7 || next == 0x30A9;
                if (!small_next && ((is_o_row(prev) && (cp == 0x30A6 || cp == 0x30AA)) ||
                                    (is_u_row(prev) && cp == 0x30A6)))
                    continue;
            }
            if (flags & AZK_NORM_SMALL_KANA)
                cp = small_to_large(cp);
            if (flags & AZK_NORM_VOICED)
                cp = unvoice(cp);
            if (hira && !(flags & AZK_NORM_KATAKANA))
                cp -= 0x60;
        } else if ((flags & AZK_NORM_LONG_VOWEL) &&
                   is_long_mark(cp, is_katakana(prev) || is_hiragana(prev))) {
            continue;
        } else if ((flags & AZK_NORM_VARIANT_KANJI) && cp >= 0x3400) {
            cp = azk_norm_kanji_variant(cp);
        }
        if (pending_space) {
            rc = stage_cp(out, &st, ' ');
            if (rc != AZK_OK)
                goto done;
            pending_space = false;
        }
        rc = stage_cp(out, &st, cp);
        if (rc != AZK_OK)
            goto done;
        /* compare long vowels in katakana whatever the output script */
        prev = is_hiragana(cp) ? cp + 0x60 : cp;
        wrote_any = true;
    }
    if (st.n > 0)
        rc = stage_flush(out, &st);
done:
    azk_buf_dispose(&tmp);
    return rc;
}

/* Honorifics dropped at the end of a normalised name. */
static const char *const honorifics[] = {"様", "殿", "さん", "サン", "君", "御中", "さま", "サマ"};

azk_status azk_norm_name(azk_buf *out, const char *in, size_t len)
{
    azk_status rc = azk_norm_text(out, in, len, AZK_NORM_NAME);
    if (rc != AZK_OK)
        return rc;
    /* honorifics were normalised too (さん → サン); strip one */
    for (size_t h = 0; h < sizeof(honorifics) / sizeof(honorifics[0]); h++) {
        size_t hl = strlen(honorifics[h]);
        if (out->len > hl && memcmp(out->data + out->len - hl, honorifics[h], hl) == 0) {
            out->len -= hl;
            out->data[out->len] = '\0';
            break;
        }
    }
    return AZK_OK;
}

azk_status azk_norm_kana_reading(azk_buf *out, const char *in, size_t len)
{
    return azk_norm_text(out, in, len, AZK_NORM_READING);
}

azk_status azk_norm_email(azk_buf *out, const char *in, size_t len)
{
    azk_status rc =
        azk_norm_text(out, in, len, AZK_NORM_NFKC | AZK_NORM_CASE | AZK_NORM_SPACES_REMOVE);
    if (rc != AZK_OK)
        return rc;
    if (memchr(out->data, '@', out->len) == NULL)
        return azk_error_set(AZK_ERR_FORMAT, "norm: e-mail address without '@'");
    return AZK_OK;
}

bool azk_norm__is_hyphen(uint32_t cp)
{
    return azk_digits__is_hyphen(cp) || cp == 0x2500; /* ─ box drawing, typed for hyphens */
}

/*
 * azk_norm_id of ASCII (every token of a scanned line): NFKC leaves ASCII as
 * it is, so the id is the bytes without white space (is_space) and '-' (the
 * one ASCII hyphen), A-Z lowered -- what the general path below gives, with
 * no ICU, no decoding and no temporary buffer (test_norm__id_ascii compares
 * the two on every byte value and generated tokens).
 */
static azk_status id_ascii(azk_buf *out, const uint8_t *s, size_t len)
{
    uint8_t run[64];
    size_t n = 0;
    azk_status rc;
    azk_buf_clear(out);
    rc = azk_buf_put(out, "", 0);
    for (size_t i = 0; rc == AZK_OK && i < len; i++) {
        uint8_t c = s[i];
        if (c == '-' || is_space(c))
            continue;
        if (c >= 'A' && c <= 'Z')
            c = (uint8_t)(c - 'A' + 'a');
        run[n++] = c;
        if (n == sizeof(run)) {
            rc = azk_buf_put(out, run, n);
            n = 0;
        }
    }
    if (rc == AZK_OK && n > 0)
        rc = azk_buf_put(out, run, n);
    return rc;
}

azk_status azk_norm_id(azk_buf *out, const char *in, size_t len)
{
    azk_status rc = AZK_OK;
    azk_buf tmp = AZK_BUF_INIT;
    size_t i = 0;
    AZK_ASSERT_ARG(out != NULL);
    AZK_ASSERT_ARG(in != NULL || len == 0);
    if (all_ascii(in, len))
        return id_ascii(out, (const uint8_t *)in, len);
    rc = azk_norm_text(&tmp, in, len, AZK_NORM_NFKC | AZK_NORM_CASE | AZK_NORM_SPACES_REMOVE);
    if (rc != AZK_OK)
        goto done;
    azk_buf_clear(out);
    rc = azk_buf_put(out, "", 0);
    while (rc == AZK_OK && i < tmp.len) {
        uint32_t cp;
        size_t cl = azk_utf8_decode(tmp.data + i, tmp.len - i, &cp);
        if (!azk_norm__is_hyphen(cp))
            rc = azk_buf_put(out, tmp.data + i, cl);
        i += cl;
    }
done:
    azk_buf_dispose(&tmp);
    return rc;
}

azk_status azk_norm_postal(azk_buf *out, const char *in, size_t len)
{
    azk_status rc = AZK_OK;
    azk_buf tmp = AZK_BUF_INIT;
    size_t digits = 0;
    rc = azk_norm_text(&tmp, in, len, AZK_NORM_NFKC | AZK_NORM_SPACES_REMOVE);
    if (rc != AZK_OK)
        goto done;
    azk_buf_clear(out);
    rc = azk_buf_put(out, "", 0);
    for (size_t i = 0; rc == AZK_OK && i < tmp.len;) {
        uint32_t cp;
        size_t cl = azk_utf8_decode(tmp.data + i, tmp.len - i, &cp);
        i += cl;
        if (cp >= '0' && cp <= '9') {
            rc = azk_buf_putc(out, (int)cp);
            digits++;
        } else if (!(cp == 0x3012 || azk_norm__is_hyphen(cp))) { /* 〒 */
            digits = 99;
            break;
        }
    }
    if (rc == AZK_OK && digits != 7)
        rc = azk_error_set(AZK_ERR_FORMAT, "norm: postal code is not 7 digits");
done:
    azk_buf_dispose(&tmp);
    return rc;
}
