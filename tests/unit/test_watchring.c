/*  test_watchring.c — the live events' backlog: sequence numbers, what is
    kept, where a returning watcher resumes. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "fsd/watchring.h"

static int s_released;

static void s_release(void *item)
{
    (void)item;
    s_released++;
}

//  Seqs follow start; a full ring hands back its oldest item.
static void test_push_and_evict(void **state)
{
    (void)state;
    static int items[10];
    watchring r;
    watchring_init(&r, 4, 1000);
    uint64_t seq = 0;
    for (int i = 0; i < 4; i++) {
        assert_null(watchring_push(&r, &items[i], &seq));
        assert_int_equal(seq, 1001 + i);
    }
    assert_ptr_equal(watchring_push(&r, &items[4], &seq), &items[0]);
    assert_int_equal(seq, 1005);
    assert_null(watchring_get(&r, 1001));
    assert_ptr_equal(watchring_get(&r, 1002), &items[1]);
    assert_ptr_equal(watchring_get(&r, 1005), &items[4]);
    assert_null(watchring_get(&r, 1006));
    s_released = 0;
    watchring_free(&r, s_release);
    assert_int_equal(s_released, 4);
}

//  A watcher up to date misses nothing; one within the backlog replays
//  from the next seq; one behind the backlog, or ahead of head (another
//  server's seq), resynchronises.
static void test_resume(void **state)
{
    (void)state;
    static int items[10];
    watchring r;
    watchring_init(&r, 4, 0);
    uint64_t from = 0;
    assert_int_equal(watchring_resume(&r, 0, &from), 0);
    assert_int_equal(watchring_resume(&r, 7, &from), -1);
    for (int i = 0; i < 6; i++)
        watchring_push(&r, &items[i], NULL); /* seqs 1..6, 3..6 kept */
    assert_int_equal(watchring_resume(&r, 6, &from), 0);
    assert_int_equal(watchring_resume(&r, 4, &from), 2);
    assert_int_equal(from, 5);
    assert_int_equal(watchring_resume(&r, 2, &from), 4); /* 3..6: all still kept */
    assert_int_equal(from, 3);
    assert_int_equal(watchring_resume(&r, 1, &from), -1); /* 2 was pushed out */
    assert_int_equal(watchring_resume(&r, 0, &from), -1);
    assert_int_equal(watchring_resume(&r, 9, &from), -1);
    watchring_free(&r, NULL);
}

//  A ring of one keeps only the newest.
static void test_ring_of_one(void **state)
{
    (void)state;
    int a, b;
    watchring r;
    watchring_init(&r, 1, 5);
    uint64_t from;
    assert_null(watchring_push(&r, &a, NULL));
    assert_ptr_equal(watchring_push(&r, &b, NULL), &a);
    assert_ptr_equal(watchring_get(&r, 7), &b);
    assert_int_equal(watchring_resume(&r, 6, &from), 1);
    assert_int_equal(from, 7);
    assert_int_equal(watchring_resume(&r, 5, &from), -1);
    watchring_free(&r, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_push_and_evict),
        cmocka_unit_test(test_resume),
        cmocka_unit_test(test_ring_of_one),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
