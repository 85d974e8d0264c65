/*  match.c — judging and ranking candidate technicians for one job.

    Each candidate is run through the hard rules in a fixed order (offline,
    shift, territory, skill, warranty, declined, capacity, window) and the first rule
    it fails is named; the eligible ones get a score in minutes (travel +
    load + fairness) and are sorted, own territory before neighbours, then by
    score, then by id, so the result is fully deterministic.

    A caller that gathers candidates nearest first (from the geo grid) can
    judge them one by one (match_judge), stop once match_reach_km says no
    farther one can win, and sort what it judged (match_sort): the pick is
    the one match_rank would make over the whole set.

    Deliberately not here: gathering candidates (the caller uses the geo
    grid and its own tables), the clock, offers and timeouts, and any I/O.
    The matcher trusts the facts it is given. */

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "fsd/match.h"

#define S_DEFAULT_SPEED 30.0

//  Fills cfg with the default weights.
void match_config_default(match_config *cfg)
{
    cfg->speed_kmh = S_DEFAULT_SPEED;
    cfg->load_weight = 20.0;
    cfg->fairness_weight = 5.0;
    cfg->max_km = 0.0;
}

//  The first rule the candidate fails, or MR_OK.
static match_rule s_judge(const match_config *cfg, const match_job *job, const match_cand *c,
                          double distance_km)
{
    if (!c->covers_territory && !(job->allow_spill && c->covers_neighbour))
        return MR_TERRITORY;
    if (cfg->max_km > 0 && !(distance_km <= cfg->max_km))
        return MR_TERRITORY;
    if (!c->has_skill)
        return MR_SKILL;
    if (job->needs_authorisation && !c->authorised)
        return MR_WARRANTY;
    if (c->declined)
        return MR_DECLINED;
    if (!c->online)
        return MR_OFFLINE;
    if (!c->in_shift)
        return MR_SHIFT;
    if (c->load >= c->capacity)
        return MR_CAPACITY;
    if (c->no_room)
        return MR_WINDOW;
    return MR_OK;
}

//  Score in minutes: travel, plus load share, plus recent jobs.
static double s_score(const match_config *cfg, const match_cand *c, double distance_km)
{
    double speed = cfg->speed_kmh > 0 ? cfg->speed_kmh : S_DEFAULT_SPEED;
    double load = c->capacity ? (double)c->load / (double)c->capacity : 1.0;
    return distance_km / speed * 60.0 + cfg->load_weight * load
           + cfg->fairness_weight * (double)c->recent_jobs;
}

//  Sort key: a result and its position in the input.
typedef struct {
    match_result result;
    size_t index;
} s_entry;

//  Three-way comparison of two numbers.
static int s_cmp_num(double a, double b)
{
    return a < b ? -1 : a > b ? 1 : 0;
}

//  Eligible first, own before neighbour, then score, then id; 0 otherwise.
static int s_order(const match_result *a, const match_result *b)
{
    bool a_ok = a->failed == MR_OK, b_ok = b->failed == MR_OK;
    if (a_ok != b_ok)
        return a_ok ? -1 : 1;
    if (!a_ok)
        return 0;
    if (a->neighbour != b->neighbour)
        return a->neighbour ? 1 : -1;
    int by_score = s_cmp_num(a->score, b->score);
    if (by_score)
        return by_score;
    return a->id < b->id ? -1 : a->id > b->id ? 1 : 0;
}

//  qsort comparator: s_order, then input order (so the sort is stable).
static int s_compare(const void *pa, const void *pb)
{
    const s_entry *a = pa, *b = pb;
    int order = s_order(&a->result, &b->result);
    if (order)
        return order;
    return a->index < b->index ? -1 : a->index > b->index ? 1 : 0;
}

//  Stable insertion sort in place: the fallback when memory is short.
static void s_insertion_sort(match_result *out, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        match_result r = out[i];
        size_t j = i;
        for (; j > 0 && s_order(&out[j - 1], &r) > 0; j--)
            out[j] = out[j - 1];
        out[j] = r;
    }
}

//  Judges one candidate into a result.
static match_result s_evaluate(const match_config *cfg, const match_job *job, const match_cand *c)
{
    match_result r = { .id = c->id };
    r.distance_km = geo_valid(c->at) && geo_valid(job->at) ? geo_distance_km(job->at, c->at) : INFINITY;
    r.failed = s_judge(cfg, job, c, r.distance_km);
    r.neighbour = r.failed == MR_OK && !c->covers_territory;
    r.score = r.failed == MR_OK ? s_score(cfg, c, r.distance_km) : 0.0;
    return r;
}

//  Judges, scores and sorts n candidates into out.
size_t match_rank(const match_config *cfg, const match_job *job, const match_cand *cands, size_t n,
                  match_result *out)
{
    match_config defaults;
    if (!cfg) {
        match_config_default(&defaults);
        cfg = &defaults;
    }
    if (n == 0 || !job || !cands || !out)
        return 0;
    s_entry *entries = malloc(n * sizeof *entries);
    size_t eligible = 0;
    for (size_t i = 0; i < n; i++) {
        match_result r = s_evaluate(cfg, job, &cands[i]);
        eligible += r.failed == MR_OK;
        if (entries)
            entries[i] = (s_entry){ r, i };
        else
            out[i] = r;
    }
    if (!entries) {
        s_insertion_sort(out, n);
        return eligible;
    }
    qsort(entries, n, sizeof *entries, s_compare);
    for (size_t i = 0; i < n; i++)
        out[i] = entries[i].result;
    free(entries);
    return eligible;
}

//  Judges one candidate with cfg (defaults when NULL).
match_result match_judge(const match_config *cfg, const match_job *job, const match_cand *c)
{
    match_config defaults;
    if (!cfg) {
        match_config_default(&defaults);
        cfg = &defaults;
    }
    return s_evaluate(cfg, job, c);
}

//  Eligible first in rank order, the excluded after in their given order.
size_t match_sort(match_result *res, size_t n)
{
    size_t eligible = 0;
    for (size_t i = 0; i < n; i++)
        eligible += res[i].failed == MR_OK;
    if (eligible == 0 || !res)
        return 0;
    s_entry *ok = malloc(eligible * sizeof *ok);
    if (!ok) {
        s_insertion_sort(res, n);
        return eligible;
    }
    size_t k = 0, rest = 0;
    for (size_t i = 0; i < n; i++) {
        if (res[i].failed == MR_OK)
            ok[k++] = (s_entry){ res[i], i };
        else
            res[rest++] = res[i];
    }
    //  excluded ones move up behind where the eligible will go
    memmove(res + eligible, res, rest * sizeof *res);
    qsort(ok, eligible, sizeof *ok, s_compare);
    for (size_t i = 0; i < eligible; i++)
        res[i] = ok[i].result;
    free(ok);
    return eligible;
}

//  Distance beyond which nobody can come before best.
double match_reach_km(const match_config *cfg, const match_result *best, double extra_min)
{
    match_config defaults;
    if (!cfg) {
        match_config_default(&defaults);
        cfg = &defaults;
    }
    if (!best || best->failed != MR_OK || best->neighbour || !isfinite(best->score))
        return INFINITY;
    double speed = cfg->speed_kmh > 0 ? cfg->speed_kmh : S_DEFAULT_SPEED;
    double minutes = best->score - (extra_min > 0 ? extra_min : 0);
    //  a hair wider than exact, so rounding never rules out a tie
    return minutes > 0 ? minutes * speed / 60.0 * (1 + 1e-9) + 1e-9 : 1e-9;
}

//  Name of a rule as explain shows it.
const char *match_rule_name(match_rule r)
{
    static const char *const names[MR_COUNT_] = { "",         "offline",  "shift",    "territory", "skill",
                                                  "warranty", "declined", "capacity", "window" };
    return (unsigned)r < MR_COUNT_ ? names[r] : "?";
}

//  True for rules a candidate may stop failing without a data change.
bool match_rule_is_transient(match_rule r)
{
    return r == MR_OFFLINE || r == MR_SHIFT || r == MR_CAPACITY || r == MR_WINDOW;
}

//  Skill, warranty authorisation and a full day hold for everyone,
//  dispatchers too.
bool match_rule_is_hard(match_rule r)
{
    return r == MR_SKILL || r == MR_WARRANTY || r == MR_CAPACITY || r == MR_WINDOW;
}

//  Meets the fact a soft rule found missing; false when it cannot.
static bool s_pass_over(match_cand *c, match_rule r)
{
    switch (r) {
    case MR_TERRITORY:
        if (c->covers_territory)
            return false; /* beyond max_km: nothing to pass over */
        c->covers_territory = true;
        return true;
    case MR_DECLINED: c->declined = false; return true;
    case MR_OFFLINE: c->online = true; return true;
    case MR_SHIFT: c->in_shift = true; return true;
    default: return false;
    }
}

//  Every rule c breaks: soft ones passed over until a hard one or none.
match_rule match_judge_all(const match_config *cfg, const match_job *job, const match_cand *c,
                           unsigned *broken)
{
    match_cand k = *c;
    match_rule first = MR_OK;
    *broken = 0;
    for (int guard = 0; guard < MR_COUNT_; guard++) {
        match_rule r = match_judge(cfg, job, &k).failed;
        if (r == MR_OK)
            return first;
        *broken |= 1u << r;
        if (match_rule_is_hard(r))
            return r;
        if (first == MR_OK)
            first = r;
        if (!s_pass_over(&k, r))
            return first;
    }
    return first;
}

//  Looks a rule up by the name explain shows.
match_rule match_rule_by_name(const char *name)
{
    if (!name || !name[0])
        return MR_COUNT_;
    for (int r = MR_OK + 1; r < MR_COUNT_; r++)
        if (strcmp(match_rule_name((match_rule)r), name) == 0)
            return (match_rule)r;
    return MR_COUNT_;
}
