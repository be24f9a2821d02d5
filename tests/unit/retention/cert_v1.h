/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/retention/cert_v1.h -- tests of cert_v1.c, run by test_retention.c. */
#ifndef AZK_TEST_CERT_V1_H
#define AZK_TEST_CERT_V1_H
void test_retention__certificate_v1_source_name(void **state);
#endif
