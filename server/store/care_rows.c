/*  care_rows.c — customer care: goodwill, fee waivers, follow-ups. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------- customer care */

int store_care_goodwill_put(store *self, const char *job_id, int64_t at, const char *actor,
                            const char *reason)
{
    sqlite3_stmt *st = store_stmt(self, Q_CARE_GOODWILL_PUT);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    sqlite3_bind_int64(st, 2, at);
    store_bind_text(st, 3, actor);
    store_bind_text(st, 4, reason);
    return store_done(self, st) < 0 ? -1 : store_care_mark(self, job_id);
}

int store_care_goodwill_get(store *self, arena *a, const char *job_id, store_goodwill *out)
{
    if (!store_has_side(self, job_id, SIDE_CARE))
        return 0; /* no care row names the job: no read */
    sqlite3_stmt *st = store_stmt(self, Q_CARE_GOODWILL_GET);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        out->at = sqlite3_column_int64(st, 0);
        out->by = store_col(a, st, 1);
        out->reason = store_col(a, st, 2);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(self);
    return rc == SQLITE_ROW;
}

int store_care_each_open_goodwill(store *self, void (*fn)(void *, const char *job_id), void *arg)
{
    sqlite3_stmt *st = store_stmt(self, Q_CARE_GOODWILL_OPEN);
    if (!st)
        return -1;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        fn(arg, (const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

int store_care_waiver_put(store *self, const char *job_id, const char *technician_id, int64_t cents,
                          const char *currency, const char *reason, int state, int64_t at)
{
    sqlite3_stmt *st = store_stmt(self, Q_CARE_WAIVER_PUT);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    store_bind_text(st, 2, technician_id);
    sqlite3_bind_int64(st, 3, cents);
    store_bind_text(st, 4, currency);
    store_bind_text(st, 5, reason);
    sqlite3_bind_int(st, 6, state);
    sqlite3_bind_int64(st, 7, at);
    return store_done(self, st) < 0 ? -1 : store_care_mark(self, job_id);
}

int store_care_waiver_decide(store *self, const char *job_id, int state, int64_t at, const char *by,
                             const char *reason)
{
    sqlite3_stmt *st = store_stmt(self, Q_CARE_WAIVER_DECIDE);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    sqlite3_bind_int(st, 2, state);
    sqlite3_bind_int64(st, 3, at);
    store_bind_text(st, 4, by);
    store_bind_text(st, 5, reason);
    if (store_done(self, st) < 0)
        return -1;
    return sqlite3_changes(self->db) > 0;
}

int store_care_waivers(store *self, arena *a, const char *job_id, store_waiver **out, size_t *n)
{
    if (!store_has_side(self, job_id, SIDE_CARE)) {
        *out = NULL;
        *n = 0;
        return 0;
    }
    sqlite3_stmt *st = store_stmt(self, Q_CARE_WAIVERS);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    size_t cap = 4;
    *out = arena_alloc(a, cap * sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        if (*n == cap) {
            store_waiver *bigger = arena_alloc(a, 2 * cap * sizeof **out);
            memcpy(bigger, *out, *n * sizeof **out);
            *out = bigger;
            cap *= 2;
        }
        store_waiver *w = &(*out)[(*n)++];
        w->amount_cents = sqlite3_column_int64(st, 0);
        w->currency = store_col(a, st, 1);
        w->state = sqlite3_column_int(st, 2);
        w->technician_id = store_col(a, st, 3);
        w->reason = store_col(a, st, 4);
        w->requested_at = sqlite3_column_int64(st, 5);
        w->decided_at = sqlite3_column_int64(st, 6);
        w->decided_by = store_col(a, st, 7);
        w->decision_reason = store_col(a, st, 8);
    }
    sqlite3_reset(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

int store_care_followup_open(store *self, const char *job_id, const char *territory, int kind,
                             const char *cause, int64_t at, const char *by, int64_t *id)
{
    sqlite3_stmt *st = store_stmt(self, Q_CARE_FOLLOWUP_PUT);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    store_bind_text(st, 2, territory);
    sqlite3_bind_int(st, 3, kind);
    store_bind_text(st, 4, cause);
    sqlite3_bind_int64(st, 5, at);
    store_bind_text(st, 6, by);
    if (store_done(self, st) < 0)
        return -1;
    *id = sqlite3_last_insert_rowid(self->db);
    return store_care_mark(self, job_id);
}

int store_care_followup_close(store *self, int64_t id, int64_t at, const char *by, const char *outcome,
                              const char *visit_job_id)
{
    sqlite3_stmt *st = store_stmt(self, Q_CARE_FOLLOWUP_CLOSE);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_int64(st, 2, at);
    store_bind_text(st, 3, by);
    store_bind_text(st, 4, outcome);
    store_bind_text(st, 5, visit_job_id);
    if (store_done(self, st) < 0)
        return -1;
    int changed = sqlite3_changes(self->db) > 0;
    return changed && store_care_mark(self, visit_job_id) < 0 ? -1 : changed;
}

/* Fills a follow-up from a row of CARE_FOLLOWUP_COLUMNS (strings in the arena). */
static void s_followup_from_row(arena *a, sqlite3_stmt *st, store_followup *f)
{
    f->id = sqlite3_column_int64(st, 0);
    f->job_id = store_col(a, st, 1);
    f->territory = store_col(a, st, 2);
    f->kind = sqlite3_column_int(st, 3);
    f->cause = store_col(a, st, 4);
    f->opened_at = sqlite3_column_int64(st, 5);
    f->opened_by = store_col(a, st, 6);
    f->closed_at = sqlite3_column_int64(st, 7);
    f->closed_by = store_col(a, st, 8);
    f->outcome = store_col(a, st, 9);
    f->visit_job_id = store_col(a, st, 10);
    f->customer_name = store_col(a, st, 11);
    f->phone = store_col(a, st, 12);
}

/* Every row of a follow-up query into an arena array. */
static int s_followups(store *self, arena *a, sqlite3_stmt *st, unsigned limit, store_followup **out,
                       size_t *n)
{
    size_t cap = 4;
    *out = arena_alloc(a, cap * sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && (!limit || *n < limit)) {
        if (*n == cap) {
            store_followup *bigger = arena_alloc(a, 2 * cap * sizeof **out);
            memcpy(bigger, *out, *n * sizeof **out);
            *out = bigger;
            cap *= 2;
        }
        s_followup_from_row(a, st, &(*out)[(*n)++]);
    }
    sqlite3_reset(st);
    return (rc == SQLITE_DONE || rc == SQLITE_ROW) ? 0 : store_fail(self);
}

int store_care_followup_get(store *self, arena *a, int64_t id, store_followup *out)
{
    sqlite3_stmt *st = store_stmt(self, Q_CARE_FOLLOWUP_GET);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, id);
    store_followup *list;
    size_t n;
    if (s_followups(self, a, st, 1, &list, &n) < 0)
        return -1;
    if (n)
        *out = list[0];
    return n > 0;
}

int store_care_followups_of_job(store *self, arena *a, const char *job_id, store_followup **out, size_t *n)
{
    if (!store_has_side(self, job_id, SIDE_CARE)) {
        *out = NULL;
        *n = 0;
        return 0;
    }
    sqlite3_stmt *st = store_stmt(self, Q_CARE_FOLLOWUPS_JOB);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    return s_followups(self, a, st, 0, out, n);
}

int store_care_followup_list(store *self, arena *a, const char *territory, bool all, unsigned limit,
                             store_followup **out, size_t *n)
{
    sqlite3_stmt *st = store_stmt(self, Q_CARE_FOLLOWUPS_LIST);
    if (!st)
        return -1;
    store_bind_text(st, 1, territory);
    sqlite3_bind_int(st, 2, all);
    sqlite3_bind_int(st, 3, (int)limit);
    return s_followups(self, a, st, limit, out, n);
}

int store_care_visit_of(store *self, arena *a, const char *job_id, const char **of_job_id)
{
    if (!store_has_side(self, job_id, SIDE_CARE))
        return 0;
    sqlite3_stmt *st = store_stmt(self, Q_CARE_VISIT_OF);
    if (!st)
        return -1;
    store_bind_text(st, 1, job_id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *of_job_id = store_col(a, st, 0);
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(self);
    return rc == SQLITE_ROW;
}
