/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/audit/keep.h -- tests of keep.c, run by test_audit.c. */
#ifndef AZK_TEST_KEEP_H
#define AZK_TEST_KEEP_H
void test_audit__keep(void **state);
#endif
