/*  notify.h — customer notifications queued by the changes that cause them (notify.c). */
#ifndef FSD_NOTIFY_H
#define FSD_NOTIFY_H

#include "server.h"

/* notify.c — customer notifications. A notification row is
   written in the transaction of the change that causes it. */
/* After the store has recorded j's move to `to` (held by `after`), before
   j itself changes: queues accepted, en_route, completed or cancelled. */
int notify_job_moved(server *srv, const job *j, job_state to, const technician *after, int64_t now);
/* Queues event e for j (tech: who holds it, may be NULL) when the
   customer's template for it is not "-". 0, or -1 storage failure. */
int notify_job_event(server *srv, const job *j, notify_event e, const technician *tech, int64_t now);
/* When tech, on the way to j, should arrive: now plus the travel time
   from their last known position, else j's arrive-by promise. */
int64_t notify_eta(server *srv, const job *j, const technician *tech, int64_t now);
/* fsdctl track: the job's notifications into v. */
int notify_attach(call *c, Fsd__JobView *v);
/* fsdctl stats: appends the notification counters to s. */
int notify_stats(call *c, Fsd__StatsView *s);

#endif
