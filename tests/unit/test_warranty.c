/*  test_warranty.c — civil dates, month arithmetic and the decision. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fsd/warranty.h"

//  Parses s, failing the test when it does not parse.
static civil_date s_date(const char *s)
{
    civil_date d;
    assert_int_equal(civil_parse(s, &d), 0);
    return d;
}

//  Asserts that d formats as expect.
static void s_assert_date(civil_date d, const char *expect)
{
    char buf[11];
    assert_string_equal(civil_format(d, buf), expect);
}

//  Good and bad inputs to civil_parse.
static void test_parse(void **state)
{
    (void)state;
    civil_date d;
    assert_int_equal(civil_parse("2024-02-29", &d), 0);
    assert_int_equal(d.y, 2024);
    assert_int_equal(d.m, 2);
    assert_int_equal(d.d, 29);
    assert_int_equal(civil_parse("1900-01-01", &d), 0);
    assert_int_equal(civil_parse("9999-12-31", &d), 0);
    assert_int_equal(civil_parse("2000-02-29", &d), 0);

    const char *bad[] = {
        "2023-02-29",  "1900-02-29",  "2024-13-01",  "2024-00-10", "2024-04-31", "2024-01-00", "2024-1-1",
        "2024-01-01x", "2024-01-01 ", " 2024-01-01", "2024/01/01", "1899-12-31", "20240101",   "",
        "abcd-ef-gh",  "2024-01-0a",  "+024-01-01",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (civil_parse(bad[i], &d) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(civil_parse(NULL, &d), -1);
}

//  Leap years and month lengths.
static void test_calendar(void **state)
{
    (void)state;
    assert_true(civil_is_leap(2024));
    assert_true(civil_is_leap(2000));
    assert_false(civil_is_leap(1900));
    assert_false(civil_is_leap(2023));
    assert_int_equal(civil_days_in_month(2024, 2), 29);
    assert_int_equal(civil_days_in_month(2023, 2), 28);
    assert_int_equal(civil_days_in_month(2023, 4), 30);
    assert_int_equal(civil_days_in_month(2023, 12), 31);
    assert_int_equal(civil_days_in_month(2023, 13), 0);
}

//  Day counts round-trip and match known values.
static void test_days(void **state)
{
    (void)state;
    assert_int_equal(civil_to_days(s_date("1970-01-01")), 0);
    assert_int_equal(civil_to_days(s_date("2000-03-01")), 11017);
    assert_int_equal(civil_to_days(s_date("1969-12-31")), -1);
    assert_int_equal(civil_to_days(s_date("1900-01-01")), -25567);
    for (long n = -30000; n < 3000000; n += 37) {
        civil_date d = civil_from_days(n);
        assert_int_equal(civil_to_days(d), n);
        civil_date next = civil_from_days(n + 1);
        assert_true(civil_cmp(d, next) < 0);
    }
    s_assert_date(civil_from_days(19782), "2024-02-29");
}

//  Month arithmetic clamps to the end of the month.
static void test_add_months(void **state)
{
    (void)state;
    s_assert_date(civil_add_months(s_date("2024-02-29"), 12), "2025-02-28");
    s_assert_date(civil_add_months(s_date("2023-01-31"), 1), "2023-02-28");
    s_assert_date(civil_add_months(s_date("2024-01-31"), 1), "2024-02-29");
    s_assert_date(civil_add_months(s_date("2024-01-31"), 3), "2024-04-30");
    s_assert_date(civil_add_months(s_date("2023-11-15"), 2), "2024-01-15");
    s_assert_date(civil_add_months(s_date("2024-03-31"), -1), "2024-02-29");
    s_assert_date(civil_add_months(s_date("2024-01-15"), -13), "2022-12-15");
    s_assert_date(civil_add_months(s_date("2020-02-29"), 48), "2024-02-29");
    s_assert_date(civil_add_months(s_date("2024-05-10"), 0), "2024-05-10");
}

//  In warranty through the last day inclusive, expired the day after.
static void test_decide_boundary(void **state)
{
    (void)state;
    warranty_terms t = { s_date("2023-01-31"), 24, false, { 0, 0, 0 } };
    s_assert_date(warranty_end(&t), "2025-01-31");
    assert_int_equal(warranty_decide(&t, s_date("2024-06-01")), WS_IN_WARRANTY);
    assert_int_equal(warranty_decide(&t, s_date("2025-01-31")), WS_IN_WARRANTY);
    assert_int_equal(warranty_decide(&t, s_date("2025-02-01")), WS_EXPIRED);
    //  Bought on a leap day, one year.
    t.purchased = s_date("2024-02-29");
    t.warranty_months = 12;
    assert_int_equal(warranty_decide(&t, s_date("2025-02-28")), WS_IN_WARRANTY);
    assert_int_equal(warranty_decide(&t, s_date("2025-03-01")), WS_EXPIRED);
    //  Reported before the recorded purchase: still in warranty.
    assert_int_equal(warranty_decide(&t, s_date("2024-01-01")), WS_IN_WARRANTY);
    //  Zero months covers the purchase day only.
    t.warranty_months = 0;
    assert_int_equal(warranty_decide(&t, s_date("2024-02-29")), WS_IN_WARRANTY);
    assert_int_equal(warranty_decide(&t, s_date("2024-03-01")), WS_EXPIRED);
}

//  Extended contracts, and unregistered products.
static void test_decide_extended(void **state)
{
    (void)state;
    warranty_terms t = { s_date("2020-06-15"), 24, true, s_date("2025-06-14") };
    assert_int_equal(warranty_decide(&t, s_date("2022-06-15")), WS_IN_WARRANTY);
    assert_int_equal(warranty_decide(&t, s_date("2022-06-16")), WS_EXTENDED);
    assert_int_equal(warranty_decide(&t, s_date("2025-06-14")), WS_EXTENDED);
    assert_int_equal(warranty_decide(&t, s_date("2025-06-15")), WS_EXPIRED);
    //  An extension that ends before the warranty changes nothing.
    t.extended_until = s_date("2021-01-01");
    assert_int_equal(warranty_decide(&t, s_date("2022-01-01")), WS_IN_WARRANTY);
    assert_int_equal(warranty_decide(&t, s_date("2022-07-01")), WS_EXPIRED);
    //  has_extended false ignores the date.
    t.has_extended = false;
    t.extended_until = s_date("2030-01-01");
    assert_int_equal(warranty_decide(&t, s_date("2023-01-01")), WS_EXPIRED);
    assert_int_equal(warranty_decide(NULL, s_date("2023-01-01")), WS_UNREGISTERED);

    assert_true(warranty_is_covered(WS_IN_WARRANTY));
    assert_true(warranty_is_covered(WS_EXTENDED));
    assert_false(warranty_is_covered(WS_EXPIRED));
    assert_false(warranty_is_covered(WS_UNREGISTERED));
    assert_false(warranty_is_covered(WS_NONE));
}

//  Comparison is a total order on dates.
static void test_cmp(void **state)
{
    (void)state;
    assert_true(civil_cmp(s_date("2024-01-01"), s_date("2023-12-31")) > 0);
    assert_true(civil_cmp(s_date("2024-02-01"), s_date("2024-01-31")) > 0);
    assert_true(civil_cmp(s_date("2024-02-01"), s_date("2024-02-02")) < 0);
    assert_int_equal(civil_cmp(s_date("2024-02-01"), s_date("2024-02-01")), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_calendar),
        cmocka_unit_test(test_days),
        cmocka_unit_test(test_add_months),
        cmocka_unit_test(test_decide_boundary),
        cmocka_unit_test(test_decide_extended),
        cmocka_unit_test(test_cmp),
    };
    return cmocka_run_group_tests_name("warranty", tests, NULL, NULL);
}
