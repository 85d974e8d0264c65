/*  job_reads.c — jobs read back: one job's row (from the copies kept in
    memory, or read), its event log, filtered lists of rows. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Job id's row: the copy in memory, or read (and kept while the job is
   open). NULL with err empty when there is no such job, with err set when
   reading failed. */
static const jobrow *s_job_row(store *self, const char *id)
{
    self->err[0] = '\0';
    const jobrow *kept = jobrows_get(self->rows, id);
    if (kept)
        return kept;
    sqlite3_stmt *st = store_stmt(self, Q_JOB_VIEW);
    if (!st)
        return NULL;
    store_bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    const jobrow *row = NULL;
    if (rc == SQLITE_ROW) {
        jobrow r;
        store_jobrow_from_row(st, &r);
        /* closed or cancelled jobs are read rarely: not kept, but one
           copy is needed anyway to outlive the statement */
        jobrows *into = store_state_open(r.job.state) ? self->rows : self->scratch;
        if (jobrows_put(into, &r.job, r.rating, r.rating_comment) == 0)
            row = jobrows_get(into, id);
        else
            snprintf(self->err, sizeof self->err, "out of memory");
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        store_fail(self);
    return row;
}

/* A row with its strings copied into the arena. */
static void s_row_copy(arena *a, const jobrow *from, store_job_row *to)
{
    *to = *from;
    store_job *j = &to->job;
#define S(x) x = arena_strdup(a, (x) ? (x) : "")
    S(j->id);
    S(j->territory);
    S(j->phone);
    S(j->customer_name);
    S(j->tier);
    S(j->address);
    S(j->brand);
    S(j->category);
    S(j->serial);
    S(j->model);
    S(j->problem);
    S(j->technician_id);
    S(j->provider_id);
    S(j->sla_policy);
    S(to->rating_comment);
#undef S
    j->created_by = NULL;
}

int store_job_get(store *self, arena *a, const char *id, store_job_row *out)
{
    const jobrow *row = s_job_row(self, id);
    if (!row)
        return self->err[0] ? -1 : 0;
    s_row_copy(a, row, out);
    return 1;
}

int store_job_events(store *self, arena *a, const char *job_id, store_event **out, size_t *n)
{
    sqlite3_stmt *st = store_stmt(self, Q_JOB_EVENTS);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    size_t cap = 8;
    *out = arena_alloc(a, cap * sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            store_event *bigger = arena_alloc(a, 2 * cap * sizeof **out);
            memcpy(bigger, *out, *n * sizeof **out);
            *out = bigger;
            cap *= 2;
        }
        store_event *e = &(*out)[(*n)++];
        e->at = sqlite3_column_int64(st, 0);
        e->actor = store_col(a, st, 1);
        e->from = sqlite3_column_int(st, 2);
        e->to = sqlite3_column_int(st, 3);
        e->technician_id = store_col(a, st, 4);
        e->reason = store_col(a, st, 5);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

/* The rows of a JOB_COLUMNS JOB_SLA_COLUMNS query, at most cap, copied
   into the arena. Finalizes st. */
static int s_rows(store *self, arena *a, sqlite3_stmt *st, size_t cap, store_job_row **out, size_t *n)
{
    *out = arena_alloc(a, cap * sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < cap) {
        jobrow r;
        store_jobrow_from_row(st, &r);
        s_row_copy(a, &r, &(*out)[(*n)++]);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_fail(self);
}

static int s_job_list(store *self, arena *a, const char *territory, int state, const char *technician_id,
                      const char *phone, unsigned limit, store_job_row **out, size_t *n)
{
    /* A filter query built from fixed fragments; every value is bound. */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT " JOB_COLUMNS JOB_SLA_COLUMNS JOB_VERSION_COLUMN
             " FROM jobs WHERE (?1 = '' OR territory = ?1)"
             " AND (?2 = 0 OR state = ?2) AND (?3 = '' OR technician_id = ?3)"
             " AND (?4 = '' OR phone = ?4) ORDER BY number DESC LIMIT ?5");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(self);
    store_bind_text(st, 1, territory);
    sqlite3_bind_int(st, 2, state);
    store_bind_text(st, 3, technician_id);
    store_bind_text(st, 4, phone);
    sqlite3_bind_int(st, 5, limit ? (int)limit : 100);
    return s_rows(self, a, st, limit ? limit : 100, out, n);
}

int store_job_list(store *self, arena *a, const store_scope *scope, const char *territory, int state,
                   const char *technician_id, const char *phone, unsigned limit, store_job_row **out,
                   size_t *n)
{
    if (!scope)
        return s_job_list(self, a, territory, state, technician_id, phone, limit, out, n);
    /* the scope as in privacy.c: a provider's jobs, or the unheld ones
       (no provider: all) of the scope's territories; the submitter's own */
    /* a desk's own through the partial index jobs_creator (its WHERE
       term spelled out, so that the planner may use it), newest first */
    bool own = scope->created_by && scope->created_by[0];
    char sql[1024];
    snprintf(
        sql, sizeof sql,
        "SELECT " JOB_COLUMNS JOB_SLA_COLUMNS " FROM jobs WHERE (?1 = '' OR territory = ?1)"
        " AND (?2 = 0 OR state = ?2) AND (?3 = '' OR technician_id = ?3)"
        " AND (?4 = '' OR phone = ?4) AND %s"
        " AND (?7 = 0 OR (?8 != '' AND provider_id = ?8)"
        "  OR (instr(?9, ',' || territory || ',') > 0 AND (?8 = '' OR (technician_id = '' AND provider_id = ''))))"
        " ORDER BY number DESC LIMIT ?5",
        own ? "created_by = ?6 AND created_by != ''" : "?6 = ''");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(self);
    store_bind_text(st, 1, territory);
    sqlite3_bind_int(st, 2, state);
    store_bind_text(st, 3, technician_id);
    store_bind_text(st, 4, phone);
    sqlite3_bind_int(st, 5, limit ? (int)limit : 100);
    store_bind_text(st, 6, scope->created_by);
    sqlite3_bind_int(st, 7, scope->scoped);
    store_bind_text(st, 8, scope->provider);
    store_bind_text(st, 9, scope->territories);
    return s_rows(self, a, st, limit ? limit : 100, out, n);
}
