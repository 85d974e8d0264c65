/*  match.h — choosing the technician for a job. Pure: no I/O, no clock.

    The caller gathers candidates (technicians covering the job's territory
    or a neighbouring one) and the facts about each; match_rank applies the
    hard filters in a fixed order, naming the first rule each candidate
    fails, scores the rest and sorts them. Lower score is better.

    Rules, in the order they are checked (the name is what `explain` shows);
    lasting reasons come first, so "why not Li?" names the one that matters:
      "territory"    covers neither the job's territory nor (when spill
                     is allowed) a neighbouring one
      "skill"        lacks the appliance category
      "warranty"     job is warranty work and the provider is not
                     authorised for the brand
      "declined"     declined (or let expire) this job before
      "offline"      not connected (no heartbeat within the timeout)
      "shift"        not in shift at the job's local time
      "capacity"     load >= capacity
      "window"       the job has an appointment window and the technician's
                     calendar has no room in it (per-window capacity, or no
                     order of the day's booked jobs reaches each in its
                     window; see calendar.h). For such a job "shift" means
                     the shift does not cover the window.
    Score = travel minutes (distance / speed) + load_weight * load/capacity
          + fairness_weight * recent jobs. */
#ifndef FSD_MATCH_H
#define FSD_MATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "fsd/geo.h"

typedef enum {
    MR_OK = 0,
    MR_OFFLINE,
    MR_SHIFT,
    MR_TERRITORY,
    MR_SKILL,
    MR_WARRANTY,
    MR_DECLINED,
    MR_CAPACITY,
    MR_WINDOW,
    MR_COUNT_
} match_rule;

typedef struct {
    double speed_kmh;       /* travel estimate, default 30 */
    double load_weight;     /* minutes per unit of load/capacity, default 20 */
    double fairness_weight; /* minutes per recent job, default 5 */
    double max_km;          /* beyond this, excluded as "territory"; 0 = no limit */
} match_config;

/* The job as the matcher needs it. */
typedef struct {
    geo_point at;
    bool needs_authorisation; /* warranty work (in_warranty, extended, goodwill) */
    bool allow_spill;         /* accept technicians covering a neighbour only */
} match_job;

/* One candidate; every bool is a fact the caller established. */
typedef struct {
    int id;       /* caller's handle, copied to the result */
    geo_point at; /* last known position */
    bool online;
    bool in_shift;
    bool covers_territory; /* covers the job's own territory */
    bool covers_neighbour; /* covers a neighbouring territory */
    bool has_skill;
    bool authorised; /* provider authorised for the job's brand */
    bool declined;
    uint32_t load, capacity;
    uint32_t recent_jobs; /* jobs assigned in the fairness window */
    bool no_room;         /* the job's appointment window does not fit
                                 the technician's calendar */
} match_cand;

typedef struct {
    int id;
    match_rule failed; /* MR_OK when eligible */
    bool neighbour;    /* eligible only through a neighbour */
    double distance_km;
    double score; /* meaningful when failed == MR_OK */
} match_result;

void match_config_default(match_config *cfg);

/* Judges n candidates into out[0..n-1]: eligible first, own territory
   before neighbours, each group by ascending score (ties by id), then the
   excluded ones in input order. Returns how many are eligible. */
size_t match_rank(const match_config *cfg, const match_job *job, const match_cand *cands, size_t n,
                  match_result *out);

/* Judges one candidate alone (rules, distance, score), as match_rank
   does for each; the caller may gather candidates a few at a time. */
match_result match_judge(const match_config *cfg, const match_job *job, const match_cand *c);

/* Sorts n judged results into match_rank's order: eligible first (own
   territory before neighbours, then score, then id), then the excluded
   ones in their given order. Returns how many are eligible. */
size_t match_sort(match_result *res, size_t n);

/* The distance in km within which a candidate not judged yet could still
   come before `best` (an eligible own-territory result), when every such
   candidate carries at least extra_min minutes of load and fairness:
   anyone farther scores more. INFINITY when best is not such a result,
   since then nobody can be ruled out by distance. */
double match_reach_km(const match_config *cfg, const match_result *best, double extra_min);

/* The rule's name as shown by explain ("offline", "capacity"...; "" for MR_OK). */
const char *match_rule_name(match_rule r);

/* True when a candidate excluded by this rule might become eligible later
   without anyone changing reference data (offline, shift, capacity,
   window: a booking may be cancelled or declined): the
   job then waits in the queue instead of escalating at once. */
bool match_rule_is_transient(match_rule r);

/* True for the rules a dispatcher's move may never break, not even with
   an override: the technician lacks the skill, the provider is not
   authorised for the brand's warranty work, the technician is at
   capacity or has no room in the job's window (its day is full: another
   job must go first). The others (territory, declined, offline, shift)
   are the dispatcher's call: a move past one needs an override and a
   reason. */
bool match_rule_is_hard(match_rule r);

/* Judges c for a person's move: every rule it breaks, not only the
   first. Soft rules broken are passed over (as if the fact were met) to
   find what else is broken; *broken gets a bit (1u << rule) per rule
   broken. Returns the hard rule broken when there is one (the move
   cannot be made), else the first soft one, else MR_OK. */
match_rule match_judge_all(const match_config *cfg, const match_job *job, const match_cand *c,
                           unsigned *broken);

/* The rule named name ("shift"), or MR_COUNT_ when none is. */
match_rule match_rule_by_name(const char *name);

#endif
