/* SPDX-License-Identifier: Apache-2.0 */
/*
 * link/compare.c -- field comparison of two prepared records into
 * comparison levels (the gamma vector of Fellegi-Sunter), Jaro-Winkler on
 * code points, and the hard contradictions that forbid a link.
 *
 * Values arrive normalised by prep.c (norm module: NFKC, width, kana,
 * variant kanji, address components, digits), so "exact" here means equal
 * after that normalisation. Levels, best first:
 *   name    : exact | kana exact | kanji exact, kana differs | fuzzy (JW, swapped
 *             family/given, one-part typo) | given only (marriage) |
 *             family only (siblings, twins) | different
 *   birth   : exact | day/month swapped | one digit wrong, two adjacent
 *             swapped or the year one off | different
 *   address : exact | same without building | fuzzy (JW >= 0.92) | same city |
 *             different
 *   postal, phone, id : exact | one digit wrong / transposed | different
 *   email   : exact | different
 * Contradictions (never linked, whatever the weight): both birth dates
 * present and "different"; given names clearly different in every script
 * both records have while the family name is equal (twins, siblings) or
 * different too (a household member under another family name); a birth
 * date missing on one side while both records have a mobile number or an
 * e-mail address and none agrees (a parent and a child of one name share
 * name, address and landline, not their mobiles), or one is marked as
 * the elder and the other as the younger (父 / 長男, Sr / Jr), or their
 * one kanji given name is read clearly differently. An equal personal
 * identifier (個人番号) lifts them all: it names one person.
 */
#include "link/link_int.h"

#include <string.h>

#define JW_MAX 256

/* Single-script given names below this similarity contradict (see name_level). */
#ifndef AZK_LINK_GIVEN_CONTRA_JW
#define AZK_LINK_GIVEN_CONTRA_JW 0.6
#endif

static const uint8_t level_counts[AZK_LINK_F__COUNT] = {
    NAME_LEVELS, BIRTH_LEVELS, ADDR_LEVELS, POSTAL_LEVELS, PHONE_LEVELS, EMAIL_LEVELS, ID_LEVELS};

unsigned azk_link_level_count(azk_link_field f)
{
    return (unsigned)f < AZK_LINK_F__COUNT ? level_counts[f] : 0;
}

uint32_t azk_link__gamma_count(void)
{
    uint32_t n = 1;
    for (int f = 0; f < AZK_LINK_F__COUNT; f++)
        n *= (uint32_t)level_counts[f] + 1u;
    return n;
}

uint32_t azk_link__gamma_index(const struct cmp *c)
{
    uint32_t g = 0;
    for (int f = AZK_LINK_F__COUNT - 1; f >= 0; f--) {
        uint32_t l = c->level[f] == LEVEL_MISSING ? level_counts[f] : c->level[f];
        g = g * ((uint32_t)level_counts[f] + 1u) + l;
    }
    return g;
}

void azk_link__gamma_decode(uint32_t g, struct cmp *c)
{
    for (int f = 0; f < AZK_LINK_F__COUNT; f++) {
        uint32_t l = g % ((uint32_t)level_counts[f] + 1u);
        g /= (uint32_t)level_counts[f] + 1u;
        c->level[f] = l == level_counts[f] ? LEVEL_MISSING : (uint8_t)l;
    }
    c->contradiction = 0;
    c->personal = 0;
}

/* ---- strings --------------------------------------------------------------- */

static size_t to_cp(const char *s, size_t n, uint32_t *out, size_t cap)
{
    size_t i = 0;
    size_t k = 0;
    while (i < n && k < cap) {
        uint32_t cp;
        i += azk_utf8_decode((const uint8_t *)s + i, n - i, &cp);
        out[k++] = cp;
    }
    return k;
}

double azk_link__jw_cp(const uint32_t *a, size_t an, const uint32_t *b, size_t bn)
{
    uint8_t am[JW_MAX];
    uint8_t bm[JW_MAX];
    size_t range;
    size_t matches = 0;
    size_t trans = 0;
    size_t prefix = 0;
    double jaro;
    if (an == 0 || bn == 0)
        return an == bn ? 1.0 : 0.0;
    if (an > JW_MAX)
        an = JW_MAX;
    if (bn > JW_MAX)
        bn = JW_MAX;
    range = (an > bn ? an : bn) / 2;
    range = range > 0 ? range - 1 : 0;
    memset(am, 0, an);
    memset(bm, 0, bn);
    for (size_t i = 0; i < an; i++) {
        size_t lo = i > range ? i - range : 0;
        size_t hi = i + range + 1 < bn ? i + range + 1 : bn;
        for (size_t j = lo; j < hi; j++) {
            if (!bm[j] && a[i] == b[j]) {
                am[i] = 1;
                bm[j] = 1;
                matches++;
                break;
            }
        }
    }
    if (matches == 0)
        return 0.0;
    for (size_t i = 0, j = 0; i < an; i++) {
        if (!am[i])
            continue;
        while (!bm[j])
            j++;
        if (a[i] != b[j])
            trans++;
        j++;
    }
    jaro = ((double)matches / (double)an + (double)matches / (double)bn +
            ((double)matches - (double)trans / 2.0) / (double)matches) /
           3.0;
    while (prefix < 4 && prefix < an && prefix < bn && a[prefix] == b[prefix])
        prefix++;
    return jaro + (double)prefix * 0.1 * (1.0 - jaro);
}

double azk_link_jaro_winkler(const char *a, size_t a_len, const char *b, size_t b_len)
{
    uint32_t ca[JW_MAX];
    uint32_t cb[JW_MAX];
    size_t an;
    size_t bn;
    if (a == NULL || b == NULL)
        return 0.0;
    an = to_cp(a, a_len, ca, JW_MAX);
    bn = to_cp(b, b_len, cb, JW_MAX);
    return azk_link__jw_cp(ca, an, cb, bn);
}

struct str {
    const char *p;
    size_t n;
};

static struct str get(const azk_link *lk, const struct lrec *r, int slot)
{
    struct str s;
    s.p = lrec_str(lk, r, slot, &s.n);
    return s;
}

static bool eq(struct str a, struct str b)
{
    /* the last byte differs first in UTF-8 Japanese: test it before memcmp */
    return a.n > 0 && a.n == b.n && a.p[a.n - 1] == b.p[a.n - 1] && memcmp(a.p, b.p, a.n) == 0;
}

static double jw(struct str a, struct str b)
{
    return azk_link_jaro_winkler(a.p, a.n, b.p, b.n);
}

static bool starts(struct str s, struct str pre)
{
    return pre.n > 0 && s.n > pre.n && memcmp(s.p, pre.p, pre.n) == 0;
}

static bool ends(struct str s, struct str suf)
{
    return suf.n > 0 && s.n > suf.n && memcmp(s.p + s.n - suf.n, suf.p, suf.n) == 0;
}

/*
 * Digit strings equal but for one substituted digit or one adjacent
 * transposition (same length).
 */
static bool one_typo(struct str a, struct str b)
{
    size_t diff = 0;
    size_t first = 0;
    if (a.n != b.n || a.n == 0)
        return false;
    for (size_t i = 0; i < a.n; i++) {
        if (a.p[i] != b.p[i]) {
            if (diff == 0)
                first = i;
            diff++;
        }
    }
    if (diff == 1)
        return true;
    return diff == 2 && first + 1 < a.n && a.p[first] == b.p[first + 1] &&
           a.p[first + 1] == b.p[first] &&
           memcmp(a.p + first + 2, b.p + first + 2, a.n - first - 2) == 0;
}

/* ---- name -------------------------------------------------------------------- */

/* Relation of two names in one script (kanji or kana). */
struct name_rel {
    bool avail; /* both have the full name */
    bool full_eq;
    int fam_eq; /* 1 equal, 0 different, -1 unknown */
    int giv_eq;
    double jw_full, jw_fam, jw_giv;
    bool swapped; /* family and given exchanged */
};

static void name_rel(const azk_link *lk, const struct lrec *a, const struct lrec *b, int s_full,
                     int s_fam, int s_giv, struct name_rel *r)
{
    struct str fa = get(lk, a, s_full);
    struct str fb = get(lk, b, s_full);
    struct str fama = get(lk, a, s_fam);
    struct str famb = get(lk, b, s_fam);
    struct str giva = get(lk, a, s_giv);
    struct str givb = get(lk, b, s_giv);
    memset(r, 0, sizeof(*r));
    r->fam_eq = -1;
    r->giv_eq = -1;
    if (fa.n == 0 || fb.n == 0)
        return;
    r->avail = true;
    r->full_eq = eq(fa, fb);
    if (r->full_eq) {
        r->fam_eq = 1;
        r->giv_eq = 1;
        r->jw_full = 1.0;
        return;
    }
    r->jw_full = -1; /* computed when needed (name_level) */
    if (fama.n > 0 && famb.n > 0 && giva.n > 0 && givb.n > 0) {
        r->fam_eq = eq(fama, famb);
        r->giv_eq = eq(giva, givb);
        /* only the similarities name_level() can look at */
        r->jw_fam = r->fam_eq ? 1.0 : (r->giv_eq ? jw(fama, famb) : 0.0);
        r->jw_giv = r->giv_eq ? 1.0 : (r->fam_eq ? jw(giva, givb) : 0.0);
        r->swapped = eq(fama, givb) && eq(giva, famb);
    } else if (fama.n > 0 && giva.n > 0) {
        /* b was written without a space: split it where a's parts fit */
        if (starts(fb, fama)) {
            r->fam_eq = 1;
            r->giv_eq = 0;
            struct str rest = {fb.p + fama.n, fb.n - fama.n};
            r->jw_giv = jw(giva, rest);
            r->jw_fam = 1.0;
        } else if (ends(fb, giva)) {
            r->giv_eq = 1;
            r->fam_eq = 0;
            struct str rest = {fb.p, fb.n - giva.n};
            r->jw_fam = jw(fama, rest);
            r->jw_giv = 1.0;
        }
    } else if (famb.n > 0 && givb.n > 0) {
        if (starts(fa, famb)) {
            r->fam_eq = 1;
            r->giv_eq = 0;
            struct str rest = {fa.p + famb.n, fa.n - famb.n};
            r->jw_giv = jw(givb, rest);
            r->jw_fam = 1.0;
        } else if (ends(fa, givb)) {
            r->giv_eq = 1;
            r->fam_eq = 0;
            struct str rest = {fa.p, fa.n - givb.n};
            r->jw_fam = jw(famb, rest);
            r->jw_giv = 1.0;
        }
    }
}

/*
 * True when the script is missing on either side, or both records have the
 * given name split out and it differs (jw_giv set).
 */
static bool given_differs(const azk_link *lk, const struct lrec *a, const struct lrec *b, int slot,
                          struct name_rel *r)
{
    struct str ga;
    struct str gb;
    if (!r->avail)
        return true;
    ga = get(lk, a, slot);
    gb = get(lk, b, slot);
    if (ga.n == 0 || gb.n == 0 || eq(ga, gb))
        return false;
    r->jw_giv = jw(ga, gb);
    return true;
}

/*
 * Given names known to differ: another person when both scripts say so (a
 * typo leaves one of them equal), or when the one script there is has them
 * clearly apart.
 */
static bool clearly_other(const struct name_rel *kj, const struct name_rel *kn)
{
    if (kj->avail && kn->avail)
        return true;
    return (kj->avail && kj->jw_giv < AZK_LINK_GIVEN_CONTRA_JW) ||
           (kn->avail && kn->jw_giv < AZK_LINK_GIVEN_CONTRA_JW);
}

static uint8_t name_level(const azk_link *lk, const struct lrec *a, const struct lrec *b,
                          bool *contra)
{
    struct name_rel kj;
    struct name_rel kn;
    bool any_fam_eq;
    bool any_giv_eq;
    bool giv_known_diff;
    double best_full;
    *contra = false;
    name_rel(lk, a, b, S_NAME, S_FAM, S_GIV, &kj);
    name_rel(lk, a, b, S_KANA, S_KFAM, S_KGIV, &kn);
    if (!kj.avail && !kn.avail)
        return LEVEL_MISSING;
    if (kj.avail && kj.full_eq && (!kn.avail || kn.full_eq))
        return NL_EXACT;
    if (!kj.avail && kn.full_eq)
        return NL_KANA_EXACT;
    if (kn.avail && kn.full_eq)
        return NL_KANA_EXACT;
    if (kj.avail && kj.full_eq)
        return NL_KANJI_EXACT;
    if (kj.swapped || kn.swapped)
        return NL_FUZZY;
    any_fam_eq = kj.fam_eq == 1 || kn.fam_eq == 1;
    any_giv_eq = kj.giv_eq == 1 || kn.giv_eq == 1;
    if (any_giv_eq && !any_fam_eq && (kj.fam_eq == 0 || kn.fam_eq == 0)) {
        /* a typo in the family name rather than a new one */
        if ((kj.fam_eq == 0 && kj.jw_fam >= 0.88) || (kn.fam_eq == 0 && kn.jw_fam >= 0.88))
            return NL_FUZZY;
        return NL_GIVEN_ONLY;
    }
    if (any_fam_eq && !any_giv_eq) {
        bool similar = (kj.giv_eq == 0 && kj.jw_giv >= 0.9) || (kn.giv_eq == 0 && kn.jw_giv >= 0.9);
        if (similar)
            return NL_FUZZY;
        /*
         * Given names differ in every script both records have. With
         * both scripts present a typo would leave one of them equal, so
         * this is another person (twin, sibling, parent); with a single
         * script it could be a typo in a short name, so no contradiction.
         */
        /*
         * Where a script's split is unknown (written without a space on
         * both sides), the family name being equal in the other script,
         * whole names that differ mean given names that differ.
         */
        giv_known_diff = (kj.giv_eq == 0 || !kj.avail || (kj.giv_eq < 0 && !kj.full_eq)) &&
                         (kn.giv_eq == 0 || !kn.avail || (kn.giv_eq < 0 && !kn.full_eq));
        *contra = giv_known_diff && clearly_other(&kj, &kn);
        return NL_FAMILY_ONLY;
    }
    if (kj.avail && kj.jw_full < 0) {
        struct str x = get(lk, a, S_NAME);
        struct str y = get(lk, b, S_NAME);
        kj.jw_full = jw(x, y);
    }
    if (kn.avail && kn.jw_full < 0) {
        struct str x = get(lk, a, S_KANA);
        struct str y = get(lk, b, S_KANA);
        kn.jw_full = jw(x, y);
    }
    best_full = kj.jw_full > kn.jw_full ? kj.jw_full : kn.jw_full;
    if (best_full >= 0.9)
        return NL_FUZZY;
    /*
     * Family and given names both differ. A new family name keeps the
     * given name (marriage), so clearly different given names mean another
     * person, e.g. a household member who has the married name while the
     * record compared has the old one.
     */
    if (given_differs(lk, a, b, S_GIV, &kj) && given_differs(lk, a, b, S_KGIV, &kn) &&
        (kj.avail || kn.avail))
        *contra = clearly_other(&kj, &kn);
    return NL_DIFF;
}

/* ---- birth date --------------------------------------------------------------- */

static uint8_t birth_level(uint32_t a, uint32_t b)
{
    char sa[9];
    char sb[9];
    struct str xa = {sa, 8};
    struct str xb = {sb, 8};
    uint32_t a0 = a;
    uint32_t b0 = b;
    if (a == 0 || b == 0)
        return LEVEL_MISSING;
    if (a == b)
        return BL_EXACT;
    if (a / 10000 == b / 10000 && (a / 100) % 100 == b % 100 && a % 100 == (b / 100) % 100)
        return BL_SWAP;
    for (int i = 7; i >= 0; i--) {
        sa[i] = (char)('0' + a % 10);
        sb[i] = (char)('0' + b % 10);
        a /= 10;
        b /= 10;
    }
    sa[8] = sb[8] = '\0';
    if (one_typo(xa, xb))
        return BL_TYPO;
    /*
     * The year one off with month and day equal: an era date converted to
     * the wrong Gregorian year (昭和54 taken for 1980), or a one-off year
     * across a carry (1979/1980) that no single digit explains.
     */
    if (a0 % 10000 == b0 % 10000 && (a0 / 10000 == b0 / 10000 + 1 || b0 / 10000 == a0 / 10000 + 1))
        return BL_TYPO;
    return BL_DIFF;
}

/* ---- address -------------------------------------------------------------------- */

static uint8_t addr_level(const azk_link *lk, const struct lrec *a, const struct lrec *b)
{
    struct str fa = get(lk, a, S_ADDR);
    struct str fb = get(lk, b, S_ADDR);
    struct str ba = get(lk, a, S_ADDR_BASE);
    struct str bb = get(lk, b, S_ADDR_BASE);
    struct str ca = get(lk, a, S_ADDR_CITY);
    struct str cb = get(lk, b, S_ADDR_CITY);
    if (fa.n == 0 || fb.n == 0)
        return LEVEL_MISSING;
    if (eq(fa, fb))
        return AL_EXACT;
    if (eq(ba, bb))
        return AL_BASE;
    /* a typo in the street part; the municipality must agree (or be unknown) */
    if (eq(ca, cb)) {
        if (jw(ba, bb) >= 0.92)
            return AL_FUZZY;
        return AL_CITY;
    }
    /* no municipality (not a Japanese address): the whole text, only where
     * the postal code does not say otherwise (JW on long text is costly) */
    if (ca.n == 0 && cb.n == 0) {
        struct str pa = get(lk, a, S_POSTAL);
        struct str pb = get(lk, b, S_POSTAL);
        if ((pa.n == 0 || pb.n == 0 || eq(pa, pb)) && jw(fa, fb) >= 0.92)
            return AL_FUZZY;
    }
    return AL_DIFF;
}

static uint8_t digits_level(struct str a, struct str b)
{
    if (a.n == 0 || b.n == 0)
        return LEVEL_MISSING;
    if (eq(a, b))
        return 0;
    if (one_typo(a, b))
        return 1;
    return 2;
}

static uint8_t phone_level(const azk_link *lk, const struct lrec *a, const struct lrec *b)
{
    uint8_t best = LEVEL_MISSING;
    for (int i = S_PHONE1; i <= S_PHONE2; i++) {
        for (int j = S_PHONE1; j <= S_PHONE2; j++) {
            uint8_t l = digits_level(get(lk, a, i), get(lk, b, j));
            if (l != LEVEL_MISSING && (best == LEVEL_MISSING || l < best))
                best = l;
        }
    }
    return best;
}

/*
 * A Japanese mobile number (070/080/090/060, 11 digits) belongs to one
 * person; a landline (10 digits) to a household, which a parent and a
 * child of the same name share.
 */
static bool is_mobile(struct str s)
{
    return s.n == 11 && s.p[0] == '0' && s.p[1] >= '6' && s.p[1] <= '9' && s.p[2] == '0';
}

/*
 * Personal contacts of two records: 1 when a mobile number or the e-mail
 * agrees (a mobile with one digit wrong counts), -1 when both records have
 * a mobile or an e-mail and none agrees, 0 when nothing can be said.
 */
static int personal_contact(const azk_link *lk, const struct lrec *a, const struct lrec *b)
{
    bool differ = false;
    bool ma = false;
    bool mb = false;
    struct str ea = get(lk, a, S_EMAIL);
    struct str eb = get(lk, b, S_EMAIL);
    for (int i = S_PHONE1; i <= S_PHONE2; i++) {
        struct str pa = get(lk, a, i);
        if (!is_mobile(pa))
            continue;
        ma = true;
        for (int j = S_PHONE1; j <= S_PHONE2; j++) {
            struct str pb = get(lk, b, j);
            if (!is_mobile(pb))
                continue;
            mb = true;
            if (eq(pa, pb) || one_typo(pa, pb))
                return 1;
        }
    }
    if (ma && mb)
        differ = true;
    if (ea.n > 0 && eb.n > 0) {
        if (eq(ea, eb))
            return 1;
        differ = true;
    }
    return differ ? -1 : 0;
}

/* One record marked as the elder (父, Sr), the other as the younger (長男, Jr). */
static bool generation_differs(const struct lrec *a, const struct lrec *b)
{
    return (a->flags & LREC_GEN) != 0 && (b->flags & LREC_GEN) != 0 &&
           (a->flags & LREC_GEN) != (b->flags & LREC_GEN);
}

/*
 * The same kanji given name read clearly differently (秀 ヒデ / シュウ): a
 * parent and a child may share the characters, a one-kana slip keeps the
 * readings close (Jaro-Winkler >= 0.6).
 */
static bool reading_differs(const azk_link *lk, const struct lrec *a, const struct lrec *b)
{
    struct str ga = get(lk, a, S_GIV);
    struct str gb = get(lk, b, S_GIV);
    struct str ka = get(lk, a, S_KGIV);
    struct str kb = get(lk, b, S_KGIV);
    if (!eq(ga, gb) || ka.n == 0 || kb.n == 0 || eq(ka, kb))
        return false;
    return jw(ka, kb) < AZK_LINK_GIVEN_CONTRA_JW;
}

void azk_link__compare(const azk_link *lk, const struct lrec *a, const struct lrec *b,
                       struct cmp *out)
{
    bool contra_name;
    struct str ea;
    struct str eb;
    int personal = personal_contact(lk, a, b);
    out->contradiction = 0;
    out->personal = personal > 0;
    out->level[AZK_LINK_F_NAME] = name_level(lk, a, b, &contra_name);
    out->level[AZK_LINK_F_BIRTH] = birth_level(a->birth, b->birth);
    out->level[AZK_LINK_F_ADDRESS] = addr_level(lk, a, b);
    out->level[AZK_LINK_F_POSTAL] = digits_level(get(lk, a, S_POSTAL), get(lk, b, S_POSTAL));
    out->level[AZK_LINK_F_PHONE] = phone_level(lk, a, b);
    ea = get(lk, a, S_EMAIL);
    eb = get(lk, b, S_EMAIL);
    out->level[AZK_LINK_F_EMAIL] = (ea.n == 0 || eb.n == 0) ? LEVEL_MISSING : (eq(ea, eb) ? 0 : 1);
    out->level[AZK_LINK_F_ID] = digits_level(get(lk, a, S_ID), get(lk, b, S_ID));
    if (out->level[AZK_LINK_F_BIRTH] == BL_DIFF)
        out->contradiction = 1;
    else if (contra_name)
        out->contradiction = 2;
    /*
     * Without a birth date on one side, name, address and household phone
     * do not tell a parent from a child of the same name; their own mobile
     * numbers or e-mail addresses do (both present and none agreeing), and
     * so do generation markers (父 / 長男) and one kanji given name read
     * clearly differently.
     */
    else if (out->level[AZK_LINK_F_BIRTH] == LEVEL_MISSING &&
             (personal < 0 || generation_differs(a, b) || reading_differs(lk, a, b)))
        out->contradiction = 3;
    /* one personal identifier (個人番号) is one person, whatever else differs */
    if (out->level[AZK_LINK_F_ID] == 0)
        out->contradiction = 0;
}

/* ---- names ------------------------------------------------------------------------ */

const char *azk_link_field_name(azk_link_field f)
{
    static const char *const names[] = {"name",  "birth_date", "address", "postal_code",
                                        "phone", "email",      "id"};
    return (unsigned)f < AZK_LINK_F__COUNT ? names[f] : NULL;
}

const char *azk_link_level_name(azk_link_field f, unsigned level)
{
    static const char *const name_l[] = {"exact",    "kana_exact", "kanji_exact_kana_differs",
                                         "fuzzy",    "given_only", "family_only",
                                         "different"};
    static const char *const birth_l[] = {"exact", "day_month_swapped", "one_digit", "different"};
    static const char *const addr_l[] = {"exact", "same_without_building", "fuzzy", "same_city",
                                         "different"};
    static const char *const dig_l[] = {"exact", "one_digit", "different"};
    static const char *const email_l[] = {"exact", "different"};
    if ((unsigned)f >= AZK_LINK_F__COUNT || level >= level_counts[f])
        return "missing";
    switch (f) {
        case AZK_LINK_F_NAME:
            return name_l[level];
        case AZK_LINK_F_BIRTH:
            return birth_l[level];
        case AZK_LINK_F_ADDRESS:
            return addr_l[level];
        case AZK_LINK_F_EMAIL:
            return email_l[level];
        default:
            return dig_l[level];
    }
}
