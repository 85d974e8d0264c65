/*  dispatch.h — matching, offers, timers and the waiting queue (dispatch.c). */
#ifndef FSD_DISPATCH_H
#define FSD_DISPATCH_H

#include "server.h"

/* dispatch.c — matching, offers, timers */
/* One matching decision, before anything is offered or stored. */
typedef struct {
    match_result *res;             /* ranked: res[0] is the pick when eligible > 0 */
    size_t n;                      /* technicians judged, all kept in res */
    size_t considered;             /* technicians considered (the whole fleet) */
    size_t eligible;               /* eligible among those judged */
    bool could_later;              /* someone is excluded only for now */
    uint32_t by_rule[MR_COUNT_];   /* technicians per rule (MR_OK: eligible) */
    uint32_t outranked;            /* left unjudged: distance, load and recent
                                      jobs put them behind the pick */
    struct windows_match *windows; /* the calendar check of a job with a window */
} match_outcome;
/* Gathers, judges and ranks the candidates for j; no side effects.
   0, or -1 out of memory. Free with dispatch_match_free. */
int dispatch_match(server *srv, const job *j, int64_t now, match_outcome *out);
void dispatch_match_free(match_outcome *m);
/* A person's move of one job to one technician, judged. */
typedef struct {
    match_rule rule;         /* the hard rule broken, else the first soft one, else MR_OK */
    unsigned broken;         /* 1u << rule, for every rule broken */
    char shift_detail[256];  /* a job with a window: why the shift misses it */
    char window_detail[256]; /* why the calendar has no room */
} dispatch_judgement;
/* Judges technician t alone for j by the matcher's rules (a person's
   move: t's own slot for j is not counted against it). 0, or -1 out of
   memory. */
int dispatch_judge_one(server *srv, const job *j, const technician *t, int64_t now, dispatch_judgement *out);
int dispatch_job(server *srv, job *j, int64_t now);
int dispatch_waiting(server *srv, int64_t now);
int dispatch_timers(server *srv, int64_t now);
/* Files j under its next deadline and, in state new, in the waiting
   queue (after every change of state, offer expiry or risk flag). */
void dispatch_schedule(server *srv, job *j);
/* Takes j out of the timers and the queue (before it is freed). */
void dispatch_unschedule(server *srv, job *j);
/* Empties the timers, the queue and the moved list (before the open jobs
   are reread or freed). */
void dispatch_unschedule_all(server *srv);
/* Files every job moved since the last call (job_mark_moved) under its
   deadlines and queue: the timers and the queue read only after it, so
   each job is rescheduled once per batch however often it moved. */
void dispatch_reschedule(server *srv);
bool dispatch_needs_authorisation(const job *j);
/* Keeps every technician of provider p out of j's matching from now on
   (a company declined the job or let its offer expire). */
void dispatch_exclude_company(server *srv, job *j, const provider *p);
/* Queues a durable Revoked (reason: FSD__REVOKE_REASON__*) for t. */
int dispatch_revoke(server *srv, technician *t, job *j, int why, const char *note);

#endif
