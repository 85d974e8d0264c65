/*  job_views.c — jobs read back as the wire's JobView (with history, care
    rows and the appointment window), one by id or as lists. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/sla.h"
#include "fsd/window_text.h"

/* fsd/care.h (not included: its domain.h names a type `role`, a parameter here) */
char *care_followup_id_format(int64_t n, char *buf, size_t len);

/* the SLA part of a view: what was decided at intake, the
   deadlines missed, the one the job's state is measured against now. */
static void s_view_sla(arena *a, const store_job *j, Fsd__JobView *v)
{
    job_state state = (job_state)v->state;
    int64_t due[SLA_N] = { v->assign_by, v->arrive_by, j->fix_by };
    v->fix_by = j->fix_by;
    v->sla_policy = arena_strdup(a, j->sla_policy ? j->sla_policy : "");
    v->sla_clock = (char *)(v->sla_policy[0] ? sla_clock_name((sla_clock)j->sla_clock) : "");
    v->urgency = j->urgency;
    v->breached = arena_alloc(a, SLA_N * sizeof *v->breached);
    for (int d = 0; d < SLA_N; d++) {
        bool owed = sla_owed((sla_deadline)d, state) && due[d] > 0;
        if (j->sla_flags & SLA_BREACH(d)) {
            v->breached[v->n_breached++] = (char *)sla_deadline_name((sla_deadline)d);
            v->overdue = v->overdue || owed;
        }
        if (owed && !v->sla_next[0]) {
            v->sla_next = (char *)sla_deadline_name((sla_deadline)d);
            v->sla_next_at = due[d];
        }
    }
    v->at_risk = v->at_risk || sla_flags_current(j->sla_flags, state);
}

/* A JobView in the arena from a job's row (strings copied). */
static Fsd__JobView *s_view_from_job(arena *a, const jobrow *r)
{
    const store_job *j = &r->job;
    Fsd__JobView *v = arena_alloc(a, sizeof *v);
    fsd__job_view__init(v);
#define S(x) arena_strdup(a, (x) ? (x) : "")
    v->job_id = S(j->id);
    v->state = j->state;
    v->territory = S(j->territory);
    v->phone = S(j->phone);
    v->customer_name = S(j->customer_name);
    v->tier = S(j->tier);
    v->address = S(j->address);
    v->lat = j->lat;
    v->lon = j->lon;
    v->brand = S(j->brand);
    v->category = S(j->category);
    v->serial = S(j->serial);
    v->model = S(j->model);
    v->problem = S(j->problem);
    v->warranty = j->warranty;
    v->priority = j->priority;
    v->created_at = j->created_at;
    v->assign_by = j->assign_by;
    v->arrive_by = j->arrive_by;
    v->technician_id = S(j->technician_id);
    v->provider_id = S(j->provider_id);
    v->offer_expires_at = j->offer_expires_at;
    v->rating = (uint32_t)r->rating;
    v->rating_comment = S(r->rating_comment);
#undef S
    v->at_risk = job_risk_current(j->at_risk, v->state);
    v->version = j->version;
    s_view_sla(a, j, v);
    return v;
}

/* A JobView in the arena from the current row of a JOB_COLUMNS JOB_SLA_COLUMNS query. */
static Fsd__JobView *s_view_from_row(arena *a, sqlite3_stmt *st)
{
    jobrow r;
    store_jobrow_from_row(st, &r);
    return s_view_from_job(a, &r);
}

static int s_window_view(store *self, arena *a, Fsd__JobView *v);

/* Attaches the job's event log to a view. */
static int s_history(store *self, arena *a, Fsd__JobView *v)
{
    sqlite3_stmt *st = store_stmt(self, Q_JOB_EVENTS);
    if (!st)
        return -1;
    store_bind_text(st, 1, v->job_id);
    size_t cap = 8, n = 0;
    Fsd__JobEvent **list = arena_alloc(a, cap * sizeof *list);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (n == cap) {
            Fsd__JobEvent **bigger = arena_alloc(a, 2 * cap * sizeof *list);
            memcpy(bigger, list, n * sizeof *list);
            list = bigger;
            cap *= 2;
        }
        Fsd__JobEvent *e = arena_alloc(a, sizeof *e);
        fsd__job_event__init(e);
        e->at = sqlite3_column_int64(st, 0);
        e->actor = store_col(a, st, 1);
        e->from = sqlite3_column_int(st, 2);
        e->to = sqlite3_column_int(st, 3);
        e->technician_id = store_col(a, st, 4);
        e->reason = store_col(a, st, 5);
        list[n++] = e;
    }
    sqlite3_reset(st);
    v->history = list;
    v->n_history = n;
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

static int s_care_view(store *self, arena *a, Fsd__JobView *v);

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

int store_job_view(store *self, arena *a, const char *id, bool history, Fsd__JobView **out)
{
    const jobrow *row = s_job_row(self, id);
    if (!row && self->err[0])
        return -1;
    *out = row ? s_view_from_job(a, row) : NULL;
    if (*out && history && s_history(self, a, *out) < 0)
        return -1;
    if (*out && store_has_side(self, id, SIDE_CARE) && s_care_view(self, a, *out) < 0)
        return -1;
    if (*out && store_has_side(self, id, SIDE_WINDOW) && s_window_view(self, a, *out) < 0)
        return -1;
    return *out != NULL;
}

int store_job_list(store *self, arena *a, const char *territory, int state,
                   const char *technician_id, const char *phone, unsigned limit,
                   Fsd__JobView ***out, size_t *n)
{
    /* A filter query built from fixed fragments; every value is bound. */
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT " JOB_COLUMNS JOB_SLA_COLUMNS JOB_VERSION_COLUMN " FROM jobs WHERE (?1 = '' OR territory = ?1)"
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
    size_t cap = limit ? limit : 100;
    *out = arena_alloc(a, cap * sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < cap)
        (*out)[(*n)++] = s_view_from_row(a, st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return store_fail(self);
    for (size_t i = 0; i < *n; i++)
        if (store_has_side(self, (*out)[i]->job_id, SIDE_WINDOW) && s_window_view(self, a, (*out)[i]) < 0)
            return -1;
    return 0;
}

/* The care rows as the view's messages. These copy views.c's
   conversions (server/views.c, above the store, which the store's objects
   cannot link): they go when views are built above the store. */
static void s_care_goodwill(arena *a, const store_goodwill *g, Fsd__JobView *v)
{
    Fsd__GoodwillGrant *m = v->goodwill = arena_alloc(a, sizeof *m);
    fsd__goodwill_grant__init(m);
    m->at = g->at;
    m->by = (char *)g->by;
    m->reason = (char *)g->reason;
}

static void s_care_waivers(arena *a, const store_waiver *rows, size_t n, Fsd__JobView *v)
{
    v->waivers = arena_alloc(a, (n ? n : 1) * sizeof *v->waivers);
    v->n_waivers = n;
    for (size_t i = 0; i < n; i++) {
        const store_waiver *w = &rows[i];
        Fsd__FeeWaiver *m = v->waivers[i] = arena_alloc(a, sizeof *m);
        fsd__fee_waiver__init(m);
        m->amount_cents = w->amount_cents;
        m->currency = (char *)w->currency;
        m->state = w->state;
        m->technician_id = (char *)w->technician_id;
        m->reason = (char *)w->reason;
        m->requested_at = w->requested_at;
        m->decided_at = w->decided_at;
        m->decided_by = (char *)w->decided_by;
        m->decision_reason = (char *)w->decision_reason;
    }
}

static void s_care_followups(arena *a, const store_followup *rows, size_t n, Fsd__JobView *v)
{
    v->follow_ups = arena_alloc(a, (n ? n : 1) * sizeof *v->follow_ups);
    v->n_follow_ups = n;
    for (size_t i = 0; i < n; i++) {
        const store_followup *f = &rows[i];
        Fsd__FollowUp *m = v->follow_ups[i] = arena_alloc(a, sizeof *m);
        fsd__follow_up__init(m);
        char id[24];
        care_followup_id_format(f->id, id, sizeof id);
        m->id = arena_strdup(a, id);
        m->job_id = (char *)f->job_id;
        m->territory = (char *)f->territory;
        m->kind = f->kind;
        m->cause = (char *)f->cause;
        m->opened_at = f->opened_at;
        m->opened_by = (char *)f->opened_by;
        m->closed_at = f->closed_at;
        m->closed_by = (char *)f->closed_by;
        m->outcome = (char *)f->outcome;
        m->visit_job_id = (char *)f->visit_job_id;
        m->customer_name = (char *)f->customer_name;
        m->phone = (char *)f->phone;
    }
}

/* Adds goodwill, waivers, follow-ups and the return-visit link to a view. */
static int s_care_view(store *self, arena *a, Fsd__JobView *v)
{
    store_goodwill g;
    store_waiver *waivers;
    store_followup *followups;
    size_t n_waivers, n_followups;
    int has_goodwill = store_care_goodwill_get(self, a, v->job_id, &g);
    if (has_goodwill < 0
        || store_care_waivers(self, a, v->job_id, &waivers, &n_waivers) < 0
        || store_care_followups_of_job(self, a, v->job_id, &followups, &n_followups) < 0)
        return -1;
    if (has_goodwill)
        s_care_goodwill(a, &g, v);
    s_care_waivers(a, waivers, n_waivers, v);
    s_care_followups(a, followups, n_followups, v);
    sqlite3_stmt *st = store_stmt(self, Q_CARE_VISIT_OF);
    if (!st)
        return -1;
    store_bind_text(st, 1, v->job_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        v->return_visit_of = store_col(a, st, 0);
    sqlite3_reset(st);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? 0 : store_fail(self);
}

/* Fills a view's window fields when the job has a window: the asked
   window in UTC and in the place's local time, booked while a technician
   has accepted it (assigned, en route, on site, on hold, completed, closed). */
static int s_window_view(store *self, arena *a, Fsd__JobView *v)
{
    sqlite3_stmt *st = store_stmt(self, Q_WINDOW_GET);
    if (!st)
        return -1;
    store_bind_text(st, 1, v->job_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        char local[96], utc[96];
        v->window_start = sqlite3_column_int64(st, 0);
        v->window_end = sqlite3_column_int64(st, 1);
        v->window_tz = store_col(a, st, 2);
        v->window_local = arena_strdup(a, window_text(v->window_start, v->window_end, v->window_tz,
                                                      local, sizeof local));
        v->window_utc = arena_strdup(a, window_text(v->window_start, v->window_end, "UTC", utc, sizeof utc));
        v->window_booked = v->state >= 3 && v->state <= 8;
    }
    sqlite3_reset(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : store_fail(self);
}

int store_job_list_scoped(store *self, arena *a, const store_scope *scope, const char *territory, int state,
                          const char *technician_id, const char *phone, unsigned limit,
                          Fsd__JobView ***out, size_t *n)
{
    /* the scope as in privacy.c: a provider's jobs, or the unheld ones
       (no provider: all) of the scope's territories; the submitter's own */
    /* a desk's own through the partial index jobs_creator (its WHERE
       term spelled out, so that the planner may use it), newest first */
    bool own = scope && scope->created_by && scope->created_by[0];
    char sql[1024];
    snprintf(sql, sizeof sql,
             "SELECT " JOB_COLUMNS JOB_SLA_COLUMNS " FROM jobs WHERE (?1 = '' OR territory = ?1)"
             " AND (?2 = 0 OR state = ?2) AND (?3 = '' OR technician_id = ?3)"
             " AND (?4 = '' OR phone = ?4) AND %s"
             " AND (?7 = 0 OR (?8 != '' AND provider_id = ?8)"
             "  OR (instr(?9, ',' || territory || ',') > 0 AND (?8 = '' OR technician_id = '')))"
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
    store_bind_text(st, 6, scope ? scope->created_by : "");
    sqlite3_bind_int(st, 7, scope && scope->scoped);
    store_bind_text(st, 8, scope ? scope->provider : "");
    store_bind_text(st, 9, scope ? scope->territories : "");
    size_t cap = limit ? limit : 100;
    *out = arena_alloc(a, cap * sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < cap)
        (*out)[(*n)++] = s_view_from_row(a, st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return store_fail(self);
    for (size_t i = 0; i < *n; i++)
        if (store_has_side(self, (*out)[i]->job_id, SIDE_WINDOW) && s_window_view(self, a, (*out)[i]) < 0)
            return -1;
    return 0;
}
