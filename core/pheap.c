/*  pheap.c — binary min-heap with positions kept in the items.

    The array holds item pointers; each item's slot says where it is
    (position + 1, 0 when out), so set and remove need no search. Sifting
    writes the slot of every item it moves.

    Deliberately not here: ownership of the items, stability among equal
    keys (the caller's `before` breaks ties when order matters). */

#include <stdlib.h>
#include "fsd/pheap.h"

//  Places item at position i and records it in the item.
static void s_place(pheap *self, size_t i, void *item)
{
    self->items[i] = item;
    *self->slot(item) = i + 1;
}

//  Moves the item at i up while it comes before its parent.
static void s_up(pheap *self, size_t i)
{
    void *item = self->items[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!self->before(item, self->items[parent]))
            break;
        s_place(self, i, self->items[parent]);
        i = parent;
    }
    s_place(self, i, item);
}

//  Moves the item at i down while a child comes before it.
static void s_down(pheap *self, size_t i)
{
    void *item = self->items[i];
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= self->n)
            break;
        if (child + 1 < self->n && self->before(self->items[child + 1], self->items[child]))
            child++;
        if (!self->before(self->items[child], item))
            break;
        s_place(self, i, self->items[child]);
        i = child;
    }
    s_place(self, i, item);
}

//  Sets up an empty heap.
void pheap_init(pheap *self, bool (*before)(const void *, const void *), size_t *(*slot)(void *))
{
    self->items = NULL;
    self->n = self->cap = 0;
    self->before = before;
    self->slot = slot;
}

//  Frees the array.
void pheap_free(pheap *self)
{
    free(self->items);
    self->items = NULL;
    self->n = self->cap = 0;
}

//  Empties the heap and marks every item out.
void pheap_clear(pheap *self)
{
    for (size_t i = 0; i < self->n; i++)
        *self->slot(self->items[i]) = 0;
    self->n = 0;
}

//  True when the item is in this heap.
bool pheap_has(const pheap *self, void *item)
{
    size_t at = *self->slot(item);
    return at > 0 && at <= self->n && self->items[at - 1] == item;
}

//  Inserts or repositions the item.
int pheap_set(pheap *self, void *item)
{
    if (pheap_has(self, item)) {
        size_t i = *self->slot(item) - 1;
        s_up(self, i);
        s_down(self, *self->slot(item) - 1);
        return 0;
    }
    if (self->n == self->cap) {
        size_t cap = self->cap ? self->cap * 2 : 64;
        void **items = realloc(self->items, cap * sizeof *items);
        if (!items)
            return -1;
        self->items = items;
        self->cap = cap;
    }
    s_place(self, self->n++, item);
    s_up(self, self->n - 1);
    return 0;
}

//  Takes the item out, filling its place with the last one.
void pheap_remove(pheap *self, void *item)
{
    if (!pheap_has(self, item))
        return;
    size_t i = *self->slot(item) - 1;
    *self->slot(item) = 0;
    void *last = self->items[--self->n];
    if (i == self->n)
        return;
    s_place(self, i, last);
    s_up(self, i);
    s_down(self, *self->slot(last) - 1);
}

//  The first item.
void *pheap_top(const pheap *self)
{
    return self->n ? self->items[0] : NULL;
}

//  Takes out the first item.
void *pheap_pop(pheap *self)
{
    void *top = pheap_top(self);
    if (top)
        pheap_remove(self, top);
    return top;
}
