/*  jobrows.c — the store's copies of job rows (see jobrows.h). */
#include "jobrows.h"

#include <fsd/strmap.h>

#include <stdlib.h>
#include <string.h>
#include "fsd/xalloc.h"

struct jobrows {
    strmap *rows; /* id -> jobrow (one malloc'd block each) */
    size_t limit;
};

/* The string fields of a row, in one list so copying cannot miss one. */
#define JOBROW_STRINGS(r)                                                                          \
    &(r)->job.id, &(r)->job.territory, &(r)->job.phone, &(r)->job.customer_name, &(r)->job.tier,   \
        &(r)->job.address, &(r)->job.brand, &(r)->job.category, &(r)->job.serial, &(r)->job.model, \
        &(r)->job.problem, &(r)->job.technician_id, &(r)->job.provider_id, &(r)->job.sla_policy,   \
        &(r)->rating_comment

jobrows *jobrows_new(size_t limit)
{
    jobrows *self = fsd_xcalloc(1, sizeof *self);
    if (!self || !(self->rows = strmap_new())) {
        free(self);
        return NULL;
    }
    self->limit = limit ? limit : 1;
    return self;
}

static void s_free_row(const char *key, void *value, void *arg)
{
    (void)key;
    (void)arg;
    free(value);
}

void jobrows_clear(jobrows *self)
{
    strmap_each(self->rows, s_free_row, NULL);
    strmap_destroy(&self->rows);
    self->rows = strmap_new();
}

void jobrows_destroy(jobrows **self_p)
{
    if (!self_p || !*self_p)
        return;
    jobrows *self = *self_p;
    if (self->rows)
        strmap_each(self->rows, s_free_row, NULL);
    strmap_destroy(&self->rows);
    free(self);
    *self_p = NULL;
}

jobrow *jobrows_get(jobrows *self, const char *id)
{
    return self->rows && id ? strmap_get(self->rows, id) : NULL;
}

size_t jobrows_size(const jobrows *self)
{
    return self->rows ? strmap_size(self->rows) : 0;
}

void jobrows_forget(jobrows *self, const char *id)
{
    if (self->rows && id)
        free(strmap_remove(self->rows, id));
}

/* One block: the row, then its strings one after the other. */
static jobrow *s_copy(const jobrow *from)
{
    const char **src[] = { JOBROW_STRINGS((jobrow *)from) };
    size_t n = sizeof src / sizeof src[0], total = 0, len[sizeof src / sizeof src[0]];
    for (size_t i = 0; i < n; i++) {
        len[i] = *src[i] ? strlen(*src[i]) + 1 : 1;
        total += len[i];
    }
    jobrow *row = fsd_xmalloc(sizeof *row + total);
    *row = *from;
    const char **dst[] = { JOBROW_STRINGS(row) };
    char *p = (char *)(row + 1);
    for (size_t i = 0; i < n; i++) {
        if (*src[i])
            memcpy(p, *src[i], len[i]);
        else
            p[0] = '\0';
        *dst[i] = p;
        p += len[i];
    }
    return row;
}

/* Replaces id's copy by one made from draft (which may point into the old one). */
static int s_replace(jobrows *self, const jobrow *draft)
{
    jobrow *row = s_copy(draft);
    if (!row) {
        jobrows_forget(self, draft->job.id);
        return -1;
    }
    jobrow *old = strmap_get(self->rows, row->job.id);
    if (!old && strmap_size(self->rows) >= self->limit)
        jobrows_clear(self);
    if (!self->rows || strmap_put(self->rows, row->job.id, row) < 0) {
        free(row);
        jobrows_forget(self, draft->job.id);
        return -1;
    }
    free(old);
    return 0;
}

int jobrows_put(jobrows *self, const store_job *job, int rating, const char *rating_comment)
{
    if (!self->rows || !job->id)
        return -1;
    jobrow draft = { .job = *job, .rating = rating, .rating_comment = rating_comment };
    return s_replace(self, &draft);
}

int jobrows_set_state(jobrows *self, const char *id, int state, const char *technician_id,
                      const char *provider_id, int64_t offer_expires_at)
{
    jobrow *old = jobrows_get(self, id);
    if (!old)
        return 0;
    jobrow draft = *old;
    draft.job.state = state;
    draft.job.technician_id = technician_id;
    draft.job.provider_id = provider_id;
    draft.job.offer_expires_at = offer_expires_at;
    draft.job.version++; /* as the UPDATE does */
    return s_replace(self, &draft);
}

int jobrows_set_territory(jobrows *self, const char *id, const char *territory)
{
    jobrow *old = jobrows_get(self, id);
    if (!old)
        return 0;
    jobrow draft = *old;
    draft.job.territory = territory;
    draft.job.version++;
    return s_replace(self, &draft);
}

int jobrows_set_rating(jobrows *self, const char *id, int stars, const char *comment)
{
    jobrow *old = jobrows_get(self, id);
    if (!old)
        return 0;
    jobrow draft = *old;
    draft.rating = stars;
    draft.rating_comment = comment;
    draft.job.version++;
    return s_replace(self, &draft);
}
