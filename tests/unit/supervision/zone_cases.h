/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/supervision/zone_cases.h -- tests of zone_cases.c, run by test_supervision.c. */
#ifndef AZK_TEST_ZONE_CASES_H
#define AZK_TEST_ZONE_CASES_H
#include "azukari/home.h"

struct fixture {
    char dir[64], home[96];
    azk_home *h;
};

void test_supervision__zone_findings(void **state);
void test_supervision__supersedes(void **state);
void test_supervision__html_withheld(void **state);
#endif
