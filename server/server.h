/*  server.h — what the modules of fsd-server share: the world the one
    loop owns, and the functions each module offers the others.

    One thread owns everything (Redis-style): the loop drains the ROUTER,
    runs each message through decode → authorize → handle inside one
    SQLite transaction per batch, commits once, then sends the replies and
    the offers the batch produced. Memory is changed as handlers go; if the
    commit fails, the open jobs and sessions are reloaded from the database,
    so memory never holds what the disk does not. Reference data (loads)
    is read back from the database after the commit that stored it. */
#ifndef FSD_SERVER_H
#define FSD_SERVER_H

#include <stdbool.h>
#include <stdint.h>
#include "fsd.pb-c.h"
#include "fsd/arena.h"
#include "fsd/domain.h"
#include "fsd/geo.h"
#include "fsd/keys.h"
#include "fsd/match.h"
#include "fsd/pheap.h"
#include "fsd/sla.h"
#include "fsd/strmap.h"
#include "fsd/template.h"
#include "fsd/tzone.h"
#include "store.h"

/* ------------------------------------------------------------ config */
/* Customer notifications (i5-notify, see notify.c and notify_send.c). */
typedef struct {
    bool off;                      /* --no-notify: nothing is queued or sent */
    const char *cmd;               /* --notify-cmd: run with the message on stdin; NULL = file */
    const char *file;              /* --notify-file: the default sender appends here */
    int timeout_ms;                /* a command running longer is killed (a failed attempt) */
    int max_inflight;              /* commands running at once */
    int retry_ms;                  /* first retry after this, doubling */
    int retry_max_ms;              /* ... up to this */
    int attempts;                  /* after this many failed attempts: failed */
} notify_config;

typedef struct {
    const char *data_dir;          /* fsd.db and keys/ live here */
    const char *listen;            /* tcp://127.0.0.1:7700 */
    int heartbeat_ms;              /* agents beat this often */
    int offline_after;             /* missed beats before "offline" */
    int offer_ttl_ms;              /* how long an offer stands */
    double assign_sla_min[3];      /* by priority: minutes to assign */
    double arrive_sla_min[3];      /* by priority: minutes to arrive */
    int dedup_days;                /* remembered answers are kept this long */
    int close_after_ms;            /* completed → closed without rating */
    int batch_max;                 /* messages per transaction */
    int io_threads;                /* libzmq I/O threads (CURVE, TCP) */
    double neighbour_km;           /* boundaries this close make neighbours */
    match_config match;
    int64_t waive_limit_cents;     /* i5-care: fee waivers up to this apply at once */
    const char *care_contact;      /* i5-care: whom a blocked customer is referred to */
    double fix_sla_min[3];         /* i5-sla: by priority: minutes to complete */
    unsigned window_capacity;      /* jobs per technician in overlapping windows (0: 2) */
    notify_config notify;          /* i5-notify */
} server_config;

/* ------------------------------------------------------------- world */
typedef struct {
    Fsd__TerritoryRow *row;        /* id, name, tz, rings (owned) */
    geo_ring *rings;
    geo_point **ring_pts;
    geo_poly poly;
    int *neighbours;               /* indexes into territories */
    size_t n_neighbours;
    int *reach;                    /* technicians covering it or a neighbour */
    size_t n_reach;
    uint64_t near_mask;            /* bits of itself and its neighbours (masks) */
} territory;

typedef struct {
    Fsd__ProviderRow *row;         /* id, name, brands, territories (owned) */
} provider;

typedef struct technician {
    /* what a match reads first, kept together at the front */
    geo_point pos;                 /* last known position */
    uint64_t cover_mask;           /* bit per territory covered (masks) */
    uint32_t seen;                 /* match_epoch of the last match that judged it */
    uint32_t skills;               /* bit i: category_list()[i] */
    uint32_t load;                 /* derived from open jobs */
    uint32_t recent;               /* jobs assigned so far */
    uint32_t capacity;             /* row->capacity */
    bool online;
    shift shift;
    provider *provider;
    int index;
    Fsd__TechnicianRow *row;       /* reference data (owned) */
    int *territories;              /* indexes; [0] is home */
    size_t n_territories;
    /* runtime, kept across reloads */
    int64_t pos_at;
    int64_t last_seen;
    /* session (mirrors the sessions table) */
    uint64_t out_seq;              /* last sequence number given */
    uint64_t out_sent;             /* last sent on this connection */
    uint64_t out_acked;            /* acknowledged by the agent */
    uint64_t in_seq;               /* last report applied */
    bool session_dirty;            /* seqs changed in this batch, row not yet written */
    size_t rid_len;
    uint8_t rid[256];              /* latest ROUTER routing id from its key */
    /* a live session taken over by another connection (session.c) */
    uint8_t prev_rid[256];         /* the routing id before the latest move */
    size_t prev_rid_len;
    int64_t prev_seen;             /* last message from prev_rid */
    bool just_moved;               /* the message being handled moved the rid */
    uint8_t gone_rid[256];         /* told Superseded: its messages are refused */
    size_t gone_rid_len;
    char device_id[65];            /* the session's last Hello's device id */
    bool resync_due;               /* a JobSnapshot follows this Welcome (restored database) */
} technician;

typedef struct {
    char pub[41];
    char *name;
    role role;
    char *technician_id;
    /* privacy: the scope of a dispatcher's key (privacy.c); NULL when
       unscoped. scope_territories is ",a,b,": the territories given, else
       the provider's contracted ones */
    char *scope_provider;
    char *scope_territories;
} principal;

/* What a job's views show that matching does not need: fixed at intake,
   kept in one block (jobview.c). */
typedef struct {
    const char *phone, *customer_name, *tier, *address;
    const char *brand, *serial, *model, *problem;
} job_text;

typedef struct job {
    char id[24];
    job_state state;
    int territory;
    geo_point at;
    int category;
    const char *brand;             /* text.brand */
    job_text text;                 /* in one block, owned (jobview.c) */
    uint64_t version;              /* the row's version: grows with state, holder, territory, rating */
    warranty_status warranty;
    priority prio;
    int64_t created_at, assign_by, arrive_by, offer_expires_at;
    int64_t close_at;              /* completed: closes unrated at this time */
    technician *tech;              /* offered to / held by */
    int *declined;                 /* technician indexes */
    size_t n_declined;
    bool spill;                    /* already widened to neighbours */
    int risk;                      /* SLA flagged at risk: 1 assign-by, 2 arrive-by */
    int64_t due;                   /* next deadline the timers act on */
    size_t timer_slot, wait_slot;  /* positions in srv->timers, srv->waiting */
    bool moved;                    /* on srv->moved: rescheduled before the heaps are read */
    bool goodwill;                 /* i5-care: treated as covered (matching needs authorisation) */
    /* i5-sla: the SLA decided at intake (server/sla.c) and the flags raised */
    int64_t fix_by;                /* 0: none (jobs from before SLA policies) */
    int64_t sla_start;             /* the SLA clock started here (reported_at) */
    int64_t risk_at[SLA_N];        /* at risk from, per deadline */
    unsigned sla_flags;            /* SLA_RISK(d) | SLA_BREACH(d) raised so far */
    char sla_policy[41];           /* policy id, or "default" */
    sla_clock sla_clock;
    priority urgency;              /* as asked at intake */
    bool priority_tier;            /* the customer's tier is priority */
    int64_t win_start, win_end;    /* appointment window asked (UTC ms), 0 when none */
} job;

typedef struct {
    uint8_t *rid;
    size_t rid_len;
    uint8_t *data;
    size_t len;
    technician *tech;              /* for sequenced messages: may be re-routed */
    uint64_t seq;
} outgoing;

enum {
    C_RECEIVED, C_MALFORMED, C_TOO_LARGE, C_BAD_VERSION, C_UNKNOWN, C_FORBIDDEN,
    C_INVALID, C_DUPLICATE, C_ZAP_REFUSED, C_BATCHES, C_COMMIT_FAILED, C_REQUESTS,
    C_REFUSED, C_OFFERS, C_ACCEPTS, C_DECLINES, C_EXPIRIES, C_ESCALATIONS,
    C_REASSIGNS, C_OFFLINE, C_SEND_FAILED,
    C_REJECTED,                    /* every error reply, whatever its code */
    C_CONFLICT, C_NOT_FOUND, C_COUNT_
};

typedef struct server {
    server_config cfg;
    store *store;
    void *ctx, *router, *zap;
    fsd_keypair keys;
    int64_t started_at;
    volatile int stop;

    territory *territories;
    size_t n_territories;
    provider *providers;
    size_t n_providers;
    technician *techs;
    size_t n_techs;
    strmap *territory_by_id, *provider_by_id, *tech_by_id;
    strmap *principals;            /* by public key */
    strmap *jobs;                  /* open jobs by id */
    pheap timers;                  /* open jobs with a deadline, soonest first */
    pheap waiting;                 /* jobs in state new, by priority and assign-by */
    int64_t liveness_at;           /* last sweep for silent technicians */
    geo_grid *grid;                /* technicians by position */
    bool masks;                    /* <= 64 territories: coverage as bit masks */
    uint32_t match_epoch;          /* stamps technicians judged by one match */
    uint32_t recent_floor;         /* no technician has fewer recent jobs */
    long job_number;

    arena *arena;                  /* this batch's replies */
    outgoing *out;
    size_t n_out, cap_out;
    bool reload_reference;         /* a load committed: re-read reference data */
    bool queue_dirty;              /* something may let a waiting job match */
    job **moved;                   /* jobs changed since the heaps were last brought up to date */
    size_t n_moved, cap_moved;
    /* storage failing (disk full, I/O error, locked): see loop.c */
    bool storage_failing;
    bool resting;                  /* this batch refuses changes, runs no timers */
    int64_t storage_retry_at;
    int storage_backoff_ms;
    int64_t dedup_pruned_at;       /* last prune of old remembered answers */
    technician **dirty_sessions;   /* written once per batch: session_flush */
    size_t n_dirty_sessions, cap_dirty_sessions;
    uint64_t counters[C_COUNT_];
    struct sla_state *sla;         /* i5-sla: policies and working hours (server/sla.c) */
    struct notifier *notifier;     /* i5-notify: the sender (NULL: none runs) */
    struct keyring *keyring;       /* keys in use: last seen, connections, revoked (keyring.c) */
    volatile int reopen;           /* SIGHUP seen: reopen the log file (rotation) */
    struct backup *backup;         /* the online backup running or last finished (backup.c) */
    uint64_t generation;           /* the database's identity (store_generation), sent in Welcome */
    int64_t bookkept_at;           /* last commit of reads' bookkeeping (loop.c s_bookkeeping) */
} server;

/* A request as the handlers see it. */
typedef struct {
    server *srv;
    const principal *who;
    const Fsd__Envelope *req;
    Fsd__Envelope *reply;          /* body set by the handler */
    arena *a;
    const uint8_t *rid;            /* the requester's routing id: for an answer given later */
    size_t rid_len;
} call;

/* keyring.c: the keys in use. */
typedef struct keyring keyring;
keyring *keyring_new(void);
void keyring_destroy(keyring **self_p);
/* Loads the revoked keys (at start). */
int keyring_load(server *srv);
/* A message from key pub arrived on source fd (ZMQ_SRCFD, -1: unknown). */
void keyring_seen(keyring *self, const char *pub, int fd, int64_t now);
/* Last message from the key since the server started (0: none). */
int64_t keyring_last_seen(const keyring *self, const char *pub);
/* Writes last-seen times that moved, at most once a minute per key. */
int keyring_flush(server *srv, int64_t now);
/* Key pub was revoked in this batch: its connections are cut after the commit. */
void keyring_revoke(keyring *self, const char *pub, const char *name);
/* The name of a revoked key, NULL when pub is not revoked. */
const char *keyring_revoked_name(const keyring *self, const char *pub);
/* After the commit: shuts the connections of the keys revoked; returns how many. */
size_t keyring_cut(keyring *self);
/* The batch failed: its revocations did not happen. */
void keyring_forget(keyring *self);
/* Whether a Hello carrying device_id is another connection taking over
   t's live session (its previous connection spoke within window_ms). */
bool keyring_takeover(const struct technician *t, const char *device_id, int64_t now, int64_t window_ms);

/* world.c */
int world_load_reference(server *srv, char *err, size_t errlen);
int world_load_jobs(server *srv);
void world_free(server *srv);
territory *world_territory(server *srv, const char *id);
int world_territory_at(server *srv, geo_point p);
technician *world_tech(server *srv, const char *id);
int world_category(const char *name);
bool world_tech_covers(const technician *t, int territory);
/* Whether t covers territory `terr` (*own) or one of its neighbours. */
bool world_tech_reaches(server *srv, const technician *t, int terr, bool *own);
/* Lowest recent-jobs count over the fleet (recent only grows, so an old
   floor stays a lower bound; refreshed by the timers and on reload). */
void world_recent_floor(server *srv);
/* Tells the grid how much t's load and recent jobs add to its score, in
   km of travel (never within reach while offline or full); called after
   every change of t's online, load or recent. The grid's ring search then
   passes over technicians who cannot beat the best found so far. */
void world_tech_weigh(server *srv, const technician *t);
void world_weigh_all(server *srv);
bool world_provider_authorised(const provider *p, const char *brand);
bool world_tech_in_shift(server *srv, const technician *t, int territory, int64_t now);
job *world_job(server *srv, const char *id);
void world_job_free(job *j);
void world_recount_load(server *srv);
const char *world_actor_name(const principal *who);

/* jobs.c — every state change goes through job_move. It records the move
   (the row, the event, the customer's notification, memory) and marks
   the job moved; dispatch_reschedule files the moved jobs under their new
   deadlines once, before the timers or the queue are next read. */
int job_move(server *srv, job *j, job_state to, const principal *who, technician *tech,
             const char *reason, const char **why);
/* Puts j on the moved list (a new job too). 0, or -1 out of memory. */
int job_mark_moved(server *srv, job *j);
void job_forget_if_done(server *srv, job *j);

/* dispatch.c — matching, offers, timers */
/* One matching decision, before anything is offered or stored. */
typedef struct {
    match_result *res;             /* ranked: res[0] is the pick when eligible > 0 */
    size_t n;                      /* technicians judged, all kept in res */
    size_t considered;             /* technicians considered (the whole fleet) */
    size_t eligible;               /* eligible among those judged */
    bool could_later;              /* someone is excluded only for now */
    uint32_t by_rule[MR_COUNT_];   /* technicians per rule (MR_OK: eligible) */
    uint32_t outranked;            /* left unjudged: distance, load and recent
                                      jobs put them behind the pick */
    struct windows_match *windows; /* the calendar check of a job with a window */
} match_outcome;
/* Gathers, judges and ranks the candidates for j; no side effects.
   0, or -1 out of memory. Free with dispatch_match_free. */
int dispatch_match(server *srv, const job *j, int64_t now, match_outcome *out);
void dispatch_match_free(match_outcome *m);
int dispatch_job(server *srv, job *j, int64_t now);
int dispatch_waiting(server *srv, int64_t now);
int dispatch_timers(server *srv, int64_t now);
/* Files j under its next deadline and, in state new, in the waiting
   queue (after every change of state, offer expiry or risk flag). */
void dispatch_schedule(server *srv, job *j);
/* Takes j out of the timers and the queue (before it is freed). */
void dispatch_unschedule(server *srv, job *j);
/* Empties the timers, the queue and the moved list (before the open jobs
   are reread or freed). */
void dispatch_unschedule_all(server *srv);
/* Files every job moved since the last call (job_mark_moved) under its
   deadlines and queue: the timers and the queue read only after it, so
   each job is rescheduled once per batch however often it moved. */
void dispatch_reschedule(server *srv);
bool dispatch_needs_authorisation(const job *j);
/* Queues a durable Revoked (reason: FSD__REVOKE_REASON__*) for t. */
int dispatch_revoke(server *srv, technician *t, job *j, int why, const char *note);

/* session.c — agent messages and the durable outbox */
int session_push(server *srv, technician *t, Fsd__Envelope *env);
/* Writes the sequence numbers that changed in this batch (one row per
   technician, however many messages it had); call before the commit.
   session_forget drops the list when the batch is rolled back. */
int session_flush(server *srv);
void session_forget(server *srv);
int session_hello(call *c, technician *t);
int session_ack(server *srv, technician *t, uint64_t upto);
void session_resend(server *srv, technician *t, uint64_t after);
/* The routing of t's messages follows its latest connection. Returns 1
   (and moves nothing) when rid is a connection told it was superseded. */
int session_seen(server *srv, technician *t, const uint8_t *rid, size_t rid_len, int64_t now);
int session_report(call *c, technician *t);

void session_position(server *srv, technician *t, const Fsd__Position *p);
/* After a Welcome that said resync: queues a JobSnapshot of what t holds. */
int session_snapshot(server *srv, technician *t, const uint8_t *rid, size_t rid_len);

/* windows.c — appointment windows (i5-windows). A technician's calendar
   is the open jobs with a window it holds (an open offer holds the slot),
   so declines, expiries, revocations, cancels and reassignments free a
   slot by themselves. */
/* Reads the request's window text (empty: none) in the territory's zone
   into *out. 0 ok, 1 refused (an invalid_argument error on "window"). */
int windows_intake(call *c, const char *text, int terr, int64_t now, int64_t *start, int64_t *end);
/* Stores j's window (after the job row). */
int windows_store(server *srv, const job *j);
/* Sets j's deadlines for an appointment window [start, end) after its
   SLA policy decided them (handlers.c intake). */
void windows_deadlines(job *j, int64_t start, int64_t end);
/* Reads the windows of the open jobs back into memory (after a restart). */
int windows_load(server *srv);
/* The calendar check for one match of job j (which has a window). NULL
   when out of memory. */
typedef struct windows_match windows_match;
windows_match *windows_match_new(server *srv, const job *j, int64_t now);
void windows_match_destroy(windows_match **self_p);
/* Whether t's shift covers the job's window (unknown zone: true). */
bool windows_in_shift(windows_match *self, const technician *t);
/* Whether t has room for the job in the window (per-window capacity and
   a feasible order of its day, travel included). */
bool windows_has_room(windows_match *self, const technician *t);
/* Why t failed the shift or room check in this match ("" when it did not). */
const char *windows_detail(const windows_match *self, int tech_index);
/* The job's window as "Tue 2026-11-24 14:00–16:00 Europe/Berlin" into buf. */
const char *windows_text(server *srv, const job *j, char *buf, size_t len);
/* For a dispatcher's assignment: 0 when t has room for j, 1 when not
   (why in buf), -1 out of memory. */
int windows_check_tech(server *srv, const job *j, const technician *t, int64_t now, char *why,
                       size_t len);
/* Notes "booked: <window> <zone>" on j's history, now held by j->tech
   (a job without a window: nothing). */
int windows_booked(server *srv, job *j, const principal *who);

/* handlers.c — intake, dispatch and admin requests */
int handle_request(call *c);

/* care.c — customer care (i5-care): customer show, complaints, follow-ups,
   goodwill and fee waivers */
/* GetCustomer, Complain, CareDecision and FollowUps. */
int care_request(call *c);
/* A technician's WaiveFee (a sequenced report of its session). */
int care_waive(call *c, technician *t);
/* After a rating closed j: a low one opens a follow-up. */
int care_after_rating(call *c, job *j, unsigned stars, const char *comment);
/* Marks the open jobs that have goodwill (after the open jobs were read). */
int care_load_jobs(server *srv);
/* Whom a blocked customer is referred to (--care-contact). */
const char *care_contact(const server *srv);
/* sla.c (i5-sla) — SLA policies and working hours in the world, the
   deadlines decided at intake, the escalations view */
/* Reads the policies and working hours from the store (after the
   territories); 0 or -1 (err set). */
int sla_world_load(server *srv, char *err, size_t errlen);
void sla_world_free(server *srv);
/* The working hours counted for territory `terr` (its own, else the "*"
   row), NULL when none are loaded (then every minute counts). */
const sla_hours *sla_world_hours(server *srv, int terr);
/* Decides the deadlines of a new job in territory `terr` whose SLA clock
   starts at `start`: the most specific policy, else the server's
   defaults for `prio` (24x7). Sets j's assign_by, arrive_by, fix_by,
   sla_start, risk_at, sla_policy and sla_clock. */
void sla_decide(server *srv, job *j, int64_t start);
/* The escalations view (EscalationsRequest). */
int sla_escalations(call *c);
/* Sets up a job read back from the store: its SLA fields, with the
   at-risk instants and flags of jobs from before SLA policies derived. */
void sla_job_restore(job *j, const store_job *sj);
/* notify.c — customer notifications (i5-notify). A notification row is
   written in the transaction of the change that causes it. */
/* After the store has recorded j's move to `to` (held by `after`), before
   j itself changes: queues accepted, en_route, completed or cancelled. */
int notify_job_moved(server *srv, const job *j, job_state to, const technician *after, int64_t now);
/* Queues event e for j (tech: who holds it, may be NULL) when the
   customer's template for it is not "-". 0, or -1 storage failure. */
int notify_job_event(server *srv, const job *j, notify_event e, const technician *tech, int64_t now);
/* LoadTemplates, ListTemplates, ListNotifications. */
int notify_handle(call *c);
/* fsdctl track: the job's notifications into v. */
int notify_attach(call *c, Fsd__JobView *v);
/* fsdctl stats: appends the notification counters to s. */
int notify_stats(call *c, Fsd__StatsView *s);

/* notify_send.c — delivering the outbox, never blocking the loop */
typedef struct notifier notifier;
/* The sender for cfg (the file sender checks that it can write its file);
   NULL with one sentence in err. */
notifier *notify_new(const notify_config *cfg, char *err, size_t errlen);
/* Kills commands still running (their notifications stay pending). */
void notify_destroy(notifier **self_p);
/* From every batch, inside its transaction: reaps finished
   commands, kills those over their time, records each outcome, starts
   what is due. 0, or -1 storage failure. */
int notify_pump(server *srv, int64_t now);
/* Waits for the file sender's batch in hand, if any, and records its
   outcomes in the caller's transaction (the loop's last, on a clean
   stop). 0, or -1 storage failure. */
int notify_settle(server *srv, int64_t now);
/* How long the loop may sleep before notify_pump has something to send
   (1..most ms; `most` with the command sender, which the batches drive). */
int notify_wait_ms(const notifier *self, int64_t now, int most);
/* A notification was queued at `now`: look soon. */
void notify_queued(notifier *self, int64_t now);
/* Counters since start, and commands running now. */
void notify_counts(const notifier *self, uint64_t *queued, uint64_t *sent, uint64_t *retries,
                   uint64_t *failed, uint64_t *in_flight);
/* backup.c — the online backup, copied by a thread of its own while the
   loop serves; the Backup request is answered when the copy is in place. */
/* Handles a Backup request: 0 answered now (an error in c->reply), 2 the
   answer comes from backup_poll once the copy is done. */
int backup_request(call *c);
/* From every turn of the loop: sends the answer of a finished backup. */
void backup_poll(server *srv);
/* How long the loop may sleep while a backup runs (1..most ms). */
int backup_wait_ms(const server *srv, int most);
/* On stop: cancels a running backup (its temporary file removed, its
   requester told) and frees the state. */
void backup_destroy(server *srv);
/* At start: removes the temporary file of a backup that a killed server
   left behind (named in DATA/backup.partial). */
void backup_clean_leftover(const char *data_dir);

/* report.c — the KPI report (i5-kpi): checks the ReportRequest, answers
   with a ReportView; -1 on a storage failure. */
int report_answer(call *c);

/* privacy.c — scopes, intake desks, the access log, erasure */
/* Reads the principals' scopes (after the principals and providers). */
int privacy_load_scopes(server *srv);
void privacy_principal_free(principal *p);
/* Whether who's scope covers a job in territory `territory` held or
   offered by technician_id of provider_id ("" when none). */
bool privacy_in_scope(server *srv, const principal *who, const char *terr, const char *provider_id,
                      const char *technician_id);
bool privacy_tech_in_scope(server *srv, const principal *who, const technician *t);
bool privacy_territory_in_scope(const principal *who, const char *terr);
/* The filter of job lists for who (intake: its own; scoped: its scope). */
void privacy_list_scope(const principal *who, store_scope *out);
/* Before a handler: a request naming a job outside what who may see is
   answered not_found. 0 go on, 1 answered, -1 storage failure. */
int privacy_gate(call *c);
/* After a handler: drops what is outside who's scope from the reply and
   writes the access-log row of a reply showing personal data. */
int privacy_after(call *c);
/* AuditQuery, ForgetCustomer. */
int privacy_request(call *c);
/* The access log's rows waiting for a commit: how many are not yet written
   in the open transaction; write them into it; after the commit (true) or
   the rollback (false), drop the written ones or keep them waiting. */
size_t privacy_access_pending(void);
int privacy_access_write(server *srv);
void privacy_access_settled(bool committed);
/* The scope fields of an AddPrincipal: checked before (0 fine, 1
   refused), stored after store_put_principal (0, -1). */
int privacy_principal_scope(call *c, const Fsd__AddPrincipal *r);
int privacy_principal_store(call *c, const Fsd__AddPrincipal *r);

/* loop.c */
void loop_queue(server *srv, technician *tech, uint64_t seq, const uint8_t *rid, size_t rid_len,
                const uint8_t *data, size_t len);
/* 0 stopped, -1 failed, LOOP_BIND_FAILED: could not listen (errno says why;
   every socket is closed again, so the context terminates at once). */
#define LOOP_BIND_FAILED (-2)
int loop_run(server *srv);
/* The per-message path without sockets: decode → rights → dedup → handle,
   inside the caller's transaction; the reply (an error for a frame that
   does not decode) is queued in srv->out. msg_id (FSD_MSG_ID_MAX + 1
   bytes, may be NULL) receives the request's id when it decoded.
   0 handled or refused, -1 storage failure (roll the batch back). */
int loop_handle_frame(server *srv, const principal *who, const uint8_t *rid, size_t rid_len,
                      const void *data, size_t len, int64_t now, char *msg_id);
void call_error(call *c, Fsd__ErrorCode code, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
