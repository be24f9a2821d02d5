/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_numbers.c -- numeric tokens: a digit token read whole (groups and
 * separators, full-width digits, +81) and classified into phone numbers,
 * postal codes, My Number, corporate numbers, payment cards, bank accounts
 * and compact dates, with their validators and label context.
 */
#include "detect/detect.h"
#include "detect/detect_int.h"
#include "detect/names.h"
#include "norm/norm.h"
#include "detect/places.h"
#include "norm/digits.h"
#include "norm/datetime.h"

#include <hs/hs.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "detect/detect_scan.h"

/* ---- numeric tokens -------------------------------------------------------- */

#define MAX_GROUPS       16
#define MAX_TOKEN_DIGITS 48

struct group {
    size_t s, e; /* bytes of the digits */
    uint8_t nd;  /* digit count */
    char sep;    /* separator before: 0 first, '-', ' ', '(' (any parenthesis) */
};

struct ntok {
    size_t start, end;
    bool plus81;
    size_t ng;
    struct group g[MAX_GROUPS];
    char dig[MAX_TOKEN_DIGITS + 1];
    uint8_t doff[MAX_GROUPS]; /* offset of each group's digits in dig */
};

/* Read a digit token from start: groups separated by at most 3 separator chars. */
static void token_read(const struct fld *f, size_t start, struct ntok *t)
{
    size_t pos = start, nd = 0;
    char sep = 0;
    memset(t, 0, offsetof(struct ntok, g));
    t->start = start;
    t->end = start;
    while (pos < f->len) {
        uint32_t a;
        size_t l = azk_digits__next(f->s, f->len, pos, &a);
        if (pos == start && a == '+') {
            uint32_t a1 = 0, a2 = 0;
            size_t l1 = 0, l2 = 0;
            if (pos + l < f->len)
                l1 = azk_digits__next(f->s, f->len, pos + l, &a1);
            if (pos + l + l1 < f->len)
                l2 = azk_digits__next(f->s, f->len, pos + l + l1, &a2);
            if (a1 != '8' || a2 != '1')
                return;
            t->plus81 = true;
            pos += l + l1 + l2;
            t->end = pos;
            sep = ' ';
            /* "+81-3-...", "+81 (0)3 ..." */
            while (pos < f->len && pos - t->end < 4) {
                size_t l3 = azk_digits__next(f->s, f->len, pos, &a);
                if (!azk_detect__is_tok_sep(a))
                    break;
                if (a == '(')
                    sep = '(';
                pos += l3;
            }
            continue;
        }
        if (azk_digits__isdigit(a)) {
            struct group *g;
            if (t->ng == MAX_GROUPS)
                return;
            g = &t->g[t->ng];
            g->s = pos;
            g->sep = t->ng == 0 && !t->plus81 ? (sep == '(' ? '(' : 0) : sep;
            t->doff[t->ng] = (uint8_t)nd;
            while (pos < f->len) {
                unsigned b = (unsigned char)f->s[pos];
                if (b - '0' < 10) {
                    if (nd + 8 <= MAX_TOKEN_DIGITS) {
                        /* up to eight ASCII digits at once; the limit below
                         * cannot be reached by them */
                        uint64_t w;
                        unsigned k =
                            azk_detect__ascii_digits8((const unsigned char *)f->s, pos, f->len, &w);
                        memcpy(t->dig + nd, &w, 8);
                        nd += k;
                        pos += k;
                        continue;
                    }
                    a = b; /* an ASCII digit: no decoding */
                    l = 1;
                } else if (b < 0x80) {
                    break;
                } else {
                    l = azk_digits__next(f->s, f->len, pos, &a);
                    if (!azk_digits__isdigit(a))
                        break;
                }
                if (nd == MAX_TOKEN_DIGITS)
                    return;
                t->dig[nd++] = (char)a;
                pos += l;
            }
            g->nd = (uint8_t)(nd - t->doff[t->ng]);
            t->dig[nd] = '\0';
            g->e = pos;
            t->end = pos;
            t->ng++;
            /* separators before the next group */
            {
                int count = 0, hy = 0;
                size_t p2 = pos;
                sep = 0;
                while (p2 < f->len && count < 3) {
                    size_t l2 = azk_digits__next(f->s, f->len, p2, &a);
                    if (!azk_detect__is_tok_sep(a))
                        break;
                    if (a == '-' && ++hy > 1)
                        break;
                    if (a == '(' || a == ')')
                        sep = '(';
                    else if (a == '-' && sep != '(')
                        sep = '-';
                    else if (sep == 0)
                        sep = ' ';
                    p2 += l2;
                    count++;
                }
                if (p2 >= f->len || count == 0 || count == 3)
                    return;
                (void)azk_digits__next(f->s, f->len, p2, &a);
                if (!azk_digits__isdigit(a))
                    return; /* a trailing ')' or '-' is not part of the token */
                pos = p2;
            }
            continue;
        }
        if (pos == start && a == '(') {
            sep = '(';
            pos += l;
            continue;
        }
        return;
    }
}

/* Tests: every token read with token_read (detect_scan.h). */
bool azk_detect__numfast_off;

/*
 * token_read for the common token: ASCII digit groups from `start` (an
 * ASCII digit), one ASCII separator between groups. Returns false, having
 * decided nothing, when the token may be anything else (a byte >= 0x80
 * that folds to a digit or separator, two separator characters in a row,
 * a group cut by the digit limit): the caller then reads it with
 * token_read. When true, *t is what token_read stores for the token
 * (tests/unit/detect_numfast compares the findings with and without it).
 */
static bool token_read_fast(const struct fld *f, size_t start, struct ntok *t)
{
    const unsigned char *u = (const unsigned char *)f->s;
    size_t len = f->len, pos = start, nd = 0, ng = 0;
    char sep = 0;
    for (;;) {
        struct group *g;
        size_t gs = pos, d0 = nd;
        unsigned k, b;
        if (ng == MAX_GROUPS)
            return false;
        do {
            uint64_t w;
            if (nd + 8 > MAX_TOKEN_DIGITS)
                return false; /* token_read's digit limit: its byte loop decides */
            k = azk_detect__ascii_digits8(u, pos, len, &w);
            memcpy(t->dig + nd, &w, 8);
            nd += k;
            pos += k;
        } while (k == 8 && pos < len);
        g = &t->g[ng];
        g->s = gs;
        g->e = pos;
        g->nd = (uint8_t)(nd - d0);
        g->sep = sep;
        t->doff[ng++] = (uint8_t)d0;
        if (pos >= len)
            break;
        b = u[pos];
        if (b >= 0x80) {
            uint32_t a;
            (void)azk_digits__next(f->s, len, pos, &a);
            if (azk_digits__isdigit(a) || azk_detect__is_tok_sep(a))
                return false; /* a full-width digit or separator */
            break;
        }
        if (!azk_detect__is_tok_sep(b))
            break; /* not a digit either: ascii_digits8 stopped at it */
        if (pos + 1 >= len)
            break;
        if ((unsigned)(u[pos + 1] - '0') < 10) {
            sep = b == '-' ? '-' : b == ' ' ? ' ' : '(';
            pos++;
            continue;
        }
        if (u[pos + 1] >= 0x80 || azk_detect__is_tok_sep(u[pos + 1]))
            return false; /* a second separator character */
        break;            /* one separator, then no digit: the token ends */
    }
    t->dig[nd] = '\0';
    t->start = start;
    t->end = t->g[ng - 1].e;
    t->plus81 = false;
    t->ng = ng;
    return true;
}

/*
 * Left boundary of a slice starting at `pos`: not inside a word, a version
 * number, a path or a part number (AB-0312-3456).
 */
bool azk_detect__left_ok(const struct fld *f, size_t pos, bool grouped)
{
    size_t at, at2;
    uint32_t a = azk_detect__char_before(f, pos, &at), b;
    if (a == 0)
        return true;
    if (azk_digits__isdigit(a) || a == '_' || a == '.' || a == '/' || a == '\\' || a == '-' ||
        a == '#' || a == '+')
        return false;
    if (azk_detect__is_alnum(a))
        return azk_detect__label_ends_at(f, pos) ||
               (grouped && !azk_detect__is_alnum(azk_detect__char_before(f, at, &at2)));
    if (a == ':' || a == ' ') {
        /* "v1.2.3 0312345678"-like runs are fine; "12:34" is not a token start */
        b = azk_detect__char_before(f, at, &at2);
        if (a == ':' && azk_digits__isdigit(b))
            return false;
    }
    return true;
}

static bool right_ok(const struct fld *f, size_t pos)
{
    size_t l, l2;
    uint32_t a = azk_detect__char_at(f, pos, &l), b;
    if (a == 0)
        return true;
    if (azk_detect__is_alnum(a) || a == '_')
        return false;
    if (a == '-' || a == '.' || a == '/' || a == ':' || a == '@' || a == '\\') {
        b = azk_detect__char_at(f, pos + l, &l2);
        if (azk_detect__is_alnum(b))
            return false;
    }
    return true;
}

static bool seps_uniform(const struct ntok *t, size_t i, size_t j, char want_sep)
{
    size_t k;
    for (k = i + 1; k < j; k++) {
        if (t->g[k].sep != want_sep)
            return false;
    }
    return true;
}

static bool group_shape(const struct ntok *t, size_t i, size_t j, const uint8_t *shape, size_t n)
{
    size_t k;
    if (j - i != n)
        return false;
    for (k = 0; k < n; k++) {
        if (t->g[i + k].nd != shape[k])
            return false;
    }
    return seps_uniform(t, i, j, t->g[i + 1 < j ? i + 1 : i].sep) &&
           (t->g[i + 1 < j ? i + 1 : i].sep == '-' || t->g[i + 1 < j ? i + 1 : i].sep == ' ');
}

static bool card_shape(const struct ntok *t, size_t i, size_t j, size_t n)
{
    static const uint8_t s4444[] = {4, 4, 4, 4};
    static const uint8_t s465[] = {4, 6, 5};
    static const uint8_t s464[] = {4, 6, 4};
    size_t k;
    if (j - i == 1)
        return true;
    if (group_shape(t, i, j, s465, 3) || group_shape(t, i, j, s464, 3))
        return true;
    if (j - i == 4 && group_shape(t, i, j, s4444, 4))
        return true;
    if (j - i == 5 && n > 16) {
        /* 4-4-4-4-N (19 digits) */
        for (k = i; k < i + 4; k++) {
            if (t->g[k].nd != 4)
                return false;
        }
        return seps_uniform(t, i, j, t->g[i + 1].sep) && t->g[i + 1].sep != '(';
    }
    return false;
}

/* The digit counts of groups i..j-1 into gl (for the phone plan). */
static void slice_groups(const struct ntok *t, size_t i, size_t j, uint8_t *gl)
{
    size_t k;
    for (k = i; k < j; k++)
        gl[k - i] = t->g[k].nd;
}

/* Followed (after spaces) by a prefecture name: a postal code heading an address. */
static bool before_prefecture(const struct fld *f, size_t pos)
{
    size_t i, l;
    uint32_t a = azk_detect__char_at(f, pos, &l);
    while (l > 0 && a == ' ') {
        pos += l;
        a = azk_detect__char_at(f, pos, &l);
    }
    if (pos >= f->len)
        return false; /* no name is empty */
    for (i = 0; i < 47; i++) {
        size_t pl;
        if (azk_detect__prefs[i][0] != f->s[pos])
            continue; /* measured and compared only when the first byte agrees */
        pl = strlen(azk_detect__prefs[i]);
        if (f->len - pos >= pl && memcmp(f->s + pos, azk_detect__prefs[i], pl) == 0)
            return true;
    }
    return false;
}

/* azk_detect__label_before(f, start, 48), computed on first use (most slices fail validation). */
static azk_column_kind slice_label(struct fld *f, size_t start, int *lab)
{
    if (*lab < 0)
        *lab = (int)azk_detect__label_before(f, start, 48);
    return (azk_column_kind)*lab;
}

/*
 * A qualified-invoice registration number (適格請求書発行事業者登録番号) is
 * `T` + a corporate number: T1234567890123, T 1234..., T-1-2345-...; the
 * T (or Ｔ) is not inside a word. Stores where the T starts.
 */
bool azk_detect__invoice_prefix(const struct fld *f, size_t pos, size_t *tpos)
{
    size_t at, at2;
    uint32_t a = azk_detect__char_before(f, pos, &at);
    if (a == ' ' || a == '-') {
        pos = at;
        a = azk_detect__char_before(f, pos, &at);
    }
    if (a != 'T')
        return false;
    *tpos = at;
    return at == 0 || !azk_detect__is_alnum(azk_detect__char_before(f, at, &at2));
}

/* `普通-1234567`: an account label, a hyphen, the number. */
static bool bank_label_sep(const struct fld *f, size_t pos)
{
    size_t at, i;
    uint32_t a = azk_detect__char_before(f, pos, &at);
    if (a != '-')
        return false;
    for (i = 0; i < f->c->label_count; i++) {
        if (f->c->labels[i].end == at && f->c->labels[i].kind == AZK_COL_BANK_ACCOUNT)
            return true;
    }
    return false;
}

/*
 * Can a slice of n digits starting with group i be any digit type below
 * (other than +81)? Only 7 (postal code, account), 10-11 starting with 0
 * (phone), 12, 13 and 14-19 (card) digits can: most tokens of a log (ids,
 * timestamps, part numbers) are rejected here before the boundary checks.
 */
static bool slice_may_classify(const struct ntok *t, size_t i, size_t n)
{
    if (n == 10 || n == 11)
        return t->dig[t->doff[i]] == '0';
    return n == 7 || (n >= 12 && n <= 19);
}

/*
 * A candidate of a digit type, NULL when the record's confidence floor
 * would drop it anyway (nothing raises these later): it is then not stored
 * nor its masked rendering made. Postal codes do not come here: a row's
 * address may raise them (CF_POSTAL_ADDR).
 */
static struct cand *num_cand(struct fld *f, azk_pii_type t, size_t start, size_t len, double conf)
{
    if (conf < f->c->eng->min_conf)
        return NULL;
    return azk_detect__cand_add(f, t, start, len, conf);
}

/* Try to classify groups i..j-1 of the token; true when a candidate was added. */
static bool classify_slice(struct fld *f, const struct ntok *t, size_t i, size_t j)
{
    const char *d; /* the slice's n digits (not NUL-terminated) */
    uint8_t gl[MAX_GROUPS];
    size_t n, k, gc = j - i, start, end, prefix = 0, tpos = 0;
    bool grouped = gc > 1, intl = t->plus81 && i == 0;
    azk_column_kind col = f->col;
    int lab = -1; /* azk_detect__label_before, looked up once a value validates */
    struct cand *x;
    double conf;
    /* the digits of groups i..j-1: token_read stores the groups one after
     * the other in dig (group k at doff[k], g[k].nd digits; a group cut by
     * the digit limit is not counted in ng) */
    n = (size_t)t->doff[j - 1] + t->g[j - 1].nd - t->doff[i];
    d = t->dig + t->doff[i];
    if (!intl && !slice_may_classify(t, i, n))
        return false;
    start = (i == 0) ? t->start : t->g[i].s;
    if (i == 0 && t->g[0].sep == '(' && !t->plus81)
        start = t->start;
    end = t->g[j - 1].e;
    if (!right_ok(f, end))
        return false;
    if (!intl && n == 13 && azk_detect__invoice_may(f, start) &&
        azk_detect__invoice_prefix(f, start, &tpos) &&
        (gc == 1 || (seps_uniform(t, i, j, t->g[i + 1].sep) && t->g[i + 1].sep != '('))) {
        /* T + 13 digits: the T is the registration number's own prefix */
        if (!azk_detect__corporate_valid(d, n))
            return false;
        conf = azk_detect__with_context(0.9, slice_label(f, tpos, &lab), col,
                                        AZK_COL_CORPORATE_NUMBER, 0.95);
        x = num_cand(f, AZK_PII_CORPORATE_NUMBER, tpos, end - tpos, conf);
        if (x != NULL)
            azk_detect__mask_digits(x->masked, sizeof(x->masked), AZK_PII_CORPORATE_NUMBER, d, n);
        return true;
    }
    if (start > 0 && !azk_detect__left_ok(f, start, grouped || intl) &&
        !(n == 7 && gc == 1 && col == AZK_COL_NONE && bank_label_sep(f, start)))
        return false;

    if (intl) {
        /* +81 3-1234-5678, +81 (0)3-..., +81 90 1234 5678 */
        char nd[MAX_TOKEN_DIGITS + 2];
        size_t off = 0;
        slice_groups(t, i, j, gl);
        if (gc > 1 && gl[0] == 1 && d[0] == '0') {
            off = 1; /* "(0)" */
            memmove(gl, gl + 1, gc - 1);
            gc--;
        } else if (d[0] == '0') {
            off = 1;
            gl[0]--;
        }
        nd[0] = '0';
        memcpy(nd + 1, d + off, n - off);
        n = n - off + 1;
        nd[n] = '\0';
        gl[0]++;
        if (!azk_detect__phone_valid(nd, n, gl, gc, &prefix))
            return false;
        conf =
            azk_detect__with_context(0.85, slice_label(f, start, &lab), col, AZK_COL_PHONE, 0.95);
        x = num_cand(f, AZK_PII_PHONE, start, end - start, conf);
        if (x != NULL)
            azk_detect__mask_phone(x->masked, sizeof(x->masked), nd, n, prefix);
        return true;
    }

    if (n >= 14 && n <= 19 && card_shape(t, i, j, n) && azk_detect__card_valid(d, n)) {
        conf = azk_detect__with_context(grouped ? 0.9 : 0.7, slice_label(f, start, &lab), col,
                                        AZK_COL_CREDIT_CARD, 0.96);
        x = num_cand(f, AZK_PII_CREDIT_CARD, start, end - start, conf);
        if (x != NULL)
            azk_detect__mask_digits(x->masked, sizeof(x->masked), AZK_PII_CREDIT_CARD, d, n);
        return true;
    }
    if (n == 13) {
        static const uint8_t s1444[] = {1, 4, 4, 4};
        bool shaped = gc == 1 || group_shape(t, i, j, s1444, 4);
        if (!shaped && seps_uniform(t, i, j, t->g[i + 1].sep) && t->g[i + 1].sep == '-' &&
            (col == AZK_COL_CORPORATE_NUMBER ||
             slice_label(f, start, &lab) == AZK_COL_CORPORATE_NUMBER))
            shaped = true; /* 法人番号 1234-5678-90123: any hyphenation with context */
        if (shaped && azk_detect__corporate_valid(d, n)) {
            conf = azk_detect__with_context(grouped ? 0.6 : 0.45, slice_label(f, start, &lab), col,
                                            AZK_COL_CORPORATE_NUMBER, 0.95);
            x = num_cand(f, AZK_PII_CORPORATE_NUMBER, start, end - start, conf);
            if (x != NULL)
                azk_detect__mask_digits(x->masked, sizeof(x->masked), AZK_PII_CORPORATE_NUMBER, d,
                                        n);
            return true;
        }
        return false;
    }
    if (n == 12) {
        static const uint8_t s444[] = {4, 4, 4};
        if ((gc == 1 || group_shape(t, i, j, s444, 3)) && azk_detect__my_number_valid(d, n)) {
            /* one random 12-digit number in eleven passes: low without context */
            conf = azk_detect__with_context(grouped ? 0.4 : 0.3, slice_label(f, start, &lab), col,
                                            AZK_COL_MY_NUMBER, 0.95);
            x = num_cand(f, AZK_PII_MY_NUMBER, start, end - start, conf);
            if (x != NULL)
                azk_detect__mask_digits(x->masked, sizeof(x->masked), AZK_PII_MY_NUMBER, d, n);
            return true;
        }
        return false;
    }
    if ((n == 10 || n == 11) && d[0] == '0') {
        bool paren = false;
        for (k = i + 1; k < j; k++)
            paren = paren || t->g[k].sep == '(';
        if (i == 0 && t->g[0].sep == '(')
            paren = true;
        if (!paren && grouped && !seps_uniform(t, i, j, t->g[i + 1].sep))
            return false;
        slice_groups(t, i, j, gl);
        if (!azk_detect__phone_valid(d, n, gl, gc, &prefix))
            return false;
        if (grouped)
            conf = 0.85;
        else
            conf = n == 11 ? 0.7 : 0.6;
        conf =
            azk_detect__with_context(conf, slice_label(f, start, &lab), col, AZK_COL_PHONE, 0.95);
        x = num_cand(f, AZK_PII_PHONE, start, end - start, conf);
        if (x != NULL)
            azk_detect__mask_phone(x->masked, sizeof(x->masked), d, n, prefix);
        return true;
    }
    if (n == 7) {
        bool hy = gc == 2 && t->g[i].nd == 3 && t->g[i + 1].sep == '-';
        azk_pii_type ty = AZK_PII__COUNT;
        if (!hy && gc != 1)
            return false;
        if (slice_label(f, start, &lab) == AZK_COL_POSTAL_CODE || col == AZK_COL_POSTAL_CODE)
            ty = AZK_PII_POSTAL_CODE;
        else if (!hy && (slice_label(f, start, &lab) == AZK_COL_BANK_ACCOUNT ||
                         col == AZK_COL_BANK_ACCOUNT))
            ty = AZK_PII_BANK_ACCOUNT;
        else if (hy)
            ty = AZK_PII_POSTAL_CODE;
        if (ty == AZK_PII_POSTAL_CODE) {
            conf = hy ? 0.35 : 0.2;
            if (hy && before_prefecture(f, end))
                conf = 0.9;
            if (hy && col == AZK_COL_ADDRESS)
                conf = 0.8;
            conf = azk_detect__with_context(conf, slice_label(f, start, &lab), col,
                                            AZK_COL_POSTAL_CODE, 0.93);
            x = azk_detect__cand_add(f, ty, start, end - start, conf);
            if (x != NULL && hy && conf < 0.5 && col == AZK_COL_NONE &&
                (!f->tabular || (start == 0 && end == f->len)))
                x->flags |= CF_POSTAL_ADDR; /* judged with the record's addresses */
        } else if (ty == AZK_PII_BANK_ACCOUNT) {
            conf = azk_detect__with_context(0.2, slice_label(f, start, &lab), col,
                                            AZK_COL_BANK_ACCOUNT, 0.88);
            x = num_cand(f, ty, start, end - start, conf);
        } else {
            return false;
        }
        if (x != NULL)
            azk_detect__mask_digits(x->masked, sizeof(x->masked), ty, d, n);
        return true;
    }
    return false;
}

/* Whether the character at pos (a byte >= 0x80) folds to a digit or a
 * token separator. Out of line: the decoder's out parameter would give
 * numeric_from a stack frame to guard (-fstack-protector-strong). */
__attribute__((noinline)) static bool folds_to_token_char(const struct fld *f, size_t pos)
{
    uint32_t a;
    (void)azk_digits__next(f->s, f->len, pos, &a);
    return azk_digits__isdigit(a) || azk_detect__is_tok_sep(a);
}

/*
 * The common token decided without reading it into a struct ntok: ASCII
 * digit groups from `start` (an ASCII digit) joined by single hyphens,
 * ending where token_read_fast ends them. Returns the token's end
 * (token_read's t.end, > start) when classify_slice cannot make a
 * candidate of it, 0 when numeric_from must read and classify it in full.
 * Without a space between groups numeric_from classifies only the whole
 * token, so the verdict is on its digit count n and shape: no digit type
 * has n digits; or one group fails its check digit (13: corporate number,
 * 12: My Number, 14-19: card); or seven digits alone have neither a postal
 * / account column nor label; or seven digits in groups are not 3-4.
 * classify_slice's boundary tests (right_ok, left_ok, the invoice T) come
 * before these verdicts there but cannot turn a failed one into a
 * candidate, so skipping them changes nothing. Undecided (0): spaced
 * groups (sub-slices), parentheses, a byte >= 0x80 that folds to a digit
 * or separator, two separator characters, more than 40 digits or 8 groups,
 * and every token that may be a candidate (phone numbers, 3-4 postal
 * codes, labelled cells, valid check digits). tests/unit/detect_numfast
 * compares the findings with and without it.
 */
static size_t token_decided(struct fld *f, size_t start)
{
    const unsigned char *u = (const unsigned char *)f->s;
    size_t len = f->len, pos = start, ng = 0, g0 = 0;
    for (;;) {
        unsigned k, b;
        uint64_t w;
        do {
            if (pos - start > 40)
                return 0; /* near token_read's digit limit: it decides */
            k = azk_detect__ascii_digits8(u, pos, len, &w);
            pos += k;
        } while (k == 8 && pos < len);
        if (++ng == 1)
            g0 = pos - start;
        if (pos >= len)
            break;
        b = u[pos];
        if (b >= 0x80) {
            if (folds_to_token_char(f, pos))
                return 0; /* a full-width digit or separator */
            break;
        }
        if (!azk_detect__is_tok_sep(b) || pos + 1 >= len)
            break;
        if ((unsigned)(u[pos + 1] - '0') < 10) {
            if (b != '-' || ng == 8)
                return 0; /* spaced groups, parentheses */
            pos++;
            continue;
        }
        if (u[pos + 1] >= 0x80 || azk_detect__is_tok_sep(u[pos + 1]))
            return 0; /* a second separator character */
        break;        /* one separator, then no digit: the token ends */
    }
    /* n: the bytes less one hyphen between groups */
    return azk_detect__token_verdict(f, start, pos, pos - start - (ng - 1), ng, g0);
}

/* Read and classify a digit token in full (numeric_from). */
static void numeric_token(struct fld *f, size_t start, size_t to)
{
    struct ntok t;
    size_t i, j;
    if (azk_detect__numfast_off || (unsigned)((unsigned char)f->s[start] - '0') >= 10 ||
        !token_read_fast(f, start, &t))
        token_read(f, start, &t);
    if (t.ng == 0) {
        f->num_done = to;
        return;
    }
    f->num_done = t.end > to ? t.end : to;
    /* the whole token first, else sub-slices split at spaces, longest first */
    for (i = 0; i < t.ng && f->rc == AZK_OK;) {
        bool found = false;
        if (i > 0 && t.g[i].sep != ' ' && !(t.plus81 && i == 0)) {
            i++;
            continue;
        }
        for (j = t.ng; j > i; j--) {
            if (j < t.ng && t.g[j].sep != ' ')
                continue;
            if (classify_slice(f, &t, i, j)) {
                found = true;
                break;
            }
        }
        i = found ? j : i + 1;
    }
}

/* Read and classify the digit token that starts at `start`. */
void azk_detect__numeric_from(struct fld *f, size_t start, size_t to)
{
    const unsigned char *u = (const unsigned char *)f->s;
    if (start < f->num_done)
        return;
    if (!azk_detect__numfast_off && (unsigned)(u[start] - '0') < 10) {
        size_t end = token_decided(f, start);
        if (end != 0) {
            f->num_done = end > to ? end : to;
            return;
        }
    } else if (!azk_detect__numfast_off && u[start] == '+' &&
               (start + 1 >= f->len || (u[start + 1] < 0x80 && u[start + 1] != '8'))) {
        /* a '+' not followed by 8 (nor a full-width character): not +81,
         * token_read reads no group (a time zone: 13:50:54+09:00) */
        f->num_done = to;
        return;
    }
    numeric_token(f, start, to);
}
