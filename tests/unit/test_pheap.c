/*  test_pheap.c — the intrusive heap: order, moves, removal. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "fsd/pheap.h"

typedef struct {
    long key;
    size_t slot;
} s_item;

//  Smaller key first.
static bool s_before(const void *a, const void *b)
{
    return ((const s_item *)a)->key < ((const s_item *)b)->key;
}

//  Where an item keeps its place.
static size_t *s_slot(void *item)
{
    return &((s_item *)item)->slot;
}

//  Random keys come out sorted; moved and removed items behave.
static void test_order_move_remove(void **state)
{
    (void)state;
    static s_item items[1000];
    pheap h;
    pheap_init(&h, s_before, s_slot);
    srand(3);
    for (int i = 0; i < 1000; i++) {
        items[i] = (s_item){ rand() % 500, 0 };
        assert_int_equal(pheap_set(&h, &items[i]), 0);
    }
    //  move every third item, remove every fifth
    for (int i = 0; i < 1000; i += 3) {
        items[i].key = rand() % 500;
        pheap_set(&h, &items[i]);
    }
    for (int i = 0; i < 1000; i += 5) {
        pheap_remove(&h, &items[i]);
        assert_false(pheap_has(&h, &items[i]));
        pheap_remove(&h, &items[i]); //  harmless twice
    }
    assert_int_equal(h.n, 800);
    long last = -1;
    size_t n = 0;
    for (s_item *it; (it = pheap_pop(&h)); n++) {
        assert_true(it->key >= last);
        assert_int_equal(it->slot, 0);
        last = it->key;
    }
    assert_int_equal(n, 800);
    assert_null(pheap_top(&h));
    pheap_set(&h, &items[1]);
    pheap_clear(&h);
    assert_int_equal(items[1].slot, 0);
    pheap_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_move_remove),
    };
    return cmocka_run_group_tests_name("pheap", tests, NULL, NULL);
}
