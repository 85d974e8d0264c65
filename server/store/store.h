/*  store.h — everything the server keeps on disk, in the domain's terms.

    Only the files of server/store/ know SQL (SQLite, WAL,
    synchronous=FULL, prepared statements kept for the connection's life).
    The rest of the server asks it to begin a batch, write these changes,
    commit once, and to load the state to serve from. A second engine
    would implement this header; tests/unit/test_store.c is what it must
    pass.

    Rows cross this header as plain C: reference data (territories,
    providers, technicians, products, SLA policies, working hours) as the
    encoded row that loaded it, under its key (refrows.h encodes and
    decodes above the store); everything else as columns, because reports
    query them. Nothing here is a wire type: views are built above.

    Functions return 0 on success and -1 on a storage failure (the batch
    must then be rolled back; store_errmsg says what happened). Lookups
    return 1 found / 0 not found / -1 failure. */
#ifndef FSD_STORE_H
#define FSD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
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
/* The database's file name (for a second connection: store_backup_copy). */
const char *store_filename(store *self);
/* Copies the committed database in db_file into dst (an empty file that
   exists), on a connection of its own, so any thread may run it while the
   loop writes: one read transaction for the whole copy is the snapshot
   (WAL: the writer goes on, the copy never restarts), taken in steps of
   `pages` pages with pause_ms between them; *cancel set stops it. The
   copy is left in rollback-journal mode, ready to open alone. 0, or -1
   with one sentence in err. */
int store_backup_copy(const char *db_file, const char *dst, int pages, int pause_ms,
                      const volatile int *cancel, char *err, size_t errlen);

/* ---- reference data. Territories, providers, technicians, products, SLA
   policies and working hours are kept as the encoded row that loaded them
   (the store does not read inside it; refrows.h encodes and decodes) under
   its key: the id, a product's serial, working hours' territory. put
   replaces by key; each calls fn per stored row in key order (key and row
   valid during the call only); get copies the row into the arena (1 found,
   0 not, -1); clear forgets every row of the kind. */
typedef enum {
    STORE_REF_TERRITORY,
    STORE_REF_PROVIDER,
    STORE_REF_TECHNICIAN,
    STORE_REF_PRODUCT,
    STORE_REF_SLA_POLICY,
    STORE_REF_WORKING_HOURS,
    STORE_REF_KINDS_
} store_ref_kind;
int store_ref_put(store *self, store_ref_kind kind, const char *key, const uint8_t *row, size_t len);
int store_ref_each(store *self, store_ref_kind kind,
                   void (*fn)(void *, const char *key, const uint8_t *row, size_t len), void *arg);
int store_ref_get(store *self, arena *a, store_ref_kind kind, const char *key, uint8_t **row, size_t *len);
int store_ref_clear(store *self, store_ref_kind kind);

/* A customer, by phone (tier "" is stored as "standard"). */
typedef struct {
    const char *phone, *name, *tier;
    bool blocked;
    const char *note;
} store_customer;
int store_put_customer(store *self, const store_customer *row);
/* The customer with this phone into *out, strings in the arena: 1, 0 none, -1. */
int store_get_customer(store *self, arena *a, const char *phone, store_customer *out);

/* ---- principals (CURVE public keys) */
int store_put_principal(store *self, const char *pub, const char *name, int role, const char *technician_id,
                        bool *replaced);
int store_each_principal(store *self,
                         void (*fn)(void *, const char *pub, const char *name, int role,
                                    const char *technician_id),
                         void *arg);
/* A principals row with what is recorded about its use (names are ids of
   at most 40 characters; public keys 40 Z85 characters). */
typedef struct {
    char pub[41];
    char name[64];
    int role;
    char technician_id[64];
    int64_t created_at; /* 0: registered before this was kept */
    int64_t last_seen;  /* written at most once a minute per key */
    int64_t revoked_at; /* 0: valid */
    char revoked_by[64];
} store_key;
/* The key registered under a name (or with this public key): 1 found, 0 not. */
int store_key_get(store *self, const char *name_or_pub, store_key *out);
/* Marks the name's key revoked (its row stays: refused, and listed). */
int store_key_revoke(store *self, const char *name, int64_t at, const char *by);
/* Every key, revoked ones too, by name. */
int store_each_key(store *self, void (*fn)(void *, const store_key *), void *arg);
/* Records a key's last message time (only ever moves forward). */
int store_key_seen(store *self, const char *pub, int64_t at);
/* The key audit trail: "key_revoked", "session_superseded". */
int store_key_event(store *self, int64_t at, const char *event, const char *name, const char *pub,
                    const char *actor);
/* The newest events of one kind since a time, newest first. */
int store_each_key_event(store *self, const char *event, int64_t since, int limit,
                         void (*fn)(void *, int64_t at, const char *name), void *arg);

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
    int at_risk; /* 0, or the SLA flagged: 1 assign-by, 2 arrive-by */
    /* decided at intake, and the flags raised since */
    int64_t fix_by;
    const char *sla_policy; /* policy id, "default" (server settings) */
    int sla_clock;          /* sla_clock: 0 24x7, 1 business */
    int64_t sla_start;      /* the SLA clock started here */
    int64_t risk_at[3];     /* at risk from: assign-by, arrive-by, fix-by */
    unsigned sla_flags;     /* SLA_RISK(d) | SLA_BREACH(d) raised */
    int urgency;            /* as asked: 0/1 normal, 2 high */
    const char *created_by; /* privacy: the submitting principal (insert only; NULL in copies) */
    uint64_t version;       /* grows with every change of the row (JobView.version) */
} store_job;

/* ---- the database's identity */
/* Its generation: a random id made with the database and replaced when it
   is restored from a backup (Welcome.generation). */
int store_generation(store *self, uint64_t *out);
/* Writes a row that only a working disk can commit (a storage probe). */
int store_probe_write(store *self, int64_t now);
/* After a restore: a new generation, and job numbers never again at or
   below job_floor (the highest the replaced database issued); in a
   transaction of its own (none may be open). */
int store_restore_stamp(store *self, uint64_t generation, long job_floor);

/* Highest job number used so far (jobs are J000001, J000002 ...), or the
   floor a restore left when that is higher. */
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
/* the flags raised since intake (SLA_RISK / SLA_BREACH of
   fsd/sla.h); what was decided at intake goes in with store_job_insert. */
int store_job_set_sla_flags(store *self, const char *id, unsigned flags);
/* The append-only history. */
int store_event_append(store *self, const char *job_id, int64_t at, const char *actor, int from, int to,
                       const char *technician_id, const char *reason);
/* 1 when the job's history names the technician (it was offered or held
   the job at some point), 0 when not. */
int store_job_had_technician(store *self, const char *job_id, const char *technician_id);
/* A decline (expired = the offer timed out or its holder went offline). */
int store_decline_put(store *self, const char *job_id, const char *technician_id, int reason, bool expired,
                      int64_t at);
/* Calls fn for every job not closed or cancelled (completed ones wait for
   a rating), oldest first. */
int store_each_open_job(store *self, void (*fn)(void *, const store_job *), void *arg);
int store_each_decline(store *self, void (*fn)(void *, const char *job_id, const char *tech), void *arg);
/* A job's row as read back: the job, and its rating. */
typedef struct {
    store_job job;
    int rating; /* 0: not rated */
    const char *rating_comment;
} store_job_row;
/* One step of a job's history. */
typedef struct {
    int64_t at;
    const char *actor;
    int from, to;
    const char *technician_id, *reason;
} store_event;
/* The job's row, strings in the arena (created_by NULL: store_job_owner). */
int store_job_get(store *self, arena *a, const char *id, store_job_row *out);
/* The job's history in the order written. */
int store_job_events(store *self, arena *a, const char *job_id, store_event **out, size_t *n);
/* Whose jobs a principal may see (privacy). */
typedef struct {
    bool scoped;             /* filter by provider / territories */
    const char *provider;    /* "" none */
    const char *territories; /* ",a,b," */
    const char *created_by;  /* "" any */
} store_scope;
/* Jobs matching the filter (empty/0 fields match all) within a scope
   (NULL: none), newest first, at most limit (0: 100); strings in the arena. */
int store_job_list(store *self, arena *a, const store_scope *scope, const char *territory, int state,
                   const char *technician_id, const char *phone, unsigned limit, store_job_row **out,
                   size_t *n);
/* Last match decision of a job, as an encoded Explanation. */
int store_match_put(store *self, const char *job_id, const uint8_t *blob, size_t len);
int store_match_get(store *self, arena *a, const char *job_id, uint8_t **blob, size_t *len);

/* ---- appointment windows: the window a customer asked for,
   in UTC ms and the place's zone; views carry it (window_*) */
int store_window_put(store *self, const char *job_id, int64_t start, int64_t end, const char *tz);
/* The job's window (tz in the arena): 1, 0 none, -1. */
typedef struct {
    int64_t start, end;
    const char *tz;
} store_window;
int store_window_get(store *self, arena *a, const char *job_id, store_window *out);
/* Calls fn for the window of every job not closed or cancelled. */
int store_each_open_window(store *self, void (*fn)(void *, const char *job_id, int64_t start, int64_t end),
                           void *arg);

/* ---- exactly-once effect */
int store_dedup_get(store *self, arena *a, const char *principal, const char *msg_id, uint8_t **reply,
                    size_t *len);
/* Forgets at most max remembered answers older than before. */
int store_dedup_prune(store *self, int64_t before, unsigned max, unsigned *deleted);
int store_dedup_put(store *self, const char *principal, const char *msg_id, int64_t at, const uint8_t *reply,
                    size_t len);

/* ---- agent sessions and the server's durable outbox */
int store_session_get(store *self, const char *technician_id, uint64_t *out_seq, uint64_t *in_seq);
int store_session_put(store *self, const char *technician_id, uint64_t out_seq, uint64_t in_seq);
int store_outbox_put(store *self, const char *technician_id, uint64_t seq, const uint8_t *env, size_t len);
/* Deletes every message up to and including upto. */
int store_outbox_ack(store *self, const char *technician_id, uint64_t upto);
/* Calls fn for messages with seq > after, in order, at most max of them. */
int store_outbox_each(store *self, const char *technician_id, uint64_t after, unsigned max,
                      void (*fn)(void *, uint64_t seq, const uint8_t *env, size_t len), void *arg);


/* ---- customer care: goodwill, fee waivers, follow-ups. A job's
   view carries all three and the job it is a return visit for (reads of
   a job no care row names cost nothing). Lookups return 1 found / 0 not found / -1 failure. */
/* Goodwill granted on a job. */
typedef struct {
    int64_t at;
    const char *by, *reason;
} store_goodwill;
/* A fee waiver (state as WaiverState: 1 applied, 2 pending, 3 rejected). */
typedef struct {
    int64_t amount_cents;
    const char *currency;
    int state;
    const char *technician_id, *reason;
    int64_t requested_at, decided_at;
    const char *decided_by, *decision_reason;
} store_waiver;
/* A follow-up (kind as FollowUpKind; closed_at 0 while open), with its
   job's customer. */
typedef struct {
    int64_t id;
    const char *job_id, *territory;
    int kind;
    const char *cause;
    int64_t opened_at;
    const char *opened_by;
    int64_t closed_at;
    const char *closed_by, *outcome, *visit_job_id;
    const char *customer_name, *phone;
} store_followup;
int store_care_goodwill_put(store *self, const char *job_id, int64_t at, const char *actor,
                            const char *reason);
int store_care_goodwill_get(store *self, arena *a, const char *job_id, store_goodwill *out);
/* The job a follow-up booked this job as the return visit for: 1 (*job_id
   in the arena), 0 not a return visit, -1. */
int store_care_visit_of(store *self, arena *a, const char *job_id, const char **of_job_id);
/* Calls fn for every open job (not closed or cancelled) with goodwill. */
int store_care_each_open_goodwill(store *self, void (*fn)(void *, const char *job_id), void *arg);
/* A waiver (state: 1 applied, 2 pending, 3 rejected, as WaiverState). */
int store_care_waiver_put(store *self, const char *job_id, const char *technician_id, int64_t cents,
                          const char *currency, const char *reason, int state, int64_t at);
/* Decides the job's pending waiver: 1 decided, 0 none was pending. */
int store_care_waiver_decide(store *self, const char *job_id, int state, int64_t at, const char *by,
                             const char *reason);
/* The job's waivers, oldest first (in the arena). */
int store_care_waivers(store *self, arena *a, const char *job_id, store_waiver **out, size_t *n);
/* Opens a follow-up (kind as FollowUpKind); *id is its number. */
int store_care_followup_open(store *self, const char *job_id, const char *territory, int kind,
                             const char *cause, int64_t at, const char *by, int64_t *id);
/* Closes an open follow-up: 1 closed, 0 unknown or already closed. */
int store_care_followup_close(store *self, int64_t id, int64_t at, const char *by, const char *outcome,
                              const char *visit_job_id);
int store_care_followup_get(store *self, arena *a, int64_t id, store_followup *out);
/* The job's follow-ups, oldest first. */
int store_care_followups_of_job(store *self, arena *a, const char *job_id, store_followup **out, size_t *n);
/* Open follow-ups (all when `all`) of one territory ("" for every one), oldest first. */
int store_care_followup_list(store *self, arena *a, const char *territory, bool all, unsigned limit,
                             store_followup **out, size_t *n);
/* ---- customer notifications: the durable outbox, the
   templates, the customer's language */
typedef struct {
    int64_t id;
    const char *job_id, *event, *phone, *customer_name, *language, *technician_id, *text;
    int64_t created_at;
    int status;      /* 0 pending, 1 sent, 2 failed */
    int attempts;    /* deliveries tried */
    int64_t next_at; /* pending: next attempt due */
    int64_t sent_at;
    const char *last_error;
} store_notification;

/* A new pending notification, due at once (status, attempts, next_at,
   sent_at and last_error are not read); *id receives its id. */
int store_notification_put(store *self, const store_notification *n, int64_t *id);
/* Calls fn for pending notifications that are the oldest pending one of
   their job (a job's messages go out one at a time, in order), soonest
   next_at first, at most max (strings valid during the call only). */
int store_notification_each_pending(store *self, unsigned max, void (*fn)(void *, const store_notification *),
                                    void *arg);
/* Delivered after `attempts` attempts (only while still pending). */
int store_notification_sent(store *self, int64_t id, int attempts, int64_t at);
/* An attempt failed: pending again at next_at, or failed for good. */
int store_notification_retry(store *self, int64_t id, int attempts, int64_t next_at, bool failed,
                             const char *error);
/* The last `limit` notifications (of one job when job_id is not "", of
   one status when status >= 0), oldest first. */
int store_notification_list(store *self, const char *job_id, int status, unsigned limit,
                            void (*fn)(void *, const store_notification *), void *arg);
/* How many are pending and failed, and when the oldest pending was made (0: none). */
int store_notification_summary(store *self, uint64_t *pending, uint64_t *failed, int64_t *oldest_pending);
int store_template_put(store *self, const char *event, const char *language, const char *text);
/* Forgets every stored template. */
int store_template_clear(store *self);
/* The stored text for (event, language) into out: 1 found, 0 not, -1. */
int store_template_get(store *self, const char *event, const char *language, char *out, size_t outlen);
int store_template_each(store *self,
                        void (*fn)(void *, const char *event, const char *language, const char *text),
                        void *arg);
/* The customer's language ("" = the default wording): set, and read (1 found, 0 no such customer). */
int store_customer_set_language(store *self, const char *phone, const char *language);
int store_customer_language(store *self, const char *phone, char *out, size_t outlen);
/* ---- KPI report */
/* The rows the KPI report needs for the period [from, to) (to 0: no end),
   everything in the arena: every job created in it with its events (in
   the order written, reasons cut to 32 characters) and declines, then
   every job created at or after `to` with the serial of one of them
   (id, serial and created_at only: later requests for the same product).
   Read through indexes (jobs_created, job_events_job, the declines key,
   jobs_serial_created): a period costs its own jobs, not the table. */
struct kpi_job; /* fsd/kpi.h */
int store_kpi_jobs(store *self, arena *a, int64_t from, int64_t to, struct kpi_job **out, size_t *n);

/* ---- privacy: scopes, who submitted a job, the access log, erasure */
/* A principal's scope (after store_put_principal, which clears it):
   provider id and territories as ",a,b," ("" none). */
int store_principal_set_scope(store *self, const char *name, const char *provider, const char *territories);
/* Calls fn for every principal with a scope. */
int store_each_principal_scope(store *self,
                               void (*fn)(void *, const char *pub, const char *provider,
                                          const char *territories),
                               void *arg);
/* The job's submitter ("" when not recorded) and phone: 1, 0 no such job, -1. */
int store_job_owner(store *self, const char *id, char *created_by, size_t cb_len, char *phone, size_t ph_len);
/* A row of the access log: who read what, when, how many rows. */
typedef struct {
    int64_t at;
    const char *principal, *verb, *job_id, *phone;
    uint32_t count;
} store_access_row;
int store_access_put(store *self, int64_t at, const char *principal, const char *verb, const char *job_id,
                     const char *phone, unsigned count);
/* Access-log rows, newest first ("" / 0 filters match all). */
int store_access_list(store *self, arena *a, const char *principal, const char *job_id, const char *phone,
                      int64_t since, unsigned limit, store_access_row **out, size_t *n);
/* The customer's open jobs: how many, and their ids ("J1, J2") into ids. */
int store_customer_open_jobs(store *self, const char *phone, char *ids, size_t len, unsigned *n);
/* Erases the customer's personal data from their closed and cancelled
   jobs, notifications, remembered answers and the access log, and
   deletes the customer record; states, times, territories, ratings and
   the event chain stay. */
int store_customer_forget(store *self, const char *phone, uint32_t *jobs, uint32_t *notifications,
                          bool *customer, uint32_t *access_rows);

/* ---- when each technician was first loaded (KPI shift hours) */
/* Records `at` for technician id unless it has a time already. 0 or -1. */
int store_technician_since_put(store *self, const char *id, int64_t at);
/* Calls fn for every technician's first load time (0: before records). */
int store_technician_since_each(store *self, void (*fn)(void *arg, const char *id, int64_t since), void *arg);

/* ---- customer links: the SHA-256 of a job's link token, and the job */
#define STORE_LINK_HASH 32
typedef struct {
    char job_id[24];
    int state;          /* the job's state now */
    int64_t changed_at; /* its last change of state (closed or cancelled: when) */
} store_link;
/* Records the hash of job_id's token (again: nothing changes). 0 or -1. */
int store_link_put(store *self, const uint8_t hash[STORE_LINK_HASH], const char *job_id);
/* The job of a token's hash: 1 found, 0 no such link, -1. */
int store_link_find(store *self, const uint8_t hash[STORE_LINK_HASH], store_link *out);

#endif
