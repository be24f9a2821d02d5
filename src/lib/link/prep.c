/* SPDX-License-Identifier: Apache-2.0 */
/*
 * link/prep.c -- turn the raw values of one record into a prepared record:
 * every value goes through the shared normalisation module (norm/norm.h,
 * norm/datetime.h, norm/digits.h); this file only routes values by column
 * kind, splits names at the space the writer put between family and given
 * name (each part normalised on its own), and stores the results in the
 * engine's arena. It does not normalise anything itself.
 */
#include "link/link_int.h"
#include "norm/norm.h"
#include "norm/datetime.h"
#include "norm/digits.h"

#include <string.h>

#define SLOT_MAX 255

/* Raw values of one record gathered by kind. */
struct raw {
    azk_buf name, kana, fam, giv, addr;
    const azk_link_value *birth[4];
    size_t birth_count;
    const azk_link_value *postal, *email, *id;
    const azk_link_value *phone[4];
    size_t phone_count;
};

static bool is_space_at(const char *s, size_t n, size_t i, size_t *w)
{
    const uint8_t *u = (const uint8_t *)s;
    if (u[i] == ' ' || u[i] == '\t') {
        *w = 1;
        return true;
    }
    if (i + 2 < n + 0 && u[i] == 0xE3 && u[i + 1] == 0x80 && u[i + 2] == 0x80) {
        *w = 3; /* U+3000 ideographic space */
        return true;
    }
    return false;
}

static azk_status join(azk_buf *b, const char *p, size_t n)
{
    azk_status rc;
    if (n == 0)
        return AZK_OK;
    if (b->len > 0) {
        rc = azk_buf_putc(b, ' ');
        if (rc != AZK_OK)
            return rc;
    }
    return azk_buf_put(b, p, n);
}

/* Length of at most SLOT_MAX bytes of s without cutting a UTF-8 sequence. */
static size_t clip(const uint8_t *s, size_t n)
{
    if (n <= SLOT_MAX)
        return n;
    n = SLOT_MAX;
    while (n > 0 && (s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/*
 * Generation markers a writer puts after a name to tell a parent from a
 * child of the same name: "山田 太郎（長男）", "山田太郎(父)", "山田 太郎 Jr.".
 * Only in brackets or after a space, so 花子 keeps its 子.
 */
static const struct {
    const char *text;
    uint8_t flag;
} gen_markers[] = {
    {"父", LREC_ELDER},         {"母", LREC_ELDER},     {"世帯主", LREC_ELDER},
    {"Sr.", LREC_ELDER},        {"Sr", LREC_ELDER},     {"SR.", LREC_ELDER},
    {"SR", LREC_ELDER},         {"シニア", LREC_ELDER}, {"長男", LREC_YOUNGER},
    {"次男", LREC_YOUNGER},     {"三男", LREC_YOUNGER}, {"長女", LREC_YOUNGER},
    {"次女", LREC_YOUNGER},     {"三女", LREC_YOUNGER}, {"息子", LREC_YOUNGER},
    {"Jr.", LREC_YOUNGER},      {"Jr", LREC_YOUNGER},   {"JR.", LREC_YOUNGER},
    {"JR", LREC_YOUNGER},       {"jr.", LREC_YOUNGER},  {"jr", LREC_YOUNGER},
    {"ジュニア", LREC_YOUNGER}, {"二世", LREC_YOUNGER},
};

/* Bytes of trailing white space (ASCII space/tab, U+3000) before end. */
static bool trailing_space(const uint8_t *p, size_t end, size_t *w)
{
    if (end >= 1 && (p[end - 1] == ' ' || p[end - 1] == '\t')) {
        *w = 1;
        return true;
    }
    if (end >= 3 && p[end - 3] == 0xE3 && p[end - 2] == 0x80 && p[end - 1] == 0x80) {
        *w = 3;
        return true;
    }
    return false;
}

static size_t rtrim(const uint8_t *p, size_t end)
{
    size_t w;
    while (end > 0 && trailing_space(p, end, &w))
        end -= w;
    return end;
}

/*
 * Cut a generation marker off the end of a raw name; returns its flag
 * (LREC_ELDER, LREC_YOUNGER) or 0 when there is none.
 */
static uint8_t strip_generation(azk_buf *b)
{
    const uint8_t *p = b->data;
    size_t end = rtrim(p, b->len);
    size_t close = 0;
    if (end >= 1 && p[end - 1] == ')')
        close = 1;
    else if (end >= 3 && p[end - 3] == 0xEF && p[end - 2] == 0xBC && p[end - 1] == 0x89)
        close = 3; /* ） */
    end = rtrim(p, end - close);
    for (size_t i = 0; i < sizeof(gen_markers) / sizeof(gen_markers[0]); i++) {
        size_t ml = strlen(gen_markers[i].text);
        size_t start;
        size_t w = 0;
        if (end <= ml || memcmp(p + end - ml, gen_markers[i].text, ml) != 0)
            continue;
        start = rtrim(p, end - ml);
        if (close == 1 && start >= 1 && p[start - 1] == '(')
            w = 1;
        else if (close == 3 && start >= 3 && p[start - 3] == 0xEF && p[start - 2] == 0xBC &&
                 p[start - 1] == 0x88)
            w = 3; /* （ */
        else if (close == 0 && start < end - ml)
            w = 0; /* separated by white space */
        else
            continue;
        start = rtrim(p, start - w);
        if (start == 0)
            continue;
        b->len = start;
        return gen_markers[i].flag;
    }
    return 0;
}

typedef azk_status (*norm_fn)(azk_buf *out, const char *in, size_t len);

/*
 * Normalise a name written as one string: the whole (spaces removed by the
 * normaliser) and, when the writer separated exactly two parts, each part.
 */
static azk_status split_name(const azk_buf *raw, norm_fn fn, azk_buf *full, azk_buf *fam,
                             azk_buf *giv)
{
    azk_status rc;
    azk_buf part = AZK_BUF_INIT;
    size_t parts = 0;
    size_t i = 0;
    const char *s = (const char *)raw->data;
    size_t n = raw->len;
    azk_buf_clear(fam);
    azk_buf_clear(giv);
    rc = fn(full, s, n);
    if (rc != AZK_OK)
        goto done;
    while (i < n) {
        size_t w;
        size_t start;
        while (i < n && is_space_at(s, n, i, &w))
            i += w;
        start = i;
        while (i < n && !is_space_at(s, n, i, &w))
            i++;
        if (i == start)
            break;
        rc = fn(&part, s + start, i - start);
        if (rc != AZK_OK)
            goto done;
        if (part.len == 0)
            continue; /* an honorific on its own */
        parts++;
        if (parts == 1)
            rc = azk_buf_put(fam, part.data, part.len);
        else if (parts == 2)
            rc = azk_buf_put(giv, part.data, part.len);
        if (rc != AZK_OK)
            goto done;
    }
    if (parts != 2 || fam->len + giv->len != full->len) {
        azk_buf_clear(fam);
        azk_buf_clear(giv);
    }
    rc = AZK_OK;
done:
    azk_buf_dispose_secret(&part);
    return rc;
}

/* Parts given in their own columns: normalise each, full = family + given. */
static azk_status parts_name(const azk_buf *rf, const azk_buf *rg, norm_fn fn, azk_buf *full,
                             azk_buf *fam, azk_buf *giv)
{
    azk_status rc = fn(fam, (const char *)rf->data, rf->len);
    if (rc == AZK_OK)
        rc = fn(giv, (const char *)rg->data, rg->len);
    azk_buf_clear(full);
    if (rc == AZK_OK)
        rc = azk_buf_put(full, fam->data, fam->len);
    if (rc == AZK_OK)
        rc = azk_buf_put(full, giv->data, giv->len);
    if (rc == AZK_OK && (fam->len == 0 || giv->len == 0)) {
        azk_buf_clear(fam);
        azk_buf_clear(giv);
    }
    return rc;
}

static azk_status arena_put(azk_link *lk, struct lrec *r, int slot, const void *p, size_t n)
{
    size_t need;
    n = clip((const uint8_t *)p, n);
    if (azk_add_overflow(&need, lk->arena_len, n))
        return azk_error_set(AZK_ERR_LIMIT, "link: value arena overflow");
    if (need > lk->arena_cap || lk->arena == NULL) { /* never NULL once a record exists */
        size_t cap = lk->arena_cap > 0 ? lk->arena_cap : 1u << 16;
        uint8_t *na;
        while (cap < need) {
            if (azk_mul_overflow(&cap, cap, 2))
                return azk_error_set(AZK_ERR_LIMIT, "link: value arena overflow");
        }
        na = azk_realloc(lk->arena, cap);
        if (na == NULL)
            return azk_error_nomem();
        lk->arena = na;
        lk->arena_cap = cap;
    }
    if (n > 0)
        memcpy(lk->arena + lk->arena_len, p, n);
    lk->arena_len += n;
    r->len[slot] = (uint8_t)n;
    return AZK_OK;
}

static size_t trim_left(const char *s, size_t n, size_t *skip)
{
    size_t i = 0;
    size_t w;
    while (i < n && is_space_at(s, n, i, &w))
        i += w;
    *skip = i;
    return n - i;
}

azk_status azk_link__prep(azk_link *lk, const azk_link_value *values, size_t count,
                          struct lrec *out)
{
    azk_status rc = AZK_OK;
    struct raw raw;
    azk_buf s[S__COUNT];
    azk_address addr;
    bool any = false;
    size_t arena_start = lk->arena_len;

    memset(&raw, 0, sizeof(raw));
    memset(out, 0, sizeof(*out));
    for (int i = 0; i < S__COUNT; i++) {
        azk_buf z = AZK_BUF_INIT;
        s[i] = z;
    }
    azk_address_init(&addr);

    for (size_t i = 0; i < count; i++) {
        const azk_link_value *v = &values[i];
        if (v->ptr == NULL || v->len == 0)
            continue;
        switch (v->kind) {
            case AZK_COL_NAME:
                rc = join(&raw.name, v->ptr, v->len);
                break;
            case AZK_COL_NAME_KANA:
                rc = join(&raw.kana, v->ptr, v->len);
                break;
            case AZK_COL_FAMILY_NAME:
                rc = join(&raw.fam, v->ptr, v->len);
                break;
            case AZK_COL_GIVEN_NAME:
                rc = join(&raw.giv, v->ptr, v->len);
                break;
            case AZK_COL_ADDRESS:
                rc = join(&raw.addr, v->ptr, v->len);
                break;
            case AZK_COL_BIRTH_DATE:
                if (raw.birth_count < 4)
                    raw.birth[raw.birth_count++] = v;
                break;
            case AZK_COL_POSTAL_CODE:
                raw.postal = v;
                break;
            case AZK_COL_PHONE:
                if (raw.phone_count < 4)
                    raw.phone[raw.phone_count++] = v;
                break;
            case AZK_COL_EMAIL:
                raw.email = v;
                break;
            case AZK_COL_MY_NUMBER:
                raw.id = v;
                break;
            default:
                break;
        }
        if (rc != AZK_OK)
            goto done;
    }

    out->flags |= strip_generation(&raw.name);
    out->flags |= strip_generation(&raw.giv);
    out->flags |= strip_generation(&raw.kana);
    /* names: a full-name column wins over separate family/given columns */
    if (raw.name.len > 0)
        rc = split_name(&raw.name, azk_norm_name, &s[S_NAME], &s[S_FAM], &s[S_GIV]);
    else if (raw.fam.len > 0 || raw.giv.len > 0)
        rc = parts_name(&raw.fam, &raw.giv, azk_norm_name, &s[S_NAME], &s[S_FAM], &s[S_GIV]);
    if (rc != AZK_OK)
        goto done;
    if (raw.kana.len > 0)
        rc = split_name(&raw.kana, azk_norm_kana_reading, &s[S_KANA], &s[S_KFAM], &s[S_KGIV]);
    if (rc != AZK_OK)
        goto done;

    if (raw.addr.len > 0) {
        rc = azk_norm_address(&addr, (const char *)raw.addr.data, raw.addr.len, 0);
        if (rc == AZK_ERR_NOMEM)
            goto done;
        if (rc == AZK_OK && addr.rest.len + addr.municipality.len > 0) {
            rc = azk_buf_put(&s[S_ADDR_BASE], addr.municipality.data, addr.municipality.len);
            if (rc == AZK_OK)
                rc = azk_buf_put(&s[S_ADDR_BASE], addr.rest.data, addr.rest.len);
            if (rc == AZK_OK)
                rc = azk_buf_put(&s[S_ADDR], s[S_ADDR_BASE].data, s[S_ADDR_BASE].len);
            if (rc == AZK_OK)
                rc = azk_buf_put(&s[S_ADDR], addr.building.data, addr.building.len);
            if (rc == AZK_OK && addr.rest.len > 0)
                rc = azk_buf_put(&s[S_ADDR_CITY], addr.municipality.data, addr.municipality.len);
        } else {
            /* not a Japanese address: compare the normalised text as a whole */
            rc = azk_norm_text(&s[S_ADDR], (const char *)raw.addr.data, raw.addr.len,
                               AZK_NORM_NFKC | AZK_NORM_CASE | AZK_NORM_SPACES_COLLAPSE);
            if (rc == AZK_OK)
                rc = azk_buf_put(&s[S_ADDR_BASE], s[S_ADDR].data, s[S_ADDR].len);
        }
        if (rc != AZK_OK)
            goto done;
    }

    for (size_t i = 0; i < raw.birth_count && out->birth == 0; i++) {
        azk_date d;
        size_t skip;
        size_t n = trim_left(raw.birth[i]->ptr, raw.birth[i]->len, &skip);
        if (n > 0 && azk_date__parse(raw.birth[i]->ptr + skip, n, true, &d) > 0)
            out->birth = (uint32_t)(d.year * 10000 + d.month * 100 + d.day);
    }
    if (raw.postal != NULL) {
        rc = azk_norm_postal(&s[S_POSTAL], raw.postal->ptr, raw.postal->len);
        if (rc == AZK_ERR_NOMEM)
            goto done;
        if (rc != AZK_OK) {
            /* not a Japanese postal code (FEBRL postcodes): keep the digits */
            rc = azk_norm_id(&s[S_POSTAL], raw.postal->ptr, raw.postal->len);
            if (rc != AZK_OK && rc != AZK_ERR_NOMEM) {
                azk_buf_clear(&s[S_POSTAL]);
                rc = AZK_OK;
            }
        }
        if (rc != AZK_OK)
            goto done;
    }
    for (size_t i = 0, k = 0; i < raw.phone_count && k < 2; i++) {
        char digits[32];
        size_t nd = azk_digits__phone(raw.phone[i]->ptr, raw.phone[i]->len, digits, sizeof(digits));
        if (nd < 6)
            continue;
        if (k == 1 && s[S_PHONE1].len == nd && memcmp(s[S_PHONE1].data, digits, nd) == 0)
            continue;
        rc = azk_buf_put(&s[S_PHONE1 + (int)k], digits, nd);
        if (rc != AZK_OK)
            goto done;
        k++;
    }
    if (raw.email != NULL) {
        rc = azk_norm_email(&s[S_EMAIL], raw.email->ptr, raw.email->len);
        if (rc == AZK_ERR_NOMEM)
            goto done;
        if (rc != AZK_OK)
            azk_buf_clear(&s[S_EMAIL]);
        rc = AZK_OK;
    }
    if (raw.id != NULL) {
        rc = azk_norm_id(&s[S_ID], raw.id->ptr, raw.id->len);
        if (rc == AZK_ERR_NOMEM)
            goto done;
        if (rc != AZK_OK)
            azk_buf_clear(&s[S_ID]);
        rc = AZK_OK;
    }

    out->off = lk->arena_len;
    for (int i = 0; i < S__COUNT; i++) {
        rc = arena_put(lk, out, i, s[i].data, s[i].len);
        if (rc != AZK_OK)
            goto done;
        if (s[i].len > 0)
            any = true;
    }
    if (!any && out->birth == 0)
        out->flags |= LREC_UNUSABLE;
    rc = AZK_OK;
done:
    if (rc != AZK_OK)
        lk->arena_len = arena_start;
    azk_buf_dispose_secret(&raw.name);
    azk_buf_dispose_secret(&raw.kana);
    azk_buf_dispose_secret(&raw.fam);
    azk_buf_dispose_secret(&raw.giv);
    azk_buf_dispose_secret(&raw.addr);
    for (int i = 0; i < S__COUNT; i++)
        azk_buf_dispose_secret(&s[i]);
    azk_address_dispose(&addr);
    return rc;
}
