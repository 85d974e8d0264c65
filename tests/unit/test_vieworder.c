/*  test_vieworder.c — an agent never lets an older view of a job replace a
    newer one, and a job that left it is not brought back by a view from
    before it left (an answer re-sent from the server's de-dup table). */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "fsd/vieworder.h"

/* The stale answer: en_route (v3) applied, its answer lost, the job
   cancelled (revoked at v4); the answer given again carries v3. */
static void test_stale_answer_after_cancel(void **state)
{
    (void)state;
    assert_int_equal(view_judge(0, 4, 3, false), VIEW_GONE);
    assert_int_equal(view_judge(2, 4, 3, false), VIEW_GONE);
    /* the cancellation itself (v4) does not bring it back either */
    assert_int_equal(view_judge(0, 4, 4, false), VIEW_GONE);
}

/* Newer replaces older; as new replaces (flags computed at read time). */
static void test_order(void **state)
{
    (void)state;
    assert_int_equal(view_judge(0, 0, 1, false), VIEW_TAKE);
    assert_int_equal(view_judge(3, 0, 5, false), VIEW_TAKE);
    assert_int_equal(view_judge(5, 0, 5, false), VIEW_TAKE);
    assert_int_equal(view_judge(5, 0, 4, false), VIEW_OLDER);
    assert_int_equal(view_judge(5, 0, 4, true), VIEW_OLDER);
}

/* A job offered or assigned again after it left comes back with a newer version. */
static void test_back_after_gone(void **state)
{
    (void)state;
    assert_int_equal(view_judge(0, 4, 5, true), VIEW_TAKE);
    assert_int_equal(view_judge(0, 4, 6, false), VIEW_TAKE);
}

/* Views without a version (an older server): the stream's order holds,
   answers cannot resurrect a departed job. */
static void test_unversioned(void **state)
{
    (void)state;
    assert_int_equal(view_judge(0, 0, 0, false), VIEW_TAKE);
    assert_int_equal(view_judge(3, 0, 0, false), VIEW_TAKE);
    assert_int_equal(view_judge(0, 1, 0, true), VIEW_TAKE);
    assert_int_equal(view_judge(0, 1, 0, false), VIEW_GONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_stale_answer_after_cancel),
        cmocka_unit_test(test_order),
        cmocka_unit_test(test_back_after_gone),
        cmocka_unit_test(test_unversioned),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
