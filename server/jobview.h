/*  jobview.h — a job as the wire's JobView, built from the store's rows:
    the job, its SLA standing, and when asked its history; the care rows
    and the appointment window of the jobs that have them. */
#ifndef FSD_JOBVIEW_H
#define FSD_JOBVIEW_H

#include "fsd.pb-c.h"
#include "store.h"

/* The job's view in the arena (history when asked): 1, 0 no such job, -1. */
int jobview_get(store *st, arena *a, const char *id, bool history, Fsd__JobView **out);
/* Jobs matching the filter (empty/0 fields match all), newest first. */
int jobview_list(store *st, arena *a, const char *territory, int state, const char *technician_id,
                 const char *phone, unsigned limit, Fsd__JobView ***out, size_t *n);
/* jobview_list within a scope (NULL: none). */
int jobview_list_scoped(store *st, arena *a, const store_scope *scope, const char *territory, int state,
                        const char *technician_id, const char *phone, unsigned limit,
                        Fsd__JobView ***out, size_t *n);

#endif
