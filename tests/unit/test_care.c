/*  test_care.c — amounts, follow-up rules and ids, goodwill and waivers. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fsd/care.h"

//  Parses s, failing the test when it does not parse.
static int64_t s_cents(const char *s, bool allow_zero)
{
    int64_t v = -1;
    const char *why = NULL;
    if (care_amount_parse(s, allow_zero, &v, &why) != 0)
        fail_msg("refused \"%s\": %s", s, why);
    return v;
}

//  Good amounts, in every accepted spelling.
static void test_amount_good(void **state)
{
    (void)state;
    assert_int_equal(s_cents("45", false), 4500);
    assert_int_equal(s_cents("45.0", false), 4500);
    assert_int_equal(s_cents("45.00", false), 4500);
    assert_int_equal(s_cents("45.5", false), 4550);
    assert_int_equal(s_cents("45.05", false), 4505);
    assert_int_equal(s_cents("0.01", false), 1);
    assert_int_equal(s_cents("007.10", false), 710);
    assert_int_equal(s_cents("100000.00", false), 10000000);
    assert_int_equal(s_cents("0", true), 0);
    assert_int_equal(s_cents("0.00", true), 0);
}

//  Bad amounts are refused with a reason.
static void test_amount_bad(void **state)
{
    (void)state;
    const char *bad[] = {
        "",    "-5",  "+5",        "45.001",      "45.",  ".5",    "45,00",  "4 5", " 45", "45 ",
        "abc", "1e3", "100000.01", "99999999999", "0x10", "45..0", "45.0.0", "nan", "inf",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 77;
        const char *why = NULL;
        if (care_amount_parse(bad[i], true, &v, &why) == 0)
            fail_msg("accepted \"%s\" as %lld", bad[i], (long long)v);
        assert_non_null(why);
        assert_int_equal(v, 77); // untouched on refusal
    }
    int64_t v;
    const char *why = NULL;
    assert_int_equal(care_amount_parse("0", false, &v, &why), -1);
    assert_string_equal(why, "must be more than 0.00");
    assert_int_equal(care_amount_parse("0.00", false, &v, NULL), -1);
    assert_int_equal(care_amount_parse(NULL, true, &v, &why), -1);
}

//  Formatting is the inverse of parsing.
static void test_amount_format(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(care_amount_format(4500, buf, sizeof buf), "45.00");
    assert_string_equal(care_amount_format(5, buf, sizeof buf), "0.05");
    assert_string_equal(care_amount_format(0, buf, sizeof buf), "0.00");
    assert_string_equal(care_amount_format(10000000, buf, sizeof buf), "100000.00");
    assert_string_equal(care_amount_format(-150, buf, sizeof buf), "-1.50");
    for (int64_t c = 0; c < 100000; c += 37) {
        care_amount_format(c, buf, sizeof buf);
        assert_int_equal(s_cents(buf, true), c);
    }
}

//  Which follow-up a rating or a complaint opens.
static void test_followup_rules(void **state)
{
    (void)state;
    assert_int_equal(care_followup_for_rating(1), FU_RETURN_VISIT);
    assert_int_equal(care_followup_for_rating(2), FU_CALL);
    for (unsigned s = 3; s <= 5; s++)
        assert_int_equal(care_followup_for_rating(s), FU_NONE);
    assert_int_equal(care_followup_for_rating(0), FU_NONE);
    assert_int_equal(care_followup_for_rating(6), FU_NONE);
    assert_int_equal(care_followup_for_complaint(), FU_RETURN_VISIT);
    assert_string_equal(care_followup_kind_name(FU_CALL), "call");
    assert_string_equal(care_followup_kind_name(FU_RETURN_VISIT), "return_visit");
    assert_string_equal(care_followup_kind_name(FU_NONE), "?");
}

//  Follow-up ids: written F000012, read with or without the F and zeros.
static void test_followup_ids(void **state)
{
    (void)state;
    char buf[24];
    assert_string_equal(care_followup_id_format(12, buf, sizeof buf), "F000012");
    assert_string_equal(care_followup_id_format(1234567, buf, sizeof buf), "F1234567");
    assert_int_equal(care_followup_id_parse("F000012"), 12);
    assert_int_equal(care_followup_id_parse("F12"), 12);
    assert_int_equal(care_followup_id_parse("f12"), 12);
    assert_int_equal(care_followup_id_parse("12"), 12);
    assert_int_equal(care_followup_id_parse("F1234567"), 1234567);
    const char *bad[] = { "", "F", "F0", "0", "F-1", "J000012", "F12x", "F 12", "1234567890123", NULL };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (care_followup_id_parse(bad[i]) != -1)
            fail_msg("accepted \"%s\"", bad[i] ? bad[i] : "(null)");
}

//  Waivers: only on accepted work the technician holds; the limit is inclusive.
static void test_waivers(void **state)
{
    (void)state;
    const job_state ok[] = { JS_ASSIGNED, JS_EN_ROUTE, JS_ON_SITE, JS_ON_HOLD, JS_COMPLETED };
    const job_state no[] = { JOB_STATE_NONE, JS_NEW, JS_OFFERED, JS_CLOSED, JS_ESCALATED, JS_CANCELLED };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        assert_true(care_waiver_state_ok(ok[i]));
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        assert_false(care_waiver_state_ok(no[i]));
    assert_true(care_waiver_within_limit(4500, 5000));
    assert_true(care_waiver_within_limit(5000, 5000));
    assert_false(care_waiver_within_limit(5001, 5000));
    assert_false(care_waiver_within_limit(1, 0)); // --waive-limit 0: always ask
}

//  Goodwill: out of warranty, open, once; then matching needs authorisation.
static void test_goodwill(void **state)
{
    (void)state;
    assert_int_equal(care_goodwill_check(WS_EXPIRED, JS_NEW, false), GW_OK);
    assert_int_equal(care_goodwill_check(WS_UNREGISTERED, JS_ASSIGNED, false), GW_OK);
    assert_int_equal(care_goodwill_check(WS_EXPIRED, JS_COMPLETED, false), GW_OK);
    assert_int_equal(care_goodwill_check(WS_EXPIRED, JS_ESCALATED, false), GW_OK);
    assert_int_equal(care_goodwill_check(WS_IN_WARRANTY, JS_NEW, false), GW_COVERED);
    assert_int_equal(care_goodwill_check(WS_EXTENDED, JS_ON_SITE, false), GW_COVERED);
    assert_int_equal(care_goodwill_check(WS_EXPIRED, JS_NEW, true), GW_ALREADY);
    assert_int_equal(care_goodwill_check(WS_EXPIRED, JS_CLOSED, false), GW_OVER);
    assert_int_equal(care_goodwill_check(WS_EXPIRED, JS_CANCELLED, false), GW_OVER);
    assert_int_equal(care_goodwill_check(WS_IN_WARRANTY, JS_CLOSED, true), GW_OVER);
    assert_true(care_needs_authorisation(WS_IN_WARRANTY, false));
    assert_true(care_needs_authorisation(WS_EXTENDED, false));
    assert_false(care_needs_authorisation(WS_EXPIRED, false));
    assert_false(care_needs_authorisation(WS_UNREGISTERED, false));
    assert_true(care_needs_authorisation(WS_EXPIRED, true));
    assert_true(care_needs_authorisation(WS_UNREGISTERED, true));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_amount_good),   cmocka_unit_test(test_amount_bad),
        cmocka_unit_test(test_amount_format), cmocka_unit_test(test_followup_rules),
        cmocka_unit_test(test_followup_ids),  cmocka_unit_test(test_waivers),
        cmocka_unit_test(test_goodwill),
    };
    return cmocka_run_group_tests_name("care", tests, NULL, NULL);
}
