/*  pheap.h — a binary min-heap of the caller's items, intrusive.

    Each item keeps its own position (a size_t the caller gives the heap
    through `slot`: 0 when the item is not in the heap, its position + 1
    when it is), so an item can be found, moved after its key changed, or
    taken out in O(log n) without a search. The heap never owns the items.
    Pure: no I/O. Used for the server's timers (jobs by next deadline) and
    its waiting queue (jobs by priority and deadline). */
#ifndef FSD_PHEAP_H
#define FSD_PHEAP_H

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    void **items;
    size_t n, cap;
    /* true when a must come out before b */
    bool (*before)(const void *a, const void *b);
    /* where the item keeps its position */
    size_t *(*slot)(void *item);
} pheap;

/* An empty heap ordered by `before`. */
void pheap_init(pheap *self, bool (*before)(const void *, const void *), size_t *(*slot)(void *));
/* Frees the array (the items are the caller's; their slots are left as
   they are, so clear them first when the items live on). */
void pheap_free(pheap *self);
/* Empties the heap, setting every item's slot to 0. */
void pheap_clear(pheap *self);
/* Inserts the item, or moves it when its key changed. 0 or -1 (memory). */
int pheap_set(pheap *self, void *item);
/* Takes the item out; harmless when it is not in. */
void pheap_remove(pheap *self, void *item);
/* The first item, or NULL when empty. */
void *pheap_top(const pheap *self);
/* Takes out and returns the first item, or NULL. */
void *pheap_pop(pheap *self);
/* True when the item is in the heap. */
bool pheap_has(const pheap *self, void *item);

#endif
