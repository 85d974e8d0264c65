/*  jobrows.h — the store's copies of job rows, kept in memory.

    Nearly every message reads its job back (to check it, to answer with
    its view, to word a notification), and only the store writes the jobs
    table, so the store keeps what it last wrote or read of each open job
    and reads SQLite only on a miss. Each copy is one allocation: the row
    and its strings. No SQL here; the store decides what goes in and when
    everything must go (a rolled back transaction). */
#ifndef FSD_JOBROWS_H
#define FSD_JOBROWS_H

#include "store.h"

/* A kept row: its strings live in the same block. */
typedef store_job_row jobrow;

typedef struct jobrows jobrows;

/* At most limit rows are kept; past it the cache starts again empty. */
jobrows *jobrows_new(size_t limit);
void jobrows_destroy(jobrows **self_p);
/* The copy of job id, or NULL. Valid until the next change to this cache. */
jobrow *jobrows_get(jobrows *self, const char *id);
/* Keeps a copy of the row (replacing any other of the same id). The
   arguments may point into the copy they replace. 0, or -1 out of memory
   (the cache then holds nothing of that job). */
int jobrows_put(jobrows *self, const store_job *job, int rating, const char *rating_comment);
/* Changes what the store changed in the table; no-ops for jobs not kept. */
int jobrows_set_state(jobrows *self, const char *id, int state, const char *technician_id,
                      const char *provider_id, int64_t offer_expires_at);
int jobrows_set_territory(jobrows *self, const char *id, const char *territory);
int jobrows_set_rating(jobrows *self, const char *id, int stars, const char *comment);
void jobrows_forget(jobrows *self, const char *id);
void jobrows_clear(jobrows *self);
size_t jobrows_size(const jobrows *self);

#endif
