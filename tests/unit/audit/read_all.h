/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/audit/read_all.h -- tests of read_all.c, run by test_audit.c. */
#ifndef AZK_TEST_READ_ALL_H
#define AZK_TEST_READ_ALL_H
void test_audit__read_all(void **state);
#endif
