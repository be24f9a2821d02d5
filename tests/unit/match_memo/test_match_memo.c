/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/match_memo/test_match_memo.c -- the matcher's memo of keyed
 * bucket hashes (src/lib/match/hashmemo.c) gives exactly what
 * azk_fp__hasher_hash gives: for values met once and again, of every kind,
 * the same bytes under two kinds, values differing in one byte or in
 * length only, values that share a memo slot (a seed chosen so that they
 * do), values at and past the longest cached length; a second context
 * (another thread) has its own memo; freeing wipes it; batches (the name
 * windows of a line, azk_match__hash_batch) give the same hashes; values as
 * written (the raw entries azk_match__add_value keeps: normalised or not,
 * bucket, mobile) give the candidates normalising and hashing them gives.
 * A number cell taken as a customer id and as an account (normalised once
 * for both) gives each kind's own bucket. The values of a text line looked
 * up as one batch give what looking each up when found gives. Values of a
 * kind no row of the index has are not hashed, and give the candidates
 * hashing them gives but for their bucket.
 * All values are generated here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "match/match_ctx.h"
#include "match/fp.h"
#include "norm/digits.h"

/* A key and no rows; every slot marked present (a value of a kind no row has is not
 * hashed: test_memo__absent_kinds), with no row table and no seed buckets, so nothing
 * gathers rows and no row is read. */
static azk_fp_index *fake_index(uint8_t seed)
{
    azk_fp_index *idx = calloc(1, sizeof(*idx));
    assert_non_null(idx);
    for (size_t i = 0; i < AZK_FP_KEY_LEN; i++)
        idx->key[i] = (uint8_t)(seed + i * 7);
    for (size_t s = 0; s < AZK_FPS__COUNT; s++)
        idx->slot_w[s] = 8;
    azk_fp__hasher_init(&idx->hasher, idx->key);
    return idx;
}

static uint64_t rng = 0x243F6A8885A308D3ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void check(struct azk_match_ctx *ctx, unsigned kind, const uint8_t *v, size_t n)
{
    uint32_t want = azk_fp__hasher_hash(&ctx->idx->hasher, kind, v, n);
    assert_int_equal(azk_match__hash(ctx, kind, v, n), want);
}

static void test_memo__same_as_hasher(void **state)
{
    (void)state;
    azk_fp_index *idx = fake_index(1);
    struct azk_match_ctx *ctx = NULL;
    uint8_t vals[600][64];
    size_t lens[600];
    assert_int_equal(azk_match__ctx_new(&ctx, idx), AZK_OK);
    /* lengths 1..60: around the longest cached length (50) */
    for (size_t i = 0; i < 600; i++) {
        lens[i] = 1 + i % 60;
        for (size_t j = 0; j < lens[i]; j++)
            vals[i][j] = (uint8_t)(next() % 5 + '0'); /* few symbols: many near neighbours */
    }
    for (int round = 0; round < 3; round++)
        for (size_t i = 0; i < 600; i++)
            for (unsigned k = 0; k < AZK_FP__COUNT; k++)
                check(ctx, k, vals[i], lens[i]);
    /* met again: served from the memo (the memo is in use, not bypassed) */
    assert_true(ctx->memo_hits > 0);
    /* an entry is one cache line (one miss a look-up) */
    assert_int_equal((uintptr_t)ctx->memo % 64, 0);
    /* one byte changed, one byte shorter, one byte longer: other hashes */
    for (size_t i = 0; i < 600; i++) {
        uint8_t w[64];
        memcpy(w, vals[i], lens[i]);
        check(ctx, AZK_FP_NAME, vals[i], lens[i]);
        w[lens[i] - 1] ^= 1;
        check(ctx, AZK_FP_NAME, w, lens[i]);
        check(ctx, AZK_FP_NAME, vals[i], lens[i] - 1 > 0 ? lens[i] - 1 : 1);
        memcpy(w, vals[i], lens[i]);
        w[lens[i]] = 'x';
        check(ctx, AZK_FP_NAME, w, lens[i] + 1);
    }
    azk_match__ctx_free(ctx);
    free(idx);
}

/* Values that share a slot replace each other; each still gets its own hash. */
static void test_memo__slot_shared(void **state)
{
    (void)state;
    azk_fp_index *idx = fake_index(2);
    struct azk_match_ctx *ctx = NULL;
    uint8_t a[8] = "09012345";
    assert_int_equal(azk_match__ctx_new(&ctx, idx), AZK_OK);
    check(ctx, AZK_FP_PHONE, a, sizeof(a)); /* allocates the memo and draws a seed */
    /* 100,000 other values over the 2^14 slots: a's slot is taken by others
     * (all but surely), a and its bytes under another kind asked in between */
    for (int i = 0; i < 100000; i++) {
        uint8_t v[8];
        uint64_t x = next();
        memcpy(v, &x, sizeof(v));
        check(ctx, AZK_FP_PHONE, v, sizeof(v));
        if (i % 16 == 0) {
            check(ctx, AZK_FP_PHONE, a, sizeof(a));
            check(ctx, AZK_FP_EMAIL, a, sizeof(a)); /* same bytes, other kind */
        }
    }
    azk_match__ctx_free(ctx);
    free(idx);
}

/* Two contexts on two indexes of other keys: neither serves the other's hashes. */
static void test_memo__per_context(void **state)
{
    (void)state;
    azk_fp_index *i1 = fake_index(3);
    azk_fp_index *i2 = fake_index(4);
    struct azk_match_ctx *c1 = NULL;
    struct azk_match_ctx *c2 = NULL;
    const uint8_t v[] = "yamada.taro@example.jp";
    assert_int_equal(azk_match__ctx_new(&c1, i1), AZK_OK);
    assert_int_equal(azk_match__ctx_new(&c2, i2), AZK_OK);
    for (int r = 0; r < 2; r++) {
        check(c1, AZK_FP_EMAIL, v, sizeof(v) - 1);
        check(c2, AZK_FP_EMAIL, v, sizeof(v) - 1);
    }
    assert_int_not_equal(azk_match__hash(c1, AZK_FP_EMAIL, v, sizeof(v) - 1),
                         azk_match__hash(c2, AZK_FP_EMAIL, v, sizeof(v) - 1));
    assert_int_equal(c1->memo_hits, 2);
    azk_match__memo_free(c1);
    assert_null(c1->memo);
    check(c1, AZK_FP_EMAIL, v, sizeof(v) - 1); /* a fresh memo after a free */
    azk_match__ctx_free(c1);
    azk_match__ctx_free(c2);
    free(i1);
    free(i2);
}

/* Batches (the name windows of a line): same hashes, a value twice in one batch too. */
static void test_memo__batch(void **state)
{
    (void)state;
    azk_fp_index *idx = fake_index(5);
    struct azk_match_ctx *ctx = NULL;
    static uint8_t v[AZK_MATCH_BATCH_MAX][AZK_MATCH_BATCH_BYTES];
    uint8_t len[AZK_MATCH_BATCH_MAX];
    uint32_t out[AZK_MATCH_BATCH_MAX];
    assert_int_equal(azk_match__ctx_new(&ctx, idx), AZK_OK);
    for (int round = 0; round < 200; round++) {
        size_t count = 1 + next() % AZK_MATCH_BATCH_MAX;
        for (size_t i = 0; i < count; i++) {
            len[i] = (uint8_t)(1 + next() % AZK_MATCH_BATCH_BYTES);
            for (size_t j = 0; j < len[i]; j++)
                v[i][j] = (uint8_t)(next() % 3 + 'a');
            if (i > 0 && next() % 4 == 0) { /* the previous value again */
                len[i] = len[i - 1];
                memcpy(v[i], v[i - 1], len[i]);
            }
        }
        azk_match__hash_batch(ctx, round % AZK_FP__COUNT, count, v, len, out);
        for (size_t i = 0; i < count; i++) {
            assert_int_equal(
                out[i], azk_fp__hasher_hash(&idx->hasher, round % AZK_FP__COUNT, v[i], len[i]));
            check(ctx, round % AZK_FP__COUNT, v[i], len[i]); /* and one at a time */
        }
    }
    assert_true(ctx->memo_hits > 0);
    azk_match__ctx_free(ctx);
    free(idx);
}

/* A value as written, of a shape that normalises as some kind or nearly does. */
static size_t raw_value(char *out, size_t cap)
{
    static const char *const part[] = {"090",    "080",    "03",   "-",  "ー",         "０",
                                       "９",     "1",      "7",    "@",  "example.jp", "山田",
                                       "太郎",   "ヤマダ", "様",   " ",  "東京都",     "千代田区",
                                       "丸の内", "1-2-3",  "昭和", "年", "月",         "日",
                                       "/",      "1980",   "x",    "K",  "〒",         "\xe3"};
    size_t n = 0;
    size_t parts = 1 + next() % 8;
    for (size_t i = 0; i < parts; i++) {
        const char *p = part[next() % (sizeof(part) / sizeof(part[0]))];
        size_t l = strlen(p);
        if (n + l >= cap)
            break;
        memcpy(out + n, p, l);
        n += l;
    }
    /* digit runs of the lengths the kinds take (7, 10, 11, 12) */
    for (size_t d = next() % 13; d > 0 && n + 1 < cap; d--)
        out[n++] = (char)('0' + next() % 10);
    return n;
}

/* azk_match__add_value's candidate (through the memo's raw entries) against normalising and
 * hashing the value here: the same candidate or none. */
static void check_value(struct azk_match_ctx *ctx, unsigned kind, const char *s, size_t n)
{
    azk_buf b = AZK_BUF_INIT;
    bool ok = azk_fp__normalize(&b, kind, s, n);
    ctx->nc = 0;
    azk_match__add_value(ctx, kind, s, n);
    assert_int_equal(ctx->nc, ok ? 1 : 0);
    if (ok) {
        uint32_t h = azk_fp__hasher_hash(&ctx->idx->hasher, kind, b.data, b.len);
        bool mobile = kind == AZK_FP_PHONE && b.len >= 3 && b.data[0] == '0' && b.data[1] >= '7' &&
                      b.data[1] <= '9' && b.data[2] == '0';
        assert_int_equal(ctx->c[0].kind, kind);
        assert_int_equal(ctx->c[0].bucket, azk_fp__bucket(kind, h));
        assert_int_equal((ctx->c[0].ev & AZK_EV_MOBILE) != 0, mobile);
    }
    azk_buf_dispose(&b);
}

/* Values as written met again: the raw entries give what normalising gives (values of
 * every kind, normalising or not, at and past the longest cached length, the same bytes
 * under every kind, slots shared with other values and with normalised entries). */
static void test_memo__raw_values(void **state)
{
    (void)state;
    azk_fp_index *idx = fake_index(6);
    struct azk_match_ctx *ctx = NULL;
    static char vals[3000][80];
    static size_t lens[3000];
    size_t normalised = 0;
    assert_int_equal(azk_match__ctx_new(&ctx, idx), AZK_OK);
    for (size_t i = 0; i < 3000; i++) {
        lens[i] = raw_value(vals[i], sizeof(vals[i]));
        if (lens[i] == 0)
            vals[i][lens[i]++] = '1';
    }
    for (int round = 0; round < 3; round++) {
        for (size_t i = 0; i < 3000; i++) {
            for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
                check_value(ctx, k, vals[i], lens[i]);
                normalised += ctx->nc;
            }
            /* one byte shorter (a cut UTF-8 sequence too): another value */
            if (lens[i] > 1)
                check_value(ctx, AZK_FP_PHONE, vals[i], lens[i] - 1);
        }
    }
    assert_true(normalised > 1000);     /* the shapes do normalise */
    assert_true(ctx->memo_hits > 1000); /* met again: served by the raw entries */
    azk_match__ctx_free(ctx);
    free(idx);
}

/* Number cells of a table row: the customer-id and account candidates (one normal form
 * for both, azk_match__add_value's reuse) carry the bucket of each kind's own hash. */
static void test_memo__id_cells(void **state)
{
    (void)state;
    azk_fp_index *idx = fake_index(7);
    struct azk_match_ctx *ctx = NULL;
    size_t ids = 0;
    assert_int_equal(azk_match__ctx_new(&ctx, idx), AZK_OK);
    for (int i = 0; i < 4000; i++) {
        char cell[64];
        size_t n = 0;
        size_t digits = 1 + next() % 22;
        azk_field f;
        azk_record rec;
        azk_buf fold = AZK_BUF_INIT;
        for (size_t d = 0; d < digits; d++) {
            const char *p = next() % 4 == 0 ? "１" : next() % 5 == 0 ? "-" : "7";
            if (p[0] == '7')
                cell[n++] = (char)('0' + next() % 10);
            else {
                memcpy(cell + n, p, strlen(p));
                n += strlen(p);
            }
        }
        if (i % 7 == 0)
            cell[n++] = 'A'; /* a letter: a customer id only */
        memset(&f, 0, sizeof(f));
        memset(&rec, 0, sizeof(rec));
        f.ptr = cell;
        f.len = n;
        rec.fields = &f;
        rec.field_count = 1;
        rec.tabular = 1;
        azk_match__object_begin(ctx);
        assert_int_equal(azk_match__record_begin(ctx, &rec), AZK_OK);
        assert_int_equal(azk_digits__fold(&fold, cell, n, false, false), AZK_OK);
        for (size_t c = 0; c < ctx->nc; c++) {
            azk_buf b = AZK_BUF_INIT;
            unsigned k = ctx->c[c].kind;
            if (k != AZK_FP_CUSTOMER && k != AZK_FP_ACCOUNT)
                continue;
            assert_true(azk_fp__normalize(&b, k, (const char *)fold.data, fold.len));
            assert_int_equal(
                ctx->c[c].bucket,
                azk_fp__bucket(k, azk_fp__hasher_hash(&idx->hasher, k, b.data, b.len)));
            ids++;
            azk_buf_dispose(&b);
        }
        azk_match__object_end(ctx);
        azk_buf_dispose(&fold);
    }
    assert_true(ids > 2000);
    azk_match__ctx_free(ctx);
    free(idx);
}

/* A text line of 0..95 pieces: dates of every form, phones, postal codes, e-mail
 * addresses, ids, short tokens, full-width digits, kanji, NUL and separators. */
static size_t text_line(char *out, size_t cap)
{
    static const char *const part[] = {"1980年3月2日",
                                       "昭和55年3月2日",
                                       "令和元年5月1日",
                                       "2024-06-02",
                                       "2024/6/2",
                                       "090-1234-5678",
                                       "03-1234-5678",
                                       "+81-90-1234-5678",
                                       "０９０１２３４５６７８",
                                       "09012345678",
                                       "123-4567",
                                       "〒１２３-４５６７",
                                       "a.b@example.jp",
                                       "x@y.co",
                                       "AB123456",
                                       "123456789012",
                                       "+8190123456",
                                       "12345",
                                       "1234567",
                                       "12",
                                       "x",
                                       "-",
                                       "東京都港区",
                                       "様",
                                       "お客様",
                                       "山田太郎",
                                       "ヤマダ",
                                       "\xe3\x80\x80",
                                       "１９８０年３月２日",
                                       "H2.3.4",
                                       "ー",
                                       "\xe3"};
    static const char *const sep[] = {" ", ",", "、", "", "\t", "\n", ":"};
    size_t n = 0;
    size_t parts = next() % 96;
    for (size_t i = 0; i < parts; i++) {
        char buf[64];
        const char *p = part[next() % (sizeof(part) / sizeof(part[0]))];
        size_t l = strlen(p);
        if (next() % 3 == 0) { /* a fresh number: 1..25 digits, hyphens, maybe a letter */
            l = 0;
            for (size_t d = 1 + next() % 25; d > 0; d--)
                buf[l++] = next() % 6 == 0 ? '-' : (char)('0' + next() % 10);
            if (next() % 5 == 0)
                buf[l++] = 'Q';
            p = buf;
        }
        if (n + l + 2 >= cap)
            break;
        memcpy(out + n, p, l);
        n += l;
        if (next() % 40 == 0)
            out[n++] = '\0';
        p = sep[next() % (sizeof(sep) / sizeof(sep[0]))];
        memcpy(out + n, p, strlen(p));
        n += strlen(p);
    }
    return n;
}

static azk_status no_evidence(const char *client, const char *dataset, uint64_t row,
                              const struct azk_match_ev_item *items, size_t count, void *payload)
{
    (void)client, (void)dataset, (void)row, (void)items, (void)count, (void)payload;
    return AZK_OK;
}

/* Text lines (scan_text): the values of a line looked up as a batch (their memo lines
 * prefetched) give the candidates, in the same order and with the same sources, that
 * looking each up when found gives (the batch of 1), in the general zone and the closed
 * zone (ASCII dates and evidence hashes too), lines of more values than a batch holds
 * included. */
static void test_memo__text_batch(void **state)
{
    (void)state;
    azk_fp_index *idx = fake_index(8);
    uint8_t ckey[AZK_FP_KEY_LEN];
    size_t most = 0;
    size_t total = 0;
    memset(ckey, 0x5A, sizeof(ckey));
    for (int zone = 0; zone < 2; zone++) {
        struct azk_match_ctx *a = NULL;
        struct azk_match_ctx *b = NULL;
        assert_int_equal(azk_match__ctx_new(&a, idx), AZK_OK);
        assert_int_equal(azk_match__ctx_new(&b, idx), AZK_OK);
        azk_match__set_text_batch(b, 1);
        if (zone == 1) {
            azk_match__set_confirm(a, ckey, no_evidence, NULL);
            azk_match__set_confirm(b, ckey, no_evidence, NULL);
        }
        azk_match__object_begin(a);
        azk_match__object_begin(b);
        for (int i = 0; i < 1500; i++) {
            static char line[4096];
            azk_field f;
            azk_record rec;
            size_t before = a->nc;
            memset(&f, 0, sizeof(f));
            memset(&rec, 0, sizeof(rec));
            f.ptr = line;
            f.len = text_line(line, sizeof(line));
            rec.fields = &f;
            rec.field_count = 1;
            rec.line = (uint64_t)i + 1;
            assert_int_equal(azk_match__record_begin(a, &rec), AZK_OK);
            assert_int_equal(azk_match__record_begin(b, &rec), AZK_OK);
            assert_int_equal(a->nc, b->nc);
            assert_int_equal(a->src, b->src);
            for (size_t c = 0; c < a->nc; c++) {
                assert_int_equal(a->c[c].kind, b->c[c].kind);
                assert_int_equal(a->c[c].bucket, b->c[c].bucket);
                assert_int_equal(a->c[c].src, b->c[c].src);
                assert_int_equal(a->c[c].seq, b->c[c].seq);
                assert_int_equal(a->c[c].ev, b->c[c].ev);
                assert_int_equal(a->c[c].finding, b->c[c].finding);
                assert_int_equal(a->c[c].window, b->c[c].window);
                if (zone == 1)
                    assert_memory_equal(a->c[c].h, b->c[c].h, sizeof(a->c[c].h));
            }
            if (a->nc > before && a->nc - before > most)
                most = a->nc - before;
            total += a->nc;
            assert_int_equal(azk_match__record_end(a), AZK_OK);
            assert_int_equal(azk_match__record_end(b), AZK_OK);
        }
        azk_match__object_end(a);
        azk_match__object_end(b);
        azk_match__ctx_free(a);
        azk_match__ctx_free(b);
    }
    assert_true(most > 40); /* lines of more values than a batch */
    assert_true(total > 10000);
    free(idx);
}

/* Compare a's candidates (hash_kinds: the index's kinds) with b's (every kind hashed: the
 * plain path): the same candidates in the same order, with the same bucket unless their
 * kind is one no row has (then a's is 0). Returns how many such candidates there were. */
static size_t same_but_absent(const struct azk_match_ctx *a, const struct azk_match_ctx *b)
{
    size_t absent = 0;
    assert_int_equal(a->nc, b->nc);
    assert_int_equal(a->src, b->src);
    for (size_t c = 0; c < a->nc; c++) {
        bool has = (a->idx_kinds >> a->c[c].kind & 1u) != 0;
        assert_int_equal(a->c[c].kind, b->c[c].kind);
        assert_int_equal(a->c[c].bucket, has ? b->c[c].bucket : 0);
        assert_int_equal(a->c[c].src, b->c[c].src);
        assert_int_equal(a->c[c].seq, b->c[c].seq);
        assert_int_equal(a->c[c].ev, b->c[c].ev);
        assert_int_equal(a->c[c].finding, b->c[c].finding);
        assert_int_equal(a->c[c].window, b->c[c].window);
        absent += !has;
    }
    return absent;
}

/* An index without customer ids, accounts and My Numbers (the slots of a file whose
 * datasets have no such column): text lines, table rows (number cells) and findings of
 * those kinds give, twice each (the memo's raw entries the second time), the candidates
 * of hashing every kind -- same kinds, order, sources, flags; the buckets of the index's
 * kinds equal. (The matcher's answers with kinds absent: unit_match, whose indexes
 * have no accounts or My Numbers, one no postal codes or addresses, one no e-mail.) */
static void test_memo__absent_kinds(void **state)
{
    (void)state;
    azk_fp_index *idx = fake_index(9);
    struct azk_match_ctx *a = NULL;
    struct azk_match_ctx *b = NULL;
    size_t absent = 0;
    size_t present = 0;
    size_t hashed = 0; /* of them with a bucket other than 0 (1 in 2^bits is 0) */
    idx->slot_w[AZK_FPS_CUSTOMER] = 0;
    idx->slot_w[AZK_FPS_ACCOUNT] = 0;
    idx->slot_w[AZK_FPS_MYNUMBER] = 0;
    idx->slot_w[AZK_FPS_PHONE2] = 0; /* a kind with one of its two slots */
    assert_int_equal(azk_match__ctx_new(&a, idx), AZK_OK);
    assert_int_equal(azk_match__ctx_new(&b, idx), AZK_OK);
    assert_int_equal(a->idx_kinds,
                     (1u << AZK_FP_NAME | 1u << AZK_FP_BIRTH | 1u << AZK_FP_PHONE |
                      1u << AZK_FP_EMAIL | 1u << AZK_FP_POSTAL | 1u << AZK_FP_ADDRESS));
    b->hash_kinds = (1u << AZK_FP__COUNT) - 1;
    for (int round = 0; round < 2; round++) {
        rng = 0x9E3779B97F4A7C15ull; /* the same records again: raw memo answers */
        azk_match__object_begin(a);
        azk_match__object_begin(b);
        for (int i = 0; i < 1500; i++) {
            static char line[4096];
            azk_field f[3];
            azk_record rec;
            azk_finding fd;
            memset(f, 0, sizeof(f));
            memset(&rec, 0, sizeof(rec));
            rec.fields = f;
            rec.line = (uint64_t)i + 1;
            if (i % 3 == 2) { /* a table row: a number cell, a name, a date */
                size_t n = raw_value(line, 64);
                f[0].ptr = line;
                f[0].len = n > 0 ? n : 1;
                f[1].ptr = "山田太郎";
                f[1].len = strlen(f[1].ptr);
                f[2].ptr = line + 64;
                f[2].len = text_line(line + 64, 200);
                rec.field_count = 3;
                rec.tabular = 1;
            } else {
                f[0].ptr = line;
                f[0].len = text_line(line, sizeof(line));
                rec.field_count = 1;
            }
            assert_int_equal(azk_match__record_begin(a, &rec), AZK_OK);
            assert_int_equal(azk_match__record_begin(b, &rec), AZK_OK);
            absent += same_but_absent(a, b);
            /* a detector's finding of some kind over a piece of the field */
            memset(&fd, 0, sizeof(fd));
            fd.type = (azk_pii_type)(next() % (AZK_PII_MY_NUMBER + 1));
            fd.start = f[0].len > 0 ? next() % f[0].len : 0;
            fd.len = f[0].len - fd.start;
            assert_int_equal(azk_match__finding(a, &fd), AZK_OK);
            assert_int_equal(azk_match__finding(b, &fd), AZK_OK);
            absent += same_but_absent(a, b);
            for (size_t c = 0; c < a->nc; c++) {
                bool has = (a->idx_kinds >> a->c[c].kind & 1u) != 0;
                present += has;
                hashed += has && a->c[c].bucket != 0;
            }
            assert_int_equal(azk_match__record_end(a), AZK_OK);
            assert_int_equal(azk_match__record_end(b), AZK_OK);
        }
        azk_match__object_end(a);
        azk_match__object_end(b);
    }
    assert_true(absent > 5000);   /* customer ids and accounts met */
    assert_true(present > 20000); /* and values of the index's kinds, hashed */
    assert_true(hashed > present * 9 / 10);
    azk_match__ctx_free(a);
    azk_match__ctx_free(b);
    free(idx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memo__same_as_hasher), cmocka_unit_test(test_memo__slot_shared),
        cmocka_unit_test(test_memo__per_context),    cmocka_unit_test(test_memo__batch),
        cmocka_unit_test(test_memo__raw_values),     cmocka_unit_test(test_memo__id_cells),
        cmocka_unit_test(test_memo__text_batch),     cmocka_unit_test(test_memo__absent_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
