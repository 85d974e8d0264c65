/*  kpi.h — the service-quality figures of a period, from the event log.
    Pure: no sockets, no SQL, no clock (the caller says what "now" is).

    Input: the jobs that matter for a period, each with its attributes, its
    events in the order they were written and its declines (one per
    technician who declined the offer or let it lapse), plus the
    technicians with their shifts. A job belongs to the period when it was
    CREATED in [from, to); the other jobs given only serve as later
    requests for the same product (first-time fix). Every figure of a
    period job is taken from its whole history, whenever the event
    happened, so a past period gives the same answer today as tomorrow
    once its jobs are done.

    Definitions (README "KPI report" says the same for users):
      requests      period jobs; completed = reached `completed` at some
                    point; cancelled = now cancelled; open = now new,
                    offered, assigned, en_route, on_site, on_hold or escalated
      time to assign  created_at -> the first event into `assigned`
      time to arrive  created_at -> the first event into `on_site`
                    (seconds; median and p90 by nearest rank: the value at
                    rank ceil(p * n) of the n ascending samples)
      SLA kept      each deadline of a job (assign-by, arrive-by, fix-by when
                    not 0) is judged once: kept when its point (assigned,
                    on_site, completed) was reached at or before it; missed
                    when reached later, or not reached and the deadline has
                    passed by `now` (still open, or cancelled after the
                    deadline); not judged when the job was cancelled before
                    the deadline; pending while an open job's deadline is
                    still ahead.
      first-time fix  a completed job with a product serial is judged once
                    C + 30 days <= now, C = its first completion: fixed
                    first time when no other job for the same serial was
                    created in (C, C + 30 days]; until then it is pending,
                    even with a repeat already there (judged early, recent
                    periods would show only failures). Jobs without a
                    serial are not judged.
      offers        events into `offered`; declines and expiries come from
                    the declines (expired = the offer lapsed: "offline" when
                    the matching offered -> new event says "offer withdrawn",
                    else "timeout"); rates are per offer.
      window        [window_from, window_to): from `from` (0: the first
                    period job's creation) to `to` or now, whichever comes
                    first; without `to`, to the last event of a period job
                    (now while one is en_route or on_site), so a report does
                    not drift while nothing happens.
      utilisation   busy / on-shift time of a set of technicians within the
                    window: busy = per technician, the union of the spans a
                    period job was en_route or on_site with it, cut to its
                    shift hours (never above 100 %); on-shift = the weekly
                    shift hours in the technician's home territory's zone,
                    from when the technician existed (kpi_tech since/until).
                    The set: all technicians; by territory those based there
                    (home territory), by agent those of the provider, by
                    technician that one. By warranty, tier and hour (facts
                    of jobs, not of technicians) there is no utilisation (0):
      fleet share   busy / the on-shift time of all technicians; by warranty,
                    tier and hour busy is, per technician, the union of the
                    spans of the group's jobs, on shift.
      CSAT          share of ratings of 4-5 among rated jobs, and the mean.
      escalations   events into `escalated`; reassignments: events whose
                    reason starts "reassigned"; at_risk, breached, goodwill,
                    fees_waived, waivers_requested: events whose reason
                    starts "at risk: ", "breached: ", "goodwill: ",
                    "fee waived: ", "waiver requested: ".

    Groups: a job's group is its territory, provider ("agent"), technician
    (the one holding it now or who last held it), warranty status or
    customer tier; "-" when it has none. By hour, a job's group is the hour
    of the day ("00".."23") of its creation in its territory's time zone
    (kpi_job tz), so a fleet across zones reads as one local day; all 24
    groups are there, an hour without jobs with 0 requests. Offers, declines and expiries are
    counted for the group of the job, except by agent and by technician,
    where they count for the offered technician (and its provider). */
#ifndef FSD_KPI_H
#define FSD_KPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fsd/domain.h"
#include "fsd/tzone.h"

typedef enum {
    KPI_BY_ALL = 0,
    KPI_BY_TERRITORY,
    KPI_BY_AGENT, /* the service agent: provider */
    KPI_BY_WARRANTY,
    KPI_BY_TIER,
    KPI_BY_TECHNICIAN,
    KPI_BY_HOUR, /* the hour of the day a job was created, local to its territory */
    KPI_BY_COUNT_
} kpi_by;

/* "all", "territory", "agent", "warranty", "tier", "technician", "hour"; parse
   also takes "provider" for "agent"; -1 for an unknown name. */
const char *kpi_by_name(kpi_by by);
int kpi_by_parse(const char *name);

typedef struct {
    int64_t at;
    const char *actor;
    int from_state, to_state; /* job_state; equal for a note */
    const char *technician;   /* "" when none */
    const char *reason;
} kpi_event;

typedef struct {
    const char *technician;
    int reason; /* decline_reason; DR_NONE for an expiry */
    bool expired;
    int64_t at;
} kpi_decline;

typedef struct kpi_job {
    const char *id;
    const char *territory, *provider, *technician, *tier, *serial; /* "" = none */
    int warranty;                                                  /* warranty_status */
    int state;                                                     /* job_state now */
    int64_t created_at, assign_by, arrive_by;
    int64_t fix_by; /* 0: the job has no fix-by deadline */
    int rating;     /* 1..5, 0 = not rated */
    const kpi_event *events;
    size_t n_events;
    const kpi_decline *declines;
    size_t n_declines;
    const char *tz; /* the territory's zone, for the hour grouping; NULL, "" or unknown = UTC */
} kpi_job;

typedef struct {
    const char *id, *provider, *territory; /* territory: home */
    const char *shift;                     /* as loaded: "Mon-Fri 08:00-17:00"; bad = "24h" */
    const char *tz;                        /* the home territory's zone; bad = UTC */
    int64_t since;                         /* first loaded (0: before that was recorded) */
    int64_t until;                         /* left the fleet (0: still in it) */
} kpi_tech;

typedef struct {
    int64_t from, to; /* [from, to) on created_at; to 0 = open */
    int64_t now;
    kpi_by by;
} kpi_query;

enum { KPI_ASSIGN_BY, KPI_ARRIVE_BY, KPI_FIX_BY, KPI_DEADLINES_ };
enum { KPI_EXPIRY_TIMEOUT, KPI_EXPIRY_OFFLINE, KPI_EXPIRY_COUNT_ };

typedef struct {
    char *key; /* group name; "all" for the total */
    uint64_t requests, completed, cancelled, open;
    uint64_t escalations, reassignments;
    double *assign_s, *arrive_s; /* samples, ascending */
    size_t assign_n, arrive_n;
    double assign_p50_s, assign_p90_s, arrive_p50_s, arrive_p90_s; /* 0 when n is 0 */
    uint64_t sla_judged[KPI_DEADLINES_], sla_kept[KPI_DEADLINES_];
    uint64_t sla_judged_all, sla_kept_all, sla_pending;
    double sla_kept_pct;
    uint64_t ftf_judged, ftf_fixed, ftf_pending;
    double ftf_pct;
    uint64_t offers, declines, expiries;
    uint64_t declines_by[DR_COUNT_]; /* [DR_NONE] unused */
    uint64_t expiries_by[KPI_EXPIRY_COUNT_];
    double decline_rate_pct, expiry_rate_pct;
    int64_t busy_ms, shift_ms;
    double utilisation_pct; /* 0 for the groups of a job grouping (warranty, tier) */
    double fleet_share_pct; /* busy_ms over the on-shift time of every technician */
    uint64_t ratings, ratings_good, rating_sum;
    double csat_pct, rating_avg;
    uint64_t at_risk, breached, goodwill, fees_waived, waivers_requested;
} kpi_group;

typedef struct {
    kpi_by by;
    int64_t window_from, window_to; /* the utilisation window */
    kpi_group *groups;              /* by key (strcmp order); none for KPI_BY_ALL */
    size_t n_groups;
    kpi_group total; /* every period job, key "all" */
} kpi_report;

/* Computes the report. 0, or -1 when out of memory (out is then empty).
   Free with kpi_report_free. */
int kpi_compute(const kpi_query *q, const kpi_job *jobs, size_t n_jobs, const kpi_tech *techs, size_t n_techs,
                kpi_report *out);
void kpi_report_free(kpi_report *r);

/* The value at rank ceil(p * n) (1-based, at least 1) of n ascending
   samples; 0 when n is 0. */
double kpi_percentile(const double *sorted, size_t n, double p);

/* Milliseconds of [from, to) inside a weekly shift in zone tz, across
   daylight-saving changes (a night shift over the spring change is an
   hour shorter). An unknown zone counts as UTC. */
int64_t kpi_shift_ms(const shift *s, const char *tz, int64_t from, int64_t to);

/* True when the report reads an event with this reason (it starts with
   one of the prefixes counted above, or "offer withdrawn"); a reader of
   the log may leave other reasons out. */
bool kpi_reason_counts(const char *reason);

/* Name of an expiry reason: "timeout", "offline". */
const char *kpi_expiry_name(int reason);

#endif
