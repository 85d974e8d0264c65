/*  test_jobrows.c — the store's in-memory job rows: copies that own their
    strings, changes applied in place of the table's, the size limit. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>
#include "../../server/store/jobrows.h"

static store_job s_job(const char *id)
{
    store_job j = {
        .id = id,
        .state = 1,
        .territory = "mitte",
        .phone = "+4930123456",
        .customer_name = "Piotr Kowalczyk",
        .tier = "standard",
        .address = "Manteuffelstraße 12",
        .lat = 52.5,
        .lon = 13.4,
        .brand = "AEG",
        .category = "washing_machine",
        .serial = "S1",
        .model = "L7FE8E7",
        .problem = "leaks",
        .warranty = 1,
        .priority = 1,
        .created_at = 1000,
        .technician_id = "",
        .provider_id = NULL,
        .sla_policy = "gold",
        .fix_by = 9000,
        .risk_at = { 1, 2, 3 },
        .urgency = 2,
    };
    return j;
}

/* A copy owns its strings: the caller's buffers may change after put. */
static void test_copy_owns_strings(void **state)
{
    (void)state;
    jobrows *rows = jobrows_new(10);
    assert_non_null(rows);
    char id[16], name[32];
    strcpy(id, "J000001");
    strcpy(name, "Anna");
    store_job j = s_job(id);
    j.customer_name = name;
    assert_int_equal(jobrows_put(rows, &j, 4, "fine"), 0);
    strcpy(id, "J999999");
    strcpy(name, "Bert");
    jobrow *r = jobrows_get(rows, "J000001");
    assert_non_null(r);
    assert_string_equal(r->job.id, "J000001");
    assert_string_equal(r->job.customer_name, "Anna");
    assert_string_equal(r->job.provider_id, ""); /* NULL is kept as "" */
    assert_string_equal(r->job.sla_policy, "gold");
    assert_string_equal(r->rating_comment, "fine");
    assert_int_equal(r->rating, 4);
    assert_int_equal(r->job.risk_at[2], 3);
    assert_null(jobrows_get(rows, "J999999"));
    jobrows_destroy(&rows);
    assert_null(rows);
}

/* Changes replace what the table changed and keep the rest; a change may
   take its values from the copy it replaces. */
static void test_changes(void **state)
{
    (void)state;
    jobrows *rows = jobrows_new(10);
    store_job j = s_job("J000002");
    assert_int_equal(jobrows_put(rows, &j, 0, ""), 0);
    assert_int_equal(jobrows_set_state(rows, "J000002", 3, "T00007", "P01", 123), 0);
    jobrow *r = jobrows_get(rows, "J000002");
    assert_int_equal(r->job.state, 3);
    assert_string_equal(r->job.technician_id, "T00007");
    assert_string_equal(r->job.provider_id, "P01");
    assert_int_equal(r->job.offer_expires_at, 123);
    assert_string_equal(r->job.address, "Manteuffelstraße 12");
    /* values taken from the copy itself (as a caller holding it would) */
    assert_int_equal(jobrows_set_state(rows, "J000002", 4, r->job.technician_id, r->job.provider_id, 0), 0);
    r = jobrows_get(rows, "J000002");
    assert_string_equal(r->job.technician_id, "T00007");
    assert_int_equal(jobrows_set_territory(rows, "J000002", "pankow"), 0);
    assert_int_equal(jobrows_set_rating(rows, "J000002", 2, "late"), 0);
    r = jobrows_get(rows, "J000002");
    assert_string_equal(r->job.territory, "pankow");
    assert_int_equal(r->rating, 2);
    assert_string_equal(r->rating_comment, "late");
    assert_int_equal(r->job.state, 4);
    /* jobs not kept: nothing to change, and nothing is added */
    assert_int_equal(jobrows_set_state(rows, "J404", 3, "T1", "P1", 0), 0);
    assert_null(jobrows_get(rows, "J404"));
    jobrows_forget(rows, "J000002");
    assert_null(jobrows_get(rows, "J000002"));
    jobrows_destroy(&rows);
}

/* Past the limit the cache starts again empty; replacing never counts. */
static void test_limit_and_clear(void **state)
{
    (void)state;
    jobrows *rows = jobrows_new(3);
    char id[16];
    for (int i = 1; i <= 3; i++) {
        snprintf(id, sizeof id, "J%06d", i);
        store_job j = s_job(id);
        assert_int_equal(jobrows_put(rows, &j, 0, ""), 0);
    }
    assert_int_equal(jobrows_size(rows), 3);
    store_job again = s_job("J000002");
    again.state = 5;
    assert_int_equal(jobrows_put(rows, &again, 0, ""), 0);
    assert_int_equal(jobrows_size(rows), 3);
    store_job fourth = s_job("J000004");
    assert_int_equal(jobrows_put(rows, &fourth, 0, ""), 0);
    assert_int_equal(jobrows_size(rows), 1);
    assert_non_null(jobrows_get(rows, "J000004"));
    jobrows_clear(rows);
    assert_int_equal(jobrows_size(rows), 0);
    assert_null(jobrows_get(rows, "J000004"));
    jobrows_destroy(&rows);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_copy_owns_strings),
        cmocka_unit_test(test_changes),
        cmocka_unit_test(test_limit_and_clear),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
