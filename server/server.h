/*  server.h — the world the one loop owns, which every module of
    fsd-server shares: the configuration, territories, providers,
    technicians, principals, open jobs and the server itself. What each
    module offers the others is in its own header (world.h, dispatch.h,
    session.h, verbs.h, reply.h, ...).

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
#include "reply.h"
#include "store.h"

/* ------------------------------------------------------------ config */
/* Customer links (link.c). */
typedef struct {
    const char *base;   /* --portal-url: a link is BASE/TOKEN; NULL: no links sent */
    int days;           /* --link-days: a link works this long after the job closed */
    int fail_limit;     /* --link-fail-limit: failed lookups a minute before rate_limited */
    uint8_t secret[32]; /* DATA/link.key: tokens are keyed hashes of job ids under it */
} link_config;

/* Customer notifications (see notify.c and notify_send.c). */
typedef struct {
    bool off;                /* --no-notify: nothing is queued or sent */
    const char *cmd;         /* --notify-cmd: run with the message on stdin; NULL = file */
    const char *file;        /* --notify-file: the default sender appends here */
    int timeout_ms;          /* a command running longer is killed (a failed attempt) */
    int max_inflight;        /* commands running at once */
    int retry_ms;            /* first retry after this, doubling */
    int retry_max_ms;        /* ... up to this */
    int attempts;            /* after this many failed attempts: failed */
    const link_config *link; /* fills in the customers' links when a message goes out */
} notify_config;

typedef struct {
    const char *data_dir;     /* fsd.db and keys/ live here */
    const char *listen;       /* tcp://127.0.0.1:7700 */
    int heartbeat_ms;         /* agents beat this often */
    int offline_after;        /* missed beats before "offline" */
    int offer_ttl_ms;         /* how long an offer stands */
    double assign_sla_min[3]; /* by priority: minutes to assign */
    double arrive_sla_min[3]; /* by priority: minutes to arrive */
    int dedup_days;           /* remembered answers are kept this long */
    int close_after_ms;       /* completed → closed without rating */
    int batch_max;            /* messages per transaction */
    int io_threads;           /* libzmq I/O threads (CURVE, TCP) */
    double neighbour_km;      /* boundaries this close make neighbours */
    match_config match;
    int64_t waive_limit_cents; /* fee waivers up to this apply at once */
    const char *care_contact;  /* whom a blocked customer is referred to */
    double fix_sla_min[3];     /* by priority: minutes to complete */
    unsigned window_capacity;  /* jobs per technician in overlapping windows (0: 2) */
    notify_config notify;      /* customer notifications */
    link_config link;          /* customer links */
    int watch_lease_ms;        /* a live subscription not renewed within this is dropped */
    int watch_backlog;         /* live events kept for watchers that resume */
} server_config;

/* ------------------------------------------------------------- world */
typedef struct {
    Fsd__TerritoryRow *row; /* id, name, tz, rings (owned) */
    geo_ring *rings;
    geo_point **ring_pts;
    geo_poly poly;
    int *neighbours; /* indexes into territories */
    size_t n_neighbours;
    int *reach; /* technicians covering it or a neighbour */
    size_t n_reach;
    uint64_t near_mask; /* bits of itself and its neighbours (masks) */
} territory;

typedef struct {
    Fsd__ProviderRow *row; /* id, name, brands, territories (owned) */
} provider;

typedef struct technician {
    /* what a match reads first, kept together at the front */
    geo_point pos;       /* last known position */
    uint64_t cover_mask; /* bit per territory covered (masks) */
    uint32_t seen;       /* match_epoch of the last match that judged it */
    uint32_t skills;     /* bit i: category_list()[i] */
    uint32_t load;       /* derived from open jobs */
    uint32_t recent;     /* jobs assigned so far */
    uint32_t capacity;   /* row->capacity */
    bool online;
    shift shift;
    provider *provider;
    int index;
    Fsd__TechnicianRow *row; /* reference data (owned) */
    int *territories;        /* indexes; [0] is home */
    size_t n_territories;
    /* runtime, kept across reloads */
    int64_t pos_at;
    int64_t last_seen;
    /* session (mirrors the sessions table) */
    uint64_t out_seq;   /* last sequence number given */
    uint64_t out_sent;  /* last sent on this connection */
    uint64_t out_acked; /* acknowledged by the agent */
    uint64_t in_seq;    /* last report applied */
    bool session_dirty; /* seqs changed in this batch, row not yet written */
    size_t rid_len;
    uint8_t rid[256]; /* latest ROUTER routing id from its key */
    /* a live session taken over by another connection (session.c) */
    uint8_t prev_rid[256]; /* the routing id before the latest move */
    size_t prev_rid_len;
    int64_t prev_seen;     /* last message from prev_rid */
    bool just_moved;       /* the message being handled moved the rid */
    uint8_t gone_rid[256]; /* told Superseded: its messages are refused */
    size_t gone_rid_len;
    char device_id[65]; /* the session's last Hello's device id */
    bool resync_due;    /* a JobSnapshot follows this Welcome (restored database) */
    bool watch_noted;   /* on this batch's list of changes for watchers (watch.c) */
} technician;

typedef struct principal {
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
    const char *brand; /* text.brand */
    job_text text;     /* in one block, owned (jobview.c) */
    uint64_t version;  /* the row's version: grows with state, holder, territory, rating */
    warranty_status warranty;
    priority prio;
    int64_t created_at, assign_by, arrive_by, offer_expires_at;
    int64_t close_at; /* completed: closes unrated at this time */
    technician *tech; /* offered to / held by */
    /* company dispatch: in state offered with no technician, the provider
       the job is offered to as a company; company_accepted once it said
       yes (no expiry then) until it assigns one of its technicians */
    provider *company;
    bool company_accepted;
    int *declined; /* technician indexes */
    size_t n_declined;
    bool spill;                   /* already widened to neighbours */
    int risk;                     /* SLA flagged at risk: 1 assign-by, 2 arrive-by */
    int64_t due;                  /* next deadline the timers act on */
    size_t timer_slot, wait_slot; /* positions in srv->timers, srv->waiting */
    bool moved;                   /* on srv->moved: rescheduled before the heaps are read */
    bool goodwill;                /* treated as covered (matching needs authorisation) */
    /* the SLA decided at intake (server/sla.c) and the flags raised */
    int64_t fix_by;         /* 0: none (jobs from before SLA policies) */
    int64_t sla_start;      /* the SLA clock started here (reported_at) */
    int64_t risk_at[SLA_N]; /* at risk from, per deadline */
    unsigned sla_flags;     /* SLA_RISK(d) | SLA_BREACH(d) raised so far */
    char sla_policy[41];    /* policy id, or "default" */
    sla_clock sla_clock;
    priority urgency;           /* as asked at intake */
    bool priority_tier;         /* the customer's tier is priority */
    int64_t win_start, win_end; /* appointment window asked (UTC ms), 0 when none */
    bool watch_noted;           /* on this batch's list of changes for watchers (watch.c) */
} job;

typedef struct {
    uint8_t *rid;
    size_t rid_len;
    uint8_t *data;
    size_t len;
    technician *tech; /* for sequenced messages: may be re-routed */
    uint64_t seq;
} outgoing;

enum {
    C_RECEIVED,
    C_MALFORMED,
    C_TOO_LARGE,
    C_BAD_VERSION,
    C_UNKNOWN,
    C_FORBIDDEN,
    C_INVALID,
    C_DUPLICATE,
    C_ZAP_REFUSED,
    C_BATCHES,
    C_COMMIT_FAILED,
    C_REQUESTS,
    C_REFUSED,
    C_OFFERS,
    C_ACCEPTS,
    C_DECLINES,
    C_EXPIRIES,
    C_ESCALATIONS,
    C_REASSIGNS,
    C_OFFLINE,
    C_SEND_FAILED,
    C_REJECTED, /* every error reply, whatever its code */
    C_CONFLICT,
    C_NOT_FOUND,
    C_COUNT_
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
    strmap *principals;    /* by public key */
    strmap *jobs;          /* open jobs by id */
    pheap timers;          /* open jobs with a deadline, soonest first */
    pheap waiting;         /* jobs in state new, by priority and assign-by */
    int64_t liveness_at;   /* last sweep for silent technicians */
    geo_grid *grid;        /* technicians by position */
    bool masks;            /* <= 64 territories: coverage as bit masks */
    uint32_t match_epoch;  /* stamps technicians judged by one match */
    uint32_t recent_floor; /* no technician has fewer recent jobs */
    long job_number;

    arena *arena; /* this batch's replies */
    outgoing *out;
    size_t n_out, cap_out;
    bool reload_reference; /* a load committed: re-read reference data */
    bool queue_dirty;      /* something may let a waiting job match */
    job **moved;           /* jobs changed since the heaps were last brought up to date */
    size_t n_moved, cap_moved;
    /* storage failing (disk full, I/O error, locked): see loop.c */
    bool storage_failing;
    bool resting; /* this batch refuses changes, runs no timers */
    int64_t storage_retry_at;
    int storage_backoff_ms;
    int64_t dedup_pruned_at;     /* last prune of old remembered answers */
    technician **dirty_sessions; /* written once per batch: session_flush */
    size_t n_dirty_sessions, cap_dirty_sessions;
    uint64_t counters[C_COUNT_];
    struct sla_state *sla;     /* policies and working hours (server/sla.c) */
    struct notifier *notifier; /* the sender (NULL: none runs) */
    struct keyring *keyring;   /* keys in use: last seen, connections, revoked (keyring.c) */
    volatile int reopen;       /* SIGHUP seen: reopen the log file (rotation) */
    struct backup *backup;     /* the online backup running or last finished (backup.c) */
    uint64_t generation;       /* the database's identity (store_generation), sent in Welcome */
    int64_t bookkept_at;       /* last commit of reads' bookkeeping (loop.c s_bookkeeping) */
    /* failed customer-link lookups (link.c): all since start, and in the
       minute that started at link_fail_minute */
    uint64_t link_fails;
    unsigned link_fails_minute;
    int64_t link_fail_minute;
    struct watch_hub *watch; /* live subscriptions (watch.c) */
} server;

/* The server's side of customer care (care.c) and of SLAs (sla.c). They
   stay here until the core library's care.h and sla.h are renamed: no
   two files may share a name. */

/* care.c — customer care: customer show, complaints, follow-ups,
   goodwill and fee waivers */
/* After a rating closed j: a low one opens a follow-up. */
int care_after_rating(call *c, job *j, unsigned stars, const char *comment);
/* Marks the open jobs that have goodwill (after the open jobs were read). */
int care_load_jobs(server *srv);
/* Whom a blocked customer is referred to (--care-contact). */
const char *care_contact(const server *srv);

/* sla.c — SLA policies and working hours in the world, the
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
/* Sets up a job read back from the store: its SLA fields, with the
   at-risk instants and flags of jobs from before SLA policies derived. */
void sla_job_restore(job *j, const store_job *sj);

#endif
