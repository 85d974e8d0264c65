/*  kpi_rows.c — the rows the KPI report reads. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ reports */

/* Binds [from, to) to a report query. */
static sqlite3_stmt *s_range(store *self, int q, int64_t from, int64_t to)
{
    sqlite3_stmt *st = store_stmt(self, q);
    if (st) {
        sqlite3_bind_int64(st, 1, from);
        sqlite3_bind_int64(st, 2, to);
    }
    return st;
}

/* ------------------------------------------------------------- KPI */

/* Included here, not at the top: its domain names (role ...) would shadow
   parameters of the functions above. */
#include "fsd/xalloc.h"
#include "fsd/kpi.h"

/* The arena copy of s, one per distinct value (ids, names and reasons
   repeat across thousands of events). */
static const char *s_intern(strmap *names, arena *a, const unsigned char *s)
{
    const char *key = s ? (const char *)s : "";
    const char *copy = strmap_get(names, key);
    if (!copy) {
        copy = arena_strdup(a, key);
        if (strmap_put(names, key, (void *)copy) < 0)
            return NULL;
    }
    return copy;
}

/* Room for one more element of size `size` in *v (capacity *cap); -1 when out of memory. */
static int s_grow(void **v, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return 0;
    size_t more = *cap ? *cap * 2 : 256;
    *v = fsd_xrealloc(*v, more * size);
    *cap = more;
    return 0;
}

typedef struct {
    kpi_job *jobs;
    size_t n_jobs, cap_jobs;
    kpi_event *ev;
    size_t n_ev, cap_ev;
    kpi_decline *dec;
    size_t n_dec, cap_dec;
    size_t *ev_at, *dec_at; /* per job: where its events, declines start */
    strmap *names;          /* interned strings */
} s_kpi_rows;

/* Reads the period's jobs (Q_KPI_JOBS_FIX, or Q_KPI_JOBS without fix_by). */
static int s_kpi_read_jobs(store *self, arena *a, s_kpi_rows *k, int64_t from, int64_t to)
{
    sqlite3_stmt *st = store_stmt(self, Q_KPI_JOBS_FIX);
    if (!st) {
        self->err[0] = 0; /* no fix_by column: not an error */
        st = store_stmt(self, Q_KPI_JOBS);
    }
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, from);
    sqlite3_bind_int64(st, 2, to);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (s_grow((void **)&k->jobs, k->n_jobs, &k->cap_jobs, sizeof *k->jobs) < 0)
            break;
        kpi_job *j = &k->jobs[k->n_jobs];
        memset(j, 0, sizeof *j);
        j->id = store_col(a, st, 0);
        j->territory = s_intern(k->names, a, sqlite3_column_text(st, 1));
        j->provider = s_intern(k->names, a, sqlite3_column_text(st, 2));
        j->technician = s_intern(k->names, a, sqlite3_column_text(st, 3));
        j->tier = s_intern(k->names, a, sqlite3_column_text(st, 4));
        j->serial = store_col(a, st, 5);
        j->warranty = sqlite3_column_int(st, 6);
        j->state = sqlite3_column_int(st, 7);
        j->created_at = sqlite3_column_int64(st, 8);
        j->assign_by = sqlite3_column_int64(st, 9);
        j->arrive_by = sqlite3_column_int64(st, 10);
        j->rating = sqlite3_column_int(st, 11);
        j->fix_by = sqlite3_column_int64(st, 12);
        if (!j->territory || !j->provider || !j->technician || !j->tier)
            break;
        k->n_jobs++;
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) {
        snprintf(self->err, sizeof self->err, "out of memory reading the report's jobs");
        return -1;
    }
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

/* Later jobs for the period's serials: id, serial, created_at. */
static int s_kpi_read_later(store *self, arena *a, s_kpi_rows *k, int64_t from, int64_t to)
{
    if (to == INT64_MAX)
        return 0;
    sqlite3_stmt *st = s_range(self, Q_KPI_LATER, from, to);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (s_grow((void **)&k->jobs, k->n_jobs, &k->cap_jobs, sizeof *k->jobs) < 0)
            break;
        kpi_job *j = &k->jobs[k->n_jobs++];
        memset(j, 0, sizeof *j);
        j->id = store_col(a, st, 0);
        j->serial = store_col(a, st, 1);
        j->created_at = sqlite3_column_int64(st, 2);
        j->territory = j->provider = j->technician = j->tier = "";
    }
    sqlite3_reset(st);
    if (rc == SQLITE_ROW) {
        snprintf(self->err, sizeof self->err, "out of memory reading the report's jobs");
        return -1;
    }
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

/* The index of the job named id at or after *cursor (rows come in the
   jobs' order), or -1; *cursor moves to it. */
static long s_kpi_job_at(const s_kpi_rows *k, size_t n, size_t *cursor, const unsigned char *id)
{
    const char *want = id ? (const char *)id : "";
    for (size_t i = *cursor; i < n; i++)
        if (strcmp(k->jobs[i].id, want) == 0) {
            *cursor = i;
            return (long)i;
        }
    return -1;
}

/* The period's events and declines, in their jobs' order; ev_at / dec_at
   say where each job's start. Reasons the report does not count are
   left empty, and actors too (it reads neither). */
static int s_kpi_read_history(store *self, arena *a, s_kpi_rows *k, size_t n, int64_t from, int64_t to)
{
    sqlite3_stmt *st = s_range(self, Q_KPI_EVENTS, from, to);
    if (!st)
        return -1;
    size_t cursor = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long job = s_kpi_job_at(k, n, &cursor, sqlite3_column_text(st, 0));
        if (job < 0)
            continue;
        if (s_grow((void **)&k->ev, k->n_ev, &k->cap_ev, sizeof *k->ev) < 0)
            break;
        if (k->jobs[job].n_events++ == 0)
            k->ev_at[job] = k->n_ev;
        kpi_event *e = &k->ev[k->n_ev++];
        e->at = sqlite3_column_int64(st, 1);
        e->actor = "";
        e->from_state = sqlite3_column_int(st, 2);
        e->to_state = sqlite3_column_int(st, 3);
        e->technician = s_intern(k->names, a, sqlite3_column_text(st, 4));
        const char *why = (const char *)sqlite3_column_text(st, 5);
        e->reason = why && kpi_reason_counts(why) ? s_intern(k->names, a, (const unsigned char *)why) : "";
        if (!e->technician || !e->reason)
            break;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc == SQLITE_ROW ? -1 : store_fail(self);

    if (!(st = s_range(self, Q_KPI_DECLINES, from, to)))
        return -1;
    cursor = 0;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        long job = s_kpi_job_at(k, n, &cursor, sqlite3_column_text(st, 0));
        if (job < 0)
            continue;
        if (s_grow((void **)&k->dec, k->n_dec, &k->cap_dec, sizeof *k->dec) < 0)
            break;
        if (k->jobs[job].n_declines++ == 0)
            k->dec_at[job] = k->n_dec;
        kpi_decline *d = &k->dec[k->n_dec++];
        d->technician = s_intern(k->names, a, sqlite3_column_text(st, 1));
        d->reason = sqlite3_column_int(st, 2);
        d->expired = sqlite3_column_int(st, 3) != 0;
        d->at = sqlite3_column_int64(st, 4);
        if (!d->technician)
            break;
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return rc == SQLITE_ROW ? -1 : store_fail(self);
    return 0;
}

int store_kpi_jobs(store *self, arena *a, int64_t from, int64_t to, kpi_job **out, size_t *n)
{
    s_kpi_rows k = { .names = strmap_new() };
    *out = NULL;
    *n = 0;
    if (to <= 0)
        to = INT64_MAX;
    int rc = -1;
    self->err[0] = 0;
    if (!k.names) {
        snprintf(self->err, sizeof self->err, "out of memory");
        goto done;
    }
    if (s_kpi_read_jobs(self, a, &k, from, to) < 0)
        goto done;
    size_t in_period = k.n_jobs;
    k.ev_at = fsd_xcalloc(in_period ? in_period : 1, sizeof *k.ev_at);
    k.dec_at = fsd_xcalloc(in_period ? in_period : 1, sizeof *k.dec_at);
    if (!k.ev_at || !k.dec_at || s_kpi_read_history(self, a, &k, in_period, from, to) < 0
        || s_kpi_read_later(self, a, &k, from, to) < 0) {
        if (!self->err[0])
            snprintf(self->err, sizeof self->err, "out of memory reading the report's events");
        goto done;
    }
    kpi_event *events = arena_alloc(a, (k.n_ev ? k.n_ev : 1) * sizeof *events);
    kpi_decline *declines = arena_alloc(a, (k.n_dec ? k.n_dec : 1) * sizeof *declines);
    if (k.n_ev)
        memcpy(events, k.ev, k.n_ev * sizeof *events);
    if (k.n_dec)
        memcpy(declines, k.dec, k.n_dec * sizeof *declines);
    for (size_t i = 0; i < in_period; i++) {
        k.jobs[i].events = k.jobs[i].n_events ? &events[k.ev_at[i]] : NULL;
        k.jobs[i].declines = k.jobs[i].n_declines ? &declines[k.dec_at[i]] : NULL;
    }
    *out = arena_alloc(a, (k.n_jobs ? k.n_jobs : 1) * sizeof **out);
    if (k.n_jobs)
        memcpy(*out, k.jobs, k.n_jobs * sizeof **out);
    *n = k.n_jobs;
    rc = 0;
done:
    free(k.jobs);
    free(k.ev);
    free(k.dec);
    free(k.ev_at);
    free(k.dec_at);
    strmap_destroy(&k.names);
    return rc;
}
