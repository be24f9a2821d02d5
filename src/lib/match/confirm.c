/* SPDX-License-Identifier: Apache-2.0 */
/*
 * match/confirm.c -- closed-zone confirmation of entrusted-record
 * attributions (match/match.h, docs/threat-model-fingerprints.md,
 * "Confirmed attributions"). The scanner's buckets make candidates; here a
 * candidate is compared with the decrypted record's own values: the
 * evidence of the scanned window (128-bit keyed hashes of normalised
 * values) against the record's values hashed the same way. Nothing here
 * depends on the scanning key: equal hashes are equal values.
 */
#include "match/match.h"

#include <sodium.h>
#include <string.h>

/*
 * q: the chance that a person who is not entrusted shares the exact value
 * of one given record (orders of magnitude; what the rule is calibrated
 * with, bench/edm_confirm.py measures the result):
 *   name      1e-5  collision rate of full names (common family names are
 *                   1-2 % of people, common given names ~0.1 %)
 *   birth     1e-4  one day among ~30 years of people of similar age
 *   phone     1e-8  a mobile number belongs to one person
 *   email     1e-9
 *   postal    1e-3  a postal code alone (thousands of people)
 *   address   1e-7  block-level address with house number (a building of
 *                   many households shares it: strangers to each other)
 *   customer  1e-6  ids and account numbers: short numbers that other
 *   account   1e-6  numberings (orders, slips) also produce
 *   mynumber  1e-11
 * An address, its postal code and a fixed-line phone identify a household,
 * not a person: together they count once (the strongest of them). Two
 * people can then show them: a stranger of the building (the personal
 * values agree by the chances above) and a member of the record's own
 * household (P_COHABIT: ~1.2 co-residents per person among 1.25e8, x2),
 * who shares a given name more often than a stranger (q_home: a
 * grandparent and grandchild of one name; the family register refuses a
 * name already held by a living member of the same register, so parent
 * and child of one register never do; 1e-4, an estimate) or a birth date
 * (twins, 1e-2); one of them, not both.
 */
static const double q_exact[AZK_FP__COUNT] = {1e-5, 1e-4, 1e-8, 1e-9, 1e-3,
                                              1e-7, 1e-6, 1e-6, 1e-11};
static const double q_home[AZK_FP__COUNT] = {1e-4, 1e-2, 1e-8, 1e-9, 1, 1, 1e-6, 1e-6, 1e-11};
/* a fixed-line number: one household (as an address) */
#define Q_LANDLINE 1e-7
/* a given person lives with a given other one */
#define P_COHABIT 2e-8

double azk_match__chance(unsigned matched, bool landline, uint64_t rows, double q_name)
{
    double home = 1;     /* the strongest household value that agreed (or 1) */
    double personal = 1; /* personal values, for a stranger */
    double lift = 1;     /* the household's largest q_home / q_exact */
    double cohabit;
    if (matched & (1u << AZK_FP_ADDRESS))
        home = q_exact[AZK_FP_ADDRESS];
    else if (matched & (1u << AZK_FP_POSTAL))
        home = q_exact[AZK_FP_POSTAL];
    if (landline && (matched & (1u << AZK_FP_PHONE)) && Q_LANDLINE < home)
        home = Q_LANDLINE;
    for (unsigned k = 0; k < AZK_FP__COUNT; k++) {
        bool household =
            k == AZK_FP_ADDRESS || k == AZK_FP_POSTAL || (k == AZK_FP_PHONE && landline);
        if (!(matched & (1u << k)) || household)
            continue;
        /* a rare name (estimated from its dataset): fewer strangers share it; a co-resident
         * shares it as before (q_home / q: the lift keeps that term) */
        double q = k == AZK_FP_NAME && q_name > 0 && q_name < q_exact[k] ? q_name : q_exact[k];
        personal *= q;
        if (q_home[k] / q > lift)
            lift = q_home[k] / q;
    }
    /* a stranger who shares the household values by chance, or a member of the household */
    cohabit = home < 1 ? (home < P_COHABIT ? home : P_COHABIT) * personal * lift : 0;
    return (double)(rows > 0 ? rows : 1) * (home * personal + cohabit);
}

double azk_match__name_birth_other(double q_name, uint64_t rows, double people)
{
    if (!(people > 0)) { /* the assumption: a million, or ten people per record */
        people = 10.0 * (double)rows;
        if (people < AZK_MATCH_PEOPLE)
            people = AZK_MATCH_PEOPLE;
    }
    return people * q_name * q_exact[AZK_FP_BIRTH];
}

void azk_match__ev_hash(const uint8_t key[AZK_FP_KEY_LEN], unsigned kind, const uint8_t *v,
                        size_t n, uint8_t out[AZK_MATCH_EV_HASH])
{
    crypto_generichash_state st;
    uint8_t pre[8] = {'a', 'z', 'k', 'e', 'v', '1', (uint8_t)kind, 0};
    crypto_generichash_init(&st, key, AZK_FP_KEY_LEN, AZK_MATCH_EV_HASH);
    crypto_generichash_update(&st, pre, sizeof(pre));
    crypto_generichash_update(&st, v, n);
    crypto_generichash_final(&st, out, AZK_MATCH_EV_HASH);
}

azk_status azk_match__slot_value(const uint8_t key[AZK_FP_KEY_LEN], const uint8_t *kinds,
                                 size_t kind_count, const azk_record *rec, unsigned s, azk_buf *tmp,
                                 azk_buf *norm, uint8_t out[AZK_MATCH_EV_HASH], bool *found)
{
    bool has_name_col = false;
    bool any = false;
    unsigned phones = 0;
    *found = false;
    for (size_t i = 0; i < kind_count; i++)
        has_name_col |= kinds[i] == AZK_COL_NAME;
    azk_buf_clear(tmp);
    /* a slot's columns are concatenated in order (住所1 + 住所2, 姓 + 名), as intake
     * does; the two phone slots take the first and the second phone column */
    for (size_t i = 0; i < rec->field_count && i < kind_count; i++) {
        int slot = azk_fp__slot_of((azk_column_kind)kinds[i], has_name_col, NULL);
        const azk_field *f = &rec->fields[i];
        if (slot == AZK_FPS_PHONE1 && f->len > 0)
            slot = phones++ == 0 ? AZK_FPS_PHONE1 : AZK_FPS_PHONE2;
        if (slot != (int)s || f->len == 0)
            continue;
        azk_status rc = azk_buf_put(tmp, f->ptr, f->len);
        if (rc != AZK_OK)
            return rc;
        any = true;
    }
    if (!any || !azk_fp__normalize(norm, azk_fp__slot_kind[s], (const char *)tmp->data, tmp->len))
        return AZK_OK;
    azk_match__ev_hash(key, azk_fp__slot_kind[s], norm->data, norm->len, out);
    *found = true;
    return AZK_OK;
}

azk_status azk_match__row_values(struct azk_match_row *row, const uint8_t key[AZK_FP_KEY_LEN],
                                 const uint8_t *kinds, size_t kind_count, const azk_record *rec,
                                 azk_buf *tmp, azk_buf *norm)
{
    AZK_ASSERT_ARG(row != NULL && key != NULL && rec != NULL && tmp != NULL && norm != NULL);
    memset(row, 0, sizeof(*row));
    for (unsigned s = 0; s < AZK_FPS__COUNT; s++) {
        bool found;
        azk_status rc =
            azk_match__slot_value(key, kinds, kind_count, rec, s, tmp, norm, row->h[s], &found);
        if (rc != AZK_OK)
            return rc;
        if (!found)
            continue;
        row->present |= 1u << s;
        /* 070 / 080 / 090: a mobile, one person's (others: a household's line); norm holds
         * the slot's normalised value */
        if (azk_fp__slot_kind[s] == AZK_FP_PHONE && norm->len >= 3 && norm->data[0] == '0' &&
            (norm->data[1] == '7' || norm->data[1] == '8' || norm->data[1] == '9') &&
            norm->data[2] == '0')
            row->mobile |= 1u << s;
    }
    return AZK_OK;
}

/* The row's slot whose value the item equals, or -1. */
static int item_slot(const struct azk_match_row *row, const struct azk_match_ev_item *it)
{
    unsigned first;
    unsigned slots;
    azk_fp__kind_slots(it->kind, &first, &slots);
    for (unsigned s = first; s < first + slots; s++)
        if ((row->present & (1u << s)) && sodium_memcmp(row->h[s], it->h, AZK_MATCH_EV_HASH) == 0)
            return (int)s;
    return -1;
}

static bool item_agrees(const struct azk_match_row *row, const struct azk_match_ev_item *it)
{
    return item_slot(row, it) >= 0;
}

static bool row_has_kind(const struct azk_match_row *row, unsigned kind)
{
    unsigned first;
    unsigned slots;
    azk_fp__kind_slots(kind, &first, &slots);
    for (unsigned s = first; s < first + slots; s++)
        if (row->present & (1u << s))
            return true;
    return false;
}

/* A value on the line that says "someone else": numbers that belong to one person always;
 * a name or a birth date only when a detector (or an honorific) says it is one. */
static bool contradicts(unsigned kind, uint8_t flags)
{
    switch (kind) {
        case AZK_FP_PHONE:
        case AZK_FP_EMAIL:
        case AZK_FP_MYNUMBER:
            return true;
        case AZK_FP_NAME:
        case AZK_FP_BIRTH:
            return (flags & AZK_EV_DEFINITE) != 0;
        default:
            return false;
    }
}

/* The basis of a confirmation by the families fam (postal folded into address), matched and
 * landline as the rule saw them (match.h, enum azk_match_basis). */
static void basis_of(struct azk_match_verdict *v, unsigned fam, bool landline,
                     const struct azk_match_row *row, uint64_t dataset_rows)
{
    const unsigned name = 1u << AZK_FP_NAME;
    unsigned household = (1u << AZK_FP_ADDRESS) | (1u << AZK_FP_POSTAL);
    unsigned personal;
    if (landline)
        household |= 1u << AZK_FP_PHONE;
    personal = fam & ~household;
    v->basis = AZK_BASIS_STRICT;
    v->other = 0;
    if (fam == (name | (1u << AZK_FP_BIRTH))) {
        v->basis = AZK_BASIS_NAME_BIRTH;
        v->other = azk_match__name_birth_other(row->q_name > 0 ? row->q_name : q_exact[AZK_FP_NAME],
                                               dataset_rows, row->people);
    } else if ((fam & household) && (personal & ~name) == 0) {
        /* a co-resident of the record's full name, or any co-resident when no name agreed */
        v->basis = AZK_BASIS_HOUSEHOLD;
        v->other = personal ? AZK_MATCH_CORESIDENTS * q_home[AZK_FP_NAME]
                            : AZK_MATCH_CORESIDENTS / (1 + AZK_MATCH_CORESIDENTS);
    }
}

static enum azk_confirm confirm_try(const struct azk_match_row *row,
                                    const struct azk_match_ev_item *items, size_t count,
                                    uint64_t dataset_rows, bool line_only,
                                    struct azk_match_verdict *v)
{
    static const uint8_t order[AZK_FP__COUNT] = {AZK_FP_NAME,     AZK_FP_PHONE,    AZK_FP_EMAIL,
                                                 AZK_FP_MYNUMBER, AZK_FP_ADDRESS,  AZK_FP_POSTAL,
                                                 AZK_FP_BIRTH,    AZK_FP_CUSTOMER, AZK_FP_ACCOUNT};
    unsigned matched = 0;
    unsigned lines = 0;
    unsigned fam;
    unsigned need = 2;
    double expect;
    uint32_t used[AZK_FP__COUNT];
    size_t nused = 0;
    bool landline = false;             /* the phone that agreed is a fixed line */
    uint8_t mage[AZK_FP__COUNT] = {0}; /* the line where kind k agreed */
    for (size_t o = 0; o < AZK_FP__COUNT; o++) {
        unsigned k = order[o];
        for (size_t i = 0; i < count; i++) {
            const struct azk_match_ev_item *it = &items[i];
            bool src_used = false;
            if (it->kind != k || (line_only && it->age != 0) ||
                (it->flags & (AZK_EV_WINDOW | AZK_EV_CUT)) == (AZK_EV_WINDOW | AZK_EV_CUT))
                continue;
            for (size_t u = 0; u < nused; u++)
                src_used |= used[u] == it->src;
            if (src_used || !item_agrees(row, it))
                continue;
            if (k == AZK_FP_PHONE)
                landline = !(row->mobile & (1u << item_slot(row, it)));
            matched |= 1u << k;
            mage[k] = it->age;
            used[nused++] = it->src;
            lines |= 1u << it->age;
            break;
        }
    }
    /* a value of another person on a line that agreed: this is not (only) the record; a
     * kind that agreed on another line is no excuse (a name on one line, another person's
     * note with the record's birth date on the next) */
    for (size_t i = 0; i < count; i++) {
        const struct azk_match_ev_item *it = &items[i];
        if ((line_only && it->age != 0) || !(lines & (1u << it->age)) ||
            ((matched & (1u << it->kind)) && mage[it->kind] == it->age) ||
            !contradicts(it->kind, it->flags) || !row_has_kind(row, it->kind) ||
            item_agrees(row, it))
            continue;
        need = 3;
    }
    /* a postal code beside another address on a line that agreed: the address decides the
     * code, which then says nothing of the record (a namesake elsewhere in its area) */
    if ((matched & (1u << AZK_FP_POSTAL)) && !(matched & (1u << AZK_FP_ADDRESS)) &&
        row_has_kind(row, AZK_FP_ADDRESS)) {
        for (size_t i = 0; i < count; i++) {
            const struct azk_match_ev_item *it = &items[i];
            if (it->kind == AZK_FP_ADDRESS && (lines & (1u << it->age)) &&
                !(line_only && it->age != 0)) {
                matched &= ~(1u << AZK_FP_POSTAL);
                break;
            }
        }
    }
    /* an address and its postal code are one family: the household's place */
    fam = matched;
    if ((fam & (1u << AZK_FP_ADDRESS)) && (fam & (1u << AZK_FP_POSTAL)))
        fam &= ~(1u << AZK_FP_POSTAL);
    if ((unsigned)__builtin_popcount(fam) < need)
        return AZK_CONFIRM_NO;
    if (!(matched & ((1u << AZK_FP_NAME) | (1u << AZK_FP_PHONE) | (1u << AZK_FP_EMAIL) |
                     (1u << AZK_FP_ADDRESS) | (1u << AZK_FP_MYNUMBER))))
        return AZK_CONFIRM_NO;
    basis_of(v, fam, landline, row, dataset_rows);
    /* name and birth date only: which person the line is about (match.h) */
    if (fam == ((1u << AZK_FP_NAME) | (1u << AZK_FP_BIRTH))) {
        if (row->twins > 1) /* another record of the dataset shows the same: not this one */
            return AZK_CONFIRM_PROBABLE;
        /* every name + birth date verdict answers which person: more than 1e-3 expected
         * namesakes born that day (a large population told with --population, or a name not
         * counted) is no confirmation, whatever the per-line rule below would say */
        if (v->other > AZK_MATCH_NAME_BIRTH_MAX)
            return AZK_CONFIRM_PROBABLE;
        if (row->twins == 1 && row->q_name > 0)
            return AZK_CONFIRM_YES;
    }
    expect = azk_match__chance(matched, landline, dataset_rows, row->q_name);
    return expect <= AZK_MATCH_CONFIRM_MAX_CHANCE ? AZK_CONFIRM_YES : AZK_CONFIRM_PROBABLE;
}

/* Is verdict a stronger than b (a YES beats a PROBABLE; of two YES, the lower chance)? */
static bool stronger(const struct azk_match_verdict *a, const struct azk_match_verdict *b)
{
    if (a->c != b->c)
        return a->c > b->c;
    return a->c == AZK_CONFIRM_YES && a->other < b->other;
}

void azk_match__confirm_verdict(const struct azk_match_row *row,
                                const struct azk_match_ev_item *items, size_t count,
                                uint64_t dataset_rows, struct azk_match_verdict *v)
{
    struct azk_match_verdict b = {AZK_CONFIRM_NO, AZK_BASIS_STRICT, 0};
    *v = b;
    if (row == NULL || items == NULL || count == 0)
        return;
    v->c = confirm_try(row, items, count, dataset_rows, true, v);
    if (v->c == AZK_CONFIRM_YES && v->basis == AZK_BASIS_STRICT)
        return;
    b.c = confirm_try(row, items, count, dataset_rows, false, &b);
    if (stronger(&b, v))
        *v = b;
}

enum azk_confirm azk_match__confirm_exact(const struct azk_match_row *row,
                                          const struct azk_match_ev_item *items, size_t count,
                                          uint64_t dataset_rows)
{
    struct azk_match_verdict v;
    azk_match__confirm_verdict(row, items, count, dataset_rows, &v);
    return v.c;
}
