/*  test_category.c — the catalogue of appliance categories: built-in until
    a file is loaded, indexes kept for good, at most CATEGORY_MAX. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "fsd/calendar.h"
#include "fsd/category.h"

//  The built-in fifteen, with their durations.
static void test_builtin(void **state)
{
    (void)state;
    category_reset();
    size_t n;
    const char *const *ids = category_list(&n);
    assert_int_equal(n, 15);
    assert_string_equal(ids[0], "washing_machine");
    assert_string_equal(ids[14], "coffee_machine");
    assert_true(category_known("heat_pump"));
    assert_false(category_known("tv"));
    assert_int_equal(category_duration_min("heat_pump"), 120);
    assert_int_equal(calendar_duration_min("heat_pump"), 120);
    assert_int_equal(category_duration_min("spaceship"), CATEGORY_DEFAULT_MIN);
    assert_int_equal(category_active_count(), 15);
}

//  A file adds a tv and leaves out the fridge: the tv takes the next
//  index, the fridge keeps its index but is no longer known.
static void test_file(void **state)
{
    (void)state;
    category_reset();
    int fridge = category_index("fridge");
    category_deactivate_all();
    assert_int_equal(category_define("washing_machine", "Washing machine", 50, -1, true), 0);
    assert_int_equal(category_define("tv", "Television", 45, -1, true), 15);
    assert_true(category_known("tv"));
    assert_int_equal(category_duration_min("tv"), 45);
    assert_int_equal(category_duration_min("washing_machine"), 50);
    assert_string_equal(category_name("tv"), "Television");
    assert_false(category_known("fridge"));
    assert_int_equal(category_index("fridge"), fridge);
    assert_int_equal(category_active_count(), 2);
    //  an id keeps its index: another index for it is refused
    assert_int_equal(category_define("tv", "TV", 45, 3, true), -1);
    //  a slot holds one id for good
    assert_int_equal(category_define("radio", "Radio", 30, 15, true), -1);
}

//  Stored rows come back at their indexes, holes and all.
static void test_stored(void **state)
{
    (void)state;
    category_reset();
    category_deactivate_all();
    assert_int_equal(category_define("tv", "Television", 45, 20, true), 20);
    size_t n;
    const char *const *ids = category_list(&n);
    assert_int_equal(n, 21);
    assert_string_equal(ids[17], "");
    assert_string_equal(ids[20], "tv");
    assert_int_equal(category_index(""), -1);
}

//  At most CATEGORY_MAX categories ever.
static void test_bound(void **state)
{
    (void)state;
    category_reset();
    char id[16];
    for (int i = 15; i < CATEGORY_MAX; i++) {
        snprintf(id, sizeof id, "c%d", i);
        assert_int_equal(category_define(id, id, 30, -1, true), i);
    }
    assert_int_equal(category_define("one_too_many", "x", 30, -1, true), -1);
    assert_false(category_known("one_too_many"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builtin),
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_stored),
        cmocka_unit_test(test_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
