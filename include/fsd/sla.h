/*  sla.h — service levels: working hours, deadlines counted in them, the
    policy table, and the orders of urgency. Pure: no sockets, no SQL, no
    clock of its own (every time is passed in, UTC milliseconds).

    A job owes three deadlines, decided at intake from the most specific
    policy matching its warranty status, customer tier and urgency:
    assign-by (a technician holds it), arrive-by (on site), fix-by
    (completed). A "business" policy counts only the minutes inside the
    territory's working hours, in the territory's IANA zone; "24x7" counts
    every minute. Each deadline is "at risk" once 75 % of its window (in
    the same clock) has gone, and "breached" when it passes while the
    job's state still owes it. */
#ifndef FSD_SLA_H
#define FSD_SLA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fsd/domain.h"
#include "fsd/warranty.h"

/* ------------------------------------------------------------ deadlines */

typedef enum { SLA_ASSIGN = 0, SLA_ARRIVE = 1, SLA_FIX = 2, SLA_N = 3 } sla_deadline;

/* Flags kept per job, once each: at risk, and breached, per deadline. */
#define SLA_RISK(d) (1u << (d))
#define SLA_BREACH(d) (1u << (3 + (d)))
#define SLA_RISK_SHARE 0.75

/* "assign-by", "arrive-by", "fix-by" ("?" out of range). */
const char *sla_deadline_name(sla_deadline d);

/* True when a job in state s still owes deadline d: assign-by while new,
   offered or escalated; arrive-by also while assigned or en route;
   fix-by in every open state but completed. */
bool sla_owed(sla_deadline d, job_state s);

/* True when an at-risk flag raised in state s is also an event: every
   open state but escalated (an escalated job is the dispatchers' already;
   its flag is set quietly, its breaches are still recorded). */
bool sla_warns_in(job_state s);

/* True when flags hold a risk or breach flag for a deadline that state s
   still owes (what JobView.at_risk says). */
bool sla_flags_current(unsigned flags, job_state s);

typedef enum { SLA_24X7 = 0, SLA_BUSINESS = 1 } sla_clock;
const char *sla_clock_name(sla_clock c);
/* "business" or "24x7" (any case). 0 or -1. */
int sla_clock_parse(const char *s, sla_clock *out);

typedef enum { SLA_TIER_ANY = 0, SLA_TIER_STANDARD = 1, SLA_TIER_PRIORITY = 2 } sla_tier;
/* "standard", "priority" or "*" (any). 0 or -1. */
int sla_tier_parse(const char *s, sla_tier *out);

/* --------------------------------------------------------- working hours */

typedef struct sla_hours sla_hours;

/* Parses a weekly schedule and the dates it is closed.

   weekly: items separated by ';', each "[days] ranges":
     days    "mon-fri", "sat", "mon,wed,fri", "fri-mon" (wraps), full
             names ("monday"), "daily", "weekdays", "weekends"; left out:
             every day
     ranges  "08:00-18:00", "8:00-12:00,13:00-17:00", "24h"; a range
             that ends at or before its start runs past midnight into
             the next day ("22:00-06:00"); 24:00 ends a day
   or the whole text "24x7" (always open). The hours are the union of the
   items. Case and spaces do not matter.
   closed: entries "2026-12-24" (that day), "12-25" (every year),
   "2026-12-24..2026-12-31" (inclusive); no working minute falls on a
   closed local date.

   NULL on error, with *field ("hours" or "closed") and why (one
   sentence naming the bad part) set. */
sla_hours *sla_hours_parse(const char *weekly, const char *const *closed, size_t n_closed, const char **field,
                           char *why, size_t whylen);
void sla_hours_destroy(sla_hours **self_p);

/* True when local minute `minute` (0..1439) of date d is working time. */
bool sla_hours_open(const sla_hours *h, civil_date d, int minute);

/* Minutes of working time in a week (closed dates aside). */
int sla_hours_weekly_minutes(const sla_hours *h);

/* The instant dur_ms of working time after start_ms, counted in zone tz;
   h NULL counts every minute. Working time on each local date is its
   runs of open minutes turned into UTC: a wall time skipped by a
   daylight-saving change means the instant the clocks jumped to, one that
   occurs twice its first occurrence, so a day of 00:00-24:00 lasts 23 or
   25 hours on the change days. A start outside the hours waits for the
   next opening (dur_ms 0 gives that opening itself); a deadline that
   lands exactly on a closing time stays there. 0, or -1 when the zone is
   unknown or no working time is found within two years. */
int sla_add(const sla_hours *h, const char *tz, int64_t start_ms, int64_t dur_ms, int64_t *out);
/* sla_add for n (at most 8) durations from the same start, in one walk:
   outs[i] is start_ms plus durs[i] of working time. 0 or -1, as sla_add. */
int sla_hours_add_many(const sla_hours *h, const char *tz, int64_t start_ms, const int64_t *durs, int n,
                       int64_t *outs);

/* ------------------------------------------------------------- policies */

typedef struct {
    char id[41];
    warranty_status warranty; /* WS_NONE: any */
    sla_tier tier;
    priority urgency;      /* PRIO_NONE: any */
    double minutes[SLA_N]; /* assign, arrive, fix: > 0, in order */
    sla_clock clock;
    unsigned line; /* where it was loaded from, for messages */
} sla_policy;

/* Checks and converts one row's text. id: 1..40 letters, digits, '-',
   '_' or '.'; warranty/tier/urgency a value or "*"; minutes finite,
   0 < assign <= arrive <= fix <= 525600 (a year); clock business|24x7.
   0, or -1 with *field and why set. */
int sla_policy_make(const char *id, const char *warranty, const char *tier, const char *urgency,
                    const double minutes[SLA_N], const char *clock, sla_policy *out, const char **field,
                    char *why, size_t whylen);

/* How many keys are not "*" (0..3). */
int sla_policy_specificity(const sla_policy *p);

typedef struct sla_table sla_table;

sla_table *sla_table_new(void);
void sla_table_destroy(sla_table **self_p);
/* Adds a copy; -1 (why set) when a policy with the same keys is there. */
int sla_table_add(sla_table *self, const sla_policy *p, char *why, size_t whylen);
size_t sla_table_size(const sla_table *self);

/* The policy for a job: among the rows whose keys match, the one with the
   most keys given; between as many, warranty given beats tier given
   beats urgency given (so no two matching rows ever tie). NULL when none
   matches (or self is NULL). urgency PRIO_NONE counts as normal. */
const sla_policy *sla_table_pick(const sla_table *self, warranty_status w, bool priority_tier,
                                 priority urgency);

/* ---------------------------------------------------- one job's deadlines */

typedef struct {
    int64_t start;
    int64_t due[SLA_N];
    int64_t risk_at[SLA_N]; /* SLA_RISK_SHARE of each window gone */
} sla_times;

/* Deadlines and at-risk instants for windows of `minutes` from start:
   24x7 adds the minutes; business counts them in hours h of zone tz
   (every minute when h is NULL). 0; 1 when the business count failed
   (unknown zone, never open) and every minute was counted instead. */
int sla_times_compute(const double minutes[SLA_N], sla_clock clock, const sla_hours *h, const char *tz,
                      int64_t start, sla_times *out);

/* ---------------------------------------------------------------- orders */

typedef struct {
    priority prio;
    bool priority_tier;
    int64_t deadline; /* 0: none (last) */
    const char *id;
} sla_rank;

/* The waiting queue: higher priority first, then priority-tier customers,
   then the earlier deadline, then the lower id. */
bool sla_queue_before(const sla_rank *a, const sla_rank *b);

typedef enum { SLA_ST_BREACHED = 0, SLA_ST_AT_RISK = 1, SLA_ST_ESCALATED = 2, SLA_ST_NONE = 3 } sla_status;

/* "breached", "at_risk", "escalated", "" */
const char *sla_status_name(sla_status s);

/* Where a job in state s stands at `now`: breached (a deadline it still
   owes has passed), at risk (one is past its at-risk instant), escalated
   only, or none; *which is the deadline concerned (the first owed one
   for escalated-only; -1 when none is owed). A due of 0 is no deadline. */
sla_status sla_status_of(job_state s, const int64_t due[SLA_N], const int64_t risk_at[SLA_N], int64_t now,
                         int *which);

/* Escalations: breached, then at risk, then escalated only; within each,
   like the waiting queue. <0, 0, >0. */
int sla_escalation_cmp(sla_status sa, const sla_rank *a, sla_status sb, const sla_rank *b);

#endif
