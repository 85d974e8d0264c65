/*  jobs.h — the job lifecycle door (jobs.c). */
#ifndef FSD_JOBS_H
#define FSD_JOBS_H

#include "server.h"

/* Every state change goes through job_move. It records the move (the
   row, the event, the customer's notification, memory) and marks the job
   moved; dispatch_reschedule files the moved jobs under their new
   deadlines once, before the timers or the queue are next read. */
int job_move(server *srv, job *j, job_state to, const principal *who, technician *tech, const char *reason,
             const char **why);
/* Puts j on the moved list (a new job too). 0, or -1 out of memory. */
int job_mark_moved(server *srv, job *j);
void job_forget_if_done(server *srv, job *j);

#endif
