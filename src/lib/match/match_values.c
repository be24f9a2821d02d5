/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/match_values.c -- the candidate values of a record for the
 * matcher (match.c): every cell of a table row under each kind it can be,
 * and in a text line its dates and ASCII tokens (ids, phones, e-mail,
 * postal codes), each normalised, hashed through the memo (hashmemo.c)
 * and stamped with its source and line. A text line's values are looked
 * up as one batch so that their memo misses overlap.
 */
#include "match/match.h"
#include "norm/datetime.h"
#include "norm/digits.h"
#include "norm/norm.h"

#include <string.h>
#include "match/match_ctx.h"

/*
 * Normalise, hash and remember one candidate value. normed: -1, or what
 * the previous call returned for the same bytes under a kind of the same
 * normaliser (customer id, account: azk_fp__normalize's default), whose
 * result is still in ctx->norm. Returns 1 when it normalised s into
 * ctx->norm, 0 when s does not normalise, -1 when it did not normalise
 * here (a memo answer, no room).
 */
static int add_value_normed(struct azk_match_ctx *ctx, unsigned kind, const char *s, size_t n,
                            int normed)
{
    uint32_t h = 0;
    uint64_t tag = 0;
    bool mobile = false;
    int known = -1;
    if (n == 0 || n > 512 || ctx->nc >= MAX_CANDS)
        return -1;
    /* seen as written before: its normalisation's answer (the closed zone hashes the
     * normalised value again, so it always normalises) */
    if (!ctx->confirm)
        known = azk_match__raw_get(ctx, kind, s, n, &tag, &h, &mobile);
    if (known == 0)
        return -1;
    if (known < 0) {
        if (normed < 0)
            normed = azk_fp__normalize(&ctx->norm, kind, s, n) ? 1 : 0;
        if (normed == 0) {
            azk_match__raw_put(ctx, tag, kind, s, n, false, 0, false);
            return 0;
        }
        /*
         * A kind no row of the index has (a file without customer ids or accounts):
         * its bucket meets no row -- confirm() and row_may_match ask only kinds a row
         * has, and the closed zone hashes every kind -- so the keyed hash is not
         * computed (bucket 0). The candidate is still made when the value normalises:
         * whether a line brought candidates, and how many the window holds, decide
         * what is evaluated.
         */
        h = ctx->confirm || (ctx->hash_kinds >> kind & 1u) != 0
                ? azk_match__hash(ctx, kind, ctx->norm.data, ctx->norm.len)
                : 0;
        /* 070 / 080 / 090: a mobile, one person's (other numbers: a household's line) */
        mobile = kind == AZK_FP_PHONE && ctx->norm.len >= 3 && ctx->norm.data[0] == '0' &&
                 ctx->norm.data[1] >= '7' && ctx->norm.data[1] <= '9' && ctx->norm.data[2] == '0';
        azk_match__raw_put(ctx, tag, kind, s, n, true, h, mobile);
        if (ctx->confirm)
            azk_match__ev_hash(ctx->ckey, kind, ctx->norm.data, ctx->norm.len, ctx->c[ctx->nc].h);
    }
    ctx->c[ctx->nc].kind = (uint8_t)kind;
    ctx->c[ctx->nc].finding = ctx->in_finding;
    ctx->c[ctx->nc].ev = ctx->in_finding ? AZK_EV_DEFINITE : 0;
    if (mobile)
        ctx->c[ctx->nc].ev |= AZK_EV_MOBILE;
    ctx->c[ctx->nc].window = false;
    ctx->c[ctx->nc].src = ctx->src;
    ctx->c[ctx->nc].bucket = azk_fp__bucket(kind, h);
    ctx->c[ctx->nc].seq = ctx->seq;
    ctx->nc++;
    return known < 0 ? 1 : -1;
}

void azk_match__add_value(struct azk_match_ctx *ctx, unsigned kind, const char *s, size_t n)
{
    (void)add_value_normed(ctx, kind, s, n, -1);
}

/* Start a new source value (a cell, a token, a finding). */
void azk_match__new_src(struct azk_match_ctx *ctx)
{
    ctx->src++;
}

static bool has_digit(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] >= '0' && s[i] <= '9')
            return true;
    /* full-width digits: EF BC 90..99 */
    for (size_t i = 0; i + 2 < n; i++)
        if ((uint8_t)s[i] == 0xEF && (uint8_t)s[i + 1] == 0xBC && (uint8_t)s[i + 2] >= 0x90 &&
            (uint8_t)s[i + 2] <= 0x99)
            return true;
    return false;
}

/* What add_number_token decides a token's kinds by. */
struct token_shape {
    size_t digits; /* ASCII digits */
    size_t alpha;  /* ASCII letters */
    size_t first;  /* position of the first digit (n: none) */
};

static struct token_shape token_shape_of(const char *s, size_t n)
{
    struct token_shape t = {0, 0, n};
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= '0' && s[i] <= '9') {
            if (t.first == n)
                t.first = i;
            t.digits++;
        } else if ((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z')) {
            t.alpha++;
        }
    }
    return t;
}

static void add_number_token(struct azk_match_ctx *ctx, const char *s, size_t n,
                             const struct token_shape *t);

/* A table cell: it may be any kind; invalid ones are dropped by normalisation. */
static void add_cell(struct azk_match_ctx *ctx, const char *s, size_t n)
{
    bool digits = has_digit(s, n);
    size_t before;
    azk_match__new_src(ctx);
    if (memchr(s, '@', n) != NULL) {
        azk_match__add_value(ctx, AZK_FP_EMAIL, s, n);
        return;
    }
    if (!digits) {
        azk_match__add_value(ctx, AZK_FP_NAME, s, n);
        return;
    }
    before = ctx->nc;
    azk_match__add_value(ctx, AZK_FP_BIRTH, s, n);
    if (ctx->nc > before)
        return; /* a date is a date, not also an id */
    azk_match__add_value(ctx, AZK_FP_ADDRESS, s, n);
    /* width-fold so the digit counts of add_number_token apply */
    azk_buf_clear(&ctx->tmp);
    if (azk_digits__fold(&ctx->tmp, s, n, false, false) == AZK_OK) {
        struct token_shape t = token_shape_of((const char *)ctx->tmp.data, ctx->tmp.len);
        add_number_token(ctx, (const char *)ctx->tmp.data, ctx->tmp.len, &t);
    }
    azk_error_clear();
}

static bool token_byte(uint8_t b)
{
    return (b >= '0' && b <= '9') || (b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || b == '-' ||
           b == '_' || b == '.' || b == '@' || b == '+';
}

/*
 * A token with digits: only the kinds its digit count allows (phone 10-11
 * digits from 0, postal 7, my number 12, ids 4-20), so that normalisers
 * run only where they can succeed.
 */
static void add_number_token(struct azk_match_ctx *ctx, const char *s, size_t n,
                             const struct token_shape *t)
{
    size_t digits = t->digits;
    size_t alpha = t->alpha;
    size_t first = t->first;
    size_t before = ctx->nc;
    if (digits == 0)
        return;
    /* a value of one shape is that kind only (a phone number is not also an id) */
    if (alpha == 0 && (digits == 10 || digits == 11) && (s[first] == '0' || s[0] == '+'))
        azk_match__add_value(ctx, AZK_FP_PHONE, s, n);
    if (alpha == 0 && (digits == 12 || (digits == 11 && s[0] == '+')))
        azk_match__add_value(ctx, AZK_FP_PHONE, s, n); /* +81 forms */
    if (alpha == 0 && digits == 12)
        azk_match__add_value(ctx, AZK_FP_MYNUMBER, s, n);
    if (ctx->nc > before)
        return;
    if (alpha == 0 && digits == 7)
        azk_match__add_value(ctx, AZK_FP_POSTAL, s, n);
    if (digits + alpha >= 4 && digits + alpha <= 20) {
        /* one normaliser for both (azk_fp__normalize): the id's normal form is reused */
        int normed = add_value_normed(ctx, AZK_FP_CUSTOMER, s, n, -1);
        if (alpha == 0)
            (void)add_value_normed(ctx, AZK_FP_ACCOUNT, s, n, normed);
    }
}

/*
 * The values of a text line wait here until the line's values are all found
 * (or TEXT_BATCH of them): the memo line of each (azk_match__raw_get's) is
 * asked for when the value is found, so the line's cache misses overlap
 * instead of queueing one after another (the memo is 1 MiB). Nothing
 * scan_text decides depends on what a value gave, so the candidates, their
 * order and their sources are those of adding each value when found.
 */
#define TEXT_BATCH  32
#define TEXT_NUMBER 0xFFu /* a number token: add_number_token */

struct text_value {
    const char *s;
    size_t n;
    uint32_t src;             /* ctx->src when found */
    unsigned kind;            /* AZK_FP_BIRTH, AZK_FP_EMAIL or TEXT_NUMBER */
    struct token_shape shape; /* TEXT_NUMBER */
};

struct text_batch {
    struct text_value v[TEXT_BATCH];
    size_t n;
    size_t max; /* TEXT_BATCH; a test sets 1: each value added when found */
};

static void text_flush(struct azk_match_ctx *ctx, struct text_batch *b)
{
    uint32_t src = ctx->src;
    for (size_t i = 0; i < b->n; i++) {
        const struct text_value *v = &b->v[i];
        ctx->src = v->src;
        if (v->kind == TEXT_NUMBER)
            add_number_token(ctx, v->s, v->n, &v->shape);
        else
            azk_match__add_value(ctx, v->kind, v->s, v->n);
    }
    ctx->src = src;
    b->n = 0;
}

static void text_push(struct azk_match_ctx *ctx, struct text_batch *b, unsigned kind, const char *s,
                      size_t n)
{
    struct text_value *v = &b->v[b->n++];
    v->s = s;
    v->n = n;
    v->src = ctx->src;
    v->kind = kind;
    if (kind == TEXT_NUMBER) {
        const struct token_shape *t = &v->shape;
        v->shape = token_shape_of(s, n);
        /* the kinds add_number_token may ask (a superset: a prefetch decides nothing) */
        if (t->alpha == 0 && t->digits >= 10 && t->digits <= 12)
            azk_match__raw_prefetch(ctx, AZK_FP_PHONE, s, n);
        if (t->alpha == 0 && t->digits == 12)
            azk_match__raw_prefetch(ctx, AZK_FP_MYNUMBER, s, n);
        if (t->alpha == 0 && t->digits == 7)
            azk_match__raw_prefetch(ctx, AZK_FP_POSTAL, s, n);
        if (t->digits + t->alpha >= 4 && t->digits + t->alpha <= 20) {
            azk_match__raw_prefetch(ctx, AZK_FP_CUSTOMER, s, n);
            if (t->alpha == 0)
                azk_match__raw_prefetch(ctx, AZK_FP_ACCOUNT, s, n);
        }
    } else {
        azk_match__raw_prefetch(ctx, kind, s, n);
    }
    if (b->n == b->max)
        text_flush(ctx, b);
}

/* Free text: dates anywhere, and ASCII tokens (ids, phones, e-mail, postal codes). */
static void scan_text(struct azk_match_ctx *ctx, const char *s, size_t n)
{
    size_t i = 0;
    struct text_batch tb;
    tb.n = 0;
    tb.max = ctx->text_batch > 0 && ctx->text_batch < TEXT_BATCH ? ctx->text_batch : TEXT_BATCH;
    while (i < n) {
        uint8_t b = (uint8_t)s[i];
        if (token_byte(b)) {
            size_t j = i;
            while (j < n && token_byte((uint8_t)s[j]))
                j++;
            azk_match__new_src(ctx);
            /*
             * A date in ASCII form (2024-06-02) in free text is most often a
             * time stamp: it is not taken as a birth date (that needs the
             * detector's birth_date finding, i.e. a 生年月日 / DOB context),
             * and the token is not an id either.
             */
            for (size_t k = i; k < j; k++) {
                azk_date d;
                size_t used;
                if (s[k] < '0' || s[k] > '9' || (k > i && s[k - 1] >= '0' && s[k - 1] <= '9'))
                    continue;
                used = azk_date__parse(s + k, n - k, false, &d);
                if (used == 0)
                    continue;
                /* 1980年3月2日: written for people, a birth date candidate; in the
                 * closed zone any date is evidence (only a value equal to the record's
                 * birth date counts there, whatever the date was written for) */
                if ((d.flags & AZK_DATE_KANJI) || ctx->confirm) {
                    azk_match__new_src(ctx);
                    text_push(ctx, &tb, AZK_FP_BIRTH, s + k, used);
                    j = k + used;
                }
                i = j;
                break;
            }
            if (i == j)
                continue;
            if (j - i >= 4 && j - i <= 64)
                text_push(ctx, &tb, memchr(s + i, '@', j - i) != NULL ? AZK_FP_EMAIL : TEXT_NUMBER,
                          s + i, j - i);
            i = j;
            continue;
        }
        if (b >= 0x80) {
            /* era dates and kanji dates start with a kanji era name or a full-width digit */
            azk_date d;
            size_t used =
                azk_date__may_start(s + i, n - i) ? azk_date__parse(s + i, n - i, false, &d) : 0;
            if (used > 0) {
                azk_match__new_src(ctx);
                text_push(ctx, &tb, AZK_FP_BIRTH, s + i, used);
                i += used;
                continue;
            }
            i++;
            while (i < n && ((uint8_t)s[i] & 0xC0) == 0x80)
                i++;
            continue;
        }
        i++;
    }
    text_flush(ctx, &tb);
}

void azk_match__analyse_row(struct azk_match_ctx *ctx, const azk_record *rec)
{
    for (size_t f = 0; f < rec->field_count; f++) {
        add_cell(ctx, rec->fields[f].ptr, rec->fields[f].len);
        /* a name split over two cells (姓, 名) */
        if (f + 1 < rec->field_count && rec->fields[f].len > 0 && rec->fields[f].len <= 24 &&
            rec->fields[f + 1].len > 0 && rec->fields[f + 1].len <= 24 &&
            !has_digit(rec->fields[f].ptr, rec->fields[f].len) &&
            !has_digit(rec->fields[f + 1].ptr, rec->fields[f + 1].len)) {
            azk_buf_clear(&ctx->tmp);
            azk_match__new_src(ctx);
            if (azk_buf_put(&ctx->tmp, rec->fields[f].ptr, rec->fields[f].len) == AZK_OK &&
                azk_buf_put(&ctx->tmp, rec->fields[f + 1].ptr, rec->fields[f + 1].len) == AZK_OK)
                azk_match__add_value(ctx, AZK_FP_NAME, (const char *)ctx->tmp.data, ctx->tmp.len);
        }
    }
}

/* Candidates of a text line (dates, tokens), credited to record seq. */
void azk_match__analyse_text(struct azk_match_ctx *ctx, const char *p, size_t n, uint64_t seq)
{
    uint64_t cur = ctx->seq;
    ctx->seq = seq; /* azk_match__add_value stamps candidates with ctx->seq */
    /* full-width digits and hyphen look-alikes become ASCII tokens */
    azk_buf_clear(&ctx->tmp);
    if (azk_digits__fold(&ctx->tmp, p, n, false, false) == AZK_OK)
        scan_text(ctx, (const char *)ctx->tmp.data, ctx->tmp.len);
    else
        scan_text(ctx, p, n);
    azk_error_clear();
    {
        bool found = false;  /* the address detector gave this line's address */
        bool postal = false; /* a postal code on the line: an address likely follows */
        for (size_t i = 0; i < ctx->nc && !found; i++) {
            found = ctx->c[i].finding && ctx->c[i].kind == AZK_FP_ADDRESS && ctx->c[i].seq == seq;
            postal |= ctx->c[i].kind == AZK_FP_POSTAL && ctx->c[i].seq == seq;
        }
        if (!found && (postal || azk_match__line_trigger(p, n)))
            azk_match__add_address_windows(ctx, p, n);
    }
    ctx->seq = cur;
}

#ifdef AZK_TESTING
void azk_match__set_text_batch(struct azk_match_ctx *ctx, unsigned n)
{
    ctx->text_batch = n;
}
#endif
