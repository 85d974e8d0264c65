/*  store.h — everything the server keeps on disk, in the domain's terms.

    Only store.c knows SQL (SQLite, WAL, synchronous=FULL, prepared
    statements kept for the connection's life). The rest of the server
    asks it to begin a batch, write these changes, commit once, and to load
    the state to serve from. A second backend would implement this header.

    Reference data (territories, providers, technicians, products) is kept
    as the wire row message that loaded it, under its key; jobs, events,
    declines and sessions are columns, because reports query them.

    Functions return 0 on success and -1 on a storage failure (the batch
    must then be rolled back; store_errmsg says what happened). Lookups
    return 1 found / 0 not found / -1 failure. */
#ifndef FSD_STORE_H
#define FSD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fsd.pb-c.h"
#include "fsd/arena.h"

typedef struct store store;

store *store_open(const char *path, char *err, size_t errlen);
void store_close(store **self_p);
const char *store_errmsg(store *self);

/* One transaction per batch (BEGIN IMMEDIATE ... COMMIT). */
int store_begin(store *self);
/* A deferred transaction for reads only (works while another process
   holds the write lock). */
int store_begin_read(store *self);
/* store_begin that fails at once when another process holds the lock. */
int store_begin_now(store *self);
int store_commit(store *self);
void store_rollback(store *self);
/* Online backup of the whole database into path (SQLite backup API). */
int store_backup(store *self, const char *path);

/* ---- reference data: put replaces by key; each calls fn per stored row */
int store_put_territory(store *self, const Fsd__TerritoryRow *row);
int store_put_provider(store *self, const Fsd__ProviderRow *row);
int store_put_technician(store *self, const Fsd__TechnicianRow *row);
int store_put_product(store *self, const Fsd__ProductRow *row);
int store_put_customer(store *self, const Fsd__CustomerRow *row);
int store_each_territory(store *self, void (*fn)(void *, Fsd__TerritoryRow *), void *arg);
int store_each_provider(store *self, void (*fn)(void *, Fsd__ProviderRow *), void *arg);
int store_each_technician(store *self, void (*fn)(void *, Fsd__TechnicianRow *), void *arg);
/* The product with this serial into *out (free with fsd__product_row__free_unpacked). */
int store_get_product(store *self, const char *serial, Fsd__ProductRow **out);
/* The customer with this phone, strings in the arena. */
int store_get_customer(store *self, arena *a, const char *phone, Fsd__CustomerRow **out);

/* ---- principals (CURVE public keys) */
int store_put_principal(store *self, const char *pub, const char *name, int role,
                        const char *technician_id, bool *replaced);
int store_each_principal(store *self,
                         void (*fn)(void *, const char *pub, const char *name, int role,
                                    const char *technician_id),
                         void *arg);

/* ---- jobs */
typedef struct {
    const char *id;
    int state;
    const char *territory;
    const char *phone, *customer_name, *tier, *address;
    double lat, lon;
    const char *brand, *category, *serial, *model, *problem;
    int warranty, priority;
    int64_t created_at, assign_by, arrive_by;
    const char *technician_id, *provider_id;
    int64_t offer_expires_at;
    int at_risk;                   /* 0, or the SLA flagged: 1 assign-by, 2 arrive-by */
} store_job;

/* Highest job number used so far (jobs are J000001, J000002 ...). */
int store_last_job_number(store *self, long *out);
int store_job_insert(store *self, const store_job *job, long number);
/* Records the job's state, holder and offer expiry after a transition. */
int store_job_set_state(store *self, const char *id, int state, const char *technician_id,
                        const char *provider_id, int64_t offer_expires_at, int64_t now);
int store_job_set_territory(store *self, const char *id, const char *territory);
int store_job_set_rating(store *self, const char *id, int stars, const char *comment);
/* Records which SLA deadline of the job was flagged at risk (1 assign-by,
   2 arrive-by); job_risk_current says whether that flag still applies to
   a job in `state`. */
int store_job_set_risk(store *self, const char *id, int at_risk);
bool job_risk_current(int at_risk, int state);
/* The append-only history. */
int store_event_append(store *self, const char *job_id, int64_t at, const char *actor,
                       int from, int to, const char *technician_id, const char *reason);
/* 1 when the job's history names the technician (it was offered or held
   the job at some point), 0 when not. */
int store_job_had_technician(store *self, const char *job_id, const char *technician_id);
/* A decline (expired = the offer timed out or its holder went offline). */
int store_decline_put(store *self, const char *job_id, const char *technician_id,
                      int reason, bool expired, int64_t at);
/* Calls fn for every job not closed or cancelled (completed ones wait for
   a rating), oldest first. */
int store_each_open_job(store *self, void (*fn)(void *, const store_job *), void *arg);
int store_each_decline(store *self, void (*fn)(void *, const char *job_id, const char *tech), void *arg);
/* A job as a view (strings in the arena); history when asked. */
int store_job_view(store *self, arena *a, const char *id, bool history, Fsd__JobView **out);
/* Jobs matching the filter (empty/0 fields match all), newest first. */
int store_job_list(store *self, arena *a, const char *territory, int state,
                   const char *technician_id, const char *phone, unsigned limit,
                   Fsd__JobView ***out, size_t *n);
/* Last match decision of a job, as an encoded Explanation. */
int store_match_put(store *self, const char *job_id, const uint8_t *blob, size_t len);
int store_match_get(store *self, arena *a, const char *job_id, uint8_t **blob, size_t *len);

/* ---- exactly-once effect */
int store_dedup_get(store *self, arena *a, const char *principal, const char *msg_id,
                    uint8_t **reply, size_t *len);
/* Forgets at most max remembered answers older than before. */
int store_dedup_prune(store *self, int64_t before, unsigned max, unsigned *deleted);
int store_dedup_put(store *self, const char *principal, const char *msg_id, int64_t at,
                    const uint8_t *reply, size_t len);

/* ---- agent sessions and the server's durable outbox */
int store_session_get(store *self, const char *technician_id, uint64_t *out_seq,
                      uint64_t *in_seq);
int store_session_put(store *self, const char *technician_id, uint64_t out_seq, uint64_t in_seq);
int store_outbox_put(store *self, const char *technician_id, uint64_t seq,
                     const uint8_t *env, size_t len);
/* Deletes every message up to and including upto. */
int store_outbox_ack(store *self, const char *technician_id, uint64_t upto);
/* Calls fn for messages with seq > after, in order, at most max of them. */
int store_outbox_each(store *self, const char *technician_id, uint64_t after, unsigned max,
                      void (*fn)(void *, uint64_t seq, const uint8_t *env, size_t len), void *arg);

/* ---- reports */
typedef struct {
    uint64_t requests, assigned, escalations, offers, declines, expiries, reassignments, ratings;
    uint64_t by_state[11], by_warranty[5], decline_reasons[6];
    double rating_sum;
    double *assign_s;   /* seconds from creation to first assignment, ascending */
    size_t n_assign;
} store_report;
/* Figures for jobs created in [from, to) from the jobs and the event log;
   assign_s allocated in the arena. Superseded by store_kpi_jobs (i5-kpi):
   the report no longer calls it. */
int store_report_compute(store *self, arena *a, int64_t from, int64_t to, store_report *out);

/* ---- KPI report (i5-kpi) */
/* The rows the KPI report needs for the period [from, to) (to 0: no end),
   everything in the arena: every job created in it with its events (in
   the order written, reasons cut to 32 characters) and declines, then
   every job created at or after `to` with the serial of one of them
   (id, serial and created_at only: later requests for the same product).
   Read through indexes (jobs_created, job_events_job, the declines key,
   jobs_serial_created): a period costs its own jobs, not the table. */
struct kpi_job;   /* fsd/kpi.h */
int store_kpi_jobs(store *self, arena *a, int64_t from, int64_t to, struct kpi_job **out,
                   size_t *n);

#endif
