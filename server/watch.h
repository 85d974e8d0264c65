/*  watch.h — live subscriptions: the changes of jobs and technicians
    pushed to the dispatchers who watch them (watch.c).

    The lifecycle door and the sessions call the hooks BEFORE they change
    a job or a technician; each costs one test while nobody watches. At the
    end of a batch, still inside its transaction, watch_prepare builds and
    encodes one event per job and technician noted (once for every watcher:
    the views carry no personal data, and the sequence number is the
    server's); after the commit and the replies, watch_publish keeps them in
    the backlog and sends each to the watchers whose scope and territories
    take it. A batch rolled back sends nothing (watch_abandon). */
#ifndef FSD_WATCH_H
#define FSD_WATCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct server server;
typedef struct job job;
typedef struct technician technician;

/* Sets up the subscriptions (srv->cfg read; the sequence starts above any
   of an earlier run). */
void watch_init(server *srv);
void watch_destroy(server *srv);
/* Notes that job j is about to change (or was just made): its state
   before counts for "moved out of a watch". */
void watch_job(server *srv, const job *j);
/* Notes a job just made (nobody can have seen it before). */
void watch_job_new(server *srv, const job *j);
/* Notes that technician t changes (online, position, load). */
void watch_tech(server *srv, const technician *t);
/* Builds and encodes the batch's events (in its transaction, for the
   closed jobs' rows). 0, or -1 on a storage failure. */
int watch_prepare(server *srv);
/* After the commit and the batch's replies: snapshots and resent events
   to the watchers that asked, then the batch's events to every watcher
   that sees them; drops watches whose lease ran out. */
void watch_publish(server *srv, int64_t now);
/* The batch was rolled back: nothing of it is sent. */
void watch_abandon(server *srv);
/* How many watches are open. */
size_t watch_count(const server *srv);
/* The counters for the stats: watches open, events, messages sent, sends
   refused, resyncs sent, and the loop thread's CPU spent on watches (us:
   building, encoding and sending events, snapshots excluded). */
enum { WATCH_COUNTERS = 6 };
void watch_counters(const server *srv, const char *names[WATCH_COUNTERS], uint64_t values[WATCH_COUNTERS]);

#endif
