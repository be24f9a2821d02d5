/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/retention/certificate.h -- tests of certificate.c, run by test_retention.c. */
#ifndef AZK_TEST_RETENTION_CERTIFICATE_H
#define AZK_TEST_RETENTION_CERTIFICATE_H
void test_retention__certificate(void **state);
void test_retention__certificate_complete_or_absent(void **state);
#endif
