/*  store_int.h — what the store's own files share (not for callers:
    they include store.h only). The connection, its statements by name
    (their SQL in sql.c), the helpers every file uses to run them. */
#ifndef FSD_STORE_INT_H
#define FSD_STORE_INT_H

#include "store.h"
#include "jobrows.h"

#include <sqlite3.h>
#include "fsd/strmap.h"

/* How long a write waits for another process's lock before "unavailable". */
#define BUSY_TIMEOUT_MS 5000
/* Job rows kept in memory: well above the open jobs of a busy day (each
   ~0.5 KB); past it the copies are dropped and read again as needed. */
#define JOB_ROWS_KEPT 200000

enum {
    Q_BEGIN,
    Q_BEGIN_READ,
    Q_COMMIT,
    Q_ROLLBACK,
    Q_PUT_TERRITORY,
    Q_PUT_PROVIDER,
    Q_PUT_TECHNICIAN,
    Q_PUT_PRODUCT,
    Q_PUT_CUSTOMER,
    Q_EACH_TERRITORY,
    Q_EACH_PROVIDER,
    Q_EACH_TECHNICIAN,
    Q_GET_PRODUCT,
    Q_GET_CUSTOMER,
    Q_GET_PRINCIPAL,
    Q_DEL_PRINCIPAL,
    Q_PUT_PRINCIPAL,
    Q_EACH_PRINCIPAL,
    Q_KEY_GET,
    Q_KEY_REVOKE,
    Q_KEY_EACH,
    Q_KEY_SEEN,
    Q_KEY_EVENT,
    Q_KEY_EVENTS,
    Q_LAST_JOB,
    Q_JOB_HAD_TECH,
    Q_JOB_INSERT,
    Q_JOB_STATE,
    Q_JOB_TERRITORY,
    Q_JOB_RATING,
    Q_EVENT,
    Q_DECLINE,
    Q_OPEN_JOBS,
    Q_OPEN_ADD,
    Q_OPEN_DROP,
    Q_DECLINES,
    Q_JOB_VIEW,
    Q_JOB_EVENTS,
    Q_MATCH_PUT,
    Q_MATCH_GET,
    Q_DEDUP_GET,
    Q_DEDUP_PUT,
    Q_SESSION_GET,
    Q_SESSION_PUT,
    Q_OUTBOX_PUT,
    Q_OUTBOX_ACK,
    Q_OUTBOX_EACH,
    Q_JOB_RISK,
    Q_DEDUP_PRUNE,
    /* customer care */
    Q_CARE_GOODWILL_PUT,
    Q_CARE_GOODWILL_GET,
    Q_CARE_GOODWILL_OPEN,
    Q_CARE_WAIVER_PUT,
    Q_CARE_WAIVER_DECIDE,
    Q_CARE_WAIVERS,
    Q_CARE_FOLLOWUP_PUT,
    Q_CARE_FOLLOWUP_CLOSE,
    Q_CARE_FOLLOWUP_GET,
    Q_CARE_FOLLOWUPS_JOB,
    Q_CARE_FOLLOWUPS_LIST,
    Q_CARE_VISIT_OF,
    /* SLA */
    Q_JOB_SLA_FLAGS,
    Q_SLA_POLICY_CLEAR,
    Q_SLA_POLICY_PUT,
    Q_SLA_POLICY_EACH,
    Q_HOURS_CLEAR,
    Q_HOURS_PUT,
    Q_HOURS_EACH,
    /* appointment windows */
    Q_WINDOW_PUT,
    Q_WINDOW_GET,
    Q_WINDOW_OPEN,
    /* customer notifications */
    Q_NOTIFY_PUT,
    Q_NOTIFY_DUE,
    Q_NOTIFY_SENT,
    Q_NOTIFY_RETRY,
    Q_NOTIFY_LIST,
    Q_NOTIFY_LIST_STATUS,
    Q_NOTIFY_LIST_ALL,
    Q_NOTIFY_SUMMARY,
    Q_TEMPLATE_PUT,
    Q_TEMPLATE_CLEAR,
    Q_TEMPLATE_GET,
    Q_TEMPLATE_EACH,
    Q_CUSTOMER_LANG_SET,
    Q_CUSTOMER_LANG_GET,
    Q_KPI_JOBS_FIX,
    Q_KPI_JOBS,
    Q_KPI_LATER,
    Q_KPI_EVENTS,
    Q_KPI_DECLINES,
    /* privacy */
    Q_ACCESS_PUT,
    Q_JOB_CREATOR,
    Q_META_GET,
    Q_META_PUT,
    /* reference rows of every kind read and cleared alike (ref_rows.c) */
    Q_EACH_PRODUCT,
    Q_GET_TERRITORY,
    Q_GET_PROVIDER,
    Q_GET_TECHNICIAN,
    Q_GET_SLA_POLICY,
    Q_GET_HOURS,
    Q_CLEAR_TERRITORIES,
    Q_CLEAR_PROVIDERS,
    Q_CLEAR_TECHNICIANS,
    Q_CLEAR_PRODUCTS,
    /* customer links */
    Q_LINK_PUT,
    Q_LINK_FIND,
    Q_TECH_SINCE_PUT,
    Q_TECH_SINCE_EACH,
    Q_COUNT_
};

/* Column lists of statements in sql.c and of the queries job_views.c builds. */
/* A follow-up with its job's customer. */
#define CARE_FOLLOWUP_COLUMNS                                                                       \
    "f.id, f.job_id, f.territory, f.kind, f.cause, f.opened_at, f.opened_by, f.closed_at,"          \
    " f.closed_by, f.outcome, f.visit_job_id, COALESCE(j.customer_name, ''), COALESCE(j.phone, '')" \
    " FROM care_followups f LEFT JOIN jobs j ON j.id = f.job_id"

#define JOB_COLUMNS                                                                         \
    "id, state, territory, phone, customer_name, tier, address, lat, lon, brand, category," \
    " serial, model, problem, warranty, priority, created_at, assign_by, arrive_by,"        \
    " technician_id, provider_id, offer_expires_at, rating, rating_comment, at_risk"
/* always right after JOB_COLUMNS (store_job_from_row reads them by position) */
#define JOB_SLA_COLUMNS                                                                        \
    ", fix_by, sla_policy, sla_clock, sla_start, assign_risk_at, arrive_risk_at, fix_risk_at," \
    " sla_flags, urgency"

/* the view's order: always right after JOB_SLA_COLUMNS (column 34) */
#define JOB_VERSION_COLUMN ", version"

#define NOTIFY_COLUMNS                                                                    \
    "id, job_id, event, phone, customer_name, language, technician_id, text, created_at," \
    " status, attempts, next_at, sent_at, last_error"
/* the columns the KPI report reads of a job */
#define KPI_JOB_COLUMNS                                                                     \
    "id, territory, provider_id, technician_id, tier, serial, warranty, state, created_at," \
    " assign_by, arrive_by, rating"

/* The SQL of each statement (sql.c). */
extern const char *const store_sql[Q_COUNT_];

struct store {
    sqlite3 *db;
    sqlite3_stmt *stmt[Q_COUNT_];
    /* jobs with rows in side tables (flags SIDE_*): only their views pay
       the extra reads (a view is built for nearly every message) */
    strmap *side_jobs;
    /* the rows of open jobs as last written or read (jobrows.h), and
       the one closed job's row read last */
    jobrows *rows, *scratch;
    /* notification wording, read for every message sent to a customer:
       templates kept in memory once read (NULL: read them again), and
       whether any customer has a language (-1: not known yet) */
    strmap *templates;
    int languages_used;
    char err[256];
};

/* Jobs with rows in side tables (struct store's side_jobs). */
enum { SIDE_CARE = 1, SIDE_WINDOW = 2 };

/* The statement for q, prepared on first use and reset for reuse. */
sqlite3_stmt *store_stmt(store *self, int q);
/* Runs a statement that returns no rows; 0 or -1. */
int store_done(store *self, sqlite3_stmt *st);
/* Records the connection's last error for store_errmsg; returns -1. */
int store_fail(store *self);
/* Open: every state but closed (8) and cancelled (10), as in Q_OPEN_JOBS. */
bool store_state_open(int state);
void store_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Column i as a string copied into the arena. */
char *store_col(arena *a, sqlite3_stmt *st, int i);
/* Copies the blob of column 0 of the single-row query st into the arena. */
int store_blob_get(store *self, arena *a, sqlite3_stmt *st, uint8_t **blob, size_t *len);
/* Marks a job as having rows in a side table (idempotent). */
int store_side_mark(store *self, const char *job_id, uintptr_t flag);
int store_care_mark(store *self, const char *job_id);
bool store_has_side(store *self, const char *job_id, uintptr_t flag);
/* Forgets the templates kept in memory (read again on next use). */
void store_templates_forget(store *self);
/* Fills a store_job / jobrow from a row of JOB_COLUMNS JOB_SLA_COLUMNS
   (strings point into the statement). */
void store_job_from_row(sqlite3_stmt *st, store_job *j);
void store_jobrow_from_row(sqlite3_stmt *st, jobrow *r);
/* Applies the migrations the file has not seen yet (schema.c). */
int store_migrate(store *self);

#endif
