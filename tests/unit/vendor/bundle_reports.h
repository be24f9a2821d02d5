/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/vendor/bundle_reports.h -- tests of bundle_reports.c, run by test_vendor.c. */
#ifndef AZK_TEST_BUNDLE_REPORTS_H
#define AZK_TEST_BUNDLE_REPORTS_H
void test_vendor__bundle_reports(void **state);
#endif
