/*  privacy_rows.c — who submitted a job, the access log, a customer's
    open jobs, erasure. */
#include "store_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int store_job_owner(store *self, const char *id, char *created_by, size_t cb_len, char *phone, size_t ph_len)
{
    sqlite3_stmt *st = store_stmt(self, Q_JOB_CREATOR);
    if (!st)
        return -1;
    store_bind_text(st, 1, id);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        snprintf(created_by, cb_len, "%s", (const char *)sqlite3_column_text(st, 0));
        snprintf(phone, ph_len, "%s", (const char *)sqlite3_column_text(st, 1));
    }
    sqlite3_reset(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_fail(self);
    return rc == SQLITE_ROW;
}

int store_access_put(store *self, int64_t at, const char *principal, const char *verb, const char *job_id,
                     const char *phone, unsigned count)
{
    sqlite3_stmt *st = store_stmt(self, Q_ACCESS_PUT);
    if (!st)
        return -1;
    sqlite3_bind_int64(st, 1, at);
    store_bind_text(st, 2, principal);
    store_bind_text(st, 3, verb);
    store_bind_text(st, 4, job_id);
    store_bind_text(st, 5, phone);
    sqlite3_bind_int64(st, 6, count);
    return store_done(self, st);
}

int store_access_list(store *self, arena *a, const char *principal, const char *job_id, const char *phone,
                      int64_t since, unsigned limit, store_access_row **out, size_t *n)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db,
                           "SELECT at, principal, verb, job_id, phone, count FROM access_log"
                           " WHERE (?1 = '' OR principal = ?1) AND (?2 = '' OR job_id = ?2)"
                           " AND (?3 = '' OR phone = ?3) AND at >= ?4 ORDER BY id DESC LIMIT ?5",
                           -1, &st, NULL)
        != SQLITE_OK)
        return store_fail(self);
    store_bind_text(st, 1, principal);
    store_bind_text(st, 2, job_id);
    store_bind_text(st, 3, phone);
    sqlite3_bind_int64(st, 4, since);
    sqlite3_bind_int(st, 5, (int)limit);
    *out = arena_alloc(a, (limit ? limit : 1) * sizeof **out);
    *n = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && *n < limit) {
        store_access_row *r = &(*out)[*n];
        r->at = sqlite3_column_int64(st, 0);
        r->principal = store_col(a, st, 1);
        r->verb = store_col(a, st, 2);
        r->job_id = store_col(a, st, 3);
        r->phone = store_col(a, st, 4);
        r->count = (uint32_t)sqlite3_column_int64(st, 5);
        (*n)++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : store_fail(self);
}

int store_customer_open_jobs(store *self, const char *phone, char *ids, size_t len, unsigned *n)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db,
                           "SELECT id FROM jobs WHERE phone = ?1 AND state NOT IN (8, 10)"
                           " ORDER BY number",
                           -1, &st, NULL)
        != SQLITE_OK)
        return store_fail(self);
    store_bind_text(st, 1, phone);
    *n = 0;
    ids[0] = 0;
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        size_t used = strlen(ids);
        if (used + 32 < len)
            snprintf(ids + used, len - used, "%s%s", *n ? ", " : "",
                     (const char *)sqlite3_column_text(st, 0));
        (*n)++;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : store_fail(self);
}

/* Runs one forget statement (?1 = the phone); adds the rows changed to *count. */
static int s_forget_step(store *self, const char *sql, const char *phone, uint32_t *count)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(self->db, sql, -1, &st, NULL) != SQLITE_OK)
        return store_fail(self);
    store_bind_text(st, 1, phone);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return store_fail(self);
    if (count)
        *count += (uint32_t)sqlite3_changes(self->db);
    return 0;
}

/* The closed and cancelled jobs of customer ?1 (before their phone is erased). */
#define FORGET_JOBS "(SELECT id FROM jobs WHERE phone = ?1 AND state IN (8, 10))"

int store_customer_forget(store *self, const char *phone, uint32_t *jobs, uint32_t *notifications,
                          bool *customer, uint32_t *access_rows)
{
    *jobs = *notifications = *access_rows = 0;
    uint32_t deleted = 0;
    /* freed space is overwritten, so that the erased text is not left in
       the file's free pages (for this connection, during the erasure only) */
    sqlite3_exec(self->db, "PRAGMA secure_delete = ON", NULL, NULL, NULL);
    int rc = -1;
    /* free text goes; what the KPI report reads stays: the reason
       prefixes it counts (kpi.c), and every server-written event */
    if (s_forget_step(self,
                      "UPDATE job_events SET reason = CASE"
                      " WHEN substr(reason, 1, 10) = 'reassigned' THEN 'reassigned'"
                      " WHEN substr(reason, 1, 9) = 'at risk: ' THEN 'at risk: '"
                      " WHEN substr(reason, 1, 10) = 'breached: ' THEN 'breached: '"
                      " WHEN substr(reason, 1, 10) = 'goodwill: ' THEN 'goodwill: '"
                      " WHEN substr(reason, 1, 12) = 'fee waived: ' THEN 'fee waived: '"
                      " WHEN substr(reason, 1, 18) = 'waiver requested: ' THEN 'waiver requested: '"
                      " WHEN substr(reason, 1, 15) = 'offer withdrawn' THEN 'offer withdrawn'"
                      " WHEN substr(reason, 1, 6) = 'rated ' THEN substr(reason, 1, 9)"
                      " ELSE '' END WHERE actor != 'system' AND job_id IN " FORGET_JOBS,
                      phone, NULL)
            < 0
        || s_forget_step(self,
                         "UPDATE care_followups SET cause = CASE WHEN instr(cause, ':') > 0"
                         " THEN substr(cause, 1, instr(cause, ':') - 1) ELSE cause END, outcome = ''"
                         " WHERE job_id IN " FORGET_JOBS,
                         phone, NULL)
               < 0
        || s_forget_step(self, "UPDATE care_goodwill SET reason = '' WHERE job_id IN " FORGET_JOBS, phone,
                         NULL)
               < 0
        || s_forget_step(self,
                         "UPDATE care_waivers SET reason = '', decision_reason = ''"
                         " WHERE job_id IN " FORGET_JOBS,
                         phone, NULL)
               < 0
        || s_forget_step(self,
                         "UPDATE notifications SET phone = '', customer_name = '', text = '',"
                         " last_error = CASE WHEN status = 0 THEN 'customer data erased' ELSE '' END,"
                         " status = CASE WHEN status = 0 THEN 2 ELSE status END"
                         " WHERE job_id IN " FORGET_JOBS " OR phone = ?1",
                         phone, notifications)
               < 0
        /* remembered answers hold job views: those naming the customer go */
        || s_forget_step(self, "DELETE FROM dedup WHERE instr(reply, CAST(?1 AS BLOB)) > 0", phone, &deleted)
               < 0
        || s_forget_step(self, "UPDATE access_log SET phone = '' WHERE phone = ?1", phone, access_rows) < 0
        /* the customer's links to their erased jobs stop working */
        || s_forget_step(self, "DELETE FROM job_links WHERE job_id IN " FORGET_JOBS, phone, NULL) < 0
        || s_forget_step(self,
                         "UPDATE jobs SET phone = '', customer_name = '', address = '', problem = '',"
                         " rating_comment = '', lat = 0, lon = 0 WHERE phone = ?1 AND state IN (8, 10)",
                         phone, jobs)
               < 0)
        goto done;
    uint32_t gone = 0;
    if (s_forget_step(self, "DELETE FROM customers WHERE phone = ?1", phone, &gone) < 0)
        goto done;
    *customer = gone > 0;
    /* the copies in memory may hold what was erased */
    jobrows_clear(self->rows);
    jobrows_clear(self->scratch);
    rc = 0;
done:
    sqlite3_exec(self->db, "PRAGMA secure_delete = OFF", NULL, NULL, NULL);
    return rc;
}
