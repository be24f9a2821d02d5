/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/audit/tamper.h -- tests of tamper.c, run by test_audit.c. */
#ifndef AZK_TEST_AUDIT_TAMPER_H
#define AZK_TEST_AUDIT_TAMPER_H
void test_audit__tamper_detected(void **state);
void test_audit__issue_callback_stops(void **state);
void test_audit__torn_tail_every_byte(void **state);
void test_audit__tail_cut_is_alarm(void **state);
void test_audit__cut_or_fork_never_signed(void **state);
void test_audit__cache_bitflip_not_signed(void **state);
void test_audit__readonly_never_repairs(void **state);
void test_audit__rechained_forgery_named(void **state);
#endif
