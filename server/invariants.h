/*  invariants.h — what holds between two batches, and the checker that
    walks the world in memory against the store to prove it.

    The checker runs after every committed batch when the environment has
    FSD_CHECK=1 (tests/run.sh and tests/integration/lib.sh set it, so the
    whole suite runs with it; `make bench` and production do not). It walks
    every open job and technician and reads the open jobs and sessions back
    from the store: O(open jobs + technicians) per batch, a cost only the
    tests pay. A broken invariant is a bug: it is logged as
    `event=invariant_broken what=...` and the server aborts. */
#ifndef FSD_INVARIANTS_H
#define FSD_INVARIANTS_H

#include <stdbool.h>
#include <stddef.h>

struct server;

/* Whether FSD_CHECK=1 (read once). */
bool invariants_enabled(void);
/* Checks every invariant. 0 all hold; 1 one is broken (what says which);
   -1 the store could not be read (nothing is concluded). */
int invariants_find(struct server *srv, char *what, size_t len);
/* When enabled: invariants_find, and on a broken invariant log and abort. */
void invariants_check(struct server *srv);

#endif
