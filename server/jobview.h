/*  jobview.h — the one place a JobView is built.

    An open job's view comes from memory: the job holds, from intake on,
    everything a view shows (customer, place, product, problem, SLA, holder,
    version), so offers and the hot replies (submit, accept, status reports,
    revocations, notifications) never read the job back from the store.
    What lives in side tables (care rows, an appointment window's zone) is
    attached by the store for the few jobs that have any; the history
    (`track`) and closed or cancelled jobs are read from the store. */
#ifndef FSD_JOBVIEW_H
#define FSD_JOBVIEW_H

#include "server.h"

/* Keeps the job's texts in one block owned by j (replacing any earlier
   one; j->brand points into it). 0, or -1 out of memory. */
int jobview_keep_text(job *j, const job_text *text);
/* Frees what jobview_keep_text allocated. */
void jobview_free_text(job *j);
/* The view of open job j, from memory alone (strings copied into a). */
Fsd__JobView *jobview_from_job(server *srv, arena *a, const job *j);
/* The full view of open job j: from memory, with its side rows (care,
   window) attached by the store when it has any. 0, or -1 storage failure. */
int jobview_open(server *srv, arena *a, const job *j, Fsd__JobView **out);
/* The view of job id, open or not: an open job from memory (unless the
   history is asked), any other from the store. 1 found, 0 no such job,
   -1 storage failure. */
int jobview_get(server *srv, arena *a, const char *id, bool history, Fsd__JobView **out);

#endif
