/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/match_windows.c -- candidates of a text line that do not depend
 * on a detector: name windows (runs of name characters, with and without
 * an honorific, joined pieces) and address windows (from a prefecture or
 * division character, a few tries per line). Part of the matcher in
 * match.c (shared: match_ctx.h).
 */
#include "match/match.h"
#include "norm/datetime.h"
#include "norm/digits.h"
#include "norm/norm.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include "match/match_ctx.h"

/* ---- name windows: candidates that do not depend on the name detector -------- */

/* A code point that can be part of a written name (kanji, 々, katakana, half-width kana). */
static bool name_cp(uint32_t cp)
{
    /* tested from the code points below the ranges up (most of a line is ASCII, kana,
     * punctuation): tests/unit/match_windows compares it with the plain test on every
     * code point */
    if (cp < 0x3005)
        return false;
    if (cp < 0x4E00)
        return cp == 0x3005 || (cp >= 0x30A1 && cp <= 0x30FA) || cp == 0x30FC ||
               (cp >= 0x3400 && cp <= 0x4DBF);
    if (cp <= 0x9FFF)
        return cp != 0x69D8 && cp != 0x6BBF; /* 様 殿: honorifics end a name */
    return (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0xFF66 && cp <= 0xFF9F) ||
           (cp >= 0x20000 && cp <= 0x2FFFF);
}

/* azk_utf8_decode of s[0..n) (n > 0), an ASCII byte without the call. */
static inline size_t decode_cp(const char *s, size_t n, uint32_t *cp)
{
    if ((uint8_t)s[0] < 0x80) {
        *cp = (uint8_t)s[0];
        return 1;
    }
    return azk_utf8_decode((const uint8_t *)s, n, cp);
}

/* Does an honorific (様 殿 さん さま 君 氏, after at most one space) start s? */
static bool honorific_at(const char *s, size_t n)
{
    static const char *const hon[] = {"様", "殿", "さん", "さま", "君", "氏", "御中"};
    if (n > 0 && s[0] == ' ') {
        s++;
        n--;
    } else if (n >= 3 && memcmp(s, "\xE3\x80\x80", 3) == 0) {
        s += 3;
        n -= 3;
    }
    for (size_t h = 0; h < sizeof(hon) / sizeof(hon[0]); h++) {
        size_t l = strlen(hon[h]);
        if (n >= l && memcmp(s, hon[h], l) == 0)
            return true;
    }
    return false;
}

/* Is an honorific of honorific_at anywhere in s? (様 殿 御中 さん さま: 様 殿 中 ん ま) */
static bool has_honorific(const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    for (size_t i = 0; i + 2 < n; i++) {
        if (p[i] < 0xE3 || p[i] > 0xE6)
            continue;
        if ((p[i] == 0xE6 && p[i + 1] == 0xA7 && p[i + 2] == 0x98) || /* 様 */
            (p[i] == 0xE6 && p[i + 1] == 0xAE && p[i + 2] == 0xBF) || /* 殿 */
            (p[i] == 0xE3 && p[i + 1] == 0x81 && p[i + 2] == 0x95) || /* さ */
            (p[i] == 0xE5 && p[i + 1] == 0xBE && p[i + 2] == 0xA1))   /* 御 */
            return true;
    }
    return false;
}

#ifdef AZK_TESTING
bool azk_match__name_cp(uint32_t cp)
{
    return name_cp(cp);
}

size_t azk_match__decode_cp(const char *s, size_t n, uint32_t *cp)
{
    return decode_cp(s, n, cp);
}
#endif

/* Byte offsets of the code points of a normalised piece (off[m] = len); returns m. */
static size_t cp_offsets(const azk_buf *b, size_t *off, size_t cap)
{
    size_t m = 0;
    for (size_t i = 0; i < b->len && m < cap; i++)
        if ((b->data[i] & 0xC0) != 0x80)
            off[m++] = i;
    off[m] = b->len;
    return m;
}

/* Buckets of the name windows waiting in ctx->pend_* (one batch: the memo's look-ups overlap). */
static void flush_pending(struct azk_match_ctx *ctx)
{
    uint32_t h[AZK_MATCH_BATCH_MAX];
    azk_match__hash_batch(ctx, AZK_FP_NAME, ctx->npend, ctx->pend_v, ctx->pend_len, h);
    for (size_t i = 0; i < ctx->npend; i++)
        ctx->c[ctx->pend_cand[i]].bucket = azk_fp__bucket(AZK_FP_NAME, h[i]);
    ctx->npend = 0;
}

/*
 * a + b (normalised bytes) as a name candidate of its own source. A window
 * short enough waits for its bucket in the batch (flush_pending, before
 * azk_match__add_name_windows returns: nobody reads a candidate's bucket
 * while windows are added); a longer value is hashed at once.
 */
static void add_name_bytes(struct azk_match_ctx *ctx, const uint8_t *a, size_t na, const uint8_t *b,
                           size_t nb, uint8_t ev)
{
    bool window = (ev & AZK_EV_WINDOW) != 0;
    const uint8_t *v;
    size_t n = na + nb;
    if (ctx->nc >= MAX_CANDS || n < 4)
        return;
    if (n <= AZK_MATCH_BATCH_BYTES) {
        uint8_t *slot = ctx->pend_v[ctx->npend];
        memcpy(slot, a, na);
        if (nb > 0)
            memcpy(slot + na, b, nb);
        v = slot;
        ctx->pend_len[ctx->npend] = (uint8_t)n;
        ctx->pend_cand[ctx->npend] = (uint32_t)ctx->nc;
        ctx->npend++;
        ctx->c[ctx->nc].bucket = 0;
        azk_match__new_src(ctx);
    } else {
        azk_buf_clear(&ctx->wjoin);
        if (azk_buf_put(&ctx->wjoin, a, na) != AZK_OK ||
            azk_buf_put(&ctx->wjoin, b, nb) != AZK_OK) {
            azk_error_clear();
            return;
        }
        azk_match__new_src(ctx);
        v = ctx->wjoin.data;
        ctx->c[ctx->nc].bucket =
            azk_fp__bucket(AZK_FP_NAME, azk_match__hash(ctx, AZK_FP_NAME, v, n));
    }
    if (ctx->confirm)
        azk_match__ev_hash(ctx->ckey, AZK_FP_NAME, v, n, ctx->c[ctx->nc].h);
    ctx->c[ctx->nc].kind = AZK_FP_NAME;
    ctx->c[ctx->nc].finding = false;
    ctx->c[ctx->nc].ev = ev;
    ctx->c[ctx->nc].window = window;
    ctx->c[ctx->nc].src = ctx->src;
    ctx->c[ctx->nc].seq = ctx->seq;
    ctx->nc++;
    if (ctx->npend == AZK_MATCH_BATCH_MAX)
        flush_pending(ctx);
}

/*
 * Windows of one piece (a maximal run of name characters, normalised as a
 * name): its prefixes and suffixes of 2..NAME_MAX_CP code points (a name
 * glued to a label, 顧客中野優見, or followed by other kanji), and, when
 * the previous piece is separated by one space, the pair (中野 優見) with
 * up to 3 code points cut from its outer ends.
 */
static size_t name_piece_windows(struct azk_match_ctx *ctx, bool joined, size_t budget)
{
    size_t oc[NAME_MAX_CP * 4 + 1];
    size_t op[NAME_MAX_CP * 4 + 1];
    size_t m = cp_offsets(&ctx->wcur, oc, NAME_MAX_CP * 4);
    size_t added = 0;
    const uint8_t *c = ctx->wcur.data;
    for (size_t l = 2; l <= m && l <= NAME_MAX_CP && added + 2 <= budget; l++) {
        /* prefix (cut unless it is the whole piece) */
        add_name_bytes(ctx, c, oc[l], NULL, 0, (uint8_t)(AZK_EV_WINDOW | (l < m ? AZK_EV_CUT : 0)));
        added++;
        if (l < m) {
            add_name_bytes(ctx, c + oc[m - l], ctx->wcur.len - oc[m - l], NULL, 0,
                           AZK_EV_WINDOW); /* suffix */
            added++;
        }
    }
    if (joined) {
        size_t p = cp_offsets(&ctx->wprev, op, NAME_MAX_CP * 4);
        const uint8_t *a = ctx->wprev.data;
        /* family name: the whole previous piece or its last 1..3 code points; given
         * name: the whole piece or its first 1..3 */
        for (size_t i = 0; i <= 3 && i < p; i++) {
            size_t a0 = i == 0 ? 0 : op[p - i];
            for (size_t j = 0; j <= 3 && j < m; j++) {
                size_t b1 = j == 0 ? ctx->wcur.len : oc[j];
                size_t cps = (i == 0 ? p : i) + (j == 0 ? m : j);
                if (cps > NAME_MAX_CP || added >= budget)
                    continue;
                add_name_bytes(ctx, a + a0, ctx->wprev.len - a0, c, b1,
                               (uint8_t)(AZK_EV_WINDOW | (j > 0 ? AZK_EV_CUT : 0)));
                added++;
            }
        }
    }
    return added;
}

/*
 * Name candidates of a text line that the name detector did not give:
 * every window of kanji / katakana that could be a written name (above),
 * hashed and looked up like any candidate. Each window is a value of its
 * own (one of them at most is the name), so the evidence rule counts them
 * all (count_k): many windows make a name match weaker evidence.
 */

void azk_match__add_name_windows(struct azk_match_ctx *ctx, const char *s, size_t n, uint64_t seq,
                                 unsigned what)
{
    uint64_t cur = ctx->seq;
    size_t i = 0;
    size_t budget = NAME_MAX_WINDOWS;
    bool have_prev = false;
    if (what == NAMES_ANCHORED && !has_honorific(s, n))
        return;             /* nothing asked for can be on this line */
    bool prev_norm = false; /* wprev holds the previous piece, normalised */
    size_t ps = 0;
    size_t pe = 0;
    unsigned spaces = 0;
    ctx->seq = seq;
    while (i < n && budget > 0) {
        uint32_t cp;
        size_t l = decode_cp(s + i, n - i, &cp);
        size_t start = i;
        bool joined;
        bool anchored;
        if (!name_cp(cp)) {
            /* one space keeps the previous piece joinable (family and given name) */
            if (cp == ' ' || cp == 0x3000)
                spaces++;
            else
                have_prev = false;
            i += l;
            continue;
        }
        while (i < n) {
            l = decode_cp(s + i, n - i, &cp);
            if (!name_cp(cp))
                break;
            i += l;
        }
        joined = have_prev && spaces == 1;
        spaces = 0;
        anchored = honorific_at(s + i, n - i);
        if (i - start > NAME_MAX_CP * 4 * 3 ||
            !(what & (anchored ? NAMES_ANCHORED : NAMES_PLAIN))) {
            /* a long run of text is no name; a piece of a kind not asked for is skipped */
            have_prev = i - start <= NAME_MAX_CP * 4 * 3;
            prev_norm = false;
            ps = start;
            pe = i;
            continue;
        }
        if (joined && !prev_norm) {
            if (azk_norm_text(&ctx->wprev, s + ps, pe - ps, AZK_NORM_NAME) != AZK_OK) {
                azk_error_clear();
                joined = false;
            }
        }
        if (azk_norm_text(&ctx->wcur, s + start, i - start, AZK_NORM_NAME) != AZK_OK) {
            azk_error_clear();
            have_prev = false;
            continue;
        }
        if (anchored) {
            /* 中野優見様 / 中野 優見 様: the context says this piece (with the one before)
             * is the name, as a detector would: one value, not a crowd of windows */
            if (joined)
                add_name_bytes(ctx, ctx->wprev.data, ctx->wprev.len, ctx->wcur.data, ctx->wcur.len,
                               AZK_EV_DEFINITE);
            else
                add_name_bytes(ctx, ctx->wcur.data, ctx->wcur.len, NULL, 0, AZK_EV_DEFINITE);
            budget = budget > 2 ? budget - 2 : 0;
        } else {
            budget -= name_piece_windows(ctx, joined, budget);
        }
        {
            azk_buf t = ctx->wprev;
            ctx->wprev = ctx->wcur;
            ctx->wcur = t;
        }
        have_prev = true;
        prev_norm = true;
        ps = start;
        pe = i;
    }
    flush_pending(ctx);
    ctx->seq = cur;
}

/* A line with 〒: a postal address follows (address windows are tried). */
bool azk_match__line_trigger(const char *s, size_t n)
{
    return memmem(s, n, "\xE3\x80\x92", 3) != NULL;
}

/* A code point that marks an administrative division (都 道 府 県 市 区 町 村 郡). */
static bool division_cp(uint32_t cp)
{
    return cp == 0x90FD || cp == 0x9053 || cp == 0x5E9C || cp == 0x770C || cp == 0x5E02 ||
           cp == 0x533A || cp == 0x753A || cp == 0x6751 || cp == 0x90E1;
}

/* Address attempts per line (each is one normalisation). */
#define ADDRESS_MAX_TRIES 3

/*
 * Address candidates of a text line that the address detector did not
 * give: from the start of each run of kanji holding a division mark
 * (福島県白河市...) to the end of its block numbers (the first space or
 * ASCII letter after a digit, a separator, or 160 bytes). Normalisation
 * (municipality + block numbers) rejects what is no address.
 */
void azk_match__add_address_windows(struct azk_match_ctx *ctx, const char *s, size_t n)
{
    size_t i = 0;
    unsigned tries = 0;
    while (i < n && tries < ADDRESS_MAX_TRIES) {
        uint32_t cp;
        size_t l = azk_utf8_decode((const uint8_t *)s + i, n - i, &cp);
        size_t start = i;
        size_t j;
        bool division = false;
        bool digit = false;
        if (!name_cp(cp)) {
            i += l;
            continue;
        }
        while (i < n) {
            l = azk_utf8_decode((const uint8_t *)s + i, n - i, &cp);
            if (!name_cp(cp))
                break;
            division |= division_cp(cp);
            i += l;
        }
        if (!division)
            continue;
        for (j = i; j < n && j - start < 160; j += l) {
            l = azk_utf8_decode((const uint8_t *)s + j, n - j, &cp);
            if (cp == ',' || cp == '\t' || cp == '\n' || cp == '|' || cp == 0x3001 ||
                cp == 0x3002 || (cp < 0x80 && ((cp | 0x20) >= 'a' && (cp | 0x20) <= 'z')) ||
                ((cp == ' ' || cp == 0x3000) && digit))
                break;
            digit |= (cp >= '0' && cp <= '9') || (cp >= 0xFF10 && cp <= 0xFF19);
        }
        if (!digit) {
            i = j; /* no block numbers: not an address of a household */
            continue;
        }
        tries++;
        azk_match__new_src(ctx);
        azk_match__add_value(ctx, AZK_FP_ADDRESS, s + start, j - start);
        i = j;
    }
}

/* Candidates of a table row: every cell under each kind it can be. */
