/*  jobview.h — the one place a JobView is built.

    An open job's view comes from memory: the job holds, from intake on,
    everything a view shows (customer, place, product, problem, SLA, holder,
    version), so offers and the hot replies (submit, accept, status reports,
    revocations, notifications) never read the job back from the store.
    What lives in side tables (care rows, an appointment window) is attached
    from the store for the jobs that have any; the history (`track`), lists,
    and closed or cancelled jobs are built from the store's rows. */
#ifndef FSD_JOBVIEW_H
#define FSD_JOBVIEW_H

#include "fsd.pb-c.h"
#include "server.h"
#include "store.h"

/* Keeps the job's texts in one block owned by j (replacing any earlier
   one; j->brand points into it). 0, or -1 out of memory. */
int jobview_keep_text(job *j, const job_text *text);
/* Frees what jobview_keep_text allocated. */
void jobview_free_text(job *j);
/* The view of open job j, from memory alone (strings copied into a). */
Fsd__JobView *jobview_from_job(server *srv, arena *a, const job *j);
/* The full view of open job j: from memory, with its side rows (care,
   window) attached from the store. 0, or -1 storage failure. */
int jobview_open(server *srv, arena *a, const job *j, Fsd__JobView **out);
/* The view of job id, open or not: an open job from memory (unless the
   history is asked), any other from the store. 1 found, 0 no such job,
   -1 storage failure. */
int jobview_get(server *srv, arena *a, const char *id, bool history, Fsd__JobView **out);
/* The view of job id from the store's rows alone (history when asked):
   1, 0 no such job, -1. */
int jobview_stored(store *st, arena *a, const char *id, bool history, Fsd__JobView **out);
/* Jobs matching the filter (empty/0 fields match all), newest first. */
int jobview_list(store *st, arena *a, const char *terr, int state, const char *technician_id,
                 const char *phone, unsigned limit, Fsd__JobView ***out, size_t *n);
/* Sets v->tz to the zone of the job's territory (its window's when the
   territory is gone), so clients show its times in local time. */
void jobview_zone(server *srv, Fsd__JobView *v);
/* jobview_list within a scope (NULL: none), older than job `after` when
   given (paging, store_job_list). */
int jobview_list_scoped(store *st, arena *a, const store_scope *scope, const char *terr, int state,
                        const char *technician_id, const char *phone, const char *after, unsigned limit,
                        Fsd__JobView ***out, size_t *n);

#endif
