/*  watchring.c — the backlog of live events (see watchring.h). */
#include "fsd/watchring.h"

#include <assert.h>
#include <stdlib.h>
#include "fsd/xalloc.h"

void watchring_init(watchring *r, size_t cap, uint64_t start)
{
    assert(r && cap >= 1);
    r->items = fsd_xcalloc(cap, sizeof *r->items);
    r->cap = cap;
    r->head = start;
    r->first = start + 1;
}

void watchring_free(watchring *r, void (*release)(void *))
{
    if (!r->items)
        return;
    for (uint64_t s = r->first; s <= r->head && release; s++)
        release(r->items[s % r->cap]);
    free(r->items);
    r->items = NULL;
    r->first = r->head + 1;
}

void *watchring_push(watchring *r, void *item, uint64_t *seq)
{
    void *out = NULL;
    if (r->head - r->first + 1 == r->cap) {
        out = r->items[r->first % r->cap];
        r->first++;
    }
    r->head++;
    r->items[r->head % r->cap] = item;
    if (seq)
        *seq = r->head;
    return out;
}

void *watchring_get(const watchring *r, uint64_t seq)
{
    return seq >= r->first && seq <= r->head ? r->items[seq % r->cap] : NULL;
}

long watchring_resume(const watchring *r, uint64_t after, uint64_t *from)
{
    if (after > r->head || after + 1 < r->first)
        return -1;
    if (after == r->head)
        return 0;
    *from = after + 1;
    return (long)(r->head - after);
}
