/*  jobs_table.c — jobs, their events and declines, the open jobs read
    back at start, the last match decision, SLA flags. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/sla.h"

/* ---------------------------------------------------------------- jobs */

int store_last_job_number(store *self, long *out)
{
    sqlite3_stmt *st = store_stmt(self, Q_LAST_JOB);
    if (!st)
        return -1;
    int rc = sqlite3_step(st);
    *out = rc == SQLITE_ROW ? (long)sqlite3_column_int64(st, 0) : 0;
    sqlite3_reset(st);
    return rc == SQLITE_ROW ? 0 : store_fail(self);
}

int store_job_insert(store *self, const store_job *j, long number)
{
    sqlite3_stmt *st = store_stmt(self, Q_JOB_INSERT);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, number);
    store_bind_text(st, 2, j->id);
    sqlite3_bind_int(st, 3, j->state);
    store_bind_text(st, 4, j->territory);
    store_bind_text(st, 5, j->phone);
    store_bind_text(st, 6, j->customer_name);
    store_bind_text(st, 7, j->tier);
    store_bind_text(st, 8, j->address);
    sqlite3_bind_double(st, 9, j->lat);
    sqlite3_bind_double(st, 10, j->lon);
    store_bind_text(st, 11, j->brand);
    store_bind_text(st, 12, j->category);
    store_bind_text(st, 13, j->serial);
    store_bind_text(st, 14, j->model);
    store_bind_text(st, 15, j->problem);
    sqlite3_bind_int(st, 16, j->warranty);
    sqlite3_bind_int(st, 17, j->priority);
    sqlite3_bind_int64(st, 18, j->created_at);
    sqlite3_bind_int64(st, 19, j->assign_by);
    sqlite3_bind_int64(st, 20, j->arrive_by);
    store_bind_text(st, 21, j->technician_id);
    store_bind_text(st, 22, j->provider_id);
    sqlite3_bind_int64(st, 23, j->offer_expires_at);
    sqlite3_bind_int64(st, 24, j->fix_by);
    store_bind_text(st, 25, j->sla_policy);
    sqlite3_bind_int(st, 26, j->sla_clock);
    sqlite3_bind_int64(st, 27, j->sla_start);
    for (int d = 0; d < 3; d++)
        sqlite3_bind_int64(st, 28 + d, j->risk_at[d]);
    sqlite3_bind_int64(st, 31, j->sla_flags);
    sqlite3_bind_int(st, 32, j->urgency);
    store_bind_text(st, 33, j->created_by);
    if (store_done(self, st) < 0)
        return -1;
    if (!store_state_open(j->state))
        return 0;
    if (!(st = store_stmt(self, Q_OPEN_ADD)))
        return -1;
    sqlite3_bind_int64(st, 1, number);
    if (store_done(self, st) < 0)
        return -1;
    /* no copy is kept of a new job: the server's memory holds open jobs
       and builds their views; a copy is made when one is read back */
    return 0;
}

int store_job_set_state(store *self, const char *id, int state, const char *technician_id,
                        const char *provider_id, int64_t offer_expires_at, int64_t now)
{
    sqlite3_stmt *st = store_stmt(self, Q_JOB_STATE);
    if (!st)
        return -1;
    store_bind_text(st, 1, id);
    sqlite3_bind_int(st, 2, state);
    store_bind_text(st, 3, technician_id);
    store_bind_text(st, 4, provider_id);
    sqlite3_bind_int64(st, 5, offer_expires_at);
    sqlite3_bind_int64(st, 6, now);
    if (store_done(self, st) < 0)
        return -1;
    if (!store_state_open(state)) {
        /* closed and cancelled are final: the job leaves the open list */
        jobrows_forget(self->rows, id);
        if (!(st = store_stmt(self, Q_OPEN_DROP)))
            return -1;
        store_bind_text(st, 1, id);
        return store_done(self, st);
    }
    (void)jobrows_set_state(self->rows, id, state, technician_id, provider_id, offer_expires_at);
    return 0;
}

int store_job_set_territory(store *self, const char *id, const char *territory)
{
    sqlite3_stmt *st = store_stmt(self, Q_JOB_TERRITORY);
    if (!st)
        return -1;
    store_bind_text(st, 1, id);
    store_bind_text(st, 2, territory);
    if (store_done(self, st) < 0)
        return -1;
    (void)jobrows_set_territory(self->rows, id, territory);
    return 0;
}

int store_job_set_rating(store *self, const char *id, int stars, const char *comment)
{
    sqlite3_stmt *st = store_stmt(self, Q_JOB_RATING);
    if (!st)
        return -1;
    store_bind_text(st, 1, id);
    sqlite3_bind_int(st, 2, stars);
    store_bind_text(st, 3, comment);
    if (store_done(self, st) < 0)
        return -1;
    (void)jobrows_set_rating(self->rows, id, stars, comment);
    return 0;
}

int store_event_append(store *self, const char *job_id, int64_t at, const char *actor, int from, int to,
                       const char *technician_id, const char *reason)
{
    sqlite3_stmt *st = store_stmt(self, Q_EVENT);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    sqlite3_bind_int64(st, 2, at);
    store_bind_text(st, 3, actor);
    sqlite3_bind_int(st, 4, from);
    sqlite3_bind_int(st, 5, to);
    store_bind_text(st, 6, technician_id);
    store_bind_text(st, 7, reason);
    return store_done(self, st);
}

int store_job_had_technician(store *self, const char *job_id, const char *technician_id)
{
    sqlite3_stmt *st = store_stmt(self, Q_JOB_HAD_TECH);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    store_bind_text(st, 2, technician_id);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(self);
    return rc == SQLITE_ROW;
}

int store_decline_put(store *self, const char *job_id, const char *technician_id, int reason, bool expired,
                      int64_t at)
{
    sqlite3_stmt *st = store_stmt(self, Q_DECLINE);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    store_bind_text(st, 2, technician_id);
    sqlite3_bind_int(st, 3, reason);
    sqlite3_bind_int(st, 4, expired);
    sqlite3_bind_int64(st, 5, at);
    return store_done(self, st);
}

/* Fills a store_job from a row of JOB_COLUMNS JOB_SLA_COLUMNS (strings
   point into the statement). */
void store_job_from_row(sqlite3_stmt *st, store_job *j)
{
#define T(i) ((const char *)sqlite3_column_text(st, i))
    j->created_by = NULL;
    j->id = T(0);
    j->state = sqlite3_column_int(st, 1);
    j->territory = T(2);
    j->phone = T(3);
    j->customer_name = T(4);
    j->tier = T(5);
    j->address = T(6);
    j->lat = sqlite3_column_double(st, 7);
    j->lon = sqlite3_column_double(st, 8);
    j->brand = T(9);
    j->category = T(10);
    j->serial = T(11);
    j->model = T(12);
    j->problem = T(13);
    j->warranty = sqlite3_column_int(st, 14);
    j->priority = sqlite3_column_int(st, 15);
    j->created_at = sqlite3_column_int64(st, 16);
    j->assign_by = sqlite3_column_int64(st, 17);
    j->arrive_by = sqlite3_column_int64(st, 18);
    j->technician_id = T(19);
    j->provider_id = T(20);
    j->offer_expires_at = sqlite3_column_int64(st, 21);
    j->at_risk = sqlite3_column_int(st, 24);
    j->fix_by = sqlite3_column_int64(st, 25);
    j->sla_policy = T(26);
    j->sla_clock = sqlite3_column_int(st, 27);
    j->sla_start = sqlite3_column_int64(st, 28);
    for (int d = 0; d < 3; d++)
        j->risk_at[d] = sqlite3_column_int64(st, 29 + d);
    j->sla_flags = (unsigned)sqlite3_column_int64(st, 32);
    j->urgency = sqlite3_column_int(st, 33);
    j->version = (uint64_t)sqlite3_column_int64(st, 34);
#undef T
}

/* The whole row, as the row cache keeps it (strings point into the statement). */
void store_jobrow_from_row(sqlite3_stmt *st, jobrow *r)
{
    store_job_from_row(st, &r->job);
    r->rating = sqlite3_column_int(st, 22);
    r->rating_comment = (const char *)sqlite3_column_text(st, 23);
}

int store_each_open_job(store *self, void (*fn)(void *, const store_job *), void *arg)
{
    sqlite3_stmt *st = store_stmt(self, Q_OPEN_JOBS);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        store_job j;
        store_job_from_row(st, &j);
        fn(arg, &j);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

int store_each_decline(store *self, void (*fn)(void *, const char *, const char *), void *arg)
{
    sqlite3_stmt *st = store_stmt(self, Q_DECLINES);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0), (const char *)sqlite3_column_text(st, 1));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

int store_match_put(store *self, const char *job_id, const uint8_t *blob, size_t len)
{
    sqlite3_stmt *st = store_stmt(self, Q_MATCH_PUT);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    sqlite3_bind_blob(st, 2, blob, (int)len, SQLITE_STATIC);
    return store_done(self, st);
}

/* Copies the blob of column 0 of the single-row query st into the arena. */
int store_blob_get(store *self, arena *a, sqlite3_stmt *st, uint8_t **blob, size_t *len)
{
    int rc = sqlite3_step(st);
    *blob = NULL;
    *len = 0;
    if (rc == SQLITE_ROW) {
        *len = (size_t)sqlite3_column_bytes(st, 0);
        *blob = arena_alloc(a, *len ? *len : 1);
        if (*len)
            memcpy(*blob, sqlite3_column_blob(st, 0), *len);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(self);
    return rc == SQLITE_ROW;
}

int store_match_get(store *self, arena *a, const char *job_id, uint8_t **blob, size_t *len)
{
    sqlite3_stmt *st = store_stmt(self, Q_MATCH_GET);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    return store_blob_get(self, a, st, blob, len);
}

bool job_risk_current(int at_risk, int state)
{
    switch (state) {
    case 1:
    case 2:
    case 9: return at_risk == 1; /* new, offered, escalated: assign-by */
    case 3:
    case 4: return at_risk == 2; /* assigned, en_route: arrive-by */
    default: return false;
    }
}

int store_job_set_sla_flags(store *self, const char *id, unsigned flags)
{
    sqlite3_stmt *st = store_stmt(self, Q_JOB_SLA_FLAGS);
    if (!st)
        return -1;
    store_bind_text(st, 1, id);
    sqlite3_bind_int64(st, 2, flags);
    if (store_done(self, st) < 0)
        return -1;
    jobrow *kept = jobrows_get(self->rows, id);
    if (kept)
        kept->job.sla_flags = flags;
    return 0;
}

int store_job_set_risk(store *self, const char *id, int at_risk)
{
    sqlite3_stmt *st = store_stmt(self, Q_JOB_RISK);
    if (!st)
        return -1;
    store_bind_text(st, 1, id);
    sqlite3_bind_int(st, 2, at_risk);
    if (store_done(self, st) < 0)
        return -1;
    jobrow *kept = jobrows_get(self->rows, id);
    if (kept)
        kept->job.at_risk = at_risk;
    return 0;
}
