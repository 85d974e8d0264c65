/*  test_company.c — company dispatch phases, what a company may do in
    each, and the lifecycle moves company dispatch relies on. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fsd/company.h"
#include "fsd/lifecycle.h"

static void test_phase(void **state)
{
    (void)state;
    assert_int_equal(company_phase_of(JS_OFFERED, false, true, false), COMPANY_OFFERED);
    assert_int_equal(company_phase_of(JS_OFFERED, false, true, true), COMPANY_ACCEPTED);
    /* a technician's offer, or no company: not a company's */
    assert_int_equal(company_phase_of(JS_OFFERED, true, true, false), COMPANY_NONE);
    assert_int_equal(company_phase_of(JS_OFFERED, false, false, false), COMPANY_NONE);
    /* once assigned (or back in the queue) the company's hold is over */
    for (int s = JS_NEW; s < JS_COUNT_; s++)
        if (s != JS_OFFERED)
            assert_int_equal(company_phase_of((job_state)s, false, true, true), COMPANY_NONE);
    assert_string_equal(company_phase_name(COMPANY_OFFERED), "offered");
    assert_string_equal(company_phase_name(COMPANY_ACCEPTED), "accepted");
    assert_string_equal(company_phase_name(COMPANY_NONE), "");
}

static void test_refusal(void **state)
{
    (void)state;
    /* an open offer: answered before it expires, not assigned */
    assert_null(company_refusal(COMPANY_OFFERED, COMPANY_ACCEPT, 100, 200));
    assert_null(company_refusal(COMPANY_OFFERED, COMPANY_DECLINE, 199, 200));
    assert_non_null(company_refusal(COMPANY_OFFERED, COMPANY_ACCEPT, 200, 200));
    assert_non_null(company_refusal(COMPANY_OFFERED, COMPANY_DECLINE, 300, 200));
    assert_non_null(company_refusal(COMPANY_OFFERED, COMPANY_ASSIGN, 100, 200));
    /* accepted: only an assignment, whenever */
    assert_null(company_refusal(COMPANY_ACCEPTED, COMPANY_ASSIGN, 999, 0));
    assert_non_null(company_refusal(COMPANY_ACCEPTED, COMPANY_ACCEPT, 100, 0));
    assert_non_null(company_refusal(COMPANY_ACCEPTED, COMPANY_DECLINE, 100, 0));
    /* not a company's job: nothing */
    assert_non_null(company_refusal(COMPANY_NONE, COMPANY_ACCEPT, 100, 200));
    assert_non_null(company_refusal(COMPANY_NONE, COMPANY_ASSIGN, 100, 200));
}

/* The table's moves a company's job takes: a company dispatcher's
   assignment and decline, the system's expiry; a technician cannot take
   a company's offer by itself (it is never offered to it). */
static void test_lifecycle(void **state)
{
    (void)state;
    assert_int_equal(lifecycle_check(JS_OFFERED, JS_ASSIGNED, ACTOR_DISPATCHER, NULL), 0);
    assert_int_equal(lifecycle_check(JS_OFFERED, JS_NEW, ACTOR_DISPATCHER, NULL), 0);
    assert_int_equal(lifecycle_check(JS_OFFERED, JS_NEW, ACTOR_SYSTEM, NULL), 0);
    assert_int_equal(lifecycle_check(JS_OFFERED, JS_CANCELLED, ACTOR_INTAKE, NULL), 0);
    assert_int_equal(lifecycle_check(JS_NEW, JS_OFFERED, ACTOR_SYSTEM, NULL), 0);
    assert_int_equal(lifecycle_check(JS_NEW, JS_OFFERED, ACTOR_DISPATCHER, NULL), -1);
    assert_int_equal(lifecycle_check(JS_OFFERED, JS_OFFERED, ACTOR_DISPATCHER, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_phase),
        cmocka_unit_test(test_refusal),
        cmocka_unit_test(test_lifecycle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
