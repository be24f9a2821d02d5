/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/namefreq/test_namefreq.c -- a name's rarity estimated from its
 * dataset (match/namefreq.c) and what it does to the confirmation bound
 * (azk_match__chance, match/confirm.c): a rare full name and an exact birth
 * date confirm in a large dataset, a common family name with them does
 * not, a name without a family/given split keeps the fixed bound.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "match/match.h"

static const uint8_t key[AZK_FP_KEY_LEN] = {1, 2, 3};
static const uint8_t kinds[2] = {AZK_COL_NAME, AZK_COL_BIRTH_DATE};

static azk_record rec_on(azk_field f[2], const char *name, const char *birth)
{
    azk_record r;
    memset(&r, 0, sizeof(r));
    memset(f, 0, 2 * sizeof(*f));
    f[0].ptr = name;
    f[0].len = strlen(name);
    f[1].ptr = birth;
    f[1].len = strlen(birth);
    r.fields = f;
    r.field_count = 2;
    r.tabular = 1;
    return r;
}

static azk_record rec_of(azk_field f[2], const char *name)
{
    return rec_on(f, name, "1938-04-22");
}

#define NAME_BIRTH ((1u << AZK_FP_NAME) | (1u << AZK_FP_BIRTH))

/* The fixed bound: name + birth date stays probable above 1,000 rows. */
static void test_namefreq__fixed_bound(void **state)
{
    (void)state;
    assert_true(azk_match__chance(NAME_BIRTH, false, 999, 0) <= AZK_MATCH_CONFIRM_MAX_CHANCE);
    assert_true(azk_match__chance(NAME_BIRTH, false, 220000, 0) > AZK_MATCH_CONFIRM_MAX_CHANCE);
    /* a larger share than the fixed one never weakens the bound below it */
    assert_true(azk_match__chance(NAME_BIRTH, false, 1000, 0.5) ==
                azk_match__chance(NAME_BIRTH, false, 1000, 0));
}

static void test_namefreq__rare_and_common(void **state)
{
    struct azk_match_namefreq *nf = NULL;
    azk_buf tmp = AZK_BUF_INIT, norm = AZK_BUF_INIT;
    azk_field f[2];
    azk_record r;
    char name[64];
    double q_rare, q_common, q_nosplit, q_fullwidth;
    (void)state;
    assert_int_equal(azk_match__namefreq_new(&nf), AZK_OK);
    /* 220,000 rows: 3,300 佐藤 (1.5 %), 220 田中 given names spread; the rest unique */
    for (int i = 0; i < 220000; i++) {
        if (i < 3300)
            snprintf(name, sizeof(name), "佐藤 名%d", i);
        else if (i < 3520)
            snprintf(name, sizeof(name), "田中 名%d", i);
        else if (i < 4520)
            snprintf(name, sizeof(name), "姓%d 太郎", i); /* 1,000 太郎 */
        else
            snprintf(name, sizeof(name), "姓%d 名%d", i, i);
        r = rec_of(f, name);
        assert_int_equal(azk_match__namefreq_add(nf, key, kinds, 2, &r, &tmp, &norm), AZK_OK);
    }
    r = rec_of(f, "姓9999 名9999");
    q_rare = azk_match__namefreq_q(nf, key, kinds, 2, &r, &tmp, &norm);
    r = rec_of(f, "佐藤 名17");
    q_common = azk_match__namefreq_q(nf, key, kinds, 2, &r, &tmp, &norm);
    r = rec_of(f, "姓9999名9999");
    q_nosplit = azk_match__namefreq_q(nf, key, kinds, 2, &r, &tmp, &norm);
    r = rec_of(f, "姓9999\xE3\x80\x80名9999"); /* an ideographic space parts it too */
    q_fullwidth = azk_match__namefreq_q(nf, key, kinds, 2, &r, &tmp, &norm);
    /* rare: both parts once: (6 / 220,000)^2 */
    assert_true(q_rare > 7e-10 && q_rare < 8e-10);
    assert_true(q_fullwidth == q_rare);
    assert_true(q_nosplit == 0);
    /* 佐藤 (3,300 rows) with a unique given name: ~4e-7 */
    assert_true(q_common > 3e-7 && q_common < 5e-7);
    /* a rare name and a birth date confirm at 220,000 rows; 佐藤 with them does not */
    assert_true(azk_match__chance(NAME_BIRTH, false, 220000, q_rare) <=
                AZK_MATCH_CONFIRM_MAX_CHANCE);
    assert_true(azk_match__chance(NAME_BIRTH, false, 220000, q_common) >
                AZK_MATCH_CONFIRM_MAX_CHANCE);
    /* a name alone never: one family */
    assert_true(azk_match__chance(1u << AZK_FP_NAME, false, 220000, q_rare) >
                AZK_MATCH_CONFIRM_MAX_CHANCE);
    /* a co-resident of the record's household is as likely as before (the lift keeps it):
     * name + address of a rare name is not weaker evidence against the household */
    {
        unsigned na = (1u << AZK_FP_NAME) | (1u << AZK_FP_ADDRESS);
        double before = azk_match__chance(na, false, 1, 0);
        double after = azk_match__chance(na, false, 1, q_rare);
        assert_true(after <= before);
        assert_true(after >= 2e-8 * 1e-4 * 0.99); /* P_COHABIT x q_home */
    }
    azk_match__namefreq_free(nf);
    azk_buf_dispose(&tmp);
    azk_buf_dispose(&norm);
}

/*
 * (full name, birth date) pairs counted: two rows with the same pair are
 * twins (neither is confirmed by a note holding only those), a homonym
 * with another birth date and a row without a birth date are not.
 */
static void test_namefreq__twins(void **state)
{
    struct azk_match_namefreq *nf = NULL;
    azk_buf tmp = AZK_BUF_INIT, norm = AZK_BUF_INIT;
    azk_field f[2];
    azk_record r;
    uint32_t tw = 99;
    (void)state;
    assert_int_equal(azk_match__namefreq_new(&nf), AZK_OK);
    r = rec_of(f, "佐藤 翔太");
    assert_int_equal(azk_match__namefreq_add(nf, key, kinds, 2, &r, &tmp, &norm), AZK_OK);
    r = rec_on(f, "佐藤\xE3\x80\x80翔太", "1938/4/22"); /* the same pair written otherwise */
    assert_int_equal(azk_match__namefreq_add(nf, key, kinds, 2, &r, &tmp, &norm), AZK_OK);
    r = rec_on(f, "佐藤 翔太", "1971-11-03");
    assert_int_equal(azk_match__namefreq_add(nf, key, kinds, 2, &r, &tmp, &norm), AZK_OK);
    r = rec_on(f, "中野 優見", "");
    assert_int_equal(azk_match__namefreq_add(nf, key, kinds, 2, &r, &tmp, &norm), AZK_OK);
    r = rec_of(f, "佐藤 翔太");
    assert_int_equal(azk_match__namefreq_twins(nf, key, kinds, 2, &r, &tmp, &norm, &tw), AZK_OK);
    assert_int_equal(tw, 2);
    r = rec_on(f, "佐藤 翔太", "1971-11-03");
    assert_int_equal(azk_match__namefreq_twins(nf, key, kinds, 2, &r, &tmp, &norm, &tw), AZK_OK);
    assert_int_equal(tw, 1);
    r = rec_on(f, "中野 優見", "");
    assert_int_equal(azk_match__namefreq_twins(nf, key, kinds, 2, &r, &tmp, &norm, &tw), AZK_OK);
    assert_int_equal(tw, 0);
    /* a family name's count is not a pair's */
    r = rec_on(f, "佐藤", "1938-04-22");
    assert_int_equal(azk_match__namefreq_twins(nf, key, kinds, 2, &r, &tmp, &norm, &tw), AZK_OK);
    assert_int_equal(tw, 0);
    /* one-character parts are parts (林 聡): the name is estimated, not left to the fixed
     * share */
    r = rec_on(f, "林 聡", "1950-01-02");
    assert_int_equal(azk_match__namefreq_add(nf, key, kinds, 2, &r, &tmp, &norm), AZK_OK);
    assert_true(azk_match__namefreq_q(nf, key, kinds, 2, &r, &tmp, &norm) > 0);
    azk_match__namefreq_free(nf);
    /* nothing counted: unknown */
    assert_int_equal(azk_match__namefreq_twins(NULL, key, kinds, 2, &r, &tmp, &norm, &tw), AZK_OK);
    assert_int_equal(tw, 0);
    azk_buf_dispose(&tmp);
    azk_buf_dispose(&norm);
}

/*
 * The namesakes born the same day among the people a contractor's files
 * mention (at least 1e6, 10 x the dataset): a name of a few hundred people
 * in Japan confirms, one of thousands (佐藤 翔太, ~2e-5) does not; a larger
 * dataset stands for more people.
 */
static void test_namefreq__name_birth_other(void **state)
{
    (void)state;
    assert_true(azk_match__name_birth_other(5e-6, 44000, 0) <= AZK_MATCH_NAME_BIRTH_MAX);
    assert_true(azk_match__name_birth_other(2e-5, 44000, 0) > AZK_MATCH_NAME_BIRTH_MAX);
    assert_true(azk_match__name_birth_other(5e-6, 10000000, 0) > AZK_MATCH_NAME_BIRTH_MAX);
    assert_true(azk_match__name_birth_other(5e-8, 10000000, 0) <= AZK_MATCH_NAME_BIRTH_MAX);
    /* impact's population option replaces the assumption: at 220,000 rows (M = 2.2e6 by
     * default) a name of 8e-6 stays probable, with M = 1e6 it confirms; a larger M asks more */
    assert_true(azk_match__name_birth_other(8e-6, 220000, 0) > AZK_MATCH_NAME_BIRTH_MAX);
    assert_true(azk_match__name_birth_other(8e-6, 220000, 1e6) <= AZK_MATCH_NAME_BIRTH_MAX);
    assert_true(azk_match__name_birth_other(5e-6, 44000, 1e7) > AZK_MATCH_NAME_BIRTH_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_namefreq__twins),
        cmocka_unit_test(test_namefreq__name_birth_other),
        cmocka_unit_test(test_namefreq__fixed_bound),
        cmocka_unit_test(test_namefreq__rare_and_common),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
