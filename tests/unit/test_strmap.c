/*  test_strmap.c — the id map on the server's hot path: lookups, removal,
    walking, and a size that follows the live entries, not the churn. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "fsd/strmap.h"

static void s_count(const char *key, void *value, void *arg)
{
    (void)key;
    *(size_t *)arg += (size_t)(uintptr_t)value;
}

/* Keys are copied; replace, remove and walk see the live entries only. */
static void test_put_get_remove(void **state)
{
    (void)state;
    strmap *m = strmap_new();
    assert_non_null(m);
    char key[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(key, sizeof key, "J%06d", i);
        assert_int_equal(strmap_put(m, key, (void *)(uintptr_t)(i + 1)), 0);
    }
    strcpy(key, "J000999");
    assert_int_equal((uintptr_t)strmap_get(m, "J000999"), 1000);
    assert_int_equal(strmap_put(m, "J000999", (void *)(uintptr_t)7), 0);
    assert_int_equal(strmap_size(m), 1000);
    assert_int_equal((uintptr_t)strmap_get(m, "J000999"), 7);
    assert_int_equal((uintptr_t)strmap_remove(m, "J000000"), 1);
    assert_null(strmap_remove(m, "J000000"));
    assert_null(strmap_get(m, "J000000"));
    assert_null(strmap_get(m, "J001000"));
    assert_int_equal(strmap_size(m), 999);
    size_t sum = 0;
    strmap_each(m, s_count, &sum);
    assert_int_equal(sum, 999 * 1000 / 2 - 999 + 7 + 999 - 1); /* 2..999 and 7 */
    strmap_destroy(&m);
    assert_null(m);
}

/* A million keys through a map that holds at most 100 at a time (open jobs
   opening and closing): tombstones are cleared in place, the table does not
   grow with every key it ever held, and every live key is still found. */
static void test_churn_keeps_size(void **state)
{
    (void)state;
    strmap *m = strmap_new();
    assert_non_null(m);
    char key[16];
    for (int i = 0; i < 1000000; i++) {
        snprintf(key, sizeof key, "J%07d", i);
        assert_int_equal(strmap_put(m, key, (void *)(uintptr_t)(i + 1)), 0);
        if (i >= 100) {
            snprintf(key, sizeof key, "J%07d", i - 100);
            assert_int_equal((uintptr_t)strmap_remove(m, key), (uintptr_t)(i - 99));
        }
    }
    assert_int_equal(strmap_size(m), 100);
    assert_true(strmap_capacity(m) <= 512);
    for (int i = 1000000 - 100; i < 1000000; i++) {
        snprintf(key, sizeof key, "J%07d", i);
        assert_int_equal((uintptr_t)strmap_get(m, key), (uintptr_t)(i + 1));
    }
    strmap_destroy(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get_remove),
        cmocka_unit_test(test_churn_keeps_size),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
