/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/names_entry.c -- azk_names__scan (contract: names.h): a field's
 * key and the memos that answer for fields scanned before (docs/internals/
 * NAMES.md, "Memos"), else the scan (names.c, names_field.c) and what it
 * leaves to remember. Fields of 1..16 bytes (most CSV cells) are keyed in
 * one block (scan_short), longer ones by the SSE2 loop or, on CPUs with
 * AVX2, 32 bytes at a time (scan_long, scan_long_avx2); the key is the
 * same value on every path (tests/unit/names_memo). Only hashes and
 * positions are kept, no text.
 */
#include "detect/names.h"
#include "detect/names_lex.h"

#include <mecab.h>
#include <string.h>
#include "detect/names_scan.h"

/* Offset of the first byte >= 0x80, len when there is none. */
static size_t first_non_ascii(const uint8_t *t, size_t len)
{
    size_t i = 0;
    while (i + 8 <= len) {
        uint64_t w;
        memcpy(&w, t + i, 8);
        if ((w & 0x8080808080808080ull) != 0)
            break;
        i += 8;
    }
    while (i < len && t[i] < 0x80)
        i++;
    return i;
}

/*
 * A digit of the folded text t that azk_names__digit_kept keeps. The field
 * memo's key is the unfolded field's, MeCab reads the folded one: a folded
 * field is remembered only when no digit of it is kept (one that was
 * blind in the key and is not in the folded text -- a variant folded to 第
 * -- would break the key's argument; folding copies ASCII and writes whole
 * code points, so no other digit changes).
 */
static bool kept_digit(const uint8_t *t, size_t len)
{
    for (size_t k = 0; k < len; k++) {
        if (t[k] >= '0' && t[k] <= '9' && azk_names__digit_kept(t, k))
            return true;
    }
    return false;
}

/*
 * The mentions of a remembered field, reported as its scan reported them
 * (out of line: its azk_name_hit on the stack would give the memo look-up
 * a stack protector).
 */
static __attribute__((noinline)) azk_status replay(const struct hit_slot *m, azk_name_cb cb,
                                                   void *payload)
{
    for (unsigned k = 0; k < m->n; k++) {
        azk_name_hit h;
        azk_status rc;
        h.start = m->hit[k].start;
        h.len = m->hit[k].len;
        h.family_len = m->hit[k].family_len;
        h.confidence = m->hit[k].confidence;
        h.kana = m->hit[k].kana;
        rc = cb(&h, payload);
        if (rc != AZK_OK)
            return rc;
    }
    return AZK_OK;
}

/*
 * The scan of a field the memos do not know (slot, hslot: where it is
 * remembered afterwards; NULL for a field longer than FIELD_MAX_LEN),
 * out of line: the memo look-up before it is the common case and does not
 * need its frame.
 */
static __attribute__((noinline)) azk_status
scan_field(azk_names_ctx *ctx, const char *text, size_t len, azk_column_kind col, azk_name_cb cb,
           void *payload, size_t first_hi, struct memo_key key, struct memo_slot *slot,
           struct hit_slot *hslot)
{
    azk_status rc = AZK_OK;
    struct scan s;
    bool name_col = col == AZK_COL_NAME || col == AZK_COL_NAME_KANA || col == AZK_COL_FAMILY_NAME ||
                    col == AZK_COL_GIVEN_NAME;

    memset(&s, 0, sizeof(s));
    s.ctx = ctx;
    s.n = ctx->n;
    s.t = (const uint8_t *)text;
    s.len = len;
    s.cb = cb;
    s.payload = payload;
    s.factor = 1.0;
    if (col != AZK_COL_NONE && !name_col)
        s.factor = 0.8;
    ctx->win_text = NULL;
    ctx->ntok = 0;
    if (!name_col) {
        /* free text: most words are in the word memo, which only ever
         * holds folded bytes; the scan folds when it meets one that is not */
        s.fold_open = true;
    } else if (azk_names__fold_needed(&ctx->n->lex, s.t + first_hi, len - first_hi)) {
        rc = azk_names__fold_text(&s);
        if (rc != AZK_OK)
            goto done;
    }
    if (name_col) {
        bool done = false;
        rc = azk_names__scan_column(&s, col, &done);
        if (rc != AZK_OK || done)
            goto done;
        s.boost = 0.05; /* a name column holding more than one name */
    }
    rc = azk_names__scan_free(&s);
done:
    if (rc == AZK_OK && slot != NULL && s.hits <= HIT_MAX &&
        (s.map == NULL || !kept_digit(s.t, s.len))) {
        if (s.hits == 0) {
            slot[1] = slot[0]; /* the older way goes */
            azk_names__memo_put(&slot[0], key, len, (uint32_t)col);
        } else {
            hslot[1] = hslot[0];
            hslot->a = key.a;
            hslot->b = key.b;
            hslot->len = (uint32_t)len;
            hslot->col = (uint16_t)col;
            hslot->n = (uint16_t)s.hits;
            memcpy(hslot->hit, ctx->hit_rec, sizeof(ctx->hit_rec));
        }
    }
    ctx->win_text = NULL;
    ctx->ntok = 0;
    if (s.map != NULL)
        explicit_bzero(ctx->norm.data, ctx->norm.len);
    return rc;
}

/*
 * Whether a field of at most FIELD_MAX_LEN bytes with this key was scanned
 * before and held no mention (two ways per set, the more recent first).
 */
static inline bool no_mention(azk_names_ctx *ctx, size_t len, azk_column_kind col,
                              struct memo_key key)
{
    struct memo_slot *slot = &ctx->memo[(key.a >> (64 - MEMO_BITS)) & ~(uint64_t)1];
    if (azk_names__memo_has(&slot[0], key, len, (uint32_t)col))
        return true;
    if (azk_names__memo_has(&slot[1], key, len, (uint32_t)col)) {
        struct memo_slot tmp = slot[0];
        slot[0] = slot[1];
        slot[1] = tmp;
        return true;
    }
    return false;
}

/*
 * A field of at most FIELD_MAX_LEN bytes holding a byte >= 0x80 that
 * no_mention does not know: its mentions again when it held some, else its
 * scan, remembered afterwards.
 */
static inline azk_status mentions_or_scan(azk_names_ctx *ctx, const char *text, size_t len,
                                          azk_column_kind col, azk_name_cb cb, void *payload,
                                          struct memo_key key)
{
    struct hit_slot *hslot = &ctx->hit_memo[(key.a >> (64 - HIT_BITS)) & ~(uint64_t)1];
    for (int w = 0; w < 2; w++) {
        if (hslot[w].len == len && hslot[w].col == (uint32_t)col && hslot[w].a == key.a &&
            hslot[w].b == key.b)
            return replay(&hslot[w], cb, payload); /* scanned before: these mentions */
    }
    return scan_field(ctx, text, len, col, cb, payload, 0, key,
                      &ctx->memo[(key.a >> (64 - MEMO_BITS)) & ~(uint64_t)1], hslot);
}

/*
 * azk_names__scan of a field longer than the one-block key takes (16
 * bytes), out of line: its loop and set-up are not the short cells' frame.
 */
static __attribute__((noinline)) azk_status scan_long(azk_names_ctx *ctx, const char *text,
                                                      size_t len, azk_column_kind col,
                                                      azk_name_cb cb, void *payload)
{
    size_t first_hi;
    /* every path needs a kanji or kana: an ASCII field holds no mention */
    if (len <= FIELD_MAX_LEN) {
        /* cells and log lines repeat, the latter around other digits */
        bool wide = false;
        struct memo_key key =
            azk_names__field_key(ctx, (const uint8_t *)text, len, (uint32_t)col, &wide);
        if (!wide || no_mention(ctx, len, col, key))
            return AZK_OK;
        return mentions_or_scan(ctx, text, len, col, cb, payload, key);
    }
    first_hi = first_non_ascii((const uint8_t *)text, len);
    if (first_hi == len)
        return AZK_OK;
    return scan_field(ctx, text, len, col, cb, payload, first_hi, (struct memo_key){0, 0}, NULL,
                      NULL);
}

#ifdef AZK_NAMES_KEY_AVX2
/* scan_long of a field of 17..FIELD_MAX_LEN bytes on a CPU with AVX2 (n->avx2). */
AZK_NAMES_AVX2 static __attribute__((noinline)) azk_status
scan_long_avx2(azk_names_ctx *ctx, const char *text, size_t len, azk_column_kind col,
               azk_name_cb cb, void *payload)
{
    bool wide = false;
    struct memo_key key =
        azk_names__field_key_avx2(ctx, (const uint8_t *)text, len, (uint32_t)col, &wide);
    if (!wide || no_mention(ctx, len, col, key))
        return AZK_OK; /* ASCII, or scanned before: no mention */
    return mentions_or_scan(ctx, text, len, col, cb, payload, key);
}
#endif

#ifdef AZK_NAMES_KEY_SHORT
/*
 * scan_short's field that no_mention does not know (rare: the first
 * sightings and the fields with mentions), with its key made again: out
 * of line, so that the common path makes no call and needs no frame.
 */
static __attribute__((noinline)) azk_status scan_short_new(azk_names_ctx *ctx, const char *text,
                                                           size_t len, azk_column_kind col,
                                                           azk_name_cb cb, void *payload)
{
    struct memo_key key = {0, 0};
    (void)azk_names__field_key_short(ctx, (const uint8_t *)text, len, (uint32_t)col, &key);
    return mentions_or_scan(ctx, text, len, col, cb, payload, key);
}

/*
 * azk_names__scan of a field of 1..16 bytes (most CSV cells): the same key
 * in one block without the loop, out of line (the long fields' path does
 * not pay for its frame, nor it for theirs).
 */
static __attribute__((noinline)) azk_status scan_short(azk_names_ctx *ctx, const char *text,
                                                       size_t len, azk_column_kind col,
                                                       azk_name_cb cb, void *payload)
{
    struct memo_key key;
    if (!azk_names__field_key_short(ctx, (const uint8_t *)text, len, (uint32_t)col, &key) ||
        no_mention(ctx, len, col, key))
        return AZK_OK; /* ASCII, or scanned before: no mention */
    return scan_short_new(ctx, text, len, col, cb, payload);
}
#endif

azk_status azk_names__scan(azk_names_ctx *ctx, const char *text, size_t len, azk_column_kind col,
                           azk_name_cb cb, void *payload)
{
    AZK_ASSERT_ARG(ctx);
    AZK_ASSERT_ARG(cb);
    if (len == 0)
        return AZK_OK;
    AZK_ASSERT_ARG(text != NULL || len == 0); /* after the test above: text != NULL */
#ifdef AZK_NAMES_KEY_SHORT
    if (len <= 16)
        return scan_short(ctx, text, len, col, cb, payload);
#endif
#ifdef AZK_NAMES_KEY_AVX2
    if (len <= FIELD_MAX_LEN && ctx->n->avx2)
        return scan_long_avx2(ctx, text, len, col, cb, payload);
#endif
    return scan_long(ctx, text, len, col, cb, payload);
}
