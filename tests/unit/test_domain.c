/*  test_domain.c — enum names, the appliance catalogue, phone numbers. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "fsd/domain.h"

//  Every job state's name parses back to it.
static void test_job_states(void **state)
{
    (void)state;
    const char *names[] = { "new",     "offered",   "assigned", "en_route",  "on_site",
                            "on_hold", "completed", "closed",   "escalated", "cancelled" };
    for (int s = JS_NEW; s < JS_COUNT_; s++) {
        assert_string_equal(job_state_name((job_state)s), names[s - 1]);
        assert_int_equal(job_state_parse(names[s - 1]), s);
    }
    assert_string_equal(job_state_name((job_state)99), "?");
    assert_string_equal(job_state_name((job_state)-1), "?");
    assert_int_equal(job_state_parse("NEW"), JOB_STATE_NONE);
    assert_int_equal(job_state_parse("none"), JOB_STATE_NONE);
    assert_int_equal(job_state_parse(""), JOB_STATE_NONE);
    assert_int_equal(job_state_parse(NULL), JOB_STATE_NONE);
}

//  Warranty, priority, decline and role names round-trip.
static void test_other_names(void **state)
{
    (void)state;
    const char *w[] = { "in_warranty", "extended", "expired", "unregistered" };
    for (int i = WS_IN_WARRANTY; i < WS_COUNT_; i++) {
        assert_string_equal(warranty_name((warranty_status)i), w[i - 1]);
        assert_int_equal(warranty_parse(w[i - 1]), i);
    }
    assert_int_equal(warranty_parse("goodwill"), WS_NONE);
    assert_string_equal(warranty_name(WS_COUNT_), "?");

    assert_string_equal(priority_name(PRIO_NORMAL), "normal");
    assert_string_equal(priority_name(PRIO_HIGH), "high");
    assert_string_equal(priority_name((priority)3), "?");
    assert_int_equal(priority_parse("high"), PRIO_HIGH);
    assert_int_equal(priority_parse("normal"), PRIO_NORMAL);
    assert_int_equal(priority_parse("urgent"), PRIO_NONE);

    const char *d[] = { "too_far", "no_parts", "not_my_skill", "off_shift", "other" };
    for (int i = DR_TOO_FAR; i < DR_COUNT_; i++) {
        assert_string_equal(decline_reason_name((decline_reason)i), d[i - 1]);
        assert_int_equal(decline_reason_parse(d[i - 1]), i);
    }
    assert_int_equal(decline_reason_parse("bored"), DR_NONE);

    const char *r[] = { "agent", "intake", "dispatcher", "admin", "portal" };
    for (int i = ROLE_AGENT_; i < ROLE_COUNT_; i++) {
        assert_string_equal(role_name((role)i), r[i - 1]);
        assert_int_equal(role_parse(r[i - 1]), i);
    }
    assert_int_equal(role_parse("root"), ROLE_NONE);
}

//  Open and capacity-holding states.
static void test_state_classes(void **state)
{
    (void)state;
    assert_true(job_state_is_open(JS_NEW));
    assert_true(job_state_is_open(JS_ESCALATED));
    assert_true(job_state_is_open(JS_ON_HOLD));
    assert_false(job_state_is_open(JS_COMPLETED));
    assert_false(job_state_is_open(JS_CLOSED));
    assert_false(job_state_is_open(JS_CANCELLED));
    assert_false(job_state_is_open(JOB_STATE_NONE));
    int holds = 0;
    for (int s = 0; s < JS_COUNT_; s++)
        holds += job_state_holds_capacity((job_state)s);
    assert_int_equal(holds, 5);
    assert_true(job_state_holds_capacity(JS_OFFERED));
    assert_true(job_state_holds_capacity(JS_ON_HOLD));
    assert_false(job_state_holds_capacity(JS_NEW));
    assert_false(job_state_holds_capacity(JS_ESCALATED));
}

//  The appliance catalogue.
static void test_categories(void **state)
{
    (void)state;
    assert_true(category_known("washing_machine"));
    assert_true(category_known("coffee_machine"));
    assert_true(category_known("heat_pump"));
    assert_false(category_known("Washing_Machine"));
    assert_false(category_known("toaster"));
    assert_false(category_known(""));
    assert_false(category_known(NULL));
    size_t n = 0;
    const char *const *list = category_list(&n);
    assert_int_equal(n, 15);
    for (size_t i = 0; i < n; i++)
        assert_true(category_known(list[i]));
}

//  Phone numbers: separators stripped, '+' kept, 7..15 digits.
static void test_phone(void **state)
{
    (void)state;
    char out[32];
    const char *good[][2] = {
        { "+49 30 1234567", "+49301234567" },       { "+49 (30) 123-45-67", "+49301234567" },
        { "030/123.4567", "0301234567" },           { "1234567", "1234567" },
        { "+123456789012345", "+123456789012345" },
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        assert_int_equal(phone_normalize(good[i][0], out, sizeof out), 0);
        assert_string_equal(out, good[i][1]);
    }
    const char *bad[] = {
        "",
        "+",
        "123456",
        "1234567890123456",
        "12 34 5x6 78",
        "++491234567",
        "49+1234567",
        " +491234567",
        "0049 30 12345#67",
        "---",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (phone_normalize(bad[i], out, sizeof out) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
    assert_int_equal(phone_normalize(NULL, out, sizeof out), -1);
    //  Output too small.
    assert_int_equal(phone_normalize("+49301234567", out, 12), -1);
    assert_int_equal(phone_normalize("+49301234567", out, 13), 0);
    assert_string_equal(out, "+49301234567");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_job_states),    cmocka_unit_test(test_other_names),
        cmocka_unit_test(test_state_classes), cmocka_unit_test(test_categories),
        cmocka_unit_test(test_phone),
    };
    return cmocka_run_group_tests_name("domain", tests, NULL, NULL);
}
