/*  watchring.h — the backlog of live events: a ring of the newest items,
    each under a sequence number that grows by one per item.

    A watcher that has seen every event up to some seq and comes back
    (a reconnect, a renewal) asks where to resume: nothing missed, the
    missed ones still kept (replay them), or too far behind (resync).
    The ring never owns the items: what is pushed out is handed back to
    the caller to release. Pure: no I/O. */
#ifndef FSD_WATCHRING_H
#define FSD_WATCHRING_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    void **items; /* the item of seq s is at s % cap */
    size_t cap;
    uint64_t head;  /* the newest seq given (start when none yet) */
    uint64_t first; /* the oldest seq kept; head + 1 when none is */
} watchring;

/* An empty ring of cap items (cap >= 1) whose first item gets seq start + 1. */
void watchring_init(watchring *r, size_t cap, uint64_t start);
/* Hands every kept item to release (when not NULL) and frees the array. */
void watchring_free(watchring *r, void (*release)(void *));
/* Appends item under seq head + 1 (in *seq); returns the item it pushed
   out (NULL when the ring was not full) for the caller to release. */
void *watchring_push(watchring *r, void *item, uint64_t *seq);
/* The item of seq, NULL when it is not kept. */
void *watchring_get(const watchring *r, uint64_t seq);
/* Where a watcher that saw everything up to `after` resumes: 0 nothing
   missed; n > 0 the n items from *from up to head are still kept; -1 what
   followed `after` is no longer kept, or `after` is above head (a seq this
   ring never gave): resynchronise. */
long watchring_resume(const watchring *r, uint64_t after, uint64_t *from);

#endif
