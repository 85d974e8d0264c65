/*  test_lifecycle.c — the job state table, exhaustively.

    The expected transitions are written here a second time, by name, from
    DESIGN.md "Job lifecycle"; every (from, to, actor) is checked against
    that list, so a table edit that is not also made here fails. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "fsd/lifecycle.h"

//  from, to, actors: s = system, a = agent, i = intake, d = dispatcher.
static const char *const s_expected[][3] = {
    { "new", "offered", "s" },         { "new", "escalated", "sd" },       { "new", "cancelled", "id" },
    { "new", "assigned", "d" },        { "offered", "assigned", "ad" },    { "offered", "new", "asd" },
    { "offered", "cancelled", "id" },  { "assigned", "en_route", "a" },    { "assigned", "cancelled", "id" },
    { "assigned", "assigned", "d" },   { "assigned", "new", "d" },         { "en_route", "on_site", "a" },
    { "en_route", "cancelled", "id" }, { "en_route", "assigned", "d" },    { "en_route", "new", "d" },
    { "on_site", "on_hold", "a" },     { "on_site", "completed", "a" },    { "on_site", "cancelled", "d" },
    { "on_hold", "en_route", "a" },    { "on_hold", "cancelled", "d" },    { "on_hold", "assigned", "d" },
    { "on_hold", "new", "d" },         { "completed", "closed", "is" },    { "escalated", "assigned", "d" },
    { "escalated", "new", "d" },       { "escalated", "cancelled", "id" },
};

//  Letter of an actor in s_expected.
static char s_letter(lifecycle_actor a)
{
    return "said"[a];
}

//  True when the expected list allows the move.
static bool s_allowed(job_state from, job_state to, lifecycle_actor actor)
{
    for (size_t i = 0; i < sizeof s_expected / sizeof s_expected[0]; i++)
        if (job_state_parse(s_expected[i][0]) == from && job_state_parse(s_expected[i][1]) == to)
            return strchr(s_expected[i][2], s_letter(actor)) != NULL;
    return false;
}

//  Every (from, to, actor) agrees with the expected list.
static void test_whole_table(void **state)
{
    (void)state;
    int allowed = 0;
    for (int f = 0; f < JS_COUNT_; f++)
        for (int t = 0; t < JS_COUNT_; t++)
            for (int a = ACTOR_SYSTEM; a <= ACTOR_DISPATCHER; a++) {
                const char *why = NULL;
                int rc = lifecycle_check((job_state)f, (job_state)t, (lifecycle_actor)a, &why);
                bool expect = s_allowed((job_state)f, (job_state)t, (lifecycle_actor)a);
                if (expect != (rc == 0))
                    fail_msg("%s -> %s by %c: expected %s", job_state_name(f), job_state_name(t), s_letter(a),
                             expect ? "allowed" : "refused");
                if (rc == 0)
                    allowed++;
                else {
                    assert_non_null(why);
                    assert_true(strlen(why) > 10);
                }
            }
    assert_int_equal(allowed, 36);
}

//  Every expected entry names real states (guards the list itself).
static void test_expected_names(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof s_expected / sizeof s_expected[0]; i++) {
        assert_int_not_equal(job_state_parse(s_expected[i][0]), 0);
        assert_int_not_equal(job_state_parse(s_expected[i][1]), 0);
    }
}

//  Refusals explain themselves with the states and actor.
static void test_why_sentences(void **state)
{
    (void)state;
    const char *why = NULL;
    assert_int_equal(lifecycle_check(JS_ON_SITE, JS_CANCELLED, ACTOR_INTAKE, &why), -1);
    assert_string_equal(why, "a job in state on_site cannot be cancelled "
                             "by the customer (only before on_site)");
    assert_int_equal(lifecycle_check(JS_COMPLETED, JS_EN_ROUTE, ACTOR_AGENT, &why), -1);
    assert_string_equal(why, "no transition from completed to en_route");
    assert_int_equal(lifecycle_check(JS_OFFERED, JS_OFFERED, ACTOR_SYSTEM, &why), -1);
    assert_string_equal(why, "no transition from offered to offered");
    assert_int_equal(lifecycle_check(JS_ASSIGNED, JS_EN_ROUTE, ACTOR_INTAKE, &why), -1);
    assert_non_null(strstr(why, "assigned"));
    assert_non_null(strstr(why, "en_route"));
    assert_non_null(strstr(why, "the customer"));
    assert_non_null(strstr(why, "a technician"));
    assert_int_equal(lifecycle_check(JS_CLOSED, JS_NEW, ACTOR_DISPATCHER, &why), -1);
    assert_non_null(strstr(why, "final"));
    //  Same question, same pointer: the sentence is kept.
    const char *again = NULL;
    lifecycle_check(JS_CLOSED, JS_NEW, ACTOR_DISPATCHER, &again);
    assert_ptr_equal(why, again);
    //  NULL why is fine.
    assert_int_equal(lifecycle_check(JS_CLOSED, JS_NEW, ACTOR_DISPATCHER, NULL), -1);
}

//  Out-of-range states and actors are refused.
static void test_out_of_range(void **state)
{
    (void)state;
    const char *why = NULL;
    assert_int_equal(lifecycle_check((job_state)99, JS_NEW, ACTOR_SYSTEM, &why), -1);
    assert_non_null(why);
    assert_int_equal(lifecycle_check(JS_NEW, (job_state)-1, ACTOR_SYSTEM, &why), -1);
    assert_int_equal(lifecycle_check(JS_NEW, JS_OFFERED, (lifecycle_actor)7, &why), -1);
}

//  Roles map onto actors; admin acts as dispatcher.
static void test_actor_of(void **state)
{
    (void)state;
    assert_int_equal(lifecycle_actor_of(ROLE_AGENT_), ACTOR_AGENT);
    assert_int_equal(lifecycle_actor_of(ROLE_INTAKE_), ACTOR_INTAKE);
    assert_int_equal(lifecycle_actor_of(ROLE_DISPATCHER_), ACTOR_DISPATCHER);
    assert_int_equal(lifecycle_actor_of(ROLE_ADMIN_), ACTOR_DISPATCHER);
    assert_int_equal(lifecycle_actor_of(ROLE_NONE), ACTOR_SYSTEM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_table),   cmocka_unit_test(test_expected_names),
        cmocka_unit_test(test_why_sentences), cmocka_unit_test(test_out_of_range),
        cmocka_unit_test(test_actor_of),
    };
    return cmocka_run_group_tests_name("lifecycle", tests, NULL, NULL);
}
