/*  jobs.h — the job lifecycle door (jobs.c). */
#ifndef FSD_JOBS_H
#define FSD_JOBS_H

#include "server.h"

/* jobs.c — every state change goes through job_move */
int job_move(server *srv, job *j, job_state to, const principal *who, technician *tech,
             const char *reason, const char **why);
void job_forget_if_done(server *srv, job *j);

#endif
