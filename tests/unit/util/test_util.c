/* SPDX-License-Identifier: Apache-2.0 */
/* tests/unit/util -- buffers, readers, UTF-8, errors, allocation faults. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "util/util.h"

static void test_util__buf_grow_and_limit(void **state)
{
    azk_buf b = AZK_BUF_INIT;
    (void)state;
    b.max = 8;
    assert_int_equal(azk_buf_puts(&b, "abcd"), AZK_OK);
    assert_int_equal(azk_buf_printf(&b, "%d", 123), AZK_OK);
    assert_string_equal((char *)b.data, "abcd123");
    assert_int_equal(azk_buf_puts(&b, "xy"), AZK_ERR_LIMIT);
    assert_string_equal((char *)b.data, "abcd123"); /* unchanged on failure */
    azk_buf_consume(&b, 2);
    assert_string_equal((char *)b.data, "cd123");
    azk_buf_dispose(&b);
}

static void test_util__reader_bounds(void **state)
{
    const uint8_t d[] = {1, 2, 3, 4, 5};
    azk_reader r;
    uint32_t v;
    uint16_t s;
    (void)state;
    azk_reader_init(&r, d, sizeof(d));
    assert_int_equal(azk_reader_u32be(&r, &v), AZK_OK);
    assert_int_equal(v, 0x01020304u);
    assert_int_equal(azk_reader_u16le(&r, &s), AZK_ERR_FORMAT);
    assert_int_equal(r.pos, 4);
}

static void test_util__utf8(void **state)
{
    uint32_t cp;
    const uint8_t ok[] = "\xe5\xb1\xb1"; /* 山 */
    const uint8_t bad[] = "\x82\xa0";    /* CP932 あ, invalid UTF-8 */
    azk_buf b = AZK_BUF_INIT;
    (void)state;
    assert_int_equal(azk_utf8_decode(ok, 3, &cp), 3);
    assert_int_equal(cp, 0x5C71);
    assert_true(azk_utf8_valid(ok, 3));
    assert_false(azk_utf8_valid(bad, 2));
    assert_int_equal(azk_buf_put_escaped_name(&b, (const char *)bad, 2), AZK_OK);
    assert_string_equal((char *)b.data, "\\x82\\xA0");
    azk_buf_dispose(&b);
}

static void test_util__error_last(void **state)
{
    (void)state;
    azk_error_clear();
    assert_int_equal(azk_error_last()->code, AZK_OK);
    assert_int_equal(azk_error_set(AZK_ERR_FORMAT, "zip: bad offset %zu\nx", (size_t)7),
                     AZK_ERR_FORMAT);
    assert_string_equal(azk_error_last()->message, "zip: bad offset 7 x");
    assert_string_equal(azk_status_name(AZK_ERR_LIMIT), "limit");
}

static void test_util__alloc_fault(void **state)
{
    azk_buf b = AZK_BUF_INIT;
    (void)state;
    azk__alloc_fail_after(0);
    assert_int_equal(azk_buf_puts(&b, "x"), AZK_ERR_NOMEM);
    azk__alloc_fail_after(-1);
    assert_int_equal(azk_buf_puts(&b, "x"), AZK_OK);
    azk_buf_dispose(&b);
}

static void test_util__array_reserve(void **state)
{
    int *a = NULL;
    size_t cap = 0, n = 0;
    (void)state;
    for (int i = 0; i < 100; i++) {
        assert_int_equal(azk_array_reserve(&a, &cap, n, sizeof(*a), 4), AZK_OK);
        assert_true(cap > n);
        a[n++] = i;
    }
    assert_int_equal(cap, 128);
    azk__alloc_fail_after(0);
    n = cap; /* full: the next reserve must allocate, and fails */
    assert_int_equal(azk_array_reserve(&a, &cap, n, sizeof(*a), 4), AZK_ERR_NOMEM);
    azk__alloc_fail_after(-1);
    assert_int_equal(cap, 128); /* unchanged on failure */
    assert_int_equal(a[99], 99);
    azk_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_util__buf_grow_and_limit),
        cmocka_unit_test(test_util__reader_bounds),
        cmocka_unit_test(test_util__utf8),
        cmocka_unit_test(test_util__error_last),
        cmocka_unit_test(test_util__alloc_fault),
        cmocka_unit_test(test_util__array_reserve),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
